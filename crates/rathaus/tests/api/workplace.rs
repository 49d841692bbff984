//! Mobile work: the agreement in versions, enrolment (apply, decide,
//! revoke with notice and the person told), readiness that gates on every
//! item and on training expiry, the device inventory with issue,
//! acknowledgement and history, VPN grants, the CSV import that reports
//! every bad line and imports nothing, and the pages of each role.

use crate::delivery::{actor_of, app};
use kernel::{AccountId, Actor, Role};
use reqwest::Method;
use serde_json::json;
use testkit::TestApp;
use uuid::Uuid;
use workplace::WorkplaceError;
use workplace::devices::{DeviceInput, VpnInput};
use workplace::domain::{ConfirmedItem, DeviceKind};
use workplace::service::{ApplyInput, DecideInput, RevokeInput};

struct Team {
    unit: String,
    person: Actor,
    person_email: String,
    manager: Actor,
    manager_email: String,
    it: Actor,
    it_email: String,
}

/// A unit of its own with a clerk, their manager, and someone of the IT
/// service.
async fn team(app: &TestApp) -> Team {
    let n = Uuid::now_v7().simple().to_string();
    let unit = format!("7{}", &n[n.len() - 5..]);
    let person_email = format!("mobil-{n}@musterstadt.example");
    let manager_email = format!("leitung-{n}@musterstadt.example");
    let it_email = format!("it-{n}@musterstadt.example");
    let person = app.create_staff(&person_email, &unit, &[Role::Clerk]).await;
    let manager = app
        .create_staff(&manager_email, &unit, &[Role::Manager])
        .await;
    let it = app.create_staff(&it_email, "10", &[Role::ItService]).await;
    Team {
        unit,
        person: actor_of(app, person).await,
        person_email,
        manager: actor_of(app, manager).await,
        manager_email,
        it: actor_of(app, it).await,
        it_email,
    }
}

fn me(a: &Actor) -> AccountId {
    a.account.expect("account")
}

fn full_time() -> ApplyInput {
    ApplyInput {
        weekly_minutes: 2340,
        work_days: vec![1, 2, 3, 4, 5],
        note: "Pendelzeit 2 h".into(),
    }
}

async fn approved(app: &TestApp, t: &Team) -> Uuid {
    let svc = &app.app.workplace;
    let e = svc.apply(&t.person, full_time()).await.expect("apply");
    svc.decide(
        &t.manager,
        e.id,
        DecideInput {
            approve: true,
            reason: String::new(),
        },
    )
    .await
    .expect("approve");
    e.id
}

async fn notebook(app: &TestApp, t: &Team, number: &str) -> Uuid {
    app.app
        .workplace
        .add_device(
            &t.it,
            DeviceInput {
                kind: DeviceKind::Notebook,
                model: "ThinkPad T14".into(),
                serial: format!("SN-{number}"),
                inventory_no: number.into(),
            },
        )
        .await
        .expect("device")
        .id
}

#[tokio::test]
async fn an_application_is_decided_by_the_manager_and_revoked_with_the_agreements_notice() {
    let app = app().await;
    let t = team(&app).await;
    let svc = &app.app.workplace;

    let e = svc.apply(&t.person, full_time()).await.expect("apply");
    assert_eq!(e.state, "applied");
    // The demo's agreement (version 2, after the built-in first one).
    assert_eq!(e.agreement_version, 2);
    assert!(matches!(
        svc.apply(&t.person, full_time()).await,
        Err(WorkplaceError::Conflict(c)) if c == "workplace_applied_already"
    ));
    // Bad input: no working day, hours out of range.
    let bad = svc
        .apply(
            &t.manager,
            ApplyInput {
                weekly_minutes: 10,
                work_days: vec![6],
                note: String::new(),
            },
        )
        .await;
    let Err(WorkplaceError::Invalid(errors)) = bad else {
        panic!("bad application accepted: {bad:?}");
    };
    assert!(errors.get("weekly_minutes").is_some());
    assert!(errors.get("work_days").is_some());

    // Only a manager of the unit decides, never on their own application;
    // declining needs a reason.
    let other = actor_of(
        &app,
        app.create_staff(
            &format!("fremd-{}@musterstadt.example", Uuid::now_v7().simple()),
            "55",
            &[Role::Manager],
        )
        .await,
    )
    .await;
    let decide = |approve: bool, reason: &str| DecideInput {
        approve,
        reason: reason.into(),
    };
    assert!(matches!(
        svc.decide(&other, e.id, decide(true, "")).await,
        Err(WorkplaceError::Forbidden)
    ));
    assert!(matches!(
        svc.decide(&t.person, e.id, decide(true, "")).await,
        Err(WorkplaceError::Forbidden)
    ));
    assert!(matches!(
        svc.decide(&t.manager, e.id, decide(false, "  ")).await,
        Err(WorkplaceError::Invalid(_))
    ));
    let ok = svc
        .decide(&t.manager, e.id, decide(true, ""))
        .await
        .expect("approve");
    assert_eq!(ok.state, "approved");
    assert!(matches!(
        svc.decide(&t.manager, e.id, decide(false, "zu spät")).await,
        Err(WorkplaceError::Conflict(_))
    ));

    // A plan holds mobile days before and after the notice period.
    let today = svc.today();
    let plan = Uuid::now_v7();
    let unit: Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM identity_org_unit WHERE code = $1").bind(&t.unit).fetch_one(pool).await).expect("unit");
    let now = kernel::Clock::now(&app.clock);
    storage::on_db!(&app.app.db, pool => sqlx::query(
        "INSERT INTO workplace_plan (id, org_unit_id, starts_on, ends_on, state, revision, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, 'published', 1, 't', $5, $5)",
    ).bind(plan).bind(unit).bind(today).bind(today + chrono::Days::new(30)).bind(now).execute(pool).await.map(|r| r.rows_affected())).expect("plan");
    for (offset, presence) in [(1, "mobile"), (20, "mobile"), (21, "on_site")] {
        storage::on_db!(&app.app.db, pool => sqlx::query(
            "INSERT INTO workplace_plan_cell (plan_id, account_id, day, presence) VALUES ($1, $2, $3, $4)",
        ).bind(plan).bind(me(&t.person).0).bind(today + chrono::Days::new(offset)).bind(presence).execute(pool).await.map(|r| r.rows_affected())).expect("cell");
    }
    app.run_jobs().await;
    let before = app.mails().len();

    // The manager revokes: mobile work ends after 14 days of notice.
    assert!(matches!(
        svc.revoke(
            &t.manager,
            e.id,
            RevokeInput {
                reason: String::new()
            }
        )
        .await,
        Err(WorkplaceError::Invalid(_))
    ));
    let revoked = svc
        .revoke(
            &t.manager,
            e.id,
            RevokeInput {
                reason: "Umorganisation der Sprechzeiten".into(),
            },
        )
        .await
        .expect("revoke");
    assert_eq!(revoked.state, "revoked");
    assert_eq!(revoked.ends_on, Some(today + chrono::Days::new(14)));
    let cells: Vec<(chrono::NaiveDate, String)> =
        storage::on_db!(&app.app.db, pool => sqlx::query_as(
        "SELECT day, presence FROM workplace_plan_cell WHERE plan_id = $1 ORDER BY day",
    ).bind(plan).fetch_all(pool).await)
        .expect("cells");
    assert_eq!(
        cells.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>(),
        vec!["mobile", "on_site", "on_site"],
        "mobile days after the last day become office days, those before stay"
    );
    app.run_jobs().await;
    let mails = app.mails();
    assert_eq!(mails.len(), before + 1);
    let mail = mails
        .iter()
        .map(|m| testkit::decode_quoted_printable(m))
        .find(|m| m.contains("Subject: Mobiles Arbeiten: Widerruf"))
        .expect("revocation mail");
    assert!(mail.contains(&t.person_email), "{mail}");
    assert!(mail.contains("Umorganisation"), "{mail}");
    assert!(mail.contains("Bürotage"), "{mail}");
    // Revoked once is revoked: a new application is possible.
    svc.apply(&t.person, full_time())
        .await
        .expect("apply again");
}

#[tokio::test]
async fn only_a_person_with_every_item_done_and_valid_is_ready() {
    let app = app().await;
    let t = team(&app).await;
    let svc = &app.app.workplace;
    let person = me(&t.person);

    // Signing before approval is refused.
    assert!(matches!(
        svc.confirm(&t.person, person, ConfirmedItem::AgreementSigned, None)
            .await,
        Err(WorkplaceError::Conflict(_))
    ));
    approved(&app, &t).await;
    let r = svc.readiness(&t.person, person).await.expect("readiness");
    assert!(!r.ready);
    assert_eq!(r.missing.len(), 6, "{:?}", r.missing);

    // A colleague may not look; the manager and IT may.
    let colleague = actor_of(
        &app,
        app.create_staff(
            &format!("kollegin-{}@musterstadt.example", Uuid::now_v7().simple()),
            &t.unit,
            &[Role::Clerk],
        )
        .await,
    )
    .await;
    assert!(matches!(
        svc.readiness(&colleague, person).await,
        Err(WorkplaceError::Forbidden)
    ));
    svc.readiness(&t.manager, person)
        .await
        .expect("manager sees");
    svc.readiness(&t.it, person).await.expect("IT sees");

    // A smartphone alone is no workstation; a notebook counts once its
    // receipt is confirmed.
    let phone = svc
        .add_device(
            &t.it,
            DeviceInput {
                kind: DeviceKind::Smartphone,
                model: "Galaxy A55".into(),
                serial: format!("P-{}", Uuid::now_v7().simple()),
                inventory_no: format!("H-{}", Uuid::now_v7().simple()),
            },
        )
        .await
        .expect("phone");
    svc.issue_device(&t.it, phone.id, person)
        .await
        .expect("issue");
    svc.acknowledge_device(&t.person, phone.id)
        .await
        .expect("ack");
    let nb = notebook(&app, &t, &format!("NB-{}", Uuid::now_v7().simple())).await;
    svc.issue_device(&t.it, nb, person).await.expect("issue");
    let r = svc.readiness(&t.person, person).await.expect("readiness");
    assert!(r.missing.contains(&"device".to_owned()));
    svc.acknowledge_device(&t.person, nb).await.expect("ack");
    let today = svc.today();
    svc.grant_vpn(
        &t.it,
        VpnInput {
            account_id: person,
            starts_on: today,
            ends_on: Some(today + chrono::Days::new(400)),
        },
    )
    .await
    .expect("vpn");

    // A training older than the agreement's 24 months is refused; a
    // training done a year ago is valid for another year.
    let long_ago = today - chrono::Days::new(800);
    assert!(matches!(
        svc.confirm(&t.person, person, ConfirmedItem::PrivacyTraining, Some(long_ago)).await,
        Err(WorkplaceError::Invalid(e)) if e.get("done_on").is_some()
    ));
    assert!(matches!(
        svc.confirm(
            &t.person,
            person,
            ConfirmedItem::PrivacyTraining,
            Some(today + chrono::Days::new(1))
        )
        .await,
        Err(WorkplaceError::Invalid(_))
    ));
    let year_ago = today - chrono::Days::new(365);
    svc.confirm(
        &t.person,
        person,
        ConfirmedItem::PrivacyTraining,
        Some(year_ago),
    )
    .await
    .expect("privacy");
    svc.confirm(&t.person, person, ConfirmedItem::SecurityTraining, None)
        .await
        .expect("security");
    svc.confirm(&t.person, person, ConfirmedItem::SelfCheck, None)
        .await
        .expect("self check");
    // A colleague cannot confirm for someone else; the manager can.
    assert!(matches!(
        svc.confirm(&colleague, person, ConfirmedItem::AgreementSigned, None)
            .await,
        Err(WorkplaceError::Forbidden)
    ));
    let r = svc
        .confirm(&t.manager, person, ConfirmedItem::AgreementSigned, None)
        .await
        .expect("signed");
    assert!(r.ready, "missing: {:?}", r.missing);
    assert!(r.missing.is_empty());

    // Readiness per day: the privacy training expires after 24 months
    // from its day, the VPN grant after 400 days.
    let facts = svc.readiness_facts(person).await.expect("facts");
    assert!(facts.ready_on(today));
    let expiry = year_ago
        .checked_add_months(chrono::Months::new(24))
        .expect("date");
    assert!(facts.ready_on(expiry));
    assert!(!facts.ready_on(expiry + chrono::Days::new(1)));
    // The device taken back: not ready any more.
    svc.return_device(&t.it, nb, "Tausch")
        .await
        .expect("return");
    assert!(
        !svc.readiness(&t.person, person)
            .await
            .expect("readiness")
            .ready
    );
}

#[tokio::test]
async fn a_device_moves_through_issue_receipt_return_repair_and_retirement_with_its_history() {
    let app = app().await;
    let t = team(&app).await;
    let svc = &app.app.workplace;
    let number = format!("INV-{}", Uuid::now_v7().simple());
    // Only IT keeps the inventory.
    assert!(matches!(
        svc.add_device(
            &t.manager,
            DeviceInput {
                kind: DeviceKind::Notebook,
                model: "X".into(),
                serial: "S".into(),
                inventory_no: "I".into(),
            },
        )
        .await,
        Err(WorkplaceError::Forbidden)
    ));
    let id = notebook(&app, &t, &number).await;
    let dup = svc
        .add_device(
            &t.it,
            DeviceInput {
                kind: DeviceKind::Tablet,
                model: "iPad".into(),
                serial: format!("SN-{number}"),
                inventory_no: number.clone(),
            },
        )
        .await;
    let Err(WorkplaceError::Invalid(e)) = dup else {
        panic!("duplicate accepted: {dup:?}");
    };
    assert!(e.get("inventory_no").is_some() && e.get("serial").is_some());

    svc.issue_device(&t.it, id, me(&t.person))
        .await
        .expect("issue");
    // Issued twice, retired while issued, acknowledged by someone else:
    // refused.
    assert!(matches!(
        svc.issue_device(&t.it, id, me(&t.manager)).await,
        Err(WorkplaceError::Conflict(_))
    ));
    assert!(matches!(
        svc.retire_device(&t.it, id, "").await,
        Err(WorkplaceError::Conflict(_))
    ));
    assert!(matches!(
        svc.acknowledge_device(&t.manager, id).await,
        Err(WorkplaceError::Forbidden)
    ));
    svc.acknowledge_device(&t.person, id).await.expect("ack");
    assert!(matches!(
        svc.acknowledge_device(&t.person, id).await,
        Err(WorkplaceError::Conflict(_))
    ));
    // The holder sees their device; a colleague does not.
    svc.device(&t.person, id).await.expect("holder sees");
    assert!(matches!(
        svc.device(&t.manager, id).await,
        Err(WorkplaceError::Forbidden)
    ));
    svc.repair_device(&t.it, id, "Display defekt")
        .await
        .expect("repair");
    svc.repaired_device(&t.it, id).await.expect("repaired");
    let retired = svc
        .retire_device(&t.it, id, "Altgerät")
        .await
        .expect("retire");
    assert_eq!(retired.state, "retired");

    let v = svc.device(&t.it, id).await.expect("device");
    let events: Vec<&str> = v.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        events,
        vec![
            "added",
            "issued",
            "acknowledged",
            "repair",
            "repaired",
            "retired"
        ]
    );
    let (_, history) = svc
        .devices_of(&t.person, me(&t.person))
        .await
        .expect("history");
    assert_eq!(
        history.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(),
        vec!["issued", "acknowledged", "repair"],
        "the person's history names what concerned them"
    );
    // The demo's five notebooks are in stock; this one is retired.
    let inventory = svc.inventory(&t.it).await.expect("inventory");
    assert_eq!(inventory.count("notebook", "retired"), 1);
    assert_eq!(inventory.in_use("notebook"), 5);
}

#[tokio::test]
async fn a_csv_import_names_every_bad_line_and_imports_nothing_until_all_are_right() {
    let app = app().await;
    let t = team(&app).await;
    app.login_staff(&t.it_email).await;
    let bad = "Art;Modell;Seriennummer;Inventarnummer\n\
               Notebook;ThinkPad T14;S-1;NB-0001\n\
               Drucker;LaserJet;S-2;NB-0002\n\
               Smartphone;;S-3;NB-0003\n\
               Tablet;iPad;S-4;NB-0001\n";
    let res = app
        .api_raw_session(
            Method::POST,
            "/api/v1/workplace/devices/import",
            "text/csv",
            bad.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    let problem = res.json();
    let params: Vec<(String, String)> = problem["invalid_params"]
        .as_array()
        .expect("params")
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap_or("").to_owned(),
                p["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec!["lines[3].art", "lines[4].modell", "lines[5].inventarnummer"],
        "{problem}"
    );
    // The demo's eight devices, nothing more.
    let demo = 8;
    assert_eq!(app.count("workplace_device").await, demo);

    let good = "kind,model,serial,inventory_no\nnotebook,ThinkPad T14,S-1,NB-9001\nsmartphone,Galaxy A55,S-2,HY-9001\ntablet,iPad,S-3,TB-9001\n";
    let res = app
        .api_raw_session(
            Method::POST,
            "/api/v1/workplace/devices/import",
            "text/csv",
            good.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.json()["imported"], 3);
    // The same file again: every number is taken, nothing is added.
    let again = app
        .api_raw_session(
            Method::POST,
            "/api/v1/workplace/devices/import",
            "text/csv",
            good.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json()["invalid_params"].as_array().map(Vec::len),
        Some(6)
    );
    assert_eq!(app.count("workplace_device").await, demo + 3);
    let counts = app
        .api(Method::GET, "/api/v1/workplace/inventory", None, None)
        .await;
    assert_eq!(counts.status, 200);
    assert_eq!(counts.json()["counts"].as_array().map(Vec::len), Some(3));

    // The page shows the bad lines in a table.
    let page = app
        .post_multipart(
            "/arbeit/mobil/it/import",
            &[],
            &[("file", "bestand.csv", bad.as_bytes().to_vec())],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("id=\"import-errors\""));
    assert!(page.body.contains("Notebook, Smartphone oder Tablet"));
    assert!(
        page.body.contains("Zeile 2"),
        "duplicate names its first line"
    );
    // A clerk may not import.
    app.logout().await;
    app.login_staff(&t.person_email).await;
    let res = app
        .api_raw_session(
            Method::POST,
            "/api/v1/workplace/devices/import",
            "text/csv",
            good.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(res.status, 403);
}

#[tokio::test]
async fn staff_apply_managers_decide_and_it_equips_through_the_pages() {
    let app = app().await;
    let t = team(&app).await;

    // The person applies on the page; a bad hours value gets the error
    // summary and nothing is stored.
    app.login_staff(&t.person_email).await;
    let page = app.get("/arbeit/mobil").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"apply\""));
    let bad = app
        .post_form(
            "/arbeit/mobil/antrag",
            &[("weekly_hours", "neununddreißig"), ("day1", "1")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("href=\"#weekly_hours\""));
    assert_eq!(app.count("workplace_enrolment").await, 0);
    let done = app
        .post_form(
            "/arbeit/mobil/antrag",
            &[
                ("weekly_hours", "19,5"),
                ("day1", "1"),
                ("day2", "1"),
                ("day3", "1"),
                ("note", "Teilzeit"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let own = app
        .api(
            Method::GET,
            "/api/v1/workplace/people/me/enrolments",
            None,
            None,
        )
        .await;
    assert_eq!(own.json()[0]["weekly_minutes"], 1170);
    assert_eq!(own.json()[0]["work_days"], "1,2,3");
    app.logout().await;

    // The manager sees the application and must give a reason to decline.
    app.login_staff(&t.manager_email).await;
    let team_page = app.get("/arbeit/mobil/team").await;
    assert!(team_page.body.contains("Teilzeit"));
    let id = own.json()[0]["id"].as_str().expect("id").to_owned();
    let refused = app
        .post_form(
            &format!("/arbeit/mobil/team/antraege/{id}"),
            &[("decision", "decline")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains(&format!("href=\"#reason-{id}\"")));
    let ok = app
        .post_form(
            &format!("/arbeit/mobil/team/antraege/{id}"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(ok.status, 303);
    let team_page = app.get("/arbeit/mobil/team").await;
    assert!(team_page.body.contains("id=\"team-readiness\""));
    app.logout().await;

    // IT sees the person on the worklist, issues a notebook by its
    // inventory number and grants VPN.
    let number = format!("NB-{}", Uuid::now_v7().simple());
    notebook(&app, &t, &number).await;
    app.login_staff(&t.it_email).await;
    let it = app.get("/arbeit/mobil/it").await;
    assert_eq!(it.status, 200);
    let person = me(&t.person).0.to_string();
    assert!(it.body.contains(&format!("eq-{person}")));
    let wrong = app
        .post_form(
            "/arbeit/mobil/it/ausgabe",
            &[
                ("account_id", &person),
                (&format!("inventory_no-{person}"), "GIBT-ES-NICHT"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong
            .body
            .contains(&format!("href=\"#inventory_no-{person}\""))
    );
    let issued = app
        .post_form(
            "/arbeit/mobil/it/ausgabe",
            &[
                ("account_id", &person),
                (&format!("inventory_no-{person}"), &number),
            ],
        )
        .await;
    assert_eq!(issued.status, 303, "{}", issued.body);
    let vpn = app
        .post_form(
            "/arbeit/mobil/it/vpn",
            &[
                ("account_id", &person),
                (&format!("starts_on-{person}"), ""),
                (&format!("ends_on-{person}"), ""),
            ],
        )
        .await;
    assert_eq!(vpn.status, 303, "{}", vpn.body);
    app.logout().await;

    // The person confirms receipt and sees device and VPN done.
    app.login_staff(&t.person_email).await;
    let own = app.get("/arbeit/mobil").await;
    let ack = own.form_action("/empfang").expect("acknowledge form");
    let res = app.post_form(&ack, &[]).await;
    assert_eq!(res.status, 303);
    let r = app
        .api(
            Method::GET,
            "/api/v1/workplace/people/me/readiness",
            None,
            None,
        )
        .await
        .json();
    let done: Vec<&str> = r["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["done"] == true)
        .filter_map(|i| i["item"].as_str())
        .collect();
    assert_eq!(done, vec!["device", "vpn"]);
    // Confirming the training on the page with a future date: error.
    let tomorrow = (app.app.workplace.today() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    let res = app
        .post_form(
            &format!("/arbeit/mobil/checkliste/{person}/privacy_training"),
            &[("privacy_training_on", &tomorrow)],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("href=\"#privacy_training_on\""));
}

#[tokio::test]
async fn hr_versions_the_agreement_and_an_excluded_unit_cannot_apply() {
    let app = app().await;
    let t = team(&app).await;
    let hr_email = format!("personal-{}@musterstadt.example", Uuid::now_v7().simple());
    app.create_staff(&hr_email, "10", &[Role::Hr]).await;
    let unit: Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM identity_org_unit WHERE code = $1").bind(&t.unit).fetch_one(pool).await).expect("unit");
    let today = app.app.workplace.today().format("%Y-%m-%d").to_string();
    let body = |percent: u32, unit: Uuid| {
        json!({
            "valid_from": today,
            "max_mobile_percent": percent,
            "core_start": "09:00",
            "core_end": "14:30",
            "notice_days": 28,
            "training_months": 12,
            "exclusions": [{"unit": unit, "eligibility": "excluded"}],
            "visibility": "manager",
            "plan_retention_days": 180,
            "min_group": 5
        })
    };
    // A clerk may not; HR's bad input is named per field.
    app.login_staff(&t.person_email).await;
    let res = app
        .api(
            Method::POST,
            "/api/v1/workplace/agreements",
            None,
            Some(body(40, unit)),
        )
        .await;
    assert_eq!(res.status, 403);
    app.logout().await;
    app.login_staff(&hr_email).await;
    let res = app
        .api(
            Method::POST,
            "/api/v1/workplace/agreements",
            None,
            Some(body(140, Uuid::now_v7())),
        )
        .await;
    assert_eq!(res.status, 400);
    let names: Vec<String> = res.json()["invalid_params"]
        .as_array()
        .expect("params")
        .iter()
        .filter_map(|p| p["field"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names, vec!["max_mobile_percent", "exclusions[0].unit"]);
    let res = app
        .api(
            Method::POST,
            "/api/v1/workplace/agreements",
            None,
            Some(body(50, unit)),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.json()["version"], 3);
    assert_eq!(res.json()["max_mobile_permille"], 500);
    let page = app.get("/arbeit/mobil/vereinbarung").await;
    assert!(page.body.contains("id=\"save-agreement\""));
    assert!(page.body.contains("50 %"));
    app.logout().await;

    // The unit is excluded now: the page says so and applying is refused.
    app.login_staff(&t.person_email).await;
    let own = app.get("/arbeit/mobil").await;
    assert!(own.body.contains("id=\"excluded\""));
    let res = app
        .api(
            Method::POST,
            "/api/v1/workplace/enrolments",
            None,
            Some(json!({"weekly_minutes": 2340, "work_days": [1, 2, 3, 4, 5]})),
        )
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.json()["invalid_params"][0]["code"],
        "workplace_unit_excluded"
    );
    // Everyone may read the agreement, but not change it from the page.
    let page = app.get("/arbeit/mobil/vereinbarung").await;
    assert!(page.body.contains("id=\"max-share\""));
    assert!(!page.body.contains("id=\"save-agreement\""));
}
