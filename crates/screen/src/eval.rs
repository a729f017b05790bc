//! Evaluation against a labelled set: precision, recall and F1 per label, the confusion matrix, substance
//! recall, and every error with its text and the screener's explanation.
//!
//! The set is JSONL, one record per line: `{"id", "text", "label": "offer|mention|benign",
//! "substances": [registry ids], ...}`; other fields (provenance, notes) are carried into the error list.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Label, Screener};

/// One labelled record.
#[derive(Debug, Clone, Deserialize)]
pub struct Example {
    /// Identifier.
    pub id: String,
    /// The text.
    pub text: String,
    /// Expected label.
    pub label: String,
    /// Expected registry ids.
    #[serde(default)]
    pub substances: Vec<String>,
    /// Why, when not obvious.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Reading the set failed.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SetError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parse a labelled set.
pub fn parse_set(text: &str) -> Result<Vec<Example>, SetError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let ex: Example = serde_json::from_str(line).map_err(|e| SetError {
            line: i + 1,
            message: e.to_string(),
        })?;
        if Label::parse(&ex.label).is_none() {
            return Err(SetError {
                line: i + 1,
                message: format!("label {:?} is not offer, mention or benign", ex.label),
            });
        }
        out.push(ex);
    }
    Ok(out)
}

/// Precision, recall, F1 and support of one label.
#[derive(Debug, Clone, Serialize)]
pub struct LabelScore {
    /// Label.
    pub label: Label,
    /// Of those predicted with this label, the share that have it.
    pub precision: f64,
    /// Of those that have it, the share predicted.
    pub recall: f64,
    /// Harmonic mean.
    pub f1: f64,
    /// Number of records with this label.
    pub support: usize,
}

/// A record the screener got wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// Record id.
    pub id: String,
    /// Expected label.
    pub expected: Label,
    /// Predicted label.
    pub predicted: Label,
    /// Expected substances not found (certain or uncertain).
    pub missing_substances: Vec<String>,
    /// Substances found that were not expected.
    pub extra_substances: Vec<String>,
    /// The text.
    pub text: String,
    /// The screener's explanation.
    pub explanation: String,
}

/// The evaluation report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Records evaluated.
    pub records: usize,
    /// Share labelled correctly.
    pub accuracy: f64,
    /// Per label.
    pub labels: Vec<LabelScore>,
    /// `confusion[expected][predicted]` = count.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
    /// Benign records labelled offer (the acceptance criterion wants none).
    pub benign_as_offer: usize,
    /// Expected substances found, over all expected substances.
    pub substance_recall: f64,
    /// Found watched substances that were expected, over all found.
    pub substance_precision: f64,
    /// Records labelled wrongly, or with a substance missing or extra.
    pub errors: Vec<Miss>,
    /// Registry version.
    pub registry_version: String,
    /// Rules version.
    pub rules_version: String,
}

/// Screen every example and compare.
pub fn evaluate(screener: &Screener, set: &[Example]) -> Report {
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for e in Label::ALL {
        let row = confusion.entry(e.as_str().into()).or_default();
        for p in Label::ALL {
            row.insert(p.as_str().into(), 0);
        }
    }
    let (mut correct, mut benign_as_offer) = (0, 0);
    let (mut exp_total, mut exp_found, mut found_total, mut found_ok) = (0, 0, 0, 0);
    let mut errors = Vec::new();
    let mut registry_version = String::new();
    let mut rules_version = String::new();
    for ex in set {
        let expected = Label::parse(&ex.label).unwrap_or(Label::Benign);
        let s = screener.screen(ex.text.as_bytes());
        registry_version.clone_from(&s.registry_version);
        rules_version.clone_from(&s.rules_version);
        *confusion
            .entry(expected.as_str().into())
            .or_default()
            .entry(s.label.as_str().into())
            .or_default() += 1;
        if s.label == expected {
            correct += 1;
        }
        if expected == Label::Benign && s.label == Label::Offer {
            benign_as_offer += 1;
        }
        let mut found: Vec<String> = s
            .substances
            .iter()
            .filter(|h| h.tier == "watched")
            .map(|h| h.id.clone())
            .collect();
        found.sort();
        found.dedup();
        let missing: Vec<String> = ex
            .substances
            .iter()
            .filter(|id| !found.contains(id))
            .cloned()
            .collect();
        let extra: Vec<String> = found
            .iter()
            .filter(|id| !ex.substances.contains(id))
            .cloned()
            .collect();
        exp_total += ex.substances.len();
        exp_found += ex.substances.len() - missing.len();
        found_total += found.len();
        found_ok += found.len() - extra.len();
        if s.label != expected || !missing.is_empty() || !extra.is_empty() {
            errors.push(Miss {
                id: ex.id.clone(),
                expected,
                predicted: s.label,
                missing_substances: missing,
                extra_substances: extra,
                text: ex.text.clone(),
                explanation: s.explanation,
            });
        }
    }
    let count = |e: Label, p: Label| confusion[e.as_str()][p.as_str()];
    let labels = Label::ALL
        .iter()
        .map(|&l| {
            let tp = count(l, l) as f64;
            let predicted: usize = Label::ALL.iter().map(|&e| count(e, l)).sum();
            let support: usize = Label::ALL.iter().map(|&p| count(l, p)).sum();
            let precision = ratio(tp, predicted as f64);
            let recall = ratio(tp, support as f64);
            let f1 = ratio(2.0 * precision * recall, precision + recall);
            LabelScore {
                label: l,
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect();
    Report {
        records: set.len(),
        accuracy: ratio(correct as f64, set.len() as f64),
        labels,
        confusion,
        benign_as_offer,
        substance_recall: ratio(exp_found as f64, exp_total as f64),
        substance_precision: ratio(found_ok as f64, found_total as f64),
        errors,
        registry_version,
        rules_version,
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

impl Report {
    /// The report as text.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "{} records, accuracy {:.3}; registry {}, rules {}\n",
            self.records, self.accuracy, self.registry_version, self.rules_version
        );
        let _ = writeln!(o, "label     precision  recall     F1  support");
        for l in &self.labels {
            let _ = writeln!(
                o,
                "{:<8}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}",
                l.label.as_str(),
                l.precision,
                l.recall,
                l.f1,
                l.support
            );
        }
        let _ = writeln!(o, "\nconfusion (rows expected, columns predicted)");
        let _ = writeln!(o, "{:<9}{:>8}{:>8}{:>8}", "", "offer", "mention", "benign");
        for e in Label::ALL {
            let row = &self.confusion[e.as_str()];
            let _ = writeln!(
                o,
                "{:<9}{:>8}{:>8}{:>8}",
                e.as_str(),
                row["offer"],
                row["mention"],
                row["benign"]
            );
        }
        let _ = writeln!(
            o,
            "\nbenign labelled offer: {}; substances: recall {:.3}, precision {:.3}",
            self.benign_as_offer, self.substance_recall, self.substance_precision
        );
        if !self.errors.is_empty() {
            let _ = writeln!(o, "\n{} error(s):", self.errors.len());
            for m in &self.errors {
                let _ = writeln!(
                    o,
                    "\n{}: expected {}, got {}{}{}\n  text: {}\n  why:  {}",
                    m.id,
                    m.expected.as_str(),
                    m.predicted.as_str(),
                    if m.missing_substances.is_empty() {
                        String::new()
                    } else {
                        format!("; missing {}", m.missing_substances.join(", "))
                    },
                    if m.extra_substances.is_empty() {
                        String::new()
                    } else {
                        format!("; extra {}", m.extra_substances.join(", "))
                    },
                    m.text,
                    m.explanation
                );
            }
        }
        o
    }

    /// The score of one label.
    pub fn label(&self, l: Label) -> Option<&LabelScore> {
        self.labels.iter().find(|s| s.label == l)
    }
}
