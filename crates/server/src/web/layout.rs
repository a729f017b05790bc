//! The one layout (header with the signed-in user and organisation, navigation, language links; main;
//! footer) and the stylesheet.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::{Ctx, Lang, urlenc};

/// The stylesheet, served from the binary.
pub(crate) const STYLE: &str = include_str!("style.css");

/// A response that browsers may cache: `body` with its content type and `Cache-Control: public,
/// max-age=…` (an hour for what changes with the data, a day for what changes only with the binary).
pub(crate) fn cacheable(
    body: impl IntoResponse,
    content_type: &'static str,
    cache_control: &'static str,
) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    resp
}

/// An hour.
pub(crate) const CACHE_HOUR: &str = "public, max-age=3600";
/// A day.
pub(crate) const CACHE_DAY: &str = "public, max-age=86400";
/// The content type of SVG drawings.
pub(crate) const SVG: &str = "image/svg+xml";

/// `GET /static/style.css`.
pub(crate) async fn stylesheet() -> Response {
    cacheable(STYLE, "text/css; charset=utf-8", CACHE_HOUR)
}

/// The icon, served from the binary (also as `/favicon.ico`, which browsers ask for by themselves).
pub(crate) const FAVICON: &str = include_str!("favicon.svg");

/// `GET /static/favicon.svg`, `GET /favicon.ico`.
pub(crate) async fn favicon() -> Response {
    cacheable(FAVICON, SVG, CACHE_DAY)
}

/// The navigation: (path, message key, needs a session).
const NAV: &[(&str, &str, bool)] = &[
    ("/", "nav.dashboard", false),
    ("/lookup", "nav.lookup", false),
    ("/check", "nav.check", false),
    ("/screen", "nav.screen", false),
    ("/classify", "nav.classify", false),
    ("/registry", "nav.registry", false),
    ("/log", "nav.log", false),
    ("/notifications", "nav.notifications", true),
    ("/licences", "nav.licences", true),
    ("/incidents", "nav.incidents", true),
    ("/entities", "nav.entities", true),
    ("/audit", "nav.audit", true),
];

fn current(ctx: &Ctx, href: &str) -> bool {
    let path = ctx.path.split('?').next().unwrap_or("/");
    if href == "/" {
        path == "/"
    } else {
        path == href
            || path.starts_with(&format!("{href}/"))
            || (href == "/lookup" && path.starts_with("/substances/"))
    }
}

/// The whole page.
pub(crate) fn render(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let signed_in = ctx.who().is_some();
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) " · Precursor Watch" }
                link rel="stylesheet" href="/static/style.css";
                link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
            }
            body {
                a.skip href="#main" { (ctx.t("layout.skip")) }
                header.top {
                    div.bar {
                        a.brand href="/" { "Precursor Watch" }
                        div.account {
                            @if let Some(w) = ctx.who() {
                                span.who {
                                    span.visually-hidden { (ctx.t("layout.signed_in_as")) " " }
                                    strong { (w.email) } " · " span { (w.org) }
                                }
                                form.inline method="post" action="/logout" {
                                    (ctx.csrf_field())
                                    button.link type="submit" { (ctx.t("layout.sign_out")) }
                                }
                            } @else {
                                a href={ "/login?next=" (urlenc(&ctx.path)) } { (ctx.t("layout.sign_in")) }
                            }
                            nav.langs aria-label=(ctx.t("layout.language")) {
                                @for l in Lang::ALL {
                                    @if l == ctx.lang {
                                        span aria-current="true" lang=(l.code()) { (l.name()) }
                                    } @else {
                                        a href={ "/lang/" (l.code()) "?next=" (urlenc(&ctx.path)) } lang=(l.code()) hreflang=(l.code()) { (l.name()) }
                                    }
                                }
                            }
                        }
                    }
                    nav.main aria-label=(ctx.t("layout.navigation")) {
                        ul {
                            @for &(href, key, needs) in NAV {
                                // The audit log is a national authority's page.
                                @if (!needs || signed_in) && (href != "/audit" || ctx.who().is_some_and(|w| w.authority)) {
                                    li {
                                        @if current(ctx, href) {
                                            a href=(href) aria-current="page" { (ctx.t(key)) }
                                        } @else {
                                            a href=(href) { (ctx.t(key)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
                footer {
                    p.muted {
                        (ctx.t("layout.registry")) " " code { (ctx.version.get(..12).unwrap_or(&ctx.version)) }
                        " · " (ctx.t("layout.safety"))
                    }
                }
            }
        }
    }
}

/// A state as a badge.
pub(crate) fn state_badge(ctx: &Ctx, state: &str) -> Markup {
    html! { span class={ "badge state-" (state) } { (ctx.state(state)) } }
}

/// `verified` / `unverified` mark on a fact.
pub(crate) fn verified_mark(ctx: &Ctx, verified: bool) -> Markup {
    if verified {
        html! { span.badge.verified title=(ctx.t("fact.verified_help")) { "✓ " (ctx.t("fact.verified")) } }
    } else {
        html! { span.badge.unverified title=(ctx.t("fact.unverified_help")) { (ctx.t("fact.unverified")) } }
    }
}

/// A source: its first word as a link when it is a web address, the rest as text.
pub(crate) fn source(ctx: &Ctx, s: &str) -> Markup {
    let s = s.trim();
    let (first, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    if first.starts_with("https://") || first.starts_with("http://") {
        html! {
            a href=(first) rel="noreferrer noopener" { (ctx.t("fact.source")) }
            @if !rest.trim().is_empty() { " " span.muted { (rest.trim()) } }
        }
    } else {
        html! { span.muted { (s) } }
    }
}
