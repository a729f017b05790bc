//! Export licence applications and pre-export notifications under `/api/v1`.
//!
//! Handlers are thin: parse, resolve the substance and run the trade check through the same libraries as
//! `pwatch check`, then hand a [`pw_store::Viewer`] to the store, which applies the tenant rules and the
//! state machines. Every answer carries `actions`: what this caller may do next.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use pw_store::{
    DeadlineDefault, EntityFlag, LicenceApplication, LicenceDecision, LicenceFilter, LogRef,
    NewLicenceApplication, NewNotification, Notification, NotificationFilter, Page, PenAction,
    Scope, StateChange, Viewer, licence_actions, notification_actions,
};
use pw_trade::CheckRequest;
use serde::{Deserialize, Serialize};

use crate::api::{check_error, parse_json};
use crate::{AppError, AppState, Caller, ErrorBody};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/licences", get(list_licences).post(apply))
        .route("/licences/{id}", get(get_licence))
        .route("/licences/{id}/{action}", post(decide))
        .route("/notifications", get(list_notifications).post(send))
        .route("/notifications/{id}", get(get_notification))
        .route("/notifications/{id}/{action}", post(act))
        .route("/settings/pen-response-days", post(set_response_days))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_licences,
        apply,
        get_licence,
        decide,
        list_notifications,
        send,
        get_notification,
        act,
        set_response_days
    ),
    components(schemas(
        ApplyRequest,
        DecisionRequest,
        LicenceView,
        LicencePage,
        NotificationView,
        NotificationPage,
        SendRequest,
        ActionRequest,
        ResponseDaysRequest,
        LicenceApplication,
        Notification,
        StateChange,
        LogRef
    ))
)]
pub(crate) struct FlowsDoc;

/// Parse a query string, naming the parameter at fault.
pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, AppError> {
    q.map(|Query(p)| p).map_err(|e| {
        let text = e.body_text();
        let field = text.split('`').nth(1).unwrap_or("query").to_string();
        AppError::bad(field, text)
    })
}

fn date(field: &str, s: &str) -> Result<NaiveDate, AppError> {
    pw_trade::date(s).map_err(|e| AppError::bad(field, e.message))
}

fn kg(quantity: Option<&str>) -> Option<f64> {
    let q = pw_registry::Quantity::parse(quantity?).ok()?;
    (q.dimension == pw_registry::Dimension::Mass).then_some(q.base / 1000.0)
}

// ------------------------------------------------------------------------------------------------------
// Licences

/// Body of `POST /api/v1/licences`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// Any identifier of the substance (name, CAS RN, InChIKey…).
    pub substance: String,
    /// Quantity with unit (`25 kg`, `200 L`).
    pub quantity: String,
    /// Consignee name.
    pub consignee_name: String,
    /// Consignee address.
    pub consignee_address: String,
    /// Importing country (ISO 3166-1 alpha-2).
    pub importing_country: String,
    /// Transit countries, in order.
    #[serde(default)]
    pub transit_countries: Vec<String>,
    /// Declared end use.
    pub end_use: String,
    /// Expected shipment date `YYYY-MM-DD`.
    pub expected_date: String,
}

/// A licence application with what the caller may do and what happened to it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LicenceView {
    /// The application.
    #[serde(flatten)]
    pub licence: LicenceApplication,
    /// Actions the caller may take now (`approve`, `refuse`, `withdraw`).
    pub actions: Vec<String>,
    /// Pre-export notifications sent about it, with the importing authority's reply.
    pub notifications: Vec<NotificationView>,
    /// Where the application stands in the transparency log: its latest audit row and that row's leaf index
    /// (null until the log has appended it; `GET /api/v1/log/proof/inclusion?index=…` proves it).
    pub log: Option<LogRef>,
    /// State history (one record only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<StateChange>>,
    /// For the deciding authority, on one record: names in the application that resemble entities it
    /// knows (its own records, its watch list, entities of incidents shared with it), with why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_flags: Option<Vec<EntityFlag>>,
}

/// A page of licence applications.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LicencePage {
    /// Applications, newest first.
    pub items: Vec<LicenceView>,
    /// How many the filters select.
    pub total: i64,
    /// Page size.
    pub limit: i64,
    /// Offset.
    pub offset: i64,
}

/// Filters and page of `GET /api/v1/licences`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct LicenceParams {
    /// `submitted`, `approved`, `refused`, `withdrawn`.
    state: Option<String>,
    /// Substance id.
    substance: Option<String>,
    /// Importing country.
    importing_country: Option<String>,
    /// Page size, 1–200 (default 50).
    limit: Option<i64>,
    /// Offset (default 0).
    offset: Option<i64>,
}

async fn licence_view(
    st: &AppState,
    lic: LicenceApplication,
    viewer: &Viewer,
    with_history: bool,
) -> Result<LicenceView, AppError> {
    let mut notifications = Vec::new();
    for n in st.store.notifications_of_licence(&lic.id).await? {
        notifications.push(NotificationView {
            actions: notification_actions(&n, viewer)
                .into_iter()
                .map(str::to_string)
                .collect(),
            // On a list page the caller fills these in with one query for the page.
            log: if with_history {
                st.store.ledger_log_ref("notification", &n.id).await?
            } else {
                None
            },
            notification: n,
            history: None,
            entity_flags: None,
        });
    }
    let history = if with_history {
        Some(st.store.history("licence", &lic.id).await?)
    } else {
        None
    };
    // Entity intelligence is for authorities; a company does not learn what they hold on its partners.
    let entity_flags = if with_history && viewer.kind == pw_store::OrgKind::Authority {
        let applicant = st
            .store
            .organisation(&lic.applicant_org_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        Some(
            st.store
                .entity_flags(
                    viewer,
                    &[
                        ("consignee", &lic.consignee_name),
                        ("applicant", &applicant),
                    ],
                )
                .await?,
        )
    } else {
        None
    };
    Ok(LicenceView {
        log: if with_history {
            st.store.ledger_log_ref("licence", &lic.id).await?
        } else {
            None
        },
        entity_flags,
        actions: licence_actions(&lic, viewer)
            .into_iter()
            .map(str::to_string)
            .collect(),
        licence: lic,
        notifications,
        history,
    })
}

/// A company applies for an export licence; the trade check is run and attached.
#[utoipa::path(post, path = "/api/v1/licences", request_body = ApplyRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = LicenceView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn apply(
    State(st): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<LicenceView>), AppError> {
    let viewer = caller.viewer_for(Scope::Licences)?;
    // Who may do this is settled before the body is looked at.
    viewer.require_kind(pw_store::OrgKind::Company, None)?;
    viewer.require_write()?;
    let req: ApplyRequest = parse_json(&body)?;
    let expected = date("expected_date", &req.expected_date)?;
    let from = viewer.country.clone().ok_or_else(|| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "your organisation has no country: an administrator must set it",
        )
    })?;
    for (i, t) in req.transit_countries.iter().enumerate() {
        pw_trade::country(&st.registry, "transit_countries", t)
            .map_err(|e| AppError::bad(format!("transit_countries[{i}]"), e.message))?;
    }
    let report = pw_trade::check_request(
        &st.resolver,
        &CheckRequest {
            substance: req.substance.clone(),
            from,
            to: req.importing_country.clone(),
            quantity: Some(req.quantity.clone()),
            date: Some(req.expected_date.clone()),
        },
        chrono::Utc::now().date_naive(),
    )
    .map_err(|e| {
        let mut err = check_error(e);
        if err.field.as_deref() == Some("to") {
            err.field = Some("importing_country".into());
        }
        err
    })?;
    let new = NewLicenceApplication {
        substance_id: report.substance.clone(),
        substance_name: report.substance_name.clone(),
        quantity: report.quantity.clone().unwrap_or(req.quantity.clone()),
        quantity_kg: kg(Some(&req.quantity)),
        consignee_name: req.consignee_name,
        consignee_address: req.consignee_address,
        importing_country: report.to.clone(),
        transit_countries: req
            .transit_countries
            .iter()
            .map(|c| c.trim().to_ascii_uppercase())
            .collect(),
        end_use: req.end_use,
        expected_date: expected,
        check_result: serde_json::to_value(&report).map_err(AppError::internal)?,
        registry_version: report.registry_version.clone(),
    };
    let lic = st.store.apply_for_licence(&new, &viewer).await?;
    Ok((
        StatusCode::CREATED,
        Json(licence_view(&st, lic, &viewer, true).await?),
    ))
}

/// The licence applications the caller's organisation made or decides.
#[utoipa::path(get, path = "/api/v1/licences", params(LicenceParams),
    responses((status = 200, body = LicencePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_licences(
    State(st): State<AppState>,
    caller: Caller,
    q: Result<Query<LicenceParams>, QueryRejection>,
) -> Result<Json<LicencePage>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    let p = query(q)?;
    let page = Page::new(p.limit, p.offset)?;
    let list = st
        .store
        .licences(
            &viewer,
            &LicenceFilter {
                state: p.state,
                substance_id: p.substance,
                importing_country: p.importing_country,
            },
            page,
        )
        .await?;
    let mut items = Vec::with_capacity(list.items.len());
    for lic in list.items {
        items.push(licence_view(&st, lic, &viewer, false).await?);
    }
    let ids: Vec<String> = items.iter().map(|i| i.licence.id.clone()).collect();
    let mut logs = st.store.ledger_log_refs("licence", &ids).await?;
    let pen_ids: Vec<String> = items
        .iter()
        .flat_map(|i| i.notifications.iter().map(|n| n.notification.id.clone()))
        .collect();
    let mut pen_logs = st.store.ledger_log_refs("notification", &pen_ids).await?;
    for item in &mut items {
        item.log = logs.remove(&item.licence.id);
        for n in &mut item.notifications {
            n.log = pen_logs.remove(&n.notification.id);
        }
    }
    Ok(Json(LicencePage {
        items,
        total: list.total,
        limit: list.limit,
        offset: list.offset,
    }))
}

/// One licence application with its history and notifications.
#[utoipa::path(get, path = "/api/v1/licences/{id}", params(("id" = String, Path, description = "lic_…")),
    responses((status = 200, body = LicenceView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_licence(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<LicenceView>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    let lic = st.store.licence(&id, &viewer).await?;
    Ok(Json(licence_view(&st, lic, &viewer, true).await?))
}

/// Body of `POST /api/v1/licences/{id}/{action}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `approve`: the licence number issued.
    #[serde(default)]
    pub licence_number: Option<String>,
    /// `approve`: last day of validity `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_until: Option<String>,
    /// `refuse` (required), `approve`, `withdraw`: why.
    #[serde(default)]
    pub reason: Option<String>,
}

fn body_or_default<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_json(body)
    }
}

/// Decide a pending application: `approve` or `refuse` (its authority), `withdraw` (the applicant).
/// An action the state does not allow is a 409 with the current state and the allowed actions.
#[utoipa::path(post, path = "/api/v1/licences/{id}/{action}", request_body = DecisionRequest,
    params(("id" = String, Path, description = "lic_…"), ("action" = String, Path, description = "approve | refuse | withdraw")),
    responses((status = 200, body = LicenceView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn decide(
    State(st): State<AppState>,
    caller: Caller,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<LicenceView>, AppError> {
    let viewer = caller.viewer_for(Scope::Licences)?;
    let req: DecisionRequest = body_or_default(&body)?;
    let decision = match action.as_str() {
        "approve" => LicenceDecision::Approve {
            licence_number: req
                .licence_number
                .ok_or_else(|| AppError::bad("licence_number", "required to approve"))?,
            valid_until: date(
                "valid_until",
                req.valid_until
                    .as_deref()
                    .ok_or_else(|| AppError::bad("valid_until", "required to approve"))?,
            )?,
            note: req.reason,
        },
        "refuse" => LicenceDecision::Refuse {
            reason: req
                .reason
                .ok_or_else(|| AppError::bad("reason", "a refusal needs its reason"))?,
        },
        "withdraw" => LicenceDecision::Withdraw { reason: req.reason },
        other => {
            return Err(AppError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no action {other:?}: approve, refuse or withdraw"),
            )
            .with_field("action"));
        }
    };
    let lic = st.store.decide_licence(&id, &decision, &viewer).await?;
    Ok(Json(licence_view(&st, lic, &viewer, true).await?))
}

// ------------------------------------------------------------------------------------------------------
// Notifications

/// A notification with what the caller may do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    /// The notification.
    #[serde(flatten)]
    pub notification: Notification,
    /// Actions the caller may take now.
    pub actions: Vec<String>,
    /// Where the notification stands in the transparency log: its latest audit row and that row's leaf
    /// index (null until the log has appended it).
    pub log: Option<LogRef>,
    /// State history (one record only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<StateChange>>,
    /// For an authority, on one record: names in the notification that resemble entities it knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_flags: Option<Vec<EntityFlag>>,
}

/// A page of notifications.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationPage {
    /// Notifications, newest first.
    pub items: Vec<NotificationView>,
    /// How many the filters select.
    pub total: i64,
    /// Page size.
    pub limit: i64,
    /// Offset.
    pub offset: i64,
}

/// Filters and page of `GET /api/v1/notifications`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotificationParams {
    /// `inbox` (addressed to the caller), `outbox` (sent by it) or `all` (default).
    mailbox: Option<String>,
    /// Only this state.
    state: Option<String>,
    /// `true`: only those awaiting a reply past their deadline.
    overdue: Option<bool>,
    /// Substance id.
    substance: Option<String>,
    /// Licence application id.
    licence: Option<String>,
    /// Page size, 1–200 (default 50).
    limit: Option<i64>,
    /// Offset.
    offset: Option<i64>,
}

/// Body of `POST /api/v1/notifications`: from an approved licence (`licence_id`), or every field given.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// An approved licence application of the caller's country; its fields fill the rest.
    #[serde(default)]
    pub licence_id: Option<String>,
    /// Any identifier of the substance.
    #[serde(default)]
    pub substance: Option<String>,
    /// Quantity with unit.
    #[serde(default)]
    pub quantity: Option<String>,
    /// Exporting company (default: the licence's applicant).
    #[serde(default)]
    pub exporter_name: Option<String>,
    /// Consignee.
    #[serde(default)]
    pub consignee_name: Option<String>,
    /// Consignee address.
    #[serde(default)]
    pub consignee_address: Option<String>,
    /// Importing country.
    #[serde(default)]
    pub importing_country: Option<String>,
    /// Transit countries.
    #[serde(default)]
    pub transit_countries: Vec<String>,
    /// Expected shipment date `YYYY-MM-DD`.
    #[serde(default)]
    pub expected_date: Option<String>,
}

/// The reply deadline when the importing authority has set none: the regime's, else the platform's.
fn deadline_default(st: &AppState, importing: &str) -> DeadlineDefault {
    let regime = st.registry.pen_regime().and_then(|r| {
        r.countries
            .iter()
            .find(|c| c.code == importing)
            .and_then(|c| c.response_days.map(|d| (d, r.citation.clone())))
    });
    match regime {
        Some((days, citation)) => DeadlineDefault {
            days,
            basis: citation,
        },
        None => DeadlineDefault {
            days: st.pen_response_days,
            basis:
                "platform default (no deadline for this country in the registry's PEN regime data; \
                    the importing authority can set its own)"
                    .into(),
        },
    }
}

fn required(field: &str, v: Option<String>) -> Result<String, AppError> {
    v.filter(|s| !s.trim().is_empty())
        .ok_or_else(|| AppError::bad(field, "required when no licence_id is given"))
}

async fn notification_view(
    st: &AppState,
    n: Notification,
    viewer: &Viewer,
    with_history: bool,
) -> Result<NotificationView, AppError> {
    let history = if with_history {
        Some(st.store.history("notification", &n.id).await?)
    } else {
        None
    };
    let entity_flags = if with_history && viewer.kind == pw_store::OrgKind::Authority {
        Some(
            st.store
                .entity_flags(
                    viewer,
                    &[
                        ("consignee", &n.consignee_name),
                        ("exporter", &n.exporter_name),
                    ],
                )
                .await?,
        )
    } else {
        None
    };
    Ok(NotificationView {
        log: if with_history {
            st.store.ledger_log_ref("notification", &n.id).await?
        } else {
            None
        },
        entity_flags,
        actions: notification_actions(&n, viewer)
            .into_iter()
            .map(str::to_string)
            .collect(),
        notification: n,
        history,
    })
}

/// The exporting authority sends a pre-export notification to the importing country's authority.
#[utoipa::path(post, path = "/api/v1/notifications", request_body = SendRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = NotificationView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn send(
    State(st): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<NotificationView>), AppError> {
    let viewer = caller.viewer_for(Scope::Notifications)?;
    viewer.require_kind(
        pw_store::OrgKind::Authority,
        Some(pw_store::Competence::Pen),
    )?;
    viewer.require_write()?;
    let req: SendRequest = parse_json(&body)?;
    for (i, t) in req.transit_countries.iter().enumerate() {
        pw_trade::country(&st.registry, "transit_countries", t)
            .map_err(|e| AppError::bad(format!("transit_countries[{i}]"), e.message))?;
    }
    let new = if let Some(licence_id) = req.licence_id.clone() {
        NewNotification {
            licence_id: Some(licence_id),
            substance_id: String::new(),
            substance_name: String::new(),
            quantity: String::new(),
            quantity_kg: None,
            exporter_name: req.exporter_name.unwrap_or_default(),
            consignee_name: String::new(),
            consignee_address: String::new(),
            importing_country: String::new(),
            transit_countries: Vec::new(),
            expected_date: NaiveDate::MIN,
        }
    } else {
        let substance = required("substance", req.substance)?;
        let importing = pw_trade::country(
            &st.registry,
            "importing_country",
            &required("importing_country", req.importing_country)?,
        )
        .map_err(|e| AppError::bad(e.field, e.message))?;
        let quantity = required("quantity", req.quantity)?;
        pw_trade::quantity(Some(&quantity)).map_err(|e| AppError::bad("quantity", e.message))?;
        let (id, name) = resolve_one(&st, &substance)?;
        NewNotification {
            licence_id: None,
            substance_id: id,
            substance_name: name,
            quantity_kg: kg(Some(&quantity)),
            quantity,
            exporter_name: required("exporter_name", req.exporter_name)?,
            consignee_name: required("consignee_name", req.consignee_name)?,
            consignee_address: required("consignee_address", req.consignee_address)?,
            importing_country: importing,
            transit_countries: req
                .transit_countries
                .iter()
                .map(|c| c.trim().to_ascii_uppercase())
                .collect(),
            expected_date: date(
                "expected_date",
                &required("expected_date", req.expected_date)?,
            )?,
        }
    };
    // The deadline default depends on the importing country, which a licence fills in: look it up first.
    let importing = match &new.licence_id {
        Some(id) => st
            .store
            .licence_importing_country(id)
            .await?
            .unwrap_or_default(),
        None => new.importing_country.clone(),
    };
    let default = deadline_default(&st, &importing);
    let n = st.store.send_notification(&new, &default, &viewer).await?;
    Ok((
        StatusCode::CREATED,
        Json(notification_view(&st, n, &viewer, true).await?),
    ))
}

/// The registry substance an identifier names, or 404/400 as `check` answers.
pub(crate) fn resolve_one(st: &AppState, ident: &str) -> Result<(String, String), AppError> {
    let res = st
        .resolver
        .resolve(ident)
        .map_err(|e| AppError::bad("substance", e.to_string()))?;
    let mut ids: Vec<usize> = res.matches.iter().map(|m| m.substance).collect();
    ids.dedup();
    let subs = st.registry.substances();
    match ids.as_slice() {
        [one] => Ok((subs[*one].id.clone(), subs[*one].name.clone())),
        [] => Err(check_error(pw_trade::CheckError::NotFound {
            query: ident.to_string(),
            suggestions: res.suggestions,
        })),
        many => Err(check_error(pw_trade::CheckError::Ambiguous {
            query: ident.to_string(),
            candidates: many
                .iter()
                .map(|&i| format!("{} ({})", subs[i].id, subs[i].name))
                .collect(),
        })),
    }
}

/// The notifications the caller's authority sent (outbox) or received (inbox).
#[utoipa::path(get, path = "/api/v1/notifications", params(NotificationParams),
    responses((status = 200, body = NotificationPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_notifications(
    State(st): State<AppState>,
    caller: Caller,
    q: Result<Query<NotificationParams>, QueryRejection>,
) -> Result<Json<NotificationPage>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    let p = query(q)?;
    let page = Page::new(p.limit, p.offset)?;
    let list = st
        .store
        .notifications(
            &viewer,
            &NotificationFilter {
                mailbox: p.mailbox,
                state: p.state,
                overdue: p.overdue.unwrap_or(false),
                substance_id: p.substance,
                licence_id: p.licence,
            },
            page,
        )
        .await?;
    let mut items = Vec::with_capacity(list.items.len());
    for n in list.items {
        items.push(notification_view(&st, n, &viewer, false).await?);
    }
    let ids: Vec<String> = items.iter().map(|i| i.notification.id.clone()).collect();
    let mut logs = st.store.ledger_log_refs("notification", &ids).await?;
    for item in &mut items {
        item.log = logs.remove(&item.notification.id);
    }
    Ok(Json(NotificationPage {
        items,
        total: list.total,
        limit: list.limit,
        offset: list.offset,
    }))
}

/// One notification with its history.
#[utoipa::path(get, path = "/api/v1/notifications/{id}", params(("id" = String, Path, description = "pen_…")),
    responses((status = 200, body = NotificationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_notification(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<NotificationView>, AppError> {
    let viewer = caller.viewer_for(Scope::Read)?;
    let n = st.store.notification(&id, &viewer).await?;
    Ok(Json(notification_view(&st, n, &viewer, true).await?))
}

/// Body of `POST /api/v1/notifications/{id}/{action}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// The objection's reason (`object`), the question (`request_info`), the answer (`answer`), why
    /// (`withdraw`), or a note (`no_objection`, `ship`, `receive`).
    #[serde(default)]
    pub text: Option<String>,
}

/// Act on a notification. Importing authority: `no_objection`, `object`, `request_info`, `receive`;
/// exporting authority: `answer`, `ship`, `withdraw`. Of two racing replies exactly one wins; the other is a
/// 409 with the state that won.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/{action}", request_body = ActionRequest,
    params(("id" = String, Path, description = "pen_…"),
        ("action" = String, Path, description = "no_objection | object | request_info | answer | withdraw | ship | receive")),
    responses((status = 200, body = NotificationView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn act(
    State(st): State<AppState>,
    caller: Caller,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<NotificationView>, AppError> {
    let viewer = caller.viewer_for(Scope::Notifications)?;
    let req: ActionRequest = body_or_default(&body)?;
    let need = |what: &str| {
        req.text
            .clone()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| AppError::bad("text", format!("`{action}` needs {what}")))
    };
    let act = match action.as_str() {
        "no_objection" => PenAction::NoObjection {
            note: req.text.clone(),
        },
        "object" => PenAction::Object {
            reason: need("the objection's reason")?,
        },
        "request_info" => PenAction::RequestInfo {
            question: need("the question")?,
        },
        "answer" => PenAction::Answer {
            answer: need("the answer")?,
        },
        "withdraw" => PenAction::Withdraw {
            reason: need("the reason")?,
        },
        "ship" => PenAction::Ship {
            note: req.text.clone(),
        },
        "receive" => PenAction::Receive {
            note: req.text.clone(),
        },
        other => {
            return Err(AppError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!(
                    "no action {other:?}: no_objection, object, request_info, answer, withdraw, ship or receive"
                ),
            )
            .with_field("action"));
        }
    };
    let n = st.store.act_on_notification(&id, &act, &viewer).await?;
    Ok(Json(notification_view(&st, n, &viewer, true).await?))
}

/// Body of `POST /api/v1/settings/pen-response-days`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseDaysRequest {
    /// Days the caller's authority takes to reply to notifications (1–365); null returns to the default.
    pub days: Option<u32>,
}

/// An importing authority sets its own reply deadline for notifications it receives from now on.
#[utoipa::path(post, path = "/api/v1/settings/pen-response-days", request_body = ResponseDaysRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn set_response_days(
    State(st): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let viewer = caller.viewer_for(Scope::Notifications)?;
    viewer.require_kind(
        pw_store::OrgKind::Authority,
        Some(pw_store::Competence::Pen),
    )?;
    viewer.require_write()?;
    let req: ResponseDaysRequest = parse_json(&body)?;
    st.store.set_pen_response_days(req.days, &viewer).await?;
    Ok(StatusCode::NO_CONTENT)
}
