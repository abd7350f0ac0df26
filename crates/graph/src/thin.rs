//! The thin-tie map: observed ties between cells (UN M49 sub-region, grouping, sector or
//! organization kind) against an expectation, with an exact Poisson interval.
//!
//! Counting. Each counted tie adds 1 to the unordered cell pair {a, b} for every
//! a ∈ cells(one end), b ∈ cells(other end) (an organization in two sectors counts in
//! both). A person counts with the cells of the organization it is affiliated with, or
//! else its own country and sectors. The tie between a person and its own organization
//! is not counted (it is membership, not a tie across the network).
//!
//! Expectation ([`Expectation::Uniform`], the default): ties join uniformly random pairs of
//! distinct organizations, so `E[a,b] = T · w[a,b] / C(N, 2)` with `w[a,b] = n_a·n_b − n_ab`
//! (a ≠ b; `n_ab` organizations in both cells) and `w[a,a] = n_a(n_a − 1)/2`, where `T` is the
//! number of counted ties and `N` the organizations with a cell. With one cell per
//! organization this is "proportional to n_a·n_b, normalised to the total observed".
//! [`Expectation::Degree`] is the gravity-style alternative: masses are each cell's observed
//! tie ends `D_a`, `E[a,b] ∝ D_a·D_b` (`D_a²/2` on the diagonal), normalised to the total
//! observed; it asks whether two cells that are active anyway are tied *to each other*.
//!
//! Interval: the exact Poisson interval of the observed count divided by the expectation.
//! A cell is `thin` when the whole interval is below 1, `thick` when above, `too_small`
//! when it contains 1 and is wider than 1 (it cannot tell a halving from a doubling), and
//! `as_expected` otherwise. Cells are ranked by the point of their interval closest to 1
//! (the confidently thinnest first, the confidently thickest last).

use std::collections::HashMap;

use bridgehub_domain::{Sector, TieKind, reference, reference::Locale};
use serde::Serialize;

use crate::graph::{NodeIdx, TieGraph};
use crate::model::NodeKind;
use crate::{GraphError, poisson_interval};

/// What the cells are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum By {
    /// UN M49 sub-region of the country (`030` Eastern Asia).
    Region,
    /// Grouping (ASEAN, GCC, BRI, ...); a country may be in several or none.
    Group,
    /// Sector.
    Sector,
    /// Organization kind.
    Kind,
}

impl By {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            By::Region => "region",
            By::Group => "group",
            By::Sector => "sector",
            By::Kind => "kind",
        }
    }

    /// Parses a code.
    pub fn parse(text: &str) -> Result<Self, GraphError> {
        match text {
            "region" => Ok(By::Region),
            "group" => Ok(By::Group),
            "sector" => Ok(By::Sector),
            "kind" => Ok(By::Kind),
            other => Err(GraphError::param(
                "by",
                format!("\"{other}\" is not one of region, group, sector, kind"),
            )),
        }
    }

    /// A display name for a cell code (English).
    pub fn label(self, code: &str) -> String {
        let reference = reference::reference();
        match self {
            By::Region => reference
                .region(code)
                .map(|r| r.names.en.clone())
                .unwrap_or_else(|| code.to_owned()),
            By::Group => reference
                .grouping(code)
                .map(|g| g.name(Locale::En).to_owned())
                .unwrap_or_else(|| code.to_owned()),
            By::Sector => Sector::parse(code)
                .map(|s| reference.sector_label(s, Locale::En).to_owned())
                .unwrap_or_else(|_| code.to_owned()),
            By::Kind => code.replace('_', " "),
        }
    }
}

/// The null model the observed counts are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expectation {
    /// Proportional to the number of organization pairs between the cells.
    #[default]
    Uniform,
    /// Gravity-style: proportional to the product of the cells' observed tie ends.
    Degree,
}

impl Expectation {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Expectation::Uniform => "uniform",
            Expectation::Degree => "degree",
        }
    }
}

/// What one observation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CountMode {
    /// Every tie record (two MoUs between the same pair count twice).
    #[default]
    Ties,
    /// Every tied pair, however many ties it has.
    Pairs,
}

/// Parameters of the map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThinParams {
    /// What the cells are.
    pub by: By,
    /// The expectation model.
    pub expectation: Expectation,
    /// Ties or pairs.
    pub count: CountMode,
    /// Confidence of the interval (default 0.95).
    pub confidence: f64,
}

impl ThinParams {
    /// Defaults for a dimension.
    pub fn new(by: By) -> Self {
        ThinParams {
            by,
            expectation: Expectation::Uniform,
            count: CountMode::Ties,
            confidence: 0.95,
        }
    }
}

/// How a cell compares with its expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Fewer ties than expected, beyond doubt at the confidence level.
    Thin,
    /// Consistent with the expectation, and the interval is narrow enough to say so.
    AsExpected,
    /// More ties than expected, beyond doubt.
    Thick,
    /// Too few ties expected to judge.
    TooSmall,
}

/// One unordered cell pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// One cell (the smaller code).
    pub a: String,
    /// The other cell (equal to `a` on the diagonal).
    pub b: String,
    /// Observed ties.
    pub observed: u64,
    /// Expected ties.
    pub expected: f64,
    /// observed / expected.
    pub ratio: f64,
    /// Lower end of the ratio's interval.
    pub low: f64,
    /// Upper end of the ratio's interval.
    pub high: f64,
    /// The verdict.
    pub verdict: Verdict,
}

impl Cell {
    /// The point of the interval closest to 1: the ranking key.
    pub fn conservative_ratio(&self) -> f64 {
        1.0f64.clamp(self.low, self.high.max(self.low))
    }
}

/// The thin-tie map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThinTieMap {
    /// `region`, `group`, `sector` or `kind`.
    pub by: &'static str,
    /// `uniform` or `degree`.
    pub model: &'static str,
    /// Confidence of the intervals.
    pub confidence: f64,
    /// Organizations with a cell.
    pub organizations: u64,
    /// Ties (or pairs) counted.
    pub counted: u64,
    /// Ties (or pairs) left out because an end has no cell.
    pub skipped: u64,
    /// Cells, the confidently thinnest first.
    pub cells: Vec<Cell>,
}

impl ThinTieMap {
    /// The `n` thinnest cells.
    pub fn thinnest(&self, n: usize) -> &[Cell] {
        &self.cells[..n.min(self.cells.len())]
    }

    /// The `n` thickest cells, the thickest first.
    pub fn thickest(&self, n: usize) -> Vec<&Cell> {
        self.cells.iter().rev().take(n).collect()
    }
}

/// Cell lists of every node, flattened.
struct NodeCells {
    labels: Vec<String>,
    offsets: Vec<u32>,
    cells: Vec<u16>,
}

impl NodeCells {
    fn of(&self, node: NodeIdx) -> &[u16] {
        let idx = node.index();
        &self.cells[self.offsets[idx] as usize..self.offsets[idx + 1] as usize]
    }
}

fn own_cells(graph: &TieGraph, node: NodeIdx, by: By, out: &mut Vec<String>) {
    let data = graph.node_data(node);
    match by {
        By::Region => out.extend(
            data.country
                .map(|c| c.subregion().to_owned())
                .filter(|s| !s.is_empty()),
        ),
        By::Group => {
            if let Some(country) = data.country {
                out.extend(
                    reference::reference()
                        .groupings_of(country)
                        .map(|g| g.code.clone()),
                );
            }
        }
        By::Sector => out.extend(data.sectors.iter().map(|s| s.code().to_owned())),
        By::Kind => out.extend(data.org_kind.map(|k| k.code().to_owned())),
    }
}

fn resolve_cells(graph: &TieGraph, by: By) -> NodeCells {
    let mut index: HashMap<String, u16> = HashMap::new();
    let mut labels = Vec::new();
    let mut offsets = Vec::with_capacity(graph.node_count() + 1);
    let mut cells = Vec::new();
    let mut scratch = Vec::new();
    offsets.push(0);
    for node in graph.nodes() {
        scratch.clear();
        let data = graph.node_data(node);
        let source = match (data.kind, data.affiliation) {
            (NodeKind::Person, Some(org)) if graph.node_data(org).known => org,
            _ => node,
        };
        own_cells(graph, source, by, &mut scratch);
        scratch.sort();
        scratch.dedup();
        for code in scratch.drain(..) {
            let next = labels.len() as u16;
            let cell = *index.entry(code.clone()).or_insert_with(|| {
                labels.push(code);
                next
            });
            cells.push(cell);
        }
        offsets.push(cells.len() as u32);
    }
    NodeCells {
        labels,
        offsets,
        cells,
    }
}

/// Whether a tie is a person's membership of its own organization.
fn is_own_membership(graph: &TieGraph, kind: TieKind, from: NodeIdx, to: NodeIdx) -> bool {
    if kind != TieKind::MemberOf {
        return false;
    }
    let (a, b) = (graph.node_data(from), graph.node_data(to));
    (a.kind == NodeKind::Person && a.affiliation == Some(to))
        || (b.kind == NodeKind::Person && b.affiliation == Some(from))
}

/// Builds the thin-tie map.
pub fn thin_tie_map(graph: &TieGraph, params: &ThinParams) -> Result<ThinTieMap, GraphError> {
    if !(params.confidence > 0.0 && params.confidence < 1.0) {
        return Err(GraphError::param(
            "confidence",
            "must be strictly between 0 and 1",
        ));
    }
    let cells = resolve_cells(graph, params.by);
    let k = cells.labels.len();
    let mut observed = vec![0u64; k * k];
    let (mut counted, mut skipped) = (0u64, 0u64);
    let mut count_one = |from: NodeIdx, to: NodeIdx, observed: &mut Vec<u64>| {
        let (ca, cb) = (cells.of(from), cells.of(to));
        if ca.is_empty() || cb.is_empty() {
            skipped += 1;
            return;
        }
        counted += 1;
        for &a in ca {
            for &b in cb {
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                observed[lo as usize * k + hi as usize] += 1;
            }
        }
    };
    match params.count {
        CountMode::Ties => {
            for (tie, from, to) in graph.ties() {
                if !is_own_membership(graph, tie.kind, from, to) {
                    count_one(from, to, &mut observed);
                }
            }
        }
        CountMode::Pairs => {
            for edge in graph.graph.edge_indices() {
                let Some((from, to)) = graph.graph.edge_endpoints(edge) else {
                    continue;
                };
                let countable = graph
                    .pair_ties(&graph.graph[edge])
                    .any(|t| !is_own_membership(graph, t.kind, from, to));
                if countable {
                    count_one(from, to, &mut observed);
                }
            }
        }
    }
    // Organization counts per cell and co-membership counts.
    let mut n = vec![0f64; k];
    let mut both = vec![0f64; k * k];
    let mut n_orgs = 0u64;
    for node in graph.nodes() {
        let data = graph.node_data(node);
        if data.kind != NodeKind::Organization || !data.known {
            continue;
        }
        let list = cells.of(node);
        if list.is_empty() {
            continue;
        }
        n_orgs += 1;
        for (i, &a) in list.iter().enumerate() {
            n[a as usize] += 1.0;
            for &b in &list[i + 1..] {
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                both[lo as usize * k + hi as usize] += 1.0;
            }
        }
    }
    let weights: Vec<f64> = match params.expectation {
        Expectation::Uniform => {
            let pairs = n_orgs as f64 * (n_orgs as f64 - 1.0) / 2.0;
            let scale = if pairs > 0.0 {
                counted as f64 / pairs
            } else {
                0.0
            };
            (0..k * k)
                .map(|idx| {
                    let (a, b) = (idx / k, idx % k);
                    let w = if a == b {
                        n[a] * (n[a] - 1.0) / 2.0
                    } else {
                        n[a] * n[b] - both[idx]
                    };
                    w.max(0.0) * scale
                })
                .collect()
        }
        Expectation::Degree => {
            let mut mass = vec![0f64; k];
            for a in 0..k {
                for b in a..k {
                    let o = observed[a * k + b] as f64;
                    mass[a] += o;
                    mass[b] += o;
                }
            }
            let total_observed: f64 = observed.iter().map(|o| *o as f64).sum();
            let total_mass: f64 = mass.iter().sum();
            let norm = total_mass * total_mass / 2.0;
            let scale = if norm > 0.0 {
                total_observed / norm
            } else {
                0.0
            };
            (0..k * k)
                .map(|idx| {
                    let (a, b) = (idx / k, idx % k);
                    let g = if a == b {
                        mass[a] * mass[a] / 2.0
                    } else {
                        mass[a] * mass[b]
                    };
                    g * scale
                })
                .collect()
        }
    };
    let mut out = Vec::new();
    let mut interval_cache: HashMap<u64, (f64, f64)> = HashMap::new();
    for a in 0..k {
        for b in a..k {
            let expected = weights[a * k + b];
            if expected.is_nan() || expected <= 0.0 {
                continue;
            }
            let count = observed[a * k + b];
            let (low, high) = *interval_cache
                .entry(count)
                .or_insert_with(|| poisson_interval(count, params.confidence));
            let (ratio, low, high) = (count as f64 / expected, low / expected, high / expected);
            let verdict = if high < 1.0 {
                Verdict::Thin
            } else if low > 1.0 {
                Verdict::Thick
            } else if high - low > 1.0 {
                Verdict::TooSmall
            } else {
                Verdict::AsExpected
            };
            let (la, lb) = (&cells.labels[a], &cells.labels[b]);
            let (la, lb) = if la <= lb { (la, lb) } else { (lb, la) };
            out.push(Cell {
                a: la.clone(),
                b: lb.clone(),
                observed: count,
                expected,
                ratio,
                low,
                high,
                verdict,
            });
        }
    }
    out.sort_by(|x, y| {
        x.conservative_ratio()
            .total_cmp(&y.conservative_ratio())
            .then(x.ratio.total_cmp(&y.ratio))
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    Ok(ThinTieMap {
        by: params.by.code(),
        model: params.expectation.code(),
        confidence: params.confidence,
        organizations: n_orgs,
        counted,
        skipped,
        cells: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{empty, org, tie};
    use crate::model::NodeInput;
    use bridgehub_domain::{CountryCode, EntityId, OrgKind};

    fn small() -> TieGraph {
        // Two orgs in South-eastern Asia (035), two in Western Asia (145).
        let mut graph = empty();
        for (id, country) in [("sg1", "SG"), ("my1", "MY"), ("ae1", "AE"), ("sa1", "SA")] {
            graph.upsert_node(org(id, country));
        }
        graph
            .upsert_tie(tie("t1", "sg1", "my1", TieKind::Met, "2025-01-01"))
            .unwrap();
        graph
            .upsert_tie(tie("t2", "sg1", "ae1", TieKind::Met, "2025-01-01"))
            .unwrap();
        graph
            .upsert_tie(tie("t3", "ae1", "sa1", TieKind::Met, "2025-01-01"))
            .unwrap();
        graph
    }

    #[test]
    fn uniform_expectation_is_proportional_to_organization_pairs() {
        let map = thin_tie_map(&small(), &ThinParams::new(By::Region)).unwrap();
        let cell = map
            .cells
            .iter()
            .find(|c| c.a == "035" && c.b == "145")
            .unwrap();
        // 4 pairs of 6 cross the regions; 3 ties → expected 2.
        assert_eq!(cell.observed, 1);
        assert!((cell.expected - 2.0).abs() < 1e-12);
        assert!((cell.ratio - 0.5).abs() < 1e-12);
        let total: f64 = map.cells.iter().map(|c| c.expected).sum();
        assert!(
            (total - 3.0).abs() < 1e-12,
            "expectations add up to the ties counted"
        );
        assert_eq!(cell.verdict, Verdict::TooSmall);
    }

    #[test]
    fn degree_expectation_adds_up_to_the_observed_total() {
        let mut params = ThinParams::new(By::Region);
        params.expectation = Expectation::Degree;
        let map = thin_tie_map(&small(), &params).unwrap();
        let expected: f64 = map.cells.iter().map(|c| c.expected).sum();
        let observed: u64 = map.cells.iter().map(|c| c.observed).sum();
        assert!((expected - observed as f64).abs() < 1e-9);
    }

    #[test]
    fn people_count_with_their_organization_and_their_membership_is_not_a_tie() {
        let mut graph = small();
        graph.upsert_node(NodeInput::person(
            EntityId::parse("p1").unwrap(),
            None,
            Some(EntityId::parse("sa1").unwrap()),
        ));
        graph
            .upsert_tie(tie("t4", "p1", "sg1", TieKind::Met, "2025-01-01"))
            .unwrap();
        let map = thin_tie_map(&graph, &ThinParams::new(By::Region)).unwrap();
        assert_eq!(map.counted, 4);
        let cell = map
            .cells
            .iter()
            .find(|c| c.a == "035" && c.b == "145")
            .unwrap();
        assert_eq!(cell.observed, 2);
    }

    #[test]
    fn organizations_in_several_sectors_count_in_each() {
        let mut graph = empty();
        let cc = CountryCode::parse("SG").unwrap();
        let id = |t: &str| EntityId::parse(t).unwrap();
        graph.upsert_node(NodeInput::organization(
            id("a"),
            OrgKind::Ngo,
            cc,
            vec![Sector::Trade, Sector::Finance],
        ));
        graph.upsert_node(NodeInput::organization(
            id("b"),
            OrgKind::Ngo,
            cc,
            vec![Sector::Trade],
        ));
        graph
            .upsert_tie(tie("t1", "a", "b", TieKind::Met, "2025-01-01"))
            .unwrap();
        let map = thin_tie_map(&graph, &ThinParams::new(By::Sector)).unwrap();
        let observed: u64 = map.cells.iter().map(|c| c.observed).sum();
        assert_eq!(observed, 2);
        // The only pair of organizations, (a, b), sits in finance×trade and trade×trade.
        for cell in &map.cells {
            assert!((cell.expected - 1.0).abs() < 1e-12, "{cell:?}");
        }
        assert!(By::parse("continent").is_err());
    }
}
