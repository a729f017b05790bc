#!/usr/bin/env bash
# HTTP load test of `pwatch serve` on loopback.
#
# Builds pwatch (release), starts it on 127.0.0.1 with a throw-away SQLite file, waits for /healthz, runs
# `oha` for a bounded time against each scenario, prints a table (req/s, p50, p99, non-2xx) and stops the
# server. Raw oha JSON goes to bench/out/ (git-ignored).
#
# Environment:
#   DURATION  per scenario            (default 10s)
#   CONC      concurrent connections  (default 32)
#   PORT      listen port             (default 18080)
#   PIN       "split": server on CPU 0, oha on CPU 1 (taskset); "none" (default): both float over all CPUs
#   SCENARIOS space-separated subset of: cas name notfound check (default: all)
#
# Needs: cargo, curl, jq, oha (`cargo install oha --locked`), taskset (util-linux) when PIN=split.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${DURATION:-10s}"
CONC="${CONC:-32}"
PORT="${PORT:-18080}"
PIN="${PIN:-none}"
SCENARIOS="${SCENARIOS:-cas name notfound check}"
OUT="$ROOT/bench/out"
BASE="http://127.0.0.1:$PORT"

for tool in curl jq oha; do
    command -v "$tool" >/dev/null || { echo "missing $tool (oha: cargo install oha --locked)" >&2; exit 1; }
done

server_pin=() load_pin=()
if [[ "$PIN" == split ]]; then
    server_pin=(taskset -c 0) load_pin=(taskset -c 1)
fi

echo "building pwatch (release)…" >&2
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" -p pwatch
BIN="$ROOT/target/release/pwatch"

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

RUST_LOG="${RUST_LOG:-warn}" "${server_pin[@]}" "$BIN" serve --db "sqlite://$TMP/pwatch.db" --addr "127.0.0.1:$PORT" \
    >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 100); do
    if curl -fsS "$BASE/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "server exited:" >&2; cat "$TMP/server.log" >&2; exit 1; fi
    sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null || { echo "server did not become healthy" >&2; cat "$TMP/server.log" >&2; exit 1; }

CHECK_BODY='{"substance":"NPP","from":"DE","to":"US","quantity":"25kg","date":"2025-06-01"}'

# Each scenario: name, then oha arguments after the common ones.
scenario_args() {
    case "$1" in
        cas)      echo "$BASE/api/v1/lookup?q=39742-60-4" ;;
        name)     echo "$BASE/api/v1/lookup?q=N-Phenethyl-4-piperidone" ;;
        notfound) echo "$BASE/api/v1/lookup?q=phenethylpiperidon" ;;
        check)    echo "-m POST -T application/json -d $CHECK_BODY $BASE/api/v1/check" ;;
        *) echo "unknown scenario $1" >&2; exit 1 ;;
    esac
}

# One request per scenario first: every scenario must answer 200, or the figures mean nothing.
for s in $SCENARIOS; do
    read -r -a args <<<"$(scenario_args "$s")"
    if [[ "$s" == check ]]; then
        code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' -d "$CHECK_BODY" "$BASE/api/v1/check")
    else
        code=$(curl -s -o /dev/null -w '%{http_code}' "${args[-1]}")
    fi
    [[ "$code" == 200 ]] || { echo "scenario $s answered HTTP $code" >&2; exit 1; }
done

mkdir -p "$OUT"
printf '# nproc=%s cpu="%s" conc=%s duration=%s pin=%s\n' "$(nproc)" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" "$CONC" "$DURATION" "$PIN"
printf '%-9s %10s %9s %9s %9s %8s\n' scenario req/s p50_ms p99_ms max_ms non2xx
for s in $SCENARIOS; do
    read -r -a args <<<"$(scenario_args "$s")"
    "${load_pin[@]}" oha --no-tui --output-format json -c "$CONC" -z "$DURATION" "${args[@]}" >"$OUT/$s.json"
    jq -r --arg s "$s" '
        [ $s,
          (.summary.requestsPerSec | floor),
          (.latencyPercentiles.p50 * 1000 * 1000 | round / 1000),
          (.latencyPercentiles.p99 * 1000 * 1000 | round / 1000),
          (.summary.slowest * 1000 * 1000 | round / 1000),
          ([.statusCodeDistribution | to_entries[] | select(.key | startswith("2") | not) | .value] | add // 0)
        ] | @tsv' "$OUT/$s.json" | awk -F'\t' '{ printf "%-9s %10s %9s %9s %9s %8s\n", $1, $2, $3, $4, $5, $6 }'
done
