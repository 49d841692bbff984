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

/// A file sent with a multipart form.
#[derive(Debug, Clone)]
pub struct FormFile {
    /// The input's name.
    pub field: String,
    /// The file name the browser sent (untrusted).
    pub file_name: String,
    /// Content.
    pub bytes: Bytes,
}

/// A form sent URL-encoded or as `multipart/form-data` (with files), whose
/// `_csrf` field matched the browser's cookie: its fields in order (repeated
/// names repeat) and its files. Pages with uploads use it.
#[derive(Debug, Default)]
pub struct CsrfFields {
    /// Name and value of every non-file field.
    pub fields: Vec<(String, String)>,
    /// Files with content (empty file inputs are left out).
    pub files: Vec<FormFile>,
}

impl CsrfFields {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn too_large_or_invalid(status: axum::http::StatusCode, text: String) -> AppError {
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::Invalid {
            detail: text,
            errors: kernel::FieldErrors::new(),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for CsrfFields {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let cookie = cookie_token(req.headers());
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let mut out = CsrfFields::default();
        if multipart {
            let mut mp = axum::extract::Multipart::from_request(req, state)
                .await
                .map_err(|e| too_large_or_invalid(e.status(), e.body_text()))?;
            while let Some(field) = mp
                .next_field()
                .await
                .map_err(|e| too_large_or_invalid(e.status(), e.body_text()))?
            {
                let name = field.name().unwrap_or("").to_owned();
                match field.file_name().map(str::to_owned) {
                    Some(file_name) => {
                        let bytes = field
                            .bytes()
                            .await
                            .map_err(|e| too_large_or_invalid(e.status(), e.body_text()))?;
                        if !bytes.is_empty() {
                            out.files.push(FormFile {
                                field: name,
                                file_name,
                                bytes,
                            });
                        }
                    }
                    None => {
                        let text = field
                            .text()
                            .await
                            .map_err(|e| too_large_or_invalid(e.status(), e.body_text()))?;
                        out.fields.push((name, text));
                    }
                }
            }
        } else {
            let bytes = Bytes::from_request(req, state)
                .await
                .map_err(|e| too_large_or_invalid(e.status(), e.body_text()))?;
            out.fields = url::form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        }
        match (cookie, out.get("_csrf")) {
            (Some(c), Some(s)) if constant_time_eq(c.as_bytes(), s.as_bytes()) => Ok(out),
            _ => Err(AppError::Csrf),
        }
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
