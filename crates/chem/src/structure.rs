//! Chemical structures read from SMILES (or MOL blocks, `molfile.rs`): identity (standard InChI /
//! InChIKey), standardisation, formula, mass, fingerprints, a read-only graph for the class-rule engine
//! and a 2D depiction.
//!
//! The toolkit underneath is `chematic` (pinned `=1.2.1`, see DESIGN.md §7); none of its types appear in
//! this module's public API, so it can be swapped.
//!
//! Every [`Structure`] is validated when it is built: parsed, explicit hydrogens folded into their heavy
//! atoms (isotopic hydrogens such as `[2H]` are kept), checked for impossible valences and for aromatic
//! systems that cannot be kekulised (RDKit refuses those too), and given its perceived aromaticity. All
//! atom indices used by this module (graph access, [`crate::Pattern`] matches, [`Structure::svg`]
//! highlights) refer to that one validated molecule, in the order the atoms were written.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Once, OnceLock};

use chematic::core::{AtomIdx, BondIdx, BondOrder as ChemBond, Molecule};
use chematic::smiles::SmilesError;

use crate::{Formula, InchiKey};

/// Longest SMILES accepted, in bytes.
pub const MAX_SMILES_BYTES: usize = 10_000;
/// Most heavy (non-hydrogen) atoms accepted in one structure.
pub const MAX_HEAVY_ATOMS: usize = 1_000;

/// Why a structure or pattern could not be read, or a property not computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StructureError {
    /// Nothing given (or only white space).
    #[error("empty SMILES")]
    Empty,
    /// Longer than [`MAX_SMILES_BYTES`].
    #[error("SMILES is {len} bytes long; the limit is {max} bytes")]
    TooLong { len: usize, max: usize },
    /// More heavy atoms than [`MAX_HEAVY_ATOMS`].
    #[error("structure has {count} heavy atoms; the limit is {max}")]
    TooManyAtoms { count: usize, max: usize },
    /// A character outside printable ASCII: SMILES and SMARTS are plain ASCII.
    #[error(
        "character {ch:?} at byte {at} cannot appear in SMILES or SMARTS (they use printable ASCII only)"
    )]
    BadCharacter { ch: char, at: usize },
    /// The SMILES grammar was not followed. `at` is a byte offset into the input as given, when known.
    #[error("invalid SMILES{}: {what}", at.map(|a| format!(" at byte {a}")).unwrap_or_default())]
    Syntax { what: String, at: Option<usize> },
    /// A MOL block (CTfile V2000/V3000) could not be read. `line` is the 1-based line of the block, when
    /// known.
    #[error("invalid MOL block{}: {what}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Molfile { what: String, line: Option<usize> },
    /// The SMARTS grammar was not followed. `at` is a byte offset into the pattern, when known.
    #[error("invalid SMARTS{}: {what}", at.map(|a| format!(" at byte {a}")).unwrap_or_default())]
    Smarts { what: String, at: Option<usize> },
    /// An atom with more bonds than its element allows (`C(C)(C)(C)(C)C`).
    #[error(
        "atom #{atom} ({element}) has {valence} bonds (counting hydrogens), more than {element} allows"
    )]
    Valence {
        atom: usize,
        element: &'static str,
        valence: u32,
    },
    /// Lower-case (aromatic) atoms that cannot be written with alternating single and double bonds
    /// (`c1cccc1`); often a missing `[nH]`.
    #[error("the aromatic ring system cannot be kekulised (is an [nH] missing?): {detail}")]
    Aromaticity { detail: String },
    /// A bond type that has no place in a concrete molecule here (quadruple, dative, zero-order, query).
    #[error("bond #{bond} is a {kind} bond, which is not supported in structures")]
    UnsupportedBond { bond: usize, kind: &'static str },
    /// A wildcard atom `*`: a structure must be a concrete molecule (use a [`crate::Pattern`] for
    /// generic queries).
    #[error("atom #{atom} is a wildcard '*'; a structure must be a concrete molecule")]
    Wildcard { atom: usize },
    /// The structure specifies stereo that the toolkit's InChI conversion would silently drop, so the key
    /// would name a different stereoisomer: no key is given rather than a wrong one.
    #[error(
        "the stereo at atom #{atom} ({element}, a {kind}) cannot be encoded in a standard InChI by this toolkit; refusing to give the key of another stereoisomer"
    )]
    StereoNotEncodable {
        atom: usize,
        element: &'static str,
        kind: &'static str,
    },
    /// The InChI library could not produce a standard InChI for this structure.
    #[error("no standard InChI for this structure: {detail}")]
    Inchi { detail: String },
    /// The fingerprint could not be computed for this structure.
    #[error("no fingerprint for this structure: {detail}")]
    Fingerprint { detail: String },
    /// The toolkit failed internally (a caught panic); the input is rejected rather than trusted.
    #[error("the chemistry toolkit failed internally while {during}; the input was rejected")]
    Internal { during: &'static str },
}

/// Bond order as seen by the class-rule engine, after aromaticity perception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BondOrder {
    /// A single bond (including `/` and `\` directional single bonds).
    Single,
    /// A double bond.
    Double,
    /// A triple bond.
    Triple,
    /// A bond in a perceived aromatic ring.
    Aromatic,
}

/// One atom of a [`Structure`], after aromaticity perception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtomInfo {
    /// Atomic number (6 for carbon).
    pub atomic_number: u8,
    /// Element symbol with its usual capitalisation (`C`, `Cl`).
    pub symbol: &'static str,
    /// Mass number when the atom is isotope-labelled (`[13C]`, `[2H]`).
    pub isotope: Option<u16>,
    /// Is the atom in a perceived aromatic ring (whatever the input spelling: `C1=CC=CC=C1` or `c1ccccc1`)?
    pub aromatic: bool,
    /// Formal charge.
    pub formal_charge: i8,
    /// Hydrogens on this atom: implicit ones plus any explicit hydrogen atoms kept in the graph (isotopes).
    pub total_h: u8,
    /// Is the atom in a ring?
    pub in_ring: bool,
    /// How many rings of the smallest set of smallest rings (SSSR) contain this atom.
    pub ring_count: u8,
}

/// A validated chemical structure. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Structure {
    /// The molecule as written, explicit hydrogens folded in.
    mol: Molecule,
    /// The same atoms and bonds (same indices) with RDKit-compatible perceived aromaticity.
    view: Molecule,
    /// Per atom: number of SSSR rings containing it. Computed on first use.
    rings: OnceLock<Vec<u8>>,
}

impl fmt::Debug for Structure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Structure")
            .field(&self.canonical_smiles())
            .finish()
    }
}

/// A fragment removed by [`Structure::standardize`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The fragment as canonical SMILES (display only).
    pub smiles: String,
    /// Its formula, as written (a chloride ion and HCl are both `Cl`-containing: see `reason`).
    pub formula: Formula,
    /// Why it was removed, for people: `"counter-ion HCl (hydrochloride)"`, `"solvate water"`.
    pub reason: String,
}

/// The result of [`Structure::standardize`].
#[derive(Debug, Clone)]
pub struct Standardized {
    /// The parent: the largest organic fragment, neutralised where that is chemically sound.
    pub parent: Structure,
    /// Everything taken away, one entry per fragment (two HCl give two entries).
    pub removed: Vec<Removed>,
    /// Were charges on the parent changed (protonated amine → free base, carboxylate → acid)?
    pub neutralized: bool,
}

/// An ECFP4 fingerprint: Morgan radius 2, 2048 bits, RDKit's bit-exact algorithm
/// (`GetMorganFingerprintAsBitVect(mol, 2, nBits=2048)`, no chirality, bond types used).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint([u64; 32]);

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({} bits set)", self.count_ones())
    }
}

impl Fingerprint {
    /// Number of bits in the fingerprint.
    pub const BITS: usize = 2048;

    /// Tanimoto (Jaccard) similarity in `0.0..=1.0`; 0.0 when both fingerprints are empty.
    pub fn tanimoto(&self, other: &Fingerprint) -> f64 {
        let mut both = 0u32;
        let mut either = 0u32;
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            both += (a & b).count_ones();
            either += (a | b).count_ones();
        }
        if either == 0 {
            0.0
        } else {
            f64::from(both) / f64::from(either)
        }
    }

    /// Number of bits set.
    pub fn count_ones(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// Is bit `i` (`0..2048`) set? False for out-of-range bits.
    pub fn bit(&self, i: usize) -> bool {
        i < Self::BITS && self.0[i / 64] >> (i % 64) & 1 == 1
    }
}

/// Run `f`, turning a panic inside the toolkit into [`StructureError::Internal`].
///
/// This is a last resort: chematic is written not to panic, and the fuzz target checks it (a panic there
/// aborts the fuzzer, caught or not). But a panic on one pasted SMILES must never take a server down.
pub(crate) fn guard<T>(
    during: &'static str,
    f: impl FnOnce() -> Result<T, StructureError>,
) -> Result<T, StructureError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(Err(StructureError::Internal { during }))
}

/// Reject anything but printable ASCII (and space/tab), with its byte offset.
pub(crate) fn check_ascii(input: &str) -> Result<(), StructureError> {
    match input
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_graphic() || c == ' ' || c == '\t'))
    {
        Some((at, ch)) => Err(StructureError::BadCharacter { ch, at }),
        None => Ok(()),
    }
}

impl Structure {
    /// Read a SMILES string (OpenSMILES: aromatic or Kekulé, stereo, isotopes, charges, `.`-separated
    /// fragments). Leading and trailing white space is ignored.
    ///
    /// Errors say what is wrong and, where known, the byte offset into `smiles`. Inputs longer than
    /// [`MAX_SMILES_BYTES`] or with more than [`MAX_HEAVY_ATOMS`] heavy atoms are refused up front.
    pub fn from_smiles(smiles: &str) -> Result<Structure, StructureError> {
        if smiles.len() > MAX_SMILES_BYTES {
            return Err(StructureError::TooLong {
                len: smiles.len(),
                max: MAX_SMILES_BYTES,
            });
        }
        check_ascii(smiles)?;
        if smiles.trim().is_empty() {
            return Err(StructureError::Empty);
        }
        // chematic reports positions in the trimmed string.
        let lead = smiles.len() - smiles.trim_start().len();
        guard("reading the SMILES", || {
            let limits = chematic::smiles::SmilesParseLimits {
                max_input_bytes: MAX_SMILES_BYTES,
                // Every atom takes at least one byte, so this only bounds explicit hydrogens as well.
                max_atoms: MAX_SMILES_BYTES,
                max_bonds: 4 * MAX_SMILES_BYTES,
            };
            let mol = chematic::smiles::parse_with_limits(smiles, &limits)
                .map_err(|e| smiles_error(e, smiles, lead))?;
            Structure::from_molecule(mol)
        })
    }

    /// Validate a parsed molecule and build the structure (perceived view, hydrogens folded in).
    pub(crate) fn from_molecule(mol: Molecule) -> Result<Structure, StructureError> {
        let heavy = mol
            .atoms()
            .filter(|(_, a)| a.element.atomic_number() > 1)
            .count();
        if heavy > MAX_HEAVY_ATOMS {
            return Err(StructureError::TooManyAtoms {
                count: heavy,
                max: MAX_HEAVY_ATOMS,
            });
        }
        if let Some((idx, _)) = mol.atoms().find(|(_, a)| a.wildcard) {
            return Err(StructureError::Wildcard {
                atom: idx.0 as usize,
            });
        }
        for (idx, bond) in mol.bonds() {
            let kind = match bond.order {
                ChemBond::Single
                | ChemBond::Up
                | ChemBond::Down
                | ChemBond::Double
                | ChemBond::Triple
                | ChemBond::Aromatic => continue,
                ChemBond::Quadruple => "quadruple",
                ChemBond::Dative => "dative",
                ChemBond::Zero => "zero-order",
                _ => "query",
            };
            return Err(StructureError::UnsupportedBond {
                bond: idx.0 as usize,
                kind,
            });
        }
        check_valence(&mol)?;
        // Fold explicit hydrogens (`[H]C([H])([H])[H]`) into their heavy atoms, as RDKit does; isotopic and
        // bridging hydrogens stay. Heavy atoms keep their relative order.
        let mol = if mol.atoms().any(|(_, a)| a.element.atomic_number() == 1) {
            chematic::chem::remove_hydrogens(&mol)
        } else {
            mol
        };
        // The perception below keeps an aromatic spelling it cannot kekulise (`c1cccc1`); RDKit rejects
        // those, and so do we.
        if mol.atoms().any(|(_, a)| a.aromatic)
            && let Err(e) = chematic::core::kekulize(&mol)
        {
            return Err(StructureError::Aromaticity {
                detail: e.to_string(),
            });
        }
        let view = match chematic::perception::apply_aromaticity_rdkit_parity_shared(&mol).as_ref()
        {
            Ok(view) => view.clone(),
            Err(e) => {
                return Err(StructureError::Aromaticity {
                    detail: e.to_string(),
                });
            }
        };
        if view.atom_count() != mol.atom_count() || view.bond_count() != mol.bond_count() {
            return Err(StructureError::Internal {
                during: "perceiving aromaticity",
            });
        }
        Ok(Structure {
            mol,
            view,
            rings: OnceLock::new(),
        })
    }

    /// Canonical SMILES, **for display only**: stable for a given toolkit version, but not RDKit's
    /// string. Identity is the standard InChIKey ([`Structure::inchikey`]).
    pub fn canonical_smiles(&self) -> String {
        canonical(&self.view)
    }

    /// The standard InChI (IUPAC InChI 1.07.5, `InChI=1S/…`).
    ///
    /// Fails closed with [`StructureError::StereoNotEncodable`] where chematic 1.2.1 would drop specified
    /// stereo and so name another stereoisomer: three-coordinate stereocentres (sulfoxides such as
    /// esomeprazole, sulfonium ions, phosphines) and centres made chiral only by hydrogen isotopes
    /// (`C[C@@H]([2H])O`).
    pub fn inchi(&self) -> Result<String, StructureError> {
        if let Some((atom, kind)) = unencodable_stereo(&self.mol) {
            return Err(StructureError::StereoNotEncodable {
                atom,
                element: self.mol.atom(AtomIdx(atom as u32)).element.symbol(),
                kind,
            });
        }
        warm_up_inchi();
        guard("computing the InChI", || {
            chematic_inchi::standard_inchi(&self.mol).map_err(|e| StructureError::Inchi {
                detail: e.to_string(),
            })
        })
    }

    /// The standard InChIKey, computed from [`Structure::inchi`] by the IUPAC library.
    pub fn inchikey(&self) -> Result<InchiKey, StructureError> {
        let inchi = self.inchi()?;
        let key = guard("computing the InChIKey", || {
            chematic_inchi::standard_inchi_key(&inchi).map_err(|e| StructureError::Inchi {
                detail: e.to_string(),
            })
        })?;
        InchiKey::parse(&key).map_err(|e| StructureError::Inchi {
            detail: format!("the library returned {key:?}, not an InChIKey: {e}"),
        })
    }

    /// Molecular formula (all fragments together), hydrogens included; [`Formula`] displays in Hill order.
    pub fn formula(&self) -> Formula {
        formula_of(&self.mol)
    }

    /// Average molecular weight in g/mol (IUPAC atomic weights, as RDKit's `MolWt`; labelled isotopes
    /// use their nuclide mass).
    pub fn molecular_weight(&self) -> f64 {
        chematic::chem::rdkit_molecular_weight(&self.mol)
    }

    /// Number of atoms other than hydrogen.
    pub fn heavy_atom_count(&self) -> usize {
        self.mol
            .atoms()
            .filter(|(_, a)| a.element.atomic_number() > 1)
            .count()
    }

    /// Number of fragments (`.`-separated parts: a salt with two HCl has three).
    pub fn fragment_count(&self) -> usize {
        self.mol.fragments_with_source_atoms().len()
    }

    /// The ECFP4 fingerprint (see [`Fingerprint`]).
    pub fn fingerprint(&self) -> Result<Fingerprint, StructureError> {
        let bits = guard("computing the fingerprint", || {
            chematic::fp::rdkit_morgan_ecfp4_bitvec(&self.mol).map_err(|e| {
                StructureError::Fingerprint {
                    detail: e.to_string(),
                }
            })
        })?;
        let mut words = [0u64; 32];
        for (i, word) in words.iter_mut().enumerate() {
            for b in 0..64 {
                if bits.get(i * 64 + b) {
                    *word |= 1 << b;
                }
            }
        }
        Ok(Fingerprint(words))
    }

    /// Number of atoms in the graph: heavy atoms plus any hydrogen atoms that had to stay explicit
    /// (isotopes such as `[2H]`, `[H+]`, H₂).
    pub fn atom_count(&self) -> usize {
        self.view.atom_count()
    }

    /// Atom `i` (`0..atom_count()`, in input order), or `None` when out of range.
    pub fn atom(&self, i: usize) -> Option<AtomInfo> {
        let idx = AtomIdx(u32::try_from(i).ok()?);
        let atom = self.view.atom_opt(idx)?;
        let written = self.mol.atom_opt(idx)?;
        let explicit_h = self
            .mol
            .neighbors(idx)
            .filter(|(nb, _)| self.mol.atom(*nb).element.atomic_number() == 1)
            .count();
        let total_h = usize::from(chematic::core::implicit_hcount(&self.mol, idx)) + explicit_h;
        let ring_count = self.ring_counts().get(i).copied().unwrap_or(0);
        Some(AtomInfo {
            atomic_number: atom.element.atomic_number(),
            symbol: atom.element.symbol(),
            isotope: written.isotope,
            aromatic: atom.aromatic,
            formal_charge: atom.charge,
            total_h: u8::try_from(total_h).unwrap_or(u8::MAX),
            in_ring: ring_count > 0,
            ring_count,
        })
    }

    /// Neighbours of atom `i` with the (perceived) order of the bond to each; empty when out of range.
    pub fn neighbors(&self, i: usize) -> Vec<(usize, BondOrder)> {
        let Ok(i) = u32::try_from(i) else {
            return Vec::new();
        };
        let Some(adj) = self.view.neighbors_opt(AtomIdx(i)) else {
            return Vec::new();
        };
        adj.into_iter()
            .map(|(nb, bond)| {
                let order = match self.view.bond_opt(bond).map(|b| b.order) {
                    Some(ChemBond::Double) => BondOrder::Double,
                    Some(ChemBond::Triple) => BondOrder::Triple,
                    Some(ChemBond::Aromatic) => BondOrder::Aromatic,
                    // Validation admits only single (incl. `/`, `\`), double, triple and aromatic bonds.
                    _ => BondOrder::Single,
                };
                (nb.0 as usize, order)
            })
            .collect()
    }

    /// A 2D depiction as a standalone SVG document, with the atoms in `highlight` (and the bonds between
    /// them) highlighted. Out-of-range indices are ignored.
    pub fn svg(&self, highlight: &[usize]) -> String {
        let atoms: HashSet<AtomIdx> = highlight
            .iter()
            .filter(|&&i| i < self.view.atom_count())
            .filter_map(|&i| u32::try_from(i).ok().map(AtomIdx))
            .collect();
        let bonds: HashSet<BondIdx> = self
            .view
            .bonds()
            .filter(|(_, b)| atoms.contains(&b.atom1) && atoms.contains(&b.atom2))
            .map(|(idx, _)| idx)
            .collect();
        guard("drawing the structure", || {
            Ok(chematic::depict::depict_svg_highlighted(
                &self.view, &atoms, &bonds,
            ))
        })
        .unwrap_or_else(|_| {
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"40\"><text x=\"10\" y=\"25\">depiction failed</text></svg>".to_string()
        })
    }

    /// Keep the parent of a salt, solvate or mixture and neutralise it.
    ///
    /// * The parent is the largest fragment containing carbon (heavy atoms counted; ties broken by
    ///   canonical SMILES so the choice never depends on input order). A structure with no carbon at all
    ///   (`[K+].[O-][Mn](=O)(=O)=O`, `OS(=O)(=O)O`) is an inorganic substance in its own right and is kept
    ///   whole.
    /// * Charges are removed by adding or taking away protons, as RDKit's `Uncharger` does: a protonated
    ///   amine becomes the free base, a carboxylate the acid; a quaternary ammonium, a nitro group or an
    ///   N-oxide keep their charges (there is no proton to move), and so does an anion balancing them.
    /// * Stereo and isotopes are kept; tautomers are not touched.
    ///
    /// Every other fragment is reported in `removed` with a reason.
    pub fn standardize(&self) -> Standardized {
        guard("standardising", || Ok(self.standardize_inner())).unwrap_or_else(|_| Standardized {
            parent: self.clone(),
            removed: Vec::new(),
            neutralized: false,
        })
    }

    fn standardize_inner(&self) -> Standardized {
        let frags = self.mol.fragments_with_source_atoms();
        let any_carbon = self
            .mol
            .atoms()
            .any(|(_, a)| a.element.atomic_number() == 6);
        let (parent_mol, removed) = if frags.len() <= 1 || !any_carbon {
            (self.mol.clone(), Vec::new())
        } else {
            let scored: Vec<(bool, usize, String)> = frags
                .iter()
                .map(|(frag, atoms)| {
                    (
                        frag.atoms().any(|(_, a)| a.element.atomic_number() == 6),
                        heavy_atoms(frag),
                        canonical_fragment(&extract(&self.view, atoms)),
                    )
                })
                .collect();
            let winner = (0..frags.len())
                .max_by(|&a, &b| {
                    let (ca, ha, sa) = &scored[a];
                    let (cb, hb, sb) = &scored[b];
                    (ca, ha)
                        .cmp(&(cb, hb))
                        // Smaller string wins the tie: reverse.
                        .then_with(|| sb.cmp(sa))
                        // Identical fragments: keep the first.
                        .then_with(|| b.cmp(&a))
                })
                .unwrap_or(0);
            let removed = frags
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != winner)
                .map(|(i, (frag, _))| {
                    let smiles = scored[i].2.clone();
                    let reason = if smiles == scored[winner].2 {
                        "another copy of the parent (a 2:1 or higher salt)".to_string()
                    } else {
                        describe_removed(frag)
                    };
                    Removed {
                        smiles,
                        formula: formula_of(frag),
                        reason,
                    }
                })
                .collect();
            (extract(&self.mol, &frags[winner].1), removed)
        };
        let uncharged = chematic::chem::uncharge(&parent_mol);
        let changed = uncharged.atom_count() == parent_mol.atom_count()
            && parent_mol
                .atoms()
                .any(|(idx, a)| uncharged.atom(idx).charge != a.charge);
        let (parent, neutralized) = if changed {
            match Structure::from_molecule(uncharged) {
                Ok(s) => (Some(s), true),
                Err(_) => (None, false),
            }
        } else {
            (None, false)
        };
        let parent = match parent {
            Some(p) => p,
            None => Structure::from_molecule(parent_mol).unwrap_or_else(|_| self.clone()),
        };
        Standardized {
            parent,
            removed,
            neutralized,
        }
    }

    /// The validated molecule as written, for [`crate::Pattern`].
    pub(crate) fn molecule(&self) -> &Molecule {
        &self.mol
    }

    fn ring_counts(&self) -> &[u8] {
        self.rings.get_or_init(|| {
            let mut counts = vec![0u8; self.view.atom_count()];
            let rings = chematic::perception::find_sssr_shared(&self.view);
            for ring in rings.rings() {
                for atom in ring {
                    if let Some(c) = counts.get_mut(atom.0 as usize) {
                        *c = c.saturating_add(1);
                    }
                }
            }
            counts
        })
    }
}

/// Map a chematic SMILES error to ours; `lead` is the white space chematic trimmed off the front.
fn smiles_error(e: SmilesError, input: &str, lead: usize) -> StructureError {
    let at = |pos: usize| Some((pos + lead).min(input.len()));
    let syntax = |what: String, pos: usize| StructureError::Syntax { what, at: at(pos) };
    match e {
        SmilesError::ResourceLimit {
            resource, actual, ..
        } => {
            if resource == "input bytes" {
                StructureError::TooLong {
                    len: actual,
                    max: MAX_SMILES_BYTES,
                }
            } else {
                StructureError::TooManyAtoms {
                    count: actual,
                    max: MAX_HEAVY_ATOMS,
                }
            }
        }
        SmilesError::UnexpectedEnd { pos } => syntax(
            "the SMILES ends too early (an open bracket, branch or bond?)".into(),
            pos,
        ),
        SmilesError::UnknownElement { symbol, pos } => {
            syntax(format!("unknown element {symbol:?}"), pos)
        }
        SmilesError::UnmatchedRingClosure { ring_num, pos } => syntax(
            format!("ring bond {ring_num} is opened but never closed"),
            pos,
        ),
        SmilesError::UnmatchedExtendedRingClosure { ring_num, pos } => syntax(
            format!("ring bond %({ring_num}) is opened but never closed"),
            pos,
        ),
        SmilesError::MismatchedParentheses { pos } => syntax("unbalanced parenthesis".into(), pos),
        SmilesError::InvalidBracketAtom { detail, pos } => {
            syntax(format!("invalid bracket atom: {detail}"), pos)
        }
        SmilesError::ConflictingRingBond { ring_num, pos } => syntax(
            format!("ring bond {ring_num} has different bond orders at its two ends"),
            pos,
        ),
        SmilesError::ConflictingExtendedRingBond { ring_num, pos } => syntax(
            format!("ring bond %({ring_num}) has different bond orders at its two ends"),
            pos,
        ),
        SmilesError::EmptyInput => StructureError::Empty,
        SmilesError::NestingTooDeep { pos } => syntax("branches nested too deeply".into(), pos),
        SmilesError::UnexpectedCharacter { pos } => {
            let what = match input.get(pos + lead..).and_then(|s| s.chars().next()) {
                Some(ch) => format!("unexpected character {ch:?}"),
                None => "unexpected character".to_string(),
            };
            syntax(what, pos)
        }
        SmilesError::UnsupportedChiralityClass { class, pos } => {
            syntax(format!("unsupported chirality '@{class}'"), pos)
        }
        SmilesError::InvalidValence {
            element,
            atom,
            valence,
            ..
        } => StructureError::Valence {
            atom,
            element,
            valence,
        },
    }
}

/// Refuse atoms with more bonds than any normal valence of their element allows (charge-adjusted),
/// as RDKit's sanitisation does. Radicals and unusual hydrogen counts are accepted.
fn check_valence(mol: &Molecule) -> Result<(), StructureError> {
    for e in chematic::core::validate_valence(mol) {
        let atom = mol.atom(e.atom);
        let charge = i16::from(atom.charge);
        let fits = e
            .allowed
            .iter()
            // A charge of either sign can raise the valence ([NH4+], [BH4-]); only clear excess is refused.
            .any(|&v| i16::from(v) + charge.abs() >= i16::from(e.actual));
        if !fits {
            return Err(StructureError::Valence {
                atom: e.atom.0 as usize,
                element: atom.element.symbol(),
                valence: u32::from(e.actual),
            });
        }
    }
    Ok(())
}

/// The first specified tetrahedral stereocentre chematic's InChI conversion cannot encode (it drops the
/// stereo silently): a real stereocentre with three substituents (lone pair as the fourth), or one whose
/// hydrogen-like substituents differ only by isotope. `(atom index, kind)`.
fn unencodable_stereo(mol: &Molecule) -> Option<(usize, &'static str)> {
    use chematic::core::Chirality;
    let mut classes: Option<Vec<usize>> = None;
    for (idx, atom) in mol.atoms() {
        if !matches!(
            atom.chirality,
            Chirality::Clockwise | Chirality::CounterClockwise
        ) {
            continue;
        }
        let implicit_h = usize::from(chematic::core::implicit_hcount(mol, idx));
        let degree = mol.degree(idx);
        let substituents = degree + implicit_h;
        if substituents != 3 && substituents != 4 {
            continue;
        }
        let classes =
            classes.get_or_insert_with(|| chematic::smiles::topological_equivalence_classes(mol));
        // One key per substituent: symmetry class for heavy atoms, isotope for hydrogens.
        let mut keys: Vec<(bool, usize)> = vec![(true, 1); implicit_h];
        let mut h_isotopes: Vec<u16> = vec![1; implicit_h];
        for (nb, _) in mol.neighbors(idx) {
            let a = mol.atom(nb);
            if a.element.atomic_number() == 1 {
                let iso = a.isotope.unwrap_or(1);
                h_isotopes.push(iso);
                keys.push((true, usize::from(iso)));
            } else {
                keys.push((
                    false,
                    classes.get(nb.0 as usize).copied().unwrap_or(usize::MAX),
                ));
            }
        }
        let mut distinct = keys.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() != keys.len() {
            continue; // not a real stereocentre: nothing is lost
        }
        if substituents == 3 {
            return Some((idx.0 as usize, "three-coordinate stereocentre"));
        }
        if h_isotopes.len() >= 2 {
            return Some((idx.0 as usize, "stereocentre made by hydrogen isotopes"));
        }
    }
    None
}

fn heavy_atoms(mol: &Molecule) -> usize {
    mol.atoms()
        .filter(|(_, a)| a.element.atomic_number() > 1)
        .count()
}

/// Canonical SMILES for display: each fragment canonicalised on its own (identical fragments would make
/// one whole-molecule search explode: 300 × `CCO` never finishes), the fragments sorted and joined by `.`.
fn canonical(mol: &Molecule) -> String {
    let frags = mol.fragments_with_source_atoms();
    if frags.len() <= 1 {
        return canonical_fragment(mol);
    }
    let mut parts: Vec<String> = frags
        .iter()
        .map(|(_, atoms)| canonical_fragment(&extract(mol, atoms)))
        .collect();
    parts.sort();
    parts.join(".")
}

/// Canonical SMILES of one fragment with a search budget; a non-canonical SMILES if the budget runs out.
///
/// chematic's search for highly symmetric graphs costs about (automorphism tests) × n², and a ring of
/// n atoms needs about n tests: a 1,000-membered ring would take seconds. The budget keeps every call
/// well under a second; drug-sized molecules never come near it.
fn canonical_fragment(mol: &Molecule) -> String {
    let n = mol.atom_count().max(1);
    let budget = (20_000_000 / n.saturating_mul(n)).clamp(16, 200_000);
    let limits = chematic::smiles::CanonicalizationLimits {
        max_search_nodes: Some(budget),
        max_automorphism_tests: Some(budget),
    };
    guard("writing SMILES", || {
        Ok(chematic::smiles::canonical_smiles_with_limits(mol, &limits)
            .unwrap_or_else(|_| chematic::smiles::write(mol)))
    })
    .unwrap_or_default()
}

fn formula_of(mol: &Molecule) -> Formula {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for (idx, atom) in mol.atoms() {
        if atom.wildcard {
            continue;
        }
        *counts.entry(atom.element.symbol().to_string()).or_insert(0) += 1;
        let h = u32::from(chematic::core::implicit_hcount(mol, idx));
        if h > 0 {
            *counts.entry("H".to_string()).or_insert(0) += h;
        }
    }
    Formula::from_counts(counts)
}

/// The fragment made of `keep` (sorted atom indices), keeping tetrahedral stereo (neighbour order),
/// E/Z bond directions and isotopes. Linear in the size of the molecule.
fn extract(mol: &Molecule, keep: &[AtomIdx]) -> Molecule {
    use chematic::core::MoleculeBuilder;
    let mut new_index: Vec<Option<u32>> = vec![None; mol.atom_count()];
    let mut builder = MoleculeBuilder::with_capacity(keep.len(), keep.len() + 8);
    for &old in keep {
        if let Some(atom) = mol.atom_opt(old) {
            let new = builder.add_atom(atom.clone());
            if let Some(slot) = new_index.get_mut(old.0 as usize) {
                *slot = Some(new.0);
            }
        }
    }
    let map = |a: AtomIdx| new_index.get(a.0 as usize).copied().flatten();
    for (old_bond, bond) in mol.bonds() {
        if let (Some(a), Some(b)) = (map(bond.atom1), map(bond.atom2))
            && let Ok(new_bond) = builder.add_bond(AtomIdx(a), AtomIdx(b), bond.order)
        {
            if let Some(dir) = mol.bond_direction(old_bond) {
                builder.set_bond_direction(new_bond, dir);
            }
            if let Some(anchor) = mol.bond_direction_anchor(old_bond).and_then(map) {
                builder.set_bond_direction_anchor(new_bond, AtomIdx(anchor));
            }
        }
    }
    for &old in keep {
        let (Some(new), Some(order)) = (map(old), mol.stereo_neighbor_order(old)) else {
            continue;
        };
        // Sentinels (implicit H, vacant site) are not atom indices and stay as they are.
        let remapped: Option<Vec<u32>> = order
            .iter()
            .map(|&n| {
                if (n as usize) < mol.atom_count() {
                    map(AtomIdx(n))
                } else {
                    Some(n)
                }
            })
            .collect();
        if let Some(remapped) = remapped {
            builder.set_stereo_neighbor_order(AtomIdx(new), remapped);
        }
    }
    builder.build()
}

/// A reason for removing a fragment, naming common counter-ions and solvents.
fn describe_removed(frag: &Molecule) -> String {
    let formula = formula_of(frag).to_string();
    let charge: i32 = frag.atoms().map(|(_, a)| i32::from(a.charge)).sum();
    let named = match (formula.as_str(), charge) {
        ("ClH", 0) => Some("counter-ion HCl (hydrochloride)"),
        ("Cl", -1) => Some("counter-ion chloride"),
        ("BrH", 0) => Some("counter-ion HBr (hydrobromide)"),
        ("Br", -1) => Some("counter-ion bromide"),
        ("HI", 0) => Some("counter-ion HI (hydroiodide)"),
        ("I", -1) => Some("counter-ion iodide"),
        ("FH", 0) => Some("counter-ion HF (hydrofluoride)"),
        ("F", -1) => Some("counter-ion fluoride"),
        ("H2O4S", 0) => Some("counter-ion sulfuric acid (sulfate)"),
        ("HO4S", -1) => Some("counter-ion hydrogen sulfate"),
        ("O4S", -2) => Some("counter-ion sulfate"),
        ("H3O4P", 0) => Some("counter-ion phosphoric acid (phosphate)"),
        ("H2O4P", -1) => Some("counter-ion dihydrogen phosphate"),
        ("HNO3", 0) => Some("counter-ion nitric acid (nitrate)"),
        ("NO3", -1) => Some("counter-ion nitrate"),
        ("HO4Cl" | "ClHO4", 0) => Some("counter-ion perchloric acid (perchlorate)"),
        ("ClO4", -1) => Some("counter-ion perchlorate"),
        ("H2O", 0) => Some("solvate water (hydrate)"),
        ("Na", 1) => Some("counter-ion sodium"),
        ("K", 1) => Some("counter-ion potassium"),
        ("Li", 1) => Some("counter-ion lithium"),
        ("Ca", 2) => Some("counter-ion calcium"),
        ("Mg", 2) => Some("counter-ion magnesium"),
        ("H4N", 1) => Some("counter-ion ammonium"),
        ("C2H4O2", 0) => Some("counter-ion acetic acid (acetate)"),
        ("C2H3O2", -1) => Some("counter-ion acetate"),
        ("C2HF3O2", 0) => Some("counter-ion trifluoroacetic acid (TFA salt)"),
        ("C2F3O2", -1) => Some("counter-ion trifluoroacetate"),
        ("C6H8O7", 0) => Some("counter-ion citric acid (citrate)"),
        ("C4H6O6", 0) => Some("counter-ion tartaric acid (tartrate)"),
        ("C4H4O4", 0) => Some("counter-ion maleic or fumaric acid (maleate/fumarate)"),
        ("C4H6O4", 0) => Some("counter-ion succinic acid (succinate)"),
        ("C4H6O5", 0) => Some("counter-ion malic acid (malate)"),
        ("C2H2O4", 0) => Some("counter-ion oxalic acid (oxalate)"),
        ("C3H6O3", 0) => Some("counter-ion lactic acid (lactate)"),
        ("CH4O3S", 0) => Some("counter-ion methanesulfonic acid (mesylate)"),
        ("C7H8O3S", 0) => Some("counter-ion p-toluenesulfonic acid (tosylate)"),
        ("C6H6O3S", 0) => Some("counter-ion benzenesulfonic acid (besylate)"),
        ("C2H6O", 0) => Some("solvate ethanol"),
        ("CH4O", 0) => Some("solvate methanol"),
        ("C3H8O", 0) => Some("solvate propanol"),
        ("C3H6O", 0) => Some("solvate acetone"),
        ("C2H3N", 0) => Some("solvate acetonitrile"),
        ("C2H6OS", 0) => Some("solvate dimethyl sulfoxide"),
        ("CHCl3", 0) => Some("solvate chloroform"),
        ("CH2Cl2", 0) => Some("solvate dichloromethane"),
        _ => None,
    };
    match named {
        Some(n) => n.to_string(),
        None if frag.atoms().any(|(_, a)| a.element.atomic_number() == 6) => {
            format!("smaller organic fragment {formula}")
        }
        None => format!("inorganic fragment {formula}"),
    }
}

/// Runs the IUPAC library once, alone, before any concurrent use.
///
/// InChI 1.07.5 keeps no per-call state in statics, but a few constant tables (element numbers, the
/// CRC table, the metal list used when disconnecting metals, version strings) are filled lazily on first
/// use, and two threads filling them at once would race. One serialised call that touches each of those
/// paths fills them; afterwards calls run in parallel (measured: 1.78x on two cores, keys byte-identical
/// to sequential ones on 100k molecules; `tests/parallel_inchi.rs` checks the identity on every run).
/// The remaining statics are written with the same constant on every call (`rank_mark_bit`).
fn warm_up_inchi() {
    static WARM: Once = Once::new();
    WARM.call_once(|| {
        // A metal salt (DisconnectMetals), stereo, isotopes, a charge, a halogen, S and P: each path
        // whose tables are filled lazily.
        for smiles in [
            "[Na+].[O-]C(=O)[C@@H](N)Cc1ccc(O)cc1",
            "[2H]C([2H])([2H])OP(=O)(O)SCCl",
            "C[Pt](Cl)(N)N",
            "F/C=C/Br",
        ] {
            if let Ok(s) = Structure::from_smiles(smiles) {
                let _ = guard("warming up the InChI library", || {
                    let inchi = chematic_inchi::standard_inchi(&s.mol).map_err(|e| {
                        StructureError::Inchi {
                            detail: e.to_string(),
                        }
                    })?;
                    chematic_inchi::standard_inchi_key(&inchi).map_err(|e| StructureError::Inchi {
                        detail: e.to_string(),
                    })
                });
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(smiles: &str) -> Structure {
        Structure::from_smiles(smiles).unwrap_or_else(|e| panic!("{smiles}: {e}"))
    }

    fn key(smiles: &str) -> String {
        s(smiles).inchikey().expect("inchikey").to_string()
    }

    #[test]
    fn npp_inchikey_and_inchi() {
        let npp = s("O=C1CCN(CCc2ccccc2)CC1");
        assert_eq!(
            npp.inchikey().expect("key").as_str(),
            "YDJXNYNKKXZBMP-UHFFFAOYSA-N"
        );
        assert!(npp.inchikey().expect("key").is_standard());
        let inchi = npp.inchi().expect("inchi");
        assert!(inchi.starts_with("InChI=1S/C13H17NO/"), "{inchi}");
    }

    #[test]
    fn stereo_the_toolkit_cannot_encode_is_refused() {
        let e = s("C[S@](=O)c1ccccc1").inchikey().err();
        assert!(
            matches!(
                e,
                Some(StructureError::StereoNotEncodable {
                    atom: 1,
                    element: "S",
                    ..
                })
            ),
            "{e:?}"
        );
        assert!(matches!(
            s("C[C@@H]([2H])O").inchikey(),
            Err(StructureError::StereoNotEncodable { .. })
        ));
        // Without stereo, or with stereo the toolkit encodes, keys are given.
        assert!(s("CS(=O)c1ccccc1").inchikey().is_ok());
        assert!(s("[2H][C@](C)(O)Cl").inchikey().is_ok());
        assert!(s("C[S@](=O)C").inchikey().is_ok());
        assert_eq!(
            key("[Na+].[BH4-]"),
            "YOQDYZUWIQVZSF-UHFFFAOYSA-N",
            "sodium borohydride: a negative charge raises boron's valence"
        );
    }

    #[test]
    fn kekule_and_aromatic_spellings_agree() {
        assert_eq!(key("C1=CC=CC=C1"), key("c1ccccc1"));
        assert_eq!(
            s("C1=CC=CC=C1").canonical_smiles(),
            s("c1ccccc1").canonical_smiles()
        );
        let kek = s("C1=CC=CC=C1");
        assert!((0..6).all(|i| kek.atom(i).is_some_and(|a| a.aromatic)));
        assert!(
            kek.neighbors(0)
                .iter()
                .all(|&(_, o)| o == BondOrder::Aromatic)
        );
    }

    #[test]
    fn formula_mass_and_counts() {
        let anpp = s("CCN(C1CCN(CCc2ccccc2)CC1)c1ccccc1");
        // ANPP is N-phenyl-1-(2-phenylethyl)piperidin-4-amine: no ethyl. Use the real one.
        let _ = anpp;
        let anpp = s("c1ccc(cc1)CCN1CCC(CC1)Nc1ccccc1");
        assert_eq!(anpp.formula().to_string(), "C19H24N2");
        assert_eq!(anpp.heavy_atom_count(), 21);
        assert!((anpp.molecular_weight() - 280.415).abs() < 0.01);
        let salt = s("Cl.Cl.c1ccc(NC2CCNCC2)cc1");
        assert_eq!(salt.formula().to_string(), "C11H18Cl2N2");
        assert_eq!(salt.fragment_count(), 3);
        assert_eq!(s("[2H]C([2H])([2H])O").formula().to_string(), "CH4O");
        assert_eq!(s("[H]C([H])([H])[H]").atom_count(), 1);
        assert_eq!(s("OS(=O)(=O)O").formula().to_string(), "H2O4S");
    }

    #[test]
    fn standardize_4ap_dihydrochloride() {
        let st = s("Cl.Cl.c1ccc(NC2CCNCC2)cc1").standardize();
        assert_eq!(
            st.parent.inchikey().expect("key"),
            s("c1ccc(NC2CCNCC2)cc1").inchikey().expect("key")
        );
        assert_eq!(st.removed.len(), 2);
        for r in &st.removed {
            assert_eq!(r.formula.to_string(), "ClH");
            assert_eq!(r.reason, "counter-ion HCl (hydrochloride)");
        }
        assert!(!st.neutralized);
    }

    #[test]
    fn standardize_neutralises_and_keeps_stereo() {
        let st = s("C[C@H]([NH3+])Cc1ccccc1.[Cl-]").standardize();
        assert!(st.neutralized);
        assert_eq!(st.removed.len(), 1);
        assert_eq!(st.removed[0].reason, "counter-ion chloride");
        assert_eq!(
            st.parent.inchikey().expect("key"),
            s("C[C@H](N)Cc1ccccc1").inchikey().expect("key")
        );
        assert_ne!(
            st.parent.inchikey().expect("key"),
            s("C[C@@H](N)Cc1ccccc1").inchikey().expect("key")
        );
        // Sodium acetate → acetic acid.
        let st = s("[Na+].CC(=O)[O-]").standardize();
        assert!(st.neutralized);
        assert_eq!(st.parent.formula().to_string(), "C2H4O2");
        assert_eq!(st.removed[0].reason, "counter-ion sodium");
        // Quaternary ammonium keeps its charge; nitro stays charge-separated.
        let st = s("C[N+](C)(C)C.[Cl-]").standardize();
        assert!(!st.neutralized);
        assert_eq!(st.parent.atom(1).map(|a| a.formal_charge), Some(1));
        let st = s("[O-][N+](=O)c1ccccc1").standardize();
        assert!(!st.neutralized);
        assert!(st.removed.is_empty());
        // Fentanyl citrate: fentanyl is the parent.
        let st =
            s("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1.OC(=O)CC(O)(C(=O)O)CC(=O)O").standardize();
        assert_eq!(st.parent.formula().to_string(), "C22H28N2O");
        assert_eq!(st.removed[0].reason, "counter-ion citric acid (citrate)");
        // Inorganic substances stay whole.
        let st = s("[K+].[O-][Mn](=O)(=O)=O").standardize();
        assert_eq!(st.parent.fragment_count(), 2);
        assert!(st.removed.is_empty());
        // A hydrate and a 2:1 salt.
        let st = s("O.O.CN1CCC(=O)CC1").standardize();
        assert_eq!(st.removed.len(), 2);
        assert_eq!(st.removed[0].reason, "solvate water (hydrate)");
        let st = s("CN.CN.OS(=O)(=O)O").standardize();
        assert_eq!(st.parent.formula().to_string(), "CH5N");
        assert!(
            st.removed
                .iter()
                .any(|r| r.reason.starts_with("another copy"))
        );
    }

    #[test]
    fn graph_access() {
        // Pyrrole written Kekulé: aromatic N with one H.
        let p = s("C1=CNC=C1");
        let n = p.atom(2).expect("atom");
        assert_eq!((n.symbol, n.atomic_number, n.total_h), ("N", 7, 1));
        assert!(n.aromatic && n.in_ring);
        assert_eq!(n.ring_count, 1);
        // Naphthalene fusion atoms are in two rings.
        let naph = s("c1ccc2ccccc2c1");
        let counts: Vec<u8> = (0..10)
            .map(|i| naph.atom(i).map(|a| a.ring_count).unwrap_or(0))
            .collect();
        assert_eq!(counts.iter().filter(|&&c| c == 2).count(), 2);
        let acetone = s("CC(C)=O");
        let mut nb = acetone.neighbors(1);
        nb.sort();
        assert_eq!(
            nb,
            vec![
                (0, BondOrder::Single),
                (2, BondOrder::Single),
                (3, BondOrder::Double)
            ]
        );
        assert_eq!(
            acetone.atom(0).map(|a| (a.total_h, a.in_ring)),
            Some((3, false))
        );
        assert!(acetone.atom(4).is_none());
        assert!(acetone.neighbors(99).is_empty());
        let ion = s("C[NH3+]");
        assert_eq!(
            ion.atom(1).map(|a| (a.formal_charge, a.total_h)),
            Some((1, 3))
        );
        assert_eq!(s("[13CH4]").atom(0).and_then(|a| a.isotope), Some(13));
        assert_eq!(s("C#N").neighbors(0), vec![(1, BondOrder::Triple)]);
    }

    #[test]
    fn fingerprints() {
        let fentanyl = s("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1")
            .fingerprint()
            .expect("fp");
        let acetylfentanyl = s("CC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1")
            .fingerprint()
            .expect("fp");
        let aspirin = s("CC(=O)Oc1ccccc1C(=O)O").fingerprint().expect("fp");
        assert_eq!(fentanyl.tanimoto(&fentanyl), 1.0);
        let near = fentanyl.tanimoto(&acetylfentanyl);
        let far = fentanyl.tanimoto(&aspirin);
        assert!(near > 0.6 && far < 0.3, "near {near}, far {far}");
        assert!(fentanyl.count_ones() > 20);
        // Kekulé and aromatic spellings give the same bits.
        assert_eq!(
            s("C1=CC=CC=C1").fingerprint().expect("fp"),
            s("c1ccccc1").fingerprint().expect("fp")
        );
    }

    #[test]
    fn depiction() {
        let svg = s("O=C1CCN(CCc2ccccc2)CC1").svg(&[0, 1]);
        assert!(
            svg.starts_with("<svg") || svg.starts_with("<?xml"),
            "{}",
            &svg[..40.min(svg.len())]
        );
        assert!(svg.contains("</svg>"));
        assert_ne!(svg, s("O=C1CCN(CCc2ccccc2)CC1").svg(&[]));
        let _ = s("C").svg(&[5, 99]);
    }

    #[test]
    fn errors_say_what_and_where() {
        use StructureError as E;
        assert_eq!(Structure::from_smiles("  ").err(), Some(E::Empty));
        assert!(matches!(
            Structure::from_smiles("C1CCC"),
            Err(E::Syntax { at: Some(_), .. })
        ));
        let e = Structure::from_smiles("CC(C").expect_err("error");
        assert!(matches!(e, E::Syntax { .. }), "{e}");
        let e = Structure::from_smiles("  CC)C").expect_err("error");
        assert!(e.to_string().contains("byte"), "{e}");
        let e = Structure::from_smiles("C[Xx]C").expect_err("error");
        assert!(matches!(e, E::Syntax { .. }), "{e}");
        assert!(matches!(
            Structure::from_smiles("this is not a smiles"),
            Err(E::Syntax { .. })
        ));
        assert_eq!(
            Structure::from_smiles("CCé").err(),
            Some(E::BadCharacter { ch: 'é', at: 2 })
        );
        assert_eq!(
            Structure::from_smiles("C\u{200b}C").err(),
            Some(E::BadCharacter {
                ch: '\u{200b}',
                at: 1
            })
        );
        assert!(matches!(
            Structure::from_smiles("CＣ"),
            Err(E::BadCharacter { at: 1, .. })
        ));
        assert!(matches!(
            Structure::from_smiles("C\u{0}C"),
            Err(E::BadCharacter { at: 1, .. })
        ));
        assert!(matches!(
            Structure::from_smiles("C(C)(C)(C)(C)C"),
            Err(E::Valence {
                atom: 0,
                element: "C",
                ..
            })
        ));
        assert!(matches!(
            Structure::from_smiles("c1cccc1"),
            Err(E::Aromaticity { .. })
        ));
        assert!(matches!(
            Structure::from_smiles("C*C"),
            Err(E::Wildcard { atom: 1 })
        ));
        let long = "C".repeat(20_000);
        assert_eq!(
            Structure::from_smiles(&long).err(),
            Some(E::TooLong {
                len: 20_000,
                max: MAX_SMILES_BYTES
            })
        );
        let chain = "C".repeat(2_000);
        assert_eq!(
            Structure::from_smiles(&chain).err(),
            Some(E::TooManyAtoms {
                count: 2_000,
                max: MAX_HEAVY_ATOMS
            })
        );
        assert!(Structure::from_smiles(&"C".repeat(1_000)).is_ok());
        // Deep nesting and many ring closures are errors or fine, never a crash or a hang.
        let deep = format!("{}C{}", "C(".repeat(3_000), ")".repeat(3_000));
        assert!(Structure::from_smiles(&deep).is_err());
        let rings: String = (1..=99).map(|n| format!("C%{n:02}")).collect();
        assert!(Structure::from_smiles(&rings).is_err());
        let _ = Structure::from_smiles("C%(99999)CC%(99999)");
        let _ = Structure::from_smiles("[C@@@@@@H]");
        let _ = Structure::from_smiles("[999999999999C]");
        let _ = Structure::from_smiles("[C+99999]");
    }

    proptest::proptest! {
        #[test]
        fn from_smiles_never_panics(input in "\\PC{0,60}") {
            if let Ok(st) = Structure::from_smiles(&input) {
                let _ = st.standardize();
                let _ = st.inchikey();
                let _ = st.canonical_smiles();
            }
        }

        #[test]
        fn smiles_alphabet_never_panics(input in "[CcNnOoSPFlBrI()=#\\[\\]@+\\-1-9%.Hh/\\\\*:]{0,40}") {
            if let Ok(st) = Structure::from_smiles(&input) {
                let _ = st.standardize();
                let _ = st.inchikey();
                let _ = st.fingerprint();
                let _ = st.canonical_smiles();
                for i in 0..st.atom_count() {
                    let _ = st.atom(i);
                    let _ = st.neighbors(i);
                }
            }
        }
    }
}
