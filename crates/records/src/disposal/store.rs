//! The SQL of disposal, once for both backends.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A closed file whose retention ended, with its file-plan node.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueFile {
    /// The file.
    pub id: Uuid,
    /// Its reference.
    pub reference: String,
    /// Subject.
    pub title: String,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Closed.
    pub closed_at: DateTime<Utc>,
    /// Last day of retention.
    pub retention_until: NaiveDate,
    /// Its node.
    pub plan_node_id: Uuid,
    /// Node code.
    pub plan_code: String,
    /// Node title.
    pub plan_title: String,
    /// Node retention.
    pub retention_years: i64,
    /// Node's proposal: `archive` or `destroy`.
    pub disposal: String,
}

const DUE_COLS: &str = "f.id, f.reference, f.title, f.created_at, f.closed_at, f.retention_until, n.id AS plan_node_id, n.code AS plan_code, n.title AS plan_title, n.retention_years, n.disposal";

/// A disposal process.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Process {
    /// Id; the ProzessID of its xdomea messages.
    pub id: Uuid,
    /// `offered`, `appraised`, `transferred` or `completed`.
    pub state: String,
    /// Who started it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The archive's receipt of the offer (0504).
    pub offer_received_at: Option<DateTime<Utc>>,
    /// The appraisal (0502, or the catalogue).
    pub appraised_at: Option<DateTime<Utc>>,
    /// The transfer written (0503).
    pub transferred_at: Option<DateTime<Utc>>,
    /// The archive's receipt of the transfer (0507).
    pub transfer_received_at: Option<DateTime<Utc>>,
    /// The import confirmed (0506) and the records disposed of.
    pub completed_at: Option<DateTime<Utc>>,
}

const PROCESS_COLS: &str = "id, state, created_by, created_at, offer_received_at, appraised_at, transferred_at, transfer_received_at, completed_at";

/// A file in a process; after disposal, the disposal record.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Item {
    /// The process.
    pub process_id: Uuid,
    /// The file (gone once disposed of).
    pub file_id: Uuid,
    /// File reference.
    pub reference: String,
    /// Subject.
    pub title: String,
    /// File-plan code.
    pub plan_code: String,
    /// Closed.
    pub closed_at: DateTime<Utc>,
    /// Last day of retention.
    pub retention_until: NaiveDate,
    /// `archive` or `destroy`; none until appraised.
    pub decision: Option<String>,
    /// `appraisal` (0502) or `catalogue` (0513).
    pub decided_by: Option<String>,
    /// `pending`, `archived`, `destroyed`, `failed` (the archive could not
    /// import it; the file stays) or `held` (a legal hold kept it).
    pub outcome: String,
    /// The archive's signature.
    pub archive_id: Option<String>,
    /// The archive's error.
    pub error: Option<String>,
    /// When the file was deleted here.
    pub disposed_at: Option<DateTime<Utc>>,
}

const ITEM_COLS: &str = "process_id, file_id, reference, title, plan_code, closed_at, retention_until, decision, decided_by, outcome, archive_id, error, disposed_at";

/// An xdomea message written or read.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MessageRow {
    /// Id.
    pub id: Uuid,
    /// The process.
    pub process_id: Uuid,
    /// `0501` … `0513`.
    pub code: String,
    /// `out` (written here) or `in` (from the archive).
    pub direction: String,
    /// Its file name.
    pub file_name: String,
    /// Blob key of its content.
    pub sha256: String,
    /// Who wrote or uploaded it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A legal hold.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Hold {
    /// Id.
    pub id: Uuid,
    /// The file.
    pub file_id: Uuid,
    /// Its reference (none once the file is gone).
    pub reference: Option<String>,
    /// Why (litigation, a request …).
    pub reason: String,
    /// Who set it.
    pub set_by: String,
    /// When.
    pub set_at: DateTime<Utc>,
    /// Who lifted it.
    pub lifted_by: Option<String>,
    /// When.
    pub lifted_at: Option<DateTime<Utc>>,
}

/// The disposal tables.
#[derive(Clone)]
pub struct DisposalStore {
    db: Db,
}

impl DisposalStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        DisposalStore { db }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Closed files whose retention ended before `today`, without an
    /// active legal hold and not in a process that is still running.
    pub async fn due_files(&self, today: NaiveDate, limit: i64) -> Result<Vec<DueFile>, DbError> {
        let sql = format!(
            "SELECT {DUE_COLS} FROM records_file f JOIN records_plan_node n ON n.id = f.plan_node_id
             WHERE f.closed_at IS NOT NULL AND f.retention_until < $1
               AND NOT EXISTS (SELECT 1 FROM records_legal_hold h WHERE h.file_id = f.id AND h.lifted_at IS NULL)
               AND NOT EXISTS (SELECT 1 FROM records_disposal_item i WHERE i.file_id = f.id AND i.outcome = 'pending')
             ORDER BY f.retention_until, f.reference LIMIT $2"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, DueFile>(sqlx::AssertSqlSafe(sql)).bind(today).bind(limit).fetch_all(pool).await?),
        )
    }

    /// The file-plan node of each file named with its catalogue decision
    /// (the nearest node up the plan that has one).
    pub async fn catalogue(&self) -> Result<Vec<(Uuid, String)>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, (Uuid, String)>("SELECT plan_node_id, decision FROM records_appraisal_catalogue").fetch_all(pool).await?),
        )
    }

    /// Node and its parent, for every node (the catalogue is inherited).
    pub async fn node_parents(&self) -> Result<Vec<(Uuid, Option<Uuid>)>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, (Uuid, Option<Uuid>)>("SELECT id, parent_id FROM records_plan_node").fetch_all(pool).await?),
        )
    }

    /// Sets a node's catalogue decision.
    pub async fn set_catalogue(
        &self,
        tx: &mut Tx,
        node: Uuid,
        decision: &str,
        process: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO records_appraisal_catalogue (plan_node_id, decision, process_id, received_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (plan_node_id) DO UPDATE SET decision = $2, process_id = $3, received_at = $4",
        ).bind(node).bind(decision).bind(process).bind(at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Adds a process.
    pub async fn insert_process(&self, tx: &mut Tx, p: &Process) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO records_disposal (id, state, created_by, created_at, appraised_at) VALUES ($1, $2, $3, $4, $5)",
        ).bind(p.id).bind(&p.state).bind(&p.created_by).bind(p.created_at).bind(p.appraised_at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Adds a file to a process.
    pub async fn insert_item(&self, tx: &mut Tx, i: &Item) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO records_disposal_item (process_id, file_id, reference, title, plan_code, closed_at, retention_until, decision, decided_by, outcome)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending')",
        ).bind(i.process_id).bind(i.file_id).bind(&i.reference).bind(&i.title).bind(&i.plan_code).bind(i.closed_at)
        .bind(i.retention_until).bind(&i.decision).bind(&i.decided_by).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// One process.
    pub async fn process(&self, id: Uuid) -> Result<Option<Process>, DbError> {
        let sql = format!("SELECT {PROCESS_COLS} FROM records_disposal WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Process>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// The process, locked for the transaction (one answer at a time).
    pub async fn lock_process(&self, tx: &mut Tx, id: Uuid) -> Result<Option<Process>, DbError> {
        // A no-op write takes the row lock on PostgreSQL; SQLite has one
        // writer anyway.
        on_tx!(tx, conn => sqlx::query("UPDATE records_disposal SET state = state WHERE id = $1").bind(id).execute(conn).await?.rows_affected());
        let sql = format!("SELECT {PROCESS_COLS} FROM records_disposal WHERE id = $1");
        Ok(
            on_tx!(tx, conn => sqlx::query_as::<_, Process>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?),
        )
    }

    /// All processes, newest first.
    pub async fn processes(&self) -> Result<Vec<Process>, DbError> {
        let sql = format!(
            "SELECT {PROCESS_COLS} FROM records_disposal ORDER BY created_at DESC, id DESC LIMIT 200"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Process>(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?),
        )
    }

    /// The files of a process, by reference.
    pub async fn items(&self, process: Uuid) -> Result<Vec<Item>, DbError> {
        let sql = format!(
            "SELECT {ITEM_COLS} FROM records_disposal_item WHERE process_id = $1 ORDER BY reference"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Item>(sqlx::AssertSqlSafe(sql)).bind(process).fetch_all(pool).await?),
        )
    }

    /// The disposal record of a file (every process it was in).
    pub async fn items_of_file(&self, file: Uuid) -> Result<Vec<Item>, DbError> {
        let sql = format!(
            "SELECT {ITEM_COLS} FROM records_disposal_item WHERE file_id = $1 ORDER BY closed_at"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Item>(sqlx::AssertSqlSafe(sql)).bind(file).fetch_all(pool).await?),
        )
    }

    /// Moves a process on; `column` is one of the fixed timestamp columns.
    pub async fn advance(
        &self,
        tx: &mut Tx,
        id: Uuid,
        state: &str,
        column: Stamp,
        at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let sql = format!(
            "UPDATE records_disposal SET state = $1, {} = $2 WHERE id = $3",
            column.column()
        );
        on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(state).bind(at).bind(id).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Records the archive's decision on a file.
    pub async fn decide(
        &self,
        tx: &mut Tx,
        process: Uuid,
        file: Uuid,
        decision: &str,
        by: &str,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE records_disposal_item SET decision = $1, decided_by = $2 WHERE process_id = $3 AND file_id = $4",
        ).bind(decision).bind(by).bind(process).bind(file).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Records what became of a file.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_item(
        &self,
        tx: &mut Tx,
        process: Uuid,
        file: Uuid,
        outcome: &str,
        archive_id: Option<&str>,
        error: Option<&str>,
        disposed_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE records_disposal_item SET outcome = $1, archive_id = $2, error = $3, disposed_at = $4 WHERE process_id = $5 AND file_id = $6",
        ).bind(outcome).bind(archive_id).bind(error).bind(disposed_at).bind(process).bind(file).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Keeps a message.
    pub async fn insert_message(&self, tx: &mut Tx, m: &MessageRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO records_disposal_message (id, process_id, code, direction, file_name, sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ).bind(m.id).bind(m.process_id).bind(&m.code).bind(&m.direction).bind(&m.file_name).bind(&m.sha256)
        .bind(&m.created_by).bind(m.created_at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The messages of a process, oldest first.
    pub async fn messages(&self, process: Uuid) -> Result<Vec<MessageRow>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, MessageRow>("SELECT id, process_id, code, direction, file_name, sha256, created_by, created_at FROM records_disposal_message WHERE process_id = $1 ORDER BY created_at, id").bind(process).fetch_all(pool).await?),
        )
    }

    /// Adds a legal hold.
    pub async fn insert_hold(&self, h: &Hold) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query(
            "INSERT INTO records_legal_hold (id, file_id, reason, set_by, set_at) VALUES ($1, $2, $3, $4, $5)",
        ).bind(h.id).bind(h.file_id).bind(&h.reason).bind(&h.set_by).bind(h.set_at).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Lifts a hold; false when it was lifted before or does not exist.
    pub async fn lift_hold(&self, id: Uuid, by: &str, at: DateTime<Utc>) -> Result<bool, DbError> {
        let n = on_db!(&self.db, pool => sqlx::query(
            "UPDATE records_legal_hold SET lifted_by = $1, lifted_at = $2 WHERE id = $3 AND lifted_at IS NULL",
        ).bind(by).bind(at).bind(id).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Holds, active first, then by time.
    pub async fn holds(&self) -> Result<Vec<Hold>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Hold>("SELECT h.id, h.file_id, f.reference, h.reason, h.set_by, h.set_at, h.lifted_by, h.lifted_at FROM records_legal_hold h LEFT JOIN records_file f ON f.id = h.file_id ORDER BY h.lifted_at IS NOT NULL, h.set_at DESC LIMIT 500").fetch_all(pool).await?),
        )
    }

    /// True when the file has an active hold (inside the deleting
    /// transaction, so a hold set meanwhile is seen).
    pub async fn held_in(&self, tx: &mut Tx, file: Uuid) -> Result<bool, DbError> {
        let n: i64 = on_tx!(tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM records_legal_hold WHERE file_id = $1 AND lifted_at IS NULL").bind(file).fetch_one(conn).await?);
        Ok(n > 0)
    }

    /// Deletes a file with its documents, versions, texts, upload keys and
    /// lifted holds; returns its documents and its versions' blob keys.
    pub async fn delete_file_in(
        &self,
        tx: &mut Tx,
        file: Uuid,
    ) -> Result<(Vec<Uuid>, Vec<String>), DbError> {
        let documents: Vec<Uuid> = on_tx!(tx, conn => sqlx::query_scalar("SELECT id FROM records_document WHERE file_id = $1").bind(file).fetch_all(conn).await?);
        let blobs: Vec<String> = on_tx!(tx, conn => sqlx::query_scalar("SELECT DISTINCT v.sha256 FROM records_version v JOIN records_document d ON d.id = v.document_id WHERE d.file_id = $1").bind(file).fetch_all(conn).await?);
        let versions = "SELECT v.id FROM records_version v JOIN records_document d ON d.id = v.document_id WHERE d.file_id = $1";
        for sql in [
            format!("DELETE FROM records_text WHERE version_id IN ({versions})"),
            format!("DELETE FROM records_upload_key WHERE version_id IN ({versions})"),
            "DELETE FROM records_version WHERE document_id IN (SELECT id FROM records_document WHERE file_id = $1)".to_owned(),
            "DELETE FROM records_document WHERE file_id = $1".to_owned(),
            "DELETE FROM records_legal_hold WHERE file_id = $1".to_owned(),
            "DELETE FROM records_file WHERE id = $1".to_owned(),
        ] {
            on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(file).execute(conn).await?.rows_affected());
        }
        Ok((documents, blobs))
    }

    /// True when a version still points to the blob.
    pub async fn blob_in_use(&self, sha256: &str) -> Result<bool, DbError> {
        let n: i64 = on_db!(&self.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM records_version WHERE sha256 = $1").bind(sha256).fetch_one(pool).await?);
        Ok(n > 0)
    }
}

/// The timestamp columns of a process.
#[derive(Debug, Clone, Copy)]
pub enum Stamp {
    /// 0504 read.
    OfferReceived,
    /// 0502 read (or the catalogue decided).
    Appraised,
    /// 0503 written.
    Transferred,
    /// 0507 read.
    TransferReceived,
    /// 0506 read, records disposed of.
    Completed,
}

impl Stamp {
    fn column(self) -> &'static str {
        match self {
            Stamp::OfferReceived => "offer_received_at",
            Stamp::Appraised => "appraised_at",
            Stamp::Transferred => "transferred_at",
            Stamp::TransferReceived => "transfer_received_at",
            Stamp::Completed => "completed_at",
        }
    }
}
