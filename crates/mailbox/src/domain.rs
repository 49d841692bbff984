//! Channels, states and the dates the law attaches to them.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How a notice reaches the citizen. (The account mailbox of a federal
/// user account, § 9 OZG, joins with the identity integrations.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Retrieval from the portal mailbox (§ 41 (2a) VwVfG).
    Portal,
    /// By post (§ 41 (2) VwVfG).
    Post,
}

impl Channel {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Post => "post",
        }
    }

    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Portal, Channel::Post]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// In the mailbox, not yet retrieved.
    Available,
    /// Retrieved: notified on the day after the first retrieval.
    Retrieved,
    /// Not retrieved in time: the provision ended, notification failed.
    Lapsed,
    /// Given to the post.
    Posted,
}

impl DeliveryState {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Available => "available",
            DeliveryState::Retrieved => "retrieved",
            DeliveryState::Lapsed => "lapsed",
            DeliveryState::Posted => "posted",
        }
    }

    /// Parses the stored text form.
    pub fn parse(s: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Available,
            DeliveryState::Retrieved,
            DeliveryState::Lapsed,
            DeliveryState::Posted,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// The legal rules, as configured (each Land has its own VwVfG; some
/// levies follow the tax code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRules {
    /// Days after the e-mail within which a portal notice must be retrieved
    /// (§ 41 (2a) sentence 4 VwVfG: ten).
    pub retrieval_days: u64,
    /// Days after the first retrieval until it counts as notified (§ 41
    /// (2a) sentence 2 VwVfG: the day after, one).
    pub after_retrieval_days: u64,
    /// Days after posting until it counts as notified (§ 41 (2) VwVfG since
    /// 2025: the fourth day, four).
    pub post_days: u64,
}

impl Default for DeliveryRules {
    fn default() -> Self {
        DeliveryRules {
            retrieval_days: 10,
            after_retrieval_days: 1,
            post_days: 4,
        }
    }
}

/// The German calendar day of an instant.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Europe::Berlin).date_naive()
}

impl DeliveryRules {
    /// The day a retrieved notice counts as notified.
    pub fn notified_after_retrieval(&self, retrieved: DateTime<Utc>) -> NaiveDate {
        let day = local_day(retrieved);
        day.checked_add_days(Days::new(self.after_retrieval_days))
            .unwrap_or(day)
    }

    /// The day a posted notice counts as notified.
    pub fn notified_after_posting(&self, posted: NaiveDate) -> NaiveDate {
        posted
            .checked_add_days(Days::new(self.post_days))
            .unwrap_or(posted)
    }

    /// The last day on which a notice announced by e-mail at `mailed` can
    /// be retrieved; the provision ends after it.
    pub fn last_retrieval_day(&self, mailed: DateTime<Utc>) -> NaiveDate {
        let day = local_day(mailed);
        day.checked_add_days(Days::new(self.retrieval_days))
            .unwrap_or(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_dates_follow_section_41_vwvfg_in_german_days() {
        let r = DeliveryRules::default();
        // 23:30 UTC on 4 January is already 5 January in Germany.
        let late = Utc.with_ymd_and_hms(2027, 1, 4, 23, 30, 0).unwrap();
        assert_eq!(local_day(late), day(2027, 1, 5));
        assert_eq!(r.notified_after_retrieval(late), day(2027, 1, 6));
        assert_eq!(r.notified_after_posting(day(2027, 1, 4)), day(2027, 1, 8));
        let mailed = Utc.with_ymd_and_hms(2027, 1, 4, 9, 0, 0).unwrap();
        assert_eq!(r.last_retrieval_day(mailed), day(2027, 1, 14));
        for c in [Channel::Portal, Channel::Post] {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        for s in [
            DeliveryState::Available,
            DeliveryState::Retrieved,
            DeliveryState::Lapsed,
            DeliveryState::Posted,
        ] {
            assert_eq!(DeliveryState::parse(s.as_str()), Some(s));
        }
    }
}
