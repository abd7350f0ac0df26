//! Bridgehub's domain model: the records the hub keeps (organizations, people,
//! listings, ties), the closed vocabularies they use (kinds, sectors, categories),
//! the reference data they point into (countries, UN M49 regions, groupings,
//! languages) and the validation rules that every way into the hub shares.
//!
//! Invariant: this crate does no IO. Reference data is compiled in from
//! `data/` (see `data/SOURCES.md` for where each file comes from).

#![warn(missing_docs)]

mod error;
mod ids;
mod model;
pub mod text;
pub mod reference;
mod vocab;

pub use error::{FieldError, Problem, Problems};
pub use ids::{EntityId, MAX_ID_LEN};
pub use model::{
    fnv1a, Contact, Listing, ListingStatus, Organization, Person, Tie, TieEndpoint, MAX_BODY_LEN,
    MAX_NAME_LEN, MAX_TEXT_LEN,
};
pub use reference::{CountryCode, GroupCode, LangTag};
pub use vocab::{Category, Direction, OrgKind, Sector, TieKind};

/// A calendar date without time zone (ISO 8601 `YYYY-MM-DD`).
pub type Date = jiff::civil::Date;

/// Parses an ISO 8601 calendar date, `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, Problem> {
    let trimmed = text.trim();
    if trimmed.len() != 10 {
        return Err(Problem::coded("not-a-date", &[("value", trimmed)], format!("\"{trimmed}\" is not a date of the form YYYY-MM-DD")));
    }
    trimmed.parse::<Date>().map_err(|_| {
        Problem::coded("not-a-date", &[("value", trimmed)], format!("\"{trimmed}\" is not a valid date of the form YYYY-MM-DD"))
    })
}
