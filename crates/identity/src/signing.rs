//! Internal signatures of decisions: every staff account signs with its own
//! Ed25519 key, held by rathaus. The key is derived (HKDF-SHA256) from the
//! instance's decision key (a file in the data directory, like the audit
//! checkpoint key) and the account id, so no private key is ever stored in
//! the database; the public key is recorded with every signature. A
//! signature covers a canonical statement: what was decided about which
//! exact document version (its SHA-256), by whom, for whom, when.
//!
//! These are evidence inside the E-Akte, not qualified electronic
//! signatures; the notice's external signature is a PAdES signature.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use kernel::AccountId;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The instance's secret from which every account's key is derived.
#[derive(Clone)]
pub struct DecisionKeys([u8; 32]);

impl std::fmt::Debug for DecisionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecisionKeys(…)")
    }
}

/// What a decision signature covers. Serialised as JSON in this field order
/// (the signed bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Statement {
    /// Always `rathaus-decision-1`.
    pub kind: String,
    /// SHA-256 (hex) of the document version decided on.
    pub sha256: String,
    /// What the decision is about (e.g. `notice.final`).
    pub step: String,
    /// The decision (e.g. `approve`).
    pub decision: String,
    /// A comment, empty when none.
    pub comment: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The account that decided.
    pub actor: String,
    /// The account it acted for (deputy), empty when none.
    pub acting_for: String,
}

impl Statement {
    /// The bytes signed.
    pub fn bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl DecisionKeys {
    /// Loads the instance key from `path`, creating it (mode 0600) when
    /// missing. Every instance of a city must have the same file.
    pub fn load_or_create(path: &Path) -> std::io::Result<DecisionKeys> {
        Ok(DecisionKeys(storage::audit::load_or_create_secret(path)?))
    }

    /// A throwaway key (tests).
    pub fn ephemeral() -> DecisionKeys {
        DecisionKeys(rand::random())
    }

    fn key_of(&self, account: AccountId) -> SigningKey {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"rathaus decision keys v1"), &self.0);
        let mut seed = [0u8; 32];
        // 32 bytes are always within HKDF-SHA256's output limit.
        let _ = hk.expand(account.0.as_bytes(), &mut seed);
        SigningKey::from_bytes(&seed)
    }

    /// The public key of an account (hex).
    pub fn public_key(&self, account: AccountId) -> String {
        hex::encode(self.key_of(account).verifying_key().to_bytes())
    }

    /// Signs a statement with the key of `account`: (public key, signature),
    /// both hex.
    pub fn sign(&self, account: AccountId, statement: &Statement) -> (String, String) {
        let key = self.key_of(account);
        let sig = key.sign(&statement.bytes());
        (
            hex::encode(key.verifying_key().to_bytes()),
            hex::encode(sig.to_bytes()),
        )
    }
}

/// Whether `signature` (hex) by `public_key` (hex) covers `statement`.
pub fn verify(public_key: &str, statement: &Statement, signature: &str) -> bool {
    let Ok(pk) = hex::decode(public_key) else {
        return false;
    };
    let Ok(sig) = hex::decode(signature) else {
        return false;
    };
    let (Ok(pk), Ok(sig)) = (<[u8; 32]>::try_from(pk), <[u8; 64]>::try_from(sig)) else {
        return false;
    };
    let Ok(vk) = VerifyingKey::from_bytes(&pk) else {
        return false;
    };
    vk.verify(&statement.bytes(), &Signature::from_bytes(&sig))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sha: &str) -> Statement {
        Statement {
            kind: "rathaus-decision-1".into(),
            sha256: sha.into(),
            step: "notice.final".into(),
            decision: "approve".into(),
            comment: String::new(),
            at: "2027-01-04T09:00:00Z".into(),
            actor: "a".into(),
            acting_for: String::new(),
        }
    }

    #[test]
    fn a_signature_holds_for_its_statement_only() {
        let keys = DecisionKeys::ephemeral();
        let alice = AccountId::new();
        let s = statement("ab");
        let (pk, sig) = keys.sign(alice, &s);
        assert_eq!(pk, keys.public_key(alice), "the key is stable per account");
        assert!(verify(&pk, &s, &sig));
        assert!(!verify(&pk, &statement("ac"), &sig), "another version");
        let mut later = s.clone();
        later.decision = "refuse".into();
        assert!(!verify(&pk, &later, &sig), "another decision");
        assert_ne!(keys.public_key(AccountId::new()), pk, "a key per account");
        assert!(!verify(&keys.public_key(AccountId::new()), &s, &sig));
        assert!(!verify("zz", &s, &sig));
    }
}
