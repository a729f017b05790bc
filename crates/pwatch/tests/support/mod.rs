//! What the binary-level tests share: running `pwatch`, seeding a demo database, starting `pwatch serve` on
//! a free port and waiting for it, and a licence application to send.

#![allow(dead_code)]

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A fresh, empty PostgreSQL database named `pwatch_t_<tag>_<pid>` on the server of
/// `PWATCH_TEST_DATABASE_URL`, as a URL; `None` when that is unset (allowed outside CI only, where the
/// PostgreSQL half of a test then does not run).
pub async fn fresh_pg_database(tag: &str) -> Option<String> {
    let Ok(base) = std::env::var("PWATCH_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "PWATCH_TEST_DATABASE_URL must be set in CI"
        );
        return None;
    };
    use sqlx::Connection;
    let name = format!("pwatch_t_{tag}_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&base).await.expect("connect");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .expect("drop");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create");
    Some(format!(
        "{}/{name}",
        &base[..base.rfind('/').expect("db name")]
    ))
}

/// Drop a database made by [`fresh_pg_database`] (given its URL).
pub async fn drop_pg_database(url: &str) {
    use sqlx::Connection;
    let base = std::env::var("PWATCH_TEST_DATABASE_URL").expect("PWATCH_TEST_DATABASE_URL");
    let name = &url[url.rfind('/').expect("db name") + 1..];
    let mut admin = sqlx::PgConnection::connect(&base).await.expect("connect");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .expect("drop");
}

/// Run `pwatch ARGS` to completion.
pub fn pwatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pwatch"))
        .args(args)
        .output()
        .expect("run pwatch")
}

/// The exit code (-1 when killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Exit code and both streams, for assertion messages.
pub fn show(o: &Output) -> String {
    format!(
        "exit {}\n{}{}",
        code(o),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `pwatch --json demo seed --db DB`, parsed.
pub fn seed(db: &str) -> Value {
    let out = pwatch(&["--json", "demo", "seed", "--db", db]);
    assert!(out.status.success(), "seed: {}", show(&out));
    serde_json::from_slice(&out.stdout).expect("seed JSON")
}

/// The API token of a seeded user.
pub fn token(seeded: &Value, org: &str, role: &str) -> String {
    seeded["users"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["org"] == org && u["role"] == role))
        .and_then(|u| u["token"].as_str())
        .expect("seeded user")
        .to_string()
}

/// Start `pwatch serve --db DB --addr 127.0.0.1:PORT EXTRA…` in the background.
pub fn serve(db: &str, port: u16, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pwatch"))
        .args(["serve", "--db", db, "--addr", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pwatch serve")
}

/// Wait (up to a minute) until `BASE/healthz` answers 2xx.
pub async fn wait_healthy(base: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up at {base}");
}

/// The `n`-th licence application of a burst (NPP to Mexico, a different consignee each).
pub fn application(n: usize) -> Value {
    json!({
        "substance": "NPP", "quantity": format!("{} kg", 1 + n % 50),
        "consignee_name": format!("Consignee {n} S.A. de C.V."),
        "consignee_address": "Av. Ejemplo 1, Ciudad de México", "importing_country": "MX",
        "end_use": "Reference standard", "expected_date": "2027-01-15"
    })
}
