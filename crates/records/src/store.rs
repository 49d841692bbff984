//! The SQL of the records context, once for both backends. Versions are
//! only inserted; file references draw their number from
//! `records_sequence` in the caller's transaction.

use crate::domain::{Disposal, PlanNode, PlanNodeInput};
use chrono::{DateTime, Utc};
use kernel::{DocumentId, DocumentVersionId, PlanNodeId, RecordFileId};
use serde::Serialize;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct NodeRow {
    id: Uuid,
    parent_id: Option<Uuid>,
    code: String,
    title: String,
    retention_years: i64,
    disposal: String,
}

impl From<NodeRow> for PlanNode {
    fn from(r: NodeRow) -> Self {
        PlanNode {
            id: PlanNodeId(r.id),
            parent: r.parent_id.map(PlanNodeId),
            code: r.code,
            title: r.title,
            retention_years: r.retention_years,
            disposal: Disposal::parse(&r.disposal).unwrap_or(Disposal::Archive),
        }
    }
}

/// A file (Akte).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RecordFile {
    /// Id.
    #[schema(value_type = String)]
    pub id: Uuid,
    /// The file-plan node it is filed under.
    #[schema(value_type = String)]
    pub plan_node_id: Uuid,
    /// File reference, e.g. `32.10-2026-000123`.
    pub reference: String,
    /// Subject.
    pub title: String,
    /// Who created it (access-log label).
    pub created_by: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Closed (the retention period runs from here).
    pub closed_at: Option<DateTime<Utc>>,
    /// Last day of its retention: 31 December of the closing year plus the
    /// file-plan node's years.
    pub retention_until: Option<chrono::NaiveDate>,
    /// The org unit whose staff may find it in the search.
    #[schema(value_type = Option<String>)]
    pub org_unit_id: Option<Uuid>,
}

/// An immutable version of a document.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Version {
    /// Id.
    #[schema(value_type = String)]
    pub id: Uuid,
    /// The document.
    #[schema(value_type = String)]
    pub document_id: Uuid,
    /// 1, 2, 3 … per document.
    pub number: i64,
    /// SHA-256 of the content, hex; also its key in the blob store.
    pub sha256: String,
    /// Media type taken from the content.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// The name it was uploaded with (downloads keep it).
    pub file_name: String,
    /// Who added it.
    pub author: String,
    /// Version note.
    pub note: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Access to the records tables.
#[derive(Debug, Clone)]
pub struct RecordsStore {
    db: Db,
}

impl RecordsStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        RecordsStore { db }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The whole file plan, ordered by code.
    pub async fn plan(&self) -> Result<Vec<PlanNode>, DbError> {
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, NodeRow>(
            "SELECT id, parent_id, code, title, retention_years, disposal FROM records_plan_node ORDER BY code",
        ).fetch_all(pool).await?);
        Ok(rows.into_iter().map(PlanNode::from).collect())
    }

    /// Adds a node or, when its code exists, changes title and retention.
    pub async fn upsert_node(
        &self,
        tx: &mut Tx,
        n: &PlanNodeInput,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO records_plan_node (id, parent_id, code, title, retention_years, disposal, created_at, updated_at)
             VALUES ($1, (SELECT id FROM records_plan_node WHERE code = $2), $3, $4, $5, $6, $7, $7)
             ON CONFLICT (code) DO UPDATE SET title = $4, retention_years = $5, disposal = $6, updated_at = $7",
        ).bind(Uuid::now_v7()).bind(n.parent.as_deref()).bind(&n.code).bind(n.title.trim()).bind(n.retention_years)
        .bind(n.disposal.as_str()).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The node with `code`.
    pub async fn node_by_code(&self, code: &str) -> Result<Option<PlanNode>, DbError> {
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, NodeRow>(
            "SELECT id, parent_id, code, title, retention_years, disposal FROM records_plan_node WHERE code = $1",
        ).bind(code).fetch_optional(pool).await?);
        Ok(row.map(PlanNode::from))
    }

    /// The node with `code`, read in the caller's transaction (a second
    /// pool connection could be unavailable while transactions hold them).
    pub async fn node_by_code_in(
        &self,
        tx: &mut Tx,
        code: &str,
    ) -> Result<Option<PlanNode>, DbError> {
        let row = on_tx!(tx, conn => sqlx::query_as::<_, NodeRow>(
            "SELECT id, parent_id, code, title, retention_years, disposal FROM records_plan_node WHERE code = $1",
        ).bind(code).fetch_optional(conn).await?);
        Ok(row.map(PlanNode::from))
    }

    /// Takes the next number of `code` in `year` (1 for the first). The row
    /// stays locked until the transaction ends, so concurrent files queue
    /// and a rollback returns the number.
    pub async fn next_number(&self, tx: &mut Tx, code: &str, year: i32) -> Result<i64, DbError> {
        Ok(on_tx!(tx, conn => sqlx::query_scalar(
            "INSERT INTO records_sequence (code, year, last) VALUES ($1, $2, 1)
             ON CONFLICT (code, year) DO UPDATE SET last = records_sequence.last + 1
             RETURNING last",
        ).bind(code).bind(i64::from(year)).fetch_one(conn).await?))
    }

    /// Adds a file.
    pub async fn insert_file(&self, tx: &mut Tx, f: &RecordFile) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO records_file (id, plan_node_id, reference, title, created_by, created_at, org_unit_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ).bind(f.id).bind(f.plan_node_id).bind(&f.reference).bind(&f.title).bind(&f.created_by).bind(f.created_at)
        .bind(f.org_unit_id).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// One file.
    pub async fn file(&self, id: RecordFileId) -> Result<Option<RecordFile>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, RecordFile>(
            "SELECT id, plan_node_id, reference, title, created_by, created_at, closed_at, org_unit_id, retention_until FROM records_file WHERE id = $1",
        ).bind(id.0).fetch_optional(pool).await?))
    }

    /// A file by its reference.
    pub async fn file_by_reference(&self, reference: &str) -> Result<Option<RecordFile>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, RecordFile>(
            "SELECT id, plan_node_id, reference, title, created_by, created_at, closed_at, org_unit_id, retention_until FROM records_file WHERE reference = $1",
        ).bind(reference).fetch_optional(pool).await?))
    }

    /// The retention years of a file's node, read in the transaction.
    pub async fn retention_years_in(
        &self,
        tx: &mut Tx,
        file: RecordFileId,
    ) -> Result<Option<i64>, DbError> {
        Ok(on_tx!(tx, conn => sqlx::query_scalar(
            "SELECT n.retention_years FROM records_file f JOIN records_plan_node n ON n.id = f.plan_node_id WHERE f.id = $1",
        ).bind(file.0).fetch_optional(conn).await?))
    }

    /// Closes an open file; false when it was closed before.
    pub async fn close_in(
        &self,
        tx: &mut Tx,
        file: RecordFileId,
        at: DateTime<Utc>,
        until: chrono::NaiveDate,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE records_file SET closed_at = $2, retention_until = $3 WHERE id = $1 AND closed_at IS NULL",
        ).bind(file.0).bind(at).bind(until).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// The files under a node, newest first.
    pub async fn files_of(&self, node: PlanNodeId) -> Result<Vec<RecordFile>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, RecordFile>(
            "SELECT id, plan_node_id, reference, title, created_by, created_at, closed_at, org_unit_id, retention_until FROM records_file WHERE plan_node_id = $1 ORDER BY reference DESC",
        ).bind(node.0).fetch_all(pool).await?))
    }

    /// Adds a document.
    pub async fn insert_document(
        &self,
        tx: &mut Tx,
        id: DocumentId,
        file: RecordFileId,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO records_document (id, file_id, title, created_at) VALUES ($1, $2, $3, $4)",
        ).bind(id.0).bind(file.0).bind(title).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The file a document belongs to.
    pub async fn file_of_document(&self, id: DocumentId) -> Result<Option<RecordFileId>, DbError> {
        let row: Option<Uuid> = on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT file_id FROM records_document WHERE id = $1",
        ).bind(id.0).fetch_optional(pool).await?);
        Ok(row.map(RecordFileId))
    }

    /// Adds the next version of a document; its number is one more than the
    /// highest so far (unique per document, so a race fails instead of
    /// overwriting).
    pub async fn insert_version(&self, tx: &mut Tx, v: &Version) -> Result<i64, DbError> {
        Ok(on_tx!(tx, conn => sqlx::query_scalar(
            "INSERT INTO records_version (id, document_id, number, sha256, media_type, size, file_name, author, note, created_at)
             VALUES ($1, $2, (SELECT COALESCE(MAX(number), 0) + 1 FROM records_version WHERE document_id = $2), $3, $4, $5, $6, $7, $8, $9)
             RETURNING number",
        ).bind(v.id).bind(v.document_id).bind(&v.sha256).bind(&v.media_type).bind(v.size)
        .bind(&v.file_name).bind(&v.author).bind(&v.note).bind(v.created_at).fetch_one(conn).await?))
    }

    /// The file a document belongs to, read inside a transaction.
    pub async fn file_of_document_in(
        &self,
        tx: &mut Tx,
        id: DocumentId,
    ) -> Result<Option<RecordFileId>, DbError> {
        let f: Option<Uuid> = on_tx!(tx, conn => sqlx::query_scalar(
            "SELECT file_id FROM records_document WHERE id = $1",
        ).bind(id.0).fetch_optional(conn).await?);
        Ok(f.map(RecordFileId))
    }

    /// The version made by an upload with an idempotency key.
    pub async fn upload_key(&self, caller: &str, key: &str) -> Result<Option<Uuid>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT version_id FROM records_upload_key WHERE caller = $1 AND key = $2",
        ).bind(caller).bind(key).fetch_optional(pool).await?))
    }

    /// Remembers the version an upload with an idempotency key made.
    pub async fn insert_upload_key(
        &self,
        tx: &mut Tx,
        caller: &str,
        key: &str,
        version: DocumentVersionId,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO records_upload_key (caller, key, version_id, created_at) VALUES ($1, $2, $3, $4)",
        ).bind(caller).bind(key).bind(version.0).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The versions of a document, oldest first.
    pub async fn versions(&self, id: DocumentId) -> Result<Vec<Version>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Version>(
            "SELECT id, document_id, number, sha256, media_type, size, file_name, author, note, created_at
             FROM records_version WHERE document_id = $1 ORDER BY number",
        ).bind(id.0).fetch_all(pool).await?))
    }

    /// One version.
    pub async fn version(&self, id: DocumentVersionId) -> Result<Option<Version>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Version>(
            "SELECT id, document_id, number, sha256, media_type, size, file_name, author, note, created_at
             FROM records_version WHERE id = $1",
        ).bind(id.0).fetch_optional(pool).await?))
    }

    /// The documents of a file with their versions (oldest first).
    pub async fn documents_of(
        &self,
        file: RecordFileId,
    ) -> Result<Vec<DocumentWithVersions>, DbError> {
        let docs: Vec<(Uuid, String)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT id, title FROM records_document WHERE file_id = $1 ORDER BY created_at, id",
        ).bind(file.0).fetch_all(pool).await?);
        let versions: Vec<Version> = on_db!(&self.db, pool => sqlx::query_as::<_, Version>(
            "SELECT v.id, v.document_id, v.number, v.sha256, v.media_type, v.size, v.file_name, v.author, v.note, v.created_at
             FROM records_version v JOIN records_document d ON d.id = v.document_id WHERE d.file_id = $1 ORDER BY v.number",
        ).bind(file.0).fetch_all(pool).await?);
        Ok(docs
            .into_iter()
            .map(|(id, title)| DocumentWithVersions {
                id,
                title,
                versions: versions
                    .iter()
                    .filter(|v| v.document_id == id)
                    .cloned()
                    .collect(),
            })
            .collect())
    }
}

/// A document with its versions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentWithVersions {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Versions, oldest first.
    pub versions: Vec<Version>,
}

impl DocumentWithVersions {
    /// The newest version.
    pub fn latest(&self) -> Option<&Version> {
        self.versions.last()
    }
}
