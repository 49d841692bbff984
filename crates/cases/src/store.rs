//! The SQL of the cases context, once for both backends.

use crate::domain::{CaseTypeInput, DeadlineRule, StatusDef, Transition};
use chrono::NaiveDate;
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
    deadline_rule: String,
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
                deadline_rule: DeadlineRule::parse(&r.deadline_rule).unwrap_or_default(),
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
    /// Set while a request for information is open: the deadline does not
    /// run.
    pub deadline_stopped_at: Option<DateTime<Utc>>,
    /// Working days left when the deadline stopped (rule `paused`).
    pub deadline_days_left: Option<i64>,
}

const CASE_COLS: &str = "id, case_type_id, submission_id, file_id, reference, title, status, phase, org_unit_id, assignee_id, received_at, deadline, revision, deadline_stopped_at, deadline_days_left";

/// Access to the cases tables.
#[derive(Debug, Clone)]
pub struct CasesStore {
    db: Db,
}

impl CasesStore {
    /// The case whose file is `file`, read in the transaction.
    pub async fn case_of_file_in(&self, tx: &mut Tx, file: Uuid) -> Result<Option<Uuid>, DbError> {
        Ok(
            on_tx!(tx, conn => sqlx::query_scalar("SELECT id FROM cases_case WHERE file_id = $1").bind(file).fetch_optional(conn).await?),
        )
    }

    /// Deletes the case of a file with its history, follow-ups, requests,
    /// messages, notices with their signatures and its fee claim (payments
    /// read from statements stay, unlinked: they are the bank's record);
    /// returns the case's id and submission, if it had a case.
    pub async fn purge_file_in(
        &self,
        tx: &mut Tx,
        file: Uuid,
    ) -> Result<Option<(Uuid, Uuid)>, DbError> {
        let case: Option<(Uuid, Uuid)> = on_tx!(tx, conn => sqlx::query_as(
            "SELECT id, submission_id FROM cases_case WHERE file_id = $1",
        ).bind(file).fetch_optional(conn).await?);
        let Some((id, _)) = case else {
            return Ok(None);
        };
        for sql in [
            "DELETE FROM cases_message WHERE case_id = $1",
            "DELETE FROM cases_decision_signature WHERE notice_id IN (SELECT id FROM cases_notice WHERE case_id = $1)",
            "DELETE FROM cases_notice WHERE case_id = $1",
            "UPDATE cases_payment SET claim_id = NULL WHERE claim_id IN (SELECT id FROM cases_fee_claim WHERE case_id = $1)",
            "DELETE FROM cases_fee_claim WHERE case_id = $1",
            "DELETE FROM cases_request WHERE case_id = $1",
            "DELETE FROM cases_followup WHERE case_id = $1",
            "DELETE FROM cases_timeline WHERE case_id = $1",
            "DELETE FROM cases_case WHERE id = $1",
        ] {
            on_tx!(tx, conn => sqlx::query(sql).bind(id).execute(conn).await?.rows_affected());
        }
        Ok(case)
    }

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
            "INSERT INTO cases_case_type (id, service_id, name, statuses, transitions, deadline_days, org_unit_id, plan_code, created_at, updated_at, deadline_rule)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
             ON CONFLICT (service_id) DO UPDATE SET name = $3, statuses = $4, transitions = $5, deadline_days = $6,
                 org_unit_id = $7, plan_code = $8, updated_at = $9, deadline_rule = $10",
        ).bind(Uuid::now_v7()).bind(t.service.0).bind(t.name.trim()).bind(Json(&t.statuses)).bind(Json(&t.transitions))
        .bind(t.deadline_days).bind(t.org_unit.0).bind(&t.plan_code).bind(now).bind(t.deadline_rule.as_str())
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The case type of a service.
    pub async fn type_of_service(&self, service: ServiceId) -> Result<Option<CaseType>, DbError> {
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, TypeRow>(
            "SELECT id, service_id, name, statuses, transitions, deadline_days, deadline_rule, org_unit_id, plan_code FROM cases_case_type WHERE service_id = $1",
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
        self.add_timeline_once(tx, Uuid::now_v7(), case, actor, kind, detail, at)
            .await
            .map(|_| ())
    }

    /// Adds a timeline entry with a given id once: false when an entry
    /// with that id exists (a repeated event).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_timeline_once(
        &self,
        tx: &mut Tx,
        id: Uuid,
        case: CaseId,
        actor: &str,
        kind: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_timeline (id, case_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        ).bind(id).bind(case.0).bind(at).bind(actor).bind(kind).bind(detail)
        .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Changes status, phase, assignee and deadline when the case still has
    /// `revision` (optimistic locking); false when someone changed it
    /// meanwhile.
    pub async fn update_case(
        &self,
        tx: &mut Tx,
        c: &Case,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_case SET status = $3, phase = $4, assignee_id = $5, revision = revision + 1, updated_at = $6,
                 deadline = $7, deadline_stopped_at = $8, deadline_days_left = $9
             WHERE id = $1 AND revision = $2",
        ).bind(c.id).bind(c.revision).bind(&c.status).bind(&c.phase).bind(c.assignee_id).bind(now)
        .bind(c.deadline).bind(c.deadline_stopped_at).bind(c.deadline_days_left)
        .execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// The cases of files: (file id, case id).
    pub async fn cases_of_files(&self, files: &[Uuid]) -> Result<Vec<(Uuid, Uuid)>, DbError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=files.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT file_id, id FROM cases_case WHERE file_id IN ({})",
            marks.join(", ")
        );
        Ok(on_db!(&self.db, pool => {
            let mut q = sqlx::query_as::<_, (Uuid, Uuid)>(sqlx::AssertSqlSafe(sql));
            for f in files {
                q = q.bind(*f);
            }
            q.fetch_all(pool).await?
        }))
    }

    /// The case with a file reference.
    pub async fn case_by_reference(&self, reference: &str) -> Result<Option<Case>, DbError> {
        let sql = format!("SELECT {CASE_COLS} FROM cases_case WHERE reference = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(sql)).bind(reference).fetch_optional(pool).await?),
        )
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
            "SELECT id, service_id, name, statuses, transitions, deadline_days, deadline_rule, org_unit_id, plan_code FROM cases_case_type WHERE id = $1",
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

/// Which cases a queue shows (all conditions together).
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    /// Units whose cases may be shown (the actor's).
    pub units: Vec<Uuid>,
    /// Status key.
    pub status: Option<String>,
    /// Case type.
    pub case_type: Option<Uuid>,
    /// Only cases whose deadline is before this instant.
    pub due_before: Option<DateTime<Utc>>,
    /// Assignee filter.
    pub assignee: AssigneeFilter,
    /// Include closed cases.
    pub closed: bool,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
}

/// Whose cases a queue shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Everyone's and nobody's.
    #[default]
    Any,
    /// Nobody's yet.
    Nobody,
    /// This account's.
    Account(Uuid),
}

/// A follow-up date (Wiedervorlage).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FollowUp {
    /// Id.
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// Whom it brings the case back to.
    pub account_id: Uuid,
    /// The day.
    pub due_on: NaiveDate,
    /// Why.
    pub note: String,
    /// Who set it.
    pub created_by: String,
    /// When it was done.
    pub done_at: Option<DateTime<Utc>>,
}

/// A due follow-up with its case (the start of a working day).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DueFollowUp {
    /// Id of the follow-up.
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// File reference of the case.
    pub reference: String,
    /// Subject of the case.
    pub title: String,
    /// The day.
    pub due_on: NaiveDate,
    /// Why.
    pub note: String,
}

/// A request for information (Nachforderung) to the applicant.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InfoRequest {
    /// Id.
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// What is missing, in the clerk's words.
    pub message: String,
    /// Answer wanted by.
    pub due_on: NaiveDate,
    /// Who asked (access-log label).
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The applicant's answer text.
    pub answer: Option<String>,
    /// When it was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// SHA-256 of the secret in the link mailed to the applicant.
    #[serde(skip)]
    pub secret_hash: String,
}

const REQUEST_COLS: &str =
    "id, case_id, message, due_on, created_by, created_at, answer, answered_at, secret_hash";

impl CasesStore {
    /// One page of a queue, soonest deadline first. Each unit is read on
    /// its own along the (unit, deadline, reference) index, which stops
    /// after the page; the units' pages are merged here (a single query
    /// over several units would sort all their cases).
    pub async fn query(&self, q: &QueueQuery) -> Result<Vec<Case>, DbError> {
        let mut all = Vec::new();
        for unit in &q.units {
            all.extend(self.query_unit(q, *unit, q.offset + q.limit).await?);
        }
        all.sort_by(|a, b| {
            a.deadline
                .cmp(&b.deadline)
                .then_with(|| a.reference.cmp(&b.reference))
        });
        Ok(all
            .into_iter()
            .skip(usize::try_from(q.offset).unwrap_or(0))
            .take(usize::try_from(q.limit).unwrap_or(0))
            .collect())
    }

    async fn query_unit(
        &self,
        q: &QueueQuery,
        unit: Uuid,
        limit: i64,
    ) -> Result<Vec<Case>, DbError> {
        // Placeholders are numbered in the order the binds follow below.
        let mut sql = format!("SELECT {CASE_COLS} FROM cases_case WHERE org_unit_id = $1");
        let mut n = 1;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        // A status names its phase; otherwise closed cases are left out
        // unless asked for (the same condition as the partial indexes).
        if q.status.is_some() {
            sql.push_str(&format!(" AND status = {}", next()));
        } else if !q.closed {
            sql.push_str(" AND phase <> 'closed'");
        }
        if q.case_type.is_some() {
            sql.push_str(&format!(" AND case_type_id = {}", next()));
        }
        if q.due_before.is_some() {
            sql.push_str(&format!(
                " AND deadline < {} AND deadline_stopped_at IS NULL",
                next()
            ));
        }
        match q.assignee {
            AssigneeFilter::Any => {}
            AssigneeFilter::Nobody => sql.push_str(" AND assignee_id IS NULL"),
            AssigneeFilter::Account(_) => sql.push_str(&format!(" AND assignee_id = {}", next())),
        }
        sql.push_str(&format!(" ORDER BY deadline, reference LIMIT {}", next()));
        macro_rules! bind_all {
            ($query:expr) => {{
                let mut query = $query.bind(unit);
                if let Some(s) = &q.status {
                    query = query.bind(s.clone());
                }
                if let Some(t) = q.case_type {
                    query = query.bind(t);
                }
                if let Some(d) = q.due_before {
                    query = query.bind(d);
                }
                if let AssigneeFilter::Account(a) = q.assignee {
                    query = query.bind(a);
                }
                query.bind(limit)
            }};
        }
        Ok(
            on_db!(&self.db, pool => bind_all!(sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(sql))).fetch_all(pool).await?),
        )
    }

    /// All case types.
    pub async fn case_types(&self) -> Result<Vec<CaseType>, DbError> {
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, TypeRow>(
            "SELECT id, service_id, name, statuses, transitions, deadline_days, deadline_rule, org_unit_id, plan_code FROM cases_case_type ORDER BY name",
        ).fetch_all(pool).await?);
        Ok(rows.into_iter().map(CaseType::from).collect())
    }

    /// Adds a follow-up.
    pub async fn insert_follow_up(
        &self,
        tx: &mut Tx,
        f: &FollowUp,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_followup (id, case_id, account_id, due_on, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ).bind(f.id).bind(f.case_id).bind(f.account_id).bind(f.due_on).bind(&f.note).bind(&f.created_by).bind(now)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Marks a follow-up of a case done; false when there is none open.
    pub async fn finish_follow_up(
        &self,
        tx: &mut Tx,
        case: CaseId,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_followup SET done_at = $3 WHERE id = $1 AND case_id = $2 AND done_at IS NULL",
        ).bind(id).bind(case.0).bind(now).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// The open follow-ups of a case, soonest first.
    pub async fn follow_ups(&self, case: CaseId) -> Result<Vec<FollowUp>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, FollowUp>(
            "SELECT id, case_id, account_id, due_on, note, created_by, done_at FROM cases_followup
             WHERE case_id = $1 AND done_at IS NULL ORDER BY due_on, id",
        ).bind(case.0).fetch_all(pool).await?))
    }

    /// The open follow-ups of an account due on or before `day`.
    pub async fn due_follow_ups(
        &self,
        account: Uuid,
        day: NaiveDate,
    ) -> Result<Vec<DueFollowUp>, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_as::<_, DueFollowUp>(
            "SELECT f.id, f.case_id, c.reference, c.title, f.due_on, f.note FROM cases_followup f
             JOIN cases_case c ON c.id = f.case_id
             WHERE f.account_id = $1 AND f.done_at IS NULL AND f.due_on <= $2 ORDER BY f.due_on, c.reference",
        ).bind(account).bind(day).fetch_all(pool).await?))
    }

    /// Adds a request for information.
    pub async fn insert_request(&self, tx: &mut Tx, r: &InfoRequest) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO cases_request (id, case_id, message, due_on, secret_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ).bind(r.id).bind(r.case_id).bind(&r.message).bind(r.due_on).bind(&r.secret_hash).bind(&r.created_by).bind(r.created_at)
        .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Records the answer to an open request; false when it was answered
    /// before.
    pub async fn answer_request(
        &self,
        tx: &mut Tx,
        id: Uuid,
        answer: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE cases_request SET answer = $2, answered_at = $3 WHERE id = $1 AND answered_at IS NULL",
        ).bind(id).bind(answer).bind(now).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// The requests of a case, oldest first.
    pub async fn requests(&self, case: CaseId) -> Result<Vec<InfoRequest>, DbError> {
        let sql = format!(
            "SELECT {REQUEST_COLS} FROM cases_request WHERE case_id = $1 ORDER BY created_at, id"
        );
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, InfoRequest>(sqlx::AssertSqlSafe(sql)).bind(case.0).fetch_all(pool).await?),
        )
    }

    /// One request.
    pub async fn request(&self, id: Uuid) -> Result<Option<InfoRequest>, DbError> {
        let sql = format!("SELECT {REQUEST_COLS} FROM cases_request WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as::<_, InfoRequest>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
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
