//! Bridgehub's store: the [`Store`] trait every backend implements, and the SQLite
//! backend ([`SqliteStore`]), the embedded default.
//!
//! Invariants:
//! - Only this crate knows SQL. Callers speak in domain records and query structs.
//! - Every method that writes runs in one transaction and returns only after COMMIT.
//! - Backends differ only inside their module (`sqlite`; PostgreSQL comes next to it).

#![warn(missing_docs)]

mod accounts;
mod codec;
mod cursor;
mod error;
pub mod events;
pub mod postgres;
mod sqlite;
mod ties;
mod types;

pub use accounts::{
    AccountStore, ConsentRecord, IntroductionRecord, MembershipRecord, NewUser, RateWindow, SessionRecord, Swept, Transition,
    UserRecord,
};
pub use error::StoreError;
pub use events::{
    DayPart, Event, EventKind, EventRules, EventSession, EventSnapshot, EventStatus, EventStore, EventTable, Meeting,
    MeetingRequest, MeetingStatus, Placement, Priority, Registration, RegistrationStatus, RequestStatus, ScheduleDiff,
    ScheduleRun, Slot,
};
pub use postgres::{create_database, drop_database, PgStore};
pub use sqlite::SqliteStore;
pub use ties::{TieOutcome, OUTCOME_CODES};
pub use types::{
    Change, Counts, Job, ImportBatch, ImportCounts, KindCounts, ListingQuery, OrgQuery, Page, PartyKind,
    PersonQuery, TieQuery, TypedTie, Versioned,
};

use bridgehub_domain::{Listing, Organization, Person, Tie};

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What the hub keeps, behind one interface for every backend.
///
/// Methods are blocking; async callers run them on a blocking thread.
pub trait Store: AccountStore + EventStore + Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Writes a whole import in one transaction: upserts by id, all or nothing.
    /// `progress` is called with the number of records written so far.
    fn import(&self, batch: &ImportBatch, progress: &mut dyn FnMut(u64)) -> Result<ImportCounts>;

    /// Which of these ids exist, and as what (organization or person).
    fn party_kinds(&self, ids: &[&str]) -> Result<Vec<(String, PartyKind)>>;

    /// Which of these ids are stored listings.
    fn existing_listing_ids(&self, ids: &[&str]) -> Result<Vec<String>>;

    /// One organization.
    fn organization(&self, id: &str) -> Result<Option<Versioned<Organization>>>;
    /// Adds an organization; fails with [`StoreError::IdTaken`] if the id exists.
    fn insert_organization(&self, org: &Organization) -> Result<Versioned<Organization>>;
    /// Replaces an organization; with `expected_version`, fails with
    /// [`StoreError::VersionConflict`] when someone else changed it first.
    fn update_organization(&self, org: &Organization, expected_version: Option<i64>) -> Result<Versioned<Organization>>;
    /// Deletes an organization with its listings and ties; false when there was none.
    fn delete_organization(&self, id: &str) -> Result<bool>;
    /// A page of organizations.
    fn list_organizations(&self, query: &OrgQuery) -> Result<Page<Versioned<Organization>>>;

    /// One person.
    fn person(&self, id: &str) -> Result<Option<Versioned<Person>>>;
    /// A page of people.
    fn list_people(&self, query: &PersonQuery) -> Result<Page<Versioned<Person>>>;

    /// One listing.
    fn listing(&self, id: &str) -> Result<Option<Versioned<Listing>>>;
    /// Adds a listing; its owner must exist.
    fn insert_listing(&self, listing: &Listing) -> Result<Versioned<Listing>>;
    /// Replaces a listing (see `update_organization` for `expected_version`).
    fn update_listing(&self, listing: &Listing, expected_version: Option<i64>) -> Result<Versioned<Listing>>;
    /// Deletes a listing; false when there was none.
    fn delete_listing(&self, id: &str) -> Result<bool>;
    /// A page of listings.
    fn list_listings(&self, query: &ListingQuery) -> Result<Page<Versioned<Listing>>>;

    /// A page of ties.
    fn list_ties(&self, query: &TieQuery) -> Result<Page<Versioned<Tie>>>;

    /// How many records of each type are stored.
    fn counts(&self) -> Result<Counts>;

    /// Visits every stored record in export order (organizations, people, listings,
    /// ties; each by id) from one consistent snapshot.
    fn for_each_record(&self, visit: &mut dyn FnMut(ExportItem) -> Result<()>) -> Result<()>;

    /// The backend's consistency check; `Ok` carries its report (`ok` when healthy).
    fn integrity_check(&self) -> Result<String>;

    /// Committed changes after `after` (a `seq`), oldest first, at most `limit`.
    fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<Change>>;

    /// The `seq` of the newest committed change (0 when none).
    fn last_change(&self) -> Result<i64>;

    /// Queues a job; returns its id.
    fn enqueue_job(&self, kind: &str, payload: &str) -> Result<i64>;

    /// Claims the oldest job of one of `kinds` that is queued, or running with an expired
    /// lease (its worker died), for `lease_seconds`. At most one worker gets each claim.
    fn claim_job(&self, worker: &str, kinds: &[&str], lease_seconds: u32) -> Result<Option<Job>>;

    /// Extends the lease of a job this worker holds; false when it lost the job.
    fn renew_job(&self, id: i64, worker: &str, lease_seconds: u32) -> Result<bool>;

    /// Marks a job this worker holds done (`Ok(result)`) or failed (`Err(message)`);
    /// false when it lost the job.
    fn finish_job(&self, id: i64, worker: &str, outcome: std::result::Result<&str, &str>) -> Result<bool>;

    /// One job.
    fn job(&self, id: i64) -> Result<Option<Job>>;

    /// Stored embeddings of `model` for these listings: `(listing_id, text_hash, vector)`.
    fn embeddings(&self, model: &str, listing_ids: &[&str]) -> Result<Vec<StoredEmbedding>>;

    /// Stores embeddings (replacing older ones of the same listing and model) in one transaction.
    fn put_embeddings(&self, model: &str, embeddings: &[StoredEmbedding]) -> Result<()>;

    /// One tie.
    fn tie(&self, id: &str) -> Result<Option<Versioned<Tie>>>;

    /// Records (or replaces) one party's outcome of a tie, bumps the tie's version and logs
    /// a tie change, in one transaction; returns the tie and the outcome as stored.
    /// [`StoreError::NotFound`] without the tie, [`StoreError::MissingReference`] (field
    /// `party`) when the party is not one of its ends.
    fn record_tie_outcome(&self, outcome: &TieOutcome) -> Result<(Versioned<Tie>, TieOutcome)>;

    /// The recorded outcomes of these ties (`None`: of every tie), by tie and party.
    fn tie_outcomes(&self, tie_ids: Option<&[&str]>) -> Result<Vec<TieOutcome>>;
}

/// A listing's text embedding as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEmbedding {
    /// The listing.
    pub listing_id: String,
    /// Hash of the text that was embedded.
    pub text_hash: String,
    /// The vector.
    pub vector: Vec<f32>,
    /// The latent terms `(feature, weight)` computed with it, when the embedder had its
    /// sparse head.
    pub latent: Option<Vec<(u16, f32)>>,
}

pub(crate) fn vector_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub(crate) fn vector_from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Latent terms as stored: (u16 feature, f32 weight) pairs, little-endian.
pub(crate) fn latent_bytes(terms: &[(u16, f32)]) -> Vec<u8> {
    terms.iter().flat_map(|(f, w)| f.to_le_bytes().into_iter().chain(w.to_le_bytes())).collect()
}

pub(crate) fn latent_from_bytes(bytes: &[u8]) -> Vec<(u16, f32)> {
    bytes.chunks_exact(6).map(|c| (u16::from_le_bytes([c[0], c[1]]), f32::from_le_bytes([c[2], c[3], c[4], c[5]]))).collect()
}

/// One record handed out by [`Store::for_each_record`].
#[derive(Debug, Clone)]
pub enum ExportItem {
    /// An organization.
    Organization(Organization),
    /// A person.
    Person(Person),
    /// A listing.
    Listing(Listing),
    /// A tie.
    Tie(Tie),
}
