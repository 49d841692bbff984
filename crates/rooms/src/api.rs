//! JSON API of team rooms: rooms, members, messages (with the sender's
//! key for exactly-once posting), edit history, direct rooms, and the
//! live stream of a room as server-sent events.

use crate::live::{Change, RoomEvent};
use crate::service::{NewRoom, PostInput, RoomEntry, RoomMember, RoomsError, RoomsService};
use crate::store::{MessageRow, RoomRow, VersionRow};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use identity::http::auth::ApiActor;
use kernel::{AccountId, Actor};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use web::{ApiJson, AppError};

type Svc = State<Arc<RoomsService>>;

impl From<RoomsError> for AppError {
    fn from(e: RoomsError) -> AppError {
        match e {
            RoomsError::Invalid(errors) => AppError::Invalid {
                detail: "Fix the fields named.".into(),
                errors,
            },
            RoomsError::Forbidden => AppError::Forbidden,
            RoomsError::NotFound => AppError::NotFound,
            RoomsError::Conflict(code) => {
                AppError::Conflict(web::Locale::En.t(&format!("err-{code}")))
            }
            other => AppError::internal(other.to_string()),
        }
    }
}

/// The rooms API.
pub fn router(svc: Arc<RoomsService>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(search))
        .routes(routes!(room))
        .routes(routes!(members, add_member))
        .routes(routes!(remove_member))
        .routes(routes!(join))
        .routes(routes!(leave))
        .routes(routes!(archive))
        .routes(routes!(export))
        .routes(routes!(files, link_file))
        .routes(routes!(unlink_file))
        .routes(routes!(messages, post))
        .routes(routes!(edit, delete))
        .routes(routes!(thread))
        .routes(routes!(history))
        .routes(routes!(direct))
        .routes(routes!(events))
        .routes(routes!(meetings, schedule))
        .routes(routes!(start_now))
        .routes(routes!(join_meeting))
        .with_state(svc.clone())
        .merge(crate::wiki_api::router(svc))
}

fn id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

/// The actor's rooms and the communities they may join.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoomList {
    /// Rooms they belong to, with unread counts.
    pub rooms: Vec<RoomEntry>,
    /// Open communities to join.
    pub communities: Vec<RoomEntry>,
}

/// The actor's rooms (team rooms follow the org tree).
#[utoipa::path(get, path = "/api/v1/rooms", tag = "rooms",
    responses((status = 200, body = RoomList), (status = 403, body = web::error::Problem)))]
async fn list(State(svc): Svc, ApiActor(actor): ApiActor) -> Result<ApiJson<RoomList>, AppError> {
    let (rooms, communities) = svc.my_rooms(&actor).await?;
    Ok(ApiJson(RoomList { rooms, communities }))
}

/// Create a project room (private) or a community (open).
#[utoipa::path(post, path = "/api/v1/rooms", tag = "rooms", request_body = NewRoom,
    responses((status = 201, body = RoomRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn create(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewRoom>,
) -> Result<(StatusCode, ApiJson<RoomRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.create_room(&actor, input).await?),
    ))
}

/// A room with the actor's role.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoomDetail {
    /// The room.
    pub room: RoomRow,
    /// The actor's role.
    pub role: crate::domain::RoomRole,
}

/// A room.
#[utoipa::path(get, path = "/api/v1/rooms/{id}", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 200, body = RoomDetail), (status = 404, body = web::error::Problem)))]
async fn room(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<ApiJson<RoomDetail>, AppError> {
    let (room, role) = svc.room(&actor, id(&r)?).await?;
    Ok(ApiJson(RoomDetail { room, role }))
}

/// The people of a room.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/members", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 200, body = Vec<RoomMember>), (status = 404, body = web::error::Problem)))]
async fn members(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<ApiJson<Vec<RoomMember>>, AppError> {
    Ok(ApiJson(svc.members(&actor, id(&r)?).await?))
}

/// A person to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// Their e-mail address.
    pub email: String,
    /// `owner`, `member` or `reader`.
    pub role: String,
}

/// Add a person or change their role (owners).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/members", tag = "rooms", request_body = MemberInput,
    params(("id" = String, Path, description = "Room id")),
    responses((status = 200, body = RoomMember), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn add_member(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
    ApiJson(m): ApiJson<MemberInput>,
) -> Result<ApiJson<RoomMember>, AppError> {
    Ok(ApiJson(
        svc.add_member(&actor, id(&r)?, &m.email, &m.role).await?,
    ))
}

/// Remove a person added to the room (owners).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/members/{account}", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), ("account" = String, Path, description = "Account id")),
    responses((status = 204), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn remove_member(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, a)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    svc.remove_member(&actor, id(&r)?, id(&a)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Join an open community.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/join", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 204), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn join(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<StatusCode, AppError> {
    svc.join(&actor, id(&r)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Leave a room one was added to.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/leave", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 204), (status = 404, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn leave(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<StatusCode, AppError> {
    svc.leave(&actor, id(&r)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Archive or reopen.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveInput {
    /// Archived (read-only) or open.
    pub archived: bool,
}

/// Archive a room (read-only) or open it again (owners).
#[utoipa::path(put, path = "/api/v1/rooms/{id}/archive", tag = "rooms", request_body = ArchiveInput,
    params(("id" = String, Path, description = "Room id")),
    responses((status = 200, body = RoomRow), (status = 403, body = web::error::Problem)))]
async fn archive(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
    ApiJson(a): ApiJson<ArchiveInput>,
) -> Result<ApiJson<RoomRow>, AppError> {
    Ok(ApiJson(
        svc.set_archived(&actor, id(&r)?, a.archived).await?,
    ))
}

/// Which messages.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MessagesQuery {
    /// Only messages after this sequence number (threads and replies);
    /// without it the newest threads.
    pub after: Option<i64>,
}

/// A message with its number of replies.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ThreadHead {
    /// The message.
    pub message: MessageRow,
    /// Replies in its thread.
    pub replies: i64,
}

/// Messages of a room: the newest 50 threads (marks the room read), or
/// everything after a sequence number.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), MessagesQuery),
    responses((status = 200, body = Vec<ThreadHead>), (status = 404, body = web::error::Problem)))]
async fn messages(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
    Query(q): Query<MessagesQuery>,
) -> Result<ApiJson<Vec<ThreadHead>>, AppError> {
    let room = id(&r)?;
    let out = match q.after {
        Some(seq) => svc
            .since(&actor, room, seq)
            .await?
            .into_iter()
            .map(|message| ThreadHead {
                message,
                replies: 0,
            })
            .collect(),
        None => svc
            .latest(&actor, room, 50)
            .await?
            .into_iter()
            .map(|(message, replies)| ThreadHead { message, replies })
            .collect(),
    };
    Ok(ApiJson(out))
}

/// Post a message or a reply. 201 when stored now; 200 with the stored
/// message when the key was sent before (a resend after a dropped
/// connection: nothing is stored twice).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/messages", tag = "rooms", request_body = PostInput,
    params(("id" = String, Path, description = "Room id")),
    responses((status = 201, body = MessageRow), (status = 200, body = MessageRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn post(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
    ApiJson(input): ApiJson<PostInput>,
) -> Result<(StatusCode, ApiJson<MessageRow>), AppError> {
    let (m, created) = svc.post(&actor, id(&r)?, input).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        ApiJson(m),
    ))
}

/// A new text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditInput {
    /// The text.
    pub body: String,
}

/// Edit one's own message (the earlier text stays in its history).
#[utoipa::path(patch, path = "/api/v1/rooms/{id}/messages/{message}", tag = "rooms", request_body = EditInput,
    params(("id" = String, Path, description = "Room id"), ("message" = String, Path, description = "Message id")),
    responses((status = 200, body = MessageRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn edit(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, m)): Path<(String, String)>,
    ApiJson(input): ApiJson<EditInput>,
) -> Result<ApiJson<MessageRow>, AppError> {
    Ok(ApiJson(
        svc.edit(&actor, id(&r)?, id(&m)?, &input.body).await?,
    ))
}

/// Delete one's own message.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/messages/{message}", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), ("message" = String, Path, description = "Message id")),
    responses((status = 204), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn delete(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, m)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    svc.delete(&actor, id(&r)?, id(&m)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A thread.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Thread {
    /// Its first message.
    pub message: MessageRow,
    /// The replies, oldest first.
    pub replies: Vec<MessageRow>,
}

/// A thread: the first message and its replies.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages/{message}/thread", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), ("message" = String, Path, description = "Message id")),
    responses((status = 200, body = Thread), (status = 404, body = web::error::Problem)))]
async fn thread(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, m)): Path<(String, String)>,
) -> Result<ApiJson<Thread>, AppError> {
    let (message, replies) = svc.thread(&actor, id(&r)?, id(&m)?).await?;
    Ok(ApiJson(Thread { message, replies }))
}

/// The earlier texts of an edited message.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages/{message}/versions", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), ("message" = String, Path, description = "Message id")),
    responses((status = 200, body = Vec<VersionRow>), (status = 404, body = web::error::Problem)))]
async fn history(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, m)): Path<(String, String)>,
) -> Result<ApiJson<Vec<VersionRow>>, AppError> {
    Ok(ApiJson(svc.history(&actor, id(&r)?, id(&m)?).await?.1))
}

/// The direct room with another staff member (made on first use).
#[utoipa::path(post, path = "/api/v1/rooms/direct/{account}", tag = "rooms",
    params(("account" = String, Path, description = "The other person's account id")),
    responses((status = 200, body = RoomRow), (status = 400, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn direct(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(a): Path<String>,
) -> Result<ApiJson<RoomRow>, AppError> {
    Ok(ApiJson(svc.direct(&actor, AccountId(id(&a)?)).await?))
}

/// The live stream of a room as server-sent events: `posted`, `edited`
/// and `deleted`, each with the message as JSON; a posted message's event
/// id is its sequence number, and a reconnect with `Last-Event-ID` first
/// gets what it missed.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/events", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 200, description = "text/event-stream"), (status = 404, body = web::error::Problem)))]
async fn events(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let stream = live_stream(svc, actor, id(&r)?, last_event_id(&headers), |ev| {
        Event::default()
            .event(change_name(&ev.change))
            .data(&*ev.json)
    })
    .await?;
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The name of a change as an event type.
pub(crate) fn change_name(c: &Change) -> &'static str {
    match c {
        Change::Posted => "posted",
        Change::Edited => "edited",
        Change::Deleted => "deleted",
    }
}

/// The sequence number a reconnecting browser saw last.
pub(crate) fn last_event_id(headers: &HeaderMap) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// A room's live events for `actor`, rendered by `render`: first what was
/// missed after `after`, then what is announced. Listens before reading
/// the backlog, and skips announced messages the backlog already had, so
/// nothing falls between the two and nothing comes twice.
pub(crate) async fn live_stream<F>(
    svc: Arc<RoomsService>,
    actor: Actor,
    room: Uuid,
    after: Option<i64>,
    render: F,
) -> Result<impl Stream<Item = Result<Event, Infallible>>, AppError>
where
    F: Fn(&RoomEvent) -> Event + Send + Sync + 'static,
{
    let rx = svc.hub().listen();
    let (row, _) = svc.room(&actor, room).await?;
    let closed = svc.hub().closed();
    let backlog = match after {
        Some(seq) => svc.since(&actor, room, seq).await?,
        None => Vec::new(),
    };
    let seen = backlog
        .last()
        .map_or(after.unwrap_or(row.last_seq), |m| m.seq);
    let render = Arc::new(render);
    let first: Vec<Result<Event, Infallible>> = backlog
        .iter()
        .map(|m| {
            let id = m.seq.to_string();
            Ok(render(&RoomEvent::new(Change::Posted, m.clone())).id(id))
        })
        .collect();
    let r2 = render.clone();
    let live = BroadcastStream::new(rx).filter_map(move |e| {
        let render = r2.clone();
        async move {
            match e {
                Ok(ev) if ev.message.room_id == room => match ev.change {
                    Change::Posted if ev.message.seq <= seen => None,
                    Change::Posted => Some(Ok(render(&ev).id(ev.message.seq.to_string()))),
                    _ => Some(Ok(render(&ev))),
                },
                Ok(_) => None,
                // Fell behind: the browser reloads (and gets everything
                // from the database).
                Err(BroadcastStreamRecvError::Lagged(_)) => {
                    Some(Ok(Event::default().event("reload").data("lagged")))
                }
            }
        }
    });
    Ok(futures::stream::iter(first).chain(live).take_until(closed))
}

/// The room's meetings from an hour ago on.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/meetings", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 200, body = Vec<crate::store::MeetingRow>), (status = 404, body = web::error::Problem)))]
async fn meetings(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<ApiJson<Vec<crate::store::MeetingRow>>, AppError> {
    Ok(ApiJson(svc.meetings(&actor, id(&r)?).await?))
}

/// Schedule a video meeting (writers); members get an invitation.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/meetings", tag = "rooms", request_body = crate::meetings::MeetingInput,
    params(("id" = String, Path, description = "Room id")),
    responses((status = 201, body = crate::store::MeetingRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn schedule(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
    ApiJson(input): ApiJson<crate::meetings::MeetingInput>,
) -> Result<(StatusCode, ApiJson<crate::store::MeetingRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.schedule(&actor, id(&r)?, input).await?),
    ))
}

/// A meeting started now, and how to join it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Started {
    /// The meeting.
    pub meeting: crate::store::MeetingRow,
    /// How to join.
    pub join: crate::meetings::Join,
}

/// Start a video meeting now (409 when no Jitsi server is configured).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/meetings/now", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 201, body = Started), (status = 403, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn start_now(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<(StatusCode, ApiJson<Started>), AppError> {
    let (meeting, join) = svc.start_now(&actor, id(&r)?).await?;
    Ok((StatusCode::CREATED, ApiJson(Started { meeting, join })))
}

/// The address to join a meeting, with a signed token (members of the
/// room; 409 when it is over or no Jitsi server is configured).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/meetings/{meeting}/join", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), ("meeting" = String, Path, description = "Meeting id")),
    responses((status = 200, body = crate::meetings::Join), (status = 404, body = web::error::Problem), (status = 409, body = web::error::Problem)))]
async fn join_meeting(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, m)): Path<(String, String)>,
) -> Result<ApiJson<crate::meetings::Join>, AppError> {
    Ok(ApiJson(svc.join_meeting(&actor, id(&r)?, id(&m)?).await?))
}

/// A search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Words (German stemming).
    pub q: String,
}

/// Search results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// The best 50 hits.
    pub hits: Vec<crate::search::SearchHit>,
    /// Number of all hits in rooms the actor reads.
    pub total: usize,
}

/// Search messages, wiki pages and news of every room the actor reads.
#[utoipa::path(get, path = "/api/v1/rooms/search", tag = "rooms", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 403, body = web::error::Problem)))]
async fn search(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Query(q): Query<SearchQuery>,
) -> Result<ApiJson<SearchResults>, AppError> {
    let (hits, total) = svc.search(&actor, &q.q).await?;
    Ok(ApiJson(SearchResults {
        hits: hits.into_iter().map(|(h, _)| h).collect(),
        total,
    }))
}

/// The room's whole content as JSON (owners): people, messages with their
/// earlier texts, wiki pages with every revision, news with comments,
/// meetings.
#[utoipa::path(get, path = "/api/v1/rooms/{id}/export", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 200, body = crate::export::RoomExport), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn export(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<ApiJson<crate::export::RoomExport>, AppError> {
    Ok(ApiJson(svc.export(&actor, id(&r)?).await?))
}

/// The E-Akte files a room works on (opening one checks the file's own
/// permissions).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/files", tag = "rooms",
    params(("id" = String, Path, description = "Room id")),
    responses((status = 200, body = Vec<crate::store::FileLinkRow>), (status = 404, body = web::error::Problem)))]
async fn files(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
) -> Result<ApiJson<Vec<crate::store::FileLinkRow>>, AppError> {
    Ok(ApiJson(svc.files(&actor, id(&r)?).await?))
}

/// A file to link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileInput {
    /// Its file reference (Aktenzeichen).
    pub reference: String,
}

/// Link an E-Akte file by its reference (writers who may open it).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/files", tag = "rooms", request_body = FileInput,
    params(("id" = String, Path, description = "Room id")),
    responses((status = 201, body = crate::store::FileLinkRow), (status = 400, body = web::error::Problem), (status = 403, body = web::error::Problem)))]
async fn link_file(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path(r): Path<String>,
    ApiJson(input): ApiJson<FileInput>,
) -> Result<(StatusCode, ApiJson<crate::store::FileLinkRow>), AppError> {
    Ok((
        StatusCode::CREATED,
        ApiJson(svc.link_file(&actor, id(&r)?, &input.reference).await?),
    ))
}

/// Remove a file link (writers).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/files/{file}", tag = "rooms",
    params(("id" = String, Path, description = "Room id"), ("file" = String, Path, description = "Case id")),
    responses((status = 204), (status = 403, body = web::error::Problem), (status = 404, body = web::error::Problem)))]
async fn unlink_file(
    State(svc): Svc,
    ApiActor(actor): ApiActor,
    Path((r, f)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    svc.unlink_file(&actor, id(&r)?, id(&f)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
