use reqwest::Method;
use serde_json::json;
use testkit::spawn_app;

#[tokio::test]
async fn the_api_needs_a_token_or_a_session() {
    let app = spawn_app().await;
    let page = app.api(Method::GET, "/api/v1/accounts", None, None).await;
    assert_eq!(page.status, 401);
    let bad = app
        .api(Method::GET, "/api/v1/accounts", Some("rh_nonsense"), None)
        .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json()["code"], "unauthorized");
}

#[tokio::test]
async fn an_integration_lists_and_creates_accounts_and_units() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app
        .api_token(&["accounts:read", "accounts:write", "org:read", "org:write"])
        .await;
    let units = app
        .api(Method::GET, "/api/v1/org-units", Some(&token), None)
        .await
        .json();
    let buergeramt = units
        .as_array()
        .and_then(|a| a.iter().find(|u| u["code"] == "33"))
        .map(|u| u["id"].clone())
        .expect("Bürgeramt");
    let created = app
        .api(Method::POST, "/api/v1/accounts", Some(&token), Some(json!({"email": "neu@musterstadt.example", "display_name": "Neu", "password": testkit::PASSWORD, "org_unit": buergeramt, "roles": ["clerk"]})))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap_or_default().to_owned();
    let detail = app
        .api(
            Method::GET,
            &format!("/api/v1/accounts/{id}"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(detail["account"]["email"], "neu@musterstadt.example");
    assert_eq!(detail["grants"][0]["role"], "clerk");
    let grant = app
        .api(
            Method::POST,
            &format!("/api/v1/accounts/{id}/roles"),
            Some(&token),
            Some(json!({"org_unit": buergeramt, "role": "manager"})),
        )
        .await;
    assert_eq!(grant.status, 201);
    let grant_id = grant.json()["id"].as_str().unwrap_or_default().to_owned();
    let revoked = app
        .api(
            Method::DELETE,
            &format!("/api/v1/accounts/{id}/roles/{grant_id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(revoked.status, 204);
    let dup = app.api(Method::POST, "/api/v1/accounts", Some(&token), Some(json!({"email": "neu@musterstadt.example", "display_name": "Neu", "password": testkit::PASSWORD, "org_unit": buergeramt}))).await;
    assert_eq!(dup.status, 400);
    assert_eq!(dup.json()["invalid_params"][0]["code"], "email_taken");
    let list = app
        .api(
            Method::GET,
            "/api/v1/accounts?kind=staff&limit=100",
            Some(&token),
            None,
        )
        .await
        .json();
    assert!(
        list.as_array()
            .is_some_and(|a| a.iter().all(|x| x["kind"] == "staff") && a.len() >= 9)
    );
    let unit = app
        .api(
            Method::POST,
            "/api/v1/org-units",
            Some(&token),
            Some(json!({"parent": buergeramt, "code": "33.9", "name": "Fundbüro"})),
        )
        .await;
    assert_eq!(unit.status, 201);
    let disabled = app
        .api(
            Method::POST,
            &format!("/api/v1/accounts/{id}/disable"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(disabled.json()["status"], "disabled");
    let roles = app
        .api(Method::GET, "/api/v1/roles", Some(&token), None)
        .await
        .json();
    assert_eq!(roles.as_array().map(Vec::len), Some(9));
}

#[tokio::test]
async fn token_scopes_are_enforced() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let read_only = app.api_token(&["accounts:read"]).await;
    assert_eq!(
        app.api(Method::GET, "/api/v1/accounts", Some(&read_only), None)
            .await
            .status,
        200
    );
    let write = app.api(Method::POST, "/api/v1/accounts", Some(&read_only), Some(json!({"email": "x@musterstadt.example", "display_name": "X", "password": testkit::PASSWORD}))).await;
    assert_eq!(write.status, 403);
    assert_eq!(write.json()["code"], "forbidden");
}

#[tokio::test]
async fn a_staff_session_without_admin_role_cannot_list_accounts() {
    let app = spawn_app().await;
    app.create_staff("sb@musterstadt.example", "33", &[kernel::Role::Clerk])
        .await;
    app.login_staff("sb@musterstadt.example").await;
    let me = app.api(Method::GET, "/api/v1/me", None, None).await.json();
    assert_eq!(me["roles"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.api(Method::GET, "/api/v1/accounts", None, None)
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn unknown_ids_get_404_problem_json() {
    let app = spawn_app().await;
    let token = app.api_token(&["accounts:read"]).await;
    let page = app
        .api(
            Method::GET,
            "/api/v1/accounts/not-a-uuid",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(page.status, 404);
    let page = app
        .api(
            Method::GET,
            &format!("/api/v1/accounts/{}", uuid::Uuid::now_v7()),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(page.status, 404);
    assert_eq!(page.json()["code"], "not_found");
}
