//! The SQL of messages, once for both backends.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the applicant to the case.
    In,
    /// From the case to the applicant.
    Out,
}

impl Direction {
    /// Its name in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// An attachment: a document version of the case file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Attachment {
    /// The document version.
    pub version_id: Uuid,
    /// Its file name.
    pub file_name: String,
    /// Its media type.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
}

/// A message as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: Uuid,
    case_id: Uuid,
    direction: String,
    body: String,
    attachments: String,
    author: String,
    author_name: String,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

/// A message between the applicant and the case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Message {
    /// Id.
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// `in` (from the applicant) or `out` (to the applicant).
    pub direction: Direction,
    /// The text (may be empty when files came along).
    pub body: String,
    /// Its attachments, filed in the case.
    pub attachments: Vec<Attachment>,
    /// Who wrote it (access-log label).
    pub author: String,
    /// Their name.
    pub author_name: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When the other side first read it.
    pub read_at: Option<DateTime<Utc>>,
}

impl TryFrom<Row> for Message {
    type Error = DbError;
    fn try_from(r: Row) -> Result<Message, DbError> {
        Ok(Message {
            id: r.id,
            case_id: r.case_id,
            direction: if r.direction == "in" {
                Direction::In
            } else {
                Direction::Out
            },
            body: r.body,
            attachments: serde_json::from_str(&r.attachments)
                .map_err(|e| DbError::Sqlx(sqlx::Error::Decode(Box::new(e))))?,
            author: r.author,
            author_name: r.author_name,
            created_at: r.created_at,
            read_at: r.read_at,
        })
    }
}

const COLS: &str =
    "id, case_id, direction, body, attachments, author, author_name, created_at, read_at";

/// The messages table.
#[derive(Clone)]
pub struct MessagesStore {
    db: Db,
}

impl MessagesStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        MessagesStore { db }
    }

    /// Adds a message.
    pub async fn insert(&self, tx: &mut Tx, m: &Message) -> Result<(), DbError> {
        let attachments = serde_json::to_string(&m.attachments)
            .map_err(|e| DbError::Sqlx(sqlx::Error::Encode(Box::new(e))))?;
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_message (id, case_id, direction, body, attachments, author, author_name, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ).bind(m.id).bind(m.case_id).bind(m.direction.as_str()).bind(&m.body).bind(attachments)
        .bind(&m.author).bind(&m.author_name).bind(m.created_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The messages of a case, oldest first.
    pub async fn of_case(&self, case: Uuid) -> Result<Vec<Message>, DbError> {
        let sql =
            format!("SELECT {COLS} FROM cases_message WHERE case_id = $1 ORDER BY created_at, id");
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(case).fetch_all(pool).await?);
        rows.into_iter().map(Message::try_from).collect()
    }

    /// Marks the messages of one direction of a case read (first reading
    /// only).
    pub async fn mark_read(
        &self,
        case: Uuid,
        direction: Direction,
        at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query(
            "UPDATE cases_message SET read_at = $1 WHERE case_id = $2 AND direction = $3 AND read_at IS NULL",
        ).bind(at).bind(case).bind(direction.as_str()).execute(pool).await?.rows_affected());
        Ok(())
    }
}
