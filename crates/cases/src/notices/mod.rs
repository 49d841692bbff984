//! Notices (Bescheide): a Typst template per case type with the case data,
//! the unit's letterhead, the legal remedy notice (per case type: it
//! depends on Land law) and the fee, typeset to PDF/A-2b and PDF/UA-1 and
//! filed as versions of one document in the case. Signing authority
//! (Zeichnungsbefugnis) per org unit and document kind decides who may sign
//! finally; the final version names the signer and the form of signing
//! (GGO § 18: "Im Auftrag", "In Vertretung"). Every final decision is an
//! internal Ed25519 signature over the SHA-256 of the draft version.

pub mod api;
pub mod domain;
pub mod pages;
pub mod service;
pub mod store;
