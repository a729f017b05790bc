#!/usr/bin/env bash
# Fetch the MOSES data set (PyPI `molsets`) and write its first 100,000 training SMILES to
# bench/out/moses100k.smi (one SMILES per line, no header). bench/out is git-ignored: never commit the data.
#
# `pip install molsets` pulls old pinned dependencies (torch, pomegranate...) that do not build on current
# Python, so the package is installed without them: only its packaged data file is read.
#
# Usage (from anywhere): bench/classify/prepare.sh [N]     N = number of SMILES, 100000 by default
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-100000}"
OUT=bench/out/moses100k.smi
[ "$N" = 100000 ] || OUT="bench/out/moses${N}.smi"
mkdir -p bench/out

py=${PYTHON:-python3}
if ! "$py" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("moses") is None)' 2>/dev/null; then
    "$py" -m pip install --quiet molsets 2>/dev/null || "$py" -m pip install --quiet --no-deps molsets==0.3.1
fi
# Locate the package without importing it (importing moses needs the skipped dependencies).
data=$("$py" -c 'import importlib.util, os; s = importlib.util.find_spec("moses"); print(os.path.join(os.path.dirname(s.origin), "dataset", "data", "train.csv.gz"))')
[ -f "$data" ] || { echo "error: $data not found (molsets layout changed?)" >&2; exit 1; }

# train.csv.gz: header `SMILES`, then one SMILES per line (1,584,663 molecules).
# (gzip -dc would get SIGPIPE from head; read through Python so pipefail stays meaningful.)
"$py" - "$data" "$N" > "$OUT" <<'PY'
import gzip, sys
path, n = sys.argv[1], int(sys.argv[2])
with gzip.open(path, "rt") as f:
    header = f.readline().strip()
    assert header.upper() == "SMILES", header
    k = 0
    for line in f:
        s = line.strip()
        if not s:
            continue
        print(s)
        k += 1
        if k == n:
            break
PY
echo "$OUT: $(wc -l < "$OUT") SMILES from $data (sha256 $(sha256sum "$OUT" | cut -c1-16)…)" >&2
