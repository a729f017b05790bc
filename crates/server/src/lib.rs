//! The Precursor Watch HTTP server.
//!
//! An axum app over shared, immutable state ([`AppState`]: the registry, its resolver, the store). Handlers
//! are thin: they parse the request, call the same library functions as the CLI (`pw-resolve`, `pw-trade`)
//! and serialise the same report types, so the API and `pwatch --json` cannot drift apart. Errors go
//! through one type ([`AppError`]) with the shape of DESIGN.md §4. The OpenAPI document at
//! `/api/v1/openapi.json` is generated from the handlers' annotations and the report types.

#![forbid(unsafe_code)]

mod accounts;
mod api;
mod auth;
mod error;
mod flows;
mod idempotency;
mod incidents;
pub mod ledger;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use pw_classify::Classifier;
use pw_registry::Registry;
use pw_resolve::Resolver;
use pw_store::Store;
use tower_http::trace::TraceLayer;

pub use api::ApiDoc;
pub use auth::Caller;
pub use error::{AppError, ErrorBody};

/// Shared state of every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The registry.
    pub registry: Arc<Registry>,
    /// Its resolver.
    pub resolver: Arc<Resolver>,
    /// Its structure classifier.
    pub classifier: Arc<Classifier>,
    /// The text screener (registry names, screening rules, the classifier for SMILES in text).
    pub screener: Arc<pw_screen::Screener>,
    /// The store.
    pub store: Store,
    /// Days an importing authority has to reply to a notification when neither it nor the registry's PEN
    /// regime data sets a deadline (`pwatch serve --pen-response-days`).
    pub pen_response_days: u32,
    /// Mark the session cookie `Secure` (the server is reached over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// The transparency log's key and drainer (`pwatch serve --ledger-key`); disabled by default.
    pub ledger: ledger::Ledger,
}

/// The platform's reply deadline for notifications when no other is known.
pub const DEFAULT_PEN_RESPONSE_DAYS: u32 = 15;

/// Building the state failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A class rule did not compile.
    #[error("compiling class rules: {0}")]
    Classify(#[from] pw_classify::CompileError),
    /// The screening rules are invalid.
    #[error(transparent)]
    Screen(#[from] pw_screen::BuildError),
}

impl AppState {
    /// Build the state from a registry and a store, with the embedded screening rules.
    pub fn new(registry: Arc<Registry>, store: Store) -> Result<AppState, StateError> {
        let resolver = Arc::new(Resolver::new(registry.clone()));
        let classifier = Arc::new(Classifier::new(registry.clone())?);
        let rules = pw_screen::Rules::embedded().map_err(pw_screen::BuildError::Rules)?;
        // SMILES in screened texts are classified for the rules in force when the server started.
        let today = chrono::Utc::now().date_naive();
        let screener = Arc::new(pw_screen::Screener::new(
            &registry,
            rules,
            Some(classifier.clone()),
            today,
        )?);
        Ok(AppState {
            registry,
            resolver,
            classifier,
            screener,
            store,
            pen_response_days: DEFAULT_PEN_RESPONSE_DAYS,
            secure_cookies: false,
            ledger: ledger::Ledger::default(),
        })
    }
}

/// The whole app.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(web::routes())
        .route("/healthz", get(api::healthz))
        .nest(
            "/api/v1",
            api::routes().layer(axum::middleware::from_fn_with_state(
                state.clone(),
                idempotency::layer,
            )),
        )
        .layer(axum::middleware::from_fn(web::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ledger::kick,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    ledger::start(&state).await.map_err(std::io::Error::other)?;
    tracing::info!(%addr, registry = state.registry.version(), "listening");
    // The peer address feeds the per-client sign-in throttle.
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
