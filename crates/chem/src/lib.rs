//! Chemical identifiers and structures, parsed strictly and explained when wrong.
//!
//! This crate is the project's own small chemistry API. It holds the identifier syntaxes that need no
//! structure toolkit: CAS Registry Numbers ([`Cas`]), InChIKeys ([`InchiKey`]) and molecular formulas
//! ([`Formula`]); and structure handling: [`Structure`] (SMILES or a V2000/V3000 MOL block in; standard
//! InChI/InChIKey, formula, mass, standardisation, [`Fingerprint`], a read-only graph, SVG out) and
//! [`Pattern`] (SMARTS). The toolkit underneath (`chematic`, DESIGN.md §7) appears nowhere in the public
//! API, so it can be swapped without touching callers. Identity is the **standard InChIKey**; canonical
//! SMILES is for display only.
//!
//! Every parser returns an error that says *what* is wrong and *where* (a byte offset into the input; a
//! line of a MOL block), because the people who read these errors are customs officers pasting identifiers
//! from declarations.

#![forbid(unsafe_code)]

mod cas;
mod formula;
mod inchikey;
mod molfile;
mod pattern;
mod structure;

pub use cas::{Cas, CasError, looks_like_cas};
pub use formula::{Formula, FormulaError};
pub use inchikey::{InchiKey, InchiKeyError};
pub use molfile::MAX_MOLBLOCK_BYTES;
pub use pattern::{MAX_SMARTS_BYTES, Pattern};
pub use structure::{
    AtomInfo, BondOrder, Fingerprint, MAX_HEAVY_ATOMS, MAX_SMILES_BYTES, Removed, Standardized,
    Structure, StructureError,
};
