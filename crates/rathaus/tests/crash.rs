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
