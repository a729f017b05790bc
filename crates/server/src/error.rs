//! One error type for every handler, mapped once to `{"error": {"code", "message", "field"?}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The error body of DESIGN.md §4.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code: `bad_request`, `bad_cas`, `not_found`, `payload_too_large`, `internal`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// The request field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `conflict` on a state change: the record's current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// For `conflict` on a state change: the actions allowed from the current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// Code.
    pub code: &'static str,
    /// Message.
    pub message: String,
    /// Field.
    pub field: Option<String>,
    /// A state conflict: the current state and the allowed actions.
    pub transition: Option<(String, Vec<String>)>,
}

impl AppError {
    /// 400 naming a field.
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
            field: Some(field.into()),
            transition: None,
        }
    }

    /// 500; the detail goes to the log, not to the client.
    pub fn internal(err: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %err, "internal error");
        AppError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "internal error".into(),
            field: None,
            transition: None,
        }
    }
}

impl AppError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            message: message.into(),
            field: None,
            transition: None,
        }
    }

    /// The same, naming the request field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> AppError {
        self.field = Some(field.into());
        self
    }
}

/// Store errors: a bad value is 422 naming the field, a duplicate 409, a refusal 403, an unknown or unseen
/// record 404 (the two are not told apart, so ids of other tenants' records leak nothing), an illegal state
/// change 409 with the current state and the allowed actions.
impl From<pw_store::StoreError> for AppError {
    fn from(e: pw_store::StoreError) -> AppError {
        use pw_store::StoreError as E;
        match e {
            E::Invalid { field, message } => {
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
                    .with_field(field)
            }
            E::Conflict { field, message } => {
                AppError::new(StatusCode::CONFLICT, "conflict", message).with_field(field)
            }
            E::Forbidden(m) => AppError::new(StatusCode::FORBIDDEN, "forbidden", m),
            E::NotFound(m) => AppError::new(StatusCode::NOT_FOUND, "not_found", m),
            E::Transition {
                message,
                current,
                allowed,
            } => {
                let mut err = AppError::new(StatusCode::CONFLICT, "invalid_transition", message);
                err.transition = Some((current, allowed));
                err
            }
            other => AppError::internal(other),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
                current: self.transition.as_ref().map(|t| t.0.clone()),
                allowed: self.transition.map(|t| t.1),
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}
