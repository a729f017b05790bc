//! Witnessing: C2SP `tlog-cosignature` (`cosignature/v1`, Ed25519).
//!
//! A witness is another party (another authority's Precursor Watch instance) that keeps, for each log it
//! watches, the largest checkpoint it has cosigned. Shown a newer checkpoint, it checks the log's signature
//! and a consistency proof from its last size to the new one, and only then cosigns: its cosignature says
//! "as of this time, this is the largest tree of this log I have seen, and it extends every tree I saw
//! before". A reader who trusts the witness is then sure the log showed the same history to everyone who
//! checks cosignatures (no split view), without trusting the log.
//!
//! Format (c2sp.org/tlog-cosignature, v1.0.0): a cosignature is a signed-note signature line
//! `— <witness name> base64(key id ‖ timestamp ‖ signature)` added to the checkpoint's note, where
//! - the key id is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ Ed25519 public key)[:4] (0x04: the cosignature/v1 type);
//! - the timestamp is the POSIX time of cosigning in seconds, a big-endian u64 below 2^63;
//! - the signature is Ed25519 over `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint's whole
//!   note text (origin, size, root and any extension lines, with the final newline; no signature lines).
//!
//! Keys use the signed-note text formats with type byte 0x04: `PRIVATE+KEY+<name>+<id>+<base64(0x04 ‖
//! seed)>` (secret; `pwatch ledger keygen --witness`) and `<name>+<id>+<base64(0x04 ‖ public key)>` (the
//! verifier key a log operator configures with `pwatch serve --witness-key`).
//!
//! The note machinery (parsing, signature lines, key ids, which line belongs to which key) is the
//! `signed_note` crate's: [`WitnessKey`] and [`CosignatureVerifier`] implement its `Signer` and `Verifier`
//! traits. The released `signed_note` 0.2 only knows type 0x01 (plain Ed25519 note signatures); Cloudflare's
//! cosignature crate (`tlog_cosignature`) is not published on crates.io, hence this module.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use ed25519_dalek::{Signer as _, Verifier as _};
use serde::{Deserialize, Serialize};
use signed_note::{Note, Signature, VerifierList};

use crate::note::{Checkpoint, LogVerifier};
use crate::{Hash, LedgerError};

/// The signature type byte of `cosignature/v1` keys (C2SP tlog-cosignature).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// The largest timestamp a cosignature may carry (2^63 - 1).
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The message a `cosignature/v1` signs: the header line, the time line, the checkpoint's note text.
pub fn cosigned_message(timestamp: u64, checkpoint_text: &[u8]) -> Vec<u8> {
    let mut msg = format!("cosignature/v1\ntime {timestamp}\n").into_bytes();
    msg.extend_from_slice(checkpoint_text);
    msg
}

fn key_id(name: &str, public: &ed25519_dalek::VerifyingKey) -> u32 {
    let mut key = vec![ALG_COSIGNATURE_V1];
    key.extend_from_slice(public.as_bytes());
    signed_note::key_id(name, &key)
}

fn vkey_text(name: &str, public: &ed25519_dalek::VerifyingKey) -> String {
    let mut key = vec![ALG_COSIGNATURE_V1];
    key.extend_from_slice(public.as_bytes());
    format!("{name}+{:08x}+{}", key_id(name, public), B64.encode(key))
}

fn valid_name(field: &str, name: &str) -> Result<(), LedgerError> {
    if !signed_note::is_key_name_valid(name) {
        return Err(LedgerError::malformed(
            field,
            format!("{name:?}: a key name is non-empty, without spaces or '+'"),
        ));
    }
    Ok(())
}

/// A witness's signing key (Ed25519, `cosignature/v1`).
#[derive(Clone)]
pub struct WitnessKey {
    name: String,
    id: u32,
    key: ed25519_dalek::SigningKey,
    vkey: String,
}

impl fmt::Debug for WitnessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WitnessKey")
            .field("vkey", &self.vkey)
            .finish_non_exhaustive()
    }
}

impl WitnessKey {
    /// A new random key named `name` (a schema-less URL naming the witness, e.g.
    /// `pwatch.authority.example/witness`); returns the key and its secret text (`PRIVATE+KEY+…`).
    pub fn generate(name: &str) -> Result<(WitnessKey, String), LedgerError> {
        let mut seed = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
        let key = WitnessKey::from_seed(name, seed)?;
        let secret = key.secret_text();
        Ok((key, secret))
    }

    /// The key with this Ed25519 seed (deterministic keys for tests and vectors).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<WitnessKey, LedgerError> {
        valid_name("witness name", name)?;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let public = key.verifying_key();
        Ok(WitnessKey {
            name: name.to_string(),
            id: key_id(name, &public),
            vkey: vkey_text(name, &public),
            key,
        })
    }

    /// Load a secret key text (`PRIVATE+KEY+<name>+<id hex>+<base64(0x04 ‖ seed)>`; surrounding white space
    /// ignored). The key id must be the one the name and key give.
    pub fn from_secret(skey: &str) -> Result<WitnessKey, LedgerError> {
        let bad = |m: &str| LedgerError::malformed("witness key", m);
        let fields: Vec<&str> = skey.trim().splitn(5, '+').collect();
        let [p1, p2, name, id, b64] = fields[..] else {
            return Err(bad("not PRIVATE+KEY+<name>+<id>+<key>"));
        };
        if (p1, p2) != ("PRIVATE", "KEY") {
            return Err(bad("not PRIVATE+KEY+<name>+<id>+<key>"));
        }
        let raw = B64
            .decode(b64)
            .map_err(|e| bad(&format!("key not base64: {e}")))?;
        let seed: [u8; 32] = match raw.split_first() {
            Some((&ALG_COSIGNATURE_V1, seed)) => seed
                .try_into()
                .map_err(|_| bad("not a 32-byte Ed25519 seed"))?,
            Some((&1, _)) => {
                return Err(bad(
                    "a log signing key (type 0x01), not a witness key (type 0x04: `pwatch ledger keygen --witness`)",
                ));
            }
            _ => return Err(bad("not a cosignature/v1 (type 0x04) key")),
        };
        let key = WitnessKey::from_seed(name, seed)?;
        if id.len() != 8 || u32::from_str_radix(id, 16).ok() != Some(key.id) {
            return Err(bad(&format!(
                "key id {id} is not the key's ({:08x})",
                key.id
            )));
        }
        Ok(key)
    }

    fn secret_text(&self) -> String {
        let mut raw = vec![ALG_COSIGNATURE_V1];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            B64.encode(raw)
        )
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key text (`<name>+<id>+<base64(0x04 ‖ key)>`).
    pub fn verifier_key(&self) -> &str {
        &self.vkey
    }

    /// The verifier for this key.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
            vkey: self.vkey.clone(),
        }
    }

    /// The cosignature line (`— <name> <base64>`, no newline) of a checkpoint's note text at `timestamp`.
    /// Only signs: [`Witness::cosign`] is what checks the checkpoint first.
    pub fn cosign(&self, checkpoint_text: &[u8], timestamp: u64) -> Result<String, LedgerError> {
        if timestamp > MAX_TIMESTAMP {
            return Err(LedgerError::Range(format!(
                "timestamp {timestamp} exceeds 2^63 - 1"
            )));
        }
        Checkpoint::parse(checkpoint_text)?;
        struct At<'a>(&'a WitnessKey, u64);
        impl signed_note::Signer for At<'_> {
            fn name(&self) -> &str {
                &self.0.name
            }
            fn key_id(&self) -> u32 {
                self.0.id
            }
            fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
                let sig = self.0.key.try_sign(&cosigned_message(self.1, msg))?;
                let mut out = self.1.to_be_bytes().to_vec();
                out.extend_from_slice(&sig.to_bytes());
                Ok(out)
            }
        }
        let mut note = Note::new(checkpoint_text, &[])
            .map_err(|e| LedgerError::malformed("checkpoint", e.to_string()))?;
        note.add_sigs(&[&At(self, timestamp)])
            .map_err(|e| LedgerError::BadSignature(e.to_string()))?;
        let bytes = note.to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        text.lines()
            .last()
            .map(str::to_string)
            .ok_or_else(|| LedgerError::BadSignature("no signature line".into()))
    }
}

/// A witness's public key, to verify its cosignatures.
#[derive(Clone)]
pub struct CosignatureVerifier {
    name: String,
    id: u32,
    key: ed25519_dalek::VerifyingKey,
    vkey: String,
}

impl fmt::Debug for CosignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosignatureVerifier")
            .field("vkey", &self.vkey)
            .finish()
    }
}

impl signed_note::Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Some((ts, sig)) = split_timestamp(sig) else {
            return false;
        };
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        ts <= MAX_TIMESTAMP
            && self
                .key
                .verify(
                    &cosigned_message(ts, msg),
                    &ed25519_dalek::Signature::from_bytes(&sig),
                )
                .is_ok()
    }
}

fn split_timestamp(sig: &[u8]) -> Option<(u64, &[u8])> {
    let (ts, rest) = sig.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*ts), rest))
}

/// A verified cosignature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cosignature {
    /// The witness's name.
    pub witness: String,
    /// Its key id (hex).
    pub key_id: String,
    /// When it cosigned (POSIX seconds).
    pub timestamp: u64,
    /// The signature line (`— <name> <base64>`).
    pub line: String,
}

impl CosignatureVerifier {
    /// Load a verifier key text (`<name>+<id hex>+<base64(0x04 ‖ public key)>`; white space around ignored).
    pub fn new(vkey: &str) -> Result<CosignatureVerifier, LedgerError> {
        let vkey = vkey.trim();
        let bad = |m: String| LedgerError::malformed("witness verifier key", m);
        let fields: Vec<&str> = vkey.splitn(3, '+').collect();
        let [name, id, b64] = fields[..] else {
            return Err(bad(format!("{vkey:?} is not <name>+<id>+<key>")));
        };
        valid_name("witness name", name)?;
        let raw = B64
            .decode(b64)
            .map_err(|e| bad(format!("key not base64: {e}")))?;
        let public: [u8; 32] = match raw.split_first() {
            Some((&ALG_COSIGNATURE_V1, k)) => k
                .try_into()
                .map_err(|_| bad("not a 32-byte Ed25519 key".into()))?,
            Some((&1, _)) => {
                return Err(bad(
                    "a log key (type 0x01), not a witness key (type 0x04)".into()
                ));
            }
            _ => return Err(bad("not a cosignature/v1 (type 0x04) key".into())),
        };
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public)
            .map_err(|e| bad(format!("not an Ed25519 public key: {e}")))?;
        let want = key_id(name, &key);
        if id.len() != 8 || u32::from_str_radix(id, 16).ok() != Some(want) {
            return Err(bad(format!("key id {id} is not the key's ({want:08x})")));
        }
        Ok(CosignatureVerifier {
            name: name.to_string(),
            id: want,
            key,
            vkey: vkey.to_string(),
        })
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id, hex.
    pub fn key_id(&self) -> String {
        format!("{:08x}", self.id)
    }

    /// The key text.
    pub fn key(&self) -> &str {
        &self.vkey
    }

    /// Verify this witness's cosignature in a signed note (a checkpoint with its log's signature and
    /// cosignature lines): the note must be a checkpoint, hold a line of this witness (name and key id), and
    /// that line must verify. Lines of other keys are ignored.
    pub fn verify_note(&self, note: &[u8]) -> Result<Cosignature, LedgerError> {
        self.find_in_note(note)?.ok_or_else(|| {
            LedgerError::BadSignature(format!(
                "no cosignature by the witness {}+{:08x}",
                self.name, self.id
            ))
        })
    }

    /// [`CosignatureVerifier::verify_note`], with `None` when the note holds no line of this witness (a line
    /// of this witness that does not verify is an error).
    pub fn find_in_note(&self, note: &[u8]) -> Result<Option<Cosignature>, LedgerError> {
        let parsed = Note::from_bytes(note)
            .map_err(|e| LedgerError::malformed("checkpoint note", e.to_string()))?;
        Checkpoint::parse(parsed.text())?;
        let known = VerifierList::new(vec![Box::new(self.clone())]);
        let verified = match parsed.verify(&known) {
            Ok((verified, _)) => verified,
            Err(signed_note::NoteError::UnverifiedNote) => return Ok(None),
            Err(e) => {
                return Err(LedgerError::BadSignature(format!(
                    "the cosignature of {} does not verify: {e}",
                    self.name
                )));
            }
        };
        let Some(sig) = verified.first() else {
            return Ok(None);
        };
        let (timestamp, _) = split_timestamp(sig.signature())
            .ok_or_else(|| LedgerError::BadSignature("cosignature too short".into()))?;
        Ok(Some(Cosignature {
            witness: self.name.clone(),
            key_id: self.key_id(),
            timestamp,
            line: String::from_utf8_lossy(&sig.to_bytes())
                .trim_end()
                .to_string(),
        }))
    }

    /// Verify a cosignature line over a checkpoint's note text.
    pub fn verify_line(
        &self,
        checkpoint_text: &[u8],
        line: &str,
    ) -> Result<Cosignature, LedgerError> {
        let note = with_lines(checkpoint_text, &[], &[line.to_string()])?;
        self.verify_note(note.as_bytes())
    }
}

/// A note of `text` with the signature lines `sigs`, then `extra` (lines `— name base64`, without newline;
/// a line already present is not repeated).
fn with_lines(text: &[u8], sigs: &[Signature], extra: &[String]) -> Result<String, LedgerError> {
    let mut all: Vec<Signature> = sigs.to_vec();
    for line in extra {
        let s = Signature::from_bytes(line.trim_end().as_bytes())
            .map_err(|e| LedgerError::malformed("signature line", format!("{line:?}: {e}")))?;
        if !all.contains(&s) {
            all.push(s);
        }
    }
    let note =
        Note::new(text, &all).map_err(|e| LedgerError::malformed("checkpoint", e.to_string()))?;
    String::from_utf8(note.to_bytes()).map_err(|e| LedgerError::malformed("note", e.to_string()))
}

/// The signed note `note` with the cosignature `lines` appended (signed-note allows several signature
/// lines; readers ignore those of keys they do not know).
pub fn append_cosignatures(note: &str, lines: &[String]) -> Result<String, LedgerError> {
    let parsed = Note::from_bytes(note.as_bytes())
        .map_err(|e| LedgerError::malformed("checkpoint note", e.to_string()))?;
    // The signatures already there, as parsed (re-encoding them is byte-identical).
    let existing: Vec<Signature> = String::from_utf8_lossy(note.as_bytes())
        .rsplit_once("\n\n")
        .map(|(_, sigs)| {
            sigs.lines()
                .filter_map(|l| Signature::from_bytes(l.as_bytes()).ok())
                .collect()
        })
        .unwrap_or_default();
    with_lines(parsed.text(), &existing, lines)
}

/// The note text (checkpoint body) of a signed note.
pub fn note_text(note: &[u8]) -> Result<Vec<u8>, LedgerError> {
    Note::from_bytes(note)
        .map(|n| n.text().to_vec())
        .map_err(|e| LedgerError::malformed("checkpoint note", e.to_string()))
}

/// What a witness remembers of one log: the largest checkpoint it cosigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessedHead {
    /// The log's verifier key (a log seen under another key is refused, not silently re-keyed).
    pub log_key: String,
    /// Tree size.
    pub size: u64,
    /// Root hash (base64).
    pub root: String,
    /// When the witness cosigned it (POSIX seconds).
    pub cosigned_at: u64,
}

/// A witness's memory, by log origin (kept in a file by `pwatch ledger witness --state`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessState {
    /// The largest checkpoint cosigned per origin.
    pub logs: BTreeMap<String, WitnessedHead>,
}

/// What [`Witness::cosign`] produced.
#[derive(Debug, Clone)]
pub struct Cosigned {
    /// The checkpoint cosigned.
    pub checkpoint: Checkpoint,
    /// The size the witness had cosigned before (`None`: the first checkpoint it saw of this log).
    pub previous: Option<u64>,
    /// The cosignature.
    pub cosignature: Cosignature,
    /// The checkpoint's note with the cosignature line appended.
    pub note: String,
}

/// A witness: its key and what it has cosigned.
#[derive(Debug, Clone)]
pub struct Witness {
    key: WitnessKey,
    state: WitnessState,
}

impl Witness {
    /// A witness with this key and memory.
    pub fn new(key: WitnessKey, state: WitnessState) -> Witness {
        Witness { key, state }
    }

    /// Its key.
    pub fn key(&self) -> &WitnessKey {
        &self.key
    }

    /// Its memory (to be saved before the cosignature is handed out).
    pub fn state(&self) -> &WitnessState {
        &self.state
    }

    /// The largest checkpoint cosigned of a log: size and root.
    pub fn last(&self, origin: &str) -> Result<Option<(u64, Hash)>, LedgerError> {
        self.state
            .logs
            .get(origin)
            .map(|h| Ok((h.size, crate::parse_hash("root", &h.root)?)))
            .transpose()
    }

    /// Check a new checkpoint of the log `log` and cosign it at `now` (POSIX seconds):
    /// 1. the note must carry a valid signature of `log`'s key, on a checkpoint of its origin;
    /// 2. a log already seen under another key is refused;
    /// 3. against the largest checkpoint cosigned before (none: the first one is taken as it is), a smaller
    ///    size is a rollback, the same size with another root a fork, and a larger size needs `proof`, a
    ///    consistency proof from the old size to the new one, that verifies;
    /// 4. only then is the cosignature made and the memory updated.
    ///
    /// Refusals are verification failures ([`LedgerError::is_verification_failure`]) naming what was wrong.
    pub fn cosign(
        &mut self,
        log: &LogVerifier,
        note: &[u8],
        proof: &[Hash],
        now: u64,
    ) -> Result<Cosigned, LedgerError> {
        let c = log.verify(note)?;
        let previous = match self.state.logs.get(&c.origin) {
            Some(h) if h.log_key != log.key() => {
                return Err(LedgerError::Mismatch(format!(
                    "this witness knows the log {} under the key {}, not {}",
                    c.origin,
                    h.log_key,
                    log.key()
                )));
            }
            Some(h) => Some((h.size, crate::parse_hash("root", &h.root)?)),
            None => None,
        };
        if let Some((old_size, old_root)) = previous {
            if c.size < old_size {
                return Err(LedgerError::Mismatch(format!(
                    "the log {} rolled back: this checkpoint has {} leaves, the witness cosigned {old_size}",
                    c.origin, c.size
                )));
            }
            if c.size == old_size && c.root != old_root {
                return Err(LedgerError::Mismatch(format!(
                    "the log {} forked: its tree of {} leaves has root {}, the witness cosigned root {old_root}",
                    c.origin, c.size, c.root
                )));
            }
            if c.size > old_size {
                crate::verify_consistency(proof, old_size, old_root, c.size, c.root).map_err(
                    |e| {
                        LedgerError::InvalidProof(format!(
                            "the checkpoint of {} leaves does not extend the tree of {old_size} leaves the witness cosigned (a fork or a rewritten log): {e}",
                            c.size
                        ))
                    },
                )?;
            }
        }
        let text = note_text(note)?;
        let line = self.key.cosign(&text, now)?;
        let cosignature = Cosignature {
            witness: self.key.name.clone(),
            key_id: format!("{:08x}", self.key.id),
            timestamp: now,
            line: line.clone(),
        };
        let out_note = append_cosignatures(&String::from_utf8_lossy(note), &[line])?;
        self.state.logs.insert(
            c.origin.clone(),
            WitnessedHead {
                log_key: log.key().to_string(),
                size: c.size,
                root: c.root.to_string(),
                cosigned_at: now,
            },
        );
        Ok(Cosigned {
            previous: previous.map(|p| p.0),
            checkpoint: c,
            cosignature,
            note: out_note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LogSigner, MemoryStore};

    /// The checkpoint body of the example in c2sp.org/tlog-cosignature.
    const SPEC_BODY: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn the_spec_example() {
        // The signed message the spec spells out for its example (time 1679315147).
        assert_eq!(
            String::from_utf8(cosigned_message(1679315147, SPEC_BODY.as_bytes())).expect("utf8"),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n\
             CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
        // The spec's cosignature line: key id ‖ u64 timestamp ‖ 64-byte signature, and the timestamp is the
        // one of its signed-message example. (The spec does not publish the witness's key, so the signature
        // itself cannot be checked here; see `an_independent_vector`.)
        let raw = B64
            .decode("jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==")
            .expect("b64");
        assert_eq!(raw.len(), 4 + 8 + 64);
        let (ts, sig) = split_timestamp(&raw[4..]).expect("timestamp");
        assert_eq!((ts, sig.len()), (1679315147, 64));
    }

    /// A vector made with another implementation (Python's `cryptography`, Ed25519 from OpenSSL): seed
    /// 0x5a × 32, name `witness.example.com/w1`, the spec's example checkpoint, time 1679315147. Ed25519 is
    /// deterministic, so our key, key id, verifier key and line must be these bytes exactly.
    #[test]
    fn an_independent_vector() {
        const VKEY: &str =
            "witness.example.com/w1+b2c8b3a0+BA11UHVOCACl0jfu9YJgNXZrmz5aFYaKlAqyiZWHiOOw";
        const SKEY: &str = "PRIVATE+KEY+witness.example.com/w1+b2c8b3a0+BFpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa";
        const LINE: &str = "— witness.example.com/w1 ssizoAAAAABkGFDLBC3+J3phYDgKyL+KnGHUOREMmsXeAkCXu7jOFagOdw0EOHak4lzvxNlHpivNMbTVccB/mo3XWrp62UAjSNDtDg==";
        let k = WitnessKey::from_seed("witness.example.com/w1", [0x5a; 32]).expect("key");
        assert_eq!(k.verifier_key(), VKEY);
        assert_eq!(k.secret_text(), SKEY);
        assert_eq!(
            WitnessKey::from_secret(SKEY).expect("skey").verifier_key(),
            VKEY
        );
        assert_eq!(
            k.cosign(SPEC_BODY.as_bytes(), 1679315147).expect("cosign"),
            LINE
        );
        let v = CosignatureVerifier::new(VKEY).expect("vkey");
        let c = v.verify_line(SPEC_BODY.as_bytes(), LINE).expect("verify");
        assert_eq!(
            (c.witness.as_str(), c.key_id.as_str(), c.timestamp),
            ("witness.example.com/w1", "b2c8b3a0", 1679315147)
        );
        // Another time, another body, another key: refused.
        let other_time = k.cosign(SPEC_BODY.as_bytes(), 1679315148).expect("cosign");
        let forged = format!(
            "— witness.example.com/w1 {}",
            B64.encode(
                [
                    &B64.decode(LINE.rsplit(' ').next().expect("b64"))
                        .expect("b64")[..4],
                    &1679315148u64.to_be_bytes()[..],
                    &B64.decode(LINE.rsplit(' ').next().expect("b64"))
                        .expect("b64")[12..],
                ]
                .concat()
            )
        );
        assert!(v.verify_line(SPEC_BODY.as_bytes(), &other_time).is_ok());
        assert!(
            v.verify_line(SPEC_BODY.as_bytes(), &forged)
                .is_err_and(|e| e.is_verification_failure()),
            "a changed timestamp must break the signature"
        );
        let other_body = SPEC_BODY.replace("20852163", "20852164");
        assert!(
            v.verify_line(other_body.as_bytes(), LINE)
                .is_err_and(|e| e.is_verification_failure())
        );
        let stranger = WitnessKey::from_seed("witness.example.com/w1", [1; 32]).expect("key");
        let by_stranger = stranger
            .cosign(SPEC_BODY.as_bytes(), 1679315147)
            .expect("cosign");
        assert!(
            v.verify_line(SPEC_BODY.as_bytes(), &by_stranger)
                .is_err_and(|e| e.is_verification_failure())
        );
    }

    #[test]
    fn keys_parse_and_refuse() {
        let (k, skey) = WitnessKey::generate("pwatch.test/witness").expect("key");
        assert!(skey.starts_with("PRIVATE+KEY+pwatch.test/witness+"));
        assert_eq!(
            WitnessKey::from_secret(&format!("\n{skey}\n"))
                .expect("skey")
                .verifier_key(),
            k.verifier_key()
        );
        // A log key is not a witness key, in either direction; a wrong key id is refused.
        let (log, log_skey) = LogSigner::generate("pwatch.test/log").expect("log key");
        assert!(WitnessKey::from_secret(&log_skey).is_err());
        assert!(CosignatureVerifier::new(log.verifier_key()).is_err());
        assert!(LogVerifier::new(k.verifier_key()).is_err());
        let mut parts: Vec<&str> = k.verifier_key().splitn(3, '+').collect();
        parts[1] = "00000000";
        assert!(CosignatureVerifier::new(&parts.join("+")).is_err());
        assert!(CosignatureVerifier::new("nonsense").is_err());
        assert!(WitnessKey::generate("has space").is_err());
        assert!(
            k.cosign(b"not a checkpoint\n", 1)
                .is_err_and(|e| !e.is_verification_failure())
        );
        assert!(k.cosign(SPEC_BODY.as_bytes(), MAX_TIMESTAMP + 1).is_err());
    }

    /// A log of `n` leaves whose data starts with `tag`.
    fn log(tag: &str, n: u64) -> crate::Log<MemoryStore> {
        let mut l = crate::Log::new(MemoryStore::new(), 0);
        for i in 0..n {
            l.append(format!("{tag} {i}").as_bytes()).expect("append");
        }
        l
    }

    #[test]
    fn the_witness_cosigns_only_a_consistent_log() {
        let signer = LogSigner::from_seed("pwatch.test/log", [3; 32]).expect("log key");
        let verifier = signer.verifier().expect("verifier");
        let key = WitnessKey::from_seed("pwatch.test/witness", [4; 32]).expect("key");
        let wv = key.verifier();
        let mut w = Witness::new(key, WitnessState::default());
        let honest = log("leaf", 40);
        let note = |l: &crate::Log<MemoryStore>, size: u64| {
            signer
                .sign(size, l.root_at(size).expect("root"))
                .expect("sign")
        };

        // First sight: taken as it is.
        let first = w
            .cosign(&verifier, note(&honest, 10).as_bytes(), &[], 1_700_000_000)
            .expect("first");
        assert_eq!((first.checkpoint.size, first.previous), (10, None));
        // The cosigned note still verifies as the log's, and the cosignature verifies offline.
        assert_eq!(
            verifier
                .verify(first.note.as_bytes())
                .expect("log sig")
                .size,
            10
        );
        let c = wv.verify_note(first.note.as_bytes()).expect("cosig");
        assert_eq!(c, first.cosignature);
        assert_eq!(c.timestamp, 1_700_000_000);

        // Growth with a valid consistency proof.
        let proof = honest.prove_consistency(10, 25).expect("proof");
        let second = w
            .cosign(
                &verifier,
                note(&honest, 25).as_bytes(),
                &proof,
                1_700_000_060,
            )
            .expect("consistent");
        assert_eq!(second.previous, Some(10));
        assert_eq!(
            w.last("pwatch.test/log").expect("last").map(|l| l.0),
            Some(25)
        );
        // The same checkpoint again: fine (no proof needed).
        w.cosign(&verifier, note(&honest, 25).as_bytes(), &[], 1_700_000_070)
            .expect("same");

        // A rolled-back size.
        let e = w
            .cosign(&verifier, note(&honest, 20).as_bytes(), &[], 1_700_000_080)
            .expect_err("rollback");
        assert!(
            e.is_verification_failure() && e.to_string().contains("rolled back"),
            "{e}"
        );

        // A forked tree: same log key, another history.
        let fork = log("other", 40);
        let e = w
            .cosign(&verifier, note(&fork, 25).as_bytes(), &[], 1_700_000_090)
            .expect_err("fork at the same size");
        assert!(e.to_string().contains("forked"), "{e}");
        let fork_proof = fork.prove_consistency(25, 30).expect("proof");
        let e = w
            .cosign(
                &verifier,
                note(&fork, 30).as_bytes(),
                &fork_proof,
                1_700_000_100,
            )
            .expect_err("fork at a larger size");
        assert!(
            e.is_verification_failure() && e.to_string().contains("does not extend"),
            "{e}"
        );
        // A wrong or missing proof for an honest checkpoint.
        let e = w
            .cosign(&verifier, note(&honest, 30).as_bytes(), &[], 1_700_000_110)
            .expect_err("no proof");
        assert!(e.is_verification_failure(), "{e}");
        let wrong = honest
            .prove_consistency(10, 30)
            .expect("proof for another size");
        assert!(
            w.cosign(
                &verifier,
                note(&honest, 30).as_bytes(),
                &wrong,
                1_700_000_120
            )
            .is_err()
        );

        // A checkpoint signed by another key of the same name.
        let (impostor, _) = LogSigner::generate("pwatch.test/log").expect("key");
        let forged = impostor
            .sign(30, honest.root_at(30).expect("root"))
            .expect("sign");
        let proof = honest.prove_consistency(25, 30).expect("proof");
        let e = w
            .cosign(&verifier, forged.as_bytes(), &proof, 1_700_000_130)
            .expect_err("wrong log key");
        assert!(e.is_verification_failure(), "{e}");
        // The witness knows the log under its key: the impostor's own verifier is refused too.
        let e = w
            .cosign(
                &impostor.verifier().expect("v"),
                forged.as_bytes(),
                &proof,
                1_700_000_140,
            )
            .expect_err("re-keyed log");
        assert!(e.to_string().contains("under the key"), "{e}");

        // None of the refusals moved the witness's memory; the honest checkpoint still goes through.
        assert_eq!(
            w.last("pwatch.test/log").expect("last").map(|l| l.0),
            Some(25)
        );
        w.cosign(
            &verifier,
            note(&honest, 30).as_bytes(),
            &proof,
            1_700_000_150,
        )
        .expect("honest");

        // The state round-trips through JSON (the CLI's state file).
        let json = serde_json::to_string(w.state()).expect("json");
        let back: WitnessState = serde_json::from_str(&json).expect("parse");
        assert_eq!(&back, w.state());
    }

    #[test]
    fn cosignatures_append_to_a_note() {
        let signer = LogSigner::from_seed("pwatch.test/log", [3; 32]).expect("log key");
        let note = signer.sign(1, crate::leaf_hash(b"x")).expect("sign");
        let text = note_text(note.as_bytes()).expect("text");
        let (a, b) = (
            WitnessKey::from_seed("w.test/a", [5; 32]).expect("a"),
            WitnessKey::from_seed("w.test/b", [6; 32]).expect("b"),
        );
        let la = a.cosign(&text, 100).expect("a");
        let lb = b.cosign(&text, 200).expect("b");
        let both =
            append_cosignatures(&note, &[la.clone(), lb.clone(), la.clone()]).expect("append");
        assert!(both.starts_with(&note), "{both}");
        assert_eq!(both.lines().filter(|l| l.starts_with("— ")).count(), 3);
        assert_eq!(
            a.verifier()
                .verify_note(both.as_bytes())
                .expect("a")
                .timestamp,
            100
        );
        assert_eq!(
            b.verifier()
                .verify_note(both.as_bytes())
                .expect("b")
                .timestamp,
            200
        );
        signer
            .verifier()
            .expect("v")
            .verify(both.as_bytes())
            .expect("the log's signature still verifies");
        // A witness that did not cosign: refused, naming it.
        let c = WitnessKey::from_seed("w.test/c", [7; 32]).expect("c");
        assert!(
            c.verifier()
                .verify_note(both.as_bytes())
                .is_err_and(|e| e.to_string().contains("no cosignature"))
        );
        // A corrupted cosignature line of a known witness: refused.
        let sig = la.rsplit(' ').next().expect("b64");
        let mut raw = B64.decode(sig).expect("b64");
        raw[20] ^= 1;
        let bad = la.replace(sig, &B64.encode(raw));
        let corrupted = append_cosignatures(&note, &[bad]).expect("append");
        assert!(
            a.verifier()
                .verify_note(corrupted.as_bytes())
                .is_err_and(|e| e.is_verification_failure())
        );
        assert!(append_cosignatures(&note, &["not a line".into()]).is_err());
    }
}
