//! The transparency log page: the current tree (size, root hash), its signed checkpoint as served (with the
//! witnesses' cosignature lines), and who witnessed which size and when — or, plainly, that nobody has.
//! Public, as `/api/v1/log/` is: the log holds hashes and leaf kinds, no tenant data. It renders what the
//! JSON handlers of `crate::ledger` return (`GET /api/v1/log/checkpoint`, `GET /api/v1/log/witnesses`).

use axum::extract::State;
use chrono::{DateTime, Utc};
use maud::html;

use super::{Ctx, WebResult};
use crate::AppState;

fn posix(t: u64) -> String {
    i64::try_from(t)
        .ok()
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
        .map(|d| super::platform::when(&d))
        .unwrap_or_else(|| t.to_string())
}

/// `GET /log`.
pub(crate) async fn page(ctx: Ctx, State(st): State<AppState>) -> WebResult {
    let head = crate::ledger::cosigned_checkpoint(&st, None)
        .await
        .map_err(|e| ctx.fail(e))?;
    let axum::Json(doc) = crate::ledger::witnesses(State(st.clone()))
        .await
        .map_err(|e| ctx.fail(e))?;
    let size = head.as_ref().map(|(c, _)| c.size);
    let witnessed_now: Vec<&crate::ledger::WitnessDoc> = doc
        .witnesses
        .iter()
        .filter(|w| size.is_some() && w.latest.as_ref().map(|l| l.size) == size)
        .collect();
    let witnessed_any = doc.witnesses.iter().any(|w| w.latest.is_some());
    // The largest tree any witness cosigned: after it, the log has grown (a cosignature is itself an
    // audited change, hence a leaf), and the consistency proof from it to the current tree is public.
    let largest = doc
        .witnesses
        .iter()
        .filter_map(|w| w.latest.as_ref().map(|l| l.size))
        .max();
    let body = html! {
        h1 { (ctx.t("log.title")) }
        p { (ctx.t("log.intro")) }
        @match &head {
            None => p.card { (ctx.t("log.empty")) },
            Some((c, note)) => {
                dl.facts {
                    dt { (ctx.t("log.size")) } dd #log-size { (c.size) }
                    dt { (ctx.t("log.root")) } dd { code #log-root { (c.root.to_string()) } }
                    dt { (ctx.t("log.witnessed")) }
                    dd #log-witnessed {
                        @if let (true, Some(m)) = (witnessed_now.is_empty(), largest) {
                            (ctx.tf("log.latest_witnessed", &[
                                ("m", &m.to_string()),
                                ("k", &c.size.saturating_sub(m).to_string()),
                            ]))
                        } @else if witnessed_now.is_empty() {
                            strong { (ctx.t("log.current_not_witnessed")) }
                        } @else {
                            (ctx.tf("log.current_witnessed_by", &[("n", &witnessed_now.len().to_string())]))
                        }
                    }
                }
                h2 { (ctx.t("log.checkpoint")) }
                p.hint { (ctx.t("log.checkpoint_help")) }
                div.table-wrap { pre #log-checkpoint { (note) } }
            }
        }
        h2 { (ctx.t("log.witnesses")) }
        @if doc.witnesses.is_empty() {
            p #log-no-witnesses { (ctx.t("log.no_witnesses")) }
        } @else {
            @if !witnessed_any {
                p { strong { (ctx.t("log.never_witnessed")) } }
            }
            div.table-wrap { table #log-witness-table {
                thead { tr {
                    th { (ctx.t("log.witness")) }
                    th { (ctx.t("log.key_id")) }
                    th { (ctx.t("log.witnessed_size")) }
                    th { (ctx.t("log.cosigned_at")) }
                    th { (ctx.t("log.received_at")) }
                } }
                tbody {
                    @for w in &doc.witnesses {
                        tr {
                            td {
                                code { (w.name) }
                                @if !w.configured { " " span.muted { (ctx.t("log.not_configured")) } }
                            }
                            td { code { (w.key_id) } }
                            @match &w.latest {
                                None => td colspan="3" { (ctx.t("log.not_witnessed")) },
                                Some(l) => {
                                    td { (l.size) }
                                    td { (posix(l.cosigned_at)) }
                                    td { (super::platform::when(&l.received_at)) }
                                }
                            }
                        }
                    }
                }
            } }
        }
        p.hint { (ctx.t("log.api_help")) " " code { "/api/v1/log/checkpoint" } ", " code { "/api/v1/log/witnesses" } }
    };
    Ok(ctx.page(ctx.t("log.title"), body))
}
