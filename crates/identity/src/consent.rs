//! Consents of citizens: what a citizen allowed the city to do with their
//! data, for which purpose and subject, since when, and whether they took
//! it back. Other contexts ask here before they use account data (the forms
//! context before it prefills a form, purpose [`PREFILL`]).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

/// Purpose: prefill a service's form (subject: the service) from the
/// account's profile and earlier submissions (scope: the sources).
pub const PREFILL: &str = "prefill";

/// A recorded consent.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Consent {
    /// Id.
    pub id: Uuid,
    /// What it allows, e.g. [`PREFILL`].
    pub purpose: String,
    /// What it is about (for prefill: the catalogue service).
    pub subject_id: Uuid,
    /// Which data it covers (e.g. `profile.address`).
    pub scope: Json<Vec<String>>,
    /// When given.
    pub granted_at: DateTime<Utc>,
    /// When taken back.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Consent {
    /// True when it is in force for `purpose` and `subject` and covers every
    /// item of `scope`.
    pub fn covers(&self, purpose: &str, subject: Uuid, scope: &[String]) -> bool {
        self.revoked_at.is_none()
            && self.purpose == purpose
            && self.subject_id == subject
            && scope.iter().all(|s| self.scope.0.contains(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consent_covers_only_its_purpose_subject_and_scope_while_in_force() {
        let subject = Uuid::now_v7();
        let mut c = Consent {
            id: Uuid::now_v7(),
            purpose: PREFILL.into(),
            subject_id: subject,
            scope: Json(vec!["profile.address".into(), "profile.given_name".into()]),
            granted_at: Utc::now(),
            revoked_at: None,
        };
        assert!(c.covers(PREFILL, subject, &["profile.address".into()]));
        assert!(!c.covers(PREFILL, subject, &["profile.phone".into()]));
        assert!(!c.covers(PREFILL, Uuid::now_v7(), &[]));
        assert!(!c.covers("marketing", subject, &[]));
        c.revoked_at = Some(Utc::now());
        assert!(!c.covers(PREFILL, subject, &[]));
    }
}
