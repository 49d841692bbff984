//! How long the generator takes for teams of a given size (a first
//! measurement toward W9; the benchmark proper arrives with the planner
//! pages): `cargo run --release -p workplace --example planner_speed -- 10 20 40`
//! plans 40 teams of 10 people over 20 working days, one after another.

use chrono::{Datelike, NaiveDate, Weekday};
use std::time::Instant;
use workplace::planner::{Instance, Person, Slot, check, generate};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (size, days, teams) = match args.as_slice() {
        [a, b, c, ..] => (*a, *b, *c),
        _ => (10, 20, 20),
    };
    let mut dates = Vec::new();
    let mut d = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap_or_default();
    while dates.len() < days {
        if d.weekday().number_from_monday() <= 5 {
            dates.push(d);
        }
        d = d.succ_opt().unwrap_or(d);
    }
    let mut times = Vec::new();
    let mut failed = 0;
    for t in 0..teams {
        let people = (0..size)
            .map(|i| Person {
                team: t as u32,
                minutes: (0..days)
                    .map(|d| if i % 5 == 4 && d % 5 == 4 { 0 } else { 468 })
                    .collect(),
                absent: (0..days).map(|d| (d + i + t) % 17 == 0).collect(),
                may_be_mobile: vec![(i + t) % 9 != 0; days],
                cohort: None,
                skills: if i % 3 == 0 {
                    vec!["Bürgerberatung".into()]
                } else {
                    Vec::new()
                },
                location: 0,
                office_days: if i % 4 == 0 {
                    vec![Weekday::Mon]
                } else {
                    Vec::new()
                },
                mobile_days: if i % 4 == 1 {
                    vec![Weekday::Fri]
                } else {
                    Vec::new()
                },
                outside: Vec::new(),
            })
            .collect();
        let instance = Instance {
            slots: (0..days)
                .filter(|d| d % 5 != 2)
                .map(|day| Slot {
                    team: t as u32,
                    day,
                    skill: "Bürgerberatung".into(),
                    min: 1,
                })
                .collect(),
            days: dates.clone(),
            max_mobile_permille: 400,
            people,
            desks: vec![(size as u32 * 3).div_ceil(4)],
            rotation: false,
        };
        let started = Instant::now();
        let proposal = generate(&instance).unwrap_or_else(|e| panic!("{e}"));
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        if !proposal.failures.is_empty() || !check(&instance, &proposal.plan).is_empty() {
            failed += 1;
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let max = times.last().copied().unwrap_or(0.0);
    let total: f64 = times.iter().sum();
    println!(
        "{teams} teams of {size} over {days} days: median {median:.1} ms, max {max:.1} ms, total {total:.0} ms; {failed} with rules that did not hold"
    );
}
