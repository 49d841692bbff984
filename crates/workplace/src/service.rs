//! Mobile-work use cases: the service agreement (HR), enrolment (the
//! person applies, the manager decides, either side revokes with notice)
//! and the readiness checklist that gates mobile days in the planner.

use crate::domain::{ConfirmedItem, Eligibility, EnrolmentState, Visibility, parse_weekdays};
use crate::store::{AgreementRow, ConfirmationRow, DeviceRow, EnrolmentRow, WorkplaceStore};
use chrono::{Datelike, Months, NaiveDate, NaiveTime};
use identity::IdentityService;
use identity::domain::OrgUnit;
use kernel::{AccountId, Actor, ActorKind, Clock, FieldErrors, OrgUnitId, Role};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::{AuditEntry, DbError, Tx};
use uuid::Uuid;

/// Errors of mobile work.
#[derive(Debug, thiserror::Error)]
pub enum WorkplaceError {
    /// Invalid input, per field.
    #[error("invalid")]
    Invalid(FieldErrors),
    /// A CSV file with bad lines: nothing was imported.
    #[error("the file has {} bad lines", .0.len())]
    Import(Vec<LineError>),
    /// A plan (generated or edited) breaks hard rules: nothing saved.
    #[error("the plan breaks {} rules", .0.len())]
    Rules(Vec<crate::planning::Failure>),
    /// Not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Unknown.
    #[error("not found")]
    NotFound,
    /// Not possible now (decided already, device issued elsewhere …):
    /// a translatable code (`err-<code>` in the locales).
    #[error("{0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("{0}")]
    Internal(String),
}

/// A bad line of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// Line number in the file (1: the header).
    pub line: u64,
    /// The column (its header name), empty for the whole line.
    pub column: String,
    /// What is wrong (a translatable code).
    pub code: String,
}

pub(crate) fn invalid(field: &str, code: &str) -> WorkplaceError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    WorkplaceError::Invalid(e)
}

pub(crate) fn internal(e: impl std::fmt::Display) -> WorkplaceError {
    WorkplaceError::Internal(e.to_string())
}

/// A unit's eligibility as the agreement sets it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// The unit (and the units below it).
    #[schema(value_type = String)]
    pub unit: OrgUnitId,
    /// Excluded, or partly eligible.
    pub eligibility: Eligibility,
    /// For partly eligible units: the tasks that may be done mobile.
    #[serde(default)]
    pub tasks: String,
}

/// A new version of the service agreement.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementInput {
    /// Applies from this day.
    pub valid_from: NaiveDate,
    /// Most mobile time per calendar month in per cent of the contractual
    /// time net of absence (the Stuttgart agreement: 40).
    pub max_mobile_percent: u32,
    /// Core hours start (`HH:MM`).
    pub core_start: String,
    /// Core hours end (`HH:MM`).
    pub core_end: String,
    /// Days of notice for changes and revocation.
    pub notice_days: u32,
    /// Months a training stays valid.
    pub training_months: u32,
    /// Excluded and partly eligible units.
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
    /// Who besides the person and the manager sees a plan.
    pub visibility: Visibility,
    /// Days a plan is kept after its last day.
    pub plan_retention_days: u32,
    /// Smallest group a report shows a figure for.
    pub min_group: u32,
}

/// A version of the agreement as read.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Agreement {
    /// The stored version.
    #[serde(flatten)]
    pub row: AgreementRow,
    /// Its exclusions, read.
    pub exclusion_list: Vec<Exclusion>,
}

impl Agreement {
    fn from_row(row: AgreementRow) -> Agreement {
        let exclusion_list = serde_json::from_str(&row.exclusions).unwrap_or_default();
        Agreement {
            row,
            exclusion_list,
        }
    }

    /// The visibility setting.
    pub fn visibility(&self) -> Visibility {
        Visibility::parse(&self.row.visibility).unwrap_or(Visibility::Manager)
    }

    /// The exclusion that applies to `unit` (its own or the nearest
    /// unit above it), if any.
    pub fn exclusion_for(&self, units: &[OrgUnit], unit: OrgUnitId) -> Option<&Exclusion> {
        let mut at = Some(unit);
        // The tree is finite; the bound guards against a cycle in data.
        for _ in 0..=units.len() {
            let current = at?;
            if let Some(e) = self.exclusion_list.iter().find(|e| e.unit == current) {
                return Some(e);
            }
            at = units
                .iter()
                .find(|u| u.id == current)
                .and_then(|u| u.parent);
        }
        None
    }
}

/// An application for mobile work.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyInput {
    /// Contractual working minutes per week (39 h = 2340).
    pub weekly_minutes: u32,
    /// ISO weekdays worked (1 = Monday … 5 = Friday).
    pub work_days: Vec<u8>,
    /// A note for the manager.
    #[serde(default)]
    pub note: String,
}

/// A manager's decision on an application.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideInput {
    /// Approve (true) or decline (false).
    pub approve: bool,
    /// Required when declining.
    #[serde(default)]
    pub reason: String,
}

/// A revocation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    /// Why (required).
    pub reason: String,
}

/// An enrolment with the person's name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnrolmentView {
    /// The enrolment.
    #[serde(flatten)]
    pub enrolment: EnrolmentRow,
    /// The person.
    pub name: String,
}

/// One item of the readiness checklist.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReadinessEntry {
    /// `agreement_signed`, `device`, `vpn`, `privacy_training`,
    /// `security_training` or `self_check`.
    pub item: String,
    /// Done and (for trainings) not expired.
    pub done: bool,
    /// The day it was done.
    pub on: Option<NaiveDate>,
    /// Who confirmed it.
    pub by: Option<String>,
    /// Valid until (trainings, VPN grants).
    pub valid_until: Option<NaiveDate>,
}

/// A person's readiness for mobile work.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// The person.
    #[schema(value_type = String)]
    pub account_id: AccountId,
    /// Their name.
    pub name: String,
    /// The open enrolment (applied or approved, or revoked but still
    /// within its notice period).
    pub enrolment: Option<EnrolmentRow>,
    /// The checklist.
    pub items: Vec<ReadinessEntry>,
    /// Enrolled (approved) and every item done: may be planned mobile.
    pub ready: bool,
    /// The items not done.
    pub missing: Vec<String>,
}

/// The order of the checklist.
pub const CHECKLIST: [&str; 6] = [
    "agreement_signed",
    "device",
    "vpn",
    "privacy_training",
    "security_training",
    "self_check",
];

/// What decides readiness, read once for many days (the planner asks day
/// by day).
#[derive(Debug, Clone, Default)]
pub struct ReadinessFacts {
    /// Approved enrolment: its last mobile day (none: open-ended).
    pub enrolled_until: Option<Option<NaiveDate>>,
    /// Confirmed items.
    pub confirmations: Vec<ConfirmationRow>,
    /// Holds an acknowledged notebook or tablet.
    pub device: bool,
    /// VPN grants: (first day, last day).
    pub vpn: Vec<(NaiveDate, Option<NaiveDate>)>,
}

impl ReadinessFacts {
    /// Ready on `day`: enrolled then, every item confirmed and valid.
    pub fn ready_on(&self, day: NaiveDate) -> bool {
        let enrolled = matches!(self.enrolled_until, Some(None))
            || matches!(self.enrolled_until, Some(Some(end)) if day <= end);
        enrolled
            && self.device
            && self
                .vpn
                .iter()
                .any(|(s, e)| *s <= day && e.is_none_or(|e| day <= e))
            && ConfirmedItem::ALL.iter().all(|item| {
                self.confirmations.iter().any(|c| {
                    c.item == item.as_str()
                        && c.confirmed_on <= day
                        && c.valid_until.is_none_or(|v| day <= v)
                })
            })
    }
}

/// The mobile-work service.
pub struct WorkplaceService {
    pub(crate) store: WorkplaceStore,
    pub(crate) identity: Arc<IdentityService>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) public_url: String,
}

impl WorkplaceService {
    /// The service.
    pub fn new(
        store: WorkplaceStore,
        identity: Arc<IdentityService>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        WorkplaceService {
            store,
            identity,
            clock,
            public_url: String::new(),
        }
    }

    /// The base URL links in e-mails and calendar feeds start with.
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = url.trim_end_matches('/').to_owned();
        self
    }

    /// Today, in the city's calendar.
    pub fn today(&self) -> NaiveDate {
        self.identity.today()
    }

    pub(crate) fn staff_account(actor: &Actor) -> Result<AccountId, WorkplaceError> {
        match (actor.account, &actor.kind) {
            (Some(a), ActorKind::Staff) => Ok(a),
            (Some(a), ActorKind::ApiToken { .. }) if actor.has_scope("workplace:write") => Ok(a),
            _ => Err(WorkplaceError::Forbidden),
        }
    }

    pub(crate) async fn audit(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        action: &str,
        ids: Vec<String>,
    ) -> Result<(), WorkplaceError> {
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(actor.audit_label(), action, "workplace", ids),
        )
        .await?;
        Ok(())
    }

    /// Queues an e-mail in the transaction. The address is read before
    /// the transaction begins (SQLite: no pool reads while it is open).
    pub(crate) async fn mail_in(
        &self,
        tx: &mut Tx,
        to: &str,
        subject: &str,
        text: &str,
    ) -> Result<(), WorkplaceError> {
        let mail = identity::mail::OutgoingMail {
            to: to.to_owned(),
            subject: subject.to_owned(),
            text: format!("{text}\n\n{}/arbeit/mobil\n", self.public_url),
        };
        let payload = serde_json::to_value(&mail).map_err(internal)?;
        storage::jobs::enqueue(
            tx,
            self.clock.as_ref(),
            storage::NewJob::new(identity::mail::MAIL_JOB, payload),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn account(
        &self,
        id: AccountId,
    ) -> Result<identity::domain::Account, WorkplaceError> {
        self.identity
            .account(&Actor::system("workplace"), id)
            .await
            .map(|(a, _)| a)
            .map_err(|e| match e {
                identity::IdentityError::NotFound => WorkplaceError::NotFound,
                other => internal(other),
            })
    }

    pub(crate) async fn units(&self) -> Result<Vec<OrgUnit>, WorkplaceError> {
        self.identity
            .org_units(&Actor::system("workplace"))
            .await
            .map_err(internal)
    }

    /// True when `actor` manages `unit` (or acts for its manager).
    pub(crate) fn manages(actor: &Actor, unit: OrgUnitId) -> bool {
        !actor.is_system() && actor.has_role_in(Role::Manager, unit)
    }

    /// The home unit of a person.
    pub async fn home_unit(&self, person: AccountId) -> Result<Option<OrgUnitId>, WorkplaceError> {
        Ok(self.account(person).await?.org_unit)
    }

    /// Whether the agreement that applies today lets the person's unit
    /// take part: (tasks of a partly eligible unit, excluded).
    pub async fn eligibility_of(
        &self,
        person: AccountId,
    ) -> Result<(Option<String>, bool), WorkplaceError> {
        let Some(unit) = self.home_unit(person).await? else {
            return Ok((None, false));
        };
        let agreement = self.agreement_on(self.today()).await?;
        let units = self.units().await?;
        Ok(match agreement.exclusion_for(&units, unit) {
            Some(e) if e.eligibility == Eligibility::Excluded => (None, true),
            Some(e) => (Some(e.tasks.clone()), false),
            None => (None, false),
        })
    }

    /// Every unit's id and name, by code.
    pub async fn unit_names(&self) -> Result<Vec<(OrgUnitId, String)>, WorkplaceError> {
        Ok(self
            .units()
            .await?
            .into_iter()
            .map(|u| (u.id, format!("{} {}", u.code, u.name)))
            .collect())
    }

    /// An enrolment, for someone who may see its person.
    pub async fn enrolment(&self, actor: &Actor, id: Uuid) -> Result<EnrolmentRow, WorkplaceError> {
        let e = self
            .store
            .enrolment(id)
            .await?
            .ok_or(WorkplaceError::NotFound)?;
        self.require_sees_person(actor, AccountId(e.account_id))
            .await?;
        Ok(e)
    }

    /// An active staff member by e-mail address.
    pub async fn staff_by_email(&self, email: &str) -> Result<Option<AccountId>, WorkplaceError> {
        let email = email.trim();
        if email.is_empty() {
            return Ok(None);
        }
        let Some(id) = self
            .identity
            .account_id_by_email(email)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        let account = self.account(id).await?;
        Ok((account.kind == identity::domain::AccountKind::Staff
            && account.status == identity::domain::AccountStatus::Active)
            .then_some(id))
    }

    // --- agreement ------------------------------------------------------

    /// Every version, newest first (all staff may read the agreement).
    pub async fn agreements(&self, actor: &Actor) -> Result<Vec<Agreement>, WorkplaceError> {
        Self::require_staff(actor)?;
        Ok(self
            .store
            .agreements()
            .await?
            .into_iter()
            .map(Agreement::from_row)
            .collect())
    }

    /// The version that applies on `day`: the newest whose first day has
    /// come (the first version applies before its own first day too).
    pub async fn agreement_on(&self, day: NaiveDate) -> Result<Agreement, WorkplaceError> {
        let all = self.store.agreements().await?;
        let chosen = all
            .iter()
            .find(|a| a.valid_from <= day)
            .or(all.last())
            .cloned()
            .ok_or_else(|| WorkplaceError::Internal("no service agreement".into()))?;
        Ok(Agreement::from_row(chosen))
    }

    fn require_staff(actor: &Actor) -> Result<(), WorkplaceError> {
        if actor.is_system()
            || actor.kind == ActorKind::Staff
            || matches!(actor.kind, ActorKind::ApiToken { .. }) && actor.has_scope("workplace:read")
        {
            Ok(())
        } else {
            Err(WorkplaceError::Forbidden)
        }
    }

    /// HR sets a new version of the agreement; enrolments keep the
    /// version they were made under.
    pub async fn set_agreement(
        &self,
        actor: &Actor,
        input: AgreementInput,
    ) -> Result<Agreement, WorkplaceError> {
        if !actor.has_role_anywhere(Role::Hr) || !actor.has_scope("workplace:write") {
            return Err(WorkplaceError::Forbidden);
        }
        let mut errors = FieldErrors::new();
        if input.max_mobile_percent > 100 {
            errors.add("max_mobile_percent", "workplace_percent_range");
        }
        let start = NaiveTime::parse_from_str(input.core_start.trim(), "%H:%M");
        let end = NaiveTime::parse_from_str(input.core_end.trim(), "%H:%M");
        match (&start, &end) {
            (Err(_), _) => errors.add("core_start", "workplace_time_invalid"),
            (_, Err(_)) => errors.add("core_end", "workplace_time_invalid"),
            (Ok(s), Ok(e)) if s >= e => errors.add("core_end", "workplace_core_order"),
            _ => {}
        }
        if input.notice_days > 365 {
            errors.add("notice_days", "workplace_notice_range");
        }
        if !(1..=60).contains(&input.training_months) {
            errors.add("training_months", "workplace_training_range");
        }
        if !(1..=3650).contains(&input.plan_retention_days) {
            errors.add("plan_retention_days", "workplace_retention_range");
        }
        if !(2..=100).contains(&input.min_group) {
            errors.add("min_group", "workplace_min_group_range");
        }
        let units = self.units().await?;
        for (i, e) in input.exclusions.iter().enumerate() {
            if !units.iter().any(|u| u.id == e.unit) {
                errors.add(&format!("exclusions[{i}].unit"), "unit_unknown");
            }
            if e.eligibility == Eligibility::Partial && e.tasks.trim().is_empty() {
                errors.add(&format!("exclusions[{i}].tasks"), "workplace_tasks_missing");
            }
            if input.exclusions.iter().take(i).any(|o| o.unit == e.unit) {
                errors.add(&format!("exclusions[{i}].unit"), "workplace_unit_twice");
            }
        }
        if !errors.is_empty() {
            return Err(WorkplaceError::Invalid(errors));
        }
        let now = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        let version = self.store.last_version(&mut tx).await? + 1;
        let row = AgreementRow {
            version,
            valid_from: input.valid_from,
            max_mobile_permille: i64::from(input.max_mobile_percent) * 10,
            core_start: input.core_start.trim().to_owned(),
            core_end: input.core_end.trim().to_owned(),
            notice_days: i64::from(input.notice_days),
            training_months: i64::from(input.training_months),
            exclusions: serde_json::to_string(&input.exclusions).map_err(internal)?,
            visibility: input.visibility.as_str().to_owned(),
            plan_retention_days: i64::from(input.plan_retention_days),
            min_group: i64::from(input.min_group),
            created_by: actor.name.clone(),
            created_at: now,
        };
        self.store.insert_agreement(&mut tx, &row).await?;
        self.audit(
            &mut tx,
            actor,
            "agreement.versioned",
            vec![version.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(Agreement::from_row(row))
    }

    // --- enrolment ------------------------------------------------------

    /// A person applies for mobile work under the agreement that applies
    /// today. Refused: no home unit, an excluded unit, an open application
    /// or enrolment, working time or days out of range.
    pub async fn apply(
        &self,
        actor: &Actor,
        input: ApplyInput,
    ) -> Result<EnrolmentRow, WorkplaceError> {
        let me = Self::staff_account(actor)?;
        let account = self.account(me).await?;
        let unit = account
            .org_unit
            .ok_or_else(|| WorkplaceError::Conflict("workplace_no_home_unit".into()))?;
        let today = self.today();
        let agreement = self.agreement_on(today).await?;
        let units = self.units().await?;
        let mut errors = FieldErrors::new();
        if agreement
            .exclusion_for(&units, unit)
            .is_some_and(|e| e.eligibility == Eligibility::Excluded)
        {
            errors.add("unit", "workplace_unit_excluded");
        }
        if !(60..=3600).contains(&input.weekly_minutes) {
            errors.add("weekly_minutes", "workplace_hours_range");
        }
        let days = parse_weekdays(
            &input
                .work_days
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
        match days {
            Some(ref d) if !d.is_empty() && d.iter().all(|n| (1..=5).contains(n)) => {}
            _ => errors.add("work_days", "workplace_work_days"),
        }
        if input.note.chars().count() > 2000 {
            errors.add("note", "text_too_long");
        }
        if !errors.is_empty() {
            return Err(WorkplaceError::Invalid(errors));
        }
        let now = self.clock.now();
        let row = EnrolmentRow {
            id: Uuid::now_v7(),
            account_id: me.0,
            org_unit_id: unit.0,
            agreement_version: agreement.row.version,
            weekly_minutes: i64::from(input.weekly_minutes),
            work_days: crate::domain::weekdays_text(&days.unwrap_or_default()),
            note: input.note.trim().to_owned(),
            state: EnrolmentState::Applied.as_str().to_owned(),
            reason: String::new(),
            decided_by: None,
            decided_at: None,
            revoked_by: None,
            ends_on: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.db().begin().await?;
        if !self.store.insert_enrolment(&mut tx, &row).await? {
            return Err(WorkplaceError::Conflict("workplace_applied_already".into()));
        }
        self.audit(
            &mut tx,
            actor,
            "enrolment.applied",
            vec![row.id.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The person's enrolments, newest first (they themselves, their
    /// managers, HR).
    pub async fn enrolments_of(
        &self,
        actor: &Actor,
        person: AccountId,
    ) -> Result<Vec<EnrolmentRow>, WorkplaceError> {
        self.require_sees_person(actor, person).await?;
        Ok(self.store.enrolments_of(person.0).await?)
    }

    /// Applications waiting for the actor's decision, and the approved
    /// enrolments of the units they manage.
    pub async fn team_enrolments(
        &self,
        actor: &Actor,
    ) -> Result<(Vec<EnrolmentView>, Vec<EnrolmentView>), WorkplaceError> {
        let units: Vec<Uuid> = actor
            .units_with(&[Role::Manager])
            .into_iter()
            .map(|u| u.0)
            .collect();
        let mut open = Vec::new();
        let mut approved = Vec::new();
        // Names of the units' members in one read; someone enrolled in a
        // unit they have since left is looked up on their own.
        let unit_ids: Vec<OrgUnitId> = units.iter().copied().map(OrgUnitId).collect();
        let names: std::collections::HashMap<Uuid, String> = self
            .identity
            .members_of(&unit_ids)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|(a, n, _)| (a.0, n))
            .collect();
        for e in self
            .store
            .enrolments_in(&units, &["applied", "approved"])
            .await?
        {
            if Some(AccountId(e.account_id)) == actor.account {
                continue;
            }
            let name = match names.get(&e.account_id) {
                Some(n) => n.clone(),
                None => self.account(AccountId(e.account_id)).await?.display_name,
            };
            let view = EnrolmentView { enrolment: e, name };
            if view.enrolment.state == "applied" {
                open.push(view);
            } else {
                approved.push(view);
            }
        }
        Ok((open, approved))
    }

    /// The manager of the person's unit approves or declines (with a
    /// reason); the person is told by e-mail.
    pub async fn decide(
        &self,
        actor: &Actor,
        id: Uuid,
        input: DecideInput,
    ) -> Result<EnrolmentRow, WorkplaceError> {
        Self::staff_account(actor)?;
        let mut e = self
            .store
            .enrolment(id)
            .await?
            .ok_or(WorkplaceError::NotFound)?;
        if !Self::manages(actor, OrgUnitId(e.org_unit_id))
            || actor.account == Some(AccountId(e.account_id))
        {
            return Err(WorkplaceError::Forbidden);
        }
        let reason = input.reason.trim();
        if !input.approve && reason.is_empty() {
            return Err(invalid("reason", "workplace_reason_missing"));
        }
        if reason.chars().count() > 2000 {
            return Err(invalid("reason", "text_too_long"));
        }
        let now = self.clock.now();
        e.state = if input.approve {
            EnrolmentState::Approved
        } else {
            EnrolmentState::Declined
        }
        .as_str()
        .to_owned();
        e.reason = reason.to_owned();
        e.decided_by = Some(actor.name.clone());
        e.decided_at = Some(now);
        e.updated_at = now;
        let address = self.account(AccountId(e.account_id)).await?.email;
        let mut tx = self.store.db().begin().await?;
        if !self.store.update_enrolment(&mut tx, &e, "applied").await? {
            return Err(WorkplaceError::Conflict("workplace_decided_already".into()));
        }
        let (subject, text) = if input.approve {
            (
                "Mobiles Arbeiten: Antrag genehmigt",
                format!(
                    "{} hat Ihren Antrag auf mobiles Arbeiten genehmigt. Sobald Ihre Checkliste vollständig ist (Vereinbarung, Gerät, VPN, Schulungen, Selbstcheck), können Sie mobil eingeplant werden.",
                    actor.name
                ),
            )
        } else {
            (
                "Mobiles Arbeiten: Antrag abgelehnt",
                format!(
                    "{} hat Ihren Antrag auf mobiles Arbeiten abgelehnt.\nBegründung: {reason}",
                    actor.name
                ),
            )
        };
        self.mail_in(&mut tx, &address, subject, &text).await?;
        let action = if input.approve {
            "enrolment.approved"
        } else {
            "enrolment.declined"
        };
        self.audit(&mut tx, actor, action, vec![e.id.to_string()])
            .await?;
        tx.commit().await?;
        Ok(e)
    }

    /// The person or their manager (or HR) revokes: an application ends
    /// at once; an enrolment after the agreement's notice. Mobile days
    /// after the last day become office days in every plan, and the
    /// person (and, when they revoked themselves, the manager's side
    /// through the record) is told.
    pub async fn revoke(
        &self,
        actor: &Actor,
        id: Uuid,
        input: RevokeInput,
    ) -> Result<EnrolmentRow, WorkplaceError> {
        Self::staff_account(actor)?;
        let mut e = self
            .store
            .enrolment(id)
            .await?
            .ok_or(WorkplaceError::NotFound)?;
        let own = actor.account == Some(AccountId(e.account_id));
        let unit = OrgUnitId(e.org_unit_id);
        if !own && !Self::manages(actor, unit) && !actor.has_role_in(Role::Hr, unit) {
            return Err(WorkplaceError::Forbidden);
        }
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(invalid("reason", "workplace_reason_missing"));
        }
        if reason.chars().count() > 2000 {
            return Err(invalid("reason", "text_too_long"));
        }
        let from = e.state.clone();
        let today = self.today();
        let last_day = match EnrolmentState::parse(&from) {
            Some(EnrolmentState::Applied) => today,
            Some(EnrolmentState::Approved) => {
                let agreement = self.agreement_on(today).await?;
                today + chrono::Days::new(u64::try_from(agreement.row.notice_days).unwrap_or(0))
            }
            _ => {
                return Err(WorkplaceError::Conflict("workplace_not_revocable".into()));
            }
        };
        let now = self.clock.now();
        e.state = EnrolmentState::Revoked.as_str().to_owned();
        e.reason = reason.to_owned();
        e.revoked_by = Some(actor.name.clone());
        e.ends_on = Some(last_day);
        e.updated_at = now;
        let address = self.account(AccountId(e.account_id)).await?.email;
        let mut tx = self.store.db().begin().await?;
        if !self.store.update_enrolment(&mut tx, &e, &from).await? {
            return Err(WorkplaceError::Conflict(
                "workplace_changed_meanwhile".into(),
            ));
        }
        let removed = self
            .store
            .office_after(&mut tx, e.account_id, last_day)
            .await?;
        let text = format!(
            "Ihre Teilnahme am mobilen Arbeiten wurde von {} widerrufen. Letzter Tag mobilen Arbeitens: {}.\nBegründung: {reason}\nMobile Tage danach in Ihren Anwesenheitsplänen: {removed} – sie sind jetzt Bürotage.",
            actor.name,
            last_day.format("%d.%m.%Y"),
        );
        self.mail_in(&mut tx, &address, "Mobiles Arbeiten: Widerruf", &text)
            .await?;
        self.audit(&mut tx, actor, "enrolment.revoked", vec![e.id.to_string()])
            .await?;
        tx.commit().await?;
        Ok(e)
    }

    // --- readiness ------------------------------------------------------

    /// Whether `actor` may see `person`'s readiness, enrolment and
    /// devices: themselves, managers and HR of their unit, the IT service.
    pub(crate) async fn require_sees_person(
        &self,
        actor: &Actor,
        person: AccountId,
    ) -> Result<identity::domain::Account, WorkplaceError> {
        let account = self.account(person).await?;
        let own = actor.account == Some(person) && !actor.is_system();
        let unit = account.org_unit;
        let allowed = own
            || actor.is_system()
            || actor.has_role_anywhere(Role::ItService)
            || unit.is_some_and(|u| Self::manages(actor, u) || actor.has_role_in(Role::Hr, u));
        if allowed && actor.has_scope("workplace:read") {
            Ok(account)
        } else {
            Err(WorkplaceError::Forbidden)
        }
    }

    /// What decides readiness, and the enrolment the planner reads the
    /// working time from, for many people with a few queries.
    pub async fn readiness_facts_of(
        &self,
        people: &[Uuid],
    ) -> Result<
        std::collections::HashMap<Uuid, (ReadinessFacts, Option<EnrolmentRow>)>,
        WorkplaceError,
    > {
        let rows = self.people_rows(people).await?;
        Ok(people.iter().map(|p| (*p, rows.facts(*p))).collect())
    }

    /// The enrolments, devices, VPN grants and confirmations of many
    /// people: four queries, whatever their number.
    async fn people_rows(&self, people: &[Uuid]) -> Result<PeopleRows, WorkplaceError> {
        fn by_person<T>(
            rows: Vec<T>,
            key: impl Fn(&T) -> Option<Uuid>,
        ) -> std::collections::HashMap<Uuid, Vec<T>> {
            let mut out: std::collections::HashMap<Uuid, Vec<T>> = Default::default();
            for r in rows {
                if let Some(k) = key(&r) {
                    out.entry(k).or_default().push(r);
                }
            }
            out
        }
        Ok(PeopleRows {
            enrolments: by_person(self.store.enrolments_of_many(people).await?, |e| {
                Some(e.account_id)
            }),
            devices: by_person(self.store.devices_of_many(people).await?, |d| d.holder_id),
            grants: by_person(self.store.vpn_grants_of_many(people).await?, |g| {
                Some(g.account_id)
            }),
            confirmations: by_person(self.store.confirmations_of_many(people).await?, |c| {
                Some(c.account_id)
            }),
        })
    }

    /// What decides a person's readiness.
    pub async fn readiness_facts(
        &self,
        person: AccountId,
    ) -> Result<ReadinessFacts, WorkplaceError> {
        Ok(self.people_rows(&[person.0]).await?.facts(person.0).0)
    }

    /// A person's checklist as of today.
    pub async fn readiness(
        &self,
        actor: &Actor,
        person: AccountId,
    ) -> Result<Readiness, WorkplaceError> {
        let account = self.require_sees_person(actor, person).await?;
        let rows = self.people_rows(&[person.0]).await?;
        Ok(rows.readiness(person, account.display_name, self.today()))
    }

    /// The checklists of the approved members of the actor's teams, as of
    /// today (the manager's team page), read together.
    pub async fn team_readiness(
        &self,
        actor: &Actor,
        approved: &[EnrolmentView],
    ) -> Result<Vec<Readiness>, WorkplaceError> {
        if approved
            .iter()
            .any(|e| !Self::manages(actor, OrgUnitId(e.enrolment.org_unit_id)))
        {
            return Err(WorkplaceError::Forbidden);
        }
        let ids: Vec<Uuid> = approved.iter().map(|e| e.enrolment.account_id).collect();
        let rows = self.people_rows(&ids).await?;
        let today = self.today();
        Ok(approved
            .iter()
            .map(|e| rows.readiness(AccountId(e.enrolment.account_id), e.name.clone(), today))
            .collect())
    }

    /// Confirms an item of the checklist for the day it was done: the
    /// person for themselves (the agreement only once approved), or a
    /// manager or HR of their unit. A training is valid for the
    /// agreement's months from that day.
    pub async fn confirm(
        &self,
        actor: &Actor,
        person: AccountId,
        item: ConfirmedItem,
        done_on: Option<NaiveDate>,
    ) -> Result<Readiness, WorkplaceError> {
        Self::staff_account(actor)?;
        let account = self.account(person).await?;
        let own = actor.account == Some(person);
        let unit = account.org_unit;
        if !own && !unit.is_some_and(|u| Self::manages(actor, u) || actor.has_role_in(Role::Hr, u))
        {
            return Err(WorkplaceError::Forbidden);
        }
        let today = self.today();
        let agreement = self.agreement_on(today).await?;
        let on = done_on.unwrap_or(today);
        if on > today {
            return Err(invalid("done_on", "date_not_past"));
        }
        let months = u32::try_from(agreement.row.training_months).unwrap_or(24);
        let valid_until = if item.expires() {
            let until = on
                .checked_add_months(Months::new(months))
                .ok_or_else(|| invalid("done_on", "date_invalid"))?;
            if until < today {
                return Err(invalid("done_on", "workplace_training_expired"));
            }
            Some(until)
        } else {
            None
        };
        if item == ConfirmedItem::AgreementSigned
            && !self
                .store
                .enrolments_of(person.0)
                .await?
                .iter()
                .any(|e| e.state == "approved")
        {
            return Err(WorkplaceError::Conflict(
                "workplace_sign_after_approval".into(),
            ));
        }
        let mut tx = self.store.db().begin().await?;
        self.store
            .confirm(
                &mut tx,
                &ConfirmationRow {
                    account_id: person.0,
                    item: item.as_str().to_owned(),
                    confirmed_on: on,
                    valid_until,
                    confirmed_by: actor.name.clone(),
                },
            )
            .await?;
        self.audit(
            &mut tx,
            actor,
            &format!("readiness.{}", item.as_str()),
            vec![person.to_string()],
        )
        .await?;
        tx.commit().await?;
        self.readiness(actor, person).await
    }

    /// The weekday numbers of a `NaiveDate` (1 = Monday).
    pub fn iso_weekday(day: NaiveDate) -> u8 {
        u8::try_from(day.weekday().number_from_monday()).unwrap_or(1)
    }
}

/// What readiness is decided from, per person.
struct PeopleRows {
    enrolments: std::collections::HashMap<Uuid, Vec<EnrolmentRow>>,
    devices: std::collections::HashMap<Uuid, Vec<DeviceRow>>,
    grants: std::collections::HashMap<Uuid, Vec<crate::store::VpnGrantRow>>,
    confirmations: std::collections::HashMap<Uuid, Vec<ConfirmationRow>>,
}

impl PeopleRows {
    fn of<T>(map: &std::collections::HashMap<Uuid, Vec<T>>, p: Uuid) -> &[T] {
        map.get(&p).map_or(&[], Vec::as_slice)
    }

    /// The facts of `p`, and the enrolment that was decided last (the
    /// planner reads the working time from it).
    fn facts(&self, p: Uuid) -> (ReadinessFacts, Option<EnrolmentRow>) {
        let mine = Self::of(&self.enrolments, p);
        let decided = mine
            .iter()
            .find(|e| {
                matches!(
                    EnrolmentState::parse(&e.state),
                    Some(EnrolmentState::Approved | EnrolmentState::Revoked)
                ) && e.decided_at.is_some()
            })
            .cloned();
        let enrolled_until = mine
            .iter()
            .find_map(|e| match EnrolmentState::parse(&e.state) {
                Some(EnrolmentState::Approved) => Some(None),
                Some(EnrolmentState::Revoked) if e.decided_at.is_some() => Some(e.ends_on),
                _ => None,
            });
        let facts = ReadinessFacts {
            enrolled_until,
            confirmations: Self::of(&self.confirmations, p).to_vec(),
            device: Self::of(&self.devices, p).iter().any(counts_as_workstation),
            vpn: Self::of(&self.grants, p)
                .iter()
                .map(|g| (g.starts_on, g.ends_on))
                .collect(),
        };
        (facts, decided)
    }

    /// The checklist of `person` as of `today`.
    fn readiness(&self, person: AccountId, name: String, today: NaiveDate) -> Readiness {
        let (facts, _) = self.facts(person.0);
        let enrolment = Self::of(&self.enrolments, person.0)
            .iter()
            .find(|e| {
                e.state == "applied"
                    || e.state == "approved"
                    || e.state == "revoked" && e.ends_on.is_some_and(|d| d >= today)
            })
            .cloned();
        let devices = Self::of(&self.devices, person.0);
        let grants = Self::of(&self.grants, person.0);
        let mut items = Vec::new();
        for item in CHECKLIST {
            let entry = match item {
                "device" => {
                    let d = devices.iter().find(|d| counts_as_workstation(d));
                    ReadinessEntry {
                        item: item.into(),
                        done: d.is_some(),
                        on: d.and_then(|d| d.acknowledged_at).map(|t| t.date_naive()),
                        by: d.map(|d| format!("{} {}", d.model, d.inventory_no)),
                        valid_until: None,
                    }
                }
                "vpn" => {
                    let g = grants
                        .iter()
                        .find(|g| g.starts_on <= today && g.ends_on.is_none_or(|e| today <= e));
                    ReadinessEntry {
                        item: item.into(),
                        done: g.is_some(),
                        on: g.map(|g| g.starts_on),
                        by: g.map(|g| g.granted_by.clone()),
                        valid_until: g.and_then(|g| g.ends_on),
                    }
                }
                other => {
                    let c = facts.confirmations.iter().find(|c| c.item == other);
                    ReadinessEntry {
                        item: item.into(),
                        done: c.is_some_and(|c| c.valid_until.is_none_or(|v| today <= v)),
                        on: c.map(|c| c.confirmed_on),
                        by: c.map(|c| c.confirmed_by.clone()),
                        valid_until: c.and_then(|c| c.valid_until),
                    }
                }
            };
            items.push(entry);
        }
        let missing = items
            .iter()
            .filter(|i| !i.done)
            .map(|i| i.item.clone())
            .collect();
        Readiness {
            account_id: person,
            name,
            enrolment,
            ready: facts.ready_on(today),
            items,
            missing,
        }
    }
}

/// A device that makes mobile work possible: an acknowledged notebook or
/// tablet (a smartphone alone does not).
pub(crate) fn counts_as_workstation(d: &DeviceRow) -> bool {
    d.state == "issued"
        && d.acknowledged_at.is_some()
        && (d.kind == "notebook" || d.kind == "tablet")
}
