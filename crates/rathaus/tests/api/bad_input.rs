use testkit::spawn_app;

#[tokio::test]
async fn a_form_without_csrf_token_is_refused_with_403_and_changes_nothing() {
    let app = spawn_app().await;
    app.get("/").await;
    let before = app.count("identity_account").await;
    let page = app
        .post_form_raw(
            "/registrieren",
            &[
                ("display_name", "Eve"),
                ("email", "eve@example.org"),
                ("password", "lang genug 12345"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("Formular abgelaufen"));
    let wrong = app
        .post_form_raw(
            "/registrieren",
            &[
                ("_csrf", &"a".repeat(64)),
                ("display_name", "Eve"),
                ("email", "eve@example.org"),
                ("password", "lang genug 12345"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(app.count("identity_account").await, before);
}

#[tokio::test]
async fn malformed_registration_shows_an_error_summary_and_writes_nothing() {
    let app = spawn_app().await;
    let before = app.count("identity_account").await;
    let page = app
        .post_form(
            "/registrieren",
            &[
                ("display_name", ""),
                ("email", "keine-adresse"),
                ("password", "kurz"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("rh-error-summary"));
    for anchor in [
        "href=\"#display_name\"",
        "href=\"#email\"",
        "href=\"#password\"",
    ] {
        assert!(page.body.contains(anchor), "summary links to {anchor}");
    }
    assert!(page.body.contains("aria-invalid=\"true\""));
    assert!(
        page.body.contains("value=\"keine-adresse\""),
        "typed values are kept"
    );
    assert_eq!(app.count("identity_account").await, before);
    assert_eq!(app.count("storage_job").await, 0);
}

#[tokio::test]
async fn a_form_with_garbage_fields_is_not_a_500() {
    let app = spawn_app().await;
    let token = app.csrf().await;
    let page = app
        .post_form_raw(
            "/registrieren",
            &[
                ("_csrf", &token),
                ("display_name", "\u{0}\u{1}"),
                ("email", "a@b@c.de"),
                ("password", &"x".repeat(300)),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
}

#[tokio::test]
async fn malformed_json_gets_400_problem_json_naming_the_field() {
    let app = spawn_app().await;
    let token = app.api_token(&["accounts:write", "accounts:read"]).await;
    let res = app
        .client
        .post(format!("{}/api/v1/accounts", app.address))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"email": 42, "display_name": "x", "password": "y"}"#)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["invalid_params"][0]["field"], "email", "{body}");
    let broken = app
        .client
        .post(format!("{}/api/v1/accounts", app.address))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(broken.status(), 400);
    let unknown = app.api(reqwest::Method::POST, "/api/v1/accounts", Some(&token), Some(serde_json::json!({"email": "a@b.de", "display_name": "A", "password": "lang genug 12345", "colour": "red"}))).await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.body.contains("colour"), "{}", unknown.body);
}

#[tokio::test]
async fn json_with_the_wrong_content_type_gets_415() {
    let app = spawn_app().await;
    let token = app.api_token(&["accounts:write"]).await;
    let res = app
        .client
        .post(format!("{}/api/v1/accounts", app.address))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 415);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn an_oversize_body_gets_413() {
    let app = testkit::spawn_app_with(|s| s.max_body_bytes = 10_000).await;
    let token = app.csrf().await;
    let big = "x".repeat(20_000);
    let page = app
        .post_form_raw(
            "/registrieren",
            &[("_csrf", &token), ("display_name", &big)],
        )
        .await;
    assert_eq!(page.status, 413);
    assert!(
        page.body.contains("kern.min.css"),
        "an error page, not a bare status"
    );
    let api_token = app.api_token(&["accounts:write"]).await;
    let res = app
        .client
        .post(format!("{}/api/v1/accounts", app.address))
        .bearer_auth(&api_token)
        .header("content-type", "application/json")
        .body(format!("{{\"email\":\"{big}\"}}"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 413);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
}
