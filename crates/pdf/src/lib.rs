//! Documents rathaus writes: a Typst template and its data are typeset to
//! PDF/A-2b and PDF/UA-1 (tagged, with title and language, readable by
//! screen readers) with every font embedded (the fonts Typst ships, so no system
//! fonts are needed and the output is the same on every machine). The data
//! reaches the template as `sys.inputs.data`, a JSON string
//! (`#let d = json(bytes(sys.inputs.data))`). An error in a template comes
//! back with the line and Typst's message, so an admin can fix it.

pub mod remote;
pub mod seal;

use std::sync::LazyLock;
use typst::WorldExt;
use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::{Bytes, Datetime, Dict, IntoValue, Smart};
use typst::text::Font;
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// Why a document could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The template has errors; each with its line (1-based) where known.
    #[error("the template has errors: {}", .0.iter().map(|(l, m)| match l { Some(l) => format!("line {l}: {m}"), None => m.clone() }).collect::<Vec<_>>().join("; "))]
    Template(Vec<(Option<usize>, String)>),
    /// The typeset document breaks the PDF/A or PDF/UA rules (e.g. no
    /// title, an image without alternative text).
    #[error("the document cannot be written as PDF/A-2b and PDF/UA-1: {0}")]
    Export(String),
}

/// The fonts every document may use, parsed once.
static FONTS: LazyLock<Vec<Font>> = LazyLock::new(|| {
    typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect()
});

/// What to render.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// The Typst source.
    pub template: &'a str,
    /// The data, as JSON (the template reads `sys.inputs.data`).
    pub data: &'a serde_json::Value,
    /// A stable identifier of the document (the same for every rendering
    /// of it), hashed into the PDF's document id.
    pub ident: &'a str,
    /// Creation time written into the metadata.
    pub at: chrono::DateTime<chrono::Utc>,
}

fn diagnostics(
    world: &dyn typst::World,
    source: &str,
    errors: &[SourceDiagnostic],
) -> Vec<(Option<usize>, String)> {
    errors
        .iter()
        .map(|d| {
            // Spans of the main file point into `source`: count its lines.
            let line = world.range(d.span).and_then(|r| {
                source
                    .get(..r.start)
                    .map(|before| before.matches('\n').count() + 1)
            });
            let mut msg = d.message.to_string();
            for h in &d.hints {
                msg.push_str(" (");
                msg.push_str(&h.v);
                msg.push(')');
            }
            (line, msg)
        })
        .collect()
}

/// Typesets `job` to a PDF/A-2b document.
pub fn render(job: &Job) -> Result<Vec<u8>, RenderError> {
    let engine = TypstEngine::builder()
        .main_file(job.template.to_owned())
        .fonts(FONTS.iter().cloned())
        .build();
    let mut inputs = Dict::new();
    inputs.insert("data".into(), job.data.to_string().into_value());
    let world = engine
        .world_builder()
        .with_inputs(inputs)
        .build()
        .map_err(|e| RenderError::Template(vec![(None, e.to_string())]))?;
    let Warned { output, .. } = typst::compile::<PagedDocument>(&world);
    let doc = output
        .map_err(|errors| RenderError::Template(diagnostics(&world, job.template, &errors)))?;
    use chrono::{Datelike, Timelike};
    let at = job.at;
    let timestamp = Datetime::from_ymd_hms(
        at.year(),
        u8::try_from(at.month()).unwrap_or(1),
        u8::try_from(at.day()).unwrap_or(1),
        u8::try_from(at.hour()).unwrap_or(0),
        u8::try_from(at.minute()).unwrap_or(0),
        u8::try_from(at.second()).unwrap_or(0),
    )
    .map(Timestamp::new_utc);
    let standards = PdfStandards::new(&[PdfStandard::A_2b, PdfStandard::Ua_1])
        .map_err(|e| RenderError::Export(e.message().to_string()))?;
    let options = PdfOptions {
        ident: Smart::Custom(job.ident.to_owned()),
        creator: Smart::Custom(Some("rathaus".into())),
        timestamp,
        page_ranges: None,
        standards,
        tagged: true,
        pretty: false,
    };
    typst_pdf::pdf(&doc, &options).map_err(|errors| {
        RenderError::Export(
            diagnostics(&world, job.template, &errors)
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LETTER: &str = r#"#let d = json(bytes(sys.inputs.data))
#set document(title: d.title, author: "Stadt Musterstadt")
#set text(lang: "de", font: "Libertinus Serif")
= #d.title
Sehr geehrte Frau #d.name, Ihr Antrag ist bewilligt. Gebühr: #d.fee.
"#;

    fn job<'a>(template: &'a str, data: &'a serde_json::Value) -> Job<'a> {
        Job {
            template,
            data,
            ident: "test-1",
            at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
        }
    }

    #[test]
    fn a_template_with_data_becomes_a_pdf_a_2b_with_embedded_fonts() {
        let data = serde_json::json!({"title": "Bescheid", "name": "Yılmaz", "fee": "30,60 €"});
        let pdf = render(&job(LETTER, &data)).expect("renders");
        assert!(pdf.starts_with(b"%PDF-1.7"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("pdfaid:part>2<") || text.contains("pdfaid:part=\"2\""),
            "PDF/A-2 metadata"
        );
        assert!(
            text.contains("pdfaid:conformance>B<") || text.contains("pdfaid:conformance=\"B\"")
        );
        assert!(text.contains("/FontFile"), "fonts are embedded");
        assert!(
            text.contains("pdfuaid:part>1<") || text.contains("pdfuaid:part=\"1\""),
            "PDF/UA-1"
        );
        // The same input gives the same bytes (stable id, injected time).
        assert_eq!(render(&job(LETTER, &data)).expect("again"), pdf);
    }

    #[test]
    fn template_errors_name_the_line() {
        let data = serde_json::json!({"title": "x"});
        let broken = "#let d = json(bytes(sys.inputs.data))\n\n#d.missing_field\n";
        match render(&job(broken, &data)) {
            Err(RenderError::Template(errors)) => {
                assert_eq!(errors.first().and_then(|e| e.0), Some(3), "{errors:?}");
                assert!(
                    errors.iter().any(|e| e.1.contains("missing_field")),
                    "{errors:?}"
                );
            }
            other => panic!("expected a template error, got {other:?}"),
        }
        let syntax = "#let = (";
        assert!(matches!(
            render(&job(syntax, &data)),
            Err(RenderError::Template(_))
        ));
        // PDF/UA needs a title: said plainly, not a broken file.
        let untitled = "#set text(lang: \"de\")\nHallo";
        assert!(matches!(
            render(&job(untitled, &data)),
            Err(RenderError::Export(_))
        ));
    }
}
