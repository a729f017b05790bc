//! `pwatch classify --file`: streaming batch classification.
//!
//! Records are read in chunks, each chunk is classified on every core (rayon) and written out as JSONL in
//! input order before the next chunk is read, so memory stays constant whatever the file size. A record
//! that cannot be classified is written as an error line with its line number and the run goes on; the
//! summary on stderr counts both.
//!
//! Three formats, by extension: SMILES (one per line, optional name after white space), CSV (a `smiles`
//! column, optional `id`/`name`), and SD files (`.sdf`, `.sd`, `.mol`: MOL blocks separated by `$$$$`
//! lines; the id is an `<ID>` or `<name>` data item, else the block's name line; `line` is the line where
//! the record starts).

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

/// Bytes of SD records per chunk: a chunk also ends when its records hold this much text.
const SDF_CHUNK_BYTES: usize = 32 << 20;

/// Longest SD record kept, in bytes (the MOL block is limited to [`pw_chem::MAX_MOLBLOCK_BYTES`]; the rest
/// is room for data items). A longer record is reported as an error without being held in memory.
const MAX_SDF_RECORD_BYTES: usize = 2 * pw_chem::MAX_MOLBLOCK_BYTES;

/// Longest line kept, in bytes; the rest of a longer line is skipped (it makes its record fail).
const MAX_SDF_LINE_BYTES: usize = 64 << 10;

struct Record {
    line: usize,
    id: Option<String>,
    payload: Payload,
}

enum Payload {
    Smiles(String),
    /// One SD record (MOL block and data items, without its `$$$$` line).
    Molblock(String),
    /// A record that could not be kept, and why.
    Unreadable(String),
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
    let mut sdf = SdfReader::default();
    loop {
        let chunk = match &format {
            Format::Sdf => sdf.chunk(&mut reader).with_context(|| {
                format!("reading {} after line {}", path.display(), sdf.line_no)
            })?,
            _ => text_chunk(&mut reader, &format, &mut buf, &mut line_no)
                .with_context(|| format!("reading {} after line {line_no}", path.display()))?,
        };
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

/// The next chunk of a SMILES or CSV file.
fn text_chunk(
    reader: &mut impl BufRead,
    format: &Format,
    buf: &mut String,
    line_no: &mut usize,
) -> std::io::Result<Vec<Record>> {
    let mut chunk = Vec::with_capacity(CHUNK);
    while chunk.len() < CHUNK {
        buf.clear();
        if reader.read_line(buf)? == 0 {
            break;
        }
        *line_no += 1;
        let text = buf.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let rec = match format {
            Format::Csv { column, id_column } => {
                let cells: Vec<&str> = text
                    .split(',')
                    .map(|x| x.trim().trim_matches('"'))
                    .collect();
                Record {
                    line: *line_no,
                    id: id_column.and_then(|i| cells.get(i)).map(|s| s.to_string()),
                    payload: Payload::Smiles(
                        cells
                            .get(*column)
                            .map_or_else(String::new, |s| s.to_string()),
                    ),
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
                    line: *line_no,
                    id,
                    payload: Payload::Smiles(smiles),
                }
            }
        };
        chunk.push(rec);
    }
    Ok(chunk)
}

/// Reads SD records (`$$$$`-separated) a chunk at a time, holding at most one chunk in memory.
#[derive(Default)]
struct SdfReader {
    /// Lines read so far.
    line_no: usize,
    line: Vec<u8>,
}

impl SdfReader {
    fn chunk(&mut self, reader: &mut impl BufRead) -> std::io::Result<Vec<Record>> {
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut bytes = 0;
        while chunk.len() < CHUNK && bytes < SDF_CHUNK_BYTES {
            let Some(rec) = self.record(reader)? else {
                break;
            };
            if let Payload::Molblock(text) = &rec.payload {
                bytes += text.len();
            }
            chunk.push(rec);
        }
        Ok(chunk)
    }

    /// The next record, `None` at the end of the file. A record that is only white space (blank lines
    /// after the last `$$$$`) is skipped.
    fn record(&mut self, reader: &mut impl BufRead) -> std::io::Result<Option<Record>> {
        loop {
            let start = self.line_no + 1;
            let mut text = String::new();
            let mut dropped: Option<String> = None;
            let mut name: Option<String> = None;
            let mut any_line = false;
            let mut blank = true;
            while let Some(long) = read_line_bounded(reader, &mut self.line, MAX_SDF_LINE_BYTES)? {
                self.line_no += 1;
                let line = String::from_utf8_lossy(&self.line);
                let line = line.trim_end_matches(['\n', '\r']);
                if line.trim_end() == "$$$$" {
                    any_line = true;
                    break;
                }
                if !any_line {
                    name = Some(line.trim().to_string()).filter(|n| !n.is_empty());
                }
                any_line = true;
                blank &= line.trim().is_empty();
                if dropped.is_some() {
                    continue;
                }
                if long {
                    dropped = Some(format!(
                        "line {} is longer than {MAX_SDF_LINE_BYTES} bytes",
                        self.line_no
                    ));
                    text = String::new();
                } else if text.len() + line.len() + 1 > MAX_SDF_RECORD_BYTES {
                    dropped = Some(format!(
                        "the record is longer than {MAX_SDF_RECORD_BYTES} bytes"
                    ));
                    text = String::new();
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            if !any_line {
                return Ok(None);
            }
            if blank {
                continue;
            }
            let (payload, id) = match dropped {
                Some(why) => (Payload::Unreadable(why), name),
                None => {
                    let id = data_item_id(&text).or(name);
                    (Payload::Molblock(text), id)
                }
            };
            return Ok(Some(Record {
                line: start,
                id,
                payload,
            }));
        }
    }
}

/// Read one line (with its `\n`) into `buf`, keeping at most `max` bytes of it and skipping the rest.
/// `Some(true)` when the line was cut, `None` at the end of the input.
fn read_line_bounded(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut any = false;
    let mut cut = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(any.then_some(cut));
        }
        any = true;
        let (part, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = max.saturating_sub(buf.len());
        if part.len() > room {
            cut = true;
        }
        buf.extend_from_slice(&part[..part.len().min(room)]);
        let used = part.len();
        reader.consume(used);
        if done {
            return Ok(Some(cut));
        }
    }
}

/// The value of the record's `<ID>` data item (any case), else of its `<name>` item.
fn data_item_id(record: &str) -> Option<String> {
    let mut lines = record.lines();
    // Data items follow the MOL block.
    lines.by_ref().find(|l| l.trim_end() == "M  END")?;
    let (mut id, mut name) = (None, None);
    while let Some(l) = lines.next() {
        if !l.starts_with('>') {
            continue;
        }
        let field = l
            .split_once('<')
            .and_then(|(_, rest)| rest.split_once('>'))
            .map(|(f, _)| f.trim().to_ascii_lowercase());
        let value = lines
            .next()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        match field.as_deref() {
            Some("id") if id.is_none() => id = value,
            Some("name") if name.is_none() => name = value,
            _ => {}
        }
    }
    id.or(name)
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
    let result = match &r.payload {
        Payload::Smiles(smiles) => c.classify(smiles, as_of).map_err(|e| (e.to_string(), None)),
        Payload::Molblock(text) => pw_chem::Structure::from_molblock(text)
            .map_err(|e| molblock_error(e, r.line))
            .and_then(|s| {
                c.classify_structure(&s, &s.canonical_smiles(), as_of)
                    .map_err(|e| (e.to_string(), None))
            }),
        Payload::Unreadable(why) => Err((why.clone(), None)),
    };
    let (kind, value) = match result {
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
        Err((error, error_line)) => {
            let input = match &r.payload {
                Payload::Smiles(s) => serde_json::Value::from(s.as_str()),
                _ => serde_json::Value::Null,
            };
            let mut v =
                serde_json::json!({"line": r.line, "id": r.id, "input": input, "error": error});
            if let (Some(l), Some(o)) = (error_line, v.as_object_mut()) {
                o.insert("error_line".into(), l.into());
            }
            (Kind::Error, v)
        }
    };
    let mut line = serde_json::to_vec(&value).unwrap_or_default();
    line.push(b'\n');
    Outcome { kind, line }
}

/// A MOL block error with its line counted in the file (the record starts at `start`).
fn molblock_error(e: pw_chem::StructureError, start: usize) -> (String, Option<usize>) {
    match e {
        pw_chem::StructureError::Molfile {
            what,
            line: Some(l),
        } => {
            let at = start + l - 1;
            (
                format!("invalid MOL block at line {at} (line {l} of the record): {what}"),
                Some(at),
            )
        }
        e => (e.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_up_to_a_bound() {
        let mut r = std::io::Cursor::new(b"abc\ndefghij\nk".to_vec());
        let mut buf = Vec::new();
        assert_eq!(read_line_bounded(&mut r, &mut buf, 4).unwrap(), Some(false));
        assert_eq!(buf, b"abc\n");
        assert_eq!(read_line_bounded(&mut r, &mut buf, 4).unwrap(), Some(true));
        assert_eq!(buf, b"defg");
        assert_eq!(read_line_bounded(&mut r, &mut buf, 4).unwrap(), Some(false));
        assert_eq!(buf, b"k");
        assert_eq!(read_line_bounded(&mut r, &mut buf, 4).unwrap(), None);
    }

    #[test]
    fn ids_come_from_data_items_after_the_block() {
        let rec = "name line\n\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n> 25  <Name>  (1)\nfrom name\n\n>  <id>\nX-1\n\n";
        assert_eq!(data_item_id(rec).as_deref(), Some("X-1"));
        assert_eq!(
            data_item_id("a\n\n\n counts\nM  END\n> <NAME>\nN\n\n").as_deref(),
            Some("N")
        );
        assert_eq!(data_item_id("a\n\n\n counts\nM  END\n"), None);
        // A '>' line inside the block is not a data item.
        assert_eq!(data_item_id("> <ID>\nnot\n"), None);
    }

    #[test]
    fn records_split_on_dollar_lines_and_overlong_ones_are_not_kept() {
        let long = "C".repeat(MAX_SDF_LINE_BYTES + 10);
        let text =
            format!("one\nx\n\nM  END\n$$$$\ntwo\n{long}\nM  END\n$$$$  \nthree\nM  END\n\n\n");
        let mut r = std::io::Cursor::new(text.into_bytes());
        let mut sdf = SdfReader::default();
        let recs = sdf.chunk(&mut r).unwrap();
        assert_eq!(recs.len(), 3);
        let lines: Vec<usize> = recs.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 6, 10]);
        let ids: Vec<_> = recs
            .iter()
            .map(|r| r.id.clone().unwrap_or_default())
            .collect();
        assert_eq!(ids, ["one", "two", "three"]);
        assert!(
            matches!(&recs[1].payload, Payload::Unreadable(why) if why.contains("line 7 is longer"))
        );
        assert!(matches!(&recs[2].payload, Payload::Molblock(t) if t.starts_with("three\n")));
        assert!(sdf.chunk(&mut r).unwrap().is_empty());
    }
}
