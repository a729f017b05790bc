//! `kill -9` during a burst of appends leaves a consistent log: `pwatch serve --ledger-key` over a
//! demo-seeded database drains after every write while concurrent licence applications pour in; the server
//! is SIGKILLed in the middle of the burst, started again, and once its drainer has caught up every
//! acknowledged record's audit row has a leaf, the latest checkpoint covers exactly the stored leaves, and
//! `pwatch ledger audit` (with the key) finds nothing wrong. On SQLite and, when configured, PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{
    application, free_port, fresh_pg_database, pwatch, seed, serve, show, token, wait_healthy,
};

mod support;

async fn burst_kill_restart(db: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("log.key").display().to_string();
    let o = pwatch(&[
        "ledger",
        "keygen",
        "--origin",
        "pwatch.test/kill",
        "--out",
        &key,
    ]);
    assert!(o.status.success(), "{}", show(&o));
    let vkey = format!("{key}.pub");
    let seeded = seed(db);
    let company = token(&seeded, "hubei", "officer");

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(db, port, &["--ledger-key", &key]);
    wait_healthy(&base).await;

    // Concurrent writes, each acknowledged with its record's audit row; the drainer appends behind them.
    let acked: Arc<Mutex<Vec<(String, i64)>>> = Arc::default();
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (client, base, company, acked) =
            (client.clone(), base.clone(), company.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let r = client
                    .post(format!("{base}/api/v1/licences"))
                    .bearer_auth(&company)
                    .json(&application(worker * 10_000 + i))
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await;
                let Ok(r) = r else { break };
                if r.status().as_u16() != 201 {
                    break;
                }
                let Ok(v) = r.json::<Value>().await else {
                    break;
                };
                if let (Some(id), Some(seq)) = (v["id"].as_str(), v["log"]["audit_seq"].as_i64()) {
                    acked.lock().expect("lock").push((id.to_string(), seq));
                }
            }
        }));
    }
    let start = Instant::now();
    while acked.lock().expect("lock").len() < 40 && start.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().expect("SIGKILL");
    let _ = server.wait();
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 40, "the burst wrote {} records", acked.len());

    let queued = pw_store::Store::connect(db)
        .await
        .expect("store")
        .ledger_pending()
        .await
        .expect("pending");

    // Restart: the drainer catches up with whatever the kill left queued.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(db, port, &["--ledger-key", &key]);
    wait_healthy(&base).await;
    let store = pw_store::Store::connect(db).await.expect("store");
    let start = Instant::now();
    while store.ledger_pending().await.expect("pending") > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the drainer did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = server.kill();
    let _ = server.wait();

    // Every acknowledged record's audit row has a leaf.
    let mut unlogged = Vec::new();
    for (id, seq) in &acked {
        let r = store.ledger_log_ref("licence", id).await.expect("log ref");
        match r {
            Some(r) if r.audit_seq == *seq && r.leaf_index.is_some() => {}
            other => unlogged.push((id.clone(), *seq, other)),
        }
    }
    assert!(
        unlogged.is_empty(),
        "{} of {} acknowledged records without their leaf: {unlogged:?}",
        unlogged.len(),
        acked.len()
    );
    // The latest checkpoint covers exactly the stored leaves.
    let size = store.ledger_size().await.expect("size");
    let cp = store
        .ledger_checkpoint(None)
        .await
        .expect("checkpoint")
        .expect("a checkpoint");
    assert_eq!(cp.size, size);
    let leaves = store
        .ledger_leaves(0..size + 1_000_000)
        .await
        .expect("leaves");
    assert_eq!(leaves.len() as u64, size);
    assert!(
        leaves.iter().enumerate().all(|(i, l)| l.index == i as u64),
        "leaf indexes are dense"
    );
    drop(store);

    let o = pwatch(&["ledger", "audit", "--db", db, "--key", &vkey]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    eprintln!(
        "{}: {} writes acknowledged before SIGKILL ({queued} audit rows left queued), all logged after restart ({size} leaves)",
        if db.starts_with("sqlite") {
            "sqlite"
        } else {
            "postgres"
        },
        acked.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_appends_leaves_a_consistent_log_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    burst_kill_restart(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_appends_leaves_a_consistent_log_postgres() {
    let Some(url) = fresh_pg_database("ledger_kill").await else {
        return;
    };
    burst_kill_restart(&url).await;
}
