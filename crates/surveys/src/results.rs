//! A survey's results with the small groups protected: the figures per
//! question overall and per group of every demographic question (e.g.
//! per age band), where no group below the minimum is shown and none can
//! be worked out from the shown ones ([`crate::suppression`]). A group
//! withheld for that reason withholds its answers too; a question answered
//! by fewer than the minimum shows nothing, free texts included.

use crate::domain::{Answer, Kind, Question};
use crate::suppression::{Unit, breakdown};
use rand::seq::SliceRandom;
use serde::Serialize;
use std::collections::BTreeMap;

/// One bar of a question: an option, a scale value, yes or no.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// What was answered.
    pub label: String,
    /// How many gave it (`None`: withheld, a group below the minimum).
    pub count: Option<u64>,
    /// Share of those who answered the question, in per cent.
    pub percent: Option<f64>,
}

/// The figures of one question for one group of respondents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionResult {
    /// Key.
    pub id: String,
    /// Section.
    pub section: String,
    /// Text.
    pub text: String,
    /// How many answered it (`None`: withheld).
    pub answered: Option<u64>,
    /// Several answers per person (shares add up to more than 100 %).
    pub multiple: bool,
    /// The bars (empty when withheld and for free text).
    pub rows: Vec<Row>,
    /// Mean of a scale or number.
    pub mean: Option<f64>,
    /// Free texts, shuffled (empty when withheld).
    pub texts: Vec<String>,
    /// A free-text question.
    pub free_text: bool,
}

/// A group of a breakdown, e.g. "unter 30" of the age question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    /// The answer that makes the group ("keine Angabe" for none).
    pub label: String,
    /// Respondents in it (`None`: withheld).
    pub respondents: Option<u64>,
    /// Withheld although large enough, to protect a smaller group.
    pub complementary: bool,
    /// The questions' figures in this group (not the free texts).
    pub questions: Vec<QuestionResult>,
}

/// The results by the groups of one demographic question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakdownResult {
    /// The demographic question's key.
    pub question_id: String,
    /// Its text.
    pub text: String,
    /// Its groups.
    pub groups: Vec<GroupResult>,
}

/// What is withheld and why (for the staff council before publishing).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Withheld {
    /// What: "Altersgruppe: unter 30" or a question's text.
    pub what: String,
    /// `too_few` (below the minimum) or `complementary` (it would give a
    /// smaller group away).
    pub reason: &'static str,
}

/// A survey's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// Everyone who answered (`None`: fewer than the minimum, nothing is
    /// shown at all).
    pub respondents: Option<u64>,
    /// The smallest group shown.
    pub min_group: u64,
    /// Per question, over everyone.
    pub questions: Vec<QuestionResult>,
    /// Per demographic question, by its groups.
    pub breakdowns: Vec<BreakdownResult>,
    /// Everything withheld, with the reason.
    pub withheld: Vec<Withheld>,
}

/// The label of an answer to a question, as the results list it.
fn labels(q: &Question) -> Vec<String> {
    match &q.kind {
        Kind::Single { options } | Kind::Multiple { options } => options.clone(),
        Kind::Scale {
            min,
            max,
            min_label,
            max_label,
        } => (*min..=*max)
            .map(|v| {
                if v == *min {
                    format!("{v} – {min_label}")
                } else if v == *max {
                    format!("{v} – {max_label}")
                } else {
                    v.to_string()
                }
            })
            .collect(),
        Kind::YesNo => vec!["ja".into(), "nein".into()],
        Kind::Number { min, max } => number_buckets(*min, *max)
            .iter()
            .map(|(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}–{b}")
                }
            })
            .collect(),
        Kind::Text { .. } => Vec::new(),
    }
}

/// Ranges a number question is counted in: each value for up to 21
/// values, else ten equal ranges.
fn number_buckets(min: i64, max: i64) -> Vec<(i64, i64)> {
    let span = max.saturating_sub(min);
    if span <= 20 {
        return (min..=max).map(|v| (v, v)).collect();
    }
    let width = (span + 10) / 10;
    (0..10)
        .map(|i| {
            let a = min + i * width;
            (a, (a + width - 1).min(max))
        })
        .filter(|(a, _)| *a <= max)
        .collect()
}

/// Which bars an answer counts in (indexes into [`labels`]).
fn bars_of(q: &Question, a: &Answer) -> Vec<usize> {
    match (&q.kind, a) {
        (Kind::Single { options }, Answer::Text(t)) => {
            options.iter().position(|o| o == t).into_iter().collect()
        }
        (Kind::Multiple { options }, Answer::Many(v)) => options
            .iter()
            .enumerate()
            .filter(|(_, o)| v.contains(o))
            .map(|(i, _)| i)
            .collect(),
        (Kind::Scale { min, max, .. }, Answer::Number(n)) if (*min..=*max).contains(n) => {
            usize::try_from(n - min).ok().into_iter().collect()
        }
        (Kind::YesNo, Answer::Bool(b)) => vec![usize::from(!*b)],
        (Kind::Number { min, max }, Answer::Number(n)) => number_buckets(*min, *max)
            .iter()
            .position(|(a, b)| (*a..=*b).contains(n))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

fn percent(count: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| (count as f64) * 100.0 / (of as f64))
}

/// The figures of `q` over `sets`; shown only when `show`.
fn question(q: &Question, sets: &[&BTreeMap<String, Answer>], show: bool) -> QuestionResult {
    let answers: Vec<&Answer> = sets.iter().filter_map(|s| s.get(&q.id)).collect();
    let answered = answers.len() as u64;
    let free_text = matches!(q.kind, Kind::Text { .. });
    let mut out = QuestionResult {
        id: q.id.clone(),
        section: q.section.clone(),
        text: q.text.clone(),
        answered: show.then_some(answered),
        multiple: matches!(q.kind, Kind::Multiple { .. }),
        rows: Vec::new(),
        mean: None,
        texts: Vec::new(),
        free_text,
    };
    if !show {
        return out;
    }
    let mut counts = vec![0_u64; labels(q).len()];
    for a in &answers {
        for i in bars_of(q, a) {
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        }
    }
    out.rows = labels(q)
        .into_iter()
        .zip(counts)
        .map(|(label, count)| Row {
            label,
            count: Some(count),
            percent: percent(count, answered),
        })
        .collect();
    if matches!(q.kind, Kind::Scale { .. } | Kind::Number { .. }) && answered > 0 {
        let sum: i64 = answers
            .iter()
            .filter_map(|a| match a {
                Answer::Number(n) => Some(*n),
                _ => None,
            })
            .sum();
        out.mean = Some(sum as f64 / answered as f64);
    }
    if free_text {
        out.texts = answers
            .iter()
            .filter_map(|a| match a {
                Answer::Text(t) => Some(t.clone()),
                _ => None,
            })
            .collect();
        // Listed in no order that could follow the order of answering.
        out.texts.shuffle(&mut rand::rng());
    }
    out
}

/// The groups of a demographic question: one per answer and one for
/// those who gave none.
fn groups_of<'a>(
    d: &Question,
    sets: &'a [BTreeMap<String, Answer>],
) -> Vec<(String, Vec<&'a BTreeMap<String, Answer>>)> {
    let names = labels(d);
    let mut groups: Vec<(String, Vec<&BTreeMap<String, Answer>>)> =
        names.into_iter().map(|n| (n, Vec::new())).collect();
    let mut none = Vec::new();
    for s in sets {
        // A person is in the group of their (first) answer.
        match s.get(&d.id).and_then(|a| bars_of(d, a).first().copied()) {
            Some(i) => {
                if let Some(g) = groups.get_mut(i) {
                    g.1.push(s);
                }
            }
            None => none.push(s),
        }
    }
    groups.push(("keine Angabe".into(), none));
    groups
}

/// Which of `sizes` (groups side by side under one total) may be shown.
fn protect(sizes: &[u64], min: u64) -> Vec<(Option<u64>, bool)> {
    let mut units = vec![Unit {
        parent: None,
        respondents: 0,
    }];
    units.extend(sizes.iter().map(|s| Unit {
        parent: Some(0),
        respondents: *s,
    }));
    let b = breakdown(&units, min);
    b.totals
        .iter()
        .skip(1)
        .map(|f| (f.shown, f.complementary))
        .collect()
}

/// The results of `sets` (one person's answers each) to `questions`.
pub fn results(questions: &[Question], sets: &[BTreeMap<String, Answer>], min: u64) -> Results {
    let min = min.max(2);
    let all: Vec<&BTreeMap<String, Answer>> = sets.iter().collect();
    let enough = all.len() as u64 >= min;
    let mut withheld = Vec::new();
    if !enough {
        withheld.push(Withheld {
            what: "Alle Ergebnisse".into(),
            reason: "too_few",
        });
    }
    let answered = |q: &Question, group: &[&BTreeMap<String, Answer>]| {
        group.iter().filter(|s| s.contains_key(&q.id)).count() as u64
    };
    let mut overall = Vec::new();
    for q in questions {
        let show = enough && answered(q, &all) >= min;
        if enough && !show {
            withheld.push(Withheld {
                what: q.text.clone(),
                reason: "too_few",
            });
        }
        overall.push(question(q, &all, show));
    }
    let mut breakdowns = Vec::new();
    for d in questions.iter().filter(|q| q.demographic) {
        let groups = groups_of(d, sets);
        let sizes: Vec<u64> = groups.iter().map(|(_, g)| g.len() as u64).collect();
        let shown = if enough {
            protect(&sizes, min)
        } else {
            sizes.iter().map(|_| (None, false)).collect()
        };
        // The demographic question's own bars are its groups' sizes.
        if let Some(own) = overall.iter_mut().find(|r| r.id == d.id)
            && own.answered.is_some()
        {
            let given: u64 = sizes.iter().rev().skip(1).sum();
            // How many gave an answer is the total minus those who gave
            // none: shown only when that group is shown (or empty).
            let given_known =
                sizes.last() == Some(&0) || shown.last().is_some_and(|(s, _)| s.is_some());
            let given = (enough && given_known && given >= min).then_some(given);
            own.answered = given;
            own.rows = groups
                .iter()
                .zip(&shown)
                .take(groups.len().saturating_sub(1))
                .map(|((label, _), (count, _))| Row {
                    label: label.clone(),
                    count: *count,
                    percent: count.zip(given).and_then(|(c, g)| percent(c, g)),
                })
                .collect();
        }
        for ((label, g), (count, complementary)) in groups.iter().zip(&shown) {
            if enough && count.is_none() && !g.is_empty() {
                withheld.push(Withheld {
                    what: format!("{}: {label}", d.text),
                    reason: if *complementary {
                        "complementary"
                    } else {
                        "too_few"
                    },
                });
            }
        }
        // Per question, the groups' numbers of answers are protected the
        // same way; a withheld group shows none of its answers.
        let mut per_group: Vec<Vec<QuestionResult>> = vec![Vec::new(); groups.len()];
        for q in questions
            .iter()
            .filter(|q| !q.demographic && !matches!(q.kind, Kind::Text { .. }))
        {
            let counts: Vec<u64> = groups.iter().map(|(_, g)| answered(q, g)).collect();
            let ok = protect(&counts, min);
            for (i, ((_, g), (group_shown, _))) in groups.iter().zip(&shown).enumerate() {
                let show = group_shown.is_some() && ok.get(i).is_some_and(|(s, _)| s.is_some());
                if let Some(list) = per_group.get_mut(i) {
                    list.push(question(q, g, show));
                }
            }
        }
        breakdowns.push(BreakdownResult {
            question_id: d.id.clone(),
            text: d.text.clone(),
            groups: groups
                .into_iter()
                .zip(shown)
                .zip(per_group)
                .map(
                    |(((label, _), (respondents, complementary)), questions)| GroupResult {
                        label,
                        respondents,
                        complementary,
                        questions,
                    },
                )
                .collect(),
        });
    }
    Results {
        respondents: enough.then_some(all.len() as u64),
        min_group: min,
        questions: overall,
        breakdowns,
        withheld,
    }
}

/// The results as CSV (semicolon-separated, as German spreadsheets
/// expect): every figure that is shown, "zu wenige Antworten" where one
/// is withheld. The same suppression as on the page.
pub fn csv(r: &Results) -> Result<Vec<u8>, String> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let e = |e: csv::Error| e.to_string();
    w.write_record(["Gruppe", "Frage", "Antwort", "Anzahl", "Anteil (%)"])
        .map_err(e)?;
    let few = "zu wenige Antworten";
    let write_question = |w: &mut csv::Writer<Vec<u8>>, group: &str, q: &QuestionResult| {
        if q.answered.is_none() {
            return w.write_record([group, &q.text, "", few, ""]).map_err(e);
        }
        for row in &q.rows {
            let (count, share) = match (row.count, row.percent) {
                (Some(c), p) => (
                    c.to_string(),
                    p.map(|p| format!("{p:.1}")).unwrap_or_default(),
                ),
                (None, _) => (few.to_owned(), String::new()),
            };
            w.write_record([group, &q.text, &row.label, &count, &share])
                .map_err(e)?;
        }
        for t in &q.texts {
            w.write_record([group, &q.text, t, "", ""]).map_err(e)?;
        }
        Ok(())
    };
    match r.respondents {
        Some(n) => w
            .write_record(["Alle", "Teilnehmende", "", &n.to_string(), ""])
            .map_err(e)?,
        None => w
            .write_record(["Alle", "Teilnehmende", "", few, ""])
            .map_err(e)?,
    }
    if r.respondents.is_some() {
        for q in &r.questions {
            write_question(&mut w, "Alle", q)?;
        }
        for b in &r.breakdowns {
            for g in &b.groups {
                let name = format!("{}: {}", b.text, g.label);
                match g.respondents {
                    Some(n) => w
                        .write_record([&name, "Teilnehmende", "", &n.to_string(), ""])
                        .map_err(e)?,
                    None => {
                        w.write_record([&name, "Teilnehmende", "", few, ""])
                            .map_err(e)?;
                        continue;
                    }
                }
                for q in &g.questions {
                    write_question(&mut w, &name, q)?;
                }
            }
        }
    }
    w.into_inner().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
