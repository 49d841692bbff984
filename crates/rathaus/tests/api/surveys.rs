//! Staff surveys through the service, the API and the pages: the
//! lifecycle with frozen questions, answering once and only in the
//! audience, changing answers with the one-time secret, no stored row or
//! log line that links an answer to a person, results with small groups
//! withheld (also in the CSV and the PDF), reminders only to those who
//! have not taken part.

use crate::delivery::{actor_of, app};
use kernel::{Actor, Role};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use surveys::domain::Answer;
use testkit::TestApp;
use uuid::Uuid;

struct Setup {
    hr: (Actor, String),
    council: (Actor, String),
    /// Staff of the audience's unit.
    staff: Vec<(Actor, String, kernel::AccountId)>,
    /// Someone of another unit.
    stranger: (Actor, String),
    /// Staff of a sub-unit of the audience's unit.
    sub: Vec<(Actor, String, kernel::AccountId)>,
    unit: Uuid,
}

async fn person(
    app: &TestApp,
    local: &str,
    unit: &str,
    roles: &[Role],
) -> (Actor, String, kernel::AccountId) {
    let email = format!("{local}@musterstadt.example");
    let id = app.create_staff(&email, unit, roles).await;
    (actor_of(app, id).await, email, id)
}

async fn setup(app: &TestApp, staff: usize, sub: usize) -> Setup {
    let n = Uuid::now_v7().simple().to_string();
    let tail = &n[n.len() - 6..];
    let unit = format!("8{}", &tail[..4]);
    let hr = person(app, &format!("hr.{tail}"), "0", &[Role::Hr]).await;
    let council = person(app, &format!("pr.{tail}"), "0", &[Role::StaffCouncil]).await;
    let mut people = Vec::new();
    for i in 0..staff {
        people.push(person(app, &format!("p{i}.{tail}"), &unit, &[Role::Clerk]).await);
    }
    let stranger = person(
        app,
        &format!("fremd.{tail}"),
        &format!("9{}", &tail[..4]),
        &[Role::Clerk],
    )
    .await;
    let system = Actor::system("t");
    let units = app.app.identity.org_units(&system).await.expect("units");
    let parent = units
        .iter()
        .find(|u| u.code == unit)
        .map(|u| u.id)
        .expect("unit");
    let child_code = format!("{unit}.1");
    app.app
        .identity
        .create_org_unit(&system, Some(parent), &child_code, "Sachgebiet")
        .await
        .expect("sub-unit");
    let mut subs = Vec::new();
    for i in 0..sub {
        subs.push(person(app, &format!("s{i}.{tail}"), &child_code, &[Role::Clerk]).await);
    }
    Setup {
        hr: (hr.0, hr.1),
        council: (council.0, council.1),
        staff: people,
        stranger: (stranger.0, stranger.1),
        sub: subs,
        unit: parent.0,
    }
}

fn questions() -> Value {
    json!([
        {"id": "zukunft", "section": "Zukunft", "text": "Möchten Sie künftig mobil arbeiten?", "kind": "single", "options": ["ja", "nein"], "required": true},
        {"id": "note", "text": "Wie zufrieden sind Sie?", "kind": "scale", "min": 1, "max": 5, "min_label": "gar nicht", "max_label": "sehr"},
        {"id": "tage", "text": "Tage pro Woche", "kind": "number", "min": 0, "max": 5},
        {"id": "warum", "text": "Warum nicht?", "kind": "text", "max_chars": 500, "condition": {"question": "zukunft", "values": ["nein"]}},
        {"id": "alter", "section": "Angaben zur Person", "text": "Altersgruppe", "kind": "single", "options": ["unter 30", "30 bis 49", "50 und älter"], "demographic": true}
    ])
}

fn input(unit: Uuid, allow_changes: bool) -> surveys::service::SurveyInput {
    serde_json::from_value(json!({
        "title": "Mobiles Arbeiten 2027",
        "intro": "Bitte nehmen Sie teil.",
        "questions": questions(),
        "units": [unit],
        "allow_changes": allow_changes,
    }))
    .expect("input")
}

fn answers(v: Value) -> BTreeMap<String, Answer> {
    serde_json::from_value(v).expect("answers")
}

async fn count_where(app: &TestApp, table: &str, survey: Uuid) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE survey_id = $1");
    storage::on_db!(&app.app.db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(survey).fetch_one(pool).await)
        .expect("count")
}

/// Every stored answer set (ballot box and mixed), each row as text.
async fn stored_answer_rows(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for table in ["surveys_ballot", "surveys_response"] {
        let sql = format!("SELECT id, survey_id, answers, change_hash, day FROM {table}");
        let rows: Vec<(Uuid, Uuid, String, Option<String>, chrono::NaiveDate)> =
            storage::on_db!(&app.app.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await)
                .expect("rows");
        out.extend(
            rows.into_iter()
                .map(|r| format!("{} {} {} {:?} {}", r.0, r.1, r.2, r.3, r.4)),
        );
    }
    out
}

#[tokio::test]
async fn nobody_can_link_an_answer_to_a_person_and_each_answers_once() {
    let app = app().await;
    let s = setup(&app, 3, 1).await;
    let svc = &app.app.surveys;
    let survey = svc
        .create(&s.hr.0, input(s.unit, true))
        .await
        .expect("create");
    // A draft takes no answers and is not even visible to staff.
    let a = answers(json!({"zukunft": "ja"}));
    assert!(matches!(
        svc.answer(&s.staff[0].0, survey.id, &a).await,
        Err(surveys::SurveysError::NotFound)
    ));
    svc.open(&s.hr.0, survey.id).await.expect("open");

    // One person answers through the API in their session.
    app.login_staff(&s.staff[0].1).await;
    let path = format!("/api/v1/surveys/{}/answers", survey.id);
    let r = app
        .api(Method::POST, &path, None, Some(json!({"answers": {"zukunft": "nein", "note": 2, "tage": 1, "warum": "Kein ruhiger Platz zu Hause", "alter": "30 bis 49"}})))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert!(
        r.json()["change_secret"]
            .as_str()
            .is_some_and(|s| s.len() == 24)
    );
    // Twice: refused, nothing stored.
    let again = app
        .api(
            Method::POST,
            &path,
            None,
            Some(json!({"answers": {"zukunft": "ja"}})),
        )
        .await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert!(again.body.contains("already taken part"), "{}", again.body);
    // A malformed answer names the field; nothing stored.
    let bad = svc
        .answer(
            &s.staff[1].0,
            survey.id,
            &answers(json!({"zukunft": "vielleicht", "note": 9})),
        )
        .await;
    match bad {
        Err(surveys::SurveysError::Invalid(e)) => {
            assert!(
                e.get("answers.zukunft").is_some() && e.get("answers.note").is_some(),
                "{e:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Outside the audience: refused.
    assert!(matches!(
        svc.answer(&s.stranger.0, survey.id, &a).await,
        Err(surveys::SurveysError::Conflict(c)) if c == "survey_not_in_audience"
    ));
    // The sub-unit belongs to the audience.
    svc.answer(&s.sub[0].0, survey.id, &a)
        .await
        .expect("sub-unit answers");
    assert_eq!(
        count_where(&app, "surveys_participation", survey.id).await,
        2
    );
    assert_eq!(
        count_where(&app, "surveys_ballot", survey.id).await
            + count_where(&app, "surveys_response", survey.id).await,
        2
    );

    // The stored answer sets name no person, no session and no time but
    // the day; the participation table holds nothing but survey and person.
    let rows = stored_answer_rows(&app).await;
    assert_eq!(rows.len(), 2);
    for (_, email, id) in [&s.staff[0], &s.sub[0]] {
        let local = email.split('@').next().unwrap_or_default();
        for row in &rows {
            assert!(!row.contains(&id.0.to_string()), "{row}");
            assert!(!row.contains(&id.0.simple().to_string()), "{row}");
            assert!(!row.contains(local), "{row}");
            assert!(
                !row.contains(':'.to_string().as_str()) || row.contains("\"zukunft\":"),
                "no time of day: {row}"
            );
        }
    }
    let cols: Vec<String> = match &app.app.db {
        storage::Db::Sqlite(pool, _) => sqlx::query_scalar("SELECT name FROM pragma_table_info('surveys_participation')").fetch_all(pool).await.expect("cols"),
        storage::Db::Postgres(pool) => sqlx::query_scalar("SELECT column_name::text FROM information_schema.columns WHERE table_name = 'surveys_participation'").fetch_all(pool).await.expect("cols"),
    };
    let mut cols = cols;
    cols.sort();
    assert_eq!(cols, vec!["account_id".to_owned(), "survey_id".to_owned()]);

    // The access log holds no answer set id and nothing the participants
    // did with the survey.
    app.app.log.flush().await.expect("flush");
    let entries: Vec<(String, String, String, String)> =
        storage::on_db!(&app.app.db, pool => sqlx::query_as(
        "SELECT actor, action, object_ids, detail FROM storage_audit_log").fetch_all(pool).await)
        .expect("log");
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.split(' ').next().map(str::to_owned))
        .collect();
    for (actor, action, objects, detail) in &entries {
        // Checking the audience leaves no trace of when someone answered.
        for (_, _, id) in [&s.staff[0], &s.sub[0]] {
            assert!(
                !(actor.contains("surveys") && objects.contains(&id.0.to_string())),
                "{actor} {action} {objects}"
            );
        }
        for id in &ids {
            assert!(
                !objects.contains(id) && !detail.contains(id),
                "{action} {objects}"
            );
        }
        if objects.contains(&survey.id.to_string()) {
            assert!(
                actor.contains(&s.hr.0.account.map(|a| a.0.to_string()).unwrap_or_default())
                    || !action.starts_with("survey.answer"),
                "{actor} {action}"
            );
            for (_, _, id) in [&s.staff[0], &s.sub[0]] {
                assert!(
                    !actor.contains(&id.0.to_string()),
                    "a participant's action is logged: {actor} {action}"
                );
            }
        }
    }
}

#[tokio::test]
async fn answers_change_only_with_the_one_time_secret_until_the_survey_closes() {
    let app = app().await;
    let s = setup(&app, 1, 0).await;
    let svc = &app.app.surveys;
    let survey = svc
        .create(&s.hr.0, input(s.unit, true))
        .await
        .expect("create");
    svc.open(&s.hr.0, survey.id).await.expect("open");
    let me = &s.staff[0].0;
    let first = svc
        .answer(me, survey.id, &answers(json!({"zukunft": "ja", "note": 4})))
        .await
        .expect("answer")
        .change_secret
        .expect("secret");
    // The form is filled again from the secret alone.
    let back = svc
        .answers_for_secret(me, survey.id, &first)
        .await
        .expect("answers");
    assert_eq!(back.get("note"), Some(&Answer::Number(4)));
    let second = svc
        .change(
            me,
            survey.id,
            &first,
            &answers(json!({"zukunft": "nein", "warum": "Lärm"})),
        )
        .await
        .expect("change")
        .change_secret
        .expect("new secret");
    assert_ne!(first, second);
    // The spent secret is refused; still exactly one answer set.
    assert!(matches!(
        svc.change(me, survey.id, &first, &answers(json!({"zukunft": "ja"}))).await,
        Err(surveys::SurveysError::Invalid(e)) if e.get("secret").is_some()
    ));
    let rows = stored_answer_rows(&app).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("Lärm"));
    // Through the API with the new secret; after closing, refused.
    app.login_staff(&s.staff[0].1).await;
    let path = format!("/api/v1/surveys/{}/answers", survey.id);
    let r = app
        .api(
            Method::PUT,
            &path,
            None,
            Some(json!({"secret": second, "answers": {"zukunft": "ja"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let third = r.json()["change_secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    svc.close(&s.hr.0, survey.id).await.expect("close");
    let late = app
        .api(
            Method::PUT,
            &path,
            None,
            Some(json!({"secret": third, "answers": {"zukunft": "nein", "warum": "x"}})),
        )
        .await;
    assert_eq!(late.status, 409, "{:?}", late.body);
    assert!(stored_answer_rows(&app).await[0].contains("\"ja\""));
}

#[tokio::test]
async fn questions_are_frozen_once_open_and_only_the_staff_council_publishes() {
    let app = app().await;
    let s = setup(&app, 2, 0).await;
    let svc = &app.app.surveys;
    app.login_staff(&s.hr.1).await;
    // A malformed definition is refused with the field named.
    let mut broken = serde_json::to_value(json!({"title": "", "questions": [{"id": "a b", "text": "x", "kind": "single", "options": ["ja"]}], "units": []})).expect("json");
    let r = app
        .api(Method::POST, "/api/v1/surveys", None, Some(broken.take()))
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    for field in ["title", "questions[0].id", "questions[0].options", "units"] {
        assert!(r.body.contains(field), "{field}: {}", r.body);
    }
    let created = app
        .api(
            Method::POST,
            "/api/v1/surveys",
            None,
            Some(json!({"title": "Test", "questions": questions(), "units": [s.unit]})),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.json()["id"].as_str().unwrap_or_default().to_owned();
    let put = app
        .api(
            Method::PUT,
            &format!("/api/v1/surveys/{id}"),
            None,
            Some(json!({"title": "Test 2", "questions": questions(), "units": [s.unit]})),
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    let open = app
        .api(
            Method::POST,
            &format!("/api/v1/surveys/{id}/open"),
            None,
            None,
        )
        .await;
    assert_eq!(open.status, 200, "{:?}", open.body);
    let frozen = app
        .api(
            Method::PUT,
            &format!("/api/v1/surveys/{id}"),
            None,
            Some(json!({"title": "Test 3", "questions": questions(), "units": [s.unit]})),
        )
        .await;
    assert_eq!(frozen.status, 409, "{:?}", frozen.body);
    let id = Uuid::parse_str(&id).expect("id");
    // Results are not there before publishing; HR may not publish.
    assert!(matches!(
        svc.results(&s.hr.0, id).await,
        Err(surveys::SurveysError::Conflict(_))
    ));
    svc.answer(&s.staff[0].0, id, &answers(json!({"zukunft": "ja"})))
        .await
        .expect("answer");
    svc.close(&s.hr.0, id).await.expect("close");
    assert!(matches!(
        svc.answer(&s.staff[1].0, id, &answers(json!({"zukunft": "ja"}))).await,
        Err(surveys::SurveysError::Conflict(c)) if c == "survey_not_answerable"
    ));
    assert!(matches!(
        svc.publish(&s.hr.0, id, true).await,
        Err(surveys::SurveysError::Forbidden)
    ));
    // One answer is below any minimum: nothing can be published.
    assert!(matches!(
        svc.publish(&s.council.0, id, true).await,
        Err(surveys::SurveysError::Conflict(c)) if c == "survey_too_few"
    ));
    assert!(matches!(
        svc.set_min_group(&s.council.0, id, 2).await,
        Err(surveys::SurveysError::Invalid(_))
    ));
    assert!(matches!(
        svc.set_min_group(&s.hr.0, id, 7).await,
        Err(surveys::SurveysError::Forbidden)
    ));
    assert_eq!(
        svc.set_min_group(&s.council.0, id, 7)
            .await
            .expect("min")
            .min_group,
        7
    );
}

#[tokio::test]
async fn results_withhold_small_groups_on_the_page_in_the_api_the_csv_and_the_pdf() {
    let app = app().await;
    // 22 in the unit, 2 in its sub-unit.
    let s = setup(&app, 22, 2).await;
    let svc = &app.app.surveys;
    let survey = svc
        .create(&s.hr.0, input(s.unit, false))
        .await
        .expect("create");
    svc.open(&s.hr.0, survey.id).await.expect("open");
    for (i, (who, _, _)) in s.staff.iter().enumerate() {
        let (zukunft, alter) = match i {
            0 | 1 => ("nein", "unter 30"),
            2..=14 => ("ja", "30 bis 49"),
            _ => ("ja", "50 und älter"),
        };
        let mut a = json!({"zukunft": zukunft, "note": 1 + (i % 5), "alter": alter});
        if zukunft == "nein" {
            a["warum"] = json!(format!("Grund {i}"));
        }
        let receipt = svc
            .answer(who, survey.id, &answers(a))
            .await
            .expect("answer");
        assert!(
            receipt.change_secret.is_none(),
            "no changes allowed: no secret"
        );
    }
    // Mixed in batches: twenty moved out of the ballot box under new ids.
    assert_eq!(count_where(&app, "surveys_response", survey.id).await, 20);
    assert_eq!(count_where(&app, "surveys_ballot", survey.id).await, 2);
    svc.answer(&s.sub[0].0, survey.id, &answers(json!({"zukunft": "ja"})))
        .await
        .expect("sub");

    // Participation per unit while open: the sub-unit's 1 is withheld,
    // and so is the unit's own group (it would give it away).
    app.login_staff(&s.hr.1).await;
    let part = app
        .api(
            Method::GET,
            &format!("/api/v1/surveys/{}/participation", survey.id),
            None,
            None,
        )
        .await
        .json();
    let rows = part.as_array().cloned().unwrap_or_default();
    let top = rows
        .iter()
        .find(|r| r["unit_id"] == json!(s.unit))
        .cloned()
        .unwrap_or_default();
    assert_eq!(top["respondents"], 23, "{part}");
    assert_eq!(top["audience"], 24);
    let sub = rows
        .iter()
        .find(|r| r["name"] == "Sachgebiet")
        .cloned()
        .unwrap_or_default();
    assert_eq!(sub["respondents"], Value::Null, "{part}");

    svc.close(&s.hr.0, survey.id).await.expect("close");
    assert_eq!(count_where(&app, "surveys_ballot", survey.id).await, 0);
    assert_eq!(count_where(&app, "surveys_response", survey.id).await, 23);

    // The staff council sees what would be withheld, then publishes.
    let (_, check) = svc
        .publication_check(&s.council.0, survey.id)
        .await
        .expect("check");
    assert!(check.questions.is_empty(), "no figures before publishing");
    assert!(
        check.withheld.iter().any(|w| w.what.contains("unter 30")),
        "{:?}",
        check.withheld
    );
    assert!(
        matches!(svc.publish(&s.council.0, survey.id, false).await, Err(surveys::SurveysError::Invalid(e)) if e.get("confirm").is_some())
    );
    svc.publish(&s.council.0, survey.id, true)
        .await
        .expect("publish");

    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/surveys/{}/results", survey.id),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let res = r.json();
    assert_eq!(res["results"]["respondents"], 23);
    let groups = res["results"]["breakdowns"][0]["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let young = groups
        .iter()
        .find(|g| g["label"] == "unter 30")
        .cloned()
        .unwrap_or_default();
    assert_eq!(young["respondents"], Value::Null);
    // Only two wrote why not: no free text is shown.
    let warum = res["results"]["questions"]
        .as_array()
        .and_then(|q| q.iter().find(|q| q["id"] == "warum").cloned())
        .unwrap_or_default();
    assert_eq!(warum["answered"], Value::Null);
    assert!(!r.body.contains("Grund 0"));

    let csv = app
        .get(&format!("/api/v1/surveys/{}/results.csv", survey.id))
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body
            .contains("Altersgruppe: unter 30;Teilnehmende;;zu wenige Antworten"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("Alle;Teilnehmende;;23;"), "{}", csv.body);
    assert!(!csv.body.contains("Grund"), "{}", csv.body);

    // The page: a chart and a table per question, "zu wenige Antworten".
    let page = app
        .get(&format!("/arbeit/befragungen/{}/ergebnisse", survey.id))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg role=\"img\""));
    assert!(page.body.contains("zu wenige Antworten"));
    assert!(!page.body.contains("Grund 1"));
    let pdf = app
        .get(&format!("/arbeit/befragungen/{}/ergebnisse.pdf", survey.id))
        .await;
    assert_eq!(pdf.status, 200);
    assert!(pdf.bytes.starts_with(b"%PDF"));

    // A participant sees the overall figures only; someone who did not
    // take part sees nothing.
    let own = svc
        .results(&s.staff[3].0, survey.id)
        .await
        .expect("participant");
    assert!(own.overall_only && own.results.breakdowns.is_empty());
    assert!(matches!(
        svc.results(&s.sub[1].0, survey.id).await,
        Err(surveys::SurveysError::Forbidden)
    ));
}

#[tokio::test]
async fn reminders_reach_only_those_who_have_not_taken_part_and_the_page_flow_works() {
    let app = app().await;
    let s = setup(&app, 3, 0).await;
    let svc = &app.app.surveys;
    let survey = svc
        .create(&s.hr.0, input(s.unit, true))
        .await
        .expect("create");
    svc.open(&s.hr.0, survey.id).await.expect("open");
    svc.answer(&s.staff[0].0, survey.id, &answers(json!({"zukunft": "ja"})))
        .await
        .expect("answer");

    // Through the pages on a phone: an error summary first, then the
    // receipt with the secret.
    app.login_staff(&s.staff[1].1).await;
    let path = format!("/arbeit/befragungen/{}", survey.id);
    let page = app.get(&path).await;
    assert!(page.body.contains("name=\"q_zukunft\""), "{}", page.body);
    let bad = app
        .post_form(
            &format!("{path}/antworten"),
            &[("q_note", "3"), ("q_tage", "sieben")],
        )
        .await;
    assert_eq!(bad.status, 200);
    assert!(
        bad.body.contains("href=\"#answers.zukunft\""),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("href=\"#answers.tage\""));
    assert_eq!(
        count_where(&app, "surveys_participation", survey.id).await,
        1,
        "nothing stored"
    );
    // A "why not" given although "ja" is chosen is not asked: dropped.
    let ok = app
        .post_form(
            &format!("{path}/antworten"),
            &[
                ("q_zukunft", "ja"),
                ("q_note", "3"),
                ("q_warum", "egal"),
                ("q_alter", "unter 30"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200);
    assert!(ok.body.contains("id=\"change-secret\""), "{}", ok.body);
    assert!(
        !stored_answer_rows(&app)
            .await
            .iter()
            .any(|r| r.contains("egal"))
    );
    let again = app.get(&path).await;
    assert!(again.body.contains("id=\"took-part\""));

    let before = app.mails().len();
    let sent = svc.remind(&s.hr.0, survey.id).await.expect("remind");
    assert_eq!(sent, 1, "only the one who has not taken part");
    assert!(
        matches!(svc.remind(&s.hr.0, survey.id).await, Err(surveys::SurveysError::Conflict(c)) if c == "survey_reminded_today")
    );
    app.run_jobs().await;
    let mails = app.mails();
    assert_eq!(mails.len(), before + 1);
    let text = mails.last().cloned().unwrap_or_default();
    assert!(text.contains(&s.staff[2].1), "{text}");
    assert!(!text.contains(&s.staff[0].1) && !text.contains(&s.staff[1].1));
}
