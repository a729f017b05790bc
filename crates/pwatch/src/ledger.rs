//! `pwatch ledger`: keys for the transparency log and for witnesses, offline verification of what a log
//! served, the audit of a store against its log, and witnessing another instance's log (C2SP
//! `tlog-cosignature`). Exit codes: 0 verified / no problem, 1 verification failed / problems found, 2 bad
//! input (or a log that cannot be reached).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use pw_ledger::record::parse_hashes;
use pw_ledger::{
    ConsistencyProofDoc, CosignatureVerifier, InclusionProofDoc, LeafDoc, LedgerError, LogSigner,
    LogVerifier, Witness, WitnessKey, WitnessState,
};

#[derive(Subcommand, Debug)]
pub(crate) enum LedgerCommand {
    /// Generate the log's signing key: FILE (secret, mode 0600; give it to `pwatch serve --ledger-key`)
    /// and FILE.pub (the verifier key others use). With --witness, a witness's cosigning key instead (give
    /// FILE to `pwatch ledger witness --key`, and FILE.pub to the operators of the logs it witnesses, for
    /// `pwatch serve --witness-key`). Refuses to overwrite.
    Keygen {
        /// The log's origin, also the key name (e.g. `pwatch.authority.example/ledger`); with --witness, the
        /// witness's name (e.g. `pwatch.authority.example/witness`).
        #[arg(long, alias = "name")]
        origin: String,
        /// Where to write the secret key.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// A witness key (C2SP tlog-cosignature, cosignature/v1) rather than a log key.
        #[arg(long)]
        witness: bool,
    },
    /// Witness another instance's log: fetch its latest checkpoint and a consistency proof from the size
    /// this witness cosigned last (kept in --state), check the log's signature and the proof, cosign (C2SP
    /// tlog-cosignature), save the new state, and submit the cosignature (`POST /api/v1/log/cosignatures`).
    /// A rolled-back, forked or inconsistent log, or a checkpoint not signed by --log-key, is refused
    /// (exit 1) and the state is left as it was.
    Witness {
        /// The instance's base URL (e.g. `https://pwatch.authority.example`).
        #[arg(long)]
        url: String,
        /// The witness's secret key (`pwatch ledger keygen --witness`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The log's verifier key, obtained out of band (never trusted from the URL).
        #[arg(long, value_name = "FILE")]
        log_key: PathBuf,
        /// The witness's memory (JSON: the largest checkpoint cosigned per log); created when missing.
        #[arg(long, value_name = "FILE")]
        state: PathBuf,
    },
    /// Verify offline that a leaf (LEAF.json: `GET /api/v1/log/leaf/{index}`, or one entry of `GET
    /// /api/v1/notifications/{id}/log` with its record) is in the tree of a signed checkpoint.
    VerifyInclusion {
        /// The leaf document (with `record`, the leaf is recomputed from the record).
        #[arg(value_name = "LEAF.json")]
        leaf: PathBuf,
        /// The signed checkpoint (`GET /api/v1/log/checkpoint`).
        #[arg(long, value_name = "FILE")]
        checkpoint: PathBuf,
        /// The inclusion proof (`GET /api/v1/log/proof/inclusion?index=N&size=M`).
        #[arg(long, value_name = "FILE")]
        proof: PathBuf,
        /// The log's verifier key (`GET /api/v1/log/key`, or the keygen's FILE.pub), obtained out of band.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Verify offline that the tree of the NEW checkpoint extends the tree of the OLD one.
    VerifyConsistency {
        /// The older signed checkpoint.
        old: PathBuf,
        /// The newer signed checkpoint.
        new: PathBuf,
        /// The consistency proof (`GET /api/v1/log/proof/consistency?old=N&new=M`).
        #[arg(long, value_name = "FILE")]
        proof: PathBuf,
        /// The log's verifier key.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Verify offline that a checkpoint (`GET /api/v1/log/checkpoint[?size=N]`) is signed by the log and
    /// cosigned by a witness (C2SP tlog-cosignature): exit 0 with the size and the witness's time, 1 when a
    /// signature is missing or does not verify.
    VerifyCosignature {
        /// The cosigned checkpoint note.
        checkpoint: PathBuf,
        /// The log's verifier key.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The witness's verifier key (`pwatch ledger keygen --witness` FILE.pub); repeatable: every one
        /// must have cosigned.
        #[arg(long = "witness-key", value_name = "FILE", required = true)]
        witness_keys: Vec<PathBuf>,
    },
    /// Recompute every leaf from the store's audit log and the tree from the leaves; report any audit row
    /// changed after it was logged, and any stored hash or checkpoint that does not match.
    Audit {
        /// Database URL.
        #[arg(
            long,
            default_value = "sqlite://pwatch.db",
            env = "PWATCH_DATABASE_URL"
        )]
        db: String,
        /// Also check every stored checkpoint's signature with this verifier key.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// A checkpoint kept outside the database (needs --key): the stored leaves must give its root.
        #[arg(long, value_name = "FILE", requires = "key")]
        checkpoint: Option<PathBuf>,
    },
}

/// Bad input: exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BadInput(String);

fn read(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("reading the {what} {}: {e}", path.display())).into())
}

fn json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<T> {
    let text = read(path, what)?;
    serde_json::from_str(&text)
        .map_err(|e| BadInput(format!("{} is not a {what}: {e}", path.display())).into())
}

fn verifier(path: &Path) -> anyhow::Result<LogVerifier> {
    LogVerifier::new(&read(path, "verifier key")?)
        .map_err(|e| BadInput(format!("{}: {e}", path.display())).into())
}

/// A verification outcome: a failure is exit 1, unreadable input exit 2.
fn outcome(r: Result<String, LedgerError>, json_out: bool) -> anyhow::Result<ExitCode> {
    match r {
        Ok(msg) => {
            if json_out {
                println!("{}", serde_json::json!({"verified": true, "message": msg}));
            } else {
                println!("ok: {msg}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if e.is_verification_failure() || matches!(e, LedgerError::Range(_)) => {
            if json_out {
                println!(
                    "{}",
                    serde_json::json!({"verified": false, "message": e.to_string()})
                );
            } else {
                println!("FAILED: {e}");
            }
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(BadInput(e.to_string()).into()),
    }
}

pub(crate) fn run(cmd: LedgerCommand, json_out: bool) -> anyhow::Result<ExitCode> {
    let result = run_inner(cmd, json_out);
    match result {
        Err(e) if e.downcast_ref::<BadInput>().is_some() => {
            eprintln!("error: {e:#}");
            Ok(ExitCode::from(2))
        }
        other => other,
    }
}

fn run_inner(cmd: LedgerCommand, json_out: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        LedgerCommand::Keygen {
            origin,
            out,
            witness,
        } => keygen(&origin, &out, witness, json_out),
        LedgerCommand::Witness {
            url,
            key,
            log_key,
            state,
        } => witness(&url, &key, &log_key, &state, json_out),
        LedgerCommand::VerifyInclusion {
            leaf,
            checkpoint,
            proof,
            key,
        } => {
            let v = verifier(&key)?;
            let doc: LeafDoc = json(&leaf, "leaf document")?;
            let p: InclusionProofDoc = json(&proof, "inclusion proof")?;
            let note = read(&checkpoint, "checkpoint")?;
            outcome(verify_inclusion(&v, &doc, &p, &note), json_out)
        }
        LedgerCommand::VerifyConsistency {
            old,
            new,
            proof,
            key,
        } => {
            let v = verifier(&key)?;
            let p: ConsistencyProofDoc = json(&proof, "consistency proof")?;
            let (old, new) = (read(&old, "checkpoint")?, read(&new, "checkpoint")?);
            outcome(verify_consistency(&v, &old, &new, &p), json_out)
        }
        LedgerCommand::VerifyCosignature {
            checkpoint,
            key,
            witness_keys,
        } => {
            let v = verifier(&key)?;
            let note = read(&checkpoint, "checkpoint")?;
            let mut witnesses = Vec::new();
            for path in &witness_keys {
                witnesses.push(
                    CosignatureVerifier::new(&read(path, "witness key")?)
                        .map_err(|e| BadInput(format!("{}: {e}", path.display())))?,
                );
            }
            outcome(verify_cosignatures(&v, &witnesses, &note), json_out)
        }
        LedgerCommand::Audit {
            db,
            key,
            checkpoint,
        } => audit(&db, key.as_deref(), checkpoint.as_deref(), json_out),
    }
}

fn keygen(origin: &str, out: &Path, witness: bool, json_out: bool) -> anyhow::Result<ExitCode> {
    let (origin, vkey, skey) = if witness {
        let (k, skey) =
            WitnessKey::generate(origin).map_err(|e| BadInput(format!("--origin: {e}")))?;
        (k.name().to_string(), k.verifier_key().to_string(), skey)
    } else {
        let (s, skey) =
            LogSigner::generate(origin).map_err(|e| BadInput(format!("--origin: {e}")))?;
        (s.origin().to_string(), s.verifier_key().to_string(), skey)
    };
    let mut public = out.as_os_str().to_owned();
    public.push(".pub");
    let public = PathBuf::from(public);
    for p in [out, public.as_path()] {
        if p.exists() {
            return Err(BadInput(format!("{} exists; not overwriting a key", p.display())).into());
        }
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(out)
        .with_context(|| format!("creating {}", out.display()))?;
    writeln!(f, "{skey}")?;
    f.sync_all()?;
    std::fs::write(&public, format!("{vkey}\n"))
        .with_context(|| format!("writing {}", public.display()))?;
    if json_out {
        println!(
            "{}",
            serde_json::json!({"origin": origin, "witness": witness, "verifier_key": vkey,
                "secret_key_file": out, "verifier_key_file": public})
        );
    } else {
        let usage = if witness {
            "pwatch ledger witness --key"
        } else {
            "pwatch serve --ledger-key"
        };
        println!(
            "secret key: {} (keep it private; {usage} {})",
            out.display(),
            out.display()
        );
        println!("verifier key ({}):", public.display());
        println!("{vkey}");
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_inclusion(
    v: &LogVerifier,
    doc: &LeafDoc,
    p: &InclusionProofDoc,
    note: &str,
) -> Result<String, LedgerError> {
    let c = v.verify(note.as_bytes())?;
    let leaf_hash = doc.checked_leaf_hash()?;
    if p.index != doc.index {
        return Err(LedgerError::Mismatch(format!(
            "the proof is for leaf {}, the document is leaf {}",
            p.index, doc.index
        )));
    }
    if p.size != c.size {
        return Err(LedgerError::Mismatch(format!(
            "the proof is for a tree of {} leaves, the checkpoint's has {}",
            p.size, c.size
        )));
    }
    if pw_ledger::parse_hash("leaf_hash", &p.leaf_hash)? != leaf_hash {
        return Err(LedgerError::Mismatch(
            "the proof's leaf hash is not the document's".into(),
        ));
    }
    let proof = parse_hashes("proof", &p.proof)?;
    pw_ledger::verify_inclusion(&proof, c.size, c.root, doc.index, leaf_hash)?;
    let leaf = pw_ledger::Leaf::parse(&doc.data)?;
    let what = match &doc.record {
        Some(r) => format!(
            "audit row {} ({} {} {})",
            r.seq, r.entity, r.entity_id, r.action
        ),
        None => format!("{} at {}", leaf.kind, leaf.at),
    };
    Ok(format!(
        "leaf {} — {what} — is in the log {} of {} leaves (root {})",
        doc.index, c.origin, c.size, c.root
    ))
}

fn verify_cosignatures(
    v: &LogVerifier,
    witnesses: &[CosignatureVerifier],
    note: &str,
) -> Result<String, LedgerError> {
    let c = v.verify(note.as_bytes())?;
    let mut by = Vec::new();
    for w in witnesses {
        let cos = w.verify_note(note.as_bytes())?;
        let at = i64::try_from(cos.timestamp)
            .ok()
            .and_then(|t| chrono::DateTime::<chrono::Utc>::from_timestamp(t, 0))
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| cos.timestamp.to_string());
        by.push(format!("{} at {at}", cos.witness));
    }
    Ok(format!(
        "the log {} of {} leaves (root {}) is cosigned by {}",
        c.origin,
        c.size,
        c.root,
        by.join(", ")
    ))
}

fn verify_consistency(
    v: &LogVerifier,
    old: &str,
    new: &str,
    p: &ConsistencyProofDoc,
) -> Result<String, LedgerError> {
    let (o, n) = (v.verify(old.as_bytes())?, v.verify(new.as_bytes())?);
    if (p.old, p.new) != (o.size, n.size) {
        return Err(LedgerError::Mismatch(format!(
            "the proof is from {} to {} leaves, the checkpoints are of {} and {}",
            p.old, p.new, o.size, n.size
        )));
    }
    let proof = parse_hashes("proof", &p.proof)?;
    pw_ledger::verify_consistency(&proof, o.size, o.root, n.size, n.root)?;
    Ok(format!(
        "the log {} of {} leaves extends its tree of {} leaves",
        n.origin, n.size, o.size
    ))
}

fn audit(
    db: &str,
    key: Option<&Path>,
    checkpoint: Option<&Path>,
    json_out: bool,
) -> anyhow::Result<ExitCode> {
    let v = key.map(verifier).transpose()?;
    let outside = match (checkpoint, &v) {
        (Some(path), Some(v)) => {
            let note = read(path, "checkpoint")?;
            Some(v.verify(note.as_bytes()).map_err(|e| {
                BadInput(format!(
                    "{}: not a checkpoint of this key: {e}",
                    path.display()
                ))
            })?)
        }
        _ => None,
    };
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let report = rt.block_on(async {
        let store = pw_store::Store::connect(db)
            .await
            .with_context(|| format!("opening database {}", pw_store::redact(db)))?;
        let mut report = store.ledger_audit(v.as_ref()).await?;
        if let Some(c) = &outside {
            let size = store.ledger_size().await?;
            let problem = if c.size > size {
                Some(format!(
                    "the outside checkpoint has {} leaves, the store only {size}: leaves were removed",
                    c.size
                ))
            } else if store.ledger_rebuilt_root(c.size).await? != c.root {
                Some(format!(
                    "the stored leaves do not give the root of the outside checkpoint of {} leaves: the log was rewritten",
                    c.size
                ))
            } else {
                None
            };
            if let Some(p) = problem {
                report.problems.push(pw_store::LedgerProblem {
                    leaf_index: None,
                    audit_seq: None,
                    entity: None,
                    entity_id: None,
                    problem: p,
                });
            }
        }
        anyhow::Ok(report)
    })?;
    if json_out {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} leaves, {} checkpoints{}, {} queued",
            report.leaves,
            report.checkpoints,
            if report.signatures_checked {
                " (signatures checked)"
            } else {
                ""
            },
            report.pending
        );
        for p in &report.problems {
            let mut at = Vec::new();
            if let Some(i) = p.leaf_index {
                at.push(format!("leaf {i}"));
            }
            if let Some(s) = p.audit_seq {
                at.push(format!("audit seq {s}"));
            }
            if let (Some(e), Some(id)) = (&p.entity, &p.entity_id) {
                at.push(format!("{e} {id}"));
            }
            println!("PROBLEM [{}]: {}", at.join(", "), p.problem);
        }
        if report.problems.is_empty() {
            println!("ok: every leaf matches its audit row and the tree matches every checkpoint");
        }
    }
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The witnesses of `pwatch serve --witness-key`: each a verifier key text, or a file holding one.
pub(crate) fn witness_verifiers(keys: &[String]) -> anyhow::Result<Vec<CosignatureVerifier>> {
    let mut out: Vec<CosignatureVerifier> = Vec::new();
    for k in keys.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        let text = if Path::new(k).is_file() {
            std::fs::read_to_string(k).with_context(|| format!("reading the witness key {k}"))?
        } else {
            k.to_string()
        };
        let v = CosignatureVerifier::new(&text).with_context(|| {
            format!("--witness-key {k}: a witness verifier key NAME+KEYID+KEY (pwatch ledger keygen --witness), or a file holding one")
        })?;
        if out.iter().any(|o| o.name() == v.name()) {
            anyhow::bail!(
                "--witness-key: two keys named {}: one key per witness name",
                v.name()
            );
        }
        out.push(v);
    }
    Ok(out)
}

/// Write `text` to `path` so that a crash leaves the old file or the new one, never a torn one.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

fn witness(
    url: &str,
    key: &Path,
    log_key: &Path,
    state_file: &Path,
    json_out: bool,
) -> anyhow::Result<ExitCode> {
    let wkey = WitnessKey::from_secret(&read(key, "witness key")?)
        .map_err(|e| BadInput(format!("{}: {e}", key.display())))?;
    let log = verifier(log_key)?;
    let state: WitnessState = if state_file.exists() {
        json(state_file, "witness state")?
    } else {
        WitnessState::default()
    };
    let mut w = Witness::new(wkey, state);
    let base = url.trim_end_matches('/').to_string();
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return Err(BadInput(format!("--url {url}: not an http:// or https:// URL")).into());
    }
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .context("HTTP client")?;
        let get = |path: String| {
            let client = client.clone();
            let base = base.clone();
            async move {
                let r = client
                    .get(format!("{base}{path}"))
                    .send()
                    .await
                    .map_err(|e| BadInput(format!("GET {base}{path}: {e}")))?;
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                if !status.is_success() {
                    return Err(BadInput(format!("GET {base}{path}: {status}: {body}")));
                }
                Ok(body)
            }
        };
        let note = get("/api/v1/log/checkpoint".into()).await?;
        // Which size the proof must start from: the log's origin is checked with its signature below.
        let c = match log.verify(note.as_bytes()) {
            Ok(c) => c,
            Err(e) => return outcome(Err(e), json_out),
        };
        let last = w
            .last(&c.origin)
            .map_err(|e| BadInput(format!("{}: {e}", state_file.display())))?;
        let proof = match last {
            Some((old, _)) if old > 0 && old < c.size => {
                let text = get(format!(
                    "/api/v1/log/proof/consistency?old={old}&new={}",
                    c.size
                ))
                .await?;
                let doc: ConsistencyProofDoc = serde_json::from_str(&text)
                    .map_err(|e| BadInput(format!("the consistency proof is not JSON: {e}")))?;
                if (doc.old, doc.new) != (old, c.size) {
                    return outcome(
                        Err(LedgerError::Mismatch(format!(
                            "asked for a proof from {old} to {} leaves, got one from {} to {}",
                            c.size, doc.old, doc.new
                        ))),
                        json_out,
                    );
                }
                parse_hashes("proof", &doc.proof)
                    .map_err(|e| BadInput(format!("the consistency proof: {e}")))?
            }
            _ => Vec::new(),
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .context("the clock is before 1970")?;
        let cosigned = match w.cosign(&log, note.as_bytes(), &proof, now) {
            Ok(c) => c,
            Err(e) => return outcome(Err(e), json_out),
        };
        // Remember before handing the cosignature out: a witness that forgot what it cosigned could be
        // made to cosign a fork.
        write_atomically(state_file, &serde_json::to_string_pretty(w.state())?)?;
        let r = client
            .post(format!("{base}/api/v1/log/cosignatures"))
            .header("content-type", "text/plain; charset=utf-8")
            .body(cosigned.note.clone())
            .send()
            .await
            .map_err(|e| BadInput(format!("POST {base}/api/v1/log/cosignatures: {e}")))?;
        let status = r.status();
        let body = r.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(BadInput(format!(
                "the log refused the cosignature: {status}: {body}"
            ))
            .into());
        }
        let cp = &cosigned.checkpoint;
        if json_out {
            println!(
                "{}",
                serde_json::json!({
                    "origin": cp.origin, "size": cp.size, "root": cp.root.to_string(),
                    "previous": cosigned.previous, "cosignature": cosigned.cosignature,
                    "note": cosigned.note, "submitted": status.as_u16(),
                })
            );
        } else {
            let since = match cosigned.previous {
                Some(p) => format!("consistent with the {p} leaves cosigned before"),
                None => "first checkpoint seen of this log".to_string(),
            };
            println!(
                "ok: cosigned the log {} at {} leaves (root {}; {since}) as {}; submitted ({status})",
                cp.origin,
                cp.size,
                cp.root,
                w.key().name()
            );
            print!("{}", cosigned.note);
        }
        Ok(ExitCode::SUCCESS)
    })
}
