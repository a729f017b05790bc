//! Platform pages for signed-in users: sign-in and sign-out, notifications (inbox, outbox, replies),
//! licence applications (apply, decide) and incidents (list, report, comment).
//!
//! Each handler turns the form into the JSON body of the matching API handler in `accounts`, `flows` or
//! `incidents` and calls it with the session's [`Caller`]; the API handler applies scopes, tenant rules,
//! state machines and input checks, so a page can do nothing the API would refuse. Its errors come back
//! on the form, with the field at fault marked.

use std::net::SocketAddr;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::{Extension, Json};
use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};
use pw_store::{Notification, OrgKind, Scope, StateChange};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::layout::{state_badge, verified_mark};
use super::{Ctx, WebResult, has_scope, json_body, local_path, query_string, see_other, urlenc};
use crate::flows::{LicenceView, NotificationView};
use crate::incidents::IncidentView;
use crate::{AppError, AppState, Caller};

/// A query for an API list handler, from our own (known) parameters.
pub(super) fn api_query<T: serde::de::DeserializeOwned>(
    pairs: &[(&str, Option<&str>)],
) -> Result<Query<T>, axum::extract::rejection::QueryRejection> {
    let uri: Uri = format!("/?{}", query_string(pairs))
        .parse()
        .unwrap_or_else(|_| Uri::from_static("/"));
    Query::try_from_uri(&uri)
}

/// Form fields that are empty are left out of the JSON body, so the API names a missing required field.
fn body_of(pairs: &[(&str, &str)]) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in pairs {
        if !v.trim().is_empty() {
            m.insert((*k).to_string(), Value::String((*v).to_string()));
        }
    }
    m
}

/// A comma- or space-separated list of codes (`US, MX`).
fn list_of(s: &str) -> Value {
    Value::Array(
        s.split([',', ' ', ';'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| Value::String(c.to_string()))
            .collect(),
    )
}

pub(super) fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The kind of input of a form field.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Input {
    Text,
    Date,
    Area,
    Email,
    Password,
}

pub(super) struct Field<'a> {
    pub(super) name: &'a str,
    pub(super) label: &'a str,
    pub(super) hint: Option<&'a str>,
    pub(super) value: &'a str,
    pub(super) required: bool,
    pub(super) input: Input,
}

pub(super) fn field(f: Field<'_>, error: Option<&AppError>) -> Markup {
    let invalid = error
        .and_then(|e| e.field.as_deref())
        .is_some_and(|x| x == f.name || x.starts_with(&format!("{}[", f.name)));
    let id = format!("f-{}", f.name);
    let inv = if invalid { "true" } else { "false" };
    html! {
        div {
            label for=(id) { (f.label) @if let Some(h) = f.hint { span.hint { (h) } } }
            @match f.input {
                Input::Area => textarea id=(id) name=(f.name) rows="4" required[f.required] aria-invalid=(inv) { (f.value) },
                Input::Date => input id=(id) name=(f.name) type="date" value=(f.value) required[f.required] aria-invalid=(inv);,
                Input::Email => input id=(id) name=(f.name) type="email" value=(f.value) required[f.required] autocomplete="username" aria-invalid=(inv);,
                Input::Password => input id=(id) name=(f.name) type="password" required[f.required] autocomplete="current-password" aria-invalid=(inv);,
                Input::Text => input id=(id) name=(f.name) type="text" value=(f.value) required[f.required] aria-invalid=(inv);,
            }
        }
    }
}

pub(super) fn text<'a>(
    ctx: &'a Ctx,
    name: &'a str,
    key: &str,
    value: &'a str,
    required: bool,
) -> Field<'a> {
    Field {
        name,
        label: ctx.t(key),
        hint: None,
        value,
        required,
        input: Input::Text,
    }
}

fn history(ctx: &Ctx, h: &[StateChange]) -> Markup {
    html! {
        h2 { (ctx.t("record.history")) }
        ol.history {
            @for c in h {
                li {
                    (when(&c.at)) ": "
                    @if let Some(f) = &c.from { (state_badge(ctx, f)) " → " }
                    (state_badge(ctx, &c.to))
                    @if let Some(r) = &c.reason { blockquote { (r) } }
                }
            }
        }
    }
}

pub(super) fn entity_flags(ctx: &Ctx, flags: Option<&Vec<pw_store::EntityFlag>>) -> Markup {
    let Some(flags) = flags.filter(|f| !f.is_empty()) else {
        return html! {};
    };
    html! {
        h2 { (ctx.t("record.entity_flags")) }
        div.alert {
            ul { @for f in flags {
                li { strong { (f.name) } " (" (f.role) ") ≈ " (f.entity_name) " · " (format!("{:.2}", f.score)) " — " (f.why) }
            } }
        }
    }
}

// ------------------------------------------------------------------------------------------------------
// Sign-in and sign-out

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

fn login_page(ctx: &Ctx, email: &str, next: &str, error: Option<&AppError>) -> Markup {
    html! {
        h1 { (ctx.t("login.title")) }
        @if let Some(e) = error { (ctx.error_block(e)) }
        form.card action="/login" method="post" {
            (ctx.csrf_field())
            input type="hidden" name="next" value=(next);
            (field(Field { name: "email", label: ctx.t("login.email"), hint: None, value: email, required: true, input: Input::Email }, error))
            (field(Field { name: "password", label: ctx.t("login.password"), hint: None, value: "", required: true, input: Input::Password }, error))
            div { button type="submit" { (ctx.t("login.submit")) } }
        }
        p.muted { (ctx.t("login.no_account")) }
    }
}

/// `GET /login`.
pub(crate) async fn login_form(ctx: Ctx, Query(q): Query<NextQuery>) -> WebResult {
    let next = local_path(q.next.as_deref().unwrap_or("/")).to_string();
    if ctx.maybe_caller().is_some() {
        return Ok(see_other(&next));
    }
    Ok(ctx.page(ctx.t("login.title"), login_page(&ctx, "", &next, None)))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    csrf_token: Option<String>,
    next: Option<String>,
}

/// `POST /login`: `POST /api/v1/session`'s handler, then back to where the visitor was going.
pub(crate) async fn login(
    mut ctx: Ctx,
    State(st): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> WebResult {
    ctx.verify_public(f.csrf_token.as_deref())?;
    let next = local_path(f.next.as_deref().unwrap_or("/")).to_string();
    let body = json_body(&json!({"email": f.email, "password": f.password}));
    let error = match crate::accounts::sign_in(State(st), peer, headers, body).await {
        Ok(resp) if resp.status() == StatusCode::CREATED => {
            let mut out = see_other(&next);
            for c in resp.headers().get_all(header::SET_COOKIE) {
                out.headers_mut().append(header::SET_COOKIE, c.clone());
            }
            return Ok(out);
        }
        Ok(resp) => {
            let secs = resp
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("900")
                .to_string();
            AppError::new(
                resp.status(),
                "too_many_attempts",
                ctx.tf("login.throttled", &[("secs", &secs)]),
            )
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            AppError::new(e.status, e.code, ctx.t("login.wrong"))
        }
        Err(e) => e,
    };
    let status = error.status;
    let page = login_page(&ctx, &f.email, &next, Some(&error));
    Ok(ctx.page_with(status, ctx.t("login.title"), page))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CsrfOnly {
    csrf_token: Option<String>,
}

/// `POST /logout`: `DELETE /api/v1/session`'s handler.
pub(crate) async fn logout(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Form(f): Form<CsrfOnly>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    let resp = crate::accounts::sign_out(State(st), caller)
        .await
        .map_err(|e| ctx.fail(e))?;
    let mut out = see_other("/login");
    for c in resp.headers().get_all(header::SET_COOKIE) {
        out.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------------------
// Notifications

/// Days before the deadline from which a notification awaiting a reply is "due soon".
pub const DUE_SOON_DAYS: i64 = 3;

/// The deadline badge: overdue, due soon, or nothing.
pub(crate) fn deadline_badge(ctx: &Ctx, n: &Notification, now: DateTime<Utc>) -> Markup {
    if n.overdue {
        html! { span.badge.overdue { (ctx.t("deadline.overdue")) } }
    } else if n.state == "sent" && n.deadline_at - now <= Duration::days(DUE_SOON_DAYS) {
        let days = (n.deadline_at - now).num_days().max(0).to_string();
        html! { span.badge.due-soon { (ctx.tf("deadline.due_soon", &[("days", &days)])) } }
    } else {
        html! {}
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NotificationsQuery {
    mailbox: Option<String>,
    state: Option<String>,
    overdue: Option<String>,
    offset: Option<String>,
}

fn may_send(c: &Caller) -> bool {
    has_scope(c, Scope::Notifications)
        && c.org.kind == OrgKind::Authority
        && c.org.competences.contains(&pw_store::Competence::Pen)
        && c.user.role.as_str() != "read_only"
        && c.user.role.as_str() != "reviewer"
}

/// `GET /notifications?mailbox=inbox|outbox|all&overdue=true`.
pub(crate) async fn notifications(
    ctx: Ctx,
    State(st): State<AppState>,
    Query(q): Query<NotificationsQuery>,
) -> WebResult {
    let caller = ctx.caller()?;
    let mailbox = q.mailbox.clone().unwrap_or_else(|| "inbox".into());
    let overdue = q.overdue.as_deref() == Some("true");
    let query = api_query(&[
        ("mailbox", Some(mailbox.as_str())),
        ("state", q.state.as_deref()),
        ("overdue", overdue.then_some("true")),
        ("offset", q.offset.as_deref()),
        ("limit", Some("50")),
    ]);
    let Json(page) = crate::flows::list_notifications(State(st), caller.clone(), query)
        .await
        .map_err(|e| ctx.fail(e))?;
    let now = Utc::now();
    let tabs = [
        ("inbox", false, "notifications.inbox"),
        ("outbox", false, "notifications.outbox"),
        ("all", false, "notifications.all"),
        ("inbox", true, "notifications.overdue"),
    ];
    let body = html! {
        h1 { (ctx.t("notifications.title")) }
        nav aria-label=(ctx.t("notifications.mailboxes")) {
            ul.tabs {
                @for (m, o, key) in tabs {
                    li {
                        a href={ "/notifications?mailbox=" (m) @if o { "&overdue=true" } }
                          aria-current=[(m == mailbox && o == overdue).then_some("page")] { (ctx.t(key)) }
                    }
                }
            }
        }
        @if may_send(&caller) {
            p { a.button href="/notifications/new" { (ctx.t("notifications.new")) } }
        }
        @if page.items.is_empty() {
            p { (ctx.t("notifications.none")) }
        } @else {
            div.table-wrap { table {
                caption.visually-hidden { (ctx.t("notifications.title")) }
                thead { tr {
                    th scope="col" { (ctx.t("notification.substance")) }
                    th scope="col" { (ctx.t("notification.route")) }
                    th scope="col" { (ctx.t("notification.quantity")) }
                    th scope="col" { (ctx.t("notification.consignee")) }
                    th scope="col" { (ctx.t("record.state")) }
                    th scope="col" { (ctx.t("notification.deadline")) }
                } }
                tbody {
                    @for v in &page.items {
                        @let n = &v.notification;
                        tr {
                            td { a href={ "/notifications/" (urlenc(&n.id)) } { (n.substance_name) } br; span.muted.small { (n.id) } }
                            td { (n.exporting_country) " → " (n.importing_country) }
                            td { (n.quantity) }
                            td { (n.consignee_name) }
                            td { (state_badge(&ctx, &n.state)) }
                            td { (when(&n.deadline_at)) " " (deadline_badge(&ctx, n, now)) }
                        }
                    }
                }
            } }
            p.muted { (ctx.tf("list.count", &[("shown", &page.items.len().to_string()), ("total", &page.total.to_string())])) }
        }
    };
    Ok(ctx.page(ctx.t("notifications.title"), body))
}

fn notification_body(
    ctx: &Ctx,
    v: &NotificationView,
    error: Option<(&AppError, &str, &str)>,
) -> Markup {
    let n = &v.notification;
    let now = Utc::now();
    html! {
        h1 { (ctx.t("notification.title")) ": " (n.substance_name) " " span.muted { (n.exporting_country) " → " (n.importing_country) } }
        @if let Some((e, _, _)) = error { (ctx.error_block(e)) }
        p { (state_badge(ctx, &n.state)) " " (deadline_badge(ctx, n, now)) }
        dl.facts {
            dt { (ctx.t("record.id")) } dd { code { (n.id) } }
            dt { (ctx.t("notification.substance")) } dd { a href={ "/substances/" (urlenc(&n.substance_id)) } { (n.substance_name) } }
            dt { (ctx.t("notification.quantity")) } dd { (n.quantity) }
            dt { (ctx.t("notification.exporter")) } dd { (n.exporter_name) }
            dt { (ctx.t("notification.consignee")) } dd { (n.consignee_name) }
            dt { (ctx.t("notification.address")) } dd { (n.consignee_address) }
            dt { (ctx.t("notification.route")) } dd { (n.exporting_country)
                @for t in &n.transit_countries { " → " (t) } " → " (n.importing_country) }
            dt { (ctx.t("notification.expected")) } dd { (n.expected_date.to_string()) }
            dt { (ctx.t("notification.deadline")) } dd { (when(&n.deadline_at)) br; span.muted.small { (n.deadline_basis) } }
            @if let Some(l) = &n.licence_id { dt { (ctx.t("notification.licence")) } dd { a href={ "/licences/" (urlenc(l)) } { (l) } } }
            dt { (ctx.t("record.created")) } dd { (when(&n.created_at)) }
        }
        @if let Some(r) = &n.reply_reason {
            h2 { (ctx.t("notification.reply")) }
            blockquote #reply { (r) }
            @if let Some(at) = &n.replied_at { p.muted.small { (when(at)) } }
        }
        (entity_flags(ctx, v.entity_flags.as_ref()))
        @if !v.actions.is_empty() {
            h2 { (ctx.t("record.actions")) }
            div.actions {
                @for a in &v.actions {
                    @let (text_key, required) = match a.as_str() {
                        "object" => ("action_text.object", true),
                        "request_info" => ("action_text.request_info", true),
                        "answer" => ("action_text.answer", true),
                        "withdraw" => ("action_text.withdraw", true),
                        _ => ("action_text.note", false),
                    };
                    @let typed = error.filter(|(_, act, _)| act == a).map(|(_, _, t)| t).unwrap_or("");
                    form.card method="post" action={ "/notifications/" (urlenc(&n.id)) "/" (a) } {
                        (ctx.csrf_field())
                        h3 { (ctx.t(&format!("action.{a}"))) }
                        label for={ "text-" (a) } { (ctx.t(text_key)) }
                        textarea id={ "text-" (a) } name="text" rows="3" required[required] { (typed) }
                        div { button type="submit" class=[(a == "object" || a == "withdraw").then_some("danger")] { (ctx.t(&format!("action.{a}"))) } }
                    }
                }
            }
        }
        @if let Some(h) = &v.history { (history(ctx, h)) }
    }
}

/// `GET /notifications/{id}`.
pub(crate) async fn notification(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> WebResult {
    let caller = ctx.caller()?;
    let Json(v) = crate::flows::get_notification(State(st), caller, Path(id))
        .await
        .map_err(|e| ctx.fail(e))?;
    let title = format!(
        "{} {}",
        ctx.t("notification.title"),
        v.notification.substance_name
    );
    Ok(ctx.page(&title, notification_body(&ctx, &v, None)))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TextForm {
    #[serde(default)]
    text: String,
    csrf_token: Option<String>,
}

/// `POST /notifications/{id}/{action}`: a reply (no objection, objection, request for information) or
/// the exporter's answer, shipment, withdrawal.
pub(crate) async fn act_on_notification(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<TextForm>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    let body = json_body(&Value::Object(body_of(&[("text", &f.text)])));
    match crate::flows::act(
        State(st.clone()),
        caller.clone(),
        Path((id.clone(), action.clone())),
        body,
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/notifications/{}", urlenc(&id)))),
        Err(e) => {
            let Json(v) = crate::flows::get_notification(State(st), caller, Path(id))
                .await
                .map_err(|e| ctx.fail(e))?;
            let page = notification_body(&ctx, &v, Some((&e, &action, &f.text)));
            Ok(ctx.page_with(e.status, ctx.t("notification.title"), page))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SendForm {
    #[serde(default)]
    licence_id: String,
    #[serde(default)]
    substance: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    exporter_name: String,
    #[serde(default)]
    consignee_name: String,
    #[serde(default)]
    consignee_address: String,
    #[serde(default)]
    importing_country: String,
    #[serde(default)]
    transit_countries: String,
    #[serde(default)]
    expected_date: String,
    csrf_token: Option<String>,
}

async fn send_page(
    ctx: &Ctx,
    st: &AppState,
    caller: &Caller,
    f: &SendForm,
    error: Option<&AppError>,
) -> Markup {
    // Approved licences this authority decided, to send from.
    let licences = crate::flows::list_licences(
        State(st.clone()),
        caller.clone(),
        api_query(&[("state", Some("approved")), ("limit", Some("200"))]),
    )
    .await
    .map(|Json(p)| p.items)
    .unwrap_or_default();
    html! {
        h1 { (ctx.t("send.title")) }
        @if let Some(e) = error { (ctx.error_block(e)) }
        form.card method="post" action="/notifications" {
            (ctx.csrf_field())
            @if !licences.is_empty() {
                label for="f-licence_id" { (ctx.t("send.licence")) span.hint { (ctx.t("send.licence_hint")) } }
                select #f-licence_id name="licence_id" {
                    option value="" { (ctx.t("send.no_licence")) }
                    @for l in &licences {
                        @let lic = &l.licence;
                        option value=(lic.id) selected[lic.id == f.licence_id] {
                            (lic.licence_number.as_deref().unwrap_or(&lic.id)) " · " (lic.substance_name) " · " (lic.quantity) " → " (lic.importing_country)
                        }
                    }
                }
            }
            div.grid2 {
                (field(Field { hint: Some(ctx.t("check.substance_hint")), ..text(ctx, "substance", "notification.substance", &f.substance, false) }, error))
                (field(Field { hint: Some(ctx.t("check.quantity_hint")), ..text(ctx, "quantity", "notification.quantity", &f.quantity, false) }, error))
                (field(text(ctx, "exporter_name", "notification.exporter", &f.exporter_name, false), error))
                (field(text(ctx, "consignee_name", "notification.consignee", &f.consignee_name, false), error))
                (field(Field { input: Input::Area, ..text(ctx, "consignee_address", "notification.address", &f.consignee_address, false) }, error))
                (field(Field { hint: Some(ctx.t("check.country_hint")), ..text(ctx, "importing_country", "notification.importing_country", &f.importing_country, false) }, error))
                (field(Field { hint: Some(ctx.t("form.countries_hint")), ..text(ctx, "transit_countries", "notification.transit", &f.transit_countries, false) }, error))
                (field(Field { input: Input::Date, ..text(ctx, "expected_date", "notification.expected", &f.expected_date, false) }, error))
            }
            div { button type="submit" { (ctx.t("send.submit")) } }
        }
    }
}

/// `GET /notifications/new`: the exporting authority's form.
pub(crate) async fn new_notification(ctx: Ctx, State(st): State<AppState>) -> WebResult {
    let caller = ctx.caller()?;
    let page = send_page(&ctx, &st, &caller, &SendForm::default(), None).await;
    Ok(ctx.page(ctx.t("send.title"), page))
}

/// `POST /notifications`: `POST /api/v1/notifications`'s handler.
pub(crate) async fn send_notification(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Form(f): Form<SendForm>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    let mut body = if f.licence_id.trim().is_empty() {
        body_of(&[
            ("substance", &f.substance),
            ("quantity", &f.quantity),
            ("exporter_name", &f.exporter_name),
            ("consignee_name", &f.consignee_name),
            ("consignee_address", &f.consignee_address),
            ("importing_country", &f.importing_country),
            ("expected_date", &f.expected_date),
        ])
    } else {
        body_of(&[
            ("licence_id", &f.licence_id),
            ("exporter_name", &f.exporter_name),
        ])
    };
    if f.licence_id.trim().is_empty() {
        body.insert("transit_countries".into(), list_of(&f.transit_countries));
    }
    match crate::flows::send(
        State(st.clone()),
        caller.clone(),
        json_body(&Value::Object(body)),
    )
    .await
    {
        Ok((_, Json(v))) => Ok(see_other(&format!(
            "/notifications/{}",
            urlenc(&v.notification.id)
        ))),
        Err(e) => {
            let page = send_page(&ctx, &st, &caller, &f, Some(&e)).await;
            Ok(ctx.page_with(e.status, ctx.t("send.title"), page))
        }
    }
}

// ------------------------------------------------------------------------------------------------------
// Licences

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LicencesQuery {
    state: Option<String>,
    offset: Option<String>,
}

fn may_apply(c: &Caller) -> bool {
    has_scope(c, Scope::Licences)
        && c.org.kind == OrgKind::Company
        && c.user.role.as_str() != "read_only"
}

/// `GET /licences?state=…`.
pub(crate) async fn licences(
    ctx: Ctx,
    State(st): State<AppState>,
    Query(q): Query<LicencesQuery>,
) -> WebResult {
    let caller = ctx.caller()?;
    let query = api_query(&[
        ("state", q.state.as_deref()),
        ("offset", q.offset.as_deref()),
        ("limit", Some("50")),
    ]);
    let Json(page) = crate::flows::list_licences(State(st), caller.clone(), query)
        .await
        .map_err(|e| ctx.fail(e))?;
    let current = q.state.clone().unwrap_or_default();
    let body = html! {
        h1 { (ctx.t("licences.title")) }
        nav aria-label=(ctx.t("licences.filter")) {
            ul.tabs {
                @for s in ["", "submitted", "approved", "refused", "withdrawn"] {
                    li { a href={ "/licences" @if !s.is_empty() { "?state=" (s) } } aria-current=[(s == current).then_some("page")] {
                        @if s.is_empty() { (ctx.t("licences.all")) } @else { (ctx.state(s)) } } }
                }
            }
        }
        @if may_apply(&caller) { p { a.button href="/licences/new" { (ctx.t("licences.new")) } } }
        @if page.items.is_empty() {
            p { (ctx.t("licences.none")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (ctx.t("notification.substance")) }
                    th scope="col" { (ctx.t("notification.quantity")) }
                    th scope="col" { (ctx.t("notification.route")) }
                    th scope="col" { (ctx.t("notification.consignee")) }
                    th scope="col" { (ctx.t("notification.expected")) }
                    th scope="col" { (ctx.t("record.state")) }
                    th scope="col" { (ctx.t("licence.pen")) }
                } }
                tbody {
                    @for v in &page.items {
                        @let l = &v.licence;
                        tr {
                            td { a href={ "/licences/" (urlenc(&l.id)) } { (l.substance_name) } br; span.muted.small { (l.id) } }
                            td { (l.quantity) }
                            td { (l.exporting_country) " → " (l.importing_country) }
                            td { (l.consignee_name) }
                            td { (l.expected_date.to_string()) }
                            td { (state_badge(&ctx, &l.state)) }
                            td { @for n in &v.notifications { (state_badge(&ctx, &n.notification.state)) " " } }
                        }
                    }
                }
            } }
            p.muted { (ctx.tf("list.count", &[("shown", &page.items.len().to_string()), ("total", &page.total.to_string())])) }
        }
    };
    Ok(ctx.page(ctx.t("licences.title"), body))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DecideForm {
    #[serde(default)]
    licence_number: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    reason: String,
    csrf_token: Option<String>,
}

fn licence_body(
    ctx: &Ctx,
    v: &LicenceView,
    error: Option<(&AppError, &str, &DecideForm)>,
) -> Markup {
    let l = &v.licence;
    let now = Utc::now();
    let check = &l.check_result;
    let typed = |a: &str| error.filter(|(_, act, _)| *act == a).map(|(_, _, f)| f);
    html! {
        h1 { (ctx.t("licence.title")) ": " (l.substance_name) " " span.muted { (l.exporting_country) " → " (l.importing_country) } }
        @if let Some((e, _, _)) = error { (ctx.error_block(e)) }
        p { (state_badge(ctx, &l.state)) }
        dl.facts {
            dt { (ctx.t("record.id")) } dd { code { (l.id) } }
            dt { (ctx.t("notification.substance")) } dd { a href={ "/substances/" (urlenc(&l.substance_id)) } { (l.substance_name) } }
            dt { (ctx.t("notification.quantity")) } dd { (l.quantity) }
            dt { (ctx.t("notification.consignee")) } dd { (l.consignee_name) }
            dt { (ctx.t("notification.address")) } dd { (l.consignee_address) }
            dt { (ctx.t("notification.route")) } dd { (l.exporting_country) @for t in &l.transit_countries { " → " (t) } " → " (l.importing_country) }
            dt { (ctx.t("licence.end_use")) } dd { (l.end_use) }
            dt { (ctx.t("notification.expected")) } dd { (l.expected_date.to_string()) }
            @if let Some(n) = &l.licence_number { dt { (ctx.t("licence.number")) } dd { (n) } }
            @if let Some(d) = &l.valid_until { dt { (ctx.t("licence.valid_until")) } dd { (d.to_string()) } }
            @if let Some(r) = &l.decision_reason { dt { (ctx.t("licence.reason")) } dd { (r) } }
            dt { (ctx.t("record.created")) } dd { (when(&l.created_at)) }
        }
        h2 { (ctx.t("licence.check")) }
        p {
            (ctx.t("licence.decision")) " "
            strong { (check.get("decision").and_then(Value::as_str).unwrap_or("—")) }
            " · " span.muted.small { (ctx.t("layout.registry")) " " code { (l.registry_version.get(..12).unwrap_or(&l.registry_version)) } }
        }
        @if let Some(obs) = check.get("obligations").and_then(Value::as_array).filter(|o| !o.is_empty()) {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (ctx.t("check.who")) }
                    th scope="col" { (ctx.t("control.measures")) }
                    th scope="col" { (ctx.t("control.basis")) }
                    th scope="col" { (ctx.t("control.verified")) }
                } }
                tbody { @for o in obs { tr {
                    td { (o.get("jurisdiction").and_then(Value::as_str).unwrap_or("")) }
                    td { code { (o.get("measure").and_then(Value::as_str).unwrap_or("")) } }
                    td { (o.get("citation").and_then(Value::as_str).unwrap_or("")) }
                    td { (verified_mark(ctx, o.get("verified").and_then(Value::as_bool).unwrap_or(false))) }
                } } }
            } }
        }
        h2 { (ctx.t("licence.pen")) }
        @if v.notifications.is_empty() {
            p { (ctx.t("licence.no_pen")) }
        } @else {
            ul { @for nv in &v.notifications {
                @let n = &nv.notification;
                li {
                    a href={ "/notifications/" (urlenc(&n.id)) } { (n.id) } " "
                    (state_badge(ctx, &n.state)) " " (deadline_badge(ctx, n, now))
                    @if let Some(r) = &n.reply_reason { blockquote { (r) } }
                }
            } }
        }
        (entity_flags(ctx, v.entity_flags.as_ref()))
        @if !v.actions.is_empty() {
            h2 { (ctx.t("record.actions")) }
            div.actions {
                @for a in &v.actions {
                    @let f = typed(a);
                    form.card method="post" action={ "/licences/" (urlenc(&l.id)) "/" (a) } {
                        (ctx.csrf_field())
                        h3 { (ctx.t(&format!("action.{a}"))) }
                        @if a == "approve" {
                            label for="f-licence_number" { (ctx.t("licence.number")) }
                            input #f-licence_number name="licence_number" type="text" required value=(f.map_or("", |f| f.licence_number.as_str()));
                            label for="f-valid_until" { (ctx.t("licence.valid_until")) }
                            input #f-valid_until name="valid_until" type="date" required value=(f.map_or("", |f| f.valid_until.as_str()));
                        }
                        label for={ "reason-" (a) } { (ctx.t(if a == "refuse" { "action_text.refuse" } else { "action_text.note" })) }
                        textarea id={ "reason-" (a) } name="reason" rows="3" required[a == "refuse"] { (f.map_or("", |f| f.reason.as_str())) }
                        div { button type="submit" class=[(a != "approve").then_some("danger")] { (ctx.t(&format!("action.{a}"))) } }
                    }
                }
            }
        }
        @if let Some(h) = &v.history { (history(ctx, h)) }
    }
}

/// `GET /licences/{id}`: the application, the trade check attached, the PEN outcome, the decision forms.
pub(crate) async fn licence(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> WebResult {
    let caller = ctx.caller()?;
    let Json(v) = crate::flows::get_licence(State(st), caller, Path(id))
        .await
        .map_err(|e| ctx.fail(e))?;
    let title = format!("{} {}", ctx.t("licence.title"), v.licence.substance_name);
    Ok(ctx.page(&title, licence_body(&ctx, &v, None)))
}

/// `POST /licences/{id}/{action}`: approve, refuse (the authority) or withdraw (the applicant).
pub(crate) async fn decide(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<DecideForm>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    let body = body_of(&[
        ("licence_number", &f.licence_number),
        ("valid_until", &f.valid_until),
        ("reason", &f.reason),
    ]);
    match crate::flows::decide(
        State(st.clone()),
        caller.clone(),
        Path((id.clone(), action.clone())),
        json_body(&Value::Object(body)),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/licences/{}", urlenc(&id)))),
        Err(e) => {
            let Json(v) = crate::flows::get_licence(State(st), caller, Path(id))
                .await
                .map_err(|e| ctx.fail(e))?;
            let page = licence_body(&ctx, &v, Some((&e, &action, &f)));
            Ok(ctx.page_with(e.status, ctx.t("licence.title"), page))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ApplyForm {
    #[serde(default)]
    substance: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    consignee_name: String,
    #[serde(default)]
    consignee_address: String,
    #[serde(default)]
    importing_country: String,
    #[serde(default)]
    transit_countries: String,
    #[serde(default)]
    end_use: String,
    #[serde(default)]
    expected_date: String,
    csrf_token: Option<String>,
}

fn apply_page(ctx: &Ctx, f: &ApplyForm, error: Option<&AppError>) -> Markup {
    html! {
        h1 { (ctx.t("apply.title")) }
        p { (ctx.t("apply.intro")) }
        @if let Some(e) = error { (ctx.error_block(e)) }
        form.card method="post" action="/licences" {
            (ctx.csrf_field())
            div.grid2 {
                (field(Field { hint: Some(ctx.t("check.substance_hint")), ..text(ctx, "substance", "notification.substance", &f.substance, true) }, error))
                (field(Field { hint: Some(ctx.t("check.quantity_hint")), ..text(ctx, "quantity", "notification.quantity", &f.quantity, true) }, error))
                (field(text(ctx, "consignee_name", "notification.consignee", &f.consignee_name, true), error))
                (field(Field { input: Input::Area, ..text(ctx, "consignee_address", "notification.address", &f.consignee_address, true) }, error))
                (field(Field { hint: Some(ctx.t("check.country_hint")), ..text(ctx, "importing_country", "notification.importing_country", &f.importing_country, true) }, error))
                (field(Field { hint: Some(ctx.t("form.countries_hint")), ..text(ctx, "transit_countries", "notification.transit", &f.transit_countries, false) }, error))
                (field(Field { input: Input::Area, ..text(ctx, "end_use", "licence.end_use", &f.end_use, true) }, error))
                (field(Field { input: Input::Date, ..text(ctx, "expected_date", "notification.expected", &f.expected_date, true) }, error))
            }
            div { button type="submit" { (ctx.t("apply.submit")) } }
        }
    }
}

/// `GET /licences/new`.
pub(crate) async fn new_licence(ctx: Ctx) -> WebResult {
    ctx.caller()?;
    Ok(ctx.page(
        ctx.t("apply.title"),
        apply_page(&ctx, &ApplyForm::default(), None),
    ))
}

/// `POST /licences`: `POST /api/v1/licences`'s handler (the trade check is run and attached there).
pub(crate) async fn apply(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Form(f): Form<ApplyForm>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    let mut body = body_of(&[
        ("substance", &f.substance),
        ("quantity", &f.quantity),
        ("consignee_name", &f.consignee_name),
        ("consignee_address", &f.consignee_address),
        ("importing_country", &f.importing_country),
        ("end_use", &f.end_use),
        ("expected_date", &f.expected_date),
    ]);
    body.insert("transit_countries".into(), list_of(&f.transit_countries));
    // Required fields left empty are sent empty, so the API names them (422/400 with the field).
    for k in [
        "substance",
        "quantity",
        "consignee_name",
        "consignee_address",
        "importing_country",
        "end_use",
        "expected_date",
    ] {
        body.entry(k).or_insert(Value::String(String::new()));
    }
    match crate::flows::apply(State(st), caller, json_body(&Value::Object(body))).await {
        Ok((_, Json(v))) => Ok(see_other(&format!("/licences/{}", urlenc(&v.licence.id)))),
        Err(e) => {
            let page = apply_page(&ctx, &f, Some(&e));
            Ok(ctx.page_with(e.status, ctx.t("apply.title"), page))
        }
    }
}

// ------------------------------------------------------------------------------------------------------
// Incidents

#[derive(Debug, Default, Deserialize)]
pub(crate) struct IncidentsQuery {
    kind: Option<String>,
    q: Option<String>,
    substance: Option<String>,
    offset: Option<String>,
}

const INCIDENT_KINDS: [&str; 4] = [
    "seizure",
    "stopped_shipment",
    "suspicious_order",
    "online_offer",
];

/// `GET /incidents?kind=…&q=…`.
pub(crate) async fn incidents(
    ctx: Ctx,
    State(st): State<AppState>,
    Query(q): Query<IncidentsQuery>,
) -> WebResult {
    let caller = ctx.caller()?;
    let query = api_query(&[
        ("kind", q.kind.as_deref()),
        ("q", q.q.as_deref()),
        ("substance", q.substance.as_deref()),
        ("offset", q.offset.as_deref()),
        ("limit", Some("50")),
    ]);
    let result = crate::incidents::list_incidents(State(st), caller.clone(), query).await;
    let kind = q.kind.clone().unwrap_or_default();
    let body = html! {
        h1 { (ctx.t("incidents.title")) }
        form.card method="get" action="/incidents" role="search" {
            div.grid2 {
                div {
                    label for="kind" { (ctx.t("incident.kind")) }
                    select #kind name="kind" {
                        option value="" { (ctx.t("incidents.any_kind")) }
                        @for k in INCIDENT_KINDS { option value=(k) selected[k == kind] { (ctx.t(&format!("incident_kind.{k}"))) } }
                    }
                }
                div {
                    label for="iq" { (ctx.t("incidents.words")) }
                    input #iq name="q" type="text" value=(q.q.as_deref().unwrap_or(""));
                }
                div {
                    label for="isubstance" { (ctx.t("notification.substance")) }
                    input #isubstance name="substance" type="text" value=(q.substance.as_deref().unwrap_or(""));
                }
            }
            div { button.secondary type="submit" { (ctx.t("incidents.filter")) } }
        }
        @if has_scope(&caller, Scope::Incidents) && caller.user.role.as_str() != "read_only" {
            p { a.button href="/incidents/new" { (ctx.t("incidents.new")) } }
        }
        @match &result {
            Err(e) => (ctx.error_block(e)),
            Ok(Json(page)) if page.items.is_empty() => p { (ctx.t("incidents.none")) },
            Ok(Json(page)) => {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (ctx.t("incident.occurred_on")) }
                        th scope="col" { (ctx.t("incident.kind")) }
                        th scope="col" { (ctx.t("incident.substances")) }
                        th scope="col" { (ctx.t("incident.route")) }
                        th scope="col" { (ctx.t("incident.description")) }
                    } }
                    tbody { @for v in &page.items {
                        @let i = &v.incident;
                        tr {
                            td { a href={ "/incidents/" (urlenc(&i.id)) } { (i.occurred_on.to_string()) } }
                            td { (ctx.t(&format!("incident_kind.{}", i.kind))) }
                            td { (i.substances.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")) }
                            td { (i.route.join(" → ")) }
                            td { (i.description.chars().take(140).collect::<String>()) @if i.description.chars().count() > 140 { "…" } }
                        }
                    } }
                } }
                p.muted { (ctx.tf("list.count", &[("shown", &page.items.len().to_string()), ("total", &page.total.to_string())])) }
            }
        }
    };
    Ok(ctx.page(ctx.t("incidents.title"), body))
}

fn incident_body(ctx: &Ctx, v: &IncidentView, error: Option<(&AppError, &str)>) -> Markup {
    let i = &v.incident;
    html! {
        h1 { (ctx.t(&format!("incident_kind.{}", i.kind))) " · " (i.occurred_on.to_string()) }
        @if let Some((e, _)) = error { (ctx.error_block(e)) }
        dl.facts {
            dt { (ctx.t("record.id")) } dd { code { (i.id) } }
            dt { (ctx.t("incident.substances")) } dd {
                @for (n, s) in i.substances.iter().enumerate() { @if n > 0 { ", " } a href={ "/substances/" (urlenc(&s.id)) } { (s.name) } } }
            @if let Some(q) = &i.quantity { dt { (ctx.t("notification.quantity")) } dd { (q) } }
            @if !i.route.is_empty() { dt { (ctx.t("incident.route")) } dd { (i.route.join(" → ")) } }
            @if let Some(m) = &i.modus_operandi { dt { (ctx.t("incident.modus_operandi")) } dd { (m) } }
            @if let Some(u) = &i.source_url { dt { (ctx.t("incident.source_url")) } dd { code { (u) } } }
            @if let Some(s) = i.score { dt { (ctx.t("screen.score")) } dd { (format!("{s:.2}")) } }
            dt { (ctx.t("incident.shared")) } dd { @if i.share_with_all { (ctx.t("incident.share_with_all")) } @else { (i.shared_with.len()) } }
            dt { (ctx.t("record.created")) } dd { (when(&i.created_at)) }
        }
        h2 { (ctx.t("incident.description")) }
        blockquote #description { (i.description) }
        @if let Some(t) = &i.source_text { h2 { (ctx.t("incident.source_text")) } div.screened { (t) } }
        @if !i.red_flags.is_empty() {
            h2 { (ctx.t("screen.red_flags")) }
            ul { @for f in &i.red_flags { li { (f.label) } } }
        }
        @if let Some(es) = v.entities.as_ref().filter(|e| !e.is_empty()) {
            h2 { (ctx.t("incident.entities")) }
            ul { @for e in es { li { (e.name) " (" (e.kind) ")" } } }
        }
        h2 { (ctx.t("incident.comments")) }
        @if let Some(cs) = &v.comments {
            @if cs.is_empty() { p.muted { (ctx.t("incident.no_comments")) } }
            ol.history { @for c in cs { li { span.muted.small { (when(&c.created_at)) } blockquote.comment { (c.body) } } } }
        }
        @if v.actions.iter().any(|a| a == "comment") {
            form.card method="post" action={ "/incidents/" (urlenc(&i.id)) "/comments" } {
                (ctx.csrf_field())
                label for="f-body" { (ctx.t("incident.comment")) }
                textarea #f-body name="body" rows="3" required { (error.map_or("", |(_, t)| t)) }
                div { button type="submit" { (ctx.t("incident.comment_submit")) } }
            }
        }
    }
}

/// `GET /incidents/{id}`.
pub(crate) async fn incident(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> WebResult {
    let caller = ctx.caller()?;
    let Json(v) = crate::incidents::get_incident(State(st), caller, Path(id))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(ctx.page(ctx.t("incident.title"), incident_body(&ctx, &v, None)))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CommentForm {
    #[serde(default)]
    body: String,
    csrf_token: Option<String>,
}

/// `POST /incidents/{id}/comments`.
pub(crate) async fn comment(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<CommentForm>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    match crate::incidents::comment(
        State(st.clone()),
        caller.clone(),
        Path(id.clone()),
        json_body(&json!({"body": f.body})),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/incidents/{}", urlenc(&id)))),
        Err(e) => {
            let Json(v) = crate::incidents::get_incident(State(st), caller, Path(id))
                .await
                .map_err(|e| ctx.fail(e))?;
            let page = incident_body(&ctx, &v, Some((&e, &f.body)));
            Ok(ctx.page_with(e.status, ctx.t("incident.title"), page))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    substances: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    modus_operandi: String,
    #[serde(default)]
    route: String,
    #[serde(default)]
    occurred_on: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    source_url: String,
    #[serde(default)]
    share_with_all: Option<String>,
    csrf_token: Option<String>,
}

fn report_page(ctx: &Ctx, f: &ReportForm, error: Option<&AppError>) -> Markup {
    html! {
        h1 { (ctx.t("report.title")) }
        @if let Some(e) = error { (ctx.error_block(e)) }
        form.card method="post" action="/incidents" {
            (ctx.csrf_field())
            label for="f-kind" { (ctx.t("incident.kind")) }
            select #f-kind name="kind" required {
                @for k in INCIDENT_KINDS { option value=(k) selected[k == f.kind] { (ctx.t(&format!("incident_kind.{k}"))) } }
            }
            div.grid2 {
                (field(Field { hint: Some(ctx.t("report.substances_hint")), ..text(ctx, "substances", "incident.substances", &f.substances, true) }, error))
                (field(text(ctx, "quantity", "notification.quantity", &f.quantity, false), error))
                (field(Field { hint: Some(ctx.t("form.countries_hint")), ..text(ctx, "route", "incident.route", &f.route, false) }, error))
                (field(Field { input: Input::Date, ..text(ctx, "occurred_on", "incident.occurred_on", &f.occurred_on, true) }, error))
                (field(Field { input: Input::Area, ..text(ctx, "description", "incident.description", &f.description, true) }, error))
                (field(Field { input: Input::Area, ..text(ctx, "modus_operandi", "incident.modus_operandi", &f.modus_operandi, false) }, error))
                (field(Field { hint: Some(ctx.t("incident.source_url_hint")), ..text(ctx, "source_url", "incident.source_url", &f.source_url, false) }, error))
            }
            div.check-row { input #f-share type="checkbox" name="share_with_all" value="true" checked[f.share_with_all.is_some()]; label for="f-share" { (ctx.t("incident.share_with_all")) } }
            div { button type="submit" { (ctx.t("report.submit")) } }
        }
    }
}

/// `GET /incidents/new`.
pub(crate) async fn new_incident(ctx: Ctx) -> WebResult {
    ctx.caller()?;
    Ok(ctx.page(
        ctx.t("report.title"),
        report_page(&ctx, &ReportForm::default(), None),
    ))
}

/// `POST /incidents`: `POST /api/v1/incidents`'s handler.
pub(crate) async fn report(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Form(f): Form<ReportForm>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    let mut body = body_of(&[
        ("kind", &f.kind),
        ("quantity", &f.quantity),
        ("modus_operandi", &f.modus_operandi),
        ("source_url", &f.source_url),
    ]);
    body.insert("occurred_on".into(), Value::String(f.occurred_on.clone()));
    body.insert("description".into(), Value::String(f.description.clone()));
    body.entry("kind").or_insert(Value::String(String::new()));
    body.insert(
        "substances".into(),
        Value::Array(
            f.substances
                .split([',', ';', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.into()))
                .collect(),
        ),
    );
    body.insert("route".into(), list_of(&f.route));
    body.insert(
        "share_with_all".into(),
        Value::Bool(f.share_with_all.is_some()),
    );
    match crate::incidents::report(State(st), caller, json_body(&Value::Object(body))).await {
        Ok((_, Json(v))) => Ok(see_other(&format!("/incidents/{}", urlenc(&v.incident.id)))),
        Err(e) => {
            let page = report_page(&ctx, &f, Some(&e));
            Ok(ctx.page_with(e.status, ctx.t("report.title"), page))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FromScreeningForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    source_url: String,
    #[serde(default)]
    share_with_all: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /incidents/from-screening`: the screening page's "report as an incident".
pub(crate) async fn incident_from_screening(
    mut ctx: Ctx,
    State(st): State<AppState>,
    Form(f): Form<FromScreeningForm>,
) -> WebResult {
    let caller = ctx.verify(f.csrf_token.as_deref())?;
    let mut body = body_of(&[("source_url", &f.source_url)]);
    body.insert("text".into(), Value::String(f.text.clone()));
    body.insert(
        "share_with_all".into(),
        Value::Bool(f.share_with_all.is_some()),
    );
    let (_, Json(v)) =
        crate::incidents::from_screening(State(st), caller, json_body(&Value::Object(body)))
            .await
            .map_err(|e| ctx.fail(e))?;
    Ok(see_other(&format!("/incidents/{}", urlenc(&v.incident.id))))
}
