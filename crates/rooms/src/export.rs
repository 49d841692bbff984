//! A room's content as one JSON document for its owners: the room, its
//! people, every message with the earlier texts of edited ones, every wiki
//! page with all revisions, the news with comments and the meetings — e.g.
//! before it is archived, or to hand it to the records office.

use crate::domain::RoomRole;
use crate::service::{RoomMember, RoomsError, RoomsService};
use crate::store::{
    CommentRow, MeetingRow, MessageRow, PageRow, PostRow, RevisionRow, RoomRow, VersionRow,
};
use chrono::{DateTime, Utc};
use kernel::Actor;
use serde::Serialize;
use uuid::Uuid;

/// The export.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoomExport {
    /// When it was made.
    pub exported_at: DateTime<Utc>,
    /// By whom.
    pub exported_by: String,
    /// The room.
    pub room: RoomRow,
    /// Its people.
    pub members: Vec<RoomMember>,
    /// Messages, oldest first, each with its earlier texts.
    pub messages: Vec<ExportedMessage>,
    /// Wiki pages with all revisions (newest first).
    pub pages: Vec<ExportedPage>,
    /// News with comments.
    pub news: Vec<ExportedPost>,
    /// Meetings.
    pub meetings: Vec<MeetingRow>,
}

/// A message in the export.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedMessage {
    /// The message.
    pub message: MessageRow,
    /// Its earlier texts.
    pub versions: Vec<VersionRow>,
}

/// A page in the export.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedPage {
    /// The page now.
    pub page: PageRow,
    /// Every revision, newest first.
    pub revisions: Vec<RevisionRow>,
}

/// A news post in the export.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedPost {
    /// The post.
    pub post: PostRow,
    /// Its comments.
    pub comments: Vec<CommentRow>,
}

impl RoomsService {
    /// The room's content (its owners; archived rooms too).
    pub async fn export(&self, actor: &Actor, room: Uuid) -> Result<RoomExport, RoomsError> {
        let row = self.store.room(room).await?.ok_or(RoomsError::NotFound)?;
        // As if open: an archived room's owners still export it.
        let open = RoomRow {
            archived_at: None,
            ..row.clone()
        };
        match self.role_in(actor, &open).await? {
            Some(RoomRole::Owner) => {}
            Some(_) => return Err(RoomsError::Forbidden),
            None => return Err(RoomsError::NotFound),
        }
        let members = self.members(actor, room).await?;
        let mut messages = Vec::new();
        for message in self.store.all_messages(room).await? {
            let versions = if message.edited_at.is_some() {
                self.store.versions(message.id).await?
            } else {
                Vec::new()
            };
            messages.push(ExportedMessage { message, versions });
        }
        let mut pages = Vec::new();
        for page in self.store.pages(room).await? {
            let revisions = self.store.revisions(page.id).await?;
            pages.push(ExportedPage { page, revisions });
        }
        let mut news = Vec::new();
        for post in self.store.posts(room, i64::MAX).await? {
            let comments = self.store.comments(post.id).await?;
            news.push(ExportedPost { post, comments });
        }
        let meetings = self.store.all_meetings(room).await?;
        let mut tx = self.store.db().begin().await?;
        self.audit(&mut tx, actor, "room.exported", vec![room.to_string()])
            .await?;
        tx.commit().await?;
        Ok(RoomExport {
            exported_at: self.clock.now(),
            exported_by: actor.name.clone(),
            room: row,
            members,
            messages,
            pages,
            news,
            meetings,
        })
    }
}
