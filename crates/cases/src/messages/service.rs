//! Writing and reading messages: staff of the case's unit and the
//! applicant who applied with their account.

use super::store::{Attachment, Direction, Message};
use super::{MAX_BODY, MAX_FILES};
use crate::service::{CasesError, CasesService};
use crate::store::{Case, FollowUp};
use crate::work::invalid;
use bytes::Bytes;
use identity::mail::{MAIL_JOB, OutgoingMail};
use kernel::{Actor, CaseId, DocumentVersionId, OrgUnitId, RecordFileId, SubmissionId};
use records::store::Version;
use storage::NewJob;
use uuid::Uuid;

/// What a message carries.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    /// The text.
    pub body: String,
    /// Files: name and content.
    pub files: Vec<(String, Bytes)>,
}

impl CasesService {
    /// The messages of a case for its staff (clerks and managers of its
    /// unit), oldest first; reading marks the applicant's messages read.
    pub async fn case_messages(
        &self,
        actor: &Actor,
        id: CaseId,
    ) -> Result<Vec<Message>, CasesError> {
        let case = self.store.case(id).await?.ok_or(CasesError::NotFound)?;
        if !Self::may_work_on(actor, OrgUnitId(case.org_unit_id)) {
            return Err(CasesError::Forbidden);
        }
        let out = self.messages.of_case(case.id).await?;
        if actor.account.is_some() {
            self.messages
                .mark_read(case.id, Direction::In, self.clock.now())
                .await?;
        }
        Ok(out)
    }

    /// Staff write to the applicant. Only applicants with an account can be
    /// written to here (reading needs a login); the others get a letter.
    pub async fn send_message(
        &self,
        actor: &Actor,
        id: CaseId,
        message: NewMessage,
    ) -> Result<Message, CasesError> {
        let case = self.workable(actor, id).await?;
        let submission = self
            .submissions
            .submission(&Actor::system("cases"), SubmissionId(case.submission_id))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        if submission.account.is_none() {
            return Err(invalid("body", "message_no_account"));
        }
        let m = self
            .file_message(
                &case,
                actor,
                Direction::Out,
                message,
                "Nachricht an die antragstellende Person",
            )
            .await?;
        Ok(m)
    }

    /// Whether the actor is the applicant of the case (a citizen joining
    /// the video consultation offered on it).
    pub async fn is_applicant(&self, actor: &Actor, id: CaseId) -> Result<bool, CasesError> {
        match self.own_case(actor, id).await {
            Ok(_) => Ok(true),
            Err(CasesError::NotFound | CasesError::Forbidden) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The applicant's case, checked: it must be theirs.
    async fn own_case(&self, actor: &Actor, id: CaseId) -> Result<Case, CasesError> {
        let account = actor.account.ok_or(CasesError::Forbidden)?;
        if !matches!(actor.kind, kernel::ActorKind::Citizen) {
            return Err(CasesError::Forbidden);
        }
        let case = self.store.case(id).await?.ok_or(CasesError::NotFound)?;
        let submission = self
            .submissions
            .submission(&Actor::system("cases"), SubmissionId(case.submission_id))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        // Someone else's case does not exist for this caller.
        if submission.account != Some(account) {
            return Err(CasesError::NotFound);
        }
        Ok(case)
    }

    /// The messages of the applicant's own case, oldest first; reading
    /// marks the authority's messages read. Returns the case too.
    pub async fn own_messages(
        &self,
        actor: &Actor,
        id: CaseId,
    ) -> Result<(Case, Vec<Message>), CasesError> {
        let (case, out) = self.own_thread(actor, id).await?;
        self.messages
            .mark_read(case.id, Direction::Out, self.clock.now())
            .await?;
        Ok((case, out))
    }

    /// The messages of the applicant's own case, leaving them unread (the
    /// data export).
    pub async fn own_thread(
        &self,
        actor: &Actor,
        id: CaseId,
    ) -> Result<(Case, Vec<Message>), CasesError> {
        let case = self.own_case(actor, id).await?;
        let out = self.messages.of_case(case.id).await?;
        Ok((case, out))
    }

    /// The applicant writes to their case; the clerk gets a follow-up for
    /// today. A closed case takes no messages.
    pub async fn write_message(
        &self,
        actor: &Actor,
        id: CaseId,
        message: NewMessage,
    ) -> Result<Message, CasesError> {
        let case = self.own_case(actor, id).await?;
        if case.phase == "closed" {
            return Err(CasesError::Conflict(
                "The case is closed; write a new application or a letter.".into(),
            ));
        }
        self.file_message(
            &case,
            actor,
            Direction::In,
            message,
            "Nachricht der antragstellenden Person",
        )
        .await
    }

    /// An attachment of a message of the applicant's own case (and only
    /// those: the rest of the file stays internal).
    pub async fn own_attachment(
        &self,
        actor: &Actor,
        id: CaseId,
        version: DocumentVersionId,
    ) -> Result<(Version, Bytes), CasesError> {
        let case = self.own_case(actor, id).await?;
        let attached = self
            .messages
            .of_case(case.id)
            .await?
            .iter()
            .any(|m| m.attachments.iter().any(|a| a.version_id == version.0));
        if !attached {
            return Err(CasesError::NotFound);
        }
        self.records
            .content_in_file(RecordFileId(case.file_id), version)
            .await
            .map_err(|e| match e {
                records::RecordsError::NotFound => CasesError::NotFound,
                other => CasesError::Internal(other.to_string()),
            })
    }

    /// Checks a message, files its text and attachments as documents of
    /// the case and records it with a timeline entry, all in one
    /// transaction; tells the other side (the applicant by an e-mail that
    /// says only that something is waiting, the clerk by a follow-up).
    async fn file_message(
        &self,
        case: &Case,
        actor: &Actor,
        direction: Direction,
        message: NewMessage,
        title: &str,
    ) -> Result<Message, CasesError> {
        let body = message.body.trim().to_owned();
        if body.chars().count() > MAX_BODY {
            return Err(invalid("body", "message_too_long"));
        }
        if body.is_empty() && message.files.is_empty() {
            return Err(invalid("body", "message_empty"));
        }
        if message.files.len() > MAX_FILES {
            return Err(invalid("files", "too_many_files"));
        }
        for (_, bytes) in &message.files {
            self.check_upload("files", bytes)?;
        }
        let by = actor.audit_label();
        let now = self.clock.now();
        // Read before the transaction: SQLite has one writer connection.
        let mail = match direction {
            Direction::Out => self.mail_to_applicant(case).await?,
            Direction::In => None,
        };
        // Blobs first: durable before the rows that point to them.
        let mut stored = Vec::new();
        if !body.is_empty() {
            let text = format!(
                "{title}\n{} – {}\n\n{body}\n",
                now.with_timezone(&chrono_tz::Europe::Berlin)
                    .format("%d.%m.%Y %H:%M"),
                actor.name
            );
            stored.push((
                title.to_owned(),
                self.records
                    .store_content("Nachricht.txt", Bytes::from(text), title)
                    .await
                    .map_err(|e| CasesError::Internal(e.to_string()))?,
                false,
            ));
        }
        for (name, bytes) in message.files {
            let s = self
                .records
                .store_content(&name, bytes, title)
                .await
                .map_err(|e| CasesError::Internal(e.to_string()))?;
            stored.push((format!("Anlage zur Nachricht: {}", s.file_name), s, true));
        }
        let mut tx = self.store.db().begin().await?;
        let mut attachments = Vec::new();
        for (doc_title, s, attachment) in stored {
            let v = self
                .records
                .add_stored_document_in(&mut tx, &by, RecordFileId(case.file_id), &doc_title, s)
                .await
                .map_err(|e| CasesError::Internal(e.to_string()))?;
            if attachment {
                attachments.push(Attachment {
                    version_id: v.id,
                    file_name: v.file_name,
                    media_type: v.media_type,
                    size: v.size,
                });
            }
        }
        let m = Message {
            id: Uuid::now_v7(),
            case_id: case.id,
            direction,
            body,
            attachments,
            author: by.clone(),
            author_name: actor.name.clone(),
            created_at: now,
            read_at: None,
        };
        self.messages.insert(&mut tx, &m).await?;
        let (kind, detail) = match direction {
            Direction::Out => ("message_out", "Nachricht an die antragstellende Person"),
            Direction::In => (
                "message_in",
                "Nachricht der antragstellenden Person eingegangen",
            ),
        };
        self.timeline_in(&mut tx, &by, CaseId(case.id), kind, detail)
            .await?;
        if let Some(mail) = mail {
            storage::jobs::enqueue(&mut tx, self.clock.as_ref(), NewJob::new(MAIL_JOB, mail))
                .await?;
        }
        match direction {
            Direction::Out => {}
            Direction::In => {
                if let Some(clerk) = case.assignee_id {
                    let f = FollowUp {
                        id: Uuid::now_v7(),
                        case_id: case.id,
                        account_id: clerk,
                        due_on: now.date_naive(),
                        note: "Nachricht der antragstellenden Person eingegangen".into(),
                        created_by: by.clone(),
                        done_at: None,
                    };
                    self.store.insert_follow_up(&mut tx, &f, now).await?;
                }
            }
        }
        tx.commit().await?;
        self.log.nudge();
        Ok(m)
    }

    /// The e-mail to the applicant (as a mail job's payload): that a
    /// message waits in the account, with no service, no name, no
    /// reference. None when the application left no address.
    async fn mail_to_applicant(
        &self,
        case: &Case,
    ) -> Result<Option<serde_json::Value>, CasesError> {
        let submission = self
            .submissions
            .submission(&Actor::system("cases"), SubmissionId(case.submission_id))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let Some(to) = submission.email else {
            return Ok(None);
        };
        let base = self.settings.public_url.trim_end_matches('/');
        let mail = OutgoingMail {
            to,
            subject: "Neue Nachricht in Ihrem Konto".into(),
            text: format!(
                "Guten Tag,\n\nin Ihrem Konto liegt eine neue Nachricht für Sie. Bitte melden Sie sich an, um sie zu lesen:\n\n{base}/konto/vorgaenge\n\nDiese E-Mail wurde automatisch erstellt.\n"
            ),
        };
        serde_json::to_value(&mail)
            .map(Some)
            .map_err(|e| CasesError::Internal(e.to_string()))
    }
}
