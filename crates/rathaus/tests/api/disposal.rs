//! Disposal through xdomea 3.0.0: the offer list (0501), the archive's
//! receipt (0504) and appraisal (0502) with rathaus' confirmation (0505),
//! the transfer (0503) in the zip layout, the receipt (0507) and the
//! import confirmation (0506) — every message written or read here
//! validates against the xdomea schemas with `xmllint`. Files are deleted
//! only after 0506, never under a legal hold; answers naming unknown
//! records or out of turn are refused whole; the appraisal catalogue
//! (0513) decides classes without a per-file appraisal.

use crate::delivery::{app, citizen_case};
use chrono::{TimeZone, Utc};
use kernel::Role;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;
use uuid::Uuid;

const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/standards/xdomea/xdomea_3.0.0/xdomea.xsd"
);

/// Validates an xdomea message with xmllint against the schemas.
fn assert_valid(name: &str, xml: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(name);
    std::fs::write(&path, xml).expect("write");
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(&path)
        .output()
        .expect("xmllint (libxml2-utils) runs");
    assert!(
        out.status.success(),
        "{name} does not validate: {}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn header(code: &str, name: &str, process: Uuid, extra: &str) -> String {
    format!(
        r#"<xdomea:Kopf><xdomea:ProzessID>{process}</xdomea:ProzessID><xdomea:Nachrichtentyp listURI="urn:xoev-de:xdomea:codeliste:nachrichtentyp" listVersionID="2.0"><code>{code}</code><name>{name}</name></xdomea:Nachrichtentyp><xdomea:Erstellungszeitpunkt>2040-02-01T10:00:00+01:00</xdomea:Erstellungszeitpunkt><xdomea:Absender><xdomea:Institution><xdomea:Name>Stadtarchiv</xdomea:Name></xdomea:Institution></xdomea:Absender><xdomea:Empfaenger><xdomea:Institution><xdomea:Name>Stadtverwaltung Musterstadt</xdomea:Name></xdomea:Institution></xdomea:Empfaenger><xdomea:SendendesSystem><xdomea:Produktname>Archivsystem</xdomea:Produktname></xdomea:SendendesSystem>{extra}</xdomea:Kopf>"#
    )
}

/// A message of the archive, validated before it is sent.
fn archive_message(code: &str, name: &str, process: Uuid, extra: &str, body: &str) -> String {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><xdomea:{name}.{code} xmlns:xdomea="urn:xoev-de:xdomea:schema:3.0.0">{}{body}</xdomea:{name}.{code}>"#,
        header(code, name, process, extra)
    );
    assert_valid(&format!("{code}.xml"), &xml);
    xml
}

fn decision(id: Uuid, code: &str, element: &str) -> String {
    format!(
        r#"<xdomea:{element}><xdomea:ID>{id}</xdomea:ID><xdomea:Aussonderungsart><xdomea:Aussonderungsart listURI="urn:xoev-de:xdomea:codeliste:aussonderungsart" listVersionID="1.0"><code>{code}</code></xdomea:Aussonderungsart></xdomea:Aussonderungsart></xdomea:{element}>"#
    )
}

fn appraisal(process: Uuid, items: &[(Uuid, &str)]) -> String {
    let body: String = items
        .iter()
        .map(|(id, c)| decision(*id, c, "BewertetesObjekt"))
        .collect();
    archive_message(
        "0502",
        "Aussonderung.Bewertungsverzeichnis",
        process,
        "<xdomea:Empfangsbestaetigung>1</xdomea:Empfangsbestaetigung>",
        &body,
    )
}

fn imported(process: Uuid, items: &[(Uuid, bool)]) -> String {
    let body: String = items
        .iter()
        .map(|(id, ok)| {
            if *ok {
                format!("<xdomea:AusgesondertesSGO><xdomea:IDSGO>{id}</xdomea:IDSGO><xdomea:Erfolgreich>1</xdomea:Erfolgreich><xdomea:Archivkennung>StA-{}</xdomea:Archivkennung></xdomea:AusgesondertesSGO>", &id.simple().to_string()[..8])
            } else {
                format!("<xdomea:AusgesondertesSGO><xdomea:IDSGO>{id}</xdomea:IDSGO><xdomea:Erfolgreich>0</xdomea:Erfolgreich><xdomea:Fehlermeldung>Format nicht lesbar</xdomea:Fehlermeldung></xdomea:AusgesondertesSGO>")
            }
        })
        .collect();
    archive_message(
        "0506",
        "Aussonderung.AussonderungImportBestaetigen",
        process,
        "",
        &body,
    )
}

/// The XML of a message of the process (unzipped) and, for a zip, the
/// names in it.
async fn message(app: &TestApp, process: Uuid, code: &str) -> (String, Vec<String>, String) {
    let view = app
        .api(
            Method::GET,
            &format!("/api/v1/disposal/processes/{process}"),
            None,
            None,
        )
        .await
        .json();
    let m = view["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["code"] == json!(code))
        .unwrap_or_else(|| panic!("no {code} in {view}"))
        .clone();
    let file = app
        .api(
            Method::GET,
            &format!(
                "/api/v1/disposal/processes/{process}/messages/{}",
                m["id"].as_str().expect("id")
            ),
            None,
            None,
        )
        .await;
    assert_eq!(file.status, 200);
    let name = m["file_name"].as_str().expect("name").to_owned();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(file.bytes.clone())).expect("a zip");
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.expect("name").into_owned())
        .collect();
    let stem = name.trim_end_matches(".zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip
            .by_name(&format!("{stem}.xml"))
            .expect("the message in the zip"),
        &mut xml,
    )
    .expect("read");
    (xml, names, name)
}

async fn post_message(app: &TestApp, xml: &str) -> testkit::Page {
    app.post_multipart(
        "/arbeit/registratur/aussonderung/antwort",
        &[],
        &[("file", "antwort.xml", xml.as_bytes().to_vec())],
    )
    .await
}

/// Closes a case's file as closed on `day` (closing itself is tested
/// elsewhere); returns the file id.
async fn close_file(app: &TestApp, case: &cases::store::Case, year: i32) -> Uuid {
    let closed = Utc
        .with_ymd_and_hms(year, 3, 1, 10, 0, 0)
        .single()
        .expect("time");
    let until = chrono::NaiveDate::from_ymd_opt(year + 10, 12, 31).expect("day");
    storage::on_db!(&app.app.db, pool => sqlx::query("UPDATE records_file SET closed_at = $1, retention_until = $2 WHERE id = $3").bind(closed).bind(until).bind(case.file_id).execute(pool).await.map(|r| r.rows_affected())).expect("close");
    storage::on_db!(&app.app.db, pool => sqlx::query("UPDATE cases_case SET phase = 'closed', status = 'abgeschlossen' WHERE id = $1").bind(case.id).execute(pool).await.map(|r| r.rows_affected())).expect("close");
    case.file_id
}

async fn exists(app: &TestApp, table: &str, id: Uuid) -> bool {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE id = $1");
    let n: i64 = storage::on_db!(&app.app.db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(pool).await).expect("count");
    n > 0
}

async fn version_blobs(app: &TestApp, file: Uuid) -> Vec<String> {
    storage::on_db!(&app.app.db, pool => sqlx::query_scalar::<_, String>("SELECT v.sha256 FROM records_version v JOIN records_document d ON d.id = v.document_id WHERE d.file_id = $1").bind(file).fetch_all(pool).await).expect("blobs")
}

fn item(view: &Value, file: Uuid) -> &Value {
    view["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["file_id"] == json!(file))
        .expect("item")
}

#[tokio::test]
async fn the_xdomea_disposal_process_deletes_only_after_the_import_and_never_under_a_hold() {
    let mut app = app().await;
    let mut cases = Vec::new();
    for _ in 0..4 {
        cases.push(citizen_case(&app).await);
    }
    let [keep, keep_held, destroy, held] = [0, 1, 2, 3].map(|i| cases[i].clone());
    for c in &cases {
        close_file(&app, c, 2027).await;
    }
    // The retention of all four ended with 2037.
    app.clock.set(
        Utc.with_ymd_and_hms(2040, 1, 15, 9, 0, 0)
            .single()
            .expect("time"),
    );
    app.new_browser();
    app.create_staff(
        "archivierung@musterstadt.example",
        "0",
        &[Role::RecordsOffice],
    )
    .await;
    app.login_staff("archivierung@musterstadt.example").await;
    let page = app.get("/arbeit/registratur/aussonderung").await;
    assert_eq!(page.status, 200);
    for c in &cases {
        assert!(page.body.contains(&c.reference), "{}", page.body);
    }
    // A legal hold keeps a file out of the offer.
    let bad = app
        .post_form(
            "/arbeit/registratur/aussonderung/sperren",
            &[("reference", "99.99-1900-1"), ("reason", "")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("href=\"#reference\"") && bad.body.contains("href=\"#reason\""));
    let hold = app
        .post_form(
            "/arbeit/registratur/aussonderung/sperren",
            &[
                ("reference", &held.reference),
                ("reason", "Klage vor dem Verwaltungsgericht"),
            ],
        )
        .await;
    assert_eq!(hold.status, 303);

    let start = app
        .post_form("/arbeit/registratur/aussonderung/starten", &[])
        .await;
    assert_eq!(start.status, 303, "{}", start.body);
    let process: Uuid = start
        .location
        .as_deref()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .and_then(|s| Uuid::parse_str(s).ok())
        .expect("process");
    let (offer, names, zip_name) = message(&app, process, "0501").await;
    assert_eq!(
        zip_name,
        format!("{process}_Aussonderung.Anbieteverzeichnis.0501.zip")
    );
    assert_eq!(
        names,
        vec![format!(
            "{process}_Aussonderung.Anbieteverzeichnis.0501.xml"
        )]
    );
    assert_valid("0501.xml", &offer);
    for c in [&keep, &keep_held, &destroy] {
        assert!(offer.contains(&c.file_id.to_string()), "{offer}");
    }
    assert!(
        !offer.contains(&held.file_id.to_string()),
        "a held file is not offered"
    );

    // Nothing is deleted before 0506: an import confirmation now is out of turn.
    let early = post_message(&app, &imported(process, &[(keep.file_id, true)])).await;
    assert_eq!(early.status, 409, "{}", early.body);
    assert!(exists(&app, "records_file", keep.file_id).await);

    let receipt = archive_message(
        "0504",
        "Aussonderung.AnbietungEmpfangBestaetigen",
        process,
        "",
        "",
    );
    assert_eq!(post_message(&app, &receipt).await.status, 303);

    // An appraisal naming a record that was not offered is refused whole.
    let stranger = Uuid::now_v7();
    let refused = post_message(
        &app,
        &appraisal(
            process,
            &[
                (keep.file_id, "A"),
                (keep_held.file_id, "A"),
                (destroy.file_id, "V"),
                (stranger, "A"),
            ],
        ),
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains(&stranger.to_string()),
        "{}",
        refused.body
    );
    // One that leaves a file out, too.
    let incomplete = app
        .api_raw(
            Method::POST,
            "/api/v1/disposal/messages",
            &app.api_token(&["records:disposal"]).await,
            "application/xml",
            appraisal(process, &[(keep.file_id, "A")]).into_bytes(),
        )
        .await;
    assert_eq!(
        incomplete.status, 403,
        "a token of an admin without the records office role"
    );
    let incomplete = app
        .api_raw_session(
            Method::POST,
            "/api/v1/disposal/messages",
            "application/xml",
            appraisal(process, &[(keep.file_id, "A")]).into_bytes(),
        )
        .await;
    assert_eq!(incomplete.status, 400, "{}", incomplete.body);
    assert!(
        incomplete.body.contains(&destroy.reference),
        "{}",
        incomplete.body
    );
    // Not well-formed, wrong namespace, a code not on the list: refused.
    for broken in [
        "<xdomea:Aussonderung.Bewertungsverzeichnis.0502".to_owned(),
        appraisal(
            process,
            &[
                (keep.file_id, "A"),
                (keep_held.file_id, "A"),
                (destroy.file_id, "V"),
            ],
        )
        .replace("urn:xoev-de:xdomea:schema:3.0.0", "urn:example"),
        appraisal(
            process,
            &[
                (keep.file_id, "A"),
                (keep_held.file_id, "A"),
                (destroy.file_id, "V"),
            ],
        )
        .replace("<code>V</code>", "<code>X</code>"),
    ] {
        let r = app
            .api_raw_session(
                Method::POST,
                "/api/v1/disposal/messages",
                "application/xml",
                broken.into_bytes(),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.body);
    }
    let view = app
        .api(
            Method::GET,
            &format!("/api/v1/disposal/processes/{process}"),
            None,
            None,
        )
        .await
        .json();
    assert_eq!(view["process"]["state"], json!("offered"));
    assert!(item(&view, keep.file_id)["decision"].is_null());

    let appraised = post_message(
        &app,
        &appraisal(
            process,
            &[
                (keep.file_id, "A"),
                (keep_held.file_id, "A"),
                (destroy.file_id, "V"),
            ],
        ),
    )
    .await;
    assert_eq!(appraised.status, 303, "{}", appraised.body);
    let (confirmation, _, _) = message(&app, process, "0505").await;
    assert_valid("0505.xml", &confirmation);

    let page = app
        .get(&format!("/arbeit/registratur/aussonderung/{process}"))
        .await;
    assert!(page.body.contains("id=\"transfer\""), "{}", page.body);
    let transfer = app
        .post_form(
            &format!("/arbeit/registratur/aussonderung/{process}/abgabe"),
            &[],
        )
        .await;
    assert_eq!(transfer.status, 303, "{}", transfer.body);
    let (xml, names, zip_name) = message(&app, process, "0503").await;
    assert_eq!(
        zip_name,
        format!("{process}_Aussonderung.Aussonderung.0503.zip")
    );
    assert_valid("0503.xml", &xml);
    assert!(
        xml.contains(&keep.file_id.to_string()) && xml.contains(&keep_held.file_id.to_string())
    );
    assert!(
        !xml.contains(&destroy.file_id.to_string()),
        "the rejected file is not transferred"
    );
    // Every primary document lies beside the message, named UUID first.
    let documents: Vec<&String> = names.iter().filter(|n| !n.ends_with("0503.xml")).collect();
    assert!(!documents.is_empty());
    for d in &documents {
        assert!(Uuid::parse_str(&d[..36]).is_ok(), "{d}");
        assert!(xml.contains(d.as_str()), "{d} named in the message");
    }
    let receipt = archive_message(
        "0507",
        "Aussonderung.AussonderungEmpfangBestaetigen",
        process,
        "",
        "",
    );
    assert_eq!(post_message(&app, &receipt).await.status, 303);
    // Still nothing deleted.
    for c in &cases {
        assert!(exists(&app, "records_file", c.file_id).await);
    }

    // A hold set meanwhile keeps that file even after the import.
    let hold = app
        .api(
            Method::POST,
            "/api/v1/disposal/holds",
            None,
            Some(json!({"reference": keep_held.reference, "reason": "Auskunftsersuchen"})),
        )
        .await;
    assert_eq!(hold.status, 201, "{}", hold.body);
    let keep_blobs = version_blobs(&app, keep.file_id).await;
    let unknown = post_message(
        &app,
        &imported(
            process,
            &[
                (keep.file_id, true),
                (keep_held.file_id, true),
                (destroy.file_id, true),
            ],
        ),
    )
    .await;
    assert_eq!(unknown.status, 422, "the rejected file was not transferred");
    let done = post_message(
        &app,
        &imported(process, &[(keep.file_id, true), (keep_held.file_id, true)]),
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);

    let view = app
        .api(
            Method::GET,
            &format!("/api/v1/disposal/processes/{process}"),
            None,
            None,
        )
        .await
        .json();
    assert_eq!(view["process"]["state"], json!("completed"));
    assert_eq!(item(&view, keep.file_id)["outcome"], json!("archived"));
    assert!(
        item(&view, keep.file_id)["archive_id"]
            .as_str()
            .is_some_and(|a| a.starts_with("StA-"))
    );
    assert_eq!(item(&view, destroy.file_id)["outcome"], json!("destroyed"));
    assert_eq!(item(&view, keep_held.file_id)["outcome"], json!("held"));
    // Rows and blobs of the disposed files are gone; the disposal record stays.
    for c in [&keep, &destroy] {
        assert!(!exists(&app, "records_file", c.file_id).await);
        assert!(!exists(&app, "cases_case", c.id).await);
        assert!(!exists(&app, "forms_submission", c.submission_id).await);
        assert!(item(&view, c.file_id)["disposed_at"].is_string());
    }
    // Blobs only the disposed files used are deleted; blobs the kept
    // files share (the same content) stay.
    let mut kept = version_blobs(&app, keep_held.file_id).await;
    kept.extend(version_blobs(&app, held.file_id).await);
    let (shared, own): (Vec<String>, Vec<String>) =
        keep_blobs.into_iter().partition(|k| kept.contains(k));
    assert!(!own.is_empty(), "the file had content of its own");
    for key in own {
        assert!(
            !app.app.blobs.exists(&key).await.expect("blob store"),
            "blob {key} deleted"
        );
    }
    for key in shared {
        assert!(
            app.app.blobs.exists(&key).await.expect("blob store"),
            "shared blob {key} kept"
        );
    }
    for c in [&keep_held, &held] {
        assert!(exists(&app, "records_file", c.file_id).await);
        assert!(exists(&app, "cases_case", c.id).await);
    }
}

#[tokio::test]
async fn the_appraisal_catalogue_decides_a_class_without_a_per_file_appraisal() {
    let mut app = app().await;
    let case = citizen_case(&app).await;
    close_file(&app, &case, 2027).await;
    app.clock.set(
        Utc.with_ymd_and_hms(2040, 1, 15, 9, 0, 0)
            .single()
            .expect("time"),
    );
    app.new_browser();
    app.create_staff(
        "archivierung@musterstadt.example",
        "0",
        &[Role::RecordsOffice],
    )
    .await;
    app.login_staff("archivierung@musterstadt.example").await;
    let node: Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT plan_node_id FROM records_file WHERE id = $1").bind(case.file_id).fetch_one(pool).await).expect("node");
    let catalogue_process = Uuid::now_v7();
    let extra = "<xdomea:Empfangsbestaetigung>1</xdomea:Empfangsbestaetigung>";
    let unknown = archive_message(
        "0513",
        "Aussonderung.Bewertungskatalog",
        catalogue_process,
        extra,
        &decision(Uuid::now_v7(), "V", "BewerteteAktenplaneinheit"),
    );
    let refused = post_message(&app, &unknown).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(app.count("records_appraisal_catalogue").await, 0);
    let catalogue = archive_message(
        "0513",
        "Aussonderung.Bewertungskatalog",
        catalogue_process,
        extra,
        &decision(node, "V", "BewerteteAktenplaneinheit"),
    );
    assert_eq!(post_message(&app, &catalogue).await.status, 303);

    let start = app
        .api(Method::POST, "/api/v1/disposal/processes", None, None)
        .await;
    assert_eq!(start.status, 201, "{}", start.body);
    let process = start.json();
    assert_eq!(process["state"], json!("appraised"), "no offer needed");
    let id = process["id"].as_str().expect("id").to_owned();
    let view = app
        .api(
            Method::GET,
            &format!("/api/v1/disposal/processes/{id}"),
            None,
            None,
        )
        .await
        .json();
    assert!(
        view["messages"].as_array().is_some_and(Vec::is_empty),
        "{view}"
    );
    assert_eq!(view["items"][0]["decided_by"], json!("catalogue"));
    // Nothing to transfer: the rejected file is deleted at once.
    let done = app
        .api(
            Method::POST,
            &format!("/api/v1/disposal/processes/{id}/transfer"),
            None,
            None,
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json()["state"], json!("completed"));
    assert!(!exists(&app, "records_file", case.file_id).await);
    // Nothing is due any more; starting again says so.
    let again = app
        .api(Method::POST, "/api/v1/disposal/processes", None, None)
        .await;
    assert_eq!(again.status, 409);
}
