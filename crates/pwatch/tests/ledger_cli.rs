//! The acceptance test of the transparency log, as its users run it: `pwatch ledger keygen`, `pwatch serve
//! --ledger-key` over a demo-seeded database, a licence and pre-export notification flow through the API;
//! the importing authority downloads its notification's logged rows, the checkpoint, the proofs and the key
//! over HTTP, and verifies them offline with `pwatch ledger verify-inclusion` / `verify-consistency` (no
//! server, no database). A tampered record, a wrong key or a bad file are refused (exit 1 / 2). Then an
//! attacker with write access to the SQLite file changes the logged notification, and `pwatch ledger audit`
//! reports it.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{code, free_port, pwatch, seed, serve, show, token};

mod support;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Http {
    base: String,
    client: reqwest::Client,
}

impl Http {
    async fn text(&self, path: &str, token: Option<&str>) -> String {
        let mut r = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await.expect("GET");
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.text().await.expect("body")
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = resp.status();
        let v: Value = resp.json().await.expect("JSON");
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    /// The checkpoint, once it covers at least `size` leaves.
    async fn checkpoint_of_at_least(&self, size: u64) -> String {
        let start = Instant::now();
        loop {
            if let Ok(r) = self
                .client
                .get(format!("{}/api/v1/log/checkpoint", self.base))
                .send()
                .await
                && r.status().is_success()
            {
                let note = r.text().await.expect("body");
                let n: u64 = note
                    .lines()
                    .nth(1)
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(0);
                if n >= size {
                    return note;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no checkpoint of {size} leaves"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

#[tokio::test]
async fn a_pen_flow_is_verified_offline_and_tampering_is_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("pwatch.db").display());
    let key = d.join("log.key").display().to_string();

    // Keys: a secret file of mode 0600 and the verifier key beside it; never overwritten.
    let o = pwatch(&[
        "ledger",
        "keygen",
        "--origin",
        "pwatch.test/acceptance",
        "--out",
        &key,
    ]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let vkey_file = format!("{key}.pub");
    let vkey = std::fs::read_to_string(&vkey_file).expect("public key");
    assert!(vkey.starts_with("pwatch.test/acceptance+"), "{vkey}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("key").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the secret key is private: {mode:o}");
    }
    let o = pwatch(&[
        "ledger",
        "keygen",
        "--origin",
        "pwatch.test/acceptance",
        "--out",
        &key,
    ]);
    assert_eq!(code(&o), 2, "{}", show(&o));
    let o = pwatch(&[
        "ledger",
        "keygen",
        "--origin",
        "has space",
        "--out",
        &format!("{key}2"),
    ]);
    assert_eq!(code(&o), 2, "{}", show(&o));

    let seeded = seed(&db);

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Server(serve(&db, port, &["--ledger-key", &key]));
    let http = Http {
        base,
        client: reqwest::Client::new(),
    };
    // The seed's records were logged at start-up.
    let old_note = http.checkpoint_of_at_least(1).await;
    let old_size: u64 = old_note
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("size");
    let old_file = write(d, "old.checkpoint", &old_note);

    // The flow: a Chinese company applies, China approves and notifies Mexico, Mexico objects.
    let (company, cn, mx) = (
        token(&seeded, "hubei", "officer"),
        token(&seeded, "cn", "officer"),
        token(&seeded, "mx", "officer"),
    );
    let lic = http
        .post(
            "/api/v1/licences",
            &company,
            json!({
                "substance": "NPP", "quantity": "25 kg", "consignee_name": "Farmacéutica Ejemplo S.A. de C.V.",
                "consignee_address": "Av. Ejemplo 1, Ciudad de México", "importing_country": "MX",
                "end_use": "Reference standard", "expected_date": "2027-01-15"
            }),
        )
        .await;
    let lic = lic["id"].as_str().expect("id").to_string();
    http.post(
        &format!("/api/v1/licences/{lic}/approve"),
        &cn,
        json!({"licence_number": "CN-EXP-2026-0099", "valid_until": "2027-06-30"}),
    )
    .await;
    let pen = http
        .post("/api/v1/notifications", &cn, json!({"licence_id": lic}))
        .await;
    let pen = pen["id"].as_str().expect("id").to_string();
    http.post(
        &format!("/api/v1/notifications/{pen}/object"),
        &mx,
        json!({"text": "The consignee holds no import licence in Mexico"}),
    )
    .await;
    let new_note = http.checkpoint_of_at_least(old_size + 4).await;
    let new_size: u64 = new_note
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("size");
    let new_file = write(d, "new.checkpoint", &new_note);

    // Mexico's side: its notification's logged rows, a proof for each, the consistency proof, the key.
    let log: Value = serde_json::from_str(
        &http
            .text(&format!("/api/v1/notifications/{pen}/log"), Some(&mx))
            .await,
    )
    .expect("JSON");
    let logged = log["logged"].as_array().expect("logged").clone();
    assert_eq!(logged.len(), 2, "{log}");
    let served_key = write(d, "served.pub", &http.text("/api/v1/log/key", None).await);
    assert_eq!(
        std::fs::read_to_string(&served_key).expect("key").trim(),
        vkey.trim()
    );
    let consistency = write(
        d,
        "consistency.json",
        &http
            .text(
                &format!("/api/v1/log/proof/consistency?old={old_size}&new={new_size}"),
                None,
            )
            .await,
    );
    let mut files = Vec::new();
    for (i, leaf) in logged.iter().enumerate() {
        let index = leaf["index"].as_u64().expect("index");
        let leaf_file = write(d, &format!("leaf{i}.json"), &leaf.to_string());
        let proof = write(
            d,
            &format!("proof{i}.json"),
            &http
                .text(
                    &format!("/api/v1/log/proof/inclusion?index={index}&size={new_size}"),
                    None,
                )
                .await,
        );
        files.push((leaf_file, proof));
    }
    drop(_server);

    // Offline, with the key obtained out of band (the keygen's .pub file).
    for (leaf, proof) in &files {
        let o = pwatch(&[
            "ledger",
            "verify-inclusion",
            leaf,
            "--checkpoint",
            &new_file,
            "--proof",
            proof,
            "--key",
            &vkey_file,
        ]);
        assert_eq!(code(&o), 0, "{}", show(&o));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains(&pen),
            "{}",
            show(&o)
        );
    }
    let o = pwatch(&[
        "ledger",
        "verify-consistency",
        &old_file,
        &new_file,
        "--proof",
        &consistency,
        "--key",
        &vkey_file,
    ]);
    assert_eq!(code(&o), 0, "{}", show(&o));

    // A record changed after the fact, a leaf of another kind, another log's key, the checkpoints swapped:
    // verification fails (exit 1).
    let (leaf, proof) = &files[1];
    let mut changed: Value =
        serde_json::from_str(&std::fs::read_to_string(leaf).expect("leaf")).expect("json");
    changed["record"]["action"] = json!("no_objection");
    let changed = write(d, "changed.json", &changed.to_string());
    let other_key = d.join("other.key").display().to_string();
    assert_eq!(
        code(&pwatch(&[
            "ledger",
            "keygen",
            "--origin",
            "pwatch.test/acceptance",
            "--out",
            &other_key
        ])),
        0
    );
    for args in [
        vec![
            "ledger",
            "verify-inclusion",
            &changed,
            "--checkpoint",
            &new_file,
            "--proof",
            proof,
            "--key",
            &vkey_file,
        ],
        vec![
            "ledger",
            "verify-inclusion",
            leaf,
            "--checkpoint",
            &new_file,
            "--proof",
            &files[0].1,
            "--key",
            &vkey_file,
        ],
        vec![
            "ledger",
            "verify-inclusion",
            leaf,
            "--checkpoint",
            &old_file,
            "--proof",
            proof,
            "--key",
            &vkey_file,
        ],
        vec![
            "ledger",
            "verify-inclusion",
            leaf,
            "--checkpoint",
            &new_file,
            "--proof",
            proof,
            "--key",
            &format!("{other_key}.pub"),
        ],
        vec![
            "ledger",
            "verify-consistency",
            &new_file,
            &old_file,
            "--proof",
            &consistency,
            "--key",
            &vkey_file,
        ],
    ] {
        let o = pwatch(&args);
        assert_eq!(code(&o), 1, "{args:?}: {}", show(&o));
    }
    // Files that cannot be read: exit 2.
    let garbage = write(d, "garbage.json", "{not json");
    for args in [
        vec![
            "ledger",
            "verify-inclusion",
            &garbage,
            "--checkpoint",
            &new_file,
            "--proof",
            proof,
            "--key",
            &vkey_file,
        ],
        vec![
            "ledger",
            "verify-inclusion",
            leaf,
            "--checkpoint",
            &new_file,
            "--proof",
            proof,
            "--key",
            &garbage,
        ],
        vec![
            "ledger",
            "verify-inclusion",
            leaf,
            "--checkpoint",
            &garbage,
            "--proof",
            proof,
            "--key",
            &vkey_file,
        ],
        vec![
            "ledger",
            "verify-consistency",
            &old_file,
            &new_file,
            "--proof",
            "/nonexistent",
            "--key",
            &vkey_file,
        ],
    ] {
        let o = pwatch(&args);
        assert_eq!(code(&o), 2, "{args:?}: {}", show(&o));
    }

    // The store audits clean against its own checkpoints and the one Mexico kept.
    let o = pwatch(&[
        "ledger",
        "audit",
        "--db",
        &db,
        "--key",
        &vkey_file,
        "--checkpoint",
        &new_file,
    ]);
    assert_eq!(code(&o), 0, "{}", show(&o));

    // An attacker with write access to the database rewrites the objection (dropping the trigger that
    // refuses it): the audit names the row and the notification.
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&db).await.expect("open");
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&mut c)
            .await
            .expect("drop trigger");
        let done = sqlx::query(
            "UPDATE audit_log SET detail = replace(detail, 'no import licence', 'a valid licence')
             WHERE entity = 'notification' AND entity_id = ?1 AND action = 'object'",
        )
        .bind(&pen)
        .execute(&mut c)
        .await
        .expect("tamper");
        assert_eq!(done.rows_affected(), 1);
    }
    let o = pwatch(&[
        "--json", "ledger", "audit", "--db", &db, "--key", &vkey_file,
    ]);
    assert_eq!(code(&o), 1, "{}", show(&o));
    let report: Value = serde_json::from_slice(&o.stdout).expect("report");
    let problems = report["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{report}");
    assert_eq!(problems[0]["entity"], "notification");
    assert_eq!(problems[0]["entity_id"], json!(pen));
    assert_eq!(problems[0]["leaf_index"], logged[1]["index"]);
    // A database that cannot be opened: exit 2.
    let o = pwatch(&["ledger", "audit", "--db", "sqlite:///nonexistent/dir/x.db"]);
    assert_eq!(code(&o), 2, "{}", show(&o));
}
