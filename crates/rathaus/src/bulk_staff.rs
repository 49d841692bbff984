//! The staff generator behind `rathaus demo --mobile-staff N`: Musterstadt
//! at Stuttgart's scale for the presence planner (W9). Teams of ten under
//! one unit, ten teams sharing each location's desks, a manager per team,
//! most people enrolled and ready (agreement, notebook, VPN, trainings,
//! self-check), two consultation-hours slots per team, A/B cohorts for a
//! rotation plan. Rows go in with multi-row INSERTs; every account gets the
//! same password hash (the demo password), computed once.

use crate::app::Application;
use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt, stream};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use sqlx::QueryBuilder;
use std::time::Instant;
use storage::{on_db, on_tx};
use uuid::Uuid;

/// People per team.
pub const TEAM: usize = 10;
/// Teams per location.
const TEAMS_PER_LOCATION: usize = 10;

struct Person {
    id: Uuid,
    unit: Uuid,
    email: String,
    name: String,
    manager: bool,
    ready: bool,
    part_time: bool,
    cohort: Option<i64>,
    skilled: bool,
}

/// Creates `staff` people in teams of ten; returns (people, teams).
pub async fn generate(
    app: &Application,
    staff: usize,
    seed: u64,
) -> anyhow::Result<(usize, usize)> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let now = app.clock.now();
    let today = app.identity.today();
    let root: Uuid = on_db!(&app.db, pool => sqlx::query_scalar("SELECT id FROM identity_org_unit WHERE parent_id IS NULL ORDER BY code LIMIT 1").fetch_one(pool).await)
        .context("run `rathaus demo` first: no org units")?;
    let exists: i64 = on_db!(&app.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM identity_org_unit WHERE code = 'MW'").fetch_one(pool).await?);
    anyhow::ensure!(exists == 0, "the generated staff are there already");
    let hash = identity::password::hash(crate::demo::DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let teams = staff.div_ceil(TEAM);
    let parent = Uuid::now_v7();
    let units: Vec<(Uuid, String)> = (1..=teams)
        .map(|t| (Uuid::now_v7(), format!("MW-{t:04}")))
        .collect();
    let locations: Vec<Uuid> = (0..teams.div_ceil(TEAMS_PER_LOCATION))
        .map(|_| Uuid::now_v7())
        .collect();
    let mut people = Vec::with_capacity(staff);
    for i in 0..staff {
        let (unit, code) = units.get(i / TEAM).context("team")?;
        let n = i % TEAM;
        let given = crate::bulk::GIVEN.choose(&mut rng).copied().unwrap_or("");
        let family = crate::bulk::FAMILY.choose(&mut rng).copied().unwrap_or("");
        let ready = n == 0 || rng.random_range(0..100) < 85;
        people.push(Person {
            id: Uuid::now_v7(),
            unit: *unit,
            email: format!("{}-{n}@musterstadt.example", code.to_lowercase()),
            name: format!("{given} {family}"),
            manager: n == 0,
            ready,
            part_time: rng.random_range(0..100) < 20,
            // Ready people rotate in two cohorts; those not ready (no
            // cohort) are on site every day.
            cohort: ready.then_some(i64::try_from(n % 2).unwrap_or(0)),
            skilled: n % 3 == 1,
        });
    }
    let mut tx = app.db.begin().await?;
    let agreement_version: i64 = on_tx!(&mut tx, conn => sqlx::query_scalar("SELECT MAX(version) FROM workplace_agreement").fetch_one(&mut *conn).await?);
    // A rotation plan needs more than 50 % mobile: the pandemic version
    // of the agreement.
    on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO workplace_agreement (version, valid_from, max_mobile_permille, core_start, core_end, notice_days, training_months, exclusions, visibility, plan_retention_days, min_group, created_by, created_at)
         VALUES ($1, $2, 600, '09:00', '15:00', 14, 24, '[]', 'manager', 365, 5, 'generator', $3)",
    ).bind(agreement_version + 1).bind(today).bind(now).execute(&mut *conn).await?.rows_affected());
    on_tx!(&mut tx, conn => sqlx::query("INSERT INTO identity_org_unit (id, parent_id, code, name, created_at) VALUES ($1, $2, 'MW', 'Mobiles Arbeiten (Lastprofil)', $3)")
        .bind(parent).bind(root).bind(now).execute(&mut *conn).await?.rows_affected());
    for chunk in units.chunks(500) {
        on_tx!(&mut tx, conn => {
            let mut q = QueryBuilder::new("INSERT INTO identity_org_unit (id, parent_id, code, name, created_at) ");
            q.push_values(chunk, |mut b, (id, code)| {
                b.push_bind(*id).push_bind(parent).push_bind(code).push_bind(format!("Team {code}")).push_bind(now);
            });
            q.build().execute(&mut *conn).await?;
        });
    }
    for (i, chunk) in locations.chunks(500).enumerate() {
        on_tx!(&mut tx, conn => {
            let mut q = QueryBuilder::new("INSERT INTO workplace_location (id, name, desks, created_at) ");
            q.push_values(chunk.iter().enumerate(), |mut b, (j, id)| {
                b.push_bind(*id).push_bind(format!("Standort {:03}", i * 500 + j + 1)).push_bind(70_i64).push_bind(now);
            });
            q.build().execute(&mut *conn).await?;
        });
    }
    let team_rows: Vec<(Uuid, Uuid)> = units
        .iter()
        .enumerate()
        .filter_map(|(t, (u, _))| locations.get(t / TEAMS_PER_LOCATION).map(|l| (*u, *l)))
        .collect();
    for chunk in team_rows.chunks(500) {
        on_tx!(&mut tx, conn => {
            let mut q = QueryBuilder::new("INSERT INTO workplace_team (org_unit_id, location_id, rotation, updated_at) ");
            q.push_values(chunk, |mut b, (u, l)| {
                b.push_bind(*u).push_bind(*l).push_bind(true).push_bind(now);
            });
            q.build().execute(&mut *conn).await?;
            let mut q = QueryBuilder::new("INSERT INTO workplace_slot (id, org_unit_id, weekday, label, skill, min_people, created_at) ");
            q.push_values(chunk.iter().flat_map(|(u, _)| [(*u, 2_i64), (*u, 4_i64)]), |mut b, (u, day)| {
                b.push_bind(Uuid::now_v7()).push_bind(u).push_bind(day).push_bind("Sprechzeit").push_bind("Bürgerberatung").push_bind(1_i64).push_bind(now);
            });
            q.build().execute(&mut *conn).await?;
        });
    }
    insert_people(&mut tx, &people, &hash, agreement_version + 1, today, now).await?;
    tx.commit().await?;
    tracing::info!(
        staff,
        teams,
        seconds = started.elapsed().as_secs_f64(),
        "staff generated"
    );
    Ok((staff, teams))
}

async fn insert_people(
    tx: &mut storage::Tx,
    people: &[Person],
    hash: &str,
    version: i64,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for chunk in people.chunks(400) {
        let ready: Vec<&Person> = chunk.iter().filter(|p| p.ready).collect();
        on_tx!(tx, conn => {
            let mut q = QueryBuilder::new("INSERT INTO identity_account (id, kind, email, display_name, password_hash, status, org_unit_id, totp_enabled, failed_logins, created_at, updated_at) ");
            q.push_values(chunk, |mut b, p| {
                b.push_bind(p.id).push_bind("staff").push_bind(&p.email).push_bind(&p.name).push_bind(hash)
                    .push_bind("active").push_bind(p.unit).push_bind(false).push_bind(0_i64).push_bind(now).push_bind(now);
            });
            q.build().execute(&mut *conn).await?;
            let mut q = QueryBuilder::new("INSERT INTO identity_role_grant (id, account_id, org_unit_id, role, created_at) ");
            q.push_values(chunk, |mut b, p| {
                b.push_bind(Uuid::now_v7()).push_bind(p.id).push_bind(p.unit)
                    .push_bind(if p.manager { "manager" } else { "clerk" }).push_bind(now);
            });
            q.build().execute(&mut *conn).await?;
            let mut q = QueryBuilder::new("INSERT INTO workplace_person (account_id, cohort, office_days, mobile_days, updated_at) ");
            q.push_values(chunk, |mut b, p| {
                b.push_bind(p.id).push_bind(p.cohort).push_bind("").push_bind("").push_bind(now);
            });
            q.build().execute(&mut *conn).await?;
            let skilled: Vec<&Person> = chunk.iter().filter(|p| p.skilled).collect();
            if !skilled.is_empty() {
                let mut q = QueryBuilder::new("INSERT INTO workplace_skill (account_id, skill, given_by, created_at) ");
                q.push_values(skilled, |mut b, p| {
                    b.push_bind(p.id).push_bind("Bürgerberatung").push_bind("generator").push_bind(now);
                });
                q.build().execute(&mut *conn).await?;
            }
            if !ready.is_empty() {
                let mut q = QueryBuilder::new("INSERT INTO workplace_enrolment (id, account_id, org_unit_id, agreement_version, weekly_minutes, work_days, note, state, reason, decided_by, decided_at, revoked_by, ends_on, created_at, updated_at) ");
                q.push_values(ready.iter(), |mut b, p| {
                    b.push_bind(Uuid::now_v7()).push_bind(p.id).push_bind(p.unit).push_bind(version)
                        .push_bind(if p.part_time { 1170_i64 } else { 2340_i64 }).push_bind("1,2,3,4,5").push_bind("")
                        .push_bind("approved").push_bind("").push_bind("generator").push_bind(now)
                        .push_bind(None::<String>).push_bind(None::<chrono::NaiveDate>).push_bind(now).push_bind(now);
                });
                q.build().execute(&mut *conn).await?;
                let mut q = QueryBuilder::new("INSERT INTO workplace_device (id, kind, model, serial, inventory_no, state, holder_id, acknowledged_at, created_at, updated_at) ");
                q.push_values(ready.iter(), |mut b, p| {
                    let n = p.id.simple().to_string();
                    b.push_bind(Uuid::now_v7()).push_bind("notebook").push_bind("Lenovo ThinkPad T14")
                        .push_bind(format!("PF-{n}")).push_bind(format!("NB-{n}")).push_bind("issued")
                        .push_bind(p.id).push_bind(now).push_bind(now).push_bind(now);
                });
                q.build().execute(&mut *conn).await?;
                let mut q = QueryBuilder::new("INSERT INTO workplace_vpn_grant (id, account_id, starts_on, ends_on, granted_by, revoked_by, created_at) ");
                q.push_values(ready.iter(), |mut b, p| {
                    b.push_bind(Uuid::now_v7()).push_bind(p.id).push_bind(today).push_bind(None::<chrono::NaiveDate>)
                        .push_bind("generator").push_bind(None::<String>).push_bind(now);
                });
                q.build().execute(&mut *conn).await?;
                let items = ["agreement_signed", "privacy_training", "security_training", "self_check"];
                let mut q = QueryBuilder::new("INSERT INTO workplace_readiness (account_id, item, confirmed_on, valid_until, confirmed_by) ");
                q.push_values(ready.iter().flat_map(|p| items.iter().map(move |i| (p.id, *i))), |mut b, (id, item)| {
                    let until = item.ends_with("training").then(|| today + chrono::Days::new(700));
                    b.push_bind(id).push_bind(item).push_bind(today).push_bind(until).push_bind("generator");
                });
                q.build().execute(&mut *conn).await?;
            }
        });
    }
    Ok(())
}

/// Generates and publishes a plan for every generated team (the W9
/// workload), location by location so each team sees the desks the
/// teams before it took; then checks every plan again. Returns (teams,
/// people planned, plans that break a rule).
pub async fn plan_all(
    app: &Application,
    start: chrono::NaiveDate,
    weeks: u32,
) -> anyhow::Result<(usize, usize, usize)> {
    let teams: Vec<(Uuid, Option<Uuid>)> = on_db!(&app.db, pool => sqlx::query_as(
        "SELECT t.org_unit_id, t.location_id FROM workplace_team t JOIN identity_org_unit u ON u.id = t.org_unit_id
         WHERE u.code LIKE 'MW-%' ORDER BY t.location_id, u.code",
    ).fetch_all(pool).await?);
    anyhow::ensure!(
        !teams.is_empty(),
        "no generated teams: run `rathaus demo --mobile-staff 15000` first"
    );
    let svc = &app.workplace;
    // Teams of one location depend on each other through its desks, so
    // they are planned in turn; locations are independent, so as many as
    // there are cores are planned at once (the solver runs on blocking
    // threads, the database writes take turns).
    let mut locations: Vec<Vec<Uuid>> = Vec::new();
    let mut last = None;
    for (unit, location) in &teams {
        match locations.last_mut() {
            Some(group) if last == Some(*location) => group.push(*unit),
            _ => locations.push(vec![*unit]),
        }
        last = Some(*location);
    }
    let parallel = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t_gen = Instant::now();
    let planned: Vec<Vec<(Uuid, Uuid)>> = stream::iter(locations)
        .map(|units| async move {
            let mut plans = Vec::with_capacity(units.len());
            for unit in units {
                let plan = svc
                    .generate_plan_as(
                        &manager_of(unit),
                        kernel::OrgUnitId(unit),
                        start,
                        weeks,
                        true,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("team {unit}: {e:?}"))?;
                plans.push((unit, plan.id));
            }
            anyhow::Ok(plans)
        })
        .buffer_unordered(parallel)
        .try_collect()
        .await?;
    let t_gen = t_gen.elapsed();
    let checked = Instant::now();
    // The independent check of every saved plan, with what holds now.
    let views: Vec<(usize, bool)> = stream::iter(planned.into_iter().flatten())
        .map(|(unit, plan)| async move {
            let v = svc
                .plan_view(&manager_of(unit), plan)
                .await
                .map_err(|e| anyhow::anyhow!("plan {plan}: {e:?}"))?;
            anyhow::Ok((v.people.len(), !v.failures.is_empty()))
        })
        .buffer_unordered(parallel)
        .try_collect()
        .await?;
    let people = views.iter().map(|(n, _)| n).sum();
    let broken = views.iter().filter(|(_, b)| *b).count();
    tracing::info!(
        plan_and_publish = t_gen.as_secs_f64(),
        check = checked.elapsed().as_secs_f64(),
        "W9"
    );
    Ok((teams.len(), people, broken))
}

/// The team's manager as the planner sees them.
fn manager_of(unit: Uuid) -> kernel::Actor {
    kernel::Actor {
        account: None,
        name: "W9".into(),
        kind: kernel::ActorKind::Staff,
        grants: vec![kernel::RoleGrant {
            role: kernel::Role::Manager,
            org_unit: kernel::OrgUnitId(unit),
            covers: vec![kernel::OrgUnitId(unit)],
        }],
    }
}
