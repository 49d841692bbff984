//! The SQL of team rooms, once for both backends.

use chrono::{DateTime, Utc};
use serde::Serialize;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A room.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RoomRow {
    /// Id.
    pub id: Uuid,
    /// `team`, `project`, `community`, `intranet` or `direct`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// What the room is for.
    pub description: String,
    /// The org unit of a team room.
    pub org_unit_id: Option<Uuid>,
    /// The pair of a direct room.
    #[serde(skip)]
    pub direct_key: Option<String>,
    /// Sequence number of the newest message.
    pub last_seq: i64,
    /// Archived (read-only) since.
    pub archived_at: Option<DateTime<Utc>>,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const ROOM_COLS: &str = "id, kind, name, description, org_unit_id, direct_key, last_seq, archived_at, created_by, created_at, updated_at";

/// An explicit member of a room.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MemberRow {
    /// Room.
    pub room_id: Uuid,
    /// Account.
    pub account_id: Uuid,
    /// `owner`, `member` or `reader`.
    pub role: String,
    /// Who added them.
    pub added_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A chat message.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MessageRow {
    /// Id.
    pub id: Uuid,
    /// Room.
    pub room_id: Uuid,
    /// Position in the room (1, 2, …).
    pub seq: i64,
    /// Who wrote it.
    pub author_id: Uuid,
    /// Their name when they wrote it.
    pub author_name: String,
    /// The thread's first message, for a reply.
    pub parent_id: Option<Uuid>,
    /// Text (empty once deleted).
    pub body: String,
    /// The sender's key for this message.
    #[serde(skip)]
    pub client_key: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub edited_at: Option<DateTime<Utc>>,
    /// Deleted by its author at.
    pub deleted_at: Option<DateTime<Utc>>,
}

const MESSAGE_COLS: &str = "id, room_id, seq, author_id, author_name, parent_id, body, client_key, created_at, edited_at, deleted_at";

/// An earlier text of an edited message.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct VersionRow {
    /// Message.
    pub message_id: Uuid,
    /// 1 = the original text.
    pub version: i32,
    /// The text.
    pub body: String,
    /// When an edit replaced it.
    pub replaced_at: DateTime<Utc>,
}

/// The SQL of rooms.
#[derive(Clone)]
pub struct RoomsStore {
    db: Db,
}

impl RoomsStore {
    /// A store on `db`.
    pub fn new(db: Db) -> RoomsStore {
        RoomsStore { db }
    }

    /// The database (for transactions).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// A room.
    pub async fn room(&self, id: Uuid) -> Result<Option<RoomRow>, DbError> {
        let sql = format!("SELECT {ROOM_COLS} FROM rooms_room WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// Rooms by ids, by name.
    pub async fn rooms(&self, ids: &[Uuid]) -> Result<Vec<RoomRow>, DbError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {ROOM_COLS} FROM rooms_room WHERE id IN ({}) ORDER BY name",
                placeholders(chunk.len())
            );
            let rows: Vec<RoomRow> = on_db!(&self.db, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for id in chunk { q = q.bind(id); }
                q.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// The team rooms of these org units, and the intranet and every
    /// community (anyone may read those), by name.
    pub async fn open_rooms(&self, units: &[Uuid]) -> Result<Vec<RoomRow>, DbError> {
        let mut sql =
            format!("SELECT {ROOM_COLS} FROM rooms_room WHERE kind IN ('intranet', 'community')");
        if !units.is_empty() {
            sql.push_str(&format!(
                " OR org_unit_id IN ({})",
                placeholders(units.len())
            ));
        }
        sql.push_str(" ORDER BY name");
        Ok(on_db!(&self.db, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for u in units { q = q.bind(u); }
            q.fetch_all(pool).await?
        }))
    }

    /// The room of an org unit, or of a pair (direct).
    pub async fn room_by_unit(&self, unit: Uuid) -> Result<Option<RoomRow>, DbError> {
        let sql = format!("SELECT {ROOM_COLS} FROM rooms_room WHERE org_unit_id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(unit).fetch_optional(pool).await?),
        )
    }

    /// The direct room of a pair.
    pub async fn room_by_pair(&self, key: &str) -> Result<Option<RoomRow>, DbError> {
        let sql = format!("SELECT {ROOM_COLS} FROM rooms_room WHERE direct_key = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(key).fetch_optional(pool).await?),
        )
    }

    /// The intranet room.
    pub async fn intranet(&self) -> Result<Option<RoomRow>, DbError> {
        let sql = format!(
            "SELECT {ROOM_COLS} FROM rooms_room WHERE kind = 'intranet' ORDER BY created_at LIMIT 1"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_optional(pool).await?),
        )
    }

    /// Stores a room; a second team room of a unit or direct room of a
    /// pair is not made (false).
    pub async fn insert_room(&self, tx: &mut Tx, r: &RoomRow) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_room (id, kind, name, description, org_unit_id, direct_key, last_seq, archived_at, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
        ).bind(r.id).bind(&r.kind).bind(&r.name).bind(&r.description).bind(r.org_unit_id).bind(&r.direct_key)
        .bind(r.last_seq).bind(r.archived_at).bind(&r.created_by).bind(r.created_at).bind(r.updated_at)
        .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Archives a room (or opens it again).
    pub async fn set_archived(
        &self,
        tx: &mut Tx,
        id: Uuid,
        at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query("UPDATE rooms_room SET archived_at = $1, updated_at = $2 WHERE id = $3")
            .bind(at).bind(now).bind(id).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Explicit members of a room.
    pub async fn members(&self, room: Uuid) -> Result<Vec<MemberRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as(
            "SELECT room_id, account_id, role, added_by, created_at FROM rooms_member WHERE room_id = $1 ORDER BY created_at",
        ).bind(room).fetch_all(pool).await?))
    }

    /// An account's explicit memberships.
    pub async fn memberships(&self, account: Uuid) -> Result<Vec<MemberRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as(
            "SELECT room_id, account_id, role, added_by, created_at FROM rooms_member WHERE account_id = $1",
        ).bind(account).fetch_all(pool).await?))
    }

    /// Adds a member or changes their role.
    pub async fn put_member(&self, tx: &mut Tx, m: &MemberRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_member (room_id, account_id, role, added_by, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (room_id, account_id) DO UPDATE SET role = excluded.role",
        ).bind(m.room_id).bind(m.account_id).bind(&m.role).bind(&m.added_by).bind(m.created_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Removes a member; false when they were none.
    pub async fn delete_member(
        &self,
        tx: &mut Tx,
        room: Uuid,
        account: Uuid,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query("DELETE FROM rooms_member WHERE room_id = $1 AND account_id = $2")
            .bind(room).bind(account).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// The message a sender stored under `key`, if any.
    pub async fn message_by_key(
        &self,
        tx: &mut Tx,
        author: Uuid,
        key: &str,
    ) -> Result<Option<MessageRow>, DbError> {
        let sql = format!(
            "SELECT {MESSAGE_COLS} FROM rooms_message WHERE author_id = $1 AND client_key = $2"
        );
        Ok(
            on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(author).bind(key).fetch_optional(conn).await?),
        )
    }

    /// Raises the room's sequence and returns the new number (the row
    /// stays locked until the transaction ends: messages of a room are
    /// numbered in the order they commit).
    pub async fn next_seq(&self, tx: &mut Tx, room: Uuid) -> Result<i64, DbError> {
        Ok(on_tx!(tx, conn => sqlx::query_scalar(
            "UPDATE rooms_room SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
        ).bind(room).fetch_one(conn).await?))
    }

    /// Stores a message.
    pub async fn insert_message(&self, tx: &mut Tx, m: &MessageRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_message (id, room_id, seq, author_id, author_name, parent_id, body, client_key, created_at, edited_at, deleted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        ).bind(m.id).bind(m.room_id).bind(m.seq).bind(m.author_id).bind(&m.author_name).bind(m.parent_id)
        .bind(&m.body).bind(&m.client_key).bind(m.created_at).bind(m.edited_at).bind(m.deleted_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// A message.
    pub async fn message(&self, id: Uuid) -> Result<Option<MessageRow>, DbError> {
        let sql = format!("SELECT {MESSAGE_COLS} FROM rooms_message WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// The newest `limit` first messages of threads (not replies) of a
    /// room, oldest first, with the number of replies each has.
    pub async fn latest(&self, room: Uuid, limit: i64) -> Result<Vec<(MessageRow, i64)>, DbError> {
        let sql = format!(
            "SELECT {MESSAGE_COLS}, (SELECT COUNT(*) FROM rooms_message r WHERE r.parent_id = m.id AND r.deleted_at IS NULL) AS replies
             FROM rooms_message m WHERE room_id = $1 AND parent_id IS NULL ORDER BY seq DESC LIMIT $2"
        );
        let rows: Vec<MessageWithReplies> = on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(room).bind(limit).fetch_all(pool).await?);
        let mut out: Vec<(MessageRow, i64)> =
            rows.into_iter().map(|r| (r.message, r.replies)).collect();
        out.reverse();
        Ok(out)
    }

    /// Messages of a room after `seq` (threads and replies), oldest first.
    pub async fn since(
        &self,
        room: Uuid,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<MessageRow>, DbError> {
        let sql = format!(
            "SELECT {MESSAGE_COLS} FROM rooms_message WHERE room_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(room).bind(seq).bind(limit).fetch_all(pool).await?),
        )
    }

    /// The replies of a thread, oldest first.
    pub async fn replies(&self, parent: Uuid) -> Result<Vec<MessageRow>, DbError> {
        let sql =
            format!("SELECT {MESSAGE_COLS} FROM rooms_message WHERE parent_id = $1 ORDER BY seq");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(parent).fetch_all(pool).await?),
        )
    }

    /// Replaces a message's text, keeping the old one as a version.
    pub async fn edit_message(
        &self,
        tx: &mut Tx,
        old: &MessageRow,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let version: i32 = on_tx!(tx, conn => sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM rooms_message_version WHERE message_id = $1",
        ).bind(old.id).fetch_one(conn).await?);
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_message_version (message_id, version, body, replaced_at) VALUES ($1, $2, $3, $4)",
        ).bind(old.id).bind(version).bind(&old.body).bind(now).execute(conn).await?.rows_affected());
        on_tx!(tx, conn => sqlx::query("UPDATE rooms_message SET body = $1, edited_at = $2 WHERE id = $3")
            .bind(body).bind(now).bind(old.id).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Deletes a message's text and its earlier versions (the row stays
    /// so threads and numbering hold; it shows as deleted).
    pub async fn delete_message(
        &self,
        tx: &mut Tx,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query("DELETE FROM rooms_message_version WHERE message_id = $1")
            .bind(id).execute(conn).await?.rows_affected());
        on_tx!(tx, conn => sqlx::query("DELETE FROM rooms_mention WHERE message_id = $1")
            .bind(id).execute(conn).await?.rows_affected());
        on_tx!(tx, conn => sqlx::query("UPDATE rooms_message SET body = '', deleted_at = $1 WHERE id = $2")
            .bind(now).bind(id).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Earlier texts of a message, oldest first.
    pub async fn versions(&self, id: Uuid) -> Result<Vec<VersionRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as(
            "SELECT message_id, version, body, replaced_at FROM rooms_message_version WHERE message_id = $1 ORDER BY version",
        ).bind(id).fetch_all(pool).await?))
    }

    /// Records mentions.
    pub async fn insert_mentions(
        &self,
        tx: &mut Tx,
        message: Uuid,
        people: &[Uuid],
    ) -> Result<(), DbError> {
        for p in people {
            on_tx!(tx, conn => sqlx::query(
                "INSERT INTO rooms_mention (message_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            ).bind(message).bind(p).execute(conn).await?.rows_affected());
        }
        Ok(())
    }

    /// Messages mentioning a person, newest first.
    pub async fn mentions_of(&self, account: Uuid, limit: i64) -> Result<Vec<MessageRow>, DbError> {
        let sql = format!(
            "SELECT {} FROM rooms_message m JOIN rooms_mention n ON n.message_id = m.id WHERE n.account_id = $1 ORDER BY m.created_at DESC LIMIT $2",
            MESSAGE_COLS
                .split(", ")
                .map(|c| format!("m.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(account).bind(limit).fetch_all(pool).await?),
        )
    }

    /// Marks a room read up to `seq` (never backwards).
    pub async fn mark_read(
        &self,
        tx: &mut Tx,
        room: Uuid,
        account: Uuid,
        seq: i64,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_read (room_id, account_id, read_seq) VALUES ($1, $2, $3)
             ON CONFLICT (room_id, account_id) DO UPDATE SET read_seq = CASE WHEN excluded.read_seq > rooms_read.read_seq THEN excluded.read_seq ELSE rooms_read.read_seq END",
        ).bind(room).bind(account).bind(seq).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Unread messages per room for a person: others' messages after what
    /// they read, not deleted.
    pub async fn unread(&self, account: Uuid, rooms: &[Uuid]) -> Result<Vec<(Uuid, i64)>, DbError> {
        if rooms.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT m.room_id, COUNT(*) FROM rooms_message m
             LEFT JOIN rooms_read r ON r.room_id = m.room_id AND r.account_id = $1
             WHERE m.room_id IN ({}) AND m.author_id <> $1 AND m.deleted_at IS NULL AND m.seq > COALESCE(r.read_seq, 0)
             GROUP BY m.room_id",
            placeholders_from(2, rooms.len())
        );
        Ok(on_db!(&self.db, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(account);
            for r in rooms { q = q.bind(r); }
            q.fetch_all(pool).await?
        }))
    }
}

/// A wiki page as it is now.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PageRow {
    /// Id.
    pub id: Uuid,
    /// Room.
    pub room_id: Uuid,
    /// Its address in the room (from the title).
    pub slug: String,
    /// Title.
    pub title: String,
    /// Markdown.
    pub body: String,
    /// 1, 2, …: raised by every change.
    pub revision: i32,
    /// Shown on the room's start page.
    pub pinned: bool,
    /// Who changed it last.
    pub updated_by: String,
    /// Made.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const PAGE_COLS: &str =
    "id, room_id, slug, title, body, revision, pinned, updated_by, created_at, updated_at";

/// A revision of a wiki page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RevisionRow {
    /// Page.
    pub page_id: Uuid,
    /// Its number.
    pub revision: i32,
    /// Title then.
    pub title: String,
    /// Markdown then.
    pub body: String,
    /// Who wrote it.
    pub author_id: Uuid,
    /// Their name.
    pub author_name: String,
    /// The revision a restore brought back.
    pub restored_from: Option<i32>,
    /// When.
    pub created_at: DateTime<Utc>,
}

const REVISION_COLS: &str =
    "page_id, revision, title, body, author_id, author_name, restored_from, created_at";

/// A news post.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PostRow {
    /// Id.
    pub id: Uuid,
    /// Room.
    pub room_id: Uuid,
    /// Title.
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Author.
    pub author_id: Uuid,
    /// Their name.
    pub author_name: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A comment on a news post.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CommentRow {
    /// Id.
    pub id: Uuid,
    /// The post.
    pub post_id: Uuid,
    /// Author.
    pub author_id: Uuid,
    /// Their name.
    pub author_name: String,
    /// Plain text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl RoomsStore {
    /// The pages of a room: pinned first, then by title.
    pub async fn pages(&self, room: Uuid) -> Result<Vec<PageRow>, DbError> {
        let sql = format!(
            "SELECT {PAGE_COLS} FROM rooms_wiki_page WHERE room_id = $1 ORDER BY pinned DESC, title"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(room).fetch_all(pool).await?),
        )
    }

    /// A page by its address.
    pub async fn page(&self, room: Uuid, slug: &str) -> Result<Option<PageRow>, DbError> {
        let sql =
            format!("SELECT {PAGE_COLS} FROM rooms_wiki_page WHERE room_id = $1 AND slug = $2");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(room).bind(slug).fetch_optional(pool).await?),
        )
    }

    /// Stores a new page with its first revision; false when the address
    /// is taken.
    pub async fn insert_page(
        &self,
        tx: &mut Tx,
        p: &PageRow,
        r: &RevisionRow,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_wiki_page (id, room_id, slug, title, body, revision, pinned, updated_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
        ).bind(p.id).bind(p.room_id).bind(&p.slug).bind(&p.title).bind(&p.body).bind(p.revision).bind(p.pinned)
        .bind(&p.updated_by).bind(p.created_at).bind(p.updated_at).execute(conn).await?.rows_affected());
        if n == 1 {
            self.insert_revision(tx, r).await?;
        }
        Ok(n == 1)
    }

    async fn insert_revision(&self, tx: &mut Tx, r: &RevisionRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_wiki_revision (page_id, revision, title, body, author_id, author_name, restored_from, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ).bind(r.page_id).bind(r.revision).bind(&r.title).bind(&r.body).bind(r.author_id).bind(&r.author_name)
        .bind(r.restored_from).bind(r.created_at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Saves a new revision of a page if it is still at `base`; false when
    /// someone else saved in between (nothing is written then).
    pub async fn update_page(
        &self,
        tx: &mut Tx,
        base: i32,
        r: &RevisionRow,
        pinned: bool,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE rooms_wiki_page SET title = $1, body = $2, revision = $3, pinned = $4, updated_by = $5, updated_at = $6
             WHERE id = $7 AND revision = $8",
        ).bind(&r.title).bind(&r.body).bind(r.revision).bind(pinned).bind(&r.author_name).bind(r.created_at)
        .bind(r.page_id).bind(base).execute(conn).await?.rows_affected());
        if n == 1 {
            self.insert_revision(tx, r).await?;
        }
        Ok(n == 1)
    }

    /// The revisions of a page, newest first.
    pub async fn revisions(&self, page: Uuid) -> Result<Vec<RevisionRow>, DbError> {
        let sql = format!(
            "SELECT {REVISION_COLS} FROM rooms_wiki_revision WHERE page_id = $1 ORDER BY revision DESC"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(page).fetch_all(pool).await?),
        )
    }

    /// One revision.
    pub async fn revision(&self, page: Uuid, n: i32) -> Result<Option<RevisionRow>, DbError> {
        let sql = format!(
            "SELECT {REVISION_COLS} FROM rooms_wiki_revision WHERE page_id = $1 AND revision = $2"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(page).bind(n).fetch_optional(pool).await?),
        )
    }

    /// News of a room, newest first.
    pub async fn posts(&self, room: Uuid, limit: i64) -> Result<Vec<PostRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as(
            "SELECT id, room_id, title, body, author_id, author_name, created_at FROM rooms_post WHERE room_id = $1 ORDER BY created_at DESC LIMIT $2",
        ).bind(room).bind(limit).fetch_all(pool).await?))
    }

    /// A post.
    pub async fn post(&self, id: Uuid) -> Result<Option<PostRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as(
            "SELECT id, room_id, title, body, author_id, author_name, created_at FROM rooms_post WHERE id = $1",
        ).bind(id).fetch_optional(pool).await?))
    }

    /// Stores a post.
    pub async fn insert_post(&self, tx: &mut Tx, p: &PostRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_post (id, room_id, title, body, author_id, author_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ).bind(p.id).bind(p.room_id).bind(&p.title).bind(&p.body).bind(p.author_id).bind(&p.author_name).bind(p.created_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Comments of a post, oldest first.
    pub async fn comments(&self, post: Uuid) -> Result<Vec<CommentRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as(
            "SELECT id, post_id, author_id, author_name, body, created_at FROM rooms_comment WHERE post_id = $1 ORDER BY created_at, id",
        ).bind(post).fetch_all(pool).await?))
    }

    /// Stores a comment.
    pub async fn insert_comment(&self, tx: &mut Tx, c: &CommentRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_comment (id, post_id, author_id, author_name, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        ).bind(c.id).bind(c.post_id).bind(c.author_id).bind(&c.author_name).bind(&c.body).bind(c.created_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }
}

/// A video meeting of a room.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MeetingRow {
    /// Id.
    pub id: Uuid,
    /// Room.
    pub room_id: Uuid,
    /// Title.
    pub title: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// The Jitsi room's random name.
    #[serde(skip)]
    pub jitsi_room: String,
    /// Who scheduled it (moderates).
    pub organiser_id: Uuid,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The case of a video consultation (its applicant may join).
    pub case_id: Option<Uuid>,
}

const MEETING_COLS: &str =
    "id, room_id, title, starts_at, ends_at, jitsi_room, organiser_id, created_at, case_id";

impl RoomsStore {
    /// Meetings of a room ending after `since`, by start.
    pub async fn meetings(
        &self,
        room: Uuid,
        since: DateTime<Utc>,
    ) -> Result<Vec<MeetingRow>, DbError> {
        let sql = format!(
            "SELECT {MEETING_COLS} FROM rooms_meeting WHERE room_id = $1 AND ends_at > $2 ORDER BY starts_at"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(room).bind(since).fetch_all(pool).await?),
        )
    }

    /// A meeting.
    pub async fn meeting(&self, id: Uuid) -> Result<Option<MeetingRow>, DbError> {
        let sql = format!("SELECT {MEETING_COLS} FROM rooms_meeting WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// Stores a meeting.
    pub async fn insert_meeting(&self, tx: &mut Tx, m: &MeetingRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_meeting (id, room_id, title, starts_at, ends_at, jitsi_room, organiser_id, created_at, case_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        ).bind(m.id).bind(m.room_id).bind(&m.title).bind(m.starts_at).bind(m.ends_at).bind(&m.jitsi_room).bind(m.organiser_id).bind(m.created_at).bind(m.case_id)
        .execute(conn).await?.rows_affected());
        Ok(())
    }
}

impl RoomsStore {
    /// A wiki page by id.
    pub async fn page_by_id(&self, id: Uuid) -> Result<Option<PageRow>, DbError> {
        let sql = format!("SELECT {PAGE_COLS} FROM rooms_wiki_page WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// The ids of a table's rows matching a fixed condition (rebuilding
    /// the search index).
    pub async fn all_ids(
        &self,
        table: &'static str,
        condition: &'static str,
    ) -> Result<Vec<Uuid>, DbError> {
        let sql = format!("SELECT id FROM {table} WHERE {condition}");
        Ok(
            on_db!(&self.db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?),
        )
    }
}

#[derive(sqlx::FromRow)]
struct MessageWithReplies {
    #[sqlx(flatten)]
    message: MessageRow,
    replies: i64,
}

fn placeholders(n: usize) -> String {
    placeholders_from(1, n)
}

fn placeholders_from(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl RoomsStore {
    /// Every message of a room, oldest first (the room's export).
    pub async fn all_messages(&self, room: Uuid) -> Result<Vec<MessageRow>, DbError> {
        let sql =
            format!("SELECT {MESSAGE_COLS} FROM rooms_message WHERE room_id = $1 ORDER BY seq");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(room).fetch_all(pool).await?),
        )
    }

    /// Every meeting of a room, by start.
    pub async fn all_meetings(&self, room: Uuid) -> Result<Vec<MeetingRow>, DbError> {
        let sql = format!(
            "SELECT {MEETING_COLS} FROM rooms_meeting WHERE room_id = $1 ORDER BY starts_at"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(room).fetch_all(pool).await?),
        )
    }
}

/// A room's link to an E-Akte file (a case).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FileLinkRow {
    /// Room.
    pub room_id: Uuid,
    /// The case.
    pub file_id: Uuid,
    /// Reference and subject when linked.
    pub title: String,
    /// Who linked it.
    pub added_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl RoomsStore {
    /// A room's file links, newest first.
    pub async fn file_links(&self, room: Uuid) -> Result<Vec<FileLinkRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as(
            "SELECT room_id, file_id, title, added_by, created_at FROM rooms_file_link WHERE room_id = $1 ORDER BY created_at DESC",
        ).bind(room).fetch_all(pool).await?))
    }

    /// Adds a link (again: no change).
    pub async fn put_file_link(&self, tx: &mut Tx, l: &FileLinkRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO rooms_file_link (room_id, file_id, title, added_by, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        ).bind(l.room_id).bind(l.file_id).bind(&l.title).bind(&l.added_by).bind(l.created_at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Removes a link; false when there was none.
    pub async fn delete_file_link(
        &self,
        tx: &mut Tx,
        room: Uuid,
        file: Uuid,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query("DELETE FROM rooms_file_link WHERE room_id = $1 AND file_id = $2")
            .bind(room).bind(file).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }
}

impl RoomsStore {
    /// Removes a meeting nobody was told of yet.
    pub async fn delete_meeting(&self, id: Uuid) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query("DELETE FROM rooms_meeting WHERE id = $1").bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }
}
