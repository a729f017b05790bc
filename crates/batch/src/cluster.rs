//! The Ballista side: the project's own scheduler and executor (the stock binaries cannot load the UDFs),
//! the client context for `--cluster df://HOST:PORT`, and the check that every process of a cluster
//! answers from the same registry.
//!
//! # Same registry everywhere
//!
//! A cluster whose processes held different registries would give different answers for the same record
//! depending on which executor ran it. Three checks prevent that:
//!
//! 1. **At start-up (handshake).** The scheduler serves its [`Identity`] (registry version, screening
//!    rules version, the date class rules are applied for, `pwatch-batch` version) as JSON at
//!    `GET /pwatch/identity` on its Ballista port. An executor or a client fetches it before anything
//!    else and refuses to start (exit 2, both versions in the message) when its own registry or rules
//!    differ. An executor adopts the scheduler's date, so processes started on different days agree.
//! 2. **Per session.** Clients set `pwatch.registry_version` in the session configuration (a DataFusion
//!    config extension, [`PwConfig`], registered on every side, so Ballista carries it with the job).
//!    The scheduler refuses to build a session naming another version: the job fails before planning.
//! 3. **Per batch.** Every UDF call compares the session's `pwatch.registry_version` with its own
//!    registry and fails the task on a difference (an executor restarted with other data after the
//!    handshake cannot answer silently).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ballista::prelude::SessionContextExt;
use ballista_core::extension::SessionConfigExt;
use ballista_core::flight_proxy_service::BallistaFlightProxyService;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::protobuf::scheduler_grpc_server::SchedulerGrpcServer;
use ballista_core::utils::default_session_builder;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::create_scheduler;
use datafusion::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::engine::Engine;
use crate::udf;

/// Precursor Watch settings carried by every session (`pwatch.*`): a DataFusion config extension,
/// registered on every side, so Ballista sends it with each job to the scheduler and the executors.
///
/// Written out instead of with `extensions_options!`, whose entries are listed without the `pwatch.`
/// prefix (Ballista forwards a session's settings by those keys, and the other side could not set them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PwConfig {
    /// The registry version the client planned with; every process refuses another.
    pub registry_version: String,
}

impl ConfigExtension for PwConfig {
    const PREFIX: &'static str = "pwatch";
}

impl ExtensionOptions for PwConfig {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn cloned(&self) -> Box<dyn ExtensionOptions> {
        Box::new(self.clone())
    }

    fn set(&mut self, key: &str, value: &str) -> datafusion::error::Result<()> {
        match key {
            "registry_version" => {
                self.registry_version = value.to_string();
                Ok(())
            }
            _ => Err(DataFusionError::Configuration(format!(
                "unknown setting pwatch.{key} (known: pwatch.registry_version)"
            ))),
        }
    }

    fn entries(&self) -> Vec<ConfigEntry> {
        vec![ConfigEntry {
            key: "pwatch.registry_version".to_string(),
            value: Some(self.registry_version.clone()),
            description: "The registry version the session was planned with; a process over another \
                          registry refuses it.",
        }]
    }
}

/// The path of the identity document on the scheduler's port.
pub const IDENTITY_PATH: &str = "/pwatch/identity";

/// What the processes of one cluster must agree on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Registry content hash.
    pub registry_version: String,
    /// Screening rules version.
    pub rules_version: String,
    /// Date class rules are applied for (YYYY-MM-DD).
    pub as_of: String,
    /// `pwatch-batch` version.
    pub pw_batch: String,
}

/// Why a process may not join a cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The scheduler cannot be reached or does not answer as a `pwatch-batch scheduler`.
    #[error("scheduler {addr}: {message}")]
    Scheduler {
        /// `HOST:PORT`.
        addr: String,
        /// What went wrong.
        message: String,
    },
    /// Different registry or rules.
    #[error(
        "registry version mismatch: the scheduler at {addr} serves registry {theirs} \
         (screening rules {their_rules}), this {what} holds registry {ours} (screening rules {our_rules}); \
         start every process of a cluster with the same registry (the same pwatch-batch build, or the \
         same --registry directory)",
        addr = .0.addr, what = .0.what, theirs = .0.theirs, ours = .0.ours,
        their_rules = .0.their_rules, our_rules = .0.our_rules
    )]
    Mismatch(Box<Mismatch>),
    /// A `--cluster` URL that is not `df://HOST:PORT`.
    #[error("cluster URL {0:?}: expected df://HOST:PORT")]
    Url(String),
}

/// The two sides of a [`ClusterError::Mismatch`].
#[derive(Debug)]
pub struct Mismatch {
    /// Scheduler address.
    pub addr: String,
    /// `executor` or `client`.
    pub what: &'static str,
    /// Scheduler's registry version.
    pub theirs: String,
    /// Ours.
    pub ours: String,
    /// Scheduler's rules version.
    pub their_rules: String,
    /// Ours.
    pub our_rules: String,
}

/// `df://HOST:PORT` (or `HOST:PORT`) → `(HOST, PORT)`.
pub fn parse_cluster_url(url: &str) -> Result<(String, u16), ClusterError> {
    let rest = url.strip_prefix("df://").unwrap_or(url);
    let rest = rest.trim_end_matches('/');
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| ClusterError::Url(url.to_string()))?;
    let port: u16 = port
        .parse()
        .map_err(|_| ClusterError::Url(url.to_string()))?;
    if host.is_empty() || host.contains('/') {
        return Err(ClusterError::Url(url.to_string()));
    }
    Ok((host.to_string(), port))
}

/// Fetch the scheduler's [`Identity`] (plain HTTP/1.1 on the scheduler's port), retrying until
/// `timeout` has passed (a scheduler that is still starting).
pub async fn fetch_identity(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Identity, ClusterError> {
    let addr = format!("{host}:{port}");
    let start = Instant::now();
    loop {
        match fetch_identity_once(&addr).await {
            Ok(id) => return Ok(id),
            Err(e @ ClusterError::Scheduler { .. }) if start.elapsed() < timeout => {
                tracing::debug!("{e}; retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn fetch_identity_once(addr: &str) -> Result<Identity, ClusterError> {
    let err = |message: String| ClusterError::Scheduler {
        addr: addr.to_string(),
        message,
    };
    let mut stream =
        tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr))
            .await
            .map_err(|_| err("connection timed out".into()))?
            .map_err(|e| err(format!("cannot connect: {e}")))?;
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    let request =
        format!("GET {IDENTITY_PATH} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| err(format!("sending the identity request: {e}")))?;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .map_err(|_| err("no answer to the identity request within 5 s".into()))?
        .map_err(|e| err(format!("reading the identity answer: {e}")))?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| err("not an HTTP answer".into()))?;
    if !head.starts_with("HTTP/1.1 200") {
        let status = head.lines().next().unwrap_or_default();
        return Err(err(format!(
            "GET {IDENTITY_PATH} answered {status:?}: is this a `pwatch-batch scheduler` (the stock \
             Ballista scheduler cannot load the Precursor Watch functions)?"
        )));
    }
    serde_json::from_str(body.trim()).map_err(|e| err(format!("identity document unreadable: {e}")))
}

/// Refuse a scheduler with another registry or rules.
pub fn check_identity(
    addr: &str,
    what: &'static str,
    theirs: &Identity,
    ours: &Identity,
) -> Result<(), ClusterError> {
    if theirs.registry_version != ours.registry_version
        || theirs.rules_version != ours.rules_version
    {
        return Err(ClusterError::Mismatch(Box::new(Mismatch {
            addr: addr.to_string(),
            what,
            theirs: theirs.registry_version.clone(),
            ours: ours.registry_version.clone(),
            their_rules: theirs.rules_version.clone(),
            our_rules: ours.rules_version.clone(),
        })));
    }
    Ok(())
}

/// The session configuration every process starts from: Ballista's, plus [`PwConfig`].
pub fn session_config(registry_version: &str) -> SessionConfig {
    SessionConfig::new_with_ballista().with_option_extension(PwConfig {
        registry_version: registry_version.to_string(),
    })
}

/// A local DataFusion context with the UDFs registered. `partitions`: target partitions (default: the
/// number of cores).
pub fn local_context(engine: &Arc<Engine>, partitions: Option<usize>) -> SessionContext {
    let mut config = SessionConfig::new()
        .with_option_extension(PwConfig {
            registry_version: engine.registry_version().to_string(),
        })
        .with_information_schema(true);
    if let Some(p) = partitions {
        config = config.with_target_partitions(p.max(1));
    }
    let ctx = SessionContext::new_with_config(config);
    for f in udf::all(engine) {
        ctx.register_udf(f.as_ref().clone());
    }
    ctx
}

/// A context whose queries run on the cluster at `url` (`df://HOST:PORT`), after checking that the
/// scheduler serves the same registry as `engine`.
pub async fn remote_context(
    url: &str,
    engine: &Arc<Engine>,
    timeout: Duration,
) -> anyhow::Result<SessionContext> {
    let (host, port) = parse_cluster_url(url)?;
    let theirs = fetch_identity(&host, port, timeout).await?;
    check_identity(
        &format!("{host}:{port}"),
        "client",
        &theirs,
        &engine.identity(),
    )?;
    let config = session_config(engine.registry_version());
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .build();
    let ctx = SessionContext::remote_with_state(&format!("df://{host}:{port}"), state).await?;
    // After the upgrade to a Ballista state, which resets the scalar functions to DataFusion's.
    for f in udf::all(engine) {
        ctx.register_udf(f.as_ref().clone());
    }
    Ok(ctx)
}

/// What `pwatch-batch scheduler` was asked.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Address to listen on.
    pub bind: String,
    /// Port (Ballista gRPC, Flight proxy and the identity document).
    pub port: u16,
    /// Host name other machines reach this scheduler by.
    pub external_host: String,
}

/// Run the scheduler until the process is stopped. `ready` is called with the bound address.
pub async fn run_scheduler(
    engine: Arc<Engine>,
    opts: SchedulerOptions,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let identity = engine.identity();
    let version = engine.registry_version().to_string();
    let config_version = version.clone();
    let builder_engine = engine.clone();
    let config = SchedulerConfig::default()
        .with_hostname(opts.external_host.clone())
        .with_port(opts.port)
        .with_override_config_producer(Arc::new(move || session_config("")))
        .with_override_session_builder(Arc::new(move |config: SessionConfig| {
            if let Some(c) = config.options().extensions.get::<PwConfig>()
                && !c.registry_version.is_empty()
                && c.registry_version != config_version
            {
                return Err(DataFusionError::Configuration(format!(
                    "registry version mismatch: the session was planned with registry {} but this \
                     scheduler serves registry {config_version}",
                    c.registry_version
                )));
            }
            let mut state = default_session_builder(config)?;
            for f in udf::all(&builder_engine) {
                datafusion::execution::FunctionRegistry::register_udf(&mut state, f)?;
            }
            Ok(state)
        }));
    config.validate()?;
    let config = Arc::new(config);
    let listener = tokio::net::TcpListener::bind((opts.bind.as_str(), opts.port)).await?;
    let addr = listener.local_addr()?;
    let cluster = BallistaCluster::new_from_config(&config).await?;
    let scheduler =
        create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, config.clone()).await?;

    // Ballista's `start_grpc_service_with_listener`, without the REST API, plus the identity document.
    let max_decoding = config.grpc_server_max_decoding_message_size as usize;
    let max_encoding = config.grpc_server_max_encoding_message_size as usize;
    let grpc = SchedulerGrpcServer::new(scheduler)
        .max_encoding_message_size(max_encoding)
        .max_decoding_message_size(max_decoding);
    let proxy = BallistaFlightProxyService::new(max_decoding, max_encoding, config.use_tls, None);
    let mut routes = tonic::service::RoutesBuilder::default();
    routes.add_service(grpc);
    routes.add_service(
        arrow_flight::flight_service_server::FlightServiceServer::new(proxy)
            .max_decoding_message_size(max_decoding)
            .max_encoding_message_size(max_encoding),
    );
    let identity_json = Arc::new(serde_json::to_string(&identity)?);
    let router = routes.routes().into_axum_router().route(
        IDENTITY_PATH,
        axum::routing::get(move || {
            let body = identity_json.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body.as_str().to_owned(),
                )
            }
        }),
    );
    tracing::info!(
        "pwatch-batch scheduler listening on {addr}: registry {version}, screening rules {}, class rules as of {}",
        identity.rules_version,
        identity.as_of
    );
    ready(addr);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}

/// What `pwatch-batch executor` was asked.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// Scheduler host.
    pub scheduler_host: String,
    /// Scheduler port.
    pub scheduler_port: u16,
    /// Address to listen on.
    pub bind: String,
    /// Host name the scheduler and other executors reach this one by.
    pub external_host: Option<String>,
    /// Arrow Flight port (results and shuffles).
    pub port: u16,
    /// gRPC port.
    pub grpc_port: u16,
    /// Concurrent tasks (0: the number of cores).
    pub concurrency: usize,
    /// Working directory for shuffle files (default: a temporary directory).
    pub work_dir: Option<PathBuf>,
    /// How long to wait for the scheduler.
    pub connect_timeout: Duration,
}

/// Check the scheduler's identity, then run an executor with the UDFs registered until stopped.
/// `load` builds the engine for the date the scheduler applies class rules for.
pub async fn run_executor(
    load: impl FnOnce(chrono::NaiveDate) -> anyhow::Result<Arc<Engine>>,
    opts: ExecutorOptions,
) -> anyhow::Result<()> {
    let addr = format!("{}:{}", opts.scheduler_host, opts.scheduler_port);
    let theirs = fetch_identity(
        &opts.scheduler_host,
        opts.scheduler_port,
        opts.connect_timeout,
    )
    .await?;
    let as_of = theirs.as_of.parse::<chrono::NaiveDate>().map_err(|e| {
        anyhow::anyhow!(
            "scheduler {addr}: as_of {:?} is not a date: {e}",
            theirs.as_of
        )
    })?;
    let engine = load(as_of)?;
    check_identity(&addr, "executor", &theirs, &engine.identity())?;
    let mut functions = BallistaFunctionRegistry::default();
    for f in udf::all(&engine) {
        functions.scalar_functions.insert(f.name().to_string(), f);
    }
    let version = engine.registry_version().to_string();
    let config = ExecutorProcessConfig {
        bind_host: opts.bind.clone(),
        external_host: opts.external_host.clone(),
        port: opts.port,
        grpc_port: opts.grpc_port,
        scheduler_host: opts.scheduler_host.clone(),
        scheduler_port: opts.scheduler_port,
        scheduler_connect_timeout_seconds: u16::try_from(opts.connect_timeout.as_secs())
            .unwrap_or(u16::MAX),
        vcores: opts.concurrency,
        work_dir: opts
            .work_dir
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned()),
        print_thread_info: false,
        override_function_registry: Some(Arc::new(functions)),
        override_config_producer: Some(Arc::new(move || session_config(&version))),
        ..Default::default()
    };
    tracing::info!(
        "pwatch-batch executor joining {addr}: registry {}, class rules as of {as_of}",
        engine.registry_version()
    );
    start_executor_process(Arc::new(config)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use ballista_core::extension::SessionConfigHelperExt;

    use super::*;

    #[test]
    fn the_registry_version_travels_with_the_session_settings() {
        // What Ballista does: the client's settings as key-value pairs, applied to the other side's
        // configuration.
        let client = session_config("sha256:abc");
        let pairs = client.to_key_value_pairs();
        assert!(
            pairs
                .iter()
                .any(|p| p.key == "pwatch.registry_version"
                    && p.value.as_deref() == Some("sha256:abc")),
            "the setting is sent under its full key"
        );
        let server = session_config("").update_from_key_value_pair(&pairs);
        let got = server.options().extensions.get::<PwConfig>().cloned();
        assert_eq!(
            got.map(|c| c.registry_version).as_deref(),
            Some("sha256:abc")
        );
    }

    #[test]
    fn cluster_urls() {
        assert_eq!(
            parse_cluster_url("df://a.example:50050").ok(),
            Some(("a.example".to_string(), 50050))
        );
        assert_eq!(
            parse_cluster_url("10.0.0.1:7").ok(),
            Some(("10.0.0.1".to_string(), 7))
        );
        for bad in ["df://host", "df://:50050", "df://host:port", "http://h/x:1"] {
            assert!(parse_cluster_url(bad).is_err(), "{bad}");
        }
    }
}
