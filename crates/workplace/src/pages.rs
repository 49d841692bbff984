//! Pages of mobile work in the staff workplace: the person's own page
//! (apply, checklist, devices), the manager's team page (decide, revoke,
//! readiness gaps), a person's checklist for manager, HR and IT, the IT
//! service's inventory (counts, worklist, devices, CSV import, VPN) and
//! the service agreement (read by all, new versions by HR).

use crate::devices::{DeviceInput, DeviceView, Equip, Inventory, VpnInput};
use crate::domain::{ConfirmedItem, DeviceKind, DeviceState, Eligibility, Visibility};
use crate::service::{
    Agreement, AgreementInput, ApplyInput, DecideInput, EnrolmentView, Exclusion, LineError,
    Readiness, RevokeInput, WorkplaceError, WorkplaceService,
};
use crate::store::{DeviceEventRow, DeviceRow, EnrolmentRow, VpnGrantRow};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use identity::http::auth::StaffUser;
use kernel::{AccountId, Actor, FieldErrors, OrgUnitId, Role};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;
use web::{AppError, PageCtx};

type Svc = State<Arc<WorkplaceService>>;
type Form = web::CsrfForm<HashMap<String, String>>;

/// The mobile-work pages.
pub fn router(svc: Arc<WorkplaceService>) -> Router {
    Router::new()
        .route("/arbeit/mobil", get(own_page))
        .route("/arbeit/mobil/antrag", post(apply))
        .route("/arbeit/mobil/widerruf/{id}", post(revoke))
        .route("/arbeit/mobil/checkliste/{person}/{item}", post(confirm))
        .route("/arbeit/mobil/geraete/{id}/empfang", post(acknowledge))
        .route("/arbeit/mobil/team", get(team_page))
        .route("/arbeit/mobil/team/antraege/{id}", post(decide))
        .route("/arbeit/mobil/personen/{id}", get(person_page))
        .route("/arbeit/mobil/it", get(it_page))
        .route("/arbeit/mobil/it/geraete", post(add_device))
        .route(
            "/arbeit/mobil/it/import",
            post(import).layer(DefaultBodyLimit::max(crate::devices::MAX_CSV + 64 * 1024)),
        )
        .route("/arbeit/mobil/it/ausgabe", post(issue_by_number))
        .route("/arbeit/mobil/it/vpn", post(grant_vpn))
        .route("/arbeit/mobil/it/vpn/{id}/ende", post(end_vpn))
        .route("/arbeit/mobil/it/geraete/{id}", get(device_page))
        .route(
            "/arbeit/mobil/it/geraete/{id}/{action}",
            post(device_action),
        )
        .route(
            "/arbeit/mobil/vereinbarung",
            get(agreement_page).post(set_agreement),
        )
        .with_state(svc.clone())
        .merge(crate::plan_pages::router(svc))
}

pub(crate) fn uuid(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

pub(crate) fn value(form: &HashMap<String, String>, name: &str) -> String {
    form.get(name)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// A date field: empty → `None`; a bad date is an error on the field.
pub(crate) fn date_field(
    form: &HashMap<String, String>,
    name: &str,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let v = value(form, name);
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(name, "date_invalid");
            None
        }
    }
}

/// Turns input errors into a page with its error summary; anything else
/// stays an error response.
fn split(e: WorkplaceError) -> Result<FieldErrors, AppError> {
    match e {
        WorkplaceError::Invalid(errors) => Ok(errors),
        WorkplaceError::Conflict(code) => {
            let mut errors = FieldErrors::new();
            errors.add("fehler", &code);
            Ok(errors)
        }
        other => Err(other.into()),
    }
}

fn weekday_key(n: &u8) -> String {
    format!("weekday-{n}")
}

/// The success notice after a redirect (`?ok=…`).
fn done_message(ctx: &PageCtx, done: &str) -> String {
    match done.strip_prefix("imported-") {
        Some(n) => ctx.t1("workplace-ok-imported", "count", n),
        None => ctx.t(format!("workplace-ok-{done}")),
    }
}

macro_rules! done_text {
    ($($page:ty),+) => {$(
        impl $page {
            fn done_text(&self) -> String {
                done_message(&self.ctx, &self.done)
            }
        }
    )+};
}

done_text!(
    OwnPage,
    TeamPage,
    PersonPage,
    ItPage,
    DevicePage,
    AgreementPage
);

// --- the person's own page ----------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "mobile_own.html")]
struct OwnPage {
    ctx: PageCtx,
    readiness: Readiness,
    history: Vec<EnrolmentRow>,
    devices: Vec<DeviceRow>,
    agreement: Agreement,
    /// Partly eligible unit: the tasks that may be done mobile.
    partial: Option<String>,
    excluded: bool,
    manager: bool,
    it: bool,
    /// HR or the staff council: the aggregates.
    report: bool,
    form: HashMap<String, String>,
    errors: FieldErrors,
    done: String,
}

impl OwnPage {
    fn value(&self, name: &str) -> String {
        value(&self.form, name)
    }

    fn day_checked(&self, n: &u8) -> bool {
        if self.form.is_empty() {
            return *n <= 5;
        }
        self.form.contains_key(&format!("day{n}"))
    }

    fn weekdays(&self) -> Vec<u8> {
        vec![1, 2, 3, 4, 5]
    }

    fn day_key(&self, n: &u8) -> String {
        weekday_key(n)
    }

    fn item_key(&self, item: &str) -> String {
        format!("workplace-item-{item}")
    }

    fn state_key(&self, state: &str) -> String {
        format!("workplace-enrolment-{state}")
    }

    fn kind_key(&self, kind: &str) -> String {
        format!("workplace-kind-{kind}")
    }

    fn confirmable(&self, item: &str) -> bool {
        match item {
            "agreement_signed" => self
                .readiness
                .enrolment
                .as_ref()
                .is_some_and(|e| e.state == "approved"),
            "device" | "vpn" => false,
            _ => true,
        }
    }

    fn dated(&self, item: &str) -> bool {
        item.ends_with("_training")
    }

    fn hours(&self, minutes: &i64) -> String {
        hours_text(*minutes)
    }

    fn percent(&self) -> i64 {
        self.agreement.row.max_mobile_permille / 10
    }
}

/// 2340 → "39", 1170 → "19,5".
fn hours_text(minutes: i64) -> String {
    let h = minutes / 60;
    let m = minutes % 60;
    if m == 0 {
        h.to_string()
    } else {
        let frac = format!("{:.2}", f64::from(i32::try_from(m).unwrap_or(0)) / 60.0);
        format!(
            "{h},{}",
            frac.trim_start_matches("0.").trim_end_matches('0')
        )
    }
}

/// "39" / "19,5" / "19.5" → minutes.
fn minutes_of(text: &str) -> Option<u32> {
    let t = text.trim().replace(',', ".");
    let hours: f64 = t.parse().ok()?;
    if !hours.is_finite() || hours <= 0.0 || hours > 60.0 {
        return None;
    }
    let minutes = (hours * 60.0).round();
    // In range 0–3600 after the check above.
    Some(minutes as u32)
}

#[derive(Debug, Default, serde::Deserialize)]
struct Done {
    #[serde(default)]
    ok: String,
}

async fn render_own(
    svc: &WorkplaceService,
    ctx: PageCtx,
    actor: &Actor,
    form: HashMap<String, String>,
    errors: FieldErrors,
    done: String,
) -> Result<OwnPage, AppError> {
    let me = actor.account.ok_or(AppError::Forbidden)?;
    let readiness = svc.readiness(actor, me).await?;
    let history = svc.enrolments_of(actor, me).await?;
    let (devices, _) = svc.devices_of(actor, me).await?;
    let agreement = svc.agreement_on(svc.today()).await?;
    let (partial, excluded) = svc.eligibility_of(me).await?;
    Ok(OwnPage {
        ctx,
        readiness,
        history,
        devices,
        agreement,
        partial,
        excluded,
        manager: actor.has_role_anywhere(Role::Manager),
        it: actor.has_role_anywhere(Role::ItService),
        report: actor.has_role_anywhere(Role::Hr) || actor.has_role_anywhere(Role::StaffCouncil),
        form,
        errors,
        done,
    })
}

async fn own_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    Ok(
        render_own(&svc, ctx, &actor, HashMap::new(), FieldErrors::new(), q.ok)
            .await?
            .into_response(),
    )
}

async fn apply(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let minutes = minutes_of(&value(&form, "weekly_hours"));
    if minutes.is_none() {
        errors.add("weekly_hours", "workplace_hours_range");
    }
    let work_days: Vec<u8> = (1..=5)
        .filter(|n| form.contains_key(&format!("day{n}")))
        .collect();
    let result = match (errors.is_empty(), minutes) {
        (true, Some(weekly_minutes)) => svc
            .apply(
                &actor,
                ApplyInput {
                    weekly_minutes,
                    work_days,
                    note: value(&form, "note"),
                },
            )
            .await
            .map(|_| ()),
        _ => Err(WorkplaceError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/arbeit/mobil?ok=applied#teilnahme").into_response()),
        Err(e) => {
            let mut errors = split(e)?;
            // The service names the weekly minutes; the page asks hours.
            for err in &mut errors.0 {
                if err.field == "weekly_minutes" {
                    err.field = "weekly_hours".into();
                }
                if err.field == "work_days" {
                    err.field = "day1".into();
                }
            }
            Ok(web::unprocessable(
                render_own(&svc, ctx, &actor, form, errors, String::new()).await?,
            ))
        }
    }
}

async fn revoke(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let back = value(&form, "back");
    match svc
        .revoke(
            &actor,
            id,
            RevokeInput {
                reason: value(&form, "reason"),
            },
        )
        .await
    {
        Ok(e) if back == "team" => Ok(Redirect::to(&format!(
            "/arbeit/mobil/personen/{}?ok=revoked",
            e.account_id
        ))
        .into_response()),
        Ok(_) => Ok(Redirect::to("/arbeit/mobil?ok=revoked#teilnahme").into_response()),
        Err(e) => {
            let errors = split(e)?;
            if back == "team" {
                let e = svc.enrolment(&actor, id).await?;
                Ok(web::unprocessable(
                    render_person(
                        &svc,
                        ctx,
                        &actor,
                        AccountId(e.account_id),
                        errors,
                        String::new(),
                    )
                    .await?,
                ))
            } else {
                Ok(web::unprocessable(
                    render_own(&svc, ctx, &actor, form, errors, String::new()).await?,
                ))
            }
        }
    }
}

async fn confirm(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((person, item)): Path<(String, String)>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let person = AccountId(uuid(&person)?);
    let item = ConfirmedItem::parse(&item).ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let field = format!("{}_on", item.as_str());
    let on = date_field(&form, &field, &mut errors);
    let own = actor.account == Some(person);
    let result = if errors.is_empty() {
        svc.confirm(&actor, person, item, on).await.map(|_| ())
    } else {
        Err(WorkplaceError::Invalid(errors))
    };
    match result {
        Ok(()) if own => Ok(Redirect::to("/arbeit/mobil?ok=confirmed#checkliste").into_response()),
        Ok(()) => Ok(
            Redirect::to(&format!("/arbeit/mobil/personen/{person}?ok=confirmed")).into_response(),
        ),
        Err(e) => {
            let mut errors = split(e)?;
            for err in &mut errors.0 {
                if err.field == "done_on" {
                    err.field = field.clone();
                }
            }
            if own {
                Ok(web::unprocessable(
                    render_own(&svc, ctx, &actor, form, errors, String::new()).await?,
                ))
            } else {
                Ok(web::unprocessable(
                    render_person(&svc, ctx, &actor, person, errors, String::new()).await?,
                ))
            }
        }
    }
}

async fn acknowledge(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    match svc.acknowledge_device(&actor, uuid(&id)?).await {
        Ok(_) => Ok(Redirect::to("/arbeit/mobil?ok=acknowledged#geraete").into_response()),
        Err(e) => {
            let errors = split(e)?;
            Ok(web::unprocessable(
                render_own(&svc, ctx, &actor, form, errors, String::new()).await?,
            ))
        }
    }
}

// --- the manager's team page ---------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "mobile_team.html")]
struct TeamPage {
    ctx: PageCtx,
    open: Vec<EnrolmentView>,
    approved: Vec<(EnrolmentView, Readiness)>,
    failed: Option<Uuid>,
    form: HashMap<String, String>,
    errors: FieldErrors,
    done: String,
}

impl TeamPage {
    fn item_key(&self, item: &str) -> String {
        format!("workplace-item-{item}")
    }

    fn hours(&self, minutes: &i64) -> String {
        hours_text(*minutes)
    }

    fn days(&self, days: &str) -> Vec<String> {
        days.split(',')
            .filter_map(|d| d.parse::<u8>().ok())
            .map(|d| weekday_key(&d))
            .collect()
    }

    fn reason_of(&self, id: &Uuid) -> String {
        if self.failed == Some(*id) {
            value(&self.form, "reason")
        } else {
            String::new()
        }
    }

    fn reason_field(&self, id: &Uuid) -> String {
        format!("reason-{id}")
    }
}

async fn render_team(
    svc: &WorkplaceService,
    ctx: PageCtx,
    actor: &Actor,
    failed: Option<Uuid>,
    form: HashMap<String, String>,
    errors: FieldErrors,
    done: String,
) -> Result<TeamPage, AppError> {
    if !actor.has_role_anywhere(Role::Manager) {
        return Err(AppError::Forbidden);
    }
    let (open, approved) = svc.team_enrolments(actor).await?;
    let readiness = svc.team_readiness(actor, &approved).await?;
    let with_readiness = approved.into_iter().zip(readiness).collect();
    Ok(TeamPage {
        ctx,
        open,
        approved: with_readiness,
        failed,
        form,
        errors,
        done,
    })
}

async fn team_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    Ok(render_team(
        &svc,
        ctx,
        &actor,
        None,
        HashMap::new(),
        FieldErrors::new(),
        q.ok,
    )
    .await?
    .into_response())
}

async fn decide(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let approve = value(&form, "decision") == "approve";
    match svc
        .decide(
            &actor,
            id,
            DecideInput {
                approve,
                reason: value(&form, "reason"),
            },
        )
        .await
    {
        Ok(_) => {
            let ok = if approve { "approved" } else { "declined" };
            Ok(Redirect::to(&format!("/arbeit/mobil/team?ok={ok}")).into_response())
        }
        Err(e) => {
            let mut errors = split(e)?;
            for err in &mut errors.0 {
                if err.field == "reason" {
                    err.field = format!("reason-{id}");
                }
            }
            Ok(web::unprocessable(
                render_team(&svc, ctx, &actor, Some(id), form, errors, String::new()).await?,
            ))
        }
    }
}

// --- a person's checklist (manager, HR, IT) ------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "mobile_person.html")]
struct PersonPage {
    ctx: PageCtx,
    readiness: Readiness,
    devices: Vec<DeviceRow>,
    history: Vec<DeviceEventRow>,
    grants: Vec<VpnGrantRow>,
    /// May confirm items (manager or HR of the unit).
    confirms: bool,
    /// May revoke (manager or HR).
    revokes: bool,
    /// The IT service (ends VPN grants).
    it: bool,
    errors: FieldErrors,
    done: String,
}

impl PersonPage {
    fn item_key(&self, item: &str) -> String {
        format!("workplace-item-{item}")
    }

    fn kind_key(&self, kind: &str) -> String {
        format!("workplace-kind-{kind}")
    }

    fn event_key(&self, event: &str) -> String {
        format!("workplace-event-{event}")
    }

    fn state_key(&self, state: &str) -> String {
        format!("workplace-enrolment-{state}")
    }

    fn confirmable(&self, item: &str) -> bool {
        self.confirms
            && match item {
                "agreement_signed" => self
                    .readiness
                    .enrolment
                    .as_ref()
                    .is_some_and(|e| e.state == "approved"),
                "device" | "vpn" => false,
                _ => true,
            }
    }

    fn dated(&self, item: &str) -> bool {
        item.ends_with("_training")
    }
}

async fn render_person(
    svc: &WorkplaceService,
    ctx: PageCtx,
    actor: &Actor,
    person: AccountId,
    errors: FieldErrors,
    done: String,
) -> Result<PersonPage, AppError> {
    let readiness = svc.readiness(actor, person).await?;
    let (devices, history) = svc.devices_of(actor, person).await?;
    let grants = svc.vpn_of(actor, person).await?;
    let unit = svc.home_unit(person).await?;
    let confirms = unit
        .is_some_and(|u| actor.has_role_in(Role::Manager, u) || actor.has_role_in(Role::Hr, u))
        && actor.account != Some(person);
    Ok(PersonPage {
        ctx,
        readiness,
        devices,
        history,
        grants,
        confirms,
        revokes: confirms,
        it: actor.has_role_anywhere(Role::ItService),
        errors,
        done,
    })
}

async fn person_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let person = AccountId(uuid(&id)?);
    Ok(
        render_person(&svc, ctx, &actor, person, FieldErrors::new(), q.ok)
            .await?
            .into_response(),
    )
}

// --- the IT service ------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "mobile_it.html")]
struct ItPage {
    ctx: PageCtx,
    inventory: Inventory,
    equip: Vec<Equip>,
    devices: Vec<DeviceRow>,
    filter: DeviceQuery,
    form: HashMap<String, String>,
    errors: FieldErrors,
    lines: Vec<LineError>,
    /// The person whose row a failed form came from.
    failed: Option<Uuid>,
    done: String,
}

impl ItPage {
    fn value(&self, name: &str) -> String {
        value(&self.form, name)
    }

    fn kinds(&self) -> Vec<&'static str> {
        DeviceKind::ALL.iter().map(|k| k.as_str()).collect()
    }

    fn states(&self) -> Vec<&'static str> {
        DeviceState::ALL.iter().map(|k| k.as_str()).collect()
    }

    fn kind_key(&self, kind: &str) -> String {
        format!("workplace-kind-{kind}")
    }

    fn state_key(&self, state: &str) -> String {
        format!("workplace-device-{state}")
    }

    fn row_value(&self, id: &Uuid, name: &str) -> String {
        if self.failed == Some(*id) {
            value(&self.form, name)
        } else {
            String::new()
        }
    }

    fn line_code(&self, code: &str) -> String {
        match code.split_once(':') {
            Some((c, line)) => self.ctx.t1(format!("err-{c}"), "line", line),
            None => self.ctx.err(code),
        }
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
struct DeviceQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    ok: String,
}

async fn render_it(
    svc: &WorkplaceService,
    ctx: PageCtx,
    actor: &Actor,
    filter: DeviceQuery,
    form: HashMap<String, String>,
    errors: FieldErrors,
) -> Result<ItPage, AppError> {
    let inventory = svc.inventory(actor).await?;
    let equip = svc.to_equip(actor).await?;
    let devices = svc
        .devices(
            actor,
            DeviceKind::parse(&filter.kind),
            DeviceState::parse(&filter.state),
            &filter.q,
        )
        .await?;
    Ok(ItPage {
        ctx,
        inventory,
        equip,
        devices,
        done: filter.ok.clone(),
        filter,
        form,
        errors,
        lines: Vec::new(),
        failed: None,
    })
}

async fn it_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(q): Query<DeviceQuery>,
) -> Result<Response, AppError> {
    Ok(
        render_it(&svc, ctx, &actor, q, HashMap::new(), FieldErrors::new())
            .await?
            .into_response(),
    )
}

async fn add_device(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let result = match DeviceKind::parse(&value(&form, "kind")) {
        Some(kind) => svc
            .add_device(
                &actor,
                DeviceInput {
                    kind,
                    model: value(&form, "model"),
                    serial: value(&form, "serial"),
                    inventory_no: value(&form, "inventory_no"),
                },
            )
            .await
            .map(|_| ()),
        None => Err(crate::service::invalid("kind", "workplace_kind_missing")),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/arbeit/mobil/it?ok=added#bestand").into_response()),
        Err(e) => {
            let errors = split(e)?;
            Ok(web::unprocessable(
                render_it(&svc, ctx, &actor, DeviceQuery::default(), form, errors).await?,
            ))
        }
    }
}

async fn import(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    form: web::CsrfFields,
) -> Result<Response, AppError> {
    let Some(file) = form.files.iter().find(|f| f.field == "file") else {
        let mut errors = FieldErrors::new();
        errors.add("file", "file_missing");
        return Ok(web::unprocessable(
            render_it(
                &svc,
                ctx,
                &actor,
                DeviceQuery::default(),
                HashMap::new(),
                errors,
            )
            .await?,
        ));
    };
    match svc.import_devices(&actor, &file.bytes).await {
        Ok(n) => {
            Ok(Redirect::to(&format!("/arbeit/mobil/it?ok=imported-{n}#import")).into_response())
        }
        Err(WorkplaceError::Import(lines)) => {
            let mut errors = FieldErrors::new();
            errors.add("file", "workplace_import_refused");
            let mut page = render_it(
                &svc,
                ctx,
                &actor,
                DeviceQuery::default(),
                HashMap::new(),
                errors,
            )
            .await?;
            page.lines = lines;
            Ok(web::unprocessable(page))
        }
        Err(e) => Err(e.into()),
    }
}

/// The worklist's fields are named per person (`inventory_no-{id}`):
/// read them under their plain names.
fn per_person(mut form: HashMap<String, String>, person: Uuid) -> HashMap<String, String> {
    for name in ["inventory_no", "starts_on", "ends_on"] {
        if let Some(v) = form.remove(&format!("{name}-{person}")) {
            form.insert(name.to_owned(), v);
        }
    }
    form
}

/// IT issues a device, named by its inventory number, to a person of the
/// worklist.
async fn issue_by_number(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let person = uuid(&value(&form, "account_id"))?;
    let form = per_person(form, person);
    let number = value(&form, "inventory_no");
    let result = match svc.device_by_number(&actor, number.trim()).await? {
        Some(d) => svc
            .issue_device(&actor, d.id, AccountId(person))
            .await
            .map(|_| ()),
        None => Err(crate::service::invalid(
            "inventory_no",
            "workplace_device_unknown",
        )),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/arbeit/mobil/it?ok=issued#ausstattung").into_response()),
        Err(e) => worklist_refused(&svc, ctx, &actor, form, person, e).await,
    }
}

/// A worklist form that was refused: the IT page again, the errors on the
/// fields of that person's row.
async fn worklist_refused(
    svc: &WorkplaceService,
    ctx: PageCtx,
    actor: &Actor,
    form: HashMap<String, String>,
    person: Uuid,
    e: WorkplaceError,
) -> Result<Response, AppError> {
    let mut errors = split(e)?;
    for err in &mut errors.0 {
        err.field = format!("{}-{person}", err.field);
    }
    let mut page = render_it(svc, ctx, actor, DeviceQuery::default(), form, errors).await?;
    page.failed = Some(person);
    Ok(web::unprocessable(page))
}

async fn grant_vpn(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let person = uuid(&value(&form, "account_id"))?;
    let mut errors = FieldErrors::new();
    let form = per_person(form, person);
    let starts = date_field(&form, "starts_on", &mut errors);
    let ends = date_field(&form, "ends_on", &mut errors);
    let result = if errors.is_empty() {
        svc.grant_vpn(
            &actor,
            VpnInput {
                account_id: AccountId(person),
                starts_on: starts.unwrap_or_else(|| svc.today()),
                ends_on: ends,
            },
        )
        .await
        .map(|_| ())
    } else {
        Err(WorkplaceError::Invalid(errors))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/arbeit/mobil/it?ok=vpn#ausstattung").into_response()),
        Err(e) => worklist_refused(&svc, ctx, &actor, form, person, e).await,
    }
}

async fn end_vpn(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(_form): Form,
) -> Result<Response, AppError> {
    let g = svc.end_vpn(&actor, uuid(&id)?).await?;
    Ok(Redirect::to(&format!(
        "/arbeit/mobil/personen/{}?ok=vpn-ended",
        g.account_id
    ))
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "mobile_device.html")]
struct DevicePage {
    ctx: PageCtx,
    v: DeviceView,
    form: HashMap<String, String>,
    errors: FieldErrors,
    done: String,
}

impl DevicePage {
    fn value(&self, name: &str) -> String {
        value(&self.form, name)
    }

    fn kind_key(&self, kind: &str) -> String {
        format!("workplace-kind-{kind}")
    }

    fn state_key(&self, state: &str) -> String {
        format!("workplace-device-{state}")
    }

    fn event_key(&self, event: &str) -> String {
        format!("workplace-event-{event}")
    }

    fn is(&self, state: &str) -> bool {
        self.v.device.state == state
    }
}

async fn device_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let v = svc.device(&actor, uuid(&id)?).await?;
    Ok(DevicePage {
        ctx,
        v,
        form: HashMap::new(),
        errors: FieldErrors::new(),
        done: q.ok,
    }
    .into_response())
}

async fn device_action(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, action)): Path<(String, String)>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let note = value(&form, "note");
    let result = match action.as_str() {
        "ausgeben" => match svc.staff_by_email(&value(&form, "email")).await? {
            Some(person) => svc.issue_device(&actor, id, person).await.map(|_| ()),
            None => Err(crate::service::invalid("email", "workplace_person_unknown")),
        },
        "ruecknahme" => svc.return_device(&actor, id, &note).await.map(|_| ()),
        "reparatur" => svc.repair_device(&actor, id, &note).await.map(|_| ()),
        "repariert" => svc.repaired_device(&actor, id).await.map(|_| ()),
        "aussondern" => svc.retire_device(&actor, id, &note).await.map(|_| ()),
        _ => return Err(AppError::NotFound),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/arbeit/mobil/it/geraete/{id}?ok={action}")).into_response())
        }
        Err(e) => {
            let errors = split(e)?;
            let v = svc.device(&actor, id).await?;
            Ok(web::unprocessable(DevicePage {
                ctx,
                v,
                form,
                errors,
                done: String::new(),
            }))
        }
    }
}

// --- the service agreement -----------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "mobile_agreement.html")]
struct AgreementPage {
    ctx: PageCtx,
    versions: Vec<Agreement>,
    units: Vec<(OrgUnitId, String)>,
    hr: bool,
    form: HashMap<String, String>,
    errors: FieldErrors,
    done: String,
}

/// Rows of exclusions the form offers.
const EXCLUSION_ROWS: [usize; 4] = [0, 1, 2, 3];

impl AgreementPage {
    fn current(&self) -> Option<&Agreement> {
        self.versions.first()
    }

    fn value(&self, name: &str) -> String {
        if let Some(v) = self.form.get(name) {
            return v.clone();
        }
        let Some(a) = self.current() else {
            return String::new();
        };
        let row = &a.row;
        match name {
            "max_mobile_percent" => (row.max_mobile_permille / 10).to_string(),
            "core_start" => row.core_start.clone(),
            "core_end" => row.core_end.clone(),
            "notice_days" => row.notice_days.to_string(),
            "training_months" => row.training_months.to_string(),
            "plan_retention_days" => row.plan_retention_days.to_string(),
            "min_group" => row.min_group.to_string(),
            "visibility" => row.visibility.clone(),
            other => {
                // ex{i}_unit / ex{i}_eligibility / ex{i}_tasks
                let Some((i, field)) = other
                    .strip_prefix("ex")
                    .and_then(|r| r.split_once('_'))
                    .and_then(|(i, f)| i.parse::<usize>().ok().map(|i| (i, f)))
                else {
                    return String::new();
                };
                let Some(e) = a.exclusion_list.get(i) else {
                    return String::new();
                };
                match field {
                    "unit" => e.unit.0.to_string(),
                    "eligibility" => e.eligibility.as_str().to_owned(),
                    "tasks" => e.tasks.clone(),
                    _ => String::new(),
                }
            }
        }
    }

    fn rows(&self) -> Vec<usize> {
        EXCLUSION_ROWS.to_vec()
    }

    fn field(&self, i: &usize, name: &str) -> String {
        format!("ex{i}_{name}")
    }

    fn selected(&self, name: &str, v: &str) -> bool {
        self.value(name) == v
    }

    fn unit_name(&self, id: &OrgUnitId) -> String {
        self.units
            .iter()
            .find(|(u, _)| u == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    }

    fn eligibility_key(&self, e: &Eligibility) -> String {
        format!("workplace-eligibility-{}", e.as_str())
    }

    fn unit_value(&self, id: &OrgUnitId) -> String {
        id.0.to_string()
    }
}

async fn render_agreement(
    svc: &WorkplaceService,
    ctx: PageCtx,
    actor: &Actor,
    form: HashMap<String, String>,
    errors: FieldErrors,
    done: String,
) -> Result<AgreementPage, AppError> {
    let versions = svc.agreements(actor).await?;
    let units = svc.unit_names().await?.into_iter().collect::<Vec<_>>();
    Ok(AgreementPage {
        ctx,
        versions,
        units,
        hr: actor.has_role_anywhere(Role::Hr),
        form,
        errors,
        done,
    })
}

async fn agreement_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    Ok(
        render_agreement(&svc, ctx, &actor, HashMap::new(), FieldErrors::new(), q.ok)
            .await?
            .into_response(),
    )
}

fn number(form: &HashMap<String, String>, name: &str, errors: &mut FieldErrors) -> u32 {
    match value(form, name).trim().parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            errors.add(name, "workplace_number_invalid");
            0
        }
    }
}

async fn set_agreement(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let valid_from = date_field(&form, "valid_from", &mut errors);
    if valid_from.is_none() && errors.get("valid_from").is_none() {
        errors.add("valid_from", "date_invalid");
    }
    let max = number(&form, "max_mobile_percent", &mut errors);
    let notice = number(&form, "notice_days", &mut errors);
    let training = number(&form, "training_months", &mut errors);
    let retention = number(&form, "plan_retention_days", &mut errors);
    let min_group = number(&form, "min_group", &mut errors);
    let mut exclusions = Vec::new();
    for i in EXCLUSION_ROWS {
        let unit = value(&form, &format!("ex{i}_unit"));
        if unit.trim().is_empty() {
            continue;
        }
        let Ok(unit) = Uuid::parse_str(unit.trim()) else {
            errors.add(&format!("ex{i}_unit"), "unit_unknown");
            continue;
        };
        let eligibility = match value(&form, &format!("ex{i}_eligibility")).as_str() {
            "partial" => Eligibility::Partial,
            _ => Eligibility::Excluded,
        };
        exclusions.push((
            i,
            Exclusion {
                unit: OrgUnitId(unit),
                eligibility,
                tasks: value(&form, &format!("ex{i}_tasks")),
            },
        ));
    }
    let rows: Vec<usize> = exclusions.iter().map(|(i, _)| *i).collect();
    let result = match (errors.is_empty(), valid_from) {
        (true, Some(valid_from)) => svc
            .set_agreement(
                &actor,
                AgreementInput {
                    valid_from,
                    max_mobile_percent: max,
                    core_start: value(&form, "core_start"),
                    core_end: value(&form, "core_end"),
                    notice_days: notice,
                    training_months: training,
                    exclusions: exclusions.into_iter().map(|(_, e)| e).collect(),
                    visibility: Visibility::parse(&value(&form, "visibility"))
                        .unwrap_or(Visibility::Manager),
                    plan_retention_days: retention,
                    min_group,
                },
            )
            .await
            .map(|_| ()),
        _ => Err(WorkplaceError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/arbeit/mobil/vereinbarung?ok=saved").into_response()),
        Err(e) => {
            let mut errors = split(e)?;
            // exclusions[n].x → the form row it came from.
            for err in &mut errors.0 {
                if let Some(rest) = err.field.strip_prefix("exclusions[")
                    && let Some((n, f)) = rest.split_once("].")
                    && let Some(row) = n.parse::<usize>().ok().and_then(|n| rows.get(n))
                {
                    err.field = format!("ex{row}_{f}");
                }
            }
            Ok(web::unprocessable(
                render_agreement(&svc, ctx, &actor, form, errors, String::new()).await?,
            ))
        }
    }
}
