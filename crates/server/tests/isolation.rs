//! The tenant-isolation matrix: every endpoint of the OpenAPI document, called by every role of every
//! organisation of the test world — the owning one, the addressed one, and unrelated ones (another
//! authority, a rival company, a marketplace) — with the exact outcome each must get. A read of another
//! tenant's record is a 404 (as if it did not exist), a list never shows it, and a write by anyone but the
//! right party with a writing role fails. The test fails when an endpoint appears in the OpenAPI document
//! without a row here.

mod support;

use std::collections::BTreeSet;

use pw_store::Role;
use serde_json::{Value, json};
use support::{ROLES, World};

/// What a caller must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 2xx.
    Ok,
    /// 2xx, and the fixture's id is nowhere in the body.
    Hidden,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 422 (a reference to a record the caller may not use is refused like a bad value).
    Invalid,
}

const TENANTS: [&str; 6] = ["cn", "mx", "us", "company", "rival", "market"];

fn writes(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Officer)
}

/// The state a notification fixture is brought to before the probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PenState {
    Sent,
    InfoRequested,
    NoObjection,
    Shipped,
}

#[derive(Debug, Clone, Copy)]
enum Fixture {
    None,
    Licence,
    ApprovedLicence,
    Pen(PenState),
    /// A user of the company (created for the probe).
    CompanyUser,
    /// An API token of the company's officer.
    CompanyToken,
    /// An invitation by the company's admin.
    CompanyInvitation,
    /// An incident reported by China's officer, shared with Mexico (and an entity of China's to link).
    Incident,
    /// An entity recorded by China's authority.
    CnEntity,
    /// The same, on China's watch list.
    CnWatchedEntity,
}

const ENTITY_NAME: &str = "Zhongshan Matrixfixture Biotech Co., Ltd.";

struct Row {
    method: &'static str,
    path: &'static str,
    fixture: Fixture,
    body: Option<Value>,
    expect: fn(&str, Role) -> Expect,
}

fn application() -> Value {
    json!({
        "substance": "NPP", "quantity": "25 kg", "consignee_name": "Farmacéutica Ejemplo S.A. de C.V.",
        "consignee_address": "Av. Ejemplo 1, Ciudad de México", "importing_country": "MX",
        "end_use": "Reference standard", "expected_date": "2027-01-15"
    })
}

/// Owner-or-addressed read: 200 for `parties`, 404 for everyone else.
fn read_by(parties: &'static [&'static str]) -> impl Fn(&str, Role) -> Expect {
    move |t, _| {
        if parties.contains(&t) {
            Expect::Ok
        } else {
            Expect::NotFound
        }
    }
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            method: "GET",
            path: "/api/v1/me",
            fixture: Fixture::None,
            body: None,
            expect: |_, _| Expect::Ok,
        },
        Row {
            method: "GET",
            path: "/api/v1/licences",
            fixture: Fixture::Licence,
            body: None,
            expect: |t, _| {
                if ["company", "cn"].contains(&t) {
                    Expect::Ok
                } else {
                    Expect::Hidden
                }
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/licences",
            fixture: Fixture::None,
            body: Some(application()),
            expect: |t, r| {
                if ["company", "rival"].contains(&t) && writes(r) {
                    Expect::Ok
                } else {
                    Expect::Forbidden
                }
            },
        },
        Row {
            method: "GET",
            path: "/api/v1/licences/{id}",
            fixture: Fixture::Licence,
            body: None,
            expect: |t, r| read_by(&["company", "cn"])(t, r),
        },
        Row {
            method: "POST",
            path: "/api/v1/licences/{id}/{action}#approve",
            fixture: Fixture::Licence,
            body: Some(json!({"licence_number": "CN-1", "valid_until": "2027-06-30"})),
            expect: |t, r| match t {
                "cn" if writes(r) => Expect::Ok,
                "cn" | "company" => Expect::Forbidden,
                _ => Expect::NotFound,
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/licences/{id}/{action}#refuse",
            fixture: Fixture::Licence,
            body: Some(json!({"reason": "End use not substantiated"})),
            expect: |t, r| match t {
                "cn" if writes(r) => Expect::Ok,
                "cn" | "company" => Expect::Forbidden,
                _ => Expect::NotFound,
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/licences/{id}/{action}#withdraw",
            fixture: Fixture::Licence,
            body: Some(json!({"reason": "Order cancelled"})),
            expect: |t, r| match t {
                "company" if writes(r) => Expect::Ok,
                "cn" | "company" => Expect::Forbidden,
                _ => Expect::NotFound,
            },
        },
        Row {
            method: "GET",
            path: "/api/v1/notifications",
            fixture: Fixture::Pen(PenState::Sent),
            body: None,
            expect: |t, _| {
                if ["cn", "mx"].contains(&t) {
                    Expect::Ok
                } else {
                    Expect::Hidden
                }
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/notifications",
            fixture: Fixture::ApprovedLicence,
            body: Some(json!({"licence_id": "{licence}"})),
            expect: |t, r| match t {
                _ if !writes(r) => Expect::Forbidden,
                "cn" => Expect::Ok,
                // Another country's PEN authority cannot notify about a Chinese licence.
                "mx" | "us" => Expect::Invalid,
                _ => Expect::Forbidden,
            },
        },
        Row {
            method: "GET",
            path: "/api/v1/notifications/{id}",
            fixture: Fixture::Pen(PenState::Sent),
            body: None,
            expect: |t, r| read_by(&["cn", "mx"])(t, r),
        },
        // The logged audit rows of a record: for those who may see the record.
        Row {
            method: "GET",
            path: "/api/v1/notifications/{id}/log",
            fixture: Fixture::Pen(PenState::Sent),
            body: None,
            expect: |t, r| read_by(&["cn", "mx"])(t, r),
        },
        Row {
            method: "GET",
            path: "/api/v1/licences/{id}/log",
            fixture: Fixture::Licence,
            body: None,
            expect: |t, r| read_by(&["company", "cn"])(t, r),
        },
        Row {
            method: "GET",
            path: "/api/v1/incidents/{id}/log",
            fixture: Fixture::Incident,
            body: None,
            expect: |t, r| read_by(&["cn", "mx"])(t, r),
        },
        Row {
            method: "POST",
            path: "/api/v1/notifications/{id}/{action}#no_objection",
            fixture: Fixture::Pen(PenState::Sent),
            body: Some(json!({})),
            expect: importer_acts,
        },
        Row {
            method: "POST",
            path: "/api/v1/notifications/{id}/{action}#object",
            fixture: Fixture::Pen(PenState::Sent),
            body: Some(json!({"text": "Consignee unknown"})),
            expect: importer_acts,
        },
        Row {
            method: "POST",
            path: "/api/v1/notifications/{id}/{action}#request_info",
            fixture: Fixture::Pen(PenState::Sent),
            body: Some(json!({"text": "Which end user?"})),
            expect: importer_acts,
        },
        Row {
            method: "POST",
            path: "/api/v1/notifications/{id}/{action}#answer",
            fixture: Fixture::Pen(PenState::InfoRequested),
            body: Some(json!({"text": "Licensed laboratory SSA-123"})),
            expect: exporter_acts,
        },
        Row {
            method: "POST",
            path: "/api/v1/notifications/{id}/{action}#withdraw",
            fixture: Fixture::Pen(PenState::Sent),
            body: Some(json!({"text": "Shipment cancelled"})),
            expect: exporter_acts,
        },
        Row {
            method: "POST",
            path: "/api/v1/notifications/{id}/{action}#ship",
            fixture: Fixture::Pen(PenState::NoObjection),
            body: Some(json!({})),
            expect: exporter_acts,
        },
        Row {
            method: "POST",
            path: "/api/v1/notifications/{id}/{action}#receive",
            fixture: Fixture::Pen(PenState::Shipped),
            body: Some(json!({})),
            expect: importer_acts,
        },
        Row {
            method: "GET",
            path: "/api/v1/incidents",
            fixture: Fixture::Incident,
            body: None,
            expect: |t, _| {
                if ["cn", "mx"].contains(&t) {
                    Expect::Ok
                } else {
                    Expect::Hidden
                }
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/incidents",
            fixture: Fixture::None,
            body: Some(
                json!({"kind": "seizure", "substances": ["NPP"], "occurred_on": "2026-11-01",
                "description": "25 kg declared as a dye intermediate, stopped at the port"}),
            ),
            expect: |_, r| {
                if writes(r) {
                    Expect::Ok
                } else {
                    Expect::Forbidden
                }
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/incidents/from-screening",
            fixture: Fixture::None,
            body: Some(
                json!({"text": "We sell 1-boc-4-piperidone CAS 79099-07-3, safe delivery to Mexico, pay BTC, Wickr: xyz"}),
            ),
            expect: |_, r| {
                if writes(r) {
                    Expect::Ok
                } else {
                    Expect::Forbidden
                }
            },
        },
        Row {
            method: "GET",
            path: "/api/v1/incidents/{id}",
            fixture: Fixture::Incident,
            body: None,
            expect: |t, r| read_by(&["cn", "mx"])(t, r),
        },
        Row {
            method: "POST",
            path: "/api/v1/incidents/{id}/comments",
            fixture: Fixture::Incident,
            body: Some(json!({"body": "The same consignee appears in a 2025 seizure."})),
            expect: |t, r| match (t, r) {
                ("cn" | "mx", Role::ReadOnly) => Expect::Forbidden,
                ("cn" | "mx", _) => Expect::Ok,
                _ => Expect::NotFound,
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/incidents/{id}/share",
            fixture: Fixture::Incident,
            body: Some(json!({"shared_with": ["{us_org}"]})),
            expect: reporter_acts,
        },
        Row {
            method: "POST",
            path: "/api/v1/incidents/{id}/entities",
            fixture: Fixture::Incident,
            body: Some(json!({"entity_ids": ["{other}"]})),
            expect: reporter_acts,
        },
        Row {
            method: "GET",
            path: "/api/v1/entities",
            fixture: Fixture::CnEntity,
            body: None,
            expect: |t, _| {
                if t == "cn" {
                    Expect::Ok
                } else {
                    Expect::Hidden
                }
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/entities",
            fixture: Fixture::None,
            body: Some(
                json!({"kind": "company", "name": "Matrix Trading {uniq} Ltd", "country": "CN"}),
            ),
            expect: |_, r| {
                if writes(r) {
                    Expect::Ok
                } else {
                    Expect::Forbidden
                }
            },
        },
        Row {
            method: "GET",
            path: "/api/v1/entities/{id}",
            fixture: Fixture::CnEntity,
            body: None,
            expect: |t, r| read_by(&["cn"])(t, r),
        },
        Row {
            method: "PATCH",
            path: "/api/v1/entities/{id}",
            fixture: Fixture::CnEntity,
            body: Some(
                json!({"country": "CN", "identifiers": [{"type": "email", "value": "sales{uniq}@matrixfixture.example"}]}),
            ),
            expect: cn_writes,
        },
        Row {
            method: "POST",
            path: "/api/v1/entities/{id}/watch",
            fixture: Fixture::CnEntity,
            body: Some(json!({"reason": "Supplier in a seizure"})),
            expect: cn_writes,
        },
        Row {
            method: "POST",
            path: "/api/v1/entities/{id}/unwatch",
            fixture: Fixture::CnWatchedEntity,
            body: Some(json!({"reason": "Cleared"})),
            expect: cn_writes,
        },
        Row {
            method: "GET",
            path: "/api/v1/watchlist",
            fixture: Fixture::CnWatchedEntity,
            body: None,
            // Only authorities keep a watch list; for anyone else it is empty.
            expect: |t, _| match t {
                "cn" => Expect::Ok,
                _ => Expect::Hidden,
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/entities/match",
            fixture: Fixture::CnEntity,
            body: Some(
                json!({"names": [{"role": "consignee", "name": "ZHONGSHAN MATRIXFIXTURE BIO-TECH CO LTD"}]}),
            ),
            expect: |t, _| {
                if t == "cn" {
                    Expect::Ok
                } else {
                    Expect::Hidden
                }
            },
        },
        Row {
            method: "GET",
            path: "/api/v1/session",
            fixture: Fixture::None,
            body: None,
            // A bearer token is not a session.
            expect: |_, _| Expect::NotFound,
        },
        Row {
            method: "DELETE",
            path: "/api/v1/session",
            fixture: Fixture::None,
            body: None,
            expect: |_, _| Expect::NotFound,
        },
        Row {
            method: "GET",
            path: "/api/v1/users",
            fixture: Fixture::CompanyUser,
            body: None,
            expect: |t, _| {
                if t == "company" {
                    Expect::Ok
                } else {
                    Expect::Hidden
                }
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/users/{id}/disable",
            fixture: Fixture::CompanyUser,
            body: None,
            expect: company_admin_only,
        },
        Row {
            method: "POST",
            path: "/api/v1/users/{id}/enable",
            fixture: Fixture::CompanyUser,
            body: None,
            expect: company_admin_only,
        },
        Row {
            method: "GET",
            path: "/api/v1/tokens",
            fixture: Fixture::CompanyToken,
            body: None,
            expect: |t, r| {
                if t == "company" && r == Role::Officer {
                    Expect::Ok
                } else {
                    Expect::Hidden
                }
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/tokens",
            fixture: Fixture::None,
            body: Some(json!({"name": "matrix", "scopes": ["read"]})),
            expect: |_, _| Expect::Ok,
        },
        Row {
            method: "POST",
            path: "/api/v1/tokens/{id}/revoke",
            fixture: Fixture::CompanyToken,
            body: None,
            expect: |t, r| match (t, r) {
                ("company", Role::Officer | Role::Admin) => Expect::Ok,
                _ => Expect::NotFound,
            },
        },
        Row {
            method: "GET",
            path: "/api/v1/invitations",
            fixture: Fixture::CompanyInvitation,
            body: None,
            expect: |t, r| match (t, r) {
                ("company", Role::Admin) => Expect::Ok,
                (_, Role::Admin) => Expect::Hidden,
                _ => Expect::Forbidden,
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/invitations",
            fixture: Fixture::None,
            body: Some(json!({"email": "invitee-{uniq}@example.org", "role": "officer"})),
            expect: |_, r| {
                if r == Role::Admin {
                    Expect::Ok
                } else {
                    Expect::Forbidden
                }
            },
        },
        Row {
            method: "POST",
            path: "/api/v1/invitations/{id}/revoke",
            fixture: Fixture::CompanyInvitation,
            body: None,
            expect: company_admin_only,
        },
        Row {
            method: "POST",
            path: "/api/v1/settings/pen-response-days",
            fixture: Fixture::None,
            body: Some(json!({"days": 20})),
            expect: |t, r| {
                if ["cn", "mx", "us"].contains(&t) && writes(r) {
                    Expect::Ok
                } else {
                    Expect::Forbidden
                }
            },
        },
    ]
}

fn reporter_acts(t: &str, r: Role) -> Expect {
    match t {
        "cn" if writes(r) => Expect::Ok,
        "cn" | "mx" => Expect::Forbidden,
        _ => Expect::NotFound,
    }
}

fn cn_writes(t: &str, r: Role) -> Expect {
    match t {
        "cn" if writes(r) => Expect::Ok,
        "cn" => Expect::Forbidden,
        _ => Expect::NotFound,
    }
}

/// Admin actions: a non-admin is refused whatever the id (so the refusal tells nothing about it); another
/// organisation's admin does not find the record.
fn company_admin_only(t: &str, r: Role) -> Expect {
    match (t, r) {
        ("company", Role::Admin) => Expect::Ok,
        (_, Role::Admin) => Expect::NotFound,
        _ => Expect::Forbidden,
    }
}

fn importer_acts(t: &str, r: Role) -> Expect {
    match t {
        "mx" if writes(r) => Expect::Ok,
        "mx" | "cn" => Expect::Forbidden,
        _ => Expect::NotFound,
    }
}

fn exporter_acts(t: &str, r: Role) -> Expect {
    match t {
        "cn" if writes(r) => Expect::Ok,
        "mx" | "cn" => Expect::Forbidden,
        _ => Expect::NotFound,
    }
}

/// Endpoints that hold no tenant data (public reference data, the document itself) or exchange a secret
/// for a credential (sign-in, accepting an invitation: tested in accounts.rs).
const PUBLIC: [&str; 16] = [
    "POST /api/v1/session",
    "POST /api/v1/invitations/accept",
    "GET /healthz",
    "GET /api/v1/lookup",
    "POST /api/v1/check",
    "POST /api/v1/classify",
    "POST /api/v1/screen",
    "GET /api/v1/openapi.json",
    // The transparency log: hashes and leaves (kind, time, record hash), no tenant data.
    "GET /api/v1/log/checkpoint",
    "GET /api/v1/log/key",
    "GET /api/v1/log/tile/{path}",
    "GET /api/v1/log/proof/inclusion",
    "GET /api/v1/log/proof/consistency",
    "GET /api/v1/log/leaf/{index}",
    "GET /api/v1/log/witnesses",
    // A witness's cosignature: no tenant data, and no token — the credential is the cosignature itself,
    // which must verify under a witness key the operator configured (`serve --witness-key`); refusals
    // (403 unknown witness, 422 forged or inconsistent) are tested in pwatch's tests/ledger_witness.rs.
    "POST /api/v1/log/cosignatures",
];

fn next() -> u64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Build the fixture the row needs; returns (record id, licence id).
async fn fixture(w: &World, f: Fixture) -> (String, String) {
    let company = w.token("company", Role::Officer);
    let cn = w.token("cn", Role::Officer);
    let mx = w.token("mx", Role::Officer);
    let ok = |r: &support::Reply| {
        assert!((200..300).contains(&r.status), "fixture: {}", r.body);
        r.body["id"].as_str().unwrap_or_default().to_string()
    };
    let cli = pw_store::Actor {
        id: "cli:test".into(),
        org_id: None,
    };
    match f {
        Fixture::None => return (String::new(), String::new()),
        Fixture::CompanyUser => {
            let user = w
                .store
                .create_user(
                    &pw_store::NewUser {
                        org_id: w.tenants["company"].org_id.clone(),
                        email: format!("fixture-{}@company.example", next()),
                        password: "a long enough password".into(),
                        role: Role::Officer,
                    },
                    &cli,
                )
                .await
                .expect("user");
            return (user.id, String::new());
        }
        Fixture::CompanyToken => {
            let (token, _) = w
                .store
                .create_token(
                    &w.tenants["company"].users["officer"],
                    "fixture",
                    &[pw_store::Scope::Read],
                    None,
                    &cli,
                )
                .await
                .expect("token");
            return (token.id, String::new());
        }
        Fixture::Incident => {
            let cn = w.token("cn", Role::Officer);
            let entity = ok(&w
                .post(
                    "/api/v1/entities",
                    &cn,
                    &json!({"kind": "company", "name": ENTITY_NAME, "country": "CN"}),
                )
                .await);
            let r = w
                .post(
                    "/api/v1/incidents",
                    &cn,
                    &json!({"kind": "stopped_shipment", "substances": ["ANPP"], "quantity": "10 kg",
                        "route": ["CN", "MX"], "occurred_on": "2026-10-02",
                        "description": "Declared as a plasticiser; stopped before loading",
                        "shared_with": [w.tenants["mx"].org_id]}),
                )
                .await;
            return (ok(&r), entity);
        }
        Fixture::CnEntity | Fixture::CnWatchedEntity => {
            let cn = w.token("cn", Role::Officer);
            let entity = ok(&w
                .post(
                    "/api/v1/entities",
                    &cn,
                    &json!({"kind": "company", "name": ENTITY_NAME, "country": "CN"}),
                )
                .await);
            if matches!(f, Fixture::CnWatchedEntity) {
                ok(&w
                    .post(
                        &format!("/api/v1/entities/{entity}/watch"),
                        &cn,
                        &json!({"reason": "Supplier in a seizure"}),
                    )
                    .await);
            }
            return (entity, String::new());
        }
        Fixture::CompanyInvitation => {
            let r = w
                .post(
                    "/api/v1/invitations",
                    &w.token("company", Role::Admin),
                    &json!({"email": format!("fixture-{}@invited.example", next()), "role": "officer"}),
                )
                .await;
            ok(&r);
            let id = r.body["invitation"]["id"].as_str().expect("invitation id");
            return (id.to_string(), String::new());
        }
        _ => {}
    }
    let lic = ok(&w.post("/api/v1/licences", &company, &application()).await);
    if matches!(f, Fixture::Licence) {
        return (lic.clone(), lic);
    }
    ok(&w
        .post(
            &format!("/api/v1/licences/{lic}/approve"),
            &cn,
            &json!({"licence_number": "CN-EXP-1", "valid_until": "2027-06-30"}),
        )
        .await);
    let Fixture::Pen(state) = f else {
        return (lic.clone(), lic);
    };
    let pen = ok(&w
        .post("/api/v1/notifications", &cn, &json!({"licence_id": lic}))
        .await);
    let step = |action: &'static str, token: String| {
        let path = format!("/api/v1/notifications/{pen}/{action}");
        async move {
            ok(&w.post(&path, &token, &json!({"text": "fixture"})).await);
        }
    };
    match state {
        PenState::Sent => {}
        PenState::InfoRequested => step("request_info", mx.clone()).await,
        PenState::NoObjection => step("no_objection", mx.clone()).await,
        PenState::Shipped => {
            step("no_objection", mx.clone()).await;
            step("ship", cn.clone()).await;
        }
    }
    (pen, lic)
}

async fn matrix(w: &World) {
    // Every path in the OpenAPI document has a row or is public.
    let doc = w.call("GET", "/api/v1/openapi.json", None, None, &[]).await;
    let mut documented = BTreeSet::new();
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let rows = rows();
    let covered: BTreeSet<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.path.split('#').next().unwrap_or(r.path)
            )
        })
        .chain(PUBLIC.iter().map(|s| s.to_string()))
        .collect();
    let missing: Vec<&String> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "endpoints without an isolation row: {missing:?}"
    );

    let mut probes = 0;
    for row in &rows {
        let (mut id, mut lic) = fixture(w, row.fixture).await;
        for tenant in TENANTS {
            for role in ROLES {
                let (template, action) = row.path.split_once('#').unwrap_or((row.path, ""));
                let path = template.replace("{id}", &id).replace("{action}", action);
                let body = row
                    .body
                    .as_ref()
                    .map(|b| {
                        serde_json::from_str(
                            &b.to_string()
                                .replace("{licence}", &lic)
                                .replace("{other}", &lic)
                                .replace("{us_org}", &w.tenants["us"].org_id)
                                .replace("{uniq}", &next().to_string()),
                        )
                    })
                    .transpose()
                    .expect("body");
                let token = w.token(tenant, role);
                let r = w
                    .call(row.method, &path, Some(&token), body.as_ref(), &[])
                    .await;
                let expect = (row.expect)(tenant, role);
                let got = match r.status {
                    200..=299 if !id.is_empty() && r.body.to_string().contains(&id) => Expect::Ok,
                    // Reads (and the read-only match) answer without the record they may not see.
                    200..=299
                        if (row.method == "GET" || row.path.ends_with("/match"))
                            && !id.is_empty() =>
                    {
                        Expect::Hidden
                    }
                    200..=299 => Expect::Ok,
                    403 => Expect::Forbidden,
                    404 => Expect::NotFound,
                    422 => Expect::Invalid,
                    other => panic!(
                        "{} {path} as {tenant}/{role}: unexpected {other}: {}",
                        row.method, r.body
                    ),
                };
                assert_eq!(
                    got, expect,
                    "{} {path} as {tenant}/{role} (fixture {id}): {}",
                    row.method, r.body
                );
                if matches!(r.status, 400..=499) {
                    assert!(
                        r.body["error"]["code"].is_string(),
                        "error shape: {}",
                        r.body
                    );
                }
                probes += 1;
                // A write that succeeded used the fixture up: make a fresh one for the next caller.
                if row.method != "GET" && got == Expect::Ok && !matches!(row.fixture, Fixture::None)
                {
                    (id, lic) = fixture(w, row.fixture).await;
                }
            }
        }
    }
    assert_eq!(probes, rows.len() * TENANTS.len() * ROLES.len());
}

#[tokio::test]
async fn every_endpoint_every_role_every_tenant_sqlite() {
    matrix(&World::sqlite().await).await;
}

#[tokio::test]
async fn every_endpoint_every_role_every_tenant_postgres() {
    if let Some(w) = World::postgres().await {
        matrix(&w).await;
    }
}
