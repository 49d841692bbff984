//! JSON API of cases: the caller's queue, a case with its answers,
//! documents and timeline, claiming and status changes (with the revision
//! the caller saw: 409 when someone changed the case meanwhile).

use crate::service::CasesService;
use crate::store::{Case, TimelineEntry};
use axum::extract::{Path, State};
use identity::http::auth::ApiActor;
use kernel::CaseId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{ApiJson, AppError};

type Svc = State<Arc<CasesService>>;

/// The cases API with its OpenAPI description.
pub fn router(svc: Arc<CasesService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(queue))
        .routes(routes!(get_case))
        .routes(routes!(claim))
        .routes(routes!(status))
        .with_state(svc)
}

/// A case with everything its page shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    /// The case.
    pub case: Case,
    /// Label of its status.
    pub status_label: String,
    /// The applicant's answers as the form asked them.
    pub answers: Vec<forms::view::SummaryRow>,
    /// Documents with their versions.
    pub documents: Vec<records::store::DocumentWithVersions>,
    /// What happened, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

/// A change with the revision the caller saw.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The case's `revision` as read.
    pub revision: i64,
    /// Target status key (status changes only).
    #[serde(default)]
    pub status: Option<String>,
}

fn id(s: &str) -> Result<CaseId, AppError> {
    CaseId::parse(s).ok_or(AppError::NotFound)
}

/// The open cases of the units the caller works for, soonest deadline first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", responses((status = 200, body = Vec<Case>)))]
async fn queue(State(svc): Svc, ApiActor(actor): ApiActor) -> Result<ApiJson<Vec<Case>>, AppError> {
    Ok(ApiJson(svc.my_queue(&actor).await?))
}

/// One case (staff of its unit; others get 403 and the attempt is logged).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = CaseDetail), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn get_case(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
) -> Result<ApiJson<CaseDetail>, AppError> {
    let v = svc.case_view(&actor, id(&case)?).await?;
    Ok(ApiJson(CaseDetail {
        case: v.case,
        status_label: v.status_label,
        answers: v.answers,
        documents: v.documents,
        timeline: v.timeline,
    }))
}

/// Take the case over.
#[utoipa::path(post, path = "/api/v1/cases/{id}/claim", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = Change,
    responses((status = 200, body = Case), (status = 409, body = web::error::Problem)))]
async fn claim(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(change): ApiJson<Change>,
) -> Result<ApiJson<Case>, AppError> {
    Ok(ApiJson(
        svc.claim(&actor, id(&case)?, change.revision).await?,
    ))
}

/// Move the case to another status along its type's transitions.
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = Change,
    responses((status = 200, body = Case), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn status(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(change): ApiJson<Change>,
) -> Result<ApiJson<Case>, AppError> {
    let to = change.status.unwrap_or_default();
    Ok(ApiJson(
        svc.change_status(&actor, id(&case)?, &to, change.revision)
            .await?,
    ))
}
