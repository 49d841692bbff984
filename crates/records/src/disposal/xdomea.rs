//! xdomea 3.0.0 messages of the disposal process (Aussonderung), without
//! I/O: rathaus writes the offer list (0501), the confirmation of the
//! appraisal (0505) and the transfer (0503, a zip with the message and the
//! documents); it reads the archive's receipts (0504, 0507), appraisal
//! (0502), import confirmation (0506) and appraisal catalogue (0513).
//!
//! Reading is strict: the namespace, the root element, the header's order
//! and code lists, UUIDs, dates and the body's elements are checked as the
//! schema has them, and any element rathaus does not expect is refused
//! with its path. Files follow the naming convention of the xdomea 3.0.0
//! specification: `{ProzessID}_{Nachrichtentyp}.zip` holding
//! `{ProzessID}_{Nachrichtentyp}.xml` and the primary documents, each
//! named with a UUID first.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use quick_xml::escape::escape;
use std::fmt::Write as _;
use std::io::{Read, Write};
use uuid::Uuid;

/// The xdomea 3.0.0 namespace.
pub const NS: &str = "urn:xoev-de:xdomea:schema:3.0.0";

const LIST_MESSAGE: &str = "urn:xoev-de:xdomea:codeliste:nachrichtentyp";
const LIST_DISPOSAL: &str = "urn:xoev-de:xdomea:codeliste:aussonderungsart";
const LIST_PROPOSAL: &str = "urn:xoev-de:xdomea:codeliste:bewertungsvorschlag";
const LIST_FORMAT: &str = "urn:xoev-de:xdomea:codeliste:dateiformat";
const LIST_MEDIUM: &str = "urn:xoev-de:xdomea:codeliste:medium";

/// The messages of the disposal process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 0501 offer list (authority → archive).
    Offer,
    /// 0502 appraisal (archive → authority).
    Appraisal,
    /// 0503 transfer (authority → archive).
    Transfer,
    /// 0504 receipt of the offer (archive → authority).
    OfferReceipt,
    /// 0505 receipt of the appraisal (authority → archive).
    AppraisalReceipt,
    /// 0506 import confirmed (archive → authority).
    Imported,
    /// 0507 receipt of the transfer (archive → authority).
    TransferReceipt,
    /// 0513 appraisal catalogue (archive → authority).
    Catalogue,
}

const KINDS: [Kind; 8] = [
    Kind::Offer,
    Kind::Appraisal,
    Kind::Transfer,
    Kind::OfferReceipt,
    Kind::AppraisalReceipt,
    Kind::Imported,
    Kind::TransferReceipt,
    Kind::Catalogue,
];

impl Kind {
    /// The code of the Nachrichtentyp list.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Offer => "0501",
            Kind::Appraisal => "0502",
            Kind::Transfer => "0503",
            Kind::OfferReceipt => "0504",
            Kind::AppraisalReceipt => "0505",
            Kind::Imported => "0506",
            Kind::TransferReceipt => "0507",
            Kind::Catalogue => "0513",
        }
    }

    /// Its name in the code list (the root element without the code).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Offer => "Aussonderung.Anbieteverzeichnis",
            Kind::Appraisal => "Aussonderung.Bewertungsverzeichnis",
            Kind::Transfer => "Aussonderung.Aussonderung",
            Kind::OfferReceipt => "Aussonderung.AnbietungEmpfangBestaetigen",
            Kind::AppraisalReceipt => "Aussonderung.BewertungEmpfangBestaetigen",
            Kind::Imported => "Aussonderung.AussonderungImportBestaetigen",
            Kind::TransferReceipt => "Aussonderung.AussonderungEmpfangBestaetigen",
            Kind::Catalogue => "Aussonderung.Bewertungskatalog",
        }
    }

    /// The root element's local name.
    pub fn root(self) -> String {
        format!("{}.{}", self.name(), self.code())
    }

    /// The file name of a message of `process` (without extension).
    pub fn file_stem(self, process: Uuid) -> String {
        format!("{process}_{}", self.root())
    }

    fn by_root(root: &str) -> Option<Kind> {
        KINDS.into_iter().find(|k| k.root() == root)
    }
}

/// The archive's decision on a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Worth archiving (A).
    Archive,
    /// To be destroyed (V).
    Destroy,
}

impl Decision {
    fn code(self) -> &'static str {
        match self {
            Decision::Archive => "A",
            Decision::Destroy => "V",
        }
    }
}

/// Who sends and who receives (the authority and its archive).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parties {
    /// The authority's name.
    pub authority: String,
    /// Its key in the DVDV (e.g. the AGS).
    pub authority_key: String,
    /// The key's prefix (e.g. `ags`).
    pub authority_prefix: String,
    /// The records office's unit name.
    pub unit: String,
    /// The archive's name.
    pub archive: String,
}

/// A version of a document as the transfer carries it.
#[derive(Debug, Clone)]
pub struct FileVersion {
    /// Its id (starts the file name in the zip).
    pub id: Uuid,
    /// 1, 2, 3 …
    pub number: i64,
    /// The name it was uploaded with.
    pub file_name: String,
    /// Media type.
    pub media_type: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

impl FileVersion {
    /// Its name in the zip: the UUID first, as xdomea wants.
    pub fn zip_name(&self) -> String {
        let safe: String = self
            .file_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{}_{safe}", self.id)
    }
}

/// A document of a file.
#[derive(Debug, Clone)]
pub struct FileDocument {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Versions, oldest first.
    pub versions: Vec<FileVersion>,
}

/// A closed file (Akte) as offered or transferred.
#[derive(Debug, Clone)]
pub struct OfferedFile {
    /// Its id, also its xdomea ID across the process.
    pub id: Uuid,
    /// The file reference (Aktenzeichen).
    pub reference: String,
    /// Subject.
    pub title: String,
    /// File-plan code and title.
    pub plan_code: String,
    /// Title of the plan node.
    pub plan_title: String,
    /// Years kept.
    pub retention_years: i64,
    /// Last day of retention.
    pub retention_until: NaiveDate,
    /// Opened and closed.
    pub opened_on: NaiveDate,
    /// Closed (zdA).
    pub closed_on: NaiveDate,
    /// The authority's proposal (file plan) for the offer, the archive's
    /// decision for the transfer.
    pub disposal: Decision,
    /// Its documents.
    pub documents: Vec<FileDocument>,
}

fn el(out: &mut String, name: &str, text: &str) {
    let _ = write!(out, "<xdomea:{name}>{}</xdomea:{name}>", escape(text));
}

fn code(out: &mut String, name: &str, list: &str, version: &str, value: &str) {
    let _ = write!(
        out,
        "<xdomea:{name} listURI=\"{list}\" listVersionID=\"{version}\"><code>{}</code></xdomea:{name}>",
        escape(value)
    );
}

fn authority(out: &mut String, p: &Parties) {
    out.push_str("<xdomea:Behoerdenkennung><xdomea:Behoerdenschluessel><code>");
    out.push_str(&escape(&p.authority_key));
    out.push_str("</code></xdomea:Behoerdenschluessel><xdomea:Praefix><code>");
    out.push_str(&escape(&p.authority_prefix));
    out.push_str("</code></xdomea:Praefix></xdomea:Behoerdenkennung><xdomea:Institution>");
    el(out, "Name", &p.authority);
    out.push_str("</xdomea:Institution>");
    if !p.unit.is_empty() {
        out.push_str("<xdomea:Organisationseinheit>");
        el(out, "Name", &p.unit);
        out.push_str("</xdomea:Organisationseinheit>");
    }
}

/// The start of a message written by the authority, up to and including
/// the header's common part.
fn head(kind: Kind, process: Uuid, at: DateTime<Utc>, p: &Parties) -> String {
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xdomea:{root} xmlns:xdomea=\"{NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"{NS} xdomea-Nachrichten-AussonderungDurchfuehren.xsd\"><xdomea:Kopf>",
        root = kind.root()
    );
    el(&mut out, "ProzessID", &process.to_string());
    let _ = write!(
        out,
        "<xdomea:Nachrichtentyp listURI=\"{LIST_MESSAGE}\" listVersionID=\"2.0\"><code>{}</code><name>{}</name></xdomea:Nachrichtentyp>",
        kind.code(),
        kind.name()
    );
    el(
        &mut out,
        "Erstellungszeitpunkt",
        &at.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    out.push_str("<xdomea:Absender>");
    authority(&mut out, p);
    out.push_str("</xdomea:Absender><xdomea:Empfaenger><xdomea:Institution>");
    el(&mut out, "Name", &p.archive);
    out.push_str("</xdomea:Institution></xdomea:Empfaenger><xdomea:SendendesSystem>");
    el(&mut out, "Produktname", "rathaus");
    el(&mut out, "Version", env!("CARGO_PKG_VERSION"));
    out.push_str("</xdomea:SendendesSystem>");
    out
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The xdomea file-format code of a media type (list
/// `urn:xoev-de:xdomea:codeliste:dateiformat`; 100 = other).
pub fn format_code(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "018",
        "image/png" => "019",
        "image/jpeg" => "011",
        "image/tiff" => "024",
        "text/plain" => "045",
        "text/csv" => "002",
        "application/xml" | "text/xml" => "030",
        "application/msword" => "003",
        "application/vnd.ms-excel" => "028",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "035",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "036",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "037",
        "application/vnd.oasis.opendocument.text" => "015",
        "application/vnd.oasis.opendocument.spreadsheet" => "014",
        _ => "100",
    }
}

fn file_object(out: &mut String, f: &OfferedFile, with_content: bool, proposal: bool) {
    out.push_str("<xdomea:Schriftgutobjekt><xdomea:Akte><xdomea:Identifikation>");
    el(out, "ID", &f.id.to_string());
    out.push_str("</xdomea:Identifikation><xdomea:AllgemeineMetadaten>");
    el(out, "Betreff", &f.title);
    el(out, "Kennzeichen", &f.reference);
    code(out, "Medium", LIST_MEDIUM, "1.0", "001");
    out.push_str("<xdomea:Aktenplaneinheit>");
    el(out, "Kennzeichen", &f.plan_code);
    el(out, "Inhaltsangabe", &f.plan_title);
    out.push_str("</xdomea:Aktenplaneinheit></xdomea:AllgemeineMetadaten><xdomea:ArchivspezifischeMetadaten><xdomea:Aufbewahrungsdauer>");
    el(
        out,
        "AnzahlJahre",
        &f.retention_years.clamp(0, 200).to_string(),
    );
    out.push_str("</xdomea:Aufbewahrungsdauer>");
    if proposal {
        code(
            out,
            "Bewertungsvorschlag",
            LIST_PROPOSAL,
            "1.0",
            f.disposal.code(),
        );
    } else {
        out.push_str("<xdomea:Aussonderungsart>");
        code(
            out,
            "Aussonderungsart",
            LIST_DISPOSAL,
            "1.0",
            f.disposal.code(),
        );
        out.push_str("</xdomea:Aussonderungsart>");
    }
    el(out, "Aufbewahrungsende", &date(f.retention_until));
    out.push_str("</xdomea:ArchivspezifischeMetadaten><xdomea:Laufzeit>");
    el(out, "Beginn", &date(f.opened_on));
    el(out, "Ende", &date(f.closed_on));
    out.push_str("</xdomea:Laufzeit>");
    if !f.documents.is_empty() {
        out.push_str("<xdomea:Akteninhalt>");
        for (i, d) in f.documents.iter().enumerate() {
            out.push_str("<xdomea:Dokument><xdomea:Identifikation>");
            el(out, "ID", &d.id.to_string());
            el(
                out,
                "NummerImUebergeordnetenContainer",
                &(i + 1).to_string(),
            );
            out.push_str("</xdomea:Identifikation><xdomea:AllgemeineMetadaten>");
            el(out, "Betreff", &d.title);
            out.push_str("</xdomea:AllgemeineMetadaten>");
            if with_content {
                for v in &d.versions {
                    out.push_str("<xdomea:Version>");
                    el(out, "Nummer", &v.number.to_string());
                    out.push_str("<xdomea:Format>");
                    let c = format_code(&v.media_type);
                    code(out, "Name", LIST_FORMAT, "2.0", c);
                    if c == "100" {
                        el(out, "SonstigerName", &v.media_type);
                    }
                    el(out, "Version", "");
                    out.push_str("<xdomea:Primaerdokument>");
                    el(out, "Dateiname", &v.zip_name());
                    el(out, "DateinameOriginal", &v.file_name);
                    el(
                        out,
                        "DatumUhrzeit",
                        &v.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    );
                    out.push_str("</xdomea:Primaerdokument></xdomea:Format></xdomea:Version>");
                }
            }
            out.push_str("</xdomea:Dokument>");
        }
        out.push_str("</xdomea:Akteninhalt>");
    }
    el(out, "ZdA", "1");
    el(out, "ZdADatum", &date(f.closed_on));
    out.push_str("</xdomea:Akte></xdomea:Schriftgutobjekt>");
}

/// The offer list (0501): the files whose retention ended, with the
/// authority's proposal, without their documents' content.
pub fn offer(process: Uuid, at: DateTime<Utc>, p: &Parties, files: &[OfferedFile]) -> String {
    let mut out = head(Kind::Offer, process, at, p);
    el(&mut out, "Empfangsbestaetigung", "1");
    out.push_str("</xdomea:Kopf>");
    for f in files {
        file_object(&mut out, f, false, true);
    }
    let _ = writeln!(out, "</xdomea:{}>", Kind::Offer.root());
    out
}

/// The confirmation of the appraisal's receipt (0505).
pub fn appraisal_receipt(process: Uuid, at: DateTime<Utc>, p: &Parties) -> String {
    let mut out = head(Kind::AppraisalReceipt, process, at, p);
    let _ = writeln!(
        out,
        "</xdomea:Kopf></xdomea:{}>",
        Kind::AppraisalReceipt.root()
    );
    out
}

/// The transfer (0503) message: the files the archive takes, with their
/// documents' versions (the content goes into the zip beside it).
pub fn transfer(process: Uuid, at: DateTime<Utc>, p: &Parties, files: &[OfferedFile]) -> String {
    let mut out = head(Kind::Transfer, process, at, p);
    el(&mut out, "Importbestaetigung", "1");
    el(&mut out, "RueckmeldungArchivkennung", "1");
    el(&mut out, "Empfangsbestaetigung", "1");
    out.push_str("</xdomea:Kopf>");
    for f in files {
        file_object(&mut out, f, true, false);
    }
    let _ = writeln!(out, "</xdomea:{}>", Kind::Transfer.root());
    out
}

/// Packs a message and its primary documents into the zip xdomea
/// prescribes: the message as `{stem}.xml` and the documents flat beside
/// it.
pub fn pack(
    kind: Kind,
    process: Uuid,
    xml: &str,
    documents: &[(String, bytes::Bytes)],
) -> Result<Vec<u8>, XdomeaError> {
    let fail = |e: &dyn std::fmt::Display| XdomeaError::new("zip", e.to_string());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file(format!("{}.xml", kind.file_stem(process)), options)
        .map_err(|e| fail(&e))?;
    zip.write_all(xml.as_bytes()).map_err(|e| fail(&e))?;
    for (name, bytes) in documents {
        zip.start_file(name.as_str(), options)
            .map_err(|e| fail(&e))?;
        zip.write_all(bytes).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

/// Why a message was refused: where and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {detail}")]
pub struct XdomeaError {
    /// The element path (or `file`).
    pub at: String,
    /// What is wrong.
    pub detail: String,
}

impl XdomeaError {
    fn new(at: &str, detail: impl Into<String>) -> XdomeaError {
        XdomeaError {
            at: at.to_owned(),
            detail: detail.into(),
        }
    }
}

/// The result of importing one object (0506).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportResult {
    /// The object's ID from the transfer.
    pub id: Uuid,
    /// Imported.
    pub ok: bool,
    /// The archive's messages when not.
    pub errors: Vec<String>,
    /// The archive's signature (Archivkennung).
    pub archive_id: Option<String>,
}

/// A message from the archive, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// 0504: the offer arrived.
    OfferReceipt {
        /// The process.
        process: Uuid,
    },
    /// 0502: the archive's decision per offered object.
    Appraisal {
        /// The process.
        process: Uuid,
        /// Object and decision.
        items: Vec<(Uuid, Decision)>,
    },
    /// 0507: the transfer arrived.
    TransferReceipt {
        /// The process.
        process: Uuid,
    },
    /// 0506: the import's result per transferred object.
    Imported {
        /// The process.
        process: Uuid,
        /// Per object.
        results: Vec<ImportResult>,
    },
    /// 0513: decisions per file-plan unit.
    Catalogue {
        /// The process.
        process: Uuid,
        /// File-plan unit and decision.
        items: Vec<(Uuid, Decision)>,
    },
}

impl Incoming {
    /// Which message it is.
    pub fn kind(&self) -> Kind {
        match self {
            Incoming::OfferReceipt { .. } => Kind::OfferReceipt,
            Incoming::Appraisal { .. } => Kind::Appraisal,
            Incoming::TransferReceipt { .. } => Kind::TransferReceipt,
            Incoming::Imported { .. } => Kind::Imported,
            Incoming::Catalogue { .. } => Kind::Catalogue,
        }
    }

    /// Its process.
    pub fn process(&self) -> Uuid {
        match self {
            Incoming::OfferReceipt { process }
            | Incoming::Appraisal { process, .. }
            | Incoming::TransferReceipt { process }
            | Incoming::Imported { process, .. }
            | Incoming::Catalogue { process, .. } => *process,
        }
    }
}

/// Largest message accepted (a zip of receipts and lists, not documents).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// The XML of an uploaded message: a bare XML file, or the zip of the
/// naming convention holding exactly one `…_Aussonderung.*.xml`.
pub fn unpack(bytes: &[u8]) -> Result<String, XdomeaError> {
    if bytes.len() > MAX_BYTES {
        return Err(XdomeaError::new("file", "larger than 16 MB"));
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return String::from_utf8(bytes.to_vec())
            .map_err(|_| XdomeaError::new("file", "neither a zip nor UTF-8 XML"));
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| XdomeaError::new("file", format!("not a readable zip: {e}")))?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.ends_with(".xml") && n.contains("_Aussonderung."))
        .map(|n| n.into_owned())
        .collect();
    let [name] = names.as_slice() else {
        return Err(XdomeaError::new(
            "file",
            format!(
                "the zip must hold exactly one {{ProzessID}}_Aussonderung.….xml, it holds {}",
                names.len()
            ),
        ));
    };
    let entry = zip
        .by_name(name)
        .map_err(|e| XdomeaError::new("file", e.to_string()))?;
    if entry.size() > MAX_BYTES as u64 {
        return Err(XdomeaError::new(name, "larger than 16 MB"));
    }
    let mut xml = String::new();
    entry
        .take(MAX_BYTES as u64 + 1)
        .read_to_string(&mut xml)
        .map_err(|_| XdomeaError::new(name, "not UTF-8 XML"))?;
    Ok(xml)
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

/// The xdomea element children of `n` (text between them must be blank).
fn children<'a, 'i>(n: Node<'a, 'i>, at: &str) -> Result<Vec<Node<'a, 'i>>, XdomeaError> {
    let mut out = Vec::new();
    for c in n.children() {
        if c.is_element() {
            if c.tag_name().namespace() != Some(NS) {
                return Err(XdomeaError::new(
                    at,
                    format!("unexpected element {}", c.tag_name().name()),
                ));
            }
            out.push(c);
        } else if c.is_text() && c.text().is_some_and(|t| !t.trim().is_empty()) {
            return Err(XdomeaError::new(at, "unexpected text"));
        }
    }
    Ok(out)
}

fn text_of(n: Node<'_, '_>, at: &str) -> Result<String, XdomeaError> {
    if n.children().any(|c| c.is_element()) {
        return Err(XdomeaError::new(at, "expected text, found elements"));
    }
    Ok(n.text().unwrap_or("").trim().to_owned())
}

fn uuid_of(n: Node<'_, '_>, at: &str) -> Result<Uuid, XdomeaError> {
    let t = text_of(n, at)?;
    // stringUUIDType: 8-4-4-4-12 hex digits.
    let shaped = t.len() == 36
        && t.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if !shaped {
        return Err(XdomeaError::new(at, format!("{t:?} is not a UUID")));
    }
    Uuid::parse_str(&t).map_err(|_| XdomeaError::new(at, format!("{t:?} is not a UUID")))
}

fn boolean(n: Node<'_, '_>, at: &str) -> Result<bool, XdomeaError> {
    match text_of(n, at)?.as_str() {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        other => Err(XdomeaError::new(at, format!("{other:?} is not a boolean"))),
    }
}

/// A code element (`<code>` unqualified, optional `<name>`); the list
/// attributes, when given, must name `list` in `version`.
fn code_of(n: Node<'_, '_>, at: &str, list: &str, version: &str) -> Result<String, XdomeaError> {
    for (attr, want) in [("listURI", list), ("listVersionID", version)] {
        if let Some(v) = n.attribute(attr)
            && v != want
        {
            return Err(XdomeaError::new(
                at,
                format!("{attr} must be {want:?}, is {v:?}"),
            ));
        }
    }
    let mut value = None;
    for c in n.children().filter(|c| c.is_element()) {
        match (c.tag_name().namespace(), c.tag_name().name()) {
            (None, "code") if value.is_none() => value = Some(text_of(c, at)?),
            (None, "name") if value.is_some() => {}
            (_, other) => {
                return Err(XdomeaError::new(at, format!("unexpected element {other}")));
            }
        }
    }
    value.ok_or_else(|| XdomeaError::new(at, "code missing"))
}

/// Reads the sequence `names` (each `?` optional, `*`/`+` repeated) from
/// `nodes`, refusing anything out of order or unknown.
fn sequence<'a, 'i>(
    nodes: &[Node<'a, 'i>],
    names: &[&str],
    at: &str,
) -> Result<Vec<(String, Node<'a, 'i>)>, XdomeaError> {
    let mut out = Vec::new();
    let mut i = 0;
    for spec in names {
        let (name, optional, many) = match spec.as_bytes().last() {
            Some(b'?') => (spec.trim_end_matches('?'), true, false),
            Some(b'*') => (spec.trim_end_matches('*'), true, true),
            Some(b'+') => (spec.trim_end_matches('+'), false, true),
            _ => (*spec, false, false),
        };
        let mut seen = 0;
        while let Some(n) = nodes.get(i) {
            if n.tag_name().name() != name || (seen == 1 && !many) {
                break;
            }
            out.push((name.to_owned(), *n));
            seen += 1;
            i += 1;
        }
        if seen == 0 && !optional {
            return Err(XdomeaError::new(at, format!("{name} missing")));
        }
    }
    if let Some(n) = nodes.get(i) {
        return Err(XdomeaError::new(
            at,
            format!("unexpected element {}", n.tag_name().name()),
        ));
    }
    Ok(out)
}

fn one<'a, 'i>(seq: &[(String, Node<'a, 'i>)], name: &str) -> Option<Node<'a, 'i>> {
    seq.iter().find(|(n, _)| n == name).map(|(_, n)| *n)
}

/// Reads the header; returns the process.
fn header(kopf: Node<'_, '_>, kind: Kind) -> Result<Uuid, XdomeaError> {
    let at = "Kopf";
    let nodes = children(kopf, at)?;
    let mut names = vec![
        "ProzessID",
        "Nachrichtentyp",
        "Erstellungszeitpunkt",
        "Absender",
        "Empfaenger",
        "SendendesSystem?",
        "Hinweis?",
        "AnwendungsspezifischeErweiterung?",
        "AnwendungsspezifischeErweiterungXML?",
    ];
    match kind {
        Kind::Appraisal => names.push("Empfangsbestaetigung"),
        Kind::Catalogue => names.extend(["WeitererEmpfaenger*", "Empfangsbestaetigung"]),
        _ => {}
    }
    let seq = sequence(&nodes, &names, at)?;
    let process = one(&seq, "ProzessID")
        .ok_or_else(|| XdomeaError::new(at, "ProzessID missing"))
        .and_then(|n| uuid_of(n, "Kopf/ProzessID"))?;
    let code = one(&seq, "Nachrichtentyp")
        .ok_or_else(|| XdomeaError::new(at, "Nachrichtentyp missing"))
        .and_then(|n| code_of(n, "Kopf/Nachrichtentyp", LIST_MESSAGE, "2.0"))?;
    if code != kind.code() {
        return Err(XdomeaError::new(
            "Kopf/Nachrichtentyp",
            format!(
                "code {code} does not match the root element {}",
                kind.root()
            ),
        ));
    }
    let created = one(&seq, "Erstellungszeitpunkt")
        .ok_or_else(|| XdomeaError::new(at, "Erstellungszeitpunkt missing"))
        .and_then(|n| text_of(n, "Kopf/Erstellungszeitpunkt"))?;
    let parsed = DateTime::parse_from_rfc3339(&created).is_ok()
        || chrono::NaiveDateTime::parse_from_str(&created, "%Y-%m-%dT%H:%M:%S%.f").is_ok();
    if !parsed {
        return Err(XdomeaError::new(
            "Kopf/Erstellungszeitpunkt",
            format!("{created:?} is not an xs:dateTime"),
        ));
    }
    if let Some(n) = one(&seq, "Empfangsbestaetigung") {
        boolean(n, "Kopf/Empfangsbestaetigung")?;
    }
    Ok(process)
}

/// A decision (`Aussonderungsart` of type AussonderungsartType).
fn decision(n: Node<'_, '_>, at: &str) -> Result<Decision, XdomeaError> {
    let inner = children(n, at)?;
    let [c] = inner.as_slice() else {
        return Err(XdomeaError::new(at, "one Aussonderungsart expected"));
    };
    if c.tag_name().name() != "Aussonderungsart" {
        return Err(XdomeaError::new(
            at,
            format!(
                "{} is not agreed with rathaus; send the code list value (A or V)",
                c.tag_name().name()
            ),
        ));
    }
    match code_of(*c, at, LIST_DISPOSAL, "1.0")?.as_str() {
        "A" => Ok(Decision::Archive),
        "V" => Ok(Decision::Destroy),
        "B" => Err(XdomeaError::new(
            at,
            "B (still to be appraised) is no decision; appraise with A or V",
        )),
        other => Err(XdomeaError::new(at, format!("{other:?} is not A, B or V"))),
    }
}

/// Pairs of ID and decision (0502 `BewertetesObjekt`, 0513
/// `BewerteteAktenplaneinheit`).
fn decisions(
    nodes: &[(String, Node<'_, '_>)],
    name: &str,
) -> Result<Vec<(Uuid, Decision)>, XdomeaError> {
    let mut out = Vec::new();
    for (i, (_, n)) in nodes.iter().filter(|(k, _)| k == name).enumerate() {
        let at = format!("{name}[{}]", i + 1);
        let seq = sequence(&children(*n, &at)?, &["ID", "Aussonderungsart"], &at)?;
        let id = one(&seq, "ID")
            .ok_or_else(|| XdomeaError::new(&at, "ID missing"))
            .and_then(|n| uuid_of(n, &format!("{at}/ID")))?;
        let d = one(&seq, "Aussonderungsart")
            .ok_or_else(|| XdomeaError::new(&at, "Aussonderungsart missing"))
            .and_then(|n| decision(n, &format!("{at}/Aussonderungsart")))?;
        if out.iter().any(|(seen, _)| *seen == id) {
            return Err(XdomeaError::new(&at, format!("{id} appears twice")));
        }
        out.push((id, d));
    }
    Ok(out)
}

/// Reads a message from the archive (0502, 0504, 0506, 0507, 0513).
pub fn read(xml: &str) -> Result<Incoming, XdomeaError> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| XdomeaError::new("file", format!("not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(NS) {
        return Err(XdomeaError::new(
            root.tag_name().name(),
            format!("the root element is not in the xdomea 3.0.0 namespace {NS}"),
        ));
    }
    let name = root.tag_name().name();
    let kind = Kind::by_root(name)
        .filter(|k| !matches!(k, Kind::Offer | Kind::Transfer | Kind::AppraisalReceipt))
        .ok_or_else(|| {
            XdomeaError::new(
                name,
                "not a message the archive sends in the disposal process (0502, 0504, 0506, 0507, 0513)",
            )
        })?;
    let nodes = children(root, name)?;
    let body: &[&str] = match kind {
        Kind::Appraisal => &["Kopf", "BewertetesObjekt+"],
        Kind::Imported => &["Kopf", "AusgesondertesSGO+"],
        Kind::Catalogue => &["Kopf", "BewerteteAktenplaneinheit+"],
        _ => &["Kopf"],
    };
    let seq = sequence(&nodes, body, name)?;
    let kopf = one(&seq, "Kopf").ok_or_else(|| XdomeaError::new(name, "Kopf missing"))?;
    let process = header(kopf, kind)?;
    Ok(match kind {
        Kind::OfferReceipt => Incoming::OfferReceipt { process },
        Kind::TransferReceipt => Incoming::TransferReceipt { process },
        Kind::Appraisal => Incoming::Appraisal {
            process,
            items: decisions(&seq, "BewertetesObjekt")?,
        },
        Kind::Catalogue => Incoming::Catalogue {
            process,
            items: decisions(&seq, "BewerteteAktenplaneinheit")?,
        },
        _ => {
            let mut results: Vec<ImportResult> = Vec::new();
            for (i, (_, n)) in seq
                .iter()
                .filter(|(k, _)| k == "AusgesondertesSGO")
                .enumerate()
            {
                let at = format!("AusgesondertesSGO[{}]", i + 1);
                let s = sequence(
                    &children(*n, &at)?,
                    &[
                        "IDSGO",
                        "Erfolgreich",
                        "Fehlermeldung*",
                        "FehlermeldungCode*",
                        "Archivkennung?",
                    ],
                    &at,
                )?;
                let id = one(&s, "IDSGO")
                    .ok_or_else(|| XdomeaError::new(&at, "IDSGO missing"))
                    .and_then(|n| uuid_of(n, &format!("{at}/IDSGO")))?;
                let ok = one(&s, "Erfolgreich")
                    .ok_or_else(|| XdomeaError::new(&at, "Erfolgreich missing"))
                    .and_then(|n| boolean(n, &format!("{at}/Erfolgreich")))?;
                let mut errors = Vec::new();
                for (k, n) in &s {
                    match k.as_str() {
                        "Fehlermeldung" => errors.push(text_of(*n, &at)?),
                        "FehlermeldungCode" => {
                            // Lists are agreed bilaterally: both attributes required.
                            if n.attribute("listURI").is_none()
                                || n.attribute("listVersionID").is_none()
                            {
                                return Err(XdomeaError::new(
                                    &format!("{at}/FehlermeldungCode"),
                                    "listURI and listVersionID are required",
                                ));
                            }
                            let list = n.attribute("listURI").unwrap_or("");
                            let version = n.attribute("listVersionID").unwrap_or("");
                            errors.push(code_of(
                                *n,
                                &format!("{at}/FehlermeldungCode"),
                                list,
                                version,
                            )?);
                        }
                        _ => {}
                    }
                }
                let archive_id = match one(&s, "Archivkennung") {
                    Some(n) => Some(text_of(n, &format!("{at}/Archivkennung"))?),
                    None => None,
                };
                if results.iter().any(|r| r.id == id) {
                    return Err(XdomeaError::new(&at, format!("{id} appears twice")));
                }
                results.push(ImportResult {
                    id,
                    ok,
                    errors,
                    archive_id,
                });
            }
            Incoming::Imported { process, results }
        }
    })
}
