//! Accounts under `/api/v1`: sign-in and sign-out (session cookies), invitations, the organisation's
//! users, and one's own API tokens.
//!
//! Handlers are thin: the store applies the rules (throttling, tenant isolation, who may manage whom;
//! `pw_store::accounts`). A session is a `pw_session` cookie (`HttpOnly; SameSite=Lax; Path=/`, `Secure`
//! when [`AppState::secure_cookies`]); requests it authenticates that change something need its CSRF
//! token in `X-CSRF-Token` (see [`crate::auth`]). Answers that carry a secret shown once (a new token, an
//! invitation) refuse `Idempotency-Key`, so the secret is never kept to be replayed.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use pw_store::{
    Accepted, ApiToken, Invitation, Organisation, Role, SESSION_MAX_SECS, Scope, Session, SignIn,
    User,
};
use serde::{Deserialize, Serialize};

use crate::api::parse_json;
use crate::auth::{Credential, FormCaller, SESSION_COOKIE, origin_ok};
use crate::flows::query;
use crate::{AppError, AppState, Caller, ErrorBody};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", get(show_session).post(sign_in).delete(sign_out))
        .route("/invitations", get(list_invitations).post(invite))
        .route("/invitations/accept", post(accept_invitation))
        .route("/invitations/{id}/revoke", post(revoke_invitation))
        .route("/users", get(list_users))
        .route("/users/{id}/disable", post(disable_user))
        .route("/users/{id}/enable", post(enable_user))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        sign_in,
        show_session,
        sign_out,
        invite,
        list_invitations,
        revoke_invitation,
        accept_invitation,
        list_users,
        disable_user,
        enable_user,
        create_token,
        list_tokens,
        revoke_token
    ),
    modifiers(&SessionAuth),
    components(schemas(
        SignInRequest,
        SessionView,
        Session,
        InviteRequest,
        InvitationCreated,
        Invitation,
        InvitationList,
        AcceptRequest,
        AcceptedView,
        UserList,
        User,
        Organisation,
        TokenRequest,
        TokenCreated,
        TokenList,
        ApiToken
    ))
)]
pub(crate) struct AccountsDoc;

/// Declares the `session` security scheme (the `pw_session` cookie).
struct SessionAuth;

impl utoipa::Modify for SessionAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "Browser session from POST /api/v1/session; unsafe methods also need X-CSRF-Token",
            ))),
        );
    }
}

fn header_value(s: &str) -> Result<HeaderValue, AppError> {
    HeaderValue::from_str(s).map_err(AppError::internal)
}

fn session_cookie(secret: &str, max_age: i64, secure: bool) -> Result<HeaderValue, AppError> {
    header_value(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    ))
}

/// Answers carrying a secret shown once are not kept by the idempotency layer: refuse its header.
fn no_idempotency_key(headers: &HeaderMap) -> Result<(), AppError> {
    if headers.contains_key(crate::idempotency::HEADER) {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "this answer carries a secret shown once, which is never stored to be replayed: \
             send the request without Idempotency-Key",
        )
        .with_field("Idempotency-Key"));
    }
    Ok(())
}

fn gone(code: &'static str, message: &str) -> AppError {
    AppError::new(StatusCode::GONE, code, message).with_field("token")
}

fn role(s: &str) -> Result<Role, AppError> {
    Role::parse(s.trim()).ok_or_else(|| {
        AppError::bad(
            "role",
            format!("unknown role {s:?}; one of {}", Role::all().join(", ")),
        )
    })
}

// ------------------------------------------------------------------------------------------------------
// Sessions

/// Body of `POST /api/v1/session`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// E-mail address (case does not matter).
    pub email: String,
    /// Password.
    pub password: String,
}

/// The signed-in user, their organisation, the session and its CSRF token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// The user.
    pub user: User,
    /// Their organisation.
    pub org: Organisation,
    /// The session.
    pub session: Session,
    /// Send it as `X-CSRF-Token` (or the form field `csrf_token`) with every POST, PUT, PATCH or DELETE.
    pub csrf_token: String,
    /// What the session may do (its user's role).
    pub scopes: Vec<Scope>,
}

/// Sign in: sets the `pw_session` cookie and answers with the user, their organisation and the CSRF
/// token. Five failed sign-ins for one e-mail within 15 minutes (or 50 from one client address) and
/// further attempts are refused with 429 and `Retry-After` until the window passes, without the password
/// being checked; unknown e-mails get the same answers as known ones.
#[utoipa::path(post, path = "/api/v1/session", request_body = SignInRequest,
    responses(
        (status = 201, body = SessionView, headers(("Set-Cookie" = String, description = "pw_session=…; HttpOnly; SameSite=Lax"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub(crate) async fn sign_in(
    State(st): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    if !origin_ok(&headers) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "the Origin header does not match the host: cross-site sign-ins are refused",
        ));
    }
    let req: SignInRequest = parse_json(&body)?;
    let client = peer.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    match st
        .store
        .sign_in(&req.email, &req.password, client.as_deref())
        .await?
    {
        SignIn::Started {
            user,
            session,
            secret,
        } => {
            let org = st
                .store
                .organisation(&user.org_id)
                .await?
                .ok_or_else(|| AppError::internal("a user's organisation is missing"))?;
            let view = SessionView {
                scopes: pw_store::role_scopes(user.role),
                csrf_token: pw_store::session_csrf_token(&secret),
                user,
                org,
                session,
            };
            let mut resp = (StatusCode::CREATED, Json(view)).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::SET_COOKIE,
                session_cookie(&secret, SESSION_MAX_SECS, st.secure_cookies)?,
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(resp)
        }
        SignIn::Refused => Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "wrong e-mail or password",
        )),
        SignIn::Throttled { retry_after_secs } => {
            let mut resp = AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!(
                    "too many failed sign-ins for this e-mail or from this address; try again in \
                     {retry_after_secs} s"
                ),
            )
            .into_response();
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                header_value(&retry_after_secs.to_string())?,
            );
            Ok(resp)
        }
    }
}

/// The current session, with its user, organisation and CSRF token.
#[utoipa::path(get, path = "/api/v1/session",
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub(crate) async fn show_session(caller: FormCaller) -> Result<Response, AppError> {
    let csrf = caller.csrf_token().map(str::to_string);
    let session = caller.session().cloned();
    let caller = caller.verify(None)?;
    let (Some(csrf_token), Some(session)) = (csrf, session) else {
        return Err(not_a_session());
    };
    let mut resp = Json(SessionView {
        user: caller.user,
        org: caller.org,
        session,
        csrf_token,
        scopes: caller.scopes,
    })
    .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

fn not_a_session() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "this request is not made with a session cookie (API tokens are revoked with \
         POST /api/v1/tokens/{id}/revoke)",
    )
}

/// Sign out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session",
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub(crate) async fn sign_out(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Response, AppError> {
    let Credential::Session(id) = &caller.credential else {
        return Err(not_a_session());
    };
    st.store.end_session(id, &caller.viewer().actor()).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", 0, st.secure_cookies)?,
    );
    Ok(resp)
}

// ------------------------------------------------------------------------------------------------------
// Invitations

/// Body of `POST /api/v1/invitations`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// Who to invite.
    pub email: String,
    /// Their role: `admin`, `officer`, `reviewer` or `read_only`.
    pub role: String,
}

/// A new invitation and its one-time token (shown this once; give it to the invited person).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationCreated {
    /// The invitation.
    pub invitation: Invitation,
    /// The token for `POST /api/v1/invitations/accept`.
    pub token: String,
}

/// The organisation's invitations.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationList {
    /// Newest first.
    pub items: Vec<Invitation>,
}

/// An organisation's admin invites someone with a role; the token expires in 7 days.
#[utoipa::path(post, path = "/api/v1/invitations", request_body = InviteRequest,
    responses((status = 201, body = InvitationCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub(crate) async fn invite(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<InvitationCreated>), AppError> {
    let viewer = caller.viewer_for(Scope::Admin)?;
    no_idempotency_key(&headers)?;
    let req: InviteRequest = parse_json(&body)?;
    let role = role(&req.role)?;
    let (invitation, token) = st.store.invite(&req.email, role, &viewer).await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationCreated { invitation, token }),
    ))
}

/// The organisation's invitations (admins).
#[utoipa::path(get, path = "/api/v1/invitations",
    responses((status = 200, body = InvitationList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub(crate) async fn list_invitations(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Json<InvitationList>, AppError> {
    let viewer = caller.viewer_for(Scope::Admin)?;
    Ok(Json(InvitationList {
        items: st.store.invitations(&viewer).await?,
    }))
}

/// Withdraw a pending invitation (admins).
#[utoipa::path(post, path = "/api/v1/invitations/{id}/revoke",
    params(("id" = String, Path, description = "inv_…")),
    responses((status = 200, body = Invitation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub(crate) async fn revoke_invitation(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Invitation>, AppError> {
    let viewer = caller.viewer_for(Scope::Admin)?;
    Ok(Json(st.store.revoke_invitation(&id, &viewer).await?))
}

/// Body of `POST /api/v1/invitations/accept`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// The invitation's token.
    pub token: String,
    /// The new user's password (at least 12 characters).
    pub password: String,
}

/// The user an accepted invitation created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AcceptedView {
    /// The new user (sign in with their e-mail and the password just chosen).
    pub user: User,
}

/// Accept an invitation (no credentials needed): creates the user in the inviting organisation with the
/// invited role. A used, withdrawn or expired invitation is 410; an unknown token 422.
#[utoipa::path(post, path = "/api/v1/invitations/accept", request_body = AcceptRequest,
    responses((status = 201, body = AcceptedView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn accept_invitation(
    State(st): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<AcceptedView>), AppError> {
    let req: AcceptRequest = parse_json(&body)?;
    match st
        .store
        .accept_invitation(&req.token, &req.password)
        .await?
    {
        Accepted::Created(user) => Ok((StatusCode::CREATED, Json(AcceptedView { user }))),
        Accepted::Used => Err(gone(
            "invitation_used",
            "this invitation has been accepted already; sign in instead",
        )),
        Accepted::Expired => Err(gone(
            "invitation_expired",
            "this invitation has expired; ask your organisation's admin for a new one",
        )),
        Accepted::Revoked => Err(gone(
            "invitation_revoked",
            "this invitation was withdrawn by your organisation's admin",
        )),
        Accepted::Unknown => Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "no invitation has this token; check that it was copied whole",
        )
        .with_field("token")),
    }
}

// ------------------------------------------------------------------------------------------------------
// Users

/// The organisation's users.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserList {
    /// By e-mail.
    pub items: Vec<User>,
}

/// The users of the caller's organisation (any member).
#[utoipa::path(get, path = "/api/v1/users",
    responses((status = 200, body = UserList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub(crate) async fn list_users(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Json<UserList>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    Ok(Json(UserList {
        items: st.store.org_users(&viewer).await?,
    }))
}

/// Disable a user of the caller's organisation (admins; not oneself): they cannot sign in, their sessions
/// end and their tokens stop working.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable",
    params(("id" = String, Path, description = "usr_…")),
    responses((status = 200, body = User), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub(crate) async fn disable_user(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<User>, AppError> {
    let viewer = caller.viewer_for(Scope::Admin)?;
    Ok(Json(st.store.set_user_disabled(&id, true, &viewer).await?))
}

/// Enable a disabled user of the caller's organisation again (admins).
#[utoipa::path(post, path = "/api/v1/users/{id}/enable",
    params(("id" = String, Path, description = "usr_…")),
    responses((status = 200, body = User), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub(crate) async fn enable_user(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<User>, AppError> {
    let viewer = caller.viewer_for(Scope::Admin)?;
    Ok(Json(st.store.set_user_disabled(&id, false, &viewer).await?))
}

// ------------------------------------------------------------------------------------------------------
// API tokens

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// A name to recognise it by.
    pub name: String,
    /// What it may do: `read`, `screen`, `licences`, `notifications`, `incidents`, `admin` — no more than
    /// the caller's role and credential allow.
    pub scopes: Vec<String>,
    /// Expiry (RFC 3339), if any.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// A new token and its secret (shown this once: `Authorization: Bearer <secret>`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenCreated {
    /// The token.
    pub token: ApiToken,
    /// Its secret.
    pub secret: String,
}

/// Tokens (never their secrets).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenList {
    /// Newest first.
    pub items: Vec<ApiToken>,
}

/// Query of `GET /api/v1/tokens`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenParams {
    /// `true` (admins): every token of the organisation, not only one's own.
    all: Option<bool>,
}

/// Create an API token for oneself, with scopes within what one's role and the calling credential allow.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = TokenRequest,
    responses((status = 201, body = TokenCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub(crate) async fn create_token(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<TokenCreated>), AppError> {
    let viewer = caller.viewer();
    no_idempotency_key(&headers)?;
    let req: TokenRequest = parse_json(&body)?;
    let scopes = req
        .scopes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Scope::parse(s.trim()).ok_or_else(|| {
                AppError::bad(
                    format!("scopes[{i}]"),
                    format!("unknown scope {s:?}; one of {}", Scope::all().join(", ")),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let expires_at = req
        .expires_at
        .as_deref()
        .map(|t| {
            DateTime::parse_from_rfc3339(t.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    AppError::bad("expires_at", format!("{t:?} is not an RFC 3339 time ({e})"))
                })
        })
        .transpose()?;
    let (token, secret) = st
        .store
        .create_own_token(&req.name, &scopes, expires_at, &caller.scopes, &viewer)
        .await?;
    Ok((StatusCode::CREATED, Json(TokenCreated { token, secret })))
}

/// One's own API tokens, or with `all=true` (admins) every token of the organisation.
#[utoipa::path(get, path = "/api/v1/tokens", params(TokenParams),
    responses((status = 200, body = TokenList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub(crate) async fn list_tokens(
    State(st): State<AppState>,
    caller: Caller,
    q: Result<Query<TokenParams>, QueryRejection>,
) -> Result<Json<TokenList>, AppError> {
    let all = query(q)?.all.unwrap_or(false);
    let viewer = if all {
        caller.viewer_for(Scope::Admin)?
    } else {
        caller.viewer()
    };
    Ok(Json(TokenList {
        items: st.store.tokens_of(&viewer, all).await?,
    }))
}

/// Revoke a token: one's own, or (admins) any of the organisation's.
#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke",
    params(("id" = String, Path, description = "tok_…")),
    responses((status = 200, body = ApiToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub(crate) async fn revoke_token(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ApiToken>, AppError> {
    let as_admin = caller.scopes.contains(&Scope::Admin);
    let viewer = caller.viewer();
    Ok(Json(
        st.store.revoke_token_of(&id, as_admin, &viewer).await?,
    ))
}
