//! The applicant's side of a request for information: the request and a
//! form to answer and upload files, for the logged-in applicant under
//! /konto/vorgaenge and, for applications without an account, under
//! /nachforderung/{id} with the secret key from the e-mail.

use crate::http::Pages;
use crate::service::CasesError;
use crate::store::InfoRequest;
use crate::work::Answerer;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use identity::http::auth::CitizenUser;
use kernel::FieldErrors;
use uuid::Uuid;
use web::{AppError, PageCtx};

/// The applicant's request pages.
pub fn router(upload_limit: usize) -> Router<Pages> {
    Router::new()
        .route(
            "/konto/vorgaenge/nachforderung/{id}",
            get(own_page).post(own_answer),
        )
        .route("/nachforderung/{id}", get(key_page).post(key_answer))
        .route("/nachforderung/{id}/danke", get(thanks))
        .layer(DefaultBodyLimit::max(upload_limit))
}

#[derive(Template, WebTemplate)]
#[template(path = "citizen_request.html")]
struct RequestPage {
    ctx: PageCtx,
    request: InfoRequest,
    reference: String,
    /// The secret key for applicants without an account.
    key: Option<String>,
    answer: String,
    errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "citizen_request_done.html")]
struct ThanksPage {
    ctx: PageCtx,
}

#[derive(Debug, serde::Deserialize)]
struct KeyQuery {
    #[serde(default)]
    schluessel: String,
}

fn request_id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

async fn show(
    p: &Pages,
    ctx: PageCtx,
    who: Answerer<'_>,
    id: Uuid,
    answer: String,
    errors: FieldErrors,
) -> Result<RequestPage, AppError> {
    let key = match &who {
        Answerer::Key(k) => Some((*k).to_owned()),
        Answerer::Citizen(_) => None,
    };
    let (request, reference) = p.cases.request_for(&who, id).await?;
    Ok(RequestPage {
        ctx,
        request,
        reference,
        key,
        answer,
        errors,
    })
}

async fn own_page(
    State(p): State<Pages>,
    ctx: PageCtx,
    CitizenUser(actor, _): CitizenUser,
    Path(id): Path<String>,
) -> Result<RequestPage, AppError> {
    show(
        &p,
        ctx,
        Answerer::Citizen(&actor),
        request_id(&id)?,
        String::new(),
        FieldErrors::new(),
    )
    .await
}

async fn key_page(
    State(p): State<Pages>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Query(q): Query<KeyQuery>,
) -> Result<RequestPage, AppError> {
    show(
        &p,
        ctx,
        Answerer::Key(&q.schluessel),
        request_id(&id)?,
        String::new(),
        FieldErrors::new(),
    )
    .await
}

/// Saves the answer; invalid input shows the form again with what was
/// typed and the error summary.
async fn answer(
    p: &Pages,
    ctx: PageCtx,
    who: Answerer<'_>,
    id: Uuid,
    form: web::CsrfFields,
    done: &str,
) -> Result<Response, AppError> {
    let text = form.get("answer").unwrap_or("").to_owned();
    let files = form
        .files
        .iter()
        .filter(|f| f.field == "files")
        .map(|f| (f.file_name.clone(), f.bytes.clone()))
        .collect();
    match p.cases.answer_request(&who, id, &text, files).await {
        Ok(()) => Ok(Redirect::to(done).into_response()),
        Err(CasesError::Invalid(errors)) => Ok(web::unprocessable(
            show(p, ctx, who, id, text, errors).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn own_answer(
    State(p): State<Pages>,
    ctx: PageCtx,
    CitizenUser(actor, _): CitizenUser,
    Path(id): Path<String>,
    form: web::CsrfFields,
) -> Result<Response, AppError> {
    let id = request_id(&id)?;
    answer(
        &p,
        ctx,
        Answerer::Citizen(&actor),
        id,
        form,
        "/konto/vorgaenge?beantwortet=1",
    )
    .await
}

async fn key_answer(
    State(p): State<Pages>,
    ctx: PageCtx,
    Path(id): Path<String>,
    form: web::CsrfFields,
) -> Result<Response, AppError> {
    let id = request_id(&id)?;
    let key = form.get("schluessel").unwrap_or("").to_owned();
    answer(
        &p,
        ctx,
        Answerer::Key(&key),
        id,
        form,
        &format!("/nachforderung/{id}/danke"),
    )
    .await
}

async fn thanks(ctx: PageCtx) -> ThanksPage {
    ThanksPage { ctx }
}
