//! JSON API of mobile work: the agreement, enrolments, readiness, the
//! device inventory with its CSV import, and VPN grants.

use crate::devices::{DeviceInput, DeviceView, Equip, Inventory, MAX_CSV, VpnInput};
use crate::domain::{ConfirmedItem, DeviceKind, DeviceState};
use crate::service::{
    Agreement, AgreementInput, ApplyInput, DecideInput, EnrolmentView, Readiness, RevokeInput,
    WorkplaceError, WorkplaceService,
};
use crate::store::{DeviceEventRow, DeviceRow, EnrolmentRow, VpnGrantRow};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use identity::http::auth::ApiActor;
use kernel::{AccountId, Actor, FieldErrors};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use web::{ApiJson, AppError};

type Svc = State<Arc<WorkplaceService>>;

impl From<WorkplaceError> for AppError {
    fn from(e: WorkplaceError) -> AppError {
        match e {
            WorkplaceError::Invalid(errors) => AppError::Invalid {
                detail: "Fix the fields named.".into(),
                errors,
            },
            WorkplaceError::Import(lines) => {
                let mut errors = FieldErrors::new();
                for l in &lines {
                    let field = if l.column.is_empty() {
                        format!("lines[{}]", l.line)
                    } else {
                        format!("lines[{}].{}", l.line, l.column)
                    };
                    errors.add(&field, &l.code);
                }
                AppError::Invalid {
                    detail: format!(
                        "Nothing was imported: {} lines need fixing (line number, column, reason in invalid_params).",
                        lines.len()
                    ),
                    errors,
                }
            }
            WorkplaceError::Forbidden => AppError::Forbidden,
            WorkplaceError::NotFound => AppError::NotFound,
            WorkplaceError::Conflict(code) => {
                AppError::Conflict(web::Locale::En.t(&format!("err-{code}")))
            }
            other => AppError::internal(other.to_string()),
        }
    }
}

/// The mobile-work API.
pub fn router(svc: Arc<WorkplaceService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(agreements, set_agreement))
        .routes(routes!(apply))
        .routes(routes!(team_enrolments))
        .routes(routes!(decide))
        .routes(routes!(revoke))
        .routes(routes!(person_enrolments))
        .routes(routes!(readiness))
        .routes(routes!(confirm))
        .routes(routes!(devices, add_device))
        .routes(routes!(device))
        .routes(routes!(issue))
        .routes(routes!(acknowledge))
        .routes(routes!(device_action))
        .routes(routes!(inventory))
        .routes(routes!(to_equip))
        .routes(routes!(person_devices))
        .routes(routes!(grant_vpn))
        .routes(routes!(end_vpn))
        .routes(routes!(person_vpn))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import_devices))
                .layer(axum::extract::DefaultBodyLimit::max(MAX_CSV + 1)),
        )
        .with_state(svc)
}

fn id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// A person in a path: their id, or `me`.
fn person(actor: &Actor, s: &str) -> Result<AccountId, AppError> {
    if s == "me" {
        actor.account.ok_or(AppError::NotFound)
    } else {
        Ok(AccountId(id(s)?))
    }
}

/// Every version of the service agreement, newest first.
#[utoipa::path(get, path = "/api/v1/workplace/agreements", tag = "workplace",
    responses((status = 200, body = Vec<Agreement>), (status = 403, body = web::error::Problem)))]
async fn agreements(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<Agreement>>, AppError> {
    Ok(ApiJson(svc.agreements(&actor).await?))
}

/// HR sets a new version of the service agreement.
#[utoipa::path(post, path = "/api/v1/workplace/agreements", tag = "workplace", request_body = AgreementInput,
    responses((status = 201, body = Agreement), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn set_agreement(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<AgreementInput>,
) -> Result<(StatusCode, ApiJson<Agreement>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.set_agreement(&actor, input).await?),
    ))
}

/// Apply for mobile work (the caller); 409 with an open application or
/// enrolment.
#[utoipa::path(post, path = "/api/v1/workplace/enrolments", tag = "workplace", request_body = ApplyInput,
    responses((status = 201, body = EnrolmentRow), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn apply(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ApplyInput>,
) -> Result<(StatusCode, ApiJson<EnrolmentRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.apply(&actor, input).await?),
    ))
}

/// Applications and enrolments of the units the caller manages.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamEnrolments {
    /// Waiting for a decision.
    pub open: Vec<EnrolmentView>,
    /// Approved.
    pub approved: Vec<EnrolmentView>,
}

/// Applications waiting for the caller's decision and approved
/// enrolments of the units they manage.
#[utoipa::path(get, path = "/api/v1/workplace/enrolments/team", tag = "workplace",
    responses((status = 200, body = TeamEnrolments)))]
async fn team_enrolments(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<TeamEnrolments>, AppError> {
    let (open, approved) = svc.team_enrolments(&actor).await?;
    Ok(ApiJson(TeamEnrolments { open, approved }))
}

/// Approve or decline (with a reason) an application.
#[utoipa::path(post, path = "/api/v1/workplace/enrolments/{id}/decision", tag = "workplace", request_body = DecideInput,
    params(("id" = String, Path, description = "Enrolment id")),
    responses((status = 200, body = EnrolmentRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn decide(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(e): Path<String>,
    ApiJson(input): ApiJson<DecideInput>,
) -> Result<ApiJson<EnrolmentRow>, AppError> {
    Ok(ApiJson(svc.decide(&actor, id(&e)?, input).await?))
}

/// Revoke an application or enrolment (the person, their manager or HR);
/// mobile work ends after the agreement's notice.
#[utoipa::path(post, path = "/api/v1/workplace/enrolments/{id}/revocation", tag = "workplace", request_body = RevokeInput,
    params(("id" = String, Path, description = "Enrolment id")),
    responses((status = 200, body = EnrolmentRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn revoke(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(e): Path<String>,
    ApiJson(input): ApiJson<RevokeInput>,
) -> Result<ApiJson<EnrolmentRow>, AppError> {
    Ok(ApiJson(svc.revoke(&actor, id(&e)?, input).await?))
}

/// A person's enrolments, newest first (`me` for the caller).
#[utoipa::path(get, path = "/api/v1/workplace/people/{id}/enrolments", tag = "workplace",
    params(("id" = String, Path, description = "Account id or `me`")),
    responses((status = 200, body = Vec<EnrolmentRow>), (status = 403, body = web::error::Problem)))]
async fn person_enrolments(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<ApiJson<Vec<EnrolmentRow>>, AppError> {
    let p = person(&actor, &p)?;
    Ok(ApiJson(svc.enrolments_of(&actor, p).await?))
}

/// A person's readiness checklist (`me` for the caller).
#[utoipa::path(get, path = "/api/v1/workplace/people/{id}/readiness", tag = "workplace",
    params(("id" = String, Path, description = "Account id or `me`")),
    responses((status = 200, body = Readiness), (status = 403, body = web::error::Problem)))]
async fn readiness(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<ApiJson<Readiness>, AppError> {
    let p = person(&actor, &p)?;
    Ok(ApiJson(svc.readiness(&actor, p).await?))
}

/// When an item was done.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    /// The day (default today; not in the future).
    #[serde(default)]
    pub done_on: Option<NaiveDate>,
}

/// Confirm an item of a person's checklist: `agreement_signed`,
/// `privacy_training`, `security_training` or `self_check`.
#[utoipa::path(post, path = "/api/v1/workplace/people/{id}/readiness/{item}", tag = "workplace", request_body = ConfirmInput,
    params(("id" = String, Path, description = "Account id or `me`"), ("item" = String, Path, description = "The item")),
    responses((status = 200, body = Readiness), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn confirm(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((p, item)): Path<(String, String)>,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> Result<ApiJson<Readiness>, AppError> {
    let p = person(&actor, &p)?;
    let item = ConfirmedItem::parse(&item).ok_or(AppError::NotFound)?;
    Ok(ApiJson(svc.confirm(&actor, p, item, input.done_on).await?))
}

/// Filters of the device list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct DeviceFilter {
    /// `notebook`, `smartphone` or `tablet`.
    #[serde(default)]
    pub kind: Option<String>,
    /// `in_stock`, `issued`, `in_repair` or `retired`.
    #[serde(default)]
    pub state: Option<String>,
    /// Inventory number, serial, or part of the model.
    #[serde(default)]
    pub q: String,
}

fn filter_of<T: Copy>(
    v: &Option<String>,
    parse: fn(&str) -> Option<T>,
    field: &str,
) -> Result<Option<T>, AppError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse(s).map(Some).ok_or_else(|| {
            let mut e = FieldErrors::new();
            e.add(field, "filter_unknown");
            AppError::invalid(e)
        }),
    }
}

/// The device inventory (IT), at most 200 by inventory number.
#[utoipa::path(get, path = "/api/v1/workplace/devices", tag = "workplace", params(DeviceFilter),
    responses((status = 200, body = Vec<DeviceRow>), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn devices(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Query(f): Query<DeviceFilter>,
) -> Result<ApiJson<Vec<DeviceRow>>, AppError> {
    let kind = filter_of(&f.kind, DeviceKind::parse, "kind")?;
    let state = filter_of(&f.state, DeviceState::parse, "state")?;
    Ok(ApiJson(svc.devices(&actor, kind, state, &f.q).await?))
}

/// Add a device to the stock (IT).
#[utoipa::path(post, path = "/api/v1/workplace/devices", tag = "workplace", request_body = DeviceInput,
    responses((status = 201, body = DeviceRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn add_device(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<DeviceInput>,
) -> Result<(StatusCode, ApiJson<DeviceRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.add_device(&actor, input).await?),
    ))
}

/// How many devices an import added.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    /// Devices added.
    pub imported: usize,
}

/// Import devices from CSV (`text/csv` body; `;` or `,`; header
/// `Art;Modell;Seriennummer;Inventarnummer` or `kind,model,serial,
/// inventory_no`). All or nothing: 400 lists every bad line as
/// `lines[N].column` with the reason.
#[utoipa::path(post, path = "/api/v1/workplace/devices/import", tag = "workplace",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = Imported), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn import_devices(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    body: Bytes,
) -> Result<(StatusCode, ApiJson<Imported>), AppError> {
    let imported = svc.import_devices(&actor, &body).await?;
    Ok((StatusCode::CREATED, ApiJson(Imported { imported })))
}

/// A device with its holder and history (IT, or its holder).
#[utoipa::path(get, path = "/api/v1/workplace/devices/{id}", tag = "workplace",
    params(("id" = String, Path, description = "Device id")),
    responses((status = 200, body = DeviceView), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn device(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(d): Path<String>,
) -> Result<ApiJson<DeviceView>, AppError> {
    Ok(ApiJson(svc.device(&actor, id(&d)?).await?))
}

/// Whom a device goes to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueInput {
    /// The person.
    #[schema(value_type = String)]
    pub account_id: AccountId,
}

/// Issue a device in stock to a person (IT); they confirm receipt.
#[utoipa::path(post, path = "/api/v1/workplace/devices/{id}/issue", tag = "workplace", request_body = IssueInput,
    params(("id" = String, Path, description = "Device id")),
    responses((status = 200, body = DeviceRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn issue(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(d): Path<String>,
    ApiJson(input): ApiJson<IssueInput>,
) -> Result<ApiJson<DeviceRow>, AppError> {
    Ok(ApiJson(
        svc.issue_device(&actor, id(&d)?, input.account_id).await?,
    ))
}

/// The holder confirms receipt of a device.
#[utoipa::path(post, path = "/api/v1/workplace/devices/{id}/acknowledgement", tag = "workplace",
    params(("id" = String, Path, description = "Device id")),
    responses((status = 200, body = DeviceRow), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn acknowledge(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(d): Path<String>,
) -> Result<ApiJson<DeviceRow>, AppError> {
    Ok(ApiJson(svc.acknowledge_device(&actor, id(&d)?).await?))
}

/// A note with a device action.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// Why (optional).
    #[serde(default)]
    pub note: String,
}

/// Move a device (IT): `return` (into stock), `repair`, `repaired`
/// (back into stock) or `retire`.
#[utoipa::path(post, path = "/api/v1/workplace/devices/{id}/{action}", tag = "workplace", request_body = NoteInput,
    params(("id" = String, Path, description = "Device id"), ("action" = String, Path, description = "return, repair, repaired or retire")),
    responses((status = 200, body = DeviceRow), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn device_action(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((d, action)): Path<(String, String)>,
    ApiJson(input): ApiJson<NoteInput>,
) -> Result<ApiJson<DeviceRow>, AppError> {
    let d = id(&d)?;
    let row = match action.as_str() {
        "return" => svc.return_device(&actor, d, &input.note).await?,
        "repair" => svc.repair_device(&actor, d, &input.note).await?,
        "repaired" => svc.repaired_device(&actor, d).await?,
        "retire" => svc.retire_device(&actor, d, &input.note).await?,
        _ => return Err(AppError::NotFound),
    };
    Ok(ApiJson(row))
}

/// Devices per kind and state, and people with VPN access today (IT).
#[utoipa::path(get, path = "/api/v1/workplace/inventory", tag = "workplace",
    responses((status = 200, body = Inventory), (status = 403, body = web::error::Problem)))]
async fn inventory(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Inventory>, AppError> {
    Ok(ApiJson(svc.inventory(&actor).await?))
}

/// Approved people still lacking a device or VPN access (IT).
#[utoipa::path(get, path = "/api/v1/workplace/to-equip", tag = "workplace",
    responses((status = 200, body = Vec<Equip>), (status = 403, body = web::error::Problem)))]
async fn to_equip(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<Equip>>, AppError> {
    Ok(ApiJson(svc.to_equip(&actor).await?))
}

/// A person's devices and device history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonDevices {
    /// Held now.
    pub devices: Vec<DeviceRow>,
    /// Every event concerning them.
    pub history: Vec<DeviceEventRow>,
}

/// A person's devices with their history (`me` for the caller).
#[utoipa::path(get, path = "/api/v1/workplace/people/{id}/devices", tag = "workplace",
    params(("id" = String, Path, description = "Account id or `me`")),
    responses((status = 200, body = PersonDevices), (status = 403, body = web::error::Problem)))]
async fn person_devices(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<ApiJson<PersonDevices>, AppError> {
    let p = person(&actor, &p)?;
    let (devices, history) = svc.devices_of(&actor, p).await?;
    Ok(ApiJson(PersonDevices { devices, history }))
}

/// Grant VPN access for a period (IT).
#[utoipa::path(post, path = "/api/v1/workplace/vpn-grants", tag = "workplace", request_body = VpnInput,
    responses((status = 201, body = VpnGrantRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn grant_vpn(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<VpnInput>,
) -> Result<(StatusCode, ApiJson<VpnGrantRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.grant_vpn(&actor, input).await?),
    ))
}

/// End a VPN grant today (IT).
#[utoipa::path(post, path = "/api/v1/workplace/vpn-grants/{id}/end", tag = "workplace",
    params(("id" = String, Path, description = "Grant id")),
    responses((status = 200, body = VpnGrantRow), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn end_vpn(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(g): Path<String>,
) -> Result<ApiJson<VpnGrantRow>, AppError> {
    Ok(ApiJson(svc.end_vpn(&actor, id(&g)?).await?))
}

/// A person's VPN grants (`me` for the caller).
#[utoipa::path(get, path = "/api/v1/workplace/people/{id}/vpn-grants", tag = "workplace",
    params(("id" = String, Path, description = "Account id or `me`")),
    responses((status = 200, body = Vec<VpnGrantRow>), (status = 403, body = web::error::Problem)))]
async fn person_vpn(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<ApiJson<Vec<VpnGrantRow>>, AppError> {
    let p = person(&actor, &p)?;
    Ok(ApiJson(svc.vpn_of(&actor, p).await?))
}
