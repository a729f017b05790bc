//! `pwatch classify --file`: streaming batch classification.
//!
//! Records are read in chunks, each chunk is classified on every core (rayon) and written out as JSONL in
//! input order before the next chunk is read, so memory stays constant whatever the file size. A record
//! that cannot be classified is written as an error line with its line number and the run goes on; the
//! summary on stderr counts both.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use pw_classify::Classifier;
use rayon::prelude::*;

/// Records per chunk: big enough to keep both cores busy, small enough for constant memory.
const CHUNK: usize = 2048;

struct Record {
    line: usize,
    id: Option<String>,
    smiles: String,
}

enum Format {
    Smiles,
    Csv {
        column: usize,
        id_column: Option<usize>,
    },
    Sdf,
}

pub(crate) fn classify_file(
    c: &Classifier,
    path: &Path,
    as_of: NaiveDate,
) -> anyhow::Result<ExitCode> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut line_no = 0usize;
    let format = match ext.as_str() {
        "sdf" | "sd" | "mol" => Format::Sdf,
        "csv" => {
            let mut header = String::new();
            reader
                .read_line(&mut header)
                .context("reading the CSV header")?;
            line_no = 1;
            let cols: Vec<String> = header
                .trim_end()
                .split(',')
                .map(|h| h.trim().trim_matches('"').to_ascii_lowercase())
                .collect();
            let Some(column) = cols.iter().position(|h| h == "smiles") else {
                eprintln!(
                    "error: {}: line 1: no `smiles` column in the CSV header ({})",
                    path.display(),
                    cols.join(", ")
                );
                return Ok(ExitCode::from(2));
            };
            let id_column = cols.iter().position(|h| h == "id" || h == "name");
            Format::Csv { column, id_column }
        }
        _ => Format::Smiles,
    };
    if matches!(format, Format::Sdf) {
        eprintln!(
            "error: {}: SDF input is not supported yet; convert to SMILES (one per line) or CSV",
            path.display()
        );
        return Ok(ExitCode::from(2));
    }
    let progress = indicatif::ProgressBar::new_spinner();
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {pos} structures classified ({per_sec}) {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut done, mut errors, mut flagged) = (0usize, 0usize, 0usize);
    let mut buf = String::new();
    loop {
        let mut chunk = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            buf.clear();
            if reader
                .read_line(&mut buf)
                .with_context(|| format!("reading {} after line {line_no}", path.display()))?
                == 0
            {
                break;
            }
            line_no += 1;
            let text = buf.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let rec = match &format {
                Format::Csv { column, id_column } => {
                    let cells: Vec<&str> = text
                        .split(',')
                        .map(|x| x.trim().trim_matches('"'))
                        .collect();
                    Record {
                        line: line_no,
                        id: id_column.and_then(|i| cells.get(i)).map(|s| s.to_string()),
                        smiles: cells
                            .get(*column)
                            .map_or_else(String::new, |s| s.to_string()),
                    }
                }
                _ => {
                    let mut parts = text.splitn(2, char::is_whitespace);
                    let smiles = parts.next().unwrap_or("").to_string();
                    let id = parts
                        .next()
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty());
                    Record {
                        line: line_no,
                        id,
                        smiles,
                    }
                }
            };
            chunk.push(rec);
        }
        if chunk.is_empty() {
            break;
        }
        // Each worker also serialises its own line, so the writer thread only copies bytes.
        let results: Vec<Outcome> = chunk
            .par_iter()
            .map(|r| classify_one(c, r, as_of))
            .collect();
        for o in &results {
            match o.kind {
                Kind::Error => errors += 1,
                Kind::Flagged => flagged += 1,
                Kind::Clean => {}
            }
            out.write_all(&o.line)?;
        }
        done += results.len();
        progress.set_position(done as u64);
    }
    out.flush()?;
    progress.finish_and_clear();
    eprintln!(
        "{done} records: {flagged} flagged, {errors} could not be classified (see their \"error\" lines)"
    );
    Ok(if flagged > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

enum Kind {
    Clean,
    Flagged,
    Error,
}

/// One classified record, already serialised as a JSONL line.
struct Outcome {
    kind: Kind,
    line: Vec<u8>,
}

fn classify_one(c: &Classifier, r: &Record, as_of: NaiveDate) -> Outcome {
    let (kind, value) = match c.classify(&r.smiles, as_of) {
        Ok(cl) => {
            let kind = if cl.listed.is_empty()
                && cl.class_matches.is_empty()
                && cl.analogue_warnings.is_empty()
            {
                Kind::Clean
            } else {
                Kind::Flagged
            };
            let mut v = serde_json::to_value(&cl).unwrap_or(serde_json::Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.insert("line".into(), r.line.into());
                o.insert(
                    "id".into(),
                    r.id.clone().map_or(serde_json::Value::Null, Into::into),
                );
            }
            (kind, v)
        }
        Err(e) => (
            Kind::Error,
            serde_json::json!({"line": r.line, "id": r.id, "input": r.smiles, "error": e.to_string()}),
        ),
    };
    let mut line = serde_json::to_vec(&value).unwrap_or_default();
    line.push(b'\n');
    Outcome { kind, line }
}
