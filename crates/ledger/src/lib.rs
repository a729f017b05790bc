//! The verifiable record of Precursor Watch: an append-only Merkle tree (RFC 6962 hashing) served as C2SP
//! `tlog-tiles`, with checkpoints in C2SP `tlog-checkpoint` text signed as C2SP `signed-note`s (Ed25519).
//!
//! - [`tree`]: the tree over a storage abstraction ([`HashStore`]: hashes in the "stored hash index"
//!   layout of Go's `sumdb/tlog`, about two per leaf), appends, roots at any earlier size, inclusion and
//!   consistency proofs and their verification.
//! - [`note`]: log keys (generation, the `PRIVATE+KEY+…` signer and `name+id+key` verifier formats),
//!   checkpoints, signing and verifying them.
//! - [`tiles`]: C2SP tile paths (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`), tile data and entry
//!   bundles.
//! - [`witness`]: C2SP `tlog-cosignature` (`cosignature/v1`): witness keys, the witness that cosigns a
//!   checkpoint only after checking the log's signature and a consistency proof from the last checkpoint it
//!   cosigned, and the verification of cosignatures.
//! - [`record`]: what a leaf holds — the canonical bytes of an audit row, their hash, and the public leaf
//!   text (kind, time, record hash; no personal or tenant data) — and the JSON documents the API serves and
//!   `pwatch ledger` reads.
//!
//! The hashing, the stored-hash layout and the proof algorithms are Cloudflare's `tlog_tiles` (a port of Go's
//! `sumdb/tlog`), and the notes and keys its `signed_note` (a port of Go's `sumdb/note`); this crate adds the
//! storage abstraction, C2SP tile paths (the crate's paths are Go's `tile/<H>/<L>/<N>`), entry bundles, the
//! leaf format and an error type that tells bad input from a failed verification.

//! **No database code here** (an invariant of the crate): everything in it is a pure function of bytes,
//! hashes and keys, over [`HashStore`] for storage. That is what lets `pwatch ledger verify-*` and a
//! witness check a log offline with nothing but files and a key — the verifier must not need (or trust)
//! the log operator's database — and what keeps the proofs testable against published vectors and
//! property tests without a server. The store (`pw-store`) implements the storage and the witness's memory
//! is a file the CLI keeps: persistence, transactions and locking are the callers' business.

#![forbid(unsafe_code)]

pub mod note;
pub mod record;
pub mod tiles;
pub mod tree;
pub mod witness;

pub use note::{Checkpoint, LogSigner, LogVerifier};
pub use record::{AuditRecord, ConsistencyProofDoc, InclusionProofDoc, Leaf, LeafDoc};
pub use tiles::{TileKind, TilePath, entry_bundle};
pub use tree::{
    FileStore, HashStore, Log, MapStore, MemoryStore, append_batch, append_reads,
    prove_consistency, prove_inclusion, reads, root, stored_hash_count, stored_hash_index,
    stored_hashes_for_leaf, verify_consistency, verify_inclusion,
};
pub use witness::{
    Cosignature, CosignatureVerifier, Cosigned, Witness, WitnessKey, WitnessState, WitnessedHead,
    append_cosignatures,
};

/// A SHA-256 hash (a leaf hash, an interior node or a tree root); displays as standard base64.
pub use tlog_tiles::Hash;

/// Bytes in a hash.
pub const HASH_SIZE: usize = 32;

/// The RFC 6962 leaf hash: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    tlog_tiles::record_hash(data)
}

/// The RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: Hash, right: Hash) -> Hash {
    tlog_tiles::node_hash(left, right)
}

/// The root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).
pub const EMPTY_ROOT: Hash = tlog_tiles::EMPTY_HASH;

/// Parse a base64 hash (as in checkpoints, proofs and the API's documents).
pub fn parse_hash(field: &str, s: &str) -> Result<Hash, LedgerError> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| LedgerError::malformed(field, format!("not base64: {e}")))?;
    let arr: [u8; HASH_SIZE] = bytes.try_into().map_err(|b: Vec<u8>| {
        LedgerError::malformed(field, format!("{} bytes, a hash has {HASH_SIZE}", b.len()))
    })?;
    Ok(Hash(arr))
}

/// A hash as standard base64.
pub fn hash_b64(h: &Hash) -> String {
    h.to_string()
}

/// What went wrong. [`LedgerError::is_verification_failure`] tells a proof, root or signature that does not
/// check out (exit 1 in `pwatch ledger`) from input that cannot be read (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The proof does not lead from the leaf (or old tree) to the root.
    #[error("the proof does not verify: {0}")]
    InvalidProof(String),
    /// A signature is missing, made with another key, or wrong.
    #[error("signature: {0}")]
    BadSignature(String),
    /// The documents disagree (a leaf whose data is not its record's, a proof for another size…).
    #[error("mismatch: {0}")]
    Mismatch(String),
    /// A value cannot be parsed (the field and why).
    #[error("{field}: {message}")]
    Malformed {
        /// The field or document.
        field: String,
        /// Why.
        message: String,
    },
    /// An argument is out of range (an index not below the tree size…).
    #[error("{0}")]
    Range(String),
    /// The hash storage failed.
    #[error("hash storage: {0}")]
    Storage(String),
    /// Reading or writing a file.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl LedgerError {
    pub(crate) fn malformed(field: &str, message: impl Into<String>) -> LedgerError {
        LedgerError::Malformed {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// A well-formed input that fails verification (as opposed to input that cannot be read).
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            LedgerError::InvalidProof(_) | LedgerError::BadSignature(_) | LedgerError::Mismatch(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6962_hashes() {
        // SHA-256 of the empty string, and of 0x00 (the leaf hash of empty data), as published in RFC 6962's
        // reference test data.
        assert_eq!(
            hash_b64(&EMPTY_ROOT),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        let empty_leaf = leaf_hash(b"");
        assert_eq!(
            empty_leaf
                .0
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let mut pre = vec![0x01];
        pre.extend_from_slice(&empty_leaf.0);
        pre.extend_from_slice(&empty_leaf.0);
        use sha2::Digest;
        let want: [u8; 32] = sha2::Sha256::digest(&pre).into();
        assert_eq!(node_hash(empty_leaf, empty_leaf).0, want);
    }

    #[test]
    fn parses_hashes() {
        let h = leaf_hash(b"x");
        assert_eq!(parse_hash("h", &hash_b64(&h)).ok(), Some(h));
        assert!(matches!(
            parse_hash("h", "AAAA"),
            Err(LedgerError::Malformed { .. })
        ));
        assert!(matches!(
            parse_hash("h", "!!"),
            Err(LedgerError::Malformed { .. })
        ));
    }
}
