//! Accounts: browser sessions, sign-in throttling, invitations, and users and API tokens as an
//! organisation manages them.
//!
//! - A **session** is 32 random bytes in a cookie, stored only as a SHA-256 hash. It ends when revoked
//!   (sign-out, its user disabled), after [`SESSION_IDLE_SECS`] without a request, or
//!   [`SESSION_MAX_SECS`] after it began. Its CSRF token ([`session_csrf_token`]) is derived from the
//!   secret, so it is never stored and a stolen database gives neither.
//! - **Sign-in throttling** lives in the database (it survives restarts): after
//!   [`MAX_FAILURES_PER_EMAIL`] failed sign-ins for one e-mail (case-insensitive) within
//!   [`LOGIN_WINDOW_SECS`], further attempts for that e-mail are refused without checking the password
//!   until the oldest failure leaves the window; the same with [`MAX_FAILURES_PER_CLIENT`] per client
//!   address. Unknown e-mails are counted and answered exactly like known ones. Failures and lockouts are
//!   audited with the e-mail and the address hashed.
//! - An **invitation** is a one-time token (stored hashed) with which the invited person creates their
//!   user, in the inviting organisation with the role chosen by its admin, within [`INVITATION_DAYS`].
//! - Users and tokens are managed through a [`Viewer`]: members see their organisation's users, only its
//!   admins invite, disable and enable them; everyone sees and creates their own tokens (with no scope
//!   beyond their role's), an admin may revoke any token of the organisation. Other organisations' users,
//!   tokens and invitations are "not found".

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::Digest;

use crate::access::{Viewer, text};
use crate::platform::{invalid, new_id, now};
use crate::{
    Actor, ApiToken, MIN_PASSWORD_CHARS, Role, Scope, Store, StoreError, User, hash_password,
    personal_hash,
};

/// A session ends after this long without a request (12 h).
pub const SESSION_IDLE_SECS: i64 = 12 * 3600;
/// A session ends this long after it began, whatever its use (7 days).
pub const SESSION_MAX_SECS: i64 = 7 * 24 * 3600;
/// The window in which failed sign-ins are counted (15 min).
pub const LOGIN_WINDOW_SECS: i64 = 15 * 60;
/// Failed sign-ins for one e-mail within the window after which its sign-ins are refused.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
/// Failed sign-ins from one client address within the window after which its sign-ins are refused.
pub const MAX_FAILURES_PER_CLIENT: i64 = 50;
/// An invitation may be accepted this many days after it was made.
pub const INVITATION_DAYS: i64 = 7;
/// `last_seen_at` is written at most this often per session.
const TOUCH_EVERY_SECS: i64 = 60;

/// A browser session (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Session {
    /// Identifier (`ses_…`).
    pub id: String,
    /// Its user.
    pub user_id: String,
    /// When it began.
    pub created_at: DateTime<Utc>,
    /// When it ends whatever its use.
    pub expires_at: DateTime<Utc>,
    /// The last request seen (to the minute).
    pub last_seen_at: DateTime<Utc>,
    /// When it ends if no request comes before.
    pub idle_expires_at: DateTime<Utc>,
}

/// The answer to a sign-in.
pub enum SignIn {
    /// The password is right: a session began. `secret` goes into the cookie and nowhere else.
    Started {
        /// The user.
        user: User,
        /// The session.
        session: Session,
        /// The cookie value.
        secret: String,
    },
    /// Unknown e-mail, wrong password or disabled user (not told apart).
    Refused,
    /// Too many failures for this e-mail or client address: try again after this many seconds.
    Throttled {
        /// Seconds until an attempt is counted again.
        retry_after_secs: i64,
    },
}

impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignIn::Started { user, session, .. } => f
                .debug_struct("Started")
                .field("user", &user.id)
                .field("session", &session.id)
                .field("secret", &"***")
                .finish(),
            SignIn::Refused => f.write_str("Refused"),
            SignIn::Throttled { retry_after_secs } => f
                .debug_struct("Throttled")
                .field("retry_after_secs", retry_after_secs)
                .finish(),
        }
    }
}

/// An invitation (never with its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    /// Identifier (`inv_…`).
    pub id: String,
    /// The inviting organisation.
    pub org_id: String,
    /// Who is invited (their login once accepted).
    pub email: String,
    /// The role they will have.
    pub role: Role,
    /// The admin who invited.
    pub invited_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last moment it may be accepted.
    pub expires_at: DateTime<Utc>,
    /// When it was accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// The user it created.
    pub user_id: Option<String>,
    /// When an admin withdrew it.
    pub revoked_at: Option<DateTime<Utc>>,
    /// `pending`, `accepted`, `revoked` or `expired`.
    pub status: String,
}

/// The answer to accepting an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// The user was created.
    Created(User),
    /// No invitation has this token.
    Unknown,
    /// It was accepted already.
    Used,
    /// Its time ran out.
    Expired,
    /// An admin withdrew it.
    Revoked,
}

/// The scopes a role allows: readers and reviewers read and screen; officers also act on licences,
/// notifications and incidents; admins also manage users and tokens. A session has all of its role's.
pub fn role_scopes(role: Role) -> Vec<Scope> {
    let mut s = vec![Scope::Read, Scope::Screen];
    if matches!(role, Role::Officer | Role::Admin) {
        s.extend([Scope::Licences, Scope::Notifications, Scope::Incidents]);
    }
    if role == Role::Admin {
        s.push(Scope::Admin);
    }
    s
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn secret_hash(secret: &str) -> String {
    hex(&sha2::Sha256::digest(secret.as_bytes()))
}

fn random_secret(prefix: &str) -> String {
    let mut raw = [0u8; 32];
    argon2::password_hash::rand_core::RngCore::fill_bytes(
        &mut argon2::password_hash::rand_core::OsRng,
        &mut raw,
    );
    format!("{prefix}{}", hex(&raw))
}

/// The CSRF token of the session whose cookie carries `secret`: a hash of the secret under its own label,
/// so it is known to whoever holds the cookie (the browser's pages) and to no one else, and tells nothing
/// about the secret or the stored hash.
pub fn session_csrf_token(secret: &str) -> String {
    let mut h = sha2::Sha256::new();
    h.update(b"precursor-watch csrf v1\0");
    h.update(secret.trim().as_bytes());
    hex(&h.finalize())
}

/// Equal byte strings, compared in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn require_admin(viewer: &Viewer) -> Result<(), StoreError> {
    if viewer.role == Role::Admin {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "the {} role may not manage the organisation's users; an admin must do this",
            viewer.role
        )))
    }
}

fn checked_email(value: &str) -> Result<String, StoreError> {
    let email = value.trim().to_lowercase();
    let Some((local, domain)) = email.split_once('@') else {
        return Err(invalid("email", "not an e-mail address (no @)"));
    };
    if local.is_empty()
        || !domain.contains('.')
        || email.chars().any(char::is_whitespace)
        || email.chars().count() > 254
    {
        return Err(invalid(
            "email",
            format!("{email:?} is not an e-mail address"),
        ));
    }
    Ok(email)
}

fn json(v: serde_json::Value) -> String {
    v.to_string()
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    user_id: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl SessionRow {
    fn session(self) -> Session {
        let idle = (self.last_seen_at + Duration::seconds(SESSION_IDLE_SECS)).min(self.expires_at);
        Session {
            id: self.id,
            user_id: self.user_id,
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_seen_at: self.last_seen_at,
            idle_expires_at: idle,
        }
    }
}

const SESSION_COLUMNS: &str = "id, user_id, created_at, expires_at, last_seen_at, revoked_at";

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    org_id: String,
    email: String,
    role: String,
    disabled: bool,
    created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User, StoreError> {
        Ok(User {
            role: Role::parse(&r.role)
                .ok_or_else(|| StoreError::Internal(format!("stored role {:?}", r.role)))?,
            id: r.id,
            org_id: r.org_id,
            email: r.email,
            disabled: r.disabled,
            created_at: r.created_at,
        })
    }
}

const USER_COLUMNS: &str = "id, org_id, email, role, disabled, created_at";

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    user_id: String,
    name: String,
    scopes: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<ApiToken, StoreError> {
        Ok(ApiToken {
            scopes: r
                .scopes
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    Scope::parse(s)
                        .ok_or_else(|| StoreError::Internal(format!("stored scope {s:?}")))
                })
                .collect::<Result<_, _>>()?,
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        })
    }
}

const TOKEN_COLUMNS: &str =
    "t.id, t.user_id, t.name, t.scopes, t.created_at, t.expires_at, t.revoked_at";

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: String,
    org_id: String,
    email: String,
    role: String,
    invited_by: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
    user_id: Option<String>,
    revoked_at: Option<DateTime<Utc>>,
}

impl InvitationRow {
    fn status(&self, at: DateTime<Utc>) -> &'static str {
        if self.accepted_at.is_some() {
            "accepted"
        } else if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at <= at {
            "expired"
        } else {
            "pending"
        }
    }
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = StoreError;
    fn try_from(r: InvitationRow) -> Result<Invitation, StoreError> {
        Ok(Invitation {
            status: r.status(Utc::now()).to_string(),
            role: Role::parse(&r.role)
                .ok_or_else(|| StoreError::Internal(format!("stored role {:?}", r.role)))?,
            id: r.id,
            org_id: r.org_id,
            email: r.email,
            invited_by: r.invited_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            accepted_at: r.accepted_at,
            user_id: r.user_id,
            revoked_at: r.revoked_at,
        })
    }
}

const INVITATION_COLUMNS: &str = "id, org_id, email, role, invited_by, created_at, expires_at, \
    accepted_at, user_id, revoked_at";

fn anonymous() -> Actor {
    Actor {
        id: "anonymous".into(),
        org_id: None,
    }
}

impl Store {
    // --------------------------------------------------------------------------------------------------
    // Sessions and sign-in throttling

    /// Sign in with an e-mail and a password from a client address (when known). Refused attempts are
    /// counted per e-mail and per address; past the limits the answer is [`SignIn::Throttled`] without the
    /// password being checked. Unknown e-mails are treated exactly like known ones.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<&str>,
    ) -> Result<SignIn, StoreError> {
        let email_key = personal_hash(email);
        let client_key = client.map(personal_hash);
        let at = now();
        let window = Duration::seconds(LOGIN_WINDOW_SECS);
        let since = at - window;
        let attempt = new_id("att");
        // The attempt is counted before the password is checked, so concurrent guesses cannot all slip
        // under the limit; it is removed again if refused unchecked, and with all of its e-mail's on success.
        let (by_email, by_client): (i64, i64) = on_db!(self, p, sql => {
            sqlx::query(&sql("DELETE FROM login_attempts WHERE at <= $1"))
                .bind(since)
                .execute(p)
                .await?;
            sqlx::query(&sql("INSERT INTO login_attempts (id, email_hash, ip_hash, at) VALUES ($1, $2, $3, $4)"))
                .bind(&attempt)
                .bind(&email_key)
                .bind(&client_key)
                .bind(at)
                .execute(p)
                .await?;
            let (e,): (i64,) = sqlx::query_as(&sql("SELECT COUNT(*) FROM login_attempts WHERE email_hash = $1 AND at > $2"))
                .bind(&email_key)
                .bind(since)
                .fetch_one(p)
                .await?;
            let c = match &client_key {
                Some(k) => {
                    let (c,): (i64,) = sqlx::query_as(&sql("SELECT COUNT(*) FROM login_attempts WHERE ip_hash = $1 AND at > $2"))
                        .bind(k)
                        .bind(since)
                        .fetch_one(p)
                        .await?;
                    c
                }
                None => 0,
            };
            (e, c)
        });
        if by_email > MAX_FAILURES_PER_EMAIL || by_client > MAX_FAILURES_PER_CLIENT {
            // Attempts are allowed again when the failure that filled the limit leaves the window.
            let mut until = at;
            on_db!(self, p, sql => {
                sqlx::query(&sql("DELETE FROM login_attempts WHERE id = $1"))
                    .bind(&attempt)
                    .execute(p)
                    .await?;
                if by_email > MAX_FAILURES_PER_EMAIL {
                    let t: Option<(DateTime<Utc>,)> = sqlx::query_as(&sql("SELECT at FROM login_attempts
                         WHERE email_hash = $1 AND at > $2 ORDER BY at DESC LIMIT 1 OFFSET $3"))
                        .bind(&email_key)
                        .bind(since)
                        .bind(MAX_FAILURES_PER_EMAIL - 1)
                        .fetch_optional(p)
                        .await?;
                    if let Some((t,)) = t {
                        until = until.max(t + window);
                    }
                }
                if let Some(k) = client_key.as_ref().filter(|_| by_client > MAX_FAILURES_PER_CLIENT) {
                    let t: Option<(DateTime<Utc>,)> = sqlx::query_as(&sql("SELECT at FROM login_attempts
                         WHERE ip_hash = $1 AND at > $2 ORDER BY at DESC LIMIT 1 OFFSET $3"))
                        .bind(k)
                        .bind(since)
                        .bind(MAX_FAILURES_PER_CLIENT - 1)
                        .fetch_optional(p)
                        .await?;
                    if let Some((t,)) = t {
                        until = until.max(t + window);
                    }
                }
            });
            let ms = (until - at).num_milliseconds().max(0);
            return Ok(SignIn::Throttled {
                retry_after_secs: ((ms + 999) / 1000).max(1),
            });
        }
        let Some(user) = self.authenticate(email, password).await? else {
            let detail = json(serde_json::json!({
                "after": { "email": email_key, "client": client_key, "failures": by_email }
            }));
            let anon = anonymous();
            on_db!(self, p, sql => {
                let mut tx = p.begin().await?;
                audit!(tx, sql, at, anon, "fail", "sign_in", &email_key, &detail);
                if by_email == MAX_FAILURES_PER_EMAIL || by_client == MAX_FAILURES_PER_CLIENT {
                    let lock = json(serde_json::json!({
                        "after": {
                            "email": email_key,
                            "client": client_key,
                            "by": if by_email == MAX_FAILURES_PER_EMAIL { "email" } else { "client" },
                            "until": at + window,
                        }
                    }));
                    audit!(tx, sql, at, anon, "lock", "sign_in", &email_key, &lock);
                }
                tx.commit().await?;
            });
            return Ok(SignIn::Refused);
        };
        let secret = random_secret("");
        let row = SessionRow {
            id: new_id("ses"),
            user_id: user.id.clone(),
            created_at: at,
            expires_at: at + Duration::seconds(SESSION_MAX_SECS),
            last_seen_at: at,
            revoked_at: None,
        };
        let actor = Actor {
            id: user.id.clone(),
            org_id: Some(user.org_id.clone()),
        };
        let detail = json(serde_json::json!({
            "after": {
                "id": row.id,
                "user_id": row.user_id,
                "expires_at": row.expires_at,
                "client": client_key,
            }
        }));
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            sqlx::query(&sql("DELETE FROM login_attempts WHERE email_hash = $1"))
                .bind(&email_key)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&sql("INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $5, $6)"))
                .bind(&row.id)
                .bind(&row.user_id)
                .bind(secret_hash(&secret))
                .bind(row.created_at)
                .bind(row.expires_at)
                .bind(row.last_seen_at)
                .execute(&mut *tx)
                .await?;
            audit!(tx, sql, at, actor, "create", "session", &row.id, &detail);
            tx.commit().await?;
        });
        Ok(SignIn::Started {
            user,
            session: row.session(),
            secret,
        })
    }

    /// The user and session behind a cookie secret, if the session is neither revoked, idle too long nor
    /// past its end, and its user is not disabled. Notes the request (at most once a minute).
    pub async fn session_user(&self, secret: &str) -> Result<Option<(User, Session)>, StoreError> {
        let hash = secret_hash(secret.trim());
        let at = now();
        let row: Option<SessionRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE secret_hash = $1")))
                .bind(&hash)
                .fetch_optional(p)
                .await?
        });
        let Some(mut row) = row else {
            return Ok(None);
        };
        if row.revoked_at.is_some()
            || row.expires_at <= at
            || row.last_seen_at + Duration::seconds(SESSION_IDLE_SECS) <= at
        {
            return Ok(None);
        }
        let user: Option<UserRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
                .bind(&row.user_id)
                .fetch_optional(p)
                .await?
        });
        let Some(user) = user.map(User::try_from).transpose()? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        if at - row.last_seen_at >= Duration::seconds(TOUCH_EVERY_SECS) {
            on_db!(self, p, sql => {
                sqlx::query(&sql("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1"))
                    .bind(at)
                    .bind(&row.id)
                    .execute(p)
                    .await?;
            });
            row.last_seen_at = at;
        }
        Ok(Some((user, row.session())))
    }

    /// End a session (sign-out; audited). Ending it twice is not an error; an unknown id is.
    pub async fn end_session(&self, id: &str, actor: &Actor) -> Result<(), StoreError> {
        let at = now();
        let result: Result<(), StoreError> = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let done = sqlx::query(&sql("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL"))
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                let known: Option<(String,)> = sqlx::query_as(&sql("SELECT id FROM sessions WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if known.is_none() {
                    Err(StoreError::NotFound(format!("no session {id:?}")))
                } else {
                    Ok(())
                }
            } else {
                let detail = json(serde_json::json!({ "after": { "revoked_at": at } }));
                audit!(tx, sql, at, actor, "revoke", "session", id, &detail);
                tx.commit().await?;
                Ok(())
            }
        });
        result
    }

    // --------------------------------------------------------------------------------------------------
    // Invitations

    /// An admin invites someone into their organisation with a role; returns the invitation and its
    /// one-time token (shown this once, stored hashed).
    pub async fn invite(
        &self,
        email: &str,
        role: Role,
        viewer: &Viewer,
    ) -> Result<(Invitation, String), StoreError> {
        require_admin(viewer)?;
        let email = checked_email(email)?;
        let taken: Option<(String,)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT id FROM users WHERE email = $1"))
                .bind(&email)
                .fetch_optional(p)
                .await?
        });
        if taken.is_some() {
            return Err(StoreError::Conflict {
                field: "email".into(),
                message: format!("a user with the e-mail {email:?} exists"),
            });
        }
        let token = random_secret("pwi_");
        let at = now();
        let row = InvitationRow {
            id: new_id("inv"),
            org_id: viewer.org_id.clone(),
            email,
            role: role.as_str().to_string(),
            invited_by: viewer.user_id.clone(),
            created_at: at,
            expires_at: at + Duration::days(INVITATION_DAYS),
            accepted_at: None,
            user_id: None,
            revoked_at: None,
        };
        let detail = json(serde_json::json!({
            "after": {
                "id": row.id,
                "org_id": row.org_id,
                "email": personal_hash(&row.email),
                "role": row.role,
                "expires_at": row.expires_at,
            }
        }));
        let actor = viewer.actor();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            sqlx::query(&sql("INSERT INTO invitations (id, org_id, email, role, token_hash, invited_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                .bind(&row.id)
                .bind(&row.org_id)
                .bind(&row.email)
                .bind(&row.role)
                .bind(secret_hash(&token))
                .bind(&row.invited_by)
                .bind(row.created_at)
                .bind(row.expires_at)
                .execute(&mut *tx)
                .await?;
            audit!(tx, sql, at, actor, "create", "invitation", &row.id, &detail);
            tx.commit().await?;
        });
        Ok((Invitation::try_from(row)?, token))
    }

    /// The organisation's invitations, newest first (admins).
    pub async fn invitations(&self, viewer: &Viewer) -> Result<Vec<Invitation>, StoreError> {
        require_admin(viewer)?;
        let rows: Vec<InvitationRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {INVITATION_COLUMNS} FROM invitations
                 WHERE org_id = $1 ORDER BY created_at DESC, id")))
                .bind(&viewer.org_id)
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(Invitation::try_from).collect()
    }

    /// An admin withdraws a pending invitation (audited). One already accepted or withdrawn is a
    /// [`StoreError::Transition`].
    pub async fn revoke_invitation(
        &self,
        id: &str,
        viewer: &Viewer,
    ) -> Result<Invitation, StoreError> {
        require_admin(viewer)?;
        let at = now();
        let actor = viewer.actor();
        let row: Result<InvitationRow, StoreError> = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let done = sqlx::query(&sql("UPDATE invitations SET revoked_at = $1
                 WHERE id = $2 AND org_id = $3 AND accepted_at IS NULL AND revoked_at IS NULL"))
                .bind(at)
                .bind(id)
                .bind(&viewer.org_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let row: Option<InvitationRow> = sqlx::query_as(&sql(&format!(
                "SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = $1 AND org_id = $2")))
                .bind(id)
                .bind(&viewer.org_id)
                .fetch_optional(&mut *tx)
                .await?;
            match row {
                None => Err(StoreError::NotFound(format!("no invitation {id:?}"))),
                Some(r) if done == 0 => Err(StoreError::Transition {
                    message: format!("the invitation is {}; only a pending one can be withdrawn", r.status(at)),
                    current: r.status(at).to_string(),
                    allowed: Vec::new(),
                }),
                Some(r) => {
                    let detail = json(serde_json::json!({
                        "before": { "status": "pending" }, "after": { "status": "revoked" }
                    }));
                    audit!(tx, sql, at, actor, "revoke", "invitation", id, &detail);
                    tx.commit().await?;
                    Ok(r)
                }
            }
        });
        Invitation::try_from(row?)
    }

    /// Accept an invitation: create its user with this password, in the inviting organisation with the
    /// invited role (audited). At most once, before it expires.
    pub async fn accept_invitation(
        &self,
        token: &str,
        password: &str,
    ) -> Result<Accepted, StoreError> {
        let hash = secret_hash(token.trim());
        let row: Option<InvitationRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = $1")))
                .bind(&hash)
                .fetch_optional(p)
                .await?
        });
        let Some(inv) = row else {
            return Ok(Accepted::Unknown);
        };
        match inv.status(Utc::now()) {
            "accepted" => return Ok(Accepted::Used),
            "revoked" => return Ok(Accepted::Revoked),
            "expired" => return Ok(Accepted::Expired),
            _ => {}
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(invalid(
                "password",
                format!("shorter than {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        let role = Role::parse(&inv.role)
            .ok_or_else(|| StoreError::Internal(format!("stored role {:?}", inv.role)))?;
        let password_hash = hash_password(password)?;
        let at = now();
        let user = User {
            id: new_id("usr"),
            org_id: inv.org_id.clone(),
            email: inv.email.clone(),
            role,
            disabled: false,
            created_at: at,
        };
        let actor = Actor {
            id: user.id.clone(),
            org_id: Some(user.org_id.clone()),
        };
        let user_detail = json(serde_json::json!({
            "id": user.id,
            "org_id": user.org_id,
            "email": personal_hash(&user.email),
            "role": user.role,
            "invitation": inv.id,
        }));
        let inv_detail = json(serde_json::json!({
            "before": { "status": "pending" },
            "after": { "status": "accepted", "user_id": user.id }
        }));
        let result: Result<Accepted, StoreError> = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let inserted = sqlx::query(&sql("INSERT INTO users (id, org_id, email, password_hash, role, disabled, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"))
                .bind(&user.id)
                .bind(&user.org_id)
                .bind(&user.email)
                .bind(&password_hash)
                .bind(user.role.as_str())
                .bind(false)
                .bind(user.created_at)
                .execute(&mut *tx)
                .await;
            match inserted {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict {
                    field: "token".into(),
                    message: format!("a user with the invited e-mail {:?} exists already", user.email),
                }),
                Err(e) => Err(e.into()),
                Ok(_) => {
                    // Conditional: of two acceptances racing, one creates the user, the other finds it used.
                    let done = sqlx::query(&sql("UPDATE invitations SET accepted_at = $1, user_id = $2
                         WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1"))
                        .bind(at)
                        .bind(&user.id)
                        .bind(&inv.id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if done == 0 {
                        Ok(Accepted::Used)
                    } else {
                        audit!(tx, sql, at, actor, "create", "user", &user.id, &user_detail);
                        audit!(tx, sql, at, actor, "accept", "invitation", &inv.id, &inv_detail);
                        tx.commit().await?;
                        Ok(Accepted::Created(user.clone()))
                    }
                }
            }
        });
        result
    }

    // --------------------------------------------------------------------------------------------------
    // Users

    /// The viewer's organisation's users, by e-mail.
    pub async fn org_users(&self, viewer: &Viewer) -> Result<Vec<User>, StoreError> {
        self.users_of(&viewer.org_id).await
    }

    /// An admin disables (or enables again) a user of their organisation (audited). Disabling ends the
    /// user's sessions; their tokens stop working while they are disabled. Admins cannot disable
    /// themselves.
    pub async fn set_user_disabled(
        &self,
        id: &str,
        disabled: bool,
        viewer: &Viewer,
    ) -> Result<User, StoreError> {
        require_admin(viewer)?;
        if disabled && id == viewer.user_id {
            return Err(invalid("id", "you cannot disable yourself"));
        }
        let at = now();
        let actor = viewer.actor();
        let row: Result<UserRow, StoreError> = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let row: Option<UserRow> = sqlx::query_as(&sql(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND org_id = $2")))
                .bind(id)
                .bind(&viewer.org_id)
                .fetch_optional(&mut *tx)
                .await?;
            match row {
                None => Err(StoreError::NotFound(format!("no user {id:?}"))),
                Some(mut r) => {
                    if r.disabled != disabled {
                        sqlx::query(&sql("UPDATE users SET disabled = $1 WHERE id = $2"))
                            .bind(disabled)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        if disabled {
                            sqlx::query(&sql("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL"))
                                .bind(at)
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                        }
                        let detail = json(serde_json::json!({
                            "before": { "disabled": r.disabled }, "after": { "disabled": disabled }
                        }));
                        let action = if disabled { "disable" } else { "enable" };
                        audit!(tx, sql, at, actor, action, "user", id, &detail);
                        tx.commit().await?;
                        r.disabled = disabled;
                    }
                    Ok(r)
                }
            }
        });
        User::try_from(row?)
    }

    // --------------------------------------------------------------------------------------------------
    // API tokens

    /// The viewer's own tokens, or (`all`, admins) every token of their organisation; newest first.
    pub async fn tokens_of(&self, viewer: &Viewer, all: bool) -> Result<Vec<ApiToken>, StoreError> {
        if all {
            require_admin(viewer)?;
        }
        let rows: Vec<TokenRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE u.org_id = $1 AND ($2 OR t.user_id = $3) ORDER BY t.created_at DESC, t.id")))
                .bind(&viewer.org_id)
                .bind(all)
                .bind(&viewer.user_id)
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(ApiToken::try_from).collect()
    }

    /// A token for the viewer themselves, with no scope beyond `allowed` (what the credential creating it
    /// may do) nor their role's. Returns the secret, shown this once.
    pub async fn create_own_token(
        &self,
        name: &str,
        scopes: &[Scope],
        expires_at: Option<DateTime<Utc>>,
        allowed: &[Scope],
        viewer: &Viewer,
    ) -> Result<(ApiToken, String), StoreError> {
        let name = text("name", name, 100)?;
        let role = role_scopes(viewer.role);
        if let Some(s) = scopes
            .iter()
            .find(|s| !role.contains(s) || !allowed.contains(s))
        {
            return Err(StoreError::Forbidden(format!(
                "the scope {s} is beyond what you may give (your role {} and this credential allow {})",
                viewer.role,
                role.iter()
                    .filter(|r| allowed.contains(r))
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if expires_at.is_some_and(|t| t <= Utc::now()) {
            return Err(invalid("expires_at", "must be in the future"));
        }
        self.create_token(&viewer.user_id, &name, scopes, expires_at, &viewer.actor())
            .await
    }

    /// Revoke a token (audited): the viewer's own, or, when `as_admin` (an admin whose credential has the
    /// admin scope), any of their organisation's. Others are "not found".
    pub async fn revoke_token_of(
        &self,
        id: &str,
        as_admin: bool,
        viewer: &Viewer,
    ) -> Result<ApiToken, StoreError> {
        let admin = as_admin && viewer.role == Role::Admin;
        let find = || async {
            let row: Option<TokenRow> = on_db!(self, p, sql => {
                sqlx::query_as(&sql(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
                     WHERE t.id = $1 AND u.org_id = $2 AND ($3 OR t.user_id = $4)")))
                    .bind(id)
                    .bind(&viewer.org_id)
                    .bind(admin)
                    .bind(&viewer.user_id)
                    .fetch_optional(p)
                    .await?
            });
            row.map(ApiToken::try_from)
                .transpose()?
                .ok_or_else(|| StoreError::NotFound(format!("no token {id:?}")))
        };
        find().await?;
        self.revoke_token(id, &viewer.actor()).await?;
        find().await
    }
}

/// Checks run against both databases (called from `lib.rs` tests).
#[cfg(test)]
pub(crate) async fn exercise(store: &Store) {
    use crate::{Competence, NewOrganisation, NewUser, OrgKind, Organisation};

    let cli = Actor {
        id: "cli:test".into(),
        org_id: None,
    };
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let org = |name: &str| NewOrganisation {
        kind: OrgKind::Authority,
        name: format!("{name} {tag}"),
        country: Some("MX".into()),
        competences: vec![Competence::Licensing],
    };
    let mx: Organisation = store
        .create_organisation(&org("accounts MX"), &cli)
        .await
        .expect("org");
    let other: Organisation = store
        .create_organisation(&org("accounts other"), &cli)
        .await
        .expect("org");
    let user = |org: &Organisation, who: &str, role: Role| NewUser {
        org_id: org.id.clone(),
        email: format!("{who}.{tag}@example.org"),
        password: "correct horse battery".into(),
        role,
    };
    let admin = store
        .create_user(&user(&mx, "admin", Role::Admin), &cli)
        .await
        .expect("admin");
    let officer = store
        .create_user(&user(&mx, "officer", Role::Officer), &cli)
        .await
        .expect("officer");
    let stranger = store
        .create_user(&user(&other, "stranger", Role::Admin), &cli)
        .await
        .expect("stranger");
    let va = Viewer::new(&admin, &mx);
    let vo = Viewer::new(&officer, &mx);
    let vs = Viewer::new(&stranger, &other);
    let start = store
        .audit_log(0, 100_000)
        .await
        .expect("audit")
        .last()
        .map_or(0, |e| e.seq);

    // Sessions: the secret is random, stored hashed; revoked sessions and disabled users end.
    let SignIn::Started {
        user: u,
        session,
        secret,
    } = store
        .sign_in(
            &officer.email.to_uppercase(),
            "correct horse battery",
            Some("192.0.2.1"),
        )
        .await
        .expect("sign in")
    else {
        panic!("sign-in refused");
    };
    assert_eq!(u.id, officer.id);
    assert_eq!(secret.len(), 64);
    assert_eq!(session_csrf_token(&secret).len(), 64);
    assert_ne!(session_csrf_token(&secret), secret_hash(&secret));
    let (who, s) = store
        .session_user(&secret)
        .await
        .expect("lookup")
        .expect("valid");
    assert_eq!(
        (who.id.as_str(), s.id.as_str()),
        (officer.id.as_str(), session.id.as_str())
    );
    assert!(s.idle_expires_at <= s.expires_at);
    assert_eq!(store.session_user("00").await.expect("lookup"), None);
    let stored: Vec<(String,)> = match store {
        Store::Sqlite(p) => sqlx::query_as("SELECT secret_hash FROM sessions WHERE id = ?1")
            .bind(&session.id)
            .fetch_all(p)
            .await
            .expect("row"),
        Store::Postgres(p) => sqlx::query_as("SELECT secret_hash FROM sessions WHERE id = $1")
            .bind(&session.id)
            .fetch_all(p)
            .await
            .expect("row"),
    };
    assert_ne!(stored[0].0, secret);
    store
        .end_session(&session.id, &vo.actor())
        .await
        .expect("sign out");
    store
        .end_session(&session.id, &vo.actor())
        .await
        .expect("twice");
    assert_eq!(store.session_user(&secret).await.expect("lookup"), None);
    // Idle sessions end.
    let SignIn::Started {
        secret: idle,
        session: idle_s,
        ..
    } = store
        .sign_in(&officer.email, "correct horse battery", None)
        .await
        .expect("sign in")
    else {
        panic!("refused");
    };
    let long_ago = now() - Duration::seconds(SESSION_IDLE_SECS + 1);
    match store {
        Store::Sqlite(p) => sqlx::query("UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2")
            .bind(long_ago)
            .bind(&idle_s.id)
            .execute(p)
            .await
            .map(|_| ()),
        Store::Postgres(p) => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(long_ago)
            .bind(&idle_s.id)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .expect("age");
    assert_eq!(
        store.session_user(&idle).await.expect("lookup"),
        None,
        "idle"
    );

    // Throttling: five failures, then refused unchecked (even with the right password), for known and
    // unknown e-mails alike; a success clears the count.
    for _ in 0..MAX_FAILURES_PER_EMAIL {
        assert!(matches!(
            store
                .sign_in(&admin.email, "wrong password!!", None)
                .await
                .expect("try"),
            SignIn::Refused
        ));
    }
    match store
        .sign_in(&admin.email.to_uppercase(), "correct horse battery", None)
        .await
        .expect("try")
    {
        SignIn::Throttled { retry_after_secs } => {
            assert!((LOGIN_WINDOW_SECS - 120..=LOGIN_WINDOW_SECS).contains(&retry_after_secs))
        }
        other => panic!("expected throttled, got {other:?}"),
    }
    let ghost = format!("ghost.{tag}@example.org");
    for _ in 0..MAX_FAILURES_PER_EMAIL {
        assert!(matches!(
            store
                .sign_in(&ghost, "whatever password", None)
                .await
                .expect("try"),
            SignIn::Refused
        ));
    }
    assert!(matches!(
        store
            .sign_in(&ghost, "whatever password", None)
            .await
            .expect("try"),
        SignIn::Throttled { .. }
    ));
    // The window passes: move the failures back in time.
    let old = now() - Duration::seconds(LOGIN_WINDOW_SECS + 1);
    let key = personal_hash(&admin.email);
    match store {
        Store::Sqlite(p) => sqlx::query("UPDATE login_attempts SET at = ?1 WHERE email_hash = ?2")
            .bind(old)
            .bind(&key)
            .execute(p)
            .await
            .map(|_| ()),
        Store::Postgres(p) => {
            sqlx::query("UPDATE login_attempts SET at = $1 WHERE email_hash = $2")
                .bind(old)
                .bind(&key)
                .execute(p)
                .await
                .map(|_| ())
        }
    }
    .expect("age");
    assert!(matches!(
        store
            .sign_in(&admin.email, "correct horse battery", None)
            .await
            .expect("try"),
        SignIn::Started { .. }
    ));
    // Per client address: past the limit every e-mail from it is refused.
    let client = format!("client-{tag}");
    let ckey = personal_hash(&client);
    for i in 0..MAX_FAILURES_PER_CLIENT {
        let at = now() - Duration::seconds(i);
        match store {
            Store::Sqlite(p) => sqlx::query(
                "INSERT INTO login_attempts (id, email_hash, ip_hash, at) VALUES (?1, ?2, ?3, ?4)",
            )
            .bind(new_id("att"))
            .bind(format!("x{i}"))
            .bind(&ckey)
            .bind(at)
            .execute(p)
            .await
            .map(|_| ()),
            Store::Postgres(p) => sqlx::query(
                "INSERT INTO login_attempts (id, email_hash, ip_hash, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(new_id("att"))
            .bind(format!("x{i}"))
            .bind(&ckey)
            .bind(at)
            .execute(p)
            .await
            .map(|_| ()),
        }
        .expect("insert");
    }
    assert!(matches!(
        store
            .sign_in(&officer.email, "correct horse battery", Some(&client))
            .await
            .expect("try"),
        SignIn::Throttled { .. }
    ));
    assert!(matches!(
        store
            .sign_in(&officer.email, "correct horse battery", Some("192.0.2.99"))
            .await
            .expect("try"),
        SignIn::Started { .. }
    ));

    // Invitations: admins only; one use; expired and withdrawn ones refused.
    assert!(matches!(
        store.invite("new@example.org", Role::Officer, &vo).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.invite(&officer.email, Role::Officer, &va).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store.invite("not an address", Role::Officer, &va).await,
        Err(StoreError::Invalid { field, .. }) if field == "email"
    ));
    let invited = format!("Invited.{tag}@Example.org");
    let (inv, token) = store
        .invite(&invited, Role::Reviewer, &va)
        .await
        .expect("invite");
    assert!(token.starts_with("pwi_") && token.len() == 68);
    assert_eq!(inv.status, "pending");
    assert_eq!(inv.email, invited.to_lowercase());
    assert!(matches!(
        store.accept_invitation(&token, "short").await,
        Err(StoreError::Invalid { field, .. }) if field == "password"
    ));
    let Accepted::Created(newbie) = store
        .accept_invitation(&token, "a long enough password")
        .await
        .expect("accept")
    else {
        panic!("not accepted");
    };
    assert_eq!(
        (newbie.org_id.as_str(), newbie.role),
        (mx.id.as_str(), Role::Reviewer)
    );
    assert_eq!(
        store
            .accept_invitation(&token, "a long enough password")
            .await
            .expect("again"),
        Accepted::Used
    );
    assert_eq!(
        store
            .accept_invitation("pwi_nothing", "a long enough password")
            .await
            .expect("unknown"),
        Accepted::Unknown
    );
    assert!(matches!(
        store.authenticate(&invited, "a long enough password").await.expect("auth"),
        Some(u) if u.id == newbie.id
    ));
    let (late, late_token) = store
        .invite(&format!("late.{tag}@example.org"), Role::Officer, &va)
        .await
        .expect("invite");
    match store {
        Store::Sqlite(p) => sqlx::query("UPDATE invitations SET expires_at = ?1 WHERE id = ?2")
            .bind(now() - Duration::seconds(1))
            .bind(&late.id)
            .execute(p)
            .await
            .map(|_| ()),
        Store::Postgres(p) => sqlx::query("UPDATE invitations SET expires_at = $1 WHERE id = $2")
            .bind(now() - Duration::seconds(1))
            .bind(&late.id)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .expect("expire");
    assert_eq!(
        store
            .accept_invitation(&late_token, "a long enough password")
            .await
            .expect("late"),
        Accepted::Expired
    );
    let (gone, gone_token) = store
        .invite(&format!("gone.{tag}@example.org"), Role::Officer, &va)
        .await
        .expect("invite");
    assert!(matches!(
        store.revoke_invitation(&gone.id, &vs).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store
            .revoke_invitation(&gone.id, &va)
            .await
            .expect("revoke")
            .status,
        "revoked"
    );
    assert!(matches!(
        store.revoke_invitation(&gone.id, &va).await,
        Err(StoreError::Transition { .. })
    ));
    assert_eq!(
        store
            .accept_invitation(&gone_token, "a long enough password")
            .await
            .expect("gone"),
        Accepted::Revoked
    );
    let listed = store.invitations(&va).await.expect("list");
    assert_eq!(listed.len(), 3);
    assert!(store.invitations(&vs).await.expect("list").is_empty());

    // Users: members list, admins disable (not themselves), other organisations' users are not found.
    assert_eq!(store.org_users(&vo).await.expect("users").len(), 3);
    assert!(matches!(
        store.set_user_disabled(&officer.id, true, &vo).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.set_user_disabled(&admin.id, true, &va).await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store.set_user_disabled(&officer.id, true, &vs).await,
        Err(StoreError::NotFound(_))
    ));
    let SignIn::Started { secret: live, .. } = store
        .sign_in(&officer.email, "correct horse battery", None)
        .await
        .expect("sign in")
    else {
        panic!("refused");
    };
    assert!(
        store
            .set_user_disabled(&officer.id, true, &va)
            .await
            .expect("disable")
            .disabled
    );
    assert_eq!(
        store.session_user(&live).await.expect("lookup"),
        None,
        "sessions end"
    );
    assert!(matches!(
        store
            .sign_in(&officer.email, "correct horse battery", None)
            .await
            .expect("try"),
        SignIn::Refused
    ));
    assert!(
        !store
            .set_user_disabled(&officer.id, false, &va)
            .await
            .expect("enable")
            .disabled
    );

    // Tokens: own, within the role and the credential; admins revoke the organisation's.
    let all = role_scopes(Role::Officer);
    assert!(matches!(
        store
            .create_own_token("x", &[Scope::Admin], None, &all, &vo)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store
            .create_own_token("x", &[Scope::Licences], None, &[Scope::Read], &vo)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.create_own_token("x", &[Scope::Read], Some(Utc::now() - Duration::hours(1)), &all, &vo).await,
        Err(StoreError::Invalid { field, .. }) if field == "expires_at"
    ));
    let (tok, tok_secret) = store
        .create_own_token("ci", &[Scope::Read, Scope::Licences], None, &all, &vo)
        .await
        .expect("token");
    assert_eq!(tok.user_id, officer.id);
    assert_eq!(store.tokens_of(&vo, false).await.expect("own").len(), 1);
    assert!(store.tokens_of(&va, false).await.expect("own").is_empty());
    assert!(matches!(
        store.tokens_of(&vo, true).await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(store.tokens_of(&va, true).await.expect("org").len(), 1);
    assert!(store.tokens_of(&vs, true).await.expect("other").is_empty());
    assert!(matches!(
        store.revoke_token_of(&tok.id, true, &vs).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.revoke_token_of(&tok.id, false, &va).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        store
            .revoke_token_of(&tok.id, true, &va)
            .await
            .expect("revoke")
            .revoked_at
            .is_some()
    );
    assert_eq!(store.token_user(&tok_secret).await.expect("lookup"), None);

    // Everything above is in the audit log, with e-mails, addresses and secrets only hashed or absent.
    let log = store.audit_log(start, 10_000).await.expect("audit");
    for (action, entity) in [
        ("create", "session"),
        ("revoke", "session"),
        ("fail", "sign_in"),
        ("lock", "sign_in"),
        ("create", "invitation"),
        ("accept", "invitation"),
        ("revoke", "invitation"),
        ("disable", "user"),
        ("enable", "user"),
        ("create", "api_token"),
        ("revoke", "api_token"),
    ] {
        assert!(
            log.iter().any(|e| e.action == action && e.entity == entity),
            "no {action} {entity} in {log:?}"
        );
    }
    for e in &log {
        for secret in [
            &secret,
            &token,
            &tok_secret,
            &officer.email,
            &ghost,
            &invited.to_lowercase(),
        ] {
            assert!(!e.detail.contains(secret.as_str()), "{e:?}");
        }
        assert!(!e.detail.contains("192.0.2.1"), "{e:?}");
    }
    assert!(
        log.iter()
            .any(|e| e.action == "fail" && e.detail.contains(&personal_hash(&ghost)))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_scopes_and_constant_time_compare() {
        assert_eq!(
            role_scopes(Role::ReadOnly),
            vec![Scope::Read, Scope::Screen]
        );
        assert_eq!(
            role_scopes(Role::Reviewer),
            vec![Scope::Read, Scope::Screen]
        );
        assert!(!role_scopes(Role::Officer).contains(&Scope::Admin));
        assert!(role_scopes(Role::Officer).contains(&Scope::Incidents));
        assert_eq!(role_scopes(Role::Admin).len(), Scope::all().len());
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert_eq!(session_csrf_token("s"), session_csrf_token(" s "));
        assert_ne!(session_csrf_token("s"), session_csrf_token("t"));
    }
}
