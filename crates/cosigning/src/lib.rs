//! Digital co-signing (Mitzeichnung, GGO §§ 15–19): the lead clerk starts
//! a route on a document version of the E-Akte — stages in order, steps
//! in parallel inside a stage, each an acknowledgement, a co-signature or
//! (once, in the last stage) the final signature. Every decision is an
//! internal Ed25519 signature bound to the SHA-256 of the exact version; a
//! reservation or refusal sends the route back to the lead clerk, whose
//! revision (a new version) starts a new round in which the old round's
//! signatures stay on record but no longer count.
//!
//! Invariants: one decision per step (a unique row, so two concurrent
//! decisions on a step cannot both land); a person decides at most once
//! per round; decisions on one route are serialised by a row lock, so a
//! parallel stage opens the next exactly once; the final signature is
//! accepted only from someone whose signing authority covers the route's
//! unit.

pub mod api;
pub mod domain;
pub mod pages;
pub mod service;
pub mod store;

pub use domain::{Decision, RouteState, StepKind};
pub use service::{CosigningError, CosigningService, RouteEvents, SigningAuthority};
