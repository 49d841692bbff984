//! Working on cases beyond claiming and status changes: queues with
//! filters and pages, assigning, internal notes, follow-up dates
//! (Wiedervorlagen), requests for information and the applicant's answer
//! (with the § 42a VwVfG deadline logic), document uploads with an
//! idempotency key, and the data protection officer's list of who read a
//! case.

use crate::domain::{DeadlineRule, Phase, working_days_between};
use crate::service::{CasesError, CasesService};
use crate::store::{AssigneeFilter, Case, DueFollowUp, FollowUp, InfoRequest, QueueQuery};
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use identity::mail::{MAIL_JOB, OutgoingMail};
use kernel::{
    AccountId, Actor, CaseId, CaseTypeId, DocumentId, FieldErrors, OrgUnitId, RecordFileId, Role,
    SubmissionId,
};
use records::store::Version;
use serde::Serialize;
use sha2::{Digest, Sha256};
use storage::NewJob;
use uuid::Uuid;

/// Cases per queue page.
pub const PAGE_SIZE: i64 = 50;

/// Media types accepted as case documents: documents and images, nothing
/// that could run (HTML, SVG, scripts, executables).
pub const ACCEPTED_TYPES: &[&str] = &[
    "application/pdf",
    "text/plain",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
];

/// Which deadlines a queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueFilter {
    /// Past their deadline.
    Overdue,
    /// Due within seven days (or overdue).
    Week,
}

/// Whose cases a queue shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AssigneeChoice {
    /// All.
    #[default]
    Any,
    /// The actor's own.
    Me,
    /// Nobody's yet.
    Nobody,
    /// One colleague's.
    Account(AccountId),
}

/// The filters of a queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Status key.
    pub status: Option<String>,
    /// Case type.
    pub case_type: Option<CaseTypeId>,
    /// Deadline.
    pub due: Option<DueFilter>,
    /// Assignee.
    pub assignee: AssigneeChoice,
    /// Include closed cases.
    pub closed: bool,
    /// Page, from 0.
    pub page: u32,
}

/// One page of a queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueuePage {
    /// The cases, soonest deadline first.
    pub cases: Vec<Case>,
    /// This page (from 0).
    pub page: u32,
    /// True when another page follows.
    pub has_more: bool,
}

/// A new document or version for a case.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Title of a new document (ignored for a new version).
    pub title: String,
    /// The document that gets a new version; none for a new document.
    pub document: Option<DocumentId>,
    /// The name the file came with.
    pub file_name: String,
    /// Content.
    pub bytes: Bytes,
    /// Version note.
    pub note: String,
}

/// Who answers a request for information.
pub enum Answerer<'a> {
    /// The logged-in applicant.
    Citizen(&'a Actor),
    /// Someone with the secret from the e-mail (applications without an
    /// account).
    Key(&'a str),
}

/// Search results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    /// Number of all documents found that the searcher may see.
    pub total: usize,
    /// The best 20.
    pub hits: Vec<SearchHit>,
}

/// A document found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// The case whose file holds it.
    pub case_id: Option<Uuid>,
    /// The newest version (whose text matched).
    pub version_id: String,
    /// Document title.
    pub title: String,
    /// File reference.
    pub reference: String,
    /// The matching passage as HTML (text escaped, matches in `<b>`).
    pub passage_html: String,
}

/// A read or change of a case in the access log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessRecord {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (access-log label).
    pub actor: String,
    /// What (`case.viewed`, `case.listed`, `case.view_refused`, …).
    pub action: String,
}

pub(crate) fn invalid(field: &str, code: &str) -> CasesError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    CasesError::Invalid(e)
}

fn sha_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

impl CasesService {
    /// The units whose cases the actor works on (clerk or manager there,
    /// also as deputy).
    pub fn work_units(actor: &Actor) -> Vec<OrgUnitId> {
        if !(actor.has_scope("cases:read") || actor.has_scope("cases:write")) {
            return Vec::new();
        }
        actor.units_with(&[Role::Clerk, Role::Manager])
    }

    /// One page of the cases of the actor's units with the filters,
    /// soonest deadline first; the ids shown are in the access log.
    pub async fn queue_page(
        &self,
        actor: &Actor,
        f: &QueueFilter,
    ) -> Result<QueuePage, CasesError> {
        let now = self.clock.now();
        let q = QueueQuery {
            units: Self::work_units(actor).into_iter().map(|u| u.0).collect(),
            status: f.status.clone().filter(|s| !s.is_empty()),
            case_type: f.case_type.map(|t| t.0),
            due_before: f.due.map(|d| match d {
                DueFilter::Overdue => now,
                DueFilter::Week => now + chrono::Duration::days(7),
            }),
            assignee: match f.assignee {
                AssigneeChoice::Any => AssigneeFilter::Any,
                AssigneeChoice::Nobody => AssigneeFilter::Nobody,
                AssigneeChoice::Me => match actor.account {
                    Some(a) => AssigneeFilter::Account(a.0),
                    None => AssigneeFilter::Nobody,
                },
                AssigneeChoice::Account(a) => AssigneeFilter::Account(a.0),
            },
            closed: f.closed,
            offset: i64::from(f.page) * PAGE_SIZE,
            limit: PAGE_SIZE + 1,
        };
        let mut cases = self.store.query(&q).await?;
        let has_more = cases.len() as i64 > PAGE_SIZE;
        cases.truncate(PAGE_SIZE as usize);
        if !cases.is_empty() {
            self.log_read(
                actor,
                "case.listed",
                cases.iter().map(|c| c.id.to_string()).collect(),
            )
            .await?;
        }
        Ok(QueuePage {
            cases,
            page: f.page,
            has_more,
        })
    }

    /// The case types (for filters and the admin pages).
    pub async fn case_types(&self) -> Result<Vec<crate::store::CaseType>, CasesError> {
        Ok(self.store.case_types().await?)
    }

    /// Staff who may get a case of `unit` assigned (clerks of the unit).
    pub async fn assignable(
        &self,
        unit: OrgUnitId,
    ) -> Result<Vec<(AccountId, String)>, CasesError> {
        self.identity
            .holders_for(Role::Clerk, unit)
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))
    }

    /// Gives the case to a clerk of its unit (or takes it back from one).
    pub async fn assign(
        &self,
        actor: &Actor,
        id: CaseId,
        to: AccountId,
        revision: i64,
    ) -> Result<Case, CasesError> {
        let mut case = self.editable(actor, id, revision).await?;
        let clerks = self.assignable(OrgUnitId(case.org_unit_id)).await?;
        let Some((_, name)) = clerks.into_iter().find(|(a, _)| *a == to) else {
            return Err(invalid("assignee", "assignee_not_in_unit"));
        };
        case.assignee_id = Some(to.0);
        self.change(actor, case, "assigned", &format!("Zugewiesen an {name}"))
            .await
    }

    /// The case if the actor works on its unit (with an account).
    pub(crate) async fn workable(&self, actor: &Actor, id: CaseId) -> Result<Case, CasesError> {
        let case = self.store.case(id).await?.ok_or(CasesError::NotFound)?;
        if !Self::may_work_on(actor, OrgUnitId(case.org_unit_id))
            || !actor.has_scope("cases:write")
            || actor.account.is_none()
        {
            return Err(CasesError::Forbidden);
        }
        if case.phase == "closed" {
            return Err(CasesError::Conflict(
                "The case is closed; only the records office adds notes.".into(),
            ));
        }
        Ok(case)
    }

    /// Adds an internal note (staff only; the applicant never sees it).
    pub async fn add_note(&self, actor: &Actor, id: CaseId, text: &str) -> Result<(), CasesError> {
        let closed = self.store.case(id).await?.ok_or(CasesError::NotFound)?;
        let case = if closed.phase == "closed"
            && Self::may_note_closed(actor)
            && actor.has_scope("cases:write")
        {
            closed
        } else {
            self.workable(actor, id).await?
        };
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 4000 {
            return Err(invalid("note", "note_invalid"));
        }
        let mut tx = self.store.db().begin().await?;
        self.timeline_in(&mut tx, &actor.audit_label(), CaseId(case.id), "note", text)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(())
    }

    /// Sets a follow-up date that brings the case back to `account` (the
    /// actor when none) on `due_on`.
    pub async fn add_follow_up(
        &self,
        actor: &Actor,
        id: CaseId,
        account: Option<AccountId>,
        due_on: Option<NaiveDate>,
        note: &str,
    ) -> Result<FollowUp, CasesError> {
        let case = self.workable(actor, id).await?;
        let mut errors = FieldErrors::new();
        let today = self.clock.now().date_naive();
        match due_on {
            None => errors.add("due_on", "date_invalid"),
            Some(d) if d < today => errors.add("due_on", "date_past"),
            Some(_) => {}
        }
        let note = note.trim();
        if note.chars().count() > 500 {
            errors.add("follow_note", "note_invalid");
        }
        let me = actor.account.ok_or(CasesError::Forbidden)?;
        let account = account.unwrap_or(me);
        if account != me
            && !self
                .assignable(OrgUnitId(case.org_unit_id))
                .await?
                .iter()
                .any(|(a, _)| *a == account)
        {
            errors.add("account", "assignee_not_in_unit");
        }
        errors.into_result().map_err(CasesError::Invalid)?;
        let due_on = due_on.unwrap_or(today);
        let f = FollowUp {
            id: Uuid::now_v7(),
            case_id: case.id,
            account_id: account.0,
            due_on,
            note: note.to_owned(),
            created_by: actor.audit_label(),
            done_at: None,
        };
        let mut tx = self.store.db().begin().await?;
        self.store
            .insert_follow_up(&mut tx, &f, self.clock.now())
            .await?;
        let detail = if note.is_empty() {
            format!("Wiedervorlage am {}", due_on.format("%d.%m.%Y"))
        } else {
            format!("Wiedervorlage am {}: {note}", due_on.format("%d.%m.%Y"))
        };
        self.timeline_in(&mut tx, &actor.audit_label(), id, "follow_up", &detail)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(f)
    }

    /// Marks a follow-up of the case done.
    pub async fn finish_follow_up(
        &self,
        actor: &Actor,
        id: CaseId,
        follow_up: Uuid,
    ) -> Result<(), CasesError> {
        self.workable(actor, id).await?;
        let mut tx = self.store.db().begin().await?;
        if !self
            .store
            .finish_follow_up(&mut tx, id, follow_up, self.clock.now())
            .await?
        {
            return Err(CasesError::NotFound);
        }
        self.timeline_in(
            &mut tx,
            &actor.audit_label(),
            id,
            "follow_up_done",
            "Wiedervorlage erledigt",
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(())
    }

    /// The actor's follow-ups due today or earlier.
    pub async fn due_follow_ups(&self, actor: &Actor) -> Result<Vec<DueFollowUp>, CasesError> {
        let Some(me) = actor.account else {
            return Ok(Vec::new());
        };
        Ok(self
            .store
            .due_follow_ups(me.0, self.clock.now().date_naive())
            .await?)
    }

    /// True when the case's status allows a request for information (a
    /// transition into a status of phase waiting).
    pub async fn can_request(&self, case: &Case) -> Result<bool, CasesError> {
        let t = self
            .store
            .case_type(CaseTypeId(case.case_type_id))
            .await?
            .ok_or(CasesError::NotFound)?;
        Ok(t.input
            .transitions
            .iter()
            .filter(|tr| tr.from == case.status)
            .filter_map(|tr| t.input.status(&tr.to))
            .any(|s| s.phase == Phase::Waiting))
    }

    /// Asks the applicant for missing data or documents by `due_on`: the
    /// case waits for the applicant, its deadline stops (§ 42a VwVfG), the
    /// applicant is told by e-mail and answers in the portal.
    pub async fn request_information(
        &self,
        actor: &Actor,
        id: CaseId,
        message: &str,
        due_on: Option<NaiveDate>,
        revision: i64,
    ) -> Result<(Case, InfoRequest), CasesError> {
        let mut case = self.editable(actor, id, revision).await?;
        let case_type = self
            .store
            .case_type(CaseTypeId(case.case_type_id))
            .await?
            .ok_or(CasesError::NotFound)?;
        let mut errors = FieldErrors::new();
        let message = message.trim();
        if message.is_empty() || message.chars().count() > 4000 {
            errors.add("message", "message_invalid");
        }
        let now = self.clock.now();
        let today = now.date_naive();
        match due_on {
            None => errors.add("request_due_on", "date_invalid"),
            Some(d) if d <= today => errors.add("request_due_on", "date_not_future"),
            Some(_) => {}
        }
        let waiting = case_type
            .input
            .transitions
            .iter()
            .filter(|t| t.from == case.status)
            .filter_map(|t| case_type.input.status(&t.to))
            .find(|s| s.phase == Phase::Waiting)
            .cloned();
        if waiting.is_none() {
            errors.add("message", "request_not_possible");
        }
        errors.into_result().map_err(CasesError::Invalid)?;
        let (Some(waiting), Some(due_on)) = (waiting, due_on) else {
            return Err(invalid("message", "request_not_possible"));
        };
        let submission = self
            .submissions
            .submission(&Actor::system("cases"), SubmissionId(case.submission_id))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        case.status = waiting.key.clone();
        case.phase = waiting.phase.as_str().into();
        if case.deadline_stopped_at.is_none() {
            case.deadline_stopped_at = Some(now);
            case.deadline_days_left = Some(working_days_between(
                today,
                case.deadline.date_naive(),
                self.settings.state,
            ));
        }
        let secret = hex::encode(rand::random::<[u8; 32]>());
        let request = InfoRequest {
            id: Uuid::now_v7(),
            case_id: case.id,
            message: message.to_owned(),
            due_on,
            created_by: actor.audit_label(),
            created_at: now,
            answer: None,
            answered_at: None,
            secret_hash: sha_hex(&secret),
        };
        let mut tx = self.store.db().begin().await?;
        self.change_in(&mut tx, &actor.audit_label(), &case, "request", message)
            .await?;
        self.store.insert_request(&mut tx, &request).await?;
        if let Some(to) = &submission.email {
            let base = self.settings.public_url.trim_end_matches('/');
            let link = if submission.account.is_some() {
                format!("{base}/konto/vorgaenge")
            } else {
                format!("{base}/nachforderung/{}?schluessel={secret}", request.id)
            };
            let mail = OutgoingMail {
                to: to.clone(),
                subject: format!(
                    "Wir brauchen noch etwas von Ihnen ({})",
                    submission.reference
                ),
                text: format!(
                    "Guten Tag,\n\nfür Ihren Antrag {} brauchen wir noch etwas von Ihnen:\n\n{message}\n\nBitte antworten Sie bis {} hier:\n\n{link}\n\nSie können dort auch Dateien hochladen. Bis Ihre Antwort da ist, ruht die Bearbeitungsfrist.\n\nDiese E-Mail wurde automatisch erstellt.\n",
                    submission.reference,
                    due_on.format("%d.%m.%Y")
                ),
            };
            let payload =
                serde_json::to_value(&mail).map_err(|e| CasesError::Internal(e.to_string()))?;
            storage::jobs::enqueue(&mut tx, self.clock.as_ref(), NewJob::new(MAIL_JOB, payload))
                .await?;
        }
        tx.commit().await?;
        self.log.nudge();
        case.revision += 1;
        Ok((case, request))
    }

    /// A request for information as its answering applicant sees it, with
    /// the reference of the application; checks the answerer.
    pub async fn request_for(
        &self,
        who: &Answerer<'_>,
        request: Uuid,
    ) -> Result<(InfoRequest, String), CasesError> {
        let r = self
            .store
            .request(request)
            .await?
            .ok_or(CasesError::NotFound)?;
        let case = self
            .store
            .case(CaseId(r.case_id))
            .await?
            .ok_or(CasesError::NotFound)?;
        let s = self
            .submissions
            .submission(&Actor::system("cases"), SubmissionId(case.submission_id))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let allowed = match who {
            Answerer::Citizen(actor) => s.account.is_some() && s.account == actor.account,
            Answerer::Key(key) => !key.is_empty() && sha_hex(key) == r.secret_hash,
        };
        if !allowed {
            return Err(CasesError::Forbidden);
        }
        Ok((r, s.reference))
    }

    /// Checks an upload against the size limit and the accepted types.
    pub(crate) fn check_upload(&self, field: &str, bytes: &[u8]) -> Result<(), CasesError> {
        if bytes.is_empty() {
            return Err(invalid(field, "file_empty"));
        }
        if bytes.len() as u64 > self.settings.max_upload_bytes {
            return Err(invalid(field, "file_too_large"));
        }
        if !ACCEPTED_TYPES.contains(&records::service::media_type_of(bytes).as_str()) {
            return Err(invalid(field, "file_type_not_allowed"));
        }
        Ok(())
    }

    /// The applicant answers a request: the text and files land in the
    /// case file as documents, the case returns to processing and to its
    /// clerk (a follow-up for today), and the deadline runs again: in full
    /// from today under § 42a, or with the days that were left.
    pub async fn answer_request(
        &self,
        who: &Answerer<'_>,
        request: Uuid,
        answer: &str,
        files: Vec<(String, Bytes)>,
    ) -> Result<(), CasesError> {
        let (r, reference) = self.request_for(who, request).await?;
        if r.answered_at.is_some() {
            return Err(invalid("answer", "request_answered"));
        }
        let answer = answer.trim();
        if answer.chars().count() > 8000 {
            return Err(invalid("answer", "answer_too_long"));
        }
        if answer.is_empty() && files.is_empty() {
            return Err(invalid("answer", "answer_empty"));
        }
        for (_, bytes) in &files {
            self.check_upload("files", bytes)?;
        }
        let by = match who {
            Answerer::Citizen(actor) => actor.audit_label(),
            Answerer::Key(_) => format!("applicant:{reference}"),
        };
        // Blobs first: durable before the rows that point to them.
        let mut stored = Vec::new();
        if !answer.is_empty() {
            let text = format!(
                "Nachforderung vom {}:\n{}\n\nAntwort:\n{answer}\n",
                r.created_at.format("%d.%m.%Y"),
                r.message
            );
            stored.push((
                "Antwort auf Nachforderung".to_owned(),
                self.records
                    .store_content("Antwort.txt", Bytes::from(text), "Antwort im Portal")
                    .await
                    .map_err(|e| CasesError::Internal(e.to_string()))?,
            ));
        }
        for (name, bytes) in files {
            let s = self
                .records
                .store_content(&name, bytes, "Nachgereicht im Portal")
                .await
                .map_err(|e| CasesError::Internal(e.to_string()))?;
            stored.push((format!("Nachreichung: {}", s.file_name), s));
        }
        // A clerk may change the case meanwhile: read again and retry.
        for _ in 0..3 {
            let mut case = self
                .store
                .case(CaseId(r.case_id))
                .await?
                .ok_or(CasesError::NotFound)?;
            let case_type = self
                .store
                .case_type(CaseTypeId(case.case_type_id))
                .await?
                .ok_or(CasesError::NotFound)?;
            if let Some(back) = case_type
                .input
                .transitions
                .iter()
                .filter(|t| t.from == case.status)
                .filter_map(|t| case_type.input.status(&t.to))
                .find(|s| s.phase == Phase::InProgress)
            {
                case.status = back.key.clone();
                case.phase = back.phase.as_str().into();
            }
            let today = self.clock.now().date_naive();
            if case.deadline_stopped_at.is_some() {
                let days = match case_type.input.deadline_rule {
                    DeadlineRule::Complete => case_type.input.deadline_days,
                    DeadlineRule::Paused => case
                        .deadline_days_left
                        .unwrap_or(case_type.input.deadline_days),
                };
                case.deadline = self.deadline_after(today, days);
                case.deadline_stopped_at = None;
                case.deadline_days_left = None;
            }
            let mut tx = self.store.db().begin().await?;
            if !self
                .store
                .answer_request(&mut tx, r.id, answer, self.clock.now())
                .await?
            {
                return Err(invalid("answer", "request_answered"));
            }
            for (title, s) in &stored {
                self.records
                    .add_stored_document_in(
                        &mut tx,
                        &by,
                        RecordFileId(case.file_id),
                        title,
                        s.clone(),
                    )
                    .await
                    .map_err(|e| CasesError::Internal(e.to_string()))?;
            }
            match self
                .change_in(
                    &mut tx,
                    &by,
                    &case,
                    "answer",
                    "Antwort auf die Nachforderung eingegangen",
                )
                .await
            {
                Err(CasesError::Stale) => continue,
                other => other?,
            }
            if let Some(clerk) = case.assignee_id {
                let f = FollowUp {
                    id: Uuid::now_v7(),
                    case_id: case.id,
                    account_id: clerk,
                    due_on: today,
                    note: "Antwort auf Nachforderung eingegangen".into(),
                    created_by: by.clone(),
                    done_at: None,
                };
                self.store
                    .insert_follow_up(&mut tx, &f, self.clock.now())
                    .await?;
            }
            tx.commit().await?;
            self.log.nudge();
            return Ok(());
        }
        Err(CasesError::Stale)
    }

    /// Adds a document (or a new version of one) to the case file. With an
    /// idempotency key, a repeated upload returns the version made first
    /// (and `false`: nothing new was made).
    pub async fn upload(
        &self,
        actor: &Actor,
        id: CaseId,
        upload: Upload,
        key: Option<&str>,
    ) -> Result<(Version, bool), CasesError> {
        let case = self.workable(actor, id).await?;
        let caller = actor.audit_label();
        let key = key.map(str::trim).filter(|k| !k.is_empty());
        if let Some(k) = key {
            if k.len() > 200 {
                return Err(invalid("Idempotency-Key", "key_too_long"));
            }
            if let Some(v) = self
                .records
                .uploaded_with_key(&caller, k)
                .await
                .map_err(|e| CasesError::Internal(e.to_string()))?
            {
                return Ok((v, false));
            }
        }
        let title = upload.title.trim();
        if upload.document.is_none() && (title.is_empty() || title.chars().count() > 300) {
            return Err(invalid("title", "title_missing"));
        }
        self.check_upload("file", &upload.bytes)?;
        let stored = self
            .records
            .store_content(&upload.file_name, upload.bytes, &upload.note)
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let file = RecordFileId(case.file_id);
        let mut tx = self.store.db().begin().await?;
        let version = match upload.document {
            None => {
                self.records
                    .add_stored_document_in(&mut tx, &caller, file, title, stored)
                    .await
            }
            Some(d) => {
                self.records
                    .add_stored_version_in(&mut tx, &caller, file, d, stored)
                    .await
            }
        }
        .map_err(|e| match e {
            records::RecordsError::NotFound => CasesError::NotFound,
            other => CasesError::Internal(other.to_string()),
        })?;
        if let Some(k) = key
            && let Err(e) = self
                .records
                .remember_upload_key_in(&mut tx, &caller, k, kernel::DocumentVersionId(version.id))
                .await
        {
            drop(tx);
            // A concurrent twin with the same key won: return its version.
            return match self.records.uploaded_with_key(&caller, k).await {
                Ok(Some(v)) => Ok((v, false)),
                _ => Err(CasesError::Internal(e.to_string())),
            };
        }
        let detail = if version.number == 1 {
            format!("Dokument hinzugefügt: {title} ({})", version.file_name)
        } else {
            format!(
                "Neue Version {} hinzugefügt ({})",
                version.number, version.file_name
            )
        };
        self.timeline_in(&mut tx, &caller, id, "document", &detail)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok((version, true))
    }

    /// Full-text search over the documents of the cases the actor may
    /// see: the best 20 with their passage, the case each belongs to, and
    /// the number of all hits. The cases shown are in the access log.
    pub async fn search(&self, actor: &Actor, query: &str) -> Result<SearchPage, CasesError> {
        let results = self
            .records
            .search_documents(actor, query, 20)
            .await
            .map_err(|e| match e {
                records::RecordsError::Forbidden => CasesError::Forbidden,
                other => CasesError::Internal(other.to_string()),
            })?;
        let files: Vec<Uuid> = results
            .hits
            .iter()
            .filter_map(|h| Uuid::parse_str(&h.file).ok())
            .collect();
        let cases = self.store.cases_of_files(&files).await?;
        let hits: Vec<SearchHit> = results
            .hits
            .into_iter()
            .map(|h| SearchHit {
                case_id: Uuid::parse_str(&h.file)
                    .ok()
                    .and_then(|f| cases.iter().find(|(file, _)| *file == f).map(|(_, c)| *c)),
                version_id: h.version,
                title: h.title,
                reference: h.reference,
                passage_html: h.passage_html,
            })
            .collect();
        let shown: Vec<String> = hits
            .iter()
            .filter_map(|h| h.case_id.map(|c| c.to_string()))
            .collect();
        if !shown.is_empty() {
            self.log_read(actor, "case.found", shown).await?;
        }
        Ok(SearchPage {
            total: results.total,
            hits,
        })
    }

    /// The case with a file reference (data protection officers, to ask
    /// who read it).
    pub async fn case_by_reference(
        &self,
        actor: &Actor,
        reference: &str,
    ) -> Result<Case, CasesError> {
        if !actor.has_role_anywhere(Role::DataProtectionOfficer) || actor.is_system() {
            return Err(CasesError::Forbidden);
        }
        self.store
            .case_by_reference(reference.trim())
            .await?
            .ok_or_else(|| invalid("aktenzeichen", "case_reference_unknown"))
    }

    /// Who read or changed the case, newest first (data protection
    /// officers only; the question itself is logged too).
    pub async fn access_records(
        &self,
        actor: &Actor,
        id: CaseId,
    ) -> Result<(Case, Vec<AccessRecord>), CasesError> {
        if !actor.has_role_anywhere(Role::DataProtectionOfficer) || actor.is_system() {
            return Err(CasesError::Forbidden);
        }
        let case = self.store.case(id).await?.ok_or(CasesError::NotFound)?;
        let entries = self
            .log
            .about("case", &id.to_string(), 1000)
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        self.log_read(actor, "case.access_listed", vec![id.to_string()])
            .await?;
        Ok((
            case,
            entries
                .into_iter()
                .map(|e| AccessRecord {
                    at: e.at,
                    actor: e.actor,
                    action: e.action,
                })
                .collect(),
        ))
    }
}
