//! The graph engine benchmark (`bench/graph/run.sh`): builds a planted graph of 100,000
//! organizations and 1,000,000 ties, then times the thin-tie map, introduction paths
//! (p50/p99), a 50 × 500 conflict check and sampled brokers, and writes JSON.
//!
//! Usage: `graph_bench [--orgs N] [--ties N] [--queries N] [--seed N] [--max-activity N] [--out FILE]`
//! (`--max-activity 5000` makes hubs with tens of thousands of partners).

use std::time::Instant;

use bridgehub_graph::brokers::{BrokerParams, brokers};
use bridgehub_graph::coi::{CoiRules, conflicts};
use bridgehub_graph::generate::{PlantedParams, planted};
use bridgehub_graph::paths::{PathQuery, best_paths};
use bridgehub_graph::thin::{By, ThinParams, thin_tie_map};
use bridgehub_graph::{NodeIdx, NodeKind, TieData};

/// A labelled set of path queries, with an optional visibility predicate.
type Run<'a> = (
    &'a str,
    &'a [(NodeIdx, NodeIdx)],
    Option<&'a dyn Fn(&TieData) -> bool>,
);

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let orgs = arg("--orgs", 100_000) as usize;
    let n_ties = arg("--ties", 1_000_000) as usize;
    let queries = arg("--queries", 1_000) as usize;
    let seed = arg("--seed", 1);
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let today = bridgehub_domain::parse_date("2026-11-25")?;

    let started = Instant::now();
    let mut params = PlantedParams::new(orgs, n_ties, today, seed);
    params.neutrals = 50;
    params.parties = 500;
    params.max_activity = arg("--max-activity", 50) as f64;
    let generated = planted(&params);
    let generate_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let graph = generated.to_graph(today)?;
    let build_s = started.elapsed().as_secs_f64();
    // The CSR snapshot that paths and brokers walk is built once after the last change.
    let started = Instant::now();
    let _ = graph.adjacency();
    let snapshot_s = started.elapsed().as_secs_f64();
    eprintln!(
        "graph: {} nodes, {} ties, {} pairs; generated in {generate_s:.2} s, built in {build_s:.2} s, snapshot in {snapshot_s:.2} s",
        graph.node_count(),
        graph.tie_count(),
        graph.pair_count()
    );

    let mut thin = serde_json::Map::new();
    for by in [By::Region, By::Group, By::Sector, By::Kind] {
        let started = Instant::now();
        let map = thin_tie_map(&graph, &ThinParams::new(by))?;
        let seconds = started.elapsed().as_secs_f64();
        let mut planted_rank_ok = serde_json::Value::Null;
        if by == By::Region {
            let mut lowest: Vec<(String, String)> = map
                .thinnest(2)
                .iter()
                .map(|c| (c.a.clone(), c.b.clone()))
                .collect();
            let mut highest: Vec<(String, String)> = map
                .thickest(2)
                .iter()
                .map(|c| (c.a.clone(), c.b.clone()))
                .collect();
            let (mut thin_planted, mut thick_planted) =
                (generated.thin.clone(), generated.thick.clone());
            for v in [
                &mut lowest,
                &mut highest,
                &mut thin_planted,
                &mut thick_planted,
            ] {
                v.sort();
            }
            planted_rank_ok = serde_json::json!(lowest == thin_planted && highest == thick_planted);
        }
        eprintln!(
            "thin-tie map by {}: {} cells in {seconds:.3} s",
            by.code(),
            map.cells.len()
        );
        thin.insert(
            by.code().into(),
            serde_json::json!({"seconds": seconds, "cells": map.cells.len(), "planted_pairs_ranked_lowest_and_highest": planted_rank_ok}),
        );
    }

    // Path queries between random organizations, all ties visible and with a predicate.
    let org_nodes: Vec<NodeIdx> = graph
        .nodes()
        .filter(|n| graph.node_kind(*n) == NodeKind::Organization)
        .collect();
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed);
    let pairs: Vec<(NodeIdx, NodeIdx)> = (0..queries)
        .map(|_| {
            (
                org_nodes[rng.usize(..org_nodes.len())],
                org_nodes[rng.usize(..org_nodes.len())],
            )
        })
        .collect();
    // Pairs known to be within three hops: the ends of random three-step walks.
    let mut near_pairs = Vec::with_capacity(queries);
    while near_pairs.len() < queries {
        let from = org_nodes[rng.usize(..org_nodes.len())];
        let mut at = from;
        for _ in 0..3 {
            let next: Vec<NodeIdx> = graph.neighbors(at).map(|(n, _)| n).collect();
            if next.is_empty() {
                break;
            }
            at = next[rng.usize(..next.len())];
        }
        if at != from {
            near_pairs.push((from, at));
        }
    }
    let hide = |t: &TieData| !t.id.as_str().ends_with('7');
    let mut path_stats = serde_json::Map::new();
    let runs: [Run<'_>; 3] = [
        ("random_pairs", &pairs, None),
        ("random_pairs_with_predicate", &pairs, Some(&hide)),
        ("pairs_within_3_hops", &near_pairs, None),
    ];
    for (label, pairs, visible) in runs {
        let mut times = Vec::with_capacity(queries);
        let mut found = 0usize;
        for &(from, to) in pairs {
            let started = Instant::now();
            let paths = best_paths(
                &graph,
                PathQuery {
                    from,
                    to,
                    max_hops: 3,
                    limit: 5,
                },
                visible,
            )?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            found += usize::from(!paths.is_empty());
        }
        times.sort_by(f64::total_cmp);
        let (p50, p99, max) = (
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times.last().copied().unwrap_or(0.0),
        );
        eprintln!(
            "paths ({label}): p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms; {found}/{queries} pairs connected within 3 hops"
        );
        path_stats.insert(
            label.into(),
            serde_json::json!({"queries": queries, "p50_ms": p50, "p99_ms": p99, "max_ms": max, "pairs_with_a_path": found}),
        );
    }

    let neutrals: Vec<NodeIdx> = generated
        .neutrals
        .iter()
        .filter_map(|id| graph.node(id.as_str()))
        .collect();
    let parties: Vec<NodeIdx> = generated
        .parties
        .iter()
        .filter_map(|id| graph.node(id.as_str()))
        .collect();
    let started = Instant::now();
    let found = conflicts(&graph, &neutrals, &parties, &CoiRules::new(today))?;
    let coi_s = started.elapsed().as_secs_f64();
    let planted_found = generated
        .conflicts
        .iter()
        .filter(|p| {
            found
                .iter()
                .any(|c| c.neutral == p.neutral.as_str() && c.party == p.party.as_str())
        })
        .count();
    eprintln!(
        "conflicts {}×{}: {} found in {coi_s:.3} s; planted {planted_found}/{}",
        neutrals.len(),
        parties.len(),
        found.len(),
        generated.conflicts.len()
    );

    // A harder check: the 50 best-connected organizations as neutrals.
    let mut by_degree = org_nodes.clone();
    by_degree.sort_by_key(|n| std::cmp::Reverse(graph.degree(*n)));
    let hubs: Vec<NodeIdx> = by_degree[..50.min(by_degree.len())].to_vec();
    let started = Instant::now();
    let hub_found = conflicts(&graph, &hubs, &parties, &CoiRules::new(today))?;
    let coi_hubs_s = started.elapsed().as_secs_f64();
    eprintln!(
        "conflicts with the 50 best-connected organizations (degree {}..{}) as neutrals: {} found in {coi_hubs_s:.3} s",
        graph.degree(hubs[hubs.len() - 1]),
        graph.degree(hubs[0]),
        hub_found.len()
    );

    let started = Instant::now();
    let report = brokers(
        &graph,
        None,
        &BrokerParams {
            samples: Some(64),
            ..BrokerParams::default()
        },
    )?;
    let brokers_s = started.elapsed().as_secs_f64();
    let (a, b) = generated.thick.first().cloned().unwrap_or_default();
    let started = Instant::now();
    let pair_report = brokers(
        &graph,
        Some((&a, &b)),
        &BrokerParams {
            samples: Some(64),
            ..BrokerParams::default()
        },
    )?;
    let pair_s = started.elapsed().as_secs_f64();
    eprintln!("brokers (64 sampled sources): {brokers_s:.2} s; between {a} and {b}: {pair_s:.2} s");

    let result = serde_json::json!({
        "benchmark": "graph",
        "organizations": orgs,
        "people": generated.nodes.len() - orgs,
        "ties": graph.tie_count(),
        "pairs": graph.pair_count(),
        "seed": seed,
        "max_activity": params.max_activity,
        "max_degree": by_degree.first().map(|n| graph.degree(*n)),
        "generate_seconds": generate_s,
        "build_seconds": build_s,
        "snapshot_seconds": snapshot_s,
        "thin_tie_map": thin,
        "paths": path_stats,
        "conflicts": {"neutrals": neutrals.len(), "parties": parties.len(), "seconds": coi_s, "found": found.len(),
                      "planted": generated.conflicts.len(), "planted_found": planted_found,
                      "hub_neutrals_seconds": coi_hubs_s, "hub_neutrals_found": hub_found.len()},
        "brokers": {"sampled_sources": 64, "seconds": brokers_s, "top": report.brokers.first().map(|b| b.id.clone()),
                    "between": [a, b], "between_seconds": pair_s, "between_top": pair_report.brokers.first().map(|b| b.id.clone())},
        "goals": {"thin_tie_map_s": 2.0, "path_p50_ms": 20.0, "path_p99_ms": 100.0, "conflicts_s": 1.0},
        "threads": 1,
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
    });
    let text = serde_json::to_string_pretty(&result)? + "\n";
    match out {
        Some(path) => std::fs::write(&path, &text)?,
        None => print!("{text}"),
    }
    Ok(())
}
