//! Every golden example of every class rule, and the acceptance cases of the chemistry issue.

use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use pw_classify::{ANALOGUE_THRESHOLD, Classifier};
use pw_registry::{Expectation, Registry};

fn classifier() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(|| {
        let reg = Arc::new(Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0)));
        Classifier::new(reg).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

#[test]
fn every_golden_example() {
    let c = classifier();
    let mut failures = Vec::new();
    let mut total = 0;
    for rule in c.registry().class_rules() {
        // A day on which the rule is in force.
        let date = match (rule.effective, rule.end) {
            (_, Some(end)) => end.pred_opt().unwrap_or(end),
            (Some(start), None) => start.max(day("2026-01-01")),
            (None, None) => day("2026-01-01"),
        };
        for ex in &rule.examples {
            total += 1;
            let r = match c.classify(&ex.smiles, date) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{} / {} ({}): {e}", rule.id, ex.name, ex.smiles));
                    continue;
                }
            };
            let hit = r.class_matches.iter().any(|m| m.rule == rule.id);
            let want = ex.expect == Expectation::Match;
            if hit != want {
                let why = r
                    .class_matches
                    .iter()
                    .find(|m| m.rule == rule.id)
                    .map(|m| m.explanation.clone())
                    .unwrap_or_default();
                failures.push(format!(
                    "{} / {} ({}): expected {:?}, got {}{}",
                    rule.id,
                    ex.name,
                    ex.smiles,
                    ex.expect,
                    if hit { "match" } else { "no match" },
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(" — {why}")
                    }
                ));
            }
        }
    }
    assert!(total >= 150, "only {total} golden examples");
    assert!(
        failures.is_empty(),
        "{} of {total} golden examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn boc_fluoro_4ap_names_the_us_4ap_rule_with_atoms_and_modifications() {
    let r = classifier()
        .classify("CC(C)(C)OC(=O)N1CCC(Nc2ccc(F)cc2)CC1", day("2026-01-15"))
        .expect("classify");
    let m = r
        .class_matches
        .iter()
        .find(|m| m.rule.starts_with("us-4-ap"))
        .expect("US 4-AP family rule");
    assert_eq!(m.jurisdiction, "US");
    assert!(!m.atoms.is_empty());
    let found: Vec<&str> = m.modifications.iter().map(|x| x.found.as_str()).collect();
    assert!(
        found.contains(&"carbamate") && found.contains(&"halogen"),
        "{found:?}"
    );
    assert!(
        m.explanation.contains("its halides") && m.explanation.contains("its carbamates"),
        "{}",
        m.explanation
    );
    assert!(m.citation.contains("88 FR 74358"), "{}", m.citation);
}

#[test]
fn ordinary_piperidine_drugs_match_no_class() {
    for (name, smiles) in [
        (
            "haloperidol",
            "OC1(CCN(CCCC(=O)c2ccc(F)cc2)CC1)c1ccc(Cl)cc1",
        ),
        ("paroxetine", "Fc1ccc(cc1)[C@@H]1CCNC[C@H]1COc1ccc2OCOc2c1"),
        ("methylphenidate", "COC(=O)C(c1ccccc1)C1CCCCN1"),
        ("pethidine", "CCOC(=O)C1(CCN(C)CC1)c1ccccc1"),
    ] {
        let r = classifier()
            .classify(smiles, day("2026-01-15"))
            .expect("classify");
        assert!(
            r.class_matches.is_empty(),
            "{name}: {:?}",
            r.class_matches.iter().map(|m| &m.rule).collect::<Vec<_>>()
        );
        assert!(r.listed.is_empty(), "{name} is not a registry substance");
    }
}

#[test]
fn listed_substances_are_reported_first_and_salts_resolve_to_the_parent() {
    let r = classifier()
        .classify("Cl.Cl.c1ccc(NC2CCNCC2)cc1", day("2026-01-15"))
        .expect("classify");
    assert_eq!(r.listed, vec!["4-ap"]);
    assert_eq!(r.removed.len(), 2, "{:?}", r.removed);
    assert_eq!(r.inchikey, "LKRMTUUCKBQGFO-UHFFFAOYSA-N");
}

#[test]
fn npp_one_modification_away_gets_an_analogue_warning() {
    // N-(2-phenylethyl)-3-methyl-4-piperidone and a ring-fluorinated NPP: not listed, no class rule.
    for smiles in ["CC1CN(CCc2ccccc2)CCC1=O", "O=C1CCN(CCc2ccc(F)cc2)CC1"] {
        let r = classifier()
            .classify(smiles, day("2026-01-15"))
            .expect("classify");
        assert!(r.listed.is_empty(), "{smiles}");
        let w = r
            .analogue_warnings
            .iter()
            .find(|w| w.substance == "npp")
            .unwrap_or_else(|| panic!("{smiles}: no NPP warning in {:?}", r.similar));
        assert!(w.similarity >= ANALOGUE_THRESHOLD && w.similarity < 1.0);
        assert!(w.reason.contains("N-Phenethyl-4-piperidone"));
    }
    // Haloperidol resembles nothing closely enough to act on.
    let r = classifier()
        .classify(
            "OC1(CCN(CCCC(=O)c2ccc(F)cc2)CC1)c1ccc(Cl)cc1",
            day("2026-01-15"),
        )
        .expect("classify");
    assert!(r.analogue_warnings.is_empty(), "{:?}", r.analogue_warnings);
}

#[test]
fn rules_respect_their_dates() {
    let smiles = "Fc1ccc(NC2CCNCC2)cc1"; // a halide of 4-AP: controlled from 2023-11-30
    let before = classifier()
        .classify(smiles, day("2023-11-29"))
        .expect("classify");
    assert!(
        !before
            .class_matches
            .iter()
            .any(|m| m.rule.starts_with("us-4-ap"))
    );
    let after = classifier()
        .classify(smiles, day("2023-11-30"))
        .expect("classify");
    assert!(
        after
            .class_matches
            .iter()
            .any(|m| m.rule.starts_with("us-4-ap"))
    );
}

#[test]
fn bad_smiles_is_an_error_not_a_panic() {
    for bad in [
        "",
        "C1CC",
        "not a molecule",
        "C(((((",
        &"C".repeat(20_000),
        "ＣＣＯ",
        "c1ccccc",
    ] {
        assert!(
            classifier().classify(bad, day("2026-01-15")).is_err(),
            "{bad:?}"
        );
    }
}
