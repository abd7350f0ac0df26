#!/bin/sh
# The graph engine benchmark: 100,000 organizations, 1,000,000 ties (planted), timing the
# thin-tie map, path queries (p50/p99), a 50 × 500 conflict check and sampled brokers.
# Writes bench/graph/results.json. Extra flags go to the example (--orgs, --ties, --queries, --seed).
set -eu
cd "$(dirname "$0")/../.."
cargo run --quiet --release -p bridgehub-graph --example graph_bench -- --out bench/graph/results.json "$@"
cat bench/graph/results.json
