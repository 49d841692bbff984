//! JSON API of cases: the caller's queue with filters, a case with its
//! answers, documents, timeline, follow-ups and requests; claiming,
//! assigning and status changes (with the revision the caller saw: 409
//! when someone changed the case meanwhile); notes, follow-ups, requests
//! for information, document uploads with an idempotency key, the
//! access log of a case and the case types; and the applicant's side of a
//! request for information (read it, answer with text and files).

use crate::service::CasesService;
use crate::store::{Case, TimelineEntry};
use crate::work::{AccessRecord, AssigneeChoice, DueFilter, QueueFilter, QueuePage, Upload};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use identity::http::auth::ApiActor;
use kernel::CaseId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{ApiJson, AppError};

type Svc = State<Arc<CasesService>>;

/// The cases API with its OpenAPI description.
pub fn router(svc: Arc<CasesService>) -> OpenApiRouter {
    let max = usize::try_from(svc.settings.max_upload_bytes).unwrap_or(usize::MAX);
    let upload_limit = max.saturating_add(64 * 1024);
    // An answer carries several files, base64 in JSON (4/3 of their size).
    let answer_limit = max.saturating_mul(4).saturating_add(64 * 1024);
    OpenApiRouter::new()
        .routes(routes!(queue))
        .routes(routes!(get_case))
        .routes(routes!(claim))
        .routes(routes!(status))
        .routes(routes!(close))
        .routes(routes!(assign))
        .routes(routes!(add_note))
        .routes(routes!(add_follow_up))
        .routes(routes!(finish_follow_up))
        .routes(routes!(due_follow_ups))
        .routes(routes!(request_information))
        .routes(routes!(document_content))
        .routes(routes!(access_log))
        .routes(routes!(case_types, define_case_type))
        .routes(routes!(search))
        .routes(routes!(information_request))
        .routes(routes!(own_cases))
        .merge(crate::fees::api::router())
        .merge(crate::notices::api::router())
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_document))
                .routes(routes!(upload_version))
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .merge(
            OpenApiRouter::new()
                .routes(routes!(answer_request))
                .merge(crate::messages::api::router())
                .layer(axum::extract::DefaultBodyLimit::max(answer_limit)),
        )
        .with_state(svc)
}

/// Query of the queue.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Status key (open cases of every status when missing).
    pub status: Option<String>,
    /// Case type id.
    pub case_type: Option<String>,
    /// `overdue` or `week` (due within seven days).
    pub due: Option<String>,
    /// `me`, `nobody` or an account id.
    pub assignee: Option<String>,
    /// Include closed cases.
    #[serde(default)]
    pub closed: bool,
    /// Page from 0 (50 cases each).
    #[serde(default)]
    pub page: u32,
}

pub(crate) fn bad(field: &str, code: &str, detail: &str) -> AppError {
    let mut errors = kernel::FieldErrors::new();
    errors.add(field, code);
    AppError::Invalid {
        detail: detail.into(),
        errors,
    }
}

impl QueueQuery {
    fn filter(&self) -> Result<QueueFilter, AppError> {
        let case_type = match self.case_type.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(t) => Some(kernel::CaseTypeId::parse(t).ok_or_else(|| {
                bad(
                    "case_type",
                    "case_type_unknown",
                    "case_type is not a case type id.",
                )
            })?),
        };
        let due = match self.due.as_deref().unwrap_or("") {
            "" => None,
            "overdue" => Some(DueFilter::Overdue),
            "week" => Some(DueFilter::Week),
            _ => return Err(bad("due", "due_unknown", "due is `overdue` or `week`.")),
        };
        let assignee = match self.assignee.as_deref().unwrap_or("") {
            "" => AssigneeChoice::Any,
            "me" => AssigneeChoice::Me,
            "nobody" => AssigneeChoice::Nobody,
            other => AssigneeChoice::Account(kernel::AccountId::parse(other).ok_or_else(|| {
                bad(
                    "assignee",
                    "assignee_unknown",
                    "assignee is `me`, `nobody` or an account id.",
                )
            })?),
        };
        Ok(QueueFilter {
            status: self.status.clone(),
            case_type,
            due,
            assignee,
            closed: self.closed,
            page: self.page,
        })
    }
}

/// A case with everything its page shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    /// The case.
    pub case: Case,
    /// Label of its status.
    pub status_label: String,
    /// The applicant's answers as the form asked them.
    pub answers: Vec<forms::view::SummaryRow>,
    /// Documents with their versions.
    pub documents: Vec<records::store::DocumentWithVersions>,
    /// What happened, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Open follow-up dates.
    pub follow_ups: Vec<crate::store::FollowUp>,
    /// Requests for information, oldest first.
    pub requests: Vec<crate::store::InfoRequest>,
    /// The fee claim, if set.
    pub claim: Option<crate::fees::store::Claim>,
    /// Payments booked to it.
    pub payments: Vec<crate::fees::store::Payment>,
}

/// A change with the revision the caller saw.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The case's `revision` as read.
    pub revision: i64,
    /// Target status key (status changes only).
    #[serde(default)]
    pub status: Option<String>,
}

/// Closing a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Closing {
    /// The case's `revision` as read.
    pub revision: i64,
    /// Another outcome, when no notice was notified (e.g. withdrawn).
    #[serde(default)]
    pub outcome: String,
}

/// Close the case: only when its notice was notified (or `outcome` says
/// otherwise) and its fee is settled, waived or handed to the treasury; the
/// file's retention runs from the end of the year.
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = Closing,
    responses((status = 200, body = Case), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn close(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(c): ApiJson<Closing>,
) -> Result<ApiJson<Case>, AppError> {
    Ok(ApiJson(
        svc.close_case(&actor, id(&case)?, c.revision, &c.outcome)
            .await?,
    ))
}

pub(crate) fn id(s: &str) -> Result<CaseId, AppError> {
    CaseId::parse(s).ok_or(AppError::NotFound)
}

/// The cases of the units the caller works for (also as deputy), soonest
/// deadline first, 50 per page, with filters.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(QueueQuery), responses((status = 200, body = QueuePage), (status = 400, body = web::error::Problem)))]
async fn queue(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Query(q): Query<QueueQuery>,
) -> Result<ApiJson<QueuePage>, AppError> {
    Ok(ApiJson(svc.queue_page(&actor, &q.filter()?).await?))
}

/// One case (staff of its unit; others get 403 and the attempt is logged).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = CaseDetail), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn get_case(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
) -> Result<ApiJson<CaseDetail>, AppError> {
    let v = svc.case_view(&actor, id(&case)?).await?;
    Ok(ApiJson(CaseDetail {
        case: v.case,
        status_label: v.status_label,
        answers: v.answers,
        documents: v.documents,
        timeline: v.timeline,
        follow_ups: v.follow_ups,
        requests: v.requests,
        payments: v.claim.as_ref().map(|(_, p)| p.clone()).unwrap_or_default(),
        claim: v.claim.map(|(c, _)| c),
    }))
}

/// Take the case over.
#[utoipa::path(post, path = "/api/v1/cases/{id}/claim", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = Change,
    responses((status = 200, body = Case), (status = 409, body = web::error::Problem)))]
async fn claim(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(change): ApiJson<Change>,
) -> Result<ApiJson<Case>, AppError> {
    Ok(ApiJson(
        svc.claim(&actor, id(&case)?, change.revision).await?,
    ))
}

/// Move the case to another status along its type's transitions.
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = Change,
    responses((status = 200, body = Case), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn status(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(change): ApiJson<Change>,
) -> Result<ApiJson<Case>, AppError> {
    let to = change.status.unwrap_or_default();
    Ok(ApiJson(
        svc.change_status(&actor, id(&case)?, &to, change.revision)
            .await?,
    ))
}

/// Assigning a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// The case's `revision` as read.
    pub revision: i64,
    /// Account id of a clerk of the case's unit.
    pub assignee: String,
}

/// Give the case to a clerk of its unit.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assign", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = Assign,
    responses((status = 200, body = Case), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn assign(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(a): ApiJson<Assign>,
) -> Result<ApiJson<Case>, AppError> {
    let to = kernel::AccountId::parse(&a.assignee).ok_or_else(|| {
        bad(
            "assignee",
            "assignee_not_in_unit",
            "assignee is not an account id.",
        )
    })?;
    Ok(ApiJson(
        svc.assign(&actor, id(&case)?, to, a.revision).await?,
    ))
}

/// An internal note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// The text (staff only; up to 4000 characters).
    pub text: String,
}

/// Add an internal note (never shown to the applicant).
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = Note,
    responses((status = 204), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn add_note(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(n): ApiJson<Note>,
) -> Result<StatusCode, AppError> {
    svc.add_note(&actor, id(&case)?, &n.text).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A follow-up date.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFollowUp {
    /// The day (`2026-12-24`).
    pub due_on: chrono::NaiveDate,
    /// Why (up to 500 characters).
    #[serde(default)]
    pub note: String,
    /// Whom it brings the case back to (the caller when missing).
    #[serde(default)]
    pub account: Option<String>,
}

/// Set a follow-up date that brings the case back to someone.
#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-ups", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = NewFollowUp,
    responses((status = 201, body = crate::store::FollowUp), (status = 400, body = web::error::Problem)))]
async fn add_follow_up(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(f): ApiJson<NewFollowUp>,
) -> Result<(StatusCode, ApiJson<crate::store::FollowUp>), AppError> {
    let account = match f.account.as_deref() {
        None => None,
        Some(a) => Some(kernel::AccountId::parse(a).ok_or_else(|| {
            bad(
                "account",
                "assignee_not_in_unit",
                "account is not an account id.",
            )
        })?),
    };
    let made = svc
        .add_follow_up(&actor, id(&case)?, account, Some(f.due_on), &f.note)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(made)))
}

/// Mark a follow-up done.
#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-ups/{follow_up}/done", tag = "cases",
    params(("id" = String, Path, description = "Case id"), ("follow_up" = String, Path, description = "Follow-up id")),
    responses((status = 204), (status = 404, body = web::error::Problem)))]
async fn finish_follow_up(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((case, follow_up)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let f = uuid::Uuid::parse_str(&follow_up).map_err(|_| AppError::NotFound)?;
    svc.finish_follow_up(&actor, id(&case)?, f).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's follow-ups due today or earlier.
#[utoipa::path(get, path = "/api/v1/follow-ups/due", tag = "cases", responses((status = 200, body = Vec<crate::store::DueFollowUp>)))]
async fn due_follow_ups(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<crate::store::DueFollowUp>>, AppError> {
    Ok(ApiJson(svc.due_follow_ups(&actor).await?))
}

/// A request for information.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// The case's `revision` as read.
    pub revision: i64,
    /// What is missing, for the applicant.
    pub message: String,
    /// Answer wanted by (after today).
    pub due_on: chrono::NaiveDate,
}

/// Ask the applicant for missing data or documents: the case waits, its
/// deadline stops (§ 42a VwVfG) and the applicant gets an e-mail.
#[utoipa::path(post, path = "/api/v1/cases/{id}/requests", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = NewRequest,
    responses((status = 201, body = crate::store::InfoRequest), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn request_information(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(r): ApiJson<NewRequest>,
) -> Result<(StatusCode, ApiJson<crate::store::InfoRequest>), AppError> {
    let (_, made) = svc
        .request_information(&actor, id(&case)?, &r.message, Some(r.due_on), r.revision)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(made)))
}

/// Where an uploaded document goes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// Title of the new document.
    #[serde(default)]
    pub title: String,
    /// The file's name.
    #[serde(default)]
    pub file_name: String,
    /// Version note.
    #[serde(default)]
    pub note: String,
}

/// An upload of either endpoint: 201 with the new version, 200 with the
/// version an earlier request with the same `Idempotency-Key` made.
async fn upload(
    svc: &CasesService,
    actor: &kernel::Actor,
    case: &str,
    document: Option<kernel::DocumentId>,
    q: UploadQuery,
    headers: &axum::http::HeaderMap,
    body: bytes::Bytes,
) -> Result<(StatusCode, ApiJson<records::store::Version>), AppError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let (v, new) = svc
        .upload(
            actor,
            id(case)?,
            Upload {
                title: q.title,
                document,
                file_name: q.file_name,
                bytes: body,
                note: q.note,
            },
            key,
        )
        .await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ApiJson(v)))
}

/// Add a document to the case file; the body is the file's content (any
/// content type; the media type is taken from the content). With an
/// `Idempotency-Key`, a repeated request returns the first version (200).
#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", tag = "cases",
    params(("id" = String, Path, description = "Case id"), UploadQuery, ("Idempotency-Key" = Option<String>, Header, description = "Repeating the upload with the same key returns the version made first")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = records::store::Version), (status = 200, body = records::store::Version, description = "Uploaded before with this key"),
        (status = 400, body = web::error::Problem, description = "Empty, too large or of a type not accepted"), (status = 403, body = web::error::Problem), (status = 413, body = web::error::Problem)))]
async fn upload_document(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    Query(q): Query<UploadQuery>,
    headers: axum::http::HeaderMap,
    body: bytes::Bytes,
) -> Result<(StatusCode, ApiJson<records::store::Version>), AppError> {
    upload(&svc, &actor, &case, None, q, &headers, body).await
}

/// Add a new version of a document of the case; earlier versions stay.
#[utoipa::path(post, path = "/api/v1/cases/{id}/documents/{document}/versions", tag = "cases",
    params(("id" = String, Path, description = "Case id"), ("document" = String, Path, description = "Document id"), UploadQuery, ("Idempotency-Key" = Option<String>, Header, description = "Repeating the upload with the same key returns the version made first")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = records::store::Version), (status = 200, body = records::store::Version), (status = 400, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn upload_version(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((case, document)): Path<(String, String)>,
    Query(q): Query<UploadQuery>,
    headers: axum::http::HeaderMap,
    body: bytes::Bytes,
) -> Result<(StatusCode, ApiJson<records::store::Version>), AppError> {
    let document = kernel::DocumentId::parse(&document).ok_or(AppError::NotFound)?;
    upload(&svc, &actor, &case, Some(document), q, &headers, body).await
}

/// The content of a document version of the case, with its detected media
/// type (sandboxed: never active content on this origin).
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{version}/content", tag = "cases",
    params(("id" = String, Path, description = "Case id"), ("version" = String, Path, description = "Version id")),
    responses((status = 200, description = "The content"), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn document_content(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((case, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let version = kernel::DocumentVersionId::parse(&version).ok_or(AppError::NotFound)?;
    let (v, bytes) = svc.document(&actor, id(&case)?, version).await?;
    Ok(crate::http::serve_version(&v, bytes))
}

/// Who read or changed the case (data protection officers).
#[utoipa::path(get, path = "/api/v1/cases/{id}/access-log", tag = "cases", params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = Vec<AccessRecord>), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn access_log(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
) -> Result<ApiJson<Vec<AccessRecord>>, AppError> {
    Ok(ApiJson(svc.access_records(&actor, id(&case)?).await?.1))
}

/// A case type with its id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseTypeOut {
    /// Id.
    pub id: kernel::CaseTypeId,
    /// Its configuration.
    #[serde(flatten)]
    pub input: crate::domain::CaseTypeInput,
}

/// All case types.
#[utoipa::path(get, path = "/api/v1/case-types", tag = "cases", responses((status = 200, body = Vec<CaseTypeOut>)))]
async fn case_types(
    State(svc): Svc,
    ApiActor(_actor): ApiActor,
) -> Result<ApiJson<Vec<CaseTypeOut>>, AppError> {
    Ok(ApiJson(
        svc.case_types()
            .await?
            .into_iter()
            .map(|t| CaseTypeOut {
                id: t.id,
                input: t.input,
            })
            .collect(),
    ))
}

/// Define or replace the case type of a service (admins): statuses in the
/// fixed phases, transitions, deadline and its rule, receiving unit,
/// file-plan code.
#[utoipa::path(put, path = "/api/v1/case-types", tag = "cases", request_body = crate::domain::CaseTypeInput,
    responses((status = 204), (status = 400, body = web::error::Problem, description = "invalid_params names each wrong field"), (status = 403, body = web::error::Problem)))]
async fn define_case_type(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(t): ApiJson<crate::domain::CaseTypeInput>,
) -> Result<StatusCode, AppError> {
    svc.define_type(&actor, t).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words (every one must occur, in any German form); quotes for a
    /// phrase.
    #[serde(default)]
    pub q: String,
}

/// Full-text search over the documents of the cases the caller may see:
/// the best 20 with their passage and case, and the number of all hits.
#[utoipa::path(get, path = "/api/v1/search/documents", tag = "cases", params(SearchQuery),
    responses((status = 200, body = crate::work::SearchPage), (status = 403, body = web::error::Problem)))]
async fn search(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Query(q): Query<SearchQuery>,
) -> Result<ApiJson<crate::work::SearchPage>, AppError> {
    Ok(ApiJson(svc.search(&actor, &q.q).await?))
}

/// A request for information as its applicant reads it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestForApplicant {
    /// The request (with the answer once given).
    pub request: crate::store::InfoRequest,
    /// The file reference of the case, for the applicant's letters.
    pub reference: String,
}

/// The applicant's answer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    /// What the applicant writes (may be empty when files come along).
    #[serde(default)]
    pub answer: String,
    /// Documents for the case file.
    #[serde(default)]
    pub files: Vec<AnswerFile>,
}

/// One document of an answer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerFile {
    /// The file's name.
    pub name: String,
    /// Its content, base64 (standard alphabet, with padding).
    pub content_base64: String,
}

/// The files of a JSON body, decoded; 400 naming the first that is not
/// base64.
pub(crate) fn decode_files(
    files: Vec<AnswerFile>,
) -> Result<Vec<(String, bytes::Bytes)>, AppError> {
    use base64::Engine;
    let mut out = Vec::with_capacity(files.len());
    for (i, f) in files.into_iter().enumerate() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(f.content_base64.as_bytes())
            .map_err(|_| {
                bad(
                    &format!("files[{i}].content_base64"),
                    "file_not_base64",
                    "A file's content_base64 is not base64 (standard alphabet with padding).",
                )
            })?;
        out.push((f.name, bytes::Bytes::from(bytes)));
    }
    Ok(out)
}

/// Header with the secret key from the applicant's e-mail (applications
/// made without an account).
const ANSWER_KEY: &str = "x-answer-key";

/// Who answers: whoever holds the key from the e-mail, else the logged-in
/// applicant (anyone else is refused by the service).
fn answerer<'a>(
    headers: &'a axum::http::HeaderMap,
    actor: &'a Result<ApiActor, AppError>,
) -> Result<crate::work::Answerer<'a>, AppError> {
    use crate::work::Answerer;
    if let Some(key) = headers.get(ANSWER_KEY) {
        let key = key.to_str().map_err(|_| AppError::Forbidden)?;
        return Ok(Answerer::Key(key));
    }
    match actor {
        Ok(ApiActor(a)) => Ok(Answerer::Citizen(a)),
        Err(_) => Err(AppError::Unauthorized),
    }
}

fn request_uuid(s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// A request for information addressed to the caller: the applicant's own
/// (session) or, with the `X-Answer-Key` header from the e-mail, anyone's
/// who holds the key.
#[utoipa::path(get, path = "/api/v1/information-requests/{id}", tag = "cases",
    params(("id" = String, Path, description = "Request id"), ("X-Answer-Key" = Option<String>, Header, description = "The key from the e-mail (applications without an account)")),
    responses((status = 200, body = RequestForApplicant), (status = 401, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn information_request(
    State(svc): Svc,
    actor: Result<ApiActor, AppError>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> Result<ApiJson<RequestForApplicant>, AppError> {
    let who = answerer(&headers, &actor)?;
    let (request, reference) = svc.request_for(&who, request_uuid(&id)?).await?;
    Ok(ApiJson(RequestForApplicant { request, reference }))
}

/// Answer a request for information with text and files: the files become
/// documents of the case, the case goes back to its clerk and the
/// processing deadline runs again (by the case type's rule). A request is
/// answered once; a second answer gets 400 `request_answered`.
#[utoipa::path(post, path = "/api/v1/information-requests/{id}/answer", tag = "cases",
    params(("id" = String, Path, description = "Request id"), ("X-Answer-Key" = Option<String>, Header, description = "The key from the e-mail (applications without an account)")),
    request_body = AnswerIn,
    responses((status = 200, body = RequestForApplicant, description = "Answered; the request with its answer"),
        (status = 400, body = web::error::Problem, description = "Empty, too long, answered before, or a file not base64, too large or of a type not accepted; invalid_params names the field"),
        (status = 401, body = web::error::Problem), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem), (status = 413, body = web::error::Problem)))]
async fn answer_request(
    State(svc): Svc,
    actor: Result<ApiActor, AppError>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AnswerIn>,
) -> Result<ApiJson<RequestForApplicant>, AppError> {
    let who = answerer(&headers, &actor)?;
    let id = request_uuid(&id)?;
    let files = decode_files(a.files)?;
    svc.answer_request(&who, id, &a.answer, files).await?;
    let (request, reference) = svc.request_for(&who, id).await?;
    Ok(ApiJson(RequestForApplicant { request, reference }))
}

/// An applicant's case as the account shows it: no internal data (no
/// notes, no staff names).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OwnCase {
    /// The case (its messages are at
    /// `/api/v1/account/cases/{id}/messages`); null while it is being
    /// created.
    pub id: Option<uuid::Uuid>,
    /// Messages from the authority not yet read.
    pub unread_messages: usize,
    /// The reference number of the submission.
    pub reference: String,
    /// The service.
    pub title: String,
    /// Plain-language status; null while the case is being created.
    pub status: Option<String>,
    /// What happened (received, status changes, requests, answers).
    pub history: Vec<OwnCaseEvent>,
    /// Requests for information still to answer (answer them at
    /// `/api/v1/information-requests/{id}/answer`).
    pub open_requests: Vec<OwnRequest>,
    /// The fee and how to pay it.
    pub fee: Option<crate::fees::api::OwnFee>,
}

/// One step of an applicant's case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OwnCaseEvent {
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// What, in plain language.
    pub detail: String,
}

/// A request for information still to answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OwnRequest {
    /// Id.
    pub id: uuid::Uuid,
    /// What is missing.
    pub message: String,
    /// Answer wanted by.
    pub due_on: chrono::NaiveDate,
}

/// The caller's own applications and their cases (citizens, with their
/// session), newest first, as the account page shows them.
#[utoipa::path(get, path = "/api/v1/account/cases", tag = "cases",
    responses((status = 200, body = Vec<OwnCase>), (status = 401, body = web::error::Problem), (status = 403, body = web::error::Problem, description = "Not a citizen")))]
async fn own_cases(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<OwnCase>>, AppError> {
    let cases = svc.citizen_cases(&actor).await?;
    Ok(ApiJson(
        cases
            .into_iter()
            .map(|c| OwnCase {
                id: c.id,
                unread_messages: c.unread_messages,
                reference: c.reference,
                title: c.title,
                status: c.status,
                history: c
                    .history
                    .into_iter()
                    .map(|h| OwnCaseEvent {
                        at: h.at,
                        detail: h.detail,
                    })
                    .collect(),
                open_requests: c
                    .open_requests
                    .into_iter()
                    .map(|r| OwnRequest {
                        id: r.id,
                        message: r.message,
                        due_on: r.due_on,
                    })
                    .collect(),
                fee: c.fee.map(crate::fees::api::OwnFee::from),
            })
            .collect(),
    ))
}
