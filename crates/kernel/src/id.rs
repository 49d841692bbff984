//! Typed ids. Every entity gets its own newtype over a UUIDv7 so that ids of
//! different kinds cannot be mixed up, and new ids sort by creation time
//! (good for B-tree locality in both databases).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Declares an id newtype with parsing, display and UUIDv7 generation.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses the textual form; `None` when it is not a UUID.
            pub fn parse(s: &str) -> Option<Self> {
                Uuid::parse_str(s.trim()).ok().map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

id_type!(
    /// A staff or citizen account.
    AccountId
);
id_type!(
    /// A node of the organisation tree (Amt, Sachgebiet).
    OrgUnitId
);
id_type!(
    /// An API token for integrations.
    ApiTokenId
);
id_type!(
    /// A background job in the outbox.
    JobId
);
id_type!(
    /// A service of the catalogue (Leistung).
    ServiceId
);
id_type!(
    /// A version of a service's form.
    FormVersionId
);
id_type!(
    /// A draft of an application (answers not yet submitted).
    DraftId
);
id_type!(
    /// A submitted application.
    SubmissionId
);
id_type!(
    /// A citizen's consent to prefill a form from their account.
    ConsentId
);
id_type!(
    /// A node of the file plan (Aktenplan).
    PlanNodeId
);
id_type!(
    /// A case type (one per service).
    CaseTypeId
);
id_type!(
    /// A case (Vorgang).
    CaseId
);
id_type!(
    /// A file of the E-Akte (Akte).
    RecordFileId
);
id_type!(
    /// A document of the E-Akte.
    DocumentId
);
id_type!(
    /// An immutable version of a document.
    DocumentVersionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_time_ordered_v7() {
        let a = AccountId::new();
        let b = AccountId::new();
        assert_eq!(a.0.get_version_num(), 7);
        assert!(a < b);
    }

    #[test]
    fn parse_rejects_garbage_and_accepts_display_form() {
        assert!(OrgUnitId::parse("not-a-uuid").is_none());
        let id = OrgUnitId::new();
        assert_eq!(OrgUnitId::parse(&id.to_string()), Some(id));
    }
}
