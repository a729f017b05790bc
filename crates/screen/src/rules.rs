//! The screening rules as data: cue phrases and red flags (`cues.toml`), abbreviation context
//! (`context.toml`) and settings (`screen.toml`), all under `data/screen/`.
//!
//! Every file is read with unknown keys rejected, and [`Rules::check`] reports each problem with its file
//! and record, the way the registry's validation does: a rule that cannot be explained must not load.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

static EMBEDDED: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../data/screen");

/// A problem in the rule files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {record}: {message}")]
pub struct RuleError {
    /// File name.
    pub file: String,
    /// Record (cue or term id), or `-` for the whole file.
    pub record: String,
    /// What is wrong.
    pub message: String,
}

/// What a cue is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CueKind {
    /// A red flag from a public advisory (with its source).
    RedFlag,
    /// Commercial vocabulary: price, stock, MOQ, contact.
    Offer,
    /// Reporting vocabulary: news, regulation, research, a buyer's question.
    Report,
}

/// How much a cue weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Strong.
    Strong,
    /// Moderate.
    Moderate,
    /// Weak.
    Weak,
}

/// One cue or red flag (`cues.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cue {
    /// Identifier, kebab-case.
    pub id: String,
    /// Red flag, offer or report cue.
    pub kind: CueKind,
    /// Short English reason, used in explanations.
    pub label: String,
    /// Weight class.
    pub strength: Strength,
    /// Short citation shown with every finding (required for red flags).
    #[serde(default)]
    pub cite: String,
    /// Where the red flag comes from, in full (required for red flags).
    #[serde(default)]
    pub source: String,
    /// Address of the source.
    #[serde(default)]
    pub url: Option<String>,
    /// Set for flags the engine computes rather than matches: `cas-only`, `mixed-catalogue`.
    #[serde(default)]
    pub computed: Option<String>,
    /// English phrases.
    #[serde(default)]
    pub en: Vec<String>,
    /// Spanish phrases.
    #[serde(default)]
    pub es: Vec<String>,
    /// Chinese phrases.
    #[serde(default)]
    pub zh: Vec<String>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

impl Cue {
    /// All phrases with their language.
    pub fn phrases(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let en = self.en.iter().map(|p| ("en", p.as_str()));
        let es = self.es.iter().map(|p| ("es", p.as_str()));
        let zh = self.zh.iter().map(|p| ("zh", p.as_str()));
        en.chain(es).chain(zh)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CueFile {
    #[serde(default)]
    cue: Vec<Cue>,
}

/// An abbreviation that also names something uncontrolled (`context.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// The abbreviation as the registry writes it.
    pub text: String,
    /// Registry id of the controlled meaning.
    pub substance: String,
    /// What else it names.
    pub other_meaning: String,
    /// Nearby words pointing at the controlled meaning.
    #[serde(default)]
    pub controlled: Vec<String>,
    /// Nearby words pointing at the other meaning.
    #[serde(default)]
    pub other: Vec<String>,
    /// Where the other meaning is documented.
    #[serde(default)]
    pub source: Option<String>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextFile {
    #[serde(default)]
    term: Vec<Term>,
}

/// `[bulk]` in `screen.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bulk {
    /// Registry ids.
    pub substances: Vec<String>,
    /// Why they are weak evidence.
    pub reason: String,
}

/// `[drugs]` in `screen.toml`: controlled drugs whose presence beside precursors makes a mixed catalogue.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drugs {
    /// English.
    #[serde(default)]
    pub en: Vec<String>,
    /// Spanish.
    #[serde(default)]
    pub es: Vec<String>,
    /// Chinese.
    #[serde(default)]
    pub zh: Vec<String>,
}

/// `[weights]` in `screen.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// Strong cue.
    pub strong: f64,
    /// Moderate cue.
    pub moderate: f64,
    /// Weak cue.
    pub weak: f64,
    /// Listed substance, certain.
    pub listed: f64,
    /// Class-rule analogue.
    pub analogue: f64,
    /// Ambiguous abbreviation not settled by context.
    pub uncertain: f64,
    /// Bulk substance.
    pub bulk: f64,
    /// Factor on the evidence when no substance is found.
    pub no_substance_factor: f64,
    /// How much reporting cues pull the score down.
    pub report_damping: f64,
}

impl Weights {
    /// The weight of a strength.
    pub fn of(&self, s: Strength) -> f64 {
        match s {
            Strength::Strong => self.strong,
            Strength::Moderate => self.moderate,
            Strength::Weak => self.weak,
        }
    }
}

/// `[label]` in `screen.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    /// Offer evidence needed for `offer`.
    pub offer_evidence: f64,
    /// Margin of offer over reporting evidence.
    pub offer_margin: f64,
    /// Bytes either side of an ambiguous abbreviation in which context counts.
    pub context_window: usize,
}

/// `[quantity]` in `screen.toml`: units that make a number a quantity, pack size or purity.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    /// Units (any language), matched right after a number.
    pub units: Vec<String>,
}

/// `[names]` in `screen.toml`: when a name is part of a longer chemical name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Chinese characters that continue a name after it (`哌啶酮`, `哌啶衍生物`).
    #[serde(default)]
    pub cjk_suffixes: String,
    /// Chinese characters that make a name a substituent of something else before it (`羟基哌啶`).
    #[serde(default)]
    pub cjk_prefixes: String,
}

/// `screen.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Bulk substances.
    pub bulk: Bulk,
    /// Drug names.
    #[serde(default)]
    pub drugs: Drugs,
    /// Weights.
    pub weights: Weights,
    /// Label thresholds.
    pub label: LabelRule,
    /// Quantity units.
    #[serde(default)]
    pub quantity: Quantity,
    /// Name continuation.
    #[serde(default)]
    pub names: Names,
}

/// All screening rules.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Cues and red flags.
    pub cues: Vec<Cue>,
    /// Ambiguous abbreviations.
    pub terms: Vec<Term>,
    /// Settings.
    pub settings: Settings,
    /// Content hash of the three files (`sha256:<16 hex>`), reported with every answer.
    pub version: String,
}

impl Rules {
    /// The rules compiled into the binary from `data/screen/`.
    pub fn embedded() -> Result<Rules, Vec<RuleError>> {
        let get = |name: &str| -> Result<&'static str, Vec<RuleError>> {
            EMBEDDED
                .get_file(name)
                .and_then(|f| f.contents_utf8())
                .ok_or_else(|| {
                    vec![RuleError {
                        file: name.into(),
                        record: "-".into(),
                        message: "missing from data/screen".into(),
                    }]
                })
        };
        Rules::from_strs(get("cues.toml")?, get("context.toml")?, get("screen.toml")?)
    }

    /// Rules from the texts of `cues.toml`, `context.toml` and `screen.toml`.
    pub fn from_strs(cues: &str, context: &str, settings: &str) -> Result<Rules, Vec<RuleError>> {
        let whole = |file: &str, e: toml::de::Error| RuleError {
            file: file.into(),
            record: "-".into(),
            message: e.to_string(),
        };
        let mut errors = Vec::new();
        let cue_file: Option<CueFile> = toml::from_str(cues)
            .map_err(|e| errors.push(whole("cues.toml", e)))
            .ok();
        let context_file: Option<ContextFile> = toml::from_str(context)
            .map_err(|e| errors.push(whole("context.toml", e)))
            .ok();
        let settings_v: Option<Settings> = toml::from_str(settings)
            .map_err(|e| errors.push(whole("screen.toml", e)))
            .ok();
        let (Some(c), Some(t), Some(s)) = (cue_file, context_file, settings_v) else {
            return Err(errors);
        };
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for part in [cues, context, settings] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let digest = h.finalize();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let rules = Rules {
            cues: c.cue,
            terms: t.term,
            settings: s,
            version: format!("sha256:{hex}"),
        };
        let problems = rules.check();
        if problems.is_empty() {
            Ok(rules)
        } else {
            Err(problems)
        }
    }

    /// Everything wrong with the rules that the types cannot say (registry ids are checked when a
    /// [`crate::Screener`] is built against a registry).
    pub fn check(&self) -> Vec<RuleError> {
        let mut out = Vec::new();
        let mut err = |file: &str, record: &str, message: String| {
            out.push(RuleError {
                file: file.into(),
                record: record.into(),
                message,
            })
        };
        let mut ids = HashSet::new();
        for c in &self.cues {
            if !ids.insert(c.id.as_str()) {
                err("cues.toml", &c.id, "duplicate id".into());
            }
            if c.id.is_empty()
                || !c
                    .id
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
            {
                err("cues.toml", &c.id, "id must be kebab-case ASCII".into());
            }
            if c.kind == CueKind::RedFlag && c.cite.trim().is_empty() {
                err(
                    "cues.toml",
                    &c.id,
                    "a red flag needs a `cite` (a short citation shown with every finding)".into(),
                );
            }
            if c.kind == CueKind::RedFlag && c.source.trim().is_empty() {
                err(
                    "cues.toml",
                    &c.id,
                    "a red flag needs a `source` (the advisory that names it)".into(),
                );
            }
            match c.computed.as_deref() {
                None | Some("") => {
                    if c.phrases().next().is_none() {
                        err("cues.toml", &c.id, "no phrases and not computed".into());
                    }
                }
                Some("cas-only" | "mixed-catalogue" | "quantity") => {}
                Some(other) => err(
                    "cues.toml",
                    &c.id,
                    format!("unknown computed cue {other:?} (cas-only, mixed-catalogue, quantity)"),
                ),
            }
            for (lang, p) in c.phrases() {
                if crate::Normalized::pattern(p).is_empty() {
                    err(
                        "cues.toml",
                        &c.id,
                        format!("{lang} phrase {p:?} is empty after normalisation"),
                    );
                }
            }
        }
        for t in &self.terms {
            if t.controlled.is_empty() && t.other.is_empty() {
                err("context.toml", &t.text, "no context words".into());
            }
            for w in t.controlled.iter().chain(&t.other) {
                if crate::Normalized::pattern(w).is_empty() {
                    err(
                        "context.toml",
                        &t.text,
                        format!("word {w:?} is empty after normalisation"),
                    );
                }
            }
        }
        let w = &self.settings.weights;
        for (name, v) in [
            ("strong", w.strong),
            ("moderate", w.moderate),
            ("weak", w.weak),
            ("listed", w.listed),
            ("analogue", w.analogue),
            ("uncertain", w.uncertain),
            ("bulk", w.bulk),
            ("no_substance_factor", w.no_substance_factor),
            ("report_damping", w.report_damping),
        ] {
            if !(0.0..1.0).contains(&v) {
                err(
                    "screen.toml",
                    "weights",
                    format!("{name} = {v}: weights must be in [0, 1) so the score never saturates"),
                );
            }
        }
        out
    }
}
