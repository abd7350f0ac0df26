#!/usr/bin/env bash
# Builds Bridgehub and serves it on the demo database (built on first start: ~10,000 real
# universities, multilingual organizations and listings, people and ties), printing the URL.
# Usage: scripts/demo.sh [extra serve flags, e.g. --bind 127.0.0.1:8080]
set -euo pipefail
cd "$(dirname "$0")/.."
BRIDGEHUB_MODEL="${BRIDGEHUB_MODEL:-$(scripts/fetch-model.sh)}"
export BRIDGEHUB_MODEL
exec cargo run --release -p bridgehub -- --db "${BRIDGEHUB_DEMO_DB:-bridgehub-demo.db}" serve --demo "$@"
