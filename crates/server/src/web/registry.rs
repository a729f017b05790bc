//! The registry browser: every jurisdiction and its control lists as they stood on a chosen date — which
//! substances each list controlled that day, from when, on what legal basis, from which source, verified
//! or not — with the registry version the answer comes from. Open to visitors, as lookup is.
//!
//! "As they stood" is the registry's own rule ([`pw_registry::Control::in_force`]: from `effective`
//! inclusive to `end` exclusive; an unknown start counts as in force and is shown as unknown), the one the
//! lookup and the trade check apply.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use maud::{Markup, html};
use pw_registry::{Control, JurisdictionKind, Registry, Substance};
use serde::Deserialize;

use super::layout::{source, verified_mark};
use super::{Ctx, WebResult, urlenc};
use crate::{AppError, AppState};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AsOfQuery {
    as_of: Option<String>,
}

/// The date asked for (default today), or the error to show.
fn date_of(q: &AsOfQuery) -> Result<NaiveDate, AppError> {
    Ok(crate::api::parse_as_of(q.as_of.as_deref())?
        .unwrap_or_else(|| chrono::Utc::now().date_naive()))
}

/// Every control of `jurisdiction` in force on `date`: (substance, control).
fn in_force<'a>(
    reg: &'a Registry,
    jurisdiction: &str,
    date: NaiveDate,
) -> Vec<(&'a Substance, &'a Control)> {
    let mut out: Vec<(&Substance, &Control)> = reg
        .substances()
        .iter()
        .flat_map(|s| s.controls.iter().map(move |c| (s, c)))
        .filter(|(_, c)| c.jurisdiction == jurisdiction && c.in_force(date))
        .collect();
    out.sort_by_key(|(s, _)| s.name.to_lowercase());
    out
}

fn kind_key(k: JurisdictionKind) -> &'static str {
    match k {
        JurisdictionKind::Country => "registry.kind_country",
        JurisdictionKind::Union => "registry.kind_union",
        JurisdictionKind::International => "registry.kind_international",
    }
}

fn date_form(ctx: &Ctx, action: &str, value: &str, invalid: bool) -> Markup {
    html! {
        form.card method="get" action=(action) {
            label for="as_of" { (ctx.t("registry.as_of")) span.hint { (ctx.t("registry.as_of_hint")) } }
            input #as_of name="as_of" type="date" value=(value) aria-invalid=(if invalid { "true" } else { "false" });
            div { button.secondary type="submit" { (ctx.t("registry.show")) } }
        }
    }
}

fn version_line(ctx: &Ctx, date: NaiveDate) -> Markup {
    html! {
        p.muted.small #registry-version {
            (ctx.tf("registry.stood_on", &[("date", &date.to_string())])) " · "
            (ctx.t("layout.registry")) " " code { (ctx.version) }
        }
    }
}

fn bad_date(ctx: &Ctx, action: &str, q: &AsOfQuery, e: &AppError) -> WebResult {
    let body = html! {
        h1 { (ctx.t("registry.title")) }
        (ctx.error_block(e))
        (date_form(ctx, action, q.as_of.as_deref().unwrap_or(""), true))
    };
    Ok(ctx.page_with(e.status, ctx.t("registry.title"), body))
}

/// `GET /registry?as_of=YYYY-MM-DD`: the jurisdictions, with what their lists controlled that day.
pub(crate) async fn index(
    ctx: Ctx,
    State(st): State<AppState>,
    Query(q): Query<AsOfQuery>,
) -> WebResult {
    let date = match date_of(&q) {
        Ok(d) => d,
        Err(e) => return bad_date(&ctx, "/registry", &q, &e),
    };
    let reg = &st.registry;
    let d = date.to_string();
    let body = html! {
        h1 { (ctx.t("registry.title")) }
        p { (ctx.t("registry.intro")) }
        (date_form(&ctx, "/registry", &d, false))
        (version_line(&ctx, date))
        div.table-wrap { table #jurisdictions {
            caption.visually-hidden { (ctx.t("registry.jurisdictions")) }
            thead { tr {
                th scope="col" { (ctx.t("control.jurisdiction")) }
                th scope="col" { (ctx.t("registry.kind")) }
                th scope="col" { (ctx.t("registry.authority")) }
                th scope="col" { (ctx.t("registry.lists")) }
                th scope="col" class="num" { (ctx.t("registry.controlled")) }
            } }
            tbody { @for j in reg.jurisdictions().values() {
                @let n = in_force(reg, &j.code, date).len();
                tr {
                    td { a href={ "/registry/" (urlenc(&j.code)) "?as_of=" (d) } { (j.name) } " " span.muted.small { "(" (j.code) ")" }
                        @if !j.binding { " " span.badge.unverified { (ctx.t("registry.not_binding")) } } }
                    td { (ctx.t(kind_key(j.kind))) }
                    td { (j.authority.as_deref().unwrap_or("—")) }
                    td { (j.lists.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join("; ")) }
                    td.num { (n) }
                }
            } }
        } }
    };
    Ok(ctx.page(ctx.t("registry.title"), body))
}

fn list_section(
    ctx: &Ctx,
    list: &pw_registry::List,
    rows: &[(&Substance, &Control)],
    d: &str,
) -> Markup {
    html! {
        section.card aria-labelledby={ "list-" (list.id) } {
            h2 id={ "list-" (list.id) } { (list.name) }
            p { (list.citation) " " (source(ctx, &list.source)) " " (verified_mark(ctx, list.verified)) }
            @if let Some(n) = &list.notes { p.small.muted { (n) } }
            @if !list.measures.is_empty() {
                h3 { (ctx.t("control.measures")) }
                ul { @for m in &list.measures {
                    li { code { (m.measure.as_str()) } " "
                        span.muted.small { "(" (m.direction.iter().map(|d| format!("{d:?}").to_lowercase()).collect::<Vec<_>>().join(", ")) ")" }
                        " — " (m.reason) " " span.muted.small { (m.citation) } }
                } }
            }
            h3 { (ctx.tf("registry.substances_on", &[("n", &rows.len().to_string()), ("date", d)])) }
            @if rows.is_empty() {
                p.muted { (ctx.t("registry.none_on_list")) }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (ctx.t("check.substance")) }
                        th scope="col" { "CAS RN" }
                        th scope="col" { (ctx.t("control.in_force")) }
                        th scope="col" { (ctx.t("control.basis")) }
                        th scope="col" { (ctx.t("control.verified")) }
                    } }
                    tbody { @for (s, c) in rows {
                        tr {
                            td { a href={ "/substances/" (urlenc(&s.id)) "?as_of=" (d) } { (s.name) }
                                @if let Some(v) = &c.via { br; span.muted.small { (ctx.t("registry.via")) " " (v) } } }
                            td { (s.cas.first().map_or("—", |c| c.rn.as_str())) }
                            td {
                                (c.effective.map_or_else(|| ctx.t("control.date_unknown").to_string(), |d| d.to_string()))
                                @if let Some(end) = c.end { " " (ctx.t("control.until")) " " (end.to_string()) }
                            }
                            td { (c.citation) " " (source(ctx, &c.source))
                                @for extra in &c.sources { " · " (source(ctx, extra)) } }
                            td { (verified_mark(ctx, c.verified)) }
                        }
                    } }
                } }
            }
        }
    }
}

/// `GET /registry/{code}?as_of=YYYY-MM-DD`: one jurisdiction's lists and what each controlled that day.
pub(crate) async fn jurisdiction(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<AsOfQuery>,
) -> WebResult {
    let reg = &st.registry;
    let Some(j) = reg.jurisdiction(&code.to_ascii_uppercase()) else {
        return Err(ctx.fail(AppError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such jurisdiction",
        )));
    };
    let action = format!("/registry/{}", urlenc(&j.code));
    let date = match date_of(&q) {
        Ok(d) => d,
        Err(e) => return bad_date(&ctx, &action, &q, &e),
    };
    let d = date.to_string();
    let controls = in_force(reg, &j.code, date);
    let members: Vec<&pw_registry::Member> = j
        .members
        .iter()
        .filter(|m| m.since.is_none_or(|s| s <= date) && m.until.is_none_or(|u| date < u))
        .collect();
    let events: Vec<&pw_registry::Event> = j
        .events
        .iter()
        .filter(|e| e.effective.or(e.date).is_none_or(|x| x <= date))
        .collect();
    let body = html! {
        h1 { (j.name) " " span.muted { "(" (j.code) ")" } }
        p { (ctx.t(kind_key(j.kind)))
            @if let Some(a) = &j.authority { " · " (ctx.t("registry.authority")) ": " (a) }
            @if !j.binding { " · " span.badge.unverified { (ctx.t("registry.not_binding")) } } }
        @if let Some(n) = &j.notes { p.small.muted { (n) } }
        (date_form(&ctx, &action, &d, false))
        (version_line(&ctx, date))
        @if !members.is_empty() {
            h2 { (ctx.t("registry.members")) }
            p { (members.iter().map(|m| m.country.as_str()).collect::<Vec<_>>().join(", ")) }
        }
        @for list in &j.lists {
            @let rows: Vec<(&Substance, &Control)> = controls.iter().filter(|(_, c)| c.list == list.id).copied().collect();
            (list_section(&ctx, list, &rows, &d))
        }
        @if !events.is_empty() {
            h2 { (ctx.t("registry.events")) }
            ul { @for e in &events {
                li { (e.effective.or(e.date).map_or_else(|| ctx.t("control.date_unknown").to_string(), |x| x.to_string())) ": "
                    (e.title) " " code { (e.measure.as_str()) } " " span.muted.small { (e.citation) } " " (source(&ctx, &e.source)) }
            } }
        }
        p { a href={ "/registry?as_of=" (d) } { "← " (ctx.t("registry.all")) } }
    };
    Ok(ctx.page(&format!("{} · {}", ctx.t("registry.title"), j.name), body))
}
