//! One error type for handlers. [`AppError`] becomes a response with the
//! right status and an [`ErrorInfo`] extension; the error layers of the
//! application then render it as a page (for people) or as
//! `application/problem+json` (for `/api`). Errors that do not come from
//! [`AppError`] (unknown path, oversize body, a rejected extractor) are
//! rendered the same way from their status alone.

use crate::page::{ErrorPage, PageCtx};
use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use kernel::FieldErrors;
use serde::Serialize;

/// What a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist (or the actor may not know it exists).
    #[error("not found")]
    NotFound,
    /// The actor may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Login required (API: missing or invalid token).
    #[error("unauthorized")]
    Unauthorized,
    /// The CSRF token was missing or wrong.
    #[error("csrf token mismatch")]
    Csrf,
    /// The input was wrong; says what to fix.
    #[error("invalid input: {detail}")]
    Invalid {
        /// Human-readable summary.
        detail: String,
        /// Per-field problems.
        errors: FieldErrors,
    },
    /// Conflicts with the current state (e.g. e-mail already taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request body is larger than allowed.
    #[error("payload too large")]
    TooLarge,
    /// Too many attempts; try later.
    #[error("too many requests: {0}")]
    TooManyRequests(String),
    /// Anything else; logged once, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// An internal error from anything displayable.
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(anyhow::anyhow!("{e}"))
    }

    /// Invalid input with field errors.
    pub fn invalid(errors: FieldErrors) -> AppError {
        AppError::Invalid {
            detail: "The request has invalid fields.".into(),
            errors,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Machine-readable detail of an error response, read by the error layers.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    /// Stable code, e.g. `csrf_mismatch`.
    pub code: &'static str,
    /// What to fix.
    pub detail: String,
    /// Field problems.
    pub errors: FieldErrors,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (code, detail, errors) = match self {
            AppError::NotFound => (
                "not_found",
                "The resource does not exist.".to_owned(),
                FieldErrors::new(),
            ),
            AppError::Forbidden => (
                "forbidden",
                "You may not do this.".to_owned(),
                FieldErrors::new(),
            ),
            AppError::Unauthorized => (
                "unauthorized",
                "Log in or send a valid API token.".to_owned(),
                FieldErrors::new(),
            ),
            AppError::Csrf => (
                "csrf_mismatch",
                "The form was too old or came from elsewhere. Reload the page and send it again."
                    .to_owned(),
                FieldErrors::new(),
            ),
            AppError::Invalid { detail, errors } => ("invalid_input", detail, errors),
            AppError::Conflict(d) => ("conflict", d, FieldErrors::new()),
            AppError::TooManyRequests(d) => ("too_many_requests", d, FieldErrors::new()),
            AppError::TooLarge => (
                "payload_too_large",
                "The request body is too large.".to_owned(),
                FieldErrors::new(),
            ),
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (
                    "internal",
                    "Something went wrong on our side.".to_owned(),
                    FieldErrors::new(),
                )
            }
        };
        let mut res = (status, detail.clone()).into_response();
        res.extensions_mut().insert(ErrorInfo {
            code,
            detail,
            errors,
        });
        res
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI reference identifying the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What to fix.
    pub detail: String,
    /// Stable error code.
    pub code: String,
    /// Fields to fix.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid_params: Vec<kernel::FieldError>,
}

fn is_error(res: &Response) -> bool {
    res.status().is_client_error() || res.status().is_server_error()
}

fn content_type_starts(res: &Response, prefix: &str) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(prefix))
}

/// Layer for `/api`: every error response becomes problem+json.
pub async fn problem_json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if !is_error(&res) || content_type_starts(&res, "application/problem+json") {
        return res;
    }
    let status = res.status();
    let info = res.extensions().get::<ErrorInfo>().cloned();
    let (code, detail, errors) = match info {
        Some(i) => (i.code.to_owned(), i.detail, i.errors.0),
        None => {
            let detail = default_detail(status);
            (default_code(status).to_owned(), detail, Vec::new())
        }
    };
    let problem = Problem {
        kind: format!("https://rathaus.dev/problems/{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        code,
        invalid_params: errors,
    };
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut out = (status, body).into_response();
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    out
}

fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "invalid_input",
        429 => "too_many_requests",
        _ if status.is_server_error() => "internal",
        _ => "error",
    }
}

fn default_detail(status: StatusCode) -> String {
    match status.as_u16() {
        404 => "There is nothing at this address.".into(),
        405 => "This method is not allowed here.".into(),
        413 => "The request body is too large.".into(),
        415 => "Send the body as application/json.".into(),
        _ if status.is_server_error() => "Something went wrong on our side.".into(),
        _ => status.canonical_reason().unwrap_or("Error").to_owned(),
    }
}

/// Layer for pages: every error response without an HTML body becomes the
/// error page in the layout of its area.
pub async fn html_errors(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = PageCtx::from_parts(&parts);
    let staff_area = parts.uri.path().starts_with("/arbeit");
    let res = next.run(Request::from_parts(parts, body)).await;
    if !is_error(&res) || content_type_starts(&res, "text/html") {
        return res;
    }
    let status = res.status();
    let key = match status.as_u16() {
        413 => "too-large",
        400 | 415 | 422 => "bad-request",
        401 => "unauthorized",
        403 if res
            .extensions()
            .get::<ErrorInfo>()
            .is_some_and(|i| i.code == "csrf_mismatch") =>
        {
            "csrf"
        }
        403 => "forbidden",
        404 | 405 => "not-found",
        409 => "conflict",
        429 => "too-many",
        _ => "internal",
    };
    let page = ErrorPage {
        ctx,
        status: status.as_u16(),
        title_key: format!("error-{key}-title"),
        text_key: format!("error-{key}-text"),
        staff_area,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (status, "Error").into_response()
        }
    }
}

/// One error layer for the whole application: problem+json under `/api/`,
/// error pages everywhere else.
pub async fn render_errors(req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/api/") {
        problem_json_errors(req, next).await
    } else {
        html_errors(req, next).await
    }
}
