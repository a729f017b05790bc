//! Reference pages, open to visitors as the reference API is: lookup, the substance page (names,
//! identifiers, the structure drawing, controls on a timeline), the trade check and screening.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};
use pw_registry::Substance;
use pw_resolve::{ControlView, LookupReport};
use pw_trade::{CheckRequest, TradeReport};
use serde::Deserialize;

use super::layout::{source, verified_mark};
use super::{Ctx, WebResult, urlenc};
use crate::{AppError, AppState};

// ------------------------------------------------------------------------------------------------------
// Lookup

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LookupForm {
    #[serde(default)]
    q: String,
    as_of: Option<String>,
    jurisdiction: Option<String>,
}

/// The lookup form (also on the home page).
pub(crate) fn lookup_form(ctx: &Ctx, q: &str, as_of: &str) -> Markup {
    html! {
        form action="/lookup" method="get" role="search" class="card" {
            h2 { (ctx.t("lookup.form_title")) }
            label for="q" { (ctx.t("lookup.q")) span.hint { (ctx.t("lookup.q_hint")) } }
            input #q name="q" type="text" value=(q) required autocomplete="off";
            label for="as_of" { (ctx.t("lookup.as_of")) }
            input #as_of name="as_of" type="date" value=(as_of);
            div { button type="submit" { (ctx.t("lookup.submit")) } }
        }
    }
}

/// `GET /lookup?q=…`: the matches, each with its controls and a link to the substance page.
pub(crate) async fn lookup(
    ctx: Ctx,
    State(st): State<AppState>,
    Query(f): Query<LookupForm>,
) -> WebResult {
    let mut status = StatusCode::OK;
    let result = if f.q.trim().is_empty() {
        html! {}
    } else {
        match crate::api::lookup_report(&st, &f.q, f.as_of.as_deref(), f.jurisdiction.as_deref()) {
            Ok(r) => render_lookup(&ctx, &r),
            Err(e) => {
                status = StatusCode::OK;
                ctx.error_block(&e)
            }
        }
    };
    let body = html! {
        h1 { (ctx.t("lookup.title")) }
        (result)
        (lookup_form(&ctx, &f.q, f.as_of.as_deref().unwrap_or("")))
    };
    let title = if f.q.is_empty() {
        ctx.t("lookup.title").to_string()
    } else {
        format!("{} {}", ctx.t("lookup.title"), f.q)
    };
    Ok(ctx.page_with(status, &title, body))
}

fn render_lookup(ctx: &Ctx, r: &LookupReport) -> Markup {
    if r.matches.is_empty() {
        return html! {
            p { (ctx.t("lookup.none")) " " strong { (r.query) } }
            @if !r.suggestions.is_empty() {
                p { (ctx.t("lookup.did_you_mean")) " "
                    @for (i, s) in r.suggestions.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href={ "/lookup?q=" (urlenc(s)) } { (s) }
                    }
                }
            }
        };
    }
    html! {
        @for m in &r.matches {
            @let s = &m.substance;
            section.card {
                h2 { a href={ "/substances/" (urlenc(&s.id)) } { (s.name) } " " span.muted.small { "(" (s.id) ")" } }
                p {
                    (ctx.t("lookup.matched_by")) " " code { (format!("{:?}", m.matched_by)) } " "
                    (ctx.t("lookup.on")) " " q { (m.matched_text) }
                    @if let Some(x) = &m.salt { "; " (ctx.t("lookup.salt")) " " (x) }
                    @if let Some(x) = &m.note { "; " (x) }
                }
                @if m.ambiguous {
                    p.alert { (ctx.t("lookup.ambiguous")) " " (m.also_means.join("; ")) }
                }
                p.muted { "CAS " (s.cas.join(", ")) " · InChIKey " (s.inchikey.as_deref().unwrap_or("—"))
                    " · " (ctx.t("substance.formula")) " " (s.formula.as_deref().unwrap_or("—")) }
                (controls_table(ctx, &m.controls))
                p { a.button href={ "/substances/" (urlenc(&s.id)) } { (ctx.t("lookup.open")) } }
            }
        }
    }
}

fn controls_table(ctx: &Ctx, controls: &[ControlView]) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (ctx.t("control.jurisdiction")) }
                th scope="col" { (ctx.t("control.list")) }
                th scope="col" { (ctx.t("control.in_force")) }
                th scope="col" { (ctx.t("control.measures")) }
                th scope="col" { (ctx.t("control.basis")) }
                th scope="col" { (ctx.t("control.verified")) }
            } }
            tbody {
                @for c in controls {
                    tr {
                        td { (c.jurisdiction) }
                        td { (c.list_name) }
                        td {
                            (c.effective.map_or_else(|| ctx.t("control.date_unknown").to_string(), |d| d.to_string()))
                            @if let Some(end) = c.end { " " (ctx.t("control.until")) " " (end.to_string()) }
                        }
                        td { (c.measures.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")) }
                        td { (c.citation) " " (source(ctx, &c.source)) }
                        td { (verified_mark(ctx, c.verified)) }
                    }
                }
            }
        } }
    }
}

// ------------------------------------------------------------------------------------------------------
// Substance page

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AsOf {
    as_of: Option<String>,
}

fn find<'a>(st: &'a AppState, id: &str) -> Option<&'a Substance> {
    st.registry.substances().iter().find(|s| s.id == id)
}

fn json_str<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `GET /substances/{id}`: names, identifiers, drawing, controls per jurisdiction on a timeline.
pub(crate) async fn substance(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> WebResult {
    let Some(s) = find(&st, &id) else {
        return Err(ctx.fail(AppError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such substance",
        )));
    };
    let as_of = crate::api::parse_as_of(q.as_of.as_deref()).map_err(|e| ctx.fail(e))?;
    let controls = pw_resolve::controls_view(&st.registry, s, as_of, &[]);
    let all_controls = pw_resolve::controls_view(&st.registry, s, None, &[]);
    let today = chrono::Utc::now().date_naive();
    let mut jurisdictions: Vec<&str> = controls.iter().map(|c| c.jurisdiction.as_str()).collect();
    jurisdictions.sort_unstable();
    jurisdictions.dedup();
    let body = html! {
        div.substance-head {
            div {
                h1 { (s.name) }
                p.muted { (ctx.t(&format!("kind.{}", json_str(&s.kind)))) " · " code { (s.id) } }
                h2 { (ctx.t("substance.identifiers")) }
                dl.facts {
                    @for c in &s.cas {
                        dt { "CAS RN" @if c.form != "parent" { " (" (c.form) ")" } }
                        dd { code { (c.rn) } " " (verified_mark(&ctx, c.verified))
                            @if let Some(src) = &c.source { " " (source(&ctx, src)) } }
                    }
                    @if let Some(k) = &s.inchikey { dt { "InChIKey" } dd { code { (k) } } }
                    @if let Some(f) = &s.formula { dt { (ctx.t("substance.formula")) } dd { (f) } }
                    @if let Some(sm) = &s.smiles { dt { "SMILES" } dd { code { (sm) } } }
                    @if let Some(i) = &s.iupac { dt { "IUPAC" } dd { (i) } }
                    @for e in &s.ec { dt { "EC" } dd { (e) } }
                    @for u in &s.unii { dt { "UNII" } dd { (u) } }
                    @for h in &s.hs {
                        dt { "HS" @if let Some(j) = &h.jurisdiction { " (" (j) ")" } }
                        dd { (h.code) " " (verified_mark(&ctx, h.verified)) }
                    }
                    @if let Some(src) = &s.structure_source { dt { (ctx.t("substance.structure_source")) } dd { (source(&ctx, src)) } }
                }
            }
            figure.structure {
                @if s.smiles.is_some() {
                    img src={ "/substances/" (urlenc(&s.id)) "/structure.svg" } alt={ (ctx.t("substance.drawing_alt")) " " (s.name) } width="200";
                    figcaption { (ctx.t("substance.drawing")) }
                } @else {
                    p.muted { (ctx.t("substance.no_structure")) }
                }
            }
        }
        h2 #controls { (ctx.t("substance.controls")) }
        @if !all_controls.is_empty() { (timeline(&ctx, &all_controls, today)) }
        form.card action={ "/substances/" (urlenc(&s.id)) } method="get" {
            label for="as_of" { (ctx.t("substance.as_of")) span.hint { (ctx.t("substance.as_of_hint")) } }
            input #as_of name="as_of" type="date" value=(q.as_of.as_deref().unwrap_or(""));
            div { button.secondary type="submit" { (ctx.t("substance.as_of_submit")) } }
        }
        @if controls.is_empty() {
            p { (ctx.t("substance.no_controls")) }
        }
        @for j in &jurisdictions {
            h3 { (j) }
            (controls_table(&ctx, &controls.iter().filter(|c| c.jurisdiction == *j).cloned().collect::<Vec<_>>()))
        }
        h2 { (ctx.t("substance.names")) }
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (ctx.t("substance.name")) }
                th scope="col" { (ctx.t("substance.name_kind")) }
                th scope="col" { (ctx.t("substance.lang")) }
                th scope="col" { (ctx.t("fact.source")) }
            } }
            tbody {
                @for n in &s.names {
                    tr {
                        td lang=(n.lang) { (n.text)
                            @if n.ambiguous { " " span.badge.unverified { (ctx.t("substance.ambiguous")) } } }
                        td { (json_str(&n.kind)) }
                        td { (n.lang) }
                        td { @if let Some(src) = &n.source { (source(&ctx, src)) } }
                    }
                }
            }
        } }
        @if let Some(n) = &s.notes { h2 { (ctx.t("substance.notes")) } p.small { (n) } }
        p { a href={ "/check?substance=" (urlenc(&s.id)) } { (ctx.t("substance.check_link")) } }
    };
    Ok(ctx.page(&s.name, body))
}

/// The controls of a substance as one row per jurisdiction on a time axis (hand-written SVG: bands from
/// the date a control took effect to its end or today; unverified controls in another colour).
fn timeline(ctx: &Ctx, controls: &[ControlView], today: NaiveDate) -> Markup {
    let mut js: Vec<&str> = controls.iter().map(|c| c.jurisdiction.as_str()).collect();
    js.sort_unstable();
    js.dedup();
    let first_year = controls
        .iter()
        .filter_map(|c| c.effective.map(|d| d.year()))
        .min()
        .unwrap_or(today.year() - 10)
        .min(today.year() - 2);
    let start = NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap_or(today);
    let end = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).unwrap_or(today);
    let span = (end - start).num_days().max(1) as f64;
    let (left, width, row) = (56.0, 640.0, 26.0);
    let x = |d: NaiveDate| left + width * ((d - start).num_days() as f64 / span).clamp(0.0, 1.0);
    let height = 30.0 + row * js.len() as f64;
    let step = ((end.year() - first_year) / 8).max(1);
    let years: Vec<i32> = (first_year..=end.year()).step_by(step as usize).collect();
    html! {
        figure.chart {
            figcaption #timeline-title { (ctx.t("substance.timeline")) }
            svg.timeline viewBox={ "0 0 " (left + width + 24.0) " " (height) } role="img" aria-labelledby="timeline-title" {
                @for y in &years {
                    @if let Some(d) = NaiveDate::from_ymd_opt(*y, 1, 1) {
                        line.grid x1=(x(d)) x2=(x(d)) y1="0" y2=(height - 18.0) {}
                        text x=(x(d)) y=(height - 4.0) text-anchor="middle" { (y) }
                    }
                }
                @for (i, j) in js.iter().enumerate() {
                    @let y = 6.0 + row * i as f64;
                    text.label x="4" y=(y + 14.0) { (j) }
                    @for c in controls.iter().filter(|c| c.jurisdiction == *j) {
                        @let from = c.effective.unwrap_or(start);
                        @let to = c.end.unwrap_or(today).min(end);
                        @let class = format!("{}{}", if c.end.is_some_and(|e| e < today) { "band ended" } else if c.verified { "band" } else { "band unverified" }, if c.effective.is_none() { " unknown" } else { "" });
                        rect class=(class) x=(x(from)) y=(y) width=((x(to) - x(from)).max(2.0)) height="16" rx="2" {
                            title { (c.list_name) ": " (c.effective.map_or_else(|| ctx.t("control.date_unknown").to_string(), |d| d.to_string()))
                                @if let Some(e) = c.end { " – " (e.to_string()) }
                                " · " (if c.verified { ctx.t("fact.verified") } else { ctx.t("fact.unverified") }) }
                        }
                    }
                }
                line.today x1=(x(today)) x2=(x(today)) y1="0" y2=(height - 18.0) {}
            }
            ul.legend {
                li { span.sw.band {} (ctx.t("substance.band_verified")) }
                li { span.sw.band.unverified {} (ctx.t("substance.band_unverified")) }
                li { span.sw.band.ended {} (ctx.t("substance.band_ended")) }
                li { span.sw.band.unknown {} (ctx.t("substance.band_unknown")) }
                li { span.sw.today {} (ctx.t("substance.today")) }
            }
        }
    }
}

/// `GET /substances/{id}/structure.svg`: the 2D drawing (chematic, through `pw-chem`).
pub(crate) async fn structure(State(st): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(smiles) = find(&st, &id).and_then(|s| s.smiles.clone()) else {
        return (StatusCode::NOT_FOUND, "no structure").into_response();
    };
    let svg = tokio::task::spawn_blocking(move || {
        pw_chem::Structure::from_smiles(&smiles)
            .ok()
            .map(|s| s.svg(&[]))
    })
    .await
    .ok()
    .flatten();
    let Some(svg) = svg else {
        return (StatusCode::NOT_FOUND, "no structure").into_response();
    };
    super::layout::cacheable(svg, super::layout::SVG, super::layout::CACHE_DAY)
}

// ------------------------------------------------------------------------------------------------------
// Trade check

#[derive(Debug, Default, Deserialize)]
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

/// The trade check form.
pub(crate) fn check_form(ctx: &Ctx, c: &CheckRequest) -> Markup {
    html! {
        form action="/check" method="get" class="card" {
            h2 { (ctx.t("check.form_title")) }
            div.grid2 {
                div {
                    label for="substance" { (ctx.t("check.substance")) span.hint { (ctx.t("check.substance_hint")) } }
                    input #substance name="substance" type="text" value=(c.substance) required;
                }
                div {
                    label for="quantity" { (ctx.t("check.quantity")) span.hint { (ctx.t("check.quantity_hint")) } }
                    input #quantity name="quantity" type="text" value=(c.quantity.as_deref().unwrap_or(""));
                }
                div {
                    label for="from" { (ctx.t("check.from")) span.hint { (ctx.t("check.country_hint")) } }
                    input #from name="from" type="text" value=(c.from) required maxlength="2" autocomplete="off";
                }
                div {
                    label for="to" { (ctx.t("check.to")) span.hint { (ctx.t("check.country_hint")) } }
                    input #to name="to" type="text" value=(c.to) required maxlength="2" autocomplete="off";
                }
                div {
                    label for="date" { (ctx.t("check.date")) }
                    input #date name="date" type="date" value=(c.date.as_deref().unwrap_or(""));
                }
            }
            div { button type="submit" { (ctx.t("check.submit")) } }
        }
    }
}

/// `GET /check?substance=…&from=…&to=…`: the obligations with their citations.
pub(crate) async fn check(
    ctx: Ctx,
    State(st): State<AppState>,
    Query(f): Query<CheckForm>,
) -> WebResult {
    let req = CheckRequest {
        substance: f.substance,
        from: f.from,
        to: f.to,
        quantity: f.quantity.filter(|q| !q.trim().is_empty()),
        date: f.date.filter(|d| !d.trim().is_empty()),
    };
    let result = if req.substance.trim().is_empty() {
        html! {}
    } else {
        match pw_trade::check_request(&st.resolver, &req, chrono::Utc::now().date_naive()) {
            Ok(r) => render_check(&ctx, &r),
            Err(e) => ctx.error_block(&crate::api::check_error(e)),
        }
    };
    let body = html! {
        h1 { (ctx.t("check.title")) }
        (result)
        (check_form(&ctx, &req))
    };
    Ok(ctx.page(ctx.t("check.title"), body))
}

fn decision_class(d: pw_trade::Decision) -> &'static str {
    match d {
        pw_trade::Decision::Allowed => "decision-allowed",
        pw_trade::Decision::Conditional => "decision-conditional",
        pw_trade::Decision::Prohibited => "decision-prohibited",
    }
}

fn render_check(ctx: &Ctx, r: &TradeReport) -> Markup {
    html! {
        section.card aria-labelledby="check-result" {
            h2 #check-result {
                a href={ "/substances/" (urlenc(&r.substance)) } { (r.substance_name) }
                " · " (r.from) " → " (r.to)
            }
            p {
                @if let Some(q) = &r.quantity { (q) " · " }
                (r.date.to_string()) ": "
                strong class=(decision_class(r.decision)) { (format!("{:?}", r.decision)) }
                " — " (ctx.t(&format!("decision.{:?}", r.decision).to_lowercase()))
            }
            @if !r.obligations.is_empty() {
                h3 { (ctx.t("check.obligations")) }
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (ctx.t("check.who")) }
                        th scope="col" { (ctx.t("control.measures")) }
                        th scope="col" { (ctx.t("check.why")) }
                        th scope="col" { (ctx.t("control.basis")) }
                        th scope="col" { (ctx.t("control.verified")) }
                    } }
                    tbody {
                        @for o in &r.obligations {
                            tr {
                                td { (o.jurisdiction) }
                                td { code { (o.measure.as_str()) } " " span.muted { (format!("{:?}", o.status)) } }
                                td { (o.reason) }
                                td { (o.citation) " " (source(ctx, &o.source)) }
                                td { (verified_mark(ctx, o.verified)) }
                            }
                        }
                    }
                } }
            }
            @if !r.notes.is_empty() {
                h3 { (ctx.t("check.notes")) }
                ul { @for n in &r.notes { li { (n) } } }
            }
            p.muted.small { (ctx.t("layout.registry")) " " code { (r.registry_version) } }
        }
    }
}

// ------------------------------------------------------------------------------------------------------
// Screening

/// Longest text the screening page takes (the API's batch limit is per request, this is per text).
pub const MAX_SCREEN_CHARS: usize = 200_000;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ScreenForm {
    #[serde(default)]
    text: String,
    csrf_token: Option<String>,
}

fn screen_form(ctx: &Ctx, text: &str, invalid: bool) -> Markup {
    html! {
        form.card action="/screen" method="post" {
            (ctx.csrf_field())
            label for="text" { (ctx.t("screen.text")) span.hint { (ctx.t("screen.text_hint")) } }
            textarea #text name="text" rows="8" required aria-invalid=(if invalid { "true" } else { "false" }) { (text) }
            div { button type="submit" { (ctx.t("screen.submit")) } }
        }
    }
}

/// `GET /screen`.
pub(crate) async fn screen_page(ctx: Ctx) -> WebResult {
    let body = html! {
        h1 { (ctx.t("screen.title")) }
        p { (ctx.t("screen.intro")) }
        (screen_form(&ctx, "", false))
        (super::upload::upload_form(&ctx, false))
    };
    Ok(ctx.page(ctx.t("screen.title"), body))
}

/// `POST /screen`: the text with the words that matter highlighted, the substances, red flags and cues.
pub(crate) async fn screen(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Form(f): Form<ScreenForm>,
) -> WebResult {
    ctx.verify_public(f.csrf_token.as_deref())?;
    let problem = if f.text.trim().is_empty() {
        Some(
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "empty_text",
                ctx.t("screen.empty"),
            )
            .with_field("text"),
        )
    } else if f.text.chars().count() > MAX_SCREEN_CHARS {
        Some(
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                ctx.tf("screen.too_long", &[("max", &MAX_SCREEN_CHARS.to_string())]),
            )
            .with_field("text"),
        )
    } else {
        None
    };
    if let Some(e) = problem {
        let body = html! {
            h1 { (ctx.t("screen.title")) }
            (ctx.error_block(&e))
            (screen_form(&ctx, &f.text, true))
        };
        return Ok(ctx.page_with(e.status, ctx.t("screen.title"), body));
    }
    let screener = st.screener.clone();
    let text = f.text.clone();
    let s = tokio::task::spawn_blocking(move || screener.screen(text.as_bytes()))
        .await
        .map_err(|e| ctx.fail(AppError::internal(e)))?;
    let may_report = ctx
        .maybe_caller()
        .is_some_and(|c| super::has_scope(c, pw_store::Scope::Incidents))
        && s.substances.iter().any(|h| h.tier != "bulk");
    let body = html! {
        h1 { (ctx.t("screen.result_title")) }
        section.card aria-labelledby="verdict" {
            h2 #verdict {
                span class={ "badge label-" (s.label.as_str()) } { (ctx.t(&format!("label.{}", s.label.as_str()))) }
                " " (ctx.t("screen.score")) " " (format!("{:.2}", s.score))
            }
            p.legend.small {
                mark.hl-substance { (ctx.t("screen.legend_substance")) } " "
                mark.hl-flag { (ctx.t("screen.legend_flag")) } " "
                mark.hl-cue { (ctx.t("screen.legend_cue")) } " "
                mark.hl-drug { (ctx.t("screen.legend_drug")) }
            }
            h3 { (ctx.t("screen.highlighted")) }
            div.screened #screened { (highlight(&f.text, &spans(&s))) }
            details {
                summary { (ctx.t("screen.explanation")) }
                p.small { (s.explanation) }
            }
        }
        @if !s.substances.is_empty() {
            h2 { (ctx.t("screen.substances")) }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (ctx.t("screen.as_written")) }
                    th scope="col" { (ctx.t("screen.substance")) }
                    th scope="col" { (ctx.t("screen.certainty")) }
                    th scope="col" { (ctx.t("screen.why")) }
                } }
                tbody { @for h in &s.substances { tr {
                    td { mark.hl-substance { (h.text) } }
                    td { a href={ "/substances/" (urlenc(&h.id)) } { (h.name) } " " span.muted.small { "(" (h.tier) ")" } }
                    td { (h.certainty) }
                    td { (h.reason) }
                } } }
            } }
        }
        @if !s.red_flags.is_empty() {
            h2 { (ctx.t("screen.red_flags")) }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (ctx.t("screen.as_written")) }
                    th scope="col" { (ctx.t("screen.meaning")) }
                    th scope="col" { (ctx.t("screen.strength")) }
                    th scope="col" { (ctx.t("fact.source")) }
                } }
                tbody { @for h in &s.red_flags { tr {
                    td { mark.hl-flag { (h.text) } @if h.quoted { " " span.muted.small { (ctx.t("screen.quoted")) } } }
                    td { (h.label) }
                    td { (json_str(&h.strength)) }
                    td { (source(&ctx, &h.source)) }
                } } }
            } }
        }
        @if !s.cues.is_empty() {
            h2 { (ctx.t("screen.cues")) }
            ul { @for c in &s.cues { li { mark.hl-cue { (c.text) } " — " (c.label) } } }
        }
        @if !s.dismissed.is_empty() {
            h2 { (ctx.t("screen.dismissed")) }
            ul { @for d in &s.dismissed { li { q { (d.text) } " → " (d.other_meaning) " (" (d.reason) ")" } } }
        }
        p.muted.small { (ctx.t("layout.registry")) " " code { (s.registry_version) } " · " (ctx.t("screen.rules")) " " code { (s.rules_version) } }
        @if may_report {
            form.card action="/incidents/from-screening" method="post" {
                (ctx.csrf_field())
                input type="hidden" name="text" value=(f.text);
                h2 { (ctx.t("screen.report_title")) }
                label for="source_url" { (ctx.t("incident.source_url")) span.hint { (ctx.t("incident.source_url_hint")) } }
                input #source_url name="source_url" type="text";
                div.check-row { input #share_with_all type="checkbox" name="share_with_all" value="true"; label for="share_with_all" { (ctx.t("incident.share_with_all")) } }
                div { button type="submit" { (ctx.t("screen.report")) } }
            }
        }
        h2 { (ctx.t("screen.again")) }
        (screen_form(&ctx, &f.text, false))
    };
    Ok(ctx.page(ctx.t("screen.result_title"), body))
}

/// A span of the screened text to highlight: byte range, class, explanation.
pub(crate) type Span = (usize, usize, &'static str, String);

pub(crate) fn spans(s: &pw_screen::Screening) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for h in &s.substances {
        out.push((
            h.start,
            h.end,
            "hl-substance",
            format!("{} — {}", h.name, h.reason),
        ));
    }
    for h in &s.red_flags {
        out.push((h.start, h.end, "hl-flag", h.label.clone()));
    }
    for h in &s.cues {
        out.push((h.start, h.end, "hl-cue", h.label.clone()));
    }
    for h in &s.drugs {
        out.push((h.start, h.end, "hl-drug", h.text.clone()));
    }
    for h in &s.analogues {
        out.push((h.start, h.end, "hl-substance", h.text.clone()));
    }
    out
}

/// The text with the spans marked; everything escaped. Spans that overlap one already placed, are
/// empty, or do not fall on character boundaries are left out (they are still in the tables).
pub(crate) fn highlight(text: &str, spans: &[Span]) -> Markup {
    let mut spans: Vec<&Span> = spans
        .iter()
        .filter(|(a, b, _, _)| {
            a < b && *b <= text.len() && text.is_char_boundary(*a) && text.is_char_boundary(*b)
        })
        .collect();
    // Earliest first; of two starting together, the longer.
    spans.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)));
    let mut pos = 0;
    let mut parts: Vec<(Option<(&'static str, &str)>, &str)> = Vec::new();
    for (a, b, class, title) in spans {
        if *a < pos {
            continue;
        }
        parts.push((None, &text[pos..*a]));
        parts.push((Some((class, title.as_str())), &text[*a..*b]));
        pos = *b;
    }
    parts.push((None, &text[pos..]));
    html! {
        @for (m, t) in parts {
            @match m {
                Some((class, title)) => mark class=(class) title=(title) { (t) },
                None => (t),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlighting_escapes_and_skips_bad_spans() {
        let text = "buy <b>NPP</b> now é";
        let spans = vec![
            (7, 10, "hl-substance", "NPP \"x\"".to_string()),
            (8, 12, "hl-flag", "overlaps".to_string()),
            (21, 22, "hl-cue", "not a boundary".to_string()),
            (0, 3, "hl-cue", "offer".to_string()),
        ];
        let html = highlight(text, &spans).into_string();
        assert_eq!(
            html,
            "<mark class=\"hl-cue\" title=\"offer\">buy</mark> &lt;b&gt;<mark class=\"hl-substance\" \
             title=\"NPP &quot;x&quot;\">NPP</mark>&lt;/b&gt; now é"
        );
    }
}
