//! The staff workplace's case pages: the queue of the units one works for
//! (soonest deadline first, overdue marked) and the case page with status,
//! deadline, documents and timeline; documents open from there. Clerks
//! filter their queue, assign, write internal notes, set follow-up dates,
//! ask the applicant for information and add documents; data protection
//! officers see who read a case.

use crate::service::{CaseView, CasesError, CasesService};
use crate::store::Case;
use crate::work::{AssigneeChoice, DueFilter, QueueFilter, Upload};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query};
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
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
            CasesError::Conflict(s) => AppError::Conflict(s),
            CasesError::Template(message) => {
                let mut errors = kernel::FieldErrors::new();
                errors.add("source", "template_error");
                AppError::Invalid {
                    detail: format!("The template cannot be typeset: {message}"),
                    errors,
                }
            }
            CasesError::Camt(e) => {
                let mut errors = kernel::FieldErrors::new();
                errors.add("file", e.code);
                AppError::Invalid {
                    detail: format!("The file is not a valid camt.053 statement: {e}"),
                    errors,
                }
            }
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

/// The case pages. Upload routes take bodies up to the upload limit.
pub fn router(pages: Pages) -> Router {
    let upload_limit =
        usize::try_from(pages.cases.settings.max_upload_bytes).unwrap_or(usize::MAX) + 64 * 1024;
    Router::new()
        .route("/arbeit/vorgaenge", get(queue))
        .route("/konto/vorgaenge", get(citizen_cases))
        .route("/arbeit/vorgaenge/{id}", get(case_page))
        .route(
            "/arbeit/vorgaenge/{id}/uebernehmen",
            axum::routing::post(claim),
        )
        .route("/arbeit/vorgaenge/{id}/status", axum::routing::post(status))
        .route("/arbeit/vorgaenge/{id}/zuweisen", post(assign))
        .route("/arbeit/vorgaenge/{id}/notiz", post(note))
        .route("/arbeit/vorgaenge/{id}/abschliessen", post(close))
        .route("/arbeit/vorgaenge/{id}/wiedervorlage", post(follow_up))
        .route(
            "/arbeit/vorgaenge/{id}/wiedervorlage/{follow_up}/erledigt",
            post(follow_up_done),
        )
        .route("/arbeit/vorgaenge/{id}/nachforderung", post(request))
        .route("/arbeit/vorgaenge/{id}/zugriffe", get(access))
        .route("/arbeit/vorgaenge/zugriffe", get(access_by_reference))
        .route("/arbeit/suche", get(search))
        .route("/arbeit/vorgaenge/{id}/dokumente/{version}", get(document))
        .merge(
            Router::new()
                .route("/arbeit/vorgaenge/{id}/dokumente", post(upload))
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .merge(crate::portal::router(upload_limit))
        .merge(crate::messages::pages::router(
            upload_limit.saturating_mul(crate::messages::MAX_FILES),
        ))
        .merge(crate::fees::pages::router())
        .merge(crate::notices::pages::router())
        .merge(crate::admin::router())
        .with_state(pages)
}

/// A row of the queue.
pub(crate) struct Row {
    case: Case,
    overdue: bool,
    mine: bool,
}

/// The queue's filters as the page's query string has them (German
/// parameter names, like the paths).
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct QueueParams {
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    typ: String,
    #[serde(default)]
    frist: String,
    #[serde(default)]
    bearbeitung: String,
    #[serde(default)]
    seite: u32,
}

impl QueueParams {
    fn filter(&self) -> QueueFilter {
        QueueFilter {
            status: Some(self.status.clone()).filter(|s| !s.is_empty()),
            case_type: kernel::CaseTypeId::parse(&self.typ),
            due: match self.frist.as_str() {
                "ueberfaellig" => Some(DueFilter::Overdue),
                "woche" => Some(DueFilter::Week),
                _ => None,
            },
            assignee: match self.bearbeitung.as_str() {
                "ich" => AssigneeChoice::Me,
                "niemand" => AssigneeChoice::Nobody,
                other => kernel::AccountId::parse(other)
                    .map(AssigneeChoice::Account)
                    .unwrap_or_default(),
            },
            closed: self.status == "alle",
            page: self.seite.min(100_000),
        }
    }

    /// The query string of this filter on another page.
    fn page_link(&self, page: u32) -> String {
        format!(
            "?status={}&typ={}&frist={}&bearbeitung={}&seite={page}",
            web::download::url_encode(&self.status),
            web::download::url_encode(&self.typ),
            web::download::url_encode(&self.frist),
            web::download::url_encode(&self.bearbeitung)
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "case_queue.html")]
struct QueuePage {
    ctx: PageCtx,
    rows: Vec<Row>,
    params: QueueParams,
    statuses: Vec<(String, String)>,
    types: Vec<(String, String)>,
    due: Vec<crate::store::DueFollowUp>,
    prev: Option<String>,
    next: Option<String>,
}

async fn queue(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(params): Query<QueueParams>,
) -> Result<QueuePage, AppError> {
    let now = p.clock.now();
    let page = p.cases.queue_page(&actor, &params.filter()).await?;
    let me = actor.account.map(|a| a.0);
    let rows = page
        .cases
        .into_iter()
        .map(|case| Row {
            overdue: case.deadline < now && case.deadline_stopped_at.is_none(),
            mine: case.assignee_id.is_some() && case.assignee_id == me,
            case,
        })
        .collect();
    let case_types = p.cases.case_types().await?;
    let mut statuses: Vec<(String, String)> = Vec::new();
    for t in &case_types {
        for st in &t.input.statuses {
            if !statuses.iter().any(|(k, _)| *k == st.key) {
                statuses.push((st.key.clone(), st.label.clone()));
            }
        }
    }
    Ok(QueuePage {
        rows,
        statuses,
        types: case_types
            .iter()
            .map(|t| (t.id.to_string(), t.input.name.clone()))
            .collect(),
        due: p.cases.due_follow_ups(&actor).await?,
        prev: (page.page > 0).then(|| params.page_link(page.page - 1)),
        next: page.has_more.then(|| params.page_link(page.page + 1)),
        params,
        ctx,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "case_page.html")]
struct CasePage {
    ctx: PageCtx,
    view: CaseView,
    overdue: bool,
    next: Vec<(String, String)>,
    mine: bool,
    can_request: bool,
    /// Clerks the case can be assigned to (the page's select only).
    assignable: Vec<(kernel::AccountId, String)>,
    errors: kernel::FieldErrors,
    form: WorkForm,
    /// The fee proposed from the form's rule (amount as typed, purpose)
    /// while the case has no claim.
    fee: Option<(String, String)>,
    /// How the viewer may sign notices of this case, if at all.
    signing: Option<crate::notices::domain::Capacity>,
    /// Whether the applicant can receive notices by retrieval.
    portal: bool,
}

impl CasePage {
    fn euro(&self, cents: &i64) -> String {
        forms::view::euro(*cents)
    }

    /// Whether a notice is being prepared (no second one then).
    fn notice_open(&self) -> bool {
        self.view
            .notices
            .iter()
            .any(|n| !n.notice.state().is_closed())
    }

    fn capacity_form(&self, c: &Option<String>) -> &'static str {
        c.as_deref()
            .and_then(crate::notices::domain::Capacity::parse)
            .map(|c| c.form())
            .unwrap_or("")
    }

    fn assignee_name(&self) -> Option<&str> {
        let a = self.view.case.assignee_id?;
        self.assignable
            .iter()
            .find(|(id, _)| id.0 == a)
            .map(|(_, n)| n.as_str())
    }

    fn is_selected(&self, account: &kernel::AccountId) -> bool {
        self.view.case.assignee_id == Some(account.0)
    }
}

pub(crate) fn case_id(s: &str) -> Result<CaseId, AppError> {
    CaseId::parse(s).ok_or(AppError::NotFound)
}

async fn case_page(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<CasePage, AppError> {
    page(
        &p,
        ctx,
        &actor,
        case_id(&id)?,
        kernel::FieldErrors::new(),
        WorkForm::default(),
    )
    .await
}

async fn page(
    p: &Pages,
    ctx: PageCtx,
    actor: &kernel::Actor,
    id: CaseId,
    errors: kernel::FieldErrors,
    form: WorkForm,
) -> Result<CasePage, AppError> {
    let view = p.cases.case_view(actor, id).await?;
    let next = p.cases.next_statuses(&view.case).await?;
    let can_request = p.cases.can_request(&view.case).await?;
    let assignable = p
        .cases
        .assignable(kernel::OrgUnitId(view.case.org_unit_id))
        .await?;
    let fee = match &view.claim {
        Some(_) => None,
        None if !form.amount.is_empty() || !form.purpose.is_empty() => {
            Some((form.amount.clone(), form.purpose.clone()))
        }
        None => {
            let (cents, purpose) = p.cases.fee_proposal(&view.case).await?;
            let amount = if cents > 0 {
                forms::view::euro(cents).trim_end_matches(" €").to_owned()
            } else {
                String::new()
            };
            Some((amount, purpose))
        }
    };
    let signing = p
        .cases
        .signing_capacity(actor, kernel::OrgUnitId(view.case.org_unit_id))
        .await?;
    let portal = p.cases.portal_possible(&view.case).await?;
    Ok(CasePage {
        portal,
        signing,
        fee,
        can_request,
        assignable,
        form,
        overdue: view.case.deadline < p.clock.now()
            && view.case.phase != "closed"
            && view.case.deadline_stopped_at.is_none(),
        mine: view.case.assignee_id.is_some()
            && view.case.assignee_id == actor.account.map(|a| a.0),
        next,
        view,
        ctx,
        errors,
    })
}

/// Every form of the case page (each sends the fields it has).
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct WorkForm {
    #[serde(default)]
    pub(crate) revision: i64,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) assignee: String,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) due_on: String,
    #[serde(default)]
    pub(crate) account: String,
    #[serde(default)]
    pub(crate) follow_note: String,
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) request_due_on: String,
    #[serde(default)]
    pub(crate) amount: String,
    #[serde(default)]
    pub(crate) purpose: String,
    #[serde(default)]
    pub(crate) reason: String,
    #[serde(default)]
    pub(crate) decision: String,
    #[serde(default)]
    pub(crate) outcome: String,
    #[serde(default)]
    pub(crate) body: String,
}

/// A date as `2026-12-24` (date inputs) or `24.12.2026` (typed).
pub(crate) fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    let s = s.trim();
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

pub(crate) fn back(id: CaseId, anchor: &str) -> Response {
    Redirect::to(&format!("/arbeit/vorgaenge/{id}{anchor}")).into_response()
}

/// Runs a change of the case page: back to the page on success, the page
/// with the error summary (422) when the input was invalid.
pub(crate) async fn on_page<T>(
    p: &Pages,
    ctx: PageCtx,
    actor: &kernel::Actor,
    id: CaseId,
    form: WorkForm,
    anchor: &str,
    result: Result<T, CasesError>,
) -> Result<Response, AppError> {
    match result {
        Ok(_) => Ok(back(id, anchor)),
        Err(CasesError::Invalid(errors)) => Ok(web::unprocessable(
            page(p, ctx, actor, id, errors, form).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn assign(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let result = match kernel::AccountId::parse(&form.assignee) {
        Some(to) => p.cases.assign(&actor, id, to, form.revision).await,
        None => {
            let mut e = kernel::FieldErrors::new();
            e.add("assignee", "assignee_not_in_unit");
            Err(CasesError::Invalid(e))
        }
    };
    on_page(&p, ctx, &actor, id, form, "", result).await
}

async fn note(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let result = p.cases.add_note(&actor, id, &form.note).await;
    on_page(&p, ctx, &actor, id, form, "#verlauf", result).await
}

async fn close(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let result = p
        .cases
        .close_case(&actor, id, form.revision, &form.outcome)
        .await;
    on_page(&p, ctx, &actor, id, form, "#abschluss", result).await
}

async fn follow_up(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let result = p
        .cases
        .add_follow_up(
            &actor,
            id,
            kernel::AccountId::parse(&form.account),
            parse_date(&form.due_on),
            &form.follow_note,
        )
        .await;
    on_page(&p, ctx, &actor, id, form, "#wiedervorlagen", result).await
}

async fn follow_up_done(
    State(p): State<Pages>,
    StaffUser(actor, _): StaffUser,
    Path((id, follow_up)): Path<(String, String)>,
    web::CsrfForm(_): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let f = uuid::Uuid::parse_str(&follow_up).map_err(|_| AppError::NotFound)?;
    p.cases.finish_follow_up(&actor, id, f).await?;
    Ok(back(id, "#wiedervorlagen"))
}

async fn request(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let result = p
        .cases
        .request_information(
            &actor,
            id,
            &form.message,
            parse_date(&form.request_due_on),
            form.revision,
        )
        .await;
    on_page(&p, ctx, &actor, id, form, "#nachforderungen", result).await
}

async fn upload(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    form: web::CsrfFields,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let field = |k: &str| form.get(k).unwrap_or("").to_owned();
    let result = match form.files.iter().find(|f| f.field == "file") {
        None => {
            let mut e = kernel::FieldErrors::new();
            e.add("file", "file_missing");
            Err(CasesError::Invalid(e))
        }
        Some(f) => {
            p.cases
                .upload(
                    &actor,
                    id,
                    Upload {
                        title: field("title"),
                        document: kernel::DocumentId::parse(&field("document")),
                        file_name: f.file_name.clone(),
                        bytes: f.bytes.clone(),
                        note: field("version_note"),
                    },
                    None,
                )
                .await
        }
    };
    on_page(
        &p,
        ctx,
        &actor,
        id,
        WorkForm::default(),
        "#dokumente",
        result,
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "case_access.html")]
struct AccessPage {
    ctx: PageCtx,
    case: Case,
    records: Vec<crate::work::AccessRecord>,
}

/// Who read or changed a case (data protection officers).
async fn access(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<AccessPage, AppError> {
    let (case, records) = p.cases.access_records(&actor, case_id(&id)?).await?;
    Ok(AccessPage { ctx, case, records })
}

async fn claim(
    State(p): State<Pages>,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
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
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let result = p
        .cases
        .change_status(&actor, id, &form.status, form.revision)
        .await;
    on_page(&p, ctx, &actor, id, form, "", result).await
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
    Ok(serve_version(&v, bytes))
}

/// The response carrying a version's content (pages and API alike).
pub(crate) fn serve_version(v: &records::store::Version, bytes: bytes::Bytes) -> Response {
    web::download::file(&v.file_name, &v.media_type, bytes)
}

#[derive(Template, WebTemplate)]
#[template(path = "citizen_cases.html")]
struct CitizenCasesPage {
    ctx: PageCtx,
    cases: Vec<crate::service::CitizenCase>,
    answered: bool,
}

impl CitizenCasesPage {
    fn euro(&self, cents: i64) -> String {
        forms::view::euro(cents)
    }
}

#[derive(Debug, serde::Deserialize)]
struct CitizenParams {
    #[serde(default)]
    beantwortet: Option<String>,
}

async fn citizen_cases(
    State(p): State<Pages>,
    ctx: PageCtx,
    identity::http::auth::CitizenUser(actor, _): identity::http::auth::CitizenUser,
    Query(q): Query<CitizenParams>,
) -> Result<CitizenCasesPage, AppError> {
    Ok(CitizenCasesPage {
        cases: p.cases.citizen_cases(&actor).await?,
        answered: q.beantwortet.is_some(),
        ctx,
    })
}

#[derive(Debug, serde::Deserialize)]
struct ReferenceParams {
    #[serde(default)]
    aktenzeichen: String,
}

/// The data protection officer looks a case up by its file reference.
async fn access_by_reference(
    State(p): State<Pages>,
    StaffUser(actor, _): StaffUser,
    Query(q): Query<ReferenceParams>,
) -> Result<Response, AppError> {
    let case = p.cases.case_by_reference(&actor, &q.aktenzeichen).await?;
    Ok(Redirect::to(&format!("/arbeit/vorgaenge/{}/zugriffe", case.id)).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchView {
    ctx: PageCtx,
    q: String,
    results: Option<crate::work::SearchPage>,
}

/// Full-text search over the documents of one's cases.
async fn search(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(params): Query<SearchParams>,
) -> Result<SearchView, AppError> {
    let q = params.q.trim().to_owned();
    let results = if q.is_empty() {
        None
    } else {
        Some(p.cases.search(&actor, &q).await?)
    };
    Ok(SearchView { ctx, q, results })
}
