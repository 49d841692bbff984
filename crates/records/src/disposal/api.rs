//! JSON API of disposal (records office; tokens with `records:disposal`):
//! the files due, processes, starting one (0501), the transfer (0503),
//! the archive's messages (0502, 0504, 0506, 0507, 0513) posted as XML or
//! zip, downloads of every message, and legal holds.

use super::service::{DisposalService, ProcessView};
use super::store::{Hold, Process};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use identity::http::auth::ApiActor;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use web::{ApiJson, AppError};

type Svc = State<Arc<DisposalService>>;

/// The disposal API.
pub fn router(svc: Arc<DisposalService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(start))
        .routes(routes!(process))
        .routes(routes!(transfer))
        .routes(routes!(message))
        .routes(routes!(set_hold))
        .routes(routes!(lift_hold))
        .merge(OpenApiRouter::new().routes(routes!(receive)).layer(
            axum::extract::DefaultBodyLimit::max(super::xdomea::MAX_BYTES + 64 * 1024),
        ))
        .with_state(svc)
}

/// A file due for disposal.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DueOut {
    /// The file.
    pub id: Uuid,
    /// Its reference.
    pub reference: String,
    /// Subject.
    pub title: String,
    /// File-plan code.
    pub plan_code: String,
    /// Last day of retention.
    pub retention_until: chrono::NaiveDate,
}

/// What is due, what runs, what is held.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OverviewOut {
    /// Files whose retention ended (no hold, in no running process).
    pub due: Vec<DueOut>,
    /// Processes, newest first.
    pub processes: Vec<Process>,
    /// Legal holds, active first.
    pub holds: Vec<Hold>,
}

fn id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// Files due, processes and holds.
#[utoipa::path(get, path = "/api/v1/disposal", tag = "records",
    responses((status = 200, body = OverviewOut), (status = 403, body = web::error::Problem)))]
async fn overview(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<OverviewOut>, AppError> {
    let o = svc.overview(&actor).await?;
    Ok(ApiJson(OverviewOut {
        due: o
            .due
            .into_iter()
            .map(|f| DueOut {
                id: f.id,
                reference: f.reference,
                title: f.title,
                plan_code: f.plan_code,
                retention_until: f.retention_until,
            })
            .collect(),
        processes: o.processes,
        holds: o.holds,
    }))
}

/// Start a process with every file due: files the appraisal catalogue
/// decides are appraised at once, the others are offered (0501, see the
/// process's messages). 409 when nothing is due.
#[utoipa::path(post, path = "/api/v1/disposal/processes", tag = "records",
    responses((status = 201, body = Process), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn start(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<(StatusCode, ApiJson<Process>), AppError> {
    Ok((StatusCode::CREATED, ApiJson(svc.start(&actor).await?)))
}

/// A process with its files (the disposal record) and messages.
#[utoipa::path(get, path = "/api/v1/disposal/processes/{id}", tag = "records",
    params(("id" = String, Path, description = "Process id (the xdomea ProzessID)")),
    responses((status = 200, body = ProcessView), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn process(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<ApiJson<ProcessView>, AppError> {
    Ok(ApiJson(svc.process(&actor, id(&p)?).await?))
}

/// Write the transfer (0503) of the files the archive takes; when it takes
/// none, the rejected files are deleted now.
#[utoipa::path(post, path = "/api/v1/disposal/processes/{id}/transfer", tag = "records",
    params(("id" = String, Path, description = "Process id")),
    responses((status = 200, body = Process), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem), (status = 409, body = web::error::Problem, description = "Not appraised (yet)")))]
async fn transfer(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<ApiJson<Process>, AppError> {
    Ok(ApiJson(svc.transfer(&actor, id(&p)?).await?))
}

/// A message of the process as written or received (zip or XML).
#[utoipa::path(get, path = "/api/v1/disposal/processes/{id}/messages/{message}", tag = "records",
    params(("id" = String, Path, description = "Process id"), ("message" = String, Path, description = "Message id")),
    responses((status = 200, description = "The message file"), (status = 404, body = web::error::Problem)))]
async fn message(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((p, m)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (name, bytes) = svc.message_file(&actor, id(&p)?, id(&m)?).await?;
    Ok(super::pages::download(&name, bytes))
}

/// What a message from the archive was.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceivedOut {
    /// Its code (0502, 0504, 0506, 0507, 0513).
    pub code: String,
    /// Its process.
    pub process: Uuid,
}

/// Post a message of the archive (0502, 0504, 0506, 0507 or 0513), as its
/// XML or the zip of the xdomea naming convention. A message that does not
/// read, names records the process does not hold, or comes out of turn is
/// refused whole (400 naming the element; 409 out of turn) and changes
/// nothing. After an 0502 rathaus writes the 0505; after an 0506 it
/// deletes the archived and the rejected files.
#[utoipa::path(post, path = "/api/v1/disposal/messages", tag = "records",
    request_body(content = Vec<u8>, content_type = "application/xml"),
    responses((status = 200, body = ReceivedOut), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem), (status = 413, body = web::error::Problem)))]
async fn receive(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    body: Bytes,
) -> Result<ApiJson<ReceivedOut>, AppError> {
    let incoming = svc.receive(&actor, body).await?;
    Ok(ApiJson(ReceivedOut {
        code: incoming.kind().code().into(),
        process: incoming.process(),
    }))
}

/// A legal hold to set.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldIn {
    /// The file's reference (Aktenzeichen).
    pub reference: String,
    /// Why (litigation, a request …).
    pub reason: String,
}

/// Set a legal hold: the file is neither offered nor deleted until it is
/// lifted.
#[utoipa::path(post, path = "/api/v1/disposal/holds", tag = "records",
    request_body = HoldIn,
    responses((status = 201, body = Hold), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn set_hold(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(h): ApiJson<HoldIn>,
) -> Result<(StatusCode, ApiJson<Hold>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.set_hold(&actor, &h.reference, &h.reason).await?),
    ))
}

/// Lift a legal hold.
#[utoipa::path(delete, path = "/api/v1/disposal/holds/{id}", tag = "records",
    params(("id" = String, Path, description = "Hold id")),
    responses((status = 204), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem, description = "Unknown or lifted before")))]
async fn lift_hold(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(h): Path<String>,
) -> Result<StatusCode, AppError> {
    svc.lift_hold(&actor, id(&h)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
