//! The use cases of staff surveys. HR makes and opens a survey, staff in
//! its audience answer once, the staff council sets the smallest group
//! shown and publishes the results. Every call checks the actor.
//!
//! Anonymity: answering writes two unrelated rows in one transaction —
//! the participation (survey, person; nothing else) and the answer set in
//! the ballot box (random id, the day; nothing else). The ballot box is
//! emptied in shuffled batches into the responses under new ids, so
//! neither row order nor the writing transaction links an answer set to a
//! participation. Nothing about an answer is written to the access log.

use crate::domain::{Answer, Question, check_answers, check_questions};
use crate::results::{Results, results};
use crate::store::{ResponseRow, SurveyRow, SurveysStore};
use crate::suppression::{Unit, breakdown};
use chrono::NaiveDate;
use identity::IdentityService;
use kernel::{AccountId, Actor, ActorKind, Clock, FieldErrors, OrgUnitId, Role};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::{AuditEntry, DbError, Tx};
use uuid::Uuid;

/// Answer sets wait in the ballot box until this many can be mixed
/// together (the rest when the survey closes).
pub const MIX_BATCH: i64 = 20;

/// The smallest group a staff council may allow (two people would know
/// each other's answers).
pub const MIN_GROUP_LOWEST: i64 = 3;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum SurveysError {
    /// Input to fix, per field.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// Not allowed for this actor.
    #[error("forbidden")]
    Forbidden,
    /// Not there (or not visible).
    #[error("not found")]
    NotFound,
    /// Conflicts with the survey's state (a code for the message).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("internal: {0}")]
    Internal(String),
}

fn internal(e: impl std::fmt::Display) -> SurveysError {
    SurveysError::Internal(e.to_string())
}

fn invalid(field: &str, code: &str) -> SurveysError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    SurveysError::Invalid(e)
}

kernel::stored_enum!(
    /// A survey's state.
    State {
        /// Being written; questions may change.
        Draft = "draft",
        /// Taking answers; questions frozen.
        Open = "open",
        /// No more answers; results not yet released.
        Closed = "closed",
        /// Results released by the staff council.
        Published = "published",
    }
);

/// A survey as written by HR (create and change while a draft).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    /// Title.
    pub title: String,
    /// Introduction (what it is for, who sees what).
    #[serde(default)]
    pub intro: String,
    /// The questions.
    #[schema(value_type = Vec<Object>)]
    pub questions: Vec<Question>,
    /// Everyone on the staff; else `units` and the units below them.
    #[serde(default)]
    pub all_staff: bool,
    /// Org units of the audience.
    #[serde(default)]
    pub units: Vec<Uuid>,
    /// First day answers are taken.
    #[serde(default)]
    pub opens_on: Option<NaiveDate>,
    /// Last day answers are taken.
    #[serde(default)]
    pub closes_on: Option<NaiveDate>,
    /// Participants may change their answers until the survey closes.
    #[serde(default)]
    pub allow_changes: bool,
}

/// A survey with what the actor may do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyView {
    /// The survey.
    pub survey: SurveyRow,
    /// Its state.
    pub state: State,
    /// The questions.
    #[schema(value_type = Vec<Object>)]
    pub questions: Vec<Question>,
    /// Units of the audience (empty: all staff).
    pub units: Vec<Uuid>,
    /// Taking answers today.
    pub answerable: bool,
    /// The actor is in the audience.
    pub in_audience: bool,
    /// The actor took part.
    pub took_part: bool,
    /// The actor manages it (owner, HR).
    pub manages: bool,
    /// The actor is on the staff council.
    pub staff_council: bool,
}

/// What answering gives back.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    /// The one-time secret to change the answers (only when the survey
    /// allows changes); shown once, stored only as a hash.
    pub change_secret: Option<String>,
}

/// Participation in one org unit (itself and below).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitParticipation {
    /// Unit.
    pub unit_id: Uuid,
    /// Its name.
    pub name: String,
    /// Depth in the tree (0: the top of the audience).
    pub depth: usize,
    /// People of the audience in it.
    pub audience: u64,
    /// People who took part (`None`: withheld, a group below the minimum
    /// or one that would give a smaller group away).
    pub respondents: Option<u64>,
    /// Share in per cent.
    pub rate: Option<f64>,
}

/// Results as the actor may see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultsView {
    /// The survey.
    pub survey: SurveyRow,
    /// The figures.
    #[schema(value_type = Object)]
    pub results: Results,
    /// Only the overall figures (participants).
    pub overall_only: bool,
}

fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}

/// A secret to change one's answers: 20 characters from an alphabet
/// without look-alikes (≈ 100 bits), in groups of four.
fn new_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let raw: Vec<char> = (0..20)
        .map(|_| {
            let i = usize::from(rand::random::<u8>()) % ALPHABET.len();
            ALPHABET.get(i).map(|b| char::from(*b)).unwrap_or('A')
        })
        .collect();
    raw.chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Whether `unit` is one of `roots` or below one.
fn under(
    unit: OrgUnitId,
    roots: &HashSet<Uuid>,
    parents: &HashMap<OrgUnitId, Option<OrgUnitId>>,
) -> bool {
    let mut cur = Some(unit);
    // The tree is shallow; the bound only guards against a cycle.
    for _ in 0..64 {
        let Some(c) = cur else { return false };
        if roots.contains(&c.0) {
            return true;
        }
        cur = parents.get(&c).copied().flatten();
    }
    false
}

/// The use cases of staff surveys.
pub struct SurveysService {
    pub(crate) store: SurveysStore,
    identity: Arc<IdentityService>,
    clock: Arc<dyn Clock>,
    public_url: String,
}

impl SurveysService {
    /// The service.
    pub fn new(
        store: SurveysStore,
        identity: Arc<IdentityService>,
        clock: Arc<dyn Clock>,
        public_url: String,
    ) -> SurveysService {
        SurveysService {
            store,
            identity,
            clock,
            public_url,
        }
    }

    /// Now, by the injected clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The org units to choose an audience from: (id, name, depth), in
    /// tree order.
    pub async fn unit_choices(&self) -> Result<Vec<(Uuid, String, usize)>, SurveysError> {
        let units = self.tree().await?;
        let mut out = Vec::new();
        fn walk(
            parent: Option<OrgUnitId>,
            depth: usize,
            units: &[identity::domain::OrgUnit],
            out: &mut Vec<(Uuid, String, usize)>,
        ) {
            let mut kids: Vec<&identity::domain::OrgUnit> =
                units.iter().filter(|u| u.parent == parent).collect();
            kids.sort_by(|a, b| a.code.cmp(&b.code));
            for k in kids {
                out.push((k.id.0, format!("{} {}", k.code, k.name), depth));
                if depth < 64 {
                    walk(Some(k.id), depth + 1, units, out);
                }
            }
        }
        walk(None, 0, &units, &mut out);
        Ok(out)
    }

    fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    fn system() -> Actor {
        Actor::system("surveys")
    }

    /// The person acting: staff in a session, or an API token with a
    /// surveys scope.
    fn me(actor: &Actor) -> Result<AccountId, SurveysError> {
        match (&actor.kind, actor.account) {
            (ActorKind::Staff, Some(a)) => Ok(a),
            (ActorKind::ApiToken { .. }, Some(a))
                if actor.has_scope("surveys:write") || actor.has_scope("surveys:read") =>
            {
                Ok(a)
            }
            _ => Err(SurveysError::Forbidden),
        }
    }

    /// HR or an admin (may make surveys).
    pub fn is_hr(actor: &Actor) -> bool {
        actor.has_role_anywhere(Role::Hr) || actor.has_role_anywhere(Role::Admin)
    }

    fn is_council(actor: &Actor) -> bool {
        actor.has_role_anywhere(Role::StaffCouncil)
    }

    fn manages(actor: &Actor, s: &SurveyRow) -> bool {
        actor.account.map(|a| a.0) == Some(s.owner_id) || Self::is_hr(actor)
    }

    fn writes(actor: &Actor) -> Result<(), SurveysError> {
        match actor.kind {
            ActorKind::ApiToken { .. } if !actor.has_scope("surveys:write") => {
                Err(SurveysError::Forbidden)
            }
            _ => Ok(()),
        }
    }

    fn state(s: &SurveyRow) -> Result<State, SurveysError> {
        State::parse(&s.state).ok_or_else(|| internal(format!("state {}", s.state)))
    }

    /// The questions of a stored survey.
    pub fn questions(s: &SurveyRow) -> Result<Vec<Question>, SurveysError> {
        serde_json::from_str(&s.questions).map_err(internal)
    }

    async fn survey(&self, id: Uuid) -> Result<SurveyRow, SurveysError> {
        self.store.survey(id).await?.ok_or(SurveysError::NotFound)
    }

    async fn audit(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        action: &str,
        id: Uuid,
    ) -> Result<(), SurveysError> {
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(actor.audit_label(), action, "survey", vec![id.to_string()]),
        )
        .await?;
        Ok(())
    }

    /// The org tree below (and including) `roots`: unit → children.
    async fn tree(&self) -> Result<Vec<identity::domain::OrgUnit>, SurveysError> {
        self.identity
            .org_units(&Self::system())
            .await
            .map_err(internal)
    }

    /// The units of the audience with every unit below them.
    async fn audience_units(&self, s: &SurveyRow) -> Result<Vec<OrgUnitId>, SurveysError> {
        let units = self.tree().await?;
        if s.all_staff {
            return Ok(units.iter().map(|u| u.id).collect());
        }
        let roots: HashSet<Uuid> = self.store.audience_units(s.id).await?.into_iter().collect();
        let parents: HashMap<OrgUnitId, Option<OrgUnitId>> =
            units.iter().map(|u| (u.id, u.parent)).collect();
        Ok(units
            .iter()
            .map(|u| u.id)
            .filter(|u| under(*u, &roots, &parents))
            .collect())
    }

    async fn home_unit(&self, account: AccountId) -> Result<Option<OrgUnitId>, SurveysError> {
        // Without an access-log entry: the log must not record when
        // someone answered.
        self.identity.home_unit_of(account).await.map_err(internal)
    }

    async fn in_audience(&self, s: &SurveyRow, account: AccountId) -> Result<bool, SurveysError> {
        let Some(home) = self.home_unit(account).await? else {
            return Ok(s.all_staff);
        };
        if s.all_staff {
            return Ok(true);
        }
        let roots: HashSet<Uuid> = self.store.audience_units(s.id).await?.into_iter().collect();
        let parents: HashMap<OrgUnitId, Option<OrgUnitId>> = self
            .tree()
            .await?
            .iter()
            .map(|u| (u.id, u.parent))
            .collect();
        Ok(under(home, &roots, &parents))
    }

    fn answerable(&self, s: &SurveyRow) -> bool {
        let today = self.today();
        s.state == State::Open.as_str()
            && s.opens_on.is_none_or(|d| d <= today)
            && s.closes_on.is_none_or(|d| today <= d)
    }

    fn check_input(&self, input: &SurveyInput) -> Result<(), SurveysError> {
        let mut errors = match check_questions(&input.questions) {
            Ok(()) => FieldErrors::new(),
            Err(e) => e,
        };
        let title = input.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            errors.add("title", "survey_title");
        }
        if input.intro.chars().count() > 5_000 {
            errors.add("intro", "survey_intro_too_long");
        }
        if !input.all_staff && input.units.is_empty() {
            errors.add("units", "survey_audience_empty");
        }
        if let (Some(a), Some(b)) = (input.opens_on, input.closes_on)
            && b < a
        {
            errors.add("closes_on", "survey_dates_order");
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SurveysError::Invalid(errors))
        }
    }

    async fn check_units(&self, units: &[Uuid]) -> Result<(), SurveysError> {
        let known: HashSet<Uuid> = self.tree().await?.iter().map(|u| u.id.0).collect();
        if units.iter().any(|u| !known.contains(u)) {
            return Err(invalid("units", "survey_unit_unknown"));
        }
        Ok(())
    }

    /// HR makes a survey (a draft).
    pub async fn create(
        &self,
        actor: &Actor,
        input: SurveyInput,
    ) -> Result<SurveyRow, SurveysError> {
        let me = Self::me(actor)?;
        Self::writes(actor)?;
        if !Self::is_hr(actor) {
            return Err(SurveysError::Forbidden);
        }
        self.check_input(&input)?;
        self.check_units(&input.units).await?;
        let now = self.clock.now();
        let row = SurveyRow {
            id: Uuid::now_v7(),
            title: input.title.trim().to_owned(),
            intro: input.intro.trim().to_owned(),
            questions: serde_json::to_string(&input.questions).map_err(internal)?,
            state: State::Draft.as_str().into(),
            all_staff: input.all_staff,
            opens_on: input.opens_on,
            closes_on: input.closes_on,
            min_group: 5,
            allow_changes: input.allow_changes,
            owner_id: me.0,
            owner_name: actor.name.clone(),
            reminded_on: None,
            published_by: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.db().begin().await?;
        self.store.insert(&mut tx, &row).await?;
        let units = if input.all_staff {
            Vec::new()
        } else {
            input.units
        };
        self.store
            .set_audience_units(&mut tx, row.id, &units)
            .await?;
        self.audit(&mut tx, actor, "survey.created", row.id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// HR changes a draft (once open, the questions stay as they are).
    pub async fn update(
        &self,
        actor: &Actor,
        id: Uuid,
        input: SurveyInput,
    ) -> Result<SurveyRow, SurveysError> {
        Self::me(actor)?;
        Self::writes(actor)?;
        let mut s = self.survey(id).await?;
        if !Self::manages(actor, &s) {
            return Err(SurveysError::Forbidden);
        }
        if Self::state(&s)? != State::Draft {
            return Err(SurveysError::Conflict("survey_frozen".into()));
        }
        self.check_input(&input)?;
        self.check_units(&input.units).await?;
        s.title = input.title.trim().to_owned();
        s.intro = input.intro.trim().to_owned();
        s.questions = serde_json::to_string(&input.questions).map_err(internal)?;
        s.all_staff = input.all_staff;
        s.opens_on = input.opens_on;
        s.closes_on = input.closes_on;
        s.allow_changes = input.allow_changes;
        s.updated_at = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        if !self
            .store
            .update(&mut tx, &s, State::Draft.as_str())
            .await?
        {
            return Err(SurveysError::Conflict("survey_frozen".into()));
        }
        let units = if input.all_staff {
            Vec::new()
        } else {
            input.units
        };
        self.store.set_audience_units(&mut tx, s.id, &units).await?;
        self.audit(&mut tx, actor, "survey.changed", s.id).await?;
        tx.commit().await?;
        Ok(s)
    }

    async fn transition(
        &self,
        actor: &Actor,
        s: &mut SurveyRow,
        from: State,
        to: State,
        action: &str,
    ) -> Result<(), SurveysError> {
        s.state = to.as_str().into();
        s.updated_at = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        if !self.store.update(&mut tx, s, from.as_str()).await? {
            return Err(SurveysError::Conflict(format!(
                "survey_not_{}",
                from.as_str()
            )));
        }
        self.audit(&mut tx, actor, action, s.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// HR opens a draft: from now on the questions are frozen.
    pub async fn open(&self, actor: &Actor, id: Uuid) -> Result<SurveyRow, SurveysError> {
        Self::me(actor)?;
        Self::writes(actor)?;
        let mut s = self.survey(id).await?;
        if !Self::manages(actor, &s) {
            return Err(SurveysError::Forbidden);
        }
        if Self::state(&s)? != State::Draft {
            return Err(SurveysError::Conflict("survey_not_draft".into()));
        }
        check_questions(&Self::questions(&s)?).map_err(SurveysError::Invalid)?;
        if s.closes_on.is_some_and(|d| d < self.today()) {
            return Err(invalid("closes_on", "survey_closes_in_past"));
        }
        if self.audience(&s).await?.is_empty() {
            return Err(invalid("units", "survey_audience_empty"));
        }
        self.transition(actor, &mut s, State::Draft, State::Open, "survey.opened")
            .await?;
        Ok(s)
    }

    /// HR closes an open survey; every waiting answer set is mixed.
    pub async fn close(&self, actor: &Actor, id: Uuid) -> Result<SurveyRow, SurveysError> {
        Self::me(actor)?;
        Self::writes(actor)?;
        let mut s = self.survey(id).await?;
        if !Self::manages(actor, &s) {
            return Err(SurveysError::Forbidden);
        }
        if Self::state(&s)? != State::Open {
            return Err(SurveysError::Conflict("survey_not_open".into()));
        }
        self.transition(actor, &mut s, State::Open, State::Closed, "survey.closed")
            .await?;
        self.mix(s.id).await?;
        self.forget_ballots().await;
        Ok(s)
    }

    /// Closes every open survey whose last day has passed (housekeeping).
    pub async fn close_due(&self) -> Result<usize, SurveysError> {
        let due = self.store.due_to_close(self.today()).await?;
        let system = Self::system();
        let mut n = 0;
        for id in due {
            let mut s = self.survey(id).await?;
            if self
                .transition(&system, &mut s, State::Open, State::Closed, "survey.closed")
                .await
                .is_ok()
            {
                self.mix(id).await?;
                n += 1;
            }
        }
        if n > 0 {
            self.forget_ballots().await;
        }
        Ok(n)
    }

    /// After the last mix: the deleted ballot rows are removed from the
    /// database files as well (PostgreSQL keeps them until vacuumed).
    async fn forget_ballots(&self) {
        if let Err(e) = self.store.vacuum_ballots().await {
            tracing::warn!(error = %e, "vacuuming the ballot box failed");
        }
    }

    /// The staff council sets the smallest group shown (before the
    /// results are published).
    pub async fn set_min_group(
        &self,
        actor: &Actor,
        id: Uuid,
        min: i64,
    ) -> Result<SurveyRow, SurveysError> {
        Self::me(actor)?;
        Self::writes(actor)?;
        if !Self::is_council(actor) {
            return Err(SurveysError::Forbidden);
        }
        let mut s = self.survey(id).await?;
        let state = Self::state(&s)?;
        if state == State::Published {
            return Err(SurveysError::Conflict("survey_published".into()));
        }
        if !(MIN_GROUP_LOWEST..=100).contains(&min) {
            return Err(invalid("min_group", "survey_min_group"));
        }
        s.min_group = min;
        s.updated_at = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        if !self.store.update(&mut tx, &s, state.as_str()).await? {
            return Err(SurveysError::Conflict("survey_published".into()));
        }
        self.audit(&mut tx, actor, "survey.min_group_set", s.id)
            .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// What publishing would withhold and why (the staff council's check
    /// before publishing): the results' list of withheld figures and the
    /// number of respondents (if at least the minimum).
    pub async fn publication_check(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(SurveyRow, Results), SurveysError> {
        Self::me(actor)?;
        let s = self.survey(id).await?;
        if !Self::is_council(actor) {
            return Err(SurveysError::Forbidden);
        }
        let mut r = self.compute(&s).await?;
        // Before publishing the council sees what is withheld, not the
        // figures themselves.
        r.questions.clear();
        r.breakdowns.clear();
        Ok((s, r))
    }

    /// The staff council publishes the results of a closed survey. With
    /// figures withheld they confirm having seen what and why.
    pub async fn publish(
        &self,
        actor: &Actor,
        id: Uuid,
        confirmed: bool,
    ) -> Result<SurveyRow, SurveysError> {
        Self::me(actor)?;
        Self::writes(actor)?;
        if !Self::is_council(actor) {
            return Err(SurveysError::Forbidden);
        }
        let mut s = self.survey(id).await?;
        if Self::state(&s)? != State::Closed {
            return Err(SurveysError::Conflict("survey_not_closed".into()));
        }
        let r = self.compute(&s).await?;
        if r.respondents.is_none() {
            return Err(SurveysError::Conflict("survey_too_few".into()));
        }
        if !r.withheld.is_empty() && !confirmed {
            return Err(invalid("confirm", "survey_publish_confirm"));
        }
        s.published_by = Some(actor.name.clone());
        self.transition(
            actor,
            &mut s,
            State::Closed,
            State::Published,
            "survey.published",
        )
        .await?;
        Ok(s)
    }

    /// Staff in the audience (account, name, e-mail, home unit).
    async fn audience(
        &self,
        s: &SurveyRow,
    ) -> Result<Vec<(AccountId, String, OrgUnitId)>, SurveysError> {
        let units = self.audience_units(s).await?;
        self.identity.members_of(&units).await.map_err(internal)
    }

    /// A survey with what the actor may do (staff: only surveys they are
    /// in the audience of, or manage, or as staff council).
    pub async fn view(&self, actor: &Actor, id: Uuid) -> Result<SurveyView, SurveysError> {
        let me = Self::me(actor)?;
        let s = self.survey(id).await?;
        let state = Self::state(&s)?;
        let manages = Self::manages(actor, &s);
        let council = Self::is_council(actor);
        let in_audience = self.in_audience(&s, me).await?;
        if !(manages || council || in_audience && state != State::Draft) {
            return Err(SurveysError::NotFound);
        }
        Ok(SurveyView {
            questions: Self::questions(&s)?,
            units: self.store.audience_units(s.id).await?,
            answerable: self.answerable(&s),
            took_part: self.store.took_part(s.id, me.0).await?,
            in_audience,
            manages,
            staff_council: council,
            state,
            survey: s,
        })
    }

    /// The surveys the actor sees: HR and the staff council all; staff
    /// those of their audience once open.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<SurveyView>, SurveysError> {
        let me = Self::me(actor)?;
        let taken: HashSet<Uuid> = self.store.taken_part_in(me.0).await?.into_iter().collect();
        let home = self.home_unit(me).await?;
        let parents: HashMap<OrgUnitId, Option<OrgUnitId>> = self
            .tree()
            .await?
            .iter()
            .map(|u| (u.id, u.parent))
            .collect();
        let mut out = Vec::new();
        for s in self.store.surveys().await? {
            let state = Self::state(&s)?;
            let manages = Self::manages(actor, &s);
            let council = Self::is_council(actor);
            let in_audience = s.all_staff
                || match home {
                    Some(h) => {
                        let roots: HashSet<Uuid> =
                            self.store.audience_units(s.id).await?.into_iter().collect();
                        under(h, &roots, &parents)
                    }
                    None => false,
                };
            if !(manages || council || in_audience && state != State::Draft) {
                continue;
            }
            out.push(SurveyView {
                questions: Self::questions(&s)?,
                units: Vec::new(),
                answerable: self.answerable(&s),
                took_part: taken.contains(&s.id),
                in_audience,
                manages,
                staff_council: council,
                state,
                survey: s,
            });
        }
        Ok(out)
    }

    /// A person answers. Refused with nothing stored: not open, not in
    /// the audience, already taken part, or a malformed answer.
    pub async fn answer(
        &self,
        actor: &Actor,
        id: Uuid,
        answers: &BTreeMap<String, Answer>,
    ) -> Result<Receipt, SurveysError> {
        let me = Self::me(actor)?;
        let s = self.survey(id).await?;
        if Self::state(&s)? == State::Draft {
            return Err(SurveysError::NotFound);
        }
        if !self.answerable(&s) {
            return Err(SurveysError::Conflict("survey_not_answerable".into()));
        }
        if !self.in_audience(&s, me).await? {
            return Err(SurveysError::Conflict("survey_not_in_audience".into()));
        }
        let checked =
            check_answers(&Self::questions(&s)?, answers).map_err(SurveysError::Invalid)?;
        let json = serde_json::to_string(&checked).map_err(internal)?;
        let secret = s.allow_changes.then(new_secret);
        let hash = secret.as_deref().map(hash_secret);
        let mut tx = self.store.db().begin().await?;
        if !self.store.participate(&mut tx, s.id, me.0).await? {
            return Err(SurveysError::Conflict("survey_taken_part".into()));
        }
        self.store
            .cast(&mut tx, s.id, &json, hash.as_deref(), self.today())
            .await?;
        tx.commit().await?;
        self.mix_when_full(s.id).await;
        Ok(Receipt {
            change_secret: secret,
        })
    }

    /// The answers a change secret belongs to, to fill the form again.
    pub async fn answers_for_secret(
        &self,
        actor: &Actor,
        id: Uuid,
        secret: &str,
    ) -> Result<BTreeMap<String, Answer>, SurveysError> {
        Self::me(actor)?;
        let found = self.store.answers_by_hash(&hash_secret(secret)).await?;
        match found {
            Some((survey, json)) if survey == id => serde_json::from_str(&json).map_err(internal),
            _ => Err(invalid("secret", "survey_secret_unknown")),
        }
    }

    /// Replaces the answers a change secret belongs to (the survey must
    /// allow changes and still be open); a new secret comes back, the
    /// used one is spent.
    pub async fn change(
        &self,
        actor: &Actor,
        id: Uuid,
        secret: &str,
        answers: &BTreeMap<String, Answer>,
    ) -> Result<Receipt, SurveysError> {
        Self::me(actor)?;
        let s = self.survey(id).await?;
        if !s.allow_changes {
            return Err(SurveysError::Conflict("survey_no_changes".into()));
        }
        if !self.answerable(&s) {
            return Err(SurveysError::Conflict("survey_not_answerable".into()));
        }
        let checked =
            check_answers(&Self::questions(&s)?, answers).map_err(SurveysError::Invalid)?;
        let json = serde_json::to_string(&checked).map_err(internal)?;
        let fresh = new_secret();
        let mut tx = self.store.db().begin().await?;
        match self
            .store
            .take_by_hash(&mut tx, &hash_secret(secret))
            .await?
        {
            Some(survey) if survey == s.id => {}
            _ => return Err(invalid("secret", "survey_secret_unknown")),
        }
        self.store
            .cast(
                &mut tx,
                s.id,
                &json,
                Some(&hash_secret(&fresh)),
                self.today(),
            )
            .await?;
        tx.commit().await?;
        self.mix_when_full(s.id).await;
        Ok(Receipt {
            change_secret: Some(fresh),
        })
    }

    async fn mix_when_full(&self, survey: Uuid) {
        match self.store.ballots_waiting(survey).await {
            Ok(n) if n >= MIX_BATCH => {
                if let Err(e) = self.mix(survey).await {
                    // The answers are stored; they are mixed with the next
                    // batch or when the survey closes.
                    tracing::warn!(error = %e, "mixing survey answers failed");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "counting survey ballots failed"),
        }
    }

    /// Empties the ballot box: every waiting answer set, shuffled, under
    /// new random ids into the responses, in one transaction.
    pub async fn mix(&self, survey: Uuid) -> Result<usize, SurveysError> {
        let mut tx = self.store.db().begin().await?;
        let mut rows: Vec<ResponseRow> = self.store.take_ballots(&mut tx, survey).await?;
        rows.shuffle(&mut rand::rng());
        self.store.insert_responses(&mut tx, survey, &rows).await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    async fn compute(&self, s: &SurveyRow) -> Result<Results, SurveysError> {
        let questions = Self::questions(s)?;
        let sets: Vec<BTreeMap<String, Answer>> = self
            .store
            .answer_sets(s.id)
            .await?
            .iter()
            .map(|j| serde_json::from_str(j).map_err(internal))
            .collect::<Result<_, _>>()?;
        let min = u64::try_from(s.min_group).unwrap_or(5);
        Ok(results(&questions, &sets, min))
    }

    /// The published results: owner, HR and the staff council see all
    /// figures (with small groups protected); a participant the overall
    /// figures without free texts.
    pub async fn results(&self, actor: &Actor, id: Uuid) -> Result<ResultsView, SurveysError> {
        let me = Self::me(actor)?;
        let s = self.survey(id).await?;
        if Self::state(&s)? != State::Published {
            return Err(SurveysError::Conflict("survey_not_published".into()));
        }
        let full = Self::manages(actor, &s) || Self::is_council(actor);
        if !full && !self.store.took_part(s.id, me.0).await? {
            return Err(SurveysError::Forbidden);
        }
        let mut results = self.compute(&s).await?;
        if !full {
            results.breakdowns.clear();
            for q in &mut results.questions {
                q.texts.clear();
            }
        }
        Ok(ResultsView {
            survey: s,
            results,
            overall_only: !full,
        })
    }

    /// Participation per org unit of the audience, small groups protected
    /// the same way (owner, HR, staff council; from the day it opens).
    pub async fn participation(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<UnitParticipation>, SurveysError> {
        Self::me(actor)?;
        let s = self.survey(id).await?;
        if !(Self::manages(actor, &s) || Self::is_council(actor)) {
            return Err(SurveysError::Forbidden);
        }
        if Self::state(&s)? == State::Draft {
            return Ok(Vec::new());
        }
        let tree = self.tree().await?;
        let units: HashSet<OrgUnitId> = self.audience_units(&s).await?.into_iter().collect();
        let nodes: Vec<&identity::domain::OrgUnit> =
            tree.iter().filter(|u| units.contains(&u.id)).collect();
        let index: HashMap<OrgUnitId, usize> =
            nodes.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let people = self.audience(&s).await?;
        let took: HashSet<Uuid> = self.store.participants(s.id).await?.into_iter().collect();
        let mut audience = vec![0_u64; nodes.len()];
        let mut answered = vec![0_u64; nodes.len()];
        for (account, _, unit) in &people {
            if let Some(i) = index.get(unit) {
                if let Some(a) = audience.get_mut(*i) {
                    *a += 1;
                }
                if took.contains(&account.0)
                    && let Some(a) = answered.get_mut(*i)
                {
                    *a += 1;
                }
            }
        }
        let parent = |u: &identity::domain::OrgUnit| u.parent.and_then(|p| index.get(&p).copied());
        // Under one virtual root, the whole audience: its total (everyone
        // who took part) is known from the results, so the units' figures
        // must not give a small unit away by subtraction from it either.
        let mut input = vec![Unit {
            parent: None,
            respondents: 0,
        }];
        input.extend(nodes.iter().zip(&answered).map(|(u, n)| Unit {
            parent: Some(parent(u).map_or(0, |p| p + 1)),
            respondents: *n,
        }));
        let b = breakdown(&input, u64::try_from(s.min_group).unwrap_or(5));
        // Totals over each unit and below, in tree order.
        let mut total_audience = audience.clone();
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        let depth = |mut i: usize| {
            let mut d = 0;
            while let Some(p) = nodes.get(i).and_then(|u| parent(u)) {
                d += 1;
                i = p;
                if d > 64 {
                    break;
                }
            }
            d
        };
        order.sort_by_key(|i| std::cmp::Reverse(depth(*i)));
        for i in order {
            if let Some(p) = nodes.get(i).and_then(|u| parent(u)) {
                let v = total_audience.get(i).copied().unwrap_or(0);
                if let Some(t) = total_audience.get_mut(p) {
                    *t += v;
                }
            }
        }
        let mut out: Vec<UnitParticipation> = Vec::new();
        // Depth-first from the top units, children by code.
        fn walk(
            i: usize,
            d: usize,
            kids: &HashMap<usize, Vec<usize>>,
            visit: &mut dyn FnMut(usize, usize),
        ) {
            visit(i, d);
            for k in kids.get(&i).map(Vec::as_slice).unwrap_or(&[]) {
                if d < 64 {
                    walk(*k, d + 1, kids, visit);
                }
            }
        }
        let mut kids: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut tops = Vec::new();
        for (i, u) in nodes.iter().enumerate() {
            match parent(u) {
                Some(p) => kids.entry(p).or_default().push(i),
                None => tops.push(i),
            }
        }
        for list in kids.values_mut() {
            list.sort_by_key(|i| nodes.get(*i).map(|u| u.code.clone()));
        }
        for t in tops {
            walk(t, 0, &kids, &mut |i, d| {
                let Some(u) = nodes.get(i) else { return };
                let shown = b.totals.get(i + 1).and_then(|f| f.shown);
                let aud = total_audience.get(i).copied().unwrap_or(0);
                out.push(UnitParticipation {
                    unit_id: u.id.0,
                    name: u.name.clone(),
                    depth: d,
                    audience: aud,
                    respondents: shown,
                    rate: shown
                        .filter(|_| aud > 0)
                        .map(|n| n as f64 * 100.0 / aud as f64),
                });
            });
        }
        Ok(out)
    }

    /// HR reminds everyone in the audience who has not taken part (by
    /// e-mail; no one learns who that is). Once a day at most.
    pub async fn remind(&self, actor: &Actor, id: Uuid) -> Result<usize, SurveysError> {
        Self::me(actor)?;
        Self::writes(actor)?;
        let mut s = self.survey(id).await?;
        if !Self::manages(actor, &s) {
            return Err(SurveysError::Forbidden);
        }
        if !self.answerable(&s) {
            return Err(SurveysError::Conflict("survey_not_answerable".into()));
        }
        let today = self.today();
        if s.reminded_on == Some(today) {
            return Err(SurveysError::Conflict("survey_reminded_today".into()));
        }
        let took: HashSet<Uuid> = self.store.participants(s.id).await?.into_iter().collect();
        let people = self.audience(&s).await?;
        let missing: Vec<AccountId> = people
            .iter()
            .map(|(a, _, _)| *a)
            .filter(|a| !took.contains(&a.0))
            .collect();
        let emails = self
            .identity
            .staff_emails(&missing)
            .await
            .map_err(internal)?;
        let mut tx = self.store.db().begin().await?;
        let mut n = 0;
        for (_, email) in emails {
            let mail = identity::mail::OutgoingMail {
                to: email,
                subject: format!("Erinnerung: Befragung „{}“", s.title),
                text: format!(
                    "Guten Tag,\n\nnoch bis {} können Sie an der Befragung „{}“ teilnehmen. Ihre Antworten sind anonym.\n\n{}/arbeit/befragungen/{}\n\nDiese Erinnerung geht an alle, die noch nicht teilgenommen haben.\n",
                    s.closes_on
                        .map(|d| d.format("%d.%m.%Y").to_string())
                        .unwrap_or_else(|| "zum Ende der Befragung".into()),
                    s.title,
                    self.public_url,
                    s.id
                ),
            };
            let payload = serde_json::to_value(&mail).map_err(internal)?;
            storage::jobs::enqueue(
                &mut tx,
                self.clock.as_ref(),
                storage::NewJob::new(identity::mail::MAIL_JOB, payload),
            )
            .await?;
            n += 1;
        }
        s.reminded_on = Some(today);
        s.updated_at = self.clock.now();
        if !self.store.update(&mut tx, &s, State::Open.as_str()).await? {
            return Err(SurveysError::Conflict("survey_not_open".into()));
        }
        self.audit(&mut tx, actor, "survey.reminded", s.id).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// HR starts a draft from the demo survey on mobile work.
    pub async fn from_template(
        &self,
        actor: &Actor,
        units: Vec<Uuid>,
    ) -> Result<SurveyRow, SurveysError> {
        let questions = crate::demo::mobile_work().map_err(internal)?;
        self.create(
            actor,
            SurveyInput {
                title: "Erfahrungen mit dem mobilen Arbeiten".into(),
                intro: crate::demo::INTRO.into(),
                questions,
                all_staff: units.is_empty(),
                units,
                opens_on: None,
                closes_on: None,
                allow_changes: true,
            },
        )
        .await
    }
}
