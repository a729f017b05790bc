//! Behaviour on the real, embedded registry.

use std::sync::{Arc, OnceLock};

use super::*;

fn resolver() -> &'static Resolver {
    static R: OnceLock<Resolver> = OnceLock::new();
    R.get_or_init(|| {
        let reg = Registry::embedded()
            .unwrap_or_else(|e| panic!("embedded registry invalid: {:#?}", e.0));
        Resolver::new(Arc::new(reg))
    })
}

fn ids(q: &str) -> Vec<String> {
    let r = resolver();
    r.resolve(q)
        .unwrap_or_else(|e| panic!("{q}: {e}"))
        .matches
        .iter()
        .map(|m| r.registry().substances()[m.substance].id.clone())
        .collect()
}

#[test]
fn cas_in_every_common_form() {
    for q in [
        "39742-60-4",
        "39742604",
        "CAS No. 39742-60-4",
        "39742 60 4",
        "CAS#39742-60-4",
    ] {
        assert_eq!(ids(q), vec!["npp"], "{q}");
    }
}

#[test]
fn wrong_check_digit_is_bad_input_naming_the_entry() {
    let err = resolver().resolve("39742-60-5").unwrap_err();
    let LookupError::BadCas {
        message,
        suggestion,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(message.contains("check digit"), "{message}");
    assert!(message.contains("is 5"), "{message}");
    assert!(
        suggestion
            .as_deref()
            .is_some_and(|s| s.starts_with("39742-60-4") && s.contains("npp")),
        "{suggestion:?}"
    );
}

#[test]
fn names_normalised() {
    for q in [
        "N-Phenethyl-4-piperidone",
        "n-phenethyl 4-piperidone",
        "N‐PHENETHYL‐4‐PIPERIDONE",
        "  npp  ",
    ] {
        assert!(ids(q).contains(&"npp".to_string()), "{q}");
    }
}

#[test]
fn salts_resolve_to_parent_and_are_reported() {
    let r = resolver()
        .resolve("4-anilinopiperidine dihydrochloride")
        .expect("ok");
    let m = r.matches.first().expect("a match");
    assert_eq!(resolver().registry().substances()[m.substance].id, "4-ap");
    assert_eq!(m.salt.as_deref(), Some("dihydrochloride"));
    let r = resolver().resolve("NPP HCl").expect("ok");
    assert!(r.matches.iter().all(|m| m.salt.as_deref() == Some("HCl")));
}

#[test]
fn ambiguous_abbreviations_say_what_else_they_mean() {
    let r = resolver().resolve("4-AP").expect("ok");
    let m = r
        .matches
        .iter()
        .find(|m| resolver().registry().substances()[m.substance].id == "4-ap")
        .expect("4-ap");
    assert!(m.ambiguous);
    let also = m.also_means.join("; ").to_lowercase();
    assert!(also.contains("aminopyridine"), "{also}");
    let r = resolver().resolve("NPP").expect("ok");
    let m = r.matches.first().expect("npp");
    assert!(m.ambiguous);
    assert!(
        m.also_means
            .join(";")
            .to_lowercase()
            .contains("nandrolone phenylpropionate")
    );
}

#[test]
fn inchikey_full_and_skeleton() {
    assert_eq!(ids("YDJXNYNKKXZBMP-UHFFFAOYSA-N"), vec!["npp"]);
    let r = resolver()
        .resolve("YDJXNYNKKXZBMP-ABCDEFGHSA-N")
        .expect("ok");
    let m = r.matches.first().expect("skeleton match");
    assert!(m.note.as_deref().is_some_and(|n| n.contains("skeleton")));
    assert_eq!(ids("YDJXNYNKKXZBMP"), vec!["npp"]);
}

#[test]
fn not_found_suggests() {
    let r = resolver().resolve("phenethylpiperidon").expect("ok");
    assert!(r.matches.is_empty());
    assert!(
        !r.suggestions.is_empty() && r.suggestions.len() <= 5,
        "{:?}",
        r.suggestions
    );
    let r = resolver().resolve("norfentanil").expect("ok");
    assert!(
        r.suggestions
            .iter()
            .any(|s| s.to_lowercase().contains("norfentanyl")),
        "{:?}",
        r.suggestions
    );
    let r = resolver().resolve("qqqqqqqqzzzz").expect("ok");
    assert!(r.matches.is_empty() && r.suggestions.is_empty());
}

#[test]
fn bad_input() {
    assert_eq!(resolver().resolve("   "), Err(LookupError::Empty));
    assert!(matches!(
        resolver().resolve(&"x".repeat(5000)),
        Err(LookupError::TooLong { .. })
    ));
}

/// Every registry substance is found by each of its names, synonyms, abbreviations, CAS RNs and InChIKey.
#[test]
fn every_identifier_in_the_registry_resolves_to_its_substance() {
    let r = resolver();
    let mut checked = 0;
    for s in r.registry().substances() {
        let mut queries: Vec<String> = vec![s.name.clone()];
        queries.extend(s.names.iter().map(|n| n.text.clone()));
        queries.extend(s.cas.iter().map(|c| c.rn.clone()));
        queries.extend(s.inchikey.clone());
        for q in queries {
            let res = r
                .resolve(&q)
                .unwrap_or_else(|e| panic!("{} by {q:?}: {e}", s.id));
            assert!(
                res.matches
                    .iter()
                    .any(|m| r.registry().substances()[m.substance].id == s.id),
                "{} not found by {q:?}",
                s.id
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} identifiers checked");
}

proptest::proptest! {
    #[test]
    fn never_panics(q in "\\PC{0,60}") {
        let _ = resolver().resolve(&q);
    }
}

#[test]
fn smiles_resolve_through_the_inchikey() {
    let r = resolver();
    let res = r.resolve("O=C1CCN(CCc2ccccc2)CC1").expect("ok");
    let m = res.matches.first().expect("npp by SMILES");
    assert_eq!(r.registry().substances()[m.substance].id, "npp");
    assert_eq!(m.matched_by, MatchedBy::Smiles);
    // Another spelling of the same structure, as a dihydrochloride salt.
    let res = r.resolve("Cl.Cl.C1CNCCC1Nc1ccccc1").expect("ok");
    let m = res.matches.first().expect("4-ap by SMILES");
    assert_eq!(r.registry().substances()[m.substance].id, "4-ap");
    assert!(
        m.salt.as_deref().is_some_and(|s| s.contains("Cl")),
        "{:?}",
        m.salt
    );
    // A stereoisomer not in the registry: same connectivity, reported as such.
    let ephedrine = r
        .registry()
        .substance("ephedrine")
        .and_then(|s| s.smiles.clone())
        .expect("ephedrine smiles");
    let flipped = ephedrine
        .replace("@@", "§")
        .replace('@', "@@")
        .replace('§', "@");
    if flipped != ephedrine {
        let res = r.resolve(&flipped).expect("ok");
        assert!(
            res.matches
                .iter()
                .any(|m| m.matched_by == MatchedBy::Structure || m.matched_by == MatchedBy::Smiles),
            "{flipped}"
        );
    }
}
