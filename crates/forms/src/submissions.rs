//! Use cases of applying: drafts that keep answers step by step (owned by a
//! citizen account or, anonymously, by whoever holds the draft's secret),
//! uploads checked by their content, once-only prefill after a recorded
//! consent, and the idempotent submission that makes everything durable
//! before it is acknowledged, writes the `submission.received` event and
//! sends a receipt that carries only the reference number and a link.

use crate::answers::{Answers, fee_cents, validate_all, validate_step, without_hidden};
use crate::definition::{FieldKind, FormDefinition, all_fields};
use crate::drafts::{Channel, Draft, DraftStore, NewSubmission, Submission};
use crate::service::FormsError;
use crate::store::FormsStore;
use base64::Engine;
use bytes::Bytes;
use chrono::Duration;
use identity::IdentityService;
use identity::consent::{Consent, PREFILL};
use identity::mail::{MAIL_JOB, OutgoingMail};
use kernel::{
    AccountId, Actor, ActorKind, Clock, ConsentId, DraftId, FieldErrors, FormVersionId, ServiceId,
    SubmissionId,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::{AccessLog, AuditEntry, BlobStore, NewJob, Tx};

/// The topic of the event written with every submission.
pub const SUBMISSION_RECEIVED: &str = "submission.received";

/// Settings of the assistant.
#[derive(Debug, Clone)]
pub struct SubmissionSettings {
    /// Days a draft lives after its last change.
    pub draft_days: i64,
    /// Largest upload when a field names no limit.
    pub max_upload_bytes: u64,
    /// Base of links in e-mails.
    pub public_url: String,
    /// Name of the municipality (e-mail text).
    pub city_name: String,
}

/// Who is applying.
#[derive(Debug, Clone)]
pub enum Applicant {
    /// A logged-in citizen (with their account's e-mail address).
    Citizen(Actor, String),
    /// Someone without account, holding the secrets of their drafts.
    Anonymous(Vec<String>),
}

/// A file as it arrived (page upload or API).
#[derive(Debug, Clone)]
pub struct Upload {
    /// The field it answers.
    pub field: String,
    /// The name the applicant's device gave it (shown, never trusted).
    pub name: String,
    /// Content.
    pub bytes: Bytes,
}

/// The result of saving a step: the draft as saved and what needs fixing.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// The draft with the answers kept (also the wrong ones).
    pub draft: Draft,
    /// Errors of the step; empty when it may move on.
    pub errors: FieldErrors,
}

/// A draft together with its form.
#[derive(Debug, Clone)]
pub struct DraftView {
    /// The draft.
    pub draft: Draft,
    /// The definition of its version.
    pub definition: Arc<FormDefinition>,
}

fn identity_error(e: identity::IdentityError) -> FormsError {
    match e {
        identity::IdentityError::NotFound => FormsError::NotFound,
        identity::IdentityError::Forbidden => FormsError::Forbidden,
        other => FormsError::Internal(other.to_string()),
    }
}

fn sha_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A reference number like `2026-K7QM-X3PA`: the year and 40 random bits
/// in Crockford's base 32 (no I, L, O, U), easy to read out on the phone.
fn new_reference(year: i32) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bits = rand::random::<u64>();
    let chars: String = (0..8)
        .map(|i| {
            let idx = ((bits >> (i * 5)) & 31) as usize;
            char::from(ALPHABET.get(idx).copied().unwrap_or(b'0'))
        })
        .collect();
    format!("{year}-{}-{}", &chars[..4], &chars[4..])
}

/// A submission as its receipt shows it.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The form version it was made with.
    pub definition: Arc<FormDefinition>,
    /// Title of the service.
    pub service_title: String,
    /// The submission.
    pub submission: Submission,
}

/// The applying use cases.
#[derive(Clone)]
pub struct SubmissionService {
    store: DraftStore,
    versions: FormsStore,
    forms: Arc<crate::service::FormsService>,
    identity: Arc<IdentityService>,
    blobs: BlobStore,
    clock: Arc<dyn Clock>,
    log: AccessLog,
    settings: SubmissionSettings,
    on_job: Arc<dyn Fn() + Send + Sync>,
    /// Definitions of published and retired form versions, which never
    /// change: every step, receipt and case view needs one, and parsing it
    /// from JSON each time cost more than the rest of a case view.
    definitions:
        Arc<std::sync::Mutex<std::collections::HashMap<FormVersionId, Arc<FormDefinition>>>>,
}

/// Most form definitions kept parsed (a city has a few hundred forms).
const DEFINITIONS_KEPT: usize = 1024;

impl SubmissionService {
    /// The service. `on_job` wakes the job runner after a commit that
    /// enqueued a job.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: DraftStore,
        versions: FormsStore,
        forms: Arc<crate::service::FormsService>,
        identity: Arc<IdentityService>,
        blobs: BlobStore,
        clock: Arc<dyn Clock>,
        log: AccessLog,
        settings: SubmissionSettings,
        on_job: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        SubmissionService {
            store,
            versions,
            forms,
            identity,
            blobs,
            clock,
            log,
            settings,
            on_job,
            definitions: Arc::default(),
        }
    }

    /// Settings in force.
    pub fn settings(&self) -> &SubmissionSettings {
        &self.settings
    }

    fn owns(applicant: &Applicant, draft: &Draft) -> bool {
        match applicant {
            Applicant::Citizen(actor, _) => {
                draft.account.is_some() && draft.account == actor.account
            }
            Applicant::Anonymous(secrets) => {
                draft.account.is_none()
                    && draft
                        .token_hash
                        .as_ref()
                        .is_some_and(|h| secrets.iter().any(|s| sha_hex(s) == *h))
            }
        }
    }

    async fn audit(
        &self,
        tx: &mut Tx,
        who: &str,
        action: &str,
        kind: &str,
        id: String,
    ) -> Result<(), FormsError> {
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(who.to_owned(), action, kind, vec![id]),
        )
        .await?;
        Ok(())
    }

    fn label(applicant: &Applicant) -> String {
        match applicant {
            Applicant::Citizen(actor, _) => actor.audit_label(),
            Applicant::Anonymous(_) => "anonymous".into(),
        }
    }

    async fn definition(&self, draft: &Draft) -> Result<Arc<FormDefinition>, FormsError> {
        self.definition_of(draft.version).await
    }

    /// The definition of a form version; those that can no longer change
    /// (published, retired) are kept parsed.
    async fn definition_of(&self, id: FormVersionId) -> Result<Arc<FormDefinition>, FormsError> {
        let kept = self
            .definitions
            .lock()
            .ok()
            .and_then(|m| m.get(&id).cloned());
        if let Some(def) = kept {
            return Ok(def);
        }
        let v = self
            .versions
            .version(id)
            .await?
            .ok_or(FormsError::NotFound)?;
        let def = Arc::new(v.definition);
        if v.status != crate::store::VersionStatus::Draft
            && let Ok(mut m) = self.definitions.lock()
        {
            if m.len() >= DEFINITIONS_KEPT {
                m.clear();
            }
            m.insert(id, def.clone());
        }
        Ok(def)
    }

    /// The draft with its form, when the applicant owns it (otherwise
    /// `NotFound`, so drafts of others are not even confirmed to exist).
    pub async fn draft(&self, applicant: &Applicant, id: DraftId) -> Result<DraftView, FormsError> {
        let draft = self.store.draft(id).await?.ok_or(FormsError::NotFound)?;
        if !Self::owns(applicant, &draft) || draft.expires_at < self.clock.now() {
            return Err(FormsError::NotFound);
        }
        let definition = self.definition(&draft).await?;
        Ok(DraftView { draft, definition })
    }

    fn prefill_sources(def: &FormDefinition) -> Vec<String> {
        let mut out: Vec<String> = all_fields(def)
            .into_iter()
            .filter_map(|f| f.prefill.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Starts an application for a service with a published form. A
    /// citizen who has an open draft for it continues that one. Returns the
    /// draft and, for anonymous applicants, the secret that opens it.
    pub async fn start(
        &self,
        applicant: &Applicant,
        service: ServiceId,
    ) -> Result<(Draft, Option<String>), FormsError> {
        let version = self
            .forms
            .published(service)
            .await?
            .ok_or(FormsError::NotFound)?;
        let now = self.clock.now();
        let (account, secret) = match applicant {
            Applicant::Citizen(actor, _) => {
                let account = actor.account.ok_or(FormsError::Forbidden)?;
                if let Some(open) = self
                    .store
                    .drafts_of(account)
                    .await?
                    .into_iter()
                    .find(|d| d.service == service && d.expires_at >= now)
                {
                    return Ok((open, None));
                }
                (Some(account), None)
            }
            Applicant::Anonymous(_) => (None, Some(new_secret())),
        };
        let sources = Self::prefill_sources(&version.definition);
        let mut draft = Draft {
            id: DraftId::new(),
            service,
            version: version.id,
            account,
            token_hash: secret.as_deref().map(sha_hex),
            email: None,
            answers: Answers::new(),
            prefilled: Vec::new(),
            // Anonymous applicants have nothing to prefill from.
            consent_asked: account.is_none() || sources.is_empty(),
            reached: 0,
            submission: None,
            created_at: now,
            updated_at: now,
            expires_at: now + Duration::days(self.settings.draft_days.max(1)),
        };
        if let (Some(acc), Applicant::Citizen(actor, email)) = (account, applicant)
            && !sources.is_empty()
        {
            // A consent given before for this form covers the new draft.
            let live = self
                .identity
                .has_consent(actor, acc, PREFILL, service.0, &sources)
                .await
                .map_err(identity_error)?;
            if live {
                self.fill(&mut draft, &version.definition, acc, email)
                    .await?;
                draft.consent_asked = true;
            }
        }
        let mut tx = self.store.db().begin().await?;
        self.store.insert_draft(&mut tx, &draft).await?;
        self.audit(
            &mut tx,
            &Self::label(applicant),
            "draft.started",
            "draft",
            draft.id.to_string(),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok((draft, secret))
    }

    /// Fills empty answers from the citizen's own profile and earlier
    /// submissions (never from anyone else's).
    async fn fill(
        &self,
        draft: &mut Draft,
        def: &FormDefinition,
        account: AccountId,
        email: &str,
    ) -> Result<(), FormsError> {
        let system = Actor::system("forms.prefill");
        let profile = self
            .identity
            .profile(&system, account)
            .await
            .map_err(|e| FormsError::Internal(e.to_string()))?;
        let earlier = self.store.submissions_of(account).await?;
        for step in &def.steps {
            for f in &step.fields {
                let Some(source) = &f.prefill else { continue };
                if draft.answers.get(&f.id).is_some_and(|v| !v.is_null()) {
                    continue;
                }
                let value = match source.strip_prefix("submission.") {
                    Some(key) => earlier
                        .iter()
                        .find_map(|s| s.answers.get(key).filter(|v| !v.is_object()).cloned()),
                    None => profile.value(source, email),
                };
                if let Some(v) = value {
                    draft.answers.insert(f.id.clone(), v);
                    draft.prefilled.push(f.id.clone());
                }
            }
        }
        Ok(())
    }

    /// The citizen answers the prefill question: with yes, the consent is
    /// recorded (time and scope) and the draft filled.
    pub async fn answer_consent(
        &self,
        applicant: &Applicant,
        id: DraftId,
        consent: bool,
    ) -> Result<Draft, FormsError> {
        let Applicant::Citizen(actor, email) = applicant else {
            return Err(FormsError::Forbidden);
        };
        let account = actor.account.ok_or(FormsError::Forbidden)?;
        let view = self.draft(applicant, id).await?;
        let mut draft = view.draft;
        let sources = Self::prefill_sources(&view.definition);
        let now = self.clock.now();
        if consent && !sources.is_empty() {
            self.fill(&mut draft, &view.definition, account, email)
                .await?;
        }
        draft.consent_asked = true;
        draft.updated_at = now;
        if consent && !sources.is_empty() {
            // Recorded by identity (time, scope, access log) before the
            // answers it allows are saved.
            self.identity
                .grant_consent(actor, PREFILL, draft.service.0, &sources)
                .await
                .map_err(identity_error)?;
        }
        let mut tx = self.store.db().begin().await?;
        if !self.store.save_draft(&mut tx, &draft).await? {
            return Err(FormsError::Conflict(
                "The application was submitted.".into(),
            ));
        }
        tx.commit().await?;
        self.log.nudge();
        Ok(draft)
    }

    /// The citizen's prefill consents (revoked ones too), with the titles
    /// of their services.
    pub async fn consents(&self, actor: &Actor) -> Result<Vec<(Consent, String)>, FormsError> {
        let all = self
            .identity
            .consents(actor)
            .await
            .map_err(identity_error)?;
        let all: Vec<Consent> = all.into_iter().filter(|c| c.purpose == PREFILL).collect();
        let ids: Vec<ServiceId> = all.iter().map(|c| ServiceId(c.subject_id)).collect();
        let mut titles = self.forms.service_titles(&ids).await?;
        Ok(all
            .into_iter()
            .map(|c| {
                let t = titles.remove(&ServiceId(c.subject_id)).unwrap_or_default();
                (c, t)
            })
            .collect())
    }

    /// Takes a consent back; drafts started later ask again.
    pub async fn revoke_consent(&self, actor: &Actor, id: ConsentId) -> Result<(), FormsError> {
        self.identity
            .revoke_consent(actor, id.0)
            .await
            .map_err(identity_error)
    }

    /// Checks an upload against its field and stores it; the answer value
    /// on success, the error code otherwise.
    async fn store_upload(
        &self,
        field: &crate::definition::Field,
        upload: &Upload,
    ) -> Result<Value, &'static str> {
        let limit = field
            .max_bytes
            .unwrap_or(self.settings.max_upload_bytes)
            .min(self.settings.max_upload_bytes);
        if upload.bytes.len() as u64 > limit {
            return Err("file_too_large");
        }
        let Some(media) = storage::blob::media_type_of(&upload.bytes) else {
            return Err("file_type_not_allowed");
        };
        if !field.accept.iter().any(|a| a == media) {
            return Err("file_type_not_allowed");
        }
        let key = self.blobs.put(upload.bytes.clone()).await.map_err(|e| {
            tracing::error!(error = %e, "storing an upload failed");
            "file_not_stored"
        })?;
        Ok(json!({
            "name": storage::blob::clean_file_name(&upload.name, "Datei"),
            "media_type": media,
            "size": upload.bytes.len(),
            "blob": key,
        }))
    }

    /// Saves the answers of one step (the fields of that step only; a file
    /// field keeps its file unless a new one is uploaded) and validates the
    /// step when `validate` (moving forward). Answers are kept even when
    /// they are wrong, and a refused upload leaves the others untouched.
    pub async fn save_step(
        &self,
        applicant: &Applicant,
        id: DraftId,
        step_index: usize,
        input: Answers,
        uploads: Vec<Upload>,
        validate: bool,
    ) -> Result<StepOutcome, FormsError> {
        let view = self.draft(applicant, id).await?;
        if view.draft.submission.is_some() {
            return Err(FormsError::Conflict(
                "The application was submitted.".into(),
            ));
        }
        let step = view
            .definition
            .steps
            .get(step_index)
            .ok_or(FormsError::NotFound)?;
        let mut draft = view.draft.clone();
        let mut upload_errors = FieldErrors::new();
        for f in &step.fields {
            if f.kind == FieldKind::File {
                let Some(up) = uploads
                    .iter()
                    .find(|u| u.field == f.id && !u.bytes.is_empty())
                else {
                    if input.get(&f.id).and_then(Value::as_str) == Some("remove") {
                        draft.answers.remove(&f.id);
                    }
                    continue;
                };
                match self.store_upload(f, up).await {
                    Ok(v) => {
                        draft.answers.insert(f.id.clone(), v);
                    }
                    Err(code) => upload_errors.add(&f.id, code),
                }
                continue;
            }
            let new = input.get(&f.id).cloned();
            if draft.answers.get(&f.id) != new.as_ref() {
                draft.prefilled.retain(|p| *p != f.id);
            }
            match new {
                Some(v) => draft.answers.insert(f.id.clone(), v),
                None => draft.answers.remove(&f.id),
            };
        }
        let mut errors = upload_errors.clone();
        if validate {
            for e in validate_step(step, &draft.answers).0 {
                if upload_errors.get(&e.field).is_none() {
                    errors.0.push(e);
                }
            }
            if errors.is_empty() {
                draft.reached = draft.reached.max(step_index as i64 + 1);
            }
        }
        let now = self.clock.now();
        draft.updated_at = now;
        draft.expires_at = now + Duration::days(self.settings.draft_days.max(1));
        let mut tx = self.store.db().begin().await?;
        if !self.store.save_draft(&mut tx, &draft).await? {
            return Err(FormsError::Conflict(
                "The application was submitted.".into(),
            ));
        }
        tx.commit().await?;
        Ok(StepOutcome { draft, errors })
    }

    /// Everything that still needs fixing before submission.
    pub fn check(view: &DraftView) -> FieldErrors {
        validate_all(
            &view.definition,
            &without_hidden(&view.definition, &view.draft.answers),
        )
    }

    fn receipt_address(def: &FormDefinition, answers: &Answers) -> Option<String> {
        all_fields(def)
            .into_iter()
            .filter(|f| f.kind == FieldKind::Email)
            .find_map(|f| answers.get(&f.id).and_then(Value::as_str))
            .and_then(identity::Email::parse)
            .map(|e| e.as_str().to_owned())
    }

    /// Submits a draft. Idempotent: a second call (double click, retried
    /// request) returns the submission made by the first. Returns only
    /// after the submission, its event and its receipt e-mail are
    /// committed; attachments were made durable when they were uploaded.
    pub async fn submit(
        &self,
        applicant: &Applicant,
        id: DraftId,
        declaration: bool,
    ) -> Result<Submission, FormsError> {
        let view = self.draft(applicant, id).await?;
        if let Some(done) = view.draft.submission {
            return self
                .store
                .submission(done)
                .await?
                .ok_or(FormsError::NotFound);
        }
        let answers = without_hidden(&view.definition, &view.draft.answers);
        let mut errors = validate_all(&view.definition, &answers);
        if !view.definition.declaration.trim().is_empty() && !declaration {
            errors.add("declaration", "declaration_required");
        }
        errors.into_result().map_err(FormsError::Answers)?;
        let email = match applicant {
            Applicant::Citizen(_, email) => Some(email.clone()),
            Applicant::Anonymous(_) => view
                .draft
                .email
                .clone()
                .or_else(|| Self::receipt_address(&view.definition, &answers)),
        };
        let submission_id = SubmissionId::new();
        let reference = new_reference(self.year());
        let mut tx = self.store.db().begin().await?;
        if !self
            .store
            .mark_submitted(&mut tx, id, submission_id)
            .await?
        {
            // Submitted by a concurrent request: answer with its result.
            drop(tx);
            let draft = self.store.draft(id).await?.ok_or(FormsError::NotFound)?;
            let done = draft.submission.ok_or(FormsError::NotFound)?;
            return self
                .store
                .submission(done)
                .await?
                .ok_or(FormsError::NotFound);
        }
        let base = self.settings.public_url.trim_end_matches('/');
        let link = match view.draft.account {
            Some(_) => format!("{base}/konto/antraege/{submission_id}"),
            None => format!("{base}/antrag/{id}/eingang"),
        };
        let new = NewSubmission {
            id: submission_id,
            reference: &reference,
            service: view.draft.service,
            version: view.draft.version,
            account: view.draft.account,
            draft: Some(id),
            idempotency_key: None,
            channel: Channel::Portal,
            submitted_by: &Self::label(applicant),
            email: email.as_deref(),
            answers: &answers,
            fee_cents: fee_cents(&view.definition, &answers),
            now: self.clock.now(),
        };
        self.finish(&mut tx, &new, Some(&link)).await?;
        tx.commit().await?;
        self.log.nudge();
        (self.on_job)();
        self.store
            .submission(submission_id)
            .await?
            .ok_or(FormsError::NotFound)
    }

    fn year(&self) -> i32 {
        chrono::Datelike::year(&self.clock.now())
    }

    /// Writes the submission, its event, its receipt e-mail and its
    /// access-log entry in the caller's transaction.
    async fn finish(
        &self,
        tx: &mut Tx,
        new: &NewSubmission<'_>,
        link: Option<&str>,
    ) -> Result<(), FormsError> {
        self.store.insert_submission(tx, new).await?;
        storage::events::publish(
            tx,
            self.clock.as_ref(),
            SUBMISSION_RECEIVED,
            &json!({
                "submission_id": new.id,
                "reference": new.reference,
                "service_id": new.service,
                "version_id": new.version,
                "channel": new.channel,
            }),
        )
        .await?;
        // The cases context makes the case from this job (exactly once).
        storage::jobs::enqueue(
            tx,
            self.clock.as_ref(),
            NewJob::new(SUBMISSION_RECEIVED, json!({ "submission_id": new.id })),
        )
        .await?;
        if let Some(to) = new.email {
            // Only the reference and a link: even the service's name could
            // reveal sensitive facts to whoever reads the mailbox.
            let mut text = format!(
                "Guten Tag,\n\nIhr Antrag ist bei der Stadt {} eingegangen.\n\nVorgangsnummer: {}\n",
                self.settings.city_name, new.reference
            );
            if let Some(link) = link {
                text.push_str(&format!("\nIhre Eingangsbestätigung: {link}\n"));
            }
            text.push_str(
                "\nBitte geben Sie bei Fragen die Vorgangsnummer an.\n\nDiese E-Mail wurde automatisch erstellt.\n",
            );
            let mail = OutgoingMail {
                to: to.to_owned(),
                subject: format!("Eingangsbestätigung {}", new.reference),
                text,
            };
            let payload =
                serde_json::to_value(&mail).map_err(|e| FormsError::Internal(e.to_string()))?;
            storage::jobs::enqueue(tx, self.clock.as_ref(), NewJob::new(MAIL_JOB, payload)).await?;
        }
        self.audit(
            tx,
            new.submitted_by,
            "submission.received",
            "submission",
            new.id.to_string(),
        )
        .await
    }

    /// The submission of a draft the applicant owns (receipt page), with
    /// its form and the service's title; the view is access-logged.
    pub async fn receipt(&self, applicant: &Applicant, id: DraftId) -> Result<Receipt, FormsError> {
        let view = self.draft(applicant, id).await?;
        let done = view.draft.submission.ok_or(FormsError::NotFound)?;
        let s = self
            .store
            .submission(done)
            .await?
            .ok_or(FormsError::NotFound)?;
        self.receipt_of(&Self::label(applicant), s).await
    }

    /// A submission with its form and service title, logged as viewed.
    async fn receipt_of(&self, who: &str, s: Submission) -> Result<Receipt, FormsError> {
        let definition = self.definition_of(s.version).await?;
        let service_title = self.forms.service_title(s.service).await?;
        self.log
            .record(vec![AuditEntry::new(
                who.to_owned(),
                "submission.viewed",
                "submission",
                vec![s.id.to_string()],
            )])
            .await
            .map_err(|e| FormsError::Internal(e.to_string()))?;
        Ok(Receipt {
            definition,
            service_title,
            submission: s,
        })
    }

    /// Sends an anonymous applicant a link that opens the draft again
    /// (on any device). The draft gets a new secret, which is returned so
    /// the browser at hand keeps access.
    pub async fn send_resume_link(
        &self,
        applicant: &Applicant,
        id: DraftId,
        email: &str,
    ) -> Result<String, FormsError> {
        let Some(address) = identity::Email::parse(email) else {
            let mut e = FieldErrors::new();
            e.add("email", "email_invalid");
            return Err(FormsError::Answers(e));
        };
        let view = self.draft(applicant, id).await?;
        if view.draft.account.is_some() {
            return Err(FormsError::Conflict(
                "Drafts of an account are in the account.".into(),
            ));
        }
        let secret = new_secret();
        let mut draft = view.draft;
        draft.token_hash = Some(sha_hex(&secret));
        draft.email = Some(address.as_str().to_owned());
        draft.updated_at = self.clock.now();
        let link = format!(
            "{}/antrag/{id}/fortsetzen?schluessel={secret}",
            self.settings.public_url.trim_end_matches('/')
        );
        let mail = OutgoingMail {
            to: address.as_str().to_owned(),
            subject: format!(
                "Ihr gespeicherter Antrag bei der Stadt {}",
                self.settings.city_name
            ),
            text: format!(
                "Guten Tag,\n\nSie haben einen Antrag gespeichert. Mit diesem Link machen Sie weiter:\n\n{link}\n\nDer Link gilt bis {}. Danach wird der Entwurf gelöscht.\nGeben Sie den Link nicht weiter: Wer ihn hat, sieht Ihre Angaben.\n",
                draft.expires_at.format("%d.%m.%Y")
            ),
        };
        let payload =
            serde_json::to_value(&mail).map_err(|e| FormsError::Internal(e.to_string()))?;
        let mut tx = self.store.db().begin().await?;
        if !self.store.save_draft(&mut tx, &draft).await? {
            return Err(FormsError::Conflict(
                "The application was submitted.".into(),
            ));
        }
        storage::jobs::enqueue(&mut tx, self.clock.as_ref(), NewJob::new(MAIL_JOB, payload))
            .await?;
        self.audit(
            &mut tx,
            "anonymous",
            "draft.resume_link_sent",
            "draft",
            id.to_string(),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        (self.on_job)();
        Ok(secret)
    }

    /// True when `secret` opens the anonymous draft (resume link).
    pub async fn resume(&self, id: DraftId, secret: &str) -> Result<bool, FormsError> {
        Ok(self.store.draft(id).await?.is_some_and(|d| {
            Self::owns(&Applicant::Anonymous(vec![secret.to_owned()]), &d)
                && d.expires_at >= self.clock.now()
        }))
    }

    /// The citizen's open drafts and submissions, with service titles.
    pub async fn mine(
        &self,
        actor: &Actor,
    ) -> Result<(Vec<(Draft, String)>, Vec<(Submission, String)>), FormsError> {
        let account = actor.account.ok_or(FormsError::Forbidden)?;
        let now = self.clock.now();
        let drafts: Vec<Draft> = self
            .store
            .drafts_of(account)
            .await?
            .into_iter()
            .filter(|d| d.expires_at >= now)
            .collect();
        let subs = self.store.submissions_of(account).await?;
        let ids: Vec<ServiceId> = drafts
            .iter()
            .map(|d| d.service)
            .chain(subs.iter().map(|s| s.service))
            .collect();
        let titles = self.forms.service_titles(&ids).await?;
        let title = |id: &ServiceId| titles.get(id).cloned().unwrap_or_default();
        Ok((
            drafts
                .into_iter()
                .map(|d| {
                    let t = title(&d.service);
                    (d, t)
                })
                .collect(),
            subs.into_iter()
                .map(|s| {
                    let t = title(&s.service);
                    (s, t)
                })
                .collect(),
        ))
    }

    /// The form version new applications for a service use.
    pub async fn published_form(
        &self,
        service: ServiceId,
    ) -> Result<Option<crate::store::FormVersion>, FormsError> {
        self.forms.published(service).await
    }

    /// One of the citizen's own submissions with its form and service
    /// title; the view is access-logged.
    pub async fn own_submission(
        &self,
        actor: &Actor,
        id: SubmissionId,
    ) -> Result<Receipt, FormsError> {
        let s = self
            .store
            .submission(id)
            .await?
            .ok_or(FormsError::NotFound)?;
        if s.account.is_none() || s.account != actor.account {
            return Err(FormsError::NotFound);
        }
        self.receipt_of(&actor.audit_label(), s).await
    }

    /// Deletes drafts whose time ran out; returns how many.
    pub async fn prune_drafts(&self) -> Result<u64, FormsError> {
        Ok(self.store.delete_expired(self.clock.now()).await?)
    }

    // --- API ---------------------------------------------------------------

    fn may_submit_api(actor: &Actor) -> bool {
        match &actor.kind {
            ActorKind::ApiToken { .. } => actor.has_scope("submissions:write"),
            ActorKind::Staff | ActorKind::System => true,
            ActorKind::Citizen => false,
        }
    }

    /// Turns the API's file answers (`{"name", "content_base64"}`) into
    /// uploads; any other shape for a file field is an error.
    fn api_uploads(
        def: &FormDefinition,
        answers: &mut Answers,
        errors: &mut FieldErrors,
    ) -> Vec<Upload> {
        let mut uploads = Vec::new();
        for f in all_fields(def) {
            if f.kind != FieldKind::File {
                continue;
            }
            let Some(v) = answers.remove(&f.id) else {
                continue;
            };
            let content = v
                .get("content_base64")
                .and_then(Value::as_str)
                .map(|c| base64::engine::general_purpose::STANDARD.decode(c.trim()));
            match content {
                Some(Ok(bytes)) => uploads.push(Upload {
                    field: f.id.clone(),
                    name: v
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    bytes: Bytes::from(bytes),
                }),
                _ => errors.add(&f.id, "file_content_missing"),
            }
        }
        uploads
    }

    /// A submission through the API, validated by the same definition as
    /// the pages. With an idempotency key, a repeated request returns the
    /// first submission (`false` in the second value) instead of a new one.
    pub async fn submit_api(
        &self,
        actor: &Actor,
        service: ServiceId,
        mut answers: Answers,
        idempotency_key: Option<&str>,
    ) -> Result<(Submission, bool), FormsError> {
        if !Self::may_submit_api(actor) {
            return Err(FormsError::Forbidden);
        }
        let scoped = idempotency_key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| format!("{}:{}", actor.audit_label(), k));
        if let Some(k) = &scoped
            && let Some(done) = self.store.submission_by_key(k).await?
        {
            return Ok((done, false));
        }
        let version = self
            .forms
            .published(service)
            .await?
            .ok_or(FormsError::NotFound)?;
        let def = &version.definition;
        let mut errors = FieldErrors::new();
        let uploads = Self::api_uploads(def, &mut answers, &mut errors);
        for up in &uploads {
            let Some(f) = all_fields(def).into_iter().find(|f| f.id == up.field) else {
                continue;
            };
            if !crate::answers::visible(f, &answers) {
                continue;
            }
            match self.store_upload(f, up).await {
                Ok(v) => {
                    answers.insert(f.id.clone(), v);
                }
                Err(code) => errors.add(&f.id, code),
            }
        }
        let answers = without_hidden(def, &answers);
        for e in validate_all(def, &answers).0 {
            if errors.get(&e.field).is_none() {
                errors.0.push(e);
            }
        }
        errors.into_result().map_err(FormsError::Answers)?;
        let id = SubmissionId::new();
        let reference = new_reference(self.year());
        let email = Self::receipt_address(def, &answers);
        let new = NewSubmission {
            id,
            reference: &reference,
            service,
            version: version.id,
            account: None,
            draft: None,
            idempotency_key: scoped.as_deref(),
            channel: Channel::Api,
            submitted_by: &actor.audit_label(),
            email: email.as_deref(),
            answers: &answers,
            fee_cents: fee_cents(def, &answers),
            now: self.clock.now(),
        };
        let mut tx = self.store.db().begin().await?;
        match self.finish(&mut tx, &new, None).await {
            Ok(()) => {}
            Err(FormsError::Db(e)) if e.is_unique_violation() && scoped.is_some() => {
                // The same key won a race: answer with that submission.
                drop(tx);
                let k = scoped.as_deref().unwrap_or_default();
                let done = self
                    .store
                    .submission_by_key(k)
                    .await?
                    .ok_or(FormsError::NotFound)?;
                return Ok((done, false));
            }
            Err(e) => return Err(e),
        }
        tx.commit().await?;
        self.log.nudge();
        (self.on_job)();
        let s = self
            .store
            .submission(id)
            .await?
            .ok_or(FormsError::NotFound)?;
        Ok((s, true))
    }

    /// A submission's answers as the form asked them (question, answer
    /// lines), for the case view. The cases context has checked that its
    /// reader may see the case and logs the read as `case.viewed` (the
    /// answers are part of the case), so it is not logged twice here.
    pub async fn answers_of_case(
        &self,
        id: SubmissionId,
    ) -> Result<Vec<crate::view::SummaryRow>, FormsError> {
        let s = self
            .store
            .submission(id)
            .await?
            .ok_or(FormsError::NotFound)?;
        let def = self.definition_of(s.version).await?;
        Ok(crate::view::summary(&def, &s.answers, "Ja", "Nein"))
    }

    /// Who applied and what the form computed, for the claim and the
    /// notice of its case: the name and address from the fields the form
    /// marks as the applicant's (`profile.given_name`, `profile.family_name`,
    /// `profile.address`), else the account's label. The cases context has
    /// checked access to the case.
    pub async fn applicant_of_case(&self, id: SubmissionId) -> Result<ApplicantData, FormsError> {
        let s = self
            .store
            .submission(id)
            .await?
            .ok_or(FormsError::NotFound)?;
        let def = self.definition_of(s.version).await?;
        let by_source = |source: &str| {
            all_fields(&def)
                .into_iter()
                .find(|f| f.prefill.as_deref() == Some(source))
                .and_then(|f| s.answers.get(&f.id))
        };
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or_default()
                .to_owned()
        };
        let name = [
            text(by_source("profile.given_name")),
            text(by_source("profile.family_name")),
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        let mut address_lines = Vec::new();
        if let Some(Value::Object(a)) = by_source("profile.address") {
            let part = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").trim();
            let street = format!("{} {}", part("street"), part("house_number"));
            let town = format!("{} {}", part("postcode"), part("city"));
            for l in [street, town] {
                if !l.trim().is_empty() {
                    address_lines.push(l.trim().to_owned());
                }
            }
        }
        Ok(ApplicantData {
            name: if name.is_empty() {
                s.submitted_by.clone()
            } else {
                name
            },
            address_lines,
            email: s.email.clone(),
            account: s.account,
            fee_cents: s.fee_cents,
            service: s.service,
            reference: s.reference,
        })
    }

    /// One submission for staff and integrations with `submissions:read`;
    /// the view is access-logged.
    pub async fn submission(
        &self,
        actor: &Actor,
        id: SubmissionId,
    ) -> Result<Submission, FormsError> {
        let allowed = match &actor.kind {
            ActorKind::ApiToken { .. } => actor.has_scope("submissions:read"),
            ActorKind::Staff | ActorKind::System => true,
            ActorKind::Citizen => false,
        };
        if !allowed {
            return Err(FormsError::Forbidden);
        }
        let s = self
            .store
            .submission(id)
            .await?
            .ok_or(FormsError::NotFound)?;
        self.log
            .record(vec![AuditEntry::new(
                actor.audit_label(),
                "submission.viewed",
                "submission",
                vec![s.id.to_string()],
            )])
            .await
            .map_err(|e| FormsError::Internal(e.to_string()))?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_readable_and_differ() {
        let a = new_reference(2026);
        let b = new_reference(2026);
        assert_eq!(a.len(), "2026-XXXX-XXXX".len());
        assert!(a.starts_with("2026-"));
        assert!(!a.contains(['I', 'L', 'O', 'U']));
        assert_ne!(a, b);
    }
}

/// Who applied, as the form names them, and what the form computed.
#[derive(Debug, Clone)]
pub struct ApplicantData {
    /// Given and family name (or the submitter's label when the form asks
    /// for no name).
    pub name: String,
    /// Street and house number, postcode and city, when asked.
    pub address_lines: Vec<String>,
    /// Where the receipt went.
    pub email: Option<String>,
    /// The citizen's account, when logged in.
    pub account: Option<AccountId>,
    /// The fee the form's rule computed, in cents.
    pub fee_cents: i64,
    /// The catalogue service.
    pub service: ServiceId,
    /// The submission's reference number.
    pub reference: String,
}
