//! The solver entry point: parameters, outcome, progress reporting, the choice of
//! algorithm per mode, table numbering and incremental re-scheduling.

mod anneal;
mod board;
mod breaks;
mod clock;
mod fairness;
mod feasibility;
mod weight;

use std::time::{Duration, Instant};

pub use feasibility::{breaks_lower_bound, prove_infeasible, reduce_domains};

use crate::bound::upper_bound;
use crate::checker::Assignment;
use crate::model::{Mode, Problem, breaks_of};
use clock::Clock;

/// Solver parameters.
#[derive(Debug, Clone)]
pub struct Params {
    /// Seed of the pseudo-random choices.
    pub seed: u64,
    /// Stop searching after this long (the result then depends on the machine's speed).
    pub time_limit: Option<Duration>,
    /// Stop each search phase after this many moves (deterministic); `None` = until the
    /// time limit or until the phase stalls.
    pub max_iterations: Option<u64>,
    /// A previous schedule (slot per request) to keep where possible: its meetings stay in
    /// their slots unless that is no longer allowed. Changes are listed in `Outcome::moved`.
    pub previous: Option<Vec<Option<usize>>>,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            seed: 1,
            time_limit: Some(Duration::from_secs(10)),
            max_iterations: None,
            previous: None,
        }
    }
}

/// How good the result is known to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Proven optimal (weight equals the upper bound and breaks the lower bound).
    Optimal,
    /// Valid, not proven optimal.
    Feasible,
    /// Proven to have no valid schedule (see `Outcome::reason`).
    Infeasible,
    /// Mode `all`: no valid schedule found, none proven impossible.
    Unknown,
}

impl Status {
    /// The wire name: `optimal`, `feasible`, `infeasible` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Optimal => "optimal",
            Self::Feasible => "feasible",
            Self::Infeasible => "infeasible",
            Self::Unknown => "unknown",
        }
    }
}

/// The solver's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Optimal, feasible, infeasible or unknown.
    pub status: Status,
    /// The meetings held, each with slot and table (empty when infeasible or unknown).
    pub assignments: Vec<Assignment>,
    /// Total weight of the held meetings.
    pub weight: u64,
    /// The degree-LP upper bound on the weight.
    pub upper_bound: f64,
    /// Total breaks.
    pub breaks: u64,
    /// A lower bound on total breaks for the meetings held (0 when nothing is known).
    pub breaks_lower_bound: u64,
    /// Max − min breaks over participants.
    pub fairness_spread: u32,
    /// Why the problem is infeasible, or why nothing was found.
    pub reason: Option<String>,
    /// Incremental runs: requests whose slot differs from the previous schedule.
    pub moved: Vec<usize>,
    /// Search moves made in all phases.
    pub iterations: u64,
    /// Wall time spent.
    pub elapsed: Duration,
}

/// What a progress callback sees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgressInfo {
    /// Rough share of the budget spent, 0 to 1.
    pub fraction: f64,
    /// Moves made so far.
    pub iterations: u64,
    /// Weight of the best schedule so far.
    pub weight: u64,
    /// Breaks of the best schedule so far (mode `all`: of the best valid one; `u64::MAX` if none).
    pub breaks: u64,
}

/// Solves `problem` without progress reports.
pub fn solve(problem: &Problem, params: &Params) -> Outcome {
    solve_with_progress(problem, params, &mut |_| {})
}

/// Solves `problem`, calling `progress` now and then (at most a few hundred times per second).
pub fn solve_with_progress(
    problem: &Problem,
    params: &Params,
    progress: &mut dyn FnMut(&ProgressInfo),
) -> Outcome {
    let started = Instant::now();
    let bound = upper_bound(problem);
    let empty = |status: Status, reason: String| Outcome {
        status,
        assignments: Vec::new(),
        weight: 0,
        upper_bound: bound.value,
        breaks: 0,
        breaks_lower_bound: 0,
        fairness_spread: 0,
        reason: Some(reason),
        moved: Vec::new(),
        iterations: 0,
        elapsed: started.elapsed(),
    };
    if let Err(error) = problem.validate() {
        return empty(Status::Infeasible, error.to_string());
    }
    // Mode `all` searches the reduced domains; their reduction is also the infeasibility proof.
    let domains = match problem.mode {
        Mode::All { .. } => match reduce_domains(problem) {
            Ok(domains) => Some(domains),
            Err(reason) => return empty(Status::Infeasible, reason),
        },
        Mode::MaxWeight => match prove_infeasible(problem) {
            Some(reason) => return empty(Status::Infeasible, reason),
            None => None,
        },
    };
    let mut clock = Clock::new(params.time_limit, params.max_iterations);
    let mut rng = fastrand::Rng::with_seed(params.seed);
    let previous = params.previous.as_deref();
    let found = match problem.mode {
        Mode::MaxWeight => weight::solve(
            problem,
            &bound.halves,
            previous,
            &mut clock,
            &mut rng,
            progress,
        ),
        Mode::All { fairness } => {
            let domains = domains.unwrap_or_default();
            anneal::solve(
                problem, fairness, &domains, previous, &mut clock, &mut rng, progress,
            )
        }
    };
    let Some(mut slot_of) = found else {
        let mut outcome = empty(
            Status::Unknown,
            "no valid schedule found within the limits, and none proven impossible".to_owned(),
        );
        outcome.iterations = clock.total_iterations();
        return outcome;
    };
    if problem.mode == Mode::MaxWeight {
        // Third objective: nobody left with nothing where a trade of equal weight allows it.
        fairness::share_out(problem, &mut slot_of, previous);
    }
    let mut outcome = finish(problem, &slot_of, bound.value, bound.twice_value, previous);
    outcome.iterations = clock.total_iterations();
    outcome.elapsed = started.elapsed();
    outcome
}

/// Builds the outcome of a slot-per-request schedule: tables, figures, status, moves.
fn finish(
    problem: &Problem,
    slot_of: &[Option<usize>],
    upper: f64,
    twice_upper: u64,
    previous: Option<&[Option<usize>]>,
) -> Outcome {
    let assignments = number_tables(problem, slot_of);
    let mut busy = vec![0u128; problem.participants.len()];
    let mut weight = 0;
    for (m, slot) in slot_of.iter().enumerate() {
        if let Some(t) = slot {
            let request = &problem.requests[m];
            busy[request.a] |= 1 << t;
            busy[request.b] |= 1 << t;
            weight += request.weight;
        }
    }
    let per_participant: Vec<u32> = busy.iter().map(|&mask| breaks_of(mask)).collect();
    let breaks = per_participant.iter().map(|&b| u64::from(b)).sum();
    let spread = per_participant.iter().max().copied().unwrap_or(0)
        - per_participant.iter().min().copied().unwrap_or(0);
    let breaks_lb = breaks_lower_bound(problem, slot_of);
    let weight_optimal = match problem.mode {
        Mode::MaxWeight => 2 * weight >= twice_upper,
        Mode::All { .. } => true,
    };
    let status = if weight_optimal && breaks <= breaks_lb {
        Status::Optimal
    } else {
        Status::Feasible
    };
    let moved = match previous {
        Some(previous) => (0..slot_of.len())
            .filter(|&m| {
                previous.get(m).copied().flatten().is_some()
                    && previous.get(m).copied().flatten() != slot_of[m]
            })
            .collect(),
        None => Vec::new(),
    };
    Outcome {
        status,
        assignments,
        weight,
        upper_bound: upper,
        breaks,
        breaks_lower_bound: breaks_lb,
        fairness_spread: spread,
        reason: None,
        moved,
        iterations: 0,
        elapsed: Duration::ZERO,
    }
}

/// Numbers the tables of each slot 1, 2, ... in request order (tables are identical).
fn number_tables(problem: &Problem, slot_of: &[Option<usize>]) -> Vec<Assignment> {
    let mut next_table = vec![1usize; problem.n_slots()];
    let mut assignments = Vec::new();
    for (m, slot) in slot_of.iter().enumerate() {
        if let Some(t) = *slot {
            assignments.push(Assignment {
                request: m,
                slot: t,
                table: next_table[t],
            });
            next_table[t] += 1;
        }
    }
    assignments
}
