//! Rules of fees without I/O: the Kassenzeichen (treasury reference) with
//! its check digit, amounts in cents, the states of a claim, and what a
//! payment does to the claim it names.

use serde::{Deserialize, Serialize};

/// Where Kassenzeichen come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceSource {
    /// A number range of rathaus: `prefix`, a counter of `width` digits
    /// from `first` to `last`, and a check digit (Luhn).
    Range {
        /// Digits that start every reference (e.g. the treasury's account
        /// group).
        prefix: String,
        /// First number.
        first: i64,
        /// Last number.
        last: i64,
    },
    /// The treasury assigns them (through the API) after the export.
    Treasury,
}

impl ReferenceSource {
    /// The Kassenzeichen of `number` in this range; none when the range is
    /// exhausted or the source is the treasury.
    pub fn reference(&self, number: i64) -> Option<String> {
        let ReferenceSource::Range {
            prefix,
            first,
            last,
        } = self
        else {
            return None;
        };
        if number < *first || number > *last {
            return None;
        }
        let width = last.to_string().len();
        let body = format!("{prefix}{number:0width$}");
        let check = luhn_digit(&body)?;
        Some(format!("{body}{check}"))
    }
}

/// The Luhn check digit of a string of digits.
pub fn luhn_digit(digits: &str) -> Option<u32> {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let mut d = c.to_digit(10)?;
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    Some((10 - sum % 10) % 10)
}

/// True when the last digit of `digits` is the Luhn check digit of the rest.
pub fn luhn_valid(digits: &str) -> bool {
    let Some((body, check)) = digits
        .char_indices()
        .last()
        .map(|(i, _)| digits.split_at(i))
    else {
        return false;
    };
    !body.is_empty() && luhn_digit(body).map(|d| d.to_string()) == Some(check.to_owned())
}

/// Every Kassenzeichen of `source` that `text` names: digit runs of the
/// right length with the prefix and a valid check digit, also when the
/// payer wrote spaces, dots, dashes or slashes between the digits. A
/// reference from the treasury is matched as written (`known`).
pub fn references_in(text: &str, source: &ReferenceSource, known: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let ReferenceSource::Range { prefix, last, .. } = source {
        let len = prefix.len() + last.to_string().len() + 1;
        // Digits with their separators taken out, runs split at anything else.
        let mut runs: Vec<String> = vec![String::new()];
        for c in text.chars() {
            if c.is_ascii_digit() {
                if let Some(r) = runs.last_mut() {
                    r.push(c);
                }
            } else if !matches!(c, ' ' | '.' | '-' | '/') {
                runs.push(String::new());
            }
        }
        for run in runs {
            // A run may hold the reference beside other numbers written
            // without a letter between them: look at every window.
            for start in 0..run.len().saturating_sub(len - 1) {
                let Some(w) = run.get(start..start + len) else {
                    continue;
                };
                if w.starts_with(prefix.as_str()) && luhn_valid(w) && !out.iter().any(|o| o == w) {
                    out.push(w.to_owned());
                }
            }
        }
    }
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for k in known {
        let k2: String = k.chars().filter(|c| !c.is_whitespace()).collect();
        if !k2.is_empty() && squeezed.contains(&k2) && !out.contains(k) {
            out.push(k.clone());
        }
    }
    out
}

/// The state of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Not (fully) paid.
    Open,
    /// Paid in full (or more).
    Paid,
    /// Waived by the authority before it went to the treasury.
    Waived,
}

impl ClaimStatus {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Open => "open",
            ClaimStatus::Paid => "paid",
            ClaimStatus::Waived => "waived",
        }
    }

    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<ClaimStatus> {
        [ClaimStatus::Open, ClaimStatus::Paid, ClaimStatus::Waived]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// What matching made of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The exact open amount of a known claim: the claim is paid.
    Booked,
    /// Less than the open amount: booked, the claim stays open; listed.
    Partial,
    /// More than the open amount, or the claim was settled before: booked
    /// to the claim, the excess listed for a refund.
    Over,
    /// No (or no known) Kassenzeichen: not booked, listed.
    Unknown,
    /// The same bank entry was read before: not booked, listed.
    Duplicate,
    /// Not in euros: not booked, listed.
    Currency,
}

impl Outcome {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Booked => "booked",
            Outcome::Partial => "partial",
            Outcome::Over => "over",
            Outcome::Unknown => "unknown",
            Outcome::Duplicate => "duplicate",
            Outcome::Currency => "currency",
        }
    }

    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Booked,
            Outcome::Partial,
            Outcome::Over,
            Outcome::Unknown,
            Outcome::Duplicate,
            Outcome::Currency,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// Whether a person has to look at it.
    pub fn needs_person(self) -> bool {
        self != Outcome::Booked
    }

    /// Whether the amount was added to the claim.
    pub fn books(self) -> bool {
        matches!(self, Outcome::Booked | Outcome::Partial | Outcome::Over)
    }
}

/// What a payment of `amount` does to a claim with `amount_due` of which
/// `paid` is paid and the state `status`.
pub fn classify(amount_due: i64, paid: i64, status: ClaimStatus, amount: i64) -> Outcome {
    if status != ClaimStatus::Open {
        return Outcome::Over;
    }
    let open = amount_due - paid;
    match amount.cmp(&open) {
        std::cmp::Ordering::Equal => Outcome::Booked,
        std::cmp::Ordering::Less => Outcome::Partial,
        std::cmp::Ordering::Greater => Outcome::Over,
    }
}

/// Parses an amount in euros as people and banks write it (`30,60`,
/// `30.60`, `1.234,50`, `30`), at most two decimals, into cents.
pub fn parse_euro(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('€').trim().replace(' ', "");
    if s.is_empty() || s.starts_with('-') || s.starts_with('+') {
        return None;
    }
    // The last separator followed by one or two digits is the decimal one.
    let (int, frac) = match s.rfind([',', '.']) {
        Some(i) if s.len() - i - 1 <= 2 && s.len() - i > 1 => (s.get(..i)?, s.get(i + 1..)?),
        _ => (s.as_str(), ""),
    };
    let int: String = int.chars().filter(|c| *c != '.' && *c != ',').collect();
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || int.len() > 12 {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let euros: i64 = int.parse().ok()?;
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    euros.checked_mul(100)?.checked_add(cents)
}

/// Parses an ISO 20022 amount (`1234.5`, at most two decimals for EUR)
/// into cents.
pub fn parse_decimal(s: &str) -> Option<i64> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || int.len() > 15
        || !int.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    int.parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

/// Cents as a decimal with a point (`30.60`), as exports and QR codes
/// write them.
pub fn decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range() -> ReferenceSource {
        ReferenceSource::Range {
            prefix: "5100".into(),
            first: 1,
            last: 99_999_999,
        }
    }

    #[test]
    fn kassenzeichen_carry_a_luhn_check_digit() {
        let r = range().reference(1).expect("in range");
        assert_eq!(r.len(), 4 + 8 + 1);
        assert!(r.starts_with("510000000001"));
        assert!(luhn_valid(&r));
        // The classic Luhn example.
        assert_eq!(luhn_digit("7992739871"), Some(3));
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398710"));
        assert_eq!(range().reference(100_000_000), None, "beyond the range");
        assert_eq!(ReferenceSource::Treasury.reference(1), None);
    }

    #[test]
    fn references_are_found_however_the_payer_wrote_them() {
        let r = range().reference(4711).expect("ref");
        let spaced = format!(
            "Gebuehr KZ {} {} {} Bewohnerparken",
            &r[..4],
            &r[4..8],
            &r[8..]
        );
        assert_eq!(references_in(&spaced, &range(), &[]), vec![r.clone()]);
        let dotted = format!("{}.{}-{}", &r[..4], &r[4..12], &r[12..]);
        assert_eq!(references_in(&dotted, &range(), &[]), vec![r.clone()]);
        // One wrong digit breaks the check digit: not guessed.
        let mut wrong = r.clone().into_bytes();
        wrong[6] = if wrong[6] == b'9' { b'8' } else { wrong[6] + 1 };
        let wrong = String::from_utf8(wrong).expect("ascii");
        assert!(references_in(&wrong, &range(), &[]).is_empty());
        assert!(references_in("Miete Dezember", &range(), &[]).is_empty());
        // A treasury reference is matched as written.
        let known = vec!["KZ-2026-000815".to_owned()];
        assert_eq!(
            references_in(
                "Zahlung KZ-2026-000815 danke",
                &ReferenceSource::Treasury,
                &known
            ),
            known
        );
    }

    #[test]
    fn payments_are_classified_against_the_open_amount() {
        assert_eq!(classify(3060, 0, ClaimStatus::Open, 3060), Outcome::Booked);
        assert_eq!(classify(3060, 0, ClaimStatus::Open, 3000), Outcome::Partial);
        assert_eq!(
            classify(3060, 1000, ClaimStatus::Open, 2060),
            Outcome::Booked
        );
        assert_eq!(classify(3060, 0, ClaimStatus::Open, 4000), Outcome::Over);
        assert_eq!(classify(3060, 3060, ClaimStatus::Paid, 3060), Outcome::Over);
        assert_eq!(classify(3060, 0, ClaimStatus::Waived, 3060), Outcome::Over);
    }

    #[test]
    fn amounts_parse_as_written_and_print_as_read() {
        assert_eq!(parse_euro("30,60"), Some(3060));
        assert_eq!(parse_euro("30.60"), Some(3060));
        assert_eq!(parse_euro("1.234,50 €"), Some(123_450));
        assert_eq!(parse_euro("30"), Some(3000));
        assert_eq!(parse_euro("30,6"), Some(3060));
        assert_eq!(parse_euro("-5"), None);
        assert_eq!(parse_euro("abc"), None);
        assert_eq!(parse_euro(""), None);
        assert_eq!(parse_decimal("30.6"), Some(3060));
        assert_eq!(parse_decimal("30.605"), None);
        assert_eq!(parse_decimal("30,60"), None);
        assert_eq!(decimal(3060), "30.60");
    }
}
