//! HTTP behaviour of rathaus through the same routes a browser or an API
//! client uses. Every test gets its own app and database: SQLite by
//! default, PostgreSQL when `RATHAUS_TEST_POSTGRES_URL` is set.

// Test helpers may panic: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

mod access_log;
mod accounts_api;
mod admin_pages;
mod admin_records;
mod applications;
mod bad_input;
mod case_work;
mod cases;
mod catalogue;
mod citizens;
mod closing;
mod cosigning;
mod delivery;
mod disposal;
mod fees;
mod form_versions;
mod jobs;
mod mail;
mod messages;
mod notices;
mod records;
mod search;
mod shell;
mod staff_login;
mod surveys;
mod team_rooms;
mod workplace;
mod workplace_plans;
