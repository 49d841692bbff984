//! Pages of fees: on the case page the clerk sets or waives the fee; the
//! treasury staff's page (/arbeit/kasse) hands claims over (CSV/JSON
//! downloads), imports camt.053 statements and clears listed payments;
//! the citizen's GiroCode image.

use super::service::{ExportedClaim, ImportReport, Resolution, TreasuryOverview, export_csv};
use crate::http::{Pages, WorkForm, case_id, on_page};
use crate::service::CasesError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::http::auth::{CitizenUser, StaffUser};
use kernel::FieldErrors;
use uuid::Uuid;
use web::{AppError, PageCtx};

/// Largest statement file (a year of a busy account is a few MB).
const MAX_STATEMENT_BYTES: usize = 32 * 1024 * 1024;

/// The fee routes.
pub fn router() -> Router<Pages> {
    Router::new()
        .route("/arbeit/vorgaenge/{id}/gebuehr", post(set_fee))
        .route("/arbeit/vorgaenge/{id}/gebuehr/erlassen", post(waive_fee))
        .route("/arbeit/kasse", get(treasury))
        .route("/arbeit/kasse/export", post(export))
        .route("/arbeit/kasse/exporte/{file}", get(export_file))
        .route("/arbeit/kasse/zahlungen/{id}", post(resolve))
        .route(
            "/arbeit/kasse/kontoauszug",
            post(import).layer(DefaultBodyLimit::max(MAX_STATEMENT_BYTES + 64 * 1024)),
        )
        .route("/konto/gebuehren/{id}/girocode.svg", get(girocode))
}

async fn set_fee(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let result = match super::domain::parse_euro(&form.amount) {
        None => {
            let mut e = FieldErrors::new();
            e.add("amount", "amount_invalid");
            Err(CasesError::Invalid(e))
        }
        Some(cents) => {
            p.cases
                .set_fee(&actor, id, form.revision, cents, &form.purpose)
                .await
        }
    };
    on_page(&p, ctx, &actor, id, form, "#gebuehr", result).await
}

async fn waive_fee(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let result = p
        .cases
        .waive_fee(&actor, id, form.revision, &form.reason)
        .await;
    on_page(&p, ctx, &actor, id, form, "#gebuehr", result).await
}

#[derive(Template, WebTemplate)]
#[template(path = "treasury.html")]
struct TreasuryPage {
    ctx: PageCtx,
    o: TreasuryOverview,
    report: Option<ImportReport>,
    /// Why the uploaded file was refused: (code, where).
    refused: Option<(String, String)>,
    errors: FieldErrors,
    /// The payment whose form had the error.
    failed: Option<Uuid>,
    exported: Option<i64>,
}

impl TreasuryPage {
    fn euro(&self, cents: &i64) -> String {
        forms::view::euro(*cents)
    }

    fn outcome_key(&self, outcome: &str) -> String {
        format!("payment-outcome-{outcome}")
    }

    /// The error of `field` in the form of payment `id` (only the form
    /// that was sent shows it).
    fn err_of(&self, id: &Uuid, field: &str) -> Option<&kernel::FieldError> {
        if self.failed == Some(*id) {
            self.errors.get(field)
        } else {
            None
        }
    }
}

async fn overview(
    p: &Pages,
    ctx: PageCtx,
    actor: &kernel::Actor,
) -> Result<TreasuryPage, AppError> {
    Ok(TreasuryPage {
        o: p.cases.treasury_overview(actor).await?,
        ctx,
        report: None,
        refused: None,
        errors: FieldErrors::new(),
        failed: None,
        exported: None,
    })
}

#[derive(Debug, serde::Deserialize)]
struct Shown {
    #[serde(default)]
    export: Option<i64>,
}

async fn treasury(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    axum::extract::Query(q): axum::extract::Query<Shown>,
) -> Result<TreasuryPage, AppError> {
    let mut page = overview(&p, ctx, &actor).await?;
    page.exported = q.export;
    Ok(page)
}

async fn export(
    State(p): State<Pages>,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(_): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let n = p
        .cases
        .create_export(&actor)
        .await?
        .map(|e| e.claims)
        .unwrap_or(0);
    Ok(Redirect::to(&format!("/arbeit/kasse?export={n}#exporte")).into_response())
}

/// `{id}.csv` or `{id}.json`.
async fn export_file(
    State(p): State<Pages>,
    StaffUser(actor, _): StaffUser,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let (id, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let (export, claims) = p.cases.export_claims(&actor, id).await?;
    let rows: Vec<ExportedClaim> = claims
        .iter()
        .map(|(c, r)| ExportedClaim::of(c, r))
        .collect();
    let name = format!(
        "sollstellungen-{}",
        export.created_at.format("%Y-%m-%d-%H%M%S")
    );
    let (body, media, name) = match ext {
        "csv" => (
            export_csv(&rows)?,
            "text/csv; charset=utf-8",
            format!("{name}.csv"),
        ),
        "json" => (
            serde_json::to_vec_pretty(&rows).map_err(AppError::internal)?,
            "application/json",
            format!("{name}.json"),
        ),
        _ => return Err(AppError::NotFound),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

async fn import(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    form: web::CsrfFields,
) -> Result<Response, AppError> {
    let Some(file) = form.files.iter().find(|f| f.field == "file") else {
        let mut page = overview(&p, ctx, &actor).await?;
        page.errors.add("file", "file_missing");
        return Ok(web::unprocessable(page));
    };
    match p.cases.import_statement(&actor, &file.bytes).await {
        Ok(report) => {
            let mut page = overview(&p, ctx, &actor).await?;
            page.report = Some(report);
            Ok(page.into_response())
        }
        Err(CasesError::Camt(e)) => {
            let mut page = overview(&p, ctx, &actor).await?;
            page.errors.add("file", e.code);
            page.refused = Some((e.code.to_owned(), e.at));
            Ok(web::unprocessable(page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct ResolveForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    note: String,
}

async fn resolve(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<ResolveForm>,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let resolution = match form.action.as_str() {
        "assign" => Resolution::Assign(form.reference),
        _ => Resolution::Done(form.note),
    };
    match p.cases.resolve_payment(&actor, id, resolution).await {
        Ok(_) => Ok(Redirect::to("/arbeit/kasse#klaerung").into_response()),
        Err(CasesError::Invalid(errors)) => {
            let mut page = overview(&p, ctx, &actor).await?;
            page.errors = errors;
            page.failed = Some(id);
            Ok(web::unprocessable(page))
        }
        Err(e) => Err(e.into()),
    }
}

async fn girocode(
    State(p): State<Pages>,
    CitizenUser(actor, _): CitizenUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let svg = p.cases.own_girocode(&actor, id).await?;
    let mut res = svg.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}
