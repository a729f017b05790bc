//! The licence → pre-export notification conversation through the API only, on SQLite and PostgreSQL:
//! a company applies, its authority approves, the PEN authority notifies, the importing authority objects,
//! and the exporter sees the objection on its application. Also idempotency keys and bad bodies.

mod support;

use pw_store::Role::{Officer, ReadOnly};
use serde_json::{Value, json};
use support::World;

fn application() -> Value {
    json!({
        "substance": "NPP",
        "quantity": "25 kg",
        "consignee_name": "Farmacéutica Ejemplo S.A. de C.V.",
        "consignee_address": "Av. Ejemplo 1, Ciudad de México",
        "importing_country": "MX",
        "transit_countries": ["US"],
        "end_use": "Reference standard for a licensed laboratory",
        "expected_date": "2027-01-15"
    })
}

async fn full_flow(w: &World) {
    let company = w.token("company", Officer);
    let cn = w.token("cn", Officer);
    let mx = w.token("mx", Officer);

    let r = w.post("/api/v1/licences", &company, &application()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let lic = r.body;
    let id = lic["id"].as_str().expect("id").to_string();
    assert_eq!(lic["state"], "submitted");
    assert_eq!(lic["substance_id"], "npp");
    assert_eq!(lic["quantity_kg"], 25.0);
    assert_eq!(lic["actions"], json!(["withdraw"]));
    // The trade check is attached, with its legal basis.
    assert!(
        lic["check_result"]["obligations"]
            .as_array()
            .is_some_and(|o| !o.is_empty()),
        "{}",
        lic["check_result"]
    );

    let r = w.get(&format!("/api/v1/licences/{id}"), &cn).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["actions"], json!(["approve", "refuse"]));
    let r = w
        .post(
            &format!("/api/v1/licences/{id}/approve"),
            &cn,
            &json!({"licence_number": "CN-EXP-2026-0042", "valid_until": "2027-06-30"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["state"], "approved");
    // A second decision is a 409 naming the state and what is allowed.
    let r = w
        .post(
            &format!("/api/v1/licences/{id}/refuse"),
            &cn,
            &json!({"reason": "changed my mind"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "invalid_transition");
    assert_eq!(r.body["error"]["current"], "approved");
    assert_eq!(r.body["error"]["allowed"], json!([]));

    let r = w
        .post("/api/v1/notifications", &cn, &json!({"licence_id": id}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let pen = r.body["id"].as_str().expect("pen id").to_string();
    assert_eq!(r.body["importing_country"], "MX");
    assert!(
        r.body["deadline_basis"]
            .as_str()
            .is_some_and(|b| b.starts_with("15 days")),
        "{}",
        r.body
    );

    let r = w.get("/api/v1/notifications?mailbox=inbox", &mx).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|n| n["id"] == pen.as_str())),
        "{}",
        r.body
    );
    let r = w.get(&format!("/api/v1/notifications/{pen}"), &mx).await;
    assert_eq!(
        r.body["actions"],
        json!(["no_objection", "object", "request_info"])
    );
    let r = w
        .post(
            &format!("/api/v1/notifications/{pen}/object"),
            &mx,
            &json!({"text": "The consignee holds no import licence in Mexico"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["state"], "objection");

    // The exporter sees the objection on its application, with the reason.
    let r = w.get(&format!("/api/v1/licences/{id}"), &company).await;
    assert_eq!(r.status, 200);
    let pens = r.body["notifications"].as_array().expect("notifications");
    assert_eq!(pens.len(), 1);
    assert_eq!(pens[0]["state"], "objection");
    assert_eq!(
        pens[0]["reply_reason"],
        "The consignee holds no import licence in Mexico"
    );
    assert_eq!(
        pens[0]["actions"],
        json!([]),
        "the company cannot act on it"
    );
    let history = r.body["history"].as_array().expect("history");
    assert_eq!(history.len(), 2);

    // List pages carry each record's latest audit seq too (filled with one query per page), equal to the
    // single record's.
    let single_pen = w
        .get(&format!("/api/v1/notifications/{pen}"), &mx)
        .await
        .body;
    let inbox = w.get("/api/v1/notifications?mailbox=inbox", &mx).await.body;
    let listed = inbox["items"]
        .as_array()
        .and_then(|i| i.iter().find(|n| n["id"] == pen.as_str()))
        .expect("listed");
    assert!(
        single_pen["log"]["audit_seq"].is_i64(),
        "{}",
        single_pen["log"]
    );
    assert_eq!(listed["log"], single_pen["log"]);
    let licences = w.get("/api/v1/licences", &company).await.body;
    let listed = licences["items"]
        .as_array()
        .and_then(|i| i.iter().find(|l| l["id"] == id.as_str()))
        .expect("listed");
    assert_eq!(listed["log"], r.body["log"]);
    assert_eq!(listed["notifications"][0]["log"], single_pen["log"]);
}

#[tokio::test]
async fn full_flow_on_sqlite() {
    full_flow(&World::sqlite().await).await;
}

#[tokio::test]
async fn full_flow_on_postgres() {
    if let Some(w) = World::postgres().await {
        full_flow(&w).await;
    }
}

/// Two officers of the importing authority reply at the same moment, over HTTP: exactly one reply wins, the
/// other is a 409 naming the state that won — 20 rounds.
async fn racing_replies(w: &World) {
    let cn = w.token("cn", Officer);
    let mx_a = w.token("mx", Officer);
    let mx_b = w.token("mx", pw_store::Role::Admin);
    for round in 0..20 {
        let r = w
            .post(
                "/api/v1/notifications",
                &cn,
                &json!({"substance": "ANPP", "quantity": "10 kg", "exporter_name": "Exporter",
                    "consignee_name": format!("Consignee {round}"), "consignee_address": "Somewhere",
                    "importing_country": "MX", "expected_date": "2027-02-01"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.body["id"].as_str().expect("id").to_string();
        let object = format!("/api/v1/notifications/{id}/object");
        let agree = format!("/api/v1/notifications/{id}/no_objection");
        let body_a = json!({"text": "Consignee unknown"});
        let body_b = json!({});
        let (a, b) = tokio::join!(
            w.post(&object, &mx_a, &body_a),
            w.post(&agree, &mx_b, &body_b)
        );
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: {} / {}",
            a.body,
            b.body
        );
        let loser = if a.status == 409 { &a } else { &b };
        let winner = if a.status == 200 { &a } else { &b };
        assert_eq!(loser.body["error"]["current"], winner.body["state"]);
    }
}

#[tokio::test]
async fn racing_replies_on_sqlite() {
    racing_replies(&World::sqlite().await).await;
}

#[tokio::test]
async fn racing_replies_on_postgres() {
    if let Some(w) = World::postgres().await {
        racing_replies(&w).await;
    }
}

#[tokio::test]
async fn idempotency_keys_replay_the_first_answer() {
    let w = World::sqlite().await;
    let company = w.token("company", Officer);
    let key = [("idempotency-key", "apply-2026-11-24-001")];
    let body = application();
    let first = w
        .call(
            "POST",
            "/api/v1/licences",
            Some(&company),
            Some(&body),
            &key,
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = w
        .call(
            "POST",
            "/api/v1/licences",
            Some(&company),
            Some(&body),
            &key,
        )
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body["id"], first.body["id"], "the same record");
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let list = w.get("/api/v1/licences", &company).await;
    assert_eq!(list.body["total"], 1, "created once");
    // The same key for another body is refused; another user's same key is theirs.
    let mut other = application();
    other["quantity"] = json!("30 kg");
    let r = w
        .call(
            "POST",
            "/api/v1/licences",
            Some(&company),
            Some(&other),
            &key,
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["code"], "idempotency_key_reused");
    let admin = w.token("company", pw_store::Role::Admin);
    let r = w
        .call("POST", "/api/v1/licences", Some(&admin), Some(&other), &key)
        .await;
    assert_eq!(r.status, 201);
    assert_ne!(r.body["id"], first.body["id"]);
    // A bad key is a 400 naming the header.
    let r = w
        .call(
            "POST",
            "/api/v1/licences",
            Some(&company),
            Some(&body),
            &[("idempotency-key", "")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["field"], "Idempotency-Key");
}

#[tokio::test]
async fn bad_bodies_name_the_field() {
    let w = World::sqlite().await;
    let company = w.token("company", Officer);
    let cases: Vec<(Value, &str, u16)> = vec![
        (json!({"substance": "NPP"}), "quantity", 400),
        (
            {
                let mut b = application();
                b["quantity"] = json!(25);
                b
            },
            "quantity",
            400,
        ),
        (
            {
                let mut b = application();
                b["importing_country"] = json!("Mexico");
                b
            },
            "importing_country",
            400,
        ),
        (
            {
                let mut b = application();
                b["expected_date"] = json!("15/01/2027");
                b
            },
            "expected_date",
            400,
        ),
        (
            {
                let mut b = application();
                b["transit_countries"] = json!(["US", "XX"]);
                b
            },
            "transit_countries[1]",
            400,
        ),
        (
            {
                let mut b = application();
                b["colour"] = json!("red");
                b
            },
            "colour",
            400,
        ),
        (
            {
                let mut b = application();
                b["consignee_name"] = json!("   ");
                b
            },
            "consignee_name",
            422,
        ),
        (
            {
                let mut b = application();
                b["substance"] = json!("unobtainium");
                b
            },
            "substance",
            404,
        ),
    ];
    for (body, field, status) in cases {
        let r = w.post("/api/v1/licences", &company, &body).await;
        assert_eq!(r.status, status, "{body} → {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{body} → {}", r.body);
    }
    let r = w
        .call(
            "POST",
            "/api/v1/licences",
            Some(&company),
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert!(r.status == 400, "{}", r.body);
    // Read-only users read but do not act.
    let ro = w.token("company", ReadOnly);
    let r = w.post("/api/v1/licences", &ro, &application()).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = w.get("/api/v1/licences?limit=0", &ro).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "limit");
    let r = w.get("/api/v1/licences?limit=ten", &ro).await;
    assert_eq!(r.status, 400, "{}", r.body);
}

#[tokio::test]
async fn authorities_see_names_that_resemble_known_entities() {
    let w = World::sqlite().await;
    let cn = w.token("cn", Officer);
    let company = w.token("company", Officer);
    // The authority has the consignee on record (spelled differently), and watches it.
    let r = w
        .post(
            "/api/v1/entities",
            &cn,
            &json!({"kind": "company", "name": "FARMACEUTICA EJEMPLO SA DE CV", "country": "MX"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let entity = r.body["id"].as_str().expect("id").to_string();
    let r = w
        .post(
            &format!("/api/v1/entities/{entity}/watch"),
            &cn,
            &json!({"reason": "Consignee in a 2026 seizure"}),
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    let id = w
        .post("/api/v1/licences", &company, &application())
        .await
        .body["id"]
        .as_str()
        .expect("id")
        .to_string();
    let r = w.get(&format!("/api/v1/licences/{id}"), &cn).await;
    let flags = r.body["entity_flags"]
        .as_array()
        .expect("flags for the authority");
    assert_eq!(flags.len(), 1, "{}", r.body["entity_flags"]);
    assert_eq!(flags[0]["role"], "consignee");
    assert_eq!(flags[0]["entity_id"], entity.as_str());
    assert_eq!(flags[0]["watch_reason"], "Consignee in a 2026 seizure");
    // The applicant does not learn what the authority holds.
    let r = w.get(&format!("/api/v1/licences/{id}"), &company).await;
    assert!(r.body.get("entity_flags").is_none(), "{}", r.body);
}
