//! Translations with Fluent: German first, English second. The locale comes
//! from the `lang` cookie (set by the language switch), else from the
//! browser's `Accept-Language`, else German.

use fluent_templates::{Loader, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "de",
        // Isolation marks (U+2068/2069) around arguments confuse screen
        // readers and tests; our texts are all left-to-right.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A supported UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// Deutsch (default).
    #[default]
    De,
    /// English.
    En,
}

impl Locale {
    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::De => "de",
            Locale::En => "en",
        }
    }

    /// Parses a tag such as `en`, `en-GB`, `de-DE`.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "de" => Some(Locale::De),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// Picks the first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut langs: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        langs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        langs.into_iter().find_map(|(_, tag)| Locale::parse(tag))
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Locale::De => langid!("de"),
            Locale::En => langid!("en"),
        }
    }

    /// The text for `key`; the key itself when no translation exists, so a
    /// missing text is visible instead of silent.
    pub fn t(self, key: &str) -> String {
        LOCALES
            .try_lookup(&self.id(), key)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The text for `key` with one argument.
    pub fn t1(self, key: &str, name: &str, value: &str) -> String {
        let mut args: HashMap<Cow<'static, str>, fluent_templates::fluent_bundle::FluentValue> =
            HashMap::new();
        args.insert(Cow::Owned(name.to_owned()), value.to_owned().into());
        LOCALES
            .try_lookup_with_args(&self.id(), key, &args)
            .unwrap_or_else(|| key.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_quality_supported_tag() {
        assert_eq!(
            Locale::from_accept_language("fr;q=0.9, en-GB;q=0.8, de;q=0.7"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("de-DE,de;q=0.9"),
            Some(Locale::De)
        );
        assert_eq!(Locale::from_accept_language("fr"), None);
    }

    #[test]
    fn every_german_key_has_an_english_text() {
        let de = include_str!("../locales/de/main.ftl");
        let en = include_str!("../locales/en/main.ftl");
        let keys = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with(['#', ' ', '.']) && l.contains(" ="))
                .filter_map(|l| l.split(" =").next().map(|k| k.trim().to_owned()))
                .collect()
        };
        let (de_keys, en_keys) = (keys(de), keys(en));
        let missing: Vec<_> = de_keys.iter().filter(|k| !en_keys.contains(k)).collect();
        assert!(missing.is_empty(), "missing in en: {missing:?}");
        assert!(de_keys.len() > 20);
    }

    #[test]
    fn texts_differ_by_locale_and_take_arguments() {
        assert_eq!(Locale::De.t("nav-login"), "Anmelden");
        assert_eq!(Locale::En.t("nav-login"), "Log in");
        assert!(
            Locale::En
                .t1("welcome-user", "name", "Erika")
                .contains("Erika")
        );
    }
}
