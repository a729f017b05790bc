//! Cutting the lines of a text in memory (a mapped file) must give what the reader gives from the same
//! bytes, whatever the bytes and the chunk limits: the same lines, line numbers and malformed records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pw_screen::records::{ChunkItem, Format, LineChunk, Options, Reader, SliceLines};

fn items(chunk: &LineChunk, buf: &[u8], out: &mut Vec<(u64, Result<Vec<u8>, String>)>) {
    for it in &chunk.items {
        out.push(match it {
            ChunkItem::Line { line, start, end, .. } => (*line, Ok(buf[*start..*end].to_vec())),
            ChunkItem::Record(r) => (r.line, Ok(r.text.clone())),
            ChunkItem::Malformed(m) => (m.line, Err(m.message.clone())),
        });
    }
}

fuzz_target!(|input: (u8, u8, u8, &[u8])| {
    let (lines_max, bytes_max, record_max, data) = input;
    let opts = Options {
        max_record_bytes: usize::from(record_max),
        ..Options::default()
    };
    let format = if lines_max % 2 == 0 { Format::Jsonl } else { Format::Text };
    let mut chunk = LineChunk::default();
    let mut want = Vec::new();
    let mut reader = Reader::new(data, format, opts.clone());
    while reader.next_chunk(&mut chunk, 1 << 20, 1 << 30) {
        items(&chunk, &chunk.buf, &mut want);
        chunk.clear();
    }
    let Some(mut lines) = SliceLines::new(format, &opts) else {
        return;
    };
    let mut got = Vec::new();
    let (max_lines, max_bytes) = (usize::from(lines_max).max(1), usize::from(bytes_max));
    while lines.next_chunk(data, &mut chunk, max_lines, max_bytes) {
        assert!(chunk.buf.is_empty() && chunk.items.len() <= max_lines);
        items(&chunk, data, &mut got);
        chunk.clear();
    }
    assert_eq!(got, want);
});
