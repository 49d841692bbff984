//! Records types and rules, without I/O.

use kernel::{FieldErrors, PlanNodeId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What happens to a file at the end of its retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disposal {
    /// Offered to the archive (Anbietung, xdomea 0501).
    Archive,
    /// Destroyed (with a record of the destruction).
    Destroy,
}

impl Disposal {
    /// Stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposal::Archive => "archive",
            Disposal::Destroy => "destroy",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Disposal> {
        match s {
            "archive" => Some(Disposal::Archive),
            "destroy" => Some(Disposal::Destroy),
            _ => None,
        }
    }
}

/// A node of the file plan as written by the records office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanNodeInput {
    /// Classification code, e.g. `32.10` (digits, groups joined by dots).
    pub code: String,
    /// Title, e.g. "Straßenverkehrsangelegenheiten".
    pub title: String,
    /// Code of the parent node; its code must prefix this one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Years files are kept after they are closed.
    pub retention_years: i64,
    /// What happens at the end.
    pub disposal: Disposal,
}

/// A stored node of the file plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlanNode {
    /// Id.
    pub id: PlanNodeId,
    /// Its parent.
    pub parent: Option<PlanNodeId>,
    /// Classification code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Years files are kept after they are closed.
    pub retention_years: i64,
    /// What happens at the end.
    pub disposal: Disposal,
}

/// The exchange format of a whole file plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilePlanFile {
    /// Always [`FilePlanFile::FORMAT`].
    pub format: String,
    /// Nodes, parents before their children.
    pub nodes: Vec<PlanNodeInput>,
}

impl FilePlanFile {
    /// The format name of this version.
    pub const FORMAT: &'static str = "rathaus-fileplan/1";
}

/// True for codes like `3`, `32`, `32.10`, `32.10.01`.
pub fn is_code(code: &str) -> bool {
    code.len() <= 32
        && !code.is_empty()
        && code
            .split('.')
            .all(|g| !g.is_empty() && g.len() <= 4 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks a file plan to import against the codes that exist already;
/// errors are named `nodes[i].field`.
pub fn check_plan(file: &FilePlanFile, existing: &[String]) -> FieldErrors {
    let mut e = FieldErrors::new();
    if file.format != FilePlanFile::FORMAT {
        e.add("format", "format_unknown");
    }
    let mut seen: HashSet<&str> = existing.iter().map(String::as_str).collect();
    let mut in_file: HashSet<&str> = HashSet::new();
    for (i, n) in file.nodes.iter().enumerate() {
        let p = format!("nodes[{i}]");
        if !is_code(&n.code) {
            e.add(&format!("{p}.code"), "plan_code_invalid");
        } else if !in_file.insert(n.code.as_str()) {
            e.add(&format!("{p}.code"), "plan_code_duplicate");
        }
        let title = n.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            e.add(&format!("{p}.title"), "title_missing");
        }
        if !(0..=200).contains(&n.retention_years) {
            e.add(&format!("{p}.retention_years"), "retention_invalid");
        }
        if let Some(parent) = &n.parent
            && (!seen.contains(parent.as_str()) || !n.code.starts_with(&format!("{parent}.")))
        {
            e.add(&format!("{p}.parent"), "plan_parent_invalid");
        }
        seen.insert(n.code.as_str());
    }
    e
}

/// The file reference (Aktenzeichen) of the `seq`-th file of `code` in
/// `year`, e.g. `32.10-2026-000123`.
pub fn file_reference(code: &str, year: i32, seq: i64) -> String {
    format!("{code}-{year}-{seq:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(code: &str, parent: Option<&str>) -> PlanNodeInput {
        PlanNodeInput {
            code: code.into(),
            title: format!("Titel {code}"),
            parent: parent.map(str::to_owned),
            retention_years: 10,
            disposal: Disposal::Archive,
        }
    }

    #[test]
    fn codes_are_dotted_digit_groups() {
        assert!(is_code("32") && is_code("32.10") && is_code("32.10.01"));
        assert!(!is_code("") && !is_code("32.") && !is_code("3a") && !is_code("32..1"));
    }

    #[test]
    fn a_plan_needs_known_parents_that_prefix_their_children() {
        let ok = FilePlanFile {
            format: FilePlanFile::FORMAT.into(),
            nodes: vec![node("32", None), node("32.10", Some("32"))],
        };
        assert!(check_plan(&ok, &[]).is_empty());
        let bad = FilePlanFile {
            format: "other".into(),
            nodes: vec![
                node("32.10", Some("32")),
                node("40", Some("32.10")),
                node("x", None),
                node("40", None),
            ],
        };
        let e = check_plan(&bad, &[]);
        for (field, code) in [
            ("format", "format_unknown"),
            ("nodes[0].parent", "plan_parent_invalid"),
            ("nodes[1].parent", "plan_parent_invalid"),
            ("nodes[2].code", "plan_code_invalid"),
            ("nodes[3].code", "plan_code_duplicate"),
        ] {
            assert!(
                e.0.iter().any(|x| x.field == field && x.code == code),
                "{field}: {code} in {:?}",
                e.0
            );
        }
        // A parent that exists already counts.
        let child = FilePlanFile {
            format: FilePlanFile::FORMAT.into(),
            nodes: vec![node("32.20", Some("32"))],
        };
        assert!(check_plan(&child, &["32".into()]).is_empty());
    }

    #[test]
    fn references_have_code_year_and_six_digits() {
        assert_eq!(file_reference("32.10", 2026, 123), "32.10-2026-000123");
    }
}

/// The demo city's file plan.
pub const DEMO_PLAN: &str = include_str!("../demo/aktenplan.json");

#[cfg(test)]
mod demo_tests {
    use super::*;

    #[test]
    fn the_demo_plan_is_valid() {
        let plan: FilePlanFile = serde_json::from_str(DEMO_PLAN).unwrap();
        assert!(
            check_plan(&plan, &[]).is_empty(),
            "{:?}",
            check_plan(&plan, &[]).0
        );
    }
}
