//! Budgets: a wall-clock limit (checked now and then) and a per-phase move budget.

use std::time::{Duration, Instant};

/// Keeps time and counts moves (a clone keeps the same start and limits: a parallel
/// search's own clock).
#[derive(Clone)]
pub(super) struct Clock {
    started: Instant,
    limit: Option<Duration>,
    max_iterations: Option<u64>,
    total: u64,
    calls: u32,
    timed_out: bool,
}

impl Clock {
    pub(super) fn new(limit: Option<Duration>, max_iterations: Option<u64>) -> Self {
        Self {
            started: Instant::now(),
            limit,
            max_iterations,
            total: 0,
            calls: 0,
            timed_out: false,
        }
    }

    /// True when a wall-clock limit is set.
    pub(super) fn has_time_limit(&self) -> bool {
        self.limit.is_some()
    }

    /// The move budget of one phase.
    pub(super) fn phase_budget(&self) -> u64 {
        self.max_iterations.unwrap_or(u64::MAX)
    }

    /// Counts `n` moves.
    pub(super) fn count(&mut self, n: u64) {
        self.total += n;
    }

    /// All moves counted.
    pub(super) fn total_iterations(&self) -> u64 {
        self.total
    }

    /// True once the share `fraction` of the time limit has passed (never without a limit).
    /// Reads the clock only every 64 calls, so call it often.
    pub(super) fn past(&mut self, fraction: f64) -> bool {
        if self.timed_out && fraction >= 1.0 {
            return true;
        }
        self.calls = self.calls.wrapping_add(1);
        if !self.calls.is_multiple_of(64) {
            return false;
        }
        self.past_now(fraction)
    }

    /// Like [`Clock::past`] but always reads the clock.
    pub(super) fn past_now(&mut self, fraction: f64) -> bool {
        let Some(limit) = self.limit else {
            return false;
        };
        let past = self.started.elapsed().as_secs_f64() >= fraction * limit.as_secs_f64();
        if past && fraction >= 1.0 {
            self.timed_out = true;
        }
        past
    }

    /// Share of the time limit spent (0 without a limit).
    pub(super) fn time_fraction(&self) -> f64 {
        match self.limit {
            Some(limit) if !limit.is_zero() => {
                (self.started.elapsed().as_secs_f64() / limit.as_secs_f64()).min(1.0)
            }
            _ => 0.0,
        }
    }
}
