//! Every submission becomes exactly one case, filed in the E-Akte with its
//! data and attachments, even when the job is delivered twice.

use base64::Engine;
use kernel::{Actor, OrgUnitId, Role, SubmissionId};
use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, spawn_app};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n";

pub(crate) async fn submit(app: &TestApp, token: &str) -> Value {
    let service = app
        .app
        .catalogue
        .id_by_slug("bewohnerparkausweis")
        .await
        .expect("db")
        .expect("service");
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/services/{service}/submissions"),
            Some(token),
            Some(json!({"answers": {
                "vorname": "Aylin", "nachname": "Yılmaz", "geburtsdatum": "1990-03-02",
                "email": "aylin.yilmaz@example.org",
                "adresse": {"street": "Marktplatz", "house_number": "1", "postcode": "51147", "city": "Musterstadt"},
                "kennzeichen": "MU-AY 90", "fahrzeugart": "pkw", "halter": "yes",
                "fahrzeugschein": {"name": "schein.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF)},
                "zeitraum_von": "2027-01-01", "zeitraum_bis": "2027-12-31", "anzahl_jahre": "1",
                "zustellung": ["portal"],
            }})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()
}

#[tokio::test]
async fn every_submission_becomes_exactly_one_filed_case() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.api_token(&["submissions:write"]).await;
    let submission = submit(&app, &token).await;
    app.run_jobs().await;
    assert_eq!(app.count("cases_case").await, 1);
    let id = SubmissionId::parse(submission["id"].as_str().expect("id")).expect("uuid");
    let case = app.app.cases.case_from_submission(id).await.expect("case");
    let year = chrono::Datelike::year(&kernel::Clock::now(&app.clock));
    assert_eq!(case.reference, records::file_reference("32.10", year, 1));
    assert_eq!(case.status, "eingegangen");
    assert_eq!(case.phase, "received");
    assert!(case.deadline > case.received_at, "a deadline is set");
    assert_eq!(app.count("records_file").await, 1);
    assert_eq!(
        app.count("records_document").await,
        2,
        "the data and the PDF"
    );

    // The job delivered again (after a crash, say): nothing new.
    let mut tx = app.app.db.begin().await.expect("tx");
    storage::jobs::enqueue(
        &mut tx,
        &app.clock,
        storage::NewJob::new("submission.received", json!({"submission_id": id})),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    app.run_jobs().await;
    assert_eq!(app.count("cases_case").await, 1, "exactly once");
    assert_eq!(app.count("records_file").await, 1);
    assert_eq!(app.count("records_document").await, 2);
    // Delivered concurrently: still one.
    let (a, b) = tokio::join!(
        app.app.cases.case_from_submission(id),
        app.app.cases.case_from_submission(id)
    );
    assert_eq!(a.expect("a").id, case.id);
    assert_eq!(b.expect("b").id, case.id);

    // The next submission gets the next number of the same code and year.
    submit(&app, &token).await;
    app.run_jobs().await;
    assert_eq!(app.count("cases_case").await, 2);

    // The receiving unit's clerks see the queue; other units do not.
    let unit = OrgUnitId(case.org_unit_id);
    let code: String = storage::on_db!(&app.app.db, pool => sqlx::query_scalar::<_, String>("SELECT code FROM identity_org_unit WHERE id = $1").bind(unit.0).fetch_one(pool).await).expect("unit code");
    let id_clerk = app
        .create_staff("sb-queue@musterstadt.example", &code, &[Role::Clerk])
        .await;
    let (acc, _) = app
        .app
        .identity
        .account(&Actor::system("t"), id_clerk)
        .await
        .expect("acc");
    let clerk = app.app.identity.actor_for(&acc).await.expect("actor");
    let queue = app.app.cases.my_queue(&clerk).await.expect("queue");
    assert_eq!(queue.len(), 2);
    assert!(
        queue[0].deadline <= queue[1].deadline,
        "soonest deadline first"
    );
    let other = app
        .create_staff("sb-other@musterstadt.example", "0", &[Role::Hr])
        .await;
    let (acc, _) = app
        .app
        .identity
        .account(&Actor::system("t"), other)
        .await
        .expect("acc");
    let hr = app.app.identity.actor_for(&acc).await.expect("actor");
    assert!(
        app.app.cases.my_queue(&hr).await.expect("queue").is_empty(),
        "no cases for other roles"
    );
}

#[tokio::test]
async fn clerks_of_the_unit_work_the_case_on_their_pages_and_others_get_403() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.api_token(&["submissions:write"]).await;
    let submission = submit(&app, &token).await;
    app.run_jobs().await;
    let id = SubmissionId::parse(submission["id"].as_str().expect("id")).expect("uuid");
    let case = app.app.cases.case_from_submission(id).await.expect("case");
    let code: String = storage::on_db!(&app.app.db, pool => sqlx::query_scalar::<_, String>("SELECT code FROM identity_org_unit WHERE id = $1").bind(case.org_unit_id).fetch_one(pool).await).expect("unit code");
    app.create_staff("sb-parken@musterstadt.example", &code, &[Role::Clerk])
        .await;
    app.login_staff("sb-parken@musterstadt.example").await;
    let queue = app.get("/arbeit/vorgaenge").await;
    assert_eq!(queue.status, 200);
    assert!(
        queue.body.contains(&case.reference),
        "the case is in the queue"
    );
    let page = app.get(&format!("/arbeit/vorgaenge/{}", case.id)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Eingegangen"));
    assert!(page.body.contains("schein.pdf"));
    assert!(
        page.body.contains("MU-AY 90"),
        "the applicant's answers as the form asked them"
    );
    assert!(page.body.contains("Art des Fahrzeugs") && page.body.contains("Pkw"));
    let link = page
        .between(
            &format!("href=\"/arbeit/vorgaenge/{}/dokumente/", case.id),
            "\"",
        )
        .expect("document link");
    let doc = app
        .get(&format!("/arbeit/vorgaenge/{}/dokumente/{link}", case.id))
        .await;
    assert_eq!(doc.status, 200);
    let header = |name: &str| {
        doc.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert!(
        header("content-security-policy").starts_with("sandbox"),
        "never active content"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(
        header("content-disposition").contains("filename"),
        "{}",
        header("content-disposition")
    );
    let unknown = app
        .get(&format!(
            "/arbeit/vorgaenge/{}/dokumente/{}",
            case.id,
            kernel::DocumentVersionId::new()
        ))
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        app.get(&format!("/arbeit/vorgaenge/{}", kernel::CaseId::new()))
            .await
            .status,
        404
    );

    // The API answers the same.
    let api_queue = app.api(Method::GET, "/api/v1/cases", None, None).await;
    assert_eq!(api_queue.status, 200, "{}", api_queue.body);
    assert_eq!(
        api_queue.json()["cases"][0]["reference"],
        Value::String(case.reference.clone())
    );
    let detail = app
        .api(
            Method::GET,
            &format!("/api/v1/cases/{}", case.id),
            None,
            None,
        )
        .await;
    assert_eq!(detail.status, 200);
    let detail = detail.json();
    assert_eq!(detail["status_label"], "Eingegangen");
    assert_eq!(detail["documents"].as_array().map(Vec::len), Some(2));
    assert!(
        detail["answers"]
            .as_array()
            .is_some_and(|a| a.iter().any(|r| r["label"] == "Kennzeichen"))
    );

    // Claim, then move along the case type's transitions only.
    let base = format!("/arbeit/vorgaenge/{}", case.id);
    let claimed = app
        .post_form(&format!("{base}/uebernehmen"), &[("revision", "1")])
        .await;
    assert_eq!(claimed.status, 303);
    assert!(
        app.get(&base)
            .await
            .body
            .contains("Sie bearbeiten diesen Vorgang")
    );
    let stale = app
        .post_form(
            &format!("{base}/status"),
            &[("revision", "1"), ("status", "in_bearbeitung")],
        )
        .await;
    assert_eq!(
        stale.status, 409,
        "a stale edit is refused with a reload message"
    );
    assert!(stale.body.contains("neu"), "{}", stale.body);
    let jump = app
        .post_form(
            &format!("{base}/status"),
            &[("revision", "2"), ("status", "abgeschlossen")],
        )
        .await;
    assert_eq!(jump.status, 422, "not a transition of the case type");
    assert!(jump.body.contains("href=\"#status\""));
    let moved = app
        .post_form(
            &format!("{base}/status"),
            &[("revision", "2"), ("status", "in_bearbeitung")],
        )
        .await;
    assert_eq!(moved.status, 303);
    let after = app.get(&base).await;
    assert!(
        after
            .body
            .contains("id=\"current-status\">Wird bearbeitet<")
    );
    assert!(
        after.body.contains("Übernommen von"),
        "the timeline shows it"
    );

    let mut app = app;
    app.new_browser();
    app.create_staff("sb-kita@musterstadt.example", "0", &[Role::Hr])
        .await;
    app.login_staff("sb-kita@musterstadt.example").await;
    assert!(
        !app.get("/arbeit/vorgaenge")
            .await
            .body
            .contains(&case.reference)
    );
    assert_eq!(
        app.get(&format!("/arbeit/vorgaenge/{}", case.id))
            .await
            .status,
        403
    );
    let refused: i64 = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM storage_audit_log WHERE action = 'case.view_refused'").fetch_one(pool).await).expect("count");
    app.app.log.flush().await.expect("flush");
    let refused_after: i64 = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM storage_audit_log WHERE action = 'case.view_refused'").fetch_one(pool).await).expect("count");
    assert!(
        refused.max(refused_after) >= 1,
        "the refused read is in the access log"
    );
}

#[tokio::test]
async fn the_citizen_follows_the_status_of_their_case_without_internal_details() {
    let app = spawn_app().await;
    app.seed_demo().await;
    app.login_citizen("erika.mustermann@example.org").await;
    let empty = app.get("/konto/vorgaenge").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("noch keine Anträge"));
    let (draft, to) = crate::applications::start(&app).await;
    app.post_form(&to, &[("prefill", "no")]).await;
    crate::applications::fill_all(&app, &draft).await;
    let sent = app
        .post_form(
            &format!("/antrag/{draft}/absenden"),
            &[("declaration", "yes")],
        )
        .await;
    assert_eq!(sent.status, 303);
    let before = app.get("/konto/vorgaenge").await;
    assert!(
        before.body.contains("Eingegangen, wird zugeordnet"),
        "before the job ran"
    );
    app.run_jobs().await;
    let received = app.get("/konto/vorgaenge").await;
    assert!(
        received
            .body
            .contains("<strong class=\"rh-case-status\">Eingegangen</strong>")
    );

    // A clerk takes it over and starts working on it.
    let case_id: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_case").fetch_one(pool).await).expect("case");
    let case = app
        .app
        .cases
        .case_view(&Actor::system("t"), kernel::CaseId(case_id))
        .await
        .expect("view")
        .case;
    let code: String = storage::on_db!(&app.app.db, pool => sqlx::query_scalar::<_, String>("SELECT code FROM identity_org_unit WHERE id = $1").bind(case.org_unit_id).fetch_one(pool).await).expect("unit code");
    let clerk_id = app
        .create_staff("sb-status@musterstadt.example", &code, &[Role::Clerk])
        .await;
    let (acc, _) = app
        .app
        .identity
        .account(&Actor::system("t"), clerk_id)
        .await
        .expect("acc");
    let clerk = app.app.identity.actor_for(&acc).await.expect("actor");
    let claimed = app
        .app
        .cases
        .claim(&clerk, kernel::CaseId(case_id), 1)
        .await
        .expect("claim");
    app.app
        .cases
        .change_status(
            &clerk,
            kernel::CaseId(case_id),
            "in_bearbeitung",
            claimed.revision,
        )
        .await
        .expect("status");
    let now = app.get("/konto/vorgaenge").await;
    assert!(
        now.body
            .contains("<strong class=\"rh-case-status\">Wird bearbeitet</strong>")
    );
    assert!(
        !now.body.contains("Übernommen von"),
        "no internal entries for the citizen"
    );
    assert!(
        !now.body.contains(&case.reference),
        "no internal file reference either"
    );
    // The same through the API, for the citizen's app (session).
    let own = app
        .api(reqwest::Method::GET, "/api/v1/account/cases", None, None)
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(own.json()[0]["status"], "Wird bearbeitet");
    assert!(
        own.json()[0]["history"]
            .as_array()
            .is_some_and(|h| h.len() >= 2),
        "{}",
        own.body
    );
    assert!(
        !own.body.contains("Übernommen von")
            && !own.body.contains("sb-status@")
            && !own.body.contains(&case.reference),
        "no internal entries, staff or file reference: {}",
        own.body
    );

    let mut app = app;
    app.new_browser();
    assert_eq!(
        app.get("/konto/vorgaenge").await.status,
        303,
        "log in first"
    );
    assert_eq!(
        app.api(reqwest::Method::GET, "/api/v1/account/cases", None, None)
            .await
            .status,
        401
    );
}
