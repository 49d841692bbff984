//! JSON API of fees: clerks set and waive the fee of a case; the treasury
//! (its staff, or its system with a token of scope `payments:read` /
//! `payments:write`) takes exports, assigns Kassenzeichen, imports
//! camt.053 statements, reports payments and clears listed ones. The
//! formats are described in docs/treasury.md.

use super::service::{
    ExportedClaim, ImportReport, PaymentInstructions, ReportedPayment, Resolution, export_csv,
};
use super::store::{Claim, Export, Payment};
use crate::api::{bad, id};
use crate::service::CasesService;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use identity::http::auth::ApiActor;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use web::{ApiJson, AppError};

type Svc = State<Arc<CasesService>>;

/// Largest statement file.
const MAX_STATEMENT_BYTES: usize = 32 * 1024 * 1024;

/// The fee routes (state added by the cases router).
pub fn router() -> OpenApiRouter<Arc<CasesService>> {
    OpenApiRouter::new()
        .routes(routes!(set_fee))
        .routes(routes!(waive_fee))
        .routes(routes!(create_export, exports))
        .routes(routes!(export))
        .routes(routes!(export_csv_file))
        .routes(routes!(assign_reference))
        .routes(routes!(report_payments))
        .routes(routes!(exceptions))
        .routes(routes!(resolve))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import_statement))
                .layer(axum::extract::DefaultBodyLimit::max(MAX_STATEMENT_BYTES)),
        )
}

fn uuid(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// The fee of a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFee {
    /// The case's `revision` as read.
    pub revision: i64,
    /// Amount in euros with a decimal point (`30.60`).
    pub amount: String,
    /// What the fee is for (at most 140 characters; shown in the bank
    /// transfer).
    pub purpose: String,
}

/// Set the fee of a case: a claim with a Kassenzeichen (clerks of the
/// case's unit). One per case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/fee", tag = "fees", params(("id" = String, Path, description = "Case id")), request_body = NewFee,
    responses((status = 201, body = Claim), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn set_fee(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(fee): ApiJson<NewFee>,
) -> Result<(StatusCode, ApiJson<Claim>), AppError> {
    let cents = super::domain::parse_decimal(&fee.amount).ok_or_else(|| {
        bad(
            "amount",
            "amount_invalid",
            "amount is euros with a decimal point and at most two decimals, e.g. 30.60.",
        )
    })?;
    let claim = svc
        .set_fee(&actor, id(&case)?, fee.revision, cents, &fee.purpose)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(claim)))
}

/// Waiving a fee.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The case's `revision` as read.
    pub revision: i64,
    /// Why (kept with the claim).
    pub reason: String,
}

/// Waive the fee of a case while nothing is paid and it was not handed to
/// the treasury.
#[utoipa::path(post, path = "/api/v1/cases/{id}/fee/waive", tag = "fees", params(("id" = String, Path, description = "Case id")), request_body = Waiver,
    responses((status = 200, body = Claim), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn waive_fee(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(case): Path<String>,
    ApiJson(w): ApiJson<Waiver>,
) -> Result<ApiJson<Claim>, AppError> {
    Ok(ApiJson(
        svc.waive_fee(&actor, id(&case)?, w.revision, &w.reason)
            .await?,
    ))
}

/// Hand every open claim not yet handed over to the treasury: 201 with the
/// export, 204 when there was nothing to hand over.
#[utoipa::path(post, path = "/api/v1/treasury/exports", tag = "fees",
    responses((status = 201, body = Export), (status = 204, description = "Nothing to hand over"), (status = 403, body = web::error::Problem)))]
async fn create_export(State(svc): Svc, ApiActor(actor): ApiActor) -> Result<Response, AppError> {
    Ok(match svc.create_export(&actor).await? {
        Some(e) => (StatusCode::CREATED, ApiJson(e)).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// The newest exports.
#[utoipa::path(get, path = "/api/v1/treasury/exports", tag = "fees",
    responses((status = 200, body = Vec<Export>), (status = 403, body = web::error::Problem)))]
async fn exports(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<Export>>, AppError> {
    Ok(ApiJson(svc.treasury_overview(&actor).await?.exports))
}

/// An export with its claims.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportFile {
    /// The export.
    pub export: Export,
    /// Its claims.
    pub claims: Vec<ExportedClaim>,
}

/// One export with its claims (may be fetched again).
#[utoipa::path(get, path = "/api/v1/treasury/exports/{id}", tag = "fees", params(("id" = String, Path, description = "Export id")),
    responses((status = 200, body = ExportFile), (status = 404, body = web::error::Problem)))]
async fn export(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(export): Path<String>,
) -> Result<ApiJson<ExportFile>, AppError> {
    let (export, claims) = svc.export_claims(&actor, uuid(&export)?).await?;
    Ok(ApiJson(ExportFile {
        export,
        claims: claims
            .iter()
            .map(|(c, r)| ExportedClaim::of(c, r))
            .collect(),
    }))
}

/// One export as CSV (RFC 4180, UTF-8, header row; columns as the JSON
/// fields).
#[utoipa::path(get, path = "/api/v1/treasury/exports/{id}/csv", tag = "fees", params(("id" = String, Path, description = "Export id")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = web::error::Problem)))]
async fn export_csv_file(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(export): Path<String>,
) -> Result<Response, AppError> {
    let (_, claims) = svc.export_claims(&actor, uuid(&export)?).await?;
    let rows: Vec<ExportedClaim> = claims
        .iter()
        .map(|(c, r)| ExportedClaim::of(c, r))
        .collect();
    let mut res = export_csv(&rows)?.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(res)
}

/// A Kassenzeichen from the treasury.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignedReference {
    /// The Kassenzeichen (letters, digits, `-./`, at most 35).
    pub reference: String,
}

/// Set the Kassenzeichen the treasury assigned to a claim (once).
#[utoipa::path(put, path = "/api/v1/treasury/claims/{id}/reference", tag = "fees", params(("id" = String, Path, description = "Claim id")), request_body = AssignedReference,
    responses((status = 200, body = Claim), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn assign_reference(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(claim): Path<String>,
    ApiJson(r): ApiJson<AssignedReference>,
) -> Result<ApiJson<Claim>, AppError> {
    Ok(ApiJson(
        svc.assign_reference(&actor, uuid(&claim)?, &r.reference)
            .await?,
    ))
}

/// Import a camt.053 statement (001.02 or 001.08) sent as the request
/// body (`application/xml`): 201 with what matching did; 200 with the
/// earlier result when the same file was imported before (nothing is
/// booked twice); 400 naming the element when it is not camt.053.
#[utoipa::path(post, path = "/api/v1/treasury/statements", tag = "fees", request_body(content = String, content_type = "application/xml"),
    responses((status = 201, body = ImportReport), (status = 200, body = ImportReport, description = "Imported before"), (status = 400, body = web::error::Problem)))]
async fn import_statement(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    body: Bytes,
) -> Result<(StatusCode, ApiJson<ImportReport>), AppError> {
    let report = svc.import_statement(&actor, &body).await?;
    let status = if report.duplicate_of.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, ApiJson(report)))
}

/// Payments the treasury booked.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentReport {
    /// The payments.
    pub payments: Vec<ReportedPayment>,
}

/// Report payments from the treasury; matched like bank credits (a
/// payment id seen before is listed as a duplicate, not booked).
#[utoipa::path(post, path = "/api/v1/treasury/payments", tag = "fees", request_body = PaymentReport,
    responses((status = 201, body = ImportReport), (status = 400, body = web::error::Problem)))]
async fn report_payments(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<PaymentReport>,
) -> Result<(StatusCode, ApiJson<ImportReport>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.report_payments(&actor, &r.payments).await?),
    ))
}

/// Payments a person has to look at (partial, over, unknown, duplicate,
/// foreign currency), oldest first.
#[utoipa::path(get, path = "/api/v1/treasury/exceptions", tag = "fees",
    responses((status = 200, body = Vec<Payment>), (status = 403, body = web::error::Problem)))]
async fn exceptions(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<Payment>>, AppError> {
    Ok(ApiJson(svc.treasury_overview(&actor).await?.exceptions))
}

/// How a listed payment is cleared.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Clearing {
    /// `assign` (book to the claim with `reference`) or `done` (handled
    /// outside; `note` says how).
    pub action: String,
    /// Kassenzeichen for `assign`.
    #[serde(default)]
    pub reference: String,
    /// Note for `done`.
    #[serde(default)]
    pub note: String,
}

/// Clear a listed payment.
#[utoipa::path(post, path = "/api/v1/treasury/exceptions/{id}", tag = "fees", params(("id" = String, Path, description = "Payment id")), request_body = Clearing,
    responses((status = 200, body = Payment), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn resolve(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(payment): Path<String>,
    ApiJson(c): ApiJson<Clearing>,
) -> Result<ApiJson<Payment>, AppError> {
    let resolution = match c.action.as_str() {
        "assign" => Resolution::Assign(c.reference),
        "done" => Resolution::Done(c.note),
        _ => {
            return Err(bad(
                "action",
                "action_unknown",
                "action is `assign` or `done`.",
            ));
        }
    };
    Ok(ApiJson(
        svc.resolve_payment(&actor, uuid(&payment)?, resolution)
            .await?,
    ))
}

/// The fee of a citizen's case and how to pay it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OwnFee {
    /// What it is for.
    pub purpose: String,
    /// Amount in euros (`30.60`).
    pub amount: String,
    /// Still to pay (`0.00` when paid).
    pub open: String,
    /// `open`, `paid` or `waived`.
    pub status: String,
    /// Due date.
    pub due_on: chrono::NaiveDate,
    /// Kassenzeichen to write in the transfer.
    pub reference: Option<String>,
    /// Payee.
    pub payee: String,
    /// IBAN.
    pub iban: String,
    /// BIC.
    pub bic: String,
    /// The GiroCode's text (EPC069-12), for apps that draw it themselves.
    pub girocode: Option<String>,
}

impl From<PaymentInstructions> for OwnFee {
    fn from(p: PaymentInstructions) -> OwnFee {
        OwnFee {
            purpose: p.claim.purpose.clone(),
            amount: super::domain::decimal(p.claim.amount_cents),
            open: super::domain::decimal(p.claim.open_cents()),
            status: p.claim.status.clone(),
            due_on: p.claim.due_on,
            reference: p.claim.reference.clone(),
            payee: p.payee,
            iban: p.iban,
            bic: p.bic,
            girocode: p.girocode,
        }
    }
}
