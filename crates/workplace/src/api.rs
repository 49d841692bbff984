//! JSON API of mobile work: the agreement, enrolments, readiness, the
//! device inventory with its CSV import, and VPN grants.

use crate::devices::{DeviceInput, DeviceView, Equip, Inventory, MAX_CSV, VpnInput};
use crate::domain::{ConfirmedItem, DeviceKind, DeviceState};
use crate::planner::Presence;
use crate::planning::{CellChange, MyDay, PlanView, TeamSettings};
use crate::reports::{Aggregates, PersonShare};
use crate::service::{
    Agreement, AgreementInput, ApplyInput, DecideInput, EnrolmentView, Readiness, RevokeInput,
    WorkplaceError, WorkplaceService,
};
use crate::store::{
    DeviceEventRow, DeviceRow, EnrolmentRow, LocationRow, PersonRow, PlanRow, RequestRow, SlotRow,
    TeamRow, VpnGrantRow,
};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use identity::http::auth::ApiActor;
use kernel::{AccountId, Actor, FieldErrors, OrgUnitId};
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
            WorkplaceError::Rules(failures) => {
                let mut errors = FieldErrors::new();
                for f in &failures {
                    errors.add("plan", &format!("rule_{}", f.rule));
                }
                AppError::Invalid {
                    detail: format!(
                        "Nothing was saved: the plan would break these rules: {}.",
                        failures
                            .iter()
                            .map(crate::planning::Failure::text)
                            .collect::<Vec<_>>()
                            .join("; ")
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
        .routes(routes!(team_settings, set_team))
        .routes(routes!(set_location))
        .routes(routes!(add_slot))
        .routes(routes!(remove_slot))
        .routes(routes!(set_skill))
        .routes(routes!(set_wishes))
        .routes(routes!(add_absence))
        .routes(routes!(generate))
        .routes(routes!(plan))
        .routes(routes!(edit))
        .routes(routes!(publish))
        .routes(routes!(request_change))
        .routes(routes!(answer_request))
        .routes(routes!(my_days))
        .routes(routes!(book))
        .routes(routes!(cancel_booking))
        .routes(routes!(new_feed))
        .routes(routes!(aggregates))
        .routes(routes!(shares))
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

// --- planning -------------------------------------------------------------

fn unit(s: &str) -> Result<OrgUnitId, AppError> {
    Ok(OrgUnitId(id(s)?))
}

/// A team's planning settings, members and plans (its manager).
#[utoipa::path(get, path = "/api/v1/workplace/teams/{unit}", tag = "workplace",
    params(("unit" = String, Path, description = "Org unit id")),
    responses((status = 200, body = TeamSettings), (status = 403, body = web::error::Problem)))]
async fn team_settings(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(u): Path<String>,
) -> Result<ApiJson<TeamSettings>, AppError> {
    Ok(ApiJson(svc.team_settings(&actor, unit(&u)?).await?))
}

/// A team's location and rotation mode.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    /// Where its desks are (none: no desk limit).
    #[serde(default)]
    pub location_id: Option<Uuid>,
    /// Rotation mode: cohorts never share a day on site.
    #[serde(default)]
    pub rotation: bool,
}

/// Set a team's location and rotation mode (its manager).
#[utoipa::path(put, path = "/api/v1/workplace/teams/{unit}", tag = "workplace", request_body = TeamInput,
    params(("unit" = String, Path, description = "Org unit id")),
    responses((status = 200, body = TeamRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn set_team(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(u): Path<String>,
    ApiJson(input): ApiJson<TeamInput>,
) -> Result<ApiJson<TeamRow>, AppError> {
    Ok(ApiJson(
        svc.set_team(&actor, unit(&u)?, input.location_id, input.rotation)
            .await?,
    ))
}

/// A location.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    /// An existing location to change (none: a new one).
    #[serde(default)]
    pub id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Desks.
    pub desks: u32,
}

/// Add a location or change its desks (HR or an admin).
#[utoipa::path(post, path = "/api/v1/workplace/locations", tag = "workplace", request_body = LocationInput,
    responses((status = 200, body = LocationRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn set_location(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<LocationInput>,
) -> Result<ApiJson<LocationRow>, AppError> {
    Ok(ApiJson(
        svc.set_location(&actor, input.id, &input.name, input.desks)
            .await?,
    ))
}

/// A consultation-hours slot.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotInput {
    /// ISO weekday (1 = Monday … 5 = Friday).
    pub weekday: u8,
    /// Label.
    pub label: String,
    /// The skill a person needs.
    pub skill: String,
    /// Qualified people needed on site.
    pub min_people: u32,
}

/// Add a weekly consultation-hours slot (the team's manager).
#[utoipa::path(post, path = "/api/v1/workplace/teams/{unit}/slots", tag = "workplace", request_body = SlotInput,
    params(("unit" = String, Path, description = "Org unit id")),
    responses((status = 201, body = SlotRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn add_slot(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(u): Path<String>,
    ApiJson(s): ApiJson<SlotInput>,
) -> Result<(StatusCode, ApiJson<SlotRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(
            svc.add_slot(
                &actor,
                unit(&u)?,
                s.weekday,
                &s.label,
                &s.skill,
                s.min_people,
            )
            .await?,
        ),
    ))
}

/// Remove a consultation-hours slot (the team's manager); plans made
/// before keep their cells, the next generation no longer covers it.
#[utoipa::path(delete, path = "/api/v1/workplace/teams/{unit}/slots/{slot}", tag = "workplace",
    params(("unit" = String, Path, description = "Org unit id"), ("slot" = String, Path, description = "Slot id")),
    responses((status = 204), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn remove_slot(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((u, slot)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let slot = id(&slot)?;
    svc.remove_slot(&actor, unit(&u)?, slot).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A skill to give or take.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillInput {
    /// The skill, e.g. "Bürgerberatung".
    pub skill: String,
    /// Give (true) or take (false).
    pub has: bool,
}

/// Give or take a person's skill (their manager).
#[utoipa::path(post, path = "/api/v1/workplace/people/{id}/skills", tag = "workplace", request_body = SkillInput,
    params(("id" = String, Path, description = "Account id")),
    responses((status = 204), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn set_skill(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
    ApiJson(s): ApiJson<SkillInput>,
) -> Result<StatusCode, AppError> {
    let p = person(&actor, &p)?;
    svc.set_skill(&actor, p, &s.skill, s.has).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Planning wishes (the person) and cohort (the manager).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WishesInput {
    /// ISO weekdays wished in the office.
    #[serde(default)]
    pub office_days: Option<Vec<u8>>,
    /// ISO weekdays wished mobile.
    #[serde(default)]
    pub mobile_days: Option<Vec<u8>>,
    /// Rotation cohort (0 = A …; only the manager).
    #[serde(default)]
    pub cohort: Option<u8>,
}

/// Set planning wishes (`me`) or a member's cohort (their manager).
#[utoipa::path(put, path = "/api/v1/workplace/people/{id}/wishes", tag = "workplace", request_body = WishesInput,
    params(("id" = String, Path, description = "Account id or `me`")),
    responses((status = 200, body = PersonRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn set_wishes(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
    ApiJson(w): ApiJson<WishesInput>,
) -> Result<ApiJson<PersonRow>, AppError> {
    let p = person(&actor, &p)?;
    Ok(ApiJson(
        svc.set_wishes(&actor, p, w.office_days, w.mobile_days, w.cohort.map(Some))
            .await?,
    ))
}

/// Days of absence.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbsenceInput {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// `leave`, `sick`, `training` or `other`.
    pub kind: String,
}

/// Record absence (`me`, or a member by their manager).
#[utoipa::path(post, path = "/api/v1/workplace/people/{id}/absences", tag = "workplace", request_body = AbsenceInput,
    params(("id" = String, Path, description = "Account id or `me`")),
    responses((status = 204), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn add_absence(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
    ApiJson(a): ApiJson<AbsenceInput>,
) -> Result<StatusCode, AppError> {
    let p = person(&actor, &p)?;
    svc.add_absence(&actor, p, a.from, a.to, &a.kind).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What to plan.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateInput {
    /// First day (not in the past).
    pub starts_on: NaiveDate,
    /// Weeks (1–13).
    pub weeks: u32,
}

/// Generate a draft plan (the team's manager). 400 with the rules that
/// cannot hold (`invalid_params` `plan` / `rule_…`, detail names day,
/// person and slot); nothing is saved then.
#[utoipa::path(post, path = "/api/v1/workplace/teams/{unit}/plans", tag = "workplace", request_body = GenerateInput,
    params(("unit" = String, Path, description = "Org unit id")),
    responses((status = 201, body = PlanRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn generate(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(u): Path<String>,
    ApiJson(g): ApiJson<GenerateInput>,
) -> Result<(StatusCode, ApiJson<PlanRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(
            svc.generate_plan(&actor, unit(&u)?, g.starts_on, g.weeks)
                .await?,
        ),
    ))
}

/// A plan as the caller may see it.
#[utoipa::path(get, path = "/api/v1/workplace/plans/{id}", tag = "workplace",
    params(("id" = String, Path, description = "Plan id")),
    responses((status = 200, body = PlanView), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn plan(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<ApiJson<PlanView>, AppError> {
    Ok(ApiJson(svc.plan_view(&actor, id(&p)?).await?))
}

/// Changes to a plan.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditInput {
    /// The plan's revision as read.
    pub revision: i64,
    /// The cells to change.
    pub changes: Vec<CellChange>,
}

/// Change cells of a plan (its manager); the plan is re-checked and
/// nothing is saved when a rule breaks (400 naming it).
#[utoipa::path(post, path = "/api/v1/workplace/plans/{id}/edits", tag = "workplace", request_body = EditInput,
    params(("id" = String, Path, description = "Plan id")),
    responses((status = 200, body = PlanRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn edit(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
    ApiJson(e): ApiJson<EditInput>,
) -> Result<ApiJson<PlanRow>, AppError> {
    Ok(ApiJson(
        svc.edit_plan(&actor, id(&p)?, e.revision, &e.changes)
            .await?,
    ))
}

/// The revision a step was taken on.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionInput {
    /// The plan's revision as read.
    pub revision: i64,
}

/// Publish a plan (its manager); the team is told by e-mail.
#[utoipa::path(post, path = "/api/v1/workplace/plans/{id}/publication", tag = "workplace", request_body = RevisionInput,
    params(("id" = String, Path, description = "Plan id")),
    responses((status = 200, body = PlanRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn publish(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
    ApiJson(r): ApiJson<RevisionInput>,
) -> Result<ApiJson<PlanRow>, AppError> {
    Ok(ApiJson(
        svc.publish_plan(&actor, id(&p)?, r.revision).await?,
    ))
}

/// A change a person asks for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequestInput {
    /// The day.
    pub day: NaiveDate,
    /// `on_site` or `mobile`.
    pub wanted: Presence,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// Ask to change one of the caller's days in a published plan.
#[utoipa::path(post, path = "/api/v1/workplace/plans/{id}/requests", tag = "workplace", request_body = ChangeRequestInput,
    params(("id" = String, Path, description = "Plan id")),
    responses((status = 201, body = RequestRow), (status = 400, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn request_change(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
    ApiJson(r): ApiJson<ChangeRequestInput>,
) -> Result<(StatusCode, ApiJson<RequestRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(
            svc.request_change(&actor, id(&p)?, r.day, r.wanted, &r.note)
                .await?,
        ),
    ))
}

/// An answer to a change request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// Accept (the change is applied after the check) or decline.
    pub accept: bool,
    /// Required to decline.
    #[serde(default)]
    pub answer: String,
}

/// Answer a change request (the manager).
#[utoipa::path(post, path = "/api/v1/workplace/requests/{id}/answer", tag = "workplace", request_body = AnswerInput,
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, body = RequestRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn answer_request(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
    ApiJson(a): ApiJson<AnswerInput>,
) -> Result<ApiJson<RequestRow>, AppError> {
    Ok(ApiJson(
        svc.answer_request(&actor, id(&r)?, a.accept, &a.answer)
            .await?,
    ))
}

/// The caller's days in published plans for the next four weeks, with
/// desk bookings.
#[utoipa::path(get, path = "/api/v1/workplace/me/days", tag = "workplace",
    responses((status = 200, body = Vec<MyDay>)))]
async fn my_days(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<MyDay>>, AppError> {
    Ok(ApiJson(svc.my_days(&actor, 28).await?))
}

/// A day to book a desk for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingInput {
    /// An office day of the caller in a published plan.
    pub day: NaiveDate,
}

/// A booking made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Booked {
    /// Its id.
    pub id: Uuid,
}

/// Book a desk (409 when the location is full that day).
#[utoipa::path(post, path = "/api/v1/workplace/desk-bookings", tag = "workplace", request_body = BookingInput,
    responses((status = 201, body = Booked), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn book(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(b): ApiJson<BookingInput>,
) -> Result<(StatusCode, ApiJson<Booked>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(Booked {
            id: svc.book_desk(&actor, b.day).await?,
        }),
    ))
}

/// Cancel a desk booking of the caller.
#[utoipa::path(delete, path = "/api/v1/workplace/desk-bookings/{id}", tag = "workplace",
    params(("id" = String, Path, description = "Booking id")),
    responses((status = 204), (status = 404, body = web::error::Problem)))]
async fn cancel_booking(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(b): Path<String>,
) -> Result<StatusCode, AppError> {
    svc.cancel_desk(&actor, id(&b)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whose calendar.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedInput {
    /// A team the caller manages (none: the caller's own days).
    #[serde(default)]
    pub team: Option<Uuid>,
}

/// A private calendar link.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedLink {
    /// The iCalendar URL (shown once; a new link ends the old one).
    pub url: String,
}

/// Create a private iCalendar link for the caller's days or a team.
#[utoipa::path(post, path = "/api/v1/workplace/calendar-links", tag = "workplace", request_body = FeedInput,
    responses((status = 201, body = FeedLink), (status = 403, body = web::error::Problem)))]
async fn new_feed(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(f): ApiJson<FeedInput>,
) -> Result<(StatusCode, ApiJson<FeedLink>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(FeedLink {
            url: svc.new_feed(&actor, f.team.map(OrgUnitId)).await?,
        }),
    ))
}

/// The month of a report.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct MonthParam {
    /// `YYYY-MM` (default: this month).
    #[serde(default)]
    pub month: String,
}

/// Aggregates per org unit for a month (HR and the staff council): no
/// figure for groups below the agreement's minimum.
#[utoipa::path(get, path = "/api/v1/workplace/reports/aggregates", tag = "workplace", params(MonthParam),
    responses((status = 200, body = Aggregates), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn aggregates(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Query(m): Query<MonthParam>,
) -> Result<ApiJson<Aggregates>, AppError> {
    let month = if m.month.trim().is_empty() {
        svc.today()
    } else {
        crate::plan_pages::month_of(&m.month).ok_or_else(|| {
            let mut e = FieldErrors::new();
            e.add("month", "workplace_month_invalid");
            AppError::invalid(e)
        })?
    };
    Ok(ApiJson(svc.aggregates(&actor, month).await?))
}

/// Each person's mobile share per month of a plan (its manager).
#[utoipa::path(get, path = "/api/v1/workplace/plans/{id}/shares", tag = "workplace",
    params(("id" = String, Path, description = "Plan id")),
    responses((status = 200, body = Vec<PersonShare>), (status = 403, body = web::error::Problem)))]
async fn shares(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(p): Path<String>,
) -> Result<ApiJson<Vec<PersonShare>>, AppError> {
    Ok(ApiJson(svc.plan_shares(&actor, id(&p)?).await?))
}
