//! The SQL of mobile work, once for both backends.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A version of the service agreement.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AgreementRow {
    /// 1, 2, …
    pub version: i64,
    /// Applies from this day.
    pub valid_from: NaiveDate,
    /// Most mobile time per calendar month, per mille of the contractual
    /// time net of absence.
    pub max_mobile_permille: i64,
    /// Core hours start (`HH:MM`).
    pub core_start: String,
    /// Core hours end.
    pub core_end: String,
    /// Days of notice for changes and revocation.
    pub notice_days: i64,
    /// Months a training stays valid.
    pub training_months: i64,
    /// Excluded and partly eligible units (JSON).
    pub exclusions: String,
    /// `manager` or `team`.
    pub visibility: String,
    /// Days a plan is kept after its last day.
    pub plan_retention_days: i64,
    /// Smallest group a report shows a figure for.
    pub min_group: i64,
    /// Who set it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

const AGREEMENT_COLS: &str = "version, valid_from, max_mobile_permille, core_start, core_end, notice_days, training_months, exclusions, visibility, plan_retention_days, min_group, created_by, created_at";

/// An enrolment in mobile work.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EnrolmentRow {
    /// Id.
    pub id: Uuid,
    /// The person.
    pub account_id: Uuid,
    /// Their unit when they applied.
    pub org_unit_id: Uuid,
    /// The agreement version it was made under.
    pub agreement_version: i64,
    /// Contractual minutes per week.
    pub weekly_minutes: i64,
    /// ISO weekdays worked (`1,2,3,4,5`).
    pub work_days: String,
    /// The person's note with the application.
    pub note: String,
    /// `applied`, `approved`, `declined` or `revoked`.
    pub state: String,
    /// Why it was declined or revoked.
    pub reason: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// Who revoked.
    pub revoked_by: Option<String>,
    /// Last day of mobile work after a revocation.
    pub ends_on: Option<NaiveDate>,
    /// Applied at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const ENROLMENT_COLS: &str = "id, account_id, org_unit_id, agreement_version, weekly_minutes, work_days, note, state, reason, decided_by, decided_at, revoked_by, ends_on, created_at, updated_at";

/// A confirmed readiness item.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ConfirmationRow {
    /// The person.
    pub account_id: Uuid,
    /// The item.
    pub item: String,
    /// Confirmed for this day.
    pub confirmed_on: NaiveDate,
    /// Valid until (trainings).
    pub valid_until: Option<NaiveDate>,
    /// Who confirmed.
    pub confirmed_by: String,
}

/// A device of the inventory.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DeviceRow {
    /// Id.
    pub id: Uuid,
    /// `notebook`, `smartphone` or `tablet`.
    pub kind: String,
    /// Model.
    pub model: String,
    /// Serial number.
    pub serial: String,
    /// Inventory number.
    pub inventory_no: String,
    /// `in_stock`, `issued`, `in_repair` or `retired`.
    pub state: String,
    /// Who has it.
    pub holder_id: Option<Uuid>,
    /// When the holder confirmed receipt.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Added.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const DEVICE_COLS: &str = "id, kind, model, serial, inventory_no, state, holder_id, acknowledged_at, created_at, updated_at";

/// An entry of a device's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DeviceEventRow {
    /// Id.
    pub id: Uuid,
    /// The device.
    pub device_id: Uuid,
    /// What happened.
    pub event: String,
    /// The person concerned.
    pub account_id: Option<Uuid>,
    /// Who did it.
    pub by_name: String,
    /// Note.
    pub note: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A VPN grant.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct VpnGrantRow {
    /// Id.
    pub id: Uuid,
    /// The person.
    pub account_id: Uuid,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day (none: open-ended).
    pub ends_on: Option<NaiveDate>,
    /// Who granted it.
    pub granted_by: String,
    /// Who revoked it early.
    pub revoked_by: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

const VPN_COLS: &str = "id, account_id, starts_on, ends_on, granted_by, revoked_by, created_at";

/// Counts per kind and state.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DeviceCount {
    /// Kind.
    pub kind: String,
    /// State.
    pub state: String,
    /// How many.
    pub n: i64,
}

/// A location with its desks.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LocationRow {
    /// Id.
    pub id: Uuid,
    /// Name, e.g. "Rathaus, 3. OG".
    pub name: String,
    /// Desks.
    pub desks: i64,
}

/// A team's planning settings.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TeamRow {
    /// The unit.
    pub org_unit_id: Uuid,
    /// Where its desks are.
    pub location_id: Option<Uuid>,
    /// Rotation mode (cohorts never share a day on site).
    pub rotation: bool,
}

/// A person's planning wishes.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PersonRow {
    /// The person.
    pub account_id: Uuid,
    /// Rotation cohort (0 = A, 1 = B, …).
    pub cohort: Option<i64>,
    /// ISO weekdays wished in the office.
    pub office_days: String,
    /// ISO weekdays wished mobile.
    pub mobile_days: String,
}

/// A consultation-hours slot.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SlotRow {
    /// Id.
    pub id: Uuid,
    /// The unit.
    pub org_unit_id: Uuid,
    /// ISO weekday.
    pub weekday: i64,
    /// Label, e.g. "Sprechzeit 8–12 Uhr".
    pub label: String,
    /// Skill needed.
    pub skill: String,
    /// Qualified people needed on site.
    pub min_people: i64,
}

/// A presence plan.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlanRow {
    /// Id.
    pub id: Uuid,
    /// The team.
    pub org_unit_id: Uuid,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// `draft` or `published`.
    pub state: String,
    /// Raised by every change.
    pub revision: i64,
    /// Who generated it.
    pub created_by: String,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const PLAN_COLS: &str = "id, org_unit_id, starts_on, ends_on, state, revision, created_by, published_at, created_at, updated_at";

/// A cell of a plan.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CellRow {
    /// The plan.
    pub plan_id: Uuid,
    /// The person.
    pub account_id: Uuid,
    /// The day.
    pub day: NaiveDate,
    /// `on_site`, `mobile`, `absent` or `off`.
    pub presence: String,
}

/// A person's request to change a day of a plan.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RequestRow {
    /// Id.
    pub id: Uuid,
    /// The plan.
    pub plan_id: Uuid,
    /// The person.
    pub account_id: Uuid,
    /// The day.
    pub day: NaiveDate,
    /// `on_site` or `mobile`.
    pub wanted: String,
    /// Why.
    pub note: String,
    /// `open`, `accepted` or `declined`.
    pub state: String,
    /// The manager's answer.
    pub answer: String,
    /// Asked.
    pub created_at: DateTime<Utc>,
    /// Answered.
    pub decided_at: Option<DateTime<Utc>>,
}

const REQUEST_COLS: &str =
    "id, plan_id, account_id, day, wanted, note, state, answer, created_at, decided_at";

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The workplace tables.
#[derive(Clone)]
pub struct WorkplaceStore {
    db: Db,
}

impl WorkplaceStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        WorkplaceStore { db }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    // --- agreement ------------------------------------------------------

    /// Every version, newest first.
    pub async fn agreements(&self) -> Result<Vec<AgreementRow>, DbError> {
        let sql = format!("SELECT {AGREEMENT_COLS} FROM workplace_agreement ORDER BY version DESC");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, AgreementRow>(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?),
        )
    }

    /// The newest version number, for the transaction adding the next.
    pub async fn last_version(&self, tx: &mut Tx) -> Result<i64, DbError> {
        let v: Option<i64> = on_tx!(tx, conn => sqlx::query_scalar("SELECT MAX(version) FROM workplace_agreement").fetch_one(conn).await?);
        Ok(v.unwrap_or(0))
    }

    /// Adds a version.
    pub async fn insert_agreement(&self, tx: &mut Tx, a: &AgreementRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_agreement (version, valid_from, max_mobile_permille, core_start, core_end, notice_days, training_months, exclusions, visibility, plan_retention_days, min_group, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        ).bind(a.version).bind(a.valid_from).bind(a.max_mobile_permille).bind(&a.core_start).bind(&a.core_end)
        .bind(a.notice_days).bind(a.training_months).bind(&a.exclusions).bind(&a.visibility)
        .bind(a.plan_retention_days).bind(a.min_group).bind(&a.created_by).bind(a.created_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    // --- enrolment ------------------------------------------------------

    /// One enrolment.
    pub async fn enrolment(&self, id: Uuid) -> Result<Option<EnrolmentRow>, DbError> {
        let sql = format!("SELECT {ENROLMENT_COLS} FROM workplace_enrolment WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, EnrolmentRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// A person's enrolments, newest first.
    pub async fn enrolments_of(&self, account: Uuid) -> Result<Vec<EnrolmentRow>, DbError> {
        let sql = format!(
            "SELECT {ENROLMENT_COLS} FROM workplace_enrolment WHERE account_id = $1 ORDER BY created_at DESC"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, EnrolmentRow>(sqlx::AssertSqlSafe(sql)).bind(account).fetch_all(pool).await?),
        )
    }

    /// Enrolments of units in a state.
    pub async fn enrolments_in(
        &self,
        units: &[Uuid],
        states: &[&str],
    ) -> Result<Vec<EnrolmentRow>, DbError> {
        let mut out = Vec::new();
        for unit in units {
            for state in states {
                let sql = format!(
                    "SELECT {ENROLMENT_COLS} FROM workplace_enrolment WHERE org_unit_id = $1 AND state = $2 ORDER BY created_at"
                );
                let rows = on_db!(&self.db, pool => sqlx::query_as::<_, EnrolmentRow>(sqlx::AssertSqlSafe(sql)).bind(unit).bind(*state).fetch_all(pool).await?);
                out.extend(rows);
            }
        }
        out.sort_by_key(|e| e.created_at);
        Ok(out)
    }

    /// Every enrolment in a state (reports, IT's worklist).
    pub async fn enrolments_by_state(&self, state: &str) -> Result<Vec<EnrolmentRow>, DbError> {
        let sql = format!(
            "SELECT {ENROLMENT_COLS} FROM workplace_enrolment WHERE state = $1 ORDER BY created_at"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, EnrolmentRow>(sqlx::AssertSqlSafe(sql)).bind(state).fetch_all(pool).await?),
        )
    }

    /// Adds an enrolment; `false` when the person has an open one already
    /// (the unique index decides, so two tabs cannot both apply).
    pub async fn insert_enrolment(&self, tx: &mut Tx, e: &EnrolmentRow) -> Result<bool, DbError> {
        let sql = "INSERT INTO workplace_enrolment (id, account_id, org_unit_id, agreement_version, weekly_minutes, work_days, note, state, reason, decided_by, decided_at, revoked_by, ends_on, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING";
        let n = on_tx!(tx, conn => sqlx::query(sql)
            .bind(e.id).bind(e.account_id).bind(e.org_unit_id).bind(e.agreement_version).bind(e.weekly_minutes)
            .bind(&e.work_days).bind(&e.note).bind(&e.state).bind(&e.reason).bind(&e.decided_by).bind(e.decided_at)
            .bind(&e.revoked_by).bind(e.ends_on).bind(e.created_at).bind(e.updated_at)
            .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Moves an enrolment from `from` to its new state; `false` when it
    /// was not in `from` any more (someone else was quicker).
    pub async fn update_enrolment(
        &self,
        tx: &mut Tx,
        e: &EnrolmentRow,
        from: &str,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE workplace_enrolment SET state = $1, reason = $2, decided_by = $3, decided_at = $4, revoked_by = $5, ends_on = $6, updated_at = $7
             WHERE id = $8 AND state = $9",
        ).bind(&e.state).bind(&e.reason).bind(&e.decided_by).bind(e.decided_at).bind(&e.revoked_by).bind(e.ends_on)
        .bind(e.updated_at).bind(e.id).bind(from)
        .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    // --- readiness ------------------------------------------------------

    /// A person's confirmed items.
    pub async fn confirmations(&self, account: Uuid) -> Result<Vec<ConfirmationRow>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, ConfirmationRow>(
            "SELECT account_id, item, confirmed_on, valid_until, confirmed_by FROM workplace_readiness WHERE account_id = $1",
        ).bind(account).fetch_all(pool).await?),
        )
    }

    /// Every confirmed item (reports and worklists over many people).
    pub async fn all_confirmations(&self) -> Result<Vec<ConfirmationRow>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, ConfirmationRow>(
            "SELECT account_id, item, confirmed_on, valid_until, confirmed_by FROM workplace_readiness",
        ).fetch_all(pool).await?),
        )
    }

    /// Confirms an item (again: a renewed training replaces the old).
    pub async fn confirm(&self, tx: &mut Tx, c: &ConfirmationRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_readiness (account_id, item, confirmed_on, valid_until, confirmed_by) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account_id, item) DO UPDATE SET confirmed_on = excluded.confirmed_on, valid_until = excluded.valid_until, confirmed_by = excluded.confirmed_by",
        ).bind(c.account_id).bind(&c.item).bind(c.confirmed_on).bind(c.valid_until).bind(&c.confirmed_by)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    // --- devices --------------------------------------------------------

    /// One device.
    pub async fn device(&self, id: Uuid) -> Result<Option<DeviceRow>, DbError> {
        let sql = format!("SELECT {DEVICE_COLS} FROM workplace_device WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, DeviceRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// Devices, optionally of one kind and state, by inventory number,
    /// at most `limit`.
    pub async fn devices(
        &self,
        kind: Option<&str>,
        state: Option<&str>,
        search: &str,
        limit: i64,
    ) -> Result<Vec<DeviceRow>, DbError> {
        let sql = format!(
            "SELECT {DEVICE_COLS} FROM workplace_device
             WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR state = $2)
               AND ($3 = '' OR inventory_no = $3 OR serial = $3 OR LOWER(model) LIKE '%' || LOWER($3) || '%')
             ORDER BY inventory_no LIMIT $4"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, DeviceRow>(sqlx::AssertSqlSafe(sql))
            .bind(kind.unwrap_or("")).bind(state.unwrap_or("")).bind(search).bind(limit).fetch_all(pool).await?),
        )
    }

    /// The devices a person holds.
    pub async fn devices_of(&self, account: Uuid) -> Result<Vec<DeviceRow>, DbError> {
        let sql = format!(
            "SELECT {DEVICE_COLS} FROM workplace_device WHERE holder_id = $1 ORDER BY inventory_no"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, DeviceRow>(sqlx::AssertSqlSafe(sql)).bind(account).fetch_all(pool).await?),
        )
    }

    /// Every issued device's holder and kind, with whether receipt is
    /// confirmed (readiness over many people).
    pub async fn holders(&self) -> Result<Vec<(Uuid, String, bool)>, DbError> {
        let rows: Vec<(Uuid, String, Option<DateTime<Utc>>)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT holder_id, kind, acknowledged_at FROM workplace_device WHERE state = 'issued' AND holder_id IS NOT NULL",
        ).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(a, k, ack)| (a, k, ack.is_some()))
            .collect())
    }

    /// Inventory and serial numbers already taken among `numbers`.
    pub async fn taken_numbers(
        &self,
        inventory: &[String],
        serials: &[String],
    ) -> Result<(Vec<String>, Vec<String>), DbError> {
        let mut inv = Vec::new();
        let mut ser = Vec::new();
        // Chunks keep the parameter count far below both backends' limits.
        for chunk in inventory.chunks(500) {
            let marks = placeholders(chunk.len());
            let sql = format!(
                "SELECT inventory_no FROM workplace_device WHERE inventory_no IN ({marks})"
            );
            let rows: Vec<String> = on_db!(&self.db, pool => {
                let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
                for v in chunk { q = q.bind(v); }
                q.fetch_all(pool).await?
            });
            inv.extend(rows);
        }
        for chunk in serials.chunks(500) {
            let marks = placeholders(chunk.len());
            let sql = format!("SELECT serial FROM workplace_device WHERE serial IN ({marks})");
            let rows: Vec<String> = on_db!(&self.db, pool => {
                let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
                for v in chunk { q = q.bind(v); }
                q.fetch_all(pool).await?
            });
            ser.extend(rows);
        }
        Ok((inv, ser))
    }

    /// Adds a device; `false` when its inventory or serial number is
    /// taken.
    pub async fn insert_device(&self, tx: &mut Tx, d: &DeviceRow) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_device (id, kind, model, serial, inventory_no, state, holder_id, acknowledged_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
        ).bind(d.id).bind(&d.kind).bind(&d.model).bind(&d.serial).bind(&d.inventory_no).bind(&d.state)
        .bind(d.holder_id).bind(d.acknowledged_at).bind(d.created_at).bind(d.updated_at)
        .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Moves a device from state `from`; `false` when it was not in it.
    pub async fn update_device(
        &self,
        tx: &mut Tx,
        d: &DeviceRow,
        from: &str,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE workplace_device SET state = $1, holder_id = $2, acknowledged_at = $3, updated_at = $4 WHERE id = $5 AND state = $6",
        ).bind(&d.state).bind(d.holder_id).bind(d.acknowledged_at).bind(d.updated_at).bind(d.id).bind(from)
        .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Records a device event.
    pub async fn insert_device_event(
        &self,
        tx: &mut Tx,
        e: &DeviceEventRow,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_device_event (id, device_id, event, account_id, by_name, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ).bind(e.id).bind(e.device_id).bind(&e.event).bind(e.account_id).bind(&e.by_name).bind(&e.note).bind(e.at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// A device's history, oldest first.
    pub async fn device_events(&self, device: Uuid) -> Result<Vec<DeviceEventRow>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, DeviceEventRow>(
            "SELECT id, device_id, event, account_id, by_name, note, at FROM workplace_device_event WHERE device_id = $1 ORDER BY at, id",
        ).bind(device).fetch_all(pool).await?),
        )
    }

    /// A person's device history, oldest first.
    pub async fn device_events_of(&self, account: Uuid) -> Result<Vec<DeviceEventRow>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, DeviceEventRow>(
            "SELECT id, device_id, event, account_id, by_name, note, at FROM workplace_device_event WHERE account_id = $1 ORDER BY at, id",
        ).bind(account).fetch_all(pool).await?),
        )
    }

    /// Devices per kind and state.
    pub async fn device_counts(&self) -> Result<Vec<DeviceCount>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, DeviceCount>(
            "SELECT kind, state, COUNT(*) AS n FROM workplace_device GROUP BY kind, state ORDER BY kind, state",
        ).fetch_all(pool).await?))
    }

    // --- VPN ------------------------------------------------------------

    /// A person's grants, newest first.
    pub async fn vpn_grants_of(&self, account: Uuid) -> Result<Vec<VpnGrantRow>, DbError> {
        let sql = format!(
            "SELECT {VPN_COLS} FROM workplace_vpn_grant WHERE account_id = $1 ORDER BY starts_on DESC, created_at DESC"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, VpnGrantRow>(sqlx::AssertSqlSafe(sql)).bind(account).fetch_all(pool).await?),
        )
    }

    /// One grant.
    pub async fn vpn_grant(&self, id: Uuid) -> Result<Option<VpnGrantRow>, DbError> {
        let sql = format!("SELECT {VPN_COLS} FROM workplace_vpn_grant WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, VpnGrantRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// The people with a grant covering `day`.
    pub async fn vpn_holders_on(&self, day: NaiveDate) -> Result<Vec<Uuid>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT DISTINCT account_id FROM workplace_vpn_grant WHERE starts_on <= $1 AND (ends_on IS NULL OR ends_on >= $1)",
        ).bind(day).fetch_all(pool).await?))
    }

    /// Adds a grant.
    pub async fn insert_vpn_grant(&self, tx: &mut Tx, g: &VpnGrantRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_vpn_grant (id, account_id, starts_on, ends_on, granted_by, revoked_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ).bind(g.id).bind(g.account_id).bind(g.starts_on).bind(g.ends_on).bind(&g.granted_by).bind(&g.revoked_by).bind(g.created_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Ends a grant on `day`.
    pub async fn end_vpn_grant(
        &self,
        tx: &mut Tx,
        id: Uuid,
        day: NaiveDate,
        by: &str,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE workplace_vpn_grant SET ends_on = $1, revoked_by = $2 WHERE id = $3 AND revoked_by IS NULL",
        ).bind(day).bind(by).bind(id).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    // --- plans ----------------------------------------------------------

    /// Makes the person's mobile days after `last` office days in every
    /// plan (a revoked enrolment); returns how many changed.
    pub async fn office_after(
        &self,
        tx: &mut Tx,
        account: Uuid,
        last: NaiveDate,
    ) -> Result<u64, DbError> {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE workplace_plan SET revision = revision + 1 WHERE id IN
               (SELECT plan_id FROM workplace_plan_cell WHERE account_id = $1 AND day > $2 AND presence = 'mobile')",
        ).bind(account).bind(last).execute(conn).await?.rows_affected());
        Ok(on_tx!(tx, conn => sqlx::query(
            "UPDATE workplace_plan_cell SET presence = 'on_site' WHERE account_id = $1 AND day > $2 AND presence = 'mobile'",
        ).bind(account).bind(last).execute(conn).await?.rows_affected()))
    }

    // --- planning settings ------------------------------------------------

    /// Every location, by name.
    pub async fn locations(&self) -> Result<Vec<LocationRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, LocationRow>(
            "SELECT id, name, desks FROM workplace_location ORDER BY name",
        ).fetch_all(pool).await?))
    }

    /// Adds a location or sets its desks; `false` when the name is taken
    /// by another location.
    pub async fn upsert_location(
        &self,
        tx: &mut Tx,
        l: &LocationRow,
        at: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_location (id, name, desks, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, desks = excluded.desks",
        ).bind(l.id).bind(&l.name).bind(l.desks).bind(at).execute(conn).await.map(|r| r.rows_affected()));
        match n {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// A team's settings.
    pub async fn team(&self, unit: Uuid) -> Result<Option<TeamRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, TeamRow>(
            "SELECT org_unit_id, location_id, rotation FROM workplace_team WHERE org_unit_id = $1",
        ).bind(unit).fetch_optional(pool).await?))
    }

    /// The teams at a location.
    pub async fn teams_at(&self, location: Uuid) -> Result<Vec<Uuid>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT org_unit_id FROM workplace_team WHERE location_id = $1",
        ).bind(location).fetch_all(pool).await?))
    }

    /// Saves a team's settings.
    pub async fn set_team(
        &self,
        tx: &mut Tx,
        t: &TeamRow,
        at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_team (org_unit_id, location_id, rotation, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (org_unit_id) DO UPDATE SET location_id = excluded.location_id, rotation = excluded.rotation, updated_at = excluded.updated_at",
        ).bind(t.org_unit_id).bind(t.location_id).bind(t.rotation).bind(at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Planning wishes of people.
    pub async fn persons(&self, people: &[Uuid]) -> Result<Vec<PersonRow>, DbError> {
        let mut out = Vec::new();
        for chunk in people.chunks(500) {
            let sql = format!(
                "SELECT account_id, cohort, office_days, mobile_days FROM workplace_person WHERE account_id IN ({})",
                placeholders(chunk.len())
            );
            let rows: Vec<PersonRow> = on_db!(&self.db, pool => {
                let mut q = sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql.clone()));
                for v in chunk { q = q.bind(v); }
                q.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Saves a person's wishes and cohort.
    pub async fn set_person(
        &self,
        tx: &mut Tx,
        p: &PersonRow,
        at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_person (account_id, cohort, office_days, mobile_days, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account_id) DO UPDATE SET cohort = excluded.cohort, office_days = excluded.office_days, mobile_days = excluded.mobile_days, updated_at = excluded.updated_at",
        ).bind(p.account_id).bind(p.cohort).bind(&p.office_days).bind(&p.mobile_days).bind(at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// A unit's consultation-hours slots.
    pub async fn slots(&self, unit: Uuid) -> Result<Vec<SlotRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, SlotRow>(
            "SELECT id, org_unit_id, weekday, label, skill, min_people FROM workplace_slot WHERE org_unit_id = $1 ORDER BY weekday, label",
        ).bind(unit).fetch_all(pool).await?))
    }

    /// Adds a slot.
    pub async fn insert_slot(
        &self,
        tx: &mut Tx,
        s: &SlotRow,
        at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_slot (id, org_unit_id, weekday, label, skill, min_people, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ).bind(s.id).bind(s.org_unit_id).bind(s.weekday).bind(&s.label).bind(&s.skill).bind(s.min_people).bind(at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Removes a slot of a unit.
    pub async fn delete_slot(&self, tx: &mut Tx, unit: Uuid, id: Uuid) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query("DELETE FROM workplace_slot WHERE id = $1 AND org_unit_id = $2")
            .bind(id).bind(unit).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Absences of people in a period.
    pub async fn absences(
        &self,
        people: &[Uuid],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(Uuid, NaiveDate, String)>, DbError> {
        let mut out = Vec::new();
        for chunk in people.chunks(500) {
            let n = chunk.len();
            let sql = format!(
                "SELECT account_id, day, kind FROM workplace_absence WHERE account_id IN ({}) AND day >= ${} AND day <= ${} ORDER BY day",
                placeholders(n),
                n + 1,
                n + 2
            );
            let rows: Vec<(Uuid, NaiveDate, String)> = on_db!(&self.db, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for v in chunk { q = q.bind(v); }
                q.bind(from).bind(to).fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Records absence days (again: the kind is replaced).
    pub async fn add_absence(
        &self,
        tx: &mut Tx,
        person: Uuid,
        day: NaiveDate,
        kind: &str,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_absence (account_id, day, kind) VALUES ($1, $2, $3) ON CONFLICT (account_id, day) DO UPDATE SET kind = excluded.kind",
        ).bind(person).bind(day).bind(kind).execute(conn).await?.rows_affected());
        Ok(())
    }

    // --- plans ----------------------------------------------------------

    /// One plan.
    pub async fn plan(&self, id: Uuid) -> Result<Option<PlanRow>, DbError> {
        let sql = format!("SELECT {PLAN_COLS} FROM workplace_plan WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, PlanRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// A unit's plans, newest period first.
    pub async fn plans_of(&self, unit: Uuid) -> Result<Vec<PlanRow>, DbError> {
        let sql = format!(
            "SELECT {PLAN_COLS} FROM workplace_plan WHERE org_unit_id = $1 ORDER BY starts_on DESC"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, PlanRow>(sqlx::AssertSqlSafe(sql)).bind(unit).fetch_all(pool).await?),
        )
    }

    /// Plans of a unit overlapping a period.
    pub async fn plans_overlapping(
        &self,
        unit: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<PlanRow>, DbError> {
        let sql = format!(
            "SELECT {PLAN_COLS} FROM workplace_plan WHERE org_unit_id = $1 AND starts_on <= $3 AND ends_on >= $2"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, PlanRow>(sqlx::AssertSqlSafe(sql)).bind(unit).bind(from).bind(to).fetch_all(pool).await?),
        )
    }

    /// A plan's cells.
    pub async fn cells(&self, plan: Uuid) -> Result<Vec<CellRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, CellRow>(
            "SELECT plan_id, account_id, day, presence FROM workplace_plan_cell WHERE plan_id = $1 ORDER BY account_id, day",
        ).bind(plan).fetch_all(pool).await?))
    }

    /// A person's cells in published plans in a period.
    pub async fn published_cells_of(
        &self,
        person: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CellRow>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, CellRow>(
            "SELECT c.plan_id, c.account_id, c.day, c.presence FROM workplace_plan_cell c JOIN workplace_plan p ON p.id = c.plan_id
             WHERE c.account_id = $1 AND p.state = 'published' AND c.day >= $2 AND c.day <= $3 ORDER BY c.day",
        ).bind(person).bind(from).bind(to).fetch_all(pool).await?))
    }

    /// Cells of many people in published plans in a period.
    pub async fn published_cells_of_many(
        &self,
        people: &[Uuid],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CellRow>, DbError> {
        let mut out = Vec::new();
        for chunk in people.chunks(500) {
            let n = chunk.len();
            let sql = format!(
                "SELECT c.plan_id, c.account_id, c.day, c.presence FROM workplace_plan_cell c JOIN workplace_plan p ON p.id = c.plan_id
                 WHERE p.state = 'published' AND c.account_id IN ({}) AND c.day >= ${} AND c.day <= ${}",
                placeholders(n),
                n + 1,
                n + 2
            );
            let rows: Vec<CellRow> = on_db!(&self.db, pool => {
                let mut q = sqlx::query_as::<_, CellRow>(sqlx::AssertSqlSafe(sql.clone()));
                for v in chunk { q = q.bind(v); }
                q.bind(from).bind(to).fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// On-site people per day in the published plans of other units
    /// (sharing a location) in a period: (day, count).
    pub async fn on_site_elsewhere(
        &self,
        units: &[Uuid],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, i64)>, DbError> {
        let mut out: Vec<(NaiveDate, i64)> = Vec::new();
        for chunk in units.chunks(500) {
            let n = chunk.len();
            let sql = format!(
                "SELECT c.day, COUNT(*) FROM workplace_plan_cell c JOIN workplace_plan p ON p.id = c.plan_id
                 WHERE p.org_unit_id IN ({}) AND p.state = 'published' AND c.presence = 'on_site' AND c.day >= ${} AND c.day <= ${}
                 GROUP BY c.day",
                placeholders(n),
                n + 1,
                n + 2
            );
            let rows: Vec<(NaiveDate, i64)> = on_db!(&self.db, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for v in chunk { q = q.bind(v); }
                q.bind(from).bind(to).fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Adds a plan with its cells.
    pub async fn insert_plan(
        &self,
        tx: &mut Tx,
        p: &PlanRow,
        cells: &[CellRow],
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_plan (id, org_unit_id, starts_on, ends_on, state, revision, created_by, published_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        ).bind(p.id).bind(p.org_unit_id).bind(p.starts_on).bind(p.ends_on).bind(&p.state).bind(p.revision)
        .bind(&p.created_by).bind(p.published_at).bind(p.created_at).bind(p.updated_at)
        .execute(conn).await?.rows_affected());
        // Many rows per statement (a 4-week plan of a team: some 200).
        for chunk in cells.chunks(200) {
            on_tx!(tx, conn => {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO workplace_plan_cell (plan_id, account_id, day, presence) ");
                q.push_values(chunk, |mut b, c| {
                    b.push_bind(c.plan_id).push_bind(c.account_id).push_bind(c.day).push_bind(&c.presence);
                });
                q.build().execute(&mut *conn).await?.rows_affected()
            });
        }
        Ok(())
    }

    /// Sets a cell.
    pub async fn put_cell(&self, tx: &mut Tx, c: &CellRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_plan_cell (plan_id, account_id, day, presence) VALUES ($1, $2, $3, $4)
             ON CONFLICT (plan_id, account_id, day) DO UPDATE SET presence = excluded.presence",
        ).bind(c.plan_id).bind(c.account_id).bind(c.day).bind(&c.presence).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Deletes a plan (cells and requests go with it).
    pub async fn delete_plan(&self, tx: &mut Tx, id: Uuid) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query("DELETE FROM workplace_change_request WHERE plan_id = $1").bind(id).execute(conn).await?.rows_affected());
        on_tx!(tx, conn => sqlx::query("DELETE FROM workplace_plan_cell WHERE plan_id = $1").bind(id).execute(conn).await?.rows_affected());
        on_tx!(tx, conn => sqlx::query("DELETE FROM workplace_plan WHERE id = $1").bind(id).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Moves a plan on from `revision` (state and revision); `false` when
    /// someone changed it meanwhile.
    pub async fn bump_plan(
        &self,
        tx: &mut Tx,
        p: &PlanRow,
        revision: i64,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE workplace_plan SET state = $1, revision = $2, published_at = $3, updated_at = $4 WHERE id = $5 AND revision = $6",
        ).bind(&p.state).bind(p.revision).bind(p.published_at).bind(p.updated_at).bind(p.id).bind(revision)
        .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Plans that ended before `day` (retention).
    pub async fn plans_ended_before(&self, day: NaiveDate) -> Result<Vec<Uuid>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_scalar("SELECT id FROM workplace_plan WHERE ends_on < $1").bind(day).fetch_all(pool).await?),
        )
    }

    /// Deletes desk bookings before `day` (retention).
    pub async fn delete_bookings_before(
        &self,
        tx: &mut Tx,
        day: NaiveDate,
    ) -> Result<u64, DbError> {
        Ok(
            on_tx!(tx, conn => sqlx::query("DELETE FROM workplace_desk_booking WHERE day < $1").bind(day).execute(conn).await?.rows_affected()),
        )
    }

    // --- change requests ------------------------------------------------

    /// Open requests of a plan.
    pub async fn requests(&self, plan: Uuid) -> Result<Vec<RequestRow>, DbError> {
        let sql = format!(
            "SELECT {REQUEST_COLS} FROM workplace_change_request WHERE plan_id = $1 ORDER BY created_at"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, RequestRow>(sqlx::AssertSqlSafe(sql)).bind(plan).fetch_all(pool).await?),
        )
    }

    /// A person's requests.
    pub async fn requests_of(&self, person: Uuid) -> Result<Vec<RequestRow>, DbError> {
        let sql = format!(
            "SELECT {REQUEST_COLS} FROM workplace_change_request WHERE account_id = $1 ORDER BY created_at DESC"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, RequestRow>(sqlx::AssertSqlSafe(sql)).bind(person).fetch_all(pool).await?),
        )
    }

    /// One request.
    pub async fn request(&self, id: Uuid) -> Result<Option<RequestRow>, DbError> {
        let sql = format!("SELECT {REQUEST_COLS} FROM workplace_change_request WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, RequestRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// Adds a request.
    pub async fn insert_request(&self, tx: &mut Tx, r: &RequestRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_change_request (id, plan_id, account_id, day, wanted, note, state, answer, created_at, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        ).bind(r.id).bind(r.plan_id).bind(r.account_id).bind(r.day).bind(&r.wanted).bind(&r.note).bind(&r.state)
        .bind(&r.answer).bind(r.created_at).bind(r.decided_at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Answers an open request; `false` when it was answered already.
    pub async fn answer_request(&self, tx: &mut Tx, r: &RequestRow) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE workplace_change_request SET state = $1, answer = $2, decided_at = $3 WHERE id = $4 AND state = 'open'",
        ).bind(&r.state).bind(&r.answer).bind(r.decided_at).bind(r.id).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    // --- desks ----------------------------------------------------------

    /// Bookings at a location on a day.
    pub async fn bookings_on(&self, location: Uuid, day: NaiveDate) -> Result<i64, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM workplace_desk_booking WHERE location_id = $1 AND day = $2")
            .bind(location).bind(day).fetch_one(pool).await?),
        )
    }

    /// A person's bookings from a day on.
    pub async fn bookings_of(
        &self,
        person: Uuid,
        from: NaiveDate,
    ) -> Result<Vec<(Uuid, Uuid, NaiveDate)>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as("SELECT id, location_id, day FROM workplace_desk_booking WHERE account_id = $1 AND day >= $2 ORDER BY day")
            .bind(person).bind(from).fetch_all(pool).await?),
        )
    }

    /// Books a desk unless the location is full that day: the location
    /// row is locked first, so two bookings for the last desk cannot both
    /// land. `Ok(false)`: full; a second booking of the person that day is
    /// a unique violation, reported as `Err`.
    pub async fn book(
        &self,
        tx: &mut Tx,
        id: Uuid,
        location: Uuid,
        day: NaiveDate,
        person: Uuid,
        at: DateTime<Utc>,
    ) -> Result<Option<bool>, DbError> {
        on_tx!(tx, conn => sqlx::query("UPDATE workplace_location SET desks = desks WHERE id = $1").bind(location).execute(conn).await?.rows_affected());
        let (desks, taken): (i64, i64) = on_tx!(tx, conn => sqlx::query_as(
            "SELECT l.desks, (SELECT COUNT(*) FROM workplace_desk_booking b WHERE b.location_id = l.id AND b.day = $2) FROM workplace_location l WHERE l.id = $1",
        ).bind(location).bind(day).fetch_one(conn).await?);
        if taken >= desks {
            return Ok(Some(false));
        }
        let n = on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_desk_booking (id, location_id, day, account_id, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        ).bind(id).bind(location).bind(day).bind(person).bind(at).execute(conn).await?.rows_affected());
        Ok(if n == 1 { Some(true) } else { None })
    }

    /// Cancels a person's booking.
    pub async fn cancel_booking(
        &self,
        tx: &mut Tx,
        id: Uuid,
        person: Uuid,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query("DELETE FROM workplace_desk_booking WHERE id = $1 AND account_id = $2")
            .bind(id).bind(person).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    // --- calendar feeds -------------------------------------------------

    /// Saves the hash of a new feed secret, replacing the owner's old one.
    pub async fn set_feed(
        &self,
        tx: &mut Tx,
        hash: &str,
        kind: &str,
        owner: Uuid,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query("DELETE FROM workplace_calendar_feed WHERE owner_kind = $1 AND owner_id = $2 AND created_by = $3")
            .bind(kind).bind(owner).bind(by).execute(conn).await?.rows_affected());
        on_tx!(tx, conn => sqlx::query("INSERT INTO workplace_calendar_feed (token_hash, owner_kind, owner_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(hash).bind(kind).bind(owner).bind(by).bind(at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The feed of a secret's hash: (kind, owner, created by).
    pub async fn feed(&self, hash: &str) -> Result<Option<(String, Uuid, Uuid)>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_as("SELECT owner_kind, owner_id, created_by FROM workplace_calendar_feed WHERE token_hash = $1")
            .bind(hash).fetch_optional(pool).await?),
        )
    }

    // --- reports --------------------------------------------------------

    /// Days per unit, person and presence in published plans of a period.
    pub async fn presence_counts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(Uuid, Uuid, String, i64)>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as(
            "SELECT p.org_unit_id, c.account_id, c.presence, COUNT(*) FROM workplace_plan_cell c JOIN workplace_plan p ON p.id = c.plan_id
             WHERE p.state = 'published' AND c.day >= $1 AND c.day <= $2
             GROUP BY p.org_unit_id, c.account_id, c.presence",
        ).bind(from).bind(to).fetch_all(pool).await?))
    }

    // --- skills ---------------------------------------------------------

    /// Skills of people.
    pub async fn skills_of(&self, people: &[Uuid]) -> Result<Vec<(Uuid, String)>, DbError> {
        let mut out = Vec::new();
        for chunk in people.chunks(500) {
            let marks = placeholders(chunk.len());
            let sql = format!(
                "SELECT account_id, skill FROM workplace_skill WHERE account_id IN ({marks}) ORDER BY skill"
            );
            let rows: Vec<(Uuid, String)> = on_db!(&self.db, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for v in chunk { q = q.bind(v); }
                q.fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Gives a skill.
    pub async fn add_skill(
        &self,
        tx: &mut Tx,
        account: Uuid,
        skill: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO workplace_skill (account_id, skill, given_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        ).bind(account).bind(skill).bind(by).bind(at).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Takes a skill away.
    pub async fn remove_skill(
        &self,
        tx: &mut Tx,
        account: Uuid,
        skill: &str,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query("DELETE FROM workplace_skill WHERE account_id = $1 AND skill = $2")
            .bind(account).bind(skill).execute(conn).await?.rows_affected());
        Ok(())
    }
}

/// `async fn $name(&self, people: &[Uuid]) -> Vec<$row>`: the rows of
/// many people in chunks of 500 ids (one query per chunk, not per person).
macro_rules! of_many {
    ($(#[$m:meta])* $name:ident, $row:ty, $cols:expr, $table:literal, $key:literal, $order:literal) => {
        $(#[$m])*
        pub async fn $name(&self, people: &[Uuid]) -> Result<Vec<$row>, DbError> {
            let mut out = Vec::new();
            for chunk in people.chunks(500) {
                let sql = format!(
                    "SELECT {} FROM {} WHERE {} IN ({}) ORDER BY {}",
                    $cols,
                    $table,
                    $key,
                    placeholders(chunk.len()),
                    $order
                );
                let rows: Vec<$row> = on_db!(&self.db, pool => {
                    let mut q = sqlx::query_as::<_, $row>(sqlx::AssertSqlSafe(sql.clone()));
                    for v in chunk { q = q.bind(v); }
                    q.fetch_all(pool).await?
                });
                out.extend(rows);
            }
            Ok(out)
        }
    };
}

impl WorkplaceStore {
    of_many!(
        /// Enrolments of many people, newest first.
        enrolments_of_many, EnrolmentRow, ENROLMENT_COLS, "workplace_enrolment", "account_id", "created_at DESC"
    );
    of_many!(
        /// Devices held by many people.
        devices_of_many, DeviceRow, DEVICE_COLS, "workplace_device", "holder_id", "inventory_no"
    );
    of_many!(
        /// VPN grants of many people.
        vpn_grants_of_many, VpnGrantRow, VPN_COLS, "workplace_vpn_grant", "account_id", "starts_on DESC"
    );
    of_many!(
        /// Confirmed items of many people.
        confirmations_of_many, ConfirmationRow, "account_id, item, confirmed_on, valid_until, confirmed_by", "workplace_readiness", "account_id", "item"
    );
}

/// `$1, $2, …, $n`.
pub(crate) fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
