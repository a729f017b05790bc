#!/usr/bin/env python3
"""RDKit-from-Python baseline for `pwatch classify --file` (bench/classify/run.sh).

Per SMILES, in one process and one thread, the same work as pw-classify's `Classifier::classify` minus what
RDKit has no counterpart for:

  1. parse                 Chem.MolFromSmiles (sanitises, perceives aromaticity and rings)
  2. standardise           rdMolStandardize.LargestFragmentChooser, then Uncharger (ours keeps the largest
                           organic fragment and neutralises it)
  3. InChIKey              Chem.MolToInchiKey (standard), looked up in the registry's InChIKeys
  4. canonical SMILES      Chem.MolToSmiles (ours reports the parent's canonical SMILES)
  5. similarity            Morgan radius 2, 2048 bits (ECFP4) + BulkTanimotoSimilarity against every registry
                           substance structure (`smiles` of data/registry/substances/*.toml)
  6. class rules           every SMARTS of data/registry/classes/*.toml — `smarts` of each [[core]] and
                           `unmodified` of each [[replacement]] — with GetSubstructMatches, on every molecule

Not done here (so the baseline is CHEAPER than pwatch): the substituent and replacement checks that
explain each core hit (site walks, allowed-group recognition), the in-force date filter, building the
explanation and the JSON line. Done here but not by pwatch: the replacement SMARTS are matched on every
molecule (pwatch only looks at them inside a core hit) — a few µs per molecule.

Usage: rdkit_baseline.py FILE [--repeat N] [--limit N]    (FILE: one SMILES per line, optional id after white space)
Prints a per-stage breakdown and a final line `rdkit: N molecules in S s = R molecules/s` on stdout.
"""

import argparse
import glob
import os
import sys
import time
import tomllib

from rdkit import Chem, DataStructs, RDLogger, rdBase
from rdkit.Chem import rdFingerprintGenerator
from rdkit.Chem.MolStandardize import rdMolStandardize

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def load_registry():
    patterns = []  # (rule id, what, SMARTS)
    for path in sorted(glob.glob(os.path.join(ROOT, "data/registry/classes/*.toml"))):
        with open(path, "rb") as f:
            rule = tomllib.load(f)
        for core in rule.get("core", []):
            patterns.append((rule["id"], f"core {core.get('id', '?')}", core["smarts"]))
        for i, rep in enumerate(rule.get("replacement", [])):
            patterns.append((rule["id"], f"replacement[{i}]", rep["unmodified"]))
    substances = []  # (id, SMILES, InChIKey or None)
    for path in sorted(glob.glob(os.path.join(ROOT, "data/registry/substances/*.toml"))):
        with open(path, "rb") as f:
            s = tomllib.load(f)
        if s.get("smiles"):
            substances.append((s["id"], s["smiles"], s.get("inchikey")))
    return patterns, substances


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--limit", type=int, default=0, help="only the first N SMILES")
    args = ap.parse_args()
    RDLogger.DisableLog("rdApp.*")

    patterns, substances = load_registry()
    queries = []
    is_core = [what.startswith("core") for _, what, _ in patterns]
    for rid, what, sm in patterns:
        q = Chem.MolFromSmarts(sm)
        if q is None:
            print(f"error: RDKit cannot parse {rid} {what}: {sm}", file=sys.stderr)
            return 2
        queries.append(q)
    chooser = rdMolStandardize.LargestFragmentChooser(preferOrganic=True)
    uncharger = rdMolStandardize.Uncharger()
    fpgen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    ref_fps = []
    for sid, smi, _ in substances:
        m = Chem.MolFromSmiles(smi)
        if m is not None:
            ref_fps.append(fpgen.GetFingerprint(uncharger.uncharge(chooser.choose(m))))
    listed = {k for _, _, k in substances if k}

    with open(args.file, encoding="utf-8") as f:
        smiles = [ln.split(None, 1)[0] for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    if args.limit:
        smiles = smiles[: args.limit]

    print(f"# RDKit {rdBase.rdkitVersion}; {len(queries)} SMARTS from data/registry/classes, "
          f"{len(ref_fps)} registry fingerprints; {len(smiles)} SMILES from {args.file}")
    pc = time.perf_counter
    t = dict(parse=0.0, standardise=0.0, inchikey=0.0, smiles=0.0, fingerprint=0.0, smarts=0.0)
    failed = hits = core_hit = similar = n_listed = 0
    start = pc()
    for smi in smiles:
        t0 = pc()
        mol = Chem.MolFromSmiles(smi)
        t1 = pc()
        t["parse"] += t1 - t0
        if mol is None:
            failed += 1
            continue
        parent = uncharger.uncharge(chooser.choose(mol))
        t2 = pc()
        key = Chem.MolToInchiKey(parent)
        is_listed = key in listed
        t3 = pc()
        Chem.MolToSmiles(parent)
        t4 = pc()
        fp = fpgen.GetFingerprint(parent)
        sims = DataStructs.BulkTanimotoSimilarity(fp, ref_fps)
        best = max(sims)
        t5 = pc()
        n = cores = 0
        for q, core in zip(queries, is_core):
            if parent.GetSubstructMatches(q):
                n += 1
                cores += core
        t6 = pc()
        t["standardise"] += t2 - t1
        t["inchikey"] += t3 - t2
        t["smiles"] += t4 - t3
        t["fingerprint"] += t5 - t4
        t["smarts"] += t6 - t5
        hits += n
        n_listed += is_listed
        core_hit += cores > 0
        similar += best >= 0.5
    wall = pc() - start
    total = len(smiles)
    for k, v in t.items():
        print(f"#   {k:<12} {v:8.2f} s  {1e6 * v / max(total, 1):8.1f} µs/molecule  {100 * v / wall:5.1f} %")
    print(f"# {failed} unparsable, {n_listed} listed, {hits} SMARTS hits (core and replacement), "
          f"{core_hit} with a core hit (before substituent checks), {similar} with Tanimoto ≥ 0.5 to a registry structure")
    print(f"rdkit: {total} molecules in {wall:.2f} s = {total / wall:.0f} molecules/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
