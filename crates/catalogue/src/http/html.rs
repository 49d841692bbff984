//! Pages: the portal start page with search and life situations, search
//! results, the service page, and the editors' list, form, import and
//! export under `/arbeit/admin/leistungen`.

use crate::domain::{
    Fee, LegalRef, LifeSituation, Service, ServiceInput, ServiceStatus, render_markdown,
};
use crate::service::{CatalogueError, CatalogueService, ServiceView};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::domain::OrgUnit;
use identity::http::auth::StaffUser;
use kernel::{FieldErrors, OrgUnitId, ServiceId};
use serde::Deserialize;
use std::sync::Arc;
use web::{AppError, CsrfForm, PageCtx, unprocessable};

type Svc = State<Arc<CatalogueService>>;

/// The catalogue's pages.
pub fn router(svc: Arc<CatalogueService>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/leistungen", get(results))
        .route("/leistungen/{slug}", get(service_page))
        .route("/arbeit/admin/leistungen", get(admin_list))
        .route(
            "/arbeit/admin/leistungen/neu",
            get(admin_new).post(admin_create),
        )
        .route("/arbeit/admin/leistungen/export", get(admin_export))
        .route(
            "/arbeit/admin/leistungen/import",
            get(admin_import_page).post(admin_import),
        )
        .route(
            "/arbeit/admin/leistungen/{id}",
            get(admin_edit).post(admin_update),
        )
        .route("/arbeit/admin/leistungen/{id}/vorschau", get(admin_preview))
        .route(
            "/arbeit/admin/leistungen/{id}/veroeffentlichen",
            post(admin_publish),
        )
        .route(
            "/arbeit/admin/leistungen/{id}/zurueckziehen",
            post(admin_unpublish),
        )
        .with_state(svc)
}

/// The plain-language label key of a maturity level.
pub fn maturity_key(level: impl std::borrow::Borrow<i64>) -> String {
    format!("maturity-{}", level.borrow().clamp(&0, &4))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    situations: Vec<LifeSituation>,
}

async fn home(State(svc): Svc, ctx: PageCtx) -> Result<HomePage, AppError> {
    Ok(HomePage {
        ctx,
        situations: svc.life_situations().await?,
    })
}

#[derive(Debug, Default, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    lage: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "results.html")]
struct ResultsPage {
    ctx: PageCtx,
    q: String,
    situation: Option<LifeSituation>,
    services: Vec<Service>,
    total: usize,
}

async fn results(
    State(svc): Svc,
    ctx: PageCtx,
    Query(q): Query<SearchQuery>,
) -> Result<ResultsPage, AppError> {
    let situations = svc.life_situations().await?;
    let situation = situations.into_iter().find(|l| l.slug == q.lage);
    let query: String = q.q.chars().take(200).collect();
    let found = svc
        .search(&query, situation.as_ref().map(|l| l.slug.as_str()), 50)
        .await?;
    Ok(ResultsPage {
        ctx,
        q: query,
        situation,
        services: found.services,
        total: found.total,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "service.html")]
struct ServicePage {
    ctx: PageCtx,
    view: ServiceView,
    description_html: String,
    fee: Option<String>,
    preview: bool,
}

async fn service_page(
    State(svc): Svc,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<ServicePage, AppError> {
    let view = svc.published(&slug).await?;
    Ok(service_page_for(ctx, view, false))
}

fn service_page_for(ctx: PageCtx, view: ServiceView, preview: bool) -> ServicePage {
    let description_html = render_markdown(&view.service.input.long_description);
    let fee = view.service.input.fee.as_ref().and_then(Fee::display);
    ServicePage {
        ctx,
        view,
        description_html,
        fee,
        preview,
    }
}

// --- editors ------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "admin_services.html")]
struct AdminListPage {
    ctx: PageCtx,
    services: Vec<Service>,
    message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

fn notice(ok: Option<&str>) -> Option<String> {
    let key = ok?;
    [
        "service_created",
        "service_saved",
        "service_published",
        "service_unpublished",
        "catalogue_imported",
    ]
    .contains(&key)
    .then(|| format!("ok-{key}"))
}

async fn admin_list(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(q): Query<OkQuery>,
) -> Result<AdminListPage, AppError> {
    Ok(AdminListPage {
        ctx,
        services: svc.all(&actor).await?,
        message: notice(q.ok.as_deref()),
    })
}

/// The editor form as typed: lists one item per line, legal bases as
/// "Titel | https://…" per line.
#[derive(Debug, Default, Deserialize)]
struct ServiceForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    short_description: String,
    #[serde(default)]
    long_description: String,
    #[serde(default)]
    leika_key: String,
    #[serde(default)]
    life_situations: Vec<String>,
    #[serde(default)]
    prerequisites: String,
    #[serde(default)]
    required_documents: String,
    #[serde(default)]
    fee_kind: String,
    #[serde(default)]
    fee_amount: String,
    #[serde(default)]
    fee_rule: String,
    #[serde(default)]
    processing_time: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    org_unit: String,
    #[serde(default)]
    maturity_level: String,
    #[serde(default)]
    has_form: Option<String>,
    #[serde(default)]
    revision: i64,
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses "30,60" or "30.60" or "30" euros into cents.
fn parse_euros(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('€').trim().replace('.', ",");
    let (euros, cents) = match s.split_once(',') {
        Some((e, c)) if c.len() <= 2 && !c.is_empty() => (e, format!("{c:0<2}")),
        Some(_) => return None,
        None => (s.as_str(), "00".to_owned()),
    };
    let euros: i64 = euros.trim().parse().ok()?;
    let cents: i64 = cents.parse().ok()?;
    (euros >= 0).then_some(euros * 100 + cents)
}

impl ServiceForm {
    fn input(&self) -> (ServiceInput, FieldErrors) {
        let mut errors = FieldErrors::new();
        let fee = match self.fee_kind.as_str() {
            "fixed" => match parse_euros(&self.fee_amount) {
                Some(amount_cents) => Some(Fee::Fixed { amount_cents }),
                None => {
                    errors.add("fee_amount", "fee_amount_invalid");
                    Some(Fee::Fixed { amount_cents: 0 })
                }
            },
            "rule" => Some(Fee::Rule {
                text: self.fee_rule.trim().to_owned(),
            }),
            "none" => Some(Fee::None),
            _ => None,
        };
        let legal_basis = lines(&self.legal_basis)
            .into_iter()
            .map(|l| match l.rsplit_once('|') {
                Some((t, u)) => LegalRef {
                    title: t.trim().to_owned(),
                    url: u.trim().to_owned(),
                },
                None => LegalRef {
                    title: l.clone(),
                    url: String::new(),
                },
            })
            .collect();
        let maturity_level = self.maturity_level.trim().parse().unwrap_or(-1);
        let input = ServiceInput {
            slug: self.slug.trim().to_owned(),
            title: self.title.clone(),
            short_description: self.short_description.clone(),
            long_description: self.long_description.clone(),
            leika_key: self.leika_key.trim().to_owned(),
            life_situations: self.life_situations.clone(),
            prerequisites: lines(&self.prerequisites),
            required_documents: lines(&self.required_documents),
            fee,
            processing_time: self.processing_time.clone(),
            legal_basis,
            org_unit: OrgUnitId::parse(&self.org_unit),
            maturity_level,
            has_form: self.has_form.is_some(),
        };
        (input, errors)
    }

    fn from_service(s: &Service) -> ServiceForm {
        let i = &s.input;
        let (fee_kind, fee_amount, fee_rule) = match &i.fee {
            Some(Fee::Fixed { amount_cents }) => (
                "fixed",
                format!("{},{:02}", amount_cents / 100, amount_cents % 100),
                String::new(),
            ),
            Some(Fee::Rule { text }) => ("rule", String::new(), text.clone()),
            _ => ("none", String::new(), String::new()),
        };
        ServiceForm {
            slug: i.slug.clone(),
            title: i.title.clone(),
            short_description: i.short_description.clone(),
            long_description: i.long_description.clone(),
            leika_key: i.leika_key.clone(),
            life_situations: i.life_situations.clone(),
            prerequisites: i.prerequisites.join("\n"),
            required_documents: i.required_documents.join("\n"),
            fee_kind: fee_kind.into(),
            fee_amount,
            fee_rule,
            processing_time: i.processing_time.clone(),
            legal_basis: i
                .legal_basis
                .iter()
                .map(|l| format!("{} | {}", l.title, l.url))
                .collect::<Vec<_>>()
                .join("\n"),
            org_unit: i.org_unit.map(|u| u.to_string()).unwrap_or_default(),
            maturity_level: i.maturity_level.to_string(),
            has_form: i.has_form.then(|| "on".into()),
            revision: s.revision,
        }
    }

    fn fee_is(&self, kind: &str) -> bool {
        self.fee_kind == kind
    }

    fn has_situation(&self, slug: &str) -> bool {
        self.life_situations.iter().any(|s| s == slug)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_service_form.html")]
struct FormPage {
    ctx: PageCtx,
    id: Option<ServiceId>,
    status: Option<ServiceStatus>,
    slug_live: Option<String>,
    form: ServiceForm,
    errors: FieldErrors,
    units: Vec<OrgUnit>,
    situations: Vec<LifeSituation>,
    message: Option<String>,
}

async fn form_page(
    svc: &CatalogueService,
    ctx: PageCtx,
    id: Option<ServiceId>,
    status: Option<ServiceStatus>,
    form: ServiceForm,
    errors: FieldErrors,
    message: Option<String>,
) -> Result<FormPage, AppError> {
    let slug_live = (status == Some(ServiceStatus::Published)).then(|| form.slug.clone());
    Ok(FormPage {
        ctx,
        id,
        status,
        slug_live,
        form,
        errors,
        units: svc.org_units().await?,
        situations: svc.life_situations().await?,
        message,
    })
}

async fn admin_new(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<FormPage, AppError> {
    svc.all(&actor).await?;
    let form = ServiceForm {
        fee_kind: "none".into(),
        maturity_level: "1".into(),
        ..Default::default()
    };
    form_page(&svc, ctx, None, None, form, FieldErrors::new(), None).await
}

fn merge(mut a: FieldErrors, b: FieldErrors) -> FieldErrors {
    for e in b.0 {
        if a.get(&e.field).is_none() {
            a.0.push(e);
        }
    }
    a
}

async fn admin_create(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    CsrfForm(form): CsrfForm<ServiceForm>,
) -> Result<Response, AppError> {
    let (input, form_errors) = form.input();
    let result = if form_errors.is_empty() {
        svc.create(&actor, input).await
    } else {
        Err(CatalogueError::Invalid(svc.problems(&input, None).await?))
    };
    match result {
        Ok(s) => Ok(Redirect::to(&format!(
            "/arbeit/admin/leistungen/{}?ok=service_created",
            s.id
        ))
        .into_response()),
        Err(CatalogueError::Invalid(errors)) => Ok(unprocessable(
            form_page(
                &svc,
                ctx,
                None,
                None,
                form,
                merge(form_errors, errors),
                None,
            )
            .await?,
        )),
        Err(e) => Err(e.into()),
    }
}

fn service_id(s: &str) -> Result<ServiceId, AppError> {
    ServiceId::parse(s).ok_or(AppError::NotFound)
}

async fn admin_edit(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> Result<FormPage, AppError> {
    let view = svc.get(&actor, service_id(&id)?).await?;
    let form = ServiceForm::from_service(&view.service);
    form_page(
        &svc,
        ctx,
        Some(view.service.id),
        Some(view.service.status),
        form,
        FieldErrors::new(),
        notice(q.ok.as_deref()),
    )
    .await
}

async fn admin_update(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ServiceForm>,
) -> Result<Response, AppError> {
    let id = service_id(&id)?;
    let current = svc.get(&actor, id).await?;
    let (input, form_errors) = form.input();
    let result = if form_errors.is_empty() {
        svc.update(&actor, id, input, form.revision).await
    } else {
        Err(CatalogueError::Invalid(
            svc.problems(&input, Some(id)).await?,
        ))
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/arbeit/admin/leistungen/{id}?ok=service_saved"))
                .into_response(),
        ),
        Err(CatalogueError::Invalid(errors)) => Ok(unprocessable(
            form_page(
                &svc,
                ctx,
                Some(id),
                Some(current.service.status),
                form,
                merge(form_errors, errors),
                None,
            )
            .await?,
        )),
        Err(CatalogueError::Conflict) => {
            let mut errors = FieldErrors::new();
            errors.add("title", "service_changed_meanwhile");
            let fresh = ServiceForm::from_service(&svc.get(&actor, id).await?.service);
            Ok((
                axum::http::StatusCode::CONFLICT,
                form_page(
                    &svc,
                    ctx,
                    Some(id),
                    Some(current.service.status),
                    fresh,
                    errors,
                    None,
                )
                .await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn admin_publish(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let id = service_id(&id)?;
    svc.publish(&actor, id).await?;
    Ok(Redirect::to(&format!(
        "/arbeit/admin/leistungen/{id}?ok=service_published"
    ))
    .into_response())
}

async fn admin_unpublish(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    let id = service_id(&id)?;
    svc.unpublish(&actor, id).await?;
    Ok(Redirect::to(&format!(
        "/arbeit/admin/leistungen/{id}?ok=service_unpublished"
    ))
    .into_response())
}

async fn admin_export(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
) -> Result<Response, AppError> {
    let file = svc.export(&actor).await?;
    let body = serde_json::to_vec_pretty(&file).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"leistungskatalog.json\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct ImportForm {
    #[serde(default)]
    catalogue: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_import.html")]
struct ImportPage {
    ctx: PageCtx,
    form: ImportForm,
    errors: FieldErrors,
    detail: Option<String>,
}

async fn admin_import_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<ImportPage, AppError> {
    svc.all(&actor).await?;
    Ok(ImportPage {
        ctx,
        form: ImportForm::default(),
        errors: FieldErrors::new(),
        detail: None,
    })
}

async fn admin_import(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    CsrfForm(form): CsrfForm<ImportForm>,
) -> Result<Response, AppError> {
    let parsed = serde_json::from_str::<crate::domain::CatalogueFile>(&form.catalogue)
        .map_err(|e| e.to_string());
    let file = match parsed {
        Ok(f) => f,
        Err(detail) => {
            let mut errors = FieldErrors::new();
            errors.add("catalogue", "catalogue_json_invalid");
            return Ok(unprocessable(ImportPage {
                ctx,
                form,
                errors,
                detail: Some(detail),
            }));
        }
    };
    match svc.import(&actor, file).await {
        Ok(_) => Ok(Redirect::to("/arbeit/admin/leistungen?ok=catalogue_imported").into_response()),
        Err(CatalogueError::Invalid(errors)) => {
            let detail = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, ctx.err(&e.code)))
                .collect::<Vec<_>>()
                .join("; ");
            let mut summary = FieldErrors::new();
            summary.add("catalogue", "catalogue_entries_invalid");
            Ok(unprocessable(ImportPage {
                ctx,
                form,
                errors: summary,
                detail: Some(detail),
            }))
        }
        Err(e) => Err(e.into()),
    }
}

/// The service page as a citizen would see it, for editors (any state).
async fn admin_preview(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<ServicePage, AppError> {
    let view = svc.get(&actor, service_id(&id)?).await?;
    Ok(service_page_for(ctx, view, true))
}
