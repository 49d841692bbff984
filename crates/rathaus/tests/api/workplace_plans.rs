//! The presence planner through the service, API and pages: generated
//! plans hold every rule (checked again here, independently), edits that
//! break a rule are refused with the rule named and nothing saved, rules
//! that cannot hold are named instead of a plan, teams at one location
//! share its desks, publishing tells the team, desk booking against the
//! capacity, change requests, the private calendar feed, who sees which
//! rows, and old plans are deleted after the retention.

use crate::delivery::{actor_of, app};
use chrono::{Datelike, NaiveDate, TimeZone};
use kernel::{Actor, OrgUnitId, Role};
use reqwest::Method;
use serde_json::json;
use testkit::TestApp;
use uuid::Uuid;
use workplace::WorkplaceError;
use workplace::devices::{DeviceInput, VpnInput};
use workplace::domain::{ConfirmedItem, DeviceKind};
use workplace::planner::Presence;
use workplace::planning::CellChange;
use workplace::service::{ApplyInput, DecideInput};

struct Team {
    unit: OrgUnitId,
    manager: Actor,
    manager_email: String,
    /// Clerks: the first `ready` are enrolled and ready.
    clerks: Vec<(Actor, String)>,
}

async fn it_actor(app: &TestApp) -> Actor {
    let email = format!("it-{}@musterstadt.example", Uuid::now_v7().simple());
    actor_of(
        app,
        app.create_staff(&email, "10", &[Role::ItService]).await,
    )
    .await
}

/// Enrols `person` and makes every checklist item done.
async fn make_ready(app: &TestApp, it: &Actor, manager: &Actor, person: &Actor) {
    let svc = &app.app.workplace;
    let me = person.account.expect("account");
    let e = svc
        .apply(
            person,
            ApplyInput {
                weekly_minutes: 2340,
                work_days: vec![1, 2, 3, 4, 5],
                note: String::new(),
            },
        )
        .await
        .expect("apply");
    svc.decide(
        manager,
        e.id,
        DecideInput {
            approve: true,
            reason: String::new(),
        },
    )
    .await
    .expect("approve");
    let n = Uuid::now_v7().simple().to_string();
    let d = svc
        .add_device(
            it,
            DeviceInput {
                kind: DeviceKind::Notebook,
                model: "ThinkPad".into(),
                serial: format!("S-{n}"),
                inventory_no: format!("I-{n}"),
            },
        )
        .await
        .expect("device");
    svc.issue_device(it, d.id, me).await.expect("issue");
    svc.acknowledge_device(person, d.id).await.expect("ack");
    svc.grant_vpn(
        it,
        VpnInput {
            account_id: me,
            starts_on: svc.today(),
            ends_on: None,
        },
    )
    .await
    .expect("vpn");
    for item in ConfirmedItem::ALL {
        svc.confirm(person, me, *item, None).await.expect("confirm");
    }
}

/// A team of a manager and `clerks` clerks, the first `ready` of them
/// ready for mobile work, at a location of its own with `desks` desks.
async fn team(app: &TestApp, clerks: usize, ready: usize, desks: u32) -> Team {
    let n = Uuid::now_v7().simple().to_string();
    let code = format!("8{}", &n[n.len() - 5..]);
    let manager_email = format!("chef-{n}@musterstadt.example");
    let manager = actor_of(
        app,
        app.create_staff(&manager_email, &code, &[Role::Manager])
            .await,
    )
    .await;
    let it = it_actor(app).await;
    let mut people = Vec::new();
    for i in 0..clerks {
        let email = format!("p{i}-{n}@musterstadt.example");
        let a = actor_of(app, app.create_staff(&email, &code, &[Role::Clerk]).await).await;
        if i < ready {
            make_ready(app, &it, &manager, &a).await;
        }
        people.push((a, email));
    }
    let unit: Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM identity_org_unit WHERE code = $1").bind(&code).fetch_one(pool).await).expect("unit");
    let hr = actor_of(
        app,
        app.create_staff(&format!("hr-{n}@musterstadt.example"), "10", &[Role::Hr])
            .await,
    )
    .await;
    let location = app
        .app
        .workplace
        .set_location(&hr, None, &format!("Haus {n}"), desks)
        .await
        .expect("location");
    app.app
        .workplace
        .set_team(&manager, OrgUnitId(unit), Some(location.id), false)
        .await
        .expect("team");
    Team {
        unit: OrgUnitId(unit),
        manager,
        manager_email,
        clerks: people,
    }
}

fn monday_after(d: NaiveDate) -> NaiveDate {
    d + chrono::Days::new(u64::from(8 - d.weekday().number_from_monday()))
}

fn id(a: &Actor) -> Uuid {
    a.account.expect("account").0
}

#[tokio::test]
async fn a_generated_plan_holds_every_rule_and_is_published_to_the_team() {
    let app = app().await;
    let t = team(&app, 5, 4, 5).await;
    let svc = &app.app.workplace;
    // Two clerks give consultation hours on Mondays; three are qualified.
    svc.add_slot(
        &t.manager,
        t.unit,
        1,
        "Sprechzeit 8–12 Uhr",
        "Bürgerberatung",
        2,
    )
    .await
    .expect("slot");
    for (a, _) in t.clerks.iter().take(3) {
        svc.set_skill(&t.manager, a.account.expect("a"), "Bürgerberatung", true)
            .await
            .expect("skill");
    }
    // One clerk is on leave on the first Tuesday.
    let start = monday_after(svc.today());
    let (leave, _) = &t.clerks[1];
    svc.add_absence(
        leave,
        leave.account.expect("a"),
        start + chrono::Days::new(1),
        start + chrono::Days::new(1),
        "leave",
    )
    .await
    .expect("absence");

    let plan = svc
        .generate_plan(&t.manager, t.unit, start, 4)
        .await
        .expect("plan");
    assert_eq!(plan.state, "draft");
    let v = svc.plan_view(&t.manager, plan.id).await.expect("view");
    assert!(v.failures.is_empty(), "{:?}", v.failures);
    assert_eq!(v.days.len(), 20);
    assert_eq!(v.people.len(), 6);
    // Checked again here by counting, independent of both planner parts.
    let row_of = |who: Uuid| v.people.iter().position(|(p, _)| *p == who).expect("row");
    for (d, day) in v.days.iter().enumerate() {
        let on_site = v.rows.iter().filter(|r| r[d] == Presence::OnSite).count();
        assert!(on_site <= 5, "{day}: {on_site} on site, 5 desks");
        if day.weekday() == chrono::Weekday::Mon {
            let qualified = t.clerks[..3]
                .iter()
                .filter(|(a, _)| v.rows[row_of(id(a))][d] == Presence::OnSite)
                .count();
            assert!(qualified >= 2, "{day}: {qualified} qualified on site");
        }
    }
    for (a, _) in &t.clerks {
        let row = &v.rows[row_of(id(a))];
        let mobile = row.iter().filter(|p| **p == Presence::Mobile).count();
        let worked = row
            .iter()
            .filter(|p| matches!(p, Presence::Mobile | Presence::OnSite))
            .count();
        assert!(mobile * 10 <= worked * 4, "mobile {mobile} of {worked}");
    }
    let not_ready = &v.rows[row_of(id(&t.clerks[4].0))];
    assert!(not_ready.iter().all(|p| *p != Presence::Mobile));
    assert!(
        v.rows[row_of(id(&t.clerks[0].0))].contains(&Presence::Mobile),
        "a ready person gets mobile days"
    );
    assert_eq!(v.rows[row_of(id(leave))][1], Presence::Absent);

    // A draft is the manager's; the team sees it once published, and is
    // told by e-mail.
    let (clerk, clerk_email) = &t.clerks[0];
    assert!(matches!(
        svc.plan_view(clerk, plan.id).await,
        Err(WorkplaceError::NotFound)
    ));
    app.run_jobs().await;
    let before = app.mails().len();
    assert!(matches!(
        svc.publish_plan(&t.manager, plan.id, plan.revision + 5)
            .await,
        Err(WorkplaceError::Conflict(_))
    ));
    let published = svc
        .publish_plan(&t.manager, plan.id, plan.revision)
        .await
        .expect("publish");
    assert_eq!(published.state, "published");
    app.run_jobs().await;
    assert_eq!(app.mails().len(), before + 6);
    assert!(
        app.mails()
            .iter()
            .any(|m| m.contains(clerk_email.as_str()) && m.contains("Anwesenheitsplan"))
    );
    // The clerk sees only their own row (the agreement's default).
    let own = svc.plan_view(clerk, plan.id).await.expect("own view");
    assert_eq!(own.people.len(), 1);
    assert_eq!(own.people[0].0, id(clerk));
    assert!(own.coverage.is_empty());
    let stranger = actor_of(
        &app,
        app.create_staff(
            &format!("fremd-{}@musterstadt.example", Uuid::now_v7().simple()),
            "55",
            &[Role::Clerk],
        )
        .await,
    )
    .await;
    assert!(matches!(
        svc.plan_view(&stranger, plan.id).await,
        Err(WorkplaceError::Forbidden)
    ));

    // A second generation over published days is refused.
    assert!(matches!(
        svc.generate_plan(&t.manager, t.unit, start, 2).await,
        Err(WorkplaceError::Conflict(c)) if c == "workplace_plan_overlaps"
    ));

    // Desk booking: on an office day once; never on a mobile day.
    app.clock.set(
        chrono::Utc
            .from_local_datetime(&start.and_hms_opt(7, 0, 0).expect("time"))
            .single()
            .expect("time"),
    );
    let days = svc.my_days(clerk, 28).await.expect("days");
    assert_eq!(days.len(), 20);
    let office = days
        .iter()
        .find(|d| d.presence == "on_site")
        .expect("office day");
    let mobile = days
        .iter()
        .find(|d| d.presence == "mobile")
        .expect("mobile day");
    svc.book_desk(clerk, office.day).await.expect("book");
    assert!(matches!(
        svc.book_desk(clerk, office.day).await,
        Err(WorkplaceError::Conflict(c)) if c == "workplace_booked_already"
    ));
    assert!(matches!(
        svc.book_desk(clerk, mobile.day).await,
        Err(WorkplaceError::Conflict(c)) if c == "workplace_not_on_site"
    ));
    let days = svc.my_days(clerk, 28).await.expect("days");
    assert!(
        days.iter()
            .any(|d| d.day == office.day && d.booking.is_some())
    );
}

#[tokio::test]
async fn an_edit_that_breaks_a_rule_is_refused_with_the_rule_named_and_nothing_saved() {
    let app = app().await;
    let t = team(&app, 3, 2, 10).await;
    let svc = &app.app.workplace;
    svc.add_slot(&t.manager, t.unit, 1, "Kasse vormittags", "Kasse", 1)
        .await
        .expect("slot");
    svc.set_skill(&t.manager, t.clerks[0].0.account.expect("a"), "Kasse", true)
        .await
        .expect("skill");
    let start = monday_after(svc.today());
    let plan = svc
        .generate_plan(&t.manager, t.unit, start, 2)
        .await
        .expect("plan");
    let (not_ready, _) = &t.clerks[2];
    // Planning someone mobile who is not ready: refused, named.
    let change = |who: &Actor, day: NaiveDate, presence: Presence| CellChange {
        account_id: who.account.expect("a"),
        day,
        presence,
    };
    let refused = svc
        .edit_plan(
            &t.manager,
            plan.id,
            plan.revision,
            &[change(
                not_ready,
                start + chrono::Days::new(2),
                Presence::Mobile,
            )],
        )
        .await;
    let Err(WorkplaceError::Rules(failures)) = refused else {
        panic!("broken edit accepted: {refused:?}");
    };
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].rule, "not_ready");
    assert_eq!(failures[0].day, Some(start + chrono::Days::new(2)));
    assert!(failures[0].person.is_some());
    // The only cashier mobile on Monday: the slot is named.
    let refused = svc
        .edit_plan(
            &t.manager,
            plan.id,
            plan.revision,
            &[change(&t.clerks[0].0, start, Presence::Mobile)],
        )
        .await;
    let Err(WorkplaceError::Rules(failures)) = refused else {
        panic!("broken edit accepted: {refused:?}");
    };
    assert!(
        failures
            .iter()
            .any(|f| f.rule == "coverage" && f.detail.contains("Kasse vormittags")),
        "{failures:?}"
    );
    // Nothing was saved.
    let v = svc.plan_view(&t.manager, plan.id).await.expect("view");
    assert_eq!(v.plan.revision, plan.revision);
    let row = v
        .people
        .iter()
        .position(|(p, _)| *p == id(not_ready))
        .expect("row");
    assert!(v.rows[row].iter().all(|p| *p != Presence::Mobile));
    // A good edit saves; an edit on the old revision is refused.
    let ok = svc
        .edit_plan(
            &t.manager,
            plan.id,
            plan.revision,
            &[change(
                not_ready,
                start + chrono::Days::new(3),
                Presence::OnSite,
            )],
        )
        .await
        .expect("edit");
    assert_eq!(ok.revision, plan.revision + 1);
    assert!(matches!(
        svc.edit_plan(&t.manager, plan.id, plan.revision, &[]).await,
        Err(WorkplaceError::Conflict(_))
    ));

    // The same through the page: the grid comes back with the rule named.
    app.login_staff(&t.manager_email).await;
    let page = app.get(&format!("/arbeit/mobil/plaene/{}", plan.id)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"plan-grid\""));
    // How stable the weekly patterns are, for the manager.
    assert!(page.body.contains("id=\"plan-stability\""), "{}", page.body);
    let res = app
        .api(
            Method::GET,
            &format!("/api/v1/workplace/plans/{}", plan.id),
            None,
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let stability = res.json()["stability"].as_u64().expect("stability");
    assert!(stability <= 100, "{stability}");
    // The manager's report: each person's share, a chart and its table.
    assert!(page.body.contains("id=\"share-table\""));
    assert!(page.body.contains("<svg role=\"img\""));
    let field = format!(
        "c_{}_{}",
        id(not_ready),
        (start + chrono::Days::new(4)).format("%Y%m%d")
    );
    let res = app
        .post_form(
            &format!("/arbeit/mobil/plaene/{}/aendern", plan.id),
            &[("revision", &ok.revision.to_string()), (&field, "mobile")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("data-rule=\"not_ready\""));
    assert!(res.body.contains("Mobil eingeplant, aber nicht bereit"));
    // And through the API: 400 naming the rule.
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/workplace/plans/{}/edits", plan.id),
            None,
            Some(json!({"revision": ok.revision, "changes": [{"account_id": id(not_ready), "day": start + chrono::Days::new(4), "presence": "mobile"}]})),
        )
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["invalid_params"][0]["code"], "rule_not_ready");
}

#[tokio::test]
async fn when_the_rules_cannot_hold_the_planner_names_them_and_saves_nothing() {
    let app = app().await;
    // Three people who must be on site, one desk.
    let t = team(&app, 2, 0, 1).await;
    let svc = &app.app.workplace;
    let slot = svc
        .add_slot(&t.manager, t.unit, 3, "Sprechzeit", "Gewerbe", 1)
        .await
        .expect("slot");
    let start = monday_after(svc.today());
    let res = svc.generate_plan(&t.manager, t.unit, start, 1).await;
    let Err(WorkplaceError::Rules(failures)) = res else {
        panic!("an impossible plan was made: {res:?}");
    };
    let desk_days = failures.iter().filter(|f| f.rule == "desks").count();
    assert_eq!(desk_days, 5, "{failures:?}");
    assert!(
        failures
            .iter()
            .any(|f| f.rule == "coverage" && f.day == Some(start + chrono::Days::new(2))),
        "nobody has the skill: {failures:?}"
    );
    assert_eq!(app.count("workplace_plan").await, 0);

    // Through the page: the rules are listed, nothing saved.
    app.login_staff(&t.manager_email).await;
    let res = app
        .post_form(
            &format!("/arbeit/mobil/planung/{}/plan", t.unit),
            &[("starts_on", &start.to_string()), ("weeks", "1")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("data-rule=\"desks\""));
    assert!(res.body.contains("Mehr Personen im Büro als Schreibtische"));
    // Bad input on the page: a date in the past and 20 weeks.
    let res = app
        .post_form(
            &format!("/arbeit/mobil/planung/{}/plan", t.unit),
            &[("starts_on", "2020-01-06"), ("weeks", "20")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("href=\"#weeks\""));
    assert!(res.body.contains("href=\"#starts_on\""));
    assert_eq!(app.count("workplace_plan").await, 0);

    // The manager removes the slot through the API: then only the desks
    // are named. A clerk may not, and a removed slot is gone.
    let path = format!("/api/v1/workplace/teams/{}/slots/{}", t.unit.0, slot.id);
    let res = app.api(Method::DELETE, &path, None, None).await;
    assert_eq!(res.status, 204, "{}", res.body);
    let res = app.api(Method::DELETE, &path, None, None).await;
    assert_eq!(res.status, 404, "{}", res.body);
    let res = svc.generate_plan(&t.manager, t.unit, start, 1).await;
    let Err(WorkplaceError::Rules(failures)) = res else {
        panic!("an impossible plan was made: {res:?}");
    };
    assert!(failures.iter().all(|f| f.rule == "desks"), "{failures:?}");
    let (_, clerk_email) = &t.clerks[0];
    app.login_staff(clerk_email).await;
    let other = svc
        .add_slot(&t.manager, t.unit, 2, "Sprechzeit", "Gewerbe", 1)
        .await
        .expect("slot");
    let res = app
        .api(
            Method::DELETE,
            &format!("/api/v1/workplace/teams/{}/slots/{}", t.unit.0, other.id),
            None,
            None,
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
}

#[tokio::test]
async fn teams_at_one_location_share_its_desks() {
    let app = app().await;
    let svc = &app.app.workplace;
    // Team A: three people who are always on site, at a location of 4.
    let a = team(&app, 2, 0, 4).await;
    let start = monday_after(svc.today());
    let plan = svc
        .generate_plan(&a.manager, a.unit, start, 1)
        .await
        .expect("A");
    svc.publish_plan(&a.manager, plan.id, plan.revision)
        .await
        .expect("publish A");
    // Team B moves in with two people who must be on site too.
    let b = team(&app, 1, 0, 99).await;
    let location = svc
        .team_settings(&a.manager, a.unit)
        .await
        .expect("settings")
        .team
        .and_then(|t| t.location_id)
        .expect("location");
    svc.set_team(&b.manager, b.unit, Some(location), false)
        .await
        .expect("move");
    let res = svc.generate_plan(&b.manager, b.unit, start, 1).await;
    let Err(WorkplaceError::Rules(failures)) = res else {
        panic!("desks over-booked: {res:?}");
    };
    assert!(failures.iter().all(|f| f.rule == "desks"), "{failures:?}");
    assert_eq!(failures.len(), 5);
    // One more desk and it fits.
    let hr = actor_of(
        &app,
        app.create_staff(
            &format!("hr2-{}@musterstadt.example", Uuid::now_v7().simple()),
            "10",
            &[Role::Hr],
        )
        .await,
    )
    .await;
    let name = svc
        .team_settings(&a.manager, a.unit)
        .await
        .expect("settings")
        .locations
        .into_iter()
        .find(|l| l.id == location)
        .expect("location")
        .name;
    svc.set_location(&hr, Some(location), &name, 5)
        .await
        .expect("desks");
    svc.generate_plan(&b.manager, b.unit, start, 1)
        .await
        .expect("B fits");
}

#[tokio::test]
async fn a_change_request_is_answered_and_the_calendar_feed_shows_the_days() {
    let app = app().await;
    let t = team(&app, 2, 2, 10).await;
    let svc = &app.app.workplace;
    let start = monday_after(svc.today());
    let plan = svc
        .generate_plan(&t.manager, t.unit, start, 2)
        .await
        .expect("plan");
    let plan = svc
        .publish_plan(&t.manager, plan.id, plan.revision)
        .await
        .expect("publish");
    let (clerk, clerk_email) = &t.clerks[0];
    let v = svc.plan_view(clerk, plan.id).await.expect("view");
    let (d, current) = v.rows[0]
        .iter()
        .enumerate()
        .find(|(_, p)| **p == Presence::Mobile)
        .expect("a mobile day");
    let day = v.days[d];
    assert_eq!(*current, Presence::Mobile);
    // Asking for what is planned, or for a day outside the plan: refused.
    assert!(matches!(
        svc.request_change(clerk, plan.id, day, Presence::Mobile, "")
            .await,
        Err(WorkplaceError::Invalid(_))
    ));
    assert!(matches!(
        svc.request_change(
            clerk,
            plan.id,
            start + chrono::Days::new(40),
            Presence::OnSite,
            ""
        )
        .await,
        Err(WorkplaceError::Invalid(_))
    ));
    let r = svc
        .request_change(clerk, plan.id, day, Presence::OnSite, "Teamsitzung")
        .await
        .expect("request");
    assert!(matches!(
        svc.answer_request(clerk, r.id, true, "").await,
        Err(WorkplaceError::Forbidden)
    ));
    let answered = svc
        .answer_request(&t.manager, r.id, true, "")
        .await
        .expect("answer");
    assert_eq!(answered.state, "accepted");
    let v = svc.plan_view(clerk, plan.id).await.expect("view");
    assert_eq!(v.rows[0][d], Presence::OnSite);

    // The calendar link from the page; the feed needs no login.
    app.login_staff(clerk_email).await;
    let page = app
        .post_form("/arbeit/mobil/tage/kalender", &[("team", "")])
        .await;
    assert_eq!(page.status, 200);
    let link = page
        .between("id=\"calendar-link\">", "<")
        .expect("link shown");
    let path = link
        .split_once("/kalender/")
        .map(|(_, t)| format!("/kalender/{t}"))
        .expect("path");
    app.logout().await;
    let feed = app.get(&path).await;
    assert_eq!(feed.status, 200);
    assert!(feed.body.starts_with("BEGIN:VCALENDAR"));
    assert_eq!(feed.body.matches("BEGIN:VEVENT").count(), 10);
    assert!(
        feed.body
            .contains(&format!("DTSTART;VALUE=DATE:{}", day.format("%Y%m%d")))
    );
    assert!(feed.body.contains("SUMMARY:Im Büro"));
    // A new link ends the old one; a made-up link is unknown.
    let api_link = {
        app.login_staff(clerk_email).await;
        let res = app
            .api(
                Method::POST,
                "/api/v1/workplace/calendar-links",
                None,
                Some(json!({})),
            )
            .await;
        assert_eq!(res.status, 201);
        res.json()["url"].as_str().expect("url").to_owned()
    };
    assert_ne!(api_link, link);
    assert_eq!(app.get(&path).await.status, 404);
    assert_eq!(
        app.get(&format!("/kalender/{}.ics", "a".repeat(64)))
            .await
            .status,
        404
    );
    // The team feed names who is where.
    let team_feed = svc
        .new_feed(&t.manager, Some(t.unit))
        .await
        .expect("team link");
    let token = team_feed
        .rsplit('/')
        .next()
        .expect("token")
        .trim_end_matches(".ics");
    let text = svc.feed(token).await.expect("feed").expect("known");
    assert!(text.contains("SUMMARY:Büro: "));
    // A clerk cannot make a team link.
    assert!(matches!(
        svc.new_feed(clerk, Some(t.unit)).await,
        Err(WorkplaceError::Forbidden)
    ));
}

#[tokio::test]
async fn plans_past_the_retention_are_deleted() {
    let app = app().await;
    let t = team(&app, 1, 0, 10).await;
    let svc = &app.app.workplace;
    let start = monday_after(svc.today());
    svc.generate_plan(&t.manager, t.unit, start, 1)
        .await
        .expect("plan");
    assert_eq!(svc.purge_old_plans().await.expect("purge"), 0);
    // A year and a bit later (retention 365 days after the last day).
    app.clock.advance(chrono::Duration::days(380));
    assert_eq!(svc.purge_old_plans().await.expect("purge"), 1);
    assert_eq!(app.count("workplace_plan").await, 0);
    assert_eq!(app.count("workplace_plan_cell").await, 0);
}

#[tokio::test]
async fn the_staff_council_sees_aggregates_only_and_nothing_for_small_groups() {
    let app = app().await;
    let svc = &app.app.workplace;
    let big = team(&app, 5, 4, 10).await;
    let small = team(&app, 2, 1, 10).await;
    let start = monday_after(svc.today());
    for t in [&big, &small] {
        let p = svc
            .generate_plan(&t.manager, t.unit, start, 4)
            .await
            .expect("plan");
        svc.publish_plan(&t.manager, p.id, p.revision)
            .await
            .expect("publish");
    }
    let council_email = format!(
        "personalrat-{}@musterstadt.example",
        Uuid::now_v7().simple()
    );
    let council = actor_of(
        &app,
        app.create_staff(&council_email, "0", &[Role::StaffCouncil])
            .await,
    )
    .await;
    let a = svc.aggregates(&council, start).await.expect("aggregates");
    assert_eq!(a.min_group, 5);
    let of = |u: OrgUnitId| a.units.iter().find(|x| x.unit == u.0).expect("unit");
    let b = of(big.unit);
    assert_eq!(b.staff, Some(6));
    assert_eq!(b.enrolled, Some(4));
    assert_eq!(b.ready, Some(4));
    assert_eq!(b.planned, Some(6));
    let share = b.mobile_percent.expect("share");
    assert!(share > 0.0 && share <= 40.0, "{share}");
    let s = of(small.unit);
    assert_eq!(
        (s.staff, s.enrolled, s.ready, s.planned, s.mobile_percent),
        (None, None, None, None, None),
        "a group of three shows no figure"
    );
    assert!(a.withheld >= 1);
    // Nobody's name is in the figures; a clerk sees nothing.
    let json = serde_json::to_string(&a).expect("json");
    for (c, _) in &big.clerks {
        assert!(!json.contains(&c.name));
    }
    assert!(matches!(
        svc.aggregates(&big.clerks[0].0, start).await,
        Err(WorkplaceError::Forbidden)
    ));
    // The page: a chart beside a table with the same figures.
    app.login_staff(&council_email).await;
    let page = app
        .get(&format!(
            "/arbeit/mobil/auswertung?monat={}",
            start.format("%Y-%m")
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg role=\"img\""));
    assert!(page.body.contains("id=\"share-table\""));
    assert!(page.body.contains("zu wenige Personen"));
    let api = app
        .api(
            Method::GET,
            &format!(
                "/api/v1/workplace/reports/aggregates?month={}",
                start.format("%Y-%m")
            ),
            None,
            None,
        )
        .await;
    assert_eq!(api.status, 200);
    let bad = app
        .api(
            Method::GET,
            "/api/v1/workplace/reports/aggregates?month=Januar",
            None,
            None,
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn generated_staff_get_rotation_plans_that_hold_every_rule() {
    let app = app().await;
    // Four teams of ten (the W9 generator at a small scale): rotation
    // cohorts, shared desks, consultation hours, a month boundary.
    let (staff, teams) = rathaus::bulk_staff::generate(&app.app, 40, 7)
        .await
        .expect("generate");
    assert_eq!((staff, teams), (40, 4));
    let start = monday_after(app.app.workplace.today());
    let (planned_teams, people, broken) = rathaus::bulk_staff::plan_all(&app.app, start, 4)
        .await
        .expect("plan all");
    assert_eq!((planned_teams, people, broken), (4, 40, 0));
    // Rotation: the two cohorts of a team never share an office day.
    let rows: Vec<(Uuid, NaiveDate, Option<i64>)> = storage::on_db!(&app.app.db, pool => sqlx::query_as(
        "SELECT a.org_unit_id, c.day, w.cohort FROM workplace_plan_cell c JOIN identity_account a ON a.id = c.account_id
         JOIN workplace_person w ON w.account_id = c.account_id WHERE c.presence = 'on_site'",
    ).fetch_all(pool).await).expect("cells");
    let mut seen: std::collections::HashMap<(Uuid, NaiveDate), i64> =
        std::collections::HashMap::new();
    for (unit, day, cohort) in rows {
        if let Some(c) = cohort {
            let first = *seen.entry((unit, day)).or_insert(c);
            assert_eq!(first, c, "two cohorts on site on {day}");
        }
    }
}
