//! Compiled SMARTS patterns matched against [`Structure`]s.

use std::fmt;

use chematic::smarts::{MatchConfig, QueryMolecule, SmartsError};

use crate::Structure;
use crate::structure::{StructureError, check_ascii, guard};

/// Longest SMARTS accepted, in bytes.
pub const MAX_SMARTS_BYTES: usize = 4_096;

/// A compiled SMARTS pattern.
///
/// Matching follows Daylight semantics against the structure's *perceived* aromaticity: `c` matches the
/// carbons of benzene however the benzene was written (`c1ccccc1` or `C1=CC=CC=C1`), `C` only aliphatic
/// carbons, and an unspecified bond matches single or aromatic bonds. Chirality in the pattern is
/// ignored (as RDKit's default); isotopes in the pattern are enforced.
#[derive(Clone)]
pub struct Pattern {
    smarts: String,
    query: QueryMolecule,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.smarts).finish()
    }
}

impl Pattern {
    /// Compile a SMARTS pattern. Atom-map numbers (`[N:1]`) are kept: see [`Pattern::map_numbers`].
    pub fn new(smarts: &str) -> Result<Pattern, StructureError> {
        if smarts.len() > MAX_SMARTS_BYTES {
            return Err(StructureError::TooLong {
                len: smarts.len(),
                max: MAX_SMARTS_BYTES,
            });
        }
        check_ascii(smarts)?;
        if smarts.trim().is_empty() {
            return Err(StructureError::Empty);
        }
        let query = guard("reading the SMARTS", || {
            chematic::smarts::parse_smarts(smarts).map_err(|e| smarts_error(e, smarts))
        })?;
        if query.atoms.is_empty() {
            return Err(StructureError::Empty);
        }
        Ok(Pattern {
            smarts: smarts.to_string(),
            query,
        })
    }

    /// The SMARTS text this pattern was compiled from.
    pub fn as_str(&self) -> &str {
        &self.smarts
    }

    /// Number of query atoms.
    pub fn atom_count(&self) -> usize {
        self.query.atoms.len()
    }

    /// The atom-map number of each query atom (`[N:1]` → `Some(1)`), in query-atom order.
    pub fn map_numbers(&self) -> Vec<Option<u32>> {
        self.query
            .atoms
            .iter()
            .map(|a| a.atom_map.map(u32::from))
            .collect()
    }

    /// Every match, one per distinct set of structure atoms: `m[q]` is the structure atom matched by query
    /// atom `q`. Sorted, so the result does not depend on search order.
    pub fn matches(&self, structure: &Structure) -> Vec<Vec<usize>> {
        let n = self.query.atoms.len();
        let config = MatchConfig {
            uniquify: true,
            ..MatchConfig::default()
        };
        let found = guard("matching the SMARTS", || {
            Ok(chematic::smarts::find_matches_perceived(
                &self.query,
                structure.molecule(),
                &config,
            ))
        })
        .unwrap_or_default();
        let mut out: Vec<Vec<usize>> = found
            .into_iter()
            .filter_map(|m| {
                (0..n)
                    .map(|q| m.get(&q).map(|a| a.0 as usize))
                    .collect::<Option<Vec<usize>>>()
            })
            .collect();
        out.sort();
        out
    }

    /// Does the pattern occur in the structure at least once?
    pub fn is_match(&self, structure: &Structure) -> bool {
        guard("matching the SMARTS", || {
            Ok(chematic::smarts::has_match_perceived(
                &self.query,
                structure.molecule(),
                &MatchConfig::default(),
            ))
        })
        .unwrap_or(false)
    }
}

fn smarts_error(e: SmartsError, input: &str) -> StructureError {
    // chematic's SMARTS positions are byte offsets into the pattern as given.
    let (what, at) = match e {
        SmartsError::UnexpectedEnd => ("the pattern ends too early".to_string(), Some(input.len())),
        SmartsError::UnexpectedChar(ch, pos) => (format!("unexpected character {ch:?}"), Some(pos)),
        SmartsError::UnclosedBracket(pos) => ("'[' is never closed".to_string(), Some(pos)),
        SmartsError::UnclosedBranch(pos) => ("'(' is never closed".to_string(), Some(pos)),
        SmartsError::InvalidRingClosure(n) => (
            format!("ring bond {n} is not opened and closed properly"),
            None,
        ),
        SmartsError::RecursionDepthExceeded => {
            ("recursive SMARTS $(…) nested too deeply".to_string(), None)
        }
    };
    StructureError::Smarts {
        what,
        at: at.map(|a| a.min(input.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(smiles: &str) -> Structure {
        Structure::from_smiles(smiles).unwrap_or_else(|e| panic!("{smiles}: {e}"))
    }

    #[test]
    fn kekule_benzene_matches_aromatic_smarts() {
        let p = Pattern::new("c1ccccc1").expect("smarts");
        assert!(p.is_match(&s("C1=CC=CC=C1")));
        assert_eq!(p.matches(&s("C1=CC=CC=C1")).len(), 1);
        assert!(
            !Pattern::new("C=C")
                .expect("smarts")
                .is_match(&s("c1ccccc1"))
        );
        assert!(!p.is_match(&s("C1CCCCC1")));
    }

    #[test]
    fn four_anilinopiperidine_with_map_numbers() {
        let p = Pattern::new("c1ccccc1[NX3:1][CH1:2]1CC[NX3:3]CC1").expect("smarts");
        assert_eq!(p.atom_count(), 13);
        let maps = p.map_numbers();
        assert_eq!(maps[6], Some(1));
        assert_eq!(maps[7], Some(2));
        assert_eq!(maps[10], Some(3));
        assert_eq!(maps[0], None);
        let anpp = s("c1ccc(cc1)CCN1CCC(CC1)Nc1ccccc1");
        let m = p.matches(&anpp);
        assert_eq!(m.len(), 1);
        let hit = &m[0];
        assert_eq!(hit.len(), 13);
        assert_eq!(anpp.atom(hit[6]).map(|a| a.symbol), Some("N"));
        assert_eq!(anpp.atom(hit[10]).map(|a| a.symbol), Some("N"));
        // Fentanyl's anilide N is matched too (NX3), NPP has no aniline.
        assert!(p.is_match(&s("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1")));
        assert!(!p.is_match(&s("O=C1CCN(CCc2ccccc2)CC1")));
        // A salt matches through its parent fragment.
        assert!(p.is_match(&s("Cl.Cl.c1ccc(NC2CCNCC2)cc1")));
    }

    #[test]
    fn unique_atom_sets() {
        // Six ways to embed benzene in itself, one atom set.
        assert_eq!(
            Pattern::new("c1ccccc1")
                .expect("p")
                .matches(&s("c1ccccc1"))
                .len(),
            1
        );
        // Three methyl-bearing carbons in isobutane... two carbons in each C-C bond.
        assert_eq!(
            Pattern::new("[CH3]C")
                .expect("p")
                .matches(&s("CC(C)C"))
                .len(),
            3
        );
    }

    #[test]
    fn smarts_errors() {
        assert!(matches!(Pattern::new(""), Err(StructureError::Empty)));
        assert!(matches!(
            Pattern::new("[C"),
            Err(StructureError::Smarts { .. })
        ));
        assert!(matches!(
            Pattern::new("C(C"),
            Err(StructureError::Smarts { .. })
        ));
        assert!(matches!(
            Pattern::new("Cé"),
            Err(StructureError::BadCharacter { at: 1, .. })
        ));
        let deep = format!("{}C{}", "[$(".repeat(40), ")]".repeat(40));
        assert!(Pattern::new(&deep).is_err());
    }

    proptest::proptest! {
        #[test]
        fn smarts_never_panics(input in "\\PC{0,40}") {
            if let Ok(p) = Pattern::new(&input) {
                let _ = p.matches(&s("CCN(C1CCN(CCc2ccccc2)CC1)c1ccccc1"));
            }
        }
    }
}
