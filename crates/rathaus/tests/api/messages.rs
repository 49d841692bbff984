//! Messages between the applicant and the case, both directions, with
//! attachments: everything is filed in the case; the e-mail only says
//! that something is waiting; the applicant opens only the attachments of
//! messages; applicants without an account are not written to here; a
//! closed case takes no messages.

use crate::delivery::{actor_of, app, citizen_case};
use base64::Engine;
use kernel::{CaseId, Role};
use reqwest::Method;
use serde_json::json;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n";

#[tokio::test]
async fn clerk_and_applicant_write_to_each_other_and_everything_is_filed_in_the_case() {
    let mut app = app().await;
    let case = citizen_case(&app).await;
    let erika_cases = app.get("/konto/vorgaenge").await;
    assert!(
        erika_cases
            .body
            .contains(&format!("/konto/vorgaenge/{}/nachrichten", case.id)),
        "{}",
        erika_cases.body
    );
    let code = crate::case_work::unit_code(&app, &case).await;
    let clerk_mail = format!(
        "sb-msg-{}@musterstadt.example",
        uuid::Uuid::now_v7().simple()
    );
    app.create_staff(&clerk_mail, &code, &[Role::Clerk]).await;
    let documents_before = app.count("records_document").await;

    // The clerk writes with an attachment from the case page.
    app.new_browser();
    app.login_staff(&clerk_mail).await;
    let base = format!("/arbeit/vorgaenge/{}", case.id);
    let page = app.get(&base).await;
    assert!(page.body.contains("id=\"send-message\""), "{}", page.body);
    let empty = app
        .post_multipart(&format!("{base}/nachricht"), &[("body", "  ")], &[])
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("href=\"#body\""), "{}", empty.body);
    let html = app
        .post_multipart(
            &format!("{base}/nachricht"),
            &[("body", "x")],
            &[("files", "seite.html", b"<html><script>".to_vec())],
        )
        .await;
    assert_eq!(html.status, 422, "{}", html.body);
    assert_eq!(app.count("cases_message").await, 0);
    let sent = app
        .post_multipart(
            &format!("{base}/nachricht"),
            &[("body", "Bitte prüfen Sie den beigefügten Entwurf.")],
            &[("files", "Entwurf.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let page = app.get(&base).await;
    assert!(
        page.body
            .contains("Bitte prüfen Sie den beigefügten Entwurf.")
    );
    assert!(page.body.contains("Entwurf.pdf"));
    // Text and attachment are documents of the file.
    assert_eq!(app.count("records_document").await, documents_before + 2);
    app.run_jobs().await;
    let mail = app
        .mails()
        .into_iter()
        .find(|m| m.contains("erika.mustermann@example.org") && m.contains("neue Nachricht"))
        .expect("mail to Erika");
    // The e-mail says only that something is waiting.
    assert!(!mail.contains("Entwurf"), "{mail}");
    assert!(!mail.contains(&case.title), "{mail}");
    assert!(!mail.contains(&case.reference), "{mail}");
    assert!(!mail.contains("Mustermann,"), "{mail}");

    // Erika reads it after logging in, and opens the attachment.
    app.new_browser();
    let unauthenticated = app
        .get(&format!("/konto/vorgaenge/{}/nachrichten", case.id))
        .await;
    assert_ne!(unauthenticated.status, 200);
    app.login_citizen("erika.mustermann@example.org").await;
    let list = app
        .api(Method::GET, "/api/v1/account/cases", None, None)
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let own = list.json();
    let mine = own
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == json!(case.id))
        .expect("the case");
    assert_eq!(mine["unread_messages"], json!(1));
    let conversation = app
        .get(&format!("/konto/vorgaenge/{}/nachrichten", case.id))
        .await;
    assert_eq!(conversation.status, 200);
    assert!(
        conversation
            .body
            .contains("Bitte prüfen Sie den beigefügten Entwurf.")
    );
    let messages = app
        .api(
            Method::GET,
            &format!("/api/v1/account/cases/{}/messages", case.id),
            None,
            None,
        )
        .await;
    let messages = messages.json();
    assert!(messages[0]["read_at"].is_string(), "{messages}");
    let attachment = messages[0]["attachments"][0]["version_id"]
        .as_str()
        .expect("attachment")
        .to_owned();
    let pdf = app
        .get(&format!(
            "/konto/vorgaenge/{}/nachrichten/anlage/{attachment}",
            case.id
        ))
        .await;
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with("%PDF"));
    // Other documents of the file stay internal.
    let view = app
        .app
        .cases
        .case_view(&kernel::Actor::system("t"), CaseId(case.id))
        .await
        .expect("view");
    let internal = view
        .documents
        .iter()
        .filter_map(|d| d.latest())
        .find(|v| v.file_name != "Entwurf.pdf")
        .expect("another document");
    let refused = app
        .get(&format!(
            "/konto/vorgaenge/{}/nachrichten/anlage/{}",
            case.id, internal.id
        ))
        .await;
    assert_eq!(refused.status, 404);

    // Erika answers through the API with a file.
    let answer = app
        .api(
            Method::POST,
            &format!("/api/v1/account/cases/{}/messages", case.id),
            None,
            Some(json!({
                "body": "Der Entwurf passt, anbei die Unterschrift.",
                "files": [{"name": "Unterschrift.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF)}],
            })),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.json()["direction"], json!("in"));
    let bad = app
        .api(
            Method::POST,
            &format!("/api/v1/account/cases/{}/messages", case.id),
            None,
            Some(json!({"files": [{"name": "a.pdf", "content_base64": "%%%"}]})),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("files[0].content_base64"), "{}", bad.body);
    // The data export holds the conversation with its files.
    let export = app
        .api(Method::GET, "/api/v1/account/export", None, None)
        .await;
    assert_eq!(export.status, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(export.bytes.clone())).expect("zip");
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.expect("name").into_owned())
        .collect();
    let thread = names
        .iter()
        .find(|n| n.starts_with("nachrichten/") && n.ends_with("/nachrichten.json"))
        .expect("messages in the export")
        .clone();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(&thread).expect("thread"), &mut text)
        .expect("read");
    assert!(text.contains("Der Entwurf passt"), "{text}");
    assert!(
        names.iter().any(|n| n.ends_with("Unterschrift.pdf")),
        "{names:?}"
    );
    // The page form works too.
    let page_answer = app
        .post_multipart(
            &format!("/konto/vorgaenge/{}/nachrichten", case.id),
            &[("body", "Noch eine Frage zum Termin.")],
            &[],
        )
        .await;
    assert_eq!(page_answer.status, 303, "{}", page_answer.body);

    // The clerk sees both, with the attachment as a document of the case.
    app.new_browser();
    app.login_staff(&clerk_mail).await;
    let staff = app
        .api(
            Method::GET,
            &format!("/api/v1/cases/{}/messages", case.id),
            None,
            None,
        )
        .await;
    assert_eq!(staff.status, 200, "{}", staff.body);
    let staff = staff.json();
    assert_eq!(staff.as_array().map(Vec::len), Some(3));
    assert_eq!(
        staff[1]["attachments"][0]["file_name"],
        json!("Unterschrift.pdf")
    );
    let page = app.get(&base).await;
    assert!(page.body.contains("Der Entwurf passt"));
    assert!(page.body.contains("Unterschrift.pdf"));
    assert!(
        page.body
            .contains("Nachricht der antragstellenden Person eingegangen")
    );
    // Another citizen does not see the case's messages.
    app.new_browser();
    app.login_citizen("max.mustermann@example.org").await;
    let other = app
        .api(
            Method::GET,
            &format!("/api/v1/account/cases/{}/messages", case.id),
            None,
            None,
        )
        .await;
    assert_eq!(other.status, 404, "{}", other.body);
}

#[tokio::test]
async fn no_message_to_an_applicant_without_account_and_none_on_a_closed_case() {
    let app = app().await;
    // An application through the API, without an account.
    let token = app.api_token(&["submissions:write"]).await;
    crate::cases::submit(&app, &token).await;
    app.run_jobs().await;
    let case = crate::delivery::newest(&app).await;
    let code = crate::case_work::unit_code(&app, &case).await;
    let clerk = app
        .create_staff("sb-closed@musterstadt.example", &code, &[Role::Clerk])
        .await;
    let clerk = actor_of(&app, clerk).await;
    // Without an account the applicant could not log in to read it.
    let refused = app
        .app
        .cases
        .send_message(
            &clerk,
            CaseId(case.id),
            cases::messages::service::NewMessage {
                body: "Hallo".into(),
                files: vec![],
            },
        )
        .await;
    match refused {
        Err(cases::CasesError::Invalid(e)) => {
            assert_eq!(
                e.get("body").map(|e| e.code.as_str()),
                Some("message_no_account")
            );
        }
        other => panic!("expected refusal, got {other:?}"),
    }
    assert_eq!(app.count("cases_message").await, 0);
    // A closed case takes no messages.
    storage::on_db!(&app.app.db, pool => sqlx::query("UPDATE cases_case SET phase = 'closed' WHERE id = $1").bind(case.id).execute(pool).await.map(|r| r.rows_affected())).expect("close");
    let closed = app
        .app
        .cases
        .send_message(
            &clerk,
            CaseId(case.id),
            cases::messages::service::NewMessage {
                body: "Hallo".into(),
                files: vec![],
            },
        )
        .await;
    assert!(
        matches!(closed, Err(cases::CasesError::Conflict(_))),
        "{closed:?}"
    );
}
