//! The per-request page context every template receives: locale, CSRF
//! token, who is looking, and the current path (for the language switch).

use crate::i18n::Locale;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

/// Settings of the HTML shell, installed as a request extension by the
/// application.
#[derive(Debug, Clone, Default)]
pub struct Shell {
    /// Mark cookies `Secure` (true when served behind TLS).
    pub secure_cookies: bool,
    /// Name of the municipality shown in the header.
    pub city_name: String,
}

/// Who is looking at a page, as far as the layout needs to know. Inserted
/// as a request extension by the identity context's session layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// Name shown in the header.
    pub name: String,
    /// Staff (true) or citizen (false).
    pub staff: bool,
    /// Holds the admin role somewhere (shows the admin menu).
    pub admin: bool,
    /// Holds the data protection officer role somewhere.
    pub dpo: bool,
    /// Holds the treasury role somewhere (shows the treasury page).
    pub treasury: bool,
    /// Holds the records-office role somewhere (shows disposal).
    pub records_office: bool,
}

/// The CSRF token of this browser (set by the CSRF layer).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Context every page template gets as `ctx`.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// UI language.
    pub locale: Locale,
    /// Token to put into every form as `_csrf`.
    pub csrf: String,
    /// Logged-in person, if any.
    pub viewer: Option<Viewer>,
    /// Path and query of this request.
    pub path: String,
    /// City name for the header.
    pub city: String,
    /// Asset version for cache busting.
    pub asset_version: &'static str,
}

impl PageCtx {
    /// Builds the context from request parts (infallible).
    pub fn from_parts(parts: &Parts) -> PageCtx {
        let shell = parts.extensions.get::<Shell>().cloned().unwrap_or_default();
        PageCtx {
            locale: locale_of(&parts.headers),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default(),
            viewer: parts.extensions.get::<Viewer>().cloned(),
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
            city: if shell.city_name.is_empty() {
                "Musterstadt".into()
            } else {
                shell.city_name
            },
            asset_version: crate::assets::ASSET_VERSION,
        }
    }

    /// Translates `key`.
    pub fn t(&self, key: impl AsRef<str>) -> String {
        self.locale.t(key.as_ref())
    }

    /// Translates `key` with one argument.
    pub fn t1(&self, key: impl AsRef<str>, name: &str, value: impl std::fmt::Display) -> String {
        self.locale.t1(key.as_ref(), name, &value.to_string())
    }

    /// The message of a field error code (`err-<code>`).
    pub fn err(&self, code: impl AsRef<str>) -> String {
        self.locale.t(&format!("err-{}", code.as_ref()))
    }

    /// The name of a role.
    pub fn role(&self, role: &str) -> String {
        self.locale.t(&format!("role-{role}"))
    }

    /// The language to switch to, and its link.
    pub fn other_locale(&self) -> (&'static str, &'static str) {
        match self.locale {
            Locale::De => ("en", "English"),
            Locale::En => ("de", "Deutsch"),
        }
    }

    /// True when the request path starts with `prefix` (navigation state).
    pub fn at(&self, prefix: &str) -> bool {
        self.path == prefix || self.path.starts_with(&format!("{prefix}/"))
    }

    /// The path, for `next=` parameters.
    pub fn path_encoded(&self) -> String {
        url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect()
    }
}

/// The locale of a request: `lang` cookie, else `Accept-Language`, else German.
pub fn locale_of(headers: &HeaderMap) -> Locale {
    let cookie_lang = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("lang="))
        .and_then(Locale::parse);
    cookie_lang
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PageCtx::from_parts(parts))
    }
}

/// The error page, in the layout of the area the request was for.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Page context.
    pub ctx: PageCtx,
    /// HTTP status code.
    pub status: u16,
    /// Heading key.
    pub title_key: String,
    /// Explanation key.
    pub text_key: String,
    /// Staff area (workplace layout) or portal.
    pub staff_area: bool,
}
