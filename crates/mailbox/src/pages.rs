//! The citizen's mailbox pages: the list with every date, the download
//! (the first one is the retrieval the law counts), and the consent to
//! receive notices this way.

use crate::service::{MailboxError, MailboxService};
use crate::store::Delivery;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::http::auth::CitizenUser;
use std::sync::Arc;
use uuid::Uuid;
use web::{AppError, PageCtx};

impl From<MailboxError> for AppError {
    fn from(e: MailboxError) -> AppError {
        match e {
            MailboxError::Forbidden => AppError::Forbidden,
            MailboxError::NotFound => AppError::NotFound,
            MailboxError::Gone => AppError::Conflict(
                "The document was not retrieved in time; the authority will deliver it again or another way.".into(),
            ),
            MailboxError::Db(e) => AppError::internal(e),
            MailboxError::Internal(e) => AppError::internal(e),
        }
    }
}

/// The mailbox pages.
pub fn router(mailbox: Arc<MailboxService>) -> Router {
    Router::new()
        .route("/konto/postfach", get(list))
        .route("/konto/postfach/einwilligung", post(consent))
        .route("/konto/postfach/{id}", get(download))
        .with_state(mailbox)
}

#[derive(Template, WebTemplate)]
#[template(path = "mailbox.html")]
struct ListPage {
    ctx: PageCtx,
    items: Vec<Delivery>,
    consented: bool,
    changed: bool,
    /// (item id, last day to retrieve) of items still available.
    until: Vec<(Uuid, String)>,
}

impl ListPage {
    fn until_of(&self, id: &Uuid) -> Option<&str> {
        self.until
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, d)| d.as_str())
    }
}

#[derive(Debug, serde::Deserialize)]
struct Changed {
    #[serde(default)]
    geaendert: Option<String>,
}

async fn list(
    State(m): State<Arc<MailboxService>>,
    ctx: PageCtx,
    CitizenUser(actor, _): CitizenUser,
    Query(q): Query<Changed>,
) -> Result<ListPage, AppError> {
    let items = m.mine(&actor).await?;
    let rules = m.rules();
    let until = items
        .iter()
        .filter(|d| d.state == "available")
        .filter_map(|d| {
            d.mail_sent_at.map(|at| {
                (
                    d.id,
                    rules.last_retrieval_day(at).format("%d.%m.%Y").to_string(),
                )
            })
        })
        .collect();
    Ok(ListPage {
        consented: m.consented(&actor).await?,
        ctx,
        items,
        changed: q.geaendert.is_some(),
        until,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
struct ConsentForm {
    #[serde(default)]
    consent: String,
}

async fn consent(
    State(m): State<Arc<MailboxService>>,
    CitizenUser(actor, _): CitizenUser,
    web::CsrfForm(form): web::CsrfForm<ConsentForm>,
) -> Result<Response, AppError> {
    m.set_consent(&actor, form.consent == "yes").await?;
    Ok(Redirect::to("/konto/postfach?geaendert=1").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "mailbox_gone.html")]
struct GonePage {
    ctx: PageCtx,
}

async fn download(
    State(m): State<Arc<MailboxService>>,
    ctx: PageCtx,
    CitizenUser(actor, _): CitizenUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let (d, bytes) = match m.retrieve(&actor, id).await {
        Ok(found) => found,
        Err(MailboxError::Gone) => {
            return Ok((StatusCode::GONE, GonePage { ctx }).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&d.media_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let ascii: String = d
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}
