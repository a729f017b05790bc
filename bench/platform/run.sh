#!/usr/bin/env bash
# Platform load: pre-export notification creation and listing through `pwatch serve`, on SQLite and on
# PostgreSQL, with oha on loopback; the bare `/healthz` (no database) measured in the same run is the
# ceiling each figure is compared with.
#
#   bench/platform/run.sh        # DBS="sqlite postgres" DURATION=10s CONC=16 MAX_LOAD=1.0 WAIT=300 BUILD=1
#
# For each database: a fresh one (SQLite: a temp file; PostgreSQL: database pwatch_bench on
# PG_URL=postgres://postgres@127.0.0.1:5432, dropped and created), `pwatch demo seed` (the Netherlands
# authority's officer token is used), `pwatch serve`, then with `oha --no-tui --output-format json -c $CONC
# -z $DURATION`:
#   healthz      GET  /healthz                                            (no database: the ceiling)
#   pen-create   POST /api/v1/notifications  (a new notification to Mexico per request; every request
#                writes the notification, its state change and its audit row in one transaction)
#   pen-list     GET  /api/v1/notifications?mailbox=outbox&limit=50      (after pen-create: thousands of rows)
# Raw JSON in bench/out/platform/ (git-ignored). Needs cargo, curl, jq, oha (`cargo install oha --locked`),
# psql for PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
DBS=${DBS:-"sqlite postgres"}
DURATION=${DURATION:-10s}
CONC=${CONC:-16}
MAX_LOAD=${MAX_LOAD:-1.0}
WAIT=${WAIT:-300}
BUILD=${BUILD:-1}
PORT=${PORT:-18090}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
OUT=bench/out/platform
BASE="http://127.0.0.1:$PORT"
mkdir -p "$OUT"
for tool in curl jq oha; do
    command -v "$tool" >/dev/null || { echo "missing $tool (oha: cargo install oha --locked)" >&2; exit 1; }
done
[ "$BUILD" = 0 ] || cargo build --release --quiet -p pwatch
BIN=${CARGO_TARGET_DIR:-target}/release/pwatch
TMP=$(mktemp -d)
SERVER_PID=""
stop() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
trap 'stop; rm -rf "$TMP"' EXIT INT TERM

PEN_BODY='{"substance":"4-AP","quantity":"20 kg","exporter_name":"Rotterdam Example Chemicals B.V.","consignee_name":"Química Fina del Bajío S.A. de C.V.","consignee_address":"Parque Industrial 7, León, MX","importing_country":"MX","transit_countries":["US"],"expected_date":"2027-01-25"}'

run() { # name db args...
    local name=$1 db=$2; shift 2
    oha --no-tui --output-format json -c "$CONC" -z "$DURATION" "$@" >"$OUT/$db-$name.json"
    jq -r --arg n "$name" --arg d "$db" '
        [ $d, $n, (.summary.requestsPerSec | floor),
          (.latencyPercentiles.p50 * 1000 * 1000 | round / 1000),
          (.latencyPercentiles.p99 * 1000 * 1000 | round / 1000),
          ([.statusCodeDistribution | to_entries[] | select(.key | startswith("2") | not) | .value] | add // 0)
        ] | @tsv' "$OUT/$db-$name.json" | awk -F'\t' '{ printf "%-9s %-10s %9s %9s %9s %7s\n", $1, $2, $3, $4, $5, $6 }'
}

wait_for_quiet "$MAX_LOAD" "$WAIT"
printf '# %s nproc=%s conc=%s duration=%s load=%s\n' "$(date -u +%FT%TZ)" "$(nproc)" "$CONC" "$DURATION" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %-10s %9s %9s %9s %7s\n' db scenario req/s p50_ms p99_ms non2xx
for db in $DBS; do
    case $db in
        sqlite) URL="sqlite://$TMP/bench.db" ;;
        postgres)
            psql "$PG_URL/postgres" -qc 'drop database if exists pwatch_bench with (force)' >/dev/null
            psql "$PG_URL/postgres" -qc 'create database pwatch_bench' >/dev/null
            URL="$PG_URL/pwatch_bench" ;;
        *) echo "unknown db $db" >&2; exit 2 ;;
    esac
    "$BIN" --json demo seed --db "$URL" >"$TMP/seed-$db.json"
    TOKEN=$(jq -r '.users[] | select(.org == "nl" and .role == "officer") | .token' "$TMP/seed-$db.json")
    RUST_LOG=warn "$BIN" serve --db "$URL" --addr "127.0.0.1:$PORT" >"$TMP/server-$db.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "authorization: Bearer $TOKEN" \
        -H 'content-type: application/json' -d "$PEN_BODY" "$BASE/api/v1/notifications")
    [[ "$code" == 201 ]] || { echo "pen-create answered $code" >&2; cat "$TMP/server-$db.log" >&2; exit 1; }
    run healthz "$db" "$BASE/healthz"
    run pen-create "$db" -m POST -H "authorization: Bearer $TOKEN" -T application/json -d "$PEN_BODY" \
        "$BASE/api/v1/notifications"
    rows=$(curl -fsS -H "authorization: Bearer $TOKEN" "$BASE/api/v1/notifications?mailbox=outbox&limit=1" | jq .total)
    run pen-list "$db" -H "authorization: Bearer $TOKEN" "$BASE/api/v1/notifications?mailbox=outbox&limit=50"
    echo "# $db: $rows notifications in the outbox when listing"
    stop
done
