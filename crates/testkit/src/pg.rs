//! Per-test PostgreSQL databases: the first test of a process migrates a
//! template database (named after the migrations' fingerprint, so it is
//! reused until a migration changes); every test clones it and drops its
//! clone afterwards.

use anyhow::Result;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection};
use storage::{Backend, Db};

/// A database that lives as long as this value.
pub struct TestDatabase {
    /// URL of the test database.
    pub url: String,
    admin_url: String,
    name: String,
}

fn with_db(url: &str, db: &str) -> Result<String> {
    let mut u = url::Url::parse(url)?;
    u.set_path(&format!("/{db}"));
    Ok(u.to_string())
}

impl TestDatabase {
    /// Clones the migrated template into a new database.
    pub async fn create(admin_url: &str) -> Result<TestDatabase> {
        let template = format!(
            "rathaus_tpl_{}",
            Db::migrations_fingerprint(Backend::Postgres)
        );
        let mut admin = PgConnection::connect(admin_url).await?;
        // One process at a time builds the template.
        sqlx::query("SELECT pg_advisory_lock(727271)")
            .execute(&mut admin)
            .await?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&template)
                .fetch_one(&mut admin)
                .await?;
        if !exists {
            let building = format!("{template}_building");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {building}"
            )))
            .execute(&mut admin)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}")))
                .execute(&mut admin)
                .await?;
            let db = Db::connect(&with_db(admin_url, &building)?).await?;
            db.migrate().await?;
            db.close().await;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {building} RENAME TO {template}"
            )))
            .execute(&mut admin)
            .await?;
        }
        let name = format!("rathaus_test_{}", uuid::Uuid::now_v7().simple());
        let created = sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE {template}"
        )))
        .execute(&mut admin)
        .await;
        sqlx::query("SELECT pg_advisory_unlock(727271)")
            .execute(&mut admin)
            .await?;
        created?;
        admin.close().await?;
        // Make sure it answers before handing it out.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(&with_db(admin_url, &name)?)
            .await?;
        pool.close().await;
        Ok(TestDatabase {
            url: with_db(admin_url, &name)?,
            admin_url: admin_url.to_owned(),
            name,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside async; a short-lived runtime on its own thread
        // removes the database even while the test's runtime shuts down.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async move {
                    if let Ok(mut c) = PgConnection::connect(&admin).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            }
        })
        .join();
    }
}
