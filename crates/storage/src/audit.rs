//! The access log (ARCHITECTURE rule 9): who changed or saw which personal
//! data, tamper-evident.
//!
//! - A change appends its entry in its own transaction
//!   ([`record_in_tx`]), unchained, so a rolled-back change leaves no entry
//!   and a committed one always has one.
//! - A response that shows personal data sends its entry to the single log
//!   writer ([`AccessLog::record`]) and waits until it is committed.
//! - The writer alone assigns the chain order: it takes everything queued
//!   and everything appended unchained, computes each entry's SHA-256 over
//!   the previous hash and its own fields, and commits the whole group in
//!   one transaction, so many concurrent readers cost one commit.
//! - Every `segment_size` entries the writer closes a segment with a
//!   checkpoint signed by the instance's Ed25519 key. Entries of old
//!   segments may be deleted after their retention ([`AccessLog::prune`]);
//!   verification then starts from the checkpoint before the first kept
//!   entry.

use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};
use chrono::{DateTime, SubsecRound, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use kernel::Clock;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry to log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Who acted (`account:…`, `token:…`, `system:…`, `anonymous`).
    pub actor: String,
    /// What happened, e.g. `account.created`, `account.viewed`.
    pub action: String,
    /// Kind of the objects, e.g. `account`.
    pub object_type: String,
    /// Ids of the objects changed or shown.
    pub object_ids: Vec<String>,
    /// Further detail without personal data beyond the ids.
    pub detail: String,
}

impl AuditEntry {
    /// An entry for `action` on objects of `object_type`.
    pub fn new(actor: String, action: &str, object_type: &str, object_ids: Vec<String>) -> Self {
        AuditEntry {
            actor,
            action: action.to_owned(),
            object_type: object_type.to_owned(),
            object_ids,
            detail: String::new(),
        }
    }

    /// Adds detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// Errors of the access log.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Database error.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The writer task is gone (shutting down).
    #[error("the access log writer has stopped")]
    WriterGone,
    /// The writer could not commit a group.
    #[error("access log commit failed: {0}")]
    Writer(String),
    /// The signing key file could not be read or written.
    #[error("audit signing key: {0}")]
    Key(String),
}

impl From<sqlx::Error> for AuditError {
    fn from(e: sqlx::Error) -> Self {
        AuditError::Db(DbError::Sqlx(e))
    }
}

/// Appends an entry in the caller's transaction; the writer chains it after
/// the transaction commits.
pub async fn record_in_tx(
    tx: &mut Tx,
    clock: &dyn Clock,
    entry: &AuditEntry,
) -> Result<(), DbError> {
    let ids = serde_json::to_string(&entry.object_ids).unwrap_or_else(|_| "[]".to_owned());
    let at = clock.now().trunc_subsecs(6);
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO storage_audit_log (at, actor, action, object_type, object_ids, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    ).bind(at).bind(&entry.actor).bind(&entry.action).bind(&entry.object_type).bind(ids).bind(&entry.detail)
    .execute(conn).await?.rows_affected());
    Ok(())
}

/// The instance's checkpoint signing key, kept in a file of the data dir.
#[derive(Clone)]
pub struct AuditKey(SigningKey);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AuditKey({})",
            hex::encode(self.0.verifying_key().to_bytes())
        )
    }
}

impl AuditKey {
    /// Loads the key from `path`, creating it (mode 0600) when missing.
    pub fn load_or_create(path: &Path) -> Result<AuditKey, AuditError> {
        let seed = load_or_create_secret(path)
            .map_err(|e| AuditError::Key(format!("{}: {e}", path.display())))?;
        Ok(AuditKey(SigningKey::from_bytes(&seed)))
    }

    /// A throwaway key (tests).
    pub fn ephemeral() -> AuditKey {
        AuditKey(SigningKey::from_bytes(&rand::random()))
    }

    fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }
}

/// A 32-byte secret kept as hex in the file at `path`, created (mode 0600,
/// synced) when missing: instance keys in the data directory.
pub fn load_or_create_secret(path: &Path) -> std::io::Result<[u8; 32]> {
    if let Ok(text) = std::fs::read_to_string(path) {
        let bytes = hex::decode(text.trim())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        return bytes.try_into().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "key file must hold 32 bytes as hex",
            )
        });
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let seed: [u8; 32] = rand::random();
    write_private(path, hex::encode(seed).as_bytes())?;
    Ok(seed)
}

#[cfg(unix)]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}

fn entry_hash(prev: &str, seq: i64, row: &ChainRow) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        &row.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        &row.actor,
        &row.action,
        &row.object_type,
        &row.object_ids,
        &row.detail,
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

fn checkpoint_message(segment: i64, first: i64, last: i64, last_hash: &str) -> String {
    format!("rathaus-audit-checkpoint\n{segment}\n{first}\n{last}\n{last_hash}")
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct ChainRow {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    object_type: String,
    object_ids: String,
    detail: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct ChainedRow {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    object_type: String,
    object_ids: String,
    detail: String,
    chain_seq: i64,
    prev_hash: Option<String>,
    hash: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct CheckpointRow {
    segment: i64,
    first_seq: i64,
    last_seq: i64,
    last_hash: String,
    signature: String,
}

/// An entry as stored, for the data protection officer's view.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LoggedEntry {
    /// Position in the chain, `None` while not yet chained.
    pub chain_seq: Option<i64>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Object kind.
    pub object_type: String,
    /// Object ids as JSON array text.
    pub object_ids: String,
    /// Detail.
    pub detail: String,
}

enum Request {
    Record(Vec<AuditEntry>, oneshot::Sender<Result<(), String>>),
    Flush(oneshot::Sender<Result<(), String>>),
}

/// Handle to the access log: send entries, verify, prune, list.
#[derive(Clone)]
pub struct AccessLog {
    db: Db,
    tx: mpsc::Sender<Request>,
    key: AuditKey,
}

/// Outcome of [`AccessLog::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Chained entries checked.
    pub entries: i64,
    /// Signed checkpoints checked.
    pub checkpoints: i64,
    /// Entries appended but not chained yet.
    pub pending: i64,
    /// The first broken entry, if any.
    pub broken: Option<Broken>,
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// Chain position of the first entry that fails.
    pub seq: i64,
    /// Row id of that entry (what an operator looks for in the table).
    pub row_id: Option<i64>,
    /// What is wrong.
    pub reason: String,
}

struct Writer {
    db: Db,
    clock: Arc<dyn Clock>,
    key: AuditKey,
    segment_size: i64,
}

impl AccessLog {
    /// Starts the single log writer and returns the handle to it. The writer
    /// stops when every handle is dropped.
    pub fn start(db: Db, clock: Arc<dyn Clock>, key: AuditKey, segment_size: i64) -> AccessLog {
        let (tx, rx) = mpsc::channel(4096);
        let writer = Writer {
            db: db.clone(),
            clock,
            key: key.clone(),
            segment_size: segment_size.max(2),
        };
        tokio::spawn(writer.run(rx));
        AccessLog { db, tx, key }
    }

    /// Logs entries and returns once they are committed and chained.
    pub async fn record(&self, entries: Vec<AuditEntry>) -> Result<(), AuditError> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Request::Record(entries, ack))
            .await
            .map_err(|_| AuditError::WriterGone)?;
        done.await
            .map_err(|_| AuditError::WriterGone)?
            .map_err(AuditError::Writer)
    }

    /// Chains everything appended so far and waits for it.
    pub async fn flush(&self) -> Result<(), AuditError> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Request::Flush(ack))
            .await
            .map_err(|_| AuditError::WriterGone)?;
        done.await
            .map_err(|_| AuditError::WriterGone)?
            .map_err(AuditError::Writer)
    }

    /// Asks the writer to chain entries appended by committed changes soon,
    /// without waiting.
    pub fn nudge(&self) {
        let (ack, _) = oneshot::channel();
        let _ = self.tx.try_send(Request::Flush(ack));
    }

    /// The newest entries, for the data protection officer.
    pub async fn latest(&self, limit: i64) -> Result<Vec<LoggedEntry>, AuditError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, LoggedEntry>(
            "SELECT chain_seq, at, actor, action, object_type, object_ids, detail FROM storage_audit_log ORDER BY id DESC LIMIT $1",
        ).bind(limit).fetch_all(pool).await?))
    }

    /// The entries about one object, newest first: who read or changed it
    /// (the data protection officer's question). Object ids are kept as a
    /// JSON array, so this scans the log; fine for an occasional question.
    pub async fn about(
        &self,
        object_type: &str,
        id: &str,
        limit: i64,
    ) -> Result<Vec<LoggedEntry>, AuditError> {
        let pattern = format!("%\"{id}\"%");
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, LoggedEntry>(
            "SELECT chain_seq, at, actor, action, object_type, object_ids, detail FROM storage_audit_log
             WHERE object_type = $1 AND object_ids LIKE $2 ORDER BY id DESC LIMIT $3",
        ).bind(object_type).bind(pattern).bind(limit).fetch_all(pool).await?))
    }

    /// Deletes the entries of every closed segment whose last entry is older
    /// than `before`. Checkpoints stay, so the rest still verifies. Returns
    /// the number of entries deleted.
    pub async fn prune(&self, before: DateTime<Utc>) -> Result<u64, AuditError> {
        let last: Option<i64> = on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT MAX(last_seq) FROM storage_audit_checkpoint WHERE last_at < $1",
        ).bind(before).fetch_one(pool).await?);
        let Some(last) = last else { return Ok(0) };
        let done = on_db!(&self.db, pool => sqlx::query(
            "DELETE FROM storage_audit_log WHERE chain_seq IS NOT NULL AND chain_seq <= $1",
        ).bind(last).execute(pool).await?.rows_affected());
        Ok(done)
    }

    /// Walks the whole chain and reports the first entry that does not hold.
    pub async fn verify(&self) -> Result<VerifyReport, AuditError> {
        verify(&self.db, &self.key.0.verifying_key()).await
    }
}

/// Verifies the chain with the given public key (used by the CLI, which has
/// no running writer).
pub async fn verify_with_key(db: &Db, key: &AuditKey) -> Result<VerifyReport, AuditError> {
    verify(db, &key.0.verifying_key()).await
}

async fn verify(db: &Db, public: &VerifyingKey) -> Result<VerifyReport, AuditError> {
    let checkpoints: Vec<CheckpointRow> = on_db!(db, pool => sqlx::query_as::<_, CheckpointRow>(
        "SELECT segment, first_seq, last_seq, last_hash, signature FROM storage_audit_checkpoint ORDER BY segment",
    ).fetch_all(pool).await?);
    let pending: i64 = on_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM storage_audit_log WHERE chain_seq IS NULL",
    ).fetch_one(pool).await?);
    let mut report = VerifyReport {
        entries: 0,
        checkpoints: 0,
        pending,
        broken: None,
    };
    let fail = |mut report: VerifyReport, seq: i64, row_id: Option<i64>, reason: String| {
        report.broken = Some(Broken {
            seq,
            row_id,
            reason,
        });
        Ok(report)
    };
    for cp in &checkpoints {
        let sig_ok = hex::decode(&cp.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| Signature::from_bytes(&b))
            .is_some_and(|sig| {
                let msg = checkpoint_message(cp.segment, cp.first_seq, cp.last_seq, &cp.last_hash);
                public.verify(msg.as_bytes(), &sig).is_ok()
            });
        if !sig_ok {
            return fail(
                report,
                cp.last_seq,
                None,
                format!(
                    "checkpoint of segment {} has an invalid signature",
                    cp.segment
                ),
            );
        }
        report.checkpoints += 1;
    }
    let mut after: i64 = 0;
    let mut expected_prev: Option<String> = None;
    let mut cps = checkpoints.iter().peekable();
    loop {
        let page: Vec<ChainedRow> = on_db!(db, pool => sqlx::query_as::<_, ChainedRow>(
            "SELECT id, at, actor, action, object_type, object_ids, detail, chain_seq, prev_hash, hash
             FROM storage_audit_log WHERE chain_seq > $1 ORDER BY chain_seq LIMIT 5000",
        ).bind(after).fetch_all(pool).await?);
        if page.is_empty() {
            break;
        }
        for row in page {
            let seq = row.chain_seq;
            let prev = match &expected_prev {
                Some(p) => {
                    if seq != after + 1 {
                        return fail(
                            report,
                            after + 1,
                            None,
                            "entry is missing from the chain".into(),
                        );
                    }
                    p.clone()
                }
                None if seq == 1 => GENESIS.to_owned(),
                None => {
                    // The oldest entries were pruned: the checkpoint that
                    // closed the segment before must anchor this one.
                    match checkpoints.iter().find(|c| c.last_seq == seq - 1) {
                        Some(c) => c.last_hash.clone(),
                        None => {
                            return fail(
                                report,
                                seq,
                                Some(row.id),
                                "chain start is not anchored by a checkpoint".into(),
                            );
                        }
                    }
                }
            };
            if row.prev_hash.as_deref() != Some(prev.as_str()) {
                return fail(
                    report,
                    seq,
                    Some(row.id),
                    "previous hash does not match".into(),
                );
            }
            let plain = ChainRow {
                id: row.id,
                at: row.at,
                actor: row.actor.clone(),
                action: row.action.clone(),
                object_type: row.object_type.clone(),
                object_ids: row.object_ids.clone(),
                detail: row.detail.clone(),
            };
            let hash = entry_hash(&prev, seq, &plain);
            if row.hash.as_deref() != Some(hash.as_str()) {
                return fail(
                    report,
                    seq,
                    Some(row.id),
                    "content does not match its hash".into(),
                );
            }
            while cps.peek().is_some_and(|c| c.last_seq < seq) {
                cps.next();
            }
            if let Some(cp) = cps.peek()
                && cp.last_seq == seq
                && cp.last_hash != hash
            {
                return fail(
                    report,
                    seq,
                    Some(row.id),
                    format!("does not match the checkpoint of segment {}", cp.segment),
                );
            }
            report.entries += 1;
            expected_prev = Some(hash);
            after = seq;
        }
    }
    // Entries after the last checkpoint may be deleted only with the
    // checkpoint's segment; a chain that ends before a checkpoint lost its tail.
    if let Some(last_cp) = checkpoints.last()
        && after < last_cp.last_seq
        && report.entries > 0
    {
        return fail(
            report,
            after + 1,
            None,
            "entries covered by a checkpoint are missing".into(),
        );
    }
    Ok(report)
}

impl Writer {
    async fn run(self, mut rx: mpsc::Receiver<Request>) {
        loop {
            let first = tokio::select! {
                msg = rx.recv() => match msg {
                    Some(m) => Some(m),
                    None => {
                        let _ = self.commit_group(Vec::new()).await;
                        return;
                    }
                },
                // Entries appended by changes get chained even when nobody
                // asks; a nudge usually comes sooner.
                _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => None,
            };
            let mut batch: Vec<Request> = first.into_iter().collect();
            while batch.len() < 1024 {
                match rx.try_recv() {
                    Ok(m) => batch.push(m),
                    Err(_) => break,
                }
            }
            let mut entries = Vec::new();
            let mut acks = Vec::new();
            for req in batch {
                match req {
                    Request::Record(e, ack) => {
                        entries.extend(e);
                        acks.push(ack);
                    }
                    Request::Flush(ack) => acks.push(ack),
                }
            }
            let result = self.commit_group(entries).await.map_err(|e| {
                tracing::error!(error = %e, "access log group commit failed");
                e.to_string()
            });
            for ack in acks {
                let _ = ack.send(result.clone());
            }
        }
    }

    async fn commit_group(&self, entries: Vec<AuditEntry>) -> Result<(), AuditError> {
        let mut tx = self.db.begin().await?;
        for e in &entries {
            record_in_tx(&mut tx, self.clock.as_ref(), e).await?;
        }
        let unchained: Vec<ChainRow> = on_tx!(&mut tx, conn => sqlx::query_as::<_, ChainRow>(
            "SELECT id, at, actor, action, object_type, object_ids, detail FROM storage_audit_log WHERE chain_seq IS NULL ORDER BY id",
        ).fetch_all(&mut *conn).await?);
        if unchained.is_empty() {
            tx.commit().await?;
            return Ok(());
        }
        let last: Option<(i64, String)> = on_tx!(&mut tx, conn => sqlx::query_as::<_, (i64, String)>(
            "SELECT chain_seq, hash FROM storage_audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1",
        ).fetch_optional(&mut *conn).await?);
        let (mut seq, mut prev) = match last {
            Some((s, h)) => (s, h),
            None => {
                // Everything may have been pruned: continue after the last
                // checkpoint.
                let cp: Option<(i64, String)> = on_tx!(&mut tx, conn => sqlx::query_as::<_, (i64, String)>(
                    "SELECT last_seq, last_hash FROM storage_audit_checkpoint ORDER BY segment DESC LIMIT 1",
                ).fetch_optional(&mut *conn).await?);
                cp.unwrap_or((0, GENESIS.to_owned()))
            }
        };
        let now = self.clock.now().trunc_subsecs(6);
        for row in unchained {
            seq += 1;
            let hash = entry_hash(&prev, seq, &row);
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE storage_audit_log SET chain_seq = $1, prev_hash = $2, hash = $3 WHERE id = $4",
            ).bind(seq).bind(&prev).bind(&hash).bind(row.id).execute(&mut *conn).await?.rows_affected());
            if seq % self.segment_size == 0 {
                let segment = seq / self.segment_size;
                let first = seq - self.segment_size + 1;
                let msg = checkpoint_message(segment, first, seq, &hash);
                let sig = hex::encode(self.key.0.sign(msg.as_bytes()).to_bytes());
                on_tx!(&mut tx, conn => sqlx::query(
                    "INSERT INTO storage_audit_checkpoint (segment, first_seq, last_seq, last_hash, last_at, signature, public_key, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                ).bind(segment).bind(first).bind(seq).bind(&hash).bind(row.at).bind(sig).bind(self.key.public_hex()).bind(now)
                .execute(&mut *conn).await?.rows_affected());
            }
            prev = hash;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::SystemClock;

    async fn fresh() -> anyhow::Result<(tempfile::TempDir, Db, AccessLog)> {
        let dir = tempfile::tempdir()?;
        let db = Db::connect(&format!("sqlite://{}/a.db", dir.path().display())).await?;
        db.migrate().await?;
        let log = AccessLog::start(db.clone(), Arc::new(SystemClock), AuditKey::ephemeral(), 4);
        Ok((dir, db, log))
    }

    fn entry(i: usize) -> AuditEntry {
        AuditEntry::new(
            "account:x".into(),
            "account.viewed",
            "account",
            vec![format!("id-{i}")],
        )
    }

    #[tokio::test]
    async fn an_intact_chain_verifies_with_its_checkpoints() -> anyhow::Result<()> {
        let (_dir, db, log) = fresh().await?;
        for i in 0..10 {
            log.record(vec![entry(i)]).await?;
        }
        let mut tx = db.begin().await?;
        record_in_tx(&mut tx, &SystemClock, &entry(99)).await?;
        tx.commit().await?;
        log.flush().await?;
        let report = log.verify().await?;
        assert_eq!(report.broken, None);
        assert_eq!(report.entries, 11);
        assert_eq!(report.checkpoints, 2);
        assert_eq!(report.pending, 0);
        Ok(())
    }

    #[tokio::test]
    async fn an_edited_entry_is_named_as_the_first_broken_one() -> anyhow::Result<()> {
        let (_dir, db, log) = fresh().await?;
        for i in 0..6 {
            log.record(vec![entry(i)]).await?;
        }
        db.execute("UPDATE storage_audit_log SET actor = 'account:mallory' WHERE chain_seq = 3")
            .await?;
        let report = log.verify().await?;
        let broken = report
            .broken
            .ok_or_else(|| anyhow::anyhow!("tampering not detected"))?;
        assert_eq!(broken.seq, 3);
        Ok(())
    }

    #[tokio::test]
    async fn a_deleted_entry_breaks_the_chain() -> anyhow::Result<()> {
        let (_dir, db, log) = fresh().await?;
        for i in 0..6 {
            log.record(vec![entry(i)]).await?;
        }
        db.execute("DELETE FROM storage_audit_log WHERE chain_seq = 2")
            .await?;
        let broken = log
            .verify()
            .await?
            .broken
            .ok_or_else(|| anyhow::anyhow!("gap not detected"))?;
        assert_eq!(broken.seq, 2);
        Ok(())
    }

    #[tokio::test]
    async fn pruned_segments_leave_a_verifiable_chain() -> anyhow::Result<()> {
        let (_dir, _db, log) = fresh().await?;
        for i in 0..10 {
            log.record(vec![entry(i)]).await?;
        }
        let deleted = log.prune(Utc::now() + chrono::Duration::days(1)).await?;
        assert_eq!(deleted, 8, "two closed segments of four entries");
        log.record(vec![entry(11)]).await?;
        let report = log.verify().await?;
        assert_eq!(report.broken, None, "{report:?}");
        assert_eq!(report.entries, 3);
        Ok(())
    }
}
