//! Resolving who makes a request: the session layer reads the session
//! cookie (or an API bearer token), and the extractors hand the [`Actor`]
//! to handlers, or send the browser to the right login page.

use crate::domain::Account;
use crate::service::{IdentityService, SessionState};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use kernel::{Actor, ActorKind, Role};
use std::sync::Arc;
use web::{AppError, Viewer};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "rathaus_session";

/// The logged-in principal of a request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who acts.
    pub actor: Actor,
    /// The account, for sessions (not for API tokens).
    pub account: Option<Account>,
}

/// A session that passed the password but not yet the second factor.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    /// The account.
    pub account: Account,
    /// The session token.
    pub token: String,
}

/// The raw session token of the request, if any.
#[derive(Debug, Clone)]
pub struct SessionToken(pub String);

/// Reads a cookie value from request headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// The session layer: resolves the cookie or bearer token once per request.
pub async fn session_layer(
    State(svc): State<Arc<IdentityService>>,
    mut req: Request,
    next: Next,
) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    if let Some(token) = bearer {
        // An unknown or revoked token authenticates nobody; the
        // extractors then answer 401 through the error layer.
        match svc.token_actor(&token).await {
            Ok(Some(actor)) => {
                req.extensions_mut().insert(Authenticated {
                    actor,
                    account: None,
                });
            }
            Ok(None) => {}
            Err(e) => return AppError::internal(e).into_response(),
        }
        return next.run(req).await;
    }
    if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        match svc.session(&token).await {
            Ok(Some(SessionState::Complete { account, actor })) => {
                req.extensions_mut().insert(Viewer {
                    name: account.display_name.clone(),
                    staff: actor.kind == ActorKind::Staff,
                    admin: actor.has_role_anywhere(Role::Admin),
                    dpo: actor.has_role_anywhere(Role::DataProtectionOfficer),
                    treasury: actor.has_role_anywhere(Role::Treasury),
                    records_office: actor.has_role_anywhere(Role::RecordsOffice),
                });
                req.extensions_mut().insert(Authenticated {
                    actor,
                    account: Some(account),
                });
            }
            Ok(Some(SessionState::SecondFactor { account })) => {
                req.extensions_mut().insert(PendingLogin {
                    account,
                    token: token.clone(),
                });
            }
            Ok(None) => {}
            Err(e) => return AppError::internal(e).into_response(),
        }
        req.extensions_mut().insert(SessionToken(token));
    }
    next.run(req).await
}

/// The `Set-Cookie` value for a session.
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let v = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_static("rathaus_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

fn login_redirect(parts: &Parts, staff: bool) -> Response {
    if parts.uri.path().starts_with("/api") {
        return AppError::Unauthorized.into_response();
    }
    let next: String = url::form_urlencoded::byte_serialize(
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .as_bytes(),
    )
    .collect();
    let target = if staff {
        "/arbeit/anmelden"
    } else {
        "/anmelden"
    };
    Redirect::to(&format!("{target}?next={next}")).into_response()
}

/// A logged-in staff member (pages redirect to the staff login).
#[derive(Debug, Clone)]
pub struct StaffUser(pub Actor, pub Account);

impl<S: Send + Sync> FromRequestParts<S> for StaffUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated {
                actor,
                account: Some(account),
            }) if actor.kind == ActorKind::Staff => Ok(StaffUser(actor.clone(), account.clone())),
            Some(_) => Err(AppError::Forbidden.into_response()),
            None => Err(login_redirect(parts, true)),
        }
    }
}

/// A logged-in citizen (pages redirect to the portal login).
#[derive(Debug, Clone)]
pub struct CitizenUser(pub Actor, pub Account);

impl<S: Send + Sync> FromRequestParts<S> for CitizenUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated {
                actor,
                account: Some(account),
            }) if actor.kind == ActorKind::Citizen => {
                Ok(CitizenUser(actor.clone(), account.clone()))
            }
            Some(_) => Err(AppError::Forbidden.into_response()),
            None => Err(login_redirect(parts, false)),
        }
    }
}

/// Any authenticated principal of the API: staff session or API token.
#[derive(Debug, Clone)]
pub struct ApiActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for ApiActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Authenticated>()
            .map(|a| ApiActor(a.actor.clone()))
            .ok_or(AppError::Unauthorized)
    }
}
