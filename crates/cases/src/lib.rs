//! Cases (Vorgänge): a case type per service says which statuses a case
//! goes through (each in one of the fixed phases), which transitions are
//! allowed, the processing deadline, the receiving org unit and where in
//! the file plan its cases are filed. Every submission becomes exactly one
//! case: the `submission.received` job creates, in one transaction, the
//! file with the submission's data and attachments as documents and the
//! case in the unit's queue; a repeated delivery finds the case made
//! before. Clerks work cases from their queues (filters, assigning, notes,
//! follow-up dates, uploads); requests for information go to the applicant,
//! who answers in the portal, and stop the deadline (§ 42a VwVfG).

pub mod admin;
pub mod api;
pub mod closing;
pub mod disposal;
pub mod domain;
pub mod fees;
pub mod http;
pub mod messages;
pub mod notices;
pub mod portal;
pub mod service;
pub mod store;
pub mod work;

pub use domain::{CaseTypeInput, DeadlineRule, Phase, StatusDef, Transition};
pub use service::{CaseJobs, CaseSettings, CasesError, CasesService};
