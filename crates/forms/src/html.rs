//! Editor pages of a service's form: its versions, the draft's definition
//! (JSON, with errors named by path), publishing, and a preview that shows
//! every step as applicants will see it.

use crate::definition::FormDefinition;
use crate::service::{FormsError, FormsService};
use crate::store::FormVersion;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::http::auth::StaffUser;
use kernel::{FieldErrors, FormVersionId, ServiceId};
use serde::Deserialize;
use std::sync::Arc;
use web::{AppError, CsrfForm, PageCtx, unprocessable};

type Svc = State<Arc<FormsService>>;

/// The form editor's pages.
pub fn router(svc: Arc<FormsService>) -> Router {
    Router::new()
        .route(
            "/arbeit/admin/leistungen/{id}/formular",
            get(editor).post(save),
        )
        .route(
            "/arbeit/admin/leistungen/{id}/formular/{version}/veroeffentlichen",
            post(publish),
        )
        .route(
            "/arbeit/admin/leistungen/{id}/formular/{version}/vorschau",
            get(preview),
        )
        .with_state(svc)
}

#[derive(Template, WebTemplate)]
#[template(path = "form_editor.html")]
struct EditorPage {
    ctx: PageCtx,
    service: ServiceId,
    title: String,
    versions: Vec<FormVersion>,
    definition: String,
    errors: FieldErrors,
    detail: Option<String>,
    message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct DefinitionForm {
    #[serde(default)]
    definition: String,
}

fn ids(service: &str) -> Result<ServiceId, AppError> {
    ServiceId::parse(service).ok_or(AppError::NotFound)
}

/// What the editor page shows besides the versions.
#[derive(Default)]
struct Shown {
    /// The definition text; the newest version's (or the example) when none.
    text: Option<String>,
    errors: FieldErrors,
    detail: Option<String>,
    message: Option<String>,
}

async fn page(
    svc: &FormsService,
    ctx: PageCtx,
    actor: &kernel::Actor,
    service: ServiceId,
    shown: Shown,
) -> Result<EditorPage, AppError> {
    let versions = svc.versions(actor, service).await?;
    let title = svc.service_title(service).await?;
    let definition = match shown.text {
        Some(t) => t,
        None => match versions.first() {
            Some(v) => serde_json::to_string_pretty(&v.definition).map_err(AppError::internal)?,
            None => include_str!("../../../docs/forms/bewohnerparkausweis.json").to_owned(),
        },
    };
    Ok(EditorPage {
        ctx,
        service,
        title,
        versions,
        definition,
        errors: shown.errors,
        detail: shown.detail,
        message: shown.message,
    })
}

async fn editor(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> Result<EditorPage, AppError> {
    let message =
        q.ok.filter(|o| o == "form_saved" || o == "form_published")
            .map(|o| format!("ok-{o}"));
    page(
        &svc,
        ctx,
        &actor,
        ids(&id)?,
        Shown {
            message,
            ..Shown::default()
        },
    )
    .await
}

async fn save(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DefinitionForm>,
) -> Result<Response, AppError> {
    let service = ids(&id)?;
    let def: FormDefinition = match serde_json::from_str(&form.definition) {
        Ok(d) => d,
        Err(e) => {
            let mut errors = FieldErrors::new();
            errors.add("definition", "definition_json_invalid");
            return Ok(unprocessable(
                page(
                    &svc,
                    ctx,
                    &actor,
                    service,
                    Shown {
                        text: Some(form.definition),
                        errors,
                        detail: Some(e.to_string()),
                        message: None,
                    },
                )
                .await?,
            ));
        }
    };
    let draft = svc
        .versions(&actor, service)
        .await?
        .into_iter()
        .find(|v| v.status == crate::store::VersionStatus::Draft);
    match draft {
        Some(d) => svc.update_draft(&actor, d.id, def).await?,
        None => svc.create_draft(&actor, service, def).await?,
    };
    Ok(Redirect::to(&format!(
        "/arbeit/admin/leistungen/{service}/formular?ok=form_saved"
    ))
    .into_response())
}

async fn publish(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, version)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let service = ids(&id)?;
    let version = FormVersionId::parse(&version).ok_or(AppError::NotFound)?;
    match svc.publish(&actor, version).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/arbeit/admin/leistungen/{service}/formular?ok=form_published"
        ))
        .into_response()),
        Err(FormsError::Invalid(problems)) => {
            let detail = problems
                .0
                .iter()
                .map(|p| format!("{}: {}", p.field, ctx.err(&p.code)))
                .collect::<Vec<_>>()
                .join("; ");
            let mut errors = FieldErrors::new();
            errors.add("definition", "definition_not_publishable");
            Ok(unprocessable(
                page(
                    &svc,
                    ctx,
                    &actor,
                    service,
                    Shown {
                        text: None,
                        errors,
                        detail: Some(detail),
                        message: None,
                    },
                )
                .await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "form_preview.html")]
struct PreviewPage {
    ctx: PageCtx,
    service: ServiceId,
    version: FormVersion,
}

async fn preview(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, version)): Path<(String, String)>,
) -> Result<PreviewPage, AppError> {
    let service = ids(&id)?;
    let version_id = FormVersionId::parse(&version).ok_or(AppError::NotFound)?;
    let version = svc
        .versions(&actor, service)
        .await?
        .into_iter()
        .find(|v| v.id == version_id)
        .ok_or(AppError::NotFound)?;
    Ok(PreviewPage {
        ctx,
        service,
        version,
    })
}
