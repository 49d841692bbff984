//! Use cases of notices: the clerk writes the decision and has the draft
//! typeset (a job); someone whose signing authority covers the case's unit
//! signs it finally — an internal Ed25519 signature over the SHA-256 of
//! the draft version — and the final version naming the signer and the
//! form of signing is typeset (a job). A template error leaves the notice
//! `failed` with Typst's message on the case; it can be retried.

use super::domain::{Capacity, DEFAULT_REMEDY, DEFAULT_TEMPLATE, NoticeState};
use super::store::{Authority, DecisionSignature, Notice};
use crate::service::{CasesError, CasesService};
use bytes::Bytes;
use kernel::{
    AccountId, Actor, CaseId, CaseTypeId, FieldErrors, OrgUnitId, RecordFileId, Role, ServiceId,
    SubmissionId,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use storage::AuditEntry;
use storage::audit::record_in_tx;
use storage::jobs::{JobError, JobHandler, NewJob, enqueue};
use uuid::Uuid;

/// The job that typesets a notice (`{"notice_id"}`).
pub const NOTICE_JOB: &str = "notice.render";

/// Label of the typesetting job in the file and the timeline.
const SYSTEM: &str = "system:notices";

/// Whether a co-signing route on a document is still running (the
/// co-signing context answers; cases does not depend on it).
#[async_trait::async_trait]
pub trait NoticeRoutes: Send + Sync {
    /// The route on `document` that is running or sent back, if any.
    async fn route_open_on(&self, document: Uuid) -> Result<Option<Uuid>, String>;
}

/// A notice as the case page shows it.
#[derive(Debug, Clone)]
pub struct NoticeView {
    /// The notice.
    pub notice: Notice,
    /// Its decision signatures, each with whether it verifies against the
    /// version's current content.
    pub signatures: Vec<(DecisionSignature, bool)>,
    /// The external signatures of the final version: (signer, valid and
    /// the document unchanged since).
    pub seals: Vec<(String, bool)>,
    /// Whether the seal in use is qualified.
    pub qualified: bool,
    /// Its deliveries, oldest first.
    pub deliveries: Vec<mailbox::store::Delivery>,
    /// The co-signing route on its draft that has not finished: the final
    /// signature is given there, not on the case page.
    pub route: Option<Uuid>,
}

impl NoticeView {
    /// Whether it may be delivered (again): final, and no delivery is
    /// waiting or done (a lapsed one needs another).
    pub fn deliverable(&self) -> bool {
        self.notice.state() == NoticeState::Final
            && self
                .deliveries
                .iter()
                .all(|d| d.state() == mailbox::DeliveryState::Lapsed)
    }

    /// Whether the last delivery lapsed (the clerk must act).
    pub fn lapsed(&self) -> bool {
        self.deliveries
            .last()
            .is_some_and(|d| d.state() == mailbox::DeliveryState::Lapsed)
    }
}

fn invalid(field: &str, code: &str) -> CasesError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    CasesError::Invalid(e)
}

/// Data to check a template with when an admin saves it.
fn sample_data(city: &str, remedy: &str) -> Value {
    json!({
        "city": city, "unit": "Bürgeramt", "reference": "33.10-2027-000001",
        "date": "04.01.2027", "title": "Bewohnerparkausweis – A-2027-0001",
        "addressee": {"name": "Erika Mustermann", "lines": ["Heidestraße 17", "51147 Musterstadt"]},
        "decision": "Ihrem Antrag wird entsprochen.\n\nBegründung: Die Voraussetzungen liegen vor.",
        "fee": {"amount": "30,60 €", "reference": "5100000000017", "payee": "Stadtkasse", "iban": "DE02 1203 0000 0000 2020 51", "due": "03.02.2027", "girocode": null},
        "remedy": remedy, "draft": true, "signer": {"name": "Lea Leitung", "form": "Im Auftrag"},
    })
}

impl CasesService {
    /// The template and remedy text of a case type (the defaults when none
    /// is set), and whether it is the case type's own.
    pub async fn notice_template(
        &self,
        case_type: CaseTypeId,
    ) -> Result<(String, String, bool), CasesError> {
        Ok(match self.notices.template(case_type.0).await? {
            Some((s, r)) => (s, r, true),
            None => (
                DEFAULT_TEMPLATE.to_owned(),
                DEFAULT_REMEDY.to_owned(),
                false,
            ),
        })
    }

    /// Sets the notice template and remedy text of the service's case type
    /// (admins). The template is typeset with sample data first; its errors
    /// come back with their lines and nothing is saved.
    pub async fn set_notice_template(
        &self,
        actor: &Actor,
        service: ServiceId,
        source: &str,
        remedy: &str,
    ) -> Result<(), CasesError> {
        if !(actor.has_role_anywhere(Role::Admin) && actor.has_scope("cases:write")) {
            return Err(CasesError::Forbidden);
        }
        let t = self
            .store
            .type_of_service(service)
            .await?
            .ok_or(CasesError::NotFound)?;
        let remedy = remedy.trim();
        if remedy.is_empty() {
            return Err(invalid("remedy", "required"));
        }
        if source.len() > 200_000 || remedy.len() > 20_000 {
            return Err(invalid("source", "too_long"));
        }
        let data = sample_data(&self.settings.city, remedy);
        let src = source.to_owned();
        let at = self.clock.now();
        let checked = tokio::task::spawn_blocking(move || {
            pdf::render(&pdf::Job {
                template: &src,
                data: &data,
                ident: "template-check",
                at,
            })
        })
        .await
        .map_err(|e| CasesError::Internal(e.to_string()))?;
        if let Err(e) = checked {
            return Err(CasesError::Template(e.to_string()));
        }
        let mut tx = self.store.db().begin().await?;
        self.notices
            .set_template(
                &mut tx,
                t.id.0,
                source,
                remedy,
                &actor.audit_label(),
                self.clock.now(),
            )
            .await?;
        record_in_tx(
            &mut tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                actor.audit_label(),
                "notice_template.set",
                "case_type",
                vec![t.id.to_string()],
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(())
    }

    async fn enqueue_render(&self, tx: &mut storage::Tx, notice: Uuid) -> Result<(), CasesError> {
        enqueue(
            tx,
            self.clock.as_ref(),
            NewJob::new(NOTICE_JOB, json!({ "notice_id": notice })),
        )
        .await?;
        Ok(())
    }

    /// The clerk starts a notice with the decision and its reasons; the
    /// draft is typeset by a job. One notice at a time per case.
    pub async fn start_notice(
        &self,
        actor: &Actor,
        id: CaseId,
        revision: i64,
        decision: &str,
    ) -> Result<Notice, CasesError> {
        let case = self.editable(actor, id, revision).await?;
        let decision = decision.trim().replace("\r\n", "\n");
        if decision.is_empty() {
            return Err(invalid("decision", "required"));
        }
        if decision.chars().count() > 20_000 {
            return Err(invalid("decision", "too_long"));
        }
        if case.phase == "closed" {
            return Err(CasesError::Conflict("The case is closed.".into()));
        }
        if self
            .notices
            .of_case(case.id)
            .await?
            .iter()
            .any(|n| !n.state().is_closed())
        {
            return Err(CasesError::Conflict(
                "A notice of this case is being prepared; finish it first.".into(),
            ));
        }
        let now = self.clock.now();
        let notice = Notice {
            id: Uuid::now_v7(),
            case_id: case.id,
            state: NoticeState::Rendering.as_str().into(),
            decision,
            document_id: None,
            draft_version_id: None,
            final_version_id: None,
            error: None,
            signer_id: None,
            signer_name: None,
            capacity: None,
            signed_at: None,
            created_by: actor.audit_label(),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.db().begin().await?;
        self.notices.insert(&mut tx, &notice).await?;
        self.enqueue_render(&mut tx, notice.id).await?;
        self.change_in(
            &mut tx,
            &actor.audit_label(),
            &case,
            "notice",
            "Bescheid-Entwurf wird erstellt",
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        (self.settings.wake)();
        Ok(notice)
    }

    /// A notice of a case the actor works on.
    async fn notice_of(
        &self,
        actor: &Actor,
        id: CaseId,
        notice: Uuid,
    ) -> Result<(crate::store::Case, Notice), CasesError> {
        let case = self.store.case(id).await?.ok_or(CasesError::NotFound)?;
        if !Self::may_work_on(actor, OrgUnitId(case.org_unit_id))
            || !actor.has_scope("cases:write")
            || actor.account.is_none()
        {
            return Err(CasesError::Forbidden);
        }
        let n = self
            .notices
            .notice(notice)
            .await?
            .ok_or(CasesError::NotFound)?;
        if n.case_id != case.id {
            return Err(CasesError::NotFound);
        }
        Ok((case, n))
    }

    /// Revises a draft (after a reservation in co-signing, say): the new
    /// decision text is typeset as the next version of the notice's
    /// document, which a co-signing route then routes in its new round.
    pub async fn revise_notice(
        &self,
        actor: &Actor,
        id: CaseId,
        notice: Uuid,
        decision: &str,
    ) -> Result<Notice, CasesError> {
        let (case, n) = self.notice_of(actor, id, notice).await?;
        let decision = decision.trim().replace("\r\n", "\n");
        if decision.is_empty() {
            return Err(invalid("decision", "required"));
        }
        if decision.chars().count() > 20_000 {
            return Err(invalid("decision", "too_long"));
        }
        if n.state() != NoticeState::Draft {
            return Err(CasesError::Conflict(
                "Only a draft that is not signed yet can be revised.".into(),
            ));
        }
        let now = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        if !self.notices.revise(&mut tx, n.id, &decision, now).await? {
            return Err(CasesError::Stale);
        }
        self.enqueue_render(&mut tx, n.id).await?;
        self.timeline_in(
            &mut tx,
            &actor.audit_label(),
            CaseId(case.id),
            "notice",
            "Bescheid-Entwurf überarbeitet, wird neu erstellt",
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        (self.settings.wake)();
        self.notices.notice(n.id).await?.ok_or(CasesError::NotFound)
    }

    /// Typesets a failed notice again (after the template was fixed).
    pub async fn retry_notice(
        &self,
        actor: &Actor,
        id: CaseId,
        notice: Uuid,
    ) -> Result<Notice, CasesError> {
        let (case, mut n) = self.notice_of(actor, id, notice).await?;
        if n.state() != NoticeState::Failed {
            return Err(CasesError::Conflict(
                "Only a failed notice can be retried.".into(),
            ));
        }
        n.state = if n.signer_id.is_some() {
            NoticeState::FinalRendering
        } else {
            NoticeState::Rendering
        }
        .as_str()
        .into();
        n.updated_at = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        if !self
            .notices
            .update(&mut tx, &n, NoticeState::Failed.as_str())
            .await?
        {
            return Err(CasesError::Stale);
        }
        self.enqueue_render(&mut tx, n.id).await?;
        self.timeline_in(
            &mut tx,
            &actor.audit_label(),
            CaseId(case.id),
            "notice",
            "Bescheid wird erneut erstellt",
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        (self.settings.wake)();
        Ok(n)
    }

    /// The capacity in which the actor may sign notices of `unit`: the
    /// strongest of their grants on the unit or a unit above it.
    pub async fn signing_capacity(
        &self,
        actor: &Actor,
        unit: OrgUnitId,
    ) -> Result<Option<Capacity>, CasesError> {
        let Some(account) = actor.account else {
            return Ok(None);
        };
        if !matches!(actor.kind, kernel::ActorKind::Staff) {
            return Ok(None);
        }
        self.capacity_of(account, unit).await
    }

    /// The capacity in which `account` may sign for `unit` (co-signing
    /// checks the final signer of a route with it).
    pub async fn capacity_of(
        &self,
        account: kernel::AccountId,
        unit: OrgUnitId,
    ) -> Result<Option<Capacity>, CasesError> {
        let grants = self.notices.authorities_of(account.0, "notice").await?;
        if grants.is_empty() {
            return Ok(None);
        }
        let units = self
            .identity
            .org_units(&Actor::system("cases"))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let mut chain = vec![unit];
        let mut cur = unit;
        while let Some(parent) = units.iter().find(|u| u.id == cur).and_then(|u| u.parent) {
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            cur = parent;
        }
        Ok(Capacity::ALL.into_iter().find(|c| {
            grants
                .iter()
                .any(|g| g.capacity == c.as_str() && chain.contains(&OrgUnitId(g.org_unit_id)))
        }))
    }

    /// The final signature: only from someone whose signing authority
    /// covers the case's unit, on the draft as typeset. Records the
    /// decision signed with the signer's key over the SHA-256 of the draft
    /// version and has the final version typeset.
    pub async fn sign_notice(
        &self,
        actor: &Actor,
        id: CaseId,
        notice: Uuid,
    ) -> Result<Notice, CasesError> {
        let case = self.store.case(id).await?.ok_or(CasesError::NotFound)?;
        let Some(capacity) = self
            .signing_capacity(actor, OrgUnitId(case.org_unit_id))
            .await?
        else {
            return Err(CasesError::Forbidden);
        };
        let account = actor.account.ok_or(CasesError::Forbidden)?;
        let mut n = self
            .notices
            .notice(notice)
            .await?
            .ok_or(CasesError::NotFound)?;
        if n.case_id != case.id {
            return Err(CasesError::NotFound);
        }
        let (NoticeState::Draft, Some(draft)) = (n.state(), n.draft_version_id) else {
            return Err(CasesError::Conflict(
                "Only a typeset draft can be signed.".into(),
            ));
        };
        if let (Some(doc), Some(routes)) = (n.document_id, self.notice_routes.get())
            && routes
                .route_open_on(doc)
                .await
                .map_err(CasesError::Internal)?
                .is_some()
        {
            return Err(CasesError::Conflict(
                "The notice is in a co-signing route; its final signature is given there.".into(),
            ));
        }
        let (_, bytes) = self
            .records
            .content_in_file(RecordFileId(case.file_id), kernel::DocumentVersionId(draft))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let sha = hex::encode(Sha256::digest(&bytes));
        let now = self.clock.now();
        let statement = identity::signing::Statement {
            kind: "rathaus-decision-1".into(),
            sha256: sha.clone(),
            step: "notice.final".into(),
            decision: "approve".into(),
            comment: String::new(),
            at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            actor: account.to_string(),
            acting_for: String::new(),
        };
        let (public_key, signature) = self.settings.decision_keys.sign(account, &statement);
        let sig = DecisionSignature {
            id: Uuid::now_v7(),
            notice_id: n.id,
            version_id: draft,
            statement: String::from_utf8(statement.bytes()).unwrap_or_default(),
            sha256: sha,
            account_id: account.0,
            public_key,
            signature,
            signed_at: now,
        };
        n.state = NoticeState::FinalRendering.as_str().into();
        n.signer_id = Some(account.0);
        n.signer_name = Some(actor.name.clone());
        n.capacity = Some(capacity.as_str().into());
        n.signed_at = Some(now);
        n.updated_at = now;
        let mut tx = self.store.db().begin().await?;
        if !self
            .notices
            .update(&mut tx, &n, NoticeState::Draft.as_str())
            .await?
        {
            return Err(CasesError::Stale);
        }
        self.notices.insert_signature(&mut tx, &sig).await?;
        self.enqueue_render(&mut tx, n.id).await?;
        let form = match capacity.form() {
            "" => String::new(),
            f => format!(" ({f})"),
        };
        self.timeline_in(
            &mut tx,
            &actor.audit_label(),
            CaseId(case.id),
            "notice",
            &format!("Bescheid schlussgezeichnet von {}{form}", actor.name),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        (self.settings.wake)();
        Ok(n)
    }

    /// The final signature of a co-signing route on a notice's draft (in
    /// the route's transaction): the notice takes the signer, the form of
    /// signing (GGO § 18) and the route's signed statement, and its final
    /// version is typeset and sealed like after [`Self::sign_notice`].
    /// False when the document holds no draft notice of that version.
    #[allow(clippy::too_many_arguments)]
    pub async fn notice_signed_in_route(
        &self,
        tx: &mut storage::Tx,
        document: Uuid,
        version: Uuid,
        signer: AccountId,
        signer_name: &str,
        capacity: &str,
        signed: (&str, &str, &str),
        by: &str,
    ) -> Result<bool, CasesError> {
        let Some(mut n) = self.notices.of_document_in(tx, document).await? else {
            return Ok(false);
        };
        if n.state() != NoticeState::Draft || n.draft_version_id != Some(version) {
            return Ok(false);
        }
        let (statement, public_key, signature) = signed;
        let Ok(parsed) = serde_json::from_str::<identity::signing::Statement>(statement) else {
            return Err(CasesError::Internal("route statement unreadable".into()));
        };
        let now = self.clock.now();
        let sig = DecisionSignature {
            id: Uuid::now_v7(),
            notice_id: n.id,
            version_id: version,
            statement: statement.to_owned(),
            sha256: parsed.sha256,
            account_id: signer.0,
            public_key: public_key.to_owned(),
            signature: signature.to_owned(),
            signed_at: now,
        };
        let capacity = Capacity::ALL
            .into_iter()
            .find(|c| c.as_str() == capacity)
            .unwrap_or(Capacity::Head);
        n.state = NoticeState::FinalRendering.as_str().into();
        n.signer_id = Some(signer.0);
        n.signer_name = Some(signer_name.to_owned());
        n.capacity = Some(capacity.as_str().into());
        n.signed_at = Some(now);
        n.updated_at = now;
        if !self
            .notices
            .update(tx, &n, NoticeState::Draft.as_str())
            .await?
        {
            return Err(CasesError::Stale);
        }
        self.notices.insert_signature(tx, &sig).await?;
        self.enqueue_render(tx, n.id).await?;
        let form = match capacity.form() {
            "" => String::new(),
            f => format!(" ({f})"),
        };
        self.timeline_in(
            tx,
            by,
            CaseId(n.case_id),
            "notice",
            &format!(
                "Bescheid im Mitzeichnungsverfahren schlussgezeichnet von {signer_name}{form}"
            ),
        )
        .await?;
        (self.settings.wake)();
        Ok(true)
    }

    /// The notices of a case with their signatures checked against the
    /// content of the versions (the caller has checked access).
    pub(crate) async fn notices_of(
        &self,
        case: &crate::store::Case,
    ) -> Result<Vec<NoticeView>, CasesError> {
        let notices = self.notices.of_case(case.id).await?;
        if notices.is_empty() {
            return Ok(Vec::new());
        }
        // One read of the case's deliveries for all its notices.
        let mut deliveries = self
            .mailbox
            .of_case(case.id)
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let mut out = Vec::new();
        for notice in notices {
            let mut signatures = Vec::new();
            for s in self.notices.signatures(notice.id).await? {
                let valid = self.verify_signature(case, &s).await;
                signatures.push((s, valid));
            }
            let mut seals = Vec::new();
            if let Some(v) = notice.final_version_id
                && let Ok((_, bytes)) = self
                    .records
                    .content_in_file(RecordFileId(case.file_id), kernel::DocumentVersionId(v))
                    .await
            {
                seals = tokio::task::spawn_blocking(move || pdf::seal::check(&bytes))
                    .await
                    .map_err(|e| CasesError::Internal(e.to_string()))?
                    .unwrap_or_default();
                if seals.is_empty() {
                    seals.push((String::new(), false));
                }
            }
            let (mine, rest): (Vec<_>, Vec<_>) = deliveries
                .into_iter()
                .partition(|d| d.notice_id == notice.id);
            deliveries = rest;
            let route = match (notice.state(), notice.document_id, self.notice_routes.get()) {
                (NoticeState::Draft, Some(doc), Some(routes)) => routes
                    .route_open_on(doc)
                    .await
                    .map_err(CasesError::Internal)?,
                _ => None,
            };
            out.push(NoticeView {
                route,
                notice,
                signatures,
                seals,
                qualified: self.settings.sealer.qualified(),
                deliveries: mine,
            });
        }
        Ok(out)
    }

    /// Whether a decision signature holds: the statement is signed by the
    /// signer's key and names the SHA-256 of the version's content now.
    async fn verify_signature(&self, case: &crate::store::Case, s: &DecisionSignature) -> bool {
        let Ok(statement) = serde_json::from_str::<identity::signing::Statement>(&s.statement)
        else {
            return false;
        };
        let Ok((_, bytes)) = self
            .records
            .content_in_file(
                RecordFileId(case.file_id),
                kernel::DocumentVersionId(s.version_id),
            )
            .await
        else {
            return false;
        };
        let sha = hex::encode(Sha256::digest(&bytes));
        statement.sha256 == sha
            && s.sha256 == sha
            && s.public_key
                == self
                    .settings
                    .decision_keys
                    .public_key(AccountId(s.account_id))
            && identity::signing::verify(&s.public_key, &statement, &s.signature)
    }

    /// Typesets a notice (the job): the draft, or after the final
    /// signature the final version. A template error fails the notice
    /// with Typst's message; anything else is retried.
    pub async fn render_notice(&self, id: Uuid) -> Result<(), JobError> {
        let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
        let Some(mut n) = self.notices.notice(id).await.map_err(|e| retry(&e))? else {
            return Err(JobError::Permanent("no such notice".into()));
        };
        let from = n.state();
        let final_ = match from {
            NoticeState::Rendering => false,
            NoticeState::FinalRendering => true,
            // Done before (a repeated delivery of the job).
            _ => return Ok(()),
        };
        let case = self
            .store
            .case(CaseId(n.case_id))
            .await
            .map_err(|e| retry(&e))?
            .ok_or_else(|| JobError::Permanent("no such case".into()))?;
        let (template, remedy, _) = self
            .notice_template(CaseTypeId(case.case_type_id))
            .await
            .map_err(|e| retry(&e))?;
        let data = self
            .notice_data(&case, &n, final_, &remedy)
            .await
            .map_err(|e| retry(&e))?;
        let at = self.clock.now();
        let ident = n.id.to_string();
        let sealer = self.settings.sealer.clone();
        let reason = format!("Bescheid {}", case.reference);
        // The final version carries the external signature; a seal that
        // fails leaves the notice failed with the reason, like a template
        // error.
        let rendered = tokio::task::spawn_blocking(move || {
            let pdf = pdf::render(&pdf::Job {
                template: &template,
                data: &data,
                ident: &ident,
                at,
            })
            .map_err(|e| e.to_string())?;
            if final_ {
                sealer.seal(&pdf, &reason, at).map_err(|e| {
                    format!("Das elektronische Siegel konnte nicht angebracht werden: {e}")
                })
            } else {
                Ok(pdf)
            }
        })
        .await
        .map_err(|e| retry(&e))?;
        let now = self.clock.now();
        n.updated_at = now;
        let mut tx = self.store.db().begin().await.map_err(|e| retry(&e))?;
        let detail = match rendered {
            Err(e) => {
                n.state = NoticeState::Failed.as_str().into();
                n.error = Some(e);
                "Bescheid konnte nicht erstellt werden".to_owned()
            }
            Ok(bytes) => {
                let name = format!("Bescheid-{}.pdf", case.reference.replace(['/', ' '], "-"));
                let note = if final_ {
                    format!(
                        "Schlussgezeichnet von {}",
                        n.signer_name.clone().unwrap_or_default()
                    )
                } else {
                    "Entwurf".to_owned()
                };
                let stored = self
                    .records
                    .store_content(&name, Bytes::from(bytes), &note)
                    .await
                    .map_err(|e| retry(&e))?;
                let file = RecordFileId(case.file_id);
                let version = match n.document_id {
                    None => {
                        self.records
                            .add_stored_document_in(&mut tx, SYSTEM, file, "Bescheid", stored)
                            .await
                    }
                    Some(doc) => {
                        self.records
                            .add_stored_version_in(
                                &mut tx,
                                SYSTEM,
                                file,
                                kernel::DocumentId(doc),
                                stored,
                            )
                            .await
                    }
                }
                .map_err(|e| retry(&e))?;
                n.document_id = Some(version.document_id);
                n.error = None;
                if final_ {
                    n.final_version_id = Some(version.id);
                    n.state = NoticeState::Final.as_str().into();
                    "Bescheid in endgültiger Fassung erstellt".to_owned()
                } else {
                    n.draft_version_id = Some(version.id);
                    n.state = NoticeState::Draft.as_str().into();
                    "Bescheid-Entwurf erstellt".to_owned()
                }
            }
        };
        if !self
            .notices
            .update(&mut tx, &n, from.as_str())
            .await
            .map_err(|e| retry(&e))?
        {
            // Someone moved it meanwhile; nothing to do.
            return Ok(());
        }
        self.timeline_in(&mut tx, SYSTEM, CaseId(case.id), "notice", &detail)
            .await
            .map_err(|e| retry(&e))?;
        tx.commit().await.map_err(|e| retry(&e))?;
        self.log.nudge();
        Ok(())
    }

    /// What the template gets.
    async fn notice_data(
        &self,
        case: &crate::store::Case,
        n: &Notice,
        final_: bool,
        remedy: &str,
    ) -> Result<Value, CasesError> {
        let applicant = self
            .submissions
            .applicant_of_case(SubmissionId(case.submission_id))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let units = self
            .identity
            .org_units(&Actor::system("cases"))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let unit = units
            .iter()
            .find(|u| u.id.0 == case.org_unit_id)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let fee = match self.fees.claim_of_case(case.id).await? {
            Some(c) if c.state() == crate::fees::domain::ClaimStatus::Open => {
                let p = self.payment_instructions(c);
                // The GiroCode as SVG for the letter (none without IBAN).
                let qr = p
                    .girocode
                    .as_deref()
                    .and_then(crate::fees::girocode::svg)
                    .map(Value::String)
                    .unwrap_or(Value::Null);
                json!({
                    "amount": forms::view::euro(p.claim.amount_cents),
                    "reference": p.claim.reference.clone().unwrap_or_default(),
                    "payee": p.payee, "iban": p.iban,
                    "due": p.claim.due_on.format("%d.%m.%Y").to_string(),
                    "girocode": qr,
                })
            }
            _ => Value::Null,
        };
        let signer = match (
            final_,
            &n.signer_name,
            n.capacity.as_deref().and_then(Capacity::parse),
        ) {
            (true, Some(name), Some(c)) => json!({"name": name, "form": c.form()}),
            _ => Value::Null,
        };
        let date = n.signed_at.filter(|_| final_).unwrap_or(self.clock.now());
        Ok(json!({
            "city": self.settings.city, "unit": unit, "reference": case.reference,
            "date": date.format("%d.%m.%Y").to_string(), "title": case.title,
            "addressee": {"name": applicant.name, "lines": applicant.address_lines},
            "decision": n.decision, "fee": fee, "remedy": remedy,
            "draft": !final_, "signer": signer,
        }))
    }

    /// Whether the applicant of a case can receive notices by retrieval
    /// from the portal: an account and the consent in force.
    pub async fn portal_possible(&self, case: &crate::store::Case) -> Result<bool, CasesError> {
        let applicant = self
            .submissions
            .applicant_of_case(SubmissionId(case.submission_id))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        match applicant.account {
            None => Ok(false),
            Some(a) => self
                .mailbox
                .may_use_portal(a)
                .await
                .map_err(|e| CasesError::Internal(e.to_string())),
        }
    }

    /// Orders the delivery of a final notice by `channel`; by retrieval only
    /// to an applicant with an account who consented. Again only after a
    /// delivery lapsed.
    pub async fn deliver_notice(
        &self,
        actor: &Actor,
        id: CaseId,
        notice: Uuid,
        channel: mailbox::Channel,
    ) -> Result<Uuid, CasesError> {
        let (case, n) = self.notice_of(actor, id, notice).await?;
        let final_version = match (n.state(), n.final_version_id) {
            (NoticeState::Final, Some(v)) => v,
            _ => {
                return Err(CasesError::Conflict(
                    "Only a finally signed notice can be delivered.".into(),
                ));
            }
        };
        let earlier = self
            .mailbox
            .of_case(case.id)
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        if earlier
            .iter()
            .filter(|d| d.notice_id == n.id)
            .any(|d| d.state() != mailbox::DeliveryState::Lapsed)
        {
            return Err(CasesError::Conflict(
                "The notice is being delivered or was delivered.".into(),
            ));
        }
        let applicant = self
            .submissions
            .applicant_of_case(SubmissionId(case.submission_id))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        // By retrieval only to an account that consented (the applicant
        // was read above).
        let consented = match applicant.account {
            Some(a) if channel == mailbox::Channel::Portal => self
                .mailbox
                .may_use_portal(a)
                .await
                .map_err(|e| CasesError::Internal(e.to_string()))?,
            _ => false,
        };
        if channel == mailbox::Channel::Portal && !consented {
            return Err(invalid("channel", "portal_not_possible"));
        }
        let (version, _) = self
            .records
            .content_in_file(
                RecordFileId(case.file_id),
                kernel::DocumentVersionId(final_version),
            )
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let order = mailbox::service::DeliveryOrder {
            id: Uuid::now_v7(),
            case_id: case.id,
            notice_id: n.id,
            account_id: applicant
                .account
                .map(|a| a.0)
                .filter(|_| channel == mailbox::Channel::Portal),
            channel: channel.as_str().into(),
            title: "Bescheid".into(),
            file_name: version.file_name.clone(),
            media_type: version.media_type.clone(),
            sha256: version.sha256.clone(),
            by: actor.audit_label(),
        };
        let mut tx = self.store.db().begin().await?;
        mailbox::MailboxService::order_in(&mut tx, self.clock.as_ref(), &order).await?;
        let how = match channel {
            mailbox::Channel::Portal => "zum Abruf im Postfach",
            mailbox::Channel::Post => "per Post",
        };
        self.timeline_in(
            &mut tx,
            &actor.audit_label(),
            CaseId(case.id),
            "notice",
            &format!("Bekanntgabe {how} veranlasst"),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        (self.settings.wake)();
        Ok(order.id)
    }

    /// Every grant of signing authority (admins).
    pub async fn authorities(&self, actor: &Actor) -> Result<Vec<Authority>, CasesError> {
        if !actor.has_role_anywhere(Role::Admin) {
            return Err(CasesError::Forbidden);
        }
        Ok(self.notices.authorities().await?)
    }

    /// Grants (or changes) signing authority for notices (admins).
    pub async fn grant_authority(
        &self,
        actor: &Actor,
        account: AccountId,
        unit: OrgUnitId,
        capacity: Capacity,
    ) -> Result<Authority, CasesError> {
        if !(actor.has_role_anywhere(Role::Admin) && actor.has_scope("cases:write")) {
            return Err(CasesError::Forbidden);
        }
        let system = Actor::system("cases");
        let (acc, _) = self
            .identity
            .account(&system, account)
            .await
            .map_err(|_| invalid("account", "account_unknown"))?;
        if acc.kind != identity::AccountKind::Staff {
            return Err(invalid("account", "account_unknown"));
        }
        let units = self
            .identity
            .org_units(&system)
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        if !units.iter().any(|u| u.id == unit) {
            return Err(invalid("unit", "unit_unknown"));
        }
        let a = Authority {
            id: Uuid::now_v7(),
            account_id: account.0,
            org_unit_id: unit.0,
            document_kind: "notice".into(),
            capacity: capacity.as_str().into(),
            created_by: actor.audit_label(),
            created_at: self.clock.now(),
        };
        let mut tx = self.store.db().begin().await?;
        self.notices.grant(&mut tx, &a).await?;
        record_in_tx(
            &mut tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                actor.audit_label(),
                "signing_authority.granted",
                "account",
                vec![account.to_string()],
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(a)
    }

    /// Takes a grant back (admins).
    pub async fn revoke_authority(&self, actor: &Actor, id: Uuid) -> Result<(), CasesError> {
        if !(actor.has_role_anywhere(Role::Admin) && actor.has_scope("cases:write")) {
            return Err(CasesError::Forbidden);
        }
        let mut tx = self.store.db().begin().await?;
        if !self.notices.revoke(&mut tx, id).await? {
            return Err(CasesError::NotFound);
        }
        record_in_tx(
            &mut tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                actor.audit_label(),
                "signing_authority.revoked",
                "signing_authority",
                vec![id.to_string()],
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(())
    }
}

/// Handles the `notice.render` job.
pub struct NoticeJobs {
    /// The cases service.
    pub cases: std::sync::Arc<CasesService>,
}

#[async_trait::async_trait]
impl JobHandler for NoticeJobs {
    async fn run(&self, payload: Value) -> Result<(), JobError> {
        let id = payload
            .get("notice_id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| JobError::Permanent("payload without notice_id".into()))?;
        self.cases.render_notice(id).await
    }
}

/// Handles `mailbox.event`: what happened to a delivery goes into the
/// case's timeline (the citizen sees it too).
pub struct DeliveryEventJobs {
    /// The cases service.
    pub cases: std::sync::Arc<CasesService>,
}

#[async_trait::async_trait]
impl JobHandler for DeliveryEventJobs {
    async fn run(&self, payload: Value) -> Result<(), JobError> {
        let e = mailbox::service::event_of(&payload)
            .ok_or_else(|| JobError::Permanent("bad delivery event".into()))?;
        let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
        let mut tx = self.cases.store.db().begin().await.map_err(|e| retry(&e))?;
        // The event's id is the entry's: a job run again after its commit
        // adds nothing.
        let added = self
            .cases
            .store
            .add_timeline_once(
                &mut tx,
                e.id,
                CaseId(e.case_id),
                "system:mailbox",
                "delivery",
                &e.detail,
                self.cases.clock.now(),
            )
            .await
            .map_err(|e| retry(&e))?;
        if added {
            storage::audit::record_in_tx(
                &mut tx,
                self.cases.clock.as_ref(),
                &storage::AuditEntry::new(
                    "system:mailbox".to_owned(),
                    "case.delivery",
                    "case",
                    vec![e.case_id.to_string()],
                ),
            )
            .await
            .map_err(|e| retry(&e))?;
        }
        tx.commit().await.map_err(|e| retry(&e))?;
        self.cases.log.nudge();
        Ok(())
    }
}
