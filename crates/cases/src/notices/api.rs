//! JSON API of notices: start, read (with the internal signatures checked),
//! sign finally (a personal act: staff sessions only, never a token),
//! retry; admins set the template per case type and grant signing
//! authority.

use super::domain::Capacity;
use super::store::{Authority, DecisionSignature, Notice};
use crate::api::{bad, id};
use crate::service::CasesService;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use identity::http::auth::ApiActor;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use web::{ApiJson, AppError};

type Svc = State<Arc<CasesService>>;

/// The notice routes (state added by the cases router).
pub fn router() -> OpenApiRouter<Arc<CasesService>> {
    OpenApiRouter::new()
        .routes(routes!(list, start))
        .routes(routes!(sign))
        .routes(routes!(retry))
        .routes(routes!(revise))
        .routes(routes!(deliver))
        .routes(routes!(set_template))
        .routes(routes!(authorities, grant))
        .routes(routes!(revoke))
}

fn uuid(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// A new notice.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNotice {
    /// The case's `revision` as read.
    pub revision: i64,
    /// The decision and its reasons (paragraphs separated by a blank line).
    pub decision: String,
}

/// A revised decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisedNotice {
    /// The decision and its reasons, revised.
    pub decision: String,
}

/// Start the notice of a case; its draft is typeset by a job (state
/// `rendering`, then `draft` or `failed` with the template's errors).
#[utoipa::path(post, path = "/api/v1/cases/{id}/notices", tag = "notices", params(("id" = String, Path, description = "Case id")), request_body = NewNotice,
    responses((status = 201, body = Notice), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn start(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(n): ApiJson<NewNotice>,
) -> Result<(StatusCode, ApiJson<Notice>), AppError> {
    let notice = svc
        .start_notice(&actor, id(&case)?, n.revision, &n.decision)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(notice)))
}

/// A signature and whether it holds for the version's content now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckedSignature {
    /// The signature.
    pub signature: DecisionSignature,
    /// Valid for the version as it is now.
    pub valid: bool,
}

/// A notice with its signatures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeDetail {
    /// The notice.
    pub notice: Notice,
    /// Its internal decision signatures.
    pub signatures: Vec<CheckedSignature>,
}

/// The notices of a case (staff of its unit; the read is logged).
#[utoipa::path(get, path = "/api/v1/cases/{id}/notices", tag = "notices", params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = Vec<NoticeDetail>), (status = 403, body = web::error::Problem)))]
async fn list(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
) -> Result<ApiJson<Vec<NoticeDetail>>, AppError> {
    let view = svc.case_view(&actor, id(&case)?).await?;
    Ok(ApiJson(
        view.notices
            .into_iter()
            .map(|n| NoticeDetail {
                notice: n.notice,
                signatures: n
                    .signatures
                    .into_iter()
                    .map(|(signature, valid)| CheckedSignature { signature, valid })
                    .collect(),
            })
            .collect(),
    ))
}

/// Sign a draft notice finally (staff whose signing authority covers the
/// case's unit, with their session; tokens cannot sign).
#[utoipa::path(post, path = "/api/v1/cases/{id}/notices/{notice}/sign", tag = "notices",
    params(("id" = String, Path, description = "Case id"), ("notice" = String, Path, description = "Notice id")),
    responses((status = 200, body = Notice), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn sign(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((case, notice)): Path<(String, String)>,
) -> Result<ApiJson<Notice>, AppError> {
    Ok(ApiJson(
        svc.sign_notice(&actor, id(&case)?, uuid(&notice)?).await?,
    ))
}

/// Typeset a failed notice again.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notices/{notice}/retry", tag = "notices",
    params(("id" = String, Path, description = "Case id"), ("notice" = String, Path, description = "Notice id")),
    responses((status = 200, body = Notice), (status = 409, body = web::error::Problem)))]
async fn retry(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((case, notice)): Path<(String, String)>,
) -> Result<ApiJson<Notice>, AppError> {
    Ok(ApiJson(
        svc.retry_notice(&actor, id(&case)?, uuid(&notice)?).await?,
    ))
}

/// Revise a draft that is not signed yet: the new decision is typeset as
/// the next version of the notice's document (a co-signing route on it
/// then starts its new round on that version).
#[utoipa::path(post, path = "/api/v1/cases/{id}/notices/{notice}/revise", tag = "notices",
    params(("id" = String, Path, description = "Case id"), ("notice" = String, Path, description = "Notice id")),
    request_body = RevisedNotice,
    responses((status = 200, body = Notice), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem, description = "Not a draft")))]
async fn revise(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((case, notice)): Path<(String, String)>,
    ApiJson(n): ApiJson<RevisedNotice>,
) -> Result<ApiJson<Notice>, AppError> {
    Ok(ApiJson(
        svc.revise_notice(&actor, id(&case)?, uuid(&notice)?, &n.decision)
            .await?,
    ))
}

/// How to deliver.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRequest {
    /// `portal` (retrieval, only with the applicant's consent) or `post`.
    pub channel: String,
}

/// The order of a delivery.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryOrdered {
    /// The delivery's id (it appears in the case once made).
    pub delivery_id: Uuid,
}

/// Deliver a finally signed notice (again only after a delivery lapsed).
#[utoipa::path(post, path = "/api/v1/cases/{id}/notices/{notice}/deliver", tag = "notices",
    params(("id" = String, Path, description = "Case id"), ("notice" = String, Path, description = "Notice id")), request_body = DeliveryRequest,
    responses((status = 202, body = DeliveryOrdered), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn deliver(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((case, notice)): Path<(String, String)>,
    ApiJson(r): ApiJson<DeliveryRequest>,
) -> Result<(StatusCode, ApiJson<DeliveryOrdered>), AppError> {
    let channel = mailbox::Channel::parse(&r.channel).ok_or_else(|| {
        bad(
            "channel",
            "channel_unknown",
            "channel is `portal` or `post`.",
        )
    })?;
    let delivery_id = svc
        .deliver_notice(&actor, id(&case)?, uuid(&notice)?, channel)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(DeliveryOrdered { delivery_id }),
    ))
}

/// A notice template.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeTemplate {
    /// Typst source; the data is JSON in `sys.inputs.data`.
    pub source: String,
    /// The legal remedy notice of this case type.
    pub remedy: String,
}

/// Set the notice template of the service's case type (admins); it is
/// typeset with sample data first and refused with Typst's errors.
#[utoipa::path(put, path = "/api/v1/case-types/{service}/notice-template", tag = "notices", params(("service" = String, Path, description = "Service id")), request_body = NoticeTemplate,
    responses((status = 204), (status = 400, body = web::error::Problem)))]
async fn set_template(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(service): Path<String>,
    ApiJson(t): ApiJson<NoticeTemplate>,
) -> Result<StatusCode, AppError> {
    let service = kernel::ServiceId::parse(&service).ok_or(AppError::NotFound)?;
    svc.set_notice_template(&actor, service, &t.source, &t.remedy)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every grant of signing authority (admins).
#[utoipa::path(get, path = "/api/v1/signing-authorities", tag = "notices",
    responses((status = 200, body = Vec<Authority>), (status = 403, body = web::error::Problem)))]
async fn authorities(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<Authority>>, AppError> {
    Ok(ApiJson(svc.authorities(&actor).await?))
}

/// A grant of signing authority for notices.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAuthority {
    /// The staff account.
    pub account_id: Uuid,
    /// The unit (covers the units below it).
    pub org_unit_id: Uuid,
    /// `head`, `deputy` or `commissioned`.
    pub capacity: String,
}

/// Grant (or change) signing authority for notices (admins).
#[utoipa::path(post, path = "/api/v1/signing-authorities", tag = "notices", request_body = NewAuthority,
    responses((status = 201, body = Authority), (status = 400, body = web::error::Problem)))]
async fn grant(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(a): ApiJson<NewAuthority>,
) -> Result<(StatusCode, ApiJson<Authority>), AppError> {
    let capacity = Capacity::parse(&a.capacity).ok_or_else(|| {
        bad(
            "capacity",
            "capacity_unknown",
            "capacity is `head`, `deputy` or `commissioned`.",
        )
    })?;
    let granted = svc
        .grant_authority(
            &actor,
            kernel::AccountId(a.account_id),
            kernel::OrgUnitId(a.org_unit_id),
            capacity,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(granted)))
}

/// Revoke a grant (admins).
#[utoipa::path(delete, path = "/api/v1/signing-authorities/{id}", tag = "notices", params(("id" = String, Path, description = "Grant id")),
    responses((status = 204), (status = 404, body = web::error::Problem)))]
async fn revoke(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(grant): Path<String>,
) -> Result<StatusCode, AppError> {
    svc.revoke_authority(&actor, uuid(&grant)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
