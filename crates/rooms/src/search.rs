//! Knowledge search across the rooms a person may read: chat messages,
//! wiki pages and news, with German stemming ("Dienstreisen" finds
//! "Dienstreise"). One index entry per message, page or post, scoped to
//! its room; a query is filtered to the rooms the searcher reads, so a
//! hit from a room they may not read is never even counted.
//!
//! The index is fed from the outbox: every change enqueues `rooms.index`
//! in its own transaction, and the handler reads the current state (a
//! deleted message leaves the index), so a job run twice does no harm.

use crate::store::RoomsStore;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use storage::jobs::{JobError, JobHandler};
use storage::text_search::{DocumentIndex, TextDoc};
use storage::{NewJob, Tx};
use uuid::Uuid;

/// Job kind: index one message, page or post (`{"kind", "id"}`), or all
/// (`{"all": true}`).
pub const INDEX_JOB: &str = "rooms.index";

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A chat message.
    Message,
    /// A wiki page.
    Page,
    /// A news post.
    Post,
}

impl Entry {
    fn as_str(self) -> &'static str {
        match self {
            Entry::Message => "message",
            Entry::Page => "page",
            Entry::Post => "post",
        }
    }
}

/// Enqueues the indexing of an entry in `tx`.
pub async fn enqueue(
    tx: &mut Tx,
    clock: &dyn kernel::Clock,
    entry: Entry,
    id: Uuid,
) -> Result<(), storage::DbError> {
    storage::jobs::enqueue(
        tx,
        clock,
        NewJob::new(INDEX_JOB, json!({ "kind": entry.as_str(), "id": id })),
    )
    .await?;
    Ok(())
}

/// A hit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// `message`, `page` or `post`.
    pub kind: String,
    /// The room.
    pub room_id: Uuid,
    /// Title (a message: its author).
    pub title: String,
    /// Where it is (a page address in rathaus).
    pub link: String,
    /// The best passage as HTML (text escaped, matches in `<b>`).
    pub passage_html: String,
}

fn doc_id(kind: Entry, id: Uuid) -> String {
    format!("{}:{id}", kind.as_str())
}

/// Runs the index jobs.
pub struct IndexJobs {
    /// Rooms data.
    pub store: RoomsStore,
    /// The index.
    pub index: Arc<DocumentIndex>,
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

impl IndexJobs {
    async fn doc(&self, kind: Entry, id: Uuid) -> Result<Option<TextDoc>, JobError> {
        Ok(match kind {
            Entry::Message => self
                .store
                .message(id)
                .await
                .map_err(retry)?
                .filter(|m| m.deleted_at.is_none())
                .map(|m| {
                    let thread = m.parent_id.unwrap_or(m.id);
                    TextDoc {
                        document: doc_id(kind, m.id),
                        version: kind.as_str().into(),
                        file: m.room_id.to_string(),
                        scope: m.room_id.to_string(),
                        title: m.author_name,
                        reference: format!(
                            "/arbeit/raeume/{}/nachrichten/{thread}#m-{}",
                            m.room_id, m.id
                        ),
                        text: m.body,
                    }
                }),
            Entry::Page => self
                .store
                .page_by_id(id)
                .await
                .map_err(retry)?
                .map(|p| TextDoc {
                    document: doc_id(kind, p.id),
                    version: kind.as_str().into(),
                    file: p.room_id.to_string(),
                    scope: p.room_id.to_string(),
                    title: p.title,
                    reference: format!("/arbeit/raeume/{}/wiki/{}", p.room_id, p.slug),
                    text: p.body,
                }),
            Entry::Post => self.store.post(id).await.map_err(retry)?.map(|p| TextDoc {
                document: doc_id(kind, p.id),
                version: kind.as_str().into(),
                file: p.room_id.to_string(),
                scope: p.room_id.to_string(),
                title: p.title,
                reference: format!("/arbeit/raeume/{}/neuigkeiten/{}", p.room_id, p.id),
                text: p.body,
            }),
        })
    }
}

#[async_trait::async_trait]
impl JobHandler for IndexJobs {
    async fn run(&self, payload: Value) -> Result<(), JobError> {
        if payload.get("all").and_then(Value::as_bool) == Some(true) {
            let mut docs = Vec::new();
            for (kind, ids) in [
                (
                    Entry::Message,
                    self.store
                        .all_ids("rooms_message", "deleted_at IS NULL")
                        .await
                        .map_err(retry)?,
                ),
                (
                    Entry::Page,
                    self.store
                        .all_ids("rooms_wiki_page", "1 = 1")
                        .await
                        .map_err(retry)?,
                ),
                (
                    Entry::Post,
                    self.store
                        .all_ids("rooms_post", "1 = 1")
                        .await
                        .map_err(retry)?,
                ),
            ] {
                for id in ids {
                    if let Some(d) = self.doc(kind, id).await? {
                        docs.push(d);
                    }
                }
            }
            self.index.clear().map_err(retry)?;
            return self.index.upsert(&docs).map_err(retry);
        }
        let kind = match payload.get("kind").and_then(Value::as_str) {
            Some("message") => Entry::Message,
            Some("page") => Entry::Page,
            Some("post") => Entry::Post,
            other => return Err(JobError::Permanent(format!("unknown entry {other:?}"))),
        };
        let id = payload
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| JobError::Permanent("no id".into()))?;
        match self.doc(kind, id).await? {
            Some(d) => self.index.upsert(&[d]).map_err(retry),
            None => self
                .index
                .delete_documents(&[doc_id(kind, id)])
                .map_err(retry),
        }
    }
}
