//! Classify: a SMILES (or a name the registry knows) → the 2D drawing with the atoms each matching class
//! rule matched highlighted, the rule with its legal wording and its reading of the structure, the listed
//! substances, and the analogue warnings with where the resembled substance is controlled. Open to
//! visitors as `POST /api/v1/classify` is, and like it: the same classifier (`pw-classify`), and a
//! classification by a signed-in user is logged in the transparency log.
//!
//! The highlighted drawing is an image (`/classify/structure.svg`), drawn by chematic through `pw-chem`
//! from the standardised parent (the structure the rule's atom indices refer to): nothing chematic writes
//! is pasted into the page.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use pw_classify::Classification;
use serde::Deserialize;

use super::layout::{source, verified_mark};
use super::{Ctx, WebResult, query_string, urlenc};
use crate::{AppError, AppState};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ClassifyQuery {
    #[serde(default)]
    q: String,
    as_of: Option<String>,
}

/// The form.
fn classify_form(ctx: &Ctx, q: &str, as_of: &str, invalid: Option<&str>) -> Markup {
    let inv = |f: &str| if invalid == Some(f) { "true" } else { "false" };
    html! {
        form.card action="/classify" method="get" {
            h2 { (ctx.t("classify.form_title")) }
            label for="cq" { (ctx.t("classify.q")) span.hint { (ctx.t("classify.q_hint")) } }
            input #cq name="q" type="text" value=(q) required autocomplete="off" spellcheck="false" aria-invalid=(inv("smiles"));
            label for="cas_of" { (ctx.t("classify.as_of")) span.hint { (ctx.t("classify.as_of_hint")) } }
            input #cas_of name="as_of" type="date" value=(as_of) aria-invalid=(inv("as_of"));
            div { button type="submit" { (ctx.t("classify.submit")) } }
        }
    }
}

/// What was classified: the SMILES, and the registry substance when the input was one of its names.
struct Input {
    smiles: String,
    substance: Option<(String, String)>,
}

/// A name, CAS RN or InChIKey the registry resolves to one substance with a structure is read as that
/// structure; anything else as SMILES.
fn read_input(st: &AppState, q: &str) -> Input {
    let q = q.trim();
    if let Ok(r) = crate::api::lookup_report(st, q, None, None)
        && let [m] = r.matches.as_slice()
        && let Some(smiles) = &m.substance.smiles
    {
        return Input {
            smiles: smiles.clone(),
            substance: Some((m.substance.id.clone(), m.substance.name.clone())),
        };
    }
    Input {
        smiles: q.to_string(),
        substance: None,
    }
}

fn run(st: &AppState, smiles: String, as_of: NaiveDate) -> Result<Classification, AppError> {
    st.classifier
        .classify(&smiles, as_of)
        .map_err(|e| AppError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "bad_structure",
            message: e.to_string(),
            field: Some("smiles".into()),
            transition: None,
        })
}

/// `GET /classify?q=…&as_of=…`.
pub(crate) async fn classify(
    ctx: Ctx,
    State(st): State<AppState>,
    Query(f): Query<ClassifyQuery>,
) -> WebResult {
    let as_of_text = f.as_of.clone().unwrap_or_default();
    let mut status = StatusCode::OK;
    let mut invalid = None;
    let result = if f.q.trim().is_empty() {
        html! {}
    } else {
        let outcome = async {
            let as_of = crate::api::parse_as_of(f.as_of.as_deref())?
                .unwrap_or_else(|| chrono::Utc::now().date_naive());
            let input = read_input(&st, &f.q);
            let (st2, smiles) = (st.clone(), input.smiles.clone());
            let c = tokio::task::spawn_blocking(move || run(&st2, smiles, as_of))
                .await
                .map_err(AppError::internal)??;
            // As the API does: a classification by a signed-in user is logged.
            let caller = crate::ledger::MaybeCaller(ctx.maybe_caller().cloned());
            crate::ledger::log_classifications(&st, &caller, &[&c]).await?;
            Ok::<_, AppError>((input, c))
        }
        .await;
        match outcome {
            Ok((input, c)) => render(&ctx, &st, &input, &c),
            Err(e) => {
                status = e.status;
                invalid = e.field.clone();
                ctx.error_block(&e)
            }
        }
    };
    let body = html! {
        h1 { (ctx.t("classify.title")) }
        p { (ctx.t("classify.intro")) }
        (result)
        (classify_form(&ctx, &f.q, &as_of_text, invalid.as_deref()))
    };
    Ok(ctx.page_with(status, ctx.t("classify.title"), body))
}

fn drawing_src(smiles: &str, as_of: NaiveDate, rule: Option<&str>) -> String {
    let d = as_of.to_string();
    format!(
        "/classify/structure.svg?{}",
        query_string(&[
            ("smiles", Some(smiles)),
            ("as_of", Some(&d)),
            ("rule", rule)
        ])
    )
}

fn render(ctx: &Ctx, st: &AppState, input: &Input, c: &Classification) -> Markup {
    let reg = &st.registry;
    let name_of = |id: &str| reg.substance(id).map_or(id.to_string(), |s| s.name.clone());
    html! {
        section.card aria-labelledby="classified" {
            h2 #classified { (ctx.t("classify.result")) }
            div.substance-head {
                dl.facts {
                    @if let Some((id, name)) = &input.substance {
                        dt { (ctx.t("classify.read_as")) } dd { a href={ "/substances/" (urlenc(id)) } { (name) } }
                    }
                    dt { (ctx.t("classify.parent")) } dd { code { (c.canonical_smiles) } }
                    dt { "InChIKey" } dd { code { (c.inchikey) } }
                    @if !c.removed.is_empty() {
                        dt { (ctx.t("classify.removed")) } dd { (c.removed.join("; ")) }
                    }
                    dt { (ctx.t("classify.listed")) } dd {
                        @if c.listed.is_empty() { (ctx.t("classify.not_listed")) }
                        @for (i, id) in c.listed.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href={ "/substances/" (urlenc(id)) } { (name_of(id)) }
                        }
                        @if c.listed_by.iter().any(|b| b == "skeleton") { " " span.muted.small { (ctx.t("classify.skeleton")) } }
                    }
                    dt { (ctx.t("classify.rules_on")) } dd { (c.as_of.to_string()) }
                    dt { (ctx.t("layout.registry")) } dd { code { (c.registry_version) } }
                }
                figure.structure {
                    img src=(drawing_src(&input.smiles, c.as_of, None)) alt={ (ctx.t("substance.drawing_alt")) " " (c.canonical_smiles) } width="200";
                    figcaption { (ctx.t("classify.drawing")) }
                }
            }
        }
        h2 { (ctx.t("classify.class_matches")) }
        @if c.class_matches.is_empty() {
            p #no-class { (ctx.t("classify.no_class")) }
        }
        @for m in &c.class_matches {
            @let rule = reg.class_rules().iter().find(|r| r.id == m.rule);
            @let list_name = reg.list(&m.jurisdiction, &m.list).map_or(m.list.clone(), |l| l.name.clone());
            section.card.class-match aria-labelledby={ "rule-" (m.rule) } {
                h3 id={ "rule-" (m.rule) } { (m.name) " " span.muted { "· " (m.jurisdiction) " · " (list_name) } }
                div.substance-head {
                    div {
                        @if let Some(r) = rule {
                            h4 { (ctx.t("classify.wording")) }
                            blockquote.wording { (r.wording) }
                        }
                        p { (m.explanation) }
                        p.small { (ctx.t("control.basis")) ": " (m.citation) " " (source(ctx, &m.source)) " " (verified_mark(ctx, m.verified))
                            " · " (ctx.t("control.in_force")) " " (m.effective.map_or_else(|| ctx.t("control.date_unknown").to_string(), |d| d.to_string())) }
                    }
                    figure.structure {
                        img src=(drawing_src(&input.smiles, c.as_of, Some(&m.rule)))
                            alt=(ctx.tf("classify.highlight_alt", &[("rule", &m.name), ("n", &highlighted(m).len().to_string())])) width="220";
                        figcaption { (ctx.t("classify.highlight_caption")) }
                    }
                }
                @if !m.modifications.is_empty() {
                    div.table-wrap { table {
                        caption { (ctx.t("classify.modifications")) }
                        thead { tr {
                            th scope="col" { (ctx.t("classify.found")) }
                            th scope="col" { (ctx.t("classify.atoms")) }
                            th scope="col" { (ctx.t("classify.allowed_by")) }
                        } }
                        tbody { @for x in &m.modifications { tr {
                            td { (x.found) " " span.muted.small { "(" (x.kind) ")" } }
                            td { (x.atoms.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")) }
                            td { q { (x.wording) } }
                        } } }
                    } }
                }
            }
        }
        h2 { (ctx.t("classify.analogues")) }
        @if c.analogue_warnings.is_empty() {
            p.muted { (ctx.t("classify.no_analogues")) }
        } @else {
            p.small { (ctx.t("classify.analogues_intro")) }
            div.table-wrap { table #analogues {
                thead { tr {
                    th scope="col" { (ctx.t("classify.resembles")) }
                    th scope="col" class="num" { (ctx.t("classify.similarity")) }
                    th scope="col" { (ctx.t("classify.controlled_in")) }
                    th scope="col" { (ctx.t("screen.why")) }
                } }
                tbody { @for w in &c.analogue_warnings {
                    @let controls = reg.substance(&w.substance).map(|s| pw_resolve::controls_view(reg, s, Some(c.as_of), &[])).unwrap_or_default();
                    tr {
                        td { a href={ "/substances/" (urlenc(&w.substance)) } { (name_of(&w.substance)) } }
                        td.num { (format!("{:.2}", w.similarity)) }
                        td {
                            @if controls.is_empty() { span.muted { (ctx.t("classify.nowhere")) } }
                            ul.plain { @for ct in &controls {
                                li { strong { (ct.jurisdiction) } ": " (ct.list_name) " " (verified_mark(ctx, ct.verified)) }
                            } }
                        }
                        td.small { (w.reason) }
                    }
                } }
            } }
        }
        @if !c.similar.is_empty() {
            details {
                summary { (ctx.t("classify.similar")) }
                ul { @for s in &c.similar {
                    li { a href={ "/substances/" (urlenc(&s.substance)) } { (name_of(&s.substance)) } " " (format!("{:.2}", s.similarity)) }
                } }
            }
        }
    }
}

/// The atoms a rule matched: its core and every modification.
fn highlighted(m: &pw_classify::ClassMatch) -> Vec<usize> {
    let mut atoms = m.atoms.clone();
    for x in &m.modifications {
        atoms.extend(&x.atoms);
    }
    atoms.sort_unstable();
    atoms.dedup();
    atoms
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DrawingQuery {
    #[serde(default)]
    smiles: String,
    as_of: Option<String>,
    rule: Option<String>,
}

/// `GET /classify/structure.svg?smiles=…&as_of=…&rule=…`: the standardised parent, with the atoms `rule`
/// matched highlighted (none without `rule`).
pub(crate) async fn structure(
    State(st): State<AppState>,
    Query(q): Query<DrawingQuery>,
) -> Response {
    let not_found = |why: &'static str| (StatusCode::NOT_FOUND, why).into_response();
    let Ok(Some(as_of)) = crate::api::parse_as_of(q.as_of.as_deref())
        .map(|d| d.or_else(|| Some(chrono::Utc::now().date_naive())))
    else {
        return (StatusCode::BAD_REQUEST, "as_of: not a date").into_response();
    };
    let svg = tokio::task::spawn_blocking(move || {
        let structure = pw_chem::Structure::from_smiles(&q.smiles).ok()?;
        let parent = structure.standardize().parent;
        let atoms = match q.rule.as_deref().filter(|r| !r.is_empty()) {
            None => Vec::new(),
            Some(rule) => {
                let c = st.classifier.classify(&q.smiles, as_of).ok()?;
                highlighted(c.class_matches.iter().find(|m| m.rule == rule)?)
            }
        };
        Some(parent.svg(&atoms))
    })
    .await
    .ok()
    .flatten();
    let Some(svg) = svg else {
        return not_found("no such structure or rule match");
    };
    super::layout::cacheable(svg, super::layout::SVG, super::layout::CACHE_HOUR)
}
