//! Who is calling: the one authentication step every protected handler goes through.
//!
//! A script presents an API token (`Authorization: Bearer pwt_…`); [`Caller`] is the extractor that turns
//! it into the user, their organisation and the token's scopes, or answers 401 in the error shape of
//! DESIGN.md §4. [`Caller::require`] answers 403 when the token lacks a scope. Browser sessions (cookies
//! with CSRF protection) come with the web UI.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use pw_store::{ApiToken, Scope, User};

use crate::{AppError, AppState};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// The token used.
    pub token: ApiToken,
}

fn unauthorised(message: &str) -> AppError {
    AppError {
        status: StatusCode::UNAUTHORIZED,
        code: "unauthorised",
        message: message.to_string(),
        field: Some("authorization".into()),
    }
}

impl Caller {
    /// 403 unless the token carries `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), AppError> {
        if self.token.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(AppError {
                status: StatusCode::FORBIDDEN,
                code: "forbidden",
                message: format!(
                    "this token's scopes ({}) do not include {scope}",
                    self.token
                        .scopes
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                field: None,
            })
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, AppError> {
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
        match state.store.token_user(secret).await {
            Ok(Some((user, token))) => Ok(Caller { user, token }),
            Ok(None) => Err(unauthorised(
                "unknown, revoked or expired token, or its user is disabled",
            )),
            Err(e) => Err(AppError::internal(e)),
        }
    }
}
