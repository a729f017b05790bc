//! Incidents: seizures, stopped shipments, suspicious orders and online offers, shared by the organisation
//! that reports them with chosen organisations or with every national authority and observer; comments;
//! links to entities; search.
//!
//! Any kind of organisation may report (authorities, companies, marketplaces, observers); its officers and
//! admins write. An incident names one or more registry substances (resolved by the caller), a quantity
//! as written (and in kg when it is a mass), a modus operandi and a description (free text users write),
//! the route (countries in order), the day it happened, and — for an online offer turned into an incident
//! from a screening — the text, its URL, the screening as evidence, its red flags and score.
//!
//! Sharing only widens: the reporter adds organisations, or shares with all (audited). Whoever sees an
//! incident sees its linked entities and comments, and every user of those organisations except read-only
//! users may comment (reviewers included). Incidents are not edited after they are reported; facts found
//! later go in comments, entities found later are linked.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{Listing, Page, Viewer, country, text};
use crate::entities::{Entity, like_pattern};
use crate::licences::{list_of, stored_date};
use crate::platform::{invalid, new_id, now};
use crate::{OrgKind, Role, Store, StoreError};

/// Incident kinds.
pub const INCIDENT_KINDS: [&str; 4] = [
    "seizure",
    "stopped_shipment",
    "suspicious_order",
    "online_offer",
];

/// Most substances, route countries, shares or entities on one incident.
pub const MAX_LIST: usize = 50;

/// The incidents the viewer sees, as an SQL condition on `incidents i`: `$1` is the viewer's
/// organisation, `$2` whether it is an authority or observer (who see incidents shared with all).
pub(crate) const VISIBLE: &str = "(i.reporter_org_id = $1 OR (i.share_with_all AND $2)
     OR EXISTS (SELECT 1 FROM incident_shares s WHERE s.incident_id = i.id AND s.org_id = $1))";

/// Does the viewer see incidents shared with all?
pub(crate) fn sees_all(viewer: &Viewer) -> bool {
    matches!(viewer.kind, OrgKind::Authority | OrgKind::Observer)
}

/// A registry substance named in an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncidentSubstance {
    /// Registry id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A red flag a screening found, with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RedFlag {
    /// Cue id.
    pub id: String,
    /// What it means.
    pub label: String,
    /// The advisory or case that names it.
    pub source: String,
}

/// What is reported (substances already resolved by the caller).
#[derive(Debug, Clone)]
pub struct NewIncident {
    /// `seizure`, `stopped_shipment`, `suspicious_order` or `online_offer`.
    pub kind: String,
    /// One or more registry substances.
    pub substances: Vec<IncidentSubstance>,
    /// Quantity as written.
    pub quantity: Option<String>,
    /// The same in kg, when a mass.
    pub quantity_kg: Option<f64>,
    /// How it was done (free text, ≤ 4000 characters).
    pub modus_operandi: Option<String>,
    /// Countries in order (ISO 3166-1 alpha-2).
    pub route: Vec<String>,
    /// The day it happened.
    pub occurred_on: NaiveDate,
    /// What happened (≤ 4000 characters).
    pub description: String,
    /// Entities to link (each one the viewer sees).
    pub entity_ids: Vec<String>,
    /// Organisations to share with.
    pub shared_with: Vec<String>,
    /// Share with every national authority and observer.
    pub share_with_all: bool,
    /// Where an online offer was seen.
    pub source_url: Option<String>,
    /// The offer's text.
    pub source_text: Option<String>,
    /// The screening of that text (JSON), as evidence.
    pub screening: Option<serde_json::Value>,
    /// Its red flags.
    pub red_flags: Vec<RedFlag>,
    /// Its score.
    pub score: Option<f64>,
}

/// An incident as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Incident {
    /// Identifier (`inc_…`).
    pub id: String,
    /// `seizure`, `stopped_shipment`, `suspicious_order` or `online_offer`.
    pub kind: String,
    /// The reporting organisation.
    pub reporter_org_id: String,
    /// Substances.
    pub substances: Vec<IncidentSubstance>,
    /// Quantity as written.
    pub quantity: Option<String>,
    /// In kg, when a mass.
    pub quantity_kg: Option<f64>,
    /// Modus operandi.
    pub modus_operandi: Option<String>,
    /// Countries in order.
    pub route: Vec<String>,
    /// The day it happened.
    pub occurred_on: NaiveDate,
    /// Description.
    pub description: String,
    /// Organisations it is shared with (besides the reporter).
    pub shared_with: Vec<String>,
    /// Shared with every national authority and observer.
    pub share_with_all: bool,
    /// Where an online offer was seen.
    pub source_url: Option<String>,
    /// The offer's text.
    pub source_text: Option<String>,
    /// The screening of that text (evidence).
    #[schema(value_type = Option<Object>)]
    pub screening: Option<serde_json::Value>,
    /// Red flags of the screening.
    pub red_flags: Vec<RedFlag>,
    /// Score of the screening.
    pub score: Option<f64>,
    /// Optimistic-concurrency version (1 when reported, +1 per share or link).
    pub version: i64,
    /// The user who reported it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    kind: String,
    reporter_org_id: String,
    substances: String,
    quantity: Option<String>,
    quantity_kg: Option<f64>,
    modus_operandi: Option<String>,
    route: String,
    occurred_on: String,
    description: String,
    share_with_all: bool,
    source_url: Option<String>,
    source_text: Option<String>,
    screening: Option<String>,
    red_flags: String,
    score: Option<f64>,
    version: i64,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(e.to_string()))
}

fn stored_json<T: serde::de::DeserializeOwned>(field: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Internal(format!("stored {field}: {e}")))
}

impl Row {
    fn into_incident(self, shared_with: Vec<String>) -> Result<Incident, StoreError> {
        Ok(Incident {
            substances: stored_json("substances", &self.substances)?,
            route: list_of(&self.route),
            occurred_on: stored_date("occurred_on", &self.occurred_on)?,
            screening: self
                .screening
                .as_deref()
                .map(|s| stored_json("screening", s))
                .transpose()?,
            red_flags: stored_json("red_flags", &self.red_flags)?,
            shared_with,
            id: self.id,
            kind: self.kind,
            reporter_org_id: self.reporter_org_id,
            quantity: self.quantity,
            quantity_kg: self.quantity_kg,
            modus_operandi: self.modus_operandi,
            description: self.description,
            share_with_all: self.share_with_all,
            source_url: self.source_url,
            source_text: self.source_text,
            score: self.score,
            version: self.version,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "i.id, i.kind, i.reporter_org_id, i.substances, i.quantity, i.quantity_kg, \
    i.modus_operandi, i.route, i.occurred_on, i.description, i.share_with_all, i.source_url, i.source_text, \
    i.screening, i.red_flags, i.score, i.version, i.created_by, i.created_at, i.updated_at";

/// A comment on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IncidentComment {
    /// Identifier (`com_…`).
    pub id: String,
    /// The incident.
    pub incident_id: String,
    /// The author's organisation.
    pub org_id: String,
    /// The author (user id).
    pub author: String,
    /// The text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

type CommentRow = (String, String, String, String, String, DateTime<Utc>);

/// Filters for listing incidents.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only incidents naming this registry substance id.
    pub substance_id: Option<String>,
    /// Only incidents whose route passes this country.
    pub country: Option<String>,
    /// Words in the description or modus operandi (case-insensitive substring).
    pub q: Option<String>,
    /// Happened on or after.
    pub from: Option<NaiveDate>,
    /// Happened on or before.
    pub to: Option<NaiveDate>,
}

/// What a viewer may do with an incident it sees: `comment` (everyone but read-only users), `share` and
/// `link_entities` (the reporter's officers and admins).
pub fn incident_actions(inc: &Incident, viewer: &Viewer) -> Vec<&'static str> {
    let mut out = Vec::new();
    if viewer.role != Role::ReadOnly {
        out.push("comment");
    }
    if viewer.may_write() && viewer.org_id == inc.reporter_org_id {
        out.extend(["share", "link_entities"]);
    }
    out
}

/// Free text as `access::text` checks it, and without NUL characters (PostgreSQL cannot store them, and
/// no one types them).
pub(crate) fn clean(field: &str, value: &str, max: usize) -> Result<String, StoreError> {
    if value.contains('\0') {
        return Err(invalid(field, "contains a NUL character"));
    }
    text(field, value, max)
}

fn optional_text(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>, StoreError> {
    v.filter(|s| !s.trim().is_empty())
        .map(|s| clean(field, s, max))
        .transpose()
}

fn check_kind(kind: &str) -> Result<String, StoreError> {
    let k = kind.trim().to_ascii_lowercase();
    if INCIDENT_KINDS.contains(&k.as_str()) {
        Ok(k)
    } else {
        Err(invalid(
            "kind",
            format!("{kind:?} is not one of {}", INCIDENT_KINDS.join(", ")),
        ))
    }
}

impl Store {
    /// Organisation ids to share with: each must exist; the viewer's own and repeats are dropped.
    async fn share_targets(
        &self,
        ids: &[String],
        viewer: &Viewer,
    ) -> Result<Vec<String>, StoreError> {
        if ids.len() > MAX_LIST {
            return Err(invalid(
                "shared_with",
                format!("at most {MAX_LIST} organisations"),
            ));
        }
        let mut out: Vec<String> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let id = id.trim();
            if id.contains('\0') || self.organisation(id).await?.is_none() {
                return Err(invalid(
                    &format!("shared_with[{i}]"),
                    format!("no organisation {id:?}"),
                ));
            }
            if id != viewer.org_id && !out.iter().any(|o| o == id) {
                out.push(id.to_string());
            }
        }
        Ok(out)
    }

    /// Entity ids to link: each must be one the viewer sees; repeats are dropped.
    async fn link_targets(
        &self,
        ids: &[String],
        viewer: &Viewer,
    ) -> Result<Vec<Entity>, StoreError> {
        if ids.len() > MAX_LIST {
            return Err(invalid(
                "entity_ids",
                format!("at most {MAX_LIST} entities"),
            ));
        }
        let mut out: Vec<Entity> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let e = match self.entity(id.trim(), viewer).await {
                Ok(e) => e,
                Err(StoreError::NotFound(m)) => {
                    return Err(invalid(&format!("entity_ids[{i}]"), m));
                }
                Err(e) => return Err(e),
            };
            if !out.iter().any(|o| o.id == e.id) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Report an incident (audited with what was reported, whom it is shared with and the linked
    /// entities).
    pub async fn report_incident(
        &self,
        new: &NewIncident,
        viewer: &Viewer,
    ) -> Result<Incident, StoreError> {
        viewer.require_write()?;
        let kind = check_kind(&new.kind)?;
        if new.substances.is_empty() {
            return Err(invalid("substances", "name at least one substance"));
        }
        if new.substances.len() > MAX_LIST {
            return Err(invalid(
                "substances",
                format!("at most {MAX_LIST} substances"),
            ));
        }
        let mut substances: Vec<IncidentSubstance> = Vec::new();
        for (i, s) in new.substances.iter().enumerate() {
            let s = IncidentSubstance {
                id: clean(&format!("substances[{i}]"), &s.id, 200)?,
                name: clean(&format!("substances[{i}]"), &s.name, 500)?,
            };
            if s.id.contains(',') {
                return Err(invalid(&format!("substances[{i}]"), "not a registry id"));
            }
            if !substances.iter().any(|x| x.id == s.id) {
                substances.push(s);
            }
        }
        if new.route.len() > MAX_LIST {
            return Err(invalid("route", format!("at most {MAX_LIST} countries")));
        }
        let route = new
            .route
            .iter()
            .enumerate()
            .map(|(i, c)| country(&format!("route[{i}]"), c))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(q) = new.quantity_kg
            && !(q.is_finite() && q > 0.0)
        {
            return Err(invalid("quantity", "must be a positive amount"));
        }
        let today = Utc::now().date_naive();
        if new.occurred_on > today + chrono::Days::new(1) {
            return Err(invalid(
                "occurred_on",
                format!("{} is in the future", new.occurred_on),
            ));
        }
        let source_url = optional_text("source_url", new.source_url.as_deref(), 2000)?;
        if let Some(u) = &source_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(invalid("source_url", "must be an http:// or https:// URL"));
        }
        if let Some(s) = new.score
            && !(0.0..=1.0).contains(&s)
        {
            return Err(invalid("score", "must be between 0 and 1"));
        }
        let shared_with = self.share_targets(&new.shared_with, viewer).await?;
        let entities = self.link_targets(&new.entity_ids, viewer).await?;
        let at = now();
        let inc = Incident {
            id: new_id("inc"),
            kind,
            reporter_org_id: viewer.org_id.clone(),
            substances,
            quantity: optional_text("quantity", new.quantity.as_deref(), 100)?,
            quantity_kg: new.quantity_kg,
            modus_operandi: optional_text("modus_operandi", new.modus_operandi.as_deref(), 4000)?,
            route,
            occurred_on: new.occurred_on,
            description: clean("description", &new.description, 4000)?,
            shared_with,
            share_with_all: new.share_with_all,
            source_url,
            source_text: optional_text("source_text", new.source_text.as_deref(), 20_000)?,
            screening: new.screening.clone(),
            red_flags: new.red_flags.clone(),
            score: new.score,
            version: 1,
            created_by: viewer.user_id.clone(),
            created_at: at,
            updated_at: at,
        };
        let substance_ids = inc
            .substances
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let substances_json = to_json(&inc.substances)?;
        let red_flags_json = to_json(&inc.red_flags)?;
        let screening_json = inc.screening.as_ref().map(|s| s.to_string());
        let entity_ids: Vec<&str> = entities.iter().map(|e| e.id.as_str()).collect();
        let detail =
            serde_json::json!({ "after": { "incident": &inc, "entity_ids": &entity_ids } })
                .to_string();
        let actor = viewer.actor();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            sqlx::query(&sql("INSERT INTO incidents (id, kind, reporter_org_id, substance_ids, substances, quantity,
                     quantity_kg, modus_operandi, route, occurred_on, description, share_with_all, source_url,
                     source_text, screening, red_flags, score, version, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                         $20, $21)"))
                .bind(&inc.id)
                .bind(&inc.kind)
                .bind(&inc.reporter_org_id)
                .bind(&substance_ids)
                .bind(&substances_json)
                .bind(&inc.quantity)
                .bind(inc.quantity_kg)
                .bind(&inc.modus_operandi)
                .bind(inc.route.join(","))
                .bind(inc.occurred_on.to_string())
                .bind(&inc.description)
                .bind(inc.share_with_all)
                .bind(&inc.source_url)
                .bind(&inc.source_text)
                .bind(&screening_json)
                .bind(&red_flags_json)
                .bind(inc.score)
                .bind(inc.version)
                .bind(&inc.created_by)
                .bind(inc.created_at)
                .bind(inc.updated_at)
                .execute(&mut *tx)
                .await?;
            for org in &inc.shared_with {
                sqlx::query(&sql("INSERT INTO incident_shares (incident_id, org_id, shared_by, shared_at)
                     VALUES ($1, $2, $3, $4)"))
                    .bind(&inc.id).bind(org).bind(&viewer.user_id).bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            for e in &entity_ids {
                sqlx::query(&sql("INSERT INTO incident_entities (incident_id, entity_id, linked_by, linked_at)
                     VALUES ($1, $2, $3, $4)"))
                    .bind(&inc.id).bind(*e).bind(&viewer.user_id).bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            audit!(tx, sql, at, actor, "create", "incident", &inc.id, &detail);
            tx.commit().await?;
        });
        Ok(inc)
    }

    async fn shares_of(&self, incident_id: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT org_id FROM incident_shares WHERE incident_id = $1
                 ORDER BY shared_at, org_id"))
                .bind(incident_id)
                .fetch_all(p)
                .await?
        });
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// One incident, if the viewer sees it (its reporter, an organisation it is shared with, or — shared
    /// with all — an authority or observer).
    pub async fn incident(&self, id: &str, viewer: &Viewer) -> Result<Incident, StoreError> {
        if id.contains('\0') {
            return Err(StoreError::NotFound(format!("no incident {id:?}")));
        }
        let row: Option<Row> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {COLUMNS} FROM incidents i WHERE i.id = $3 AND {VISIBLE}")))
                .bind(&viewer.org_id)
                .bind(sees_all(viewer))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        let Some(row) = row else {
            return Err(StoreError::NotFound(format!("no incident {id:?}")));
        };
        let shared = self.shares_of(id).await?;
        row.into_incident(shared)
    }

    /// The incidents the viewer sees, most recent occurrence first.
    pub async fn incidents(
        &self,
        viewer: &Viewer,
        filter: &IncidentFilter,
        page: Page,
    ) -> Result<Listing<Incident>, StoreError> {
        let kind = filter
            .kind
            .as_deref()
            .filter(|k| !k.trim().is_empty())
            .map(check_kind)
            .transpose()?
            .unwrap_or_default();
        let substance = filter
            .substance_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| like_pattern(&format!(",{s},")))
            .unwrap_or_default();
        let ctry = filter
            .country
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| country("country", c))
            .transpose()?
            .map(|c| like_pattern(&format!(",{c},")))
            .unwrap_or_default();
        let q = filter
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| {
                if q.contains('\0') {
                    Err(invalid("q", "contains a NUL character"))
                } else if q.chars().count() > 200 {
                    Err(invalid("q", "longer than 200 characters"))
                } else {
                    Ok(like_pattern(&q.to_lowercase()))
                }
            })
            .transpose()?
            .unwrap_or_default();
        if let (Some(f), Some(t)) = (filter.from, filter.to)
            && f > t
        {
            return Err(invalid("from", format!("{f} is after `to` {t}")));
        }
        let from = filter.from.map(|d| d.to_string()).unwrap_or_default();
        let to = filter.to.map(|d| d.to_string()).unwrap_or_default();
        let cond = format!(
            "{VISIBLE} AND ($3 = '' OR i.kind = $3)
             AND ($4 = '' OR (',' || i.substance_ids || ',') LIKE $4 ESCAPE '\\')
             AND ($5 = '' OR (',' || i.route || ',') LIKE $5 ESCAPE '\\')
             AND ($6 = '' OR lower(i.description) LIKE $6 ESCAPE '\\'
                  OR lower(coalesce(i.modus_operandi, '')) LIKE $6 ESCAPE '\\')
             AND ($7 = '' OR i.occurred_on >= $7) AND ($8 = '' OR i.occurred_on <= $8)"
        );
        let all = sees_all(viewer);
        let (total, rows): (i64, Vec<Row>) = on_db!(self, p, sql => {
            let total: (i64,) = sqlx::query_as(&sql(&format!("SELECT COUNT(*) FROM incidents i WHERE {cond}")))
                .bind(&viewer.org_id).bind(all).bind(&kind).bind(&substance).bind(&ctry).bind(&q)
                .bind(&from).bind(&to)
                .fetch_one(p)
                .await?;
            let rows = sqlx::query_as(&sql(&format!("SELECT {COLUMNS} FROM incidents i WHERE {cond}
                 ORDER BY i.occurred_on DESC, i.created_at DESC, i.id DESC LIMIT $9 OFFSET $10")))
                .bind(&viewer.org_id).bind(all).bind(&kind).bind(&substance).bind(&ctry).bind(&q)
                .bind(&from).bind(&to)
                .bind(page.limit).bind(page.offset)
                .fetch_all(p)
                .await?;
            (total.0, rows)
        });
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let shared = self.shares_of(&r.id).await?;
            items.push(r.into_incident(shared)?);
        }
        Ok(Listing {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// Widen whom an incident is shared with (the reporter's officers and admins; audited). Organisations
    /// already shared with are kept; sharing never narrows. A request that widens nothing changes nothing.
    pub async fn share_incident(
        &self,
        id: &str,
        shared_with: &[String],
        share_with_all: bool,
        viewer: &Viewer,
    ) -> Result<Incident, StoreError> {
        let before = self.incident(id, viewer).await?;
        viewer.require_write()?;
        if viewer.org_id != before.reporter_org_id {
            return Err(StoreError::Forbidden(
                "only the organisation that reported the incident may share it".into(),
            ));
        }
        if shared_with.is_empty() && !share_with_all {
            return Err(invalid(
                "shared_with",
                "name organisations to share with, or share_with_all",
            ));
        }
        let added: Vec<String> = self
            .share_targets(shared_with, viewer)
            .await?
            .into_iter()
            .filter(|o| !before.shared_with.contains(o))
            .collect();
        let widen_all = share_with_all && !before.share_with_all;
        if added.is_empty() && !widen_all {
            return Ok(before);
        }
        let at = now();
        let actor = viewer.actor();
        let mut after_orgs = before.shared_with.clone();
        after_orgs.extend(added.iter().cloned());
        let detail = serde_json::json!({
            "before": { "shared_with": &before.shared_with, "share_with_all": before.share_with_all },
            "after": { "shared_with": &after_orgs, "share_with_all": before.share_with_all || share_with_all },
        })
        .to_string();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            for org in &added {
                sqlx::query(&sql("INSERT INTO incident_shares (incident_id, org_id, shared_by, shared_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (incident_id, org_id) DO NOTHING"))
                    .bind(id).bind(org).bind(&viewer.user_id).bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(&sql("UPDATE incidents SET share_with_all = $1, version = version + 1, updated_at = $2
                 WHERE id = $3"))
                .bind(before.share_with_all || share_with_all)
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            audit!(tx, sql, at, actor, "share", "incident", id, &detail);
            tx.commit().await?;
        });
        self.incident(id, viewer).await
    }

    /// Link entities the viewer sees to an incident it reported (audited). Links already there are kept.
    pub async fn link_entities(
        &self,
        id: &str,
        entity_ids: &[String],
        viewer: &Viewer,
    ) -> Result<Incident, StoreError> {
        let before = self.incident(id, viewer).await?;
        viewer.require_write()?;
        if viewer.org_id != before.reporter_org_id {
            return Err(StoreError::Forbidden(
                "only the organisation that reported the incident may link entities to it".into(),
            ));
        }
        if entity_ids.is_empty() {
            return Err(invalid("entity_ids", "name at least one entity"));
        }
        let entities = self.link_targets(entity_ids, viewer).await?;
        let at = now();
        let actor = viewer.actor();
        let ids: Vec<&str> = entities.iter().map(|e| e.id.as_str()).collect();
        let detail = serde_json::json!({ "after": { "entity_ids": &ids } }).to_string();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            for e in &ids {
                sqlx::query(&sql("INSERT INTO incident_entities (incident_id, entity_id, linked_by, linked_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (incident_id, entity_id) DO NOTHING"))
                    .bind(id).bind(*e).bind(&viewer.user_id).bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(&sql("UPDATE incidents SET version = version + 1, updated_at = $1 WHERE id = $2"))
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            audit!(tx, sql, at, actor, "link", "incident", id, &detail);
            tx.commit().await?;
        });
        self.incident(id, viewer).await
    }

    /// The entities linked to an incident the viewer sees, in the order they were linked.
    pub async fn incident_entities(
        &self,
        id: &str,
        viewer: &Viewer,
    ) -> Result<Vec<Entity>, StoreError> {
        self.incident(id, viewer).await?;
        self.linked_entities(id).await
    }

    async fn linked_entities(&self, id: &str) -> Result<Vec<Entity>, StoreError> {
        let cols = crate::entities::COLUMNS;
        let rows: Vec<crate::entities::EntityRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {cols} FROM incident_entities ie JOIN entities e ON e.id = ie.entity_id
                 WHERE ie.incident_id = $1 ORDER BY ie.linked_at, e.id")))
                .bind(id)
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(Entity::try_from).collect()
    }

    /// Comment on an incident the viewer sees (every role but read-only; audited).
    pub async fn comment_on_incident(
        &self,
        id: &str,
        body: &str,
        viewer: &Viewer,
    ) -> Result<IncidentComment, StoreError> {
        self.incident(id, viewer).await?;
        if viewer.role == Role::ReadOnly {
            return Err(StoreError::Forbidden(
                "the read_only role reads only; officers, admins and reviewers comment".into(),
            ));
        }
        let comment = IncidentComment {
            id: new_id("com"),
            incident_id: id.to_string(),
            org_id: viewer.org_id.clone(),
            author: viewer.user_id.clone(),
            body: clean("body", body, 4000)?,
            created_at: now(),
        };
        let actor = viewer.actor();
        let detail = serde_json::json!({ "after": { "comment": &comment } }).to_string();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            sqlx::query(&sql("INSERT INTO incident_comments (id, incident_id, org_id, author, body, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)"))
                .bind(&comment.id)
                .bind(&comment.incident_id)
                .bind(&comment.org_id)
                .bind(&comment.author)
                .bind(&comment.body)
                .bind(comment.created_at)
                .execute(&mut *tx)
                .await?;
            audit!(tx, sql, comment.created_at, actor, "comment", "incident", id, &detail);
            tx.commit().await?;
        });
        Ok(comment)
    }

    /// The comments on an incident the viewer sees, oldest first.
    pub async fn incident_comments(
        &self,
        id: &str,
        viewer: &Viewer,
    ) -> Result<Vec<IncidentComment>, StoreError> {
        self.incident(id, viewer).await?;
        let rows: Vec<CommentRow> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT id, incident_id, org_id, author, body, created_at FROM incident_comments
                 WHERE incident_id = $1 ORDER BY created_at, id"))
                .bind(id)
                .fetch_all(p)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| IncidentComment {
                id: r.0,
                incident_id: r.1,
                org_id: r.2,
                author: r.3,
                body: r.4,
                created_at: r.5,
            })
            .collect())
    }
}

/// Checks run against both databases (called from the SQLite and PostgreSQL tests in `lib.rs`).
#[cfg(test)]
pub(crate) async fn exercise(store: &Store) {
    use crate::{
        Actor, Competence, EntityChange, EntityFilter, Identifier, NewEntity, NewOrganisation,
        Organisation, personal_hash,
    };
    let cli = Actor {
        id: "cli:test".into(),
        org_id: None,
    };
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let mut orgs = Vec::new();
    for (kind, name, ctry, competences) in [
        (
            OrgKind::Authority,
            "FGR (incidents test)",
            Some("MX"),
            vec![Competence::Police, Competence::Customs],
        ),
        (
            OrgKind::Authority,
            "CBP (incidents test)",
            Some("US"),
            vec![Competence::Customs],
        ),
        (
            OrgKind::Company,
            "Quimica Norte (incidents test)",
            Some("MX"),
            vec![],
        ),
        (
            OrgKind::Observer,
            "INCB-like (incidents test)",
            None,
            vec![],
        ),
        (
            OrgKind::Company,
            "Unrelated GmbH (incidents test)",
            Some("DE"),
            vec![],
        ),
    ] {
        orgs.push(
            store
                .create_organisation(
                    &NewOrganisation {
                        kind,
                        name: name.into(),
                        country: ctry.map(str::to_string),
                        competences,
                    },
                    &cli,
                )
                .await
                .expect("organisation"),
        );
    }
    let as_user = |o: &Organisation, role: Role| Viewer {
        user_id: format!("usr_{}_{}", role.as_str(), &o.id[4..12]),
        role,
        org_id: o.id.clone(),
        kind: o.kind,
        country: o.country.clone(),
        competences: o.competences.clone(),
    };
    let (mx, us, co, obs, other) = (&orgs[0], &orgs[1], &orgs[2], &orgs[3], &orgs[4]);
    let mx_off = as_user(mx, Role::Officer);
    let us_off = as_user(us, Role::Officer);
    let us_rev = as_user(us, Role::Reviewer);
    let us_ro = as_user(us, Role::ReadOnly);
    let co_off = as_user(co, Role::Officer);
    let obs_ro = as_user(obs, Role::ReadOnly);
    let other_off = as_user(other, Role::Officer);

    // Entities: recorded by an organisation, seen by it only.
    let supplier = store
        .create_entity(
            &NewEntity {
                kind: "company".into(),
                name: "Hubei Amarvel Biotech Co., Ltd.".into(),
                country: Some("cn".into()),
                identifiers: vec![
                    Identifier {
                        kind: "web_shop".into(),
                        value: "https://amarvel.example/shop".into(),
                    },
                    Identifier {
                        kind: "email".into(),
                        value: "sales@amarvel.example".into(),
                    },
                    Identifier {
                        kind: "crypto_wallet".into(),
                        value: "bc1qexamplewallet0000".into(),
                    },
                ],
            },
            &mx_off,
        )
        .await
        .expect("entity");
    assert_eq!(supplier.country.as_deref(), Some("CN"));
    let person = store
        .create_entity(
            &NewEntity {
                kind: "person".into(),
                name: "Juan Carlos Pérez López".into(),
                country: Some("MX".into()),
                identifiers: vec![Identifier {
                    kind: "phone".into(),
                    value: "+52 55 0000 0000".into(),
                }],
            },
            &mx_off,
        )
        .await
        .expect("person");
    let unlinked = store
        .create_entity(
            &NewEntity {
                kind: "company".into(),
                name: format!("Unlinked Trading {tag}"),
                country: None,
                identifiers: vec![],
            },
            &mx_off,
        )
        .await
        .expect("entity");
    for (bad, field) in [
        (
            NewEntity {
                kind: "ship".into(),
                name: "x".into(),
                country: None,
                identifiers: vec![],
            },
            "kind",
        ),
        (
            NewEntity {
                kind: "company".into(),
                name: " ".into(),
                country: None,
                identifiers: vec![],
            },
            "name",
        ),
        (
            NewEntity {
                kind: "company".into(),
                name: "x".into(),
                country: None,
                identifiers: vec![Identifier {
                    kind: "fax".into(),
                    value: "1".into(),
                }],
            },
            "identifiers[0].type",
        ),
        (
            NewEntity {
                kind: "person".into(),
                name: "x".into(),
                country: None,
                identifiers: vec![Identifier {
                    kind: "email".into(),
                    value: "nobody".into(),
                }],
            },
            "identifiers[0].value",
        ),
    ] {
        match store.create_entity(&bad, &mx_off).await {
            Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected invalid {field}, got {other:?}"),
        }
    }
    assert!(matches!(
        store
            .create_entity(
                &NewEntity {
                    kind: "company".into(),
                    name: "x".into(),
                    country: None,
                    identifiers: vec![]
                },
                &us_ro
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.entity(&supplier.id, &us_off).await,
        Err(StoreError::NotFound(_))
    ));
    // Corrections: by the recording organisation's writers only, audited, checked like a new entity.
    let renamed = store
        .update_entity(
            &unlinked.id,
            &EntityChange {
                name: Some(format!("Unlinked Trading {tag} S.A.")),
                country: Some("mx".into()),
                identifiers: Some(vec![Identifier {
                    kind: "email".into(),
                    value: "ventas@unlinked.example".into(),
                }]),
            },
            &mx_off,
        )
        .await
        .expect("update entity");
    assert_eq!(renamed.country.as_deref(), Some("MX"));
    assert!(renamed.updated_at > unlinked.updated_at);
    assert_eq!(
        store.entity(&unlinked.id, &mx_off).await.expect("entity"),
        renamed
    );
    let cleared = store
        .update_entity(
            &unlinked.id,
            &EntityChange {
                country: Some(" ".into()),
                ..EntityChange::default()
            },
            &mx_off,
        )
        .await
        .expect("clear country");
    assert_eq!(cleared.country, None);
    assert_eq!(cleared.name, renamed.name);
    for (change, field) in [
        (
            EntityChange {
                name: Some(" ".into()),
                ..EntityChange::default()
            },
            "name",
        ),
        (
            EntityChange {
                country: Some("MEX".into()),
                ..EntityChange::default()
            },
            "country",
        ),
        (
            EntityChange {
                identifiers: Some(vec![Identifier {
                    kind: "fax".into(),
                    value: "1".into(),
                }]),
                ..EntityChange::default()
            },
            "identifiers[0].type",
        ),
    ] {
        match store.update_entity(&unlinked.id, &change, &mx_off).await {
            Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected invalid {field}, got {other:?}"),
        }
    }
    let rename = EntityChange {
        name: Some("Taken Over".into()),
        ..EntityChange::default()
    };
    assert!(matches!(
        store.update_entity(&unlinked.id, &rename, &us_off).await,
        Err(StoreError::NotFound(_))
    ));
    let mx_ro = as_user(mx, Role::ReadOnly);
    assert!(matches!(
        store.update_entity(&unlinked.id, &rename, &mx_ro).await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(
        store
            .entity(&unlinked.id, &mx_off)
            .await
            .expect("entity")
            .name,
        cleared.name
    );
    let mine = store
        .entities(
            &mx_off,
            &EntityFilter {
                q: Some("amarvel bio-tech".into()),
                ..Default::default()
            },
            Page::default(),
        )
        .await
        .expect("entities");
    assert_eq!(
        mine.items.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        [supplier.id.as_str()]
    );
    assert_eq!(
        store
            .entities(&other_off, &EntityFilter::default(), Page::default())
            .await
            .expect("entities")
            .total,
        0
    );

    // An incident, shared with the US authority, with both entities linked.
    let npp = IncidentSubstance {
        id: "npp".into(),
        name: "N-Phenethyl-4-piperidone".into(),
    };
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let new = NewIncident {
        kind: "seizure".into(),
        substances: vec![npp.clone(), npp.clone()],
        quantity: Some("250 kg".into()),
        quantity_kg: Some(250.0),
        modus_operandi: Some("Declared as a cosmetics raw material; consolidated cargo".into()),
        route: vec!["cn".into(), "US".into(), "MX".into()],
        occurred_on: date("2025-11-03"),
        description: format!("Seizure {tag} at the port of Manzanillo"),
        entity_ids: vec![supplier.id.clone(), person.id.clone()],
        shared_with: vec![us.id.clone(), mx.id.clone()],
        share_with_all: false,
        source_url: None,
        source_text: None,
        screening: None,
        red_flags: vec![],
        score: None,
    };
    let inc = store.report_incident(&new, &mx_off).await.expect("report");
    assert_eq!(inc.substances, vec![npp.clone()], "repeats dropped");
    assert_eq!(inc.route, ["CN", "US", "MX"]);
    assert_eq!(
        inc.shared_with,
        vec![us.id.clone()],
        "the reporter itself is not a share"
    );
    assert_eq!(store.incident(&inc.id, &mx_off).await.expect("read"), inc);
    assert!(matches!(
        store
            .report_incident(&new, &as_user(mx, Role::Reviewer))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let bad = |f: &dyn Fn(&mut NewIncident)| {
        let mut n = new.clone();
        f(&mut n);
        n
    };
    for (n, field) in [
        (bad(&|n| n.kind = "robbery".into()), "kind"),
        (bad(&|n| n.substances.clear()), "substances"),
        (
            bad(&|n| n.route = vec!["CN".into(), "Mexico".into()]),
            "route[1]",
        ),
        (
            bad(&|n| n.shared_with = vec!["org_missing".into()]),
            "shared_with[0]",
        ),
        (
            bad(&|n| n.entity_ids = vec![unlinked.id.clone(), "ent_missing".into()]),
            "entity_ids[1]",
        ),
        (
            bad(&|n| n.modus_operandi = Some("x".repeat(4001))),
            "modus_operandi",
        ),
        (bad(&|n| n.description = " ".into()), "description"),
        (bad(&|n| n.description = "NUL \0".into()), "description"),
        (
            bad(&|n| n.occurred_on = Utc::now().date_naive() + chrono::Days::new(10)),
            "occurred_on",
        ),
        (
            bad(&|n| n.source_url = Some("ftp://x".into())),
            "source_url",
        ),
    ] {
        match store.report_incident(&n, &mx_off).await {
            Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected invalid {field}, got {other:?}"),
        }
    }
    // Someone else's entity cannot be linked by an organisation that does not see it.
    match store
        .report_incident(&bad(&|n| n.shared_with.clear()), &other_off)
        .await
    {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "entity_ids[0]"),
        other => panic!("expected invalid entity_ids[0], got {other:?}"),
    }

    // PostgreSQL cannot hold a NUL character: such an id is simply not found.
    assert!(matches!(
        store.incident("inc_\0", &mx_off).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.entity("ent_\0", &mx_off).await,
        Err(StoreError::NotFound(_))
    ));
    // Visibility: reporter and shared-with see it; the rest get "not found".
    assert_eq!(
        store.incident(&inc.id, &us_ro).await.expect("shared").id,
        inc.id
    );
    for v in [&co_off, &obs_ro, &other_off] {
        assert!(
            matches!(
                store.incident(&inc.id, v).await,
                Err(StoreError::NotFound(_))
            ),
            "{v:?}"
        );
        assert!(matches!(
            store.incident_entities(&inc.id, v).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store.entity(&supplier.id, v).await,
            Err(StoreError::NotFound(_))
        ));
    }
    // Whoever sees the incident sees its entities' names and identifiers.
    let linked = store
        .incident_entities(&inc.id, &us_ro)
        .await
        .expect("entities");
    assert_eq!(linked.len(), 2);
    let seen = linked
        .iter()
        .find(|e| e.id == supplier.id)
        .expect("supplier");
    assert_eq!(seen.identifiers, supplier.identifiers);
    assert_eq!(
        store
            .entity(&supplier.id, &us_ro)
            .await
            .expect("via incident")
            .name,
        supplier.name
    );
    assert_eq!(
        store
            .entity_incidents(&supplier.id, &us_ro)
            .await
            .expect("ids"),
        vec![inc.id.clone()]
    );
    assert!(matches!(
        store.entity(&unlinked.id, &us_off).await,
        Err(StoreError::NotFound(_))
    ));

    // Search and filters.
    let list = |v: Viewer, f: IncidentFilter| async move {
        store
            .incidents(&v, &f, Page::default())
            .await
            .expect("list")
    };
    let q = |extra: IncidentFilter| IncidentFilter {
        q: Some(tag.to_uppercase()),
        ..extra
    };
    assert_eq!(list(mx_off.clone(), q(Default::default())).await.total, 1);
    assert_eq!(list(us_ro.clone(), q(Default::default())).await.total, 1);
    assert_eq!(
        list(other_off.clone(), q(Default::default())).await.total,
        0
    );
    assert_eq!(list(obs_ro.clone(), q(Default::default())).await.total, 0);
    for (f, n) in [
        (
            IncidentFilter {
                kind: Some("seizure".into()),
                ..Default::default()
            },
            1,
        ),
        (
            IncidentFilter {
                kind: Some("online_offer".into()),
                ..Default::default()
            },
            0,
        ),
        (
            IncidentFilter {
                substance_id: Some("npp".into()),
                ..Default::default()
            },
            1,
        ),
        (
            IncidentFilter {
                substance_id: Some("anpp".into()),
                ..Default::default()
            },
            0,
        ),
        (
            IncidentFilter {
                country: Some("us".into()),
                ..Default::default()
            },
            1,
        ),
        (
            IncidentFilter {
                country: Some("DE".into()),
                ..Default::default()
            },
            0,
        ),
        (
            IncidentFilter {
                from: Some(date("2025-11-03")),
                to: Some(date("2025-11-03")),
                ..Default::default()
            },
            1,
        ),
        (
            IncidentFilter {
                from: Some(date("2025-11-04")),
                ..Default::default()
            },
            0,
        ),
    ] {
        assert_eq!(list(us_off.clone(), q(f.clone())).await.total, n, "{f:?}");
    }
    let by_mo = list(
        mx_off.clone(),
        IncidentFilter {
            q: Some("COSMETICS raw".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(
        by_mo.items.iter().any(|i| i.id == inc.id),
        "q searches the modus operandi"
    );
    assert!(matches!(
        store.incidents(&us_off, &IncidentFilter { kind: Some("x".into()), ..Default::default() }, Page::default()).await,
        Err(StoreError::Invalid { field, .. }) if field == "kind"
    ));
    assert!(matches!(
        store.incidents(&us_off, &IncidentFilter { from: Some(date("2025-02-01")), to: Some(date("2025-01-01")), ..Default::default() }, Page::default()).await,
        Err(StoreError::Invalid { field, .. }) if field == "from"
    ));

    // Comments: reviewers may, read-only users may not, other tenants do not see the incident.
    let c = store
        .comment_on_incident(&inc.id, "Same consignee as a 2024 case; checking.", &us_rev)
        .await
        .expect("reviewer comments");
    assert_eq!(
        (c.author.as_str(), c.org_id.as_str()),
        (us_rev.user_id.as_str(), us.id.as_str())
    );
    assert!(matches!(
        store.comment_on_incident(&inc.id, "x", &us_ro).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.comment_on_incident(&inc.id, "x", &other_off).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.comment_on_incident(&inc.id, "  ", &us_off).await,
        Err(StoreError::Invalid { field, .. }) if field == "body"
    ));
    assert_eq!(
        store
            .incident_comments(&inc.id, &mx_off)
            .await
            .expect("comments"),
        vec![c]
    );
    assert_eq!(incident_actions(&inc, &us_rev), ["comment"]);
    assert_eq!(
        incident_actions(&inc, &mx_off),
        ["comment", "share", "link_entities"]
    );
    assert!(incident_actions(&inc, &us_ro).is_empty());

    // Sharing widens, by the reporter only, audited.
    assert!(matches!(
        store.share_incident(&inc.id, &[], true, &us_off).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store
            .share_incident(&inc.id, &[], true, &as_user(mx, Role::Reviewer))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.share_incident(&inc.id, &[], true, &other_off).await,
        Err(StoreError::NotFound(_))
    ));
    let same = store
        .share_incident(&inc.id, std::slice::from_ref(&us.id), false, &mx_off)
        .await
        .expect("no-op");
    assert_eq!(same.version, 1, "nothing widened, nothing changed");
    let wide = store
        .share_incident(&inc.id, std::slice::from_ref(&co.id), true, &mx_off)
        .await
        .expect("share");
    assert!(wide.share_with_all && wide.version == 2);
    assert_eq!(wide.shared_with, vec![us.id.clone(), co.id.clone()]);
    assert_eq!(
        store
            .incident(&inc.id, &obs_ro)
            .await
            .expect("observer sees all-shared")
            .id,
        inc.id
    );
    assert_eq!(
        store
            .incident(&inc.id, &co_off)
            .await
            .expect("shared with the company")
            .id,
        inc.id
    );
    assert!(
        matches!(
            store.incident(&inc.id, &other_off).await,
            Err(StoreError::NotFound(_))
        ),
        "shared with all means authorities and observers, not every company"
    );
    let log = store.audit_log(0, 100_000).await.expect("audit");
    let share = log
        .iter()
        .rev()
        .find(|e| e.entity_id == inc.id && e.action == "share")
        .expect("share audited");
    let d: serde_json::Value = serde_json::from_str(&share.detail).expect("json");
    assert_eq!(d["before"]["share_with_all"], false);
    assert_eq!(d["after"]["share_with_all"], true);

    // Link entities later.
    assert!(matches!(
        store
            .link_entities(&inc.id, std::slice::from_ref(&unlinked.id), &us_off)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let linked = store
        .link_entities(&inc.id, std::slice::from_ref(&unlinked.id), &mx_off)
        .await
        .expect("link");
    assert_eq!(linked.version, 3);
    assert_eq!(
        store
            .incident_entities(&inc.id, &obs_ro)
            .await
            .expect("entities")
            .len(),
        3
    );

    // Person names are personal data: hashed in the audit log.
    let created = log
        .iter()
        .find(|e| e.entity_id == person.id)
        .expect("person audited");
    assert!(!created.detail.contains("rez L"), "{}", created.detail);
    assert!(created.detail.contains(&personal_hash(&person.name)));
    assert!(
        !created.detail.contains("+52 55"),
        "a person's phone is hashed"
    );
    let company = log
        .iter()
        .find(|e| e.entity_id == supplier.id)
        .expect("supplier audited");
    assert!(company.detail.contains("Hubei Amarvel") && !company.detail.contains("sales@amarvel"));

    // Watch list: authorities, entities they see, a reason; removing keeps the entry.
    let w = store
        .watch_entity(&supplier.id, "Supplier in seizure at Manzanillo", &us_off)
        .await
        .expect("watch");
    assert!(w.active);
    assert!(matches!(
        store.watch_entity(&supplier.id, "again", &us_off).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store.watch_entity(&supplier.id, "x", &us_ro).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(
        matches!(
            store.watch_entity(&supplier.id, "x", &co_off).await,
            Err(StoreError::Forbidden(_))
        ),
        "companies keep no watch list"
    );
    assert!(matches!(
        store.watch_entity(&supplier.id, "x", &other_off).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.watch_entity(&supplier.id, " ", &mx_off).await,
        Err(StoreError::Invalid { field, .. }) if field == "reason"
    ));
    store
        .watch_entity(&person.id, "Broker named in the seizure", &us_off)
        .await
        .expect("watch person");
    assert_eq!(
        store
            .watchlist(&us_ro, false, Page::default())
            .await
            .expect("list")
            .total,
        2
    );
    let gone = store
        .unwatch_entity(&person.id, Some("Cleared by investigation"), &us_off)
        .await
        .expect("unwatch");
    assert!(!gone.active && gone.removed_by.as_deref() == Some(us_off.user_id.as_str()));
    assert!(matches!(
        store.unwatch_entity(&person.id, None, &us_off).await,
        Err(StoreError::Conflict { .. })
    ));
    let active = store
        .watchlist(&us_ro, false, Page::default())
        .await
        .expect("list");
    assert_eq!(
        active
            .items
            .iter()
            .map(|w| w.entity_id.as_str())
            .collect::<Vec<_>>(),
        [supplier.id.as_str()]
    );
    let all = store
        .watchlist(&us_ro, true, Page::default())
        .await
        .expect("list");
    assert_eq!(all.total, 2);
    assert_eq!(
        all.items
            .iter()
            .find(|w| !w.active)
            .and_then(|w| w.removed_reason.as_deref()),
        Some("Cleared by investigation")
    );
    let log = store.audit_log(0, 100_000).await.expect("audit");
    let unwatch = log
        .iter()
        .rev()
        .find(|e| e.entity_id == person.id && e.action == "unwatch")
        .expect("unwatch audited");
    assert!(!unwatch.detail.contains("rez L"), "{}", unwatch.detail);

    // Fuzzy flags, from what each viewer may see.
    let names = [
        ("consignee", "HUBEI AMARVEL BIO-TECH CO LTD"),
        ("exporter", "Hubei Aoks Bio-Tech Co., Ltd."),
        ("consignee", "PEREZ LOPEZ, Juan Carlos"),
        ("notify_party", ""),
    ];
    // (Only this run's entities: on a database kept between runs, earlier runs' incidents shared with all
    // are seen too.)
    let ours = |flags: Vec<crate::EntityFlag>| -> Vec<crate::EntityFlag> {
        flags
            .into_iter()
            .filter(|f| [&supplier.id, &person.id].contains(&&f.entity_id))
            .collect()
    };
    let flags = ours(store.entity_flags(&us_ro, &names).await.expect("flags"));
    assert_eq!(flags.len(), 2, "{flags:#?}");
    assert_eq!(
        (flags[0].role.as_str(), flags[0].entity_id.as_str()),
        ("consignee", supplier.id.as_str())
    );
    assert_eq!(flags[0].incident_ids, vec![inc.id.clone()]);
    assert_eq!(
        flags[0].watch_reason.as_deref(),
        Some("Supplier in seizure at Manzanillo")
    );
    assert!(!flags[0].recorded_by_you && flags[0].score >= crate::MATCH_THRESHOLD);
    assert!(flags[0].why.contains(&inc.id), "{}", flags[0].why);
    assert_eq!(flags[1].entity_id, person.id);
    assert_eq!(flags[1].watch_reason, None, "removed from the watch list");
    let flags = ours(
        store
            .entity_flags(&mx_off, &names[..1])
            .await
            .expect("flags"),
    );
    assert!(flags[0].recorded_by_you);
    assert!(
        store
            .entity_flags(&other_off, &names)
            .await
            .expect("flags")
            .is_empty()
    );
    assert!(
        store
            .entity_flags(&us_off, &[])
            .await
            .expect("flags")
            .is_empty()
    );
}
