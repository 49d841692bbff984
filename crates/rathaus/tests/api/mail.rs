//! Account e-mails go through a real SMTP conversation when a server is
//! configured. The server here is a minimal SMTP sink on loopback that
//! records what lettre sends.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Accepts SMTP sessions and keeps every message's DATA.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let store = messages.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut in_data = false;
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store.lock().expect("lock").push(std::mem::take(&mut data));
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, messages)
}

#[tokio::test]
async fn the_confirmation_mail_is_sent_by_smtp_when_a_server_is_configured() {
    let (port, messages) = smtp_sink().await;
    let app = testkit::spawn_app_with(|s| {
        s.mail.smtp_host = "127.0.0.1".into();
        s.mail.smtp_port = port;
        s.mail.smtp_starttls = false;
    })
    .await;
    app.post_form(
        "/registrieren",
        &[
            ("display_name", "Erika"),
            ("email", "erika@example.org"),
            ("password", testkit::PASSWORD),
        ],
    )
    .await;
    assert_eq!(app.run_jobs().await, 1);
    let sent = messages.lock().expect("lock").clone();
    assert_eq!(sent.len(), 1);
    let body = testkit::decode_quoted_printable(&sent[0]);
    assert!(body.contains("erika@example.org"));
    assert!(body.contains("/konto/bestaetigen?token="), "{body}");
    assert!(
        app.mails().is_empty(),
        "no .eml files when SMTP is configured"
    );
}

#[tokio::test]
async fn an_unreachable_smtp_server_leaves_the_job_for_a_later_retry() {
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let app = testkit::spawn_app_with(|s| {
        s.mail.smtp_host = "127.0.0.1".into();
        s.mail.smtp_port = free;
        s.mail.smtp_starttls = false;
    })
    .await;
    app.post_form(
        "/registrieren",
        &[
            ("display_name", "Erika"),
            ("email", "erika@example.org"),
            ("password", testkit::PASSWORD),
        ],
    )
    .await;
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(app.run_jobs().await, 0, "not due again before its backoff");
    app.clock.advance(chrono::Duration::seconds(11));
    assert_eq!(app.run_jobs().await, 1, "retried after the backoff");
}
