//! The states and kinds of mobile work, each with its stored text form.

use kernel::stored_enum;

stored_enum!(
    /// Where an enrolment stands.
    EnrolmentState {
        /// Applied for; the manager decides.
        Applied = "applied",
        /// Approved: the person may be planned mobile once ready.
        Approved = "approved",
        /// Declined with a reason.
        Declined = "declined",
        /// Revoked by either side; mobile work ends after the notice.
        Revoked = "revoked",
    }
);

stored_enum!(
    /// A readiness item someone confirms (device and VPN access come from
    /// the inventory and the grants).
    ConfirmedItem {
        /// The individual agreement on mobile work is signed.
        AgreementSigned = "agreement_signed",
        /// Data-protection training (expires).
        PrivacyTraining = "privacy_training",
        /// Information-security training (expires).
        SecurityTraining = "security_training",
        /// The workplace self-check (occupational safety at home).
        SelfCheck = "self_check",
    }
);

impl ConfirmedItem {
    /// Trainings expire after the agreement's period.
    pub fn expires(self) -> bool {
        matches!(
            self,
            ConfirmedItem::PrivacyTraining | ConfirmedItem::SecurityTraining
        )
    }
}

stored_enum!(
    /// A kind of device.
    DeviceKind {
        /// Notebook.
        Notebook = "notebook",
        /// Smartphone.
        Smartphone = "smartphone",
        /// Tablet.
        Tablet = "tablet",
    }
);

stored_enum!(
    /// Where a device is.
    DeviceState {
        /// In stock, ready to issue.
        InStock = "in_stock",
        /// Issued to a person.
        Issued = "issued",
        /// In repair.
        InRepair = "in_repair",
        /// Retired for good.
        Retired = "retired",
    }
);

stored_enum!(
    /// How far an org unit may take part in mobile work.
    Eligibility {
        /// Not at all (e.g. fire brigade operations).
        Excluded = "excluded",
        /// Only for the tasks named (e.g. staff scheduling, documentation).
        Partial = "partial",
    }
);

stored_enum!(
    /// Who besides the person and their manager (with the manager's
    /// deputies) sees a person's plan.
    Visibility {
        /// Nobody else.
        Manager = "manager",
        /// Also the colleagues of the team.
        Team = "team",
    }
);

/// ISO weekday numbers (1 = Monday) from `"1,2,5"`; `None` for anything
/// else than numbers 1–7 separated by commas.
pub fn parse_weekdays(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let n: u8 = part.parse().ok()?;
        if !(1..=7).contains(&n) {
            return None;
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out.sort_unstable();
    Some(out)
}

/// `[1, 2, 5]` → `"1,2,5"`.
pub fn weekdays_text(days: &[u8]) -> String {
    days.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_parse_sort_and_refuse_what_is_not_a_weekday() {
        assert_eq!(parse_weekdays("5, 1,2,1"), Some(vec![1, 2, 5]));
        assert_eq!(parse_weekdays(""), Some(vec![]));
        assert_eq!(parse_weekdays("0"), None);
        assert_eq!(parse_weekdays("8"), None);
        assert_eq!(parse_weekdays("Mo"), None);
        assert_eq!(weekdays_text(&[1, 3]), "1,3");
    }

    #[test]
    fn stored_forms_round_trip() {
        for s in DeviceState::ALL {
            assert_eq!(DeviceState::parse(s.as_str()), Some(*s));
        }
        for s in EnrolmentState::ALL {
            assert_eq!(EnrolmentState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(DeviceKind::parse("laptop"), None);
    }
}
