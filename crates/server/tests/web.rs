//! The web UI over HTTP, without a browser: security headers, sign-in with the pre-session CSRF token,
//! CSRF refusals on every kind of form, tenant rules on the pages, languages, CSV downloads.
//! (`tests/browser.rs` drives the same pages in Chromium.)

mod support;

use pw_store::Role;
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
    assert_eq!(body.matches("<figure class=\"chart\"").count(), 3);
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
