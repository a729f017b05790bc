//! Who is calling: the one authentication step every protected handler goes through.
//!
//! A script presents an API token (`Authorization: Bearer pwt_…`); a browser presents its session cookie
//! (`pw_session`, set by `POST /api/v1/session`). [`Caller`] is the extractor that turns either into the
//! user, their organisation and what the credential may do (a session: everything its user's role allows,
//! [`pw_store::role_scopes`]), or answers 401 in the error shape of DESIGN.md §4. [`Caller::require`]
//! answers 403 when the credential lacks a scope, and [`Caller::viewer`] is what the store's tenant rules
//! (`pw_store::Viewer`) are applied to.
//!
//! **CSRF.** A request authenticated by the cookie with an unsafe method (`POST`, `PUT`, `PATCH`,
//! `DELETE`) must carry the session's CSRF token in the `X-CSRF-Token` header (HTML forms: in a
//! `csrf_token` field, checked through [`FormCaller`]), and an `Origin` header, when present, must name
//! the host the request was sent to; otherwise 403 `csrf`. Bearer-token requests are not subject to
//! CSRF (a browser never adds that header by itself).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use pw_store::{Organisation, Scope, User, Viewer};

use crate::{AppError, AppState};

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An API token (its id).
    Token(String),
    /// A browser session (its id).
    Session(String),
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// Their organisation.
    pub org: Organisation,
    /// What the credential may do (a session may do all its user's role allows).
    pub scopes: Vec<Scope>,
    /// The credential used.
    pub credential: Credential,
}

fn unauthorised(message: &str) -> AppError {
    AppError::new(StatusCode::UNAUTHORIZED, "unauthorised", message).with_field("authorization")
}

impl Caller {
    /// 403 unless the credential carries `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), AppError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(AppError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "this credential's scopes ({}) do not include {scope}",
                    self.scopes
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))
        }
    }

    /// The caller as the store's tenant rules see them.
    pub fn viewer(&self) -> Viewer {
        Viewer::new(&self.user, &self.org)
    }

    /// [`Caller::require`], then the viewer.
    pub fn viewer_for(&self, scope: Scope) -> Result<Viewer, AppError> {
        self.require(scope)?;
        Ok(self.viewer())
    }
}

/// The caller behind an API token, or 401.
pub(crate) async fn from_token(state: &AppState, parts: &Parts) -> Result<Caller, AppError> {
    let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
        return Err(unauthorised(
            "no credentials: send `Authorization: Bearer <API token>`, or sign in (POST /api/v1/session)",
        ));
    };
    let Some(secret) = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return Err(unauthorised(
            "the Authorization header is not `Bearer <API token>`",
        ));
    };
    let Some((user, token)) = state.store.token_user(secret).await? else {
        return Err(unauthorised(
            "unknown, revoked or expired token, or its user is disabled",
        ));
    };
    let org = state
        .store
        .organisation(&user.org_id)
        .await?
        .ok_or_else(|| AppError::internal("a user's organisation is missing"))?;
    Ok(Caller {
        user,
        org,
        scopes: token.scopes,
        credential: Credential::Token(token.id),
    })
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "pw_session";
/// The header that carries the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The HTML form field that carries the session's CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";

/// The session secret in the request's cookies, if any.
pub(crate) fn session_secret(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// Does the `Origin` header, when there is one, name the host the request was sent to?
pub(crate) fn origin_ok(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin.to_str().ok() else {
        return false;
    };
    let Some(authority) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false; // `null` (sandboxed or privacy-sensitive contexts) and other schemes
    };
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| host.eq_ignore_ascii_case(authority.trim_end_matches('/')))
}

fn csrf_error(message: &str) -> AppError {
    AppError::new(StatusCode::FORBIDDEN, "csrf", message)
}

/// An unsafe method: one a cross-site form or script could use to change something.
fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// A caller whose CSRF check, if the request needs one, is still to be made against an HTML form's
/// `csrf_token` field: the handler gets the [`Caller`] only through [`FormCaller::verify`]. For HTML
/// handlers that take forms (the JSON API uses [`Caller`], which checks the `X-CSRF-Token` header).
pub struct FormCaller {
    caller: Caller,
    /// The session's CSRF token (session callers).
    csrf: Option<String>,
    /// The session (session callers).
    session: Option<pw_store::Session>,
    /// Whether the request needs the check (a session caller with an unsafe method).
    needs_check: bool,
}

impl FormCaller {
    /// The session's CSRF token, to put into the forms a page renders (`None` for token callers).
    pub fn csrf_token(&self) -> Option<&str> {
        self.csrf.as_deref()
    }

    /// The session, when the caller used one.
    pub fn session(&self) -> Option<&pw_store::Session> {
        self.session.as_ref()
    }

    /// The caller, once the token the request presents (a form field, or the header) matches the
    /// session's; 403 `csrf` otherwise. Requests that need no check (safe methods, API tokens) pass.
    pub fn verify(self, presented: Option<&str>) -> Result<Caller, AppError> {
        if !self.needs_check {
            return Ok(self.caller);
        }
        let (Some(expected), Some(presented)) = (self.csrf.as_deref(), presented) else {
            return Err(csrf_error(&format!(
                "a signed-in browser request that changes something needs the session's CSRF token \
                 (header X-CSRF-Token, or the form field {CSRF_FIELD})"
            )));
        };
        if pw_store::constant_time_eq(expected.as_bytes(), presented.trim().as_bytes()) {
            Ok(self.caller)
        } else {
            Err(csrf_error("the CSRF token does not match this session's"))
        }
    }
}

/// The caller behind the session cookie `secret`, before any CSRF check.
async fn from_session(
    state: &AppState,
    parts: &Parts,
    secret: &str,
) -> Result<FormCaller, AppError> {
    if !origin_ok(&parts.headers) {
        return Err(csrf_error(
            "the Origin header does not match the host: cross-site requests are refused",
        ));
    }
    let Some((user, session)) = state.store.session_user(secret).await? else {
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "the session has ended (signed out, idle too long or expired): sign in again",
        )
        .with_field(SESSION_COOKIE));
    };
    let org = state
        .store
        .organisation(&user.org_id)
        .await?
        .ok_or_else(|| AppError::internal("a user's organisation is missing"))?;
    let caller = Caller {
        scopes: pw_store::role_scopes(user.role),
        user,
        org,
        credential: Credential::Session(session.id.clone()),
    };
    Ok(FormCaller {
        caller,
        csrf: Some(pw_store::session_csrf_token(secret)),
        session: Some(session),
        needs_check: is_unsafe(&parts.method),
    })
}

/// Whoever the request's credentials name, with the CSRF check still to make (see [`FormCaller`]): an
/// `Authorization` header wins over a cookie.
pub(crate) async fn authenticate_form(
    state: &AppState,
    parts: &Parts,
) -> Result<FormCaller, AppError> {
    let cookie = if parts.headers.contains_key(header::AUTHORIZATION) {
        None
    } else {
        session_secret(&parts.headers)
    };
    if let Some(secret) = cookie {
        return from_session(state, parts, secret).await;
    }
    Ok(FormCaller {
        caller: from_token(state, parts).await?,
        csrf: None,
        session: None,
        needs_check: false,
    })
}

/// Whoever the request's credentials name: an API token, or a session cookie (with the CSRF header on
/// unsafe methods).
pub(crate) async fn authenticate(state: &AppState, parts: &Parts) -> Result<Caller, AppError> {
    let pending = authenticate_form(state, parts).await?;
    let header = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    pending.verify(header)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, AppError> {
        authenticate(state, parts).await
    }
}

impl FromRequestParts<AppState> for FormCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<FormCaller, AppError> {
        authenticate_form(state, parts).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().expect("header value"));
        }
        h
    }

    #[test]
    fn finds_the_session_cookie() {
        assert_eq!(
            session_secret(&headers(&[("cookie", "a=1; pw_session=abc ; b=2")])),
            Some("abc")
        );
        assert_eq!(
            session_secret(&headers(&[("cookie", "a=1"), ("cookie", "pw_session=x")])),
            Some("x")
        );
        assert_eq!(session_secret(&headers(&[("cookie", "pw_session=")])), None);
        assert_eq!(
            session_secret(&headers(&[("cookie", "xpw_session=1")])),
            None
        );
    }

    #[test]
    fn origin_must_match_the_host() {
        assert!(origin_ok(&headers(&[("host", "pw.example")])));
        assert!(origin_ok(&headers(&[
            ("host", "pw.example:8080"),
            ("origin", "https://PW.example:8080")
        ])));
        assert!(!origin_ok(&headers(&[
            ("host", "pw.example"),
            ("origin", "https://evil.example")
        ])));
        assert!(!origin_ok(&headers(&[
            ("host", "pw.example"),
            ("origin", "null")
        ])));
        assert!(!origin_ok(&headers(&[("origin", "https://pw.example")])));
    }
}
