//! The citizen's copy of their data (Art. 15 (3) GDPR, data subject
//! access): one zip with the profile, the consents, every submission with
//! its answers and files, the cases' status and history, the messages
//! with their attachments, the fees, and the
//! mailbox with its documents and dates. Assembled here, where every
//! context's service is at hand; each context decides what the citizen may
//! see (no internal notes, no staff names). The download is in the access
//! log.

use crate::app::Application;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use identity::http::auth::{ApiActor, CitizenUser};
use kernel::{Actor, ActorKind};
use serde_json::{Value, json};
use std::io::Write;
use storage::AuditEntry;
use web::AppError;

/// The routes: the download from the account page and the API.
pub fn router(app: Application) -> Router {
    Router::new()
        .route("/konto/daten.zip", get(page_download))
        .route("/api/v1/account/export", get(api_download))
        .with_state(app)
}

async fn page_download(
    State(app): State<Application>,
    CitizenUser(actor, _): CitizenUser,
) -> Result<Response, AppError> {
    download(&app, &actor).await
}

async fn api_download(
    State(app): State<Application>,
    ApiActor(actor): ApiActor,
) -> Result<Response, AppError> {
    download(&app, &actor).await
}

async fn download(app: &Application, actor: &Actor) -> Result<Response, AppError> {
    let bytes = account_zip(app, actor).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"meine-daten.zip\""),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

/// Every file object (`{"blob", "name"}`) in a submission's answers.
fn files_in(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            if let (Some(Value::String(blob)), Some(Value::String(name))) =
                (o.get("blob"), o.get("name"))
            {
                out.push((blob.clone(), name.clone()));
            }
            for inner in o.values() {
                files_in(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| files_in(i, out)),
        _ => {}
    }
}

/// A name safe inside the zip.
fn safe(name: &str) -> String {
    let n: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if n.is_empty() { "datei".into() } else { n }
}

/// The zip of everything rathaus holds about the citizen `actor`.
pub async fn account_zip(app: &Application, actor: &Actor) -> Result<Vec<u8>, AppError> {
    let (ActorKind::Citizen, Some(account)) = (&actor.kind, actor.account) else {
        return Err(AppError::Forbidden);
    };
    let internal = |e: &dyn std::fmt::Display| AppError::internal(e.to_string());
    let (acc, _) = app
        .identity
        .account(actor, account)
        .await
        .map_err(|e| internal(&e))?;
    let profile = app
        .identity
        .profile(actor, account)
        .await
        .map_err(|e| internal(&e))?;
    let consents = app
        .identity
        .consents(actor)
        .await
        .map_err(|e| internal(&e))?;
    let (_, submissions) = app
        .submissions
        .mine(actor)
        .await
        .map_err(|e| internal(&e))?;
    let cases = app
        .cases
        .citizen_cases(actor)
        .await
        .map_err(AppError::from)?;
    let mailbox = app.mailbox.mine(actor).await.map_err(AppError::from)?;

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let put = |files: &mut Vec<(String, Vec<u8>)>, name: String, v: &Value| {
        files.push((name, serde_json::to_vec_pretty(v).unwrap_or_default()));
    };
    put(
        &mut files,
        "konto.json".into(),
        &json!({
            "email": acc.email, "display_name": acc.display_name, "created_at": acc.created_at,
            "profile": profile,
        }),
    );
    put(
        &mut files,
        "einwilligungen.json".into(),
        &json!(consents
            .iter()
            .map(|c| json!({"purpose": c.purpose, "subject_id": c.subject_id, "scope": c.scope.0, "granted_at": c.granted_at, "revoked_at": c.revoked_at}))
            .collect::<Vec<_>>()),
    );
    for (s, title) in &submissions {
        let dir = format!("antraege/{}", safe(&s.reference));
        put(
            &mut files,
            format!("{dir}/antrag.json"),
            &json!({"reference": s.reference, "service": title, "submitted_at": s.submitted_at, "channel": s.channel, "fee_cents": s.fee_cents, "answers": s.answers}),
        );
        let mut attached = Vec::new();
        files_in(&Value::Object(s.answers.clone()), &mut attached);
        for (i, (blob, name)) in attached.into_iter().enumerate() {
            let bytes = app.blobs.get(&blob).await.map_err(|e| internal(&e))?;
            files.push((format!("{dir}/{}-{}", i + 1, safe(&name)), bytes.to_vec()));
        }
    }
    put(
        &mut files,
        "vorgaenge.json".into(),
        &json!(cases
            .iter()
            .map(|c| json!({
                "reference": c.reference, "service": c.title, "status": c.status,
                "history": c.history.iter().map(|h| json!({"at": h.at, "what": h.detail})).collect::<Vec<_>>(),
                "fee": c.fee.as_ref().map(|f| json!({
                    "purpose": f.claim.purpose, "amount_cents": f.claim.amount_cents, "paid_cents": f.claim.paid_cents,
                    "status": f.claim.status, "kassenzeichen": f.claim.reference, "due_on": f.claim.due_on,
                })),
            }))
            .collect::<Vec<_>>()),
    );
    for c in &cases {
        let Some(id) = c.id else { continue };
        let (_, thread) = app
            .cases
            .own_thread(actor, kernel::CaseId(id))
            .await
            .map_err(AppError::from)?;
        if thread.is_empty() {
            continue;
        }
        let dir = format!("nachrichten/{}", safe(&c.reference));
        let mut listed = Vec::new();
        for m in &thread {
            let mut names = Vec::new();
            for a in &m.attachments {
                let (_, bytes) = app
                    .cases
                    .own_attachment(
                        actor,
                        kernel::CaseId(id),
                        kernel::DocumentVersionId(a.version_id),
                    )
                    .await
                    .map_err(AppError::from)?;
                let name = format!("{dir}/{}-{}", a.version_id.simple(), safe(&a.file_name));
                files.push((name.clone(), bytes.to_vec()));
                names.push(name);
            }
            listed.push(json!({
                "direction": m.direction, "at": m.created_at, "text": m.body, "files": names, "read_at": m.read_at,
            }));
        }
        put(
            &mut files,
            format!("{dir}/nachrichten.json"),
            &json!(listed),
        );
    }
    let mut items = Vec::new();
    for d in &mailbox {
        let name = format!(
            "postfach/{}-{}",
            d.made_available_at.format("%Y-%m-%d"),
            safe(&d.file_name)
        );
        if d.state != "lapsed" {
            let bytes = app.blobs.get(&d.sha256).await.map_err(|e| internal(&e))?;
            files.push((name.clone(), bytes.to_vec()));
        }
        items.push(json!({
            "title": d.title, "file": name, "made_available_at": d.made_available_at, "mail_sent_at": d.mail_sent_at,
            "retrieved_at": d.retrieved_at, "notified_on": d.notified_on, "lapsed_at": d.lapsed_at, "state": d.state,
        }));
    }
    put(&mut files, "postfach.json".into(), &json!(items));

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        zip.start_file(name, options).map_err(|e| internal(&e))?;
        zip.write_all(&bytes).map_err(|e| internal(&e))?;
    }
    let out = zip.finish().map_err(|e| internal(&e))?.into_inner();
    app.log
        .record(vec![AuditEntry::new(
            actor.audit_label(),
            "account.exported",
            "account",
            vec![account.to_string()],
        )])
        .await
        .map_err(|e| internal(&e))?;
    Ok(out)
}
