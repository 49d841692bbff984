//! FIM XDatenfelder import against the sample files of the standard in
//! `shared/standards/fim`: the valid ones map, the broken ones are refused
//! with a message that names the problem.

// Test helpers may panic: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use forms::definition::FieldKind;
use forms::fim::{FimError, FimVersion, import};

fn sample(path: &str) -> String {
    let file = format!(
        "{}/../../../shared/standards/fim/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn a_v2_schema_maps_groups_to_steps_and_fields_with_their_limits() {
    let r = import(&sample("v2/simple.xml")).expect("imports");
    assert_eq!(r.version, FimVersion::V2);
    let step = &r.definition.steps[0];
    assert_eq!(step.title, "Natürliche Person");
    let f = &step.fields[0];
    assert_eq!(f.label, "Familienname");
    assert_eq!(f.kind, FieldKind::Text);
    assert_eq!((f.min_length, f.max_length), (Some(1), Some(120)));
    assert_eq!(f.help, "Hilfe Eingabe");
    assert!(f.required);
    assert!(
        r.report.iter().any(|l| l.contains("R60000037")),
        "the scripted rule is reported: {:?}",
        r.report
    );
}

#[test]
fn a_v3_group_maps_with_attributes_as_limits() {
    let r = import(&sample("v3/simple.xml")).expect("imports");
    assert_eq!(r.version, FimVersion::V3);
    let fields: Vec<_> = r
        .definition
        .steps
        .iter()
        .flat_map(|s| s.fields.iter())
        .collect();
    let strasse = fields.iter().find(|f| f.label == "Straße").expect("Straße");
    assert_eq!(strasse.max_length, Some(55));
    assert!(r.report.iter().any(|l| l.contains("R60000000019")));
    let input = import(&sample("v3/input.xml")).expect("imports");
    assert!(!input.definition.steps.is_empty());
}

#[test]
fn select_fields_report_their_external_code_list() {
    let r = import(&sample("v2/select.xml")).expect("imports");
    let select = r
        .definition
        .steps
        .iter()
        .flat_map(|s| s.fields.iter())
        .find(|f| f.kind == FieldKind::SingleChoice)
        .expect("a choice");
    assert!(select.options.is_empty());
    assert!(
        r.report.iter().any(|l| l.contains("urn:de:example_1")),
        "{:?}",
        r.report
    );
    assert!(
        !forms::check_definition(&r.definition).is_empty(),
        "cannot be published until options are added"
    );
}

#[test]
fn every_valid_sample_imports() {
    for f in [
        "v2/minimal.xml",
        "v2/data-field-rule.xml",
        "v2/data-group-rule.xml",
        "v2/label.xml",
        "v2/rule.xml",
        "v2/select.xml",
        "v2/simple.xml",
        "v3/input.xml",
        "v3/simple.xml",
    ] {
        assert!(
            import(&sample(f)).is_ok(),
            "{f}: {:?}",
            import(&sample(f)).err()
        );
    }
}

#[test]
fn broken_samples_are_refused_with_the_problem_named() {
    type Expect = fn(&FimError) -> bool;
    let cases: [(&str, Expect); 9] = [
        ("v2/duplicate-optional-value.xml", |e| {
            matches!(e, FimError::Duplicate { .. })
        }),
        (
            "v2/duplicate-required-value.xml",
            |e| matches!(e, FimError::Duplicate { element, .. } if element == "name"),
        ),
        ("v2/unknown-namespace.xml", |e| {
            matches!(e, FimError::UnknownNamespace(_))
        }),
        (
            "v3/duplicate-id-node.xml",
            |e| matches!(e, FimError::Duplicate { element, .. } if element == "id"),
        ),
        (
            "v3/empty-id-node.xml",
            |e| matches!(e, FimError::Empty { element, .. } if element == "id"),
        ),
        (
            "v3/missing-id-node.xml",
            |e| matches!(e, FimError::Missing { element, .. } if element == "id"),
        ),
        (
            "v3/invalid-freigabestatus.xml",
            |e| matches!(e, FimError::InvalidCode { value, .. } if value == "10"),
        ),
        (
            "v3/unexpected-node.xml",
            |e| matches!(e, FimError::Unexpected { element, .. } if element == "unknown"),
        ),
        ("v3/unknown-namespace.xml", |e| {
            matches!(e, FimError::UnknownNamespace(_))
        }),
    ];
    for (file, expected) in cases.iter() {
        let err = import(&sample(file)).expect_err(file);
        assert!(expected(&err), "{file}: unexpected error {err}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn files_that_are_not_xdatenfelder_are_refused_with_a_reason() {
    assert!(matches!(import("not xml at all"), Err(FimError::NotXml(_))));
    assert!(
        matches!(import("<html><body/></html>"), Err(FimError::NotXDatenfelder(root)) if root == "html")
    );
}
