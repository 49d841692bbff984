//! Mobile work (mobiles Arbeiten) in rathaus: the service agreement as
//! versioned data set by HR, enrolment (apply, approve or decline,
//! revoke with notice), the readiness checklist that gates mobile days,
//! the device inventory and VPN grants of the IT service, and the
//! presence planner that proposes plans holding every hard rule of the
//! agreement or says which rule cannot hold.
//!
//! Nothing here rates or monitors individual performance: the planner
//! works on presence (on site, mobile, absent), never on output.

pub mod api;
pub mod devices;
pub mod domain;
pub mod pages;
pub mod plan_pages;
pub mod planner;
pub mod planning;
pub mod reports;
pub mod service;
pub mod store;

pub use service::{WorkplaceError, WorkplaceService};
