//! Fees and payments: the fee the service's rule computed becomes a claim
//! on the case with a Kassenzeichen (from rathaus' number range or from
//! the treasury). The treasury (Kasse) stays the system of record: claims
//! are handed to it in exports (CSV or JSON, downloadable again), and
//! payments come back from its report or from camt.053 bank statements.
//! Matching books a credit to the claim whose Kassenzeichen the payer
//! wrote; partial payments, overpayments, unknown references, foreign
//! currencies and entries read before are listed for a person, never
//! guessed. The citizen sees amount, IBAN, Kassenzeichen and a GiroCode.

pub mod api;
pub mod camt;
pub mod domain;
pub mod girocode;
pub mod pages;
pub mod service;
pub mod store;

pub use domain::ReferenceSource;

/// Settings of fees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeSettings {
    /// Payee on notices and in the GiroCode (the treasury).
    pub payee: String,
    /// IBAN payments go to; empty: no bank details are shown.
    pub iban: String,
    /// BIC (optional).
    pub bic: String,
    /// Where Kassenzeichen come from.
    pub source: ReferenceSource,
    /// Days from the claim to its due date.
    pub due_days: i64,
}

impl Default for FeeSettings {
    fn default() -> Self {
        FeeSettings {
            payee: "Stadtkasse".into(),
            iban: String::new(),
            bic: String::new(),
            source: ReferenceSource::Range {
                prefix: "5100".into(),
                first: 1,
                last: 99_999_999,
            },
            due_days: 30,
        }
    }
}
