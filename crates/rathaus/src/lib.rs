//! The rathaus application: configuration ([`config`]), the wiring of all
//! bounded contexts into one HTTP service ([`app`]), the demo city
//! ([`demo`]) and the operator pages and endpoints ([`ops`]). `main.rs`
//! holds only the command line; tests build the same [`app::Application`].

pub mod app;
pub mod bulk;
pub mod bulk_staff;
pub mod config;
pub mod demo;
pub mod export;
pub mod ops;
