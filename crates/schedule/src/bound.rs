//! The upper bound on achievable weight: the degree-constrained LP of
//! `scheduling.md` §6, tightened by session, solved exactly as a min-cost flow.
//!
//! LP: maximise Σ w_m y_m subject to, for every participant p,
//! Σ_{m∋p} y_m ≤ c_p (available slots, or its cap if smaller),
//! Σ_{m∋p, m AM-only} y_m ≤ am_p, Σ_{m∋p, m PM-only} y_m ≤ pm_p (available slots per session),
//! Σ_m y_m ≤ T·L, 0 ≤ y ≤ 1, and y_m = 0 when no slot suits both participants.
//!
//! Method: on the bipartite double cover (a left and a right copy of each participant; a
//! request (a, b) becomes arcs a_L → b_R and b_L → a_R of capacity 1 and cost −w) the
//! participant caps become laminar capacities on each side, the global cap becomes a source
//! capacity 2·T·L, and the LP optimum is exactly half the min-cost flow: averaging the two arcs
//! of a request maps any flow onto a feasible y with half the weight, and setting both arcs to
//! y_m maps any LP point onto a flow with twice the weight. The flow polytope is integral, so
//! the bound is a multiple of ½. It is solved by a primal–dual algorithm (Dijkstra on reduced
//! costs, then Dinic blocking flows on the zero-reduced-cost arcs); the number of phases is at
//! most the number of distinct shortest-path costs, ≤ max weight + 1.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::model::{Problem, SessionRule};

/// The bound and the LP point it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct UpperBound {
    /// The LP optimum (a multiple of ½).
    pub value: f64,
    /// Twice the LP optimum, exact.
    pub twice_value: u64,
    /// The optimal y per request, in {0, ½, 1}, as the number of halves (0, 1 or 2).
    pub halves: Vec<u8>,
}

/// Computes the degree-LP upper bound of `problem`.
pub fn upper_bound(problem: &Problem) -> UpperBound {
    let n_p = problem.participants.len();
    let am_slots = problem.session_slots(SessionRule::Am);
    let pm_slots = problem.session_slots(SessionRule::Pm);
    // Node layout, in topological order of the initial network:
    // 0 = super source, 1 = source, then per participant: left, left-am, left-pm,
    // then per participant: right-am, right-pm, right; finally the sink.
    let left = |p: usize| 2 + 3 * p;
    let right_base = 2 + 3 * n_p;
    let right = |p: usize| right_base + 3 * p + 2;
    let sink = right_base + 3 * n_p;
    let mut net = FlowNetwork::new(sink + 1);
    let global = 2 * (problem.n_slots() as i64) * (problem.tables as i64);
    net.add_arc(0, 1, global, 0);
    for p in 0..n_p {
        let available = problem.available(p);
        let total = (available.count_ones() as usize).min(problem.cap(p)) as i64;
        let am = i64::from((available & am_slots).count_ones());
        let pm = i64::from((available & pm_slots).count_ones());
        net.add_arc(1, left(p), total, 0);
        net.add_arc(left(p), left(p) + 1, am, 0);
        net.add_arc(left(p), left(p) + 2, pm, 0);
        net.add_arc(right(p) - 2, right(p), am, 0);
        net.add_arc(right(p) - 1, right(p), pm, 0);
        net.add_arc(right(p), sink, total, 0);
    }
    let mut request_arcs = Vec::with_capacity(problem.requests.len());
    for (m, request) in problem.requests.iter().enumerate() {
        if problem.domain(m) == 0 || request.weight == 0 {
            request_arcs.push(None);
            continue;
        }
        let (from_offset, to_offset) = match request.session {
            SessionRule::Any => (0, 2),
            SessionRule::Am => (1, 0),
            SessionRule::Pm => (2, 1),
        };
        let cost = -(request.weight as i64);
        let first = net.add_arc(
            left(request.a) + from_offset,
            right_base + 3 * request.b + to_offset,
            1,
            cost,
        );
        let second = net.add_arc(
            left(request.b) + from_offset,
            right_base + 3 * request.a + to_offset,
            1,
            cost,
        );
        request_arcs.push(Some((first, second)));
    }
    let cost = net.min_cost_flow(0, sink);
    let halves = request_arcs
        .iter()
        .map(|arcs| match arcs {
            Some((first, second)) => (net.flow(*first) + net.flow(*second)) as u8,
            None => 0,
        })
        .collect();
    let twice_value = (-cost) as u64;
    UpperBound {
        value: twice_value as f64 / 2.0,
        twice_value,
        halves,
    }
}

/// A residual network with integer capacities and costs.
struct FlowNetwork {
    head: Vec<usize>,
    to: Vec<usize>,
    next: Vec<usize>,
    cap: Vec<i64>,
    cost: Vec<i64>,
    original: Vec<i64>,
}

const NONE: usize = usize::MAX;
const INF: i64 = i64::MAX / 4;

impl FlowNetwork {
    fn new(n_nodes: usize) -> Self {
        Self {
            head: vec![NONE; n_nodes],
            to: vec![],
            next: vec![],
            cap: vec![],
            cost: vec![],
            original: vec![],
        }
    }

    /// Adds an arc (and its reverse); returns the arc's index.
    fn add_arc(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
        let index = self.to.len();
        for (u, v, c, k) in [(from, to, cap, cost), (to, from, 0, -cost)] {
            self.to.push(v);
            self.next.push(self.head[u]);
            self.head[u] = self.to.len() - 1;
            self.cap.push(c);
            self.cost.push(k);
            self.original.push(c);
        }
        index
    }

    fn flow(&self, arc: usize) -> i64 {
        self.original[arc] - self.cap[arc]
    }

    fn arcs(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        let mut arc = self.head[node];
        std::iter::from_fn(move || {
            if arc == NONE {
                return None;
            }
            let current = arc;
            arc = self.next[arc];
            Some(current)
        })
    }

    /// Sends the min-cost flow of any value (stopping when no path has negative cost);
    /// returns its cost. Node indices must be in topological order of the initial arcs.
    fn min_cost_flow(&mut self, source: usize, sink: usize) -> i64 {
        let n = self.head.len();
        // Initial potentials: shortest distances in the DAG, in index order.
        let mut potential = vec![INF; n];
        potential[source] = 0;
        for u in 0..n {
            if potential[u] == INF {
                continue;
            }
            for arc in self.arcs(u).collect::<Vec<_>>() {
                if self.cap[arc] > 0 {
                    let v = self.to[arc];
                    potential[v] = potential[v].min(potential[u] + self.cost[arc]);
                }
            }
        }
        for p in potential.iter_mut() {
            if *p == INF {
                *p = 0;
            }
        }
        let mut total_cost = 0i64;
        let mut dist = vec![INF; n];
        loop {
            // Dijkstra on reduced costs.
            dist.iter_mut().for_each(|d| *d = INF);
            dist[source] = 0;
            let mut heap = BinaryHeap::new();
            heap.push(Reverse((0i64, source)));
            while let Some(Reverse((d, u))) = heap.pop() {
                if d > dist[u] {
                    continue;
                }
                let mut arc = self.head[u];
                while arc != NONE {
                    if self.cap[arc] > 0 {
                        let v = self.to[arc];
                        let nd = d + self.cost[arc] + potential[u] - potential[v];
                        if nd < dist[v] {
                            dist[v] = nd;
                            heap.push(Reverse((nd, v)));
                        }
                    }
                    arc = self.next[arc];
                }
            }
            if dist[sink] >= INF {
                break;
            }
            let cap_dist = dist[sink];
            for v in 0..n {
                potential[v] += dist[v].min(cap_dist);
            }
            let path_cost = potential[sink] - potential[source];
            if path_cost >= 0 {
                break;
            }
            let pushed = self.blocking_flows(source, sink, &potential);
            if pushed == 0 {
                break;
            }
            total_cost += pushed * path_cost;
        }
        total_cost
    }

    /// Dinic on the arcs of zero reduced cost; returns the flow pushed.
    fn blocking_flows(&mut self, source: usize, sink: usize, potential: &[i64]) -> i64 {
        let n = self.head.len();
        let mut total = 0;
        let mut level = vec![u32::MAX; n];
        let mut iter = vec![NONE; n];
        loop {
            level.iter_mut().for_each(|l| *l = u32::MAX);
            level[source] = 0;
            let mut queue = std::collections::VecDeque::from([source]);
            while let Some(u) = queue.pop_front() {
                let mut arc = self.head[u];
                while arc != NONE {
                    let v = self.to[arc];
                    if self.cap[arc] > 0
                        && level[v] == u32::MAX
                        && self.cost[arc] + potential[u] - potential[v] == 0
                    {
                        level[v] = level[u] + 1;
                        queue.push_back(v);
                    }
                    arc = self.next[arc];
                }
            }
            if level[sink] == u32::MAX {
                return total;
            }
            iter.copy_from_slice(&self.head);
            loop {
                let pushed = self.augment(source, sink, INF, &level, &mut iter, potential);
                if pushed == 0 {
                    break;
                }
                total += pushed;
            }
        }
    }

    fn augment(
        &mut self,
        u: usize,
        sink: usize,
        limit: i64,
        level: &[u32],
        iter: &mut [usize],
        potential: &[i64],
    ) -> i64 {
        if u == sink {
            return limit;
        }
        while iter[u] != NONE {
            let arc = iter[u];
            let v = self.to[arc];
            if self.cap[arc] > 0
                && level[v] == level[u] + 1
                && self.cost[arc] + potential[u] - potential[v] == 0
            {
                let pushed =
                    self.augment(v, sink, limit.min(self.cap[arc]), level, iter, potential);
                if pushed > 0 {
                    self.cap[arc] -= pushed;
                    self.cap[arc ^ 1] += pushed;
                    return pushed;
                }
            }
            iter[u] = self.next[arc];
        }
        0
    }
}

#[cfg(test)]
mod tests;
