//! The form definition rules and the validation of answers, one test per
//! rule kind, and a fuzz test: random definitions and answers never panic.

// Test helpers may panic: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use forms::answers::{fee_cents, without_hidden};
use forms::{Answers, FormDefinition, check_definition, validate_all, validate_step};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The Bewohnerparkausweis form used in the docs (every field kind).
fn example() -> FormDefinition {
    serde_json::from_str(include_str!("../../../docs/forms/bewohnerparkausweis.json"))
        .expect("example parses")
}

fn answers(v: Value) -> Answers {
    v.as_object().cloned().unwrap_or_default()
}

fn codes(e: &kernel::FieldErrors) -> Vec<(String, String)> {
    e.0.iter()
        .map(|x| (x.field.clone(), x.code.clone()))
        .collect()
}

fn has(e: &kernel::FieldErrors, field: &str, code: &str) -> bool {
    e.0.iter().any(|x| x.field == field && x.code == code)
}

fn valid_answers() -> Answers {
    answers(json!({
        "vorname": "Erika", "nachname": "Mustermann", "geburtsdatum": "1980-04-01",
        "email": "erika@example.org", "telefon": "+49 1234 5678",
        "adresse": {"street": "Marktplatz", "house_number": "1", "postcode": "12345", "city": "Musterstadt"},
        "kennzeichen": "MU-ST 123", "fahrzeugart": "pkw", "halter": "yes",
        "zeitraum_von": "2026-12-01", "zeitraum_bis": "2027-11-30",
        "fahrzeugschein": {"name": "schein.pdf", "media_type": "application/pdf", "size": 200000},
        "weitere_fahrzeuge": [{"kennzeichen_weiteres": "MU-AB 1"}],
        "anzahl_jahre": "1", "iban": "DE89 3704 0044 0532 0130 00", "zustellung": ["portal"], "spende": "5,00", "bemerkung": ""
    }))
}

#[test]
fn the_example_definition_is_valid_and_complete_answers_pass() {
    let def = example();
    assert!(
        check_definition(&def).is_empty(),
        "{:?}",
        check_definition(&def)
    );
    let e = validate_all(&def, &valid_answers());
    assert!(e.is_empty(), "{:?}", codes(&e));
}

#[test]
fn required_fields_are_named() {
    let def = example();
    let e = validate_step(&def.steps[0], &Answers::new());
    assert!(has(&e, "vorname", "required"));
    assert!(has(&e, "adresse", "required"));
}

#[test]
fn length_and_pattern_rules_hold() {
    let def = example();
    let mut a = valid_answers();
    a.insert("vorname".into(), json!("x".repeat(101)));
    a.insert("kennzeichen".into(), json!("kein kennzeichen"));
    let e = validate_all(&def, &a);
    assert!(has(&e, "vorname", "too_long"));
    assert!(has(&e, "kennzeichen", "pattern_mismatch"));
}

#[test]
fn ranges_dates_emails_phones_and_ibans_are_checked() {
    let def = example();
    let mut a = valid_answers();
    a.insert("anzahl_jahre".into(), json!("7"));
    a.insert("geburtsdatum".into(), json!("31.02.1980"));
    a.insert("email".into(), json!("erika@"));
    a.insert("telefon".into(), json!("abc"));
    a.insert("iban".into(), json!("DE89 3704 0044 0532 0130 01"));
    a.insert("spende".into(), json!("fünf"));
    let e = validate_all(&def, &a);
    for (f, c) in [
        ("anzahl_jahre", "too_large"),
        ("geburtsdatum", "date_invalid"),
        ("email", "email_invalid"),
        ("telefon", "phone_invalid"),
        ("iban", "iban_invalid"),
        ("spende", "money_invalid"),
    ] {
        assert!(has(&e, f, c), "{f}: {c} expected in {:?}", codes(&e));
    }
}

#[test]
fn a_postal_address_needs_a_german_postcode() {
    let def = example();
    let mut a = valid_answers();
    a.insert("adresse".into(), json!({"street": "Marktplatz", "house_number": "", "postcode": "1234", "city": "Musterstadt"}));
    let e = validate_all(&def, &a);
    assert!(has(&e, "adresse.postcode", "postcode_invalid"));
    assert!(has(&e, "adresse.house_number", "house_number_missing"));
}

#[test]
fn choices_accept_only_their_options() {
    let def = example();
    let mut a = valid_answers();
    a.insert("fahrzeugart".into(), json!("raumschiff"));
    a.insert("zustellung".into(), json!(["portal", "brieftaube"]));
    a.insert("halter".into(), json!("vielleicht"));
    let e = validate_all(&def, &a);
    assert!(has(&e, "fahrzeugart", "choice_invalid"));
    assert!(has(&e, "zustellung", "choice_invalid"));
    assert!(has(&e, "halter", "choice_invalid"));
}

#[test]
fn a_question_shown_only_for_some_answers_is_required_only_then() {
    let def = example();
    let mut a = valid_answers();
    a.remove("nutzungserlaubnis");
    assert!(
        validate_all(&def, &a).is_empty(),
        "hidden while the applicant is the keeper"
    );
    a.insert("halter".into(), json!("no"));
    assert!(has(
        &validate_all(&def, &a),
        "nutzungserlaubnis",
        "required"
    ));
    a.insert("halter".into(), json!("yes"));
    a.insert(
        "nutzungserlaubnis".into(),
        json!({"name": "x.pdf", "media_type": "application/pdf", "size": 1}),
    );
    assert!(
        !without_hidden(&def, &a).contains_key("nutzungserlaubnis"),
        "hidden answers are dropped"
    );
}

#[test]
fn uploads_are_checked_by_type_and_size() {
    let def = example();
    let mut a = valid_answers();
    a.insert(
        "fahrzeugschein".into(),
        json!({"name": "schein.pdf", "media_type": "application/x-msdownload", "size": 100}),
    );
    assert!(has(
        &validate_all(&def, &a),
        "fahrzeugschein",
        "file_type_not_allowed"
    ));
    a.insert(
        "fahrzeugschein".into(),
        json!({"name": "schein.pdf", "media_type": "application/pdf", "size": 50_000_000}),
    );
    assert!(has(
        &validate_all(&def, &a),
        "fahrzeugschein",
        "file_too_large"
    ));
}

#[test]
fn repeatable_groups_check_each_entry_and_their_count() {
    let def = example();
    let mut a = valid_answers();
    a.insert(
        "weitere_fahrzeuge".into(),
        json!([{"kennzeichen_weiteres": "MU-AB 1"}, {"kennzeichen_weiteres": ""}]),
    );
    assert!(has(
        &validate_all(&def, &a),
        "weitere_fahrzeuge[1].kennzeichen_weiteres",
        "required"
    ));
    a.insert("weitere_fahrzeuge".into(), json!([{"kennzeichen_weiteres": "MU-A 1"}, {"kennzeichen_weiteres": "MU-A 2"}, {"kennzeichen_weiteres": "MU-A 3"}]));
    assert!(has(
        &validate_all(&def, &a),
        "weitere_fahrzeuge",
        "too_many_items"
    ));
}

#[test]
fn cross_field_rules_compare_answers() {
    let def = example();
    let mut a = valid_answers();
    a.insert("zeitraum_bis".into(), json!("2026-11-30"));
    assert!(has(
        &validate_all(&def, &a),
        "zeitraum_bis",
        "date_not_after"
    ));
}

#[test]
fn the_fee_is_computed_from_the_answers() {
    let def = example();
    let mut a = valid_answers();
    assert_eq!(fee_cents(&def, &a), 3060);
    a.insert("anzahl_jahre".into(), json!("2"));
    assert_eq!(fee_cents(&def, &a), 6120);
    a.insert("zustellung".into(), json!(["post"]));
    assert_eq!(fee_cents(&def, &a), 6120 + 150);
}

#[test]
fn answers_to_questions_the_form_does_not_have_are_refused() {
    let def = example();
    let mut a = valid_answers();
    a.insert("passwort".into(), json!("geheim"));
    assert!(has(&validate_all(&def, &a), "passwort", "field_unknown"));
}

#[test]
fn broken_definitions_cannot_be_published() {
    let broken: FormDefinition = serde_json::from_value(json!({
        "title": "",
        "steps": [{"id": "a", "title": "A", "fields": [
            {"id": "x", "label": "X", "kind": "single_choice"},
            {"id": "x", "label": "Doppelt", "kind": "text", "pattern": "("},
            {"id": "y", "label": "Y", "kind": "text", "visible_if": {"field": "spaeter", "equals": "1"}},
            {"id": "g", "label": "G", "kind": "group"},
            {"id": "f", "label": "F", "kind": "file"},
            {"id": "p", "label": "P", "kind": "text", "prefill": "profile.shoe_size"},
            {"id": "q", "label": "Q", "kind": "text", "prefill": "profile.address"}
        ]}]
    })).expect("parses");
    let e = check_definition(&broken);
    for (field, code) in [
        ("title", "title_missing"),
        ("steps[0].fields[0].options", "options_invalid"),
        ("steps[0].fields[1].id", "id_invalid_or_duplicate"),
        ("steps[0].fields[1].pattern", "pattern_invalid"),
        ("steps[0].fields[2].visible_if", "condition_field_unknown"),
        ("steps[0].fields[3].fields", "fields_missing"),
        ("steps[0].fields[4].accept", "accept_missing"),
        ("steps[0].fields[5].prefill", "prefill_unknown"),
        ("steps[0].fields[6].prefill", "prefill_unknown"),
    ] {
        assert!(
            has(&e, field, code),
            "{field}: {code} expected in {:?}",
            codes(&e)
        );
    }
    let unknown_key: Result<FormDefinition, _> =
        serde_json::from_value(json!({"title": "T", "steps": [], "colour": "red"}));
    assert!(
        unknown_key.is_err(),
        "unknown keys are refused, not ignored"
    );
}

#[test]
fn the_documented_json_schema_is_up_to_date() {
    let generated = serde_json::to_string_pretty(&schemars::schema_for!(FormDefinition))
        .expect("schema")
        + "\n";
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/form-definition.schema.json"
    );
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(path, &generated).expect("write schema");
    }
    let documented = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        documented, generated,
        "run `UPDATE_SCHEMA=1 cargo test -p forms` and commit docs/form-definition.schema.json"
    );
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,40}".prop_map(Value::String),
        "(yes|no|pkw|portal|post|DE89 3704 0044 0532 0130 00|2026-12-01|12,50|12345)"
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                "(street|house_number|postcode|city|name|media_type|size|kennzeichen|[a-z]{1,8})",
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_kind() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "text",
        "long_text",
        "number",
        "money",
        "date",
        "email",
        "phone",
        "iban",
        "address",
        "single_choice",
        "multiple_choice",
        "yes_no",
        "file",
        "group",
    ])
}

fn arb_field(depth: u32) -> BoxedStrategy<Value> {
    let base = (
        "[a-z]{1,6}",
        arb_kind(),
        any::<bool>(),
        prop::option::of(0usize..20),
        prop::option::of(0usize..20),
        prop::option::of(-5.0f64..5000.0),
        prop::option::of("(\\(|[a-z]+|[0-9]{2,3}|.\\*)"),
        prop::option::of(("[a-z]{1,6}", "(yes|no|a|b)")),
    );
    let leaf = base.prop_map(|(id, kind, required, min_length, max_length, max, pattern, cond)| {
        json!({
            "id": id, "label": "L", "kind": kind, "required": required, "min_length": min_length, "max_length": max_length, "max": max,
            "pattern": pattern, "options": if kind.contains("choice") { json!([{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]) } else { json!([]) },
            "visible_if": cond.map(|(f, e)| json!({"field": f, "equals": e})),
            "accept": if kind == "file" { json!(["application/pdf"]) } else { json!([]) }, "max_bytes": 1000
        })
    });
    if depth == 0 {
        return leaf.boxed();
    }
    (leaf, prop::collection::vec(arb_field(depth - 1), 0..3))
        .prop_map(|(mut f, inner)| {
            if f["kind"] == "group" {
                f["fields"] = Value::Array(inner);
            }
            f
        })
        .boxed()
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn random_definitions_and_answers_never_panic(
        fields in prop::collection::vec(arb_field(1), 1..6),
        given in prop::collection::btree_map("[a-z]{1,6}", arb_value(), 0..8),
    ) {
        let def_json = strip_nulls(json!({
            "title": "T",
            "steps": [{"id": "s", "title": "S", "fields": fields, "checks": [{"rule": "date_after", "field": "a", "other": "b"}]}],
            "fee": {"base_cents": 100, "add": [{"per_unit_of": "a", "cents": 5}]}
        }));
        if let Ok(def) = serde_json::from_value::<FormDefinition>(def_json) {
            let _ = check_definition(&def);
            let a: Answers = given.into_iter().collect();
            let _ = validate_all(&def, &a);
            let _ = fee_cents(&def, &a);
            let _ = without_hidden(&def, &a);
        }
    }
}
