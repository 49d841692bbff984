//! Pages of team rooms in the staff workplace: the list of one's rooms
//! (unread counts, communities to join, new rooms, direct messages), a
//! room (chat, members, archive) and a thread (replies, editing one's own
//! messages with their history). Every action is an ordinary form post;
//! `chat.js` adds live messages through server-sent events.

use crate::api::{change_name, last_event_id, live_stream};
use crate::domain::{RoomKind, RoomRole};
use crate::service::{NewRoom, PostInput, RoomEntry, RoomMember, RoomsError, RoomsService};
use crate::store::{MessageRow, RoomRow, VersionRow};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use identity::http::auth::{CitizenUser, StaffUser};
use kernel::{Actor, FieldErrors};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;
use web::{AppError, PageCtx};

type Svc = State<Arc<RoomsService>>;
type Form = web::CsrfForm<HashMap<String, String>>;

/// The room pages.
pub fn router(svc: Arc<RoomsService>) -> Router {
    Router::new()
        .route("/arbeit/raeume", get(list_page).post(create))
        .route("/arbeit/raeume/direkt", post(direct))
        .route("/arbeit/raeume/suche", get(search_page))
        .route("/arbeit/raeume/{id}", get(room_page))
        .route("/arbeit/raeume/{id}/live", get(live))
        .route("/arbeit/raeume/{id}/nachrichten", post(post_message))
        .route("/arbeit/raeume/{id}/nachrichten/{m}", get(thread_page))
        .route("/arbeit/raeume/{id}/nachrichten/{m}/bearbeiten", post(edit))
        .route("/arbeit/raeume/{id}/nachrichten/{m}/loeschen", post(delete))
        .route("/arbeit/raeume/{id}/beitreten", post(join))
        .route("/arbeit/raeume/{id}/mitglieder", post(add_member))
        .route("/arbeit/raeume/{id}/archiv", post(archive))
        .route("/arbeit/raeume/{id}/video", post(video_now))
        .route("/arbeit/raeume/{id}/export", get(export))
        .route("/arbeit/raeume/{id}/akten", post(link_file))
        .route("/arbeit/vorgaenge/{id}/video", post(case_video))
        .route("/konto/videoberatung/{m}", get(citizen_meeting))
        .route("/arbeit/raeume/{id}/termine", post(schedule))
        .route("/arbeit/raeume/{id}/termine/{m}", get(meeting_page))
        .with_state(svc.clone())
        .merge(crate::wiki_pages::router(svc))
}

/// A time as the city's clock shows it.
pub fn local_time(t: impl std::borrow::Borrow<DateTime<Utc>>) -> String {
    t.borrow()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

pub(crate) fn uuid(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

pub(crate) fn value(form: &HashMap<String, String>, name: &str) -> String {
    form.get(name)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// Field errors to show on the page, or the error page.
pub(crate) fn split(e: RoomsError) -> Result<FieldErrors, AppError> {
    match e {
        RoomsError::Invalid(errors) => Ok(errors),
        RoomsError::Conflict(code) => {
            let mut errors = FieldErrors::new();
            errors.add("fehler", &code);
            Ok(errors)
        }
        other => Err(other.into()),
    }
}

fn kind_key(kind: &str) -> String {
    format!("rooms-kind-{kind}")
}

#[derive(Template, WebTemplate)]
#[template(path = "rooms_list.html")]
struct ListPage {
    ctx: PageCtx,
    rooms: Vec<RoomEntry>,
    communities: Vec<RoomEntry>,
    form: HashMap<String, String>,
    errors: FieldErrors,
}

impl ListPage {
    fn kind_key(&self, kind: &str) -> String {
        kind_key(kind)
    }
    fn value(&self, name: &str) -> String {
        value(&self.form, name)
    }
}

async fn render_list(
    svc: &RoomsService,
    ctx: PageCtx,
    actor: &Actor,
    form: HashMap<String, String>,
    errors: FieldErrors,
) -> Result<ListPage, AppError> {
    let (rooms, communities) = svc.my_rooms(actor).await?;
    Ok(ListPage {
        ctx,
        rooms,
        communities,
        form,
        errors,
    })
}

async fn list_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
) -> Result<ListPage, AppError> {
    render_list(&svc, ctx, &actor, HashMap::new(), FieldErrors::new()).await
}

async fn create(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let input = NewRoom {
        kind: value(&form, "kind"),
        name: value(&form, "name"),
        description: value(&form, "description"),
    };
    match svc.create_room(&actor, input).await {
        Ok(room) => Ok(Redirect::to(&format!("/arbeit/raeume/{}", room.id)).into_response()),
        Err(e) => Ok(web::unprocessable(
            render_list(&svc, ctx, &actor, form, split(e)?).await?,
        )),
    }
}

async fn direct(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let result = match svc.staff_by_email(&value(&form, "email")).await {
        Ok(Some(other)) => svc.direct(&actor, other).await,
        Ok(None) => {
            let mut e = FieldErrors::new();
            e.add("email", "rooms_person_unknown");
            Err(RoomsError::Invalid(e))
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(room) => Ok(Redirect::to(&format!("/arbeit/raeume/{}", room.id)).into_response()),
        Err(e) => {
            let mut errors = split(e)?;
            for err in &mut errors.0 {
                if err.field == "account_id" {
                    err.field = "email".into();
                }
            }
            Ok(web::unprocessable(
                render_list(&svc, ctx, &actor, form, errors).await?,
            ))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "room.html")]
struct RoomPage {
    ctx: PageCtx,
    room: RoomRow,
    role: RoomRole,
    explicit: bool,
    messages: Vec<(MessageRow, i64)>,
    members: Vec<RoomMember>,
    news: Vec<crate::store::PostRow>,
    pinned: Vec<crate::store::PageRow>,
    meetings: Vec<crate::store::MeetingRow>,
    files: Vec<crate::store::FileLinkRow>,
    video: bool,
    dial_in: String,
    client_key: String,
    form: HashMap<String, String>,
    errors: FieldErrors,
}

impl RoomPage {
    fn kind_key(&self) -> String {
        kind_key(&self.room.kind)
    }
    fn role_key(&self) -> String {
        format!("rooms-role-{}", self.role.as_str())
    }
    fn member_role_key(&self, r: &RoomRole) -> String {
        format!("rooms-role-{}", r.as_str())
    }
    fn writes(&self) -> bool {
        self.role.writes() && self.room.archived_at.is_none()
    }
    fn owns(&self) -> bool {
        self.role == RoomRole::Owner
            && self.room.archived_at.is_none()
            && self.room.kind != RoomKind::Direct.as_str()
    }
    fn may_join(&self) -> bool {
        self.room.kind == RoomKind::Community.as_str()
            && !self.explicit
            && self.room.archived_at.is_none()
    }
    fn may_archive(&self) -> bool {
        self.room.kind != RoomKind::Direct.as_str()
            && (self.owns() || self.room.archived_at.is_some() && self.explicit_owner())
    }
    fn explicit_owner(&self) -> bool {
        self.explicit
            && self
                .members
                .iter()
                .any(|m| m.role == RoomRole::Owner && !m.from_org_tree)
    }
    fn value(&self, name: &str) -> String {
        value(&self.form, name)
    }
    fn minutes(&self) -> String {
        match value(&self.form, "minutes") {
            m if m.is_empty() => "60".into(),
            m => m,
        }
    }
}

async fn render_room(
    svc: &RoomsService,
    ctx: PageCtx,
    actor: &Actor,
    id: Uuid,
    form: HashMap<String, String>,
    errors: FieldErrors,
) -> Result<RoomPage, AppError> {
    let (room, role) = svc.room(actor, id).await?;
    let messages = svc.latest(actor, id, 50).await?;
    let members = svc.members(actor, id).await?;
    let news = svc.news(actor, id, 3).await?;
    let pinned = svc
        .pages(actor, id)
        .await?
        .into_iter()
        .filter(|p| p.pinned)
        .collect();
    let meetings = svc.meetings(actor, id).await?;
    let video = svc.video();
    let dial_in = svc.dial_in();
    let files = svc.files(actor, id).await?;
    let explicit = actor.account.is_some_and(|a| {
        members
            .iter()
            .any(|m| m.account_id == a.0 && !m.from_org_tree)
    });
    // A form shown again after an error keeps its key: sending it twice
    // stores one message.
    let client_key = match value(&form, "client_key") {
        k if !k.is_empty() => k,
        _ => Uuid::now_v7().simple().to_string(),
    };
    Ok(RoomPage {
        ctx,
        room,
        role,
        explicit,
        messages,
        members,
        news,
        pinned,
        meetings,
        files,
        video,
        dial_in,
        client_key,
        form,
        errors,
    })
}

async fn room_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<RoomPage, AppError> {
    render_room(
        &svc,
        ctx,
        &actor,
        uuid(&id)?,
        HashMap::new(),
        FieldErrors::new(),
    )
    .await
}

async fn post_message(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let parent_id = match value(&form, "parent_id") {
        p if p.is_empty() => None,
        p => Some(uuid(&p)?),
    };
    let input = PostInput {
        body: value(&form, "body"),
        parent_id,
        client_key: value(&form, "client_key"),
    };
    match svc.post(&actor, id, input).await {
        Ok((m, _)) => Ok(Redirect::to(&match m.parent_id {
            Some(p) => format!("/arbeit/raeume/{id}/nachrichten/{p}#m-{}", m.id),
            None => format!("/arbeit/raeume/{id}#m-{}", m.id),
        })
        .into_response()),
        Err(e) => {
            let errors = split(e)?;
            match parent_id {
                Some(p) => Ok(web::unprocessable(
                    render_thread(&svc, ctx, &actor, id, p, form, errors).await?,
                )),
                None => Ok(web::unprocessable(
                    render_room(&svc, ctx, &actor, id, form, errors).await?,
                )),
            }
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "room_thread.html")]
struct ThreadPage {
    ctx: PageCtx,
    room: RoomRow,
    writes: bool,
    first: MessageRow,
    answers: Vec<MessageRow>,
    own: Vec<MessageRow>,
    versions: Vec<VersionRow>,
    client_key: String,
    form: HashMap<String, String>,
    errors: FieldErrors,
}

impl ThreadPage {
    fn value(&self, name: &str) -> String {
        value(&self.form, name)
    }
}

async fn render_thread(
    svc: &RoomsService,
    ctx: PageCtx,
    actor: &Actor,
    id: Uuid,
    m: Uuid,
    form: HashMap<String, String>,
    errors: FieldErrors,
) -> Result<ThreadPage, AppError> {
    let (room, role) = svc.room(actor, id).await?;
    let (first, answers) = svc.thread(actor, id, m).await?;
    let (_, versions) = svc.history(actor, id, m).await?;
    let writes = role.writes() && room.archived_at.is_none();
    let me = actor.account.map(|a| a.0);
    let own = std::iter::once(&first)
        .chain(answers.iter())
        .filter(|x| writes && Some(x.author_id) == me && x.deleted_at.is_none())
        .cloned()
        .collect();
    let client_key = match value(&form, "client_key") {
        k if !k.is_empty() => k,
        _ => Uuid::now_v7().simple().to_string(),
    };
    Ok(ThreadPage {
        ctx,
        room,
        writes,
        first,
        answers,
        own,
        versions,
        client_key,
        form,
        errors,
    })
}

async fn thread_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, m)): Path<(String, String)>,
) -> Result<ThreadPage, AppError> {
    render_thread(
        &svc,
        ctx,
        &actor,
        uuid(&id)?,
        uuid(&m)?,
        HashMap::new(),
        FieldErrors::new(),
    )
    .await
}

async fn edit(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, m)): Path<(String, String)>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let (id, m) = (uuid(&id)?, uuid(&m)?);
    match svc
        .edit(&actor, id, m, &value(&form, &format!("body-{m}")))
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/arbeit/raeume/{id}/nachrichten/{m}#m-{m}")).into_response())
        }
        Err(e) => {
            let mut errors = split(e)?;
            for err in &mut errors.0 {
                if err.field == "body" {
                    err.field = format!("body-{m}");
                }
            }
            Ok(web::unprocessable(
                render_thread(&svc, ctx, &actor, id, m, form, errors).await?,
            ))
        }
    }
}

async fn delete(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path((id, m)): Path<(String, String)>,
    web::CsrfForm(_): Form,
) -> Result<Response, AppError> {
    let (id, m) = (uuid(&id)?, uuid(&m)?);
    svc.delete(&actor, id, m).await?;
    Ok(Redirect::to(&format!("/arbeit/raeume/{id}/nachrichten/{m}")).into_response())
}

async fn join(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(_): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    svc.join(&actor, id).await?;
    Ok(Redirect::to(&format!("/arbeit/raeume/{id}")).into_response())
}

async fn add_member(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    match svc
        .add_member(&actor, id, &value(&form, "email"), &value(&form, "role"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/arbeit/raeume/{id}#members-heading")).into_response()),
        Err(e) => Ok(web::unprocessable(
            render_room(&svc, ctx, &actor, id, form, split(e)?).await?,
        )),
    }
}

async fn archive(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    svc.set_archived(&actor, id, value(&form, "archived") == "true")
        .await?;
    Ok(Redirect::to(&format!("/arbeit/raeume/{id}")).into_response())
}

/// A message as the room page lists it (sent live to open browsers).
#[derive(Template)]
#[template(path = "room_message.html")]
struct MessageItem<'a> {
    ctx: &'a PageCtx,
    m: &'a MessageRow,
    replies: i64,
}

/// The room's live events as HTML list items for `chat.js`.
async fn live(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let stream = live_stream(svc, actor, id, last_event_id(&headers), move |ev| {
        let html = MessageItem {
            ctx: &ctx,
            m: &ev.message,
            replies: 0,
        }
        .render()
        .unwrap_or_default();
        Event::default()
            .event(change_name(&ev.change))
            .data(html.replace('\n', ""))
    })
    .await?;
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// Starts a video meeting now and opens it.
async fn video_now(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    match svc.start_now(&actor, id).await {
        // The meeting's page holds the link to Jitsi: a form may only
        // lead to rathaus itself (CSP form-action), a link may leave.
        Ok((m, _)) => {
            Ok(Redirect::to(&format!("/arbeit/raeume/{id}/termine/{}", m.id)).into_response())
        }
        Err(e) => Ok(web::unprocessable(
            render_room(&svc, ctx, &actor, id, form, split(e)?).await?,
        )),
    }
}

/// Schedules a meeting from the room page (date and time in the city's
/// time zone).
async fn schedule(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let mut errors = FieldErrors::new();
    let day = chrono::NaiveDate::parse_from_str(&value(&form, "meeting_day"), "%Y-%m-%d").ok();
    if day.is_none() {
        errors.add("meeting_day", "date_invalid");
    }
    let time = chrono::NaiveTime::parse_from_str(&value(&form, "meeting_time"), "%H:%M").ok();
    if time.is_none() {
        errors.add("meeting_time", "rooms_time_invalid");
    }
    let minutes: Option<i64> = value(&form, "minutes").parse().ok();
    if minutes.is_none() {
        errors.add("minutes", "rooms_meeting_minutes");
    }
    let starts = match (day, time) {
        (Some(d), Some(t)) => d
            .and_time(t)
            .and_local_timezone(chrono_tz::Europe::Berlin)
            .earliest()
            .map(|t| t.with_timezone(&Utc)),
        _ => None,
    };
    let result = match (starts, minutes, errors.is_empty()) {
        (Some(starts_at), Some(minutes), true) => svc
            .schedule(
                &actor,
                id,
                crate::meetings::MeetingInput {
                    title: value(&form, "title"),
                    starts_at,
                    minutes,
                },
            )
            .await
            .map(|_| ()),
        _ => Err(RoomsError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/arbeit/raeume/{id}#termine")).into_response()),
        Err(e) => {
            let mut errors = split(e)?;
            for err in &mut errors.0 {
                if err.field == "starts_at" {
                    err.field = "meeting_day".into();
                }
            }
            Ok(web::unprocessable(
                render_room(&svc, ctx, &actor, id, form, errors).await?,
            ))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting.html")]
struct MeetingPage {
    ctx: PageCtx,
    room: RoomRow,
    meeting: crate::store::MeetingRow,
    join: Option<crate::meetings::Join>,
    problem: String,
    video: bool,
}

/// A meeting: the link to join it (with a token valid for this person
/// and meeting), the dial-in and the calendar file; `{id}.ics` is the
/// calendar file itself.
async fn meeting_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    if let Some(m) = file.strip_suffix(".ics") {
        return meeting_ics(&svc, &actor, id, uuid(m)?).await;
    }
    let m = uuid(&file)?;
    let (room, meeting) = svc.meeting(&actor, id, m).await?;
    let video = svc.video();
    let (join, problem) = match svc.join_meeting(&actor, id, m).await {
        Ok(j) => (Some(j), String::new()),
        Err(RoomsError::Conflict(code)) => (None, ctx.err(code)),
        Err(e) => return Err(e.into()),
    };
    Ok(MeetingPage {
        ctx,
        room,
        meeting,
        join,
        problem,
        video,
    }
    .into_response())
}

/// A meeting's calendar file.
async fn meeting_ics(
    svc: &RoomsService,
    actor: &Actor,
    id: Uuid,
    m: Uuid,
) -> Result<Response, AppError> {
    let ics = svc.meeting_ics(actor, id, m).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8",
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"termin.ics\"",
            ),
        ],
        ics,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "rooms_search.html")]
struct SearchPage {
    ctx: PageCtx,
    q: String,
    hits: Vec<(crate::search::SearchHit, String)>,
    total: usize,
}

impl SearchPage {
    fn kind_key(&self, kind: &str) -> String {
        format!("rooms-hit-{kind}")
    }
}

/// Knowledge search across the rooms one reads.
async fn search_page(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Result<SearchPage, AppError> {
    let q = value(&q, "q");
    let (hits, total) = if q.is_empty() {
        (Vec::new(), 0)
    } else {
        svc.search(&actor, &q).await?
    };
    Ok(SearchPage {
        ctx,
        q,
        hits,
        total,
    })
}

/// The room's content as a JSON file (owners).
async fn export(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    let export = svc.export(&actor, id).await?;
    let body = serde_json::to_vec_pretty(&export).map_err(|e| AppError::internal(e.to_string()))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"raum.json\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// Links an E-Akte file by its reference.
async fn link_file(
    State(svc): Svc,
    ctx: PageCtx,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(form): Form,
) -> Result<Response, AppError> {
    let id = uuid(&id)?;
    match svc.link_file(&actor, id, &value(&form, "reference")).await {
        Ok(_) => Ok(Redirect::to(&format!("/arbeit/raeume/{id}#akten")).into_response()),
        Err(e) => Ok(web::unprocessable(
            render_room(&svc, ctx, &actor, id, form, split(e)?).await?,
        )),
    }
}

/// Starts a video consultation on a case and opens its page.
async fn case_video(
    State(svc): Svc,
    StaffUser(actor, _): StaffUser,
    Path(id): Path<String>,
    web::CsrfForm(_): Form,
) -> Result<Response, AppError> {
    let m = svc.case_video(&actor, uuid(&id)?).await?;
    Ok(Redirect::to(&format!("/arbeit/raeume/{}/termine/{}", m.room_id, m.id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "citizen_meeting.html")]
struct CitizenMeetingPage {
    ctx: PageCtx,
    joined: Option<(crate::store::MeetingRow, crate::meetings::Join)>,
    problem: String,
}

/// The applicant's page of a video consultation: the link to join, or
/// why it is not open.
async fn citizen_meeting(
    State(svc): Svc,
    ctx: PageCtx,
    CitizenUser(actor, _): CitizenUser,
    Path(m): Path<String>,
) -> Result<CitizenMeetingPage, AppError> {
    let (joined, problem) = match svc.citizen_join(&actor, uuid(&m)?).await {
        Ok(joined) => (Some(joined), String::new()),
        Err(RoomsError::Conflict(code)) => (None, ctx.err(code)),
        Err(e) => return Err(e.into()),
    };
    Ok(CitizenMeetingPage {
        ctx,
        joined,
        problem,
    })
}
