//! Reading, parsing and validating registry files.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use pw_chem::{Cas, Formula, InchiKey};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::model::*;
use crate::names::normalize;
use crate::{Quantity, Registry};

/// A registry file: its path relative to the registry root and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// `substances/npp.toml`
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// The kinds of problem validation reports; one test fixture exists per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// The directory or a file could not be read.
    Io,
    /// Not valid TOML, a wrong type, an unknown key or a bad date.
    Parse,
    /// Two records with the same id, or an id that does not match its file name.
    DuplicateId,
    /// A CAS RN with a bad check digit or syntax, or one CAS RN on two substances.
    BadCas,
    /// A malformed InChIKey.
    BadInchiKey,
    /// A malformed molecular formula.
    BadFormula,
    /// Dates in the wrong order.
    BadDate,
    /// A reference to a jurisdiction, list, substance or country that does not exist.
    UnknownReference,
    /// A control, measure or threshold without citation or source.
    MissingCitation,
    /// The same name or abbreviation on two substances without the `ambiguous` mark.
    NameClash,
    /// A threshold that is not a quantity.
    BadQuantity,
    /// Something required is absent (no name, no countries file …).
    Missing,
    /// A SMILES that does not parse, or whose computed formula or InChIKey differs from the recorded one.
    BadStructure,
}

/// One validation problem, located.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// What kind of problem.
    pub kind: DiagnosticKind,
    /// File, relative to the registry root.
    pub file: String,
    /// Record id (substance id, `list:ID`, `control[2]` …).
    pub record: String,
    /// Field name.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {}: {}",
            self.file, self.record, self.field, self.message
        )
    }
}

/// The registry did not load: every problem found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("registry has {} problem(s); first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
pub struct LoadError(pub Vec<Diagnostic>);

struct Diags(Vec<Diagnostic>);

impl Diags {
    fn push(
        &mut self,
        kind: DiagnosticKind,
        file: &str,
        record: &str,
        field: &str,
        message: impl Into<String>,
    ) {
        self.0.push(Diagnostic {
            kind,
            file: file.to_string(),
            record: record.to_string(),
            field: field.to_string(),
            message: message.into(),
        });
    }
}

/// Read every file below `dir` (recursively).
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, LoadError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let io = |p: &Path, e: std::io::Error| {
        LoadError(vec![Diagnostic {
            kind: DiagnosticKind::Io,
            file: p.display().to_string(),
            record: String::new(),
            field: String::new(),
            message: e.to_string(),
        }])
    };
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let entry = entry.map_err(|e| io(&d, e))?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(SourceFile { path: rel, text });
            }
        }
    }
    Ok(out)
}

fn stem(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".toml").unwrap_or(file)
}

/// Parse and validate; on success build the registry.
pub(crate) fn build(mut files: Vec<SourceFile>) -> Result<Registry, LoadError> {
    files.retain(|f| f.path.ends_with(".toml"));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let version = {
        let mut h = Sha256::new();
        for f in &files {
            h.update(f.path.as_bytes());
            h.update([0]);
            h.update(f.text.as_bytes());
            h.update([0]);
        }
        let digest = h.finalize();
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    };

    let mut d = Diags(Vec::new());
    let mut jurisdictions: BTreeMap<String, (String, Jurisdiction)> = BTreeMap::new();
    let mut substances: Vec<(String, Substance)> = Vec::new();
    let mut pen: Option<(String, PenRegime)> = None;
    let mut classes: Vec<(String, ClassRule)> = Vec::new();
    let mut countries: BTreeMap<String, Country> = BTreeMap::new();
    let mut have_countries = false;

    for f in &files {
        let top = f.path.split('/').next().unwrap_or("");
        let parse_err = |d: &mut Diags, e: toml::de::Error| {
            d.push(
                DiagnosticKind::Parse,
                &f.path,
                stem(&f.path),
                "",
                e.to_string().trim_end().to_string(),
            );
        };
        match top {
            "substances" => match toml::from_str::<Substance>(&f.text) {
                Ok(s) => substances.push((f.path.clone(), s)),
                Err(e) => parse_err(&mut d, e),
            },
            "jurisdictions" => match toml::from_str::<Jurisdiction>(&f.text) {
                Ok(j) => {
                    if j.code != stem(&f.path) {
                        d.push(
                            DiagnosticKind::DuplicateId,
                            &f.path,
                            &j.code,
                            "code",
                            format!("code {:?} does not match the file name", j.code),
                        );
                    }
                    if let Some((other, _)) = jurisdictions.get(&j.code) {
                        d.push(
                            DiagnosticKind::DuplicateId,
                            &f.path,
                            &j.code,
                            "code",
                            format!("jurisdiction {} is also defined in {other}", j.code),
                        );
                    } else {
                        jurisdictions.insert(j.code.clone(), (f.path.clone(), j));
                    }
                }
                Err(e) => parse_err(&mut d, e),
            },
            "classes" => match toml::from_str::<ClassRule>(&f.text) {
                Ok(c) => classes.push((f.path.clone(), c)),
                Err(e) => parse_err(&mut d, e),
            },
            "regimes" => match toml::from_str::<PenRegime>(&f.text) {
                Ok(r) => {
                    if let Some((other, _)) = &pen {
                        d.push(
                            DiagnosticKind::DuplicateId,
                            &f.path,
                            &r.id,
                            "id",
                            format!(
                                "a pre-export notification regime is already defined in {other}"
                            ),
                        );
                    } else {
                        pen = Some((f.path.clone(), r));
                    }
                }
                Err(e) => parse_err(&mut d, e),
            },
            _ if f.path == "countries.toml" => match toml::from_str::<CountriesFile>(&f.text) {
                Ok(c) => {
                    have_countries = true;
                    for c in c.countries {
                        if c.code.len() != 2 || !c.code.bytes().all(|b| b.is_ascii_uppercase()) {
                            d.push(
                                DiagnosticKind::Parse,
                                &f.path,
                                &c.code,
                                "code",
                                "a country code is two capital letters (ISO 3166-1 alpha-2)",
                            );
                        }
                        if countries.insert(c.code.clone(), c.clone()).is_some() {
                            d.push(
                                DiagnosticKind::DuplicateId,
                                &f.path,
                                &c.code,
                                "code",
                                "country listed twice",
                            );
                        }
                    }
                }
                Err(e) => parse_err(&mut d, e),
            },
            _ => {} // staging files and anything else are not part of the registry
        }
    }
    if !have_countries {
        d.push(
            DiagnosticKind::Missing,
            "countries.toml",
            "",
            "",
            "the registry needs countries.toml (ISO 3166-1 codes)",
        );
    }

    // --- substances ---
    substances.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    let mut by_id: FxHashMap<String, usize> = FxHashMap::default();
    for (i, (path, s)) in substances.iter().enumerate() {
        if s.id != stem(path) {
            d.push(
                DiagnosticKind::DuplicateId,
                path,
                &s.id,
                "id",
                format!("id {:?} does not match the file name", s.id),
            );
        }
        if by_id.insert(s.id.clone(), i).is_some() {
            d.push(
                DiagnosticKind::DuplicateId,
                path,
                &s.id,
                "id",
                format!("duplicate substance id {:?}", s.id),
            );
        }
    }
    let country_ok = |c: &str| countries.contains_key(c);
    let mut cas_owner: HashMap<u64, &str> = HashMap::new();
    let mut name_owner: HashMap<String, Vec<(&str, bool, &str)>> = HashMap::new();
    for (path, s) in &substances {
        let rec = s.id.as_str();
        if s.name.trim().is_empty() {
            d.push(
                DiagnosticKind::Missing,
                path,
                rec,
                "name",
                "a substance needs a preferred name",
            );
        }
        for (i, c) in s.cas.iter().enumerate() {
            match Cas::parse(&c.rn) {
                Ok(cas) => {
                    if let Some(other) = cas_owner.insert(cas.as_u64(), rec)
                        && other != rec
                    {
                        d.push(
                            DiagnosticKind::BadCas,
                            path,
                            rec,
                            &format!("cas[{i}].rn"),
                            format!("CAS RN {cas} is also given for {other}"),
                        );
                    }
                }
                Err(e) => d.push(
                    DiagnosticKind::BadCas,
                    path,
                    rec,
                    &format!("cas[{i}].rn"),
                    format!("{}: {e}", c.rn),
                ),
            }
        }
        if let Some(k) = &s.inchikey
            && let Err(e) = InchiKey::parse(k)
        {
            d.push(
                DiagnosticKind::BadInchiKey,
                path,
                rec,
                "inchikey",
                format!("{k}: {e}"),
            );
        }
        if let Some(smiles) = &s.smiles {
            check_structure(
                &mut d,
                path,
                rec,
                smiles,
                s.formula.as_deref(),
                s.inchikey.as_deref(),
            );
        }
        if let Some(f) = &s.formula
            && let Err(e) = Formula::parse(f)
        {
            d.push(
                DiagnosticKind::BadFormula,
                path,
                rec,
                "formula",
                format!("{f}: {e}"),
            );
        }
        let mut texts = Vec::new();
        for (i, n) in s.names.iter().enumerate() {
            let key = normalize(&n.text);
            if key.is_empty() {
                d.push(
                    DiagnosticKind::Missing,
                    path,
                    rec,
                    &format!("name[{i}].text"),
                    format!("name {:?} has no letters or digits", n.text),
                );
                continue;
            }
            texts.push((key, n.ambiguous, n.text.as_str()));
        }
        texts.push((normalize(&s.name), false, s.name.as_str()));
        texts.sort();
        texts.dedup_by(|a, b| a.0 == b.0);
        for (key, amb, text) in texts {
            name_owner.entry(key).or_default().push((rec, amb, text));
        }
        for (i, c) in s.controls.iter().enumerate() {
            let field = format!("control[{i}]");
            check_control(&mut d, path, rec, &field, c, &jurisdictions, &by_id);
        }
        for (i, h) in s.hs.iter().enumerate() {
            if let Some(j) = &h.jurisdiction
                && !jurisdictions.contains_key(j)
                && !country_ok(j)
            {
                d.push(
                    DiagnosticKind::UnknownReference,
                    path,
                    rec,
                    &format!("hs[{i}].jurisdiction"),
                    format!("unknown jurisdiction {j:?}"),
                );
            }
        }
    }
    let mut clashes: Vec<_> = name_owner
        .iter()
        .filter(|(_, owners)| owners.len() > 1)
        .collect();
    clashes.sort();
    for (key, owners) in clashes {
        if owners.iter().any(|(_, amb, _)| !amb) {
            let ids: Vec<String> = owners
                .iter()
                .map(|(id, _, text)| format!("{id} ({text:?})"))
                .collect();
            let (first, _, _) = owners[0];
            let path = substances
                .iter()
                .find(|(_, s)| s.id == first)
                .map_or("", |(p, _)| p.as_str());
            d.push(
                DiagnosticKind::NameClash,
                path,
                first,
                "name",
                format!("name key {key:?} names {}: mark it ambiguous on each (with also_means) or remove it", ids.join(" and ")),
            );
        }
    }

    // --- jurisdictions ---
    let mut thresholds = FxHashMap::default();
    for (code, (path, j)) in &jurisdictions {
        let mut list_ids = Vec::new();
        for (li, l) in j.lists.iter().enumerate() {
            let rec = format!("list:{}", l.id);
            if list_ids.contains(&l.id.as_str()) {
                d.push(
                    DiagnosticKind::DuplicateId,
                    path,
                    &rec,
                    "id",
                    format!("list id {:?} defined twice", l.id),
                );
            }
            list_ids.push(l.id.as_str());
            if l.citation.trim().is_empty() || l.source.trim().is_empty() {
                d.push(
                    DiagnosticKind::MissingCitation,
                    path,
                    &rec,
                    &format!("list[{li}]"),
                    "a list needs citation and source",
                );
            }
            for (mi, m) in l.measures.iter().enumerate() {
                let field = format!("list[{li}].measure[{mi}]");
                if m.citation.trim().is_empty() || m.source.trim().is_empty() {
                    d.push(
                        DiagnosticKind::MissingCitation,
                        path,
                        &rec,
                        &field,
                        "a measure needs citation and source",
                    );
                }
                if m.direction.is_empty() {
                    d.push(
                        DiagnosticKind::Missing,
                        path,
                        &rec,
                        &format!("{field}.direction"),
                        "a measure needs at least one direction",
                    );
                }
                for c in m.destinations.iter().flatten() {
                    if !country_ok(c) {
                        d.push(
                            DiagnosticKind::UnknownReference,
                            path,
                            &rec,
                            &format!("{field}.destinations"),
                            format!("unknown country {c:?}"),
                        );
                    }
                }
            }
        }
        for (ti, t) in j.thresholds.iter().enumerate() {
            let rec = format!("threshold:{}", t.substance);
            let field = format!("threshold[{ti}]");
            if !list_ids.contains(&t.list.as_str()) {
                d.push(
                    DiagnosticKind::UnknownReference,
                    path,
                    &rec,
                    &format!("{field}.list"),
                    format!("unknown list {:?} in {code}", t.list),
                );
            }
            if !by_id.contains_key(&t.substance) {
                d.push(
                    DiagnosticKind::UnknownReference,
                    path,
                    &rec,
                    &format!("{field}.substance"),
                    format!("unknown substance {:?}", t.substance),
                );
            }
            if t.citation.trim().is_empty() || t.source.trim().is_empty() {
                d.push(
                    DiagnosticKind::MissingCitation,
                    path,
                    &rec,
                    &field,
                    "a threshold needs citation and source",
                );
            }
            match Quantity::parse(&t.quantity) {
                Ok(q) => {
                    let same: &mut Vec<(Quantity, usize)> = thresholds
                        .entry((code.clone(), t.list.clone(), t.substance.clone()))
                        .or_default();
                    let dirs = |x: &Threshold| {
                        x.direction.clone().unwrap_or_else(|| {
                            vec![Direction::Export, Direction::Import, Direction::Internal]
                        })
                    };
                    let mine = dirs(t);
                    if let Some(&(_, other)) = same
                        .iter()
                        .find(|(_, o)| dirs(&j.thresholds[*o]).iter().any(|d| mine.contains(d)))
                    {
                        d.push(DiagnosticKind::DuplicateId, path, &rec, &format!("{field}.direction"), format!("overlaps threshold[{other}] for the same list, substance and direction"));
                    }
                    same.push((q, ti));
                }
                Err(e) => d.push(
                    DiagnosticKind::BadQuantity,
                    path,
                    &rec,
                    &format!("{field}.quantity"),
                    format!("{:?}: {e}", t.quantity),
                ),
            }
        }
        for (ei, e) in j.events.iter().enumerate() {
            let rec = format!("event:{}", e.id);
            for l in &e.lists {
                if !list_ids.contains(&l.as_str()) {
                    d.push(
                        DiagnosticKind::UnknownReference,
                        path,
                        &rec,
                        &format!("event[{ei}].lists"),
                        format!("unknown list {l:?} in {code}"),
                    );
                }
            }
            for s in &e.substances {
                if !by_id.contains_key(s) {
                    d.push(
                        DiagnosticKind::UnknownReference,
                        path,
                        &rec,
                        &format!("event[{ei}].substances"),
                        format!("unknown substance {s:?}"),
                    );
                }
            }
            for c in &e.destinations {
                if !country_ok(c) {
                    d.push(
                        DiagnosticKind::UnknownReference,
                        path,
                        &rec,
                        &format!("event[{ei}].destinations"),
                        format!("unknown country {c:?}"),
                    );
                }
            }
            if e.citation.trim().is_empty() || e.source.trim().is_empty() {
                d.push(
                    DiagnosticKind::MissingCitation,
                    path,
                    &rec,
                    &format!("event[{ei}]"),
                    "an event needs citation and source",
                );
            }
        }
        for (mi, m) in j.members.iter().enumerate() {
            if !country_ok(&m.country) {
                d.push(
                    DiagnosticKind::UnknownReference,
                    path,
                    &format!("member:{}", m.country),
                    &format!("member[{mi}].country"),
                    format!("unknown country {:?}", m.country),
                );
            }
            if let (Some(a), Some(b)) = (m.since, m.until)
                && b <= a
            {
                d.push(
                    DiagnosticKind::BadDate,
                    path,
                    &format!("member:{}", m.country),
                    &format!("member[{mi}].until"),
                    "until is not after since",
                );
            }
        }
    }

    // --- regime ---
    if let Some((path, r)) = &pen {
        for (i, c) in r.countries.iter().enumerate() {
            let rec = format!("country:{}", c.code);
            if !country_ok(&c.code) {
                d.push(
                    DiagnosticKind::UnknownReference,
                    path,
                    &rec,
                    &format!("country[{i}].code"),
                    format!("unknown country {:?}", c.code),
                );
            }
            for s in &c.substances {
                if !by_id.contains_key(s) {
                    d.push(
                        DiagnosticKind::UnknownReference,
                        path,
                        &rec,
                        &format!("country[{i}].substances"),
                        format!("unknown substance {s:?}"),
                    );
                }
            }
            if c.scope == PenScope::Specified && c.substances.is_empty() {
                d.push(
                    DiagnosticKind::Missing,
                    path,
                    &rec,
                    &format!("country[{i}].substances"),
                    "scope \"specified\" needs substances",
                );
            }
        }
    }

    // --- class rules ---
    classes.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    for (i, (path, c)) in classes.iter().enumerate() {
        let rec = format!("class:{}", c.id);
        if c.id != stem(path) {
            d.push(
                DiagnosticKind::DuplicateId,
                path,
                &rec,
                "id",
                format!("id {:?} does not match the file name", c.id),
            );
        }
        if classes[..i].iter().any(|(_, o)| o.id == c.id) {
            d.push(
                DiagnosticKind::DuplicateId,
                path,
                &rec,
                "id",
                "duplicate class rule id",
            );
        }
        match jurisdictions.get(&c.jurisdiction) {
            None => d.push(
                DiagnosticKind::UnknownReference,
                path,
                &rec,
                "jurisdiction",
                format!("unknown jurisdiction {:?}", c.jurisdiction),
            ),
            Some((_, j)) if !j.lists.iter().any(|l| l.id == c.list) => d.push(
                DiagnosticKind::UnknownReference,
                path,
                &rec,
                "list",
                format!("unknown list {:?} in {}", c.list, c.jurisdiction),
            ),
            Some(_) => {}
        }
        if let Some(s) = &c.substance
            && !by_id.contains_key(s)
        {
            d.push(
                DiagnosticKind::UnknownReference,
                path,
                &rec,
                "substance",
                format!("unknown substance {s:?}"),
            );
        }
        if c.citation.trim().is_empty() || c.source.trim().is_empty() || c.wording.trim().is_empty()
        {
            d.push(
                DiagnosticKind::MissingCitation,
                path,
                &rec,
                "citation",
                "a class rule needs citation, source and the legal wording",
            );
        }
        if c.cores.is_empty() {
            d.push(
                DiagnosticKind::Missing,
                path,
                &rec,
                "core",
                "a class rule needs at least one core",
            );
        }
        if let (Some(a), Some(b)) = (c.effective, c.end)
            && b <= a
        {
            d.push(
                DiagnosticKind::BadDate,
                path,
                &rec,
                "end",
                format!("end {b} is not after effective {a}"),
            );
        }
        for (ei, e) in c.examples.iter().enumerate() {
            if e.source.trim().is_empty() {
                d.push(
                    DiagnosticKind::MissingCitation,
                    path,
                    &rec,
                    &format!("example[{ei}].source"),
                    "a golden example needs a source",
                );
            }
        }
    }

    if !d.0.is_empty() {
        return Err(LoadError(d.0));
    }
    Ok(Registry {
        version,
        jurisdictions: jurisdictions
            .into_iter()
            .map(|(k, (_, j))| (k, j))
            .collect(),
        substances: substances.into_iter().map(|(_, s)| s).collect(),
        by_id,
        pen: pen.map(|(_, r)| r),
        classes: classes.into_iter().map(|(_, c)| c).collect(),
        countries,
        thresholds,
    })
}

fn check_control(
    d: &mut Diags,
    path: &str,
    rec: &str,
    field: &str,
    c: &Control,
    jurisdictions: &BTreeMap<String, (String, Jurisdiction)>,
    by_id: &FxHashMap<String, usize>,
) {
    match jurisdictions.get(&c.jurisdiction) {
        None => d.push(
            DiagnosticKind::UnknownReference,
            path,
            rec,
            &format!("{field}.jurisdiction"),
            format!("unknown jurisdiction {:?}", c.jurisdiction),
        ),
        Some((_, j)) => {
            if !j.lists.iter().any(|l| l.id == c.list) {
                let known: Vec<&str> = j.lists.iter().map(|l| l.id.as_str()).collect();
                d.push(
                    DiagnosticKind::UnknownReference,
                    path,
                    rec,
                    &format!("{field}.list"),
                    format!(
                        "unknown list {:?} in {} (known: {})",
                        c.list,
                        c.jurisdiction,
                        known.join(", ")
                    ),
                );
            }
        }
    }
    if c.citation.trim().is_empty() {
        d.push(
            DiagnosticKind::MissingCitation,
            path,
            rec,
            &format!("{field}.citation"),
            "a control needs a legal citation",
        );
    }
    if c.source.trim().is_empty() {
        d.push(
            DiagnosticKind::MissingCitation,
            path,
            rec,
            &format!("{field}.source"),
            "a control needs a source",
        );
    }
    if let (Some(a), Some(b)) = (c.effective, c.end)
        && b <= a
    {
        d.push(
            DiagnosticKind::BadDate,
            path,
            rec,
            &format!("{field}.end"),
            format!("end {b} is not after effective {a}"),
        );
    }
    if let Some(v) = &c.via
        && !by_id.contains_key(v)
    {
        d.push(
            DiagnosticKind::UnknownReference,
            path,
            rec,
            &format!("{field}.via"),
            format!("unknown substance {v:?}"),
        );
    }
}

/// The recorded SMILES must parse, and the formula and standard InChIKey computed from it must equal the
/// recorded ones: a typo in any of the three is caught here, not by a user.
fn check_structure(
    d: &mut Diags,
    path: &str,
    rec: &str,
    smiles: &str,
    formula: Option<&str>,
    inchikey: Option<&str>,
) {
    let m = match pw_chem::Structure::from_smiles(smiles) {
        Ok(m) => m,
        Err(e) => {
            d.push(
                DiagnosticKind::BadStructure,
                path,
                rec,
                "smiles",
                format!("{smiles}: {e}"),
            );
            return;
        }
    };
    if let Some(stated) = formula.and_then(|f| Formula::parse(f).ok()) {
        let computed = m.formula();
        if computed != stated {
            d.push(
                DiagnosticKind::BadStructure,
                path,
                rec,
                "formula",
                format!("stated {stated}, but the SMILES gives {computed}"),
            );
        }
    }
    if let Some(recorded) = inchikey.and_then(|k| InchiKey::parse(k).ok()) {
        match m.inchikey() {
            Ok(computed) if computed != recorded => d.push(
                DiagnosticKind::BadStructure,
                path,
                rec,
                "inchikey",
                format!("recorded {recorded}, but the SMILES gives {computed}"),
            ),
            Ok(_) => {}
            Err(e) => d.push(
                DiagnosticKind::BadStructure,
                path,
                rec,
                "inchikey",
                format!("cannot compute an InChIKey from {smiles}: {e}"),
            ),
        }
    }
}
