//! Human-readable output for the terminal.

use std::fmt::Write;

use pw_registry::Stats;
use pw_resolve::LookupReport;
use pw_trade::TradeReport;

pub(crate) fn lookup(r: &LookupReport) -> String {
    let mut out = String::new();
    if r.matches.is_empty() {
        let _ = writeln!(out, "not found: {}", r.query);
        if !r.suggestions.is_empty() {
            let _ = writeln!(out, "did you mean: {}", r.suggestions.join(", "));
        }
        return out;
    }
    for m in &r.matches {
        let s = &m.substance;
        let _ = writeln!(out, "{} ({})", s.name, s.id);
        let _ = writeln!(out, "  matched by {:?}: {}", m.matched_by, m.matched_text);
        if let Some(salt) = &m.salt {
            let _ = writeln!(out, "  form set aside: {salt}");
        }
        if let Some(note) = &m.note {
            let _ = writeln!(out, "  note: {note}");
        }
        if m.ambiguous {
            let _ = writeln!(out, "  AMBIGUOUS: also means {}", m.also_means.join("; "));
        }
        if !s.cas.is_empty() {
            let _ = writeln!(out, "  CAS: {}", s.cas.join(", "));
        }
        if let Some(k) = &s.inchikey {
            let _ = writeln!(out, "  InChIKey: {k}");
        }
        if m.controls.is_empty() {
            let _ = writeln!(
                out,
                "  no controls{}",
                r.as_of
                    .map(|d| format!(" in force on {d}"))
                    .unwrap_or_default()
            );
        }
        for c in &m.controls {
            let measures: Vec<&str> = c.measures.iter().map(|m| m.as_str()).collect();
            let _ = writeln!(
                out,
                "  {:<4} {:<28} from {}{}{}  [{}]",
                c.jurisdiction,
                c.list,
                c.effective
                    .map_or_else(|| "(date unknown)".to_string(), |d| d.to_string()),
                c.end.map(|d| format!(" until {d}")).unwrap_or_default(),
                if c.verified { "" } else { "  (unverified)" },
                measures.join(", ")
            );
            let _ = writeln!(out, "       {}", c.citation);
        }
    }
    let _ = writeln!(out, "registry {}", r.registry_version);
    out
}

pub(crate) fn check(r: &TradeReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}) {} -> {}{} on {}: {:?}",
        r.substance_name,
        r.substance,
        r.from,
        r.to,
        r.quantity
            .as_deref()
            .map(|q| format!(", {q}"))
            .unwrap_or_default(),
        r.date,
        r.decision
    );
    for o in &r.obligations {
        let _ = writeln!(
            out,
            "- [{}] {} {:?}{}{}",
            o.jurisdiction,
            o.measure.as_str(),
            o.status,
            if o.verified { "" } else { " (unverified)" },
            o.due_by.map(|d| format!(", by {d}")).unwrap_or_default()
        );
        let _ = writeln!(out, "    {}", o.reason);
        let _ = writeln!(out, "    {}", o.citation);
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    let _ = writeln!(out, "registry {}", r.registry_version);
    out
}

pub(crate) fn stats(s: &Stats) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "registry {}", s.version);
    let _ = writeln!(
        out,
        "{} substances, {} names, {} jurisdictions, {} countries in the art. 12(10)(a) regime",
        s.substances, s.names, s.jurisdictions, s.pen_countries
    );
    let pct = if s.controls == 0 {
        0.0
    } else {
        100.0 * s.verified_controls as f64 / s.controls as f64
    };
    let _ = writeln!(
        out,
        "{} controls, {} verified ({pct:.0}%)",
        s.controls, s.verified_controls
    );
    for l in &s.per_list {
        let _ = writeln!(
            out,
            "  {:<5} {:<32} {}",
            l.jurisdiction, l.list, l.substances
        );
    }
    out
}

pub(crate) fn classify(c: &pw_classify::Classification) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", c.canonical_smiles, c.inchikey);
    for r in &c.removed {
        let _ = writeln!(out, "  removed: {r}");
    }
    if c.listed.is_empty() {
        let _ = writeln!(out, "  listed: no registry substance has this structure");
    } else {
        let _ = writeln!(
            out,
            "  LISTED as {} (by {})",
            c.listed.join(", "),
            c.listed_by.join(", ")
        );
    }
    for m in &c.class_matches {
        let _ = writeln!(
            out,
            "  CLASS {} [{} {}]: {}",
            m.rule, m.jurisdiction, m.list, m.explanation
        );
    }
    for w in &c.analogue_warnings {
        let _ = writeln!(
            out,
            "  ANALOGUE of {} ({:.2}): {}",
            w.substance, w.similarity, w.reason
        );
    }
    let sim: Vec<String> = c
        .similar
        .iter()
        .map(|s| format!("{} {:.2}", s.substance, s.similarity))
        .collect();
    let _ = writeln!(out, "  similar: {}", sim.join(", "));
    let _ = writeln!(
        out,
        "rules as of {}, registry {}",
        c.as_of, c.registry_version
    );
    out
}
