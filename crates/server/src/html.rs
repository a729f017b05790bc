//! Plain HTML pages: a lookup form and a check form, working without JavaScript.
//!
//! Deliberately small: the full web UI (templates, dashboards, sign-in) is a later piece of work. These pages
//! use the same report types as the API, so what an official sees here is what a script gets.

use std::fmt::Write;

use axum::extract::{Query, State};
use axum::response::Html;
use pw_resolve::LookupReport;
use pw_trade::{CheckRequest, TradeReport};
use serde::Deserialize;

use crate::{AppError, AppState};

/// Escape text for HTML element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}\
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}label{display:block;margin:.4rem 0 .1rem;font-weight:600}\
input{font:inherit;padding:.3rem .5rem;border:1px solid #8a939d;border-radius:4px}button{font:inherit;padding:.35rem 1rem;margin-top:.6rem}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}\
.muted{color:#57606a;font-size:.9rem}.bad{color:#a40e26}.ok{color:#116329}.warn{color:#7d4e00}code{font-size:.9rem}";

fn page(title: &str, body: &str, version: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{} · Precursor Watch</title><style>{STYLE}</style></head><body><header><a href=\"/\">Precursor Watch</a></header><main>{body}</main>\
<footer class=\"muted\"><p>Registry {}</p></footer></body></html>",
        esc(title),
        esc(version)
    ))
}

fn forms(q: &str, c: &CheckRequest) -> String {
    format!(
        "<h2>Look up a substance</h2><form action=\"/lookup\" method=\"get\"><label for=\"q\">Name, abbreviation, CAS RN or InChIKey</label>\
<input id=\"q\" name=\"q\" value=\"{}\" size=\"40\" required><label for=\"as_of\">In force on (optional)</label>\
<input id=\"as_of\" name=\"as_of\" type=\"date\"><br><button type=\"submit\">Look up</button></form>\
<h2>Check a shipment</h2><form action=\"/check\" method=\"get\"><label for=\"substance\">Substance</label>\
<input id=\"substance\" name=\"substance\" value=\"{}\" required><label for=\"from\">From (ISO country code)</label>\
<input id=\"from\" name=\"from\" value=\"{}\" size=\"4\" required><label for=\"to\">To (ISO country code)</label>\
<input id=\"to\" name=\"to\" value=\"{}\" size=\"4\" required><label for=\"quantity\">Quantity (e.g. 25kg)</label>\
<input id=\"quantity\" name=\"quantity\" value=\"{}\"><label for=\"date\">Date</label><input id=\"date\" name=\"date\" type=\"date\" value=\"{}\">\
<br><button type=\"submit\">Check</button></form>",
        esc(q),
        esc(&c.substance),
        esc(&c.from),
        esc(&c.to),
        esc(c.quantity.as_deref().unwrap_or("")),
        esc(c.date.as_deref().unwrap_or(""))
    )
}

pub(crate) async fn home(State(st): State<AppState>) -> Html<String> {
    let body = format!(
        "<h1>Precursor Watch</h1><p>Identity and legal status of drug-precursor chemicals, with the legal basis for every answer.</p>{}",
        forms("", &CheckRequest::default())
    );
    page("Home", &body, st.registry.version())
}

#[derive(Debug, Deserialize)]
pub(crate) struct LookupForm {
    #[serde(default)]
    q: String,
    as_of: Option<String>,
    jurisdiction: Option<String>,
}

fn error_block(e: &AppError) -> String {
    format!(
        "<p class=\"bad\" role=\"alert\"><strong>{}</strong>{}</p>",
        esc(&e.message),
        e.field
            .as_deref()
            .map(|f| format!(" (field <code>{}</code>)", esc(f)))
            .unwrap_or_default()
    )
}

pub(crate) async fn lookup(
    State(st): State<AppState>,
    Query(f): Query<LookupForm>,
) -> Html<String> {
    let mut body = String::from("<h1>Lookup</h1>");
    match crate::api::lookup_report(&st, &f.q, f.as_of.as_deref(), f.jurisdiction.as_deref()) {
        Ok(r) => render_lookup(&mut body, &r),
        Err(e) => body.push_str(&error_block(&e)),
    }
    body.push_str(&forms(&f.q, &CheckRequest::default()));
    page(&format!("Lookup {}", f.q), &body, st.registry.version())
}

fn render_lookup(out: &mut String, r: &LookupReport) {
    if r.matches.is_empty() {
        let _ = write!(
            out,
            "<p>No substance in the registry matches <strong>{}</strong>.</p>",
            esc(&r.query)
        );
        if !r.suggestions.is_empty() {
            out.push_str("<p>Did you mean: ");
            let links: Vec<String> = r
                .suggestions
                .iter()
                .map(|s| format!("<a href=\"/lookup?q={}\">{}</a>", urlenc(s), esc(s)))
                .collect();
            out.push_str(&links.join(", "));
            out.push_str("</p>");
        }
        return;
    }
    for m in &r.matches {
        let s = &m.substance;
        let _ = write!(
            out,
            "<h2>{} <span class=\"muted\">({})</span></h2><p>Matched by {:?} on <q>{}</q>{}{}</p>",
            esc(&s.name),
            esc(&s.id),
            m.matched_by,
            esc(&m.matched_text),
            m.salt
                .as_deref()
                .map(|x| format!("; form set aside: {}", esc(x)))
                .unwrap_or_default(),
            m.note
                .as_deref()
                .map(|x| format!("; {}", esc(x)))
                .unwrap_or_default()
        );
        if m.ambiguous {
            let _ = write!(
                out,
                "<p class=\"warn\">Ambiguous: also means {}</p>",
                esc(&m.also_means.join("; "))
            );
        }
        let _ = write!(
            out,
            "<p class=\"muted\">CAS {} · InChIKey {} · formula {}</p>",
            esc(&s.cas.join(", ")),
            esc(s.inchikey.as_deref().unwrap_or("—")),
            esc(s.formula.as_deref().unwrap_or("—"))
        );
        out.push_str("<table><thead><tr><th>Jurisdiction</th><th>List</th><th>In force</th><th>Measures</th><th>Legal basis</th><th>Verified</th></tr></thead><tbody>");
        for c in &m.controls {
            let measures: Vec<&str> = c.measures.iter().map(|m| m.as_str()).collect();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{} <a href=\"{}\" rel=\"noreferrer\">source</a></td><td>{}</td></tr>",
                esc(&c.jurisdiction),
                esc(&c.list_name),
                c.effective
                    .map_or_else(|| "date unknown".to_string(), |d| d.to_string()),
                c.end.map(|d| format!(" until {d}")).unwrap_or_default(),
                esc(&measures.join(", ")),
                esc(&c.citation),
                esc(c.source.split_whitespace().next().unwrap_or("")),
                if c.verified {
                    "<span class=\"ok\">verified</span>"
                } else {
                    "<span class=\"warn\">unverified</span>"
                }
            );
        }
        out.push_str("</tbody></table>");
    }
}

fn urlenc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[derive(Debug, Deserialize)]
pub(crate) struct CheckForm {
    #[serde(default)]
    substance: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    quantity: Option<String>,
    date: Option<String>,
}

pub(crate) async fn check(State(st): State<AppState>, Query(f): Query<CheckForm>) -> Html<String> {
    let req = CheckRequest {
        substance: f.substance,
        from: f.from,
        to: f.to,
        quantity: f.quantity,
        date: f.date,
    };
    let mut body = String::from("<h1>Trade check</h1>");
    match pw_trade::check_request(&st.resolver, &req, chrono::Utc::now().date_naive()) {
        Ok(r) => render_check(&mut body, &r),
        Err(e) => body.push_str(&error_block(&crate::api::check_error(e))),
    }
    body.push_str(&forms("", &req));
    page("Trade check", &body, st.registry.version())
}

fn render_check(out: &mut String, r: &TradeReport) {
    let class = match r.decision {
        pw_trade::Decision::Allowed => "ok",
        pw_trade::Decision::Conditional => "warn",
        pw_trade::Decision::Prohibited => "bad",
    };
    let _ = write!(
        out,
        "<p>{} ({}) from {} to {}{} on {}: <strong class=\"{class}\">{:?}</strong></p>",
        esc(&r.substance_name),
        esc(&r.substance),
        esc(&r.from),
        esc(&r.to),
        r.quantity
            .as_deref()
            .map(|q| format!(", {}", esc(q)))
            .unwrap_or_default(),
        r.date,
        r.decision
    );
    if !r.obligations.is_empty() {
        out.push_str("<table><thead><tr><th>Who</th><th>Measure</th><th>Why</th><th>Legal basis</th><th>Status</th></tr></thead><tbody>");
        for o in &r.obligations {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} <a href=\"{}\" rel=\"noreferrer\">source</a></td><td>{:?}{}</td></tr>",
                esc(&o.jurisdiction),
                esc(o.measure.as_str()),
                esc(&o.reason),
                esc(&o.citation),
                esc(o.source.split_whitespace().next().unwrap_or("")),
                o.status,
                if o.verified { "" } else { " (unverified)" }
            );
        }
        out.push_str("</tbody></table>");
    }
    if !r.notes.is_empty() {
        out.push_str("<h2>Notes</h2><ul>");
        for n in &r.notes {
            let _ = write!(out, "<li>{}</li>", esc(n));
        }
        out.push_str("</ul>");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(
            super::esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(super::urlenc("4-AP 2HCl"), "4-AP%202HCl");
    }
}
