//! The hard rules: a counterpart that breaks one is never shown.

use bridgehub_domain::{CountryCode, Date, Listing};

/// Why a pair of listings cannot match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Both offer or both seek.
    SameDirection,
    /// The candidate is withdrawn or past its expiry.
    NotLive,
    /// Both belong to the same organization.
    SameOwner,
    /// The query's targets exclude the candidate's country.
    ExcludedBySeeker,
    /// The candidate's targets exclude the query owner's country.
    ExcludesSeeker,
}

/// Checks every hard rule for `query` (owned in `query_country`) against `candidate`
/// (owned in `candidate_country`). With `relax`, the two target rules are lifted.
pub fn check(
    query: &Listing,
    query_country: CountryCode,
    candidate: &Listing,
    candidate_country: CountryCode,
    today: Date,
    relax: bool,
) -> Result<(), Refusal> {
    if query.direction == candidate.direction {
        return Err(Refusal::SameDirection);
    }
    if !candidate.is_live(today) {
        return Err(Refusal::NotLive);
    }
    if query.owner == candidate.owner {
        return Err(Refusal::SameOwner);
    }
    if !relax {
        if !query.accepts_country(candidate_country) {
            return Err(Refusal::ExcludedBySeeker);
        }
        if !candidate.accepts_country(query_country) {
            return Err(Refusal::ExcludesSeeker);
        }
    }
    Ok(())
}
