//! Identifier → substance.
//!
//! A [`Resolver`] indexes every name, synonym, abbreviation, CAS RN and InChIKey of a [`Registry`] once, so
//! that a lookup is a few hash probes: in-process lookups take microseconds. It answers with *how* it matched
//! (`matched_by`), whether the identifier is ambiguous and what else it can mean, which salt or hydrate word it
//! set aside, and — when nothing matches — up to five "did you mean" suggestions ranked by edit distance
//! over normalised names.
//!
//! The order of interpretation is fixed and explained in [`Resolver::resolve`]: InChIKey, CAS RN, then
//! names. A string that is meant as a CAS RN but has a wrong check digit is *bad input*
//! ([`LookupError::BadCas`]), never a silent name search.

#![forbid(unsafe_code)]

mod report;
mod salts;
mod suggest;

use std::sync::Arc;

use pw_chem::{Cas, CasError, InchiKey, looks_like_cas};
use pw_registry::names::{normalize, swap_prefix};
use pw_registry::{NameKind, Registry};
use rustc_hash::FxHashMap;

pub use report::{ControlView, LookupReport, MatchView, SubstanceView, controls_view};

/// How a query matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MatchedBy {
    /// A CAS RN of the substance or of one of its forms.
    Cas,
    /// Its preferred, IUPAC, legal, INN, trade or CAS index name.
    Name,
    /// A synonym or a spelling seen in listings.
    Synonym,
    /// An abbreviation or code name.
    Abbreviation,
    /// Its InChIKey (full, or the first block: see [`Match::note`]).
    Inchikey,
    /// A SMILES whose standardised parent has the substance's standard InChIKey.
    Smiles,
    /// A SMILES with the same connectivity but other stereochemistry, isotopes or charge (first InChIKey
    /// block only): see [`Match::note`].
    Structure,
}

/// One substance a query resolved to.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Index into [`Registry::substances`].
    pub substance: usize,
    /// How.
    pub matched_by: MatchedBy,
    /// The registry text that matched (a name as written, a CAS RN, an InChIKey).
    pub matched_text: String,
    /// The identifier also names something else (or several registry substances).
    pub ambiguous: bool,
    /// What else it names.
    pub also_means: Vec<String>,
    /// A salt, hydrate or form the query named and that was resolved to the parent (`hydrochloride`,
    /// `dihydrochloride (CAS 99918-43-1)`).
    pub salt: Option<String>,
    /// Anything else the user should know about this match (skeleton InChIKey match …).
    pub note: Option<String>,
}

/// The outcome of resolving one query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolution {
    /// Matches, best first; several when the identifier is ambiguous.
    pub matches: Vec<Match>,
    /// Up to five suggestions when nothing matched.
    pub suggestions: Vec<String>,
}

/// Why a query is bad input (exit 2 / HTTP 400), as opposed to simply not found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// Nothing to look up.
    #[error("empty query")]
    Empty,
    /// Meant as a CAS RN, but invalid.
    #[error("{message}")]
    BadCas {
        /// What is wrong, and where.
        message: String,
        /// The registry entry that differs only in the faulty digit, if any.
        suggestion: Option<String>,
    },
    /// The query is longer than any identifier.
    #[error("query is {len} bytes long; identifiers are at most {max} bytes")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Longest query accepted (the longest IUPAC names are a few hundred bytes).
pub const MAX_QUERY_BYTES: usize = 1024;

#[derive(Debug, Clone)]
struct NameHit {
    substance: usize,
    matched_by: MatchedBy,
    text: String,
    ambiguous: bool,
    also_means: Vec<String>,
}

#[derive(Debug, Clone)]
struct CasHit {
    substance: usize,
    form: String,
}

/// Indexes of one registry.
#[derive(Debug)]
pub struct Resolver {
    registry: Arc<Registry>,
    names: FxHashMap<String, Vec<NameHit>>,
    cas: FxHashMap<u64, Vec<CasHit>>,
    inchikey: FxHashMap<String, Vec<usize>>,
    skeleton: FxHashMap<String, Vec<usize>>,
    suggest: suggest::Index,
}

fn matched_by(kind: NameKind) -> MatchedBy {
    match kind {
        NameKind::Abbreviation => MatchedBy::Abbreviation,
        NameKind::Synonym | NameKind::Misspelling => MatchedBy::Synonym,
        NameKind::Iupac
        | NameKind::Legal
        | NameKind::Trade
        | NameKind::Inn
        | NameKind::CasIndex => MatchedBy::Name,
    }
}

impl Resolver {
    /// Build the indexes.
    pub fn new(registry: Arc<Registry>) -> Resolver {
        let mut names: FxHashMap<String, Vec<NameHit>> = FxHashMap::default();
        let mut cas: FxHashMap<u64, Vec<CasHit>> = FxHashMap::default();
        let mut inchikey: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        let mut skeleton: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        let mut suggest = suggest::Builder::default();
        for (i, s) in registry.substances().iter().enumerate() {
            let mut add = |text: &str, by: MatchedBy, ambiguous: bool, also: &[String]| {
                let key = normalize(text);
                if key.is_empty() {
                    return;
                }
                let hits = names.entry(key.clone()).or_default();
                if hits.iter().any(|h| h.substance == i) {
                    return;
                }
                hits.push(NameHit {
                    substance: i,
                    matched_by: by,
                    text: text.to_string(),
                    ambiguous,
                    also_means: also.to_vec(),
                });
                suggest.add(&key, text, i);
            };
            add(&s.name, MatchedBy::Name, false, &[]);
            for n in &s.names {
                add(&n.text, matched_by(n.kind), n.ambiguous, &n.also_means);
            }
            if let Some(iupac) = &s.iupac {
                add(iupac, MatchedBy::Name, false, &[]);
            }
            // Declared positional-prefix equivalents (N- = 1-): index every name under both spellings.
            for [a, b] in &s.prefix_equivalents {
                let mut variants = Vec::new();
                for n in std::iter::once(&s.name).chain(s.names.iter().map(|n| &n.text)) {
                    variants.extend(swap_prefix(n, a, b));
                    variants.extend(swap_prefix(n, b, a));
                }
                for v in variants {
                    add(&v, MatchedBy::Synonym, false, &[]);
                }
            }
            for c in &s.cas {
                if let Ok(rn) = Cas::parse(&c.rn) {
                    cas.entry(rn.as_u64()).or_default().push(CasHit {
                        substance: i,
                        form: c.form.clone(),
                    });
                }
            }
            if let Some(k) = s.inchikey.as_deref().and_then(|k| InchiKey::parse(k).ok()) {
                inchikey.entry(k.as_str().to_string()).or_default().push(i);
                skeleton
                    .entry(k.skeleton().to_string())
                    .or_default()
                    .push(i);
            }
        }
        // A key shared by several substances is ambiguous whatever the files say.
        for hits in names.values_mut() {
            if hits.len() > 1 {
                for h in hits.iter_mut() {
                    h.ambiguous = true;
                }
            }
        }
        Resolver {
            registry,
            names,
            cas,
            inchikey,
            skeleton,
            suggest: suggest.build(),
        }
    }

    /// The registry this resolver indexes.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Resolve one identifier.
    ///
    /// Interpretation order: a full InChIKey (exact, then same first block); a bare 14-letter first block;
    /// a CAS RN in any common form (a string that looks like one but fails its check digit is
    /// [`LookupError::BadCas`]); a name, synonym or abbreviation after normalisation; the same with salt
    /// and hydrate words set aside. When nothing matches, [`Resolution::suggestions`] holds up to five names.
    pub fn resolve(&self, query: &str) -> Result<Resolution, LookupError> {
        let q = query.trim();
        if q.is_empty() {
            return Err(LookupError::Empty);
        }
        if q.len() > MAX_QUERY_BYTES {
            return Err(LookupError::TooLong {
                len: q.len(),
                max: MAX_QUERY_BYTES,
            });
        }
        if let Ok(key) = InchiKey::parse(q) {
            return Ok(self.by_inchikey(&key));
        }
        if InchiKey::is_skeleton(q) {
            let m = self.by_skeleton(&q.to_ascii_uppercase(), None);
            if !m.is_empty() {
                return Ok(Resolution {
                    matches: m,
                    suggestions: vec![],
                });
            }
        }
        if looks_like_cas(q) {
            return match Cas::parse(q) {
                Ok(cas) => Ok(self.by_cas(cas)),
                Err(e) => Err(self.cas_error(q, e)),
            };
        }
        let matches = self.by_name(q, None);
        if !matches.is_empty() {
            return Ok(Resolution {
                matches,
                suggestions: vec![],
            });
        }
        if let Some((parent, salt)) = salts::split(q) {
            // The parent may itself be a CAS RN ("39742-60-4 hydrochloride").
            if looks_like_cas(parent)
                && let Ok(cas) = Cas::parse(parent)
            {
                let mut r = self.by_cas(cas);
                for m in &mut r.matches {
                    m.salt = Some(salt.clone());
                }
                return Ok(r);
            }
            let matches = self.by_name(parent, Some(salt));
            if !matches.is_empty() {
                return Ok(Resolution {
                    matches,
                    suggestions: vec![],
                });
            }
        }
        if let Some(matches) = self.by_smiles(q) {
            return Ok(Resolution {
                matches,
                suggestions: vec![],
            });
        }
        Ok(Resolution {
            matches: vec![],
            suggestions: self.suggest.suggest(&normalize(q), 5),
        })
    }

    /// A query that parses as SMILES: standardise (salts set aside), then the standard InChIKey, exact or
    /// first block. `None` when it is not SMILES or matches nothing.
    fn by_smiles(&self, q: &str) -> Option<Vec<Match>> {
        if q.contains(char::is_whitespace) {
            return None;
        }
        let structure = pw_chem::Structure::from_smiles(q).ok()?;
        let std = structure.standardize();
        let key = std.parent.inchikey().ok()?;
        let salt = (!std.removed.is_empty()).then(|| {
            std.removed
                .iter()
                .map(|r| format!("{} ({})", r.smiles, r.reason))
                .collect::<Vec<_>>()
                .join(", ")
        });
        if let Some(ids) = self.inchikey.get(key.as_str()) {
            return Some(
                ids.iter()
                    .map(|&i| Match {
                        substance: i,
                        matched_by: MatchedBy::Smiles,
                        matched_text: key.to_string(),
                        ambiguous: ids.len() > 1,
                        also_means: vec![],
                        salt: salt.clone(),
                        note: None,
                    })
                    .collect(),
            );
        }
        let mut m = self.by_skeleton(key.skeleton(), Some(&key));
        if m.is_empty() {
            return None;
        }
        for x in &mut m {
            x.matched_by = MatchedBy::Structure;
            x.salt = salt.clone();
            x.note = Some(format!(
                "stereo-insensitive match: the structure's InChIKey {key} shares its first block with {}; \
                 stereochemistry, isotopes or charge differ",
                x.matched_text
            ));
        }
        Some(m)
    }

    fn by_name(&self, text: &str, salt: Option<String>) -> Vec<Match> {
        let Some(hits) = self.names.get(&normalize(text)) else {
            return vec![];
        };
        hits.iter()
            .map(|h| Match {
                substance: h.substance,
                matched_by: h.matched_by,
                matched_text: h.text.clone(),
                ambiguous: h.ambiguous,
                also_means: self.also_means(h, hits),
                salt: salt.clone(),
                note: None,
            })
            .collect()
    }

    /// What else a name means: the file's `also_means`, plus the other registry substances sharing it.
    fn also_means(&self, h: &NameHit, all: &[NameHit]) -> Vec<String> {
        let mut out = h.also_means.clone();
        for other in all.iter().filter(|o| o.substance != h.substance) {
            let s = &self.registry.substances()[other.substance];
            out.push(format!("{} ({}, also in this registry)", s.name, s.id));
        }
        out
    }

    fn by_cas(&self, cas: Cas) -> Resolution {
        let matches = self
            .cas
            .get(&cas.as_u64())
            .map(|hits| {
                hits.iter()
                    .map(|h| Match {
                        substance: h.substance,
                        matched_by: MatchedBy::Cas,
                        matched_text: cas.to_string(),
                        ambiguous: hits.len() > 1,
                        also_means: vec![],
                        salt: (h.form != "parent").then(|| format!("{} (CAS {cas})", h.form)),
                        note: None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Resolution {
            matches,
            suggestions: vec![],
        }
    }

    fn by_inchikey(&self, key: &InchiKey) -> Resolution {
        if let Some(ids) = self.inchikey.get(key.as_str()) {
            let matches = ids
                .iter()
                .map(|&i| Match {
                    substance: i,
                    matched_by: MatchedBy::Inchikey,
                    matched_text: key.to_string(),
                    ambiguous: ids.len() > 1,
                    also_means: vec![],
                    salt: None,
                    note: None,
                })
                .collect();
            return Resolution {
                matches,
                suggestions: vec![],
            };
        }
        Resolution {
            matches: self.by_skeleton(key.skeleton(), Some(key)),
            suggestions: vec![],
        }
    }

    fn by_skeleton(&self, block: &str, full: Option<&InchiKey>) -> Vec<Match> {
        let Some(ids) = self.skeleton.get(block) else {
            return vec![];
        };
        ids.iter()
            .map(|&i| {
                let recorded = self.registry.substances()[i].inchikey.clone().unwrap_or_default();
                let note = match full {
                    Some(k) => format!(
                        "skeleton match: {k} has the same first block (connectivity) as {recorded}, but differs in \
                         stereochemistry, isotopes or protonation"
                    ),
                    None => format!("skeleton match: first block {block} of {recorded} (same connectivity; stereo and charge not compared)"),
                };
                Match {
                    substance: i,
                    matched_by: MatchedBy::Inchikey,
                    matched_text: recorded,
                    ambiguous: ids.len() > 1,
                    also_means: ids
                        .iter()
                        .filter(|&&o| o != i)
                        .map(|&o| {
                            let other = &self.registry.substances()[o];
                            format!("{} ({}, same connectivity, other stereochemistry)", other.name, other.id)
                        })
                        .collect(),
                    salt: None,
                    note: Some(note),
                }
            })
            .collect()
    }

    fn cas_error(&self, q: &str, e: CasError) -> LookupError {
        let mut suggestion = None;
        if let CasError::CheckDigit { .. } = &e {
            // The registry entry that differs only in the check digit.
            if let Some(fixed) = e.corrected()
                && let Some(h) = self.cas.get(&fixed.as_u64()).and_then(|v| v.first())
            {
                let s = &self.registry.substances()[h.substance];
                suggestion = Some(format!("{fixed} ({}, {})", s.name, s.id));
            }
        }
        let mut message = format!("{q:?} is not a valid CAS RN: {e}");
        if let Some(s) = &suggestion {
            message.push_str(&format!("; did you mean {s}?"));
        }
        LookupError::BadCas {
            message,
            suggestion,
        }
    }
}

#[cfg(test)]
mod tests;
