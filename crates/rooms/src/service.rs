//! The use cases of team rooms. Every call checks the actor: who belongs
//! to a room follows from its kind (the org tree for team rooms, explicit
//! members for projects, anyone for communities and the intranet), and
//! only writers post.

use crate::domain::{MAX_MESSAGE, RoomKind, RoomRole, mentions};
use crate::live::{Change, Hub, RoomEvent};
use crate::store::{MemberRow, MessageRow, RoomRow, RoomsStore, VersionRow};
use identity::IdentityService;
use kernel::{AccountId, Actor, ActorKind, Clock, FieldErrors, OrgUnitId, Role};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::{AuditEntry, DbError, Tx};
use uuid::Uuid;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum RoomsError {
    /// Input to fix, per field.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// Not allowed for this actor.
    #[error("forbidden")]
    Forbidden,
    /// Not there (or not visible).
    #[error("not found")]
    NotFound,
    /// Conflicts with the current state (a code for the message).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("internal: {0}")]
    Internal(String),
}

pub(crate) fn internal(e: impl std::fmt::Display) -> RoomsError {
    RoomsError::Internal(e.to_string())
}

fn invalid(field: &str, code: &str) -> RoomsError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    RoomsError::Invalid(e)
}

/// A room as a person sees it in their list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoomEntry {
    /// The room.
    pub room: RoomRow,
    /// Their role (none: a community they may join).
    pub role: Option<RoomRole>,
    /// Messages of others they have not read.
    pub unread: i64,
}

/// A new room.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoom {
    /// `project` (private) or `community` (open).
    pub kind: String,
    /// Name.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
}

/// A message to post.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostInput {
    /// Text (1–4 000 characters).
    pub body: String,
    /// Reply in the thread of this message.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// A key the sender chooses per message (1–64 letters, digits, `-`,
    /// `_`): sending again with the same key returns the stored message.
    pub client_key: String,
}

/// A person in a room.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoomMember {
    /// Account.
    pub account_id: Uuid,
    /// Name.
    pub name: String,
    /// Role.
    pub role: RoomRole,
    /// From the org tree (not removable here) or added explicitly.
    pub from_org_tree: bool,
}

/// The use cases of team rooms.
pub struct RoomsService {
    pub(crate) store: RoomsStore,
    pub(crate) identity: Arc<IdentityService>,
    pub(crate) clock: Arc<dyn Clock>,
    hub: Hub,
    pub(crate) public_url: String,
    pub(crate) jitsi: crate::meetings::JitsiConfig,
    index: Option<Arc<storage::text_search::DocumentIndex>>,
    pub(crate) files: Option<Arc<dyn crate::files::FileDirectory>>,
}

impl RoomsService {
    /// The service.
    pub fn new(
        store: RoomsStore,
        identity: Arc<IdentityService>,
        clock: Arc<dyn Clock>,
        public_url: String,
    ) -> RoomsService {
        RoomsService {
            store,
            identity,
            clock,
            hub: Hub::new(1024),
            public_url,
            jitsi: crate::meetings::JitsiConfig::default(),
            index: None,
            files: None,
        }
    }

    /// Links to E-Akte files through this directory.
    pub fn with_files(mut self, files: Arc<dyn crate::files::FileDirectory>) -> RoomsService {
        self.files = Some(files);
        self
    }

    /// Search through this index (fed by [`crate::search::IndexJobs`]).
    pub fn with_index(mut self, index: Arc<storage::text_search::DocumentIndex>) -> RoomsService {
        self.index = Some(index);
        self
    }

    /// Enqueues a full rebuild when the index is empty but rooms have
    /// content (a new data directory, or a schema change).
    pub async fn ensure_index(&self) -> Result<bool, RoomsError> {
        let Some(index) = &self.index else {
            return Ok(false);
        };
        if !index.is_empty().map_err(internal)? {
            return Ok(false);
        }
        let any = !self
            .store
            .all_ids("rooms_message", "deleted_at IS NULL")
            .await?
            .is_empty()
            || !self
                .store
                .all_ids("rooms_wiki_page", "1 = 1")
                .await?
                .is_empty()
            || !self.store.all_ids("rooms_post", "1 = 1").await?.is_empty();
        if !any {
            return Ok(false);
        }
        let mut tx = self.store.db().begin().await?;
        storage::jobs::enqueue(
            &mut tx,
            self.clock.as_ref(),
            storage::NewJob::new(crate::search::INDEX_JOB, serde_json::json!({ "all": true })),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Searches the messages, wiki pages and news of every room the actor
    /// may read.
    pub async fn search(
        &self,
        actor: &Actor,
        query: &str,
    ) -> Result<(Vec<(crate::search::SearchHit, String)>, usize), RoomsError> {
        let Some(index) = &self.index else {
            return Ok((Vec::new(), 0));
        };
        let (mine, open) = self.my_rooms(actor).await?;
        let rooms: Vec<RoomRow> = mine.into_iter().chain(open).map(|e| e.room).collect();
        let scopes: Vec<String> = rooms.iter().map(|r| r.id.to_string()).collect();
        let results = index.search(query, Some(&scopes), 50).map_err(internal)?;
        let hits = results
            .hits
            .into_iter()
            .filter_map(|h| {
                let room = rooms.iter().find(|r| r.id.to_string() == h.file)?;
                Some((
                    crate::search::SearchHit {
                        kind: h.version,
                        room_id: room.id,
                        title: h.title,
                        link: h.reference,
                        passage_html: h.passage_html,
                    },
                    room.name.clone(),
                ))
            })
            .collect();
        Ok((hits, results.total))
    }

    /// Video meetings through this Jitsi server.
    pub fn with_jitsi(mut self, jitsi: crate::meetings::JitsiConfig) -> RoomsService {
        self.jitsi = jitsi;
        self
    }

    /// Video meetings are configured.
    pub fn video(&self) -> bool {
        self.jitsi.configured()
    }

    /// The phone dial-in of the Jitsi server, if any.
    pub fn dial_in(&self) -> String {
        self.jitsi.dial_in.clone()
    }

    /// The live channel.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    fn system() -> Actor {
        Actor::system("rooms")
    }

    /// The staff account acting (citizens and tokens without a person do
    /// not use rooms).
    pub(crate) fn me(actor: &Actor) -> Result<AccountId, RoomsError> {
        match (&actor.kind, actor.account) {
            (ActorKind::Staff, Some(a)) => Ok(a),
            (ActorKind::ApiToken { .. }, Some(a))
                if actor.has_scope("rooms:write") || actor.has_scope("rooms:read") =>
            {
                Ok(a)
            }
            _ => Err(RoomsError::Forbidden),
        }
    }

    async fn home_unit(&self, account: AccountId) -> Result<Option<OrgUnitId>, RoomsError> {
        self.identity
            .account(&Self::system(), account)
            .await
            .map(|(a, _)| a.org_unit)
            .map_err(internal)
    }

    pub(crate) async fn name_of(&self, account: AccountId) -> Result<String, RoomsError> {
        self.identity
            .account(&Self::system(), account)
            .await
            .map(|(a, _)| a.display_name)
            .map_err(|e| match e {
                identity::IdentityError::NotFound => RoomsError::NotFound,
                other => internal(other),
            })
    }

    pub(crate) async fn audit(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        action: &str,
        ids: Vec<String>,
    ) -> Result<(), RoomsError> {
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(actor.audit_label(), action, "rooms", ids),
        )
        .await?;
        Ok(())
    }

    /// The role of `actor` in `room`; `None`: they may not read it.
    /// Archived rooms are read-only for everyone.
    pub async fn role_in(
        &self,
        actor: &Actor,
        room: &RoomRow,
    ) -> Result<Option<RoomRole>, RoomsError> {
        let me = Self::me(actor)?;
        let explicit = self
            .store
            .members(room.id)
            .await?
            .into_iter()
            .find(|m| m.account_id == me.0)
            .and_then(|m| RoomRole::parse(&m.role));
        let implicit = match RoomKind::parse(&room.kind) {
            Some(RoomKind::Team) => match room.org_unit_id.map(OrgUnitId) {
                // Managers of the unit or above (and their acting
                // deputies, who hold their grants) own the room.
                Some(unit) if actor.has_role_in(Role::Manager, unit) => Some(RoomRole::Owner),
                Some(unit) => {
                    let today = self.clock.now().date_naive();
                    let mut people = vec![me];
                    people.extend(
                        self.identity
                            .represented_by(me, today)
                            .await
                            .map_err(internal)?,
                    );
                    let mut member = None;
                    for p in people {
                        if self.home_unit(p).await? == Some(unit) {
                            member = Some(RoomRole::Member);
                            break;
                        }
                    }
                    member
                }
                None => None,
            },
            Some(RoomKind::Intranet) => Some(if actor.has_role_anywhere(Role::Admin) {
                RoomRole::Owner
            } else {
                RoomRole::Reader
            }),
            Some(RoomKind::Community) => Some(RoomRole::Reader),
            _ => None,
        };
        let role = match (explicit, implicit) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let role = if room.archived_at.is_some() {
            role.map(|_| RoomRole::Reader)
        } else {
            role
        };
        // A token reads only with its scope, writes only with the other.
        let role = match &actor.kind {
            ActorKind::ApiToken { .. } if !actor.has_scope("rooms:write") => {
                role.map(|_| RoomRole::Reader)
            }
            _ => role,
        };
        Ok(role)
    }

    /// The room and the actor's role, when they may read it.
    pub async fn room(&self, actor: &Actor, id: Uuid) -> Result<(RoomRow, RoomRole), RoomsError> {
        let room = self.store.room(id).await?.ok_or(RoomsError::NotFound)?;
        match self.role_in(actor, &room).await? {
            Some(role) => Ok((room, role)),
            None => Err(RoomsError::NotFound),
        }
    }

    pub(crate) async fn writable(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(RoomRow, RoomRole), RoomsError> {
        let (room, role) = self.room(actor, id).await?;
        if room.archived_at.is_some() {
            return Err(RoomsError::Conflict("rooms_archived".into()));
        }
        if !role.writes() {
            return Err(RoomsError::Forbidden);
        }
        Ok((room, role))
    }

    fn new_row(&self, kind: RoomKind, name: &str, description: &str, actor: &Actor) -> RoomRow {
        let now = self.clock.now();
        RoomRow {
            id: Uuid::now_v7(),
            kind: kind.as_str().into(),
            name: name.into(),
            description: description.into(),
            org_unit_id: None,
            direct_key: None,
            last_seq: 0,
            archived_at: None,
            created_by: actor.name.clone(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Makes the team rooms of the actor's home unit and of the units they
    /// manage, and the intranet, when they do not exist yet.
    pub(crate) async fn ensure_rooms(
        &self,
        actor: &Actor,
        me: AccountId,
    ) -> Result<(), RoomsError> {
        let mut units: Vec<OrgUnitId> = actor.units_with(&[Role::Manager]);
        if let Some(home) = self.home_unit(me).await? {
            units.push(home);
        }
        let all = self
            .identity
            .org_units(&Self::system())
            .await
            .map_err(internal)?;
        let mut missing = Vec::new();
        for u in units {
            if self.store.room_by_unit(u.0).await?.is_none()
                && let Some(unit) = all.iter().find(|x| x.id == u)
            {
                let mut row = self.new_row(RoomKind::Team, &unit.name, "", &Self::system());
                row.org_unit_id = Some(u.0);
                missing.push(row);
            }
        }
        let intranet = self.store.intranet().await?.is_none();
        if missing.is_empty() && !intranet {
            return Ok(());
        }
        let mut tx = self.store.db().begin().await?;
        for row in &missing {
            self.store.insert_room(&mut tx, row).await?;
        }
        if intranet {
            let row = self.new_row(
                RoomKind::Intranet,
                "Intranet",
                "Neuigkeiten für alle Beschäftigten",
                &Self::system(),
            );
            self.store.insert_room(&mut tx, &row).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The team room of a unit (made on first use).
    pub(crate) async fn team_room(&self, unit: OrgUnitId) -> Result<RoomRow, RoomsError> {
        if let Some(room) = self.store.room_by_unit(unit.0).await? {
            return Ok(room);
        }
        let all = self
            .identity
            .org_units(&Self::system())
            .await
            .map_err(internal)?;
        let name = all
            .iter()
            .find(|u| u.id == unit)
            .map(|u| u.name.clone())
            .ok_or(RoomsError::NotFound)?;
        let mut row = self.new_row(RoomKind::Team, &name, "", &Self::system());
        row.org_unit_id = Some(unit.0);
        let mut tx = self.store.db().begin().await?;
        self.store.insert_room(&mut tx, &row).await?;
        tx.commit().await?;
        self.store
            .room_by_unit(unit.0)
            .await?
            .ok_or(RoomsError::NotFound)
    }

    /// The rooms the actor belongs to (with unread counts), then the
    /// communities they may join.
    pub async fn my_rooms(
        &self,
        actor: &Actor,
    ) -> Result<(Vec<RoomEntry>, Vec<RoomEntry>), RoomsError> {
        let me = Self::me(actor)?;
        self.ensure_rooms(actor, me).await?;
        let mut units: Vec<Uuid> = actor
            .units_with(&[Role::Manager])
            .into_iter()
            .map(|u| u.0)
            .collect();
        if let Some(home) = self.home_unit(me).await? {
            units.push(home.0);
        }
        let today = self.clock.now().date_naive();
        for p in self
            .identity
            .represented_by(me, today)
            .await
            .map_err(internal)?
        {
            if let Some(u) = self.home_unit(p).await? {
                units.push(u.0);
            }
        }
        let explicit: Vec<Uuid> = self
            .store
            .memberships(me.0)
            .await?
            .into_iter()
            .map(|m| m.room_id)
            .collect();
        let mut rooms = self.store.open_rooms(&units).await?;
        for r in self.store.rooms(&explicit).await? {
            if !rooms.iter().any(|x| x.id == r.id) {
                rooms.push(r);
            }
        }
        let ids: Vec<Uuid> = rooms.iter().map(|r| r.id).collect();
        let unread = self.store.unread(me.0, &ids).await?;
        let mut mine = Vec::new();
        let mut open = Vec::new();
        for room in rooms {
            let role = self.role_in(actor, &room).await?;
            let is_member = role.is_some()
                && (room.kind != RoomKind::Community.as_str() || explicit.contains(&room.id));
            let entry = RoomEntry {
                unread: if is_member {
                    unread
                        .iter()
                        .find(|(r, _)| *r == room.id)
                        .map_or(0, |(_, n)| *n)
                } else {
                    0
                },
                role: if is_member { role } else { None },
                room,
            };
            if is_member {
                mine.push(entry);
            } else if entry.room.kind == RoomKind::Community.as_str()
                && entry.room.archived_at.is_none()
            {
                open.push(entry);
            }
        }
        // Direct rooms show the other person's name.
        for e in &mut mine {
            if e.room.kind == RoomKind::Direct.as_str() {
                e.room.name = self.direct_name(&e.room, me).await?;
            }
        }
        mine.sort_by_key(|e| (kind_order(&e.room.kind), e.room.name.to_lowercase()));
        Ok((mine, open))
    }

    async fn direct_name(&self, room: &RoomRow, me: AccountId) -> Result<String, RoomsError> {
        let other = self
            .store
            .members(room.id)
            .await?
            .into_iter()
            .find(|m| m.account_id != me.0);
        match other {
            Some(m) => self.name_of(AccountId(m.account_id)).await,
            None => Ok(room.name.clone()),
        }
    }

    /// A project room (private) or a community (open); the creator owns it.
    pub async fn create_room(&self, actor: &Actor, input: NewRoom) -> Result<RoomRow, RoomsError> {
        let me = Self::me(actor)?;
        if !actor.has_scope("rooms:write") && !matches!(actor.kind, ActorKind::Staff) {
            return Err(RoomsError::Forbidden);
        }
        let mut errors = FieldErrors::new();
        let kind = match RoomKind::parse(&input.kind) {
            Some(k @ (RoomKind::Project | RoomKind::Community)) => Some(k),
            _ => {
                errors.add("kind", "rooms_kind_invalid");
                None
            }
        };
        let name = input.name.trim();
        if name.is_empty() {
            errors.add("name", "required");
        } else if name.chars().count() > 120 {
            errors.add("name", "text_too_long");
        }
        if input.description.chars().count() > 2000 {
            errors.add("description", "text_too_long");
        }
        let Some(kind) = kind.filter(|_| errors.is_empty()) else {
            return Err(RoomsError::Invalid(errors));
        };
        let row = self.new_row(kind, name, input.description.trim(), actor);
        let mut tx = self.store.db().begin().await?;
        self.store.insert_room(&mut tx, &row).await?;
        self.store
            .put_member(
                &mut tx,
                &MemberRow {
                    room_id: row.id,
                    account_id: me.0,
                    role: RoomRole::Owner.as_str().into(),
                    added_by: actor.name.clone(),
                    created_at: row.created_at,
                },
            )
            .await?;
        self.audit(&mut tx, actor, "room.created", vec![row.id.to_string()])
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Joins an open community.
    pub async fn join(&self, actor: &Actor, id: Uuid) -> Result<(), RoomsError> {
        let me = Self::me(actor)?;
        let (room, _) = self.room(actor, id).await?;
        if room.kind != RoomKind::Community.as_str() {
            return Err(RoomsError::Forbidden);
        }
        if room.archived_at.is_some() {
            return Err(RoomsError::Conflict("rooms_archived".into()));
        }
        let mut tx = self.store.db().begin().await?;
        if !self
            .store
            .members(id)
            .await?
            .iter()
            .any(|m| m.account_id == me.0)
        {
            self.store
                .put_member(
                    &mut tx,
                    &MemberRow {
                        room_id: id,
                        account_id: me.0,
                        role: RoomRole::Member.as_str().into(),
                        added_by: actor.name.clone(),
                        created_at: self.clock.now(),
                    },
                )
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Leaves a room one was added to (not a team room one belongs to by
    /// the org tree).
    pub async fn leave(&self, actor: &Actor, id: Uuid) -> Result<(), RoomsError> {
        let me = Self::me(actor)?;
        let members = self.store.members(id).await?;
        let owners = members
            .iter()
            .filter(|m| m.role == RoomRole::Owner.as_str())
            .count();
        let Some(mine) = members.iter().find(|m| m.account_id == me.0) else {
            return Err(RoomsError::NotFound);
        };
        if mine.role == RoomRole::Owner.as_str() && owners == 1 && members.len() > 1 {
            return Err(RoomsError::Conflict("rooms_last_owner".into()));
        }
        let mut tx = self.store.db().begin().await?;
        self.store.delete_member(&mut tx, id, me.0).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The owner adds a person (by e-mail address) or changes their role.
    pub async fn add_member(
        &self,
        actor: &Actor,
        id: Uuid,
        email: &str,
        role: &str,
    ) -> Result<RoomMember, RoomsError> {
        let (room, my_role) = self.writable(actor, id).await?;
        if my_role != RoomRole::Owner || room.kind == RoomKind::Direct.as_str() {
            return Err(RoomsError::Forbidden);
        }
        let mut errors = FieldErrors::new();
        let role = RoomRole::parse(role);
        if role.is_none() {
            errors.add("role", "rooms_role_invalid");
        }
        let staff = match self.staff_by_email(email).await? {
            Some(a) => Some(
                self.identity
                    .account(&Self::system(), a)
                    .await
                    .map_err(internal)?
                    .0,
            ),
            None => None,
        };
        if staff.is_none() {
            errors.add("email", "rooms_person_unknown");
        }
        let (Some(role), Some(person)) = (role, staff) else {
            return Err(RoomsError::Invalid(errors));
        };
        let mut tx = self.store.db().begin().await?;
        self.store
            .put_member(
                &mut tx,
                &MemberRow {
                    room_id: id,
                    account_id: person.id.0,
                    role: role.as_str().into(),
                    added_by: actor.name.clone(),
                    created_at: self.clock.now(),
                },
            )
            .await?;
        self.audit(
            &mut tx,
            actor,
            "room.member_added",
            vec![id.to_string(), person.id.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(RoomMember {
            account_id: person.id.0,
            name: person.display_name,
            role,
            from_org_tree: false,
        })
    }

    /// An active staff member by e-mail address.
    pub async fn staff_by_email(&self, email: &str) -> Result<Option<AccountId>, RoomsError> {
        let Some(a) = self
            .identity
            .account_id_by_email(email.trim())
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        Ok(match self.identity.account(&Self::system(), a).await {
            Ok((acc, _))
                if acc.kind == identity::domain::AccountKind::Staff
                    && acc.status == identity::domain::AccountStatus::Active =>
            {
                Some(a)
            }
            _ => None,
        })
    }

    /// The owner removes an explicit member.
    pub async fn remove_member(
        &self,
        actor: &Actor,
        id: Uuid,
        account: Uuid,
    ) -> Result<(), RoomsError> {
        let (_, my_role) = self.writable(actor, id).await?;
        if my_role != RoomRole::Owner {
            return Err(RoomsError::Forbidden);
        }
        let mut tx = self.store.db().begin().await?;
        if !self.store.delete_member(&mut tx, id, account).await? {
            return Err(RoomsError::NotFound);
        }
        self.audit(
            &mut tx,
            actor,
            "room.member_removed",
            vec![id.to_string(), account.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The people of a room: the org tree's (team rooms) and the explicit
    /// ones.
    pub async fn members(&self, actor: &Actor, id: Uuid) -> Result<Vec<RoomMember>, RoomsError> {
        let (room, _) = self.room(actor, id).await?;
        let mut out = Vec::new();
        if let Some(unit) = room.org_unit_id {
            for (a, name, _) in self
                .identity
                .members_of(&[OrgUnitId(unit)])
                .await
                .map_err(internal)?
            {
                out.push(RoomMember {
                    account_id: a.0,
                    name,
                    role: RoomRole::Member,
                    from_org_tree: true,
                });
            }
            for (a, name) in self
                .identity
                .holders_for(Role::Manager, OrgUnitId(unit))
                .await
                .map_err(internal)?
            {
                out.retain(|m| m.account_id != a.0);
                out.push(RoomMember {
                    account_id: a.0,
                    name,
                    role: RoomRole::Owner,
                    from_org_tree: true,
                });
            }
        }
        for m in self.store.members(id).await? {
            if out.iter().any(|x| x.account_id == m.account_id) {
                continue;
            }
            out.push(RoomMember {
                account_id: m.account_id,
                name: self.name_of(AccountId(m.account_id)).await?,
                role: RoomRole::parse(&m.role).unwrap_or(RoomRole::Reader),
                from_org_tree: false,
            });
        }
        out.sort_by_key(|m| m.name.to_lowercase());
        Ok(out)
    }

    /// The owner archives the room (read-only) or opens it again.
    pub async fn set_archived(
        &self,
        actor: &Actor,
        id: Uuid,
        archived: bool,
    ) -> Result<RoomRow, RoomsError> {
        Self::me(actor)?;
        let room = self.store.room(id).await?.ok_or(RoomsError::NotFound)?;
        // The role as if the room were open: archiving makes everyone a
        // reader, but its owner may open it again.
        let open = RoomRow {
            archived_at: None,
            ..room.clone()
        };
        if self.role_in(actor, &open).await? != Some(RoomRole::Owner)
            || room.kind == RoomKind::Direct.as_str()
        {
            return Err(RoomsError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        self.store
            .set_archived(&mut tx, id, archived.then_some(now), now)
            .await?;
        self.audit(
            &mut tx,
            actor,
            if archived {
                "room.archived"
            } else {
                "room.reopened"
            },
            vec![id.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(RoomRow {
            archived_at: archived.then_some(now),
            updated_at: now,
            ..room
        })
    }

    /// The direct room of the actor and another staff member (made on
    /// first use).
    pub async fn direct(&self, actor: &Actor, other: AccountId) -> Result<RoomRow, RoomsError> {
        let me = Self::me(actor)?;
        if other == me {
            return Err(invalid("account_id", "rooms_direct_self"));
        }
        let (acc, _) = self
            .identity
            .account(&Self::system(), other)
            .await
            .map_err(|_| RoomsError::NotFound)?;
        if acc.kind != identity::domain::AccountKind::Staff {
            return Err(RoomsError::NotFound);
        }
        let (a, b) = if me.0 < other.0 {
            (me.0, other.0)
        } else {
            (other.0, me.0)
        };
        let key = format!("{a}:{b}");
        if let Some(room) = self.store.room_by_pair(&key).await? {
            return Ok(room);
        }
        let mut row = self.new_row(RoomKind::Direct, &acc.display_name, "", actor);
        row.direct_key = Some(key.clone());
        let mut tx = self.store.db().begin().await?;
        if self.store.insert_room(&mut tx, &row).await? {
            for p in [me, other] {
                self.store
                    .put_member(
                        &mut tx,
                        &MemberRow {
                            room_id: row.id,
                            account_id: p.0,
                            role: RoomRole::Member.as_str().into(),
                            added_by: actor.name.clone(),
                            created_at: row.created_at,
                        },
                    )
                    .await?;
            }
        }
        tx.commit().await?;
        self.store
            .room_by_pair(&key)
            .await?
            .ok_or(RoomsError::NotFound)
    }

    /// Posts a message (or a reply). Stored before it is announced; a
    /// second call with the same key returns the stored message and
    /// `false` (nothing stored twice, nothing announced twice).
    pub async fn post(
        &self,
        actor: &Actor,
        room_id: Uuid,
        input: PostInput,
    ) -> Result<(MessageRow, bool), RoomsError> {
        let me = Self::me(actor)?;
        let (room, _) = self.writable(actor, room_id).await?;
        let body = input.body.trim().to_owned();
        let mut errors = FieldErrors::new();
        if body.is_empty() {
            errors.add("body", "rooms_message_empty");
        } else if body.chars().count() > MAX_MESSAGE {
            errors.add("body", "rooms_message_too_long");
        }
        let key = input.client_key.trim();
        if key.is_empty()
            || key.len() > 64
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.add("client_key", "rooms_client_key_invalid");
        }
        // A reply joins the thread of the message it answers.
        let parent = match input.parent_id {
            Some(p) => match self.store.message(p).await? {
                Some(m) if m.room_id == room.id => Some(m.parent_id.unwrap_or(m.id)),
                _ => {
                    errors.add("parent_id", "rooms_parent_unknown");
                    None
                }
            },
            None => None,
        };
        if !errors.is_empty() {
            return Err(RoomsError::Invalid(errors));
        }
        let author_name = self.name_of(me).await?;
        // Who is mentioned, among the people who may read the room.
        let mut mentioned: Vec<(AccountId, String)> = Vec::new();
        for local in mentions(&body).into_iter().take(20) {
            for (a, _, _) in self
                .identity
                .staff_by_local_part(&local)
                .await
                .map_err(internal)?
            {
                if a == me || mentioned.iter().any(|(x, _)| *x == a) {
                    continue;
                }
                let (acc, _) = self
                    .identity
                    .account(&Self::system(), a)
                    .await
                    .map_err(internal)?;
                let as_actor = self.identity.actor_for(&acc).await.map_err(internal)?;
                if self.role_in(&as_actor, &room).await?.is_some() {
                    mentioned.push((a, acc.email));
                }
            }
        }
        let mut tx = self.store.db().begin().await?;
        if let Some(existing) = self.store.message_by_key(&mut tx, me.0, key).await? {
            drop(tx);
            if existing.room_id != room.id {
                return Err(invalid("client_key", "rooms_client_key_used"));
            }
            return Ok((existing, false));
        }
        let seq = self.store.next_seq(&mut tx, room.id).await?;
        let message = MessageRow {
            id: Uuid::now_v7(),
            room_id: room.id,
            seq,
            author_id: me.0,
            author_name: author_name.clone(),
            parent_id: parent,
            body,
            client_key: key.to_owned(),
            created_at: self.clock.now(),
            edited_at: None,
            deleted_at: None,
        };
        self.store.insert_message(&mut tx, &message).await?;
        crate::search::enqueue(
            &mut tx,
            self.clock.as_ref(),
            crate::search::Entry::Message,
            message.id,
        )
        .await?;
        let ids: Vec<Uuid> = mentioned.iter().map(|(a, _)| a.0).collect();
        self.store
            .insert_mentions(&mut tx, message.id, &ids)
            .await?;
        for (_, email) in &mentioned {
            self.mail_in(&mut tx, email, &room, &message).await?;
        }
        // The author has read what they wrote.
        self.store.mark_read(&mut tx, room.id, me.0, seq).await?;
        tx.commit().await?;
        self.hub
            .announce(RoomEvent::new(Change::Posted, message.clone()));
        Ok((message, true))
    }

    async fn mail_in(
        &self,
        tx: &mut Tx,
        to: &str,
        room: &RoomRow,
        m: &MessageRow,
    ) -> Result<(), RoomsError> {
        let excerpt: String = m.body.chars().take(300).collect();
        let mail = identity::mail::OutgoingMail {
            to: to.to_owned(),
            subject: format!("{} hat Sie in „{}“ erwähnt", m.author_name, room.name),
            text: format!(
                "{} hat Sie im Raum „{}“ erwähnt:\n\n{}\n\n{}/arbeit/raeume/{}#m-{}\n",
                m.author_name, room.name, excerpt, self.public_url, room.id, m.id
            ),
        };
        let payload = serde_json::to_value(&mail).map_err(internal)?;
        storage::jobs::enqueue(
            tx,
            self.clock.as_ref(),
            storage::NewJob::new(identity::mail::MAIL_JOB, payload),
        )
        .await?;
        Ok(())
    }

    async fn own_message(
        &self,
        actor: &Actor,
        room_id: Uuid,
        id: Uuid,
    ) -> Result<MessageRow, RoomsError> {
        let me = Self::me(actor)?;
        self.writable(actor, room_id).await?;
        let m = self
            .store
            .message(id)
            .await?
            .filter(|m| m.room_id == room_id)
            .ok_or(RoomsError::NotFound)?;
        if m.author_id != me.0 {
            return Err(RoomsError::Forbidden);
        }
        if m.deleted_at.is_some() {
            return Err(RoomsError::Conflict("rooms_message_deleted".into()));
        }
        Ok(m)
    }

    /// The author changes their message; the earlier text is kept and the
    /// message shows that it was edited.
    pub async fn edit(
        &self,
        actor: &Actor,
        room_id: Uuid,
        id: Uuid,
        body: &str,
    ) -> Result<MessageRow, RoomsError> {
        let old = self.own_message(actor, room_id, id).await?;
        let body = body.trim();
        if body.is_empty() {
            return Err(invalid("body", "rooms_message_empty"));
        }
        if body.chars().count() > MAX_MESSAGE {
            return Err(invalid("body", "rooms_message_too_long"));
        }
        if body == old.body {
            return Ok(old);
        }
        let now = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        self.store.edit_message(&mut tx, &old, body, now).await?;
        crate::search::enqueue(
            &mut tx,
            self.clock.as_ref(),
            crate::search::Entry::Message,
            old.id,
        )
        .await?;
        tx.commit().await?;
        let message = MessageRow {
            body: body.to_owned(),
            edited_at: Some(now),
            ..old
        };
        self.hub
            .announce(RoomEvent::new(Change::Edited, message.clone()));
        Ok(message)
    }

    /// The author deletes their message (its text and earlier versions).
    pub async fn delete(&self, actor: &Actor, room_id: Uuid, id: Uuid) -> Result<(), RoomsError> {
        let old = self.own_message(actor, room_id, id).await?;
        let now = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        self.store.delete_message(&mut tx, id, now).await?;
        crate::search::enqueue(
            &mut tx,
            self.clock.as_ref(),
            crate::search::Entry::Message,
            id,
        )
        .await?;
        tx.commit().await?;
        let message = MessageRow {
            body: String::new(),
            deleted_at: Some(now),
            ..old
        };
        self.hub.announce(RoomEvent::new(Change::Deleted, message));
        Ok(())
    }

    /// The newest threads of a room (oldest first) with their reply
    /// counts; reading them marks the room read.
    pub async fn latest(
        &self,
        actor: &Actor,
        room_id: Uuid,
        limit: i64,
    ) -> Result<Vec<(MessageRow, i64)>, RoomsError> {
        let me = Self::me(actor)?;
        let (room, _) = self.room(actor, room_id).await?;
        let out = self.store.latest(room_id, limit.clamp(1, 200)).await?;
        let mut tx = self.store.db().begin().await?;
        self.store
            .mark_read(&mut tx, room_id, me.0, room.last_seq)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Messages after `seq` (what a reconnecting browser missed).
    pub async fn since(
        &self,
        actor: &Actor,
        room_id: Uuid,
        seq: i64,
    ) -> Result<Vec<MessageRow>, RoomsError> {
        self.room(actor, room_id).await?;
        Ok(self.store.since(room_id, seq, 500).await?)
    }

    /// A thread: its first message and the replies.
    pub async fn thread(
        &self,
        actor: &Actor,
        room_id: Uuid,
        id: Uuid,
    ) -> Result<(MessageRow, Vec<MessageRow>), RoomsError> {
        self.room(actor, room_id).await?;
        let m = self
            .store
            .message(id)
            .await?
            .filter(|m| m.room_id == room_id)
            .ok_or(RoomsError::NotFound)?;
        let first = match m.parent_id {
            Some(p) => self.store.message(p).await?.ok_or(RoomsError::NotFound)?,
            None => m,
        };
        let replies = self.store.replies(first.id).await?;
        Ok((first, replies))
    }

    /// A message with its earlier texts (the edit history).
    pub async fn history(
        &self,
        actor: &Actor,
        room_id: Uuid,
        id: Uuid,
    ) -> Result<(MessageRow, Vec<VersionRow>), RoomsError> {
        self.room(actor, room_id).await?;
        let m = self
            .store
            .message(id)
            .await?
            .filter(|m| m.room_id == room_id)
            .ok_or(RoomsError::NotFound)?;
        let versions = self.store.versions(id).await?;
        Ok((m, versions))
    }

    /// Messages that mention the actor, newest first, in rooms they still
    /// read.
    pub async fn my_mentions(&self, actor: &Actor) -> Result<Vec<MessageRow>, RoomsError> {
        let me = Self::me(actor)?;
        let mut out = Vec::new();
        for m in self.store.mentions_of(me.0, 50).await? {
            if let Some(room) = self.store.room(m.room_id).await?
                && self.role_in(actor, &room).await?.is_some()
            {
                out.push(m);
            }
        }
        Ok(out)
    }
}

/// Team rooms first, then projects, communities, the intranet, direct.
fn kind_order(kind: &str) -> u8 {
    match RoomKind::parse(kind) {
        Some(RoomKind::Team) => 0,
        Some(RoomKind::Project) => 1,
        Some(RoomKind::Community) => 2,
        Some(RoomKind::Intranet) => 3,
        _ => 4,
    }
}
