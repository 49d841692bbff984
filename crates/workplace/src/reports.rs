//! Reports. Managers see their team's plan: coverage per day and slot,
//! each person's mobile share against the maximum, readiness gaps. HR and
//! the staff council see aggregates only — per org unit and month — and
//! no figure at all for a group smaller than the agreement's minimum, so
//! no individual can be singled out. Nothing here rates performance.

use crate::service::{WorkplaceError, WorkplaceService};
use chrono::{Datelike, Months, NaiveDate};
use kernel::{Actor, OrgUnitId, Role};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// A unit's figures for HR and the staff council; `None` where the group
/// is smaller than the minimum.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitFigures {
    /// The unit.
    pub unit: Uuid,
    /// Its code and name.
    pub name: String,
    /// Staff of the unit (its home unit), if the group is large enough.
    pub staff: Option<usize>,
    /// Applications waiting.
    pub applied: Option<usize>,
    /// Enrolled (approved).
    pub enrolled: Option<usize>,
    /// Enrolled and ready today.
    pub ready: Option<usize>,
    /// People in published plans that month, if enough.
    pub planned: Option<usize>,
    /// Mobile working days in per cent of the days worked that month.
    pub mobile_percent: Option<f64>,
}

/// The aggregates of a month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Aggregates {
    /// The month (its first day).
    pub month: NaiveDate,
    /// Smallest group a figure is shown for.
    pub min_group: usize,
    /// The agreement's maximum share in per cent.
    pub max_percent: f64,
    /// Per unit.
    pub units: Vec<UnitFigures>,
    /// Units whose figures are withheld (group too small).
    pub withheld: usize,
}

/// A person's share in a plan, for their manager.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonShare {
    /// The person.
    pub name: String,
    /// The month.
    pub month: NaiveDate,
    /// Mobile days.
    pub mobile: usize,
    /// Days worked (on site or mobile).
    pub worked: usize,
    /// Mobile share in per cent.
    pub percent: f64,
}

impl WorkplaceService {
    /// Aggregates per unit for `month` (HR and the staff council, for the
    /// units their role covers).
    pub async fn aggregates(
        &self,
        actor: &Actor,
        month: NaiveDate,
    ) -> Result<Aggregates, WorkplaceError> {
        // The staff council represents all staff and sees every unit's
        // aggregates; HR sees the units its role covers.
        let everything = actor.has_role_anywhere(Role::StaffCouncil);
        let covered = actor.units_with(&[Role::Hr]);
        if (covered.is_empty() && !everything) || !actor.has_scope("workplace:read") {
            return Err(WorkplaceError::Forbidden);
        }
        let month = month.with_day(1).unwrap_or(month);
        let end = month
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(month);
        let today = self.today();
        let agreement = self.agreement_on(today).await?;
        let min_group = usize::try_from(agreement.row.min_group).unwrap_or(5);
        let units: Vec<(OrgUnitId, String)> = self
            .unit_names()
            .await?
            .into_iter()
            .filter(|(u, _)| everything || covered.contains(u))
            .collect();
        let ids: Vec<OrgUnitId> = units.iter().map(|(u, _)| *u).collect();
        let members = self
            .identity
            .members_of(&ids)
            .await
            .map_err(crate::service::internal)?;
        let mut staff: HashMap<Uuid, usize> = HashMap::new();
        for (_, _, u) in &members {
            *staff.entry(u.0).or_default() += 1;
        }
        // Readiness in bulk: one read per table instead of per person.
        let approved = self.store.enrolments_by_state("approved").await?;
        let applied = self.store.enrolments_by_state("applied").await?;
        let confirmations = self.store.all_confirmations().await?;
        let holders = self.store.holders().await?;
        let vpn: HashSet<Uuid> = self
            .store
            .vpn_holders_on(today)
            .await?
            .into_iter()
            .collect();
        let equipped: HashSet<Uuid> = holders
            .iter()
            .filter(|(_, k, ack)| *ack && (k == "notebook" || k == "tablet"))
            .map(|(a, ..)| *a)
            .collect();
        let mut confirmed: HashMap<Uuid, usize> = HashMap::new();
        for c in &confirmations {
            if c.valid_until.is_none_or(|v| today <= v) {
                *confirmed.entry(c.account_id).or_default() += 1;
            }
        }
        let items = crate::domain::ConfirmedItem::ALL.len();
        let ready = |person: Uuid| -> bool {
            equipped.contains(&person)
                && vpn.contains(&person)
                && confirmed.get(&person).copied().unwrap_or(0) == items
        };
        let counts = self.store.presence_counts(month, end).await?;
        let mut out = Vec::new();
        let mut withheld = 0;
        for (unit, name) in units {
            let group = staff.get(&unit.0).copied().unwrap_or(0);
            let enough = group >= min_group;
            let in_unit = |rows: &[crate::store::EnrolmentRow]| {
                rows.iter().filter(|e| e.org_unit_id == unit.0).count()
            };
            let planned: HashSet<Uuid> = counts
                .iter()
                .filter(|(u, ..)| *u == unit.0)
                .map(|(_, a, ..)| *a)
                .collect();
            let days = |p: &str| -> i64 {
                counts
                    .iter()
                    .filter(|(u, _, pr, _)| *u == unit.0 && pr == p)
                    .map(|(.., n)| n)
                    .sum()
            };
            let (mobile, on_site) = (days("mobile"), days("on_site"));
            let share_ok = planned.len() >= min_group && mobile + on_site > 0;
            if !enough {
                withheld += 1;
            }
            out.push(UnitFigures {
                unit: unit.0,
                name,
                staff: enough.then_some(group),
                applied: enough.then(|| in_unit(&applied)),
                enrolled: enough.then(|| in_unit(&approved)),
                ready: enough.then(|| {
                    approved
                        .iter()
                        .filter(|e| e.org_unit_id == unit.0 && ready(e.account_id))
                        .count()
                }),
                planned: share_ok.then_some(planned.len()),
                mobile_percent: share_ok.then(|| {
                    // Per mille, rounded, as a per-cent figure with one decimal.
                    let permille = (mobile * 1000 + (mobile + on_site) / 2) / (mobile + on_site);
                    permille as f64 / 10.0
                }),
            });
        }
        Ok(Aggregates {
            month,
            min_group,
            max_percent: agreement.row.max_mobile_permille as f64 / 10.0,
            units: out,
            withheld,
        })
    }

    /// Each person's mobile share per month of a plan (its manager).
    pub async fn plan_shares(
        &self,
        actor: &Actor,
        plan: Uuid,
    ) -> Result<Vec<PersonShare>, WorkplaceError> {
        let v = self.plan_view(actor, plan).await?;
        if !v.manages {
            return Err(WorkplaceError::Forbidden);
        }
        let mut out = Vec::new();
        for ((_, name), row) in v.people.iter().zip(&v.rows) {
            let mut months: Vec<NaiveDate> =
                v.days.iter().map(|d| d.with_day(1).unwrap_or(*d)).collect();
            months.dedup();
            for m in months {
                let in_month = v
                    .days
                    .iter()
                    .zip(row)
                    .filter(|(d, _)| d.with_day(1) == Some(m));
                let (mut mobile, mut worked) = (0, 0);
                for (_, p) in in_month {
                    match p {
                        crate::planner::Presence::Mobile => {
                            mobile += 1;
                            worked += 1;
                        }
                        crate::planner::Presence::OnSite => worked += 1,
                        _ => {}
                    }
                }
                if worked > 0 {
                    out.push(PersonShare {
                        name: name.clone(),
                        month: m,
                        mobile,
                        worked,
                        percent: (mobile * 1000 / worked) as f64 / 10.0,
                    });
                }
            }
        }
        Ok(out)
    }
}
