use reqwest::Method;
use storage::NewJob;
use testkit::spawn_app;

async fn enqueue(app: &testkit::TestApp, payload: serde_json::Value) {
    let mut tx = app.app.db.begin().await.expect("tx");
    storage::jobs::enqueue(
        &mut tx,
        app.app.clock.as_ref(),
        NewJob {
            kind: "mail.send",
            payload,
            max_attempts: 3,
        },
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_then_marked_failed_and_retried_by_an_admin() {
    let app = spawn_app().await;
    app.seed_demo().await;
    // A recipient lettre refuses: retrying cannot help, so it fails at once.
    enqueue(
        &app,
        serde_json::json!({"to": "kein empfänger", "subject": "x", "text": "y"}),
    )
    .await;
    assert_eq!(app.run_jobs().await, 1);
    app.login_staff("admin@musterstadt.example").await;
    let jobs = app
        .api(Method::GET, "/api/v1/jobs", None, None)
        .await
        .json();
    let failed = jobs
        .as_array()
        .and_then(|a| a.iter().find(|j| j["status"] == "failed"))
        .cloned()
        .expect("failed job listed");
    assert!(
        failed["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("recipient")
    );
    let page = app.get("/arbeit/admin/jobs").await;
    assert!(page.body.contains("mail.send") && page.body.contains("Erneut versuchen"));
    let id = failed["id"].as_str().unwrap_or_default();
    assert_eq!(
        app.post_form(&format!("/arbeit/admin/jobs/{id}/erneut"), &[])
            .await
            .status,
        303
    );
    let again = app
        .api(Method::GET, "/api/v1/jobs", None, None)
        .await
        .json();
    assert!(
        again
            .as_array()
            .is_some_and(|a| a.iter().any(|j| j["id"] == id && j["status"] == "pending"))
    );
}

#[tokio::test]
async fn a_job_that_is_not_due_yet_waits_for_its_time() {
    let app = spawn_app().await;
    app.post_form(
        "/registrieren",
        &[
            ("display_name", "A"),
            ("email", "a@example.org"),
            ("password", testkit::PASSWORD),
        ],
    )
    .await;
    app.post_form(
        "/registrieren",
        &[
            ("display_name", "B"),
            ("email", "b@example.org"),
            ("password", testkit::PASSWORD),
        ],
    )
    .await;
    assert_eq!(app.run_jobs().await, 2);
    assert_eq!(app.run_jobs().await, 0, "done jobs do not run again");
    assert_eq!(app.mails().len(), 2);
}

#[tokio::test]
async fn a_job_whose_runner_died_is_claimed_again_after_its_lease() {
    let app = spawn_app().await;
    enqueue(
        &app,
        serde_json::json!({"to": "c@example.org", "subject": "x", "text": "y"}),
    )
    .await;
    // Simulate a runner that claimed the job and died.
    app.app
        .db
        .execute("UPDATE storage_job SET status = 'running', attempts = 1, locked_until = run_at")
        .await
        .expect("update");
    app.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(app.mails().len(), 1);
}

/// A job that takes a while and says when it starts.
struct Slow(tokio::sync::mpsc::UnboundedSender<()>);

#[async_trait::async_trait]
impl storage::jobs::JobHandler for Slow {
    async fn run(&self, _: serde_json::Value) -> Result<(), storage::jobs::JobError> {
        let _ = self.0.send(());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        Ok(())
    }
}

#[tokio::test]
async fn on_shutdown_the_runner_finishes_the_job_in_hand_and_leaves_the_backlog_queued() {
    let app = spawn_app().await;
    let mut tx = app.app.db.begin().await.expect("tx");
    for n in 0..20 {
        storage::jobs::enqueue(
            &mut tx,
            app.app.clock.as_ref(),
            NewJob::new("test.slow", serde_json::json!({ "n": n })),
        )
        .await
        .expect("enqueue");
    }
    tx.commit().await.expect("commit");
    let (started, mut starts) = tokio::sync::mpsc::unbounded_channel();
    let handlers: std::collections::HashMap<
        &'static str,
        std::sync::Arc<dyn storage::jobs::JobHandler>,
    > = [("test.slow", std::sync::Arc::new(Slow(started)) as _)].into();
    let runner = storage::jobs::JobRunner::new(app.app.db.clone(), app.app.clock.clone(), handlers);
    // Shut down as soon as the first job has started.
    runner
        .run_forever(async move {
            starts.recv().await;
        })
        .await;
    let counts: Vec<(String, i64, i64)> = storage::on_db!(&app.app.db, pool => sqlx::query_as(
        "SELECT status, COUNT(*), MAX(attempts) FROM storage_job WHERE kind = 'test.slow' GROUP BY status ORDER BY status",
    ).fetch_all(pool).await).expect("counts");
    assert_eq!(
        counts,
        vec![("done".to_owned(), 1, 1), ("pending".to_owned(), 19, 0)],
        "the started job finished; the others wait for the next start, not claimed"
    );
}
