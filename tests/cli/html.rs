//! `calltop report FILE --format html`: one self-contained page (nothing loaded from
//! anywhere, no script), rendered in a real headless browser (Debian's chromium, which
//! `scripts/test` installs): no console message, every chart drawn — a bar per
//! interval and series where there were calls — and the tables and period there.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SAMPLE: &str = "assets/sample-hour.jsonl";

/// The browser: fails (not skips) when it is missing.
fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("chromium is required for this test: run scripts/test, which installs it (or apt-get install chromium)");
}

/// Chromium headless on `page` with `args`: (stdout, stderr); its console messages
/// are logged to stderr as `CONSOLE` lines.
fn headless(dir: &Path, page: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn report(args: &[&str]) -> Vec<u8> {
    crate::common::stdout_of(
        Command::new(env!("CARGO_BIN_EXE_calltop"))
            .args(["report", SAMPLE, "--tz", "UTC"])
            .args(args),
    )
}

/// The elements of each chart of `class` in the DOM: the text from each opening tag to
/// its `</svg>`.
fn charts<'a>(dom: &'a str, class: &str) -> Vec<&'a str> {
    let open = format!("<svg class=\"chart {class}\"");
    dom.match_indices(&open)
        .map(|(i, _)| &dom[i..i + dom[i..].find("</svg>").unwrap()])
        .collect()
}

#[test]
fn the_html_report_renders_in_a_headless_browser_with_every_chart_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("day.html");
    let html = report(&["--format", "html", "--intervals", "15m"]);
    std::fs::write(&page, &html).unwrap();
    let text = String::from_utf8(html).unwrap();
    for outside in [
        "<script", "http:", "https:", "src=", "href=", "url(", "@import",
    ] {
        assert!(!text.contains(outside), "self-contained: no {outside}");
    }
    let intervals: Value =
        serde_json::from_slice(&report(&["--format", "json", "--intervals", "15m"])).unwrap();
    let intervals = intervals["intervals"].as_array().unwrap();
    let queues = intervals[0]["queues"].as_array().unwrap().len();
    assert!(intervals.len() >= 4 && queues == 2);

    let (dom, log) = headless(dir.path(), &page, &["--dump-dom"]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    assert!(
        dom.contains("From <time>2026-12-01 09:00</time> to <time>2026-12-01 09:59</time>"),
        "the period"
    );
    for table in ["<h2>Queues</h2><table>", "<h2>Agents</h2><table>"] {
        assert!(dom.contains(table), "{table}");
    }
    let volume = charts(&dom, "volume");
    let sl = charts(&dom, "sl");
    assert_eq!(
        (volume.len(), sl.len()),
        (queues, queues),
        "two charts per queue"
    );
    for (q, chart) in volume.iter().enumerate() {
        for what in ["offered", "answered", "abandoned"] {
            let bars = chart.matches(&format!("<rect class=\"{what}\"")).count();
            assert_eq!(
                bars,
                intervals.len(),
                "queue {q}: a {what} bar per interval"
            );
        }
        let drawn = chart.matches("height=\"0.0\"").count();
        assert!(drawn < intervals.len(), "queue {q}: bars with a height");
    }
    for (q, chart) in sl.iter().enumerate() {
        let decided = intervals
            .iter()
            .filter(|i| !i["queues"][q]["serviceLevel"].is_null())
            .count();
        let bars = chart.matches("<rect class=\"sl\"").count();
        let none = chart.matches("<text class=\"none\"").count();
        assert_eq!(
            (bars, none),
            (decided, intervals.len() - decided),
            "queue {q}"
        );
    }

    // A screenshot is drawn (a PNG of the page).
    let shot = dir.path().join("day.png");
    let arg = format!("--screenshot={}", shot.display());
    headless(dir.path(), &page, &[&arg, "--window-size=1100,1400"]);
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
}

/// The console check above sees what a page logs (so its silence means something).
#[test]
fn the_browser_check_sees_console_errors() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<html><body><script>console.error('boom')</script></body></html>",
    )
    .unwrap();
    let (_, log) = headless(dir.path(), &page, &["--dump-dom"]);
    assert!(
        log.lines()
            .any(|l| l.contains("CONSOLE") && l.contains("boom")),
        "{log}"
    );
}
