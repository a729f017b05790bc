//! `pwatch demo seed`: a few authorities, companies and a marketplace with users and API tokens, and a
//! realistic conversation between them — licence applications approved, refused and pending; notifications
//! answered with no objection, an objection and a question; a shipment confirmed on arrival.
//!
//! The organisations and users are created with the store (as `pwatch admin` does); everything else goes
//! through the real API router in-process (`tower::ServiceExt::oneshot`), so the seeded records passed the
//! same validation, tenant rules and audit as anything a user does. Passwords and tokens are random and
//! printed once; there are no default passwords.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use axum::body::Body;
use axum::http::{Method, Request};
use pw_store::{Actor, Competence, NewOrganisation, NewUser, OrgKind, Role, Scope, Store};
use serde::Serialize;
use serde_json::{Value, json};
use tower::ServiceExt;

/// One seeded user, with their one-time credentials.
#[derive(Debug, Serialize)]
pub struct SeededUser {
    /// The organisation's short key (`cn`, `mx`, …).
    pub org: String,
    /// Organisation name.
    pub org_name: String,
    /// E-mail (the login).
    pub email: String,
    /// Role.
    pub role: String,
    /// Random password, shown once.
    pub password: String,
    /// API token with every scope the role allows, shown once.
    pub token: String,
}

/// What the seed created.
#[derive(Debug, Serialize)]
pub struct Seeded {
    /// Users and credentials.
    pub users: Vec<SeededUser>,
    /// Records created through the API, by kind.
    pub records: BTreeMap<String, Vec<String>>,
}

struct Org {
    key: &'static str,
    kind: OrgKind,
    name: &'static str,
    country: &'static str,
    competences: &'static [Competence],
}

const ORGS: &[Org] = &[
    Org {
        key: "cn",
        kind: OrgKind::Authority,
        name: "Precursor licensing office, China (demo)",
        country: "CN",
        competences: &[Competence::Licensing, Competence::Pen],
    },
    Org {
        key: "mx",
        kind: OrgKind::Authority,
        name: "Precursor control authority, Mexico (demo)",
        country: "MX",
        competences: &[Competence::Licensing, Competence::Pen, Competence::Customs],
    },
    Org {
        key: "us",
        kind: OrgKind::Authority,
        name: "Diversion control office, United States (demo)",
        country: "US",
        competences: &[Competence::Licensing, Competence::Pen],
    },
    Org {
        key: "ca",
        kind: OrgKind::Authority,
        name: "Controlled substances office, Canada (demo)",
        country: "CA",
        competences: &[Competence::Licensing, Competence::Pen],
    },
    Org {
        key: "nl",
        kind: OrgKind::Authority,
        name: "Precursor unit, Netherlands (demo)",
        country: "NL",
        competences: &[Competence::Licensing, Competence::Pen, Competence::Police],
    },
    Org {
        key: "hubei",
        kind: OrgKind::Company,
        name: "Hubei Example Fine Chemicals Co., Ltd. (demo)",
        country: "CN",
        competences: &[],
    },
    Org {
        key: "shanghai",
        kind: OrgKind::Company,
        name: "Shanghai Example Pharma Trading Co., Ltd. (demo)",
        country: "CN",
        competences: &[],
    },
    Org {
        key: "rotterdam",
        kind: OrgKind::Company,
        name: "Rotterdam Example Chemicals B.V. (demo)",
        country: "NL",
        competences: &[],
    },
    Org {
        key: "market",
        kind: OrgKind::Marketplace,
        name: "Example B2B chemicals marketplace (demo)",
        country: "SG",
        competences: &[],
    },
];

fn random_secret(n: usize) -> String {
    // Letters and digits without look-alikes, from the OS's random source (via uuid v4).
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in uuid::Uuid::new_v4().as_bytes() {
            if out.len() < n {
                out.push(ALPHABET[usize::from(*b) % ALPHABET.len()] as char);
            }
        }
    }
    out
}

fn scopes_for(role: Role) -> Vec<Scope> {
    match role {
        Role::Admin => Scope::all()
            .iter()
            .filter_map(|s| Scope::parse(s))
            .collect(),
        Role::Officer => vec![
            Scope::Read,
            Scope::Screen,
            Scope::Licences,
            Scope::Notifications,
            Scope::Incidents,
        ],
        Role::Reviewer | Role::ReadOnly => vec![Scope::Read, Scope::Screen],
    }
}

/// The in-process API.
struct Api {
    router: axum::Router,
}

impl Api {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let req = Request::builder()
            .method(method.clone())
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .context("building a request")?;
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .context("calling the API")?;
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .context("reading a response")?;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{method} {path}: {status}: {value}");
        }
        Ok(value)
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
        self.call(Method::POST, path, token, body).await
    }
}

fn id(v: &Value) -> anyhow::Result<String> {
    v["id"]
        .as_str()
        .map(str::to_string)
        .context("a created record without an id")
}

/// Seed `store` (empty or not: names get no suffix, so run it once per database).
pub async fn seed(
    store: Store,
    registry: std::sync::Arc<pw_registry::Registry>,
) -> anyhow::Result<Seeded> {
    let cli = Actor {
        id: "cli:demo-seed".into(),
        org_id: None,
    };
    if !store.organisations().await?.is_empty() {
        bail!("this database already has organisations: demo seed runs on an empty database only");
    }
    let mut users = Vec::new();
    let mut officer: BTreeMap<&str, String> = BTreeMap::new();
    for o in ORGS {
        let org = store
            .create_organisation(
                &NewOrganisation {
                    kind: o.kind,
                    name: o.name.into(),
                    country: Some(o.country.into()),
                    competences: o.competences.to_vec(),
                },
                &cli,
            )
            .await?;
        for role in [Role::Admin, Role::Officer, Role::ReadOnly] {
            let password = random_secret(20);
            let email = format!("{}@{}.demo.example", role.as_str().replace('_', "-"), o.key);
            let user = store
                .create_user(
                    &NewUser {
                        org_id: org.id.clone(),
                        email: email.clone(),
                        password: password.clone(),
                        role,
                    },
                    &cli,
                )
                .await?;
            let (_, token) = store
                .create_token(&user.id, "demo seed", &scopes_for(role), None, &cli)
                .await?;
            if role == Role::Officer {
                officer.insert(o.key, token.clone());
            }
            users.push(SeededUser {
                org: o.key.into(),
                org_name: o.name.into(),
                email,
                role: role.as_str().into(),
                password,
                token,
            });
        }
    }
    let state = pw_server::AppState::new(registry, store).context("building the app state")?;
    let api = Api {
        router: pw_server::app(state),
    };
    let t = |k: &str| officer.get(k).cloned().unwrap_or_default();
    let mut records: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut note = |kind: &str, id: &str| {
        records.entry(kind.into()).or_default().push(id.into());
    };
    let apply = |substance: &str,
                 qty: &str,
                 consignee: &str,
                 address: &str,
                 to: &str,
                 end_use: &str,
                 date: &str| {
        json!({
            "substance": substance, "quantity": qty, "consignee_name": consignee,
            "consignee_address": address, "importing_country": to, "end_use": end_use,
            "expected_date": date
        })
    };

    // 1. NPP to Mexico: approved, notified, and the importing authority objects.
    let lic = api
        .post(
            "/api/v1/licences",
            &t("hubei"),
            apply(
                "NPP",
                "25 kg",
                "Distribuidora Química del Norte S.A. de C.V. (demo)",
                "Blvd. Industrial 100, Culiacán, Sinaloa, MX",
                "MX",
                "Intermediate for a licensed pharmaceutical manufacturer",
                "2027-01-20",
            ),
        )
        .await?;
    let lic1 = id(&lic)?;
    note("licence", &lic1);
    api.post(
        &format!("/api/v1/licences/{lic1}/approve"),
        &t("cn"),
        json!({"licence_number": "CN-EXP-2026-00417", "valid_until": "2027-03-31"}),
    )
    .await?;
    let pen1 = id(&api
        .post(
            "/api/v1/notifications",
            &t("cn"),
            json!({"licence_id": lic1}),
        )
        .await?)?;
    note("notification", &pen1);
    api.post(
        &format!("/api/v1/notifications/{pen1}/object"),
        &t("mx"),
        json!({"text": "The consignee holds no import permit for List I chemicals and is not registered with the authority."}),
    )
    .await?;

    // 2. 1-boc-4-AP to the United States: no objection, shipped, received.
    let lic2 = id(&api
        .post(
            "/api/v1/licences",
            &t("shanghai"),
            apply(
                "1-boc-4-AP",
                "5 kg",
                "Example Analytical Standards Inc. (demo)",
                "200 Research Park Dr, Durham, NC, US",
                "US",
                "Analytical reference standards (DEA-registered importer)",
                "2027-01-10",
            ),
        )
        .await?)?;
    note("licence", &lic2);
    api.post(
        &format!("/api/v1/licences/{lic2}/approve"),
        &t("cn"),
        json!({"licence_number": "CN-EXP-2026-00418", "valid_until": "2027-02-28"}),
    )
    .await?;
    let pen2 = id(&api
        .post(
            "/api/v1/notifications",
            &t("cn"),
            json!({"licence_id": lic2}),
        )
        .await?)?;
    note("notification", &pen2);
    for (action, who, text) in [
        ("no_objection", "us", "Importer registration verified."),
        ("ship", "cn", "Air waybill 999-12345675, departed PVG."),
        (
            "receive",
            "us",
            "Received in full; quantities match the notification.",
        ),
    ] {
        api.post(
            &format!("/api/v1/notifications/{pen2}/{action}"),
            &t(who),
            json!({ "text": text }),
        )
        .await?;
    }

    // 3. ANPP to Canada: refused.
    let lic3 = id(&api
        .post(
            "/api/v1/licences",
            &t("hubei"),
            apply(
                "ANPP",
                "100 kg",
                "Northern Example Trading Ltd. (demo)",
                "1 Harbour Rd, Vancouver, BC, CA",
                "CA",
                "Resale",
                "2027-02-01",
            ),
        )
        .await?)?;
    note("licence", &lic3);
    api.post(
        &format!("/api/v1/licences/{lic3}/refuse"),
        &t("cn"),
        json!({"reason": "Resale is not a legitimate end use for ANPP, and the consignee holds no Canadian licence for Class A precursors."}),
    )
    .await?;

    // 4. Pending: a Dutch exporter's 4-piperidone application, and a Chinese one awaiting its authority.
    for (company, substance, qty, consignee, address, to, end_use) in [
        (
            "rotterdam",
            "4-piperidone",
            "200 kg",
            "Química Fina del Bajío S.A. de C.V. (demo)",
            "Parque Industrial 7, León, Guanajuato, MX",
            "MX",
            "Pharmaceutical intermediate (declared)",
        ),
        (
            "shanghai",
            "norfentanyl",
            "0.5 kg",
            "Example Forensic Laboratory (demo)",
            "Laan 3, Den Haag, NL",
            "NL",
            "Forensic reference standard",
        ),
    ] {
        let lic = id(&api
            .post(
                "/api/v1/licences",
                &t(company),
                apply(
                    substance,
                    qty,
                    consignee,
                    address,
                    to,
                    end_use,
                    "2027-02-15",
                ),
            )
            .await?)?;
        note("licence", &lic);
    }

    // 5. A notification sent without a licence record, with a question and its answer.
    let pen3 = id(&api
        .post(
            "/api/v1/notifications",
            &t("nl"),
            json!({
                "substance": "4-AP", "quantity": "20 kg",
                "exporter_name": "Rotterdam Example Chemicals B.V. (demo)",
                "consignee_name": "Química Fina del Bajío S.A. de C.V. (demo)",
                "consignee_address": "Parque Industrial 7, León, Guanajuato, MX",
                "importing_country": "MX", "transit_countries": ["US"],
                "expected_date": "2027-01-25"
            }),
        )
        .await?)?;
    note("notification", &pen3);
    api.post(
        &format!("/api/v1/notifications/{pen3}/request_info"),
        &t("mx"),
        json!({"text": "Please provide the end-user declaration and the consignee's import permit number."}),
    )
    .await?;
    api.post(
        &format!("/api/v1/notifications/{pen3}/answer"),
        &t("nl"),
        json!({"text": "End-user declaration attached to the licence file; permit number SSA-PERM-2026-0031 (demo)."}),
    )
    .await?;
    Ok(Seeded { users, records })
}
