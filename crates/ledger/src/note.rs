//! Log keys and checkpoints.
//!
//! A checkpoint is the C2SP `tlog-checkpoint` text — the origin line, the tree size in decimal, the root hash
//! in standard base64, each ending in a newline — signed as a C2SP `signed-note`: a blank line, then
//! `— <key name> <base64(key id ‖ Ed25519 signature)>`. The key name is the log's origin. The key id is the
//! first four bytes (big-endian) of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), 0x01 being the Ed25519
//! algorithm byte.
//!
//! Keys use the Go / C2SP text formats: the signer key `PRIVATE+KEY+<name>+<id hex>+<base64(0x01 ‖ seed)>`
//! (secret; `pwatch ledger keygen` writes it to a file of mode 0600) and the verifier key
//! `<name>+<id hex>+<base64(0x01 ‖ public key)>` (public; `GET /api/v1/log/key`).

use std::fmt;

use base64::Engine;
use signed_note::{Note, Signer as _, StandardSigner, StandardVerifier, VerifierList};

use crate::{Hash, LedgerError};

/// The Ed25519 algorithm byte of signed-note keys.
const ALG_ED25519: u8 = 1;

/// A tree head: origin, size, root.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The log's origin (its key name).
    pub origin: String,
    /// Leaves.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

impl Checkpoint {
    /// The checkpoint body (C2SP `tlog-checkpoint`, no extension lines).
    pub fn text(&self) -> Result<String, LedgerError> {
        let c = tlog_tiles::Checkpoint::new(&self.origin, self.size, self.root, "")
            .map_err(|e| LedgerError::malformed("origin", e.to_string()))?;
        String::from_utf8(c.to_bytes()).map_err(|e| LedgerError::malformed("origin", e.to_string()))
    }

    /// Parse a checkpoint body (extension lines are allowed and ignored).
    pub fn parse(text: &[u8]) -> Result<Checkpoint, LedgerError> {
        let c = tlog_tiles::Checkpoint::from_bytes(text)
            .map_err(|e| LedgerError::malformed("checkpoint", e.to_string()))?;
        Ok(Checkpoint {
            origin: c.origin().to_string(),
            size: c.size(),
            root: *c.hash(),
        })
    }
}

fn valid_name(name: &str) -> Result<(), LedgerError> {
    if !signed_note::is_key_name_valid(name) {
        return Err(LedgerError::malformed(
            "origin",
            format!("{name:?}: a key name is non-empty, without spaces or '+'"),
        ));
    }
    Ok(())
}

/// The log's signing key.
#[derive(Clone)]
pub struct LogSigner {
    signer: StandardSigner,
    vkey: String,
}

impl fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSigner")
            .field("vkey", &self.vkey)
            .finish_non_exhaustive()
    }
}

impl LogSigner {
    /// A new random key named `origin` (e.g. `pwatch.example.org/ledger`); returns the signer and its
    /// secret key text (`PRIVATE+KEY+…`), to be written where only the server can read it.
    pub fn generate(origin: &str) -> Result<(LogSigner, String), LedgerError> {
        valid_name(origin)?;
        let (skey, _) = signed_note::generate_key(&mut rand_core::OsRng, origin);
        let signer = LogSigner::from_secret(&skey)?;
        Ok((signer, skey))
    }

    /// The key with this Ed25519 seed (deterministic keys for tests; a real log generates its key).
    pub fn from_seed(origin: &str, seed: [u8; 32]) -> Result<LogSigner, LedgerError> {
        valid_name(origin)?;
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        let mut pubkey = vec![ALG_ED25519];
        pubkey.extend_from_slice(public.as_bytes());
        let mut private = vec![ALG_ED25519];
        private.extend_from_slice(&seed);
        let skey = format!(
            "PRIVATE+KEY+{origin}+{:08x}+{}",
            signed_note::key_id(origin, &pubkey),
            base64::engine::general_purpose::STANDARD.encode(private)
        );
        LogSigner::from_secret(&skey)
    }

    /// Load a secret key text (`PRIVATE+KEY+<name>+<id>+<base64>`; surrounding white space ignored).
    pub fn from_secret(skey: &str) -> Result<LogSigner, LedgerError> {
        let skey = skey.trim();
        let signer = StandardSigner::new(skey)
            .map_err(|e| LedgerError::malformed("signer key", e.to_string()))?;
        // The verifier key: the public half of the seed in the last field.
        let b64 = skey
            .splitn(5, '+')
            .nth(4)
            .ok_or_else(|| LedgerError::malformed("signer key", "no key"))?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| LedgerError::malformed("signer key", e.to_string()))?;
        let seed: [u8; 32] = match raw.split_first() {
            Some((&ALG_ED25519, seed)) => seed
                .try_into()
                .map_err(|_| LedgerError::malformed("signer key", "not a 32-byte Ed25519 seed"))?,
            _ => return Err(LedgerError::malformed("signer key", "not an Ed25519 key")),
        };
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        let vkey = signed_note::new_ed25519_verifier_key(signer.name(), &public);
        Ok(LogSigner { signer, vkey })
    }

    /// The origin (key name).
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The verifier key text (`<name>+<id>+<base64>`).
    pub fn verifier_key(&self) -> &str {
        &self.vkey
    }

    /// The verifier for this key.
    pub fn verifier(&self) -> Result<LogVerifier, LedgerError> {
        LogVerifier::new(&self.vkey)
    }

    /// The signed note of the checkpoint of a tree of `size` leaves with root `root`.
    pub fn sign(&self, size: u64, root: Hash) -> Result<String, LedgerError> {
        let text = Checkpoint {
            origin: self.origin().to_string(),
            size,
            root,
        }
        .text()?;
        let mut note = Note::new(text.as_bytes(), &[])
            .map_err(|e| LedgerError::malformed("checkpoint", e.to_string()))?;
        note.add_sigs(&[&self.signer])
            .map_err(|e| LedgerError::BadSignature(e.to_string()))?;
        String::from_utf8(note.to_bytes())
            .map_err(|e| LedgerError::malformed("note", e.to_string()))
    }
}

/// A log's public key, to verify its checkpoints.
#[derive(Clone)]
pub struct LogVerifier {
    verifier: StandardVerifier,
    vkey: String,
}

impl fmt::Debug for LogVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogVerifier")
            .field("vkey", &self.vkey)
            .finish()
    }
}

impl LogVerifier {
    /// Load a verifier key text (`<name>+<id>+<base64>`; surrounding white space ignored). The key id must
    /// be the one the name and key give.
    pub fn new(vkey: &str) -> Result<LogVerifier, LedgerError> {
        let vkey = vkey.trim();
        let verifier = StandardVerifier::new(vkey)
            .map_err(|e| LedgerError::malformed("verifier key", e.to_string()))?;
        Ok(LogVerifier {
            verifier,
            vkey: vkey.to_string(),
        })
    }

    /// The key name: the origin its checkpoints must carry.
    pub fn origin(&self) -> &str {
        signed_note::Verifier::name(&self.verifier)
    }

    /// The key text.
    pub fn key(&self) -> &str {
        &self.vkey
    }

    /// Verify a signed checkpoint: a well-formed note with a valid signature by this key, whose text is a
    /// checkpoint with this key's origin. Signatures by other keys (witnesses) are allowed and ignored.
    pub fn verify(&self, note: &[u8]) -> Result<Checkpoint, LedgerError> {
        let parsed = Note::from_bytes(note)
            .map_err(|e| LedgerError::malformed("checkpoint note", e.to_string()))?;
        let known = VerifierList::new(vec![Box::new(self.verifier.clone())]);
        parsed.verify(&known).map_err(|e| {
            LedgerError::BadSignature(format!("no valid signature by {}: {e}", self.vkey))
        })?;
        let c = Checkpoint::parse(parsed.text())?;
        if c.origin != self.origin() {
            return Err(LedgerError::Mismatch(format!(
                "the checkpoint's origin is {:?}, the key's {:?}",
                c.origin,
                self.origin()
            )));
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    /// The example key and note of Go's `golang.org/x/mod/sumdb/note` documentation.
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
        then you don't know what your problem is.\n\n\
        — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn go_note_vectors() {
        let s = LogSigner::from_secret(PETER_SKEY).expect("skey");
        assert_eq!(s.verifier_key(), PETER_VKEY);
        // The key id by hand: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[..4].
        let key = base64::engine::general_purpose::STANDARD
            .decode(PETER_VKEY.splitn(3, '+').nth(2).expect("key"))
            .expect("b64");
        let mut h = sha2::Sha256::new();
        h.update(b"PeterNeumann\n");
        h.update(&key);
        let id = h.finalize();
        assert_eq!(
            format!("{:02x}{:02x}{:02x}{:02x}", id[0], id[1], id[2], id[3]),
            "c74f20a3"
        );
        // Ed25519 signatures are deterministic: signing the text gives the published note.
        let text = PETER_NOTE.split("\n\n").next().expect("text").to_string() + "\n";
        let mut note = Note::new(text.as_bytes(), &[]).expect("note");
        note.add_sigs(&[&s.signer]).expect("sign");
        assert_eq!(
            String::from_utf8(note.to_bytes()).expect("utf8"),
            PETER_NOTE
        );
    }

    #[test]
    fn checkpoints_sign_and_verify() {
        let (s, skey) = LogSigner::generate("pwatch.test/ledger").expect("key");
        assert!(skey.starts_with("PRIVATE+KEY+pwatch.test/ledger+"));
        let v = LogVerifier::new(s.verifier_key()).expect("vkey");
        assert_eq!(v.origin(), "pwatch.test/ledger");
        let root = crate::leaf_hash(b"x");
        let note = s.sign(7, root).expect("sign");
        let lines: Vec<&str> = note.lines().collect();
        assert_eq!(lines[0], "pwatch.test/ledger");
        assert_eq!(lines[1], "7");
        assert_eq!(lines[2], root.to_string());
        assert_eq!(lines[3], "");
        assert!(lines[4].starts_with("— pwatch.test/ledger "));
        let c = v.verify(note.as_bytes()).expect("verify");
        assert_eq!((c.size, c.root), (7, root));

        // Another key, a changed size, root or signature, a missing signature: all refused.
        let (other, _) = LogSigner::generate("pwatch.test/ledger").expect("key");
        let forged = other.sign(7, root).expect("sign");
        assert!(
            v.verify(forged.as_bytes())
                .is_err_and(|e| e.is_verification_failure())
        );
        let bigger = note.replacen("\n7\n", "\n8\n", 1);
        assert!(
            v.verify(bigger.as_bytes())
                .is_err_and(|e| e.is_verification_failure())
        );
        let other_root = note.replacen(&root.to_string(), &crate::leaf_hash(b"y").to_string(), 1);
        assert!(
            v.verify(other_root.as_bytes())
                .is_err_and(|e| e.is_verification_failure())
        );
        let unsigned = note.split("\n\n").next().expect("text").to_string() + "\n\n";
        assert!(v.verify(unsigned.as_bytes()).is_err());
        // A note by a key of another name is not this log's.
        let (stranger, _) = LogSigner::generate("someone.else/log").expect("key");
        assert!(
            v.verify(stranger.sign(7, root).expect("sign").as_bytes())
                .is_err()
        );
        assert!(LogSigner::generate("has space").is_err());
        assert!(LogVerifier::new("nonsense").is_err());
        assert!(LogSigner::from_secret("PRIVATE+KEY+x+00000000+AAAA").is_err());
    }
}
