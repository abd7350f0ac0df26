//! Network analytics use cases over the tie graph: the thin-tie map, introduction paths,
//! brokers, conflicts of interest and tie outcomes.
//!
//! Two ways in:
//! - [`Hub`] methods build the graph engine ([`bridgehub_graph::TieGraph`]) from one
//!   snapshot of the store per call (the CLI);
//! - a serving node keeps one [`TieNetwork`]: built at start, kept current from the
//!   change log ([`ChangeListener`]), so API queries never re-read the store. It also
//!   gives matching its thin-tie boost and warm introductions ([`bridgehub_matching::Network`]).
//!
//! Strengths are as of today (UTC); the half-life and the thin-tie boost are configurable
//! ([`AnalyticsSettings`]). `docs/analytics.md` documents every model and default.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bridgehub_domain::{CountryCode, Date, EntityId, FieldError};
use bridgehub_graph::brokers::{BrokerParams, brokers};
use bridgehub_graph::coi::{CoiRules, conflicts};
use bridgehub_graph::paths::{PathQuery, best_paths};
use bridgehub_graph::thin::{ThinParams, thin_tie_map};
use bridgehub_graph::{GraphError, NodeIdx, NodeInput, NodeKind, StrengthParams};
use bridgehub_matching::{Network, WarmIntro};
use bridgehub_store::{Change, ExportItem, TieOutcome as StoredOutcome};
use serde::Serialize;

// The result types, so the HTTP API and the CLI can name them without the engine crate.
pub use bridgehub_graph::TieData;
pub use bridgehub_graph::TieGraph;
pub use bridgehub_graph::brokers::{Bridge, Broker, BrokerReport};
pub use bridgehub_graph::coi::{Conflict, ConflictKind, Evidence};
pub use bridgehub_graph::paths::{Hop, HopTie, IntroPath};
pub use bridgehub_graph::thin::{
    By as ThinBy, Cell as ThinCell, Expectation as ThinModel, ThinTieMap, Verdict as ThinVerdict,
};
pub use bridgehub_graph::{Outcome as TieOutcomeKind, TieOutcome as AgreedOutcome};

use crate::{Actor, AppError, AppResult, ChangeListener, Hub, Progress};

/// Work budget of exact betweenness, in source × (nodes + pairs) steps; past it the
/// brokers use sampled sources (see `docs/analytics.md`).
pub const EXACT_BROKER_BUDGET: f64 = 2e8;

/// Environment variable: tie half-life in days (default 1,095.75, three years).
pub const HALF_LIFE_ENV: &str = "BRIDGEHUB_TIE_HALF_LIFE_DAYS";
/// Environment variable: weight of the matching thin-tie boost (default 0, off).
pub const THIN_TIE_BOOST_ENV: &str = "BRIDGEHUB_THIN_TIE_BOOST";

/// The configurable parts of the analytics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalyticsSettings {
    /// Half-life of a tie's strength, in days.
    pub half_life_days: f64,
    /// Weight of the thin-tie boost in matching (0: off), 0 to 1.
    pub thin_tie_boost: f64,
}

impl Default for AnalyticsSettings {
    fn default() -> Self {
        AnalyticsSettings {
            half_life_days: bridgehub_graph::strength::DEFAULT_HALF_LIFE_DAYS,
            thin_tie_boost: 0.0,
        }
    }
}

impl AnalyticsSettings {
    /// The defaults overridden by [`HALF_LIFE_ENV`] and [`THIN_TIE_BOOST_ENV`].
    pub fn from_env() -> AppResult<AnalyticsSettings> {
        let mut settings = AnalyticsSettings::default();
        let read =
            |name: &str| -> AppResult<Option<f64>> {
                match std::env::var(name) {
                    Ok(text) => text.trim().parse::<f64>().map(Some).map_err(|_| {
                        AppError::Config(format!("{name}: \"{text}\" is not a number"))
                    }),
                    Err(_) => Ok(None),
                }
            };
        if let Some(days) = read(HALF_LIFE_ENV)? {
            settings.half_life_days = days;
        }
        if let Some(boost) = read(THIN_TIE_BOOST_ENV)? {
            settings.thin_tie_boost = boost;
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Checks the ranges.
    pub fn validate(&self) -> AppResult<()> {
        if !(self.half_life_days.is_finite() && self.half_life_days > 0.0) {
            return Err(AppError::Config(format!(
                "tie half-life {} is not a positive number of days",
                self.half_life_days
            )));
        }
        if !(0.0..=1.0).contains(&self.thin_tie_boost) {
            return Err(AppError::Config(format!(
                "thin-tie boost {} is not between 0 and 1",
                self.thin_tie_boost
            )));
        }
        Ok(())
    }

    /// Strength parameters as of `today`.
    pub fn strength_params(&self, today: Date) -> StrengthParams {
        StrengthParams {
            half_life_days: self.half_life_days,
            ..StrengthParams::new(today)
        }
    }
}

/// Introduction paths, best first: `{"paths": [{"nodes": [...], "score": F}]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathsReport {
    /// The paths.
    pub paths: Vec<IntroPath>,
}

/// Conflicts of interest: `{"conflicts": [{"neutral", "party", "kind", "path", "evidence"}]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictsReport {
    /// Look-back window used, in years.
    pub years: u32,
    /// The day the window ends.
    pub today: String,
    /// Every conflict, by neutral and party.
    pub conflicts: Vec<Conflict>,
}

/// What a party says came of a tie (the use case's input).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutcomeInput {
    /// The recording party (one of the tie's ends); may be left out when the actor acts
    /// for exactly one of them.
    pub party: Option<String>,
    /// `no_follow_up`, `follow_up`, `mou` or `deal`.
    pub outcome: String,
    /// A deal's value (deals only; not negative).
    pub value: Option<f64>,
    /// The value's currency, ISO 4217 (`EUR`); required with a value.
    pub currency: Option<String>,
    /// A note (at most 2,000 characters).
    pub note: Option<String>,
    /// The day it happened (`YYYY-MM-DD`, default today; not before the tie, not in the future).
    pub date: Option<String>,
}

/// One party's recorded outcome, as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeRecord {
    /// The recording party.
    pub party: String,
    /// The outcome code.
    pub outcome: String,
    /// A deal's value.
    pub value: Option<f64>,
    /// Its currency.
    pub currency: Option<String>,
    /// The note.
    pub note: Option<String>,
    /// The day it happened.
    pub date: String,
    /// When it was recorded.
    pub recorded_at: String,
}

/// A tie's outcomes after a record: what each party said, what the tie counts with and
/// the tie's strength now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TieOutcomeReport {
    /// The tie.
    pub tie: String,
    /// The tie's version after the write.
    pub version: i64,
    /// The outcome the tie counts with (the weaker when both parties recorded one).
    pub outcome: Option<&'static str>,
    /// The tie's own strength now (kind, recency and outcome), 0 to 1.
    pub strength: f64,
    /// Every party's record.
    pub records: Vec<OutcomeRecord>,
}

impl From<GraphError> for AppError {
    fn from(err: GraphError) -> Self {
        match err {
            GraphError::UnknownNode(id) => AppError::NotFound {
                kind: "organization",
                id,
            },
            GraphError::InvalidParameter { field, problem } => AppError::query(field, problem),
            GraphError::SelfTie { id, party } => {
                AppError::query("tie", format!("tie \"{id}\" joins \"{party}\" to itself"))
            }
        }
    }
}

/// The outcome a tie counts with, from its stored records (unreadable records are skipped).
fn agreed(records: &[&StoredOutcome]) -> Option<AgreedOutcome> {
    AgreedOutcome::agreed(records.iter().filter_map(|r| {
        Some(AgreedOutcome {
            outcome: TieOutcomeKind::parse(&r.outcome)?,
            date: bridgehub_domain::parse_date(&r.recorded_on).ok()?,
        })
    }))
}

fn outcomes_by_tie(outcomes: &[StoredOutcome]) -> HashMap<&str, Vec<&StoredOutcome>> {
    let mut by_tie: HashMap<&str, Vec<&StoredOutcome>> = HashMap::new();
    for outcome in outcomes {
        by_tie
            .entry(outcome.tie_id.as_str())
            .or_default()
            .push(outcome);
    }
    by_tie
}

/// Whether a node is a known organization.
fn is_organization(graph: &TieGraph, id: &str) -> bool {
    graph.node(id).is_some_and(|n| {
        graph.node_kind(n) == NodeKind::Organization && graph.node_country(n).is_some()
    })
}

/// Tie visibility: which ties a viewer may see and route introductions through.
///
/// - everyone: ties between two organizations (the directory is public);
/// - a signed-in user: also every tie touching an organization they act for;
/// - an administrator: every tie.
///
/// Ties with a person at an end (affiliations, meetings of people) are otherwise hidden.
pub fn tie_visible(graph: &TieGraph, viewer: Option<&Actor>, tie: &TieData) -> bool {
    ends_visible(viewer, tie.from.as_str(), tie.to.as_str(), |id| {
        Ok::<_, std::convert::Infallible>(is_organization(graph, id))
    })
    .unwrap_or_else(|never| match never {})
}

/// The rule of [`tie_visible`] for a tie's two ends; `is_organization` says whether an
/// end is an organization (from the graph, or from the store for the tie list).
pub(crate) fn ends_visible<E>(
    viewer: Option<&Actor>,
    from: &str,
    to: &str,
    mut is_organization: impl FnMut(&str) -> Result<bool, E>,
) -> Result<bool, E> {
    if viewer.is_some_and(|a| a.is_admin || a.acts_for(from) || a.acts_for(to)) {
        return Ok(true);
    }
    Ok(is_organization(from)? && is_organization(to)?)
}

fn node(graph: &TieGraph, field: &'static str, id: &str) -> AppResult<NodeIdx> {
    if EntityId::parse(id).is_err() {
        return Err(AppError::query(
            field,
            format!("\"{id}\" is not a valid id"),
        ));
    }
    graph.node(id).ok_or_else(|| AppError::NotFound {
        kind: "organization",
        id: id.to_owned(),
    })
}

/// The thin-tie map of a graph.
pub(crate) fn thin_map(graph: &TieGraph, by: ThinBy, model: ThinModel) -> AppResult<ThinTieMap> {
    Ok(thin_tie_map(
        graph,
        &ThinParams {
            expectation: model,
            ..ThinParams::new(by)
        },
    )?)
}

/// The best introduction paths in a graph through the ties `visible` allows.
pub(crate) fn paths_in(
    graph: &TieGraph,
    from: &str,
    to: &str,
    max_hops: usize,
    limit: usize,
    visible: Option<&dyn Fn(&TieData) -> bool>,
) -> AppResult<PathsReport> {
    if !(1..=3).contains(&max_hops) {
        return Err(AppError::query(
            "max_hops",
            format!("{max_hops} is not between 1 and 3"),
        ));
    }
    if !(1..=100).contains(&limit) {
        return Err(AppError::query(
            "limit",
            format!("{limit} is not between 1 and 100"),
        ));
    }
    let query = PathQuery {
        from: node(graph, "from", from)?,
        to: node(graph, "to", to)?,
        max_hops,
        limit,
    };
    Ok(PathsReport {
        paths: best_paths(graph, query, visible)?,
    })
}

/// Conflicts of interest in a graph, as of `today`.
pub(crate) fn conflicts_in(
    graph: &TieGraph,
    today: Date,
    neutrals: &[String],
    parties: &[String],
    years: u32,
) -> AppResult<ConflictsReport> {
    if neutrals.is_empty() || parties.is_empty() {
        return Err(AppError::query(
            "neutrals",
            "give at least one neutral and one party",
        ));
    }
    if neutrals.len() > 1_000 || parties.len() > 10_000 {
        return Err(AppError::query(
            "parties",
            "at most 1,000 neutrals and 10,000 parties",
        ));
    }
    if years > 100 {
        return Err(AppError::query(
            "years",
            format!("{years} is more than 100"),
        ));
    }
    let neutral_nodes = neutrals
        .iter()
        .map(|id| node(graph, "neutrals", id))
        .collect::<AppResult<Vec<_>>>()?;
    let party_nodes = parties
        .iter()
        .map(|id| node(graph, "parties", id))
        .collect::<AppResult<Vec<_>>>()?;
    let rules = CoiRules {
        years,
        ..CoiRules::new(today)
    };
    Ok(ConflictsReport {
        years,
        today: today.to_string(),
        conflicts: conflicts(graph, &neutral_nodes, &party_nodes, &rules)?,
    })
}

/// The top brokers of a graph, overall or between two UN M49 regions (see [`Hub::brokers`]).
pub(crate) fn brokers_in(
    graph: &TieGraph,
    between: Option<(&str, &str)>,
    top: usize,
    samples: Option<usize>,
) -> AppResult<BrokerReport> {
    if samples == Some(0) {
        return Err(AppError::query("samples", "must be at least 1"));
    }
    let work_per_source = (graph.node_count() + graph.pair_count()).max(1) as f64;
    let sources = match between {
        None => graph.node_count(),
        Some((a, b)) => {
            let count = |code: &str| {
                graph
                    .nodes()
                    .filter(|n| {
                        bridgehub_graph::brokers::node_region(graph, *n).is_some_and(|r| r == code)
                    })
                    .count()
            };
            if a == b {
                count(a)
            } else {
                count(a).min(count(b))
            }
        }
    };
    let affordable = (EXACT_BROKER_BUDGET / work_per_source).floor().max(32.0) as usize;
    let samples = samples.or((sources > affordable).then_some(affordable));
    let params = BrokerParams {
        top: top.clamp(1, 1000),
        samples,
        ..BrokerParams::default()
    };
    Ok(brokers(graph, between, &params)?)
}

impl Hub {
    /// Builds the tie graph from every stored organization, person, tie and tie outcome,
    /// with strengths as of `today` under the settings of the environment.
    /// Self-ties are skipped (they say nothing about the network).
    pub fn tie_graph(&self, today: Date) -> AppResult<TieGraph> {
        let settings = AnalyticsSettings::from_env()?;
        self.tie_graph_with(&settings, today, &mut |_| {})
            .map(|(graph, _)| graph)
    }

    /// [`Hub::tie_graph`] with explicit settings; `seen` is told each record read. Also
    /// returns every node's display name.
    fn tie_graph_with(
        &self,
        settings: &AnalyticsSettings,
        today: Date,
        seen: &mut dyn FnMut(u64),
    ) -> AppResult<(TieGraph, HashMap<String, String>)> {
        let mut graph = TieGraph::new(settings.strength_params(today))?;
        let outcomes = self.store.tie_outcomes(None)?;
        let by_tie = outcomes_by_tie(&outcomes);
        let mut names: HashMap<String, String> = HashMap::new();
        let mut skipped = 0u64;
        let mut read = 0u64;
        self.store.for_each_record(&mut |item| {
            match item {
                ExportItem::Organization(org) => {
                    names.insert(org.id.to_string(), org.name.clone());
                    graph.upsert_node(NodeInput::from(&org));
                }
                ExportItem::Person(person) => {
                    names.insert(person.id.to_string(), person.name.clone());
                    graph.upsert_node(NodeInput::from(&person));
                }
                ExportItem::Tie(tie) => {
                    let outcome = by_tie.get(tie.id.as_str()).and_then(|r| agreed(r));
                    if graph.upsert_tie_with(tie, outcome).is_err() {
                        skipped += 1;
                    }
                }
                ExportItem::Listing(_) => {}
            }
            read += 1;
            if read.is_multiple_of(4096) {
                seen(read);
            }
            Ok(())
        })?;
        tracing::debug!(
            nodes = graph.node_count(),
            ties = graph.tie_count(),
            skipped,
            "tie graph built"
        );
        Ok((graph, names))
    }

    /// The thin-tie map by region, grouping, sector or organization kind, against the
    /// default expectation (proportional to organization pairs).
    pub fn thin_ties(&self, by: ThinBy) -> AppResult<ThinTieMap> {
        self.thin_ties_model(by, ThinModel::Uniform)
    }

    /// The thin-tie map against a chosen expectation model.
    pub fn thin_ties_model(&self, by: ThinBy, model: ThinModel) -> AppResult<ThinTieMap> {
        thin_map(&self.tie_graph(crate::today())?, by, model)
    }

    /// The best introduction paths of at most `max_hops` (1 to 3) hops, through every stored tie.
    pub fn paths(
        &self,
        from: &str,
        to: &str,
        max_hops: usize,
        limit: usize,
    ) -> AppResult<PathsReport> {
        self.paths_visible(from, to, max_hops, limit, None)
    }

    /// The best introduction paths through only the ties `visible` allows (the ties the
    /// asking user may see).
    pub fn paths_visible(
        &self,
        from: &str,
        to: &str,
        max_hops: usize,
        limit: usize,
        visible: Option<&dyn Fn(&TieData) -> bool>,
    ) -> AppResult<PathsReport> {
        let graph = self.tie_graph(crate::today())?;
        paths_in(&graph, from, to, max_hops, limit, visible)
    }

    /// Conflicts of interest between neutrals and parties, looking back `years` years.
    pub fn conflicts(
        &self,
        neutrals: &[String],
        parties: &[String],
        years: u32,
    ) -> AppResult<ConflictsReport> {
        let today = crate::today();
        conflicts_in(&self.tie_graph(today)?, today, neutrals, parties, years)
    }

    /// The top brokers, overall or between two UN M49 regions. With `samples`, betweenness
    /// is estimated from that many seeded random sources; without, it is exact while it fits
    /// [`EXACT_BROKER_BUDGET`] and sampled past it.
    pub fn brokers(
        &self,
        between: Option<(&str, &str)>,
        top: usize,
        samples: Option<usize>,
    ) -> AppResult<BrokerReport> {
        brokers_in(&self.tie_graph(crate::today())?, between, top, samples)
    }

    /// Records what came of a tie (a meeting, an introduction) for one of its parties,
    /// which the actor must act for (a person party: through its organization). Replaces
    /// that party's earlier record; the tie's strength follows (see `docs/analytics.md`).
    pub fn record_tie_outcome(
        &self,
        actor: &Actor,
        tie_id: &str,
        input: &OutcomeInput,
    ) -> AppResult<TieOutcomeReport> {
        let settings = AnalyticsSettings::from_env()?;
        self.record_tie_outcome_with(&settings, actor, tie_id, input)
    }

    fn record_tie_outcome_with(
        &self,
        settings: &AnalyticsSettings,
        actor: &Actor,
        tie_id: &str,
        input: &OutcomeInput,
    ) -> AppResult<TieOutcomeReport> {
        let tie = self
            .store
            .tie(tie_id)?
            .ok_or_else(|| AppError::NotFound {
                kind: "tie",
                id: tie_id.to_owned(),
            })?
            .record;
        // Who may record: the ends the actor acts for, directly or through a person's organization.
        let mut allowed: Vec<String> = Vec::new();
        for end in [&tie.from, &tie.to] {
            let via_affiliation = || -> AppResult<bool> {
                Ok(self
                    .store
                    .person(end.as_str())?
                    .and_then(|p| p.record.affiliation)
                    .is_some_and(|org| actor.acts_for(org.as_str())))
            };
            if actor.acts_for(end.as_str()) || via_affiliation()? {
                allowed.push(end.to_string());
            }
        }
        if allowed.is_empty() {
            return Err(AppError::Forbidden(
                "only a party of the tie can record its outcome".into(),
            ));
        }
        let party = match &input.party {
            Some(party) if *party == tie.from.as_str() || *party == tie.to.as_str() => {
                if !allowed.contains(party) {
                    return Err(AppError::Forbidden(format!(
                        "you do not act for \"{party}\""
                    )));
                }
                party.clone()
            }
            Some(party) => {
                return Err(AppError::Validation(vec![FieldError::new(
                    "party",
                    format!("\"{party}\" is not a party of tie \"{tie_id}\""),
                )]));
            }
            None if allowed.len() == 1 => allowed[0].clone(),
            None => {
                return Err(AppError::Validation(vec![FieldError::new(
                    "party",
                    "you act for both parties: name the one recording",
                )]));
            }
        };
        let today = crate::today();
        let (outcome, date) = validate_outcome(input, tie.date, today)?;
        let stored = StoredOutcome {
            tie_id: tie.id.to_string(),
            party,
            outcome: outcome.code().to_owned(),
            value: input.value,
            currency: input.currency.as_ref().map(|c| c.trim().to_owned()),
            note: input
                .note
                .as_ref()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
            recorded_by: Some(actor.user_id.clone()),
            recorded_on: date.to_string(),
            recorded_at: String::new(),
        };
        let (tie, _) = self.store.record_tie_outcome(&stored)?;
        let records = self.store.tie_outcomes(Some(&[tie.record.id.as_str()]))?;
        let refs: Vec<&StoredOutcome> = records.iter().collect();
        let counted = agreed(&refs);
        let strength = settings.strength_params(today).tie_strength_with(
            tie.record.kind,
            Some(tie.record.date),
            counted,
        );
        tracing::info!(outcome = outcome.code(), "tie outcome recorded");
        Ok(TieOutcomeReport {
            tie: tie.record.id.to_string(),
            version: tie.version,
            outcome: counted.map(|o| o.outcome.code()),
            strength,
            records: records
                .into_iter()
                .map(|r| OutcomeRecord {
                    party: r.party,
                    outcome: r.outcome,
                    value: r.value,
                    currency: r.currency,
                    note: r.note,
                    date: r.recorded_on,
                    recorded_at: r.recorded_at,
                })
                .collect(),
        })
    }

    /// Builds this node's live tie network (with progress) under `settings`; subscribe it
    /// to the change log to keep it current.
    pub fn build_tie_network(
        &self,
        settings: AnalyticsSettings,
        progress: &dyn Progress,
    ) -> AppResult<Arc<TieNetwork>> {
        settings.validate()?;
        let counts = self.store.counts()?;
        let total = counts.organizations + counts.people + counts.listings + counts.ties;
        progress.phase("building the tie graph", Some(total));
        let (graph, names) =
            self.tie_graph_with(&settings, crate::today(), &mut |n| progress.position(n))?;
        progress.finish();
        Ok(Arc::new(TieNetwork {
            hub: self.clone(),
            settings,
            graph: RwLock::new(graph),
            names: RwLock::new(names),
            region_ratios: Mutex::new(None),
            brokers: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            refreshing: Mutex::new(()),
        }))
    }
}

fn validate_outcome(
    input: &OutcomeInput,
    tie_date: Date,
    today: Date,
) -> AppResult<(TieOutcomeKind, Date)> {
    let mut errors = Vec::new();
    let outcome = TieOutcomeKind::parse(input.outcome.trim());
    if outcome.is_none() {
        errors.push(FieldError::new(
            "outcome",
            format!(
                "\"{}\" is not one of no_follow_up, follow_up, mou, deal",
                input.outcome
            ),
        ));
    }
    if let Some(value) = input.value {
        if !(value.is_finite() && value >= 0.0) {
            errors.push(FieldError::new("value", "must be a number, not negative"));
        } else if outcome.is_some_and(|o| o != TieOutcomeKind::Deal) {
            errors.push(FieldError::new("value", "only a deal has a value"));
        }
        if input.currency.is_none() {
            errors.push(FieldError::new(
                "currency",
                "give the value's currency (ISO 4217, e.g. EUR)",
            ));
        }
    }
    if let Some(currency) = &input.currency {
        let currency = currency.trim();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(FieldError::new(
                "currency",
                format!("\"{currency}\" is not an ISO 4217 code (three capital letters)"),
            ));
        } else if input.value.is_none() {
            errors.push(FieldError::new("value", "a currency needs a value"));
        }
    }
    if input
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > 2_000)
    {
        errors.push(FieldError::new("note", "at most 2,000 characters"));
    }
    let date = match input
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => Some(today.max(tie_date).min(today)),
        Some(text) => match bridgehub_domain::parse_date(text) {
            Ok(d) if d > today => {
                errors.push(FieldError::new("date", format!("{d} is in the future")));
                None
            }
            Ok(d) if d < tie_date => {
                errors.push(FieldError::new(
                    "date",
                    format!("{d} is before the tie ({tie_date})"),
                ));
                None
            }
            Ok(d) => Some(d),
            Err(problem) => {
                errors.push(FieldError::new("date", problem));
                None
            }
        },
    };
    match (outcome, date) {
        (Some(outcome), Some(date)) if errors.is_empty() => Ok((outcome, date)),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Observed/expected ties per pair of UN M49 sub-regions, cached until the graph changes.
/// Cells too small to judge are left out, so they get no thin-tie boost.
struct RegionRatios {
    ratios: HashMap<(String, String), f64>,
}

/// A serving node's tie graph: built once, kept current from the change log, queried
/// under a read lock. Strengths follow the calendar: on the first query of a new day the
/// graph recomputes them.
pub struct TieNetwork {
    hub: Hub,
    settings: AnalyticsSettings,
    graph: RwLock<TieGraph>,
    names: RwLock<HashMap<String, String>>,
    region_ratios: Mutex<Option<Arc<RegionRatios>>>,
    /// Broker reports already computed on the current graph (betweenness over a demo-sized
    /// graph takes seconds), by region pair, size and samples; emptied with every change.
    brokers: Mutex<HashMap<BrokerKey, BrokerReport>>,
    /// Bumped by every invalidation: a report computed while the graph changed is not kept.
    generation: AtomicU64,
    /// Held by a refresh from its store reads to its graph update: two refreshes (the
    /// change-log follower and an outcome recorded on this node) must not interleave, or
    /// the one that read the store first could overwrite the newer state with its older
    /// read.
    refreshing: Mutex<()>,
}

/// A broker report's question: the region pair, how many, how many sampled sources.
type BrokerKey = (Option<(String, String)>, usize, Option<usize>);

/// Broker reports kept at most (one per region pair asked about; the cache is emptied when
/// full).
const BROKER_CACHE_ENTRIES: usize = 64;

fn poisoned() -> AppError {
    AppError::Io("tie graph lock poisoned".into())
}

impl TieNetwork {
    /// The settings in force.
    pub fn settings(&self) -> AnalyticsSettings {
        self.settings
    }

    /// Nodes and live ties.
    pub fn stats(&self) -> (usize, usize) {
        self.graph
            .read()
            .map(|g| (g.node_count(), g.tie_count()))
            .unwrap_or((0, 0))
    }

    /// Runs `work` on the graph, with strengths as of today.
    pub fn with_graph<T>(&self, work: impl FnOnce(&TieGraph) -> T) -> AppResult<T> {
        let today = crate::today();
        {
            let graph = self.graph.read().map_err(|_| poisoned())?;
            if graph.params().today == today {
                return Ok(work(&graph));
            }
        }
        let mut graph = self.graph.write().map_err(|_| poisoned())?;
        if graph.params().today != today {
            graph.set_params(self.settings.strength_params(today))?;
            self.invalidate();
        }
        Ok(work(&graph))
    }

    fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut cache) = self.region_ratios.lock() {
            *cache = None;
        }
        if let Ok(mut cache) = self.brokers.lock() {
            cache.clear();
        }
    }

    /// The thin-tie map.
    pub fn thin_ties(&self, by: ThinBy, model: ThinModel) -> AppResult<ThinTieMap> {
        self.with_graph(|g| thin_map(g, by, model))?
    }

    /// The best introduction paths through the ties `viewer` may see ([`tie_visible`];
    /// `None`: the public).
    pub fn paths(
        &self,
        viewer: Option<&Actor>,
        from: &str,
        to: &str,
        max_hops: usize,
        limit: usize,
    ) -> AppResult<PathsReport> {
        self.with_graph(|g| {
            let visible = |t: &TieData| tie_visible(g, viewer, t);
            if viewer.is_some_and(|a| a.is_admin) {
                paths_in(g, from, to, max_hops, limit, None)
            } else {
                paths_in(g, from, to, max_hops, limit, Some(&visible))
            }
        })?
    }

    /// Conflicts of interest, looking back `years` years.
    ///
    /// A conflict check reads every tie, private ones (a person's, with their evidence)
    /// included, so only administrators may run it; the CLI acts as one.
    pub fn conflicts(
        &self,
        actor: &Actor,
        neutrals: &[String],
        parties: &[String],
        years: u32,
    ) -> AppResult<ConflictsReport> {
        crate::actor::require_admin(actor, "conflict checks read private ties; only administrators may run them")?;
        let today = crate::today();
        self.with_graph(|g| conflicts_in(g, today, neutrals, parties, years))?
    }

    /// The top brokers (see [`Hub::brokers`]), computed once per state of the graph.
    pub fn brokers(
        &self,
        between: Option<(&str, &str)>,
        top: usize,
        samples: Option<usize>,
    ) -> AppResult<BrokerReport> {
        let key: BrokerKey = (between.map(|(a, b)| (a.to_owned(), b.to_owned())), top, samples);
        if let Some(hit) = self.brokers.lock().ok().and_then(|cache| cache.get(&key).cloned()) {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let report = self.with_graph(|g| brokers_in(g, between, top, samples))??;
        if let Ok(mut cache) = self.brokers.lock()
            && self.generation.load(Ordering::Acquire) == generation
        {
            if cache.len() >= BROKER_CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(key, report.clone());
        }
        Ok(report)
    }

    /// [`Hub::record_tie_outcome`] under this network's settings; the graph takes the
    /// change at once (and again, harmlessly, from the change log).
    pub fn record_outcome(
        &self,
        actor: &Actor,
        tie_id: &str,
        input: &OutcomeInput,
    ) -> AppResult<TieOutcomeReport> {
        let report = self
            .hub
            .record_tie_outcome_with(&self.settings, actor, tie_id, input)?;
        self.refresh(&[Change {
            seq: 0,
            entity: "tie".into(),
            id: report.tie.clone(),
            op: "upsert".into(),
            at: String::new(),
        }])?;
        Ok(report)
    }

    /// A tie as the graph holds it (with its outcome and strength).
    pub fn tie(&self, id: &str) -> AppResult<Option<TieData>> {
        self.with_graph(|g| g.tie_by_id(id).cloned())
    }

    fn ratios(&self) -> Option<Arc<RegionRatios>> {
        if let Some(cached) = self.region_ratios.lock().ok()?.as_ref() {
            return Some(cached.clone());
        }
        let map = self
            .with_graph(|g| thin_map(g, ThinBy::Region, ThinModel::Uniform))
            .ok()?
            .ok()?;
        let ratios = Arc::new(RegionRatios {
            ratios: map
                .cells
                .into_iter()
                .filter(|c| c.verdict != ThinVerdict::TooSmall && c.ratio.is_finite())
                .map(|c| ((c.a, c.b), c.ratio))
                .collect(),
        });
        if let Ok(mut cache) = self.region_ratios.lock() {
            *cache = Some(ratios.clone());
        }
        Some(ratios)
    }

    fn refresh(&self, changes: &[Change]) -> AppResult<()> {
        let relevant: Vec<&Change> = changes
            .iter()
            .filter(|c| matches!(c.entity.as_str(), "tie" | "organization" | "person"))
            .collect();
        if relevant.is_empty() {
            return Ok(());
        }
        // Read the store before taking the write lock: queries keep running meanwhile.
        let _refreshing = self.refreshing.lock().map_err(|_| poisoned())?;
        enum Update {
            Tie(
                String,
                Option<(bridgehub_domain::Tie, Option<AgreedOutcome>)>,
            ),
            Node(String, Option<(NodeInput, String)>),
        }
        let tie_ids: Vec<&str> = relevant
            .iter()
            .filter(|c| c.entity == "tie" && c.op != "delete")
            .map(|c| c.id.as_str())
            .collect();
        let outcomes = if tie_ids.is_empty() {
            Vec::new()
        } else {
            self.hub.store.tie_outcomes(Some(&tie_ids))?
        };
        let by_tie = outcomes_by_tie(&outcomes);
        let mut updates = Vec::with_capacity(relevant.len());
        for change in relevant {
            let deleted = change.op == "delete";
            let id = change.id.clone();
            updates.push(match change.entity.as_str() {
                "tie" if deleted => Update::Tie(id, None),
                "tie" => {
                    let tie = self.hub.store.tie(&change.id)?.map(|t| {
                        let outcome = by_tie.get(change.id.as_str()).and_then(|r| agreed(r));
                        (t.record, outcome)
                    });
                    Update::Tie(id, tie)
                }
                "organization" if deleted => Update::Node(id, None),
                "organization" => Update::Node(
                    id,
                    self.hub
                        .store
                        .organization(&change.id)?
                        .map(|o| (NodeInput::from(&o.record), o.record.name)),
                ),
                _ if deleted => Update::Node(id, None),
                _ => Update::Node(
                    id,
                    self.hub
                        .store
                        .person(&change.id)?
                        .map(|p| (NodeInput::from(&p.record), p.record.name)),
                ),
            });
        }
        let mut graph = self.graph.write().map_err(|_| poisoned())?;
        let mut names = self.names.write().map_err(|_| poisoned())?;
        for update in updates {
            match update {
                Update::Tie(_, Some((tie, outcome))) => {
                    if graph.upsert_tie_with(tie, outcome).is_err() {
                        tracing::debug!("self-tie skipped");
                    }
                }
                Update::Tie(id, None) => {
                    if let Ok(id) = EntityId::parse(&id) {
                        graph.remove_tie(&id);
                    }
                }
                Update::Node(_, Some((input, name))) => {
                    names.insert(input.id.to_string(), name);
                    graph.upsert_node(input);
                }
                Update::Node(id, None) => {
                    names.remove(&id);
                    graph.forget_node(&id);
                }
            }
        }
        drop(names);
        drop(graph);
        self.invalidate();
        Ok(())
    }
}

impl ChangeListener for TieNetwork {
    fn apply(&self, changes: &[Change]) {
        if let Err(err) = self.refresh(changes) {
            tracing::error!(error = %err, "tie graph could not apply changes");
        }
    }
}

impl Network for TieNetwork {
    fn region_ratio(&self, a: CountryCode, b: CountryCode) -> Option<f64> {
        let (a, b) = (a.subregion(), b.subregion());
        if a.is_empty() || b.is_empty() {
            return None;
        }
        let key = if a <= b {
            (a.to_owned(), b.to_owned())
        } else {
            (b.to_owned(), a.to_owned())
        };
        self.ratios()?.ratios.get(&key).copied()
    }

    fn warm_introduction(&self, a: &str, b: &str) -> Option<WarmIntro> {
        let found = self
            .with_graph(|g| {
                let (from, to) = (g.node(a)?, g.node(b)?);
                let visible = |t: &TieData| tie_visible(g, None, t);
                let query = PathQuery {
                    from,
                    to,
                    max_hops: 2,
                    limit: 2,
                };
                best_paths(g, query, Some(&visible))
                    .ok()?
                    .into_iter()
                    .find(|p| p.nodes.len() == 3)
            })
            .ok()??;
        let broker_id = found.nodes[1].clone();
        let broker_name = self
            .names
            .read()
            .ok()
            .and_then(|n| n.get(&broker_id).cloned())
            .unwrap_or_else(|| broker_id.clone());
        Some(WarmIntro {
            broker_id,
            broker_name,
            score: found.score,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{ErrorCode, ImportOptions, ImportSource, NoProgress};

    /// A hub on a fresh SQLite file with three organizations, a person and four ties.
    fn hub(dir: &tempfile::TempDir) -> Hub {
        let records = [
            r#"{"type":"organization","id":"sg-port","name":"SG Port","kind":"enterprise","country":"SG","sectors":["logistics"],"languages":["en"]}"#,
            r#"{"type":"organization","id":"hk-uni","name":"HK Uni","kind":"university","country":"HK","sectors":["education"],"languages":["en"]}"#,
            r#"{"type":"organization","id":"ae-fund","name":"AE Fund","kind":"investor","country":"AE","sectors":["finance"],"languages":["en"]}"#,
            r#"{"type":"person","id":"judge","name":"A Judge","affiliation":"hk-uni","country":"HK","languages":["en"]}"#,
            r#"{"type":"tie","id":"t1","from":"sg-port","to":"hk-uni","kind":"partnership","date":"2025-03-01","evidence":"MoU 2025/7"}"#,
            r#"{"type":"tie","id":"t2","from":"hk-uni","to":"ae-fund","kind":"contract","date":"2024-09-01"}"#,
            r#"{"type":"tie","id":"t3","from":"sg-port","to":"ae-fund","kind":"met","date":"2014-01-01"}"#,
        ];
        let path = dir.path().join("records.jsonl");
        std::fs::write(&path, records.join("\n")).unwrap();
        let hub = Hub::open(&dir.path().join("hub.db").display().to_string()).unwrap();
        hub.import(
            &[ImportSource::new(&path)],
            ImportOptions::default(),
            &NoProgress,
        )
        .unwrap();
        hub
    }

    #[test]
    fn paths_prefer_the_recent_partnership_route_over_an_old_meeting() {
        let dir = tempfile::tempdir().unwrap();
        let report = hub(&dir).paths("sg-port", "ae-fund", 3, 5).unwrap();
        assert_eq!(report.paths[0].nodes, ["sg-port", "hk-uni", "ae-fund"]);
        assert_eq!(report.paths[1].nodes, ["sg-port", "ae-fund"]);
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["paths"][0]["score"].as_f64().unwrap() > 0.0);
    }

    #[test]
    fn conflicts_report_the_affiliation_and_the_contract_as_evidence() {
        let dir = tempfile::tempdir().unwrap();
        let report = hub(&dir)
            .conflicts(&["judge".into()], &["ae-fund".into(), "sg-port".into()], 5)
            .unwrap();
        let json = serde_json::to_value(&report).unwrap();
        let conflicts = json["conflicts"].as_array().unwrap();
        assert_eq!(conflicts.len(), 2);
        assert_eq!(conflicts[0]["kind"], "indirect");
        assert_eq!(
            conflicts[0]["path"],
            serde_json::json!(["judge", "hk-uni", "ae-fund"])
        );
        assert_eq!(conflicts[0]["evidence"][1]["tie"], "t2");
    }

    #[test]
    fn thin_ties_and_brokers_read_the_stored_graph() {
        let dir = tempfile::tempdir().unwrap();
        let hub = hub(&dir);
        let map = hub.thin_ties(ThinBy::Region).unwrap();
        assert_eq!(map.organizations, 3);
        assert_eq!(
            map.counted, 3,
            "the judge's affiliation is not a tie across the network"
        );
        let brokers = hub.brokers(Some(("035", "145")), 5, None).unwrap();
        assert!(brokers.exact);
        assert_eq!(brokers.brokers.len(), 0, "SG and AE are tied directly");
    }

    #[test]
    fn unknown_ids_and_bad_parameters_have_stable_codes() {
        let dir = tempfile::tempdir().unwrap();
        let hub = hub(&dir);
        assert_eq!(
            hub.paths("sg-port", "nobody", 3, 5).unwrap_err().code(),
            ErrorCode::OrganizationNotFound
        );
        assert_eq!(
            hub.paths("sg-port", "hk-uni", 4, 5).unwrap_err().code(),
            ErrorCode::InvalidQuery
        );
        assert_eq!(
            hub.brokers(Some(("035", "999")), 5, None)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidQuery
        );
        assert_eq!(
            hub.conflicts(&[], &["hk-uni".into()], 5)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidQuery
        );
    }
}
