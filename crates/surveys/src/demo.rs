//! The demo survey "Erfahrungen mit dem mobilen Arbeiten", modelled on the
//! questions Stuttgart asked its staff in July 2020 (experience, devices
//! and VPN, working together, whether they want to work mobile in future
//! and why not, voluntary demographic questions for breakdowns).

use crate::domain::Question;

/// The questions, as data (`demo/mobiles-arbeiten.json`).
pub const MOBILE_WORK: &str = include_str!("../demo/mobiles-arbeiten.json");

/// The demo survey's title.
pub const MOBILE_WORK_TITLE: &str = "Erfahrungen mit dem mobilen Arbeiten";

/// The demo survey's introduction.
pub const INTRO: &str = "Wie haben Sie das mobile Arbeiten erlebt, und wie möchten Sie künftig arbeiten? Ihre Antworten sind anonym: Gespeichert wird getrennt, dass Sie teilgenommen haben (damit niemand doppelt antwortet und nur erinnert wird, wer noch nicht teilgenommen hat), und was Sie geantwortet haben – ohne Namen, ohne Uhrzeit, ohne Verbindung zwischen beidem. Ergebnisse werden erst nach Freigabe durch den Personalrat gezeigt, und nie für Gruppen mit weniger als fünf Antworten.";

/// The demo survey's questions.
pub fn mobile_work() -> Result<Vec<Question>, serde_json::Error> {
    serde_json::from_str(MOBILE_WORK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Answer, Kind, check_answers, check_questions};
    use std::collections::BTreeMap;

    #[test]
    fn the_demo_survey_is_a_valid_definition_with_conditions_and_demographics() {
        let q = mobile_work().expect("the demo survey reads");
        assert!(check_questions(&q).is_ok(), "{:?}", check_questions(&q));
        assert!(q.iter().filter(|q| q.condition.is_some()).count() >= 2);
        assert_eq!(q.iter().filter(|q| q.demographic).count(), 3);
        assert!(q.iter().any(|q| matches!(q.kind, Kind::Text { .. })));
        // Someone who does not want to work mobile is asked why.
        let a: BTreeMap<String, Answer> = serde_json::from_str(
            r#"{"mobil_gearbeitet": false, "zukunft": "nein", "gruende_nein": ["fehlender Kontakt zum Team"]}"#,
        )
        .expect("json");
        assert!(check_answers(&q, &a).is_ok(), "{:?}", check_answers(&q, &a));
    }
}
