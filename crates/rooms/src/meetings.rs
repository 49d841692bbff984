//! Video meetings through a Jitsi Meet server: a room's meetings (ad hoc
//! or scheduled, with an iCalendar invitation), each in a Jitsi room whose
//! name is random, joined with a signed token as Jitsi's token
//! authentication expects (HS256 with the app secret: `iss` the app id,
//! `aud`, `sub` the server's domain, `room`, `exp`, `nbf`,
//! `context.user` with name, e-mail and the moderator flag for the
//! organiser and the room's owners). Screen sharing and phone dial-in are
//! the Jitsi server's; rathaus shows the dial-in number when configured.

use crate::domain::RoomRole;
use crate::service::{RoomsError, RoomsService, internal};
use crate::store::{MeetingRow, RoomRow};
use chrono::{DateTime, Duration, Utc};
use kernel::{Actor, FieldErrors};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where the Jitsi server is and how rathaus signs its tokens.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct JitsiConfig {
    /// The server, e.g. `https://meet.musterstadt.de` (empty: no video).
    pub base_url: String,
    /// The app id the server expects as `iss`.
    pub app_id: String,
    /// The shared secret (HS256).
    pub secret: String,
    /// The audience the server expects (`aud`, usually `jitsi`).
    pub audience: String,
    /// Dial-in for phones, shown with each meeting (e.g. "+49 711 123456,
    /// PIN on the meeting page").
    pub dial_in: String,
}

impl std::fmt::Debug for JitsiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitsiConfig")
            .field("base_url", &self.base_url)
            .field("app_id", &self.app_id)
            .field(
                "secret",
                &if self.secret.is_empty() {
                    ""
                } else {
                    "[redacted]"
                },
            )
            .field("audience", &self.audience)
            .field("dial_in", &self.dial_in)
            .finish()
    }
}

impl JitsiConfig {
    /// Video meetings are possible.
    pub fn configured(&self) -> bool {
        !self.base_url.trim().is_empty()
            && !self.app_id.trim().is_empty()
            && !self.secret.is_empty()
    }

    /// The server's host name (the token's `sub`).
    pub fn domain(&self) -> String {
        let rest = self.base_url.split("://").nth(1).unwrap_or(&self.base_url);
        rest.split(['/', ':']).next().unwrap_or("").to_owned()
    }
}

/// The claims of a Jitsi token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JitsiClaims {
    /// The app id.
    pub iss: String,
    /// The audience (`jitsi`).
    pub aud: String,
    /// The server's domain.
    pub sub: String,
    /// The Jitsi room.
    pub room: String,
    /// Valid until (seconds since 1970).
    pub exp: i64,
    /// Valid from.
    pub nbf: i64,
    /// Issued.
    pub iat: i64,
    /// Who joins.
    pub context: JitsiContext,
    /// Moderator rights (also read from here by some deployments).
    pub moderator: bool,
}

/// The `context` claim.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JitsiContext {
    /// The person.
    pub user: JitsiUser,
}

/// `context.user`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JitsiUser {
    /// Account id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Moderator rights.
    pub moderator: bool,
}

/// A meeting to schedule.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// Title.
    pub title: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// Minutes (5–480).
    pub minutes: i64,
}

/// How to join.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Join {
    /// The Jitsi address with the token.
    pub url: String,
    /// Joins as moderator.
    pub moderator: bool,
    /// Phone dial-in, when the server offers it.
    pub dial_in: String,
}

/// How long a meeting link works after the meeting's end.
const GRACE: i64 = 60;

impl RoomsService {
    /// The room's meetings from an hour ago on.
    pub async fn meetings(&self, actor: &Actor, room: Uuid) -> Result<Vec<MeetingRow>, RoomsError> {
        self.room(actor, room).await?;
        let since = self.clock.now() - Duration::minutes(GRACE);
        Ok(self.store.meetings(room, since).await?)
    }

    /// Schedules a meeting (writers); the members get an e-mail with the
    /// link and the calendar file.
    pub async fn schedule(
        &self,
        actor: &Actor,
        room: Uuid,
        input: MeetingInput,
    ) -> Result<MeetingRow, RoomsError> {
        let me = Self::me(actor)?;
        let (room, _) = self.writable(actor, room).await?;
        let mut errors = FieldErrors::new();
        let title = input.title.trim();
        if title.is_empty() {
            errors.add("title", "required");
        } else if title.chars().count() > 200 {
            errors.add("title", "text_too_long");
        }
        if !(5..=480).contains(&input.minutes) {
            errors.add("minutes", "rooms_meeting_minutes");
        }
        if input.starts_at < self.clock.now() - Duration::minutes(5) {
            errors.add("starts_at", "date_past");
        }
        if !errors.is_empty() {
            return Err(RoomsError::Invalid(errors));
        }
        let meeting = MeetingRow {
            id: Uuid::now_v7(),
            room_id: room.id,
            title: title.into(),
            starts_at: input.starts_at,
            ends_at: input.starts_at + Duration::minutes(input.minutes),
            jitsi_room: format!("rathaus-{}", Uuid::new_v4().simple()),
            organiser_id: me.0,
            created_at: self.clock.now(),
            case_id: None,
        };
        let addresses = self.member_addresses(actor, &room).await?;
        let mut tx = self.store.db().begin().await?;
        self.store.insert_meeting(&mut tx, &meeting).await?;
        for to in &addresses {
            let mail = identity::mail::OutgoingMail {
                to: to.clone(),
                subject: format!("Einladung: {} ({})", meeting.title, room.name),
                text: format!(
                    "Videokonferenz „{}“ im Raum „{}“\n{} – {}\n\nTeilnehmen: {}/arbeit/raeume/{}#termine\nKalenderdatei: {}/arbeit/raeume/{}/termine/{}.ics\n",
                    meeting.title,
                    room.name,
                    crate::pages::local_time(meeting.starts_at),
                    crate::pages::local_time(meeting.ends_at),
                    self.public_url,
                    room.id,
                    self.public_url,
                    room.id,
                    meeting.id
                ),
            };
            let payload = serde_json::to_value(&mail).map_err(internal)?;
            storage::jobs::enqueue(
                &mut tx,
                self.clock.as_ref(),
                storage::NewJob::new(identity::mail::MAIL_JOB, payload),
            )
            .await?;
        }
        self.audit(
            &mut tx,
            actor,
            "meeting.scheduled",
            vec![room.id.to_string(), meeting.id.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(meeting)
    }

    async fn member_addresses(
        &self,
        actor: &Actor,
        room: &RoomRow,
    ) -> Result<Vec<String>, RoomsError> {
        let mut out = Vec::new();
        for m in self.members(actor, room.id).await? {
            if Some(m.account_id) == actor.account.map(|a| a.0) {
                continue;
            }
            if let Ok((acc, _)) = self
                .identity
                .account(&Actor::system("rooms"), kernel::AccountId(m.account_id))
                .await
            {
                out.push(acc.email);
            }
        }
        Ok(out)
    }

    /// A meeting of a room.
    pub async fn meeting(
        &self,
        actor: &Actor,
        room: Uuid,
        id: Uuid,
    ) -> Result<(RoomRow, MeetingRow), RoomsError> {
        let (row, _) = self.room(actor, room).await?;
        let m = self
            .store
            .meeting(id)
            .await?
            .filter(|m| m.room_id == room)
            .ok_or(RoomsError::NotFound)?;
        Ok((row, m))
    }

    /// Starts a meeting now (an hour long) and returns how to join it.
    pub async fn start_now(
        &self,
        actor: &Actor,
        room: Uuid,
    ) -> Result<(MeetingRow, Join), RoomsError> {
        if !self.jitsi.configured() {
            return Err(RoomsError::Conflict("rooms_jitsi_missing".into()));
        }
        let (row, _) = self.room(actor, room).await?;
        let m = self
            .schedule(
                actor,
                room,
                MeetingInput {
                    title: format!("Videokonferenz {}", row.name),
                    starts_at: self.clock.now(),
                    minutes: 60,
                },
            )
            .await?;
        let join = self.join_meeting(actor, room, m.id).await?;
        Ok((m, join))
    }

    /// The address to join a meeting with a signed token: members of the
    /// room only, from 15 minutes before the start until an hour after the
    /// end; the organiser and the room's owners moderate.
    pub async fn join_meeting(
        &self,
        actor: &Actor,
        room: Uuid,
        id: Uuid,
    ) -> Result<Join, RoomsError> {
        let me = Self::me(actor)?;
        if !self.jitsi.configured() {
            return Err(RoomsError::Conflict("rooms_jitsi_missing".into()));
        }
        let (row, m) = self.meeting(actor, room, id).await?;
        let role = self.role_in(actor, &row).await?;
        self.in_time(&m)?;
        let (account, _) = self
            .identity
            .account(&Actor::system("rooms"), me)
            .await
            .map_err(internal)?;
        let moderator = m.organiser_id == me.0 || role == Some(RoomRole::Owner);
        self.token_for(&m, me.0, account.display_name, account.email, moderator)
    }

    /// The join link of a meeting with a token for one person.
    fn token_for(
        &self,
        m: &MeetingRow,
        id: Uuid,
        name: String,
        email: String,
        moderator: bool,
    ) -> Result<Join, RoomsError> {
        let now = self.clock.now();
        let claims = JitsiClaims {
            iss: self.jitsi.app_id.clone(),
            aud: if self.jitsi.audience.is_empty() {
                "jitsi".into()
            } else {
                self.jitsi.audience.clone()
            },
            sub: self.jitsi.domain(),
            room: m.jitsi_room.clone(),
            exp: (m.ends_at + Duration::minutes(GRACE)).timestamp(),
            nbf: (m.starts_at - Duration::minutes(15)).timestamp(),
            iat: now.timestamp(),
            context: JitsiContext {
                user: JitsiUser {
                    id: id.to_string(),
                    name,
                    email,
                    moderator,
                },
            },
            moderator,
        };
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(self.jitsi.secret.as_bytes()),
        )
        .map_err(internal)?;
        Ok(Join {
            url: format!(
                "{}/{}?jwt={token}",
                self.jitsi.base_url.trim_end_matches('/'),
                m.jitsi_room
            ),
            moderator,
            dial_in: self.jitsi.dial_in.clone(),
        })
    }

    /// Refuses a link outside the meeting's time (15 minutes before the
    /// start until an hour after the end).
    fn in_time(&self, m: &MeetingRow) -> Result<(), RoomsError> {
        let now = self.clock.now();
        if now > m.ends_at + Duration::minutes(GRACE) {
            return Err(RoomsError::Conflict("rooms_meeting_over".into()));
        }
        if now < m.starts_at - Duration::minutes(15) {
            return Err(RoomsError::Conflict("rooms_meeting_not_yet".into()));
        }
        Ok(())
    }

    /// Starts a video consultation on a case (staff who may work on it):
    /// a meeting of the unit's team room now, and a message on the case
    /// inviting the applicant (in the portal, with an e-mail). Without a
    /// Jitsi server, or when the applicant cannot be written to, nothing
    /// is made.
    pub async fn case_video(&self, actor: &Actor, case: Uuid) -> Result<MeetingRow, RoomsError> {
        let me = Self::me(actor)?;
        if !self.jitsi.configured() {
            return Err(RoomsError::Conflict("rooms_jitsi_missing".into()));
        }
        let directory = self
            .files
            .as_ref()
            .ok_or_else(|| internal("no case directory"))?;
        let Some((unit, reference)) = directory
            .case_for_video(actor, case)
            .await
            .map_err(internal)?
        else {
            return Err(RoomsError::NotFound);
        };
        let room = self.team_room(unit).await?;
        let now = self.clock.now();
        let meeting = MeetingRow {
            id: Uuid::now_v7(),
            room_id: room.id,
            title: format!("Videoberatung {reference}"),
            starts_at: now,
            ends_at: now + Duration::minutes(60),
            jitsi_room: format!("rathaus-{}", Uuid::new_v4().simple()),
            organiser_id: me.0,
            created_at: now,
            case_id: Some(case),
        };
        let mut tx = self.store.db().begin().await?;
        self.store.insert_meeting(&mut tx, &meeting).await?;
        self.audit(
            &mut tx,
            actor,
            "meeting.case_video",
            vec![case.to_string(), meeting.id.to_string()],
        )
        .await?;
        tx.commit().await?;
        let text = format!(
            "Wir laden Sie zu einer Videoberatung zu Ihrem Antrag {reference} ein. Sie beginnt jetzt; der Link gilt bis eine Stunde nach {} Uhr.\n\nTeilnehmen: {}/konto/videoberatung/{}\n\nSie brauchen nur einen aktuellen Browser mit Kamera und Mikrofon.",
            crate::pages::local_time(meeting.ends_at),
            self.public_url,
            meeting.id
        );
        match directory
            .tell_applicant(actor, case, &text)
            .await
            .map_err(internal)?
        {
            Ok(()) => Ok(meeting),
            Err(errors) => {
                // Nobody knows of it: it goes again.
                self.store.delete_meeting(meeting.id).await?;
                Err(RoomsError::Invalid(errors))
            }
        }
    }

    /// The applicant of the case joins its video consultation.
    pub async fn citizen_join(
        &self,
        citizen: &Actor,
        meeting: Uuid,
    ) -> Result<(MeetingRow, Join), RoomsError> {
        let (kernel::ActorKind::Citizen, Some(me)) = (&citizen.kind, citizen.account) else {
            return Err(RoomsError::Forbidden);
        };
        let m = self
            .store
            .meeting(meeting)
            .await?
            .ok_or(RoomsError::NotFound)?;
        let Some(case) = m.case_id else {
            return Err(RoomsError::NotFound);
        };
        let directory = self
            .files
            .as_ref()
            .ok_or_else(|| internal("no case directory"))?;
        if !directory
            .is_applicant(citizen, case)
            .await
            .map_err(internal)?
        {
            return Err(RoomsError::NotFound);
        }
        if !self.jitsi.configured() {
            return Err(RoomsError::Conflict("rooms_jitsi_missing".into()));
        }
        self.in_time(&m)?;
        let (account, _) = self
            .identity
            .account(&Actor::system("rooms"), me)
            .await
            .map_err(internal)?;
        let join = self.token_for(&m, me.0, account.display_name, account.email, false)?;
        Ok((m, join))
    }

    /// The calendar file of a meeting (RFC 5545).
    pub async fn meeting_ics(
        &self,
        actor: &Actor,
        room: Uuid,
        id: Uuid,
    ) -> Result<String, RoomsError> {
        use icalendar::{Component, EventLike};
        let (row, m) = self.meeting(actor, room, id).await?;
        let link = format!("{}/arbeit/raeume/{}#termine", self.public_url, row.id);
        let event = icalendar::Event::new()
            .uid(&format!("{}@rathaus", m.id))
            .summary(&m.title)
            .description(&format!("Videokonferenz im Raum „{}“: {link}", row.name))
            .location(&link)
            .starts(m.starts_at)
            .ends(m.ends_at)
            .timestamp(m.created_at)
            .done();
        let mut cal = icalendar::Calendar::new();
        cal.name(&row.name).push(event);
        Ok(cal.done().to_string())
    }
}
