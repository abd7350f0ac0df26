//! Exports generated graphs and our broker figures for `bench/graph/networkx_check.py`.
//!
//! Usage: `networkx_export OUT_DIR [--graphs N] [--orgs N] [--ties N]`. For each graph `g`
//! it writes `g{i}.nodes.tsv` (id, sub-region), `g{i}.edges.tsv` (id, id, weight = combined
//! pair strength, printed to round-trip) and `g{i}.ours.json` (betweenness, weighted and
//! unweighted constraint, and pair betweenness between the two most populous sub-regions).

use std::collections::BTreeMap;
use std::fmt::Write;

use bridgehub_graph::brokers::{Adjacency, betweenness, constraint, node_region, pair_betweenness};
use bridgehub_graph::generate::{PlantedParams, planted};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: networkx_export OUT_DIR [--graphs N] [--orgs N] [--ties N]")?;
    std::fs::create_dir_all(&out)?;
    let today = bridgehub_domain::parse_date("2026-11-25")?;
    for seed in 1..=arg("--graphs", 3) as u64 {
        let mut params = PlantedParams::new(arg("--orgs", 300), arg("--ties", 900), today, seed);
        params.people = 40;
        params.neutrals = 5;
        params.parties = 20;
        params.conflicts = 10;
        let graph = planted(&params).to_graph(today)?;
        let adj = Adjacency::of(&graph);
        let n = adj.len();
        let mut nodes = String::new();
        let mut by_region: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for node in graph.nodes() {
            let region = node_region(&graph, node).unwrap_or("");
            writeln!(nodes, "{}\t{}", graph.node_id(node), region)?;
            by_region.entry(region).or_default().push(node.index());
        }
        let mut edges = String::new();
        for node in graph.nodes() {
            for (other, weight) in graph.neighbors(node) {
                if node.index() < other.index() {
                    writeln!(
                        edges,
                        "{}\t{}\t{:?}",
                        graph.node_id(node),
                        graph.node_id(other),
                        weight
                    )?;
                }
            }
        }
        let mut regions: Vec<(&str, Vec<usize>)> = by_region
            .into_iter()
            .filter(|(r, _)| !r.is_empty())
            .collect();
        regions.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        let (ra, rb) = (regions[0].clone(), regions[1].clone());
        let all: Vec<usize> = (0..n).collect();
        let bc = betweenness(&adj, None, 0);
        let weighted = constraint(&adj, &all, true);
        let unweighted = constraint(&adj, &all, false);
        let pair = pair_betweenness(&adj, &ra.1, &rb.1, None, 0);
        let within = pair_betweenness(&adj, &ra.1, &ra.1, None, 0);
        let named = |values: &[f64]| -> serde_json::Map<String, serde_json::Value> {
            graph
                .nodes()
                .map(|v| {
                    (
                        graph.node_id(v).to_string(),
                        serde_json::json!(values[v.index()]),
                    )
                })
                .collect()
        };
        let named_opt = |values: &[Option<f64>]| -> serde_json::Map<String, serde_json::Value> {
            graph
                .nodes()
                .map(|v| {
                    (
                        graph.node_id(v).to_string(),
                        serde_json::json!(values[v.index()]),
                    )
                })
                .collect()
        };
        let ours = serde_json::json!({
            "nodes": n,
            "pairs": graph.pair_count(),
            "betweenness": named(&bc),
            "constraint_weighted": named_opt(&weighted),
            "constraint_unweighted": named_opt(&unweighted),
            "pair": {"a": ra.0, "b": rb.0, "values": named(&pair)},
            "within": {"a": ra.0, "values": named(&within)},
        });
        std::fs::write(format!("{out}/g{seed}.nodes.tsv"), nodes)?;
        std::fs::write(format!("{out}/g{seed}.edges.tsv"), edges)?;
        std::fs::write(
            format!("{out}/g{seed}.ours.json"),
            serde_json::to_string(&ours)?,
        )?;
        eprintln!(
            "g{seed}: {n} nodes, {} pairs, regions {} and {}",
            graph.pair_count(),
            ra.0,
            rb.0
        );
    }
    Ok(())
}
