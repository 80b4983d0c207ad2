//! `calltop live --headless --metrics ADDR` scraped by a real Prometheus (Debian's
//! package; CI installs it): the figures Prometheus stores equal the simulator's own
//! count of the calls it made. Fails (not skips) when prometheus is missing.

use crate::support as live_support;

use live_support::*;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A free TCP port on loopback.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn prometheus_bin() -> &'static str {
    for p in ["/usr/bin/prometheus", "/usr/local/bin/prometheus"] {
        if std::path::Path::new(p).exists() {
            return p;
        }
    }
    panic!("prometheus is required for this test: run scripts/test, which installs it (or apt-get install prometheus)");
}

/// One instant query's value (the first series), if any.
async fn query(api: &str, q: &str) -> Option<f64> {
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{api}/api/v1/query"))
        .query(&[("query", q)])
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_figures_the_simulator_made() {
    let prometheus = prometheus_bin();
    let mut cfg = sim_config(61);
    cfg.calls_per_minute = 600.0;
    cfg.time_scale = 0.02;
    let sim = start_sim(cfg).await;
    // Only what happens once calltop listens is counted: the sim falls quiet first.
    sim.stop_new_calls();
    wait_until(60, "the sim to fall quiet", || sim.active_calls() == 0).await;
    let calls_before = sim.call_states().len();
    let events_before = sim.emitted_uuids().len();
    let metrics_port = free_port();
    let logs = tempfile::tempdir().unwrap();
    let c = sim.credentials();
    let _live = Killed(
        Command::new(env!("CARGO_BIN_EXE_calltop"))
            .args(["live", "--headless", "--metrics"])
            .arg(format!("127.0.0.1:{metrics_port}"))
            .env("RINGCENTRAL_SERVER_URL", &c.server_url)
            .env("RINGCENTRAL_CLIENT_ID", &c.client_id)
            .env("RINGCENTRAL_CLIENT_SECRET", &c.client_secret)
            .env("RINGCENTRAL_JWT", &c.jwt)
            .env("CALLTOP_LOG_DIR", logs.path())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: calltop\n    static_configs:\n      - targets: ['127.0.0.1:{metrics_port}']\n"
        ),
    )
    .unwrap();
    let web_port = free_port();
    let _prom = Killed(
        Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{web_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let api = format!("http://127.0.0.1:{web_port}");
    // calltop is subscribed: the calls start.
    let own = format!("http://127.0.0.1:{metrics_port}/metrics");
    let mut connected = false;
    for _ in 0..120 {
        let body = match reqwest::get(&own).await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if body.lines().any(|l| l == "calltop_connected 1") {
            connected = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(connected, "calltop live never said it was connected");
    sim.resume_new_calls();
    // Calls come and go; then no new calls, and every call ends.
    wait_until(30, "calls ending in the sim", || {
        sim.call_states()
            .iter()
            .filter(|c| {
                c.parties
                    .iter()
                    .all(|p| p.status.as_ref().is_some_and(|s| s.code.is_terminal()))
            })
            .count()
            >= 10
    })
    .await;
    sim.stop_new_calls();
    wait_until(60, "the sim to drain", || sim.active_calls() == 0).await;
    let made = (sim.call_states().len() - calls_before) as f64;
    let events = (sim.emitted_uuids().len() - events_before) as f64;
    // Prometheus, scraping every second, ends up with exactly the simulator's figures.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let (mut ended, mut histo, mut seen, mut up) = (None, None, None, None);
    while std::time::Instant::now() < deadline {
        ended = query(&api, "sum(calltop_calls_ended_total)").await;
        histo = query(&api, "calltop_call_ring_seconds_count").await;
        seen = query(&api, "calltop_events_total").await;
        up = query(&api, "calltop_connected").await;
        if ended == Some(made) && histo == Some(made) && seen == Some(events) && up == Some(1.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        ended,
        Some(made),
        "calls ended (every outcome) vs calls the sim made"
    );
    assert_eq!(histo, Some(made), "one ring observation per ended call");
    assert_eq!(
        seen,
        Some(events),
        "events received vs notifications the sim sent"
    );
    assert_eq!(up, Some(1.0), "connected");
    let calls_now = query(&api, "sum(calltop_calls)").await;
    assert_eq!(calls_now, Some(0.0), "no call in progress after the drain");
    sim.shutdown().await;
}
