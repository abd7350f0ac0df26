#!/bin/sh
# Compares betweenness and constraint with NetworkX (not part of the test suite).
# Creates a virtual environment with networkx from PyPI, exports generated graphs with
# our figures from Rust, and checks them to 1e-6. Writes bench/graph/networkx.json.
set -eu
cd "$(dirname "$0")/../.."
VENV=${VENV:-target/networkx-venv}
OUT=${OUT:-target/networkx-export}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet "networkx>=3.2"
cargo run --quiet --release -p bridgehub-graph --example networkx_export -- "$OUT" "$@"
"$VENV/bin/python" bench/graph/networkx_check.py "$OUT" --out bench/graph/networkx.json
