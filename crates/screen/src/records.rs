//! Reading records to screen from JSONL, CSV and plain text, in constant memory.
//!
//! A reader yields `Result<Record, Malformed>`: a record that cannot be read (bad JSON, a missing text
//! field, a line over the size limit) is reported with its line number and the reader goes on with the
//! next one, so one bad line never loses the rest of a file. Lines longer than the limit are skipped
//! without being held in memory.

use std::borrow::Cow;
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

impl Malformed {
    /// A record on `line` over the length limit `max`.
    fn too_long(line: u64, max: usize) -> Malformed {
        Malformed {
            line,
            message: format!(
                "record longer than the limit of {max} bytes (--max-record-bytes); skipped"
            ),
        }
    }
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
        read_line_into(input, &mut self.buf, self.opts.max_record_bytes)
    }

    /// JSONL and text input: append the next lines to `chunk` (at most `max_lines` items, and no more
    /// once its buffer holds `max_bytes`), the lines themselves in one buffer instead of one allocation
    /// each. The same lines, line numbers and malformed records as the iterator. Returns false when the
    /// input is exhausted (or unusable: the last item says why) and nothing was added.
    pub fn next_chunk(
        &mut self,
        chunk: &mut LineChunk,
        max_lines: usize,
        max_bytes: usize,
    ) -> bool {
        let added = chunk.items.len();
        let mut record_bytes = 0;
        while chunk.items.len() < max_lines && chunk.buf.len() + record_bytes < max_bytes {
            let format = match &self.inner {
                Inner::Lines(_, f) => *f,
                _ => match self.next() {
                    Some(Ok(r)) => {
                        record_bytes += r.text.len();
                        chunk.items.push(ChunkItem::Record(r));
                        continue;
                    }
                    Some(Err(m)) => {
                        chunk.items.push(ChunkItem::Malformed(m));
                        continue;
                    }
                    None => break,
                },
            };
            let Inner::Lines(input, _) = &mut self.inner else {
                break;
            };
            let start = chunk.buf.len();
            let read = read_line_into(input, &mut chunk.buf, self.opts.max_record_bytes);
            let too_long = match read {
                Ok(None) => break,
                Ok(Some(t)) => t,
                Err(e) => {
                    chunk.buf.truncate(start);
                    self.line += 1;
                    chunk.items.push(ChunkItem::Malformed(Malformed {
                        line: self.line,
                        message: format!("read error: {e}"),
                    }));
                    self.inner = Inner::Failed(None);
                    break;
                }
            };
            self.line += 1;
            let line = self.line;
            if too_long {
                chunk.buf.truncate(start);
                chunk.items.push(ChunkItem::Malformed(Malformed::too_long(
                    line,
                    self.opts.max_record_bytes,
                )));
                continue;
            }
            if chunk.buf[start..].iter().all(u8::is_ascii_whitespace) {
                chunk.buf.truncate(start);
                continue;
            }
            chunk.items.push(ChunkItem::Line {
                line,
                start,
                end: chunk.buf.len(),
                json: format == Format::Jsonl,
            });
        }
        chunk.items.len() > added
    }
}

/// Lines read by [`Reader::next_chunk`]: one buffer holding them all, and what each item is.
#[derive(Debug, Default)]
pub struct LineChunk {
    /// The lines' bytes, one after the other (without newlines).
    pub buf: Vec<u8>,
    /// The items in input order.
    pub items: Vec<ChunkItem>,
}

impl LineChunk {
    /// Empty it, keeping its buffers.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.items.clear();
    }
}

/// The lines of a text already in memory (a memory-mapped file), cut into chunks as
/// [`Reader::next_chunk`] cuts those it reads, with the same line numbers, blank lines skipped and
/// over-long lines reported the same way, but not copied: the items' ranges are offsets into the
/// text itself, and the chunk's buffer stays empty. JSON Lines and plain text only (CSV records may
/// span lines: they take the [`Reader`]). The text is given to each call, so that the caller may
/// map a file afresh as it goes (the same bytes at the same offsets).
#[derive(Debug)]
pub struct SliceLines {
    pos: usize,
    line: u64,
    json: bool,
    max_record_bytes: usize,
}

impl SliceLines {
    /// Lines in `format` from the start of a text (`None` for CSV).
    pub fn new(format: Format, opts: &Options) -> Option<SliceLines> {
        (format != Format::Csv).then_some(SliceLines {
            pos: 0,
            line: 0,
            json: format == Format::Jsonl,
            max_record_bytes: opts.max_record_bytes,
        })
    }

    /// Offset in the text of the next line.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Number of the last line taken (0 before the first).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Fill `chunk` with up to `max_lines` items of the lines of `data` that start within
    /// `max_bytes` of the first (at least one item while any is left); false when there was none
    /// left.
    pub fn next_chunk(
        &mut self,
        data: &[u8],
        chunk: &mut LineChunk,
        max_lines: usize,
        max_bytes: usize,
    ) -> bool {
        let added = chunk.items.len();
        let from = self.pos;
        while self.pos < data.len()
            && chunk.items.len() < max_lines
            && (chunk.items.len() == added || self.pos - from < max_bytes)
        {
            let start = self.pos;
            let line_end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
            self.pos = (line_end + 1).min(data.len());
            self.line += 1;
            if line_end - start > self.max_record_bytes {
                chunk.items.push(ChunkItem::Malformed(Malformed::too_long(
                    self.line,
                    self.max_record_bytes,
                )));
                continue;
            }
            let mut end = line_end;
            if end > start && data[end - 1] == b'\r' {
                end -= 1;
            }
            if data[start..end].iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            chunk.items.push(ChunkItem::Line {
                line: self.line,
                start,
                end,
                json: self.json,
            });
        }
        chunk.items.len() > added
    }
}

/// One item of a [`LineChunk`].
#[derive(Debug)]
pub enum ChunkItem {
    /// Line `line`, bytes `start..end` of the chunk's buffer: a JSON object to read with
    /// [`json_line`] (`json`), or a text line to screen as it is (its id is its line number).
    Line {
        /// Line number (1-based).
        line: u64,
        /// Start in the buffer.
        start: usize,
        /// End in the buffer.
        end: usize,
        /// JSONL (else plain text).
        json: bool,
    },
    /// A record read otherwise (CSV).
    Record(Record),
    /// A record that could not be read.
    Malformed(Malformed),
}

/// Read one line from `input`, appending it to `buf` (without the newline and a final `\r`), up to
/// `max` bytes. `Ok(None)` at the end, `Ok(Some(too_long))` otherwise (a line over the limit is
/// consumed but not kept: what was appended is left for the caller to drop).
fn read_line_into<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    {
        let base = buf.len();
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
                if buf.len() - base + chunk.len() > max {
                    too_long = true;
                    buf.truncate(base);
                } else {
                    buf.extend_from_slice(chunk);
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
        if buf.len() > base && buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Some(too_long))
    }
}

impl<R: BufRead> Reader<R> {
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
                return Some(Err(Malformed::too_long(line, self.opts.max_record_bytes)));
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

/// A JSONL record read by [`json_line`]: its id (`None`: none given, the line number stands for it)
/// and text, borrowed from the line when they have no escapes.
#[derive(Debug)]
pub struct JsonRecord<'a> {
    /// The id field.
    pub id: Option<Cow<'a, str>>,
    /// The text field (UTF-8, as JSON strings are).
    pub text: Cow<'a, str>,
}

/// Read one JSONL record like [`parse_json_line`], without copying what needs no unescaping. Lines made
/// only of string members (the usual shape) are read here; anything else (numbers, nesting, `\u`
/// surrogates, errors) goes to [`parse_json_line`], so the answer, errors included, is the same.
pub fn json_line<'a>(
    buf: &'a [u8],
    line: u64,
    opts: &Options,
) -> Result<JsonRecord<'a>, Malformed> {
    if let Some((id, text)) = string_members(buf, &opts.text_field, &opts.id_field) {
        return Ok(JsonRecord { id, text });
    }
    parse_json_line(buf, line, opts).map(|r| JsonRecord {
        id: Some(Cow::Owned(r.id)),
        // A JSON string read by serde_json is UTF-8: the lossy branch is never taken.
        text: Cow::Owned(
            String::from_utf8(r.text)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
    })
}

/// A JSON object whose members are all strings: the last `text` and `id` members. `None` for
/// anything else, including any JSON error.
#[allow(clippy::type_complexity)]
fn string_members<'a>(
    b: &'a [u8],
    text_field: &str,
    id_field: &str,
) -> Option<(Option<Cow<'a, str>>, Cow<'a, str>)> {
    // The whole line must be UTF-8, as serde_json requires (simdutf8: the same answer as
    // `str::from_utf8`, several times faster on text that is not all ASCII).
    let s = simdutf8::basic::from_utf8(b).ok()?;
    let ws = |mut i: usize| {
        while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\t' | b'\r') {
            i += 1;
        }
        i
    };
    let mut i = ws(0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = ws(i + 1);
    let (mut text, mut id) = (None, None);
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            let (key, next) = json_string(s, i)?;
            i = ws(next);
            if b.get(i) != Some(&b':') {
                return None;
            }
            let (value, next) = json_string(s, ws(i + 1))?;
            if key == text_field {
                text = Some(value);
            } else if key == id_field {
                id = Some(value);
            }
            i = ws(next);
            match b.get(i) {
                Some(b',') => i = ws(i + 1),
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    if ws(i) != b.len() {
        return None;
    }
    Some((id, text?))
}

/// The JSON string starting at byte `i` of `s` (its opening quote) and the index after it; `None`
/// if there is none there, it is not valid JSON, or it holds a `\u` surrogate.
fn json_string(s: &str, i: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = s.as_bytes();
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    let mut j = start + memchr::memchr2(b'"', b'\\', b.get(start..)?)?;
    let plain = |seg: &[u8]| !has_control(seg);
    if b[j] == b'"' {
        return plain(&b[start..j]).then(|| (Cow::Borrowed(&s[start..j]), j + 1));
    }
    // Decoded, the string is no longer than the rest of the line: room for all of it at once (it is
    // a line's text, so most of the line), rather than growing it escape by escape.
    let mut out = String::with_capacity(b.len() - start);
    let mut seg = start;
    loop {
        // b[j] is a quote or a backslash; b[seg..j] is plain text.
        if !plain(&b[seg..j]) {
            return None;
        }
        out.push_str(&s[seg..j]);
        if b[j] == b'"' {
            return Some((Cow::Owned(out), j + 1));
        }
        let c = match *b.get(j + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hex = s.get(j + 2..j + 6)?;
                if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                    return None;
                }
                let code = u32::from_str_radix(hex, 16).ok()?;
                j += 4;
                // Surrogates (pairs or lone) are left to serde_json.
                char::from_u32(code)?
            }
            _ => return None,
        };
        out.push(c);
        seg = j + 2;
        j = seg + memchr::memchr2(b'"', b'\\', b.get(seg..)?)?;
    }
}

/// Whether `b` holds a byte below 0x20 (a control character, which JSON strings may not hold raw).
/// Eight bytes at a time: `(x - 0x20…) & !x & 0x80…` has a byte's top bit set only if some byte of
/// `x` is below 0x20 (the borrow of a lower byte can only set bits above a byte that is itself below
/// 0x20, so "some byte" is exact).
fn has_control(b: &[u8]) -> bool {
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        if x.wrapping_sub(0x2020_2020_2020_2020) & !x & 0x8080_8080_8080_8080 != 0 {
            return true;
        }
    }
    words.remainder().iter().any(|&c| c < 0x20)
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
                        return Some(Err(Malformed::too_long(line, self.opts.max_record_bytes)));
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

    proptest::proptest! {
        /// The word-at-a-time control-byte test is the byte-at-a-time one.
        #[test]
        fn has_control_is_exact(b in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            proptest::prop_assert_eq!(has_control(&b), b.iter().any(|&c| c < 0x20));
        }
    }

    #[test]
    fn has_control_edges() {
        for c in 0u8..=255 {
            for at in 0..17 {
                let mut b = vec![b'a'; 17];
                b[at] = c;
                assert_eq!(has_control(&b), c < 0x20, "{c} at {at}");
                b[(at + 1) % 17] = 0x20;
                b[(at + 5) % 17] = 0x80;
                assert_eq!(
                    has_control(&b),
                    c < 0x20,
                    "{c} at {at}, with 0x20 and 0x80 around"
                );
            }
        }
    }

    /// The fast JSON reader gives what serde_json gives, errors included, on lines of every shape.
    #[test]
    fn json_line_reads_like_parse_json_line() {
        let opts = Options::default();
        for l in [
            r#"{"id": "L1", "text": "NPP for sale", "seller": "x", "lang": "en"}"#,
            r#"  {"text":"a\nb\t\"q\" \\ \/ \u00e9\u4e2d \b\f\r","id":"x\u0041"}  "#,
            r#"{"text":"first","text":"second","id":"a","id":"b"}"#,
            r#"{"id":7,"text":"numeric id"}"#,
            r#"{"id":null,"text":"null id"}"#,
            r#"{"text":"\ud83d\ude00 pair"}"#,
            r#"{"text":"\ud800 lone"}"#,
            r#"{"text":5}"#,
            r#"{"id":"no text"}"#,
            r#"{}"#,
            r#"{"text":"x",}"#,
            r#"{"text":"x"} trailing"#,
            r#"{"text":"bad \q escape"}"#,
            "{\"text\":\"raw\ttab\"}",
            r#"{"text":"unterminated}"#,
            r#"{"text" "x"}"#,
            r#"["text","x"]"#,
            r#"{"a":{"b":1},"text":"nested"}"#,
            r#"{"text":"\u00"}"#,
            "",
        ] {
            let fast = json_line(l.as_bytes(), 3, &opts);
            let slow = parse_json_line(l.as_bytes(), 3, &opts);
            match (fast, slow) {
                (Ok(f), Ok(s)) => {
                    assert_eq!(f.text.as_bytes(), s.text.as_slice(), "{l}");
                    let id = f.id.map_or_else(|| "3".to_string(), Cow::into_owned);
                    assert_eq!(id, s.id, "{l}");
                }
                (Err(f), Err(s)) => assert_eq!(f, s, "{l}"),
                (f, s) => panic!("{l}: {f:?} vs {s:?}"),
            }
        }
        let bad: &[u8] = b"{\"text\":\"\xff\"}";
        assert_eq!(
            json_line(bad, 1, &opts).map(|r| r.text.into_owned().into_bytes()),
            parse_json_line(bad, 1, &opts).map(|r| r.text)
        );
    }

    /// Chunks hold the lines, line numbers and malformed records of the iterator, whatever the
    /// input's buffer holds at a time (lines cut across buffers).
    #[test]
    fn chunks_hold_what_the_iterator_yields() {
        let long = "x".repeat(100);
        let input = format!("a\r\n\n  \n{long}\nb\nc\r\n{long}\n\nlast");
        for capacity in [1, 2, 5, 64, 1 << 16] {
            chunks_hold_what_the_iterator_yields_in(&input, capacity);
        }
    }

    fn chunks_hold_what_the_iterator_yields_in(input: &str, capacity: usize) {
        let opts = Options {
            max_record_bytes: 50,
            ..Options::default()
        };
        let want: Vec<Result<Record, Malformed>> =
            Reader::new(input.as_bytes(), Format::Text, opts.clone()).collect();
        for (max_lines, max_bytes) in [(1, 1 << 20), (2, 1 << 20), (100, 1), (100, 1 << 20)] {
            let input = std::io::BufReader::with_capacity(capacity, input.as_bytes());
            let mut r = Reader::new(input, Format::Text, opts.clone());
            let mut got = Vec::new();
            let mut chunk = LineChunk::default();
            while r.next_chunk(&mut chunk, max_lines, max_bytes) {
                for it in &chunk.items {
                    got.push(match it {
                        ChunkItem::Line {
                            line, start, end, ..
                        } => Ok((*line, chunk.buf[*start..*end].to_vec())),
                        ChunkItem::Record(r) => Ok((r.line, r.text.clone())),
                        ChunkItem::Malformed(m) => Err(m.clone()),
                    });
                }
                chunk.clear();
            }
            let want: Vec<_> = want
                .iter()
                .map(|x| {
                    x.as_ref()
                        .map(|r| (r.line, r.text.clone()))
                        .map_err(Clone::clone)
                })
                .collect();
            assert_eq!(got, want, "{capacity} {max_lines} {max_bytes}");
        }
    }

    /// The lines of a text in memory come out as the reader's do: the same lines, numbers and
    /// malformed records, in chunks of any size.
    #[test]
    fn slice_lines_are_the_readers_lines() {
        let long = "x".repeat(100);
        let opts = Options {
            max_record_bytes: 50,
            ..Options::default()
        };
        for input in [
            format!("a\r\n\n  \n{long}\nb\nc\r\n{long}\n\nlast"),
            format!("{{\"text\":\"a\"}}\n\r\n{long}\n{{\"text\":\"b\"}}\n"),
            String::new(),
            "\n\n".to_string(),
            "one".to_string(),
            "\r".to_string(),
        ] {
            for format in [Format::Text, Format::Jsonl] {
                let resolve = |chunk: &LineChunk, buf: &[u8], out: &mut Vec<_>| {
                    for it in &chunk.items {
                        out.push(match it {
                            ChunkItem::Line {
                                line,
                                start,
                                end,
                                json,
                            } => Ok((*line, buf[*start..*end].to_vec(), *json)),
                            ChunkItem::Record(r) => Ok((r.line, r.text.clone(), false)),
                            ChunkItem::Malformed(m) => Err(m.clone()),
                        });
                    }
                };
                let mut want = Vec::new();
                let mut r = Reader::new(input.as_bytes(), format, opts.clone());
                let mut chunk = LineChunk::default();
                while r.next_chunk(&mut chunk, 1000, 1 << 20) {
                    resolve(&chunk, &chunk.buf, &mut want);
                    chunk.clear();
                }
                for (max_lines, max_bytes) in [(1, 1 << 20), (2, 1 << 20), (100, 1), (100, 1 << 20)]
                {
                    let mut lines = SliceLines::new(format, &opts).expect("lines");
                    let mut got = Vec::new();
                    while lines.next_chunk(input.as_bytes(), &mut chunk, max_lines, max_bytes) {
                        assert!(chunk.buf.is_empty());
                        resolve(&chunk, input.as_bytes(), &mut got);
                        chunk.clear();
                    }
                    assert_eq!(got, want, "{input:?} {format:?} {max_lines} {max_bytes}");
                }
            }
        }
        assert!(SliceLines::new(Format::Csv, &opts).is_none());
    }

    #[test]
    fn invalid_utf8_text_is_kept_as_bytes() {
        let input: &[u8] = b"ok \xff\xfe NPP\n";
        let out: Vec<_> = Reader::new(input, Format::Text, Options::default()).collect();
        assert_eq!(out[0].as_ref().expect("record").text, b"ok \xff\xfe NPP");
    }
}
