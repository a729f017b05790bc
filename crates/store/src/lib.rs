//! Storage for Precursor Watch.
//!
//! One [`Store`] over two databases: SQLite (the default: a single file, WAL journal, nothing to install)
//! and PostgreSQL (production). Both are migrated on connect from versioned SQL files embedded in the
//! binary (`migrations/sqlite`, `migrations/postgres`). Database URLs are redacted in `Debug` output and
//! errors because they may carry passwords.
//!
//! It records which registry versions an instance has served, and the platform's organisations (national
//! authorities, companies, marketplaces, observers), users (argon2id passwords) and the append-only audit
//! log; notifications and incidents will add their tables behind the same API. The same test suite runs
//! against both databases.

#![forbid(unsafe_code)]

/// Run `$body` on either database: `$p` is the pool, `$sql(pg_sql)` turns `$n` placeholders into SQLite's
/// `?n` (the macro expands the body once per database, so each gets its concrete types).
macro_rules! on_db {
    ($self:expr, $p:ident, $sql:ident => $body:block) => {
        match $self {
            Store::Sqlite($p) => {
                let $sql = |s: &str| s.replace('$', "?");
                $body
            }
            Store::Postgres($p) => {
                let $sql = |s: &str| s.to_string();
                $body
            }
        }
    };
}

/// Append an audit row inside the transaction `$tx` (so the change and its record commit together).
macro_rules! audit {
    ($tx:expr, $sql:ident, $at:expr, $actor:expr, $action:expr, $entity:expr, $id:expr, $detail:expr) => {
        sqlx::query(&$sql(crate::AUDIT_INSERT))
            .bind($at)
            .bind(&$actor.id)
            .bind(&$actor.org_id)
            .bind($action)
            .bind($entity)
            .bind($id)
            .bind($detail)
            .execute(&mut *$tx)
            .await?
    };
}

const AUDIT_INSERT: &str =
    "INSERT INTO audit_log (at, actor, org_id, action, entity, entity_id, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

mod access;
mod accounts;
mod entities;
#[cfg(test)]
mod flow_tests;
mod idempotency;
mod incidents;
mod ledger;
mod licences;
mod notifications;
mod platform;

pub use access::{Listing, Page, StateChange, Viewer};
pub use accounts::{
    Accepted, INVITATION_DAYS, Invitation, LOGIN_WINDOW_SECS, MAX_FAILURES_PER_CLIENT,
    MAX_FAILURES_PER_EMAIL, SESSION_IDLE_SECS, SESSION_MAX_SECS, Session, SignIn, constant_time_eq,
    role_scopes, session_csrf_token,
};
pub use entities::{
    ENTITY_KINDS, Entity, EntityChange, EntityFilter, EntityFlag, IDENTIFIER_TYPES, Identifier,
    MATCH_THRESHOLD, NewEntity, WatchEntry, name_key, name_similarity, name_tokens,
};
pub use idempotency::{ABANDONED_AFTER_SECS, Claim};
pub use incidents::{
    INCIDENT_KINDS, Incident, IncidentComment, IncidentFilter, IncidentSubstance, NewIncident,
    RedFlag, incident_actions,
};
pub use ledger::{
    DRAIN_BATCH, Drained, LedgerAudit, LedgerLeaf, LedgerProblem, LogRef, StoredCheckpoint,
    StoredCosignature,
};
pub use licences::{
    LicenceApplication, LicenceDecision, LicenceFilter, NewLicenceApplication, licence_actions,
};
pub use notifications::{
    DeadlineDefault, NewNotification, Notification, NotificationFilter, PenAction,
    notification_actions,
};
pub use platform::{
    Actor, ApiToken, AuditEntry, AuditFilter, Competence, MIN_PASSWORD_CHARS, NewOrganisation,
    NewUser, OrgAuditEntry, OrgKind, Organisation, Role, Scope, User, hash_password, personal_hash,
};

use std::fmt;
use std::str::FromStr;

use chrono::Utc;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// Storage errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL is not `sqlite:…` or `postgres:…`.
    #[error("unsupported database URL {0}: use sqlite://FILE or postgres://…")]
    BadUrl(String),
    /// A database error.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A value is not acceptable (the field and why).
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: String,
        /// Why.
        message: String,
    },
    /// The change conflicts with a stored record (a duplicate e-mail).
    #[error("{field}: {message}")]
    Conflict {
        /// The field.
        field: String,
        /// Why.
        message: String,
    },
    /// The viewer may not do this (role, organisation kind or competence).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No such record, or not one the viewer may see (the two are not told apart).
    #[error("{0}")]
    NotFound(String),
    /// The record is not in a state that allows this change.
    #[error("{message}")]
    Transition {
        /// What was tried and the current state.
        message: String,
        /// The current state.
        current: String,
        /// The actions allowed from it (for this viewer).
        allowed: Vec<String>,
    },
    /// Something that should not happen (a stored value the code does not know).
    #[error("internal error: {0}")]
    Internal(String),
}

/// A connected, migrated store.
#[derive(Clone)]
pub enum Store {
    /// SQLite file.
    Sqlite(SqlitePool),
    /// PostgreSQL server.
    Postgres(PgPool),
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Store::Sqlite(_) => f.write_str("Store::Sqlite(..)"),
            Store::Postgres(_) => f.write_str("Store::Postgres(..)"),
        }
    }
}

/// A URL with any password replaced by `***`, for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Connect (creating a SQLite file if missing) and run migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await?;
            sqlx::migrate!("migrations/sqlite").run(&pool).await?;
            Ok(Store::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?;
            sqlx::migrate!("migrations/postgres").run(&pool).await?;
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::BadUrl(redact(url)))
        }
    }

    /// Record that this instance serves `version` now.
    pub async fn note_registry_version(&self, version: &str) -> Result<(), StoreError> {
        let now = Utc::now();
        match self {
            Store::Sqlite(p) => {
                let now = now.to_rfc3339();
                sqlx::query(
                    "INSERT INTO registry_versions (version, first_seen, last_seen) VALUES (?1, ?2, ?2)
                     ON CONFLICT(version) DO UPDATE SET last_seen = excluded.last_seen",
                )
                .bind(version)
                .bind(now)
                .execute(p)
                .await?;
            }
            Store::Postgres(p) => {
                sqlx::query(
                    "INSERT INTO registry_versions (version, first_seen, last_seen) VALUES ($1, $2, $2)
                     ON CONFLICT (version) DO UPDATE SET last_seen = excluded.last_seen",
                )
                .bind(version)
                .bind(now)
                .execute(p)
                .await?;
            }
        }
        Ok(())
    }

    /// Registry versions served, oldest first.
    pub async fn registry_versions(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = match self {
            Store::Sqlite(p) => {
                sqlx::query_as("SELECT version FROM registry_versions ORDER BY first_seen, version")
                    .fetch_all(p)
                    .await?
            }
            Store::Postgres(p) => {
                sqlx::query_as("SELECT version FROM registry_versions ORDER BY first_seen, version")
                    .fetch_all(p)
                    .await?
            }
        };
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Is the database reachable?
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ())?,
            Store::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ())?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://pw:secret@localhost/db"),
            "postgres://pw:***@localhost/db"
        );
        assert_eq!(redact("sqlite://pwatch.db"), "sqlite://pwatch.db");
    }

    async fn exercise(store: Store) {
        store
            .note_registry_version("sha256:test-a")
            .await
            .expect("insert");
        store
            .note_registry_version("sha256:test-a")
            .await
            .expect("upsert");
        let versions = store.registry_versions().await.expect("list");
        assert_eq!(versions.iter().filter(|v| *v == "sha256:test-a").count(), 1);
        store.ping().await.expect("ping");
        platform::exercise(&store).await;
        accounts::exercise(&store).await;
        flow_tests::exercise(&store).await;
        incidents::exercise(&store).await;
        ledger::exercise(&store).await;
        platform::exercise_org_audit(&store).await;
    }

    #[tokio::test]
    async fn sqlite_file_is_created_and_migrated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        let store = Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("connect");
        exercise(store).await;
        assert!(path.exists());
    }

    /// The same checks on PostgreSQL, when `PWATCH_TEST_DATABASE_URL` points at a server (the test command
    /// sets it; CI fails if it is missing there).
    #[tokio::test]
    async fn postgres_is_migrated() {
        let Ok(url) = std::env::var("PWATCH_TEST_DATABASE_URL") else {
            assert!(
                std::env::var("CI").is_err(),
                "PWATCH_TEST_DATABASE_URL must be set in CI"
            );
            eprintln!("skipped: PWATCH_TEST_DATABASE_URL not set");
            return;
        };
        let store = Store::connect(&url).await.expect("connect to PostgreSQL");
        exercise(store).await;
    }

    #[tokio::test]
    async fn bad_url() {
        assert!(matches!(
            Store::connect("mysql://x").await,
            Err(StoreError::BadUrl(_))
        ));
    }
}
