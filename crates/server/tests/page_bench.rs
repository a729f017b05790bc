//! Page weight and server render time of the dashboard and the substance page (bench/README.md §
//! "Web UI"). Ignored by default; run in release mode:
//!
//! ```sh
//! cargo test --release -p pw-server --test page_bench -- --ignored --nocapture
//! ```
//!
//! A real server on a temporary SQLite file with the test world and the dashboard's seed data; a signed-in
//! client on loopback. Weight: the HTML plus everything the page loads (stylesheet, icon, structure
//! drawing), uncompressed. Time: wall time of one request on loopback (server render + HTTP), after a
//! warm-up; median and 95th percentile of `PAGE_BENCH_N` requests (default 200).

mod support;

use std::time::{Duration, Instant};

use support::World;

async fn bytes(c: &reqwest::Client, url: &str) -> usize {
    let r = c.get(url).send().await.expect("GET");
    assert!(r.status().is_success(), "{url}: {}", r.status());
    r.bytes().await.expect("body").len()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --release -- --ignored --nocapture"]
async fn page_weight_and_render_time() {
    let n: usize = std::env::var("PAGE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let w = World::sqlite().await;
    w.seed_dashboard().await;
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = c
        .get(format!("{}/login", w.base))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("body");
    let key = "name=\"csrf_token\" value=\"";
    let i = login.find(key).expect("token") + key.len();
    let token = &login[i..i + 64];
    let r = c
        .post(format!("{}/login", w.base))
        .form(&[
            ("email", "officer@cn.example"),
            ("password", "a long enough password"),
            ("csrf_token", token),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status().as_u16(), 303);

    let css = bytes(&c, &format!("{}/static/style.css", w.base)).await;
    let icon = bytes(&c, &format!("{}/static/favicon.svg", w.base)).await;
    let drawing = bytes(&c, &format!("{}/substances/npp/structure.svg", w.base)).await;
    println!("| page | HTML | + assets | total | median | p95 |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, path, extra) in [
        ("dashboard (signed in)", "/", css + icon),
        (
            "substance page (NPP)",
            "/substances/npp",
            css + icon + drawing,
        ),
    ] {
        let url = format!("{}{path}", w.base);
        let html = bytes(&c, &url).await;
        for _ in 0..20 {
            bytes(&c, &url).await;
        }
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            bytes(&c, &url).await;
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "| {name} | {:.1} KB | {:.1} KB | {:.1} KB | {:.2} ms | {:.2} ms |",
            html as f64 / 1024.0,
            extra as f64 / 1024.0,
            (html + extra) as f64 / 1024.0,
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3,
        );
    }
}
