//! Disposal (Aussonderung): at the end of their retention, closed files
//! are offered to the archive through the xdomea 3.0.0 process, the
//! archive decides what it keeps, rathaus transfers that and deletes the
//! transferred and the rejected files once the archive confirmed the
//! import. Legal holds block it; a pre-agreed appraisal catalogue (0513)
//! decides whole file-plan classes without a per-file appraisal.

pub mod api;
pub mod pages;
pub mod service;
pub mod store;
pub mod xdomea;

pub use service::{DisposalError, DisposalService, DisposalSettings, FilePurger};
