//! Entities: companies and persons the organisation recorded, with their identifiers, watch-list status
//! and the names they resemble; the form to record one; putting one on (or taking it off) the watch list.
//!
//! Every page calls the JSON handler of `incidents` (`/api/v1/entities…`, `/api/v1/watchlist`) with the
//! session's caller, so scopes (`read` to look, `incidents` to write), roles (officers and admins write)
//! and tenant rules (an organisation sees the entities it recorded, and those linked to incidents it
//! sees; only authorities keep a watch list) are the API's. The store has no call to change an entity's
//! name or identifiers once recorded (the audit row keeps them as recorded), so "editing" an entity here is
//! its watch-list status.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Form, Path, Query, State};
use maud::{Markup, html};
use pw_store::{IDENTIFIER_TYPES, OrgKind, Scope, WatchEntry};
use serde::Deserialize;
use serde_json::{Value, json};

use super::platform::{Field, api_query, entity_flags, field, text, when};
use super::{Ctx, WebResult, has_scope, json_body, query_string, see_other, urlenc};
use crate::incidents::EntityView;
use crate::{AppError, AppState, Caller};

/// Identifier rows on the form (each optional).
pub const IDENTIFIER_ROWS: usize = 4;
/// Entities per page of the list.
pub const PAGE: i64 = 50;

/// May record entities (the API decides again).
fn may_record(c: &Caller) -> bool {
    has_scope(c, Scope::Incidents) && matches!(c.user.role.as_str(), "officer" | "admin")
}

/// May keep the watch list (national authorities' officers and admins).
fn may_watch(c: &Caller) -> bool {
    may_record(c) && c.org.kind == OrgKind::Authority
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EntitiesQuery {
    kind: Option<String>,
    q: Option<String>,
    country: Option<String>,
    offset: Option<String>,
}

fn kind_label(ctx: &Ctx, k: &str) -> String {
    ctx.lang
        .get(&format!("entity_kind.{k}"))
        .map_or_else(|| k.to_string(), str::to_string)
}

fn identifier_label(ctx: &Ctx, k: &str) -> String {
    ctx.lang
        .get(&format!("identifier.{k}"))
        .map_or_else(|| k.to_string(), str::to_string)
}

/// `GET /entities?kind=…&q=…&country=…&offset=…`.
pub(crate) async fn list(
    ctx: Ctx,
    State(st): State<AppState>,
    Query(q): Query<EntitiesQuery>,
) -> WebResult {
    let caller = ctx.caller()?;
    let limit = PAGE.to_string();
    let query = api_query(&[
        ("kind", q.kind.as_deref()),
        ("q", q.q.as_deref()),
        ("country", q.country.as_deref()),
        ("offset", q.offset.as_deref()),
        ("limit", Some(limit.as_str())),
    ]);
    let result = crate::incidents::list_entities(State(st.clone()), caller.clone(), query).await;
    // The active watch list (one page of the largest size), to mark the entities on it.
    let watched: HashMap<String, WatchEntry> = crate::incidents::watchlist(
        State(st),
        caller.clone(),
        api_query(&[("limit", Some("200"))]),
    )
    .await
    .map(|Json(p)| {
        p.items
            .into_iter()
            .map(|w| (w.entity_id.clone(), w))
            .collect()
    })
    .unwrap_or_default();
    let kind = q.kind.clone().unwrap_or_default();
    let body = html! {
        h1 { (ctx.t("entities.title")) }
        form.card method="get" action="/entities" role="search" {
            div.grid2 {
                div {
                    label for="eq" { (ctx.t("entities.words")) span.hint { (ctx.t("entities.words_hint")) } }
                    input #eq name="q" type="text" value=(q.q.as_deref().unwrap_or(""));
                }
                div {
                    label for="ekind" { (ctx.t("entity.kind")) }
                    select #ekind name="kind" {
                        option value="" { (ctx.t("entities.any_kind")) }
                        @for k in pw_store::ENTITY_KINDS { option value=(k) selected[k == kind] { (kind_label(&ctx, k)) } }
                    }
                }
                div {
                    label for="ecountry" { (ctx.t("entity.country")) span.hint { (ctx.t("check.country_hint")) } }
                    input #ecountry name="country" type="text" maxlength="2" autocomplete="off" value=(q.country.as_deref().unwrap_or(""));
                }
            }
            div { button.secondary type="submit" { (ctx.t("entities.search")) } }
        }
        @if may_record(&caller) {
            p { a.button href="/entities/new" { (ctx.t("entities.new")) } }
        }
        @match &result {
            Err(e) => (ctx.error_block(e)),
            Ok(Json(page)) if page.items.is_empty() => p { (ctx.t("entities.none")) },
            Ok(Json(page)) => {
                div.table-wrap { table {
                    caption.visually-hidden { (ctx.t("entities.title")) }
                    thead { tr {
                        th scope="col" { (ctx.t("entity.name")) }
                        th scope="col" { (ctx.t("entity.kind")) }
                        th scope="col" { (ctx.t("entity.country")) }
                        th scope="col" { (ctx.t("entity.identifiers")) }
                        th scope="col" { (ctx.t("entity.watch")) }
                        th scope="col" { (ctx.t("record.created")) }
                    } }
                    tbody { @for e in &page.items {
                        tr {
                            td { a href={ "/entities/" (urlenc(&e.id)) } { (e.name) } br; span.muted.small { (e.id) } }
                            td { (kind_label(&ctx, &e.kind)) }
                            td { (e.country.as_deref().unwrap_or("—")) }
                            td { (e.identifiers.len()) }
                            td { @if let Some(w) = watched.get(&e.id) {
                                span.badge.overdue title=(w.reason) { (ctx.t("entity.watched")) }
                            } }
                            td { (when(&e.created_at)) }
                        }
                    } }
                } }
                p.muted { (ctx.tf("list.count", &[("shown", &page.items.len().to_string()), ("total", &page.total.to_string())])) }
                (pager(&ctx, "/entities", &[("kind", q.kind.as_deref()), ("q", q.q.as_deref()), ("country", q.country.as_deref())], page.offset, page.limit, page.total))
            }
        }
    };
    Ok(ctx.page(ctx.t("entities.title"), body))
}

/// Previous/next links of a paged list (GET, the filters kept).
pub(crate) fn pager(
    ctx: &Ctx,
    path: &str,
    filters: &[(&str, Option<&str>)],
    offset: i64,
    limit: i64,
    total: i64,
) -> Markup {
    let link = |off: i64| {
        let off = off.to_string();
        let mut pairs = filters.to_vec();
        pairs.push(("offset", Some(off.as_str())));
        format!("{path}?{}", query_string(&pairs))
    };
    let (prev, next) = (offset > 0, offset + limit < total);
    html! {
        @if prev || next {
            nav.pager aria-label=(ctx.t("list.pages")) {
                @if prev { a rel="prev" href=(link((offset - limit).max(0))) { "← " (ctx.t("list.previous")) } " " }
                @if next { a rel="next" href=(link(offset + limit)) { (ctx.t("list.next")) " →" } }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EntityForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    it_0: String,
    #[serde(default)]
    iv_0: String,
    #[serde(default)]
    it_1: String,
    #[serde(default)]
    iv_1: String,
    #[serde(default)]
    it_2: String,
    #[serde(default)]
    iv_2: String,
    #[serde(default)]
    it_3: String,
    #[serde(default)]
    iv_3: String,
    csrf_token: Option<String>,
}

impl EntityForm {
    /// The identifiers typed, as the API takes them (empty rows left out).
    fn identifiers(&self) -> Vec<Value> {
        self.rows()
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(t, v)| json!({"type": t, "value": v}))
            .collect()
    }

    /// The form filled in with an entity as stored (identifiers beyond the form's rows are kept as
    /// they are only if the entity has no more than [`IDENTIFIER_ROWS`]; the edit page says so).
    fn of(e: &pw_store::Entity) -> EntityForm {
        let mut f = EntityForm {
            kind: e.kind.clone(),
            name: e.name.clone(),
            country: e.country.clone().unwrap_or_default(),
            ..EntityForm::default()
        };
        for (i, id) in e.identifiers.iter().take(IDENTIFIER_ROWS).enumerate() {
            let (t, v) = match i {
                0 => (&mut f.it_0, &mut f.iv_0),
                1 => (&mut f.it_1, &mut f.iv_1),
                2 => (&mut f.it_2, &mut f.iv_2),
                _ => (&mut f.it_3, &mut f.iv_3),
            };
            t.clone_from(&id.kind);
            v.clone_from(&id.value);
        }
        f
    }

    /// The identifier rows as typed: (type, value).
    fn rows(&self) -> [(&str, &str); IDENTIFIER_ROWS] {
        [
            (self.it_0.as_str(), self.iv_0.as_str()),
            (self.it_1.as_str(), self.iv_1.as_str()),
            (self.it_2.as_str(), self.iv_2.as_str()),
            (self.it_3.as_str(), self.iv_3.as_str()),
        ]
    }
}

/// The entity form: a new entity, or (with `editing`, the entity's id) the correction of one.
fn new_page(ctx: &Ctx, f: &EntityForm, error: Option<&AppError>, editing: Option<&str>) -> Markup {
    let action = editing.map_or_else(
        || "/entities".to_string(),
        |id| format!("/entities/{}/edit", urlenc(id)),
    );
    let (title, intro, submit) = if editing.is_some() {
        (
            "entity_edit.title",
            "entity_edit.intro",
            "entity_edit.submit",
        )
    } else {
        ("entity_new.title", "entity_new.intro", "entity_new.submit")
    };
    // The API names an identifier as `identifiers[i]…`, counting only the rows sent.
    let sent: Vec<usize> = f
        .rows()
        .iter()
        .enumerate()
        .filter(|(_, (_, v))| !v.trim().is_empty())
        .map(|(i, _)| i)
        .collect();
    let bad_row = error
        .and_then(|e| e.field.as_deref())
        .and_then(|x| x.strip_prefix("identifiers["))
        .and_then(|x| x.split(']').next())
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| sent.get(n).copied());
    html! {
        h1 { (ctx.t(title)) }
        p { (ctx.t(intro)) }
        @if let Some(e) = error { (ctx.error_block(e)) }
        form.card method="post" action=(action) {
            (ctx.csrf_field())
            @if editing.is_none() {
                label for="f-kind" { (ctx.t("entity.kind")) }
                select #f-kind name="kind" required {
                    @for k in pw_store::ENTITY_KINDS { option value=(k) selected[k == f.kind] { (kind_label(ctx, k)) } }
                }
            }
            div.grid2 {
                (field(text(ctx, "name", "entity.name", &f.name, true), error))
                (field(Field { hint: Some(ctx.t("check.country_hint")), ..text(ctx, "country", "entity.country", &f.country, false) }, error))
            }
            fieldset {
                legend { (ctx.t("entity.identifiers")) span.hint { (ctx.t("entity_new.identifiers_hint")) } }
                @for (i, (t, v)) in f.rows().iter().enumerate() {
                    @let inv = if bad_row == Some(i) { "true" } else { "false" };
                    div.grid2 {
                        div {
                            label for={ "f-it_" (i) } { (ctx.tf("entity_new.identifier_type", &[("n", &(i + 1).to_string())])) }
                            select id={ "f-it_" (i) } name={ "it_" (i) } aria-invalid=(inv) {
                                @for k in IDENTIFIER_TYPES { option value=(k) selected[k == *t] { (identifier_label(ctx, k)) } }
                            }
                        }
                        div {
                            label for={ "f-iv_" (i) } { (ctx.tf("entity_new.identifier_value", &[("n", &(i + 1).to_string())])) }
                            input id={ "f-iv_" (i) } name={ "iv_" (i) } type="text" value=(v) aria-invalid=(inv);
                        }
                    }
                }
            }
            div { button type="submit" { (ctx.t(submit)) } }
        }
        p.muted.small { (ctx.t("entity_new.privacy")) }
    }
}

/// `GET /entities/new`.
pub(crate) async fn new_entity(ctx: Ctx) -> WebResult {
    let caller = ctx.caller()?;
    // Refused here as the API would refuse it, rather than on submitting the form.
    caller
        .viewer_for(Scope::Incidents)
        .and_then(|v| v.require_write().map_err(AppError::from))
        .map_err(|e| ctx.fail(e))?;
    let f = EntityForm {
        kind: "company".into(),
        ..EntityForm::default()
    };
    Ok(ctx.page(ctx.t("entity_new.title"), new_page(&ctx, &f, None, None)))
}

/// `POST /entities`: `POST /api/v1/entities`'s handler.
pub(crate) async fn create(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Form(f): Form<EntityForm>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    let mut body = json!({"kind": f.kind, "name": f.name, "identifiers": f.identifiers()});
    if !f.country.trim().is_empty() {
        body["country"] = Value::String(f.country.clone());
    }
    match crate::incidents::create_entity(State(st), caller, json_body(&body)).await {
        Ok((_, Json(v))) => Ok(see_other(&format!("/entities/{}", urlenc(&v.entity.id)))),
        Err(e) => {
            let page = new_page(&ctx, &f, Some(&e), None);
            Ok(ctx.page_with(e.status, ctx.t("entity_new.title"), page))
        }
    }
}

fn entity_body(
    ctx: &Ctx,
    caller: &Caller,
    v: &EntityView,
    flags: &[pw_store::EntityFlag],
    error: Option<(&AppError, &str, &str)>,
) -> Markup {
    let e = &v.entity;
    let typed = |action: &str| {
        error
            .filter(|(_, a, _)| *a == action)
            .map_or("", |(_, _, t)| t)
    };
    html! {
        h1 { (e.name) " " span.muted { "(" (kind_label(ctx, &e.kind)) ")" } }
        @if let Some((err, _, _)) = error { (ctx.error_block(err)) }
        @if let Some(w) = &v.watch {
            div.alert #watch-status {
                p { strong { (ctx.t("entity.on_watch_list")) } " — " (ctx.t("entity.since")) " " (when(&w.added_at)) }
                blockquote { (w.reason) }
            }
        }
        dl.facts {
            dt { (ctx.t("record.id")) } dd { code { (e.id) } }
            dt { (ctx.t("entity.kind")) } dd { (kind_label(ctx, &e.kind)) }
            dt { (ctx.t("entity.country")) } dd { (e.country.as_deref().unwrap_or("—")) }
            dt { (ctx.t("entity.recorded_by")) } dd {
                @if v.recorded_by_you { (ctx.t("entity.recorded_by_you")) } @else { (ctx.t("entity.recorded_by_other")) } }
            dt { (ctx.t("record.created")) } dd { (when(&e.created_at)) }
            dt { (ctx.t("entity.watch")) } dd {
                @if v.watch.is_some() { span.badge.overdue { (ctx.t("entity.watched")) } } @else { (ctx.t("entity.not_watched")) } }
        }
        @if v.recorded_by_you && may_record(caller) {
            p { a.button href={ "/entities/" (urlenc(&e.id)) "/edit" } { (ctx.t("entity_edit.title")) } }
        }
        h2 { (ctx.t("entity.identifiers")) }
        @if e.identifiers.is_empty() {
            p.muted { (ctx.t("entity.no_identifiers")) }
        } @else {
            div.table-wrap { table #identifiers {
                thead { tr {
                    th scope="col" { (ctx.t("entity.identifier_type")) }
                    th scope="col" { (ctx.t("entity.identifier_value")) }
                } }
                tbody { @for i in &e.identifiers { tr {
                    td { (identifier_label(ctx, &i.kind)) }
                    td { code { (i.value) } }
                } } }
            } }
        }
        h2 { (ctx.t("entity.incidents")) }
        @if v.incident_ids.is_empty() {
            p.muted { (ctx.t("entity.no_incidents")) }
        } @else {
            ul { @for id in &v.incident_ids { li { a href={ "/incidents/" (urlenc(id)) } { (id) } } } }
        }
        @if flags.is_empty() {
            h2 { (ctx.t("record.entity_flags")) }
            p.muted { (ctx.t("entity.no_flags")) }
        } @else {
            (entity_flags(ctx, Some(&flags.to_vec())))
        }
        @if may_watch(caller) {
            h2 { (ctx.t("record.actions")) }
            div.actions {
                @if v.watch.is_some() {
                    form.card method="post" action={ "/entities/" (urlenc(&e.id)) "/unwatch" } {
                        (ctx.csrf_field())
                        h3 { (ctx.t("entity.unwatch")) }
                        label for="reason-unwatch" { (ctx.t("entity.unwatch_reason")) }
                        textarea #reason-unwatch name="reason" rows="3" { (typed("unwatch")) }
                        div { button type="submit" { (ctx.t("entity.unwatch")) } }
                    }
                } @else {
                    form.card method="post" action={ "/entities/" (urlenc(&e.id)) "/watch" } {
                        (ctx.csrf_field())
                        h3 { (ctx.t("entity.watch_add")) }
                        label for="reason-watch" { (ctx.t("entity.watch_reason")) }
                        textarea #reason-watch name="reason" rows="3" required { (typed("watch")) }
                        div { button.danger type="submit" { (ctx.t("entity.watch_add")) } }
                    }
                }
            }
        }
        p { a href="/entities" { "← " (ctx.t("entities.back")) } }
    }
}

/// Entities the caller sees whose names resemble this one's (itself left out).
async fn flags_of(
    st: &AppState,
    caller: &Caller,
    v: &EntityView,
) -> Result<Vec<pw_store::EntityFlag>, AppError> {
    let body = json!({"names": [{"role": "entity", "name": v.entity.name}]});
    let Json(m) =
        crate::incidents::match_names(State(st.clone()), caller.clone(), json_body(&body)).await?;
    Ok(m.flags
        .into_iter()
        .filter(|f| f.entity_id != v.entity.id)
        .collect())
}

async fn show(
    ctx: &Ctx,
    st: &AppState,
    caller: &Caller,
    id: String,
    error: Option<(&AppError, &str, &str)>,
) -> WebResult {
    let Json(v) = crate::incidents::get_entity(State(st.clone()), caller.clone(), Path(id))
        .await
        .map_err(|e| ctx.fail(e))?;
    let flags = flags_of(st, caller, &v).await.map_err(|e| ctx.fail(e))?;
    let body = entity_body(ctx, caller, &v, &flags, error);
    let status = error.map_or(axum::http::StatusCode::OK, |(e, _, _)| e.status);
    Ok(ctx.page_with(status, &v.entity.name, body))
}

/// `GET /entities/{id}`.
pub(crate) async fn entity(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> WebResult {
    let caller = ctx.caller()?;
    show(&ctx, &st, &caller, id, None).await
}

/// `GET /entities/{id}/edit`: the entity's form, filled in (its recording organisation's writers).
pub(crate) async fn edit_form(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> WebResult {
    let caller = ctx.caller()?;
    let Json(v) = crate::incidents::get_entity(State(st), caller.clone(), Path(id.clone()))
        .await
        .map_err(|e| ctx.fail(e))?;
    if !v.recorded_by_you || !may_record(&caller) {
        return Err(ctx.fail(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            ctx.t("entity_edit.not_yours"),
        )));
    }
    if v.entity.identifiers.len() > IDENTIFIER_ROWS {
        // The form cannot show them all; saving it would drop the rest. Say so rather than lose data.
        return Err(ctx.fail(AppError::new(
            axum::http::StatusCode::CONFLICT,
            "too_many_identifiers",
            ctx.t("entity_edit.too_many"),
        )));
    }
    let f = EntityForm::of(&v.entity);
    Ok(ctx.page(
        ctx.t("entity_edit.title"),
        new_page(&ctx, &f, None, Some(&id)),
    ))
}

/// `POST /entities/{id}/edit`: `PATCH /api/v1/entities/{id}`'s handler.
pub(crate) async fn edit(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<EntityForm>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    let body = json!({"name": f.name, "country": f.country, "identifiers": f.identifiers()});
    match crate::incidents::update_entity(State(st), caller, Path(id.clone()), json_body(&body))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/entities/{}", urlenc(&id)))),
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => Err(ctx.fail(e)),
        Err(e) => {
            let page = new_page(&ctx, &f, Some(&e), Some(&id));
            Ok(ctx.page_with(e.status, ctx.t("entity_edit.title"), page))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReasonForm {
    #[serde(default)]
    reason: String,
    csrf_token: Option<String>,
}

/// `POST /entities/{id}/watch` and `/unwatch`: the API's watch and unwatch handlers.
pub(crate) async fn watch_action(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ReasonForm>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    let result = match action.as_str() {
        "watch" => crate::incidents::watch(
            State(st.clone()),
            caller.clone(),
            Path(id.clone()),
            json_body(&json!({"reason": f.reason})),
        )
        .await
        .map(|_| ()),
        "unwatch" => {
            let body = if f.reason.trim().is_empty() {
                json!({})
            } else {
                json!({"reason": f.reason})
            };
            crate::incidents::unwatch(
                State(st.clone()),
                caller.clone(),
                Path(id.clone()),
                json_body(&body),
            )
            .await
            .map(|_| ())
        }
        _ => Err(AppError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            "no such action",
        )),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/entities/{}", urlenc(&id)))),
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => Err(ctx.fail(e)),
        Err(e) => show(&ctx, &st, &caller, id, Some((&e, &action, &f.reason))).await,
    }
}
