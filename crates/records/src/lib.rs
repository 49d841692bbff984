//! The E-Akte (electronic records): the file plan (Aktenplan) with the
//! retention period of each node and what happens at its end, files (Akten)
//! filed under a node with a gap-free file reference (Aktenzeichen) per
//! code and year, and documents whose versions are immutable,
//! content-addressed blobs with the media type taken from their content.
//!
//! Invariants: a file reference is unique and the numbers of one code and
//! year have no gaps (the number is taken in the transaction that creates
//! the file); a version is never changed or overwritten (a new version gets
//! the next number; the database refuses updates); a version's blob is
//! durable before its row commits.
//!
//! The text of every version (PDF, plain text, office formats) is
//! extracted by a job and indexed for a German full-text search that only
//! shows what the searcher may see (see [`text`]).

pub mod api;
pub mod disposal;
pub mod domain;
pub mod http;
pub mod service;
pub mod store;
pub mod text;

pub use domain::{Disposal, FilePlanFile, PlanNode, PlanNodeInput, file_reference};
pub use service::{RecordsError, RecordsService};
