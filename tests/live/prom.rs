//! Helpers of the `--metrics` tests: `calltop live --headless --metrics` (the real
//! binary), a real Prometheus scraping it, and the text format read back into series.
#![allow(dead_code)]

use calltop::sim::SimHandle;
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when dropped.
pub struct Killed(pub Child);

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

/// `calltop live --headless --metrics 127.0.0.1:PORT` logged in to `sim`; the metrics URL.
pub fn live_with_metrics(sim: &SimHandle, logs: &std::path::Path) -> (Killed, u16) {
    let port = free_port();
    let c = sim.credentials();
    let child = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["live", "--headless", "--metrics"])
        .arg(format!("127.0.0.1:{port}"))
        .env("RINGCENTRAL_SERVER_URL", &c.server_url)
        .env("RINGCENTRAL_CLIENT_ID", &c.client_id)
        .env("RINGCENTRAL_CLIENT_SECRET", &c.client_secret)
        .env("RINGCENTRAL_JWT", &c.jwt)
        .env("CALLTOP_LOG_DIR", logs)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    (Killed(child), port)
}

/// A real Prometheus scraping `127.0.0.1:target` every second, its data in `dir`; the
/// base URL of its API. Fails (not skips) when prometheus is missing.
pub fn prometheus(target: u16, dir: &std::path::Path) -> (Killed, String) {
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: calltop\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n"
        ),
    )
    .unwrap();
    let web_port = free_port();
    let child = Command::new(prometheus_bin())
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{web_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Killed(child), format!("http://127.0.0.1:{web_port}"))
}

/// One instant query's value (the first series), if any.
pub async fn query(api: &str, q: &str) -> Option<f64> {
    query_all(api, q).await.into_iter().next().map(|s| s.value)
}

/// One series: its name, labels and value.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Every series an instant query returns (none when Prometheus does not answer).
pub async fn query_all(api: &str, q: &str) -> Vec<Series> {
    let answer = async {
        let v: serde_json::Value = reqwest::Client::new()
            .get(format!("{api}/api/v1/query"))
            .query(&[("query", q)])
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let result = v["data"]["result"].as_array()?.clone();
        Some(
            result
                .iter()
                .filter_map(|r| {
                    let mut labels: BTreeMap<String, String> =
                        serde_json::from_value(r["metric"].clone()).ok()?;
                    let name = labels.remove("__name__").unwrap_or_default();
                    labels.remove("job");
                    labels.remove("instance");
                    let value = r["value"][1].as_str()?.parse().ok()?;
                    Some(Series {
                        name,
                        labels,
                        value,
                    })
                })
                .collect(),
        )
    };
    answer.await.unwrap_or_default()
}

/// `GET /metrics` on `port`, read as series (empty when it does not answer).
pub async fn scrape(port: u16) -> Vec<Series> {
    let body = match reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => return Vec::new(),
    };
    parse(&body)
}

fn bad<T>(line: &str) -> T {
    panic!("not a sample line: {line:?}")
}

/// The samples of a text exposition (Prometheus / OpenMetrics): `name{k="v",…} value`.
/// Panics on a line it cannot read: the endpoint must write the format.
pub fn parse(body: &str) -> Vec<Series> {
    let mut out = Vec::new();
    for line in body.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name_end = line.find(['{', ' ']).unwrap_or_else(|| bad(line));
        let name = line[..name_end].to_string();
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(inner) = rest.strip_prefix('{') {
            let mut s = inner;
            loop {
                s = s.trim_start_matches(',');
                if let Some(after) = s.strip_prefix('}') {
                    rest = after;
                    break;
                }
                let (key, after) = s.split_once("=\"").unwrap_or_else(|| bad(line));
                let mut value = String::new();
                let mut chars = after.char_indices();
                let close = loop {
                    match chars.next().unwrap_or_else(|| bad(line)) {
                        (i, '"') => break i,
                        (_, '\\') => match chars.next().unwrap_or_else(|| bad(line)).1 {
                            'n' => value.push('\n'),
                            c => value.push(c),
                        },
                        (_, c) => value.push(c),
                    }
                };
                labels.insert(key.to_string(), value);
                s = &after[close + 1..];
            }
        }
        let value = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| bad(line));
        out.push(Series {
            name,
            labels,
            value,
        });
    }
    out
}

/// Waits until calltop's own endpoint says it is connected.
pub async fn wait_connected(port: u16) {
    for _ in 0..120 {
        let up = scrape(port)
            .await
            .iter()
            .any(|s| s.name == "calltop_connected" && s.value == 1.0);
        if up {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("calltop live never said it was connected");
}

#[test]
fn the_text_format_is_read_back() {
    let body = "# HELP x y\n# TYPE x gauge\nx 1\ny_total{a=\"1\",b=\"O'Brien \\\"Li\\\\am\\\"\"} 2.5\nz{} 3 1700000000\n# EOF\n";
    let s = parse(body);
    assert_eq!(s.len(), 3);
    assert_eq!((s[0].name.as_str(), s[0].value), ("x", 1.0));
    assert_eq!(s[1].labels["a"], "1");
    assert_eq!(s[1].labels["b"], "O'Brien \"Li\\am\"");
    assert_eq!(s[1].value, 2.5);
    assert_eq!((s[2].name.as_str(), s[2].value), ("z", 3.0));
}
