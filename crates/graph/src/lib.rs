//! Bridgehub's tie graph engine: who is tied to whom, how strongly, and what that says.
//!
//! The engine is built from plain inputs ([`NodeInput`], [`TieInput`]) and updated
//! incrementally as ties arrive ([`TieGraph::upsert_tie`]). On top of it sit:
//! - [`strength`]: tie strength by kind and recency (exponential decay, configurable half-life);
//! - [`thin`]: the thin-tie map, observed ties per cell pair (M49 sub-region, grouping, sector,
//!   organization kind) against an expectation, with an exact Poisson interval;
//! - [`paths`]: the k best introduction paths of at most three hops;
//! - [`brokers`]: betweenness (exact or sampled, also restricted to a region pair) and Burt's
//!   constraint, defined as in NetworkX;
//! - [`coi`]: conflicts of interest between neutrals and parties;
//! - [`generate`]: random graphs with planted thin/thick region pairs and planted conflicts.
//!
//! Invariant: no IO, no async, no global state; randomness comes from a seed.
//! `docs/analytics.md` documents every model and default.

#![warn(missing_docs)]
// Tests may unwrap: a panic there is a failed test, not a crash on input.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod adjacency;
pub mod brokers;
pub mod coi;
mod dates;
mod error;
pub mod generate;
mod graph;
mod model;
pub mod paths;
mod stats;
pub mod strength;
pub mod thin;
mod thin_render;

pub use dates::{date_from_day_number, day_number, years_before};
pub use error::GraphError;
pub use graph::{NodeIdx, TieGraph, TieIdx};
pub use model::{AFFILIATION_SOURCE, NodeInput, NodeKind, Outcome, TieData, TieInput, TieOutcome};
pub use stats::poisson_interval;
pub use strength::StrengthParams;
pub use thin_render::xml_escape;
