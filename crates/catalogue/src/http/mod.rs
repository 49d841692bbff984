//! HTTP of the catalogue: the portal's start page, search and service
//! pages, the editors' pages ([`html`]) and the JSON API ([`api`]).

pub mod api;
pub mod html;

use crate::service::CatalogueError;
use web::AppError;

impl From<CatalogueError> for AppError {
    fn from(e: CatalogueError) -> AppError {
        match e {
            CatalogueError::Invalid(errors) => AppError::invalid(errors),
            CatalogueError::Forbidden => AppError::Forbidden,
            CatalogueError::NotFound => AppError::NotFound,
            CatalogueError::Conflict => AppError::Conflict(
                "The service was changed meanwhile; reload and edit again.".into(),
            ),
            CatalogueError::Db(e) => AppError::internal(e),
            CatalogueError::Internal(e) => AppError::internal(e),
        }
    }
}
