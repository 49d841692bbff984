//! The service catalogue (Leistungskatalog), stage 1 of the citizen
//! journey: what the city does for people, who is responsible, what it
//! costs, what to bring, the legal basis, and how far it is online (the OZG
//! maturity level, shown honestly in plain language).
//!
//! Published services are found through German full-text search (stemming,
//! parts of compound words, one typo) and through life situations. The
//! search index is fed from the outbox: every change enqueues an index job
//! in its own transaction. Admins edit, publish and unpublish services and
//! import or export the whole catalogue as JSON; every change is in the
//! access log.

pub mod domain;
pub mod http;
pub mod index;
pub mod service;
pub mod store;

pub use domain::{CatalogueFile, Fee, LegalRef, Service, ServiceInput, ServiceStatus};
pub use service::{CatalogueError, CatalogueService, OnlineForms};
