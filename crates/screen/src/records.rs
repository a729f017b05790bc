//! Reading records to screen from JSONL, CSV and plain text, in constant memory.
//!
//! A reader yields `Result<Record, Malformed>`: a record that cannot be read (bad JSON, a missing text
//! field, a line over the size limit) is reported with its line number and the reader goes on with the
//! next one, so one bad line never loses the rest of a file. Lines longer than the limit are skipped
//! without being held in memory.

use std::io::BufRead;

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line; the text in `--text-field`, the id in `--id-field`.
    Jsonl,
    /// CSV with a header row (RFC 4180 quoting, fields may span lines).
    Csv,
    /// Plain text: every non-empty line is one record, its id the line number.
    Text,
}

impl Format {
    /// Guess from a file name: `.jsonl`/`.ndjson`/`.json` → JSONL, `.csv` → CSV, anything else text.
    pub fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") || lower.ends_with(".json") {
            Format::Jsonl
        } else if lower.ends_with(".csv") {
            Format::Csv
        } else {
            Format::Text
        }
    }
}

/// One record to screen.
#[derive(Debug, Clone)]
pub struct Record {
    /// Line where the record starts (1-based).
    pub line: u64,
    /// The id field, or the line number when there is none.
    pub id: String,
    /// The text (bytes as given; not necessarily UTF-8 for text and CSV input).
    pub text: Vec<u8>,
    /// With [`Options::defer_json`]: `text` is still the raw JSON line, to be read with
    /// [`parse_json_line`] (on a worker thread, so the reading thread only cuts lines).
    pub pending_json: bool,
}

/// A record that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct Malformed {
    /// Line where it starts (1-based).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// Field names and limits.
#[derive(Debug, Clone)]
pub struct Options {
    /// Field holding the text (JSONL, CSV).
    pub text_field: String,
    /// Field holding the id (JSONL, CSV); absent ids become the line number.
    pub id_field: String,
    /// Longest record accepted, in bytes.
    pub max_record_bytes: usize,
    /// JSONL: hand out raw lines (`Record::pending_json`) instead of parsing them.
    pub defer_json: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            text_field: "text".into(),
            id_field: "id".into(),
            max_record_bytes: 64 << 20,
            defer_json: false,
        }
    }
}

/// A streaming reader of records.
pub struct Reader<R: BufRead> {
    inner: Inner<R>,
    opts: Options,
    line: u64,
    buf: Vec<u8>,
}

enum Inner<R: BufRead> {
    Lines(R, Format),
    Csv {
        csv: csv::Reader<R>,
        text_col: usize,
        id_col: Option<usize>,
        record: csv::ByteRecord,
    },
    Failed(Option<Malformed>),
}

impl<R: BufRead> Reader<R> {
    /// A reader over `input` in `format`.
    pub fn new(input: R, format: Format, opts: Options) -> Reader<R> {
        let inner = match format {
            Format::Csv => {
                let mut csv = csv::ReaderBuilder::new()
                    .flexible(true)
                    .has_headers(true)
                    .from_reader(input);
                match csv.byte_headers() {
                    Ok(h) => {
                        let find = |name: &str| {
                            h.iter().position(|c| {
                                String::from_utf8_lossy(c).trim().eq_ignore_ascii_case(name)
                            })
                        };
                        match find(&opts.text_field) {
                            Some(text_col) => Inner::Csv {
                                text_col,
                                id_col: find(&opts.id_field),
                                csv,
                                record: csv::ByteRecord::new(),
                            },
                            None => Inner::Failed(Some(Malformed {
                                line: 1,
                                message: format!(
                                    "the CSV header has no column {:?} (columns: {}); choose one with --text-field",
                                    opts.text_field,
                                    h.iter()
                                        .map(|c| String::from_utf8_lossy(c).into_owned())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            })),
                        }
                    }
                    Err(e) => Inner::Failed(Some(Malformed {
                        line: 1,
                        message: format!("reading the CSV header: {e}"),
                    })),
                }
            }
            f => Inner::Lines(input, f),
        };
        Reader {
            inner,
            opts,
            line: 0,
            buf: Vec::new(),
        }
    }

    /// Whether the whole input is unusable (no such CSV column): the first item says why.
    pub fn failed(&self) -> bool {
        matches!(self.inner, Inner::Failed(_))
    }

    /// Read one line into `buf` (without the newline), up to the size limit. Returns `Ok(None)` at the
    /// end, `Ok(Some(too_long))` otherwise.
    fn read_line(&mut self) -> std::io::Result<Option<bool>> {
        let Inner::Lines(input, _) = &mut self.inner else {
            return Ok(None);
        };
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let available = match input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (chunk, done) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..i], Some(i + 1)),
                None => (available, None),
            };
            if !too_long {
                if self.buf.len() + chunk.len() > self.opts.max_record_bytes {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(chunk);
                }
            }
            let used = done.unwrap_or(available.len());
            input.consume(used);
            if done.is_some() {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some(too_long))
    }

    fn next_line_record(&mut self, format: Format) -> Option<Result<Record, Malformed>> {
        loop {
            let too_long = match self.read_line() {
                Ok(None) => return None,
                Ok(Some(t)) => t,
                Err(e) => {
                    self.line += 1;
                    let m = Malformed {
                        line: self.line,
                        message: format!("read error: {e}"),
                    };
                    self.inner = Inner::Failed(None);
                    return Some(Err(m));
                }
            };
            self.line += 1;
            let line = self.line;
            if too_long {
                return Some(Err(Malformed {
                    line,
                    message: format!(
                        "record longer than the limit of {} bytes (--max-record-bytes); skipped",
                        self.opts.max_record_bytes
                    ),
                }));
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(match format {
                Format::Text => Ok(Record {
                    line,
                    id: line.to_string(),
                    text: std::mem::take(&mut self.buf),
                    pending_json: false,
                }),
                _ if self.opts.defer_json => Ok(Record {
                    line,
                    id: String::new(),
                    text: std::mem::take(&mut self.buf),
                    pending_json: true,
                }),
                _ => parse_json_line(&self.buf, line, &self.opts),
            });
        }
    }
}

/// Picks the text and id fields out of a JSON object without building a map of it.
struct Fields<'a> {
    text: &'a str,
    id: &'a str,
}

type Picked<'de> = (
    Option<&'de serde_json::value::RawValue>,
    Option<&'de serde_json::value::RawValue>,
);

impl<'de> serde::de::DeserializeSeed<'de> for Fields<'_> {
    type Value = Picked<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Fields<'_> {
    type Value = Picked<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut text, mut id) = (None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.text {
                text = Some(map.next_value()?);
            } else if key == self.id {
                id = Some(map.next_value()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok((text, id))
    }
}

/// Read one JSONL record: the text and id fields of the object on `buf` (line `line`).
pub fn parse_json_line(buf: &[u8], line: u64, opts: &Options) -> Result<Record, Malformed> {
    use serde::de::DeserializeSeed;
    let bad = |message: String| Malformed { line, message };
    let not_object = |e: serde_json::Error| {
        bad(format!(
            "not a JSON object: {e} (column {} of the line)",
            e.column()
        ))
    };
    let mut de = serde_json::Deserializer::from_slice(buf);
    let (text, id) = Fields {
        text: &opts.text_field,
        id: &opts.id_field,
    }
    .deserialize(&mut de)
    .map_err(not_object)?;
    de.end().map_err(not_object)?;
    let Some(raw) = text.map(|r| r.get()) else {
        return Err(bad(format!("no {:?} field", opts.text_field)));
    };
    let text: std::borrow::Cow<str> = serde_json::from_str(raw).map_err(|_| {
        bad(format!(
            "field {:?} is not a string: {}",
            opts.text_field,
            truncate(raw, 40)
        ))
    })?;
    let id = match id.map(|r| r.get()) {
        None => line.to_string(),
        Some(raw) => match serde_json::from_str::<std::borrow::Cow<str>>(raw) {
            Ok(s) => s.into_owned(),
            // Numbers and other scalars are kept as written.
            Err(_) => raw.to_string(),
        },
    };
    Ok(Record {
        line,
        id,
        text: text.into_owned().into_bytes(),
        pending_json: false,
    })
}

fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        s.to_string()
    } else {
        let mut end = n;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Record, Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Failed(why) => why.take().map(Err),
            Inner::Lines(_, format) => {
                let f = *format;
                self.next_line_record(f)
            }
            Inner::Csv {
                csv,
                text_col,
                id_col,
                record,
            } => match csv.read_byte_record(record) {
                Ok(false) => None,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    let Some(text) = record.get(*text_col) else {
                        return Some(Err(Malformed {
                            line,
                            message: format!(
                                "{} fields, no column {} ({:?})",
                                record.len(),
                                *text_col + 1,
                                self.opts.text_field
                            ),
                        }));
                    };
                    if text.len() > self.opts.max_record_bytes {
                        return Some(Err(Malformed {
                            line,
                            message: format!(
                                "record longer than the limit of {} bytes (--max-record-bytes); skipped",
                                self.opts.max_record_bytes
                            ),
                        }));
                    }
                    let id = id_col.and_then(|i| record.get(i)).map_or_else(
                        || line.to_string(),
                        |b| String::from_utf8_lossy(b).into_owned(),
                    );
                    Some(Ok(Record {
                        line,
                        id,
                        text: text.to_vec(),
                        pending_json: false,
                    }))
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    let message = format!("CSV: {e}");
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        self.inner = Inner::Failed(None);
                    }
                    Some(Err(Malformed { line, message }))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &str, format: Format) -> Vec<Result<Record, Malformed>> {
        Reader::new(input.as_bytes(), format, Options::default()).collect()
    }

    #[test]
    fn jsonl_with_bad_lines_keeps_the_rest() {
        let input = "{\"id\":\"a\",\"text\":\"NPP for sale\"}\nnot json\n\n{\"id\":7,\"text\":\"x\"}\n{\"id\":\"b\"}\n{\"text\":5}\n";
        let out = read(input, Format::Jsonl);
        assert_eq!(out.len(), 5);
        let a = out[0].as_ref().expect("a");
        assert_eq!(
            (a.line, a.id.as_str(), a.text.as_slice()),
            (1, "a", &b"NPP for sale"[..])
        );
        let e = out[1].as_ref().expect_err("bad");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("not a JSON object"), "{e}");
        let n = out[2].as_ref().expect("numeric id");
        assert_eq!((n.line, n.id.as_str()), (4, "7"));
        assert!(
            out[3]
                .as_ref()
                .expect_err("no text")
                .message
                .contains("no \"text\" field")
        );
        assert!(
            out[4]
                .as_ref()
                .expect_err("not string")
                .message
                .contains("not a string")
        );
    }

    #[test]
    fn long_lines_are_skipped_not_held() {
        let long = "x".repeat(100);
        let input = format!("short\n{long}\nafter\n");
        let opts = Options {
            max_record_bytes: 50,
            ..Options::default()
        };
        let out: Vec<_> = Reader::new(input.as_bytes(), Format::Text, opts).collect();
        assert_eq!(out.len(), 3);
        assert_eq!(out[1].as_ref().expect_err("long").line, 2);
        assert_eq!(out[2].as_ref().expect("after").text, b"after");
    }

    #[test]
    fn csv_quoting_and_missing_column() {
        let input = "id,text\n1,\"NPP, \"\"quoted\"\"\nnext line\"\n2,plain\n";
        let out = read(input, Format::Csv);
        assert_eq!(out.len(), 2);
        let r = out[0].as_ref().expect("first");
        assert_eq!(r.text, b"NPP, \"quoted\"\nnext line");
        assert_eq!(r.line, 2);
        assert_eq!(out[1].as_ref().expect("second").line, 4);
        let out = read("a,b\n1,2\n", Format::Csv);
        assert_eq!(out.len(), 1);
        assert!(
            out[0]
                .as_ref()
                .expect_err("no column")
                .message
                .contains("no column \"text\"")
        );
    }

    #[test]
    fn invalid_utf8_text_is_kept_as_bytes() {
        let input: &[u8] = b"ok \xff\xfe NPP\n";
        let out: Vec<_> = Reader::new(input, Format::Text, Options::default()).collect();
        assert_eq!(out[0].as_ref().expect("record").text, b"ok \xff\xfe NPP");
    }
}
