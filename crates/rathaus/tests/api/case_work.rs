//! Working on cases: requests for information with the § 42a deadline
//! logic and public holidays, the applicant's answer in the portal, queue
//! filters, assigning, notes, follow-ups, uploads with idempotency keys,
//! deputies, and the data protection officer's access list.

use base64::Engine as _;
use chrono::{NaiveDate, TimeZone, Utc};
use kernel::{Actor, CaseId, Role};
use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, spawn_app, spawn_app_with};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0)
        .single()
        .expect("time")
}

/// The case of the newest submission, read directly.
async fn newest_case(app: &TestApp) -> cases::store::Case {
    let id: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_case ORDER BY received_at DESC, id DESC LIMIT 1").fetch_one(pool).await).expect("case");
    app.app
        .cases
        .case_view(&Actor::system("t"), CaseId(id))
        .await
        .expect("view")
        .case
}

pub(crate) async fn unit_code(app: &TestApp, case: &cases::store::Case) -> String {
    storage::on_db!(&app.app.db, pool => sqlx::query_scalar::<_, String>("SELECT code FROM identity_org_unit WHERE id = $1").bind(case.org_unit_id).fetch_one(pool).await).expect("unit code")
}

async fn actor_of(app: &TestApp, id: kernel::AccountId) -> Actor {
    let (acc, _) = app
        .app
        .identity
        .account(&Actor::system("t"), id)
        .await
        .expect("account");
    app.app.identity.actor_for(&acc).await.expect("actor")
}

async fn submit(app: &TestApp, token: &str) {
    crate::cases::submit(app, token).await;
    app.run_jobs().await;
}

#[tokio::test]
async fn a_request_for_information_stops_the_deadline_until_the_applicant_answers() {
    let mut app = spawn_app().await;
    // A Wednesday before Easter: Good Friday, Easter Monday and 1 May are
    // public holidays in North Rhine-Westphalia (the default state).
    app.clock.set(at(2028, 4, 5));
    app.seed_demo().await;
    let token = app.api_token(&["submissions:write"]).await;
    submit(&app, &token).await;
    let case = newest_case(&app).await;
    assert_eq!(
        case.deadline.date_naive(),
        day(2028, 5, 8),
        "20 working days without the three holidays"
    );
    let code = unit_code(&app, &case).await;
    let clerk_id = app
        .create_staff(
            "sb-nachforderung@musterstadt.example",
            &code,
            &[Role::Clerk],
        )
        .await;
    app.login_staff("sb-nachforderung@musterstadt.example")
        .await;
    let base = format!("/arbeit/vorgaenge/{}", case.id);
    assert_eq!(
        app.post_form(&format!("{base}/uebernehmen"), &[("revision", "1")])
            .await
            .status,
        303
    );
    // Not possible while the case is only received.
    let early = app
        .post_form(
            &format!("{base}/nachforderung"),
            &[
                ("revision", "2"),
                ("message", "Bitte Fahrzeugschein nachreichen."),
                ("request_due_on", "2028-04-21"),
            ],
        )
        .await;
    assert_eq!(early.status, 422);
    assert!(
        early.body.contains("keine Nachforderung möglich"),
        "{}",
        early.body
    );
    app.post_form(
        &format!("{base}/status"),
        &[("revision", "2"), ("status", "in_bearbeitung")],
    )
    .await;

    // Days pass; sessions end meanwhile, so log in again.
    app.clock.set(at(2028, 4, 10));
    app.new_browser();
    app.login_staff("sb-nachforderung@musterstadt.example")
        .await;
    let past = app
        .post_form(
            &format!("{base}/nachforderung"),
            &[
                ("revision", "3"),
                ("message", "Bitte Fahrzeugschein nachreichen."),
                ("request_due_on", "01.04.2028"),
            ],
        )
        .await;
    assert_eq!(past.status, 422, "{}", past.body);
    assert!(past.body.contains("href=\"#request_due_on\""));
    assert!(
        past.body.contains("Bitte Fahrzeugschein nachreichen."),
        "what was typed stays"
    );
    let sent = app
        .post_form(
            &format!("{base}/nachforderung"),
            &[
                ("revision", "3"),
                (
                    "message",
                    "Bitte laden Sie die Rückseite des Fahrzeugscheins hoch.",
                ),
                ("request_due_on", "21.04.2028"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let page = app.get(&base).await;
    assert!(page.body.contains("ruht (Nachforderung offen)"));
    assert!(
        page.body
            .contains("id=\"current-status\">Wir brauchen noch etwas von Ihnen<")
    );
    // Stopped deadlines are neither overdue nor in the "due soon" filter.
    app.clock.set(at(2028, 4, 21));
    app.new_browser();
    app.login_staff("sb-nachforderung@musterstadt.example")
        .await;
    let soon = app.get("/arbeit/vorgaenge?frist=woche").await;
    assert!(!soon.body.contains(&case.reference));

    // The applicant applied without an account: the e-mail carries a link
    // with a secret key.
    app.run_jobs().await;
    let link = app
        .link_in_mail_to("aylin.yilmaz@example.org", "/nachforderung/")
        .expect("request mail with link");
    app.new_browser();
    let form = app.get(&link).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("Bitte laden Sie die Rückseite des Fahrzeugscheins hoch.")
    );
    let path = link.split('?').next().expect("path").to_owned();
    let key = link.split("schluessel=").nth(1).expect("key").to_owned();
    assert_eq!(
        app.get(&format!("{path}?schluessel=falsch")).await.status,
        403,
        "the wrong key shows nothing"
    );
    let empty = app
        .post_multipart(&path, &[("schluessel", &key), ("answer", "  ")], &[])
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("href=\"#answer\""));
    let exe = app
        .post_multipart(
            &path,
            &[("schluessel", &key), ("answer", "Anbei")],
            &[(
                "files",
                "schein.exe",
                b"MZ\x90\x00\x03\x00\x00\x00".to_vec(),
            )],
        )
        .await;
    assert_eq!(exe.status, 422);
    assert!(exe.body.contains("Dateiart"), "{}", exe.body);
    assert!(exe.body.contains("Anbei"), "the answer typed stays");

    app.clock.set(at(2028, 4, 24));
    let answered = app
        .post_multipart(
            &path,
            &[("schluessel", &key), ("answer", "Hier ist die Rückseite.")],
            &[("files", "rueckseite.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    let again = app
        .post_multipart(
            &path,
            &[("schluessel", &key), ("answer", "Noch einmal")],
            &[],
        )
        .await;
    assert_eq!(again.status, 422, "answered once only");

    // § 42a: the application is complete today, so the 20 working days
    // start again from here.
    let after = newest_case(&app).await;
    assert_eq!(after.deadline.date_naive(), day(2028, 5, 23));
    assert!(after.deadline_stopped_at.is_none());
    assert_eq!(after.status, "in_bearbeitung", "back to the clerk");
    app.new_browser();
    app.login_staff("sb-nachforderung@musterstadt.example")
        .await;
    let page = app.get(&base).await;
    assert!(page.body.contains("Nachreichung: rueckseite.pdf"));
    assert!(page.body.contains("Antwort auf Nachforderung"));
    assert!(page.body.contains("Hier ist die Rückseite."));
    assert!(page.body.contains("23.05.2028"));
    let queue = app.get("/arbeit/vorgaenge").await;
    assert!(
        queue.body.contains("Heute fällige Wiedervorlagen")
            && queue.body.contains("Antwort auf Nachforderung eingegangen"),
        "the answer brings the case back to its clerk"
    );

    // The other rule: the deadline only pauses and the days left run on.
    let admin = app.api_token(&["cases:write"]).await;
    let types = app
        .api(Method::GET, "/api/v1/case-types", Some(&admin), None)
        .await;
    assert_eq!(types.status, 200, "{}", types.body);
    let mut t = types
        .json()
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|t| t["id"] == Value::String(after.case_type_id.to_string()))
                .cloned()
        })
        .expect("the case type");
    t.as_object_mut().expect("object").remove("id");
    t["deadline_rule"] = json!("paused");
    let put = app
        .api(
            Method::PUT,
            "/api/v1/case-types",
            Some(&admin),
            Some(t.clone()),
        )
        .await;
    assert_eq!(put.status, 204, "{}", put.body);
    t["transitions"] = json!([{"from": "eingegangen", "to": "gibt_es_nicht"}]);
    let bad = app
        .api(Method::PUT, "/api/v1/case-types", Some(&admin), Some(t))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("transitions[0]"), "{}", bad.body);

    submit(&app, &token).await;
    let second = newest_case(&app).await;
    assert_eq!(second.deadline.date_naive(), day(2028, 5, 23));
    let clerk = actor_of(&app, clerk_id).await;
    let id = CaseId(second.id);
    let c = app.app.cases.claim(&clerk, id, 1).await.expect("claim");
    let c = app
        .app
        .cases
        .change_status(&clerk, id, "in_bearbeitung", c.revision)
        .await
        .expect("status");
    app.clock.set(at(2028, 4, 25));
    let (_, request) = app
        .app
        .cases
        .request_information(
            &clerk,
            id,
            "Bitte Vollmacht",
            Some(day(2028, 5, 5)),
            c.revision,
        )
        .await
        .expect("request");
    app.clock.set(at(2028, 5, 2));
    let citizen_actor = Actor::system("t");
    assert!(matches!(
        app.app
            .cases
            .answer_request(
                &cases::work::Answerer::Citizen(&citizen_actor),
                request.id,
                "x",
                vec![]
            )
            .await,
        Err(cases::CasesError::Forbidden)
    ));
    app.run_jobs().await;
    let link = app
        .link_in_mail_to(
            "aylin.yilmaz@example.org",
            &format!("/nachforderung/{}", request.id),
        )
        .expect("mail with key");
    let secret = link.split("schluessel=").nth(1).expect("key").to_owned();
    // The applicant's app answers through the API with the key.
    app.new_browser();
    let path = format!("/api/v1/information-requests/{}", request.id);
    let answer_path = format!("{path}/answer");
    assert_eq!(app.api(Method::GET, &path, None, None).await.status, 401);
    let key = |k: &'static str| [("X-Answer-Key", k)];
    let wrong = app
        .api_with(Method::GET, &path, None, &key("falsch"), None)
        .await;
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    let secret: &'static str = secret.leak();
    let read = app
        .api_with(Method::GET, &path, None, &key(secret), None)
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json()["request"]["message"], "Bitte Vollmacht");
    assert!(read.json()["request"]["answered_at"].is_null());
    let post = |body: Value| {
        let app = &app;
        let answer_path = &answer_path;
        async move {
            app.api_with(Method::POST, answer_path, None, &key(secret), Some(body))
                .await
        }
    };
    let bad =
        post(json!({"answer": "x", "files": [{"name": "a.pdf", "content_base64": "%%%"}]})).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("files[0].content_base64"), "{}", bad.body);
    let html =
        base64::engine::general_purpose::STANDARD.encode("<html><script>alert(1)</script></html>");
    let bad = post(json!({"files": [{"name": "a.html", "content_base64": html}]})).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let bad = post(json!({"answer": "  "})).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let pdf = base64::engine::general_purpose::STANDARD.encode(PDF);
    let done = post(json!({
        "answer": "Vollmacht folgt als Datei",
        "files": [{"name": "vollmacht.pdf", "content_base64": pdf}]
    }))
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(
        done.json()["request"]["answer"],
        "Vollmacht folgt als Datei"
    );
    let again = post(json!({"answer": "Noch einmal"})).await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("request_answered"), "{}", again.body);
    let documents = app
        .app
        .records
        .documents(kernel::RecordFileId(second.file_id))
        .await
        .expect("documents");
    assert!(
        documents
            .iter()
            .any(|d| d.versions.iter().any(|v| v.file_name == "vollmacht.pdf")),
        "the file of the answer is in the case file"
    );
    assert_eq!(
        newest_case(&app).await.deadline.date_naive(),
        day(2028, 5, 30),
        "19 working days were left; Ascension Day (25 May) does not count"
    );
}

#[tokio::test]
async fn clerks_filter_assign_note_follow_up_and_upload_and_deputies_step_in() {
    let mut app = spawn_app_with(|s| s.forms.max_upload_bytes = 64 * 1024).await;
    app.seed_demo().await;
    let token = app.api_token(&["submissions:write"]).await;
    submit(&app, &token).await;
    submit(&app, &token).await;
    let case = newest_case(&app).await;
    let code = unit_code(&app, &case).await;
    let anna = app
        .create_staff("anna@musterstadt.example", &code, &[Role::Clerk])
        .await;
    let ben = app
        .create_staff("ben@musterstadt.example", &code, &[Role::Clerk])
        .await;
    app.login_staff("anna@musterstadt.example").await;
    let base = format!("/arbeit/vorgaenge/{}", case.id);
    let wrong = app
        .post_form(
            &format!("{base}/zuweisen"),
            &[
                ("revision", "1"),
                ("assignee", &kernel::AccountId::new().to_string()),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422, "only clerks of the unit");
    let assigned = app
        .post_form(
            &format!("{base}/zuweisen"),
            &[("revision", "1"), ("assignee", &ben.to_string())],
        )
        .await;
    assert_eq!(assigned.status, 303);
    let unassigned = app.get("/arbeit/vorgaenge?bearbeitung=niemand").await;
    assert!(!unassigned.body.contains(&case.reference));
    assert!(
        unassigned.body.contains("<tbody"),
        "the other case is there"
    );
    let api = app
        .api(
            Method::GET,
            &format!("/api/v1/cases?assignee={ben}"),
            None,
            None,
        )
        .await;
    assert_eq!(api.status, 200, "{}", api.body);
    let api = api.json();
    assert_eq!(api["cases"].as_array().map(Vec::len), Some(1));
    assert_eq!(api["cases"][0]["id"], Value::String(case.id.to_string()));
    assert_eq!(
        app.api(Method::GET, "/api/v1/cases?due=someday", None, None)
            .await
            .status,
        400
    );
    let overdue = app
        .api(Method::GET, "/api/v1/cases?due=overdue", None, None)
        .await
        .json();
    assert_eq!(overdue["cases"].as_array().map(Vec::len), Some(0));

    // Notes stay internal; follow-ups come back on their day.
    assert_eq!(
        app.post_form(&format!("{base}/notiz"), &[("note", " ")])
            .await
            .status,
        422
    );
    app.post_form(
        &format!("{base}/notiz"),
        &[("note", "Rückruf beim Halter: Fahrzeug ist geleast.")],
    )
    .await;
    let today = kernel::Clock::now(&app.clock).date_naive();
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let past = app
        .post_form(
            &format!("{base}/wiedervorlage"),
            &[("due_on", &yesterday), ("follow_note", "Prüfen")],
        )
        .await;
    assert_eq!(past.status, 422);
    assert!(past.body.contains("href=\"#due_on\""));
    let set = app
        .post_form(
            &format!("{base}/wiedervorlage"),
            &[
                ("due_on", &today.to_string()),
                ("follow_note", "Leasingvertrag prüfen"),
            ],
        )
        .await;
    assert_eq!(set.status, 303);
    let page = app.get(&base).await;
    assert!(
        page.body
            .contains("Interne Notiz:</strong> Rückruf beim Halter")
    );
    assert!(page.body.contains("Leasingvertrag prüfen"));
    let queue = app.get("/arbeit/vorgaenge").await;
    assert!(queue.body.contains("Heute fällige Wiedervorlagen"));

    // Uploads: from the page, and by API with an idempotency key.
    let up = app
        .post_multipart(
            &format!("{base}/dokumente"),
            &[("title", "Leasingvertrag"), ("version_note", "per Post")],
            &[("file", "leasing.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(up.status, 303, "{}", up.body);
    let html = app
        .post_multipart(
            &format!("{base}/dokumente"),
            &[("title", "Webseite")],
            &[(
                "file",
                "x.html",
                b"<html><script>alert(1)</script></html>".to_vec(),
            )],
        )
        .await;
    assert_eq!(html.status, 422, "HTML is no document");
    let svg = app
        .post_multipart(
            &format!("{base}/dokumente"),
            &[("title", "Bild")],
            &[("file", "x.svg", b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec())],
        )
        .await;
    assert_eq!(svg.status, 422, "nor is SVG");
    let client = reqwest::Client::new();
    let upload = |key: &'static str, body: Vec<u8>| {
        let client = client.clone();
        let url = format!(
            "{}/api/v1/cases/{}/documents?title=Vermerk&file_name=vermerk.txt",
            app.address, case.id
        );
        let token = token.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", key)
                .body(body)
                .send()
                .await
                .expect("upload")
        }
    };
    // The submissions token belongs to an admin of the root unit, not a
    // clerk: refused.
    assert_eq!(upload("k1", b"Vermerk".to_vec()).await.status(), 403);
    // An integration (Fachverfahren) acts with the roles of the admin
    // who made its token: here an admin who is also a clerk of the unit.
    let integration = app
        .create_staff(
            "fachverfahren@musterstadt.example",
            &code,
            &[Role::Admin, Role::Clerk],
        )
        .await;
    let integration = actor_of(&app, integration).await;
    let (clerk_token_id, clerk_token) = app
        .app
        .identity
        .create_api_token(&integration, "Fachverfahren", &["cases:write".to_owned()])
        .await
        .expect("token");
    let post = |key: &'static str, body: Vec<u8>| {
        let client = client.clone();
        let url = format!(
            "{}/api/v1/cases/{}/documents?title=Vermerk&file_name=vermerk.txt",
            app.address, case.id
        );
        let token = clerk_token.clone();
        async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", key)
                .body(body)
                .send()
                .await
                .expect("upload");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s1, v1) = post("vermerk-1", "Telefonvermerk vom Montag".into()).await;
    assert_eq!(s1, 201, "{v1}");
    let (s2, v2) = post("vermerk-1", "Telefonvermerk vom Montag".into()).await;
    assert_eq!(s2, 200, "the same key returns the first version");
    assert_eq!(v1["id"], v2["id"]);
    assert_eq!(v1["media_type"], "text/plain");
    let (big, _) = post("gross", vec![b'a'; 100 * 1024]).await;
    assert_eq!(big, 400, "larger than [forms] max_upload_bytes");
    let (huge, _) = post("riesig", vec![b'a'; 300 * 1024]).await;
    assert_eq!(huge, 413, "beyond the body limit");
    let version = client
        .post(format!(
            "{}/api/v1/cases/{}/documents/{}/versions?file_name=vermerk2.txt&note=korrigiert",
            app.address,
            case.id,
            v1["document_id"].as_str().expect("doc")
        ))
        .bearer_auth(&clerk_token)
        .body("Telefonvermerk vom Montag, korrigiert")
        .send()
        .await
        .expect("version");
    assert_eq!(version.status().as_u16(), 201);
    let version: Value = version.json().await.expect("json");
    assert_eq!(version["number"], 2);
    let content = client
        .get(format!(
            "{}/api/v1/cases/{}/documents/{}/content",
            app.address,
            case.id,
            v1["id"].as_str().expect("id")
        ))
        .bearer_auth(&clerk_token)
        .send()
        .await
        .expect("content");
    assert_eq!(content.status().as_u16(), 200);
    assert_eq!(
        content.text().await.expect("text"),
        "Telefonvermerk vom Montag",
        "the first version is unchanged"
    );
    assert_eq!(app.count("records_upload_key").await, 1);
    // The integration reads the whole case with its token (answers too).
    let detail = client
        .get(format!("{}/api/v1/cases/{}", app.address, case.id))
        .bearer_auth(&clerk_token)
        .send()
        .await
        .expect("detail");
    assert_eq!(detail.status().as_u16(), 200);
    let detail: Value = detail.json().await.expect("json");
    assert!(detail["answers"].as_array().is_some_and(|a| !a.is_empty()));
    // A revoked token stops at once (its actor is not kept).
    app.app
        .identity
        .revoke_api_token(&Actor::system("t"), clerk_token_id)
        .await
        .expect("revoke");
    let gone = client
        .get(format!("{}/api/v1/cases/{}", app.address, case.id))
        .bearer_auth(&clerk_token)
        .send()
        .await
        .expect("detail");
    assert_eq!(gone.status().as_u16(), 401);

    // A clerk of another unit sees nothing until they stand in for Anna.
    let other = app
        .create_staff("carla@musterstadt.example", "0", &[Role::Clerk])
        .await;
    let carla = actor_of(&app, other).await;
    let carla_units = cases::CasesService::work_units(&carla);
    if !carla_units.contains(&kernel::OrgUnitId(case.org_unit_id)) {
        assert!(matches!(
            app.app.cases.case_view(&carla, CaseId(case.id)).await,
            Err(cases::CasesError::Forbidden)
        ));
    }
    app.app
        .identity
        .add_deputy(
            &Actor::system("t"),
            anna,
            other,
            today,
            today + chrono::Duration::days(14),
        )
        .await
        .expect("deputy");
    let carla = actor_of(&app, other).await;
    app.app
        .cases
        .case_view(&carla, CaseId(case.id))
        .await
        .expect("the deputy works on Anna's cases");
    assert!(
        app.app
            .cases
            .my_queue(&carla)
            .await
            .expect("queue")
            .iter()
            .any(|c| c.id == case.id)
    );

    // The data protection officer sees who read the case.
    app.app.log.flush().await.expect("flush");
    app.new_browser();
    app.create_staff(
        "dsb@musterstadt.example",
        "0",
        &[Role::DataProtectionOfficer],
    )
    .await;
    app.login_staff("dsb@musterstadt.example").await;
    let find = app
        .get(&format!(
            "/arbeit/vorgaenge/zugriffe?aktenzeichen={}",
            case.reference
        ))
        .await;
    assert_eq!(find.status, 303);
    let list = app.get(&format!("{base}/zugriffe")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("case.viewed"));
    assert!(
        list.body.contains(&format!("account:{anna}")),
        "Anna read it: {}",
        list.body
    );
    let api = app
        .api(
            Method::GET,
            &format!("/api/v1/cases/{}/access-log", case.id),
            None,
            None,
        )
        .await;
    assert_eq!(api.status, 200);
    assert!(api.json().as_array().is_some_and(|a| !a.is_empty()));
    app.new_browser();
    app.login_staff("anna@musterstadt.example").await;
    assert_eq!(app.get(&format!("{base}/zugriffe")).await.status, 403);
}
