#!/usr/bin/env bash
# Resident memory of one `bridgehub serve` process with the sentence model loaded: VmRSS
# once /api/ready answers, then VmRSS and the peak (VmHWM) after N match requests.
#
#   scripts/serve-memory.sh DB [REQUESTS] [LABEL] >> result.jsonl
#
# Needs a release build (target/release/bridgehub or $BRIDGEHUB_BIN), BRIDGEHUB_MODEL,
# curl and sqlite3 (for picking listing ids of a SQLite hub). Prints one JSON line.
set -euo pipefail
db=${1:?usage: serve-memory.sh DB [REQUESTS] [LABEL]}
requests=${2:-100}
label=${3:-$db}
bin=${BRIDGEHUB_BIN:-${CARGO_TARGET_DIR:-target}/release/bridgehub}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
"$bin" --db "$db" serve --bind "127.0.0.1:$port" --quiet >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
start=$(date +%s.%N)
until curl -sf "http://127.0.0.1:$port/api/ready" >/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "serve-memory: the server exited:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.2
done
ready=$(python3 -c "import time; print(round(time.time() - $start, 2))")
kb() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$pid/status"; }
rss_ready=$(kb VmRSS)
for id in $(sqlite3 "$db" "SELECT id FROM listings ORDER BY random() LIMIT $requests"); do
  curl -sf "http://127.0.0.1:$port/api/v1/listings/$id/matches?limit=10" >/dev/null
done
rss_after=$(kb VmRSS)
peak=$(kb VmHWM)
listings=$(sqlite3 "$db" "SELECT count(*) FROM listings")
printf '{"data": "%s", "listings": %s, "ready_after_seconds": %s, "rss_kib_when_ready": %s, "match_requests": %s, "rss_kib_after_requests": %s, "peak_rss_kib": %s}\n' \
  "$label" "$listings" "$ready" "$rss_ready" "$requests" "$rss_after" "$peak"
