//! Staff surveys (Beschäftigtenbefragungen) in rathaus, with an anonymity
//! the staff council can check: that a person took part and what they
//! answered are stored apart and cannot be joined ([`service`],
//! docs/surveys.md); results never show a group smaller than the minimum
//! or one that can be worked out from the figures shown
//! ([`suppression`], [`results`]).

pub mod api;
pub mod demo;
pub mod domain;
pub mod pages;
pub mod report;
pub mod results;
pub mod service;
pub mod store;
pub mod suppression;

pub use service::{SurveysError, SurveysService};
