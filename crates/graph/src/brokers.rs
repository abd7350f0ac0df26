//! Brokers: betweenness centrality (Brandes; exact or sampled; over the whole graph or
//! restricted to the pairs between two regions) and Burt's constraint.
//!
//! Definitions follow NetworkX so the figures can be checked against it:
//! - [`betweenness`] is `nx.betweenness_centrality(G, normalized=True)` on the unweighted
//!   graph (shortest paths count hops; strength enters through constraint and paths).
//!   Sampled, it is NetworkX's estimator for `k` sampled sources.
//! - [`pair_betweenness`] is, for every node, the sum over unordered pairs {a, b}
//!   (a ∈ A, b ∈ B, a ≠ b) of the share of shortest a–b paths through it; for disjoint A, B
//!   this is `betweenness_centrality_subset(G, A, B) + betweenness_centrality_subset(G, B, A)`,
//!   and for A = B it is `betweenness_centrality_subset(G, A, A)` (both unnormalized).
//! - [`constraint`] is `nx.constraint(G, weight="weight")` with the pair's combined strength
//!   as weight (or unweighted): `c(u) = Σ_v (p_uv + Σ_q p_uq·p_qv)²`, `p_uv = w_uv / Σ_x w_ux`.

use std::collections::HashMap;

use bridgehub_domain::reference;
use serde::Serialize;

use crate::GraphError;
pub use crate::adjacency::Adjacency;
use crate::graph::{NodeIdx, TieGraph};
use crate::model::NodeKind;

/// Reusable per-source state of Brandes' algorithm.
struct Brandes {
    dist: Vec<i32>,
    sigma: Vec<f64>,
    delta: Vec<f64>,
    order: Vec<u32>,
}

impl Brandes {
    fn new(n: usize) -> Self {
        Brandes {
            dist: vec![-1; n],
            sigma: vec![0.0; n],
            delta: vec![0.0; n],
            order: Vec::new(),
        }
    }

    /// One source: BFS, then dependency accumulation into `scores`. With a target mask,
    /// only paths ending in a target count (NetworkX `_accumulate_subset`).
    fn run(&mut self, adj: &Adjacency, s: usize, targets: Option<&[bool]>, scores: &mut [f64]) {
        for &v in &self.order {
            let v = v as usize;
            self.dist[v] = -1;
            self.sigma[v] = 0.0;
            self.delta[v] = 0.0;
        }
        self.order.clear();
        self.dist[s] = 0;
        self.sigma[s] = 1.0;
        self.order.push(s as u32);
        let mut head = 0;
        while head < self.order.len() {
            let v = self.order[head] as usize;
            head += 1;
            let (row, _) = adj.row(v);
            for &w in row {
                let w = w as usize;
                if self.dist[w] < 0 {
                    self.dist[w] = self.dist[v] + 1;
                    self.order.push(w as u32);
                }
                if self.dist[w] == self.dist[v] + 1 {
                    self.sigma[w] += self.sigma[v];
                }
            }
        }
        for idx in (0..self.order.len()).rev() {
            let w = self.order[idx] as usize;
            let end = match targets {
                None => 1.0,
                Some(mask) => {
                    if mask[w] && w != s {
                        1.0
                    } else {
                        0.0
                    }
                }
            };
            let coeff = (end + self.delta[w]) / self.sigma[w];
            let (row, _) = adj.row(w);
            for &v in row {
                let v = v as usize;
                if self.dist[v] >= 0 && self.dist[v] == self.dist[w] - 1 {
                    self.delta[v] += self.sigma[v] * coeff;
                }
            }
            if w != s {
                scores[w] += self.delta[w];
            }
        }
    }
}

/// Source chunks run side by side (a fixed number, whatever the machine's cores, so that the
/// sums, added chunk by chunk in order, are the same everywhere).
const CHUNKS: usize = 4;

/// Brandes' accumulation from every source of `sources` into one score per node, the sources
/// split into [`CHUNKS`] contiguous chunks that run on threads of their own (each with its own
/// state and scores, added in chunk order). `targets` gives the target mask of a source
/// (`None`: every node).
fn accumulate<M>(adj: &Adjacency, sources: &[usize], targets: M) -> Vec<f64>
where
    M: Fn(usize, &mut Vec<bool>) -> bool + Sync,
{
    let n = adj.len();
    let run_chunk = |chunk: &[usize]| {
        let mut scores = vec![0.0; n];
        let mut state = Brandes::new(n);
        let mut mask = Vec::new();
        for &s in chunk {
            let masked = targets(s, &mut mask);
            state.run(adj, s, masked.then_some(mask.as_slice()), &mut scores);
        }
        scores
    };
    let size = sources.len().div_ceil(CHUNKS).max(1);
    // Small jobs stay on this thread (threads cost more than they save).
    if sources.len() < 2 * CHUNKS || n < 1_000 {
        let mut total = vec![0.0; n];
        for chunk in sources.chunks(size) {
            for (t, x) in total.iter_mut().zip(run_chunk(chunk)) {
                *t += x;
            }
        }
        return total;
    }
    let parts: Vec<Vec<f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = sources.chunks(size).map(|chunk| scope.spawn(move || run_chunk(chunk))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut total = vec![0.0; n];
    for part in parts {
        for (t, x) in total.iter_mut().zip(part) {
            *t += x;
        }
    }
    total
}

/// Picks `k` distinct sources from `pool` with a seeded shuffle (all of them when k ≥ len).
fn sample(pool: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let mut pool = pool.to_vec();
    if k >= pool.len() {
        return pool;
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    for i in 0..k {
        let j = i + rng.usize(..pool.len() - i);
        pool.swap(i, j);
    }
    pool.truncate(k);
    pool
}

/// Normalized betweenness of every node (index = node index), exact when `samples` is
/// `None`, else estimated from that many seeded random sources.
pub fn betweenness(adj: &Adjacency, samples: Option<usize>, seed: u64) -> Vec<f64> {
    let all: Vec<usize> = (0..adj.len()).collect();
    betweenness_over(adj, &all, samples, seed)
}

/// [`betweenness`] over the graph made of `nodes` (node indexes; the others must have no
/// ties, such as the placeholder a live graph keeps for a deleted organization): they alone
/// are sampled as sources and counted when normalizing, as a graph without the others
/// would be.
pub fn betweenness_over(adj: &Adjacency, nodes: &[usize], samples: Option<usize>, seed: u64) -> Vec<f64> {
    let n = nodes.len();
    let sources = match samples {
        Some(k) if k < n => sample(nodes, k, seed),
        _ => nodes.to_vec(),
    };
    let mut scores = accumulate(adj, &sources, |_, _| false);
    // NetworkX `_rescale` with endpoints=False: N = n − 1 valid targets.
    if n < 3 {
        return scores;
    }
    let big_n = (n - 1) as f64;
    if sources.len() == n {
        let scale = 1.0 / (big_n * (big_n - 1.0));
        scores.iter_mut().for_each(|x| *x *= scale);
    } else {
        let k = sources.len() as f64;
        let mut is_source = vec![false; adj.len()];
        sources.iter().for_each(|s| is_source[*s] = true);
        for (v, x) in scores.iter_mut().enumerate() {
            let scale = if is_source[v] {
                if k > 1.0 {
                    1.0 / ((k - 1.0) * (big_n - 1.0))
                } else {
                    f64::NAN
                }
            } else {
                1.0 / (k * (big_n - 1.0))
            };
            *x *= scale;
        }
    }
    scores
}

/// Betweenness restricted to the pairs between node sets `a` and `b` (see the module
/// documentation); with `samples`, estimated from that many sources of the source side.
pub fn pair_betweenness(
    adj: &Adjacency,
    a: &[usize],
    b: &[usize],
    samples: Option<usize>,
    seed: u64,
) -> Vec<f64> {
    let n = adj.len();
    let mut in_a = vec![false; n];
    let mut in_b = vec![false; n];
    a.iter().for_each(|v| in_a[*v] = true);
    b.iter().for_each(|v| in_b[*v] = true);
    let disjoint = !a.iter().any(|v| in_b[*v]);
    if disjoint {
        // Each unordered pair once, from the smaller side.
        let (sources, mask) = if a.len() <= b.len() {
            (a, &in_b)
        } else {
            (b, &in_a)
        };
        let chosen = match samples {
            Some(k) if k < sources.len() => sample(sources, k, seed),
            _ => sources.to_vec(),
        };
        let mut scores = accumulate(adj, &chosen, |_, target| {
            if target.is_empty() {
                target.extend_from_slice(mask);
            }
            true
        });
        let scale = sources.len() as f64 / chosen.len().max(1) as f64;
        scores.iter_mut().for_each(|x| *x *= scale);
        scores
    } else {
        // Ordered pairs from both sides, then halved.
        let mut union: Vec<usize> = a.iter().chain(b).copied().collect();
        union.sort_unstable();
        union.dedup();
        let chosen = match samples {
            Some(k) if k < union.len() => sample(&union, k, seed),
            _ => union.clone(),
        };
        let mut scores = accumulate(adj, &chosen, |s, mask| {
            mask.clear();
            mask.extend((0..n).map(|v| (in_a[s] && in_b[v]) || (in_b[s] && in_a[v])));
            true
        });
        let scale = 0.5 * union.len() as f64 / chosen.len().max(1) as f64;
        scores.iter_mut().for_each(|x| *x *= scale);
        scores
    }
}

/// Burt's constraint of the given nodes (`None` for an isolated node), weighted by pair
/// strength or unweighted.
pub fn constraint(adj: &Adjacency, nodes: &[usize], weighted: bool) -> Vec<Option<f64>> {
    let weight = |w: f64| if weighted { w } else { 1.0 };
    let totals: Vec<f64> = (0..adj.len())
        .map(|v| adj.row(v).1.iter().map(|w| weight(*w)).sum())
        .collect();
    let mut position: HashMap<u32, usize> = HashMap::new();
    nodes
        .iter()
        .map(|&u| {
            let (row, weights) = adj.row(u);
            if row.is_empty() || totals[u] == 0.0 {
                return None;
            }
            position.clear();
            for (i, v) in row.iter().enumerate() {
                position.insert(*v, i);
            }
            let direct: Vec<f64> = weights.iter().map(|w| weight(*w) / totals[u]).collect();
            let mut indirect = vec![0.0; row.len()];
            for (qi, &q) in row.iter().enumerate() {
                let q = q as usize;
                if totals[q] == 0.0 {
                    continue;
                }
                let (q_row, q_weights) = adj.row(q);
                for (r, w_qr) in q_row.iter().zip(q_weights) {
                    if let Some(&ri) = position.get(r) {
                        indirect[ri] += direct[qi] * weight(*w_qr) / totals[q];
                    }
                }
            }
            Some(
                direct
                    .iter()
                    .zip(&indirect)
                    .map(|(d, i)| (d + i) * (d + i))
                    .sum(),
            )
        })
        .collect()
}

/// How brokers are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BrokerParams {
    /// How many brokers to report.
    pub top: usize,
    /// Sampled sources (`None`: exact).
    pub samples: Option<usize>,
    /// Seed of the sample.
    pub seed: u64,
    /// Weight constraint by pair strength.
    pub weighted_constraint: bool,
}

impl Default for BrokerParams {
    fn default() -> Self {
        BrokerParams {
            top: 20,
            samples: None,
            seed: 1,
            weighted_constraint: true,
        }
    }
}

/// A region pair a broker's ties span, with the number of neighbour pairs across it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bridge {
    /// One region.
    pub a: String,
    /// The other region.
    pub b: String,
    /// Pairs of the broker's partners, one in each region.
    pub pairs: u64,
}

/// One broker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Broker {
    /// Node id.
    pub id: String,
    /// `organization` or `person`.
    pub kind: &'static str,
    /// UN M49 sub-region.
    pub region: Option<String>,
    /// Betweenness (normalized; for a region pair, the pair-restricted sum).
    pub betweenness: f64,
    /// Burt's constraint (low: spans structural holes).
    pub constraint: Option<f64>,
    /// Tied partners.
    pub degree: usize,
    /// The region pairs its partners span most, up to three.
    pub bridges: Vec<Bridge>,
}

/// The brokers report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokerReport {
    /// The region pair asked about, if any.
    pub between: Option<[String; 2]>,
    /// True when betweenness is exact, false when sampled.
    pub exact: bool,
    /// Sources walked.
    pub sources: usize,
    /// Brokers, highest betweenness first.
    pub brokers: Vec<Broker>,
}

/// The UN M49 sub-region of a node (a person: its own country, else its organization's).
pub fn node_region(graph: &TieGraph, node: NodeIdx) -> Option<&'static str> {
    let data = graph.node_data(node);
    let country = data.country.or_else(|| {
        data.affiliation
            .and_then(|org| graph.node_data(org).country)
    })?;
    Some(country.subregion()).filter(|s| !s.is_empty())
}

fn in_region(graph: &TieGraph, node: NodeIdx, code: &str) -> bool {
    let data = graph.node_data(node);
    let country = data.country.or_else(|| {
        data.affiliation
            .and_then(|org| graph.node_data(org).country)
    });
    country
        .and_then(|c| c.country())
        .is_some_and(|c| c.subregion == code || c.region == code || c.intermediate == code)
}

fn bridges(graph: &TieGraph, node: NodeIdx) -> Vec<Bridge> {
    let mut counts: HashMap<&'static str, u64> = HashMap::new();
    for (other, _) in graph.neighbors(node) {
        if let Some(region) = node_region(graph, other) {
            *counts.entry(region).or_default() += 1;
        }
    }
    let mut regions: Vec<(&str, u64)> = counts.into_iter().collect();
    regions.sort();
    let mut out = Vec::new();
    for i in 0..regions.len() {
        for j in i + 1..regions.len() {
            out.push(Bridge {
                a: regions[i].0.to_owned(),
                b: regions[j].0.to_owned(),
                pairs: regions[i].1 * regions[j].1,
            });
        }
    }
    out.sort_by(|x, y| {
        y.pairs
            .cmp(&x.pairs)
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    out.truncate(3);
    out
}

/// The top brokers of the graph, or between two regions (M49 codes of a region,
/// sub-region or intermediate region).
pub fn brokers(
    graph: &TieGraph,
    between: Option<(&str, &str)>,
    params: &BrokerParams,
) -> Result<BrokerReport, GraphError> {
    let adj = graph.adjacency();
    // The nodes a fresh build would hold: records, and ends of ties. A live graph keeps a
    // deleted organization as a tie-less placeholder, which must not count.
    let nodes: Vec<usize> = graph.nodes().filter(|v| graph.graph[*v].known || adj.degree(v.index()) > 0).map(|v| v.index()).collect();
    let (scores, sources, label) = match between {
        None => {
            let n = nodes.len();
            (
                betweenness_over(adj, &nodes, params.samples, params.seed),
                params.samples.map_or(n, |k| k.min(n)),
                None,
            )
        }
        Some((a, b)) => {
            for code in [a, b] {
                if reference::reference().region(code).is_none() {
                    return Err(GraphError::param(
                        "between",
                        format!("\"{code}\" is not a UN M49 region code"),
                    ));
                }
            }
            let set = |code: &str| {
                graph
                    .nodes()
                    .filter(|n| in_region(graph, *n, code))
                    .map(|n| n.index())
                    .collect::<Vec<_>>()
            };
            let (set_a, set_b) = (set(a), set(b));
            let side = if a == b {
                set_a.len()
            } else {
                set_a.len().min(set_b.len())
            };
            let scores = pair_betweenness(adj, &set_a, &set_b, params.samples, params.seed);
            (
                scores,
                params.samples.map_or(side, |k| k.min(side)),
                Some([a.to_owned(), b.to_owned()]),
            )
        }
    };
    let exact = params.samples.is_none_or(|k| k >= nodes.len());
    let mut order: Vec<usize> = (0..scores.len()).filter(|v| scores[*v] > 0.0).collect();
    order.sort_by(|x, y| scores[*y].total_cmp(&scores[*x]).then(x.cmp(y)));
    order.truncate(params.top);
    let constraints = constraint(adj, &order, params.weighted_constraint);
    let brokers = order
        .iter()
        .zip(constraints)
        .map(|(&v, c)| {
            let node = NodeIdx::new(v);
            Broker {
                id: graph.node_id(node).to_string(),
                kind: match graph.node_kind(node) {
                    NodeKind::Organization => "organization",
                    NodeKind::Person => "person",
                },
                region: node_region(graph, node).map(str::to_owned),
                betweenness: scores[v],
                constraint: c,
                degree: graph.degree(node),
                bridges: bridges(graph, node),
            }
        })
        .collect();
    Ok(BrokerReport {
        between: label,
        exact,
        sources,
        brokers,
    })
}

#[cfg(test)]
mod tests;
