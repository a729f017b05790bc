//! The lookup answer as JSON (DESIGN.md §4): stable field names, extended but never renamed.

use chrono::NaiveDate;
use pw_registry::{Conditions, Measure, Registry, Substance, SubstanceKind};
use serde::Serialize;

use crate::{Match, MatchedBy, Resolution};

/// `pwatch lookup --json` and `GET /api/v1/lookup`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LookupReport {
    /// The query as given.
    pub query: String,
    /// Matches, best first.
    pub matches: Vec<MatchView>,
    /// "Did you mean" names when nothing matched.
    pub suggestions: Vec<String>,
    /// Only controls in force on this date (when given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    /// Version of the registry that answered.
    pub registry_version: String,
}

/// One matched substance with its controls.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchView {
    /// The substance.
    pub substance: SubstanceView,
    /// How the query matched.
    pub matched_by: MatchedBy,
    /// The registry text that matched.
    pub matched_text: String,
    /// The identifier also names something else.
    pub ambiguous: bool,
    /// What else it names.
    pub also_means: Vec<String>,
    /// Salt or form set aside to reach the parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// More about the match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Controls (filtered by date and jurisdiction when asked).
    pub controls: Vec<ControlView>,
}

/// A substance, briefly.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubstanceView {
    /// Stable id.
    pub id: String,
    /// Preferred name.
    pub name: String,
    /// Substance, group or class.
    pub kind: SubstanceKind,
    /// CAS RNs, parent first.
    pub cas: Vec<String>,
    /// Standard InChIKey.
    pub inchikey: Option<String>,
    /// SMILES.
    pub smiles: Option<String>,
    /// Molecular formula.
    pub formula: Option<String>,
    /// Drug families.
    pub family: Vec<String>,
}

impl SubstanceView {
    /// Build from a registry record.
    pub fn of(s: &Substance) -> SubstanceView {
        SubstanceView {
            id: s.id.clone(),
            name: s.name.clone(),
            kind: s.kind,
            cas: s.cas.iter().map(|c| c.rn.clone()).collect(),
            inchikey: s.inchikey.clone(),
            smiles: s.smiles.clone(),
            formula: s.formula.clone(),
            family: s.family.clone(),
        }
    }
}

/// One control, with what its list means.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ControlView {
    /// Jurisdiction code.
    pub jurisdiction: String,
    /// List id.
    pub list: String,
    /// List name.
    pub list_name: String,
    /// In force from (null: unknown, see notes).
    pub effective: Option<NaiveDate>,
    /// No longer in force from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// Measures the list carries.
    pub measures: Vec<Measure>,
    /// Conditions.
    pub conditions: Conditions,
    /// Legal basis.
    pub citation: String,
    /// Where it is written.
    pub source: String,
    /// Further sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Seen in a primary or close-to-primary text.
    pub verified: bool,
    /// Covered through this substance's family listing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// The controls of a substance, optionally only those in force on `as_of` and in `jurisdictions`.
pub fn controls_view(
    reg: &Registry,
    s: &Substance,
    as_of: Option<NaiveDate>,
    jurisdictions: &[String],
) -> Vec<ControlView> {
    s.controls
        .iter()
        .filter(|c| as_of.is_none_or(|d| c.in_force(d)))
        .filter(|c| {
            jurisdictions.is_empty()
                || jurisdictions
                    .iter()
                    .any(|j| j.eq_ignore_ascii_case(&c.jurisdiction))
        })
        .map(|c| {
            let list = reg.list(&c.jurisdiction, &c.list);
            let mut measures: Vec<Measure> = list
                .map(|l| l.measures.iter().map(|m| m.measure).collect())
                .unwrap_or_default();
            measures.sort();
            measures.dedup();
            ControlView {
                jurisdiction: c.jurisdiction.clone(),
                list: c.list.clone(),
                list_name: list.map(|l| l.name.clone()).unwrap_or_default(),
                effective: c.effective,
                end: c.end,
                measures,
                conditions: c.conditions.clone(),
                citation: c.citation.clone(),
                source: c.source.clone(),
                sources: c.sources.clone(),
                verified: c.verified,
                via: c.via.clone(),
                notes: c.notes.clone(),
            }
        })
        .collect()
}

impl LookupReport {
    /// Build the report of a resolution.
    pub fn new(
        reg: &Registry,
        query: &str,
        r: &Resolution,
        as_of: Option<NaiveDate>,
        jurisdictions: &[String],
    ) -> LookupReport {
        LookupReport {
            query: query.to_string(),
            matches: r
                .matches
                .iter()
                .map(|m| MatchView::new(reg, m, as_of, jurisdictions))
                .collect(),
            suggestions: r.suggestions.clone(),
            as_of,
            registry_version: reg.version().to_string(),
        }
    }
}

impl MatchView {
    fn new(
        reg: &Registry,
        m: &Match,
        as_of: Option<NaiveDate>,
        jurisdictions: &[String],
    ) -> MatchView {
        let s = &reg.substances()[m.substance];
        MatchView {
            substance: SubstanceView::of(s),
            matched_by: m.matched_by,
            matched_text: m.matched_text.clone(),
            ambiguous: m.ambiguous,
            also_means: m.also_means.clone(),
            salt: m.salt.clone(),
            note: m.note.clone(),
            controls: controls_view(reg, s, as_of, jurisdictions),
        }
    }
}
