//! Progress reporting for long work (imports, demo builds, exports), drawn by the caller.

/// Receives progress of a long task. Implementations must be cheap: calls come often.
pub trait Progress {
    /// A new phase starts; `total` is the amount of work when known (bytes or records).
    fn phase(&self, name: &str, total: Option<u64>);
    /// Work done so far in the current phase.
    fn position(&self, done: u64);
    /// The current phase is over.
    fn finish(&self) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _name: &str, _total: Option<u64>) {}
    fn position(&self, _done: u64) {}
}
