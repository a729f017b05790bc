//! The registry's records, as read from `data/registry` (see its README for the file format).
//!
//! Field names follow the files; `#[serde(deny_unknown_fields)]` everywhere so that a misspelt key is an error
//! rather than a silently missing fact.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::date::opt_date;

/// A jurisdiction: a country, the EU, the UN Convention or the INCB.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Jurisdiction {
    /// `UN`, `INCB`, `EU` or an ISO 3166-1 alpha-2 code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// `country`, `union` or `international`.
    pub kind: JurisdictionKind,
    /// The competent authority.
    #[serde(default)]
    pub authority: Option<String>,
    /// Whether its lists bind (law) or only recommend (INCB's voluntary lists): measures of a non-binding
    /// jurisdiction become "verify" obligations, never a prohibition.
    #[serde(default = "yes")]
    pub binding: bool,
    /// For a union: the member countries and when they belonged.
    #[serde(default, rename = "member")]
    pub members: Vec<Member>,
    /// The control lists.
    #[serde(default, rename = "list")]
    pub lists: Vec<List>,
    /// Quantity thresholds per substance and list.
    #[serde(default, rename = "threshold")]
    pub thresholds: Vec<Threshold>,
    /// Regulatory acts not itemised per substance.
    #[serde(default, rename = "event")]
    pub events: Vec<Event>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// What kind of jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JurisdictionKind {
    /// A state.
    Country,
    /// A union of states trading under common rules (the EU).
    Union,
    /// A treaty body or an international list (UN, INCB).
    International,
}

/// Membership of a country in a union.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// ISO code.
    pub country: String,
    /// Member from.
    #[serde(with = "opt_date", default)]
    pub since: Option<NaiveDate>,
    /// Member until (exclusive).
    #[serde(with = "opt_date", default)]
    pub until: Option<NaiveDate>,
    /// Where this is written.
    #[serde(default)]
    pub source: Option<String>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A control list (US List I, UN Table I, EU Category 1 …).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct List {
    /// Unique within the jurisdiction.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Legal basis of the list.
    pub citation: String,
    /// Where it is written.
    pub source: String,
    /// Seen in a primary or close-to-primary text.
    #[serde(default)]
    pub verified: bool,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
    /// What being on the list means for trade.
    #[serde(default, rename = "measure")]
    pub measures: Vec<ListMeasure>,
}

/// The measure vocabulary shared by controls and trade-check obligations (DESIGN.md §3).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// Operator-level licence or registration, not tied to one shipment.
    Registration,
    /// Per-shipment export authorisation or permit.
    LicenceExport,
    /// Per-shipment import authorisation or permit.
    LicenceImport,
    /// Operator's advance declaration of an export to its own authority.
    ExportNotification,
    /// Operator's advance declaration of an import to its own authority.
    ImportNotification,
    /// Government-to-government notification before export.
    PreExportNotification,
    /// Records of transactions must be kept.
    RecordKeeping,
    /// Suspicious orders or transactions must be reported.
    SuspiciousTransactionReporting,
    /// No commercial trade.
    Prohibited,
}

impl Measure {
    /// The kebab-case name used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Registration => "registration",
            Measure::LicenceExport => "licence-export",
            Measure::LicenceImport => "licence-import",
            Measure::ExportNotification => "export-notification",
            Measure::ImportNotification => "import-notification",
            Measure::PreExportNotification => "pre-export-notification",
            Measure::RecordKeeping => "record-keeping",
            Measure::SuspiciousTransactionReporting => "suspicious-transaction-reporting",
            Measure::Prohibited => "prohibited",
        }
    }
}

/// Which trade a measure applies to, seen from the jurisdiction that imposes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Goods leave the jurisdiction.
    Export,
    /// Goods enter the jurisdiction.
    Import,
    /// Goods move inside it (domestic trade, intra-EU trade).
    Internal,
}

/// One measure a list carries.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListMeasure {
    /// What must be done.
    pub measure: Measure,
    /// For which trade.
    pub direction: Vec<Direction>,
    /// One sentence an official can read.
    pub reason: String,
    /// Legal basis.
    pub citation: String,
    /// Where it is written.
    pub source: String,
    /// Seen in a primary or close-to-primary text.
    #[serde(default)]
    pub verified: bool,
    /// How many days ahead it must be done.
    #[serde(default)]
    pub lead_time_days: Option<u32>,
    /// The substance's quantity threshold gates this measure.
    #[serde(default)]
    pub threshold_applies: bool,
    /// Applies only to exports to these countries.
    #[serde(default)]
    pub destinations: Option<Vec<String>>,
    /// Source of the destination list.
    #[serde(default)]
    pub destinations_source: Option<String>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A quantity threshold of one substance on one list.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// List id in the same jurisdiction.
    pub list: String,
    /// Substance id.
    pub substance: String,
    /// `"0 kg"` means every quantity.
    pub quantity: String,
    /// Which trade it applies to (default: export and import).
    #[serde(default)]
    pub direction: Option<Vec<Direction>>,
    /// Legal basis.
    pub citation: String,
    /// Where it is written.
    pub source: String,
    /// Seen in a primary or close-to-primary text.
    #[serde(default)]
    pub verified: bool,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A regulatory act whose substances are not (yet) itemised in the registry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Stable id.
    pub id: String,
    /// Announced.
    #[serde(with = "opt_date", default)]
    pub date: Option<NaiveDate>,
    /// In force from.
    #[serde(with = "opt_date", default)]
    pub effective: Option<NaiveDate>,
    /// Short title.
    pub title: String,
    /// What it requires.
    pub measure: Measure,
    /// For exports to these countries.
    #[serde(default)]
    pub destinations: Vec<String>,
    /// Substances on these lists may be in scope.
    #[serde(default)]
    pub lists: Vec<String>,
    /// Whether the registry knows which substances are in scope.
    #[serde(default)]
    pub itemised: bool,
    /// Substance ids in scope, when itemised.
    #[serde(default)]
    pub substances: Vec<String>,
    /// Legal basis.
    pub citation: String,
    /// Where it is written.
    pub source: String,
    /// Further sources.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Seen in a primary or close-to-primary text.
    #[serde(default)]
    pub verified: bool,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A substance, a group named by law, or a structural class.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Substance {
    /// Stable kebab-case id (= file stem).
    pub id: String,
    /// Substance, group or class.
    #[serde(default)]
    pub kind: SubstanceKind,
    /// Preferred English name (`preferred_name` in files: `name` is the `[[name]]` array).
    #[serde(rename = "preferred_name", alias = "preferred")]
    pub name: String,
    /// IUPAC name.
    #[serde(default)]
    pub iupac: Option<String>,
    /// Drug families.
    #[serde(default)]
    pub family: Vec<String>,
    /// Hill formula.
    #[serde(default)]
    pub formula: Option<String>,
    /// SMILES of the parent.
    #[serde(default)]
    pub smiles: Option<String>,
    /// Standard InChIKey of the parent.
    #[serde(default)]
    pub inchikey: Option<String>,
    /// Provenance of the structure.
    #[serde(default)]
    pub structure_source: Option<String>,
    /// EC / EINECS numbers.
    #[serde(default)]
    pub ec: Vec<String>,
    /// FDA UNII codes.
    #[serde(default)]
    pub unii: Vec<String>,
    /// Positional prefixes that are equivalent in this substance's names, e.g. `[["N-", "1-"]]`.
    #[serde(default)]
    pub prefix_equivalents: Vec<[String; 2]>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
    /// CAS RNs, parent first.
    #[serde(default, rename = "cas")]
    pub cas: Vec<CasEntry>,
    /// HS codes.
    #[serde(default, rename = "hs")]
    pub hs: Vec<HsCode>,
    /// Names.
    #[serde(default, rename = "name")]
    pub names: Vec<Name>,
    /// Controls.
    #[serde(default, rename = "control")]
    pub controls: Vec<Control>,
}

/// Substance, group or class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SubstanceKind {
    /// One compound.
    #[default]
    Substance,
    /// A family named by law (an acid, its salts and esters).
    Group,
    /// A structural class (fentanyl-related substances).
    Class,
}

/// A CAS RN of the substance or one of its forms.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CasEntry {
    /// The number as written.
    pub rn: String,
    /// `parent`, `hydrochloride`, …
    #[serde(default = "parent")]
    pub form: String,
    /// Where it is written.
    #[serde(default)]
    pub source: Option<String>,
    /// Seen in a reliable source.
    #[serde(default)]
    pub verified: bool,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

fn yes() -> bool {
    true
}

fn parent() -> String {
    "parent".to_string()
}

/// A Harmonized System code.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HsCode {
    /// `2933.37` or a national code.
    pub code: String,
    /// HS edition.
    #[serde(default)]
    pub edition: Option<String>,
    /// For national codes.
    #[serde(default)]
    pub jurisdiction: Option<String>,
    /// Where it is written.
    #[serde(default)]
    pub source: Option<String>,
    /// Seen in a reliable source.
    #[serde(default)]
    pub verified: bool,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A name of a substance.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Name {
    /// As written.
    pub text: String,
    /// What kind of name.
    #[serde(default)]
    pub kind: NameKind,
    /// BCP 47 language tag.
    #[serde(default = "en")]
    pub lang: String,
    /// Where it is written.
    #[serde(default)]
    pub source: Option<String>,
    /// The same text also names something else.
    #[serde(default)]
    pub ambiguous: bool,
    /// What else it names.
    #[serde(default)]
    pub also_means: Vec<String>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

fn en() -> String {
    "en".to_string()
}

/// What kind of name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameKind {
    /// Any other name.
    #[default]
    Synonym,
    /// An abbreviation or code name (NPP, 4-AP).
    Abbreviation,
    /// IUPAC name.
    Iupac,
    /// The name used in a legal text.
    Legal,
    /// A trade name.
    Trade,
    /// An International Nonproprietary Name.
    Inn,
    /// A CAS index name.
    CasIndex,
    /// A misspelling seen in real listings.
    Misspelling,
}

/// A substance's place on a list in a jurisdiction, in force for a period.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Jurisdiction code.
    pub jurisdiction: String,
    /// List id within it.
    pub list: String,
    /// In force from (inclusive).
    #[serde(with = "opt_date", default)]
    pub effective: Option<NaiveDate>,
    /// No longer in force from (exclusive).
    #[serde(with = "opt_date", default)]
    pub end: Option<NaiveDate>,
    /// Legal basis.
    #[serde(default)]
    pub citation: String,
    /// Where it is written.
    #[serde(default)]
    pub source: String,
    /// Further sources.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Seen in a primary or close-to-primary text.
    #[serde(default)]
    pub verified: bool,
    /// Covered as a member of this substance's family listing.
    #[serde(default)]
    pub via: Option<String>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
    /// Conditions of the control.
    #[serde(default)]
    pub conditions: Conditions,
}

impl Control {
    /// Is the control in force on `date`? A control without a known start date is treated as in force
    /// (callers report the unknown date).
    pub fn in_force(&self, date: NaiveDate) -> bool {
        in_force(self.effective, self.end, date)
    }
}

/// In force on `date`: from `effective` (inclusive; unknown counts as in force) until `end` (exclusive).
fn in_force(effective: Option<NaiveDate>, end: Option<NaiveDate>, date: NaiveDate) -> bool {
    effective.is_none_or(|e| e <= date) && end.is_none_or(|e| date < e)
}

/// Conditions attached to a control.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Applies only to exports to these countries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destinations: Option<Vec<String>>,
    /// Mixtures below this concentration are not covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_concentration_pct: Option<f64>,
}

/// The art. 12(10)(a) regime: which importing countries asked for pre-export notifications.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PenRegime {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Legal basis.
    pub citation: String,
    /// Where the list is published.
    pub source: String,
    /// Date of the list.
    #[serde(with = "opt_date", default)]
    pub as_of: Option<NaiveDate>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
    /// The countries.
    #[serde(default, rename = "country")]
    pub countries: Vec<PenCountry>,
}

/// One importing country's invocation of art. 12(10)(a).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PenCountry {
    /// ISO code.
    pub code: String,
    /// Which substances.
    pub scope: PenScope,
    /// For `specified`.
    #[serde(default)]
    pub substances: Vec<String>,
    /// Invoked since.
    #[serde(with = "opt_date", default)]
    pub since: Option<NaiveDate>,
    /// Reply deadline set by the importing country.
    #[serde(default)]
    pub response_days: Option<u32>,
    /// Where it is written.
    #[serde(default)]
    pub source: Option<String>,
    /// Seen in a primary or close-to-primary text.
    #[serde(default)]
    pub verified: bool,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Which substances an art. 12(10)(a) invocation covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PenScope {
    /// Table I only.
    TableI,
    /// Tables I and II.
    TableIAndIi,
    /// The substances listed.
    Specified,
}

/// An ISO 3166-1 country.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// Alpha-2 code.
    pub code: String,
    /// English short name.
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CountriesFile {
    #[serde(rename = "country")]
    pub countries: Vec<Country>,
}

/// A structural class rule: a legal class definition as a core plus allowed substituents per site.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassRule {
    /// Stable id (= file stem).
    pub id: String,
    /// The class as the law names it.
    pub name: String,
    /// Jurisdiction code.
    pub jurisdiction: String,
    /// List id in that jurisdiction.
    pub list: String,
    /// The registry record whose family listing this rule implements.
    #[serde(default)]
    pub substance: Option<String>,
    /// In force from.
    #[serde(with = "opt_date", default)]
    pub effective: Option<NaiveDate>,
    /// No longer in force from.
    #[serde(with = "opt_date", default)]
    pub end: Option<NaiveDate>,
    /// Legal basis.
    pub citation: String,
    /// Where it is written.
    pub source: String,
    /// Further sources.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Seen in a primary or close-to-primary text.
    #[serde(default)]
    pub verified: bool,
    /// The legal wording, quoted.
    pub wording: String,
    /// How the rule reads the text.
    #[serde(default)]
    pub notes: Option<String>,
    /// Alternative cores (any may match).
    #[serde(rename = "core")]
    pub cores: Vec<ClassCore>,
    /// Where substituents are allowed.
    #[serde(default, rename = "site")]
    pub sites: Vec<ClassSite>,
    /// Modifications that replace part of the core.
    #[serde(default, rename = "replacement")]
    pub replacements: Vec<ClassReplacement>,
    /// Golden examples.
    #[serde(default, rename = "example")]
    pub examples: Vec<ClassExample>,
}

impl ClassRule {
    /// Is the rule in force on `date`?
    pub fn in_force(&self, date: NaiveDate) -> bool {
        in_force(self.effective, self.end, date)
    }
}

/// A core structure of a class rule.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassCore {
    /// Id within the rule.
    pub id: String,
    /// SMARTS with atom-map numbers on the atoms sites refer to.
    pub smarts: String,
    /// What it is.
    #[serde(default)]
    pub description: Option<String>,
}

/// Substituents allowed on some core atoms.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassSite {
    /// Core atom-map numbers.
    pub atoms: Vec<u32>,
    /// Substituent kinds allowed there.
    pub allowed: Vec<SubstituentKind>,
    /// The legal wording that allows them.
    pub wording: String,
    /// At least one allowed substituent must be present.
    #[serde(default)]
    pub required: bool,
}

/// A replacement modification, detected by the core atoms no longer matching `unmodified`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassReplacement {
    /// Core atom-map numbers in the replaced part.
    pub atoms: Vec<u32>,
    /// SMARTS those atoms match when not modified.
    pub unmodified: String,
    /// The legal wording.
    pub wording: String,
}

/// A golden example.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassExample {
    /// SMILES.
    pub smiles: String,
    /// Name.
    pub name: String,
    /// Expected outcome.
    pub expect: Expectation,
    /// Where the example comes from.
    pub source: String,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Expected outcome of a golden example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expectation {
    /// In the class.
    Match,
    /// Not in the class.
    NoMatch,
}

/// The substituent vocabulary of class rules (the kinds the laws name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SubstituentKind {
    /// F, Cl, Br, I.
    Halo,
    /// Acyclic saturated carbon chain.
    Alkyl,
    /// Acyclic carbon chain with a C=C.
    Alkenyl,
    /// Acyclic carbon chain with a C#C.
    Alkynyl,
    /// OH.
    Hydroxyl,
    /// O-alkyl.
    Alkoxy,
    /// Alkyl bearing halogen.
    Haloalkyl,
    /// NH2, NHR, NR2 (alkyl R).
    Amino,
    /// NO2.
    Nitro,
    /// C(=O)O-alkyl or O-C(=O)-alkyl.
    Ester,
    /// Alkyl chain containing an ether O.
    Ether,
    /// C(=O)-R (amide on a nitrogen).
    Acyl,
    /// C(=O)-O-R on a nitrogen.
    Carbamate,
    /// Two O on one carbon (acetal of a ketone), ring or chain.
    Acetal,
    /// =O.
    Oxo,
    /// Anything.
    Any,
}
