//! Organisations, users and the audit log.
//!
//! Every mutation writes its audit row in the same transaction as the change, so there is no change without
//! its record and no record of a change that did not happen. Audit rows carry what was created, with personal
//! data (e-mail addresses) only as SHA-256 hashes; the database refuses to update or delete them (triggers
//! in the migrations). Passwords are stored as argon2id PHC strings and never leave this module.

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::Digest;

use crate::{Store, StoreError};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A national competent authority.
    Authority,
    /// An exporter, importer or distributor.
    Company,
    /// An online marketplace or payment firm.
    Marketplace,
    /// An INCB-like observer.
    Observer,
}

/// What a national authority is competent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Competence {
    /// Export and import licences.
    Licensing,
    /// Pre-export notifications.
    Pen,
    /// Customs.
    Customs,
    /// Police.
    Police,
}

/// A user's role within their organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages the organisation's users.
    Admin,
    /// Acts on the organisation's behalf.
    Officer,
    /// Reviews and comments.
    Reviewer,
    /// Reads only.
    ReadOnly,
}

macro_rules! names {
    ($t:ty { $($v:ident = $s:literal),* $(,)? }) => {
        impl $t {
            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            /// Parse a stored or typed name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)* _ => None }
            }
            /// All names, for messages.
            pub fn all() -> &'static [&'static str] {
                &[$($s),*]
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
names!(OrgKind { Authority = "authority", Company = "company", Marketplace = "marketplace", Observer = "observer" });
names!(Competence { Licensing = "licensing", Pen = "pen", Customs = "customs", Police = "police" });
names!(Role { Admin = "admin", Officer = "officer", Reviewer = "reviewer", ReadOnly = "read_only" });

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read the organisation's records and what is addressed to it.
    Read,
    /// Screen texts and classify structures.
    Screen,
    /// Licence applications and decisions.
    Licences,
    /// Pre-export notifications and replies.
    Notifications,
    /// Incidents.
    Incidents,
    /// Manage the organisation's users and tokens.
    Admin,
}
names!(Scope { Read = "read", Screen = "screen", Licences = "licences", Notifications = "notifications", Incidents = "incidents", Admin = "admin" });

/// An API token (never with its secret or hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    /// Identifier (`tok_…`).
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// A name to recognise it by.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
    /// Revocation time, if revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn token_hash(secret: &str) -> String {
    let d = sha2::Sha256::digest(secret.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who did something (recorded in the audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// A user id, or `cli:<name>` for the bootstrap commands.
    pub id: String,
    /// The actor's organisation, when there is one.
    pub org_id: Option<String>,
}

/// A new organisation.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    /// Kind.
    pub kind: OrgKind,
    /// Name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country (required for an authority).
    pub country: Option<String>,
    /// Competences (authorities).
    pub competences: Vec<Competence>,
}

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    /// Identifier (`org_…`).
    pub id: String,
    /// Kind.
    pub kind: OrgKind,
    /// Name.
    pub name: String,
    /// Country.
    pub country: Option<String>,
    /// Competences.
    pub competences: Vec<Competence>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A new user.
#[derive(Clone)]
pub struct NewUser {
    /// Organisation.
    pub org_id: String,
    /// E-mail address (the login).
    pub email: String,
    /// Password, in clear only here; stored as an argon2id hash.
    pub password: String,
    /// Role.
    pub role: Role,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("org_id", &self.org_id)
            .field("email", &self.email)
            .field("password", &"***")
            .field("role", &self.role)
            .finish()
    }
}

/// A user (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    /// Identifier (`usr_…`).
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// E-mail address.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// One audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Sequence number (increasing, gap-free within one database).
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// The actor's organisation.
    pub org_id: Option<String>,
    /// `create`, …
    pub action: String,
    /// `organisation`, `user`, …
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// The record as created (JSON; personal data hashed).
    pub detail: String,
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        field: field.to_string(),
        message: message.into(),
    }
}

/// Now, to the microsecond (what PostgreSQL keeps), so a record reads back equal to what was written.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// SHA-256 of a personal datum, for the audit log.
pub fn personal_hash(value: &str) -> String {
    let d = sha2::Sha256::digest(value.trim().to_lowercase().as_bytes());
    format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Hash a password with argon2id (the crate's default parameters: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Internal(format!("hashing a password: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// An argon2id hash of no one's password, verified when the e-mail is unknown so that a failed sign-in takes
/// as long whether or not the account exists.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("no one's password, only for timing").unwrap_or_default())
}

fn check_new_org(o: &NewOrganisation) -> Result<(), StoreError> {
    if o.name.trim().is_empty() {
        return Err(invalid("name", "the name is empty"));
    }
    if o.name.chars().count() > 200 {
        return Err(invalid("name", "longer than 200 characters"));
    }
    match &o.country {
        Some(c) if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_uppercase()) => {
            return Err(invalid(
                "country",
                format!("{c:?} is not an ISO 3166-1 alpha-2 code (two capital letters)"),
            ));
        }
        None if o.kind == OrgKind::Authority => {
            return Err(invalid("country", "a national authority needs its country"));
        }
        _ => {}
    }
    if o.kind != OrgKind::Authority && !o.competences.is_empty() {
        return Err(invalid(
            "competences",
            "only national authorities have competences",
        ));
    }
    Ok(())
}

fn check_new_user(u: &NewUser) -> Result<String, StoreError> {
    let email = u.email.trim().to_lowercase();
    let Some((local, domain)) = email.split_once('@') else {
        return Err(invalid("email", "not an e-mail address (no @)"));
    };
    if local.is_empty() || !domain.contains('.') || email.chars().any(char::is_whitespace) {
        return Err(invalid(
            "email",
            format!("{email:?} is not an e-mail address"),
        ));
    }
    if u.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(invalid(
            "password",
            format!("shorter than {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(email)
}

type OrgRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    DateTime<Utc>,
);
type UserRow = (String, String, String, String, bool, DateTime<Utc>);
type LoginRow = (String, String, String, String, bool, DateTime<Utc>, String);
type TokenRow = (
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);
type AuditRow = (
    i64,
    DateTime<Utc>,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
);

fn org_from(r: OrgRow) -> Result<Organisation, StoreError> {
    let kind = OrgKind::parse(&r.1)
        .ok_or_else(|| StoreError::Internal(format!("stored organisation kind {:?}", r.1)))?;
    let competences =
        r.4.split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                Competence::parse(s)
                    .ok_or_else(|| StoreError::Internal(format!("stored competence {s:?}")))
            })
            .collect::<Result<_, _>>()?;
    Ok(Organisation {
        id: r.0,
        kind,
        name: r.2,
        country: r.3,
        competences,
        created_at: r.5,
    })
}

fn token_from(r: TokenRow) -> Result<ApiToken, StoreError> {
    let scopes = r
        .3
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Scope::parse(s).ok_or_else(|| StoreError::Internal(format!("stored scope {s:?}"))))
        .collect::<Result<_, _>>()?;
    Ok(ApiToken {
        id: r.0,
        user_id: r.1,
        name: r.2,
        scopes,
        created_at: r.4,
        expires_at: r.5,
        revoked_at: r.6,
    })
}

fn user_from(r: UserRow) -> Result<User, StoreError> {
    Ok(User {
        id: r.0,
        org_id: r.1,
        email: r.2,
        role: Role::parse(&r.3)
            .ok_or_else(|| StoreError::Internal(format!("stored role {:?}", r.3)))?,
        disabled: r.4,
        created_at: r.5,
    })
}

use crate::AUDIT_INSERT;

impl Store {
    /// Create an organisation (audited).
    pub async fn create_organisation(
        &self,
        new: &NewOrganisation,
        actor: &Actor,
    ) -> Result<Organisation, StoreError> {
        check_new_org(new)?;
        let org = Organisation {
            id: new_id("org"),
            kind: new.kind,
            name: new.name.trim().to_string(),
            country: new.country.clone(),
            competences: new.competences.clone(),
            created_at: now(),
        };
        let competences = org
            .competences
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let detail =
            serde_json::to_string(&org).map_err(|e| StoreError::Internal(e.to_string()))?;
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            sqlx::query(&sql("INSERT INTO organisations (id, kind, name, country, competences, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)"))
                .bind(&org.id)
                .bind(org.kind.as_str())
                .bind(&org.name)
                .bind(&org.country)
                .bind(&competences)
                .bind(org.created_at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&sql(AUDIT_INSERT))
                .bind(org.created_at)
                .bind(&actor.id)
                .bind(&actor.org_id)
                .bind("create")
                .bind("organisation")
                .bind(&org.id)
                .bind(&detail)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(org)
    }

    /// One organisation.
    pub async fn organisation(&self, id: &str) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT id, kind, name, country, competences, created_at
                 FROM organisations WHERE id = $1"))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.map(org_from).transpose()
    }

    /// Every organisation, by name.
    pub async fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        let rows: Vec<OrgRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT id, kind, name, country, competences, created_at
                 FROM organisations ORDER BY name, id"))
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(org_from).collect()
    }

    /// Create a user in an existing organisation (audited; the e-mail only as a hash in the audit log).
    pub async fn create_user(&self, new: &NewUser, actor: &Actor) -> Result<User, StoreError> {
        let email = check_new_user(new)?;
        if self.organisation(&new.org_id).await?.is_none() {
            return Err(invalid(
                "org_id",
                format!("no organisation {:?}", new.org_id),
            ));
        }
        let user = User {
            id: new_id("usr"),
            org_id: new.org_id.clone(),
            email,
            role: new.role,
            disabled: false,
            created_at: now(),
        };
        let hash = hash_password(&new.password)?;
        let detail = serde_json::json!({
            "id": user.id,
            "org_id": user.org_id,
            "email": personal_hash(&user.email),
            "role": user.role,
        })
        .to_string();
        let result: Result<(), StoreError> = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let inserted = sqlx::query(&sql("INSERT INTO users (id, org_id, email, password_hash, role, disabled, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"))
                .bind(&user.id)
                .bind(&user.org_id)
                .bind(&user.email)
                .bind(&hash)
                .bind(user.role.as_str())
                .bind(false)
                .bind(user.created_at)
                .execute(&mut *tx)
                .await;
            match inserted {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict {
                    field: "email".into(),
                    message: format!("a user with the e-mail {:?} exists", user.email),
                }),
                Err(e) => Err(e.into()),
                Ok(_) => {
                    sqlx::query(&sql(AUDIT_INSERT))
                        .bind(user.created_at)
                        .bind(&actor.id)
                        .bind(&actor.org_id)
                        .bind("create")
                        .bind("user")
                        .bind(&user.id)
                        .bind(&detail)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        });
        result?;
        Ok(user)
    }

    /// The user with this e-mail and password, if the password is right and the user is not disabled.
    /// Takes the same time whether the e-mail exists or not (a dummy hash is verified otherwise).
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        let email = email.trim().to_lowercase();
        let row: Option<LoginRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT id, org_id, email, role, disabled, created_at, password_hash
                 FROM users WHERE email = $1"))
                .bind(&email)
                .fetch_optional(p)
                .await?
        });
        let Some(r) = row else {
            let _ = verify_password(password, dummy_hash());
            return Ok(None);
        };
        let ok = verify_password(password, &r.6);
        let user = user_from((r.0, r.1, r.2, r.3, r.4, r.5))?;
        Ok((ok && !user.disabled).then_some(user))
    }

    /// Users of one organisation.
    pub async fn users_of(&self, org_id: &str) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT id, org_id, email, role, disabled, created_at
                 FROM users WHERE org_id = $1 ORDER BY email"))
                .bind(org_id)
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(user_from).collect()
    }

    /// Create an API token for a user; returns the token and its secret, which is shown this once and
    /// stored only as a hash.
    pub async fn create_token(
        &self,
        user_id: &str,
        name: &str,
        scopes: &[Scope],
        expires_at: Option<DateTime<Utc>>,
        actor: &Actor,
    ) -> Result<(ApiToken, String), StoreError> {
        if name.trim().is_empty() {
            return Err(invalid("name", "the token needs a name"));
        }
        if scopes.is_empty() {
            return Err(invalid(
                "scopes",
                format!("give at least one of {}", Scope::all().join(", ")),
            ));
        }
        let exists: Option<(String,)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT id FROM users WHERE id = $1"))
                .bind(user_id)
                .fetch_optional(p)
                .await?
        });
        if exists.is_none() {
            return Err(invalid("user_id", format!("no user {user_id:?}")));
        }
        let mut raw = [0u8; 32];
        argon2::password_hash::rand_core::RngCore::fill_bytes(
            &mut argon2::password_hash::rand_core::OsRng,
            &mut raw,
        );
        let secret = format!(
            "pwt_{}",
            raw.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let mut scopes = scopes.to_vec();
        scopes.sort_by_key(|s| s.as_str());
        scopes.dedup();
        let token = ApiToken {
            id: new_id("tok"),
            user_id: user_id.to_string(),
            name: name.trim().to_string(),
            scopes,
            created_at: now(),
            expires_at: expires_at.map(|t| t.trunc_subsecs(6)),
            revoked_at: None,
        };
        let scope_list = token
            .scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let detail =
            serde_json::to_string(&token).map_err(|e| StoreError::Internal(e.to_string()))?;
        let hash = token_hash(&secret);
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            sqlx::query(&sql("INSERT INTO api_tokens (id, user_id, name, scopes, token_hash, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"))
                .bind(&token.id)
                .bind(&token.user_id)
                .bind(&token.name)
                .bind(&scope_list)
                .bind(&hash)
                .bind(token.created_at)
                .bind(token.expires_at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&sql(AUDIT_INSERT))
                .bind(token.created_at)
                .bind(&actor.id)
                .bind(&actor.org_id)
                .bind("create")
                .bind("api_token")
                .bind(&token.id)
                .bind(&detail)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok((token, secret))
    }

    /// The user and token behind a secret, if it is known, not revoked, not expired and its user is not
    /// disabled.
    pub async fn token_user(&self, secret: &str) -> Result<Option<(User, ApiToken)>, StoreError> {
        let hash = token_hash(secret.trim());
        let row: Option<TokenRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT id, user_id, name, scopes, created_at, expires_at, revoked_at
                 FROM api_tokens WHERE token_hash = $1"))
                .bind(&hash)
                .fetch_optional(p)
                .await?
        });
        let Some(token) = row.map(token_from).transpose()? else {
            return Ok(None);
        };
        if token.revoked_at.is_some() || token.expires_at.is_some_and(|t| t <= Utc::now()) {
            return Ok(None);
        }
        let user: Option<UserRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT id, org_id, email, role, disabled, created_at FROM users WHERE id = $1"))
                .bind(&token.user_id)
                .fetch_optional(p)
                .await?
        });
        let Some(user) = user.map(user_from).transpose()? else {
            return Ok(None);
        };
        Ok((!user.disabled).then_some((user, token)))
    }

    /// Revoke a token (audited). Revoking twice is not an error; an unknown id is.
    pub async fn revoke_token(&self, id: &str, actor: &Actor) -> Result<(), StoreError> {
        let at = now();
        let result: Result<(), StoreError> = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let done = sqlx::query(&sql("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL"))
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                let known: Option<(String,)> = sqlx::query_as(&sql("SELECT id FROM api_tokens WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if known.is_none() {
                    Err(invalid("id", format!("no token {id:?}")))
                } else {
                    Ok(())
                }
            } else {
                sqlx::query(&sql(AUDIT_INSERT))
                    .bind(at)
                    .bind(&actor.id)
                    .bind(&actor.org_id)
                    .bind("revoke")
                    .bind("api_token")
                    .bind(id)
                    .bind("{}")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        });
        result
    }

    /// Audit rows after `after_seq`, oldest first, at most `limit`.
    pub async fn audit_log(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT seq, at, actor, org_id, action, entity, entity_id, detail
                 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"))
                .bind(after_seq)
                .bind(limit.clamp(0, 10_000))
                .fetch_all(p)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                seq: r.0,
                at: r.1,
                actor: r.2,
                org_id: r.3,
                action: r.4,
                entity: r.5,
                entity_id: r.6,
                detail: r.7,
            })
            .collect())
    }
}

/// Filters of an organisation's audit log ([`Store::org_audit`]).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Kind of record (`notification`, `licence`, `incident`, `entity`, `user`, …).
    pub entity: Option<String>,
    /// Rows written at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Rows written before this time.
    pub until: Option<DateTime<Utc>>,
}

/// An audit row of the viewer's organisation, with its leaf in the transparency log once logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgAuditEntry {
    /// The row.
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// Its leaf index, `None` until the drainer has appended it.
    pub leaf_index: Option<u64>,
}

type OrgAuditRow = (
    i64,
    DateTime<Utc>,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<i64>,
);

impl Store {
    /// The audit rows written by the viewer's own organisation (its users' actions), newest first, with
    /// their leaf index. Only national authorities read their audit log here; no other organisation's row
    /// is ever selected (the query filters on the viewer's organisation).
    pub async fn org_audit(
        &self,
        viewer: &crate::Viewer,
        filter: &AuditFilter,
        page: crate::Page,
    ) -> Result<crate::Listing<OrgAuditEntry>, StoreError> {
        use crate::access::{Arg, Where, bind_where};
        viewer.require_kind(OrgKind::Authority, None)?;
        let entity = filter
            .entity
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        if let Some(e) = entity
            && (e.len() > 40 || !e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        {
            return Err(invalid(
                "entity",
                format!("{e:?} is not a kind of record (lower-case letters and _)"),
            ));
        }
        if let (Some(f), Some(u)) = (filter.from, filter.until)
            && u < f
        {
            return Err(invalid("until", "is before from"));
        }
        let mut w = Where::default();
        w.and(
            |p| format!("a.org_id = {p}"),
            Arg::Text(viewer.org_id.clone()),
        );
        if let Some(e) = entity {
            w.and(|p| format!("a.entity = {p}"), Arg::Text(e.to_string()));
        }
        if let Some(f) = filter.from {
            w.and(|p| format!("a.at >= {p}"), Arg::Time(f));
        }
        if let Some(u) = filter.until {
            w.and(|p| format!("a.at < {p}"), Arg::Time(u));
        }
        let cond = w.sql();
        let (lim, off) = (w.next(), w.next() + 1);
        let (total, rows): (i64, Vec<OrgAuditRow>) = on_db!(self, p, sql => {
            let count_sql = sql(&format!("SELECT COUNT(*) FROM audit_log a WHERE {cond}"));
            let page_sql = sql(&format!(
                "SELECT a.seq, a.at, a.actor, a.org_id, a.action, a.entity, a.entity_id, a.detail, l.leaf_index
                 FROM audit_log a LEFT JOIN ledger_leaves l ON l.audit_seq = a.seq
                 WHERE {cond} ORDER BY a.seq DESC LIMIT ${lim} OFFSET ${off}"
            ));
            let total: (i64,) = bind_where!(sqlx::query_as(&count_sql), w).fetch_one(p).await?;
            let rows = bind_where!(sqlx::query_as(&page_sql), w)
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(p)
                .await?;
            (total.0, rows)
        });
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(OrgAuditEntry {
                    leaf_index: r
                        .8
                        .map(|i| {
                            u64::try_from(i).map_err(|_| {
                                StoreError::Internal(format!("negative stored leaf index {i}"))
                            })
                        })
                        .transpose()?,
                    entry: AuditEntry {
                        seq: r.0,
                        at: r.1,
                        actor: r.2,
                        org_id: r.3,
                        action: r.4,
                        entity: r.5,
                        entity_id: r.6,
                        detail: r.7,
                    },
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(crate::Listing {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }
}

/// Checks run against both databases (called from the SQLite and PostgreSQL tests in `lib.rs`).
#[cfg(test)]
pub(crate) async fn exercise(store: &Store) {
    let cli = Actor {
        id: "cli:test".into(),
        org_id: None,
    };
    let start = store
        .audit_log(0, 10_000)
        .await
        .expect("audit")
        .last()
        .map_or(0, |e| e.seq);
    let mx = store
        .create_organisation(
            &NewOrganisation {
                kind: OrgKind::Authority,
                name: "COFEPRIS (test)".into(),
                country: Some("MX".into()),
                competences: vec![Competence::Licensing, Competence::Pen],
            },
            &cli,
        )
        .await
        .expect("create authority");
    assert_eq!(
        store.organisation(&mx.id).await.expect("read"),
        Some(mx.clone())
    );
    // Bad input names the field.
    for (bad, field) in [
        (
            NewOrganisation {
                kind: OrgKind::Authority,
                name: "no country".into(),
                country: None,
                competences: vec![],
            },
            "country",
        ),
        (
            NewOrganisation {
                kind: OrgKind::Company,
                name: "x".into(),
                country: Some("mex".into()),
                competences: vec![],
            },
            "country",
        ),
        (
            NewOrganisation {
                kind: OrgKind::Company,
                name: " ".into(),
                country: None,
                competences: vec![],
            },
            "name",
        ),
    ] {
        match store.create_organisation(&bad, &cli).await {
            Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected invalid {field}, got {other:?}"),
        }
    }
    let email = format!("officer.{}@cofepris.example", uuid::Uuid::new_v4().simple());
    let new = NewUser {
        org_id: mx.id.clone(),
        email: email.to_uppercase(),
        password: "correct horse battery".into(),
        role: Role::Officer,
    };
    let user = store.create_user(&new, &cli).await.expect("create user");
    assert_eq!(user.email, email, "e-mail stored in lower case");
    assert!(matches!(
        store.create_user(&new, &cli).await,
        Err(StoreError::Conflict { .. })
    ));
    let short = NewUser {
        password: "short".into(),
        email: format!("x{email}"),
        ..new.clone()
    };
    assert!(matches!(
        store.create_user(&short, &cli).await,
        Err(StoreError::Invalid { field, .. }) if field == "password"
    ));
    let nowhere = NewUser {
        org_id: "org_missing".into(),
        email: format!("y{email}"),
        ..new.clone()
    };
    assert!(matches!(
        store.create_user(&nowhere, &cli).await,
        Err(StoreError::Invalid { field, .. }) if field == "org_id"
    ));
    assert_eq!(
        store
            .authenticate(&email, "correct horse battery")
            .await
            .expect("auth")
            .map(|u| u.id),
        Some(user.id.clone())
    );
    assert_eq!(
        store
            .authenticate(&email, "wrong password!!")
            .await
            .expect("auth"),
        None
    );
    assert_eq!(
        store
            .authenticate("nobody@example.org", "correct horse battery")
            .await
            .expect("auth"),
        None
    );
    assert_eq!(store.users_of(&mx.id).await.expect("users").len(), 1);
    // API tokens: shown once, stored hashed, scoped, revocable, expiring.
    let (token, secret) = store
        .create_token(
            &user.id,
            "ci",
            &[Scope::Screen, Scope::Read, Scope::Read],
            None,
            &cli,
        )
        .await
        .expect("token");
    assert!(secret.starts_with("pwt_") && secret.len() == 68, "{secret}");
    assert_eq!(token.scopes, vec![Scope::Read, Scope::Screen]);
    let (who, t) = store
        .token_user(&secret)
        .await
        .expect("lookup")
        .expect("valid");
    assert_eq!(
        (who.id.as_str(), t.id.as_str()),
        (user.id.as_str(), token.id.as_str())
    );
    assert_eq!(store.token_user("pwt_00").await.expect("lookup"), None);
    let stored: Vec<(String,)> = match store {
        Store::Sqlite(p) => sqlx::query_as("SELECT token_hash FROM api_tokens WHERE id = ?1")
            .bind(&token.id)
            .fetch_all(p)
            .await
            .expect("row"),
        Store::Postgres(p) => sqlx::query_as("SELECT token_hash FROM api_tokens WHERE id = $1")
            .bind(&token.id)
            .fetch_all(p)
            .await
            .expect("row"),
    };
    assert_ne!(stored[0].0, secret, "the secret is not stored");
    store.revoke_token(&token.id, &cli).await.expect("revoke");
    store
        .revoke_token(&token.id, &cli)
        .await
        .expect("revoke twice");
    assert_eq!(store.token_user(&secret).await.expect("lookup"), None);
    assert!(matches!(
        store.revoke_token("tok_missing", &cli).await,
        Err(StoreError::Invalid { .. })
    ));
    let past = Utc::now() - chrono::Duration::hours(1);
    let (_, old) = store
        .create_token(&user.id, "old", &[Scope::Read], Some(past), &cli)
        .await
        .expect("token");
    assert_eq!(
        store.token_user(&old).await.expect("lookup"),
        None,
        "expired"
    );
    assert!(matches!(
        store.create_token(&user.id, "none", &[], None, &cli).await,
        Err(StoreError::Invalid { field, .. }) if field == "scopes"
    ));

    // The audit log has the creations, in order, with the e-mail only as a hash, and refuses changes.
    let log = store.audit_log(start, 100).await.expect("audit");
    let mine: Vec<&AuditEntry> = log
        .iter()
        .filter(|e| e.entity_id == mx.id || e.entity_id == user.id)
        .collect();
    assert!(
        log.iter()
            .any(|e| e.entity_id == token.id && e.action == "revoke"),
        "{log:?}"
    );
    assert!(
        !log.iter().any(|e| e.detail.contains(&secret)),
        "no secret in the audit log"
    );
    assert_eq!(mine.len(), 2, "{log:?}");
    assert_eq!(
        (mine[0].entity.as_str(), mine[1].entity.as_str()),
        ("organisation", "user")
    );
    assert!(mine[1].seq > mine[0].seq);
    assert!(!mine[1].detail.contains(&email), "{}", mine[1].detail);
    assert!(mine[1].detail.contains(&personal_hash(&email)));
    assert!(
        !mine[1].detail.contains("argon2"),
        "no password hash in the audit log"
    );
    let tamper = match store {
        Store::Sqlite(p) => sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = ?1")
            .bind(mine[0].seq)
            .execute(p)
            .await
            .map(|_| ()),
        Store::Postgres(p) => sqlx::query("DELETE FROM audit_log WHERE seq = $1")
            .bind(mine[0].seq)
            .execute(p)
            .await
            .map(|_| ()),
    };
    assert!(tamper.is_err(), "the audit log must refuse changes");
}

/// [`Store::org_audit`] on both databases: an authority reads its own rows only, filtered by kind and
/// time, newest first, paged, with the leaf index the ledger holds; other kinds of organisation are refused.
#[cfg(test)]
pub(crate) async fn exercise_org_audit(store: &Store) {
    let cli = Actor {
        id: "cli:test".into(),
        org_id: None,
    };
    let mut viewers = Vec::new();
    for (kind, country, competences) in [
        (OrgKind::Authority, "PE", vec![Competence::Pen]),
        (OrgKind::Authority, "CO", vec![Competence::Pen]),
        (OrgKind::Company, "PE", vec![]),
    ] {
        let org = store
            .create_organisation(
                &NewOrganisation {
                    kind,
                    name: format!("audit test {kind} {country}"),
                    country: Some(country.into()),
                    competences,
                },
                &cli,
            )
            .await
            .expect("organisation");
        let user = store
            .create_user(
                &NewUser {
                    org_id: org.id.clone(),
                    email: format!("audit-{}@example.org", org.id),
                    password: "a long enough password".into(),
                    role: Role::Officer,
                },
                &cli,
            )
            .await
            .expect("user");
        viewers.push(crate::Viewer::new(&user, &org));
    }
    let (pe, co, company) = (&viewers[0], &viewers[1], &viewers[2]);
    let before = Utc::now() - chrono::Duration::seconds(1);
    let mut mine = Vec::new();
    for (v, name) in [(pe, "Alfa"), (pe, "Beta"), (co, "Gamma"), (pe, "Delta")] {
        let e = store
            .create_entity(
                &crate::NewEntity {
                    kind: "company".into(),
                    name: format!("{name} Quimica SAC"),
                    country: None,
                    identifiers: vec![],
                },
                v,
            )
            .await
            .expect("entity");
        if v.org_id == pe.org_id {
            mine.push(e.id);
        }
    }
    let all = store
        .org_audit(pe, &AuditFilter::default(), crate::Page::default())
        .await
        .expect("audit");
    assert_eq!(all.total, 3, "{all:#?}");
    assert!(
        all.items
            .iter()
            .all(|r| r.entry.org_id.as_deref() == Some(pe.org_id.as_str()))
    );
    // Newest first.
    let ids: Vec<&str> = all
        .items
        .iter()
        .map(|r| r.entry.entity_id.as_str())
        .collect();
    assert_eq!(
        ids,
        mine.iter().rev().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(
        all.items
            .windows(2)
            .all(|w| w[0].entry.seq > w[1].entry.seq)
    );
    // The leaf index is the ledger's (none yet: nothing drained in this test).
    for r in &all.items {
        let leaf = store
            .ledger_leaf_of_seq(r.entry.seq)
            .await
            .expect("leaf")
            .map(|l| l.index);
        assert_eq!(r.leaf_index, leaf);
    }
    // Paging.
    let p2 = store
        .org_audit(
            pe,
            &AuditFilter::default(),
            crate::Page::new(Some(2), Some(2)).expect("page"),
        )
        .await
        .expect("page 2");
    assert_eq!((p2.total, p2.items.len()), (3, 1));
    assert_eq!(p2.items[0].entry.entity_id, mine[0]);
    // Filters: kind and time.
    let none = store
        .org_audit(
            pe,
            &AuditFilter {
                entity: Some("licence".into()),
                ..AuditFilter::default()
            },
            crate::Page::default(),
        )
        .await
        .expect("by kind");
    assert_eq!(none.total, 0);
    let entities = store
        .org_audit(
            pe,
            &AuditFilter {
                entity: Some("entity".into()),
                from: Some(before),
                until: Some(Utc::now() + chrono::Duration::seconds(1)),
            },
            crate::Page::default(),
        )
        .await
        .expect("by kind and time");
    assert_eq!(entities.total, 3);
    let later = store
        .org_audit(
            pe,
            &AuditFilter {
                from: Some(Utc::now() + chrono::Duration::hours(1)),
                ..AuditFilter::default()
            },
            crate::Page::default(),
        )
        .await
        .expect("later");
    assert_eq!(later.total, 0);
    // The other authority sees its one row; a company is refused; bad filters name the field.
    let theirs = store
        .org_audit(co, &AuditFilter::default(), crate::Page::default())
        .await
        .expect("co");
    assert_eq!(theirs.total, 1);
    assert!(matches!(
        store
            .org_audit(company, &AuditFilter::default(), crate::Page::default())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let bad = store
        .org_audit(
            pe,
            &AuditFilter {
                entity: Some("x' OR 1=1 --".into()),
                ..AuditFilter::default()
            },
            crate::Page::default(),
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid { ref field, .. }) if field == "entity"));
    let bad = store
        .org_audit(
            pe,
            &AuditFilter {
                from: Some(Utc::now()),
                until: Some(Utc::now() - chrono::Duration::days(1)),
                ..AuditFilter::default()
            },
            crate::Page::default(),
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid { ref field, .. }) if field == "until"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(
            format!(
                "{:?}",
                NewUser {
                    org_id: "o".into(),
                    email: "e@x.org".into(),
                    password: "secret-secret".into(),
                    role: Role::Admin,
                }
            )
            .contains("***")
        );
    }

    #[test]
    fn names_round_trip() {
        for k in OrgKind::all() {
            assert_eq!(OrgKind::parse(k).map(OrgKind::as_str), Some(*k));
        }
        for r in Role::all() {
            assert_eq!(Role::parse(r).map(Role::as_str), Some(*r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
