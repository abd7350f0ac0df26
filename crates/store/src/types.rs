//! Plain data passed into and out of the store.

use bridgehub_domain::{CountryCode, Direction, Category, OrgKind, Sector, Listing, Organization, Person, Tie, Date};

/// A stored record with its bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// The record.
    pub record: T,
    /// Bumped by every change; pass it back to update without losing someone else's edit.
    pub version: i64,
    /// When the record was first stored (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

/// A page of results and the cursor to the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in id order.
    pub items: Vec<T>,
    /// Opaque cursor for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// What a tie's party is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartyKind {
    /// An organization.
    Organization,
    /// A person.
    Person,
}

impl PartyKind {
    /// Stable code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            PartyKind::Organization => "organization",
            PartyKind::Person => "person",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "organization" => Some(PartyKind::Organization),
            "person" => Some(PartyKind::Person),
            _ => None,
        }
    }
}

/// A tie with the kinds of both its parties resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedTie {
    /// The tie.
    pub tie: Tie,
    /// What `tie.from` is.
    pub from_kind: PartyKind,
    /// What `tie.to` is.
    pub to_kind: PartyKind,
}

/// Everything one import writes.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    /// Organizations, upserted by id.
    pub organizations: Vec<Organization>,
    /// People, upserted by id.
    pub people: Vec<Person>,
    /// Listings, upserted by id.
    pub listings: Vec<Listing>,
    /// Ties, upserted by id.
    pub ties: Vec<TypedTie>,
}

impl ImportBatch {
    /// Number of records in the batch.
    pub fn len(&self) -> usize {
        self.organizations.len() + self.people.len() + self.listings.len() + self.ties.len()
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What an import did to one record type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// New records.
    pub inserted: u64,
    /// Records that existed and changed.
    pub updated: u64,
    /// Records that existed with the same content.
    pub unchanged: u64,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Organizations.
    pub organizations: KindCounts,
    /// People.
    pub people: KindCounts,
    /// Listings.
    pub listings: KindCounts,
    /// Ties.
    pub ties: KindCounts,
}

/// How many records are stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Organizations.
    pub organizations: u64,
    /// People.
    pub people: u64,
    /// Listings (any status).
    pub listings: u64,
    /// Ties.
    pub ties: u64,
}

/// Filters and paging for organizations. Empty filters match everything.
#[derive(Debug, Clone, Default)]
pub struct OrgQuery {
    /// Organizations in any of these countries (a grouping is expanded to its members by the caller).
    pub countries: Option<Vec<CountryCode>>,
    /// Working in this sector.
    pub sector: Option<Sector>,
    /// Of this kind.
    pub kind: Option<OrgKind>,
    /// Working in this language (a primary tag matches its variants: `zh` matches `zh-Hant`).
    pub language: Option<String>,
    /// Free text in name, other names, city or description (substring, case-insensitive for ASCII).
    pub text: Option<String>,
    /// Only verified organizations.
    pub verified: Option<bool>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: u32,
}

/// Filters and paging for people.
#[derive(Debug, Clone, Default)]
pub struct PersonQuery {
    /// Affiliated with this organization.
    pub affiliation: Option<String>,
    /// Living in any of these countries.
    pub countries: Option<Vec<CountryCode>>,
    /// Working in this sector.
    pub sector: Option<Sector>,
    /// Working in this language.
    pub language: Option<String>,
    /// Free text in name, title, expertise or bio.
    pub text: Option<String>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: u32,
}

/// Filters and paging for listings.
#[derive(Debug, Clone, Default)]
pub struct ListingQuery {
    /// Posted by this organization.
    pub owner: Option<String>,
    /// Posted by organizations in any of these countries.
    pub countries: Option<Vec<CountryCode>>,
    /// In this sector.
    pub sector: Option<Sector>,
    /// Written in this language (a primary tag matches its variants).
    pub language: Option<String>,
    /// Offer or seek.
    pub direction: Option<Direction>,
    /// Category.
    pub category: Option<Category>,
    /// Free text in title or body.
    pub text: Option<String>,
    /// Only listings live on this day (active, not expired); `None` lists every listing.
    pub live_on: Option<Date>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: u32,
}

/// Filters and paging for ties.
#[derive(Debug, Clone, Default)]
pub struct TieQuery {
    /// Ties that have this party at either end.
    pub party: Option<String>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: u32,
}

/// One committed change, from the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Position in the log; strictly increasing in commit order.
    pub seq: i64,
    /// `organization`, `person`, `listing` or `tie`.
    pub entity: String,
    /// The record's id.
    pub id: String,
    /// `upsert` or `delete`.
    pub op: String,
    /// When it was committed (RFC 3339).
    pub at: String,
}

/// A background job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job id.
    pub id: i64,
    /// What to do (`schedule`, `reindex`, ...).
    pub kind: String,
    /// Parameters, JSON text.
    pub payload: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// The worker holding the lease.
    pub locked_by: Option<String>,
    /// When the lease ends (RFC 3339); another worker may take the job over after it.
    pub locked_until: Option<String>,
    /// How many times the job was claimed.
    pub attempts: i64,
    /// Result or error, JSON text or a message.
    pub result: Option<String>,
}
