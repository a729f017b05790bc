#!/usr/bin/env python3
"""Naive screening baseline: one Python `re` alternation of the escaped literal patterns, re.IGNORECASE.

    bench/screen/baseline.py PATTERNS [FILE|-] [--text-field text] [--id-field id] > matches.jsonl

For every JSONL record it searches the text field and prints {"id": ..., "matches": [[start, end, text], ...]}
(one line per record, also when there is no match). start/end are code-point offsets into the decoded text
(Python str indices), non-overlapping, leftmost first. Alternatives are ordered longest first, so at a given
position the longest pattern wins. No normalisation (no NFKC, no homoglyph or zero-width handling), no scoring,
no context: this is the floor that `pwatch screen` is measured against. Reads FILE or stdin; one thread.
"""
import argparse
import json
import re
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("patterns", help="one literal a line (bench/screen/patterns.py writes it)")
    ap.add_argument("input", nargs="?", default="-", help="JSONL file, '-' or nothing for stdin")
    ap.add_argument("--text-field", default="text")
    ap.add_argument("--id-field", default="id")
    a = ap.parse_args()
    with open(a.patterns, encoding="utf-8") as f:
        pats = [p for p in (line.rstrip("\n") for line in f) if p]
    pats.sort(key=len, reverse=True)
    rx = re.compile("|".join(map(re.escape, pats)), re.IGNORECASE)
    finditer = rx.finditer
    loads, dumps = json.loads, json.dumps
    inp = sys.stdin if a.input == "-" else open(a.input, encoding="utf-8")
    out = sys.stdout
    tf, idf = a.text_field, a.id_field
    n = hit = 0
    buf = []
    for line in inp:
        if not line.strip():
            continue
        rec = loads(line)
        text = rec.get(tf) or ""
        ms = [[m.start(), m.end(), m.group()] for m in finditer(text)]
        n += 1
        hit += bool(ms)
        buf.append(dumps({"id": rec.get(idf), "matches": ms}, ensure_ascii=False))
        if len(buf) >= 4096:
            out.write("\n".join(buf) + "\n")
            buf.clear()
    if buf:
        out.write("\n".join(buf) + "\n")
    out.flush()
    print(f"baseline.py: {n} records, {hit} with at least one match, {len(pats)} patterns", file=sys.stderr)


if __name__ == "__main__":
    main()
