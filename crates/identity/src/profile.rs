//! The profile of a citizen account: what the citizen told the city about
//! themselves once (name, date of birth, address, phone), so that forms can
//! prefill it — only after the citizen consents, per form (forms context).

use chrono::NaiveDate;
use kernel::FieldErrors;
use serde::{Deserialize, Serialize};

/// Profile data of a citizen. Empty strings mean "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Given name.
    #[serde(default)]
    pub given_name: String,
    /// Family name.
    #[serde(default)]
    pub family_name: String,
    /// Date of birth, `YYYY-MM-DD` once stored (`TT.MM.JJJJ` accepted).
    #[serde(default)]
    pub birth_date: String,
    /// Street.
    #[serde(default)]
    pub street: String,
    /// House number.
    #[serde(default)]
    pub house_number: String,
    /// German postcode (5 digits).
    #[serde(default)]
    pub postcode: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// Phone number.
    #[serde(default)]
    pub phone: String,
}

/// The prefill sources a profile offers, as form definitions name them.
pub const PROFILE_SOURCES: [&str; 6] = [
    "profile.given_name",
    "profile.family_name",
    "profile.birth_date",
    "profile.address",
    "profile.email",
    "profile.phone",
];

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

impl Profile {
    /// Trims every part and normalises the date (which must lie between
    /// 1900 and `today`); errors name the field.
    pub fn validate(mut self, today: NaiveDate) -> Result<Profile, FieldErrors> {
        let mut e = FieldErrors::new();
        for (name, v) in [
            ("given_name", &mut self.given_name),
            ("family_name", &mut self.family_name),
            ("street", &mut self.street),
            ("house_number", &mut self.house_number),
            ("postcode", &mut self.postcode),
            ("city", &mut self.city),
            ("phone", &mut self.phone),
            ("birth_date", &mut self.birth_date),
        ] {
            *v = v.trim().to_owned();
            if v.chars().count() > 100 || v.chars().any(char::is_control) {
                e.add(name, "too_long");
            }
        }
        if !self.birth_date.is_empty() {
            match parse_date(&self.birth_date) {
                Some(d) if d <= today && d.format("%Y").to_string().as_str() >= "1900" => {
                    self.birth_date = d.format("%Y-%m-%d").to_string();
                }
                _ => e.add("birth_date", "date_invalid"),
            }
        }
        let postcode_ok = self.postcode.is_empty()
            || (self.postcode.len() == 5 && self.postcode.bytes().all(|b| b.is_ascii_digit()));
        if !postcode_ok {
            e.add("postcode", "postcode_invalid");
        }
        if !self.phone.is_empty()
            && !self
                .phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-/()".contains(c))
        {
            e.add("phone", "phone_invalid");
        }
        e.into_result().map(|()| self)
    }

    /// The value of a prefill source (`profile.address` is an object like
    /// the answer of an address field); `None` when the profile lacks it.
    pub fn value(&self, source: &str, email: &str) -> Option<serde_json::Value> {
        let text = |s: &str| (!s.is_empty()).then(|| serde_json::Value::String(s.to_owned()));
        match source {
            "profile.given_name" => text(&self.given_name),
            "profile.family_name" => text(&self.family_name),
            "profile.birth_date" => text(&self.birth_date),
            "profile.email" => text(email),
            "profile.phone" => text(&self.phone),
            "profile.address" => (!self.street.is_empty() || !self.city.is_empty()).then(|| {
                serde_json::json!({
                    "street": self.street,
                    "house_number": self.house_number,
                    "postcode": self.postcode,
                    "city": self.city,
                })
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn dates_are_normalised_and_bad_parts_named() {
        let p = Profile {
            given_name: " Erika ".into(),
            birth_date: "12.08.1964".into(),
            postcode: "12345".into(),
            ..Profile::default()
        }
        .validate(today())
        .unwrap();
        assert_eq!(p.given_name, "Erika");
        assert_eq!(p.birth_date, "1964-08-12");
        let e = Profile {
            birth_date: "31.02.1990".into(),
            postcode: "1234".into(),
            phone: "call me".into(),
            ..Profile::default()
        }
        .validate(today())
        .unwrap_err();
        assert_eq!(
            e.get("birth_date").map(|f| f.code.as_str()),
            Some("date_invalid")
        );
        assert_eq!(
            e.get("postcode").map(|f| f.code.as_str()),
            Some("postcode_invalid")
        );
        assert_eq!(
            e.get("phone").map(|f| f.code.as_str()),
            Some("phone_invalid")
        );
    }

    #[test]
    fn sources_give_values_only_when_present() {
        let p = Profile {
            street: "Marktplatz".into(),
            house_number: "1".into(),
            postcode: "12345".into(),
            city: "Musterstadt".into(),
            ..Profile::default()
        };
        assert_eq!(p.value("profile.given_name", "a@b.de"), None);
        assert_eq!(
            p.value("profile.email", "a@b.de"),
            Some(serde_json::json!("a@b.de"))
        );
        assert_eq!(
            p.value("profile.address", "")
                .unwrap()
                .get("city")
                .and_then(|v| v.as_str()),
            Some("Musterstadt")
        );
    }
}
