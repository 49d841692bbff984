//! Use cases of the E-Akte: the records office maintains the file plan;
//! staff create files (each with the next file reference of its code and
//! year) and add documents and versions. Every change writes its
//! access-log entry in its transaction; blobs are durable before the rows
//! that point to them commit.

use crate::domain::{FilePlanFile, PlanNode, PlanNodeInput, check_plan, file_reference};
use crate::store::{RecordFile, RecordsStore, Version};
use bytes::Bytes;
use chrono::{DateTime, Datelike, Utc};
use kernel::{
    Actor, ActorKind, Clock, DocumentId, DocumentVersionId, FieldErrors, RecordFileId, Role,
};
use std::sync::Arc;
use storage::audit::record_in_tx;
use storage::text_search::DocumentIndex;
use storage::{AccessLog, AuditEntry, BlobStore, DbError, NewJob, Tx};
use uuid::Uuid;

/// Errors of records use cases.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    /// The input is invalid (named per field).
    #[error("invalid")]
    Invalid(FieldErrors),
    /// Not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Unknown.
    #[error("not found")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something else failed.
    #[error("{0}")]
    Internal(String),
}

fn invalid(field: &str, code: &str) -> RecordsError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    RecordsError::Invalid(e)
}

/// An upload to keep as a version.
#[derive(Debug, Clone)]
pub struct Content {
    /// The name it came with.
    pub file_name: String,
    /// Bytes.
    pub bytes: Bytes,
    /// Version note.
    pub note: String,
}

/// Content already in the blob store (its key is its SHA-256).
#[derive(Debug, Clone)]
pub struct StoredContent {
    /// SHA-256 of the content, its key in the blob store.
    pub sha256: String,
    /// Media type taken from the content.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// The name it came with.
    pub file_name: String,
    /// Version note.
    pub note: String,
}

/// The media type of content by its magic bytes; text without a signature
/// is `text/plain`, anything else unknown `application/octet-stream`.
pub fn media_type_of(bytes: &[u8]) -> String {
    storage::blob::media_type_of(bytes)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            if std::str::from_utf8(bytes).is_ok() {
                "text/plain".into()
            } else {
                "application/octet-stream".into()
            }
        })
}

/// The records use cases.
#[derive(Clone)]
pub struct RecordsService {
    store: RecordsStore,
    blobs: BlobStore,
    clock: Arc<dyn Clock>,
    log: AccessLog,
    index: Arc<DocumentIndex>,
}

impl RecordsService {
    /// The service.
    pub fn new(
        store: RecordsStore,
        blobs: BlobStore,
        clock: Arc<dyn Clock>,
        log: AccessLog,
        index: Arc<DocumentIndex>,
    ) -> Self {
        RecordsService {
            store,
            blobs,
            clock,
            log,
            index,
        }
    }

    pub(crate) fn store(&self) -> &RecordsStore {
        &self.store
    }

    pub(crate) fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The document index (the app checks it at start; tests clear it).
    pub fn index(&self) -> &Arc<DocumentIndex> {
        &self.index
    }

    /// Announces a new version to the text job, in the transaction that
    /// adds it (the outbox: its text is extracted and indexed after the
    /// commit, and again after a crash).
    async fn announce(&self, tx: &mut Tx, version: Uuid) -> Result<(), RecordsError> {
        storage::jobs::enqueue(
            tx,
            self.clock.as_ref(),
            NewJob::new(
                crate::text::TEXT_JOB,
                serde_json::json!({ "version_id": version }),
            ),
        )
        .await?;
        Ok(())
    }

    fn require_staff(actor: &Actor) -> Result<(), RecordsError> {
        // Tokens act with the roles of the admin who created them.
        if actor.is_system() || matches!(actor.kind, ActorKind::Staff | ActorKind::ApiToken { .. })
        {
            Ok(())
        } else {
            Err(RecordsError::Forbidden)
        }
    }

    /// An access-log entry by `by` (an access-log label) in the caller's
    /// transaction.
    async fn audit(
        &self,
        tx: &mut Tx,
        by: &str,
        action: &str,
        kind: &str,
        id: String,
    ) -> Result<(), RecordsError> {
        record_in_tx(
            tx,
            self.clock.as_ref(),
            &AuditEntry::new(by.to_owned(), action, kind, vec![id]),
        )
        .await?;
        Ok(())
    }

    /// The file plan (staff).
    pub async fn plan(&self, actor: &Actor) -> Result<Vec<PlanNode>, RecordsError> {
        Self::require_staff(actor)?;
        Ok(self.store.plan().await?)
    }

    /// Imports nodes into the file plan (records office): new codes are
    /// added, existing ones get the new title and retention; all or
    /// nothing.
    pub async fn import_plan(
        &self,
        actor: &Actor,
        file: FilePlanFile,
    ) -> Result<usize, RecordsError> {
        if !(actor.is_system() || actor.has_role_anywhere(Role::RecordsOffice)) {
            return Err(RecordsError::Forbidden);
        }
        let existing: Vec<String> = self
            .store
            .plan()
            .await?
            .into_iter()
            .map(|n| n.code)
            .collect();
        check_plan(&file, &existing)
            .into_result()
            .map_err(RecordsError::Invalid)?;
        let mut tx = self.store.db().begin().await?;
        for n in &file.nodes {
            self.store.upsert_node(&mut tx, n, self.clock.now()).await?;
        }
        self.audit(
            &mut tx,
            &actor.audit_label(),
            "file_plan.imported",
            "file_plan",
            format!("{} nodes", file.nodes.len()),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(file.nodes.len())
    }

    /// The file plan in its exchange format.
    pub async fn export_plan(&self, actor: &Actor) -> Result<FilePlanFile, RecordsError> {
        let plan = self.plan(actor).await?;
        let code_of = |id| plan.iter().find(|n| n.id == id).map(|n| n.code.clone());
        Ok(FilePlanFile {
            format: FilePlanFile::FORMAT.into(),
            nodes: plan
                .iter()
                .map(|n| PlanNodeInput {
                    code: n.code.clone(),
                    title: n.title.clone(),
                    parent: n.parent.and_then(code_of),
                    retention_years: n.retention_years,
                    disposal: n.disposal,
                })
                .collect(),
        })
    }

    /// Creates a file under the node with `code`; its reference takes the
    /// next number of that code in the current year.
    pub async fn create_file(
        &self,
        actor: &Actor,
        code: &str,
        title: &str,
    ) -> Result<RecordFile, RecordsError> {
        Self::require_staff(actor)?;
        let mut tx = self.store.db().begin().await?;
        let file = self
            .create_file_in(&mut tx, &actor.audit_label(), code, title, None)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(file)
    }

    /// Creates a file inside the caller's transaction, for another context
    /// that files something as part of its own change (`by` is the
    /// access-log label of who acts).
    pub async fn create_file_in(
        &self,
        tx: &mut Tx,
        by: &str,
        code: &str,
        title: &str,
        org_unit: Option<kernel::OrgUnitId>,
    ) -> Result<RecordFile, RecordsError> {
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            return Err(invalid("title", "title_missing"));
        }
        let node = self
            .store
            .node_by_code_in(tx, code)
            .await?
            .ok_or_else(|| invalid("plan_code", "plan_code_unknown"))?;
        let now = self.clock.now();
        let number = self.store.next_number(tx, &node.code, now.year()).await?;
        let file = RecordFile {
            id: RecordFileId::new().0,
            plan_node_id: node.id.0,
            reference: file_reference(&node.code, now.year(), number),
            title: title.to_owned(),
            created_by: by.to_owned(),
            created_at: now,
            closed_at: None,
            org_unit_id: org_unit.map(|u| u.0),
            retention_until: None,
        };
        self.store.insert_file(tx, &file).await?;
        self.audit(tx, by, "file.created", "file", file.id.to_string())
            .await?;
        Ok(file)
    }

    /// Closes a file in the caller's transaction: its retention runs from
    /// the end of the year in which it is closed (German calendar) for the
    /// years its file-plan node keeps files. Returns the last day of
    /// retention.
    pub async fn close_file_in(
        &self,
        tx: &mut Tx,
        by: &str,
        file: RecordFileId,
        at: DateTime<Utc>,
    ) -> Result<chrono::NaiveDate, RecordsError> {
        let years = self
            .store
            .retention_years_in(tx, file)
            .await?
            .ok_or(RecordsError::NotFound)?;
        let until = retention_until(at, years);
        if !self.store.close_in(tx, file, at, until).await? {
            return Err(invalid("file", "file_closed"));
        }
        self.audit(tx, by, "file.closed", "file", file.to_string())
            .await?;
        Ok(until)
    }

    /// A file by its reference (the caller checked access).
    pub async fn file_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<RecordFile>, RecordsError> {
        Ok(self.store.file_by_reference(reference).await?)
    }

    /// A file (the caller checked access).
    pub async fn file_info(&self, file: RecordFileId) -> Result<Option<RecordFile>, RecordsError> {
        Ok(self.store.file(file).await?)
    }

    /// Adds a document whose content is a blob stored (durably) before,
    /// inside the caller's transaction.
    pub async fn add_stored_document_in(
        &self,
        tx: &mut Tx,
        by: &str,
        file: RecordFileId,
        title: &str,
        stored: StoredContent,
    ) -> Result<Version, RecordsError> {
        let id = DocumentId::new();
        let now = self.clock.now();
        self.store.insert_document(tx, id, file, title, now).await?;
        let mut version = self.version_of(by, id, stored);
        version.number = self.store.insert_version(tx, &version).await?;
        self.announce(tx, version.id).await?;
        self.audit(tx, by, "document.created", "document", id.to_string())
            .await?;
        Ok(version)
    }

    /// Adds the next version of a document of `file` whose content is a
    /// blob stored before, inside the caller's transaction.
    pub async fn add_stored_version_in(
        &self,
        tx: &mut Tx,
        by: &str,
        file: RecordFileId,
        document: DocumentId,
        stored: StoredContent,
    ) -> Result<Version, RecordsError> {
        if self.store.file_of_document_in(tx, document).await? != Some(file) {
            return Err(RecordsError::NotFound);
        }
        let mut version = self.version_of(by, document, stored);
        version.number = self.store.insert_version(tx, &version).await?;
        self.announce(tx, version.id).await?;
        self.audit(
            tx,
            by,
            "document.version_added",
            "document",
            document.to_string(),
        )
        .await?;
        Ok(version)
    }

    /// The version an earlier upload with the client's idempotency `key`
    /// made (`caller` is who uploaded).
    pub async fn uploaded_with_key(
        &self,
        caller: &str,
        key: &str,
    ) -> Result<Option<Version>, RecordsError> {
        let Some(id) = self.store.upload_key(caller, key).await? else {
            return Ok(None);
        };
        Ok(self.store.version(DocumentVersionId(id)).await?)
    }

    /// Remembers the version an upload with an idempotency key made, in the
    /// caller's transaction (a concurrent twin fails on the unique key).
    pub async fn remember_upload_key_in(
        &self,
        tx: &mut Tx,
        caller: &str,
        key: &str,
        version: DocumentVersionId,
    ) -> Result<(), RecordsError> {
        self.store
            .insert_upload_key(tx, caller, key, version, self.clock.now())
            .await?;
        Ok(())
    }

    /// Stores content as a blob (durable on return) and describes it: type
    /// from the content, name without path; for
    /// [`RecordsService::add_stored_document_in`].
    pub async fn store_content(
        &self,
        file_name: &str,
        bytes: Bytes,
        note: &str,
    ) -> Result<StoredContent, RecordsError> {
        let media_type = media_type_of(&bytes);
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let sha256 = self
            .blobs
            .put(bytes)
            .await
            .map_err(|e| RecordsError::Internal(e.to_string()))?;
        Ok(StoredContent {
            sha256,
            media_type,
            size,
            file_name: storage::blob::clean_file_name(file_name, "Dokument"),
            note: note.trim().chars().take(500).collect(),
        })
    }

    /// A new version (numbered on insert) of stored content.
    fn version_of(&self, by: &str, document: DocumentId, stored: StoredContent) -> Version {
        Version {
            id: DocumentVersionId::new().0,
            document_id: document.0,
            number: 0,
            sha256: stored.sha256,
            media_type: stored.media_type,
            size: stored.size,
            file_name: stored.file_name,
            author: by.to_owned(),
            note: stored.note,
            created_at: self.clock.now(),
        }
    }

    /// Stores uploaded content (refusing empty files).
    async fn store_upload(&self, content: &Content) -> Result<StoredContent, RecordsError> {
        if content.bytes.is_empty() {
            return Err(invalid("file", "file_empty"));
        }
        self.store_content(&content.file_name, content.bytes.clone(), &content.note)
            .await
    }

    /// Adds a document with its first version to a file.
    pub async fn add_document(
        &self,
        actor: &Actor,
        file: RecordFileId,
        title: &str,
        content: Content,
    ) -> Result<(DocumentId, Version), RecordsError> {
        Self::require_staff(actor)?;
        self.store.file(file).await?.ok_or(RecordsError::NotFound)?;
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            return Err(invalid("title", "title_missing"));
        }
        let stored = self.store_upload(&content).await?;
        let mut tx = self.store.db().begin().await?;
        let version = self
            .add_stored_document_in(&mut tx, &actor.audit_label(), file, title, stored)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok((DocumentId(version.document_id), version))
    }

    /// Adds the next version of a document; earlier versions stay as they
    /// are.
    pub async fn add_version(
        &self,
        actor: &Actor,
        document: DocumentId,
        content: Content,
    ) -> Result<Version, RecordsError> {
        Self::require_staff(actor)?;
        let file = self
            .store
            .file_of_document(document)
            .await?
            .ok_or(RecordsError::NotFound)?;
        let stored = self.store_upload(&content).await?;
        let mut tx = self.store.db().begin().await?;
        let version = self
            .add_stored_version_in(&mut tx, &actor.audit_label(), file, document, stored)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(version)
    }

    /// A document's file and versions, oldest first (the caller checks
    /// access to the file).
    pub async fn document_in_file(
        &self,
        document: DocumentId,
    ) -> Result<(RecordFile, Vec<Version>), RecordsError> {
        let file = self
            .store
            .file_of_document(document)
            .await?
            .ok_or(RecordsError::NotFound)?;
        let file = self.store.file(file).await?.ok_or(RecordsError::NotFound)?;
        let versions = self.store.versions(document).await?;
        Ok((file, versions))
    }

    /// The versions of a document, oldest first (staff).
    pub async fn versions(
        &self,
        actor: &Actor,
        document: DocumentId,
    ) -> Result<Vec<Version>, RecordsError> {
        Self::require_staff(actor)?;
        let v = self.store.versions(document).await?;
        if v.is_empty() {
            return Err(RecordsError::NotFound);
        }
        Ok(v)
    }

    /// The content of a version, checked against its SHA-256.
    pub async fn content(
        &self,
        actor: &Actor,
        version: DocumentVersionId,
    ) -> Result<(Version, Bytes), RecordsError> {
        Self::require_staff(actor)?;
        let v = self
            .store
            .version(version)
            .await?
            .ok_or(RecordsError::NotFound)?;
        let bytes = self
            .blobs
            .get(&v.sha256)
            .await
            .map_err(|e| RecordsError::Internal(e.to_string()))?;
        Ok((v, bytes))
    }

    /// Files under a node (staff).
    pub async fn files(&self, actor: &Actor, code: &str) -> Result<Vec<RecordFile>, RecordsError> {
        Self::require_staff(actor)?;
        let node = self
            .store
            .node_by_code(code)
            .await?
            .ok_or(RecordsError::NotFound)?;
        Ok(self.store.files_of(node.id).await?)
    }

    /// The documents of a file with their versions. The caller (the cases
    /// context) has checked that the actor may see the file.
    pub async fn documents(
        &self,
        file: RecordFileId,
    ) -> Result<Vec<crate::store::DocumentWithVersions>, RecordsError> {
        Ok(self.store.documents_of(file).await?)
    }

    /// The content of a version when it belongs to `file` (the caller
    /// checked the file), checked against its SHA-256.
    pub async fn content_in_file(
        &self,
        file: RecordFileId,
        version: DocumentVersionId,
    ) -> Result<(Version, Bytes), RecordsError> {
        let v = self
            .store
            .version(version)
            .await?
            .ok_or(RecordsError::NotFound)?;
        if self
            .store
            .file_of_document(DocumentId(v.document_id))
            .await?
            != Some(file)
        {
            return Err(RecordsError::NotFound);
        }
        let bytes = self
            .blobs
            .get(&v.sha256)
            .await
            .map_err(|e| RecordsError::Internal(e.to_string()))?;
        Ok((v, bytes))
    }
}

/// The last day of retention of a file closed at `closed`: 31 December of
/// the closing year (in Germany) plus `years`.
pub fn retention_until(closed: DateTime<Utc>, years: i64) -> chrono::NaiveDate {
    let year = closed
        .with_timezone(&chrono_tz::Europe::Berlin)
        .year()
        .saturating_add(i32::try_from(years).unwrap_or(200));
    chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(chrono::NaiveDate::MAX)
}

#[cfg(test)]
mod retention_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retention_runs_from_the_end_of_the_closing_year() {
        let mid = Utc.with_ymd_and_hms(2027, 6, 15, 12, 0, 0).unwrap();
        assert_eq!(
            retention_until(mid, 10),
            chrono::NaiveDate::from_ymd_opt(2037, 12, 31).unwrap()
        );
        // New Year's Eve 23:30 UTC is already the next year in Germany.
        let eve = Utc.with_ymd_and_hms(2027, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(
            retention_until(eve, 10),
            chrono::NaiveDate::from_ymd_opt(2038, 12, 31).unwrap()
        );
        assert_eq!(
            retention_until(mid, 0),
            chrono::NaiveDate::from_ymd_opt(2027, 12, 31).unwrap()
        );
    }
}
