//! The independent checker: every hard rule of an instance, evaluated on a
//! plan by counting, without the generator's model. Tests and the
//! benchmark run every generated plan through it; a manager's edit is
//! checked with it before it is saved.

use super::{Instance, Plan, Presence, Rule, month_of};
use std::collections::BTreeMap;

/// The rules `plan` breaks (empty: it holds every hard rule).
pub fn check(instance: &Instance, plan: &Plan) -> Vec<Rule> {
    let days = instance.days.len();
    if plan.cells.len() != instance.people.len() || plan.cells.iter().any(|c| c.len() != days) {
        return vec![Rule::Shape];
    }
    let mut broken = Vec::new();
    for (p, (person, cells)) in instance.people.iter().zip(&plan.cells).enumerate() {
        // Minutes mobile and minutes worked, per month.
        let mut months: BTreeMap<chrono::NaiveDate, (u64, u64)> = BTreeMap::new();
        for (d, cell) in cells.iter().enumerate() {
            let minutes = person.minutes.get(d).copied().unwrap_or(0);
            let absent = person.absent.get(d).copied().unwrap_or(false);
            let expected_off = minutes == 0;
            match cell {
                Presence::Off if !expected_off => broken.push(Rule::Absence { person: p, day: d }),
                Presence::Absent if !absent || expected_off => {
                    broken.push(Rule::Absence { person: p, day: d })
                }
                Presence::OnSite | Presence::Mobile if absent || expected_off => {
                    broken.push(Rule::Absence { person: p, day: d })
                }
                _ => {}
            }
            if *cell == Presence::Mobile && !person.may_be_mobile.get(d).copied().unwrap_or(false) {
                broken.push(Rule::NotReady { person: p, day: d });
            }
            if let Some(day) = instance.days.get(d)
                && !absent
                && !expected_off
            {
                let m = months.entry(month_of(*day)).or_default();
                m.1 += u64::from(minutes);
                if *cell == Presence::Mobile {
                    m.0 += u64::from(minutes);
                }
            }
        }
        for (month, (mobile, worked)) in months {
            let (out_worked, out_mobile) = person.outside_of(month);
            let (mobile, worked) = (mobile + out_mobile, worked + out_worked);
            if mobile * 1000 > u64::from(instance.max_mobile_permille) * worked {
                broken.push(Rule::MobileShare { person: p, month });
            }
        }
    }
    for (s, slot) in instance.slots.iter().enumerate() {
        let qualified = instance
            .people
            .iter()
            .zip(&plan.cells)
            .filter(|(person, cells)| {
                person.team == slot.team
                    && person.skills.contains(&slot.skill)
                    && cells.get(slot.day) == Some(&Presence::OnSite)
            })
            .count();
        if (qualified as u64) < u64::from(slot.min) {
            broken.push(Rule::Coverage { slot: s });
        }
    }
    for d in 0..days {
        let mut on_site = vec![0_u32; instance.desks.len()];
        let mut cohorts: Vec<u8> = Vec::new();
        for (person, cells) in instance.people.iter().zip(&plan.cells) {
            if cells.get(d) != Some(&Presence::OnSite) {
                continue;
            }
            if let Some(n) = on_site.get_mut(person.location) {
                *n += 1;
            }
            if let Some(c) = person.cohort
                && !cohorts.contains(&c)
            {
                cohorts.push(c);
            }
        }
        for (location, (n, cap)) in on_site.iter().zip(&instance.desks).enumerate() {
            if n > cap {
                broken.push(Rule::Desks { location, day: d });
            }
        }
        if instance.rotation && cohorts.len() > 1 {
            broken.push(Rule::Rotation { day: d });
        }
    }
    broken
}

/// How stable the weekly patterns of `plan` are: of all pairs of the same
/// weekday in consecutive weeks on which a person works both times (not
/// absent, not off), the share with the same presence (on site or
/// mobile). `None` when the period has no such pair (a single week).
/// A soft goal, so a figure for the manager, not a rule.
pub fn stability(instance: &Instance, plan: &Plan) -> Option<f64> {
    let (mut same, mut pairs) = (0_u32, 0_u32);
    for cells in &plan.cells {
        for (d, day) in instance.days.iter().enumerate() {
            let next = *day + chrono::Days::new(7);
            let Some(e) = instance.days.iter().skip(d).position(|x| *x == next) else {
                continue;
            };
            let (Some(a), Some(b)) = (cells.get(d), cells.get(d + e)) else {
                continue;
            };
            let working = |c: &Presence| matches!(c, Presence::OnSite | Presence::Mobile);
            if working(a) && working(b) {
                pairs += 1;
                if a == b {
                    same += 1;
                }
            }
        }
    }
    (pairs > 0).then(|| f64::from(same) / f64::from(pairs))
}
