//! Notices: the clerk writes the decision, the draft is typeset by a job
//! (PDF/A with the applicant's address, the fee and the remedy notice);
//! only someone with signing authority for the unit signs finally; the
//! final version names the signer and the form of signing; the internal
//! signature holds for the draft's bytes and fails for any changed byte;
//! template errors show on the case with their line and can be retried.

use kernel::{Actor, CaseId, Role};
use reqwest::Method;
use serde_json::json;
use testkit::{TestApp, spawn_app_with};

async fn app() -> TestApp {
    let app = spawn_app_with(|s| s.fees.iban = "DE02120300000000202051".into()).await;
    app.seed_demo().await;
    app
}

/// A case from an API submission and the code of its unit.
async fn case(app: &TestApp) -> (uuid::Uuid, String) {
    let token = app.api_token(&["submissions:write"]).await;
    crate::cases::submit(app, &token).await;
    app.run_jobs().await;
    let id: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT id FROM cases_case ORDER BY received_at DESC LIMIT 1").fetch_one(pool).await).expect("case");
    let code: String = storage::on_db!(&app.app.db, pool => sqlx::query_scalar::<_, String>("SELECT u.code FROM identity_org_unit u JOIN cases_case c ON c.org_unit_id = u.id WHERE c.id = $1").bind(id).fetch_one(pool).await).expect("unit");
    (id, code)
}

async fn revision(app: &TestApp, id: uuid::Uuid) -> String {
    let r: i64 = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT revision FROM cases_case WHERE id = $1").bind(id).fetch_one(pool).await).expect("revision");
    r.to_string()
}

async fn notice_row(
    app: &TestApp,
    case: uuid::Uuid,
) -> (
    uuid::Uuid,
    String,
    Option<uuid::Uuid>,
    Option<uuid::Uuid>,
    Option<String>,
) {
    storage::on_db!(&app.app.db, pool => sqlx::query_as::<_, (uuid::Uuid, String, Option<uuid::Uuid>, Option<uuid::Uuid>, Option<String>)>(
        "SELECT id, state, draft_version_id, final_version_id, error FROM cases_notice WHERE case_id = $1 ORDER BY created_at DESC LIMIT 1").bind(case).fetch_one(pool).await).expect("notice")
}

/// What poppler's pdfsig says about a PDF's signatures.
fn pdfsig(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("s.pdf");
    std::fs::write(&path, bytes).expect("write");
    let out = std::process::Command::new("pdfsig")
        .arg(&path)
        .output()
        .expect("pdfsig (poppler-utils) is installed");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The text of a PDF (poppler's pdftotext).
fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("n.pdf");
    std::fs::write(&path, bytes).expect("write");
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn version_bytes(app: &TestApp, case: uuid::Uuid, version: uuid::Uuid) -> Vec<u8> {
    app.app
        .cases
        .document(
            &Actor::system("t"),
            CaseId(case),
            kernel::DocumentVersionId(version),
        )
        .await
        .expect("content")
        .1
        .to_vec()
}

#[tokio::test]
async fn a_notice_is_signed_only_with_authority_and_names_the_signer_and_the_form() {
    let mut app = app().await;
    let (id, code) = case(&app).await;
    app.create_staff("sb-bescheid@musterstadt.example", &code, &[Role::Clerk])
        .await;
    let manager = app
        .create_staff(
            "leitung-bescheid@musterstadt.example",
            &code,
            &[Role::Clerk, Role::Manager],
        )
        .await;
    app.login_staff("sb-bescheid@musterstadt.example").await;
    let base = format!("/arbeit/vorgaenge/{id}");
    app.post_form(
        &format!("{base}/gebuehr"),
        &[
            ("revision", "1"),
            ("amount", "30,60"),
            ("purpose", "Gebühr Bewohnerparkausweis"),
        ],
    )
    .await;
    let empty = app
        .post_form(
            &format!("{base}/bescheid"),
            &[("revision", &revision(&app, id).await), ("decision", "  ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    let started = app
        .post_form(
            &format!("{base}/bescheid"),
            &[
                ("revision", &revision(&app, id).await),
                ("decision", "Ihrem Antrag auf einen Bewohnerparkausweis wird entsprochen.\n\nBegründung: Sie wohnen in der Parkzone."),
            ],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    assert_eq!(notice_row(&app, id).await.1, "rendering");
    app.run_jobs().await;
    let (notice, state, draft, _, error) = notice_row(&app, id).await;
    assert_eq!(state, "draft", "{error:?}");
    let draft = draft.expect("draft version");
    let draft_pdf = version_bytes(&app, id, draft).await;
    let text = pdf_text(&draft_pdf);
    assert!(text.contains("noch nicht schlussgezeichnet"), "{text}");
    assert!(
        text.contains("Aylin Yılmaz") && text.contains("51147 Musterstadt"),
        "addressee: {text}"
    );
    assert!(
        text.contains("30,60 €") && text.contains("Kassenzeichen"),
        "fee: {text}"
    );
    assert!(text.contains("Rechtsbehelfsbelehrung"));
    assert!(
        text.contains("Banking-App"),
        "the GiroCode is on the notice: {text}"
    );
    assert!(text.contains("Sie wohnen in der Parkzone"));

    // The clerk has no signing authority.
    let page = app.get(&base).await;
    assert!(page.body.contains("zeichnungsbefugt ist"), "{}", page.body);
    let refused = app
        .post_form(&format!("{base}/bescheid/{notice}/schlusszeichnen"), &[])
        .await;
    assert_eq!(refused.status, 403);

    // An admin grants the manager authority "Im Auftrag" for the unit.
    app.new_browser();
    app.login_staff("admin@musterstadt.example").await;
    let wrong = app
        .post_form(
            "/arbeit/admin/zeichnungsbefugnis",
            &[
                ("email", "niemand@musterstadt.example"),
                ("unit", &code),
                ("capacity", "commissioned"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("Beschäftigtenkonto"));
    let granted = app
        .post_form(
            "/arbeit/admin/zeichnungsbefugnis",
            &[
                ("email", "leitung-bescheid@musterstadt.example"),
                ("unit", &code),
                ("capacity", "commissioned"),
            ],
        )
        .await;
    assert_eq!(granted.status, 303, "{}", granted.body);

    app.new_browser();
    app.login_staff("leitung-bescheid@musterstadt.example")
        .await;
    let page = app.get(&base).await;
    assert!(page.body.contains("id=\"sign-notice\""));
    let signed = app
        .post_form(&format!("{base}/bescheid/{notice}/schlusszeichnen"), &[])
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let again = app
        .post_form(&format!("{base}/bescheid/{notice}/schlusszeichnen"), &[])
        .await;
    assert_eq!(again.status, 409, "signed once");
    app.run_jobs().await;
    let (_, state, _, final_version, _) = notice_row(&app, id).await;
    assert_eq!(state, "final");
    let final_pdf = version_bytes(&app, id, final_version.expect("final")).await;
    let final_text = pdf_text(&final_pdf);
    // The external PAdES signature, checked by poppler; one changed byte
    // inside the signed range breaks it.
    let report = pdfsig(&final_pdf);
    assert!(report.contains("Signature is Valid"), "{report}");
    assert!(
        report.contains("ETSI.CAdES.detached") || report.contains("PAdES"),
        "{report}"
    );
    // A byte of the binary-marker comment on the second line: inside the
    // first signed range, and the file still parses.
    let mut changed = final_pdf.clone();
    assert_eq!(&changed[..9], b"%PDF-1.7\n");
    changed[11] ^= 0x01;
    let broken = pdfsig(&changed);
    assert!(!broken.contains("Signature is Valid"), "{broken}");
    assert!(final_text.contains("Im Auftrag"), "{final_text}");
    assert!(
        final_text.contains("leitung-bescheid"),
        "the signer's name: {final_text}"
    );
    assert!(!final_text.contains("noch nicht schlussgezeichnet"));
    let page = app.get(&base).await;
    assert!(
        page.body
            .contains("Bescheid schlussgezeichnet von leitung-bescheid (Im Auftrag)")
    );
    assert!(
        page.body.contains("kern-badge--success"),
        "the signature holds"
    );

    // Through the API: the signature verifies; a token cannot sign.
    let listed = app
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}/notices"),
            None,
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.json()[0]["signatures"][0]["valid"], true);
    let sig_account = listed.json()[0]["signatures"][0]["signature"]["account_id"].clone();
    assert_eq!(sig_account, json!(manager.to_string()));

    // One changed byte of the signed draft and the signature fails.
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&draft_pdf));
    let blob = app
        .app
        .settings
        .data_dir
        .join("blobs")
        .join("sha256")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(&sha);
    let mut bytes = std::fs::read(&blob).expect("blob on disk");
    let last = bytes.len() - 10;
    bytes[last] ^= 0x01;
    std::fs::write(&blob, &bytes).expect("tamper");
    let listed = app
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}/notices"),
            None,
            None,
        )
        .await;
    assert_eq!(listed.json()[0]["signatures"][0]["valid"], false);
}

#[tokio::test]
async fn template_errors_show_with_their_line_and_a_failed_notice_is_retried_after_the_fix() {
    let mut app = app().await;
    let (id, code) = case(&app).await;
    let service: uuid::Uuid = storage::on_db!(&app.app.db, pool => sqlx::query_scalar("SELECT t.service_id FROM cases_case_type t JOIN cases_case c ON c.case_type_id = t.id WHERE c.id = $1").bind(id).fetch_one(pool).await).expect("service");
    app.login_staff("admin@musterstadt.example").await;
    let editor = format!("/arbeit/admin/vorgangsarten/{service}/bescheid");
    let page = app.get(&editor).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Standardvorlage"));
    let broken = app
        .post_form(
            &editor,
            &[
                ("source", "#let d = json(bytes(sys.inputs.data))\n\n#d.nope"),
                ("remedy", "Klage binnen eines Monats."),
            ],
        )
        .await;
    assert_eq!(broken.status, 422);
    assert!(broken.body.contains("line 3"), "{}", broken.body);
    // Valid with the sample data, but it needs a fee the case will not have.
    let needs_fee = "#let d = json(bytes(sys.inputs.data))\n#set document(title: \"Bescheid\")\n#set text(lang: \"de\")\nGebühr: #d.fee.amount\n";
    let saved = app
        .post_form(
            &editor,
            &[
                ("source", needs_fee),
                ("remedy", "Klage binnen eines Monats."),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    app.new_browser();
    app.create_staff("sb-vorlage@musterstadt.example", &code, &[Role::Clerk])
        .await;
    app.login_staff("sb-vorlage@musterstadt.example").await;
    let base = format!("/arbeit/vorgaenge/{id}");
    app.post_form(
        &format!("{base}/bescheid"),
        &[
            ("revision", &revision(&app, id).await),
            ("decision", "Abgelehnt."),
        ],
    )
    .await;
    app.run_jobs().await;
    let (notice, state, _, _, error) = notice_row(&app, id).await;
    assert_eq!(state, "failed");
    let error = error.expect("the error is kept");
    assert!(error.contains("line 4"), "{error}");
    let page = app.get(&base).await;
    assert!(page.body.contains("Konnte nicht erstellt werden"));
    assert!(
        page.body.contains("line 4"),
        "the Typst error is on the case"
    );

    // The admin fixes the template; the clerk typesets again.
    app.new_browser();
    app.login_staff("admin@musterstadt.example").await;
    let fixed = "#let d = json(bytes(sys.inputs.data))\n#set document(title: \"Bescheid\")\n#set text(lang: \"de\")\n#if d.fee != none [Gebühr: #d.fee.amount] else [Gebührenfrei.]\n";
    assert_eq!(
        app.post_form(
            &editor,
            &[("source", fixed), ("remedy", "Klage binnen eines Monats.")]
        )
        .await
        .status,
        303
    );
    app.new_browser();
    app.login_staff("sb-vorlage@musterstadt.example").await;
    let retried = app
        .post_form(&format!("{base}/bescheid/{notice}/wiederholen"), &[])
        .await;
    assert_eq!(retried.status, 303);
    app.run_jobs().await;
    let (_, state, draft, _, error) = notice_row(&app, id).await;
    assert_eq!(state, "draft");
    assert!(error.is_none());
    assert!(
        pdf_text(&version_bytes(&app, id, draft.expect("draft")).await).contains("Gebührenfrei.")
    );

    // Through the API: a token cannot sign, a bad template is refused.
    let token = app.api_token(&["cases:write", "cases:read"]).await;
    let by_token = app
        .api(
            Method::POST,
            &format!("/api/v1/cases/{id}/notices/{notice}/sign"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(by_token.status, 403);
    let bad = app
        .api(
            Method::PUT,
            &format!("/api/v1/case-types/{service}/notice-template"),
            Some(&token),
            Some(json!({"source": "#let = (", "remedy": "x"})),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("template_error"), "{}", bad.body);
}
