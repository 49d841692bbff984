//! Suppression against an independent check: a general rank test (linear
//! algebra over the sum equations and the shown figures) must find no
//! group of 1 to min − 1 respondents determined, on random org trees and
//! random answers.

use super::*;
use proptest::prelude::*;

/// The groups as the reader sees them: (children lists, values, shown).
fn groups_and_shown(units: &[Unit], min: u64) -> (Groups, Vec<bool>) {
    let g = Groups::of(units);
    let shown = decide(&g, min);
    (g, shown)
}

/// Rank of a matrix (rows of f64) by Gaussian elimination.
fn rank(mut rows: Vec<Vec<f64>>) -> usize {
    let cols = rows.first().map_or(0, Vec::len);
    let mut r = 0;
    for c in 0..cols {
        let Some(pivot) = (r..rows.len()).find(|i| rows[*i][c].abs() > 1e-9) else {
            continue;
        };
        rows.swap(r, pivot);
        let pv = rows[r][c];
        for x in rows[r].iter_mut() {
            *x /= pv;
        }
        for i in 0..rows.len() {
            if i != r && rows[i][c].abs() > 1e-9 {
                let f = rows[i][c];
                let base = rows[r].clone();
                for (x, b) in rows[i].iter_mut().zip(base) {
                    *x -= f * b;
                }
            }
        }
        r += 1;
    }
    r
}

/// Whether the value of group `target` follows from the sum equations and
/// the shown figures (its unit vector lies in their row space).
fn determined(g: &Groups, shown: &[bool], target: usize) -> bool {
    let n = g.value.len();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (p, kids) in g.children.iter().enumerate() {
        if kids.is_empty() {
            continue;
        }
        let mut row = vec![0.0; n];
        row[p] = 1.0;
        for c in kids {
            row[*c] = -1.0;
        }
        rows.push(row);
    }
    for (i, s) in shown.iter().enumerate() {
        // Shown figures, and the empty groups the reader may know of.
        if *s || g.value[i] == 0 {
            let mut row = vec![0.0; n];
            row[i] = 1.0;
            rows.push(row);
        }
    }
    let before = rank(rows.clone());
    let mut unit = vec![0.0; n];
    unit[target] = 1.0;
    rows.push(unit);
    rank(rows) == before
}

fn tree() -> impl Strategy<Value = (Vec<Unit>, u64)> {
    (1_usize..10, 2_u64..7).prop_flat_map(|(n, min)| {
        (
            proptest::collection::vec(0_usize..1000, n),
            proptest::collection::vec(0_u64..14, n),
            Just(min),
        )
            .prop_map(|(parents, counts, min)| {
                let units = parents
                    .iter()
                    .zip(&counts)
                    .enumerate()
                    .map(|(i, (p, c))| Unit {
                        parent: if i == 0 { None } else { Some(p % i) },
                        respondents: *c,
                    })
                    .collect();
                (units, min)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_small_group_is_shown_or_can_be_worked_out((units, min) in tree()) {
        let (g, shown) = groups_and_shown(&units, min);
        for (i, v) in g.value.iter().enumerate() {
            if *v < min {
                prop_assert!(!shown[i], "group {i} of {v} shown");
            }
            if *v > 0 && *v < min {
                prop_assert!(!determined(&g, &shown, i), "group {i} of {v} can be worked out: {units:?}, shown {shown:?}");
            }
        }
    }

    #[test]
    fn hidden_groups_under_a_known_total_together_reach_the_minimum((units, min) in tree()) {
        let (g, shown) = groups_and_shown(&units, min);
        let base: Vec<bool> = shown.iter().enumerate().map(|(i, s)| *s || g.value[i] == 0).collect();
        let known = derivable(&g.children, &base);
        for (p, kids) in g.children.iter().enumerate() {
            if kids.is_empty() || !known[p] {
                continue;
            }
            let hidden: u64 = kids.iter().filter(|c| !known[**c]).map(|c| g.value[*c]).sum();
            prop_assert!(hidden == 0 || hidden >= min, "the hidden groups under {p} add up to {hidden}: {units:?}, shown {shown:?}");
        }
    }

    #[test]
    fn propagation_finds_exactly_what_linear_algebra_finds((units, min) in tree()) {
        let (g, shown) = groups_and_shown(&units, min);
        let base: Vec<bool> = shown.iter().enumerate().map(|(i, s)| *s || g.value[i] == 0).collect();
        let known = derivable(&g.children, &base);
        for (i, k) in known.iter().enumerate() {
            prop_assert_eq!(*k, determined(&g, &shown, i), "group {}", i);
        }
    }

    #[test]
    fn shown_figures_are_the_true_sums((units, min) in tree()) {
        let b = breakdown(&units, min);
        let g = Groups::of(&units);
        for (i, f) in b.totals.iter().enumerate() {
            if let Some(v) = f.shown {
                prop_assert_eq!(v, g.value[i]);
                prop_assert!(v >= min);
            }
        }
    }
}

#[test]
fn a_department_total_minus_its_visible_units_does_not_give_the_small_one_away() {
    // Amt 10 (no one directly) with Sachgebiete 10.1 (12), 10.2 (9), 10.3 (3).
    let units = [
        Unit {
            parent: None,
            respondents: 0,
        },
        Unit {
            parent: Some(0),
            respondents: 12,
        },
        Unit {
            parent: Some(0),
            respondents: 9,
        },
        Unit {
            parent: Some(0),
            respondents: 3,
        },
    ];
    let b = breakdown(&units, 5);
    assert_eq!(b.totals[0].shown, Some(24));
    assert_eq!(b.totals[3].shown, None, "3 < 5");
    // 24 − 12 − 9 would be 3: the smaller visible unit is withheld too.
    assert_eq!(b.totals[2].shown, None);
    assert!(b.totals[2].complementary);
    assert_eq!(b.totals[1].shown, Some(12));
    // Nobody answered directly in the office: not shown, and nothing to protect.
    assert_eq!(b.direct[0].map(|f| f.shown), Some(None));
}

#[test]
fn two_small_groups_together_are_protected_as_well() {
    // Groups of 1 and 2 beside one of 20: the total minus the 20 would be
    // the 3 of both small groups together, so the 20 is withheld too.
    let units = [
        Unit {
            parent: None,
            respondents: 0,
        },
        Unit {
            parent: Some(0),
            respondents: 20,
        },
        Unit {
            parent: Some(0),
            respondents: 1,
        },
        Unit {
            parent: Some(0),
            respondents: 2,
        },
    ];
    let b = breakdown(&units, 5);
    assert_eq!(b.totals[0].shown, Some(23));
    assert_eq!(b.totals[1].shown, None);
    assert!(b.totals[1].complementary);
}

#[test]
fn with_enough_answers_everywhere_everything_is_shown() {
    let units = [
        Unit {
            parent: None,
            respondents: 5,
        },
        Unit {
            parent: Some(0),
            respondents: 7,
        },
        Unit {
            parent: Some(0),
            respondents: 6,
        },
    ];
    let b = breakdown(&units, 5);
    assert_eq!(
        b.totals.iter().map(|f| f.shown).collect::<Vec<_>>(),
        vec![Some(18), Some(7), Some(6)]
    );
    assert_eq!(b.direct[0].map(|f| f.shown), Some(Some(5)));
    assert!(b.totals.iter().all(|f| !f.complementary));
}
