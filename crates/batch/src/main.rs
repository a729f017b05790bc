//! `pwatch-batch`: screening, classification and lookup over files of any size with DataFusion, on one
//! machine or on a Ballista cluster. See crates/batch/README.md.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use pw_batch::cluster::{self, ExecutorOptions, SchedulerOptions};
use pw_batch::engine::Engine;
use pw_batch::job::{self, Target};
use pw_batch::output::OutFormat;
use pw_batch::tables::{self, InFormat};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "pwatch-batch",
    version,
    about = "Precursor Watch at scale: DataFusion and Ballista"
)]
struct Cli {
    /// Use this registry directory instead of the one embedded in the binary (every process of a
    /// cluster must use the same).
    #[arg(long, global = true, env = "PWATCH_REGISTRY")]
    registry: Option<PathBuf>,
    /// Apply class rules as of this date (default: today; an executor takes the scheduler's).
    #[arg(long, global = true)]
    as_of: Option<chrono::NaiveDate>,
    /// No progress or summary on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Run {
    /// Run on this Ballista cluster (a `pwatch-batch scheduler`) instead of in this process. Input
    /// paths must be readable at the same place by the scheduler and every executor.
    #[arg(long, value_name = "df://HOST:PORT")]
    cluster: Option<String>,
    /// Parallelism in this process (default: the number of cores).
    #[arg(long)]
    partitions: Option<usize>,
    /// How long to wait for the cluster's scheduler, in seconds.
    #[arg(long, default_value_t = 30)]
    connect_timeout: u64,
}

#[derive(Args)]
struct Job {
    /// Input: a file, a directory or a glob (`data/*.jsonl`).
    #[arg(long)]
    input: String,
    /// Input format (default: from the extension).
    #[arg(long, value_enum)]
    format: Option<InFormat>,
    /// Output file: .parquet, .jsonl or .csv (written as rows arrive; in place when complete).
    #[arg(long)]
    out: PathBuf,
    /// Output format (default: from the extension of --out).
    #[arg(long, value_enum)]
    out_format: Option<OutFormat>,
    /// Field holding the record id (`""`: none).
    #[arg(long, default_value = "id")]
    id_field: String,
    /// Keep the result as one struct column instead of one column per field.
    #[arg(long)]
    nested: bool,
    #[command(flatten)]
    run: Run,
}

#[derive(Subcommand)]
enum Command {
    /// Run SQL over files; the functions pw_screen, pw_screen_json, pw_classify, pw_lookup and
    /// pw_registry_version are available.
    Sql {
        /// The query.
        query: String,
        /// Register a table: NAME=PATH (a file, a directory or a glob; format from the extension).
        #[arg(long = "table", value_parser = tables::parse_table_arg)]
        tables: Vec<(String, String)>,
        /// Write the result here (.parquet, .jsonl, .csv) instead of JSON lines on stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format (default: from the extension of --out).
        #[arg(long, value_enum)]
        out_format: Option<OutFormat>,
        #[command(flatten)]
        run: Run,
    },
    /// Screen the texts of a file set (pw_screen).
    Screen {
        #[command(flatten)]
        job: Job,
        /// Field holding the text.
        #[arg(long, default_value = "text")]
        text_field: String,
    },
    /// Classify the structures (SMILES) of a file set (pw_classify).
    Classify {
        #[command(flatten)]
        job: Job,
        /// Field holding the SMILES.
        #[arg(long, default_value = "smiles")]
        smiles_field: String,
    },
    /// Run a Ballista scheduler with the Precursor Watch functions.
    Scheduler {
        /// Address to listen on. Loopback unless told otherwise: the cluster's gRPC and Flight traffic is
        /// unencrypted and unauthenticated, so open it (`--bind 0.0.0.0`) only on a private network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Port (gRPC, Flight and the identity document).
        #[arg(long, default_value_t = 50050)]
        port: u16,
        /// Host name executors and clients reach this machine by.
        #[arg(long, default_value = "localhost")]
        external_host: String,
    },
    /// Run a Ballista executor with the Precursor Watch functions; refuses a scheduler with another
    /// registry.
    Executor {
        /// The scheduler: HOST:PORT or df://HOST:PORT.
        #[arg(long, default_value = "localhost:50050")]
        scheduler: String,
        /// Address to listen on. Loopback unless told otherwise: the cluster's gRPC and Flight traffic is
        /// unencrypted and unauthenticated, so open it (`--bind 0.0.0.0`) only on a private network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Host name the scheduler and other executors reach this machine by.
        #[arg(long)]
        external_host: Option<String>,
        /// Arrow Flight port (results, shuffles).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// gRPC port.
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Concurrent tasks (default: the number of cores).
        #[arg(long, default_value_t = 0)]
        concurrency: usize,
        /// Directory for intermediate files (default: a temporary directory).
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// How long to wait for the scheduler, in seconds.
        #[arg(long, default_value_t = 60)]
        connect_timeout: u64,
    },
    /// Print this build's identity (registry and rules versions) as JSON.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.command {
        Command::Scheduler { .. } | Command::Executor { .. } => "info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 << 20)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // The chain, without the causes that an outer message already quotes (DataFusion's errors
            // repeat their source in their own text).
            let mut msg = String::new();
            for cause in e.chain() {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    if !msg.is_empty() {
                        msg.push_str(": ");
                    }
                    msg.push_str(&c);
                }
            }
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn load(cli: &Cli, as_of: Option<chrono::NaiveDate>) -> anyhow::Result<Arc<Engine>> {
    Ok(match (&cli.registry, as_of.or(cli.as_of)) {
        (None, None) => Engine::embedded()?,
        (dir, as_of) => Arc::new(Engine::load(dir.as_deref(), as_of)?),
    })
}

async fn context(
    engine: &Arc<Engine>,
    run: &Run,
) -> anyhow::Result<datafusion::prelude::SessionContext> {
    Ok(match &run.cluster {
        Some(url) => {
            cluster::remote_context(url, engine, Duration::from_secs(run.connect_timeout)).await?
        }
        None => cluster::local_context(engine, run.partitions),
    })
}

fn out_format(out: &std::path::Path, given: Option<OutFormat>) -> anyhow::Result<OutFormat> {
    given
        .or_else(|| OutFormat::from_path(out))
        .with_context(|| {
            format!(
                "{}: cannot tell the output format from the name; give --out-format parquet|jsonl|csv",
                out.display()
            )
        })
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Version => {
            let engine = load(&cli, None)?;
            println!("{}", serde_json::to_string_pretty(&engine.identity())?);
        }
        Command::Sql {
            query,
            tables: t,
            out,
            out_format: f,
            run,
        } => {
            let engine = load(&cli, None)?;
            let ctx = context(&engine, run).await?;
            for (name, path) in t {
                tables::register(&ctx, name, path, None, None)
                    .await
                    .with_context(|| format!("table {name} ({path})"))?;
            }
            let target = match out {
                Some(p) => Target::File {
                    path: p,
                    format: out_format(p, *f)?,
                    flatten: false,
                },
                None => Target::Stdout,
            };
            job::run(&ctx, query, target, cli.quiet).await?;
        }
        Command::Screen { job: j, text_field } => {
            let id = (!j.id_field.is_empty()).then_some(j.id_field.as_str());
            let sql = job::screen_sql(id, text_field);
            batch_job(&cli, j, &sql, id, text_field).await?;
        }
        Command::Classify {
            job: j,
            smiles_field,
        } => {
            let id = (!j.id_field.is_empty()).then_some(j.id_field.as_str());
            let sql = job::classify_sql(id, smiles_field);
            batch_job(&cli, j, &sql, id, smiles_field).await?;
        }
        Command::Scheduler {
            bind,
            port,
            external_host,
        } => {
            let engine = load(&cli, None)?;
            let opts = SchedulerOptions {
                bind: bind.clone(),
                port: *port,
                external_host: external_host.clone(),
            };
            cluster::run_scheduler(engine, opts, |addr| {
                // Tests and scripts wait for this line.
                println!("scheduler listening on {addr}");
            })
            .await?;
        }
        Command::Executor {
            scheduler,
            bind,
            external_host,
            port,
            grpc_port,
            concurrency,
            work_dir,
            connect_timeout,
        } => {
            let (host, sport) = cluster::parse_cluster_url(scheduler)?;
            let opts = ExecutorOptions {
                scheduler_host: host,
                scheduler_port: sport,
                bind: bind.clone(),
                external_host: external_host.clone(),
                port: *port,
                grpc_port: *grpc_port,
                concurrency: *concurrency,
                work_dir: work_dir.clone(),
                connect_timeout: Duration::from_secs(*connect_timeout),
            };
            cluster::run_executor(|as_of| load(&cli, Some(as_of)), opts).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn batch_job(
    cli: &Cli,
    j: &Job,
    sql: &str,
    id: Option<&str>,
    field: &str,
) -> anyhow::Result<()> {
    let engine = load(cli, None)?;
    let ctx = context(&engine, &j.run).await?;
    let columns: Vec<&str> = id.into_iter().chain([field]).collect();
    tables::register(&ctx, "input", &j.input, j.format, Some(&columns))
        .await
        .with_context(|| format!("input {}", j.input))?;
    let target = Target::File {
        path: &j.out,
        format: out_format(&j.out, j.out_format)?,
        flatten: !j.nested,
    };
    job::run(&ctx, sql, target, cli.quiet).await?;
    Ok(())
}
