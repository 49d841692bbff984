//! Account e-mails (verification, password reset). They are enqueued in
//! the outbox in the transaction of the change that causes them and sent by
//! the `mail.send` job: through SMTP when configured, otherwise written as
//! `.eml` files into the data directory so a newcomer can read them.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use storage::{JobError, JobHandler};

/// Job kind of outgoing mail.
pub const MAIL_JOB: &str = "mail.send";

/// One e-mail to send.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
}

/// SMTP settings.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Server host.
    pub host: String,
    /// Port (587 with STARTTLS by default).
    pub port: u16,
    /// User name, if the server wants one.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Use STARTTLS (true) or plain (false, only for local test servers).
    pub starttls: bool,
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a directory.
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Mailer {
    /// A mailer writing `.eml` files into `dir` (created when missing).
    pub fn files(dir: PathBuf) -> std::io::Result<Mailer> {
        std::fs::create_dir_all(&dir)?;
        Ok(Mailer::Files(AsyncFileTransport::new(&dir), dir))
    }

    /// A mailer talking SMTP.
    pub fn smtp(cfg: &SmtpConfig) -> Result<Mailer, lettre::transport::smtp::Error> {
        let mut builder = if cfg.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)
        }
        .port(cfg.port);
        if let (Some(u), Some(p)) = (&cfg.username, &cfg.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Mailer::Smtp(builder.build()))
    }
}

/// The job handler that sends [`OutgoingMail`].
pub struct MailJob {
    /// Transport.
    pub mailer: Mailer,
    /// Sender, e.g. `Stadt Musterstadt <noreply@musterstadt.example>`.
    pub from: String,
}

#[async_trait::async_trait]
impl JobHandler for MailJob {
    async fn run(&self, payload: serde_json::Value) -> Result<(), JobError> {
        let mail: OutgoingMail = serde_json::from_value(payload)
            .map_err(|e| JobError::Permanent(format!("bad mail payload: {e}")))?;
        let from: Mailbox = self
            .from
            .parse()
            .map_err(|e| JobError::Permanent(format!("bad sender address: {e}")))?;
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| JobError::Permanent(format!("bad recipient address: {e}")))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text)
            .map_err(|e| JobError::Permanent(e.to_string()))?;
        match &self.mailer {
            Mailer::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| JobError::Retry(e.to_string())),
            Mailer::Files(t, _) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| JobError::Retry(e.to_string())),
        }
    }
}
