//! Team rooms (Teamräume) in rathaus: a room for every org unit whose
//! members follow the org tree and its deputies, project rooms by
//! invitation, open communities, the intranet room readable by all staff,
//! and direct messages between two people.
//!
//! The chat stores every message durably (with a sequence number per room
//! and a key chosen by the sender, so a resend is found, never doubled)
//! before it is announced; open browsers receive it live through
//! server-sent events, and every page works without JavaScript.

pub mod api;
pub mod domain;
pub mod export;
pub mod files;
pub mod live;
pub mod meetings;
pub mod pages;
pub mod search;
pub mod service;
pub mod store;
pub mod wiki;
pub mod wiki_api;
pub mod wiki_pages;

pub use service::{RoomsError, RoomsService};
