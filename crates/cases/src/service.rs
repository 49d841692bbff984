//! Use cases of cases: admins define case types; every submission becomes
//! exactly one case, filed in the E-Akte with its data and attachments, in
//! one transaction.

use crate::domain::{CaseTypeInput, add_working_days, check_case_type};
use crate::store::{Case, CasesStore};
use chrono::{NaiveTime, TimeZone, Utc};
use kernel::{Actor, CaseId, Clock, FieldErrors, OrgUnitId, RecordFileId, Role, SubmissionId};
use records::RecordsService;
use records::service::StoredContent;
use serde_json::{Value, json};
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::jobs::{JobError, JobHandler};
use storage::{AccessLog, AuditEntry, DbError};

/// The label cases made from submissions are created under.
const SYSTEM: &str = "system:cases";

/// Errors of case use cases.
#[derive(Debug, thiserror::Error)]
pub enum CasesError {
    /// The input is invalid (named per field).
    #[error("invalid")]
    Invalid(FieldErrors),
    /// Not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Unknown.
    #[error("not found")]
    NotFound,
    /// Someone changed the case meanwhile; reload and try again.
    #[error("the case was changed meanwhile; reload it")]
    Stale,
    /// The service of the submission has no case type yet.
    #[error("the service {0} has no case type; an admin must define one")]
    NoCaseType(String),
    /// The request conflicts with the state (e.g. a second fee claim).
    #[error("{0}")]
    Conflict(String),
    /// A bank statement file was refused.
    #[error("{0}")]
    Camt(crate::fees::camt::CamtError),
    /// A notice template has errors (Typst's messages with their lines).
    #[error("{0}")]
    Template(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("{0}")]
    Internal(String),
}

/// Settings of the cases context.
#[derive(Clone)]
pub struct CaseSettings {
    /// Federal state whose public holidays are not working days.
    pub state: holiday_de::GermanRegion,
    /// Public base URL (links in e-mails).
    pub public_url: String,
    /// Largest document upload in bytes.
    pub max_upload_bytes: u64,
    /// Fees: payee, bank details, Kassenzeichen.
    pub fees: crate::fees::FeeSettings,
    /// Name of the municipality (letterhead).
    pub city: String,
    /// The instance key staff's decision keys derive from.
    pub decision_keys: std::sync::Arc<identity::signing::DecisionKeys>,
    /// Wakes the job runner after a job was enqueued.
    pub wake: std::sync::Arc<dyn Fn() + Send + Sync>,
    /// Applies the external (PAdES) signature to final notices.
    pub sealer: std::sync::Arc<dyn pdf::seal::Sealer>,
}

/// The case use cases.
#[derive(Clone)]
pub struct CasesService {
    pub(crate) store: CasesStore,
    pub(crate) fees: crate::fees::store::FeesStore,
    pub(crate) notices: crate::notices::store::NoticesStore,
    pub(crate) messages: crate::messages::store::MessagesStore,
    pub(crate) notice_routes: std::sync::OnceLock<Arc<dyn crate::notices::service::NoticeRoutes>>,
    pub(crate) records: Arc<RecordsService>,
    pub(crate) submissions: Arc<forms::submissions::SubmissionService>,
    pub(crate) catalogue: Arc<catalogue::CatalogueService>,
    pub(crate) identity: Arc<identity::IdentityService>,
    pub(crate) mailbox: Arc<mailbox::MailboxService>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) log: AccessLog,
    pub(crate) settings: CaseSettings,
}

/// Every file in the answers (also inside groups): (field path, value).
fn attachments(
    answers: &serde_json::Map<String, Value>,
) -> Vec<(String, &serde_json::Map<String, Value>)> {
    let mut out = Vec::new();
    for (k, v) in answers {
        match v {
            Value::Object(o) if o.contains_key("blob") => out.push((k.clone(), o)),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Object(inner) = item {
                        for (ik, iv) in inner {
                            if let Value::Object(o) = iv
                                && o.contains_key("blob")
                            {
                                out.push((format!("{k}[{i}].{ik}"), o));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

impl CasesService {
    /// The service.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: CasesStore,
        records: Arc<RecordsService>,
        submissions: Arc<forms::submissions::SubmissionService>,
        catalogue: Arc<catalogue::CatalogueService>,
        identity: Arc<identity::IdentityService>,
        mailbox: Arc<mailbox::MailboxService>,
        clock: Arc<dyn Clock>,
        log: AccessLog,
        settings: CaseSettings,
    ) -> Self {
        CasesService {
            fees: crate::fees::store::FeesStore::new(store.db().clone()),
            notices: crate::notices::store::NoticesStore::new(store.db().clone()),
            messages: crate::messages::store::MessagesStore::new(store.db().clone()),
            notice_routes: std::sync::OnceLock::new(),
            store,
            records,
            submissions,
            catalogue,
            identity,
            mailbox,
            clock,
            log,
            settings,
        }
    }

    /// Tells notices where to ask whether a co-signing route runs on them
    /// (once, when the application is built).
    pub fn set_notice_routes(&self, routes: Arc<dyn crate::notices::service::NoticeRoutes>) {
        let _ = self.notice_routes.set(routes);
    }

    /// Defines (or replaces) the case type of a service (admins).
    pub async fn define_type(&self, actor: &Actor, t: CaseTypeInput) -> Result<(), CasesError> {
        if !(actor.is_system()
            || actor.has_role_anywhere(Role::Admin) && actor.has_scope("cases:write"))
        {
            return Err(CasesError::Forbidden);
        }
        check_case_type(&t)
            .into_result()
            .map_err(CasesError::Invalid)?;
        let mut tx = self.store.db().begin().await?;
        self.store
            .upsert_type(&mut tx, &t, self.clock.now())
            .await?;
        record_in_tx(
            &mut tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                actor.audit_label(),
                "case_type.defined",
                "service",
                vec![t.service.to_string()],
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(())
    }

    /// Makes the case of a submission, or returns the one made before: the
    /// file with the answers and every attachment as documents, and the
    /// case in the receiving unit's queue, all in one transaction.
    pub async fn case_from_submission(&self, id: SubmissionId) -> Result<Case, CasesError> {
        if let Some(done) = self.store.case_of_submission(id).await? {
            return Ok(done);
        }
        let system = Actor::system("cases");
        let s = self
            .submissions
            .submission(&system, id)
            .await
            .map_err(|e| match e {
                forms::service::FormsError::NotFound => CasesError::NotFound,
                other => CasesError::Internal(other.to_string()),
            })?;
        let case_type = self
            .store
            .type_of_service(s.service)
            .await?
            .ok_or_else(|| CasesError::NoCaseType(s.service.to_string()))?;
        let service_title = self
            .catalogue
            .titles(&[s.service])
            .await
            .ok()
            .and_then(|mut t| t.remove(&s.service))
            .unwrap_or_else(|| case_type.input.name.clone());
        let initial = case_type
            .input
            .initial()
            .cloned()
            .ok_or_else(|| CasesError::Internal("case type without statuses".into()))?;
        // Blobs first: durable before the rows that point to them.
        let data = serde_json::to_vec_pretty(&json!({
            "reference": s.reference,
            "service": service_title,
            "form_version": s.version,
            "submitted_at": s.submitted_at,
            "fee_cents": s.fee_cents,
            "answers": s.answers,
        }))
        .map_err(|e| CasesError::Internal(e.to_string()))?;
        let data = self
            .records
            .store_content("Antragsdaten.json", data.into(), "Eingang über das Portal")
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let received = s.submitted_at;
        let deadline = self.deadline_after(received.date_naive(), case_type.input.deadline_days);
        let now = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        let file = self
            .records
            .create_file_in(
                &mut tx,
                SYSTEM,
                &case_type.input.plan_code,
                &format!("{service_title} – {}", s.reference),
                Some(case_type.input.org_unit),
            )
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let file_id = RecordFileId(file.id);
        self.records
            .add_stored_document_in(&mut tx, SYSTEM, file_id, "Antrag (Daten)", data)
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        for (path, o) in attachments(&s.answers) {
            let text = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let stored = StoredContent {
                sha256: text("blob"),
                media_type: text("media_type"),
                size: o.get("size").and_then(Value::as_i64).unwrap_or(0),
                file_name: text("name"),
                note: format!("Anlage zum Antrag ({path})"),
            };
            self.records
                .add_stored_document_in(
                    &mut tx,
                    SYSTEM,
                    file_id,
                    &format!("Anlage: {}", text("name")),
                    stored,
                )
                .await
                .map_err(|e| CasesError::Internal(e.to_string()))?;
        }
        let case = Case {
            id: CaseId::new().0,
            case_type_id: case_type.id.0,
            submission_id: s.id.0,
            file_id: file.id,
            reference: file.reference.clone(),
            title: format!("{service_title} – {}", s.reference),
            status: initial.key.clone(),
            phase: initial.phase.as_str().into(),
            org_unit_id: case_type.input.org_unit.0,
            assignee_id: None,
            received_at: received,
            deadline,
            revision: 1,
            deadline_stopped_at: None,
            deadline_days_left: None,
        };
        if let Err(e) = self.store.insert_case(&mut tx, &case, now).await {
            if e.is_unique_violation() {
                // Made by a concurrent delivery meanwhile: that one counts.
                drop(tx);
                return self
                    .store
                    .case_of_submission(id)
                    .await?
                    .ok_or(CasesError::NotFound);
            }
            return Err(e.into());
        }
        self.store
            .add_timeline(
                &mut tx,
                CaseId(case.id),
                SYSTEM,
                "received",
                &initial.label,
                now,
            )
            .await?;
        record_in_tx(
            &mut tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                SYSTEM.to_owned(),
                "case.created",
                "case",
                vec![case.id.to_string()],
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(case)
    }

    /// The end of the day `days` working days after `start`.
    pub(crate) fn deadline_after(
        &self,
        start: chrono::NaiveDate,
        days: i64,
    ) -> chrono::DateTime<Utc> {
        let day = add_working_days(start, days, self.settings.state);
        Utc.from_utc_datetime(
            &day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default()),
        )
    }

    /// Records in the access log that `actor` was shown cases `ids`.
    pub(crate) async fn log_read(
        &self,
        actor: &Actor,
        action: &str,
        ids: Vec<String>,
    ) -> Result<(), CasesError> {
        self.log
            .record(vec![AuditEntry::new(
                actor.audit_label(),
                action,
                "case",
                ids,
            )])
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))
    }

    /// Clerks and managers of the case's unit (also as deputies); tokens
    /// need a cases scope besides.
    pub(crate) fn may_work_on(actor: &Actor, unit: OrgUnitId) -> bool {
        (actor.has_role_in(Role::Clerk, unit) || actor.has_role_in(Role::Manager, unit))
            && (actor.has_scope("cases:read") || actor.has_scope("cases:write"))
    }

    /// The first page of open cases of every unit the actor works for
    /// (clerk or manager, also as deputy), soonest deadline first.
    pub async fn my_queue(&self, actor: &Actor) -> Result<Vec<Case>, CasesError> {
        Ok(self
            .queue_page(actor, &crate::work::QueueFilter::default())
            .await?
            .cases)
    }

    /// A case with its type, documents and timeline, for staff of its unit;
    /// the read is in the access log. Staff of other units get `Forbidden`
    /// (and the attempt is logged too).
    /// A case's unit and file reference when the actor may work on it
    /// (a video consultation is started from the case).
    pub async fn case_for_video(
        &self,
        actor: &Actor,
        id: CaseId,
    ) -> Result<Option<(OrgUnitId, String)>, CasesError> {
        let Some(case) = self.store.case(id).await? else {
            return Ok(None);
        };
        if !Self::may_work_on(actor, OrgUnitId(case.org_unit_id)) {
            return Ok(None);
        }
        Ok(Some((OrgUnitId(case.org_unit_id), case.reference)))
    }

    /// A case by its file reference (Aktenzeichen), for a link from
    /// elsewhere (a team room): only when the actor may work on it; the
    /// case page checks every reader again. (id, "reference – subject").
    pub async fn case_for_link(
        &self,
        actor: &Actor,
        reference: &str,
    ) -> Result<Option<(uuid::Uuid, String)>, CasesError> {
        let Some(case) = self.store.case_by_reference(reference.trim()).await? else {
            return Ok(None);
        };
        if !Self::may_work_on(actor, OrgUnitId(case.org_unit_id)) {
            return Ok(None);
        }
        Ok(Some((
            case.id,
            format!("{} – {}", case.reference, case.title),
        )))
    }

    pub async fn case_view(&self, actor: &Actor, id: CaseId) -> Result<CaseView, CasesError> {
        let case = self.store.case(id).await?.ok_or(CasesError::NotFound)?;
        // The records office reads closed cases (and notes on them).
        let records_office = case.phase == "closed" && Self::may_note_closed(actor);
        if !Self::may_work_on(actor, OrgUnitId(case.org_unit_id)) && !records_office {
            self.log_read(actor, "case.view_refused", vec![case.id.to_string()])
                .await?;
            return Err(CasesError::Forbidden);
        }
        // The access-log entry is committed while the parts are read (the
        // response still waits for both); the parts are read side by side.
        let logged = self.log_read(actor, "case.viewed", vec![case.id.to_string()]);
        let internal = |e: &dyn std::fmt::Display| CasesError::Internal(e.to_string());
        let parts = async {
            tokio::try_join!(
                async {
                    self.store
                        .case_type(kernel::CaseTypeId(case.case_type_id))
                        .await?
                        .ok_or(CasesError::NotFound)
                },
                async {
                    self.records
                        .documents(RecordFileId(case.file_id))
                        .await
                        .map_err(|e| internal(&e))
                },
                async { Ok(self.store.timeline(id).await?) },
                // Access to the case was checked above; its answers come with it.
                async {
                    self.submissions
                        .answers_of_case(SubmissionId(case.submission_id))
                        .await
                        .map_err(|e| internal(&e))
                },
                async { Ok(self.store.follow_ups(id).await?) },
                async { Ok(self.store.requests(id).await?) },
                self.claim_with_payments(id),
                self.notices_of(&case),
                async {
                    self.records
                        .file_info(RecordFileId(case.file_id))
                        .await
                        .map_err(|e| internal(&e))
                },
                async { Ok(self.messages.of_case(case.id).await?) },
            )
        };
        let (
            (),
            (
                case_type,
                documents,
                timeline,
                answers,
                follow_ups,
                requests,
                claim,
                notices,
                file,
                messages,
            ),
        ) = tokio::try_join!(logged, parts)?;
        if actor.account.is_some() && messages.iter().any(|m| m.read_at.is_none()) {
            self.messages
                .mark_read(
                    case.id,
                    crate::messages::store::Direction::In,
                    self.clock.now(),
                )
                .await?;
        }
        Ok(CaseView {
            messages,
            file,
            notices,
            claim,
            follow_ups,
            requests,
            deadline_rule: case_type.input.deadline_rule,
            answers,
            status_label: case_type
                .input
                .status(&case.status)
                .map(|s| s.label.clone())
                .unwrap_or_else(|| case.status.clone()),
            case,
            documents,
            timeline,
        })
    }

    pub(crate) async fn change(
        &self,
        actor: &Actor,
        mut case: Case,
        kind: &str,
        detail: &str,
    ) -> Result<Case, CasesError> {
        let mut tx = self.store.db().begin().await?;
        self.change_in(&mut tx, &actor.audit_label(), &case, kind, detail)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        case.revision += 1;
        Ok(case)
    }

    /// Saves a changed case (if nobody changed it since `case.revision`),
    /// with its timeline entry and access-log entry, in the caller's
    /// transaction.
    pub(crate) async fn change_in(
        &self,
        tx: &mut storage::Tx,
        by: &str,
        case: &Case,
        kind: &str,
        detail: &str,
    ) -> Result<(), CasesError> {
        let now = self.clock.now();
        if !self.store.update_case(tx, case, now).await? {
            return Err(CasesError::Stale);
        }
        self.timeline_in(tx, by, CaseId(case.id), kind, detail)
            .await
    }

    /// Adds a timeline entry and its access-log entry in the caller's
    /// transaction.
    /// Adds an entry to the timeline of the case whose file is `file`
    /// (other contexts' events, e.g. co-signing), in their transaction;
    /// nothing when the file belongs to no case.
    pub async fn timeline_for_file_in(
        &self,
        tx: &mut storage::Tx,
        file: uuid::Uuid,
        by: &str,
        kind: &str,
        detail: &str,
    ) -> Result<(), CasesError> {
        if let Some(case) = self.store.case_of_file_in(tx, file).await? {
            self.timeline_in(tx, by, CaseId(case), kind, detail).await?;
        }
        Ok(())
    }

    /// The case whose file is `file`, if any (other contexts link to it).
    pub async fn case_of_file(&self, file: uuid::Uuid) -> Result<Option<CaseId>, CasesError> {
        Ok(self
            .store
            .cases_of_files(&[file])
            .await?
            .first()
            .map(|(_, c)| CaseId(*c)))
    }

    pub(crate) async fn timeline_in(
        &self,
        tx: &mut storage::Tx,
        by: &str,
        case: CaseId,
        kind: &str,
        detail: &str,
    ) -> Result<(), CasesError> {
        let now = self.clock.now();
        self.store
            .add_timeline(tx, case, by, kind, detail, now)
            .await?;
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                by.to_owned(),
                &format!("case.{kind}"),
                "case",
                vec![case.to_string()],
            ),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn editable(
        &self,
        actor: &Actor,
        id: CaseId,
        revision: i64,
    ) -> Result<Case, CasesError> {
        let case = self.store.case(id).await?.ok_or(CasesError::NotFound)?;
        if !Self::may_work_on(actor, OrgUnitId(case.org_unit_id))
            || !actor.has_scope("cases:write")
            || actor.account.is_none()
        {
            return Err(CasesError::Forbidden);
        }
        if case.revision != revision {
            return Err(CasesError::Stale);
        }
        if case.phase == "closed" {
            return Err(CasesError::Conflict(
                "The case is closed; only the records office adds notes.".into(),
            ));
        }
        Ok(case)
    }

    /// The clerk takes the case over (it leaves the team queue's
    /// unassigned part). `revision` is the one the clerk saw.
    pub async fn claim(
        &self,
        actor: &Actor,
        id: CaseId,
        revision: i64,
    ) -> Result<Case, CasesError> {
        let mut case = self.editable(actor, id, revision).await?;
        case.assignee_id = actor.account.map(|a| a.0);
        self.change(
            actor,
            case,
            "claimed",
            &format!("Übernommen von {}", actor.name),
        )
        .await
    }

    /// Moves the case to another status, only along the case type's
    /// transitions.
    pub async fn change_status(
        &self,
        actor: &Actor,
        id: CaseId,
        to: &str,
        revision: i64,
    ) -> Result<Case, CasesError> {
        let mut case = self.editable(actor, id, revision).await?;
        let case_type = self
            .store
            .case_type(kernel::CaseTypeId(case.case_type_id))
            .await?
            .ok_or(CasesError::NotFound)?;
        let target = case_type.input.status(to).cloned();
        let Some(target) = target.filter(|_| case_type.input.allows(&case.status, to)) else {
            let mut e = FieldErrors::new();
            e.add("status", "transition_invalid");
            return Err(CasesError::Invalid(e));
        };
        if target.phase == crate::domain::Phase::Closed {
            // Closing has its rules (notice notified, fee settled) and
            // closes the file: it goes through `close_case`.
            let mut e = FieldErrors::new();
            e.add("status", "close_use_close");
            return Err(CasesError::Invalid(e));
        }
        case.status = target.key.clone();
        case.phase = target.phase.as_str().into();
        self.change(actor, case, "status", &target.label).await
    }

    /// The statuses a case may move to next: (key, label).
    pub async fn next_statuses(&self, case: &Case) -> Result<Vec<(String, String)>, CasesError> {
        let t = self
            .store
            .case_type(kernel::CaseTypeId(case.case_type_id))
            .await?
            .ok_or(CasesError::NotFound)?;
        Ok(t.input
            .transitions
            .iter()
            .filter(|tr| tr.from == case.status)
            .filter_map(|tr| t.input.status(&tr.to))
            .map(|s| (s.key.clone(), s.label.clone()))
            .collect())
    }

    /// The content of a document version of a case (staff of its unit).
    pub async fn document(
        &self,
        actor: &Actor,
        id: CaseId,
        version: kernel::DocumentVersionId,
    ) -> Result<(records::store::Version, bytes::Bytes), CasesError> {
        let case = self.store.case(id).await?.ok_or(CasesError::NotFound)?;
        if !Self::may_work_on(actor, OrgUnitId(case.org_unit_id)) {
            return Err(CasesError::Forbidden);
        }
        let out = self
            .records
            .content_in_file(RecordFileId(case.file_id), version)
            .await
            .map_err(|e| match e {
                records::RecordsError::NotFound => CasesError::NotFound,
                other => CasesError::Internal(other.to_string()),
            })?;
        self.log_read(actor, "document.viewed", vec![case.id.to_string()])
            .await?;
        Ok(out)
    }

    /// The citizen's own cases: for each submission with a case, the
    /// reference number, the plain-language status and the status history
    /// (no internal notes); newest first.
    pub async fn citizen_cases(&self, actor: &Actor) -> Result<Vec<CitizenCase>, CasesError> {
        let (_, submissions) = self.submissions.mine(actor).await.map_err(|e| match e {
            forms::service::FormsError::Forbidden => CasesError::Forbidden,
            other => CasesError::Internal(other.to_string()),
        })?;
        let mut out = Vec::new();
        for (s, title) in submissions {
            let Some(case) = self.store.case_of_submission(s.id).await? else {
                out.push(CitizenCase {
                    id: None,
                    unread_messages: 0,
                    messages: 0,
                    reference: s.reference,
                    title,
                    status: None,
                    history: Vec::new(),
                    open_requests: Vec::new(),
                    fee: None,
                });
                continue;
            };
            let case_type = self
                .store
                .case_type(kernel::CaseTypeId(case.case_type_id))
                .await?
                .ok_or(CasesError::NotFound)?;
            let history = self
                .store
                .timeline(CaseId(case.id))
                .await?
                .into_iter()
                .filter(|t| PUBLIC_KINDS.contains(&t.kind.as_str()))
                .collect();
            let open_requests = self
                .store
                .requests(CaseId(case.id))
                .await?
                .into_iter()
                .filter(|r| r.answered_at.is_none())
                .collect();
            let fee = self
                .fees
                .claim_of_case(case.id)
                .await?
                .map(|c| self.payment_instructions(c));
            let messages = self.messages.of_case(case.id).await?;
            out.push(CitizenCase {
                id: Some(case.id),
                unread_messages: messages
                    .iter()
                    .filter(|m| {
                        m.direction == crate::messages::store::Direction::Out && m.read_at.is_none()
                    })
                    .count(),
                messages: messages.len(),
                fee,
                reference: s.reference,
                title,
                status: case_type
                    .input
                    .status(&case.status)
                    .map(|st| st.label.clone()),
                history,
                open_requests,
            });
        }
        Ok(out)
    }
}

/// A citizen's view of their case: no internal data.
#[derive(Debug, Clone)]
pub struct CitizenCase {
    /// The case; none while it is being created.
    pub id: Option<uuid::Uuid>,
    /// Messages from the authority not yet read.
    pub unread_messages: usize,
    /// All messages.
    pub messages: usize,
    /// The reference number of the submission.
    pub reference: String,
    /// The service.
    pub title: String,
    /// Plain-language status; none while the case is being created.
    pub status: Option<String>,
    /// Status history (received, status changes, requests and answers;
    /// no internal notes).
    pub history: Vec<crate::store::TimelineEntry>,
    /// Requests for information still to answer.
    pub open_requests: Vec<crate::store::InfoRequest>,
    /// The fee to pay and how.
    pub fee: Option<crate::fees::service::PaymentInstructions>,
}

/// Timeline entries the applicant sees.
const PUBLIC_KINDS: &[&str] = &[
    "received",
    "status",
    "request",
    "answer",
    "fee",
    "payment",
    "delivery",
    "message_in",
    "message_out",
];

/// A case as its page shows it.
#[derive(Debug, Clone)]
pub struct CaseView {
    /// The case.
    pub case: Case,
    /// Label of its status.
    pub status_label: String,
    /// Documents of its file with their versions.
    pub documents: Vec<records::store::DocumentWithVersions>,
    /// What happened, oldest first.
    pub timeline: Vec<crate::store::TimelineEntry>,
    /// The applicant's answers as the form asked them.
    pub answers: Vec<forms::view::SummaryRow>,
    /// Open follow-up dates.
    pub follow_ups: Vec<crate::store::FollowUp>,
    /// Requests for information, oldest first.
    pub requests: Vec<crate::store::InfoRequest>,
    /// What a request for information does to the deadline.
    pub deadline_rule: crate::domain::DeadlineRule,
    /// The fee claim and the payments booked to it.
    pub claim: Option<(crate::fees::store::Claim, Vec<crate::fees::store::Payment>)>,
    /// Notices with their checked signatures.
    pub notices: Vec<crate::notices::service::NoticeView>,
    /// Its file in the E-Akte (closed and retention dates).
    pub file: Option<records::store::RecordFile>,
    /// Messages with the applicant, oldest first.
    pub messages: Vec<crate::messages::store::Message>,
}

/// Handles the `submission.received` job the forms context writes with
/// every submission: makes its case (exactly once).
pub struct CaseJobs {
    /// The cases service.
    pub cases: Arc<CasesService>,
}

#[async_trait::async_trait]
impl JobHandler for CaseJobs {
    async fn run(&self, payload: Value) -> Result<(), JobError> {
        let id = payload
            .get("submission_id")
            .and_then(Value::as_str)
            .and_then(SubmissionId::parse)
            .ok_or_else(|| JobError::Permanent("payload without submission_id".into()))?;
        match self.cases.case_from_submission(id).await {
            Ok(_) => Ok(()),
            Err(e @ (CasesError::NotFound | CasesError::Invalid(_))) => {
                Err(JobError::Permanent(e.to_string()))
            }
            // An admin can define the case type and retry the job.
            Err(e @ CasesError::NoCaseType(_)) => Err(JobError::Permanent(e.to_string())),
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }
}
