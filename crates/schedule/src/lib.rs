//! Bridgehub's meeting scheduler: given participants, slots, tables and weighted
//! one-to-one meeting requests, choose which meetings happen and give each a slot and a
//! table (mode `max_weight`), or schedule every request while minimising idle gaps
//! (mode `all`, the B2BSOP of Bofill et al., JAIR 2022).
//!
//! Invariants: no IO beyond parsing strings handed in, and the same problem, parameters
//! and seed give the same schedule when the run is cut by its iteration budget (a
//! wall-clock limit can cut it earlier). Mode `all` runs two annealers on scoped threads;
//! the winner never depends on how the threads were scheduled under a move budget.

#![warn(missing_docs)]

pub mod bound;
pub mod checker;
pub mod model;

pub use bound::{UpperBound, upper_bound};
pub use checker::{Assignment, CheckReport, Violation, check};
pub use model::{
    DEFAULT_FAIRNESS, MAX_SLOTS, Mode, ModelError, Participant, Problem, Request, Session,
    SessionRule, SlotSet,
};
pub mod solve;

pub use solve::{Outcome, Params, ProgressInfo, Status, solve, solve_with_progress};
pub mod formats;
pub mod generate;

pub use formats::{Id, Instance};
