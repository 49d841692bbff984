//! Case types and their rules, without I/O.

use chrono::{Datelike, NaiveDate, Weekday};
use holiday_de::GermanRegion;
use kernel::{FieldErrors, OrgUnitId, ServiceId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The fixed phases every configured status belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Arrived, nobody works on it yet.
    Received,
    /// Being processed.
    InProgress,
    /// Waiting for the applicant (request for information).
    Waiting,
    /// Decided (notice made).
    Decided,
    /// Closed; retention runs.
    Closed,
}

impl Phase {
    /// Stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Received => "received",
            Phase::InProgress => "in_progress",
            Phase::Waiting => "waiting",
            Phase::Decided => "decided",
            Phase::Closed => "closed",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Phase> {
        match s {
            "received" => Some(Phase::Received),
            "in_progress" => Some(Phase::InProgress),
            "waiting" => Some(Phase::Waiting),
            "decided" => Some(Phase::Decided),
            "closed" => Some(Phase::Closed),
            _ => None,
        }
    }
}

/// A status of a case type (admin data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusDef {
    /// Stable key, e.g. `in_pruefung`.
    pub key: String,
    /// Plain-language label the citizen sees, e.g. "Wird geprüft".
    pub label: String,
    /// The phase it belongs to.
    pub phase: Phase,
}

/// An allowed status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// From this status key.
    pub from: String,
    /// To this status key.
    pub to: String,
}

/// How the processing deadline behaves while the applicant is asked for
/// something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineRule {
    /// The deadline runs from the day the application is complete (§ 42a (2)
    /// VwVfG): a request for information shows it was not, so the deadline
    /// starts again in full from the answer.
    #[default]
    Complete,
    /// The deadline stops while the applicant is asked; the working days
    /// left run on from the answer.
    Paused,
}

impl DeadlineRule {
    /// Stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineRule::Complete => "complete",
            DeadlineRule::Paused => "paused",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<DeadlineRule> {
        match s {
            "complete" => Some(DeadlineRule::Complete),
            "paused" => Some(DeadlineRule::Paused),
            _ => None,
        }
    }
}

/// A case type as admins configure it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseTypeInput {
    /// The catalogue service whose submissions become these cases.
    pub service: ServiceId,
    /// Name, e.g. "Bewohnerparkausweis".
    pub name: String,
    /// Statuses; the first is where new cases start (phase received).
    pub statuses: Vec<StatusDef>,
    /// Allowed changes.
    pub transitions: Vec<Transition>,
    /// Processing deadline in working days from the complete application.
    pub deadline_days: i64,
    /// What a request for information does to the deadline.
    #[serde(default)]
    pub deadline_rule: DeadlineRule,
    /// The unit whose queue receives new cases.
    pub org_unit: OrgUnitId,
    /// File-plan code the cases are filed under.
    pub plan_code: String,
}

impl CaseTypeInput {
    /// Where new cases start.
    pub fn initial(&self) -> Option<&StatusDef> {
        self.statuses.first()
    }

    /// The status with `key`.
    pub fn status(&self, key: &str) -> Option<&StatusDef> {
        self.statuses.iter().find(|s| s.key == key)
    }

    /// True when a case may go from `from` to `to`.
    pub fn allows(&self, from: &str, to: &str) -> bool {
        self.transitions
            .iter()
            .any(|t| t.from == from && t.to == to)
    }

    /// The statuses and transitions most services use (German labels).
    pub fn standard(
        service: ServiceId,
        name: &str,
        org_unit: OrgUnitId,
        plan_code: &str,
        deadline_days: i64,
    ) -> CaseTypeInput {
        let s = |key: &str, label: &str, phase| StatusDef {
            key: key.into(),
            label: label.into(),
            phase,
        };
        let t = |from: &str, to: &str| Transition {
            from: from.into(),
            to: to.into(),
        };
        CaseTypeInput {
            service,
            name: name.into(),
            statuses: vec![
                s("eingegangen", "Eingegangen", Phase::Received),
                s("in_bearbeitung", "Wird bearbeitet", Phase::InProgress),
                s(
                    "rueckfrage",
                    "Wir brauchen noch etwas von Ihnen",
                    Phase::Waiting,
                ),
                s("entschieden", "Entschieden", Phase::Decided),
                s("abgeschlossen", "Abgeschlossen", Phase::Closed),
            ],
            transitions: vec![
                t("eingegangen", "in_bearbeitung"),
                t("in_bearbeitung", "rueckfrage"),
                t("rueckfrage", "in_bearbeitung"),
                t("in_bearbeitung", "entschieden"),
                t("entschieden", "abgeschlossen"),
            ],
            deadline_days,
            deadline_rule: DeadlineRule::Complete,
            org_unit,
            plan_code: plan_code.into(),
        }
    }
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks a case type; errors are named by path (`statuses[1].key`).
pub fn check_case_type(t: &CaseTypeInput) -> FieldErrors {
    let mut e = FieldErrors::new();
    if t.name.trim().is_empty() {
        e.add("name", "name_missing");
    }
    if t.statuses.is_empty() {
        e.add("statuses", "statuses_missing");
    }
    if t.initial().is_some_and(|s| s.phase != Phase::Received) {
        e.add("statuses[0].phase", "initial_not_received");
    }
    let mut keys = HashSet::new();
    for (i, s) in t.statuses.iter().enumerate() {
        if !is_key(&s.key) || !keys.insert(s.key.as_str()) {
            e.add(&format!("statuses[{i}].key"), "id_invalid_or_duplicate");
        }
        if s.label.trim().is_empty() {
            e.add(&format!("statuses[{i}].label"), "label_missing");
        }
    }
    for (i, tr) in t.transitions.iter().enumerate() {
        if !keys.contains(tr.from.as_str()) || !keys.contains(tr.to.as_str()) || tr.from == tr.to {
            e.add(&format!("transitions[{i}]"), "transition_unknown");
        }
    }
    if !(1..=365).contains(&t.deadline_days) {
        e.add("deadline_days", "deadline_invalid");
    }
    if !records::domain::is_code(&t.plan_code) {
        e.add("plan_code", "plan_code_invalid");
    }
    e
}

/// The federal state whose public holidays are not working days, from its
/// ISO 3166-2 code (`NW`, `BY`, …).
pub fn federal_state(code: &str) -> Option<GermanRegion> {
    use GermanRegion::*;
    Some(match code.trim().to_ascii_uppercase().as_str() {
        "BW" => BadenWuerttemberg,
        "BY" => Bayern,
        "BE" => Berlin,
        "BB" => Brandenburg,
        "HB" => Bremen,
        "HH" => Hamburg,
        "HE" => Hessen,
        "MV" => MechlenburgVorpommern,
        "NI" => Niedersachsen,
        "NW" => NordrheinWestfalen,
        "RP" => RheinlandPfalz,
        "SL" => Saarland,
        "SN" => Sachsen,
        "ST" => SachsenAnhalt,
        "SH" => SchleswigHolstein,
        "TH" => Thueringen,
        _ => return None,
    })
}

/// The day `n` working days after `start`: Monday to Friday, without the
/// public holidays of the federal state (§ 31 VwVfG).
pub fn add_working_days(start: NaiveDate, n: i64, state: GermanRegion) -> NaiveDate {
    let mut day = start;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !state.is_holiday(day) {
            left -= 1;
        }
    }
    day
}

/// Working days after `from` up to and including `to` (0 when `to` is not
/// later): what is left of a deadline.
pub fn working_days_between(from: NaiveDate, to: NaiveDate, state: GermanRegion) -> i64 {
    let mut n = 0;
    let mut day = from;
    while day < to {
        day = day.succ_opt().unwrap_or(to);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !state.is_holiday(day) {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_type_is_valid_and_allows_only_its_transitions() {
        let t = CaseTypeInput::standard(ServiceId::new(), "Test", OrgUnitId::new(), "32.10", 20);
        assert!(check_case_type(&t).is_empty());
        assert!(t.allows("eingegangen", "in_bearbeitung"));
        assert!(!t.allows("eingegangen", "abgeschlossen"));
        let mut bad = t.clone();
        bad.statuses.swap(0, 1);
        bad.transitions.push(Transition {
            from: "x".into(),
            to: "eingegangen".into(),
        });
        bad.deadline_days = 0;
        let e = check_case_type(&bad);
        for f in ["statuses[0].phase", "transitions[5]", "deadline_days"] {
            assert!(e.0.iter().any(|x| x.field == f), "{f} in {:?}", e.0);
        }
    }

    #[test]
    fn working_days_skip_weekends_and_the_states_holidays() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let nw = federal_state("NW").unwrap();
        assert_eq!(
            add_working_days(d(11, 27), 1, nw),
            d(11, 30),
            "Friday + 1 = Monday"
        );
        assert_eq!(add_working_days(d(11, 27), 5, nw), d(12, 4));
        // Christmas: 25 and 26 December are holidays everywhere.
        assert_eq!(add_working_days(d(12, 23), 2, nw), d(12, 28));
        // Corpus Christi (4 June 2026) is a holiday in NRW, not in Berlin.
        assert_eq!(add_working_days(d(6, 3), 1, nw), d(6, 5));
        assert_eq!(
            add_working_days(d(6, 3), 1, federal_state("be").unwrap()),
            d(6, 4)
        );
        assert!(federal_state("XX").is_none());
        assert_eq!(working_days_between(d(12, 23), d(12, 28), nw), 2);
        assert_eq!(working_days_between(d(12, 28), d(12, 23), nw), 0);
    }
}
