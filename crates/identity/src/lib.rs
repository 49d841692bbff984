//! Identity: who may do what in rathaus.
//!
//! - the org unit tree (Ämter, Sachgebiete) and staff roles scoped to units
//!   (a role covers the unit and everything below it);
//! - staff and citizen accounts; citizens register themselves and verify
//!   their e-mail address; deputies (who acts for whom, when);
//! - login with argon2id passwords, a TOTP second factor with recovery
//!   codes (required for staff unless configured off), password reset by
//!   e-mail, rate limiting with lockout;
//! - sessions in the database (only a hash of the cookie is stored) and
//!   API tokens for integrations (hashed, scoped, revocable);
//! - account e-mails, sent through the outbox by SMTP or written as `.eml`
//!   files.
//!
//! Every use case in [`service`] takes an [`kernel::Actor`] and checks it;
//! every change is written to the access log in its own transaction.

pub mod consent;
pub mod domain;
pub mod http;
pub mod mail;
pub mod password;
pub mod profile;
pub mod service;
pub mod signing;
pub mod store;
pub mod totp;

pub use domain::{AccountKind, AccountStatus, Email};
pub use service::{IdentityError, IdentityService, IdentitySettings};
