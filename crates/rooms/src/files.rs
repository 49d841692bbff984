//! Links from a room to the E-Akte files (cases) it works on. A link is
//! made only by a writer of the room who may open the case; it leads to
//! the case's own page, which checks every reader again — a room never
//! opens a file to someone the E-Akte would refuse.

use crate::service::{RoomsError, RoomsService, internal};
use crate::store::FileLinkRow;
use kernel::{Actor, FieldErrors};
use uuid::Uuid;

/// Finds E-Akte files for links (the cases context answers).
#[async_trait::async_trait]
pub trait FileDirectory: Send + Sync {
    /// The case with this file reference, when `actor` may open it:
    /// (case id, title to show).
    async fn find(&self, actor: &Actor, reference: &str) -> Result<Option<(Uuid, String)>, String>;

    /// The unit and file reference of a case `actor` may work on.
    async fn case_for_video(
        &self,
        actor: &Actor,
        case: Uuid,
    ) -> Result<Option<(kernel::OrgUnitId, String)>, String>;

    /// Writes to the case's applicant as `actor` (in the portal, with an
    /// e-mail); field errors when they cannot be written to.
    async fn tell_applicant(
        &self,
        actor: &Actor,
        case: Uuid,
        text: &str,
    ) -> Result<Result<(), FieldErrors>, String>;

    /// Whether `citizen` applied for the case.
    async fn is_applicant(&self, citizen: &Actor, case: Uuid) -> Result<bool, String>;
}

impl RoomsService {
    /// The files a room works on.
    pub async fn files(&self, actor: &Actor, room: Uuid) -> Result<Vec<FileLinkRow>, RoomsError> {
        self.room(actor, room).await?;
        Ok(self.store.file_links(room).await?)
    }

    /// Links a file by its reference (writers who may open it).
    pub async fn link_file(
        &self,
        actor: &Actor,
        room: Uuid,
        reference: &str,
    ) -> Result<FileLinkRow, RoomsError> {
        let (room, _) = self.writable(actor, room).await?;
        let Some(directory) = &self.files else {
            return Err(internal("no file directory"));
        };
        let found = directory.find(actor, reference).await.map_err(internal)?;
        let Some((file_id, title)) = found else {
            let mut e = FieldErrors::new();
            e.add("reference", "rooms_file_unknown");
            return Err(RoomsError::Invalid(e));
        };
        let link = FileLinkRow {
            room_id: room.id,
            file_id,
            title,
            added_by: actor.name.clone(),
            created_at: self.clock.now(),
        };
        let mut tx = self.store.db().begin().await?;
        self.store.put_file_link(&mut tx, &link).await?;
        self.audit(
            &mut tx,
            actor,
            "room.file_linked",
            vec![room.id.to_string(), file_id.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(link)
    }

    /// Removes a link (writers).
    pub async fn unlink_file(
        &self,
        actor: &Actor,
        room: Uuid,
        file: Uuid,
    ) -> Result<(), RoomsError> {
        let (room, _) = self.writable(actor, room).await?;
        let mut tx = self.store.db().begin().await?;
        if !self.store.delete_file_link(&mut tx, room.id, file).await? {
            return Err(RoomsError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}
