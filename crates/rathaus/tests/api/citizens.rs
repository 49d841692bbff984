use testkit::spawn_app;

async fn register(app: &testkit::TestApp, email: &str) -> testkit::Page {
    app.post_form(
        "/registrieren",
        &[
            ("display_name", "Erika Muster"),
            ("email", email),
            ("password", testkit::PASSWORD),
        ],
    )
    .await
}

#[tokio::test]
async fn a_citizen_registers_confirms_the_email_and_logs_in() {
    let app = spawn_app().await;
    let page = register(&app, "Erika@Example.org").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/registrieren/gesendet"));
    // Not yet confirmed: login is refused with a clear message.
    let early = app
        .post_form(
            "/anmelden",
            &[
                ("email", "erika@example.org"),
                ("password", testkit::PASSWORD),
            ],
        )
        .await;
    assert_eq!(early.status, 422);
    assert!(early.body.contains("bestätigen Sie zuerst"));
    assert_eq!(app.run_jobs().await, 1, "the confirmation mail is a job");
    let link = app
        .link_in_mail_to("erika@example.org", "/konto/bestaetigen?token=")
        .expect("mail with link");
    let confirmed = app.get(&link).await;
    assert_eq!(confirmed.status, 200);
    assert!(confirmed.body.contains("E-Mail-Adresse bestätigt"));
    let again = app.get(&link).await;
    assert_eq!(again.status, 400, "a link works once");
    let login = app
        .post_form(
            "/anmelden",
            &[
                ("email", "erika@example.org"),
                ("password", testkit::PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(login.status, 303);
    assert_eq!(login.location.as_deref(), Some("/konto"));
    let cookie = login
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("rathaus_session="))
        .unwrap_or("");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let konto = app.get("/konto").await;
    assert!(konto.body.contains("Willkommen, Erika Muster"));
}

#[tokio::test]
async fn registering_a_taken_address_creates_no_second_account_and_reveals_nothing() {
    let app = spawn_app().await;
    register(&app, "erika@example.org").await;
    let before = app.count("identity_account").await;
    let second = register(&app, "erika@example.org").await;
    assert_eq!(
        second.location.as_deref(),
        Some("/registrieren/gesendet"),
        "same answer as for a new address"
    );
    assert_eq!(app.count("identity_account").await, before);
    app.run_jobs().await;
    assert!(app.mails().iter().any(|m| m.contains("bereits ein Konto")));
}

#[tokio::test]
async fn the_account_page_requires_a_citizen_login() {
    let app = spawn_app().await;
    let page = app.get("/konto").await;
    assert_eq!(page.status, 303);
    assert!(
        page.location
            .unwrap_or_default()
            .starts_with("/anmelden?next=")
    );
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_mail_and_old_sessions_end() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let login = app
        .post_form(
            "/anmelden",
            &[
                ("email", "erika.mustermann@example.org"),
                ("password", rathaus::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(login.status, 303);
    let asked = app
        .post_form(
            "/passwort-vergessen",
            &[("email", "erika.mustermann@example.org")],
        )
        .await;
    assert_eq!(asked.status, 200);
    let unknown = app
        .post_form("/passwort-vergessen", &[("email", "niemand@example.org")])
        .await;
    assert_eq!(
        unknown.body.matches("E-Mail unterwegs").count(),
        asked.body.matches("E-Mail unterwegs").count(),
        "no hint whether an account exists"
    );
    app.run_jobs().await;
    let link = app
        .link_in_mail_to("erika.mustermann@example.org", "/passwort-neu?token=")
        .expect("reset mail");
    let token = link.split("token=").nth(1).unwrap_or_default().to_owned();
    let short = app
        .post_form("/passwort-neu", &[("token", &token), ("password", "kurz")])
        .await;
    assert_eq!(short.status, 422);
    let done = app
        .post_form(
            "/passwort-neu",
            &[("token", &token), ("password", "Ein ganz neues Passwort")],
        )
        .await;
    assert_eq!(done.status, 200);
    assert_eq!(app.get("/konto").await.status, 303, "the old session ended");
    let old = app
        .post_form(
            "/anmelden",
            &[
                ("email", "erika.mustermann@example.org"),
                ("password", rathaus::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(old.status, 422);
    let new = app
        .post_form(
            "/anmelden",
            &[
                ("email", "erika.mustermann@example.org"),
                ("password", "Ein ganz neues Passwort"),
            ],
        )
        .await;
    assert_eq!(new.status, 303);
    let reuse = app
        .post_form(
            "/passwort-neu",
            &[("token", &token), ("password", "Noch ein Passwort 123")],
        )
        .await;
    assert_eq!(reuse.status, 400);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.post_form(
        "/anmelden",
        &[
            ("email", "max.mustermann@example.org"),
            ("password", rathaus::demo::DEMO_PASSWORD),
        ],
    )
    .await;
    assert_eq!(app.get("/konto").await.status, 200);
    let out = app.post_form("/abmelden", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(app.get("/konto").await.status, 303);
}

#[tokio::test]
async fn citizens_cannot_log_in_to_the_workplace() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let page = app
        .post_form(
            "/arbeit/anmelden",
            &[
                ("email", "max.mustermann@example.org"),
                ("password", rathaus::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
}
