//! JSON API of the citizen's mailbox (their session): the deliveries with
//! every date, the content (the first download is the retrieval), the
//! consent to delivery by retrieval.

use crate::service::MailboxService;
use crate::store::Delivery;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use identity::http::auth::ApiActor;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use web::{ApiJson, AppError};

type Svc = State<Arc<MailboxService>>;

/// The mailbox API.
pub fn router(svc: Arc<MailboxService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(mine))
        .routes(routes!(content))
        .routes(routes!(get_consent, set_consent))
        .with_state(svc)
}

/// The caller's mailbox (citizens), newest first.
#[utoipa::path(get, path = "/api/v1/account/mailbox", tag = "mailbox",
    responses((status = 200, body = Vec<Delivery>), (status = 401, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn mine(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<Delivery>>, AppError> {
    Ok(ApiJson(svc.mine(&actor).await?))
}

/// The content of a delivery; the first call is the retrieval that fixes
/// the day of notification. 409 after the provision ended.
#[utoipa::path(get, path = "/api/v1/account/mailbox/{id}/content", tag = "mailbox", params(("id" = String, Path, description = "Delivery id")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn content(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let (d, bytes) = svc.retrieve(&actor, id).await?;
    let mut res = bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(&d.media_type) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    Ok(res)
}

/// The consent to receive notices by retrieval from the portal.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Given (true) or not.
    pub consent: bool,
}

/// Whether the caller consented to delivery by retrieval.
#[utoipa::path(get, path = "/api/v1/account/mailbox/consent", tag = "mailbox",
    responses((status = 200, body = Consent), (status = 403, body = web::error::Problem)))]
async fn get_consent(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Consent>, AppError> {
    Ok(ApiJson(Consent {
        consent: svc.consented(&actor).await?,
    }))
}

/// Give or take back the consent (recorded with its time).
#[utoipa::path(put, path = "/api/v1/account/mailbox/consent", tag = "mailbox", request_body = Consent,
    responses((status = 200, body = Consent), (status = 403, body = web::error::Problem)))]
async fn set_consent(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(c): ApiJson<Consent>,
) -> Result<ApiJson<Consent>, AppError> {
    svc.set_consent(&actor, c.consent).await?;
    Ok(ApiJson(Consent {
        consent: svc.consented(&actor).await?,
    }))
}
