use testkit::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status, 200);
    assert_eq!(app.get("/readyz").await.status, 200);
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.app.db.close().await;
    assert_eq!(app.get("/readyz").await.status, 503);
}

#[tokio::test]
async fn metrics_are_prometheus_text_with_request_counts() {
    let app = spawn_app().await;
    app.get("/").await;
    let m = app.get("/metrics").await;
    assert_eq!(m.status, 200);
    assert!(m.body.contains("rathaus_http_requests_total"), "{}", m.body);
    assert!(m.body.contains("route=\"/\""));
    assert!(m.body.contains("rathaus_db_connections"));
}

#[tokio::test]
async fn pages_use_kern_ux_and_send_security_headers() {
    let app = spawn_app().await;
    let home = app.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("/assets/kern/kern.min.css"));
    assert!(home.body.contains("<html lang=\"de\""));
    let csp = home
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(
        home.headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert!(home.headers.get("referrer-policy").is_some());
    let css = app.get("/assets/kern/kern.min.css").await;
    assert_eq!(css.status, 200);
    assert!(
        css.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .starts_with("text/css")
    );
    let font_css = app.get("/assets/kern/fonts/fira-sans.css").await;
    assert_eq!(font_css.status, 200);
}

#[tokio::test]
async fn the_csrf_cookie_is_http_only_and_strict() {
    let app = spawn_app().await;
    let home = app.get("/").await;
    let cookie = home
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("rathaus_csrf="))
        .unwrap_or("");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

#[tokio::test]
async fn cookies_are_secure_behind_tls_only() {
    let tls =
        testkit::spawn_app_with(|s| s.public_url = "https://rathaus.musterstadt.example".into())
            .await;
    let secure = tls.get("/").await;
    let cookie = secure
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("rathaus_csrf="))
        .unwrap_or("");
    assert!(cookie.contains("; Secure"), "{cookie}");
    let plain = spawn_app().await;
    let home = plain.get("/").await;
    let cookie = home
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("rathaus_csrf="))
        .unwrap_or("");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark cookies Secure: {cookie}"
    );
}

#[tokio::test]
async fn unknown_pages_get_the_404_page_and_unknown_api_paths_problem_json() {
    let app = spawn_app().await;
    let page = app.get("/gibt-es-nicht").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Seite nicht gefunden"));
    assert!(
        page.body.contains("kern.min.css"),
        "error page in the same design"
    );
    let api = app.get("/api/v1/gibt-es-nicht").await;
    assert_eq!(api.status, 404);
    assert_eq!(
        api.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert_eq!(api.json()["status"], 404);
}

#[tokio::test]
async fn the_language_switch_turns_the_ui_english_and_back() {
    let app = spawn_app().await;
    let switch = app.get("/sprache?lang=en&next=%2Fanmelden").await;
    assert_eq!(switch.status, 303);
    assert_eq!(switch.location.as_deref(), Some("/anmelden"));
    let login = app.get("/anmelden").await;
    assert!(login.body.contains("<html lang=\"en\""));
    assert!(login.body.contains("Log in to the citizen portal"));
    app.get("/sprache?lang=de&next=%2Fanmelden").await;
    assert!(
        app.get("/anmelden")
            .await
            .body
            .contains("Anmelden im Bürgerportal")
    );
}

#[tokio::test]
async fn the_language_switch_never_redirects_off_site() {
    let app = spawn_app().await;
    let switch = app.get("/sprache?lang=en&next=%2F%2Fevil.example").await;
    assert_eq!(switch.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_lists_the_identity_api() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    assert!(
        doc["openapi"].as_str().unwrap_or("").starts_with("3.1"),
        "{doc}"
    );
    for path in [
        "/api/v1/accounts",
        "/api/v1/accounts/{id}",
        "/api/v1/org-units",
        "/api/v1/roles",
        "/api/v1/me",
        "/api/v1/jobs",
        "/api/v1/audit/verify",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    assert!(doc["components"]["schemas"]["Account"].is_object());
}

#[tokio::test]
async fn a_database_failure_is_a_500_page_or_problem_without_details() {
    let app = testkit::spawn_app_with(|s| s.identity.staff_totp_required = false).await;
    app.create_staff("sb@musterstadt.example", "33", &[kernel::Role::Clerk])
        .await;
    app.login_staff("sb@musterstadt.example").await;
    app.app.db.close().await;
    let page = app.get("/arbeit/konto").await;
    assert_eq!(page.status, 500);
    assert!(page.body.contains("Technischer Fehler"), "{}", page.body);
    assert!(
        !page.body.to_lowercase().contains("pool"),
        "no internals shown"
    );
    let api = app
        .api(reqwest::Method::GET, "/api/v1/me", None, None)
        .await;
    assert_eq!(api.status, 500);
    assert_eq!(api.json()["code"], "internal");
}
