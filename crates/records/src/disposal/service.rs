//! The disposal process: the records office offers the files whose
//! retention ended to the archive, the archive appraises them, rathaus
//! transfers what it keeps and, only when the archive confirmed the
//! import (0506), deletes the transferred and the rejected files — never
//! one under a legal hold. The process row and its items stay as the
//! disposal record.

use super::store::{DisposalStore, DueFile, Hold, Item, MessageRow, Process, Stamp};
use super::xdomea::{
    self, Decision, FileDocument, FileVersion, Incoming, Kind, OfferedFile, Parties, XdomeaError,
};
use crate::RecordsService;
use bytes::Bytes;
use kernel::{Actor, Clock, FieldErrors, RecordFileId, Role};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::{AccessLog, AuditEntry, DbError, Tx};
use uuid::Uuid;

/// Errors of disposal.
#[derive(Debug, thiserror::Error)]
pub enum DisposalError {
    /// Invalid input, per field.
    #[error("invalid")]
    Invalid(FieldErrors),
    /// A message from the archive was refused whole.
    #[error("refused: {0}")]
    Refused(XdomeaError),
    /// Not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Unknown.
    #[error("not found")]
    NotFound,
    /// Not possible in the process's state.
    #[error("{0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("{0}")]
    Internal(String),
}

fn internal(e: impl std::fmt::Display) -> DisposalError {
    DisposalError::Internal(e.to_string())
}

fn refused(at: &str, detail: impl Into<String>) -> DisposalError {
    DisposalError::Refused(XdomeaError {
        at: at.to_owned(),
        detail: detail.into(),
    })
}

/// What other contexts keep about a file: deleted with it. Cases deletes
/// the case, its history, messages, notices, fee and deliveries, and the
/// submission it came from.
#[async_trait::async_trait]
pub trait FilePurger: Send + Sync {
    /// Deletes what belongs to `file` inside the disposal's transaction;
    /// returns blob keys that may now be unreferenced.
    async fn purge_in(&self, tx: &mut Tx, file: Uuid) -> Result<Vec<String>, DbError>;

    /// True when something of this context still points to the blob.
    async fn blob_in_use(&self, key: &str) -> Result<bool, DbError>;
}

/// Settings of disposal.
#[derive(Debug, Clone, Default)]
pub struct DisposalSettings {
    /// Sender and receiver in the messages.
    pub parties: Parties,
    /// Most files per process.
    pub batch: i64,
}

/// What the records office sees.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Files due now.
    pub due: Vec<DueFile>,
    /// Processes, newest first.
    pub processes: Vec<Process>,
    /// Legal holds, active first.
    pub holds: Vec<Hold>,
}

/// A process with its files and messages.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProcessView {
    /// The process.
    pub process: Process,
    /// Its files (the disposal record once done).
    pub items: Vec<Item>,
    /// Its messages.
    pub messages: Vec<MessageRow>,
}

/// The disposal service.
pub struct DisposalService {
    store: DisposalStore,
    records: Arc<RecordsService>,
    purgers: Vec<Arc<dyn FilePurger>>,
    settings: DisposalSettings,
    clock: Arc<dyn Clock>,
    log: AccessLog,
}

impl DisposalService {
    /// The service; `purgers` delete what other contexts keep of a file.
    pub fn new(
        store: DisposalStore,
        records: Arc<RecordsService>,
        purgers: Vec<Arc<dyn FilePurger>>,
        settings: DisposalSettings,
        clock: Arc<dyn Clock>,
        log: AccessLog,
    ) -> Self {
        DisposalService {
            store,
            records,
            purgers,
            settings,
            clock,
            log,
        }
    }

    /// Only the records office disposes (tokens with `records:disposal`).
    fn check(actor: &Actor) -> Result<(), DisposalError> {
        if actor.is_system()
            || (actor.has_role_anywhere(Role::RecordsOffice) && actor.has_scope("records:disposal"))
        {
            Ok(())
        } else {
            Err(DisposalError::Forbidden)
        }
    }

    /// Files due, processes and holds.
    pub async fn overview(&self, actor: &Actor) -> Result<Overview, DisposalError> {
        Self::check(actor)?;
        let today = self.clock.now().date_naive();
        let (due, processes, holds) = tokio::try_join!(
            self.store.due_files(today, self.batch()),
            self.store.processes(),
            self.store.holds(),
        )?;
        Ok(Overview {
            due,
            processes,
            holds,
        })
    }

    fn batch(&self) -> i64 {
        self.settings.batch.clamp(1, 5000)
    }

    /// A process with its files and messages.
    pub async fn process(&self, actor: &Actor, id: Uuid) -> Result<ProcessView, DisposalError> {
        Self::check(actor)?;
        let process = self
            .store
            .process(id)
            .await?
            .ok_or(DisposalError::NotFound)?;
        let (items, messages) = tokio::try_join!(self.store.items(id), self.store.messages(id))?;
        Ok(ProcessView {
            process,
            items,
            messages,
        })
    }

    /// The catalogue decision for each node (inherited from the nearest
    /// node above that has one).
    async fn catalogue_by_node(&self) -> Result<HashMap<Uuid, Decision>, DisposalError> {
        let direct: HashMap<Uuid, Decision> = self
            .store
            .catalogue()
            .await?
            .into_iter()
            .map(|(n, d)| {
                (
                    n,
                    if d == "archive" {
                        Decision::Archive
                    } else {
                        Decision::Destroy
                    },
                )
            })
            .collect();
        let parents: HashMap<Uuid, Option<Uuid>> =
            self.store.node_parents().await?.into_iter().collect();
        let mut out = HashMap::new();
        for node in parents.keys() {
            let mut at = Some(*node);
            let mut depth = 0;
            while let Some(n) = at {
                if let Some(d) = direct.get(&n) {
                    out.insert(*node, *d);
                    break;
                }
                at = parents.get(&n).copied().flatten();
                depth += 1;
                if depth > 64 {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Starts a process with the files due: those the catalogue decides
    /// are appraised at once; the others are offered to the archive
    /// (0501). Returns the process.
    pub async fn start(&self, actor: &Actor) -> Result<Process, DisposalError> {
        Self::check(actor)?;
        let now = self.clock.now();
        let due = self.store.due_files(now.date_naive(), self.batch()).await?;
        if due.is_empty() {
            return Err(DisposalError::Conflict(
                "No closed file has reached the end of its retention.".into(),
            ));
        }
        let catalogue = self.catalogue_by_node().await?;
        let id = Uuid::now_v7();
        let by = actor.audit_label();
        let mut offered = Vec::new();
        let mut items = Vec::new();
        for f in &due {
            let decided = catalogue.get(&f.plan_node_id).copied();
            items.push(Item {
                process_id: id,
                file_id: f.id,
                reference: f.reference.clone(),
                title: f.title.clone(),
                plan_code: f.plan_code.clone(),
                closed_at: f.closed_at,
                retention_until: f.retention_until,
                decision: decided.map(|d| decision_str(d).to_owned()),
                decided_by: decided.map(|_| "catalogue".to_owned()),
                outcome: "pending".into(),
                archive_id: None,
                error: None,
                disposed_at: None,
            });
            if decided.is_none() {
                let proposal = if f.disposal == "destroy" {
                    Decision::Destroy
                } else {
                    Decision::Archive
                };
                offered.push(self.offered_file(f, proposal).await?);
            }
        }
        let process = Process {
            id,
            state: if offered.is_empty() {
                "appraised"
            } else {
                "offered"
            }
            .into(),
            created_by: by.clone(),
            created_at: now,
            offer_received_at: None,
            appraised_at: offered.is_empty().then_some(now),
            transferred_at: None,
            transfer_received_at: None,
            completed_at: None,
        };
        // The message is durable before the rows that name it.
        let message = if offered.is_empty() {
            None
        } else {
            let xml = xdomea::offer(id, now, &self.settings.parties, &offered);
            Some(self.keep(Kind::Offer, id, "out", &by, &xml, &[]).await?)
        };
        let mut tx = self.store.db().begin().await?;
        self.store.insert_process(&mut tx, &process).await?;
        for i in &items {
            self.store.insert_item(&mut tx, i).await?;
        }
        if let Some(m) = &message {
            self.store.insert_message(&mut tx, m).await?;
        }
        self.audit(&mut tx, &by, "disposal.started", id).await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(process)
    }

    /// A file as the messages describe it; with `content`, its documents'
    /// versions too.
    async fn offered_file(
        &self,
        f: &DueFile,
        disposal: Decision,
    ) -> Result<OfferedFile, DisposalError> {
        let documents = self
            .records
            .documents(RecordFileId(f.id))
            .await
            .map_err(internal)?
            .into_iter()
            .map(|d| FileDocument {
                id: d.id,
                title: d.title.clone(),
                versions: d
                    .versions
                    .iter()
                    .map(|v| FileVersion {
                        id: v.id,
                        number: v.number,
                        file_name: v.file_name.clone(),
                        media_type: v.media_type.clone(),
                        created_at: v.created_at,
                    })
                    .collect(),
            })
            .collect();
        Ok(OfferedFile {
            id: f.id,
            reference: f.reference.clone(),
            title: f.title.clone(),
            plan_code: f.plan_code.clone(),
            plan_title: f.plan_title.clone(),
            retention_years: f.retention_years,
            retention_until: f.retention_until,
            opened_on: f.created_at.date_naive(),
            closed_on: f.closed_at.date_naive(),
            disposal,
            documents,
        })
    }

    /// Stores a message (zipped as xdomea names it) as a blob; returns its
    /// row, not yet inserted.
    async fn keep(
        &self,
        kind: Kind,
        process: Uuid,
        direction: &str,
        by: &str,
        xml: &str,
        documents: &[(String, Bytes)],
    ) -> Result<MessageRow, DisposalError> {
        let zip = xdomea::pack(kind, process, xml, documents).map_err(DisposalError::Refused)?;
        self.keep_raw(kind, process, direction, by, Bytes::from(zip), "zip")
            .await
    }

    async fn keep_raw(
        &self,
        kind: Kind,
        process: Uuid,
        direction: &str,
        by: &str,
        bytes: Bytes,
        ext: &str,
    ) -> Result<MessageRow, DisposalError> {
        let sha256 = self.records.blobs().put(bytes).await.map_err(internal)?;
        Ok(MessageRow {
            id: Uuid::now_v7(),
            process_id: process,
            code: kind.code().into(),
            direction: direction.into(),
            file_name: format!("{}.{ext}", kind.file_stem(process)),
            sha256,
            created_by: by.into(),
            created_at: self.clock.now(),
        })
    }

    /// A message of a process: file name and content.
    pub async fn message_file(
        &self,
        actor: &Actor,
        process: Uuid,
        message: Uuid,
    ) -> Result<(String, Bytes), DisposalError> {
        Self::check(actor)?;
        let m = self
            .store
            .messages(process)
            .await?
            .into_iter()
            .find(|m| m.id == message)
            .ok_or(DisposalError::NotFound)?;
        let bytes = self
            .records
            .blobs()
            .get(&m.sha256)
            .await
            .map_err(internal)?;
        Ok((m.file_name, bytes))
    }

    /// Reads a message from the archive (0502, 0504, 0506, 0507, 0513; the
    /// XML or its zip). A message that does not read, names records the
    /// process does not hold, or comes out of turn is refused whole and
    /// changes nothing.
    pub async fn receive(&self, actor: &Actor, bytes: Bytes) -> Result<Incoming, DisposalError> {
        Self::check(actor)?;
        let xml = xdomea::unpack(&bytes).map_err(DisposalError::Refused)?;
        let incoming = xdomea::read(&xml).map_err(DisposalError::Refused)?;
        let by = actor.audit_label();
        let now = self.clock.now();
        let process = incoming.process();
        let ext = ext_of(&bytes);
        if let Incoming::Catalogue { items, .. } = &incoming {
            let nodes: HashSet<Uuid> = self
                .store
                .node_parents()
                .await?
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            if let Some((i, (unknown, _))) = items
                .iter()
                .enumerate()
                .find(|(_, (n, _))| !nodes.contains(n))
            {
                return Err(refused(
                    &format!("BewerteteAktenplaneinheit[{}]/ID", i + 1),
                    format!("{unknown} is no unit of the file plan"),
                ));
            }
            let kept = self
                .keep_raw(incoming.kind(), process, "in", &by, bytes, ext)
                .await?;
            let mut tx = self.store.db().begin().await?;
            for (node, d) in items {
                self.store
                    .set_catalogue(&mut tx, *node, decision_str(*d), process, now)
                    .await?;
            }
            self.store.insert_message(&mut tx, &kept).await?;
            self.audit(&mut tx, &by, "disposal.catalogue", process)
                .await?;
            tx.commit().await?;
            return Ok(incoming);
        }
        let Some(p) = self.store.process(process).await? else {
            return Err(refused(
                "Kopf/ProzessID",
                format!("{process} is no disposal process of rathaus"),
            ));
        };
        let items = self.store.items(process).await?;
        let expected = match incoming.kind() {
            Kind::OfferReceipt | Kind::Appraisal => "offered",
            _ => "transferred",
        };
        if p.state != expected {
            return Err(DisposalError::Conflict(format!(
                "A {} message fits a process in state {expected}; this one is {}.",
                incoming.kind().code(),
                p.state
            )));
        }
        let by_id: HashMap<Uuid, &Item> = items.iter().map(|i| (i.file_id, i)).collect();
        // Check the whole answer before anything is written.
        match &incoming {
            Incoming::Appraisal { items: decided, .. } => {
                for (i, (id, _)) in decided.iter().enumerate() {
                    if !by_id.contains_key(id) {
                        return Err(refused(
                            &format!("BewertetesObjekt[{}]/ID", i + 1),
                            format!("{id} was not offered in this process"),
                        ));
                    }
                }
                let named: HashSet<Uuid> = decided.iter().map(|(id, _)| *id).collect();
                let missing: Vec<&str> = items
                    .iter()
                    .filter(|i| i.decided_by.is_none() && !named.contains(&i.file_id))
                    .map(|i| i.reference.as_str())
                    .collect();
                if !missing.is_empty() {
                    return Err(refused(
                        "BewertetesObjekt",
                        format!("no decision on {}", missing.join(", ")),
                    ));
                }
            }
            Incoming::Imported { results, .. } => {
                let transferred: HashSet<Uuid> = items
                    .iter()
                    .filter(|i| i.decision.as_deref() == Some("archive"))
                    .map(|i| i.file_id)
                    .collect();
                for (i, r) in results.iter().enumerate() {
                    if !transferred.contains(&r.id) {
                        return Err(refused(
                            &format!("AusgesondertesSGO[{}]/IDSGO", i + 1),
                            format!("{} was not transferred in this process", r.id),
                        ));
                    }
                }
                let named: HashSet<Uuid> = results.iter().map(|r| r.id).collect();
                if let Some(m) = items
                    .iter()
                    .find(|i| transferred.contains(&i.file_id) && !named.contains(&i.file_id))
                {
                    return Err(refused(
                        "AusgesondertesSGO",
                        format!("no result for {}", m.reference),
                    ));
                }
            }
            _ => {}
        }
        let kept = self
            .keep_raw(incoming.kind(), process, "in", &by, bytes, ext)
            .await?;
        match &incoming {
            Incoming::OfferReceipt { .. } | Incoming::TransferReceipt { .. } => {
                let stamp = if incoming.kind() == Kind::OfferReceipt {
                    Stamp::OfferReceived
                } else {
                    Stamp::TransferReceived
                };
                let mut tx = self.store.db().begin().await?;
                if self
                    .store
                    .lock_process(&mut tx, process)
                    .await?
                    .map(|p| p.state)
                    != Some(p.state.clone())
                {
                    return Err(DisposalError::Conflict(
                        "The process changed meanwhile.".into(),
                    ));
                }
                self.store
                    .advance(&mut tx, process, &p.state, stamp, now)
                    .await?;
                self.store.insert_message(&mut tx, &kept).await?;
                tx.commit().await?;
            }
            Incoming::Appraisal { items: decided, .. } => {
                let receipt = xdomea::appraisal_receipt(process, now, &self.settings.parties);
                let answer = self
                    .keep(Kind::AppraisalReceipt, process, "out", &by, &receipt, &[])
                    .await?;
                let mut tx = self.store.db().begin().await?;
                if self
                    .store
                    .lock_process(&mut tx, process)
                    .await?
                    .map(|p| p.state)
                    != Some("offered".into())
                {
                    return Err(DisposalError::Conflict(
                        "The process changed meanwhile.".into(),
                    ));
                }
                for (id, d) in decided {
                    self.store
                        .decide(&mut tx, process, *id, decision_str(*d), "appraisal")
                        .await?;
                }
                self.store
                    .advance(&mut tx, process, "appraised", Stamp::Appraised, now)
                    .await?;
                self.store.insert_message(&mut tx, &kept).await?;
                self.store.insert_message(&mut tx, &answer).await?;
                self.audit(&mut tx, &by, "disposal.appraised", process)
                    .await?;
                tx.commit().await?;
            }
            Incoming::Imported { results, .. } => {
                let outcomes: HashMap<Uuid, &xdomea::ImportResult> =
                    results.iter().map(|r| (r.id, r)).collect();
                self.dispose(&by, process, &items, &outcomes, Some(kept))
                    .await?;
            }
            Incoming::Catalogue { .. } => {}
        }
        self.log.nudge();
        Ok(incoming)
    }

    /// Writes the transfer (0503) of the files the archive takes, with
    /// their documents. When the archive takes none, there is nothing to
    /// transfer and no import to wait for: the rejected files are deleted
    /// now.
    pub async fn transfer(&self, actor: &Actor, id: Uuid) -> Result<Process, DisposalError> {
        Self::check(actor)?;
        let p = self
            .store
            .process(id)
            .await?
            .ok_or(DisposalError::NotFound)?;
        if p.state != "appraised" {
            return Err(DisposalError::Conflict(format!(
                "Only an appraised process is transferred; this one is {}.",
                p.state
            )));
        }
        let by = actor.audit_label();
        let now = self.clock.now();
        let items = self.store.items(id).await?;
        let archive: Vec<&Item> = items
            .iter()
            .filter(|i| i.decision.as_deref() == Some("archive"))
            .collect();
        if archive.is_empty() {
            self.dispose(&by, id, &items, &HashMap::new(), None).await?;
            return self.store.process(id).await?.ok_or(DisposalError::NotFound);
        }
        let plan = self.records.store().plan().await?;
        let mut files = Vec::new();
        let mut contents = Vec::new();
        for i in &archive {
            let f = self.file_row(i, &plan).await?;
            let offered = self.offered_file(&f, Decision::Archive).await?;
            for d in &offered.documents {
                for v in &d.versions {
                    let (_, bytes) = self
                        .records
                        .content_in_file(RecordFileId(f.id), kernel::DocumentVersionId(v.id))
                        .await
                        .map_err(internal)?;
                    contents.push((v.zip_name(), bytes));
                }
            }
            files.push(offered);
        }
        let xml = xdomea::transfer(id, now, &self.settings.parties, &files);
        let kept = self
            .keep(Kind::Transfer, id, "out", &by, &xml, &contents)
            .await?;
        let mut tx = self.store.db().begin().await?;
        if self.store.lock_process(&mut tx, id).await?.map(|p| p.state) != Some("appraised".into())
        {
            return Err(DisposalError::Conflict(
                "The process changed meanwhile.".into(),
            ));
        }
        self.store
            .advance(&mut tx, id, "transferred", Stamp::Transferred, now)
            .await?;
        self.store.insert_message(&mut tx, &kept).await?;
        self.audit(&mut tx, &by, "disposal.transferred", id).await?;
        tx.commit().await?;
        self.log.nudge();
        self.store.process(id).await?.ok_or(DisposalError::NotFound)
    }

    /// The file row of an item (the file still exists while its process
    /// runs).
    async fn file_row(&self, i: &Item, plan: &[crate::PlanNode]) -> Result<DueFile, DisposalError> {
        let f = self
            .records
            .file_info(RecordFileId(i.file_id))
            .await
            .map_err(internal)?
            .ok_or_else(|| DisposalError::Conflict(format!("{} is gone", i.reference)))?;
        let node = plan
            .iter()
            .find(|n| n.id.0 == f.plan_node_id)
            .cloned()
            .ok_or_else(|| internal("file-plan node missing"))?;
        Ok(DueFile {
            id: f.id,
            reference: f.reference,
            title: f.title,
            created_at: f.created_at,
            closed_at: f.closed_at.unwrap_or(i.closed_at),
            retention_until: f.retention_until.unwrap_or(i.retention_until),
            plan_node_id: f.plan_node_id,
            plan_code: node.code,
            plan_title: node.title,
            retention_years: node.retention_years,
            disposal: node.disposal.as_str().into(),
        })
    }

    /// Deletes the archived and the rejected files of a process in one
    /// transaction (a file under a legal hold stays, marked `held`; a file
    /// the archive could not import stays, marked `failed`), completes the
    /// process, then removes their search entries and the blobs nothing
    /// references any more.
    async fn dispose(
        &self,
        by: &str,
        process: Uuid,
        items: &[Item],
        imported: &HashMap<Uuid, &xdomea::ImportResult>,
        message: Option<MessageRow>,
    ) -> Result<(), DisposalError> {
        let now = self.clock.now();
        let mut documents = Vec::new();
        let mut blobs = Vec::new();
        let mut tx = self.store.db().begin().await?;
        let state = self
            .store
            .lock_process(&mut tx, process)
            .await?
            .map(|p| p.state);
        if !matches!(state.as_deref(), Some("appraised" | "transferred")) {
            return Err(DisposalError::Conflict(
                "The process changed meanwhile.".into(),
            ));
        }
        for i in items.iter().filter(|i| i.outcome == "pending") {
            let result = imported.get(&i.file_id);
            let (outcome, archive_id, error) = match (i.decision.as_deref(), result) {
                (Some("archive"), Some(r)) if r.ok => ("archived", r.archive_id.clone(), None),
                (Some("archive"), Some(r)) => ("failed", None, Some(r.errors.join("; "))),
                (Some("destroy"), _) => ("destroyed", None, None),
                _ => continue,
            };
            if outcome == "failed" {
                self.store
                    .finish_item(
                        &mut tx,
                        process,
                        i.file_id,
                        outcome,
                        None,
                        error.as_deref(),
                        None,
                    )
                    .await?;
                continue;
            }
            if self.store.held_in(&mut tx, i.file_id).await? {
                self.store
                    .finish_item(
                        &mut tx,
                        process,
                        i.file_id,
                        "held",
                        archive_id.as_deref(),
                        None,
                        None,
                    )
                    .await?;
                continue;
            }
            for p in &self.purgers {
                blobs.extend(p.purge_in(&mut tx, i.file_id).await?);
            }
            let (docs, keys) = self.store.delete_file_in(&mut tx, i.file_id).await?;
            documents.extend(docs);
            blobs.extend(keys);
            self.store
                .finish_item(
                    &mut tx,
                    process,
                    i.file_id,
                    outcome,
                    archive_id.as_deref(),
                    None,
                    Some(now),
                )
                .await?;
            record_in_tx(
                &mut tx,
                self.clock.as_ref(),
                &AuditEntry::new(
                    by.to_owned(),
                    if outcome == "archived" {
                        "file.archived"
                    } else {
                        "file.destroyed"
                    },
                    "file",
                    vec![i.file_id.to_string()],
                ),
            )
            .await?;
        }
        self.store
            .advance(&mut tx, process, "completed", Stamp::Completed, now)
            .await?;
        if let Some(m) = &message {
            self.store.insert_message(&mut tx, m).await?;
        }
        tx.commit().await?;
        self.log.nudge();
        // After the commit: what the rows no longer name. A crash here
        // leaves unreferenced blobs behind, never a row without its blob.
        let ids: Vec<String> = documents.iter().map(Uuid::to_string).collect();
        let index = self.records.index().clone();
        tokio::task::spawn_blocking(move || index.delete_documents(&ids))
            .await
            .map_err(internal)?
            .map_err(internal)?;
        blobs.sort();
        blobs.dedup();
        for key in blobs {
            if self.store.blob_in_use(&key).await? {
                continue;
            }
            let mut used = false;
            for p in &self.purgers {
                used |= p.blob_in_use(&key).await?;
            }
            if !used {
                self.records.blobs().delete(&key).await.map_err(internal)?;
            }
        }
        Ok(())
    }

    /// Sets a legal hold on a file (by its reference): it is not offered
    /// and not deleted until the hold is lifted.
    pub async fn set_hold(
        &self,
        actor: &Actor,
        reference: &str,
        reason: &str,
    ) -> Result<Hold, DisposalError> {
        Self::check(actor)?;
        let mut errors = FieldErrors::new();
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            errors.add("reason", "hold_reason_missing");
        }
        let file = self
            .records
            .file_by_reference(reference.trim())
            .await
            .map_err(internal)?;
        if file.is_none() {
            errors.add("reference", "file_unknown");
        }
        errors.into_result().map_err(DisposalError::Invalid)?;
        let file = file.ok_or(DisposalError::NotFound)?;
        let h = Hold {
            id: Uuid::now_v7(),
            file_id: file.id,
            reference: Some(file.reference.clone()),
            reason: reason.to_owned(),
            set_by: actor.audit_label(),
            set_at: self.clock.now(),
            lifted_by: None,
            lifted_at: None,
        };
        self.store.insert_hold(&h).await?;
        Ok(h)
    }

    /// Lifts a legal hold.
    pub async fn lift_hold(&self, actor: &Actor, id: Uuid) -> Result<(), DisposalError> {
        Self::check(actor)?;
        if self
            .store
            .lift_hold(id, &actor.audit_label(), self.clock.now())
            .await?
        {
            Ok(())
        } else {
            Err(DisposalError::NotFound)
        }
    }

    async fn audit(
        &self,
        tx: &mut Tx,
        by: &str,
        action: &str,
        id: Uuid,
    ) -> Result<(), DisposalError> {
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(by.to_owned(), action, "disposal", vec![id.to_string()]),
        )
        .await?;
        Ok(())
    }
}

fn decision_str(d: Decision) -> &'static str {
    match d {
        Decision::Archive => "archive",
        Decision::Destroy => "destroy",
    }
}

/// The extension an incoming message is kept with.
fn ext_of(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"PK\x03\x04") {
        "zip"
    } else {
        "xml"
    }
}
