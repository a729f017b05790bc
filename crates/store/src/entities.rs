//! Entities — companies and persons seen in applications, notifications and incidents — with their
//! identifiers; each authority's watch list; and fuzzy matching of names against what a viewer may see.
//!
//! An entity is recorded by one organisation and seen by it; linking it to an incident shows its name and
//! identifiers to everyone who sees the incident (the tenant rules are in `access.rs`). A person's name is
//! personal data: the audit log holds it, and every identifier of a person, only as
//! [`personal_hash`](crate::personal_hash); e-mail addresses, phone numbers and messenger handles are hashed
//! for companies too (they often name a person).
//!
//! # Name matching
//!
//! [`Store::entity_flags`] compares names (a consignee, an exporter) with the entities the viewer may see —
//! its own, those linked to incidents it sees, those on its watch list — and returns the pairs scoring at
//! least [`MATCH_THRESHOLD`]. Names are first reduced to tokens ([`name_tokens`]):
//!
//! 1. compatibility decomposition (NFKD: full-width letters, ligatures), accents dropped, lower case;
//! 2. apostrophes and hyphens join (`Bio-Tech` → `biotech`, `O'Neil` → `oneil`); `&` is `and`; dots join
//!    initials (`S.A.` → `sa`, `C.V.` → `cv`) and otherwise separate (`Co.Ltd` → `co ltd`); any other
//!    punctuation separates;
//! 3. a few spellings are made one ([`ABBREVIATIONS`]: `technology` → `tech`, `biotechnology` → `biotech`,
//!    `pharmaceutical(s)` → `pharma`, `international` → `intl`, `laboratory/ies` → `lab`,
//!    `industry/ies/industrial` → `ind`);
//! 4. legal-form words are dropped wherever they stand ([`LEGAL_FORMS`]: co, company, corp, corporation,
//!    inc, incorporated, ltd, limited, llc, llp, lp, plc, gmbh, mbh, ag, kg, sa, sas, sarl, srl, sl, spa,
//!    sapi, bv, nv, pte, pvt, pty, kk, sdn, bhd, ooo, coltd; and `de` before `cv`/`rl`, `s` before
//!    `de rl`, a leading `the`), and Chinese company suffixes (有限公司, 有限责任公司, 股份有限公司, 公司) are
//!    cut from the last token;
//! 5. the generic trade words [`DESCRIPTORS`] (`trading`, `chemical`, `chemicals`) are dropped only when at
//!    least two other tokens remain, so `Hubei Amarvel Chemical Co.` matches `Hubei Amarvel` but
//!    `Hubei Chemical Co.` does not shrink to `Hubei` (and match every Hubei company);
//! 6. if nothing is left, the tokens before steps 4–5 are used.
//!
//! Two token lists score the best normalised Levenshtein similarity (`strsim`) of their tokens joined
//! without spaces, in the order written and in sorted order (so word order, `Bio Tech`/`Biotech` and
//! `PÉREZ LÓPEZ, Juan` / `Juan Pérez López` do not matter). Names whose joined key is shorter than
//! [`MIN_FUZZY_CHARS`] characters match only exactly. At the threshold of 0.92 one edit is tolerated from
//! 13 characters on, two from 25: a typo or a transliteration in a long company name flags, `Li Wei` /
//! `Li Wen` does not. Names that differ in one letter of a distinctive word (`Hubei`/`Hebei` in otherwise
//! identical generic names) do flag: a flag asks an officer to look, it decides nothing. Matching reads
//! every entity the viewer may see and compares in memory (linear in their number).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::access::{Listing, Page, Viewer, country};
use crate::incidents::{VISIBLE, clean, sees_all};
use crate::platform::{invalid, new_id, now};
use crate::{OrgKind, Store, StoreError, personal_hash};

/// A name pair scoring at least this flags.
pub const MATCH_THRESHOLD: f64 = 0.92;
/// Names whose key (tokens joined) is shorter than this match only exactly.
pub const MIN_FUZZY_CHARS: usize = 5;

/// Entity kinds.
pub const ENTITY_KINDS: [&str; 2] = ["company", "person"];
/// Identifier types.
pub const IDENTIFIER_TYPES: [&str; 9] = [
    "registration_number",
    "tax_id",
    "address",
    "web_shop",
    "email",
    "phone",
    "messenger",
    "crypto_wallet",
    "other",
];

/// Legal-form words dropped from names before matching.
pub const LEGAL_FORMS: &[&str] = &[
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "plc",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "srl",
    "sl",
    "spa",
    "sapi",
    "bv",
    "nv",
    "pte",
    "pvt",
    "pty",
    "kk",
    "sdn",
    "bhd",
    "ooo",
    "coltd",
];

/// Generic trade words dropped only when at least two other tokens remain.
pub const DESCRIPTORS: &[&str] = &["trading", "chemical", "chemicals"];

/// Spellings made one before matching.
pub const ABBREVIATIONS: &[(&str, &str)] = &[
    ("technology", "tech"),
    ("technologies", "tech"),
    ("biotechnology", "biotech"),
    ("pharmaceutical", "pharma"),
    ("pharmaceuticals", "pharma"),
    ("international", "intl"),
    ("laboratory", "lab"),
    ("laboratories", "lab"),
    ("labs", "lab"),
    ("industry", "ind"),
    ("industries", "ind"),
    ("industrial", "ind"),
];

const CJK_SUFFIXES: [&str; 4] = ["股份有限公司", "有限责任公司", "有限公司", "公司"];

/// An identifier of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    /// `registration_number`, `tax_id`, `address`, `web_shop`, `email`, `phone`, `messenger`,
    /// `crypto_wallet` or `other`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value as written.
    pub value: String,
}

/// A new entity.
#[derive(Debug, Clone)]
pub struct NewEntity {
    /// `company` or `person`.
    pub kind: String,
    /// The name as written.
    pub name: String,
    /// ISO 3166-1 alpha-2 country, when known.
    pub country: Option<String>,
    /// Identifiers.
    pub identifiers: Vec<Identifier>,
}

/// A correction to an entity: each field given replaces the stored one.
#[derive(Debug, Clone, Default)]
pub struct EntityChange {
    /// The name as written.
    pub name: Option<String>,
    /// ISO 3166-1 alpha-2 country; an empty string clears it.
    pub country: Option<String>,
    /// All identifiers (replacing the stored list).
    pub identifiers: Option<Vec<Identifier>>,
}

/// A company or person.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Entity {
    /// Identifier (`ent_…`).
    pub id: String,
    /// The organisation that recorded it.
    pub org_id: String,
    /// `company` or `person`.
    pub kind: String,
    /// The name as written.
    pub name: String,
    /// Country.
    pub country: Option<String>,
    /// Registration numbers, addresses, web shops, contact handles, wallets.
    pub identifiers: Vec<Identifier>,
    /// The user who recorded it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct EntityRow {
    id: String,
    org_id: String,
    kind: String,
    name: String,
    country: Option<String>,
    identifiers: String,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<EntityRow> for Entity {
    type Error = StoreError;
    fn try_from(r: EntityRow) -> Result<Self, StoreError> {
        Ok(Entity {
            identifiers: serde_json::from_str(&r.identifiers)
                .map_err(|e| StoreError::Internal(format!("stored identifiers: {e}")))?,
            id: r.id,
            org_id: r.org_id,
            kind: r.kind,
            name: r.name,
            country: r.country,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) const COLUMNS: &str = "e.id, e.org_id, e.kind, e.name, e.country, e.identifiers, e.created_by, \
    e.created_at, e.updated_at";

/// Entities the viewer sees beyond its own: linked to an incident it sees (`$1` its org, `$2` sees-all).
const LINKED_VISIBLE: &str =
    "EXISTS (SELECT 1 FROM incident_entities ie JOIN incidents i ON i.id = ie.incident_id
     WHERE ie.entity_id = e.id AND ";

fn linked_visible() -> String {
    format!("{LINKED_VISIBLE}{VISIBLE})")
}

/// Filters for listing the viewer's entities.
#[derive(Debug, Clone, Default)]
pub struct EntityFilter {
    /// `company` or `person`.
    pub kind: Option<String>,
    /// Words of the name (matched on the normalised name).
    pub q: Option<String>,
    /// Country.
    pub country: Option<String>,
}

/// An entry of an organisation's watch list.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WatchEntry {
    /// Identifier (`wat_…`).
    pub id: String,
    /// The watching organisation.
    pub org_id: String,
    /// The entity.
    pub entity_id: String,
    /// Its name.
    pub entity_name: String,
    /// Its kind.
    pub entity_kind: String,
    /// Why it is watched.
    pub reason: String,
    /// Who added it.
    pub added_by: String,
    /// When.
    pub added_at: DateTime<Utc>,
    /// Still on the list.
    pub active: bool,
    /// Who removed it.
    pub removed_by: Option<String>,
    /// When.
    pub removed_at: Option<DateTime<Utc>>,
    /// Why.
    pub removed_reason: Option<String>,
}

type WatchRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
);

const WATCH_COLUMNS: &str = "w.id, w.org_id, w.entity_id, e.name, e.kind, w.reason, w.added_by, w.added_at, \
    w.removed_by, w.removed_at, w.removed_reason";

fn watch_from(r: WatchRow) -> WatchEntry {
    WatchEntry {
        active: r.9.is_none(),
        id: r.0,
        org_id: r.1,
        entity_id: r.2,
        entity_name: r.3,
        entity_kind: r.4,
        reason: r.5,
        added_by: r.6,
        added_at: r.7,
        removed_by: r.8,
        removed_at: r.9,
        removed_reason: r.10,
    }
}

/// A name given that resembles an entity the viewer knows.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EntityFlag {
    /// The role the name was given in (`consignee`, `exporter`…).
    pub role: String,
    /// The name given.
    pub name: String,
    /// The entity it resembles.
    pub entity_id: String,
    /// Its name.
    pub entity_name: String,
    /// Its kind.
    pub entity_kind: String,
    /// Similarity, [`MATCH_THRESHOLD`]–1.
    pub score: f64,
    /// Incidents the viewer sees that the entity is linked to, newest first.
    pub incident_ids: Vec<String>,
    /// The viewer's watch-list reason, when it watches the entity.
    pub watch_reason: Option<String>,
    /// The viewer's organisation recorded the entity.
    pub recorded_by_you: bool,
    /// Why, in words.
    pub why: String,
}

// ------------------------------------------------------------------------------------------------------
// Name normalisation and similarity

fn fold(name: &str) -> String {
    name.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Split one whitespace/punctuation-delimited chunk (which may hold dots) into tokens.
fn chunk_tokens(chunk: &str, out: &mut Vec<String>) {
    let parts: Vec<&str> = chunk.split('.').filter(|p| !p.is_empty()).collect();
    if parts.len() > 1 && parts.iter().all(|p| p.chars().count() == 1) {
        out.push(parts.concat());
    } else {
        out.extend(parts.into_iter().map(str::to_string));
    }
}

fn raw_tokens(name: &str) -> Vec<String> {
    let folded = fold(name);
    let mut out = Vec::new();
    let mut chunk = String::new();
    for c in folded.chars() {
        match c {
            '\'' | '\u{2019}' | '`' | '-' | '\u{2010}' | '\u{2011}' => {}
            '.' => chunk.push('.'),
            c if c.is_alphanumeric() => chunk.push(c),
            '&' => {
                chunk_tokens(&chunk, &mut out);
                chunk.clear();
                out.push("and".into());
            }
            _ => {
                chunk_tokens(&chunk, &mut out);
                chunk.clear();
            }
        }
    }
    chunk_tokens(&chunk, &mut out);
    for t in &mut out {
        if let Some((_, to)) = ABBREVIATIONS.iter().find(|(from, _)| from == t) {
            *t = (*to).to_string();
        }
    }
    out
}

/// The tokens a name is compared by (see the module documentation).
pub fn name_tokens(name: &str) -> Vec<String> {
    let raw = raw_tokens(name);
    let mut kept: Vec<String> = Vec::with_capacity(raw.len());
    for (i, t) in raw.iter().enumerate() {
        let next = raw.get(i + 1).map(String::as_str);
        let after = raw.get(i + 2).map(String::as_str);
        let drop = LEGAL_FORMS.contains(&t.as_str())
            || (t == "de" && matches!(next, Some("cv" | "rl")))
            || (t == "s" && next == Some("de") && after == Some("rl"))
            || (t == "the" && i == 0)
            || ((t == "cv" || t == "rl") && i > 0 && raw[i - 1] == "de");
        if !drop {
            kept.push(t.clone());
        }
    }
    if let Some(last) = kept.last_mut()
        && let Some(suffix) = CJK_SUFFIXES.iter().find(|s| last.ends_with(*s))
        && last.len() > suffix.len()
    {
        last.truncate(last.len() - suffix.len());
    }
    let distinctive = kept
        .iter()
        .filter(|t| !DESCRIPTORS.contains(&t.as_str()))
        .count();
    if distinctive >= 2 {
        kept.retain(|t| !DESCRIPTORS.contains(&t.as_str()));
    }
    if kept.is_empty() { raw } else { kept }
}

/// The normalised name, tokens in the order written (stored for search).
pub fn name_key(name: &str) -> String {
    name_tokens(name).join(" ")
}

fn token_similarity(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (ja, jb) = (a.concat(), b.concat());
    if ja == jb {
        return 1.0;
    }
    if ja.chars().count() < MIN_FUZZY_CHARS || jb.chars().count() < MIN_FUZZY_CHARS {
        return 0.0;
    }
    let sorted = |t: &[String]| {
        let mut v = t.to_vec();
        v.sort();
        v.concat()
    };
    let (sa, sb) = (sorted(a), sorted(b));
    if sa == sb {
        return 1.0;
    }
    strsim::normalized_levenshtein(&ja, &jb).max(strsim::normalized_levenshtein(&sa, &sb))
}

/// How alike two names are, 0–1 (1: the same after normalisation).
pub fn name_similarity(a: &str, b: &str) -> f64 {
    token_similarity(&name_tokens(a), &name_tokens(b))
}

// ------------------------------------------------------------------------------------------------------
// Validation and audit

fn check_identifiers(ids: &[Identifier]) -> Result<Vec<Identifier>, StoreError> {
    if ids.len() > 50 {
        return Err(invalid("identifiers", "at most 50 identifiers"));
    }
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            let kind = id.kind.trim().to_ascii_lowercase();
            if !IDENTIFIER_TYPES.contains(&kind.as_str()) {
                return Err(invalid(
                    &format!("identifiers[{i}].type"),
                    format!(
                        "{:?} is not one of {}",
                        id.kind,
                        IDENTIFIER_TYPES.join(", ")
                    ),
                ));
            }
            let value = clean(&format!("identifiers[{i}].value"), &id.value, 500)?;
            if kind == "email" && !value.contains('@') {
                return Err(invalid(
                    &format!("identifiers[{i}].value"),
                    format!("{value:?} is not an e-mail address"),
                ));
            }
            Ok(Identifier { kind, value })
        })
        .collect()
}

const PERSONAL_IDENTIFIERS: [&str; 3] = ["email", "phone", "messenger"];

/// The entity as the audit log may hold it: a person's name and identifiers, and any e-mail, phone or
/// messenger handle, only as hashes.
pub(crate) fn audit_view(e: &Entity) -> serde_json::Value {
    let person = e.kind == "person";
    let name = if person {
        personal_hash(&e.name)
    } else {
        e.name.clone()
    };
    let identifiers: Vec<serde_json::Value> = e
        .identifiers
        .iter()
        .map(|i| {
            let value = if person || PERSONAL_IDENTIFIERS.contains(&i.kind.as_str()) {
                personal_hash(&i.value)
            } else {
                i.value.clone()
            };
            serde_json::json!({ "type": i.kind, "value": value })
        })
        .collect();
    serde_json::json!({
        "id": e.id,
        "org_id": e.org_id,
        "kind": e.kind,
        "name": name,
        "country": e.country,
        "identifiers": identifiers,
    })
}

fn audit_name(kind: &str, name: &str) -> String {
    if kind == "person" {
        personal_hash(name)
    } else {
        name.to_string()
    }
}

/// A `LIKE … ESCAPE '\'` pattern matching `s` anywhere.
pub(crate) fn like_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

// ------------------------------------------------------------------------------------------------------
// Store

/// An entity compared by [`Store::entity_flags`]: id, kind, name, recording organisation.
type Candidate = (String, String, String, String);

impl Store {
    /// Record a company or person (audited; a person's name and identifiers only as hashes).
    pub async fn create_entity(
        &self,
        new: &NewEntity,
        viewer: &Viewer,
    ) -> Result<Entity, StoreError> {
        viewer.require_write()?;
        let kind = new.kind.trim().to_ascii_lowercase();
        if !ENTITY_KINDS.contains(&kind.as_str()) {
            return Err(invalid(
                "kind",
                format!("{:?} is not company or person", new.kind),
            ));
        }
        let name = clean("name", &new.name, 300)?;
        let key = name_key(&name);
        let at = now();
        let entity = Entity {
            id: new_id("ent"),
            org_id: viewer.org_id.clone(),
            kind,
            name,
            country: new
                .country
                .as_deref()
                .filter(|c| !c.trim().is_empty())
                .map(|c| country("country", c))
                .transpose()?,
            identifiers: check_identifiers(&new.identifiers)?,
            created_by: viewer.user_id.clone(),
            created_at: at,
            updated_at: at,
        };
        let identifiers = serde_json::to_string(&entity.identifiers)
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let detail = serde_json::json!({ "after": audit_view(&entity) }).to_string();
        let actor = viewer.actor();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            sqlx::query(&sql("INSERT INTO entities (id, org_id, kind, name, name_key, country, identifiers,
                     created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
                .bind(&entity.id)
                .bind(&entity.org_id)
                .bind(&entity.kind)
                .bind(&entity.name)
                .bind(&key)
                .bind(&entity.country)
                .bind(&identifiers)
                .bind(&entity.created_by)
                .bind(entity.created_at)
                .bind(entity.updated_at)
                .execute(&mut *tx)
                .await?;
            audit!(tx, sql, at, actor, "create", "entity", &entity.id, &detail);
            tx.commit().await?;
        });
        Ok(entity)
    }

    /// Correct an entity the viewer's organisation recorded: its name, country and identifiers (audited
    /// with before and after; a person's name and identifiers only as hashes). Only the recording
    /// organisation edits; another that sees the entity through an incident is refused (403), anyone else
    /// does not find it (404). The kind (company or person) is not editable: record the other instead.
    pub async fn update_entity(
        &self,
        id: &str,
        change: &EntityChange,
        viewer: &Viewer,
    ) -> Result<Entity, StoreError> {
        let before = self.entity(id, viewer).await?;
        if before.org_id != viewer.org_id {
            return Err(StoreError::Forbidden(
                "only the organisation that recorded an entity may edit it".into(),
            ));
        }
        viewer.require_write()?;
        let mut after = before.clone();
        if let Some(name) = &change.name {
            after.name = clean("name", name, 300)?;
        }
        if let Some(c) = &change.country {
            after.country = Some(c.trim())
                .filter(|c| !c.is_empty())
                .map(|c| country("country", c))
                .transpose()?;
        }
        if let Some(ids) = &change.identifiers {
            after.identifiers = check_identifiers(ids)?;
        }
        if after == before {
            return Ok(before);
        }
        let at = now();
        after.updated_at = at;
        let key = name_key(&after.name);
        let identifiers = serde_json::to_string(&after.identifiers)
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let detail =
            serde_json::json!({ "before": audit_view(&before), "after": audit_view(&after) })
                .to_string();
        let actor = viewer.actor();
        let won: bool = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            // Conditional on the row being the one read: a concurrent edit makes this one a conflict
            // rather than silently overwriting it.
            let n = sqlx::query(&sql("UPDATE entities SET name = $1, name_key = $2, country = $3, identifiers = $4,
                     updated_at = $5
                 WHERE id = $6 AND org_id = $7 AND updated_at = $8"))
                .bind(&after.name)
                .bind(&key)
                .bind(&after.country)
                .bind(&identifiers)
                .bind(at)
                .bind(id)
                .bind(&viewer.org_id)
                .bind(before.updated_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                audit!(tx, sql, at, actor, "update", "entity", id, &detail);
                tx.commit().await?;
                true
            } else {
                tx.rollback().await?;
                false
            }
        });
        if !won {
            return Err(StoreError::Conflict {
                field: "entity".into(),
                message: "the entity was changed by someone else meanwhile; reload and edit again"
                    .into(),
            });
        }
        Ok(after)
    }

    /// One entity, if the viewer recorded it or sees an incident it is linked to.
    pub async fn entity(&self, id: &str, viewer: &Viewer) -> Result<Entity, StoreError> {
        if id.contains('\0') {
            return Err(StoreError::NotFound(format!("no entity {id:?}")));
        }
        let cond = linked_visible();
        let row: Option<EntityRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {COLUMNS} FROM entities e
                 WHERE e.id = $3 AND (e.org_id = $1 OR {cond})")))
                .bind(&viewer.org_id)
                .bind(sees_all(viewer))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.map(Entity::try_from)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("no entity {id:?}")))
    }

    /// The entities the viewer's organisation recorded, newest first.
    pub async fn entities(
        &self,
        viewer: &Viewer,
        filter: &EntityFilter,
        page: Page,
    ) -> Result<Listing<Entity>, StoreError> {
        let kind = filter
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| {
                if ENTITY_KINDS.contains(&k) {
                    Ok(k.to_string())
                } else {
                    Err(invalid("kind", format!("{k:?} is not company or person")))
                }
            })
            .transpose()?
            .unwrap_or_default();
        let q = filter
            .q
            .as_deref()
            .map(name_key)
            .filter(|k| !k.is_empty())
            .map(|k| like_pattern(&k))
            .unwrap_or_default();
        let ctry = filter
            .country
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| country("country", c))
            .transpose()?
            .unwrap_or_default();
        let cond = "e.org_id = $1 AND ($2 = '' OR e.kind = $2) AND ($3 = '' OR e.name_key LIKE $3 ESCAPE '\\')
             AND ($4 = '' OR e.country = $4)";
        let (total, rows): (i64, Vec<EntityRow>) = on_db!(self, p, sql => {
            let total: (i64,) = sqlx::query_as(&sql(&format!("SELECT COUNT(*) FROM entities e WHERE {cond}")))
                .bind(&viewer.org_id).bind(&kind).bind(&q).bind(&ctry)
                .fetch_one(p)
                .await?;
            let rows = sqlx::query_as(&sql(&format!("SELECT {COLUMNS} FROM entities e WHERE {cond}
                 ORDER BY e.created_at DESC, e.id DESC LIMIT $5 OFFSET $6")))
                .bind(&viewer.org_id).bind(&kind).bind(&q).bind(&ctry)
                .bind(page.limit).bind(page.offset)
                .fetch_all(p)
                .await?;
            (total.0, rows)
        });
        Ok(Listing {
            items: rows
                .into_iter()
                .map(Entity::try_from)
                .collect::<Result<_, _>>()?,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// The incidents the viewer sees that an entity is linked to, newest first (ids).
    pub async fn entity_incidents(
        &self,
        entity_id: &str,
        viewer: &Viewer,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT i.id FROM incident_entities ie JOIN incidents i ON i.id = ie.incident_id
                 WHERE ie.entity_id = $3 AND {VISIBLE}
                 ORDER BY i.occurred_on DESC, i.created_at DESC, i.id DESC")))
                .bind(&viewer.org_id)
                .bind(sees_all(viewer))
                .bind(entity_id)
                .fetch_all(p)
                .await?
        });
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The viewer's active watch-list entry for an entity, if any.
    pub async fn watch_entry(
        &self,
        entity_id: &str,
        viewer: &Viewer,
    ) -> Result<Option<WatchEntry>, StoreError> {
        let row: Option<WatchRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {WATCH_COLUMNS} FROM watchlist w JOIN entities e ON e.id = w.entity_id
                 WHERE w.org_id = $1 AND w.entity_id = $2 AND w.removed_at IS NULL")))
                .bind(&viewer.org_id)
                .bind(entity_id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(watch_from))
    }

    /// Put an entity the viewer sees on its authority's watch list, with the reason (audited). Already
    /// watched is a conflict.
    pub async fn watch_entity(
        &self,
        entity_id: &str,
        reason: &str,
        viewer: &Viewer,
    ) -> Result<WatchEntry, StoreError> {
        let entity = self.entity(entity_id, viewer).await?;
        viewer.require_kind(OrgKind::Authority, None)?;
        viewer.require_write()?;
        let reason = clean("reason", reason, 2000)?;
        let at = now();
        let id = new_id("wat");
        let actor = viewer.actor();
        let detail = serde_json::json!({
            "after": { "watch_id": &id, "entity": audit_name(&entity.kind, &entity.name), "reason": &reason },
        })
        .to_string();
        let result: Result<(), StoreError> = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let inserted = sqlx::query(&sql("INSERT INTO watchlist (id, org_id, entity_id, reason, added_by, added_at)
                 VALUES ($1, $2, $3, $4, $5, $6)"))
                .bind(&id)
                .bind(&viewer.org_id)
                .bind(entity_id)
                .bind(&reason)
                .bind(&viewer.user_id)
                .bind(at)
                .execute(&mut *tx)
                .await;
            match inserted {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict {
                    field: "entity_id".into(),
                    message: "the entity is already on your watch list".into(),
                }),
                Err(e) => Err(e.into()),
                Ok(_) => {
                    audit!(tx, sql, at, actor, "watch", "entity", entity_id, &detail);
                    tx.commit().await?;
                    Ok(())
                }
            }
        });
        result?;
        Ok(WatchEntry {
            id,
            org_id: viewer.org_id.clone(),
            entity_id: entity.id,
            entity_name: entity.name,
            entity_kind: entity.kind,
            reason,
            added_by: viewer.user_id.clone(),
            added_at: at,
            active: true,
            removed_by: None,
            removed_at: None,
            removed_reason: None,
        })
    }

    /// Take an entity off the viewer's watch list (audited). The entry is kept with who removed it, when
    /// and why; an entity not on the list is a conflict.
    pub async fn unwatch_entity(
        &self,
        entity_id: &str,
        reason: Option<&str>,
        viewer: &Viewer,
    ) -> Result<WatchEntry, StoreError> {
        let entity = self.entity(entity_id, viewer).await?;
        viewer.require_kind(OrgKind::Authority, None)?;
        viewer.require_write()?;
        let reason = reason
            .filter(|r| !r.trim().is_empty())
            .map(|r| clean("reason", r, 2000))
            .transpose()?;
        let not_watched = || StoreError::Conflict {
            field: "entity_id".into(),
            message: "the entity is not on your watch list".into(),
        };
        let before = self
            .watch_entry(entity_id, viewer)
            .await?
            .ok_or_else(not_watched)?;
        let at = now();
        let actor = viewer.actor();
        let detail = serde_json::json!({
            "before": { "watch_id": &before.id, "entity": audit_name(&entity.kind, &entity.name), "reason": &before.reason },
            "after": { "removed_reason": &reason },
        })
        .to_string();
        let won: bool = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let n = sqlx::query(&sql("UPDATE watchlist SET removed_by = $1, removed_at = $2, removed_reason = $3
                 WHERE id = $4 AND removed_at IS NULL"))
                .bind(&viewer.user_id)
                .bind(at)
                .bind(&reason)
                .bind(&before.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                audit!(tx, sql, at, actor, "unwatch", "entity", entity_id, &detail);
                tx.commit().await?;
                true
            } else {
                tx.rollback().await?;
                false
            }
        });
        if !won {
            return Err(not_watched());
        }
        Ok(WatchEntry {
            active: false,
            removed_by: Some(viewer.user_id.clone()),
            removed_at: Some(at),
            removed_reason: reason,
            ..before
        })
    }

    /// The viewer's organisation's watch list, newest first (with removed entries when asked).
    pub async fn watchlist(
        &self,
        viewer: &Viewer,
        include_removed: bool,
        page: Page,
    ) -> Result<Listing<WatchEntry>, StoreError> {
        let cond = "w.org_id = $1 AND ($2 OR w.removed_at IS NULL)";
        let (total, rows): (i64, Vec<WatchRow>) = on_db!(self, p, sql => {
            let total: (i64,) = sqlx::query_as(&sql(&format!("SELECT COUNT(*) FROM watchlist w WHERE {cond}")))
                .bind(&viewer.org_id).bind(include_removed)
                .fetch_one(p)
                .await?;
            let rows = sqlx::query_as(&sql(&format!("SELECT {WATCH_COLUMNS} FROM watchlist w JOIN entities e ON e.id = w.entity_id
                 WHERE {cond} ORDER BY w.added_at DESC, w.id DESC LIMIT $3 OFFSET $4")))
                .bind(&viewer.org_id).bind(include_removed)
                .bind(page.limit).bind(page.offset)
                .fetch_all(p)
                .await?;
            (total.0, rows)
        });
        Ok(Listing {
            items: rows.into_iter().map(watch_from).collect(),
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// Names (each with the role it was given in) that resemble an entity the viewer may see: one it
    /// recorded, one linked to an incident it sees, or one on its watch list. See the module documentation
    /// for the normalisation and [`MATCH_THRESHOLD`]. Flags come in the order of `names`, best first.
    pub async fn entity_flags(
        &self,
        viewer: &Viewer,
        names: &[(&str, &str)],
    ) -> Result<Vec<EntityFlag>, StoreError> {
        let wanted: Vec<(usize, Vec<String>)> = names
            .iter()
            .enumerate()
            .map(|(i, (_, n))| (i, name_tokens(n)))
            .filter(|(_, t)| !t.is_empty())
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let linked = linked_visible();
        let candidates: Vec<Candidate> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT e.id, e.kind, e.name, e.org_id FROM entities e
                 WHERE e.org_id = $1 OR {linked}
                    OR EXISTS (SELECT 1 FROM watchlist w WHERE w.entity_id = e.id AND w.org_id = $1
                               AND w.removed_at IS NULL)
                 ORDER BY e.created_at, e.id")))
                .bind(&viewer.org_id)
                .bind(sees_all(viewer))
                .fetch_all(p)
                .await?
        });
        let keyed: Vec<(Vec<String>, &Candidate)> =
            candidates.iter().map(|c| (name_tokens(&c.2), c)).collect();
        let mut hits: Vec<(usize, f64, &Candidate)> = Vec::new();
        for (i, tokens) in &wanted {
            let mut mine: Vec<(usize, f64, &Candidate)> = keyed
                .iter()
                .map(|(k, c)| (*i, token_similarity(tokens, k), *c))
                .filter(|(_, s, _)| *s >= MATCH_THRESHOLD)
                .collect();
            mine.sort_by(|a, b| b.1.total_cmp(&a.1));
            hits.extend(mine);
        }
        let mut flags = Vec::with_capacity(hits.len());
        for (i, score, (id, kind, name, org)) in hits {
            let incident_ids = self.entity_incidents(id, viewer).await?;
            let watch_reason = self.watch_entry(id, viewer).await?.map(|w| w.reason);
            let recorded_by_you = *org == viewer.org_id;
            let mut why = Vec::new();
            if !incident_ids.is_empty() {
                why.push(format!("linked to incident(s) {}", incident_ids.join(", ")));
            }
            if let Some(r) = &watch_reason {
                why.push(format!("on your watch list: {r}"));
            }
            if recorded_by_you {
                why.push("recorded by your organisation".into());
            }
            flags.push(EntityFlag {
                role: names[i].0.to_string(),
                name: names[i].1.to_string(),
                entity_id: id.clone(),
                entity_name: name.clone(),
                entity_kind: kind.clone(),
                score: (score * 1000.0).round() / 1000.0,
                incident_ids,
                watch_reason,
                recorded_by_you,
                why: format!(
                    "{:?} resembles {} {:?} (similarity {:.2}): {}",
                    names[i].1,
                    kind,
                    name,
                    score,
                    why.join("; ")
                ),
            });
        }
        Ok(flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_punctuation_and_case_go() {
        assert_eq!(
            name_tokens("Hubei Amarvel Biotech Co., Ltd."),
            ["hubei", "amarvel", "biotech"]
        );
        assert_eq!(
            name_tokens("HUBEI AMARVEL BIO-TECH CO LTD"),
            ["hubei", "amarvel", "biotech"]
        );
        assert_eq!(
            name_tokens("Química Del Norte S.A. de C.V."),
            ["quimica", "del", "norte"]
        );
        assert_eq!(
            name_tokens("Distribuidora Ruiz S. de R.L. de C.V."),
            ["distribuidora", "ruiz"]
        );
        assert_eq!(name_tokens("Amarvel Co.Ltd"), ["amarvel"]);
        assert_eq!(
            name_tokens("Ｈｕｂｅｉ　Ａｍａｒｖｅｌ"),
            ["hubei", "amarvel"]
        );
        assert_eq!(
            name_tokens("湖北阿马维尔生物科技有限公司"),
            ["湖北阿马维尔生物科技"]
        );
        // Generic words go only when two distinctive words remain.
        assert_eq!(
            name_tokens("Hubei Amarvel Chemical Trading Co."),
            ["hubei", "amarvel"]
        );
        assert_eq!(
            name_tokens("Hubei Chemical Co., Ltd."),
            ["hubei", "chemical"]
        );
        // Nothing left: keep what there was.
        assert_eq!(name_tokens("The Company Ltd"), ["the", "company", "ltd"]);
        // Spanish "de" stays outside a legal form.
        assert_eq!(
            name_tokens("Productos de Mexico SA"),
            ["productos", "de", "mexico"]
        );
    }

    #[test]
    fn near_misses_flag() {
        for (a, b) in [
            (
                "Hubei Amarvel Biotech Co., Ltd.",
                "HUBEI AMARVEL BIO-TECH CO LTD",
            ),
            ("Hubei Amarvel Biotech Co., Ltd.", "Hubei Amarvell Biotech"),
            (
                "Hubei Amarvel Biotech Co., Ltd.",
                "Amarvel Biotechnology (Hubei) Co Limited",
            ),
            (
                "Wuhan Shuokang Biological Technology Co., Ltd",
                "WUHAN SHUOKANG BIOLOGICAL TECH CO.,LTD.",
            ),
            ("Juan Carlos Pérez López", "PEREZ LOPEZ, Juan Carlos"),
            (
                "Química Del Norte S.A. de C.V.",
                "Quimica del Norte SA de CV",
            ),
            ("Hebei Crovell Biotech", "Hebei Crowell Biotech Co Ltd"),
        ] {
            let s = name_similarity(a, b);
            assert!(s >= MATCH_THRESHOLD, "{a:?} vs {b:?}: {s}");
        }
    }

    #[test]
    fn different_names_do_not_flag() {
        for (a, b) in [
            (
                "Hubei Amarvel Biotech Co., Ltd.",
                "Hubei Aoks Bio-Tech Co., Ltd.",
            ),
            ("Hubei Amarvel Biotech Co., Ltd.", "Amarvel Trading LLC"),
            ("Hubei Chemical Co., Ltd.", "Hubei Trading Co., Ltd."),
            ("Li Wei", "Li Wen"),
            ("Juan Carlos Pérez", "Juan Pablo Pérez"),
            ("Shanghai Sigma Chemicals", "Shanghai Sinopharm Chemicals"),
            ("3M", "3D"),
        ] {
            let s = name_similarity(a, b);
            assert!(s < MATCH_THRESHOLD, "{a:?} vs {b:?}: {s}");
        }
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("a%b_c"), "%a\\%b\\_c%");
    }
}
