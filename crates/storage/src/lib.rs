//! Everything rathaus keeps on disk, behind interfaces the contexts share:
//!
//! - [`db`]: one database with two backends, SQLite (embedded default: WAL,
//!   foreign keys, busy timeout, `synchronous=FULL`) and PostgreSQL, chosen
//!   from the URL at start-up, with one migrations folder per backend;
//! - [`blob`]: a content-addressed blob store (SHA-256) over `object_store`,
//!   fsynced before the row pointing at a blob commits;
//! - [`jobs`]: the outbox table and the job runner (durable, retried with
//!   backoff, failures visible to admins);
//! - [`search`]: the full-text search index behind one trait (tantivy on
//!   local disk now; PostgreSQL full-text search with the scale-out work);
//! - [`audit`]: the hash-chained access log with a single group-committing
//!   writer and signed segment checkpoints.
//!
//! SQL lives here and in the store modules of the contexts, never in
//! handlers.

pub mod audit;
pub mod blob;
pub mod db;
pub mod events;
pub mod jobs;
pub mod search;
pub mod text_search;

pub use audit::{AccessLog, AuditEntry, VerifyReport};
pub use blob::BlobStore;
pub use db::{Backend, Db, DbError, Tx};
pub use jobs::{JobError, JobHandler, JobRunner, JobStatus, NewJob};
