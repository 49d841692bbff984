//! The SQL of staff surveys, once for both backends. Participation and
//! answers are written by different statements into tables that share no
//! key; nothing here joins them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// A survey.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SurveyRow {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Introduction shown above the questions.
    pub intro: String,
    /// The questions as JSON (`domain::Question`).
    #[serde(skip)]
    pub questions: String,
    /// `draft`, `open`, `closed` or `published`.
    pub state: String,
    /// Everyone on the staff (else the audience's units and below).
    pub all_staff: bool,
    /// First day answers are taken.
    pub opens_on: Option<NaiveDate>,
    /// Last day answers are taken.
    pub closes_on: Option<NaiveDate>,
    /// Smallest group shown.
    pub min_group: i64,
    /// Participants may change their answers until the survey closes.
    pub allow_changes: bool,
    /// Who made it (HR).
    pub owner_id: Uuid,
    /// Their name.
    pub owner_name: String,
    /// Last reminder.
    pub reminded_on: Option<NaiveDate>,
    /// Who published the results.
    pub published_by: Option<String>,
    /// Made at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

const SURVEY_COLS: &str = "id, title, intro, questions, state, all_staff, opens_on, closes_on, min_group, allow_changes, owner_id, owner_name, reminded_on, published_by, created_at, updated_at";

/// An answer set as stored: no person, no time but the day.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponseRow {
    /// Random id.
    pub id: Uuid,
    /// The answers as JSON.
    pub answers: String,
    /// Hash of the change secret.
    pub change_hash: Option<String>,
    /// Day.
    pub day: NaiveDate,
}

/// The SQL of surveys.
#[derive(Clone)]
pub struct SurveysStore {
    db: Db,
}

fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SurveysStore {
    /// A store on `db`.
    pub fn new(db: Db) -> SurveysStore {
        SurveysStore { db }
    }

    /// The database (for transactions).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// A survey.
    pub async fn survey(&self, id: Uuid) -> Result<Option<SurveyRow>, DbError> {
        let sql = format!("SELECT {SURVEY_COLS} FROM surveys_survey WHERE id = $1");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?),
        )
    }

    /// Every survey, newest first.
    pub async fn surveys(&self) -> Result<Vec<SurveyRow>, DbError> {
        let sql = format!("SELECT {SURVEY_COLS} FROM surveys_survey ORDER BY created_at DESC, id");
        Ok(
            on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?),
        )
    }

    /// Stores a new survey.
    pub async fn insert(&self, tx: &mut Tx, s: &SurveyRow) -> Result<(), DbError> {
        let sql = format!(
            "INSERT INTO surveys_survey ({SURVEY_COLS}) VALUES ({})",
            placeholders(1, 16)
        );
        on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(s.id).bind(&s.title).bind(&s.intro).bind(&s.questions).bind(&s.state)
            .bind(s.all_staff).bind(s.opens_on).bind(s.closes_on).bind(s.min_group)
            .bind(s.allow_changes).bind(s.owner_id).bind(&s.owner_name).bind(s.reminded_on)
            .bind(&s.published_by).bind(s.created_at).bind(s.updated_at)
            .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Saves a survey's changeable fields. With `from_state` the update
    /// only happens in that state (false when the state moved on).
    pub async fn update(
        &self,
        tx: &mut Tx,
        s: &SurveyRow,
        from_state: &str,
    ) -> Result<bool, DbError> {
        let done = on_tx!(tx, conn => sqlx::query(
            "UPDATE surveys_survey SET title = $2, intro = $3, questions = $4, state = $5,
               all_staff = $6, opens_on = $7, closes_on = $8, min_group = $9, allow_changes = $10,
               reminded_on = $11, published_by = $12, updated_at = $13
             WHERE id = $1 AND state = $14")
            .bind(s.id).bind(&s.title).bind(&s.intro).bind(&s.questions).bind(&s.state)
            .bind(s.all_staff).bind(s.opens_on).bind(s.closes_on).bind(s.min_group)
            .bind(s.allow_changes).bind(s.reminded_on).bind(&s.published_by).bind(s.updated_at)
            .bind(from_state)
            .execute(conn).await?.rows_affected());
        Ok(done == 1)
    }

    /// The units of a survey's audience.
    pub async fn audience_units(&self, survey: Uuid) -> Result<Vec<Uuid>, DbError> {
        let rows: Vec<(Uuid,)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT org_unit_id FROM surveys_audience_unit WHERE survey_id = $1")
            .bind(survey).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Replaces the units of a survey's audience.
    pub async fn set_audience_units(
        &self,
        tx: &mut Tx,
        survey: Uuid,
        units: &[Uuid],
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query("DELETE FROM surveys_audience_unit WHERE survey_id = $1")
            .bind(survey).execute(conn).await?.rows_affected());
        for u in units {
            on_tx!(tx, conn => sqlx::query(
                "INSERT INTO surveys_audience_unit (survey_id, org_unit_id) VALUES ($1, $2)")
                .bind(survey).bind(u).execute(conn).await?.rows_affected());
        }
        Ok(())
    }

    /// Records that `account` took part; false when they already had.
    pub async fn participate(
        &self,
        tx: &mut Tx,
        survey: Uuid,
        account: Uuid,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "INSERT INTO surveys_participation (survey_id, account_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING")
            .bind(survey).bind(account).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Whether `account` took part.
    pub async fn took_part(&self, survey: Uuid, account: Uuid) -> Result<bool, DbError> {
        let n: i64 = on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM surveys_participation WHERE survey_id = $1 AND account_id = $2")
            .bind(survey).bind(account).fetch_one(pool).await?);
        Ok(n > 0)
    }

    /// Which of `surveys` `account` took part in.
    pub async fn taken_part_in(&self, account: Uuid) -> Result<Vec<Uuid>, DbError> {
        let rows: Vec<(Uuid,)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT survey_id FROM surveys_participation WHERE account_id = $1")
            .bind(account).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Everyone who took part (for reminders and the counts per unit;
    /// never shown as a list).
    pub async fn participants(&self, survey: Uuid) -> Result<Vec<Uuid>, DbError> {
        let rows: Vec<(Uuid,)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT account_id FROM surveys_participation WHERE survey_id = $1")
            .bind(survey).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Puts an answer set into the ballot box.
    pub async fn cast(
        &self,
        tx: &mut Tx,
        survey: Uuid,
        answers: &str,
        change_hash: Option<&str>,
        day: NaiveDate,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO surveys_ballot (id, survey_id, answers, change_hash, day) VALUES ($1, $2, $3, $4, $5)")
            .bind(Uuid::new_v4()).bind(survey).bind(answers).bind(change_hash).bind(day)
            .execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Answer sets waiting in the ballot box.
    pub async fn ballots_waiting(&self, survey: Uuid) -> Result<i64, DbError> {
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM surveys_ballot WHERE survey_id = $1")
            .bind(survey).fetch_one(pool).await?))
    }

    /// Takes every answer set out of the ballot box (each once, even when
    /// two mixers run at the same time).
    pub async fn take_ballots(
        &self,
        tx: &mut Tx,
        survey: Uuid,
    ) -> Result<Vec<ResponseRow>, DbError> {
        Ok(on_tx!(tx, conn => sqlx::query_as(
            "DELETE FROM surveys_ballot WHERE survey_id = $1 RETURNING id, answers, change_hash, day")
            .bind(survey).fetch_all(conn).await?))
    }

    /// Stores mixed answer sets under new random ids.
    pub async fn insert_responses(
        &self,
        tx: &mut Tx,
        survey: Uuid,
        rows: &[ResponseRow],
    ) -> Result<(), DbError> {
        for chunk in rows.chunks(100) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", placeholders(i * 5 + 1, 5)))
                .collect();
            let sql = format!(
                "INSERT INTO surveys_response (id, survey_id, answers, change_hash, day) VALUES {}",
                values.join(", ")
            );
            on_tx!(tx, conn => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for r in chunk {
                    q = q.bind(Uuid::new_v4()).bind(survey).bind(&r.answers).bind(&r.change_hash).bind(r.day);
                }
                q.execute(conn).await?.rows_affected()
            });
        }
        Ok(())
    }

    /// Takes the answer set a change secret belongs to out of either
    /// table (it goes back into the ballot box with the new answers).
    pub async fn take_by_hash(&self, tx: &mut Tx, hash: &str) -> Result<Option<Uuid>, DbError> {
        for table in ["surveys_ballot", "surveys_response"] {
            let sql = format!("DELETE FROM {table} WHERE change_hash = $1 RETURNING survey_id");
            let found: Option<(Uuid,)> = on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(hash).fetch_optional(conn).await?);
            if let Some((survey,)) = found {
                return Ok(Some(survey));
            }
        }
        Ok(None)
    }

    /// The answers a change secret belongs to (to fill the form again).
    pub async fn answers_by_hash(&self, hash: &str) -> Result<Option<(Uuid, String)>, DbError> {
        for table in ["surveys_ballot", "surveys_response"] {
            let sql = format!("SELECT survey_id, answers FROM {table} WHERE change_hash = $1");
            let found: Option<(Uuid, String)> = on_db!(&self.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(hash).fetch_optional(pool).await?);
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Every answer set of a survey (mixed and waiting), as JSON texts.
    pub async fn answer_sets(&self, survey: Uuid) -> Result<Vec<String>, DbError> {
        let rows: Vec<(String,)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT answers FROM surveys_response WHERE survey_id = $1
             UNION ALL SELECT answers FROM surveys_ballot WHERE survey_id = $1")
            .bind(survey).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Removes the emptied ballot box's dead rows from PostgreSQL's files
    /// (outside a transaction; SQLite reuses the pages by itself).
    pub async fn vacuum_ballots(&self) -> Result<(), DbError> {
        if let Db::Postgres(pool) = &self.db {
            sqlx::query("VACUUM surveys_ballot").execute(pool).await?;
        }
        Ok(())
    }

    /// Open surveys whose last day is before `today` (to close them).
    pub async fn due_to_close(&self, today: NaiveDate) -> Result<Vec<Uuid>, DbError> {
        let rows: Vec<(Uuid,)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT id FROM surveys_survey WHERE state = 'open' AND closes_on IS NOT NULL AND closes_on < $1")
            .bind(today).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
