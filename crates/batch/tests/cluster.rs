//! The acceptance test of the batch crate: a scheduler and two executors on loopback (the real binary,
//! real sockets) screen a few thousand records, and the answers equal those of DataFusion in one process,
//! of the screening library, and of `pwatch screen` (when `PWATCH_BIN` names its binary; CI sets it), by
//! an order-independent digest. Also: a process with another registry is refused, at start-up and per
//! session.

mod common;

use std::time::Duration;

use common::*;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::prelude::SessionContext;
use pw_batch::cluster;
use pw_batch::engine::Engine;
use pw_screen::Scratch;

/// What the library gives for each record: the JSON object `pwatch screen` writes after `id`/`line`.
fn library_rows(engine: &Engine, records: &[(String, String)]) -> Vec<(String, String)> {
    let mut scratch = Scratch::default();
    records
        .iter()
        .map(|(id, text)| {
            let mut out = vec![b'{'];
            engine
                .screener()
                .screen_json(text.as_bytes(), &mut scratch, &mut out);
            (id.clone(), String::from_utf8(out).expect("JSON is UTF-8"))
        })
        .collect()
}

/// `(id, pw_screen_json(text))` through a context (local or remote).
async fn context_rows(ctx: &SessionContext, glob: &str) -> Vec<(String, String)> {
    pw_batch::tables::register(ctx, "input", glob, None, Some(&["id", "text"]))
        .await
        .expect("register input");
    let batches = ctx
        .sql("SELECT id, pw_screen_json(text) AS j FROM input")
        .await
        .expect("plan")
        .collect()
        .await
        .expect("run");
    let mut rows = Vec::new();
    for b in &batches {
        let id = b.column(0).as_string::<i32>();
        let j = b.column(1).as_string::<i32>();
        for i in 0..b.num_rows() {
            rows.push((id.value(i).to_string(), j.value(i).to_string()));
        }
    }
    rows
}

/// The label, score, substance ids with offsets and red flag ids of `pw_screen`'s struct, per record,
/// through a context.
async fn struct_rows(ctx: &SessionContext) -> Vec<(String, String)> {
    let batches = ctx
        .sql(
            "SELECT id, s['label'] AS label, s['score'] AS score, s['substances'] AS subs, \
             s['red_flags'] AS flags, s['explanation'] AS expl, s['registry_version'] AS v \
             FROM (SELECT id, pw_screen(text) AS s FROM input)",
        )
        .await
        .expect("plan")
        .collect()
        .await
        .expect("run");
    let mut rows = Vec::new();
    for b in &batches {
        let id = b.column(0).as_string::<i32>();
        let label = b.column(1).as_string::<i32>();
        let score = b
            .column(2)
            .as_primitive::<datafusion::arrow::datatypes::Float64Type>();
        let subs = b.column(3).as_list::<i32>();
        let flags = b.column(4).as_list::<i32>();
        let expl = b.column(5).as_string::<i32>();
        let v = b.column(6).as_string::<i32>();
        for i in 0..b.num_rows() {
            let s = subs.value(i);
            let s = s.as_struct();
            let sid = s.column_by_name("id").expect("id").as_string::<i32>();
            let start = s
                .column_by_name("start")
                .expect("start")
                .as_primitive::<datafusion::arrow::datatypes::UInt64Type>();
            let subs: Vec<String> = (0..s.len())
                .map(|k| format!("{}@{}", sid.value(k), start.value(k)))
                .collect();
            let f = flags.value(i);
            let f = f.as_struct();
            let fid = f.column_by_name("id").expect("id").as_string::<i32>();
            let flags: Vec<&str> = (0..f.len()).map(|k| fid.value(k)).collect();
            rows.push((
                id.value(i).to_string(),
                format!(
                    "{}|{}|{:?}|{:?}|{}|{}",
                    label.value(i),
                    score.value(i),
                    subs,
                    flags,
                    expl.value(i),
                    v.value(i)
                ),
            ));
        }
    }
    rows
}

/// The same summary from the library's `Screening`.
fn library_struct_rows(engine: &Engine, records: &[(String, String)]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|(id, text)| {
            let s = engine.screener().screen(text.as_bytes());
            let subs: Vec<String> = s
                .substances
                .iter()
                .map(|h| format!("{}@{}", h.id, h.start))
                .collect();
            let flags: Vec<&str> = s.red_flags.iter().map(|f| f.id.as_str()).collect();
            (
                id.clone(),
                format!(
                    "{}|{}|{:?}|{:?}|{}|{}",
                    s.label.as_str(),
                    s.score,
                    subs,
                    flags,
                    s.explanation,
                    s.registry_version
                ),
            )
        })
        .collect()
}

/// `pwatch screen` output, each line without `id`, `line`, `file`, normalised through serde_json.
fn pwatch_rows(bin: &str, files: &[std::path::PathBuf]) -> Vec<(String, String)> {
    let out = std::process::Command::new(bin)
        .arg("screen")
        .args(files)
        .output()
        .expect("run pwatch screen");
    // Exit 1: something was flagged (the corpus has offers).
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "pwatch screen failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            let o = v.as_object_mut().expect("object");
            let id = o
                .remove("id")
                .and_then(|i| i.as_str().map(str::to_string))
                .expect("id");
            o.remove("line");
            o.remove("file");
            (id, v.to_string())
        })
        .collect()
}

fn normalised(rows: &[(String, String)]) -> Vec<(String, String)> {
    rows.iter()
        .map(|(id, j)| {
            let v: serde_json::Value = serde_json::from_str(j).expect("JSON");
            (id.clone(), v.to_string())
        })
        .collect()
}

fn assert_same(what: &str, expected: &[(String, String)], got: &[(String, String)]) {
    let (a, b) = (digest(expected), digest(got));
    assert!(
        a == b,
        "{what}: digest {b} differs from {a}; first difference:\n{}",
        first_difference(expected, got)
    );
    eprintln!("{what}: {} rows, digest {b}", got.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_equals_local_equals_library_and_pwatch_screen() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let records = corpus(&data, 1.5);
    assert!(records.len() >= 2000, "corpus too small: {}", records.len());
    let glob = format!("{}/*.jsonl", data.display());
    let engine = Engine::embedded().expect("engine");

    // The library, called as `pwatch screen` calls it.
    let library = library_rows(&engine, &records);
    let labels = |rows: &[(String, String)], l: &str| {
        rows.iter()
            .filter(|(_, j)| j.contains(&format!("\"label\":\"{l}\"")))
            .count()
    };
    // The corpus must exercise every label, or equality would prove little.
    for l in ["offer", "mention", "benign"] {
        assert!(
            labels(&library, l) > 10,
            "too few {l} records in the corpus"
        );
    }

    // `pwatch screen` itself, when its binary is given.
    match std::env::var("PWATCH_BIN") {
        Ok(bin) => {
            let files = [data.join("a-eval.jsonl"), data.join("b-generated.jsonl")];
            assert_same(
                "pwatch screen = library",
                &normalised(&library),
                &pwatch_rows(&bin, &files),
            );
        }
        Err(_) => eprintln!(
            "PWATCH_BIN not set: comparing with the screening library only (CI sets it to target/debug/pwatch)"
        ),
    }

    // DataFusion in this process (two partitions, two files).
    let local = cluster::local_context(&engine, Some(2));
    let local_rows = context_rows(&local, &glob).await;
    assert_same("local DataFusion = library", &library, &local_rows);
    assert_same(
        "local pw_screen struct = library Screening",
        &library_struct_rows(&engine, &records),
        &struct_rows(&local).await,
    );

    // A scheduler and two executors.
    let mut c = Cluster::scheduler(None);
    for i in 0..2 {
        let wd = tmp.path().join(format!("work-{i}"));
        std::fs::create_dir_all(&wd).expect("mkdir");
        let cmd = c.executor_cmd(None, &wd);
        c.executors.push(Proc::spawn(&format!("executor {i}"), cmd));
    }
    for e in &mut c.executors {
        e.wait_for("Connected to scheduler", Duration::from_secs(60));
    }
    let remote = cluster::remote_context(&c.url(), &engine, Duration::from_secs(30))
        .await
        .expect("remote context");
    let remote_rows = context_rows(&remote, &glob).await;
    assert_same("Ballista (2 executors) = library", &library, &remote_rows);
    assert_same(
        "Ballista pw_screen struct = library Screening",
        &library_struct_rows(&engine, &records),
        &struct_rows(&remote).await,
    );

    // The CLI, as users run it, on the cluster and locally.
    for (what, cluster_arg) in [("cli --cluster", Some(c.url())), ("cli local", None)] {
        let out = tmp.path().join(format!("{}.jsonl", what.replace(' ', "-")));
        let mut cmd = bin();
        cmd.args([
            "sql",
            "--quiet",
            "SELECT id, pw_screen_json(text) AS j FROM input",
            "--table",
            &format!("input={glob}"),
            "--out",
        ])
        .arg(&out);
        if let Some(u) = &cluster_arg {
            cmd.args(["--cluster", u]);
        }
        let o = cmd.output().expect("run pwatch-batch sql");
        assert!(
            o.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_same(&format!("{what} = library"), &library, &read_id_json(&out));
    }

    // Both executors took part (Ballista spreads the file partitions over them).
    for e in &c.executors {
        let tasks = e.log().matches("Finished task").count();
        assert!(tasks > 0, "{} ran no task:\n{}", e.name, e.log());
        eprintln!("{}: {tasks} tasks", e.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_registry_is_refused_at_start_and_per_session() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // A registry that differs from the embedded one by one comment line: another content hash.
    let other = tmp.path().join("registry");
    copy_dir(&root().join("data/registry"), &other);
    let countries = other.join("countries.toml");
    let mut text = std::fs::read_to_string(&countries).expect("countries.toml");
    text.push_str("\n# a changed registry\n");
    std::fs::write(&countries, text).expect("write");
    let engine = Engine::embedded().expect("engine");
    let changed = Engine::load(Some(&other), None).expect("changed registry loads");
    assert_ne!(engine.registry_version(), changed.registry_version());

    let mut c = Cluster::scheduler(None);

    // An executor with the other registry refuses to start.
    let wd = tmp.path().join("work");
    std::fs::create_dir_all(&wd).expect("mkdir");
    let mut e = Proc::spawn("executor", c.executor_cmd(Some(&other), &wd));
    let status = e
        .wait_exit(Duration::from_secs(60))
        .expect("the executor must exit");
    assert_eq!(status.code(), Some(2), "{}", e.log());
    let log = e.log();
    assert!(
        log.contains("registry version mismatch")
            && log.contains(engine.registry_version())
            && log.contains(changed.registry_version()),
        "the refusal names both versions:\n{log}"
    );

    // So does a client.
    let o = bin()
        .args(["sql", "SELECT 1", "--cluster", &c.url(), "--registry"])
        .arg(&other)
        .output()
        .expect("run client");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("registry version mismatch"), "{err}");

    // A session naming another registry (a client that skipped the handshake) is refused by the
    // scheduler before any executor is involved.
    let changed = std::sync::Arc::new(changed);
    let state = datafusion::execution::SessionStateBuilder::new()
        .with_default_features()
        .with_config(cluster::session_config(changed.registry_version()))
        .build();
    use ballista::prelude::SessionContextExt;
    let ctx = SessionContext::remote_with_state(&c.url(), state)
        .await
        .expect("context");
    for f in pw_batch::udf::all(&changed) {
        ctx.register_udf(f.as_ref().clone());
    }
    let r = tokio::time::timeout(Duration::from_secs(60), async {
        ctx.sql("SELECT pw_registry_version()")
            .await?
            .collect()
            .await
    })
    .await
    .unwrap_or_else(|_| panic!("no answer within 60 s; scheduler:\n{}", c.scheduler.log()));
    let err = r
        .expect_err("the scheduler must refuse the session")
        .to_string();
    assert!(err.contains("registry version mismatch"), "{err}");

    // An executor with the same registry joins.
    let wd2 = tmp.path().join("work2");
    std::fs::create_dir_all(&wd2).expect("mkdir");
    let cmd = c.executor_cmd(None, &wd2);
    c.executors.push(Proc::spawn("executor ok", cmd));
    c.executors[0].wait_for("Connected to scheduler", Duration::from_secs(60));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}
