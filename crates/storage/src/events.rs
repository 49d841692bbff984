//! Domain events for other contexts (the outbox's log). A change that other
//! contexts must learn about (a submission arrived) writes its event in the
//! same transaction, so an event exists exactly when the change committed.
//! Events are kept in commit order with a sequence number; a consumer
//! records which events it handled in its own transaction, so after a
//! crash it handles what is left, and never an event twice.

use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};
use chrono::{DateTime, Utc};
use kernel::Clock;
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

/// A stored event.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    /// Position in the log.
    pub seq: i64,
    /// Stable id (consumers deduplicate by it).
    pub id: Uuid,
    /// What happened, e.g. `submission.received`.
    pub topic: String,
    /// The event's data.
    pub payload: Json<serde_json::Value>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// Appends an event in the caller's transaction.
pub async fn publish(
    tx: &mut Tx,
    clock: &dyn Clock,
    topic: &str,
    payload: &serde_json::Value,
) -> Result<Uuid, DbError> {
    let id = Uuid::now_v7();
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO storage_event (id, topic, payload, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(topic)
    .bind(Json(payload))
    .bind(clock.now())
    .execute(conn)
    .await?
    .rows_affected());
    Ok(id)
}

/// Events of `topic` after position `after`, oldest first.
pub async fn read(db: &Db, topic: &str, after: i64, limit: i64) -> Result<Vec<Event>, DbError> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, Event>(
        "SELECT seq, id, topic, payload, created_at FROM storage_event
         WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(topic)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?);
    Ok(rows)
}
