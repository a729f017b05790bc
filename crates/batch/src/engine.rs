//! The libraries the UDFs call, built once per process from one registry.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use pw_classify::Classifier;
use pw_registry::Registry;
use pw_resolve::Resolver;
use pw_screen::{Rules, Screener};

/// Building the engine failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The registry does not load or validate.
    #[error("registry {where_} invalid: {problems}")]
    Registry {
        /// Embedded, or the directory.
        where_: String,
        /// The problems, one per line.
        problems: String,
    },
    /// The screening rules do not load.
    #[error("screening rules invalid: {0}")]
    Rules(String),
    /// The class rules do not compile.
    #[error("compiling class rules: {0}")]
    Classes(String),
    /// The screener cannot be built.
    #[error("building the screener: {0}")]
    Screener(String),
}

/// Registry, screener, classifier and resolver over one registry, with the date class rules are applied
/// for. Cheap to share (`Arc<Engine>`); every UDF holds one.
pub struct Engine {
    registry: Arc<Registry>,
    screener: Screener,
    classifier: Arc<Classifier>,
    resolver: Resolver,
    as_of: NaiveDate,
    source: Option<PathBuf>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("registry_version", &self.registry.version())
            .field("rules_version", &self.rules_version())
            .field("as_of", &self.as_of)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Load the registry (`dir`, or the one embedded in the binary) and build everything over it.
    /// `as_of` is the date class rules are applied for (default: today, UTC).
    pub fn load(dir: Option<&Path>, as_of: Option<NaiveDate>) -> Result<Engine, EngineError> {
        let registry = match dir {
            Some(d) => Registry::load_dir(d),
            None => Registry::embedded(),
        }
        .map_err(|e| EngineError::Registry {
            where_: dir.map_or_else(|| "(embedded)".to_string(), |d| d.display().to_string()),
            problems: e
                .0
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        })?;
        let registry = Arc::new(registry);
        let rules = Rules::embedded().map_err(|errors| {
            EngineError::Rules(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let classifier = Arc::new(
            Classifier::new(registry.clone()).map_err(|e| EngineError::Classes(e.to_string()))?,
        );
        let as_of = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
        let screener = Screener::new(&registry, rules, Some(classifier.clone()), as_of)
            .map_err(|e| EngineError::Screener(e.to_string()))?;
        let resolver = Resolver::new(registry.clone());
        Ok(Engine {
            registry,
            screener,
            classifier,
            resolver,
            as_of,
            source: dir.map(Path::to_path_buf),
        })
    }

    /// The engine over the embedded registry, built on first use and shared by the whole process.
    pub fn embedded() -> Result<Arc<Engine>, EngineError> {
        static EMBEDDED: OnceLock<Arc<Engine>> = OnceLock::new();
        if let Some(e) = EMBEDDED.get() {
            return Ok(e.clone());
        }
        let e = Arc::new(Engine::load(None, None)?);
        Ok(EMBEDDED.get_or_init(|| e).clone())
    }

    /// The registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The registry's content hash.
    pub fn registry_version(&self) -> &str {
        self.registry.version()
    }

    /// The screening rules' version.
    pub fn rules_version(&self) -> &str {
        &self.screener.rules().version
    }

    /// The screener.
    pub fn screener(&self) -> &Screener {
        &self.screener
    }

    /// The classifier.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// The resolver.
    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// The date class rules are applied for.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// Where the registry came from (`None`: embedded).
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// What every process of a cluster must agree on: registry, screening rules and the date class
    /// rules are applied for.
    pub fn identity(&self) -> crate::cluster::Identity {
        crate::cluster::Identity {
            registry_version: self.registry_version().to_string(),
            rules_version: self.rules_version().to_string(),
            as_of: self.as_of.to_string(),
            pw_batch: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}
