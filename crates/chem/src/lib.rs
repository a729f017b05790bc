//! Chemical identifiers, parsed strictly and explained when wrong.
//!
//! This crate is the project's own small chemistry API. Today it holds the identifier syntaxes that need no
//! structure toolkit: CAS Registry Numbers ([`Cas`]), InChIKeys ([`InchiKey`]) and molecular formulas
//! ([`Formula`]). Structure handling (SMILES, standardisation, fingerprints) will live here too, behind the
//! same kind of narrow API, so that the toolkit underneath can be swapped without touching callers.
//!
//! Every parser returns an error that says *what* is wrong and *where* (a byte offset into the input), because
//! the people who read these errors are customs officers pasting identifiers from declarations.

#![forbid(unsafe_code)]

mod cas;
mod formula;
mod inchikey;

pub use cas::{Cas, CasError, looks_like_cas};
pub use formula::{Formula, FormulaError};
pub use inchikey::{InchiKey, InchiKeyError};
