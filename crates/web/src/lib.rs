//! Shared HTTP pieces every context's pages and API use:
//!
//! - the KERN UX assets, fetched by the build and embedded ([`assets`]);
//! - the two layouts (citizen portal `/`, staff workplace `/arbeit`) and the
//!   per-request page context with locale, CSRF token and viewer ([`page`]);
//! - German/English translations with Fluent ([`i18n`]);
//! - CSRF protection for every form ([`csrf`]) and security headers
//!   ([`headers`]);
//! - [`AppError`], rendered as an error page for people or as
//!   `application/problem+json` for the API ([`error`], [`api`]).

pub mod api;
pub mod assets;
pub mod charts;
pub mod csrf;
pub mod download;
pub mod error;
pub mod headers;
pub mod home;
pub mod i18n;
pub mod markdown;
pub mod page;

pub use api::ApiJson;
pub use csrf::{CsrfFields, CsrfForm, FormFile};
pub use error::AppError;
pub use i18n::Locale;
pub use page::{PageCtx, Shell, Viewer};

/// A form page shown again with its errors: 422, so tools and tests see
/// that nothing was saved.
pub fn unprocessable(page: impl axum::response::IntoResponse) -> axum::response::Response {
    use axum::response::IntoResponse;
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}
