//! The SQL of drafts and submissions, once for both
//! backends. Submissions are only ever inserted (a trigger refuses
//! updates); drafts change until they are submitted or expire.

use crate::answers::Answers;
use chrono::{DateTime, Utc};
use kernel::{AccountId, DraftId, FormVersionId, ServiceId, SubmissionId};
use serde::Serialize;
use sqlx::types::Json;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A draft application.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Id.
    pub id: DraftId,
    /// The catalogue service applied for.
    pub service: ServiceId,
    /// The form version the answers follow.
    pub version: FormVersionId,
    /// Owner, when a citizen is logged in.
    pub account: Option<AccountId>,
    /// SHA-256 (hex) of the secret of an anonymous owner.
    pub token_hash: Option<String>,
    /// Where the resume link and the receipt go (anonymous applicants).
    pub email: Option<String>,
    /// Answers so far.
    pub answers: Answers,
    /// Fields whose answers came from the account (shown as such).
    pub prefilled: Vec<String>,
    /// The prefill question was answered.
    pub consent_asked: bool,
    /// Steps completed without errors (the check page needs all).
    pub reached: i64,
    /// Set once submitted.
    pub submission: Option<SubmissionId>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last saved.
    pub updated_at: DateTime<Utc>,
    /// Deleted after this.
    pub expires_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct DraftRow {
    id: Uuid,
    service_id: Uuid,
    version_id: Uuid,
    account_id: Option<Uuid>,
    token_hash: Option<String>,
    email: Option<String>,
    answers: Json<Answers>,
    prefilled: Json<Vec<String>>,
    consent_asked: bool,
    reached: i64,
    submission_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl From<DraftRow> for Draft {
    fn from(r: DraftRow) -> Self {
        Draft {
            id: DraftId(r.id),
            service: ServiceId(r.service_id),
            version: FormVersionId(r.version_id),
            account: r.account_id.map(AccountId),
            token_hash: r.token_hash,
            email: r.email,
            answers: r.answers.0,
            prefilled: r.prefilled.0,
            consent_asked: r.consent_asked,
            reached: r.reached,
            submission: r.submission_id.map(SubmissionId),
            created_at: r.created_at,
            updated_at: r.updated_at,
            expires_at: r.expires_at,
        }
    }
}

const DRAFT_COLS: &str = "id, service_id, version_id, account_id, token_hash, email, answers, prefilled, consent_asked, reached, submission_id, created_at, updated_at, expires_at";

/// How a submission arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Through the assistant's pages.
    Portal,
    /// Through `POST /api/v1/services/{id}/submissions`.
    Api,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Api => "api",
        }
    }
}

/// A submitted application; never changes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Submission {
    /// Id.
    pub id: SubmissionId,
    /// Reference number given to the applicant.
    pub reference: String,
    /// The catalogue service.
    pub service: ServiceId,
    /// The form version the answers were validated with.
    pub version: FormVersionId,
    /// The citizen, when logged in.
    pub account: Option<AccountId>,
    /// How it arrived.
    pub channel: Channel,
    /// Who submitted (access-log label).
    pub submitted_by: String,
    /// Where the receipt went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The answers (files as name, media type, size and blob key).
    #[schema(value_type = Object)]
    pub answers: Answers,
    /// Fee computed from the answers, in cents.
    pub fee_cents: i64,
    /// When it became durable.
    pub submitted_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SubmissionRow {
    id: Uuid,
    reference: String,
    service_id: Uuid,
    version_id: Uuid,
    account_id: Option<Uuid>,
    channel: String,
    submitted_by: String,
    email: Option<String>,
    answers: Json<Answers>,
    fee_cents: i64,
    submitted_at: DateTime<Utc>,
}

impl From<SubmissionRow> for Submission {
    fn from(r: SubmissionRow) -> Self {
        Submission {
            id: SubmissionId(r.id),
            reference: r.reference,
            service: ServiceId(r.service_id),
            version: FormVersionId(r.version_id),
            account: r.account_id.map(AccountId),
            channel: if r.channel == "api" {
                Channel::Api
            } else {
                Channel::Portal
            },
            submitted_by: r.submitted_by,
            email: r.email,
            answers: r.answers.0,
            fee_cents: r.fee_cents,
            submitted_at: r.submitted_at,
        }
    }
}

const SUBMISSION_COLS: &str = "id, reference, service_id, version_id, account_id, channel, submitted_by, email, answers, fee_cents, submitted_at";

/// A new submission.
pub struct NewSubmission<'a> {
    /// Id.
    pub id: SubmissionId,
    /// Reference number.
    pub reference: &'a str,
    /// Service.
    pub service: ServiceId,
    /// Form version.
    pub version: FormVersionId,
    /// Citizen.
    pub account: Option<AccountId>,
    /// The draft it came from (idempotency for the pages).
    pub draft: Option<DraftId>,
    /// The client's key (idempotency for the API), scoped by the caller.
    pub idempotency_key: Option<&'a str>,
    /// Channel.
    pub channel: Channel,
    /// Who.
    pub submitted_by: &'a str,
    /// Receipt address.
    pub email: Option<&'a str>,
    /// Answers.
    pub answers: &'a Answers,
    /// Fee.
    pub fee_cents: i64,
    /// Time.
    pub now: DateTime<Utc>,
}

/// Access to drafts and submissions.
#[derive(Debug, Clone)]
pub struct DraftStore {
    db: Db,
}

impl DraftStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        DraftStore { db }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Adds a draft.
    pub async fn insert_draft(&self, tx: &mut Tx, d: &Draft) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO forms_draft (id, service_id, version_id, account_id, token_hash, email, answers, prefilled, consent_asked, reached, created_at, updated_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)",
        ).bind(d.id.0).bind(d.service.0).bind(d.version.0).bind(d.account.map(|a| a.0)).bind(&d.token_hash)
        .bind(&d.email).bind(Json(&d.answers)).bind(Json(&d.prefilled)).bind(d.consent_asked).bind(d.reached)
        .bind(d.created_at).bind(d.expires_at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// One draft.
    pub async fn draft(&self, id: DraftId) -> Result<Option<Draft>, DbError> {
        let sql = format!("SELECT {DRAFT_COLS} FROM forms_draft WHERE id = $1");
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, DraftRow>(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(pool).await?);
        Ok(row.map(Draft::from))
    }

    /// One draft inside a transaction (read before submitting it).
    pub async fn draft_in(&self, tx: &mut Tx, id: DraftId) -> Result<Option<Draft>, DbError> {
        let sql = format!("SELECT {DRAFT_COLS} FROM forms_draft WHERE id = $1");
        let row = on_tx!(tx, conn => sqlx::query_as::<_, DraftRow>(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(conn).await?);
        Ok(row.map(Draft::from))
    }

    /// The open drafts of an account, newest first.
    pub async fn drafts_of(&self, account: AccountId) -> Result<Vec<Draft>, DbError> {
        let sql = format!(
            "SELECT {DRAFT_COLS} FROM forms_draft WHERE account_id = $1 AND submission_id IS NULL ORDER BY updated_at DESC"
        );
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, DraftRow>(sqlx::AssertSqlSafe(sql)).bind(account.0).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Draft::from).collect())
    }

    /// Saves what changes while a draft is filled in; false when it was
    /// submitted meanwhile.
    pub async fn save_draft(&self, tx: &mut Tx, d: &Draft) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE forms_draft SET answers = $2, prefilled = $3, consent_asked = $4, reached = $5, email = $6,
                 token_hash = $7, updated_at = $8, expires_at = $9
             WHERE id = $1 AND submission_id IS NULL",
        ).bind(d.id.0).bind(Json(&d.answers)).bind(Json(&d.prefilled)).bind(d.consent_asked).bind(d.reached)
        .bind(&d.email).bind(&d.token_hash).bind(d.updated_at).bind(d.expires_at)
        .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Marks a draft submitted; false when it already was.
    pub async fn mark_submitted(
        &self,
        tx: &mut Tx,
        id: DraftId,
        submission: SubmissionId,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE forms_draft SET submission_id = $2 WHERE id = $1 AND submission_id IS NULL",
        ).bind(id.0).bind(submission.0).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Deletes drafts that expired before `now`; returns how many.
    pub async fn delete_expired(&self, now: DateTime<Utc>) -> Result<u64, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query(
            "DELETE FROM forms_draft WHERE expires_at < $1",
        ).bind(now).execute(pool).await?.rows_affected()))
    }

    /// Deletes a submission (disposal of its case's file, records
    /// context); returns the blob keys its answers named.
    pub async fn delete_submission_in(
        &self,
        tx: &mut Tx,
        id: uuid::Uuid,
    ) -> Result<Vec<String>, DbError> {
        let answers: Option<String> = on_tx!(tx, conn => sqlx::query_scalar(
            "SELECT CAST(answers AS TEXT) FROM forms_submission WHERE id = $1",
        ).bind(id).fetch_optional(conn).await?);
        on_tx!(tx, conn => sqlx::query("DELETE FROM forms_submission WHERE id = $1").bind(id).execute(conn).await?.rows_affected());
        let mut keys = Vec::new();
        if let Some(v) = answers.and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok()) {
            blob_keys(&v, &mut keys);
        }
        Ok(keys)
    }

    /// True when a submission's answers name the blob.
    pub async fn names_blob(&self, key: &str) -> Result<bool, DbError> {
        let pattern = format!("%{key}%");
        let n: i64 = on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM forms_submission WHERE CAST(answers AS TEXT) LIKE $1",
        ).bind(pattern).fetch_one(pool).await?);
        Ok(n > 0)
    }

    /// Adds a submission.
    pub async fn insert_submission(
        &self,
        tx: &mut Tx,
        s: &NewSubmission<'_>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO forms_submission (id, reference, service_id, version_id, account_id, draft_id, idempotency_key, channel, submitted_by, email, answers, fee_cents, submitted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        ).bind(s.id.0).bind(s.reference).bind(s.service.0).bind(s.version.0).bind(s.account.map(|a| a.0))
        .bind(s.draft.map(|d| d.0)).bind(s.idempotency_key).bind(s.channel.as_str()).bind(s.submitted_by)
        .bind(s.email).bind(Json(s.answers)).bind(s.fee_cents).bind(s.now)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// One submission.
    pub async fn submission(&self, id: SubmissionId) -> Result<Option<Submission>, DbError> {
        let sql = format!("SELECT {SUBMISSION_COLS} FROM forms_submission WHERE id = $1");
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, SubmissionRow>(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(pool).await?);
        Ok(row.map(Submission::from))
    }

    /// The submission made with an idempotency key.
    pub async fn submission_by_key(&self, key: &str) -> Result<Option<Submission>, DbError> {
        let sql =
            format!("SELECT {SUBMISSION_COLS} FROM forms_submission WHERE idempotency_key = $1");
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, SubmissionRow>(sqlx::AssertSqlSafe(sql)).bind(key).fetch_optional(pool).await?);
        Ok(row.map(Submission::from))
    }

    /// The submissions of an account, newest first.
    pub async fn submissions_of(&self, account: AccountId) -> Result<Vec<Submission>, DbError> {
        let sql = format!(
            "SELECT {SUBMISSION_COLS} FROM forms_submission WHERE account_id = $1 ORDER BY submitted_at DESC"
        );
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, SubmissionRow>(sqlx::AssertSqlSafe(sql)).bind(account.0).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Submission::from).collect())
    }
}

/// The blob keys of every file object (`{"blob", "name"}`) in answers.
fn blob_keys(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(o) => {
            if let Some(serde_json::Value::String(b)) = o.get("blob") {
                out.push(b.clone());
            }
            o.values().for_each(|i| blob_keys(i, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| blob_keys(i, out)),
        _ => {}
    }
}
