//! Bridgehub exchange format v1 (`docs/exchange-format.md`): JSON Lines with one record per
//! line, `"type"` ∈ organization, person, listing, tie; and CSV files of one record type.
//!
//! Reading checks every field and reports every problem as `file:line: field: problem`;
//! writing produces files that read back to the same records. No database here: the
//! caller decides what to do with the records (see `bridgehub-app`).

#![warn(missing_docs)]

mod csv_format;
mod jsonl;
pub mod parse;
mod records;

pub use csv_format::{
    parse_mapping, read_csv, write_listings_csv, write_organizations_csv, write_people_csv,
    write_ties_csv, CSV_TYPES,
};
pub use jsonl::{read_jsonl, write_jsonl, LineError, ReadReport, SourcedRecord};
pub use parse::{ParseOutcome, Parsed};
pub use csv::Error as CsvError;
pub use records::{ContactRecord, ListingRecord, OrganizationRecord, PersonRecord, Record, TieRecord};
