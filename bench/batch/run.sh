#!/usr/bin/env bash
# Batch throughput: `pwatch-batch` (DataFusion in one process; Ballista with one and with two executors on
# this machine) against `pwatch screen` / `pwatch classify --file` on the same input, one run at a time.
#
#   bench/batch/run.sh       # knobs: SIZE_MB=1000 SMILES_N=20000 MAX_LOAD=0.5 WAIT=600 BUILD=1 SEED=1 OFFER_SHARE=0.02
#
# Screening input: bench/out/screen-${SIZE_MB}mb.jsonl (bench/screen/gen.py, seed SEED; generated if
# missing; 1 GB ≈ 1.78 M listings, so 10 M listings ≈ SIZE_MB=5620). Classification input:
# bench/out/batch/smiles-${SMILES_N}.csv, the SMILES of bench/out/moses100k.smi (bench/classify/prepare.sh)
# when present, else the registry's structures repeated (say which in the figures). Runs:
#   pwatch screen FILE --out /dev/null                              (rayon, every core)
#   pwatch-batch screen --input FILE --out OUT.parquet              (DataFusion, every core)
#   pwatch-batch sql "SELECT count(*) … pw_screen(text)['label'] …"  (DataFusion, no output file)
#   the same two with --cluster, on a local scheduler + 1 executor (concurrency 2), then + 2 executors
#     (concurrency 1 each)
#   pwatch classify --file SMILES.smi > /dev/null, pwatch-batch classify --input SMILES.csv --out OUT.parquet
# with GNU time -v (wall time, peak RSS; raw files in bench/out/batch/). The pwatch-batch binary is
# $CARGO_TARGET_DIR/release/pwatch-batch (target/release by default); BUILD=0 uses what is there.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MB=${SIZE_MB:-1000}
SMILES_N=${SMILES_N:-20000}
MAX_LOAD=${MAX_LOAD:-0.5}
WAIT=${WAIT:-600}
BUILD=${BUILD:-1}
SEED=${SEED:-1}
OFFER_SHARE=${OFFER_SHARE:-0.02}
OUT=bench/out/batch
mkdir -p "$OUT"
source bench/lib.sh
[ -x /usr/bin/time ] || { echo "error: GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }

TARGET=${CARGO_TARGET_DIR:-target}
if [ "$BUILD" = 1 ]; then
    cargo build --release -p pwatch --quiet
    cargo build --release --manifest-path crates/batch/Cargo.toml --target-dir "$TARGET" --quiet
fi
PWATCH=${PWATCH:-$TARGET/release/pwatch}
BATCH=${BATCH:-$TARGET/release/pwatch-batch}

# --- inputs -------------------------------------------------------------------------------------------------
JSONL=bench/out/screen-${SIZE_MB}mb.jsonl
[ -f "$JSONL" ] || python3 bench/screen/gen.py --size-mb "$SIZE_MB" --seed "$SEED" --offer-share "$OFFER_SHARE" -o "$JSONL"
RECORDS=$(wc -l < "$JSONL")
SMI=$OUT/smiles-$SMILES_N.smi
CSV=$OUT/smiles-$SMILES_N.csv
if [ ! -f "$CSV" ]; then
    if [ -f bench/out/moses100k.smi ]; then
        SMILES_SOURCE="MOSES (bench/out/moses100k.smi)"
        head -n "$SMILES_N" bench/out/moses100k.smi > "$SMI"
    else
        SMILES_SOURCE="registry structures, repeated"
        grep -h '^smiles = ' data/registry/substances/*.toml | sed -E 's/^smiles = "(.*)"$/\1/' > "$OUT/registry.smi"
        python3 - "$OUT/registry.smi" "$SMILES_N" > "$SMI" <<'PY'
import sys, itertools
smiles = [l.strip() for l in open(sys.argv[1]) if l.strip()]
for s in itertools.islice(itertools.cycle(smiles), int(sys.argv[2])):
    print(s)
PY
    fi
    { echo "id,smiles"; awk '{ printf "m%d,\"%s\"\n", NR, $0 }' "$SMI"; } > "$CSV"
    echo "$SMILES_SOURCE" > "$OUT/smiles-source.txt"
fi
SMILES_SOURCE=$(cat "$OUT/smiles-source.txt" 2>/dev/null || echo "?")

# --- helpers ------------------------------------------------------------------------------------------------
results=$OUT/results.tsv
: > "$results"
timed() { # NAME ROWS CMD...: run under time -v, record wall seconds and peak RSS
    local name=$1 rows=$2; shift 2
    wait_for_quiet "$MAX_LOAD" "$WAIT"
    local tv=$OUT/$name.time
    local status=0
    /usr/bin/time -v -o "$tv" "$@" > "$OUT/$name.stdout" 2> "$OUT/$name.stderr" || status=$?
    # pwatch exits 1 when something was flagged: that is success here.
    if [ "$status" -gt 1 ]; then
        echo "error: $name failed ($status):" >&2; tail -n 20 "$OUT/$name.stderr" >&2; return 1
    fi
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tv")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tv")
    printf '%s\t%s\t%s\t%s\n' "$name" "$rows" "$wall" "$rss" | tee -a "$results"
}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_cluster() { # N_EXECUTORS CONCURRENCY → sets CLUSTER
    cleanup; pids=()
    local sp; sp=$(free_port)
    "$BATCH" scheduler --bind 127.0.0.1 --external-host 127.0.0.1 --port "$sp" > "$OUT/scheduler.log" 2>&1 &
    pids+=($!)
    for i in $(seq 1 "$1"); do
        mkdir -p "$OUT/work-$i"
        "$BATCH" executor --scheduler "127.0.0.1:$sp" --bind 127.0.0.1 --external-host 127.0.0.1 \
            --port "$(free_port)" --grpc-port "$(free_port)" --concurrency "$2" --work-dir "$OUT/work-$i" \
            > "$OUT/executor-$i.log" 2>&1 &
        pids+=($!)
    done
    for i in $(seq 1 "$1"); do
        for _ in $(seq 1 100); do grep -q "Connected to scheduler" "$OUT/executor-$i.log" && break; sleep 0.2; done
    done
    CLUSTER="df://127.0.0.1:$sp"
}

COUNT_SQL="SELECT s['label'] AS label, count(*) AS n FROM (SELECT pw_screen(text) AS s FROM input) GROUP BY 1 ORDER BY 1"

# --- screening ----------------------------------------------------------------------------------------------
timed pwatch-screen "$RECORDS" "$PWATCH" screen "$JSONL" --out /dev/null
timed batch-screen-local "$RECORDS" "$BATCH" screen --quiet --input "$JSONL" --out "$OUT/screened.parquet"
timed batch-count-local "$RECORDS" "$BATCH" sql --quiet --table "input=$JSONL" "$COUNT_SQL"
start_cluster 1 2
timed batch-screen-ballista1 "$RECORDS" "$BATCH" screen --quiet --cluster "$CLUSTER" --input "$JSONL" --out "$OUT/screened-b1.parquet"
timed batch-count-ballista1 "$RECORDS" "$BATCH" sql --quiet --cluster "$CLUSTER" --table "input=$JSONL" "$COUNT_SQL"
start_cluster 2 1
timed batch-screen-ballista2 "$RECORDS" "$BATCH" screen --quiet --cluster "$CLUSTER" --input "$JSONL" --out "$OUT/screened-b2.parquet"
timed batch-count-ballista2 "$RECORDS" "$BATCH" sql --quiet --cluster "$CLUSTER" --table "input=$JSONL" "$COUNT_SQL"
cleanup; pids=()

# --- classification -----------------------------------------------------------------------------------------
timed pwatch-classify "$SMILES_N" "$PWATCH" classify --file "$SMI"
timed batch-classify-local "$SMILES_N" "$BATCH" classify --quiet --input "$CSV" --out "$OUT/classified.parquet"
start_cluster 2 1
timed batch-classify-ballista2 "$SMILES_N" "$BATCH" classify --quiet --cluster "$CLUSTER" --input "$CSV" --out "$OUT/classified-b2.parquet"
cleanup; pids=()

# --- summary ------------------------------------------------------------------------------------------------
echo
echo "screening: $JSONL ($RECORDS records); classification: $SMILES_N SMILES ($SMILES_SOURCE); $(nproc) cores"
echo "label counts (local, ballista 2):"; cat "$OUT/batch-count-local.stdout"; cat "$OUT/batch-count-ballista2.stdout"
printf '\n| run | rows | wall (s) | rows/s | peak RSS (MiB) |\n|:--|--:|--:|--:|--:|\n'
awk -F'\t' '{ printf "| %s | %d | %.2f | %.0f | %s |\n", $1, $2, $3, ($3 > 0 ? $2 / $3 : 0), $4 }' "$results"
