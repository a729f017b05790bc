//! MOL blocks (V2000 and V3000) written by RDKit for registry substances (`fixtures/molblock/`, made by
//! `fixtures/molblock/make.py`) must give the same standard InChIKey as the substance's SMILES and as
//! RDKit; broken blocks must fail with the line at fault.

use pw_chem::{MAX_HEAVY_ATOMS, MAX_MOLBLOCK_BYTES, Structure, StructureError};

const KEYS: &str = include_str!("fixtures/molblock/keys.tsv");
const NPP: &str = include_str!("fixtures/molblock/npp.mol");
const NPP_V3000: &str = include_str!("fixtures/molblock/npp.v3000.mol");

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/molblock/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn key(s: &Structure) -> String {
    s.inchikey().expect("inchikey").to_string()
}

/// The error of a block that must fail, with the line it names.
fn failure(block: &str) -> (String, Option<usize>) {
    match Structure::from_molblock(block) {
        Ok(s) => panic!("accepted: {s:?}\n{block}"),
        Err(StructureError::Molfile { what, line }) => (what, line),
        Err(e) => panic!("not a MOL block error: {e:?}\n{block}"),
    }
}

/// NPP's V2000 block with line `n` (1-based) replaced by `with` (`None` deletes it).
fn npp_with(n: usize, with: Option<&str>) -> String {
    let mut out = String::new();
    for (i, l) in NPP.lines().enumerate() {
        if i + 1 == n {
            if let Some(w) = with {
                out.push_str(w);
                out.push('\n');
            }
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

#[test]
fn rdkit_blocks_give_the_keys_of_their_smiles() {
    let mut n = 0;
    for line in KEYS.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let [id, smiles, rdkit] = f[..] else {
            panic!("malformed fixture line {line:?}");
        };
        let from_smiles = key(&Structure::from_smiles(smiles).expect("smiles"));
        assert_eq!(from_smiles, rdkit, "{id}: SMILES key vs RDKit");
        for ext in ["mol", "v3000.mol"] {
            let s = Structure::from_molblock(&fixture(&format!("{id}.{ext}")))
                .unwrap_or_else(|e| panic!("{id}.{ext}: {e}"));
            assert_eq!(key(&s), rdkit, "{id}.{ext}");
            assert_eq!(
                s.canonical_smiles(),
                Structure::from_smiles(smiles)
                    .expect("smiles")
                    .canonical_smiles(),
                "{id}.{ext}"
            );
            n += 1;
        }
    }
    assert!(n >= 12, "only {n} blocks");
}

#[test]
fn stereo_comes_from_the_wedges() {
    let e = Structure::from_molblock(&fixture("ephedrine.mol")).expect("ephedrine");
    let p = Structure::from_molblock(&fixture("pseudoephedrine.mol")).expect("pseudoephedrine");
    assert_ne!(key(&e), key(&p));
    assert_eq!(key(&e)[..14], key(&p)[..14], "same skeleton");
    // Without the wedge (stereo flag 6 → 0 on bond 3) the centre is undefined: another key.
    let flat = fixture("ephedrine.mol").replace("  3  4  1  6", "  3  4  1  0");
    let f = Structure::from_molblock(&flat).expect("flat");
    assert_ne!(key(&f), key(&e));
}

#[test]
fn salts_standardise_as_from_smiles() {
    let s = Structure::from_molblock(&fixture("bmk-glycidic-acid-sodium.mol")).expect("salt");
    assert_eq!(s.fragment_count(), 2);
    let st = s.standardize();
    assert!(st.neutralized);
    assert_eq!(
        key(&st.parent),
        key(&Structure::from_smiles("CC1(C(=O)O)OC1c1ccccc1").expect("acid"))
    );
    assert_eq!(st.removed[0].reason, "counter-ion sodium");
}

#[test]
fn an_sd_record_is_read_up_to_m_end() {
    let record = format!("{NPP}>  <ID>\nNPP-1\n\n> <note>\nnot part of the structure\n\n$$$$\n");
    let s = Structure::from_molblock(&record).expect("record");
    assert_eq!(key(&s), "YDJXNYNKKXZBMP-UHFFFAOYSA-N");
    // Windows line ends are fine too.
    let crlf = NPP.replace('\n', "\r\n");
    assert_eq!(
        key(&Structure::from_molblock(&crlf).expect("crlf")),
        "YDJXNYNKKXZBMP-UHFFFAOYSA-N"
    );
    // A name in any script is fine in the header.
    let named = npp_with(1, Some("1-phénéthyl-4-pipéridone 苯乙基哌啶酮"));
    assert!(Structure::from_molblock(&named).is_ok());
}

#[test]
fn garbage_and_empty_blocks() {
    assert_eq!(failure(""), ("empty MOL block".into(), None));
    assert_eq!(failure(" \n\n  \n"), ("empty MOL block".into(), None));
    let (what, line) = failure("this is not a MOL file");
    assert!(what.contains("truncated"), "{what}");
    assert_eq!(line, Some(1));
    let (what, line) = failure("O=C1CCN(CCc2ccccc2)CC1\n\n\nhello world\nM  END\n");
    assert!(what.contains("version tag"), "{what}");
    assert_eq!(line, Some(4));
    let (what, line) = failure(&"\u{1}\u{2}\u{3}".repeat(30));
    assert!(what.contains("character"), "{what}");
    assert_eq!(line, Some(1));
    // Non-ASCII inside the connection table.
    let (what, line) = failure(&npp_with(
        6,
        Some("   -4.4877   -0.1751    0.0000 С   0  0  0  0  0  0  0  0  0  0  0  0"),
    ));
    assert!(what.contains("'С'"), "a Cyrillic Es: {what}");
    assert_eq!(line, Some(6));
    let e = Structure::from_molblock(&"x\n".repeat(MAX_MOLBLOCK_BYTES)).expect_err("too long");
    assert!(e.to_string().contains("limit"), "{e}");
}

#[test]
fn truncated_and_malformed_counts_lines() {
    // Header only.
    let (what, line) = failure("NPP\n     RDKit          2D\n\n");
    assert!(what.contains("truncated"), "{what}");
    assert_eq!(line, Some(3));
    // The counts line cut short.
    let (what, line) = failure(&npp_with(4, Some(" 15")));
    assert!(what.contains("version tag"), "{what}");
    assert_eq!(line, Some(4));
    let (what, line) = failure(&npp_with(4, Some(" 15 V2000")));
    assert!(what.contains("bond count"), "{what}");
    assert_eq!(line, Some(4));
    let (what, line) = failure(&npp_with(
        4,
        Some(" xx 16  0  0  0  0  0  0  0  0999 V2000"),
    ));
    assert!(what.contains("atom count"), "{what}");
    assert_eq!(line, Some(4));
    // The block cut inside the bond block, and a block without M  END.
    let cut: String = NPP.lines().take(25).map(|l| format!("{l}\n")).collect();
    let (what, line) = failure(&cut);
    assert!(what.contains("16 bonds but 6 bond lines"), "{what}");
    assert_eq!(line, Some(4));
    let (what, line) = failure(&npp_with(36, None));
    assert!(what.contains("no 'M  END'"), "{what}");
    assert_eq!(line, Some(35));
    let (what, _) = failure(&NPP_V3000.replace("M  END\n", ""));
    assert!(what.contains("truncated"), "{what}");
    let v3000_cut: String = NPP_V3000
        .lines()
        .take(12)
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(Structure::from_molblock(&format!("{v3000_cut}M  END\n")).is_err());
}

#[test]
fn counts_that_lie() {
    // More atoms declared than written.
    let (what, line) = failure(&npp_with(
        4,
        Some(" 16 16  0  0  0  0  0  0  0  0999 V2000"),
    ));
    assert_eq!(
        (what.as_str(), line),
        (
            "the counts line declares 16 atoms but 15 atom lines follow it",
            Some(4)
        )
    );
    // Fewer atoms declared than written.
    let (what, _) = failure(&npp_with(
        4,
        Some(" 14 16  0  0  0  0  0  0  0  0999 V2000"),
    ));
    assert!(what.contains("declares 14 atoms but 15"), "{what}");
    // Fewer bonds declared than written: the toolkit would drop the last bond (a ring bond) silently.
    let (what, line) = failure(&npp_with(
        4,
        Some(" 15 15  0  0  0  0  0  0  0  0999 V2000"),
    ));
    assert!(
        what.contains("after the bond block") && what.contains("15 bonds"),
        "{what}"
    );
    assert_eq!(line, Some(35));
    // More bonds declared than written.
    let (what, line) = failure(&npp_with(
        4,
        Some(" 15 17  0  0  0  0  0  0  0  0999 V2000"),
    ));
    assert!(what.contains("17 bonds but 16 bond lines"), "{what}");
    assert_eq!(line, Some(4));
    // An atom line missing from the middle.
    let (what, _) = failure(&npp_with(10, None));
    assert!(what.contains("declares 15 atoms but 14"), "{what}");
    // V3000 COUNTS that disagree with the atom block.
    let lying = NPP_V3000.replace("COUNTS 15 16", "COUNTS 16 16");
    assert!(Structure::from_molblock(&lying).is_err());
}

#[test]
fn bad_atoms_and_bonds_name_their_line() {
    let atom = |sym: &str| {
        format!("   -4.4877   -0.1751    0.0000 {sym:<3} 0  0  0  0  0  0  0  0  0  0  0  0")
    };
    // Unknown element.
    let (what, line) = failure(&npp_with(6, Some(&atom("Xx"))));
    assert!(what.contains("\"Xx\""), "{what}");
    assert_eq!(line, Some(6));
    // Query atom (any atom).
    let (what, line) = failure(&npp_with(6, Some(&atom("A"))));
    assert!(what.contains("\"A\""), "{what}");
    assert_eq!(line, Some(6));
    // Wildcard and R-group atoms are refused, as '*' is in SMILES.
    for sym in ["*", "R#", "R1"] {
        let (what, line) = failure(&npp_with(6, Some(&atom(sym))));
        assert!(what.contains("atom 2 is a wildcard"), "{sym}: {what}");
        assert_eq!(line, Some(6), "{sym}");
    }
    // O#C: a trivalent oxygen (the carbonyl of NPP made a triple bond).
    let (what, line) = failure(&npp_with(20, Some("  1  2  3  0")));
    assert!(what.contains("atom 1 (O) has 3 bonds"), "{what}");
    assert_eq!(line, Some(5));
    // Query bond types (5 = single or double, 8 = any) and dative (9).
    for t in [5, 6, 7, 8, 9] {
        let (what, line) = failure(&npp_with(21, Some(&format!("  2  3  {t}  0"))));
        assert!(what.starts_with("bond 2 is a"), "type {t}: {what}");
        assert_eq!(line, Some(21), "type {t}");
    }
    // A bond to an atom that does not exist.
    let (what, line) = failure(&npp_with(21, Some("  2 99  1  0")));
    assert_eq!(
        what,
        "bond 2 joins atoms 2 and 99, but the block has 15 atoms"
    );
    assert_eq!(line, Some(21));
    let (what, line) = failure(&npp_with(21, Some("  2  0  1  0")));
    assert!(what.contains("atoms 2 and 0"), "{what}");
    assert_eq!(line, Some(21));
    // Radicals and query properties are refused rather than dropped.
    let rad = NPP.replace("M  END", "M  RAD  1   3   2\nM  END");
    assert_eq!(failure(&rad).1, Some(36));
    let als = NPP.replace("M  END", "M  ALS   2  2 F O   N   \nM  END");
    assert!(failure(&als).0.contains("query"));
    // A charge property naming an atom that does not exist.
    let chg = NPP.replace("M  END", "M  CHG  1  99   1\nM  END");
    assert_eq!(failure(&chg).1, Some(36));
}

#[test]
fn the_limits_of_smiles_apply() {
    // 1,001 carbons in a chain (V3000: V2000 counts have 3 digits).
    let n = MAX_HEAVY_ATOMS + 1;
    let v3000 = {
        let mut b = format!(
            "chain\n  test\n\n  0  0  0     0  0            999 V3000\nM  V30 BEGIN CTAB\nM  V30 COUNTS {n} {} 0 0 0\nM  V30 BEGIN ATOM\n",
            n - 1
        );
        for i in 1..=n {
            b.push_str(&format!("M  V30 {i} C {i}.0 0.0 0.0 0\n"));
        }
        b.push_str("M  V30 END ATOM\nM  V30 BEGIN BOND\n");
        for i in 1..n {
            b.push_str(&format!("M  V30 {i} 1 {i} {}\n", i + 1));
        }
        b.push_str("M  V30 END BOND\nM  V30 END CTAB\nM  END\n");
        b
    };
    assert_eq!(
        Structure::from_molblock(&v3000).err(),
        Some(StructureError::TooManyAtoms {
            count: n,
            max: MAX_HEAVY_ATOMS
        })
    );
    // One atom fewer is fine.
    let ok = v3000
        .replace(
            &format!("COUNTS {n} {}", n - 1),
            &format!("COUNTS {} {}", n - 1, n - 2),
        )
        .replace(&format!("M  V30 {n} C {n}.0 0.0 0.0 0\n"), "")
        .replace(&format!("M  V30 {} 1 {} {n}\n", n - 1, n - 1), "");
    assert_eq!(
        Structure::from_molblock(&ok)
            .expect("1000 atoms")
            .heavy_atom_count(),
        MAX_HEAVY_ATOMS
    );
}

#[test]
fn v3000_errors_name_their_line() {
    let bad = NPP_V3000.replace("M  V30 3 C", "M  V30 3 Xx");
    let (what, line) = failure(&bad);
    assert!(what.contains("Xx"), "{what}");
    assert_eq!(line, Some(10));
    let r = NPP_V3000.replace("M  V30 3 C", "M  V30 3 R#");
    let (what, line) = failure(&r);
    assert!(what.contains("atom 3 is a wildcard"), "{what}");
    assert_eq!(line, Some(10));
}

proptest::proptest! {
    #[test]
    fn from_molblock_never_panics(input in "\\PC{0,200}") {
        if let Ok(s) = Structure::from_molblock(&input) {
            let _ = s.inchikey();
        }
    }

    #[test]
    fn edited_blocks_never_panic(line in 1usize..37, col in 0usize..70, ch in "[ 0-9A-Za-z.+\\-*#]") {
        // One character of the NPP block changed: an error or a structure, never a panic.
        let mut lines: Vec<String> = NPP.lines().map(String::from).collect();
        if let Some(l) = lines.get_mut(line - 1) {
            let mut chars: Vec<char> = l.chars().collect();
            if col < chars.len() {
                chars[col] = ch.chars().next().unwrap_or(' ');
            }
            *l = chars.into_iter().collect();
        }
        let block = lines.join("\n");
        match Structure::from_molblock(&block) {
            Ok(s) => { let _ = s.inchikey(); }
            Err(StructureError::Internal { during }) => panic!("toolkit panicked while {during}"),
            Err(_) => {}
        }
    }
}
