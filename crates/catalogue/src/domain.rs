//! Catalogue types and rules, without I/O: the editable content of a
//! service and its validation, the publication states, fees, the maturity
//! level, Markdown rendering with sanitising, and the JSON exchange format.

use chrono::{DateTime, Utc};
use kernel::{FieldErrors, OrgUnitId, ServiceId};
use serde::{Deserialize, Serialize};

/// A fee: fixed, described by a rule, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fee {
    /// A fixed amount in euro cents.
    Fixed {
        /// Amount in cents.
        amount_cents: i64,
    },
    /// Depends on the case, described in words.
    Rule {
        /// The rule, e.g. "10 % der Baukosten".
        text: String,
    },
    /// Free of charge.
    None,
}

impl Fee {
    /// The fee in German notation ("30,60 €"), or the rule's text.
    pub fn display(&self) -> Option<String> {
        match self {
            Fee::Fixed { amount_cents } => {
                let euros = amount_cents / 100;
                let cents = (amount_cents % 100).abs();
                Some(format!("{euros},{cents:02} €"))
            }
            Fee::Rule { text } => Some(text.clone()),
            Fee::None => None,
        }
    }
}

/// A legal basis with a link to its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LegalRef {
    /// E.g. "§ 45 Abs. 1b StVO".
    pub title: String,
    /// Link to the text.
    pub url: String,
}

/// Publication state of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    /// Being written; not visible to citizens.
    Draft,
    /// Visible and searchable.
    Published,
    /// Taken offline again.
    Unpublished,
}

/// A publication step that is not possible from the current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot go from {from:?} to {to:?}")]
pub struct InvalidTransition {
    /// Current state.
    pub from: ServiceStatus,
    /// Requested state.
    pub to: ServiceStatus,
}

impl ServiceStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Draft => "draft",
            ServiceStatus::Published => "published",
            ServiceStatus::Unpublished => "unpublished",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<ServiceStatus> {
        match s {
            "draft" => Some(ServiceStatus::Draft),
            "published" => Some(ServiceStatus::Published),
            "unpublished" => Some(ServiceStatus::Unpublished),
            _ => None,
        }
    }

    /// The translation key of its label.
    pub fn label_key(&self) -> String {
        format!("status-{}", self.as_str())
    }

    /// Publishing works from draft and unpublished.
    pub fn publish(self) -> Result<ServiceStatus, InvalidTransition> {
        match self {
            ServiceStatus::Draft | ServiceStatus::Unpublished => Ok(ServiceStatus::Published),
            from => Err(InvalidTransition {
                from,
                to: ServiceStatus::Published,
            }),
        }
    }

    /// Unpublishing works only for published services.
    pub fn unpublish(self) -> Result<ServiceStatus, InvalidTransition> {
        match self {
            ServiceStatus::Published => Ok(ServiceStatus::Unpublished),
            from => Err(InvalidTransition {
                from,
                to: ServiceStatus::Unpublished,
            }),
        }
    }
}

/// The editable content of a service.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceInput {
    /// URL name, e.g. `bewohnerparkausweis`.
    pub slug: String,
    /// Title, e.g. "Bewohnerparkausweis beantragen".
    pub title: String,
    /// One or two sentences.
    pub short_description: String,
    /// Markdown; sanitised when shown.
    pub long_description: String,
    /// 14-digit key of the Leistungskatalog (LeiKa).
    pub leika_key: String,
    /// Slugs of life situations.
    pub life_situations: Vec<String>,
    /// What must be true to apply.
    pub prerequisites: Vec<String>,
    /// What to bring or upload.
    pub required_documents: Vec<String>,
    /// What it costs.
    pub fee: Option<Fee>,
    /// Typical processing time in words.
    pub processing_time: String,
    /// Legal bases with links.
    pub legal_basis: Vec<LegalRef>,
    /// Responsible org unit.
    #[schema(value_type = String, format = Uuid)]
    pub org_unit: Option<OrgUnitId>,
    /// OZG maturity level 0–4.
    pub maturity_level: i64,
    /// An online form exists.
    pub has_form: bool,
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_http_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

impl ServiceInput {
    /// Checks the content; `situations` are the known life situation slugs.
    /// Field names follow the JSON and form names (`legal_basis[1].url`).
    pub fn validate(&self, situations: &[String]) -> FieldErrors {
        let mut e = FieldErrors::new();
        if !is_slug(&self.slug) {
            e.add("slug", "slug_invalid");
        }
        let title = self.title.trim().chars().count();
        if title == 0 {
            e.add("title", "title_missing");
        } else if title > 160 {
            e.add("title", "title_too_long");
        }
        let short = self.short_description.trim().chars().count();
        if short == 0 {
            e.add("short_description", "short_description_missing");
        } else if short > 300 {
            e.add("short_description", "short_description_too_long");
        }
        if self.long_description.chars().count() > 20_000 {
            e.add("long_description", "long_description_too_long");
        }
        if self.leika_key.len() != 14 || !self.leika_key.bytes().all(|b| b.is_ascii_digit()) {
            e.add("leika_key", "leika_key_invalid");
        }
        for s in &self.life_situations {
            if !situations.contains(s) {
                e.add("life_situations", "life_situation_unknown");
                break;
            }
        }
        match &self.fee {
            None => e.add("fee", "fee_missing"),
            Some(Fee::Fixed { amount_cents })
                if *amount_cents < 0 || *amount_cents > 100_000_000 =>
            {
                e.add("fee_amount", "fee_amount_invalid")
            }
            Some(Fee::Rule { text }) if text.trim().is_empty() => {
                e.add("fee_rule", "fee_rule_missing")
            }
            _ => {}
        }
        for (i, r) in self.legal_basis.iter().enumerate() {
            if r.title.trim().is_empty() || !is_http_url(&r.url) {
                e.add(&format!("legal_basis[{i}]"), "legal_basis_invalid");
            }
        }
        if self.org_unit.is_none() {
            e.add("org_unit", "unit_missing");
        }
        if !(0..=4).contains(&self.maturity_level) {
            e.add("maturity_level", "maturity_invalid");
        }
        e
    }
}

/// A stored service.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Service {
    /// Id.
    pub id: ServiceId,
    /// Content.
    #[serde(flatten)]
    pub input: ServiceInput,
    /// Publication state.
    pub status: ServiceStatus,
    /// Increases with every change (for optimistic locking).
    pub revision: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A life situation (Lebenslage) grouping services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LifeSituation {
    /// URL name.
    pub slug: String,
    /// Title, e.g. "Umzug".
    pub title: String,
    /// One sentence.
    pub description: String,
}

/// How to reach the responsible org unit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    /// Name shown, e.g. "Bürgeramt".
    pub name: String,
    /// Postal address.
    pub address: String,
    /// Opening hours in words.
    pub opening_hours: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
}

/// The catalogue as exchanged in JSON (import, export, demo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    /// Always `rathaus-catalogue/1`.
    pub format: String,
    /// Life situations.
    #[serde(default)]
    pub life_situations: Vec<LifeSituation>,
    /// Contacts per org unit code.
    #[serde(default)]
    pub contacts: Vec<FileContact>,
    /// Services.
    #[serde(default)]
    pub services: Vec<FileService>,
}

/// The exchange format's version tag.
pub const FORMAT: &str = "rathaus-catalogue/1";

/// A contact in the exchange format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileContact {
    /// Code of the org unit.
    pub org_unit_code: String,
    /// Contact data.
    #[serde(flatten)]
    pub contact: Contact,
}

/// A service in the exchange format: org units by code, not id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileService {
    /// URL name (the key for updates on import).
    pub slug: String,
    /// Title.
    pub title: String,
    /// Short description.
    pub short_description: String,
    /// Markdown.
    #[serde(default)]
    pub long_description: String,
    /// LeiKa key.
    pub leika_key: String,
    /// Life situation slugs.
    #[serde(default)]
    pub life_situations: Vec<String>,
    /// Prerequisites.
    #[serde(default)]
    pub prerequisites: Vec<String>,
    /// Documents.
    #[serde(default)]
    pub required_documents: Vec<String>,
    /// Fee.
    pub fee: Fee,
    /// Processing time.
    #[serde(default)]
    pub processing_time: String,
    /// Legal bases.
    #[serde(default)]
    pub legal_basis: Vec<LegalRef>,
    /// Code of the responsible org unit.
    pub org_unit_code: String,
    /// Maturity level.
    pub maturity_level: i64,
    /// An online form exists.
    #[serde(default)]
    pub has_form: bool,
    /// Published (true) or draft.
    #[serde(default)]
    pub published: bool,
}

pub use web::markdown::render as render_markdown;

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> ServiceInput {
        ServiceInput {
            slug: "bewohnerparkausweis".into(),
            title: "Bewohnerparkausweis beantragen".into(),
            short_description: "Parken im eigenen Viertel.".into(),
            long_description: "Text".into(),
            leika_key: "99058013000000".into(),
            life_situations: vec!["verkehr".into()],
            fee: Some(Fee::Fixed { amount_cents: 3060 }),
            legal_basis: vec![LegalRef {
                title: "§ 45 StVO".into(),
                url: "https://www.gesetze-im-internet.de/stvo_2013/__45.html".into(),
            }],
            org_unit: Some(OrgUnitId::new()),
            maturity_level: 3,
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_service_is_valid() {
        assert!(valid().validate(&["verkehr".into()]).is_empty());
    }

    #[test]
    fn each_broken_field_is_named() {
        let mut s = valid();
        s.slug = "Bewohner Park".into();
        s.leika_key = "123".into();
        s.life_situations = vec!["mond".into()];
        s.legal_basis[0].url = "javascript:alert(1)".into();
        s.maturity_level = 7;
        s.fee = Some(Fee::Rule { text: " ".into() });
        let e = s.validate(&["verkehr".into()]);
        for field in [
            "slug",
            "leika_key",
            "life_situations",
            "legal_basis[0]",
            "maturity_level",
            "fee_rule",
        ] {
            assert!(e.get(field).is_some(), "{field} should be reported: {e:?}");
        }
    }

    #[test]
    fn publication_follows_its_states() {
        assert_eq!(ServiceStatus::Draft.publish(), Ok(ServiceStatus::Published));
        assert_eq!(
            ServiceStatus::Unpublished.publish(),
            Ok(ServiceStatus::Published)
        );
        assert!(ServiceStatus::Published.publish().is_err());
        assert_eq!(
            ServiceStatus::Published.unpublish(),
            Ok(ServiceStatus::Unpublished)
        );
        assert!(ServiceStatus::Draft.unpublish().is_err());
    }

    #[test]
    fn fees_are_shown_in_german_notation() {
        assert_eq!(
            Fee::Fixed { amount_cents: 3060 }.display().as_deref(),
            Some("30,60 €")
        );
        assert_eq!(
            Fee::Fixed { amount_cents: 1300 }.display().as_deref(),
            Some("13,00 €")
        );
        assert_eq!(Fee::None.display(), None);
    }

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let html = render_markdown(
            "**Wichtig**\n\n<script>alert(1)</script>\n\n[Link](javascript:alert(1)) [Amt](https://musterstadt.example)",
        );
        assert!(html.contains("<strong>Wichtig</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(html.contains("rel=\"noopener noreferrer\""));
    }
}
