//! JSON API of the file plan: staff read it; the records office imports
//! nodes (new codes added, existing ones changed; all or nothing).

use crate::domain::{FilePlanFile, PlanNode};
use crate::service::{RecordsError, RecordsService};
use axum::extract::State;
use identity::http::auth::ApiActor;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{ApiJson, AppError};

impl From<RecordsError> for AppError {
    fn from(e: RecordsError) -> AppError {
        match e {
            RecordsError::Invalid(errors) => AppError::Invalid {
                detail: "The file plan has errors; nothing was imported. Fix the nodes named in invalid_params.".into(),
                errors,
            },
            RecordsError::Forbidden => AppError::Forbidden,
            RecordsError::NotFound => AppError::NotFound,
            RecordsError::Db(e) => AppError::internal(e),
            RecordsError::Internal(e) => AppError::internal(e),
        }
    }
}

/// The file plan API with its OpenAPI description.
pub fn router(svc: Arc<RecordsService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(plan, import))
        .routes(routes!(export))
        .with_state(svc)
}

/// The file plan, ordered by code (staff).
#[utoipa::path(get, path = "/api/v1/file-plan", tag = "records",
    responses((status = 200, body = Vec<PlanNode>), (status = 403, body = web::error::Problem)))]
async fn plan(
    State(svc): State<Arc<RecordsService>>,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<PlanNode>>, AppError> {
    Ok(ApiJson(svc.plan(&actor).await?))
}

/// The file plan in the exchange format `rathaus-fileplan/1` (staff).
#[utoipa::path(get, path = "/api/v1/file-plan/export", tag = "records",
    responses((status = 200, body = FilePlanFile), (status = 403, body = web::error::Problem)))]
async fn export(
    State(svc): State<Arc<RecordsService>>,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<FilePlanFile>, AppError> {
    Ok(ApiJson(svc.export_plan(&actor).await?))
}

/// Import nodes into the file plan (records office); all or nothing, with
/// every problem named by path (`nodes[3].parent`).
#[utoipa::path(post, path = "/api/v1/file-plan", tag = "records", request_body = FilePlanFile,
    responses((status = 200, body = Vec<PlanNode>), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn import(
    State(svc): State<Arc<RecordsService>>,
    ApiActor(actor): ApiActor,
    ApiJson(file): ApiJson<FilePlanFile>,
) -> Result<ApiJson<Vec<PlanNode>>, AppError> {
    svc.import_plan(&actor, file).await?;
    Ok(ApiJson(svc.plan(&actor).await?))
}
