//! Markdown as people write it in service descriptions, wiki pages and
//! news: rendered with pulldown-cmark, then everything active (scripts,
//! event handlers, `javascript:` links, styles) removed by ammonia, so
//! what anyone types is shown, never executed.

/// Renders Markdown to safe HTML; links open without access to the page
/// that opened them.
pub fn render(md: &str) -> String {
    let options =
        pulldown_cmark::Options::ENABLE_STRIKETHROUGH | pulldown_cmark::Options::ENABLE_TABLES;
    let parser = pulldown_cmark::Parser::new_ext(md, options);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_kept_and_anything_active_removed() {
        let html = render(
            "# Titel\n\n**fett** [Link](https://example.org) <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        );
        assert!(html.contains("<h1>Titel</h1>"));
        assert!(html.contains("<strong>fett</strong>"));
        assert!(html.contains("rel=\"noopener noreferrer\""));
        assert!(html.contains("<table>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onerror"));
    }
}
