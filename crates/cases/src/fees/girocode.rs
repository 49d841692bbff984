//! The EPC QR code ("GiroCode", EPC069-12 version 002): a banking app
//! scans it and fills in a SEPA credit transfer with payee, IBAN, amount
//! and the Kassenzeichen as remittance text. Written here because the
//! only crate for it (`epcgen` 0.3) leaves out the currency of the amount,
//! which the guideline requires (`EUR12.30`).

use super::domain::decimal;

/// What the code says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer<'a> {
    /// Payee, at most 70 characters.
    pub payee: &'a str,
    /// IBAN of the payee.
    pub iban: &'a str,
    /// BIC; optional in version 002 within the EEA.
    pub bic: &'a str,
    /// Amount in cents, 1 to 99 999 999 999.
    pub cents: i64,
    /// Unstructured remittance text, at most 140 characters.
    pub text: &'a str,
}

/// The payload of the code, or why there is none.
pub fn payload(t: &Transfer) -> Result<String, &'static str> {
    let iban: String = t.iban.chars().filter(|c| !c.is_whitespace()).collect();
    if iban.parse::<iban::Iban>().is_err() {
        return Err("iban_invalid");
    }
    if t.payee.trim().is_empty() || t.payee.chars().count() > 70 {
        return Err("payee_invalid");
    }
    if !(1..=99_999_999_999).contains(&t.cents) {
        return Err("amount_invalid");
    }
    if t.text.chars().count() > 140 {
        return Err("text_too_long");
    }
    let bic = t.bic.trim();
    if !(bic.is_empty() || bic.len() == 8 || bic.len() == 11) {
        return Err("bic_invalid");
    }
    // Service tag, version, character set (1 = UTF-8), identification,
    // BIC, name, IBAN, amount, purpose, structured reference, text.
    let lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        bic,
        t.payee.trim(),
        &iban,
        &format!("EUR{}", decimal(t.cents)),
        "",
        "",
        t.text.trim(),
    ];
    let out = lines.join("\n");
    // The guideline's limit for the whole payload.
    if out.len() > 331 {
        return Err("text_too_long");
    }
    Ok(out)
}

/// The code as an SVG image (error correction level M, as the guideline
/// requires).
pub fn svg(payload: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_follows_epc069_12_version_002() {
        let t = Transfer {
            payee: "Stadtkasse Musterstadt",
            iban: "DE02 1203 0000 0000 2020 51",
            bic: "",
            cents: 3060,
            text: "Kassenzeichen 5100000000017",
        };
        let p = payload(&t).expect("valid");
        assert_eq!(
            p,
            "BCD\n002\n1\nSCT\n\nStadtkasse Musterstadt\nDE02120300000000202051\nEUR30.60\n\n\nKassenzeichen 5100000000017"
        );
        assert!(svg(&p).expect("svg").contains("<svg"));
        assert_eq!(
            payload(&Transfer {
                iban: "DE00123",
                ..t.clone()
            }),
            Err("iban_invalid")
        );
        assert_eq!(
            payload(&Transfer {
                cents: 0,
                ..t.clone()
            }),
            Err("amount_invalid")
        );
        let long = "x".repeat(141);
        assert_eq!(
            payload(&Transfer { text: &long, ..t }),
            Err("text_too_long")
        );
    }
}
