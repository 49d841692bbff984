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
            "/api/v1/services?q=Bewohnerparkausweis&limit=1",
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
