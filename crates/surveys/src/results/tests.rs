//! Results against hand-counted figures, and the protection of small
//! groups checked on random answer sets.

use super::*;
use crate::domain::Condition;
use proptest::prelude::*;

fn q(id: &str, kind: Kind, demographic: bool) -> Question {
    Question {
        id: id.into(),
        section: String::new(),
        text: format!("Frage {id}"),
        kind,
        required: false,
        demographic,
        condition: None,
    }
}

fn questions() -> Vec<Question> {
    let mut follow = q("warum", Kind::Text { max_chars: 200 }, false);
    follow.condition = Some(Condition {
        question: "zukunft".into(),
        values: vec!["nein".into()],
    });
    vec![
        q(
            "zukunft",
            Kind::Single {
                options: vec!["ja".into(), "nein".into()],
            },
            false,
        ),
        q(
            "note",
            Kind::Scale {
                min: 1,
                max: 5,
                min_label: "schlecht".into(),
                max_label: "gut".into(),
            },
            false,
        ),
        follow,
        q(
            "alter",
            Kind::Single {
                options: vec!["unter 30".into(), "30 bis 49".into(), "50 und älter".into()],
            },
            true,
        ),
    ]
}

fn set(
    zukunft: &str,
    note: i64,
    alter: Option<&str>,
    warum: Option<&str>,
) -> BTreeMap<String, Answer> {
    let mut m = BTreeMap::new();
    m.insert("zukunft".into(), Answer::Text(zukunft.into()));
    m.insert("note".into(), Answer::Number(note));
    if let Some(a) = alter {
        m.insert("alter".into(), Answer::Text(a.into()));
    }
    if let Some(w) = warum {
        m.insert("warum".into(), Answer::Text(w.into()));
    }
    m
}

#[test]
fn counts_shares_and_means_per_question() {
    let mut sets = Vec::new();
    for i in 0..12 {
        sets.push(set(
            if i < 9 { "ja" } else { "nein" },
            1 + i % 5,
            Some("30 bis 49"),
            None,
        ));
    }
    let r = results(&questions(), &sets, 5);
    assert_eq!(r.respondents, Some(12));
    let z = &r.questions[0];
    assert_eq!(z.answered, Some(12));
    assert_eq!(z.rows[0].count, Some(9));
    assert_eq!(z.rows[1].count, Some(3));
    assert!((z.rows[0].percent.unwrap_or(0.0) - 75.0).abs() < 1e-9);
    let note = &r.questions[1];
    // 1,2,3,4,5,1,2,3,4,5,1,2 → mean 33/12.
    assert!((note.mean.unwrap_or(0.0) - 33.0 / 12.0).abs() < 1e-9);
    assert_eq!(note.rows.len(), 5);
    assert_eq!(note.rows[0].label, "1 – schlecht");
    // The follow-up question (3 answered "nein", none wrote) is withheld.
    assert_eq!(r.questions[2].answered, None);
}

#[test]
fn too_few_respondents_show_nothing_at_all() {
    let sets: Vec<_> = (0..4).map(|_| set("ja", 3, None, None)).collect();
    let r = results(&questions(), &sets, 5);
    assert_eq!(r.respondents, None);
    assert!(
        r.questions
            .iter()
            .all(|q| q.answered.is_none() && q.rows.is_empty())
    );
    assert!(
        r.breakdowns
            .iter()
            .all(|b| b.groups.iter().all(|g| g.respondents.is_none()))
    );
    let csv = String::from_utf8(csv(&r).unwrap_or_default()).unwrap_or_default();
    assert!(csv.contains("zu wenige Antworten"));
    assert!(!csv.contains(";ja;"), "{csv}");
}

#[test]
fn a_small_age_group_is_withheld_and_cannot_be_worked_out() {
    // 20 of 30–49, 2 under 30, 8 without an answer.
    let mut sets = Vec::new();
    for _ in 0..20 {
        sets.push(set("ja", 4, Some("30 bis 49"), None));
    }
    for _ in 0..2 {
        sets.push(set("nein", 1, Some("unter 30"), Some("zu laut zu Hause")));
    }
    for _ in 0..8 {
        sets.push(set("ja", 5, None, None));
    }
    let r = results(&questions(), &sets, 5);
    let b = &r.breakdowns[0];
    let by: BTreeMap<&str, &GroupResult> = b.groups.iter().map(|g| (g.label.as_str(), g)).collect();
    assert_eq!(by["unter 30"].respondents, None);
    // 30 − 20 − 8 would give the 2 away: one more group is withheld.
    let hidden = b
        .groups
        .iter()
        .filter(|g| g.respondents.is_none() && !g.label.starts_with("50"))
        .count();
    assert!(hidden >= 2, "{b:?}");
    assert!(r.withheld.iter().any(|w| w.reason == "complementary"));
    // The free text of the two is not shown anywhere.
    assert!(r.questions[2].texts.is_empty());
    let csv = String::from_utf8(csv(&r).unwrap_or_default()).unwrap_or_default();
    assert!(!csv.contains("zu laut"), "{csv}");
    assert!(
        csv.contains("Frage alter: unter 30;Teilnehmende;;zu wenige Antworten"),
        "{csv}"
    );
    // The demographic question's own bars are protected the same way.
    let alter = r.questions.iter().find(|q| q.id == "alter").cloned();
    let rows = alter.map(|q| q.rows).unwrap_or_default();
    assert_eq!(
        rows.iter()
            .find(|r| r.label == "unter 30")
            .and_then(|r| r.count),
        None
    );
}

#[test]
fn free_texts_are_listed_when_enough_answered() {
    let mut sets = Vec::new();
    for i in 0..6 {
        sets.push(set("nein", 2, None, Some(&format!("Grund {i}"))));
    }
    let r = results(&questions(), &sets, 5);
    let mut texts = r.questions[2].texts.clone();
    texts.sort();
    assert_eq!(
        texts,
        (0..6).map(|i| format!("Grund {i}")).collect::<Vec<_>>()
    );
}

fn random_sets() -> impl Strategy<Value = (Vec<BTreeMap<String, Answer>>, u64)> {
    (
        proptest::collection::vec((0_usize..2, 1_i64..6, 0_usize..4, any::<bool>()), 0..60),
        3_u64..8,
    )
        .prop_map(|(rows, min)| {
            let ages = ["unter 30", "30 bis 49", "50 und älter"];
            let sets = rows
                .into_iter()
                .map(|(z, note, age, skip_note)| {
                    let mut m = set(["ja", "nein"][z], note, ages.get(age).copied(), None);
                    if skip_note {
                        m.remove("note");
                    }
                    m
                })
                .collect();
            (sets, min)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// No shown group or per-group question is below the minimum, and the
    /// hidden groups under the shown total together are none or at least
    /// the minimum (else the total minus the shown ones gives them away).
    #[test]
    fn no_small_group_shows_or_can_be_worked_out((sets, min) in random_sets()) {
        let r = results(&questions(), &sets, min);
        for b in &r.breakdowns {
            let mut hidden = 0;
            for g in &b.groups {
                let size = sets.iter().filter(|s| {
                    let a = s.get("alter");
                    match a { Some(Answer::Text(t)) => *t == g.label, _ => g.label == "keine Angabe" }
                }).count() as u64;
                match g.respondents {
                    Some(n) => { prop_assert_eq!(n, size); prop_assert!(n >= min); }
                    None => hidden += size,
                }
                for q in &g.questions {
                    if let Some(n) = q.answered { prop_assert!(n >= min); prop_assert!(g.respondents.is_some()); }
                }
            }
            if r.respondents.is_some() {
                prop_assert!(hidden == 0 || hidden >= min, "hidden groups add up to {hidden}");
            }
            // Per question: the groups whose answers are hidden add up to
            // none or at least the minimum.
            for (qi, q) in questions().iter().enumerate().filter(|(_, q)| !q.demographic && !matches!(q.kind, Kind::Text { .. })) {
                let overall_shown = r.questions.iter().find(|x| x.id == q.id).is_some_and(|x| x.answered.is_some());
                if !overall_shown { continue; }
                let mut hidden_answers = 0;
                for g in &b.groups {
                    let pos = questions().iter().filter(|x| !x.demographic && !matches!(x.kind, Kind::Text { .. })).position(|x| x.id == q.id);
                    let shown = pos.and_then(|p| g.questions.get(p)).is_some_and(|x| x.answered.is_some());
                    if !shown {
                        hidden_answers += sets.iter().filter(|s| {
                            let in_group = match s.get("alter") { Some(Answer::Text(t)) => *t == g.label, _ => g.label == "keine Angabe" };
                            in_group && s.contains_key(&q.id)
                        }).count() as u64;
                    }
                }
                prop_assert!(hidden_answers == 0 || hidden_answers >= min, "question {qi}: hidden answers add up to {hidden_answers}");
            }
        }
    }

    /// The CSV carries exactly the figures the results show.
    #[test]
    fn the_csv_shows_no_withheld_group((sets, min) in random_sets()) {
        let r = results(&questions(), &sets, min);
        let text = String::from_utf8(csv(&r).unwrap_or_default()).unwrap_or_default();
        for b in &r.breakdowns {
            for g in &b.groups {
                let line = format!("{}: {};Teilnehmende;;", b.text, g.label);
                if r.respondents.is_none() { continue; }
                match g.respondents {
                    Some(n) => prop_assert!(text.contains(&format!("{line}{n};")), "{}", text),
                    None => prop_assert!(text.contains(&format!("{line}zu wenige Antworten;")), "{}", text),
                }
            }
        }
    }
}
