#!/usr/bin/env bash
# Print the median of every `lookup` benchmark (from criterion's estimates.json) and the ratio
# linear_scan / resolver per query. Run after `cargo bench -p pw-resolve --bench lookup`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${CARGO_TARGET_DIR:-$ROOT/target}/criterion/lookup"
[[ -d "$DIR/resolver" ]] || { echo "no results in $DIR: run cargo bench -p pw-resolve --bench lookup" >&2; exit 1; }
fmt() { awk -v ns="$1" 'BEGIN { if (ns >= 1e6) printf "%.2f ms", ns/1e6; else if (ns >= 1e3) printf "%.2f µs", ns/1e3; else printf "%.0f ns", ns }'; }
printf '| %-13s | %12s | %16s | %8s |\n' query "resolver" "linear_scan" "ratio"
printf '|%s|%s|%s|%s|\n' ':--' '--:' '--:' '--:'
for q in cas name abbreviation salt inchikey typo_suggest garbage; do
    r=$(jq '.median.point_estimate' "$DIR/resolver/$q/new/estimates.json")
    l=$(jq '.median.point_estimate' "$DIR/linear_scan/$q/new/estimates.json")
    printf '| %-13s | %12s | %16s | %7s× |\n' "$q" "$(fmt "$r")" "$(fmt "$l")" "$(awk -v a="$l" -v b="$r" 'BEGIN { printf "%.0f", a/b }')"
done
