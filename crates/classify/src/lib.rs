//! Structure → legal status: listed substances, jurisdictional class rules and similarity.
//!
//! [`Classifier::classify`] standardises a structure to its parent (salts and solvents are set aside and
//! reported: the laws cover a substance "and its salts"), then answers three questions:
//!
//! 1. **Listed?** The parent's standard InChIKey against the registry (exact; a first-block match is
//!    reported as stereo-insensitive).
//! 2. **In a class?** Every class rule in force ([`pw_registry::ClassRule`], data in
//!    `data/registry/classes/`): a core SMARTS match whose every substituent is one the rule's sites allow.
//!    The explanation names the rule, its legal wording, the matched core atoms and each modification found
//!    (which atoms, which kind, which words of the law allow it).
//! 3. **Similar?** Tanimoto on fingerprints against every registry structure: the plain top-k, and
//!    [`ANALOGUE_THRESHOLD`] and above as analogue warnings.
//!
//! The classifier never touches the network or a database, and holds no rule in code: the rules are data.

#![forbid(unsafe_code)]

mod engine;
mod substituent;

use std::sync::Arc;

use chrono::NaiveDate;
use pw_chem::{Fingerprint, Structure, StructureError};
use pw_registry::Registry;
use rustc_hash::FxHashMap;
use serde::Serialize;

pub use engine::{CompileError, Modification};

/// Tanimoto similarity (ECFP4) at or above which a resemblance becomes an analogue warning.
///
/// Chosen so that molecules one small modification away from a listed precursor (a methyl, a halogen, a
/// different ester) warn, while unrelated piperidine drugs do not; `tests/similarity.rs` pins both sides.
pub const ANALOGUE_THRESHOLD: f64 = 0.5;

/// How many similar substances `similar` lists.
pub const TOP_K: usize = 5;

/// The answer (DESIGN.md §4 `classify`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Classification {
    /// The input as given (for a record of an SD file: the structure read, as canonical SMILES).
    pub input: String,
    /// Canonical SMILES of the parent (display only).
    pub canonical_smiles: String,
    /// Standard InChIKey of the parent (identity).
    pub inchikey: String,
    /// Fragments set aside by standardisation (counter-ions, solvents).
    pub removed: Vec<String>,
    /// Registry substances with this structure.
    pub listed: Vec<String>,
    /// How the listing matched (`inchikey`, or `skeleton` for a stereo-insensitive match).
    pub listed_by: Vec<String>,
    /// Class rules the structure falls under.
    pub class_matches: Vec<ClassMatch>,
    /// Nearest registry substances.
    pub similar: Vec<Similar>,
    /// Resemblances close enough to act on.
    pub analogue_warnings: Vec<AnalogueWarning>,
    /// Date the rules were applied for.
    pub as_of: NaiveDate,
    /// Registry version.
    pub registry_version: String,
}

/// A class rule that matched.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassMatch {
    /// Jurisdiction.
    pub jurisdiction: String,
    /// Rule id.
    pub rule: String,
    /// List.
    pub list: String,
    /// The class as the law names it.
    pub name: String,
    /// Why, in words.
    pub explanation: String,
    /// Atoms of the matched core (indices into the parent structure).
    pub atoms: Vec<usize>,
    /// The modifications found.
    pub modifications: Vec<Modification>,
    /// Legal basis.
    pub citation: String,
    /// Source.
    pub source: String,
    /// In force from.
    pub effective: Option<NaiveDate>,
    /// Rule marked verified.
    pub verified: bool,
}

/// A near registry substance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Similar {
    /// Substance id.
    pub substance: String,
    /// Tanimoto similarity 0..1.
    pub similarity: f64,
}

/// A resemblance to act on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnalogueWarning {
    /// Substance id.
    pub substance: String,
    /// Tanimoto similarity 0..1.
    pub similarity: f64,
    /// Why it is reported.
    pub reason: String,
}

/// Why a structure could not be classified.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClassifyError {
    /// Bad SMILES or MOL block (what and where).
    #[error(transparent)]
    Structure(#[from] StructureError),
}

/// Compiled rules and indexes over one registry.
pub struct Classifier {
    registry: Arc<Registry>,
    rules: Vec<engine::CompiledRule>,
    by_inchikey: FxHashMap<String, Vec<usize>>,
    by_skeleton: FxHashMap<String, Vec<usize>>,
    fingerprints: Vec<(usize, Fingerprint)>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("rules", &self.rules.len())
            .field("structures", &self.fingerprints.len())
            .finish()
    }
}

impl Classifier {
    /// Compile every class rule and fingerprint every registry structure.
    pub fn new(registry: Arc<Registry>) -> Result<Classifier, CompileError> {
        let rules = registry
            .class_rules()
            .iter()
            .enumerate()
            .map(|(i, r)| engine::CompiledRule::compile(i, r))
            .collect::<Result<Vec<_>, _>>()?;
        let mut by_inchikey: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        let mut by_skeleton: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        let mut fingerprints = Vec::new();
        for (i, s) in registry.substances().iter().enumerate() {
            if let Some(k) = s
                .inchikey
                .as_deref()
                .and_then(|k| pw_chem::InchiKey::parse(k).ok())
            {
                by_inchikey
                    .entry(k.as_str().to_string())
                    .or_default()
                    .push(i);
                by_skeleton
                    .entry(k.skeleton().to_string())
                    .or_default()
                    .push(i);
            }
            if let Some(fp) = s
                .smiles
                .as_deref()
                .and_then(|x| Structure::from_smiles(x).ok())
                .and_then(|m| m.standardize().parent.fingerprint().ok())
            {
                fingerprints.push((i, fp));
            }
        }
        Ok(Classifier {
            registry,
            rules,
            by_inchikey,
            by_skeleton,
            fingerprints,
        })
    }

    /// The registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Classify one SMILES with the rules in force on `as_of`.
    pub fn classify(
        &self,
        smiles: &str,
        as_of: NaiveDate,
    ) -> Result<Classification, ClassifyError> {
        let structure = Structure::from_smiles(smiles)?;
        self.classify_structure(&structure, smiles, as_of)
    }

    /// Classify a structure already read (from a MOL block, say) with the rules in force on `as_of`;
    /// `input` is what the answer reports as the input.
    pub fn classify_structure(
        &self,
        structure: &Structure,
        input: &str,
        as_of: NaiveDate,
    ) -> Result<Classification, ClassifyError> {
        let std = structure.standardize();
        let parent = &std.parent;
        let inchikey = parent.inchikey()?;
        let reg = &self.registry;
        let subs = reg.substances();

        let (listed_idx, listed_by): (Vec<usize>, &str) =
            match self.by_inchikey.get(inchikey.as_str()) {
                Some(v) => (v.clone(), "inchikey"),
                None => (
                    self.by_skeleton
                        .get(inchikey.skeleton())
                        .cloned()
                        .unwrap_or_default(),
                    "skeleton",
                ),
            };
        let listed: Vec<String> = listed_idx.iter().map(|&i| subs[i].id.clone()).collect();

        let mut class_matches = Vec::new();
        for rule in &self.rules {
            let r = &reg.class_rules()[rule.index];
            if !r.in_force(as_of) {
                continue;
            }
            if let Some(hit) = rule.find(parent) {
                class_matches.push(ClassMatch {
                    jurisdiction: r.jurisdiction.clone(),
                    rule: r.id.clone(),
                    list: r.list.clone(),
                    name: r.name.clone(),
                    explanation: engine::explain(r, &hit, &listed),
                    atoms: hit.core_atoms.clone(),
                    modifications: hit.modifications,
                    citation: r.citation.clone(),
                    source: r.source.clone(),
                    effective: r.effective,
                    verified: r.verified,
                });
            }
        }

        let fp = parent.fingerprint()?;
        let mut scored: Vec<(f64, usize)> = self
            .fingerprints
            .iter()
            .map(|(i, f)| (fp.tanimoto(f), *i))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let similar: Vec<Similar> = scored
            .iter()
            .take(TOP_K)
            .map(|(s, i)| Similar {
                substance: subs[*i].id.clone(),
                similarity: round3(*s),
            })
            .collect();
        let analogue_warnings = scored
            .iter()
            .filter(|(s, i)| *s >= ANALOGUE_THRESHOLD && !listed_idx.contains(i))
            .take(TOP_K)
            .map(|(s, i)| AnalogueWarning {
                substance: subs[*i].id.clone(),
                similarity: round3(*s),
                reason: format!(
                    "resembles {} ({}) with Tanimoto {:.2} on ECFP4 (threshold {ANALOGUE_THRESHOLD}); not itself listed{}",
                    subs[*i].name,
                    subs[*i].id,
                    s,
                    if class_matches.is_empty() { " and in no class rule in force: an unlisted analogue to review" } else { "" }
                ),
            })
            .collect();

        Ok(Classification {
            input: input.to_string(),
            canonical_smiles: parent.canonical_smiles(),
            inchikey: inchikey.to_string(),
            removed: std
                .removed
                .iter()
                .map(|r| format!("{} ({})", r.smiles, r.reason))
                .collect(),
            listed,
            listed_by: if listed_idx.is_empty() {
                vec![]
            } else {
                vec![listed_by.to_string()]
            },
            class_matches,
            similar,
            analogue_warnings,
            as_of,
            registry_version: reg.version().to_string(),
        })
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
