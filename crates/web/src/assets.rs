//! Serves the embedded front-end assets under `/assets/…`.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The router for `/assets/{*path}`.
pub fn router() -> Router {
    Router::new().route("/assets/{*path}", get(serve))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "woff2" => "font/woff2",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

async fn serve(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(p, _)| *p == path) {
        Some((p, bytes)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type(p)),
                ),
                // URLs carry ?v=ASSET_VERSION, so browsers may keep them.
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=86400"),
                ),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kern_stylesheet_and_fonts_are_embedded() {
        assert!(ASSETS.iter().any(|(p, _)| *p == "kern/kern.min.css"));
        assert!(ASSETS.iter().any(|(p, _)| p.ends_with(".woff2")));
        assert!(ASSETS.iter().any(|(p, _)| *p == "rathaus.css"));
        assert_eq!(ASSET_VERSION.len(), 12);
    }
}
