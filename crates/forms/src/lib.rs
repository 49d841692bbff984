//! Forms: the declarative definition of an online application (steps,
//! fields, help texts, rules, conditional questions, repeatable groups,
//! computed fees) and the validation of a citizen's answers against it.
//!
//! Form versions are stored per catalogue service ([`store`], [`service`],
//! [`api`]): a published version never changes; editing makes a new draft.
//!
//! The definition and validation modules have no I/O: the
//! same definition validates what arrives through the pages and through the
//! API, so both give the same errors. The definition format is documented
//! as a JSON Schema in `docs/form-definition.schema.json`, generated from
//! these types.

pub mod answers;
pub mod api;
pub mod assistant;
pub mod definition;
pub mod demo;
pub mod drafts;
pub mod fim;
pub mod html;
pub mod kinds;
pub mod service;
pub mod store;
pub mod submissions;
pub mod view;

pub use answers::{Answers, validate_all, validate_step, visible};
pub use definition::{Field, FieldKind, FormDefinition, Step, check_definition};
