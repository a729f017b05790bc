//! Accounts over HTTP: sessions and CSRF, sign-in throttling, invitations, users and tokens — on a real
//! socket with a real SQLite file, from a browser-like client that keeps cookies.

use std::net::SocketAddr;
use std::sync::Arc;

use pw_registry::Registry;
use pw_server::{AppState, app};
use pw_store::{
    Actor, Competence, NewOrganisation, NewUser, OrgKind, Organisation, Role, Scope, Store, User,
};
use reqwest::{Client, Method, Response};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

struct Server {
    base: String,
    host: String,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn start(secure_cookies: bool, connect_info: bool) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("store");
    let registry = Arc::new(Registry::embedded().unwrap_or_else(|e| panic!("{:#?}", e.0)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let mut state = AppState::new(registry, store.clone()).expect("state");
    state.secure_cookies = secure_cookies;
    let router = app(state);
    tokio::spawn(async move {
        if connect_info {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        } else {
            let _ = axum::serve(listener, router).await;
        }
    });
    Server {
        base: format!("http://{addr}"),
        host: addr.to_string(),
        store,
        _dir: dir,
    }
}

fn cli() -> Actor {
    Actor {
        id: "cli:test".into(),
        org_id: None,
    }
}

async fn org(s: &Server, name: &str) -> Organisation {
    s.store
        .create_organisation(
            &NewOrganisation {
                kind: OrgKind::Authority,
                name: name.into(),
                country: Some("MX".into()),
                competences: vec![Competence::Licensing, Competence::Pen],
            },
            &cli(),
        )
        .await
        .expect("org")
}

async fn user(s: &Server, org: &Organisation, email: &str, role: Role) -> User {
    s.store
        .create_user(
            &NewUser {
                org_id: org.id.clone(),
                email: email.into(),
                password: PASSWORD.into(),
                role,
            },
            &cli(),
        )
        .await
        .expect("user")
}

async fn token(s: &Server, user: &User, scopes: &[Scope]) -> String {
    s.store
        .create_token(&user.id, "test", scopes, None, &cli())
        .await
        .expect("token")
        .1
}

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .build()
        .expect("client")
}

async fn json_of(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A request with optional JSON body, CSRF token and bearer token.
async fn call(
    s: &Server,
    c: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
    csrf: Option<&str>,
    bearer: Option<&str>,
) -> (u16, Value) {
    let mut r = c.request(method, format!("{}{path}", s.base));
    if let Some(b) = body {
        r = r.json(&b);
    }
    if let Some(t) = csrf {
        r = r.header("x-csrf-token", t);
    }
    if let Some(t) = bearer {
        r = r.bearer_auth(t);
    }
    json_of(r.send().await.expect("request")).await
}

async fn sign_in(s: &Server, c: &Client, email: &str, password: &str) -> Response {
    c.post(format!("{}/api/v1/session", s.base))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("sign in")
}

/// Sign in and return the CSRF token.
async fn signed_in(s: &Server, c: &Client, email: &str) -> String {
    let (code, v) = json_of(sign_in(s, c, email, PASSWORD).await).await;
    assert_eq!(code, 201, "{v}");
    v["csrf_token"].as_str().expect("csrf").to_string()
}

#[tokio::test]
async fn sessions_cookies_and_csrf() {
    let s = start(false, false).await;
    let mx = org(&s, "COFEPRIS").await;
    let officer = user(&s, &mx, "officer@cofepris.example", Role::Officer).await;
    let c = browser();

    // A cross-site sign-in is refused.
    let r = c
        .post(format!("{}/api/v1/session", s.base))
        .header("origin", "https://evil.example")
        .json(&json!({ "email": officer.email, "password": PASSWORD }))
        .send()
        .await
        .expect("post");
    let (code, v) = json_of(r).await;
    assert_eq!((code, v["error"]["code"].as_str()), (403, Some("csrf")));

    // Sign-in sets an HttpOnly, SameSite=Lax cookie (not Secure here: no TLS) and answers the CSRF token.
    let r = c
        .post(format!("{}/api/v1/session", s.base))
        .header("origin", format!("http://{}", s.host))
        .json(&json!({ "email": "OFFICER@cofepris.example", "password": PASSWORD }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 201);
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie")
        .to_string();
    assert!(cookie.starts_with("pw_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let secret = cookie
        .trim_start_matches("pw_session=")
        .split(';')
        .next()
        .expect("value")
        .to_string();
    let (_, v) = json_of(r).await;
    assert_eq!(v["user"]["id"], officer.id.as_str());
    assert_eq!(v["org"]["id"], mx.id.as_str());
    assert!(
        v["scopes"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("licences")) && !a.contains(&json!("admin")))
    );
    let csrf = v["csrf_token"].as_str().expect("csrf").to_string();
    assert_ne!(csrf, secret);
    assert!(
        !v.to_string().contains(&secret),
        "the secret is only in the cookie"
    );

    // The cookie authenticates reads without CSRF.
    let (code, me) = call(&s, &c, Method::GET, "/api/v1/me", None, None, None).await;
    assert_eq!(code, 200, "{me}");
    assert_eq!(me["session_id"], v["session"]["id"]);
    let (code, shown) = call(&s, &c, Method::GET, "/api/v1/session", None, None, None).await;
    assert_eq!(code, 200, "{shown}");
    assert_eq!(shown["csrf_token"], csrf.as_str());
    assert_eq!(shown["session"]["id"], v["session"]["id"]);

    // A cookie POST without the CSRF header, or with a wrong one, is 403; with it, it works.
    let body = json!({ "name": "ci", "scopes": ["read"] });
    for bad in [None, Some("0000"), Some(&csrf[..63])] {
        let (code, e) = call(
            &s,
            &c,
            Method::POST,
            "/api/v1/tokens",
            Some(body.clone()),
            bad,
            None,
        )
        .await;
        assert_eq!(
            (code, e["error"]["code"].as_str()),
            (403, Some("csrf")),
            "{bad:?}: {e}"
        );
    }
    let (code, created) = call(
        &s,
        &c,
        Method::POST,
        "/api/v1/tokens",
        Some(body.clone()),
        Some(&csrf),
        None,
    )
    .await;
    assert_eq!(code, 201, "{created}");
    let bearer = created["secret"].as_str().expect("secret").to_string();
    // A foreign Origin is refused even with the right token.
    let r = c
        .post(format!("{}/api/v1/tokens", s.base))
        .header("x-csrf-token", &csrf)
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 403);

    // Bearer-token requests are not subject to CSRF (and a token wins over a cookie).
    let plain = Client::new();
    let (code, v) = call(
        &s,
        &plain,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({ "name": "from a script", "scopes": ["read"] })),
        None,
        Some(&bearer),
    )
    .await;
    assert_eq!(code, 201, "{v}");
    // …and a read-only token cannot mint a broader one.
    let (code, v) = call(
        &s,
        &plain,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({ "name": "escalate", "scopes": ["licences"] })),
        None,
        Some(&bearer),
    )
    .await;
    assert_eq!(code, 403, "{v}");
    // GET /session is for sessions only.
    let (code, _) = call(
        &s,
        &plain,
        Method::GET,
        "/api/v1/session",
        None,
        None,
        Some(&bearer),
    )
    .await;
    assert_eq!(code, 404);

    // Sign-out needs CSRF too, revokes the session on the server and clears the cookie.
    let (code, _) = call(&s, &c, Method::DELETE, "/api/v1/session", None, None, None).await;
    assert_eq!(code, 403);
    let r = c
        .delete(format!("{}/api/v1/session", s.base))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status().as_u16(), 204);
    let cleared = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let (code, _) = call(&s, &c, Method::GET, "/api/v1/me", None, None, None).await;
    assert_eq!(code, 401);
    // The old cookie, replayed by hand, is dead.
    let r = plain
        .get(format!("{}/api/v1/me", s.base))
        .header("cookie", format!("pw_session={secret}"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 401);
    let r = plain
        .get(format!("{}/api/v1/me", s.base))
        .header("cookie", "pw_session=forged")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 401);

    // Sign-in and sign-out are in the audit log.
    let log = s.store.audit_log(0, 10_000).await.expect("audit");
    assert!(
        log.iter()
            .any(|e| e.entity == "session" && e.action == "create")
    );
    assert!(
        log.iter()
            .any(|e| e.entity == "session" && e.action == "revoke")
    );
}

#[tokio::test]
async fn secure_cookies_behind_tls() {
    let s = start(true, false).await;
    let mx = org(&s, "COFEPRIS").await;
    let officer = user(&s, &mx, "officer@cofepris.example", Role::Officer).await;
    let r = sign_in(&s, &Client::new(), &officer.email, PASSWORD).await;
    assert_eq!(r.status().as_u16(), 201);
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn sign_in_throttling() {
    // With the peer address known, as `pwatch serve` runs.
    let s = start(false, true).await;
    let mx = org(&s, "COFEPRIS").await;
    let officer = user(&s, &mx, "officer@cofepris.example", Role::Officer).await;
    let c = Client::new();

    let mut refusals = Vec::new();
    for email in [officer.email.as_str(), "nobody@cofepris.example"] {
        for i in 0..5 {
            // Case does not matter: it is one e-mail.
            let who = if i % 2 == 0 {
                email.to_string()
            } else {
                email.to_uppercase()
            };
            let (code, v) = json_of(sign_in(&s, &c, &who, "wrong password!!").await).await;
            assert_eq!(code, 401, "{email} attempt {i}: {v}");
            refusals.push(v);
        }
        // The sixth attempt is refused unchecked: even the right password.
        let r = sign_in(&s, &c, email, PASSWORD).await;
        assert_eq!(r.status().as_u16(), 429, "{email}");
        let retry: i64 = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After");
        assert!((1..=900).contains(&retry), "{retry}");
        let (_, v) = json_of(r).await;
        assert_eq!(v["error"]["code"], "too_many_attempts");
    }
    // Known and unknown e-mails get the same answers.
    assert!(refusals.windows(2).all(|w| w[0] == w[1]), "{refusals:?}");

    // Another e-mail from the same address still signs in (the address limit is 50).
    let other = user(&s, &mx, "other@cofepris.example", Role::ReadOnly).await;
    let r = sign_in(&s, &c, &other.email, PASSWORD).await;
    assert_eq!(r.status().as_u16(), 201);

    // Failures and the lockout are audited with the e-mail and the address hashed.
    let log = s.store.audit_log(0, 10_000).await.expect("audit");
    let fails: Vec<_> = log.iter().filter(|e| e.action == "fail").collect();
    assert_eq!(fails.len(), 10);
    assert_eq!(log.iter().filter(|e| e.action == "lock").count(), 2);
    for e in &log {
        assert!(!e.detail.contains("officer@cofepris.example"), "{e:?}");
        assert!(!e.detail.contains("nobody@cofepris.example"), "{e:?}");
        assert!(!e.detail.contains("127.0.0.1"), "{e:?}");
    }
    assert!(
        fails
            .iter()
            .all(|e| e.detail.contains(&pw_store::personal_hash("127.0.0.1"))),
        "the client address is recorded, hashed"
    );
    assert!(
        fails
            .iter()
            .any(|e| e.entity_id == pw_store::personal_hash("nobody@cofepris.example"))
    );
}

#[tokio::test]
async fn invitations_end_to_end() {
    let s = start(false, false).await;
    let mx = org(&s, "COFEPRIS").await;
    let admin = user(&s, &mx, "admin@cofepris.example", Role::Admin).await;
    let officer = user(&s, &mx, "officer@cofepris.example", Role::Officer).await;
    let c = browser();
    let csrf = signed_in(&s, &c, &admin.email).await;
    let plain = Client::new();
    let officer_token = token(&s, &officer, &[Scope::Read, Scope::Licences]).await;

    // Officers cannot invite or list invitations.
    let invite = json!({ "email": "New.Officer@cofepris.example", "role": "officer" });
    let (code, _) = call(
        &s,
        &plain,
        Method::POST,
        "/api/v1/invitations",
        Some(invite.clone()),
        None,
        Some(&officer_token),
    )
    .await;
    assert_eq!(code, 403);
    let (code, _) = call(
        &s,
        &plain,
        Method::GET,
        "/api/v1/invitations",
        None,
        None,
        Some(&officer_token),
    )
    .await;
    assert_eq!(code, 403);

    // Bad roles and e-mails name the field; an existing user's e-mail is a conflict.
    let (code, v) = call(
        &s,
        &c,
        Method::POST,
        "/api/v1/invitations",
        Some(json!({ "email": "x@cofepris.example", "role": "root" })),
        Some(&csrf),
        None,
    )
    .await;
    assert_eq!(
        (code, v["error"]["field"].as_str()),
        (400, Some("role")),
        "{v}"
    );
    let (code, v) = call(
        &s,
        &c,
        Method::POST,
        "/api/v1/invitations",
        Some(json!({ "email": "nobody", "role": "officer" })),
        Some(&csrf),
        None,
    )
    .await;
    assert_eq!(
        (code, v["error"]["field"].as_str()),
        (422, Some("email")),
        "{v}"
    );
    let (code, _) = call(
        &s,
        &c,
        Method::POST,
        "/api/v1/invitations",
        Some(json!({ "email": officer.email, "role": "officer" })),
        Some(&csrf),
        None,
    )
    .await;
    assert_eq!(code, 409);
    // The token is never stored for replay: Idempotency-Key is refused here.
    let r = c
        .post(format!("{}/api/v1/invitations", s.base))
        .header("x-csrf-token", &csrf)
        .header("idempotency-key", "k1")
        .json(&invite)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 422);

    let (code, v) = call(
        &s,
        &c,
        Method::POST,
        "/api/v1/invitations",
        Some(invite.clone()),
        Some(&csrf),
        None,
    )
    .await;
    assert_eq!(code, 201, "{v}");
    let inv_token = v["token"].as_str().expect("token").to_string();
    assert_eq!(v["invitation"]["status"], "pending");
    assert_eq!(v["invitation"]["email"], "new.officer@cofepris.example");
    let (code, list) = call(&s, &c, Method::GET, "/api/v1/invitations", None, None, None).await;
    assert_eq!(code, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert!(!list.to_string().contains(&inv_token));

    // Acceptance needs no credentials; a short password, an unknown token and a second use are refused.
    let (code, v) = call(
        &s,
        &plain,
        Method::POST,
        "/api/v1/invitations/accept",
        Some(json!({ "token": inv_token, "password": "short" })),
        None,
        None,
    )
    .await;
    assert_eq!(
        (code, v["error"]["field"].as_str()),
        (422, Some("password")),
        "{v}"
    );
    let (code, v) = call(
        &s,
        &plain,
        Method::POST,
        "/api/v1/invitations/accept",
        Some(json!({ "token": "pwi_0000", "password": "a long enough password" })),
        None,
        None,
    )
    .await;
    assert_eq!(
        (code, v["error"]["field"].as_str()),
        (422, Some("token")),
        "{v}"
    );
    let (code, v) = call(
        &s,
        &plain,
        Method::POST,
        "/api/v1/invitations/accept",
        Some(json!({ "token": inv_token, "password": "a long enough password" })),
        None,
        None,
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(v["user"]["org_id"], mx.id.as_str());
    assert_eq!(v["user"]["role"], "officer");
    let (code, v) = call(
        &s,
        &plain,
        Method::POST,
        "/api/v1/invitations/accept",
        Some(json!({ "token": inv_token, "password": "a long enough password" })),
        None,
        None,
    )
    .await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (410, Some("invitation_used")),
        "{v}"
    );

    // The new user signs in with the role they were invited with.
    let (code, v) = json_of(
        sign_in(
            &s,
            &Client::new(),
            "new.officer@cofepris.example",
            "a long enough password",
        )
        .await,
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(v["user"]["role"], "officer");

    // A withdrawn invitation cannot be accepted.
    let (_, v) = call(
        &s,
        &c,
        Method::POST,
        "/api/v1/invitations",
        Some(json!({ "email": "late@cofepris.example", "role": "reviewer" })),
        Some(&csrf),
        None,
    )
    .await;
    let id = v["invitation"]["id"].as_str().expect("id").to_string();
    let late = v["token"].as_str().expect("token").to_string();
    let (code, v) = call(
        &s,
        &c,
        Method::POST,
        &format!("/api/v1/invitations/{id}/revoke"),
        None,
        Some(&csrf),
        None,
    )
    .await;
    assert_eq!((code, v["status"].as_str()), (200, Some("revoked")), "{v}");
    let (code, v) = call(
        &s,
        &plain,
        Method::POST,
        "/api/v1/invitations/accept",
        Some(json!({ "token": late, "password": "a long enough password" })),
        None,
        None,
    )
    .await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (410, Some("invitation_revoked")),
        "{v}"
    );

    let log = s.store.audit_log(0, 10_000).await.expect("audit");
    for action in ["create", "accept", "revoke"] {
        assert!(
            log.iter()
                .any(|e| e.entity == "invitation" && e.action == action),
            "{action}"
        );
    }
    assert!(
        !log.iter()
            .any(|e| e.detail.contains("new.officer@cofepris.example"))
    );
}

#[tokio::test]
async fn users_and_tokens_stay_in_their_organisation() {
    let s = start(false, false).await;
    let mx = org(&s, "COFEPRIS").await;
    let us = org(&s, "DEA").await;
    let admin = user(&s, &mx, "admin@cofepris.example", Role::Admin).await;
    let officer = user(&s, &mx, "officer@cofepris.example", Role::Officer).await;
    let reader = user(&s, &mx, "reader@cofepris.example", Role::ReadOnly).await;
    let foreign = user(&s, &us, "admin@dea.example", Role::Admin).await;
    let admin_t = token(&s, &admin, &[Scope::Read, Scope::Admin]).await;
    let admin_read_t = token(&s, &admin, &[Scope::Read]).await;
    let officer_t = token(&s, &officer, &[Scope::Read, Scope::Licences]).await;
    let reader_t = token(&s, &reader, &[Scope::Read]).await;
    let foreign_t = token(&s, &foreign, &[Scope::Read, Scope::Admin]).await;
    let c = Client::new();
    let get = |t: &str, path: &str| {
        let c = c.clone();
        let url = format!("{}{path}", s.base);
        let t = t.to_string();
        async move { json_of(c.get(url).bearer_auth(t).send().await.expect("get")).await }
    };
    let post = |t: &str, path: &str, body: Value| {
        let c = c.clone();
        let url = format!("{}{path}", s.base);
        let t = t.to_string();
        async move {
            json_of(
                c.post(url)
                    .bearer_auth(t)
                    .json(&body)
                    .send()
                    .await
                    .expect("post"),
            )
            .await
        }
    };

    // Members read their organisation's users; only theirs.
    let (code, v) = get(&reader_t, "/api/v1/users").await;
    assert_eq!(code, 200, "{v}");
    let ids: Vec<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(!ids.contains(&foreign.id.as_str()));

    // Admin-only endpoints refuse officers and admin tokens without the admin scope (403).
    let disable = format!("/api/v1/users/{}/disable", reader.id);
    for t in [&officer_t, &admin_read_t] {
        let (code, v) = post(t, &disable, json!({})).await;
        assert_eq!(code, 403, "{v}");
    }
    let (code, _) = get(&officer_t, "/api/v1/tokens?all=true").await;
    assert_eq!(code, 403);
    // Another organisation's users are not found; one cannot disable oneself.
    let (code, _) = post(&foreign_t, &disable, json!({})).await;
    assert_eq!(code, 404);
    let (code, _) = post(
        &admin_t,
        &format!("/api/v1/users/{}/disable", foreign.id),
        json!({}),
    )
    .await;
    assert_eq!(code, 404);
    let (code, v) = post(
        &admin_t,
        &format!("/api/v1/users/{}/disable", admin.id),
        json!({}),
    )
    .await;
    assert_eq!(code, 422, "{v}");
    // A disabled user's tokens stop working, and work again once enabled.
    let (code, v) = post(&admin_t, &disable, json!({})).await;
    assert_eq!((code, v["disabled"].as_bool()), (200, Some(true)), "{v}");
    assert_eq!(get(&reader_t, "/api/v1/me").await.0, 401);
    let (code, _) = post(
        &admin_t,
        &format!("/api/v1/users/{}/enable", reader.id),
        json!({}),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(get(&reader_t, "/api/v1/me").await.0, 200);

    // Tokens: one's own, within one's role; the secret is shown once.
    let (code, v) = post(
        &reader_t,
        "/api/v1/tokens",
        json!({ "name": "x", "scopes": ["licences"] }),
    )
    .await;
    assert_eq!(code, 403, "{v}");
    let (code, v) = post(
        &reader_t,
        "/api/v1/tokens",
        json!({ "name": "x", "scopes": ["root"] }),
    )
    .await;
    assert_eq!(
        (code, v["error"]["field"].as_str()),
        (400, Some("scopes[0]")),
        "{v}"
    );
    let (code, v) = post(
        &reader_t,
        "/api/v1/tokens",
        json!({ "name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(
        (code, v["error"]["field"].as_str()),
        (422, Some("expires_at")),
        "{v}"
    );
    let (code, v) = post(
        &reader_t,
        "/api/v1/tokens",
        json!({ "name": "nightly", "scopes": ["read"], "expires_at": "2999-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(code, 201, "{v}");
    let new_id = v["token"]["id"].as_str().expect("id").to_string();
    let new_secret = v["secret"].as_str().expect("secret").to_string();
    let (code, v) = get(&reader_t, "/api/v1/tokens").await;
    assert_eq!(code, 200);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2));
    assert!(!v.to_string().contains(&new_secret));
    // Another member cannot revoke it (not found); another organisation's admin neither.
    let revoke = format!("/api/v1/tokens/{new_id}/revoke");
    assert_eq!(post(&officer_t, &revoke, json!({})).await.0, 404);
    assert_eq!(post(&foreign_t, &revoke, json!({})).await.0, 404);
    assert_eq!(post(&admin_read_t, &revoke, json!({})).await.0, 404);
    // The organisation's admin sees and revokes it.
    let (code, v) = get(&admin_t, "/api/v1/tokens?all=true").await;
    assert_eq!(code, 200);
    assert!(v.to_string().contains(&new_id));
    let (_, v) = get(&foreign_t, "/api/v1/tokens?all=true").await;
    assert!(!v.to_string().contains(&new_id));
    let (code, v) = post(&admin_t, &revoke, json!({})).await;
    assert_eq!(code, 200, "{v}");
    assert!(v["revoked_at"].is_string());
    assert_eq!(get(&new_secret, "/api/v1/me").await.0, 401);
    // One's own token may be revoked by oneself.
    let (_, v) = get(&officer_t, "/api/v1/tokens").await;
    let own = v["items"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(
        post(
            &officer_t,
            &format!("/api/v1/tokens/{own}/revoke"),
            json!({})
        )
        .await
        .0,
        200
    );
    assert_eq!(get(&officer_t, "/api/v1/me").await.0, 401);

    let log = s.store.audit_log(0, 10_000).await.expect("audit");
    for (action, entity) in [
        ("disable", "user"),
        ("enable", "user"),
        ("create", "api_token"),
        ("revoke", "api_token"),
    ] {
        assert!(
            log.iter().any(|e| e.action == action && e.entity == entity),
            "{action} {entity}"
        );
    }
}

#[tokio::test]
async fn openapi_documents_the_account_endpoints() {
    let s = start(false, false).await;
    let (code, v) = json_of(
        Client::new()
            .get(format!("{}/api/v1/openapi.json", s.base))
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(code, 200);
    for path in [
        "/api/v1/session",
        "/api/v1/invitations",
        "/api/v1/invitations/accept",
        "/api/v1/invitations/{id}/revoke",
        "/api/v1/users",
        "/api/v1/users/{id}/disable",
        "/api/v1/users/{id}/enable",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}/revoke",
    ] {
        assert!(v["paths"][path].is_object(), "{path} missing");
    }
    assert!(v["paths"]["/api/v1/session"]["delete"].is_object());
    assert_eq!(
        v["components"]["securitySchemes"]["session"]["in"],
        "cookie"
    );
    assert!(v["components"]["securitySchemes"]["bearer"].is_object());
}
