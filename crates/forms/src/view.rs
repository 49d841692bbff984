//! Between a form definition and its pages: reading a step's answers from
//! posted fields (`adresse.postcode`, `kinder[1].name`, repeated names for
//! multiple choice) and building what the templates show — each field with
//! its value, error and marks, and the rows of "check your answers".

use crate::answers::{Answers, visible};
use crate::definition::{Field, FieldKind, FormDefinition, Step};
use kernel::FieldErrors;
use serde_json::{Map, Value};

const ADDRESS_PARTS: [(&str, &str, &str); 4] = [
    ("street", "address-street", "address-line1"),
    ("house_number", "address-house-number", "off"),
    ("postcode", "address-postcode", "postal-code"),
    ("city", "address-city", "address-level2"),
];

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn value_of(f: &Field, name: &str, pairs: &[(String, String)]) -> Option<Value> {
    match f.kind {
        FieldKind::File => None,
        FieldKind::MultipleChoice => Some(Value::Array(
            pairs
                .iter()
                .filter(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| Value::String(v.clone()))
                .collect(),
        )),
        FieldKind::Address => {
            let mut o = Map::new();
            for (part, _, _) in ADDRESS_PARTS {
                let v = first(pairs, &format!("{name}.{part}")).unwrap_or("");
                o.insert(part.to_owned(), Value::String(v.to_owned()));
            }
            Some(Value::Object(o))
        }
        FieldKind::Group => {
            let count = first(pairs, &format!("{name}.items"))
                .and_then(|c| c.parse::<usize>().ok())
                .unwrap_or(0)
                .min(f.max_items.unwrap_or(50));
            let items: Vec<Value> = (0..count)
                .map(|i| {
                    let mut o = Map::new();
                    for g in &f.fields {
                        if let Some(v) = value_of(g, &format!("{name}[{i}].{}", g.id), pairs) {
                            o.insert(g.id.clone(), v);
                        }
                    }
                    Value::Object(o)
                })
                .collect();
            Some(Value::Array(items))
        }
        _ => first(pairs, name).map(|v| Value::String(v.to_owned())),
    }
}

/// The answers of a step's fields from posted name/value pairs. Files are
/// not among them (they arrive as uploads).
pub fn step_answers(step: &Step, pairs: &[(String, String)]) -> Answers {
    let mut out = Answers::new();
    for f in &step.fields {
        if let Some(v) = value_of(f, &f.id, pairs) {
            out.insert(f.id.clone(), v);
        }
    }
    out
}

/// An option of a choice as shown.
#[derive(Debug, Clone)]
pub struct OptionView {
    /// Value sent.
    pub value: String,
    /// Label (for yes/no a translation key).
    pub label: String,
    /// Selected.
    pub checked: bool,
}

/// A part of an address as shown.
#[derive(Debug, Clone)]
pub struct PartView {
    /// Input name and id (`adresse.postcode`).
    pub name: String,
    /// Translation key of the label.
    pub label_key: &'static str,
    /// `autocomplete` token.
    pub autocomplete: &'static str,
    /// Value.
    pub value: String,
    /// Error code, if any.
    pub error: Option<String>,
}

/// A question as shown on a step page.
#[derive(Debug, Clone)]
pub struct FieldView {
    /// Input name and id.
    pub name: String,
    /// The question.
    pub label: String,
    /// Help text.
    pub help: String,
    /// Kind name (`text`, `address`, …).
    pub kind: &'static str,
    /// Answer needed.
    pub required: bool,
    /// Text value.
    pub value: String,
    /// Choices.
    pub options: Vec<OptionView>,
    /// Address parts.
    pub parts: Vec<PartView>,
    /// Error code of the field itself.
    pub error: Option<String>,
    /// Came from the citizen's account.
    pub prefilled: bool,
    /// The file kept so far: name and size in KB.
    pub file: Option<(String, u64)>,
    /// Accepted media types of uploads.
    pub accept: String,
    /// Entries of a group, each a list of inner fields.
    pub items: Vec<Vec<FieldView>>,
    /// Another entry may be added.
    pub can_add: bool,
}

impl FieldView {
    /// `type` of the input element.
    pub fn input_type(&self) -> &'static str {
        match self.kind {
            "email" => "email",
            "phone" => "tel",
            _ => "text",
        }
    }

    /// `inputmode` of the input element (numeric keypads on phones).
    pub fn inputmode(&self) -> &'static str {
        match self.kind {
            "number" | "money" => "decimal",
            "email" => "email",
            "phone" => "tel",
            _ => "text",
        }
    }

    /// `autocomplete` token for the browser's own prefill.
    pub fn autocomplete(&self) -> &'static str {
        match self.kind {
            "email" => "email",
            "phone" => "tel",
            "iban" => "off",
            _ => "on",
        }
    }

    /// True when something is wrong with the field or one of its parts.
    pub fn has_error(&self) -> bool {
        self.error.is_some() || self.parts.iter().any(|p| p.error.is_some())
    }
}

fn text_value(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(true)) => "yes".into(),
        Some(Value::Bool(false)) => "no".into(),
        _ => String::new(),
    }
}

fn field_view(
    f: &Field,
    name: &str,
    value: Option<&Value>,
    errors: &FieldErrors,
    prefilled: &[String],
) -> FieldView {
    let code = |n: &str| errors.get(n).map(|e| e.code.clone());
    let selected: Vec<String> = match value {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        other => vec![text_value(other)],
    };
    let options = match f.kind {
        FieldKind::YesNo => ["yes", "no"]
            .into_iter()
            .map(|v| OptionView {
                value: v.into(),
                label: v.into(),
                checked: selected.iter().any(|s| s == v),
            })
            .collect(),
        _ => f
            .options
            .iter()
            .map(|o| OptionView {
                value: o.value.clone(),
                label: o.label.clone(),
                checked: selected.contains(&o.value),
            })
            .collect(),
    };
    let parts = if f.kind == FieldKind::Address {
        ADDRESS_PARTS
            .iter()
            .map(|(part, key, auto)| PartView {
                name: format!("{name}.{part}"),
                label_key: key,
                autocomplete: auto,
                value: text_value(value.and_then(|v| v.get(*part))),
                error: code(&format!("{name}.{part}")),
            })
            .collect()
    } else {
        Vec::new()
    };
    let file = (f.kind == FieldKind::File)
        .then(|| value.and_then(Value::as_object))
        .flatten()
        .map(|o| {
            (
                o.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                o.get("size")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
                    .div_ceil(1024),
            )
        });
    let items = if f.kind == FieldKind::Group {
        value
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let inner = item.as_object().cloned().unwrap_or_default();
                        f.fields
                            .iter()
                            .filter(|g| visible(g, &inner))
                            .map(|g| {
                                field_view(
                                    g,
                                    &format!("{name}[{i}].{}", g.id),
                                    inner.get(&g.id),
                                    errors,
                                    &[],
                                )
                            })
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    FieldView {
        name: name.to_owned(),
        label: f.label.clone(),
        help: f.help.clone(),
        kind: f.kind_name(),
        required: f.required,
        value: text_value(value),
        options,
        parts,
        error: code(name),
        prefilled: prefilled.iter().any(|p| p == name),
        file,
        accept: f.accept.join(","),
        can_add: items.len() < f.max_items.unwrap_or(50),
        items,
    }
}

/// The visible questions of a step with their answers and errors.
pub fn step_fields(
    step: &Step,
    answers: &Answers,
    errors: &FieldErrors,
    prefilled: &[String],
) -> Vec<FieldView> {
    step.fields
        .iter()
        .filter(|f| visible(f, answers))
        .map(|f| field_view(f, &f.id, answers.get(&f.id), errors, prefilled))
        .collect()
}

/// Adds an empty entry to a group (the "add another" button).
pub fn add_item(answers: &mut Answers, group: &Field) {
    let entry = answers
        .entry(group.id.clone())
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = entry
        && items.len() < group.max_items.unwrap_or(50)
    {
        items.push(Value::Object(Map::new()));
    }
}

/// Removes an entry of a group.
pub fn remove_item(answers: &mut Answers, group: &str, index: usize) {
    if let Some(Value::Array(items)) = answers.get_mut(group)
        && index < items.len()
    {
        items.remove(index);
    }
}

/// A row of "check your answers".
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SummaryRow {
    /// The question.
    pub label: String,
    /// The answer, one line each.
    pub lines: Vec<String>,
    /// The step (1-based) to change it on.
    pub step: usize,
    /// The field's id (anchor of the change link).
    pub field: String,
}

fn display(f: &Field, v: Option<&Value>, yes: &str, no: &str) -> Vec<String> {
    let label_of = |val: &str| {
        f.options
            .iter()
            .find(|o| o.value == val)
            .map(|o| o.label.clone())
            .unwrap_or_else(|| val.to_owned())
    };
    match (f.kind, v) {
        (_, None) | (_, Some(Value::Null)) => vec![],
        (FieldKind::YesNo, Some(v)) => match text_value(Some(v)).as_str() {
            "yes" => vec![yes.to_owned()],
            "no" => vec![no.to_owned()],
            other => vec![other.to_owned()],
        },
        (FieldKind::SingleChoice, Some(v)) => vec![label_of(&text_value(Some(v)))],
        (FieldKind::MultipleChoice, Some(Value::Array(a))) => {
            a.iter().filter_map(Value::as_str).map(label_of).collect()
        }
        (FieldKind::Address, Some(o)) => {
            let p = |k: &str| text_value(o.get(k));
            vec![
                format!("{} {}", p("street"), p("house_number")),
                format!("{} {}", p("postcode"), p("city")),
            ]
        }
        (FieldKind::File, Some(o)) => vec![format!(
            "{} ({} KB)",
            text_value(o.get("name")),
            o.get("size")
                .and_then(Value::as_u64)
                .unwrap_or(0)
                .div_ceil(1024)
        )],
        (FieldKind::Money, Some(v)) => vec![format!("{} €", text_value(Some(v)))],
        (FieldKind::Group, Some(Value::Array(items))) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let inner = item.as_object().cloned().unwrap_or_default();
                let parts: Vec<String> = f
                    .fields
                    .iter()
                    .filter(|g| visible(g, &inner))
                    .map(|g| {
                        format!(
                            "{}: {}",
                            g.label,
                            display(g, inner.get(&g.id), yes, no).join(", ")
                        )
                    })
                    .collect();
                format!("{}. {}", i + 1, parts.join("; "))
            })
            .collect(),
        (_, Some(v)) => vec![text_value(Some(v))],
    }
}

/// The rows of "check your answers": every visible question of every step.
pub fn summary(def: &FormDefinition, answers: &Answers, yes: &str, no: &str) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for (i, step) in def.steps.iter().enumerate() {
        for f in step.fields.iter().filter(|f| visible(f, answers)) {
            rows.push(SummaryRow {
                label: f.label.clone(),
                lines: display(f, answers.get(&f.id), yes, no),
                step: i + 1,
                field: f.id.clone(),
            });
        }
    }
    rows
}

/// The step (1-based) that holds a field named in an error (`kinder[0].x`
/// belongs to `kinder`); the first step when unknown.
pub fn step_of(def: &FormDefinition, error_field: &str) -> usize {
    let top = error_field.split(['.', '[']).next().unwrap_or(error_field);
    def.steps
        .iter()
        .position(|s| s.fields.iter().any(|f| f.id == top))
        .map(|i| i + 1)
        .unwrap_or(1)
}

/// Euro amount of cents in German notation, e.g. `61,20 €`.
pub fn euro(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let euros = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02} €", c % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> FormDefinition {
        serde_json::from_str(include_str!("../../../docs/forms/bewohnerparkausweis.json")).unwrap()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn posted_fields_become_answers_of_every_shape() {
        let d = def();
        let a = step_answers(
            &d.steps[0],
            &pairs(&[
                ("vorname", "Erika"),
                ("adresse.street", "Marktplatz"),
                ("adresse.postcode", "12345"),
                ("unknown", "x"),
            ]),
        );
        assert_eq!(a["vorname"], "Erika");
        assert_eq!(a["adresse"]["street"], "Marktplatz");
        assert_eq!(a["adresse"]["city"], "");
        assert!(!a.contains_key("unknown"));
        let b = step_answers(
            &d.steps[1],
            &pairs(&[
                ("weitere_fahrzeuge.items", "2"),
                ("weitere_fahrzeuge[0].kennzeichen_weiteres", "MU-A 1"),
                ("weitere_fahrzeuge[1].kennzeichen_weiteres", "MU-B 2"),
            ]),
        );
        assert_eq!(b["weitere_fahrzeuge"][1]["kennzeichen_weiteres"], "MU-B 2");
        let c = step_answers(
            &d.steps[3],
            &pairs(&[("zustellung", "portal"), ("zustellung", "post")]),
        );
        assert_eq!(c["zustellung"], serde_json::json!(["portal", "post"]));
    }

    #[test]
    fn summary_shows_labels_not_codes_and_errors_find_their_step() {
        let d = def();
        let mut a = Answers::new();
        a.insert("fahrzeugart".into(), "pkw".into());
        a.insert("halter".into(), "no".into());
        let rows = summary(&d, &a, "Ja", "Nein");
        let art = rows.iter().find(|r| r.field == "fahrzeugart").unwrap();
        assert_eq!(art.lines, vec!["Pkw"]);
        assert_eq!(art.step, 2);
        assert!(rows.iter().any(|r| r.field == "nutzungserlaubnis"));
        assert_eq!(step_of(&d, "adresse.postcode"), 1);
        assert_eq!(step_of(&d, "weitere_fahrzeuge[0].kennzeichen_weiteres"), 2);
        assert_eq!(euro(6120), "61,20 €");
        assert_eq!(euro(123_450), "1.234,50 €");
        assert_eq!(euro(5), "0,05 €");
    }
}
