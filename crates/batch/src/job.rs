//! Running a query to a file or to stdout, batch by batch, with progress and row counts.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use futures::StreamExt;

use crate::output::{OutFormat, Sink};
use crate::tables::ident;

/// The query `pwatch-batch screen` runs over table `input`.
pub fn screen_sql(id_field: Option<&str>, text_field: &str) -> String {
    let id = id_field.map_or_else(
        || "CAST(NULL AS VARCHAR)".to_string(),
        |f| format!("CAST({} AS VARCHAR)", ident(f)),
    );
    format!(
        "SELECT {id} AS id, pw_screen(CAST({} AS VARCHAR)) AS screening FROM input",
        ident(text_field)
    )
}

/// The query `pwatch-batch classify` runs over table `input`.
pub fn classify_sql(id_field: Option<&str>, smiles_field: &str) -> String {
    let id = id_field.map_or_else(
        || "CAST(NULL AS VARCHAR)".to_string(),
        |f| format!("CAST({} AS VARCHAR)", ident(f)),
    );
    format!(
        "SELECT {id} AS id, pw_classify(CAST({} AS VARCHAR)) AS classification FROM input",
        ident(smiles_field)
    )
}

/// Counts kept while a job runs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Rows out.
    pub rows: u64,
    /// `offer`, `mention`, `benign` (screening).
    pub labels: [u64; 3],
    /// Rows with an `error` (bad SMILES, bad CAS RN…).
    pub errors: u64,
    /// Classified structures that are listed, fall under a class rule, or carry an analogue warning.
    pub listed: u64,
    /// …under a class rule.
    pub in_class: u64,
    /// …with an analogue warning.
    pub analogues: u64,
}

impl Tally {
    fn add(&mut self, batch: &RecordBatch) {
        self.rows += batch.num_rows() as u64;
        for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
            if !matches!(f.data_type(), DataType::Struct(_)) {
                continue;
            }
            let s = c.as_struct();
            let col = |name: &str| s.column_by_name(name);
            if let Some(err) = col("error") {
                self.errors += (err.len() - err.null_count()) as u64;
            }
            if let Some(labels) = col("label").and_then(|l| l.as_string_opt::<i32>()) {
                for l in labels.iter().flatten() {
                    match l {
                        "offer" => self.labels[0] += 1,
                        "mention" => self.labels[1] += 1,
                        _ => self.labels[2] += 1,
                    }
                }
            }
            let nonempty = |name: &str| -> u64 {
                col(name)
                    .and_then(|l| l.as_list_opt::<i32>())
                    .map_or(0, |l| {
                        (0..l.len())
                            .filter(|&i| l.is_valid(i) && l.value_length(i) > 0)
                            .count() as u64
                    })
            };
            if col("inchikey").is_some() {
                self.listed += nonempty("listed");
                self.in_class += nonempty("class_matches");
                self.analogues += nonempty("analogue_warnings");
            }
        }
    }

    /// One line for the end of a job.
    pub fn summary(&self, seconds: f64) -> String {
        let rate = if seconds > 0.0 {
            self.rows as f64 / seconds
        } else {
            0.0
        };
        let mut s = format!("{} rows in {seconds:.1} s ({rate:.0} rows/s)", self.rows);
        if self.labels.iter().sum::<u64>() > 0 {
            s += &format!(
                "; {} offer, {} mention, {} benign",
                self.labels[0], self.labels[1], self.labels[2]
            );
        }
        if self.listed + self.in_class + self.analogues > 0 {
            s += &format!(
                "; {} listed, {} in a controlled class, {} with an analogue warning",
                self.listed, self.in_class, self.analogues
            );
        }
        if self.errors > 0 {
            s += &format!(
                "; {} rows with an error (see their `error` field)",
                self.errors
            );
        }
        s
    }
}

fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let p = indicatif::ProgressBar::new_spinner();
    p.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {pos} rows ({per_sec}) {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    p.enable_steady_tick(std::time::Duration::from_millis(200));
    p
}

/// Where rows go.
pub enum Target<'a> {
    /// A file (`flatten`: struct fields become columns).
    File {
        /// Path.
        path: &'a Path,
        /// Format.
        format: OutFormat,
        /// Flatten struct columns.
        flatten: bool,
    },
    /// Standard output, as JSON lines.
    Stdout,
}

/// Run `sql` on `ctx`, writing each batch as it arrives. Returns the counts.
pub async fn run(
    ctx: &SessionContext,
    sql: &str,
    target: Target<'_>,
    quiet: bool,
) -> anyhow::Result<Tally> {
    let start = Instant::now();
    let progress = progress_bar(quiet);
    progress.set_message("planning");
    let df = ctx.sql(sql).await?;
    let schema = df.schema().inner().clone();
    progress.set_message("running");
    let mut stream = df.execute_stream().await?;
    let mut tally = Tally::default();
    match target {
        Target::File {
            path,
            format,
            flatten,
        } => {
            let mut sink = Sink::create(path, format, flatten)?;
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                tally.add(&batch);
                sink.write(&batch)?;
                progress.set_position(tally.rows);
            }
            sink.finish(&schema)?;
        }
        Target::Stdout => {
            let stdout = std::io::stdout();
            let mut w = datafusion::arrow::json::LineDelimitedWriter::new(stdout.lock());
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                tally.add(&batch);
                progress.suspend(|| w.write(&batch))?;
                progress.set_position(tally.rows);
            }
            w.finish()?;
            std::io::stdout().flush()?;
        }
    }
    progress.finish_and_clear();
    if !quiet {
        eprintln!("{}", tally.summary(start.elapsed().as_secs_f64()));
    }
    Ok(tally)
}
