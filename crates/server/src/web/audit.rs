//! The audit log of a national authority: the rows its own users wrote (every change they made, each
//! sign-in, each logged check and classification), newest first, filtered by kind of record and date, with
//! the leaf index of the row in the transparency log once the drainer has appended it.
//!
//! The rows come from [`pw_store::Store::org_audit`], which selects on the viewer's organisation only and
//! refuses other kinds of organisation; the page needs the `read` scope. Details are shown as stored:
//! personal data in them is already hashed by the store.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};
use maud::{Markup, html};
use pw_store::{AuditFilter, Page, Scope};
use serde::Deserialize;

use super::entities::pager;
use super::platform::when;
use super::{Ctx, WebResult, urlenc};
use crate::AppError;
use crate::AppState;

/// Rows per page.
pub const PAGE: i64 = 50;

/// Kinds of record the filter offers (the store writes these).
pub const KINDS: [&str; 12] = [
    "licence",
    "notification",
    "incident",
    "entity",
    "check",
    "classification",
    "user",
    "invitation",
    "session",
    "sign_in",
    "token",
    "organisation",
];

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditQuery {
    entity: Option<String>,
    from: Option<String>,
    to: Option<String>,
    offset: Option<String>,
}

fn day(field: &str, s: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|d| pw_trade::date(d).map_err(|e| AppError::bad(field, e.message)))
        .transpose()
}

/// The page of a record an audit row is about, when there is one.
fn record_link(entity: &str, id: &str) -> Option<String> {
    let base = match entity {
        "licence" => "/licences/",
        "notification" => "/notifications/",
        "incident" => "/incidents/",
        "entity" => "/entities/",
        _ => return None,
    };
    Some(format!("{base}{}", urlenc(id)))
}

fn filter_form(ctx: &Ctx, q: &AuditQuery, error: Option<&AppError>) -> Markup {
    let kind = q.entity.as_deref().unwrap_or("");
    let invalid = |f: &str| {
        if error.and_then(|e| e.field.as_deref()) == Some(f) {
            "true"
        } else {
            "false"
        }
    };
    html! {
        form.card method="get" action="/audit" role="search" {
            div.grid2 {
                div {
                    label for="aentity" { (ctx.t("audit.kind")) }
                    select #aentity name="entity" aria-invalid=(invalid("entity")) {
                        option value="" { (ctx.t("audit.any_kind")) }
                        @for k in KINDS { option value=(k) selected[k == kind] { (k) } }
                    }
                }
                div {
                    label for="afrom" { (ctx.t("audit.from")) }
                    input #afrom name="from" type="date" value=(q.from.as_deref().unwrap_or("")) aria-invalid=(invalid("from"));
                }
                div {
                    label for="ato" { (ctx.t("audit.to")) }
                    input #ato name="to" type="date" value=(q.to.as_deref().unwrap_or("")) aria-invalid=(invalid("until"));
                }
            }
            div { button.secondary type="submit" { (ctx.t("audit.filter")) } }
        }
    }
}

/// `GET /audit?entity=…&from=YYYY-MM-DD&to=YYYY-MM-DD&offset=…`.
pub(crate) async fn audit(
    ctx: Ctx,
    State(st): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> WebResult {
    let caller = ctx.caller()?;
    let viewer = caller.viewer_for(Scope::Read).map_err(|e| ctx.fail(e))?;
    // Refused before any filter is read, as the API would.
    viewer
        .require_kind(pw_store::OrgKind::Authority, None)
        .map_err(|e| ctx.fail(e.into()))?;
    let filter = (|| -> Result<(AuditFilter, Page), AppError> {
        let from = day("from", q.from.as_deref())?;
        let to = day("to", q.to.as_deref())?;
        let offset = match q.offset.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(o) => Some(
                o.parse::<i64>()
                    .map_err(|_| AppError::bad("offset", format!("{o:?} is not a number")))?,
            ),
        };
        Ok((
            AuditFilter {
                entity: q.entity.clone(),
                from: from
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc()),
                until: to
                    .and_then(|d| d.checked_add_signed(Duration::days(1)))
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc()),
            },
            Page::new(Some(PAGE), offset)?,
        ))
    })();
    let result = match filter {
        Ok((f, page)) => st
            .store
            .org_audit(&viewer, &f, page)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    // Actors by e-mail: the organisation's own users.
    let emails: HashMap<String, String> = st
        .store
        .users_of(&caller.org.id)
        .await
        .map(|us| us.into_iter().map(|u| (u.id, u.email)).collect())
        .unwrap_or_default();
    let status = result.as_ref().err().map_or(StatusCode::OK, |e| e.status);
    let body = html! {
        h1 { (ctx.t("audit.title")) }
        p { (ctx.tf("audit.intro", &[("org", &caller.org.name)])) }
        (filter_form(&ctx, &q, result.as_ref().err()))
        @match &result {
            Err(e) => (ctx.error_block(e)),
            Ok(page) if page.items.is_empty() => p { (ctx.t("audit.none")) },
            Ok(page) => {
                div.table-wrap { table #audit-rows {
                    caption.visually-hidden { (ctx.t("audit.title")) }
                    thead { tr {
                        th scope="col" class="num" { (ctx.t("audit.seq")) }
                        th scope="col" { (ctx.t("audit.at")) }
                        th scope="col" { (ctx.t("audit.actor")) }
                        th scope="col" { (ctx.t("audit.action")) }
                        th scope="col" { (ctx.t("audit.record")) }
                        th scope="col" class="num" { (ctx.t("audit.leaf")) }
                        th scope="col" { (ctx.t("audit.detail")) }
                    } }
                    tbody { @for r in &page.items {
                        @let a = &r.entry;
                        tr {
                            td.num { (a.seq) }
                            td { (when(&a.at)) }
                            td { (emails.get(&a.actor).map_or(a.actor.as_str(), String::as_str)) }
                            td { code { (a.action) } }
                            td { (a.entity) " "
                                @if let Some(href) = record_link(&a.entity, &a.entity_id) { a href=(href) { code { (a.entity_id) } } }
                                @else { code { (a.entity_id) } } }
                            td.num { @if let Some(i) = r.leaf_index { (i) } @else { span.muted { (ctx.t("audit.pending")) } } }
                            td { details { summary { (ctx.t("audit.show")) } code.small { (a.detail) } } }
                        }
                    } }
                } }
                p.muted { (ctx.tf("list.count", &[("shown", &page.items.len().to_string()), ("total", &page.total.to_string())])) }
                (pager(&ctx, "/audit", &[("entity", q.entity.as_deref()), ("from", q.from.as_deref()), ("to", q.to.as_deref())], page.offset, page.limit, page.total))
            }
        }
        p.muted.small { (ctx.t("audit.leaf_help")) }
    };
    Ok(ctx.page_with(status, ctx.t("audit.title"), body))
}
