//! Parsing and checking of single answers by field kind. Inputs come as
//! people type them (decimal comma, spaces in an IBAN, dates as
//! `TT.MM.JJJJ`); each parser returns the normal form or an error code.

use chrono::NaiveDate;

/// Parses a number with a decimal comma or point ("1.234,5" is refused:
/// thousands separators are ambiguous).
pub fn number(s: &str) -> Result<f64, &'static str> {
    let t = s.trim().replace(',', ".");
    if t.is_empty() || t.matches('.').count() > 1 {
        return Err("number_invalid");
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or("number_invalid")
}

/// Parses euros ("12", "12,5", "12,50", "12,50 €") into cents.
pub fn money(s: &str) -> Result<i64, &'static str> {
    let t = s.trim().trim_end_matches('€').trim().replace('.', ",");
    let (euros, cents) = match t.split_once(',') {
        Some((e, c)) if !c.is_empty() && c.len() <= 2 && c.bytes().all(|b| b.is_ascii_digit()) => {
            (e.to_owned(), format!("{c:0<2}"))
        }
        Some(_) => return Err("money_invalid"),
        None => (t.clone(), "00".to_owned()),
    };
    if euros.is_empty() || !euros.bytes().all(|b| b.is_ascii_digit()) || euros.len() > 12 {
        return Err("money_invalid");
    }
    let e: i64 = euros.parse().map_err(|_| "money_invalid")?;
    let c: i64 = cents.parse().map_err(|_| "money_invalid")?;
    Ok(e * 100 + c)
}

/// Parses `JJJJ-MM-TT` (what a date input sends) or `TT.MM.JJJJ`.
pub fn date(s: &str) -> Result<NaiveDate, &'static str> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d.%m.%Y"))
        .map_err(|_| "date_invalid")
}

/// Checks an e-mail address (plausibility, not deliverability).
pub fn email(s: &str) -> Result<(), &'static str> {
    let t = s.trim();
    let ok = t.len() <= 254
        && t.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !d.contains('@')
        })
        && !t.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(()) } else { Err("email_invalid") }
}

/// Checks a phone number: digits with the usual separators, 6 to 20 digits.
pub fn phone(s: &str) -> Result<(), &'static str> {
    let t = s.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let allowed = t
        .chars()
        .all(|c| c.is_ascii_digit() || " +-/()".contains(c));
    let plus_ok = t.find('+').is_none_or(|i| i == 0) && t.matches('+').count() <= 1;
    if allowed && plus_ok && (6..=20).contains(&digits) {
        Ok(())
    } else {
        Err("phone_invalid")
    }
}

/// Checks an IBAN's country format and its mod-97 checksum; returns it in
/// electronic form (no spaces, upper case).
pub fn iban(s: &str) -> Result<String, &'static str> {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    use iban::IbanLike;
    compact
        .parse::<iban::Iban>()
        .map(|i| i.electronic_str().to_owned())
        .map_err(|_| "iban_invalid")
}

/// Checks a German postcode: five digits.
pub fn postcode(s: &str) -> Result<(), &'static str> {
    let t = s.trim();
    if t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit()) && t != "00000" {
        Ok(())
    } else {
        Err("postcode_invalid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_money_accept_the_german_comma() {
        assert_eq!(number("3,5"), Ok(3.5));
        assert_eq!(number("1.234,5"), Err("number_invalid"));
        assert_eq!(money("12,5"), Ok(1250));
        assert_eq!(money("30,60 €"), Ok(3060));
        assert_eq!(money("7"), Ok(700));
        assert_eq!(money("-3"), Err("money_invalid"));
        assert_eq!(money("1,234"), Err("money_invalid"));
    }

    #[test]
    fn dates_come_in_both_notations() {
        assert_eq!(date("2026-11-23"), date("23.11.2026"));
        assert!(date("31.02.2026").is_err());
    }

    #[test]
    fn ibans_are_checked_by_checksum() {
        assert_eq!(
            iban("DE89 3704 0044 0532 0130 00").as_deref(),
            Ok("DE89370400440532013000")
        );
        assert!(
            iban("DE89 3704 0044 0532 0130 01").is_err(),
            "wrong checksum"
        );
        assert!(iban("DE89").is_err());
    }

    #[test]
    fn postcodes_phones_and_emails() {
        assert!(postcode("12345").is_ok());
        assert!(postcode("1234").is_err());
        assert!(phone("+49 1234 5678-330").is_ok());
        assert!(phone("0800 FLOWERS").is_err());
        assert!(email("a@b.de").is_ok());
        assert!(email("a@b").is_err());
    }
}
