//! Closing: only with the notice notified (or another outcome documented)
//! and the fee settled, waived or handed over; then the case is final
//! (only the records office adds notes) and the file's retention runs from
//! the end of the closing year.

use chrono::{NaiveDate, TimeZone, Utc};
use kernel::{Actor, CaseId, Role};
use reqwest::Method;
use serde_json::json;
use testkit::{TestApp, spawn_app_with};

async fn actor_of(app: &TestApp, id: kernel::AccountId) -> Actor {
    let (acc, _) = app
        .app
        .identity
        .account(&Actor::system("t"), id)
        .await
        .expect("account");
    app.app.identity.actor_for(&acc).await.expect("actor")
}

async fn revision(app: &TestApp, id: uuid::Uuid) -> i64 {
    storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT revision FROM cases_case WHERE id = $1").bind(id).fetch_one(pool).await).expect("revision")
}

#[tokio::test]
async fn a_case_closes_only_when_notified_and_settled_and_is_final_afterwards() {
    let app = spawn_app_with(|s| s.fees.iban = "DE02120300000000202051".into()).await;
    app.clock.set(
        Utc.with_ymd_and_hms(2027, 6, 15, 9, 0, 0)
            .single()
            .expect("time"),
    );
    app.seed_demo().await;
    let token = app.api_token(&["submissions:write"]).await;
    crate::cases::submit(&app, &token).await;
    app.run_jobs().await;
    let id: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_case").fetch_one(pool).await).expect("case");
    let case = app
        .app
        .cases
        .case_view(&Actor::system("t"), CaseId(id))
        .await
        .expect("view")
        .case;
    let code = crate::case_work::unit_code(&app, &case).await;
    let clerk = app
        .create_staff("sb-abschluss@musterstadt.example", &code, &[Role::Clerk])
        .await;
    let head = app
        .create_staff(
            "leitung-abschluss@musterstadt.example",
            &code,
            &[Role::Manager],
        )
        .await;
    let clerk = actor_of(&app, clerk).await;
    let svc = &app.app.cases;
    svc.grant_authority(
        &Actor::system("t"),
        head,
        kernel::OrgUnitId(case.org_unit_id),
        cases::notices::domain::Capacity::Head,
    )
    .await
    .expect("authority");
    svc.set_fee(&clerk, CaseId(id), 1, 3060, "Gebühr")
        .await
        .expect("fee");

    // Nothing notified yet and the fee open: refused with both reasons.
    match svc
        .close_case(&clerk, CaseId(id), revision(&app, id).await, "")
        .await
    {
        Err(cases::CasesError::Invalid(e)) => {
            let codes: Vec<&str> = e.0.iter().map(|e| e.code.as_str()).collect();
            assert_eq!(codes, vec!["close_needs_notice", "close_needs_fee"]);
        }
        other => panic!("expected refusal, got {other:?}"),
    }
    // The status change cannot go around it.
    svc.change_status(
        &clerk,
        CaseId(id),
        "in_bearbeitung",
        revision(&app, id).await,
    )
    .await
    .expect("in progress");
    svc.change_status(&clerk, CaseId(id), "entschieden", revision(&app, id).await)
        .await
        .expect("decided");
    assert!(matches!(
        svc.change_status(
            &clerk,
            CaseId(id),
            "abgeschlossen",
            revision(&app, id).await
        )
        .await,
        Err(cases::CasesError::Invalid(_))
    ));

    // Notice signed, sent by post (notified on the fourth day), fee paid.
    let notice = svc
        .start_notice(&clerk, CaseId(id), revision(&app, id).await, "Bewilligt.")
        .await
        .expect("notice");
    app.run_jobs().await;
    svc.sign_notice(&actor_of(&app, head).await, CaseId(id), notice.id)
        .await
        .expect("sign");
    app.run_jobs().await;
    svc.deliver_notice(&clerk, CaseId(id), notice.id, mailbox::Channel::Post)
        .await
        .expect("post");
    app.run_jobs().await;
    // Notified (its day is fixed), but the fee is still open.
    match svc
        .close_case(&clerk, CaseId(id), revision(&app, id).await, "")
        .await
    {
        Err(cases::CasesError::Invalid(e)) => {
            let codes: Vec<&str> = e.0.iter().map(|e| e.code.as_str()).collect();
            assert_eq!(codes, vec!["close_needs_fee"]);
        }
        other => panic!("expected refusal, got {other:?}"),
    }
    app.clock.set(
        Utc.with_ymd_and_hms(2027, 6, 19, 9, 0, 0)
            .single()
            .expect("time"),
    );
    let claim: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_fee_claim").fetch_one(pool).await).expect("claim");
    let reference: String = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT reference FROM cases_fee_claim WHERE id = $1").bind(claim).fetch_one(pool).await).expect("ref");
    let treasurer = app
        .create_staff(
            "kasse-abschluss@musterstadt.example",
            "20",
            &[Role::Treasury],
        )
        .await;
    svc.report_payments(
        &actor_of(&app, treasurer).await,
        &[serde_json::from_value(json!({"id": "K-1", "reference": reference, "amount": "30.60", "booked_on": "2027-06-18"})).expect("payment")],
    )
    .await
    .expect("paid");

    let closed = svc
        .close_case(&clerk, CaseId(id), revision(&app, id).await, "")
        .await
        .expect("closes");
    assert_eq!(closed.phase, "closed");
    let until: Option<NaiveDate> = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT retention_until FROM records_file WHERE id = $1").bind(case.file_id).fetch_one(pool).await).expect("file");
    let years: i64 = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT n.retention_years FROM records_plan_node n JOIN records_file f ON f.plan_node_id = n.id WHERE f.id = $1").bind(case.file_id).fetch_one(pool).await).expect("years");
    assert_eq!(
        until,
        NaiveDate::from_ymd_opt(2027 + i32::try_from(years).expect("years"), 12, 31),
        "from the end of the closing year"
    );

    // Final: no edits, no uploads, only the records office's notes.
    assert!(matches!(
        svc.add_note(&clerk, CaseId(id), "noch etwas").await,
        Err(cases::CasesError::Conflict(_))
    ));
    assert!(matches!(
        svc.claim(&clerk, CaseId(id), revision(&app, id).await)
            .await,
        Err(cases::CasesError::Conflict(_))
    ));
    let registry = app
        .create_staff(
            "registratur-abschluss@musterstadt.example",
            "13",
            &[Role::RecordsOffice],
        )
        .await;
    let registry = actor_of(&app, registry).await;
    svc.add_note(&registry, CaseId(id), "Aktenplan geprüft")
        .await
        .expect("records office note");
    // The records office reads the closed case with its note; the case
    // page is in the access log like every read.
    let view = svc
        .case_view(&registry, CaseId(id))
        .await
        .expect("readable");
    assert!(
        view.timeline
            .iter()
            .any(|t| t.detail.contains("Aktenplan geprüft"))
    );
}

#[tokio::test]
async fn a_withdrawn_application_closes_with_the_outcome_documented_through_the_api() {
    let app = spawn_app_with(|_| {}).await;
    app.seed_demo().await;
    let token = app.api_token(&["submissions:write"]).await;
    crate::cases::submit(&app, &token).await;
    app.run_jobs().await;
    let id: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_case").fetch_one(pool).await).expect("case");
    let svc = &app.app.cases;
    let case = svc
        .case_view(&Actor::system("t"), CaseId(id))
        .await
        .expect("view")
        .case;
    let code = crate::case_work::unit_code(&app, &case).await;
    let clerk = app
        .create_staff("sb-ruecknahme@musterstadt.example", &code, &[Role::Clerk])
        .await;
    let actor = actor_of(&app, clerk).await;
    svc.change_status(&actor, CaseId(id), "in_bearbeitung", 1)
        .await
        .expect("in progress");
    svc.change_status(&actor, CaseId(id), "entschieden", 2)
        .await
        .expect("decided");
    let mut bound = Actor::system("t");
    bound.account = Some(clerk);
    let (_, clerk_token) = app
        .app
        .identity
        .create_api_token(
            &bound,
            "Fachverfahren",
            &["cases:read".into(), "cases:write".into()],
        )
        .await
        .expect("token");
    let path = format!("/api/v1/cases/{id}/close");
    let refused = app
        .api(
            Method::POST,
            &path,
            Some(&clerk_token),
            Some(json!({"revision": 3})),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("close_needs_notice"),
        "{}",
        refused.body
    );
    let closed = app
        .api(
            Method::POST,
            &path,
            Some(&clerk_token),
            Some(json!({"revision": 3, "outcome": "Antrag am 15.06.2027 zurückgenommen"})),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.json()["phase"], "closed");
    let view = svc.case_view(&actor, CaseId(id)).await.expect("view");
    assert!(
        view.timeline
            .iter()
            .any(|t| t.detail.contains("zurückgenommen"))
    );
    let again = app
        .api(
            Method::POST,
            &path,
            Some(&clerk_token),
            Some(json!({"revision": 4, "outcome": "x"})),
        )
        .await;
    assert_eq!(again.status, 409, "closed once");
}
