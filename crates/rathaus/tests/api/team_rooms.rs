//! Team rooms through the service, the API and the pages: membership from
//! the org tree, projects, communities, direct rooms and archiving; the
//! chat with threads, mentions, edits with history and deletion; a resent
//! message stored once; messages arriving live in another session; bad
//! input refused with nothing stored.

use crate::delivery::{actor_of, app};
use kernel::{Actor, Role};
use reqwest::Method;
use serde_json::json;
use testkit::TestApp;
use uuid::Uuid;

struct People {
    a: (Actor, String),
    b: (Actor, String),
    boss: (Actor, String),
    stranger: (Actor, String),
    unit: String,
}

async fn person(app: &TestApp, local: &str, unit: &str, roles: &[Role]) -> (Actor, String) {
    let email = format!("{local}@musterstadt.example");
    let id = app.create_staff(&email, unit, roles).await;
    (actor_of(app, id).await, email)
}

async fn people(app: &TestApp) -> People {
    let n = Uuid::now_v7().simple().to_string();
    let tail = &n[n.len() - 6..];
    let unit = format!("7{}", &tail[..4]);
    People {
        a: person(app, &format!("anna.{tail}"), &unit, &[Role::Clerk]).await,
        b: person(app, &format!("ben.{tail}"), &unit, &[Role::Clerk]).await,
        boss: person(app, &format!("chefin.{tail}"), &unit, &[Role::Manager]).await,
        stranger: person(
            app,
            &format!("fremd.{tail}"),
            &format!("6{}", &tail[..4]),
            &[Role::Clerk],
        )
        .await,
        unit,
    }
}

fn key() -> String {
    Uuid::now_v7().simple().to_string()
}

async fn team_room(app: &TestApp, who: &Actor, unit: &str) -> Uuid {
    let (rooms, _) = app.app.rooms.my_rooms(who).await.expect("rooms");
    rooms
        .iter()
        .find(|e| e.room.kind == "team" && e.room.name == format!("Amt {unit}"))
        .map(|e| e.room.id)
        .expect("team room")
}

#[tokio::test]
async fn team_rooms_follow_the_org_tree_and_others_may_not_read_or_write() {
    let app = app().await;
    let p = people(&app).await;
    let room = team_room(&app, &p.a.0, &p.unit).await;
    let (rooms, _) = app.app.rooms.my_rooms(&p.a.0).await.expect("rooms");
    assert!(
        rooms.iter().any(|e| e.room.kind == "intranet"),
        "everyone reads the intranet"
    );
    let svc = &app.app.rooms;
    assert_eq!(
        svc.room(&p.b.0, room).await.expect("b").1,
        rooms::domain::RoomRole::Member
    );
    assert_eq!(
        svc.room(&p.boss.0, room).await.expect("boss").1,
        rooms::domain::RoomRole::Owner
    );
    assert!(matches!(
        svc.room(&p.stranger.0, room).await,
        Err(rooms::RoomsError::NotFound)
    ));

    // Through the API: the stranger is refused and nothing is stored.
    app.login_staff(&p.stranger.1).await;
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{room}/messages"),
            None,
            Some(json!({"body": "Hallo", "client_key": key()})),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(app.count("rooms_message").await, 0);

    // A writes, B has one unread message until B reads the room.
    app.login_staff(&p.a.1).await;
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{room}/messages"),
            None,
            Some(json!({"body": "Guten Morgen, Team!", "client_key": key()})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.json()["seq"], 1);
    let unread = |list: &Vec<rooms::service::RoomEntry>| {
        list.iter().find(|e| e.room.id == room).map(|e| e.unread)
    };
    assert_eq!(unread(&svc.my_rooms(&p.b.0).await.expect("b").0), Some(1));
    assert_eq!(
        unread(&svc.my_rooms(&p.a.0).await.expect("a").0),
        Some(0),
        "one's own message is read"
    );
    app.login_staff(&p.b.1).await;
    let res = app.api(Method::GET, "/api/v1/rooms", None, None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let mine = res.json()["rooms"].as_array().cloned().expect("rooms");
    let entry = mine
        .iter()
        .find(|e| e["room"]["id"] == room.to_string())
        .expect("listed");
    assert_eq!(entry["unread"], 1);
    let res = app
        .api(
            Method::GET,
            &format!("/api/v1/rooms/{room}/messages"),
            None,
            None,
        )
        .await;
    assert_eq!(res.json()[0]["message"]["body"], "Guten Morgen, Team!");
    assert_eq!(unread(&svc.my_rooms(&p.b.0).await.expect("b").0), Some(0));
    // The list page shows the room; the room page its message.
    let page = app.get("/arbeit/raeume").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("/arbeit/raeume/{room}")));
    let page = app.get(&format!("/arbeit/raeume/{room}")).await;
    assert!(page.body.contains("Guten Morgen, Team!"));
}

#[tokio::test]
async fn a_resent_message_is_stored_once_and_threads_mentions_and_edits_work() {
    let app = app().await;
    let p = people(&app).await;
    let room = team_room(&app, &p.a.0, &p.unit).await;
    let path = format!("/api/v1/rooms/{room}/messages");
    app.login_staff(&p.a.1).await;
    let k = key();
    let ben = p.b.1.split('@').next().expect("local");
    let fremd = p.stranger.1.split('@').next().expect("local");
    let body = json!({"body": format!("Bitte prüfen, @{ben} (und @{fremd})"), "client_key": k});
    let first = app.api(Method::POST, &path, None, Some(body.clone())).await;
    assert_eq!(first.status, 201, "{}", first.body);
    // The connection dropped; the client sends again with the same key.
    let again = app.api(Method::POST, &path, None, Some(body)).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(app.count("rooms_message").await, 1);
    // Ben is mentioned and told by e-mail; the stranger cannot read the
    // room, so is neither.
    app.run_jobs().await;
    let mails = app.mails();
    assert!(
        mails
            .iter()
            .any(|m| m.contains(&p.b.1) && m.contains("erwähnt")),
        "{mails:?}"
    );
    assert!(!mails.iter().any(|m| m.contains(&p.stranger.1)));

    // Replies: a reply to a reply joins the thread of the first message.
    let id = first.json()["id"].as_str().expect("id").to_owned();
    app.login_staff(&p.b.1).await;
    let r1 = app
        .api(
            Method::POST,
            &path,
            None,
            Some(json!({"body": "Mache ich.", "parent_id": id, "client_key": key()})),
        )
        .await;
    assert_eq!(r1.status, 201, "{}", r1.body);
    let r1_id = r1.json()["id"].as_str().expect("id").to_owned();
    let r2 = app
        .api(
            Method::POST,
            &path,
            None,
            Some(json!({"body": "Erledigt.", "parent_id": r1_id, "client_key": key()})),
        )
        .await;
    assert_eq!(r2.json()["parent_id"], id.as_str());
    let thread = app
        .api(Method::GET, &format!("{path}/{id}/thread"), None, None)
        .await;
    assert_eq!(thread.json()["replies"].as_array().map(Vec::len), Some(2));
    let list = app.api(Method::GET, &path, None, None).await;
    assert_eq!(list.json()[0]["replies"], 2);

    // Only the author edits; the history keeps the first text.
    let res = app
        .api(
            Method::PATCH,
            &format!("{path}/{id}"),
            None,
            Some(json!({"body": "Übernommen"})),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    app.login_staff(&p.a.1).await;
    let res = app
        .api(
            Method::PATCH,
            &format!("{path}/{id}"),
            None,
            Some(json!({"body": "Bitte bis Freitag prüfen."})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.json()["edited_at"].is_string());
    let versions = app
        .api(Method::GET, &format!("{path}/{id}/versions"), None, None)
        .await;
    assert!(
        versions.json()[0]["body"]
            .as_str()
            .expect("body")
            .starts_with("Bitte prüfen")
    );
    let page = app
        .get(&format!("/arbeit/raeume/{room}/nachrichten/{id}"))
        .await;
    assert!(page.body.contains("id=\"verlauf\""), "{}", page.body);
    assert!(page.body.contains("Bitte bis Freitag prüfen."));

    // Bad input: empty, too long, a foreign parent, a bad key — nothing stored.
    let before = app.count("rooms_message").await;
    for (body, field) in [
        (json!({"body": "   ", "client_key": key()}), "body"),
        (
            json!({"body": "x".repeat(4001), "client_key": key()}),
            "body",
        ),
        (
            json!({"body": "Hallo", "parent_id": Uuid::now_v7(), "client_key": key()}),
            "parent_id",
        ),
        (
            json!({"body": "Hallo", "client_key": "not a key!"}),
            "client_key",
        ),
    ] {
        let res = app.api(Method::POST, &path, None, Some(body)).await;
        assert_eq!(res.status, 400, "{}", res.body);
        assert_eq!(res.json()["invalid_params"][0]["field"], field);
    }
    assert_eq!(app.count("rooms_message").await, before);
    // Through the page: an error summary, the text kept.
    let res = app
        .post_form(
            &format!("/arbeit/raeume/{room}/nachrichten"),
            &[("body", ""), ("client_key", &key())],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("href=\"#body\""));
    // The page without JavaScript: post, then the room shows it.
    let res = app
        .post_form(
            &format!("/arbeit/raeume/{room}/nachrichten"),
            &[("body", "Ohne Skript gesendet"), ("client_key", &key())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = app.get(&format!("/arbeit/raeume/{room}")).await;
    assert!(page.body.contains("Ohne Skript gesendet"));

    // Deleting one's own message removes its text and history.
    let res = app
        .api(Method::DELETE, &format!("{path}/{id}"), None, None)
        .await;
    assert_eq!(res.status, 204, "{}", res.body);
    let versions = app
        .api(Method::GET, &format!("{path}/{id}/versions"), None, None)
        .await;
    assert_eq!(versions.json().as_array().map(Vec::len), Some(0));
    let thread = app
        .api(Method::GET, &format!("{path}/{id}/thread"), None, None)
        .await;
    assert_eq!(thread.json()["message"]["body"], "");
    assert!(thread.json()["message"]["deleted_at"].is_string());
}

#[tokio::test]
async fn projects_communities_direct_rooms_and_archiving() {
    let app = app().await;
    let p = people(&app).await;
    let svc = &app.app.rooms;
    app.login_staff(&p.a.1).await;
    let res = app
        .api(
            Method::POST,
            "/api/v1/rooms",
            None,
            Some(json!({"kind": "project", "name": "Umzug Bürgerbüro"})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let project: Uuid = res.json()["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    assert!(matches!(
        svc.room(&p.b.0, project).await,
        Err(rooms::RoomsError::NotFound)
    ));
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{project}/members"),
            None,
            Some(json!({"email": p.b.1, "role": "reader"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{project}/members"),
            None,
            Some(json!({"email": "niemand@musterstadt.example", "role": "reader"})),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    // A reader reads but may not write.
    app.login_staff(&p.b.1).await;
    let res = app
        .api(Method::GET, &format!("/api/v1/rooms/{project}"), None, None)
        .await;
    assert_eq!(res.json()["role"], "reader");
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{project}/messages"),
            None,
            Some(json!({"body": "Darf ich?", "client_key": key()})),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);

    // A community: anyone reads and joins, then writes.
    let res = app
        .api(
            Method::POST,
            "/api/v1/rooms",
            None,
            Some(json!({"kind": "community", "name": "Mobiles Arbeiten – Tipps"})),
        )
        .await;
    let community = res.json()["id"].as_str().expect("id").to_owned();
    app.login_staff(&p.stranger.1).await;
    let list = app.api(Method::GET, "/api/v1/rooms", None, None).await;
    assert!(
        list.json()["communities"]
            .as_array()
            .expect("list")
            .iter()
            .any(|e| e["room"]["id"] == community.as_str())
    );
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{community}/messages"),
            None,
            Some(json!({"body": "Hallo", "client_key": key()})),
        )
        .await;
    assert_eq!(res.status, 403, "joining comes first: {}", res.body);
    let res = app
        .post_form(&format!("/arbeit/raeume/{community}/beitreten"), &[])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{community}/messages"),
            None,
            Some(json!({"body": "Tipp: Bildschirm sperren!", "client_key": key()})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    // Bad kinds and names are refused.
    let res = app
        .api(
            Method::POST,
            "/api/v1/rooms",
            None,
            Some(json!({"kind": "team", "name": ""})),
        )
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.json()["invalid_params"].as_array().map(Vec::len),
        Some(2)
    );

    // Direct messages: one room per pair, private to the two.
    let other = p.a.0.account.expect("a");
    let d1 = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/direct/{}", other.0),
            None,
            None,
        )
        .await;
    let d2 = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/direct/{}", other.0),
            None,
            None,
        )
        .await;
    assert_eq!(d1.status, 200, "{}", d1.body);
    assert_eq!(d1.json()["id"], d2.json()["id"]);
    let direct: Uuid = d1.json()["id"].as_str().expect("id").parse().expect("uuid");
    assert!(svc.room(&p.a.0, direct).await.is_ok());
    assert!(matches!(
        svc.room(&p.b.0, direct).await,
        Err(rooms::RoomsError::NotFound)
    ));

    // Archived: read-only for everyone, the owner may open it again.
    app.login_staff(&p.a.1).await;
    let res = app
        .api(
            Method::PUT,
            &format!("/api/v1/rooms/{project}/archive"),
            None,
            Some(json!({"archived": true})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{project}/messages"),
            None,
            Some(json!({"body": "Noch was", "client_key": key()})),
        )
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    let page = app.get(&format!("/arbeit/raeume/{project}")).await;
    assert!(page.body.contains("archiviert"));
    assert!(!page.body.contains("id=\"post-form\""));
    let res = app
        .api(
            Method::PUT,
            &format!("/api/v1/rooms/{project}/archive"),
            None,
            Some(json!({"archived": false})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    app.login_staff(&p.b.1).await;
    let res = app
        .api(
            Method::PUT,
            &format!("/api/v1/rooms/{project}/archive"),
            None,
            Some(json!({"archived": true})),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
}

/// Reads server-sent events from `res` until `want` events of `kind`
/// arrived (bounded: the test fails rather than hangs).
async fn events(res: &mut reqwest::Response, kind: &str, want: usize) -> Vec<(String, String)> {
    let mut buf = String::new();
    let mut out = Vec::new();
    while out
        .iter()
        .filter(|(k, _): &&(String, String)| k == kind)
        .count()
        < want
    {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), res.chunk())
            .await
            .expect("an event within 10 s")
            .expect("stream")
            .expect("open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut event = String::from("message");
            let mut data = String::new();
            let mut id = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().to_owned();
                }
            }
            if !data.is_empty() {
                out.push((event, format!("{id}|{data}")));
            }
        }
    }
    out
}

#[tokio::test]
async fn messages_reach_an_open_stream_live_once_and_a_reconnect_gets_what_it_missed() {
    let app = app().await;
    let p = people(&app).await;
    let room = team_room(&app, &p.a.0, &p.unit).await;
    let svc = &app.app.rooms;
    // B opens the room's stream.
    app.login_staff(&p.b.1).await;
    let mut stream = app
        .client
        .get(format!("{}/api/v1/rooms/{room}/events", app.address))
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), 200);
    // A posts (the same message twice, as after a dropped connection).
    let input = rooms::service::PostInput {
        body: "Live!".into(),
        parent_id: None,
        client_key: key(),
    };
    let (m, created) = svc.post(&p.a.0, room, input.clone()).await.expect("post");
    assert!(created);
    let (again, created) = svc.post(&p.a.0, room, input).await.expect("post again");
    assert!(!created);
    assert_eq!(again.id, m.id);
    let (m2, _) = svc
        .post(
            &p.a.0,
            room,
            rooms::service::PostInput {
                body: "Zweite".into(),
                parent_id: None,
                client_key: key(),
            },
        )
        .await
        .expect("post");
    let got = events(&mut stream, "posted", 2).await;
    let posted: Vec<&String> = got
        .iter()
        .filter(|(k, _)| k == "posted")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(posted.len(), 2, "{got:?}");
    assert!(
        posted[0].starts_with("1|") && posted[0].contains(&m.id.to_string()),
        "{posted:?}"
    );
    assert!(posted[1].starts_with("2|") && posted[1].contains(&m2.id.to_string()));
    drop(stream);

    // A reconnect after event 1 gets event 2 from the database first; the
    // page's stream sends list items.
    let mut page_stream = app
        .client
        .get(format!("{}/arbeit/raeume/{room}/live", app.address))
        .header("Last-Event-ID", "1")
        .send()
        .await
        .expect("stream");
    let got = events(&mut page_stream, "posted", 1).await;
    assert!(got[0].1.starts_with("2|<li"), "{got:?}");
    assert!(got[0].1.contains("Zweite"));
    // An edit arrives as such.
    svc.edit(&p.a.0, room, m2.id, "Zweite, korrigiert")
        .await
        .expect("edit");
    let got = events(&mut page_stream, "edited", 1).await;
    assert!(
        got.iter()
            .any(|(k, d)| k == "edited" && d.contains("korrigiert")),
        "{got:?}"
    );
    // Someone outside the room gets no stream.
    app.login_staff(&p.stranger.1).await;
    let res = app
        .api(
            Method::GET,
            &format!("/api/v1/rooms/{room}/events"),
            None,
            None,
        )
        .await;
    assert_eq!(res.status, 404);
}

#[tokio::test]
async fn wiki_pages_keep_their_history_compare_restore_and_refuse_a_silent_overwrite() {
    let app = app().await;
    let p = people(&app).await;
    let room = team_room(&app, &p.a.0, &p.unit).await;
    let wiki = format!("/api/v1/rooms/{room}/wiki");
    app.login_staff(&p.a.1).await;
    let res = app
        .api(Method::POST, &wiki, None, Some(json!({"title": "Führen auf Distanz", "body": "Regeln:\n\n- Kernzeit 9–15 Uhr\n\nSiehe [[VPN-Zugang]].\n\n<script>alert(1)</script>", "pinned": true})))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.json()["slug"], "fuehren-auf-distanz");
    let page = format!("{wiki}/fuehren-auf-distanz");
    let view = app.api(Method::GET, &page, None, None).await;
    let html = view.json()["html"].as_str().expect("html").to_owned();
    assert!(
        html.contains(&format!("href=\"/arbeit/raeume/{room}/wiki/vpn-zugang\"")),
        "{html}"
    );
    assert!(!html.contains("<script"), "sanitised: {html}");
    // The same title twice is refused.
    let res = app
        .api(
            Method::POST,
            &wiki,
            None,
            Some(json!({"title": "Führen auf Distanz", "body": "x"})),
        )
        .await;
    assert_eq!(res.status, 400);

    // A and B both open revision 1; B saves first; A's save conflicts and
    // nothing is overwritten.
    app.login_staff(&p.b.1).await;
    let res = app.api(Method::PUT, &page, None, Some(json!({"title": "Führen auf Distanz", "body": "Regeln:\n\n- Kernzeit 9–14 Uhr\n", "base_revision": 1, "pinned": true}))).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["revision"], 2);
    app.login_staff(&p.a.1).await;
    let res = app
        .api(
            Method::PUT,
            &page,
            None,
            Some(
                json!({"title": "Führen auf Distanz", "body": "Meine Fassung", "base_revision": 1}),
            ),
        )
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    let view = app.api(Method::GET, &page, None, None).await;
    assert!(
        view.json()["page"]["body"]
            .as_str()
            .expect("body")
            .contains("9–14")
    );
    // Through the page: both texts are shown, the editor's kept.
    let res = app
        .post_form(
            &format!("/arbeit/raeume/{room}/wiki/fuehren-auf-distanz/bearbeiten"),
            &[
                ("title", "Führen auf Distanz"),
                ("body", "Meine Fassung"),
                ("base_revision", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("id=\"current-version\""));
    assert!(res.body.contains("9–14"));
    assert!(res.body.contains("Meine Fassung"));
    assert!(res.body.contains("name=\"base_revision\" value=\"2\""));

    // History and comparison.
    let revs = app
        .api(Method::GET, &format!("{page}/revisions"), None, None)
        .await;
    assert_eq!(revs.json().as_array().map(Vec::len), Some(2));
    assert_eq!(
        revs.json()[0]["author_name"],
        p.b.1.split('@').next().expect("local")
    );
    let diff = app
        .api(Method::GET, &format!("{page}/diff?from=1&to=2"), None, None)
        .await;
    let lines = diff.json().as_array().cloned().expect("lines");
    assert!(
        lines
            .iter()
            .any(|l| l["change"] == "delete" && l["text"] == "- Kernzeit 9–15 Uhr"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["change"] == "insert" && l["text"] == "- Kernzeit 9–14 Uhr")
    );
    let hist = app
        .get(&format!(
            "/arbeit/raeume/{room}/wiki/fuehren-auf-distanz/verlauf?von=1&bis=2"
        ))
        .await;
    assert_eq!(hist.status, 200);
    assert!(hist.body.contains("rh-diff__line--insert"));
    // Restore revision 1 as revision 3.
    let res = app
        .api(
            Method::POST,
            &format!("{page}/restore"),
            None,
            Some(json!({"revision": 1, "base_revision": 2})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["revision"], 3);
    assert!(res.json()["body"].as_str().expect("body").contains("9–15"));
    let revs = app
        .api(Method::GET, &format!("{page}/revisions"), None, None)
        .await;
    assert_eq!(revs.json()[0]["restored_from"], 1);
    // The room's start page lists the pinned page.
    let start = app.get(&format!("/arbeit/raeume/{room}")).await;
    assert!(start.body.contains("/wiki/fuehren-auf-distanz"));
    // The room's owner exports its content with every revision; a member
    // may not.
    let export = format!("/api/v1/rooms/{room}/export");
    let res = app.api(Method::GET, &export, None, None).await;
    assert_eq!(res.status, 403, "{}", res.body);
    app.login_staff(&p.boss.1).await;
    let res = app.api(Method::GET, &export, None, None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["room"]["id"], room.to_string());
    assert_eq!(
        res.json()["pages"][0]["revisions"].as_array().map(Vec::len),
        Some(3)
    );
    assert!(
        res.json()["members"]
            .as_array()
            .is_some_and(|m| m.len() >= 3)
    );
    let file = app.get(&format!("/arbeit/raeume/{room}/export")).await;
    assert_eq!(file.status, 200);
    assert!(file.headers.get("content-disposition").is_some());
    // Someone outside the room reads nothing.
    app.login_staff(&p.stranger.1).await;
    let res = app.api(Method::GET, &page, None, None).await;
    assert_eq!(res.status, 404);
}

#[tokio::test]
async fn intranet_news_are_read_by_all_staff_written_by_admins_and_commented() {
    let app = app().await;
    let p = people(&app).await;
    let svc = &app.app.rooms;
    let intranet = svc.intranet(&p.a.0).await.expect("intranet").id;
    let admin = person(
        &app,
        &format!("admin.{}", Uuid::now_v7().simple()),
        "10",
        &[Role::Admin],
    )
    .await;
    // A clerk reads but may not publish.
    app.login_staff(&p.a.1).await;
    let path = format!("/api/v1/rooms/{intranet}/news");
    let res = app
        .api(
            Method::POST,
            &path,
            None,
            Some(json!({"title": "Hallo", "body": "Text"})),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    app.login_staff(&admin.1).await;
    let res = app
        .api(Method::POST, &path, None, Some(json!({"title": "Informationssicherheit zu Hause", "body": "Sperren Sie den Bildschirm (**Windows + L**), wenn Sie den Platz verlassen."})))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let post = res.json()["id"].as_str().expect("id").to_owned();
    let res = app
        .api(
            Method::POST,
            &path,
            None,
            Some(json!({"title": "", "body": ""})),
        )
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.json()["invalid_params"].as_array().map(Vec::len),
        Some(2)
    );
    // Everyone reads and comments.
    app.login_staff(&p.stranger.1).await;
    let res = app
        .api(Method::GET, &format!("{path}/{post}"), None, None)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.json()["html"]
            .as_str()
            .expect("html")
            .contains("<strong>Windows + L</strong>")
    );
    let res = app
        .api(
            Method::POST,
            &format!("{path}/{post}/comments"),
            None,
            Some(json!({"comment": "Danke für den Hinweis!"})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let res = app
        .api(
            Method::POST,
            &format!("{path}/{post}/comments"),
            None,
            Some(json!({"comment": "  "})),
        )
        .await;
    assert_eq!(res.status, 400);
    let page = app
        .get(&format!("/arbeit/raeume/{intranet}/neuigkeiten/{post}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Danke für den Hinweis!"));
    let res = app
        .post_form(
            &format!("/arbeit/raeume/{intranet}/neuigkeiten/{post}/kommentare"),
            &[("comment", "")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("href=\"#comment\""));
    assert_eq!(app.count("rooms_comment").await, 1);
}

#[tokio::test]
async fn without_a_jitsi_server_the_room_explains_that_video_needs_one() {
    let app = app().await;
    let p = people(&app).await;
    let room = team_room(&app, &p.a.0, &p.unit).await;
    app.login_staff(&p.a.1).await;
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{room}/meetings/now"),
            None,
            None,
        )
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(
        res.json()["detail"]
            .as_str()
            .expect("detail")
            .contains("Jitsi")
    );
    let page = app.get(&format!("/arbeit/raeume/{room}")).await;
    assert!(page.body.contains("id=\"video-missing\""));
    assert!(!page.body.contains("id=\"video-now\""));
}

#[tokio::test]
async fn a_video_meeting_is_joined_with_a_signed_token_jitsi_accepts() {
    use chrono::Duration;
    use kernel::Clock;
    let app = testkit::spawn_app_with(|s| {
        s.rooms.jitsi_url = "https://meet.musterstadt.example/".into();
        s.rooms.jitsi_app_id = "rathaus".into();
        s.rooms.jitsi_secret = "geheim-und-lang-genug-fuer-hs256".into();
        s.rooms.jitsi_dial_in = "+49 711 2160".into();
    })
    .await;
    app.seed_demo().await;
    let p = people(&app).await;
    let room = team_room(&app, &p.a.0, &p.unit).await;
    // A clerk schedules; members are invited by e-mail with the calendar file.
    app.login_staff(&p.a.1).await;
    let starts = app.clock.now() + Duration::hours(2);
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{room}/meetings"),
            None,
            Some(json!({"title": "Teamrunde", "starts_at": starts, "minutes": 45})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let meeting = res.json()["id"].as_str().expect("id").to_owned();
    assert!(
        res.json().get("jitsi_room").is_none(),
        "the room name is only in the join link"
    );
    app.run_jobs().await;
    assert!(
        app.mails()
            .iter()
            .any(|m| m.contains(&p.b.1) && m.contains("Teamrunde") && m.contains(".ics"))
    );
    let ics = app
        .get(&format!("/arbeit/raeume/{room}/termine/{meeting}.ics"))
        .await;
    assert_eq!(ics.status, 200);
    assert!(
        ics.body.contains("BEGIN:VCALENDAR") && ics.body.contains("SUMMARY:Teamrunde"),
        "{}",
        ics.body
    );
    // Too early to join; from 15 minutes before it works.
    let join = format!("/api/v1/rooms/{room}/meetings/{meeting}/join");
    let res = app.api(Method::POST, &join, None, None).await;
    assert_eq!(res.status, 409, "{}", res.body);
    app.clock.advance(Duration::minutes(110));
    let res = app.api(Method::POST, &join, None, None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["dial_in"], "+49 711 2160");
    let url = res.json()["url"].as_str().expect("url").to_owned();
    let (base, token) = url.split_once("?jwt=").expect("token in the link");
    let jitsi_room = base
        .strip_prefix("https://meet.musterstadt.example/")
        .expect("server");
    assert!(
        jitsi_room.starts_with("rathaus-") && jitsi_room.len() >= 40,
        "unguessable: {jitsi_room}"
    );
    // The token as Jitsi checks it: signature, issuer, audience, expiry.
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    v.set_audience(&["jitsi"]);
    v.set_issuer(&["rathaus"]);
    v.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let data = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(b"geheim-und-lang-genug-fuer-hs256"),
        &v,
    )
    .expect("a valid token");
    let c = data.claims;
    assert_eq!(c["sub"], "meet.musterstadt.example");
    assert_eq!(c["room"], jitsi_room);
    assert_eq!(c["context"]["user"]["email"], p.a.1.as_str());
    assert_eq!(
        c["context"]["user"]["moderator"], true,
        "the organiser moderates"
    );
    assert!(c["exp"].as_i64().expect("exp") > app.clock.now().timestamp());
    assert!(
        jsonwebtoken::decode::<serde_json::Value>(
            token,
            &jsonwebtoken::DecodingKey::from_secret(b"falsch"),
            &v
        )
        .is_err()
    );
    // Another member joins without moderating; a stranger not at all.
    app.login_staff(&p.b.1).await;
    let res = app.api(Method::POST, &join, None, None).await;
    let token = res.json()["url"]
        .as_str()
        .expect("url")
        .split_once("?jwt=")
        .expect("jwt")
        .1
        .to_owned();
    let c = jsonwebtoken::decode::<serde_json::Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_secret(b"geheim-und-lang-genug-fuer-hs256"),
        &v,
    )
    .expect("valid")
    .claims;
    assert_eq!(c["context"]["user"]["moderator"], false);
    app.login_staff(&p.stranger.1).await;
    let res = app.api(Method::POST, &join, None, None).await;
    assert_eq!(res.status, 404, "{}", res.body);
    // After the meeting (and the hour of grace) the link is refused.
    app.login_staff(&p.b.1).await;
    app.clock.advance(Duration::hours(3));
    let res = app.api(Method::POST, &join, None, None).await;
    assert_eq!(res.status, 409, "{}", res.body);
    // "Start video meeting" on the page leads to the meeting's page, whose
    // link opens Jitsi with a token.
    let res = app
        .post_form(&format!("/arbeit/raeume/{room}/video"), &[])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let meeting_page = res.location.expect("location");
    assert!(
        meeting_page.starts_with(&format!("/arbeit/raeume/{room}/termine/")),
        "{meeting_page}"
    );
    let page = app.get(&meeting_page).await;
    assert!(
        page.body
            .contains("href=\"https://meet.musterstadt.example/rathaus-"),
        "{}",
        page.body
    );
    assert!(page.body.contains("?jwt="));
    assert!(page.body.contains("+49 711 2160"));
    // The page of a meeting that is over says so.
    let page = app
        .get(&format!("/arbeit/raeume/{room}/termine/{meeting}"))
        .await;
    assert!(page.body.contains("id=\"join-problem\""), "{}", page.body);
    assert!(!page.body.contains("?jwt="));
    // Bad input is named.
    let res = app
        .api(Method::POST, &format!("/api/v1/rooms/{room}/meetings"), None, Some(json!({"title": "", "starts_at": app.clock.now() - Duration::days(1), "minutes": 1000})))
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.json()["invalid_params"].as_array().map(Vec::len),
        Some(3)
    );
}

#[tokio::test]
async fn knowledge_search_finds_stemmed_words_only_in_rooms_one_reads() {
    let app = app().await;
    let p = people(&app).await;
    let room = team_room(&app, &p.a.0, &p.unit).await;
    let svc = &app.app.rooms;
    svc.post(
        &p.a.0,
        room,
        rooms::service::PostInput {
            body: "Die Dienstreisen nach Berlin sind genehmigt.".into(),
            parent_id: None,
            client_key: key(),
        },
    )
    .await
    .expect("post");
    svc.create_page(
        &p.a.0,
        room,
        rooms::wiki::PageInput {
            title: "Reisekosten".into(),
            body: "Für jede Dienstreise gilt das Landesreisekostengesetz.".into(),
            pinned: false,
            base_revision: None,
        },
    )
    .await
    .expect("page");
    let (deleted, _) = svc
        .post(
            &p.a.0,
            room,
            rooms::service::PostInput {
                body: "Geheime Dienstreise, bitte löschen".into(),
                parent_id: None,
                client_key: key(),
            },
        )
        .await
        .expect("post");
    svc.delete(&p.a.0, room, deleted.id).await.expect("delete");
    app.run_jobs().await;
    // B (same team) finds both through the stem; the deleted one is gone.
    app.login_staff(&p.b.1).await;
    let res = app
        .api(
            Method::GET,
            "/api/v1/rooms/search?q=Dienstreise",
            None,
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let hits = res.json()["hits"].as_array().cloned().expect("hits");
    let kinds: Vec<&str> = hits.iter().filter_map(|h| h["kind"].as_str()).collect();
    assert!(
        kinds.contains(&"message") && kinds.contains(&"page"),
        "{hits:?}"
    );
    assert!(!hits.iter().any(|h| {
        h["passage_html"]
            .as_str()
            .is_some_and(|t| t.contains("Geheime"))
    }));
    assert!(
        hits.iter()
            .all(|h| h["room_id"] == room.to_string() || h["kind"] == "post")
    );
    let page = app.get("/arbeit/raeume/suche?q=Dienstreisen").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Landesreisekostengesetz") || page.body.contains("Reisekosten"),
        "{}",
        page.body
    );
    // The stranger sees none of the team's words.
    app.login_staff(&p.stranger.1).await;
    let res = app
        .api(
            Method::GET,
            "/api/v1/rooms/search?q=Dienstreise",
            None,
            None,
        )
        .await;
    assert_eq!(res.json()["total"], 0, "{}", res.body);
    // Everyone finds the intranet news.
    let res = app
        .api(Method::GET, "/api/v1/rooms/search?q=Bildschirm", None, None)
        .await;
    assert!(
        res.json()["total"].as_u64().expect("total") >= 1,
        "{}",
        res.body
    );
}

#[tokio::test]
async fn a_room_links_e_akte_files_and_opening_one_checks_the_files_own_permissions() {
    let app = app().await;
    let case = crate::delivery::citizen_case(&app).await;
    let unit = crate::case_work::unit_code(&app, &case).await;
    let n = Uuid::now_v7().simple().to_string();
    let tail = &n[n.len() - 6..];
    let clerk = person(&app, &format!("akte.{tail}"), &unit, &[Role::Clerk]).await;
    let boss = person(&app, &format!("chef.{tail}"), &unit, &[Role::Manager]).await;
    let guest = person(
        &app,
        &format!("gast.{tail}"),
        &format!("6{}", &tail[..4]),
        &[Role::Clerk],
    )
    .await;
    let (rooms, _) = app.app.rooms.my_rooms(&clerk.0).await.expect("rooms");
    let room = rooms
        .iter()
        .find(|e| e.room.org_unit_id == Some(case.org_unit_id))
        .map(|e| e.room.id)
        .expect("the case's unit's team room");
    let files = format!("/api/v1/rooms/{room}/files");
    app.login_staff(&clerk.1).await;
    let res = app
        .api(
            Method::POST,
            &files,
            None,
            Some(json!({"reference": "gibt es nicht"})),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.json()["invalid_params"][0]["field"], "reference");
    let res = app
        .api(
            Method::POST,
            &files,
            None,
            Some(json!({"reference": case.reference})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let page = app.get(&format!("/arbeit/raeume/{room}")).await;
    assert!(
        page.body
            .contains(&format!("href=\"/arbeit/vorgaenge/{}\"", case.id))
    );
    assert_eq!(
        app.get(&format!("/arbeit/vorgaenge/{}", case.id))
            .await
            .status,
        200
    );
    // A reader from another unit sees the link, but the case stays closed
    // to them; nor may they link it.
    app.login_staff(&boss.1).await;
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{room}/members"),
            None,
            Some(json!({"email": guest.1, "role": "reader"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    app.login_staff(&guest.1).await;
    let res = app.api(Method::GET, &files, None, None).await;
    assert_eq!(res.json()[0]["file_id"], case.id.to_string());
    assert_eq!(
        app.get(&format!("/arbeit/vorgaenge/{}", case.id))
            .await
            .status,
        403
    );
    let res = app
        .api(
            Method::POST,
            &files,
            None,
            Some(json!({"reference": case.reference})),
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    // In a project room of their own, the case is unknown to them.
    let res = app
        .api(
            Method::POST,
            "/api/v1/rooms",
            None,
            Some(json!({"kind": "project", "name": "Eigenes"})),
        )
        .await;
    let own = res.json()["id"].as_str().expect("id").to_owned();
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/rooms/{own}/files"),
            None,
            Some(json!({"reference": case.reference})),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(app.count("rooms_file_link").await, 1);
}

#[tokio::test]
async fn a_video_consultation_on_a_case_invites_the_applicant_who_joins_without_moderating() {
    use chrono::{TimeZone, Utc};
    let app = testkit::spawn_app_with(|s| {
        s.rooms.jitsi_url = "https://meet.musterstadt.example".into();
        s.rooms.jitsi_app_id = "rathaus".into();
        s.rooms.jitsi_secret = "geheim-und-lang-genug-fuer-hs256".into();
    })
    .await;
    app.clock.set(
        Utc.with_ymd_and_hms(2027, 1, 4, 8, 0, 0)
            .single()
            .expect("time"),
    );
    app.seed_demo().await;
    let case = crate::delivery::citizen_case(&app).await;
    let unit = crate::case_work::unit_code(&app, &case).await;
    let n = Uuid::now_v7().simple().to_string();
    let tail = &n[n.len() - 6..];
    let clerk = person(&app, &format!("video.{tail}"), &unit, &[Role::Clerk]).await;
    let stranger = person(
        &app,
        &format!("anders.{tail}"),
        &format!("6{}", &tail[..4]),
        &[Role::Clerk],
    )
    .await;
    // Someone who may not work on the case cannot start one.
    app.login_staff(&stranger.1).await;
    let res = app
        .post_form(&format!("/arbeit/vorgaenge/{}/video", case.id), &[])
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(app.count("rooms_meeting").await, 0);
    // The clerk starts it from the case page and joins as moderator.
    app.login_staff(&clerk.1).await;
    let page = app.get(&format!("/arbeit/vorgaenge/{}", case.id)).await;
    assert!(page.body.contains("id=\"case-video\""), "{}", page.body);
    let res = app
        .post_form(&format!("/arbeit/vorgaenge/{}/video", case.id), &[])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let meeting_page = res.location.expect("location");
    let meeting = meeting_page.rsplit('/').next().expect("id").to_owned();
    let page = app.get(&meeting_page).await;
    assert!(page.body.contains("?jwt="), "{}", page.body);
    // The applicant is told on the case (portal message and e-mail).
    app.run_jobs().await;
    let link = format!("/konto/videoberatung/{meeting}");
    assert!(
        app.mails()
            .iter()
            .any(|m| m.contains("erika.mustermann@example.org")),
        "the applicant gets an e-mail"
    );
    let messages: i64 = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM cases_message WHERE case_id = $1 AND body LIKE $2").bind(case.id).bind(format!("%{link}%")).fetch_one(pool).await).expect("count");
    assert_eq!(messages, 1, "the invitation is filed on the case");
    // The applicant joins: a token with her name, not moderating.
    app.login_citizen("erika.mustermann@example.org").await;
    let page = app.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let token = page
        .body
        .split("?jwt=")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("token")
        .to_owned();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    v.set_audience(&["jitsi"]);
    let c = jsonwebtoken::decode::<serde_json::Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_secret(b"geheim-und-lang-genug-fuer-hs256"),
        &v,
    )
    .expect("valid")
    .claims;
    assert_eq!(
        c["context"]["user"]["email"],
        "erika.mustermann@example.org"
    );
    assert_eq!(c["context"]["user"]["moderator"], false);
    // An unknown meeting is nobody's.
    let res = app
        .get(&format!("/konto/videoberatung/{}", Uuid::now_v7()))
        .await;
    assert_eq!(res.status, 404);
    // After the consultation the link says it is over.
    app.clock.advance(chrono::Duration::hours(3));
    let page = app.get(&link).await;
    assert!(page.body.contains("id=\"join-problem\""), "{}", page.body);
}
