//! Idempotency keys: a client that retries a `POST` with the same `Idempotency-Key` gets the first answer
//! instead of creating the record twice.
//!
//! A key is claimed (a row without a response) before the request runs and completed with the response
//! after; a second request with the key while the first runs is told so, and a claim whose request died
//! (a crash between claim and completion) may be taken over after [`ABANDONED_AFTER_SECS`]. Keys are per
//! user, so one user's key can never replay another user's answer.

use chrono::{DateTime, Duration, Utc};

use crate::platform::now;
use crate::{Store, StoreError};

/// A claim older than this, still without a response, belonged to a request that died.
pub const ABANDONED_AFTER_SECS: i64 = 60;

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or was abandoned): run the request, then [`Store::complete_idempotency`].
    Fresh,
    /// The same request was answered: replay this status and body.
    Replay {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
    /// The key was used for a different request.
    Mismatch {
        /// The method and path it was used for.
        method_path: String,
    },
    /// The same request is running now.
    InProgress,
}

type KeyRow = (String, String, Option<i64>, Option<String>, DateTime<Utc>);

impl Store {
    /// Claim `key` for `user_id`'s request `method_path` whose content hashes to `request_hash`.
    pub async fn claim_idempotency(
        &self,
        user_id: &str,
        key: &str,
        method_path: &str,
        request_hash: &str,
    ) -> Result<Claim, StoreError> {
        let at = now();
        let inserted = on_db!(self, p, sql => {
            sqlx::query(&sql("INSERT INTO idempotency_keys (user_id, key, method_path, request_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, key) DO NOTHING"))
                .bind(user_id)
                .bind(key)
                .bind(method_path)
                .bind(request_hash)
                .bind(at)
                .execute(p)
                .await?
                .rows_affected()
        });
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        let row: Option<KeyRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT method_path, request_hash, status, response, created_at
                 FROM idempotency_keys WHERE user_id = $1 AND key = $2"))
                .bind(user_id)
                .bind(key)
                .fetch_optional(p)
                .await?
        });
        let Some((mp, hash, status, body, created)) = row else {
            return Err(StoreError::Internal("an idempotency key vanished".into()));
        };
        if mp != method_path || hash != request_hash {
            return Ok(Claim::Mismatch { method_path: mp });
        }
        if let (Some(status), Some(body)) = (status, body) {
            return Ok(Claim::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body,
            });
        }
        if created < at - Duration::seconds(ABANDONED_AFTER_SECS) {
            // Take the abandoned claim over; of two takers, only one moves created_at.
            let taken = on_db!(self, p, sql => {
                sqlx::query(&sql("UPDATE idempotency_keys SET created_at = $1
                     WHERE user_id = $2 AND key = $3 AND status IS NULL AND created_at = $4"))
                    .bind(at)
                    .bind(user_id)
                    .bind(key)
                    .bind(created)
                    .execute(p)
                    .await?
                    .rows_affected()
            });
            if taken == 1 {
                return Ok(Claim::Fresh);
            }
        }
        Ok(Claim::InProgress)
    }

    /// Record the answer to a claimed key.
    pub async fn complete_idempotency(
        &self,
        user_id: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<(), StoreError> {
        on_db!(self, p, sql => {
            sqlx::query(&sql("UPDATE idempotency_keys SET status = $1, response = $2
                 WHERE user_id = $3 AND key = $4"))
                .bind(i64::from(status))
                .bind(body)
                .bind(user_id)
                .bind(key)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// Forget a claim whose request failed on the server's side (5xx), so that a retry runs again.
    pub async fn release_idempotency(&self, user_id: &str, key: &str) -> Result<(), StoreError> {
        on_db!(self, p, sql => {
            sqlx::query(&sql("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IS NULL"))
                .bind(user_id)
                .bind(key)
                .execute(p)
                .await?;
        });
        Ok(())
    }
}
