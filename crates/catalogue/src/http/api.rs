//! JSON API of the catalogue. Reading published services needs no login
//! (the catalogue is public information); changes need an editor (admin
//! role, token scope `catalogue:write`).

use crate::domain::{CatalogueFile, LifeSituation, Service, ServiceInput};
use crate::service::{CatalogueService, ImportReport};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use identity::http::auth::ApiActor;
use kernel::ServiceId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{ApiJson, AppError};

type Svc = State<Arc<CatalogueService>>;

/// The catalogue API with its OpenAPI description.
pub fn router(svc: Arc<CatalogueService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(search, create))
        .routes(routes!(get_service, update))
        .routes(routes!(publish))
        .routes(routes!(unpublish))
        .routes(routes!(life_situations))
        .routes(routes!(export, import))
        .with_state(svc)
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words as a person types them; empty lists all.
    pub q: Option<String>,
    /// A life situation slug.
    pub situation: Option<String>,
    /// At most this many (1–100, default 20).
    pub limit: Option<usize>,
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// Number of all matches.
    pub total: usize,
    /// Best first.
    pub services: Vec<Service>,
}

/// Search published services (German stemming, compound parts, one typo).
#[utoipa::path(get, path = "/api/v1/services", tag = "catalogue", params(SearchParams), responses((status = 200, body = SearchResponse)))]
async fn search(
    State(svc): Svc,
    Query(p): Query<SearchParams>,
) -> Result<ApiJson<SearchResponse>, AppError> {
    let q: String = p.q.unwrap_or_default().chars().take(200).collect();
    let found = svc
        .search(
            &q,
            p.situation.as_deref(),
            p.limit.unwrap_or(20).clamp(1, 100),
        )
        .await?;
    Ok(ApiJson(SearchResponse {
        total: found.total,
        services: found.services,
    }))
}

fn service_id(s: &str) -> Result<ServiceId, AppError> {
    ServiceId::parse(s).ok_or(AppError::NotFound)
}

/// A published service.
#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "catalogue", params(("id" = String, Path, description = "Service id")),
    responses((status = 200, body = Service), (status = 404, body = web::error::Problem)))]
async fn get_service(
    State(svc): Svc,
    Path(id): Path<String>,
) -> Result<ApiJson<Service>, AppError> {
    Ok(ApiJson(
        svc.published_by_id(service_id(&id)?).await?.service,
    ))
}

/// Create a service as a draft (editors).
#[utoipa::path(post, path = "/api/v1/services", tag = "catalogue", request_body = ServiceInput,
    responses((status = 201, body = Service), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn create(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ServiceInput>,
) -> Result<(StatusCode, ApiJson<Service>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.create(&actor, input).await?),
    ))
}

/// A change with the revision it is based on.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateService {
    /// The revision the change was made on (409 when outdated).
    pub revision: i64,
    /// New content.
    #[serde(flatten)]
    pub input: ServiceInput,
}

/// Change a service (editors).
#[utoipa::path(put, path = "/api/v1/services/{id}", tag = "catalogue", params(("id" = String, Path, description = "Service id")), request_body = UpdateService,
    responses((status = 200, body = Service), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn update(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateService>,
) -> Result<ApiJson<Service>, AppError> {
    Ok(ApiJson(
        svc.update(&actor, service_id(&id)?, body.input, body.revision)
            .await?,
    ))
}

/// Publish a service.
#[utoipa::path(post, path = "/api/v1/services/{id}/publish", tag = "catalogue", params(("id" = String, Path, description = "Service id")),
    responses((status = 200, body = Service), (status = 400, body = web::error::Problem)))]
async fn publish(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<ApiJson<Service>, AppError> {
    Ok(ApiJson(svc.publish(&actor, service_id(&id)?).await?))
}

/// Take a service offline.
#[utoipa::path(post, path = "/api/v1/services/{id}/unpublish", tag = "catalogue", params(("id" = String, Path, description = "Service id")),
    responses((status = 200, body = Service), (status = 400, body = web::error::Problem)))]
async fn unpublish(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<ApiJson<Service>, AppError> {
    Ok(ApiJson(svc.unpublish(&actor, service_id(&id)?).await?))
}

/// Life situations.
#[utoipa::path(get, path = "/api/v1/life-situations", tag = "catalogue", responses((status = 200, body = Vec<LifeSituation>)))]
async fn life_situations(State(svc): Svc) -> Result<ApiJson<Vec<LifeSituation>>, AppError> {
    Ok(ApiJson(svc.life_situations().await?))
}

/// The whole catalogue as JSON (editors).
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "catalogue", responses((status = 200, body = CatalogueFile), (status = 403, body = web::error::Problem)))]
async fn export(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<CatalogueFile>, AppError> {
    Ok(ApiJson(svc.export(&actor).await?))
}

/// Import a catalogue (editors): all or nothing; services matched by slug.
#[utoipa::path(post, path = "/api/v1/catalogue", tag = "catalogue", request_body = CatalogueFile,
    responses((status = 200, body = ImportReport), (status = 400, body = web::error::Problem)))]
async fn import(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(file): ApiJson<CatalogueFile>,
) -> Result<ApiJson<ImportReport>, AppError> {
    Ok(ApiJson(svc.import(&actor, file).await?))
}
