//! The SQL of form versions (table `forms_version`), once for both
//! backends. Published versions are never updated: the statements that
//! change a definition are limited to drafts.

use crate::definition::FormDefinition;
use chrono::{DateTime, Utc};
use kernel::{FormVersionId, ServiceId};
use serde::Serialize;
use sqlx::types::Json;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// The state of a form version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Being edited.
    Draft,
    /// In use for new applications; frozen.
    Published,
    /// Was published; replaced by a newer version.
    Retired,
}

impl VersionStatus {
    fn parse(s: &str) -> VersionStatus {
        match s {
            "published" => VersionStatus::Published,
            "retired" => VersionStatus::Retired,
            _ => VersionStatus::Draft,
        }
    }
}

/// A stored form version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormVersion {
    /// Id.
    pub id: FormVersionId,
    /// The catalogue service it belongs to.
    pub service: ServiceId,
    /// 1, 2, 3 … per service.
    pub number: i64,
    /// State.
    pub status: VersionStatus,
    /// The definition.
    pub definition: FormDefinition,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Published, if so.
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    service_id: Uuid,
    number: i64,
    status: String,
    definition: Json<FormDefinition>,
    created_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
}

impl FormVersion {
    /// The translation key of its state.
    pub fn status_key(&self) -> &'static str {
        match self.status {
            VersionStatus::Draft => "form-status-draft",
            VersionStatus::Published => "form-status-published",
            VersionStatus::Retired => "form-status-retired",
        }
    }
}

impl From<Row> for FormVersion {
    fn from(r: Row) -> Self {
        FormVersion {
            id: FormVersionId(r.id),
            service: ServiceId(r.service_id),
            number: r.number,
            status: VersionStatus::parse(&r.status),
            definition: r.definition.0,
            created_at: r.created_at,
            published_at: r.published_at,
        }
    }
}

const COLS: &str = "id, service_id, number, status, definition, created_at, published_at";

/// Access to form versions.
#[derive(Debug, Clone)]
pub struct FormsStore {
    db: Db,
}

impl FormsStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        FormsStore { db }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// All versions of a service, newest first.
    pub async fn versions(&self, service: ServiceId) -> Result<Vec<FormVersion>, DbError> {
        let sql =
            format!("SELECT {COLS} FROM forms_version WHERE service_id = $1 ORDER BY number DESC");
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(service.0).fetch_all(pool).await?);
        Ok(rows.into_iter().map(FormVersion::from).collect())
    }

    /// One version.
    pub async fn version(&self, id: FormVersionId) -> Result<Option<FormVersion>, DbError> {
        let sql = format!("SELECT {COLS} FROM forms_version WHERE id = $1");
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(pool).await?);
        Ok(row.map(FormVersion::from))
    }

    /// The published version of a service.
    pub async fn published(&self, service: ServiceId) -> Result<Option<FormVersion>, DbError> {
        let sql = format!(
            "SELECT {COLS} FROM forms_version WHERE service_id = $1 AND status = 'published'"
        );
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(service.0).fetch_optional(pool).await?);
        Ok(row.map(FormVersion::from))
    }

    /// Adds a draft with the next number.
    pub async fn insert_draft(
        &self,
        tx: &mut Tx,
        id: FormVersionId,
        service: ServiceId,
        def: &FormDefinition,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let number: i64 = on_tx!(tx, conn => sqlx::query_scalar(
            "INSERT INTO forms_version (id, service_id, number, status, definition, created_at)
             VALUES ($1, $2, (SELECT COALESCE(MAX(number), 0) + 1 FROM forms_version WHERE service_id = $2), 'draft', $3, $4)
             RETURNING number",
        ).bind(id.0).bind(service.0).bind(Json(def)).bind(now).fetch_one(conn).await?);
        Ok(number)
    }

    /// Replaces a draft's definition; false when it is not a draft.
    pub async fn update_draft(
        &self,
        tx: &mut Tx,
        id: FormVersionId,
        def: &FormDefinition,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE forms_version SET definition = $2 WHERE id = $1 AND status = 'draft'",
        ).bind(id.0).bind(Json(def)).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Publishes a draft and retires the version published before.
    pub async fn publish(
        &self,
        tx: &mut Tx,
        v: &FormVersion,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = on_tx!(tx, conn => {
            sqlx::query("UPDATE forms_version SET status = 'retired' WHERE service_id = $1 AND status = 'published'")
                .bind(v.service.0).execute(&mut *conn).await?;
            sqlx::query("UPDATE forms_version SET status = 'published', published_at = $2 WHERE id = $1 AND status = 'draft'")
                .bind(v.id.0).bind(now).execute(&mut *conn).await?.rows_affected()
        });
        Ok(n == 1)
    }
}
