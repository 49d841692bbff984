use kernel::Role;
use testkit::spawn_app;

#[tokio::test]
async fn an_admin_creates_a_staff_account_and_grants_and_revokes_a_role() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.login_staff("admin@musterstadt.example").await;
    let list = app.get("/arbeit/admin/konten").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Erika Mustermann"));
    let unit = list
        .option_values()
        .into_iter()
        .next()
        .expect("a unit option");
    let created = app
        .post_form(
            "/arbeit/admin/konten",
            &[
                ("display_name", "Nora Neu"),
                ("email", "nora@musterstadt.example"),
                ("password", testkit::PASSWORD),
                ("org_unit", &unit),
                ("roles", "clerk"),
                ("roles", "manager"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let detail_path = created.location.clone().expect("redirect to the account");
    let detail = app.get(&detail_path).await;
    assert!(detail.body.contains("Konto angelegt"));
    assert!(detail.body.contains("Sachbearbeitung") && detail.body.contains("Führungskraft"));
    let account_path = detail_path.split('?').next().unwrap_or_default().to_owned();
    let granted = app
        .post_form(
            &format!("{account_path}/rollen"),
            &[("org_unit", &unit), ("role", "hr")],
        )
        .await;
    assert_eq!(granted.status, 303);
    let twice = app
        .post_form(
            &format!("{account_path}/rollen"),
            &[("org_unit", &unit), ("role", "hr")],
        )
        .await;
    assert_eq!(twice.status, 422);
    assert!(twice.body.contains("schon vergeben"));
    let page = app.get(&account_path).await;
    let revoke = page.form_action("/entfernen").expect("a revoke form");
    assert_eq!(app.post_form(&revoke, &[]).await.status, 303);
    // The new colleague can log in.
    app.logout().await;
    app.login_staff("nora@musterstadt.example").await;
    assert_eq!(app.get("/arbeit").await.status, 200);
}

#[tokio::test]
async fn creating_an_account_with_bad_input_shows_errors_and_writes_nothing() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.login_staff("admin@musterstadt.example").await;
    let before = app.count("identity_account").await;
    let page = app
        .post_form(
            "/arbeit/admin/konten",
            &[
                ("display_name", ""),
                ("email", "erika.mustermann@example.org"),
                ("password", "kurz"),
                ("org_unit", ""),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("rh-error-summary"));
    let dup = app
        .post_form(
            "/arbeit/admin/konten",
            &[
                ("display_name", "Doppelt"),
                ("email", "erika.mustermann@example.org"),
                ("password", testkit::PASSWORD),
                (
                    "org_unit",
                    &app.get("/arbeit/admin/konten")
                        .await
                        .option_values()
                        .into_iter()
                        .next()
                        .unwrap_or_default(),
                ),
            ],
        )
        .await;
    assert_eq!(dup.status, 422);
    assert!(dup.body.contains("schon vergeben"));
    assert_eq!(app.count("identity_account").await, before);
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.login_staff("admin@musterstadt.example").await;
    let id = app
        .app
        .identity
        .account_id_by_email("sachbearbeitung@musterstadt.example")
        .await
        .expect("db")
        .expect("exists");
    let done = app
        .post_form(&format!("/arbeit/admin/konten/{id}/sperren"), &[])
        .await;
    assert_eq!(done.status, 303);
    assert!(
        app.get(&format!("/arbeit/admin/konten/{id}"))
            .await
            .body
            .contains("gesperrt")
    );
    app.logout().await;
    let login = app
        .post_form(
            "/arbeit/anmelden",
            &[
                ("email", "sachbearbeitung@musterstadt.example"),
                ("password", rathaus::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert!(login.body.contains("gesperrt"));
}

#[tokio::test]
async fn org_units_and_deputies_are_managed_on_their_pages() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.login_staff("admin@musterstadt.example").await;
    let units = app.get("/arbeit/admin/organisation").await;
    assert!(units.body.contains("Bürgeramt"));
    let parent = units.option_values().into_iter().next().expect("a parent");
    let created = app
        .post_form(
            "/arbeit/admin/organisation",
            &[
                ("parent", &parent),
                ("code", "33.2"),
                ("name", "Ausländerbehörde"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let taken = app
        .post_form(
            "/arbeit/admin/organisation",
            &[("parent", &parent), ("code", "33.2"), ("name", "Doppelt")],
        )
        .await;
    assert_eq!(taken.status, 422);
    assert!(
        app.get("/arbeit/admin/organisation")
            .await
            .body
            .contains("Ausländerbehörde")
    );

    let deputies = app.get("/arbeit/admin/vertretungen").await;
    let options = deputies.option_values();
    let (a, b) = (
        options.first().cloned().unwrap_or_default(),
        options.get(1).cloned().unwrap_or_default(),
    );
    let bad = app
        .post_form(
            "/arbeit/admin/vertretungen",
            &[
                ("principal", &a),
                ("deputy", &a),
                ("starts_on", "2026-12-01"),
                ("ends_on", "2026-11-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(app.count("identity_deputy").await, 0);
    let ok = app
        .post_form(
            "/arbeit/admin/vertretungen",
            &[
                ("principal", &a),
                ("deputy", &b),
                ("starts_on", "2026-12-01"),
                ("ends_on", "2026-12-24"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert!(
        app.get("/arbeit/admin/vertretungen")
            .await
            .body
            .contains("2026-12-24")
    );
}

#[tokio::test]
async fn staff_without_the_admin_role_get_403_on_admin_pages() {
    let app = spawn_app().await;
    app.create_staff("sb@musterstadt.example", "33", &[Role::Clerk])
        .await;
    app.login_staff("sb@musterstadt.example").await;
    for path in [
        "/arbeit/admin",
        "/arbeit/admin/konten",
        "/arbeit/admin/organisation",
        "/arbeit/admin/api-tokens",
        "/arbeit/admin/jobs",
        "/arbeit/protokoll",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.body.contains("Kein Zugriff"));
    }
}

#[tokio::test]
async fn an_admin_creates_and_revokes_an_api_token_on_the_page() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.login_staff("admin@musterstadt.example").await;
    let none = app
        .post_form("/arbeit/admin/api-tokens", &[("name", "Fachverfahren")])
        .await;
    assert_eq!(none.status, 422, "at least one scope");
    let page = app
        .post_form(
            "/arbeit/admin/api-tokens",
            &[("name", "Fachverfahren"), ("scopes", "accounts:read")],
        )
        .await;
    assert_eq!(page.status, 200);
    let token = page
        .between("id=\"new-token\">", "<")
        .expect("token shown once");
    assert!(token.starts_with("rh_"));
    let me = app
        .client
        .get(format!("{}/api/v1/accounts", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(me.status(), 200);
    assert!(
        !app.get("/arbeit/admin/api-tokens")
            .await
            .body
            .contains(&token),
        "never shown again"
    );
    let list = app.get("/arbeit/admin/api-tokens").await;
    let revoke = list.form_action("/widerrufen").expect("revoke form");
    assert_eq!(app.post_form(&revoke, &[]).await.status, 303);
    let after = app
        .client
        .get(format!("{}/api/v1/accounts", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(after.status(), 401);
}
