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
