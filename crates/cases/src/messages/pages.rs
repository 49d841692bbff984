//! Message pages: the form on the staff case page and the applicant's
//! conversation under /konto/vorgaenge/{id}/nachrichten with its
//! attachments.

use super::service::NewMessage;
use super::store::Message;
use crate::http::{Pages, WorkForm, case_id, on_page, serve_version};
use crate::service::CasesError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::http::auth::{CitizenUser, StaffUser};
use kernel::{DocumentVersionId, FieldErrors};
use web::{AppError, PageCtx};

/// The message routes (bodies up to the limit of several files).
pub fn router(upload_limit: usize) -> Router<Pages> {
    Router::new()
        .route("/arbeit/vorgaenge/{id}/nachricht", post(send))
        .route(
            "/konto/vorgaenge/{id}/nachrichten",
            get(conversation).post(write),
        )
        .route(
            "/konto/vorgaenge/{id}/nachrichten/anlage/{version}",
            get(attachment),
        )
        .layer(DefaultBodyLimit::max(upload_limit))
}

/// Text and files of a posted message form.
fn message_of(form: &web::CsrfFields) -> NewMessage {
    NewMessage {
        body: form.get("body").unwrap_or("").to_owned(),
        files: form
            .files
            .iter()
            .filter(|f| f.field == "files")
            .map(|f| (f.file_name.clone(), f.bytes.clone()))
            .collect(),
    }
}

async fn send(
    State(p): State<Pages>,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    form: web::CsrfFields,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let message = message_of(&form);
    let typed = WorkForm {
        body: message.body.clone(),
        ..WorkForm::default()
    };
    let result = p.cases.send_message(&actor, id, message).await;
    on_page(&p, ctx, &actor, id, typed, "#nachrichten", result).await
}

#[derive(Template, WebTemplate)]
#[template(path = "citizen_messages.html")]
struct ConversationPage {
    ctx: PageCtx,
    case_id: uuid::Uuid,
    reference: String,
    closed: bool,
    messages: Vec<Message>,
    body: String,
    errors: FieldErrors,
    sent: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
struct SentQuery {
    #[serde(default)]
    gesendet: Option<String>,
}

async fn show(
    p: &Pages,
    ctx: PageCtx,
    actor: &kernel::Actor,
    id: kernel::CaseId,
    body: String,
    errors: FieldErrors,
    sent: bool,
) -> Result<ConversationPage, AppError> {
    let (case, messages) = p.cases.own_messages(actor, id).await?;
    Ok(ConversationPage {
        ctx,
        case_id: case.id,
        reference: case.reference.clone(),
        closed: case.phase == "closed",
        messages,
        body,
        errors,
        sent,
    })
}

async fn conversation(
    State(p): State<Pages>,
    ctx: PageCtx,
    CitizenUser(actor, _): CitizenUser,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SentQuery>,
) -> Result<ConversationPage, AppError> {
    let id = case_id(&id)?;
    show(
        &p,
        ctx,
        &actor,
        id,
        String::new(),
        FieldErrors::new(),
        q.gesendet.is_some(),
    )
    .await
}

async fn write(
    State(p): State<Pages>,
    ctx: PageCtx,
    CitizenUser(actor, _): CitizenUser,
    Path(id): Path<String>,
    form: web::CsrfFields,
) -> Result<Response, AppError> {
    let id = case_id(&id)?;
    let message = message_of(&form);
    let body = message.body.clone();
    match p.cases.write_message(&actor, id, message).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/konto/vorgaenge/{id}/nachrichten?gesendet=1#gesendet"
        ))
        .into_response()),
        Err(CasesError::Invalid(errors)) => Ok(web::unprocessable(
            show(&p, ctx, &actor, id, body, errors, false).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn attachment(
    State(p): State<Pages>,
    CitizenUser(actor, _): CitizenUser,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let version = DocumentVersionId::parse(&version).ok_or(AppError::NotFound)?;
    let (v, bytes) = p
        .cases
        .own_attachment(&actor, case_id(&id)?, version)
        .await?;
    Ok(serve_version(&v, bytes))
}
