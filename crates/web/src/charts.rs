//! Report charts as SVG, drawn with plotters on the server (mobile-work
//! reports, survey results). Every chart
//! stands beside a table with the same figures (for screen readers and
//! for copying); the SVG itself is marked as an image with a title.

use plotters::prelude::*;

/// A horizontal bar chart of per-cent values with labels, and an optional
/// reference line (e.g. the agreement's maximum). `None` values are shown
/// as a gap (suppressed or missing figures).
pub fn bars(title: &str, rows: &[(String, Option<f64>)], reference: Option<f64>) -> String {
    let height = 60 + 28 * u32::try_from(rows.len().max(1)).unwrap_or(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        if draw(&root, title, rows, reference).is_err() {
            // A chart that cannot be drawn is left out; the table stays.
            return String::new();
        }
        if root.present().is_err() {
            return String::new();
        }
    }
    // Label the drawing for assistive technology; the figures are in
    // the table beside it.
    svg.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" focusable=\"false\" ",
            escape(title)
        ),
        1,
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn draw(
    root: &Area<'_>,
    title: &str,
    rows: &[(String, Option<f64>)],
    reference: Option<f64>,
) -> Result<(), String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let n = rows.len().max(1);
    let top = rows
        .iter()
        .filter_map(|(_, v)| *v)
        .chain(reference)
        .fold(10.0_f64, f64::max)
        .clamp(10.0, 100.0);
    let labels: Vec<String> = rows.iter().map(|(l, _)| l.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(180)
        .build_cartesian_2d(0.0..top, 0.0..(n as f64))
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| {
            let i = y.floor();
            if (y - i).abs() > f64::EPSILON || i < 0.0 {
                return String::new();
            }
            labels.get(i as usize).cloned().unwrap_or_default()
        })
        .x_label_formatter(&|x| format!("{x:.0} %"))
        .draw()
        .map_err(|x| e(&x))?;
    // Dark blue bars (contrast 4.5:1 or more on white).
    let bar = RGBColor(0, 69, 124);
    chart
        .draw_series(rows.iter().enumerate().filter_map(|(i, (_, v))| {
            let v = (*v)?;
            let y = i as f64;
            Some(Rectangle::new(
                [(0.0, y + 0.15), (v, y + 0.85)],
                bar.filled(),
            ))
        }))
        .map_err(|x| e(&x))?;
    if let Some(r) = reference {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(r, 0.0), (r, n as f64)],
                RGBColor(178, 34, 34).stroke_width(2),
            )))
            .map_err(|x| e(&x))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_svg_with_a_bar_per_value_and_a_label() {
        let svg = bars(
            "Mobiler Anteil",
            &[("Bürgeramt".into(), Some(32.5)), ("Kasse".into(), None)],
            Some(40.0),
        );
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Mobiler Anteil\""));
        assert!(svg.contains("Bürgeramt"));
        // One bar (the suppressed value has none) and the reference line.
        assert_eq!(svg.matches("fill=\"#00457C\"").count(), 1, "{svg}");
        assert!(svg.contains("<polyline"));
    }
}
