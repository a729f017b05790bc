//! `pwatch-batch screen` and `classify` as users run them: files in, files out, counts, errors.

mod common;

use common::*;
use datafusion::arrow::array::{Array, AsArray};
use pw_batch::engine::Engine;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screen_to_parquet_then_read_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let records = corpus(&data, 0.3);
    let out = tmp.path().join("screened.parquet");
    let o = bin()
        .args(["screen", "--input"])
        .arg(format!("{}/*.jsonl", data.display()))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The summary line counts every row and the labels.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{} rows", records.len())),
        "summary: {err}"
    );
    assert!(err.contains("offer") && err.contains("benign"), "{err}");
    // Nothing partial left beside it.
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".partial")), "{names:?}");

    // Read it back: one row per record, one column per field, labels as the library says.
    let engine = Engine::embedded().expect("engine");
    let ctx = datafusion::prelude::SessionContext::new();
    ctx.register_parquet("s", out.to_str().expect("path"), Default::default())
        .await
        .expect("register");
    let batches = ctx
        .sql("SELECT id, label, score, registry_version FROM s")
        .await
        .expect("plan")
        .collect()
        .await
        .expect("read");
    let mut got: Vec<(String, String)> = Vec::new();
    let utf8 = |c: &std::sync::Arc<dyn Array>| {
        datafusion::arrow::compute::cast(c, &datafusion::arrow::datatypes::DataType::Utf8)
            .expect("cast")
    };
    for b in &batches {
        let (id, label, version) = (utf8(b.column(0)), utf8(b.column(1)), utf8(b.column(3)));
        let (id, label, version) = (
            id.as_string::<i32>(),
            label.as_string::<i32>(),
            version.as_string::<i32>(),
        );
        for i in 0..b.num_rows() {
            assert_eq!(version.value(i), engine.registry_version());
            got.push((id.value(i).to_string(), label.value(i).to_string()));
        }
    }
    let expected: Vec<(String, String)> = records
        .iter()
        .map(|(id, t)| {
            (
                id.clone(),
                engine
                    .screener()
                    .screen(t.as_bytes())
                    .label
                    .as_str()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        digest(&expected),
        digest(&got),
        "{}",
        first_difference(&expected, &got)
    );

    // Row groups are small enough to be read in parallel.
    let file = std::fs::File::open(&out).expect("open");
    let meta = datafusion::parquet::file::reader::FileReader::metadata(
        &datafusion::parquet::file::reader::SerializedFileReader::new(file).expect("parquet"),
    )
    .clone();
    for rg in meta.row_groups() {
        assert!(rg.num_rows() <= pw_batch::output::ROW_GROUP_ROWS as i64);
    }
}

#[test]
fn classify_csv_to_csv_with_errors_in_rows() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in.csv");
    std::fs::write(
        &input,
        "id,smiles\nnpp,O=C1CCN(CCc2ccccc2)CC1\nbad,C1CC((((\nbenzene,c1ccccc1\n",
    )
    .expect("write");
    let out = tmp.path().join("out.csv");
    let o = bin()
        .args(["classify", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("3 rows"), "{err}");
    assert!(err.contains("1 rows with an error"), "{err}");
    let mut r = csv_rows(&out);
    r.sort_by(|a, b| a["id"].cmp(&b["id"]));
    assert_eq!(r.len(), 3);
    let by = |id: &str| r.iter().find(|x| x["id"] == id).expect("row");
    assert!(!by("bad")["error"].is_empty());
    assert!(by("npp")["error"].is_empty());
    assert_eq!(by("npp")["listed"], "npp");
    assert!(by("benzene")["listed"].is_empty());
}

#[test]
fn a_missing_input_is_exit_2_and_no_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("x.jsonl");
    let o = bin()
        .args(["screen", "--input"])
        .arg(tmp.path().join("nothing-here.jsonl"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("error:"));
    assert!(!out.exists());
}

/// A CSV file as maps from header to value.
fn csv_rows(p: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(p).expect("read");
    let mut lines = text.lines();
    let header: Vec<String> = split_csv(lines.next().expect("header"));
    lines
        .map(|l| header.iter().cloned().zip(split_csv(l)).collect())
        .collect()
}

/// Enough CSV for the test: quoted fields with doubled quotes, commas inside quotes.
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}
