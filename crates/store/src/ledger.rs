//! The verifiable record's storage: the audit log drained into an RFC 6962 Merkle tree (`pw-ledger`).
//!
//! The audit log is the outbox. A trigger (migration 0007) queues every new audit row in `ledger_pending`
//! in the transaction that writes it. [`Store::ledger_drain`] appends the queued rows, oldest audit seq
//! first, as leaves with dense indexes (`ledger_leaves`), writes the tree's new hashes (`ledger_hashes`, by
//! stored hash index) and a signed checkpoint (`ledger_checkpoints`), and dequeues the rows — one
//! transaction per batch, so a crash leaves either the whole batch logged or none of it. Only one drainer
//! appends at a time: its first statement updates the `ledger_state` row, which takes SQLite's write lock
//! (the effect of `BEGIN IMMEDIATE`) and locks the row on PostgreSQL until commit.
//!
//! What a leaf holds is defined in `pw_ledger::record` (kind, time, SHA-256 of the audit row's canonical
//! bytes). [`Store::ledger_audit`] recomputes every leaf from its audit row, rebuilds the tree from the
//! stored leaves and compares it with the stored hashes and every checkpoint.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use pw_ledger::{
    AuditRecord, Hash, Leaf, LogSigner, LogVerifier, MapStore, MemoryStore, TilePath,
    stored_hash_count,
};
use serde::Serialize;

use crate::platform::now;
use crate::{Store, StoreError};

/// Audit rows appended per transaction.
pub const DRAIN_BATCH: usize = 1000;

/// What a drain did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Drained {
    /// Leaves appended.
    pub appended: u64,
    /// Tree size after.
    pub size: u64,
    /// Checkpoints signed (one per batch).
    pub checkpoints: u64,
}

/// A stored leaf.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerLeaf {
    /// Leaf index.
    pub index: u64,
    /// The audit row it logs.
    pub audit_seq: i64,
    /// Its content.
    pub leaf: Leaf,
    /// Its RFC 6962 leaf hash as stored.
    pub leaf_hash: Hash,
}

/// A stored checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCheckpoint {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// The signed note.
    pub note: String,
}

/// Where a record stands in the log: its latest audit row and that row's leaf (`None` until the drainer has
/// appended it). API responses for logged records carry it as `log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LogRef {
    /// The record's latest audit row.
    pub audit_seq: i64,
    /// That row's leaf index; null while the drainer has not appended it yet.
    pub leaf_index: Option<u64>,
}

/// A witness's cosignature of one of the log's checkpoints, as stored (verified before it was stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredCosignature {
    /// The size of the checkpoint cosigned.
    pub size: u64,
    /// The witness's name.
    pub witness: String,
    /// Its key id (hex).
    pub key_id: String,
    /// When the witness cosigned (its clock, POSIX seconds, as signed).
    pub cosigned_at: u64,
    /// The signature line, to append to the checkpoint's note.
    pub line: String,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
}

type CosignatureRow = (i64, String, String, i64, String, DateTime<Utc>);

fn cosignature_from(r: CosignatureRow) -> Result<StoredCosignature, StoreError> {
    Ok(StoredCosignature {
        size: to_u64(r.0)?,
        witness: r.1,
        key_id: r.2,
        cosigned_at: to_u64(r.3)?,
        line: r.4,
        received_at: r.5,
    })
}

const COSIGNATURE_COLUMNS: &str = "size, witness, key_id, cosigned_at, line, received_at";

/// One finding of [`Store::ledger_audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerProblem {
    /// The leaf concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf_index: Option<u64>,
    /// The audit row concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_seq: Option<i64>,
    /// The record the audit row is about (`licence`, `notification`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Its id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// What is wrong.
    pub problem: String,
}

/// The result of [`Store::ledger_audit`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct LedgerAudit {
    /// Leaves checked.
    pub leaves: u64,
    /// Audit rows queued, not yet logged (not a problem: the drainer will log them).
    pub pending: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Whether checkpoint signatures were checked (a verifier key was given).
    pub signatures_checked: bool,
    /// What does not match.
    pub problems: Vec<LedgerProblem>,
}

fn to_i64(field: &str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| crate::platform::invalid(field, "too large"))
}

fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Internal(format!("negative stored size or index {v}")))
}

fn hash_from(field: &str, bytes: &[u8]) -> Result<Hash, StoreError> {
    bytes
        .try_into()
        .map(Hash)
        .map_err(|_| StoreError::Internal(format!("stored {field} is {} bytes", bytes.len())))
}

fn ledger_err(e: pw_ledger::LedgerError) -> StoreError {
    match e {
        pw_ledger::LedgerError::Range(m) => StoreError::Invalid {
            field: "size".into(),
            message: m,
        },
        other => StoreError::Internal(other.to_string()),
    }
}

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

fn record_from(r: AuditRow) -> AuditRecord {
    AuditRecord {
        seq: r.0,
        at: r.1,
        actor: r.2,
        org_id: r.3,
        action: r.4,
        entity: r.5,
        entity_id: r.6,
        detail: r.7,
    }
}

type LeafRow = (i64, i64, String, String, Vec<u8>, Vec<u8>);

fn leaf_from(r: LeafRow) -> Result<LedgerLeaf, StoreError> {
    Ok(LedgerLeaf {
        index: to_u64(r.0)?,
        audit_seq: r.1,
        leaf: Leaf {
            kind: r.2,
            at: r.3,
            record_hash: r
                .4
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::Internal("stored record hash is not 32 bytes".into()))?,
        },
        leaf_hash: hash_from("leaf hash", &r.5)?,
    })
}

const LEAF_COLUMNS: &str = "leaf_index, audit_seq, kind, at, record_hash, leaf_hash";

/// `$first, $first+1, …` placeholders for an `IN` list of `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Audit rows waiting to be logged.
    pub async fn ledger_pending(&self) -> Result<u64, StoreError> {
        let (n,): (i64,) = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT COUNT(*) FROM ledger_pending")).fetch_one(p).await?
        });
        to_u64(n)
    }

    /// Log every queued audit row, in batches of [`DRAIN_BATCH`], each with its signed checkpoint.
    pub async fn ledger_drain(&self, signer: &LogSigner) -> Result<Drained, StoreError> {
        let mut total = Drained::default();
        loop {
            let (appended, size) = self.ledger_drain_batch(signer).await?;
            total.size = size;
            if appended == 0 {
                return Ok(total);
            }
            total.appended += appended;
            total.checkpoints += 1;
            if appended < DRAIN_BATCH as u64 {
                return Ok(total);
            }
        }
    }

    async fn ledger_drain_batch(&self, signer: &LogSigner) -> Result<(u64, u64), StoreError> {
        let at = now();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            // The lock: writing the state row first makes this the only drainer until commit.
            let (size,): (i64,) = sqlx::query_as(&sql(
                "UPDATE ledger_state SET updated_at = $1 WHERE id = 1 RETURNING size",
            ))
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            let size = to_u64(size)?;
            let rows: Vec<AuditRow> = sqlx::query_as(&sql(
                "SELECT a.seq, a.at, a.actor, a.org_id, a.action, a.entity, a.entity_id, a.detail
                 FROM ledger_pending q JOIN audit_log a ON a.seq = q.audit_seq
                 ORDER BY q.audit_seq LIMIT $1",
            ))
            .bind(DRAIN_BATCH as i64)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                tx.rollback().await?;
                return Ok((0, size));
            }
            let records: Vec<AuditRecord> = rows.into_iter().map(record_from).collect();
            let leaves: Vec<Leaf> = records.iter().map(AuditRecord::leaf).collect();
            let leaf_hashes: Vec<Hash> = leaves.iter().map(Leaf::leaf_hash).collect();
            // The few existing hashes the appends read, then the appends.
            let need = pw_ledger::append_reads(size, leaf_hashes.len());
            let mut known = MapStore::default();
            if !need.is_empty() {
                let q = format!(
                    "SELECT idx, hash FROM ledger_hashes WHERE idx IN ({})",
                    placeholders(1, need.len())
                );
                let q = sql(&q);
                let mut query = sqlx::query_as::<_, (i64, Vec<u8>)>(&q);
                for i in &need {
                    query = query.bind(to_i64("idx", *i)?);
                }
                for (i, h) in query.fetch_all(&mut *tx).await? {
                    known.0.insert(to_u64(i)?, hash_from("hash", &h)?);
                }
            }
            let (writes, root) =
                pw_ledger::append_batch(&known, size, &leaf_hashes).map_err(ledger_err)?;
            for (n, ((r, leaf), h)) in (size..).zip(records.iter().zip(&leaves).zip(&leaf_hashes)) {
                sqlx::query(&sql(&format!(
                    "INSERT INTO ledger_leaves ({LEAF_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
                )))
                .bind(to_i64("leaf_index", n)?)
                .bind(r.seq)
                .bind(&leaf.kind)
                .bind(&leaf.at)
                .bind(&leaf.record_hash[..])
                .bind(&h.0[..])
                .execute(&mut *tx)
                .await?;
                sqlx::query(&sql("DELETE FROM ledger_pending WHERE audit_seq = $1"))
                    .bind(r.seq)
                    .execute(&mut *tx)
                    .await?;
            }
            for (i, h) in &writes {
                sqlx::query(&sql("INSERT INTO ledger_hashes (idx, hash) VALUES ($1, $2)"))
                    .bind(to_i64("idx", *i)?)
                    .bind(&h.0[..])
                    .execute(&mut *tx)
                    .await?;
            }
            let new_size = size + leaf_hashes.len() as u64;
            let note = signer.sign(new_size, root).map_err(ledger_err)?;
            sqlx::query(&sql("UPDATE ledger_state SET size = $1 WHERE id = 1"))
                .bind(to_i64("size", new_size)?)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&sql(
                "INSERT INTO ledger_checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4)",
            ))
            .bind(to_i64("size", new_size)?)
            .bind(&root.0[..])
            .bind(&note)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok((leaf_hashes.len() as u64, new_size))
        })
    }

    /// Store cosignatures of the checkpoint of `size`, which must be one this log issued with root `root`
    /// (the caller has verified each cosignature over that checkpoint's text with the witness's configured
    /// key). A witness's second cosignature of a size is not stored again. Each stored cosignature writes its
    /// audit row (actor `witness:<name>`, action `cosign`, entity `checkpoint` `<size>`) in the same
    /// transaction. Returns those newly stored.
    pub async fn ledger_add_cosignatures(
        &self,
        size: u64,
        root: Hash,
        cosignatures: &[pw_ledger::Cosignature],
    ) -> Result<Vec<StoredCosignature>, StoreError> {
        let at = now();
        let size_i = to_i64("size", size)?;
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let issued: Option<(Vec<u8>,)> = sqlx::query_as(&sql(
                "SELECT root FROM ledger_checkpoints WHERE size = $1",
            ))
            .bind(size_i)
            .fetch_optional(&mut *tx)
            .await?;
            match issued {
                None => {
                    return Err(StoreError::NotFound(format!(
                        "this log issued no checkpoint of size {size}"
                    )))
                }
                Some((r,)) if r.as_slice() != &root.0[..] => {
                    return Err(crate::platform::invalid(
                        "checkpoint",
                        format!("this log's checkpoint of size {size} has another root: the cosigned checkpoint is not one it issued"),
                    ))
                }
                Some(_) => {}
            }
            let mut stored = Vec::new();
            for c in cosignatures {
                let cosigned_at = to_i64("timestamp", c.timestamp)?;
                let done = sqlx::query(&sql(&format!(
                    "INSERT INTO ledger_cosignatures ({COSIGNATURE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT DO NOTHING"
                )))
                .bind(size_i)
                .bind(&c.witness)
                .bind(&c.key_id)
                .bind(cosigned_at)
                .bind(&c.line)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    continue;
                }
                let actor = crate::Actor {
                    id: format!("witness:{}", c.witness),
                    org_id: None,
                };
                let detail = serde_json::json!({
                    "witness": c.witness, "key_id": c.key_id, "cosigned_at": c.timestamp,
                    "size": size, "root": root.to_string(),
                })
                .to_string();
                audit!(tx, sql, at, actor, "cosign", "checkpoint", size.to_string(), detail);
                stored.push(StoredCosignature {
                    size,
                    witness: c.witness.clone(),
                    key_id: c.key_id.clone(),
                    cosigned_at: c.timestamp,
                    line: c.line.clone(),
                    received_at: at,
                });
            }
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// The stored cosignatures of the checkpoint of `size`, by witness name.
    pub async fn ledger_cosignatures(
        &self,
        size: u64,
    ) -> Result<Vec<StoredCosignature>, StoreError> {
        let size = to_i64("size", size)?;
        let rows: Vec<CosignatureRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!(
                "SELECT {COSIGNATURE_COLUMNS} FROM ledger_cosignatures WHERE size = $1 ORDER BY witness, key_id"
            )))
            .bind(size)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(cosignature_from).collect()
    }

    /// Each witness's (name and key id) latest stored cosignature: the largest size it cosigned.
    pub async fn ledger_witnessed(&self) -> Result<Vec<StoredCosignature>, StoreError> {
        let rows: Vec<CosignatureRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!(
                "SELECT {COSIGNATURE_COLUMNS} FROM ledger_cosignatures c
                 WHERE c.size = (SELECT MAX(d.size) FROM ledger_cosignatures d
                                 WHERE d.witness = c.witness AND d.key_id = c.key_id)
                 ORDER BY c.witness, c.key_id"
            )))
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(cosignature_from).collect()
    }

    /// Leaves in the tree.
    pub async fn ledger_size(&self) -> Result<u64, StoreError> {
        let (n,): (i64,) = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT size FROM ledger_state WHERE id = 1")).fetch_one(p).await?
        });
        to_u64(n)
    }

    /// The latest checkpoint, or the one of a given size.
    pub async fn ledger_checkpoint(
        &self,
        size: Option<u64>,
    ) -> Result<Option<StoredCheckpoint>, StoreError> {
        let row: Option<(i64, Vec<u8>, String)> = match size {
            None => on_db!(self, p, sql => {
                sqlx::query_as(&sql(
                    "SELECT size, root, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1",
                ))
                .fetch_optional(p)
                .await?
            }),
            Some(s) => {
                let s = to_i64("size", s)?;
                on_db!(self, p, sql => {
                    sqlx::query_as(&sql(
                        "SELECT size, root, note FROM ledger_checkpoints WHERE size = $1",
                    ))
                    .bind(s)
                    .fetch_optional(p)
                    .await?
                })
            }
        };
        row.map(|(size, root, note)| {
            Ok(StoredCheckpoint {
                size: to_u64(size)?,
                root: hash_from("root", &root)?,
                note,
            })
        })
        .transpose()
    }

    /// Every checkpoint, oldest first.
    pub async fn ledger_checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let rows: Vec<(i64, Vec<u8>, String)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT size, root, note FROM ledger_checkpoints ORDER BY size"))
                .fetch_all(p)
                .await?
        });
        rows.into_iter()
            .map(|(size, root, note)| {
                Ok(StoredCheckpoint {
                    size: to_u64(size)?,
                    root: hash_from("root", &root)?,
                    note,
                })
            })
            .collect()
    }

    /// One leaf by index.
    pub async fn ledger_leaf(&self, index: u64) -> Result<Option<LedgerLeaf>, StoreError> {
        let i = to_i64("index", index)?;
        let row: Option<LeafRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {LEAF_COLUMNS} FROM ledger_leaves WHERE leaf_index = $1")))
                .bind(i)
                .fetch_optional(p)
                .await?
        });
        row.map(leaf_from).transpose()
    }

    /// The leaf that logs an audit row.
    pub async fn ledger_leaf_of_seq(&self, seq: i64) -> Result<Option<LedgerLeaf>, StoreError> {
        let row: Option<LeafRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {LEAF_COLUMNS} FROM ledger_leaves WHERE audit_seq = $1")))
                .bind(seq)
                .fetch_optional(p)
                .await?
        });
        row.map(leaf_from).transpose()
    }

    /// Leaves `range.start .. range.end`, in order.
    pub async fn ledger_leaves(
        &self,
        range: std::ops::Range<u64>,
    ) -> Result<Vec<LedgerLeaf>, StoreError> {
        let (a, b) = (to_i64("index", range.start)?, to_i64("index", range.end)?);
        let rows: Vec<LeafRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!(
                "SELECT {LEAF_COLUMNS} FROM ledger_leaves WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index"
            )))
            .bind(a)
            .bind(b)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(leaf_from).collect()
    }

    /// Stored hashes at these positions (every one must exist).
    pub async fn ledger_hashes(&self, indexes: &[u64]) -> Result<MapStore, StoreError> {
        let mut out = MapStore::default();
        for chunk in indexes.chunks(500) {
            let q = format!(
                "SELECT idx, hash FROM ledger_hashes WHERE idx IN ({})",
                placeholders(1, chunk.len())
            );
            let rows: Vec<(i64, Vec<u8>)> = on_db!(self, p, sql => {
                let q = sql(&q);
                let mut query = sqlx::query_as(&q);
                for i in chunk {
                    query = query.bind(to_i64("idx", *i)?);
                }
                query.fetch_all(p).await?
            });
            for (i, h) in rows {
                out.0.insert(to_u64(i)?, hash_from("hash", &h)?);
            }
        }
        Ok(out)
    }

    /// Run a tree computation over the stored hashes: learn what it reads, fetch that, run it.
    async fn ledger_compute<T>(
        &self,
        f: impl Fn(&dyn pw_ledger::HashStore) -> Result<T, pw_ledger::LedgerError>,
    ) -> Result<T, StoreError> {
        let need = pw_ledger::reads(&f);
        let known = self.ledger_hashes(&need).await?;
        f(&known).map_err(ledger_err)
    }

    fn check_size(size: u64, tree: u64) -> Result<(), StoreError> {
        if size > tree {
            return Err(crate::platform::invalid(
                "size",
                format!("the log has {tree} leaves"),
            ));
        }
        Ok(())
    }

    /// The root of the tree when it had `size` leaves.
    pub async fn ledger_root(&self, size: u64) -> Result<Hash, StoreError> {
        Self::check_size(size, self.ledger_size().await?)?;
        self.ledger_compute(|s| pw_ledger::root(s, size)).await
    }

    /// Inclusion proof of leaf `index` in the tree of `size` leaves.
    pub async fn ledger_inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        Self::check_size(size, self.ledger_size().await?)?;
        if index >= size {
            return Err(crate::platform::invalid(
                "index",
                format!("leaf {index} is not in a tree of {size} leaves"),
            ));
        }
        self.ledger_compute(|s| pw_ledger::prove_inclusion(s, size, index))
            .await
    }

    /// Consistency proof from the tree of `old` leaves to the tree of `new` leaves.
    pub async fn ledger_consistency_proof(
        &self,
        old: u64,
        new: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        Self::check_size(new, self.ledger_size().await?)?;
        if old > new {
            return Err(crate::platform::invalid(
                "old",
                format!("{old} is larger than new ({new})"),
            ));
        }
        self.ledger_compute(|s| pw_ledger::prove_consistency(s, old, new))
            .await
    }

    /// A tile of the tree of `size` leaves (hashes, or an entry bundle); `None` when that tree has no such
    /// tile.
    pub async fn ledger_tile(
        &self,
        tile: &TilePath,
        size: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Self::check_size(size, self.ledger_size().await?)?;
        if !tile.exists_in(size) {
            return Ok(None);
        }
        match tile.kind {
            pw_ledger::TileKind::Entries => {
                let leaves = self.ledger_leaves(tile.entries()).await?;
                let data: Vec<String> = leaves.iter().map(|l| l.leaf.data()).collect();
                pw_ledger::entry_bundle(data.iter().map(String::as_bytes))
                    .map(Some)
                    .map_err(ledger_err)
            }
            pw_ledger::TileKind::Hashes(_) => {
                let indexes = tile.hash_indexes(size).map_err(ledger_err)?;
                let known = self.ledger_hashes(&indexes).await?;
                let hashes =
                    pw_ledger::HashStore::read_hashes(&known, &indexes).map_err(ledger_err)?;
                Ok(Some(hashes.iter().flat_map(|h| h.0).collect()))
            }
        }
    }

    /// Log decisions made for an authenticated caller that are not stored records themselves (a trade check,
    /// a classification): one audit row each — hence, once drained, one leaf each — with `entity` = `kind`,
    /// a new id and `detail` as given (the request and the decision; callers put no personal data in it).
    /// One transaction for all. Returns the ids and audit seqs, in order.
    pub async fn log_decisions(
        &self,
        actor: &crate::Actor,
        kind: &str,
        details: &[serde_json::Value],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let at = now();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let mut out = Vec::with_capacity(details.len());
            for d in details {
                let id = crate::platform::new_id(kind);
                let (seq,): (i64,) = sqlx::query_as(&sql(&format!("{} RETURNING seq", crate::AUDIT_INSERT)))
                    .bind(at)
                    .bind(&actor.id)
                    .bind(&actor.org_id)
                    .bind("decide")
                    .bind(kind)
                    .bind(&id)
                    .bind(d.to_string())
                    .fetch_one(&mut *tx)
                    .await?;
                out.push((id, seq));
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// The latest audit row of one record and its leaf, if logged; `None` when the record has no audit row.
    /// No visibility check here: callers check the viewer may see the record.
    pub async fn ledger_log_ref(
        &self,
        entity: &str,
        entity_id: &str,
    ) -> Result<Option<LogRef>, StoreError> {
        let row: Option<(i64, Option<i64>)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(
                "SELECT a.seq, l.leaf_index FROM audit_log a
                 LEFT JOIN ledger_leaves l ON l.audit_seq = a.seq
                 WHERE a.entity = $1 AND a.entity_id = $2 ORDER BY a.seq DESC LIMIT 1",
            ))
            .bind(entity)
            .bind(entity_id)
            .fetch_optional(p)
            .await?
        });
        row.map(|(seq, leaf)| {
            Ok(LogRef {
                audit_seq: seq,
                leaf_index: leaf.map(to_u64).transpose()?,
            })
        })
        .transpose()
    }

    /// [`Store::ledger_log_ref`] for many records of one kind in one query (a list page), by record id.
    pub async fn ledger_log_refs(
        &self,
        entity: &str,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, LogRef>, StoreError> {
        let mut out = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut w = crate::access::Where::default();
        w.and(
            |p| format!("a.entity = {p}"),
            crate::access::Arg::Text(entity.to_string()),
        );
        w.any_of("a.entity_id", ids);
        let query = format!(
            "SELECT a.entity_id, a.seq, l.leaf_index FROM audit_log a
             LEFT JOIN ledger_leaves l ON l.audit_seq = a.seq WHERE {} ORDER BY a.seq",
            w.sql()
        );
        let rows: Vec<(String, i64, Option<i64>)> = on_db!(self, p, sql => {
            let q = sql(&query);
            crate::access::bind_where!(sqlx::query_as(&q), w).fetch_all(p).await?
        });
        // Oldest first, so the last row of each record wins: its latest audit row.
        for (id, seq, leaf) in rows {
            out.insert(
                id,
                LogRef {
                    audit_seq: seq,
                    leaf_index: leaf.map(to_u64).transpose()?,
                },
            );
        }
        Ok(out)
    }

    /// The audit rows (as logged) of one record, with their leaf index once logged, oldest first. No
    /// visibility check here: callers check the viewer may see the record.
    pub async fn ledger_records_of(
        &self,
        entity: &str,
        entity_id: &str,
    ) -> Result<Vec<(AuditRecord, Option<LedgerLeaf>)>, StoreError> {
        let rows: Vec<AuditRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(
                "SELECT seq, at, actor, org_id, action, entity, entity_id, detail FROM audit_log
                 WHERE entity = $1 AND entity_id = $2 ORDER BY seq",
            ))
            .bind(entity)
            .bind(entity_id)
            .fetch_all(p)
            .await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let rec = record_from(r);
            let leaf = self.ledger_leaf_of_seq(rec.seq).await?;
            out.push((rec, leaf));
        }
        Ok(out)
    }

    /// Recompute everything: each leaf from its audit row (a changed row is reported with its record), the
    /// tree from the stored leaves (compared with every stored hash), each checkpoint's root (and, with a
    /// verifier, its signature), and audit rows that were never queued.
    pub async fn ledger_audit(
        &self,
        verifier: Option<&LogVerifier>,
    ) -> Result<LedgerAudit, StoreError> {
        const PAGE: u64 = 10_000;
        let size = self.ledger_size().await?;
        let mut report = LedgerAudit {
            pending: self.ledger_pending().await?,
            signatures_checked: verifier.is_some(),
            ..LedgerAudit::default()
        };
        let problem =
            |leaf: Option<u64>, rec: Option<&AuditRecord>, seq: Option<i64>, what: String| {
                LedgerProblem {
                    leaf_index: leaf,
                    audit_seq: rec.map(|r| r.seq).or(seq),
                    entity: rec.map(|r| r.entity.clone()),
                    entity_id: rec.map(|r| r.entity_id.clone()),
                    problem: what,
                }
            };
        // 1. Each leaf against its audit row; the tree rebuilt from the stored leaf hashes.
        let mut tree = pw_ledger::Log::new(MemoryStore::with_capacity(size), 0);
        let mut next = 0u64;
        while next < size {
            let end = (next + PAGE).min(size);
            type Joined = (
                i64,
                i64,
                String,
                String,
                Vec<u8>,
                Vec<u8>,
                Option<i64>,
                Option<DateTime<Utc>>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            );
            let rows: Vec<Joined> = on_db!(self, p, sql => {
                sqlx::query_as(&sql(
                    "SELECT l.leaf_index, l.audit_seq, l.kind, l.at, l.record_hash, l.leaf_hash,
                            a.seq, a.at, a.actor, a.org_id, a.action, a.entity, a.entity_id, a.detail
                     FROM ledger_leaves l LEFT JOIN audit_log a ON a.seq = l.audit_seq
                     WHERE l.leaf_index >= $1 AND l.leaf_index < $2 ORDER BY l.leaf_index",
                ))
                .bind(to_i64("index", next)?)
                .bind(to_i64("index", end)?)
                .fetch_all(p)
                .await?
            });
            for r in rows {
                let stored = leaf_from((r.0, r.1, r.2, r.3, r.4, r.5))?;
                if stored.index != next {
                    report.problems.push(problem(
                        Some(next),
                        None,
                        None,
                        format!(
                            "leaf {next} is missing (the next stored leaf is {})",
                            stored.index
                        ),
                    ));
                    // Keep the indexes aligned so later leaves are still checked.
                    while next < stored.index {
                        tree.append_hash(Hash::default()).map_err(ledger_err)?;
                        next += 1;
                    }
                }
                report.leaves += 1;
                match (r.6, r.7, r.8, r.10, r.11, r.12, r.13) {
                    (
                        Some(seq),
                        Some(at),
                        Some(actor),
                        Some(action),
                        Some(entity),
                        Some(entity_id),
                        Some(detail),
                    ) => {
                        let rec = AuditRecord {
                            seq,
                            at,
                            actor,
                            org_id: r.9,
                            action,
                            entity,
                            entity_id,
                            detail,
                        };
                        let leaf = rec.leaf();
                        if leaf.record_hash != stored.leaf.record_hash {
                            report.problems.push(problem(Some(next), Some(&rec), None, format!(
                                "the audit row changed after it was logged: its canonical hash is {}, the leaf commits to {}",
                                leaf.record_hash_text(), stored.leaf.record_hash_text()
                            )));
                        } else if leaf != stored.leaf {
                            report.problems.push(problem(Some(next), Some(&rec), None, format!(
                                "the stored leaf ({} at {}) is not the one its audit row gives ({} at {})",
                                stored.leaf.kind, stored.leaf.at, leaf.kind, leaf.at
                            )));
                        }
                    }
                    _ => report.problems.push(problem(
                        Some(next),
                        None,
                        Some(stored.audit_seq),
                        format!("the audit row {} of this leaf is gone", stored.audit_seq),
                    )),
                }
                if stored.leaf.leaf_hash() != stored.leaf_hash {
                    report.problems.push(problem(
                        Some(next),
                        None,
                        Some(stored.audit_seq),
                        "the stored leaf hash is not the hash of the stored leaf".into(),
                    ));
                }
                tree.append_hash(stored.leaf_hash).map_err(ledger_err)?;
                next += 1;
            }
            if next < end {
                report.problems.push(problem(
                    Some(next),
                    None,
                    None,
                    format!("leaves {next}..{end} are missing"),
                ));
                while next < end {
                    tree.append_hash(Hash::default()).map_err(ledger_err)?;
                    next += 1;
                }
            }
        }
        let (extra,): (i64,) = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT COUNT(*) FROM ledger_leaves WHERE leaf_index >= $1"))
                .bind(to_i64("size", size)?)
                .fetch_one(p)
                .await?
        });
        if extra > 0 {
            report.problems.push(problem(
                None,
                None,
                None,
                format!("{extra} leaves beyond the tree size {size}"),
            ));
        }
        // 2. Every stored hash against the rebuilt tree.
        let count = stored_hash_count(size);
        let mut pos = 0u64;
        let mut bad_hashes = 0u64;
        while pos < count {
            let end = (pos + 2 * PAGE).min(count);
            let rows: Vec<(i64, Vec<u8>)> = on_db!(self, p, sql => {
                sqlx::query_as(&sql("SELECT idx, hash FROM ledger_hashes WHERE idx >= $1 AND idx < $2 ORDER BY idx"))
                    .bind(to_i64("idx", pos)?)
                    .bind(to_i64("idx", end)?)
                    .fetch_all(p)
                    .await?
            });
            let stored: HashMap<u64, Vec<u8>> = rows
                .into_iter()
                .map(|(i, h)| Ok((to_u64(i)?, h)))
                .collect::<Result<_, StoreError>>()?;
            let want =
                pw_ledger::HashStore::read_hashes(tree.store(), &(pos..end).collect::<Vec<_>>())
                    .map_err(ledger_err)?;
            for (i, w) in (pos..end).zip(want) {
                if stored.get(&i).map(Vec::as_slice) != Some(&w.0[..]) {
                    bad_hashes += 1;
                }
            }
            pos = end;
        }
        if bad_hashes > 0 {
            report.problems.push(problem(None, None, None, format!(
                "{bad_hashes} of the {count} stored tree hashes do not match the tree the stored leaves give"
            )));
        }
        // 3. Checkpoints: root at their size, signature.
        for c in self.ledger_checkpoints().await? {
            report.checkpoints += 1;
            let what = if c.size > size {
                Some(format!(
                    "checkpoint of size {} is beyond the tree ({size})",
                    c.size
                ))
            } else if tree.root_at(c.size).map_err(ledger_err)? != c.root {
                Some(format!(
                    "the root of checkpoint {} is not the root of the stored leaves",
                    c.size
                ))
            } else if let Some(v) = verifier {
                match v.verify(c.note.as_bytes()) {
                    Err(e) => Some(format!("checkpoint {}: {e}", c.size)),
                    Ok(n) if n.size != c.size || n.root != c.root => Some(format!(
                        "checkpoint {}: the signed note says size {} root {}",
                        c.size, n.size, n.root
                    )),
                    Ok(_) => None,
                }
            } else {
                None
            };
            if let Some(w) = what {
                report.problems.push(problem(None, None, None, w));
            }
        }
        // 4. Audit rows neither logged nor queued.
        let orphans: Vec<(i64, String, String)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(
                "SELECT a.seq, a.entity, a.entity_id FROM audit_log a
                 WHERE NOT EXISTS (SELECT 1 FROM ledger_leaves l WHERE l.audit_seq = a.seq)
                   AND NOT EXISTS (SELECT 1 FROM ledger_pending q WHERE q.audit_seq = a.seq)
                 ORDER BY a.seq LIMIT 1000",
            ))
            .fetch_all(p)
            .await?
        });
        for (seq, entity, entity_id) in orphans {
            report.problems.push(LedgerProblem {
                leaf_index: None,
                audit_seq: Some(seq),
                entity: Some(entity),
                entity_id: Some(entity_id),
                problem: "an audit row that is neither logged nor queued".into(),
            });
        }
        Ok(report)
    }

    /// The tree root the stored leaves give at `size` — with [`Store::ledger_audit`]'s rebuilt tree, to compare
    /// with a checkpoint kept elsewhere.
    pub async fn ledger_rebuilt_root(&self, size: u64) -> Result<Hash, StoreError> {
        Self::check_size(size, self.ledger_size().await?)?;
        let leaves = self.ledger_leaves(0..size).await?;
        let mut tree = pw_ledger::Log::new(MemoryStore::with_capacity(size), 0);
        for l in leaves {
            tree.append_hash(l.leaf_hash).map_err(ledger_err)?;
        }
        tree.root().map_err(ledger_err)
    }
}

/// The deterministic key of the store tests (so runs against one PostgreSQL database verify each other's
/// checkpoints).
#[cfg(test)]
pub(crate) fn test_signer() -> LogSigner {
    LogSigner::from_seed("pwatch.test/store", [7u8; 32]).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks run against both databases (called from the SQLite and PostgreSQL tests in `lib.rs`).
#[cfg(test)]
pub(crate) async fn exercise(store: &Store) {
    use crate::{Actor, NewOrganisation, OrgKind};
    use pw_ledger::{verify_consistency, verify_inclusion};

    let signer = test_signer();
    let verifier = signer.verifier().expect("verifier");
    let cli = Actor {
        id: "cli:ledger-test".into(),
        org_id: None,
    };
    // Everything written so far is logged by one drain; a second finds nothing.
    store.ledger_drain(&signer).await.expect("drain");
    assert_eq!(store.ledger_pending().await.expect("pending"), 0);
    let before = store.ledger_size().await.expect("size");
    let again = store.ledger_drain(&signer).await.expect("drain");
    assert_eq!((again.appended, again.size), (0, before));

    // One new record: one queued row, one leaf, one checkpoint.
    let org = store
        .create_organisation(
            &NewOrganisation {
                kind: OrgKind::Company,
                name: "Ledger Test Co".into(),
                country: Some("DE".into()),
                competences: vec![],
            },
            &cli,
        )
        .await
        .expect("org");
    assert_eq!(store.ledger_pending().await.expect("pending"), 1);
    let queued = store
        .ledger_log_ref("organisation", &org.id)
        .await
        .expect("log ref")
        .expect("an audit row");
    assert_eq!(queued.leaf_index, None);
    let d = store.ledger_drain(&signer).await.expect("drain");
    assert_eq!((d.appended, d.size, d.checkpoints), (1, before + 1, 1));
    let size = d.size;
    let records = store
        .ledger_records_of("organisation", &org.id)
        .await
        .expect("records");
    assert_eq!(records.len(), 1);
    let (rec, leaf) = &records[0];
    let leaf = leaf.clone().expect("logged");
    assert_eq!(leaf.index, size - 1);
    assert_eq!(leaf.leaf, rec.leaf());
    assert_eq!(leaf.leaf.kind, "organisation.create");
    assert_eq!(
        store.ledger_leaf(leaf.index).await.expect("leaf"),
        Some(leaf.clone())
    );
    assert_eq!(
        store
            .ledger_log_ref("organisation", &org.id)
            .await
            .expect("log ref"),
        Some(LogRef {
            audit_seq: rec.seq,
            leaf_index: Some(leaf.index)
        })
    );
    assert_eq!(
        store
            .ledger_log_ref("organisation", "org_none")
            .await
            .expect("log ref"),
        None
    );

    // The checkpoint verifies; the leaf is in it; the tree only grew.
    let cp = store
        .ledger_checkpoint(None)
        .await
        .expect("cp")
        .expect("a checkpoint");
    assert_eq!(cp.size, size);
    let c = verifier.verify(cp.note.as_bytes()).expect("signed");
    assert_eq!((c.size, c.root), (size, cp.root));
    assert_eq!(store.ledger_root(size).await.expect("root"), cp.root);
    let proof = store
        .ledger_inclusion_proof(leaf.index, size)
        .await
        .expect("proof");
    verify_inclusion(&proof, size, cp.root, leaf.index, rec.leaf().leaf_hash()).expect("included");
    if before > 0 {
        let old = store
            .ledger_checkpoint(Some(before))
            .await
            .expect("cp")
            .expect("old checkpoint");
        let proof = store
            .ledger_consistency_proof(before, size)
            .await
            .expect("proof");
        verify_consistency(&proof, before, old.root, size, cp.root).expect("consistent");
    }
    assert!(matches!(
        store.ledger_inclusion_proof(size, size).await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store.ledger_consistency_proof(1, size + 1).await,
        Err(StoreError::Invalid { .. })
    ));

    // Tiles: the level-0 tile holding the new leaf starts with the leaves of its 256-block.
    let n = leaf.index / 256;
    let width = (size - n * 256).min(256) as u16;
    let tile = TilePath {
        kind: pw_ledger::TileKind::Hashes(0),
        index: n,
        width,
    };
    let data = store
        .ledger_tile(&tile, size)
        .await
        .expect("tile")
        .expect("exists");
    let at = ((leaf.index % 256) * 32) as usize;
    assert_eq!(&data[at..at + 32], &leaf.leaf_hash.0);
    let entries = TilePath {
        kind: pw_ledger::TileKind::Entries,
        ..tile
    };
    let bundle = store
        .ledger_tile(&entries, size)
        .await
        .expect("tile")
        .expect("exists");
    let parsed = pw_ledger::tiles::parse_entry_bundle(&bundle).expect("bundle");
    assert_eq!(parsed.last().copied(), Some(leaf.leaf.data().as_bytes()));
    let beyond = TilePath {
        width: width.saturating_add(1),
        ..tile
    };
    if width < 256 {
        assert_eq!(store.ledger_tile(&beyond, size).await.expect("tile"), None);
    }

    // Two drainers at once over a burst of writes: every row logged once, indexes dense.
    let mut writers = Vec::new();
    for i in 0..12 {
        let (store, cli) = (store.clone(), cli.clone());
        writers.push(tokio::spawn(async move {
            store
                .create_organisation(
                    &NewOrganisation {
                        kind: OrgKind::Company,
                        name: format!("Ledger Burst {i}"),
                        country: None,
                        competences: vec![],
                    },
                    &cli,
                )
                .await
                .map(|_| ())
        }));
    }
    let drainers: Vec<_> = (0..3)
        .map(|_| {
            let (store, signer) = (store.clone(), signer.clone());
            tokio::spawn(async move { store.ledger_drain(&signer).await })
        })
        .collect();
    for w in writers {
        w.await.expect("join").expect("write");
    }
    for d in drainers {
        d.await.expect("join").expect("drain");
    }
    store.ledger_drain(&signer).await.expect("drain");
    assert_eq!(store.ledger_size().await.expect("size"), size + 12);

    // The ledger tables refuse changes.
    let tamper = match store {
        Store::Sqlite(p) => sqlx::query("UPDATE ledger_leaves SET kind = 'x' WHERE leaf_index = 0")
            .execute(p)
            .await
            .map(|_| ()),
        Store::Postgres(p) => sqlx::query("DELETE FROM ledger_hashes WHERE idx = 0")
            .execute(p)
            .await
            .map(|_| ()),
    };
    assert!(tamper.is_err(), "the ledger must refuse changes");

    // The audit finds nothing wrong.
    let audit = store.ledger_audit(Some(&verifier)).await.expect("audit");
    assert!(audit.problems.is_empty(), "{:#?}", audit.problems);
    assert_eq!(audit.leaves, size + 12);
    assert!(audit.checkpoints >= 3);

    // A decision that is not a stored record (a trade check) is logged as its own audit row and leaf.
    let viewer_actor = Actor {
        id: "usr_ledger_test".into(),
        org_id: Some(org.id.clone()),
    };
    let logged = store
        .log_decisions(
            &viewer_actor,
            "check",
            &[serde_json::json!({"request": {"substance": "NPP"}, "decision": "conditional"})],
        )
        .await
        .expect("log decision");
    assert_eq!(logged.len(), 1);
    store.ledger_drain(&signer).await.expect("drain");
    let r = store
        .ledger_log_ref("check", &logged[0].0)
        .await
        .expect("log ref")
        .expect("an audit row");
    assert_eq!(r.audit_seq, logged[0].1);
    assert_eq!(r.leaf_index, Some(size + 12));

    // Cosignatures: stored for a checkpoint this log issued, once per witness and size, each audited.
    let cp = store
        .ledger_checkpoint(None)
        .await
        .expect("cp")
        .expect("a checkpoint");
    let witness = pw_ledger::WitnessKey::from_seed("pwatch.test/store-witness", [9u8; 32])
        .expect("witness key");
    let text = pw_ledger::witness::note_text(cp.note.as_bytes()).expect("text");
    let line = witness.cosign(&text, 1_800_000_000).expect("cosign");
    let cosig = witness
        .verifier()
        .verify_line(&text, &line)
        .expect("verifies");
    let stored = store
        .ledger_add_cosignatures(cp.size, cp.root, std::slice::from_ref(&cosig))
        .await
        .expect("store");
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (
            stored[0].size,
            stored[0].cosigned_at,
            stored[0].line.as_str()
        ),
        (cp.size, 1_800_000_000, line.as_str())
    );
    let again = store
        .ledger_add_cosignatures(cp.size, cp.root, std::slice::from_ref(&cosig))
        .await
        .expect("store again");
    assert!(
        again.is_empty(),
        "a second cosignature of a size is not stored"
    );
    assert!(matches!(
        store
            .ledger_add_cosignatures(
                cp.size,
                pw_ledger::leaf_hash(b"x"),
                std::slice::from_ref(&cosig)
            )
            .await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store
            .ledger_add_cosignatures(cp.size + 1_000_000, cp.root, std::slice::from_ref(&cosig))
            .await,
        Err(StoreError::NotFound(_))
    ));
    let of_size = store.ledger_cosignatures(cp.size).await.expect("read");
    assert_eq!(of_size.len(), 1);
    assert_eq!(of_size[0].line, line);
    let witnessed = store.ledger_witnessed().await.expect("witnessed");
    let mine = witnessed
        .iter()
        .find(|c| c.witness == "pwatch.test/store-witness")
        .expect("the witness");
    assert_eq!(mine.size, cp.size);
    // The audit row (hence, once drained, a leaf) names the witness.
    let records = store
        .ledger_records_of("checkpoint", &cp.size.to_string())
        .await
        .expect("records");
    assert!(
        records
            .iter()
            .any(|(r, _)| r.action == "cosign" && r.actor == "witness:pwatch.test/store-witness"),
        "{records:?}"
    );
    // Append-only.
    let tamper = match store {
        Store::Sqlite(p) => sqlx::query("DELETE FROM ledger_cosignatures")
            .execute(p)
            .await
            .map(|_| ()),
        Store::Postgres(p) => sqlx::query("UPDATE ledger_cosignatures SET line = ''")
            .execute(p)
            .await
            .map(|_| ()),
    };
    assert!(tamper.is_err(), "cosignatures must be append-only");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, NewOrganisation, OrgKind};

    /// An attacker with write access to the database changes a logged audit row (after dropping the
    /// append-only trigger): the audit names the row and its record.
    #[tokio::test]
    async fn audit_finds_a_changed_row() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .expect("store");
        let cli = Actor {
            id: "cli:test".into(),
            org_id: None,
        };
        let mut ids = Vec::new();
        for i in 0..5 {
            let org = store
                .create_organisation(
                    &NewOrganisation {
                        kind: OrgKind::Company,
                        name: format!("Co {i}"),
                        country: None,
                        competences: vec![],
                    },
                    &cli,
                )
                .await
                .expect("org");
            ids.push(org.id);
        }
        let signer = test_signer();
        store.ledger_drain(&signer).await.expect("drain");
        let verifier = signer.verifier().expect("verifier");
        assert!(
            store
                .ledger_audit(Some(&verifier))
                .await
                .expect("audit")
                .problems
                .is_empty()
        );

        let Store::Sqlite(p) = &store else {
            unreachable!()
        };
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(p)
            .await
            .expect("drop");
        sqlx::query(
            "UPDATE audit_log SET detail = replace(detail, 'Co 3', 'Co 9') WHERE entity_id = ?1",
        )
        .bind(&ids[3])
        .execute(p)
        .await
        .expect("tamper");
        let audit = store.ledger_audit(Some(&verifier)).await.expect("audit");
        assert_eq!(audit.problems.len(), 1, "{:#?}", audit.problems);
        let pb = &audit.problems[0];
        assert_eq!(pb.leaf_index, Some(3));
        assert_eq!(pb.entity.as_deref(), Some("organisation"));
        assert_eq!(pb.entity_id.as_deref(), Some(ids[3].as_str()));
        assert!(
            pb.problem.contains("changed after it was logged"),
            "{}",
            pb.problem
        );

        // A checkpoint signed by another key is reported when signatures are checked.
        let (other, _) = LogSigner::generate("pwatch.test/store").expect("key");
        let audit = store
            .ledger_audit(Some(&other.verifier().expect("v")))
            .await
            .expect("audit");
        assert!(
            audit
                .problems
                .iter()
                .any(|p| p.problem.contains("signature")),
            "{:#?}",
            audit.problems
        );
    }
}
