//! The SQL of notices, templates, signing authority and decision
//! signatures, once for both backends.

use chrono::{DateTime, Utc};
use serde::Serialize;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A notice of a case.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Notice {
    /// Id.
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// `rendering`, `draft`, `final_rendering`, `final` or `failed`.
    pub state: String,
    /// The decision and its reasons, as the clerk wrote them.
    pub decision: String,
    /// The E-Akte document with its versions.
    pub document_id: Option<Uuid>,
    /// The draft version (what the signer decided on).
    pub draft_version_id: Option<Uuid>,
    /// The final version naming the signer.
    pub final_version_id: Option<Uuid>,
    /// Why the last typesetting failed.
    pub error: Option<String>,
    /// Who signed.
    pub signer_id: Option<Uuid>,
    /// The signer's name as printed.
    pub signer_name: Option<String>,
    /// `head`, `deputy` or `commissioned`.
    pub capacity: Option<String>,
    /// When.
    pub signed_at: Option<DateTime<Utc>>,
    /// Who started it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Notice {
    /// Its state.
    pub fn state(&self) -> super::domain::NoticeState {
        super::domain::NoticeState::parse(&self.state).unwrap_or(super::domain::NoticeState::Failed)
    }
}

const NOTICE_COLS: &str = "id, case_id, state, decision, document_id, draft_version_id, final_version_id, error, signer_id, signer_name, capacity, signed_at, created_by, created_at, updated_at";

/// A grant of signing authority.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Authority {
    /// Id.
    pub id: Uuid,
    /// Who.
    pub account_id: Uuid,
    /// In which unit (and those below it).
    pub org_unit_id: Uuid,
    /// For which kind of document (`notice`).
    pub document_kind: String,
    /// `head`, `deputy` or `commissioned`.
    pub capacity: String,
    /// Who granted it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An internal decision signature.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DecisionSignature {
    /// Id.
    pub id: Uuid,
    /// The notice.
    pub notice_id: Uuid,
    /// The document version decided on.
    pub version_id: Uuid,
    /// The signed statement (canonical JSON).
    pub statement: String,
    /// SHA-256 of the version.
    pub sha256: String,
    /// The signer.
    pub account_id: Uuid,
    /// The signer's public key (hex).
    pub public_key: String,
    /// The Ed25519 signature (hex).
    pub signature: String,
    /// When.
    pub signed_at: DateTime<Utc>,
}

/// The notices tables.
#[derive(Clone)]
pub struct NoticesStore {
    db: Db,
}

impl NoticesStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        NoticesStore { db }
    }

    /// The template and remedy text of a case type.
    pub async fn template(&self, case_type: Uuid) -> Result<Option<(String, String)>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, (String, String)>(
            "SELECT source, remedy FROM cases_notice_template WHERE case_type_id = $1",
        ).bind(case_type).fetch_optional(pool).await?),
        )
    }

    /// Sets the template and remedy text of a case type.
    pub async fn set_template(
        &self,
        tx: &mut Tx,
        case_type: Uuid,
        source: &str,
        remedy: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_notice_template (case_type_id, source, remedy, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (case_type_id) DO UPDATE SET source = $2, remedy = $3, updated_by = $4, updated_at = $5",
        ).bind(case_type).bind(source).bind(remedy).bind(by).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Adds a notice.
    pub async fn insert(&self, tx: &mut Tx, n: &Notice) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_notice (id, case_id, state, decision, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        ).bind(n.id).bind(n.case_id).bind(&n.state).bind(&n.decision).bind(&n.created_by).bind(n.created_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Saves a notice's state, versions, error and signer when it is still
    /// in state `from`; false when it moved meanwhile.
    pub async fn update(&self, tx: &mut Tx, n: &Notice, from: &str) -> Result<bool, DbError> {
        let changed = on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_notice SET state = $3, document_id = $4, draft_version_id = $5, final_version_id = $6, error = $7,
                 signer_id = $8, signer_name = $9, capacity = $10, signed_at = $11, updated_at = $12
             WHERE id = $1 AND state = $2",
        ).bind(n.id).bind(from).bind(&n.state).bind(n.document_id).bind(n.draft_version_id).bind(n.final_version_id)
        .bind(&n.error).bind(n.signer_id).bind(&n.signer_name).bind(&n.capacity).bind(n.signed_at).bind(n.updated_at)
        .execute(conn).await?.rows_affected());
        Ok(changed == 1)
    }

    /// A draft gets a revised decision and is typeset again (a new
    /// version of its document); false when it is no draft any more.
    pub async fn revise(
        &self,
        tx: &mut Tx,
        id: Uuid,
        decision: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_notice SET decision = $2, state = 'rendering', error = NULL, updated_at = $3 WHERE id = $1 AND state = 'draft'",
        ).bind(id).bind(decision).bind(at).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// The newest notice kept in `document`, read in the transaction.
    pub async fn of_document_in(
        &self,
        tx: &mut Tx,
        document: Uuid,
    ) -> Result<Option<Notice>, DbError> {
        let sql = format!(
            "SELECT {NOTICE_COLS} FROM cases_notice WHERE document_id = $1 ORDER BY created_at DESC LIMIT 1"
        );
        Ok(
            on_tx!(tx, conn => sqlx::query_as::<_, Notice>(sqlx::AssertSqlSafe(sql)).bind(document).fetch_optional(conn).await?),
        )
    }

    /// One notice.
    pub async fn notice(&self, id: Uuid) -> Result<Option<Notice>, DbError> {
        let sql = format!("SELECT {NOTICE_COLS} FROM cases_notice WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Notice>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// The notices of a case, oldest first.
    pub async fn of_case(&self, case: Uuid) -> Result<Vec<Notice>, DbError> {
        let sql = format!(
            "SELECT {NOTICE_COLS} FROM cases_notice WHERE case_id = $1 ORDER BY created_at, id"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Notice>(sqlx::AssertSqlSafe(sql)).bind(case).fetch_all(pool).await?),
        )
    }

    /// Grants of an account for a document kind.
    pub async fn authorities_of(
        &self,
        account: Uuid,
        kind: &str,
    ) -> Result<Vec<Authority>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Authority>(
            "SELECT id, account_id, org_unit_id, document_kind, capacity, created_by, created_at FROM cases_signing_authority WHERE account_id = $1 AND document_kind = $2",
        ).bind(account).bind(kind).fetch_all(pool).await?))
    }

    /// Every grant.
    pub async fn authorities(&self) -> Result<Vec<Authority>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Authority>(
            "SELECT id, account_id, org_unit_id, document_kind, capacity, created_by, created_at FROM cases_signing_authority ORDER BY created_at, id",
        ).fetch_all(pool).await?))
    }

    /// Adds or changes a grant.
    pub async fn grant(&self, tx: &mut Tx, a: &Authority) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_signing_authority (id, account_id, org_unit_id, document_kind, capacity, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (account_id, org_unit_id, document_kind) DO UPDATE SET capacity = $5, created_by = $6, created_at = $7",
        ).bind(a.id).bind(a.account_id).bind(a.org_unit_id).bind(&a.document_kind).bind(&a.capacity).bind(&a.created_by).bind(a.created_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Removes a grant; false when there was none.
    pub async fn revoke(&self, tx: &mut Tx, id: Uuid) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query("DELETE FROM cases_signing_authority WHERE id = $1")
            .bind(id).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Records a decision signature.
    pub async fn insert_signature(
        &self,
        tx: &mut Tx,
        s: &DecisionSignature,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_decision_signature (id, notice_id, version_id, statement, sha256, account_id, public_key, signature, signed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        ).bind(s.id).bind(s.notice_id).bind(s.version_id).bind(&s.statement).bind(&s.sha256).bind(s.account_id)
        .bind(&s.public_key).bind(&s.signature).bind(s.signed_at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The decision signatures of a notice.
    pub async fn signatures(&self, notice: Uuid) -> Result<Vec<DecisionSignature>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, DecisionSignature>(
            "SELECT id, notice_id, version_id, statement, sha256, account_id, public_key, signature, signed_at FROM cases_decision_signature WHERE notice_id = $1 ORDER BY signed_at, id",
        ).bind(notice).fetch_all(pool).await?),
        )
    }
}
