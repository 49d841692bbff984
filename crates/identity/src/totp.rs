//! TOTP second factor (RFC 6238, SHA-1, 6 digits, 30 s: what authenticator
//! apps support) and recovery codes.

use totp_rs::{Algorithm, Builder, Secret, Totp};

/// A new random secret, base32.
pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

fn totp(secret_b32: &str, account: &str, issuer: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_account_name(account.replace(':', ""))
        .with_issuer(Some(issuer.replace(':', "")))
        .build()
        .ok()
}

/// The `otpauth://` URL for the QR code.
pub fn otpauth_url(secret_b32: &str, account: &str, issuer: &str) -> Option<String> {
    totp(secret_b32, account, issuer).and_then(|t| t.to_url().ok())
}

/// Checks a code at `unix_time`, allowing one step of clock skew; returns
/// the time step it matched, so a code can be refused when used twice.
pub fn check(secret_b32: &str, code: &str, unix_time: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    totp(secret_b32, "x", "rathaus").and_then(|t| t.check(&code, unix_time))
}

/// The current code (for tests and the CLI).
pub fn code_at(secret_b32: &str, unix_time: u64) -> Option<String> {
    totp(secret_b32, "x", "rathaus").map(|t| t.generate(unix_time).to_string())
}

/// The QR code of `data` as an SVG image.
pub fn qr_svg(data: &str) -> Option<String> {
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// Ten recovery codes of 10 characters (about 50 bits each), grouped for
/// reading aloud.
pub fn recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..10)
        .map(|_| {
            let raw: String = (0..10)
                .map(|_| {
                    let i = usize::from(rand::random::<u8>()) % ALPHABET.len();
                    char::from(ALPHABET.get(i).copied().unwrap_or(b'a'))
                })
                .collect();
            format!(
                "{}-{}",
                raw.get(..5).unwrap_or(""),
                raw.get(5..).unwrap_or("")
            )
        })
        .collect()
}

/// Normalises a recovery code as typed (case, spaces, dashes).
pub fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_code_is_accepted_and_a_wrong_one_refused() {
        let secret = new_secret();
        let now = 1_790_000_000;
        let code = code_at(&secret, now).unwrap_or_default();
        assert_eq!(code.len(), 6);
        assert_eq!(check(&secret, &code, now), Some(now / 30));
        assert!(
            check(&secret, &code, now + 30).is_some(),
            "one step of skew is allowed"
        );
        assert!(check(&secret, &code, now + 120).is_none());
        assert!(check(&secret, "000000x", now).is_none());
    }

    #[test]
    fn otpauth_url_and_qr_are_produced() {
        let secret = new_secret();
        let url =
            otpauth_url(&secret, "erika@musterstadt.de", "rathaus Musterstadt").unwrap_or_default();
        assert!(url.starts_with("otpauth://totp/"));
        assert!(qr_svg(&url).is_some_and(|s| s.contains("<svg")));
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalise() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut uniq = codes.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), 10);
        assert_eq!(normalise_recovery(" ABCDE-fghjk "), "abcdefghjk");
    }
}
