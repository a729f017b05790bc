//! `pwatch screen` and `pwatch eval` as users run them: files and stdin in, JSONL and exit codes out.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn pwatch(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pwatch"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pwatch");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait")
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn jsonl_in_order_with_malformed_lines_reported_and_skipped() {
    let input = concat!(
        "{\"id\":\"a\",\"text\":\"N-phenethyl-4-piperidone 99%, price per kg, safe delivery to USA, pay in USDT\"}\n",
        "{this is not json\n",
        "{\"id\":\"b\",\"text\":\"Sodium chloride 25 kg bags, food grade\"}\n",
        "{\"id\":\"c\",\"body\":\"no text field\"}\n",
        "{\"id\":\"d\",\"text\":\"DEA: 4-AP was placed in Schedule II; the rule was published in the Federal Register.\"}\n",
    );
    let out = pwatch(&["screen", "-", "--format", "jsonl"], input.as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "offers found → exit 1; {stderr}"
    );
    let v = lines(&out);
    let ids: Vec<&str> = v.iter().map(|r| r["id"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, ["a", "b", "d"], "input order, malformed skipped");
    assert_eq!(v[0]["line"], 1);
    assert_eq!(v[0]["label"], "offer");
    assert_eq!(v[0]["substances"][0]["id"], "npp");
    let text = "N-phenethyl-4-piperidone 99%, price per kg, safe delivery to USA, pay in USDT";
    let (s, e) = (
        v[0]["substances"][0]["start"].as_u64().unwrap_or(0) as usize,
        v[0]["substances"][0]["end"].as_u64().unwrap_or(0) as usize,
    );
    assert_eq!(&text[s..e], "N-phenethyl-4-piperidone");
    assert!(v[0]["red_flags"].as_array().is_some_and(|a| !a.is_empty()));
    for f in v[0]["red_flags"].as_array().into_iter().flatten() {
        assert!(f["source"].as_str().is_some_and(|s| !s.is_empty()), "{f}");
    }
    assert_eq!(v[1]["label"], "benign");
    assert_eq!(v[2]["label"], "mention", "{}", v[2]["explanation"]);
    assert!(
        stderr.contains("-:2:"),
        "line number of the bad JSON: {stderr}"
    );
    assert!(
        stderr.contains("-:4:") && stderr.contains("no \"text\" field"),
        "{stderr}"
    );
    assert!(
        stderr.contains("5 records") || stderr.contains("3 records"),
        "{stderr}"
    );
    assert!(stderr.contains("2 malformed"), "{stderr}");
}

/// Many chunks (4,096 records each), screened concurrently and finishing in any order: the lines come
/// out in input order, every malformed record is reported once with its line, and the counts add up.
#[test]
fn many_chunks_come_out_in_input_order() {
    let mut input = String::new();
    for i in 1..=20_000u32 {
        if i.is_multiple_of(997) {
            input.push_str("{broken\n");
        } else if i.is_multiple_of(3) {
            input.push_str(&format!(
                "{{\"id\":\"r{i}\",\"text\":\"NPP 99% CAS 39742-60-4, price per kg, ship to USA, pay in USDT\"}}\n"
            ));
        } else {
            input.push_str(&format!(
                "{{\"id\":\"r{i}\",\"text\":\"Sodium chloride 25 kg bags, food grade, WhatsApp\"}}\n"
            ));
        }
    }
    let out = pwatch(&["screen", "-", "--format", "jsonl"], input.as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v = lines(&out);
    let want: Vec<String> = (1..=20_000u32)
        .filter(|i| !i.is_multiple_of(997))
        .map(|i| format!("r{i}"))
        .collect();
    let ids: Vec<&str> = v.iter().map(|r| r["id"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, want, "input order");
    for r in &v {
        let i: u64 = r["id"]
            .as_str()
            .and_then(|s| s[1..].parse().ok())
            .unwrap_or(0);
        assert_eq!(r["line"], i, "line number of {r}");
        let want = if i.is_multiple_of(3) {
            "offer"
        } else {
            "benign"
        };
        assert_eq!(r["label"], want, "{r}");
    }
    let broken = 20_000 / 997;
    assert_eq!(stderr.matches("warning: ").count(), broken, "{stderr}");
    assert!(
        stderr.contains("-:997:") && stderr.contains("-:19940:"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{} records", 20_000 - broken))
            && stderr.contains(&format!("{broken} malformed")),
        "{stderr}"
    );
}

/// A file is read through a memory map unless `--no-mmap` says otherwise: the same lines either way,
/// and the same as from standard input (blank, CRLF and malformed lines included).
#[test]
fn mapped_read_and_piped_files_give_the_same_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("listings.jsonl");
    let mut input = String::new();
    for i in 1..=3_000u32 {
        match i % 11 {
            0 => input.push_str("{broken\r\n"),
            5 => input.push('\n'),
            _ => input.push_str(&format!(
                "{{\"id\":\"r{i}\",\"text\":\"NPP 99% CAS 39742-60-4, ship to USA, WhatsApp {i}\"}}\n"
            )),
        }
    }
    std::fs::write(&path, &input).expect("write");
    let file = path.to_str().expect("utf-8 path");
    let mapped = pwatch(&["screen", file], b"");
    let read = pwatch(&["screen", "--no-mmap", file], b"");
    let piped = pwatch(&["screen", "-", "--format", "jsonl"], input.as_bytes());
    assert!(!mapped.stdout.is_empty());
    assert_eq!(mapped.stdout, read.stdout);
    assert_eq!(mapped.stdout, piped.stdout);
    assert_eq!(mapped.status.code(), read.status.code());
    let warnings = |o: &Output| {
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .filter(|l| l.starts_with("warning: "))
            .map(|l| l.replace(file, "-"))
            .collect::<Vec<_>>()
    };
    assert_eq!(warnings(&mapped), warnings(&piped));
    assert_eq!(warnings(&mapped).len(), 3_000 / 11);
}

/// A reader that stops reading (`pwatch screen … | head`) ends the run as other filters end: no
/// error, the exit code of what was screened.
#[test]
fn a_closed_output_ends_the_run_quietly() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("listings.jsonl");
    let line = "{\"text\":\"NPP 99% CAS 39742-60-4, price per kg, ship to USA, pay in USDT\"}\n";
    // Far more output than a pipe holds, so that pwatch is still writing when the reader goes.
    std::fs::write(&path, line.repeat(20_000)).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pwatch"))
        .args(["screen", path.to_str().expect("utf-8 path")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pwatch");
    let mut head = [0u8; 1000];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut head)
        .expect("read the first lines");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "offers were screened: {stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(String::from_utf8_lossy(&head).starts_with("{\"id\":\"1\""));
}

#[test]
fn csv_and_text_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("decl.csv");
    std::fs::write(
        &csv,
        "ref,description\nD1,\"Acetone, 200 L drums\"\nD2,\"4-piperidone hydrochloride, 25 kg, \"\"research use only\"\"\"\n",
    )
    .expect("write");
    let out = pwatch(
        &[
            "screen",
            csv.to_str().expect("path"),
            "--text-field",
            "description",
            "--id-field",
            "ref",
        ],
        b"",
    );
    let v = lines(&out);
    assert_eq!(v.len(), 2, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(v[0]["id"], "D1");
    assert_eq!(v[0]["label"], "benign");
    assert_eq!(v[1]["id"], "D2");
    assert_eq!(v[1]["substances"][0]["id"], "4-piperidone");

    let txt = dir.path().join("posts.txt");
    std::fs::write(&txt, "nothing here\n\nbuy ANPP now\n").expect("write");
    let out = pwatch(&["screen", txt.to_str().expect("path")], b"");
    let v = lines(&out);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["id"], "3");
    assert_eq!(v[1]["substances"][0]["id"], "anpp");
}

#[test]
fn bad_inputs_get_clear_errors() {
    let out = pwatch(&["screen", "/no/such/file.jsonl"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.jsonl"));

    let out = pwatch(&["screen", "-", "--format", "csv"], b"a,b\n1,2\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column \"text\""));

    // Binary junk and invalid UTF-8 as plain text: screened, not rejected, no panic.
    let junk: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let out = pwatch(&["screen", "-", "--format", "text"], &junk);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A line over the limit is reported and skipped; the next one is kept.
    let mut input = vec![b'x'; 2000];
    input.extend_from_slice(b"\nANPP\n");
    let out = pwatch(
        &[
            "screen",
            "-",
            "--format",
            "text",
            "--max-record-bytes",
            "1000",
        ],
        &input,
    );
    let v = lines(&out);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["line"], 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("longer than the limit"));
}

#[test]
fn eval_reports_scores_per_label() {
    let dir = tempfile::tempdir().expect("tempdir");
    let set = dir.path().join("set.jsonl");
    std::fs::write(
        &set,
        concat!(
            "{\"id\":\"1\",\"text\":\"ANPP in stock, price per kg, safe delivery to USA\",\"label\":\"offer\",\"substances\":[\"anpp\"]}\n",
            "{\"id\":\"2\",\"text\":\"Sodium chloride, 25 kg\",\"label\":\"benign\",\"substances\":[]}\n",
            "{\"id\":\"3\",\"text\":\"Sodium chloride, 25 kg\",\"label\":\"offer\",\"substances\":[]}\n",
        ),
    )
    .expect("write");
    let out = pwatch(
        &["eval", "--set", set.to_str().expect("path"), "--json"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["records"], 3);
    let offer = v["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .find(|l| l["label"] == "offer")
        .cloned()
        .expect("offer");
    assert_eq!(offer["precision"], 1.0);
    assert_eq!(offer["recall"], 0.5);
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(1));
    let out = pwatch(
        &[
            "eval",
            "--set",
            set.to_str().expect("path"),
            "--min-offer-f1",
            "0.95",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
}
