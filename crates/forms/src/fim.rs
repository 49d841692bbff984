//! Import of FIM XDatenfelder 2 and 3 (the federal catalogue of form fields
//! and groups) into our form definition. The XML is read strictly: a file
//! that is not XDatenfelder, uses an unknown namespace, repeats an element
//! that may occur once, contains an element XDatenfelder does not have, or
//! lacks an id is refused with a message naming the problem and where.
//! What does not map onto our format (external code lists, free-text or
//! scripted rules, labels, cardinalities above one) is listed in the
//! report, never silently dropped.

use crate::definition::{Choice, Field, FieldKind, FormDefinition, Step};
use roxmltree::{Document, Node};
use std::collections::HashSet;

/// Which XDatenfelder version a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FimVersion {
    /// `urn:xoev-de:fim:standard:xdatenfelder_2`
    V2,
    /// `urn:xoev-de:fim:standard:xdatenfelder_3.0.0`
    V3,
}

const NS_V2: &str = "urn:xoev-de:fim:standard:xdatenfelder_2";
const NS_V3: &str = "urn:xoev-de:fim:standard:xdatenfelder_3.0.0";

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FimError {
    /// Not well-formed XML.
    #[error("not well-formed XML: {0}")]
    NotXml(String),
    /// The root is not an XDatenfelder message.
    #[error("not an XDatenfelder file: the root element is <{0}>")]
    NotXDatenfelder(String),
    /// The namespace is neither XDatenfelder 2 nor 3.
    #[error("unknown namespace {0:?}: expected XDatenfelder 2 ({NS_V2}) or 3 ({NS_V3})")]
    UnknownNamespace(String),
    /// An element that may occur once occurs again.
    #[error("duplicate element <{element}> in {path}")]
    Duplicate {
        /// Element name.
        element: String,
        /// Where.
        path: String,
    },
    /// An element XDatenfelder does not define.
    #[error("unexpected element <{element}> in {path}")]
    Unexpected {
        /// Element name.
        element: String,
        /// Where.
        path: String,
    },
    /// A required element is missing.
    #[error("missing element <{element}> in {path}")]
    Missing {
        /// Element name.
        element: String,
        /// Where.
        path: String,
    },
    /// A required element is empty.
    #[error("empty element <{element}> in {path}")]
    Empty {
        /// Element name.
        element: String,
        /// Where.
        path: String,
    },
    /// A code that its code list does not contain.
    #[error("invalid code {value:?} in <{element}> in {path}")]
    InvalidCode {
        /// Element name.
        element: String,
        /// The code found.
        value: String,
        /// Where.
        path: String,
    },
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct FimImport {
    /// Version of the file.
    pub version: FimVersion,
    /// The form definition (to be reviewed before publishing).
    pub definition: FormDefinition,
    /// Everything that could not be mapped, one line each.
    pub report: Vec<String>,
}

/// Elements of XDatenfelder 2 and 3 (the message's vocabulary; anything
/// else is refused).
const KNOWN: &[&str] = &[
    "header",
    "nachrichtID",
    "erstellungszeitpunkt",
    "referenzNachrichtID",
    "absender",
    "empfaenger",
    "stammdatenschema",
    "datenfeldgruppe",
    "datenfeld",
    "regel",
    "struktur",
    "enthaelt",
    "anzahl",
    "bezug",
    "identifikation",
    "id",
    "version",
    "name",
    "beschreibung",
    "definition",
    "status",
    "freigabestatus",
    "statusGesetztAm",
    "statusGesetztDurch",
    "fachlicherErsteller",
    "versionshinweis",
    "freigabedatum",
    "veroeffentlichungsdatum",
    "letzteAenderung",
    "gueltigAb",
    "gueltigBis",
    "bezeichnungEingabe",
    "bezeichnungAusgabe",
    "schemaelementart",
    "hilfetextEingabe",
    "hilfetextAusgabe",
    "feldart",
    "datentyp",
    "praezisierung",
    "inhalt",
    "vorbefuellung",
    "codelisteReferenz",
    "genericodeIdentification",
    "canonicalIdentification",
    "canonicalVersionUri",
    "codeKey",
    "nameKey",
    "helpKey",
    "maxSize",
    "mediaType",
    "script",
    "skript",
    "freitextRegel",
    "typ",
    "stichwort",
    "relation",
    "praedikat",
    "objekt",
    "ableitungsmodifikationenStruktur",
    "ableitungsmodifikationenRepraesentation",
    "dokumentsteckbrief",
    "hilfetext",
    "werte",
    "wert",
    "code",
    "hilfe",
    "steckbrief",
    "dokumentart",
    "istAbstrakt",
    "designkonzept",
    "ersteller",
    "bezeichnung",
    "regelKey",
];

/// Elements that occur at most once among their siblings.
const SINGLE: &[&str] = &[
    "id",
    "version",
    "name",
    "beschreibung",
    "definition",
    "status",
    "freigabestatus",
    "statusGesetztAm",
    "statusGesetztDurch",
    "fachlicherErsteller",
    "versionshinweis",
    "freigabedatum",
    "veroeffentlichungsdatum",
    "letzteAenderung",
    "gueltigAb",
    "gueltigBis",
    "bezeichnungEingabe",
    "bezeichnungAusgabe",
    "schemaelementart",
    "hilfetextEingabe",
    "hilfetextAusgabe",
    "feldart",
    "datentyp",
    "praezisierung",
    "vorbefuellung",
    "codelisteReferenz",
    "identifikation",
    "anzahl",
    "header",
    "nachrichtID",
    "erstellungszeitpunkt",
    "maxSize",
    "typ",
];

fn local(n: &Node) -> String {
    n.tag_name().name().to_owned()
}

fn path_of(n: &Node) -> String {
    let mut parts: Vec<String> = n
        .ancestors()
        .filter(|a| a.is_element())
        .map(|a| local(&a))
        .collect();
    parts.reverse();
    parts.join("/")
}

/// Walks the whole tree once, refusing unknown and duplicated elements and
/// identifications without an id.
fn check_tree(root: Node) -> Result<(), FimError> {
    for n in root.descendants().filter(|n| n.is_element()) {
        let name = local(&n);
        if !KNOWN.contains(&name.as_str()) && n != root {
            return Err(FimError::Unexpected {
                element: name,
                path: path_of(&n.parent().unwrap_or(n)),
            });
        }
        let mut seen = HashSet::new();
        for c in n.children().filter(|c| c.is_element()) {
            let cname = local(&c);
            if SINGLE.contains(&cname.as_str()) && !seen.insert(cname.clone()) {
                return Err(FimError::Duplicate {
                    element: cname,
                    path: path_of(&n),
                });
            }
        }
        if name == "identifikation" {
            match child(n, "id") {
                None => {
                    return Err(FimError::Missing {
                        element: "id".into(),
                        path: path_of(&n),
                    });
                }
                Some(id) if text(id).is_empty() => {
                    return Err(FimError::Empty {
                        element: "id".into(),
                        path: path_of(&n),
                    });
                }
                Some(_) => {}
            }
        }
        if name == "freigabestatus" {
            let code = child(n, "code").map(text).unwrap_or_default();
            if !matches!(code.as_str(), "1" | "2" | "3" | "4" | "5" | "6" | "7") {
                return Err(FimError::InvalidCode {
                    element: name,
                    value: code,
                    path: path_of(&n),
                });
            }
        }
    }
    Ok(())
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn text(n: Node) -> String {
    n.text()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn child_text(n: Node, name: &str) -> String {
    child(n, name).map(text).unwrap_or_default()
}

fn code_of(n: Node, name: &str) -> String {
    child(n, name)
        .and_then(|c| {
            child(c, "code").or_else(|| {
                c.children()
                    .find(|x| x.is_element() && x.tag_name().name() == "code")
            })
        })
        .map(text)
        .unwrap_or_default()
}

fn id_of(n: Node) -> String {
    child(n, "identifikation")
        .map(|i| child_text(i, "id"))
        .unwrap_or_default()
}

fn label_of(n: Node) -> String {
    let l = child_text(n, "bezeichnungEingabe");
    if l.is_empty() {
        child_text(n, "name")
    } else {
        l
    }
}

/// `min:max` of an `anzahl` ("1:1", "0:1", "0:*").
fn cardinality(s: &str) -> (usize, Option<usize>) {
    let (a, b) = s.split_once(':').unwrap_or(("1", "1"));
    (a.trim().parse().unwrap_or(1), b.trim().parse().ok())
}

/// Limits of a field: minLength, maxLength, minValue, maxValue, pattern.
type Precision = (
    Option<usize>,
    Option<usize>,
    Option<f64>,
    Option<f64>,
    Option<String>,
);

/// The precision limits: JSON text in version 2, attributes in version 3.
fn precision(n: Node, version: FimVersion) -> Precision {
    let Some(p) = child(n, "praezisierung") else {
        return (None, None, None, None, None);
    };
    let get = |key: &str| -> Option<String> {
        match version {
            FimVersion::V3 => p.attribute(key).map(str::to_owned),
            FimVersion::V2 => serde_json::from_str::<serde_json::Value>(&text(p))
                .ok()
                .and_then(|v| {
                    v.get(key).map(|x| {
                        x.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| x.to_string())
                    })
                }),
        }
        .filter(|s| !s.is_empty())
    };
    (
        get("minLength").and_then(|s| s.parse().ok()),
        get("maxLength").and_then(|s| s.parse().ok()),
        get("minValue").and_then(|s| s.parse().ok()),
        get("maxValue").and_then(|s| s.parse().ok()),
        get("pattern"),
    )
}

fn field_id(fim_id: &str, used: &mut HashSet<String>) -> String {
    let base: String = fim_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let base = if base.is_empty() {
        "feld".to_owned()
    } else {
        base
    };
    let mut id = base.clone();
    let mut i = 2;
    while !used.insert(id.clone()) {
        id = format!("{base}_{i}");
        i += 1;
    }
    id
}

struct Mapper {
    version: FimVersion,
    report: Vec<String>,
    used: HashSet<String>,
}

impl Mapper {
    fn rules(&mut self, n: Node) {
        for r in n
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "regel")
        {
            self.report.push(format!("rule {} ({}) of {} is not mapped: XDatenfelder rules are free text or scripts; add it as a check by hand", id_of(r), child_text(r, "name"), id_of(n)));
        }
    }

    fn datenfeld(&mut self, n: Node, required: bool, repeats: bool) -> Option<Field> {
        let fim_id = id_of(n);
        self.rules(n);
        let feldart = code_of(n, "feldart");
        let datentyp = code_of(n, "datentyp");
        let (min_length, max_length, min, max, pattern) = precision(n, self.version);
        let kind = match (feldart.as_str(), datentyp.as_str()) {
            ("label", _) => {
                self.report.push(format!("{fim_id} is a label (text shown to the applicant), not a question: put its text into a help text"));
                return None;
            }
            ("select", _) => FieldKind::SingleChoice,
            ("checkbox", _) | (_, "bool") => FieldKind::YesNo,
            (_, "date") => FieldKind::Date,
            (_, "num") | (_, "num_int") => FieldKind::Number,
            (_, "num_currency") => FieldKind::Money,
            (_, "file") => FieldKind::File,
            (_, "text") | (_, "string_latin") | ("input", _) | ("", _) => {
                if max_length.is_some_and(|m| m > 200) || feldart == "textarea" {
                    FieldKind::LongText
                } else {
                    FieldKind::Text
                }
            }
            (f, t) => {
                self.report.push(format!(
                    "{fim_id}: field type {f}/{t} is not supported; imported as text"
                ));
                FieldKind::Text
            }
        };
        let mut field = Field::new(field_id(&fim_id, &mut self.used), label_of(n), kind);
        field.help = child_text(n, "hilfetextEingabe");
        field.required = required;
        match kind {
            FieldKind::Text | FieldKind::LongText => {
                field.min_length = min_length;
                field.max_length = max_length;
                if let Some(p) = pattern {
                    if regex::Regex::new(&p).is_ok() {
                        field.pattern = Some(p);
                    } else {
                        self.report.push(format!(
                            "{fim_id}: pattern {p:?} is not a valid regular expression; left out"
                        ));
                    }
                }
            }
            FieldKind::Number => {
                field.min = min;
                field.max = max;
            }
            FieldKind::Money => {
                field.min = min.map(|v| v * 100.0);
                field.max = max.map(|v| v * 100.0);
            }
            FieldKind::SingleChoice => {
                let list = child(n, "codelisteReferenz").map(|c| {
                    let canonical = child(c, "genericodeIdentification")
                        .map(|g| child_text(g, "canonicalVersionUri"))
                        .unwrap_or_default();
                    if canonical.is_empty() {
                        id_of(c)
                    } else {
                        canonical
                    }
                });
                let inline: Vec<Choice> = child(n, "werte")
                    .map(|w| {
                        w.children()
                            .filter(|c| c.is_element() && c.tag_name().name() == "wert")
                            .map(|v| Choice {
                                value: child_text(v, "code"),
                                label: child_text(v, "name"),
                            })
                            .filter(|c| !c.value.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                if inline.is_empty() {
                    self.report.push(format!(
                        "{fim_id}: options come from the external code list {}; add them before publishing",
                        list.unwrap_or_else(|| "(none named)".into())
                    ));
                }
                field.options = inline;
            }
            FieldKind::File => {
                let media = child_text(n, "mediaType");
                field.accept = if media.is_empty() {
                    vec![
                        "application/pdf".into(),
                        "image/jpeg".into(),
                        "image/png".into(),
                    ]
                } else {
                    vec![media]
                };
                field.max_bytes = child_text(n, "maxSize")
                    .parse::<u64>()
                    .ok()
                    .map(|mb| mb * 1024 * 1024)
                    .or(Some(10 * 1024 * 1024));
            }
            _ => {}
        }
        if repeats {
            self.report.push(format!(
                "{fim_id} may repeat; imported once (wrap it in a group to allow more)"
            ));
        }
        Some(field)
    }

    /// The fields of a group's structure, flattened; inner groups that may
    /// repeat become repeatable groups.
    fn struktur_fields(&mut self, group: Node, depth: usize) -> Vec<Field> {
        let mut out = Vec::new();
        for s in group
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "struktur")
        {
            let (min, max) = cardinality(&child_text(s, "anzahl"));
            let required = min >= 1;
            let repeats = max.is_none_or(|m| m > 1);
            let Some(inner) =
                child(s, "enthaelt").and_then(|e| e.children().find(|c| c.is_element()))
            else {
                continue;
            };
            match inner.tag_name().name() {
                "datenfeld" => out.extend(self.datenfeld(inner, required, repeats)),
                "datenfeldgruppe" => {
                    self.rules(inner);
                    let fields = self.struktur_fields(inner, depth + 1);
                    if repeats && depth < 1 {
                        let id = field_id(&id_of(inner), &mut self.used);
                        let mut group = Field::new(id, label_of(inner), FieldKind::Group);
                        group.help = child_text(inner, "hilfetextEingabe");
                        group.required = required;
                        group.fields = fields
                            .into_iter()
                            .filter(|f| f.kind != FieldKind::Group)
                            .collect();
                        group.min_items = Some(min);
                        group.max_items = max;
                        out.push(group);
                    } else {
                        if repeats {
                            self.report.push(format!(
                                "{} may repeat inside a repeating group; imported once",
                                id_of(inner)
                            ));
                        }
                        out.extend(fields.into_iter().map(|mut f| {
                            f.required = f.required && required;
                            f
                        }));
                    }
                }
                other => self.report.push(format!(
                    "{other} in the structure of {} is not mapped",
                    id_of(group)
                )),
            }
        }
        out
    }
}

/// Reads an XDatenfelder 2 or 3 file into a form definition and a report.
pub fn import(xml: &str) -> Result<FimImport, FimError> {
    let doc = Document::parse(xml).map_err(|e| FimError::NotXml(e.to_string()))?;
    let root = doc.root_element();
    let name = local(&root);
    if !name.starts_with("xdatenfelder.") {
        return Err(FimError::NotXDatenfelder(name));
    }
    let version = match root.tag_name().namespace().unwrap_or("") {
        NS_V2 => FimVersion::V2,
        NS_V3 => FimVersion::V3,
        other => return Err(FimError::UnknownNamespace(other.to_owned())),
    };
    check_tree(root)?;
    let top = root
        .children()
        .find(|c| {
            c.is_element() && matches!(c.tag_name().name(), "stammdatenschema" | "datenfeldgruppe")
        })
        .ok_or_else(|| FimError::Missing {
            element: "stammdatenschema".into(),
            path: name.clone(),
        })?;
    let mut m = Mapper {
        version,
        report: Vec::new(),
        used: HashSet::new(),
    };
    m.rules(top);
    let mut steps = Vec::new();
    if top.tag_name().name() == "datenfeldgruppe" {
        // A group file: one page with its fields.
        let fields = m.struktur_fields(top, 0);
        let id = field_id(&format!("s{}", id_of(top)), &mut m.used);
        steps.push(Step {
            id,
            title: label_of(top),
            fields,
            checks: Vec::new(),
        });
    } else {
        // A schema: each top-level group is one page; fields directly in
        // the schema form a first page of their own.
        let mut loose = Vec::new();
        for s in top
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "struktur")
        {
            let (min, max) = cardinality(&child_text(s, "anzahl"));
            let Some(inner) =
                child(s, "enthaelt").and_then(|e| e.children().find(|c| c.is_element()))
            else {
                continue;
            };
            match inner.tag_name().name() {
                "datenfeldgruppe" => {
                    m.rules(inner);
                    let mut fields = m.struktur_fields(inner, 0);
                    if min == 0 {
                        for f in &mut fields {
                            f.required = false;
                        }
                    }
                    if max.is_none_or(|x| x > 1) {
                        m.report.push(format!(
                            "{} may repeat as a whole page; imported once",
                            id_of(inner)
                        ));
                    }
                    let id = field_id(&format!("s{}", id_of(inner)), &mut m.used);
                    steps.push(Step {
                        id,
                        title: label_of(inner),
                        fields,
                        checks: Vec::new(),
                    });
                }
                "datenfeld" => {
                    loose.extend(m.datenfeld(inner, min >= 1, max.is_none_or(|x| x > 1)))
                }
                other => m.report.push(format!(
                    "{other} in the structure of {} is not mapped",
                    id_of(top)
                )),
            }
        }
        if !loose.is_empty() {
            let id = field_id(&format!("s{}", id_of(top)), &mut m.used);
            steps.insert(
                0,
                Step {
                    id,
                    title: label_of(top),
                    fields: loose,
                    checks: Vec::new(),
                },
            );
        }
    }
    steps.retain(|s| !s.fields.is_empty());
    if steps.is_empty() {
        m.report
            .push("the file has no fields; the form needs at least one step".into());
    }
    Ok(FimImport {
        version,
        definition: FormDefinition {
            title: label_of(top),
            steps,
            declaration: String::new(),
            fee: None,
        },
        report: m.report,
    })
}
