#!/usr/bin/env bash
# A local Bridgehub cluster: N `bridgehub serve` nodes on one PostgreSQL behind HAProxy.
#
#   scripts/cluster.sh start [--nodes 3] [--port 8080] [--db postgres://...] [--demo]
#   scripts/cluster.sh status
#   scripts/cluster.sh kill NODE        # kill -9 one node (1-based), for failure drills
#   scripts/cluster.sh restart NODE     # start a killed node again
#   scripts/cluster.sh stop             # graceful: SIGTERM, requests in flight finish
#
# HAProxy (Debian package, installed when missing) balances round-robin, checks
# /api/ready every 500 ms (down after 2 failures, up after 2 successes) and re-sends
# a request whose connection failed to another node. State lives in .cluster/.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=.cluster
mkdir -p "$STATE"

NODES=3
PORT=8080
DB="${BRIDGEHUB_CLUSTER_DB:-postgres://postgres@127.0.0.1:5432/bridgehub_cluster}"
DEMO=0
BIN="${BRIDGEHUB_BIN:-}"

node_port() { echo $((PORT + 10 + $1)); }

load_state() {
    if [ -f "$STATE/env" ]; then
        # shellcheck disable=SC1091
        . "$STATE/env"
    fi
}

ensure_bin() {
    if [ -z "$BIN" ]; then
        if [ ! -x target/release/bridgehub ] && [ -z "${CARGO_TARGET_DIR:-}" ]; then
            cargo build --release -p bridgehub >&2
        fi
        BIN="${CARGO_TARGET_DIR:-target}/release/bridgehub"
        [ -x "$BIN" ] || cargo build --release -p bridgehub >&2
    fi
}

ensure_haproxy() {
    if ! command -v haproxy >/dev/null 2>&1; then
        echo "installing haproxy (Debian package) ..." >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
    fi
}

ensure_database() {
    local admin name
    name="${DB##*/}"; name="${name%%\?*}"
    admin="${DB%/*}/postgres"
    if ! psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
        psql "$admin" -qc "CREATE DATABASE $name" >/dev/null
    fi
}

start_node() {
    local i=$1
    "$BIN" --db "$DB" serve --bind "127.0.0.1:$(node_port "$i")" >"$STATE/node$i.log" 2>&1 &
    echo $! >"$STATE/node$i.pid"
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$(node_port "$i")/api/ready" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "node $i did not become ready; see $STATE/node$i.log" >&2
    return 1
}

write_haproxy_cfg() {
    {
        cat <<CFG
global
    maxconn 4096
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
    retry-on conn-failure empty-response response-timeout
frontend bridgehub
    bind 127.0.0.1:$PORT
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /api/ready
    default-server inter 500ms fall 2 rise 2
CFG
        for i in $(seq 1 "$NODES"); do
            echo "    server node$i 127.0.0.1:$(node_port "$i") check"
        done
    } >"$STATE/haproxy.cfg"
}

cmd_start() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --nodes) NODES=$2; shift 2 ;;
            --port) PORT=$2; shift 2 ;;
            --db) DB=$2; shift 2 ;;
            --demo) DEMO=1; shift ;;
            *) echo "unknown option $1" >&2; exit 2 ;;
        esac
    done
    ensure_bin
    ensure_haproxy
    ensure_database
    printf 'NODES=%s\nPORT=%s\nDB=%q\nBIN=%q\n' "$NODES" "$PORT" "$DB" "$BIN" >"$STATE/env"
    if [ "$DEMO" = 1 ]; then
        "$BIN" --db "$DB" --quiet demo
    fi
    for i in $(seq 1 "$NODES"); do start_node "$i"; done
    write_haproxy_cfg
    haproxy -f "$STATE/haproxy.cfg" -D -p "$STATE/haproxy.pid"
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/api/ready" >/dev/null 2>&1 && break; sleep 0.1; done
    echo "Bridgehub cluster: $NODES nodes on $(echo "$DB" | sed -E 's#://([^:@]*):[^@]*@#://\1@#') behind HAProxy at http://127.0.0.1:$PORT/"
}

cmd_stop() {
    load_state
    [ -f "$STATE/haproxy.pid" ] && kill "$(cat "$STATE/haproxy.pid")" 2>/dev/null || true
    for pidfile in "$STATE"/node*.pid; do
        [ -f "$pidfile" ] || continue
        kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
    done
    for pidfile in "$STATE"/node*.pid; do
        [ -f "$pidfile" ] || continue
        local pid; pid=$(cat "$pidfile")
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$pidfile"
    done
    rm -f "$STATE/haproxy.pid"
    echo "cluster stopped"
}

cmd_status() {
    load_state
    for i in $(seq 1 "$NODES"); do
        if curl -sf "http://127.0.0.1:$(node_port "$i")/api/ready" >/dev/null 2>&1; then s=up; else s=down; fi
        echo "node$i 127.0.0.1:$(node_port "$i") $s"
    done
    if curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1; then echo "balancer http://127.0.0.1:$PORT/ up"; else echo "balancer down"; fi
}

cmd_kill() {
    load_state
    kill -9 "$(cat "$STATE/node$1.pid")"
    echo "node$1 killed (SIGKILL)"
}

cmd_restart() {
    load_state
    start_node "$1"
    echo "node$1 restarted"
}

case "${1:-}" in
    start) shift; cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill) cmd_kill "$2" ;;
    restart) cmd_restart "$2" ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
esac
