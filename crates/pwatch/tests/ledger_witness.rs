//! Witnessing (C2SP tlog-cosignature) as two organisations run it: two `pwatch serve` instances, A and B,
//! each with its own log key, each configured to accept the other's witness key (`--witness-key`). Each
//! side runs `pwatch ledger witness` against the other's public API: it fetches the checkpoint and a
//! consistency proof, checks them, cosigns, and posts the cosignature back. The cosigned checkpoint verifies
//! offline; A's transparency log page shows who witnessed which size. A cosignature by an unknown witness,
//! a corrupted one, one over a checkpoint A never issued, and a note not signed by A are refused with a
//! clear 4xx; a third instance C that holds A's key but another history (a fork) is refused by the witness
//! (exit 1), whose memory stays as it was.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use pw_ledger::{CosignatureVerifier, LogSigner, LogVerifier, WitnessKey};
use serde_json::Value;
use support::{code, free_port, pwatch, seed, serve, show};

mod support;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn keygen(d: &Path, name: &str, file: &str, witness: bool) -> String {
    let out = d.join(file).display().to_string();
    let mut args = vec!["ledger", "keygen", "--origin", name, "--out", &out];
    if witness {
        args.push("--witness");
    }
    let o = pwatch(&args);
    assert_eq!(code(&o), 0, "{}", show(&o));
    out
}

fn size_of(note: &str) -> u64 {
    note.lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or(0)
}

/// The latest checkpoint once it has at least `size` leaves.
async fn checkpoint_of_at_least(base: &str, size: u64) -> String {
    let start = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/api/v1/log/checkpoint")).await
            && r.status().is_success()
        {
            let note = r.text().await.expect("body");
            if size_of(&note) >= size {
                return note;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no checkpoint of {size} leaves at {base}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn post_note(base: &str, note: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/log/cosignatures"))
        .header("content-type", "text/plain")
        .body(note.to_string())
        .send()
        .await
        .expect("POST");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn witness(url: &str, key: &str, log_key: &str, state: &str) -> std::process::Output {
    pwatch(&[
        "--json",
        "ledger",
        "witness",
        "--url",
        url,
        "--key",
        key,
        "--log-key",
        &format!("{log_key}.pub"),
        "--state",
        state,
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_witness_each_other_and_forks_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let log_a = keygen(d, "pwatch.test/a", "a.key", false);
    let log_b = keygen(d, "pwatch.test/b", "b.key", false);
    // B's organisation witnesses A, A's witnesses B.
    let wit_b = keygen(d, "pwatch.test/b-witness", "wb.key", true);
    let wit_a = keygen(d, "pwatch.test/a-witness", "wa.key", true);
    let wb_pub = std::fs::read_to_string(format!("{wit_b}.pub")).expect("pub");
    assert!(wb_pub.starts_with("pwatch.test/b-witness+"), "{wb_pub}");
    // A witness key is not a log key: serve refuses it as --ledger-key.
    let db_x = format!("sqlite://{}", d.join("x.db").display());
    let o = pwatch(&[
        "serve",
        "--db",
        &db_x,
        "--ledger-key",
        &wit_b,
        "--addr",
        "127.0.0.1:1",
    ]);
    assert_eq!(code(&o), 2, "{}", show(&o));

    let (db_a, db_b, db_c) = (
        format!("sqlite://{}", d.join("a.db").display()),
        format!("sqlite://{}", d.join("b.db").display()),
        format!("sqlite://{}", d.join("c.db").display()),
    );
    for db in [&db_a, &db_b, &db_c] {
        seed(db);
    }
    let (port_a, port_b, port_c) = (free_port(), free_port(), free_port());
    let (a, b, c) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
        format!("http://127.0.0.1:{port_c}"),
    );
    let _sa = Server(serve(
        &db_a,
        port_a,
        &[
            "--ledger-key",
            &log_a,
            "--witness-key",
            &format!("{wit_b}.pub"),
        ],
    ));
    let _sb = Server(serve(
        &db_b,
        port_b,
        &[
            "--ledger-key",
            &log_b,
            "--witness-key",
            wb_pub.trim(),
            "--witness-key",
            &format!("{wit_a}.pub"),
        ],
    ));
    let note_a = checkpoint_of_at_least(&a, 1).await;
    checkpoint_of_at_least(&b, 1).await;
    let size_a = size_of(&note_a);

    // A's page before anyone witnessed it says so plainly.
    let page = reqwest::get(format!("{a}/log"))
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("The current tree is not witnessed."),
        "{page}"
    );
    assert!(page.contains("pwatch.test/b-witness"), "{page}");

    // B's organisation witnesses A (first sight), A's witnesses B.
    let state_b = d.join("wb-state.json").display().to_string();
    let o = witness(&a, &wit_b, &log_a, &state_b);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let first: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(first["previous"], Value::Null);
    assert_eq!(first["submitted"], 201);
    let witnessed = first["size"].as_u64().expect("size");
    assert!(witnessed >= size_a);
    let state_a = d.join("wa-state.json").display().to_string();
    let o = witness(&b, &wit_a, &log_b, &state_a);
    assert_eq!(code(&o), 0, "{}", show(&o));

    // The cosigned checkpoint, as A serves it, verifies offline: A's signature with A's key, the witness's
    // cosignature with the witness's key.
    let served = reqwest::get(format!("{a}/api/v1/log/checkpoint?size={witnessed}"))
        .await
        .expect("GET")
        .text()
        .await
        .expect("note");
    let cp = LogVerifier::new(&std::fs::read_to_string(format!("{log_a}.pub")).expect("pub"))
        .expect("log key")
        .verify(served.as_bytes())
        .expect("A's signature");
    assert_eq!(cp.size, witnessed);
    let wv = CosignatureVerifier::new(&wb_pub).expect("witness key");
    let cos = wv.verify_note(served.as_bytes()).expect("the cosignature");
    assert_eq!(cos.witness, "pwatch.test/b-witness");
    let now = chrono::Utc::now().timestamp() as u64;
    assert!(cos.timestamp <= now && cos.timestamp + 600 > now, "{cos:?}");
    // So does the file pwatch's own offline verifier reads (the witness line is ignored there).
    let served_file = d.join("served.checkpoint");
    std::fs::write(&served_file, &served).expect("write");
    let proof_file = d.join("self.json");
    std::fs::write(
        &proof_file,
        format!(r#"{{"old":{witnessed},"new":{witnessed},"proof":[]}}"#),
    )
    .expect("write");
    let o = pwatch(&[
        "ledger",
        "verify-consistency",
        &served_file.display().to_string(),
        &served_file.display().to_string(),
        "--proof",
        &proof_file.display().to_string(),
        "--key",
        &format!("{log_a}.pub"),
    ]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    // `pwatch ledger verify-cosignature`: offline, with the log's and the witness's public keys.
    let o = pwatch(&[
        "ledger",
        "verify-cosignature",
        &served_file.display().to_string(),
        "--key",
        &format!("{log_a}.pub"),
        "--witness-key",
        &format!("{wit_b}.pub"),
    ]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("cosigned by pwatch.test/b-witness"),
        "{}",
        show(&o)
    );
    // A witness that did not cosign it, or a changed size: exit 1.
    for (file, wkey) in [
        (served.clone(), format!("{wit_a}.pub")),
        (
            served.replacen(
                &format!("\n{witnessed}\n"),
                &format!("\n{}\n", witnessed + 1),
                1,
            ),
            format!("{wit_b}.pub"),
        ),
    ] {
        let f = d.join("bad.checkpoint");
        std::fs::write(&f, file).expect("write");
        let o = pwatch(&[
            "ledger",
            "verify-cosignature",
            &f.display().to_string(),
            "--key",
            &format!("{log_a}.pub"),
            "--witness-key",
            &wkey,
        ]);
        assert_eq!(code(&o), 1, "{}", show(&o));
    }

    // Who witnessed what, over the API and on the page.
    let w: Value = reqwest::get(format!("{a}/api/v1/log/witnesses"))
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(w["witnesses"][0]["name"], "pwatch.test/b-witness");
    assert_eq!(w["witnesses"][0]["latest"]["size"], witnessed);
    assert_eq!(w["witnesses"].as_array().map(Vec::len), Some(1), "{w}");

    // The cosignature was audited, hence logged: A's log grows; the witness's second run checks the
    // consistency proof from the size it cosigned.
    let grown = checkpoint_of_at_least(&a, witnessed + 1).await;
    let o = witness(&a, &wit_b, &log_a, &state_b);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let second: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(second["previous"], witnessed);
    let second_size = second["size"].as_u64().expect("size");
    assert!(second_size >= size_of(&grown));
    // That cosignature is logged too: once the tree has grown past it, the page tells both sizes.
    checkpoint_of_at_least(&a, second_size + 1).await;
    let page = reqwest::get(format!("{a}/log"))
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("pwatch.test/b-witness"), "{page}");
    assert!(page.contains(&second["size"].to_string()), "{page}");
    assert!(page.contains("the largest witnessed tree has"), "{page}");

    // Refusals, each with a clear 4xx.
    // (The bare note: A serves its latest checkpoint with the cosignatures already stored for it.)
    let latest: String = checkpoint_of_at_least(&a, 1)
        .await
        .lines()
        .filter(|l| !l.starts_with("— pwatch.test/b-witness "))
        .map(|l| format!("{l}\n"))
        .collect();
    let text = pw_ledger::witness::note_text(latest.as_bytes()).expect("text");
    let t = now;
    let wa_key =
        WitnessKey::from_secret(&std::fs::read_to_string(&wit_a).expect("key")).expect("wa");
    let wb_key =
        WitnessKey::from_secret(&std::fs::read_to_string(&wit_b).expect("key")).expect("wb");
    // An unknown witness: 403.
    let by_stranger =
        pw_ledger::append_cosignatures(&latest, &[wa_key.cosign(&text, t).expect("cosign")])
            .expect("note");
    let (status, body) = post_note(&a, &by_stranger).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("no cosignature by a witness this log accepts"),
        "{body}"
    );
    // A forged (corrupted) cosignature by the known witness: 422.
    let good = wb_key.cosign(&text, t).expect("cosign");
    let b64 = good.rsplit(' ').next().expect("b64").to_string();
    let mut flipped: Vec<char> = b64.chars().collect();
    flipped[30] = if flipped[30] == 'A' { 'B' } else { 'A' };
    let forged = good.replace(&b64, &flipped.into_iter().collect::<String>());
    let (status, body) = post_note(
        &a,
        &pw_ledger::append_cosignatures(&latest, &[forged]).expect("note"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    // A cosignature dated in the future: 422.
    let future = wb_key.cosign(&text, t + 86_400).expect("cosign");
    let (status, body) = post_note(
        &a,
        &pw_ledger::append_cosignatures(&latest, &[future]).expect("note"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    // A checkpoint A never issued, signed with A's key (a stolen key rewriting history): the root at that
    // size is not the one A issued (422), or A never issued that size (404).
    let a_signer =
        LogSigner::from_secret(&std::fs::read_to_string(&log_a).expect("key")).expect("A");
    let rewritten = a_signer
        .sign(witnessed, pw_ledger::leaf_hash(b"another history"))
        .expect("sign");
    let rtext = pw_ledger::witness::note_text(rewritten.as_bytes()).expect("text");
    let rnote =
        pw_ledger::append_cosignatures(&rewritten, &[wb_key.cosign(&rtext, t).expect("cosign")])
            .expect("note");
    let (status, body) = post_note(&a, &rnote).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("not one it issued"),
        "{body}"
    );
    let beyond = a_signer
        .sign(1_000_000, pw_ledger::leaf_hash(b"x"))
        .expect("sign");
    let btext = pw_ledger::witness::note_text(beyond.as_bytes()).expect("text");
    let bnote =
        pw_ledger::append_cosignatures(&beyond, &[wb_key.cosign(&btext, t).expect("cosign")])
            .expect("note");
    let (status, body) = post_note(&a, &bnote).await;
    assert_eq!(status, 404, "{body}");
    // B's checkpoint, cosigned by A's configured witness, posted to A: not signed by A (422).
    let note_b = checkpoint_of_at_least(&b, 1).await;
    let tb = pw_ledger::witness::note_text(note_b.as_bytes()).expect("text");
    let (status, body) = post_note(
        &a,
        &pw_ledger::append_cosignatures(&note_b, &[wb_key.cosign(&tb, t).expect("cosign")])
            .expect("note"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    // Not a note at all: 400.
    let (status, body) = post_note(&a, "hello").await;
    assert_eq!(status, 400, "{body}");
    // Nothing of that was stored: A still lists one witness at the size it cosigned.
    let w: Value = reqwest::get(format!("{a}/api/v1/log/witnesses"))
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(w["witnesses"].as_array().map(Vec::len), Some(1), "{w}");
    assert_eq!(w["witnesses"][0]["latest"]["size"], second["size"]);

    // A fork: C serves a log under A's key and origin but with another history. The witness refuses it
    // (rolled back, forked or not consistent, depending on C's size), exit 1, and its memory is unchanged.
    let _sc = Server(serve(&db_c, port_c, &["--ledger-key", &log_a]));
    checkpoint_of_at_least(&c, 1).await;
    let before = std::fs::read_to_string(&state_b).expect("state");
    let o = witness(&c, &wit_b, &log_a, &state_b);
    assert_eq!(code(&o), 1, "{}", show(&o));
    let refusal: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(refusal["verified"], false);
    let msg = refusal["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("rolled back") || msg.contains("forked") || msg.contains("does not extend"),
        "{msg}"
    );
    assert_eq!(std::fs::read_to_string(&state_b).expect("state"), before);
    // A witness with no memory of A would take C as a first sight: that is what the state file is for.
    // C's page says plainly that nobody witnessed it.
    let page = reqwest::get(format!("{c}/log"))
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("Not witnessed: no witness has cosigned this log"),
        "{page}"
    );
    // Bad input: exit 2 (a missing key file, a URL that is not http(s), a log that cannot be reached —
    // over TLS too, which the client speaks), the state file unchanged.
    let before = std::fs::read(&state_b).expect("state");
    let o = witness(&a, "/nonexistent", &log_a, &state_b);
    assert_eq!(code(&o), 2, "{}", show(&o));
    let o = witness("ftp://127.0.0.1:1", &wit_b, &log_a, &state_b);
    assert_eq!(code(&o), 2, "{}", show(&o));
    let o = witness("https://127.0.0.1:1", &wit_b, &log_a, &state_b);
    assert_eq!(code(&o), 2, "{}", show(&o));
    // An http server spoken to over TLS: a handshake error, not a cosignature.
    let o = witness(&a.replace("http://", "https://"), &wit_b, &log_a, &state_b);
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert_eq!(std::fs::read(&state_b).expect("state"), before);
}
