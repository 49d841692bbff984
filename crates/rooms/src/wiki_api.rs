//! JSON API of wiki pages and news: pages with their rendered HTML,
//! saving against a base revision (409 when someone saved in between),
//! revisions, comparisons, restore; news posts and comments.

use crate::service::RoomsService;
use crate::store::{CommentRow, PageRow, PostRow, RevisionRow};
use crate::wiki::{DiffLine, PageInput, PostInput, render};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use identity::http::auth::ApiActor;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use web::{ApiJson, AppError};

type Svc = State<Arc<RoomsService>>;

/// The wiki and news API.
pub fn router(svc: Arc<RoomsService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(pages, create_page))
        .routes(routes!(page, save_page))
        .routes(routes!(revisions))
        .routes(routes!(diff))
        .routes(routes!(restore))
        .routes(routes!(news, publish))
        .routes(routes!(post))
        .routes(routes!(comment))
        .with_state(svc)
}

fn id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// A page with its rendered, sanitised HTML.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageView {
    /// The page.
    pub page: PageRow,
    /// Its Markdown as safe HTML.
    pub html: String,
}

/// The wiki pages of a room (pinned first).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/wiki", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 200, body = Vec<PageRow>), (status = 404, body = web::error::Problem)))]
async fn pages(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<ApiJson<Vec<PageRow>>, AppError> {
    Ok(ApiJson(svc.pages(&actor, id(&r)?).await?))
}

/// A new page (writers).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/wiki", tag = "rooms", request_body = PageInput,
    params(("id" = String, Path, description = "Room id")),
    responses((status = 201, body = PageRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn create_page(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
    ApiJson(input): ApiJson<PageInput>,
) -> Result<(StatusCode, ApiJson<PageRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.create_page(&actor, id(&r)?, input).await?),
    ))
}

/// A page.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/wiki/{slug}", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), ("slug" = String, Path, description = "Page address")),
    responses((status = 200, body = PageView), (status = 404, body = web::error::Problem)))]
async fn page(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, slug)): Path<(String, String)>,
) -> Result<ApiJson<PageView>, AppError> {
    let room = id(&r)?;
    let page = svc.page(&actor, room, &slug).await?;
    let html = render(&page.body, room);
    Ok(ApiJson(PageView { page, html }))
}

/// Save an edit made on `base_revision`; 409 when someone saved in
/// between (nothing is overwritten).
#[utoipa::path(put, path = "/api/v1/rooms/{id}/wiki/{slug}", tag = "rooms", request_body = PageInput,
    params(("id" = String, Path, description = "Room id"), ("slug" = String, Path, description = "Page address")),
    responses((status = 200, body = PageRow), (status = 400, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn save_page(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, slug)): Path<(String, String)>,
    ApiJson(input): ApiJson<PageInput>,
) -> Result<ApiJson<PageRow>, AppError> {
    Ok(ApiJson(svc.save_page(&actor, id(&r)?, &slug, input).await?))
}

/// The revisions of a page, newest first.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/wiki/{slug}/revisions", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), ("slug" = String, Path, description = "Page address")),
    responses((status = 200, body = Vec<RevisionRow>), (status = 404, body = web::error::Problem)))]
async fn revisions(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, slug)): Path<(String, String)>,
) -> Result<ApiJson<Vec<RevisionRow>>, AppError> {
    Ok(ApiJson(svc.revisions(&actor, id(&r)?, &slug).await?.1))
}

/// Two revisions to compare.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DiffQuery {
    /// The older revision.
    pub from: i32,
    /// The newer revision.
    pub to: i32,
}

/// The lines that differ between two revisions.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/wiki/{slug}/diff", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), ("slug" = String, Path, description = "Page address"), DiffQuery),
    responses((status = 200, body = Vec<DiffLine>), (status = 404, body = web::error::Problem)))]
async fn diff(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, slug)): Path<(String, String)>,
    Query(q): Query<DiffQuery>,
) -> Result<ApiJson<Vec<DiffLine>>, AppError> {
    Ok(ApiJson(
        svc.diff(&actor, id(&r)?, &slug, q.from, q.to).await?.1,
    ))
}

/// A revision to bring back.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreInput {
    /// The revision to restore.
    pub revision: i32,
    /// The page's revision the restore was decided on.
    pub base_revision: i32,
}

/// Restore an old revision as the newest.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/wiki/{slug}/restore", tag = "rooms", request_body = RestoreInput,
    params(("id" = String, Path, description = "Room id"), ("slug" = String, Path, description = "Page address")),
    responses((status = 200, body = PageRow), (status = 404, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn restore(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, slug)): Path<(String, String)>,
    ApiJson(input): ApiJson<RestoreInput>,
) -> Result<ApiJson<PageRow>, AppError> {
    Ok(ApiJson(
        svc.restore(&actor, id(&r)?, &slug, input.revision, input.base_revision)
            .await?,
    ))
}

/// News of a room, newest first.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/news", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 200, body = Vec<PostRow>), (status = 404, body = web::error::Problem)))]
async fn news(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<ApiJson<Vec<PostRow>>, AppError> {
    Ok(ApiJson(svc.news(&actor, id(&r)?, 50).await?))
}

/// Publish a news post (writers; in the intranet its owners).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/news", tag = "rooms", request_body = PostInput,
    params(("id" = String, Path, description = "Room id")),
    responses((status = 201, body = PostRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn publish(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
    ApiJson(input): ApiJson<PostInput>,
) -> Result<(StatusCode, ApiJson<PostRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.publish_news(&actor, id(&r)?, input).await?),
    ))
}

/// A post with its comments.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PostView {
    /// The post.
    pub post: PostRow,
    /// Its Markdown as safe HTML.
    pub html: String,
    /// Comments, oldest first.
    pub comments: Vec<CommentRow>,
}

/// A news post with its comments.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/news/{post}", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), ("post" = String, Path, description = "Post id")),
    responses((status = 200, body = PostView), (status = 404, body = web::error::Problem)))]
async fn post(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, p)): Path<(String, String)>,
) -> Result<ApiJson<PostView>, AppError> {
    let room = id(&r)?;
    let (post, comments) = svc.news_post(&actor, room, id(&p)?).await?;
    let html = render(&post.body, room);
    Ok(ApiJson(PostView {
        post,
        html,
        comments,
    }))
}

/// A comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    /// Plain text.
    pub comment: String,
}

/// Comment on a post (everyone who reads the room).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/news/{post}/comments", tag = "rooms", request_body = CommentInput,
    params(("id" = String, Path, description = "Room id"), ("post" = String, Path, description = "Post id")),
    responses((status = 201, body = CommentRow), (status = 400, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn comment(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, p)): Path<(String, String)>,
    ApiJson(input): ApiJson<CommentInput>,
) -> Result<(StatusCode, ApiJson<CommentRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(
            svc.comment(&actor, id(&r)?, id(&p)?, &input.comment)
                .await?,
        ),
    ))
}
