//! Introduction paths: the k best simple paths of at most three hops between two nodes.
//!
//! A path's score is the product of the combined strengths of its pairs (equivalently,
//! the sum of −ln strength, exponentiated back), so it lies in (0, 1], falls with every
//! extra hop, and reads as "the chance that every introduction along the path goes
//! through" when strengths are read as independent chances. Only ties the visibility
//! predicate allows count: a pair's strength is recombined from its visible ties, and a
//! pair with none is not an edge. Pairs of strength 0 are not edges either.
//!
//! The search is exhaustive and exact: direct ties, then common neighbours, then for three
//! hops every `from–x–y–to` found by walking the neighbours of the neighbours of the side
//! whose neighbourhood is cheaper to walk and looking the far end up in the other side's
//! neighbour set. Candidates that cannot beat the k-th best are pruned by an upper bound.

use petgraph::stable_graph::EdgeIndex;
use serde::Serialize;

use crate::GraphError;
use crate::adjacency::{Adjacency, IndexMap};
use crate::graph::{NodeIdx, Pair, TieGraph};
use crate::model::TieData;
use crate::strength::combine;

/// A predicate on ties: `true` when the asking user may see (and use) the tie.
pub type Visibility<'a> = Option<&'a dyn Fn(&TieData) -> bool>;

/// One hop of a path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// Combined strength of the visible ties of the pair.
    pub strength: f64,
    /// The visible ties of the pair: ids and kinds.
    pub ties: Vec<HopTie>,
}

/// A tie named in a hop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HopTie {
    /// Tie id.
    pub id: String,
    /// Tie kind.
    pub kind: &'static str,
    /// Date (absent for a current affiliation).
    pub date: Option<String>,
    /// The outcome its parties recorded, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
}

/// An introduction path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntroPath {
    /// Node ids, from the asker to the target; the ones in between are the brokers.
    pub nodes: Vec<String>,
    /// Product of hop strengths.
    pub score: f64,
    /// Each hop with its ties.
    pub hops: Vec<Hop>,
}

/// A path query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathQuery {
    /// Start.
    pub from: NodeIdx,
    /// Target.
    pub to: NodeIdx,
    /// At most this many hops, 1 to 3.
    pub max_hops: usize,
    /// At most this many paths.
    pub limit: usize,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    nodes: [NodeIdx; 4],
    len: usize,
    score: f64,
}

impl Candidate {
    fn key(&self) -> &[NodeIdx] {
        &self.nodes[..self.len]
    }

    /// Better: higher score, then fewer hops, then smaller node indices (deterministic).
    fn better_than(&self, other: &Candidate) -> bool {
        match self.score.total_cmp(&other.score) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => (self.len, self.key()) < (other.len, other.key()),
        }
    }
}

/// Keeps the k best candidates.
struct TopK {
    limit: usize,
    items: Vec<Candidate>,
    worst: usize,
}

impl TopK {
    fn new(limit: usize) -> Self {
        TopK {
            limit,
            items: Vec::with_capacity(limit),
            worst: 0,
        }
    }

    /// The score a new candidate must reach to enter.
    fn threshold(&self) -> f64 {
        if self.items.len() < self.limit {
            0.0
        } else {
            self.items[self.worst].score
        }
    }

    fn push(&mut self, candidate: Candidate) {
        if self.limit == 0 {
            return;
        }
        if self.items.len() < self.limit {
            self.items.push(candidate);
        } else if candidate.better_than(&self.items[self.worst]) {
            self.items[self.worst] = candidate;
        } else {
            return;
        }
        self.worst = 0;
        for (idx, item) in self.items.iter().enumerate() {
            if self.items[self.worst].better_than(item) {
                self.worst = idx;
            }
        }
    }
}

fn pair_strength(graph: &TieGraph, pair: &Pair, visible: Visibility<'_>) -> f64 {
    match visible {
        None => pair.strength,
        Some(allow) => combine(
            pair.ties
                .iter()
                .filter_map(|t| graph.tie(*t))
                .filter(|t| allow(t))
                .map(|t| t.strength),
        ),
    }
}

/// The strength of the `i`-th pair in a CSR row: the cached one, or the visible ties'.
fn row_strength(
    graph: &TieGraph,
    cached: f64,
    edge: EdgeIndex<u32>,
    visible: Visibility<'_>,
) -> f64 {
    match visible {
        None => cached,
        Some(_) => pair_strength(graph, &graph.graph[edge], visible),
    }
}

fn neighbour_list(
    graph: &TieGraph,
    adj: &Adjacency,
    node: NodeIdx,
    visible: Visibility<'_>,
) -> Vec<(u32, f64)> {
    let (targets, weights) = adj.row(node.index());
    let mut list: Vec<(u32, f64)> = targets
        .iter()
        .zip(weights)
        .zip(adj.row_edges(node.index()))
        .map(|((t, w), e)| (*t, row_strength(graph, *w, e, visible)))
        .filter(|(_, s)| *s > 0.0)
        .collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    list
}

/// The best paths of at most `max_hops` hops, best first.
pub fn best_paths(
    graph: &TieGraph,
    query: PathQuery,
    visible: Visibility<'_>,
) -> Result<Vec<IntroPath>, GraphError> {
    if !(1..=3).contains(&query.max_hops) {
        return Err(GraphError::param(
            "max_hops",
            format!("{} is not between 1 and 3", query.max_hops),
        ));
    }
    let bound = graph.node_count();
    if query.from.index() >= bound || query.to.index() >= bound {
        return Err(GraphError::param("from", "not a node of this graph"));
    }
    let (s, t) = (query.from, query.to);
    let mut top = TopK::new(query.limit);
    if s == t || query.limit == 0 {
        return Ok(Vec::new());
    }
    let adj = graph.adjacency();
    let node = |v: u32| NodeIdx::new(v as usize);
    let out_s = neighbour_list(graph, adj, s, visible);
    let out_t = neighbour_list(graph, adj, t, visible);
    let map_t: IndexMap<f64> = out_t.iter().copied().collect();
    let (s_key, t_key) = (s.index() as u32, t.index() as u32);
    // One hop.
    if let Some(w) = map_t.get(&s_key) {
        top.push(Candidate {
            nodes: [s, t, s, s],
            len: 2,
            score: *w,
        });
    }
    // Two hops.
    if query.max_hops >= 2 {
        for &(x, w_sx) in &out_s {
            if x == t_key {
                continue;
            }
            if let Some(w_xt) = map_t.get(&x) {
                top.push(Candidate {
                    nodes: [s, node(x), t, s],
                    len: 3,
                    score: w_sx * w_xt,
                });
            }
        }
    }
    // Three hops, walked from the cheaper side.
    if query.max_hops >= 3 {
        let cost = |list: &[(u32, f64)]| {
            list.iter()
                .map(|(x, _)| adj.degree(*x as usize))
                .sum::<usize>()
        };
        let from_s = cost(&out_s) <= cost(&out_t);
        let (near, near_list, far, far_list) = if from_s {
            (s_key, &out_s, t_key, &out_t)
        } else {
            (t_key, &out_t, s_key, &out_s)
        };
        let far_map: IndexMap<f64> = if from_s {
            map_t
        } else {
            far_list.iter().copied().collect()
        };
        let far_best = far_list.first().map(|x| x.1).unwrap_or(0.0);
        for &(x, w_nx) in near_list.iter() {
            if x == far {
                continue;
            }
            if w_nx * far_best < top.threshold() {
                break; // sorted by strength: no later x can do better
            }
            let (targets, weights) = adj.row(x as usize);
            for ((&y, &w_cached), edge) in
                targets.iter().zip(weights).zip(adj.row_edges(x as usize))
            {
                if y == near || y == far {
                    continue;
                }
                let Some(&w_yf) = far_map.get(&y) else {
                    continue;
                };
                if w_nx * w_yf < top.threshold() {
                    continue;
                }
                let w_xy = row_strength(graph, w_cached, edge, visible);
                if w_xy <= 0.0 {
                    continue;
                }
                let nodes = if from_s {
                    [s, node(x), node(y), t]
                } else {
                    [s, node(y), node(x), t]
                };
                top.push(Candidate {
                    nodes,
                    len: 4,
                    score: w_nx * w_xy * w_yf,
                });
            }
        }
    }
    let mut found = top.items;
    found.sort_by(|a, b| {
        if a.better_than(b) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        }
    });
    Ok(found.iter().map(|c| describe(graph, c, visible)).collect())
}

fn describe(graph: &TieGraph, candidate: &Candidate, visible: Visibility<'_>) -> IntroPath {
    let nodes = candidate.key();
    let hops = nodes
        .windows(2)
        .map(|w| {
            let ties: Vec<&TieData> = graph
                .ties_between(w[0], w[1])
                .filter(|t| visible.is_none_or(|allow| allow(t)))
                .collect();
            Hop {
                from: graph.node_id(w[0]).to_string(),
                to: graph.node_id(w[1]).to_string(),
                strength: combine(ties.iter().map(|t| t.strength)),
                ties: ties
                    .iter()
                    .map(|t| HopTie {
                        id: t.id.to_string(),
                        kind: t.kind.code(),
                        date: t.date.map(|d| d.to_string()),
                        outcome: t.outcome.map(|o| o.outcome.code()),
                    })
                    .collect(),
            }
        })
        .collect();
    IntroPath {
        nodes: nodes
            .iter()
            .map(|n| graph.node_id(*n).to_string())
            .collect(),
        score: candidate.score,
        hops,
    }
}

#[cfg(test)]
mod tests;
