//! Forms: the declarative definition of an online application (steps,
//! fields, help texts, rules, conditional questions, repeatable groups,
//! computed fees) and the validation of a citizen's answers against it.
//!
//! This module is the domain of the form assistant and has no I/O: the
//! same definition validates what arrives through the pages and through the
//! API, so both give the same errors. The definition format is documented
//! as a JSON Schema in `docs/form-definition.schema.json`, generated from
//! these types.

pub mod answers;
pub mod definition;
pub mod fim;
pub mod kinds;

pub use answers::{Answers, validate_all, validate_step, visible};
pub use definition::{Field, FieldKind, FormDefinition, Step, check_definition};
