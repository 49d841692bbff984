//! JSON API of co-signing: start a route, read it with its checked
//! signatures, decide on a step, revise after a reservation, and the
//! caller's open requests.

use crate::service::{
    CosigningError, CosigningService, Decided, DecisionInput, RouteInput, RouteView,
};
use crate::store::{Request, Route};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use identity::http::auth::ApiActor;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use web::{ApiJson, AppError};

type Svc = State<Arc<CosigningService>>;

impl From<CosigningError> for AppError {
    fn from(e: CosigningError) -> AppError {
        match e {
            CosigningError::Invalid(errors) => AppError::Invalid {
                detail: "Fix the fields named.".into(),
                errors,
            },
            CosigningError::Forbidden => AppError::Forbidden,
            CosigningError::NotFound => AppError::NotFound,
            CosigningError::Conflict(s) => AppError::Conflict(s),
            other => AppError::internal(other.to_string()),
        }
    }
}

/// The co-signing API.
pub fn router(svc: Arc<CosigningService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(view))
        .routes(routes!(decide))
        .routes(routes!(revise))
        .routes(routes!(requests))
        .routes(routes!(overdue))
        .routes(routes!(escalate))
        .with_state(svc)
}

fn id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// Start a route on the newest version of a document: stages in order,
/// steps in parallel inside a stage, exactly one final signature in the
/// last stage by someone with signing authority for the unit.
#[utoipa::path(post, path = "/api/v1/cosigning/routes", tag = "cosigning",
    request_body = RouteInput,
    responses((status = 201, body = Route), (status = 400, body = web::error::Problem, description = "No or a misplaced final signature, a final signer without authority, the lead clerk as co-signer, a step naming both or neither person and unit; invalid_params names the step"),
        (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn start(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<RouteInput>,
) -> Result<(StatusCode, ApiJson<Route>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.start(&actor, input).await?),
    ))
}

/// A route with every round's steps and its decisions, each signature
/// checked against the exact content of its version.
#[utoipa::path(get, path = "/api/v1/cosigning/routes/{id}", tag = "cosigning",
    params(("id" = String, Path, description = "Route id")),
    responses((status = 200, body = RouteView), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn view(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<ApiJson<RouteView>, AppError> {
    Ok(ApiJson(svc.view(&actor, id(&r)?).await?))
}

/// Decide on an open step: approve, approve with reservation or refuse
/// (both with a comment; they send the route back to the lead clerk).
/// 409 for a step not open, decided before, a closed route or another
/// version than the current one; nothing is recorded then.
#[utoipa::path(post, path = "/api/v1/cosigning/routes/{id}/steps/{step}/decision", tag = "cosigning",
    params(("id" = String, Path, description = "Route id"), ("step" = String, Path, description = "Step id")),
    request_body = DecisionInput,
    responses((status = 200, body = Decided), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn decide(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, s)): Path<(String, String)>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<ApiJson<Decided>, AppError> {
    Ok(ApiJson(svc.decide(&actor, id(&r)?, id(&s)?, input).await?))
}

/// Start the next round on the document's newest version after a
/// reservation or refusal (lead clerk; upload the revision first).
#[utoipa::path(post, path = "/api/v1/cosigning/routes/{id}/revise", tag = "cosigning",
    params(("id" = String, Path, description = "Route id")),
    responses((status = 200, body = RouteView), (status = 400, body = web::error::Problem, description = "No new version"), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn revise(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<ApiJson<RouteView>, AppError> {
    Ok(ApiJson(svc.revise(&actor, id(&r)?).await?))
}

/// The caller's open co-signing requests (steps naming them or a unit
/// they work in), soonest due first.
#[utoipa::path(get, path = "/api/v1/cosigning/requests", tag = "cosigning",
    responses((status = 200, body = Vec<Request>), (status = 403, body = web::error::Problem)))]
async fn requests(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<Request>>, AppError> {
    Ok(ApiJson(svc.my_requests(&actor).await?))
}

/// Overdue steps of the routes the caller leads or whose unit they manage.
#[utoipa::path(get, path = "/api/v1/cosigning/overdue", tag = "cosigning",
    responses((status = 200, body = Vec<Request>), (status = 403, body = web::error::Problem)))]
async fn overdue(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<Request>>, AppError> {
    Ok(ApiJson(svc.overdue(&actor).await?))
}

/// Escalate an overdue open step to the unit's managers (lead or
/// manager): they get an e-mail, the case timeline says so; once per step.
#[utoipa::path(post, path = "/api/v1/cosigning/routes/{id}/steps/{step}/escalate", tag = "cosigning",
    params(("id" = String, Path, description = "Route id"), ("step" = String, Path, description = "Step id")),
    responses((status = 200, body = RouteView), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem), (status = 409, body = web::error::Problem, description = "Not open, not overdue, or escalated before")))]
async fn escalate(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, s)): Path<(String, String)>,
) -> Result<ApiJson<RouteView>, AppError> {
    Ok(ApiJson(svc.escalate(&actor, id(&r)?, id(&s)?).await?))
}
