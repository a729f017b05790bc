//! The web UI in a real browser: Debian's `chromium`, headless, driven through `chromedriver` with
//! `fantoccini`, against a real server on a temporary SQLite file with the test world of
//! `support/mod.rs`.
//!
//! Every page visited is checked for console errors (the browser log: a CSP violation, a failed load, a
//! script error). Skipped with a message when `chromedriver` is missing — except in CI (`CI` set), where
//! a missing browser fails the run. `PWATCH_SCREENSHOTS=DIR` writes the screenshots shown in the README.

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use support::World;

const PASSWORD: &str = "a long enough password";
const XSS: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";

/// One browser at a time: the machine has two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn find(name: &str, env: &str) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// A running chromedriver, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Option<Driver> {
    let (Some(driver), Some(_)) = (
        find("chromedriver", "CHROMEDRIVER"),
        find("chromium", "CHROMIUM"),
    ) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: chromium and chromium-driver must be installed (scripts/test installs them)"
        );
        eprintln!(
            "skipped: chromium or chromedriver not found (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    let d = Driver { child, url };
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = reqwest::get(format!("{}/status", d.url)).await
            && r.status().is_success()
        {
            return Some(d);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

async fn browser(d: &Driver) -> Client {
    let chromium = find("chromium", "CHROMIUM").expect("chromium");
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,900", "--lang=en-US", "--hide-scrollbars"],
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&d.url)
        .await
        .expect("browser session")
}

/// Chromedriver's browser log since the last call (`goog:loggingPrefs`).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// Console errors and CSP reports since the last call.
async fn console_errors(c: &Client) -> Vec<Value> {
    let log = c.issue_cmd(BrowserLog).await.expect("browser log");
    log.as_array()
        .map(|a| {
            a.iter()
                .filter(|e| {
                    e["level"] == "SEVERE"
                        || e["message"]
                            .as_str()
                            .is_some_and(|m| m.contains("Content Security Policy"))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Fail on any console error (or CSP report) of the page just shown.
async fn no_console_errors(c: &Client, what: &str) {
    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "{what}: console errors {errors:#?}");
}

/// The same, for a form answered with its 4xx status on purpose: that status is the only error allowed.
async fn only_the_form_status(c: &Client, what: &str) {
    let url = c.current_url().await.expect("url").to_string();
    let errors: Vec<Value> = console_errors(c)
        .await
        .into_iter()
        .filter(|e| {
            !(e["source"] == "network"
                && e["message"].as_str().is_some_and(|m| m.starts_with(&url)))
        })
        .collect();
    assert!(errors.is_empty(), "{what}: console errors {errors:#?}");
}

/// Go to a page of the server and check its console.
async fn visit(c: &Client, w: &World, path: &str) {
    c.goto(&format!("{}{path}", w.base)).await.expect("goto");
    no_console_errors(c, path).await;
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    e.clear().await.expect("clear");
    e.send_keys(text).await.expect("type");
}

/// Set a date input (typing into one depends on the browser's locale).
async fn set_date(c: &Client, css: &str, date: &str) {
    c.execute(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![json!(css), json!(date)],
    )
    .await
    .expect("set date");
}

/// Click something that loads a new page, and wait until the new page has loaded.
async fn click(c: &Client, css: &str) {
    let old = c.find(Locator::Css("html")).await.expect("html");
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
    let start = Instant::now();
    // The old document's root goes stale once the browser has moved to the next page.
    while old.tag_name().await.is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{css}: no new page"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    while c
        .execute("return document.readyState", vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(|s| s == "complete"))
        != Some(true)
    {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{css}: page did not load"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

async fn path_now(c: &Client) -> String {
    c.current_url().await.expect("url").path().to_string()
}

async fn sign_in(c: &Client, w: &World, email: &str) {
    visit(c, w, "/login").await;
    fill(c, "#f-email", email).await;
    fill(c, "#f-password", PASSWORD).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    no_console_errors(c, "after sign-in").await;
    assert!(
        text_of(c, "header .who").await.contains(email),
        "signed in as {email}"
    );
}

async fn sign_out(c: &Client) {
    click(c, "form[action='/logout'] button").await;
    assert_eq!(path_now(c).await, "/login");
}

async fn screenshot(c: &Client, name: &str, height: u32) {
    let Some(dir) = std::env::var_os("PWATCH_SCREENSHOTS") else {
        return;
    };
    c.set_window_size(1200, height).await.expect("window size");
    let png = c.screenshot().await.expect("screenshot");
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

/// No alert opened, no injected element in the page, and the payload shown as text.
async fn escaped(c: &Client, what: &str) {
    escaped_as(c, what, true).await;
}

/// [`escaped`]; `shown`: whether the page shows the payload as text (not only in a form field).
async fn escaped_as(c: &Client, what: &str, shown: bool) {
    assert!(c.get_alert_text().await.is_err(), "{what}: an alert opened");
    let injected = c
        .find_all(Locator::Css("img[src='x'], img[onerror]"))
        .await
        .expect("find");
    assert!(injected.is_empty(), "{what}: an <img> was injected");
    let scripts = c.find_all(Locator::Css("script")).await.expect("find");
    assert!(
        scripts.is_empty(),
        "{what}: a <script> element is in the page"
    );
    if shown {
        let body = text_of(c, "main").await;
        assert!(
            body.contains("<script>alert(1)</script>"),
            "{what}: the payload is not shown as text"
        );
    }
    no_console_errors(c, what).await;
}

macro_rules! session {
    ($w:ident, $c:ident) => {
        let _one = ONE_AT_A_TIME.lock().await;
        let Some(d) = driver().await else { return };
        let $w = World::sqlite().await;
        let $c = browser(&d).await;
    };
}

#[tokio::test]
async fn exporter_sends_importer_objects_exporter_sees_the_objection() {
    session!(w, c);
    sign_in(&c, &w, "officer@cn.example").await;
    visit(&c, &w, "/notifications?mailbox=outbox").await;
    click(&c, "a[href='/notifications/new']").await;
    fill(&c, "#f-substance", "NPP").await;
    fill(&c, "#f-quantity", "25 kg").await;
    fill(&c, "#f-exporter_name", "Acme Chemicals").await;
    fill(&c, "#f-consignee_name", "Importadora del Norte").await;
    fill(&c, "#f-consignee_address", "Calle 1, Monterrey").await;
    fill(&c, "#f-importing_country", "MX").await;
    set_date(&c, "#f-expected_date", "2027-01-15").await;
    click(&c, "form[action='/notifications'] button[type=submit]").await;
    no_console_errors(&c, "sent").await;
    let pen = path_now(&c).await;
    assert!(pen.starts_with("/notifications/pen_"), "{pen}");
    assert!(text_of(&c, "main").await.contains("Importadora del Norte"));
    c.find(Locator::Css(".badge.state-sent"))
        .await
        .expect("state sent");
    sign_out(&c).await;

    sign_in(&c, &w, "officer@mx.example").await;
    visit(&c, &w, "/notifications?mailbox=inbox").await;
    click(&c, &format!("a[href='{pen}']")).await;
    no_console_errors(&c, "inbox → notification").await;
    fill(&c, "#text-object", "The consignee is unknown to us").await;
    click(&c, &format!("form[action='{pen}/object'] button")).await;
    no_console_errors(&c, "objected").await;
    assert_eq!(path_now(&c).await, pen);
    c.find(Locator::Css(".badge.state-objection"))
        .await
        .expect("state objection");
    sign_out(&c).await;

    sign_in(&c, &w, "officer@cn.example").await;
    visit(&c, &w, "/notifications?mailbox=outbox").await;
    c.find(Locator::Css(".badge.state-objection"))
        .await
        .expect("objection in the outbox");
    click(&c, &format!("a[href='{pen}']")).await;
    assert_eq!(
        text_of(&c, "#reply").await,
        "The consignee is unknown to us"
    );
    c.close().await.expect("close");
}

#[tokio::test]
async fn lookup_leads_to_the_substance_page_with_its_drawing() {
    session!(w, c);
    visit(&c, &w, "/").await;
    fill(&c, "#q", "39742-60-4").await;
    click(&c, "form[action='/lookup'] button").await;
    no_console_errors(&c, "lookup").await;
    click(&c, "a.button[href='/substances/npp']").await;
    no_console_errors(&c, "substance page").await;
    assert_eq!(path_now(&c).await, "/substances/npp");
    assert!(text_of(&c, "h1").await.contains("N-Phenethyl-4-piperidone"));
    let width = c
        .execute("const i = document.querySelector('figure.structure img'); return i.complete ? i.naturalWidth : 0;", vec![])
        .await
        .expect("image");
    assert!(
        width.as_f64().unwrap_or(0.0) > 0.0,
        "the drawing loaded: {width}"
    );
    assert!(
        !c.find_all(Locator::Css("svg.timeline rect.band"))
            .await
            .expect("bands")
            .is_empty()
    );
    assert!(
        !c.find_all(Locator::Css(".badge.verified"))
            .await
            .expect("marks")
            .is_empty()
    );
    assert!(
        c.find_all(Locator::Css("main h3"))
            .await
            .expect("jurisdictions")
            .len()
            >= 3,
        "controls per jurisdiction"
    );
    screenshot(&c, "substance", 1300).await;
    // The same page in Spanish.
    click(&c, "a[hreflang='es']").await;
    no_console_errors(&c, "es").await;
    assert!(text_of(&c, "h2#controls").await.contains("Controles"));
    c.close().await.expect("close");
}

#[tokio::test]
async fn a_pasted_ad_is_screened_with_highlighted_spans() {
    session!(w, c);
    visit(&c, &w, "/screen").await;
    fill(
        &c,
        "#text",
        "Hot sale NPP CAS 39742-60-4, 99% purity, safe delivery to Mexico and USA, \
         customs clearance guaranteed. Contact via Wickr / Telegram, payment in bitcoin.",
    )
    .await;
    click(&c, "form[action='/screen'] button").await;
    no_console_errors(&c, "screened").await;
    let marks = c
        .find_all(Locator::Css("#screened mark.hl-substance"))
        .await
        .expect("marks");
    assert!(!marks.is_empty(), "a substance is highlighted");
    let mut texts = Vec::new();
    for m in &marks {
        texts.push(m.text().await.expect("text"));
    }
    assert!(
        texts
            .iter()
            .any(|t| t.contains("NPP") || t.contains("39742")),
        "{texts:?}"
    );
    assert!(
        !c.find_all(Locator::Css("#screened mark.hl-flag"))
            .await
            .expect("flags")
            .is_empty(),
        "a red flag is highlighted"
    );
    assert!(text_of(&c, "#verdict").await.contains("offer"));
    screenshot(&c, "screening", 1000).await;
    c.close().await.expect("close");
}

#[tokio::test]
async fn the_dashboard_draws_its_charts() {
    session!(w, c);
    w.seed_dashboard().await;
    sign_in(&c, &w, "officer@cn.example").await;
    visit(&c, &w, "/").await;
    for id in [
        "#chart-months",
        "#chart-replies",
        "#chart-substances",
        "#chart-routes",
        "#chart-findings",
    ] {
        c.find(Locator::Css(&format!("{id} svg")))
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        c.find(Locator::Css(&format!("{id} a[href$='.csv']")))
            .await
            .unwrap_or_else(|e| panic!("{id} CSV: {e}"));
    }
    let bars = c
        .find_all(Locator::Css("#chart-months rect"))
        .await
        .expect("bars");
    assert!(!bars.is_empty());
    screenshot(&c, "dashboard", 900).await;
    // Every page of the navigation renders without console errors, for this user.
    for path in [
        "/lookup",
        "/check?substance=NPP&from=CN&to=MX&quantity=25kg",
        "/screen",
        "/notifications",
        "/notifications?mailbox=all",
        "/notifications/new",
        "/licences",
        "/incidents",
        "/incidents/new",
        "/substances/4-piperidone",
        "/substances/norfentanyl",
        "/entities",
        "/entities/new",
        "/registry",
        "/registry/EU",
        "/classify?q=NPP",
        "/audit",
        "/log",
    ] {
        visit(&c, &w, path).await;
    }
    c.close().await.expect("close");
}

#[tokio::test]
async fn script_injection_in_every_free_text_field_comes_back_escaped() {
    session!(w, c);
    // Visitors' fields: lookup, trade check, screening.
    visit(&c, &w, "/").await;
    fill(&c, "#q", XSS).await;
    click(&c, "form[action='/lookup'] button").await;
    escaped_as(&c, "lookup q", false).await;
    visit(&c, &w, "/check").await;
    fill(&c, "#substance", XSS).await;
    fill(&c, "#from", "CN").await;
    fill(&c, "#to", "MX").await;
    fill(&c, "#quantity", XSS).await;
    click(&c, "form[action='/check'] button").await;
    escaped_as(&c, "check substance", false).await;
    visit(&c, &w, "/screen").await;
    fill(&c, "#text", &format!("NPP for sale {XSS}")).await;
    click(&c, "form[action='/screen'] button").await;
    escaped(&c, "screening text").await;

    // A company applies with the payload in every text field.
    sign_in(&c, &w, "officer@company.example").await;
    visit(&c, &w, "/licences/new").await;
    fill(&c, "#f-substance", "NPP").await;
    fill(&c, "#f-quantity", "25 kg").await;
    fill(&c, "#f-consignee_name", XSS).await;
    fill(&c, "#f-consignee_address", XSS).await;
    fill(&c, "#f-importing_country", "MX").await;
    fill(&c, "#f-end_use", XSS).await;
    set_date(&c, "#f-expected_date", "2027-03-01").await;
    click(&c, "form[action='/licences'] button[type=submit]").await;
    escaped(&c, "licence application").await;
    let lic = path_now(&c).await;
    assert!(lic.starts_with("/licences/lic_"), "{lic}");
    // A rejected form shows the payload back in its fields, escaped.
    visit(&c, &w, "/licences/new").await;
    fill(&c, "#f-substance", "NPP").await;
    fill(&c, "#f-quantity", "25 kg").await;
    fill(&c, "#f-consignee_name", XSS).await;
    fill(&c, "#f-consignee_address", XSS).await;
    fill(&c, "#f-importing_country", "ZZ").await;
    fill(&c, "#f-end_use", XSS).await;
    set_date(&c, "#f-expected_date", "2027-03-01").await;
    click(&c, "form[action='/licences'] button[type=submit]").await;
    assert!(c.get_alert_text().await.is_err());
    assert!(
        c.find_all(Locator::Css("img[src='x']"))
            .await
            .expect("find")
            .is_empty()
    );
    only_the_form_status(&c, "rejected application").await;
    c.find(Locator::Css("[role=alert]"))
        .await
        .expect("the error is shown");
    let kept = c
        .find(Locator::Css("#f-end_use"))
        .await
        .expect("field")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some(XSS), "the form keeps what was typed");
    sign_out(&c).await;

    // The authority refuses with the payload as the reason, then sends a notification with it.
    sign_in(&c, &w, "officer@cn.example").await;
    visit(&c, &w, &lic).await;
    escaped(&c, "licence seen by the authority").await;
    fill(&c, "#reason-refuse", XSS).await;
    click(&c, &format!("form[action='{lic}/refuse'] button")).await;
    escaped(&c, "refusal reason").await;
    visit(&c, &w, "/notifications/new").await;
    fill(&c, "#f-substance", "NPP").await;
    fill(&c, "#f-quantity", "25 kg").await;
    fill(&c, "#f-exporter_name", XSS).await;
    fill(&c, "#f-consignee_name", XSS).await;
    fill(&c, "#f-consignee_address", XSS).await;
    fill(&c, "#f-importing_country", "MX").await;
    set_date(&c, "#f-expected_date", "2027-01-15").await;
    click(&c, "form[action='/notifications'] button[type=submit]").await;
    escaped(&c, "notification").await;
    let pen = path_now(&c).await;
    visit(&c, &w, "/notifications?mailbox=outbox").await;
    escaped(&c, "outbox").await;
    // An incident with the payload in every text field, and a comment.
    visit(&c, &w, "/incidents/new").await;
    fill(&c, "#f-substances", "NPP").await;
    fill(&c, "#f-quantity", XSS).await;
    set_date(&c, "#f-occurred_on", "2026-05-01").await;
    fill(&c, "#f-description", XSS).await;
    fill(&c, "#f-modus_operandi", XSS).await;
    click(&c, "form[action='/incidents'] button[type=submit]").await;
    escaped(&c, "incident").await;
    fill(&c, "#f-body", XSS).await;
    click(&c, "form[action$='/comments'] button").await;
    escaped(&c, "comment").await;
    visit(&c, &w, "/incidents").await;
    escaped(&c, "incident list").await;
    sign_out(&c).await;

    // The importing authority objects with the payload; the reply shows on both sides.
    sign_in(&c, &w, "officer@mx.example").await;
    visit(&c, &w, &pen).await;
    escaped(&c, "notification seen by the importer").await;
    fill(&c, "#text-object", XSS).await;
    click(&c, &format!("form[action='{pen}/object'] button")).await;
    escaped(&c, "objection reason").await;
    assert_eq!(text_of(&c, "#reply").await, XSS);
    c.close().await.expect("close");
}

#[tokio::test]
async fn entities_registry_classify_audit_and_uploads_in_the_browser() {
    session!(w, c);
    // Visitors: the registry browser, a jurisdiction as it stood on a date, and classify.
    visit(&c, &w, "/registry").await;
    click(&c, "#jurisdictions a[href^='/registry/US']").await;
    no_console_errors(&c, "a jurisdiction").await;
    set_date(&c, "#as_of", "2015-01-01").await;
    click(&c, "form[action='/registry/US'] button").await;
    no_console_errors(&c, "as of 2015").await;
    assert!(
        text_of(&c, "#registry-version")
            .await
            .contains("2015-01-01")
    );
    visit(&c, &w, "/classify").await;
    fill(&c, "#cq", "NPP").await;
    click(&c, "form[action='/classify'] button").await;
    no_console_errors(&c, "classified").await;
    let width = c
        .execute("const i = document.querySelector('figure.structure img'); return i.complete ? i.naturalWidth : 0;", vec![])
        .await
        .expect("image");
    assert!(width.as_f64().unwrap_or(0.0) > 0.0, "the drawing loaded");
    // A file screened from the upload form (no script: a plain multipart form).
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("ads.jsonl");
    std::fs::write(
        &file,
        format!(
            "{}\n{}\n",
            json!({"id": "a1", "text": "Hot sale NPP CAS 39742-60-4, safe delivery, payment in bitcoin"}),
            json!({"id": "a2", "text": format!("acetone {XSS}")}),
        ),
    )
    .expect("write");
    visit(&c, &w, "/screen").await;
    c.find(Locator::Css("#file"))
        .await
        .expect("file input")
        .send_keys(&file.display().to_string())
        .await
        .expect("choose file");
    click(&c, "#upload button[type=submit]").await;
    escaped(&c, "uploaded file").await;
    assert!(
        !c.find_all(Locator::Css("#upload-results mark.hl-substance"))
            .await
            .expect("marks")
            .is_empty()
    );

    // An authority records an entity with the payload, watches it, and reads its audit log.
    sign_in(&c, &w, "officer@cn.example").await;
    visit(&c, &w, "/entities").await;
    click(&c, "a[href='/entities/new']").await;
    no_console_errors(&c, "new entity").await;
    fill(&c, "#f-name", &format!("Amarvel {XSS}")).await;
    fill(&c, "#f-country", "CN").await;
    fill(&c, "#f-iv_0", XSS).await;
    click(&c, "form[action='/entities'] button[type=submit]").await;
    escaped(&c, "entity").await;
    let ent = path_now(&c).await;
    assert!(ent.starts_with("/entities/ent_"), "{ent}");
    fill(&c, "#reason-watch", XSS).await;
    click(&c, &format!("form[action='{ent}/watch'] button")).await;
    escaped(&c, "watched").await;
    c.find(Locator::Css("#watch-status"))
        .await
        .expect("on the watch list");
    visit(&c, &w, "/entities").await;
    escaped(&c, "entity list").await;
    visit(&c, &w, "/audit").await;
    c.find(Locator::Css(&format!("#audit-rows a[href='{ent}']")))
        .await
        .expect("the entity's audit row");
    // Keyboard: the filter form is reachable and submits with Enter.
    c.find(Locator::Css("#afrom"))
        .await
        .expect("from")
        .send_keys("\u{E007}")
        .await
        .expect("enter");
    no_console_errors(&c, "audit filtered").await;
    c.close().await.expect("close");
}
