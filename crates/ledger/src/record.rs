//! What a leaf holds, byte for byte, so that anyone can recompute it.
//!
//! **The record** is one row of the platform's audit log (every mutation writes one, in the transaction of
//! the change; personal data in it are already SHA-256 hashes). Its canonical bytes are nine netstrings
//! (`<length in decimal ASCII>:<bytes>,`), in this order:
//!
//! 1. the format tag `pw-audit-v1`;
//! 2. `seq`, the audit row's sequence number, in decimal;
//! 3. `at`, its time in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six fractional digits);
//! 4. `actor` (a user id or `cli:<name>`);
//! 5. `org_id`, the actor's organisation — or, when it has none, the two bytes `~,` instead of a netstring;
//! 6. `action` (`create`, `approve`, `object`…);
//! 7. `entity` (`licence`, `notification`, `incident`…);
//! 8. `entity_id`;
//! 9. `detail`, the stored JSON text exactly as stored (not re-serialised).
//!
//! The record hash is SHA-256 of these bytes.
//!
//! **The leaf** (what the tree commits to, and what `GET /api/v1/log/leaf/{index}` and the entry bundles
//! serve) is four lines of ASCII, each ending in `\n`:
//!
//! ```text
//! pw-leaf-v1
//! kind notification.object
//! at 2026-11-24T09:15:02.123456Z
//! record sha256:<64 lowercase hex digits of the record hash>
//! ```
//!
//! `kind` is `<entity>.<action>` with every byte outside `a-z 0-9 _ -` replaced by `_`. The leaf hash is the
//! RFC 6962 leaf hash, SHA-256(0x00 ‖ leaf bytes). A leaf says what kind of thing happened and when, and
//! commits to the record; it names no organisation, person or record id, so the public log reveals no
//! tenant data. Record ids and actor ids are random (UUIDv4), so the record hash cannot be reversed by
//! guessing. Whoever holds the record (the parties to a notification) recomputes its hash, the leaf and
//! the leaf hash, and checks the leaf's inclusion under a signed checkpoint.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::{Hash, LedgerError};

/// Tag of the record format.
pub const RECORD_FORMAT: &str = "pw-audit-v1";
/// First line of the leaf format.
pub const LEAF_FORMAT: &str = "pw-leaf-v1";

/// One audit row, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// Audit sequence number.
    pub seq: i64,
    /// When (UTC, microseconds).
    pub at: DateTime<Utc>,
    /// Who (user id or `cli:<name>`).
    pub actor: String,
    /// The actor's organisation.
    pub org_id: Option<String>,
    /// What was done.
    pub action: String,
    /// To what kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// The change (JSON text as stored; personal data only as hashes).
    pub detail: String,
}

fn netstring(out: &mut Vec<u8>, field: &[u8]) {
    out.extend_from_slice(field.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(field);
    out.push(b',');
}

/// `at` as the formats write it.
pub fn format_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl AuditRecord {
    /// The canonical bytes (see the module documentation).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.detail.len());
        netstring(&mut out, RECORD_FORMAT.as_bytes());
        netstring(&mut out, self.seq.to_string().as_bytes());
        netstring(&mut out, format_time(&self.at).as_bytes());
        netstring(&mut out, self.actor.as_bytes());
        match &self.org_id {
            Some(o) => netstring(&mut out, o.as_bytes()),
            None => out.extend_from_slice(b"~,"),
        }
        netstring(&mut out, self.action.as_bytes());
        netstring(&mut out, self.entity.as_bytes());
        netstring(&mut out, self.entity_id.as_bytes());
        netstring(&mut out, self.detail.as_bytes());
        out
    }

    /// SHA-256 of the canonical bytes.
    pub fn record_hash(&self) -> [u8; 32] {
        sha2::Sha256::digest(self.canonical_bytes()).into()
    }

    /// The leaf that logs this record.
    pub fn leaf(&self) -> Leaf {
        Leaf {
            kind: kind(&self.entity, &self.action),
            at: format_time(&self.at),
            record_hash: self.record_hash(),
        }
    }
}

/// `<entity>.<action>`, restricted to `a-z 0-9 _ -` (other bytes become `_`).
pub fn kind(entity: &str, action: &str) -> String {
    let clean = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-' {
                    char::from(b)
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("{}.{}", clean(entity), clean(action))
}

/// A leaf: kind, time, record hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// `<entity>.<action>`.
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    pub at: String,
    /// SHA-256 of the record's canonical bytes.
    pub record_hash: [u8; 32],
}

impl Leaf {
    /// The leaf bytes (see the module documentation).
    pub fn data(&self) -> String {
        format!(
            "{LEAF_FORMAT}\nkind {}\nat {}\nrecord sha256:{}\n",
            self.kind,
            self.at,
            hex(&self.record_hash)
        )
    }

    /// The RFC 6962 leaf hash of [`Leaf::data`].
    pub fn leaf_hash(&self) -> Hash {
        crate::leaf_hash(self.data().as_bytes())
    }

    /// The record hash as `sha256:<hex>`.
    pub fn record_hash_text(&self) -> String {
        format!("sha256:{}", hex(&self.record_hash))
    }

    /// Parse leaf bytes; they must be exactly what [`Leaf::data`] writes.
    pub fn parse(data: &str) -> Result<Leaf, LedgerError> {
        let bad = |why: &str| LedgerError::malformed("leaf data", why.to_string());
        let mut lines = data.split_terminator('\n');
        if lines.next() != Some(LEAF_FORMAT) {
            return Err(bad("the first line is not pw-leaf-v1"));
        }
        let kind = lines
            .next()
            .and_then(|l| l.strip_prefix("kind "))
            .ok_or_else(|| bad("no kind line"))?;
        let at = lines
            .next()
            .and_then(|l| l.strip_prefix("at "))
            .ok_or_else(|| bad("no at line"))?;
        let rh = lines
            .next()
            .and_then(|l| l.strip_prefix("record sha256:"))
            .ok_or_else(|| bad("no record line"))?;
        if rh.len() != 64
            || !rh
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(bad("the record hash is not 64 lowercase hex digits"));
        }
        let mut record_hash = [0u8; 32];
        for (i, byte) in record_hash.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&rh[2 * i..2 * i + 2], 16)
                .map_err(|_| bad("the record hash is not hex"))?;
        }
        let leaf = Leaf {
            kind: kind.to_string(),
            at: at.to_string(),
            record_hash,
        };
        if leaf.data() != data {
            return Err(bad("not in canonical form"));
        }
        Ok(leaf)
    }
}

/// A leaf as served (`GET /api/v1/log/leaf/{index}`) and as `pwatch ledger verify-inclusion` reads it.
/// `record` is there when the reader holds the record (`GET /api/v1/log/records` for a record the caller may
/// see): the verifier then recomputes the leaf from it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeafDoc {
    /// Leaf index.
    pub index: u64,
    /// The leaf bytes (four lines).
    pub data: String,
    /// RFC 6962 leaf hash of `data`, base64.
    #[serde(default)]
    pub leaf_hash: Option<String>,
    /// The logged record, when the holder has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<AuditRecord>,
}

impl LeafDoc {
    /// The document of a leaf.
    pub fn new(index: u64, leaf: &Leaf, record: Option<AuditRecord>) -> LeafDoc {
        LeafDoc {
            index,
            data: leaf.data(),
            leaf_hash: Some(leaf.leaf_hash().to_string()),
            record,
        }
    }

    /// Check the document holds together (the data parses; the record, if any, gives this leaf; the leaf
    /// hash, if given, is the data's) and return the leaf hash.
    pub fn checked_leaf_hash(&self) -> Result<Hash, LedgerError> {
        let leaf = Leaf::parse(&self.data)?;
        if let Some(r) = &self.record {
            let from_record = r.leaf();
            if from_record != leaf {
                return Err(LedgerError::Mismatch(format!(
                    "the record (audit seq {}) gives the leaf\n{}but the document holds\n{}",
                    r.seq,
                    from_record.data(),
                    self.data
                )));
            }
        }
        let h = leaf.leaf_hash();
        if let Some(given) = &self.leaf_hash
            && crate::parse_hash("leaf_hash", given)? != h
        {
            return Err(LedgerError::Mismatch(format!(
                "leaf_hash {given} is not the hash of the data ({h})"
            )));
        }
        Ok(h)
    }
}

/// An inclusion proof as served.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InclusionProofDoc {
    /// Leaf index.
    pub index: u64,
    /// Tree size the proof is for.
    pub size: u64,
    /// The leaf hash (base64).
    pub leaf_hash: String,
    /// The audit path, leaf to root (base64 hashes).
    pub proof: Vec<String>,
}

/// A consistency proof as served.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProofDoc {
    /// The older tree size.
    pub old: u64,
    /// The newer tree size.
    pub new: u64,
    /// The proof (base64 hashes).
    pub proof: Vec<String>,
}

/// Parse a list of base64 hashes.
pub fn parse_hashes(field: &str, list: &[String]) -> Result<Vec<Hash>, LedgerError> {
    list.iter()
        .enumerate()
        .map(|(i, s)| crate::parse_hash(&format!("{field}[{i}]"), s))
        .collect()
}

/// Base64 hashes.
pub fn hash_strings(list: &[Hash]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record() -> AuditRecord {
        AuditRecord {
            seq: 42,
            at: Utc
                .with_ymd_and_hms(2026, 11, 24, 9, 15, 2)
                .single()
                .expect("time")
                + chrono::Duration::microseconds(123_456),
            actor: "usr_1".into(),
            org_id: None,
            action: "object".into(),
            entity: "notification".into(),
            entity_id: "pen_1".into(),
            detail: "{\"a\":1}".into(),
        }
    }

    #[test]
    fn canonical_bytes_are_as_documented() {
        let r = record();
        assert_eq!(
            String::from_utf8(r.canonical_bytes()).expect("utf8"),
            "11:pw-audit-v1,2:42,27:2026-11-24T09:15:02.123456Z,5:usr_1,~,6:object,12:notification,5:pen_1,7:{\"a\":1},"
        );
        let with_org = AuditRecord {
            org_id: Some(String::new()),
            ..r.clone()
        };
        assert_ne!(
            with_org.record_hash(),
            r.record_hash(),
            "NULL and '' differ"
        );
        let leaf = r.leaf();
        assert_eq!(leaf.kind, "notification.object");
        let data = leaf.data();
        assert!(data.starts_with(
            "pw-leaf-v1\nkind notification.object\nat 2026-11-24T09:15:02.123456Z\nrecord sha256:"
        ));
        assert_eq!(Leaf::parse(&data).expect("parse"), leaf);
        assert!(Leaf::parse(&data.replace("sha256:", "sha256:A")).is_err());
        assert!(Leaf::parse(&(data.clone() + "extra\n")).is_err());
        assert_eq!(kind("Entity X", "a.b"), "_ntity__.a_b");
    }

    #[test]
    fn a_changed_record_changes_the_leaf() {
        let r = record();
        let doc = LeafDoc::new(3, &r.leaf(), Some(r.clone()));
        assert!(doc.checked_leaf_hash().is_ok());
        let json = serde_json::to_string(&doc).expect("json");
        let back: LeafDoc = serde_json::from_str(&json).expect("parse");
        assert_eq!(back.checked_leaf_hash().ok(), Some(r.leaf().leaf_hash()));
        for changed in [
            AuditRecord {
                seq: 43,
                ..r.clone()
            },
            AuditRecord {
                detail: "{\"a\":2}".into(),
                ..r.clone()
            },
            AuditRecord {
                org_id: Some("org_x".into()),
                ..r.clone()
            },
            AuditRecord {
                at: r.at + chrono::Duration::microseconds(1),
                ..r.clone()
            },
        ] {
            let doc = LeafDoc {
                record: Some(changed),
                ..doc.clone()
            };
            assert!(
                doc.checked_leaf_hash()
                    .is_err_and(|e| e.is_verification_failure())
            );
        }
        let wrong_hash = LeafDoc {
            leaf_hash: Some(crate::leaf_hash(b"x").to_string()),
            ..doc.clone()
        };
        assert!(
            wrong_hash
                .checked_leaf_hash()
                .is_err_and(|e| e.is_verification_failure())
        );
    }
}
