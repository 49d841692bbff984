//! Pages of the presence planner: the manager's team planning (location,
//! rotation, slots, skills, cohorts, absences, generating a plan), a plan
//! as a grid (edited and re-checked, published; change requests), the
//! person's days with desk booking and calendar link, and the private
//! iCalendar feed.

use crate::planner::Presence;
use crate::planning::{CellChange, Failure, MyDay, PlanView, TeamSettings};
use crate::service::{WorkplaceError, WorkplaceService};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use identity::http::auth::StaffUser;
use kernel::{AccountId, Actor, FieldErrors, OrgUnitId};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;
use web::{AppError, PageCtx};

type Svc = State<Arc<WorkplaceService>>;
type Form = web::CsrfForm<HashMap<String, String>>;

/// The planner's pages.
pub fn router(svc: Arc<WorkplaceService>) -> Router {
    Router::new()
        .route("/arbeit/mobil/planung", get(choose_team))
        .route("/arbeit/mobil/planung/{unit}", get(team_page))
        .route("/arbeit/mobil/planung/{unit}/{action}", post(team_action))
        .route("/arbeit/mobil/plaene/{id}", get(plan_page))
        .route("/arbeit/mobil/plaene/{id}/{action}", post(plan_action))
        .route("/arbeit/mobil/tage", get(days_page))
        .route("/arbeit/mobil/tage/{action}", post(days_action))
        .route("/arbeit/mobil/auswertung", get(report_page))
        .route("/kalender/{file}", get(feed))
        .with_state(svc)
}

use crate::pages::{uuid, value};

/// A date the form must have.
fn date(form: &HashMap<String, String>, name: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let d = crate::pages::date_field(form, name, errors);
    if d.is_none() && errors.get(name).is_none() {
        errors.add(name, "date_invalid");
    }
    d
}

fn day_key(d: &NaiveDate) -> String {
    format!("weekday-short-{}", d.weekday().number_from_monday())
}

fn presence_key(p: &Presence) -> String {
    format!("workplace-presence-{}", presence_code(p))
}

fn presence_code(p: &Presence) -> &'static str {
    match p {
        Presence::OnSite => "on_site",
        Presence::Mobile => "mobile",
        Presence::Absent => "absent",
        Presence::Off => "off",
    }
}

/// What a failed step leaves on the page: field errors and broken rules.
struct Refusal {
    errors: FieldErrors,
    failures: Vec<Failure>,
}

fn refusal(e: WorkplaceError) -> Result<Refusal, AppError> {
    let mut errors = FieldErrors::new();
    let mut failures = Vec::new();
    match e {
        WorkplaceError::Invalid(e) => errors = e,
        WorkplaceError::Conflict(code) => errors.add("fehler", &code),
        WorkplaceError::Rules(f) => {
            errors.add("regeln", "workplace_rules_broken");
            failures = f;
        }
        other => return Err(other.into()),
    }
    Ok(Refusal { errors, failures })
}

/// A broken rule in the reader's language.
fn failure_text(ctx: &PageCtx, f: &Failure) -> String {
    let mut s = ctx.t(format!("workplace-rule-{}", f.rule));
    if let Some(d) = f.day {
        if f.rule == "mobile_share" {
            s.push_str(&format!(" – {}", d.format("%m/%Y")));
        } else {
            s.push_str(&format!(" – {}", d.format("%d.%m.%Y")));
        }
    }
    if let Some(p) = &f.person {
        s.push_str(&format!(" – {p}"));
    }
    if !f.detail.is_empty() {
        s.push_str(&format!(" ({})", f.detail));
    }
    s
}

async fn choose_team(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
) -> Result<Response, AppError> {
    let units = svc.planned_units(&actor).await?;
    match units.first() {
        Some((u, _)) => Ok(Redirect::to(&format!("/arbeit/mobil/planung/{u}")).into_response()),
        None => Err(AppError::Forbidden),
    }
}

// --- the team's planning page --------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "mobile_planning.html")]
struct TeamPage {
    ctx: PageCtx,
    s: TeamSettings,
    units: Vec<(OrgUnitId, String)>,
    form: HashMap<String, String>,
    errors: FieldErrors,
    failures: Vec<Failure>,
    next_monday: String,
}

impl TeamPage {
    fn value(&self, name: &str) -> String {
        value(&self.form, name)
    }

    fn or(&self, name: &str, default: &str) -> String {
        self.form
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    }

    fn location_selected(&self, id: &Uuid) -> bool {
        self.s.team.as_ref().and_then(|t| t.location_id) == Some(*id)
    }

    fn rotation(&self) -> bool {
        self.s.team.as_ref().is_some_and(|t| t.rotation)
    }

    fn skills_text(&self, skills: &[String]) -> String {
        skills.join(", ")
    }

    fn cohort_of(&self, m: &crate::planning::Member) -> String {
        m.person
            .as_ref()
            .and_then(|p| p.cohort)
            .map(|c| c.to_string())
            .unwrap_or_default()
    }

    fn cohorts(&self) -> Vec<(String, String)> {
        vec![
            ("0".into(), "A".into()),
            ("1".into(), "B".into()),
            ("2".into(), "C".into()),
        ]
    }

    fn weekday_name(&self, n: &i64) -> String {
        self.ctx.t(format!("weekday-{n}"))
    }

    fn failure(&self, f: &Failure) -> String {
        failure_text(&self.ctx, f)
    }

    fn state_key(&self, s: &str) -> String {
        format!("workplace-plan-{s}")
    }
}

async fn render_team(
    svc: &WorkplaceService,
    ctx: PageCtx,
    actor: &Actor,
    unit: OrgUnitId,
    form: HashMap<String, String>,
    r: Refusal,
) -> Result<TeamPage, AppError> {
    let s = svc.team_settings(actor, unit).await?;
    let today = svc.today();
    let ahead = 8 - i64::from(today.weekday().number_from_monday());
    let next_monday = (today + chrono::Duration::days(ahead))
        .format("%Y-%m-%d")
        .to_string();
    Ok(TeamPage {
        ctx,
        s,
        units: svc.planned_units(actor).await?,
        form,
        errors: r.errors,
        failures: r.failures,
        next_monday,
    })
}

async fn team_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(unit): Path<String>,
) -> Result<Response, AppError> {
    let unit = OrgUnitId(uuid(&unit)?);
    Ok(render_team(
        &svc,
        ctx,
        &actor,
        unit,
        HashMap::new(),
        Refusal {
            errors: FieldErrors::new(),
            failures: Vec::new(),
        },
    )
    .await?
    .into_response())
}

async fn team_action(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((unit, action)): Path<(String, String)>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let unit = OrgUnitId(uuid(&unit)?);
    let back = format!("/arbeit/mobil/planung/{unit}");
    let result: Result<String, WorkplaceError> = match action.as_str() {
        "team" => {
            let location = match value(&form, "location_id").as_str() {
                "" => None,
                l => Some(uuid(l)?),
            };
            svc.set_team(&actor, unit, location, form.contains_key("rotation"))
                .await
                .map(|_| format!("{back}#einstellungen"))
        }
        "sprechzeit" => {
            let weekday = value(&form, "weekday").parse::<u8>().unwrap_or(0);
            let min = value(&form, "min_people").parse::<u32>().unwrap_or(0);
            svc.add_slot(
                &actor,
                unit,
                weekday,
                &value(&form, "label"),
                &value(&form, "skill"),
                min,
            )
            .await
            .map(|_| format!("{back}#sprechzeiten"))
        }
        "sprechzeit-loeschen" => svc
            .remove_slot(&actor, unit, uuid(&value(&form, "slot"))?)
            .await
            .map(|_| format!("{back}#sprechzeiten")),
        "mitglieder" => save_members(&svc, &actor, unit, &form)
            .await
            .map(|_| format!("{back}#mitglieder")),
        "abwesenheit" => {
            let mut errors = FieldErrors::new();
            let from = date(&form, "absence_from", &mut errors);
            let to = match value(&form, "absence_to").as_str() {
                "" => from,
                _ => date(&form, "absence_to", &mut errors),
            };
            match (from, to, uuid(&value(&form, "absence_person"))) {
                (Some(f), Some(t), Ok(p)) if errors.is_empty() => svc
                    .add_absence(&actor, AccountId(p), f, t, &value(&form, "absence_kind"))
                    .await
                    .map(|_| format!("{back}#abwesenheit")),
                (_, _, Err(_)) => Err(crate::service::invalid(
                    "absence_person",
                    "workplace_person_unknown",
                )),
                _ => Err(WorkplaceError::Invalid(errors)),
            }
        }
        "plan" => {
            let mut errors = FieldErrors::new();
            let start = date(&form, "starts_on", &mut errors);
            let weeks = value(&form, "weeks").parse::<u32>().unwrap_or(0);
            match start {
                Some(s) if errors.is_empty() => svc
                    .generate_plan(&actor, unit, s, weeks)
                    .await
                    .map(|p| format!("/arbeit/mobil/plaene/{}", p.id)),
                _ => Err(WorkplaceError::Invalid(errors)),
            }
        }
        _ => return Err(AppError::NotFound),
    };
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) => {
            let r = refusal(e)?;
            Ok(web::unprocessable(
                render_team(&svc, ctx, &actor, unit, form, r).await?,
            ))
        }
    }
}

/// Skills (comma-separated) and cohorts of every member from one form.
async fn save_members(
    svc: &WorkplaceService,
    actor: &Actor,
    unit: OrgUnitId,
    form: &HashMap<String, String>,
) -> Result<(), WorkplaceError> {
    let s = svc.team_settings(actor, unit).await?;
    for m in &s.members {
        let Some(text) = form.get(&format!("skills_{}", m.account_id)) else {
            continue;
        };
        let wanted: Vec<String> = text
            .split(',')
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect();
        for skill in &wanted {
            if !m.skills.contains(skill) {
                svc.set_skill(actor, AccountId(m.account_id), skill, true)
                    .await
                    .map_err(|e| match e {
                        WorkplaceError::Invalid(_) => crate::service::invalid(
                            &format!("skills_{}", m.account_id),
                            "workplace_skill_invalid",
                        ),
                        other => other,
                    })?;
            }
        }
        for skill in &m.skills {
            if !wanted.contains(skill) {
                svc.set_skill(actor, AccountId(m.account_id), skill, false)
                    .await?;
            }
        }
        let cohort = form
            .get(&format!("cohort_{}", m.account_id))
            .and_then(|c| c.parse::<u8>().ok());
        let old = m
            .person
            .as_ref()
            .and_then(|p| p.cohort)
            .and_then(|c| u8::try_from(c).ok());
        if cohort != old {
            svc.set_wishes(actor, AccountId(m.account_id), None, None, Some(cohort))
                .await?;
        }
    }
    Ok(())
}

// --- a plan --------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "mobile_plan.html")]
struct PlanPage {
    ctx: PageCtx,
    v: PlanView,
    me: Uuid,
    errors: FieldErrors,
    failures: Vec<Failure>,
    /// Cells as sent by a refused edit (shown again as entered).
    sent: HashMap<String, String>,
    names: HashMap<Uuid, String>,
    /// The manager's report: each person's share, and its chart.
    shares: Vec<crate::reports::PersonShare>,
    share_chart: String,
    max_percent: String,
}

impl PlanPage {
    fn cell_name(&self, person: &Uuid, day: &NaiveDate) -> String {
        format!("c_{}_{}", person, day.format("%Y%m%d"))
    }

    fn chosen(&self, person: &Uuid, day: &NaiveDate, current: &Presence, option: &str) -> bool {
        match self.sent.get(&self.cell_name(person, day)) {
            Some(v) => v == option,
            None => presence_code(current) == option,
        }
    }

    fn options(&self) -> Vec<&'static str> {
        vec!["on_site", "mobile", "absent", "off"]
    }

    fn option_key(&self, o: &str) -> String {
        format!("workplace-presence-{o}")
    }

    fn presence_key(&self, p: &Presence) -> String {
        presence_key(p)
    }

    fn code(&self, p: &Presence) -> &'static str {
        presence_code(p)
    }

    fn day_key(&self, d: &NaiveDate) -> String {
        day_key(d)
    }

    fn failure(&self, f: &Failure) -> String {
        failure_text(&self.ctx, f)
    }

    fn all_failures(&self) -> Vec<Failure> {
        if self.failures.is_empty() {
            self.v.failures.clone()
        } else {
            self.failures.clone()
        }
    }

    fn name(&self, id: &Uuid) -> String {
        self.names.get(id).cloned().unwrap_or_default()
    }

    fn mine_shown(&self) -> bool {
        self.v.people.iter().any(|(p, _)| *p == self.me)
    }

    fn state_key(&self) -> String {
        format!("workplace-plan-{}", self.v.plan.state)
    }

    fn want_key(&self, w: &str) -> String {
        format!("workplace-presence-{w}")
    }

    fn covered(&self, d: &usize) -> Vec<crate::planning::SlotCover> {
        self.v
            .coverage
            .get(*d)
            .map(|c| c.slots.clone())
            .unwrap_or_default()
    }

    fn on_site(&self, d: &usize) -> usize {
        self.v.coverage.get(*d).map(|c| c.on_site).unwrap_or(0)
    }
}

async fn render_plan(
    svc: &WorkplaceService,
    ctx: PageCtx,
    actor: &Actor,
    id: Uuid,
    sent: HashMap<String, String>,
    r: Refusal,
) -> Result<PlanPage, AppError> {
    let v = svc.plan_view(actor, id).await?;
    let names = v.people.iter().cloned().collect();
    let shares = if v.manages {
        svc.plan_shares(actor, id).await?
    } else {
        Vec::new()
    };
    let max = svc
        .agreement_on(v.plan.starts_on)
        .await?
        .row
        .max_mobile_permille as f64
        / 10.0;
    let share_chart = if shares.is_empty() {
        String::new()
    } else {
        web::charts::bars(
            &ctx.t("workplace-report-person-share"),
            &shares
                .iter()
                .map(|s| {
                    (
                        format!("{} {}", s.name, s.month.format("%m/%Y")),
                        Some(s.percent),
                    )
                })
                .collect::<Vec<_>>(),
            Some(max),
        )
    };
    Ok(PlanPage {
        shares,
        share_chart,
        max_percent: format!("{max:.0}"),
        ctx,
        me: actor.account.map(|a| a.0).unwrap_or_default(),
        v,
        errors: r.errors,
        failures: r.failures,
        sent,
        names,
    })
}

async fn plan_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    Ok(render_plan(
        &svc,
        ctx,
        &actor,
        uuid(&id)?,
        HashMap::new(),
        Refusal {
            errors: FieldErrors::new(),
            failures: Vec::new(),
        },
    )
    .await?
    .into_response())
}

async fn plan_action(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, action)): Path<(String, String)>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let revision = value(&form, "revision").parse::<i64>().unwrap_or(-1);
    let back = format!("/arbeit/mobil/plaene/{id}");
    let mut sent = HashMap::new();
    let result: Result<String, WorkplaceError> = match action.as_str() {
        "aendern" => {
            let mut changes = Vec::new();
            for (k, v) in &form {
                let Some(rest) = k.strip_prefix("c_") else {
                    continue;
                };
                let Some((p, d)) = rest.split_once('_') else {
                    continue;
                };
                let (Ok(p), Ok(d)) = (Uuid::parse_str(p), NaiveDate::parse_from_str(d, "%Y%m%d"))
                else {
                    continue;
                };
                let presence = match v.as_str() {
                    "on_site" => Presence::OnSite,
                    "mobile" => Presence::Mobile,
                    "absent" => Presence::Absent,
                    "off" => Presence::Off,
                    _ => return Err(AppError::NotFound),
                };
                sent.insert(k.clone(), v.clone());
                changes.push(CellChange {
                    account_id: AccountId(p),
                    day: d,
                    presence,
                });
            }
            svc.edit_plan(&actor, id, revision, &changes)
                .await
                .map(|_| format!("{back}?ok=saved"))
        }
        "veroeffentlichen" => svc
            .publish_plan(&actor, id, revision)
            .await
            .map(|_| format!("{back}?ok=published")),
        "wunsch" => {
            let mut errors = FieldErrors::new();
            let day = date(&form, "request_day", &mut errors);
            let wanted = if value(&form, "wanted") == "mobile" {
                Presence::Mobile
            } else {
                Presence::OnSite
            };
            match day {
                Some(d) => svc
                    .request_change(&actor, id, d, wanted, &value(&form, "note"))
                    .await
                    .map(|_| format!("{back}?ok=requested")),
                None => Err(WorkplaceError::Invalid(errors)),
            }
        }
        "antwort" => svc
            .answer_request(
                &actor,
                uuid(&value(&form, "request"))?,
                value(&form, "decision") == "accept",
                &value(&form, "answer"),
            )
            .await
            .map(|_| format!("{back}?ok=answered")),
        _ => return Err(AppError::NotFound),
    };
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) => {
            let r = refusal(e)?;
            Ok(web::unprocessable(
                render_plan(&svc, ctx, &actor, id, sent, r).await?,
            ))
        }
    }
}

// --- the person's days ---------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "mobile_days.html")]
struct DaysPage {
    ctx: PageCtx,
    days: Vec<MyDay>,
    link: Option<String>,
    teams: Vec<(OrgUnitId, String)>,
    errors: FieldErrors,
}

impl DaysPage {
    fn presence_key(&self, p: &str) -> String {
        format!("workplace-presence-{p}")
    }

    fn weekday(&self, d: &NaiveDate) -> String {
        self.ctx.t(day_key(d))
    }
}

async fn render_days(
    svc: &WorkplaceService,
    ctx: PageCtx,
    actor: &Actor,
    link: Option<String>,
    errors: FieldErrors,
) -> Result<DaysPage, AppError> {
    Ok(DaysPage {
        ctx,
        days: svc.my_days(actor, 28).await?,
        link,
        teams: svc.planned_units(actor).await?,
        errors,
    })
}

async fn days_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<Response, AppError> {
    Ok(render_days(&svc, ctx, &actor, None, FieldErrors::new())
        .await?
        .into_response())
}

async fn days_action(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(action): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let result = match action.as_str() {
        "buchen" => {
            let mut errors = FieldErrors::new();
            match date(&form, "day", &mut errors) {
                Some(d) => svc.book_desk(&actor, d).await.map(|_| ()),
                None => Err(WorkplaceError::Invalid(errors)),
            }
        }
        "stornieren" => {
            svc.cancel_desk(&actor, uuid(&value(&form, "booking"))?)
                .await
        }
        "kalender" => {
            let team = match value(&form, "team").as_str() {
                "" => None,
                t => Some(OrgUnitId(uuid(t)?)),
            };
            let link = svc.new_feed(&actor, team).await?;
            return Ok(
                render_days(&svc, ctx, &actor, Some(link), FieldErrors::new())
                    .await?
                    .into_response(),
            );
        }
        _ => return Err(AppError::NotFound),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/arbeit/mobil/tage#tage").into_response()),
        Err(e) => {
            let r = refusal(e)?;
            Ok(web::unprocessable(
                render_days(&svc, ctx, &actor, None, r.errors).await?,
            ))
        }
    }
}

/// The private iCalendar feed (no login: the secret in the link is the
/// key).
async fn feed(State(svc): Svc, Path(file): Path<String>) -> Result<Response, AppError> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let text = svc.feed(token).await?.ok_or(AppError::NotFound)?;
    let mut res = text.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

// --- reports -------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "mobile_report.html")]
struct ReportPage {
    ctx: PageCtx,
    a: crate::reports::Aggregates,
    month: String,
    share_chart: String,
    ready_chart: String,
}

impl ReportPage {
    fn figure<T: std::fmt::Display>(&self, v: &Option<T>) -> String {
        match v {
            Some(v) => v.to_string(),
            None => self.ctx.t("workplace-withheld"),
        }
    }

    fn percent(&self, v: &Option<f64>) -> String {
        match v {
            Some(v) => format!("{v:.1} %").replace('.', ","),
            None => self.ctx.t("workplace-withheld"),
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct MonthQuery {
    #[serde(default)]
    monat: String,
}

/// `2027-01` → its first day.
pub(crate) fn month_of(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").ok()
}

async fn report_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    axum::extract::Query(q): axum::extract::Query<MonthQuery>,
) -> Result<Response, AppError> {
    let month = month_of(&q.monat).unwrap_or_else(|| svc.today());
    let a = svc.aggregates(&actor, month).await?;
    let share_chart = web::charts::bars(
        &ctx.t("workplace-report-share"),
        &a.units
            .iter()
            .map(|u| (u.name.clone(), u.mobile_percent))
            .collect::<Vec<_>>(),
        Some(a.max_percent),
    );
    let ready_chart = web::charts::bars(
        &ctx.t("workplace-report-ready"),
        &a.units
            .iter()
            .map(|u| {
                let pct = match (u.ready, u.staff) {
                    (Some(r), Some(s)) if s > 0 => Some((r * 1000 / s) as f64 / 10.0),
                    _ => None,
                };
                (u.name.clone(), pct)
            })
            .collect::<Vec<_>>(),
        None,
    );
    Ok(ReportPage {
        ctx,
        month: a.month.format("%Y-%m").to_string(),
        a,
        share_chart,
        ready_chart,
    }
    .into_response())
}
