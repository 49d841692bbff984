use reqwest::Method;
use testkit::spawn_app;

#[tokio::test]
async fn changes_and_reads_of_personal_data_are_logged_and_the_chain_verifies() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.login_staff("admin@musterstadt.example").await;
    app.get("/arbeit/admin/konten").await;
    app.app.log.flush().await.expect("flush");
    let entries = app
        .api(Method::GET, "/api/v1/audit/entries", None, None)
        .await
        .json();
    let actions: Vec<&str> = entries
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(actions.contains(&"account.listed"), "{actions:?}");
    assert!(actions.contains(&"account.created"));
    assert!(actions.contains(&"account.totp_enabled"));
    let listed = entries
        .as_array()
        .and_then(|a| a.iter().find(|e| e["action"] == "account.listed"))
        .cloned()
        .unwrap_or_default();
    assert!(
        listed["object_ids"]
            .as_array()
            .is_some_and(|ids| ids.len() >= 11),
        "every id shown is logged"
    );
    let verify = app
        .api(Method::GET, "/api/v1/audit/verify", None, None)
        .await
        .json();
    assert_eq!(verify["ok"], true, "{verify}");
    assert!(verify["entries"].as_i64().unwrap_or(0) > 20);
    let page = app.get("/arbeit/protokoll").await;
    assert!(page.body.contains("Kette intakt"));
}

#[tokio::test]
async fn an_edited_row_breaks_the_chain_and_the_page_says_where() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.login_staff("admin@musterstadt.example").await;
    app.app.log.flush().await.expect("flush");
    app.app
        .db
        .execute("UPDATE storage_audit_log SET actor = 'account:mallory' WHERE chain_seq = 5")
        .await
        .expect("tamper");
    let verify = app
        .api(Method::GET, "/api/v1/audit/verify", None, None)
        .await
        .json();
    assert_eq!(verify["ok"], false);
    assert_eq!(verify["broken_seq"], 5);
    assert!(
        app.get("/arbeit/protokoll")
            .await
            .body
            .contains("Kette unterbrochen bei Eintrag 5")
    );
}

#[tokio::test]
async fn a_failed_change_leaves_no_log_entry() {
    let app = spawn_app().await;
    app.app.log.flush().await.expect("flush");
    let before = app.count("storage_audit_log").await;
    app.post_form(
        "/registrieren",
        &[("display_name", ""), ("email", "x"), ("password", "")],
    )
    .await;
    app.app.log.flush().await.expect("flush");
    assert_eq!(app.count("storage_audit_log").await, before);
}
