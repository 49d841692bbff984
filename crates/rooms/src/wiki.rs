//! Wiki pages and news of a room. Pages are Markdown with `[[links]]`
//! between them, rendered and sanitised for display; every save is a
//! revision (who, when, what), any two revisions can be compared and an
//! old one restored as a new revision. A save names the revision it was
//! made on: when someone else saved in between, nothing is overwritten
//! and the editor is shown both texts. News posts take comments.

use crate::domain::{RoomKind, RoomRole, slug, wiki_links};
use crate::service::{RoomsError, RoomsService, internal};
use crate::store::{CommentRow, PageRow, PostRow, RevisionRow};
use kernel::{Actor, FieldErrors};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest wiki page or news post, in characters.
pub const MAX_TEXT: usize = 100_000;

/// A page as its editor sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageInput {
    /// Title (the page's address follows from it when it is made).
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Show on the room's start page.
    #[serde(default)]
    pub pinned: bool,
    /// The revision the edit was made on (not for a new page).
    #[serde(default)]
    pub base_revision: Option<i32>,
}

/// One line of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DiffLine {
    /// `equal`, `insert` or `delete`.
    pub change: String,
    /// The line.
    pub text: String,
}

/// A news post as its author sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostInput {
    /// Title.
    pub title: String,
    /// Markdown.
    pub body: String,
}

/// Renders a page's Markdown: wiki links, then Markdown, then sanitised.
pub fn render(body: &str, room: Uuid) -> String {
    web::markdown::render(&wiki_links(body, room))
}

fn check_text(errors: &mut FieldErrors, title: &str, body: &str) {
    let title = title.trim();
    if title.is_empty() {
        errors.add("title", "required");
    } else if title.chars().count() > 200 {
        errors.add("title", "text_too_long");
    }
    if body.trim().is_empty() {
        errors.add("body", "required");
    } else if body.chars().count() > MAX_TEXT {
        errors.add("body", "rooms_text_too_long");
    }
}

impl RoomsService {
    async fn writer(
        &self,
        actor: &Actor,
        room: Uuid,
    ) -> Result<(crate::store::RoomRow, kernel::AccountId), RoomsError> {
        let me = Self::me(actor)?;
        let (room, _) = self.writable(actor, room).await?;
        Ok((room, me))
    }

    /// The wiki pages of a room.
    pub async fn pages(&self, actor: &Actor, room: Uuid) -> Result<Vec<PageRow>, RoomsError> {
        self.room(actor, room).await?;
        Ok(self.store.pages(room).await?)
    }

    /// A page.
    pub async fn page(&self, actor: &Actor, room: Uuid, slug: &str) -> Result<PageRow, RoomsError> {
        self.room(actor, room).await?;
        self.store
            .page(room, slug)
            .await?
            .ok_or(RoomsError::NotFound)
    }

    /// A new page (writers of the room).
    pub async fn create_page(
        &self,
        actor: &Actor,
        room: Uuid,
        input: PageInput,
    ) -> Result<PageRow, RoomsError> {
        let (room, me) = self.writer(actor, room).await?;
        let mut errors = FieldErrors::new();
        check_text(&mut errors, &input.title, &input.body);
        let s = slug(&input.title);
        if errors.get("title").is_none() && s.is_empty() {
            errors.add("title", "rooms_title_letters");
        }
        if !errors.is_empty() {
            return Err(RoomsError::Invalid(errors));
        }
        let now = self.clock.now();
        let author = self.name_of(me).await?;
        let page = PageRow {
            id: Uuid::now_v7(),
            room_id: room.id,
            slug: s,
            title: input.title.trim().into(),
            body: input.body.clone(),
            revision: 1,
            pinned: input.pinned,
            updated_by: author.clone(),
            created_at: now,
            updated_at: now,
        };
        let rev = RevisionRow {
            page_id: page.id,
            revision: 1,
            title: page.title.clone(),
            body: page.body.clone(),
            author_id: me.0,
            author_name: author,
            restored_from: None,
            created_at: now,
        };
        let mut tx = self.store.db().begin().await?;
        if !self.store.insert_page(&mut tx, &page, &rev).await? {
            let mut e = FieldErrors::new();
            e.add("title", "rooms_page_exists");
            return Err(RoomsError::Invalid(e));
        }
        crate::search::enqueue(
            &mut tx,
            self.clock.as_ref(),
            crate::search::Entry::Page,
            page.id,
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            "wiki.created",
            vec![room.id.to_string(), page.id.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(page)
    }

    /// Saves an edit made on `input.base_revision`. When someone saved in
    /// between, nothing is written: `Conflict("rooms_wiki_conflict")`.
    pub async fn save_page(
        &self,
        actor: &Actor,
        room: Uuid,
        slug: &str,
        input: PageInput,
    ) -> Result<PageRow, RoomsError> {
        self.write_revision(actor, room, slug, input, None).await
    }

    async fn write_revision(
        &self,
        actor: &Actor,
        room: Uuid,
        slug: &str,
        input: PageInput,
        restored_from: Option<i32>,
    ) -> Result<PageRow, RoomsError> {
        let (room, me) = self.writer(actor, room).await?;
        let page = self
            .store
            .page(room.id, slug)
            .await?
            .ok_or(RoomsError::NotFound)?;
        let mut errors = FieldErrors::new();
        check_text(&mut errors, &input.title, &input.body);
        let Some(base) = input.base_revision else {
            errors.add("base_revision", "required");
            return Err(RoomsError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(RoomsError::Invalid(errors));
        }
        if base != page.revision {
            return Err(RoomsError::Conflict("rooms_wiki_conflict".into()));
        }
        if input.title.trim() == page.title
            && input.body == page.body
            && input.pinned == page.pinned
        {
            return Ok(page);
        }
        let now = self.clock.now();
        let author = self.name_of(me).await?;
        let rev = RevisionRow {
            page_id: page.id,
            revision: page.revision + 1,
            title: input.title.trim().into(),
            body: input.body.clone(),
            author_id: me.0,
            author_name: author.clone(),
            restored_from,
            created_at: now,
        };
        let mut tx = self.store.db().begin().await?;
        if !self
            .store
            .update_page(&mut tx, base, &rev, input.pinned)
            .await?
        {
            return Err(RoomsError::Conflict("rooms_wiki_conflict".into()));
        }
        crate::search::enqueue(
            &mut tx,
            self.clock.as_ref(),
            crate::search::Entry::Page,
            page.id,
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            "wiki.saved",
            vec![
                room.id.to_string(),
                page.id.to_string(),
                rev.revision.to_string(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(PageRow {
            title: rev.title,
            body: rev.body,
            revision: rev.revision,
            pinned: input.pinned,
            updated_by: author,
            updated_at: now,
            ..page
        })
    }

    /// A page and its revisions, newest first.
    pub async fn revisions(
        &self,
        actor: &Actor,
        room: Uuid,
        slug: &str,
    ) -> Result<(PageRow, Vec<RevisionRow>), RoomsError> {
        let page = self.page(actor, room, slug).await?;
        let revisions = self.store.revisions(page.id).await?;
        Ok((page, revisions))
    }

    /// The lines that differ between two revisions of a page (title as
    /// the first line).
    pub async fn diff(
        &self,
        actor: &Actor,
        room: Uuid,
        slug: &str,
        from: i32,
        to: i32,
    ) -> Result<(PageRow, Vec<DiffLine>), RoomsError> {
        let page = self.page(actor, room, slug).await?;
        let (Some(a), Some(b)) = (
            self.store.revision(page.id, from).await?,
            self.store.revision(page.id, to).await?,
        ) else {
            return Err(RoomsError::NotFound);
        };
        let old = format!("# {}\n\n{}\n", a.title, a.body);
        let new = format!("# {}\n\n{}\n", b.title, b.body);
        let lines = similar::TextDiff::from_lines(&old, &new)
            .iter_all_changes()
            .map(|c| DiffLine {
                change: match c.tag() {
                    similar::ChangeTag::Equal => "equal",
                    similar::ChangeTag::Insert => "insert",
                    similar::ChangeTag::Delete => "delete",
                }
                .into(),
                text: c.value().trim_end_matches('\n').to_owned(),
            })
            .collect();
        Ok((page, lines))
    }

    /// Brings back an old revision as the newest (the history keeps
    /// everything in between).
    pub async fn restore(
        &self,
        actor: &Actor,
        room: Uuid,
        slug: &str,
        revision: i32,
        base: i32,
    ) -> Result<PageRow, RoomsError> {
        let page = self.page(actor, room, slug).await?;
        let old = self
            .store
            .revision(page.id, revision)
            .await?
            .ok_or(RoomsError::NotFound)?;
        self.write_revision(
            actor,
            room,
            slug,
            PageInput {
                title: old.title,
                body: old.body,
                pinned: page.pinned,
                base_revision: Some(base),
            },
            Some(revision),
        )
        .await
    }

    /// News of a room, newest first.
    pub async fn news(
        &self,
        actor: &Actor,
        room: Uuid,
        limit: i64,
    ) -> Result<Vec<PostRow>, RoomsError> {
        self.room(actor, room).await?;
        Ok(self.store.posts(room, limit.clamp(1, 100)).await?)
    }

    /// Publishes a news post: writers of the room (in the intranet its
    /// owners, the admins).
    pub async fn publish_news(
        &self,
        actor: &Actor,
        room: Uuid,
        input: PostInput,
    ) -> Result<PostRow, RoomsError> {
        let (room, me) = self.writer(actor, room).await?;
        let mut errors = FieldErrors::new();
        check_text(&mut errors, &input.title, &input.body);
        if !errors.is_empty() {
            return Err(RoomsError::Invalid(errors));
        }
        let post = PostRow {
            id: Uuid::now_v7(),
            room_id: room.id,
            title: input.title.trim().into(),
            body: input.body,
            author_id: me.0,
            author_name: self.name_of(me).await?,
            created_at: self.clock.now(),
        };
        let mut tx = self.store.db().begin().await?;
        self.store.insert_post(&mut tx, &post).await?;
        crate::search::enqueue(
            &mut tx,
            self.clock.as_ref(),
            crate::search::Entry::Post,
            post.id,
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            "news.published",
            vec![room.id.to_string(), post.id.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(post)
    }

    /// A post with its comments.
    pub async fn news_post(
        &self,
        actor: &Actor,
        room: Uuid,
        id: Uuid,
    ) -> Result<(PostRow, Vec<CommentRow>), RoomsError> {
        self.room(actor, room).await?;
        let post = self
            .store
            .post(id)
            .await?
            .filter(|p| p.room_id == room)
            .ok_or(RoomsError::NotFound)?;
        let comments = self.store.comments(id).await?;
        Ok((post, comments))
    }

    /// Comments on a post: everyone who reads the room (the intranet's
    /// readers too), unless it is archived.
    pub async fn comment(
        &self,
        actor: &Actor,
        room: Uuid,
        post: Uuid,
        body: &str,
    ) -> Result<CommentRow, RoomsError> {
        let me = Self::me(actor)?;
        let (row, role) = self.room(actor, room).await?;
        if row.archived_at.is_some() {
            return Err(RoomsError::Conflict("rooms_archived".into()));
        }
        // Readers of a community join before they speak.
        if row.kind == RoomKind::Community.as_str() && role == RoomRole::Reader {
            return Err(RoomsError::Forbidden);
        }
        if matches!(actor.kind, kernel::ActorKind::ApiToken { .. })
            && !actor.has_scope("rooms:write")
        {
            return Err(RoomsError::Forbidden);
        }
        self.store
            .post(post)
            .await?
            .filter(|p| p.room_id == room)
            .ok_or(RoomsError::NotFound)?;
        let body = body.trim();
        let mut errors = FieldErrors::new();
        if body.is_empty() {
            errors.add("comment", "rooms_message_empty");
        } else if body.chars().count() > crate::domain::MAX_MESSAGE {
            errors.add("comment", "rooms_message_too_long");
        }
        if !errors.is_empty() {
            return Err(RoomsError::Invalid(errors));
        }
        let c = CommentRow {
            id: Uuid::now_v7(),
            post_id: post,
            author_id: me.0,
            author_name: self.name_of(me).await?,
            body: body.into(),
            created_at: self.clock.now(),
        };
        let mut tx = self.store.db().begin().await?;
        self.store.insert_comment(&mut tx, &c).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// The intranet room (made on first use).
    pub async fn intranet(&self, actor: &Actor) -> Result<crate::store::RoomRow, RoomsError> {
        let me = Self::me(actor)?;
        self.ensure_rooms(actor, me).await?;
        self.store
            .intranet()
            .await?
            .ok_or_else(|| internal("no intranet room"))
    }
}
