#!/usr/bin/env bash
# Failure drill on the local cluster: mixed load through HAProxy for 30 s while node 2
# is killed with SIGKILL at 8 s and restarted at 16 s. Passes when no acknowledged write
# is lost; failed requests are listed with their time (expected only inside the window in
# which HAProxy has not yet marked the node down). Writes bench/results/cluster-load.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/cluster.sh start "$@"
trap 'scripts/cluster.sh stop >/dev/null' EXIT
# shellcheck disable=SC1091
. .cluster/env
# The load writes organizations, which takes an administrator: make one for this run
# (a fresh address and random password each time) and log in through the balancer.
DRILL_EMAIL="load-drill-$(date +%s)@bridgehub.invalid"
BRIDGEHUB_USER_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
export BRIDGEHUB_USER_PASSWORD
"$BIN" --db "$DB" user create --email "$DRILL_EMAIL" --name "Load drill" --admin >/dev/null
BRIDGEHUB_TOKEN="$(python3 - "$PORT" "$DRILL_EMAIL" <<'PY'
import json, os, sys, urllib.request
body = json.dumps({"email": sys.argv[2], "password": os.environ["BRIDGEHUB_USER_PASSWORD"]}).encode()
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/api/v1/session", data=body,
                             headers={"content-type": "application/json"}, method="POST")
print(json.load(urllib.request.urlopen(req))["token"])
PY
)"
export BRIDGEHUB_TOKEN
"$BIN" bench load --url "http://127.0.0.1:$PORT" --duration 30 --out bench/results/cluster-load.json > .cluster/load.json &
LOAD=$!
sleep 8; scripts/cluster.sh kill 2; echo "killed node2 at 8 s"
sleep 8; scripts/cluster.sh restart 2; echo "restarted node2 at 16 s"
wait $LOAD
python3 - <<'PY'
import json
r = json.load(open("bench/results/cluster-load.json"))
print(f"requests {r['reads'] + r['writes']} ({r['requests_per_second']:.0f}/s), acknowledged writes {r['acknowledged_writes']}, "
      f"lost {r['lost_writes']}, failed requests {r['failed_requests']}, p50 {r['latency_ms']['p50']:.1f} ms, p99 {r['latency_ms']['p99']:.1f} ms")
for f in r["failures"][:20]:
    print(f"  failure at {f['at_s']:.2f} s: {f['error']}")
PY
