//! Lawful delivery of notices: by retrieval from the portal only with the
//! citizen's consent; the e-mail says only that something is waiting; the
//! notice counts as notified on the day after the first retrieval; not
//! retrieved within ten days, the provision ends and the case says
//! notification failed; post as the fallback, notified on the fourth day.

use chrono::{NaiveDate, TimeZone, Utc};
use kernel::{Actor, CaseId, OrgUnitId, Role};
use reqwest::Method;
use serde_json::json;
use testkit::{TestApp, spawn_app_with};

pub(crate) async fn app() -> TestApp {
    let app = spawn_app_with(|s| s.fees.iban = "DE02120300000000202051".into()).await;
    // A Monday morning in Germany.
    app.clock.set(
        Utc.with_ymd_and_hms(2027, 1, 4, 8, 0, 0)
            .single()
            .expect("time"),
    );
    app.seed_demo().await;
    app
}

pub(crate) async fn actor_of(app: &TestApp, id: kernel::AccountId) -> Actor {
    let (acc, _) = app
        .app
        .identity
        .account(&Actor::system("t"), id)
        .await
        .expect("account");
    app.app.identity.actor_for(&acc).await.expect("actor")
}

/// The newest case.
pub(crate) async fn newest(app: &TestApp) -> cases::store::Case {
    let id: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_case ORDER BY received_at DESC, id DESC LIMIT 1").fetch_one(pool).await).expect("case");
    app.app
        .cases
        .case_view(&Actor::system("t"), CaseId(id))
        .await
        .expect("view")
        .case
}

/// Erika applies in the portal (logged in).
pub(crate) async fn citizen_case(app: &TestApp) -> cases::store::Case {
    app.login_citizen("erika.mustermann@example.org").await;
    let (draft, to) = crate::applications::start(app).await;
    app.post_form(&to, &[("prefill", "no")]).await;
    crate::applications::fill_all(app, &draft).await;
    let sent = app
        .post_form(
            &format!("/antrag/{draft}/absenden"),
            &[("declaration", "yes")],
        )
        .await;
    assert_eq!(sent.status, 303);
    app.run_jobs().await;
    newest(app).await
}

/// A finally signed notice of `case`; returns (notice id, clerk email).
async fn final_notice(app: &TestApp, case: &cases::store::Case) -> (uuid::Uuid, String) {
    let code = crate::case_work::unit_code(app, case).await;
    let n = uuid::Uuid::now_v7().simple().to_string();
    let clerk_mail = format!("sb-{n}@musterstadt.example");
    let clerk = app.create_staff(&clerk_mail, &code, &[Role::Clerk]).await;
    let head = app
        .create_staff(
            &format!("leitung-{n}@musterstadt.example"),
            &code,
            &[Role::Manager],
        )
        .await;
    app.app
        .cases
        .grant_authority(
            &Actor::system("t"),
            head,
            OrgUnitId(case.org_unit_id),
            cases::notices::domain::Capacity::Head,
        )
        .await
        .expect("authority");
    let clerk = actor_of(app, clerk).await;
    let notice = app
        .app
        .cases
        .start_notice(
            &clerk,
            CaseId(case.id),
            case.revision,
            "Ihrem Antrag wird entsprochen.",
        )
        .await
        .expect("start");
    app.run_jobs().await;
    app.app
        .cases
        .sign_notice(&actor_of(app, head).await, CaseId(case.id), notice.id)
        .await
        .expect("sign");
    app.run_jobs().await;
    (notice.id, clerk_mail)
}

async fn delivery(
    app: &TestApp,
    notice: uuid::Uuid,
) -> (String, Option<NaiveDate>, Option<chrono::DateTime<Utc>>) {
    storage::on_db!(&app.app.db, pool => sqlx::query_as::<_, (String, Option<NaiveDate>, Option<chrono::DateTime<Utc>>)>(
        "SELECT state, notified_on, retrieved_at FROM mailbox_delivery WHERE notice_id = $1 ORDER BY made_available_at DESC, id DESC LIMIT 1",
    ).bind(notice).fetch_one(pool).await).expect("delivery")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("day")
}

#[tokio::test]
async fn a_notice_retrieved_from_the_portal_counts_as_notified_the_day_after() {
    let mut app = app().await;
    let case = citizen_case(&app).await;
    // Erika consents to electronic notices (recorded with its time).
    let page = app.get("/konto/postfach").await;
    assert!(page.body.contains("id=\"consent-give\""));
    assert_eq!(
        app.post_form("/konto/postfach/einwilligung", &[("consent", "yes")])
            .await
            .status,
        303
    );
    let (notice, clerk) = final_notice(&app, &case).await;

    app.new_browser();
    app.login_staff(&clerk).await;
    let base = format!("/arbeit/vorgaenge/{}", case.id);
    let page = app.get(&base).await;
    assert!(page.body.contains("id=\"channel-portal\""), "{}", page.body);
    let ordered = app
        .post_form(
            &format!("{base}/bescheid/{notice}/bekanntgeben"),
            &[("channel", "portal")],
        )
        .await;
    assert_eq!(ordered.status, 303, "{}", ordered.body);
    app.run_jobs().await;
    assert_eq!(delivery(&app, notice).await.0, "available");
    // The e-mail says only that something is waiting.
    let mail = app
        .mails()
        .into_iter()
        .find(|m| m.contains("Postfach") && m.contains("erika.mustermann@example.org"))
        .expect("the e-mail that something is waiting");
    let text = testkit::decode_quoted_printable(&mail);
    assert!(text.contains("/konto/postfach"), "{text}");
    assert!(
        text.contains("14.01.2027"),
        "the last day to retrieve: {text}"
    );
    for secret in [
        "Bewohnerpark",
        "Bescheid",
        "Mustermann",
        "Erika",
        &case.reference,
    ] {
        assert!(!text.contains(secret), "no {secret} in the e-mail: {text}");
    }
    assert_eq!(
        app.post_form(
            &format!("{base}/bescheid/{notice}/bekanntgeben"),
            &[("channel", "post")]
        )
        .await
        .status,
        409,
        "one delivery at a time"
    );

    // Two days later, late in the evening German time, Erika retrieves it.
    app.clock.set(
        Utc.with_ymd_and_hms(2027, 1, 6, 23, 30, 0)
            .single()
            .expect("time"),
    );
    app.new_browser();
    app.login_citizen("erika.mustermann@example.org").await;
    let mailbox = app.get("/konto/postfach").await;
    assert!(mailbox.body.contains("14.01.2027"), "{}", mailbox.body);
    let id: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM mailbox_delivery WHERE notice_id = $1").bind(notice).fetch_one(pool).await).expect("id");
    let pdf = app.get(&format!("/konto/postfach/{id}")).await;
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with("%PDF"));
    let (state, notified, retrieved) = delivery(&app, notice).await;
    assert_eq!(state, "retrieved");
    assert!(retrieved.is_some());
    assert_eq!(
        notified,
        Some(day(2027, 1, 8)),
        "the day after 7 January (German time)"
    );
    app.clock.set(
        Utc.with_ymd_and_hms(2027, 1, 9, 10, 0, 0)
            .single()
            .expect("time"),
    );
    // Sessions end meanwhile: log in again.
    app.new_browser();
    app.login_citizen("erika.mustermann@example.org").await;
    assert_eq!(app.get(&format!("/konto/postfach/{id}")).await.status, 200);
    assert_eq!(
        delivery(&app, notice).await.1,
        Some(day(2027, 1, 8)),
        "the first retrieval counts"
    );
    app.run_jobs().await;
    let own = app.get("/konto/vorgaenge").await;
    assert!(
        own.body.contains("gilt am 08.01.2027 als bekannt gegeben"),
        "{}",
        own.body
    );
    // The same through the API.
    let api = app
        .api(Method::GET, "/api/v1/account/mailbox", None, None)
        .await;
    assert_eq!(api.json()[0]["notified_on"], "2027-01-08");
    // Someone else cannot retrieve it.
    app.new_browser();
    app.login_citizen("max.mustermann@example.org").await;
    assert_eq!(app.get(&format!("/konto/postfach/{id}")).await.status, 404);
}

#[tokio::test]
async fn an_unretrieved_notice_lapses_after_ten_days_and_goes_by_post_instead() {
    let mut app = app().await;
    let case = citizen_case(&app).await;
    let consent = app
        .api(
            Method::PUT,
            "/api/v1/account/mailbox/consent",
            None,
            Some(json!({"consent": true})),
        )
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let (notice, clerk) = final_notice(&app, &case).await;
    let clerk = actor_of(
        &app,
        app.app
            .identity
            .account_id_by_email(&clerk)
            .await
            .expect("db")
            .expect("clerk"),
    )
    .await;
    app.app
        .cases
        .deliver_notice(&clerk, CaseId(case.id), notice, mailbox::Channel::Portal)
        .await
        .expect("deliver");
    app.run_jobs().await;
    // The tenth day after the e-mail is the last day.
    app.clock.set(
        Utc.with_ymd_and_hms(2027, 1, 14, 22, 0, 0)
            .single()
            .expect("time"),
    );
    assert_eq!(app.app.mailbox.sweep().await.expect("sweep"), 0);
    app.clock.set(
        Utc.with_ymd_and_hms(2027, 1, 15, 8, 0, 0)
            .single()
            .expect("time"),
    );
    assert_eq!(app.app.mailbox.sweep().await.expect("sweep"), 1);
    assert_eq!(delivery(&app, notice).await.0, "lapsed");
    app.run_jobs().await;
    let id: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM mailbox_delivery WHERE notice_id = $1").bind(notice).fetch_one(pool).await).expect("id");
    app.new_browser();
    app.login_citizen("erika.mustermann@example.org").await;
    assert_eq!(
        app.get(&format!("/konto/postfach/{id}")).await.status,
        410,
        "the provision ended"
    );

    // The clerk sees that notification failed and sends it by post.
    let view = app
        .app
        .cases
        .case_view(&clerk, CaseId(case.id))
        .await
        .expect("view");
    assert!(
        view.timeline
            .iter()
            .any(|t| t.detail.contains("die Bekanntgabe ist gescheitert"))
    );
    assert!(view.notices[0].lapsed());
    app.app
        .cases
        .deliver_notice(&clerk, CaseId(case.id), notice, mailbox::Channel::Post)
        .await
        .expect("post");
    app.run_jobs().await;
    let (state, notified, _) = delivery(&app, notice).await;
    assert_eq!(state, "posted");
    assert_eq!(
        notified,
        Some(day(2027, 1, 19)),
        "the fourth day after posting on 15 January"
    );
}

#[tokio::test]
async fn without_an_account_or_consent_only_post_is_possible() {
    let app = app().await;
    let token = app.api_token(&["submissions:write"]).await;
    crate::cases::submit(&app, &token).await;
    app.run_jobs().await;
    let case = newest(&app).await;
    let (notice, clerk) = final_notice(&app, &case).await;
    let clerk = actor_of(
        &app,
        app.app
            .identity
            .account_id_by_email(&clerk)
            .await
            .expect("db")
            .expect("clerk"),
    )
    .await;
    let refused = app
        .app
        .cases
        .deliver_notice(&clerk, CaseId(case.id), notice, mailbox::Channel::Portal)
        .await;
    assert!(matches!(refused, Err(cases::CasesError::Invalid(_))));
    assert_eq!(app.count("mailbox_delivery").await, 0);
    app.app
        .cases
        .deliver_notice(&clerk, CaseId(case.id), notice, mailbox::Channel::Post)
        .await
        .expect("post");
    app.run_jobs().await;
    let (state, notified, _) = delivery(&app, notice).await;
    assert_eq!(state, "posted");
    assert_eq!(notified, Some(day(2027, 1, 8)));
}

#[tokio::test]
async fn the_citizen_downloads_all_her_data_in_one_zip() {
    let mut app = app().await;
    let case = citizen_case(&app).await;
    app.post_form("/konto/postfach/einwilligung", &[("consent", "yes")])
        .await;
    let (notice, clerk) = final_notice(&app, &case).await;
    let clerk = actor_of(
        &app,
        app.app
            .identity
            .account_id_by_email(&clerk)
            .await
            .expect("db")
            .expect("clerk"),
    )
    .await;
    app.app
        .cases
        .deliver_notice(&clerk, CaseId(case.id), notice, mailbox::Channel::Portal)
        .await
        .expect("deliver");
    app.run_jobs().await;
    let page = app.get("/konto").await;
    assert!(page.body.contains("/konto/daten.zip"));
    let res = app.get("/konto/daten.zip").await;
    assert_eq!(res.status, 200);
    let raw = app
        .api(Method::GET, "/api/v1/account/export", None, None)
        .await;
    assert_eq!(raw.status, 200);
    let bytes = raw.bytes.clone();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.expect("name").into_owned())
        .collect();
    let read = |zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).expect(name), &mut s).expect("read");
        s
    };
    assert!(read(&mut zip, "konto.json").contains("erika.mustermann@example.org"));
    assert!(read(&mut zip, "einwilligungen.json").contains("portal_delivery"));
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("antraege/") && n.ends_with("antrag.json")),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("antraege/") && n.ends_with(".pdf")),
        "the uploaded files: {names:?}"
    );
    let cases = read(&mut zip, "vorgaenge.json");
    assert!(
        cases.contains("im Postfach bereitgestellt"),
        "the case history: {cases}"
    );
    assert!(!cases.contains("system:"), "no internal labels: {cases}");
    assert!(read(&mut zip, "postfach.json").contains("made_available_at"));
    let notice_pdf = names
        .iter()
        .find(|n| n.starts_with("postfach/"))
        .expect("the notice");
    let mut pdf = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(notice_pdf).expect("pdf"), &mut pdf).expect("read");
    assert!(pdf.starts_with(b"%PDF"));
    // Not for staff, not without login.
    app.new_browser();
    assert_eq!(
        app.api(Method::GET, "/api/v1/account/export", None, None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn a_delivery_event_handled_twice_adds_one_timeline_entry() {
    use storage::jobs::JobHandler;
    let app = app().await;
    let case = citizen_case(&app).await;
    let jobs = cases::notices::service::DeliveryEventJobs {
        cases: app.app.cases.clone(),
    };
    let payload = json!({
        "id": uuid::Uuid::now_v7(),
        "case_id": case.id,
        "kind": "retrieved",
        "detail": "Bescheid am 05.01.2027 abgerufen",
    });
    // A job that ran and committed, then ran again (the runner crashed
    // before marking it done).
    jobs.run(payload.clone()).await.expect("first");
    jobs.run(payload).await.expect("again");
    let n: i64 = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM cases_timeline WHERE case_id = $1 AND detail = $2").bind(case.id).bind("Bescheid am 05.01.2027 abgerufen").fetch_one(pool).await).expect("count");
    assert_eq!(n, 1);
}
