//! The form definition: what an editor writes (or imports from FIM) and
//! what a published version freezes.

use kernel::FieldErrors;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A whole form: steps in order, a declaration to confirm, and the fee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// Title shown above every step.
    pub title: String,
    /// The steps, one page each.
    pub steps: Vec<Step>,
    /// Text the applicant confirms before submitting.
    #[serde(default)]
    pub declaration: String,
    /// How the fee is computed; none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<FeeRule>,
}

/// One page of the assistant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Stable id (letters, digits, `_`).
    pub id: String,
    /// Heading of the page.
    pub title: String,
    /// Questions on this page.
    pub fields: Vec<Field>,
    /// Rules between fields of this step (e.g. end after start).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CrossCheck>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Stable id, unique in the form (letters, digits, `_`).
    pub id: String,
    /// The question.
    pub label: String,
    /// Help shown below the label.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
    /// What kind of answer it takes.
    pub kind: FieldKind,
    /// An answer is needed (when the field is visible).
    #[serde(default)]
    pub required: bool,
    /// Shortest text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    /// Longest text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Smallest number or amount (cents for money).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest number or amount (cents for money).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// A regular expression the whole text must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Choices of single and multiple choice fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Ask only when another answer has a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<Condition>,
    /// Where once-only prefill may come from, e.g. `profile.given_name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
    /// Media types a file upload accepts (checked by content).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    /// Largest upload in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    /// Fields of a repeatable group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub fields: Vec<Field>,
    /// Fewest entries of a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<usize>,
    /// Most entries of a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<usize>,
}

impl Field {
    /// The kind's stable name (`text`, `single_choice`, …) for templates.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            FieldKind::Text => "text",
            FieldKind::LongText => "long_text",
            FieldKind::Number => "number",
            FieldKind::Money => "money",
            FieldKind::Date => "date",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
            FieldKind::Iban => "iban",
            FieldKind::Address => "address",
            FieldKind::SingleChoice => "single_choice",
            FieldKind::MultipleChoice => "multiple_choice",
            FieldKind::YesNo => "yes_no",
            FieldKind::File => "file",
            FieldKind::Group => "group",
        }
    }

    /// A field with no rules beyond its kind.
    pub fn new(id: String, label: String, kind: FieldKind) -> Field {
        Field {
            id,
            label,
            help: String::new(),
            kind,
            required: false,
            min_length: None,
            max_length: None,
            min: None,
            max: None,
            pattern: None,
            options: Vec::new(),
            visible_if: None,
            prefill: None,
            accept: Vec::new(),
            max_bytes: None,
            fields: Vec::new(),
            min_items: None,
            max_items: None,
        }
    }
}

/// The kinds of fields.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines.
    LongText,
    /// A number (decimal comma or point).
    Number,
    /// An amount in euro, stored in cents.
    Money,
    /// A calendar date.
    Date,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// An IBAN (checksum validated).
    Iban,
    /// A German postal address: street, number, postcode, city.
    Address,
    /// One of the options.
    SingleChoice,
    /// Any of the options.
    MultipleChoice,
    /// Yes or no.
    YesNo,
    /// An uploaded file.
    File,
    /// A group of fields that can repeat ("weitere Kinder").
    Group,
}

/// An option of a choice field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Stored value.
    pub value: String,
    /// Text shown.
    pub label: String,
}

/// A condition on another field's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The other field (must come before this one).
    pub field: String,
    /// The answer that shows this field (`yes`/`no` for yes/no fields; one
    /// option value for choices).
    pub equals: String,
}

/// A rule between two fields of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields, tag = "rule", rename_all = "snake_case")]
pub enum CrossCheck {
    /// `field` must be a date after `other`.
    DateAfter {
        /// The later date.
        field: String,
        /// The earlier date.
        other: String,
    },
    /// `field` must equal `other` (e.g. repeated e-mail).
    Equals {
        /// The repeated value.
        field: String,
        /// The first value.
        other: String,
    },
}

/// How the fee is computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeRule {
    /// Base amount in cents.
    #[serde(default)]
    pub base_cents: i64,
    /// Amounts added by answers.
    #[serde(default)]
    pub add: Vec<FeeAddition>,
}

/// An amount added to the fee by an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeAddition {
    /// Add when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Fixed cents to add.
    #[serde(default)]
    pub cents: i64,
    /// Or: cents per unit of this number field (e.g. per dog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_of: Option<String>,
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Every field in document order, with groups' inner fields after them.
pub fn all_fields(def: &FormDefinition) -> Vec<&Field> {
    fn walk<'a>(fields: &'a [Field], out: &mut Vec<&'a Field>) {
        for f in fields {
            out.push(f);
            walk(&f.fields, out);
        }
    }
    let mut out = Vec::new();
    for s in &def.steps {
        walk(&s.fields, &mut out);
    }
    out
}

/// Checks that a definition can be published: ids unique and well formed,
/// choices have options, conditions point at earlier fields, patterns
/// compile, groups have fields, limits are consistent. Errors are named by
/// path, e.g. `steps[1].fields[0].options`.
pub fn check_definition(def: &FormDefinition) -> FieldErrors {
    let mut e = FieldErrors::new();
    if def.title.trim().is_empty() {
        e.add("title", "title_missing");
    }
    if def.steps.is_empty() {
        e.add("steps", "steps_missing");
    }
    let mut step_ids = HashSet::new();
    let mut seen: Vec<(String, FieldKind, Vec<String>)> = Vec::new();
    for (si, step) in def.steps.iter().enumerate() {
        let sp = format!("steps[{si}]");
        if !is_id(&step.id) || !step_ids.insert(step.id.clone()) {
            e.add(&format!("{sp}.id"), "id_invalid_or_duplicate");
        }
        if step.fields.is_empty() {
            e.add(&format!("{sp}.fields"), "fields_missing");
        }
        check_fields(&step.fields, &sp, &mut seen, &mut e);
        for (ci, c) in step.checks.iter().enumerate() {
            let (a, b) = match c {
                CrossCheck::DateAfter { field, other } | CrossCheck::Equals { field, other } => {
                    (field, other)
                }
            };
            let in_step = |id: &str| step.fields.iter().any(|f| f.id == id);
            if !in_step(a) || !in_step(b) {
                e.add(&format!("{sp}.checks[{ci}]"), "check_field_unknown");
            }
        }
    }
    if let Some(fee) = &def.fee {
        for (i, a) in fee.add.iter().enumerate() {
            if let Some(f) = &a.per_unit_of
                && !seen
                    .iter()
                    .any(|(id, kind, _)| id == f && *kind == FieldKind::Number)
            {
                e.add(&format!("fee.add[{i}].per_unit_of"), "fee_field_unknown");
            }
            if let Some(c) = &a.when
                && !seen.iter().any(|(id, _, _)| *id == c.field)
            {
                e.add(&format!("fee.add[{i}].when"), "condition_field_unknown");
            }
        }
    }
    e
}

fn check_fields(
    fields: &[Field],
    prefix: &str,
    seen: &mut Vec<(String, FieldKind, Vec<String>)>,
    e: &mut FieldErrors,
) {
    for (fi, f) in fields.iter().enumerate() {
        let p = format!("{prefix}.fields[{fi}]");
        if !is_id(&f.id) || seen.iter().any(|(id, _, _)| *id == f.id) {
            e.add(&format!("{p}.id"), "id_invalid_or_duplicate");
        }
        if f.label.trim().is_empty() {
            e.add(&format!("{p}.label"), "label_missing");
        }
        let choice = matches!(f.kind, FieldKind::SingleChoice | FieldKind::MultipleChoice);
        if choice {
            let mut values = HashSet::new();
            if f.options.is_empty()
                || !f
                    .options
                    .iter()
                    .all(|o| !o.value.is_empty() && values.insert(o.value.clone()))
            {
                e.add(&format!("{p}.options"), "options_invalid");
            }
        } else if !f.options.is_empty() {
            e.add(&format!("{p}.options"), "options_not_allowed");
        }
        if let (Some(a), Some(b)) = (f.min_length, f.max_length)
            && a > b
        {
            e.add(&format!("{p}.min_length"), "limits_inconsistent");
        }
        if let (Some(a), Some(b)) = (f.min, f.max)
            && (a > b || !a.is_finite() || !b.is_finite())
        {
            e.add(&format!("{p}.min"), "limits_inconsistent");
        }
        if let Some(pat) = &f.pattern
            && regex::Regex::new(pat).is_err()
        {
            e.add(&format!("{p}.pattern"), "pattern_invalid");
        }
        if let Some(c) = &f.visible_if {
            match seen.iter().find(|(id, _, _)| *id == c.field) {
                None => e.add(&format!("{p}.visible_if"), "condition_field_unknown"),
                Some((_, kind, options)) => {
                    let ok = match kind {
                        FieldKind::YesNo => c.equals == "yes" || c.equals == "no",
                        FieldKind::SingleChoice | FieldKind::MultipleChoice => {
                            options.contains(&c.equals)
                        }
                        _ => true,
                    };
                    if !ok {
                        e.add(&format!("{p}.visible_if"), "condition_value_unknown");
                    }
                }
            }
        }
        if f.kind == FieldKind::Group {
            if f.fields.is_empty() {
                e.add(&format!("{p}.fields"), "fields_missing");
            }
            if let (Some(a), Some(b)) = (f.min_items, f.max_items)
                && a > b
            {
                e.add(&format!("{p}.min_items"), "limits_inconsistent");
            }
            if f.fields.iter().any(|g| g.kind == FieldKind::Group) {
                e.add(&format!("{p}.fields"), "groups_nested");
            }
        } else if !f.fields.is_empty() {
            e.add(&format!("{p}.fields"), "fields_not_allowed");
        }
        if let Some(source) = &f.prefill {
            let ok = match source.strip_prefix("submission.") {
                Some(id) => is_id(id) && f.kind != FieldKind::File && f.kind != FieldKind::Group,
                None => {
                    identity::profile::PROFILE_SOURCES.contains(&source.as_str())
                        && ((source == "profile.address") == (f.kind == FieldKind::Address))
                }
            };
            if !ok {
                e.add(&format!("{p}.prefill"), "prefill_unknown");
            }
        }
        if f.kind == FieldKind::File && f.accept.is_empty() {
            e.add(&format!("{p}.accept"), "accept_missing");
        }
        seen.push((
            f.id.clone(),
            f.kind,
            f.options.iter().map(|o| o.value.clone()).collect(),
        ));
        if f.kind == FieldKind::Group {
            check_fields(&f.fields, &p, seen, e);
        }
    }
}
