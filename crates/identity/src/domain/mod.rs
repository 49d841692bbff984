//! Identity types and rules, without I/O.

use chrono::{DateTime, NaiveDate, Utc};
use kernel::{AccountId, FieldErrors, OrgUnitId, Role};
use serde::{Deserialize, Serialize};

/// A normalised (trimmed, lower-case) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Email(String);

impl Email {
    /// Parses an address; `None` when it is not plausibly deliverable.
    pub fn parse(s: &str) -> Option<Email> {
        let s = s.trim().to_lowercase();
        let (local, domain) = s.split_once('@')?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        ok.then_some(Email(s))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Minimum password length (BSI IT-Grundschutz ORP.4 asks for length over
/// composition rules).
pub const MIN_PASSWORD_LEN: usize = 10;

/// Checks the password policy; records field errors under `field`.
pub fn check_password(password: &str, field: &str, errors: &mut FieldErrors) {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        errors.add(field, "password_too_short");
    } else if len > 256 {
        errors.add(field, "password_too_long");
    }
}

/// Checks a display name; records field errors under `field`.
pub fn check_name(name: &str, field: &str, errors: &mut FieldErrors) {
    let len = name.trim().chars().count();
    if len == 0 {
        errors.add(field, "name_missing");
    } else if len > 120 {
        errors.add(field, "name_too_long");
    }
}

/// Staff or citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// Works for the city.
    Staff,
    /// Uses the portal.
    Citizen,
}

impl AccountKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Staff => "staff",
            AccountKind::Citizen => "citizen",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<AccountKind> {
        match s {
            "staff" => Some(AccountKind::Staff),
            "citizen" => Some(AccountKind::Citizen),
            _ => None,
        }
    }
}

/// Lifecycle of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Registered, e-mail not yet confirmed; cannot log in.
    Unverified,
    /// May log in.
    Active,
    /// Switched off by an admin; cannot log in, sessions ended.
    Disabled,
}

/// A transition an account's status cannot make.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an account cannot go from {from:?} to {to:?}")]
pub struct InvalidTransition {
    /// Current status.
    pub from: AccountStatus,
    /// Requested status.
    pub to: AccountStatus,
}

impl AccountStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Unverified => "unverified",
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<AccountStatus> {
        match s {
            "unverified" => Some(AccountStatus::Unverified),
            "active" => Some(AccountStatus::Active),
            "disabled" => Some(AccountStatus::Disabled),
            _ => None,
        }
    }

    /// Confirming the e-mail address activates an unverified account.
    pub fn verify(self) -> Result<AccountStatus, InvalidTransition> {
        match self {
            AccountStatus::Unverified => Ok(AccountStatus::Active),
            from => Err(InvalidTransition {
                from,
                to: AccountStatus::Active,
            }),
        }
    }

    /// Disabling works from any state except disabled.
    pub fn disable(self) -> Result<AccountStatus, InvalidTransition> {
        match self {
            AccountStatus::Disabled => Err(InvalidTransition {
                from: self,
                to: AccountStatus::Disabled,
            }),
            _ => Ok(AccountStatus::Disabled),
        }
    }

    /// Re-enabling works only for disabled accounts.
    pub fn enable(self) -> Result<AccountStatus, InvalidTransition> {
        match self {
            AccountStatus::Disabled => Ok(AccountStatus::Active),
            from => Err(InvalidTransition {
                from,
                to: AccountStatus::Active,
            }),
        }
    }
}

/// How far a login session has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Password checked; the second factor (or its enrolment) is missing.
    SecondFactor,
    /// Fully logged in.
    Complete,
}

impl SessionStage {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Complete => "complete",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> SessionStage {
        if s == "complete" {
            SessionStage::Complete
        } else {
            SessionStage::SecondFactor
        }
    }
}

/// What a one-time e-mail token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Confirms a citizen's e-mail address.
    VerifyEmail,
    /// Lets the owner set a new password.
    ResetPassword,
}

impl TokenPurpose {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
        }
    }
}

/// An account as the UI and API show it (never the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    /// Id.
    pub id: AccountId,
    /// Staff or citizen.
    pub kind: AccountKind,
    /// E-mail address (login name).
    pub email: String,
    /// Name shown.
    pub display_name: String,
    /// Lifecycle state.
    pub status: AccountStatus,
    /// Home unit of staff.
    pub org_unit: Option<OrgUnitId>,
    /// Second factor set up.
    pub totp_enabled: bool,
    /// Created at.
    pub created_at: DateTime<Utc>,
}

/// A node of the org unit tree.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgUnit {
    /// Id.
    pub id: OrgUnitId,
    /// Parent; `None` for the root (the city administration).
    pub parent: Option<OrgUnitId>,
    /// Short code, e.g. `32` or `32.1` (unique).
    pub code: String,
    /// Name, e.g. "Ordnungsamt".
    pub name: String,
}

/// A role held by an account in a unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Grant {
    /// Id of the grant.
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    /// The account.
    pub account: AccountId,
    /// The unit.
    pub org_unit: OrgUnitId,
    /// The role.
    pub role: Role,
}

/// Someone acting for someone else in a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Deputy {
    /// Id.
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    /// Who is represented.
    pub principal: AccountId,
    /// Who represents.
    pub deputy: AccountId,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
}

/// All units covered by a unit: itself and its descendants.
pub fn covered_units(units: &[OrgUnit], root: OrgUnitId) -> Vec<OrgUnitId> {
    let mut out = vec![root];
    let mut i = 0;
    while let Some(current) = out.get(i).copied() {
        out.extend(
            units
                .iter()
                .filter(|u| u.parent == Some(current))
                .map(|u| u.id),
        );
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_implausible_ones_refused() {
        assert_eq!(
            Email::parse("  Erika@Musterstadt.DE ").map(|e| e.0),
            Some("erika@musterstadt.de".into())
        );
        for bad in [
            "",
            "erika",
            "@musterstadt.de",
            "erika@localhost",
            "a b@c.de",
            "x@.de",
            "x@de.",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad} should be refused");
        }
    }

    #[test]
    fn short_passwords_are_refused() {
        let mut e = FieldErrors::new();
        check_password("kurz", "password", &mut e);
        assert_eq!(
            e.get("password").map(|e| e.code.as_str()),
            Some("password_too_short")
        );
        let mut ok = FieldErrors::new();
        check_password("lang genug 123", "password", &mut ok);
        assert!(ok.is_empty());
    }

    #[test]
    fn status_transitions_follow_the_lifecycle() {
        assert_eq!(
            AccountStatus::Unverified.verify(),
            Ok(AccountStatus::Active)
        );
        assert!(AccountStatus::Active.verify().is_err());
        assert_eq!(AccountStatus::Active.disable(), Ok(AccountStatus::Disabled));
        assert!(AccountStatus::Disabled.disable().is_err());
        assert_eq!(AccountStatus::Disabled.enable(), Ok(AccountStatus::Active));
        assert!(AccountStatus::Active.enable().is_err());
    }

    #[test]
    fn a_unit_covers_all_its_descendants() {
        let root = OrgUnit {
            id: OrgUnitId::new(),
            parent: None,
            code: "0".into(),
            name: "Stadt".into(),
        };
        let amt = OrgUnit {
            id: OrgUnitId::new(),
            parent: Some(root.id),
            code: "32".into(),
            name: "Ordnungsamt".into(),
        };
        let sg = OrgUnit {
            id: OrgUnitId::new(),
            parent: Some(amt.id),
            code: "32.1".into(),
            name: "Gewerbe".into(),
        };
        let other = OrgUnit {
            id: OrgUnitId::new(),
            parent: Some(root.id),
            code: "63".into(),
            name: "Bauamt".into(),
        };
        let units = vec![root.clone(), amt.clone(), sg.clone(), other.clone()];
        let covered = covered_units(&units, amt.id);
        assert_eq!(covered, vec![amt.id, sg.id]);
        assert_eq!(covered_units(&units, root.id).len(), 4);
    }
}
