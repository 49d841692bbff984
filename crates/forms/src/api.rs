//! JSON API of form versions: editors create, change and publish versions
//! of a service's form; anyone reads the published one.

use crate::definition::FormDefinition;
use crate::service::{FormsError, FormsService};
use crate::store::FormVersion;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use identity::http::auth::ApiActor;
use kernel::{FormVersionId, ServiceId};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{ApiJson, AppError};

type Svc = State<Arc<FormsService>>;

impl From<FormsError> for AppError {
    fn from(e: FormsError) -> AppError {
        match e {
            FormsError::Invalid(errors) => AppError::Invalid {
                detail: "The form definition cannot be published; fix the fields named.".into(),
                errors,
            },
            FormsError::Answers(errors) => AppError::Invalid {
                detail:
                    "Some answers are missing or wrong; fix the fields named in invalid_params."
                        .into(),
                errors,
            },
            FormsError::Forbidden => AppError::Forbidden,
            FormsError::NotFound => AppError::NotFound,
            FormsError::Conflict(c) => AppError::Conflict(c),
            FormsError::Db(e) => AppError::internal(e),
            FormsError::Internal(e) => AppError::internal(e),
        }
    }
}

/// The form version API with its OpenAPI description.
pub fn router(svc: Arc<FormsService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(versions, create))
        .routes(routes!(update))
        .routes(routes!(publish))
        .routes(routes!(published))
        .with_state(svc)
}

fn service_id(s: &str) -> Result<ServiceId, AppError> {
    ServiceId::parse(s).ok_or(AppError::NotFound)
}

fn version_id(s: &str) -> Result<FormVersionId, AppError> {
    FormVersionId::parse(s).ok_or(AppError::NotFound)
}

/// All versions of a service's form (editors).
#[utoipa::path(get, path = "/api/v1/services/{id}/form-versions", tag = "forms", params(("id" = String, Path, description = "Service id")),
    responses((status = 200, body = Vec<FormVersion>), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn versions(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<ApiJson<Vec<FormVersion>>, AppError> {
    Ok(ApiJson(svc.versions(&actor, service_id(&id)?).await?))
}

/// Start a new draft version (editors).
#[utoipa::path(post, path = "/api/v1/services/{id}/form-versions", tag = "forms", params(("id" = String, Path, description = "Service id")), request_body = FormDefinition,
    responses((status = 201, body = FormVersion), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn create(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(def): ApiJson<FormDefinition>,
) -> Result<(StatusCode, ApiJson<FormVersion>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.create_draft(&actor, service_id(&id)?, def).await?),
    ))
}

/// Change a draft version (editors); 409 for a published version.
#[utoipa::path(put, path = "/api/v1/form-versions/{id}", tag = "forms", params(("id" = String, Path, description = "Form version id")), request_body = FormDefinition,
    responses((status = 200, body = FormVersion), (status = 409, body = web::error::Problem)))]
async fn update(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(def): ApiJson<FormDefinition>,
) -> Result<ApiJson<FormVersion>, AppError> {
    Ok(ApiJson(
        svc.update_draft(&actor, version_id(&id)?, def).await?,
    ))
}

/// Publish a draft version (editors); 400 names what blocks it.
#[utoipa::path(post, path = "/api/v1/form-versions/{id}/publish", tag = "forms", params(("id" = String, Path, description = "Form version id")),
    responses((status = 200, body = FormVersion), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn publish(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<ApiJson<FormVersion>, AppError> {
    Ok(ApiJson(svc.publish(&actor, version_id(&id)?).await?))
}

/// The published form of a service.
#[utoipa::path(get, path = "/api/v1/services/{id}/form", tag = "forms", params(("id" = String, Path, description = "Service id")),
    responses((status = 200, body = FormVersion), (status = 404, body = web::error::Problem)))]
async fn published(
    State(svc): Svc,
    Path(id): Path<String>,
) -> Result<ApiJson<FormVersion>, AppError> {
    svc.published(service_id(&id)?)
        .await?
        .map(ApiJson)
        .ok_or(AppError::NotFound)
}

// --- submissions -------------------------------------------------------------

/// A submission through the API.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionRequest {
    /// Field id → answer, as in the form definition: text as typed, arrays
    /// for multiple choice and groups, `{street, house_number, postcode,
    /// city}` for addresses, `{name, content_base64}` for files.
    #[schema(value_type = Object)]
    pub answers: crate::answers::Answers,
}

type Subs = State<Arc<crate::submissions::SubmissionService>>;

/// The submission API with its OpenAPI description. Uploads are sent
/// base64-encoded in JSON, so the body limit is the upload limit plus the
/// encoding's third.
pub fn submissions_router(svc: Arc<crate::submissions::SubmissionService>) -> OpenApiRouter {
    let limit = usize::try_from(svc.settings().max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_mul(4)
        / 3
        + (1 << 20);
    OpenApiRouter::new()
        .routes(routes!(submit))
        .routes(routes!(submission))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .with_state(svc)
}

/// Submit an application for a service (integrations with
/// `submissions:write`). The answers are checked by the service's
/// published form with the same rules and error codes as the pages. With
/// an `Idempotency-Key` header, repeating the request returns the first
/// submission (200) instead of making a second one.
#[utoipa::path(post, path = "/api/v1/services/{id}/submissions", tag = "forms",
    params(("id" = String, Path, description = "Service id"), ("Idempotency-Key" = Option<String>, Header, description = "A key per application; a repeated request with the same key returns the first submission")),
    request_body = SubmissionRequest,
    responses((status = 201, body = crate::drafts::Submission, description = "Submitted and durable"), (status = 200, body = crate::drafts::Submission, description = "Submitted before with this key"),
        (status = 400, body = web::error::Problem, description = "Answers invalid; invalid_params names each field"), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn submit(
    State(svc): Subs,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<SubmissionRequest>,
) -> Result<(StatusCode, ApiJson<crate::drafts::Submission>), AppError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if key.as_ref().is_some_and(|k| k.len() > 200) {
        return Err(AppError::Invalid {
            detail: "The Idempotency-Key header may have at most 200 characters.".into(),
            errors: kernel::FieldErrors::new(),
        });
    }
    let (s, created) = svc
        .submit_api(&actor, service_id(&id)?, req.answers, key.as_deref())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ApiJson(s)))
}

/// One submission (staff and integrations with `submissions:read`).
#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "forms", params(("id" = String, Path, description = "Submission id")),
    responses((status = 200, body = crate::drafts::Submission), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn submission(
    State(svc): Subs,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<ApiJson<crate::drafts::Submission>, AppError> {
    let id = kernel::SubmissionId::parse(&id).ok_or(AppError::NotFound)?;
    Ok(ApiJson(svc.submission(&actor, id).await?))
}
