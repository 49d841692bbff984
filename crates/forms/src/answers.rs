//! Answers and their validation: which questions are visible, what each
//! answer must satisfy, the rules between fields, and the fee they cost.
//! Error fields are named as the pages and the API name them: `vorname`,
//! `adresse.postcode`, `kinder[1].geburtsdatum`.

use crate::definition::{CrossCheck, Field, FieldKind, FormDefinition, Step};
use crate::kinds;
use kernel::FieldErrors;
use serde_json::{Map, Value};

/// A set of answers: field id → value (text as typed; arrays for multiple
/// choice and groups; objects for addresses and files).
pub type Answers = Map<String, Value>;

/// True when `text` matches the pattern as a whole. Compiled patterns are
/// kept (a form has a handful; the cache is emptied should it ever hold
/// more than 1 024), so a submission does not compile its regexes again.
fn whole_match(pattern: &str, text: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    static CACHE: LazyLock<Mutex<HashMap<String, Option<Arc<regex::Regex>>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let compiled = {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 1024 {
            cache.clear();
        }
        cache
            .entry(pattern.to_owned())
            .or_insert_with(|| {
                regex::Regex::new(&format!("^(?:{pattern})$"))
                    .ok()
                    .map(Arc::new)
            })
            .clone()
    };
    compiled.is_some_and(|r| r.is_match(text))
}

fn text_of(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn matches_condition(answers: &Answers, field: &str, equals: &str) -> bool {
    match answers.get(field) {
        Some(Value::String(s)) => s.trim() == equals,
        Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(equals)),
        Some(Value::Bool(b)) => (if *b { "yes" } else { "no" }) == equals,
        _ => false,
    }
}

/// True when the field is asked, given the answers so far.
pub fn visible(field: &Field, answers: &Answers) -> bool {
    field
        .visible_if
        .as_ref()
        .is_none_or(|c| matches_condition(answers, &c.field, &c.equals))
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.values().all(|v| is_empty(Some(v))),
        _ => false,
    }
}

fn check_field(
    f: &Field,
    value: Option<&Value>,
    answers: &Answers,
    path: &str,
    e: &mut FieldErrors,
) {
    if !visible(f, answers) {
        return;
    }
    if is_empty(value) {
        if f.required {
            e.add(path, "required");
        } else if f.kind == FieldKind::Group
            && let Some(min) = f.min_items
            && min > 0
        {
            e.add(path, "too_few_items");
        }
        return;
    }
    let Some(value) = value else { return };
    let text = value.as_str().map(str::trim);
    let wrong_shape = |e: &mut FieldErrors| e.add(path, "answer_invalid");
    match f.kind {
        FieldKind::Text | FieldKind::LongText => {
            let Some(t) = text else { return wrong_shape(e) };
            let n = t.chars().count();
            let max = f.max_length.unwrap_or(if f.kind == FieldKind::Text {
                200
            } else {
                10_000
            });
            if f.min_length.is_some_and(|m| n < m) {
                e.add(path, "too_short");
            } else if n > max {
                e.add(path, "too_long");
            } else if let Some(p) = &f.pattern
                && !whole_match(p, t)
            {
                e.add(path, "pattern_mismatch");
            }
        }
        FieldKind::Number | FieldKind::Money => {
            let Some(t) = text else { return wrong_shape(e) };
            let parsed = if f.kind == FieldKind::Number {
                kinds::number(t)
            } else {
                kinds::money(t).map(|c| c as f64)
            };
            match parsed {
                Err(code) => e.add(path, code),
                Ok(v) if f.min.is_some_and(|m| v < m) => e.add(path, "too_small"),
                Ok(v) if f.max.is_some_and(|m| v > m) => e.add(path, "too_large"),
                Ok(_) => {}
            }
        }
        FieldKind::Date => match text.map(kinds::date) {
            Some(Ok(_)) => {}
            Some(Err(code)) => e.add(path, code),
            None => wrong_shape(e),
        },
        FieldKind::Email => match text.map(kinds::email) {
            Some(Ok(())) => {}
            Some(Err(code)) => e.add(path, code),
            None => wrong_shape(e),
        },
        FieldKind::Phone => match text.map(kinds::phone) {
            Some(Ok(())) => {}
            Some(Err(code)) => e.add(path, code),
            None => wrong_shape(e),
        },
        FieldKind::Iban => match text.map(kinds::iban) {
            Some(Ok(_)) => {}
            Some(Err(code)) => e.add(path, code),
            None => wrong_shape(e),
        },
        FieldKind::YesNo => {
            if !matches!(text, Some("yes") | Some("no")) && !value.is_boolean() {
                e.add(path, "choice_invalid");
            }
        }
        FieldKind::SingleChoice => {
            if !text.is_some_and(|t| f.options.iter().any(|o| o.value == t)) {
                e.add(path, "choice_invalid");
            }
        }
        FieldKind::MultipleChoice => {
            let ok = value.as_array().is_some_and(|items| {
                items.iter().all(|v| {
                    v.as_str()
                        .is_some_and(|s| f.options.iter().any(|o| o.value == s))
                })
            });
            if !ok {
                e.add(path, "choice_invalid");
            }
        }
        FieldKind::Address => {
            let Some(o) = value.as_object() else {
                return wrong_shape(e);
            };
            if text_of(o.get("street")).is_none() {
                e.add(&format!("{path}.street"), "street_missing");
            }
            if text_of(o.get("house_number")).is_none() {
                e.add(&format!("{path}.house_number"), "house_number_missing");
            }
            match text_of(o.get("postcode")) {
                Some(p) if kinds::postcode(p).is_ok() => {}
                _ => e.add(&format!("{path}.postcode"), "postcode_invalid"),
            }
            if text_of(o.get("city")).is_none() {
                e.add(&format!("{path}.city"), "city_missing");
            }
        }
        FieldKind::File => {
            let Some(o) = value.as_object() else {
                return wrong_shape(e);
            };
            let media = o.get("media_type").and_then(Value::as_str).unwrap_or("");
            let size = o.get("size").and_then(Value::as_u64).unwrap_or(u64::MAX);
            if !f.accept.iter().any(|a| a == media) {
                e.add(path, "file_type_not_allowed");
            } else if f.max_bytes.is_some_and(|m| size > m) || size == u64::MAX {
                e.add(path, "file_too_large");
            }
        }
        FieldKind::Group => {
            let Some(items) = value.as_array() else {
                return wrong_shape(e);
            };
            if f.min_items.is_some_and(|m| items.len() < m) {
                e.add(path, "too_few_items");
            }
            if items.len() > f.max_items.unwrap_or(50) {
                e.add(path, "too_many_items");
                return;
            }
            for (i, item) in items.iter().enumerate() {
                let Some(inner) = item.as_object() else {
                    e.add(&format!("{path}[{i}]"), "answer_invalid");
                    continue;
                };
                for g in &f.fields {
                    check_field(
                        g,
                        inner.get(&g.id),
                        inner,
                        &format!("{path}[{i}].{}", g.id),
                        e,
                    );
                }
            }
        }
    }
}

fn check_cross(step: &Step, answers: &Answers, e: &mut FieldErrors) {
    for c in &step.checks {
        match c {
            CrossCheck::DateAfter { field, other } => {
                let a = text_of(answers.get(field)).map(kinds::date);
                let b = text_of(answers.get(other)).map(kinds::date);
                if let (Some(Ok(a)), Some(Ok(b))) = (a, b)
                    && a <= b
                    && e.get(field).is_none()
                {
                    e.add(field, "date_not_after");
                }
            }
            CrossCheck::Equals { field, other } => {
                if text_of(answers.get(field)) != text_of(answers.get(other))
                    && e.get(field).is_none()
                {
                    e.add(field, "not_equal");
                }
            }
        }
    }
}

/// Validates the answers of one step (the assistant checks a step before
/// moving on). Hidden fields are not checked.
pub fn validate_step(step: &Step, answers: &Answers) -> FieldErrors {
    let mut e = FieldErrors::new();
    for f in &step.fields {
        check_field(f, answers.get(&f.id), answers, &f.id, &mut e);
    }
    check_cross(step, answers, &mut e);
    e
}

/// Validates everything before submission, including that no answer is
/// given for a field the form does not have.
pub fn validate_all(def: &FormDefinition, answers: &Answers) -> FieldErrors {
    let mut e = FieldErrors::new();
    for step in &def.steps {
        e.0.extend(validate_step(step, answers).0);
    }
    let known: Vec<&str> = def
        .steps
        .iter()
        .flat_map(|s| s.fields.iter().map(|f| f.id.as_str()))
        .collect();
    for key in answers.keys() {
        if !known.contains(&key.as_str()) {
            e.add(key, "field_unknown");
        }
    }
    e
}

/// Answers of fields that are hidden by their conditions are dropped, so
/// a submission holds only what was asked.
pub fn without_hidden(def: &FormDefinition, answers: &Answers) -> Answers {
    let mut out = answers.clone();
    for step in &def.steps {
        for f in &step.fields {
            if !visible(f, answers) {
                out.remove(&f.id);
            }
        }
    }
    out
}

/// The fee the answers cost, in cents.
pub fn fee_cents(def: &FormDefinition, answers: &Answers) -> i64 {
    let Some(rule) = &def.fee else { return 0 };
    let mut total = rule.base_cents;
    for a in &rule.add {
        if a.when
            .as_ref()
            .is_some_and(|c| !matches_condition(answers, &c.field, &c.equals))
        {
            continue;
        }
        let units = match &a.per_unit_of {
            Some(f) => text_of(answers.get(f))
                .and_then(|t| kinds::number(t).ok())
                .map(|n| n.floor().clamp(0.0, 1_000_000.0) as i64)
                .unwrap_or(0),
            None => 1,
        };
        total = total.saturating_add(a.cents.saturating_mul(units));
    }
    total
}
