//! `pwatch screen` and `pwatch eval`.
//!
//! Screening streams: a reader thread cuts the input into chunks (at most `CHUNK_RECORDS` records or
//! `CHUNK_BYTES` bytes, whichever comes first), the chunk is screened on every core (rayon, one
//! [`Scratch`] per worker), and its lines are written in input order before the next chunk is taken. At
//! most two chunks wait in the channel, so memory stays constant whatever the input size.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;

use anyhow::Context;
use pw_screen::records::{Format, Malformed, Options, Reader, Record};
use pw_screen::{Label, Scratch, Screener};
use rayon::prelude::*;

const CHUNK_RECORDS: usize = 4096;

thread_local! {
    /// One set of buffers per worker thread for the whole run (rayon's `map_init` would make one per
    /// split job, and regrowing them showed up as page faults in profiles).
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}
const CHUNK_BYTES: usize = 4 << 20;

/// What `pwatch screen` was asked.
pub(crate) struct ScreenArgs {
    pub files: Vec<PathBuf>,
    pub format: Option<Format>,
    pub options: Options,
    pub out: Option<PathBuf>,
}

#[derive(Default)]
struct Counts {
    records: usize,
    malformed: usize,
    by_label: [usize; 3],
}

enum Item {
    Record(Record),
    Malformed(Malformed),
}

pub(crate) fn screen_files(screener: &Screener, args: ScreenArgs) -> anyhow::Result<ExitCode> {
    let sink: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(File::create(p).with_context(|| format!("creating {}", p.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
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
        // JSON is parsed on the workers; the reading thread only cuts lines.
        let options = Options {
            defer_json: true,
            ..args.options.clone()
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
        let file_field = many.then_some(name.as_str());
        screen_stream(
            screener,
            reader,
            &options,
            file_field,
            &name,
            &mut out,
            &mut counts,
            &progress,
        )?;
    }
    out.flush()?;
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

#[allow(clippy::too_many_arguments)]
fn screen_stream<R: BufRead + Send>(
    screener: &Screener,
    reader: Reader<R>,
    options: &Options,
    file_field: Option<&str>,
    name: &str,
    out: &mut impl Write,
    counts: &mut Counts,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<()> {
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (tx, rx) = mpsc::sync_channel::<Vec<Item>>(2);
        scope.spawn(move || {
            let mut chunk = Vec::with_capacity(CHUNK_RECORDS);
            let mut bytes = 0;
            for item in reader {
                let item = match item {
                    Ok(r) => {
                        bytes += r.text.len();
                        Item::Record(r)
                    }
                    Err(m) => Item::Malformed(m),
                };
                chunk.push(item);
                if chunk.len() >= CHUNK_RECORDS || bytes >= CHUNK_BYTES {
                    bytes = 0;
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_RECORDS));
                    if tx.send(full).is_err() {
                        return;
                    }
                }
            }
            if !chunk.is_empty() {
                let _ = tx.send(chunk);
            }
        });
        for chunk in rx {
            let lines: Vec<(Option<Label>, Vec<u8>)> = chunk
                .par_iter()
                .map(|item| match item {
                    Item::Record(r) if r.pending_json => {
                        match pw_screen::records::parse_json_line(&r.text, r.line, options) {
                            Ok(rec) => {
                                let s = SCRATCH.with_borrow_mut(|scratch| {
                                    screener.screen_with(&rec.text, scratch)
                                });
                                (Some(s.label), line(&rec, file_field, &s))
                            }
                            Err(m) => (
                                None,
                                format!("{name}:{}: {}", m.line, m.message).into_bytes(),
                            ),
                        }
                    }
                    Item::Record(r) => {
                        let s = SCRATCH
                            .with_borrow_mut(|scratch| screener.screen_with(&r.text, scratch));
                        (Some(s.label), line(r, file_field, &s))
                    }
                    Item::Malformed(m) => (
                        None,
                        format!("{name}:{}: {}", m.line, m.message).into_bytes(),
                    ),
                })
                .collect();
            for (label, bytes) in lines {
                match label {
                    Some(l) => {
                        counts.records += 1;
                        counts.by_label[l as usize] += 1;
                        out.write_all(&bytes)?;
                    }
                    None => {
                        counts.malformed += 1;
                        progress.suspend(|| {
                            eprintln!("warning: {}", String::from_utf8_lossy(&bytes));
                        });
                    }
                }
            }
            progress.set_position(counts.records as u64);
        }
        Ok(())
    })
}

/// One output line: `{"id", "line", ["file",] ...the screening}` and a newline.
fn line(r: &Record, file: Option<&str>, s: &pw_screen::Screening) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256 + s.explanation.len() * 2);
    buf.extend_from_slice(b"{\"id\":");
    let _ = serde_json::to_writer(&mut buf, &r.id);
    buf.extend_from_slice(b",\"line\":");
    buf.extend_from_slice(r.line.to_string().as_bytes());
    if let Some(f) = file {
        buf.extend_from_slice(b",\"file\":");
        let _ = serde_json::to_writer(&mut buf, f);
    }
    let body = serde_json::to_vec(s).unwrap_or_else(|_| b"{}".to_vec());
    // `body` is an object: splice its fields after ours.
    if body.len() > 2 {
        buf.push(b',');
        buf.extend_from_slice(&body[1..]);
    } else {
        buf.push(b'}');
    }
    buf.push(b'\n');
    buf
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
