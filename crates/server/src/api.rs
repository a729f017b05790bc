//! JSON API under `/api/v1`.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::NaiveDate;
use pw_resolve::{LookupError, LookupReport};
use pw_trade::{CheckError, CheckRequest, TradeReport};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use crate::{AppError, AppState, ErrorBody};

/// The OpenAPI document, generated from the handlers below.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Precursor Watch API",
        description = "Identity and legal status of drug-precursor chemicals; trade checks with the legal basis."
    ),
    paths(healthz, lookup, check, classify, screen, me),
    modifiers(&BearerAuth),
    components(schemas(
        ErrorBody,
        LookupReport,
        TradeReport,
        CheckRequest,
        Health,
        ClassifyRequest,
        ClassifyResponse,
        BatchItem,
        pw_classify::Classification,
        ScreenRequest,
        ScreenItem,
        ScreenResult,
        ScreenResponse,
        pw_screen::Screening,
        Me
    ))
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme (API tokens) that protected paths refer to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/lookup", get(lookup))
        .route("/check", post(check))
        .route(
            "/classify",
            post(classify).layer(axum::extract::DefaultBodyLimit::max(MAX_CLASSIFY_BODY)),
        )
        .route(
            "/screen",
            post(screen).layer(axum::extract::DefaultBodyLimit::max(MAX_SCREEN_BODY)),
        )
        .route("/me", get(me))
        .merge(crate::flows::routes())
        .merge(crate::incidents::routes())
        .merge(crate::accounts::routes())
        .merge(crate::ledger::routes())
        .route("/openapi.json", get(openapi))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_document())
}

/// The whole OpenAPI document: this module's paths and every platform module's.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::flows::FlowsDoc::openapi());
    doc.merge(crate::incidents::IncidentsDoc::openapi());
    doc.merge(crate::accounts::AccountsDoc::openapi());
    doc.merge(crate::ledger::LedgerDoc::openapi());
    doc
}

/// Liveness and the registry version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Registry version served.
    pub registry_version: String,
}

/// Health check: the process is up and the database answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 500, body = ErrorBody)))]
pub(crate) async fn healthz(State(st): State<AppState>) -> Result<Json<Health>, AppError> {
    st.store.ping().await.map_err(AppError::internal)?;
    Ok(Json(Health {
        status: "ok".into(),
        registry_version: st.registry.version().to_string(),
    }))
}

/// Query of `GET /api/v1/lookup`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct LookupParams {
    /// Any identifier: name, synonym, abbreviation, CAS RN (any common form), InChIKey (full or first block).
    q: String,
    /// Only controls in force on this date (`YYYY-MM-DD`).
    as_of: Option<String>,
    /// Only these jurisdictions, comma-separated (`US,CN`).
    jurisdiction: Option<String>,
}

pub(crate) fn parse_as_of(s: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    s.filter(|s| !s.trim().is_empty())
        .map(|d| pw_trade::date(d).map_err(|e| AppError::bad("as_of", e.message)))
        .transpose()
}

pub(crate) fn lookup_report(
    st: &AppState,
    q: &str,
    as_of: Option<&str>,
    jurisdiction: Option<&str>,
) -> Result<LookupReport, AppError> {
    let as_of = parse_as_of(as_of)?;
    let jurisdictions: Vec<String> = jurisdiction
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    for j in &jurisdictions {
        if st.registry.jurisdiction(j).is_none() {
            let known: Vec<&str> = st
                .registry
                .jurisdictions()
                .keys()
                .map(String::as_str)
                .collect();
            return Err(AppError::bad(
                "jurisdiction",
                format!("unknown jurisdiction {j:?}; known: {}", known.join(", ")),
            ));
        }
    }
    let res = st.resolver.resolve(q).map_err(|e| match e {
        LookupError::BadCas { message, .. } => AppError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_cas",
            message,
            field: Some("q".into()),
            transition: None,
        },
        other => AppError::bad("q", other.to_string()),
    })?;
    Ok(LookupReport::new(
        &st.registry,
        q,
        &res,
        as_of,
        &jurisdictions,
    ))
}

/// Look up a substance by any identifier. Not found is a 200 with no matches and suggestions.
#[utoipa::path(get, path = "/api/v1/lookup", params(LookupParams),
    responses((status = 200, body = LookupReport), (status = 400, body = ErrorBody)))]
pub(crate) async fn lookup(
    State(st): State<AppState>,
    q: Result<Query<LookupParams>, QueryRejection>,
) -> Result<Json<LookupReport>, AppError> {
    let Query(p) = q.map_err(|e| AppError::bad(query_field(&e.body_text()), e.body_text()))?;
    Ok(Json(lookup_report(
        &st,
        &p.q,
        p.as_of.as_deref(),
        p.jurisdiction.as_deref(),
    )?))
}

fn query_field(msg: &str) -> String {
    msg.split('`').nth(1).unwrap_or("query").to_string()
}

pub(crate) fn check_error(e: CheckError) -> AppError {
    match e {
        CheckError::Input(i) => AppError::bad(i.field, i.message),
        e @ CheckError::NotFound { .. } => AppError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: e.to_string(),
            field: Some("substance".into()),
            transition: None,
        },
        e @ CheckError::Ambiguous { .. } => AppError::bad("substance", e.to_string()),
    }
}

/// Check a shipment: obligations on both sides and under the 1988 Convention, with citations. Open to
/// anyone; a check made with valid credentials is logged in the transparency log (request and decision).
#[utoipa::path(post, path = "/api/v1/check", request_body = CheckRequest,
    responses((status = 200, body = TradeReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)),
    security((), ("bearer" = [])))]
pub(crate) async fn check(
    State(st): State<AppState>,
    caller: crate::ledger::MaybeCaller,
    body: Bytes,
) -> Result<Json<TradeReport>, AppError> {
    let req: CheckRequest = parse_json(&body)?;
    let today = chrono::Utc::now().date_naive();
    let report = pw_trade::check_request(&st.resolver, &req, today).map_err(check_error)?;
    crate::ledger::log_check(&st, &caller, &req, &report).await?;
    Ok(Json(report))
}

/// Deserialize a JSON body, naming the field at fault.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        let field = if path != "." {
            path
        } else {
            msg.split('`')
                .nth(1)
                .map_or_else(|| "body".to_string(), str::to_string)
        };
        AppError::bad(field, format!("invalid JSON body: {msg}"))
    })
}

/// Largest `POST /api/v1/classify` body.
pub const MAX_CLASSIFY_BODY: usize = 1024 * 1024;
/// Most structures in one classify batch.
pub const MAX_CLASSIFY_BATCH: usize = 1000;

/// Body of `POST /api/v1/classify`: one `smiles`, or a batch in `items`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    /// One structure.
    #[serde(default)]
    pub smiles: Option<String>,
    /// Up to 1000 structures.
    #[serde(default)]
    pub items: Option<Vec<String>>,
    /// Apply the rules in force on this date (`YYYY-MM-DD`, default today).
    #[serde(default)]
    pub as_of: Option<String>,
}

/// One result of a batch: a classification or an error, in input order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchItem {
    /// Position in `items`.
    pub index: usize,
    /// The classification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<pw_classify::Classification>,
    /// Why this item could not be classified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Response of a batch classify.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClassifyResponse {
    /// One entry per item.
    pub items: Vec<BatchItem>,
}

/// Classify structures: listed substance, class rules per jurisdiction with the matched atoms, similarity.
/// Open to anyone; classifications made with valid credentials are logged in the transparency log.
#[utoipa::path(post, path = "/api/v1/classify", request_body = ClassifyRequest,
    responses((status = 200, description = "One classification (for `smiles`) or a batch (for `items`)", body = pw_classify::Classification),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security((), ("bearer" = [])))]
pub(crate) async fn classify(
    State(st): State<AppState>,
    caller: crate::ledger::MaybeCaller,
    body: Bytes,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let req: ClassifyRequest = parse_json(&body)?;
    let as_of =
        parse_as_of(req.as_of.as_deref())?.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let classifier = st.classifier.clone();
    match (req.smiles, req.items) {
        (Some(smiles), None) => {
            let c = tokio::task::spawn_blocking(move || classifier.classify(&smiles, as_of))
                .await
                .map_err(AppError::internal)?
                .map_err(|e| AppError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "bad_structure",
                    message: e.to_string(),
                    field: Some("smiles".into()),
                    transition: None,
                })?;
            crate::ledger::log_classifications(&st, &caller, &[&c]).await?;
            Ok(Json(c).into_response())
        }
        (None, Some(items)) => {
            if items.len() > MAX_CLASSIFY_BATCH {
                return Err(AppError {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    code: "payload_too_large",
                    message: format!(
                        "{} items; a batch holds at most {MAX_CLASSIFY_BATCH} (use `pwatch classify --file` for more)",
                        items.len()
                    ),
                    field: Some("items".into()),
                    transition: None,
                });
            }
            let out = tokio::task::spawn_blocking(move || {
                items
                    .iter()
                    .enumerate()
                    .map(|(index, s)| match classifier.classify(s, as_of) {
                        Ok(c) => BatchItem {
                            index,
                            result: Some(c),
                            error: None,
                        },
                        Err(e) => BatchItem {
                            index,
                            result: None,
                            error: Some(e.to_string()),
                        },
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(AppError::internal)?;
            let done: Vec<_> = out.iter().filter_map(|i| i.result.as_ref()).collect();
            crate::ledger::log_classifications(&st, &caller, &done).await?;
            Ok(Json(ClassifyResponse { items: out }).into_response())
        }
        _ => Err(AppError::bad(
            "smiles",
            "give either `smiles` (one structure) or `items` (a batch), not both or neither",
        )),
    }
}

/// Largest `POST /api/v1/screen` body.
pub const MAX_SCREEN_BODY: usize = 8 * 1024 * 1024;
/// Most texts in one screen batch.
pub const MAX_SCREEN_BATCH: usize = 1000;

/// Body of `POST /api/v1/screen`: one `text` (with an optional `id`), or a batch in `items`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenRequest {
    /// One text.
    #[serde(default)]
    pub text: Option<String>,
    /// Its id, echoed back.
    #[serde(default)]
    pub id: Option<String>,
    /// Up to 1000 texts.
    #[serde(default)]
    pub items: Option<Vec<ScreenItem>>,
}

/// One text of a batch.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenItem {
    /// Id, echoed back.
    #[serde(default)]
    pub id: Option<String>,
    /// The text.
    pub text: String,
}

/// One screened text: its id and the screening (DESIGN.md §4 `screen`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScreenResult {
    /// The id given, or the position in the batch.
    pub id: String,
    /// The screening.
    #[serde(flatten)]
    pub screening: pw_screen::Screening,
}

/// Response of a batch screen.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScreenResponse {
    /// One entry per item, in order.
    pub items: Vec<ScreenResult>,
}

/// Screen listings, declarations or manifests: substances and red flags with their text spans (byte
/// offsets), a label, a score and an explanation.
#[utoipa::path(post, path = "/api/v1/screen", request_body = ScreenRequest,
    responses((status = 200, description = "One screening (for `text`) or a batch (for `items`)", body = ScreenResult),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn screen(
    State(st): State<AppState>,
    body: Bytes,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let req: ScreenRequest = parse_json(&body)?;
    let empty = |field: String| AppError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "empty_text",
        message: "the text is empty: nothing to screen".into(),
        field: Some(field),
        transition: None,
    };
    let screener = st.screener.clone();
    match (req.text, req.items) {
        (Some(text), None) => {
            if text.trim().is_empty() {
                return Err(empty("text".into()));
            }
            let id = req.id.unwrap_or_else(|| "0".into());
            let screening = tokio::task::spawn_blocking(move || screener.screen(text.as_bytes()))
                .await
                .map_err(AppError::internal)?;
            Ok(Json(ScreenResult { id, screening }).into_response())
        }
        (None, Some(items)) => {
            if items.len() > MAX_SCREEN_BATCH {
                return Err(AppError {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    code: "payload_too_large",
                    message: format!(
                        "{} items; a batch holds at most {MAX_SCREEN_BATCH} (use `pwatch screen FILE` for more)",
                        items.len()
                    ),
                    field: Some("items".into()),
                    transition: None,
                });
            }
            if let Some(i) = items.iter().position(|it| it.text.trim().is_empty()) {
                return Err(empty(format!("items[{i}].text")));
            }
            let out = tokio::task::spawn_blocking(move || {
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, it)| ScreenResult {
                        id: it.id.unwrap_or_else(|| i.to_string()),
                        screening: screener.screen(it.text.as_bytes()),
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(AppError::internal)?;
            Ok(Json(ScreenResponse { items: out }).into_response())
        }
        _ => Err(AppError::bad(
            "text",
            "give either `text` (one text) or `items` (a batch), not both or neither",
        )),
    }
}

/// The caller: user, organisation, token scopes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// User id.
    pub user_id: String,
    /// E-mail address.
    pub email: String,
    /// Role in the organisation.
    pub role: String,
    /// Organisation id.
    pub org_id: String,
    /// Organisation name.
    pub org_name: String,
    /// Organisation kind.
    pub org_kind: String,
    /// Country, for an authority.
    pub country: Option<String>,
    /// Competences, for an authority.
    pub competences: Vec<String>,
    /// The API token's id, when called with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    /// The session's id, when called from a browser session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// What the credential may do.
    pub scopes: Vec<String>,
}

/// Who the API token belongs to, and what it may do.
#[utoipa::path(get, path = "/api/v1/me",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn me(caller: crate::Caller) -> Result<Json<Me>, AppError> {
    let (token_id, session_id) = match &caller.credential {
        crate::auth::Credential::Token(t) => (Some(t.clone()), None),
        crate::auth::Credential::Session(s) => (None, Some(s.clone())),
    };
    Ok(Json(Me {
        user_id: caller.user.id,
        email: caller.user.email,
        role: caller.user.role.as_str().into(),
        org_id: caller.org.id,
        org_name: caller.org.name,
        org_kind: caller.org.kind.as_str().into(),
        country: caller.org.country,
        competences: caller
            .org
            .competences
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        token_id,
        session_id,
        scopes: caller
            .scopes
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    }))
}
