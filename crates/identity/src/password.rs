//! Password hashing with argon2id (OWASP's first choice), with a random
//! salt per hash; verification is constant-time inside `argon2`.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

fn hasher() -> Argon2<'static> {
    // 19 MiB, 2 passes, 1 lane: OWASP's minimum recommendation for argon2id,
    // about 30 ms on the reference machine.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(hasher().hash_password(password.as_bytes())?.to_string())
}

/// True when `password` matches the PHC string `phc`.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so a login
/// for an unknown address takes as long as one for a known address.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$H3jxNbGjCtNv2Y1YoN/LG7WqZqzPeb0ltY3kH7a7D/g"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() -> Result<(), argon2::password_hash::Error> {
        let h = hash("Rathaus-Passwort-1")?;
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Rathaus-Passwort-1", &h));
        assert!(!verify("rathaus-passwort-1", &h));
        assert!(!verify("anything", "not a hash"));
        Ok(())
    }
}
