//! The web UI: server-rendered HTML pages over the same calls as the JSON API.
//!
//! Every page is rendered with `maud` (markup checked at compile time, every interpolated value escaped;
//! nothing here uses `PreEscaped`, not even the SVG charts). Handlers are thin:
//! a page that shows platform records calls the JSON handler of `flows`/`incidents`/`accounts` with the
//! session's [`Caller`] and renders the view it returns, so the tenant rules, state machines and input
//! checks are the API's, applied once. Reference pages (lookup, substance, trade check, screening) call
//! the same library functions as the API (`pw-resolve`, `pw-trade`, `pw-screen`).
//!
//! **No JavaScript.** Every form is a plain HTML form; the pages ship no script at all. One stylesheet,
//! served from the binary (`/static/style.css`); no CDN, no web fonts.
//!
//! **Security.** Every response carries a `Content-Security-Policy` without `'unsafe-inline'` (so an
//! injected `<script>` or `style` attribute would not run even if escaping failed), `frame-ancestors
//! 'none'`, `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`. Every POST form carries
//! a CSRF token: the session's (checked by [`crate::auth::FormCaller::verify`]) when signed in, else a
//! random per-browser token kept in the `pw_csrf` cookie (double submit: the sign-in form and the
//! screening form, which need no session). Search forms (lookup, trade check, list filters) use GET and
//! change nothing, so they carry no token (a token in a URL would leak into history and logs).
//!
//! **Languages.** Every string a page shows comes from a message catalogue ([`i18n`]: English and
//! Spanish); the language is the `pw_lang` cookie (set by the language links), else `Accept-Language`.

mod audit;
mod charts;
mod classify;
mod dashboard;
mod entities;
pub(crate) mod i18n;
mod layout;
mod log;
mod platform;
mod reference;
mod registry;
mod upload;

use axum::Router;
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use pw_store::Scope;

use crate::auth::{FormCaller, authenticate_form, origin_ok, session_secret};
use crate::{AppError, AppState, Caller};
pub(crate) use i18n::Lang;

/// The HTML routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::home))
        .route("/static/style.css", get(layout::stylesheet))
        .route("/static/favicon.svg", get(layout::favicon))
        .route("/favicon.ico", get(layout::favicon))
        .route("/lang/{code}", get(set_language))
        .route("/login", get(platform::login_form).post(platform::login))
        .route("/logout", post(platform::logout))
        .route("/lookup", get(reference::lookup))
        .route("/log", get(log::page))
        .route("/substances/{id}", get(reference::substance))
        .route("/substances/{id}/structure.svg", get(reference::structure))
        .route("/check", get(reference::check))
        .route(
            "/screen",
            get(reference::screen_page).post(reference::screen),
        )
        .route("/dashboard/{file}", get(dashboard::csv_download))
        .route(
            "/notifications",
            get(platform::notifications).post(platform::send_notification),
        )
        .route("/notifications/new", get(platform::new_notification))
        .route("/notifications/{id}", get(platform::notification))
        .route(
            "/notifications/{id}/{action}",
            post(platform::act_on_notification),
        )
        .route("/licences", get(platform::licences).post(platform::apply))
        .route("/licences/new", get(platform::new_licence))
        .route("/licences/{id}", get(platform::licence))
        .route("/licences/{id}/{action}", post(platform::decide))
        .route(
            "/incidents",
            get(platform::incidents).post(platform::report),
        )
        .route("/incidents/new", get(platform::new_incident))
        .route(
            "/incidents/from-screening",
            post(platform::incident_from_screening),
        )
        .route("/incidents/{id}", get(platform::incident))
        .route("/incidents/{id}/comments", post(platform::comment))
        .route("/entities", get(entities::list).post(entities::create))
        .route("/entities/new", get(entities::new_entity))
        .route("/entities/{id}", get(entities::entity))
        .route(
            "/entities/{id}/edit",
            get(entities::edit_form).post(entities::edit),
        )
        .route("/entities/{id}/{action}", post(entities::watch_action))
        .route("/registry", get(registry::index))
        .route("/registry/{code}", get(registry::jurisdiction))
        .route("/audit", get(audit::audit))
        .route("/classify", get(classify::classify))
        .route("/classify/structure.svg", get(classify::structure))
        .route(
            "/screen/upload",
            post(upload::upload)
                .layer(axum::extract::DefaultBodyLimit::max(upload::MAX_BODY_BYTES)),
        )
        .route(
            "/screen/download",
            post(upload::download).layer(axum::extract::DefaultBodyLimit::max(
                upload::MAX_DOWNLOAD_BODY_BYTES,
            )),
        )
}

/// The Content-Security-Policy of every response: nothing inline, nothing from elsewhere, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
                       frame-ancestors 'none'";

/// Middleware: the security headers on every response (HTML, SVG, CSV and JSON alike).
pub(crate) async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// The cookie with the pre-session CSRF token.
const ANON_CSRF_COOKIE: &str = "pw_csrf";
/// The cookie with the chosen language.
const LANG_COOKIE: &str = "pw_lang";

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Who is signed in, as far as a page needs to know.
enum Auth {
    /// Nobody (or an expired session).
    Anonymous,
    /// A signed-in caller whose request needs no CSRF check (GET), or whose check has passed.
    Caller(Box<Caller>),
    /// A signed-in caller of a POST, until the form's CSRF token is checked.
    Pending(Box<FormCaller>),
}

/// Everything a page handler needs about the request: language, who is signed in, the CSRF token to
/// put into forms, the path (for the language links and `next=`).
pub(crate) struct Ctx {
    pub(crate) lang: Lang,
    /// Path and query of the request.
    pub(crate) path: String,
    auth: Auth,
    /// The token for this page's POST forms.
    csrf: String,
    /// The pre-session token presented in the cookie (checked against anonymous POSTs).
    anon_presented: Option<String>,
    /// A new pre-session token to set as a cookie with the page.
    set_anon: bool,
    origin_ok: bool,
    secure: bool,
    /// The signed-in user and organisation, for the header.
    who: Option<Who>,
    pub(crate) version: String,
}

/// The signed-in user as the header shows them.
#[derive(Clone)]
pub(crate) struct Who {
    pub(crate) email: String,
    pub(crate) org: String,
    /// The organisation is a national authority (the audit log link).
    pub(crate) authority: bool,
}

fn who(c: &Caller) -> Who {
    Who {
        email: c.user.email.clone(),
        org: c.org.name.clone(),
        authority: c.org.kind == pw_store::OrgKind::Authority,
    }
}

fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Ctx, Response> {
        let lang = cookie(&parts.headers, LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or_else(|| Lang::from_accept(&parts.headers));
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let anon_presented = cookie(&parts.headers, ANON_CSRF_COOKIE)
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_string);
        let has_credentials = session_secret(&parts.headers).is_some()
            || parts.headers.contains_key(header::AUTHORIZATION);
        let mut auth = Auth::Anonymous;
        let mut session_csrf = None;
        let mut who_ = None;
        if has_credentials {
            // An ended or unknown session is simply "signed out"; a cross-site POST is refused below.
            if let Ok(fc) = authenticate_form(st, parts).await {
                session_csrf = fc.csrf_token().map(str::to_string);
                if parts.method == Method::GET || parts.method == Method::HEAD {
                    if let Ok(c) = fc.verify(None) {
                        who_ = Some(who(&c));
                        auth = Auth::Caller(Box::new(c));
                    }
                } else {
                    auth = Auth::Pending(Box::new(fc));
                }
            }
        }
        let (csrf, set_anon) = match (session_csrf, &anon_presented) {
            (Some(t), _) => (t, false),
            (None, Some(t)) => (t.clone(), false),
            (None, None) => (new_token(), true),
        };
        Ok(Ctx {
            lang,
            path,
            auth,
            csrf,
            anon_presented,
            set_anon,
            origin_ok: origin_ok(&parts.headers),
            secure: st.secure_cookies,
            who: who_,
            version: st.registry.version().to_string(),
        })
    }
}

/// A page handler's failure: a ready response (an error page, or a redirect to sign in).
pub(crate) struct WebError(Box<Response>);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// What page handlers return.
pub(crate) type WebResult = Result<Response, WebError>;

impl Ctx {
    /// A message of the catalogue.
    pub(crate) fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// A message with `{name}` placeholders filled in (values are escaped when rendered).
    pub(crate) fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).to_string();
        for (k, v) in args {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }

    /// The hidden CSRF field every POST form carries.
    pub(crate) fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name=(crate::auth::CSRF_FIELD) value=(self.csrf); }
    }

    pub(crate) fn who(&self) -> Option<&Who> {
        self.who.as_ref()
    }

    /// The signed-in caller (GET pages), or a redirect to the sign-in page.
    pub(crate) fn caller(&self) -> Result<Caller, WebError> {
        match &self.auth {
            Auth::Caller(c) => Ok((**c).clone()),
            _ => Err(self.sign_in_first()),
        }
    }

    /// The signed-in caller, if any (GET pages that also serve visitors).
    pub(crate) fn maybe_caller(&self) -> Option<&Caller> {
        match &self.auth {
            Auth::Caller(c) => Some(c),
            _ => None,
        }
    }

    /// The signed-in caller of a POST once the form's CSRF token matches the session's; 403 page
    /// otherwise, a redirect to sign in when there is no session.
    pub(crate) fn verify(&mut self, presented: Option<&str>) -> Result<Caller, WebError> {
        match std::mem::replace(&mut self.auth, Auth::Anonymous) {
            Auth::Pending(fc) => match fc.verify(presented) {
                Ok(c) => {
                    self.who = Some(who(&c));
                    self.auth = Auth::Caller(Box::new(c.clone()));
                    Ok(c)
                }
                Err(e) => Err(self.csrf_refused(e)),
            },
            Auth::Caller(c) => {
                let c = *c;
                self.auth = Auth::Caller(Box::new(c.clone()));
                Ok(c)
            }
            Auth::Anonymous => Err(self.sign_in_first()),
        }
    }

    /// A POST that needs no session (sign-in, screening): the form's token must match the pre-session
    /// cookie, or the session's when signed in.
    pub(crate) fn verify_public(&mut self, presented: Option<&str>) -> Result<(), WebError> {
        if matches!(self.auth, Auth::Pending(_) | Auth::Caller(_)) {
            return self.verify(presented).map(|_| ());
        }
        let ok = self.origin_ok
            && match (&self.anon_presented, presented) {
                (Some(expected), Some(p)) => {
                    pw_store::constant_time_eq(expected.as_bytes(), p.trim().as_bytes())
                }
                _ => false,
            };
        if ok {
            Ok(())
        } else {
            Err(self.csrf_refused(AppError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "missing or wrong CSRF token",
            )))
        }
    }

    fn csrf_refused(&self, e: AppError) -> WebError {
        let mut e = e;
        e.message = self.t("error.csrf").to_string();
        self.fail(e)
    }

    fn sign_in_first(&self) -> WebError {
        WebError(Box::new(see_other(&format!(
            "/login?next={}",
            urlenc(&self.path)
        ))))
    }

    /// Render a page in the layout.
    pub(crate) fn page(&self, title: &str, body: Markup) -> Response {
        self.page_with(StatusCode::OK, title, body)
    }

    /// Render a page in the layout with a status.
    pub(crate) fn page_with(&self, status: StatusCode, title: &str, body: Markup) -> Response {
        let mut resp = (
            status,
            axum::response::Html(layout::render(self, title, body).into_string()),
        )
            .into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        // Pages show records of the signed-in organisation: never kept by shared caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.set_anon {
            let v = format!(
                "{ANON_CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{}",
                self.csrf,
                if self.secure { "; Secure" } else { "" }
            );
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.append(header::SET_COOKIE, v);
            }
        }
        resp
    }

    /// An error page for an error of the API layer, with its status.
    pub(crate) fn fail(&self, e: AppError) -> WebError {
        let status = e.status;
        let body = html! {
            h1 { (self.t("error.title")) }
            (self.error_block(&e))
            p { a href="/" { (self.t("error.home")) } }
        };
        WebError(Box::new(self.page_with(
            status,
            self.t("error.title"),
            body,
        )))
    }

    /// The message of an error, for the top of a form.
    pub(crate) fn error_block(&self, e: &AppError) -> Markup {
        let message = match e.status {
            StatusCode::NOT_FOUND if e.code == "not_found" && e.field.is_none() => {
                self.t("error.not_found").to_string()
            }
            _ => e.message.clone(),
        };
        html! {
            div.alert role="alert" {
                p {
                    strong { (message) }
                    @if let Some(f) = &e.field {
                        " " span.muted { "(" (self.t("error.field")) " " code { (f) } ")" }
                    }
                }
                @if let Some((current, allowed)) = &e.transition {
                    p.muted { (self.t("error.current_state")) " " (self.state(current))
                        @if !allowed.is_empty() { " · " (self.t("error.allowed")) " " (allowed.join(", ")) } }
                }
            }
        }
    }

    /// A record state, translated.
    pub(crate) fn state(&self, s: &str) -> String {
        self.lang
            .get(&format!("state.{s}"))
            .map_or_else(|| s.to_string(), str::to_string)
    }
}

/// Does the caller hold a scope (to decide which links and forms to show; the API decides again).
pub(crate) fn has_scope(c: &Caller, s: Scope) -> bool {
    c.scopes.contains(&s)
}

/// 303 See Other to a local path.
pub(crate) fn see_other(to: &str) -> Response {
    let to = local_path(to);
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// A path on this site, or `/`: `next=` parameters never send the browser elsewhere.
pub(crate) fn local_path(p: &str) -> &str {
    let ok = p.starts_with('/')
        && !p.starts_with("//")
        && !p.starts_with("/\\")
        && !p.chars().any(|c| c.is_control() || c == '\\');
    if ok { p } else { "/" }
}

/// Percent-encode a query value.
pub(crate) fn urlenc(s: &str) -> String {
    use std::fmt::Write;
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

/// A query string from pairs, leaving out empty values.
pub(crate) fn query_string(pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", urlenc(v)))
        })
        .collect();
    parts.join("&")
}

/// A JSON body for an API handler.
pub(crate) fn json_body(v: &serde_json::Value) -> Bytes {
    Bytes::from(v.to_string())
}

#[derive(serde::Deserialize)]
pub(crate) struct LangQuery {
    next: Option<String>,
}

/// `GET /lang/{code}?next=/path`: remember the language and go back.
async fn set_language(
    axum::extract::State(st): axum::extract::State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<LangQuery>,
) -> Response {
    let next = q.next.as_deref().unwrap_or("/");
    let mut resp = see_other(next);
    if let Some(lang) = Lang::parse(&code) {
        let v = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
            lang.code(),
            if st.secure_cookies { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            local_path("/notifications?mailbox=inbox"),
            "/notifications?mailbox=inbox"
        );
        assert_eq!(local_path("//evil.example/"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path("/a\nb"), "/");
    }

    #[test]
    fn query_strings_encode_and_skip_empty_values() {
        assert_eq!(
            query_string(&[("q", Some("4-AP 2HCl")), ("as_of", Some("")), ("j", None)]),
            "q=4-AP%202HCl"
        );
    }

    #[test]
    fn tokens_are_long_and_random() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
