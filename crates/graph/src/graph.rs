//! [`TieGraph`]: organizations and people as nodes, one petgraph edge per tied pair
//! carrying every tie of that pair and their combined strength.
//!
//! Invariants:
//! - nodes are never removed, so node indices are dense (`0..node_count`);
//! - a pair has an edge exactly when it has at least one live tie, and the edge's
//!   strength is [`crate::strength::combine`] of its ties' strengths;
//! - a person's affiliation is an implicit current `member_of` tie (`affiliation:<id>`).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use bridgehub_domain::{CountryCode, EntityId, OrgKind, Sector, TieKind};
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableUnGraph};
use petgraph::visit::EdgeRef;

use crate::GraphError;
use crate::adjacency::{Adjacency, IndexHasher};
use crate::model::{AFFILIATION_SOURCE, NodeInput, NodeKind, TieData, TieInput, TieOutcome};
use crate::strength::{StrengthParams, combine};

/// Index of a node in the graph (dense, stable).
pub type NodeIdx = NodeIndex<u32>;
/// Index of a tie in the graph's tie table.
pub type TieIdx = u32;

/// What the graph keeps about a node.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) id: EntityId,
    /// False for a placeholder made because a tie named an id not yet loaded.
    pub(crate) known: bool,
    pub(crate) kind: NodeKind,
    pub(crate) org_kind: Option<OrgKind>,
    pub(crate) country: Option<CountryCode>,
    pub(crate) sectors: Vec<Sector>,
    pub(crate) affiliation: Option<NodeIdx>,
}

/// The ties of one pair and their combined strength.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pair {
    pub(crate) ties: Vec<TieIdx>,
    pub(crate) strength: f64,
}

/// The tie graph. See the module documentation for its invariants.
#[derive(Debug, Clone)]
pub struct TieGraph {
    pub(crate) graph: StableUnGraph<Node, Pair>,
    node_ids: HashMap<EntityId, NodeIdx>,
    pub(crate) ties: Vec<Option<TieData>>,
    pub(crate) tie_ends: Vec<(NodeIdx, NodeIdx)>,
    tie_ids: HashMap<EntityId, TieIdx>,
    pairs: HashMap<(u32, u32), EdgeIndex<u32>, BuildHasherDefault<IndexHasher>>,
    free_slots: Vec<TieIdx>,
    params: StrengthParams,
    n_live_ties: usize,
    /// CSR snapshot, built on first use after a change.
    snapshot: OnceLock<Adjacency>,
}

fn pair_key(a: NodeIdx, b: NodeIdx) -> (u32, u32) {
    let (a, b) = (a.index() as u32, b.index() as u32);
    if a < b { (a, b) } else { (b, a) }
}

fn affiliation_tie_id(person: &EntityId) -> EntityId {
    EntityId::parse(&format!("affiliation:{person}")).unwrap_or_else(|_| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in person.as_str().bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        EntityId::generated("affiliation", hash)
    })
}

impl TieGraph {
    /// An empty graph whose strengths follow `params`.
    pub fn new(params: StrengthParams) -> Result<Self, GraphError> {
        params.validate()?;
        Ok(TieGraph {
            graph: StableUnGraph::default(),
            node_ids: HashMap::new(),
            ties: Vec::new(),
            tie_ends: Vec::new(),
            tie_ids: HashMap::new(),
            pairs: HashMap::default(),
            free_slots: Vec::new(),
            params,
            n_live_ties: 0,
            snapshot: OnceLock::new(),
        })
    }

    /// The strength parameters in force.
    pub fn params(&self) -> &StrengthParams {
        &self.params
    }

    /// Replaces the strength parameters (e.g. a new `today`) and recomputes every strength.
    pub fn set_params(&mut self, params: StrengthParams) -> Result<(), GraphError> {
        params.validate()?;
        self.params = params;
        for tie in self.ties.iter_mut().flatten() {
            tie.strength = self
                .params
                .tie_strength_with(tie.kind, tie.date, tie.outcome);
        }
        let edges: Vec<EdgeIndex<u32>> = self.graph.edge_indices().collect();
        for edge in edges {
            self.refresh_pair(edge);
        }
        Ok(())
    }

    /// Number of nodes (organizations, people, and placeholders for ids only seen in ties).
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of live ties, the implicit affiliation ties included.
    pub fn tie_count(&self) -> usize {
        self.n_live_ties
    }

    /// Number of tied pairs (edges).
    pub fn pair_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The node of an id.
    pub fn node(&self, id: &str) -> Option<NodeIdx> {
        EntityId::parse(id)
            .ok()
            .and_then(|id| self.node_ids.get(&id).copied())
    }

    /// The id of a node.
    pub fn node_id(&self, node: NodeIdx) -> &EntityId {
        &self.graph[node].id
    }

    /// Whether a node is an organization or a person.
    pub fn node_kind(&self, node: NodeIdx) -> NodeKind {
        self.graph[node].kind
    }

    /// The node's country, if known.
    pub fn node_country(&self, node: NodeIdx) -> Option<CountryCode> {
        self.graph[node].country
    }

    /// Every node index.
    pub fn nodes(&self) -> impl Iterator<Item = NodeIdx> + '_ {
        self.graph.node_indices()
    }

    /// A live tie by index.
    pub fn tie(&self, idx: TieIdx) -> Option<&TieData> {
        self.ties.get(idx as usize).and_then(Option::as_ref)
    }

    /// A live tie by id.
    pub fn tie_by_id(&self, id: &str) -> Option<&TieData> {
        let id = EntityId::parse(id).ok()?;
        self.tie_ids.get(&id).and_then(|idx| self.tie(*idx))
    }

    /// Every live tie with its two end nodes.
    pub fn ties(&self) -> impl Iterator<Item = (&TieData, NodeIdx, NodeIdx)> + '_ {
        self.ties
            .iter()
            .zip(&self.tie_ends)
            .filter_map(|(tie, ends)| tie.as_ref().map(|t| (t, ends.0, ends.1)))
    }

    /// The combined strength of a pair (0 when untied).
    pub fn pair_strength(&self, a: NodeIdx, b: NodeIdx) -> f64 {
        self.pairs
            .get(&pair_key(a, b))
            .map(|e| self.graph[*e].strength)
            .unwrap_or(0.0)
    }

    /// The ties between two nodes.
    pub fn ties_between(&self, a: NodeIdx, b: NodeIdx) -> impl Iterator<Item = &TieData> + '_ {
        self.pairs
            .get(&pair_key(a, b))
            .map(|e| self.graph[*e].ties.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter_map(|idx| self.tie(*idx))
    }

    /// Neighbours of a node with the combined strength of each pair.
    pub fn neighbors(&self, node: NodeIdx) -> impl Iterator<Item = (NodeIdx, f64)> + '_ {
        self.graph
            .edges(node)
            .map(move |e| (other_end(&e, node), e.weight().strength))
    }

    /// Number of tied partners of a node.
    pub fn degree(&self, node: NodeIdx) -> usize {
        self.adjacency().degree(node.index())
    }

    /// The CSR snapshot of the graph as it is now (built once after each change).
    pub fn adjacency(&self) -> &Adjacency {
        self.snapshot.get_or_init(|| Adjacency::of(self))
    }

    fn intern(&mut self, id: &EntityId) -> NodeIdx {
        if let Some(idx) = self.node_ids.get(id) {
            return *idx;
        }
        self.snapshot.take();
        let idx = self.graph.add_node(Node {
            id: id.clone(),
            known: false,
            kind: NodeKind::Organization,
            org_kind: None,
            country: None,
            sectors: Vec::new(),
            affiliation: None,
        });
        self.node_ids.insert(id.clone(), idx);
        idx
    }

    /// Adds or updates an organization or person. A person's affiliation becomes (or
    /// stops being) an implicit `member_of` tie.
    pub fn upsert_node(&mut self, input: NodeInput) -> NodeIdx {
        let idx = self.intern(&input.id);
        let affiliation = input
            .affiliation
            .as_ref()
            .filter(|a| **a != input.id)
            .map(|a| self.intern(a));
        let node = &mut self.graph[idx];
        let old_affiliation = node.affiliation;
        node.known = true;
        node.kind = input.kind;
        node.org_kind = input.org_kind;
        node.country = input.country;
        node.sectors = input.sectors;
        node.affiliation = affiliation;
        if old_affiliation != affiliation {
            let tie_id = affiliation_tie_id(&input.id);
            self.remove_tie(&tie_id);
            if let Some(org) = affiliation {
                let tie = TieData {
                    id: tie_id,
                    from: input.id.clone(),
                    to: self.graph[org].id.clone(),
                    kind: TieKind::MemberOf,
                    date: None,
                    source: Some(AFFILIATION_SOURCE.to_owned()),
                    evidence: None,
                    outcome: None,
                    strength: 0.0,
                };
                self.insert_tie(tie, idx, org);
            }
        }
        idx
    }

    /// Forgets what is known of a deleted organization or person: it becomes a
    /// placeholder again (no kind, country or sectors, so no thin-tie cell) and a person's
    /// affiliation tie goes. Its recorded ties stay until they are removed (the store logs
    /// each tie a deletion takes with it). False when the id was never seen.
    pub fn forget_node(&mut self, id: &str) -> bool {
        let Some(idx) = self.node(id) else {
            return false;
        };
        self.snapshot.take();
        let node = &mut self.graph[idx];
        let had_affiliation = node.affiliation.take().is_some();
        node.known = false;
        node.kind = NodeKind::Organization;
        node.org_kind = None;
        node.country = None;
        node.sectors = Vec::new();
        let node_id = node.id.clone();
        if had_affiliation {
            self.remove_tie(&affiliation_tie_id(&node_id));
        }
        true
    }

    /// Adds a tie, or replaces the tie with the same id. Ends not yet loaded get placeholder
    /// nodes, filled in when their record arrives.
    pub fn upsert_tie(&mut self, input: TieInput) -> Result<TieIdx, GraphError> {
        self.upsert_tie_with(input, None)
    }

    /// [`TieGraph::upsert_tie`] with the tie's recorded outcome, which changes its strength
    /// (see [`StrengthParams::tie_strength_with`]).
    pub fn upsert_tie_with(
        &mut self,
        input: TieInput,
        outcome: Option<TieOutcome>,
    ) -> Result<TieIdx, GraphError> {
        if input.from == input.to {
            return Err(GraphError::SelfTie {
                id: input.id.to_string(),
                party: input.from.to_string(),
            });
        }
        self.remove_tie(&input.id);
        let from = self.intern(&input.from);
        let to = self.intern(&input.to);
        let tie = TieData {
            id: input.id,
            from: input.from,
            to: input.to,
            kind: input.kind,
            date: Some(input.date),
            source: input.source,
            evidence: input.evidence,
            outcome,
            strength: 0.0,
        };
        Ok(self.insert_tie(tie, from, to))
    }

    fn insert_tie(&mut self, mut tie: TieData, from: NodeIdx, to: NodeIdx) -> TieIdx {
        tie.strength = self
            .params
            .tie_strength_with(tie.kind, tie.date, tie.outcome);
        let id = tie.id.clone();
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.ties[slot as usize] = Some(tie);
                self.tie_ends[slot as usize] = (from, to);
                slot
            }
            None => {
                self.ties.push(Some(tie));
                self.tie_ends.push((from, to));
                (self.ties.len() - 1) as TieIdx
            }
        };
        self.tie_ids.insert(id, slot);
        let key = pair_key(from, to);
        let edge = match self.pairs.get(&key) {
            Some(edge) => *edge,
            None => {
                let edge = self.graph.add_edge(from, to, Pair::default());
                self.pairs.insert(key, edge);
                edge
            }
        };
        self.graph[edge].ties.push(slot);
        self.refresh_pair(edge);
        self.n_live_ties += 1;
        slot
    }

    /// Removes a tie by id; false when there was none.
    pub fn remove_tie(&mut self, id: &EntityId) -> bool {
        let Some(slot) = self.tie_ids.remove(id) else {
            return false;
        };
        self.snapshot.take();
        self.ties[slot as usize] = None;
        let (from, to) = self.tie_ends[slot as usize];
        let key = pair_key(from, to);
        if let Some(edge) = self.pairs.get(&key).copied() {
            self.graph[edge].ties.retain(|t| *t != slot);
            if self.graph[edge].ties.is_empty() {
                self.graph.remove_edge(edge);
                self.pairs.remove(&key);
            } else {
                self.refresh_pair(edge);
            }
        }
        self.free_slots.push(slot);
        self.n_live_ties -= 1;
        true
    }

    fn refresh_pair(&mut self, edge: EdgeIndex<u32>) {
        self.snapshot.take();
        let strength = combine(
            self.graph[edge]
                .ties
                .iter()
                .filter_map(|t| self.tie(*t))
                .map(|t| t.strength),
        );
        self.graph[edge].strength = strength;
    }

    pub(crate) fn node_data(&self, node: NodeIdx) -> &Node {
        &self.graph[node]
    }

    /// The ties of the pair behind an edge reference.
    pub(crate) fn pair_ties(&self, pair: &Pair) -> impl Iterator<Item = &TieData> + '_ {
        pair.ties
            .iter()
            .filter_map(|idx| self.tie(*idx))
            .collect::<Vec<_>>()
            .into_iter()
    }
}

/// The end of an edge that is not `node`.
pub(crate) fn other_end<E: EdgeRef<NodeId = NodeIdx>>(edge: &E, node: NodeIdx) -> NodeIdx {
    if edge.source() == node {
        edge.target()
    } else {
        edge.source()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bridgehub_domain::Date;

    pub(crate) fn id(text: &str) -> EntityId {
        EntityId::parse(text).unwrap()
    }

    pub(crate) fn date(text: &str) -> Date {
        bridgehub_domain::parse_date(text).unwrap()
    }

    pub(crate) fn tie(tie_id: &str, from: &str, to: &str, kind: TieKind, on: &str) -> TieInput {
        TieInput {
            id: id(tie_id),
            from: id(from),
            to: id(to),
            kind,
            date: date(on),
            source: None,
            evidence: None,
        }
    }

    pub(crate) fn org(org_id: &str, country: &str) -> NodeInput {
        NodeInput::organization(
            id(org_id),
            OrgKind::Enterprise,
            CountryCode::parse(country).unwrap(),
            vec![Sector::Trade],
        )
    }

    pub(crate) fn empty() -> TieGraph {
        TieGraph::new(StrengthParams::new(date("2026-01-01"))).unwrap()
    }

    #[test]
    fn parallel_ties_share_one_edge_and_removal_keeps_the_pair_consistent() {
        let mut graph = empty();
        graph
            .upsert_tie(tie("t1", "a", "b", TieKind::Met, "2026-01-01"))
            .unwrap();
        graph
            .upsert_tie(tie("t2", "b", "a", TieKind::Met, "2026-01-01"))
            .unwrap();
        assert_eq!(graph.pair_count(), 1);
        assert_eq!(graph.tie_count(), 2);
        let (a, b) = (graph.node("a").unwrap(), graph.node("b").unwrap());
        assert!((graph.pair_strength(a, b) - 0.36).abs() < 1e-12);
        assert!(graph.remove_tie(&id("t1")));
        assert!((graph.pair_strength(a, b) - 0.2).abs() < 1e-12);
        assert!(graph.remove_tie(&id("t2")));
        assert_eq!(graph.pair_count(), 0);
        assert!(!graph.remove_tie(&id("t2")));
    }

    #[test]
    fn re_sent_ties_replace_the_old_version() {
        let mut graph = empty();
        graph
            .upsert_tie(tie("t1", "a", "b", TieKind::Met, "2026-01-01"))
            .unwrap();
        graph
            .upsert_tie(tie("t1", "a", "c", TieKind::Contract, "2026-01-01"))
            .unwrap();
        assert_eq!(graph.tie_count(), 1);
        assert_eq!(graph.pair_count(), 1);
        assert_eq!(graph.tie_by_id("t1").unwrap().kind, TieKind::Contract);
    }

    #[test]
    fn self_ties_are_refused_and_affiliations_become_member_of_ties() {
        let mut graph = empty();
        assert!(matches!(
            graph.upsert_tie(tie("t1", "a", "a", TieKind::Met, "2026-01-01")),
            Err(GraphError::SelfTie { .. })
        ));
        graph.upsert_node(org("o1", "SG"));
        let person = graph.upsert_node(NodeInput::person(id("p1"), None, Some(id("o1"))));
        let o1 = graph.node("o1").unwrap();
        assert_eq!(
            graph.ties_between(person, o1).next().unwrap().kind,
            TieKind::MemberOf
        );
        graph.upsert_node(NodeInput::person(id("p1"), None, None));
        assert_eq!(graph.pair_count(), 0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        #[test]
        fn incremental_updates_end_where_a_fresh_build_ends(
            ops in proptest::collection::vec((0usize..12, 0usize..6, 0usize..6, 0usize..7, proptest::bool::ANY, 0usize..6), 1..60),
        ) {
            // Apply upserts (some with an outcome) and removals in order, then rebuild from
            // the surviving ties.
            let mut graph = empty();
            let mut alive: std::collections::BTreeMap<usize, (TieInput, Option<TieOutcome>)> = Default::default();
            for (tie_no, a, b, kind, remove, outcome) in ops {
                let tie_id = format!("t{tie_no}");
                if remove {
                    graph.remove_tie(&id(&tie_id));
                    alive.remove(&tie_no);
                } else if a != b {
                    let input = tie(&tie_id, &format!("n{a}"), &format!("n{b}"), TieKind::ALL[kind], "2024-03-01");
                    let outcome = crate::Outcome::ALL.get(outcome).map(|o| TieOutcome { outcome: *o, date: date("2025-01-01") });
                    graph.upsert_tie_with(input.clone(), outcome).unwrap();
                    alive.insert(tie_no, (input, outcome));
                }
            }
            let mut fresh = empty();
            for (input, outcome) in alive.values() {
                fresh.upsert_tie_with(input.clone(), *outcome).unwrap();
            }
            proptest::prop_assert_eq!(graph.tie_count(), fresh.tie_count());
            proptest::prop_assert_eq!(graph.pair_count(), fresh.pair_count());
            for a in 0..6 {
                for b in 0..6 {
                    let (Some(x), Some(y)) = (graph.node(&format!("n{a}")), graph.node(&format!("n{b}"))) else { continue };
                    let (Some(fx), Some(fy)) = (fresh.node(&format!("n{a}")), fresh.node(&format!("n{b}"))) else {
                        proptest::prop_assert_eq!(graph.pair_strength(x, y), 0.0);
                        continue;
                    };
                    proptest::prop_assert!((graph.pair_strength(x, y) - fresh.pair_strength(fx, fy)).abs() < 1e-12);
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn strength_stays_in_range_and_grows_with_the_outcome(
            kind in 0usize..7,
            tie_age in 0i64..8000,
            outcome_after in 0i64..4000,
            half_life in 30.0f64..5000.0,
        ) {
            let params = StrengthParams { half_life_days: half_life, ..StrengthParams::new(date("2030-01-01")) };
            let kind = TieKind::ALL[kind];
            let tie_day = crate::date_from_day_number(crate::day_number(params.today) - tie_age).unwrap();
            let outcome_day = crate::date_from_day_number(crate::day_number(tie_day) + outcome_after).unwrap();
            let mut last = 0.0;
            for outcome in crate::Outcome::ALL {
                let s = params.tie_strength_with(kind, Some(tie_day), Some(TieOutcome { outcome, date: outcome_day }));
                proptest::prop_assert!((0.0..=1.0).contains(&s));
                proptest::prop_assert!(s >= last - 1e-15, "a better outcome never weakens the tie");
                last = s;
            }
            // A follow-up is never weaker than no record at all.
            let plain = params.tie_strength(kind, Some(tie_day));
            let follow = params.tie_strength_with(kind, Some(tie_day), Some(TieOutcome { outcome: crate::Outcome::FollowUp, date: outcome_day }));
            proptest::prop_assert!(follow >= plain - 1e-15);
        }
    }

    #[test]
    fn forgotten_nodes_lose_their_cells_and_affiliation() {
        let mut graph = empty();
        graph.upsert_node(org("o1", "SG"));
        graph.upsert_node(NodeInput::person(id("p1"), None, Some(id("o1"))));
        assert_eq!(graph.tie_count(), 1);
        assert!(graph.forget_node("p1"));
        assert_eq!(graph.tie_count(), 0);
        assert!(graph.forget_node("o1"));
        let o1 = graph.node("o1").unwrap();
        assert_eq!(graph.node_country(o1), None);
        assert!(!graph.forget_node("nobody"));
    }

    #[test]
    fn a_new_today_recomputes_every_strength() {
        let mut graph = empty();
        graph
            .upsert_tie(tie("t1", "a", "b", TieKind::Partnership, "2026-01-01"))
            .unwrap();
        let mut params = graph.params().clone();
        params.today = date("2029-01-01");
        graph.set_params(params).unwrap();
        let (a, b) = (graph.node("a").unwrap(), graph.node("b").unwrap());
        assert!((graph.pair_strength(a, b) - 0.45).abs() < 1e-3);
    }
}
