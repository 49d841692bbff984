//! CSRF protection for every form: a random token per browser in an
//! `HttpOnly`, `SameSite=Strict` cookie, repeated as the hidden field
//! `_csrf` in every form; [`CsrfForm`] refuses a POST whose field does not
//! match the cookie. A cross-site page can neither read the cookie nor make
//! the browser send it, so it cannot forge the pair.

use crate::error::AppError;
use crate::page::{CsrfToken, Shell};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;

const COOKIE: &str = "rathaus_csrf";

fn cookie_token(req_headers: &axum::http::HeaderMap) -> Option<String> {
    req_headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("rathaus_csrf="))
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

/// Ensures every browser has a CSRF cookie and exposes the token to pages.
pub async fn csrf_cookie(mut req: Request, next: Next) -> Response {
    let existing = cookie_token(req.headers());
    let token = existing
        .clone()
        .unwrap_or_else(|| hex::encode(rand::random::<[u8; 32]>()));
    let secure = req
        .extensions()
        .get::<Shell>()
        .is_some_and(|s| s.secure_cookies);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.run(req).await;
    if existing.is_none() {
        let cookie = format!(
            "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
            if secure { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// A URL-encoded form whose `_csrf` field matched the browser's cookie.
/// Fields are parsed with `serde_html_form`, so repeated keys fill `Vec`s.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let cookie = cookie_token(req.headers());
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge
            } else {
                AppError::Invalid {
                    detail: e.body_text(),
                    errors: kernel::FieldErrors::new(),
                }
            }
        })?;
        let sent = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.into_owned());
        match (cookie, sent) {
            (Some(c), Some(s)) if constant_time_eq(c.as_bytes(), s.as_bytes()) => {}
            _ => return Err(AppError::Csrf),
        }
        let value = serde_html_form::from_bytes::<T>(&bytes).map_err(|e| AppError::Invalid {
            detail: e.to_string(),
            errors: kernel::FieldErrors::new(),
        })?;
        Ok(CsrfForm(value))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_tokens_match_and_others_do_not() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
