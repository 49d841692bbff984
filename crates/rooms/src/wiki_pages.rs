//! Pages of the wiki and the news of a room: list and new page, a page,
//! editing with the conflict shown when someone saved in between, the
//! history with a comparison of any two revisions and restore; news with
//! comments.

use crate::domain::{RoomKind, RoomRole};
use crate::pages::{split, uuid, value};
use crate::service::{RoomsError, RoomsService};
use crate::store::{CommentRow, PageRow, PostRow, RevisionRow, RoomRow};
use crate::wiki::{DiffLine, PageInput, PostInput, render};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::http::auth::StaffUser;
use kernel::{Actor, FieldErrors};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;
use web::{AppError, PageCtx};

type Svc = State<Arc<RoomsService>>;
type Form = web::CsrfForm<HashMap<String, String>>;

/// The wiki and news pages.
pub fn router(svc: Arc<RoomsService>) -> Router {
    Router::new()
        .route("/arbeit/raeume/{id}/wiki", get(list_page).post(create))
        .route("/arbeit/raeume/{id}/wiki/{slug}", get(page))
        .route(
            "/arbeit/raeume/{id}/wiki/{slug}/bearbeiten",
            get(edit_page).post(save),
        )
        .route("/arbeit/raeume/{id}/wiki/{slug}/verlauf", get(history))
        .route(
            "/arbeit/raeume/{id}/wiki/{slug}/wiederherstellen",
            post(restore),
        )
        .route(
            "/arbeit/raeume/{id}/neuigkeiten",
            get(news_page).post(publish),
        )
        .route("/arbeit/raeume/{id}/neuigkeiten/{post}", get(post_page))
        .route(
            "/arbeit/raeume/{id}/neuigkeiten/{post}/kommentare",
            post(comment),
        )
        .with_state(svc)
}

/// The body as typed (leading spaces are Markdown).
fn text(form: &HashMap<String, String>, name: &str) -> String {
    form.get(name).cloned().unwrap_or_default()
}

async fn room_of(svc: &RoomsService, actor: &Actor, id: Uuid) -> Result<(RoomRow, bool), AppError> {
    let (room, role) = svc.room(actor, id).await?;
    let writes = role.writes() && room.archived_at.is_none();
    Ok((room, writes))
}

macro_rules! form_value {
    ($($page:ty),+) => {$(
        impl $page {
            fn value(&self, name: &str) -> String {
                text(&self.form, name)
            }
        }
    )+};
}

#[derive(Template, WebTemplate)]
#[template(path = "wiki_list.html")]
struct ListPage {
    ctx: PageCtx,
    room: RoomRow,
    writes: bool,
    pages: Vec<PageRow>,
    form: HashMap<String, String>,
    errors: FieldErrors,
}

async fn render_list(
    svc: &RoomsService,
    ctx: PageCtx,
    actor: &Actor,
    id: Uuid,
    form: HashMap<String, String>,
    errors: FieldErrors,
) -> Result<ListPage, AppError> {
    let (room, writes) = room_of(svc, actor, id).await?;
    let pages = svc.pages(actor, id).await?;
    Ok(ListPage {
        ctx,
        room,
        writes,
        pages,
        form,
        errors,
    })
}

async fn list_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<ListPage, AppError> {
    render_list(
        &svc,
        ctx,
        &actor,
        uuid(&id)?,
        HashMap::new(),
        FieldErrors::new(),
    )
    .await
}

fn page_input(form: &HashMap<String, String>) -> PageInput {
    PageInput {
        title: value(form, "title"),
        body: text(form, "body"),
        pinned: !value(form, "pinned").is_empty(),
        base_revision: value(form, "base_revision").parse().ok(),
    }
}

async fn create(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    match svc.create_page(&actor, id, page_input(&form)).await {
        Ok(p) => Ok(Redirect::to(&format!("/arbeit/raeume/{id}/wiki/{}", p.slug)).into_response()),
        Err(e) => Ok(web::unprocessable(
            render_list(&svc, ctx, &actor, id, form, split(e)?).await?,
        )),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "wiki_page.html")]
struct WikiPage {
    ctx: PageCtx,
    room: RoomRow,
    writes: bool,
    page: PageRow,
    html: String,
}

async fn page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, slug)): Path<(String, String)>,
) -> Result<WikiPage, AppError> {
    let id = uuid(&id)?;
    let (room, writes) = room_of(&svc, &actor, id).await?;
    let page = svc.page(&actor, id, &slug).await?;
    let html = render(&page.body, id);
    Ok(WikiPage {
        ctx,
        room,
        writes,
        page,
        html,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "wiki_edit.html")]
struct EditPage {
    ctx: PageCtx,
    room: RoomRow,
    page: PageRow,
    conflict: bool,
    current_html: String,
    form: HashMap<String, String>,
    errors: FieldErrors,
}

async fn edit_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, slug)): Path<(String, String)>,
) -> Result<EditPage, AppError> {
    let id = uuid(&id)?;
    let (room, writes) = room_of(&svc, &actor, id).await?;
    if !writes {
        return Err(AppError::Forbidden);
    }
    let page = svc.page(&actor, id, &slug).await?;
    let mut form = HashMap::new();
    form.insert("title".to_owned(), page.title.clone());
    form.insert("body".to_owned(), page.body.clone());
    if page.pinned {
        form.insert("pinned".to_owned(), "1".to_owned());
    }
    Ok(EditPage {
        ctx,
        room,
        page,
        conflict: false,
        current_html: String::new(),
        form,
        errors: FieldErrors::new(),
    })
}

async fn save(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, slug)): Path<(String, String)>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    match svc.save_page(&actor, id, &slug, page_input(&form)).await {
        Ok(p) => Ok(Redirect::to(&format!("/arbeit/raeume/{id}/wiki/{}", p.slug)).into_response()),
        Err(e) => {
            let conflict = matches!(&e, RoomsError::Conflict(c) if c == "rooms_wiki_conflict");
            let errors = split(e)?;
            let (room, _) = room_of(&svc, &actor, id).await?;
            // The form keeps what this editor wrote; the base becomes the
            // newest revision, shown above, so saving again is a decision
            // taken with both texts in view.
            let page = svc.page(&actor, id, &slug).await?;
            let current_html = if conflict {
                render(&page.body, id)
            } else {
                String::new()
            };
            Ok(web::unprocessable(EditPage {
                ctx,
                room,
                page,
                conflict,
                current_html,
                form,
                errors,
            }))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "wiki_history.html")]
struct HistoryPage {
    ctx: PageCtx,
    room: RoomRow,
    writes: bool,
    page: PageRow,
    revisions: Vec<RevisionRow>,
    from: i32,
    to: i32,
    diff: Vec<DiffLine>,
    errors: FieldErrors,
}

async fn history(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, slug)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<HistoryPage, AppError> {
    let id = uuid(&id)?;
    let (room, writes) = room_of(&svc, &actor, id).await?;
    let (page, revisions) = svc.revisions(&actor, id, &slug).await?;
    let to: i32 = value(&q, "bis").parse().unwrap_or(page.revision);
    let from: i32 = value(&q, "von").parse().unwrap_or((to - 1).max(1));
    let (from, to) = (from.min(to), from.max(to));
    let diff = if from < to {
        match svc.diff(&actor, id, &slug, from, to).await {
            Ok((_, d)) => d,
            Err(RoomsError::NotFound) => Vec::new(),
            Err(e) => return Err(e.into()),
        }
    } else {
        Vec::new()
    };
    Ok(HistoryPage {
        ctx,
        room,
        writes,
        page,
        revisions,
        from,
        to,
        diff,
        errors: FieldErrors::new(),
    })
}

async fn restore(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path((id, slug)): Path<(String, String)>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let revision = value(&form, "revision")
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let base = value(&form, "base_revision")
        .parse()
        .map_err(|_| AppError::NotFound)?;
    match svc.restore(&actor, id, &slug, revision, base).await {
        Ok(p) => Ok(Redirect::to(&format!("/arbeit/raeume/{id}/wiki/{}", p.slug)).into_response()),
        // Someone saved in between: the history shows what is there now.
        Err(RoomsError::Conflict(_)) => {
            Ok(Redirect::to(&format!("/arbeit/raeume/{id}/wiki/{slug}/verlauf")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "news.html")]
struct NewsPage {
    ctx: PageCtx,
    room: RoomRow,
    writes: bool,
    posts: Vec<PostRow>,
    form: HashMap<String, String>,
    errors: FieldErrors,
}

async fn render_news(
    svc: &RoomsService,
    ctx: PageCtx,
    actor: &Actor,
    id: Uuid,
    form: HashMap<String, String>,
    errors: FieldErrors,
) -> Result<NewsPage, AppError> {
    let (room, writes) = room_of(svc, actor, id).await?;
    let posts = svc.news(actor, id, 50).await?;
    Ok(NewsPage {
        ctx,
        room,
        writes,
        posts,
        form,
        errors,
    })
}

async fn news_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<NewsPage, AppError> {
    render_news(
        &svc,
        ctx,
        &actor,
        uuid(&id)?,
        HashMap::new(),
        FieldErrors::new(),
    )
    .await
}

async fn publish(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let input = PostInput {
        title: value(&form, "title"),
        body: text(&form, "body"),
    };
    match svc.publish_news(&actor, id, input).await {
        Ok(p) => {
            Ok(Redirect::to(&format!("/arbeit/raeume/{id}/neuigkeiten/{}", p.id)).into_response())
        }
        Err(e) => Ok(web::unprocessable(
            render_news(&svc, ctx, &actor, id, form, split(e)?).await?,
        )),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "news_post.html")]
struct PostPage {
    ctx: PageCtx,
    room: RoomRow,
    post: PostRow,
    html: String,
    comments: Vec<CommentRow>,
    comments_open: bool,
    form: HashMap<String, String>,
    errors: FieldErrors,
}

async fn render_post(
    svc: &RoomsService,
    ctx: PageCtx,
    actor: &Actor,
    id: Uuid,
    post: Uuid,
    form: HashMap<String, String>,
    errors: FieldErrors,
) -> Result<PostPage, AppError> {
    let (room, role) = svc.room(actor, id).await?;
    let (post, comments) = svc.news_post(actor, id, post).await?;
    let html = render(&post.body, id);
    let comments_open = room.archived_at.is_none()
        && !(room.kind == RoomKind::Community.as_str() && role == RoomRole::Reader);
    Ok(PostPage {
        ctx,
        room,
        post,
        html,
        comments,
        comments_open,
        form,
        errors,
    })
}

async fn post_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, post)): Path<(String, String)>,
) -> Result<PostPage, AppError> {
    render_post(
        &svc,
        ctx,
        &actor,
        uuid(&id)?,
        uuid(&post)?,
        HashMap::new(),
        FieldErrors::new(),
    )
    .await
}

async fn comment(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, post)): Path<(String, String)>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let (id, post) = (uuid(&id)?, uuid(&post)?);
    match svc
        .comment(&actor, id, post, &value(&form, "comment"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/arbeit/raeume/{id}/neuigkeiten/{post}#kommentare"
        ))
        .into_response()),
        Err(e) => Ok(web::unprocessable(
            render_post(&svc, ctx, &actor, id, post, form, split(e)?).await?,
        )),
    }
}

form_value!(ListPage, EditPage, NewsPage, PostPage);
