//! A running server with a small world of tenants, for the platform's HTTP tests: authorities of China
//! (licensing and PEN), Mexico (PEN) and the United States (PEN), two Chinese companies, and in each
//! organisation one user per role with an all-scope API token.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use pw_registry::Registry;
use pw_server::{AppState, app};
use pw_store::{Actor, Competence, NewOrganisation, NewUser, OrgKind, Role, Scope, Store};
use serde_json::{Value, json};

/// A notification to send for the dashboard: importing country, substance, the importer's reply.
type Planned = (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

pub const ROLES: [Role; 4] = [Role::Admin, Role::Officer, Role::Reviewer, Role::ReadOnly];

/// One organisation of the world with a token per role.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub org_id: String,
    pub tokens: BTreeMap<&'static str, String>,
    pub users: BTreeMap<&'static str, String>,
}

impl Tenant {
    pub fn token(&self, role: Role) -> &str {
        &self.tokens[role.as_str()]
    }
}

pub struct World {
    pub base: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub tenants: BTreeMap<&'static str, Tenant>,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<String>,
}

/// The response of a call: status, JSON body (or the text as a JSON string), headers.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("store");
    (store, dir)
}

/// A fresh database on the test server (so that "the authority of a country" is this world's), or `None`
/// when no server is configured.
async fn postgres() -> Option<(Store, String)> {
    let Ok(base) = std::env::var("PWATCH_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "PWATCH_TEST_DATABASE_URL must be set in CI"
        );
        eprintln!("skipped on PostgreSQL: PWATCH_TEST_DATABASE_URL not set");
        return None;
    };
    let name = format!("pwatch_t_{}", uuid_like());
    let admin = sqlx_admin(&base).await;
    admin(format!("CREATE DATABASE {name}")).await;
    let url = match base.rfind('/') {
        Some(i) => format!("{}/{name}", &base[..i]),
        None => panic!("PWATCH_TEST_DATABASE_URL has no database name"),
    };
    let store = Store::connect(&url).await.expect("connect to PostgreSQL");
    Some((store, name))
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}", nanos, std::process::id())
}

async fn sqlx_admin(
    base: &str,
) -> impl Fn(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    let base = base.to_string();
    move |stmt: String| {
        let base = base.clone();
        Box::pin(async move {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&base)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&stmt)
                .execute(&mut c)
                .await
                .expect("admin statement");
        })
    }
}

impl World {
    /// On a fresh SQLite file.
    pub async fn sqlite() -> World {
        let (store, dir) = sqlite().await;
        World::populate(store, Some(dir), None).await
    }

    /// On a fresh PostgreSQL database, when one is configured.
    pub async fn postgres() -> Option<World> {
        let (store, name) = postgres().await?;
        Some(World::populate(store, None, Some(name)).await)
    }

    async fn populate(store: Store, dir: Option<tempfile::TempDir>, pg: Option<String>) -> World {
        let cli = Actor {
            id: "cli:test".into(),
            org_id: None,
        };
        let specs: [(&str, OrgKind, &str, &[Competence]); 6] = [
            (
                "cn",
                OrgKind::Authority,
                "CN",
                &[Competence::Licensing, Competence::Pen],
            ),
            (
                "mx",
                OrgKind::Authority,
                "MX",
                &[Competence::Pen, Competence::Customs],
            ),
            (
                "us",
                OrgKind::Authority,
                "US",
                &[Competence::Pen, Competence::Licensing],
            ),
            ("company", OrgKind::Company, "CN", &[]),
            ("rival", OrgKind::Company, "CN", &[]),
            ("market", OrgKind::Marketplace, "NL", &[]),
        ];
        let mut tenants = BTreeMap::new();
        for (key, kind, country, competences) in specs {
            let org = store
                .create_organisation(
                    &NewOrganisation {
                        kind,
                        name: format!("{key} ({country})"),
                        country: Some(country.into()),
                        competences: competences.to_vec(),
                    },
                    &cli,
                )
                .await
                .expect("organisation");
            let mut tokens = BTreeMap::new();
            let mut users = BTreeMap::new();
            for role in ROLES {
                let user = store
                    .create_user(
                        &NewUser {
                            org_id: org.id.clone(),
                            email: format!("{}@{key}.example", role.as_str()),
                            password: "a long enough password".into(),
                            role,
                        },
                        &cli,
                    )
                    .await
                    .expect("user");
                let all: Vec<Scope> = Scope::all()
                    .iter()
                    .filter_map(|s| Scope::parse(s))
                    .collect();
                let (_, secret) = store
                    .create_token(&user.id, "test", &all, None, &cli)
                    .await
                    .expect("token");
                tokens.insert(role.as_str(), secret);
                users.insert(role.as_str(), user.id);
            }
            tenants.insert(
                key,
                Tenant {
                    org_id: org.id,
                    tokens,
                    users,
                },
            );
        }
        let registry = Arc::new(Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let router = app(AppState::new(registry, store.clone()).expect("state"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        World {
            base,
            store,
            client: reqwest::Client::new(),
            tenants,
            _dir: dir,
            _pg: pg,
        }
    }

    pub fn token(&self, tenant: &str, role: Role) -> String {
        self.tenants[tenant].token(role).to_string()
    }

    /// Call the API as `token` (none: anonymous) with an optional JSON body and extra headers.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut r = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let resp = r.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call("GET", path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.call("POST", path, Some(token), Some(body), &[]).await
    }

    /// Data for the dashboard: notifications in several states, replies, incidents on several substances.
    pub async fn seed_dashboard(&self) {
        let w = self;
        let cn = w.token("cn", Role::Officer);
        let mx = w.token("mx", Role::Officer);
        let us = w.token("us", Role::Officer);
        let send = |to: &'static str, sub: &'static str| {
            json!({"substance": sub, "quantity": "25 kg", "exporter_name": "Acme", "consignee_name": "Buyer",
               "consignee_address": "Street 1", "importing_country": to, "expected_date": "2027-01-15"})
        };
        let plan: [Planned; 7] = [
            ("MX", "NPP", Some(("object", "unknown consignee"))),
            ("MX", "4-piperidone", Some(("no_objection", ""))),
            ("US", "ANPP", Some(("request_info", "end use?"))),
            ("US", "NPP", Some(("no_objection", ""))),
            ("MX", "norfentanyl", None),
            ("US", "1-boc-4-piperidone", None),
            (
                "MX",
                "propionic anhydride",
                Some(("object", "licence missing")),
            ),
        ];
        for (to, sub, reply) in plan {
            let r = w.post("/api/v1/notifications", &cn, &send(to, sub)).await;
            assert_eq!(r.status, 201, "{sub}: {}", r.body);
            if let Some((action, text)) = reply {
                let id = r.body["id"].as_str().expect("id");
                let token = if to == "MX" { &mx } else { &us };
                let r = w
                    .post(
                        &format!("/api/v1/notifications/{id}/{action}"),
                        token,
                        &json!({"text": text}),
                    )
                    .await;
                assert_eq!(r.status, 200, "{}", r.body);
            }
        }
        for (subs, kind) in [
            (vec!["NPP"], "seizure"),
            (vec!["NPP", "ANPP"], "stopped_shipment"),
            (vec!["4-piperidone"], "seizure"),
            (vec!["NPP"], "suspicious_order"),
        ] {
            let r = w
                .post(
                    "/api/v1/incidents",
                    &cn,
                    &json!({"kind": kind, "substances": subs, "occurred_on": "2026-06-01",
            "description": "Drums declared as industrial solvent", "route": ["CN", "MX"]}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
        }
    }
}
