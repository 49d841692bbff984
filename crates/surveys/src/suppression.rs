//! Which figures of a breakdown by org unit may be shown.
//!
//! The breakdown shows, for every unit, how many people answered in the
//! unit and all units below it; an inner unit also gets the group of the
//! people directly in it ("ohne Untereinheiten"), so every total is the
//! sum of the groups below it. A figure is shown only when its group has
//! at least the minimum number of respondents (primary suppression). That
//! alone is not enough: a department's total minus its visible sub-units
//! gives away a suppressed one. So further figures are withheld until no
//! group below the minimum can be worked out from what is shown
//! (complementary suppression); which ones is chosen so that as little as
//! possible is withheld — the smallest visible sibling first.
//!
//! Whoever reads the results is assumed to know the org tree, every
//! figure shown and which groups are empty (e.g. that an office has no
//! staff of its own), nothing else. A figure can then be worked out exactly
//! when the sum rules (a total is the sum of its groups) determine it;
//! [`derivable`] finds those by propagating along the tree, which for
//! sums over a tree is complete (the equations form a tree, so
//! eliminating them leaf by leaf is Gaussian elimination). The tests check
//! that against a general linear-algebra rank test.

use serde::Serialize;

/// A unit of the org tree with the respondents who gave it as theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// Index of the parent unit (none: the root).
    pub parent: Option<usize>,
    /// Respondents directly in this unit (not below it).
    pub respondents: u64,
}

/// A figure of the breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Figure {
    /// The number, when it may be shown.
    pub shown: Option<u64>,
    /// Withheld although at least the minimum (to protect another group).
    pub complementary: bool,
}

/// The breakdown: per unit its total (itself and below) and, for units
/// with sub-units, the group directly in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// Per unit (same index as the input).
    pub totals: Vec<Figure>,
    /// Per unit: the group directly in it (`None` for units without
    /// sub-units, whose total is that group).
    pub direct: Vec<Option<Figure>>,
}

/// The groups as a tree whose inner nodes are sums: node `i` is unit
/// `i`'s total; inner units get one more node, their direct group.
struct Groups {
    value: Vec<u64>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    depth: Vec<usize>,
    /// The direct-group node of each unit that has one.
    direct_of: Vec<Option<usize>>,
}

impl Groups {
    fn of(units: &[Unit]) -> Groups {
        let n = units.len();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, u) in units.iter().enumerate() {
            if let Some(p) = u.parent.filter(|p| *p < n && *p != i)
                && let Some(c) = children.get_mut(p)
            {
                c.push(i);
            }
        }
        let mut parent: Vec<Option<usize>> =
            units.iter().map(|u| u.parent.filter(|p| *p < n)).collect();
        let mut value: Vec<u64> = units.iter().map(|u| u.respondents).collect();
        let mut direct_of = vec![None; n];
        for i in 0..n {
            if children.get(i).is_some_and(|c| !c.is_empty()) {
                let d = value.len();
                value.push(units.get(i).map_or(0, |u| u.respondents));
                parent.push(Some(i));
                children.push(Vec::new());
                if let Some(c) = children.get_mut(i) {
                    c.push(d);
                }
                if let Some(slot) = direct_of.get_mut(i) {
                    *slot = Some(d);
                }
            }
        }
        // Totals bottom-up: children have greater depth.
        let mut depth = vec![0; value.len()];
        for i in 0..value.len() {
            let (mut d, mut at, mut steps) = (0, i, 0);
            while let Some(p) = parent.get(at).copied().flatten() {
                d += 1;
                at = p;
                steps += 1;
                if steps > value.len() {
                    break; // a cycle in the input: stop counting
                }
            }
            if let Some(x) = depth.get_mut(i) {
                *x = d;
            }
        }
        let mut order: Vec<usize> = (0..value.len()).collect();
        order.sort_by_key(|i| std::cmp::Reverse(depth.get(*i).copied().unwrap_or(0)));
        let mut total = value.clone();
        for i in order {
            // Inner units' own respondents sit in their direct node.
            if children.get(i).is_some_and(|c| !c.is_empty()) {
                let sum: u64 = children.get(i).map_or(0, |c| {
                    c.iter().map(|c| total.get(*c).copied().unwrap_or(0)).sum()
                });
                if let Some(t) = total.get_mut(i) {
                    *t = sum;
                }
            }
        }
        Groups {
            value: total,
            parent,
            children,
            depth,
            direct_of,
        }
    }
}

/// The groups that can be worked out from the `shown` ones with the sum
/// rules (a total is the sum of its groups).
pub fn derivable(children: &[Vec<usize>], shown: &[bool]) -> Vec<bool> {
    let mut known = shown.to_vec();
    loop {
        let mut changed = false;
        for (p, kids) in children.iter().enumerate() {
            if kids.is_empty() {
                continue;
            }
            let unknown: Vec<usize> = kids
                .iter()
                .copied()
                .filter(|c| !known.get(*c).copied().unwrap_or(false))
                .collect();
            let parent_known = known.get(p).copied().unwrap_or(false);
            match (parent_known, unknown.as_slice()) {
                (true, [only]) => {
                    if let Some(k) = known.get_mut(*only) {
                        *k = true;
                        changed = true;
                    }
                }
                (false, []) => {
                    if let Some(k) = known.get_mut(p) {
                        *k = true;
                        changed = true;
                    }
                }
                _ => {}
            }
        }
        if !changed {
            return known;
        }
    }
}

/// Which groups are shown: all of at least `min` respondents except those
/// withheld so that no smaller group can be worked out.
fn decide(g: &Groups, min: u64) -> Vec<bool> {
    let n = g.value.len();
    let value = |i: usize| g.value.get(i).copied().unwrap_or(0);
    // Groups of one to min − 1 people must never be worked out; a group
    // nobody is in is not shown either, but knowing that it is empty
    // reveals no one's answers.
    let small = |i: usize| value(i) > 0 && value(i) < min;
    let mut shown: Vec<bool> = (0..n).map(|i| value(i) >= min).collect();
    // The reader may know which groups are empty (an office without staff
    // of its own): they count as known, which can only protect more.
    let base = |shown: &[bool]| -> Vec<bool> {
        shown
            .iter()
            .enumerate()
            .map(|(i, s)| *s || value(i) == 0)
            .collect()
    };
    loop {
        let known = derivable(&g.children, &base(&shown));
        // The deepest small group that can be worked out: its children
        // (smaller still) are protected already, so the parent's sum
        // gives it away — withhold a visible sibling, or else the parent.
        let Some(victim) = (0..n)
            .filter(|i| small(*i) && known.get(*i).copied().unwrap_or(false))
            .max_by_key(|i| g.depth.get(*i).copied().unwrap_or(0))
        else {
            // No single small group can be worked out; the hidden groups
            // under one known total together can (the total minus the
            // visible ones), so together they must reach the minimum too.
            match residual(g, &known, &shown, min) {
                Some(pick) => {
                    if let Some(s) = shown.get_mut(pick) {
                        *s = false;
                    }
                    continue;
                }
                None => return shown,
            }
        };
        let mut candidates: Vec<usize> = Vec::new();
        if let Some(p) = g.parent.get(victim).copied().flatten() {
            let mut siblings: Vec<usize> = g
                .children
                .get(p)
                .map(|c| {
                    c.iter()
                        .copied()
                        .filter(|s| *s != victim && shown.get(*s).copied().unwrap_or(false))
                        .collect()
                })
                .unwrap_or_default();
            siblings.sort_by_key(|s| (g.value.get(*s).copied().unwrap_or(0), *s));
            candidates.extend(siblings);
            if shown.get(p).copied().unwrap_or(false) {
                candidates.push(p);
            }
        }
        // Otherwise any visible group, smallest first.
        let mut rest: Vec<usize> = (0..n)
            .filter(|i| shown.get(*i).copied().unwrap_or(false) && !candidates.contains(i))
            .collect();
        rest.sort_by_key(|i| (g.value.get(*i).copied().unwrap_or(0), *i));
        candidates.extend(rest);
        // The first candidate whose withholding protects the victim; if
        // none alone does, the first (and try again).
        let pick = candidates
            .iter()
            .copied()
            .find(|c| {
                let mut trial = shown.clone();
                if let Some(t) = trial.get_mut(*c) {
                    *t = false;
                }
                !derivable(&g.children, &base(&trial))
                    .get(victim)
                    .copied()
                    .unwrap_or(false)
            })
            .or_else(|| candidates.first().copied());
        match pick.and_then(|c| shown.get_mut(c)) {
            Some(s) => *s = false,
            // Nothing visible is left, so nothing can be worked out.
            None => return shown,
        }
    }
}

/// A visible group to withhold because the hidden groups under a known
/// total add up to fewer than `min` (but more than none): the smallest
/// visible group beside them, else the total itself, else the smallest
/// visible group anywhere.
fn residual(g: &Groups, known: &[bool], shown: &[bool], min: u64) -> Option<usize> {
    let value = |i: usize| g.value.get(i).copied().unwrap_or(0);
    let is = |v: &[bool], i: usize| v.get(i).copied().unwrap_or(false);
    for (p, kids) in g.children.iter().enumerate() {
        if kids.is_empty() || !is(known, p) {
            continue;
        }
        let hidden: u64 = kids
            .iter()
            .filter(|c| !is(known, **c))
            .map(|c| value(*c))
            .sum();
        if hidden == 0 || hidden >= min {
            continue;
        }
        let mut visible: Vec<usize> = kids.iter().copied().filter(|c| is(shown, *c)).collect();
        visible.sort_by_key(|c| (value(*c), *c));
        if let Some(c) = visible.first() {
            return Some(*c);
        }
        if is(shown, p) {
            return Some(p);
        }
        return (0..g.value.len())
            .filter(|i| is(shown, *i))
            .min_by_key(|i| (value(*i), *i));
    }
    None
}

/// The breakdown of `units` with every group below `min` protected.
pub fn breakdown(units: &[Unit], min: u64) -> Breakdown {
    let g = Groups::of(units);
    let shown = decide(&g, min);
    let figure = |i: usize| {
        let v = g.value.get(i).copied().unwrap_or(0);
        let s = shown.get(i).copied().unwrap_or(false);
        Figure {
            shown: s.then_some(v),
            complementary: !s && v >= min,
        }
    };
    Breakdown {
        totals: (0..units.len()).map(figure).collect(),
        direct: g.direct_of.iter().map(|d| d.map(figure)).collect(),
    }
}

#[cfg(test)]
mod tests;
