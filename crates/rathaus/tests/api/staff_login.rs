use kernel::Role;
use testkit::spawn_app;

#[tokio::test]
async fn staff_must_enrol_totp_then_log_in_with_a_code() {
    let app = spawn_app().await;
    app.create_staff("sb@musterstadt.example", "33", &[Role::Clerk])
        .await;
    let page = app
        .post_form(
            "/arbeit/anmelden",
            &[
                ("email", "sb@musterstadt.example"),
                ("password", testkit::PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert!(
        page.location
            .as_deref()
            .unwrap_or("")
            .starts_with("/arbeit/anmelden/einrichten")
    );
    // Half logged in is not logged in.
    assert_eq!(app.get("/arbeit").await.status, 303);
    let enrol = app.get("/arbeit/anmelden/einrichten").await;
    assert!(enrol.body.contains("<svg"), "QR code shown");
    let secret = enrol.between("id=\"totp-secret\">", "<").expect("secret");
    let wrong = app
        .post_form("/arbeit/anmelden/einrichten", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, 422);
    let code = app.totp_code(&secret, 0);
    let done = app
        .post_form("/arbeit/anmelden/einrichten", &[("code", &code)])
        .await;
    assert_eq!(done.status, 200);
    let codes: Vec<String> = done
        .body
        .split("<li class=\"kern-body rh-code\">")
        .skip(1)
        .filter_map(|s| s.split('<').next().map(str::to_owned))
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(app.get("/arbeit").await.status, 200);
    app.logout().await;

    // Next login: password, then the code of a later step.
    app.clock.advance(chrono::Duration::seconds(30));
    let page = app
        .post_form(
            "/arbeit/anmelden",
            &[
                ("email", "sb@musterstadt.example"),
                ("password", testkit::PASSWORD),
                ("next", "/arbeit/konto"),
            ],
        )
        .await;
    assert!(
        page.location
            .as_deref()
            .unwrap_or("")
            .starts_with("/arbeit/anmelden/code")
    );
    let bad = app
        .post_form(
            "/arbeit/anmelden/code",
            &[("code", "123456"), ("next", "/arbeit/konto")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let good = app
        .post_form(
            "/arbeit/anmelden/code",
            &[
                ("code", &app.totp_code(&secret, 0)),
                ("next", "/arbeit/konto"),
            ],
        )
        .await;
    assert_eq!(good.location.as_deref(), Some("/arbeit/konto"));
    app.logout().await;

    // The same code is not accepted twice (replay).
    app.post_form(
        "/arbeit/anmelden",
        &[
            ("email", "sb@musterstadt.example"),
            ("password", testkit::PASSWORD),
        ],
    )
    .await;
    let replay = app
        .post_form(
            "/arbeit/anmelden/code",
            &[("code", &app.totp_code(&secret, 0))],
        )
        .await;
    assert_eq!(replay.status, 422);
    // A recovery code works once.
    let first = codes.first().cloned().unwrap_or_default();
    let rec = app
        .post_form("/arbeit/anmelden/code", &[("code", &first.to_uppercase())])
        .await;
    assert_eq!(rec.status, 303);
    app.logout().await;
    app.post_form(
        "/arbeit/anmelden",
        &[
            ("email", "sb@musterstadt.example"),
            ("password", testkit::PASSWORD),
        ],
    )
    .await;
    let again = app
        .post_form("/arbeit/anmelden/code", &[("code", &first)])
        .await;
    assert_eq!(again.status, 422);
}

#[tokio::test]
async fn the_demo_setting_lets_staff_in_without_a_second_factor() {
    let app = testkit::spawn_app_with(|s| s.identity.staff_totp_required = false).await;
    app.create_staff("sb@musterstadt.example", "33", &[Role::Clerk])
        .await;
    let page = app
        .post_form(
            "/arbeit/anmelden",
            &[
                ("email", "sb@musterstadt.example"),
                ("password", testkit::PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/arbeit"));
    assert_eq!(app.get("/arbeit").await.status, 200);
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes() {
    let app = spawn_app().await;
    app.create_staff("sb@musterstadt.example", "33", &[Role::Clerk])
        .await;
    for _ in 0..4 {
        let p = app
            .post_form(
                "/arbeit/anmelden",
                &[
                    ("email", "sb@musterstadt.example"),
                    ("password", "falsch falsch"),
                ],
            )
            .await;
        assert!(p.body.contains("E-Mail-Adresse oder Passwort sind falsch"));
    }
    let fifth = app
        .post_form(
            "/arbeit/anmelden",
            &[
                ("email", "sb@musterstadt.example"),
                ("password", "falsch falsch"),
            ],
        )
        .await;
    assert!(fifth.body.contains("für 15 Minuten gesperrt"));
    let right = app
        .post_form(
            "/arbeit/anmelden",
            &[
                ("email", "sb@musterstadt.example"),
                ("password", testkit::PASSWORD),
            ],
        )
        .await;
    assert_eq!(right.status, 422, "locked even with the right password");
    app.clock.advance(chrono::Duration::minutes(16));
    let later = app
        .post_form(
            "/arbeit/anmelden",
            &[
                ("email", "sb@musterstadt.example"),
                ("password", testkit::PASSWORD),
            ],
        )
        .await;
    assert_eq!(later.status, 303);
}

#[tokio::test]
async fn many_failures_from_one_address_are_refused() {
    let app = testkit::spawn_app_with(|s| s.identity.address_threshold = 3).await;
    for i in 0..3 {
        app.post_form(
            "/anmelden",
            &[
                ("email", &format!("x{i}@example.org")),
                ("password", "falsch falsch"),
            ],
        )
        .await;
    }
    let page = app
        .post_form(
            "/anmelden",
            &[("email", "y@example.org"), ("password", "falsch falsch")],
        )
        .await;
    assert!(page.body.contains("von Ihrem Anschluss"), "{}", page.status);
}

#[tokio::test]
async fn login_redirects_only_to_local_paths() {
    let app = testkit::spawn_app_with(|s| s.identity.staff_totp_required = false).await;
    app.create_staff("sb@musterstadt.example", "33", &[Role::Clerk])
        .await;
    let page = app
        .post_form(
            "/arbeit/anmelden",
            &[
                ("email", "sb@musterstadt.example"),
                ("password", testkit::PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/arbeit"));
}

#[tokio::test]
async fn sessions_expire_after_the_idle_time() {
    let app = testkit::spawn_app_with(|s| s.identity.staff_totp_required = false).await;
    app.create_staff("sb@musterstadt.example", "33", &[Role::Clerk])
        .await;
    app.post_form(
        "/arbeit/anmelden",
        &[
            ("email", "sb@musterstadt.example"),
            ("password", testkit::PASSWORD),
        ],
    )
    .await;
    assert_eq!(app.get("/arbeit").await.status, 200);
    app.clock.advance(chrono::Duration::hours(9));
    assert_eq!(app.get("/arbeit").await.status, 303);
}

#[tokio::test]
async fn an_unknown_address_is_locked_like_a_known_one_so_the_lockout_reveals_nothing() {
    let app = spawn_app().await;
    app.create_staff("sb@musterstadt.example", "33", &[Role::Clerk])
        .await;
    let mut answers = Vec::new();
    for email in ["sb@musterstadt.example", "niemand@musterstadt.example"] {
        let mut last = String::new();
        for _ in 0..6 {
            last = app
                .post_form(
                    "/arbeit/anmelden",
                    &[("email", email), ("password", "falsch falsch")],
                )
                .await
                .body;
        }
        answers.push(last.contains("für 15 Minuten gesperrt"));
    }
    assert_eq!(answers, vec![true, true]);
}

#[tokio::test]
async fn old_login_attempts_and_expired_sessions_are_cleaned_up() {
    let app = testkit::spawn_app_with(|s| s.identity.staff_totp_required = false).await;
    app.create_staff("sb@musterstadt.example", "33", &[Role::Clerk])
        .await;
    app.post_form(
        "/arbeit/anmelden",
        &[
            ("email", "sb@musterstadt.example"),
            ("password", "falsch falsch"),
        ],
    )
    .await;
    app.post_form(
        "/arbeit/anmelden",
        &[
            ("email", "sb@musterstadt.example"),
            ("password", testkit::PASSWORD),
        ],
    )
    .await;
    assert_eq!(app.count("identity_login_attempt").await, 2);
    assert_eq!(app.count("identity_session").await, 1);
    app.clock.advance(chrono::Duration::days(2));
    app.post_form(
        "/arbeit/anmelden",
        &[
            ("email", "x@musterstadt.example"),
            ("password", "falsch falsch"),
        ],
    )
    .await;
    assert_eq!(
        app.count("identity_login_attempt").await,
        1,
        "only today's attempt is kept"
    );
    assert_eq!(
        app.count("identity_session").await,
        0,
        "the expired session is gone"
    );
}
