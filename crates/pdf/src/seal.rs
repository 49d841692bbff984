//! The external signature of a notice: a PAdES signature (ETSI.CAdES.detached,
//! baseline B-B, as an incremental update) applied by a pluggable
//! [`Sealer`]. The embedded default is [`LocalSeal`], a seal certificate in
//! a PKCS#12 file; for demos and tests it creates its own test CA and seal
//! certificate, which are **not qualified** (§ 3a (3), § 37 (3) VwVfG need a
//! qualified electronic seal or signature: in production a qualified seal
//! certificate in a PKCS#12 file, or a remote signing service behind the
//! same trait).
//!
//! Signing uses `pdf_signer` (pure Rust, RustCrypto); the test PKI is built
//! with `x509-cert`, `p256` and `p12-keystore`, which it already brings.

use der::Encode;
use p12_keystore::{Certificate as P12Certificate, KeyStore, KeyStoreEntry, PrivateKeyChain};
use p256::pkcs8::EncodePrivateKey;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

/// Why sealing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SealError(pub String);

/// Applies the external signature to a finished PDF.
pub trait Sealer: Send + Sync {
    /// The PDF with the signature appended (its earlier bytes unchanged).
    fn seal(
        &self,
        pdf: &[u8],
        reason: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<u8>, SealError>;

    /// Who seals, for the case page (the certificate's subject).
    fn signer(&self) -> String;

    /// Whether the seal is qualified (false for the test seal).
    fn qualified(&self) -> bool;
}

/// A seal certificate with its key in a PKCS#12 file.
pub struct LocalSeal {
    p12: Vec<u8>,
    password: String,
    subject: String,
    qualified: bool,
}

impl std::fmt::Debug for LocalSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalSeal({})", self.subject)
    }
}

fn err(e: impl std::fmt::Display) -> SealError {
    SealError(e.to_string())
}

impl LocalSeal {
    /// A seal from a PKCS#12 file (a real seal certificate: `qualified`
    /// as its issuer certifies).
    pub fn from_p12(p12: Vec<u8>, password: &str, qualified: bool) -> Result<LocalSeal, SealError> {
        let ks = KeyStore::from_pkcs12(&p12, password)
            .map_err(|e| SealError(format!("PKCS#12: {e:?}")))?;
        let (_, chain) = ks
            .private_key_chain()
            .ok_or_else(|| SealError("the PKCS#12 file holds no key with a certificate".into()))?;
        let subject = chain
            .chain()
            .first()
            .map(|c| c.subject().to_owned())
            .unwrap_or_default();
        Ok(LocalSeal {
            p12,
            password: password.to_owned(),
            subject,
            qualified,
        })
    }

    /// The test seal of `city` kept in `dir` (`seal-test.p12`,
    /// `seal-test.pass`, `seal-test-ca.der`), created with its own test CA
    /// when missing. Not qualified.
    pub fn load_or_create_test(dir: &Path, city: &str) -> Result<LocalSeal, SealError> {
        let p12_path = dir.join("seal-test.p12");
        let pass_path = dir.join("seal-test.pass");
        if let (Ok(p12), Ok(pass)) = (
            std::fs::read(&p12_path),
            std::fs::read_to_string(&pass_path),
        ) {
            return Self::from_p12(p12, pass.trim(), false);
        }
        std::fs::create_dir_all(dir).map_err(err)?;
        let password = hex::encode(rand::random::<[u8; 16]>());
        let (p12, ca) = test_pki(city, &password)?;
        write_private(&pass_path, password.as_bytes()).map_err(err)?;
        write_private(&dir.join("seal-test-ca.der"), &ca).map_err(err)?;
        write_private(&p12_path, &p12).map_err(err)?;
        Self::from_p12(p12, &password, false)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}

/// A test CA and a seal certificate it issued (ECDSA P-256, ten years),
/// as (PKCS#12 with key and chain, CA certificate DER).
pub fn test_pki(city: &str, password: &str) -> Result<(Vec<u8>, Vec<u8>), SealError> {
    let mut rng = rand_core::OsRng;
    let validity = Validity::from_now(Duration::from_secs(10 * 365 * 24 * 3600)).map_err(err)?;
    let clean: String = city
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
        .collect();
    let ca_key = p256::ecdsa::SigningKey::random(&mut rng);
    let ca_name = Name::from_str(&format!(
        "CN=rathaus Test-CA {clean} (NICHT QUALIFIZIERT),O=Stadt {clean},C=DE"
    ))
    .map_err(err)?;
    let ca_spki = SubjectPublicKeyInfoOwned::from_key(*ca_key.verifying_key()).map_err(err)?;
    let ca = CertificateBuilder::new(
        Profile::Root,
        SerialNumber::from(1u32),
        validity,
        ca_name.clone(),
        ca_spki,
        &ca_key,
    )
    .map_err(err)?
    .build::<p256::ecdsa::DerSignature>()
    .map_err(err)?;
    let ca_der = ca.to_der().map_err(err)?;
    let seal_key = p256::ecdsa::SigningKey::random(&mut rng);
    let seal_name = Name::from_str(&format!(
        "CN=Siegel Stadt {clean} (Test - nicht qualifiziert),O=Stadt {clean},C=DE"
    ))
    .map_err(err)?;
    let seal_spki = SubjectPublicKeyInfoOwned::from_key(*seal_key.verifying_key()).map_err(err)?;
    let seal = CertificateBuilder::new(
        Profile::Leaf {
            issuer: ca_name,
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        SerialNumber::from(2u32),
        validity,
        seal_name,
        seal_spki,
        &ca_key,
    )
    .map_err(err)?
    .build::<p256::ecdsa::DerSignature>()
    .map_err(err)?;
    let seal_der = seal.to_der().map_err(err)?;
    let key_der = seal_key.to_pkcs8_der().map_err(err)?.as_bytes().to_vec();
    let chain = PrivateKeyChain::new(
        &key_der,
        b"seal",
        vec![
            P12Certificate::from_der(&seal_der).map_err(|e| SealError(format!("{e:?}")))?,
            P12Certificate::from_der(&ca_der).map_err(|e| SealError(format!("{e:?}")))?,
        ],
    );
    let mut ks = KeyStore::new();
    ks.add_entry("seal", KeyStoreEntry::PrivateKeyChain(chain));
    let p12 = ks
        .writer(password)
        .write()
        .map_err(|e| SealError(format!("{e:?}")))?;
    Ok((p12, ca_der))
}

impl Sealer for LocalSeal {
    fn seal(
        &self,
        pdf: &[u8],
        reason: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<u8>, SealError> {
        let opts = pdf_signer::SignOptions {
            reason: Some(reason.to_owned()),
            name: Some(self.subject.clone()),
            signing_time: Some(at.format("D:%Y%m%d%H%M%SZ").to_string()),
            ..pdf_signer::SignOptions::default()
        };
        pdf_signer::sign_pdf_bytes(pdf, &self.p12, &self.password, &opts).map_err(err)
    }

    fn signer(&self) -> String {
        self.subject.clone()
    }

    fn qualified(&self) -> bool {
        self.qualified
    }
}

/// What a PDF's signatures say: (signer, cryptographically valid and the
/// document unchanged since).
pub fn check(pdf: &[u8]) -> Result<Vec<(String, bool)>, SealError> {
    let report = pdf_signer::verify_pdf_bytes(pdf).map_err(err)?;
    let intact = report.document_intact();
    Ok(report
        .signatures
        .iter()
        .map(|s| (s.signer.clone().unwrap_or_default(), s.valid && intact))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_seal_signs_a_rendered_pdf_and_any_changed_byte_breaks_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let seal = LocalSeal::load_or_create_test(dir.path(), "Musterstadt").expect("seal");
        assert!(!seal.qualified());
        assert!(
            seal.signer().contains("nicht qualifiziert"),
            "{}",
            seal.signer()
        );
        // The same files the next time.
        let again = LocalSeal::load_or_create_test(dir.path(), "Musterstadt").expect("again");
        assert_eq!(again.signer(), seal.signer());
        let data = serde_json::json!({"t": "Bescheid"});
        let pdf = crate::render(&crate::Job {
            template: "#let d = json(bytes(sys.inputs.data))\n#set document(title: d.t)\n#set text(lang: \"de\")\n= #d.t\nText.",
            data: &data,
            ident: "seal-test",
            at: chrono::Utc::now(),
        })
        .expect("pdf");
        let sealed = seal
            .seal(&pdf, "Bescheid", chrono::Utc::now())
            .expect("sealed");
        assert!(sealed.starts_with(&pdf), "an incremental update");
        let checked = check(&sealed).expect("check");
        assert_eq!(checked.len(), 1);
        assert!(checked[0].1, "{checked:?}");
        let mut broken = sealed.clone();
        let i = pdf.len() / 2;
        broken[i] ^= 0x20;
        let checked = check(&broken)
            .map(|c| c.iter().all(|(_, ok)| *ok))
            .unwrap_or(false);
        assert!(!checked, "a changed byte breaks the seal");
    }
}
