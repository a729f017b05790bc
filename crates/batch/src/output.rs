//! Writing result batches as they arrive (constant memory): Parquet, JSON lines or CSV.
//!
//! A file is written under a temporary name beside the target and renamed when the query has finished,
//! so a failed job (an executor lost, say) never leaves a file that looks complete; re-running the same
//! command replaces it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringBuilder, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

/// Rows per Parquet row group: small enough that a reader splits a file of a few million rows over
/// every core, large enough for good compression.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    /// Apache Parquet (ZSTD, row groups of 65,536 rows).
    Parquet,
    /// One JSON object a line.
    Jsonl,
    /// CSV with a header; lists become `;`-separated values of their first field.
    Csv,
}

impl OutFormat {
    /// From a file name's extension (`.parquet`, `.jsonl`/`.json`/`.ndjson`, `.csv`).
    pub fn from_path(p: &Path) -> Option<OutFormat> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "parquet" | "pq" => Some(OutFormat::Parquet),
            "jsonl" | "json" | "ndjson" => Some(OutFormat::Jsonl),
            "csv" => Some(OutFormat::Csv),
            _ => None,
        }
    }
}

enum Writer {
    Parquet(Box<ArrowWriter<File>>),
    Jsonl(Box<datafusion::arrow::json::LineDelimitedWriter<BufWriter<File>>>),
    Csv(Box<datafusion::arrow::csv::Writer<BufWriter<File>>>),
}

/// A file being written.
pub struct Sink {
    writer: Option<Writer>,
    format: OutFormat,
    flatten: bool,
    tmp: PathBuf,
    path: PathBuf,
    rows: u64,
}

impl Sink {
    /// Start writing `path` in `format`. With `flatten`, the fields of struct columns become columns of
    /// their own (`screening.label` → `label`).
    pub fn create(path: &Path, format: OutFormat, flatten: bool) -> anyhow::Result<Sink> {
        let name = path
            .file_name()
            .with_context(|| format!("{}: not a file name", path.display()))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(".partial");
        let tmp = path.with_file_name(tmp_name);
        Ok(Sink {
            writer: None,
            format,
            flatten,
            tmp,
            path: path.to_path_buf(),
            rows: 0,
        })
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Write one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        let batch = if self.flatten {
            flatten(batch)?
        } else {
            batch.clone()
        };
        let batch = if self.format == OutFormat::Csv {
            csv_ready(&batch)?
        } else {
            batch
        };
        if self.writer.is_none() {
            let file = File::create(&self.tmp)
                .with_context(|| format!("creating {}", self.tmp.display()))?;
            self.writer = Some(match self.format {
                OutFormat::Parquet => {
                    let props = WriterProperties::builder()
                        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
                        .build();
                    Writer::Parquet(Box::new(ArrowWriter::try_new(
                        file,
                        batch.schema(),
                        Some(props),
                    )?))
                }
                OutFormat::Jsonl => {
                    Writer::Jsonl(Box::new(datafusion::arrow::json::LineDelimitedWriter::new(
                        BufWriter::with_capacity(1 << 20, file),
                    )))
                }
                OutFormat::Csv => Writer::Csv(Box::new(datafusion::arrow::csv::Writer::new(
                    BufWriter::with_capacity(1 << 20, file),
                ))),
            });
        }
        match &mut self.writer {
            Some(Writer::Parquet(w)) => w.write(&batch)?,
            Some(Writer::Jsonl(w)) => w.write(&batch)?,
            Some(Writer::Csv(w)) => w.write(&batch)?,
            None => {}
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Finish the file and put it in place. `schema` is used when no batch came (an empty result).
    pub fn finish(mut self, schema: &SchemaRef) -> anyhow::Result<u64> {
        if self.writer.is_none() {
            self.write(&RecordBatch::new_empty(schema.clone()))?;
        }
        match self.writer.take() {
            Some(Writer::Parquet(w)) => {
                w.close()?;
            }
            Some(Writer::Jsonl(mut w)) => {
                w.finish()?;
                w.into_inner().flush()?;
            }
            Some(Writer::Csv(w)) => {
                w.into_inner().flush()?;
            }
            None => {}
        }
        std::fs::rename(&self.tmp, &self.path).with_context(|| {
            format!("renaming {} to {}", self.tmp.display(), self.path.display())
        })?;
        Ok(self.rows)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if self.writer.is_some() {
            // Not finished: the job failed. Leave no partial file behind.
            self.writer = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Replace every struct column by its fields (one level).
pub fn flatten(batch: &RecordBatch) -> anyhow::Result<RecordBatch> {
    let schema = batch.schema();
    if !schema
        .fields()
        .iter()
        .any(|f| matches!(f.data_type(), DataType::Struct(_)))
    {
        return Ok(batch.clone());
    }
    let mut fields: Vec<Field> = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        match f.data_type() {
            DataType::Struct(children) => {
                let s: &StructArray = c.as_struct();
                for (cf, cc) in children.iter().zip(s.columns()) {
                    // A null struct row makes every field of it null.
                    let cc = match s.nulls() {
                        Some(n) if n.null_count() > 0 => {
                            let data = cc.to_data();
                            let merged =
                                datafusion::arrow::buffer::NullBuffer::union(data.nulls(), Some(n));
                            datafusion::arrow::array::make_array(
                                data.into_builder().nulls(merged).build()?,
                            )
                        }
                        _ => cc.clone(),
                    };
                    fields.push(cf.as_ref().clone().with_nullable(true));
                    columns.push(cc);
                }
            }
            _ => {
                fields.push(f.as_ref().clone());
                columns.push(c.clone());
            }
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// CSV holds no lists or structs: a list becomes its items (or its items' first field) joined by `;`,
/// a struct its JSON.
fn csv_ready(batch: &RecordBatch) -> anyhow::Result<RecordBatch> {
    let schema = batch.schema();
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        match f.data_type() {
            DataType::List(_) | DataType::LargeList(_) | DataType::Struct(_) => {
                let mut b = StringBuilder::new();
                for i in 0..c.len() {
                    if c.is_null(i) {
                        b.append_null();
                    } else {
                        b.append_value(cell_text(c.as_ref(), i)?);
                    }
                }
                fields.push(Field::new(f.name(), DataType::Utf8, true));
                columns.push(Arc::new(b.finish()));
            }
            _ => {
                fields.push(f.as_ref().clone());
                columns.push(c.clone());
            }
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

fn cell_text(c: &dyn Array, i: usize) -> anyhow::Result<String> {
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    match c.data_type() {
        DataType::List(_) => {
            let l = c.as_list::<i32>();
            let items = l.value(i);
            let items: ArrayRef = match items.data_type() {
                DataType::Struct(_) => items.as_struct().column(0).clone(),
                _ => items,
            };
            let fmt = ArrayFormatter::try_new(items.as_ref(), &FormatOptions::default())?;
            Ok((0..items.len())
                .map(|j| fmt.value(j).to_string())
                .collect::<Vec<_>>()
                .join(";"))
        }
        _ => {
            let fmt = ArrayFormatter::try_new(c, &FormatOptions::default())?;
            Ok(fmt.value(i).to_string())
        }
    }
}
