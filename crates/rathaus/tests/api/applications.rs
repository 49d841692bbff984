//! The application assistant over HTTP: steps with errors and kept
//! answers, uploads checked by content, consent-bound prefill, check page,
//! idempotent submission with receipt, e-mail and event, save and resume,
//! expiry, versions, and the submission API with the same rules.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{Page, TestApp, spawn_app};

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

fn draft_id(location: &str) -> String {
    location
        .trim_start_matches("/antrag/")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn demo() -> TestApp {
    let app = spawn_app().await;
    app.seed_demo().await;
    app
}

/// Starts the Bewohnerparkausweis; returns the draft id and where the
/// start redirected to.
pub(crate) async fn start(app: &TestApp) -> (String, String) {
    let page = app
        .post_form("/leistungen/bewohnerparkausweis/antrag", &[])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let to = page.location.clone().unwrap_or_default();
    (draft_id(&to), to)
}

const STEP1: [(&str, &str); 9] = [
    ("vorname", "Max"),
    ("nachname", "Mustermann"),
    ("geburtsdatum", "1980-04-01"),
    ("email", "max.mustermann@example.org"),
    ("telefon", ""),
    ("adresse.street", "Heidestraße"),
    ("adresse.house_number", "17"),
    ("adresse.postcode", "51147"),
    ("adresse.city", "Musterstadt"),
];

async fn step(app: &TestApp, id: &str, n: usize, fields: &[(&str, &str)]) -> Page {
    let mut all = vec![("_action", "weiter")];
    all.extend_from_slice(fields);
    app.post_form(&format!("/antrag/{id}/schritt/{n}"), &all)
        .await
}

async fn step2(app: &TestApp, id: &str) -> Page {
    app.post_multipart(
        &format!("/antrag/{id}/schritt/2"),
        &[
            ("_action", "weiter"),
            ("kennzeichen", "MU-ST 123"),
            ("fahrzeugart", "pkw"),
            ("halter", "yes"),
            ("weitere_fahrzeuge.items", "0"),
        ],
        &[("fahrzeugschein", "schein.pdf", PDF.to_vec())],
    )
    .await
}

pub(crate) async fn fill_all(app: &TestApp, id: &str) {
    let p = step(app, id, 1, &STEP1).await;
    assert_eq!(p.status, 303, "step 1: {}", p.body);
    let p = step2(app, id).await;
    assert_eq!(p.status, 303, "step 2: {}", p.body);
    let p = step(
        app,
        id,
        3,
        &[
            ("zeitraum_von", "2027-01-01"),
            ("zeitraum_bis", "2027-12-31"),
            ("anzahl_jahre", "1"),
        ],
    )
    .await;
    assert_eq!(p.status, 303, "step 3: {}", p.body);
    let p = step(app, id, 4, &[("zustellung", "portal")]).await;
    assert_eq!(
        p.location.as_deref(),
        Some(&*format!("/antrag/{id}/pruefen"))
    );
}

#[tokio::test]
async fn an_applicant_goes_step_by_step_and_errors_keep_the_answers() {
    let app = demo().await;
    let start_page = app.get("/leistungen/bewohnerparkausweis/antrag").await;
    assert_eq!(start_page.status, 200);
    assert!(start_page.body.contains("id=\"start-anonymous\""));
    assert!(
        start_page
            .body
            .contains("/anmelden?next=/leistungen/bewohnerparkausweis/antrag")
    );
    let (id, to) = start(&app).await;
    assert_eq!(
        to,
        format!("/antrag/{id}/schritt/1"),
        "no account, no prefill question"
    );

    let first = app.get(&to).await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("Schritt 1 von 4"), "progress is shown");
    // A later step does not open before the earlier ones are complete.
    let jump = app.get(&format!("/antrag/{id}/schritt/3")).await;
    assert_eq!(jump.location.as_deref(), Some(&*to));

    let mut wrong = STEP1.to_vec();
    wrong[7] = ("adresse.postcode", "5114");
    wrong[0] = ("vorname", "");
    let bad = step(&app, &id, 1, &wrong).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"fehler\""), "error summary");
    assert!(
        bad.body.contains("href=\"#adresse.postcode\""),
        "summary links the field"
    );
    assert!(bad.body.contains("href=\"#vorname\""));
    assert!(
        bad.body.contains("id=\"adresse.postcode-error\""),
        "message beside the field"
    );
    assert!(bad.body.contains("Postleitzahl mit 5 Ziffern"));
    assert!(
        bad.body.contains("value=\"Mustermann\""),
        "other answers are kept"
    );
    assert!(
        bad.body.contains("value=\"5114\""),
        "the wrong answer is kept to fix"
    );

    let ok = step(&app, &id, 1, &STEP1).await;
    assert_eq!(ok.location, Some(format!("/antrag/{id}/schritt/2")));
    // Back keeps the answers without checking them.
    let back = app
        .post_form(
            &format!("/antrag/{id}/schritt/2"),
            &[("_action", "zurueck"), ("kennzeichen", "MU-X 1")],
        )
        .await;
    assert_eq!(back.location, Some(format!("/antrag/{id}/schritt/1")));
    assert!(
        app.get(&format!("/antrag/{id}/schritt/1"))
            .await
            .body
            .contains("value=\"Max\"")
    );
    assert!(
        app.get(&format!("/antrag/{id}/schritt/2"))
            .await
            .body
            .contains("value=\"MU-X 1\"")
    );

    // A conditional question is asked only for the answer that needs it.
    let no_holder = app
        .post_multipart(
            &format!("/antrag/{id}/schritt/2"),
            &[
                ("_action", "weiter"),
                ("kennzeichen", "MU-ST 123"),
                ("fahrzeugart", "pkw"),
                ("halter", "no"),
                ("weitere_fahrzeuge.items", "0"),
            ],
            &[("fahrzeugschein", "schein.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(no_holder.status, 422);
    assert!(no_holder.body.contains("href=\"#nutzungserlaubnis\""));
    assert!(
        no_holder.body.contains("schein.pdf"),
        "the stored upload is kept"
    );
    let p = step2(&app, &id).await;
    assert_eq!(p.status, 303, "{}", p.body);

    // Cross-field rule: the end lies after the start.
    let dates = step(
        &app,
        &id,
        3,
        &[
            ("zeitraum_von", "2027-06-01"),
            ("zeitraum_bis", "2027-01-01"),
            ("anzahl_jahre", "3"),
        ],
    )
    .await;
    assert_eq!(dates.status, 422);
    assert!(dates.body.contains("href=\"#zeitraum_bis\""));
    assert!(dates.body.contains("href=\"#anzahl_jahre\""), "range rule");
}

#[tokio::test]
async fn uploads_are_checked_by_content_and_size_and_keep_the_other_answers() {
    let app = demo().await;
    let (id, _) = start(&app).await;
    step(&app, &id, 1, &STEP1).await;
    let fields = [
        ("_action", "weiter"),
        ("kennzeichen", "MU-ST 123"),
        ("fahrzeugart", "wohnmobil"),
        ("halter", "yes"),
        ("weitere_fahrzeuge.items", "0"),
    ];
    let fake = app
        .post_multipart(
            &format!("/antrag/{id}/schritt/2"),
            &fields,
            &[("fahrzeugschein", "schein.pdf", b"not a pdf at all".to_vec())],
        )
        .await;
    assert_eq!(fake.status, 422, "a text file named .pdf is refused");
    assert!(fake.body.contains("Dateiart ist hier nicht erlaubt"));
    assert!(
        fake.body.contains("value=\"MU-ST 123\""),
        "other answers kept"
    );
    assert!(fake.body.contains("value=\"wohnmobil\" checked"));

    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 10, b' ');
    let large = app
        .post_multipart(
            &format!("/antrag/{id}/schritt/2"),
            &fields,
            &[("fahrzeugschein", "gross.pdf", big)],
        )
        .await;
    assert_eq!(large.status, 422, "larger than the field allows");
    assert!(large.body.contains("Datei ist zu groß"));

    let ok = app
        .post_multipart(
            &format!("/antrag/{id}/schritt/2"),
            &fields,
            &[("fahrzeugschein", "../../etc/schein.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let again = app.get(&format!("/antrag/{id}/schritt/2")).await;
    assert!(
        again.body.contains("schein.pdf ("),
        "the kept file is named"
    );
    assert!(!again.body.contains("../"), "paths of the name are dropped");
}

#[tokio::test]
async fn a_submission_is_durable_idempotent_and_sends_only_the_reference() {
    let app = demo().await;
    let (id, _) = start(&app).await;
    fill_all(&app, &id).await;
    let check = app.get(&format!("/antrag/{id}/pruefen")).await;
    assert_eq!(check.status, 200);
    for expected in [
        "Max",
        "Heidestraße 17",
        "51147 Musterstadt",
        "Pkw",
        "schein.pdf",
        "30,60 €",
    ] {
        assert!(
            check.body.contains(expected),
            "{expected} on the check page"
        );
    }
    assert!(check.body.contains(&format!(
        "href=\"/antrag/{id}/schritt/2?von=pruefen#kennzeichen\""
    )));

    let no_declaration = app.post_form(&format!("/antrag/{id}/absenden"), &[]).await;
    assert_eq!(no_declaration.status, 422);
    assert!(no_declaration.body.contains("href=\"#declaration\""));
    assert_eq!(app.count("forms_submission").await, 0);

    let sent = app
        .post_form(&format!("/antrag/{id}/absenden"), &[("declaration", "yes")])
        .await;
    assert_eq!(sent.location, Some(format!("/antrag/{id}/eingang")));
    // A double click or a retried request makes no second submission.
    let twice = app
        .post_form(&format!("/antrag/{id}/absenden"), &[("declaration", "yes")])
        .await;
    assert_eq!(twice.location, Some(format!("/antrag/{id}/eingang")));
    assert_eq!(app.count("forms_submission").await, 1);

    let receipt = app.get(&format!("/antrag/{id}/eingang")).await;
    assert_eq!(receipt.status, 200);
    let reference = receipt
        .between("id=\"reference\">", "<")
        .expect("reference number");
    assert!(
        reference.starts_with("20") && reference.len() == 14,
        "{reference}"
    );
    assert!(receipt.body.contains("MU-ST 123"), "summary of the answers");

    // The event for the cases context, exactly once.
    let events = storage::events::read(&app.app.db, "submission.received", 0, 10)
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].payload.0["reference"],
        Value::String(reference.clone())
    );

    app.run_jobs().await;
    let mail = app
        .mails()
        .into_iter()
        .find(|m| m.contains("max.mustermann@example.org") && m.contains(&reference))
        .expect("receipt mail");
    assert!(
        mail.contains(&format!("/antrag/{id}/eingang")),
        "link to the receipt"
    );
    assert!(
        !mail.contains("Bewohnerparkausweis"),
        "no service name in the mail"
    );
    assert!(!mail.contains("Parkausweis"));
    assert!(!mail.contains("MU-ST"), "no answers in the mail");

    // After submission the draft can no longer change.
    let late = step(&app, &id, 1, &STEP1).await;
    assert_eq!(late.status, 409);

    // Submissions never change, not even by SQL.
    let update: Result<u64, sqlx::Error> = storage::on_db!(&app.app.db, pool => sqlx::query(
        "UPDATE forms_submission SET fee_cents = 0",
    ).execute(pool).await.map(|r| r.rows_affected()));
    assert!(update.is_err(), "the trigger refuses updates");

    // Another browser sees nothing of it.
    let mut app = app;
    app.new_browser();
    assert_eq!(app.get(&format!("/antrag/{id}/eingang")).await.status, 404);
    assert_eq!(
        app.get(&format!("/antrag/{id}/schritt/1")).await.status,
        404
    );
}

#[tokio::test]
async fn an_anonymous_draft_resumes_from_the_emailed_link_and_expires() {
    let mut app = demo().await;
    let (id, _) = start(&app).await;
    step(&app, &id, 1, &STEP1).await;
    let save = app
        .post_form(
            &format!("/antrag/{id}/schritt/2"),
            &[("_action", "speichern"), ("kennzeichen", "MU-AB 12")],
        )
        .await;
    assert_eq!(save.location, Some(format!("/antrag/{id}/speichern")));
    let bad = app
        .post_form(
            &format!("/antrag/{id}/speichern"),
            &[("email", "nicht-gueltig")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("href=\"#email\""));
    let sent = app
        .post_form(
            &format!("/antrag/{id}/speichern"),
            &[("email", "anna@example.org")],
        )
        .await;
    assert_eq!(sent.status, 303);
    app.run_jobs().await;
    let link = app
        .link_in_mail_to("anna@example.org", &format!("/antrag/{id}/fortsetzen"))
        .expect("resume link");

    app.new_browser();
    assert_eq!(
        app.get(&format!("/antrag/{id}/schritt/2")).await.status,
        404,
        "no access without the link"
    );
    assert_eq!(
        app.get(&format!(
            "/antrag/{id}/fortsetzen?schluessel={}",
            "0".repeat(64)
        ))
        .await
        .status,
        404
    );
    let resumed = app.get(&link).await;
    assert_eq!(resumed.location, Some(format!("/antrag/{id}")));
    let here = app.get(&format!("/antrag/{id}")).await;
    assert_eq!(here.location, Some(format!("/antrag/{id}/schritt/2")));
    let page = app.get(&format!("/antrag/{id}/schritt/2")).await;
    assert!(page.body.contains("value=\"MU-AB 12\""), "answers are back");

    // Drafts are deleted after the configured time.
    app.clock.advance(chrono::Duration::days(31));
    assert_eq!(
        app.get(&format!("/antrag/{id}/schritt/2")).await.status,
        404
    );
    let deleted = app.app.submissions.prune_drafts().await.expect("prune");
    assert_eq!(deleted, 1);
    assert_eq!(app.count("forms_draft").await, 0);
}

#[tokio::test]
async fn prefill_needs_consent_is_marked_and_never_crosses_citizens() {
    let app = demo().await;
    app.login_citizen("erika.mustermann@example.org").await;
    let (id, to) = start(&app).await;
    assert_eq!(
        to,
        format!("/antrag/{id}/einwilligung"),
        "the citizen is asked first"
    );
    let question = app.get(&to).await;
    assert!(question.body.contains("Adresse") && question.body.contains("Geburtsdatum"));
    let none = app.post_form(&to, &[]).await;
    assert_eq!(none.status, 422, "an answer is needed");
    let yes = app.post_form(&to, &[("prefill", "yes")]).await;
    assert_eq!(yes.location, Some(format!("/antrag/{id}/schritt/1")));
    assert_eq!(
        app.count("identity_consent").await,
        1,
        "the consent is recorded"
    );
    let page = app.get(&format!("/antrag/{id}/schritt/1")).await;
    assert!(page.body.contains("value=\"Erika\""));
    assert!(page.body.contains("value=\"1964-08-12\""));
    assert!(page.body.contains("value=\"Heidestraße\""));
    assert!(page.body.contains("value=\"erika.mustermann@example.org\""));
    assert!(
        page.body.contains("Aus Ihrem Konto übernommen"),
        "prefilled fields are marked"
    );
    // The account lists the draft and the consent, which can be revoked.
    let mine = app.get("/konto/antraege").await;
    assert!(mine.body.contains(&format!("/antrag/{id}")));
    let consents = app.get("/konto/einwilligungen").await;
    assert!(consents.body.contains("Bewohnerparkausweis"));
    let action = consents.form_action("/widerrufen").expect("revoke form");
    let revoked = app.post_form(&action, &[]).await;
    assert_eq!(revoked.status, 303);
    assert!(
        app.get("/konto/einwilligungen")
            .await
            .body
            .contains("widerrufen am")
    );

    // Max has no profile and no consent: nothing of Erika's reaches him.
    let mut app = app;
    app.new_browser();
    app.login_citizen("max.mustermann@example.org").await;
    assert_eq!(
        app.get(&format!("/antrag/{id}/schritt/1")).await.status,
        404,
        "not his draft"
    );
    let (his, to) = start(&app).await;
    let yes = app.post_form(&to, &[("prefill", "yes")]).await;
    assert_eq!(yes.status, 303);
    let page = app.get(&format!("/antrag/{his}/schritt/1")).await;
    assert!(!page.body.contains("Erika"));
    assert!(!page.body.contains("Heidestraße"));
    assert!(
        page.body.contains("value=\"max.mustermann@example.org\""),
        "his own e-mail"
    );
}

#[tokio::test]
async fn declining_prefill_leaves_the_form_empty_and_the_profile_is_checked() {
    let app = demo().await;
    app.login_citizen("erika.mustermann@example.org").await;
    let bad = app
        .post_form(
            "/konto/profil",
            &[
                ("given_name", "Erika"),
                ("postcode", "123"),
                ("birth_date", "31.02.1990"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("href=\"#postcode\"") && bad.body.contains("href=\"#birth_date\""));
    let (id, to) = start(&app).await;
    let no = app.post_form(&to, &[("prefill", "no")]).await;
    assert_eq!(no.status, 303);
    assert_eq!(app.count("identity_consent").await, 0);
    let page = app.get(&format!("/antrag/{id}/schritt/1")).await;
    assert!(!page.body.contains("value=\"Erika\""));
}

#[tokio::test]
async fn a_draft_keeps_its_version_when_a_new_one_is_published() {
    let app = demo().await;
    let (id, _) = start(&app).await;
    let service = app
        .app
        .catalogue
        .id_by_slug("bewohnerparkausweis")
        .await
        .expect("db")
        .expect("service");
    let v1 = app
        .app
        .forms
        .published(service)
        .await
        .expect("db")
        .expect("v1");
    let token = app.api_token(&["catalogue:write"]).await;
    let mut def = serde_json::to_value(&v1.definition).expect("json");
    def["title"] = json!("Bewohnerparkausweis beantragen (neu)");
    let v2 = app
        .api(
            Method::POST,
            &format!("/api/v1/services/{service}/form-versions"),
            Some(&token),
            Some(def),
        )
        .await
        .json();
    let v2_id = v2["id"].as_str().expect("v2").to_owned();
    let published = app
        .api(
            Method::POST,
            &format!("/api/v1/form-versions/{v2_id}/publish"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    fill_all(&app, &id).await;
    app.post_form(&format!("/antrag/{id}/absenden"), &[("declaration", "yes")])
        .await;
    let receipt = app.get(&format!("/antrag/{id}/eingang")).await;
    assert_eq!(receipt.status, 200);
    let sub: String = storage::on_db!(&app.app.db, pool => sqlx::query_scalar::<_, uuid::Uuid>("SELECT version_id FROM forms_submission").fetch_one(pool).await).expect("row").to_string();
    assert_eq!(
        sub,
        v1.id.to_string(),
        "the submission records the version it was made with"
    );
    let (newer, _) = start(&app).await;
    let newer = uuid::Uuid::parse_str(&newer).expect("draft id");
    let newest: String = storage::on_db!(&app.app.db, pool => sqlx::query_scalar::<_, uuid::Uuid>("SELECT version_id FROM forms_draft WHERE id = $1").bind(newer).fetch_one(pool).await).expect("row").to_string();
    assert_eq!(newest, v2_id, "new drafts use the new version");
}

fn api_answers() -> Value {
    json!({
        "vorname": "Aylin",
        "nachname": "Yılmaz",
        "geburtsdatum": "02.03.1990",
        "email": "aylin.yilmaz@example.org",
        "adresse": {"street": "Marktplatz", "house_number": "1", "postcode": "51147", "city": "Musterstadt"},
        "kennzeichen": "MU-AY 90",
        "fahrzeugart": "pkw",
        "halter": "yes",
        "fahrzeugschein": {"name": "schein.pdf", "content_base64": base64_pdf()},
        "zeitraum_von": "2027-01-01",
        "zeitraum_bis": "2028-12-31",
        "anzahl_jahre": "2",
        "zustellung": ["portal", "post"],
    })
}

fn base64_pdf() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(PDF)
}

#[tokio::test]
async fn the_api_applies_the_same_rules_and_is_idempotent() {
    let app = demo().await;
    let service = app
        .app
        .catalogue
        .id_by_slug("bewohnerparkausweis")
        .await
        .expect("db")
        .expect("service");
    let path = format!("/api/v1/services/{service}/submissions");
    let reader = app.api_token(&["catalogue:write"]).await;
    let denied = app
        .api(
            Method::POST,
            &path,
            Some(&reader),
            Some(json!({"answers": api_answers()})),
        )
        .await;
    assert_eq!(denied.status, 403, "needs submissions:write");
    let token = app
        .api_token(&["submissions:write", "submissions:read"])
        .await;

    // Every rule kind, with the codes the pages use.
    let mut wrong = api_answers();
    wrong["vorname"] = json!("");
    wrong["kennzeichen"] = json!("kein kennzeichen");
    wrong["anzahl_jahre"] = json!("3");
    wrong["zeitraum_bis"] = json!("2026-01-01");
    wrong["halter"] = json!("no");
    wrong["adresse"]["postcode"] = json!("1");
    wrong["bemerkung"] = json!("x".repeat(2001));
    wrong["iban"] = json!("DE00 1234");
    wrong["fahrzeugart"] = json!("panzer");
    wrong["unbekannt"] = json!("?");
    let bad = app
        .api(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"answers": wrong})),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let problems: Vec<(String, String)> = bad.json()["invalid_params"]
        .as_array()
        .expect("invalid_params")
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap_or_default().to_owned(),
                p["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (field, code) in [
        ("vorname", "required"),
        ("kennzeichen", "pattern_mismatch"),
        ("anzahl_jahre", "too_large"),
        ("zeitraum_bis", "date_not_after"),
        ("nutzungserlaubnis", "required"),
        ("adresse.postcode", "postcode_invalid"),
        ("bemerkung", "too_long"),
        ("iban", "iban_invalid"),
        ("fahrzeugart", "choice_invalid"),
        ("unbekannt", "field_unknown"),
    ] {
        assert!(
            problems.iter().any(|(f, c)| f == field && c == code),
            "{field}: {code} expected in {problems:?}"
        );
    }
    let mut fake_file = api_answers();
    fake_file["fahrzeugschein"] = json!({"name": "x.pdf", "content_base64": "aGFsbG8="});
    let refused = app
        .api(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"answers": fake_file})),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("file_type_not_allowed"));
    assert_eq!(
        app.count("forms_submission").await,
        0,
        "nothing half written"
    );

    let send = |key: &'static str| {
        let app = &app;
        let path = path.clone();
        let token = token.clone();
        async move {
            app.client
                .post(format!("{}{path}", app.address))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&json!({"answers": api_answers()}))
                .send()
                .await
                .expect("send")
        }
    };
    let first = send("antrag-42").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["fee_cents"], 6270, "2 years and delivery by post");
    assert_eq!(first["channel"], "api");
    let again = send("antrag-42").await;
    assert_eq!(
        again.status(),
        200,
        "the same key returns the first submission"
    );
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.count("forms_submission").await, 1);
    let other = send("antrag-43").await;
    assert_eq!(other.status(), 201);

    let id = first["id"].as_str().expect("id");
    let read = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.json()["answers"]["fahrzeugschein"]["media_type"],
        "application/pdf"
    );
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/api/v1/submissions/{id}"),
            Some(&reader),
            None
        )
        .await
        .status,
        403
    );
}

#[tokio::test]
async fn a_renewal_is_prefilled_from_the_earlier_submission_under_the_consent_given_before() {
    let app = demo().await;
    app.login_citizen("erika.mustermann@example.org").await;
    let (first, to) = start(&app).await;
    app.post_form(&to, &[("prefill", "yes")]).await;
    let mut step1 = STEP1.to_vec();
    step1[0] = ("vorname", "Erika");
    step1[3] = ("email", "erika.mustermann@example.org");
    assert_eq!(step(&app, &first, 1, &step1).await.status, 303);
    assert_eq!(step2(&app, &first).await.status, 303);
    step(
        &app,
        &first,
        3,
        &[
            ("zeitraum_von", "2027-01-01"),
            ("zeitraum_bis", "2027-12-31"),
            ("anzahl_jahre", "1"),
        ],
    )
    .await;
    step(&app, &first, 4, &[("zustellung", "portal")]).await;
    let sent = app
        .post_form(
            &format!("/antrag/{first}/absenden"),
            &[("declaration", "yes")],
        )
        .await;
    assert_eq!(sent.status, 303);
    // The account lists the submission; its page is the receipt.
    let mine = app.get("/konto/antraege").await;
    let link = mine
        .between("href=\"/konto/antraege/", "\"")
        .expect("submission link");
    let own = app.get(&format!("/konto/antraege/{link}")).await;
    assert_eq!(own.status, 200);
    assert!(own.body.contains("id=\"reference\""));

    // The next application: the consent covers it, no question; the plate
    // comes from the earlier submission, the phone from the profile.
    let (second, to) = start(&app).await;
    assert_ne!(second, first);
    assert_eq!(to, format!("/antrag/{second}/schritt/1"));
    let p1 = app.get(&to).await;
    assert!(
        p1.body.contains("value=\"0221 1234567\""),
        "phone from the profile"
    );
    assert!(step(&app, &second, 1, &step1).await.status == 303);
    let p2 = app.get(&format!("/antrag/{second}/schritt/2")).await;
    assert!(
        p2.body.contains("value=\"MU-ST 123\""),
        "plate from the earlier submission"
    );
    assert!(
        p2.body.contains("id=\"kennzeichen-prefilled\""),
        "marked as taken over"
    );
    assert_eq!(
        app.count("identity_consent").await,
        1,
        "no second consent row"
    );
}
