//! What the tie network can add to a match (issue #7): the thin-tie boost and warm
//! introductions. The engine asks a [`Network`] the caller supplies (the app's live tie
//! graph); without one, or with the boost at 0, matching is exactly as before.

use bridgehub_domain::CountryCode;

/// A broker who can introduce the two sides of a match.
#[derive(Debug, Clone, PartialEq)]
pub struct WarmIntro {
    /// The broker's id.
    pub broker_id: String,
    /// The broker's display name.
    pub broker_name: String,
    /// The path's score (product of the two hops' strengths), 0 to 1.
    pub score: f64,
}

/// The tie network as matching sees it.
pub trait Network: Send + Sync {
    /// Observed/expected ties between the UN M49 sub-regions of two countries (the
    /// thin-tie map by region); `None` when the map has no cell for the pair or the cell
    /// is too small to judge.
    fn region_ratio(&self, a: CountryCode, b: CountryCode) -> Option<f64>;

    /// The best broker X with ties `a – X – b` the public may see, if any.
    fn warm_introduction(&self, a: &str, b: &str) -> Option<WarmIntro>;
}
