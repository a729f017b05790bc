//! The verifiable record under `/api/v1/log` (public: hashes and leaves hold no tenant data) and, for the
//! parties to a record, its logged audit rows (`/api/v1/{licences,notifications,incidents}/{id}/log`).
//!
//! - `GET /log/checkpoint`: the latest signed checkpoint (C2SP `tlog-checkpoint` as a `signed-note`).
//! - `GET /log/key`: the verifier key (`<origin>+<key id>+<base64 key>`).
//! - `GET /log/tile/<L>/<N>[.p/<W>]`, `GET /log/tile/entries/<N>[.p/<W>]`: C2SP `tlog-tiles` of the latest
//!   checkpoint's tree.
//! - `GET /log/proof/inclusion?index=N&size=M` (or `seq=` an audit seq), `GET /log/proof/consistency?old=N&new=M`
//!   (sizes default to the latest checkpoint's).
//! - `GET /log/leaf/{index}`: the leaf's bytes (kind, time, record hash), so anyone can recompute its hash.
//! - `POST /log/cosignatures`: a witness submits a checkpoint of this log with its C2SP `tlog-cosignature`
//!   line; `GET /log/witnesses`: who witnessed which size, and when; `GET /log/checkpoint?size=N` carries
//!   the stored cosignatures of that checkpoint as extra signature lines.
//!
//! Witnesses are configured by the operator (`pwatch serve --witness-key VKEY`, repeatable), like the log's
//! own key, rather than registered through the API: which witnesses a log accepts is deployment
//! configuration that changes rarely and should not be writable by anyone holding a database or an admin
//! session; and it decides only what the log *stores and serves* — a reader's trust comes from the witness
//! keys *it* chose, and a cosignature verifies offline whatever the log's configuration. A submission is
//! authenticated by its signature (no token): it is stored only if the note carries this log's signature on
//! a checkpoint this log issued and a valid cosignature by a configured witness.
//!
//! The drainer ([`start`]) appends queued audit rows at start-up (nothing is lost by a crash between a
//! record's commit and its leaf), after every write through the API (the [`kick`] middleware) and every
//! second; it runs only when `pwatch serve` has a log key (`--ledger-key`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pw_ledger::record::hash_strings;
use pw_ledger::{
    ConsistencyProofDoc, CosignatureVerifier, InclusionProofDoc, LeafDoc, LogSigner, TilePath,
};
use pw_store::{Scope, StoreError, StoredCosignature};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::flows::query;
use crate::{AppError, AppState, Caller, ErrorBody};

/// The log's signing key, the witnesses whose cosignatures it accepts, and the drainer's wake-up call.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    signer: Option<Arc<LogSigner>>,
    witnesses: Arc<Vec<CosignatureVerifier>>,
    kick: Arc<Notify>,
}

impl Ledger {
    /// A ledger that signs checkpoints with this key.
    pub fn new(signer: LogSigner) -> Ledger {
        Ledger {
            signer: Some(Arc::new(signer)),
            witnesses: Arc::default(),
            kick: Arc::default(),
        }
    }

    /// Accept cosignatures by these witnesses (`pwatch serve --witness-key`).
    pub fn with_witnesses(mut self, witnesses: Vec<CosignatureVerifier>) -> Ledger {
        self.witnesses = Arc::new(witnesses);
        self
    }

    /// The witnesses whose cosignatures are accepted.
    pub fn witnesses(&self) -> &[CosignatureVerifier] {
        &self.witnesses
    }

    /// The key, when the log is enabled.
    pub fn signer(&self) -> Option<&LogSigner> {
        self.signer.as_deref()
    }
}

/// Drain once now (so the log is complete when the server starts answering), then keep draining in the
/// background: after each write through the API, and every second. Does nothing without a key.
pub async fn start(state: &AppState) -> Result<(), StoreError> {
    let Some(signer) = state.ledger.signer.clone() else {
        tracing::warn!(
            "no --ledger-key: the transparency log is not being appended (audit rows stay queued)"
        );
        return Ok(());
    };
    let d = state.store.ledger_drain(&signer).await?;
    tracing::info!(
        appended = d.appended,
        size = d.size,
        origin = signer.origin(),
        "transparency log"
    );
    let (store, kick) = (state.store.clone(), state.ledger.kick.clone());
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = kick.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            match store.ledger_pending().await {
                Ok(0) => {}
                Ok(_) => {
                    if let Err(e) = store.ledger_drain(&signer).await {
                        tracing::error!(error = %e, "appending to the transparency log");
                    }
                }
                Err(e) => tracing::error!(error = %e, "reading the transparency log queue"),
            }
        }
    });
    Ok(())
}

/// Middleware: after a successful write, wake the drainer.
pub(crate) async fn kick(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let resp = next.run(req).await;
    if write && resp.status().is_success() {
        st.ledger.kick.notify_one();
    }
    resp
}

/// The caller of a public endpoint when the request's credentials are valid (an API token, or a session with
/// the CSRF header), else `None`: decisions made for an authenticated caller are logged, anonymous ones not.
pub(crate) struct MaybeCaller(pub(crate) Option<Caller>);

impl axum::extract::FromRequestParts<AppState> for MaybeCaller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<MaybeCaller, Self::Rejection> {
        Ok(MaybeCaller(
            crate::auth::authenticate(state, parts).await.ok(),
        ))
    }
}

/// Log a trade check made for an authenticated caller (the request and the report's decision and registry
/// version; no personal data): one audit row of entity `check`, hence a leaf. Nothing for anonymous calls.
pub(crate) async fn log_check(
    st: &AppState,
    caller: &MaybeCaller,
    req: &pw_trade::CheckRequest,
    report: &pw_trade::TradeReport,
) -> Result<(), AppError> {
    let Some(c) = &caller.0 else { return Ok(()) };
    let detail = serde_json::json!({
        "request": {
            "substance": req.substance, "from": req.from, "to": req.to,
            "quantity": req.quantity, "date": req.date,
        },
        "substance": report.substance,
        "decision": report.decision,
        "registry_version": report.registry_version,
    });
    st.store
        .log_decisions(&c.viewer().actor(), "check", &[detail])
        .await?;
    Ok(())
}

/// Log classifications made for an authenticated caller, one audit row (of entity `classification`) each:
/// the structure, the date and what was decided (listings, matched class rules) with the registry version.
/// Nothing for anonymous calls.
pub(crate) async fn log_classifications(
    st: &AppState,
    caller: &MaybeCaller,
    done: &[&pw_classify::Classification],
) -> Result<(), AppError> {
    let Some(c) = &caller.0 else { return Ok(()) };
    if done.is_empty() {
        return Ok(());
    }
    let details: Vec<serde_json::Value> = done
        .iter()
        .map(|k| {
            serde_json::json!({
                "request": {"smiles": k.input, "as_of": k.as_of},
                "inchikey": k.inchikey,
                "listed": k.listed,
                "listed_by": k.listed_by,
                "class_matches": k.class_matches.iter()
                    .map(|m| serde_json::json!({"jurisdiction": m.jurisdiction, "rule": m.rule, "list": m.list}))
                    .collect::<Vec<_>>(),
                "registry_version": k.registry_version,
            })
        })
        .collect();
    st.store
        .log_decisions(&c.viewer().actor(), "classification", &details)
        .await?;
    Ok(())
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/key", get(key))
        .route("/log/tile/{*path}", get(tile))
        .route("/log/proof/inclusion", get(inclusion))
        .route("/log/proof/consistency", get(consistency))
        .route("/log/leaf/{index}", get(leaf))
        .route("/log/cosignatures", post(add_cosignature))
        .route("/log/witnesses", get(witnesses))
        .route("/licences/{id}/log", get(licence_log))
        .route("/notifications/{id}/log", get(notification_log))
        .route("/incidents/{id}/log", get(incident_log))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        checkpoint,
        key,
        tile,
        inclusion,
        consistency,
        leaf,
        add_cosignature,
        witnesses,
        licence_log,
        notification_log,
        incident_log
    ),
    components(schemas(
        LeafDoc,
        InclusionProofDoc,
        ConsistencyProofDoc,
        RecordLog,
        pw_ledger::AuditRecord,
        pw_ledger::Cosignature,
        StoredCosignature,
        CosignatureReceipt,
        WitnessesDoc,
        WitnessDoc,
        TreeHead
    ))
)]
pub(crate) struct LedgerDoc;

fn not_found(message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::NOT_FOUND, "not_found", message)
}

fn text(body: String, immutable: bool) -> Response {
    let mut r = ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response();
    if !immutable {
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    r
}

/// The size of the latest checkpoint (0 when there is none).
async fn current_size(st: &AppState) -> Result<u64, AppError> {
    Ok(st
        .store
        .ledger_checkpoint(None)
        .await?
        .map_or(0, |c| c.size))
}

/// Query of `GET /api/v1/log/checkpoint`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckpointParams {
    /// The checkpoint of this tree size (default: the latest).
    size: Option<u64>,
}

/// The latest signed checkpoint, or the one of `size` (C2SP tlog-checkpoint in a signed note, Ed25519),
/// followed by the cosignatures (C2SP tlog-cosignature) witnesses submitted for it, one signature line
/// each: readers verify the log's line with its key and the witness lines with the witness keys they
/// trust, and ignore lines of keys they do not know.
#[utoipa::path(get, path = "/api/v1/log/checkpoint", params(CheckpointParams),
    responses((status = 200, description = "The signed note", content_type = "text/plain", body = String),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn checkpoint(
    State(st): State<AppState>,
    q: Result<Query<CheckpointParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let p = query(q)?;
    let (_, note) = cosigned_checkpoint(&st, p.size)
        .await?
        .ok_or_else(|| match p.size {
            Some(s) => not_found(format!("the log issued no checkpoint of size {s}")),
            None => {
                not_found("the log has no checkpoint yet (is the server run with --ledger-key?)")
            }
        })?;
    Ok(text(note, false))
}

/// The checkpoint of `size` (default: the latest) and its note with the stored cosignatures appended.
pub(crate) async fn cosigned_checkpoint(
    st: &AppState,
    size: Option<u64>,
) -> Result<Option<(pw_store::StoredCheckpoint, String)>, AppError> {
    let Some(c) = st.store.ledger_checkpoint(size).await? else {
        return Ok(None);
    };
    let lines: Vec<String> = st
        .store
        .ledger_cosignatures(c.size)
        .await?
        .into_iter()
        .map(|c| c.line)
        .collect();
    let note = if lines.is_empty() {
        c.note.clone()
    } else {
        pw_ledger::append_cosignatures(&c.note, &lines)
            .map_err(|e| AppError::internal(format!("stored cosignature: {e}")))?
    };
    Ok(Some((c, note)))
}

/// How far in the future (seconds) a cosignature's timestamp may be, for clocks that are slightly off.
const CLOCK_SKEW_SECS: u64 = 600;

/// What `POST /api/v1/log/cosignatures` accepted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CosignatureReceipt {
    /// The size of the checkpoint cosigned.
    pub size: u64,
    /// Its root (base64).
    pub root: String,
    /// The cosignatures by configured witnesses found in the note, all verified.
    pub verified: Vec<pw_ledger::Cosignature>,
    /// How many of them were new (a witness's cosignature of a size is stored once).
    pub stored: usize,
}

/// A witness submits its cosignature (C2SP tlog-cosignature, `cosignature/v1`) of one of this log's
/// checkpoints: the body is the checkpoint's signed note (`GET /api/v1/log/checkpoint`) with the witness's
/// signature line added. It is stored when the note carries this log's valid signature on a checkpoint the
/// log issued, and a valid cosignature by a witness the operator configured (`serve --witness-key`). No
/// token: the signatures are the credentials. 201 when stored, 200 when already stored; 400 unreadable,
/// 403 no cosignature by a configured witness, 404 no such checkpoint, 422 a signature that does not verify.
#[utoipa::path(post, path = "/api/v1/log/cosignatures",
    request_body(content = String, content_type = "text/plain", description = "The cosigned checkpoint note"),
    responses((status = 201, body = CosignatureReceipt), (status = 200, body = CosignatureReceipt),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn add_cosignature(
    State(st): State<AppState>,
    body: String,
) -> Result<(StatusCode, Json<CosignatureReceipt>), AppError> {
    let signer = st
        .ledger
        .signer()
        .ok_or_else(|| not_found("this server signs no log (no --ledger-key)"))?;
    if st.ledger.witnesses().is_empty() {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this log accepts no cosignatures: its operator configured no witness (pwatch serve --witness-key)",
        ));
    }
    let invalid = |m: String| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m);
    let log = signer
        .verifier()
        .map_err(|e| AppError::internal(e.to_string()))?;
    let c = log.verify(body.as_bytes()).map_err(|e| {
        if e.is_verification_failure() {
            invalid(format!(
                "not a checkpoint signed by this log ({}): {e}",
                log.key()
            ))
        } else {
            AppError::bad("body", format!("not a signed checkpoint note: {e}"))
        }
    })?;
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    let mut verified = Vec::new();
    for w in st.ledger.witnesses() {
        match w.find_in_note(body.as_bytes()) {
            Ok(None) => {}
            Ok(Some(cos)) if cos.timestamp > now + CLOCK_SKEW_SECS => {
                return Err(invalid(format!(
                    "the cosignature of {} is dated {} (POSIX seconds), in the future (now {now})",
                    cos.witness, cos.timestamp
                )));
            }
            Ok(Some(cos)) => verified.push(cos),
            Err(e) => return Err(invalid(e.to_string())),
        }
    }
    if verified.is_empty() {
        let names: Vec<&str> = st.ledger.witnesses().iter().map(|w| w.key()).collect();
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "the note holds no cosignature by a witness this log accepts ({})",
                names.join(", ")
            ),
        ));
    }
    let stored = st
        .store
        .ledger_add_cosignatures(c.size, c.root, &verified)
        .await?;
    for s in &stored {
        tracing::info!(witness = %s.witness, size = s.size, "cosignature stored");
    }
    let status = if stored.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(CosignatureReceipt {
            size: c.size,
            root: c.root.to_string(),
            verified,
            stored: stored.len(),
        }),
    ))
}

/// A tree head: size and root.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TreeHead {
    /// Leaves.
    pub size: u64,
    /// Root hash (base64).
    pub root: String,
}

/// One witness and the latest checkpoint it cosigned.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WitnessDoc {
    /// Its name.
    pub name: String,
    /// Its key id (hex).
    pub key_id: String,
    /// Its verifier key (`<name>+<id>+<base64>`), when the operator configured it.
    pub key: Option<String>,
    /// Whether the log accepts its cosignatures now (`serve --witness-key`).
    pub configured: bool,
    /// The largest checkpoint it cosigned (null: it has not witnessed this log).
    pub latest: Option<StoredCosignature>,
}

/// Who witnessed the log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WitnessesDoc {
    /// The latest checkpoint (null before the first).
    pub checkpoint: Option<TreeHead>,
    /// The configured witnesses, then any others whose cosignatures were stored before.
    pub witnesses: Vec<WitnessDoc>,
}

/// Who witnessed the log: each witness and the latest checkpoint (size, time) it cosigned.
#[utoipa::path(get, path = "/api/v1/log/witnesses",
    responses((status = 200, body = WitnessesDoc)))]
pub(crate) async fn witnesses(State(st): State<AppState>) -> Result<Json<WitnessesDoc>, AppError> {
    let head = st.store.ledger_checkpoint(None).await?;
    let mut stored = st.store.ledger_witnessed().await?;
    let mut out = Vec::new();
    for w in st.ledger.witnesses() {
        let latest = stored
            .iter()
            .position(|c| c.witness == w.name() && c.key_id == w.key_id())
            .map(|i| stored.remove(i));
        out.push(WitnessDoc {
            name: w.name().to_string(),
            key_id: w.key_id(),
            key: Some(w.key().to_string()),
            configured: true,
            latest,
        });
    }
    out.extend(stored.into_iter().map(|c| WitnessDoc {
        name: c.witness.clone(),
        key_id: c.key_id.clone(),
        key: None,
        configured: false,
        latest: Some(c),
    }));
    Ok(Json(WitnessesDoc {
        checkpoint: head.map(|c| TreeHead {
            size: c.size,
            root: c.root.to_string(),
        }),
        witnesses: out,
    }))
}

/// The log's verifier key, in signed-note form (`<origin>+<key id>+<base64 key>`).
#[utoipa::path(get, path = "/api/v1/log/key",
    responses((status = 200, description = "The verifier key", content_type = "text/plain", body = String),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn key(State(st): State<AppState>) -> Result<Response, AppError> {
    let s = st
        .ledger
        .signer()
        .ok_or_else(|| not_found("this server signs no log (no --ledger-key)"))?;
    Ok(text(format!("{}\n", s.verifier_key()), false))
}

/// A C2SP tlog-tiles tile of the latest checkpoint's tree: `<L>/<N>[.p/<W>]` (hashes) or
/// `entries/<N>[.p/<W>]` (leaves, each preceded by its length as a big-endian u16).
#[utoipa::path(get, path = "/api/v1/log/tile/{path}",
    params(("path" = String, Path, description = "`0/x001/234`, `1/000.p/7`, `entries/000.p/12`…")),
    responses((status = 200, description = "Tile data", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn tile(
    State(st): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, AppError> {
    let t = TilePath::parse(&format!("tile/{path}"))
        .map_err(|e| AppError::bad("path", e.to_string()))?;
    let size = current_size(&st).await?;
    let data = st
        .store
        .ledger_tile(&t, size)
        .await?
        .ok_or_else(|| not_found(format!("{t} is not in the tree of {size} leaves")))?;
    let mut r = ([(header::CONTENT_TYPE, "application/octet-stream")], data).into_response();
    // A full tile never changes; a partial one is replaced by a wider one.
    let cache = if t.width == 256 {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(r)
}

/// Query of `GET /api/v1/log/proof/inclusion`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct InclusionParams {
    /// Leaf index (or give `seq`).
    index: Option<u64>,
    /// The audit seq the leaf logs (instead of `index`).
    seq: Option<i64>,
    /// Tree size (default: the latest checkpoint's).
    size: Option<u64>,
}

/// The inclusion proof of a leaf in the tree of `size` leaves.
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", params(InclusionParams),
    responses((status = 200, body = InclusionProofDoc), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn inclusion(
    State(st): State<AppState>,
    q: Result<Query<InclusionParams>, QueryRejection>,
) -> Result<Json<InclusionProofDoc>, AppError> {
    let p = query(q)?;
    let leaf = match (p.index, p.seq) {
        (Some(i), None) => st.store.ledger_leaf(i).await?,
        (None, Some(s)) => st.store.ledger_leaf_of_seq(s).await?,
        _ => return Err(AppError::bad("index", "give `index` or `seq`")),
    }
    .ok_or_else(|| not_found("no such leaf (yet)"))?;
    let size = match p.size {
        Some(s) => s,
        None => current_size(&st).await?,
    };
    let proof = st.store.ledger_inclusion_proof(leaf.index, size).await?;
    Ok(Json(InclusionProofDoc {
        index: leaf.index,
        size,
        leaf_hash: leaf.leaf_hash.to_string(),
        proof: hash_strings(&proof),
    }))
}

/// Query of `GET /api/v1/log/proof/consistency`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsistencyParams {
    /// The older tree size.
    old: u64,
    /// The newer tree size (default: the latest checkpoint's).
    new: Option<u64>,
}

/// The consistency proof from the tree of `old` leaves to the tree of `new` leaves.
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", params(ConsistencyParams),
    responses((status = 200, body = ConsistencyProofDoc), (status = 400, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn consistency(
    State(st): State<AppState>,
    q: Result<Query<ConsistencyParams>, QueryRejection>,
) -> Result<Json<ConsistencyProofDoc>, AppError> {
    let p = query(q)?;
    let new = match p.new {
        Some(n) => n,
        None => current_size(&st).await?,
    };
    let proof = st.store.ledger_consistency_proof(p.old, new).await?;
    Ok(Json(ConsistencyProofDoc {
        old: p.old,
        new,
        proof: hash_strings(&proof),
    }))
}

/// One leaf: its bytes (four lines: format, kind, time, record hash) and its leaf hash.
#[utoipa::path(get, path = "/api/v1/log/leaf/{index}", params(("index" = u64, Path, description = "Leaf index")),
    responses((status = 200, body = LeafDoc), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn leaf(
    State(st): State<AppState>,
    Path(index): Path<String>,
) -> Result<Json<LeafDoc>, AppError> {
    let index: u64 = index
        .parse()
        .map_err(|_| AppError::bad("index", "a leaf index is a non-negative integer"))?;
    let l = st
        .store
        .ledger_leaf(index)
        .await?
        .ok_or_else(|| not_found(format!("no leaf {index} (yet)")))?;
    Ok(Json(LeafDoc::new(l.index, &l.leaf, None)))
}

/// The audit rows of one record as logged: each with its leaf (index, bytes, hash) and the row itself, so
/// its holder can recompute the leaf and verify its inclusion offline (`pwatch ledger verify-inclusion`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordLog {
    /// Logged rows, oldest first.
    pub logged: Vec<LeafDoc>,
    /// Rows not logged yet (the drainer logs them within a second).
    pub pending: Vec<pw_ledger::AuditRecord>,
}

async fn record_log(st: &AppState, entity: &str, id: &str) -> Result<Json<RecordLog>, AppError> {
    let rows = st.store.ledger_records_of(entity, id).await?;
    let mut out = RecordLog {
        logged: Vec::new(),
        pending: Vec::new(),
    };
    for (rec, leaf) in rows {
        match leaf {
            Some(l) => out.logged.push(LeafDoc::new(l.index, &l.leaf, Some(rec))),
            None => out.pending.push(rec),
        }
    }
    Ok(Json(out))
}

/// The logged audit rows of a licence application (for its applicant and its authority).
#[utoipa::path(get, path = "/api/v1/licences/{id}/log", params(("id" = String, Path, description = "lic_…")),
    responses((status = 200, body = RecordLog), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn licence_log(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecordLog>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    st.store.licence(&id, &viewer).await?;
    record_log(&st, "licence", &id).await
}

/// The logged audit rows of a pre-export notification (for its sender and its addressee).
#[utoipa::path(get, path = "/api/v1/notifications/{id}/log", params(("id" = String, Path, description = "pen_…")),
    responses((status = 200, body = RecordLog), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn notification_log(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecordLog>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    st.store.notification(&id, &viewer).await?;
    record_log(&st, "notification", &id).await
}

/// The logged audit rows of an incident (for those who may see it).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/log", params(("id" = String, Path, description = "inc_…")),
    responses((status = 200, body = RecordLog), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn incident_log(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecordLog>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    st.store.incident(&id, &viewer).await?;
    record_log(&st, "incident", &id).await
}
