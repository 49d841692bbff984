//! HTTP of the identity context: the session layer and extractors
//! ([`auth`]), the pages of the portal and the workplace ([`html`]) and the
//! JSON API ([`api`]).

pub mod api;
pub mod auth;
pub mod html;

use crate::service::IdentityError;
use web::AppError;

impl From<IdentityError> for AppError {
    fn from(e: IdentityError) -> AppError {
        match e {
            IdentityError::Invalid(errors) => AppError::invalid(errors),
            IdentityError::Forbidden => AppError::Forbidden,
            IdentityError::NotFound => AppError::NotFound,
            IdentityError::BadCredentials
            | IdentityError::BadCode
            | IdentityError::Unverified
            | IdentityError::Disabled => AppError::Unauthorized,
            IdentityError::Locked(until) => {
                AppError::TooManyRequests(format!("Locked until {until}"))
            }
            IdentityError::RateLimited => {
                AppError::TooManyRequests("Too many failed attempts from this address.".into())
            }
            IdentityError::BadToken => {
                AppError::Conflict("The link is invalid or has expired.".into())
            }
            IdentityError::Conflict(c) => AppError::Conflict(c),
            IdentityError::Db(e) => AppError::internal(e),
            IdentityError::Internal(e) => AppError::internal(e),
        }
    }
}
