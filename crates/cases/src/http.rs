//! The staff workplace's case pages: the queue of the units one works for
//! (soonest deadline first, overdue marked) and the case page with status,
//! deadline, documents and timeline; documents open from there.

use crate::service::{CaseView, CasesError, CasesService};
use crate::store::Case;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use identity::http::auth::StaffUser;
use kernel::{CaseId, Clock, DocumentVersionId};
use std::sync::Arc;
use web::{AppError, PageCtx};

impl From<CasesError> for AppError {
    fn from(e: CasesError) -> AppError {
        match e {
            CasesError::Invalid(errors) => AppError::Invalid {
                detail: "Fix the fields named.".into(),
                errors,
            },
            CasesError::Forbidden => AppError::Forbidden,
            CasesError::NotFound => AppError::NotFound,
            CasesError::NoCaseType(s) => AppError::Conflict(s),
            CasesError::Stale => AppError::Conflict(
                "Someone changed the case meanwhile. Reload the page and try again.".into(),
            ),
            CasesError::Db(e) => AppError::internal(e),
            CasesError::Internal(e) => AppError::internal(e),
        }
    }
}

/// State of the case pages.
#[derive(Clone)]
pub struct Pages {
    /// Cases.
    pub cases: Arc<CasesService>,
    /// The clock (what is overdue).
    pub clock: Arc<dyn Clock>,
}

/// The case pages.
pub fn router(pages: Pages) -> Router {
    Router::new()
        .route("/arbeit/vorgaenge", get(queue))
        .route("/konto/vorgaenge", get(citizen_cases))
        .route("/arbeit/vorgaenge/{id}", get(case_page))
        .route(
            "/arbeit/vorgaenge/{id}/uebernehmen",
            axum::routing::post(claim),
        )
        .route("/arbeit/vorgaenge/{id}/status", axum::routing::post(status))
        .route("/arbeit/vorgaenge/{id}/dokumente/{version}", get(document))
        .with_state(pages)
}

/// A row of the queue.
struct Row {
    case: Case,
    overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "case_queue.html")]
struct QueuePage {
    ctx: PageCtx,
    rows: Vec<Row>,
}

async fn queue(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<QueuePage, AppError> {
    let now = p.clock.now();
    let rows = p
        .cases
        .my_queue(&actor)
        .await?
        .into_iter()
        .map(|case| Row {
            overdue: case.deadline < now,
            case,
        })
        .collect();
    Ok(QueuePage { ctx, rows })
}

#[derive(Template, WebTemplate)]
#[template(path = "case_page.html")]
struct CasePage {
    ctx: PageCtx,
    view: CaseView,
    overdue: bool,
    next: Vec<(String, String)>,
    mine: bool,
    errors: kernel::FieldErrors,
}

fn case_id(s: &str) -> Result<CaseId, AppError> {
    CaseId::parse(s).ok_or(AppError::NotFound)
}

async fn case_page(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<CasePage, AppError> {
    page(&p, ctx, &actor, case_id(&id)?, kernel::FieldErrors::new()).await
}

async fn page(
    p: &Pages,
    ctx: PageCtx,
    actor: &kernel::Actor,
    id: CaseId,
    errors: kernel::FieldErrors,
) -> Result<CasePage, AppError> {
    let view = p.cases.case_view(actor, id).await?;
    let next = p.cases.next_statuses(&view.case).await?;
    Ok(CasePage {
        overdue: view.case.deadline < p.clock.now() && view.case.phase != "closed",
        mine: view.case.assignee_id.is_some()
            && view.case.assignee_id == actor.account.map(|a| a.0),
        next,
        view,
        ctx,
        errors,
    })
}

#[derive(Debug, serde::Deserialize)]
struct ChangeForm {
    #[serde(default)]
    revision: i64,
    #[serde(default)]
    status: String,
}

async fn claim(
    State(p): State<Pages>,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<ChangeForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    p.cases.claim(&actor, id, form.revision).await?;
    Ok(axum::response::Redirect::to(&format!("/arbeit/vorgaenge/{id}")).into_response())
}

async fn status(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<ChangeForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    match p
        .cases
        .change_status(&actor, id, &form.status, form.revision)
        .await
    {
        Ok(_) => {
            Ok(axum::response::Redirect::to(&format!("/arbeit/vorgaenge/{id}")).into_response())
        }
        Err(CasesError::Invalid(errors)) => {
            Ok(web::unprocessable(page(&p, ctx, &actor, id, errors).await?))
        }
        Err(e) => Err(e.into()),
    }
}

/// Serves a version so that nothing uploaded runs as active content on
/// this origin: the declared type is the one detected from the content,
/// `nosniff`, a sandboxing CSP; PDFs and images open inline, everything
/// else downloads under its original name.
async fn document(
    State(p): State<Pages>,
    StaffUser(actor, _): StaffUser,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let version = DocumentVersionId::parse(&version).ok_or(AppError::NotFound)?;
    let (v, bytes) = p.cases.document(&actor, case_id(&id)?, version).await?;
    let inline = v.media_type == "application/pdf" || v.media_type.starts_with("image/");
    let safe_name: String = v
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url_encode(&v.file_name);
    let disposition = format!(
        "{}; filename=\"{safe_name}\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    );
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&v.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(d) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        ),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "citizen_cases.html")]
struct CitizenCasesPage {
    ctx: PageCtx,
    cases: Vec<crate::service::CitizenCase>,
}

async fn citizen_cases(
    State(p): State<Pages>,
    ctx: PageCtx,
    identity::http::auth::CitizenUser(actor, _): identity::http::auth::CitizenUser,
) -> Result<CitizenCasesPage, AppError> {
    Ok(CitizenCasesPage {
        cases: p.cases.citizen_cases(&actor).await?,
        ctx,
    })
}
