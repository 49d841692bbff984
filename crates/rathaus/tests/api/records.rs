//! The E-Akte's core: the file plan (import, export, refusal of a broken
//! plan), gap-free unique file references under concurrency, and
//! documents whose versions never change.

use kernel::{Actor, Role};
use records::service::Content;
use records::{Disposal, FilePlanFile, PlanNodeInput, RecordsError};
use testkit::{TestApp, spawn_app};

async fn demo() -> TestApp {
    let app = spawn_app().await;
    app.seed_demo().await;
    app
}

async fn staff(app: &TestApp, email: &str, role: Role) -> Actor {
    let id = app.create_staff(email, "0", &[role]).await;
    let (account, _) = app
        .app
        .identity
        .account(&Actor::system("test"), id)
        .await
        .expect("account");
    app.app.identity.actor_for(&account).await.expect("actor")
}

#[tokio::test]
async fn the_records_office_imports_and_exports_the_file_plan_all_or_nothing() {
    let app = demo().await;
    let office = staff(&app, "akten@musterstadt.example", Role::RecordsOffice).await;
    let clerk = staff(&app, "sb@musterstadt.example", Role::Clerk).await;
    let plan = app.app.records.plan(&clerk).await.expect("plan");
    assert!(
        plan.iter()
            .any(|n| n.code == "32.10" && n.disposal == Disposal::Destroy)
    );
    let add = FilePlanFile {
        format: FilePlanFile::FORMAT.into(),
        nodes: vec![PlanNodeInput {
            code: "32.40".into(),
            title: "Fundsachen".into(),
            parent: Some("32".into()),
            retention_years: 3,
            disposal: Disposal::Destroy,
        }],
    };
    assert!(matches!(
        app.app.records.import_plan(&clerk, add.clone()).await,
        Err(RecordsError::Forbidden)
    ));
    assert_eq!(
        app.app
            .records
            .import_plan(&office, add)
            .await
            .expect("import"),
        1
    );
    let broken = FilePlanFile {
        format: FilePlanFile::FORMAT.into(),
        nodes: vec![
            PlanNodeInput {
                code: "80".into(),
                title: "Wirtschaftsförderung".into(),
                parent: None,
                retention_years: 10,
                disposal: Disposal::Archive,
            },
            PlanNodeInput {
                code: "80.10".into(),
                title: "".into(),
                parent: Some("99".into()),
                retention_years: 500,
                disposal: Disposal::Archive,
            },
        ],
    };
    let before = app.count("records_plan_node").await;
    match app.app.records.import_plan(&office, broken).await {
        Err(RecordsError::Invalid(e)) => {
            for field in [
                "nodes[1].title",
                "nodes[1].parent",
                "nodes[1].retention_years",
            ] {
                assert!(e.0.iter().any(|x| x.field == field), "{field} in {:?}", e.0);
            }
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(
        app.count("records_plan_node").await,
        before,
        "nothing written"
    );
    let exported = app.app.records.export_plan(&clerk).await.expect("export");
    let node = exported
        .nodes
        .iter()
        .find(|n| n.code == "32.40")
        .expect("exported");
    assert_eq!(node.parent.as_deref(), Some("32"));
    assert_eq!(node.retention_years, 3);
    // The export imports again unchanged.
    app.app
        .records
        .import_plan(&office, exported.clone())
        .await
        .expect("re-import");
    assert_eq!(
        app.app.records.export_plan(&clerk).await.expect("export"),
        exported
    );
}

#[tokio::test]
async fn concurrent_files_get_unique_gap_free_references() {
    let app = demo().await;
    let clerk = staff(&app, "sb@musterstadt.example", Role::Clerk).await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let records = app.app.records.clone();
        let clerk = clerk.clone();
        tasks.push(tokio::spawn(async move {
            records
                .create_file(&clerk, "32.10", &format!("Bewohnerparken {i}"))
                .await
        }));
    }
    let mut refs = Vec::new();
    for t in tasks {
        refs.push(t.await.expect("task").expect("file").reference);
    }
    refs.sort();
    let year = chrono::Datelike::year(&kernel::Clock::now(&app.clock));
    let expected: Vec<String> = (1..=24)
        .map(|n| records::file_reference("32.10", year, n))
        .collect();
    assert_eq!(refs, expected, "1..24 without gaps or doubles");
    let other = app
        .app
        .records
        .create_file(&clerk, "33.10", "Meldewesen")
        .await
        .expect("file");
    assert_eq!(
        other.reference,
        records::file_reference("33.10", year, 1),
        "per code"
    );
    assert!(matches!(
        app.app.records.create_file(&clerk, "99.99", "x").await,
        Err(RecordsError::Invalid(_))
    ));
}

#[tokio::test]
async fn a_new_version_never_overwrites_an_old_one() {
    let app = demo().await;
    let clerk = staff(&app, "sb@musterstadt.example", Role::Clerk).await;
    let file = app
        .app
        .records
        .create_file(&clerk, "67.10", "Fällung Eiche Marktplatz")
        .await
        .expect("file");
    let pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n".to_vec();
    let (doc, v1) = app
        .app
        .records
        .add_document(
            &clerk,
            kernel::RecordFileId(file.id),
            "Antrag",
            Content {
                file_name: "C:\\Users\\antrag.txt".into(),
                bytes: pdf.clone().into(),
                note: "Eingang".into(),
            },
        )
        .await
        .expect("document");
    assert_eq!(v1.number, 1);
    assert_eq!(
        v1.media_type, "application/pdf",
        "type from the content, not the name"
    );
    assert_eq!(v1.file_name, "antrag.txt");
    let v2 = app
        .app
        .records
        .add_version(
            &clerk,
            doc,
            Content {
                file_name: "antrag-korrigiert.txt".into(),
                bytes: "Korrigierter Text".into(),
                note: "Korrektur".into(),
            },
        )
        .await
        .expect("version");
    assert_eq!(v2.number, 2);
    assert_eq!(v2.media_type, "text/plain");
    let versions = app
        .app
        .records
        .versions(&clerk, doc)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 2);
    let (first, bytes) = app
        .app
        .records
        .content(&clerk, kernel::DocumentVersionId(versions[0].id))
        .await
        .expect("content");
    assert_eq!(bytes.as_ref(), pdf.as_slice(), "version 1 unchanged");
    assert_eq!(first.sha256.len(), 64);
    let update: Result<u64, sqlx::Error> = storage::on_db!(&app.app.db, pool => sqlx::query(
        "UPDATE records_version SET note = 'manipuliert'",
    ).execute(pool).await.map(|r| r.rows_affected()));
    assert!(update.is_err(), "the database refuses to change a version");
    let citizen = Actor {
        kind: kernel::ActorKind::Citizen,
        ..clerk.clone()
    };
    assert!(matches!(
        app.app.records.versions(&citizen, doc).await,
        Err(RecordsError::Forbidden)
    ));
    assert!(matches!(
        app.app
            .records
            .versions(&clerk, kernel::DocumentId::new())
            .await,
        Err(RecordsError::NotFound)
    ));
}

#[tokio::test]
async fn the_file_plan_api_reads_and_imports_all_or_nothing() {
    let app = demo().await;
    let token = app.api_token(&["catalogue:write"]).await;
    let plan = app
        .api(
            reqwest::Method::GET,
            "/api/v1/file-plan",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(plan.status, 200, "{}", plan.body);
    assert!(
        plan.json()
            .as_array()
            .is_some_and(|a| a.iter().any(|n| n["code"] == "67.10"))
    );
    let export = app
        .api(
            reqwest::Method::GET,
            "/api/v1/file-plan/export",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(export.json()["format"], "rathaus-fileplan/1");
    // The token's admin is no records office: import refused.
    let denied = app
        .api(
            reqwest::Method::POST,
            "/api/v1/file-plan",
            Some(&token),
            Some(export.json()),
        )
        .await;
    assert_eq!(denied.status, 403);
    assert_eq!(
        app.api(reqwest::Method::GET, "/api/v1/file-plan", None, None)
            .await
            .status,
        401
    );
    let broken = app
        .api(
            reqwest::Method::POST,
            "/api/v1/file-plan",
            Some(&token),
            Some(serde_json::json!({"format": "rathaus-fileplan/1", "nodes": [{"code": "9.9.", "title": "", "retention_years": 1, "disposal": "shred"}]})),
        )
        .await;
    assert_eq!(
        broken.status, 400,
        "unknown disposal is refused: {}",
        broken.body
    );
}
