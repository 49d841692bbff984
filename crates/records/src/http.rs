//! The file-plan pages of the workplace: every staff member reads the
//! plan; the records office adds and changes nodes (code, parent, title,
//! retention, disposal), imports a plan as JSON and exports it.

use crate::domain::{Disposal, FilePlanFile, PlanNode, PlanNodeInput};
use crate::service::{RecordsError, RecordsService};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::http::auth::StaffUser;
use kernel::{FieldErrors, Role};
use std::sync::Arc;
use web::{AppError, PageCtx};

/// The file-plan pages.
pub fn router(records: Arc<RecordsService>) -> Router {
    Router::new()
        .route("/arbeit/aktenplan", get(plan_page).post(save_node))
        .route("/arbeit/aktenplan/import", post(import))
        .route("/arbeit/aktenplan/export", get(export))
        .with_state(records)
}

fn app_error(e: RecordsError) -> AppError {
    match e {
        RecordsError::Invalid(errors) => AppError::Invalid {
            detail: "Fix the fields named.".into(),
            errors,
        },
        RecordsError::Forbidden => AppError::Forbidden,
        RecordsError::NotFound => AppError::NotFound,
        other => AppError::internal(other.to_string()),
    }
}

/// The node form as typed.
#[derive(Debug, Default, serde::Deserialize)]
struct NodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    retention_years: String,
    #[serde(default)]
    disposal: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "file_plan.html")]
struct PlanPage {
    ctx: PageCtx,
    nodes: Vec<(PlanNode, usize)>,
    editor: bool,
    form: NodeForm,
    errors: FieldErrors,
    saved: bool,
}

/// Nodes in code order with their depth (dots in the code).
fn with_depth(mut nodes: Vec<PlanNode>) -> Vec<(PlanNode, usize)> {
    nodes.sort_by(|a, b| a.code.cmp(&b.code));
    nodes
        .into_iter()
        .map(|n| {
            let depth = n.code.matches('.').count();
            (n, depth)
        })
        .collect()
}

async fn render(
    records: &RecordsService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    form: NodeForm,
    errors: FieldErrors,
    saved: bool,
) -> Result<PlanPage, AppError> {
    let nodes = records.plan(actor).await.map_err(app_error)?;
    Ok(PlanPage {
        ctx,
        nodes: with_depth(nodes),
        editor: actor.has_role_anywhere(Role::RecordsOffice),
        form,
        errors,
        saved,
    })
}

#[derive(Debug, serde::Deserialize)]
struct Saved {
    #[serde(default)]
    ok: Option<String>,
}

async fn plan_page(
    State(records): State<Arc<RecordsService>>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    axum::extract::Query(q): axum::extract::Query<Saved>,
) -> Result<PlanPage, AppError> {
    render(
        &records,
        ctx,
        &actor,
        NodeForm::default(),
        FieldErrors::new(),
        q.ok.is_some(),
    )
    .await
}

/// Field errors of a one-node import, named as the form's fields.
fn form_errors(e: FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    for f in e.0 {
        let field = f
            .field
            .strip_prefix("nodes[0].")
            .unwrap_or(&f.field)
            .to_owned();
        out.add(&field, &f.code);
    }
    out
}

async fn save_node(
    State(records): State<Arc<RecordsService>>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): web::CsrfForm<NodeForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let retention = form.retention_years.trim().parse::<i64>().ok();
    if retention.is_none() {
        errors.add("retention_years", "retention_invalid");
    }
    let disposal = Disposal::parse(&form.disposal);
    if disposal.is_none() {
        errors.add("disposal", "disposal_missing");
    }
    let result = match (retention, disposal) {
        (Some(retention_years), Some(disposal)) => {
            let parent = form.parent.trim();
            records
                .import_plan(
                    &actor,
                    FilePlanFile {
                        format: FilePlanFile::FORMAT.into(),
                        nodes: vec![PlanNodeInput {
                            code: form.code.trim().to_owned(),
                            title: form.title.trim().to_owned(),
                            parent: (!parent.is_empty()).then(|| parent.to_owned()),
                            retention_years,
                            disposal,
                        }],
                    },
                )
                .await
        }
        _ => Err(RecordsError::Invalid(errors)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/arbeit/aktenplan?ok=1").into_response()),
        Err(RecordsError::Invalid(e)) => Ok(web::unprocessable(
            render(&records, ctx, &actor, form, form_errors(e), false).await?,
        )),
        Err(e) => Err(app_error(e)),
    }
}

async fn import(
    State(records): State<Arc<RecordsService>>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    form: web::CsrfFields,
) -> Result<Response, AppError> {
    let parsed = form
        .files
        .iter()
        .find(|f| f.field == "file")
        .map(|f| serde_json::from_slice::<FilePlanFile>(&f.bytes));
    let result = match parsed {
        None => {
            let mut e = FieldErrors::new();
            e.add("file", "file_missing");
            Err(RecordsError::Invalid(e))
        }
        Some(Err(_)) => {
            let mut e = FieldErrors::new();
            e.add("file", "file_plan_unreadable");
            Err(RecordsError::Invalid(e))
        }
        Some(Ok(plan)) => records.import_plan(&actor, plan).await,
    };
    match result {
        Ok(_) => Ok(Redirect::to("/arbeit/aktenplan?ok=1").into_response()),
        Err(RecordsError::Invalid(e)) => {
            // Errors inside the file are named by their path in it.
            let mut shown = FieldErrors::new();
            for f in e.0 {
                shown.add("file", &f.code);
            }
            Ok(web::unprocessable(
                render(&records, ctx, &actor, NodeForm::default(), shown, false).await?,
            ))
        }
        Err(e) => Err(app_error(e)),
    }
}

async fn export(
    State(records): State<Arc<RecordsService>>,
    StaffUser(actor, _): StaffUser,
) -> Result<Response, AppError> {
    let plan = records.export_plan(&actor).await.map_err(app_error)?;
    let body = serde_json::to_vec_pretty(&plan).map_err(AppError::internal)?;
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"aktenplan.json\""),
    );
    Ok(res)
}
