//! Bridgehub's use cases. Each public method of [`Hub`] is one use case: it checks its
//! input, runs in one store transaction where it writes, and returns domain records or
//! an [`AppError`] with a stable [`ErrorCode`]. The HTTP API and the CLI both call these
//! and nothing below them, so they behave the same.
//!
//! Invariant: no HTTP and no CLI types here; no SQL either (that is the store's).

#![warn(missing_docs)]

mod accounts;
mod actor;
mod analytics;
mod bench;
mod changes;
mod config;
mod demo;
mod directory;
mod embedding;
mod calendar;
mod event_jobs;
mod events;
mod error;
mod export;
mod import;
mod matching;
mod migrate;
mod progress;

use std::sync::Arc;

use bridgehub_store::{PgStore, SqliteStore, Store};

pub use accounts::{
    AccountPolicy, IntroDirection, IntroductionRequest, IntroductionStatus, IntroductionView, LoggedIn, NewOrganization,
    random_hex, SessionUser, SignUp, TotpSetup, UserSummary, MIN_PASSWORD_CHARS,
};
pub use actor::Actor;
pub use bridgehub_domain::Contact;
pub use analytics::{
    Bridge, Broker, BrokerReport, Conflict, ConflictKind, ConflictsReport, Evidence, Hop, HopTie, IntroPath,
    PathsReport, ThinBy, ThinCell, ThinModel, ThinTieMap, ThinVerdict, TieData, TieGraph, EXACT_BROKER_BUDGET,
};
pub use analytics::{
    tie_visible, AgreedOutcome, AnalyticsSettings, OutcomeInput, OutcomeRecord, TieNetwork, TieOutcomeKind,
    TieOutcomeReport, HALF_LIFE_ENV, THIN_TIE_BOOST_ENV,
};
pub use bench::{generate_records, match_bench, percentile, vector_bench, GeneratedCounts, MatchBenchOptions, VectorBenchOptions};
pub use bridgehub_store::Change;
pub use changes::{ChangeFollower, ChangeListener};
pub use config::{AccountsConfig, Config};
pub use demo::{DemoOptions, DemoReport};
pub use embedding::{load_embedder, MODEL_ID};
pub use directory::{ListingFilter, OrgFilter, PersonFilter, TieFilter, DEFAULT_LIMIT, MAX_LIMIT};
pub use error::{AppError, AppResult, ErrorCode};
pub use calendar::{Agenda, AgendaItem, SlotAvailability, ZonedTime};
pub use event_jobs::{ScheduleJob, ScheduleMode, ScheduleOptions, ScheduleSummary, SCHEDULE_JOB};
pub use events::{
    priority_weight, EventDetails, EventInput, EventSetup, MeetingRequestImport, MeetingRequestInput, RequestPair, RegistrationInput, RequestAnswer, RequestOrderInput, SessionTemplate, EventPlan, EventView,
    SlotInput, TableInput, MAX_EVENT_SLOTS,
};
pub use bridgehub_store::{
    DayPart, Event, EventKind, EventRules, EventSession, EventStatus, EventTable, Meeting, MeetingRequest, MeetingStatus,
    Priority, Registration, RegistrationStatus, RequestStatus, ScheduleDiff, Slot,
};
pub use bridgehub_matching::{Match, Mode as MatchMode, Reason as MatchReason, Signal as MatchSignal};
pub use import::{ImportOptions, ImportReport, ImportSource, InputFormat};
pub use matching::{embedding_text, evaluate_matching, EvalFigures, EvalReport, Matcher, EMBEDDING_DIM};
pub use migrate::MigrateReport;
pub use progress::{NoProgress, Progress};

/// Whether `db` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Creates an empty PostgreSQL database `name` on the server of `admin_url` (benchmarks).
pub fn create_scratch_database(admin_url: &str, name: &str) -> AppResult<String> {
    Ok(bridgehub_store::create_database(admin_url, name)?)
}

/// Drops a database made by [`create_scratch_database`].
pub fn drop_scratch_database(admin_url: &str, name: &str) -> AppResult<()> {
    Ok(bridgehub_store::drop_database(admin_url, name)?)
}

/// Today's date in UTC, the day listings expire against.
pub fn today() -> bridgehub_domain::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// Turns texts into L2-normalised vectors (the multilingual sentence model).
pub trait TextEmbedder: Send + Sync {
    /// Identifies the model and its version; stored with every vector.
    fn model_id(&self) -> &str;
    /// Vector dimension.
    fn dim(&self) -> usize;
    /// Embeds a batch of texts.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String>;
    /// Whether [`TextEmbedder::embed_with_latent`] gives latent terms.
    fn has_latent(&self) -> bool {
        false
    }
    /// Embeds a batch of texts with their latent terms (`(feature, weight)`, strongest
    /// first), when the model has a sparse head; without one, the vectors alone.
    fn embed_with_latent(&self, texts: &[&str]) -> Result<Vec<TextVectors>, String> {
        Ok(self.embed(texts)?.into_iter().map(|vector| TextVectors { vector, latent: None }).collect())
    }
}

/// A text's sentence vector and, when the model has a sparse head, its latent terms.
#[derive(Debug, Clone, PartialEq)]
pub struct TextVectors {
    /// L2-normalised sentence vector.
    pub vector: Vec<f32>,
    /// Latent terms `(feature, weight)`, strongest first.
    pub latent: Option<Vec<(u16, f32)>>,
}

/// The hub: the store plus the use cases over it. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    store: Arc<dyn Store>,
    embedder: Option<Arc<dyn TextEmbedder>>,
    policy: accounts::AccountPolicy,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("backend", &self.store.backend()).finish()
    }
}

impl Hub {
    /// Opens the database named by `db`: a `postgres://` (or `postgresql://`) URL, or
    /// else a SQLite file path.
    pub fn open(db: &str) -> AppResult<Hub> {
        let store: Arc<dyn Store> = if is_postgres_url(db) {
            Arc::new(PgStore::open(db)?)
        } else {
            Arc::new(SqliteStore::open(db)?)
        };
        Ok(Hub { store, embedder: None, policy: accounts::AccountPolicy::default() })
    }

    /// The same hub with a text embedder: matching then uses semantic similarity.
    pub fn with_embedder(mut self, embedder: Arc<dyn TextEmbedder>) -> Hub {
        self.embedder = Some(embedder);
        self
    }

    /// Whether a text embedder is loaded.
    pub fn has_embedder(&self) -> bool {
        self.embedder.is_some()
    }

    /// A hub over an already opened store.
    pub fn with_store(store: Arc<dyn Store>) -> Hub {
        Hub { store, embedder: None, policy: accounts::AccountPolicy::default() }
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The store's consistency check (`ok` when healthy).
    pub fn integrity_check(&self) -> AppResult<String> {
        Ok(self.store.integrity_check()?)
    }
}
