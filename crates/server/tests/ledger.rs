//! The transparency log over HTTP, on SQLite and PostgreSQL: a licence and pre-export notification flow
//! through the API produces leaves; the importing authority fetches its notification's logged rows, the
//! checkpoint, inclusion and consistency proofs and the tiles, and verifies them with `pw-ledger` alone.
//! Bad paths and parameters are refused with the field named.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use pw_ledger::record::parse_hashes;
use pw_ledger::{
    ConsistencyProofDoc, InclusionProofDoc, LeafDoc, LogSigner, LogVerifier, parse_hash,
    verify_consistency, verify_inclusion,
};
use pw_registry::Registry;
use pw_server::{AppState, app};
use pw_store::Role::Officer;
use serde_json::{Value, json};
use support::World;

/// A second server over the world's store, with the log enabled.
async fn ledger_server(w: &World) -> (String, LogSigner) {
    let signer = LogSigner::generate("pwatch.test/server").expect("key").0;
    let registry = Arc::new(Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0)));
    let mut state = AppState::new(registry, w.store.clone()).expect("state");
    state.ledger = pw_server::ledger::Ledger::new(signer.clone());
    pw_server::ledger::start(&state)
        .await
        .expect("start the log");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = app(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, signer)
}

struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    async fn get(&self, path: &str, token: Option<&str>) -> (u16, String) {
        let mut r = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await.expect("GET");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }

    async fn json(&self, path: &str, token: Option<&str>) -> Value {
        let (status, body) = self.get(path, token).await;
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    async fn bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let status = resp.status().as_u16();
        (status, resp.bytes().await.expect("body").to_vec())
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.expect("JSON");
        assert!((200..300).contains(&status), "{path}: {status} {v}");
        v
    }

    /// The checkpoint once the log has caught up with every write (the drainer runs after each write).
    async fn settled_checkpoint(
        &self,
        v: &LogVerifier,
        w: &World,
    ) -> (String, pw_ledger::Checkpoint) {
        let start = Instant::now();
        loop {
            let (status, note) = self.get("/api/v1/log/checkpoint", None).await;
            if status == 200 && w.store.ledger_pending().await.expect("pending") == 0 {
                let c = v
                    .verify(note.as_bytes())
                    .expect("a checkpoint signed by the log");
                if c.size == w.store.ledger_size().await.expect("size") {
                    return (note, c);
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the log did not catch up"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn flow(w: &World) {
    let (base, signer) = ledger_server(w).await;
    let c = Client {
        base,
        http: reqwest::Client::new(),
    };
    let (company, cn, mx) = (
        w.token("company", Officer),
        w.token("cn", Officer),
        w.token("mx", Officer),
    );

    // The verifier key, obtained "out of band" (here: from the log, compared with the signer's).
    let (status, vkey) = c.get("/api/v1/log/key", None).await;
    assert_eq!(status, 200);
    assert_eq!(vkey.trim(), signer.verifier_key());
    let v = LogVerifier::new(&vkey).expect("vkey");
    // Start-up drained the world's bootstrap (organisations, users, tokens).
    let (old_note, old) = c.settled_checkpoint(&v, w).await;
    assert!(old.size >= 6 * 9, "{}", old.size);

    // A licence, approved; a notification to Mexico; Mexico objects.
    let lic = c
        .post(
            "/api/v1/licences",
            &company,
            &json!({
                "substance": "NPP", "quantity": "25 kg", "consignee_name": "Farmacéutica Ejemplo S.A. de C.V.",
                "consignee_address": "Av. Ejemplo 1, Ciudad de México", "importing_country": "MX",
                "end_use": "Reference standard", "expected_date": "2027-01-15"
            }),
        )
        .await;
    let lic = lic["id"].as_str().expect("id").to_string();
    c.post(
        &format!("/api/v1/licences/{lic}/approve"),
        &cn,
        &json!({"licence_number": "CN-EXP-2026-0042", "valid_until": "2027-06-30"}),
    )
    .await;
    let pen = c
        .post("/api/v1/notifications", &cn, &json!({"licence_id": lic}))
        .await;
    let pen = pen["id"].as_str().expect("id").to_string();
    c.post(
        &format!("/api/v1/notifications/{pen}/object"),
        &mx,
        &json!({"text": "The consignee is not a registered importer"}),
    )
    .await;
    let (new_note, new) = c.settled_checkpoint(&v, w).await;
    assert!(new.size >= old.size + 4);

    // Every view of a logged record carries `log`: its latest audit row and, once drained, its leaf, whose
    // inclusion in the checkpoint verifies.
    let inc = c
        .post(
            "/api/v1/incidents",
            &mx,
            &json!({"kind": "seizure", "substances": ["NPP"], "occurred_on": "2026-03-01",
                    "description": "Drums of NPP declared as solvent"}),
        )
        .await;
    assert!(inc["log"]["audit_seq"].is_i64(), "{inc}");
    let inc = inc["id"].as_str().expect("id").to_string();
    let (_, latest) = c.settled_checkpoint(&v, w).await;
    let views = [
        c.json(&format!("/api/v1/notifications/{pen}"), Some(&mx))
            .await,
        c.json(&format!("/api/v1/licences/{lic}"), Some(&cn)).await["notifications"][0].clone(),
        c.json(&format!("/api/v1/licences/{lic}"), Some(&company))
            .await,
        c.json(&format!("/api/v1/incidents/{inc}"), Some(&mx)).await,
        c.json("/api/v1/incidents", Some(&mx)).await["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["id"] == json!(inc))
            .expect("listed")
            .clone(),
    ];
    for view in &views {
        let seq = view["log"]["audit_seq"].as_i64().expect("audit_seq");
        let index = view["log"]["leaf_index"]
            .as_u64()
            .expect("drained: a leaf index");
        let by_seq = c
            .json(&format!("/api/v1/log/proof/inclusion?seq={seq}"), None)
            .await;
        assert_eq!(by_seq["index"], json!(index), "{view}");
        let leaf: LeafDoc =
            serde_json::from_value(c.json(&format!("/api/v1/log/leaf/{index}"), None).await)
                .expect("leaf");
        let leaf_hash = pw_ledger::Leaf::parse(&leaf.data)
            .expect("leaf")
            .leaf_hash();
        let p: InclusionProofDoc = serde_json::from_value(
            c.json(
                &format!(
                    "/api/v1/log/proof/inclusion?index={index}&size={}",
                    latest.size
                ),
                None,
            )
            .await,
        )
        .expect("proof");
        let proof = parse_hashes("proof", &p.proof).expect("hashes");
        verify_inclusion(&proof, latest.size, latest.root, index, leaf_hash).expect("included");
    }
    assert_eq!(views[0]["log"], views[1]["log"]);
    assert_eq!(views[3]["log"], views[4]["log"]);

    // The importing authority: its notification's logged rows, each verified against the checkpoint.
    let log = c
        .json(&format!("/api/v1/notifications/{pen}/log"), Some(&mx))
        .await;
    let logged: Vec<LeafDoc> = serde_json::from_value(log["logged"].clone()).expect("leaves");
    assert_eq!(log["pending"], json!([]));
    let kinds: Vec<String> = logged
        .iter()
        .map(|d| pw_ledger::Leaf::parse(&d.data).expect("leaf").kind)
        .collect();
    assert_eq!(
        kinds,
        ["notification.create", "notification.object"],
        "{log}"
    );
    for doc in &logged {
        let leaf_hash = doc.checked_leaf_hash().expect("the record gives the leaf");
        let p: InclusionProofDoc = serde_json::from_value(
            c.json(
                &format!(
                    "/api/v1/log/proof/inclusion?index={}&size={}",
                    doc.index, new.size
                ),
                None,
            )
            .await,
        )
        .expect("proof");
        let proof = parse_hashes("proof", &p.proof).expect("hashes");
        verify_inclusion(&proof, new.size, new.root, doc.index, leaf_hash).expect("included");
        // The public leaf is the same, without the record.
        let public: LeafDoc = serde_json::from_value(
            c.json(&format!("/api/v1/log/leaf/{}", doc.index), None)
                .await,
        )
        .expect("leaf");
        assert_eq!(public.data, doc.data);
        assert!(public.record.is_none());
        // By audit seq too.
        let seq = doc.record.as_ref().expect("record").seq;
        let by_seq = c
            .json(&format!("/api/v1/log/proof/inclusion?seq={seq}"), None)
            .await;
        assert_eq!(by_seq["index"], json!(doc.index));
    }
    // The public leaf names no organisation, person or record.
    let (_, leaf0) = c
        .get(&format!("/api/v1/log/leaf/{}", logged[0].index), None)
        .await;
    for secret in [&pen, &lic, &w.tenants["mx"].org_id, &w.tenants["cn"].org_id] {
        assert!(!leaf0.contains(secret.as_str()), "{leaf0}");
    }
    // Others may not read the notification's rows.
    let (status, _) = c
        .get(
            &format!("/api/v1/notifications/{pen}/log"),
            Some(&w.token("us", Officer)),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = c
        .get(&format!("/api/v1/notifications/{pen}/log"), None)
        .await;
    assert_eq!(status, 401);

    // The log only grew: the consistency proof from the earlier checkpoint verifies.
    let p: ConsistencyProofDoc = serde_json::from_value(
        c.json(
            &format!(
                "/api/v1/log/proof/consistency?old={}&new={}",
                old.size, new.size
            ),
            None,
        )
        .await,
    )
    .expect("proof");
    let o = v.verify(old_note.as_bytes()).expect("old");
    let n = v.verify(new_note.as_bytes()).expect("new");
    verify_consistency(
        &parse_hashes("proof", &p.proof).expect("hashes"),
        o.size,
        o.root,
        n.size,
        n.root,
    )
    .expect("consistent");

    // Tiles of the latest tree (no write in between): leaf hashes and entry bundles.
    let size = latest.size;
    let width = size.min(256);
    let part = if width == 256 {
        String::new()
    } else {
        format!(".p/{width}")
    };
    let (status, tile) = c.bytes(&format!("/api/v1/log/tile/0/000{part}")).await;
    assert_eq!(status, 200);
    assert_eq!(tile.len() as u64, width * 32);
    let first: LeafDoc =
        serde_json::from_value(c.json("/api/v1/log/leaf/0", None).await).expect("leaf");
    assert_eq!(
        &tile[..32],
        &parse_hash("leaf_hash", first.leaf_hash.as_deref().expect("hash"))
            .expect("hash")
            .0
    );
    let (status, bundle) = c
        .bytes(&format!("/api/v1/log/tile/entries/000{part}"))
        .await;
    assert_eq!(status, 200);
    let entries = pw_ledger::tiles::parse_entry_bundle(&bundle).expect("bundle");
    assert_eq!(entries.len() as u64, width);
    assert_eq!(entries[0], first.data.as_bytes());

    // Refusals name what is wrong.
    for (path, want) in [
        ("/api/v1/log/tile/0/1", 400),
        ("/api/v1/log/tile/0/000.p/0", 400),
        ("/api/v1/log/tile/9/000", 400),
        ("/api/v1/log/tile/2/000.p/1", 404),
        ("/api/v1/log/leaf/abc", 400),
        ("/api/v1/log/leaf/99999999", 404),
        ("/api/v1/log/proof/inclusion", 400),
        ("/api/v1/log/proof/inclusion?index=0&seq=1", 400),
        ("/api/v1/log/proof/inclusion?index=x", 400),
        ("/api/v1/log/proof/inclusion?index=0&size=99999999", 422),
        ("/api/v1/log/proof/consistency?old=5&new=2", 422),
        ("/api/v1/log/proof/consistency?old=1&new=99999999", 422),
        ("/api/v1/log/proof/consistency", 400),
        ("/api/v1/log/proof/consistency?old=1&bogus=2", 400),
    ] {
        let (status, body) = c.get(path, None).await;
        assert_eq!(status, want, "{path}: {body}");
        let v: Value = serde_json::from_str(&body).expect("error JSON");
        assert!(v["error"]["code"].is_string(), "{path}: {body}");
    }

    // Trade checks and classifications: logged for an authenticated caller (one leaf per decision, no
    // personal data), not for anonymous ones.
    let check = json!({"substance": "NPP", "from": "CN", "to": "MX", "quantity": "25 kg"});
    let classify = json!({"items": ["CCO", "not a structure ((", "CC(=O)OC1=CC=CC=C1C(=O)O"]});
    let anonymous = |path: &'static str, body: Value| {
        let (http, base) = (c.http.clone(), c.base.clone());
        async move {
            let r = http
                .post(format!("{base}{path}"))
                .json(&body)
                .send()
                .await
                .expect("POST");
            assert_eq!(r.status().as_u16(), 200, "{path}");
        }
    };
    anonymous("/api/v1/check", check.clone()).await;
    anonymous("/api/v1/classify", classify.clone()).await;
    let (_, before) = c.settled_checkpoint(&v, w).await;
    assert_eq!(before.size, latest.size, "anonymous calls are not logged");
    let report = c.post("/api/v1/check", &company, &check).await;
    c.post("/api/v1/classify", &company, &classify).await;
    let (_, after) = c.settled_checkpoint(&v, w).await;
    assert_eq!(
        after.size,
        before.size + 3,
        "one check, two classifications"
    );
    let mut kinds = Vec::new();
    for index in before.size..after.size {
        let leaf: LeafDoc =
            serde_json::from_value(c.json(&format!("/api/v1/log/leaf/{index}"), None).await)
                .expect("leaf");
        kinds.push(pw_ledger::Leaf::parse(&leaf.data).expect("leaf").kind);
        let stored = w
            .store
            .ledger_leaf(index)
            .await
            .expect("leaf")
            .expect("stored");
        let seq = stored.audit_seq;
        let by_seq = c
            .json(&format!("/api/v1/log/proof/inclusion?seq={seq}"), None)
            .await;
        assert_eq!(by_seq["index"], json!(index));
    }
    assert_eq!(
        kinds,
        [
            "check.decide",
            "classification.decide",
            "classification.decide"
        ]
    );
    assert!(report["decision"].is_string(), "{report}");
}

#[tokio::test]
async fn the_importing_side_verifies_a_notification_on_sqlite() {
    flow(&World::sqlite().await).await;
}

#[tokio::test]
async fn the_importing_side_verifies_a_notification_on_postgres() {
    if let Some(w) = World::postgres().await {
        flow(&w).await;
    }
}

/// Without a key the log says so, and nothing is lost: rows stay queued.
#[tokio::test]
async fn without_a_key_the_log_is_empty_and_rows_stay_queued() {
    let w = World::sqlite().await;
    let c = Client {
        base: w.base.clone(),
        http: reqwest::Client::new(),
    };
    for path in ["/api/v1/log/key", "/api/v1/log/checkpoint"] {
        let (status, body) = c.get(path, None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    assert!(w.store.ledger_pending().await.expect("pending") > 0);
    assert_eq!(w.store.ledger_size().await.expect("size"), 0);
    // A record's `log` names its audit row; its leaf index stays null.
    let lic = c
        .post(
            "/api/v1/licences",
            &w.token("company", Officer),
            &json!({
                "substance": "NPP", "quantity": "25 kg", "consignee_name": "Importer S.A.",
                "consignee_address": "Av. Ejemplo 1, Ciudad de México", "importing_country": "MX",
                "end_use": "Reference standard", "expected_date": "2027-01-15"
            }),
        )
        .await;
    assert!(lic["log"]["audit_seq"].is_i64(), "{lic}");
    assert_eq!(lic["log"]["leaf_index"], Value::Null, "{lic}");
}
