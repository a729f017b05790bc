//! Screening for Precursor Watch: find offers of controlled precursors in listings, declarations and
//! manifests, and say why.
//!
//! One [`Screener`] is built from the registry (every name, synonym, abbreviation and CAS RN), the
//! screening rules in `data/screen/` (cue phrases and red flags with their sources, abbreviation
//! context, weights) and optionally a [`pw_classify::Classifier`] for SMILES found in text and the names
//! of class-rule analogues. [`Screener::screen`] then does, per text:
//!
//! 1. normalise ([`Normalized`]: Unicode folding, homoglyphs, invisible characters, spacing and
//!    punctuation inside words, leetspeak), keeping a map back to the original bytes;
//! 2. every pattern that starts and ends at a word edge, looked up only where a word edge is (the
//!    normaliser writes the edges as bits; `search`: a table of the patterns by their first four
//!    bytes, the short ones whole);
//! 3. read the matches: substances (a name inside a longer name is dropped), ambiguous abbreviations
//!    settled by nearby context words or left `uncertain`, red flags, offer and reporting cues, computed
//!    flags (CAS-only listing, mixed catalogue), SMILES tokens through the classifier;
//! 4. label (`offer`, `mention`, `benign`, DESIGN.md §5), score (noisy-OR of the evidence: two strong
//!    flags score above one, nothing reaches 1) and an explanation an officer can paste into a report.
//!
//! Offsets in the answer are byte offsets into the original text. Texts of any size are screened in
//! overlapping windows, so memory does not grow with a long record beyond the record itself.

pub mod eval;
pub mod json_str;
mod normalize;
pub mod records;
mod rules;
mod screening_json;
mod search;

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::NaiveDate;
use pw_classify::Classifier;
use pw_registry::{NameKind, Registry};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

pub use normalize::{MAX_TEXT_BYTES, Normalized};
pub use rules::{Cue, CueKind, RuleError, Rules, Settings, Strength, Term};

/// Window size for long texts (normalised and searched one window at a time).
const WINDOW: usize = 1 << 20;
/// Overlap between windows: longer than any pattern, even spread out by obfuscation.
const OVERLAP: usize = 4096;

/// Building a screener failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The rule files are wrong.
    #[error("screening rules: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Rules(Vec<RuleError>),
    /// The pattern automaton could not be built.
    #[error("building the pattern automaton: {0}")]
    Automaton(String),
}

/// The three labels (DESIGN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Offers to sell, supply or ship a controlled substance.
    Offer,
    /// Names one without offering it.
    Mention,
    /// No controlled substance.
    Benign,
}

impl Label {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Offer => "offer",
            Label::Mention => "mention",
            Label::Benign => "benign",
        }
    }

    /// Parse a label name.
    pub fn parse(s: &str) -> Option<Label> {
        match s {
            "offer" => Some(Label::Offer),
            "mention" => Some(Label::Mention),
            "benign" => Some(Label::Benign),
            _ => None,
        }
    }

    /// All labels, in report order.
    pub const ALL: [Label; 3] = [Label::Offer, Label::Mention, Label::Benign];
}

/// A registry substance found in the text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubstanceHit {
    /// Registry id.
    pub id: String,
    /// Preferred name.
    pub name: String,
    /// `cas`, `name`, `synonym`, `abbreviation`, `variant` (a spelling variant of a name), `smiles`,
    /// `structure`.
    pub matched_by: String,
    /// The text as written.
    pub text: String,
    /// Byte offset of the start in the original text.
    pub start: usize,
    /// Byte offset of the end.
    pub end: usize,
    /// `certain`, or `uncertain` for an abbreviation that context did not settle.
    pub certainty: String,
    /// `watched`, or `bulk` for ubiquitous Table II solvents and acids (reported, not scored).
    pub tier: String,
    /// Why this is that substance.
    pub reason: String,
}

/// An unlisted structure that falls under a class rule or closely resembles a listed substance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnalogueHit {
    /// The text as written (a name or a SMILES).
    pub text: String,
    /// Byte offsets into the original.
    pub start: usize,
    /// End offset.
    pub end: usize,
    /// `name` (a class-rule example name) or `smiles`.
    pub matched_by: String,
    /// Class rules it falls under (`JURISDICTION:rule`).
    pub rules: Vec<String>,
    /// Registry substances it resembles closely enough to act on.
    pub resembles: Vec<Resemblance>,
    /// Why.
    pub reason: String,
}

/// A registry substance an analogue resembles.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Resemblance {
    /// Registry id.
    pub substance: String,
    /// Tanimoto similarity of the ECFP4 fingerprints.
    pub similarity: f64,
}

/// A red flag found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlagHit {
    /// Cue id.
    pub id: String,
    /// What it means.
    pub label: String,
    /// Text as written (for computed flags, the text that triggered it).
    pub text: String,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end.
    pub end: usize,
    /// The advisory or case that names this red flag (short citation; the full reference is in the rules,
    /// `data/screen/cues.toml`).
    pub source: String,
    /// `strong`, `moderate`, `weak`.
    pub strength: Strength,
    /// Every occurrence is inside quotation marks (somebody else's words).
    pub quoted: bool,
}

/// An offer or reporting cue found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CueHit {
    /// Cue id.
    pub id: String,
    /// `offer` or `report`.
    pub kind: CueKind,
    /// What it means.
    pub label: String,
    /// Text as written.
    pub text: String,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end.
    pub end: usize,
    /// `strong`, `moderate`, `weak`.
    pub strength: Strength,
    /// Every occurrence is inside quotation marks (somebody else's words).
    pub quoted: bool,
}

/// A controlled drug named in the text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DrugHit {
    /// Text as written.
    pub text: String,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end.
    pub end: usize,
}

/// An ambiguous abbreviation read as its uncontrolled meaning.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dismissed {
    /// Text as written.
    pub text: String,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end.
    pub end: usize,
    /// The controlled substance it was not taken for.
    pub substance: String,
    /// What it was taken for.
    pub other_meaning: String,
    /// The context that decided.
    pub reason: String,
}

/// The screening of one text (DESIGN.md §4 `screen`, extended).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Screening {
    /// `offer`, `mention`, `benign`.
    pub label: Label,
    /// 0..1, never 1.
    pub score: f64,
    /// Registry substances found.
    pub substances: Vec<SubstanceHit>,
    /// Unlisted analogues found (a weaker finding than a listed substance).
    pub analogues: Vec<AnalogueHit>,
    /// Red flags, with their sources.
    pub red_flags: Vec<FlagHit>,
    /// Offer and reporting cues (listed when something controlled is named: they decide the label).
    pub cues: Vec<CueHit>,
    /// Abbreviations read as their other, uncontrolled meaning.
    pub dismissed: Vec<Dismissed>,
    /// Controlled drugs named (fentanyl, heroin…): not precursors, but a text offering them is an offer
    /// of a controlled substance, and precursors listed beside them make a mixed catalogue.
    pub drugs: Vec<DrugHit>,
    /// The decision in words.
    pub explanation: String,
    /// Registry version.
    pub registry_version: String,
    /// Screening rules version.
    pub rules_version: String,
}

/// What a pattern stands for. One normalised pattern can stand for several things.
#[derive(Debug, Clone)]
enum Meaning {
    Substance {
        sub: u32,
        matched_by: &'static str,
        /// The name (or CAS RN) as the registry writes it.
        written: Arc<str>,
        /// The registry marks this name as also naming something else.
        ambiguous: bool,
        /// Index into `terms` when context words are known for it.
        term: Option<u32>,
    },
    Cue(u32),
    Context {
        term: u32,
        controlled: bool,
    },
    Drug,
    Analogue(u32),
}

struct SubInfo {
    id: String,
    name: String,
    bulk: bool,
    also_means: Vec<String>,
}

struct AnalogueName {
    name: String,
    rules: Vec<String>,
    resembles: Vec<Resemblance>,
}

/// Patterns being collected: each distinct normalised pattern once, with all its meanings.
#[derive(Default)]
struct Patterns {
    patterns: Vec<String>,
    meanings: Vec<Vec<Meaning>>,
    index: FxHashMap<String, usize>,
}

impl Patterns {
    fn add(&mut self, text: &str, m: Meaning) {
        self.add_key(Normalized::pattern(text), m)
    }

    /// Add an already normalised key (normalising twice is not the identity: `l4p` reads as leetspeak).
    fn add_key(&mut self, key: String, m: Meaning) {
        if key.is_empty() {
            return;
        }
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                self.patterns.push(key.clone());
                self.meanings.push(Vec::new());
                self.index.insert(key, self.patterns.len() - 1);
                self.patterns.len() - 1
            }
        };
        self.meanings[i].push(m);
    }
}

/// A pattern means a substance, a drug or an analogue name (something controlled is named).
const NAMES: u8 = 1;
/// A pattern means a cue or red flag.
const CUE: u8 = 2;

/// Reusable per-thread buffers.
#[derive(Default)]
pub struct Scratch {
    norm: Normalized,
    hits: Vec<RawHit>,
    /// Matches of one automaton in one window: `(end, start, pattern)`, normalised offsets.
    found: Vec<(u32, u32, u32)>,
    /// The search's word starts that pass its filters (see `search::Engine::find`).
    starts: Vec<u64>,
    /// The cues of a benign screening: first span and cue (see `benign_json`).
    cue_first: Vec<(usize, usize, u32)>,
    /// The explanation of a benign screening, written as JSON by `screen_json`.
    explanation: String,
    /// `hits` hold normalised offsets (mapped by `norm`), not original ones (see `collect`).
    normalised_hits: bool,
    /// First quantity (number with a unit) found: original span.
    quantity: Option<(usize, usize)>,
}

#[derive(Debug, Clone, Copy)]
struct RawHit {
    pattern: u32,
    start: usize,
    end: usize,
}

/// The compiled screener. Cheap to share between threads (`&Screener` is all `screen` needs).
pub struct Screener {
    /// Every pattern (ASCII first), with its pattern index → `meanings` index.
    engine: search::Engine,
    /// The normalised patterns (index: `meanings`), for the tests' reference search.
    #[cfg(test)]
    patterns: Vec<String>,
    meanings: Vec<Vec<Meaning>>,
    /// Per pattern, what its meanings include ([`NAMES`], [`CUE`]): most texts need only this, and a
    /// byte per pattern stays in the cache where the meanings do not.
    pattern_kinds: Vec<u8>,
    subs: Vec<SubInfo>,
    rules: Rules,
    analogue_names: Vec<AnalogueName>,
    cas_only: Option<u32>,
    mixed: Option<u32>,
    quantity: Option<u32>,
    /// Normalised units, longest first.
    units: Vec<Vec<u8>>,
    /// By first byte: the indices of the units that begin with it, in the order of `units` (so the
    /// first of them that matches is the first of `units` that matches).
    units_by_first: Vec<Vec<u32>>,
    classifier: Option<Arc<Classifier>>,
    as_of: NaiveDate,
    registry_version: String,
    /// Per cue, the JSON of its [`FlagHit`] around the text and offsets: `{"id":…,"label":…,"text":` and
    /// `,"source":…,"strength":…,"quoted":false}`.
    flag_json: Vec<(Vec<u8>, Vec<u8>)>,
    /// `,"registry_version":…,"rules_version":…}`.
    versions_json: Vec<u8>,
}

impl std::fmt::Debug for Screener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screener")
            .field("patterns", &self.meanings.len())
            .field("rules_version", &self.rules.version)
            .field("registry_version", &self.registry_version)
            .finish_non_exhaustive()
    }
}

impl Screener {
    /// Build from a registry and rules. With a classifier, SMILES in texts are classified and the names
    /// of class-rule examples that are not listed become analogue patterns. `as_of` is the date the
    /// class rules are applied for.
    pub fn new(
        registry: &Registry,
        rules: Rules,
        classifier: Option<Arc<Classifier>>,
        as_of: NaiveDate,
    ) -> Result<Screener, BuildError> {
        let mut problems = Vec::new();
        for id in &rules.settings.bulk.substances {
            if registry.substance(id).is_none() {
                problems.push(RuleError {
                    file: "screen.toml".into(),
                    record: "bulk".into(),
                    message: format!("{id:?} is not a registry substance"),
                });
            }
        }
        for t in &rules.terms {
            if registry.substance(&t.substance).is_none() {
                problems.push(RuleError {
                    file: "context.toml".into(),
                    record: t.text.clone(),
                    message: format!("substance {:?} is not in the registry", t.substance),
                });
            }
        }
        if !problems.is_empty() {
            return Err(BuildError::Rules(problems));
        }

        let mut b = Patterns::default();
        let term_of = |sub: &str, text: &str| -> Option<u32> {
            let key = Normalized::pattern(text);
            rules
                .terms
                .iter()
                .position(|t| t.substance == sub && Normalized::pattern(&t.text) == key)
                .map(|i| i as u32)
        };
        let mut subs = Vec::new();
        for (si, s) in registry.substances().iter().enumerate() {
            let sub = si as u32;
            subs.push(SubInfo {
                id: s.id.clone(),
                name: s.name.clone(),
                bulk: rules.settings.bulk.substances.contains(&s.id),
                also_means: s
                    .names
                    .iter()
                    .filter(|n| n.ambiguous)
                    .flat_map(|n| n.also_means.iter().cloned())
                    .collect(),
            });
            for c in &s.cas {
                b.add(
                    &c.rn,
                    Meaning::Substance {
                        sub,
                        matched_by: "cas",
                        written: Arc::from(c.rn.as_str()),
                        ambiguous: false,
                        term: None,
                    },
                );
            }
            let mut seen = FxHashSet::default();
            for n in &s.names {
                let matched_by = match n.kind {
                    NameKind::Abbreviation => "abbreviation",
                    _ => {
                        if n.text == s.name {
                            "name"
                        } else {
                            "synonym"
                        }
                    }
                };
                let term = term_of(&s.id, &n.text);
                let ambiguous = n.ambiguous || term.is_some();
                let written: Arc<str> = Arc::from(n.text.as_str());
                seen.insert(Normalized::pattern(&n.text));
                b.add(
                    &n.text,
                    Meaning::Substance {
                        sub,
                        matched_by,
                        written: written.clone(),
                        ambiguous,
                        term,
                    },
                );
                // Common misspellings of long names; never of abbreviations.
                if n.kind != NameKind::Abbreviation {
                    for v in variants(&Normalized::pattern(&n.text)) {
                        if seen.insert(v.clone()) {
                            b.add_key(
                                v,
                                Meaning::Substance {
                                    sub,
                                    matched_by: "variant",
                                    written: written.clone(),
                                    ambiguous,
                                    term,
                                },
                            );
                        }
                    }
                }
            }
            if !seen.contains(&Normalized::pattern(&s.name)) {
                b.add(
                    &s.name,
                    Meaning::Substance {
                        sub,
                        matched_by: "name",
                        written: Arc::from(s.name.as_str()),
                        ambiguous: false,
                        term: None,
                    },
                );
            }
        }
        // Terms named in context.toml but not in the registry's names: still ambiguous abbreviations.
        for (ti, t) in rules.terms.iter().enumerate() {
            let Some(si) = registry.substance_index(&t.substance) else {
                continue;
            };
            let key = Normalized::pattern(&t.text);
            let known = b.index.get(&key).is_some_and(|&i| {
                b.meanings[i]
                    .iter()
                    .any(|m| matches!(m, Meaning::Substance { sub, .. } if *sub as usize == si))
            });
            if !known {
                b.add(
                    &t.text,
                    Meaning::Substance {
                        sub: si as u32,
                        matched_by: "abbreviation",
                        written: Arc::from(t.text.as_str()),
                        ambiguous: true,
                        term: Some(ti as u32),
                    },
                );
            }
            for w in &t.controlled {
                b.add(
                    w,
                    Meaning::Context {
                        term: ti as u32,
                        controlled: true,
                    },
                );
            }
            for w in &t.other {
                b.add(
                    w,
                    Meaning::Context {
                        term: ti as u32,
                        controlled: false,
                    },
                );
            }
        }
        let mut cas_only = None;
        let mut mixed = None;
        let mut quantity = None;
        for (ci, c) in rules.cues.iter().enumerate() {
            match c.computed.as_deref() {
                Some("cas-only") => cas_only = Some(ci as u32),
                Some("mixed-catalogue") => mixed = Some(ci as u32),
                Some("quantity") => quantity = Some(ci as u32),
                _ => {}
            }
            for (_, p) in c.phrases() {
                b.add(p, Meaning::Cue(ci as u32));
            }
        }
        let d = &rules.settings.drugs;
        for w in d.en.iter().chain(&d.es).chain(&d.zh) {
            b.add(w, Meaning::Drug);
        }
        let mut units: Vec<Vec<u8>> = rules
            .settings
            .quantity
            .units
            .iter()
            .map(|u| Normalized::pattern(u).into_bytes())
            .filter(|u| !u.is_empty())
            .collect();
        // Longest first, so `kg/drum` wins over `kg`.
        units.sort_by_key(|u| std::cmp::Reverse(u.len()));
        units.dedup();
        let mut units_by_first = vec![Vec::new(); 256];
        for (i, u) in units.iter().enumerate() {
            units_by_first[usize::from(u[0])].push(i as u32);
        }
        // Sellers write CAS RNs cut short: `79099` for 79099-07-3. Uncertain (five digits can be anything)
        // unless the word CAS stands right before it.
        for (si, s) in registry.substances().iter().enumerate() {
            for c in &s.cas {
                let Some(head) = c.rn.split('-').next() else {
                    continue;
                };
                if head.len() < 5 {
                    continue;
                }
                let written: Arc<str> = Arc::from(c.rn.as_str());
                b.add(
                    head,
                    Meaning::Substance {
                        sub: si as u32,
                        matched_by: "cas-prefix",
                        written,
                        ambiguous: true,
                        term: None,
                    },
                );
            }
        }
        let mut analogue_names = Vec::new();
        if let Some(c) = &classifier {
            for rule in registry.class_rules() {
                for ex in &rule.examples {
                    if ex.expect != pw_registry::Expectation::Match {
                        continue;
                    }
                    let Ok(cl) = c.classify(&ex.smiles, as_of) else {
                        continue;
                    };
                    if !cl.listed.is_empty() || cl.class_matches.is_empty() {
                        continue;
                    }
                    for name in example_names(&ex.name) {
                        if Normalized::pattern(name).len() < 8
                            || b.index.contains_key(&Normalized::pattern(name))
                        {
                            continue;
                        }
                        let ai = analogue_names.len() as u32;
                        analogue_names.push(AnalogueName {
                            name: name.to_string(),
                            rules: cl
                                .class_matches
                                .iter()
                                .map(|m| format!("{}:{}", m.jurisdiction, m.rule))
                                .collect(),
                            resembles: cl
                                .analogue_warnings
                                .iter()
                                .map(|w| Resemblance {
                                    substance: w.substance.clone(),
                                    similarity: w.similarity,
                                })
                                .collect(),
                        });
                        b.add(name, Meaning::Analogue(ai));
                    }
                }
            }
        }

        // One search over every pattern, the ASCII ones first (see `search`: hits come out in the order
        // of one search over the ASCII patterns, then one over the others).
        let (ascii, other): (Vec<usize>, Vec<usize>) =
            (0..b.patterns.len()).partition(|&i| b.patterns[i].is_ascii());
        let order: Vec<usize> = ascii.into_iter().chain(other).collect();
        let pats: Vec<&str> = order.iter().map(|&i| b.patterns[i].as_str()).collect();
        let engine = search::Engine::new(&pats, order.iter().map(|&i| i as u32).collect());
        // The fixed parts of the JSON of a benign screening (see `screen_json`).
        let flag_json = rules
            .cues
            .iter()
            .map(|c| {
                let mut head = b"{\"id\":".to_vec();
                head.extend(json(&c.id));
                head.extend(b",\"label\":");
                head.extend(json(&c.label));
                head.extend(b",\"text\":");
                let mut tail = b",\"source\":".to_vec();
                tail.extend(json(&c.cite));
                tail.extend(b",\"strength\":");
                tail.extend(json(&c.strength));
                tail.extend(b",\"quoted\":false}");
                (head, tail)
            })
            .collect();
        let mut versions_json = b",\"registry_version\":".to_vec();
        versions_json.extend(json(registry.version()));
        versions_json.extend(b",\"rules_version\":");
        versions_json.extend(json(&rules.version));
        versions_json.push(b'}');
        let pattern_kinds = b
            .meanings
            .iter()
            .map(|ms| {
                ms.iter().fold(0, |k, m| {
                    k | match m {
                        Meaning::Substance { .. } | Meaning::Drug | Meaning::Analogue(_) => NAMES,
                        Meaning::Cue(_) => CUE,
                        Meaning::Context { .. } => 0,
                    }
                })
            })
            .collect();
        Ok(Screener {
            engine,
            #[cfg(test)]
            patterns: b.patterns,
            meanings: b.meanings,
            pattern_kinds,
            subs,
            rules,
            analogue_names,
            cas_only,
            mixed,
            quantity,
            units,
            units_by_first,
            classifier,
            as_of,
            registry_version: registry.version().to_string(),
            flag_json,
            versions_json,
        })
    }

    /// Number of literal patterns in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.meanings.len()
    }

    /// Heap bytes of the pattern automata.
    pub fn automaton_bytes(&self) -> usize {
        self.engine.memory_usage()
    }

    /// The rules in use.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Screen one text (see the crate docs). Bytes that are not UTF-8 are tolerated.
    pub fn screen(&self, text: &[u8]) -> Screening {
        self.screen_with(text, &mut Scratch::default())
    }

    /// [`Screener::screen`] with reusable buffers.
    pub fn screen_with(&self, text: &[u8], scratch: &mut Scratch) -> Screening {
        self.collect(text, None, scratch, false);
        self.read(text, &scratch.hits, scratch.quantity)
    }

    /// Screen `text` and append the JSON of its [`Screening`] to `out` without the opening brace: the
    /// bytes of `serde_json::to_vec(&self.screen(text))[1..]`, so that a caller can write `{`, members
    /// of its own and a comma first. Texts that name nothing controlled (most) are written without
    /// building the `Screening`.
    pub fn screen_json(&self, text: &[u8], scratch: &mut Scratch, out: &mut Vec<u8>) -> Label {
        self.screen_json_in(text, None, scratch, out)
    }

    /// [`Screener::screen_json`] of a text known to be UTF-8 (read from JSON, say): the same bytes,
    /// without checking the text again.
    pub fn screen_json_str(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<u8>) -> Label {
        self.screen_json_in(text.as_bytes(), Some(text), scratch, out)
    }

    fn screen_json_in(
        &self,
        text: &[u8],
        valid: Option<&str>,
        scratch: &mut Scratch,
        out: &mut Vec<u8>,
    ) -> Label {
        self.collect(text, valid, scratch, true);
        if self.names_something(text, &scratch.hits) {
            Screener::resolve(text, scratch);
            let s = self.read(text, &scratch.hits, scratch.quantity);
            screening_json::write_screening_tail(out, &s);
            return s.label;
        }
        self.benign_json(text, scratch, out);
        Label::Benign
    }

    /// Whether `read` takes the long path: something controlled (a substance, a drug, an analogue
    /// name or a SMILES-like token) is named.
    fn names_something(&self, text: &[u8], hits: &[RawHit]) -> bool {
        hits.iter().any(|h| {
            self.pattern_kinds
                .get(h.pattern as usize)
                .is_some_and(|k| k & NAMES != 0)
        }) || (self.classifier.is_some() && !smiles_candidates(text).is_empty())
    }

    /// [`Screener::nothing_controlled`] written straight as JSON (the same bytes as serialising it).
    /// The hits are `scratch.hits`, with normalised offsets when `scratch.normalised_hits` says so.
    fn benign_json(&self, text: &[u8], scratch: &mut Scratch, out: &mut Vec<u8>) {
        let Scratch {
            hits,
            norm,
            normalised_hits,
            quantity,
            cue_first,
            explanation,
            ..
        } = scratch;
        let (hits, quantity) = (&hits[..], *quantity);
        let spans = normalised_hits.then_some(&*norm);
        // The cues found, and for each red flag its first span (the only spans written: with
        // `spans`, the hits' offsets are normalised ones, mapped here). The product runs in cue order,
        // as in `nothing_controlled`; the red flags are listed in text order. A text holds a handful
        // of cues, so a list does.
        cue_first.clear();
        for h in hits {
            if self
                .pattern_kinds
                .get(h.pattern as usize)
                .is_none_or(|k| k & CUE == 0)
            {
                continue;
            }
            for m in &self.meanings[h.pattern as usize] {
                let Meaning::Cue(c) = m else {
                    continue;
                };
                let red = self.rules.cues[*c as usize].kind == CueKind::RedFlag;
                let span = match (red, spans) {
                    (false, _) => (0, 0),
                    (true, Some(n)) => n.span(h.start, h.end, text),
                    (true, None) => (h.start, h.end),
                };
                match cue_first.iter_mut().find(|f| f.2 == *c) {
                    Some(f) => {
                        if span < (f.0, f.1) {
                            (f.0, f.1) = span;
                        }
                    }
                    None => cue_first.push((span.0, span.1, *c)),
                }
            }
        }
        cue_first.sort_unstable_by_key(|&(_, _, c)| c);
        let w = &self.rules.settings.weights;
        let (mut keep_offer, mut keep_report) = (1.0, 1.0);
        for &(_, _, ci) in cue_first.iter() {
            let cue = &self.rules.cues[ci as usize];
            let weight = w.of(cue.strength);
            match cue.kind {
                CueKind::RedFlag | CueKind::Offer => keep_offer *= 1.0 - weight,
                CueKind::Report => keep_report *= 1.0 - weight,
            }
        }
        cue_first.sort_unstable_by_key(|&(s, _, c)| (s, c));
        if let (Some(ci), Some(_)) = (self.quantity, quantity) {
            keep_offer *= 1.0 - w.of(self.rules.cues[ci as usize].strength);
        }
        // The red flags, in text order.
        let is_flag =
            |f: &&(usize, usize, u32)| self.rules.cues[f.2 as usize].kind == CueKind::RedFlag;
        let any_flag = cue_first.iter().any(|f| is_flag(&f));
        let score = (1.0 - keep_offer)
            * w.no_substance_factor
            * (1.0 - w.report_damping * (1.0 - keep_report));
        let score = (score * 1000.0).round() / 1000.0;

        // The words of `nothing_controlled`'s explanation, written piece by piece: `format!` with
        // `{:.2}` and `{:?}` costs more than the rest of a benign record's output.
        explanation.clear();
        explanation.push_str("BENIGN (score ");
        push_score(explanation, score);
        explanation.push_str("). No controlled substance is named.");
        if any_flag {
            explanation.push_str(" Red flags: ");
            for (i, &(s, e, ci)) in cue_first.iter().filter(is_flag).enumerate() {
                if i > 0 {
                    explanation.push_str("; ");
                }
                let cue = &self.rules.cues[ci as usize];
                let span = String::from_utf8_lossy(&text[s..e]);
                push_finding(explanation, &cue.label, &span, (s, e), false);
                explanation.push_str("; ");
                explanation.push_str(&cue.cite);
                explanation.push(')');
            }
            explanation.push('.');
        }
        explanation.push_str(" Registry ");
        explanation.push_str(&self.registry_version);
        explanation.push('.');

        out.extend_from_slice(b"\"label\":\"benign\",\"score\":");
        write_score_json(out, score);
        out.extend_from_slice(b",\"substances\":[],\"analogues\":[],\"red_flags\":[");
        for (i, &(s, e, ci)) in cue_first.iter().filter(is_flag).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let (head, tail) = &self.flag_json[ci as usize];
            out.extend_from_slice(head);
            json_str::write_str(out, &String::from_utf8_lossy(&text[s..e]));
            let mut num = itoa::Buffer::new();
            out.extend_from_slice(b",\"start\":");
            out.extend_from_slice(num.format(s).as_bytes());
            out.extend_from_slice(b",\"end\":");
            out.extend_from_slice(num.format(e).as_bytes());
            out.extend_from_slice(tail);
        }
        out.extend_from_slice(b"],\"cues\":[],\"dismissed\":[],\"drugs\":[],\"explanation\":");
        json_str::write_str(out, explanation);
        out.extend_from_slice(&self.versions_json);
    }

    /// Find every pattern match at word edges, window by window, with original offsets.
    /// `valid`: the same text when the caller knows it is UTF-8, so that it is not checked again.
    /// With `lazy`, a text screened in one window keeps its hits' normalised offsets (`scratch.norm`
    /// maps them, see [`Screener::resolve`]): most texts need the original span of few of them.
    fn collect(&self, text: &[u8], valid: Option<&str>, scratch: &mut Scratch, lazy: bool) {
        scratch.hits.clear();
        scratch.quantity = None;
        scratch.normalised_hits = lazy && text.len() <= WINDOW;
        let mut from = 0usize;
        loop {
            let owned_end = (from + WINDOW).min(text.len());
            let ws = char_floor(text, from.saturating_sub(OVERLAP));
            let we = char_ceil(text, (owned_end + OVERLAP).min(text.len()));
            match valid.and_then(|v| v.get(ws..we)) {
                Some(v) => scratch.norm.fill_str(v, ws),
                None => scratch.norm.fill(&text[ws..we], ws),
            }
            let n = &scratch.norm;
            // Every match at word edges, overlapping ones included (a name inside a longer name is
            // dropped later, and a context phrase may contain the abbreviation it explains).
            let engine = &self.engine;
            scratch.found.clear();
            engine.find(n, &mut scratch.found, &mut scratch.starts);
            for &(end, start, pid) in &scratch.found {
                let (s, e) = if scratch.normalised_hits {
                    (start as usize, end as usize)
                } else {
                    n.span(start as usize, end as usize, text)
                };
                // Each window owns the matches that start in it.
                if s < from || (s >= owned_end && owned_end < text.len()) {
                    continue;
                }
                scratch.hits.push(RawHit {
                    pattern: engine.ids[pid as usize],
                    start: s,
                    end: e,
                });
            }
            if scratch.quantity.is_none() {
                scratch.quantity = self.find_quantity(&scratch.norm, text, from, owned_end);
            }
            if owned_end >= text.len() {
                break;
            }
            from = owned_end;
        }
    }

    /// Give every hit its original span, if `collect` left them normalised.
    fn resolve(text: &[u8], scratch: &mut Scratch) {
        if std::mem::take(&mut scratch.normalised_hits) {
            for h in &mut scratch.hits {
                (h.start, h.end) = scratch.norm.span(h.start, h.end, text);
            }
        }
    }

    /// Turn matches into findings, a label, a score and an explanation.
    fn read(&self, text: &[u8], hits: &[RawHit], quantity: Option<(usize, usize)>) -> Screening {
        let settings = &self.rules.settings;
        let slice = |s: usize, e: usize| String::from_utf8_lossy(&text[s..e]).into_owned();

        // Substance candidates, with a name inside a longer name dropped.
        struct Cand<'m> {
            start: usize,
            end: usize,
            m: &'m Meaning,
        }
        let mut cands: Vec<Cand> = Vec::new();
        let mut context: Vec<(u32, bool, usize, usize)> = Vec::new();
        let mut cue_spans: FxHashMap<u32, Vec<(usize, usize)>> = FxHashMap::default();
        let mut drugs: Vec<(usize, usize)> = Vec::new();
        let mut analogues: FxHashMap<u32, (usize, usize)> = FxHashMap::default();
        for h in hits {
            for m in &self.meanings[h.pattern as usize] {
                match m {
                    Meaning::Substance { .. } => cands.push(Cand {
                        start: h.start,
                        end: h.end,
                        m,
                    }),
                    Meaning::Context { term, controlled } => {
                        context.push((*term, *controlled, h.start, h.end))
                    }
                    Meaning::Cue(c) => cue_spans.entry(*c).or_default().push((h.start, h.end)),
                    Meaning::Drug => drugs.push((h.start, h.end)),
                    Meaning::Analogue(a) => {
                        analogues.entry(*a).or_insert((h.start, h.end));
                    }
                }
            }
        }
        if cands.is_empty()
            && drugs.is_empty()
            && analogues.is_empty()
            && (self.classifier.is_none() || smiles_candidates(text).is_empty())
        {
            return self.nothing_controlled(text, cue_spans, quantity);
        }
        let spans: Vec<(usize, usize)> = cands.iter().map(|c| (c.start, c.end)).collect();
        cands.retain(|c| {
            !spans
                .iter()
                .any(|&(s, e)| s <= c.start && c.end <= e && (e - s) > (c.end - c.start))
        });
        // A name glued to more of a chemical name is part of another compound: `piperidine-4-carboxylate`,
        // `4-羟基哌啶` (4-hydroxypiperidine), `哌啶衍生物` (piperidine derivatives).
        let names = &settings.names;
        cands.retain(|c| !continues_name(text, c.start, c.end, names));
        cands.sort_by_key(|c| (c.start, c.end));

        // Substances named unambiguously somewhere in the text confirm their abbreviations.
        let certain_subs: FxHashSet<u32> = cands
            .iter()
            .filter_map(|c| match c.m {
                Meaning::Substance {
                    sub,
                    ambiguous: false,
                    ..
                } => Some(*sub),
                _ => None,
            })
            .collect();

        let mut substances: Vec<SubstanceHit> = Vec::new();
        let mut dismissed = Vec::new();
        let mut seen_span: FxHashSet<(u32, usize)> = FxHashSet::default();
        let window = settings.label.context_window;
        for c in &cands {
            let Meaning::Substance {
                sub,
                matched_by,
                written,
                ambiguous,
                term,
            } = c.m
            else {
                continue;
            };
            if !seen_span.insert((*sub, c.start)) {
                continue;
            }
            let info = &self.subs[*sub as usize];
            let as_written = slice(c.start, c.end);
            let mut how = String::new();
            match *matched_by {
                "cas" => how.push_str("CAS RN "),
                "cas-prefix" => how.push_str("the start of CAS RN "),
                "variant" => how.push_str("a spelling variant of the registry name "),
                other => {
                    how.push_str("registry ");
                    how.push_str(other);
                    how.push(' ');
                }
            }
            if matches!(*matched_by, "cas" | "cas-prefix") {
                how.push_str(written);
            } else {
                push_debug(&mut how, written);
            }
            let mut certainty = "certain";
            let mut reason = String::new();
            push_debug(&mut reason, &as_written);
            reason.push_str(" is ");
            reason.push_str(&how);
            reason.push_str(" of ");
            reason.push_str(&info.name);
            let cas_word = *matched_by == "cas-prefix" && preceded_by_cas(text, c.start);
            if cas_word {
                reason = format!(
                    "{as_written:?} after the word CAS is the start of CAS RN {written} of {}",
                    info.name
                );
            }
            if *ambiguous && !cas_word {
                let near = |s: usize, e: usize| {
                    s + window >= c.start && e <= c.end + window && (s, e) != (c.start, c.end)
                };
                let (mut pro, mut con) = (Vec::new(), Vec::new());
                if let Some(t) = term {
                    for &(ct, controlled, s, e) in &context {
                        if ct == *t && near(s, e) {
                            if controlled {
                                pro.push(slice(s, e));
                            } else {
                                con.push(slice(s, e));
                            }
                        }
                    }
                }
                let other = term
                    .map(|t| self.rules.terms[t as usize].other_meaning.clone())
                    .or_else(|| info.also_means.first().cloned())
                    .unwrap_or_else(|| "something uncontrolled".into());
                let confirmed = certain_subs.contains(sub);
                if confirmed || pro.len() > con.len() {
                    let why = if confirmed {
                        format!("{} is also named unambiguously in the text", info.name)
                    } else {
                        format!("nearby {}", quote_list(&pro))
                    };
                    reason = format!(
                        "{as_written:?} is {how} of {} (it can also mean {other}; {why})",
                        info.name
                    );
                } else if con.len() > pro.len() {
                    dismissed.push(Dismissed {
                        text: as_written,
                        start: c.start,
                        end: c.end,
                        substance: info.id.clone(),
                        other_meaning: other.clone(),
                        reason: format!(
                            "read as {other}: nearby {}{}",
                            quote_list(&con),
                            if pro.is_empty() {
                                String::new()
                            } else {
                                format!(" outweigh {}", quote_list(&pro))
                            }
                        ),
                    });
                    continue;
                } else {
                    certainty = "uncertain";
                    reason = format!(
                        "{as_written:?} is {how} of {}, but it can also mean {other} and the context {}",
                        info.name,
                        if pro.is_empty() {
                            "does not say which".to_string()
                        } else {
                            format!(
                                "is split ({} against {})",
                                quote_list(&pro),
                                quote_list(&con)
                            )
                        }
                    );
                }
            }
            let tier = if info.bulk { "bulk" } else { "watched" };
            if info.bulk {
                reason.push_str("; ");
                reason.push_str(&settings.bulk.reason);
            }
            substances.push(SubstanceHit {
                id: info.id.clone(),
                name: info.name.clone(),
                matched_by: matched_by.to_string(),
                text: slice(c.start, c.end),
                start: c.start,
                end: c.end,
                certainty: certainty.into(),
                tier: tier.into(),
                reason,
            });
        }

        let mut analogue_hits: Vec<AnalogueHit> = analogues
            .iter()
            .map(|(&a, &(s, e))| {
                let an = &self.analogue_names[a as usize];
                AnalogueHit {
                    text: slice(s, e),
                    start: s,
                    end: e,
                    matched_by: "name".into(),
                    rules: an.rules.clone(),
                    resembles: an.resembles.clone(),
                    reason: format!(
                        "{:?} names {}, an unlisted structure under {}",
                        slice(s, e),
                        an.name,
                        an.rules.join(", ")
                    ),
                }
            })
            .collect();
        if let Some(c) = &self.classifier {
            self.smiles_tokens(text, c, &mut substances, &mut analogue_hits);
        }
        analogue_hits.sort_by_key(|a| a.start);

        // Cues and flags, in text order. Text inside quotation marks is somebody else's words: when the
        // text around it reports (news, a court, a question), a quoted offer is not the author's offer.
        // Quotes matter only when both offer and reporting words are present.
        let kinds: FxHashSet<CueKind> = cue_spans
            .keys()
            .map(|&c| self.rules.cues[c as usize].kind)
            .collect();
        let quotes = if kinds.contains(&CueKind::Report) && kinds.len() > 1 {
            quoted_ranges(text)
        } else {
            Vec::new()
        };
        let quoted = |s: usize, e: usize| quotes.iter().any(|&(a, b)| a <= s && e <= b);
        let mut firsts: Vec<(u32, (usize, usize), bool)> = cue_spans
            .into_iter()
            .map(|(c, mut spans)| {
                spans.sort_unstable();
                let unquoted = spans.iter().find(|&&(s, e)| !quoted(s, e));
                match unquoted {
                    Some(&span) => (c, span, false),
                    None => (c, spans[0], true),
                }
            })
            .collect();
        firsts.sort_by_key(|(c, (s, _), _)| (*s, *c));
        let mut red_flags = Vec::new();
        let mut cues = Vec::new();
        for (ci, (s, e), q) in firsts {
            let cue = &self.rules.cues[ci as usize];
            match cue.kind {
                CueKind::RedFlag => red_flags.push(flag(cue, slice(s, e), s, e, q)),
                kind => cues.push(CueHit {
                    id: cue.id.clone(),
                    kind,
                    label: cue.label.clone(),
                    text: slice(s, e),
                    start: s,
                    end: e,
                    strength: cue.strength,
                    quoted: q,
                }),
            }
        }
        if let (Some(ci), Some((s, e))) = (self.quantity, quantity) {
            let cue = &self.rules.cues[ci as usize];
            cues.push(CueHit {
                id: cue.id.clone(),
                kind: cue.kind,
                label: cue.label.clone(),
                text: slice(s, e),
                start: s,
                end: e,
                strength: cue.strength,
                quoted: quoted(s, e),
            });
            cues.sort_by_key(|c| c.start);
        }
        let reporting = cues.iter().any(|c| c.kind == CueKind::Report && !c.quoted);
        // Quoted offer words count only when nothing around them reports.
        let counts = |q: bool| !(q && reporting);
        let phrase_offer = red_flags.iter().any(|f| counts(f.quoted))
            || cues
                .iter()
                .any(|c| c.kind == CueKind::Offer && counts(c.quoted));
        let watched: Vec<&SubstanceHit> =
            substances.iter().filter(|s| s.tier == "watched").collect();
        let drug_hits: Vec<DrugHit> = drugs
            .iter()
            .map(|&(s, e)| DrugHit {
                text: slice(s, e),
                start: s,
                end: e,
            })
            .collect();
        // The computed flags describe how a seller lists goods; they need an offer to describe.
        if phrase_offer {
            if let Some(ci) = self.cas_only {
                let certain: Vec<&&SubstanceHit> = watched
                    .iter()
                    .filter(|s| s.certainty == "certain")
                    .collect();
                if !certain.is_empty()
                    && certain
                        .iter()
                        .all(|s| s.matched_by == "cas" || s.matched_by == "cas-prefix")
                {
                    let first = certain[0];
                    red_flags.push(flag(
                        &self.rules.cues[ci as usize],
                        first.text.clone(),
                        first.start,
                        first.end,
                        quoted(first.start, first.end),
                    ));
                }
            }
            if let Some(ci) = self.mixed {
                let distinct: FxHashSet<&str> = watched.iter().map(|s| s.id.as_str()).collect();
                let has_precursor = !distinct.is_empty() || !analogue_hits.is_empty();
                let trigger = if has_precursor && !drugs.is_empty() {
                    Some(drugs[0])
                } else if distinct.len() >= 3 {
                    watched.get(2).map(|s| (s.start, s.end))
                } else {
                    None
                };
                if let Some((s, e)) = trigger {
                    red_flags.push(flag(
                        &self.rules.cues[ci as usize],
                        slice(s, e),
                        s,
                        e,
                        quoted(s, e),
                    ));
                }
            }
        }
        red_flags.sort_by_key(|f| f.start);

        // Evidence, label, score.
        let w = &settings.weights;
        let noisy_or =
            |ws: &mut dyn Iterator<Item = f64>| 1.0 - ws.fold(1.0, |acc, x| acc * (1.0 - x));
        let offer_evidence = noisy_or(
            &mut red_flags
                .iter()
                .filter(|f| counts(f.quoted))
                .map(|f| w.of(f.strength))
                .chain(
                    cues.iter()
                        .filter(|c| c.kind == CueKind::Offer && counts(c.quoted))
                        .map(|c| w.of(c.strength)),
                ),
        );
        let report_evidence = noisy_or(
            &mut cues
                .iter()
                .filter(|c| c.kind == CueKind::Report && !c.quoted)
                .map(|c| w.of(c.strength)),
        );
        let certain_watched = watched.iter().any(|s| s.certainty == "certain");
        let uncertain = watched.iter().any(|s| s.certainty == "uncertain");
        let substance_base = if certain_watched || !drug_hits.is_empty() {
            w.listed
        } else if !analogue_hits.is_empty() {
            w.analogue
        } else if uncertain {
            w.uncertain
        } else if !substances.is_empty() {
            w.bulk
        } else {
            0.0
        };
        let controlled =
            certain_watched || uncertain || !analogue_hits.is_empty() || !drug_hits.is_empty();
        let lr = &settings.label;
        let label = if !controlled {
            Label::Benign
        } else if offer_evidence >= lr.offer_evidence
            && offer_evidence >= report_evidence + lr.offer_margin
        {
            Label::Offer
        } else {
            Label::Mention
        };
        let mut evidence = 1.0 - (1.0 - substance_base) * (1.0 - offer_evidence);
        if substance_base == 0.0 {
            evidence *= w.no_substance_factor;
        }
        let score = evidence * (1.0 - w.report_damping * report_evidence);
        let score = (score * 1000.0).round() / 1000.0;

        let explanation = explain(
            label,
            score,
            &substances,
            &analogue_hits,
            &red_flags,
            &cues,
            &dismissed,
            &drug_hits,
            (offer_evidence, report_evidence),
            &self.registry_version,
        );
        Screening {
            label,
            score,
            substances,
            analogues: analogue_hits,
            red_flags,
            cues,
            dismissed,
            drugs: drug_hits,
            explanation,
            registry_version: self.registry_version.clone(),
            rules_version: self.rules.version.clone(),
        }
    }

    /// The answer for a text that names nothing controlled (most texts): benign, with its red flags (they
    /// still sort a queue), without the cue list and the long explanation that only a finding needs.
    fn nothing_controlled(
        &self,
        text: &[u8],
        cue_spans: FxHashMap<u32, Vec<(usize, usize)>>,
        quantity: Option<(usize, usize)>,
    ) -> Screening {
        let w = &self.rules.settings.weights;
        let (mut keep_offer, mut keep_report) = (1.0, 1.0);
        let mut red_flags = Vec::new();
        // Each cue's first span; the product in cue order, the red flags in text order (then by cue),
        // as the long path lists them: neither depends on the map's layout.
        let mut firsts: Vec<(usize, usize, u32)> = cue_spans
            .iter()
            .map(|(&ci, spans)| {
                let (s, e) = spans.iter().copied().min().unwrap_or((0, 0));
                (s, e, ci)
            })
            .collect();
        firsts.sort_unstable_by_key(|&(_, _, c)| c);
        for &(_, _, ci) in &firsts {
            let cue = &self.rules.cues[ci as usize];
            let weight = w.of(cue.strength);
            match cue.kind {
                CueKind::RedFlag | CueKind::Offer => keep_offer *= 1.0 - weight,
                CueKind::Report => keep_report *= 1.0 - weight,
            }
        }
        firsts.sort_unstable_by_key(|&(s, _, c)| (s, c));
        for (s, e, ci) in firsts {
            let cue = &self.rules.cues[ci as usize];
            if cue.kind == CueKind::RedFlag {
                let t = String::from_utf8_lossy(&text[s..e]).into_owned();
                red_flags.push(flag(cue, t, s, e, false));
            }
        }
        if let (Some(ci), Some(_)) = (self.quantity, quantity) {
            keep_offer *= 1.0 - w.of(self.rules.cues[ci as usize].strength);
        }
        let score = (1.0 - keep_offer)
            * w.no_substance_factor
            * (1.0 - w.report_damping * (1.0 - keep_report));
        let score = (score * 1000.0).round() / 1000.0;
        let mut explanation =
            format!("BENIGN (score {score:.2}). No controlled substance is named.");
        if !red_flags.is_empty() {
            explanation.push_str(" Red flags: ");
            for (i, f) in red_flags.iter().enumerate() {
                if i > 0 {
                    explanation.push_str("; ");
                }
                let _ = write!(
                    explanation,
                    "{} ({:?} [bytes {}-{}]; {})",
                    f.label, f.text, f.start, f.end, f.source
                );
            }
            explanation.push('.');
        }
        let _ = write!(explanation, " Registry {}.", self.registry_version);
        Screening {
            label: Label::Benign,
            score,
            substances: Vec::new(),
            analogues: Vec::new(),
            red_flags,
            cues: Vec::new(),
            dismissed: Vec::new(),
            drugs: Vec::new(),
            explanation,
            registry_version: self.registry_version.clone(),
            rules_version: self.rules.version.clone(),
        }
    }

    /// The first number followed by a unit (`25 kg`, `200L`, `99%`, `1公斤`) that starts in
    /// `from..to` of the original. A percentage counts only from 90 to 100 (a purity, not `54% of
    /// filings`).
    fn find_quantity(
        &self,
        n: &Normalized,
        text: &[u8],
        from: usize,
        to: usize,
    ) -> Option<(usize, usize)> {
        let b = &n.bytes;
        let mut i = 0;
        while i < b.len() {
            let mut j = next_digit(b, i)?;
            let start = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j.max(start + 1);
            let rest = &b[j.min(b.len())..];
            let Some(u) = rest.first().and_then(|&f| {
                self.units_by_first[usize::from(f)]
                    .iter()
                    .map(|&u| &self.units[u as usize])
                    .find(|u| rest.starts_with(u))
            }) else {
                continue;
            };
            let end = j + u.len();
            if !n.at_edges(j, end) {
                continue;
            }
            let (s, e) = n.span(start, end, text);
            if s < from || s >= to {
                continue;
            }
            if u.as_slice() == b"%" {
                let number = number_start(text, n.origin(j));
                let value = std::str::from_utf8(&text[number..n.origin(j)])
                    .ok()
                    .and_then(|v| {
                        let v = v.trim();
                        if v.contains(',') {
                            v.replace(',', ".").parse::<f64>().ok()
                        } else {
                            v.parse::<f64>().ok()
                        }
                    });
                if !value.is_some_and(|v| (90.0..=100.0).contains(&v)) {
                    continue;
                }
                return Some((number, e));
            }
            return Some((number_start(text, n.origin(j)).min(s), e));
        }
        None
    }

    /// Tokens that look like SMILES (ASCII, SMILES characters only, with a branch, bond or bracket) are
    /// parsed and classified: a listed structure is a substance, a class match or close resemblance an
    /// analogue. Only tokens around `(`, `=` or `[` are looked at, so ordinary text costs one scan.
    fn smiles_tokens(
        &self,
        text: &[u8],
        c: &Classifier,
        substances: &mut Vec<SubstanceHit>,
        analogues: &mut Vec<AnalogueHit>,
    ) {
        for (s, e) in smiles_candidates(text) {
            let Ok(smiles) = std::str::from_utf8(&text[s..e]) else {
                continue;
            };
            let Ok(cl) = c.classify(smiles, self.as_of) else {
                continue;
            };

            if !cl.listed.is_empty() {
                for id in &cl.listed {
                    let name = self
                        .subs
                        .iter()
                        .find(|x| &x.id == id)
                        .map_or(id.clone(), |x| x.name.clone());
                    substances.push(SubstanceHit {
                        id: id.clone(),
                        name: name.clone(),
                        matched_by: "smiles".into(),
                        text: smiles.into(),
                        start: s,
                        end: e,
                        certainty: "certain".into(),
                        tier: if self.subs.iter().any(|x| &x.id == id && x.bulk) {
                            "bulk".into()
                        } else {
                            "watched".into()
                        },
                        reason: format!(
                            "the SMILES {smiles:?} is {name} (standard InChIKey {})",
                            cl.inchikey
                        ),
                    });
                }
            } else if !cl.class_matches.is_empty() || !cl.analogue_warnings.is_empty() {
                let rules: Vec<String> = cl
                    .class_matches
                    .iter()
                    .map(|m| format!("{}:{}", m.jurisdiction, m.rule))
                    .collect();
                let resembles: Vec<Resemblance> = cl
                    .analogue_warnings
                    .iter()
                    .map(|w| Resemblance {
                        substance: w.substance.clone(),
                        similarity: w.similarity,
                    })
                    .collect();
                let reason = if rules.is_empty() {
                    format!(
                        "the SMILES {smiles:?} is not listed but resembles {}",
                        resembles
                            .iter()
                            .map(|r| format!("{} ({:.2})", r.substance, r.similarity))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    format!(
                        "the SMILES {smiles:?} is not listed but falls under {}",
                        rules.join(", ")
                    )
                };
                analogues.push(AnalogueHit {
                    text: smiles.into(),
                    start: s,
                    end: e,
                    matched_by: "smiles".into(),
                    rules,
                    resembles,
                    reason,
                });
            }
        }
    }
}

/// Whether the word `CAS` (any case, then optional spaces, `:`, `#`, `No.`) comes right before `at`.
fn preceded_by_cas(text: &[u8], at: usize) -> bool {
    let head = &text[at.saturating_sub(12)..at];
    let trimmed: Vec<u8> = head
        .iter()
        .rev()
        .skip_while(|b| matches!(b, b' ' | b':' | b'#' | b'.' | b'-'))
        .copied()
        .collect();
    let t: Vec<u8> = trimmed.iter().rev().map(u8::to_ascii_lowercase).collect();
    t.ends_with(b"cas") || t.ends_with(b"casno") || t.ends_with(b"cas no")
}

/// Index of the first ASCII digit of `b` at or after `from`. Eight bytes at a time: with the top bits
/// cleared, adding `0x80 - b'0'` to a byte sets its top bit when it is at least `0`, adding
/// `0x80 - b'9' - 1` when it is above `9`, and no byte carries into the next; bytes whose own top bit
/// is set (UTF-8 beyond ASCII) are no digits.
fn next_digit(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(w) = b.get(i..i + 8) {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        let y = x & !HIGH;
        let ge = y.wrapping_add(u64::from(0x80 - b'0') * ONES);
        let gt = y.wrapping_add(u64::from(0x80 - b'9' - 1) * ONES);
        let digits = ge & !gt & !x & HIGH;
        if digits != 0 {
            return Some(i + digits.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    b.get(i..)?
        .iter()
        .position(u8::is_ascii_digit)
        .map(|d| i + d)
}

/// Start of the number that ends at `at` (digits, and `.` `,` or spaces between them).
fn number_start(text: &[u8], at: usize) -> usize {
    let mut i = at;
    while i > 0 && text[i - 1] == b' ' {
        i -= 1;
    }
    while i > 0 && (text[i - 1].is_ascii_digit() || matches!(text[i - 1], b'.' | b',')) {
        i -= 1;
    }
    while i < at && !text[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// Whether the name at `start..end` is glued to more of a chemical name (see `[names]` in screen.toml).
fn continues_name(text: &[u8], start: usize, end: usize, names: &rules::Names) -> bool {
    // Latin: `piperidine-4-carboxylate`, `piperidine-based`.
    if text.get(end) == Some(&b'-') && text.get(end + 1).is_some_and(u8::is_ascii_alphanumeric) {
        return true;
    }
    let after = char_after(text, end);
    let name = std::str::from_utf8(&text[start..end]).ok();
    let last = name.and_then(|s| s.chars().next_back());
    let first = name.and_then(|s| s.chars().next());
    let cjk = |c: char| ('\u{3400}'..='\u{9fff}').contains(&c);
    if let (Some(l), Some(a)) = (last, after)
        && cjk(l)
        && names.cjk_suffixes.contains(a)
    {
        return true;
    }
    first.is_some_and(cjk)
        && char_before(text, start).is_some_and(|b| names.cjk_prefixes.contains(b))
}

/// Byte ranges between quotation marks: `"…"`, `“…”`, `«…»`, `「…」`, `『…』`, and `'…'` opened after a space or
/// colon. Unclosed quotes are ignored.
fn quoted_ranges(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize)> = None;
    let mut prev = ' ';
    // Chunk by chunk, so offsets stay those of the original bytes even when some are not UTF-8.
    for chunk in text.utf8_chunks() {
        let base = chunk.valid().as_ptr() as usize - text.as_ptr() as usize;
        for (i, c) in chunk.valid().char_indices() {
            let at = base + i;
            match open {
                Some((close, from)) if c == close => {
                    out.push((from, at + c.len_utf8()));
                    open = None;
                }
                Some(_) => {}
                None => {
                    let close = match c {
                        '"' => Some('"'),
                        '“' => Some('”'),
                        '«' => Some('»'),
                        '「' => Some('」'),
                        '『' => Some('』'),
                        '\'' if prev.is_whitespace() || prev == ':' => Some('\''),
                        _ => None,
                    };
                    if let Some(cl) = close {
                        open = Some((cl, at));
                    }
                }
            }
            prev = c;
        }
        if !chunk.invalid().is_empty() {
            prev = char::REPLACEMENT_CHARACTER;
        }
    }
    out
}

/// The character that starts at byte `at`, if the bytes there are UTF-8.
fn char_after(text: &[u8], at: usize) -> Option<char> {
    let window = text.get(at..text.len().min(at + 4))?;
    window.utf8_chunks().next()?.valid().chars().next()
}

/// The character that ends at byte `at`, if the bytes there are UTF-8.
fn char_before(text: &[u8], at: usize) -> Option<char> {
    let window = text.get(at.saturating_sub(4)..at)?;
    let last = window.utf8_chunks().last()?;
    if last.invalid().is_empty() {
        last.valid().chars().next_back()
    } else {
        None
    }
}

/// Spans of tokens that look like SMILES: ASCII, SMILES characters only, 6 to 500 bytes, around a `(`,
/// `=` or `[`, with at least four C/N/O atoms and a ring digit or double bond.
fn smiles_candidates(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut last_end = 0;
    while let Some(p) = memchr::memchr3(b'(', b'=', b'[', &text[at..]) {
        let p = at + p;
        let mut s = p;
        while s > last_end && is_smiles_byte(text[s - 1]) {
            s -= 1;
        }
        let mut e = p;
        while e < text.len() && is_smiles_byte(text[e]) {
            e += 1;
        }
        at = e.max(p + 1);
        // Trailing sentence punctuation is not part of the token.
        while e > s && matches!(text[e - 1], b'.' | b',') {
            e -= 1;
        }
        if e <= last_end || e - s < 6 || e - s > 500 {
            continue;
        }
        last_end = e;
        let tok = &text[s..e];
        let letters = tok
            .iter()
            .filter(|b| matches!(b, b'C' | b'c' | b'N' | b'n' | b'O' | b'o'))
            .count();
        if letters < 4 || !tok.iter().any(u8::is_ascii_digit) && !tok.contains(&b'=') {
            continue;
        }
        out.push((s, e));
    }
    out
}

fn is_smiles_byte(b: u8) -> bool {
    SMILES_BYTE[usize::from(b)]
}

/// [`is_smiles_byte`] by byte: ASCII letters and digits and `()[]=#@+-/\%.:*`.
const SMILES_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric();
        i += 1;
    }
    let symbols = b"()[]=#@+-/\\%.:*";
    let mut j = 0;
    while j < symbols.len() {
        t[symbols[j] as usize] = true;
        j += 1;
    }
    t
};

/// Append ` [bytes S-E]`.
fn push_bytes(out: &mut String, start: usize, end: usize) {
    let mut num = itoa::Buffer::new();
    out.push_str(" [bytes ");
    out.push_str(num.format(start));
    out.push('-');
    out.push_str(num.format(end));
    out.push(']');
}

/// Append the opening of a finding in an explanation: `LABEL ("TEXT" [bytes S-E]`, and `, quoted` when
/// the text was inside quotation marks; the caller closes it.
fn push_finding(
    out: &mut String,
    label: &str,
    text: &str,
    (start, end): (usize, usize),
    quoted: bool,
) {
    out.push_str(label);
    out.push_str(" (");
    push_debug(out, text);
    push_bytes(out, start, end);
    if quoted {
        out.push_str(", quoted");
    }
}

/// Append `format!("{s:?}")`: directly when every character of `s` is one that `{:?}` writes as it is
/// (most matched spans: printable ASCII other than `"` and the backslash, CJK ideographs, CJK
/// punctuation, full-width forms), where the debug form is the text in quotes.
fn push_debug(out: &mut String, s: &str) {
    if s.chars().all(debug_as_is) {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        let _ = write!(out, "{s:?}");
    }
}

/// Characters that `{:?}` of a string writes as they are, wherever they stand (the tests check every
/// one of them), chosen as those common in listings: the Unicode tables behind `{:?}` cost more than
/// the rest of an explanation.
fn debug_as_is(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{3001}'..='\u{3029}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff01}'..='\u{ff5e}')
        && c != '"'
        && c != '\\'
}

/// Append `format!("{score:.2}")` for a score rounded to thousandths (as every score is), from a table
/// of the thousand and one texts made by `format!` itself, so the rounding is the same.
fn push_score(out: &mut String, score: f64) {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        (0..=1000)
            .map(|k| format!("{:.2}", k as f64 / 1000.0))
            .collect()
    });
    match thousandths(score).and_then(|k| texts.get(k)) {
        Some(t) => out.push_str(t),
        None => {
            let _ = write!(out, "{score:.2}");
        }
    }
}

/// Append the JSON of a score (`serde_json`'s bytes), from a table like [`push_score`]'s.
fn write_score_json(out: &mut Vec<u8>, score: f64) {
    static TEXTS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        (0..=1000)
            .map(|k| serde_json::to_vec(&(k as f64 / 1000.0)).unwrap_or_default())
            .collect()
    });
    match thousandths(score).and_then(|k| texts.get(k)) {
        Some(t) if !t.is_empty() => out.extend_from_slice(t),
        _ => {
            // Writing into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, &score);
        }
    }
}

/// `k` when `score` is exactly `k / 1000.0` for `k` in `0..=1000` (every score is rounded so), positive.
fn thousandths(score: f64) -> Option<usize> {
    let k = (score * 1000.0).round();
    ((0.0..=1000.0).contains(&k) && k / 1000.0 == score && score.is_sign_positive())
        .then_some(k as usize)
}

fn flag(cue: &Cue, text: String, start: usize, end: usize, quoted: bool) -> FlagHit {
    FlagHit {
        id: cue.id.clone(),
        label: cue.label.clone(),
        text,
        start,
        end,
        source: cue.cite.clone(),
        strength: cue.strength,
        quoted,
    }
}

fn quote_list(xs: &[String]) -> String {
    let mut uniq: Vec<&String> = Vec::new();
    for x in xs {
        if !uniq.iter().any(|u| u.eq_ignore_ascii_case(x)) {
            uniq.push(x);
        }
    }
    uniq.iter()
        .map(|x| format!("{x:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[allow(clippy::too_many_arguments)]
fn explain(
    label: Label,
    score: f64,
    substances: &[SubstanceHit],
    analogues: &[AnalogueHit],
    flags: &[FlagHit],
    cues: &[CueHit],
    dismissed: &[Dismissed],
    drugs: &[DrugHit],
    (offer, report): (f64, f64),
    registry_version: &str,
) -> String {
    // Written piece by piece (see `push_debug`, `push_score`): the words are those `format!` gave.
    let mut out = label.as_str().to_uppercase();
    out.push_str(" (score ");
    push_score(&mut out, score);
    out.push_str("). ");
    if !drugs.is_empty() {
        out.push_str("Controlled drugs named: ");
        for (i, d) in drugs.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            push_debug(&mut out, &d.text);
            push_bytes(&mut out, d.start, d.end);
        }
        out.push_str(". ");
    }
    let watched = substances.iter().filter(|s| s.tier == "watched");
    if watched.clone().next().is_none() && analogues.is_empty() {
        out.push_str("No controlled precursor is named");
    } else {
        out.push_str("Substances: ");
        let parts = watched
            .map(|s| (&s.reason, s.start, s.end))
            .chain(analogues.iter().map(|a| (&a.reason, a.start, a.end)));
        for (i, (reason, s, e)) in parts.enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            out.push_str(reason);
            push_bytes(&mut out, s, e);
        }
    }
    out.push_str(". ");
    let mut bulk = substances.iter().filter(|s| s.tier == "bulk").peekable();
    if bulk.peek().is_some() {
        out.push_str("Also named, not scored: ");
        for (i, s) in bulk.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&s.name);
            out.push_str(" (");
            push_debug(&mut out, &s.text);
            push_bytes(&mut out, s.start, s.end);
            out.push(')');
        }
        out.push_str(". ");
    }
    for d in dismissed {
        push_debug(&mut out, &d.text);
        push_bytes(&mut out, d.start, d.end);
        out.push(' ');
        out.push_str(&d.reason);
        out.push_str(". ");
    }
    if !flags.is_empty() {
        out.push_str("Red flags: ");
        for (i, f) in flags.iter().enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            push_finding(&mut out, &f.label, &f.text, (f.start, f.end), f.quoted);
            out.push_str("; ");
            out.push_str(&f.source);
            out.push(')');
        }
        out.push_str(". ");
    }
    for (kind, title) in [
        (CueKind::Offer, "Offer cues"),
        (CueKind::Report, "Reporting cues"),
    ] {
        let mut list = cues.iter().filter(|c| c.kind == kind).peekable();
        if list.peek().is_none() {
            continue;
        }
        out.push_str(title);
        out.push_str(": ");
        for (i, c) in list.enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            push_finding(&mut out, &c.label, &c.text, (c.start, c.end), c.quoted);
            out.push(')');
        }
        out.push_str(". ");
    }
    out.push_str("Offer evidence ");
    push_score(&mut out, offer);
    out.push_str(" against reporting evidence ");
    push_score(&mut out, report);
    out.push_str(". Registry ");
    out.push_str(registry_version);
    out.push('.');
    out
}

/// Common misspellings of a normalised name (only names of 8 or more bytes), alone and combined: `…yl`
/// → `…il` (`fentanil`), a dropped final `e` (`piperidon`), `ph` → `f` (`fenethyl`).
fn variants(key: &str) -> Vec<String> {
    if key.len() < 8 || !key.is_ascii() {
        return Vec::new();
    }
    let transforms: [fn(&str) -> Option<String>; 3] = [
        |k| k.strip_suffix("yl").map(|stem| format!("{stem}il")),
        |k| k.strip_suffix('e').map(str::to_string),
        |k| k.contains("ph").then(|| k.replace("ph", "f")),
    ];
    let mut out = vec![key.to_string()];
    for t in transforms {
        let more: Vec<String> = out.iter().filter_map(|k| t(k)).collect();
        out.extend(more);
    }
    out.retain(|v| v != key);
    out.sort();
    out.dedup();
    out
}

/// The names in a class-rule example's `name`: the text before a parenthesis and the parenthesised one.
fn example_names(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    match name.split_once(" (") {
        Some((head, rest)) => {
            out.push(head.trim());
            if let Some(inner) = rest.strip_suffix(')') {
                out.push(inner.trim());
            }
        }
        None => out.push(name.trim()),
    }
    out.retain(|n| !n.is_empty());
    out
}

/// The largest char boundary ≤ `i` (an invalid byte counts as its own character).
fn char_floor(text: &[u8], mut i: usize) -> usize {
    let mut steps = 0;
    while i > 0 && i < text.len() && (text[i] & 0xc0) == 0x80 && steps < 3 {
        i -= 1;
        steps += 1;
    }
    i
}

/// The smallest char boundary ≥ `i`.
fn char_ceil(text: &[u8], mut i: usize) -> usize {
    let mut steps = 0;
    while i < text.len() && (text[i] & 0xc0) == 0x80 && steps < 4 {
        i += 1;
        steps += 1;
    }
    i
}

/// The JSON of a small value (the fixed parts of the output).
fn json<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

#[cfg(test)]
mod tests;
