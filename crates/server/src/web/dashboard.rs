//! The home page: for visitors, the reference tools; for a signed-in user, the dashboard — what waits
//! for them, and three charts over the records their organisation may see (notifications per month by
//! state, time to reply per importing country, incidents per substance), each with its data as CSV.
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

async fn all_notifications(st: &AppState, viewer: &Viewer) -> Result<Vec<Notification>, AppError> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = st
            .store
            .notifications(
                viewer,
                &NotificationFilter::default(),
                Page::new(Some(200), Some(offset))?,
            )
            .await?;
        let n = page.items.len() as i64;
        out.extend(page.items);
        offset += n;
        if n == 0 || offset >= page.total || offset >= MAX_RECORDS {
            return Ok(out);
        }
    }
}

async fn all_incidents(st: &AppState, viewer: &Viewer) -> Result<Vec<Incident>, AppError> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = st
            .store
            .incidents(
                viewer,
                &IncidentFilter::default(),
                Page::new(Some(200), Some(offset))?,
            )
            .await?;
        let n = page.items.len() as i64;
        out.extend(page.items);
        offset += n;
        if n == 0 || offset >= page.total || offset >= MAX_RECORDS {
            return Ok(out);
        }
    }
}

fn month(t: &DateTime<Utc>) -> String {
    format!("{:04}-{:02}", t.year(), t.month())
}

/// Notifications per month (of sending) and current state: the last [`MONTHS`] months up to `now`.
pub(crate) fn per_month(
    ns: &[Notification],
    now: DateTime<Utc>,
) -> (Vec<String>, Vec<(String, Vec<u32>)>) {
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
