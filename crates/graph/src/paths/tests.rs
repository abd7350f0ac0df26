//! Path search tests: hand-built cases and a property test against brute force.

use bridgehub_domain::TieKind;
use proptest::prelude::*;

use super::*;
use crate::graph::tests::{date, empty, tie};

fn query(graph: &TieGraph, from: &str, to: &str, max_hops: usize, limit: usize) -> PathQuery {
    PathQuery {
        from: graph.node(from).unwrap(),
        to: graph.node(to).unwrap(),
        max_hops,
        limit,
    }
}

#[test]
fn a_recent_partnership_path_outranks_an_old_casual_meeting_path() {
    let mut graph = empty();
    // Old casual meetings: a–m1–b, direct-ish and short.
    graph
        .upsert_tie(tie("m1", "a", "x", TieKind::Met, "2016-01-01"))
        .unwrap();
    graph
        .upsert_tie(tie("m2", "x", "b", TieKind::Met, "2016-01-01"))
        .unwrap();
    // Recent partnerships, one hop longer.
    graph
        .upsert_tie(tie("p1", "a", "y", TieKind::Partnership, "2025-06-01"))
        .unwrap();
    graph
        .upsert_tie(tie("p2", "y", "z", TieKind::Contract, "2025-06-01"))
        .unwrap();
    graph
        .upsert_tie(tie("p3", "z", "b", TieKind::Partnership, "2025-06-01"))
        .unwrap();
    let paths = best_paths(&graph, query(&graph, "a", "b", 3, 5), None).unwrap();
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[0].nodes, ["a", "y", "z", "b"]);
    assert_eq!(paths[1].nodes, ["a", "x", "b"]);
    assert!(paths[0].score > paths[1].score);
    assert_eq!(paths[0].hops[1].ties[0].kind, "contract");
}

#[test]
fn hidden_ties_are_never_used_and_max_hops_is_checked() {
    let mut graph = empty();
    graph
        .upsert_tie(tie("t1", "a", "b", TieKind::Partnership, "2025-01-01"))
        .unwrap();
    graph
        .upsert_tie(tie("t2", "a", "c", TieKind::Met, "2025-01-01"))
        .unwrap();
    graph
        .upsert_tie(tie("t3", "c", "b", TieKind::Met, "2025-01-01"))
        .unwrap();
    let hide_t1 = |t: &TieData| t.id.as_str() != "t1";
    let paths = best_paths(&graph, query(&graph, "a", "b", 3, 5), Some(&hide_t1)).unwrap();
    assert_eq!(paths.len(), 1);
    assert_eq!(paths[0].nodes, ["a", "c", "b"]);
    assert!(best_paths(&graph, query(&graph, "a", "b", 4, 5), None).is_err());
    assert!(
        best_paths(&graph, query(&graph, "a", "a", 3, 5), None)
            .unwrap()
            .is_empty()
    );
}

/// Every simple path of at most `max_hops` hops, by depth-first search.
fn brute_force(
    graph: &TieGraph,
    from: NodeIdx,
    to: NodeIdx,
    max_hops: usize,
    visible: Visibility<'_>,
) -> Vec<(Vec<NodeIdx>, f64)> {
    fn walk(
        graph: &TieGraph,
        path: &mut Vec<NodeIdx>,
        score: f64,
        to: NodeIdx,
        max_hops: usize,
        visible: Visibility<'_>,
        out: &mut Vec<(Vec<NodeIdx>, f64)>,
    ) {
        let Some(&last) = path.last() else { return };
        if last == to {
            out.push((path.clone(), score));
            return;
        }
        if path.len() > max_hops {
            return;
        }
        for next in graph.nodes() {
            if path.contains(&next) {
                continue;
            }
            let strength = combine(
                graph
                    .ties_between(last, next)
                    .filter(|t| visible.is_none_or(|f| f(t)))
                    .map(|t| t.strength),
            );
            if strength > 0.0 {
                path.push(next);
                walk(graph, path, score * strength, to, max_hops, visible, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    walk(graph, &mut vec![from], 1.0, to, max_hops, visible, &mut out);
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

const KINDS: [TieKind; 7] = [
    TieKind::Met,
    TieKind::Introduced,
    TieKind::Mou,
    TieKind::Partnership,
    TieKind::MemberOf,
    TieKind::CoOrganized,
    TieKind::Contract,
];

fn build(n_nodes: usize, ties: &[(usize, usize, usize, u16)]) -> TieGraph {
    let mut graph = empty();
    for idx in 0..n_nodes {
        graph.upsert_node(crate::graph::tests::org(&format!("n{idx}"), "SG"));
    }
    for (idx, &(a, b, kind, year)) in ties.iter().enumerate() {
        if a != b {
            let on = format!("{}-06-01", 2010 + year);
            graph
                .upsert_tie(tie(
                    &format!("t{idx}"),
                    &format!("n{a}"),
                    &format!("n{b}"),
                    KINDS[kind],
                    &on,
                ))
                .unwrap();
        }
    }
    graph
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_k_best_paths_match_brute_force_and_every_hop_is_a_visible_tie(
        n_nodes in 2usize..9,
        ties in prop::collection::vec((0usize..9, 0usize..9, 0usize..7, 0u16..16), 0..30),
        hidden in prop::collection::vec(any::<bool>(), 30),
        max_hops in 1usize..4,
        limit in 1usize..6,
    ) {
        let ties: Vec<_> = ties.into_iter().map(|(a, b, k, y)| (a % n_nodes, b % n_nodes, k, y)).collect();
        let graph = build(n_nodes, &ties);
        let visible_fn = |t: &TieData| {
            let idx: usize = t.id.as_str()[1..].parse().unwrap_or(0);
            !hidden[idx % hidden.len()]
        };
        let visible: Visibility<'_> = Some(&visible_fn);
        let (from, to) = (graph.node("n0").unwrap(), graph.node(&format!("n{}", n_nodes - 1)).unwrap());
        let found = best_paths(&graph, PathQuery { from, to, max_hops, limit }, visible).unwrap();
        let expected = brute_force(&graph, from, to, max_hops, visible);
        prop_assert_eq!(found.len(), expected.len().min(limit));
        for (path, (_, score)) in found.iter().zip(&expected) {
            prop_assert!((path.score - score).abs() < 1e-12, "{} vs {}", path.score, score);
        }
        for path in &found {
            prop_assert!(path.nodes.len() >= 2 && path.nodes.len() <= max_hops + 1);
            prop_assert_eq!(path.nodes.first().map(String::as_str), Some("n0"));
            let mut seen = std::collections::HashSet::new();
            let mut product = 1.0;
            for hop in &path.hops {
                prop_assert!(seen.insert(hop.from.clone()), "simple path");
                prop_assert!(!hop.ties.is_empty());
                for hop_tie in &hop.ties {
                    let stored = graph.tie_by_id(&hop_tie.id).unwrap();
                    prop_assert!(visible_fn(stored));
                    let ends = [stored.from.as_str(), stored.to.as_str()];
                    prop_assert!(ends.contains(&hop.from.as_str()) && ends.contains(&hop.to.as_str()));
                }
                product *= hop.strength;
            }
            prop_assert!((product - path.score).abs() < 1e-12);
        }
        for pair in found.windows(2) {
            prop_assert!(pair[0].score >= pair[1].score);
        }
    }
}

#[test]
fn dates_in_the_test_helpers_parse() {
    assert_eq!(date("2026-01-01").year(), 2026);
}
