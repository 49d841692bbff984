//! Co-signing routes: sequential and parallel stages, a reservation sends
//! the route back and the revision starts a new round (old signatures stay
//! on record but do not count), the final signature only with authority,
//! no double signature, stale versions refused, signatures that fail for
//! a changed byte, concurrent decisions on one parallel stage.

use crate::delivery::{actor_of, app, citizen_case};
use cosigning::CosigningError;
use cosigning::domain::{Decision, StepInput, StepKind};
use cosigning::service::{DecisionInput, RouteInput, RouteView};
use kernel::{AccountId, Actor, CaseId, OrgUnitId, Role};
use reqwest::Method;
use serde_json::json;
use testkit::TestApp;
use uuid::Uuid;

struct People {
    lead: Actor,
    a: Actor,
    b_unit: OrgUnitId,
    b: Actor,
    head: Actor,
    case: cases::store::Case,
    document: kernel::DocumentId,
}

async fn unit_id(app: &TestApp, code: &str) -> Uuid {
    storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM identity_org_unit WHERE code = $1").bind(code).fetch_one(pool).await).expect("unit")
}

/// A case of the Bürgeramt with a draft document, its lead clerk, a
/// co-signer in person, a co-signing unit (Ordnungsamt) with a clerk, and
/// a head with signing authority.
async fn people(app: &TestApp) -> People {
    let case = citizen_case(app).await;
    let code = crate::case_work::unit_code(app, &case).await;
    let n = Uuid::now_v7().simple().to_string();
    let lead = app
        .create_staff(
            &format!("lead-{n}@musterstadt.example"),
            &code,
            &[Role::Clerk],
        )
        .await;
    let a = app
        .create_staff(&format!("a-{n}@musterstadt.example"), &code, &[Role::Clerk])
        .await;
    let b = app
        .create_staff(&format!("b-{n}@musterstadt.example"), "32", &[Role::Clerk])
        .await;
    let head = app
        .create_staff(
            &format!("head-{n}@musterstadt.example"),
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
    let lead = actor_of(app, lead).await;
    let (v, _) = app
        .app
        .cases
        .upload(
            &lead,
            CaseId(case.id),
            cases::work::Upload {
                title: "Entwurf Stellungnahme".into(),
                document: None,
                file_name: "Entwurf.txt".into(),
                bytes: bytes::Bytes::from_static(b"Entwurf der Stellungnahme, Fassung 1\n"),
                note: String::new(),
            },
            None,
        )
        .await
        .expect("draft");
    People {
        lead,
        a: actor_of(app, a).await,
        b_unit: OrgUnitId(unit_id(app, "32").await),
        b: actor_of(app, b).await,
        head: actor_of(app, head).await,
        case,
        document: kernel::DocumentId(v.document_id),
    }
}

/// Another manager of the case's unit (a deputy, without authority).
async fn manager(app: &TestApp, p: &People, email: &str) -> Actor {
    let code = crate::case_work::unit_code(app, &p.case).await;
    let id = app.create_staff(email, &code, &[Role::Manager]).await;
    actor_of(app, id).await
}

fn person(kind: StepKind, who: &Actor) -> StepInput {
    StepInput {
        kind,
        account_id: who.account,
        unit_id: None,
        due_on: None,
    }
}

fn step_of(view: &RouteView, round: i64, stage: i64, position: i64) -> Uuid {
    view.steps
        .iter()
        .find(|s| s.round == round && s.stage == stage && s.position == position)
        .map(|s| s.id)
        .expect("step")
}

fn approve(version: Uuid) -> DecisionInput {
    DecisionInput {
        version_id: version,
        decision: Decision::Approve,
        comment: String::new(),
        passage: String::new(),
    }
}

#[tokio::test]
async fn a_reservation_sends_the_route_back_and_the_revision_starts_a_new_round() {
    let app = app().await;
    let p = people(&app).await;
    let svc = &app.app.cosigning;
    let route = svc
        .start(
            &p.lead,
            RouteInput {
                document_id: p.document,
                title: "Stellungnahme zum Antrag".into(),
                stages: vec![
                    vec![
                        person(StepKind::Cosign, &p.a),
                        StepInput {
                            kind: StepKind::Cosign,
                            account_id: None,
                            unit_id: Some(p.b_unit),
                            due_on: None,
                        },
                    ],
                    vec![person(StepKind::Final, &p.head)],
                ],
            },
        )
        .await
        .expect("started");
    // One open route per document: a second one is refused, nothing stored.
    assert!(matches!(
        svc.start(
            &p.lead,
            RouteInput {
                document_id: p.document,
                title: "Zweiter Laufweg".into(),
                stages: vec![vec![person(StepKind::Final, &p.head)]],
            },
        )
        .await,
        Err(CosigningError::Conflict(_))
    ));
    assert_eq!(
        svc.route_open_on(p.document).await.expect("open"),
        Some(route.id)
    );
    let view = svc.view(&p.lead, route.id).await.expect("view");
    let (a1, b1, final1) = (
        step_of(&view, 1, 1, 1),
        step_of(&view, 1, 1, 2),
        step_of(&view, 1, 2, 1),
    );
    let v1 = route.version_id;

    // The requests show on the co-signers' lists (person and unit).
    assert!(
        svc.my_requests(&p.a)
            .await
            .expect("a")
            .iter()
            .any(|r| r.step_id == a1)
    );
    assert!(
        svc.my_requests(&p.b)
            .await
            .expect("b")
            .iter()
            .any(|r| r.step_id == b1)
    );
    // The final stage has not started; nobody else acts on a step.
    assert!(matches!(
        svc.decide(&p.head, route.id, final1, approve(v1)).await,
        Err(CosigningError::Conflict(_))
    ));
    assert!(matches!(
        svc.decide(&p.head, route.id, a1, approve(v1)).await,
        Err(CosigningError::Forbidden)
    ));

    svc.decide(&p.a, route.id, a1, approve(v1))
        .await
        .expect("a approves");
    // Twice: refused, nothing recorded.
    assert!(matches!(
        svc.decide(&p.a, route.id, a1, approve(v1)).await,
        Err(CosigningError::Conflict(_))
    ));
    // A reservation needs a comment.
    let bare = DecisionInput {
        decision: Decision::Reserve,
        ..approve(v1)
    };
    assert!(matches!(
        svc.decide(&p.b, route.id, b1, bare).await,
        Err(CosigningError::Invalid(_))
    ));
    let view = svc
        .decide(
            &p.b,
            route.id,
            b1,
            DecisionInput {
                decision: Decision::Reserve,
                comment: "Die Frist in Absatz 2 ist zu kurz.".into(),
                passage: "Seite 1, Absatz 2".into(),
                ..approve(v1)
            },
        )
        .await
        .expect("reservation");
    assert_eq!(view.route.state, "returned");
    assert_eq!(
        view.steps
            .iter()
            .find(|s| s.id == final1)
            .map(|s| s.state.as_str()),
        Some("skipped")
    );
    assert!(matches!(
        svc.decide(&p.head, route.id, final1, approve(v1)).await,
        Err(CosigningError::Conflict(_))
    ));

    // Revising needs a new version.
    assert!(matches!(
        svc.revise(&p.lead, route.id).await,
        Err(CosigningError::Invalid(_))
    ));
    app.app
        .cases
        .upload(
            &p.lead,
            CaseId(p.case.id),
            cases::work::Upload {
                title: String::new(),
                document: Some(p.document),
                file_name: "Entwurf.txt".into(),
                bytes: bytes::Bytes::from_static(
                    b"Entwurf der Stellungnahme, Fassung 2 mit langer Frist\n",
                ),
                note: "Vorbehalt eingearbeitet".into(),
            },
            None,
        )
        .await
        .expect("revision");
    let view = svc.revise(&p.lead, route.id).await.expect("round 2");
    assert_eq!(view.route.round, 2);
    let v2 = view.route.version_id;
    assert_ne!(v1, v2);
    // Round 1's signatures stay on record, valid, but do not count.
    assert_eq!(view.decisions.len(), 2);
    assert!(view.decisions.iter().all(|d| d.valid && !d.counts));
    let (a2, b2, final2) = (
        step_of(&view, 2, 1, 1),
        step_of(&view, 2, 1, 2),
        step_of(&view, 2, 2, 1),
    );
    // A decision on the old version is refused.
    assert!(matches!(
        svc.decide(&p.a, route.id, a2, approve(v1)).await,
        Err(CosigningError::Conflict(_))
    ));
    svc.decide(&p.a, route.id, a2, approve(v2))
        .await
        .expect("a, round 2");
    svc.decide(&p.b, route.id, b2, approve(v2))
        .await
        .expect("b, round 2");
    // The final signature: through the API, by the head.
    let done = svc
        .decide(&p.head, route.id, final2, approve(v2))
        .await
        .expect("final");
    assert_eq!(done.route.state, "completed");
    assert_eq!(done.decision.capacity.as_deref(), Some("head"));
    let view = svc.view(&p.lead, route.id).await.expect("view");
    assert_eq!(
        view.decisions
            .iter()
            .filter(|d| d.counts && d.valid)
            .count(),
        3
    );
    // Signers hear when their stage opens; the lead when it comes back and
    // when it is finally signed.
    app.run_jobs().await;
    let mails = app.mails();
    let link = format!("/arbeit/mitzeichnung/{}", route.id);
    let to = |who: &str, text: &str| {
        mails
            .iter()
            .any(|m| m.contains(who) && m.contains(text) && m.contains(&link))
    };
    let (a_mail, head_mail, lead_mail) = (
        email_of(&app, &p.a).await,
        email_of(&app, &p.head).await,
        email_of(&app, &p.lead).await,
    );
    assert!(to(&a_mail, "Ihre Mitzeichnung wird erbeten"));
    assert!(
        to(&head_mail, "Ihre Mitzeichnung wird erbeten"),
        "the final stage opened"
    );
    assert!(to(&lead_mail, "Ihren Entwurf"));
    assert!(to(&lead_mail, "Der Laufweg ist schlussgezeichnet"));
    // Every step is in the case's timeline.
    let timeline = app
        .app
        .cases
        .case_view(&Actor::system("t"), CaseId(p.case.id))
        .await
        .expect("case")
        .timeline;
    let text: Vec<&str> = timeline
        .iter()
        .filter(|t| t.kind == "cosigning")
        .map(|t| t.detail.as_str())
        .collect();
    for want in [
        "Mitzeichnung gestartet",
        "mit Vorbehalt gezeichnet",
        "Runde 2",
        "hat mitgezeichnet",
        "hat schlussgezeichnet",
    ] {
        assert!(text.iter().any(|t| t.contains(want)), "{want} in {text:?}");
    }

    // One changed byte of the signed version and its signatures fail.
    let sha = view.route.sha256.clone();
    let blob = app
        .app
        .settings
        .data_dir
        .join("blobs")
        .join("sha256")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(&sha);
    let mut bytes = std::fs::read(&blob).expect("blob");
    bytes[3] ^= 0x01;
    std::fs::write(&blob, &bytes).expect("tamper");
    let view = svc.view(&p.lead, route.id).await.expect("view");
    assert!(view.decisions.iter().filter(|d| d.counts).all(|d| !d.valid));
    assert!(
        view.decisions.iter().filter(|d| !d.counts).all(|d| d.valid),
        "round 1's version is untouched"
    );
}

#[tokio::test]
async fn a_route_without_a_final_signer_with_authority_cannot_start() {
    let mut app = app().await;
    let p = people(&app).await;
    let svc = app.app.cosigning.clone();
    let start = |stages: Vec<Vec<StepInput>>| RouteInput {
        document_id: p.document,
        title: "Entwurf".into(),
        stages,
    };
    let err = |r: Result<cosigning::store::Route, CosigningError>| match r {
        Err(CosigningError::Invalid(e)) => e,
        other => panic!("expected invalid, got {other:?}"),
    };
    let e = err(svc
        .start(&p.lead, start(vec![vec![person(StepKind::Cosign, &p.a)]]))
        .await);
    assert_eq!(
        e.get("stages").map(|e| e.code.as_str()),
        Some("route_final_missing")
    );
    // The co-signer has no signing authority.
    let e = err(svc
        .start(&p.lead, start(vec![vec![person(StepKind::Final, &p.a)]]))
        .await);
    assert_eq!(
        e.get("stages[0][0]").map(|e| e.code.as_str()),
        Some("route_final_no_authority")
    );
    // The lead clerk does not co-sign their own draft.
    let e = err(svc
        .start(
            &p.lead,
            start(vec![
                vec![person(StepKind::Cosign, &p.lead)],
                vec![person(StepKind::Final, &p.head)],
            ]),
        )
        .await);
    assert_eq!(
        e.get("stages[0][0]").map(|e| e.code.as_str()),
        Some("route_lead_cosigns")
    );
    assert_eq!(app.count("cosigning_route").await, 0);
    // Someone of another unit cannot route the unit's document.
    assert!(matches!(
        svc.start(&p.b, start(vec![vec![person(StepKind::Final, &p.head)]]))
            .await,
        Err(CosigningError::Forbidden)
    ));

    // Through the API, as the lead clerk's session: 400 naming the step.
    app.new_browser();
    let email: String = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT email FROM identity_account WHERE id = $1").bind(p.lead.account.map(|a| a.0)).fetch_one(pool).await).expect("email");
    app.login_staff(&email).await;
    let bad = app
        .api(
            Method::POST,
            "/api/v1/cosigning/routes",
            None,
            Some(json!({
                "document_id": p.document.0, "title": "Entwurf",
                "stages": [[{"kind": "final", "account_id": p.a.account.map(|a| a.0)}]],
            })),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("stages[0][0]"), "{}", bad.body);
    let ok = app
        .api(Method::POST, "/api/v1/cosigning/routes", None, Some(json!({
            "document_id": p.document.0, "title": "Entwurf",
            "stages": [[{"kind": "acknowledge", "account_id": p.a.account.map(|a| a.0)}], [{"kind": "final", "account_id": p.head.account.map(|a| a.0)}]],
        })))
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let id = ok.json()["id"].as_str().expect("id").to_owned();
    let view = app
        .api(
            Method::GET,
            &format!("/api/v1/cosigning/routes/{id}"),
            None,
            None,
        )
        .await;
    assert_eq!(view.status, 200);
    assert_eq!(view.json()["steps"].as_array().map(Vec::len), Some(2));
    // A head without authority any more cannot sign finally.
    let authorities = app
        .app
        .cases
        .authorities(&Actor::system("t"))
        .await
        .expect("list");
    for a in authorities
        .iter()
        .filter(|a| Some(AccountId(a.account_id)) == p.head.account)
    {
        app.app
            .cases
            .revoke_authority(&Actor::system("t"), a.id)
            .await
            .expect("revoke");
    }
    let route: Uuid = id.parse().expect("uuid");
    let v = svc.view(&p.lead, route).await.expect("view");
    let ack = step_of(&v, 1, 1, 1);
    svc.decide(&p.a, route, ack, approve(v.route.version_id))
        .await
        .expect("acknowledged");
    let fin = step_of(&v, 1, 2, 1);
    assert!(matches!(
        svc.decide(&p.head, route, fin, approve(v.route.version_id))
            .await,
        Err(CosigningError::Forbidden)
    ));
}

#[tokio::test]
async fn concurrent_decisions_on_a_parallel_stage_open_the_next_stage_once() {
    let app = app().await;
    let p = people(&app).await;
    let svc = app.app.cosigning.clone();
    let route = svc
        .start(
            &p.lead,
            RouteInput {
                document_id: p.document,
                title: "Parallel".into(),
                stages: vec![
                    vec![
                        person(StepKind::Cosign, &p.a),
                        person(StepKind::Cosign, &p.b),
                    ],
                    vec![person(StepKind::Final, &p.head)],
                ],
            },
        )
        .await
        .expect("started");
    let view = svc.view(&p.lead, route.id).await.expect("view");
    let (sa, sb) = (step_of(&view, 1, 1, 1), step_of(&view, 1, 1, 2));
    let v = route.version_id;
    let (ra, rb) = tokio::join!(
        svc.decide(&p.a, route.id, sa, approve(v)),
        svc.decide(&p.b, route.id, sb, approve(v)),
    );
    ra.expect("a");
    rb.expect("b");
    let view = svc.view(&p.lead, route.id).await.expect("view");
    let fin = view.steps.iter().find(|s| s.stage == 2).expect("final");
    assert_eq!(fin.state, "open");
    assert_eq!(view.route.state, "running");
    assert_eq!(view.decisions.len(), 2);
}

#[tokio::test]
async fn the_deputy_of_an_absent_head_signs_finally_in_vertretung_with_both_names() {
    let app = app().await;
    let p = people(&app).await;
    let svc = app.app.cosigning.clone();
    let deputy = manager(&app, &p, "vertretung-leitung@musterstadt.example").await;
    let route = svc
        .start(
            &p.lead,
            RouteInput {
                document_id: p.document,
                title: "Bescheidentwurf".into(),
                stages: vec![vec![person(StepKind::Final, &p.head)]],
            },
        )
        .await
        .expect("started");
    let view = svc.view(&p.lead, route.id).await.expect("view");
    let fin = step_of(&view, 1, 1, 1);
    // Before the absence the deputy has nothing to do here.
    assert!(svc.my_requests(&deputy).await.expect("requests").is_empty());
    assert!(matches!(
        svc.decide(&deputy, route.id, fin, approve(route.version_id))
            .await,
        Err(CosigningError::Forbidden)
    ));
    // The head is absent today: the deputy period.
    let today = kernel::Clock::now(&app.clock).date_naive();
    app.app
        .identity
        .add_deputy(
            &Actor::system("t"),
            p.head.account.expect("head"),
            deputy.account.expect("deputy"),
            today - chrono::Days::new(1),
            today + chrono::Days::new(7),
        )
        .await
        .expect("deputy");
    let requests = svc.my_requests(&deputy).await.expect("requests");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].account_id, p.head.account.map(|a| a.0));
    let done = svc
        .decide(&deputy, route.id, fin, approve(route.version_id))
        .await
        .expect("signed in Vertretung");
    assert_eq!(done.route.state, "completed");
    let view = svc.view(&p.lead, route.id).await.expect("view");
    let d = &view.decisions[0].decision;
    assert_eq!(d.id, done.decision.id);
    assert_eq!(d.actor_id, deputy.account.expect("deputy").0);
    assert_eq!(d.acting_for_id, p.head.account.map(|a| a.0));
    assert_eq!(d.actor_name, deputy.name);
    assert_eq!(d.acting_for_name.as_deref(), Some(p.head.name.as_str()));
    assert_eq!(d.capacity.as_deref(), Some("deputy"));
    assert!(view.decisions[0].valid);
    let timeline = app
        .app
        .cases
        .case_view(&Actor::system("t"), CaseId(p.case.id))
        .await
        .expect("case")
        .timeline;
    let expected = format!(
        "{} in Vertretung für {} hat schlussgezeichnet",
        deputy.name, p.head.name
    );
    assert!(
        timeline.iter().any(|t| t.detail.starts_with(&expected)),
        "{expected}"
    );
}

/// The action of the first decision form of a route page.
fn decision_action(page: &testkit::Page) -> String {
    page.body
        .split("action=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|a| a.contains("/schritte/"))
        .expect("a decision form")
        .to_owned()
}

async fn email_of(app: &TestApp, who: &Actor) -> String {
    storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT email FROM identity_account WHERE id = $1").bind(who.account.map(|a| a.0)).fetch_one(pool).await).expect("email")
}

#[tokio::test]
async fn the_route_is_started_and_signed_from_the_pages_in_one_tap_each() {
    let mut app = app().await;
    let p = people(&app).await;
    app.new_browser();
    app.login_staff(&email_of(&app, &p.lead).await).await;
    let case_page = app.get(&format!("/arbeit/vorgaenge/{}", p.case.id)).await;
    let start = format!("/arbeit/mitzeichnung/neu?dokument={}", p.document.0);
    assert!(
        case_page.body.contains(&start.replace('&', "&amp;")),
        "{}",
        case_page.body
    );
    let form = app.get(&start).await;
    assert_eq!(form.status, 200);
    let a = format!("a:{}", p.a.account.map(|x| x.0).expect("a"));
    let head = format!("a:{}", p.head.account.map(|x| x.0).expect("head"));
    let doc = p.document.0.to_string();
    // Without a final signer: the error summary names the field.
    let missing = app
        .post_form(
            "/arbeit/mitzeichnung/neu",
            &[
                ("document", &doc),
                ("title", "Stellungnahme"),
                ("s1_1_who", &a),
            ],
        )
        .await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(
        missing.body.contains("href=\"#final_who\""),
        "{}",
        missing.body
    );
    // A co-signer without authority as final signer: named at the field.
    let no_authority = app
        .post_form(
            "/arbeit/mitzeichnung/neu",
            &[
                ("document", &doc),
                ("title", "Stellungnahme"),
                ("final_who", &a),
            ],
        )
        .await;
    assert_eq!(no_authority.status, 422);
    assert!(
        no_authority.body.contains("href=\"#final_who\""),
        "{}",
        no_authority.body
    );
    assert_eq!(app.count("cosigning_route").await, 0);
    let started = app
        .post_form(
            "/arbeit/mitzeichnung/neu",
            &[
                ("document", &doc),
                ("title", "Stellungnahme zum Antrag"),
                ("s1_1_kind", "cosign"),
                ("s1_1_who", &a),
                ("final_who", &head),
            ],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let route = started.location.clone().expect("route page");

    // The co-signer finds it on the start page and signs in one tap.
    app.new_browser();
    app.login_staff(&email_of(&app, &p.a).await).await;
    let home = app.get("/arbeit").await;
    assert!(
        home.body.contains("Stellungnahme zum Antrag") && home.body.contains(&route),
        "{}",
        home.body
    );
    let page = app.get(&route).await;
    let action = decision_action(&page);
    let version = page
        .between("name=\"version_id\" value=\"", "\"")
        .expect("version");
    let signed = app
        .post_form(
            &action,
            &[("version_id", &version), ("decision", "approve")],
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    // A reservation without a reason would have been refused on the page.
    let again = app
        .post_form(
            &action,
            &[("version_id", &version), ("decision", "approve")],
        )
        .await;
    assert_eq!(again.status, 409, "decided before");

    // The head signs finally; the strip shows who, what and in whose name.
    app.new_browser();
    app.login_staff(&email_of(&app, &p.head).await).await;
    let page = app.get(&route).await;
    let action = decision_action(&page);
    assert_eq!(
        app.post_form(
            &action,
            &[("version_id", &version), ("decision", "approve")]
        )
        .await
        .status,
        303
    );
    let page = app.get(&route).await;
    assert!(page.body.contains("id=\"strip\""));
    assert!(page.body.contains(&p.a.name) && page.body.contains(&p.head.name));
    assert!(page.body.contains("schlussgezeichnet"), "{}", page.body);
    let doc = app.get(&format!("{route}/fassungen/{version}")).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body.starts_with("Entwurf der Stellungnahme"));
}

/// The case page's view of a notice of the people's case.
async fn notice_view(
    app: &TestApp,
    p: &People,
    notice: Uuid,
) -> cases::notices::service::NoticeView {
    app.app
        .cases
        .case_view(&Actor::system("t"), CaseId(p.case.id))
        .await
        .expect("case")
        .notices
        .into_iter()
        .find(|n| n.notice.id == notice)
        .expect("the notice")
}

#[tokio::test]
async fn the_final_signature_of_a_notice_route_by_the_heads_deputy_seals_the_notice_in_vertretung()
{
    let app = app().await;
    let p = people(&app).await;
    let svc = app.app.cosigning.clone();
    let notice = app
        .app
        .cases
        .start_notice(
            &p.lead,
            CaseId(p.case.id),
            p.case.revision,
            "Ihrem Antrag wird entsprochen.",
        )
        .await
        .expect("notice");
    app.run_jobs().await;
    let draft = notice_view(&app, &p, notice.id).await.notice;
    let document = kernel::DocumentId(draft.document_id.expect("typeset"));
    // The head is absent; the deputy (a manager without own authority)
    // signs finally for her.
    let deputy = manager(&app, &p, "vertretung-bescheid@musterstadt.example").await;
    let today = kernel::Clock::now(&app.clock).date_naive();
    app.app
        .identity
        .add_deputy(
            &Actor::system("t"),
            p.head.account.expect("head"),
            deputy.account.expect("deputy"),
            today,
            today,
        )
        .await
        .expect("deputy");
    let route = svc
        .start(
            &p.lead,
            RouteInput {
                document_id: document,
                title: "Bescheid".into(),
                stages: vec![
                    vec![person(StepKind::Cosign, &p.a)],
                    vec![person(StepKind::Final, &p.head)],
                ],
            },
        )
        .await
        .expect("route");
    assert_eq!(
        Some(route.version_id),
        draft.draft_version_id,
        "the draft is routed"
    );
    // While the route runs, the final signature is given in it, not directly.
    assert!(matches!(
        app.app
            .cases
            .sign_notice(&p.head, CaseId(p.case.id), notice.id)
            .await,
        Err(cases::CasesError::Conflict(_))
    ));
    // The case shows the running route where the signature would be.
    let shown = notice_view(&app, &p, notice.id).await;
    assert_eq!(shown.route, Some(route.id));
    let view = svc.view(&p.lead, route.id).await.expect("view");
    // A reservation: the lead revises the notice's text, which is typeset
    // as the next version of its document, and starts the new round.
    svc.decide(
        &p.a,
        route.id,
        step_of(&view, 1, 1, 1),
        DecisionInput {
            decision: Decision::Reserve,
            comment: "Die Begründung fehlt.".into(),
            ..approve(route.version_id)
        },
    )
    .await
    .expect("reservation");
    app.app
        .cases
        .revise_notice(
            &p.lead,
            CaseId(p.case.id),
            notice.id,
            "Ihrem Antrag wird entsprochen.\n\nBegründung: Die Voraussetzungen liegen vor.",
        )
        .await
        .expect("revised");
    app.run_jobs().await;
    let view = svc.revise(&p.lead, route.id).await.expect("round 2");
    assert_ne!(view.route.version_id, route.version_id, "the revised draft");
    let v2 = view.route.version_id;
    svc.decide(&p.a, route.id, step_of(&view, 2, 1, 1), approve(v2))
        .await
        .expect("co-signed");
    svc.decide(&deputy, route.id, step_of(&view, 2, 2, 1), approve(v2))
        .await
        .expect("final");
    app.run_jobs().await;
    let n = notice_view(&app, &p, notice.id).await;
    assert_eq!(n.notice.state, "final", "{:?}", n.notice.error);
    assert_eq!(n.notice.capacity.as_deref(), Some("deputy"));
    assert_eq!(n.notice.signer_name.as_deref(), Some(deputy.name.as_str()));
    assert!(n.signatures.iter().all(|(_, valid)| *valid) && !n.signatures.is_empty());
    assert!(n.notice.final_version_id.is_some(), "sealed final version");
}

#[tokio::test]
async fn a_step_due_is_reminded_once_and_an_overdue_step_is_escalated_to_the_management() {
    use chrono::TimeZone;
    let mut app = app().await;
    let p = people(&app).await;
    let svc = app.app.cosigning.clone();
    let due = chrono::NaiveDate::from_ymd_opt(2027, 1, 6).expect("day");
    let mut step_a = person(StepKind::Cosign, &p.a);
    step_a.due_on = Some(due);
    let route = svc
        .start(
            &p.lead,
            RouteInput {
                document_id: p.document,
                title: "Fristsache".into(),
                stages: vec![vec![step_a], vec![person(StepKind::Final, &p.head)]],
            },
        )
        .await
        .expect("route");
    let view = svc.view(&p.lead, route.id).await.expect("view");
    let a1 = step_of(&view, 1, 1, 1);
    // Not due yet: no reminder, nothing overdue, nothing to escalate.
    assert_eq!(svc.remind_due().await.expect("remind"), 0);
    assert!(svc.overdue(&p.lead).await.expect("overdue").is_empty());
    assert!(matches!(
        svc.escalate(&p.lead, route.id, a1).await,
        Err(CosigningError::Conflict(_))
    ));

    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2027, 1, 6, 7, 0, 0)
            .single()
            .expect("time"),
    );
    assert_eq!(svc.remind_due().await.expect("remind"), 1);
    assert_eq!(
        svc.remind_due().await.expect("again"),
        0,
        "one reminder per step"
    );
    app.run_jobs().await;
    let a_mail = email_of(&app, &p.a).await;
    assert!(
        app.mails().iter().any(|m| m.contains(&a_mail)
            && m.contains("06.01.2027")
            && m.contains(&format!("/arbeit/mitzeichnung/{}", route.id))),
        "reminder to the co-signer"
    );

    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2027, 1, 7, 7, 0, 0)
            .single()
            .expect("time"),
    );
    let overdue = svc.overdue(&p.lead).await.expect("overdue");
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].step_id, a1);
    // The unit's manager sees it too; a clerk of another unit may not escalate.
    assert_eq!(svc.overdue(&p.head).await.expect("manager").len(), 1);
    assert!(matches!(
        svc.escalate(&p.b, route.id, a1).await,
        Err(CosigningError::Forbidden)
    ));
    svc.escalate(&p.lead, route.id, a1)
        .await
        .expect("escalated");
    assert!(matches!(
        svc.escalate(&p.lead, route.id, a1).await,
        Err(CosigningError::Conflict(_))
    ));
    app.run_jobs().await;
    let head_mail = email_of(&app, &p.head).await;
    assert!(
        app.mails()
            .iter()
            .any(|m| m.contains(&head_mail) && m.contains("überfällig"))
    );
    let timeline = app
        .app
        .cases
        .case_view(&Actor::system("t"), CaseId(p.case.id))
        .await
        .expect("case")
        .timeline;
    assert!(timeline.iter().any(|t| t.detail.contains("eskaliert")));

    // The page marks the step overdue; the start page lists it for the lead.
    app.new_browser();
    app.login_staff(&email_of(&app, &p.lead).await).await;
    let page = app.get(&format!("/arbeit/mitzeichnung/{}", route.id)).await;
    assert!(page.body.contains("rh-overdue"), "{}", page.body);
    let home = app.get("/arbeit").await;
    assert!(home.body.contains("Fristsache"), "{}", home.body);
    // A due date in the past is refused on the start form.
    let doc = p.document.0.to_string();
    let head = format!("a:{}", p.head.account.map(|x| x.0).expect("head"));
    let past = app
        .post_form(
            "/arbeit/mitzeichnung/neu",
            &[
                ("document", &doc),
                ("title", "Alt"),
                ("final_who", &head),
                ("final_due", "2027-01-01"),
            ],
        )
        .await;
    assert_eq!(past.status, 422);
    assert!(past.body.contains("href=\"#final_due\""), "{}", past.body);
}

#[tokio::test]
async fn a_person_reports_their_absence_and_their_deputy_signs_for_them() {
    let mut app = app().await;
    let p = people(&app).await;
    app.new_browser();
    app.login_staff(&email_of(&app, &p.head).await).await;
    let page = app.get("/arbeit/konto").await;
    assert!(page.body.contains("id=\"report-absence\""), "{}", page.body);
    // The lead is a colleague in the unit and can be chosen as deputy.
    let lead = p.lead.account.expect("lead").to_string();
    assert!(page.body.contains(&lead), "{}", page.body);
    let bad = app
        .post_form(
            "/arbeit/konto/abwesenheit",
            &[
                ("deputy", ""),
                ("starts_on", "2027-01-04"),
                ("ends_on", "2027-01-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("href=\"#deputy\"") && bad.body.contains("href=\"#ends_on\""),
        "{}",
        bad.body
    );
    let a = p.a.account.expect("a").to_string();
    let ok = app
        .post_form(
            "/arbeit/konto/abwesenheit",
            &[
                ("deputy", &a),
                ("starts_on", "2027-01-04"),
                ("ends_on", "2027-01-08"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(
        app.get("/arbeit/konto")
            .await
            .body
            .contains("id=\"absences\"")
    );
    // The absent head's final signature now waits on the deputy (a) —
    // who is not the lead, so may act in Vertretung.
    let svc = app.app.cosigning.clone();
    let route = svc
        .start(
            &p.lead,
            RouteInput {
                document_id: p.document,
                title: "Urlaubsvertretung".into(),
                stages: vec![vec![person(StepKind::Final, &p.head)]],
            },
        )
        .await
        .expect("route");
    assert_eq!(svc.my_requests(&p.a).await.expect("requests").len(), 1);
    let view = svc.view(&p.lead, route.id).await.expect("view");
    let err = svc
        .decide(
            &p.a,
            route.id,
            step_of(&view, 1, 1, 1),
            approve(route.version_id),
        )
        .await;
    // a holds no authority of their own, but signs with the head's.
    let done = err.expect("signed in Vertretung");
    assert_eq!(done.decision.capacity.as_deref(), Some("deputy"));
}
