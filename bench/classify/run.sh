#!/usr/bin/env bash
# Batch classification throughput: `pwatch classify --file` on 1 and 2 threads against an RDKit-from-Python
# baseline doing the same SMARTS set (bench/classify/rdkit_baseline.py), all in the same run.
#
#   bench/classify/prepare.sh        # once: bench/out/moses100k.smi (MOSES, 100,000 SMILES)
#   bench/classify/run.sh            # INPUT=bench/out/moses100k.smi MAX_LOAD=0.5 WAIT=1200 by default
#
# Waits (up to WAIT seconds) for the 1-minute load average to fall under MAX_LOAD before starting, since
# other builds on a shared machine skew the figures. Needs: cargo, python3 with rdkit, GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/../.."
INPUT=${INPUT:-bench/out/moses100k.smi}
MAX_LOAD=${MAX_LOAD:-0.5}
WAIT=${WAIT:-1200}
OUT=bench/out/classify
mkdir -p "$OUT"
[ -f "$INPUT" ] || { echo "error: $INPUT missing: run bench/classify/prepare.sh first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }
python3 -c 'import rdkit' 2>/dev/null || { echo "error: python3 cannot import rdkit: pip install rdkit" >&2; exit 2; }

cargo build --release -p pwatch --quiet
PWATCH=target/release/pwatch
N=$(grep -cv '^\s*\(#\|$\)' "$INPUT")

source bench/lib.sh
wait_for_quiet "$MAX_LOAD" "$WAIT"

# run NAME CMD...: GNU time -v into $OUT/NAME.time; prints "wall_seconds peak_rss_kb".
run() {
    local name=$1; shift
    /usr/bin/time -v -o "$OUT/$name.time" "$@" > "$OUT/$name.stdout" 2> "$OUT/$name.stderr" || true
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
        /Maximum resident set size/ { rss = $2 }
        END { printf "%.2f %d\n", s, rss }' "$OUT/$name.time"
}

cat "$INPUT" "$PWATCH" > /dev/null   # warm the page cache
echo "# $(date -u +%FT%TZ)  $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# input $INPUT: $N SMILES; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r w_rd m_rd < <(run rdkit python3 bench/classify/rdkit_baseline.py "$INPUT")
grep '^#' "$OUT/rdkit.stdout" || true
read -r w_1 m_1 < <(run pwatch1 env RAYON_NUM_THREADS=1 "$PWATCH" classify --file "$INPUT")
read -r w_2 m_2 < <(run pwatch2 env RAYON_NUM_THREADS=2 "$PWATCH" classify --file "$INPUT")
tail -n1 "$OUT/pwatch1.stderr"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v n="$N" -v wr="$w_rd" -v mr="$m_rd" -v w1="$w_1" -v m1="$m_1" -v w2="$w_2" -v m2="$m_2" 'BEGIN {
    printf "| run                          | wall (s) | molecules/s | peak RSS (MiB) |\n"
    printf "|:-----------------------------|---------:|------------:|---------------:|\n"
    printf "| RDKit (Python), 1 thread     | %8.2f | %11.0f | %14.0f |\n", wr, n / wr, mr / 1024
    printf "| pwatch, RAYON_NUM_THREADS=1  | %8.2f | %11.0f | %14.0f |\n", w1, n / w1, m1 / 1024
    printf "| pwatch, RAYON_NUM_THREADS=2  | %8.2f | %11.0f | %14.0f |\n", w2, n / w2, m2 / 1024
    printf "\npwatch 1 thread / RDKit: %.2fx (target >= 1)\n", wr / w1
    printf "pwatch 2 threads / 1 thread: %.2fx (target >= 1.7)\n", w1 / w2
}'
