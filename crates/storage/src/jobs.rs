//! The outbox and its job runner. A change that must cause work elsewhere
//! (send an e-mail, index a document, notify another context) writes a job
//! row in the same transaction as the change, so the work is never lost and
//! never done for a change that rolled back. The runner claims due jobs with
//! a lease, runs the handler registered for the job's kind, and on failure
//! retries with exponential backoff until `max_attempts`, after which the
//! job is `failed` and shown to admins, who can retry it.
//!
//! A job that was running when the process died keeps its lease until it
//! expires and is then claimed again: handlers must be idempotent.

use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};
use chrono::{DateTime, Duration, Utc};
use kernel::{Clock, JobId};
use serde::Serialize;
use sqlx::types::Json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;
use uuid::Uuid;

/// The state of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for `run_at`.
    Pending,
    /// Claimed by a runner whose lease has not expired.
    Running,
    /// Finished successfully.
    Done,
    /// Gave up after `max_attempts`; needs an admin.
    Failed,
}

impl JobStatus {
    /// Stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> JobStatus {
        match s {
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => JobStatus::Pending,
        }
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Handler name, e.g. `mail.send`.
    pub kind: &'static str,
    /// Input of the handler.
    pub payload: serde_json::Value,
    /// Attempts before the job is marked failed.
    pub max_attempts: i64,
}

impl NewJob {
    /// A job of `kind` with the default of 8 attempts.
    pub fn new(kind: &'static str, payload: serde_json::Value) -> NewJob {
        NewJob {
            kind,
            payload,
            max_attempts: 8,
        }
    }
}

/// A job as stored, for the admin view.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct JobRow {
    /// Id.
    pub id: Uuid,
    /// Handler name.
    pub kind: String,
    /// Input.
    pub payload: Json<serde_json::Value>,
    /// Stored status text.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// When it runs next.
    pub run_at: DateTime<Utc>,
    /// Error of the last attempt.
    pub last_error: Option<String>,
    /// Enqueued at.
    pub created_at: DateTime<Utc>,
}

impl JobRow {
    /// The typed status.
    pub fn status(&self) -> JobStatus {
        JobStatus::parse(&self.status)
    }
}

/// Why a handler failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth retrying later (network, lock, temporary outage).
    #[error("{0}")]
    Retry(String),
    /// Retrying cannot help; mark failed at once.
    #[error("{0}")]
    Permanent(String),
}

/// Runs jobs of one kind.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Does the work for one job. Must be idempotent.
    async fn run(&self, payload: serde_json::Value) -> Result<(), JobError>;
}

/// Writes a job in the caller's transaction (the outbox pattern).
pub async fn enqueue(tx: &mut Tx, clock: &dyn Clock, job: NewJob) -> Result<JobId, DbError> {
    let id = JobId::new();
    let now = clock.now();
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO storage_job (id, kind, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
             VALUES ($1, $2, $3, 'pending', 0, $4, $5, $5, $5)",
        )
        .bind(id.0)
        .bind(job.kind)
        .bind(Json(&job.payload))
        .bind(job.max_attempts)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected()
    });
    Ok(id)
}

/// Claims due jobs and runs them through registered handlers.
#[derive(Clone)]
pub struct JobRunner {
    db: Db,
    clock: Arc<dyn Clock>,
    handlers: Arc<HashMap<&'static str, Arc<dyn JobHandler>>>,
    wake: Arc<Notify>,
    lease: Duration,
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: Uuid,
    kind: String,
    payload: Json<serde_json::Value>,
    attempts: i64,
    max_attempts: i64,
}

impl JobRunner {
    /// A runner with the given handlers.
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
    ) -> JobRunner {
        JobRunner {
            db,
            clock,
            handlers: Arc::new(handlers),
            wake: Arc::new(Notify::new()),
            lease: Duration::seconds(30),
        }
    }

    /// How long a claimed job stays with its runner before another may
    /// take it (a runner that died releases its jobs after this).
    pub fn with_lease(mut self, lease: Duration) -> JobRunner {
        self.lease = lease;
        self
    }

    /// Wakes the background loop (call after committing a job).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Claims up to `limit` due jobs by giving them a lease.
    async fn claim(&self, limit: i64) -> Result<Vec<Claimed>, DbError> {
        let now = self.clock.now();
        let until = now + self.lease;
        // PostgreSQL lets several runners (one per instance) skip each
        // other's rows; SQLite has one writer, so a plain subquery suffices.
        let lock = match self.db.backend() {
            crate::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE storage_job SET status = 'running', attempts = attempts + 1, locked_until = $1, updated_at = $2
             WHERE id IN (
                SELECT id FROM storage_job
                WHERE (status = 'pending' AND run_at <= $2) OR (status = 'running' AND locked_until < $2)
                ORDER BY run_at LIMIT $3 {lock})
             RETURNING id, kind, payload, attempts, max_attempts"
        );
        // A transaction, so that on SQLite the runner queues on the write
        // lock like every other writer.
        let mut tx = self.db.begin().await?;
        let rows = on_tx!(&mut tx, conn => {
            sqlx::query_as::<_, Claimed>(sqlx::AssertSqlSafe(sql))
                .bind(until)
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        });
        tx.commit().await?;
        Ok(rows)
    }

    /// Runs every job that is due now, until none is left; returns how many
    /// ran. Tests call this instead of waiting for the background loop.
    pub async fn run_due(&self) -> Result<usize, DbError> {
        self.run_due_until(&AtomicBool::new(false)).await
    }

    /// Runs due jobs until none is left or `stop` is set; a job that has
    /// started finishes, claimed jobs not yet started go back to the queue
    /// at once (not only when their lease ends).
    async fn run_due_until(&self, stop: &AtomicBool) -> Result<usize, DbError> {
        let mut total = 0;
        while !stop.load(Ordering::SeqCst) {
            let batch = self.claim(32).await?;
            if batch.is_empty() {
                break;
            }
            let mut jobs = batch.into_iter();
            for job in jobs.by_ref() {
                self.run_one(job).await?;
                total += 1;
                if stop.load(Ordering::SeqCst) {
                    break;
                }
            }
            for job in jobs {
                self.release(job.id).await?;
            }
        }
        Ok(total)
    }

    /// Puts a claimed job that did not start back into the queue.
    async fn release(&self, id: Uuid) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE storage_job SET status = 'pending', attempts = attempts - 1, locked_until = NULL WHERE id = $1 AND status = 'running'",
        ).bind(id).execute(&mut *conn).await?.rows_affected());
        tx.commit().await?;
        Ok(())
    }

    async fn run_one(&self, job: Claimed) -> Result<(), DbError> {
        let outcome = match self.handlers.get(job.kind.as_str()) {
            Some(handler) => handler.run(job.payload.0.clone()).await,
            None => Err(JobError::Permanent(format!(
                "no handler for job kind {}",
                job.kind
            ))),
        };
        let now = self.clock.now();
        match outcome {
            Ok(()) => {
                let mut tx = self.db.begin().await?;
                on_tx!(&mut tx, conn => sqlx::query(
                    "UPDATE storage_job SET status = 'done', locked_until = NULL, last_error = NULL, updated_at = $2 WHERE id = $1",
                ).bind(job.id).bind(now).execute(&mut *conn).await?.rows_affected());
                tx.commit().await?;
            }
            Err(err) => {
                let permanent = matches!(err, JobError::Permanent(_));
                let give_up = permanent || job.attempts >= job.max_attempts;
                let status = if give_up { "failed" } else { "pending" };
                let run_at = now + backoff(job.attempts);
                tracing::warn!(job = %job.id, kind = %job.kind, attempts = job.attempts, error = %err, status, "job failed");
                let mut tx = self.db.begin().await?;
                on_tx!(&mut tx, conn => sqlx::query(
                    "UPDATE storage_job SET status = $2, run_at = $3, locked_until = NULL, last_error = $4, updated_at = $5 WHERE id = $1",
                ).bind(job.id).bind(status).bind(run_at).bind(err.to_string()).bind(now).execute(&mut *conn).await?.rows_affected());
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Runs jobs in the background until `shutdown` resolves. On shutdown
    /// the job in progress finishes and the rest wait in the queue for the
    /// next start (a backlog of thousands must not hold up a restart).
    pub async fn run_forever(self, shutdown: impl std::future::Future<Output = ()>) {
        let stop = AtomicBool::new(false);
        let stopped = Notify::new();
        let signal = async {
            shutdown.await;
            stop.store(true, Ordering::SeqCst);
            stopped.notify_one();
        };
        let runner = async {
            while !stop.load(Ordering::SeqCst) {
                if let Err(e) = self.run_due_until(&stop).await {
                    tracing::error!(error = %e, "job runner could not claim jobs");
                }
                tokio::select! {
                    _ = stopped.notified() => {}
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                }
            }
        };
        tokio::join!(signal, runner);
    }

    /// Jobs for the admin view: failed first, then pending and running.
    pub async fn list_open(&self, limit: i64) -> Result<Vec<JobRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, JobRow>(
            "SELECT id, kind, payload, status, attempts, max_attempts, run_at, last_error, created_at
             FROM storage_job WHERE status <> 'done'
             ORDER BY CASE status WHEN 'failed' THEN 0 ELSE 1 END, run_at LIMIT $1",
        ).bind(limit).fetch_all(pool).await?))
    }

    /// Puts a failed job back into the queue; `false` when it was not failed.
    pub async fn retry(&self, id: JobId) -> Result<bool, DbError> {
        let now = self.clock.now();
        let done = on_db!(&self.db, pool => sqlx::query(
            "UPDATE storage_job SET status = 'pending', attempts = 0, run_at = $2, updated_at = $2 WHERE id = $1 AND status = 'failed'",
        ).bind(id.0).bind(now).execute(pool).await?.rows_affected());
        self.wake();
        Ok(done == 1)
    }

    /// Counts of jobs per status (for `/metrics`).
    pub async fn counts(&self) -> Result<Vec<(String, i64)>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, (String, i64)>(
            "SELECT status, COUNT(*) FROM storage_job GROUP BY status",
        ).fetch_all(pool).await?))
    }
}

/// Delay before the next attempt: 5 s, 10 s, 20 s … capped at one hour.
pub fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 10)).unwrap_or(10);
    Duration::seconds((5_i64 << exp).min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), Duration::seconds(5));
        assert_eq!(backoff(1), Duration::seconds(10));
        assert_eq!(backoff(3), Duration::seconds(40));
        assert_eq!(backoff(50), Duration::seconds(3600));
    }
}
