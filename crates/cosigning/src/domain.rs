//! Co-signing types and rules, without I/O.

use chrono::NaiveDate;
use kernel::{AccountId, FieldErrors, OrgUnitId};
use serde::{Deserialize, Serialize};

/// What a step asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Kenntnisnahme.
    Acknowledge,
    /// Mitzeichnung.
    Cosign,
    /// Schlusszeichnung.
    Final,
}

impl StepKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Acknowledge => "acknowledge",
            StepKind::Cosign => "cosign",
            StepKind::Final => "final",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<StepKind> {
        [StepKind::Acknowledge, StepKind::Cosign, StepKind::Final]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A decision on a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Agreed (for an acknowledgement: taken note of).
    Approve,
    /// Agreed with a reservation (Vorbehalt); needs a comment and sends the
    /// route back.
    Reserve,
    /// Refused; needs a comment and sends the route back.
    Refuse,
}

impl Decision {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reserve => "reserve",
            Decision::Refuse => "refuse",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Decision> {
        [Decision::Approve, Decision::Reserve, Decision::Refuse]
            .into_iter()
            .find(|d| d.as_str() == s)
    }

    /// Whether it sends the route back to the lead clerk.
    pub fn returns(self) -> bool {
        self != Decision::Approve
    }
}

/// Where a route stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteState {
    /// Steps are open.
    Running,
    /// A reservation or refusal sent it back; the lead clerk revises.
    Returned,
    /// Finally signed.
    Completed,
}

impl RouteState {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteState::Running => "running",
            RouteState::Returned => "returned",
            RouteState::Completed => "completed",
        }
    }
}

/// A step as the lead clerk plans it: a person or an org unit (anyone
/// with the clerk or manager role there may act).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// What it asks for.
    pub kind: StepKind,
    /// The person.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub account_id: Option<AccountId>,
    /// Or the org unit.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub unit_id: Option<OrgUnitId>,
    /// Answer wanted by.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
}

/// Most stages of a route and steps of a stage.
pub const MAX_STAGES: usize = 20;

/// Checks the shape of a route: stages with steps, each naming exactly one
/// person or unit, and exactly one final signature, in the last stage.
pub fn check_route(stages: &[Vec<StepInput>]) -> FieldErrors {
    let mut e = FieldErrors::new();
    if stages.is_empty() || stages.len() > MAX_STAGES {
        e.add("stages", "route_stages_invalid");
        return e;
    }
    let finals: Vec<(usize, usize)> = stages
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.iter()
                .enumerate()
                .filter(|(_, st)| st.kind == StepKind::Final)
                .map(move |(j, _)| (i, j))
        })
        .collect();
    match finals.as_slice() {
        [(i, _)] if *i + 1 == stages.len() => {}
        [] => e.add("stages", "route_final_missing"),
        _ => e.add("stages", "route_final_not_last"),
    }
    for (i, stage) in stages.iter().enumerate() {
        if stage.is_empty() || stage.len() > MAX_STAGES {
            e.add(&format!("stages[{i}]"), "route_stage_empty");
        }
        for (j, st) in stage.iter().enumerate() {
            if st.account_id.is_some() == st.unit_id.is_some() {
                e.add(&format!("stages[{i}][{j}]"), "route_step_person_or_unit");
            }
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(kind: StepKind) -> StepInput {
        StepInput {
            kind,
            account_id: Some(AccountId(uuid::Uuid::now_v7())),
            unit_id: None,
            due_on: None,
        }
    }

    #[test]
    fn a_route_needs_exactly_one_final_signature_in_its_last_stage() {
        let ok = vec![
            vec![step(StepKind::Cosign), step(StepKind::Cosign)],
            vec![step(StepKind::Final)],
        ];
        assert!(check_route(&ok).is_empty());
        let none = vec![vec![step(StepKind::Cosign)]];
        assert_eq!(
            check_route(&none).get("stages").map(|e| e.code.as_str()),
            Some("route_final_missing")
        );
        let early = vec![vec![step(StepKind::Final)], vec![step(StepKind::Cosign)]];
        assert_eq!(
            check_route(&early).get("stages").map(|e| e.code.as_str()),
            Some("route_final_not_last")
        );
        let two = vec![vec![step(StepKind::Final), step(StepKind::Final)]];
        assert!(!check_route(&two).is_empty());
        let mut both = step(StepKind::Cosign);
        both.unit_id = Some(OrgUnitId(uuid::Uuid::now_v7()));
        let bad = vec![vec![both], vec![step(StepKind::Final)]];
        assert!(check_route(&bad).get("stages[0][0]").is_some());
        assert!(!check_route(&[]).is_empty());
    }
}
