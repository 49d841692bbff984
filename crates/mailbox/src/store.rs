//! The SQL of the mailbox, once for both backends.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A delivery of a document to a citizen.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Delivery {
    /// Id.
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// The notice.
    pub notice_id: Uuid,
    /// The citizen's account (portal).
    pub account_id: Option<Uuid>,
    /// `portal` or `post`.
    pub channel: String,
    /// `available`, `retrieved`, `lapsed` or `posted`.
    pub state: String,
    /// What it is (e.g. "Bescheid").
    pub title: String,
    /// File name of the PDF.
    pub file_name: String,
    /// Media type.
    pub media_type: String,
    /// The content's SHA-256 (its key in the blob store).
    pub sha256: String,
    /// When it was made available (or the dispatch recorded).
    pub made_available_at: DateTime<Utc>,
    /// When the e-mail saying it is ready was sent.
    pub mail_sent_at: Option<DateTime<Utc>>,
    /// First retrieval.
    pub retrieved_at: Option<DateTime<Utc>>,
    /// The day it counts as notified.
    pub notified_on: Option<NaiveDate>,
    /// When the provision ended unretrieved.
    pub lapsed_at: Option<DateTime<Utc>>,
    /// The day it was given to the post.
    pub posted_on: Option<NaiveDate>,
    /// Who ordered it.
    pub created_by: String,
}

impl Delivery {
    /// Its state.
    pub fn state(&self) -> crate::DeliveryState {
        crate::DeliveryState::parse(&self.state).unwrap_or(crate::DeliveryState::Lapsed)
    }
}

const COLS: &str = "id, case_id, notice_id, account_id, channel, state, title, file_name, media_type, sha256, made_available_at, mail_sent_at, retrieved_at, notified_on, lapsed_at, posted_on, created_by";

/// The mailbox tables.
#[derive(Clone)]
pub struct MailboxStore {
    db: Db,
}

impl MailboxStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        MailboxStore { db }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Adds a delivery; false when one with its id exists (a repeated job).
    pub async fn insert(&self, tx: &mut Tx, d: &Delivery) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "INSERT INTO mailbox_delivery (id, case_id, notice_id, account_id, channel, state, title, file_name, media_type, sha256,
                 made_available_at, mail_sent_at, retrieved_at, notified_on, lapsed_at, posted_on, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT (id) DO NOTHING",
        ).bind(d.id).bind(d.case_id).bind(d.notice_id).bind(d.account_id).bind(&d.channel).bind(&d.state).bind(&d.title)
        .bind(&d.file_name).bind(&d.media_type).bind(&d.sha256).bind(d.made_available_at).bind(d.mail_sent_at)
        .bind(d.retrieved_at).bind(d.notified_on).bind(d.lapsed_at).bind(d.posted_on).bind(&d.created_by)
        .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Records the first retrieval of an available delivery; false when it
    /// was retrieved before or is no longer available.
    pub async fn retrieve(
        &self,
        tx: &mut Tx,
        id: Uuid,
        at: DateTime<Utc>,
        notified_on: NaiveDate,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE mailbox_delivery SET state = 'retrieved', retrieved_at = $2, notified_on = $3 WHERE id = $1 AND state = 'available'",
        ).bind(id).bind(at).bind(notified_on).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Ends the provision of an available delivery; false otherwise.
    pub async fn lapse(&self, tx: &mut Tx, id: Uuid, at: DateTime<Utc>) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE mailbox_delivery SET state = 'lapsed', lapsed_at = $2 WHERE id = $1 AND state = 'available'",
        ).bind(id).bind(at).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// One delivery.
    pub async fn delivery(&self, id: Uuid) -> Result<Option<Delivery>, DbError> {
        let sql = format!("SELECT {COLS} FROM mailbox_delivery WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Delivery>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// The deliveries of an account, newest first.
    pub async fn of_account(&self, account: Uuid) -> Result<Vec<Delivery>, DbError> {
        let sql = format!(
            "SELECT {COLS} FROM mailbox_delivery WHERE account_id = $1 ORDER BY made_available_at DESC, id DESC"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Delivery>(sqlx::AssertSqlSafe(sql)).bind(account).fetch_all(pool).await?),
        )
    }

    /// The deliveries of a case, oldest first.
    pub async fn of_case(&self, case: Uuid) -> Result<Vec<Delivery>, DbError> {
        let sql = format!(
            "SELECT {COLS} FROM mailbox_delivery WHERE case_id = $1 ORDER BY made_available_at, id"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Delivery>(sqlx::AssertSqlSafe(sql)).bind(case).fetch_all(pool).await?),
        )
    }

    /// Available portal deliveries announced at or before `mailed_before`.
    pub async fn due_to_lapse(
        &self,
        mailed_before: DateTime<Utc>,
    ) -> Result<Vec<Delivery>, DbError> {
        let sql = format!(
            "SELECT {COLS} FROM mailbox_delivery WHERE state = 'available' AND mail_sent_at IS NOT NULL AND mail_sent_at <= $1 ORDER BY mail_sent_at"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Delivery>(sqlx::AssertSqlSafe(sql)).bind(mailed_before).fetch_all(pool).await?),
        )
    }

    /// Deletes the deliveries of a case (disposal of its file); returns
    /// their documents' blob keys.
    pub async fn delete_of_case_in(&self, tx: &mut Tx, case: Uuid) -> Result<Vec<String>, DbError> {
        let keys: Vec<String> = on_tx!(tx, conn => sqlx::query_scalar("SELECT sha256 FROM mailbox_delivery WHERE case_id = $1").bind(case).fetch_all(conn).await?);
        on_tx!(tx, conn => sqlx::query("DELETE FROM mailbox_delivery WHERE case_id = $1").bind(case).execute(conn).await?.rows_affected());
        Ok(keys)
    }

    /// True when a delivery points to the blob.
    pub async fn uses_blob(&self, key: &str) -> Result<bool, DbError> {
        let n: i64 = on_db!(&self.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM mailbox_delivery WHERE sha256 = $1").bind(key).fetch_one(pool).await?);
        Ok(n > 0)
    }
}
