//! Use cases of form versions: editors write drafts, publish them (only
//! when the definition passes its checks), and everyone reads the version
//! in use. Each change writes its access-log entry in its transaction.

use crate::definition::{FormDefinition, check_definition};
use crate::store::{FormVersion, FormsStore, VersionStatus};
use catalogue::CatalogueService;
use kernel::{Actor, Clock, FieldErrors, FormVersionId, Role, ServiceId};
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::{AccessLog, AuditEntry, DbError};

/// Errors of form use cases.
#[derive(Debug, thiserror::Error)]
pub enum FormsError {
    /// The definition or request is invalid.
    #[error("invalid")]
    Invalid(FieldErrors),
    /// Answers of an application need fixing (named per field).
    #[error("answers invalid")]
    Answers(FieldErrors),
    /// Not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Unknown.
    #[error("not found")]
    NotFound,
    /// The state does not allow it (a published version is frozen; a draft
    /// exists already).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("{0}")]
    Internal(String),
}

/// The form version use cases.
#[derive(Clone)]
pub struct FormsService {
    store: FormsStore,
    catalogue: Arc<CatalogueService>,
    clock: Arc<dyn Clock>,
    log: AccessLog,
}

impl FormsService {
    /// The service.
    pub fn new(
        store: FormsStore,
        catalogue: Arc<CatalogueService>,
        clock: Arc<dyn Clock>,
        log: AccessLog,
    ) -> Self {
        FormsService {
            store,
            catalogue,
            clock,
            log,
        }
    }

    fn require_editor(actor: &Actor) -> Result<(), FormsError> {
        if actor.is_system()
            || (actor.has_role_anywhere(Role::Admin) && actor.has_scope("catalogue:write"))
        {
            Ok(())
        } else {
            Err(FormsError::Forbidden)
        }
    }

    async fn require_service(&self, service: ServiceId) -> Result<(), FormsError> {
        match self.catalogue.get(&Actor::system("forms"), service).await {
            Ok(_) => Ok(()),
            Err(catalogue::CatalogueError::NotFound) => Err(FormsError::NotFound),
            Err(e) => Err(FormsError::Internal(e.to_string())),
        }
    }

    async fn audit(
        &self,
        tx: &mut storage::Tx,
        actor: &Actor,
        action: &str,
        id: FormVersionId,
    ) -> Result<(), FormsError> {
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                actor.audit_label(),
                action,
                "form_version",
                vec![id.to_string()],
            ),
        )
        .await?;
        Ok(())
    }

    /// The title of the catalogue service (for headings).
    pub async fn service_title(&self, service: ServiceId) -> Result<String, FormsError> {
        self.service_titles(&[service])
            .await?
            .remove(&service)
            .ok_or(FormsError::NotFound)
    }

    /// The titles of catalogue services, in one query (lists of drafts,
    /// submissions and consents).
    pub async fn service_titles(
        &self,
        ids: &[ServiceId],
    ) -> Result<std::collections::HashMap<ServiceId, String>, FormsError> {
        self.catalogue
            .titles(ids)
            .await
            .map_err(|e| FormsError::Internal(e.to_string()))
    }

    /// All versions of a service's form (editors).
    pub async fn versions(
        &self,
        actor: &Actor,
        service: ServiceId,
    ) -> Result<Vec<FormVersion>, FormsError> {
        Self::require_editor(actor)?;
        self.require_service(service).await?;
        Ok(self.store.versions(service).await?)
    }

    /// Starts a new draft (editors); one draft at a time per service.
    pub async fn create_draft(
        &self,
        actor: &Actor,
        service: ServiceId,
        def: FormDefinition,
    ) -> Result<FormVersion, FormsError> {
        Self::require_editor(actor)?;
        self.require_service(service).await?;
        if self
            .store
            .versions(service)
            .await?
            .iter()
            .any(|v| v.status == VersionStatus::Draft)
        {
            return Err(FormsError::Conflict(
                "A draft exists already; change it instead.".into(),
            ));
        }
        let id = FormVersionId::new();
        let mut tx = self.store.db().begin().await?;
        self.store
            .insert_draft(&mut tx, id, service, &def, self.clock.now())
            .await
            .map_err(|e| {
                if e.is_unique_violation() {
                    FormsError::Conflict("Another version was created meanwhile.".into())
                } else {
                    e.into()
                }
            })?;
        self.audit(&mut tx, actor, "form_version.created", id)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        self.store.version(id).await?.ok_or(FormsError::NotFound)
    }

    /// Changes a draft (editors); a published version cannot change.
    pub async fn update_draft(
        &self,
        actor: &Actor,
        id: FormVersionId,
        def: FormDefinition,
    ) -> Result<FormVersion, FormsError> {
        Self::require_editor(actor)?;
        self.store.version(id).await?.ok_or(FormsError::NotFound)?;
        let mut tx = self.store.db().begin().await?;
        if !self.store.update_draft(&mut tx, id, &def).await? {
            return Err(FormsError::Conflict(
                "A published version never changes; start a new draft.".into(),
            ));
        }
        self.audit(&mut tx, actor, "form_version.updated", id)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        self.store.version(id).await?.ok_or(FormsError::NotFound)
    }

    /// Publishes a draft whose definition passes its checks; the version
    /// published before is retired.
    pub async fn publish(
        &self,
        actor: &Actor,
        id: FormVersionId,
    ) -> Result<FormVersion, FormsError> {
        Self::require_editor(actor)?;
        let v = self.store.version(id).await?.ok_or(FormsError::NotFound)?;
        if v.status != VersionStatus::Draft {
            return Err(FormsError::Conflict(
                "Only a draft can be published.".into(),
            ));
        }
        check_definition(&v.definition)
            .into_result()
            .map_err(FormsError::Invalid)?;
        let mut tx = self.store.db().begin().await?;
        if !self.store.publish(&mut tx, &v, self.clock.now()).await? {
            return Err(FormsError::Conflict(
                "The version was published meanwhile.".into(),
            ));
        }
        self.audit(&mut tx, actor, "form_version.published", id)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        self.store.version(id).await?.ok_or(FormsError::NotFound)
    }

    /// The version new applications use (public).
    pub async fn published(&self, service: ServiceId) -> Result<Option<FormVersion>, FormsError> {
        Ok(self.store.published(service).await?)
    }
}

#[async_trait::async_trait]
impl catalogue::OnlineForms for FormsService {
    async fn has_form(&self, service: ServiceId) -> bool {
        matches!(self.store.published(service).await, Ok(Some(_)))
    }
}
