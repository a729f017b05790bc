//! The `Idempotency-Key` header on `POST`s: a retry with the same key gets the first answer (with
//! `Idempotent-Replayed: true`) instead of creating the record twice; the same key on a different request
//! is a 422; a retry while the first request still runs is a 409. Without the header a `POST` runs as
//! usual. Answers with a 5xx status are not kept, so a retry after a server fault runs again.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pw_store::Claim;
use sha2::Digest;

use crate::{AppError, AppState};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// Largest body an idempotent request may have (the largest route limit).
const MAX_BODY: usize = 8 * 1024 * 1024;

fn key_error(message: &str) -> Response {
    AppError::bad("Idempotency-Key", message).into_response()
}

pub(crate) async fn layer(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let Some(key) = raw
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
    else {
        return key_error("an idempotency key is 1–200 visible ASCII characters");
    };
    let (parts, body) = req.into_parts();
    // Unauthenticated requests run as usual (the handler answers 401); keys are per user.
    let Ok(caller) = crate::auth::authenticate(&st, &parts).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the body is larger than 8 MiB",
            )
            .into_response();
        }
    };
    let method_path = format!("{} {}", parts.method, parts.uri.path());
    let mut h = sha2::Sha256::new();
    h.update(method_path.as_bytes());
    h.update([0]);
    h.update(parts.uri.query().unwrap_or("").as_bytes());
    h.update([0]);
    h.update(&bytes);
    let hash: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let user = caller.user.id.clone();
    match st
        .store
        .claim_idempotency(&user, &key, &method_path, &hash)
        .await
    {
        Err(e) => return AppError::internal(e).into_response(),
        Ok(Claim::Mismatch { method_path }) => {
            return AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                format!("this Idempotency-Key was used for another request ({method_path})"),
            )
            .with_field("Idempotency-Key")
            .into_response();
        }
        Ok(Claim::InProgress) => {
            return AppError::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "a request with this Idempotency-Key is still running; retry later",
            )
            .with_field("Idempotency-Key")
            .into_response();
        }
        Ok(Claim::Replay { status, body }) => {
            let mut resp = Response::new(Body::from(body));
            *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            resp.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return resp;
        }
        Ok(Claim::Fresh) => {}
    }
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (rparts, rbody) = resp.into_parts();
    let Ok(out) = axum::body::to_bytes(rbody, usize::MAX).await else {
        let _ = st.store.release_idempotency(&user, &key).await;
        return AppError::internal("reading a response body").into_response();
    };
    let kept = if rparts.status.is_server_error() {
        st.store.release_idempotency(&user, &key).await
    } else {
        st.store
            .complete_idempotency(
                &user,
                &key,
                rparts.status.as_u16(),
                &String::from_utf8_lossy(&out),
            )
            .await
    };
    if let Err(e) = kept {
        tracing::error!(error = %e, "recording an idempotent response");
    }
    Response::from_parts(rparts, Body::from(out))
}
