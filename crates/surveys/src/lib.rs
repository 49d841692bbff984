//! Staff surveys (Beschäftigtenbefragungen) in rathaus. So far: the
//! questions and the checks of answers ([`domain`]), and the rule the staff
//! council relies on: [`suppression`] decides which
//! figures of a breakdown by org unit may be shown, so that no group
//! smaller than the minimum is shown or can be worked out from the figures
//! that are shown (complementary suppression).

pub mod demo;
pub mod domain;
pub mod suppression;
