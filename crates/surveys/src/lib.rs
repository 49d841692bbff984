//! Staff surveys (Beschäftigtenbefragungen) in rathaus. This first part
//! is the rule the staff council relies on: [`suppression`] decides which
//! figures of a breakdown by org unit may be shown, so that no group
//! smaller than the minimum is shown or can be worked out from the figures
//! that are shown (complementary suppression).

pub mod suppression;
