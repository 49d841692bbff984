//! States of a notice and the forms of signing (GGO § 18).

use serde::{Deserialize, Serialize};

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// The draft is being typeset (a job).
    Rendering,
    /// The draft is in the file, waiting for the final signature.
    Draft,
    /// Signed; the final version naming the signer is being typeset.
    FinalRendering,
    /// The final version is in the file.
    Final,
    /// Typesetting failed (the template's errors are kept); can be retried.
    Failed,
}

impl NoticeState {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeState::Rendering => "rendering",
            NoticeState::Draft => "draft",
            NoticeState::FinalRendering => "final_rendering",
            NoticeState::Final => "final",
            NoticeState::Failed => "failed",
        }
    }

    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<NoticeState> {
        [
            NoticeState::Rendering,
            NoticeState::Draft,
            NoticeState::FinalRendering,
            NoticeState::Final,
            NoticeState::Failed,
        ]
        .into_iter()
        .find(|n| n.as_str() == s)
    }

    /// Whether a new notice may be started beside this one.
    pub fn is_closed(self) -> bool {
        matches!(self, NoticeState::Final | NoticeState::Failed)
    }
}

/// In what capacity someone signs (GGO § 18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    /// The head of the authority or unit: no addition.
    Head,
    /// The head's deputy: "In Vertretung".
    Deputy,
    /// Everyone else with signing authority: "Im Auftrag".
    Commissioned,
}

impl Capacity {
    /// All, in the order the admin page lists them.
    pub const ALL: [Capacity; 3] = [Capacity::Head, Capacity::Deputy, Capacity::Commissioned];

    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Capacity::Head => "head",
            Capacity::Deputy => "deputy",
            Capacity::Commissioned => "commissioned",
        }
    }

    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<Capacity> {
        Capacity::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The words above the signer's name.
    pub fn form(self) -> &'static str {
        match self {
            Capacity::Head => "",
            Capacity::Deputy => "In Vertretung",
            Capacity::Commissioned => "Im Auftrag",
        }
    }
}

/// The remedy notice used when a case type has none: an action before the
/// administrative court within a month (North Rhine-Westphalia has no
/// objection procedure for most decisions, § 110 JustG NRW). Admins set
/// the text per case type, because it depends on Land law.
pub const DEFAULT_REMEDY: &str = "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Klage beim Verwaltungsgericht erhoben werden. Die Klage ist schriftlich, zur Niederschrift des Urkundsbeamten der Geschäftsstelle oder als elektronisches Dokument nach Maßgabe des § 55a der Verwaltungsgerichtsordnung einzureichen.";

/// The template used when a case type has none.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../notices/default.typ");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_capacities_round_trip() {
        for s in [
            NoticeState::Rendering,
            NoticeState::Draft,
            NoticeState::FinalRendering,
            NoticeState::Final,
            NoticeState::Failed,
        ] {
            assert_eq!(NoticeState::parse(s.as_str()), Some(s));
        }
        for c in Capacity::ALL {
            assert_eq!(Capacity::parse(c.as_str()), Some(c));
        }
        assert_eq!(Capacity::Commissioned.form(), "Im Auftrag");
        assert_eq!(Capacity::Deputy.form(), "In Vertretung");
        assert_eq!(Capacity::Head.form(), "");
    }
}
