//! The shipped rules (`data/screen/`) against the shipped registry and the labelled development set
//! (`eval/listings.jsonl`): the acceptance bar, checked on every test run.

use std::sync::Arc;

use pw_screen::eval::{evaluate, parse_set};
use pw_screen::{CueKind, Label, Rules, Screener};

fn screener() -> Screener {
    let registry = Arc::new(pw_registry::Registry::embedded().expect("registry"));
    let rules = Rules::embedded().unwrap_or_else(|e| panic!("rules: {e:#?}"));
    let classifier = Arc::new(pw_classify::Classifier::new(registry.clone()).expect("classifier"));
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
    Screener::new(&registry, rules, Some(classifier), date).expect("screener")
}

#[test]
fn shipped_rules_load_and_every_red_flag_has_a_source() {
    let s = screener();
    let rules = s.rules();
    let flags: Vec<_> = rules
        .cues
        .iter()
        .filter(|c| c.kind == CueKind::RedFlag)
        .collect();
    assert!(flags.len() >= 8, "{} red flags", flags.len());
    for f in &flags {
        assert!(!f.source.trim().is_empty(), "{} has no source", f.id);
    }
    for lang in ["es", "zh"] {
        let n = rules
            .cues
            .iter()
            .filter(|c| {
                if lang == "es" {
                    !c.es.is_empty()
                } else {
                    !c.zh.is_empty()
                }
            })
            .count();
        assert!(
            n * 2 >= rules.cues.len(),
            "only {n} cues have {lang} phrases"
        );
    }
    for computed in ["cas-only", "mixed-catalogue"] {
        assert!(
            rules
                .cues
                .iter()
                .any(|c| c.computed.as_deref() == Some(computed)),
            "no {computed} flag"
        );
    }
    assert!(s.pattern_count() > 500, "{} patterns", s.pattern_count());
    eprintln!(
        "{} patterns, automata {} KiB",
        s.pattern_count(),
        s.automaton_bytes() / 1024
    );
}

#[test]
fn development_set_meets_the_bar() {
    let set = parse_set(include_str!("../../../eval/listings.jsonl")).expect("set");
    assert!(set.len() >= 200, "{} records", set.len());
    let report = evaluate(&screener(), &set);
    let offer = report.label(Label::Offer).expect("offer");
    assert!(
        offer.f1 >= 0.95 && report.benign_as_offer == 0,
        "offer F1 {:.3}, benign labelled offer {}\n{}",
        offer.f1,
        report.benign_as_offer,
        report.to_text()
    );
}
