//! Checks of survey definitions and answers.

use super::*;

fn survey() -> Vec<Question> {
    let q = |id: &str, kind: Kind, required: bool, condition: Option<Condition>| Question {
        id: id.into(),
        section: "Mobiles Arbeiten".into(),
        text: format!("Frage {id}"),
        kind,
        required,
        demographic: false,
        condition,
    };
    vec![
        q("mobil", Kind::YesNo, true, None),
        q(
            "tage",
            Kind::Number { min: 0, max: 5 },
            true,
            Some(Condition {
                question: "mobil".into(),
                values: vec!["yes".into()],
            }),
        ),
        q(
            "zufrieden",
            Kind::Scale {
                min: 1,
                max: 5,
                min_label: "gar nicht".into(),
                max_label: "sehr".into(),
            },
            false,
            None,
        ),
        q(
            "geraete",
            Kind::Multiple {
                options: vec!["Notebook".into(), "Smartphone".into(), "Tablet".into()],
            },
            false,
            None,
        ),
        q(
            "zukunft",
            Kind::Single {
                options: vec![
                    "mehr".into(),
                    "gleich".into(),
                    "weniger".into(),
                    "gar nicht".into(),
                ],
            },
            true,
            None,
        ),
        q("anmerkung", Kind::Text { max_chars: 20 }, false, None),
    ]
}

fn answers(pairs: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn fields(e: &FieldErrors) -> Vec<(String, String)> {
    e.0.iter()
        .map(|f| (f.field.clone(), f.code.clone()))
        .collect()
}

#[test]
fn a_complete_answer_passes_with_texts_trimmed_and_options_once() {
    let a = answers(&[
        ("mobil", Answer::Bool(true)),
        ("tage", Answer::Number(2)),
        ("zufrieden", Answer::Number(4)),
        (
            "geraete",
            Answer::Many(vec!["Tablet".into(), "Notebook".into(), "Tablet".into()]),
        ),
        ("zukunft", Answer::Text("mehr".into())),
        ("anmerkung", Answer::Text("  gut so  ".into())),
    ]);
    let out = check_answers(&survey(), &a).expect("valid");
    assert_eq!(out["anmerkung"], Answer::Text("gut so".into()));
    assert_eq!(
        out["geraete"],
        Answer::Many(vec!["Notebook".into(), "Tablet".into()])
    );
}

#[test]
fn malformed_answers_are_named_per_question() {
    let a = answers(&[
        ("mobil", Answer::Text("vielleicht".into())),
        ("zufrieden", Answer::Number(7)),
        ("geraete", Answer::Many(vec!["Faxgerät".into()])),
        ("zukunft", Answer::Text("immer".into())),
        ("anmerkung", Answer::Text("x".repeat(21))),
        ("erfunden", Answer::Bool(true)),
    ]);
    let e = check_answers(&survey(), &a).expect_err("refused");
    let f = fields(&e);
    for (field, code) in [
        ("answers.erfunden", "survey_answer_unknown"),
        ("answers.mobil", "survey_answer_invalid"),
        ("answers.zufrieden", "survey_answer_invalid"),
        ("answers.geraete", "survey_answer_invalid"),
        ("answers.zukunft", "survey_answer_invalid"),
        ("answers.anmerkung", "survey_answer_invalid"),
    ] {
        assert!(
            f.contains(&(field.into(), code.into())),
            "{field} {code} in {f:?}"
        );
    }
}

#[test]
fn conditional_questions_are_required_only_when_shown_and_refused_when_hidden() {
    // Mobile: how many days is required.
    let e = check_answers(
        &survey(),
        &answers(&[
            ("mobil", Answer::Bool(true)),
            ("zukunft", Answer::Text("gleich".into())),
        ]),
    )
    .expect_err("days missing");
    assert_eq!(
        fields(&e),
        vec![("answers.tage".into(), "survey_answer_required".into())]
    );
    // Not mobile: the days question is not asked, and an answer to it is refused.
    assert!(
        check_answers(
            &survey(),
            &answers(&[
                ("mobil", Answer::Bool(false)),
                ("zukunft", Answer::Text("gar nicht".into()))
            ])
        )
        .is_ok()
    );
    let e = check_answers(
        &survey(),
        &answers(&[
            ("mobil", Answer::Bool(false)),
            ("tage", Answer::Number(3)),
            ("zukunft", Answer::Text("gar nicht".into())),
        ]),
    )
    .expect_err("not asked");
    assert_eq!(
        fields(&e),
        vec![("answers.tage".into(), "survey_answer_not_asked".into())]
    );
    // Required and not answered at all.
    let e = check_answers(&survey(), &BTreeMap::new()).expect_err("empty");
    assert!(fields(&e).contains(&("answers.mobil".into(), "survey_answer_required".into())));
}

#[test]
fn definitions_are_checked_before_a_survey_opens() {
    assert!(check_questions(&survey()).is_ok());
    let mut bad = survey();
    bad[1].condition = Some(Condition {
        question: "zukunft".into(),
        values: vec!["mehr".into()],
    });
    bad[2].kind = Kind::Scale {
        min: 5,
        max: 1,
        min_label: String::new(),
        max_label: String::new(),
    };
    bad[3].kind = Kind::Multiple {
        options: vec!["A".into(), "A".into()],
    };
    bad[4].id = "mobil".into();
    bad[5].text = " ".into();
    let f = fields(&check_questions(&bad).expect_err("refused"));
    for (field, code) in [
        ("questions[1].condition", "survey_condition_question"),
        ("questions[2].max", "survey_scale_range"),
        ("questions[3].options", "survey_options"),
        ("questions[4].id", "survey_question_id_twice"),
        ("questions[5].text", "required"),
    ] {
        assert!(
            f.contains(&(field.into(), code.into())),
            "{field} {code} in {f:?}"
        );
    }
    let mut bad = survey();
    bad[1].condition = Some(Condition {
        question: "mobil".into(),
        values: vec!["vielleicht".into()],
    });
    assert_eq!(
        fields(&check_questions(&bad).expect_err("refused")),
        vec![(
            "questions[1].condition".into(),
            "survey_condition_values".into()
        )]
    );
    assert_eq!(
        fields(&check_questions(&[]).expect_err("empty")),
        vec![("questions".into(), "survey_no_questions".into())]
    );
}

#[test]
fn questions_round_trip_through_json() {
    let json = serde_json::to_string(&survey()).expect("json");
    assert!(json.contains(r#""kind":"scale""#), "{json}");
    let back: Vec<Question> = serde_json::from_str(&json).expect("back");
    assert_eq!(back, survey());
}

#[test]
fn answers_read_from_json_as_a_form_client_sends_them() {
    let a: BTreeMap<String, Answer> = serde_json::from_str(
        r#"{"mobil": true, "tage": 3, "zukunft": "mehr", "geraete": ["Notebook"]}"#,
    )
    .expect("json");
    assert!(check_answers(&survey(), &a).is_ok());
}
