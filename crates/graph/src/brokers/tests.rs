//! Broker tests: known values, and betweenness against a brute-force pair count.

use bridgehub_domain::{EntityId, TieKind};
use proptest::prelude::*;

use super::*;
use crate::graph::tests::{empty, org, tie};

fn graph_of(edges: &[(&str, &str)]) -> TieGraph {
    let mut graph = empty();
    for (idx, (a, b)) in edges.iter().enumerate() {
        graph
            .upsert_tie(tie(
                &format!("t{idx}"),
                a,
                b,
                TieKind::Partnership,
                "2026-01-01",
            ))
            .unwrap();
    }
    graph
}

fn score(graph: &TieGraph, scores: &[f64], id: &str) -> f64 {
    scores[graph.node(id).unwrap().index()]
}

#[test]
fn betweenness_of_a_path_and_a_star_match_networkx() {
    let graph = graph_of(&[("a", "b"), ("b", "c"), ("c", "d")]);
    let scores = betweenness(&Adjacency::of(&graph), None, 1);
    // nx.betweenness_centrality(nx.path_graph(4)) → {0: 0, 1: 2/3, 2: 2/3, 3: 0}
    assert!((score(&graph, &scores, "b") - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(score(&graph, &scores, "a"), 0.0);
    let star = graph_of(&[("h", "x"), ("h", "y"), ("h", "z")]);
    let scores = betweenness(&Adjacency::of(&star), None, 1);
    assert!((score(&star, &scores, "h") - 1.0).abs() < 1e-12);
}

#[test]
fn a_forgotten_node_does_not_count_in_betweenness() {
    // A live graph keeps a deleted organization as a tie-less placeholder; the brokers must
    // be those of a graph built without it, exact and sampled.
    let plain = graph_of(&[("a", "b"), ("b", "c"), ("c", "d")]);
    let mut live = graph_of(&[("a", "b"), ("b", "c"), ("c", "d"), ("gone", "b")]);
    assert!(live.remove_tie(&EntityId::parse("t3").unwrap()));
    assert!(live.forget_node("gone"));
    for samples in [None, Some(2)] {
        let params = BrokerParams { samples, ..BrokerParams::default() };
        let (a, b) = (brokers(&plain, None, &params).unwrap(), brokers(&live, None, &params).unwrap());
        assert_eq!(a.sources, b.sources, "{samples:?}");
        assert_eq!(a.exact, b.exact);
        let figures = |r: &BrokerReport| r.brokers.iter().map(|x| (x.id.clone(), x.betweenness)).collect::<Vec<_>>();
        assert_eq!(figures(&a), figures(&b), "{samples:?}");
    }
}

#[test]
fn constraint_of_a_triangle_and_a_star_match_networkx() {
    let triangle = graph_of(&[("a", "b"), ("b", "c"), ("a", "c")]);
    let adj = Adjacency::of(&triangle);
    for c in constraint(&adj, &[0, 1, 2], false) {
        assert!((c.unwrap() - 1.125).abs() < 1e-12);
    }
    let star = graph_of(&[("h", "x"), ("h", "y"), ("h", "z"), ("h", "w")]);
    let adj = Adjacency::of(&star);
    let hub = star.node("h").unwrap().index();
    let leaf = star.node("x").unwrap().index();
    let c = constraint(&adj, &[hub, leaf], true);
    assert!((c[0].unwrap() - 0.25).abs() < 1e-12);
    assert!((c[1].unwrap() - 1.0).abs() < 1e-12);
    let mut lonely = empty();
    lonely.upsert_node(org("o", "SG"));
    assert_eq!(constraint(&Adjacency::of(&lonely), &[0], true), vec![None]);
}

#[test]
fn pair_betweenness_counts_each_unordered_pair_once() {
    let graph = graph_of(&[("a", "b"), ("b", "c"), ("c", "d")]);
    let adj = Adjacency::of(&graph);
    let (a, d) = (
        graph.node("a").unwrap().index(),
        graph.node("d").unwrap().index(),
    );
    let disjoint = pair_betweenness(&adj, &[a], &[d], None, 1);
    let same = pair_betweenness(&adj, &[a, d], &[a, d], None, 1);
    assert!((score(&graph, &disjoint, "b") - 1.0).abs() < 1e-12);
    assert!((score(&graph, &same, "c") - 1.0).abs() < 1e-12);
    assert_eq!(score(&graph, &disjoint, "a"), 0.0);
}

#[test]
fn the_report_names_brokers_between_two_regions() {
    let mut graph = empty();
    for (id, country) in [
        ("sg", "SG"),
        ("my", "MY"),
        ("ae", "AE"),
        ("sa", "SA"),
        ("hk", "HK"),
    ] {
        graph.upsert_node(org(id, country));
    }
    for (idx, (a, b)) in [("sg", "hk"), ("my", "hk"), ("hk", "ae"), ("hk", "sa")]
        .iter()
        .enumerate()
    {
        graph
            .upsert_tie(tie(&format!("t{idx}"), a, b, TieKind::Met, "2025-01-01"))
            .unwrap();
    }
    let report = brokers(&graph, Some(("035", "145")), &BrokerParams::default()).unwrap();
    assert_eq!(report.brokers[0].id, "hk");
    assert!((report.brokers[0].betweenness - 4.0).abs() < 1e-12);
    assert_eq!(report.brokers[0].bridges[0].pairs, 4);
    assert!(brokers(&graph, Some(("035", "999")), &BrokerParams::default()).is_err());
}

/// Shortest-path counts from every node by BFS, for the brute force.
fn all_pairs(adj: &Adjacency) -> (Vec<Vec<i64>>, Vec<Vec<f64>>) {
    let n = adj.len();
    let (mut dist, mut sigma) = (vec![vec![-1i64; n]; n], vec![vec![0.0; n]; n]);
    for s in 0..n {
        dist[s][s] = 0;
        sigma[s][s] = 1.0;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(v) = queue.pop_front() {
            for &w in adj.row(v).0 {
                let w = w as usize;
                if dist[s][w] < 0 {
                    dist[s][w] = dist[s][v] + 1;
                    queue.push_back(w);
                }
                if dist[s][w] == dist[s][v] + 1 {
                    sigma[s][w] += sigma[s][v];
                }
            }
        }
    }
    (dist, sigma)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn betweenness_equals_the_pair_by_pair_definition(
        edges in prop::collection::vec((0usize..10, 0usize..10), 1..30),
    ) {
        let names: Vec<(String, String)> = edges.iter().filter(|(a, b)| a != b).map(|(a, b)| (format!("n{a}"), format!("n{b}"))).collect();
        let refs: Vec<(&str, &str)> = names.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let graph = graph_of(&refs);
        let adj = Adjacency::of(&graph);
        let n = adj.len();
        prop_assume!(n >= 3);
        let scores = betweenness(&adj, None, 1);
        let (dist, sigma) = all_pairs(&adj);
        for v in 0..n {
            let mut expected = 0.0;
            for s in 0..n {
                for t in (s + 1)..n {
                    if s == v || t == v || dist[s][t] < 0 || dist[s][v] < 0 || dist[v][t] < 0 {
                        continue;
                    }
                    if dist[s][v] + dist[v][t] == dist[s][t] {
                        expected += sigma[s][v] * sigma[v][t] / sigma[s][t];
                    }
                }
            }
            expected *= 2.0 / ((n - 1) as f64 * (n - 2) as f64);
            prop_assert!((scores[v] - expected).abs() < 1e-9, "node {v}: {} vs {expected}", scores[v]);
        }
    }
}

#[test]
fn sources_run_in_parallel_chunks_give_the_sequential_figures() {
    // Large enough for the threaded path (≥ 1,000 nodes, ≥ 8 sources).
    let mut rng = fastrand::Rng::with_seed(7);
    let names: Vec<String> = (0..1_200).map(|i| format!("n{i}")).collect();
    let mut edges: Vec<(&str, &str)> = (1..names.len()).map(|i| (names[i].as_str(), names[rng.usize(..i)].as_str())).collect();
    for _ in 0..1_200 {
        let (a, b) = (rng.usize(..names.len()), rng.usize(..names.len()));
        if a != b {
            edges.push((names[a].as_str(), names[b].as_str()));
        }
    }
    let graph = graph_of(&edges);
    let adj = Adjacency::of(&graph);
    let n = adj.len();
    let sequential = |sources: &[usize], mask_of: &dyn Fn(usize) -> Option<Vec<bool>>| {
        let mut scores = vec![0.0; n];
        let mut state = Brandes::new(n);
        for &s in sources {
            let mask = mask_of(s);
            state.run(&adj, s, mask.as_deref(), &mut scores);
        }
        scores
    };
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-9 * (1.0 + y.abs()));
    // Whole graph, 40 sampled sources: the same sources, the same sums.
    let all: Vec<usize> = (0..n).collect();
    let sources = sample(&all, 40, 3);
    let threaded = accumulate(&adj, &sources, |_, _| false);
    assert!(close(&threaded, &sequential(&sources, &|_| None)));
    assert!(threaded.iter().any(|x| *x > 0.0));
    // With a per-source target mask (the overlapping pair case).
    let in_a: Vec<bool> = (0..n).map(|v| v % 3 == 0).collect();
    let mask_of = |s: usize| Some((0..n).map(|v| in_a[s] != in_a[v]).collect::<Vec<bool>>());
    let masked = accumulate(&adj, &sources, |s, mask| {
        mask.clear();
        mask.extend((0..n).map(|v| in_a[s] != in_a[v]));
        true
    });
    assert!(close(&masked, &sequential(&sources, &mask_of)));
    // The same figures on every run (chunks are added in a fixed order).
    assert_eq!(accumulate(&adj, &sources, |_, _| false), threaded);
}
