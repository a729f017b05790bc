//! The HTTP API over a real socket, a real SQLite file and the embedded registry.

use std::net::SocketAddr;
use std::sync::Arc;

use pw_registry::Registry;
use pw_server::{AppState, app};
use pw_store::Store;
use serde_json::{Value, json};

struct Server {
    base: String,
    _dir: tempfile::TempDir,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("store");
    let registry = Arc::new(Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let router = app(AppState::new(registry, store).expect("state"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Server {
        base: format!("http://{addr}"),
        _dir: dir,
    }
}

async fn get(s: &Server, path: &str) -> (u16, String) {
    let r = reqwest::get(format!("{}{path}", s.base))
        .await
        .expect("GET");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn post(s: &Server, path: &str, body: Vec<u8>) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", s.base))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("POST");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test]
async fn health_and_lookup() {
    let s = start().await;
    let (code, body) = get(&s, "/healthz").await;
    assert_eq!(code, 200);
    assert_eq!(parse(&body)["status"], "ok");

    let (code, body) = get(&s, "/api/v1/lookup?q=39742-60-4").await;
    assert_eq!(code, 200);
    let v = parse(&body);
    assert_eq!(v["matches"][0]["substance"]["id"], "npp");
    assert!(
        v["registry_version"]
            .as_str()
            .is_some_and(|x| x.starts_with("sha256:"))
    );

    let (code, body) = get(
        &s,
        "/api/v1/lookup?q=4-AP&as_of=2021-01-01&jurisdiction=US,EU",
    )
    .await;
    assert_eq!(code, 200);
    let v = parse(&body);
    let controls = v["matches"][0]["controls"].as_array().expect("controls");
    assert!(
        controls.iter().all(|c| c["jurisdiction"] == "US"),
        "EU listed 4-AP only in 2023: {controls:?}"
    );
    assert_eq!(v["matches"][0]["ambiguous"], true);

    let (code, body) = get(&s, "/api/v1/lookup?q=zzzzyyyxxx").await;
    assert_eq!(code, 200);
    assert_eq!(parse(&body)["matches"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn errors_have_the_documented_shape() {
    let s = start().await;
    let (code, body) = get(&s, "/api/v1/lookup?q=39742-60-5").await;
    assert_eq!(code, 400);
    let v = parse(&body);
    assert_eq!(v["error"]["code"], "bad_cas");
    assert_eq!(v["error"]["field"], "q");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("39742-60-4"))
    );

    let (code, body) = get(&s, "/api/v1/lookup").await;
    assert_eq!(code, 400);
    assert_eq!(parse(&body)["error"]["field"], "q");

    let (code, body) = get(&s, "/api/v1/lookup?q=NPP&as_of=soon").await;
    assert_eq!(code, 400);
    assert_eq!(parse(&body)["error"]["field"], "as_of");

    let (code, v) = post(
        &s,
        "/api/v1/check",
        br#"{"substance":"NPP","from":"CN"}"#.to_vec(),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(v["error"]["field"], "to");

    let (code, v) = post(
        &s,
        "/api/v1/check",
        br#"{"substance":"NPP","from":"CN","to":"MX","quantity":7}"#.to_vec(),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(v["error"]["field"], "quantity");

    let (code, v) = post(
        &s,
        "/api/v1/check",
        br#"{"substance":"NPP","from":"CN","to":"MX","quantity":"-1 kg"}"#.to_vec(),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(v["error"]["field"], "quantity");

    let (code, v) = post(&s, "/api/v1/check", b"\xff\xfe not json".to_vec()).await;
    assert_eq!(code, 400, "{v}");

    let (code, v) = post(
        &s,
        "/api/v1/check",
        br#"{"substance":"unobtainium","from":"CN","to":"MX"}"#.to_vec(),
    )
    .await;
    assert_eq!(code, 404);
    assert_eq!(v["error"]["code"], "not_found");

    let big = format!(
        r#"{{"substance":"{}","from":"CN","to":"MX"}}"#,
        "x".repeat(200_000)
    );
    let (code, _) = post(&s, "/api/v1/check", big.into_bytes()).await;
    assert_eq!(code, 413);
}

#[tokio::test]
async fn check_npp_china_to_mexico() {
    let s = start().await;
    let body = json!({"substance": "NPP", "from": "CN", "to": "MX", "quantity": "25kg", "date": "2026-01-15"});
    let (code, v) = post(
        &s,
        "/api/v1/check",
        serde_json::to_vec(&body).expect("json"),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["decision"], "conditional");
    let obligations = v["obligations"].as_array().expect("obligations");
    assert!(
        obligations
            .iter()
            .any(|o| o["jurisdiction"] == "CN" && o["measure"] == "licence-export")
    );
}

#[tokio::test]
async fn openapi_is_generated_and_complete() {
    let s = start().await;
    let (code, body) = get(&s, "/api/v1/openapi.json").await;
    assert_eq!(code, 200);
    let v = parse(&body);
    assert!(v["openapi"].as_str().is_some_and(|x| x.starts_with("3.")));
    for path in [
        "/api/v1/lookup",
        "/api/v1/check",
        "/api/v1/classify",
        "/api/v1/screen",
        "/healthz",
    ] {
        assert!(
            v["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    for schema in [
        "LookupReport",
        "TradeReport",
        "ErrorBody",
        "CheckRequest",
        "Obligation",
        "ControlView",
        "ScreenRequest",
        "Screening",
        "SubstanceHit",
        "FlagHit",
    ] {
        assert!(
            v["components"]["schemas"].get(schema).is_some(),
            "schema {schema} missing"
        );
    }
}

#[tokio::test]
async fn html_pages_work_without_javascript_and_escape_input() {
    let s = start().await;
    let (code, body) = get(&s, "/").await;
    assert_eq!(code, 200);
    assert!(body.contains("<form action=\"/lookup\"") && body.contains("<form action=\"/check\""));
    let (code, body) = get(&s, "/lookup?q=NPP").await;
    assert_eq!(code, 200);
    assert!(body.contains("N-Phenethyl-4-piperidone") && body.contains("nandrolone"));
    let (code, body) = get(&s, "/lookup?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(code, 200);
    assert!(!body.contains("<script>alert(1)</script>") && body.contains("&lt;script&gt;"));
    let (code, body) = get(
        &s,
        "/check?substance=NPP&from=CN&to=MX&quantity=25kg&date=2026-01-15",
    )
    .await;
    assert_eq!(code, 200);
    assert!(body.contains("Conditional") && body.contains("licence-export"));
    let (code, body) = get(&s, "/check?substance=NPP&from=CN&to=XX").await;
    assert_eq!(code, 200);
    assert!(body.contains("role=\"alert\""));
}

#[tokio::test]
async fn classify_one_and_a_batch() {
    let s = start().await;
    let body = json!({"smiles": "CC(C)(C)OC(=O)N1CCC(Nc2ccc(F)cc2)CC1", "as_of": "2026-01-15"});
    let (code, v) = post(
        &s,
        "/api/v1/classify",
        serde_json::to_vec(&body).expect("json"),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert!(v["class_matches"].as_array().is_some_and(|m| {
        m.iter()
            .any(|x| x["rule"].as_str().is_some_and(|r| r.starts_with("us-4-ap")))
    }));
    assert!(v["registry_version"].is_string());

    let body = json!({"items": ["O=C1CCN(CCc2ccccc2)CC1", "not a smiles", "CCO"]});
    let (code, v) = post(
        &s,
        "/api/v1/classify",
        serde_json::to_vec(&body).expect("json"),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    let items = v["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["result"]["listed"][0], "npp");
    assert!(items[1]["error"].is_string());
    assert!(
        items[2]["result"]["class_matches"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    let (code, v) = post(
        &s,
        "/api/v1/classify",
        serde_json::to_vec(&json!({"smiles": "C1CC(("})).expect("json"),
    )
    .await;
    assert_eq!(code, 422, "{v}");
    assert_eq!(v["error"]["field"], "smiles");

    let many: Vec<String> = (0..1001).map(|_| "C".to_string()).collect();
    let (code, v) = post(
        &s,
        "/api/v1/classify",
        serde_json::to_vec(&json!({"items": many})).expect("json"),
    )
    .await;
    assert_eq!(code, 413, "{v}");

    let huge = json!({"smiles": "C".repeat(2 * 1024 * 1024)});
    let (code, _) = post(
        &s,
        "/api/v1/classify",
        serde_json::to_vec(&huge).expect("json"),
    )
    .await;
    assert_eq!(code, 413);
}

#[tokio::test]
async fn screen_one_and_a_batch_with_limits() {
    let s = start().await;
    let text = "Hot sale ANPP, CAS 21409-26-7, safe delivery to USA, payment USDT";
    let (code, v) = post(
        &s,
        "/api/v1/screen",
        serde_json::to_vec(&json!({"text": text, "id": "L1"})).expect("json"),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["id"], "L1");
    assert_eq!(v["label"], "offer", "{v}");
    let hit = &v["substances"][0];
    assert_eq!(hit["id"], "anpp");
    let (a, b) = (
        hit["start"].as_u64().expect("start") as usize,
        hit["end"].as_u64().expect("end") as usize,
    );
    assert_eq!(&text[a..b], hit["text"].as_str().expect("text"));
    assert!(
        v["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("ANPP"))
    );
    assert!(
        v["registry_version"]
            .as_str()
            .is_some_and(|r| r.starts_with("sha256:"))
    );

    let (code, v) = post(
        &s,
        "/api/v1/screen",
        serde_json::to_vec(&json!({"items": [{"text": "sodium chloride"}, {"id": "x", "text": "NPP and fentanyl precursors seized by customs"}]}))
            .expect("json"),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["items"][0]["id"], "0");
    assert_eq!(v["items"][0]["label"], "benign");
    assert_eq!(v["items"][1]["id"], "x");

    let (code, v) = post(&s, "/api/v1/screen", br#"{"text": "   "}"#.to_vec()).await;
    assert_eq!(code, 422, "{v}");
    assert_eq!(v["error"]["field"], "text");
    let (code, v) = post(&s, "/api/v1/screen", br#"{"txt": "x"}"#.to_vec()).await;
    assert_eq!(code, 400, "{v}");
    let many: Vec<Value> = (0..1001).map(|_| json!({"text": "x"})).collect();
    let (code, v) = post(
        &s,
        "/api/v1/screen",
        serde_json::to_vec(&json!({"items": many})).expect("json"),
    )
    .await;
    assert_eq!(code, 413, "{v}");
    assert_eq!(v["error"]["field"], "items");
    let huge = json!({"text": "a".repeat(9 * 1024 * 1024)});
    let (code, _) = post(
        &s,
        "/api/v1/screen",
        serde_json::to_vec(&huge).expect("json"),
    )
    .await;
    assert_eq!(code, 413);
}

#[tokio::test]
async fn api_tokens_authenticate_and_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("store");
    let cli = pw_store::Actor {
        id: "cli:test".into(),
        org_id: None,
    };
    let org = store
        .create_organisation(
            &pw_store::NewOrganisation {
                kind: pw_store::OrgKind::Authority,
                name: "COFEPRIS".into(),
                country: Some("MX".into()),
                competences: vec![pw_store::Competence::Pen],
            },
            &cli,
        )
        .await
        .expect("org");
    let user = store
        .create_user(
            &pw_store::NewUser {
                org_id: org.id.clone(),
                email: "officer@cofepris.example".into(),
                password: "correct horse battery".into(),
                role: pw_store::Role::Officer,
            },
            &cli,
        )
        .await
        .expect("user");
    let (token, secret) = store
        .create_token(&user.id, "ci", &[pw_store::Scope::Read], None, &cli)
        .await
        .expect("token");
    let registry = Arc::new(Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = app(AppState::new(registry, store.clone()).expect("state"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let client = reqwest::Client::new();
    let get_me = |auth: Option<String>| {
        let mut r = client.get(format!("{base}/api/v1/me"));
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        r.send()
    };
    let r = get_me(Some(format!("Bearer {secret}"))).await.expect("GET");
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["user_id"], user.id.as_str());
    assert_eq!(v["org_kind"], "authority");
    assert_eq!(v["scopes"], json!(["read"]));
    for auth in [
        None,
        Some("Basic abc".to_string()),
        Some("Bearer pwt_nope".to_string()),
    ] {
        let r = get_me(auth.clone()).await.expect("GET");
        assert_eq!(r.status().as_u16(), 401, "{auth:?}");
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["error"]["code"], "unauthorised");
    }
    store.revoke_token(&token.id, &cli).await.expect("revoke");
    let r = get_me(Some(format!("Bearer {secret}"))).await.expect("GET");
    assert_eq!(r.status().as_u16(), 401, "a revoked token is refused");
}
