//! Pages of notices: on the case page the clerk starts the notice, the
//! signer signs it finally, a failed typesetting is retried; admins edit
//! the Typst template and remedy text per case type and grant signing
//! authority.

use super::domain::Capacity;
use crate::http::{Pages, WorkForm, back, case_id, on_page};
use crate::service::CasesError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::http::auth::StaffUser;
use kernel::{FieldErrors, OrgUnitId, Role, ServiceId};
use uuid::Uuid;
use web::{AppError, PageCtx};

/// The notice routes.
pub fn router() -> Router<Pages> {
    Router::new()
        .route("/arbeit/vorgaenge/{id}/bescheid", post(start))
        .route(
            "/arbeit/vorgaenge/{id}/bescheid/{notice}/schlusszeichnen",
            post(sign),
        )
        .route(
            "/arbeit/vorgaenge/{id}/bescheid/{notice}/wiederholen",
            post(retry),
        )
        .route(
            "/arbeit/vorgaenge/{id}/bescheid/{notice}/ueberarbeiten",
            post(revise),
        )
        .route(
            "/arbeit/vorgaenge/{id}/bescheid/{notice}/bekanntgeben",
            post(deliver),
        )
        .route(
            "/arbeit/admin/vorgangsarten/{service}/bescheid",
            get(template_page).post(save_template),
        )
        .route(
            "/arbeit/admin/zeichnungsbefugnis",
            get(authorities).post(grant),
        )
        .route(
            "/arbeit/admin/zeichnungsbefugnis/{id}/entziehen",
            post(revoke),
        )
}

async fn start(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let result = p
        .cases
        .start_notice(&actor, id, form.revision, &form.decision)
        .await;
    on_page(&p, ctx, &actor, id, form, "#bescheid", result).await
}

async fn revise(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, notice)): Path<(String, String)>,
    web::CsrfForm(form): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let notice = Uuid::parse_str(&notice).map_err(|_| AppError::NotFound)?;
    let result = p
        .cases
        .revise_notice(&actor, id, notice, &form.decision)
        .await;
    on_page(&p, ctx, &actor, id, form, "#bescheid", result).await
}

async fn sign(
    State(p): State<Pages>,
    StaffUser(actor, _): StaffUser,
    Path((id, notice)): Path<(String, String)>,
    web::CsrfForm(_): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let notice = Uuid::parse_str(&notice).map_err(|_| AppError::NotFound)?;
    p.cases.sign_notice(&actor, id, notice).await?;
    Ok(back(id, "#bescheid"))
}

async fn retry(
    State(p): State<Pages>,
    StaffUser(actor, _): StaffUser,
    Path((id, notice)): Path<(String, String)>,
    web::CsrfForm(_): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let notice = Uuid::parse_str(&notice).map_err(|_| AppError::NotFound)?;
    p.cases.retry_notice(&actor, id, notice).await?;
    Ok(back(id, "#bescheid"))
}

#[derive(Debug, Default, serde::Deserialize)]
struct DeliverForm {
    #[serde(default)]
    channel: String,
}

async fn deliver(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, notice)): Path<(String, String)>,
    web::CsrfForm(form): web::CsrfForm<DeliverForm>,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let notice = Uuid::parse_str(&notice).map_err(|_| AppError::NotFound)?;
    let result = match mailbox::Channel::parse(&form.channel) {
        Some(c) => p.cases.deliver_notice(&actor, id, notice, c).await,
        None => {
            let mut e = FieldErrors::new();
            e.add("channel", "required");
            Err(CasesError::Invalid(e))
        }
    };
    on_page(
        &p,
        ctx,
        &actor,
        id,
        WorkForm::default(),
        "#bescheid",
        result,
    )
    .await
}

fn admin(actor: &kernel::Actor) -> Result<(), AppError> {
    if actor.has_role_anywhere(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "notice_template.html")]
struct TemplatePage {
    ctx: PageCtx,
    service: ServiceId,
    name: String,
    source: String,
    remedy: String,
    own: bool,
    errors: FieldErrors,
    /// Typst's messages when the template did not typeset.
    problem: Option<String>,
    saved: bool,
}

#[derive(Debug, serde::Deserialize)]
struct Saved {
    #[serde(default)]
    ok: Option<String>,
}

async fn template_page(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(service): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Saved>,
) -> Result<TemplatePage, AppError> {
    admin(&actor)?;
    let service = ServiceId::parse(&service).ok_or(AppError::NotFound)?;
    let t = p
        .cases
        .store
        .type_of_service(service)
        .await
        .map_err(CasesError::from)?
        .ok_or(AppError::NotFound)?;
    let (source, remedy, own) = p.cases.notice_template(t.id).await?;
    Ok(TemplatePage {
        ctx,
        service,
        name: t.input.name,
        source,
        remedy,
        own,
        errors: FieldErrors::new(),
        problem: None,
        saved: q.ok.is_some(),
    })
}

#[derive(Debug, Default, serde::Deserialize)]
struct TemplateForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    remedy: String,
}

async fn save_template(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(service): Path<String>,
    web::CsrfForm(form): web::CsrfForm<TemplateForm>,
) -> Result<Response, AppError> {
    admin(&actor)?;
    let service = ServiceId::parse(&service).ok_or(AppError::NotFound)?;
    let source = form.source.replace("\r\n", "\n");
    let remedy = form.remedy.replace("\r\n", "\n");
    let (errors, problem) = match p
        .cases
        .set_notice_template(&actor, service, &source, &remedy)
        .await
    {
        Ok(()) => {
            return Ok(Redirect::to(&format!(
                "/arbeit/admin/vorgangsarten/{service}/bescheid?ok=1"
            ))
            .into_response());
        }
        Err(CasesError::Invalid(errors)) => (errors, None),
        Err(CasesError::Template(message)) => {
            let mut e = FieldErrors::new();
            e.add("source", "template_error");
            (e, Some(message))
        }
        Err(e) => return Err(e.into()),
    };
    let name = p
        .cases
        .store
        .type_of_service(service)
        .await
        .map_err(CasesError::from)?
        .map(|t| t.input.name)
        .unwrap_or_default();
    Ok(web::unprocessable(TemplatePage {
        ctx,
        service,
        name,
        source,
        remedy,
        own: true,
        errors,
        problem,
        saved: false,
    }))
}

#[derive(Template, WebTemplate)]
#[template(path = "signing_authority.html")]
struct AuthorityPage {
    ctx: PageCtx,
    /// (grant id, person, unit, capacity key)
    rows: Vec<(Uuid, String, String, String)>,
    units: Vec<(String, String)>,
    capacities: Vec<&'static str>,
    form: GrantForm,
    errors: FieldErrors,
}

#[derive(Debug, Default, serde::Deserialize)]
struct GrantForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    capacity: String,
}

async fn authority_page(
    p: &Pages,
    ctx: PageCtx,
    actor: &kernel::Actor,
    form: GrantForm,
    errors: FieldErrors,
) -> Result<AuthorityPage, AppError> {
    let grants = p.cases.authorities(actor).await?;
    let system = kernel::Actor::system("cases");
    let units = p
        .cases
        .identity
        .org_units(&system)
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let mut rows = Vec::new();
    for g in grants {
        let person = match p
            .cases
            .identity
            .account(&system, kernel::AccountId(g.account_id))
            .await
        {
            Ok((a, _)) => format!("{} ({})", a.display_name, a.email),
            Err(_) => g.account_id.to_string(),
        };
        let unit = units
            .iter()
            .find(|u| u.id.0 == g.org_unit_id)
            .map(|u| format!("{} {}", u.code, u.name))
            .unwrap_or_default();
        rows.push((g.id, person, unit, g.capacity));
    }
    Ok(AuthorityPage {
        ctx,
        rows,
        units: units
            .into_iter()
            .map(|u| (u.code.clone(), format!("{} {}", u.code, u.name)))
            .collect(),
        capacities: Capacity::ALL.iter().map(|c| c.as_str()).collect(),
        form,
        errors,
    })
}

async fn authorities(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<AuthorityPage, AppError> {
    admin(&actor)?;
    authority_page(&p, ctx, &actor, GrantForm::default(), FieldErrors::new()).await
}

async fn grant(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): web::CsrfForm<GrantForm>,
) -> Result<Response, AppError> {
    admin(&actor)?;
    let mut errors = FieldErrors::new();
    let account = p
        .cases
        .identity
        .account_id_by_email(form.email.trim())
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    if account.is_none() {
        errors.add("email", "account_unknown");
    }
    let units = p
        .cases
        .identity
        .org_units(&kernel::Actor::system("cases"))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let unit: Option<OrgUnitId> = units.iter().find(|u| u.code == form.unit).map(|u| u.id);
    if unit.is_none() {
        errors.add("unit", "unit_unknown");
    }
    let capacity = Capacity::parse(&form.capacity);
    if capacity.is_none() {
        errors.add("capacity", "required");
    }
    let result = match (account, unit, capacity) {
        (Some(a), Some(u), Some(c)) if errors.is_empty() => {
            p.cases.grant_authority(&actor, a, u, c).await.map(|_| ())
        }
        _ => Err(CasesError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/arbeit/admin/zeichnungsbefugnis").into_response()),
        Err(CasesError::Invalid(errors)) => Ok(web::unprocessable(
            authority_page(&p, ctx, &actor, form, errors).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn revoke(
    State(p): State<Pages>,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(_): web::CsrfForm<WorkForm>,
) -> Result<Response, AppError> {
    admin(&actor)?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    p.cases.revoke_authority(&actor, id).await?;
    Ok(Redirect::to("/arbeit/admin/zeichnungsbefugnis").into_response())
}
