//! A survey's questions and the answers one person gives: the kinds of
//! question, sections, required and conditional questions, and the checks
//! that refuse a malformed definition or answer with the field named
//! (nothing of a refused answer is stored).

use kernel::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a question asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// One of the options.
    Single {
        /// The options.
        options: Vec<String>,
    },
    /// Any number of the options (at least one when required).
    Multiple {
        /// The options.
        options: Vec<String>,
    },
    /// A rating from `min` to `max` (e.g. 1–5) with labels for the ends.
    Scale {
        /// Lowest value.
        min: i64,
        /// Highest value.
        max: i64,
        /// Label of the lowest value (e.g. "trifft nicht zu").
        min_label: String,
        /// Label of the highest value.
        max_label: String,
    },
    /// Yes or no.
    YesNo,
    /// A whole number between `min` and `max`.
    Number {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// Free text up to `max_chars` characters.
    Text {
        /// Longest answer.
        max_chars: usize,
    },
}

/// Shown only when an earlier question was answered with one of `values`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// The earlier question.
    pub question: String,
    /// Its answers that show this one (option texts, `yes`/`no`, numbers).
    pub values: Vec<String>,
}

/// A question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable key (letters, digits, `_`), e.g. `zukunft_mobil`.
    pub id: String,
    /// The section it belongs to (a heading on the form).
    #[serde(default)]
    pub section: String,
    /// The question's text.
    pub text: String,
    /// What it asks for.
    #[serde(flatten)]
    pub kind: Kind,
    /// An answer is required (when the question is shown).
    #[serde(default)]
    pub required: bool,
    /// A demographic question used for breakdowns (org unit, age band,
    /// role); always optional.
    #[serde(default)]
    pub demographic: bool,
    /// Shown only under this condition.
    #[serde(default)]
    pub condition: Option<Condition>,
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// Yes/no.
    Bool(bool),
    /// A number or rating.
    Number(i64),
    /// An option or a text.
    Text(String),
    /// Options.
    Many(Vec<String>),
}

impl Answer {
    /// The answer as the values a condition compares with.
    fn values(&self) -> Vec<String> {
        match self {
            Answer::Bool(true) => vec!["yes".into()],
            Answer::Bool(false) => vec!["no".into()],
            Answer::Number(n) => vec![n.to_string()],
            Answer::Text(t) => vec![t.clone()],
            Answer::Many(v) => v.clone(),
        }
    }
}

fn options_ok(options: &[String]) -> bool {
    let mut seen: Vec<&str> = Vec::new();
    options.len() >= 2
        && options.iter().all(|o| {
            let o = o.trim();
            let fresh = !o.is_empty() && !seen.contains(&o);
            seen.push(o);
            fresh
        })
}

/// Checks a survey's questions: unique keys, texts, at least two distinct
/// options, sensible ranges, conditions only on earlier questions and
/// their possible answers.
pub fn check_questions(questions: &[Question]) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if questions.is_empty() {
        errors.add("questions", "survey_no_questions");
    }
    for (i, q) in questions.iter().enumerate() {
        let field = |name: &str| format!("questions[{i}].{name}");
        let id_ok = !q.id.is_empty()
            && q.id.len() <= 60
            && q.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !id_ok {
            errors.add(&field("id"), "survey_question_id");
        } else if questions.iter().take(i).any(|p| p.id == q.id) {
            errors.add(&field("id"), "survey_question_id_twice");
        }
        if q.text.trim().is_empty() {
            errors.add(&field("text"), "required");
        }
        match &q.kind {
            Kind::Single { options } | Kind::Multiple { options } if !options_ok(options) => {
                errors.add(&field("options"), "survey_options");
            }
            Kind::Scale { min, max, .. } if !(min < max && max - min <= 10) => {
                errors.add(&field("max"), "survey_scale_range");
            }
            Kind::Number { min, max } if min > max => {
                errors.add(&field("max"), "survey_number_range")
            }
            Kind::Text { max_chars } if !(1..=10_000).contains(max_chars) => {
                errors.add(&field("max_chars"), "survey_text_length");
            }
            _ => {}
        }
        if let Some(c) = &q.condition {
            match questions.iter().take(i).find(|p| p.id == c.question) {
                None => errors.add(&field("condition"), "survey_condition_question"),
                Some(p) => {
                    let possible = |v: &String| match &p.kind {
                        Kind::Single { options } | Kind::Multiple { options } => {
                            options.contains(v)
                        }
                        Kind::YesNo => v == "yes" || v == "no",
                        Kind::Scale { min, max, .. } | Kind::Number { min, max } => {
                            v.parse::<i64>().is_ok_and(|n| (*min..=*max).contains(&n))
                        }
                        Kind::Text { .. } => false,
                    };
                    if c.values.is_empty() || !c.values.iter().all(possible) {
                        errors.add(&field("condition"), "survey_condition_values");
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Whether question `q` is shown given the answers so far.
fn shown(q: &Question, answers: &BTreeMap<String, Answer>) -> bool {
    match &q.condition {
        None => true,
        Some(c) => answers
            .get(&c.question)
            .is_some_and(|a| a.values().iter().any(|v| c.values.contains(v))),
    }
}

/// The answers without those to questions hidden by their condition
/// (a form without scripts shows every question; what does not apply is
/// not asked, so it is dropped rather than refused).
pub fn drop_not_asked(
    questions: &[Question],
    answers: &BTreeMap<String, Answer>,
) -> BTreeMap<String, Answer> {
    let mut out = BTreeMap::new();
    for q in questions {
        if let Some(a) = answers.get(&q.id)
            && shown(q, &out)
        {
            out.insert(q.id.clone(), a.clone());
        }
    }
    // Unknown keys stay, so the check names them.
    for (k, a) in answers {
        if !questions.iter().any(|q| &q.id == k) {
            out.insert(k.clone(), a.clone());
        }
    }
    out
}

/// Checks one person's answers against the questions: each answer fits
/// its question, required shown questions are answered, and nothing is
/// answered that was not asked (an unknown key, or a question hidden by
/// its condition). The answers come back with texts trimmed.
pub fn check_answers(
    questions: &[Question],
    answers: &BTreeMap<String, Answer>,
) -> Result<BTreeMap<String, Answer>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut out = BTreeMap::new();
    for key in answers.keys() {
        if !questions.iter().any(|q| &q.id == key) {
            errors.add(&format!("answers.{key}"), "survey_answer_unknown");
        }
    }
    for q in questions {
        let field = format!("answers.{}", q.id);
        let answer = answers.get(&q.id).filter(|a| {
            !matches!(a, Answer::Text(t) if t.trim().is_empty())
                && !matches!(a, Answer::Many(v) if v.is_empty())
        });
        if !shown(q, &out) {
            if answer.is_some() {
                errors.add(&field, "survey_answer_not_asked");
            }
            continue;
        }
        let Some(a) = answer else {
            if q.required && !q.demographic {
                errors.add(&field, "survey_answer_required");
            }
            continue;
        };
        let fits = match (&q.kind, a) {
            (Kind::Single { options }, Answer::Text(t)) => {
                options.contains(t).then(|| Answer::Text(t.clone()))
            }
            (Kind::Multiple { options }, Answer::Many(v)) => {
                let mut v: Vec<String> = v.clone();
                v.sort();
                v.dedup();
                v.iter()
                    .all(|o| options.contains(o))
                    .then_some(Answer::Many(v))
            }
            (Kind::Scale { min, max, .. } | Kind::Number { min, max }, Answer::Number(n)) => {
                (*min..=*max).contains(n).then_some(Answer::Number(*n))
            }
            (Kind::YesNo, Answer::Bool(b)) => Some(Answer::Bool(*b)),
            (Kind::Text { max_chars }, Answer::Text(t)) => {
                let t = t.trim();
                (t.chars().count() <= *max_chars).then(|| Answer::Text(t.to_owned()))
            }
            _ => None,
        };
        match fits {
            Some(a) => {
                out.insert(q.id.clone(), a);
            }
            None => errors.add(&field, "survey_answer_invalid"),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests;
