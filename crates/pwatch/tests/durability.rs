//! A write the server acknowledged survives `kill -9`: seed a database, start `pwatch serve`, fire a burst
//! of concurrent licence applications, SIGKILL the server in the middle of the burst, start it again and
//! read back every application that was answered 201. On SQLite (WAL, synchronous=FULL) and, when
//! configured, on PostgreSQL. Also `pwatch demo seed` itself.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{application, free_port, fresh_pg_database, seed, serve, token, wait_healthy};

mod support;

async fn burst_then_kill(db: &str) {
    let seeded = seed(db);
    let company = token(&seeded, "hubei", "officer");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(db, port, &[]);
    wait_healthy(&base).await;

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
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
                if let Some(id) = v["id"].as_str() {
                    acked.lock().expect("lock").push(id.to_string());
                }
            }
        }));
    }
    // Let the burst run, then kill -9 in the middle of it.
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

    // Restart and read every acknowledged record back.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(db, port, &[]);
    wait_healthy(&base).await;
    let mut missing = Vec::new();
    for id in &acked {
        let r = client
            .get(format!("{base}/api/v1/licences/{id}"))
            .bearer_auth(&company)
            .send()
            .await
            .expect("GET");
        if r.status().as_u16() != 200 {
            missing.push(id.clone());
        }
    }
    let listed: Value = client
        .get(format!("{base}/api/v1/licences?limit=1"))
        .bearer_auth(&company)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged records lost: {missing:?}",
        missing.len(),
        acked.len()
    );
    eprintln!(
        "{db_kind}: {} writes acknowledged before SIGKILL, all read back after restart ({total_hint})",
        acked.len(),
        db_kind = if db.starts_with("sqlite") {
            "sqlite"
        } else {
            "postgres"
        },
        total_hint = listed["total"]
    );
    // Two seeded applications of this company plus at least every acknowledged one.
    let total = listed["total"].as_u64().expect("total") as usize;
    assert!(total >= acked.len() + 2, "{total} < {} + 2", acked.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    burst_then_kill(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_postgres() {
    let Some(url) = fresh_pg_database("kill").await else {
        return;
    };
    burst_then_kill(&url).await;
}

#[test]
fn demo_seed_creates_a_living_system_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("d.db").display());
    let seeded = seed(&db);
    let users = seeded["users"].as_array().expect("users");
    assert_eq!(users.len(), 27, "9 organisations × 3 roles");
    let passwords: std::collections::BTreeSet<&str> = users
        .iter()
        .filter_map(|u| u["password"].as_str())
        .collect();
    assert_eq!(passwords.len(), users.len(), "every password differs");
    assert_eq!(
        seeded["records"]["licence"].as_array().map(Vec::len),
        Some(5)
    );
    assert_eq!(
        seeded["records"]["notification"].as_array().map(Vec::len),
        Some(3)
    );
    // A second seed of the same database is refused, and says why.
    let out = Command::new(env!("CARGO_BIN_EXE_pwatch"))
        .args(["demo", "seed", "--db", &db])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty database"));
}
