//! Use cases of the mailbox.

use crate::domain::{Channel, DeliveryRules, DeliveryState, local_day};
use crate::store::{Delivery, MailboxStore};
use bytes::Bytes;
use identity::IdentityService;
use identity::mail::{MAIL_JOB, OutgoingMail};
use kernel::{AccountId, Actor, ActorKind, Clock};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::jobs::{JobError, JobHandler, NewJob, enqueue};
use storage::{AccessLog, AuditEntry, BlobStore, DbError, Tx};
use uuid::Uuid;

/// The job that makes a delivery (written by the cases context).
pub const DELIVER_JOB: &str = "mailbox.deliver";
/// The job that tells the case what happened to a delivery.
pub const EVENT_JOB: &str = "mailbox.event";
/// Consent purpose: notices by retrieval from the portal (§ 41 (2a) VwVfG).
pub const PORTAL_DELIVERY: &str = "portal_delivery";

/// Errors of mailbox use cases.
#[derive(Debug, thiserror::Error)]
pub enum MailboxError {
    /// Not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Unknown.
    #[error("not found")]
    NotFound,
    /// The provision ended: it can no longer be retrieved.
    #[error("gone")]
    Gone,
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("{0}")]
    Internal(String),
}

/// Settings of the mailbox.
#[derive(Debug, Clone)]
pub struct MailboxSettings {
    /// Public base URL (the link in the e-mail).
    pub public_url: String,
    /// Name of the municipality (the e-mail's greeting).
    pub city: String,
    /// The legal rules.
    pub rules: DeliveryRules,
}

/// What the cases context orders.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryOrder {
    /// The delivery's id (chosen by the orderer: a repeated job makes it once).
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// The notice.
    pub notice_id: Uuid,
    /// The citizen (portal).
    pub account_id: Option<Uuid>,
    /// `portal` or `post`.
    pub channel: String,
    /// What it is.
    pub title: String,
    /// File name.
    pub file_name: String,
    /// Media type.
    pub media_type: String,
    /// SHA-256 of the content (in the blob store).
    pub sha256: String,
    /// Who ordered it (access-log label).
    pub by: String,
}

/// A change of a delivery, for the case's timeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryEvent {
    /// The event (the case's timeline entry gets it: written once).
    #[serde(default = "Uuid::now_v7")]
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// `made_available`, `posted`, `retrieved` or `lapsed`.
    pub kind: String,
    /// What to show.
    pub detail: String,
}

/// The mailbox use cases.
#[derive(Clone)]
pub struct MailboxService {
    store: MailboxStore,
    identity: Arc<IdentityService>,
    blobs: BlobStore,
    clock: Arc<dyn Clock>,
    log: AccessLog,
    settings: MailboxSettings,
}

fn internal(e: impl std::fmt::Display) -> MailboxError {
    MailboxError::Internal(e.to_string())
}

impl MailboxService {
    /// The service.
    pub fn new(
        store: MailboxStore,
        identity: Arc<IdentityService>,
        blobs: BlobStore,
        clock: Arc<dyn Clock>,
        log: AccessLog,
        settings: MailboxSettings,
    ) -> Self {
        MailboxService {
            store,
            identity,
            blobs,
            clock,
            log,
            settings,
        }
    }

    /// The legal rules in force.
    pub fn rules(&self) -> DeliveryRules {
        self.settings.rules
    }

    /// Writes the order of a delivery into the caller's transaction.
    pub async fn order_in(
        tx: &mut Tx,
        clock: &dyn Clock,
        order: &DeliveryOrder,
    ) -> Result<(), DbError> {
        enqueue(
            tx,
            clock,
            NewJob::new(
                DELIVER_JOB,
                serde_json::to_value(order).unwrap_or(Value::Null),
            ),
        )
        .await?;
        Ok(())
    }

    /// Whether notices may be delivered to `account` by retrieval: a citizen
    /// account with the consent in force.
    pub async fn may_use_portal(&self, account: AccountId) -> Result<bool, MailboxError> {
        self.identity
            .has_consent(
                &Actor::system("mailbox"),
                account,
                PORTAL_DELIVERY,
                Uuid::nil(),
                &[],
            )
            .await
            .map_err(internal)
    }

    async fn event_in(&self, tx: &mut Tx, e: &DeliveryEvent) -> Result<(), MailboxError> {
        enqueue(
            tx,
            self.clock.as_ref(),
            NewJob::new(EVENT_JOB, serde_json::to_value(e).map_err(internal)?),
        )
        .await?;
        Ok(())
    }

    /// Makes an ordered delivery (the job): into the mailbox with the
    /// e-mail that something is waiting, or the dispatch record of a
    /// letter. A repeated order changes nothing.
    pub async fn deliver(&self, order: &DeliveryOrder) -> Result<(), MailboxError> {
        let channel = Channel::parse(&order.channel).ok_or(MailboxError::NotFound)?;
        let now = self.clock.now();
        let rules = self.settings.rules;
        let today = local_day(now);
        let mut d = Delivery {
            id: order.id,
            case_id: order.case_id,
            notice_id: order.notice_id,
            account_id: order.account_id,
            channel: channel.as_str().into(),
            state: DeliveryState::Available.as_str().into(),
            title: order.title.clone(),
            file_name: order.file_name.clone(),
            media_type: order.media_type.clone(),
            sha256: order.sha256.clone(),
            made_available_at: now,
            mail_sent_at: None,
            retrieved_at: None,
            notified_on: None,
            lapsed_at: None,
            posted_on: None,
            created_by: order.by.clone(),
        };
        let mut mail = None;
        let event = match channel {
            Channel::Portal => {
                let account = order
                    .account_id
                    .map(AccountId)
                    .ok_or(MailboxError::Forbidden)?;
                if !self.may_use_portal(account).await? {
                    return Err(MailboxError::Forbidden);
                }
                let (acc, _) = self
                    .identity
                    .account(&Actor::system("mailbox"), account)
                    .await
                    .map_err(internal)?;
                d.mail_sent_at = Some(now);
                // Only that something is waiting: no service, no names.
                mail = Some(OutgoingMail {
                    to: acc.email,
                    subject: format!(
                        "Neues Dokument in Ihrem Postfach – Stadt {}",
                        self.settings.city
                    ),
                    text: format!(
                        "Guten Tag,\n\nin Ihrem Postfach bei der Stadt {} liegt ein neues Dokument für Sie bereit.\nMelden Sie sich an, um es abzurufen:\n{}/konto/postfach\n\nBitte rufen Sie es bis zum {} ab; danach ist es dort nicht mehr abrufbar.\n\nDiese Nachricht wurde automatisch erstellt.",
                        self.settings.city,
                        self.settings.public_url.trim_end_matches('/'),
                        rules.last_retrieval_day(now).format("%d.%m.%Y"),
                    ),
                });
                DeliveryEvent {
                    id: Uuid::now_v7(),
                    case_id: order.case_id,
                    kind: "made_available".into(),
                    detail: format!(
                        "{} im Postfach bereitgestellt, E-Mail-Benachrichtigung am {} versandt (abrufbar bis {})",
                        order.title,
                        today.format("%d.%m.%Y"),
                        rules.last_retrieval_day(now).format("%d.%m.%Y")
                    ),
                }
            }
            Channel::Post => {
                d.state = DeliveryState::Posted.as_str().into();
                d.posted_on = Some(today);
                d.notified_on = Some(rules.notified_after_posting(today));
                DeliveryEvent {
                    id: Uuid::now_v7(),
                    case_id: order.case_id,
                    kind: "posted".into(),
                    detail: format!(
                        "{} am {} zur Post gegeben, gilt am {} als bekannt gegeben",
                        order.title,
                        today.format("%d.%m.%Y"),
                        rules.notified_after_posting(today).format("%d.%m.%Y")
                    ),
                }
            }
        };
        let mut tx = self.store.db().begin().await?;
        if !self.store.insert(&mut tx, &d).await? {
            return Ok(());
        }
        if let Some(m) = mail {
            enqueue(
                &mut tx,
                self.clock.as_ref(),
                NewJob::new(MAIL_JOB, serde_json::to_value(&m).map_err(internal)?),
            )
            .await?;
        }
        self.event_in(&mut tx, &event).await?;
        record_in_tx(
            &mut tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                order.by.clone(),
                "delivery.made",
                "delivery",
                vec![d.id.to_string()],
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(())
    }

    fn citizen(actor: &Actor) -> Result<AccountId, MailboxError> {
        match (&actor.kind, actor.account) {
            (ActorKind::Citizen, Some(a)) => Ok(a),
            _ => Err(MailboxError::Forbidden),
        }
    }

    /// The citizen's mailbox, newest first (post deliveries are not in it).
    pub async fn mine(&self, actor: &Actor) -> Result<Vec<Delivery>, MailboxError> {
        let account = Self::citizen(actor)?;
        let items = self.store.of_account(account.0).await?;
        Ok(items
            .into_iter()
            .filter(|d| d.channel == Channel::Portal.as_str())
            .collect())
    }

    /// The citizen retrieves a document: the first retrieval is recorded
    /// and fixes the day it counts as notified. After the provision ended
    /// it is gone.
    pub async fn retrieve(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(Delivery, Bytes), MailboxError> {
        let account = Self::citizen(actor)?;
        let mut d = self
            .store
            .delivery(id)
            .await?
            .ok_or(MailboxError::NotFound)?;
        if d.account_id != Some(account.0) || d.channel != Channel::Portal.as_str() {
            return Err(MailboxError::NotFound);
        }
        // A lapse the hourly sweep has not recorded yet counts as well.
        if d.state() == DeliveryState::Available && self.overdue(&d) {
            self.sweep().await?;
            d = self
                .store
                .delivery(id)
                .await?
                .ok_or(MailboxError::NotFound)?;
        }
        if d.state() == DeliveryState::Lapsed {
            return Err(MailboxError::Gone);
        }
        let bytes = self.blobs.get(&d.sha256).await.map_err(internal)?;
        if d.state() == DeliveryState::Available {
            let now = self.clock.now();
            let notified = self.settings.rules.notified_after_retrieval(now);
            let mut tx = self.store.db().begin().await?;
            if self.store.retrieve(&mut tx, d.id, now, notified).await? {
                self.event_in(
                    &mut tx,
                    &DeliveryEvent {
                        id: Uuid::now_v7(),
                        case_id: d.case_id,
                        kind: "retrieved".into(),
                        detail: format!(
                            "{} am {} abgerufen, gilt am {} als bekannt gegeben",
                            d.title,
                            local_day(now).format("%d.%m.%Y"),
                            notified.format("%d.%m.%Y")
                        ),
                    },
                )
                .await?;
                record_in_tx(
                    &mut tx,
                    self.clock.as_ref(),
                    &AuditEntry::new(
                        actor.audit_label(),
                        "delivery.retrieved",
                        "delivery",
                        vec![d.id.to_string()],
                    ),
                )
                .await?;
                tx.commit().await?;
                self.log.nudge();
                d.state = DeliveryState::Retrieved.as_str().into();
                d.retrieved_at = Some(now);
                d.notified_on = Some(notified);
            }
        } else {
            self.log
                .record(vec![AuditEntry::new(
                    actor.audit_label(),
                    "delivery.viewed",
                    "delivery",
                    vec![d.id.to_string()],
                )])
                .await
                .map_err(internal)?;
        }
        Ok((d, bytes))
    }

    fn overdue(&self, d: &Delivery) -> bool {
        d.mail_sent_at.is_some_and(|m| {
            local_day(self.clock.now()) > self.settings.rules.last_retrieval_day(m)
        })
    }

    /// Ends the provision of every portal delivery not retrieved in time;
    /// the case is told that notification failed. Returns how many.
    pub async fn sweep(&self) -> Result<usize, MailboxError> {
        let days = i64::try_from(self.settings.rules.retrieval_days).unwrap_or(10);
        let candidates = self
            .store
            .due_to_lapse(self.clock.now() - chrono::Duration::days(days - 1))
            .await?;
        let mut n = 0;
        for d in candidates.into_iter().filter(|d| self.overdue(d)) {
            let now = self.clock.now();
            let mut tx = self.store.db().begin().await?;
            if !self.store.lapse(&mut tx, d.id, now).await? {
                continue;
            }
            self.event_in(
                &mut tx,
                &DeliveryEvent {
                    id: Uuid::now_v7(),
                    case_id: d.case_id,
                    kind: "lapsed".into(),
                    detail: format!(
                        "{} nicht abgerufen: Bereitstellung am {} beendet, die Bekanntgabe ist gescheitert (§ 41 Abs. 2a VwVfG). Bitte erneut oder auf anderem Weg bekannt geben.",
                        d.title,
                        local_day(now).format("%d.%m.%Y")
                    ),
                },
            )
            .await?;
            record_in_tx(
                &mut tx,
                self.clock.as_ref(),
                &AuditEntry::new(
                    "system:mailbox".into(),
                    "delivery.lapsed",
                    "delivery",
                    vec![d.id.to_string()],
                ),
            )
            .await?;
            tx.commit().await?;
            self.log.nudge();
            n += 1;
        }
        Ok(n)
    }

    /// The deliveries of a case (the cases context checked access).
    pub async fn of_case(&self, case: Uuid) -> Result<Vec<Delivery>, MailboxError> {
        Ok(self.store.of_case(case).await?)
    }

    /// Whether the citizen consented to delivery by retrieval.
    pub async fn consented(&self, actor: &Actor) -> Result<bool, MailboxError> {
        let account = Self::citizen(actor)?;
        self.may_use_portal(account).await
    }

    /// The citizen gives or takes back the consent to delivery by
    /// retrieval from the portal; recorded by identity with its time.
    pub async fn set_consent(&self, actor: &Actor, consent: bool) -> Result<(), MailboxError> {
        Self::citizen(actor)?;
        let given = self.consented(actor).await?;
        if consent && !given {
            self.identity
                .grant_consent(actor, PORTAL_DELIVERY, Uuid::nil(), &[])
                .await
                .map_err(internal)?;
        } else if !consent && given {
            let all = self.identity.consents(actor).await.map_err(internal)?;
            for c in all
                .into_iter()
                .filter(|c| c.covers(PORTAL_DELIVERY, Uuid::nil(), &[]))
            {
                self.identity
                    .revoke_consent(actor, c.id)
                    .await
                    .map_err(internal)?;
            }
        }
        Ok(())
    }
}

/// Handles `mailbox.deliver`.
pub struct DeliverJobs {
    /// The mailbox.
    pub mailbox: Arc<MailboxService>,
}

#[async_trait::async_trait]
impl JobHandler for DeliverJobs {
    async fn run(&self, payload: Value) -> Result<(), JobError> {
        let order: DeliveryOrder = serde_json::from_value(payload)
            .map_err(|e| JobError::Permanent(format!("bad order: {e}")))?;
        match self.mailbox.deliver(&order).await {
            Ok(()) => Ok(()),
            Err(e @ (MailboxError::Forbidden | MailboxError::NotFound)) => {
                Err(JobError::Permanent(e.to_string()))
            }
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }
}

/// The payload of an event job, read by the cases context.
pub fn event_of(payload: &Value) -> Option<DeliveryEvent> {
    serde_json::from_value(payload.clone()).ok()
}
