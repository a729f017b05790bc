//! Registering input files (a path, a directory or a glob) as tables.

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::prelude::{CsvReadOptions, JsonReadOptions, ParquetReadOptions, SessionContext};

/// Input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InFormat {
    /// One JSON object a line.
    Jsonl,
    /// CSV with a header line.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl InFormat {
    /// From the extension of a path or glob (`*.jsonl`, `listings.csv`, `dir/part-0.parquet`).
    pub fn from_path(path: &str) -> Option<InFormat> {
        match extension(path)?.to_ascii_lowercase().as_str() {
            ".jsonl" | ".json" | ".ndjson" => Some(InFormat::Jsonl),
            ".csv" => Some(InFormat::Csv),
            ".parquet" | ".pq" => Some(InFormat::Parquet),
            _ => None,
        }
    }

    fn default_extension(self) -> &'static str {
        match self {
            InFormat::Jsonl => ".jsonl",
            InFormat::Csv => ".csv",
            InFormat::Parquet => ".parquet",
        }
    }
}

/// The extension of the last path segment (`.jsonl` of `data/*.jsonl`), if any.
fn extension(path: &str) -> Option<&str> {
    let last = path.rsplit('/').next()?;
    let dot = last.rfind('.')?;
    let ext = &last[dot..];
    (ext.len() > 1 && !ext.contains(['*', '?', '[', ']'])).then_some(ext)
}

/// Register `path` (a file, a directory or a glob) as table `name`. `text_columns`: for JSON lines,
/// read only these fields, as strings (faster than inferring the schema, and a record with other
/// fields of other types is never a problem); `None` infers the schema.
pub async fn register(
    ctx: &SessionContext,
    name: &str,
    path: &str,
    format: Option<InFormat>,
    text_columns: Option<&[&str]>,
) -> anyhow::Result<()> {
    let format = match format.or_else(|| InFormat::from_path(path)) {
        Some(f) => f,
        None => anyhow::bail!(
            "{path}: cannot tell the format from the name; give --format jsonl|csv|parquet"
        ),
    };
    let local = !path.contains("://");
    let glob = path.contains(['*', '?', '[']);
    if local && !glob && !std::path::Path::new(path).exists() {
        anyhow::bail!("{path}: no such file or directory");
    }
    if local && glob {
        // The directory part before the first wildcard must exist (DataFusion reads a glob over a
        // missing directory as an empty table).
        let first = path.find(['*', '?', '[']).unwrap_or(path.len());
        let dir = path[..first].rsplit_once('/').map_or(".", |(d, _)| d);
        let dir = if dir.is_empty() { "/" } else { dir };
        if !std::path::Path::new(dir).is_dir() {
            anyhow::bail!("{path}: no such directory {dir}");
        }
    }
    let ext = extension(path).unwrap_or(format.default_extension());
    // A directory lists every file with the format's extension; a file or a glob its own.
    let ext = if path.ends_with('/') || std::path::Path::new(path).is_dir() {
        format.default_extension()
    } else {
        ext
    };
    match format {
        InFormat::Jsonl => {
            let schema = text_columns.map(|cols| {
                Schema::new(
                    cols.iter()
                        .map(|c| Field::new(*c, DataType::Utf8, true))
                        .collect::<Vec<_>>(),
                )
            });
            let mut opts = JsonReadOptions::default().file_extension(ext);
            if let Some(s) = &schema {
                opts = opts.schema(s);
            }
            ctx.register_json(name, path, opts).await?;
        }
        InFormat::Csv => {
            ctx.register_csv(name, path, CsvReadOptions::new().file_extension(ext))
                .await?;
        }
        InFormat::Parquet => {
            ctx.register_parquet(name, path, ParquetReadOptions::new().file_extension(ext))
                .await?;
        }
    }
    Ok(())
}

/// `name=path` (for `--table`).
pub fn parse_table_arg(s: &str) -> Result<(String, String), String> {
    let (name, path) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected NAME=PATH (a file, a directory or a glob)"))?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "{name:?}: a table name is letters, digits and underscores"
        ));
    }
    Ok((name.to_string(), path.to_string()))
}

/// A SQL identifier, quoted.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
