//! Operating rathaus: `/healthz`, `/readyz`, Prometheus `/metrics`, the
//! admin page of background jobs, the data protection officer's view of the
//! access log, and the same as JSON under `/api/v1`.

use crate::app::Application;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::http::auth::{ApiActor, StaffUser};
use kernel::{Actor, ActorKind, JobId, Role};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;
use storage::audit::{LoggedEntry, VerifyReport};
use storage::jobs::JobRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{ApiJson, AppError, CsrfForm, PageCtx};

/// Labels of the HTTP metrics.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

/// Labels of gauges per job status.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    status: String,
}

/// The metrics of one instance.
pub struct Metrics {
    registry: Registry,
    requests: Family<HttpLabels, Counter>,
    duration: Family<HttpLabels, Histogram>,
    jobs: Family<StatusLabel, Gauge>,
    db_connections: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with rathaus's metrics.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("rathaus");
        let requests = Family::<HttpLabels, Counter>::default();
        let duration = Family::<HttpLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let jobs = Family::<StatusLabel, Gauge>::default();
        let db_connections = Gauge::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests",
            duration.clone(),
        );
        registry.register("jobs", "Background jobs by status", jobs.clone());
        registry.register(
            "db_connections",
            "Open database connections",
            db_connections.clone(),
        );
        Metrics {
            registry,
            requests,
            duration,
            jobs,
            db_connections,
        }
    }
}

/// Middleware counting requests and their duration by route and status.
pub async fn track(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    let labels = HttpLabels {
        method,
        route,
        status: res.status().as_u16(),
    };
    m.requests.get_or_create(&labels).inc();
    m.duration
        .get_or_create(&labels)
        .observe(start.elapsed().as_secs_f64());
    res
}

/// Operator routes and pages.
pub fn router(app: Application) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/arbeit/admin/jobs", get(jobs_page))
        .route("/arbeit/admin/jobs/{id}/erneut", post(retry_job_form))
        .route("/arbeit/protokoll", get(log_page))
        .with_state(app)
}

/// Operator API with its OpenAPI description.
pub fn api_router(app: Application) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(api_jobs))
        .routes(routes!(api_retry_job))
        .routes(routes!(api_log))
        .routes(routes!(api_verify))
        .with_state(app)
}

async fn readyz(State(app): State<Application>) -> Response {
    match app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(app): State<Application>) -> Result<Response, AppError> {
    app.metrics.jobs.clear();
    for (status, n) in app.jobs.counts().await.map_err(AppError::internal)? {
        app.metrics
            .jobs
            .get_or_create(&StatusLabel { status })
            .set(n);
    }
    app.metrics
        .db_connections
        .set(i64::from(app.db.pool_size()));
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &app.metrics.registry)
        .map_err(AppError::internal)?;
    let mut res = out.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    Ok(res)
}

/// Reading the access log shows who did what: that reading is logged too,
/// with the accounts shown.
async fn log_view(
    app: &Application,
    actor: &Actor,
    entries: &[LoggedEntry],
) -> Result<(), AppError> {
    let mut ids: Vec<String> = entries
        .iter()
        .filter_map(|e| e.actor.strip_prefix("account:").map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    app.log
        .record(vec![storage::AuditEntry::new(
            actor.audit_label(),
            "access_log.viewed",
            "account",
            ids,
        )])
        .await
        .map_err(AppError::internal)
}

fn require_admin(actor: &Actor) -> Result<(), AppError> {
    if actor.has_role_anywhere(Role::Admin) && !matches!(actor.kind, ActorKind::ApiToken { .. }) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn require_dpo(actor: &Actor) -> Result<(), AppError> {
    if actor.has_role_anywhere(Role::DataProtectionOfficer)
        && !matches!(actor.kind, ActorKind::ApiToken { .. })
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "jobs.html")]
struct JobsPage {
    ctx: PageCtx,
    jobs: Vec<JobRow>,
    message: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct OkQuery {
    ok: Option<String>,
}

async fn jobs_page(
    State(app): State<Application>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    axum::extract::Query(q): axum::extract::Query<OkQuery>,
) -> Result<JobsPage, AppError> {
    require_admin(&actor)?;
    let jobs = app.jobs.list_open(200).await.map_err(AppError::internal)?;
    let message =
        q.ok.filter(|o| o == "job_retried")
            .map(|_| "ok-job_retried".to_owned());
    Ok(JobsPage { ctx, jobs, message })
}

async fn retry_job_form(
    State(app): State<Application>,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    require_admin(&actor)?;
    let id = JobId::parse(&id).ok_or(AppError::NotFound)?;
    if !app.jobs.retry(id).await.map_err(AppError::internal)? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/arbeit/admin/jobs?ok=job_retried").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "access_log.html")]
struct LogPage {
    ctx: PageCtx,
    entries: Vec<LoggedEntry>,
    report: VerifyReport,
}

async fn log_page(
    State(app): State<Application>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<LogPage, AppError> {
    require_dpo(&actor)?;
    let entries = app.log.latest(100).await.map_err(AppError::internal)?;
    let report = app.log.verify().await.map_err(AppError::internal)?;
    Ok(LogPage {
        ctx,
        entries,
        report,
    })
}

/// Open and failed background jobs (admins).
#[utoipa::path(get, path = "/api/v1/jobs", tag = "operations", responses((status = 200, body = Vec<JobView>), (status = 403, body = web::error::Problem)))]
async fn api_jobs(
    State(app): State<Application>,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<JobView>>, AppError> {
    require_admin(&actor)?;
    let jobs = app.jobs.list_open(500).await.map_err(AppError::internal)?;
    Ok(ApiJson(jobs.into_iter().map(JobView::from).collect()))
}

/// A background job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    /// Id.
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    /// Handler name.
    pub kind: String,
    /// `pending`, `running`, `done` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// Next attempt.
    pub run_at: chrono::DateTime<chrono::Utc>,
    /// Error of the last attempt.
    pub last_error: Option<String>,
}

impl From<JobRow> for JobView {
    fn from(j: JobRow) -> Self {
        JobView {
            id: j.id,
            kind: j.kind,
            status: j.status,
            attempts: j.attempts,
            run_at: j.run_at,
            last_error: j.last_error,
        }
    }
}

/// Retry a failed job (admins).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "operations", params(("id" = String, Path, description = "Job id")),
    responses((status = 204), (status = 404, body = web::error::Problem)))]
async fn api_retry_job(
    State(app): State<Application>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    require_admin(&actor)?;
    let id = JobId::parse(&id).ok_or(AppError::NotFound)?;
    if app.jobs.retry(id).await.map_err(AppError::internal)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// An access log entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogEntryView {
    /// Position in the chain (null while not yet chained).
    pub seq: Option<i64>,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Kind of object.
    pub object_type: String,
    /// Ids shown or changed.
    pub object_ids: Vec<String>,
}

/// The newest 100 access log entries (data protection officers).
#[utoipa::path(get, path = "/api/v1/audit/entries", tag = "operations", responses((status = 200, body = Vec<LogEntryView>), (status = 403, body = web::error::Problem)))]
async fn api_log(
    State(app): State<Application>,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<LogEntryView>>, AppError> {
    require_dpo(&actor)?;
    let entries = app.log.latest(100).await.map_err(AppError::internal)?;
    log_view(&app, &actor, &entries).await?;
    Ok(ApiJson(
        entries
            .into_iter()
            .map(|e| LogEntryView {
                seq: e.chain_seq,
                at: e.at,
                actor: e.actor,
                action: e.action,
                object_type: e.object_type,
                object_ids: serde_json::from_str(&e.object_ids).unwrap_or_default(),
            })
            .collect(),
    ))
}

/// Result of verifying the chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyView {
    /// True when no entry is broken.
    pub ok: bool,
    /// Entries verified.
    pub entries: i64,
    /// Checkpoints verified.
    pub checkpoints: i64,
    /// Entries not yet chained.
    pub pending: i64,
    /// Chain position of the first broken entry.
    pub broken_seq: Option<i64>,
    /// Why it is broken.
    pub reason: Option<String>,
}

/// Verify the access log chain (data protection officers).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "operations", responses((status = 200, body = VerifyView), (status = 403, body = web::error::Problem)))]
async fn api_verify(
    State(app): State<Application>,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<VerifyView>, AppError> {
    require_dpo(&actor)?;
    let r = app.log.verify().await.map_err(AppError::internal)?;
    Ok(ApiJson(VerifyView {
        ok: r.broken.is_none(),
        entries: r.entries,
        checkpoints: r.checkpoints,
        pending: r.pending,
        broken_seq: r.broken.as_ref().map(|b| b.seq),
        reason: r.broken.map(|b| b.reason),
    }))
}
