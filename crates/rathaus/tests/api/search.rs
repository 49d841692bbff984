//! The documents of cases are found by their text (German word forms),
//! with the matching passage, only by those who may see the case.

use kernel::{Actor, Role};
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use reqwest::Method;
use testkit::spawn_app;

/// A one-page PDF whose text is `text` (made with lopdf, read back by the
/// extractor like any uploaded PDF).
fn pdf_with_text(text: &str) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![72.into(), 700.into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(
        dictionary! {},
        content.encode().expect("content"),
    ));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("pdf");
    out
}

#[tokio::test]
async fn documents_are_found_by_their_text_only_by_those_who_may_see_the_case() {
    let mut app = spawn_app().await;
    app.seed_demo().await;
    let token = app.api_token(&["submissions:write"]).await;
    crate::cases::submit(&app, &token).await;
    app.run_jobs().await;
    let case_id: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_case").fetch_one(pool).await).expect("case");
    let unit: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT org_unit_id FROM cases_case").fetch_one(pool).await).expect("unit");
    let code: String = storage::on_db!(&app.app.db, pool => sqlx::query_scalar::<_, String>("SELECT code FROM identity_org_unit WHERE id = $1").bind(unit).fetch_one(pool).await).expect("code");
    app.create_staff("suche@musterstadt.example", &code, &[Role::Clerk])
        .await;
    app.login_staff("suche@musterstadt.example").await;
    let base = format!("/arbeit/vorgaenge/{case_id}");
    for (title, name, bytes) in [
        (
            "Vermerk Ortstermin",
            "vermerk.txt",
            "Die Häuser am Marktplatz haben keine Stellplätze; der Antrag ist begründet."
                .as_bytes()
                .to_vec(),
        ),
        (
            "Stellungnahme",
            "stellungnahme.pdf",
            pdf_with_text("Stellungnahme des Tiefbauamts zum Rathausplatz"),
        ),
    ] {
        let up = app
            .post_multipart(
                &format!("{base}/dokumente"),
                &[("title", title)],
                &[("file", name, bytes)],
            )
            .await;
        assert_eq!(up.status, 303, "{}", up.body);
    }
    app.run_jobs().await;
    assert_eq!(
        app.count("records_text").await,
        4,
        "the text of every version is kept (also of the application data and its PDF)"
    );

    // "Haus" finds "Häuser" (stemming), with the passage.
    let found = app.get("/arbeit/suche?q=Haus").await;
    assert_eq!(found.status, 200);
    assert!(
        found.body.contains("Gefundene Dokumente: 1"),
        "{}",
        found.body
    );
    assert!(found.body.contains("<b>Häuser</b>"), "the matching passage");
    assert!(found.body.contains(&format!("href=\"{base}#dokumente\"")));
    let pdf = app
        .api(
            Method::GET,
            "/api/v1/search/documents?q=Rathausplatz",
            None,
            None,
        )
        .await;
    assert_eq!(pdf.status, 200, "{}", pdf.body);
    let pdf = pdf.json();
    assert_eq!(pdf["total"], 1, "the PDF's text is found: {pdf}");
    assert_eq!(pdf["hits"][0]["title"], "Stellungnahme");
    assert_eq!(pdf["hits"][0]["case_id"], case_id.to_string());
    let answers = app
        .api(Method::GET, "/api/v1/search/documents?q=MU-AY", None, None)
        .await
        .json();
    assert!(
        answers["total"].as_u64().unwrap_or(0) >= 1,
        "the application data are searchable too: {answers}"
    );

    // Staff of another unit find nothing; the records office finds all.
    app.new_browser();
    app.create_staff("bau-suche@musterstadt.example", "63", &[Role::Clerk])
        .await;
    app.login_staff("bau-suche@musterstadt.example").await;
    let none = app
        .api(Method::GET, "/api/v1/search/documents?q=Haus", None, None)
        .await
        .json();
    assert_eq!(none["total"], 0, "{none}");
    app.new_browser();
    app.create_staff(
        "registratur-suche@musterstadt.example",
        "13",
        &[Role::RecordsOffice],
    )
    .await;
    app.login_staff("registratur-suche@musterstadt.example")
        .await;
    let all = app
        .api(Method::GET, "/api/v1/search/documents?q=Haus", None, None)
        .await
        .json();
    assert_eq!(all["total"], 1, "{all}");

    // An index that starts empty (new directory, new index schema after
    // an upgrade) is rebuilt by a job the app enqueues at start.
    assert!(
        !app.app
            .records
            .ensure_document_index()
            .await
            .expect("check")
    );
    app.app.records.index().clear().expect("clear");
    assert!(
        app.app
            .records
            .ensure_document_index()
            .await
            .expect("check")
    );
    app.run_jobs().await;
    let back = app
        .api(Method::GET, "/api/v1/search/documents?q=Haus", None, None)
        .await
        .json();
    assert_eq!(back["total"], 1, "{back}");

    // The index is rebuilt from the kept texts.
    let n = app.app.records.reindex_documents().await.expect("reindex");
    assert_eq!(n, 4, "one entry per document (newest version)");
    let again = app
        .app
        .records
        .search_documents(&Actor::system("t"), "Stellplatz", 20)
        .await
        .expect("search");
    assert_eq!(again.total, 1);
}

#[tokio::test]
async fn the_generator_makes_complete_cases_that_open_and_are_found() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let made = rathaus::bulk::generate(&app.app, 1_200, 7)
        .await
        .expect("generate");
    assert_eq!(made, 1_200);
    assert_eq!(app.count("cases_case").await, 1_200);
    assert_eq!(app.count("forms_submission").await, 1_200);
    assert_eq!(app.count("records_version").await, 1_200);
    assert_eq!(app.count("records_text").await, 1_200);
    // File references stay gap-free: the sequences continue after them.
    let last: i64 = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT CAST(SUM(last) AS BIGINT) FROM records_sequence").fetch_one(pool).await).expect("sum");
    assert_eq!(last, 1_200);
    let (id, version, sha): (uuid::Uuid, uuid::Uuid, String) = storage::on_db!(&app.app.db, pool => sqlx::query_as(
        "SELECT c.id, v.id, v.sha256 FROM cases_case c JOIN records_document d ON d.file_id = c.file_id JOIN records_version v ON v.document_id = d.id LIMIT 1",
    ).fetch_one(pool).await).expect("case");
    let view = app
        .app
        .cases
        .case_view(&Actor::system("t"), kernel::CaseId(id))
        .await
        .expect("a generated case opens");
    assert!(!view.answers.is_empty());
    let (v, bytes) = app
        .app
        .cases
        .document(
            &Actor::system("t"),
            kernel::CaseId(id),
            kernel::DocumentVersionId(version),
        )
        .await
        .expect("its document opens");
    assert_eq!(v.sha256, sha);
    assert!(bytes.len() >= 2_000, "about 2 KB of text");
    assert_eq!(
        app.app.records.reindex_documents().await.expect("reindex"),
        1_200
    );
    let found = app
        .app
        .records
        .search_documents(&Actor::system("t"), "Baugenehmigung", 20)
        .await
        .expect("search");
    assert!(
        found.total > 10 && found.hits.len() == 20,
        "{}",
        found.total
    );
}
