//! MDL MOL blocks (CTfile V2000 and V3000) in: the connection table of one SDF record.
//!
//! The toolkit (`chematic-mol`) reads the block; this module bounds the input, checks what the toolkit
//! takes on trust (the counts line against the lines that follow it, a truncated block, properties that
//! would change the molecule silently if ignored) and turns every problem into
//! [`StructureError::Molfile`] with the 1-based line of the block where it is. The molecule then goes
//! through the same validation as a SMILES ([`Structure::from_smiles`]): size, wildcards, bonds,
//! valences, aromaticity.

use chematic::mol::MolParseError;

use crate::structure::{MAX_HEAVY_ATOMS, Structure, StructureError, guard};

/// Longest MOL block accepted, in bytes (up to and including its `M  END` line).
pub const MAX_MOLBLOCK_BYTES: usize = 1_000_000;

/// Most atoms (hydrogens included) a counts line may declare.
const MAX_MOLBLOCK_ATOMS: usize = 10 * MAX_HEAVY_ATOMS;

/// `M  xxx` properties that make a block a query or change the molecule in ways the reader would drop.
const REFUSED_PROPERTIES: &[(&str, &str)] = &[
    (
        "RAD",
        "radicals (M  RAD) are not supported: the structure would be read without them",
    ),
    (
        "ALS",
        "an atom list (M  ALS) is a query, not a concrete molecule",
    ),
    (
        "SUB",
        "a substitution count (M  SUB) is a query property, not a concrete molecule",
    ),
    (
        "UNS",
        "an unsaturation flag (M  UNS) is a query property, not a concrete molecule",
    ),
    (
        "RBC",
        "a ring bond count (M  RBC) is a query property, not a concrete molecule",
    ),
];

fn err(what: impl Into<String>, line: Option<usize>) -> StructureError {
    StructureError::Molfile {
        what: what.into(),
        line,
    }
}

/// Which CTfile version, and where each atom and bond is written (1-based lines of the block).
struct Layout {
    v3000: bool,
    atom_lines: Vec<usize>,
    bond_lines: Vec<usize>,
}

impl Structure {
    /// Read one MOL block (CTfile V2000 or V3000): a 3-line header, the counts line and the connection
    /// table, up to `M  END`. Anything after `M  END` (SD data items, `$$$$`) is ignored, so one record of
    /// an SD file can be given as it is.
    ///
    /// Stereo comes from wedge/hash bonds with 2D coordinates, or from 3D coordinates; charges and
    /// isotopes from the atom block and `M  CHG` / `M  ISO`. The limits and checks of
    /// [`Structure::from_smiles`] apply ([`MAX_HEAVY_ATOMS`], no wildcard, query or R-group atoms, no
    /// query bonds, valences, aromaticity), and so does [`MAX_MOLBLOCK_BYTES`]. Errors are
    /// [`StructureError::Molfile`] with the line of the block (1-based) where the problem is, when
    /// there is one; size and aromaticity errors are the same as for SMILES.
    pub fn from_molblock(block: &str) -> Result<Structure, StructureError> {
        let block = through_m_end(block);
        if block.len() > MAX_MOLBLOCK_BYTES {
            return Err(err(
                format!(
                    "the MOL block is {} bytes long; the limit is {MAX_MOLBLOCK_BYTES} bytes",
                    block.len()
                ),
                None,
            ));
        }
        if block.trim().is_empty() {
            return Err(err("empty MOL block", None));
        }
        check_characters(block)?;
        let lines: Vec<&str> = block.lines().collect();
        let layout = check_layout(&lines)?;
        guard("reading the MOL block", || {
            let parsed = if layout.v3000 {
                chematic::mol::parse_mol_v3000(block)
            } else {
                chematic::mol::parse_mol(block)
            };
            let (mol, _meta) = parsed.map_err(|e| toolkit_error(e, &lines, &layout))?;
            if mol.atom_count() != layout.atom_lines.len()
                || mol.bond_count() != layout.bond_lines.len()
            {
                return Err(err(
                    format!(
                        "the connection table declares {} atoms and {} bonds but {} atoms and {} bonds were read",
                        layout.atom_lines.len(),
                        layout.bond_lines.len(),
                        mol.atom_count(),
                        mol.bond_count()
                    ),
                    Some(4),
                ));
            }
            Structure::from_molecule(mol).map_err(|e| locate(e, &layout))
        })
    }
}

/// The block up to and including its first `M  END` line (the whole block if there is none).
fn through_m_end(block: &str) -> &str {
    let mut at = 0;
    for line in block.split_inclusive('\n') {
        at += line.len();
        if line.trim_end() == "M  END" {
            return &block[..at];
        }
    }
    block
}

/// No control characters anywhere; printable ASCII only in the counts line and the connection table (the
/// three header lines are free text: a name may be written in any script).
fn check_characters(block: &str) -> Result<(), StructureError> {
    for (i, line) in block.lines().enumerate() {
        let bad = line
            .chars()
            .find(|&c| (c.is_control() && c != '\t' && c != '\r') || (i >= 3 && !c.is_ascii()));
        if let Some(ch) = bad {
            let what = if i < 3 {
                format!("character {ch:?} cannot appear in a MOL block")
            } else {
                format!(
                    "character {ch:?} cannot appear in a MOL connection table (printable ASCII only)"
                )
            };
            return Err(err(what, Some(i + 1)));
        }
    }
    Ok(())
}

/// Does the line look like a V2000 atom line (coordinates, then an element symbol in columns 32–34)?
fn is_atom_line(line: &str) -> bool {
    line.len() >= 34
        && line
            .get(31..34)
            .and_then(|s| s.trim().chars().next())
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '*')
}

fn is_property_line(line: &str) -> bool {
    line.starts_with("M  ")
}

/// The header, counts line and connection-table lines, checked against each other before the toolkit
/// reads them: its reader trusts the counts line, so a wrong count would shift atoms into the bond block
/// (an error about the wrong line) or drop bonds silently.
fn check_layout(lines: &[&str]) -> Result<Layout, StructureError> {
    if lines.len() < 4 {
        return Err(err(
            format!(
                "the block is truncated: it has {} line{}, but a MOL block starts with a 3-line header and a counts line",
                lines.len(),
                if lines.len() == 1 { "" } else { "s" }
            ),
            Some(lines.len()),
        ));
    }
    let counts = lines[3];
    let end = lines.iter().position(|l| l.trim_end() == "M  END");
    if counts.contains("V3000") {
        let Some(end) = end else {
            return Err(err(
                "the block is truncated: no 'M  END' line",
                Some(lines.len()),
            ));
        };
        return v3000_layout(lines, end);
    }
    if !counts.contains("V2000") {
        return Err(err(
            format!("the counts line has no V2000 or V3000 version tag: {counts:?}"),
            Some(4),
        ));
    }
    let field = |range: std::ops::Range<usize>, what: &str| -> Result<usize, StructureError> {
        counts
            .get(range)
            .map(str::trim)
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(|| {
                err(
                    format!(
                        "the counts line must start with the {what} count in a 3-character field: {counts:?}"
                    ),
                    Some(4),
                )
            })
    };
    let atoms = field(0..3, "atom")?;
    let bonds = field(3..6, "bond")?;
    if atoms > MAX_MOLBLOCK_ATOMS {
        return Err(err(
            format!(
                "the counts line declares {atoms} atoms; at most {MAX_MOLBLOCK_ATOMS} are read"
            ),
            Some(4),
        ));
    }
    // Atom lines: exactly `atoms` of them, right after the counts line.
    let found_atoms = lines[4..].iter().take_while(|l| is_atom_line(l)).count();
    if found_atoms != atoms {
        return Err(err(
            format!(
                "the counts line declares {atoms} atom{} but {found_atoms} atom line{} follow{} it",
                plural(atoms),
                plural(found_atoms),
                if found_atoms == 1 { "s" } else { "" }
            ),
            Some(4),
        ));
    }
    // Bond lines: the next `bonds` lines, none of them an atom line or a property line.
    let first_bond = 4 + atoms;
    let found_bonds = lines[first_bond..]
        .iter()
        .take_while(|l| !is_atom_line(l) && !is_property_line(l) && l.trim_end() != "M  END")
        .count();
    if found_bonds < bonds {
        return Err(err(
            format!(
                "the counts line declares {bonds} bond{} but {found_bonds} bond line{} follow{} the atom block",
                plural(bonds),
                plural(found_bonds),
                if found_bonds == 1 { "s" } else { "" }
            ),
            Some(4),
        ));
    }
    // Each bond joins two atoms of the block (the toolkit would name them 0-based).
    for (k, line) in lines[first_bond..first_bond + bonds].iter().enumerate() {
        let atom =
            |r: std::ops::Range<usize>| line.get(r).and_then(|s| s.trim().parse::<usize>().ok());
        if let (Some(a), Some(b)) = (atom(0..3), atom(3..6))
            && (a == 0 || b == 0 || a > atoms || b > atoms)
        {
            return Err(err(
                format!(
                    "bond {} joins atoms {a} and {b}, but the block has {atoms} atom{}",
                    k + 1,
                    plural(atoms)
                ),
                Some(first_bond + k + 1),
            ));
        }
    }
    let Some(end) = end else {
        return Err(err(
            "the block is truncated: no 'M  END' line",
            Some(lines.len()),
        ));
    };
    // Between the bond block and M  END: properties only (an alias or group line takes the next line
    // as its text).
    let mut i = first_bond + bonds;
    while i < end {
        let line = lines[i];
        if let Some(tag) = line.strip_prefix("M  ") {
            let tag = tag.get(..3).unwrap_or(tag).trim_end();
            if let Some((_, why)) = REFUSED_PROPERTIES.iter().find(|(t, _)| *t == tag) {
                return Err(err(*why, Some(i + 1)));
            }
            i += 1;
        } else if line.starts_with("A  ") || line.starts_with("G  ") {
            i += 2;
        } else if line.starts_with("V  ") || line.starts_with("S  ") || line.trim().is_empty() {
            i += 1;
        } else {
            return Err(err(
                format!(
                    "unexpected line {line:?} after the bond block; the counts line declares {bonds} bond{}: is it short?",
                    plural(bonds)
                ),
                Some(i + 1),
            ));
        }
    }
    Ok(Layout {
        v3000: false,
        atom_lines: (0..atoms).map(|k| 5 + k).collect(),
        bond_lines: (0..bonds).map(|k| 5 + atoms + k).collect(),
    })
}

/// Where the atoms and bonds of a V3000 block are (first physical line of each logical line).
fn v3000_layout(lines: &[&str], end: usize) -> Result<Layout, StructureError> {
    let mut atom_lines = Vec::new();
    let mut bond_lines = Vec::new();
    let mut section: Option<&str> = None;
    let mut continued = false;
    for (i, line) in lines.iter().enumerate().take(end).skip(4) {
        let Some(payload) = line.strip_prefix("M  V30 ") else {
            continued = false;
            continue;
        };
        let was_continued = continued;
        continued = payload.trim_end().ends_with('-');
        if was_continued {
            continue;
        }
        let words: Vec<&str> = payload.split_whitespace().collect();
        match words.as_slice() {
            ["BEGIN", s, ..] => section = Some(s),
            ["END", ..] => section = None,
            ["COUNTS", a, ..] => {
                if a.parse::<usize>().is_ok_and(|a| a > MAX_MOLBLOCK_ATOMS) {
                    return Err(err(
                        format!(
                            "the COUNTS line declares {a} atoms; at most {MAX_MOLBLOCK_ATOMS} are read"
                        ),
                        Some(i + 1),
                    ));
                }
            }
            [_, ..] => match section {
                Some("ATOM") => atom_lines.push(i + 1),
                Some("BOND") => bond_lines.push(i + 1),
                _ => {}
            },
            [] => {}
        }
    }
    Ok(Layout {
        v3000: true,
        atom_lines,
        bond_lines,
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The toolkit's error, said in the project's words, with its line.
fn toolkit_error(e: MolParseError, lines: &[&str], layout: &Layout) -> StructureError {
    let line = |l: usize| (l > 0).then_some(l);
    match e {
        MolParseError::ResourceLimit {
            resource,
            actual,
            limit,
        } => err(format!("{resource}: {actual} (the limit is {limit})"), None),
        MolParseError::InvalidHeader { line: l, detail } => {
            err(format!("header: {detail}"), line(l))
        }
        MolParseError::InvalidCountLine { line: l, detail } => {
            err(format!("counts line: {detail}"), line(l))
        }
        MolParseError::InvalidAtomLine { line: l, detail } => {
            err(format!("atom line: {detail}"), line(l))
        }
        MolParseError::InvalidBondLine { line: l, detail } => {
            err(format!("bond line: {detail}"), line(l))
        }
        MolParseError::InvalidPropertyLine { line: l, detail } => {
            err(format!("property line: {detail}"), line(l))
        }
        MolParseError::UnknownElement { symbol, line: l } => err(
            format!(
                "unknown element symbol {symbol:?} (query atoms such as A, Q and L are not accepted)"
            ),
            line(l),
        ),
        MolParseError::UnexpectedEnd => err(
            if layout.v3000 {
                "the block ends before the V3000 connection table is complete (truncated?)"
            } else {
                "the block ends before the connection table is complete (truncated?)"
            },
            Some(lines.len()),
        ),
        MolParseError::V3000ParseError { line: l, msg } => err(msg, line(l)),
        MolParseError::Io(msg) => err(msg, None),
    }
}

/// A validation error about one atom or bond, located at its line of the block. Atom and bond numbers are
/// 1-based, as in the block.
fn locate(e: StructureError, layout: &Layout) -> StructureError {
    let atom_line = |a: usize| layout.atom_lines.get(a).copied();
    match e {
        StructureError::Wildcard { atom } => err(
            format!(
                "atom {} is a wildcard, query or R-group atom; a structure must be a concrete molecule",
                atom + 1
            ),
            atom_line(atom),
        ),
        StructureError::Valence {
            atom,
            element,
            valence,
        } => err(
            format!(
                "atom {} ({element}) has {valence} bonds (counting hydrogens), more than {element} allows",
                atom + 1
            ),
            atom_line(atom),
        ),
        StructureError::UnsupportedBond { bond, kind } => err(
            format!(
                "bond {} is a {kind} bond, which is not supported in structures",
                bond + 1
            ),
            layout.bond_lines.get(bond).copied(),
        ),
        other => other,
    }
}
