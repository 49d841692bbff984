//! The SQL of the cases context, once for both backends.

use crate::domain::{CaseTypeInput, StatusDef, Transition};
use chrono::{DateTime, Utc};
use kernel::{CaseId, CaseTypeId, OrgUnitId, ServiceId, SubmissionId};
use serde::Serialize;
use sqlx::types::Json;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A stored case type.
#[derive(Debug, Clone)]
pub struct CaseType {
    /// Id.
    pub id: CaseTypeId,
    /// Its configuration.
    pub input: CaseTypeInput,
}

#[derive(sqlx::FromRow)]
struct TypeRow {
    id: Uuid,
    service_id: Uuid,
    name: String,
    statuses: Json<Vec<StatusDef>>,
    transitions: Json<Vec<Transition>>,
    deadline_days: i64,
    org_unit_id: Uuid,
    plan_code: String,
}

impl From<TypeRow> for CaseType {
    fn from(r: TypeRow) -> Self {
        CaseType {
            id: CaseTypeId(r.id),
            input: CaseTypeInput {
                service: ServiceId(r.service_id),
                name: r.name,
                statuses: r.statuses.0,
                transitions: r.transitions.0,
                deadline_days: r.deadline_days,
                org_unit: OrgUnitId(r.org_unit_id),
                plan_code: r.plan_code,
            },
        }
    }
}

/// A case.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Case {
    /// Id.
    pub id: Uuid,
    /// Its type.
    pub case_type_id: Uuid,
    /// The submission it was made from.
    pub submission_id: Uuid,
    /// Its file in the E-Akte.
    pub file_id: Uuid,
    /// File reference of that file.
    pub reference: String,
    /// Subject.
    pub title: String,
    /// Status key.
    pub status: String,
    /// Phase of that status.
    pub phase: String,
    /// Unit whose queue holds it.
    pub org_unit_id: Uuid,
    /// Who works on it.
    pub assignee_id: Option<Uuid>,
    /// When the submission arrived.
    pub received_at: DateTime<Utc>,
    /// Processing deadline.
    pub deadline: DateTime<Utc>,
    /// Optimistic-locking counter.
    pub revision: i64,
}

const CASE_COLS: &str = "id, case_type_id, submission_id, file_id, reference, title, status, phase, org_unit_id, assignee_id, received_at, deadline, revision";

/// Access to the cases tables.
#[derive(Debug, Clone)]
pub struct CasesStore {
    db: Db,
}

impl CasesStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        CasesStore { db }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Adds or replaces the case type of a service.
    pub async fn upsert_type(
        &self,
        tx: &mut Tx,
        t: &CaseTypeInput,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_case_type (id, service_id, name, statuses, transitions, deadline_days, org_unit_id, plan_code, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
             ON CONFLICT (service_id) DO UPDATE SET name = $3, statuses = $4, transitions = $5, deadline_days = $6,
                 org_unit_id = $7, plan_code = $8, updated_at = $9",
        ).bind(Uuid::now_v7()).bind(t.service.0).bind(t.name.trim()).bind(Json(&t.statuses)).bind(Json(&t.transitions))
        .bind(t.deadline_days).bind(t.org_unit.0).bind(&t.plan_code).bind(now)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The case type of a service.
    pub async fn type_of_service(&self, service: ServiceId) -> Result<Option<CaseType>, DbError> {
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, TypeRow>(
            "SELECT id, service_id, name, statuses, transitions, deadline_days, org_unit_id, plan_code FROM cases_case_type WHERE service_id = $1",
        ).bind(service.0).fetch_optional(pool).await?);
        Ok(row.map(CaseType::from))
    }

    /// The case made from a submission.
    pub async fn case_of_submission(&self, s: SubmissionId) -> Result<Option<Case>, DbError> {
        let sql = format!("SELECT {CASE_COLS} FROM cases_case WHERE submission_id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(sql)).bind(s.0).fetch_optional(pool).await?),
        )
    }

    /// The open cases of a unit, soonest deadline first (its queue).
    pub async fn queue(&self, unit: OrgUnitId) -> Result<Vec<Case>, DbError> {
        let sql = format!(
            "SELECT {CASE_COLS} FROM cases_case WHERE org_unit_id = $1 AND phase <> 'closed' ORDER BY deadline, reference"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(sql)).bind(unit.0).fetch_all(pool).await?),
        )
    }

    /// Adds a case; a second case for the same submission fails (unique).
    pub async fn insert_case(
        &self,
        tx: &mut Tx,
        c: &Case,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_case (id, case_type_id, submission_id, file_id, reference, title, status, phase, org_unit_id, received_at, deadline, revision, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12)",
        ).bind(c.id).bind(c.case_type_id).bind(c.submission_id).bind(c.file_id).bind(&c.reference).bind(&c.title)
        .bind(&c.status).bind(&c.phase).bind(c.org_unit_id).bind(c.received_at).bind(c.deadline).bind(now)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Adds an entry to a case's timeline.
    pub async fn add_timeline(
        &self,
        tx: &mut Tx,
        case: CaseId,
        actor: &str,
        kind: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_timeline (id, case_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        ).bind(Uuid::now_v7()).bind(case.0).bind(at).bind(actor).bind(kind).bind(detail)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Changes status, phase and assignee when the case still has
    /// `revision` (optimistic locking); false when someone changed it
    /// meanwhile.
    pub async fn update_case(
        &self,
        tx: &mut Tx,
        c: &Case,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_case SET status = $3, phase = $4, assignee_id = $5, revision = revision + 1, updated_at = $6
             WHERE id = $1 AND revision = $2",
        ).bind(c.id).bind(c.revision).bind(&c.status).bind(&c.phase).bind(c.assignee_id).bind(now)
        .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// One case.
    pub async fn case(&self, id: CaseId) -> Result<Option<Case>, DbError> {
        let sql = format!("SELECT {CASE_COLS} FROM cases_case WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(pool).await?),
        )
    }

    /// The case type with `id`.
    pub async fn case_type(&self, id: CaseTypeId) -> Result<Option<CaseType>, DbError> {
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, TypeRow>(
            "SELECT id, service_id, name, statuses, transitions, deadline_days, org_unit_id, plan_code FROM cases_case_type WHERE id = $1",
        ).bind(id.0).fetch_optional(pool).await?);
        Ok(row.map(CaseType::from))
    }

    /// The timeline of a case, oldest first.
    pub async fn timeline(&self, id: CaseId) -> Result<Vec<TimelineEntry>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, TimelineEntry>(
            "SELECT at, actor, kind, detail FROM cases_timeline WHERE case_id = $1 ORDER BY at, id",
        ).bind(id.0).fetch_all(pool).await?))
    }
}

/// An entry of a case's timeline.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (access-log label).
    pub actor: String,
    /// What kind of event (`received`, `status`, …).
    pub kind: String,
    /// Details shown.
    pub detail: String,
}
