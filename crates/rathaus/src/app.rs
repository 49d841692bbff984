//! Wiring: builds every context from [`Settings`], joins their routers
//! behind the shared layers (security headers, tracing, panic catching,
//! body limit, CSRF cookie, session, error rendering, metrics) and runs the
//! background tasks (job runner, access log writer).

use crate::config::Settings;
use crate::ops::{self, Metrics};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use catalogue::CatalogueService;
use catalogue::index::{INDEX_JOB, IndexJobs, REINDEX_JOB};
use catalogue::store::CatalogueStore;
use identity::mail::{MAIL_JOB, MailJob, Mailer, SmtpConfig};
use identity::store::IdentityStore;
use identity::{IdentityService, IdentitySettings};
use kernel::Clock;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use storage::audit::AuditKey;
use storage::search::{TantivyIndex, index_dir};
use storage::{AccessLog, BlobStore, Db, JobHandler, JobRunner};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

/// Everything a running instance holds.
#[derive(Clone)]
pub struct Application {
    /// Settings in force.
    pub settings: Settings,
    /// Database.
    pub db: Db,
    /// Blob store.
    pub blobs: BlobStore,
    /// Access log.
    pub log: AccessLog,
    /// Job runner.
    pub jobs: JobRunner,
    /// Identity use cases.
    pub identity: Arc<IdentityService>,
    /// Service catalogue use cases.
    pub catalogue: Arc<CatalogueService>,
    /// Form version use cases.
    pub forms: Arc<forms::service::FormsService>,
    /// Applying: drafts, consents, submissions.
    pub submissions: Arc<forms::submissions::SubmissionService>,
    /// The E-Akte: file plan, files, documents, versions.
    pub records: Arc<records::RecordsService>,
    /// Case types and cases.
    pub cases: Arc<cases::CasesService>,
    /// The citizens' mailbox.
    pub mailbox: Arc<mailbox::MailboxService>,
    /// Disposal to the archive.
    pub disposal: Arc<records::disposal::DisposalService>,
    /// Co-signing routes.
    pub cosigning: Arc<cosigning::CosigningService>,
    /// Mobile work.
    pub workplace: Arc<workplace::WorkplaceService>,
    /// Team rooms.
    pub rooms: Arc<rooms::RoomsService>,
    /// Staff surveys.
    pub surveys: Arc<surveys::SurveysService>,
    /// Clock.
    pub clock: Arc<dyn Clock>,
    /// Metrics registry.
    pub metrics: Arc<Metrics>,
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "rathaus API", description = "JSON API of rathaus, the open-source digital city hall. Authenticate with `Authorization: Bearer <token>` (API tokens are created by admins) or a staff session. Errors are application/problem+json (RFC 9457).", license(name = "EUPL-1.2")),
    tags((name = "identity", description = "Accounts, org units, roles"), (name = "catalogue", description = "The service catalogue: search, services, life situations, import and export"), (name = "forms", description = "Online forms of services, their versions and submissions"), (name = "records", description = "The E-Akte: file plan"), (name = "cases", description = "Cases: queue, case, claim, status"), (name = "cosigning", description = "Co-signing routes (Mitzeichnung) with version-bound signatures"), (name = "workplace", description = "Mobile work: service agreement, enrolment, readiness, devices, VPN, presence plans"), (name = "rooms", description = "Team rooms: rooms, members, chat with threads and mentions, live events"), (name = "surveys", description = "Staff surveys: unlinkable participation, results with small groups withheld"), (name = "operations", description = "Jobs and the access log"))
)]
struct ApiDoc;

impl Application {
    /// Builds the application: connects and migrates the database, opens
    /// the blob store and keys, starts the access log writer.
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Application> {
        std::fs::create_dir_all(&settings.data_dir)?;
        let db = Db::connect(&settings.database_url()).await?;
        db.migrate().await?;
        let blobs = BlobStore::local(&settings.data_dir.join("blobs"))?;
        let key =
            AuditKey::load_or_create(&settings.data_dir.join("keys").join("audit-checkpoint.key"))?;
        let log = AccessLog::start(db.clone(), clock.clone(), key, settings.audit.segment_size);
        let mailer = if settings.mail.smtp_host.trim().is_empty() {
            Mailer::files(settings.data_dir.join("mail"))?
        } else {
            Mailer::smtp(&SmtpConfig {
                host: settings.mail.smtp_host.clone(),
                port: settings.mail.smtp_port,
                username: Some(settings.mail.smtp_username.clone()).filter(|s| !s.is_empty()),
                password: Some(settings.mail.smtp_password.clone()).filter(|s| !s.is_empty()),
                starttls: settings.mail.smtp_starttls,
            })?
        };
        let search = Arc::new(TantivyIndex::open(&index_dir(
            &settings.data_dir,
            "catalogue",
        ))?);
        let catalogue_store = CatalogueStore::new(db.clone());
        let index_jobs: Arc<dyn JobHandler> = Arc::new(IndexJobs {
            store: catalogue_store.clone(),
            index: search.clone(),
        });
        let mut handlers: HashMap<&'static str, Arc<dyn JobHandler>> = HashMap::new();
        handlers.insert(INDEX_JOB, index_jobs.clone());
        handlers.insert(REINDEX_JOB, index_jobs);
        handlers.insert(
            MAIL_JOB,
            Arc::new(MailJob {
                mailer,
                from: settings.mail.from.clone(),
            }),
        );
        // The cases context handles submissions, but its service is built
        // after the runner (it needs the forms services): bound below.
        let case_jobs = Arc::new(Deferred::default());
        handlers.insert(
            forms::submissions::SUBMISSION_RECEIVED,
            case_jobs.clone() as Arc<dyn JobHandler>,
        );
        let document_index = Arc::new(storage::text_search::DocumentIndex::open(&index_dir(
            &settings.data_dir,
            "documents",
        ))?);
        // Knowledge search of the team rooms (messages, wiki, news).
        let rooms_index = Arc::new(storage::text_search::DocumentIndex::open(&index_dir(
            &settings.data_dir,
            "rooms",
        ))?);
        handlers.insert(
            rooms::search::INDEX_JOB,
            Arc::new(rooms::search::IndexJobs {
                store: rooms::store::RoomsStore::new(db.clone()),
                index: rooms_index.clone(),
            }) as Arc<dyn JobHandler>,
        );
        let text_jobs = Arc::new(Deferred::default());
        handlers.insert(
            records::text::TEXT_JOB,
            text_jobs.clone() as Arc<dyn JobHandler>,
        );
        let notice_jobs = Arc::new(Deferred::default());
        handlers.insert(
            cases::notices::service::NOTICE_JOB,
            notice_jobs.clone() as Arc<dyn JobHandler>,
        );
        let deliver_jobs = Arc::new(Deferred::default());
        handlers.insert(
            mailbox::service::DELIVER_JOB,
            deliver_jobs.clone() as Arc<dyn JobHandler>,
        );
        let delivery_events = Arc::new(Deferred::default());
        handlers.insert(
            mailbox::service::EVENT_JOB,
            delivery_events.clone() as Arc<dyn JobHandler>,
        );
        let jobs = JobRunner::new(db.clone(), clock.clone(), handlers).with_lease(
            chrono::Duration::seconds(settings.jobs.lease_seconds.max(1)),
        );
        let wake = jobs.clone();
        let identity = Arc::new(IdentityService::new(
            IdentityStore::new(db.clone()),
            clock.clone(),
            log.clone(),
            IdentitySettings {
                staff_totp_required: settings.identity.staff_totp_required,
                session_idle: chrono::Duration::minutes(
                    settings.identity.session_idle_minutes.max(1),
                ),
                lockout_threshold: settings.identity.lockout_threshold.max(1),
                lockout_for: chrono::Duration::minutes(settings.identity.lockout_minutes.max(1)),
                address_threshold: settings.identity.address_threshold.max(1),
                public_url: settings.public_url(),
                issuer: format!("rathaus {}", settings.city_name),
            },
            Arc::new(move || wake.wake()),
        ));
        let wake = jobs.clone();
        let catalogue = Arc::new(CatalogueService::new(
            catalogue_store,
            search,
            identity.clone(),
            clock.clone(),
            log.clone(),
            Arc::new(move || wake.wake()),
        ));
        // A new or rebuilt index is filled by a job, not at every start.
        catalogue.ensure_index().await?;
        let forms = Arc::new(forms::service::FormsService::new(
            forms::store::FormsStore::new(db.clone()),
            catalogue.clone(),
            clock.clone(),
            log.clone(),
        ));
        catalogue.connect_forms(forms.clone());
        let wake = jobs.clone();
        let submissions = Arc::new(forms::submissions::SubmissionService::new(
            forms::drafts::DraftStore::new(db.clone()),
            forms::store::FormsStore::new(db.clone()),
            forms.clone(),
            identity.clone(),
            blobs.clone(),
            clock.clone(),
            log.clone(),
            forms::submissions::SubmissionSettings {
                draft_days: settings.forms.draft_days.max(1),
                max_upload_bytes: settings.forms.max_upload_bytes.max(1024),
                public_url: settings.public_url(),
                city_name: settings.city_name.clone(),
            },
            Arc::new(move || wake.wake()),
        ));
        let records = Arc::new(records::RecordsService::new(
            records::store::RecordsStore::new(db.clone()),
            blobs.clone(),
            clock.clone(),
            log.clone(),
            document_index.clone(),
        ));
        text_jobs.bind(Arc::new(records::text::TextJobs {
            records: records.clone(),
        }));
        let state = cases::domain::federal_state(&settings.cases.federal_state).ok_or_else(|| {
            anyhow::anyhow!(
                "cases.federal_state = {:?} is not a German federal state; use its ISO 3166-2 code (BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH)",
                settings.cases.federal_state
            )
        })?;
        let notice_wake = jobs.clone();
        let mailbox = Arc::new(mailbox::MailboxService::new(
            mailbox::store::MailboxStore::new(db.clone()),
            identity.clone(),
            blobs.clone(),
            clock.clone(),
            log.clone(),
            mailbox::service::MailboxSettings {
                public_url: settings.public_url(),
                city: settings.city_name.clone(),
                rules: settings.mailbox.rules(),
            },
        ));
        deliver_jobs.bind(Arc::new(mailbox::service::DeliverJobs {
            mailbox: mailbox.clone(),
        }));
        let decision_keys = Arc::new(identity::signing::DecisionKeys::load_or_create(
            &settings.data_dir.join("keys").join("decision.key"),
        )?);
        let cases = Arc::new(cases::CasesService::new(
            cases::store::CasesStore::new(db.clone()),
            records.clone(),
            submissions.clone(),
            catalogue.clone(),
            identity.clone(),
            mailbox.clone(),
            clock.clone(),
            log.clone(),
            cases::CaseSettings {
                state,
                public_url: settings.public_url(),
                max_upload_bytes: settings.forms.max_upload_bytes.max(1024),
                fees: settings.fees.to_settings()?,
                city: settings.city_name.clone(),
                decision_keys: decision_keys.clone(),
                wake: Arc::new(move || notice_wake.wake()),
                sealer: settings
                    .signing
                    .sealer(&settings.data_dir, &settings.city_name)?,
            },
        ));
        case_jobs.bind(Arc::new(cases::CaseJobs {
            cases: cases.clone(),
        }));
        notice_jobs.bind(Arc::new(cases::notices::service::NoticeJobs {
            cases: cases.clone(),
        }));
        delivery_events.bind(Arc::new(cases::notices::service::DeliveryEventJobs {
            cases: cases.clone(),
        }));
        let disposal = Arc::new(records::disposal::DisposalService::new(
            records::disposal::store::DisposalStore::new(db.clone()),
            records.clone(),
            vec![Arc::new(cases::disposal::CasePurger {
                cases: cases::store::CasesStore::new(db.clone()),
                mailbox: mailbox::store::MailboxStore::new(db.clone()),
                submissions: forms::drafts::DraftStore::new(db.clone()),
            })],
            records::disposal::DisposalSettings {
                parties: records::disposal::xdomea::Parties {
                    authority: format!("Stadtverwaltung {}", settings.city_name),
                    authority_key: settings.archive.authority_key.clone(),
                    authority_prefix: settings.archive.authority_prefix.clone(),
                    unit: settings.archive.unit.clone(),
                    archive: settings.archive.name.clone(),
                },
                batch: settings.archive.batch,
            },
            clock.clone(),
            log.clone(),
        ));
        let cosigning = Arc::new(
            cosigning::CosigningService::new(
                cosigning::store::CosigningStore::new(db.clone()),
                records.clone(),
                identity.clone(),
                Arc::new(CasesAuthority(cases.clone())),
                Arc::new(CasesAuthority(cases.clone())),
                decision_keys,
                clock.clone(),
                log.clone(),
            )
            .with_public_url(&settings.public_url()),
        );
        let workplace = Arc::new(
            workplace::WorkplaceService::new(
                workplace::store::WorkplaceStore::new(db.clone()),
                identity.clone(),
                clock.clone(),
            )
            .with_public_url(&settings.public_url()),
        );
        let rooms = Arc::new(
            rooms::RoomsService::new(
                rooms::store::RoomsStore::new(db.clone()),
                identity.clone(),
                clock.clone(),
                settings.public_url(),
            )
            .with_jitsi(settings.rooms.jitsi())
            .with_index(rooms_index)
            .with_files(Arc::new(CaseDirectory(cases.clone()))),
        );
        rooms.ensure_index().await?;
        let surveys = Arc::new(surveys::SurveysService::new(
            surveys::store::SurveysStore::new(db.clone()),
            identity.clone(),
            clock.clone(),
            settings.public_url(),
        ));
        cases.set_notice_routes(Arc::new(Routes(cosigning.clone())));
        identity.set_home_panels(vec![
            Arc::new(cosigning::pages::RequestsPanel(cosigning.clone())),
            Arc::new(cosigning::pages::OverduePanel(cosigning.clone())),
        ]);
        Ok(Application {
            cosigning,
            workplace,
            rooms,
            surveys,
            disposal,
            cases,
            mailbox,
            records,
            submissions,
            forms,
            catalogue,
            metrics: Arc::new(Metrics::new()),
            settings,
            db,
            blobs,
            log,
            jobs,
            identity,
            clock,
        })
    }

    /// The whole HTTP service.
    pub fn router(&self) -> Router {
        let (api, mut openapi) = identity::http::api::router(self.identity.clone())
            .merge(catalogue::http::api::router(self.catalogue.clone()))
            .merge(forms::api::router(self.forms.clone()))
            .merge(forms::api::submissions_router(self.submissions.clone()))
            .merge(records::api::router(self.records.clone()))
            .merge(records::disposal::api::router(self.disposal.clone()))
            .merge(cosigning::api::router(self.cosigning.clone()))
            .merge(workplace::api::router(self.workplace.clone()))
            .merge(rooms::api::router(self.rooms.clone()))
            .merge(surveys::api::router(self.surveys.clone()))
            .merge(cases::api::router(self.cases.clone()))
            .merge(mailbox::api::router(self.mailbox.clone()))
            .merge(ops::api_router(self.clone()))
            .split_for_parts();
        let mut doc = ApiDoc::openapi();
        doc.paths.paths.append(&mut openapi.paths.paths);
        if let (Some(c), Some(mine)) = (doc.components.as_mut(), openapi.components.take()) {
            c.schemas.extend(mine.schemas);
        } else {
            doc.components = openapi.components.take();
        }
        let doc = Arc::new(doc);
        let shell = web::Shell {
            secure_cookies: self.settings.public_url().starts_with("https://"),
            city_name: self.settings.city_name.clone(),
        };
        Router::new()
            .merge(identity::http::html::router(self.identity.clone()))
            .merge(catalogue::http::html::router(self.catalogue.clone()))
            .merge(forms::html::router(self.forms.clone()))
            .merge(records::http::router(self.records.clone()))
            .merge(records::disposal::pages::router(self.disposal.clone()))
            .merge(cosigning::pages::router(self.cosigning.clone()))
            .merge(workplace::pages::router(self.workplace.clone()))
            .merge(rooms::pages::router(self.rooms.clone()))
            .merge(surveys::pages::router(
                self.surveys.clone(),
                self.settings.city_name.clone(),
            ))
            .merge(cases::http::router(cases::http::Pages {
                cases: self.cases.clone(),
                clock: self.clock.clone(),
            }))
            .merge(forms::assistant::router(forms::assistant::Pages {
                submissions: self.submissions.clone(),
                catalogue: self.catalogue.clone(),
            }))
            .merge(mailbox::pages::router(self.mailbox.clone()))
            .merge(crate::export::router(self.clone()))
            .merge(ops::router(self.clone()))
            .merge(api)
            .route(
                "/api/v1/openapi.json",
                axum::routing::get(move || {
                    let doc = doc.clone();
                    async move { axum::Json(doc.as_ref().clone()) }
                }),
            )
            .merge(web::assets::router())
            .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
            // A panicking handler becomes a 500 that the error layer renders
            // as a page or problem+json; the outer catch is a last resort.
            .layer(CatchPanicLayer::new())
            .layer(from_fn(web::error::render_errors))
            .layer(from_fn_with_state(
                self.identity.clone(),
                identity::http::auth::session_layer,
            ))
            .layer(from_fn(web::csrf::csrf_cookie))
            .layer(axum::Extension(shell))
            .layer(DefaultBodyLimit::max(self.settings.max_body_bytes))
            // Errors raised by the layers above the inner error layer (the
            // session lookup failing, say) are rendered here; responses
            // already rendered pass through untouched.
            .layer(from_fn(web::error::render_errors))
            .layer(CatchPanicLayer::new())
            .layer(from_fn_with_state(self.metrics.clone(), ops::track))
            .layer(TraceLayer::new_for_http())
            .layer(from_fn(web::headers::security_headers))
    }

    /// Serves on `listener` until `shutdown` resolves; runs the job runner
    /// in the background when configured.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Only when serving: `rathaus documents reindex` builds the index
        // itself and must not leave a second rebuild queued. Not fatal: the
        // search then stays incomplete until `rathaus documents reindex`.
        if let Err(e) = self.records.ensure_document_index().await {
            tracing::warn!(error = %e, "could not check the document index");
        }
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let runner = if self.settings.jobs.run_in_background {
            let jobs = self.jobs.clone();
            let mut rx = stop_rx.clone();
            Some(tokio::spawn(jobs.run_forever(async move {
                let _ = rx.changed().await;
            })))
        } else {
            None
        };
        // Housekeeping: expired drafts are deleted once an hour (and at
        // start), as the privacy notice promises.
        let housekeeping = {
            let subs = self.submissions.clone();
            let mailbox = self.mailbox.clone();
            let cosigning = self.cosigning.clone();
            let workplace = self.workplace.clone();
            let surveys = self.surveys.clone();
            let mut rx = stop_rx.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
                loop {
                    tokio::select! {
                        _ = tick.tick() => {
                            match subs.prune_drafts().await {
                                Ok(0) => {}
                                Ok(n) => tracing::info!(deleted = n, "expired drafts deleted"),
                                Err(e) => tracing::warn!(error = %e, "deleting expired drafts failed"),
                            }
                            // Portal deliveries not retrieved in time lapse
                            // (§ 41 (2a) VwVfG); their cases are told.
                            match mailbox.sweep().await {
                                Ok(0) => {}
                                Ok(n) => tracing::info!(lapsed = n, "unretrieved deliveries lapsed"),
                                Err(e) => tracing::warn!(error = %e, "checking deliveries failed"),
                            }
                            // Co-signing steps that fell due: one reminder each.
                            match cosigning.remind_due().await {
                                Ok(0) => {}
                                Ok(n) => tracing::info!(reminded = n, "co-signing reminders sent"),
                                Err(e) => tracing::warn!(error = %e, "co-signing reminders failed"),
                            }
                            // Presence plans past the agreement's retention.
                            match workplace.purge_old_plans().await {
                                Ok(0) => {}
                                Ok(n) => tracing::info!(deleted = n, "old presence plans deleted"),
                                Err(e) => tracing::warn!(error = %e, "deleting old presence plans failed"),
                            }
                            // Surveys past their last day stop taking answers.
                            match surveys.close_due().await {
                                Ok(0) => {}
                                Ok(n) => tracing::info!(closed = n, "surveys closed"),
                                Err(e) => tracing::warn!(error = %e, "closing surveys failed"),
                            }
                        }
                        _ = rx.changed() => break,
                    }
                }
            })
        };
        let app = self
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        // Live streams of rooms end when shutdown begins; otherwise the
        // graceful shutdown would wait for every open browser.
        let hub = self.rooms.hub().clone();
        let shutdown = async move {
            shutdown.await;
            hub.close();
        };
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        let _ = stop_tx.send(true);
        let _ = housekeeping.await;
        if let Some(r) = runner {
            let _ = r.await;
        }
        self.log.flush().await.ok();
        Ok(())
    }
}

/// A job handler bound after the runner was built (its service needs
/// services that are built later). Until bound, jobs wait and are retried.
#[derive(Default)]
struct Deferred(std::sync::OnceLock<Arc<dyn JobHandler>>);

impl Deferred {
    fn bind(&self, handler: Arc<dyn JobHandler>) {
        let _ = self.0.set(handler);
    }
}

#[async_trait::async_trait]
impl JobHandler for Deferred {
    async fn run(&self, payload: serde_json::Value) -> Result<(), storage::JobError> {
        match self.0.get() {
            Some(h) => h.run(payload).await,
            None => Err(storage::JobError::Retry("handler not ready yet".into())),
        }
    }
}

/// The E-Akte files a team room may link: the cases the actor may work
/// on, found by their file reference.
struct CaseDirectory(Arc<cases::CasesService>);

#[async_trait::async_trait]
impl rooms::files::FileDirectory for CaseDirectory {
    async fn find(
        &self,
        actor: &kernel::Actor,
        reference: &str,
    ) -> Result<Option<(uuid::Uuid, String)>, String> {
        self.0
            .case_for_link(actor, reference)
            .await
            .map_err(|e| e.to_string())
    }

    async fn case_for_video(
        &self,
        actor: &kernel::Actor,
        case: uuid::Uuid,
    ) -> Result<Option<(kernel::OrgUnitId, String)>, String> {
        self.0
            .case_for_video(actor, kernel::CaseId(case))
            .await
            .map_err(|e| e.to_string())
    }

    async fn tell_applicant(
        &self,
        actor: &kernel::Actor,
        case: uuid::Uuid,
        text: &str,
    ) -> Result<Result<(), kernel::FieldErrors>, String> {
        let message = cases::messages::service::NewMessage {
            body: text.to_owned(),
            files: Vec::new(),
        };
        match self
            .0
            .send_message(actor, kernel::CaseId(case), message)
            .await
        {
            Ok(_) => Ok(Ok(())),
            Err(cases::CasesError::Invalid(errors)) => Ok(Err(errors)),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn is_applicant(
        &self,
        citizen: &kernel::Actor,
        case: uuid::Uuid,
    ) -> Result<bool, String> {
        self.0
            .is_applicant(citizen, kernel::CaseId(case))
            .await
            .map_err(|e| e.to_string())
    }
}

/// The signing authority co-signing checks, as the cases context grants
/// it, and the case timeline its events go to.
struct CasesAuthority(Arc<cases::CasesService>);

#[async_trait::async_trait]
impl cosigning::SigningAuthority for CasesAuthority {
    async fn capacity(
        &self,
        account: kernel::AccountId,
        unit: kernel::OrgUnitId,
    ) -> Result<Option<String>, String> {
        self.0
            .capacity_of(account, unit)
            .await
            .map(|c| c.map(|c| c.as_str().to_owned()))
            .map_err(|e| e.to_string())
    }
}

#[async_trait::async_trait]
impl cosigning::RouteEvents for CasesAuthority {
    async fn record_in(
        &self,
        tx: &mut storage::Tx,
        file: uuid::Uuid,
        by: &str,
        detail: &str,
    ) -> Result<(), String> {
        self.0
            .timeline_for_file_in(tx, file, by, "cosigning", detail)
            .await
            .map_err(|e| e.to_string())
    }

    async fn finally_signed_in(
        &self,
        tx: &mut storage::Tx,
        route: &cosigning::store::Route,
        d: &cosigning::store::DecisionRow,
    ) -> Result<(), String> {
        // In Vertretung: the deputy signs; the notice names them and the form.
        let capacity = d.capacity.clone().unwrap_or_else(|| "head".into());
        self.0
            .notice_signed_in_route(
                tx,
                route.document_id,
                route.version_id,
                kernel::AccountId(d.actor_id),
                &d.actor_name,
                &capacity,
                (&d.statement, &d.public_key, &d.signature),
                &format!("account:{}", d.actor_id),
            )
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn file_page(&self, file: uuid::Uuid) -> Option<String> {
        // A link is a convenience: a failed read shows the page without it.
        match self.0.case_of_file(file).await {
            Ok(Some(case)) => Some(format!("/arbeit/vorgaenge/{}", case.0)),
            _ => None,
        }
    }
}

/// Whether a co-signing route runs on a notice's document.
struct Routes(Arc<cosigning::CosigningService>);

#[async_trait::async_trait]
impl cases::notices::service::NoticeRoutes for Routes {
    async fn route_open_on(&self, document: uuid::Uuid) -> Result<Option<uuid::Uuid>, String> {
        self.0
            .route_open_on(kernel::DocumentId(document))
            .await
            .map_err(|e| e.to_string())
    }
}
