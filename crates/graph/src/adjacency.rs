//! A compact adjacency (CSR) snapshot of a [`TieGraph`]: contiguous neighbour rows with
//! each pair's combined strength and edge, for the algorithms that walk many edges
//! (paths, betweenness, constraint). The graph caches one and drops it on every change.

use std::hash::{BuildHasherDefault, Hasher};

use petgraph::stable_graph::EdgeIndex;
use petgraph::visit::EdgeRef;

use crate::graph::{TieGraph, other_end};

/// CSR rows: for node `v`, `targets[offsets[v]..offsets[v + 1]]` in index order.
#[derive(Debug, Clone)]
pub struct Adjacency {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    edges: Vec<u32>,
}

impl Adjacency {
    /// Snapshots the graph; neighbours are in index order.
    pub fn of(graph: &TieGraph) -> Self {
        let n = graph.node_count();
        let mut offsets = Vec::with_capacity(n + 1);
        let mut targets = Vec::with_capacity(graph.pair_count() * 2);
        let mut weights = Vec::with_capacity(graph.pair_count() * 2);
        let mut edges = Vec::with_capacity(graph.pair_count() * 2);
        let mut row: Vec<(u32, f64, u32)> = Vec::new();
        offsets.push(0);
        for node in graph.nodes() {
            row.clear();
            row.extend(graph.graph.edges(node).map(|e| {
                (
                    other_end(&e, node).index() as u32,
                    e.weight().strength,
                    e.id().index() as u32,
                )
            }));
            row.sort_by_key(|x| x.0);
            for (t, w, e) in &row {
                targets.push(*t);
                weights.push(*w);
                edges.push(*e);
            }
            offsets.push(targets.len());
        }
        Adjacency {
            offsets,
            targets,
            weights,
            edges,
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when there is no node.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of tied partners of node `v`.
    pub fn degree(&self, v: usize) -> usize {
        self.offsets[v + 1] - self.offsets[v]
    }

    /// Neighbours of `v` and the combined strength of each pair.
    pub fn row(&self, v: usize) -> (&[u32], &[f64]) {
        let range = self.offsets[v]..self.offsets[v + 1];
        (&self.targets[range.clone()], &self.weights[range])
    }

    /// The graph edges of `v`'s row, aligned with [`Adjacency::row`].
    pub(crate) fn row_edges(&self, v: usize) -> impl Iterator<Item = EdgeIndex<u32>> + '_ {
        self.edges[self.offsets[v]..self.offsets[v + 1]]
            .iter()
            .map(|e| EdgeIndex::new(*e as usize))
    }
}

/// A small, fast hasher for node indices (FxHash); the keys are not attacker-chosen.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IndexHasher(u64);

impl Hasher for IndexHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

/// A hash map keyed by node index.
pub(crate) type IndexMap<V> = std::collections::HashMap<u32, V, BuildHasherDefault<IndexHasher>>;
