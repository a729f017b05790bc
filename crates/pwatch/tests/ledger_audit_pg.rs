//! `pwatch ledger audit` on PostgreSQL, as on SQLite (tests/ledger_cli.rs): a demo-seeded database is logged
//! by `pwatch serve --ledger-key`, audits clean, then an attacker with write access to the database
//! disables the trigger that keeps the audit log append-only and rewrites a logged row; the audit names the
//! row, its record and its leaf, and exits 1. Needs `PWATCH_TEST_DATABASE_URL` (required in CI); makes and
//! drops its own database.

use std::time::{Duration, Instant};

use serde_json::Value;
use support::{code, drop_pg_database, free_port, fresh_pg_database, pwatch, seed, serve, show};

mod support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_finds_a_changed_row_on_postgres() {
    let Some(url) = fresh_pg_database("ledger_audit").await else {
        return;
    };

    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("log.key").display().to_string();
    let o = pwatch(&[
        "ledger",
        "keygen",
        "--origin",
        "pwatch.test/pg-audit",
        "--out",
        &key,
    ]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let vkey = format!("{key}.pub");
    seed(&url);

    // The server logs the seeded records at start-up; wait until nothing is queued.
    let port = free_port();
    let mut server = serve(&url, port, &["--ledger-key", &key]);
    let start = Instant::now();
    loop {
        let o = pwatch(&["--json", "ledger", "audit", "--db", &url, "--key", &vkey]);
        if code(&o) == 0 {
            let r: Value = serde_json::from_slice(&o.stdout).expect("report");
            if r["pending"] == 0 && r["leaves"].as_u64().unwrap_or(0) > 0 {
                break;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the log was not drained: {}",
            show(&o)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = server.kill();
    let _ = server.wait();

    // The attacker: the last logged row of a notification (any record if the seed made none) gets another
    // actor, with the append-only trigger disabled for the moment.
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
    let (seq, entity, entity_id, leaf): (i64, String, String, i64) = sqlx::query_as(
        "SELECT a.seq, a.entity, a.entity_id, l.leaf_index FROM audit_log a
         JOIN ledger_leaves l ON l.audit_seq = a.seq
         ORDER BY (a.entity = 'notification') DESC, a.seq DESC LIMIT 1",
    )
    .fetch_one(&mut c)
    .await
    .expect("a logged row");
    let refused = sqlx::query("UPDATE audit_log SET actor = 'usr_forged' WHERE seq = $1")
        .bind(seq)
        .execute(&mut c)
        .await;
    assert!(refused.is_err(), "the trigger refuses changes");
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
        .execute(&mut c)
        .await
        .expect("disable trigger");
    let done = sqlx::query("UPDATE audit_log SET actor = 'usr_forged' WHERE seq = $1")
        .bind(seq)
        .execute(&mut c)
        .await
        .expect("tamper");
    assert_eq!(done.rows_affected(), 1);
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
        .execute(&mut c)
        .await
        .expect("enable trigger");
    drop(c);

    let o = pwatch(&["--json", "ledger", "audit", "--db", &url, "--key", &vkey]);
    assert_eq!(code(&o), 1, "{}", show(&o));
    let report: Value = serde_json::from_slice(&o.stdout).expect("report");
    let problems = report["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{report}");
    assert_eq!(problems[0]["audit_seq"], seq);
    assert_eq!(problems[0]["entity"], Value::String(entity));
    assert_eq!(problems[0]["entity_id"], Value::String(entity_id));
    assert_eq!(problems[0]["leaf_index"], leaf);
    assert!(
        problems[0]["problem"]
            .as_str()
            .unwrap_or("")
            .contains("changed after it was logged"),
        "{report}"
    );
    let o = pwatch(&["ledger", "audit", "--db", &url]);
    assert_eq!(code(&o), 1, "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("PROBLEM"),
        "{}",
        show(&o)
    );

    drop_pg_database(&url).await;
}
