//! Messages between the applicant and the case, in both directions and
//! with attachments. Everything is filed in the case: the text as a
//! document and each attachment as one, in the same transaction as the
//! message. The applicant reads and writes only after logging in (an
//! applicant without an account gets letters); the e-mail only says that
//! something is waiting, never what.

pub mod api;
pub mod pages;
pub mod service;
pub mod store;

/// Longest message text in characters.
pub const MAX_BODY: usize = 8000;

/// Most attachments per message.
pub const MAX_FILES: usize = 10;
