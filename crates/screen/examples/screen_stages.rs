//! Single-thread timing of the screening stages on a JSONL file, without the `pwatch` binary (whose
//! link takes minutes): reading the JSON fields, normalising, and the whole `screen_json` per record.
//!
//! ```sh
//! cargo run --release -p pw-screen --example screen_stages -- bench/out/screen-100mb.jsonl [--out FILE] [--repeat N] [--screen-only]
//! ```
//!
//! `--screen-only` skips the first two stages: under `valgrind --tool=cachegrind`, the instruction count
//! of the screening alone (less that of a one-line file, the set-up) is a measure that a busy machine
//! does not blur.
//!
//! With `--out`, it writes the lines `pwatch screen FILE --format jsonl --text-field text --id-field id`
//! writes (one input file: `{"id":…,"line":…,…}`), so the output can be compared with `cmp`.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use pw_screen::records::{Options, json_line};
use pw_screen::{Normalized, Rules, Scratch, Screener};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// CPU seconds (user + system) of this process so far, from `/proc/self/stat` (0 elsewhere): on a busy
/// machine, less noisy than wall time.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line (indices 11 and 12 after the name), in ticks of
    // 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut file = None;
    let mut out = None;
    let mut repeat = 1usize;
    let mut screen_only = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next(),
            "--repeat" => repeat = args.next().ok_or("--repeat N")?.parse()?,
            "--screen-only" => screen_only = true,
            _ => file = Some(a),
        }
    }
    let file = file.ok_or("usage: screen_stages FILE [--out FILE] [--repeat N]")?;
    let data = std::fs::read(&file)?;
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mb = data.len() as f64 / 1e6;

    let t = Instant::now();
    let registry = Arc::new(pw_registry::Registry::embedded()?);
    let classifier = Arc::new(pw_classify::Classifier::new(registry.clone())?);
    let rules = Rules::embedded().map_err(|e| format!("{} rule errors", e.len()))?;
    let screener = Screener::new(
        &registry,
        rules,
        Some(classifier),
        chrono::Utc::now().date_naive(),
    )?;
    eprintln!(
        "build: {:.3} s, {} patterns",
        t.elapsed().as_secs_f64(),
        screener.pattern_count()
    );
    let opts = Options::default();

    for _ in 0..repeat {
        let t = Instant::now();
        let mut total = 0usize;
        for (i, l) in lines.iter().enumerate().filter(|_| !screen_only) {
            if let Ok(r) = json_line(l, i as u64 + 1, &opts) {
                total += r.text.len();
            }
        }
        let parse = t.elapsed().as_secs_f64();

        let texts: Vec<Vec<u8>> = lines
            .iter()
            .enumerate()
            .filter(|_| !screen_only)
            .filter_map(|(i, l)| json_line(l, i as u64 + 1, &opts).ok())
            .map(|r| r.text.into_owned().into_bytes())
            .collect();
        let t = Instant::now();
        let mut n = Normalized::new();
        let mut nb = 0usize;
        for text in &texts {
            n.fill(text, 0);
            nb += n.len();
        }
        let norm = t.elapsed().as_secs_f64();

        let t = Instant::now();
        let cpu = cpu_seconds();
        let mut scratch = Scratch::default();
        let mut buf = Vec::with_capacity(1 << 20);
        let mut sink: Box<dyn Write> = match &out {
            Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p)?)),
            None => Box::new(std::io::sink()),
        };
        let mut labels = [0usize; 3];
        for (i, l) in lines.iter().enumerate() {
            let line = i as u64 + 1;
            let Ok(r) = json_line(l, line, &opts) else {
                continue;
            };
            buf.extend_from_slice(b"{\"id\":");
            match &r.id {
                Some(id) => serde_json::to_writer(&mut buf, id.as_ref())?,
                None => serde_json::to_writer(&mut buf, &line.to_string())?,
            }
            write!(buf, ",\"line\":{line},")?;
            let label = screener.screen_json_str(&r.text, &mut scratch, &mut buf);
            labels[label as usize] += 1;
            buf.push(b'\n');
            if i % 64 == 63 {
                sink.write_all(&buf)?;
                buf.clear();
            }
        }
        sink.write_all(&buf)?;
        sink.flush()?;
        let all = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        eprintln!(
            "{} records, {:.1} MB (text {:.1} MB, normalised {:.1} MB): json {:.3} s, normalise {:.3} s, \
             screen_json+json {:.3} s = {:.1} MB/s (CPU {:.2} s = {:.1} MB/s); offer {} mention {} benign {}",
            lines.len(),
            mb,
            total as f64 / 1e6,
            nb as f64 / 1e6,
            parse,
            norm,
            all,
            mb / all,
            cpu,
            mb / cpu,
            labels[0],
            labels[1],
            labels[2]
        );
    }
    Ok(())
}
