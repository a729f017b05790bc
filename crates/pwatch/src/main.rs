//! `pwatch`: a thin command line over the Precursor Watch libraries.
//!
//! Exit codes (DESIGN.md §4): 0 found / ok, 1 not found / flagged, 2 bad input (or a failure that stopped
//! the command). `--json` prints the same documents as the HTTP API.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use pw_registry::Registry;
use pw_resolve::{LookupError, LookupReport, Resolver};
use pw_trade::{CheckError, CheckRequest, Decision, TradeReport};

// Screening allocates many small strings per record; with mimalloc `pwatch screen` on the 100 MB benchmark
// file takes 1.25 s instead of 1.37 s on one thread (bench/README.md §4).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod batch;
mod demo;
mod ledger;
mod screen;
mod text;

#[derive(Parser, Debug)]
#[command(
    name = "pwatch",
    version,
    about = "Precursor Watch: identity and legal status of drug-precursor chemicals"
)]
struct Cli {
    /// Use this registry directory instead of the one embedded in the binary.
    #[arg(long, global = true, value_name = "DIR")]
    registry: Option<PathBuf>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web UI and JSON API.
    Serve {
        /// Database URL (sqlite://FILE or postgres://…); a SQLite file is created if missing.
        #[arg(
            long,
            default_value = "sqlite://pwatch.db",
            env = "PWATCH_DATABASE_URL"
        )]
        db: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "PWATCH_ADDR")]
        addr: SocketAddr,
        /// Mark session cookies `Secure` (set this when users reach the server over HTTPS, e.g. behind a
        /// TLS-terminating proxy).
        #[arg(long, env = "PWATCH_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Days an importing authority has to reply to a pre-export notification when neither it nor the
        /// registry's PEN regime data sets a deadline.
        #[arg(long, default_value_t = pw_server::DEFAULT_PEN_RESPONSE_DAYS,
              value_parser = clap::value_parser!(u32).range(1..=365))]
        pen_response_days: u32,
        /// The transparency log's signing key (`pwatch ledger keygen --origin … --out FILE`). Without it
        /// the log is not appended (audit rows stay queued until a key is given) and /api/v1/log/ is empty.
        #[arg(long, value_name = "FILE", env = "PWATCH_LEDGER_KEY")]
        ledger_key: Option<PathBuf>,
        /// A witness whose cosignatures of this log's checkpoints are accepted and served
        /// (`POST /api/v1/log/cosignatures`): its verifier key `NAME+KEYID+KEY` (`pwatch ledger keygen
        /// --witness` writes it to FILE.pub), or a file holding it. Repeatable; the environment variable
        /// takes a comma-separated list.
        #[arg(
            long = "witness-key",
            value_name = "VKEY|FILE",
            env = "PWATCH_WITNESS_KEYS",
            value_delimiter = ',',
            requires = "ledger_key"
        )]
        witness_keys: Vec<String>,
    },
    /// Identify a substance by name, synonym, abbreviation, CAS RN or InChIKey, with its controls.
    Lookup {
        /// The identifier.
        ident: String,
        /// Only controls in force on this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Only controls of these jurisdictions (repeatable: --jurisdiction US --jurisdiction CN).
        #[arg(long = "jurisdiction", value_name = "CODE")]
        jurisdictions: Vec<String>,
    },
    /// What a shipment needs: licences, notifications, prohibitions, with the legal basis.
    Check {
        /// The substance: any identifier.
        #[arg(long)]
        substance: String,
        /// Exporting country (ISO 3166-1 alpha-2).
        #[arg(long)]
        from: String,
        /// Importing country (ISO 3166-1 alpha-2).
        #[arg(long)]
        to: String,
        /// Quantity with unit: 25kg, 0.5 t, 500 g, 200 L.
        #[arg(long, allow_hyphen_values = true)]
        quantity: Option<String>,
        /// Shipment date (YYYY-MM-DD; default today).
        #[arg(long)]
        date: Option<String>,
    },
    /// Classify a structure: listed substance, class rules per jurisdiction (with the reason), similarity.
    Classify {
        /// SMILES (omit with --file).
        smiles: Option<String>,
        /// Apply the rules in force on this date (default today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Classify every structure of a file: SMILES (one per line, optional name after white space), CSV
        /// with a `smiles` column, or SDF (`.sdf`); JSONL out, one line per record in input order.
        #[arg(long, value_name = "FILE", conflicts_with = "smiles")]
        file: Option<PathBuf>,
    },
    /// Screen listings, declarations or manifests: substances, red flags, a label and an explained score
    /// per record. JSONL out (one line per record, input order); exit 1 when any record is an offer or a
    /// mention.
    Screen {
        /// Input files (`-` for standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Input format (default: from the extension; .jsonl/.ndjson/.json, .csv, anything else text
        /// with one record per line).
        #[arg(long, value_enum)]
        format: Option<pw_screen::records::Format>,
        /// Field with the text (JSONL, CSV).
        #[arg(long, default_value = "text")]
        text_field: String,
        /// Field with the record id (JSONL, CSV); the line number when absent.
        #[arg(long, default_value = "id")]
        id_field: String,
        /// Write the JSONL here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Records longer than this (bytes) are reported and skipped.
        #[arg(long, default_value_t = 64 << 20)]
        max_record_bytes: usize,
        /// Apply the class rules in force on this date to SMILES in texts (default today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Read input files with read(2) instead of mapping them into memory (the default for
        /// regular JSONL and text files, as ripgrep does). A mapped file that another program
        /// truncates during the run stops it with SIGBUS: use this for files that may change.
        #[arg(long)]
        no_mmap: bool,
    },
    /// Measure screening against a labelled set: precision, recall, F1 per label, confusion, errors.
    Eval {
        /// The labelled set (JSONL).
        #[arg(long, default_value = "eval/listings.jsonl", value_name = "FILE")]
        set: PathBuf,
        /// Exit 1 when the offer F1 is below this or any benign record is labelled offer.
        #[arg(long, value_name = "F1")]
        min_offer_f1: Option<f64>,
    },
    /// Bootstrap the platform: organisations and users (there are no default accounts or passwords).
    Admin {
        /// Database URL.
        #[arg(
            long,
            default_value = "sqlite://pwatch.db",
            env = "PWATCH_DATABASE_URL",
            global = true
        )]
        db: String,
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Registry maintenance.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// The transparency log: keys, offline verification of checkpoints, proofs and cosignatures, audit of a
    /// store, witnessing another instance's log.
    Ledger {
        #[command(subcommand)]
        command: ledger::LedgerCommand,
    },
    /// Demonstration data for a newcomer.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
}

#[derive(Subcommand, Debug)]
enum DemoCommand {
    /// Create demo authorities, companies, users and a realistic licence and notification flow in an empty
    /// database; prints each user's random password and API token once.
    Seed {
        /// Database URL (sqlite://FILE or postgres://…).
        #[arg(
            long,
            default_value = "sqlite://pwatch.db",
            env = "PWATCH_DATABASE_URL"
        )]
        db: String,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create an organisation; prints its id.
    CreateOrg {
        /// authority, company, marketplace or observer.
        #[arg(long)]
        kind: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-2 country (required for an authority).
        #[arg(long)]
        country: Option<String>,
        /// An authority's competence (repeatable): licensing, pen, customs, police.
        #[arg(long = "competence")]
        competences: Vec<String>,
    },
    /// Create a user in an organisation; the password is read from standard input (one line).
    CreateUser {
        /// Organisation id (from create-org or list-orgs).
        #[arg(long)]
        org: String,
        /// E-mail address (the login).
        #[arg(long)]
        email: String,
        /// admin, officer, reviewer or read_only.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (required: passwords are never arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Create an API token for a user; prints the secret once (it is stored only as a hash).
    CreateToken {
        /// User id.
        #[arg(long)]
        user: String,
        /// A name to recognise it by.
        #[arg(long)]
        name: String,
        /// What it may do (repeatable): read, screen, licences, notifications, incidents, admin.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Days until it expires (default: never).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Revoke an API token.
    RevokeToken {
        /// Token id.
        id: String,
    },
    /// List organisations.
    ListOrgs,
}

#[derive(Subcommand, Debug)]
enum RegistryCommand {
    /// Validate a registry directory (default: the embedded registry); exit 0 when valid, 2 otherwise.
    Validate {
        /// Directory to validate.
        dir: Option<PathBuf>,
    },
    /// Counts per jurisdiction and list, share of verified controls, version.
    Stats,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = if matches!(cli.command, Command::Serve { .. }) {
        "info"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_level.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn load_registry(dir: Option<&PathBuf>) -> anyhow::Result<Arc<Registry>> {
    let reg = match dir {
        Some(d) => Registry::load_dir(d),
        None => Registry::embedded(),
    };
    match reg {
        Ok(r) => Ok(Arc::new(r)),
        Err(e) => {
            for d in &e.0 {
                eprintln!("{d}");
            }
            anyhow::bail!(
                "registry invalid: {} problem(s); run `pwatch registry validate` for the list",
                e.0.len()
            )
        }
    }
}

/// The screener over the registry, the embedded screening rules and the classifier.
fn build_screener(
    registry: Option<&PathBuf>,
    as_of: Option<chrono::NaiveDate>,
) -> anyhow::Result<pw_screen::Screener> {
    let registry = load_registry(registry)?;
    let rules = pw_screen::Rules::embedded().map_err(|errors| {
        anyhow::anyhow!(
            "screening rules invalid: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let classifier =
        Arc::new(pw_classify::Classifier::new(registry.clone()).context("compiling class rules")?);
    let as_of = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    Ok(pw_screen::Screener::new(
        &registry,
        rules,
        Some(classifier),
        as_of,
    )?)
}

fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            db,
            addr,
            secure_cookies,
            pen_response_days,
            ledger_key,
            witness_keys,
        } => {
            let registry = load_registry(cli.registry.as_ref())?;
            let witnesses = ledger::witness_verifiers(&witness_keys)?;
            let ledger = ledger_key
                .map(|path| {
                    let text = std::fs::read_to_string(&path).with_context(|| {
                        format!("reading the ledger key {} (create one with `pwatch ledger keygen --origin NAME --out FILE`)", path.display())
                    })?;
                    pw_ledger::LogSigner::from_secret(&text)
                        .with_context(|| format!("the ledger key {}", path.display()))
                })
                .transpose()?;
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(async move {
                let store = pw_store::Store::connect(&db)
                    .await
                    .with_context(|| format!("opening database {}", pw_store::redact(&db)))?;
                store.note_registry_version(registry.version()).await?;
                let mut state =
                    pw_server::AppState::new(registry, store).context("compiling class rules")?;
                state.secure_cookies = secure_cookies;
                state.pen_response_days = pen_response_days;
                if let Some(signer) = ledger {
                    state.ledger = pw_server::ledger::Ledger::new(signer).with_witnesses(witnesses);
                }
                pw_server::serve(state, addr)
                    .await
                    .with_context(|| format!("serving on {addr}"))
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Lookup {
            ident,
            as_of,
            jurisdictions,
        } => {
            let registry = load_registry(cli.registry.as_ref())?;
            let as_of = match parse_as_of(as_of.as_deref()) {
                Ok(d) => d,
                Err(message) => return bad(&message),
            };
            let jurisdictions: Vec<String> = jurisdictions
                .iter()
                .map(|j| j.trim().to_ascii_uppercase())
                .collect();
            if let Some(j) = jurisdictions
                .iter()
                .find(|j| registry.jurisdiction(j).is_none())
            {
                let known: Vec<&str> = registry
                    .jurisdictions()
                    .keys()
                    .map(String::as_str)
                    .collect();
                return bad(&format!(
                    "--jurisdiction: unknown jurisdiction {j:?}; known: {}",
                    known.join(", ")
                ));
            }
            let resolver = Resolver::new(registry.clone());
            let res = match resolver.resolve(&ident) {
                Ok(r) => r,
                Err(
                    e @ (LookupError::BadCas { .. }
                    | LookupError::Empty
                    | LookupError::TooLong { .. }),
                ) => return bad(&e.to_string()),
            };
            let report = LookupReport::new(&registry, &ident, &res, as_of, &jurisdictions);
            if cli.json {
                print_json(&report)?;
            } else {
                print!("{}", text::lookup(&report));
            }
            Ok(if report.matches.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Check {
            substance,
            from,
            to,
            quantity,
            date,
        } => {
            let registry = load_registry(cli.registry.as_ref())?;
            let resolver = Resolver::new(registry);
            let req = CheckRequest {
                substance,
                from,
                to,
                quantity,
                date,
            };
            match pw_trade::check_request(&resolver, &req, chrono::Utc::now().date_naive()) {
                Ok(report) => {
                    if cli.json {
                        print_json(&report)?;
                    } else {
                        print!("{}", text::check(&report));
                    }
                    Ok(exit_for(&report))
                }
                Err(CheckError::Input(e)) => bad(&format!("--{}: {}", e.field, e.message)),
                Err(e @ CheckError::Ambiguous { .. }) => bad(&e.to_string()),
                Err(e @ CheckError::NotFound { .. }) => {
                    eprintln!("{e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Classify {
            smiles,
            as_of,
            file,
        } => {
            let registry = load_registry(cli.registry.as_ref())?;
            let as_of = match parse_as_of(as_of.as_deref()) {
                Ok(d) => d.unwrap_or_else(|| chrono::Utc::now().date_naive()),
                Err(message) => return bad(&message),
            };
            let classifier =
                pw_classify::Classifier::new(registry).context("compiling class rules")?;
            match (smiles, file) {
                (Some(smiles), None) => match classifier.classify(&smiles, as_of) {
                    Ok(c) => {
                        if cli.json {
                            print_json(&c)?;
                        } else {
                            print!("{}", text::classify(&c));
                        }
                        let flagged = !c.listed.is_empty()
                            || !c.class_matches.is_empty()
                            || !c.analogue_warnings.is_empty();
                        Ok(if flagged {
                            ExitCode::from(1)
                        } else {
                            ExitCode::SUCCESS
                        })
                    }
                    Err(e) => bad(&e.to_string()),
                },
                (None, Some(path)) => batch::classify_file(&classifier, &path, as_of),
                _ => bad("give a SMILES or --file FILE"),
            }
        }
        Command::Screen {
            files,
            format,
            text_field,
            id_field,
            out,
            max_record_bytes,
            as_of,
            no_mmap,
        } => {
            let as_of = match parse_as_of(as_of.as_deref()) {
                Ok(d) => d,
                Err(message) => return bad(&message),
            };
            let screener = build_screener(cli.registry.as_ref(), as_of)?;
            let args = screen::ScreenArgs {
                files,
                format,
                options: pw_screen::records::Options {
                    text_field,
                    id_field,
                    max_record_bytes: max_record_bytes.min(pw_screen::MAX_TEXT_BYTES),
                    defer_json: false,
                },
                out,
                mmap: !no_mmap,
            };
            screen::screen_files(&screener, args)
        }
        Command::Eval { set, min_offer_f1 } => {
            let screener = build_screener(cli.registry.as_ref(), None)?;
            screen::eval(&screener, &set, cli.json, min_offer_f1)
        }
        Command::Admin { db, command } => admin(&db, command, cli.json),
        Command::Ledger { command } => ledger::run(command, cli.json),
        Command::Demo {
            command: DemoCommand::Seed { db },
        } => {
            let registry = load_registry(cli.registry.as_ref())?;
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            let seeded = rt.block_on(async move {
                let store = pw_store::Store::connect(&db)
                    .await
                    .with_context(|| format!("opening database {}", pw_store::redact(&db)))?;
                store.note_registry_version(registry.version()).await?;
                demo::seed(store, registry).await
            })?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&seeded)?);
            } else {
                println!(
                    "Demo data created. Sign-in details (shown once; keep them or re-seed a new database):"
                );
                println!();
                for u in &seeded.users {
                    println!(
                        "{:<9} {:<34} {:<9} password {}  token {}",
                        u.org, u.email, u.role, u.password, u.token
                    );
                }
                println!();
                for (kind, ids) in &seeded.records {
                    println!("{} {kind} records: {}", ids.len(), ids.join(" "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Registry {
            command: RegistryCommand::Validate { dir },
        } => {
            let dir = dir.or(cli.registry);
            let result = match &dir {
                Some(d) => Registry::load_dir(d),
                None => Registry::embedded(),
            };
            let where_ = dir.as_ref().map_or_else(
                || "embedded registry".to_string(),
                |d| d.display().to_string(),
            );
            match result {
                Ok(r) => {
                    if cli.json {
                        print_json(
                            &serde_json::json!({"valid": true, "version": r.version(), "problems": []}),
                        )?;
                    } else {
                        println!(
                            "{where_}: valid, {} substances, version {}",
                            r.substances().len(),
                            r.version()
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    if cli.json {
                        print_json(&serde_json::json!({"valid": false, "problems": e.0}))?;
                    } else {
                        for d in &e.0 {
                            println!("{d}");
                        }
                        println!("{where_}: {} problem(s)", e.0.len());
                    }
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Registry {
            command: RegistryCommand::Stats,
        } => {
            let registry = load_registry(cli.registry.as_ref())?;
            let stats = registry.stats();
            if cli.json {
                print_json(&stats)?;
            } else {
                print!("{}", text::stats(&stats));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `pwatch admin …`: every change is audited with the actor `cli:<login name>`.
fn admin(db: &str, command: AdminCommand, json: bool) -> anyhow::Result<ExitCode> {
    use pw_store::{Actor, Competence, NewOrganisation, NewUser, OrgKind, Role, StoreError};
    let actor = Actor {
        id: format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        ),
        org_id: None,
    };
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        let store = pw_store::Store::connect(db)
            .await
            .with_context(|| format!("opening database {}", pw_store::redact(db)))?;
        let shown = |r: Result<String, StoreError>| -> anyhow::Result<ExitCode> {
            match r {
                Ok(out) => {
                    println!("{out}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
                    bad(&e.to_string())
                }
                Err(e) => Err(e.into()),
            }
        };
        match command {
            AdminCommand::CreateOrg {
                kind,
                name,
                country,
                competences,
            } => {
                let Some(kind) = OrgKind::parse(&kind) else {
                    return bad(&format!(
                        "--kind: {kind:?} is not one of {}",
                        OrgKind::all().join(", ")
                    ));
                };
                let mut cs = Vec::new();
                for c in &competences {
                    match Competence::parse(c) {
                        Some(c) => cs.push(c),
                        None => {
                            return bad(&format!(
                                "--competence: {c:?} is not one of {}",
                                Competence::all().join(", ")
                            ));
                        }
                    }
                }
                let new = NewOrganisation {
                    kind,
                    name,
                    country: country.map(|c| c.trim().to_string()),
                    competences: cs,
                };
                shown(store.create_organisation(&new, &actor).await.map(|o| {
                    if json {
                        serde_json::to_string_pretty(&o).unwrap_or_default()
                    } else {
                        o.id
                    }
                }))
            }
            AdminCommand::CreateUser {
                org,
                email,
                role,
                password_stdin: _,
            } => {
                let Some(role) = Role::parse(&role) else {
                    return bad(&format!(
                        "--role: {role:?} is not one of {}",
                        Role::all().join(", ")
                    ));
                };
                let mut password = String::new();
                std::io::stdin()
                    .read_line(&mut password)
                    .context("reading the password from standard input")?;
                let password = password.trim_end_matches(['\n', '\r']).to_string();
                let new = NewUser {
                    org_id: org,
                    email,
                    password,
                    role,
                };
                shown(store.create_user(&new, &actor).await.map(|u| {
                    if json {
                        serde_json::to_string_pretty(&u).unwrap_or_default()
                    } else {
                        u.id
                    }
                }))
            }
            AdminCommand::CreateToken {
                user,
                name,
                scopes,
                days,
            } => {
                let mut parsed = Vec::new();
                for sc in &scopes {
                    match pw_store::Scope::parse(sc) {
                        Some(x) => parsed.push(x),
                        None => {
                            return bad(&format!(
                                "--scope: {sc:?} is not one of {}",
                                pw_store::Scope::all().join(", ")
                            ));
                        }
                    }
                }
                let expires =
                    days.map(|d| chrono::Utc::now() + chrono::Duration::days(i64::from(d)));
                shown(
                    store
                        .create_token(&user, &name, &parsed, expires, &actor)
                        .await
                        .map(|(t, secret)| {
                            if json {
                                serde_json::json!({"token": t, "secret": secret}).to_string()
                            } else {
                                format!("{}\t{secret}", t.id)
                            }
                        }),
                )
            }
            AdminCommand::RevokeToken { id } => shown(
                store
                    .revoke_token(&id, &actor)
                    .await
                    .map(|()| format!("{id} revoked")),
            ),
            AdminCommand::ListOrgs => {
                let orgs = store.organisations().await?;
                if json {
                    print_json(&orgs)?;
                } else {
                    for o in orgs {
                        println!(
                            "{}\t{}\t{}\t{}",
                            o.id,
                            o.kind,
                            o.country.as_deref().unwrap_or("-"),
                            o.name
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// `--as-of DATE`, or the message naming the option.
fn parse_as_of(text: Option<&str>) -> Result<Option<chrono::NaiveDate>, String> {
    text.map(pw_trade::date)
        .transpose()
        .map_err(|e| format!("--as-of: {}", e.message))
}

fn bad(message: &str) -> anyhow::Result<ExitCode> {
    eprintln!("error: {message}");
    Ok(ExitCode::from(2))
}

/// 0 when allowed, 1 when the shipment is flagged (conditional or prohibited).
fn exit_for(r: &TradeReport) -> ExitCode {
    match r.decision {
        Decision::Allowed => ExitCode::SUCCESS,
        Decision::Conditional | Decision::Prohibited => ExitCode::from(1),
    }
}
