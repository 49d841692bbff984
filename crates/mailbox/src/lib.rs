//! The citizen's mailbox: lawful delivery of notices. Each delivery goes by
//! one channel with its legal rule as configuration (docs/delivery.md):
//!
//! - **retrieval from the portal** (§ 41 (2a) VwVfG): only for citizens who
//!   consented; retrieval needs a login; the notice counts as notified on
//!   the day after the first retrieval; if it is not retrieved within ten
//!   days after the e-mail saying it is ready, the provision ends and the
//!   notification has failed (the case tells the clerk);
//! - **by post**: the print-ready PDF and a dispatch record; it counts as
//!   notified on the configured day after posting (§ 41 (2) VwVfG: the
//!   fourth).
//!
//! Every date is recorded with the injected clock. E-mails only say that
//! something is waiting, never what. Deliveries are created by the
//! `mailbox.deliver` job the cases context writes with its change; what
//! happens to them goes back to the case as `mailbox.event` jobs.

pub mod api;
pub mod domain;
pub mod pages;
pub mod service;
pub mod store;

pub use domain::{Channel, DeliveryRules, DeliveryState};
pub use service::{MailboxError, MailboxService};
