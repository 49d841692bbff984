//! The results as a PDF report (Typst, PDF/A-2b and PDF/UA-1 like every
//! document rathaus writes), from the same protected figures as the page:
//! the template gets no figure the page would not show.

use crate::results::Results;
use crate::store::SurveyRow;
use chrono::{DateTime, Utc};

/// The report's Typst template.
pub const TEMPLATE: &str = include_str!("../report/results.typ");

/// Renders the report.
pub fn pdf(
    city: &str,
    survey: &SurveyRow,
    results: &Results,
    at: DateTime<Utc>,
) -> Result<Vec<u8>, pdf::RenderError> {
    let data = serde_json::json!({
        "city": city,
        "title": survey.title,
        "date": at.format("%d.%m.%Y").to_string(),
        "min_group": results.min_group,
        "respondents": results.respondents,
        "questions": results.questions,
        "breakdowns": results.breakdowns,
        "withheld": results.withheld,
    });
    pdf::render(&pdf::Job {
        template: TEMPLATE,
        data: &data,
        ident: &format!("survey-results-{}", survey.id),
        at,
    })
}
