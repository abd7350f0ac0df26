#!/usr/bin/env bash
# Scheduler benchmark: all shipped JAIR .dzn instances (mode all, d = 2, 10 s each) and
# generated instances at N = 200 / 1000 / 5000 (T = 16 / 24 / 32, limits 1 / 5 / 30 s,
# 3 seeds), every schedule checked by the independent checker. Writes
# bench/schedule/results.json and prints a summary table.
#
#   bench/schedule/run.sh            # our scheduler only
#   bench/schedule/run.sh --cpsat    # also the OR-Tools CP-SAT peer (venv from PyPI, 60 s per phase)
#
# Run from the repository root. Uses CARGO_TARGET_DIR (default /work/target-schedule).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-schedule}"
DATA="${DATA:-../shared/data/b2b-instances}"
OUT=bench/schedule
ARGS=()
CPSAT=0
for arg in "$@"; do
    if [[ "$arg" == --cpsat ]]; then CPSAT=1; else ARGS+=("$arg"); fi
done
cargo build --release -p bridgehub-schedule --examples
"$CARGO_TARGET_DIR/release/examples/bench" --data "$DATA" --out "$OUT/results.json" \
    --write-instances "$OUT/instances" "${ARGS[@]}"

if [[ "$CPSAT" == 1 ]]; then
    VENV="${VENV:-$OUT/.venv}"
    if [[ ! -x "$VENV/bin/python" ]]; then
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet ortools
    fi
    PEER_LIMIT="${PEER_LIMIT:-60}"
    for f in "$DATA"/*.original.dzn "$OUT"/instances/gen-n200-*.json "$OUT"/instances/gen-n1000-*.json; do
        "$VENV/bin/python" "$OUT/cpsat.py" "$f" --time-limit "$PEER_LIMIT" --workers 2
    done | tee "$OUT/cpsat-results.jsonl"
fi
