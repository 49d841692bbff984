//! The generator: one MIP per instance (good_lp, solved by microlp).
//!
//! `x[p][d] = 1` puts person `p` on site on day `d`, `0` mobile; days off
//! and absences are not variables, and people who may not work mobile are
//! on site on every working day. Each hard rule instance gets a slack
//! variable weighted far above every soft goal; the slacks used name the
//! rules that cannot hold. Soft goals: fixed office days, wished mobile
//! days, using each person's mobile allowance evenly, and stable weekly
//! patterns.
//!
//! Stable patterns cost no extra variables: each person (in rotation mode
//! each cohort) gets an anchor weekday, and a mobile day costs a little
//! more the further its weekday lies from the anchor. Every week then
//! prefers the same weekdays, so the plan repeats unless a rule, a wish
//! or an absence asks otherwise; the anchors are staggered across the
//! team so mobile days spread over the week (which also eases desks and
//! consultation hours). A variable per person and pair of weeks did the
//! same, but made the MIP run into its time limit at W9's scale.

use super::{Instance, Plan, Presence, Rule, month_of};
use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, WithTimeLimit, constraint,
    microlp, variable,
};
use std::collections::BTreeMap;

/// What a slack costs: more than all soft goals of an instance together.
const SLACK: f64 = 1_000_000.0;
/// A wish not met (office day mobile, mobile day on site).
const WISH: f64 = 10.0;
/// A day below the person's pro-rata share of the month's allowance (so
/// everyone gets some, evenly).
const UNUSED: f64 = 1.0;
/// A mobile day at all: a slight preference not to go beyond the pro-rata
/// share unless a wish or a rule asks for it (the rest of the month keeps
/// its part of the allowance).
const BEYOND: f64 = 0.01;
/// A mobile day one weekday further from the person's anchor: small
/// enough that four steps stay below [`BEYOND`], so it only decides
/// *which* days are mobile, never how many.
const STABLE: f64 = 0.002;
/// Longest a solve may take, in seconds (the best plan found so far is
/// taken; slacks are checked either way).
const TIME_LIMIT: f64 = 2.0;

/// A proposal: the plan, and the rules that cannot all hold (then the
/// plan breaks exactly these and must not be saved).
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The plan.
    pub plan: Plan,
    /// Rules that could not be held.
    pub failures: Vec<Rule>,
}

/// A cell of the model: fixed, or a variable.
#[derive(Clone, Copy)]
enum Cell {
    Fixed(Presence),
    Free(Variable),
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The weekday index (0 = Monday) on which a person's mobile days are
/// cheapest: staggered by person, or by cohort in rotation mode so that a
/// cohort's people agree and the cohorts' office days complement each
/// other.
fn anchor_of(person: usize, cohort: Option<u8>, cohorts: usize) -> usize {
    match cohort {
        Some(c) => (usize::from(c) * 5).div_ceil(cohorts.max(1)),
        None => person,
    }
}

/// Proposes a plan for `instance`.
pub fn generate(instance: &Instance) -> Result<Proposal, String> {
    let mut vars = ProblemVariables::new();
    let mut objective = Expression::from(0.0);
    let mut constraints = Vec::new();
    let mut slacks: Vec<(Variable, Rule)> = Vec::new();
    let mut slack = |vars: &mut ProblemVariables, objective: &mut Expression, rule: Rule| {
        let s = vars.add(variable().min(0.0));
        *objective += SLACK * s;
        slacks.push((s, rule));
        s
    };

    // Cells.
    let cohorts = instance
        .people
        .iter()
        .filter_map(|p| p.cohort)
        .max()
        .map_or(1, |c| usize::from(c) + 1);
    let mut cells: Vec<Vec<Cell>> = Vec::with_capacity(instance.people.len());
    for (p, person) in instance.people.iter().enumerate() {
        let anchor = anchor_of(p, person.cohort, cohorts);
        let mut row = Vec::with_capacity(instance.days.len());
        for (d, day) in instance.days.iter().enumerate() {
            let minutes = person.minutes.get(d).copied().unwrap_or(0);
            let cell = if minutes == 0 {
                Cell::Fixed(Presence::Off)
            } else if person.absent.get(d).copied().unwrap_or(false) {
                Cell::Fixed(Presence::Absent)
            } else if !person.may_be_mobile.get(d).copied().unwrap_or(false) {
                Cell::Fixed(Presence::OnSite)
            } else {
                let x = vars.add(variable().binary());
                let weekday = chrono::Datelike::weekday(day);
                if person.office_days.contains(&weekday) {
                    // Mobile (x = 0) on an office day costs.
                    objective += WISH - WISH * x;
                }
                if person.mobile_days.contains(&weekday) {
                    objective += WISH * x;
                }
                let rank = (weekday.num_days_from_monday() as usize + 5 - anchor % 5) % 5;
                let cost = STABLE * rank as f64;
                objective += cost - cost * x;
                Cell::Free(x)
            };
            row.push(cell);
        }
        cells.push(row);
    }
    let on_site = |c: &Cell| -> Expression {
        match c {
            Cell::Fixed(Presence::OnSite) => Expression::from(1.0),
            Cell::Fixed(_) => Expression::from(0.0),
            Cell::Free(x) => Expression::from(*x),
        }
    };

    // Mobile share per person and month: mobile minutes ≤ max × worked.
    for (p, (person, row)) in instance.people.iter().zip(&cells).enumerate() {
        // Per month: mobile minutes, minutes worked, days that may be
        // mobile, and the greatest common divisor of their minutes.
        let mut months: BTreeMap<chrono::NaiveDate, (Expression, f64, f64, u32)> = BTreeMap::new();
        for ((d, day), cell) in instance.days.iter().enumerate().zip(row) {
            let whole = person.minutes.get(d).copied().unwrap_or(0);
            let minutes = f64::from(whole);
            let entry = months
                .entry(month_of(*day))
                .or_insert_with(|| (Expression::from(0.0), 0.0, 0.0, 0));
            match cell {
                Cell::Free(x) => {
                    // Mobile minutes: minutes × (1 − x).
                    entry.0 += minutes - minutes * *x;
                    entry.1 += minutes;
                    entry.2 += 1.0;
                    entry.3 = gcd(entry.3, whole);
                }
                Cell::Fixed(Presence::OnSite) => entry.1 += minutes,
                Cell::Fixed(_) => {}
            }
        }
        for (month, (mobile, worked, free_days, step)) in months {
            if free_days == 0.0 {
                continue;
            }
            // Mobile minutes come in multiples of `step`: rounding the
            // allowance down to one keeps the rule exact and the LP
            // relaxation integral for equal days (a fractional allowance
            // made the branch and bound explode).
            // The whole month counts: the minutes worked and planned
            // mobile outside the period too.
            let (out_worked, out_mobile) = person.outside_of(month);
            let exact = (worked + out_worked as f64) * f64::from(instance.max_mobile_permille)
                / 1000.0
                - out_mobile as f64;
            let step = f64::from(step.max(1));
            let allowed = ((exact / step).floor() * step).min(worked);
            let s = slack(
                &mut vars,
                &mut objective,
                Rule::MobileShare { person: p, month },
            );
            constraints.push(constraint!(mobile.clone() <= allowed + s));
            // Unused allowance, spread: the share of this period's days,
            // rounded down like the allowance.
            let per_day = worked / free_days.max(1.0);
            let pro_rata =
                ((worked * f64::from(instance.max_mobile_permille) / 1000.0 / step).floor() * step)
                    .min(allowed)
                    .max(0.0);
            let short = vars.add(variable().min(0.0));
            constraints.push(constraint!(short + mobile.clone() >= pro_rata));
            objective += UNUSED * short * (1.0 / per_day.max(1.0));
            objective += BEYOND * mobile * (1.0 / per_day.max(1.0));
        }
    }

    // Consultation hours.
    for (i, slot) in instance.slots.iter().enumerate() {
        let mut present = Expression::from(0.0);
        for (person, row) in instance.people.iter().zip(&cells) {
            if person.team == slot.team
                && person.skills.contains(&slot.skill)
                && let Some(c) = row.get(slot.day)
            {
                present += on_site(c);
            }
        }
        let s = slack(&mut vars, &mut objective, Rule::Coverage { slot: i });
        constraints.push(constraint!(present + s >= f64::from(slot.min)));
    }

    // Desks, and rotation cohorts, per day.
    for d in 0..instance.days.len() {
        for (location, cap) in instance.desks.iter().enumerate() {
            let mut there = Expression::from(0.0);
            let mut any = false;
            for (person, row) in instance.people.iter().zip(&cells) {
                if person.location == location
                    && let Some(c) = row.get(d)
                {
                    there += on_site(c);
                    any = true;
                }
            }
            if any {
                let s = slack(&mut vars, &mut objective, Rule::Desks { location, day: d });
                constraints.push(constraint!(there <= f64::from(*cap) + s));
            }
        }
        if instance.rotation {
            let mut cohorts: Vec<(u8, Variable)> = Vec::new();
            for (person, row) in instance.people.iter().zip(&cells) {
                let (Some(c), Some(cell)) = (person.cohort, row.get(d)) else {
                    continue;
                };
                let y = match cohorts.iter().find(|(k, _)| *k == c) {
                    Some((_, y)) => *y,
                    None => {
                        let y = vars.add(variable().binary());
                        cohorts.push((c, y));
                        y
                    }
                };
                constraints.push(constraint!(on_site(cell) <= y));
            }
            if cohorts.len() > 1 {
                let s = slack(&mut vars, &mut objective, Rule::Rotation { day: d });
                let sum: Expression = cohorts.iter().map(|(_, y)| Expression::from(*y)).sum();
                constraints.push(constraint!(sum <= 1.0 + s));
            }
        }
    }

    let mut model = vars
        .minimise(objective)
        .using(microlp)
        .with_time_limit(TIME_LIMIT);
    for c in constraints {
        model.add_constraint(c);
    }
    let solution = model.solve().map_err(|e| e.to_string())?;
    let plan = Plan {
        cells: cells
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| match c {
                        Cell::Fixed(p) => *p,
                        Cell::Free(x) if solution.value(*x) > 0.5 => Presence::OnSite,
                        Cell::Free(_) => Presence::Mobile,
                    })
                    .collect()
            })
            .collect(),
    };
    let failures = slacks
        .into_iter()
        .filter(|(s, _)| solution.value(*s) > 1e-6)
        .map(|(_, rule)| rule)
        .collect();
    Ok(Proposal { plan, failures })
}
