//! One database, two backends. [`Db`] wraps either a SQLite or a PostgreSQL
//! pool; store code writes its SQL once (with `$1` placeholders, which both
//! backends accept) and runs it through [`on_db!`](crate::on_db) or
//! [`on_tx!`](crate::on_tx), which expand the same code for each backend so
//! the compiler type-checks it against both.

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

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
pub type WriteLock = std::sync::Arc<tokio::sync::Mutex<()>>;

/// A write transaction on either backend.
pub enum Tx {
    /// SQLite transaction (started with `BEGIN IMMEDIATE`), holding the
    /// process's write lock until it ends.
    Sqlite(
        Transaction<'static, Sqlite>,
        tokio::sync::OwnedMutexGuard<()>,
    ),
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
            $crate::Tx::Sqlite(t, _) => {
                let $conn = &mut **t;
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
            Db::Sqlite(pool, lock) => {
                let guard = lock.clone().lock_owned().await;
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, guard)
            }
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
            Tx::Sqlite(t, _guard) => t.commit().await?,
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

    #[tokio::test]
    async fn unknown_urls_are_refused_with_a_clear_error() {
        let err = Db::connect("mysql://x").await.err();
        assert!(matches!(err, Some(DbError::UnsupportedUrl(_))));
    }
}
