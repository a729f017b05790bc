//! Precursor Watch at scale: screening, classification and lookup as DataFusion scalar UDFs
//! (`pw_screen`, `pw_screen_json`, `pw_classify`, `pw_lookup`, `pw_registry_version`), run over files on
//! one machine or on an Apache Ballista cluster whose scheduler and executors are this crate's own
//! (`pwatch-batch scheduler|executor`). See README.md.
//!
//! This crate is its own cargo workspace, so that the main build (`pwatch`, `serve`, the test suite)
//! never compiles DataFusion or Ballista.

#![forbid(unsafe_code)]

pub mod cluster;
pub mod engine;
pub mod job;
pub mod output;
pub mod tables;
pub mod udf;
