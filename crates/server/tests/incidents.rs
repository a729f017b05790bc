//! Incidents, entities and watch lists over a real socket and a real SQLite file: reporting, sharing,
//! comments, search, turning a screened offer into an incident, the watch list and name matching, with the
//! tenant rules (other tenants get 404s, read-only users 403s) and bad bodies naming their field.

use std::collections::BTreeMap;
use std::sync::Arc;

use pw_registry::Registry;
use pw_server::{AppState, app};
use pw_store::{Actor, Competence, NewOrganisation, NewUser, OrgKind, Role, Scope, Store};
use serde_json::{Value, json};

struct World {
    base: String,
    client: reqwest::Client,
    /// `"<tenant>.<role>"` → API token; `"mx.officer-read"` has only the `read` scope.
    tokens: BTreeMap<String, String>,
    orgs: BTreeMap<&'static str, String>,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: u16,
    body: Value,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("store");
    let cli = Actor {
        id: "cli:test".into(),
        org_id: None,
    };
    let mut tokens = BTreeMap::new();
    let mut orgs = BTreeMap::new();
    for (key, kind, name, country, competences) in [
        (
            "mx",
            OrgKind::Authority,
            "FGR Mexico",
            Some("MX"),
            vec![Competence::Police, Competence::Customs],
        ),
        (
            "us",
            OrgKind::Authority,
            "US CBP",
            Some("US"),
            vec![Competence::Customs],
        ),
        (
            "co",
            OrgKind::Company,
            "Shenzhen Export Co",
            Some("CN"),
            vec![],
        ),
        ("obs", OrgKind::Observer, "INCB-like observer", None, vec![]),
        (
            "other",
            OrgKind::Company,
            "Unrelated GmbH",
            Some("DE"),
            vec![],
        ),
    ] {
        let org = store
            .create_organisation(
                &NewOrganisation {
                    kind,
                    name: name.into(),
                    country: country.map(str::to_string),
                    competences,
                },
                &cli,
            )
            .await
            .expect("org");
        for role in [Role::Officer, Role::Reviewer, Role::ReadOnly] {
            let user = store
                .create_user(
                    &NewUser {
                        org_id: org.id.clone(),
                        email: format!("{}.{key}@example.org", role.as_str()),
                        password: "correct horse battery".into(),
                        role,
                    },
                    &cli,
                )
                .await
                .expect("user");
            let (_, secret) = store
                .create_token(&user.id, "t", &[Scope::Read, Scope::Incidents], None, &cli)
                .await
                .expect("token");
            tokens.insert(format!("{key}.{}", role.as_str()), secret);
            if role == Role::Officer {
                let (_, secret) = store
                    .create_token(&user.id, "r", &[Scope::Read], None, &cli)
                    .await
                    .expect("token");
                tokens.insert(format!("{key}.officer-read"), secret);
            }
        }
        orgs.insert(key, org.id);
    }
    let registry = Arc::new(Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = app(AppState::new(registry, store).expect("state"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    World {
        base,
        client: reqwest::Client::new(),
        tokens,
        orgs,
        _dir: dir,
    }
}

impl World {
    async fn call(&self, who: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
        let url = format!("{}/api/v1{path}", self.base);
        let mut req = match method {
            "GET" => self.client.get(url),
            _ => self.client.post(url),
        }
        .header("authorization", format!("Bearer {}", self.tokens[who]));
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&b).expect("json"));
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }
    async fn get(&self, who: &str, path: &str) -> Reply {
        self.call(who, "GET", path, None).await
    }
    async fn post(&self, who: &str, path: &str, body: Value) -> Reply {
        self.call(who, "POST", path, Some(body)).await
    }
    fn org(&self, key: &str) -> &str {
        &self.orgs[key]
    }
}

fn seizure(entity_ids: &[&str], shared_with: &[&str]) -> Value {
    json!({
        "kind": "seizure",
        "substances": ["NPP", "21409-26-7"],
        "quantity": "250 kg",
        "modus_operandi": "Declared as a cosmetics raw material; consolidated cargo via a freight forwarder",
        "route": ["CN", "us", "MX"],
        "occurred_on": "2025-11-03",
        "description": "Seizure at the port of Manzanillo after a customs risk alert",
        "entity_ids": entity_ids,
        "shared_with": shared_with,
    })
}

#[tokio::test]
async fn incidents_are_reported_shared_commented_and_searched() {
    let w = world().await;
    let supplier = w
        .post(
            "mx.officer",
            "/entities",
            json!({"kind": "company", "name": "Hubei Amarvel Biotech Co., Ltd.", "country": "CN",
                   "identifiers": [{"type": "web_shop", "value": "https://amarvel.example"}]}),
        )
        .await;
    assert_eq!(supplier.status, 201, "{}", supplier.body);
    let supplier_id = supplier.body["id"].as_str().expect("id").to_string();

    let r = w
        .post(
            "mx.officer",
            "/incidents",
            seizure(&[&supplier_id], &[w.org("us")]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        r.body["substances"],
        json!([{"id": "npp", "name": r.body["substances"][0]["name"]},
               {"id": "anpp", "name": r.body["substances"][1]["name"]}])
    );
    assert_eq!(r.body["quantity_kg"], 250.0);
    assert_eq!(r.body["route"], json!(["CN", "US", "MX"]));
    assert_eq!(r.body["shared_with"], json!([w.org("us")]));
    assert_eq!(r.body["entities"][0]["id"], supplier_id.as_str());
    assert_eq!(
        r.body["actions"],
        json!(["comment", "share", "link_entities"])
    );

    // Who sees it: the reporter and the organisation it is shared with; everyone else gets 404.
    let r = w.get("us.read_only", &format!("/incidents/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["entities"][0]["identifiers"][0]["value"],
        "https://amarvel.example"
    );
    assert_eq!(r.body["actions"], json!([]));
    for who in ["co.officer", "obs.reviewer", "other.officer"] {
        let r = w.get(who, &format!("/incidents/{id}")).await;
        assert_eq!(r.status, 404, "{who}: {}", r.body);
        assert_eq!(r.body["error"]["code"], "not_found");
        let r = w.get(who, &format!("/entities/{supplier_id}")).await;
        assert_eq!(r.status, 404, "{who}: {}", r.body);
        let r = w
            .post(
                who,
                &format!("/incidents/{id}/comments"),
                json!({"body": "x"}),
            )
            .await;
        assert_eq!(r.status, 404, "{who}: {}", r.body);
        let r = w
            .post(
                who,
                &format!("/incidents/{id}/share"),
                json!({"share_with_all": true}),
            )
            .await;
        assert_eq!(r.status, 404, "{who}: {}", r.body);
    }
    let r = w
        .get("us.officer", &format!("/entities/{supplier_id}"))
        .await;
    assert_eq!(
        r.status, 200,
        "seen through the shared incident: {}",
        r.body
    );
    assert_eq!(r.body["recorded_by_you"], false);
    assert_eq!(r.body["incident_ids"], json!([id]));

    // Writes: read-only users and reviewers may not report; a token without the scope may not either.
    for who in ["mx.read_only", "mx.reviewer"] {
        let r = w.post(who, "/incidents", seizure(&[], &[])).await;
        assert_eq!(r.status, 403, "{who}: {}", r.body);
    }
    let r = w
        .post("mx.officer-read", "/incidents", seizure(&[], &[]))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("incidents"))
    );

    // Bad bodies name their field.
    let bad = |patch: Value| {
        let mut b = seizure(&[], &[]);
        for (k, v) in patch.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    for (body, status, field) in [
        (bad(json!({"kind": "robbery"})), 422, "kind"),
        (
            bad(json!({"substances": ["NPP", "unobtainium"]})),
            422,
            "substances[1]",
        ),
        (bad(json!({"substances": []})), 422, "substances"),
        (bad(json!({"route": ["CN", "XX"]})), 400, "route[1]"),
        (
            bad(json!({"occurred_on": "3 Nov 2025"})),
            400,
            "occurred_on",
        ),
        (
            bad(json!({"occurred_on": "2099-01-01"})),
            422,
            "occurred_on",
        ),
        (
            bad(json!({"shared_with": ["org_nope"]})),
            422,
            "shared_with[0]",
        ),
        (
            bad(json!({"entity_ids": ["ent_nope"]})),
            422,
            "entity_ids[0]",
        ),
        (
            bad(json!({"modus_operandi": "x".repeat(4001)})),
            422,
            "modus_operandi",
        ),
        (bad(json!({"description": " "})), 422, "description"),
        (bad(json!({"share_with_all": "yes"})), 400, "share_with_all"),
        (bad(json!({"colour": "red"})), 400, "colour"),
    ] {
        let r = w.post("mx.officer", "/incidents", body.clone()).await;
        assert_eq!(r.status, status, "{field}: {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{}", r.body);
    }
    let r = w
        .post("other.officer", "/incidents", seizure(&[&supplier_id], &[]))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["error"]["field"], "entity_ids[0]");

    // Comments: reviewers may comment, read-only users may not.
    let r = w
        .post(
            "us.reviewer",
            &format!("/incidents/{id}/comments"),
            json!({"body": "The consignee appears in a 2024 stopped shipment at Laredo."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["org_id"], w.org("us"));
    assert!(
        r.body["author"]
            .as_str()
            .is_some_and(|a| a.starts_with("usr_"))
    );
    assert!(r.body["created_at"].is_string());
    let r = w
        .post(
            "us.read_only",
            &format!("/incidents/{id}/comments"),
            json!({"body": "x"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = w
        .post(
            "us.reviewer",
            &format!("/incidents/{id}/comments"),
            json!({"text": "x"}),
        )
        .await;
    assert_eq!((r.status, &r.body["error"]["field"]), (400, &json!("text")));
    let r = w
        .post(
            "us.reviewer",
            &format!("/incidents/{id}/comments"),
            json!({"body": ""}),
        )
        .await;
    assert_eq!((r.status, &r.body["error"]["field"]), (422, &json!("body")));
    let r = w.get("mx.read_only", &format!("/incidents/{id}")).await;
    assert_eq!(r.body["comments"].as_array().map(Vec::len), Some(1));

    // Sharing widens, by the reporter only.
    let r = w
        .post(
            "us.officer",
            &format!("/incidents/{id}/share"),
            json!({"share_with_all": true}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = w
        .post(
            "mx.officer",
            &format!("/incidents/{id}/share"),
            json!({"shared_with": ["org_nope"]}),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["error"]["field"]),
        (422, &json!("shared_with[0]"))
    );
    let r = w
        .post(
            "mx.officer",
            &format!("/incidents/{id}/share"),
            json!({"share_with_all": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["share_with_all"], true);
    assert_eq!(r.body["version"], 2);
    assert_eq!(
        w.get("obs.reviewer", &format!("/incidents/{id}"))
            .await
            .status,
        200
    );
    for who in ["co.officer", "other.officer"] {
        assert_eq!(
            w.get(who, &format!("/incidents/{id}")).await.status,
            404,
            "shared with all is authorities and observers"
        );
    }
    let r = w
        .post(
            "obs.reviewer",
            &format!("/incidents/{id}/comments"),
            json!({"body": "Matches INCB IONICS message 2025/118."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // A second incident, reported by a company, for the filters.
    let r = w
        .post(
            "co.officer",
            "/incidents",
            json!({"kind": "suspicious_order", "substances": ["1-boc-4-piperidone"], "quantity": "5 drums",
                   "route": ["CN", "GT"], "occurred_on": "2025-06-10",
                   "description": "Buyer insisted on payment in USDT and a forwarder in Guatemala",
                   "shared_with": [w.org("mx")]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["quantity_kg"], Value::Null, "not a mass");
    let order = r.body["id"].as_str().expect("id").to_string();

    let ids = |r: &Reply| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.body))
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_string())
            .collect()
    };
    let r = w.get("mx.read_only", "/incidents").await;
    assert_eq!(
        ids(&r),
        [id.clone(), order.clone()],
        "most recent occurrence first"
    );
    assert_eq!(r.body["total"], 2);
    for (query, want) in [
        ("kind=suspicious_order", vec![order.clone()]),
        ("substance=NPP", vec![id.clone()]),
        ("substance=anpp", vec![id.clone()]),
        ("country=gt", vec![order.clone()]),
        ("country=MX", vec![id.clone()]),
        ("q=USDT", vec![order.clone()]),
        ("q=freight%20FORWARDER", vec![id.clone()]),
        ("from=2025-07-01", vec![id.clone()]),
        ("to=2025-07-01", vec![order.clone()]),
        (
            "from=2025-01-01&to=2025-12-31&limit=1&offset=1",
            vec![order.clone()],
        ),
        ("q=100%25", vec![]),
    ] {
        let r = w.get("mx.read_only", &format!("/incidents?{query}")).await;
        assert_eq!(r.status, 200, "{query}: {}", r.body);
        assert_eq!(ids(&r), want, "{query}");
    }
    assert_eq!(ids(&w.get("us.officer", "/incidents").await), [id.as_str()]);
    assert_eq!(
        ids(&w.get("other.officer", "/incidents").await),
        Vec::<String>::new()
    );
    for (query, field) in [
        ("kind=robbery", "kind"),
        ("country=XX", "country"),
        ("from=yesterday", "from"),
        ("substance=unobtainium", "substance"),
        ("limit=0", "limit"),
        ("colour=red", "colour"),
    ] {
        let r = w.get("mx.read_only", &format!("/incidents?{query}")).await;
        assert!(matches!(r.status, 400 | 422), "{query}: {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{query}: {}", r.body);
    }
}

#[tokio::test]
async fn entities_watch_list_and_name_matching() {
    let w = world().await;
    let r = w
        .post(
            "mx.officer",
            "/entities",
            json!({"kind": "person", "name": "Juan Carlos Pérez López", "country": "mx",
                   "identifiers": [{"type": "messenger", "value": "wickr: jcpl_mx"},
                                   {"type": "crypto_wallet", "value": "TQ5Exampletron0000"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["country"], "MX");
    assert_eq!(r.body["recorded_by_you"], true);
    let person = r.body["id"].as_str().expect("id").to_string();
    let r = w
        .post(
            "mx.officer",
            "/entities",
            json!({"kind": "company", "name": "Hubei Amarvel Biotech Co., Ltd."}),
        )
        .await;
    let company = r.body["id"].as_str().expect("id").to_string();

    for (body, status, field) in [
        (json!({"kind": "ship", "name": "x"}), 422, "kind"),
        (json!({"kind": "company", "name": ""}), 422, "name"),
        (
            json!({"kind": "company", "name": "x", "country": "XX"}),
            400,
            "country",
        ),
        (
            json!({"kind": "company", "name": "x", "identifiers": [{"type": "fax", "value": "1"}]}),
            422,
            "identifiers[0].type",
        ),
        (
            json!({"kind": "company", "name": "x", "identifiers": [{"type": "email", "value": "1", "x": 1}]}),
            400,
            "identifiers[0].x",
        ),
        (json!({"name": "x"}), 400, "kind"),
    ] {
        let r = w.post("mx.officer", "/entities", body).await;
        assert_eq!(r.status, status, "{field}: {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{}", r.body);
    }
    let r = w
        .post(
            "mx.read_only",
            "/entities",
            json!({"kind": "company", "name": "x"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // Listing: own entities only, with a name search that ignores legal forms and punctuation.
    let r = w.get("mx.reviewer", "/entities?q=AMARVEL%20BIO-TECH").await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["id"], company.as_str());
    assert_eq!(
        w.get("mx.reviewer", "/entities?kind=person").await.body["total"],
        1
    );
    assert_eq!(w.get("us.officer", "/entities").await.body["total"], 0);
    assert_eq!(
        w.get("us.officer", &format!("/entities/{person}"))
            .await
            .status,
        404
    );

    // Seen through an incident shared with the US authority, which may then watch it.
    let r = w
        .post(
            "us.officer",
            &format!("/entities/{person}/watch"),
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(r.status, 404, "not seen yet: {}", r.body);
    let r = w
        .post(
            "mx.officer",
            "/incidents",
            json!({"kind": "stopped_shipment", "substances": ["4-piperidone"], "quantity": "1 t",
                   "route": ["CN", "US", "MX"], "occurred_on": "2025-09-20",
                   "description": "Shipment held at Lázaro Cárdenas; consignee did not answer",
                   "entity_ids": [company], "shared_with": [w.org("us")]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let incident = r.body["id"].as_str().expect("id").to_string();
    assert_eq!(r.body["quantity_kg"], 1000.0);
    let r = w
        .post(
            "mx.officer",
            &format!("/incidents/{incident}/entities"),
            json!({"entity_ids": [person]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["entities"].as_array().map(Vec::len), Some(2));
    let r = w
        .post(
            "us.officer",
            &format!("/incidents/{incident}/entities"),
            json!({"entity_ids": [person]}),
        )
        .await;
    assert_eq!(r.status, 403, "only the reporter links: {}", r.body);

    let r = w
        .post(
            "us.officer",
            &format!("/entities/{company}/watch"),
            json!({"reason": "Supplier in the Lázaro Cárdenas stopped shipment"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["active"], true);
    let r = w
        .post(
            "us.officer",
            &format!("/entities/{company}/watch"),
            json!({"reason": "again"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = w
        .post(
            "us.read_only",
            &format!("/entities/{person}/watch"),
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = w
        .post(
            "us.officer",
            &format!("/entities/{person}/watch"),
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["error"]["field"]),
        (400, &json!("reason"))
    );
    let r = w
        .post(
            "other.officer",
            &format!("/entities/{person}/watch"),
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = w
        .post(
            "us.officer",
            &format!("/entities/{person}/watch"),
            json!({"reason": "Broker named by the consignee"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = w.get("us.read_only", &format!("/entities/{company}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["watch"]["reason"],
        "Supplier in the Lázaro Cárdenas stopped shipment"
    );

    let r = w
        .call(
            "us.officer",
            "POST",
            &format!("/entities/{person}/unwatch"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "an empty body is fine: {}", r.body);
    assert_eq!(r.body["active"], false);
    let r = w
        .post(
            "us.officer",
            &format!("/entities/{person}/unwatch"),
            json!({"reason": "again"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = w.get("us.read_only", "/watchlist").await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["entity_id"], company.as_str());
    let r = w
        .get("us.read_only", "/watchlist?include_removed=true")
        .await;
    assert_eq!(r.body["total"], 2, "{}", r.body);
    assert_eq!(w.get("mx.officer", "/watchlist").await.body["total"], 0);
    assert_eq!(
        w.get("us.read_only", "/watchlist?include_removed=maybe")
            .await
            .body["error"]["field"],
        "include_removed"
    );

    // Name matching, from what each caller sees.
    let names = json!({"names": [
        {"role": "consignee", "name": "HUBEI AMARVEL BIO-TECH CO LTD"},
        {"role": "exporter", "name": "Hubei Aoks Bio-Tech Co., Ltd."},
        {"role": "notify_party", "name": "PEREZ LOPEZ, Juan Carlos"},
    ]});
    let r = w
        .post("us.read_only", "/entities/match", names.clone())
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let flags = r.body["flags"].as_array().expect("flags");
    assert_eq!(flags.len(), 2, "{}", r.body);
    assert_eq!(flags[0]["role"], "consignee");
    assert_eq!(flags[0]["entity_id"], company.as_str());
    assert_eq!(flags[0]["incident_ids"], json!([incident]));
    assert_eq!(
        flags[0]["watch_reason"],
        "Supplier in the Lázaro Cárdenas stopped shipment"
    );
    assert!(
        flags[0]["score"]
            .as_f64()
            .is_some_and(|s| s >= r.body["threshold"].as_f64().unwrap_or(1.0))
    );
    assert_eq!(flags[1]["role"], "notify_party");
    assert_eq!(flags[1]["entity_kind"], "person");
    let r = w.post("other.officer", "/entities/match", names).await;
    assert_eq!(r.body["flags"], json!([]), "{}", r.body);
    for (body, status, field) in [
        (
            json!({"names": [{"role": "consignee", "name": " "}]}),
            422,
            "names[0].name",
        ),
        (
            json!({"names": [{"role": "", "name": "x"}]}),
            422,
            "names[0].role",
        ),
        (json!({"names": [{"name": "x"}]}), 400, "names[0]"),
        (json!({"name": "x"}), 400, "name"),
    ] {
        let r = w.post("us.read_only", "/entities/match", body).await;
        assert_eq!(r.status, status, "{field}: {}", r.body);
        assert!(
            r.body["error"]["field"]
                .as_str()
                .is_some_and(|f| f.starts_with(field)),
            "{field}: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn a_screened_offer_becomes_an_online_offer_incident() {
    let w = world().await;
    let ad =
        "We sell 1-boc-4-piperidone CAS 79099-07-3, safe delivery to Mexico, pay BTC, Wickr: xyz";
    let r = w
        .post(
            "mx.officer",
            "/incidents/from-screening",
            json!({"text": ad, "source_url": "https://market.example/listing/4411",
                   "share_with_all": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["kind"], "online_offer");
    assert_eq!(
        r.body["substances"][0]["id"], "1-boc-4-piperidone",
        "{}",
        r.body
    );
    assert!(
        r.body["red_flags"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "{}",
        r.body
    );
    assert!(r.body["red_flags"][0]["source"].is_string());
    let score = r.body["score"].as_f64().expect("score");
    assert!(score > 0.0 && score < 1.0);
    assert_eq!(r.body["screening"]["label"], "offer", "{}", r.body);
    assert_eq!(r.body["screening"]["score"], r.body["score"]);
    assert_eq!(r.body["source_text"], ad);
    assert_eq!(r.body["source_url"], "https://market.example/listing/4411");
    assert!(
        r.body["description"]
            .as_str()
            .is_some_and(|d| d.contains("offer"))
    );
    let id = r.body["id"].as_str().expect("id").to_string();
    // Shared with all: every authority and observer sees it, companies do not.
    assert_eq!(
        w.get("us.read_only", &format!("/incidents/{id}"))
            .await
            .status,
        200
    );
    assert_eq!(
        w.get("obs.read_only", &format!("/incidents/{id}"))
            .await
            .status,
        200
    );
    assert_eq!(
        w.get("co.officer", &format!("/incidents/{id}"))
            .await
            .status,
        404
    );
    let r = w
        .get(
            "us.read_only",
            "/incidents?kind=online_offer&substance=79099-07-3",
        )
        .await;
    assert_eq!(r.body["total"], 1, "{}", r.body);

    // Nothing controlled named: no incident.
    let r = w
        .post(
            "mx.officer",
            "/incidents/from-screening",
            json!({"text": "Fresh avocados from Michoacán, 20 t, ship to Texas"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "no_substance");
    assert_eq!(r.body["error"]["field"], "text");
    for (body, status, field) in [
        (json!({"text": "  "}), 422, "text"),
        (
            json!({"text": ad, "route": ["MX", "Mexico"]}),
            400,
            "route[1]",
        ),
        (
            json!({"text": ad, "occurred_on": "soon"}),
            400,
            "occurred_on",
        ),
        (
            json!({"text": ad, "source_url": "javascript:alert(1)"}),
            422,
            "source_url",
        ),
        (
            json!({"text": ad, "shared_with": ["org_nope"]}),
            422,
            "shared_with[0]",
        ),
        (json!({"text": ad, "label": "offer"}), 400, "label"),
    ] {
        let r = w
            .post("mx.officer", "/incidents/from-screening", body)
            .await;
        assert_eq!(r.status, status, "{field}: {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{}", r.body);
    }
    let r = w
        .post(
            "mx.reviewer",
            "/incidents/from-screening",
            json!({"text": ad}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = w
        .post(
            "mx.officer-read",
            "/incidents/from-screening",
            json!({"text": ad}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}

#[tokio::test]
async fn unauthenticated_calls_are_refused_and_the_paths_are_documented() {
    let w = world().await;
    for (method, path) in [
        ("GET", "/incidents"),
        ("POST", "/incidents"),
        ("GET", "/entities"),
        ("POST", "/entities/match"),
        ("GET", "/watchlist"),
    ] {
        let url = format!("{}/api/v1{path}", w.base);
        let r = match method {
            "GET" => w.client.get(url),
            _ => w.client.post(url).body("{}"),
        }
        .send()
        .await
        .expect("request");
        assert_eq!(r.status().as_u16(), 401, "{method} {path}");
    }
    let r = w
        .client
        .get(format!("{}/api/v1/openapi.json", w.base))
        .send()
        .await
        .expect("openapi");
    let doc: Value = r.json().await.expect("json");
    for (path, method) in [
        ("/api/v1/incidents", "get"),
        ("/api/v1/incidents", "post"),
        ("/api/v1/incidents/from-screening", "post"),
        ("/api/v1/incidents/{id}", "get"),
        ("/api/v1/incidents/{id}/comments", "post"),
        ("/api/v1/incidents/{id}/share", "post"),
        ("/api/v1/incidents/{id}/entities", "post"),
        ("/api/v1/entities", "get"),
        ("/api/v1/entities", "post"),
        ("/api/v1/entities/{id}", "get"),
        ("/api/v1/entities/{id}/watch", "post"),
        ("/api/v1/entities/{id}/unwatch", "post"),
        ("/api/v1/entities/match", "post"),
        ("/api/v1/watchlist", "get"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} missing from OpenAPI");
        assert!(op["security"].is_array(), "{method} {path} has no security");
        for status in ["401", "403"] {
            assert!(
                op["responses"][status].is_object(),
                "{method} {path} lacks {status}"
            );
        }
    }
    for schema in [
        "Incident",
        "IncidentView",
        "ReportRequest",
        "FromScreeningRequest",
        "Entity",
        "Identifier",
        "WatchEntry",
        "EntityFlag",
        "MatchResponse",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} missing"
        );
    }
}
