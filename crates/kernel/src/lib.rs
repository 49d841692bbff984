//! The shared vocabulary every bounded context of rathaus speaks: typed ids
//! (UUIDv7 newtypes), the injected [`Clock`], the [`Actor`] who performs a
//! use case together with the org-unit-scoped [`Role`]s it holds, and field
//! errors for validation. Nothing here does I/O, so every domain can depend
//! on it without pulling in a database or a web framework.

pub mod actor;
pub mod clock;
pub mod id;
pub mod stored;
pub mod validation;

pub use actor::{Actor, ActorKind, Role, RoleGrant};
pub use clock::{Clock, ManualClock, SystemClock};
pub use id::{
    AccountId, ApiTokenId, CaseId, CaseTypeId, ConsentId, DocumentId, DocumentVersionId, DraftId,
    FormVersionId, JobId, OrgUnitId, PlanNodeId, RecordFileId, ServiceId, SubmissionId,
};
pub use validation::{FieldError, FieldErrors};
