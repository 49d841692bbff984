//! The SQL of the catalogue (tables `catalogue_*`), once for both backends.

use crate::domain::{Contact, Fee, LegalRef, LifeSituation, Service, ServiceInput, ServiceStatus};
use chrono::{DateTime, Utc};
use kernel::{OrgUnitId, ServiceId};
use sqlx::types::Json;
use storage::{Db, DbError, Tx, on_db, on_tx};
use uuid::Uuid;

/// Access to the catalogue tables.
#[derive(Debug, Clone)]
pub struct CatalogueStore {
    db: Db,
}

#[derive(sqlx::FromRow)]
struct ServiceRow {
    id: Uuid,
    slug: String,
    title: String,
    short_description: String,
    long_description: String,
    leika_key: String,
    life_situations: Json<Vec<String>>,
    prerequisites: Json<Vec<String>>,
    required_documents: Json<Vec<String>>,
    fee: Json<Fee>,
    processing_time: String,
    legal_basis: Json<Vec<LegalRef>>,
    org_unit_id: Uuid,
    maturity_level: i64,
    has_form: bool,
    status: String,
    revision: i64,
    updated_at: DateTime<Utc>,
}

impl From<ServiceRow> for Service {
    fn from(r: ServiceRow) -> Service {
        Service {
            id: ServiceId(r.id),
            input: ServiceInput {
                slug: r.slug,
                title: r.title,
                short_description: r.short_description,
                long_description: r.long_description,
                leika_key: r.leika_key,
                life_situations: r.life_situations.0,
                prerequisites: r.prerequisites.0,
                required_documents: r.required_documents.0,
                fee: Some(r.fee.0),
                processing_time: r.processing_time,
                legal_basis: r.legal_basis.0,
                org_unit: Some(OrgUnitId(r.org_unit_id)),
                maturity_level: r.maturity_level,
                has_form: r.has_form,
            },
            status: ServiceStatus::parse(&r.status).unwrap_or(ServiceStatus::Draft),
            revision: r.revision,
            updated_at: r.updated_at,
        }
    }
}

const COLS: &str = "id, slug, title, short_description, long_description, leika_key, life_situations, prerequisites, required_documents, fee, processing_time, legal_basis, org_unit_id, maturity_level, has_form, status, revision, updated_at";

impl CatalogueStore {
    /// A store over `db`.
    pub fn new(db: Db) -> Self {
        CatalogueStore { db }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// One service by id.
    pub async fn service(&self, id: ServiceId) -> Result<Option<Service>, DbError> {
        let sql = format!("SELECT {COLS} FROM catalogue_service WHERE id = $1");
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, ServiceRow>(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(pool).await?);
        Ok(row.map(Service::from))
    }

    /// One service by slug.
    pub async fn service_by_slug(&self, slug: &str) -> Result<Option<Service>, DbError> {
        let sql = format!("SELECT {COLS} FROM catalogue_service WHERE slug = $1");
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, ServiceRow>(sqlx::AssertSqlSafe(sql)).bind(slug).fetch_optional(pool).await?);
        Ok(row.map(Service::from))
    }

    /// Services by ids, in no particular order (one query).
    pub async fn services_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Service>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {COLS} FROM catalogue_service WHERE id IN ({})",
            placeholders.join(", ")
        );
        let rows = on_db!(&self.db, pool => {
            let mut q = sqlx::query_as::<_, ServiceRow>(sqlx::AssertSqlSafe(sql));
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Service::from).collect())
    }

    /// All services (optionally only published), by title.
    pub async fn services(&self, only_published: bool) -> Result<Vec<Service>, DbError> {
        let sql = format!(
            "SELECT {COLS} FROM catalogue_service WHERE ($1 = FALSE OR status = 'published') ORDER BY title"
        );
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, ServiceRow>(sqlx::AssertSqlSafe(sql)).bind(only_published).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Service::from).collect())
    }

    /// Inserts a service.
    pub async fn insert(
        &self,
        tx: &mut Tx,
        id: ServiceId,
        s: &ServiceInput,
        status: ServiceStatus,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let org = s.org_unit.map(|u| u.0).unwrap_or_default();
        let fee = s.fee.clone().unwrap_or(Fee::None);
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO catalogue_service (id, slug, title, short_description, long_description, leika_key, life_situations, prerequisites, required_documents, fee, processing_time, legal_basis, org_unit_id, maturity_level, has_form, status, revision, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $17)",
        ).bind(id.0).bind(&s.slug).bind(s.title.trim()).bind(s.short_description.trim()).bind(&s.long_description).bind(&s.leika_key)
        .bind(Json(&s.life_situations)).bind(Json(&s.prerequisites)).bind(Json(&s.required_documents)).bind(Json(&fee))
        .bind(s.processing_time.trim()).bind(Json(&s.legal_basis)).bind(org).bind(s.maturity_level).bind(s.has_form)
        .bind(status.as_str()).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Updates content if the revision still matches; returns whether it did.
    pub async fn update(
        &self,
        tx: &mut Tx,
        id: ServiceId,
        s: &ServiceInput,
        revision: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let org = s.org_unit.map(|u| u.0).unwrap_or_default();
        let fee = s.fee.clone().unwrap_or(Fee::None);
        let n = on_tx!(tx, conn => sqlx::query(
            "UPDATE catalogue_service SET slug = $2, title = $3, short_description = $4, long_description = $5, leika_key = $6, life_situations = $7,
                prerequisites = $8, required_documents = $9, fee = $10, processing_time = $11, legal_basis = $12, org_unit_id = $13, maturity_level = $14,
                has_form = $15, revision = revision + 1, updated_at = $16
             WHERE id = $1 AND revision = $17",
        ).bind(id.0).bind(&s.slug).bind(s.title.trim()).bind(s.short_description.trim()).bind(&s.long_description).bind(&s.leika_key)
        .bind(Json(&s.life_situations)).bind(Json(&s.prerequisites)).bind(Json(&s.required_documents)).bind(Json(&fee))
        .bind(s.processing_time.trim()).bind(Json(&s.legal_basis)).bind(org).bind(s.maturity_level).bind(s.has_form)
        .bind(now).bind(revision).execute(conn).await?.rows_affected());
        Ok(n == 1)
    }

    /// Sets the publication state.
    pub async fn set_status(
        &self,
        tx: &mut Tx,
        id: ServiceId,
        status: ServiceStatus,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE catalogue_service SET status = $2, revision = revision + 1, updated_at = $3 WHERE id = $1",
        ).bind(id.0).bind(status.as_str()).bind(now).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// All life situations in their order.
    pub async fn life_situations(&self) -> Result<Vec<LifeSituation>, DbError> {
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, (String, String, String)>(
            "SELECT slug, title, description FROM catalogue_life_situation ORDER BY position, title",
        ).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(slug, title, description)| LifeSituation {
                slug,
                title,
                description,
            })
            .collect())
    }

    /// Adds or replaces a life situation.
    pub async fn upsert_life_situation(
        &self,
        tx: &mut Tx,
        l: &LifeSituation,
        position: i64,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO catalogue_life_situation (slug, title, description, position) VALUES ($1, $2, $3, $4)
             ON CONFLICT (slug) DO UPDATE SET title = excluded.title, description = excluded.description, position = excluded.position",
        ).bind(&l.slug).bind(&l.title).bind(&l.description).bind(position).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// The contact of an org unit.
    pub async fn contact(&self, unit: OrgUnitId) -> Result<Option<Contact>, DbError> {
        let row = on_db!(&self.db, pool => sqlx::query_as::<_, (String, String, String, String, String)>(
            "SELECT name, address, opening_hours, phone, email FROM catalogue_contact WHERE org_unit_id = $1",
        ).bind(unit.0).fetch_optional(pool).await?);
        Ok(
            row.map(|(name, address, opening_hours, phone, email)| Contact {
                name,
                address,
                opening_hours,
                phone,
                email,
            }),
        )
    }

    /// All contacts.
    pub async fn contacts(&self) -> Result<Vec<(OrgUnitId, Contact)>, DbError> {
        let rows = on_db!(&self.db, pool => sqlx::query_as::<_, (Uuid, String, String, String, String, String)>(
            "SELECT org_unit_id, name, address, opening_hours, phone, email FROM catalogue_contact",
        ).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(id, name, address, opening_hours, phone, email)| {
                (
                    OrgUnitId(id),
                    Contact {
                        name,
                        address,
                        opening_hours,
                        phone,
                        email,
                    },
                )
            })
            .collect())
    }

    /// Adds or replaces the contact of an org unit.
    pub async fn upsert_contact(
        &self,
        tx: &mut Tx,
        unit: OrgUnitId,
        c: &Contact,
    ) -> Result<(), DbError> {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO catalogue_contact (org_unit_id, name, address, opening_hours, phone, email) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (org_unit_id) DO UPDATE SET name = excluded.name, address = excluded.address, opening_hours = excluded.opening_hours,
                phone = excluded.phone, email = excluded.email",
        ).bind(unit.0).bind(&c.name).bind(&c.address).bind(&c.opening_hours).bind(&c.phone).bind(&c.email).execute(conn).await?.rows_affected());
        Ok(())
    }

    /// Number of services (demo seeding).
    pub async fn count(&self) -> Result<i64, DbError> {
        Ok(
            on_db!(&self.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM catalogue_service").fetch_one(pool).await?),
        )
    }
}
