//! The load client of benchmark W10 (bench/w10.sh): opens CONNS live
//! streams (server-sent events) of one room through the API, then posts
//! MESSAGES messages one after another and measures, for every stream and
//! message, the time from sending the post to the event's arrival. Fails
//! when a stream misses a message or gets one twice.
//!
//! `cargo run --release -p rooms --example w10_client -- URL TOKEN ROOM CONNS MESSAGES`

use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, token, room, conns, messages] = args.as_slice() else {
        return Err("usage: w10_client URL TOKEN ROOM CONNS MESSAGES".into());
    };
    let conns: usize = conns.parse().map_err(|_| "CONNS: a number")?;
    let messages: usize = messages.parse().map_err(|_| "MESSAGES: a number")?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|e| e.to_string())?;
    let events = format!("{base}/api/v1/rooms/{room}/events");
    // Every stream reports (stream, message marker, arrival).
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, String, Instant)>();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<Result<(), String>>();
    for n in 0..conns {
        let (client, url, token, tx, ready) = (
            client.clone(),
            events.clone(),
            token.clone(),
            tx.clone(),
            ready_tx.clone(),
        );
        tokio::spawn(async move {
            let res = client.get(&url).bearer_auth(&token).send().await;
            let mut res = match res {
                Ok(r) if r.status().is_success() => {
                    let _ = ready.send(Ok(()));
                    r
                }
                Ok(r) => {
                    let _ = ready.send(Err(format!("stream {n}: {}", r.status())));
                    return;
                }
                Err(e) => {
                    let _ = ready.send(Err(format!("stream {n}: {e}")));
                    return;
                }
            };
            let mut buf = String::new();
            while let Ok(Some(chunk)) = res.chunk().await {
                let now = Instant::now();
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    if !block.contains("event: posted") && !block.contains("event:posted") {
                        continue;
                    }
                    if let Some(at) = block.find("W10-") {
                        let marker: String = block[at..]
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                            .collect();
                        let _ = tx.send((n, marker, now));
                    }
                }
            }
        });
    }
    drop(ready_tx);
    let mut open = 0;
    while open < conns {
        match ready_rx.recv().await {
            Some(Ok(())) => open += 1,
            Some(Err(e)) => return Err(e),
            None => return Err(format!("only {open} of {conns} streams opened")),
        }
    }
    eprintln!("{conns} streams open");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let post = format!("{base}/api/v1/rooms/{room}/messages");
    let mut latencies: Vec<f64> = Vec::with_capacity(conns * messages);
    for m in 0..messages {
        let marker = format!("W10-{m}-{}", std::process::id());
        let body =
            serde_json::json!({ "body": format!("Nachricht {marker}"), "client_key": marker });
        let sent = Instant::now();
        let res = client
            .post(&post)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if res.status().as_u16() != 201 {
            return Err(format!("post {m}: {}", res.status()));
        }
        let mut got = vec![false; conns];
        let mut count = 0;
        while count < conns {
            let next = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
            let Ok(Some((n, mk, at))) = next else {
                return Err(format!(
                    "message {m}: only {count} of {conns} streams got it within 10 s"
                ));
            };
            if mk != marker {
                return Err(format!(
                    "stream {n}: {mk} arrived while waiting for {marker}"
                ));
            }
            match got.get_mut(n) {
                Some(seen) if *seen => return Err(format!("stream {n} got {marker} twice")),
                Some(seen) => *seen = true,
                None => return Err(format!("unknown stream {n}")),
            }
            count += 1;
            latencies.push(at.duration_since(sent).as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "W10 {conns} streams x {messages} messages: delivery p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (post sent → event read), every stream got every message once",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    Ok(())
}
