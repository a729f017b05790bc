//! Trade-check scenarios written from the sources, each citing the rule it checks.
//!
//! Every row runs the real engine on the embedded registry. `must` lists obligations that must be present
//! (jurisdiction, measure); `must_not` those that must be absent; `note` a phrase one of the notes must
//! contain. When a row fails after a data change, the data change is what needs reviewing.

use std::sync::{Arc, OnceLock};

use pw_registry::Registry;
use pw_resolve::Resolver;
use pw_trade::{CheckError, CheckRequest, Decision, Status, TradeReport, check_request};

fn resolver() -> &'static Resolver {
    static R: OnceLock<Resolver> = OnceLock::new();
    R.get_or_init(|| {
        Resolver::new(Arc::new(
            Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0)),
        ))
    })
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default()
}

struct Scenario {
    rule: &'static str,
    substance: &'static str,
    from: &'static str,
    to: &'static str,
    quantity: Option<&'static str>,
    date: &'static str,
    decision: Decision,
    must: &'static [(&'static str, &'static str)],
    must_not: &'static [(&'static str, &'static str)],
    note: Option<&'static str>,
}

fn run(s: &Scenario) -> TradeReport {
    let req = CheckRequest {
        substance: s.substance.into(),
        from: s.from.into(),
        to: s.to.into(),
        quantity: s.quantity.map(Into::into),
        date: Some(s.date.into()),
    };
    check_request(resolver(), &req, today()).unwrap_or_else(|e| panic!("{}: {e}", s.rule))
}

fn has(r: &TradeReport, j: &str, m: &str) -> bool {
    r.obligations
        .iter()
        .any(|o| o.jurisdiction == j && o.measure.as_str() == m)
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        rule: "CN Decree 445 art. 26: every export of a catalogue precursor needs a MOFCOM licence; MX LFCPQ import permit; \
               Nov 2025 CN announcement for US/MX/CA (unitemised -> verify); 1988 Convention art. 12(10)(a) PEN to MX",
        substance: "NPP",
        from: "CN",
        to: "MX",
        quantity: Some("25kg"),
        date: "2026-01-15",
        decision: Decision::Conditional,
        must: &[
            ("CN", "licence-export"),
            ("MX", "licence-import"),
            ("UN", "pre-export-notification"),
        ],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "CN catalogue Category I listing of NPP effective 2018-02-01: no CN duty before it",
        substance: "NPP",
        from: "CN",
        to: "MX",
        quantity: Some("25kg"),
        date: "2017-06-01",
        decision: Decision::Conditional,
        must: &[("MX", "licence-import")],
        must_not: &[("CN", "licence-export"), ("CN", "pre-export-notification")],
        note: Some("not controlled in CN"),
    },
    Scenario {
        rule: "US List I, 21 CFR 1313.21: Form 486 export declaration 15 days ahead; 1310.04(g): NPP has no threshold",
        substance: "39742-60-4",
        from: "US",
        to: "MX",
        quantity: Some("1 g"),
        date: "2024-03-01",
        decision: Decision::Conditional,
        must: &[
            ("US", "export-notification"),
            ("US", "registration"),
            ("MX", "licence-import"),
        ],
        must_not: &[("US", "licence-export")],
        note: None,
    },
    Scenario {
        rule: "85 FR 20822: 4-AP on US List I from 2020-05-15; none of the US duties the day before",
        substance: "4-anilinopiperidine",
        from: "US",
        to: "DE",
        quantity: Some("5 kg"),
        date: "2020-05-14",
        decision: Decision::Allowed,
        must: &[],
        must_not: &[
            ("US", "export-notification"),
            ("US", "registration"),
            ("EU", "licence-import"),
        ],
        note: Some("not controlled in US"),
    },
    Scenario {
        rule: "85 FR 20822 (US List I from 2020-05-15) and 21 CFR 1313.21 (15 days)",
        substance: "4-anilinopiperidine",
        from: "US",
        to: "DE",
        quantity: Some("5 kg"),
        date: "2020-05-15",
        decision: Decision::Conditional,
        must: &[("US", "export-notification")],
        must_not: &[("EU", "licence-import")],
        note: None,
    },
    Scenario {
        rule: "88 FR 21902: 4-piperidone on US List I from 2023-05-12; an import the day before owes nothing in the US",
        substance: "4-piperidone",
        from: "CA",
        to: "US",
        quantity: Some("10 kg"),
        date: "2023-05-11",
        decision: Decision::Conditional,
        must: &[("CA", "licence-export")],
        must_not: &[("US", "import-notification")],
        note: Some("not controlled in US"),
    },
    Scenario {
        rule: "88 FR 21902 + 21 CFR 1313.12: Form 486 import declaration for 4-piperidone from 2023-05-12",
        substance: "4-piperidone",
        from: "CA",
        to: "US",
        quantity: Some("10 kg"),
        date: "2023-05-12",
        decision: Decision::Conditional,
        must: &[("US", "import-notification"), ("CA", "licence-export")],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "75 FR 37295 / 21 CFR 1312.21: ANPP is a Schedule II immediate precursor: DEA export permit, not Form 486",
        substance: "ANPP",
        from: "US",
        to: "MX",
        quantity: Some("2 kg"),
        date: "2024-01-10",
        decision: Decision::Conditional,
        must: &[("US", "licence-export"), ("US", "registration")],
        must_not: &[("US", "export-notification")],
        note: None,
    },
    Scenario {
        rule: "85 FR 21320 / 21 CFR 1312.11: norfentanyl (Schedule II) import needs a DEA import permit",
        substance: "norfentanyl",
        from: "MX",
        to: "US",
        quantity: Some("1 kg"),
        date: "2021-06-01",
        decision: Decision::Conditional,
        must: &[("US", "licence-import")],
        must_not: &[("US", "import-notification")],
        note: None,
    },
    Scenario {
        rule: "21 CFR 1310.04(f)(2)(i): acetone import/export threshold 1,500 kg; below it no Form 486",
        substance: "acetone",
        from: "US",
        to: "MX",
        quantity: Some("100 kg"),
        date: "2024-01-10",
        decision: Decision::Conditional,
        must: &[("MX", "import-notification")],
        must_not: &[("US", "export-notification")],
        note: Some("below the"),
    },
    Scenario {
        rule: "21 CFR 1310.04(f)(2)(i): acetone at 2 t is above the 1,500 kg export threshold",
        substance: "acetone",
        from: "US",
        to: "MX",
        quantity: Some("2 t"),
        date: "2024-01-10",
        decision: Decision::Conditional,
        must: &[("US", "export-notification")],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "21 CFR 1310.04(f)(1)(i): piperidine threshold 500 g; 400 g needs no Form 486",
        substance: "piperidine",
        from: "US",
        to: "CA",
        quantity: Some("400 g"),
        date: "2024-01-10",
        decision: Decision::Conditional,
        must: &[("CA", "licence-import")],
        must_not: &[("US", "export-notification")],
        note: Some("below the"),
    },
    Scenario {
        rule: "21 CFR 1310.04(f)(1)(i): piperidine at 600 g is above the 500 g threshold",
        substance: "piperidine",
        from: "US",
        to: "CA",
        quantity: Some("600 g"),
        date: "2024-01-10",
        decision: Decision::Conditional,
        must: &[("US", "export-notification"), ("CA", "licence-import")],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "Thresholds in kg are not compared with litres: the Form 486 duty stays, with the reason",
        substance: "acetone",
        from: "US",
        to: "MX",
        quantity: Some("2000 L"),
        date: "2024-01-10",
        decision: Decision::Conditional,
        must: &[("US", "export-notification")],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "Reg. (EC) 273/2004: intra-EU trade is internal: no export authorisation or PEN (Reg. 111/2005 applies to third countries only)",
        substance: "4-AP",
        from: "DE",
        to: "FR",
        quantity: Some("1 kg"),
        date: "2024-06-01",
        decision: Decision::Conditional,
        must: &[("EU", "registration")],
        must_not: &[
            ("EU", "licence-export"),
            ("EU", "pre-export-notification"),
            ("EU", "licence-import"),
            ("UN", "pre-export-notification"),
        ],
        note: Some("internal trade"),
    },
    Scenario {
        rule: "Reg. (EC) 111/2005 art. 11-12 and Delegated Reg. 2023/196: Category 1 export from a member state needs an export authorisation and a PEN",
        substance: "4-AP",
        from: "DE",
        to: "US",
        quantity: Some("1 kg"),
        date: "2024-06-01",
        decision: Decision::Conditional,
        must: &[
            ("EU", "licence-export"),
            ("EU", "pre-export-notification"),
            ("US", "import-notification"),
        ],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "Delegated Reg. 2023/196: 4-AP in EU Category 1 only from 2023-02-20",
        substance: "4-AP",
        from: "NL",
        to: "US",
        quantity: Some("1 kg"),
        date: "2022-06-01",
        decision: Decision::Conditional,
        must: &[("US", "import-notification")],
        must_not: &[("EU", "licence-export")],
        note: Some("not controlled in EU"),
    },
    Scenario {
        rule: "UK left the EU customs rules on 2021-01-01 (end of transition): before it, EU export rules applied to GB",
        substance: "NPP",
        from: "GB",
        to: "US",
        quantity: Some("1 kg"),
        date: "2020-06-01",
        decision: Decision::Conditional,
        must: &[("EU", "licence-export"), ("US", "import-notification")],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "After 2021-01-01 GB is not an EU member: no EU duty; GB has no national data here (said, not silent)",
        substance: "NPP",
        from: "GB",
        to: "US",
        quantity: Some("1 kg"),
        date: "2021-06-01",
        decision: Decision::Conditional,
        must: &[("US", "import-notification")],
        must_not: &[("EU", "licence-export")],
        note: Some("GB has no national control data"),
    },
    Scenario {
        rule: "83 FR 5188 + HALT Fentanyl Act: fentanyl-related substances are Schedule I: no commercial import (21 U.S.C. 952)",
        substance: "fentanyl-related substances",
        from: "CN",
        to: "US",
        quantity: Some("1 kg"),
        date: "2026-01-15",
        decision: Decision::Prohibited,
        must: &[("US", "prohibited"), ("CN", "prohibited")],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "INCB's list of fentanyl-related substances with no legitimate use is voluntary: verify, never a prohibition by itself",
        substance: "fentanyl-related substances",
        from: "IN",
        to: "BR",
        quantity: None,
        date: "2026-01-15",
        decision: Decision::Conditional,
        must: &[("INCB", "prohibited")],
        must_not: &[("US", "prohibited")],
        note: Some("IN has no national control data"),
    },
    Scenario {
        rule: "Nov 2025 CN announcement covers exports to US, MX and CA only: none for an export of NPP to DE",
        substance: "NPP",
        from: "CN",
        to: "DE",
        quantity: Some("5 kg"),
        date: "2026-01-15",
        decision: Decision::Conditional,
        must: &[("CN", "licence-export"), ("EU", "licence-import")],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "Nov 2025 CN announcement (effective 2025-11-10) reaches Category III chemicals to the US too: verify",
        substance: "toluene",
        from: "CN",
        to: "US",
        quantity: Some("20 t"),
        date: "2026-01-15",
        decision: Decision::Conditional,
        must: &[("CN", "licence-export"), ("US", "import-notification")],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "India is not recorded as invoking art. 12(10)(a): the PEN question is answered in a note",
        substance: "NPP",
        from: "CN",
        to: "IN",
        quantity: Some("5 kg"),
        date: "2026-01-15",
        decision: Decision::Conditional,
        must: &[("CN", "licence-export")],
        must_not: &[("UN", "pre-export-notification")],
        note: Some("not recorded as having invoked art. 12(10)(a)"),
    },
    Scenario {
        rule: "85 FR 20822: 1-boc-4-AP is a carbamate of 4-AP, covered on US List I with 4-AP's date (2020-05-15)",
        substance: "1-boc-4-AP",
        from: "US",
        to: "MX",
        quantity: Some("1 kg"),
        date: "2020-06-01",
        decision: Decision::Conditional,
        must: &[("US", "export-notification")],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "88 FR 21902: 1-boc-4-piperidone is covered as a carbamate of 4-piperidone from 2023-05-12, not before",
        substance: "1-boc-4-piperidone",
        from: "US",
        to: "MX",
        quantity: Some("1 kg"),
        date: "2023-05-01",
        decision: Decision::Allowed,
        must: &[],
        must_not: &[("US", "export-notification")],
        note: None,
    },
    Scenario {
        rule: "Canada Precursor Control Regulations: Class A precursors (CDSA Schedule VI Part 1) need an export permit; US Form 486 on import",
        substance: "norfentanyl",
        from: "CA",
        to: "US",
        quantity: Some("1 kg"),
        date: "2024-01-10",
        decision: Decision::Conditional,
        must: &[("CA", "licence-export"), ("US", "licence-import")],
        must_not: &[],
        note: None,
    },
    Scenario {
        rule: "A salt is checked as its parent and the form is reported (21 CFR 1310.02: 'and its salts')",
        substance: "4-anilinopiperidine dihydrochloride",
        from: "US",
        to: "MX",
        quantity: Some("1 kg"),
        date: "2024-01-10",
        decision: Decision::Conditional,
        must: &[("US", "export-notification")],
        must_not: &[],
        note: Some("dihydrochloride"),
    },
];

#[test]
fn scenarios_from_the_sources() {
    assert!(SCENARIOS.len() >= 25, "{} scenarios", SCENARIOS.len());
    let mut failures = Vec::new();
    for s in SCENARIOS {
        let r = run(s);
        let mut why = Vec::new();
        if r.decision != s.decision {
            why.push(format!(
                "decision {:?}, expected {:?}",
                r.decision, s.decision
            ));
        }
        for (j, m) in s.must {
            if !has(&r, j, m) {
                why.push(format!("missing {j} {m}"));
            }
        }
        for (j, m) in s.must_not {
            if has(&r, j, m) {
                why.push(format!("unexpected {j} {m}"));
            }
        }
        if let Some(n) = s.note
            && !r.notes.iter().any(|x| x.contains(n))
        {
            why.push(format!("no note containing {n:?}: {:?}", r.notes));
        }
        for o in &r.obligations {
            if o.citation.trim().is_empty()
                || o.source.trim().is_empty()
                || o.reason.trim().is_empty()
            {
                why.push(format!(
                    "obligation without reason, citation or source: {o:?}"
                ));
            }
        }
        if !why.is_empty() {
            failures.push(format!("{}\n    {}", s.rule, why.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} scenario(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_november_2025_event_is_never_silent() {
    let r = run(&SCENARIOS[0]);
    let event = r
        .obligations
        .iter()
        .find(|o| o.reason.contains("cn-2025-11-10"))
        .expect("event obligation");
    assert_eq!(event.status, Status::Verify);
    assert!(event.reason.contains("not itemised"));
    assert!(event.reason.contains("verify with the exporting authority"));
}

#[test]
fn lead_times_give_a_due_date() {
    let r = run(&SCENARIOS[2]);
    let o = r
        .obligations
        .iter()
        .find(|o| o.jurisdiction == "US" && o.measure.as_str() == "export-notification")
        .expect("486");
    assert_eq!(o.lead_time_days, Some(15));
    assert_eq!(o.due_by, chrono::NaiveDate::from_ymd_opt(2024, 2, 15));
}

#[test]
fn bad_fields_are_named() {
    let base = CheckRequest {
        substance: "NPP".into(),
        from: "CN".into(),
        to: "MX".into(),
        quantity: Some("25kg".into()),
        date: Some("2026-01-15".into()),
    };
    let field = |req: CheckRequest| match check_request(resolver(), &req, today()) {
        Err(CheckError::Input(e)) => e.field,
        other => panic!("expected an input error, got {other:?}"),
    };
    assert_eq!(
        field(CheckRequest {
            to: "XX".into(),
            ..base.clone()
        }),
        "to"
    );
    assert_eq!(
        field(CheckRequest {
            from: "Mexico".into(),
            ..base.clone()
        }),
        "from"
    );
    assert_eq!(
        field(CheckRequest {
            quantity: Some("-5 kg".into()),
            ..base.clone()
        }),
        "quantity"
    );
    assert_eq!(
        field(CheckRequest {
            quantity: Some("25".into()),
            ..base.clone()
        }),
        "quantity"
    );
    assert_eq!(
        field(CheckRequest {
            date: Some("15/01/2026".into()),
            ..base.clone()
        }),
        "date"
    );
    assert_eq!(
        field(CheckRequest {
            to: "CN".into(),
            ..base.clone()
        }),
        "to"
    );
    assert!(matches!(
        check_request(
            resolver(),
            &CheckRequest {
                substance: "unobtainium".into(),
                ..base
            },
            today()
        ),
        Err(CheckError::NotFound { .. })
    ));
}
