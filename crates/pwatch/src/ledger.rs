//! `pwatch ledger`: keys for the transparency log, offline verification of what a log served, and the audit
//! of a store against its log. Exit codes: 0 verified / no problem, 1 verification failed / problems found,
//! 2 bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use pw_ledger::record::parse_hashes;
use pw_ledger::{
    ConsistencyProofDoc, InclusionProofDoc, LeafDoc, LedgerError, LogSigner, LogVerifier,
};

#[derive(Subcommand, Debug)]
pub(crate) enum LedgerCommand {
    /// Generate the log's signing key: FILE (secret, mode 0600; give it to `pwatch serve --ledger-key`)
    /// and FILE.pub (the verifier key others use). Refuses to overwrite.
    Keygen {
        /// The log's origin, also the key name (e.g. `pwatch.authority.example/ledger`).
        #[arg(long)]
        origin: String,
        /// Where to write the secret key.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
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
        LedgerCommand::Keygen { origin, out } => keygen(&origin, &out, json_out),
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
        LedgerCommand::Audit {
            db,
            key,
            checkpoint,
        } => audit(&db, key.as_deref(), checkpoint.as_deref(), json_out),
    }
}

fn keygen(origin: &str, out: &Path, json_out: bool) -> anyhow::Result<ExitCode> {
    let (signer, skey) =
        LogSigner::generate(origin).map_err(|e| BadInput(format!("--origin: {e}")))?;
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
    std::fs::write(&public, format!("{}\n", signer.verifier_key()))
        .with_context(|| format!("writing {}", public.display()))?;
    if json_out {
        println!(
            "{}",
            serde_json::json!({"origin": signer.origin(), "verifier_key": signer.verifier_key(),
                "secret_key_file": out, "verifier_key_file": public})
        );
    } else {
        println!(
            "secret key: {} (keep it private; pwatch serve --ledger-key {})",
            out.display(),
            out.display()
        );
        println!("verifier key ({}):", public.display());
        println!("{}", signer.verifier_key());
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
