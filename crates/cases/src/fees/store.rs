//! The SQL of fees and payments, once for both backends.

use super::domain::{ClaimStatus, Outcome};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A fee claim on a case.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Claim {
    /// Id.
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// Kassenzeichen; none until the treasury assigns one.
    pub reference: Option<String>,
    /// Amount due in cents.
    pub amount_cents: i64,
    /// Paid so far in cents.
    pub paid_cents: i64,
    /// What the fee is for.
    pub purpose: String,
    /// Who owes it.
    pub debtor: String,
    /// The debtor's address, one line each.
    pub address: String,
    /// `open`, `paid` or `waived`.
    pub status: String,
    /// Due date.
    pub due_on: NaiveDate,
    /// Who set it (access-log label).
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The export that handed it to the treasury.
    pub export_id: Option<Uuid>,
    /// When it was paid in full or waived.
    pub settled_at: Option<DateTime<Utc>>,
    /// Why it was waived.
    pub waive_reason: Option<String>,
}

impl Claim {
    /// Its state.
    pub fn state(&self) -> ClaimStatus {
        ClaimStatus::parse(&self.status).unwrap_or(ClaimStatus::Open)
    }

    /// What is still to pay, in cents (never below zero).
    pub fn open_cents(&self) -> i64 {
        if self.state() == ClaimStatus::Open {
            (self.amount_cents - self.paid_cents).max(0)
        } else {
            0
        }
    }

    /// Settled, waived or handed to the treasury: the case may close.
    pub fn done_for_the_case(&self) -> bool {
        self.state() != ClaimStatus::Open || self.export_id.is_some()
    }
}

const CLAIM_COLS: &str = "id, case_id, reference, amount_cents, paid_cents, purpose, debtor, address, status, due_on, created_by, created_at, export_id, settled_at, waive_reason";

/// A batch of claims handed to the treasury.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Export {
    /// Id.
    pub id: Uuid,
    /// How many claims.
    pub claims: i64,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An imported statement file.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StatementRow {
    /// Id.
    pub id: Uuid,
    /// SHA-256 of the file.
    pub sha256: String,
    /// camt.053 version.
    pub version: String,
    /// GrpHdr/MsgId.
    pub message_id: String,
    /// Stmt/Id of its statements, comma-separated.
    pub statements: String,
    /// Its accounts, comma-separated.
    pub accounts: String,
    /// Booked credits read.
    pub entries: i64,
    /// Who imported it.
    pub imported_by: String,
    /// When.
    pub imported_at: DateTime<Utc>,
}

/// A payment as read from a statement or reported by the treasury.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Payment {
    /// Id.
    pub id: Uuid,
    /// The statement file it came from (none for treasury reports).
    pub statement_id: Option<Uuid>,
    /// `camt` or `treasury`.
    pub source: String,
    /// The bank's or treasury's identity of the entry.
    pub entry_key: String,
    /// The account credited.
    pub account: String,
    /// Booking date.
    pub booked_on: NaiveDate,
    /// Amount in cents.
    pub amount_cents: i64,
    /// Currency.
    pub currency: String,
    /// Payer's name.
    pub payer: String,
    /// Remittance information.
    pub remittance: String,
    /// The Kassenzeichen found.
    pub reference: Option<String>,
    /// The claim it was booked to.
    pub claim_id: Option<Uuid>,
    /// What matching made of it.
    pub outcome: String,
    /// How a person cleared it: `assigned` or `done`.
    pub resolution: Option<String>,
    /// Who cleared it.
    pub resolved_by: Option<String>,
    /// When.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The person's note.
    pub note: Option<String>,
    /// When it was read.
    pub created_at: DateTime<Utc>,
}

impl Payment {
    /// What matching made of it.
    pub fn outcome(&self) -> Outcome {
        Outcome::parse(&self.outcome).unwrap_or(Outcome::Unknown)
    }
}

const PAYMENT_COLS: &str = "id, statement_id, source, entry_key, account, booked_on, amount_cents, currency, payer, remittance, reference, claim_id, outcome, resolution, resolved_by, resolved_at, note, created_at";

/// The fees tables.
#[derive(Clone)]
pub struct FeesStore {
    db: Db,
}

impl FeesStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        FeesStore { db }
    }

    /// Takes the next number of the Kassenzeichen range with `prefix`
    /// (`first` for the first). The row stays locked until the
    /// transaction ends; a rollback returns the number.
    pub async fn next_number(&self, tx: &mut Tx, prefix: &str, first: i64) -> Result<i64, DbError> {
        Ok(on_tx!(tx, conn => sqlx::query_scalar(
            "INSERT INTO cases_fee_sequence (prefix, last) VALUES ($1, $2)
             ON CONFLICT (prefix) DO UPDATE SET last = cases_fee_sequence.last + 1
             RETURNING last",
        ).bind(prefix).bind(first).fetch_one(conn).await?))
    }

    /// Adds a claim; a second claim for the case fails (unique).
    pub async fn insert_claim(&self, tx: &mut Tx, c: &Claim) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_fee_claim (id, case_id, reference, amount_cents, paid_cents, purpose, debtor, address, status, due_on, created_by, created_at)
             VALUES ($1, $2, $3, $4, 0, $5, $6, $7, 'open', $8, $9, $10)",
        ).bind(c.id).bind(c.case_id).bind(&c.reference).bind(c.amount_cents).bind(&c.purpose).bind(&c.debtor)
        .bind(&c.address).bind(c.due_on).bind(&c.created_by).bind(c.created_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The claim of a case.
    pub async fn claim_of_case(&self, case: Uuid) -> Result<Option<Claim>, DbError> {
        let sql = format!("SELECT {CLAIM_COLS} FROM cases_fee_claim WHERE case_id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Claim>(sqlx::AssertSqlSafe(sql)).bind(case).fetch_optional(pool).await?),
        )
    }

    /// One claim.
    pub async fn claim(&self, id: Uuid) -> Result<Option<Claim>, DbError> {
        let sql = format!("SELECT {CLAIM_COLS} FROM cases_fee_claim WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Claim>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// The claims with any of `references`, read in the transaction.
    pub async fn claims_by_reference(
        &self,
        tx: &mut Tx,
        references: &[String],
    ) -> Result<Vec<Claim>, DbError> {
        if references.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=references.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {CLAIM_COLS} FROM cases_fee_claim WHERE reference IN ({})",
            marks.join(", ")
        );
        Ok(on_tx!(tx, conn => {
            let mut q = sqlx::query_as::<_, Claim>(sqlx::AssertSqlSafe(sql));
            for r in references {
                q = q.bind(r);
            }
            q.fetch_all(conn).await?
        }))
    }

    /// Adds `cents` to what was paid; the claim is paid when it reaches
    /// the amount.
    pub async fn add_paid(
        &self,
        tx: &mut Tx,
        id: Uuid,
        cents: i64,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_fee_claim SET paid_cents = paid_cents + $2,
                 status = CASE WHEN status = 'open' AND paid_cents + $2 >= amount_cents THEN 'paid' ELSE status END,
                 settled_at = CASE WHEN status = 'open' AND paid_cents + $2 >= amount_cents THEN $3 ELSE settled_at END
             WHERE id = $1",
        ).bind(id).bind(cents).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Waives an open claim that is neither paid in part nor handed to the
    /// treasury; false otherwise.
    pub async fn waive(
        &self,
        tx: &mut Tx,
        id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_fee_claim SET status = 'waived', waive_reason = $2, settled_at = $3
             WHERE id = $1 AND status = 'open' AND paid_cents = 0 AND export_id IS NULL",
        ).bind(id).bind(reason).bind(now).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Sets the Kassenzeichen the treasury assigned; false when the claim
    /// has one.
    pub async fn set_reference(
        &self,
        tx: &mut Tx,
        id: Uuid,
        reference: &str,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_fee_claim SET reference = $2 WHERE id = $1 AND reference IS NULL",
        ).bind(id).bind(reference).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Hands every open claim not yet handed over to the treasury as one
    /// export; none when there is nothing to hand over.
    pub async fn create_export(
        &self,
        tx: &mut Tx,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Export>, DbError> {
        let id = Uuid::now_v7();
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_fee_export (id, claims, created_by, created_at) VALUES ($1, 0, $2, $3)",
        ).bind(id).bind(by).bind(now).execute(conn).await?.rows_affected());
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_fee_claim SET export_id = $1 WHERE export_id IS NULL AND status = 'open'",
        ).bind(id).execute(conn).await?.rows_affected());
        if n == 0 {
            return Ok(None);
        }
        let claims = i64::try_from(n).unwrap_or(i64::MAX);
        on_tx!(tx, conn => sqlx::query("UPDATE cases_fee_export SET claims = $2 WHERE id = $1")
            .bind(id).bind(claims).execute(conn).await?.rows_affected());
        Ok(Some(Export {
            id,
            claims,
            created_by: by.to_owned(),
            created_at: now,
        }))
    }

    /// One export.
    pub async fn export(&self, id: Uuid) -> Result<Option<Export>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Export>(
            "SELECT id, claims, created_by, created_at FROM cases_fee_export WHERE id = $1",
        ).bind(id).fetch_optional(pool).await?))
    }

    /// The newest exports.
    pub async fn exports(&self, limit: i64) -> Result<Vec<Export>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Export>(
            "SELECT id, claims, created_by, created_at FROM cases_fee_export WHERE claims > 0 ORDER BY created_at DESC, id DESC LIMIT $1",
        ).bind(limit).fetch_all(pool).await?))
    }

    /// The claims of an export with the file reference of their cases.
    pub async fn claims_of_export(&self, id: Uuid) -> Result<Vec<(Claim, String)>, DbError> {
        let sql = format!(
            "SELECT {}, c.reference AS case_reference FROM cases_fee_claim f JOIN cases_case c ON c.id = f.case_id
             WHERE f.export_id = $1 ORDER BY f.created_at, f.id",
            CLAIM_COLS.split(", ").map(|c| format!("f.{c}")).collect::<Vec<_>>().join(", ")
        );
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, ExportRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|r| (r.claim, r.case_reference))
            .collect())
    }

    /// Open claims not yet handed to the treasury.
    pub async fn pending_claims(&self, limit: i64) -> Result<Vec<Claim>, DbError> {
        let sql = format!(
            "SELECT {CLAIM_COLS} FROM cases_fee_claim WHERE export_id IS NULL AND status = 'open' ORDER BY created_at, id LIMIT $1"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Claim>(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(pool).await?),
        )
    }

    /// Serialises payment imports across instances: the row stays locked
    /// until the transaction ends. Taken first, so SQLite's write lock is
    /// held from the start.
    pub async fn lock_payments(&self, tx: &mut Tx) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_fee_sequence (prefix, last) VALUES ('#payments', 1)
             ON CONFLICT (prefix) DO UPDATE SET last = cases_fee_sequence.last + 1",
        ).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The statement file with this SHA-256, if imported before.
    pub async fn statement_by_hash(
        &self,
        tx: &mut Tx,
        sha256: &str,
    ) -> Result<Option<StatementRow>, DbError> {
        Ok(on_tx!(tx, conn => sqlx::query_as::<_, StatementRow>(
            "SELECT id, sha256, version, message_id, statements, accounts, entries, imported_by, imported_at FROM cases_bank_statement WHERE sha256 = $1",
        ).bind(sha256).fetch_optional(conn).await?))
    }

    /// Records an imported statement file.
    pub async fn insert_statement(&self, tx: &mut Tx, s: &StatementRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_bank_statement (id, sha256, version, message_id, statements, accounts, entries, imported_by, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        ).bind(s.id).bind(&s.sha256).bind(&s.version).bind(&s.message_id).bind(&s.statements).bind(&s.accounts)
        .bind(s.entries).bind(&s.imported_by).bind(s.imported_at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The newest statement files.
    pub async fn statements(&self, limit: i64) -> Result<Vec<StatementRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, StatementRow>(
            "SELECT id, sha256, version, message_id, statements, accounts, entries, imported_by, imported_at FROM cases_bank_statement ORDER BY imported_at DESC, id DESC LIMIT $1",
        ).bind(limit).fetch_all(pool).await?))
    }

    /// Whether the entry was read before (and not as a duplicate).
    pub async fn entry_seen(&self, tx: &mut Tx, account: &str, key: &str) -> Result<bool, DbError> {
        let n: i64 = on_tx!(tx, conn => sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases_payment WHERE account = $1 AND entry_key = $2 AND outcome <> 'duplicate'",
        ).bind(account).bind(key).fetch_one(conn).await?);
        Ok(n > 0)
    }

    /// Adds a payment.
    pub async fn insert_payment(&self, tx: &mut Tx, p: &Payment) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_payment (id, statement_id, source, entry_key, account, booked_on, amount_cents, currency, payer, remittance, reference, claim_id, outcome, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        ).bind(p.id).bind(p.statement_id).bind(&p.source).bind(&p.entry_key).bind(&p.account).bind(p.booked_on)
        .bind(p.amount_cents).bind(&p.currency).bind(&p.payer).bind(&p.remittance).bind(&p.reference).bind(p.claim_id)
        .bind(&p.outcome).bind(p.created_at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// One payment.
    pub async fn payment(&self, id: Uuid) -> Result<Option<Payment>, DbError> {
        let sql = format!("SELECT {PAYMENT_COLS} FROM cases_payment WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Payment>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// Payments a person has to look at, oldest first.
    pub async fn open_exceptions(&self, limit: i64) -> Result<Vec<Payment>, DbError> {
        let sql = format!(
            "SELECT {PAYMENT_COLS} FROM cases_payment WHERE outcome <> 'booked' AND resolved_at IS NULL ORDER BY created_at, id LIMIT $1"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Payment>(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(pool).await?),
        )
    }

    /// The payments of a statement file, in file order.
    pub async fn payments_of_statement(&self, id: Uuid) -> Result<Vec<Payment>, DbError> {
        let sql =
            format!("SELECT {PAYMENT_COLS} FROM cases_payment WHERE statement_id = $1 ORDER BY id");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Payment>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(pool).await?),
        )
    }

    /// The payments booked to a claim.
    pub async fn payments_of_claim(&self, claim: Uuid) -> Result<Vec<Payment>, DbError> {
        let sql = format!(
            "SELECT {PAYMENT_COLS} FROM cases_payment WHERE claim_id = $1 ORDER BY booked_on, id"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Payment>(sqlx::AssertSqlSafe(sql)).bind(claim).fetch_all(pool).await?),
        )
    }

    /// Clears a listed payment (once): booked to `claim` or marked done.
    #[allow(clippy::too_many_arguments)]
    pub async fn resolve(
        &self,
        tx: &mut Tx,
        id: Uuid,
        resolution: &str,
        claim: Option<Uuid>,
        note: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_payment SET resolution = $2, claim_id = COALESCE($3, claim_id), note = $4, resolved_by = $5, resolved_at = $6
             WHERE id = $1 AND resolved_at IS NULL AND outcome <> 'booked'",
        ).bind(id).bind(resolution).bind(claim).bind(note).bind(by).bind(now).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }
}

#[derive(sqlx::FromRow)]
struct ExportRow {
    #[sqlx(flatten)]
    claim: Claim,
    case_reference: String,
}
