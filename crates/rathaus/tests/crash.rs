//! Nothing acknowledged is lost on `kill -9`: the real binary is killed
//! while registrations (an account row plus a mail job each) are in flight;
//! after a restart every acknowledged account exists and every one of
//! their mail jobs is delivered.

// Test helpers may panic: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use testkit::crash::Instance;

const BIN: &str = env!("CARGO_BIN_EXE_rathaus");

async fn csrf_client(address: &str) -> anyhow::Result<(reqwest::Client, String)> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    client.get(format!("{address}/registrieren")).send().await?;
    let url = url::Url::parse(address)?;
    let cookies = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url)
        .ok_or_else(|| anyhow::anyhow!("no cookie"))?;
    let token = cookies
        .to_str()?
        .split(';')
        .find_map(|c| c.trim().strip_prefix("rathaus_csrf=").map(str::to_owned))
        .ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    Ok((client, token))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_registrations_and_their_mails_survive_sigkill() {
    let mut inst = Instance::new(std::path::Path::new(BIN))
        .await
        .expect("instance");
    inst.start(&[]).await.expect("start");
    let acknowledged: Arc<Mutex<BTreeSet<String>>> = Arc::new(Mutex::new(BTreeSet::new()));
    let mut writers = Vec::new();
    for w in 0..6 {
        let address = inst.address.clone();
        let acked = acknowledged.clone();
        writers.push(tokio::spawn(async move {
            let Ok((client, token)) = csrf_client(&address).await else {
                return;
            };
            for i in 0..1000 {
                let email = format!("w{w}-{i}@example.org");
                let res = client
                    .post(format!("{address}/registrieren"))
                    .form(&[
                        ("_csrf", token.as_str()),
                        ("display_name", "Crash Test"),
                        ("email", &email),
                        ("password", "lang genug 12345"),
                    ])
                    .send()
                    .await;
                match res {
                    // 303 is the acknowledgement: the write is committed.
                    Ok(r) if r.status() == 303 => {
                        if let Ok(mut a) = acked.lock() {
                            a.insert(email);
                        }
                    }
                    _ => return,
                }
            }
        }));
    }
    // Kill while writes are in flight, once enough were acknowledged.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().map(|a| a.len()).unwrap_or(0) < 60 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    inst.kill9().expect("kill -9");
    for w in writers {
        let _ = w.await;
    }
    let acked = acknowledged.lock().map(|a| a.clone()).unwrap_or_default();
    assert!(
        acked.len() >= 60,
        "only {} writes were acknowledged",
        acked.len()
    );

    // A short lease, so jobs the killed process had claimed run again soon.
    inst.start(&[("RATHAUS_JOBS__LEASE_SECONDS", "2")])
        .await
        .expect("restart");
    let list = inst.cli(&["user", "list"]).expect("list");
    let listed = String::from_utf8_lossy(&list.stdout).to_string();
    let missing: Vec<&String> = acked
        .iter()
        .filter(|e| {
            !listed
                .lines()
                .any(|l| l.contains(e.as_str()) && l.ends_with("Crash Test"))
        })
        .collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");

    // The job queue survived too: every acknowledged registration gets its
    // confirmation mail once the restarted runner has caught up.
    let mail_dir = inst.data_dir.join("mail");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mails: Vec<String> = std::fs::read_dir(&mail_dir)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        let without: Vec<&String> = acked
            .iter()
            .filter(|e| !mails.iter().any(|m| m.contains(e.as_str())))
            .collect();
        if without.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} acknowledged registrations never got their mail",
            without.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let verify = inst.cli(&["audit", "verify"]).expect("verify");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

fn blob_path(data_dir: &std::path::Path, key: &str) -> std::path::PathBuf {
    data_dir
        .join("blobs")
        .join("sha256")
        .join(&key[0..2])
        .join(&key[2..4])
        .join(key)
}

/// Submissions with an attachment each, through the API, while the server
/// is killed: every acknowledged submission (201) and its attachment are
/// there after the restart, and every receipt mail is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_submissions_and_attachments_survive_sigkill() {
    use base64::Engine;
    let mut inst = Instance::new(std::path::Path::new(BIN))
        .await
        .expect("instance");
    let seeded = inst.cli(&["demo"]).expect("demo");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let token = inst
        .cli(&[
            "token",
            "create",
            "--name",
            "Crash test",
            "--scope",
            "submissions:write",
            "--scope",
            "submissions:read",
        ])
        .expect("token");
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    inst.start(&[]).await.expect("start");
    // The search index is fed by jobs the started server runs: wait for it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let service = loop {
        let found: serde_json::Value = reqwest::get(format!(
            "{}/api/v1/services?q=Bewohnerparkausweis&limit=1",
            inst.address
        ))
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
        if let Some(id) = found["services"][0]["id"].as_str() {
            break id.to_owned();
        }
        assert!(Instant::now() < deadline, "the demo service is not found");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // (submission id, reference, attachment content)
    type Acked = Vec<(String, String, Vec<u8>)>;
    let acknowledged: Arc<Mutex<Acked>> = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for w in 0..4 {
        let address = inst.address.clone();
        let acked = acknowledged.clone();
        let token = token.clone();
        let service = service.clone();
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0..500 {
                // A distinct PDF each, so every attachment is its own blob.
                let mut pdf = b"%PDF-1.4\n".to_vec();
                pdf.extend(format!("% writer {w} submission {i}\n").bytes());
                pdf.resize(64 * 1024, b' ');
                pdf.extend_from_slice(b"\n%%EOF\n");
                let body = serde_json::json!({"answers": {
                    "vorname": "Crash", "nachname": format!("Test {w}-{i}"),
                    "geburtsdatum": "1990-01-01", "email": format!("w{w}-{i}@example.org"),
                    "adresse": {"street": "Marktplatz", "house_number": "1", "postcode": "51147", "city": "Musterstadt"},
                    "kennzeichen": "MU-CT 1", "fahrzeugart": "pkw", "halter": "yes",
                    "fahrzeugschein": {"name": "schein.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(&pdf)},
                    "zeitraum_von": "2027-01-01", "zeitraum_bis": "2027-12-31", "anzahl_jahre": "1",
                    "zustellung": ["portal"],
                }});
                let res = client
                    .post(format!("{address}/api/v1/services/{service}/submissions"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("crash-{w}-{i}"))
                    .json(&body)
                    .send()
                    .await;
                match res {
                    // 201 is the acknowledgement: the submission is durable.
                    Ok(r) if r.status() == 201 => {
                        let Ok(v) = r.json::<serde_json::Value>().await else {
                            return;
                        };
                        if let Ok(mut a) = acked.lock() {
                            a.push((
                                v["id"].as_str().unwrap_or_default().to_owned(),
                                v["reference"].as_str().unwrap_or_default().to_owned(),
                                pdf,
                            ));
                        }
                    }
                    _ => return,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().map(|a| a.len()).unwrap_or(0) < 40 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    inst.kill9().expect("kill -9");
    for w in writers {
        let _ = w.await;
    }
    let acked = acknowledged.lock().map(|a| a.clone()).unwrap_or_default();
    assert!(
        acked.len() >= 40,
        "only {} submissions were acknowledged",
        acked.len()
    );

    inst.start(&[("RATHAUS_JOBS__LEASE_SECONDS", "2")])
        .await
        .expect("restart");
    let client = reqwest::Client::new();
    for (id, reference, pdf) in &acked {
        let res = client
            .get(format!("{}/api/v1/submissions/{id}", inst.address))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(
            res.status(),
            200,
            "acknowledged submission {reference} lost"
        );
        let v: serde_json::Value = res.json().await.expect("json");
        assert_eq!(v["reference"], serde_json::Value::String(reference.clone()));
        let key = v["answers"]["fahrzeugschein"]["blob"]
            .as_str()
            .expect("blob key");
        let stored = std::fs::read(blob_path(&inst.data_dir, key))
            .unwrap_or_else(|e| panic!("attachment of {reference} lost: {e}"));
        assert_eq!(&stored, pdf, "attachment of {reference} intact");
    }
    // Every acknowledged submission's receipt mail is delivered.
    let mail_dir = inst.data_dir.join("mail");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mails: Vec<String> = std::fs::read_dir(&mail_dir)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        let without = acked
            .iter()
            .filter(|(_, r, _)| !mails.iter().any(|m| m.contains(r.as_str())))
            .count();
        if without == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{without} acknowledged submissions never got their receipt mail"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every submission became exactly one case, including those whose job
    // the killed process had claimed or not yet run.
    let db = storage::Db::connect(&inst.database_url())
        .await
        .expect("db");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let count: i64 = storage::on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM forms_submission").fetch_one(pool).await).expect("count");
        let cases: i64 = storage::on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(DISTINCT submission_id) FROM cases_case").fetch_one(pool).await).expect("cases");
        let all: i64 = storage::on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM cases_case").fetch_one(pool).await).expect("cases");
        assert_eq!(all, cases, "no submission has two cases");
        if cases == count {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} submissions have a case",
            cases
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (id, reference, _) in &acked {
        let id = uuid::Uuid::parse_str(id).expect("uuid");
        let n: i64 = storage::on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM cases_case WHERE submission_id = $1").bind(id).fetch_one(pool).await).expect("case");
        assert_eq!(n, 1, "submission {reference} has exactly one case");
    }
    let verify = inst.cli(&["audit", "verify"]).expect("verify");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
