//! The data generator behind `rathaus demo --cases N`: cases of the demo
//! case types with their submissions, files (gap-free references), one
//! document of about 2 KB of German administrative text each (a real blob
//! and its kept text), timelines and realistic statuses, deadlines and
//! assignees. Rows go in with multi-row INSERTs, 2 000 cases per
//! transaction; blobs are written without a sync each and the file system
//! is synced once at the end (a generator acknowledges nothing to anyone).
//! The document index is rebuilt from the kept texts afterwards.

use crate::app::Application;
use anyhow::Context;
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use sqlx::QueryBuilder;
use sqlx::types::Json;
use std::time::Instant;
use storage::{BlobStore, on_db, on_tx};
use uuid::Uuid;

/// Cases per transaction.
const BATCH: usize = 2_000;

pub(crate) const GIVEN: &[&str] = &[
    "Anna", "Ben", "Can", "Dilara", "Elias", "Fatma", "Gregor", "Hannah", "Ilse", "Jonas",
    "Katrin", "Lukas", "Mira", "Noah", "Olga", "Paul", "Rana", "Sven", "Tamara", "Uwe", "Vera",
    "Yusuf",
];
pub(crate) const FAMILY: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Yılmaz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Kaya",
    "Richter",
    "Klein",
    "Wolf",
    "Nowak",
    "Zimmermann",
];
const STREETS: &[&str] = &[
    "Marktplatz",
    "Bahnhofstraße",
    "Kirchweg",
    "Am Ring",
    "Lindenallee",
    "Schulstraße",
    "Gartenweg",
    "Hauptstraße",
    "Rathausplatz",
    "Mühlenweg",
    "Goethestraße",
    "Bergstraße",
];
const SUBJECTS: &[&str] = &[
    "Die Antragstellerin",
    "Der Antragsteller",
    "Das Ordnungsamt",
    "Die Sachbearbeitung",
    "Das Bürgeramt",
    "Die Bauaufsicht",
    "Die Straßenverkehrsbehörde",
    "Das Standesamt",
    "Die Stadtkasse",
    "Der Eigentümer",
    "Die Hausverwaltung",
    "Das Jugendamt",
];
const VERBS: &[&str] = &[
    "beantragt",
    "prüft",
    "bestätigt",
    "legt vor",
    "reicht nach",
    "bescheinigt",
    "genehmigt",
    "versagt",
    "fordert an",
    "übersendet",
    "weist nach",
    "erläutert",
];
const OBJECTS: &[&str] = &[
    "den Bewohnerparkausweis",
    "die Meldebescheinigung",
    "den Fahrzeugschein",
    "die Baugenehmigung",
    "den Lageplan",
    "die Gebührenrechnung",
    "den Mietvertrag",
    "die Sondernutzungserlaubnis",
    "die Vollmacht",
    "den Personalausweis",
    "die Geburtsurkunde",
    "das Führungszeugnis",
    "die Hundesteuer",
    "den Wohngeldantrag",
    "die Gewerbeanmeldung",
    "das Gutachten",
    "die Stellungnahme",
    "den Widerspruch",
];
const ADVERBIALS: &[&str] = &[
    "fristgerecht",
    "mit Schreiben vom Vormonat",
    "nach Rücksprache mit der Fachabteilung",
    "im Rahmen der Anhörung",
    "gemäß der Satzung der Stadt",
    "unter Vorbehalt",
    "nach Ortsbesichtigung",
    "aufgrund der vorgelegten Unterlagen",
    "vollständig",
    "per E-Mail",
    "über das Bürgerportal",
    "nach telefonischer Rückfrage",
];
const CLOSINGS: &[&str] = &[
    "Die Unterlagen liegen der Akte bei.",
    "Eine Entscheidung ergeht nach Eingang der fehlenden Nachweise.",
    "Die Gebühr richtet sich nach der Verwaltungsgebührensatzung.",
    "Gegen diesen Vermerk bestehen keine Bedenken.",
    "Der Vorgang wird zur Wiedervorlage in zwei Wochen notiert.",
    "Die Angaben wurden mit dem Melderegister abgeglichen.",
];

/// About 2 KB of German administrative prose.
fn text(rng: &mut StdRng, name: &str, street: &str, reference: &str) -> String {
    let mut out =
        format!("Vermerk zum Vorgang {reference}\n\nBetreff: Antrag von {name}, {street}\n\n");
    while out.len() < 2_000 {
        let pick =
            |rng: &mut StdRng, list: &[&'static str]| list.choose(rng).copied().unwrap_or("");
        out.push_str(&format!(
            "{} {} {} {}. ",
            pick(rng, SUBJECTS),
            pick(rng, VERBS),
            pick(rng, OBJECTS),
            pick(rng, ADVERBIALS)
        ));
        if rng.random_range(0..4) == 0 {
            out.push_str(pick(rng, CLOSINGS));
            out.push_str("\n\n");
        }
    }
    out
}

/// What a case type gives the generator.
struct TypeInfo {
    id: Uuid,
    service: Uuid,
    version: Uuid,
    unit: Uuid,
    code: String,
    title: String,
    deadline_days: i64,
    statuses: Vec<cases::StatusDef>,
}

struct Row {
    submission: Uuid,
    reference: String,
    service: Uuid,
    version: Uuid,
    answers: serde_json::Value,
    email: String,
    submitted_at: DateTime<Utc>,
    case: Uuid,
    case_type: Uuid,
    file: Uuid,
    file_reference: String,
    title: String,
    plan_node: Uuid,
    unit: Uuid,
    status: String,
    phase: &'static str,
    assignee: Option<Uuid>,
    deadline: DateTime<Utc>,
    stopped: Option<DateTime<Utc>>,
    document: Uuid,
    version_row: Uuid,
    sha256: String,
    size: i64,
    text: String,
}

/// Adds `n` cases to the demo city; returns how many were made.
pub async fn generate(app: &Application, n: usize, seed: u64) -> anyhow::Result<usize> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let now = app.clock.now();
    let year = now.year();
    let types = load_types(app).await?;
    anyhow::ensure!(!types.is_empty(), "no case types: run `rathaus demo` first");
    let clerks = clerks_by_unit(app).await?;
    let plan: Vec<(Uuid, String)> = on_db!(&app.db, pool => sqlx::query_as("SELECT id, code FROM records_plan_node").fetch_all(pool).await?);
    let state = cases::domain::federal_state(&app.settings.cases.federal_state)
        .context("cases.federal_state")?;
    // Next file number per code (gap-free: continues the sequence).
    let mut next: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for t in &types {
        let last: Option<i64> = on_db!(&app.db, pool => sqlx::query_scalar("SELECT last FROM records_sequence WHERE code = $1 AND year = $2").bind(&t.code).bind(i64::from(year)).fetch_optional(pool).await?);
        next.insert(t.code.clone(), last.unwrap_or(0));
    }
    let blobs = app.blobs.clone();
    // References continue after the submissions already there.
    let serial: i64 = on_db!(&app.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM forms_submission").fetch_one(pool).await?);
    let serial = usize::try_from(serial).unwrap_or(0);
    let mut made = 0;
    while made < n {
        let size = BATCH.min(n - made);
        let mut rows = Vec::with_capacity(size);
        for i in 0..size {
            let t = types.choose(&mut rng).context("case types")?;
            let number = next.entry(t.code.clone()).or_insert(0);
            *number += 1;
            let file_reference = records::file_reference(&t.code, year, *number);
            let given = GIVEN.choose(&mut rng).copied().unwrap_or("");
            let family = FAMILY.choose(&mut rng).copied().unwrap_or("");
            let street = STREETS.choose(&mut rng).copied().unwrap_or("");
            let house = rng.random_range(1..200).to_string();
            let submitted_at = now - Duration::minutes(rng.random_range(0..60 * 24 * 90));
            let reference = format!("{year}-G{:09}", serial + made + i);
            let deadline_day =
                cases::domain::add_working_days(submitted_at.date_naive(), t.deadline_days, state);
            let deadline = Utc.from_utc_datetime(
                &deadline_day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default()),
            );
            // A realistic spread over the phases of the case type.
            let roll = rng.random_range(0..100);
            let wanted = match roll {
                0..20 => cases::Phase::Received,
                20..60 => cases::Phase::InProgress,
                60..70 => cases::Phase::Waiting,
                70..80 => cases::Phase::Decided,
                _ => cases::Phase::Closed,
            };
            let status = t
                .statuses
                .iter()
                .find(|s| s.phase == wanted)
                .or_else(|| t.statuses.first())
                .context("case type without statuses")?;
            let assignee = if status.phase == cases::Phase::Received {
                None
            } else {
                clerks
                    .iter()
                    .find(|(u, _)| *u == t.unit)
                    .and_then(|(_, list)| list.choose(&mut rng).copied())
            };
            let name = format!("{given} {family}");
            let body = text(&mut rng, &name, street, &file_reference);
            rows.push(Row {
                submission: Uuid::now_v7(),
                service: t.service,
                version: t.version,
                email: format!("{}.{}@example.org", given.to_lowercase(), made + i),
                answers: json!({
                    "vorname": given, "nachname": family,
                    "email": format!("{}.{}@example.org", given.to_lowercase(), made + i),
                    "adresse": {"street": street, "house_number": house, "postcode": "51147", "city": "Musterstadt"},
                }),
                submitted_at,
                case: Uuid::now_v7(),
                case_type: t.id,
                file: Uuid::now_v7(),
                title: format!("{} – {reference}", t.title),
                reference,
                file_reference,
                plan_node: plan
                    .iter()
                    .find(|(_, c)| *c == t.code)
                    .map(|(id, _)| *id)
                    .context("plan code of a case type")?,
                unit: t.unit,
                status: status.key.clone(),
                phase: status.phase.as_str(),
                assignee,
                deadline,
                stopped: (status.phase == cases::Phase::Waiting).then_some(now),
                document: Uuid::now_v7(),
                version_row: Uuid::now_v7(),
                sha256: BlobStore::key_of(body.as_bytes()),
                size: body.len() as i64,
                text: body,
            });
        }
        let contents: Vec<bytes::Bytes> = rows
            .iter()
            .map(|r| bytes::Bytes::from(r.text.clone()))
            .collect();
        blobs.put_unsynced(contents).await?;
        insert(app, &rows, now).await?;
        made += size;
        if made % 50_000 == 0 || made == n {
            tracing::info!(
                made,
                seconds = started.elapsed().as_secs(),
                "cases generated"
            );
        }
    }
    for (code, last) in &next {
        on_db!(&app.db, pool => sqlx::query(
            "INSERT INTO records_sequence (code, year, last) VALUES ($1, $2, $3) ON CONFLICT (code, year) DO UPDATE SET last = $3",
        ).bind(code).bind(i64::from(year)).bind(*last).execute(pool).await?.rows_affected());
    }
    blobs.sync().await?;
    Ok(made)
}

/// A case type row: id, service, name, deadline days, unit, plan code,
/// statuses.
type TypeRow = (
    Uuid,
    Uuid,
    String,
    i64,
    Uuid,
    String,
    Json<Vec<cases::StatusDef>>,
);

async fn load_types(app: &Application) -> anyhow::Result<Vec<TypeInfo>> {
    let rows: Vec<TypeRow> = on_db!(&app.db, pool => sqlx::query_as(
        "SELECT id, service_id, name, deadline_days, org_unit_id, plan_code, statuses FROM cases_case_type ORDER BY name",
    ).fetch_all(pool).await?);
    let mut out = Vec::new();
    for (id, service, title, deadline_days, unit, code, statuses) in rows {
        let version: Option<Uuid> = on_db!(&app.db, pool => sqlx::query_scalar(
            "SELECT id FROM forms_version WHERE service_id = $1 AND status = 'published' ORDER BY number DESC LIMIT 1",
        ).bind(service).fetch_optional(pool).await?);
        let Some(version) = version else { continue };
        out.push(TypeInfo {
            id,
            service,
            version,
            unit,
            code,
            title,
            deadline_days,
            statuses: statuses.0,
        });
    }
    Ok(out)
}

/// The clerks of each unit (cases get one of them as assignee).
async fn clerks_by_unit(app: &Application) -> anyhow::Result<Vec<(Uuid, Vec<Uuid>)>> {
    let rows: Vec<(Uuid, Uuid)> = on_db!(&app.db, pool => sqlx::query_as(
        "SELECT org_unit_id, account_id FROM identity_role_grant WHERE role = 'clerk'",
    ).fetch_all(pool).await?);
    let mut out: Vec<(Uuid, Vec<Uuid>)> = Vec::new();
    for (unit, account) in rows {
        match out.iter_mut().find(|(u, _)| *u == unit) {
            Some((_, list)) => list.push(account),
            None => out.push((unit, vec![account])),
        }
    }
    Ok(out)
}

/// One transaction: every row of the batch, table by table.
async fn insert(app: &Application, rows: &[Row], now: DateTime<Utc>) -> anyhow::Result<()> {
    let mut tx = app.db.begin().await?;
    // Chunks keep each statement below SQLite's limit of bound parameters.
    for chunk in rows.chunks(500) {
        on_tx!(&mut tx, conn => {
            let mut q = QueryBuilder::new("INSERT INTO forms_submission (id, reference, service_id, version_id, channel, submitted_by, email, answers, fee_cents, submitted_at) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.submission).push_bind(&r.reference).push_bind(r.service).push_bind(r.version)
                    .push_bind("api").push_bind("system:generator").push_bind(&r.email)
                    .push_bind(Json(&r.answers)).push_bind(0i64).push_bind(r.submitted_at);
            });
            q.build().execute(&mut *conn).await?;
            let mut q = QueryBuilder::new("INSERT INTO records_file (id, plan_node_id, reference, title, created_by, created_at, org_unit_id) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.file).push_bind(r.plan_node).push_bind(&r.file_reference).push_bind(&r.title)
                    .push_bind("system:generator").push_bind(r.submitted_at).push_bind(r.unit);
            });
            q.build().execute(&mut *conn).await?;
            let mut q = QueryBuilder::new("INSERT INTO records_document (id, file_id, title, created_at) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.document).push_bind(r.file).push_bind("Vermerk").push_bind(r.submitted_at);
            });
            q.build().execute(&mut *conn).await?;
            let mut q = QueryBuilder::new("INSERT INTO records_version (id, document_id, number, sha256, media_type, size, file_name, author, note, created_at) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.version_row).push_bind(r.document).push_bind(1i64).push_bind(&r.sha256)
                    .push_bind("text/plain").push_bind(r.size).push_bind("vermerk.txt")
                    .push_bind("system:generator").push_bind("").push_bind(r.submitted_at);
            });
            q.build().execute(&mut *conn).await?;
            let mut q = QueryBuilder::new("INSERT INTO records_text (version_id, text, extracted_at) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.version_row).push_bind(&r.text).push_bind(now);
            });
            q.build().execute(&mut *conn).await?;
            let mut q = QueryBuilder::new("INSERT INTO cases_case (id, case_type_id, submission_id, file_id, reference, title, status, phase, org_unit_id, assignee_id, received_at, deadline, revision, updated_at, deadline_stopped_at) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.case).push_bind(r.case_type).push_bind(r.submission).push_bind(r.file)
                    .push_bind(&r.file_reference).push_bind(&r.title).push_bind(&r.status).push_bind(r.phase)
                    .push_bind(r.unit).push_bind(r.assignee).push_bind(r.submitted_at).push_bind(r.deadline)
                    .push_bind(1i64).push_bind(now).push_bind(r.stopped);
            });
            q.build().execute(&mut *conn).await?;
            let mut q = QueryBuilder::new("INSERT INTO cases_timeline (id, case_id, at, actor, kind, detail) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(Uuid::now_v7()).push_bind(r.case).push_bind(r.submitted_at)
                    .push_bind("system:cases").push_bind("received").push_bind("Eingegangen");
            });
            q.build().execute(&mut *conn).await?;
        });
    }
    tx.commit().await?;
    Ok(())
}
