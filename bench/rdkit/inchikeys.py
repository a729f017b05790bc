#!/usr/bin/env python3
"""Standard InChIKeys per RDKit: the test oracle for pw-chem (DESIGN.md §7; RDKit is never a runtime dependency).

Reads SMILES, one per line, optionally followed by a tab and a name; blank lines and lines starting with
`#` are skipped. Prints `smiles<TAB>standard InChIKey` per input line, in input order. A SMILES that RDKit
cannot read, or for which it gives no InChIKey, is reported on stderr and makes the exit status 1.

Regenerate the fixture used by crates/chem/tests/rdkit_oracle.rs (from the repository root):

    pip install rdkit
    python3 bench/rdkit/inchikeys.py crates/chem/tests/fixtures/structures.smi \
        > crates/chem/tests/fixtures/rdkit_inchikeys.tsv

Usage: inchikeys.py [FILE]   (standard input when FILE is omitted or `-`)
"""

import sys

from rdkit import Chem, RDLogger, rdBase


def main() -> int:
    RDLogger.DisableLog("rdApp.*")
    path = sys.argv[1] if len(sys.argv) > 1 else "-"
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
    failures = 0
    print(f"# RDKit {rdBase.rdkitVersion}, InChI {Chem.GetInchiVersion() if hasattr(Chem, 'GetInchiVersion') else '?'}")
    for lineno, line in enumerate(stream, 1):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        smiles = line.split("\t", 1)[0].strip()
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            print(f"line {lineno}: RDKit cannot read {smiles!r}", file=sys.stderr)
            failures += 1
            continue
        key = Chem.MolToInchiKey(mol)
        if not key:
            print(f"line {lineno}: RDKit gives no InChIKey for {smiles!r}", file=sys.stderr)
            failures += 1
            continue
        print(f"{smiles}\t{key}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
