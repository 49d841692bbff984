//! The records office keeps the file plan on its page; admins configure
//! case types (statuses, transitions, deadline rule) on theirs.

use kernel::Role;
use testkit::spawn_app;

#[tokio::test]
async fn the_records_office_maintains_the_file_plan_on_its_page() {
    let mut app = spawn_app().await;
    app.seed_demo().await;
    app.create_staff("akten@musterstadt.example", "13", &[Role::RecordsOffice])
        .await;
    app.login_staff("akten@musterstadt.example").await;
    let page = app.get("/arbeit/aktenplan").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("32.10") && page.body.contains("id=\"save-node\""));
    let bad = app
        .post_form(
            "/arbeit/aktenplan",
            &[
                ("code", "32-20"),
                ("title", "Gewerbe"),
                ("retention_years", "viele"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    for field in ["#retention_years", "#disposal"] {
        assert!(bad.body.contains(&format!("href=\"{field}\"")), "{field}");
    }
    assert!(bad.body.contains("value=\"32-20\""), "what was typed stays");
    let wrong_code = app
        .post_form(
            "/arbeit/aktenplan",
            &[
                ("code", "32-20"),
                ("parent", "32"),
                ("title", "Gewerbe"),
                ("retention_years", "10"),
                ("disposal", "destroy"),
            ],
        )
        .await;
    assert_eq!(wrong_code.status, 422);
    assert!(
        wrong_code.body.contains("href=\"#code\""),
        "{}",
        wrong_code.body
    );
    let ok = app
        .post_form(
            "/arbeit/aktenplan",
            &[
                ("code", "32.20"),
                ("parent", "32"),
                ("title", "Gewerbeangelegenheiten"),
                ("retention_years", "10"),
                ("disposal", "destroy"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(
        app.get("/arbeit/aktenplan?ok=1")
            .await
            .body
            .contains("Gewerbeangelegenheiten")
    );
    let export = app.get("/arbeit/aktenplan/export").await;
    assert_eq!(export.status, 200);
    assert!(export.body.contains("rathaus-fileplan/1") && export.body.contains("32.20"));
    let garbage = app
        .post_multipart(
            "/arbeit/aktenplan/import",
            &[],
            &[("file", "plan.json", b"{\"nodes\": 1}".to_vec())],
        )
        .await;
    assert_eq!(garbage.status, 422);
    assert!(garbage.body.contains("href=\"#file\""));
    let edited = export
        .body
        .replace("Gewerbeangelegenheiten", "Gewerbe und Handel");
    let import = app
        .post_multipart(
            "/arbeit/aktenplan/import",
            &[],
            &[("file", "plan.json", edited.into_bytes())],
        )
        .await;
    assert_eq!(import.status, 303, "{}", import.body);
    assert!(
        app.get("/arbeit/aktenplan")
            .await
            .body
            .contains("Gewerbe und Handel")
    );

    // A clerk reads the plan but may not change it.
    app.new_browser();
    app.create_staff("sb-plan@musterstadt.example", "32", &[Role::Clerk])
        .await;
    app.login_staff("sb-plan@musterstadt.example").await;
    let read = app.get("/arbeit/aktenplan").await;
    assert_eq!(read.status, 200);
    assert!(!read.body.contains("id=\"save-node\""));
    let refused = app
        .post_form(
            "/arbeit/aktenplan",
            &[
                ("code", "32.30"),
                ("title", "X"),
                ("retention_years", "1"),
                ("disposal", "destroy"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn admins_configure_statuses_transitions_and_the_deadline_rule_of_a_case_type() {
    let mut app = spawn_app().await;
    app.seed_demo().await;
    app.create_staff("vorgangsarten@musterstadt.example", "0", &[Role::Admin])
        .await;
    app.login_staff("vorgangsarten@musterstadt.example").await;
    let list = app.get("/arbeit/admin/vorgangsarten").await;
    assert_eq!(list.status, 200);
    let href = list
        .between("href=\"/arbeit/admin/vorgangsarten/", "\"")
        .expect("a case type");
    let path = format!("/arbeit/admin/vorgangsarten/{href}");
    let edit = app.get(&path).await;
    assert_eq!(edit.status, 200);
    assert!(
        edit.body
            .contains("name=\"t\" value=\"eingegangen>in_bearbeitung\"")
            && edit.body.contains("checked")
    );
    let units = edit
        .between("name=\"org_unit\">", "</select>")
        .expect("unit select");
    let unit = units
        .split("<option value=\"")
        .find_map(|o| o.split_once("\" selected").map(|(v, _)| v.to_owned()))
        .expect("the receiving unit is selected");
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "Bewohnerparken"),
        ("deadline_days", "15"),
        ("deadline_rule", "paused"),
        ("org_unit", &unit),
        ("plan_code", "32.10"),
        ("status_key_0", "neu"),
        ("status_label_0", "Eingegangen"),
        ("status_phase_0", "received"),
        ("status_key_1", "pruefung"),
        ("status_label_1", "Wird geprüft"),
        ("status_phase_1", "in_progress"),
        ("status_key_2", ""),
        ("status_label_2", ""),
        ("status_phase_2", "in_progress"),
        ("t", "neu>pruefung"),
    ];
    let saved = app.post_form(&path, &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let after = app.get(&format!("{path}?ok=1")).await;
    assert!(
        after.body.contains("value=\"pruefung\"")
            && after.body.contains(
                "id=\"rule-paused\" name=\"deadline_rule\" type=\"radio\" value=\"paused\" checked"
            )
    );
    fields[5] = ("status_key_0", "Neu!");
    fields[14] = ("t", "neu>gibt_es_nicht");
    let bad = app.post_form(&path, &fields).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("href=\"#status_key_0\""), "{}", bad.body);
    assert!(bad.body.contains("href=\"#transitions\""));

    app.new_browser();
    app.create_staff("sb-typen@musterstadt.example", "32", &[Role::Clerk])
        .await;
    app.login_staff("sb-typen@musterstadt.example").await;
    assert_eq!(app.get(&path).await.status, 403);
}
