//! One database, two backends. [`Db`] wraps either a SQLite or a PostgreSQL
//! pool; store code writes its SQL once (with `$1` placeholders, which both
//! backends accept) and runs it through [`on_db!`](crate::on_db) or
//! [`on_tx!`](crate::on_tx), which expand the same code for each backend so
//! the compiler type-checks it against both.

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, SqliteConnection, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedMutexGuard, oneshot};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no supported backend.
    #[error("unsupported database URL (use sqlite://… or postgres://…): {0}")]
    UnsupportedUrl(String),
    /// A driver error.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The group commit of SQLite writers failed (nothing of the
    /// transaction is stored).
    #[error("commit failed: {0}")]
    Commit(String),
}

impl DbError {
    /// True when the error is a violated unique constraint.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, DbError::Sqlx(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

/// Which backend a [`Db`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A connection pool to one of the two backends.
#[derive(Debug, Clone)]
pub enum Db {
    /// SQLite (embedded default), with the lock its write transactions
    /// queue on.
    Sqlite(SqlitePool, WriteLock),
    /// PostgreSQL (scale-out).
    Postgres(PgPool),
}

/// SQLite has one writer at a time. Write transactions of this process
/// wait for each other on this lock, in order, instead of in SQLite's busy
/// handler, which sleeps in steps of up to 100 ms and turned every
/// collision with the job runner into a latency spike (W6 p99).
///
/// It also commits in groups: with `synchronous=FULL` every COMMIT waits
/// for an fsync, and one fsync per transaction capped writes at a few
/// hundred per second with the CPU half idle (W8). A writer's transaction
/// is a savepoint inside the group's transaction (`BEGIN IMMEDIATE`); when
/// it commits and another writer is already waiting, it releases its
/// savepoint, hands the open transaction on and waits; the last writer of
/// the group commits once for all and tells every member the outcome.
/// A commit returns only after the group's COMMIT is on disk, so nothing
/// is acknowledged before it is durable; a failed COMMIT fails every
/// member, and a member that fails or is dropped rolls back to its own
/// savepoint without touching the others.
pub type WriteLock = Arc<Writer>;

/// Most transactions in one group: bounds how long the first waits.
const MAX_GROUP: usize = 64;

/// The SQLite writer of this process: the lock and the open group.
#[derive(Default)]
pub struct Writer {
    group: Arc<tokio::sync::Mutex<Group>>,
    /// Writers waiting for the lock (a finishing writer hands the group on
    /// when there is one).
    waiting: AtomicUsize,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish()
    }
}

/// The group of transactions not yet committed to disk.
#[derive(Default)]
struct Group {
    /// The connection with the group's open transaction, between members.
    conn: Option<PoolConnection<Sqlite>>,
    /// Members whose work is in the group, waiting for its COMMIT.
    members: Vec<oneshot::Sender<Result<(), String>>>,
}

/// Counts a writer as waiting until it has the lock (or gave up).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Writer {
    /// Whether another writer waits for the lock (then the group is handed
    /// on instead of committed).
    fn others_wait(&self) -> bool {
        self.waiting.load(Ordering::Acquire) > 0
    }

    /// Takes the lock and opens the writer's savepoint, in the group's
    /// transaction or a new one.
    async fn begin(self: &Arc<Self>, pool: &SqlitePool) -> Result<SqliteTx, DbError> {
        let guard = {
            self.waiting.fetch_add(1, Ordering::AcqRel);
            let _waiting = Waiting(&self.waiting);
            self.group.clone().lock_owned().await
        };
        // From here on a caller that goes away must not strand the group's
        // connection (its members would wait for ever): the savepoint is
        // opened by a task of its own, and a transaction nobody takes is
        // dropped, which undoes it and passes the group on.
        let writer = self.clone();
        let pool = pool.clone();
        tokio::spawn(async move { writer.open(&pool, guard).await })
            .await
            .map_err(|e| DbError::Commit(e.to_string()))?
    }

    /// Opens the writer's savepoint under the lock.
    async fn open(
        self: &Arc<Self>,
        pool: &SqlitePool,
        mut guard: OwnedMutexGuard<Group>,
    ) -> Result<SqliteTx, DbError> {
        let mut conn = match guard.conn.take() {
            Some(c) => c,
            None => {
                let mut c = pool.acquire().await?;
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *c).await?;
                c
            }
        };
        if let Err(e) = sqlx::query("SAVEPOINT w").execute(&mut *conn).await {
            spawn_detached(finish(self.others_wait(), conn, guard));
            return Err(e.into());
        }
        Ok(SqliteTx {
            conn: Some(conn),
            guard: Some(guard),
            writer: self.clone(),
        })
    }
}

/// A writer is done with the group's transaction: it hands it on (when
/// `hand_on`: another writer waits) or commits the group and tells its
/// members.
async fn finish(
    hand_on: bool,
    mut conn: PoolConnection<Sqlite>,
    mut guard: OwnedMutexGuard<Group>,
) {
    if hand_on && guard.members.len() < MAX_GROUP {
        guard.conn = Some(conn);
        return;
    }
    let outcome = if guard.members.is_empty() {
        // Nobody's work is in it (every member rolled back).
        sqlx::query("ROLLBACK")
            .execute(&mut *conn)
            .await
            .map(|_| ())
    } else {
        sqlx::query("COMMIT").execute(&mut *conn).await.map(|_| ())
    };
    if outcome.is_err() && sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
        // Never return a connection inside a transaction to the pool.
        conn.close_on_drop();
    }
    let outcome = outcome.map_err(|e| e.to_string());
    for member in guard.members.drain(..) {
        // A member that went away needs no answer.
        let _ = member.send(outcome.clone());
    }
}

/// Runs `f` to completion on the runtime even if the caller is dropped
/// (a half-finished COMMIT or savepoint must not be abandoned); false
/// without a runtime.
fn spawn_detached<F: std::future::Future<Output = ()> + Send + 'static>(f: F) -> bool {
    tokio::runtime::Handle::try_current()
        .map(|h| drop(h.spawn(f)))
        .is_ok()
}

/// A SQLite write transaction: a savepoint in the group's transaction,
/// holding the write lock until it ends.
pub struct SqliteTx {
    conn: Option<PoolConnection<Sqlite>>,
    guard: Option<OwnedMutexGuard<Group>>,
    writer: Arc<Writer>,
}

impl SqliteTx {
    /// The connection statements of this transaction run on.
    pub fn conn(&mut self) -> &mut SqliteConnection {
        match self.conn.as_deref_mut() {
            Some(c) => c,
            // Only commit and drop take it, and both consume the transaction.
            None => unreachable!("a transaction's connection is present until it ends"),
        }
    }

    async fn commit(mut self) -> Result<(), DbError> {
        let (Some(conn), Some(guard)) = (self.conn.take(), self.guard.take()) else {
            return Err(DbError::Commit("the transaction has ended".into()));
        };
        let (tx, mut rx) = oneshot::channel();
        let writer = self.writer.clone();
        // Spawned: the release and the group's COMMIT finish even when the
        // request that asked for them goes away.
        let released = spawn_detached(async move {
            let mut conn = conn;
            let mut guard = guard;
            match sqlx::query("RELEASE w").execute(&mut *conn).await {
                Ok(_) => guard.members.push(tx),
                Err(e) => {
                    let _ = sqlx::query("ROLLBACK TO w").execute(&mut *conn).await;
                    let _ = sqlx::query("RELEASE w").execute(&mut *conn).await;
                    let _ = tx.send(Err(e.to_string()));
                }
            }
            finish(writer.others_wait(), conn, guard).await;
        });
        if !released {
            return Err(DbError::Commit("no runtime".into()));
        }
        loop {
            tokio::select! {
                outcome = &mut rx => {
                    return match outcome {
                        Ok(Ok(())) => Ok(()),
                        Ok(Err(e)) => Err(DbError::Commit(e)),
                        Err(_) => Err(DbError::Commit("the group was abandoned".into())),
                    };
                }
                // The writer it was handed to may have gone away while it
                // waited for the lock: whoever holds a free lock with an
                // open group commits it.
                _ = tokio::time::sleep(Duration::from_millis(20)) => {
                    if let Ok(mut guard) = self.writer.group.clone().try_lock_owned()
                        && let Some(conn) = guard.conn.take()
                    {
                        spawn_detached(finish(false, conn, guard));
                    }
                }
            }
        }
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        // Not committed: undo this writer's part only.
        if let (Some(conn), Some(guard)) = (self.conn.take(), self.guard.take()) {
            let writer = self.writer.clone();
            let undo = async move {
                let mut conn = conn;
                let _ = sqlx::query("ROLLBACK TO w").execute(&mut *conn).await;
                let _ = sqlx::query("RELEASE w").execute(&mut *conn).await;
                finish(writer.others_wait(), conn, guard).await;
            };
            // rathaus always runs on tokio; outside a runtime the undo
            // cannot run, which is logged.
            if !spawn_detached(undo) {
                tracing::error!("a SQLite transaction was dropped outside the runtime");
            }
        }
    }
}

/// A write transaction on either backend.
pub enum Tx {
    /// SQLite: a savepoint in the group's transaction (see [`WriteLock`]),
    /// holding the process's write lock until it ends.
    Sqlite(SqliteTx),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$conn` bound to the pool of whichever backend `$db`
/// is. The body is expanded once per backend.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $conn:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($conn, _) => $body,
            $crate::Db::Postgres($conn) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the connection of the transaction
/// `$tx` (a `&mut Tx`). The body is expanded once per backend.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $conn = t.conn();
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    /// Connects to the database named by `url` (`sqlite://path` or
    /// `postgres://…`). SQLite files are created when missing.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit is on disk before it is acknowledged, even
                // on power loss (NORMAL would only survive a process crash).
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Reads through a memory map: every commit (the access log
                // writes with most requests) makes the other connections
                // drop their page caches, and re-reading pages with pread
                // was the main cost of reads under load.
                .pragma("mmap_size", "17179869184")
                .pragma("cache_size", "-16384");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool, WriteLock::default()))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(DbError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// Applies the migrations of this backend that are not applied yet.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Db::Sqlite(pool, _) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// A fingerprint of the migrations of `backend` (changes whenever a
    /// migration is added), e.g. to name a migrated template database.
    pub fn migrations_fingerprint(backend: Backend) -> String {
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        let mut bytes = Vec::new();
        for m in migrator.iter() {
            bytes.extend_from_slice(&m.version.to_be_bytes());
            bytes.extend_from_slice(&m.checksum);
        }
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
            .chars()
            .take(16)
            .collect()
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(..) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout
    /// instead of failing when a read lock would have to be upgraded.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Db::Sqlite(pool, writer) => Tx::Sqlite(writer.begin(pool).await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Checks that the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), DbError> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Runs one statement without parameters; returns the rows affected.
    pub async fn execute(&self, sql: &'static str) -> Result<u64, DbError> {
        Ok(on_db!(self, pool => sqlx::query(sql).execute(pool).await?.rows_affected()))
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }

    /// Number of open connections (for `/metrics`).
    pub fn pool_size(&self) -> u32 {
        on_db!(self, pool => pool.size())
    }
}

impl Tx {
    /// Commits the transaction; durable on return.
    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// The backend of this transaction.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(..) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Removes a password from a URL before it is shown in an error.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = url.get(scheme + 3..at).unwrap_or("");
            let user = userinfo.split(':').next().unwrap_or("");
            format!(
                "{}{}:***{}",
                url.get(..scheme + 3).unwrap_or(""),
                user,
                url.get(at..).unwrap_or("")
            )
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_removed_from_urls() {
        assert_eq!(
            redact_url("postgres://app:geheim@db:5432/rathaus"),
            "postgres://app:***@db:5432/rathaus"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[tokio::test]
    async fn sqlite_runs_with_wal_and_foreign_keys() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        let Db::Sqlite(pool, _) = &db else {
            anyhow::bail!("expected sqlite")
        };
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(pool)
            .await?;
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await?;
        assert_eq!(mode, "wal");
        assert_eq!(fk, 1);
        Ok(())
    }

    /// Concurrent SQLite writers commit in groups: every committed
    /// transaction is stored, a dropped or failed one leaves nothing, and
    /// a writer that gives up waiting for the lock strands nobody.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_group_commit_keeps_each_writer_apart() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = Db::connect(&format!("sqlite://{}/g.db", dir.path().display())).await?;
        db.execute("CREATE TABLE g (id INTEGER PRIMARY KEY)")
            .await?;
        let mut tasks = Vec::new();
        for i in 0..48_i64 {
            let each = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = each.begin().await?;
                on_tx!(&mut tx, c => sqlx::query("INSERT INTO g (id) VALUES ($1)").bind(i).execute(c).await.map(|_| ())?);
                match i % 8 {
                    // Dropped without commit: rolled back alone.
                    3 => Ok::<bool, DbError>(false),
                    // A failing statement (duplicate key); the writer gives up.
                    5 => {
                        let dup = on_tx!(&mut tx, c => sqlx::query("INSERT INTO g (id) VALUES ($1)").bind(i).execute(c).await.map(|_| ()));
                        assert!(dup.is_err());
                        Ok(false)
                    }
                    _ => {
                        tx.commit().await?;
                        Ok(true)
                    }
                }
            }));
            if i == 20 {
                // A writer that stops waiting for the lock.
                let db = db.clone();
                let _ =
                    tokio::time::timeout(Duration::from_micros(1), async move { db.begin().await })
                        .await;
            }
        }
        let mut expected = Vec::new();
        for (i, t) in tasks.into_iter().enumerate() {
            if tokio::time::timeout(Duration::from_secs(30), t).await??? {
                expected.push(i as i64);
            }
        }
        let Db::Sqlite(pool, _) = &db else {
            anyhow::bail!("expected sqlite")
        };
        let stored: Vec<i64> = sqlx::query_scalar("SELECT id FROM g ORDER BY id")
            .fetch_all(pool)
            .await?;
        assert_eq!(stored, expected);
        // The writer is free again.
        let mut tx = db.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO g (id) VALUES (1000)").execute(c).await.map(|_| ())?);
        tx.commit().await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM g")
            .fetch_one(pool)
            .await?;
        assert_eq!(n as usize, expected.len() + 1);
        Ok(())
    }

    #[tokio::test]
    async fn unknown_urls_are_refused_with_a_clear_error() {
        let err = Db::connect("mysql://x").await.err();
        assert!(matches!(err, Some(DbError::UnsupportedUrl(_))));
    }
}
