//! Incidents, entities and watch lists under `/api/v1`.
//!
//! Handlers are thin: parse, resolve substances through the registry (as `pwatch lookup` does), screen a
//! text with the same screener as `POST /api/v1/screen`, then hand a [`pw_store::Viewer`] to the store,
//! which applies the tenant rules. Scopes: `read` for every `GET` and for `POST /entities/match` (it changes
//! nothing); `incidents` for every write — reporting, commenting, sharing, linking, recording entities and
//! keeping the watch list.
//!
//! An incident names one or more substances (`substances`: a list of identifiers — names, CAS RNs,
//! InChIKeys — each resolved to one registry substance; an unknown one is a 422 naming `substances[i]`, an
//! ambiguous one a 400).

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pw_store::{
    Entity, EntityChange, EntityFilter, EntityFlag, Identifier, Incident, IncidentComment,
    IncidentFilter, IncidentSubstance, LogRef, NewEntity, NewIncident, Page, RedFlag, Scope,
    Viewer, WatchEntry, incident_actions,
};
use serde::{Deserialize, Serialize};

use crate::api::parse_json;
use crate::flows::{query, resolve_one};
use crate::{AppError, AppState, Caller, ErrorBody};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list_incidents).post(report))
        .route("/incidents/from-screening", post(from_screening))
        .route("/incidents/{id}", get(get_incident))
        .route("/incidents/{id}/comments", post(comment))
        .route("/incidents/{id}/share", post(share))
        .route("/incidents/{id}/entities", post(link))
        .route("/entities", get(list_entities).post(create_entity))
        .route("/entities/match", post(match_names))
        .route("/entities/{id}", get(get_entity).patch(update_entity))
        .route("/entities/{id}/watch", post(watch))
        .route("/entities/{id}/unwatch", post(unwatch))
        .route("/watchlist", get(watchlist))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_incidents,
        report,
        from_screening,
        get_incident,
        comment,
        share,
        link,
        list_entities,
        create_entity,
        match_names,
        get_entity,
        update_entity,
        watch,
        unwatch,
        watchlist
    ),
    components(schemas(
        ReportRequest,
        FromScreeningRequest,
        CommentRequest,
        ShareRequest,
        LinkRequest,
        IncidentView,
        IncidentPage,
        CreateEntityRequest,
        UpdateEntityRequest,
        EntityView,
        EntityPage,
        WatchRequest,
        UnwatchRequest,
        WatchPage,
        MatchRequest,
        NameToMatch,
        MatchResponse,
        Incident,
        IncidentComment,
        IncidentSubstance,
        RedFlag,
        Entity,
        Identifier,
        WatchEntry,
        EntityFlag
    ))
)]
pub(crate) struct IncidentsDoc;

fn date(field: &str, s: &str) -> Result<chrono::NaiveDate, AppError> {
    pw_trade::date(s).map_err(|e| AppError::bad(field, e.message))
}

fn kg(quantity: Option<&str>) -> Option<f64> {
    let q = pw_registry::Quantity::parse(quantity?).ok()?;
    (q.dimension == pw_registry::Dimension::Mass).then_some(q.base / 1000.0)
}

fn body_or_default<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_json(body)
    }
}

fn unprocessable(field: impl Into<String>, message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).with_field(field)
}

/// Resolve each identifier to one registry substance; an unknown one is a 422, an ambiguous one a 400,
/// both naming `substances[i]`.
fn resolve_all(st: &AppState, idents: &[String]) -> Result<Vec<IncidentSubstance>, AppError> {
    idents
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let field = format!("substances[{i}]");
            match resolve_one(st, s) {
                Ok((id, name)) => Ok(IncidentSubstance { id, name }),
                Err(e) if e.status == StatusCode::NOT_FOUND => Err(unprocessable(field, e.message)),
                Err(e) => Err(e.with_field(field)),
            }
        })
        .collect()
}

fn countries(st: &AppState, field: &str, list: &[String]) -> Result<Vec<String>, AppError> {
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            pw_trade::country(&st.registry, "country", c)
                .map_err(|e| AppError::bad(format!("{field}[{i}]"), e.message))
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------------
// Incidents

/// Body of `POST /api/v1/incidents`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// `seizure`, `stopped_shipment`, `suspicious_order` or `online_offer`.
    pub kind: String,
    /// One or more identifiers of substances (name, CAS RN, InChIKey…), each resolved through the registry.
    pub substances: Vec<String>,
    /// Quantity as written (`250 kg`, `12 drums`); kept in kg too when it is a mass.
    #[serde(default)]
    pub quantity: Option<String>,
    /// How it was done: concealment, declared goods, payment (free text, ≤ 4000 characters).
    #[serde(default)]
    pub modus_operandi: Option<String>,
    /// Countries the goods went through, in order (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub route: Vec<String>,
    /// The day it happened, `YYYY-MM-DD`.
    pub occurred_on: String,
    /// What happened (≤ 4000 characters).
    pub description: String,
    /// Entities (`ent_…`) the caller sees, to link.
    #[serde(default)]
    pub entity_ids: Vec<String>,
    /// Organisations (`org_…`) to share with.
    #[serde(default)]
    pub shared_with: Vec<String>,
    /// Share with every national authority and observer.
    #[serde(default)]
    pub share_with_all: bool,
    /// Where an online offer was seen (http/https).
    #[serde(default)]
    pub source_url: Option<String>,
}

/// Body of `POST /api/v1/incidents/from-screening`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FromScreeningRequest {
    /// The offer's text (≤ 20,000 characters).
    pub text: String,
    /// Where it was seen (http/https).
    #[serde(default)]
    pub source_url: Option<String>,
    /// Organisations (`org_…`) to share with.
    #[serde(default)]
    pub shared_with: Vec<String>,
    /// Share with every national authority and observer.
    #[serde(default)]
    pub share_with_all: bool,
    /// The day it was seen, `YYYY-MM-DD` (default today).
    #[serde(default)]
    pub occurred_on: Option<String>,
    /// Countries named (ISO 3166-1 alpha-2), in order.
    #[serde(default)]
    pub route: Vec<String>,
    /// A description (default: the screening's explanation).
    #[serde(default)]
    pub description: Option<String>,
    /// Entities (`ent_…`) the caller sees, to link.
    #[serde(default)]
    pub entity_ids: Vec<String>,
}

/// An incident with its linked entities, what the caller may do and (one record only) its comments.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    /// The incident.
    #[serde(flatten)]
    pub incident: Incident,
    /// Actions the caller may take now (`comment`, `share`, `link_entities`).
    pub actions: Vec<String>,
    /// Where the incident stands in the transparency log: its latest audit row and that row's leaf index
    /// (null until the log has appended it).
    pub log: Option<LogRef>,
    /// Linked entities with their identifiers (one record only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<Entity>>,
    /// Comments, oldest first (one record only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<Vec<IncidentComment>>,
}

/// A page of incidents.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentPage {
    /// Incidents, most recent occurrence first.
    pub items: Vec<IncidentView>,
    /// How many the filters select.
    pub total: i64,
    /// Page size.
    pub limit: i64,
    /// Offset.
    pub offset: i64,
}

/// Filters and page of `GET /api/v1/incidents`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncidentParams {
    /// `seizure`, `stopped_shipment`, `suspicious_order`, `online_offer`.
    kind: Option<String>,
    /// A substance: registry id or any identifier.
    substance: Option<String>,
    /// A country on the route (ISO 3166-1 alpha-2).
    country: Option<String>,
    /// Words in the description or modus operandi (case-insensitive).
    q: Option<String>,
    /// Happened on or after `YYYY-MM-DD`.
    from: Option<String>,
    /// Happened on or before `YYYY-MM-DD`.
    to: Option<String>,
    /// Page size, 1–200 (default 50).
    limit: Option<i64>,
    /// Offset (default 0).
    offset: Option<i64>,
}

async fn incident_view(
    st: &AppState,
    inc: Incident,
    viewer: &Viewer,
    whole: bool,
) -> Result<IncidentView, AppError> {
    let (entities, comments) = if whole {
        (
            Some(st.store.incident_entities(&inc.id, viewer).await?),
            Some(st.store.incident_comments(&inc.id, viewer).await?),
        )
    } else {
        (None, None)
    };
    Ok(IncidentView {
        // On a list page the caller fills this in with one query for the page.
        log: if whole {
            st.store.ledger_log_ref("incident", &inc.id).await?
        } else {
            None
        },
        actions: incident_actions(&inc, viewer)
            .into_iter()
            .map(str::to_string)
            .collect(),
        incident: inc,
        entities,
        comments,
    })
}

/// Report an incident: a seizure, a stopped shipment, a suspicious order or an online offer. Any
/// organisation may report; its officers and admins do.
#[utoipa::path(post, path = "/api/v1/incidents", request_body = ReportRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = IncidentView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn report(
    State(st): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<IncidentView>), AppError> {
    let viewer = caller.viewer_for(Scope::Incidents)?;
    let req: ReportRequest = parse_json(&body)?;
    viewer.require_write()?;
    let occurred_on = date("occurred_on", &req.occurred_on)?;
    let route = countries(&st, "route", &req.route)?;
    let substances = resolve_all(&st, &req.substances)?;
    let new = NewIncident {
        kind: req.kind,
        substances,
        quantity_kg: kg(req.quantity.as_deref()),
        quantity: req.quantity,
        modus_operandi: req.modus_operandi,
        route,
        occurred_on,
        description: req.description,
        entity_ids: req.entity_ids,
        shared_with: req.shared_with,
        share_with_all: req.share_with_all,
        source_url: req.source_url,
        source_text: None,
        screening: None,
        red_flags: Vec::new(),
        score: None,
    };
    let inc = st.store.report_incident(&new, &viewer).await?;
    Ok((
        StatusCode::CREATED,
        Json(incident_view(&st, inc, &viewer, true).await?),
    ))
}

/// Longest text `POST /api/v1/incidents/from-screening` takes.
pub const MAX_OFFER_CHARS: usize = 20_000;

/// Turn an online offer into an incident: the text is screened (as `POST /api/v1/screen` does) and an
/// `online_offer` incident is reported with the substances, red flags and score found, the screening kept
/// as evidence. A text that names no controlled substance (bulk solvents and acids do not count) is a 422.
#[utoipa::path(post, path = "/api/v1/incidents/from-screening", request_body = FromScreeningRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = IncidentView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn from_screening(
    State(st): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<IncidentView>), AppError> {
    let viewer = caller.viewer_for(Scope::Incidents)?;
    let req: FromScreeningRequest = parse_json(&body)?;
    viewer.require_write()?;
    if req.text.trim().is_empty() {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_text",
            "the text is empty: nothing to screen",
        )
        .with_field("text"));
    }
    if req.text.contains('\0') {
        return Err(unprocessable("text", "contains a NUL character"));
    }
    if req.text.chars().count() > MAX_OFFER_CHARS {
        return Err(unprocessable(
            "text",
            format!("longer than {MAX_OFFER_CHARS} characters"),
        ));
    }
    let occurred_on = match req.occurred_on.as_deref() {
        Some(d) => date("occurred_on", d)?,
        None => chrono::Utc::now().date_naive(),
    };
    let route = countries(&st, "route", &req.route)?;
    let screener = st.screener.clone();
    let text = req.text.clone();
    let screening = tokio::task::spawn_blocking(move || screener.screen(text.as_bytes()))
        .await
        .map_err(AppError::internal)?;
    let mut substances: Vec<IncidentSubstance> = Vec::new();
    for hit in screening.substances.iter().filter(|h| h.tier != "bulk") {
        if !substances.iter().any(|s| s.id == hit.id) {
            substances.push(IncidentSubstance {
                id: hit.id.clone(),
                name: hit.name.clone(),
            });
        }
    }
    if substances.is_empty() {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_substance",
            format!(
                "the screening found no controlled substance, so there is no incident to report ({}): {}",
                screening.label.as_str(),
                screening.explanation
            ),
        )
        .with_field("text"));
    }
    let mut red_flags: Vec<RedFlag> = Vec::new();
    for f in &screening.red_flags {
        if !red_flags.iter().any(|r| r.id == f.id) {
            red_flags.push(RedFlag {
                id: f.id.clone(),
                label: f.label.clone(),
                source: f.source.clone(),
            });
        }
    }
    let description = req.description.unwrap_or_else(|| {
        format!(
            "Online offer, from its screening: {}",
            screening.explanation
        )
        .chars()
        .take(4000)
        .collect()
    });
    let new = NewIncident {
        kind: "online_offer".into(),
        substances,
        quantity: None,
        quantity_kg: None,
        modus_operandi: None,
        route,
        occurred_on,
        description,
        entity_ids: req.entity_ids,
        shared_with: req.shared_with,
        share_with_all: req.share_with_all,
        source_url: req.source_url,
        source_text: Some(req.text),
        score: Some(screening.score),
        red_flags,
        screening: Some(serde_json::to_value(&screening).map_err(AppError::internal)?),
    };
    let inc = st.store.report_incident(&new, &viewer).await?;
    Ok((
        StatusCode::CREATED,
        Json(incident_view(&st, inc, &viewer, true).await?),
    ))
}

/// The incidents the caller's organisation reported or that were shared with it (or with all, for
/// authorities and observers), most recent first, with filters.
#[utoipa::path(get, path = "/api/v1/incidents", params(IncidentParams),
    responses((status = 200, body = IncidentPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_incidents(
    State(st): State<AppState>,
    caller: Caller,
    q: Result<Query<IncidentParams>, QueryRejection>,
) -> Result<Json<IncidentPage>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    let p = query(q)?;
    let page = Page::new(p.limit, p.offset)?;
    let substance_id = match p.substance.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => match st.registry.substance(s) {
            Some(sub) => Some(sub.id.clone()),
            None => Some(
                resolve_one(&st, s)
                    .map_err(|e| AppError::bad("substance", e.message))?
                    .0,
            ),
        },
    };
    let country = match p.country.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(
            pw_trade::country(&st.registry, "country", c)
                .map_err(|e| AppError::bad("country", e.message))?,
        ),
    };
    let from = p.from.as_deref().map(|d| date("from", d)).transpose()?;
    let to = p.to.as_deref().map(|d| date("to", d)).transpose()?;
    let list = st
        .store
        .incidents(
            &viewer,
            &IncidentFilter {
                kind: p.kind,
                substance_id,
                country,
                q: p.q,
                from,
                to,
            },
            page,
        )
        .await?;
    let mut items = Vec::with_capacity(list.items.len());
    for inc in list.items {
        items.push(incident_view(&st, inc, &viewer, false).await?);
    }
    let ids: Vec<String> = items.iter().map(|i| i.incident.id.clone()).collect();
    let mut logs = st.store.ledger_log_refs("incident", &ids).await?;
    for item in &mut items {
        item.log = logs.remove(&item.incident.id);
    }
    Ok(Json(IncidentPage {
        items,
        total: list.total,
        limit: list.limit,
        offset: list.offset,
    }))
}

/// One incident with its linked entities and comments.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", params(("id" = String, Path, description = "inc_…")),
    responses((status = 200, body = IncidentView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_incident(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<IncidentView>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    let inc = st.store.incident(&id, &viewer).await?;
    Ok(Json(incident_view(&st, inc, &viewer, true).await?))
}

/// Body of `POST /api/v1/incidents/{id}/comments`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    /// The comment (≤ 4000 characters).
    pub body: String,
}

/// Comment on an incident the caller sees: officers, admins and reviewers of any organisation that sees
/// it; read-only users may not.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/comments", request_body = CommentRequest,
    params(("id" = String, Path, description = "inc_…"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = IncidentComment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn comment(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<IncidentComment>), AppError> {
    let viewer = caller.viewer_for(Scope::Incidents)?;
    let req: CommentRequest = parse_json(&body)?;
    let c = st
        .store
        .comment_on_incident(&id, &req.body, &viewer)
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Body of `POST /api/v1/incidents/{id}/share`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    /// Organisations (`org_…`) to add.
    #[serde(default)]
    pub shared_with: Vec<String>,
    /// Share with every national authority and observer from now on.
    #[serde(default)]
    pub share_with_all: bool,
}

/// Widen whom an incident is shared with (the reporting organisation's officers and admins). Sharing never
/// narrows.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/share", request_body = ShareRequest,
    params(("id" = String, Path, description = "inc_…")),
    responses((status = 200, body = IncidentView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn share(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<IncidentView>, AppError> {
    let viewer = caller.viewer_for(Scope::Incidents)?;
    let req: ShareRequest = parse_json(&body)?;
    let inc = st
        .store
        .share_incident(&id, &req.shared_with, req.share_with_all, &viewer)
        .await?;
    Ok(Json(incident_view(&st, inc, &viewer, true).await?))
}

/// Body of `POST /api/v1/incidents/{id}/entities`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// Entities (`ent_…`) the caller sees.
    pub entity_ids: Vec<String>,
}

/// Link entities found later to an incident (the reporting organisation's officers and admins).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/entities", request_body = LinkRequest,
    params(("id" = String, Path, description = "inc_…")),
    responses((status = 200, body = IncidentView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn link(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<IncidentView>, AppError> {
    let viewer = caller.viewer_for(Scope::Incidents)?;
    let req: LinkRequest = parse_json(&body)?;
    let inc = st
        .store
        .link_entities(&id, &req.entity_ids, &viewer)
        .await?;
    Ok(Json(incident_view(&st, inc, &viewer, true).await?))
}

// ------------------------------------------------------------------------------------------------------
// Entities and the watch list

/// Body of `POST /api/v1/entities`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEntityRequest {
    /// `company` or `person`.
    pub kind: String,
    /// The name as written.
    pub name: String,
    /// Country (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub country: Option<String>,
    /// Identifiers: `{"type": "registration_number" | "tax_id" | "address" | "web_shop" | "email" |
    /// "phone" | "messenger" | "crypto_wallet" | "other", "value": …}`.
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
}

/// Body of `PATCH /api/v1/entities/{id}`: each field given replaces the stored one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEntityRequest {
    /// The name as written.
    #[serde(default)]
    pub name: Option<String>,
    /// Country (ISO 3166-1 alpha-2); `""` clears it.
    #[serde(default)]
    pub country: Option<String>,
    /// All identifiers, replacing the stored list.
    #[serde(default)]
    pub identifiers: Option<Vec<Identifier>>,
}

/// An entity with the incidents the caller sees it in and the caller's watch-list entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntityView {
    /// The entity.
    #[serde(flatten)]
    pub entity: Entity,
    /// The caller's organisation recorded it (otherwise it is seen through a shared incident).
    pub recorded_by_you: bool,
    /// Incidents the caller sees that it is linked to, newest first.
    pub incident_ids: Vec<String>,
    /// The caller's active watch-list entry.
    pub watch: Option<WatchEntry>,
}

/// A page of entities.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntityPage {
    /// Entities, newest first.
    pub items: Vec<Entity>,
    /// How many the filters select.
    pub total: i64,
    /// Page size.
    pub limit: i64,
    /// Offset.
    pub offset: i64,
}

/// Filters and page of `GET /api/v1/entities`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntityParams {
    /// `company` or `person`.
    kind: Option<String>,
    /// Words of the name (legal forms, case, accents and punctuation ignored).
    q: Option<String>,
    /// Country.
    country: Option<String>,
    /// Page size, 1–200 (default 50).
    limit: Option<i64>,
    /// Offset (default 0).
    offset: Option<i64>,
}

async fn entity_view(st: &AppState, e: Entity, viewer: &Viewer) -> Result<EntityView, AppError> {
    Ok(EntityView {
        recorded_by_you: e.org_id == viewer.org_id,
        incident_ids: st.store.entity_incidents(&e.id, viewer).await?,
        watch: st.store.watch_entry(&e.id, viewer).await?,
        entity: e,
    })
}

/// Record a company or person seen in an application, a notification or an incident. It is seen by the
/// caller's organisation, and by whoever sees an incident it is linked to.
#[utoipa::path(post, path = "/api/v1/entities", request_body = CreateEntityRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = EntityView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn create_entity(
    State(st): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<EntityView>), AppError> {
    let viewer = caller.viewer_for(Scope::Incidents)?;
    let req: CreateEntityRequest = parse_json(&body)?;
    let country = match req.country.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(
            pw_trade::country(&st.registry, "country", c)
                .map_err(|e| AppError::bad("country", e.message))?,
        ),
    };
    let e = st
        .store
        .create_entity(
            &NewEntity {
                kind: req.kind,
                name: req.name,
                country,
                identifiers: req.identifiers,
            },
            &viewer,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(entity_view(&st, e, &viewer).await?),
    ))
}

/// The entities the caller's organisation recorded.
#[utoipa::path(get, path = "/api/v1/entities", params(EntityParams),
    responses((status = 200, body = EntityPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_entities(
    State(st): State<AppState>,
    caller: Caller,
    q: Result<Query<EntityParams>, QueryRejection>,
) -> Result<Json<EntityPage>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    let p = query(q)?;
    let page = Page::new(p.limit, p.offset)?;
    let list = st
        .store
        .entities(
            &viewer,
            &EntityFilter {
                kind: p.kind,
                q: p.q,
                country: p.country,
            },
            page,
        )
        .await?;
    Ok(Json(EntityPage {
        items: list.items,
        total: list.total,
        limit: list.limit,
        offset: list.offset,
    }))
}

/// One entity the caller recorded or sees through an incident.
#[utoipa::path(get, path = "/api/v1/entities/{id}", params(("id" = String, Path, description = "ent_…")),
    responses((status = 200, body = EntityView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_entity(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<EntityView>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    let e = st.store.entity(&id, &viewer).await?;
    Ok(Json(entity_view(&st, e, &viewer).await?))
}

/// Correct an entity the caller's organisation recorded (its officers and admins): name, country,
/// identifiers. Another organisation that sees it through an incident gets a 403; anyone else a 404. A
/// concurrent edit is a 409.
#[utoipa::path(patch, path = "/api/v1/entities/{id}", params(("id" = String, Path, description = "ent_…")),
    request_body = UpdateEntityRequest,
    responses((status = 200, body = EntityView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update_entity(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<EntityView>, AppError> {
    let viewer = caller.viewer_for(Scope::Incidents)?;
    let req: UpdateEntityRequest = parse_json(&body)?;
    let country = match req.country.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(String::new()),
        Some(c) => Some(
            pw_trade::country(&st.registry, "country", c)
                .map_err(|e| AppError::bad("country", e.message))?,
        ),
    };
    let e = st
        .store
        .update_entity(
            &id,
            &EntityChange {
                name: req.name,
                country,
                identifiers: req.identifiers,
            },
            &viewer,
        )
        .await?;
    Ok(Json(entity_view(&st, e, &viewer).await?))
}

/// Body of `POST /api/v1/entities/{id}/watch`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchRequest {
    /// Why the entity is watched (≤ 2000 characters).
    pub reason: String,
}

/// Body of `POST /api/v1/entities/{id}/unwatch` (may be empty).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnwatchRequest {
    /// Why it no longer is.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Put an entity the caller sees on its authority's watch list (officers and admins of national
/// authorities). Already watched is a 409.
#[utoipa::path(post, path = "/api/v1/entities/{id}/watch", request_body = WatchRequest,
    params(("id" = String, Path, description = "ent_…"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = WatchEntry), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn watch(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<WatchEntry>), AppError> {
    let viewer = caller.viewer_for(Scope::Incidents)?;
    let req: WatchRequest = parse_json(&body)?;
    let w = st.store.watch_entity(&id, &req.reason, &viewer).await?;
    Ok((StatusCode::CREATED, Json(w)))
}

/// Take an entity off the watch list; the entry is kept with who removed it, when and why. Not on the
/// list is a 409.
#[utoipa::path(post, path = "/api/v1/entities/{id}/unwatch", request_body = UnwatchRequest,
    params(("id" = String, Path, description = "ent_…")),
    responses((status = 200, body = WatchEntry), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn unwatch(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<WatchEntry>, AppError> {
    let viewer = caller.viewer_for(Scope::Incidents)?;
    let req: UnwatchRequest = body_or_default(&body)?;
    let w = st
        .store
        .unwatch_entity(&id, req.reason.as_deref(), &viewer)
        .await?;
    Ok(Json(w))
}

/// Query of `GET /api/v1/watchlist`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct WatchParams {
    /// `true`: also the entries removed (with who removed them, when and why).
    include_removed: Option<String>,
    /// Page size, 1–200 (default 50).
    limit: Option<i64>,
    /// Offset (default 0).
    offset: Option<i64>,
}

/// A page of watch-list entries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WatchPage {
    /// Entries, newest first.
    pub items: Vec<WatchEntry>,
    /// How many there are.
    pub total: i64,
    /// Page size.
    pub limit: i64,
    /// Offset.
    pub offset: i64,
}

/// The caller's organisation's watch list.
#[utoipa::path(get, path = "/api/v1/watchlist", params(WatchParams),
    responses((status = 200, body = WatchPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn watchlist(
    State(st): State<AppState>,
    caller: Caller,
    q: Result<Query<WatchParams>, QueryRejection>,
) -> Result<Json<WatchPage>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    let p = query(q)?;
    let page = Page::new(p.limit, p.offset)?;
    let include_removed = match p.include_removed.as_deref().map(str::trim) {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(AppError::bad(
                "include_removed",
                format!("{other:?} is not true or false"),
            ));
        }
    };
    let list = st.store.watchlist(&viewer, include_removed, page).await?;
    Ok(Json(WatchPage {
        items: list.items,
        total: list.total,
        limit: list.limit,
        offset: list.offset,
    }))
}

/// Most names in one `POST /api/v1/entities/match`.
pub const MAX_MATCH_NAMES: usize = 100;

/// A name to compare, with the role it is given in.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameToMatch {
    /// `consignee`, `exporter`, `supplier`… (≤ 50 characters).
    pub role: String,
    /// The name as written (≤ 300 characters).
    pub name: String,
}

/// Body of `POST /api/v1/entities/match`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// Up to 100 names.
    pub names: Vec<NameToMatch>,
}

/// The names that resemble entities the caller sees.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MatchResponse {
    /// One flag per (name, entity) pair at or above the threshold, in the order of `names`, best first.
    pub flags: Vec<EntityFlag>,
    /// The similarity a pair needs to flag.
    pub threshold: f64,
}

/// Compare names with the entities the caller sees — its own, those linked to incidents it sees, its watch
/// list — after removing case, accents, punctuation and legal forms (`Co., Ltd.`, `S.A. de C.V.`, `GmbH`…).
/// Needs the `read` scope: it changes nothing.
#[utoipa::path(post, path = "/api/v1/entities/match", request_body = MatchRequest,
    responses((status = 200, body = MatchResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn match_names(
    State(st): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<MatchResponse>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    let req: MatchRequest = parse_json(&body)?;
    if req.names.len() > MAX_MATCH_NAMES {
        return Err(unprocessable(
            "names",
            format!("at most {MAX_MATCH_NAMES} names"),
        ));
    }
    for (i, n) in req.names.iter().enumerate() {
        if n.role.trim().is_empty() || n.role.chars().count() > 50 {
            return Err(unprocessable(
                format!("names[{i}].role"),
                "give the role, 1–50 characters",
            ));
        }
        if n.name.trim().is_empty() || n.name.chars().count() > 300 {
            return Err(unprocessable(
                format!("names[{i}].name"),
                "give the name, 1–300 characters",
            ));
        }
    }
    let pairs: Vec<(&str, &str)> = req
        .names
        .iter()
        .map(|n| (n.role.trim(), n.name.trim()))
        .collect();
    let flags = st.store.entity_flags(&viewer, &pairs).await?;
    Ok(Json(MatchResponse {
        flags,
        threshold: pw_store::MATCH_THRESHOLD,
    }))
}
