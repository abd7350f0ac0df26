//! Store errors: the ones a user can cause apart from the internal ones.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("{kind} \"{id}\" does not exist")]
    NotFound {
        /// `organization`, `listing`, ...
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A record with this id exists already.
    #[error("{kind} \"{id}\" exists already")]
    IdTaken {
        /// `organization`, `listing`, ...
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// Someone else changed the record since it was read.
    #[error("{kind} \"{id}\" was changed by someone else (expected version {expected}, stored version {actual})")]
    VersionConflict {
        /// `organization`, `listing`, ...
        kind: &'static str,
        /// The id.
        id: String,
        /// The version the caller had.
        expected: i64,
        /// The version stored now.
        actual: i64,
    },
    /// A referenced record is missing (a listing's owner, a tie's party, a person's affiliation).
    #[error("{field}: {kind} \"{id}\" does not exist")]
    MissingReference {
        /// The referring field.
        field: &'static str,
        /// What kind of record was expected.
        kind: &'static str,
        /// The id referred to.
        id: String,
    },
    /// A write that the stored data, read in the same transaction, makes invalid (an order
    /// of meeting requests that would close a cycle, a table name the event has already).
    #[error("{field}: {problem}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A paging cursor that this store did not hand out.
    #[error("cursor \"{0}\" is not valid; pass the next_cursor of a previous page")]
    InvalidCursor(String),
    /// The database file is damaged or the schema is newer than this program.
    #[error("the database is not usable: {0}")]
    Corrupt(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// Any other PostgreSQL failure.
    #[error("database error: {0}")]
    Postgres(#[from] postgres::Error),
    /// A failure while migrating the schema.
    #[error("schema migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A stored value could not be read back.
    #[error("stored data could not be read: {0}")]
    Decode(String),
}
