//! Network analytics use cases over the tie graph: the thin-tie map, introduction paths,
//! brokers and conflicts of interest. Each builds the graph engine
//! ([`bridgehub_graph::TieGraph`]) from one consistent snapshot of the store, as of today
//! (UTC), and returns serialisable results; the HTTP API and the CLI print them.

use bridgehub_domain::{Date, EntityId};
use bridgehub_graph::brokers::{BrokerParams, brokers};
use bridgehub_graph::coi::{CoiRules, conflicts};
use bridgehub_graph::paths::{PathQuery, best_paths};
use bridgehub_graph::thin::{ThinParams, thin_tie_map};
use bridgehub_graph::{GraphError, NodeIdx, NodeInput, StrengthParams};
use bridgehub_store::ExportItem;
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

use crate::{AppError, AppResult, Hub};

/// Work budget of exact betweenness, in source × (nodes + pairs) steps; past it the
/// brokers use sampled sources (see `docs/analytics.md`).
pub const EXACT_BROKER_BUDGET: f64 = 2e8;

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

impl From<GraphError> for AppError {
    fn from(err: GraphError) -> Self {
        match err {
            GraphError::UnknownNode(id) => AppError::NotFound {
                kind: "organization or person",
                id,
            },
            GraphError::InvalidParameter { field, problem } => AppError::query(field, problem),
            GraphError::SelfTie { id, party } => {
                AppError::query("tie", format!("tie \"{id}\" joins \"{party}\" to itself"))
            }
        }
    }
}

impl Hub {
    /// Builds the tie graph from every stored organization, person and tie, with strengths
    /// as of `today`. Self-ties are skipped (they say nothing about the network).
    pub fn tie_graph(&self, today: Date) -> AppResult<TieGraph> {
        let mut graph = TieGraph::new(StrengthParams::new(today))?;
        let mut skipped = 0u64;
        self.store.for_each_record(&mut |item| {
            match item {
                ExportItem::Organization(org) => {
                    graph.upsert_node(NodeInput::from(&org));
                }
                ExportItem::Person(person) => {
                    graph.upsert_node(NodeInput::from(&person));
                }
                ExportItem::Tie(tie) => {
                    if graph.upsert_tie(tie.clone()).is_err() {
                        skipped += 1;
                    }
                }
                ExportItem::Listing(_) => {}
            }
            Ok(())
        })?;
        tracing::debug!(
            nodes = graph.node_count(),
            ties = graph.tie_count(),
            skipped,
            "tie graph built"
        );
        Ok(graph)
    }

    /// The thin-tie map by region, grouping, sector or organization kind, against the
    /// default expectation (proportional to organization pairs).
    pub fn thin_ties(&self, by: ThinBy) -> AppResult<ThinTieMap> {
        self.thin_ties_model(by, ThinModel::Uniform)
    }

    /// The thin-tie map against a chosen expectation model.
    pub fn thin_ties_model(&self, by: ThinBy, model: ThinModel) -> AppResult<ThinTieMap> {
        let graph = self.tie_graph(crate::today())?;
        Ok(thin_tie_map(
            &graph,
            &ThinParams {
                expectation: model,
                ..ThinParams::new(by)
            },
        )?)
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
        let graph = self.tie_graph(crate::today())?;
        let query = PathQuery {
            from: node(&graph, "from", from)?,
            to: node(&graph, "to", to)?,
            max_hops,
            limit,
        };
        Ok(PathsReport {
            paths: best_paths(&graph, query, visible)?,
        })
    }

    /// Conflicts of interest between neutrals and parties, looking back `years` years.
    pub fn conflicts(
        &self,
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
        if years > 100 {
            return Err(AppError::query(
                "years",
                format!("{years} is more than 100"),
            ));
        }
        let today = crate::today();
        let graph = self.tie_graph(today)?;
        let neutral_nodes = neutrals
            .iter()
            .map(|id| node(&graph, "neutrals", id))
            .collect::<AppResult<Vec<_>>>()?;
        let party_nodes = parties
            .iter()
            .map(|id| node(&graph, "parties", id))
            .collect::<AppResult<Vec<_>>>()?;
        let rules = CoiRules {
            years,
            ..CoiRules::new(today)
        };
        Ok(ConflictsReport {
            years,
            today: today.to_string(),
            conflicts: conflicts(&graph, &neutral_nodes, &party_nodes, &rules)?,
        })
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
        if samples == Some(0) {
            return Err(AppError::query("samples", "must be at least 1"));
        }
        let graph = self.tie_graph(crate::today())?;
        let work_per_source = (graph.node_count() + graph.pair_count()).max(1) as f64;
        let sources = match between {
            None => graph.node_count(),
            Some((a, b)) => {
                let count = |code: &str| {
                    graph
                        .nodes()
                        .filter(|n| {
                            bridgehub_graph::brokers::node_region(&graph, *n)
                                .is_some_and(|r| r == code)
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
        Ok(brokers(&graph, between, &params)?)
    }
}

fn node(graph: &TieGraph, field: &'static str, id: &str) -> AppResult<NodeIdx> {
    if EntityId::parse(id).is_err() {
        return Err(AppError::query(
            field,
            format!("\"{id}\" is not a valid id"),
        ));
    }
    graph.node(id).ok_or_else(|| AppError::NotFound {
        kind: "organization or person",
        id: id.to_owned(),
    })
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
