//! Typed configuration: defaults, `<data_dir>/rathaus.toml`, the `--config`
//! file, `RATHAUS_…` environment variables and command-line options, in
//! rising precedence. `rathaus config defaults` prints the documented
//! defaults ([`DEFAULTS_TOML`]); a test keeps that file and
//! [`Settings::default`] in step.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The documented default configuration file.
pub const DEFAULTS_TOML: &str = include_str!("defaults.toml");

/// All settings of one instance.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Listen address.
    pub listen: String,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL; empty means SQLite in the data directory.
    pub database_url: String,
    /// Public base URL; empty means `http://<listen>`.
    pub public_url: String,
    /// Name of the municipality.
    pub city_name: String,
    /// `text` or `json`.
    pub log_format: String,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Identity settings.
    pub identity: IdentityConfig,
    /// E-mail settings.
    pub mail: MailConfig,
    /// Access log settings.
    pub audit: AuditConfig,
    /// Job runner settings.
    pub jobs: JobsConfig,
    /// Online applications.
    pub forms: FormsConfig,
    /// Cases.
    pub cases: CasesConfig,
    /// Fees and payments.
    pub fees: FeesConfig,
    /// The external signature of notices.
    pub signing: SigningConfig,
    /// Delivery of notices.
    pub mailbox: MailboxConfig,
    /// Disposal to the archive (xdomea).
    pub archive: ArchiveConfig,
    /// Team rooms: the Jitsi server for video meetings.
    pub rooms: RoomsConfig,
}

/// `[rooms]`: video meetings through a Jitsi Meet server with token
/// authentication (docs/rooms.md). Without `jitsi_url` the rooms explain
/// that video meetings need a Jitsi server.
#[derive(Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RoomsConfig {
    /// The Jitsi server, e.g. `https://meet.musterstadt.de`.
    pub jitsi_url: String,
    /// The app id the server expects as the token's `iss`.
    pub jitsi_app_id: String,
    /// The shared secret of its token authentication (HS256; redacted in
    /// Debug).
    pub jitsi_secret: String,
    /// The audience it expects (`aud`; empty: `jitsi`).
    pub jitsi_audience: String,
    /// The phone dial-in shown with meetings, if the server offers one.
    pub jitsi_dial_in: String,
}

impl RoomsConfig {
    /// The Jitsi settings of the rooms.
    pub fn jitsi(&self) -> rooms::meetings::JitsiConfig {
        rooms::meetings::JitsiConfig {
            base_url: self.jitsi_url.trim().trim_end_matches('/').to_owned(),
            app_id: self.jitsi_app_id.trim().to_owned(),
            secret: self.jitsi_secret.clone(),
            audience: self.jitsi_audience.trim().to_owned(),
            dial_in: self.jitsi_dial_in.trim().to_owned(),
        }
    }
}

impl std::fmt::Debug for RoomsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.jitsi(), f)
    }
}

/// `[archive]`: who the xdomea disposal messages name (docs/disposal.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// The archive's name (receiver of 0501/0503).
    pub name: String,
    /// The authority's key in the DVDV (Behördenschlüssel), e.g. its AGS.
    pub authority_key: String,
    /// Its prefix (e.g. `ags`).
    pub authority_prefix: String,
    /// The records office's unit name in the messages.
    pub unit: String,
    /// Most files per disposal process.
    pub batch: i64,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        ArchiveConfig {
            name: "Stadtarchiv".into(),
            authority_key: "00000000".into(),
            authority_prefix: "ags".into(),
            unit: "Registratur".into(),
            batch: 500,
        }
    }
}

/// `[mailbox]`: the legal rules of delivery (docs/delivery.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MailboxConfig {
    /// Days after the e-mail within which a notice must be retrieved from
    /// the portal (§ 41 (2a) sentence 4 VwVfG: 10).
    pub retrieval_days: u64,
    /// Days after the first retrieval until it counts as notified (§ 41
    /// (2a) sentence 2 VwVfG: 1, the day after).
    pub after_retrieval_days: u64,
    /// Days after posting until a letter counts as notified (§ 41 (2)
    /// VwVfG since 2025: 4; some Länder and § 122 AO differ).
    pub post_days: u64,
}

impl Default for MailboxConfig {
    fn default() -> Self {
        let r = mailbox::DeliveryRules::default();
        MailboxConfig {
            retrieval_days: r.retrieval_days,
            after_retrieval_days: r.after_retrieval_days,
            post_days: r.post_days,
        }
    }
}

impl MailboxConfig {
    /// The rules.
    pub fn rules(&self) -> mailbox::DeliveryRules {
        mailbox::DeliveryRules {
            retrieval_days: self.retrieval_days.clamp(1, 365),
            after_retrieval_days: self.after_retrieval_days.min(30),
            post_days: self.post_days.min(30),
        }
    }
}

/// `[signing]`.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SigningConfig {
    /// `test`: a seal certificate from a test CA rathaus makes itself (not
    /// qualified); `p12`: the seal certificate and key in `p12_file`;
    /// `remote`: a remote signing service at `remote_url`.
    pub seal: String,
    /// The PKCS#12 file of the seal (`seal = "p12"`).
    pub p12_file: String,
    /// Its password (redacted in Debug).
    pub p12_password: String,
    /// Whether that certificate is a qualified seal (shown on cases).
    pub qualified: bool,
    /// The remote signing service (`seal = "remote"`, docs/notices.md).
    pub remote_url: String,
    /// Its bearer token (redacted in Debug).
    pub remote_token: String,
    /// The seal's holder as cases show it, e.g. "Stadt Musterstadt
    /// (qualifiziertes Siegel)".
    pub remote_signer: String,
}

impl Default for SigningConfig {
    fn default() -> Self {
        SigningConfig {
            seal: "test".into(),
            p12_file: String::new(),
            p12_password: String::new(),
            qualified: false,
            remote_url: String::new(),
            remote_token: String::new(),
            remote_signer: String::new(),
        }
    }
}

impl std::fmt::Debug for SigningConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningConfig")
            .field("seal", &self.seal)
            .field("p12_file", &self.p12_file)
            .field(
                "p12_password",
                &if self.p12_password.is_empty() {
                    ""
                } else {
                    "[redacted]"
                },
            )
            .field("qualified", &self.qualified)
            .field("remote_url", &self.remote_url)
            .field(
                "remote_token",
                &if self.remote_token.is_empty() {
                    ""
                } else {
                    "[redacted]"
                },
            )
            .field("remote_signer", &self.remote_signer)
            .finish()
    }
}

impl SigningConfig {
    /// The sealer this configuration names, or what to fix.
    pub fn sealer(
        &self,
        data_dir: &Path,
        city: &str,
    ) -> anyhow::Result<std::sync::Arc<dyn pdf::seal::Sealer>> {
        if self.seal == "remote" {
            let signer = if self.remote_signer.trim().is_empty() {
                format!("Stadt {city}")
            } else {
                self.remote_signer.clone()
            };
            return Ok(std::sync::Arc::new(pdf::remote::RemoteSeal::new(
                &self.remote_url,
                &self.remote_token,
                &signer,
                self.qualified,
            )?));
        }
        let seal = match self.seal.as_str() {
            "test" => pdf::seal::LocalSeal::load_or_create_test(&data_dir.join("keys"), city)?,
            "p12" => {
                let bytes = std::fs::read(&self.p12_file).map_err(|e| {
                    anyhow::anyhow!("signing.p12_file {:?} cannot be read: {e}", self.p12_file)
                })?;
                pdf::seal::LocalSeal::from_p12(bytes, &self.p12_password, self.qualified)?
            }
            other => anyhow::bail!("signing.seal is `test`, `p12` or `remote`, not {other:?}"),
        };
        Ok(std::sync::Arc::new(seal))
    }
}

/// `[fees]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FeesConfig {
    /// Payee named on notices and in the GiroCode.
    pub payee: String,
    /// IBAN of the treasury's account; empty shows no bank details.
    pub iban: String,
    /// BIC (optional).
    pub bic: String,
    /// `range`: rathaus numbers claims; `treasury`: the treasury assigns
    /// the Kassenzeichen through the API.
    pub reference_source: String,
    /// Digits every Kassenzeichen of the range starts with.
    pub reference_prefix: String,
    /// First number of the range.
    pub reference_first: i64,
    /// Last number of the range (its digits give the width).
    pub reference_last: i64,
    /// Days from setting the fee to its due date.
    pub due_days: i64,
}

impl Default for FeesConfig {
    fn default() -> Self {
        FeesConfig {
            payee: "Stadtkasse Musterstadt".into(),
            iban: String::new(),
            bic: String::new(),
            reference_source: "range".into(),
            reference_prefix: "5100".into(),
            reference_first: 1,
            reference_last: 99_999_999,
            due_days: 30,
        }
    }
}

impl FeesConfig {
    /// The fee settings, or what to fix.
    pub fn to_settings(&self) -> anyhow::Result<cases::fees::FeeSettings> {
        let iban: String = self.iban.chars().filter(|c| !c.is_whitespace()).collect();
        if !iban.is_empty()
            && cases::fees::girocode::payload(&cases::fees::girocode::Transfer {
                payee: &self.payee,
                iban: &iban,
                bic: &self.bic,
                cents: 1,
                text: "",
            })
            .is_err()
        {
            anyhow::bail!(
                "fees: iban {:?}, bic {:?} or payee {:?} is not valid (IBAN with correct check digits, BIC of 8 or 11 characters, payee of 1 to 70 characters)",
                self.iban,
                self.bic,
                self.payee
            );
        }
        let source = match self.reference_source.as_str() {
            "treasury" => cases::fees::ReferenceSource::Treasury,
            "range" => {
                let p = self.reference_prefix.trim();
                if p.len() > 10 || !p.chars().all(|c| c.is_ascii_digit()) {
                    anyhow::bail!("fees.reference_prefix must be up to 10 digits");
                }
                if self.reference_first < 0 || self.reference_first > self.reference_last {
                    anyhow::bail!("fees.reference_first must be between 0 and fees.reference_last");
                }
                cases::fees::ReferenceSource::Range {
                    prefix: p.to_owned(),
                    first: self.reference_first,
                    last: self.reference_last,
                }
            }
            other => anyhow::bail!("fees.reference_source is `range` or `treasury`, not {other:?}"),
        };
        if !(0..=365).contains(&self.due_days) {
            anyhow::bail!("fees.due_days must be between 0 and 365");
        }
        Ok(cases::fees::FeeSettings {
            payee: self.payee.trim().to_owned(),
            iban,
            bic: self.bic.trim().to_owned(),
            source,
            due_days: self.due_days,
        })
    }
}

/// `[cases]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CasesConfig {
    /// ISO 3166-2 code of the federal state whose public holidays deadlines
    /// skip (`NW`, `BY`, `BE`, …).
    pub federal_state: String,
}

impl Default for CasesConfig {
    fn default() -> Self {
        CasesConfig {
            federal_state: "NW".into(),
        }
    }
}

/// `[forms]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FormsConfig {
    /// Days a draft application is kept after its last change.
    pub draft_days: i64,
    /// Largest upload in bytes (a form field may set a smaller limit).
    pub max_upload_bytes: u64,
}

impl Default for FormsConfig {
    fn default() -> Self {
        FormsConfig {
            draft_days: 30,
            max_upload_bytes: 10 * 1024 * 1024,
        }
    }
}

/// `[identity]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityConfig {
    /// Staff need TOTP.
    pub staff_totp_required: bool,
    /// Session idle lifetime.
    pub session_idle_minutes: i64,
    /// Failures before lockout.
    pub lockout_threshold: i64,
    /// Lockout length.
    pub lockout_minutes: i64,
    /// Failures per address before refusal.
    pub address_threshold: i64,
}

/// `[mail]`.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// Sender.
    pub from: String,
    /// SMTP host; empty writes .eml files.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// SMTP user.
    pub smtp_username: String,
    /// SMTP password (redacted in Debug).
    pub smtp_password: String,
    /// STARTTLS.
    pub smtp_starttls: bool,
}

/// `[audit]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Entries per signed segment.
    pub segment_size: i64,
    /// Days entries are kept before `rathaus audit prune` may delete them.
    pub retention_days: i64,
}

/// `[jobs]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Run the job runner inside `serve`.
    pub run_in_background: bool,
    /// Seconds a claimed job belongs to its runner; after a crash its jobs
    /// run again once this has passed.
    pub lease_seconds: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./rathaus-data"),
            database_url: String::new(),
            public_url: String::new(),
            city_name: "Musterstadt".into(),
            log_format: "text".into(),
            max_body_bytes: 2 * 1024 * 1024,
            identity: IdentityConfig::default(),
            mail: MailConfig::default(),
            audit: AuditConfig::default(),
            jobs: JobsConfig::default(),
            forms: FormsConfig::default(),
            cases: CasesConfig::default(),
            fees: FeesConfig::default(),
            signing: SigningConfig::default(),
            mailbox: MailboxConfig::default(),
            archive: ArchiveConfig::default(),
            rooms: RoomsConfig::default(),
        }
    }
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            staff_totp_required: true,
            session_idle_minutes: 480,
            lockout_threshold: 5,
            lockout_minutes: 15,
            address_threshold: 50,
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: "Stadt Musterstadt <noreply@musterstadt.example>".into(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_starttls: true,
        }
    }
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            segment_size: 10_000,
            retention_days: 730,
        }
    }
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            run_in_background: true,
            lease_seconds: 30,
        }
    }
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("from", &self.from)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &if self.smtp_password.is_empty() {
                    ""
                } else {
                    "[redacted]"
                },
            )
            .field("smtp_starttls", &self.smtp_starttls)
            .finish()
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &storage::db::redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("city_name", &self.city_name)
            .field("log_format", &self.log_format)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("identity", &self.identity)
            .field("mail", &self.mail)
            .field("audit", &self.audit)
            .field("jobs", &self.jobs)
            .field("forms", &self.forms)
            .field("cases", &self.cases)
            .field("fees", &self.fees)
            .field("signing", &self.signing)
            .field("mailbox", &self.mailbox)
            .field("archive", &self.archive)
            .field("rooms", &self.rooms)
            .finish()
    }
}

/// Command-line overrides (highest precedence).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    /// `--listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// `--data-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// `--database-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

/// Top-level keys, for picking configuration out of the environment.
const KEYS: [&str; 18] = [
    "mailbox",
    "archive",
    "rooms",
    "fees",
    "signing",
    "listen",
    "data_dir",
    "database_url",
    "public_url",
    "city_name",
    "log_format",
    "max_body_bytes",
    "identity",
    "mail",
    "audit",
    "jobs",
    "forms",
    "cases",
];

/// Name of the per-data-directory config file (written by the demo).
pub const DATA_DIR_CONFIG: &str = "rathaus.toml";

impl Settings {
    /// Loads settings from all sources.
    pub fn load(
        config_file: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<Settings, Box<figment::Error>> {
        let upper = |f: Figment| {
            let f = match config_file {
                Some(p) => f.merge(Toml::file_exact(p)),
                None => f,
            };
            f.merge(
                Env::prefixed("RATHAUS_")
                    // Other RATHAUS_ variables (RATHAUS_LOG, test settings)
                    // are not configuration keys.
                    .filter(|k| {
                        let k = k.as_str().to_ascii_lowercase();
                        KEYS.contains(&k.split("__").next().unwrap_or(""))
                    })
                    .split("__"),
            )
            .merge(Serialized::defaults(overrides))
        };
        // The data directory decides where its own config file is, so it is
        // resolved first without that file.
        let first: Settings = upper(Figment::from(Serialized::defaults(Settings::default())))
            .extract()
            .map_err(Box::new)?;
        let data_file = first.data_dir.join(DATA_DIR_CONFIG);
        upper(Figment::from(Serialized::defaults(Settings::default())).merge(Toml::file(data_file)))
            .extract()
            .map_err(Box::new)
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            format!("sqlite://{}", self.data_dir.join("rathaus.db").display())
        } else {
            self.database_url.trim().to_owned()
        }
    }

    /// The public URL in force, without a trailing slash.
    pub fn public_url(&self) -> String {
        if self.public_url.trim().is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_url.trim().trim_end_matches('/').to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_defaults_are_the_defaults() {
        let parsed: Settings = Figment::from(Toml::string(DEFAULTS_TOML))
            .extract()
            .expect("defaults.toml parses");
        assert_eq!(parsed, Settings::default());
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let mut s = Settings::default();
        s.mail.smtp_password = "geheim".into();
        s.signing.p12_password = "geheim".into();
        s.database_url = "postgres://app:geheim@db/rathaus".into();
        let text = format!("{s:?}");
        assert!(!text.contains("geheim"), "{text}");
    }

    #[test]
    fn sqlite_in_the_data_dir_is_the_default_database() {
        let s = Settings::default();
        assert!(s.database_url().starts_with("sqlite://"));
        assert!(s.database_url().ends_with("rathaus.db"));
        assert_eq!(s.public_url(), "http://127.0.0.1:8080");
    }

    // figment's Jail fixes the closure's error type.
    #[allow(clippy::result_large_err)]
    #[test]
    fn files_environment_and_options_layer_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("custom.toml", "listen = \"0.0.0.0:9000\"\ncity_name = \"Essen\"\n[identity]\nlockout_threshold = 3\n")?;
            jail.set_env("RATHAUS_CITY_NAME", "Stuttgart");
            jail.set_env("RATHAUS_IDENTITY__STAFF_TOTP_REQUIRED", "false");
            let overrides = Overrides {
                listen: Some("127.0.0.1:1234".into()),
                ..Default::default()
            };
            let s = Settings::load(Some(Path::new("custom.toml")), &overrides).map_err(|e| *e)?;
            assert_eq!(s.listen, "127.0.0.1:1234");
            assert_eq!(s.city_name, "Stuttgart");
            assert_eq!(s.identity.lockout_threshold, 3);
            assert!(!s.identity.staff_totp_required);
            Ok(())
        });
    }

    #[allow(clippy::result_large_err)]
    #[test]
    fn unknown_keys_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "lissten = \"x\"\n")?;
            assert!(Settings::load(Some(Path::new("bad.toml")), &Overrides::default()).is_err());
            Ok(())
        });
    }
}
