//! Who is calling: the one authentication step every protected handler goes through.
//!
//! A script presents an API token (`Authorization: Bearer pwt_…`); [`Caller`] is the extractor that turns
//! it into the user, their organisation and what the credential may do, or answers 401 in the error shape
//! of DESIGN.md §4. [`Caller::require`] answers 403 when the credential lacks a scope, and
//! [`Caller::viewer`] is what the store's tenant rules (`pw_store::Viewer`) are applied to. Browser
//! sessions (cookies with CSRF protection) resolve to the same `Caller`.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
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
                    "this token's scopes ({}) do not include {scope}",
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
            "no credentials: send `Authorization: Bearer <API token>`",
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

/// Whoever the request's credentials name: an API token (and, with the web UI, a session cookie).
pub(crate) async fn authenticate(state: &AppState, parts: &Parts) -> Result<Caller, AppError> {
    from_token(state, parts).await
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, AppError> {
        authenticate(state, parts).await
    }
}
