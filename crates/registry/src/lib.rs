//! The Precursor Watch registry: sourced control lists, substances and what the lists mean for trade.
//!
//! The registry is loaded once from TOML files (embedded in the binary by default, or a directory), validated
//! as a whole, and then never changes: it is shared behind an `Arc` and every answer built from it reports
//! its [`Registry::version`], a content hash of the files, so that any decision can be traced to the exact
//! data that made it.
//!
//! Validation collects *every* problem with the file, the record and the field ([`Diagnostic`]) instead of
//! stopping at the first: a reviewer fixing a data change wants the whole list at once.
//!
//! What this crate does not do: resolve free-text identifiers (`pw-resolve`), decide what a shipment needs
//! (`pw-trade`), or touch a database.

#![forbid(unsafe_code)]

mod date;
mod load;
mod model;
pub mod names;
mod quantity;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

pub use load::{Diagnostic, DiagnosticKind, LoadError, SourceFile};
pub use model::*;
pub use quantity::{Dimension, Quantity, QuantityError};

/// The registry files of this build, embedded at compile time.
static EMBEDDED: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../data/registry");

/// An immutable, validated registry.
#[derive(Debug)]
pub struct Registry {
    version: String,
    jurisdictions: BTreeMap<String, Jurisdiction>,
    substances: Vec<Substance>,
    by_id: FxHashMap<String, usize>,
    pen: Option<PenRegime>,
    classes: Vec<ClassRule>,
    countries: BTreeMap<String, Country>,
    /// (jurisdiction, list, substance) → thresholds (one per direction set) and their index in the
    /// jurisdiction's `thresholds`.
    thresholds: FxHashMap<(String, String, String), Vec<(Quantity, usize)>>,
}

impl Registry {
    /// The registry embedded in this build.
    pub fn embedded() -> Result<Registry, LoadError> {
        let mut files = Vec::new();
        collect_embedded(&EMBEDDED, &mut files);
        Registry::from_files(files)
    }

    /// Load and validate a registry directory.
    pub fn load_dir(dir: &Path) -> Result<Registry, LoadError> {
        Registry::from_files(load::read_dir(dir)?)
    }

    /// Build from in-memory files (paths relative to the registry root, `/`-separated).
    pub fn from_files(files: Vec<SourceFile>) -> Result<Registry, LoadError> {
        load::build(files)
    }

    /// Content hash of the files: `sha256:` and the first 16 hex digits.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// All substances, groups and classes, sorted by id.
    pub fn substances(&self) -> &[Substance] {
        &self.substances
    }

    /// A substance by id.
    pub fn substance(&self, id: &str) -> Option<&Substance> {
        self.by_id.get(id).map(|&i| &self.substances[i])
    }

    /// Index of a substance in [`Registry::substances`].
    pub fn substance_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// All jurisdictions by code.
    pub fn jurisdictions(&self) -> &BTreeMap<String, Jurisdiction> {
        &self.jurisdictions
    }

    /// A jurisdiction by code.
    pub fn jurisdiction(&self, code: &str) -> Option<&Jurisdiction> {
        self.jurisdictions.get(code)
    }

    /// A list by jurisdiction and id.
    pub fn list(&self, jurisdiction: &str, list: &str) -> Option<&List> {
        self.jurisdiction(jurisdiction)?
            .lists
            .iter()
            .find(|l| l.id == list)
    }

    /// The art. 12(10)(a) regime, if the registry has it.
    pub fn pen_regime(&self) -> Option<&PenRegime> {
        self.pen.as_ref()
    }

    /// Structural class rules, sorted by id.
    pub fn class_rules(&self) -> &[ClassRule] {
        &self.classes
    }

    /// ISO 3166-1 countries.
    pub fn countries(&self) -> &BTreeMap<String, Country> {
        &self.countries
    }

    /// Is `code` a known ISO 3166-1 alpha-2 code?
    pub fn is_country(&self, code: &str) -> bool {
        self.countries.contains_key(code)
    }

    /// The union (EU) whose rules a country's trade falls under on `date`, if any.
    pub fn union_of(&self, country: &str, date: NaiveDate) -> Option<&Jurisdiction> {
        self.jurisdictions.values().find(|j| {
            j.kind == JurisdictionKind::Union
                && j.members.iter().any(|m| {
                    m.country == country
                        && m.since.is_none_or(|s| s <= date)
                        && m.until.is_none_or(|u| date < u)
                })
        })
    }

    /// The threshold of `substance` on `list` in `jurisdiction` for trade in `direction`, with its record.
    /// A threshold without a `direction` applies to every direction.
    pub fn threshold(
        &self,
        jurisdiction: &str,
        list: &str,
        substance: &str,
        direction: Direction,
    ) -> Option<(Quantity, &Threshold)> {
        let all = self.thresholds.get(&(
            jurisdiction.to_string(),
            list.to_string(),
            substance.to_string(),
        ))?;
        let j = self.jurisdictions.get(jurisdiction)?;
        all.iter()
            .map(|(q, i)| (*q, &j.thresholds[*i]))
            .find(|(_, t)| t.direction.as_ref().is_none_or(|d| d.contains(&direction)))
    }

    /// Counts per jurisdiction and list, and the share of verified controls.
    pub fn stats(&self) -> Stats {
        let mut per_list: BTreeMap<(String, String), usize> = BTreeMap::new();
        let (mut controls, mut verified, mut names) = (0, 0, 0);
        for s in &self.substances {
            names += s.names.len();
            for c in &s.controls {
                *per_list
                    .entry((c.jurisdiction.clone(), c.list.clone()))
                    .or_default() += 1;
                controls += 1;
                verified += usize::from(c.verified);
            }
        }
        Stats {
            version: self.version.clone(),
            substances: self.substances.len(),
            names,
            jurisdictions: self.jurisdictions.len(),
            controls,
            verified_controls: verified,
            per_list: per_list
                .into_iter()
                .map(|((jurisdiction, list), substances)| ListCount {
                    jurisdiction,
                    list,
                    substances,
                })
                .collect(),
            pen_countries: self.pen.as_ref().map_or(0, |p| p.countries.len()),
        }
    }
}

/// Counts for `pwatch registry stats`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// Registry version.
    pub version: String,
    /// Substances, groups and classes.
    pub substances: usize,
    /// Names of all substances.
    pub names: usize,
    /// Jurisdictions.
    pub jurisdictions: usize,
    /// Controls.
    pub controls: usize,
    /// Controls marked verified.
    pub verified_controls: usize,
    /// Substances per list.
    pub per_list: Vec<ListCount>,
    /// Countries in the art. 12(10)(a) regime.
    pub pen_countries: usize,
}

/// Substances on one list.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ListCount {
    /// Jurisdiction code.
    pub jurisdiction: String,
    /// List id.
    pub list: String,
    /// How many substances.
    pub substances: usize,
}

fn collect_embedded(dir: &include_dir::Dir<'static>, out: &mut Vec<SourceFile>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            out.push(SourceFile {
                path: file.path().to_string_lossy().replace('\\', "/"),
                text: text.to_string(),
            });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}
