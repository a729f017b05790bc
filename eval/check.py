#!/usr/bin/env python3
"""Validate a labelled screening set (default: eval/listings.jsonl).

Checks, per line: valid JSON object; required fields and their types; id `ev-NNNN`, unique and
sequential from ev-0001; label, lang and provenance kind in their vocabularies; substance ids exist as
data/registry/substances/<id>.toml; benign records list no substance and offer/mention records at least
one; the six bulk Table II solvents/acids are never listed (project rule, see eval/README.md);
real records carry a URL, synthetic ones say what they were modelled on and carry none; no duplicate
texts; no synthesis vocabulary in text or notes (DESIGN.md §6).
For the whole set: at least 240 records, at least 35 Spanish and 35 Chinese, and each label between
25% and 45% of the records.

Usage: python3 eval/check.py [FILE] [--stats]
Exit status 0 when every check passes, 1 otherwise. Standard library only.
"""
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSTANCES = ROOT / "data" / "registry" / "substances"

LABELS = {"offer", "mention", "benign"}
LANGS = {"en", "es", "zh"}
KINDS = {"advisory", "court", "press", "regulation", "catalogue", "forum", "synthetic"}
REQUIRED = {"id": str, "text": str, "label": str, "substances": list, "lang": str,
            "provenance": dict, "synthetic": bool}
# Reported by the screener but never enough on their own to make a record offer/mention, so the set
# never lists them in `substances` (eval/README.md, "Label rules").
BULK = {"acetone", "toluene", "methyl-ethyl-ketone", "ethyl-ether", "hydrochloric-acid", "sulphuric-acid"}
# Safety lint: words that belong to synthesis procedures, not to identities or legal status.
FORBIDDEN = re.compile(
    r"\b(reflux|reductive amination|yield(s|ed)?|mmol|equivalents?|recrystalli[sz]|step \d|"
    r"how to (make|synthesi[sz]e|produce)|recipe|reflujo|rendimiento)\b|收率|产率|回流|合成路线|反应条件|反应步骤",
    re.IGNORECASE)
MIN_RECORDS, MIN_PER_LANG = 240, 35
LABEL_SHARE = (0.25, 0.45)


def check(path: Path):
    errors, records = [], []
    known = {p.stem for p in SUBSTANCES.glob("*.toml")}
    if not known:
        errors.append(f"no registry substances found under {SUBSTANCES}")
    texts = {}
    with path.open(encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            where = f"{path.name}:{n}"
            if not raw.strip():
                errors.append(f"{where}: empty line")
                continue
            try:
                rec = json.loads(raw)
            except json.JSONDecodeError as e:
                errors.append(f"{where}: invalid JSON ({e})")
                continue
            if not isinstance(rec, dict):
                errors.append(f"{where}: not a JSON object")
                continue
            records.append(rec)
            bad = False
            for field, typ in REQUIRED.items():
                if field not in rec:
                    errors.append(f"{where}: missing field `{field}`")
                    bad = True
                elif not isinstance(rec[field], typ):
                    errors.append(f"{where}: `{field}` must be {typ.__name__}")
                    bad = True
            if "notes" in rec and not isinstance(rec["notes"], str):
                errors.append(f"{where}: `notes` must be a string")
            if bad:
                continue
            where = f"{where} ({rec['id']})"
            expected = f"ev-{len(records):04d}"
            if rec["id"] != expected:
                errors.append(f"{where}: id should be {expected} (unique, sequential)")
            text = rec["text"]
            if not text.strip():
                errors.append(f"{where}: empty text")
            if text in texts:
                errors.append(f"{where}: same text as {texts[text]}")
            texts.setdefault(text, rec["id"])
            if rec["label"] not in LABELS:
                errors.append(f"{where}: label {rec['label']!r} not in {sorted(LABELS)}")
            if rec["lang"] not in LANGS:
                errors.append(f"{where}: lang {rec['lang']!r} not in {sorted(LANGS)}")
            subs = rec["substances"]
            if len(set(subs)) != len(subs):
                errors.append(f"{where}: duplicate substance ids")
            for s in subs:
                if not isinstance(s, str) or s not in known:
                    errors.append(f"{where}: unknown substance id {s!r} (no data/registry/substances/{s}.toml)")
                elif s in BULK:
                    errors.append(f"{where}: bulk solvent/acid {s!r} must not be listed in substances")
            if rec["label"] == "benign" and subs:
                errors.append(f"{where}: benign record lists substances")
            if rec["label"] in ("offer", "mention") and not subs:
                errors.append(f"{where}: {rec['label']} record lists no substance")
            prov = rec["provenance"]
            kind, source, url = prov.get("kind"), prov.get("source"), prov.get("url")
            if kind not in KINDS:
                errors.append(f"{where}: provenance.kind {kind!r} not in {sorted(KINDS)}")
            if not isinstance(source, str) or not source.strip():
                errors.append(f"{where}: provenance.source missing")
            if url is not None and not (isinstance(url, str) and re.match(r"https?://\S+$", url)):
                errors.append(f"{where}: provenance.url is not an http(s) URL")
            if rec["synthetic"]:
                if kind != "synthetic":
                    errors.append(f"{where}: synthetic record must have provenance.kind 'synthetic'")
                if url is not None:
                    errors.append(f"{where}: synthetic record must not carry a URL")
                if isinstance(source, str) and not source.startswith("written for this set, modelled on "):
                    errors.append(f"{where}: synthetic source must say 'written for this set, modelled on ...'")
            else:
                if kind == "synthetic":
                    errors.append(f"{where}: real record with provenance.kind 'synthetic'")
                if url is None:
                    errors.append(f"{where}: real record without provenance.url")
            for field in ("text", "notes"):
                m = FORBIDDEN.search(rec.get(field) or "")
                if m:
                    errors.append(f"{where}: synthesis vocabulary {m.group()!r} in {field} (DESIGN.md §6)")

    total = len(records)
    ok = [r for r in records if isinstance(r, dict)]
    langs = Counter(r.get("lang") for r in ok)
    labels = Counter(r.get("label") for r in ok)
    if total < MIN_RECORDS:
        errors.append(f"set: {total} records, need at least {MIN_RECORDS}")
    for lang in ("es", "zh"):
        if langs[lang] < MIN_PER_LANG:
            errors.append(f"set: {langs[lang]} records in {lang}, need at least {MIN_PER_LANG}")
    for label in sorted(LABELS):
        share = labels[label] / total if total else 0
        if not LABEL_SHARE[0] <= share <= LABEL_SHARE[1]:
            errors.append(f"set: {label} is {share:.0%} of the records, outside {LABEL_SHARE[0]:.0%}-{LABEL_SHARE[1]:.0%}")
    return records, errors


def stats(records):
    def table(title, counter):
        print(f"\n{title}")
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            print(f"  {key}: {n}")
    table("label", Counter(r["label"] for r in records))
    table("lang", Counter(r["lang"] for r in records))
    table("label x lang", Counter(f"{r['label']}/{r['lang']}" for r in records))
    table("provenance.kind", Counter(r["provenance"]["kind"] for r in records))
    table("synthetic", Counter("synthetic" if r["synthetic"] else "real" for r in records))
    table("real, label", Counter(r["label"] for r in records if not r["synthetic"]))
    table("real, lang", Counter(r["lang"] for r in records if not r["synthetic"]))
    table("substance (records naming it)", Counter(s for r in records for s in r["substances"]))


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args else Path(__file__).resolve().parent / "listings.jsonl"
    records, errors = check(path)
    for e in errors:
        print(e, file=sys.stderr)
    if "--stats" in argv and not errors:
        stats(records)
    status = "OK" if not errors else f"{len(errors)} problem(s)"
    print(f"{path}: {len(records)} records, {status}")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
