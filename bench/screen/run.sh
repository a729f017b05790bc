#!/usr/bin/env bash
# Screening throughput: `pwatch screen` on 1 and 2 threads against ripgrep and a Python `re` baseline using
# the same literal patterns (every registry name and CAS RN), all in the same run, on a 100 MB and a 1 GB
# synthetic marketplace corpus (bench/screen/gen.py; deterministic, seed 1).
#
#   bench/screen/run.sh        # SIZES="100mb 1gb" MAX_LOAD=0.5 WAIT=1200 PY_MAX=600 RG_REPEAT=3 ROUNDS=1 SEED=1 OFFER_SHARE=0.02
#
# Generates bench/out/screen-{100mb,1gb}.jsonl (+ .labels.tsv ground truth) if missing (bench/out is
# git-ignored: never commit them), writes bench/out/screen/patterns.txt, waits (up to WAIT s) for the 1-minute
# load average to fall under MAX_LOAD, then times on each size, one run at a time:
#   rg -i -F -f patterns.txt FILE > /dev/null        (ripgrep; one thread on one file)
#   rg -c -i -F -f patterns.txt FILE                 (count of matching records)
#   rg --no-mmap -i -F -f patterns.txt FILE          (same search read(2)-ing the file: rg memory-maps a single
#                                                    file, so its peak RSS above is the file size)
#   bench/screen/baseline.py patterns.txt FILE > /dev/null    (Python re, one thread; on a size only if its
#                                                    wall time projected from the previous size is <= PY_MAX s)
#   RAYON_NUM_THREADS=1|2 pwatch screen FILE --format jsonl --text-field text --id-field id > /dev/null
# with GNU time -v (wall time, peak RSS; raw files in bench/out/screen/); the rg runs take about a second, so
# each is repeated RG_REPEAT times and the median wall time is reported (peak RSS: the largest). If `pwatch screen` is not available
# (build failure or no `screen` subcommand yet) it says so and still runs the baselines.
# ROUNDS=N (N > 1) times rg, rg --no-mmap and pwatch (1 and 2 threads) in N interleaved rounds and reports the
# best wall time of each (no Python baseline then): on a shared machine, a burst of load then hits all alike.
# PY=0 skips the Python baseline (it runs at < 1 MB/s: 100 MB take 2.5 min). KEEP_OUTPUT=1 keeps pwatch's JSONL (bench/out/screen/pwatchN-SIZE.jsonl) instead of /dev/null; BUILD=0 skips
# the cargo build (uses whatever target/release/pwatch is there). The binary is $CARGO_TARGET_DIR/release/pwatch
# when CARGO_TARGET_DIR is set; PWATCH=path times another binary (with BUILD=0).
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES=${SIZES:-"100mb 1gb"}
MAX_LOAD=${MAX_LOAD:-0.5}
WAIT=${WAIT:-1200}
PY_MAX=${PY_MAX:-600}
RG_REPEAT=${RG_REPEAT:-3}
ROUNDS=${ROUNDS:-1}
PY=${PY:-1}
SEED=${SEED:-1}
OFFER_SHARE=${OFFER_SHARE:-0.02}
KEEP_OUTPUT=${KEEP_OUTPUT:-0}
BUILD=${BUILD:-1}
OUT=bench/out/screen
PATTERNS=$OUT/patterns.txt
mkdir -p "$OUT"
unset RIPGREP_CONFIG_PATH

# --- tools --------------------------------------------------------------------------------------------------
have_root() { [ "$(id -u)" = 0 ]; }
if [ ! -x /usr/bin/time ]; then
    if have_root && command -v apt-get > /dev/null; then apt-get install -y -qq time > /dev/null || true; fi
    [ -x /usr/bin/time ] || { echo "error: GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }
fi
if ! command -v rg > /dev/null; then
    if have_root && command -v apt-get > /dev/null; then apt-get install -y -qq ripgrep > /dev/null || true; fi
    command -v rg > /dev/null || cargo install ripgrep --locked --quiet || true
    command -v rg > /dev/null || { echo "error: ripgrep (rg) is needed: apt-get install ripgrep" >&2; exit 2; }
fi
python3 -c 'import sys, tomllib; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || { echo "error: python3 >= 3.11 (tomllib) is needed" >&2; exit 2; }
git check-ignore -q bench/out/screen-100mb.jsonl 2>/dev/null \
    || echo "warning: bench/out/ is not git-ignored: add /bench/out to .gitignore before committing" >&2

# --- pwatch -------------------------------------------------------------------------------------------------
PWATCH=${PWATCH:-${CARGO_TARGET_DIR:-target}/release/pwatch}
PW_OK=0
if [ "$BUILD" = 0 ] || cargo build --release -p pwatch --quiet; then :; else
    echo "warning: cargo build --release -p pwatch failed; trying an existing $PWATCH" >&2
fi
if [ -x "$PWATCH" ] && "$PWATCH" screen --help > /dev/null 2>&1; then
    PW_OK=1
else
    echo "NOTE: \`pwatch screen\` is not available yet ($PWATCH missing or no \`screen\` subcommand):" \
         "measuring the baselines only." >&2
fi

# --- inputs -------------------------------------------------------------------------------------------------
mb_of() { case $1 in *gb) echo $(( ${1%gb} * 1000 ));; *mb) echo "${1%mb}";; *) echo "error: size $1" >&2; exit 2;; esac; }
for s in $SIZES; do
    f=bench/out/screen-$s.jsonl
    if [ ! -s "$f" ]; then
        echo "generating $f ($(mb_of "$s") MB, seed $SEED, offer share $OFFER_SHARE)" >&2
        /usr/bin/time -v -o "$OUT/gen-$s.time" python3 bench/screen/gen.py --size-mb "$(mb_of "$s")" \
            --seed "$SEED" --offer-share "$OFFER_SHARE" -o "$f.tmp" --labels "bench/out/screen-$s.labels.tsv"
        mv "$f.tmp" "$f"
        grep -E 'Elapsed' "$OUT/gen-$s.time" | sed 's/^\s*/  generation: /' >&2
    fi
done
python3 bench/screen/patterns.py -o "$PATTERNS"

# --- wait for a quiet machine ---------------------------------------------------------------------------------
source bench/lib.sh
wait_for_quiet "$MAX_LOAD" "$WAIT"

# run NAME STDOUT CMD...: GNU time -v into $OUT/NAME.time; prints "wall_seconds peak_rss_kb exit_status".
run() {
    local name=$1 dest=$2; shift 2
    /usr/bin/time -v -o "$OUT/$name.time" "$@" > "$dest" 2> "$OUT/$name.stderr" || true
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
        /Maximum resident set size/ { rss = $2 }
        /Exit status/ { rc = $2 }
        END { printf "%.2f %d %d\n", s, rss, rc }' "$OUT/$name.time"
}

# run_rep NAME STDOUT N CMD...: N runs; prints "median_wall max_peak_rss_kb worst_exit_status".
run_rep() {
    local name=$1 dest=$2 n=$3 i; shift 3
    for ((i = 1; i <= n; i++)); do run "$name" "$dest" "$@"; done | sort -n -k1,1 | awk '
        { w[NR] = $1; if ($2 > m) m = $2; if ($3 != 0) rc = $3 }
        END { printf "%.2f %d %d\n", w[int((NR + 1) / 2)], m, rc + 0 }'
}

RES=$OUT/results.tsv      # size  run  wall  rss_kb  rc  bytes  records  matched_records  note
: > "$RES"
echo "# $(date -u +%FT%TZ)  $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# $(rg --version | head -n1); $(python3 --version); pwatch screen: $([ $PW_OK = 1 ] && echo available || echo NOT available)"
echo "# patterns: $(wc -l < "$PATTERNS") literals from data/registry/substances/*.toml"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
prev_py=""   # "wall bytes" of the last Python run, for the projection
for s in $SIZES; do
    f=bench/out/screen-$s.jsonl
    bytes=$(stat -c %s "$f")
    recs=$(wc -l < "$f")
    cat "$f" "$PATTERNS" > /dev/null; [ $PW_OK = 1 ] && cat "$PWATCH" > /dev/null   # warm the page cache
    echo "# input $f: $bytes bytes, $recs records" >&2

    if [ "$ROUNDS" -gt 1 ]; then
        # ROUNDS interleaved rounds of rg, rg --no-mmap and pwatch on 1 and 2 threads; the best wall time
        # of each (peak RSS: the largest), so a burst of load on the shared machine hits all of them alike.
        declare -A BW=() BM=() BRC=()
        keep_best() {   # KEY WALL RSS RC
            if [ -z "${BW[$1]:-}" ] || awk -v a="$2" -v b="${BW[$1]}" 'BEGIN { exit !(a < b) }'; then BW[$1]=$2; fi
            BM[$1]=$(( ${BM[$1]:-0} > $3 ? ${BM[$1]:-0} : $3 ))
            BRC[$1]=$(( ${BRC[$1]:-0} > $4 ? ${BRC[$1]:-0} : $4 ))
        }
        for ((round = 1; round <= ROUNDS; round++)); do
            read -r w m rc < <(run "rg-$s" /dev/null rg -i -F -f "$PATTERNS" "$f"); keep_best rg "$w" "$m" "$rc"
            read -r w m rc < <(run "rgn-$s" /dev/null rg --no-mmap -i -F -f "$PATTERNS" "$f"); keep_best rgn "$w" "$m" "$rc"
            if [ $PW_OK = 1 ]; then
                for t in 1 2; do
                    read -r w m rc < <(run "pwatch$t-$s" /dev/null env RAYON_NUM_THREADS=$t "$PWATCH" screen "$f" \
                        --format jsonl --text-field text --id-field id)
                    keep_best "pw$t" "$w" "$m" "$([ "$rc" -le 1 ] && echo 0 || echo "$rc")"
                done
            fi
        done
        echo -e "$s\trg -i -F -f\t${BW[rg]}\t${BM[rg]}\t${BRC[rg]}\t$bytes\t$recs\t" >> "$RES"
        read -r w m rc < <(run "rgc-$s" "$OUT/rgc-$s.stdout" rg -c -i -F -f "$PATTERNS" "$f")
        echo -e "$s\trg -c -i -F -f\t$w\t$m\t$rc\t$bytes\t$recs\t$(head -n1 "$OUT/rgc-$s.stdout")" >> "$RES"
        echo -e "$s\trg --no-mmap -i -F -f\t${BW[rgn]}\t${BM[rgn]}\t${BRC[rgn]}\t$bytes\t$recs\t" >> "$RES"
        if [ $PW_OK = 1 ]; then
            for t in 1 2; do
                echo -e "$s\tpwatch, RAYON_NUM_THREADS=$t\t${BW[pw$t]}\t${BM[pw$t]}\t${BRC[pw$t]}\t$bytes\t$recs\t" >> "$RES"
            done
        fi
        [ "$PY" = 1 ] && echo "NOTE: ROUNDS > 1 skips the Python baseline (run it with ROUNDS=1)" >&2
        continue
    fi
    read -r w m rc < <(run_rep "rg-$s" /dev/null "$RG_REPEAT" rg -i -F -f "$PATTERNS" "$f")
    echo -e "$s\trg -i -F -f\t$w\t$m\t$rc\t$bytes\t$recs\t" >> "$RES"
    read -r w m rc < <(run_rep "rgc-$s" "$OUT/rgc-$s.stdout" "$RG_REPEAT" rg -c -i -F -f "$PATTERNS" "$f")
    echo -e "$s\trg -c -i -F -f\t$w\t$m\t$rc\t$bytes\t$recs\t$(head -n1 "$OUT/rgc-$s.stdout")" >> "$RES"
    read -r w m rc < <(run_rep "rgn-$s" /dev/null "$RG_REPEAT" rg --no-mmap -i -F -f "$PATTERNS" "$f")
    echo -e "$s\trg --no-mmap -i -F -f\t$w\t$m\t$rc\t$bytes\t$recs\t" >> "$RES"

    run_py=$PY
    if [ -n "$prev_py" ]; then
        proj=$(awk -v p="$prev_py" -v b="$bytes" 'BEGIN { split(p, a, " "); printf "%.0f", a[1] * b / a[2] }')
        if [ "$run_py" = 1 ] && [ "$proj" -gt "$PY_MAX" ]; then
            run_py=0
            echo "NOTE: Python baseline skipped on $s: projected ${proj} s > PY_MAX=${PY_MAX} s (set PY_MAX to force)" >&2
            echo -e "$s\tpython re\t\t\t\t$bytes\t$recs\t\tskipped on $s: projected ${proj} s > PY_MAX=${PY_MAX} s" >> "$RES"
        fi
    fi
    if [ $run_py = 1 ]; then
        read -r w m rc < <(run "python-$s" /dev/null python3 bench/screen/baseline.py "$PATTERNS" "$f")
        hit=$(sed -n 's/.* records, \([0-9]*\) with at least one match.*/\1/p' "$OUT/python-$s.stderr")
        echo -e "$s\tpython re\t$w\t$m\t$rc\t$bytes\t$recs\t$hit" >> "$RES"
        prev_py="$w $bytes"
    fi

    if [ $PW_OK = 1 ]; then
        for t in 1 2; do
            dest=/dev/null; [ "$KEEP_OUTPUT" = 1 ] && dest=$OUT/pwatch$t-$s.jsonl
            read -r w m rc < <(run "pwatch$t-$s" "$dest" env RAYON_NUM_THREADS=$t "$PWATCH" screen "$f" \
                --format jsonl --text-field text --id-field id)
            # `pwatch screen` exits 1 when any record is an offer or a mention (always, on this corpus): only >= 2 is an error.
            [ "$rc" -le 1 ] || echo "warning: pwatch screen (RAYON_NUM_THREADS=$t) on $s exited $rc: see $OUT/pwatch$t-$s.stderr" >&2
            echo -e "$s\tpwatch, RAYON_NUM_THREADS=$t\t$w\t$m\t$([ "$rc" -le 1 ] && echo 0 || echo "$rc")\t$bytes\t$recs\t" >> "$RES"
        done
    fi
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ $PW_OK = 1 ] || echo "# pwatch screen NOT available: baselines only"

# --- table and ratios -----------------------------------------------------------------------------------------
awk -F'\t' '
function mbps(i) { return W[i] > 0 ? B[i] / 1e6 / W[i] : 0 }
{
    n++; S[n] = $1; R[n] = $2; W[n] = $3 + 0; M[n] = $4; RC[n] = $5; B[n] = $6; N[n] = $7; H[n] = $8; NOTE[n] = $9
    key[$1 SUBSEP $2] = n
    if (!($1 in seen)) { seen[$1] = 1; order[++ns] = $1 }
}
END {
    printf "| input | run                          | wall (s) |   MB/s | records/s | peak RSS (MiB) | records with a match |\n"
    printf "|:------|:-----------------------------|---------:|-------:|----------:|---------------:|---------------------:|\n"
    for (i = 1; i <= n; i++) {
        if (W[i] == 0) { printf "| %-5s | %-28s |  skipped |      - |         - |              - |                    - |\n", S[i], R[i]; notes = notes "\n" R[i] ": " NOTE[i]; continue }
        flag = RC[i] != 0 ? " (exit " RC[i] ")" : ""
        printf "| %-5s | %-28s | %8.2f | %6.1f | %9.0f | %14.0f | %20s |\n", S[i], R[i] flag, W[i], mbps(i), N[i] / W[i], M[i] / 1024, H[i] == "" ? "-" : H[i]
    }
    if (notes != "") printf "%s\n", substr(notes, 2)
    printf "\n"
    for (j = 1; j <= ns; j++) {
        s = order[j]; p2 = key[s SUBSEP "pwatch, RAYON_NUM_THREADS=2"]; p1 = key[s SUBSEP "pwatch, RAYON_NUM_THREADS=1"]
        rg = key[s SUBSEP "rg -i -F -f"]; py = key[s SUBSEP "python re"]
        if (!p2) { printf "%s: pwatch not measured: no ratios\n", s; continue }
        printf "%s: pwatch-2 vs rg %.2fx", s, W[rg] / W[p2]
        if (py && W[py] > 0) printf ", vs python %.1fx", W[py] / W[p2]; else printf ", vs python n/a (not run on %s)", s
        printf ", vs pwatch-1 %.2fx (2 threads / 1 thread)\n", W[p1] / W[p2]
    }
    if (ns >= 2) {
        a = order[1]; b = order[ns]
        printf "\nscaling %s -> %s (MB/s at both sizes):", a, b
        runs[1] = "rg -i -F -f"; runs[2] = "python re"; runs[3] = "pwatch, RAYON_NUM_THREADS=1"; runs[4] = "pwatch, RAYON_NUM_THREADS=2"
        for (k = 1; k <= 4; k++) {
            x = key[a SUBSEP runs[k]]; y = key[b SUBSEP runs[k]]
            if (x && y && W[x] > 0 && W[y] > 0) printf "\n  %-28s %7.1f -> %7.1f MB/s (%.2fx)", runs[k], mbps(x), mbps(y), mbps(y) / mbps(x)
        }
        printf "\n"
    }
}' "$RES" | tee "$OUT/results.md"
