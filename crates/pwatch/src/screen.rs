//! `pwatch screen` and `pwatch eval`.
//!
//! Screening streams: a reader thread cuts the input into chunks (at most `CHUNK_RECORDS` records or
//! `CHUNK_BYTES` bytes, whichever comes first; the lines of a chunk in one buffer), the chunk is screened
//! on every core (rayon, one [`Scratch`] per worker, `GROUP` records per job, each job writing its
//! lines into one reused buffer; JSON is read on the workers, borrowing the text from the line when it
//! has no escapes), and its lines are handed to a writer thread, which writes them in input order. Up
//! to `IN_FLIGHT` chunks are screened or written at once, so that no worker waits for the last group
//! of a chunk; at most two more wait for the workers, and emptied chunks and group buffers go back to
//! be refilled, so memory stays constant whatever the input size.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, mpsc};

use anyhow::Context;
use pw_screen::records::{ChunkItem, Format, LineChunk, Options, Reader, SliceLines};
use pw_screen::{Label, Scratch, Screener, json_str};
use rayon::prelude::*;

const CHUNK_RECORDS: usize = 4096;

thread_local! {
    /// One set of buffers per worker thread for the whole run (rayon's `map_init` would make one per
    /// split job, and regrowing them showed up as page faults in profiles).
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}
const CHUNK_BYTES: usize = 4 << 20;
/// Bytes of the output buffer (see `screen_files`).
const OUT_BUFFER: usize = 16 << 10;

/// What `pwatch screen` was asked.
pub(crate) struct ScreenArgs {
    pub files: Vec<PathBuf>,
    pub format: Option<Format>,
    pub options: Options,
    pub out: Option<PathBuf>,
    /// Map regular JSONL and text files into memory instead of reading them.
    pub mmap: bool,
}

#[derive(Default)]
struct Counts {
    records: usize,
    malformed: usize,
    by_label: [usize; 3],
}

pub(crate) fn screen_files(screener: &Screener, args: ScreenArgs) -> anyhow::Result<ExitCode> {
    let sink: Box<dyn Write + Send> = match &args.out {
        Some(p) => Box::new(File::create(p).with_context(|| format!("creating {}", p.display()))?),
        None => Box::new(std::io::stdout()),
    };
    // Small: the screened lines are written a group at a time, each group's buffer larger than this,
    // so they go straight to the sink instead of being copied through it.
    let mut out = BufWriter::with_capacity(OUT_BUFFER, sink);
    let progress = indicatif::ProgressBar::new_spinner();
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {pos} records screened ({per_sec}) {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let mut counts = Counts::default();
    let many = args.files.len() > 1;
    let mut failed_files = 0;
    for path in &args.files {
        let name = path.display().to_string();
        let format = args.format.unwrap_or_else(|| Format::from_path(&name));
        // JSON is parsed on the workers; the reading thread only cuts lines.
        let options = Options {
            defer_json: true,
            ..args.options.clone()
        };
        let file_field = many.then_some(name.as_str());
        let source: Box<dyn ChunkSource> = match mapped(args.mmap, path, format, &options) {
            Some(lines) => Box::new(lines),
            None => {
                let input: Box<dyn BufRead + Send> = if name == "-" {
                    Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()))
                } else {
                    match File::open(path) {
                        Ok(f) => Box::new(BufReader::with_capacity(1 << 20, f)),
                        Err(e) => {
                            eprintln!("error: {name}: {e}");
                            failed_files += 1;
                            continue;
                        }
                    }
                };
                let reader = Reader::new(input, format, options.clone());
                if reader.failed() {
                    for m in reader {
                        if let Err(m) = m {
                            eprintln!("error: {name}: {m}");
                        }
                    }
                    failed_files += 1;
                    continue;
                }
                Box::new(reader)
            }
        };
        let screened = screen_stream(
            screener,
            source,
            &options,
            file_field,
            &name,
            &mut out,
            &mut counts,
            &progress,
        );
        // The reader of the output went away (`pwatch screen … | head`): stop as other filters do,
        // without an error, with the counts so far.
        if let Err(e) = screened {
            if broken_pipe(&e) {
                break;
            }
            return Err(e);
        }
    }
    if let Err(e) = out.flush()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    progress.finish_and_clear();
    eprintln!(
        "{} records: {} offer, {} mention, {} benign; {} malformed (skipped, reported above)",
        counts.records,
        counts.by_label[0],
        counts.by_label[1],
        counts.by_label[2],
        counts.malformed
    );
    Ok(if failed_files > 0 {
        ExitCode::from(2)
    } else if counts.by_label[0] + counts.by_label[1] > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Chunks screened or waiting to be written at once (see `screen_stream`).
const IN_FLIGHT: usize = 3;

/// Records per parallel job: each job writes its lines into one buffer.
const GROUP: usize = 64;

/// What one job produced: its lines, its labels and its malformed records' messages.
#[derive(Default)]
struct Group {
    out: Vec<u8>,
    by_label: [usize; 3],
    malformed: Vec<String>,
}

/// Whether `e` is a write to a pipe whose reader has gone.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The lines of `path` through a memory map, when it is a regular non-empty file in a line format that
/// can be mapped (and `mmap` is on). A regular file is mapped as ripgrep maps one: the kernel does not
/// copy it into a buffer, nor the reading thread into chunks (on two cores, those copies took a
/// twentieth of the time). Anything else, or a file that cannot be mapped, is read.
fn mapped(mmap: bool, path: &Path, format: Format, options: &Options) -> Option<MappedLines> {
    if !mmap || path.as_os_str() == "-" {
        return None;
    }
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() == 0 {
        return None;
    }
    let lines = SliceLines::new(format, options)?;
    let map = filebuffer::FileBuffer::open(path).ok()?;
    Some(MappedLines {
        path: path.to_path_buf(),
        identity: file_identity(&meta),
        map: Arc::new(map),
        mapped_at: 0,
        remap_bytes: REMAP_BYTES,
        lines,
        failed: false,
    })
}

/// What tells one file from another at the same path (device and inode), so that a mapping made
/// afresh is known to be of the file the run started on, not of one put in its place.
#[cfg(unix)]
fn file_identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// A memory-mapped input file.
type Map = Arc<filebuffer::FileBuffer>;

/// The file is mapped afresh every this many bytes. The pages of a mapping count in the resident
/// memory until it is unmapped, which the old mapping is once the last chunk cut from it is
/// screened: the resident memory stays within a few of these whatever the file's size.
const REMAP_BYTES: usize = 32 << 20;

/// What the reading thread cuts into chunks: a reader, or the lines of a mapped file.
trait ChunkSource: Send {
    /// Fill `chunk`; `None` at the end, else the mapping its lines are ranges of (`None`: its own
    /// buffer).
    fn next_chunk(
        &mut self,
        chunk: &mut LineChunk,
        max_lines: usize,
        max_bytes: usize,
    ) -> Option<Option<Map>>;
}

impl<R: BufRead + Send> ChunkSource for Reader<R> {
    fn next_chunk(
        &mut self,
        chunk: &mut LineChunk,
        max_lines: usize,
        max_bytes: usize,
    ) -> Option<Option<Map>> {
        Reader::next_chunk(self, chunk, max_lines, max_bytes).then_some(None)
    }
}

/// The lines of a mapped file.
struct MappedLines {
    path: PathBuf,
    /// [`file_identity`] of the file when the run started on it.
    identity: Option<(u64, u64)>,
    map: Map,
    /// Offset where `map` was made, and how far on it is made afresh ([`REMAP_BYTES`]).
    mapped_at: usize,
    remap_bytes: usize,
    lines: SliceLines,
    /// Mapping the file afresh failed (reported as a malformed record): nothing more comes.
    failed: bool,
}

impl ChunkSource for MappedLines {
    fn next_chunk(
        &mut self,
        chunk: &mut LineChunk,
        max_lines: usize,
        max_bytes: usize,
    ) -> Option<Option<Map>> {
        if self.failed {
            return None;
        }
        if self.lines.pos() - self.mapped_at >= self.remap_bytes {
            match self.remap() {
                Ok(map) => {
                    self.map = Arc::new(map);
                    self.mapped_at = self.lines.pos();
                }
                Err(message) => {
                    self.failed = true;
                    chunk
                        .items
                        .push(ChunkItem::Malformed(pw_screen::records::Malformed {
                            line: self.lines.line() + 1,
                            message,
                        }));
                    return Some(None);
                }
            }
        }
        self.lines
            .next_chunk(&self.map, chunk, max_lines, max_bytes)
            .then(|| Some(self.map.clone()))
    }
}

impl MappedLines {
    /// The file mapped afresh, if it is still the one the run started on.
    fn remap(&self) -> Result<filebuffer::FileBuffer, String> {
        let meta = std::fs::metadata(&self.path).map_err(|e| format!("read error: {e}"))?;
        if file_identity(&meta) != self.identity {
            return Err("read error: the file was replaced during the run".to_string());
        }
        filebuffer::FileBuffer::open(&self.path).map_err(|e| format!("read error: {e}"))
    }
}

/// Screen what `reader` yields.
#[allow(clippy::too_many_arguments)]
fn screen_stream(
    screener: &Screener,
    mut reader: Box<dyn ChunkSource>,
    options: &Options,
    file_field: Option<&str>,
    name: &str,
    out: &mut (impl Write + Send),
    counts: &mut Counts,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<()> {
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // Full chunks go to the workers; emptied ones come back to be refilled (their buffers are
        // reused, so memory is not touched afresh for every chunk).
        let (tx, rx) = mpsc::sync_channel::<(LineChunk, Option<Map>)>(2);
        let (back_tx, back_rx) = mpsc::channel::<LineChunk>();
        scope.spawn(move || {
            loop {
                let mut chunk = back_rx.try_recv().unwrap_or_default();
                chunk.clear();
                let Some(map) = reader.next_chunk(&mut chunk, CHUNK_RECORDS, CHUNK_BYTES) else {
                    return;
                };
                if tx.send((chunk, map)).is_err() {
                    return;
                }
            }
        });
        // Each chunk is screened by a rayon job of its own, and up to `IN_FLIGHT` chunks are under way
        // at once: a worker that has finished its share of one chunk starts on the next instead of
        // waiting for the last group of the first. Screened chunks go to a writer thread, which
        // writes them in input order (they may finish out of order) straight from the groups'
        // buffers, counts them, and hands the emptied group lists back.
        let (done_tx, done_rx) = mpsc::channel::<(usize, Option<(Vec<Group>, usize)>)>();
        let (free_tx, free_rx) = mpsc::channel::<Vec<Group>>();
        for _ in 0..IN_FLIGHT {
            let _ = free_tx.send(Vec::new());
        }
        // The writer counts into the caller's counts as it goes, so that they hold what was screened
        // even when writing stops on an error (a closed pipe).
        let writer = scope.spawn(move || -> std::io::Result<()> {
            let mut waiting = std::collections::BTreeMap::new();
            let mut next = 0usize;
            for (seq, screened) in done_rx {
                waiting.insert(seq, screened);
                while let Some(screened) = waiting.remove(&next) {
                    let Some((groups, n)) = screened else {
                        return Err(std::io::Error::other(
                            "screening stopped: a worker panicked (see the message above)",
                        ));
                    };
                    for g in &groups[..n] {
                        // Counted before written: a write that fails (a closed pipe) still leaves
                        // the exit code of what was screened.
                        counts.records += g.by_label.iter().sum::<usize>();
                        for (c, n) in counts.by_label.iter_mut().zip(g.by_label) {
                            *c += n;
                        }
                        counts.malformed += g.malformed.len();
                        if !g.malformed.is_empty() {
                            progress.suspend(|| {
                                for m in &g.malformed {
                                    eprintln!("warning: {m}");
                                }
                            });
                        }
                        out.write_all(&g.out)?;
                    }
                    progress.set_position(counts.records as u64);
                    let _ = free_tx.send(groups);
                    next += 1;
                }
            }
            out.flush()
        });
        rayon::in_place_scope(|jobs| {
            for (seq, (chunk, map)) in rx.into_iter().enumerate() {
                // A free group list, once the writer is done with one: at most `IN_FLIGHT` chunks
                // are screened or waiting to be written.
                let Ok(mut groups) = free_rx.recv() else {
                    // The writer stopped on an error: it is reported below.
                    break;
                };
                let (done_tx, back_tx) = (done_tx.clone(), back_tx.clone());
                jobs.spawn(move |_| {
                    // The bytes the chunk's lines are ranges of.
                    let buf: &[u8] = map.as_deref().map_or(&chunk.buf, |m| m);
                    // A panic here (a bug) must still reach the writer, which waits for this
                    // chunk's turn: it is told, and stops the run with an error.
                    let screened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let n = chunk.items.len().div_ceil(GROUP);
                        if groups.len() < n {
                            groups.resize_with(n, Group::default);
                        }
                        groups[..n]
                            .par_iter_mut()
                            .zip(chunk.items.par_chunks(GROUP))
                            .for_each(|(g, items)| {
                                g.out.clear();
                                g.by_label = [0; 3];
                                g.malformed.clear();
                                SCRATCH.with_borrow_mut(|scratch| {
                                    for item in items {
                                        screen_item(
                                            screener, buf, item, options, file_field, name,
                                            scratch, g,
                                        );
                                    }
                                });
                            });
                        (groups, n)
                    }));
                    let _ = back_tx.send(chunk);
                    let _ = done_tx.send((seq, screened.ok()));
                });
            }
        });
        drop(done_tx);
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("the output writer panicked"))??;
        Ok(())
    })
}

/// An item's text: a JSON string (UTF-8), or bytes that may not be UTF-8.
type ItemText<'a> = Result<Cow<'a, str>, &'a [u8]>;

/// Screen one item of a chunk into its group.
#[allow(clippy::too_many_arguments)]
fn screen_item(
    screener: &Screener,
    buf: &[u8],
    item: &ChunkItem,
    options: &Options,
    file: Option<&str>,
    name: &str,
    scratch: &mut Scratch,
    g: &mut Group,
) {
    // JSON texts are UTF-8 (checked when the line was read): the screener need not check them again.
    let (line, id, text): (u64, Option<Cow<str>>, ItemText) = match item {
        ChunkItem::Line {
            line,
            start,
            end,
            json: true,
        } => match pw_screen::records::json_line(&buf[*start..*end], *line, options) {
            Ok(r) => (*line, r.id, Ok(r.text)),
            Err(m) => {
                g.malformed
                    .push(format!("{name}:{}: {}", m.line, m.message));
                return;
            }
        },
        ChunkItem::Line {
            line, start, end, ..
        } => (*line, None, Err(&buf[*start..*end])),
        ChunkItem::Record(r) => (r.line, Some(Cow::Borrowed(r.id.as_str())), Err(&r.text)),
        ChunkItem::Malformed(m) => {
            g.malformed
                .push(format!("{name}:{}: {}", m.line, m.message));
            return;
        }
    };
    // `{"id", "line", ["file",] ...the screening}` and a newline.
    let o = &mut g.out;
    let mut num = itoa::Buffer::new();
    o.extend_from_slice(b"{\"id\":");
    match &id {
        Some(id) => json_str::write_str(o, id),
        None => json_str::write_str(o, num.format(line)),
    }
    o.extend_from_slice(b",\"line\":");
    o.extend_from_slice(num.format(line).as_bytes());
    if let Some(f) = file {
        o.extend_from_slice(b",\"file\":");
        json_str::write_str(o, f);
    }
    o.push(b',');
    let label = match &text {
        Ok(t) => screener.screen_json_str(t, scratch, o),
        Err(t) => screener.screen_json(t, scratch, o),
    };
    o.push(b'\n');
    g.by_label[label as usize] += 1;
}

/// `pwatch eval`.
pub(crate) fn eval(
    screener: &Screener,
    set: &Path,
    json: bool,
    min_offer_f1: Option<f64>,
) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(set).with_context(|| format!("reading {}", set.display()))?;
    let examples = match pw_screen::eval::parse_set(&text) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {}: {e}", set.display());
            return Ok(ExitCode::from(2));
        }
    };
    let report = pw_screen::eval::evaluate(screener, &examples);
    if json {
        let mut o = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut o, &report)?;
        writeln!(o)?;
    } else {
        print!("{}", report.to_text());
    }
    let f1 = report.label(Label::Offer).map_or(0.0, |l| l.f1);
    Ok(match min_offer_f1 {
        Some(min) if f1 < min || report.benign_as_offer > 0 => {
            eprintln!(
                "offer F1 {f1:.3} (minimum {min}), benign labelled offer: {}",
                report.benign_as_offer
            );
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file mapped afresh as it goes gives the lines a reader gives, each chunk's ranges in the
    /// mapping it came with.
    #[test]
    fn mapped_lines_are_the_readers_lines_across_remaps() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("in.jsonl");
        let mut text = String::new();
        for i in 0..500 {
            match i % 7 {
                0 => text.push('\n'),
                1 => text.push_str(&"x".repeat(300)),
                _ => text.push_str(&format!("{{\"id\":\"{i}\",\"text\":\"line {i}\"}}")),
            }
            text.push_str(if i % 5 == 0 { "\r\n" } else { "\n" });
        }
        std::fs::write(&path, &text)?;
        let options = Options {
            max_record_bytes: 200,
            ..Options::default()
        };
        let resolve = |chunk: &LineChunk, buf: &[u8], out: &mut Vec<String>| {
            for it in &chunk.items {
                out.push(match it {
                    ChunkItem::Line {
                        line, start, end, ..
                    } => {
                        format!("{line}:{}", String::from_utf8_lossy(&buf[*start..*end]))
                    }
                    ChunkItem::Record(r) => format!("{}:{:?}", r.line, r.text),
                    ChunkItem::Malformed(m) => format!("{}!{}", m.line, m.message),
                });
            }
        };
        let mut want = Vec::new();
        let mut reader = Reader::new(text.as_bytes(), Format::Jsonl, options.clone());
        let mut chunk = LineChunk::default();
        while reader.next_chunk(&mut chunk, 1 << 20, 1 << 30) {
            resolve(&chunk, &chunk.buf, &mut want);
            chunk.clear();
        }
        let mut source = MappedLines {
            path: path.clone(),
            identity: file_identity(&std::fs::metadata(&path)?),
            map: Arc::new(filebuffer::FileBuffer::open(&path)?),
            mapped_at: 0,
            remap_bytes: 1000,
            lines: SliceLines::new(Format::Jsonl, &options).expect("lines"),
            failed: false,
        };
        let (mut got, mut maps) = (Vec::new(), 0);
        while let Some(map) = source.next_chunk(&mut chunk, 13, 700) {
            let map = map.expect("a mapped chunk");
            maps += usize::from(!got.is_empty() && source.mapped_at > 0);
            resolve(&chunk, &map, &mut got);
            chunk.clear();
        }
        assert_eq!(got, want);
        assert!(
            source.mapped_at > 0 && maps > 0,
            "the file was mapped afresh"
        );
        Ok(())
    }

    /// A file put in the place of the one being screened is not read on from the old offset: the run
    /// stops on it with an error line.
    #[cfg(unix)]
    #[test]
    fn a_replaced_file_is_not_mapped_afresh() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("in.txt");
        std::fs::write(&path, "a line of text\n".repeat(200))?;
        let options = Options::default();
        let mut source = mapped(true, &path, Format::Text, &options).expect("a regular file maps");
        source.remap_bytes = 100;
        let mut chunk = LineChunk::default();
        assert!(source.next_chunk(&mut chunk, 10, 1 << 20).is_some());
        let other = dir.path().join("other.txt");
        std::fs::write(&other, "another file\n".repeat(200))?;
        std::fs::rename(&other, &path)?;
        chunk.clear();
        assert!(source.next_chunk(&mut chunk, 10, 1 << 20).is_some());
        assert!(
            matches!(&chunk.items[..], [ChunkItem::Malformed(m)] if m.line == 11 && m.message.contains("replaced")),
            "{:?}",
            chunk.items
        );
        chunk.clear();
        assert!(source.next_chunk(&mut chunk, 10, 1 << 20).is_none());
        Ok(())
    }
}
