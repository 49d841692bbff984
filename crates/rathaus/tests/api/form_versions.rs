use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, spawn_app};

fn example() -> Value {
    serde_json::from_str(include_str!(
        "../../../../docs/forms/bewohnerparkausweis.json"
    ))
    .expect("example")
}

async fn setup() -> (TestApp, String, String) {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.api_token(&["catalogue:write"]).await;
    let services = app
        .api(
            Method::GET,
            "/api/v1/services?q=F%C3%BChrungszeugnis&limit=1",
            None,
            None,
        )
        .await
        .json();
    let id = services["services"][0]["id"]
        .as_str()
        .expect("service")
        .to_owned();
    (app, token, id)
}

#[tokio::test]
async fn a_draft_is_published_and_then_frozen() {
    let (app, token, service) = setup().await;
    let created = app
        .api(
            Method::POST,
            &format!("/api/v1/services/{service}/form-versions"),
            Some(&token),
            Some(example()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let v1 = created.json();
    assert_eq!(v1["number"], 1);
    assert_eq!(v1["status"], "draft");
    let id = v1["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/api/v1/services/{service}/form"),
            None,
            None
        )
        .await
        .status,
        404,
        "no published form yet"
    );
    let second = app
        .api(
            Method::POST,
            &format!("/api/v1/services/{service}/form-versions"),
            Some(&token),
            Some(example()),
        )
        .await;
    assert_eq!(second.status, 409, "one draft at a time");
    let mut changed = example();
    changed["title"] = json!("Bewohnerparkausweis – neu");
    assert_eq!(
        app.api(
            Method::PUT,
            &format!("/api/v1/form-versions/{id}"),
            Some(&token),
            Some(changed.clone())
        )
        .await
        .status,
        200
    );
    let published = app
        .api(
            Method::POST,
            &format!("/api/v1/form-versions/{id}/publish"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    let form = app
        .api(
            Method::GET,
            &format!("/api/v1/services/{service}/form"),
            None,
            None,
        )
        .await
        .json();
    assert_eq!(form["definition"]["title"], "Bewohnerparkausweis – neu");
    let frozen = app
        .api(
            Method::PUT,
            &format!("/api/v1/form-versions/{id}"),
            Some(&token),
            Some(example()),
        )
        .await;
    assert_eq!(frozen.status, 409, "a published version never changes");
    // Version 2 replaces version 1 when published; version 1 is retired.
    let v2 = app
        .api(
            Method::POST,
            &format!("/api/v1/services/{service}/form-versions"),
            Some(&token),
            Some(example()),
        )
        .await
        .json();
    assert_eq!(v2["number"], 2);
    let v2_id = v2["id"].as_str().unwrap_or_default().to_owned();
    app.api(
        Method::POST,
        &format!("/api/v1/form-versions/{v2_id}/publish"),
        Some(&token),
        None,
    )
    .await;
    let all = app
        .api(
            Method::GET,
            &format!("/api/v1/services/{service}/form-versions"),
            Some(&token),
            None,
        )
        .await
        .json();
    let states: Vec<(i64, String)> = all
        .as_array()
        .expect("list")
        .iter()
        .map(|v| {
            (
                v["number"].as_i64().unwrap_or(0),
                v["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![(2, "published".to_owned()), (1, "retired".to_owned())]
    );
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/api/v1/services/{service}/form"),
            None,
            None
        )
        .await
        .json()["number"],
        2
    );
}

#[tokio::test]
async fn a_definition_that_fails_its_checks_cannot_be_published() {
    let (app, token, service) = setup().await;
    let mut broken = example();
    broken["steps"][1]["fields"][1]["options"] = json!([]);
    let v = app
        .api(
            Method::POST,
            &format!("/api/v1/services/{service}/form-versions"),
            Some(&token),
            Some(broken),
        )
        .await
        .json();
    let id = v["id"].as_str().unwrap_or_default().to_owned();
    let refused = app
        .api(
            Method::POST,
            &format!("/api/v1/form-versions/{id}/publish"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json()["invalid_params"][0]["field"],
        "steps[1].fields[1].options"
    );
    let malformed = app
        .api(
            Method::POST,
            &format!("/api/v1/services/{service}/form-versions"),
            Some(&token),
            Some(json!({"title": "x", "steps": [], "farbe": "rot"})),
        )
        .await;
    assert_eq!(malformed.status, 400, "unknown keys are refused");
}

#[tokio::test]
async fn only_editors_write_form_versions_and_unknown_services_are_404() {
    let (app, _token, service) = setup().await;
    let reader = app.api_token(&["accounts:read"]).await;
    assert_eq!(
        app.api(
            Method::POST,
            &format!("/api/v1/services/{service}/form-versions"),
            Some(&reader),
            Some(example())
        )
        .await
        .status,
        403
    );
    let editor = app.api_token(&["catalogue:write"]).await;
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(
        app.api(
            Method::POST,
            &format!("/api/v1/services/{unknown}/form-versions"),
            Some(&editor),
            Some(example())
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn an_editor_saves_publishes_and_previews_a_form_on_its_pages() {
    let (app, _token, service) = setup().await;
    app.login_staff("admin@musterstadt.example").await;
    let path = format!("/arbeit/admin/leistungen/{service}/formular");
    let editor = app.get(&path).await;
    assert_eq!(editor.status, 200);
    assert!(editor.body.contains("Noch keine Version"));
    // The demo publishes forms of other services.
    let before = app.count("forms_version").await;
    let broken_json = app
        .post_form(&path, &[("definition", "{\"title\": ")])
        .await;
    assert_eq!(broken_json.status, 422);
    assert!(broken_json.body.contains("id=\"definition-detail\""));
    assert_eq!(app.count("forms_version").await, before);
    let mut broken = example();
    broken["steps"][1]["fields"][1]["options"] = json!([]);
    assert_eq!(
        app.post_form(&path, &[("definition", &broken.to_string())])
            .await
            .status,
        303
    );
    let page = app.get(&path).await;
    let publish = page
        .form_action("/veroeffentlichen")
        .expect("a publish button for the draft");
    let refused = app.post_form(&publish, &[]).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("steps[1].fields[1].options"),
        "the blocking path is named"
    );
    assert_eq!(
        app.post_form(&path, &[("definition", &example().to_string())])
            .await
            .status,
        303,
        "saving changes the same draft"
    );
    assert_eq!(app.count("forms_version").await, before + 1);
    assert_eq!(app.post_form(&publish, &[]).await.status, 303);
    let published = app.get(&path).await;
    assert!(published.body.contains("in Gebrauch"));
    let preview_href = published.between("href=\"", "/vorschau\"").map(|p| {
        let start = p.rfind("/arbeit/").unwrap_or(0);
        format!("{}/vorschau", &p[start..])
    });
    let preview = app.get(&preview_href.expect("a preview link")).await;
    assert_eq!(preview.status, 200);
    for expected in [
        "Kennzeichen",
        "id=\"halter-yes\"",
        "id=\"adresse-postcode\"",
        "type=\"file\"",
        "Weitere Fahrzeuge",
        "type=\"date\"",
        "Schritt 4",
    ] {
        assert!(
            preview.body.contains(expected),
            "{expected} missing in the preview"
        );
    }
}

#[tokio::test]
async fn the_form_editor_is_for_editors_only() {
    let (app, _token, service) = setup().await;
    app.create_staff("sb@musterstadt.example", "33", &[kernel::Role::Clerk])
        .await;
    app.login_staff("sb@musterstadt.example").await;
    assert_eq!(
        app.get(&format!("/arbeit/admin/leistungen/{service}/formular"))
            .await
            .status,
        403
    );
}
