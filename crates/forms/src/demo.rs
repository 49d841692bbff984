//! The demo city's online forms: one JSON definition per catalogue service
//! (by slug) that the demo publishes, written in plain German.

/// (service slug, form definition as JSON).
pub const DEMO_FORMS: [(&str, &str); 10] = [
    ("abfalltonne", include_str!("../demo/abfalltonne.json")),
    (
        "baumfaellgenehmigung",
        include_str!("../demo/baumfaellgenehmigung.json"),
    ),
    (
        "bewohnerparkausweis",
        include_str!("../demo/bewohnerparkausweis.json"),
    ),
    (
        "gewerbeanmeldung",
        include_str!("../demo/gewerbeanmeldung.json"),
    ),
    (
        "hundesteuer-anmeldung",
        include_str!("../demo/hundesteuer-anmeldung.json"),
    ),
    ("kita-platz", include_str!("../demo/kita-platz.json")),
    (
        "meldebescheinigung",
        include_str!("../demo/meldebescheinigung.json"),
    ),
    (
        "sondernutzung-verkehrsflaechen",
        include_str!("../demo/sondernutzung-verkehrsflaechen.json"),
    ),
    (
        "sperrmuell-abholung",
        include_str!("../demo/sperrmuell-abholung.json"),
    ),
    (
        "wunschkennzeichen",
        include_str!("../demo/wunschkennzeichen.json"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{FormDefinition, check_definition};

    #[test]
    fn every_demo_form_parses_and_passes_the_publishing_checks() {
        for (slug, json) in DEMO_FORMS {
            let def: FormDefinition =
                serde_json::from_str(json).unwrap_or_else(|e| panic!("{slug}: {e}"));
            let problems = check_definition(&def);
            assert!(problems.is_empty(), "{slug}: {:?}", problems.0);
        }
    }
}
