//! The SQL of co-signing, once for both backends.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A route.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Route {
    /// Id.
    pub id: Uuid,
    /// The document routed.
    pub document_id: Uuid,
    /// Its file.
    pub file_id: Uuid,
    /// The unit the route works for (the file's).
    pub org_unit_id: Uuid,
    /// The lead clerk.
    pub lead_id: Uuid,
    /// Their name.
    pub lead_name: String,
    /// What it is about.
    pub title: String,
    /// `running`, `returned` or `completed`.
    pub state: String,
    /// 1, 2, … (a new round after each revision).
    pub round: i64,
    /// The version this round decides on.
    pub version_id: Uuid,
    /// Its SHA-256.
    pub sha256: String,
    /// Started.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const ROUTE_COLS: &str = "id, document_id, file_id, org_unit_id, lead_id, lead_name, title, state, round, version_id, sha256, created_at, updated_at";

/// A step of a round.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Step {
    /// Id.
    pub id: Uuid,
    /// The route.
    pub route_id: Uuid,
    /// The round.
    pub round: i64,
    /// The stage (1, 2, …).
    pub stage: i64,
    /// Its place in the stage.
    pub position: i64,
    /// `acknowledge`, `cosign` or `final`.
    pub kind: String,
    /// The person.
    pub account_id: Option<Uuid>,
    /// Or the unit.
    pub unit_id: Option<Uuid>,
    /// Answer wanted by.
    pub due_on: Option<NaiveDate>,
    /// `waiting` (later stage), `open`, `done` or `skipped` (the round was
    /// sent back first).
    pub state: String,
    /// When the reminder went out (due day reached).
    pub reminded_at: Option<DateTime<Utc>>,
    /// When it was escalated to the unit's managers.
    pub escalated_at: Option<DateTime<Utc>>,
}

const STEP_COLS: &str = "id, route_id, round, stage, position, kind, account_id, unit_id, due_on, state, reminded_at, escalated_at";

/// A decision with its signature.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DecisionRow {
    /// Id.
    pub id: Uuid,
    /// The route.
    pub route_id: Uuid,
    /// The step.
    pub step_id: Uuid,
    /// The round.
    pub round: i64,
    /// The version decided on.
    pub version_id: Uuid,
    /// `approve`, `reserve` or `refuse`.
    pub decision: String,
    /// The comment.
    pub comment: String,
    /// The passage it points at (free text, e.g. "Seite 2, Absatz 3").
    pub passage: String,
    /// Who decided.
    pub actor_id: Uuid,
    /// Their name.
    pub actor_name: String,
    /// For whom (deputy), if not for themselves.
    pub acting_for_id: Option<Uuid>,
    /// That person's name.
    pub acting_for_name: Option<String>,
    /// The form of a final signature: `head`, `deputy` (In Vertretung) or
    /// `commissioned` (Im Auftrag).
    pub capacity: Option<String>,
    /// The signed statement (canonical JSON).
    pub statement: String,
    /// Public key (hex).
    pub public_key: String,
    /// Signature (hex).
    pub signature: String,
    /// When.
    pub decided_at: DateTime<Utc>,
}

const DECISION_COLS: &str = "id, route_id, step_id, round, version_id, decision, comment, passage, actor_id, actor_name, acting_for_id, acting_for_name, capacity, statement, public_key, signature, decided_at";

/// An open step with its route, for "my co-signing requests".
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Request {
    /// The route.
    pub route_id: Uuid,
    /// Its title.
    pub title: String,
    /// The lead clerk.
    pub lead_name: String,
    /// The step.
    pub step_id: Uuid,
    /// Its kind.
    pub kind: String,
    /// Wanted by.
    pub due_on: Option<NaiveDate>,
    /// The version to decide on.
    pub version_id: Uuid,
    /// The person the step names (none for a unit step); another than the
    /// caller when they act as deputy.
    pub account_id: Option<Uuid>,
}

/// The co-signing tables.
#[derive(Clone)]
pub struct CosigningStore {
    db: Db,
}

impl CosigningStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        CosigningStore { db }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Adds a route.
    pub async fn insert_route(&self, tx: &mut Tx, r: &Route) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cosigning_route (id, document_id, file_id, org_unit_id, lead_id, lead_name, title, state, round, version_id, sha256, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        ).bind(r.id).bind(r.document_id).bind(r.file_id).bind(r.org_unit_id).bind(r.lead_id).bind(&r.lead_name)
        .bind(&r.title).bind(&r.state).bind(r.round).bind(r.version_id).bind(&r.sha256).bind(r.created_at).bind(r.updated_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Adds a step.
    pub async fn insert_step(&self, tx: &mut Tx, s: &Step) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cosigning_step (id, route_id, round, stage, position, kind, account_id, unit_id, due_on, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        ).bind(s.id).bind(s.route_id).bind(s.round).bind(s.stage).bind(s.position).bind(&s.kind)
        .bind(s.account_id).bind(s.unit_id).bind(s.due_on).bind(&s.state)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// One route.
    pub async fn route(&self, id: Uuid) -> Result<Option<Route>, DbError> {
        let sql = format!("SELECT {ROUTE_COLS} FROM cosigning_route WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Route>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// The route, locked for the transaction: decisions on one route run
    /// one after the other.
    pub async fn lock_route(&self, tx: &mut Tx, id: Uuid) -> Result<Option<Route>, DbError> {
        on_tx!(tx, conn => sqlx::query("UPDATE cosigning_route SET state = state WHERE id = $1").bind(id).execute(conn).await?.rows_affected());
        let sql = format!("SELECT {ROUTE_COLS} FROM cosigning_route WHERE id = $1");
        Ok(
            on_tx!(tx, conn => sqlx::query_as::<_, Route>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?),
        )
    }

    /// Saves state, round and version.
    pub async fn update_route(&self, tx: &mut Tx, r: &Route) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE cosigning_route SET state = $1, round = $2, version_id = $3, sha256 = $4, updated_at = $5 WHERE id = $6",
        ).bind(&r.state).bind(r.round).bind(r.version_id).bind(&r.sha256).bind(r.updated_at).bind(r.id)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The steps of a route, every round, in order.
    pub async fn steps(&self, route: Uuid) -> Result<Vec<Step>, DbError> {
        let sql = format!(
            "SELECT {STEP_COLS} FROM cosigning_step WHERE route_id = $1 ORDER BY round, stage, position"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Step>(sqlx::AssertSqlSafe(sql)).bind(route).fetch_all(pool).await?),
        )
    }

    /// The steps of a round, read in the transaction.
    pub async fn round_steps_in(
        &self,
        tx: &mut Tx,
        route: Uuid,
        round: i64,
    ) -> Result<Vec<Step>, DbError> {
        let sql = format!(
            "SELECT {STEP_COLS} FROM cosigning_step WHERE route_id = $1 AND round = $2 ORDER BY stage, position"
        );
        Ok(
            on_tx!(tx, conn => sqlx::query_as::<_, Step>(sqlx::AssertSqlSafe(sql)).bind(route).bind(round).fetch_all(conn).await?),
        )
    }

    /// Sets a step's state.
    pub async fn set_step(&self, tx: &mut Tx, step: Uuid, state: &str) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query("UPDATE cosigning_step SET state = $1 WHERE id = $2").bind(state).bind(step).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Records a decision; fails (unique) when the step or the person in
    /// this round decided before.
    pub async fn insert_decision(&self, tx: &mut Tx, d: &DecisionRow) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cosigning_decision (id, route_id, step_id, round, version_id, decision, comment, passage, actor_id, actor_name, acting_for_id, acting_for_name, capacity, statement, public_key, signature, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        ).bind(d.id).bind(d.route_id).bind(d.step_id).bind(d.round).bind(d.version_id).bind(&d.decision).bind(&d.comment)
        .bind(&d.passage).bind(d.actor_id).bind(&d.actor_name).bind(d.acting_for_id).bind(&d.acting_for_name)
        .bind(&d.capacity).bind(&d.statement).bind(&d.public_key).bind(&d.signature).bind(d.decided_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The decisions of a route, oldest first.
    pub async fn decisions(&self, route: Uuid) -> Result<Vec<DecisionRow>, DbError> {
        let sql = format!(
            "SELECT {DECISION_COLS} FROM cosigning_decision WHERE route_id = $1 ORDER BY decided_at, id"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, DecisionRow>(sqlx::AssertSqlSafe(sql)).bind(route).fetch_all(pool).await?),
        )
    }

    /// Open steps of running routes addressed to one of the people (the
    /// person and whom they represent) or units, soonest due first.
    pub async fn open_for(
        &self,
        accounts: &[Uuid],
        units: &[Uuid],
    ) -> Result<Vec<Request>, DbError> {
        // People and units are few per person: bound as placeholders.
        let ids: Vec<Uuid> = accounts.iter().chain(units).copied().collect();
        let list = |from: usize, n: usize| -> String {
            (from..from + n)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut who = Vec::new();
        if !accounts.is_empty() {
            who.push(format!("s.account_id IN ({})", list(1, accounts.len())));
        }
        if !units.is_empty() {
            who.push(format!(
                "s.unit_id IN ({})",
                list(accounts.len() + 1, units.len())
            ));
        }
        if who.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT r.id AS route_id, r.title, r.lead_name, s.id AS step_id, s.kind, s.due_on, r.version_id, s.account_id
             FROM cosigning_step s JOIN cosigning_route r ON r.id = s.route_id AND r.round = s.round
             WHERE s.state = 'open' AND r.state = 'running' AND ({})
             ORDER BY s.due_on IS NULL, s.due_on, r.created_at LIMIT 200",
            who.join(" OR ")
        );
        Ok(on_db!(&self.db, pool => {
            let mut q = sqlx::query_as::<_, Request>(sqlx::AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        }))
    }

    /// True when a route on the document is running or sent back.
    pub async fn open_on_document(&self, document: Uuid) -> Result<Option<Uuid>, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_scalar("SELECT id FROM cosigning_route WHERE document_id = $1 AND state <> 'completed' LIMIT 1").bind(document).fetch_optional(pool).await?),
        )
    }

    /// Open steps of running routes due on or before `day` without a
    /// reminder yet.
    pub async fn due_unreminded(&self, day: NaiveDate) -> Result<Vec<(Step, Route)>, DbError> {
        let steps: Vec<Step> = {
            let sql = format!(
                "SELECT {} FROM cosigning_step s JOIN cosigning_route r ON r.id = s.route_id AND r.round = s.round
                 WHERE s.state = 'open' AND r.state = 'running' AND s.due_on <= $1 AND s.reminded_at IS NULL LIMIT 1000",
                prefixed("s.", STEP_COLS)
            );
            on_db!(&self.db, pool => sqlx::query_as::<_, Step>(sqlx::AssertSqlSafe(sql)).bind(day).fetch_all(pool).await?)
        };
        let mut out = Vec::with_capacity(steps.len());
        for s in steps {
            if let Some(r) = self.route(s.route_id).await? {
                out.push((s, r));
            }
        }
        Ok(out)
    }

    /// Marks a step reminded; false when another instance did first.
    pub async fn mark_reminded(
        &self,
        tx: &mut Tx,
        step: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query("UPDATE cosigning_step SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL").bind(at).bind(step).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Marks a step escalated; false when it was before.
    pub async fn mark_escalated(
        &self,
        tx: &mut Tx,
        step: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query("UPDATE cosigning_step SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL AND state = 'open'").bind(at).bind(step).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Overdue open steps (due before `day`) of running routes led by
    /// `lead` or of the units named (their managers), with their routes.
    pub async fn overdue(
        &self,
        lead: Uuid,
        units: &[Uuid],
        day: NaiveDate,
    ) -> Result<Vec<Request>, DbError> {
        let list: Vec<String> = (0..units.len()).map(|i| format!("${}", i + 3)).collect();
        let unit_clause = if list.is_empty() {
            String::new()
        } else {
            format!(" OR r.org_unit_id IN ({})", list.join(", "))
        };
        let sql = format!(
            "SELECT r.id AS route_id, r.title, r.lead_name, s.id AS step_id, s.kind, s.due_on, r.version_id, s.account_id
             FROM cosigning_step s JOIN cosigning_route r ON r.id = s.route_id AND r.round = s.round
             WHERE s.state = 'open' AND r.state = 'running' AND s.due_on < $2 AND (r.lead_id = $1{unit_clause})
             ORDER BY s.due_on LIMIT 200"
        );
        Ok(on_db!(&self.db, pool => {
            let mut q = sqlx::query_as::<_, Request>(sqlx::AssertSqlSafe(sql)).bind(lead).bind(day);
            for u in units {
                q = q.bind(*u);
            }
            q.fetch_all(pool).await?
        }))
    }
}

/// `cols` with every column prefixed (for joins).
fn prefixed(prefix: &str, cols: &str) -> String {
    cols.split(", ")
        .map(|c| format!("{prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}
