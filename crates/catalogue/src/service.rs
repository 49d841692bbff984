//! The catalogue use cases: public reading and search of published
//! services, and the admin's editing, publishing, import and export. Every
//! change writes its access-log entry and its index job in the same
//! transaction.

use crate::domain::{
    CatalogueFile, Contact, FORMAT, FileContact, FileService, LifeSituation, Service, ServiceInput,
    ServiceStatus,
};
use crate::index::{INDEX_JOB, REINDEX_JOB};
use crate::store::CatalogueStore;
use identity::IdentityService;
use identity::domain::OrgUnit;
use kernel::{Actor, ActorKind, Clock, FieldErrors, Role, ServiceId};
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::search::SearchIndex;
use storage::{AccessLog, AuditEntry, DbError, NewJob, Tx};

/// Errors of catalogue use cases.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Invalid input.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// Not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Unknown (or not visible).
    #[error("not found")]
    NotFound,
    /// Someone else changed the service meanwhile.
    #[error("changed meanwhile")]
    Conflict,
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("{0}")]
    Internal(String),
}

fn invalid(field: &str, code: &str) -> CatalogueError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    CatalogueError::Invalid(e)
}

/// A published service with what its page shows.
#[derive(Debug, Clone)]
pub struct ServiceView {
    /// The service.
    pub service: Service,
    /// Responsible org unit.
    pub unit: Option<OrgUnit>,
    /// How to reach it.
    pub contact: Option<Contact>,
    /// Its life situations.
    pub situations: Vec<LifeSituation>,
    /// Where to apply online: set when the forms context has a published
    /// form for the service; otherwise the page says how to apply instead.
    pub apply_url: Option<String>,
}

impl ServiceView {
    /// The maturity level the page may claim: a service whose online form
    /// is not available is at most "information online", whatever its
    /// record says.
    pub fn shown_maturity(&self) -> i64 {
        if self.apply_url.is_some() {
            self.service.input.maturity_level
        } else {
            self.service.input.maturity_level.min(1)
        }
    }
}

/// Search results.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Services, best first.
    pub services: Vec<Service>,
    /// Number of all matches.
    pub total: usize,
}

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Services created.
    pub created: usize,
    /// Services updated.
    pub updated: usize,
    /// Life situations written.
    pub life_situations: usize,
    /// Contacts written.
    pub contacts: usize,
}

/// The catalogue use cases.
#[derive(Clone)]
pub struct CatalogueService {
    store: CatalogueStore,
    index: Arc<dyn SearchIndex>,
    identity: Arc<IdentityService>,
    clock: Arc<dyn Clock>,
    log: AccessLog,
    on_job: Arc<dyn Fn() + Send + Sync>,
    online: Arc<std::sync::OnceLock<Arc<dyn OnlineForms>>>,
}

/// Tells whether a service can be applied for online. The forms context
/// implements it (it depends on the catalogue, not the other way round) and
/// is connected once at start-up with [`CatalogueService::connect_forms`].
#[async_trait::async_trait]
pub trait OnlineForms: Send + Sync {
    /// True when the service has a published form.
    async fn has_form(&self, service: ServiceId) -> bool;
}

impl CatalogueService {
    /// The service.
    pub fn new(
        store: CatalogueStore,
        index: Arc<dyn SearchIndex>,
        identity: Arc<IdentityService>,
        clock: Arc<dyn Clock>,
        log: AccessLog,
        on_job: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        CatalogueService {
            store,
            index,
            identity,
            clock,
            log,
            on_job,
            online: Arc::new(std::sync::OnceLock::new()),
        }
    }

    /// Connects the forms context (once, at start-up).
    pub fn connect_forms(&self, forms: Arc<dyn OnlineForms>) {
        let _ = self.online.set(forms);
    }

    fn may_edit(actor: &Actor) -> bool {
        actor.is_system()
            || (actor.has_role_anywhere(Role::Admin) && actor.has_scope("catalogue:write"))
    }

    fn require_editor(actor: &Actor) -> Result<(), CatalogueError> {
        if Self::may_edit(actor) {
            Ok(())
        } else {
            Err(CatalogueError::Forbidden)
        }
    }

    async fn units(&self) -> Result<Vec<OrgUnit>, CatalogueError> {
        self.identity
            .org_units(&Actor::system("catalogue"))
            .await
            .map_err(|e| CatalogueError::Internal(e.to_string()))
    }

    async fn index_job(&self, tx: &mut Tx, id: Option<ServiceId>) -> Result<(), CatalogueError> {
        let (kind, payload) = match id {
            Some(id) => (INDEX_JOB, serde_json::json!({ "service": id.to_string() })),
            None => (REINDEX_JOB, serde_json::json!({})),
        };
        storage::jobs::enqueue(tx, self.clock.as_ref(), NewJob::new(kind, payload)).await?;
        Ok(())
    }

    async fn audit(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        action: &str,
        ids: Vec<String>,
    ) -> Result<(), CatalogueError> {
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(actor.audit_label(), action, "service", ids),
        )
        .await?;
        Ok(())
    }

    async fn commit(&self, tx: Tx) -> Result<(), CatalogueError> {
        tx.commit().await?;
        self.log.nudge();
        (self.on_job)();
        Ok(())
    }

    /// Enqueues a full rebuild when the index is empty but services exist
    /// (a new data directory, or a schema change); not done at every start.
    pub async fn ensure_index(&self) -> Result<bool, CatalogueError> {
        let empty = self
            .index
            .is_empty()
            .map_err(|e| CatalogueError::Internal(e.to_string()))?;
        if empty && self.store.count().await? > 0 {
            let mut tx = self.store.db().begin().await?;
            self.index_job(&mut tx, None).await?;
            self.commit(tx).await?;
            return Ok(true);
        }
        Ok(false)
    }

    // --- public ----------------------------------------------------------

    /// Life situations.
    pub async fn life_situations(&self) -> Result<Vec<LifeSituation>, CatalogueError> {
        Ok(self.store.life_situations().await?)
    }

    /// Published services matching `query` and, if given, a life situation.
    pub async fn search(
        &self,
        query: &str,
        situation: Option<&str>,
        limit: usize,
    ) -> Result<Found, CatalogueError> {
        let query = query.trim();
        if query.is_empty() {
            let all = self.store.services(true).await?;
            let services: Vec<Service> = all
                .into_iter()
                .filter(|s| {
                    situation.is_none_or(|l| s.input.life_situations.iter().any(|x| x == l))
                })
                .collect();
            let total = services.len();
            return Ok(Found {
                services: services.into_iter().take(limit).collect(),
                total,
            });
        }
        let results = self
            .index
            .search(query, limit.max(1) + 5)
            .map_err(|e| CatalogueError::Internal(e.to_string()))?;
        let ids: Vec<uuid::Uuid> = results
            .hits
            .iter()
            .filter_map(|h| uuid::Uuid::parse_str(&h.id).ok())
            .collect();
        let mut by_id = self.store.services_by_ids(&ids).await?;
        // Keep the index's ranking; drop anything not published (the index
        // may lag a change by one job).
        by_id.retain(|s| {
            s.status == ServiceStatus::Published
                && situation.is_none_or(|l| s.input.life_situations.iter().any(|x| x == l))
        });
        let mut services = Vec::with_capacity(by_id.len());
        for id in &ids {
            if let Some(pos) = by_id.iter().position(|s| s.id.0 == *id) {
                services.push(by_id.swap_remove(pos));
            }
        }
        let total = if situation.is_some() {
            services.len()
        } else {
            results.total
        };
        services.truncate(limit);
        Ok(Found { services, total })
    }

    /// A published service by slug, with its unit and contact.
    pub async fn published(&self, slug: &str) -> Result<ServiceView, CatalogueError> {
        let service = self
            .store
            .service_by_slug(slug)
            .await?
            .filter(|s| s.status == ServiceStatus::Published)
            .ok_or(CatalogueError::NotFound)?;
        self.view(service).await
    }

    async fn view(&self, service: Service) -> Result<ServiceView, CatalogueError> {
        let units = self.units().await?;
        let unit = service
            .input
            .org_unit
            .and_then(|id| units.into_iter().find(|u| u.id == id));
        let contact = match service.input.org_unit {
            Some(u) => self.store.contact(u).await?,
            None => None,
        };
        let situations = self
            .store
            .life_situations()
            .await?
            .into_iter()
            .filter(|l| service.input.life_situations.contains(&l.slug))
            .collect();
        let online = match self.online.get() {
            Some(f) => f.has_form(service.id).await,
            None => false,
        };
        let apply_url = online.then(|| format!("/leistungen/{}/antrag", service.input.slug));
        Ok(ServiceView {
            service,
            unit,
            contact,
            situations,
            apply_url,
        })
    }

    /// A published service by id (API).
    pub async fn published_by_id(&self, id: ServiceId) -> Result<ServiceView, CatalogueError> {
        let service = self
            .store
            .service(id)
            .await?
            .filter(|s| s.status == ServiceStatus::Published)
            .ok_or(CatalogueError::NotFound)?;
        self.view(service).await
    }

    // --- admin -----------------------------------------------------------

    /// Every service, drafts included (editors).
    pub async fn all(&self, actor: &Actor) -> Result<Vec<Service>, CatalogueError> {
        Self::require_editor(actor)?;
        Ok(self.store.services(false).await?)
    }

    /// One service in any state (editors).
    pub async fn get(&self, actor: &Actor, id: ServiceId) -> Result<ServiceView, CatalogueError> {
        Self::require_editor(actor)?;
        let s = self
            .store
            .service(id)
            .await?
            .ok_or(CatalogueError::NotFound)?;
        self.view(s).await
    }

    /// Org units for the editor's choice.
    pub async fn org_units(&self) -> Result<Vec<OrgUnit>, CatalogueError> {
        self.units().await
    }

    /// All problems of `input` (content rules, unknown unit, slug taken),
    /// without saving anything; pages use it to report every field at once.
    pub async fn problems(
        &self,
        input: &ServiceInput,
        except: Option<ServiceId>,
    ) -> Result<FieldErrors, CatalogueError> {
        match self.check(input, except).await {
            Ok(()) => Ok(FieldErrors::new()),
            Err(CatalogueError::Invalid(e)) => Ok(e),
            Err(e) => Err(e),
        }
    }

    async fn check(
        &self,
        input: &ServiceInput,
        except: Option<ServiceId>,
    ) -> Result<(), CatalogueError> {
        let situations: Vec<String> = self
            .store
            .life_situations()
            .await?
            .into_iter()
            .map(|l| l.slug)
            .collect();
        let mut errors = input.validate(&situations);
        if let Some(unit) = input.org_unit
            && !self.units().await?.iter().any(|u| u.id == unit)
        {
            errors.add("org_unit", "unit_unknown");
        }
        if let Some(other) = self.store.service_by_slug(&input.slug).await?
            && Some(other.id) != except
        {
            errors.add("slug", "slug_taken");
        }
        errors.into_result().map_err(CatalogueError::Invalid)
    }

    /// Creates a service as a draft.
    pub async fn create(
        &self,
        actor: &Actor,
        input: ServiceInput,
    ) -> Result<Service, CatalogueError> {
        Self::require_editor(actor)?;
        self.check(&input, None).await?;
        let id = ServiceId::new();
        let mut tx = self.store.db().begin().await?;
        self.store
            .insert(&mut tx, id, &input, ServiceStatus::Draft, self.clock.now())
            .await?;
        self.audit(&mut tx, actor, "service.created", vec![id.to_string()])
            .await?;
        self.commit(tx).await?;
        self.store
            .service(id)
            .await?
            .ok_or(CatalogueError::NotFound)
    }

    /// Changes a service's content; `revision` must be the one the editor saw.
    pub async fn update(
        &self,
        actor: &Actor,
        id: ServiceId,
        input: ServiceInput,
        revision: i64,
    ) -> Result<Service, CatalogueError> {
        Self::require_editor(actor)?;
        let current = self
            .store
            .service(id)
            .await?
            .ok_or(CatalogueError::NotFound)?;
        self.check(&input, Some(id)).await?;
        let mut tx = self.store.db().begin().await?;
        if !self
            .store
            .update(&mut tx, id, &input, revision, self.clock.now())
            .await?
        {
            return Err(CatalogueError::Conflict);
        }
        self.audit(&mut tx, actor, "service.updated", vec![id.to_string()])
            .await?;
        if current.status == ServiceStatus::Published {
            self.index_job(&mut tx, Some(id)).await?;
        }
        self.commit(tx).await?;
        self.store
            .service(id)
            .await?
            .ok_or(CatalogueError::NotFound)
    }

    async fn transition(
        &self,
        actor: &Actor,
        id: ServiceId,
        step: fn(ServiceStatus) -> Result<ServiceStatus, crate::domain::InvalidTransition>,
        action: &str,
    ) -> Result<Service, CatalogueError> {
        Self::require_editor(actor)?;
        let current = self
            .store
            .service(id)
            .await?
            .ok_or(CatalogueError::NotFound)?;
        let next = step(current.status).map_err(|_| invalid("status", "transition_invalid"))?;
        let mut tx = self.store.db().begin().await?;
        self.store
            .set_status(&mut tx, id, next, self.clock.now())
            .await?;
        self.audit(&mut tx, actor, action, vec![id.to_string()])
            .await?;
        self.index_job(&mut tx, Some(id)).await?;
        self.commit(tx).await?;
        self.store
            .service(id)
            .await?
            .ok_or(CatalogueError::NotFound)
    }

    /// Publishes a service: visible and searchable.
    pub async fn publish(&self, actor: &Actor, id: ServiceId) -> Result<Service, CatalogueError> {
        self.transition(actor, id, ServiceStatus::publish, "service.published")
            .await
    }

    /// Takes a service offline.
    pub async fn unpublish(&self, actor: &Actor, id: ServiceId) -> Result<Service, CatalogueError> {
        self.transition(actor, id, ServiceStatus::unpublish, "service.unpublished")
            .await
    }

    /// The whole catalogue in the exchange format.
    pub async fn export(&self, actor: &Actor) -> Result<CatalogueFile, CatalogueError> {
        Self::require_editor(actor)?;
        let units = self.units().await?;
        let code = |id: Option<kernel::OrgUnitId>| {
            id.and_then(|i| units.iter().find(|u| u.id == i))
                .map(|u| u.code.clone())
                .unwrap_or_default()
        };
        let contacts = self
            .store
            .contacts()
            .await?
            .into_iter()
            .map(|(unit, contact)| FileContact {
                org_unit_code: code(Some(unit)),
                contact,
            })
            .collect();
        let services = self
            .store
            .services(false)
            .await?
            .into_iter()
            .map(|s| FileService {
                org_unit_code: code(s.input.org_unit),
                published: s.status == ServiceStatus::Published,
                slug: s.input.slug,
                title: s.input.title,
                short_description: s.input.short_description,
                long_description: s.input.long_description,
                leika_key: s.input.leika_key,
                life_situations: s.input.life_situations,
                prerequisites: s.input.prerequisites,
                required_documents: s.input.required_documents,
                fee: s.input.fee.unwrap_or(crate::domain::Fee::None),
                processing_time: s.input.processing_time,
                legal_basis: s.input.legal_basis,
                maturity_level: s.input.maturity_level,
                has_form: s.input.has_form,
            })
            .collect();
        Ok(CatalogueFile {
            format: FORMAT.into(),
            life_situations: self.store.life_situations().await?,
            contacts,
            services,
        })
    }

    /// Imports a catalogue file: all or nothing. Services are matched by
    /// slug (updated) or created; errors name the entry and field, e.g.
    /// `services[3].leika_key`.
    pub async fn import(
        &self,
        actor: &Actor,
        file: CatalogueFile,
    ) -> Result<ImportReport, CatalogueError> {
        Self::require_editor(actor)?;
        let mut errors = FieldErrors::new();
        if file.format != FORMAT {
            errors.add("format", "format_unknown");
            return Err(CatalogueError::Invalid(errors));
        }
        let units = self.units().await?;
        let unit_of = |code: &str| units.iter().find(|u| u.code == code).map(|u| u.id);
        let mut situations: Vec<String> = self
            .store
            .life_situations()
            .await?
            .into_iter()
            .map(|l| l.slug)
            .collect();
        for (i, l) in file.life_situations.iter().enumerate() {
            if l.slug.is_empty()
                || !l.slug.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                || l.title.trim().is_empty()
            {
                errors.add(&format!("life_situations[{i}]"), "life_situation_invalid");
            }
            situations.push(l.slug.clone());
        }
        for (i, c) in file.contacts.iter().enumerate() {
            if unit_of(&c.org_unit_code).is_none() {
                errors.add(&format!("contacts[{i}].org_unit_code"), "unit_unknown");
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut inputs = Vec::with_capacity(file.services.len());
        for (i, s) in file.services.iter().enumerate() {
            let input = ServiceInput {
                slug: s.slug.clone(),
                title: s.title.clone(),
                short_description: s.short_description.clone(),
                long_description: s.long_description.clone(),
                leika_key: s.leika_key.clone(),
                life_situations: s.life_situations.clone(),
                prerequisites: s.prerequisites.clone(),
                required_documents: s.required_documents.clone(),
                fee: Some(s.fee.clone()),
                processing_time: s.processing_time.clone(),
                legal_basis: s.legal_basis.clone(),
                org_unit: unit_of(&s.org_unit_code),
                maturity_level: s.maturity_level,
                has_form: s.has_form,
            };
            for e in input.validate(&situations).0 {
                let field = if e.field == "org_unit" {
                    "org_unit_code".to_owned()
                } else {
                    e.field
                };
                errors.add(&format!("services[{i}].{field}"), &e.code);
            }
            if seen.contains(&s.slug.as_str()) {
                errors.add(&format!("services[{i}].slug"), "slug_taken");
            }
            seen.push(&s.slug);
            inputs.push((input, s.published));
        }
        errors.into_result().map_err(CatalogueError::Invalid)?;
        let now = self.clock.now();
        let mut report = ImportReport::default();
        let mut tx = self.store.db().begin().await?;
        for (i, l) in file.life_situations.iter().enumerate() {
            self.store
                .upsert_life_situation(&mut tx, l, i64::try_from(i).unwrap_or(0))
                .await?;
            report.life_situations += 1;
        }
        for c in &file.contacts {
            if let Some(unit) = unit_of(&c.org_unit_code) {
                self.store.upsert_contact(&mut tx, unit, &c.contact).await?;
                report.contacts += 1;
            }
        }
        let mut ids = Vec::new();
        for (input, published) in inputs {
            let status = if published {
                ServiceStatus::Published
            } else {
                ServiceStatus::Draft
            };
            match self.store.service_by_slug(&input.slug).await? {
                Some(existing) => {
                    self.store
                        .update(&mut tx, existing.id, &input, existing.revision, now)
                        .await?;
                    if existing.status != status
                        && (published || existing.status == ServiceStatus::Published)
                    {
                        let next = if published {
                            ServiceStatus::Published
                        } else {
                            ServiceStatus::Unpublished
                        };
                        self.store
                            .set_status(&mut tx, existing.id, next, now)
                            .await?;
                    }
                    ids.push(existing.id.to_string());
                    report.updated += 1;
                }
                None => {
                    let id = ServiceId::new();
                    self.store.insert(&mut tx, id, &input, status, now).await?;
                    ids.push(id.to_string());
                    report.created += 1;
                }
            }
        }
        self.audit(&mut tx, actor, "catalogue.imported", ids)
            .await?;
        self.index_job(&mut tx, None).await?;
        self.commit(tx).await?;
        Ok(report)
    }

    /// The titles of services by id (any status; one query), for other
    /// contexts that list things per service.
    pub async fn titles(
        &self,
        ids: &[ServiceId],
    ) -> Result<std::collections::HashMap<ServiceId, String>, CatalogueError> {
        let mut uuids: Vec<uuid::Uuid> = ids.iter().map(|i| i.0).collect();
        uuids.sort();
        uuids.dedup();
        Ok(self
            .store
            .services_by_ids(&uuids)
            .await?
            .into_iter()
            .map(|s| (s.id, s.input.title))
            .collect())
    }

    /// The id of a service by its short name, in any state (CLI, imports).
    pub async fn id_by_slug(&self, slug: &str) -> Result<Option<ServiceId>, CatalogueError> {
        Ok(self.store.service_by_slug(slug).await?.map(|s| s.id))
    }

    /// True when the catalogue has no service yet (demo seeding).
    pub async fn is_empty(&self) -> Result<bool, CatalogueError> {
        Ok(self.store.count().await? == 0)
    }

    /// Editors may act (used by pages to show admin links).
    pub fn is_editor(actor: &Actor) -> bool {
        Self::may_edit(actor) && !matches!(actor.kind, ActorKind::Citizen)
    }
}
