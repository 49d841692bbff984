//! Co-signing use cases: start a route, decide on a step, revise after a
//! reservation, read a route with its checked signatures, and the open
//! requests of a person.

use crate::domain::{Decision, RouteState, StepInput, StepKind, check_route};
use crate::store::{CosigningStore, DecisionRow, Request, Route, Step};
use chrono::SecondsFormat;
use identity::signing::{DecisionKeys, Statement};
use kernel::{AccountId, Actor, Clock, DocumentId, FieldErrors, OrgUnitId, RecordFileId, Role};
use records::RecordsService;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::{AccessLog, AuditEntry, DbError};
use uuid::Uuid;

/// Errors of co-signing.
#[derive(Debug, thiserror::Error)]
pub enum CosigningError {
    /// Invalid input, per field.
    #[error("invalid")]
    Invalid(FieldErrors),
    /// Not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Unknown.
    #[error("not found")]
    NotFound,
    /// Not possible now (closed route, decided step, stale version …).
    #[error("{0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("{0}")]
    Internal(String),
}

fn invalid(field: &str, code: &str) -> CosigningError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    CosigningError::Invalid(e)
}

fn internal(e: impl std::fmt::Display) -> CosigningError {
    CosigningError::Internal(e.to_string())
}

/// Who may give the final signature: the signing authority (held by the
/// cases context, which grants it per person and unit).
#[async_trait::async_trait]
pub trait SigningAuthority: Send + Sync {
    /// The form of signing (`head`, `deputy`, `commissioned`) in which
    /// `account` signs for `unit`, or none without authority.
    async fn capacity(&self, account: AccountId, unit: OrgUnitId)
    -> Result<Option<String>, String>;
}

/// Where the route's events are recorded besides its own tables: the
/// timeline of the case whose file holds the document.
#[async_trait::async_trait]
pub trait RouteEvents: Send + Sync {
    /// Records `detail` for the file, inside the route's transaction.
    async fn record_in(
        &self,
        tx: &mut storage::Tx,
        file: Uuid,
        by: &str,
        detail: &str,
    ) -> Result<(), String>;

    /// The route was finally signed (inside its transaction): a notice
    /// whose draft it routed is rendered and sealed now.
    async fn finally_signed_in(
        &self,
        tx: &mut storage::Tx,
        route: &Route,
        decision: &DecisionRow,
    ) -> Result<(), String>;

    /// The staff page where the work on `file` happens (the case page),
    /// if there is one: the lead clerk revises a notice there.
    async fn file_page(&self, file: Uuid) -> Option<String>;
}

/// A route with its steps and its decisions, each with its signature
/// checked against the version's content.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RouteView {
    /// The route.
    pub route: Route,
    /// Every round's steps.
    pub steps: Vec<Step>,
    /// Decisions with whether their signature holds for the version.
    pub decisions: Vec<CheckedDecision>,
}

/// The outcome of a decision: the route and its current round after it,
/// and the signed decision. (Its signature is checked against the
/// version's content when the route is viewed.)
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Decided {
    /// The route.
    pub route: Route,
    /// The steps of the current round, in their new states.
    pub steps: Vec<Step>,
    /// The decision as signed and recorded.
    pub decision: DecisionRow,
}

/// A decision and its check.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CheckedDecision {
    /// The decision.
    #[serde(flatten)]
    pub decision: DecisionRow,
    /// The signature covers the statement, and the statement the exact
    /// content of the version (false for any changed byte).
    pub valid: bool,
    /// It was given on the version the route decides on now (decisions of
    /// earlier rounds stay on record but do not count).
    pub counts: bool,
}

/// What a new route asks for.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteInput {
    /// The document (its newest version is routed).
    #[schema(value_type = String)]
    pub document_id: DocumentId,
    /// What it is about.
    pub title: String,
    /// Stages in order; the steps of a stage run in parallel.
    pub stages: Vec<Vec<StepInput>>,
}

/// A decision as given.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// The version decided on (must be the route's current one).
    pub version_id: Uuid,
    /// The decision.
    pub decision: Decision,
    /// Required with a reservation or a refusal.
    #[serde(default)]
    pub comment: String,
    /// The passage the comment points at.
    #[serde(default)]
    pub passage: String,
}

/// The co-signing service.
pub struct CosigningService {
    store: CosigningStore,
    records: Arc<RecordsService>,
    identity: Arc<identity::IdentityService>,
    authority: Arc<dyn SigningAuthority>,
    events: Arc<dyn RouteEvents>,
    keys: Arc<DecisionKeys>,
    clock: Arc<dyn Clock>,
    log: AccessLog,
    public_url: String,
}

impl CosigningService {
    /// The service.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: CosigningStore,
        records: Arc<RecordsService>,
        identity: Arc<identity::IdentityService>,
        authority: Arc<dyn SigningAuthority>,
        events: Arc<dyn RouteEvents>,
        keys: Arc<DecisionKeys>,
        clock: Arc<dyn Clock>,
        log: AccessLog,
    ) -> Self {
        CosigningService {
            store,
            records,
            identity,
            authority,
            events,
            keys,
            clock,
            log,
            public_url: String::new(),
        }
    }

    /// The route on the document that has not finished, if any: the
    /// document's final signature is given there.
    pub async fn route_open_on(
        &self,
        document: DocumentId,
    ) -> Result<Option<Uuid>, CosigningError> {
        Ok(self.store.open_on_document(document.0).await?)
    }

    /// The staff page of the route's file (the case page), if any.
    pub async fn file_page(&self, route: &Route) -> Option<String> {
        self.events.file_page(route.file_id).await
    }

    /// The clock (pages mark overdue steps).
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The base URL links in e-mails start with.
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = url.trim_end_matches('/').to_owned();
        self
    }

    fn works_in(actor: &Actor, unit: OrgUnitId) -> bool {
        actor.has_role_in(Role::Clerk, unit) || actor.has_role_in(Role::Manager, unit)
    }

    fn staff_account(actor: &Actor) -> Result<AccountId, CosigningError> {
        match (actor.account, &actor.kind) {
            (Some(a), kernel::ActorKind::Staff) => Ok(a),
            (Some(a), kernel::ActorKind::ApiToken { .. }) if actor.has_scope("cases:write") => {
                Ok(a)
            }
            _ => Err(CosigningError::Forbidden),
        }
    }

    /// Starts a route on the newest version of a document of the lead
    /// clerk's unit. Refused: a route without exactly one final signature
    /// in its last stage, a final signer without authority for the unit,
    /// the lead clerk as a co-signer of their own draft.
    pub async fn start(&self, actor: &Actor, input: RouteInput) -> Result<Route, CosigningError> {
        let lead = Self::staff_account(actor)?;
        let (file, unit, version) = self.routable(actor, input.document_id).await?;
        let mut errors = check_route(&input.stages);
        let title = input.title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            errors.add("title", "title_missing");
        }
        for (i, stage) in input.stages.iter().enumerate() {
            for (j, st) in stage.iter().enumerate() {
                let at = format!("stages[{i}][{j}]");
                // The lead does not co-sign their own draft; a lead with
                // signing authority may sign it finally.
                if st.kind == StepKind::Cosign && st.account_id == Some(lead) {
                    errors.add(&at, "route_lead_cosigns");
                }
                if st.kind == StepKind::Final {
                    match st.account_id {
                        Some(a) => {
                            let cap = self.authority.capacity(a, unit).await.map_err(internal)?;
                            if cap.is_none() {
                                errors.add(&at, "route_final_no_authority");
                            }
                        }
                        None => errors.add(&at, "route_final_person"),
                    }
                }
            }
        }
        errors.into_result().map_err(CosigningError::Invalid)?;
        // One route at a time per document: a second would ask for a
        // second final signature of the same draft.
        if self
            .store
            .open_on_document(input.document_id.0)
            .await?
            .is_some()
        {
            return Err(CosigningError::Conflict(
                "A co-signing route on this document is still open; continue it.".into(),
            ));
        }
        let now = self.clock.now();
        let route = Route {
            id: Uuid::now_v7(),
            document_id: input.document_id.0,
            file_id: file.id,
            org_unit_id: unit.0,
            lead_id: lead.0,
            lead_name: actor.name.clone(),
            title: title.to_owned(),
            state: RouteState::Running.as_str().into(),
            round: 1,
            version_id: version.id,
            sha256: version.sha256.clone(),
            created_at: now,
            updated_at: now,
        };
        let mut steps = Vec::new();
        for (i, stage) in input.stages.iter().enumerate() {
            for (j, st) in stage.iter().enumerate() {
                steps.push(Step {
                    id: Uuid::now_v7(),
                    route_id: route.id,
                    round: 1,
                    stage: i as i64 + 1,
                    position: j as i64 + 1,
                    kind: st.kind.as_str().into(),
                    account_id: st.account_id.map(|a| a.0),
                    unit_id: st.unit_id.map(|u| u.0),
                    due_on: st.due_on,
                    state: if i == 0 { "open" } else { "waiting" }.into(),
                    reminded_at: None,
                    escalated_at: None,
                });
            }
        }
        // Read before the transaction (SQLite has one writer connection).
        let first: Vec<&Step> = steps.iter().filter(|s| s.stage == 1).collect();
        let notify = self.addresses_of(&first).await?;
        let mut tx = self.store.db().begin().await?;
        self.store.insert_route(&mut tx, &route).await?;
        for step in &steps {
            self.store.insert_step(&mut tx, step).await?;
        }
        self.notify_requested(&mut tx, &route, &notify).await?;
        self.audit(&mut tx, actor, "cosigning.started", route.id)
            .await?;
        self.event(
            &mut tx,
            actor,
            route.file_id,
            &format!("Mitzeichnung gestartet: {}", route.title),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(route)
    }

    /// The people `actor` represents today (deputy periods: the principal
    /// is absent).
    async fn represented(&self, actor: &Actor) -> Result<Vec<AccountId>, CosigningError> {
        let Some(account) = actor.account else {
            return Ok(Vec::new());
        };
        let today = self
            .clock
            .now()
            .with_timezone(&chrono_tz::Europe::Berlin)
            .date_naive();
        self.identity
            .represented_by(account, today)
            .await
            .map_err(internal)
    }

    /// Whether `actor` may act on `step` and for whom: `Some(None)` for
    /// themselves (the person named, or a clerk or manager of the unit
    /// named), `Some(Some(p))` as deputy of the absent person `p`.
    fn acting_for(
        actor: &Actor,
        represented: &[AccountId],
        step: &Step,
    ) -> Option<Option<AccountId>> {
        match (step.account_id, step.unit_id) {
            (Some(a), _) if actor.account.map(|x| x.0) == Some(a) => Some(None),
            (Some(a), _) if represented.contains(&AccountId(a)) => Some(Some(AccountId(a))),
            (None, Some(u)) if Self::works_in(actor, OrgUnitId(u)) => Some(None),
            _ => None,
        }
    }

    /// A staff member's name.
    pub async fn name_of_account(&self, account: AccountId) -> Result<String, CosigningError> {
        self.name_of(account).await
    }

    async fn name_of(&self, account: AccountId) -> Result<String, CosigningError> {
        Ok(self.account_of(account).await?.display_name)
    }

    async fn account_of(
        &self,
        account: AccountId,
    ) -> Result<identity::domain::Account, CosigningError> {
        self.identity
            .account(&Actor::system("cosigning"), account)
            .await
            .map(|(a, _)| a)
            .map_err(internal)
    }

    /// Who holds one of `roles` for `unit`, each once, by name.
    async fn unit_people(
        &self,
        unit: OrgUnitId,
        roles: &[Role],
    ) -> Result<Vec<(AccountId, String)>, CosigningError> {
        let mut out: Vec<(AccountId, String)> = Vec::new();
        for role in roles {
            for (a, name) in self
                .identity
                .holders_for(*role, unit)
                .await
                .map_err(internal)?
            {
                if !out.iter().any(|(x, _)| *x == a) {
                    out.push((a, name));
                }
            }
        }
        Ok(out)
    }

    /// The e-mail addresses of people.
    async fn emails_of(&self, people: &[AccountId]) -> Result<Vec<String>, CosigningError> {
        let mut out = Vec::with_capacity(people.len());
        for a in people {
            out.push(self.account_of(*a).await?.email);
        }
        Ok(out)
    }

    /// Decides on an open step of the current round, on the route's current
    /// version; signs the decision with the decider's key. A reservation or
    /// refusal sends the route back; the last approval of a stage opens the
    /// next; the final signature completes the route.
    pub async fn decide(
        &self,
        actor: &Actor,
        route: Uuid,
        step: Uuid,
        input: DecisionInput,
    ) -> Result<Decided, CosigningError> {
        let account = Self::staff_account(actor)?;
        let comment = input.comment.trim().to_owned();
        let passage = input.passage.trim().to_owned();
        if input.decision.returns() && comment.is_empty() {
            return Err(invalid("comment", "cosign_comment_required"));
        }
        if comment.chars().count() > 4000 || passage.chars().count() > 300 {
            return Err(invalid("comment", "cosign_comment_too_long"));
        }
        let r = self
            .store
            .route(route)
            .await?
            .ok_or(CosigningError::NotFound)?;
        let steps = self.store.steps(route).await?;
        let s = steps
            .iter()
            .find(|s| s.id == step)
            .cloned()
            .ok_or(CosigningError::NotFound)?;
        let represented = self.represented(actor).await?;
        let acting_for =
            Self::acting_for(actor, &represented, &s).ok_or(CosigningError::Forbidden)?;
        let kind = StepKind::parse(&s.kind).unwrap_or(StepKind::Cosign);
        if kind == StepKind::Cosign && account.0 == r.lead_id {
            return Err(CosigningError::Conflict(
                "The lead clerk does not co-sign their own draft.".into(),
            ));
        }
        // The final signature needs authority for the unit: one's own, or
        // as deputy the absent signer's, which is then given "In
        // Vertretung" (GGO § 18).
        let capacity = if kind == StepKind::Final {
            let signer = acting_for.unwrap_or(account);
            let own = self
                .authority
                .capacity(signer, OrgUnitId(r.org_unit_id))
                .await
                .map_err(internal)?
                .ok_or(CosigningError::Forbidden)?;
            Some(if acting_for.is_some() {
                "deputy".to_owned()
            } else {
                own
            })
        } else {
            None
        };
        let acting_for_name = match acting_for {
            Some(p) => Some(self.name_of(p).await?),
            None => None,
        };
        let now = self.clock.now();
        let statement = Statement {
            kind: "rathaus-decision-1".into(),
            sha256: r.sha256.clone(),
            step: format!("cosigning.{}:{}:{}", kind.as_str(), r.id, s.id),
            decision: input.decision.as_str().into(),
            comment: comment.clone(),
            at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
            actor: account.to_string(),
            acting_for: acting_for.map(|p| p.to_string()).unwrap_or_default(),
        };
        let (public_key, signature) = self.keys.sign(account, &statement);
        let decision = DecisionRow {
            id: Uuid::now_v7(),
            route_id: r.id,
            step_id: s.id,
            round: r.round,
            version_id: r.version_id,
            decision: input.decision.as_str().into(),
            comment,
            passage,
            actor_id: account.0,
            actor_name: actor.name.clone(),
            acting_for_id: acting_for.map(|p| p.0),
            acting_for_name,
            capacity,
            statement: String::from_utf8(statement.bytes()).unwrap_or_default(),
            public_key,
            signature,
            decided_at: now,
        };
        // Who hears of the outcome, read before the transaction: the next
        // stage's signers, and the lead.
        let next_stage: Vec<&Step> = steps
            .iter()
            .filter(|x| x.round == r.round && x.stage == s.stage + 1)
            .collect();
        let notify_next = self.addresses_of(&next_stage).await?;
        let lead_mail = self.email_of(AccountId(r.lead_id)).await?;
        let mut tx = self.store.db().begin().await?;
        // Serialises decisions on this route; everything is checked again
        // under the lock.
        let mut r = self
            .store
            .lock_route(&mut tx, route)
            .await?
            .ok_or(CosigningError::NotFound)?;
        if r.state != RouteState::Running.as_str() {
            return Err(CosigningError::Conflict(
                "The route is not running (sent back or finished).".into(),
            ));
        }
        if input.version_id != r.version_id || decision.version_id != r.version_id {
            return Err(CosigningError::Conflict(
                "This is not the version the route decides on now; open the current one.".into(),
            ));
        }
        let mut round = self.store.round_steps_in(&mut tx, route, r.round).await?;
        let Some(current) = round.iter().find(|x| x.id == s.id) else {
            return Err(CosigningError::Conflict(
                "The step belongs to an earlier round.".into(),
            ));
        };
        if current.state != "open" {
            return Err(CosigningError::Conflict(
                "The step is not open (decided, or its stage has not started).".into(),
            ));
        }
        if let Err(e) = self.store.insert_decision(&mut tx, &decision).await {
            return Err(if e.is_unique_violation() {
                CosigningError::Conflict(
                    "Decided before: a step takes one decision, and a person decides once per version."
                        .into(),
                )
            } else {
                e.into()
            });
        }
        self.store.set_step(&mut tx, s.id, "done").await?;
        r.updated_at = now;
        let mut changed: Vec<(Uuid, &str)> = vec![(s.id, "done")];
        if input.decision.returns() {
            for other in round.iter().filter(|x| x.id != s.id && x.state != "done") {
                self.store.set_step(&mut tx, other.id, "skipped").await?;
                changed.push((other.id, "skipped"));
            }
            r.state = RouteState::Returned.as_str().into();
            self.mail_in(
                &mut tx,
                std::slice::from_ref(&lead_mail),
                &format!("Mitzeichnung zurückgegeben: {}", r.title),
                &self.route_text(&r, &format!("{} hat Ihren Entwurf zurückgegeben (Vorbehalt oder Ablehnung). Überarbeiten Sie ihn und starten Sie die neue Runde", actor.name)),
            )
            .await?;
        } else {
            let stage_done = round
                .iter()
                .filter(|x| x.stage == s.stage && x.id != s.id)
                .all(|x| x.state == "done");
            if stage_done {
                let next: Vec<&Step> = round.iter().filter(|x| x.stage == s.stage + 1).collect();
                if next.is_empty() {
                    r.state = RouteState::Completed.as_str().into();
                    self.mail_in(
                        &mut tx,
                        std::slice::from_ref(&lead_mail),
                        &format!("Schlussgezeichnet: {}", r.title),
                        &self.route_text(&r, "Der Laufweg ist schlussgezeichnet"),
                    )
                    .await?;
                } else {
                    self.notify_requested(&mut tx, &r, &notify_next).await?;
                }
                for n in next {
                    self.store.set_step(&mut tx, n.id, "open").await?;
                    changed.push((n.id, "open"));
                }
            }
        }
        self.store.update_route(&mut tx, &r).await?;
        if r.state == RouteState::Completed.as_str() && kind == StepKind::Final {
            self.events
                .finally_signed_in(&mut tx, &r, &decision)
                .await
                .map_err(CosigningError::Internal)?;
        }
        let action = if kind == StepKind::Final {
            "cosigning.final_signed"
        } else {
            "cosigning.decided"
        };
        self.audit(&mut tx, actor, action, r.id).await?;
        let what = match (kind, input.decision) {
            (_, Decision::Refuse) => "abgelehnt",
            (_, Decision::Reserve) => "mit Vorbehalt gezeichnet",
            (StepKind::Final, _) => "schlussgezeichnet",
            (StepKind::Acknowledge, _) => "zur Kenntnis genommen",
            (StepKind::Cosign, _) => "mitgezeichnet",
        };
        let deputy = decision
            .acting_for_name
            .as_ref()
            .map(|n| format!(" in Vertretung für {n}"))
            .unwrap_or_default();
        self.event(
            &mut tx,
            actor,
            r.file_id,
            &format!("{}{deputy} hat {what}: {}", actor.name, r.title),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        for step in &mut round {
            if let Some((_, state)) = changed.iter().find(|(id, _)| *id == step.id) {
                step.state = (*state).to_owned();
            }
        }
        Ok(Decided {
            route: r,
            steps: round,
            decision,
        })
    }

    /// After a reservation or refusal, the lead clerk revises: the
    /// document's newest version (it must be new) starts the next round
    /// with the same stages; earlier decisions stay on record.
    pub async fn revise(&self, actor: &Actor, route: Uuid) -> Result<RouteView, CosigningError> {
        let account = Self::staff_account(actor)?;
        let r = self
            .store
            .route(route)
            .await?
            .ok_or(CosigningError::NotFound)?;
        if r.lead_id != account.0 {
            return Err(CosigningError::Forbidden);
        }
        let (_, versions) = self
            .records
            .document_in_file(DocumentId(r.document_id))
            .await
            .map_err(internal)?;
        let newest = versions.last().cloned().ok_or(CosigningError::NotFound)?;
        let now = self.clock.now();
        let earlier = self.store.steps(route).await?;
        let first: Vec<&Step> = earlier
            .iter()
            .filter(|s| s.round == r.round && s.stage == 1)
            .collect();
        let notify = self.addresses_of(&first).await?;
        let mut tx = self.store.db().begin().await?;
        let mut r = self
            .store
            .lock_route(&mut tx, route)
            .await?
            .ok_or(CosigningError::NotFound)?;
        if r.state != RouteState::Returned.as_str() {
            return Err(CosigningError::Conflict(
                "Only a route sent back is revised.".into(),
            ));
        }
        if newest.id == r.version_id {
            return Err(invalid("version", "cosign_revision_missing"));
        }
        let old = self.store.round_steps_in(&mut tx, route, r.round).await?;
        r.round += 1;
        r.version_id = newest.id;
        r.sha256 = newest.sha256.clone();
        r.state = RouteState::Running.as_str().into();
        r.updated_at = now;
        for s in &old {
            let step = Step {
                id: Uuid::now_v7(),
                round: r.round,
                state: if s.stage == 1 { "open" } else { "waiting" }.into(),
                reminded_at: None,
                escalated_at: None,
                ..s.clone()
            };
            self.store.insert_step(&mut tx, &step).await?;
        }
        self.store.update_route(&mut tx, &r).await?;
        self.notify_requested(&mut tx, &r, &notify).await?;
        self.audit(&mut tx, actor, "cosigning.revised", r.id)
            .await?;
        self.event(
            &mut tx,
            actor,
            r.file_id,
            &format!(
                "Mitzeichnung, Runde {} mit überarbeiteter Fassung: {}",
                r.round, r.title
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        self.view(actor, route).await
    }

    /// A route with its steps and checked signatures (staff of its unit and
    /// everyone it asks).
    pub async fn view(&self, actor: &Actor, route: Uuid) -> Result<RouteView, CosigningError> {
        let r = self
            .store
            .route(route)
            .await?
            .ok_or(CosigningError::NotFound)?;
        let steps = self.store.steps(route).await?;
        let represented = self.represented(actor).await?;
        let involved = Self::works_in(actor, OrgUnitId(r.org_unit_id))
            || steps
                .iter()
                .any(|s| Self::acting_for(actor, &represented, s).is_some())
            || actor.is_system();
        if !involved {
            return Err(CosigningError::Forbidden);
        }
        let decisions = self.store.decisions(route).await?;
        // Each version's content is read and hashed once, not per decision.
        let mut hashes: std::collections::HashMap<Uuid, Option<String>> =
            std::collections::HashMap::new();
        for d in &decisions {
            if let std::collections::hash_map::Entry::Vacant(slot) = hashes.entry(d.version_id) {
                let sha = self
                    .records
                    .content_in_file(
                        RecordFileId(r.file_id),
                        kernel::DocumentVersionId(d.version_id),
                    )
                    .await
                    .ok()
                    .map(|(_, bytes)| hex::encode(Sha256::digest(&bytes)));
                slot.insert(sha);
            }
        }
        let mut checked = Vec::with_capacity(decisions.len());
        for d in decisions {
            let sha = hashes.get(&d.version_id).cloned().flatten();
            let valid = self.check(&d, sha.as_deref());
            let counts = d.round == r.round;
            checked.push(CheckedDecision {
                decision: d,
                valid,
                counts,
            });
        }
        Ok(RouteView {
            route: r,
            steps,
            decisions: checked,
        })
    }

    /// Names for a route's page: the people and units its steps name.
    pub async fn names(
        &self,
        view: &RouteView,
    ) -> Result<std::collections::HashMap<Uuid, String>, CosigningError> {
        let mut out = std::collections::HashMap::new();
        let system = Actor::system("cosigning");
        let units = self.identity.org_units(&system).await.map_err(internal)?;
        for s in &view.steps {
            if let Some(a) = s.account_id
                && !out.contains_key(&a)
            {
                out.insert(a, self.name_of(AccountId(a)).await?);
            }
            if let Some(u) = s.unit_id
                && let Some(unit) = units.iter().find(|x| x.id.0 == u)
            {
                out.insert(u, unit.name.clone());
            }
        }
        Ok(out)
    }

    /// Whom a person could ask in a route on a document of `unit`: its
    /// clerks and managers (people), every org unit, and the managers
    /// (final signature).
    pub async fn choices(
        &self,
        unit: OrgUnitId,
    ) -> Result<(Vec<(Uuid, String)>, Vec<(Uuid, String)>), CosigningError> {
        let people = self
            .unit_people(unit, &[Role::Manager, Role::Clerk])
            .await?
            .into_iter()
            .map(|(a, name)| (a.0, name))
            .collect();
        let units = self
            .identity
            .org_units(&Actor::system("cosigning"))
            .await
            .map_err(internal)?
            .into_iter()
            .map(|u| (u.id.0, u.name))
            .collect();
        Ok((people, units))
    }

    /// The unit of a document's file (the start page checks the actor).
    pub async fn document_unit(
        &self,
        actor: &Actor,
        document: DocumentId,
    ) -> Result<(OrgUnitId, String), CosigningError> {
        let (file, unit, version) = self.routable(actor, document).await?;
        Ok((unit, format!("{} – {}", file.reference, version.file_name)))
    }

    /// A document the actor may route (they work in its file's unit): its
    /// file, that unit and its newest version.
    async fn routable(
        &self,
        actor: &Actor,
        document: DocumentId,
    ) -> Result<
        (
            records::store::RecordFile,
            OrgUnitId,
            records::store::Version,
        ),
        CosigningError,
    > {
        let (file, versions) =
            self.records
                .document_in_file(document)
                .await
                .map_err(|e| match e {
                    records::RecordsError::NotFound => CosigningError::NotFound,
                    other => internal(other),
                })?;
        let unit = file
            .org_unit_id
            .map(OrgUnitId)
            .ok_or(CosigningError::Forbidden)?;
        if !Self::works_in(actor, unit) {
            return Err(CosigningError::Forbidden);
        }
        let version = versions.last().cloned().ok_or(CosigningError::NotFound)?;
        Ok((file, unit, version))
    }

    /// The content of a version a route decides or decided on.
    pub async fn version_content(
        &self,
        actor: &Actor,
        route: Uuid,
        version: Uuid,
    ) -> Result<(records::store::Version, bytes::Bytes), CosigningError> {
        let view = self.view(actor, route).await?;
        let known = view.route.version_id == version
            || view
                .decisions
                .iter()
                .any(|d| d.decision.version_id == version);
        if !known {
            return Err(CosigningError::NotFound);
        }
        self.records
            .content_in_file(
                RecordFileId(view.route.file_id),
                kernel::DocumentVersionId(version),
            )
            .await
            .map_err(internal)
    }

    /// The open steps of the current round `actor` may decide (for
    /// themselves or as deputy).
    pub async fn my_steps(
        &self,
        actor: &Actor,
        view: &RouteView,
    ) -> Result<Vec<(Step, Option<AccountId>)>, CosigningError> {
        if view.route.state != RouteState::Running.as_str() {
            return Ok(Vec::new());
        }
        let represented = self.represented(actor).await?;
        Ok(view
            .steps
            .iter()
            .filter(|s| s.round == view.route.round && s.state == "open")
            .filter_map(|s| Self::acting_for(actor, &represented, s).map(|f| (s.clone(), f)))
            .collect())
    }

    /// Whether a decision's signature covers its statement and the
    /// statement the exact content of its version (`content_sha`: the
    /// SHA-256 of the version's content as read now).
    fn check(&self, d: &DecisionRow, content_sha: Option<&str>) -> bool {
        let Ok(statement) = serde_json::from_str::<Statement>(&d.statement) else {
            return false;
        };
        let acting_for = d
            .acting_for_id
            .map(|p| AccountId(p).to_string())
            .unwrap_or_default();
        statement.bytes() == d.statement.as_bytes()
            && statement.actor == AccountId(d.actor_id).to_string()
            && statement.acting_for == acting_for
            && statement.decision == d.decision
            && content_sha == Some(statement.sha256.as_str())
            && identity::signing::verify(&d.public_key, &statement, &d.signature)
            && self.keys.public_key(AccountId(d.actor_id)) == d.public_key
    }

    /// The open steps addressed to the actor, to those they represent
    /// today, or to the units they work in.
    pub async fn my_requests(&self, actor: &Actor) -> Result<Vec<Request>, CosigningError> {
        let account = Self::staff_account(actor)?;
        let mut people = vec![account.0];
        people.extend(self.represented(actor).await?.into_iter().map(|p| p.0));
        let units: Vec<Uuid> = actor
            .grants
            .iter()
            .filter(|g| matches!(g.role, Role::Clerk | Role::Manager))
            .flat_map(|g| g.covers.iter().map(|u| u.0))
            .collect();
        Ok(self.store.open_for(&people, &units).await?)
    }

    fn today(&self) -> chrono::NaiveDate {
        self.clock
            .now()
            .with_timezone(&chrono_tz::Europe::Berlin)
            .date_naive()
    }

    /// E-mail addresses of whoever a step waits on: the person, or the
    /// clerks and managers of the unit.
    async fn addressees(&self, step: &Step) -> Result<Vec<String>, CosigningError> {
        let people: Vec<AccountId> = match (step.account_id, step.unit_id) {
            (Some(a), _) => vec![AccountId(a)],
            (None, Some(u)) => self
                .unit_people(OrgUnitId(u), &[Role::Clerk, Role::Manager])
                .await?
                .into_iter()
                .map(|(a, _)| a)
                .collect(),
            (None, None) => Vec::new(),
        };
        self.emails_of(&people).await
    }

    async fn mail_in(
        &self,
        tx: &mut storage::Tx,
        to: &[String],
        subject: &str,
        text: &str,
    ) -> Result<(), CosigningError> {
        for address in to {
            let mail = identity::mail::OutgoingMail {
                to: address.clone(),
                subject: subject.to_owned(),
                text: text.to_owned(),
            };
            let payload = serde_json::to_value(&mail).map_err(internal)?;
            storage::jobs::enqueue(
                tx,
                self.clock.as_ref(),
                storage::NewJob::new(identity::mail::MAIL_JOB, payload),
            )
            .await?;
        }
        Ok(())
    }

    async fn email_of(&self, account: AccountId) -> Result<String, CosigningError> {
        Ok(self.account_of(account).await?.email)
    }

    /// The addresses of whoever the steps wait on, each once.
    async fn addresses_of(&self, steps: &[&Step]) -> Result<Vec<String>, CosigningError> {
        let mut out: Vec<String> = Vec::new();
        for s in steps {
            for a in self.addressees(s).await? {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        Ok(out)
    }

    fn route_text(&self, r: &Route, what: &str) -> String {
        format!(
            "Guten Tag,\n\n{what}: „{}“ (Federführung: {})\n\n{}/arbeit/mitzeichnung/{}\n\nDiese E-Mail wurde automatisch erstellt.\n",
            r.title, r.lead_name, self.public_url, r.id
        )
    }

    /// Tells the signers of a stage that has opened.
    async fn notify_requested(
        &self,
        tx: &mut storage::Tx,
        r: &Route,
        to: &[String],
    ) -> Result<(), CosigningError> {
        self.mail_in(
            tx,
            to,
            &format!("Mitzeichnung erbeten: {}", r.title),
            &self.route_text(r, "Ihre Mitzeichnung wird erbeten"),
        )
        .await
    }

    /// Reminds whoever an open step waits on when it falls due (once per
    /// step; run by the hourly housekeeping). Returns how many steps.
    pub async fn remind_due(&self) -> Result<usize, CosigningError> {
        let due = self.store.due_unreminded(self.today()).await?;
        let mut n = 0;
        for (step, route) in due {
            let to = self.addressees(&step).await?;
            let mut tx = self.store.db().begin().await?;
            if !self
                .store
                .mark_reminded(&mut tx, step.id, self.clock.now())
                .await?
            {
                continue;
            }
            let due_on = step
                .due_on
                .map(|d| d.format("%d.%m.%Y").to_string())
                .unwrap_or_default();
            self.mail_in(
                &mut tx,
                &to,
                &format!("Mitzeichnung fällig: {}", route.title),
                &format!(
                    "Guten Tag,\n\ndie Mitzeichnung „{}“ (Federführung: {}) ist am {due_on} fällig:\n\n{}/arbeit/mitzeichnung/{}\n\nDiese E-Mail wurde automatisch erstellt.\n",
                    route.title,
                    route.lead_name,
                    self.public_url,
                    route.id
                ),
            )
            .await?;
            tx.commit().await?;
            n += 1;
        }
        Ok(n)
    }

    /// Overdue steps of the routes the actor leads or whose unit they
    /// manage.
    pub async fn overdue(&self, actor: &Actor) -> Result<Vec<Request>, CosigningError> {
        let account = Self::staff_account(actor)?;
        let units: Vec<Uuid> = actor
            .grants
            .iter()
            .filter(|g| g.role == Role::Manager)
            .flat_map(|g| g.covers.iter().map(|u| u.0))
            .collect();
        Ok(self.store.overdue(account.0, &units, self.today()).await?)
    }

    /// The lead or a manager of the route's unit escalates an overdue step:
    /// the unit's managers are told, the case timeline says so.
    pub async fn escalate(
        &self,
        actor: &Actor,
        route: Uuid,
        step: Uuid,
    ) -> Result<RouteView, CosigningError> {
        let account = Self::staff_account(actor)?;
        let r = self
            .store
            .route(route)
            .await?
            .ok_or(CosigningError::NotFound)?;
        let unit = OrgUnitId(r.org_unit_id);
        if r.lead_id != account.0 && !actor.has_role_in(Role::Manager, unit) {
            return Err(CosigningError::Forbidden);
        }
        let s = self
            .store
            .steps(route)
            .await?
            .into_iter()
            .find(|s| s.id == step && s.round == r.round)
            .ok_or(CosigningError::NotFound)?;
        let overdue = s.due_on.is_some_and(|d| d < self.today());
        if s.state != "open" || !overdue || r.state != RouteState::Running.as_str() {
            return Err(CosigningError::Conflict(
                "Only an open, overdue step of a running route is escalated.".into(),
            ));
        }
        let heads: Vec<AccountId> = self
            .unit_people(unit, &[Role::Manager])
            .await?
            .into_iter()
            .map(|(a, _)| a)
            .collect();
        let managers = self.emails_of(&heads).await?;
        let mut tx = self.store.db().begin().await?;
        if !self
            .store
            .mark_escalated(&mut tx, step, self.clock.now())
            .await?
        {
            return Err(CosigningError::Conflict("Escalated before.".into()));
        }
        self.mail_in(
            &mut tx,
            &managers,
            &format!("Mitzeichnung überfällig: {}", r.title),
            &format!(
                "Guten Tag,\n\n{} meldet eine überfällige Mitzeichnung im Laufweg „{}“:\n\n{}/arbeit/mitzeichnung/{}\n\nDiese E-Mail wurde automatisch erstellt.\n",
                actor.name,
                r.title,
                self.public_url,
                r.id
            ),
        )
        .await?;
        self.audit(&mut tx, actor, "cosigning.escalated", r.id)
            .await?;
        self.event(
            &mut tx,
            actor,
            r.file_id,
            &format!(
                "Überfällige Mitzeichnung an die Leitung eskaliert: {}",
                r.title
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        self.view(actor, route).await
    }

    async fn event(
        &self,
        tx: &mut storage::Tx,
        actor: &Actor,
        file: Uuid,
        detail: &str,
    ) -> Result<(), CosigningError> {
        self.events
            .record_in(tx, file, &actor.audit_label(), detail)
            .await
            .map_err(CosigningError::Internal)
    }

    async fn audit(
        &self,
        tx: &mut storage::Tx,
        actor: &Actor,
        action: &str,
        id: Uuid,
    ) -> Result<(), CosigningError> {
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                actor.audit_label(),
                action,
                "cosigning",
                vec![id.to_string()],
            ),
        )
        .await?;
        Ok(())
    }
}
