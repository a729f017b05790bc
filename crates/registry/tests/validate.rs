//! `validate` reports every kind of problem, located: one failing fixture per kind.
//!
//! `fixtures/valid` is a small valid registry; each `fixtures/invalid/<case>` directory holds the files that
//! replace (or add to) the valid ones to make exactly one kind of problem.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pw_registry::{DiagnosticKind, Registry, SourceFile};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read fixture dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .expect("prefix")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).expect("read fixture"));
            }
        }
    }
    out
}

fn build(case: Option<&str>) -> Result<Registry, pw_registry::LoadError> {
    let mut files = read_tree(&fixtures().join("valid"));
    if let Some(case) = case {
        files.extend(read_tree(&fixtures().join("invalid").join(case)));
    }
    Registry::from_files(
        files
            .into_iter()
            .map(|(path, text)| SourceFile { path, text })
            .collect(),
    )
}

#[test]
fn the_valid_fixture_is_valid() {
    let reg = build(None).unwrap_or_else(|e| panic!("{:#?}", e.0));
    assert_eq!(reg.substances().len(), 2);
    assert!(reg.version().starts_with("sha256:"));
    let (t, _) = reg
        .threshold("US", "list-i", "alpha", pw_registry::Direction::Export)
        .expect("threshold");
    assert!(t.is_zero());
}

#[test]
fn each_kind_of_problem_is_reported_with_file_record_and_field() {
    let cases: &[(&str, DiagnosticKind, &str, &str)] = &[
        (
            "parse",
            DiagnosticKind::Parse,
            "substances/alpha.toml",
            "colour",
        ),
        (
            "unparseable-date",
            DiagnosticKind::Parse,
            "substances/beta.toml",
            "late 2024",
        ),
        (
            "bad-date",
            DiagnosticKind::BadDate,
            "substances/beta.toml",
            "control[0].end",
        ),
        (
            "duplicate-id",
            DiagnosticKind::DuplicateId,
            "substances/gamma.toml",
            "id",
        ),
        (
            "id-file-mismatch",
            DiagnosticKind::DuplicateId,
            "substances/delta.toml",
            "id",
        ),
        (
            "bad-cas",
            DiagnosticKind::BadCas,
            "substances/beta.toml",
            "cas[0].rn",
        ),
        (
            "duplicate-cas",
            DiagnosticKind::BadCas,
            "substances/gamma.toml",
            "cas[0].rn",
        ),
        (
            "bad-inchikey",
            DiagnosticKind::BadInchiKey,
            "substances/gamma.toml",
            "inchikey",
        ),
        (
            "bad-formula",
            DiagnosticKind::BadFormula,
            "substances/gamma.toml",
            "formula",
        ),
        (
            "unknown-list",
            DiagnosticKind::UnknownReference,
            "substances/gamma.toml",
            "control[0].list",
        ),
        (
            "unknown-jurisdiction",
            DiagnosticKind::UnknownReference,
            "substances/gamma.toml",
            "control[0].jurisdiction",
        ),
        (
            "unknown-substance",
            DiagnosticKind::UnknownReference,
            "jurisdictions/US.toml",
            "threshold[0].substance",
        ),
        (
            "unknown-country",
            DiagnosticKind::UnknownReference,
            "regimes/pen.toml",
            "country[0].code",
        ),
        (
            "missing-citation",
            DiagnosticKind::MissingCitation,
            "substances/gamma.toml",
            "control[0].citation",
        ),
        (
            "missing-source",
            DiagnosticKind::MissingCitation,
            "substances/gamma.toml",
            "control[0].source",
        ),
        (
            "name-clash",
            DiagnosticKind::NameClash,
            "substances/",
            "name",
        ),
        (
            "bad-quantity",
            DiagnosticKind::BadQuantity,
            "jurisdictions/US.toml",
            "threshold[0].quantity",
        ),
        (
            "empty-name",
            DiagnosticKind::Missing,
            "substances/gamma.toml",
            "name[0].text",
        ),
    ];
    for (case, kind, file, field_or_text) in cases {
        let err = match build(Some(case)) {
            Ok(_) => panic!("{case}: fixture unexpectedly valid"),
            Err(e) => e,
        };
        let hit = err.0.iter().find(|d| d.kind == *kind);
        let Some(d) = hit else {
            panic!("{case}: no {kind:?} in {:#?}", err.0)
        };
        assert!(
            d.file.starts_with(file),
            "{case}: file {} (expected {file})",
            d.file
        );
        assert!(
            d.field.contains(field_or_text) || d.message.contains(field_or_text),
            "{case}: neither field {:?} nor message {:?} mentions {field_or_text:?}",
            d.field,
            d.message
        );
        assert!(!d.record.is_empty(), "{case}: no record in {d}");
    }
}

#[test]
fn the_project_registry_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/registry");
    let reg = Registry::load_dir(&dir).unwrap_or_else(|e| panic!("{:#?}", e.0));
    let embedded = Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0));
    assert_eq!(
        reg.version(),
        embedded.version(),
        "the embedded registry is the data directory"
    );
}

#[test]
fn every_fact_has_a_source() {
    let reg = Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0));
    for s in reg.substances() {
        for n in &s.names {
            assert!(
                n.source.as_deref().is_some_and(|x| !x.trim().is_empty()),
                "{}: name {:?} has no source",
                s.id,
                n.text
            );
        }
        for c in &s.controls {
            assert!(
                !c.citation.trim().is_empty() && !c.source.trim().is_empty(),
                "{}: control {} {}",
                s.id,
                c.jurisdiction,
                c.list
            );
        }
    }
}

#[test]
fn as_of_queries() {
    let reg = Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0));
    let s = reg.substance("4-piperidone").expect("4-piperidone");
    let us = |d: &str| {
        let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
        s.controls
            .iter()
            .any(|c| c.jurisdiction == "US" && c.in_force(date))
    };
    assert!(
        !us("2023-05-11"),
        "4-piperidone is not controlled in the US before 2023-05-12"
    );
    assert!(us("2023-05-12"));
}
