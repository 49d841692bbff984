//! JSON API of the identity context under `/api/v1`: accounts, org units,
//! roles. Authenticated by a staff session or an API token; permissions and
//! scopes are checked in the service.

use super::auth::ApiActor;
use crate::domain::{Account, AccountKind, Grant, OrgUnit};
use crate::service::{IdentityService, NewAccount};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kernel::{AccountId, OrgUnitId, Role};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use web::{ApiJson, AppError};

type Svc = State<Arc<IdentityService>>;

/// The identity API with its OpenAPI description.
pub fn router(svc: Arc<IdentityService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(get_account))
        .routes(routes!(disable_account))
        .routes(routes!(grant_role))
        .routes(routes!(revoke_role))
        .routes(routes!(list_units, create_unit))
        .routes(routes!(list_roles))
        .with_state(svc)
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// Account id, if the caller is an account or a token made by one.
    pub account: Option<AccountId>,
    /// Display name.
    pub name: String,
    /// Roles held, as `role@unit-id`.
    pub roles: Vec<String>,
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity", responses((status = 200, body = Me), (status = 401, body = web::error::Problem)))]
async fn me(ApiActor(actor): ApiActor) -> ApiJson<Me> {
    ApiJson(Me {
        account: actor.account,
        name: actor.name.clone(),
        roles: actor
            .grants
            .iter()
            .map(|g| format!("{}@{}", g.role.as_str(), g.org_unit))
            .collect(),
    })
}

/// Paging and filter of the account list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `staff` or `citizen`.
    pub kind: Option<AccountKind>,
    /// Page size (1–500, default 50).
    pub limit: Option<i64>,
    /// Offset.
    pub offset: Option<i64>,
}

/// List accounts (admins; scope `accounts:read`).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "identity", params(ListQuery),
    responses((status = 200, body = Vec<Account>), (status = 401, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn list_accounts(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Query(q): Query<ListQuery>,
) -> Result<ApiJson<Vec<Account>>, AppError> {
    Ok(ApiJson(
        svc.list_accounts(&actor, q.kind, q.limit.unwrap_or(50), q.offset.unwrap_or(0))
            .await?,
    ))
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    /// `staff` (default) or `citizen`.
    #[serde(default)]
    pub kind: Option<AccountKind>,
    /// E-mail address (login name).
    pub email: String,
    /// Name shown.
    pub display_name: String,
    /// Initial password (at least 10 characters).
    pub password: String,
    /// Home unit (required for staff).
    #[serde(default)]
    pub org_unit: Option<OrgUnitId>,
    /// Roles in the home unit.
    #[serde(default)]
    pub roles: Vec<Role>,
}

/// Create an account (admins; scope `accounts:write`).
#[utoipa::path(post, path = "/api/v1/accounts", tag = "identity", request_body = CreateAccount,
    responses((status = 201, body = Account), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn create_account(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CreateAccount>,
) -> Result<(StatusCode, ApiJson<Account>), AppError> {
    let account = svc
        .create_account(
            &actor,
            NewAccount {
                kind: body.kind,
                email: body.email,
                display_name: body.display_name,
                password: body.password,
                org_unit: body.org_unit,
                roles: body.roles,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(account)))
}

/// An account with its roles.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDetail {
    /// The account.
    pub account: Account,
    /// Its role grants.
    pub grants: Vec<Grant>,
}

fn account_id(s: &str) -> Result<AccountId, AppError> {
    AccountId::parse(s).ok_or(AppError::NotFound)
}

/// One account with its roles.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "identity", params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = AccountDetail), (status = 404, body = web::error::Problem)))]
async fn get_account(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<ApiJson<AccountDetail>, AppError> {
    let (account, grants) = svc.account(&actor, account_id(&id)?).await?;
    Ok(ApiJson(AccountDetail { account, grants }))
}

/// Disable an account and end its sessions.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/disable", tag = "identity", params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = Account), (status = 400, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn disable_account(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<ApiJson<Account>, AppError> {
    Ok(ApiJson(
        svc.disable_account(&actor, account_id(&id)?).await?,
    ))
}

/// A role to grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRole {
    /// The unit.
    pub org_unit: OrgUnitId,
    /// The role.
    pub role: Role,
}

/// Grant a role in a unit.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/roles", tag = "identity", params(("id" = String, Path, description = "Account id")), request_body = GrantRole,
    responses((status = 201, body = Grant), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn grant_role(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GrantRole>,
) -> Result<(StatusCode, ApiJson<Grant>), AppError> {
    let g = svc
        .grant_role(&actor, account_id(&id)?, body.org_unit, body.role)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(g)))
}

/// Revoke a role grant.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/roles/{grant}", tag = "identity",
    params(("id" = String, Path, description = "Account id"), ("grant" = String, Path, description = "Grant id")),
    responses((status = 204), (status = 404, body = web::error::Problem)))]
async fn revoke_role(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((id, grant)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let grant = uuid::Uuid::parse_str(&grant).map_err(|_| AppError::NotFound)?;
    svc.revoke_role(&actor, account_id(&id)?, grant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List org units.
#[utoipa::path(get, path = "/api/v1/org-units", tag = "identity", responses((status = 200, body = Vec<OrgUnit>)))]
async fn list_units(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
) -> Result<ApiJson<Vec<OrgUnit>>, AppError> {
    Ok(ApiJson(svc.org_units(&actor).await?))
}

/// A new org unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnit {
    /// Parent unit.
    pub parent: OrgUnitId,
    /// Unique short code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// Create an org unit (admins of the parent; scope `org:write`).
#[utoipa::path(post, path = "/api/v1/org-units", tag = "identity", request_body = CreateUnit,
    responses((status = 201, body = OrgUnit), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn create_unit(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CreateUnit>,
) -> Result<(StatusCode, ApiJson<OrgUnit>), AppError> {
    let u = svc
        .create_org_unit(&actor, Some(body.parent), &body.code, &body.name)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(u)))
}

/// The roles there are.
#[utoipa::path(get, path = "/api/v1/roles", tag = "identity", responses((status = 200, body = Vec<Role>)))]
async fn list_roles(ApiActor(_): ApiActor) -> ApiJson<Vec<Role>> {
    ApiJson(Role::ALL.to_vec())
}
