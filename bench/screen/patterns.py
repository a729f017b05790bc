#!/usr/bin/env python3
"""Write the literal patterns both screening baselines use: every [[name]] text and every [[cas]] rn of
data/registry/substances/*.toml, one a line, deduplicated case-insensitively (both baselines ignore case),
in file order. Needs Python 3.11+ (tomllib).

    bench/screen/patterns.py                       # -> bench/out/screen/patterns.txt
    bench/screen/patterns.py -o FILE [--registry DIR]
"""
import argparse
import glob
import os
import sys
import tomllib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def patterns(registry):
    seen, out = set(), []
    files = sorted(glob.glob(os.path.join(registry, "*.toml")))
    if not files:
        sys.exit(f"patterns.py: no *.toml in {registry}")
    for path in files:
        with open(path, "rb") as f:
            d = tomllib.load(f)
        for lit in [n["text"] for n in d.get("name", [])] + [c["rn"] for c in d.get("cas", [])]:
            lit = lit.strip()
            if not lit or "\n" in lit:
                continue
            key = lit.casefold()
            if key not in seen:
                seen.add(key)
                out.append(lit)
    return files, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "bench", "out", "screen", "patterns.txt"))
    ap.add_argument("--registry", default=os.path.join(ROOT, "data", "registry", "substances"))
    a = ap.parse_args()
    files, pats = patterns(a.registry)
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    with open(a.output, "w", encoding="utf-8") as f:
        f.write("".join(p + "\n" for p in pats))
    n_cas = sum(1 for p in pats if p.replace("-", "").isdigit())
    print(f"patterns.py: {len(pats)} patterns ({n_cas} CAS RNs, {len(pats) - n_cas} names) from "
          f"{len(files)} substance files -> {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
