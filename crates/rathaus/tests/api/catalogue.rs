use reqwest::Method;
use serde_json::json;
use testkit::{TestApp, spawn_app};

async fn demo() -> TestApp {
    let app = spawn_app().await;
    app.seed_demo().await;
    app
}

async fn titles(app: &TestApp, q: &str) -> Vec<String> {
    let res = app
        .api(
            Method::GET,
            &format!("/api/v1/services?q={}&limit=5", urlencode(q)),
            None,
            None,
        )
        .await
        .json();
    res["services"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["title"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn hund_anmelden_finds_the_dog_tax_registration_first() {
    let app = demo().await;
    assert_eq!(
        titles(&app, "Hund anmelden")
            .await
            .first()
            .map(String::as_str),
        Some("Hundesteuer – Anmeldung")
    );
}

#[tokio::test]
async fn parkausweis_finds_the_residents_parking_permit_by_a_part_of_the_compound() {
    let app = demo().await;
    assert!(
        titles(&app, "Parkausweis")
            .await
            .iter()
            .any(|t| t.contains("Bewohnerparkausweis"))
    );
}

#[tokio::test]
async fn a_typo_of_one_letter_still_finds_the_parking_permit() {
    let app = demo().await;
    assert!(
        titles(&app, "Parkausweiss")
            .await
            .iter()
            .any(|t| t.contains("Bewohnerparkausweis"))
    );
    assert!(
        titles(&app, "Meldebescheinigunk")
            .await
            .iter()
            .any(|t| t.contains("Meldebescheinigung"))
    );
}

#[tokio::test]
async fn the_search_page_lists_results_and_says_when_nothing_matches() {
    let app = demo().await;
    let page = app.get("/leistungen?q=Sperrm%C3%BCll").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Sperrmüll"));
    let none = app.get("/leistungen?q=Raumschiff").await;
    assert!(none.body.contains("Nichts gefunden"));
    let by_situation = app.get("/leistungen?lage=umzug").await;
    assert!(by_situation.body.contains("Umzug"));
    assert!(by_situation.body.contains("Wohnsitz"));
}

#[tokio::test]
async fn drafts_are_neither_found_nor_shown() {
    let app = demo().await;
    let all = app
        .api(Method::GET, "/api/v1/services?limit=100", None, None)
        .await
        .json();
    let titles: Vec<&str> = all["services"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["title"].as_str()).collect())
        .unwrap_or_default();
    assert!(titles.len() >= 30, "{}", titles.len());
    assert!(
        all["services"]
            .as_array()
            .is_some_and(|a| a.iter().all(|s| s["status"] == "published"))
    );
    let draft = app.get("/leistungen/bauvoranfrage").await;
    assert_eq!(draft.status, 404);
}

#[tokio::test]
async fn the_service_page_shows_what_a_citizen_needs() {
    let app = demo().await;
    let page = app.get("/leistungen/bewohnerparkausweis").await;
    assert_eq!(page.status, 200);
    for expected in [
        "Bewohnerparkausweis",
        "Unterlagen",
        "Gebühr",
        "Zuständige Stelle",
        "Öffnungszeiten",
        "LeiKa",
        "Rechtsgrundlagen",
        "id=\"maturity\"",
    ] {
        assert!(page.body.contains(expected), "{expected} missing");
    }
    assert!(
        page.body
            .contains("href=\"/leistungen/bewohnerparkausweis/antrag\" id=\"apply\""),
        "a published form is offered"
    );
    let offline = app.get("/leistungen/fuehrungszeugnis").await;
    assert_eq!(offline.status, 200);
    assert!(
        offline.body.contains("noch nicht online beantragen"),
        "honest while no form is available"
    );
    assert!(!offline.body.contains("id=\"apply\""));
}

#[tokio::test]
async fn the_start_page_offers_search_and_life_situations() {
    let app = demo().await;
    let page = app.get("/").await;
    assert!(page.body.contains("role=\"search\""));
    assert!(page.body.contains("/leistungen?lage=umzug"));
}

#[tokio::test]
async fn an_editor_creates_publishes_edits_and_withdraws_a_service_and_search_follows() {
    let app = demo().await;
    app.login_staff("admin@musterstadt.example").await;
    let new = app.get("/arbeit/admin/leistungen/neu").await;
    assert_eq!(new.status, 200);
    let unit = new.option_values().into_iter().next().expect("a unit");
    let fields = |title: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("title", title.to_owned()),
            ("slug", "fischereischein".into()),
            ("short_description", "Angeln in Musterstadt.".into()),
            (
                "long_description",
                "Mit dem **Fischereischein** dürfen Sie angeln.".into(),
            ),
            ("leika_key", "99000000000001".into()),
            ("org_unit", unit.clone()),
            ("life_situations", "tiere".into()),
            (
                "prerequisites",
                "Fischerprüfung\nWohnsitz in Musterstadt".into(),
            ),
            ("required_documents", "Prüfungszeugnis".into()),
            ("fee_kind", "fixed".into()),
            ("fee_amount", "24,50".into()),
            ("processing_time", "sofort".into()),
            (
                "legal_basis",
                "Landesfischereigesetz | https://musterstadt.example/ortsrecht/fischerei".into(),
            ),
            ("maturity_level", "1".into()),
        ]
    };
    let owned = fields("Fischereischein beantragen");
    let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = app
        .post_form("/arbeit/admin/leistungen/neu", &borrowed)
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let edit_path = created
        .location
        .clone()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    app.run_jobs().await;
    assert!(
        !titles(&app, "Fischereischein")
            .await
            .iter()
            .any(|t| t.contains("Fischerei")),
        "a draft is not searchable"
    );
    assert_eq!(
        app.post_form(&format!("{edit_path}/veroeffentlichen"), &[])
            .await
            .status,
        303
    );
    app.run_jobs().await;
    assert!(
        titles(&app, "Fischereischein")
            .await
            .iter()
            .any(|t| t.contains("Fischerei"))
    );
    let page = app.get("/leistungen/fischereischein").await;
    assert!(page.body.contains("24,50 €"));
    assert!(page.body.contains("<strong>Fischereischein</strong>"));
    // Edit: the revision on the form guards against lost updates.
    let form = app.get(&edit_path).await;
    let revision = form
        .between("name=\"revision\" value=\"", "\"")
        .expect("revision");
    let mut changed = fields("Angelschein beantragen");
    changed.push(("revision", revision.clone()));
    let borrowed: Vec<(&str, &str)> = changed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.post_form(&edit_path, &borrowed).await.status, 303);
    let stale = app.post_form(&edit_path, &borrowed).await;
    assert_eq!(stale.status, 409, "an old revision is refused");
    app.run_jobs().await;
    assert!(
        titles(&app, "Angelschein")
            .await
            .iter()
            .any(|t| t == "Angelschein beantragen")
    );
    assert_eq!(
        app.post_form(&format!("{edit_path}/zurueckziehen"), &[])
            .await
            .status,
        303
    );
    app.run_jobs().await;
    assert!(
        !titles(&app, "Angelschein")
            .await
            .iter()
            .any(|t| t == "Angelschein beantragen")
    );
    assert_eq!(app.get("/leistungen/fischereischein").await.status, 404);
    app.app.log.flush().await.expect("flush");
    let entries = app
        .api(Method::GET, "/api/v1/audit/entries", None, None)
        .await
        .json();
    let actions: Vec<&str> = entries
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    for a in [
        "service.created",
        "service.published",
        "service.updated",
        "service.unpublished",
    ] {
        assert!(actions.contains(&a), "{a} not logged: {actions:?}");
    }
}

#[tokio::test]
async fn an_invalid_service_form_names_each_field_and_saves_nothing() {
    let app = demo().await;
    app.login_staff("admin@musterstadt.example").await;
    let before = app.count("catalogue_service").await;
    let page = app
        .post_form(
            "/arbeit/admin/leistungen/neu",
            &[
                ("title", ""),
                ("slug", "Mit Leerzeichen"),
                ("leika_key", "123"),
                ("fee_kind", "fixed"),
                ("fee_amount", "zwölf"),
                ("legal_basis", "ohne Adresse"),
                ("maturity_level", "9"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    for field in [
        "#title",
        "#slug",
        "#leika_key",
        "#fee_amount",
        "#org_unit",
        "#short_description",
    ] {
        assert!(
            page.body.contains(&format!("href=\"{field}\"")),
            "{field} not in the error summary"
        );
    }
    let taken = app
        .post_form(
            "/arbeit/admin/leistungen/neu",
            &[("slug", "bewohnerparkausweis")],
        )
        .await;
    assert!(taken.body.contains("Diesen Kurznamen hat schon"));
    assert_eq!(app.count("catalogue_service").await, before);
}

#[tokio::test]
async fn the_catalogue_exports_and_imports_as_json_all_or_nothing() {
    let app = demo().await;
    let token = app.api_token(&["catalogue:write"]).await;
    let export = app
        .api(Method::GET, "/api/v1/catalogue", Some(&token), None)
        .await;
    assert_eq!(export.status, 200);
    let mut file = export.json();
    assert_eq!(file["format"], "rathaus-catalogue/1");
    let count = file["services"].as_array().map(Vec::len).unwrap_or(0);
    assert!(count >= 30);
    // Change one title and add one service: an update and a create.
    file["services"][0]["title"] = json!("Geänderter Titel");
    let mut extra = file["services"][0].clone();
    extra["slug"] = json!("ganz-neu");
    extra["title"] = json!("Ganz neue Leistung");
    file["services"].as_array_mut().expect("array").push(extra);
    let report = app
        .api(
            Method::POST,
            "/api/v1/catalogue",
            Some(&token),
            Some(file.clone()),
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.json()["created"], 1);
    assert_eq!(report.json()["updated"], count);
    // One broken entry: nothing changes, and the error names it.
    let mut broken = file.clone();
    broken["services"][2]["leika_key"] = json!("kaputt");
    broken["services"][0]["title"] = json!("Soll nicht ankommen");
    let refused = app
        .api(
            Method::POST,
            "/api/v1/catalogue",
            Some(&token),
            Some(broken),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json()["invalid_params"][0]["field"],
        "services[2].leika_key"
    );
    app.run_jobs().await;
    let all = app
        .api(Method::GET, "/api/v1/services?limit=100", None, None)
        .await
        .body;
    assert!(all.contains("Geänderter Titel") && !all.contains("Soll nicht ankommen"));
    let wrong_format = app
        .api(
            Method::POST,
            "/api/v1/catalogue",
            Some(&token),
            Some(json!({"format": "other/9"})),
        )
        .await;
    assert_eq!(wrong_format.status, 400);
}

#[tokio::test]
async fn the_import_page_shows_where_the_json_breaks() {
    let app = demo().await;
    app.login_staff("admin@musterstadt.example").await;
    let page = app
        .post_form(
            "/arbeit/admin/leistungen/import",
            &[("catalogue", "{\"format\": ")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("kein gültiges JSON"));
    assert!(page.body.contains("line 1"), "{}", page.body);
    let export = app.get("/arbeit/admin/leistungen/export").await;
    assert_eq!(
        export
            .headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok()),
        Some("attachment; filename=\"leistungskatalog.json\"")
    );
    let ok = app
        .post_form(
            "/arbeit/admin/leistungen/import",
            &[("catalogue", &export.body)],
        )
        .await;
    assert_eq!(ok.status, 303);
}

#[tokio::test]
async fn the_api_creates_and_updates_services_with_scopes_and_revisions() {
    let app = demo().await;
    let token = app.api_token(&["catalogue:write"]).await;
    let units = app.api_token(&["org:read"]).await;
    let unit = app
        .api(Method::GET, "/api/v1/org-units", Some(&units), None)
        .await
        .json()[1]["id"]
        .clone();
    let body = json!({"slug": "api-leistung", "title": "Über die API", "short_description": "Kurz.", "long_description": "", "leika_key": "99000000000002",
        "life_situations": [], "prerequisites": [], "required_documents": [], "fee": {"kind": "none"}, "processing_time": "", "legal_basis": [], "org_unit": unit, "maturity_level": 0, "has_form": false});
    let created = app
        .api(
            Method::POST,
            "/api/v1/services",
            Some(&token),
            Some(body.clone()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(created.json()["status"], "draft");
    assert_eq!(
        app.api(Method::GET, &format!("/api/v1/services/{id}"), None, None)
            .await
            .status,
        404,
        "drafts are not public"
    );
    let mut update = body.clone();
    update["title"] = json!("Über die API, geändert");
    update["revision"] = json!(1);
    assert_eq!(
        app.api(
            Method::PUT,
            &format!("/api/v1/services/{id}"),
            Some(&token),
            Some(update.clone())
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.api(
            Method::PUT,
            &format!("/api/v1/services/{id}"),
            Some(&token),
            Some(update)
        )
        .await
        .status,
        409
    );
    assert_eq!(
        app.api(
            Method::POST,
            &format!("/api/v1/services/{id}/publish"),
            Some(&token),
            None
        )
        .await
        .json()["status"],
        "published"
    );
    assert_eq!(
        app.api(
            Method::POST,
            &format!("/api/v1/services/{id}/publish"),
            Some(&token),
            None
        )
        .await
        .status,
        400,
        "already published"
    );
    assert_eq!(
        app.api(Method::GET, &format!("/api/v1/services/{id}"), None, None)
            .await
            .status,
        200
    );
    let without_scope = app.api_token(&["accounts:read"]).await;
    assert_eq!(
        app.api(
            Method::POST,
            "/api/v1/services",
            Some(&without_scope),
            Some(body)
        )
        .await
        .status,
        403
    );
    let situations = app
        .api(Method::GET, "/api/v1/life-situations", None, None)
        .await
        .json();
    assert!(situations.as_array().map(Vec::len).unwrap_or(0) >= 10);
}

#[tokio::test]
async fn the_index_is_fed_by_jobs_and_kept_across_restarts() {
    let app = demo().await;
    // The demo import enqueued one rebuild; it ran in seed_demo.
    assert!(!titles(&app, "Sperrmüll").await.is_empty());
    assert!(
        !app.app.catalogue.ensure_index().await.expect("ensure"),
        "a filled index is not rebuilt"
    );
    let settings = app.app.settings.clone();
    let again = rathaus::app::Application::build(settings, std::sync::Arc::new(app.clock.clone()))
        .await
        .expect("restart");
    assert!(!again.catalogue.ensure_index().await.expect("ensure"));
    let found = again
        .catalogue
        .search("Sperrmüll", None, 5)
        .await
        .expect("search");
    assert!(found.total > 0, "the index on disk survived");
}

#[tokio::test]
async fn markdown_in_descriptions_cannot_inject_script() {
    let app = demo().await;
    let token = app.api_token(&["catalogue:write", "org:read"]).await;
    let unit = app
        .api(Method::GET, "/api/v1/org-units", Some(&token), None)
        .await
        .json()[1]["id"]
        .clone();
    let body = json!({"slug": "xss", "title": "Test", "short_description": "Kurz.", "long_description": "<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))", "leika_key": "99000000000003",
        "life_situations": [], "prerequisites": [], "required_documents": [], "fee": {"kind": "none"}, "processing_time": "", "legal_basis": [], "org_unit": unit, "maturity_level": 0, "has_form": false});
    let id = app
        .api(Method::POST, "/api/v1/services", Some(&token), Some(body))
        .await
        .json()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.api(
        Method::POST,
        &format!("/api/v1/services/{id}/publish"),
        Some(&token),
        None,
    )
    .await;
    let page = app.get("/leistungen/xss").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let at = page.body.find("rh-prose").unwrap_or(0);
    let prose = page
        .body
        .get(at..(at + 400).min(page.body.len()))
        .unwrap_or("");
    assert!(
        !page.body.contains("<script>alert")
            && !page.body.contains("onerror")
            && !page.body.contains("href=\"javascript:"),
        "{prose}"
    );
}
