//! The presence planner: who is on site, mobile or absent on each working
//! day of a period, for one team or several teams sharing desks.
//!
//! [`generate`] proposes a plan with a MIP (good_lp over microlp); every
//! hard rule has a slack variable that costs far more than any soft goal,
//! so an instance whose rules cannot all hold still solves, and the rules
//! whose slack is used are reported instead of a broken plan.
//! [`check`] validates any plan against the rules on its own.

pub mod check;
mod generate;

pub use check::{check, stability};
pub use generate::{Proposal, generate};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// What a planning run works on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    /// The working days of the period, in order.
    pub days: Vec<NaiveDate>,
    /// Most mobile working time per settlement period (calendar month), in
    /// per mille of the contractual time net of absence (400 = 40 %).
    pub max_mobile_permille: u32,
    /// The people planned.
    pub people: Vec<Person>,
    /// Consultation-hours slots needing qualified people on site.
    pub slots: Vec<Slot>,
    /// Desks per location (index = location).
    pub desks: Vec<u32>,
    /// Rotation mode: people of different cohorts never share a day on
    /// site.
    pub rotation: bool,
}

/// A person as the planner sees them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Person {
    /// The team they belong to (failures name it).
    pub team: u32,
    /// Contractual minutes per day index (0: not a working day for them).
    pub minutes: Vec<u32>,
    /// Absent per day index (leave, illness, training).
    pub absent: Vec<bool>,
    /// Per day index: enrolled and ready (agreement, device, VPN, valid
    /// trainings) — only then may they work mobile that day.
    pub may_be_mobile: Vec<bool>,
    /// Rotation cohort (A = 0, B = 1, …).
    pub cohort: Option<u8>,
    /// Skills their manager has given them (e.g. "Bürgerberatung").
    pub skills: Vec<String>,
    /// Where their desk is (index into [`Instance::desks`]).
    pub location: usize,
    /// Weekdays they want to be in the office.
    pub office_days: Vec<Weekday>,
    /// Weekdays they want to work mobile.
    pub mobile_days: Vec<Weekday>,
    /// Per month the period touches: minutes worked and minutes mobile on
    /// the month's days outside the period (other plans, days not yet
    /// planned), so the share holds for the whole month.
    #[serde(default)]
    pub outside: Vec<MonthOutside>,
}

/// A person's month outside the planned period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthOutside {
    /// First day of the month.
    pub month: NaiveDate,
    /// Contractual minutes on the month's other working days, net of
    /// absence.
    pub worked: u32,
    /// Of those, minutes already planned mobile.
    pub mobile: u32,
}

impl Person {
    /// The outside figures of `month` (zero when none).
    pub fn outside_of(&self, month: NaiveDate) -> (u64, u64) {
        self.outside
            .iter()
            .filter(|o| o.month == month)
            .fold((0, 0), |(w, m), o| {
                (w + u64::from(o.worked), m + u64::from(o.mobile))
            })
    }
}

/// A consultation-hours slot of a unit on one day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Slot {
    /// The team whose people serve it.
    pub team: u32,
    /// Day index.
    pub day: usize,
    /// The skill a person needs.
    pub skill: String,
    /// Qualified people needed on site.
    pub min: u32,
}

/// Where a person is on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// In the office.
    OnSite,
    /// Working mobile.
    Mobile,
    /// Absent.
    Absent,
    /// Not a working day for them.
    Off,
}

/// A plan: presence per person and day index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// `cells[person][day]`.
    pub cells: Vec<Vec<Presence>>,
}

/// A hard rule, as one instance of it (who or which day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// A person's mobile share in a month exceeds the maximum.
    MobileShare {
        /// Person index.
        person: usize,
        /// First day of the month.
        month: NaiveDate,
    },
    /// A slot has fewer qualified people on site than it needs.
    Coverage {
        /// Slot index.
        slot: usize,
    },
    /// More people on site than desks at a location.
    Desks {
        /// Location index.
        location: usize,
        /// Day index.
        day: usize,
    },
    /// Two cohorts on site on the same day.
    Rotation {
        /// Day index.
        day: usize,
    },
    /// An absent person planned to work, or a present one planned absent.
    Absence {
        /// Person index.
        person: usize,
        /// Day index.
        day: usize,
    },
    /// A person who is not ready (or not enrolled) planned mobile.
    NotReady {
        /// Person index.
        person: usize,
        /// Day index.
        day: usize,
    },
    /// The plan does not cover each person and day of the instance.
    Shape,
}

/// The first day of the month `d` falls in (the settlement period).
pub fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

#[cfg(test)]
mod tests;
