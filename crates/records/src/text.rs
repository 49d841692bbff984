//! The text of documents for the search: extracted once per version by a
//! job (PDF with `pdf-extract`, Word/Excel/PowerPoint with `office_oxide`,
//! OpenDocument with `odox-core`, plain text as it is), kept in `records_text` so that the index can be
//! rebuilt without parsing every file again, and indexed with the document
//! title, the file reference and the org unit whose staff may find it.

use crate::service::{RecordsError, RecordsService};
use kernel::{Actor, DocumentVersionId, Role};
use serde_json::Value;
use std::io::Cursor;
use storage::jobs::{JobError, JobHandler};
use storage::text_search::{TextDoc, TextResults};
use storage::{DbError, on_db};
use uuid::Uuid;

/// Job kind: extract and index the text of a version.
pub const TEXT_JOB: &str = "document.text";

/// Longest text kept per version (the search needs no more).
const MAX_TEXT_CHARS: usize = 200_000;

/// The text of content of a media type, when it is a kind with text.
/// Parsers of untrusted files may panic on broken input: that counts as
/// "no text", never as a crash.
pub fn extract_text(media_type: &str, bytes: &[u8]) -> Option<String> {
    use office_oxide::{Document, DocumentFormat};
    let office = |format: DocumentFormat| {
        Document::from_reader(Cursor::new(bytes.to_vec()), format)
            .ok()
            .map(|d| d.plain_text())
    };
    let text = std::panic::catch_unwind(|| match media_type {
        "text/plain" => std::str::from_utf8(bytes).ok().map(str::to_owned),
        "application/pdf" => pdf_extract::extract_text_from_mem(bytes).ok(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            office(DocumentFormat::Docx)
        }
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
            office(DocumentFormat::Xlsx)
        }
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
            office(DocumentFormat::Pptx)
        }
        "application/msword" => office(DocumentFormat::Doc),
        "application/vnd.ms-excel" => office(DocumentFormat::Xls),
        "application/vnd.ms-powerpoint" => office(DocumentFormat::Ppt),
        "application/vnd.oasis.opendocument.text"
        | "application/vnd.oasis.opendocument.spreadsheet"
        | "application/vnd.oasis.opendocument.presentation" => open_document_text(bytes),
        _ => None,
    })
    .ok()
    .flatten()?;
    // Runs of whitespace from layout carry no meaning for the search.
    let mut out = String::with_capacity(text.len().min(MAX_TEXT_CHARS));
    for word in text.split_whitespace() {
        if out.len() + word.len() + 1 > MAX_TEXT_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Some(out)
}

/// Most bytes an OpenDocument package may unpack to before its text is read:
/// a small upload must not expand into gigabytes in memory (zip bomb).
const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;

/// The text of an OpenDocument text, spreadsheet or presentation: every
/// paragraph and heading of the body (in a spreadsheet, cells hold
/// paragraphs too), one per line so that words of neighbouring paragraphs
/// never run together.
fn open_document_text(bytes: &[u8]) -> Option<String> {
    use odox_core::{Element, Node, Ns, doc::Document};
    const ODF: &[&str] = &[
        odox_core::media_type::TEXT,
        odox_core::media_type::TEXT_WEB,
        odox_core::media_type::SPREADSHEET,
        odox_core::media_type::PRESENTATION,
    ];
    fn paragraphs(element: &Element, out: &mut String) {
        for child in &element.children {
            if let Node::Element(e) = child {
                if e.is(&Ns::Text, "p") || e.is(&Ns::Text, "h") {
                    out.push_str(&e.plain_text());
                    out.push('\n');
                } else {
                    paragraphs(e, out);
                }
            }
        }
    }
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let unpacked = archive.decompressed_size()?;
    if unpacked > u128::from(MAX_UNPACKED_BYTES) {
        return None;
    }
    let document = Document::read(bytes, ODF).ok()?;
    let mut out = String::new();
    paragraphs(document.body()?, &mut out);
    Some(out)
}

/// What the index needs of a version besides its text.
#[derive(sqlx::FromRow)]
struct IndexRow {
    version_id: Uuid,
    document_id: Uuid,
    file_id: Uuid,
    org_unit_id: Option<Uuid>,
    title: String,
    reference: String,
    text: String,
}

/// Newest version per document, joined with its text, document and file.
const INDEX_ROWS: &str = "SELECT v.id AS version_id, d.id AS document_id, f.id AS file_id, f.org_unit_id, d.title, f.reference, t.text
     FROM records_text t
     JOIN records_version v ON v.id = t.version_id
     JOIN records_document d ON d.id = v.document_id
     JOIN records_file f ON f.id = d.file_id
     WHERE v.number = (SELECT MAX(number) FROM records_version w WHERE w.document_id = v.document_id)";

impl From<IndexRow> for TextDoc {
    fn from(r: IndexRow) -> TextDoc {
        TextDoc {
            document: r.document_id.to_string(),
            version: r.version_id.to_string(),
            file: r.file_id.to_string(),
            scope: r.org_unit_id.map(|u| u.to_string()).unwrap_or_default(),
            title: r.title,
            reference: r.reference,
            text: r.text,
        }
    }
}

impl RecordsService {
    /// Extracts, keeps and indexes the text of a version (the job's work).
    pub async fn index_version(&self, version: DocumentVersionId) -> Result<(), RecordsError> {
        let Some(v) = self.store().version(version).await? else {
            return Ok(()); // nothing to index any more
        };
        let bytes = self
            .blobs()
            .get(&v.sha256)
            .await
            .map_err(|e| RecordsError::Internal(e.to_string()))?;
        let media_type = v.media_type.clone();
        let text = tokio::task::spawn_blocking(move || extract_text(&media_type, &bytes))
            .await
            .map_err(|e| RecordsError::Internal(e.to_string()))?
            .unwrap_or_default();
        let now = self.clock().now();
        on_db!(self.store().db(), pool => sqlx::query(
            "INSERT INTO records_text (version_id, text, extracted_at) VALUES ($1, $2, $3)
             ON CONFLICT (version_id) DO UPDATE SET text = $2, extracted_at = $3",
        ).bind(version.0).bind(&text).bind(now).execute(pool).await.map_err(DbError::from)?.rows_affected());
        let sql = format!("{INDEX_ROWS} AND v.document_id = $1");
        let row: Option<IndexRow> = on_db!(self.store().db(), pool => sqlx::query_as::<_, IndexRow>(sqlx::AssertSqlSafe(sql))
            .bind(v.document_id).fetch_optional(pool).await.map_err(DbError::from)?);
        if let Some(row) = row {
            let index = self.index().clone();
            tokio::task::spawn_blocking(move || index.upsert(&[row.into()]))
                .await
                .map_err(|e| RecordsError::Internal(e.to_string()))?
                .map_err(|e| RecordsError::Internal(e.to_string()))?;
        }
        Ok(())
    }

    /// Rebuilds the document index from the kept texts (no file is parsed
    /// again); returns the number of documents indexed.
    pub async fn reindex_documents(&self) -> Result<u64, RecordsError> {
        let index = self.index().clone();
        let cleared = index.clone();
        tokio::task::spawn_blocking(move || cleared.clear())
            .await
            .map_err(|e| RecordsError::Internal(e.to_string()))?
            .map_err(|e| RecordsError::Internal(e.to_string()))?;
        let mut after = Uuid::nil();
        let mut total = 0u64;
        // Pages in version order; the index works on one page while the
        // next is read.
        let mut pending: Option<tokio::task::JoinHandle<Result<(), String>>> = None;
        loop {
            let sql = format!("{INDEX_ROWS} AND v.id > $1 ORDER BY v.id LIMIT 5000");
            let rows: Vec<IndexRow> = on_db!(self.store().db(), pool => sqlx::query_as::<_, IndexRow>(sqlx::AssertSqlSafe(sql))
                .bind(after).fetch_all(pool).await.map_err(DbError::from)?);
            let Some(last) = rows.last() else { break };
            after = last.version_id;
            total += rows.len() as u64;
            let docs: Vec<TextDoc> = rows.into_iter().map(TextDoc::from).collect();
            if let Some(p) = pending.take() {
                p.await
                    .map_err(|e| RecordsError::Internal(e.to_string()))?
                    .map_err(RecordsError::Internal)?;
            }
            let index = index.clone();
            pending = Some(tokio::task::spawn_blocking(move || {
                index.stage(&docs).map_err(|e| e.to_string())
            }));
        }
        if let Some(p) = pending.take() {
            p.await
                .map_err(|e| RecordsError::Internal(e.to_string()))?
                .map_err(RecordsError::Internal)?;
        }
        tokio::task::spawn_blocking(move || index.commit())
            .await
            .map_err(|e| RecordsError::Internal(e.to_string()))?
            .map_err(|e| RecordsError::Internal(e.to_string()))?;
        Ok(total)
    }

    /// Enqueues a rebuild of the document index when it is empty but texts
    /// are kept (a new index directory, or a new index schema after an
    /// upgrade); `true` when it did.
    pub async fn ensure_document_index(&self) -> Result<bool, RecordsError> {
        let empty = self
            .index()
            .is_empty()
            .map_err(|e| RecordsError::Internal(e.to_string()))?;
        let kept: bool = on_db!(self.store().db(), pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM (SELECT 1 FROM records_text LIMIT 1) t",
        ).fetch_one(pool).await.map_err(DbError::from)?)
            > 0;
        if !(empty && kept) {
            return Ok(false);
        }
        let mut tx = self.store().db().begin().await?;
        storage::jobs::enqueue(
            &mut tx,
            self.clock(),
            storage::NewJob::new(TEXT_JOB, serde_json::json!({ "reindex": true })),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The org units whose documents the actor may find: all for the
    /// records office (`None`), else those where it is clerk or manager
    /// (also as deputy).
    pub fn search_scopes(actor: &Actor) -> Option<Vec<String>> {
        if actor.is_system() || actor.has_role_anywhere(Role::RecordsOffice) {
            return None;
        }
        Some(
            actor
                .units_with(&[Role::Clerk, Role::Manager])
                .iter()
                .map(ToString::to_string)
                .collect(),
        )
    }

    /// Full-text search over the documents the actor may see: the best
    /// `limit` with their passages and the number of all hits.
    pub async fn search_documents(
        &self,
        actor: &Actor,
        query: &str,
        limit: usize,
    ) -> Result<TextResults, RecordsError> {
        if !matches!(
            actor.kind,
            kernel::ActorKind::Staff
                | kernel::ActorKind::ApiToken { .. }
                | kernel::ActorKind::System
        ) || !(actor.has_scope("cases:read") || actor.has_scope("cases:write"))
        {
            return Err(RecordsError::Forbidden);
        }
        let scopes = Self::search_scopes(actor);
        let index = self.index().clone();
        let query = query.chars().take(500).collect::<String>();
        let limit = limit.clamp(1, 100);
        tokio::task::spawn_blocking(move || index.search(&query, scopes.as_deref(), limit))
            .await
            .map_err(|e| RecordsError::Internal(e.to_string()))?
            .map_err(|e| RecordsError::Internal(e.to_string()))
    }
}

/// Runs [`TEXT_JOB`]s.
pub struct TextJobs {
    /// The records service.
    pub records: std::sync::Arc<RecordsService>,
}

#[async_trait::async_trait]
impl JobHandler for TextJobs {
    async fn run(&self, payload: Value) -> Result<(), JobError> {
        if payload.get("reindex").and_then(Value::as_bool) == Some(true) {
            let n = self
                .records
                .reindex_documents()
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            tracing::info!(documents = n, "document index rebuilt");
            return Ok(());
        }
        let id = payload
            .get("version_id")
            .and_then(Value::as_str)
            .and_then(DocumentVersionId::parse)
            .ok_or_else(|| JobError::Permanent("payload without version_id".into()))?;
        self.records
            .index_version(id)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_comes_from_plain_text_and_never_from_broken_or_unknown_files() {
        assert_eq!(
            extract_text("text/plain", "Guten   Tag,\n\nHerr  Meier".as_bytes()).as_deref(),
            Some("Guten Tag, Herr Meier")
        );
        assert_eq!(extract_text("application/pdf", b"%PDF-1.4 kaputt"), None);
        assert_eq!(
            extract_text(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                b"PK\x03\x04 kaputt"
            ),
            None
        );
        assert_eq!(extract_text("image/png", b"\x89PNG"), None);
    }

    /// An OpenDocument package as an office suite writes it: the media
    /// type first and uncompressed, then the content.
    fn open_document(media_type: &str, body: &str) -> Vec<u8> {
        use std::io::Write;
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3"><office:body>{body}</office:body></office:document-content>"#
        );
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(media_type.as_bytes()).unwrap();
        zip.start_file("content.xml", stored).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn open_document_text_and_spreadsheets_give_their_paragraphs_and_cells() {
        let odt = open_document(
            "application/vnd.oasis.opendocument.text",
            "<office:text><text:h>Bauantrag</text:h><text:p>Flurstück<text:s text:c=\"2\"/>4711</text:p><text:p>Gemarkung Essen</text:p></office:text>",
        );
        assert_eq!(
            extract_text("application/vnd.oasis.opendocument.text", &odt).as_deref(),
            Some("Bauantrag Flurstück 4711 Gemarkung Essen")
        );
        let ods = open_document(
            "application/vnd.oasis.opendocument.spreadsheet",
            "<office:spreadsheet><table:table table:name=\"Kosten\"><table:table-row><table:table-cell><text:p>Gebühr</text:p></table:table-cell><table:table-cell><text:p>120,00</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>",
        );
        assert_eq!(
            extract_text("application/vnd.oasis.opendocument.spreadsheet", &ods).as_deref(),
            Some("Gebühr 120,00")
        );
        // The upload path names the type from the content, as here.
        assert_eq!(
            storage::blob::media_type_of(&ods),
            Some("application/vnd.oasis.opendocument.spreadsheet")
        );
        assert_eq!(
            extract_text(
                "application/vnd.oasis.opendocument.text",
                b"PK\x03\x04 kaputt"
            ),
            None
        );
    }
}
