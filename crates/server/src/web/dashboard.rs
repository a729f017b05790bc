//! The home page: for visitors, the reference tools; for a signed-in user, the dashboard — what waits
//! for them, and charts over the records their organisation may see (notifications per month by state,
//! time to reply per importing country, incidents per substance and per route, screening findings per
//! month) and a table of the busiest routes, each with its data as CSV.
//!
//! Screening findings: the screening page and API store nothing, so the chart counts what is stored —
//! incidents reported from a screening (`POST /incidents/from-screening`), by the screening's label.
//!
//! The records come from the same store calls as the JSON lists, with the session's `Viewer`, so a chart
//! counts exactly what the user could list.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Datelike, Utc};
use maud::{Markup, html};
use pw_store::{
    Incident, IncidentFilter, LicenceFilter, Notification, NotificationFilter, Page, Scope, Viewer,
};

use super::charts::{Series, hbars, stacked_bars};
use super::reference::{check_form, lookup_form};
use super::{Ctx, WebResult};
use crate::{AppError, AppState};

/// Most records a chart reads (the dashboard is a glance, not a report).
pub const MAX_RECORDS: i64 = 5_000;
/// Months shown in the notifications chart.
pub const MONTHS: usize = 12;

/// The notification states, in the order of the flow.
pub const STATES: [&str; 7] = [
    "sent",
    "info_requested",
    "objection",
    "no_objection",
    "shipped",
    "received",
    "withdrawn",
];

/// Every record a paged store listing returns, 200 at a time, up to [`MAX_RECORDS`].
async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, AppError>
where
    F: FnMut(Page) -> Fut,
    Fut: std::future::Future<Output = Result<pw_store::Listing<T>, pw_store::StoreError>>,
{
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = fetch(Page::new(Some(200), Some(offset))?).await?;
        let n = page.items.len() as i64;
        out.extend(page.items);
        offset += n;
        if n == 0 || offset >= page.total || offset >= MAX_RECORDS {
            return Ok(out);
        }
    }
}

async fn all_notifications(st: &AppState, viewer: &Viewer) -> Result<Vec<Notification>, AppError> {
    let filter = NotificationFilter::default();
    all_pages(|page| st.store.notifications(viewer, &filter, page)).await
}

async fn all_incidents(st: &AppState, viewer: &Viewer) -> Result<Vec<Incident>, AppError> {
    let filter = IncidentFilter::default();
    all_pages(|page| st.store.incidents(viewer, &filter, page)).await
}

fn month(t: &DateTime<Utc>) -> String {
    format!("{:04}-{:02}", t.year(), t.month())
}

/// The last [`MONTHS`] months up to `now`, oldest first (`YYYY-MM`).
fn last_months(now: DateTime<Utc>) -> Vec<String> {
    let mut months = Vec::with_capacity(MONTHS);
    let (mut y, mut m) = (now.year(), now.month());
    for _ in 0..MONTHS {
        months.push(format!("{y:04}-{m:02}"));
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    months.reverse();
    months
}

/// Notifications per month (of sending) and current state: the last [`MONTHS`] months up to `now`.
pub(crate) fn per_month(
    ns: &[Notification],
    now: DateTime<Utc>,
) -> (Vec<String>, Vec<(String, Vec<u32>)>) {
    let months = last_months(now);
    let series = STATES
        .iter()
        .map(|s| {
            let counts = months
                .iter()
                .map(|mo| {
                    ns.iter()
                        .filter(|n| n.state == *s && month(&n.created_at) == *mo)
                        .count() as u32
                })
                .collect();
            ((*s).to_string(), counts)
        })
        .collect();
    (months, series)
}

/// Mean days from sending to the importing authority's reply, per importing country: (country, mean
/// days, replies), slowest first.
pub(crate) fn reply_times(ns: &[Notification]) -> Vec<(String, f64, usize)> {
    let mut by: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for n in ns {
        if let Some(r) = n.replied_at {
            let days = (r - n.created_at).num_seconds().max(0) as f64 / 86_400.0;
            let e = by.entry(&n.importing_country).or_default();
            e.0 += days;
            e.1 += 1;
        }
    }
    let mut out: Vec<(String, f64, usize)> = by
        .into_iter()
        .map(|(c, (sum, k))| (c.to_string(), sum / k as f64, k))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Incidents per substance: (substance id, name, incidents), most first.
pub(crate) fn per_substance(is: &[Incident]) -> Vec<(String, String, usize)> {
    let mut by: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for i in is {
        for s in &i.substances {
            *by.entry((&s.id, &s.name)).or_default() += 1;
        }
    }
    let mut out: Vec<(String, String, usize)> = by
        .into_iter()
        .map(|((id, name), k)| (id.to_string(), name.to_string(), k))
        .collect();
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
    out
}

/// Origin and destination of an incident: the first and last country of its route (none with fewer than
/// two countries).
fn incident_pair(i: &Incident) -> Option<(String, String)> {
    match (i.route.first(), i.route.last()) {
        (Some(a), Some(b)) if i.route.len() >= 2 => Some((a.clone(), b.clone())),
        _ => None,
    }
}

/// Incidents per route (origin → destination country): (origin, destination, incidents), most first.
pub(crate) fn per_route(is: &[Incident]) -> Vec<(String, String, usize)> {
    let mut by: BTreeMap<(String, String), usize> = BTreeMap::new();
    for p in is.iter().filter_map(incident_pair) {
        *by.entry(p).or_default() += 1;
    }
    let mut out: Vec<(String, String, usize)> =
        by.into_iter().map(|((a, b), k)| (a, b, k)).collect();
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    out
}

/// Screening labels of the findings chart, in stacking order.
pub const FINDING_LABELS: [&str; 3] = ["offer", "mention", "benign"];

/// Screening findings per month: incidents reported from a screening (those that keep one), by the
/// month they were reported and the screening's label, for the last [`MONTHS`] months up to `now`.
/// Screenings themselves are not stored (the screening page and API keep nothing), so a finding is
/// counted here once someone reported it.
pub(crate) fn findings_per_month(
    is: &[Incident],
    now: DateTime<Utc>,
) -> (Vec<String>, Vec<(String, Vec<u32>)>) {
    let months = last_months(now);
    let label_of = |i: &Incident| -> Option<String> {
        i.screening
            .as_ref()
            .map(|s| s["label"].as_str().unwrap_or("offer").to_string())
    };
    let series = FINDING_LABELS
        .iter()
        .map(|l| {
            let counts = months
                .iter()
                .map(|mo| {
                    is.iter()
                        .filter(|i| {
                            label_of(i).as_deref() == Some(*l) && month(&i.created_at) == *mo
                        })
                        .count() as u32
                })
                .collect();
            ((*l).to_string(), counts)
        })
        .collect();
    (months, series)
}

/// The busiest routes (exporting → importing country) over notifications and incidents: (origin,
/// destination, notifications, incidents), busiest first, at most `n`.
pub(crate) fn top_routes(
    ns: &[Notification],
    is: &[Incident],
    n: usize,
) -> Vec<(String, String, usize, usize)> {
    let mut by: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for x in ns {
        by.entry((x.exporting_country.clone(), x.importing_country.clone()))
            .or_default()
            .0 += 1;
    }
    for p in is.iter().filter_map(incident_pair) {
        by.entry(p).or_default().1 += 1;
    }
    let mut out: Vec<(String, String, usize, usize)> = by
        .into_iter()
        .map(|((a, b), (k, m))| (a, b, k, m))
        .collect();
    out.sort_by(|a, b| {
        (b.2 + b.3)
            .cmp(&(a.2 + a.3))
            .then(a.0.cmp(&b.0))
            .then(a.1.cmp(&b.1))
    });
    out.truncate(n);
    out
}

/// Rows of the top-routes table.
pub const TOP_ROUTES: usize = 10;

/// A CSV field: quoted when needed; a leading `= + - @` is defused (spreadsheet formula injection).
pub(crate) fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The data of each chart as CSV rows (with a header row).
async fn chart_rows(
    st: &AppState,
    viewer: &Viewer,
    chart: &str,
) -> Result<Option<Vec<Vec<String>>>, AppError> {
    Ok(match chart {
        "notifications-by-month" => {
            let ns = all_notifications(st, viewer).await?;
            let (months, series) = per_month(&ns, Utc::now());
            let mut rows = vec![vec![
                "month".to_string(),
                "state".into(),
                "notifications".into(),
            ]];
            for (state, counts) in &series {
                for (m, c) in months.iter().zip(counts) {
                    rows.push(vec![m.clone(), state.clone(), c.to_string()]);
                }
            }
            Some(rows)
        }
        "reply-times" => {
            let ns = all_notifications(st, viewer).await?;
            let mut rows = vec![vec![
                "importing_country".to_string(),
                "mean_days_to_reply".into(),
                "replies".into(),
            ]];
            for (c, d, k) in reply_times(&ns) {
                rows.push(vec![c, format!("{d:.2}"), k.to_string()]);
            }
            Some(rows)
        }
        "incidents-by-substance" => {
            let is = all_incidents(st, viewer).await?;
            let mut rows = vec![vec![
                "substance_id".to_string(),
                "substance".into(),
                "incidents".into(),
            ]];
            for (id, name, k) in per_substance(&is) {
                rows.push(vec![id, name, k.to_string()]);
            }
            Some(rows)
        }
        "incidents-by-route" => {
            let is = all_incidents(st, viewer).await?;
            let mut rows = vec![vec![
                "origin".to_string(),
                "destination".into(),
                "incidents".into(),
            ]];
            for (a, b, k) in per_route(&is) {
                rows.push(vec![a, b, k.to_string()]);
            }
            Some(rows)
        }
        "screening-findings-by-month" => {
            let is = all_incidents(st, viewer).await?;
            let (months, series) = findings_per_month(&is, Utc::now());
            let mut rows = vec![vec![
                "month".to_string(),
                "label".into(),
                "incidents_from_screening".into(),
            ]];
            for (label, counts) in &series {
                for (m, c) in months.iter().zip(counts) {
                    rows.push(vec![m.clone(), label.clone(), c.to_string()]);
                }
            }
            Some(rows)
        }
        "top-routes" => {
            let ns = all_notifications(st, viewer).await?;
            let is = all_incidents(st, viewer).await?;
            let mut rows = vec![vec![
                "origin".to_string(),
                "destination".into(),
                "notifications".into(),
                "incidents".into(),
            ]];
            for (a, b, k, m) in top_routes(&ns, &is, TOP_ROUTES) {
                rows.push(vec![a, b, k.to_string(), m.to_string()]);
            }
            Some(rows)
        }
        _ => None,
    })
}

/// `GET /dashboard/{chart}.csv`.
pub(crate) async fn csv_download(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(file): Path<String>,
) -> WebResult {
    let caller = ctx.caller()?;
    let viewer = caller.viewer_for(Scope::Read).map_err(|e| ctx.fail(e))?;
    let not_found = || AppError::new(StatusCode::NOT_FOUND, "not_found", "no such chart");
    let chart = file
        .strip_suffix(".csv")
        .ok_or_else(|| ctx.fail(not_found()))?;
    let rows = chart_rows(&st, &viewer, chart)
        .await
        .map_err(|e| ctx.fail(e))?
        .ok_or_else(|| ctx.fail(not_found()))?;
    let mut resp = csv(&rows).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{chart}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

fn tile(href: &str, n: i64, label: &str, class: &str) -> Markup {
    html! { a.tile href=(href) { span.n class=(class) { (n) } (label) } }
}

/// `GET /`: the dashboard, or the reference tools for a visitor.
pub(crate) async fn home(ctx: Ctx, State(st): State<AppState>) -> WebResult {
    let Some(caller) = ctx.maybe_caller().cloned() else {
        let body = html! {
            h1 { "Precursor Watch" }
            p.lead { (ctx.t("home.intro")) }
            p { a.button href="/login" { (ctx.t("layout.sign_in")) } " " a.button.secondary href="/screen" { (ctx.t("nav.screen")) } }
            (lookup_form(&ctx, "", ""))
            (check_form(&ctx, &pw_trade::CheckRequest::default()))
        };
        return Ok(ctx.page(ctx.t("nav.dashboard"), body));
    };
    let viewer = caller.viewer_for(Scope::Read).map_err(|e| ctx.fail(e))?;
    let one = Page::new(Some(1), Some(0)).map_err(|e| ctx.fail(e.into()))?;
    let count_n = |f: NotificationFilter| {
        let st = st.clone();
        let viewer = viewer.clone();
        async move {
            st.store
                .notifications(&viewer, &f, one)
                .await
                .map(|l| l.total)
        }
    };
    let awaiting = count_n(NotificationFilter {
        mailbox: Some("inbox".into()),
        state: Some("sent".into()),
        ..Default::default()
    })
    .await
    .map_err(|e| ctx.fail(e.into()))?;
    let overdue = count_n(NotificationFilter {
        mailbox: Some("inbox".into()),
        overdue: true,
        ..Default::default()
    })
    .await
    .map_err(|e| ctx.fail(e.into()))?;
    let pending = st
        .store
        .licences(
            &viewer,
            &LicenceFilter {
                state: Some("submitted".into()),
                ..Default::default()
            },
            one,
        )
        .await
        .map_err(|e| ctx.fail(e.into()))?
        .total;
    let ns = all_notifications(&st, &viewer)
        .await
        .map_err(|e| ctx.fail(e))?;
    let is = all_incidents(&st, &viewer).await.map_err(|e| ctx.fail(e))?;
    let (months, by_state) = per_month(&ns, Utc::now());
    let series: Vec<Series> = by_state
        .iter()
        .map(|(s, counts)| Series {
            class: format!("s-{s}"),
            label: ctx.state(s),
            values: counts.iter().map(|c| f64::from(*c)).collect(),
        })
        .collect();
    let short_months: Vec<String> = months
        .iter()
        .map(|m| m.get(2..).unwrap_or(m).to_string())
        .collect();
    let replies = reply_times(&ns);
    let subs = per_substance(&is);
    let routes = per_route(&is);
    let (_, findings) = findings_per_month(&is, Utc::now());
    let finding_series: Vec<Series> = findings
        .iter()
        .map(|(l, counts)| Series {
            class: format!("f-{l}"),
            label: ctx.t(&format!("label.{l}")).to_string(),
            values: counts.iter().map(|c| f64::from(*c)).collect(),
        })
        .collect();
    let top = top_routes(&ns, &is, TOP_ROUTES);
    let days = ctx.t("dashboard.days");
    let body = html! {
        h1 { (ctx.t("dashboard.title")) }
        div.tiles {
            (tile("/notifications?mailbox=inbox", awaiting, ctx.t("dashboard.awaiting"), ""))
            (tile("/notifications?mailbox=inbox&overdue=true", overdue, ctx.t("dashboard.overdue"), if overdue > 0 { "overdue-n" } else { "" }))
            (tile("/licences?state=submitted", pending, ctx.t("dashboard.pending_licences"), ""))
            (tile("/incidents", is.len() as i64, ctx.t("dashboard.incidents"), ""))
        }
        div.charts {
            figure.chart #chart-months {
                figcaption { (ctx.t("dashboard.per_month")) }
                (stacked_bars("c-months", ctx.t("dashboard.per_month"), &short_months, &series))
                p.small { a href="/dashboard/notifications-by-month.csv" download { (ctx.t("dashboard.csv")) } }
            }
            figure.chart #chart-replies {
                figcaption { (ctx.t("dashboard.reply_times")) }
                @if replies.is_empty() { p.muted { (ctx.t("dashboard.no_data")) } } @else {
                    (hbars("c-replies", ctx.t("dashboard.reply_times"),
                        &replies.iter().map(|(c, d, k)| (c.clone(), *d, format!("{d:.1} {days} (n={k})"))).collect::<Vec<_>>()))
                }
                p.small { a href="/dashboard/reply-times.csv" download { (ctx.t("dashboard.csv")) } }
            }
            figure.chart #chart-substances {
                figcaption { (ctx.t("dashboard.per_substance")) }
                @if subs.is_empty() { p.muted { (ctx.t("dashboard.no_data")) } } @else {
                    (hbars("c-substances", ctx.t("dashboard.per_substance"),
                        &subs.iter().take(12).map(|(_, n, k)| (n.clone(), *k as f64, k.to_string())).collect::<Vec<_>>()))
                }
                p.small { a href="/dashboard/incidents-by-substance.csv" download { (ctx.t("dashboard.csv")) } }
            }
            figure.chart #chart-routes {
                figcaption { (ctx.t("dashboard.per_route")) }
                @if routes.is_empty() { p.muted { (ctx.t("dashboard.no_data")) } } @else {
                    (hbars("c-routes", ctx.t("dashboard.per_route"),
                        &routes.iter().take(12).map(|(a, b, k)| (format!("{a} → {b}"), *k as f64, k.to_string())).collect::<Vec<_>>()))
                }
                p.small { a href="/dashboard/incidents-by-route.csv" download { (ctx.t("dashboard.csv")) } }
            }
            figure.chart #chart-findings {
                figcaption { (ctx.t("dashboard.findings")) }
                (stacked_bars("c-findings", ctx.t("dashboard.findings"), &short_months, &finding_series))
                p.small.muted { (ctx.t("dashboard.findings_note")) }
                p.small { a href="/dashboard/screening-findings-by-month.csv" download { (ctx.t("dashboard.csv")) } }
            }
        }
        section #top-routes aria-labelledby="top-routes-title" {
            h2 #top-routes-title { (ctx.t("dashboard.top_routes")) }
            @if top.is_empty() { p.muted { (ctx.t("dashboard.no_data")) } } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (ctx.t("dashboard.route")) }
                        th scope="col" class="num" { (ctx.t("nav.notifications")) }
                        th scope="col" class="num" { (ctx.t("nav.incidents")) }
                        th scope="col" class="num" { (ctx.t("dashboard.total")) }
                    } }
                    tbody { @for (a, b, k, m) in &top { tr {
                        td { (a) " → " (b) }
                        td.num { (k) }
                        td.num { (m) }
                        td.num { (k + m) }
                    } } }
                } }
            }
            p.small { a href="/dashboard/top-routes.csv" download { (ctx.t("dashboard.csv")) } }
        }
        div.grid2 {
            (lookup_form(&ctx, "", ""))
            (check_form(&ctx, &pw_trade::CheckRequest::default()))
        }
    };
    Ok(ctx.page(ctx.t("dashboard.title"), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv(&[vec!["a".into(), "b".into()]]), "a,b\r\n");
    }
}
