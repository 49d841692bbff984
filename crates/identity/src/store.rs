//! The SQL of the identity context (tables `identity_*`), written once for
//! both backends.

use crate::domain::{
    Account, AccountKind, AccountStatus, Deputy, Grant, OrgUnit, SessionStage, TokenPurpose,
};
use chrono::{DateTime, NaiveDate, Utc};
use kernel::{AccountId, ApiTokenId, OrgUnitId, Role};
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A consent to record.
pub struct NewConsent<'a> {
    /// Id.
    pub id: Uuid,
    /// The citizen.
    pub account: AccountId,
    /// What it allows.
    pub purpose: &'a str,
    /// What it is about.
    pub subject: Uuid,
    /// Which data it covers.
    pub scope: &'a [String],
    /// When.
    pub now: DateTime<Utc>,
}

/// A live API token as the request check needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveToken {
    /// Id.
    pub id: Uuid,
    /// Scopes, space-separated.
    pub scopes: String,
    /// The account whose roles it acts with.
    pub created_by: Option<Uuid>,
    /// Last use noted (at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Access to the identity tables.
#[derive(Debug, Clone)]
pub struct IdentityStore {
    db: Db,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    kind: String,
    email: String,
    display_name: String,
    status: String,
    org_unit_id: Option<Uuid>,
    totp_enabled: bool,
    created_at: DateTime<Utc>,
}

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Account {
        Account {
            id: AccountId(r.id),
            kind: AccountKind::parse(&r.kind).unwrap_or(AccountKind::Citizen),
            email: r.email,
            display_name: r.display_name,
            status: AccountStatus::parse(&r.status).unwrap_or(AccountStatus::Disabled),
            org_unit: r.org_unit_id.map(OrgUnitId),
            totp_enabled: r.totp_enabled,
            created_at: r.created_at,
        }
    }
}

const ACCOUNT_COLS: &str =
    "id, kind, email, display_name, status, org_unit_id, totp_enabled, created_at";

/// What login needs to know about an account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credentials {
    /// Id.
    pub id: Uuid,
    /// Stored kind.
    pub kind: String,
    /// Stored status.
    pub status: String,
    /// PHC string.
    pub password_hash: String,
    /// TOTP secret (set during enrolment, before it is enabled).
    pub totp_secret: Option<String>,
    /// Second factor active.
    pub totp_enabled: bool,
    /// Locked after too many failures until then.
    pub locked_until: Option<DateTime<Utc>>,
    /// E-mail.
    pub email: String,
}

/// A session row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Account.
    pub account_id: Uuid,
    /// Stored stage.
    pub stage: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Last use (refreshed at most every few minutes).
    pub last_seen_at: DateTime<Utc>,
}

impl SessionRow {
    /// Typed stage.
    pub fn stage(&self) -> SessionStage {
        SessionStage::parse(&self.stage)
    }
}

/// An API token as listed.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApiTokenRow {
    /// Id.
    pub id: Uuid,
    /// Name given by the admin.
    pub name: String,
    /// Space-separated scopes.
    pub scopes: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Revoked, if so.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last used.
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: Uuid,
    parent_id: Option<Uuid>,
    code: String,
    name: String,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: Uuid,
    account_id: Uuid,
    org_unit_id: Uuid,
    role: String,
}

#[derive(sqlx::FromRow)]
struct DeputyRow {
    id: Uuid,
    principal_id: Uuid,
    deputy_id: Uuid,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

/// Fields of a new API token.
#[derive(Debug, Clone)]
pub struct NewApiToken<'a> {
    /// Id.
    pub id: ApiTokenId,
    /// Name given by the admin.
    pub name: &'a str,
    /// SHA-256 of the plain token.
    pub hash: &'a [u8],
    /// Space-separated scopes.
    pub scopes: &'a str,
    /// Creating admin.
    pub created_by: Option<AccountId>,
}

/// Fields of a new account.
#[derive(Debug, Clone)]
pub struct NewAccountRow<'a> {
    /// Id.
    pub id: AccountId,
    /// Kind.
    pub kind: AccountKind,
    /// Normalised e-mail.
    pub email: &'a str,
    /// Name.
    pub display_name: &'a str,
    /// PHC hash.
    pub password_hash: &'a str,
    /// Initial status.
    pub status: AccountStatus,
    /// Home unit.
    pub org_unit: Option<OrgUnitId>,
}

impl IdentityStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        IdentityStore { db }
    }

    /// The database (for starting transactions).
    pub fn db(&self) -> &Db {
        &self.db
    }

    // --- org units -------------------------------------------------------

    /// All units, ordered by code.
    pub async fn units(&self) -> Result<Vec<OrgUnit>, DbError> {
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, UnitRow>(
            "SELECT id, parent_id, code, name FROM identity_org_unit ORDER BY code",
        ).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|r| OrgUnit {
                id: OrgUnitId(r.id),
                parent: r.parent_id.map(OrgUnitId),
                code: r.code,
                name: r.name,
            })
            .collect())
    }

    /// Inserts a unit.
    pub async fn insert_unit(
        &self,
        tx: &mut Tx,
        unit: &OrgUnit,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO identity_org_unit (id, parent_id, code, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        ).bind(unit.id.0).bind(unit.parent.map(|p| p.0)).bind(&unit.code).bind(&unit.name).bind(now)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    // --- accounts --------------------------------------------------------

    /// Inserts an account.
    pub async fn insert_account(
        &self,
        tx: &mut Tx,
        a: &NewAccountRow<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO identity_account (id, kind, email, display_name, password_hash, status, org_unit_id, totp_enabled, failed_logins, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, 0, $8, $8)",
        ).bind(a.id.0).bind(a.kind.as_str()).bind(a.email).bind(a.display_name).bind(a.password_hash)
        .bind(a.status.as_str()).bind(a.org_unit.map(|u| u.0)).bind(now)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// One account.
    pub async fn account(&self, id: AccountId) -> Result<Option<Account>, DbError> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM identity_account WHERE id = $1");
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, AccountRow>(sqlx::AssertSqlSafe(sql))
            .bind(id.0).fetch_optional(pool).await?);
        Ok(row.map(Account::from))
    }

    /// Accounts, optionally of one kind, ordered by name.
    pub async fn accounts(
        &self,
        kind: Option<AccountKind>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Account>, DbError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLS} FROM identity_account WHERE ($1 IS NULL OR kind = $1) ORDER BY display_name, id LIMIT $2 OFFSET $3"
        );
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, AccountRow>(sqlx::AssertSqlSafe(sql))
            .bind(kind.map(|k| k.as_str())).bind(limit).bind(offset).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Account::from).collect())
    }

    /// Login data by e-mail.
    pub async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Credentials>(
            "SELECT id, kind, status, password_hash, totp_secret, totp_enabled, locked_until, email FROM identity_account WHERE email = $1",
        ).bind(email).fetch_optional(pool).await?))
    }

    /// Login data by id.
    pub async fn credentials(&self, id: AccountId) -> Result<Option<Credentials>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, Credentials>(
            "SELECT id, kind, status, password_hash, totp_secret, totp_enabled, locked_until, email FROM identity_account WHERE id = $1",
        ).bind(id.0).fetch_optional(pool).await?))
    }

    /// Sets the status.
    pub async fn set_status(
        &self,
        tx: &mut Tx,
        id: AccountId,
        status: AccountStatus,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let verified = (status == AccountStatus::Active).then_some(now);
        on_tx!(tx, conn => sqlx::query(
            "UPDATE identity_account SET status = $2, email_verified_at = COALESCE(email_verified_at, $3), updated_at = $4 WHERE id = $1",
        ).bind(id.0).bind(status.as_str()).bind(verified).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Sets a new password hash and clears any lockout.
    pub async fn set_password(
        &self,
        tx: &mut Tx,
        id: AccountId,
        phc: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, DbError> {
        Ok(on_tx!(tx, conn => sqlx::query(
            "UPDATE identity_account SET password_hash = $2, failed_logins = 0, locked_until = NULL, updated_at = $3 WHERE id = $1",
        ).bind(id.0).bind(phc).bind(now).execute(conn).await?.rows_affected()))
    }

    /// Records a failed login; locks the account until `lock_until` when
    /// the count reaches `threshold`. Returns the new count.
    pub async fn record_failure(
        &self,
        id: AccountId,
        threshold: i64,
        lock_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let count: i64 = on_db!(&self.db, pool => sqlx::query_scalar(
            "UPDATE identity_account SET failed_logins = failed_logins + 1,
                locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END,
                updated_at = $4
             WHERE id = $1 RETURNING failed_logins",
        ).bind(id.0).bind(threshold).bind(lock_until).bind(now).fetch_one(pool).await?);
        Ok(count)
    }

    /// Resets the failure count after a successful login.
    pub async fn clear_failures(&self, id: AccountId) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query(
            "UPDATE identity_account SET failed_logins = 0, locked_until = NULL WHERE id = $1",
        ).bind(id.0).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Logs a login attempt for the per-address rate limit.
    pub async fn record_attempt(
        &self,
        email: &str,
        address: &str,
        succeeded: bool,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query(
            "INSERT INTO identity_login_attempt (id, email, address, succeeded, at) VALUES ($1, $2, $3, $4, $5)",
        ).bind(Uuid::now_v7()).bind(email).bind(address).bind(succeeded).bind(now).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Failed attempts for an e-mail address since `since` (from anywhere).
    pub async fn failures_for(&self, email: &str, since: DateTime<Utc>) -> Result<i64, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM identity_login_attempt WHERE email = $1 AND at >= $2 AND succeeded = FALSE",
        ).bind(email).bind(since).fetch_one(pool).await?))
    }

    /// Deletes login attempts older than `before` and expired sessions.
    pub async fn prune_logins(
        &self,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_db!(&self.db, pool => {
            sqlx::query("DELETE FROM identity_login_attempt WHERE at < $1").bind(before).execute(pool).await?;
            sqlx::query("DELETE FROM identity_session WHERE expires_at < $1").bind(now).execute(pool).await?;
        });
        Ok(())
    }

    /// Failed attempts from `address` since `since`.
    pub async fn failures_from(&self, address: &str, since: DateTime<Utc>) -> Result<i64, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM identity_login_attempt WHERE address = $1 AND at >= $2 AND succeeded = FALSE",
        ).bind(address).bind(since).fetch_one(pool).await?))
    }

    /// Stores a pending TOTP secret (not yet enabled).
    pub async fn set_totp_secret(&self, id: AccountId, secret: &str) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query(
            "UPDATE identity_account SET totp_secret = $2 WHERE id = $1 AND totp_enabled = FALSE",
        ).bind(id.0).bind(secret).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Enables TOTP and replaces the recovery codes.
    pub async fn enable_totp(
        &self,
        tx: &mut Tx,
        id: AccountId,
        code_hashes: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => {
            sqlx::query("UPDATE identity_account SET totp_enabled = TRUE, updated_at = $2 WHERE id = $1")
                .bind(id.0).bind(now).execute(&mut *conn).await?;
            sqlx::query("DELETE FROM identity_recovery_code WHERE account_id = $1")
                .bind(id.0).execute(&mut *conn).await?;
            for h in code_hashes {
                sqlx::query("INSERT INTO identity_recovery_code (id, account_id, code_hash) VALUES ($1, $2, $3)")
                    .bind(Uuid::now_v7()).bind(id.0).bind(h).execute(&mut *conn).await?;
            }
        });
        Ok(())
    }

    /// Accepts a TOTP time step only if it is newer than the last one used,
    /// so a code cannot be replayed; true when accepted.
    pub async fn use_totp_step(&self, id: AccountId, step: i64) -> Result<bool, DbError> {
        let n = on_db!(&self.db, pool => sqlx::query(
            "UPDATE identity_account SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
        ).bind(id.0).bind(step).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Marks a recovery code used; true when it was valid and unused.
    pub async fn use_recovery_code(
        &self,
        id: AccountId,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_db!(&self.db, pool => sqlx::query(
            "UPDATE identity_recovery_code SET used_at = $3 WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL",
        ).bind(id.0).bind(code_hash).bind(now).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Unused recovery codes left.
    pub async fn recovery_codes_left(&self, id: AccountId) -> Result<i64, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM identity_recovery_code WHERE account_id = $1 AND used_at IS NULL",
        ).bind(id.0).fetch_one(pool).await?))
    }

    // --- roles and deputies ---------------------------------------------

    /// Grants of one account.
    pub async fn grants_of(&self, id: AccountId) -> Result<Vec<Grant>, DbError> {
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, GrantRow>(
            "SELECT id, account_id, org_unit_id, role FROM identity_role_grant WHERE account_id = $1 ORDER BY created_at",
        ).bind(id.0).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(Grant {
                    id: r.id,
                    account: AccountId(r.account_id),
                    org_unit: OrgUnitId(r.org_unit_id),
                    role: Role::parse(&r.role)?,
                })
            })
            .collect())
    }

    /// The grants an account acts with on `day`: its own, and the clerk and
    /// manager grants of everyone it represents as deputy that day (one
    /// query; it runs for every staff request).
    pub async fn acting_grants(
        &self,
        id: AccountId,
        day: chrono::NaiveDate,
    ) -> Result<Vec<Grant>, DbError> {
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, GrantRow>(
            "SELECT id, account_id, org_unit_id, role FROM identity_role_grant WHERE account_id = $1
             UNION ALL
             SELECT g.id, g.account_id, g.org_unit_id, g.role FROM identity_role_grant g
             JOIN identity_deputy d ON d.principal_id = g.account_id
             WHERE d.deputy_id = $1 AND d.starts_on <= $2 AND d.ends_on >= $2 AND g.role IN ('clerk', 'manager')",
        ).bind(id.0).bind(day).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(Grant {
                    id: r.id,
                    account: AccountId(r.account_id),
                    org_unit: OrgUnitId(r.org_unit_id),
                    role: Role::parse(&r.role)?,
                })
            })
            .collect())
    }

    /// Active staff whose home unit is one of `units`: (account, name,
    /// unit), by name.
    pub async fn members_of(&self, units: &[Uuid]) -> Result<Vec<(Uuid, String, Uuid)>, DbError> {
        let mut out = Vec::new();
        // In chunks of units, not a query per unit (a survey of all staff
        // asks for every unit of the city).
        for chunk in units.chunks(500) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT id, display_name, org_unit_id FROM identity_account
                 WHERE org_unit_id IN ({list}) AND status = 'active' AND kind = 'staff' ORDER BY display_name, id"
            );
            let rows: Vec<(Uuid, String, Uuid)> = on_db!(&self.db, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for u in chunk { q = q.bind(u); }
                q.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// (id, e-mail) of the active staff among `ids`.
    pub async fn staff_emails(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, DbError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT id, email FROM identity_account
                 WHERE id IN ({list}) AND status = 'active' AND kind = 'staff' ORDER BY email"
            );
            let rows: Vec<(Uuid, String)> = on_db!(&self.db, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for u in chunk { q = q.bind(u); }
                q.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Active staff whose e-mail address starts with `local@` (a chat
    /// mention names people that way): (account, name, home unit).
    pub async fn staff_by_local_part(
        &self,
        local: &str,
    ) -> Result<Vec<(Uuid, String, Option<Uuid>)>, DbError> {
        let pattern = format!("{}@%", local.replace(['%', '\\'], ""));
        Ok(on_db!(&self.db, pool => sqlx::query_as(
            "SELECT id, display_name, org_unit_id FROM identity_account
             WHERE LOWER(email) LIKE $1 AND status = 'active' AND kind = 'staff' ORDER BY display_name, id",
        ).bind(pattern).fetch_all(pool).await?))
    }

    /// Active staff holding `role` somewhere: (account, name, unit of the
    /// grant).
    pub async fn holders_of(&self, role: Role) -> Result<Vec<(Uuid, String, Uuid)>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as(
            "SELECT a.id, a.display_name, g.org_unit_id FROM identity_role_grant g
             JOIN identity_account a ON a.id = g.account_id
             WHERE g.role = $1 AND a.status = 'active' AND a.kind = 'staff' ORDER BY a.display_name",
        ).bind(role.as_str()).fetch_all(pool).await?))
    }

    /// Adds a grant.
    pub async fn insert_grant(
        &self,
        tx: &mut Tx,
        g: &Grant,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO identity_role_grant (id, account_id, org_unit_id, role, created_at) VALUES ($1, $2, $3, $4, $5)",
        ).bind(g.id).bind(g.account.0).bind(g.org_unit.0).bind(g.role.as_str()).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Removes a grant of an account; true when it existed.
    pub async fn delete_grant(
        &self,
        tx: &mut Tx,
        account: AccountId,
        grant: Uuid,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "DELETE FROM identity_role_grant WHERE id = $1 AND account_id = $2",
        ).bind(grant).bind(account.0).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Adds a deputy period.
    pub async fn insert_deputy(
        &self,
        tx: &mut Tx,
        d: &Deputy,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO identity_deputy (id, principal_id, deputy_id, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        ).bind(d.id).bind(d.principal.0).bind(d.deputy.0).bind(d.starts_on).bind(d.ends_on).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// All deputy periods, newest first.
    pub async fn deputies(&self) -> Result<Vec<Deputy>, DbError> {
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, DeputyRow>(
            "SELECT id, principal_id, deputy_id, starts_on, ends_on FROM identity_deputy ORDER BY starts_on DESC",
        ).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|r| Deputy {
                id: r.id,
                principal: AccountId(r.principal_id),
                deputy: AccountId(r.deputy_id),
                starts_on: r.starts_on,
                ends_on: r.ends_on,
            })
            .collect())
    }

    // --- sessions --------------------------------------------------------

    /// Creates a session.
    pub async fn insert_session(
        &self,
        hash: &[u8],
        account: AccountId,
        stage: SessionStage,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query(
            "INSERT INTO identity_session (token_hash, account_id, stage, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)",
        ).bind(hash).bind(account.0).bind(stage.as_str()).bind(now).bind(expires).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// A session by token hash.
    pub async fn session(&self, hash: &[u8]) -> Result<Option<SessionRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, SessionRow>(
            "SELECT account_id, stage, expires_at, last_seen_at FROM identity_session WHERE token_hash = $1",
        ).bind(hash).fetch_optional(pool).await?))
    }

    /// Moves a session to the complete stage, extending it.
    pub async fn complete_session(
        &self,
        hash: &[u8],
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query(
            "UPDATE identity_session SET stage = 'complete', expires_at = $2, last_seen_at = $3 WHERE token_hash = $1",
        ).bind(hash).bind(expires).bind(now).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Slides a session's expiry.
    pub async fn touch_session(
        &self,
        hash: &[u8],
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query(
            "UPDATE identity_session SET expires_at = $2, last_seen_at = $3 WHERE token_hash = $1",
        ).bind(hash).bind(expires).bind(now).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Ends one session.
    pub async fn delete_session(&self, hash: &[u8]) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query("DELETE FROM identity_session WHERE token_hash = $1")
            .bind(hash).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Ends all sessions of an account (disable, password change).
    pub async fn delete_sessions_of(&self, tx: &mut Tx, id: AccountId) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query("DELETE FROM identity_session WHERE account_id = $1")
            .bind(id.0).execute(conn).await?.rows_affected());
        Ok(())
    }

    // --- one-time tokens -------------------------------------------------

    /// Stores a one-time token.
    pub async fn insert_token(
        &self,
        tx: &mut Tx,
        hash: &[u8],
        purpose: TokenPurpose,
        account: AccountId,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO identity_one_time_token (token_hash, purpose, account_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        ).bind(hash).bind(purpose.as_str()).bind(account.0).bind(expires).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Consumes a valid token in `tx`; returns its account.
    pub async fn consume_token(
        &self,
        tx: &mut Tx,
        hash: &[u8],
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountId>, DbError> {
        let id: Option<Uuid> = on_tx!(tx, conn => sqlx::query_scalar(
            "UPDATE identity_one_time_token SET used_at = $3
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
             RETURNING account_id",
        ).bind(hash).bind(purpose.as_str()).bind(now).fetch_optional(conn).await?);
        Ok(id.map(AccountId))
    }

    // --- API tokens ------------------------------------------------------

    /// Stores an API token.
    pub async fn insert_api_token(
        &self,
        tx: &mut Tx,
        t: &NewApiToken<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO identity_api_token (id, name, token_hash, scopes, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        ).bind(t.id.0).bind(t.name).bind(t.hash).bind(t.scopes).bind(t.created_by.map(|a| a.0)).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// A live (not revoked) API token by hash: id, scopes, creator, last use.
    pub async fn live_api_token(&self, hash: &[u8]) -> Result<Option<LiveToken>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, LiveToken>(
            "SELECT id, scopes, created_by, last_used_at FROM identity_api_token WHERE token_hash = $1 AND revoked_at IS NULL",
        ).bind(hash).fetch_optional(pool).await?))
    }

    /// Notes the use of a token. A write transaction (it queues behind the
    /// other writers instead of contending for SQLite's lock).
    pub async fn touch_api_token(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
        let mut tx = self.db.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE identity_api_token SET last_used_at = $2 WHERE id = $1",
        ).bind(id).bind(now).execute(conn).await?.rows_affected());
        tx.commit().await?;
        Ok(())
    }

    /// All API tokens.
    pub async fn api_tokens(&self) -> Result<Vec<ApiTokenRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, ApiTokenRow>(
            "SELECT id, name, scopes, created_at, revoked_at, last_used_at FROM identity_api_token ORDER BY created_at DESC",
        ).fetch_all(pool).await?))
    }

    /// Revokes a token; true when it was live.
    pub async fn revoke_api_token(
        &self,
        tx: &mut Tx,
        id: ApiTokenId,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE identity_api_token SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        ).bind(id.0).bind(now).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Number of accounts (demo seeding checks for an empty database).
    pub async fn account_count(&self) -> Result<i64, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM identity_account").fetch_one(pool).await?),
        )
    }

    /// The profile of an account (empty when none was saved).
    pub async fn profile(&self, id: AccountId) -> Result<crate::profile::Profile, DbError> {
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, (String, String, String, String, String, String, String, String)>(
            "SELECT given_name, family_name, birth_date, street, house_number, postcode, city, phone FROM identity_profile WHERE account_id = $1",
        ).bind(id.0).fetch_optional(pool).await?);
        Ok(row
            .map(|r| crate::profile::Profile {
                given_name: r.0,
                family_name: r.1,
                birth_date: r.2,
                street: r.3,
                house_number: r.4,
                postcode: r.5,
                city: r.6,
                phone: r.7,
            })
            .unwrap_or_default())
    }

    /// Saves the profile of an account.
    pub async fn save_profile(
        &self,
        tx: &mut Tx,
        id: AccountId,
        p: &crate::profile::Profile,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO identity_profile (account_id, given_name, family_name, birth_date, street, house_number, postcode, city, phone, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (account_id) DO UPDATE SET given_name = $2, family_name = $3, birth_date = $4, street = $5,
                 house_number = $6, postcode = $7, city = $8, phone = $9, updated_at = $10",
        ).bind(id.0).bind(&p.given_name).bind(&p.family_name).bind(&p.birth_date).bind(&p.street)
        .bind(&p.house_number).bind(&p.postcode).bind(&p.city).bind(&p.phone).bind(now)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Records a consent.
    pub async fn insert_consent(&self, tx: &mut Tx, c: &NewConsent<'_>) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO identity_consent (id, account_id, purpose, subject_id, scope, granted_at) VALUES ($1, $2, $3, $4, $5, $6)",
        ).bind(c.id).bind(c.account.0).bind(c.purpose).bind(c.subject).bind(sqlx::types::Json(c.scope)).bind(c.now)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The consents of an account, newest first (revoked ones too).
    pub async fn consents(
        &self,
        account: AccountId,
    ) -> Result<Vec<crate::consent::Consent>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, crate::consent::Consent>(
            "SELECT id, purpose, subject_id, scope, granted_at, revoked_at FROM identity_consent WHERE account_id = $1 ORDER BY granted_at DESC",
        ).bind(account.0).fetch_all(pool).await?),
        )
    }

    /// Revokes a consent of the account in force; false when there is none.
    pub async fn revoke_consent(
        &self,
        tx: &mut Tx,
        account: AccountId,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE identity_consent SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
        ).bind(id).bind(account.0).bind(now).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }
}
