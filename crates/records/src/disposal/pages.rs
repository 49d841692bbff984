//! The records office's disposal pages under
//! /arbeit/registratur/aussonderung: files due, processes with their
//! files and messages, the upload of the archive's answers, legal holds.

use super::service::{DisposalError, DisposalService, Overview, ProcessView};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::http::auth::StaffUser;
use kernel::FieldErrors;
use std::sync::Arc;
use uuid::Uuid;
use web::{AppError, PageCtx};

const BASE: &str = "/arbeit/registratur/aussonderung";

/// The disposal pages.
pub fn router(svc: Arc<DisposalService>) -> Router {
    Router::new()
        .route(BASE, get(overview))
        .route("/arbeit/registratur/aussonderung/starten", post(start))
        .route("/arbeit/registratur/aussonderung/sperren", post(hold))
        .route(
            "/arbeit/registratur/aussonderung/sperren/{id}/aufheben",
            post(lift),
        )
        .route("/arbeit/registratur/aussonderung/{id}", get(process))
        .route(
            "/arbeit/registratur/aussonderung/{id}/abgabe",
            post(transfer),
        )
        .route(
            "/arbeit/registratur/aussonderung/{id}/nachrichten/{message}",
            get(message),
        )
        .merge(
            Router::new()
                .route("/arbeit/registratur/aussonderung/antwort", post(answer))
                .layer(DefaultBodyLimit::max(super::xdomea::MAX_BYTES + 64 * 1024)),
        )
        .with_state(svc)
}

impl From<DisposalError> for AppError {
    fn from(e: DisposalError) -> AppError {
        match e {
            DisposalError::Invalid(errors) => AppError::Invalid {
                detail: "Fix the fields named.".into(),
                errors,
            },
            DisposalError::Refused(x) => {
                let mut errors = FieldErrors::new();
                errors.add("file", "xdomea_refused");
                AppError::Invalid {
                    detail: format!("The xdomea message was refused whole, nothing changed: {x}"),
                    errors,
                }
            }
            DisposalError::Forbidden => AppError::Forbidden,
            DisposalError::NotFound => AppError::NotFound,
            DisposalError::Conflict(s) => AppError::Conflict(s),
            other => AppError::internal(other.to_string()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "disposal.html")]
struct OverviewPage {
    ctx: PageCtx,
    o: Overview,
    errors: FieldErrors,
    /// Why the last upload was refused.
    refused: Option<String>,
    reference: String,
    reason: String,
}

#[derive(Debug, Default, serde::Deserialize)]
struct Done {
    #[serde(default)]
    gelesen: Option<String>,
}

async fn render(
    svc: &DisposalService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    errors: FieldErrors,
    refused: Option<String>,
    form: (String, String),
) -> Result<OverviewPage, AppError> {
    let o = svc.overview(actor).await?;
    Ok(OverviewPage {
        ctx,
        o,
        errors,
        refused,
        reference: form.0,
        reason: form.1,
    })
}

async fn overview(
    State(svc): State<Arc<DisposalService>>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<OverviewPage, AppError> {
    render(
        &svc,
        ctx,
        &actor,
        FieldErrors::new(),
        None,
        (String::new(), String::new()),
    )
    .await
}

async fn start(
    State(svc): State<Arc<DisposalService>>,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(_): web::CsrfForm<HoldForm>,
) -> Result<Response, AppError> {
    let p = svc.start(&actor).await?;
    Ok(Redirect::to(&format!("{BASE}/{}", p.id)).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
struct HoldForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    reason: String,
}

async fn hold(
    State(svc): State<Arc<DisposalService>>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): web::CsrfForm<HoldForm>,
) -> Result<Response, AppError> {
    match svc.set_hold(&actor, &form.reference, &form.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("{BASE}#sperren")).into_response()),
        Err(DisposalError::Invalid(errors)) => Ok(web::unprocessable(
            render(
                &svc,
                ctx,
                &actor,
                errors,
                None,
                (form.reference, form.reason),
            )
            .await?,
        )),
        Err(e) => Err(e.into()),
    }
}

fn uuid(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

async fn lift(
    State(svc): State<Arc<DisposalService>>,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(_): web::CsrfForm<HoldForm>,
) -> Result<Response, AppError> {
    svc.lift_hold(&actor, uuid(&id)?).await?;
    Ok(Redirect::to(&format!("{BASE}#sperren")).into_response())
}

/// An answer of the archive, uploaded: refused whole with the reason on
/// the page, or read.
async fn answer(
    State(svc): State<Arc<DisposalService>>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    form: web::CsrfFields,
) -> Result<Response, AppError> {
    let Some(file) = form.files.iter().find(|f| f.field == "file") else {
        let mut errors = FieldErrors::new();
        errors.add("file", "file_missing");
        return Ok(web::unprocessable(
            render(&svc, ctx, &actor, errors, None, Default::default()).await?,
        ));
    };
    match svc.receive(&actor, file.bytes.clone()).await {
        Ok(incoming) => Ok(Redirect::to(&format!(
            "{BASE}/{}?gelesen={}",
            incoming.process(),
            incoming.kind().code()
        ))
        .into_response()),
        Err(DisposalError::Refused(x)) => {
            let mut errors = FieldErrors::new();
            errors.add("file", "xdomea_refused");
            Ok(web::unprocessable(
                render(
                    &svc,
                    ctx,
                    &actor,
                    errors,
                    Some(x.to_string()),
                    Default::default(),
                )
                .await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "disposal_process.html")]
struct ProcessPage {
    ctx: PageCtx,
    v: ProcessView,
    received: Option<String>,
}

impl ProcessPage {
    fn state_key(&self) -> String {
        format!("disposal-state-{}", self.v.process.state)
    }
}

async fn process(
    State(svc): State<Arc<DisposalService>>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<ProcessPage, AppError> {
    let v = svc.process(&actor, uuid(&id)?).await?;
    Ok(ProcessPage {
        ctx,
        v,
        received: q.gelesen,
    })
}

async fn transfer(
    State(svc): State<Arc<DisposalService>>,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(_): web::CsrfForm<HoldForm>,
) -> Result<Response, AppError> {
    let p = svc.transfer(&actor, uuid(&id)?).await?;
    Ok(Redirect::to(&format!("{BASE}/{}", p.id)).into_response())
}

/// A message as a download.
pub(crate) fn download(name: &str, bytes: bytes::Bytes) -> Response {
    let media = if name.ends_with(".zip") {
        "application/zip"
    } else {
        "application/xml"
    };
    web::download::file(name, media, bytes)
}

async fn message(
    State(svc): State<Arc<DisposalService>>,
    StaffUser(actor, _): StaffUser,
    Path((id, message)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (name, bytes) = svc
        .message_file(&actor, uuid(&id)?, uuid(&message)?)
        .await?;
    Ok(download(&name, bytes))
}
