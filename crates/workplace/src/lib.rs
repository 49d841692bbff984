//! Mobile work: the service agreement as rules, each person's readiness,
//! devices and VPN access, and the presence planner that proposes who is
//! on site, mobile or absent on each working day while holding the
//! agreement's hard rules (mobile share, consultation-hours coverage,
//! desks, absences, readiness, rotation cohorts).
//!
//! [`planner`] is pure: an instance in, a plan or the rules that cannot
//! hold out; its [`planner::check`] validates any plan and shares no code
//! with the generator.

pub mod planner;
