//! JSON API of messages: staff read and write the messages of a case;
//! the applicant (citizen session) reads and writes those of their own
//! case and opens the attachments. Files travel base64 in JSON.

use super::service::NewMessage;
use super::store::Message;
use crate::api::{AnswerFile, decode_files, id};
use crate::service::CasesService;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use identity::http::auth::ApiActor;
use serde::Deserialize;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{ApiJson, AppError};

type Svc = State<Arc<CasesService>>;

/// The message routes (state and body limit added by the cases router).
pub fn router() -> OpenApiRouter<Arc<CasesService>> {
    OpenApiRouter::new()
        .routes(routes!(case_messages, send))
        .routes(routes!(own_messages, write))
        .routes(routes!(own_attachment))
}

/// A new message.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageIn {
    /// The text (may be empty when files come along; at most 8000
    /// characters).
    #[serde(default)]
    pub body: String,
    /// Attachments (at most 10), filed in the case.
    #[serde(default)]
    pub files: Vec<AnswerFile>,
}

impl MessageIn {
    fn into_message(self) -> Result<NewMessage, AppError> {
        Ok(NewMessage {
            body: self.body,
            files: decode_files(self.files)?,
        })
    }
}

/// The messages of a case with the applicant, oldest first (clerks and
/// managers of its unit); reading marks the applicant's messages read.
#[utoipa::path(get, path = "/api/v1/cases/{id}/messages", tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = Vec<Message>), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn case_messages(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
) -> Result<ApiJson<Vec<Message>>, AppError> {
    Ok(ApiJson(svc.case_messages(&actor, id(&case)?).await?))
}

/// Write to the applicant: text and files are filed in the case, the
/// applicant gets an e-mail that only says a message is waiting.
/// Applicants without an account cannot be written to here (400
/// `message_no_account`: send a letter).
#[utoipa::path(post, path = "/api/v1/cases/{id}/messages", tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    request_body = MessageIn,
    responses((status = 201, body = Message),
        (status = 400, body = web::error::Problem, description = "Empty, too long, too many files, a file not base64, too large or of a type not accepted, or an applicant without account; invalid_params names the field"),
        (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem), (status = 409, body = web::error::Problem, description = "The case is closed"), (status = 413, body = web::error::Problem)))]
async fn send(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(m): ApiJson<MessageIn>,
) -> Result<(StatusCode, ApiJson<Message>), AppError> {
    let m = svc
        .send_message(&actor, id(&case)?, m.into_message()?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(m)))
}

/// The messages of the caller's own case (citizen session), oldest
/// first; reading marks the authority's messages read.
#[utoipa::path(get, path = "/api/v1/account/cases/{id}/messages", tag = "cases",
    params(("id" = String, Path, description = "Case id (`id` of /api/v1/account/cases)")),
    responses((status = 200, body = Vec<Message>), (status = 401, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn own_messages(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
) -> Result<ApiJson<Vec<Message>>, AppError> {
    Ok(ApiJson(svc.own_messages(&actor, id(&case)?).await?.1))
}

/// Write to one's own case (citizen session): text and files are filed
/// in the case and its clerk gets a follow-up for today.
#[utoipa::path(post, path = "/api/v1/account/cases/{id}/messages", tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    request_body = MessageIn,
    responses((status = 201, body = Message),
        (status = 400, body = web::error::Problem, description = "Empty, too long, too many files, or a file not base64, too large or of a type not accepted"),
        (status = 401, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem), (status = 409, body = web::error::Problem, description = "The case is closed"), (status = 413, body = web::error::Problem)))]
async fn write(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(m): ApiJson<MessageIn>,
) -> Result<(StatusCode, ApiJson<Message>), AppError> {
    let m = svc
        .write_message(&actor, id(&case)?, m.into_message()?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(m)))
}

/// An attachment of a message of the caller's own case (no other
/// document of the file).
#[utoipa::path(get, path = "/api/v1/account/cases/{id}/messages/attachments/{version}", tag = "cases",
    params(("id" = String, Path, description = "Case id"), ("version" = String, Path, description = "`version_id` of the attachment")),
    responses((status = 200, description = "The content"), (status = 401, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn own_attachment(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((case, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let version = kernel::DocumentVersionId::parse(&version).ok_or(AppError::NotFound)?;
    let (v, bytes) = svc.own_attachment(&actor, id(&case)?, version).await?;
    Ok(crate::http::serve_version(&v, bytes))
}
