//! Shared by the integration tests: the binary, free ports, processes that die with the test, input.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The `pwatch-batch` binary under test.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pwatch-batch"));
    c.env("RUST_LOG", "info");
    c
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A child process killed when dropped, with its output collected.
pub struct Proc {
    pub name: String,
    child: Child,
    pub log: Arc<Mutex<String>>,
}

impl Proc {
    /// Spawn `cmd`, collecting stdout and stderr into `log`.
    pub fn spawn(name: &str, mut cmd: Command) -> Proc {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn pwatch-batch");
        let log = Arc::new(Mutex::new(String::new()));
        for out in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    let mut l = log.lock().expect("log");
                    l.push_str(&line);
                    l.push('\n');
                }
            });
        }
        Proc {
            name: name.to_string(),
            child,
            log,
        }
    }

    /// Wait until the output contains `needle` (panics with the output after `timeout`).
    pub fn wait_for(&mut self, needle: &str, timeout: Duration) {
        let start = Instant::now();
        loop {
            if self.log().contains(needle) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader threads drain.
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "{} exited ({status}) before printing {needle:?}:\n{}",
                    self.name,
                    self.log()
                );
            }
            assert!(
                start.elapsed() < timeout,
                "{} did not print {needle:?} within {timeout:?}:\n{}",
                self.name,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait for the process to exit; its status.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(s)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(200));
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A scheduler and `executors` executors on loopback.
pub struct Cluster {
    pub port: u16,
    pub scheduler: Proc,
    pub executors: Vec<Proc>,
}

impl Cluster {
    pub fn url(&self) -> String {
        format!("df://127.0.0.1:{}", self.port)
    }

    /// Start a scheduler (and wait until it listens).
    pub fn scheduler(registry: Option<&Path>) -> Cluster {
        let port = free_port();
        let mut cmd = bin();
        cmd.args([
            "scheduler",
            "--bind",
            "127.0.0.1",
            "--external-host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ]);
        if let Some(r) = registry {
            cmd.arg("--registry").arg(r);
        }
        let mut scheduler = Proc::spawn("scheduler", cmd);
        scheduler.wait_for("scheduler listening on", Duration::from_secs(60));
        Cluster {
            port,
            scheduler,
            executors: Vec::new(),
        }
    }

    /// The command for an executor of this cluster.
    pub fn executor_cmd(&self, registry: Option<&Path>, work_dir: &Path) -> Command {
        let mut cmd = bin();
        cmd.args([
            "executor",
            "--scheduler",
            &format!("127.0.0.1:{}", self.port),
            "--bind",
            "127.0.0.1",
            "--external-host",
            "127.0.0.1",
            "--port",
            &free_port().to_string(),
            "--grpc-port",
            &free_port().to_string(),
            "--concurrency",
            "1",
            "--connect-timeout",
            "30",
        ]);
        cmd.arg("--work-dir").arg(work_dir);
        if let Some(r) = registry {
            cmd.arg("--registry").arg(r);
        }
        cmd
    }
}

/// Write the test corpus into `dir`: `eval/listings.jsonl` and `n_mb` MB generated by
/// `bench/screen/gen.py` (two files, so that a glob and several partitions are exercised). Returns the
/// (id, text) records in file order.
pub fn corpus(dir: &Path, n_mb: f64) -> Vec<(String, String)> {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::copy(root().join("eval/listings.jsonl"), dir.join("a-eval.jsonl"))
        .expect("copy eval/listings.jsonl");
    let generated = dir.join("b-generated.jsonl");
    let status = Command::new("python3")
        .arg(root().join("bench/screen/gen.py"))
        .args([
            "--size-mb",
            &n_mb.to_string(),
            "--offer-share",
            "0.1",
            "--seed",
            "9",
            "-o",
        ])
        .arg(&generated)
        .stderr(Stdio::null())
        .status()
        .expect("python3 bench/screen/gen.py (python3 is needed for this test)");
    assert!(status.success(), "gen.py failed");
    let mut records = Vec::new();
    for f in ["a-eval.jsonl", "b-generated.jsonl"] {
        let text = std::fs::read_to_string(dir.join(f)).expect("read corpus");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("corpus line is JSON");
            records.push((
                v["id"].as_str().expect("id").to_string(),
                v["text"].as_str().expect("text").to_string(),
            ));
        }
    }
    records
}

/// An order-independent digest of (id, value) rows: SHA-256 over the sorted rows.
pub fn digest(rows: &[(String, String)]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<&(String, String)> = rows.iter().collect();
    sorted.sort();
    let mut h = Sha256::new();
    for (id, v) in sorted {
        h.update(id.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([b'\n']);
    }
    format!("{:x}", h.finalize())
}

/// The first row where two row sets (sorted) differ, for a readable failure.
pub fn first_difference(a: &[(String, String)], b: &[(String, String)]) -> String {
    let mut a: Vec<_> = a.to_vec();
    let mut b: Vec<_> = b.to_vec();
    a.sort();
    b.sort();
    if a.len() != b.len() {
        return format!("{} rows against {}", a.len(), b.len());
    }
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            return format!("{x:?}\n  against\n{y:?}");
        }
    }
    "no difference".into()
}

/// Read the `(id, j)` rows of a JSON-lines file written by `pwatch-batch sql ... --out x.jsonl`.
pub fn read_id_json(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .expect("read output")
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("output line is JSON");
            (
                v["id"].as_str().expect("id").to_string(),
                v["j"].as_str().expect("j").to_string(),
            )
        })
        .collect()
}
