//! Benchmark W11 (bench/w11.sh): a staff survey at Stuttgart's scale.
//!
//! `w11 prepare DATA_DIR N` opens the demo survey "Erfahrungen mit dem
//! mobilen Arbeiten" for all staff of a demo city generated with
//! `rathaus demo --mobile-staff N` and makes an API token for each of N
//! people (scope surveys:write), for HR and for the staff council; prints
//! them as JSON.
//!
//! `w11 run URL FILE CONCURRENCY` sends the N answers through the API
//! (each person once, CONCURRENCY at a time), measuring each submit; then
//! HR closes the survey, the staff council publishes, and the results
//! (with the breakdowns) and the participation per org unit are read five
//! times each. Fails on any answer not stored.

use kernel::{Actor, Clock, SystemClock};
use rand::RngExt;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["prepare", dir, n] => prepare(dir, n.parse().map_err(|_| "N: a number")?).await,
        ["run", url, file, conc] => {
            run(
                url,
                file,
                conc.parse().map_err(|_| "CONCURRENCY: a number")?,
            )
            .await
        }
        _ => Err("usage: w11 prepare DATA_DIR N | w11 run URL FILE CONCURRENCY".into()),
    }
}

async fn actor_of(app: &rathaus::app::Application, email: &str) -> Result<Actor, String> {
    let id = app
        .identity
        .account_id_by_email(email)
        .await
        .map_err(|e| e.to_string())?
        .ok_or(format!("no account {email}"))?;
    let (acc, _) = app
        .identity
        .account(&Actor::system("w11"), id)
        .await
        .map_err(|e| e.to_string())?;
    app.identity
        .actor_for(&acc)
        .await
        .map_err(|e| e.to_string())
}

async fn token_for(
    app: &rathaus::app::Application,
    account: kernel::AccountId,
) -> Result<String, String> {
    let mut cli = Actor::system("w11");
    cli.account = Some(account);
    app.identity
        .create_api_token(&cli, "W11", &["surveys:write".to_owned()])
        .await
        .map(|(_, t)| t)
        .map_err(|e| e.to_string())
}

async fn prepare(dir: &str, n: usize) -> Result<(), String> {
    let overrides = rathaus::config::Overrides {
        data_dir: Some(dir.into()),
        ..Default::default()
    };
    let settings = rathaus::config::Settings::load(None, &overrides).map_err(|e| e.to_string())?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = rathaus::app::Application::build(settings, clock)
        .await
        .map_err(|e| e.to_string())?;
    let hr = actor_of(&app, "personal@musterstadt.example").await?;
    let survey = app
        .surveys
        .from_template(&hr, Vec::new())
        .await
        .map_err(|e| e.to_string())?;
    app.surveys
        .open(&hr, survey.id)
        .await
        .map_err(|e| e.to_string())?;
    let units: Vec<kernel::OrgUnitId> = app
        .identity
        .org_units(&Actor::system("w11"))
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let people = app
        .identity
        .members_of(&units)
        .await
        .map_err(|e| e.to_string())?;
    if people.len() < n {
        return Err(format!(
            "only {} staff; generate more with demo --mobile-staff",
            people.len()
        ));
    }
    let mut tokens = Vec::with_capacity(n);
    for (id, _, _) in people.iter().take(n) {
        tokens.push(token_for(&app, *id).await?);
    }
    let hr_token = token_for(&app, hr.account.ok_or("hr")?).await?;
    let council = actor_of(&app, "personalrat@musterstadt.example").await?;
    let council_token = token_for(&app, council.account.ok_or("council")?).await?;
    app.log.flush().await.map_err(|e| e.to_string())?;
    println!(
        "{}",
        json!({"survey": survey.id, "tokens": tokens, "hr": hr_token, "council": council_token})
    );
    Ok(())
}

/// A plausible answer set (conditions respected).
fn answers(units: &[&str]) -> Value {
    let mut r = rand::rng();
    let mobile = r.random_bool(0.8);
    let futures = [
        "ja, mehr als bisher",
        "ja, so viel wie bisher",
        "ja, weniger als bisher",
    ];
    // 14 % do not want to work mobile in future (Stuttgart 2020).
    let future = if r.random_bool(0.14) {
        "nein"
    } else {
        futures
            .choose(&mut r)
            .copied()
            .unwrap_or("ja, so viel wie bisher")
    };
    let ages = ["unter 30", "30–44", "45–59", "60 und älter"];
    let mut a = serde_json::Map::new();
    a.insert("mobil_gearbeitet".into(), json!(mobile));
    a.insert("erreichbarkeit".into(), json!(r.random_range(1..=5)));
    a.insert("zukunft".into(), json!(future));
    a.insert("organisationseinheit".into(), json!(units.choose(&mut r)));
    a.insert("altersgruppe".into(), json!(ages.choose(&mut r)));
    if mobile {
        a.insert("tage_pro_woche".into(), json!(r.random_range(0..=5)));
        a.insert("zufriedenheit".into(), json!(r.random_range(1..=5)));
        a.insert("vpn_stabil".into(), json!(r.random_range(1..=5)));
    }
    if future == "nein" {
        a.insert("gruende_nein".into(), json!(["fehlender Kontakt zum Team"]));
    }
    if r.random_bool(0.2) {
        a.insert(
            "anregungen".into(),
            json!("Bessere Headsets und ein stabileres VPN am Montagmorgen."),
        );
    }
    json!({ "answers": a })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(i)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

async fn run(url: &str, file: &str, conc: usize) -> Result<(), String> {
    let prepared: Value =
        serde_json::from_str(&std::fs::read_to_string(file).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let survey = prepared
        .pointer("/survey")
        .unwrap_or(&Value::Null)
        .as_str()
        .ok_or("survey")?
        .to_owned();
    let tokens: Arc<Vec<String>> = Arc::new(
        prepared
            .pointer("/tokens")
            .unwrap_or(&Value::Null)
            .as_array()
            .ok_or("tokens")?
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
    );
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let answer_url = format!("{url}/api/v1/surveys/{survey}/answers");
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..conc {
        let (client, tokens, next, answer_url) = (
            client.clone(),
            tokens.clone(),
            next.clone(),
            answer_url.clone(),
        );
        workers.push(tokio::spawn(async move {
            let units = [
                "Bürgeramt",
                "Ordnungsamt",
                "Baurechtsamt",
                "Feuerwehr",
                "anderer Bereich",
            ];
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(token) = tokens.get(i) else { break };
                let body = answers(&units);
                let t = Instant::now();
                let res = client
                    .post(&answer_url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await;
                let status = res.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
                times.push(t.elapsed());
                if status != 201 {
                    let text = match res {
                        Ok(r) => r.text().await.unwrap_or_default(),
                        Err(e) => e.to_string(),
                    };
                    return Err(format!("answer {i}: {status} {text}"));
                }
            }
            Ok(times)
        }));
    }
    let mut times = Vec::new();
    for w in workers {
        times.extend(w.await.map_err(|e| e.to_string())??);
    }
    let total = started.elapsed();
    times.sort();
    let hr = prepared
        .pointer("/hr")
        .unwrap_or(&Value::Null)
        .as_str()
        .ok_or("hr")?;
    let council = prepared
        .pointer("/council")
        .unwrap_or(&Value::Null)
        .as_str()
        .ok_or("council")?;
    let post = |path: String, token: &str, body: Value| {
        client
            .post(format!("{url}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let closed = post(format!("/api/v1/surveys/{survey}/close"), hr, json!({}))
        .await
        .map_err(|e| e.to_string())?;
    if !closed.status().is_success() {
        return Err(format!(
            "close: {}",
            closed.text().await.unwrap_or_default()
        ));
    }
    let published = post(
        format!("/api/v1/surveys/{survey}/publish"),
        council,
        json!({"confirm": true}),
    )
    .await
    .map_err(|e| e.to_string())?;
    if !published.status().is_success() {
        return Err(format!(
            "publish: {}",
            published.text().await.unwrap_or_default()
        ));
    }
    let read = |path: String| {
        let client = client.clone();
        let hr = hr.to_owned();
        let url = url.to_owned();
        async move {
            let mut ms = Vec::new();
            let mut body = Value::Null;
            for _ in 0..5 {
                let t = Instant::now();
                let r = client
                    .get(format!("{url}{path}"))
                    .bearer_auth(&hr)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let ok = r.status().is_success();
                body = r.json::<Value>().await.map_err(|e| e.to_string())?;
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
                if !ok {
                    return Err(format!("{path}: {body}"));
                }
            }
            ms.sort_by(f64::total_cmp);
            Ok::<(f64, Value), String>((ms.get(2).copied().unwrap_or(0.0), body))
        }
    };
    let (results_ms, results) = read(format!("/api/v1/surveys/{survey}/results")).await?;
    let (units_ms, units) = read(format!("/api/v1/surveys/{survey}/participation")).await?;
    let respondents = results
        .pointer("/results/respondents")
        .unwrap_or(&Value::Null)
        .as_u64()
        .unwrap_or(0);
    if respondents != tokens.len() as u64 {
        return Err(format!(
            "{respondents} respondents in the results, {} answered",
            tokens.len()
        ));
    }
    println!(
        "W11 {} responses in {:.1} s ({} at a time): submit p50 {:.1} ms, p99 {:.1} ms; results {:.1} ms (median of 5; {} breakdowns), participation per unit {:.1} ms ({} units)",
        tokens.len(),
        total.as_secs_f64(),
        conc,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        results_ms,
        results
            .pointer("/results/breakdowns")
            .unwrap_or(&Value::Null)
            .as_array()
            .map_or(0, Vec::len),
        units_ms,
        units.as_array().map_or(0, Vec::len),
    );
    Ok(())
}
