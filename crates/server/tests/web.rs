//! The web UI over HTTP, without a browser: security headers, sign-in with the pre-session CSRF token,
//! CSRF refusals on every kind of form, tenant rules on the pages, languages, CSV downloads.
//! (`tests/browser.rs` drives the same pages in Chromium.)

mod support;

use pw_store::Role;
use serde_json::json;
use support::World;

const PASSWORD: &str = "a long enough password";

/// A browser-like client: a cookie jar, no redirects followed.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of the hidden `csrf_token` field of a page.
fn csrf_of(html: &str) -> String {
    let i = html
        .find("name=\"csrf_token\" value=\"")
        .unwrap_or_else(|| panic!("no csrf_token field in {html}"));
    let rest = &html[i + "name=\"csrf_token\" value=\"".len()..];
    rest[..rest.find('"').expect("end of value")].to_string()
}

async fn page(c: &reqwest::Client, w: &World, path: &str) -> (u16, String) {
    let r = c
        .get(format!("{}{path}", w.base))
        .send()
        .await
        .expect("GET");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn form(
    c: &reqwest::Client,
    w: &World,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    c.post(format!("{}{path}", w.base))
        .form(fields)
        .send()
        .await
        .expect("POST")
}

/// Sign in through the HTML form; returns the session's CSRF token (from the next page).
async fn sign_in(c: &reqwest::Client, w: &World, email: &str) -> String {
    let (_, login) = page(c, w, "/login").await;
    let token = csrf_of(&login);
    let r = form(
        c,
        w,
        "/login",
        &[
            ("email", email),
            ("password", PASSWORD),
            ("csrf_token", &token),
            ("next", "/notifications"),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303, "sign-in of {email}");
    assert_eq!(r.headers()["location"], "/notifications");
    let (code, body) = page(c, w, "/notifications").await;
    assert_eq!(code, 200);
    assert!(body.contains(email), "the header names the user");
    csrf_of(&body)
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let w = World::sqlite().await;
    for path in [
        "/",
        "/lookup?q=NPP",
        "/substances/npp",
        "/static/style.css",
        "/login",
        "/api/v1/lookup?q=NPP",
    ] {
        let r = reqwest::get(format!("{}{path}", w.base))
            .await
            .expect("GET");
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
    // No page carries a script, an inline style or anything from another site.
    for path in [
        "/",
        "/lookup?q=NPP",
        "/substances/npp",
        "/check?substance=NPP&from=CN&to=MX",
        "/screen",
        "/login",
        "/registry",
        "/registry/US",
        "/classify?q=CCO",
    ] {
        let (code, body) = page(&client(), &w, path).await;
        assert_eq!(code, 200, "{path}");
        assert!(!body.contains("<script"), "{path}");
        assert!(!body.contains("style="), "{path}");
        assert!(!body.contains("<style"), "{path}");
        assert!(
            !body.contains("src=\"http") && !body.contains("href=\"//"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn sign_in_needs_the_pre_session_token_and_the_right_password() {
    let w = World::sqlite().await;
    let c = client();
    let (_, login) = page(&c, &w, "/login").await;
    let token = csrf_of(&login);
    // No token, a wrong token: refused before the password is looked at.
    for t in [
        "",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        let r = form(
            &c,
            &w,
            "/login",
            &[
                ("email", "officer@cn.example"),
                ("password", PASSWORD),
                ("csrf_token", t),
            ],
        )
        .await;
        assert_eq!(r.status().as_u16(), 403);
    }
    // A fresh browser without the cookie cannot replay someone's token.
    let r = form(
        &client(),
        &w,
        "/login",
        &[
            ("email", "officer@cn.example"),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 403);
    // Wrong password: the form again, with the message, the e-mail kept.
    let r = form(
        &c,
        &w,
        "/login",
        &[
            ("email", "officer@cn.example"),
            ("password", "nope nope nope"),
            ("csrf_token", &token),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 401);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("Wrong e-mail or password") && body.contains("value=\"officer@cn.example\"")
    );
    // A `next` elsewhere is ignored.
    let r = form(
        &c,
        &w,
        "/login",
        &[
            ("email", "officer@cn.example"),
            ("password", PASSWORD),
            ("csrf_token", &token),
            ("next", "//evil.example/"),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/");
    let set = r.headers()["set-cookie"].to_str().expect("cookie");
    assert!(set.starts_with("pw_session=") && set.contains("HttpOnly"));
}

#[tokio::test]
async fn platform_pages_need_a_session_and_forms_need_its_token() {
    let w = World::sqlite().await;
    // Not signed in: to the sign-in page, coming back afterwards.
    let r = client()
        .get(format!("{}/notifications?mailbox=outbox", w.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers()["location"],
        "/login?next=%2Fnotifications%3Fmailbox%3Doutbox"
    );

    let cn = client();
    let token = sign_in(&cn, &w, "officer@cn.example").await;
    let fields = [
        ("substance", "NPP"),
        ("quantity", "25 kg"),
        ("exporter_name", "Acme Chemicals"),
        ("consignee_name", "Importadora SA"),
        ("consignee_address", "Calle 1, CDMX"),
        ("importing_country", "MX"),
        ("transit_countries", "US"),
        ("expected_date", "2027-01-15"),
    ];
    // Without and with a wrong token: 403, nothing sent.
    let r = form(&cn, &w, "/notifications", &fields).await;
    assert_eq!(r.status().as_u16(), 403);
    let mut wrong = fields.to_vec();
    wrong.push(("csrf_token", "not-the-token"));
    assert_eq!(
        form(&cn, &w, "/notifications", &wrong)
            .await
            .status()
            .as_u16(),
        403
    );
    let listed = w
        .get(
            "/api/v1/notifications?mailbox=outbox",
            &w.token("cn", Role::Officer),
        )
        .await;
    assert_eq!(listed.body["total"], 0);
    // With it: sent, and the browser is sent to the new notification.
    let mut ok = fields.to_vec();
    ok.push(("csrf_token", &token));
    let r = form(&cn, &w, "/notifications", &ok).await;
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.starts_with("/notifications/pen_"), "{location}");
    let (code, body) = page(&cn, &w, &location).await;
    assert_eq!(code, 200);
    assert!(body.contains("Acme Chemicals") && body.contains("state-sent"));

    // A form error comes back on the form, naming the field, with what was typed.
    let mut bad = ok.clone();
    bad.retain(|(k, _)| *k != "importing_country");
    bad.push(("importing_country", "XX"));
    let r = form(&cn, &w, "/notifications", &bad).await;
    assert_eq!(r.status().as_u16(), 400);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("role=\"alert\"")
            && body.contains("aria-invalid=\"true\"")
            && body.contains("Importadora SA")
    );

    // The importing authority replies; its token is its own session's, not the exporter's.
    let id = location.trim_start_matches("/notifications/").to_string();
    let mx = client();
    let mx_token = sign_in(&mx, &w, "officer@mx.example").await;
    let path = format!("/notifications/{id}/object");
    let r = form(
        &mx,
        &w,
        &path,
        &[("text", "end user unknown"), ("csrf_token", &token)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 403, "another session's token");
    let r = form(
        &mx,
        &w,
        &path,
        &[("text", "end user unknown"), ("csrf_token", &mx_token)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, body) = page(&cn, &w, &location).await;
    assert!(body.contains("state-objection") && body.contains("end user unknown"));
    // A second reply: 409 on the page, with the state that won.
    let r = form(
        &mx,
        &w,
        &format!("/notifications/{id}/no_objection"),
        &[("csrf_token", &mx_token)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 409);

    // Tenant rules: the US authority neither lists nor opens it (a 404 like a missing record).
    let us = client();
    sign_in(&us, &w, "officer@us.example").await;
    let (code, body) = page(&us, &w, &location).await;
    assert_eq!(code, 404);
    assert!(!body.contains("Acme Chemicals"));
    let (_, body) = page(&us, &w, "/notifications?mailbox=all").await;
    assert!(!body.contains(&id));
    // A company does not see authorities' notifications either.
    let co = client();
    sign_in(&co, &w, "officer@company.example").await;
    let (code, _) = page(&co, &w, &location).await;
    assert_eq!(code, 404);

    // Sign-out needs the token too, then ends the session.
    let r = form(&cn, &w, "/logout", &[]).await;
    assert_eq!(r.status().as_u16(), 403);
    let r = form(&cn, &w, "/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status().as_u16(), 303);
    let r = cn
        .get(format!("{}/notifications", w.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 303, "signed out");
}

#[tokio::test]
async fn licences_incidents_and_the_dashboard() {
    let w = World::sqlite().await;
    let co = client();
    let co_token = sign_in(&co, &w, "officer@company.example").await;
    let r = form(
        &co,
        &w,
        "/licences",
        &[
            ("substance", "NPP"),
            ("quantity", "25 kg"),
            ("consignee_name", "Importadora SA"),
            ("consignee_address", "Calle 1"),
            ("importing_country", "MX"),
            ("end_use", "pharmaceutical synthesis"),
            ("expected_date", "2027-02-01"),
            ("csrf_token", &co_token),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let lic = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let (_, body) = page(&co, &w, &lic).await;
    assert!(
        body.contains("state-submitted") && body.contains("licence-export"),
        "the trade check is attached"
    );

    // The licensing authority refuses without a reason (the API's 400 on the form), then approves.
    let cn = client();
    let cn_token = sign_in(&cn, &w, "officer@cn.example").await;
    let r = form(
        &cn,
        &w,
        &format!("{lic}/refuse"),
        &[("csrf_token", &cn_token)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.expect("body").contains("role=\"alert\""));
    let r = form(
        &cn,
        &w,
        &format!("{lic}/approve"),
        &[
            ("licence_number", "CN-2027-001"),
            ("valid_until", "2027-12-31"),
            ("csrf_token", &cn_token),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    // Send the notification from the licence: the PEN outcome shows on the licence page.
    let lic_id = lic.trim_start_matches("/licences/");
    let r = form(
        &cn,
        &w,
        "/notifications",
        &[("licence_id", lic_id), ("csrf_token", &cn_token)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, body) = page(&co, &w, &lic).await;
    assert!(
        body.contains("state-approved")
            && body.contains("CN-2027-001")
            && body.contains("state-sent")
    );

    // Incidents: report, comment, list.
    let r = form(
        &cn,
        &w,
        "/incidents",
        &[
            ("kind", "seizure"),
            ("substances", "NPP, 4-piperidone"),
            ("quantity", "250 kg"),
            ("route", "CN, MX"),
            ("occurred_on", "2026-03-01"),
            ("description", "Drums declared as paint"),
            ("csrf_token", &cn_token),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let inc = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let r = form(
        &cn,
        &w,
        &format!("{inc}/comments"),
        &[
            ("body", "Consignee also in case 12"),
            ("csrf_token", &cn_token),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, body) = page(&cn, &w, &inc).await;
    assert!(body.contains("Drums declared as paint") && body.contains("Consignee also in case 12"));
    let (_, body) = page(&cn, &w, "/incidents?kind=seizure").await;
    assert!(body.contains(inc.trim_start_matches("/incidents/")));
    // Another tenant's incident, not shared: 404.
    let (code, _) = page(&co, &w, &inc).await;
    assert_eq!(code, 404);

    // The dashboard: tiles and three charts, with their data as CSV.
    let (code, body) = page(&cn, &w, "/").await;
    assert_eq!(code, 200);
    assert_eq!(body.matches("<figure class=\"chart\"").count(), 5);
    assert!(body.contains("c-months-t") && body.contains("c-substances-t"));
    let r = cn
        .get(format!("{}/dashboard/incidents-by-substance.csv", w.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let text = r.text().await.expect("csv");
    assert!(
        text.starts_with("substance_id,substance,incidents\r\n") && text.contains("npp,"),
        "{text}"
    );
    let r = cn
        .get(format!("{}/dashboard/notifications-by-month.csv", w.base))
        .send()
        .await
        .expect("GET");
    let text = r.text().await.expect("csv");
    assert_eq!(text.lines().count(), 1 + 7 * 12, "{text}");
    assert!(text.lines().any(|l| l.ends_with(",sent,1")), "{text}");
    let r = cn
        .get(format!("{}/dashboard/nothing.csv", w.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 404);
    // The company's charts count only what it may see: no incidents.
    let r = co
        .get(format!("{}/dashboard/incidents-by-substance.csv", w.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(
        r.text().await.expect("csv"),
        "substance_id,substance,incidents\r\n"
    );
    // Visitors get no CSV.
    let r = client()
        .get(format!("{}/dashboard/reply-times.csv", w.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 303);
}

#[tokio::test]
async fn pages_speak_spanish_and_screen_texts() {
    let w = World::sqlite().await;
    let c = client();
    let r = c
        .get(format!("{}/lang/es?next=/lookup%3Fq%3DNPP", w.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 303);
    let (_, body) = page(&c, &w, "/lookup?q=NPP").await;
    assert!(body.contains("<html lang=\"es\">") && body.contains("Consultar una sustancia"));
    // Accept-Language alone.
    let r = client()
        .get(format!("{}/", w.base))
        .header("accept-language", "es-MX,es;q=0.9")
        .send()
        .await
        .expect("GET");
    assert!(r.text().await.expect("body").contains("Iniciar sesión"));

    // Screening: the token of the page, the spans highlighted, the text escaped.
    let (_, form_page) = page(&c, &w, "/screen").await;
    let token = csrf_of(&form_page);
    let text = "Vendo NPP <b>99%</b> CAS 39742-60-4, envío discreto";
    let r = form(&c, &w, "/screen", &[("text", text), ("csrf_token", &token)]).await;
    assert_eq!(r.status().as_u16(), 200);
    let body = r.text().await.expect("body");
    assert!(body.contains("<mark class=\"hl-substance\""), "{body}");
    assert!(body.contains("&lt;b&gt;99%&lt;/b&gt;") && !body.contains("<b>99%</b>"));
    let r = form(&c, &w, "/screen", &[("text", "  "), ("csrf_token", &token)]).await;
    assert_eq!(r.status().as_u16(), 422);
    let r = form(&c, &w, "/screen", &[("text", text)]).await;
    assert_eq!(r.status().as_u16(), 403);
}

const XSS: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";

/// The payload never comes back as markup: neither the script element nor the injected attribute.
fn assert_escaped(body: &str, what: &str) {
    assert!(
        !body.contains("<script>alert(1)"),
        "{what}: script not escaped"
    );
    assert!(!body.contains("<img src=x"), "{what}: <img> not escaped");
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string()
}

#[tokio::test]
async fn entities_pages_follow_the_api_rules_and_escape_what_was_typed() {
    let w = World::sqlite().await;
    // Visitors are sent to sign in.
    let r = client()
        .get(format!("{}/entities", w.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 303);

    let cn = client();
    let token = sign_in(&cn, &w, "officer@cn.example").await;
    let (code, _) = page(&cn, &w, "/entities/new").await;
    assert_eq!(code, 200);
    let name = format!("Hubei Amarvel {XSS}");
    let fields = [
        ("kind", "company"),
        ("name", name.as_str()),
        ("country", "CN"),
        ("it_0", "web_shop"),
        ("iv_0", XSS),
        ("it_1", "email"),
        ("iv_1", ""),
    ];
    // No token: refused, nothing recorded.
    assert_eq!(
        form(&cn, &w, "/entities", &fields).await.status().as_u16(),
        403
    );
    let listed = w
        .get("/api/v1/entities", &w.token("cn", Role::Officer))
        .await;
    assert_eq!(listed.body["total"], 0);
    // A bad country comes back on the form, with what was typed (escaped).
    let mut bad = fields.to_vec();
    bad.retain(|(k, _)| *k != "country");
    bad.push(("country", "ZZ"));
    bad.push(("csrf_token", &token));
    let r = form(&cn, &w, "/entities", &bad).await;
    assert_eq!(r.status().as_u16(), 400);
    let body = r.text().await.expect("body");
    assert!(body.contains("role=\"alert\"") && body.contains("aria-invalid=\"true\""));
    assert_escaped(&body, "rejected entity form");
    // With the token: recorded, and the browser is sent to it.
    let mut ok = fields.to_vec();
    ok.push(("csrf_token", &token));
    let r = form(&cn, &w, "/entities", &ok).await;
    assert_eq!(r.status().as_u16(), 303);
    let ent = location(&r);
    assert!(ent.starts_with("/entities/ent_"), "{ent}");
    let id = ent.trim_start_matches("/entities/").to_string();
    let (code, body) = page(&cn, &w, &ent).await;
    assert_eq!(code, 200);
    assert_escaped(&body, "entity page");
    assert!(body.contains("Hubei Amarvel &lt;script&gt;"), "{body}");
    assert!(body.contains("id=\"identifiers\""), "the identifier table");
    assert!(body.contains("action=\"/entities/") && body.contains("/watch\""));
    // The list, with its search.
    let (_, body) = page(&cn, &w, "/entities?q=amarvel").await;
    assert!(body.contains(&id));
    assert_escaped(&body, "entity list");
    let (_, body) = page(&cn, &w, "/entities?q=somethingelse").await;
    assert!(!body.contains(&id));
    // Watch with the payload as the reason; the list and the page show the status.
    let r = form(
        &cn,
        &w,
        &format!("{ent}/watch"),
        &[("reason", XSS), ("csrf_token", &token)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, body) = page(&cn, &w, &ent).await;
    assert!(body.contains("id=\"watch-status\"") && body.contains("/unwatch\""));
    assert_escaped(&body, "watch reason");
    let (_, body) = page(&cn, &w, "/entities").await;
    assert!(body.contains("badge overdue"), "marked on the list");
    // Twice: the API's 409, on the page.
    let r = form(
        &cn,
        &w,
        &format!("{ent}/watch"),
        &[("reason", "again"), ("csrf_token", &token)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 409);
    let r = form(
        &cn,
        &w,
        &format!("{ent}/unwatch"),
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let watch = w
        .get("/api/v1/watchlist", &w.token("cn", Role::Officer))
        .await;
    assert_eq!(watch.body["total"], 0);

    // Correcting it: the form comes filled in; no token, nothing changes; a bad country comes back on
    // the form; with the token, the change is saved, escaped on the page, and audited with the before.
    let edit = format!("{ent}/edit");
    let (code, body) = page(&cn, &w, &edit).await;
    assert_eq!(code, 200);
    assert!(body.contains(&format!("action=\"{edit}\"")), "{body}");
    assert_escaped(&body, "entity edit form");
    let fixed = [
        ("name", "Hubei Amarvel Biotech Co., Ltd."),
        ("country", "CN"),
        ("it_0", "email"),
        ("iv_0", "sales@amarvel.example"),
        ("it_1", "messenger"),
        ("iv_1", XSS),
    ];
    assert_eq!(form(&cn, &w, &edit, &fixed).await.status().as_u16(), 403);
    let mut bad = fixed.to_vec();
    bad[1] = ("country", "ZZ");
    bad.push(("csrf_token", &token));
    let r = form(&cn, &w, &edit, &bad).await;
    assert_eq!(r.status().as_u16(), 400);
    let body = r.text().await.expect("body");
    assert!(body.contains("aria-invalid=\"true\""));
    assert_escaped(&body, "rejected entity correction");
    let mut ok = fixed.to_vec();
    ok.push(("csrf_token", &token));
    let r = form(&cn, &w, &edit, &ok).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), ent);
    let stored = w
        .get(
            &format!("/api/v1/entities/{id}"),
            &w.token("cn", Role::Officer),
        )
        .await;
    assert_eq!(stored.body["name"], "Hubei Amarvel Biotech Co., Ltd.");
    assert_eq!(stored.body["identifiers"][1]["value"], XSS);
    let (_, body) = page(&cn, &w, &ent).await;
    assert_escaped(&body, "corrected entity page");
    let (_, body) = page(&cn, &w, "/audit?entity=entity").await;
    assert!(body.contains(&id), "the correction is in the audit log");

    // A reviewer reads but does not record or watch.
    let rev = client();
    let rev_token = sign_in(&rev, &w, "reviewer@cn.example").await;
    let (code, body) = page(&rev, &w, &ent).await;
    assert_eq!(code, 200);
    assert!(!body.contains("/watch\""), "no watch form for a reviewer");
    assert_eq!(page(&rev, &w, "/entities/new").await.0, 403);
    assert!(!body.contains("/edit\""), "no edit link for a reviewer");
    assert_eq!(page(&rev, &w, &edit).await.0, 403);
    let mut rev_edit = fixed.to_vec();
    rev_edit.push(("csrf_token", &rev_token));
    assert_eq!(
        form(&rev, &w, &edit, &rev_edit).await.status().as_u16(),
        403
    );
    let mut rev_fields = fields.to_vec();
    rev_fields.push(("csrf_token", &rev_token));
    assert_eq!(
        form(&rev, &w, "/entities", &rev_fields)
            .await
            .status()
            .as_u16(),
        403
    );
    let r = form(
        &rev,
        &w,
        &format!("{ent}/watch"),
        &[("reason", "x"), ("csrf_token", &rev_token)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 403);

    // Another authority neither opens nor lists it; a company records its own but keeps no watch list.
    let mx = client();
    sign_in(&mx, &w, "officer@mx.example").await;
    let (code, body) = page(&mx, &w, &ent).await;
    assert_eq!(code, 404);
    assert!(!body.contains("Amarvel"));
    let (_, body) = page(&mx, &w, "/entities?q=amarvel").await;
    assert!(!body.contains(&id) && !body.contains("Amarvel"));
    assert_eq!(page(&mx, &w, &edit).await.0, 404);
    let co = client();
    let co_token = sign_in(&co, &w, "officer@company.example").await;
    let r = form(
        &co,
        &w,
        "/entities",
        &[
            ("kind", "person"),
            ("name", "Li Wei"),
            ("csrf_token", &co_token),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let co_ent = location(&r);
    let (_, body) = page(&co, &w, &co_ent).await;
    assert!(!body.contains("/watch\""), "no watch list for a company");
    let r = form(
        &co,
        &w,
        &format!("{co_ent}/watch"),
        &[("reason", "x"), ("csrf_token", &co_token)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 403);
    let (code, _) = page(&co, &w, &ent).await;
    assert_eq!(code, 404, "the company does not see the authority's entity");
}

#[tokio::test]
async fn the_registry_browser_shows_the_lists_as_they_stood() {
    let w = World::sqlite().await;
    // A control with a known start date, from the registry itself: listed from that day, not the day before.
    let reg = pw_registry::Registry::embedded().expect("registry");
    let (s, c) = reg
        .substances()
        .iter()
        .flat_map(|s| s.controls.iter().map(move |c| (s, c)))
        .find(|(_, c)| c.effective.is_some() && c.end.is_none() && c.jurisdiction.len() == 2)
        .expect("a dated control");
    let day = c.effective.expect("date");
    let before = day.pred_opt().expect("day before");
    let link = format!("/substances/{}?as_of=", s.id);
    let path = |d: chrono::NaiveDate| format!("/registry/{}?as_of={d}", c.jurisdiction);
    let (code, body) = page(&client(), &w, &path(day)).await;
    assert_eq!(code, 200);
    assert!(body.contains(&link), "{} listed on {day}", s.id);
    assert!(body.contains(reg.version()), "the registry version");
    let list = reg.list(&c.jurisdiction, &c.list).expect("list");
    assert!(body.contains(&format!("id=\"list-{}\"", list.id)));
    // The day before, this control is not in force (another control of the same substance may be).
    let earlier_in_force = s
        .controls
        .iter()
        .any(|x| x.jurisdiction == c.jurisdiction && x.in_force(before));
    let (_, body) = page(&client(), &w, &path(before)).await;
    assert_eq!(
        body.contains(&link),
        earlier_in_force,
        "{} on {before}",
        s.id
    );
    // The index: every jurisdiction, linked with the date.
    let (code, body) = page(&client(), &w, &format!("/registry?as_of={day}")).await;
    assert_eq!(code, 200);
    for j in reg.jurisdictions().keys() {
        assert!(body.contains(&format!("/registry/{j}?as_of={day}")), "{j}");
    }
    // Bad input.
    let (code, body) = page(&client(), &w, "/registry?as_of=yesterday").await;
    assert_eq!(code, 400);
    assert!(body.contains("aria-invalid=\"true\""));
    assert_eq!(page(&client(), &w, "/registry/ZZ").await.0, 404);
    let (code, body) = page(&client(), &w, &format!("/registry?as_of={XSS}")).await;
    assert_eq!(code, 400);
    assert_escaped(&body, "registry as_of");
}

#[tokio::test]
async fn the_audit_log_shows_an_authority_its_own_rows_only() {
    let w = World::sqlite().await;
    let ent = |name: &str| json!({"kind": "company", "name": name});
    let cn_ent = w
        .post(
            "/api/v1/entities",
            &w.token("cn", Role::Officer),
            &ent(&format!("Shanghai {XSS}")),
        )
        .await;
    assert_eq!(cn_ent.status, 201);
    let cn_id = cn_ent.body["id"].as_str().expect("id").to_string();
    let mx_ent = w
        .post(
            "/api/v1/entities",
            &w.token("mx", Role::Officer),
            &ent("Monterrey Quimica"),
        )
        .await;
    let mx_id = mx_ent.body["id"].as_str().expect("id").to_string();
    // Append the rows to the transparency log, so the page shows leaf indexes.
    let signer = pw_ledger::LogSigner::generate("pwatch.test/web")
        .expect("key")
        .0;
    w.store.ledger_drain(&signer).await.expect("drain");

    let cn = client();
    sign_in(&cn, &w, "reviewer@cn.example").await;
    let (code, body) = page(&cn, &w, "/audit").await;
    assert_eq!(code, 200);
    assert!(body.contains(&cn_id), "its own row");
    assert!(!body.contains(&mx_id), "no other authority's row");
    assert!(!body.contains("Monterrey"));
    assert_escaped(&body, "audit detail");
    assert!(body.contains(&format!("href=\"/entities/{cn_id}\"")));
    let leaf = w
        .store
        .ledger_log_ref("entity", &cn_id)
        .await
        .expect("log ref")
        .and_then(|l| l.leaf_index)
        .expect("logged");
    assert!(
        body.contains(&format!("<td class=\"num\">{leaf}</td>")),
        "leaf {leaf} shown"
    );
    assert!(body.contains("href=\"/audit\""), "in the navigation");
    // Filters: by kind, by date; bad dates are named.
    let (_, body) = page(&cn, &w, "/audit?entity=licence").await;
    assert!(!body.contains(&cn_id));
    let (_, body) = page(&cn, &w, "/audit?entity=entity&from=2000-01-01").await;
    assert!(body.contains(&cn_id));
    let (_, body) = page(&cn, &w, "/audit?to=2000-01-01").await;
    assert!(!body.contains(&cn_id));
    let (code, body) = page(&cn, &w, "/audit?from=notadate").await;
    assert_eq!(code, 400);
    assert!(body.contains("aria-invalid=\"true\""));
    let (code, _) = page(&cn, &w, "/audit?entity=x%27%20OR%201%3D1").await;
    assert_eq!(code, 422);
    // Paging: one row per page is not offered, but an offset past the end shows nothing.
    let (_, body) = page(&cn, &w, "/audit?offset=1000").await;
    assert!(!body.contains(&cn_id));
    // The other authority sees its own; a company is refused and has no link; visitors sign in.
    let mx = client();
    sign_in(&mx, &w, "officer@mx.example").await;
    let (_, body) = page(&mx, &w, "/audit").await;
    assert!(body.contains(&mx_id) && !body.contains(&cn_id));
    let co = client();
    sign_in(&co, &w, "officer@company.example").await;
    let (code, body) = page(&co, &w, "/audit").await;
    assert_eq!(code, 403);
    assert!(!body.contains("href=\"/audit\""));
    assert_eq!(
        client()
            .get(format!("{}/audit", w.base))
            .send()
            .await
            .expect("GET")
            .status()
            .as_u16(),
        303
    );
}

#[tokio::test]
async fn classify_draws_the_atoms_a_class_rule_matched() {
    let w = World::sqlite().await;
    // A golden example of a class rule, from the registry itself.
    let reg = pw_registry::Registry::embedded().expect("registry");
    let today = chrono::Utc::now().date_naive();
    let (rule, example) = reg
        .class_rules()
        .iter()
        .filter(|r| r.in_force(today))
        .flat_map(|r| r.examples.iter().map(move |e| (r, e)))
        .find(|(_, e)| e.expect == pw_registry::Expectation::Match)
        .expect("an example in a class");
    let q = format!("/classify?q={}", urlenc(&example.smiles));
    let (code, body) = page(&client(), &w, &q).await;
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains(&format!("id=\"rule-{}\"", rule.id)),
        "{}",
        rule.id
    );
    let wording = rule
        .wording
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(body.contains(wording.trim()), "the legal wording");
    // The highlighted drawing of that rule, and the plain one: both SVG, and they differ.
    let marker = "/classify/structure.svg?";
    let srcs: Vec<String> = body
        .match_indices(marker)
        .map(|(i, _)| {
            let rest = &body[i..];
            rest[..rest.find('"').expect("end")].replace("&amp;", "&")
        })
        .collect();
    let with_rule = srcs
        .iter()
        .find(|s| s.contains(&format!("rule={}", urlenc(&rule.id))))
        .expect("a drawing for the rule");
    let plain = srcs.iter().find(|s| !s.contains("rule=")).expect("plain");
    let base = w.base.clone();
    let get = |p: String| {
        let base = base.clone();
        async move {
            let r = reqwest::get(format!("{base}{p}")).await.expect("GET");
            assert_eq!(r.status().as_u16(), 200, "{p}");
            assert_eq!(r.headers()["content-type"], "image/svg+xml");
            r.text().await.expect("svg")
        }
    };
    let (a, b) = (get(with_rule.clone()).await, get(plain.clone()).await);
    assert!(a.starts_with("<svg") || a.contains("<svg"));
    assert_ne!(a, b, "the rule's atoms are highlighted");
    // A rule that did not match draws nothing.
    let r = reqwest::get(format!("{}{plain}&rule=no-such-rule", w.base))
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 404);
    // A name the registry knows is read as its structure.
    let (code, body) = page(&client(), &w, "/classify?q=NPP").await;
    assert_eq!(code, 200);
    assert!(body.contains("href=\"/substances/npp\""));
    // Bad input: the field named, the payload escaped.
    let (code, body) = page(&client(), &w, &format!("/classify?q={}", urlenc(XSS))).await;
    assert_eq!(code, 422);
    assert!(body.contains("aria-invalid=\"true\""));
    assert_escaped(&body, "classify q");
    let (code, _) = page(&client(), &w, "/classify?q=CCO&as_of=never").await;
    assert_eq!(code, 400);
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A `multipart/form-data` body: (name, filename, content).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----pwatchtest7d1";
    let mut b = Vec::new();
    for (name, file, data) in parts {
        b.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => b.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => b.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

#[tokio::test]
async fn screening_uploads_and_downloads_files() {
    let w = World::sqlite().await;
    let c = client();
    let (_, screen) = page(&c, &w, "/screen").await;
    assert!(screen.contains("enctype=\"multipart/form-data\""));
    let token = csrf_of(&screen);
    let upload = |parts: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
        let c = c.clone();
        let base = w.base.clone();
        async move {
            let refs: Vec<(&str, Option<&str>, &[u8])> = parts
                .iter()
                .map(|(n, f, d)| (*n, *f, d.as_slice()))
                .collect();
            let (ct, body) = multipart(&refs);
            c.post(format!("{base}/screen/upload"))
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .expect("POST")
        }
    };
    let csv = format!(
        "id,text\r\nad-1,\"Vendo NPP 99% CAS 39742-60-4, envío discreto {}\"\r\nad-2,acetone for nail salons\r\n",
        XSS.replace('"', "\"\"")
    );
    let tok = || token.clone().into_bytes();
    // The page: a row per record, spans highlighted, the payload escaped, a download form.
    let r = upload(vec![
        ("csrf_token", None, tok()),
        ("file", Some("ads.csv"), csv.clone().into_bytes()),
    ])
    .await;
    assert_eq!(r.status().as_u16(), 200);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"upload-results\""), "{body}");
    assert!(body.contains("<mark class=\"hl-substance\"") && body.contains("ad-2"));
    assert!(body.contains("label-offer"));
    assert_escaped(&body, "uploaded record");
    assert!(body.contains("action=\"/screen/download\""));
    // Download the page's records as CSV and JSONL.
    let records = {
        let key = "name=\"records\" value=\"";
        let i = body.find(key).expect("records") + key.len();
        let rest = &body[i..];
        rest[..rest.find('"').expect("end")]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let token_now = csrf_of(&body);
    let r = form(
        &c,
        &w,
        "/screen/download",
        &[
            ("records", &records),
            ("format", "csv"),
            ("csrf_token", &token_now),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/csv")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .contains("screening.csv")
    );
    let text = r.text().await.expect("csv");
    assert!(
        text.starts_with("id,label,score,substances,red_flags"),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("ad-1,offer,")), "{text}");
    assert_eq!(text.lines().count(), 3);
    let r = form(
        &c,
        &w,
        "/screen/download",
        &[
            ("records", &records),
            ("format", "jsonl"),
            ("csrf_token", &token_now),
        ],
    )
    .await;
    let text = r.text().await.expect("jsonl");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "ad-1");
    assert_eq!(lines[0]["label"], "offer");
    // Without the token: refused.
    let r = form(
        &c,
        &w,
        "/screen/download",
        &[("records", &records), ("format", "csv")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 403);
    // JSONL straight to a file, a bad line reported, not fatal.
    let jsonl = b"{\"id\":\"x\",\"text\":\"NPP for sale\"}\nnot json\n".to_vec();
    let r = upload(vec![
        ("csrf_token", None, tok()),
        ("file", Some("ads.jsonl"), jsonl.clone()),
        ("output", None, b"jsonl".to_vec()),
    ])
    .await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/x-ndjson")
    );
    assert_eq!(r.text().await.expect("jsonl").lines().count(), 1);
    let r = upload(vec![
        ("csrf_token", None, tok()),
        ("file", Some("ads.jsonl"), jsonl),
    ])
    .await;
    let body = r.text().await.expect("page");
    assert!(body.contains("line 2"), "the bad line is named");
    // Refusals: no token, no file, a format it cannot read, too large (a page that says so).
    let r = upload(vec![("file", Some("ads.csv"), csv.clone().into_bytes())]).await;
    assert_eq!(r.status().as_u16(), 403);
    let r = upload(vec![
        ("csrf_token", None, tok()),
        ("file", Some(""), vec![]),
    ])
    .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = upload(vec![
        ("csrf_token", None, tok()),
        ("file", Some("ads.txt"), b"NPP".to_vec()),
    ])
    .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = upload(vec![
        ("csrf_token", None, tok()),
        ("file", Some("ads.csv"), b"id,body\n1,NPP\n".to_vec()),
    ])
    .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.expect("page").contains("text"));
    let big = vec![b'a'; 3 * 1024 * 1024];
    let r = upload(vec![
        ("csrf_token", None, tok()),
        ("file", Some("big.csv"), big),
    ])
    .await;
    assert_eq!(r.status().as_u16(), 413);
    let body = r.text().await.expect("page");
    assert!(
        body.contains("MiB") && body.contains("role=\"alert\""),
        "{body}"
    );
}

#[tokio::test]
async fn the_dashboard_charts_routes_and_screening_findings() {
    let w = World::sqlite().await;
    w.seed_dashboard().await;
    // An online offer reported from a screening: a finding.
    let r = w
        .post(
            "/api/v1/incidents/from-screening",
            &w.token("cn", Role::Officer),
            &json!({"text": "Hot sale NPP CAS 39742-60-4, safe delivery to Mexico, payment in bitcoin", "route": ["CN", "MX"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cn = client();
    sign_in(&cn, &w, "officer@cn.example").await;
    let (code, body) = page(&cn, &w, "/").await;
    assert_eq!(code, 200);
    assert_eq!(body.matches("<figure class=\"chart\"").count(), 5);
    assert!(body.contains("c-routes-t") && body.contains("c-findings-t"));
    assert!(body.contains("id=\"top-routes\"") && body.contains("CN → MX"));
    let csv = |name: &'static str| {
        let c = cn.clone();
        let base = w.base.clone();
        async move {
            let r = c
                .get(format!("{base}/dashboard/{name}.csv"))
                .send()
                .await
                .expect("GET");
            assert_eq!(r.status().as_u16(), 200, "{name}");
            r.text().await.expect("csv")
        }
    };
    // Five incidents went CN → MX (four seeded, one from the screening).
    let text = csv("incidents-by-route").await;
    assert_eq!(text, "origin,destination,incidents\r\nCN,MX,5\r\n");
    let text = csv("screening-findings-by-month").await;
    assert_eq!(text.lines().count(), 1 + 3 * 12, "{text}");
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    assert!(text.contains(&format!("{month},offer,1\r\n")), "{text}");
    // Top routes: notifications CN → MX (4 seeded) and CN → US (3), incidents CN → MX (5).
    let text = csv("top-routes").await;
    assert!(
        text.starts_with(
            "origin,destination,notifications,incidents\r\nCN,MX,4,5\r\nCN,US,3,0\r\n"
        ),
        "{text}"
    );
    // A company sees none of it.
    let co = client();
    sign_in(&co, &w, "officer@company.example").await;
    let r = co
        .get(format!("{}/dashboard/top-routes.csv", w.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(
        r.text().await.expect("csv"),
        "origin,destination,notifications,incidents\r\n"
    );
}
