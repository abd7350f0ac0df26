//! The use-case error type and its stable codes.
//!
//! The code is the contract with API clients (`{"error": {"code": ...}}`); the HTTP
//! crate alone decides which status each code gets.

use bridgehub_domain::FieldError;
use bridgehub_exchange::LineError;
use bridgehub_store::StoreError;

/// Stable, snake_case error codes. Never renamed; new ones may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A request body or parameter failed validation.
    ValidationFailed,
    /// A query parameter is invalid (unknown country, bad cursor, limit out of range).
    InvalidQuery,
    /// No such organization.
    OrganizationNotFound,
    /// No such listing.
    ListingNotFound,
    /// No such person.
    PersonNotFound,
    /// The id is taken.
    IdTaken,
    /// The record changed since the caller read it.
    VersionConflict,
    /// A referenced record (owner, party, affiliation) does not exist.
    ReferenceNotFound,
    /// An import was rejected; nothing was stored.
    ImportRejected,
    /// A file could not be read or written.
    Io,
    /// The configuration is invalid.
    InvalidConfig,
    /// Something failed inside the hub.
    Internal,
    /// No such record of another kind (event, introduction, user, meeting request, tie, ...).
    NotFound,
    /// The caller is not signed in (or the session ended).
    Unauthenticated,
    /// The caller is signed in but may not do this.
    Forbidden,
    /// Too many requests; retry later.
    RateLimited,
    /// The record is not in a state that allows this (e.g. accepting a withdrawn introduction).
    InvalidState,
}

impl ErrorCode {
    /// The wire form of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::OrganizationNotFound => "organization_not_found",
            ErrorCode::ListingNotFound => "listing_not_found",
            ErrorCode::PersonNotFound => "person_not_found",
            ErrorCode::IdTaken => "id_taken",
            ErrorCode::VersionConflict => "version_conflict",
            ErrorCode::ReferenceNotFound => "reference_not_found",
            ErrorCode::ImportRejected => "import_rejected",
            ErrorCode::Io => "io_error",
            ErrorCode::InvalidConfig => "invalid_config",
            ErrorCode::Internal => "internal",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::InvalidState => "invalid_state",
        }
    }
}

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks the rules; every problem is listed.
    #[error("{}", join_fields(.0))]
    Validation(Vec<FieldError>),
    /// A bad query parameter.
    #[error("{0}")]
    InvalidQuery(FieldError),
    /// The record asked for does not exist.
    #[error("{kind} \"{id}\" does not exist")]
    NotFound {
        /// `organization`, `listing` or `person`.
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// An import found bad records and stored nothing.
    #[error("import rejected: {bad_lines} bad line(s), nothing was stored")]
    ImportRejected {
        /// Lines with at least one problem.
        bad_lines: u64,
        /// Every problem, `file:line: field: problem`.
        errors: Vec<LineError>,
    },
    /// A file problem.
    #[error("{0}")]
    Io(String),
    /// A configuration problem.
    #[error("configuration: {0}")]
    Config(String),
    /// A store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The caller is not signed in, or the session ended.
    #[error("sign in first")]
    Unauthenticated,
    /// The caller may not do this; the message says why.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// Too many attempts.
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a retry may succeed.
        retry_after_secs: u64,
    },
    /// The record's state does not allow the action; the message says which state.
    #[error("{0}")]
    InvalidState(String),
}

fn join_fields(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl AppError {
    /// The stable code of the error.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Validation(_) => ErrorCode::ValidationFailed,
            AppError::InvalidQuery(_) => ErrorCode::InvalidQuery,
            AppError::NotFound { kind: "listing", .. } => ErrorCode::ListingNotFound,
            AppError::NotFound { kind: "person", .. } => ErrorCode::PersonNotFound,
            AppError::NotFound { kind: "organization", .. } => ErrorCode::OrganizationNotFound,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::Unauthenticated => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::InvalidState(_) => ErrorCode::InvalidState,
            AppError::ImportRejected { .. } => ErrorCode::ImportRejected,
            AppError::Io(_) => ErrorCode::Io,
            AppError::Config(_) => ErrorCode::InvalidConfig,
            AppError::Store(err) => match err {
                StoreError::NotFound { kind: "listing", .. } => ErrorCode::ListingNotFound,
                StoreError::NotFound { kind: "person", .. } => ErrorCode::PersonNotFound,
                StoreError::NotFound { kind: "organization", .. } => ErrorCode::OrganizationNotFound,
                StoreError::NotFound { .. } => ErrorCode::NotFound,
                StoreError::IdTaken { .. } => ErrorCode::IdTaken,
                StoreError::VersionConflict { .. } => ErrorCode::VersionConflict,
                StoreError::MissingReference { .. } => ErrorCode::ReferenceNotFound,
                StoreError::InvalidCursor(_) => ErrorCode::InvalidQuery,
                StoreError::Invalid { .. } => ErrorCode::ValidationFailed,
                _ => ErrorCode::Internal,
            },
        }
    }

    /// The field the error is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Validation(errors) => errors.first().map(|e| e.field.as_str()),
            AppError::InvalidQuery(err) => Some(err.field.as_str()),
            AppError::Store(StoreError::MissingReference { field, .. }) => Some(field),
            AppError::Store(StoreError::InvalidCursor(_)) => Some("cursor"),
            AppError::Store(StoreError::Invalid { field, .. }) => Some(field),
            AppError::Store(StoreError::VersionConflict { .. }) => Some("version"),
            AppError::Store(StoreError::IdTaken { .. }) => Some("id"),
            _ => None,
        }
    }

    /// True for failures inside the hub (as opposed to the caller's mistakes).
    pub fn is_internal(&self) -> bool {
        self.code() == ErrorCode::Internal
    }

    pub(crate) fn query(field: &str, problem: impl Into<bridgehub_domain::Problem>) -> Self {
        AppError::InvalidQuery(FieldError::new(field, problem))
    }
}

/// Shorthand for use-case results.
pub type AppResult<T> = Result<T, AppError>;
