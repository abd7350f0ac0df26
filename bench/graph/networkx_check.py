"""Checks Bridgehub's broker figures against NetworkX on generated graphs.

Reads the files written by `cargo run --release -p bridgehub-graph --example networkx_export DIR`
and compares, for every node:
  - betweenness:  nx.betweenness_centrality(G, normalized=True)           (unweighted)
  - constraint:   nx.constraint(G, weight="weight") and nx.constraint(G)
  - pair:         betweenness_centrality_subset(G, A, B) + (..., B, A)    (unnormalized)
  - within:       betweenness_centrality_subset(G, A, A)                  (unnormalized)
Exits 1 when any difference exceeds the tolerance (default 1e-6). Not part of the tests.

Usage: python networkx_check.py DIR [--tolerance 1e-6] [--out results.json]
"""

import json
import math
import sys
from pathlib import Path

import networkx as nx


def load(directory, name):
    graph = nx.Graph()
    regions = {}
    for line in (directory / f"{name}.nodes.tsv").read_text(encoding="utf-8").splitlines():
        node, region = line.split("\t")
        graph.add_node(node)
        regions[node] = region
    for line in (directory / f"{name}.edges.tsv").read_text(encoding="utf-8").splitlines():
        a, b, weight = line.split("\t")
        graph.add_edge(a, b, weight=float(weight))
    ours = json.loads((directory / f"{name}.ours.json").read_text(encoding="utf-8"))
    return graph, regions, ours


def max_difference(theirs, ours):
    worst = 0.0
    for node, value in theirs.items():
        mine = ours[node]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            if mine is not None:
                return math.inf
            continue
        if mine is None:
            return math.inf
        worst = max(worst, abs(value - mine))
    return worst


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    directory = Path(args[0])
    tolerance = float(args[args.index("--tolerance") + 1]) if "--tolerance" in args else 1e-6
    out = args[args.index("--out") + 1] if "--out" in args else None
    names = sorted(p.name[: -len(".ours.json")] for p in directory.glob("*.ours.json"))
    report = {"networkx": nx.__version__, "tolerance": tolerance, "graphs": []}
    ok = True
    for name in names:
        graph, regions, ours = load(directory, name)
        pair_a = [n for n, r in regions.items() if r == ours["pair"]["a"]]
        pair_b = [n for n, r in regions.items() if r == ours["pair"]["b"]]
        within = [n for n, r in regions.items() if r == ours["within"]["a"]]
        subset_ab = nx.betweenness_centrality_subset(graph, pair_a, pair_b, normalized=False)
        subset_ba = nx.betweenness_centrality_subset(graph, pair_b, pair_a, normalized=False)
        checks = {
            "betweenness": max_difference(nx.betweenness_centrality(graph, normalized=True), ours["betweenness"]),
            "constraint_weighted": max_difference(nx.constraint(graph, weight="weight"), ours["constraint_weighted"]),
            "constraint_unweighted": max_difference(nx.constraint(graph), ours["constraint_unweighted"]),
            "pair_betweenness": max_difference(
                {n: subset_ab[n] + subset_ba[n] for n in graph}, ours["pair"]["values"]
            ),
            "within_betweenness": max_difference(
                nx.betweenness_centrality_subset(graph, within, within, normalized=False), ours["within"]["values"]
            ),
        }
        passed = all(v <= tolerance for v in checks.values())
        ok = ok and passed
        entry = {"graph": name, "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
                 "max_abs_difference": checks, "passed": passed}
        report["graphs"].append(entry)
        print(f"{name}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges: "
              + ", ".join(f"{k} {v:.2e}" for k, v in checks.items()) + (" ok" if passed else " FAILED"))
    report["passed"] = ok
    if out:
        Path(out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    sys.exit(0 if ok and names else 1)


if __name__ == "__main__":
    main()
