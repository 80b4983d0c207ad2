//! Replay of a real recording in tmux: `calltop sim` at ≥ 300 events/s recorded by
//! `calltop live --headless --record` for `CALLTOP_REPLAY_TMUX_SECS` (default 40: enough
//! for several of the replay index's keyframes, which every jump crosses, and a file
//! past the size from which the index is cached; 600 is the ten-minute run the replay
//! issue asked for, same assertions), then `calltop replay` at 200×50 jumped with `:` forward and
//! back (shares and a time of day), its header's figures checked against
//! `calltop report --format json` of the whole file (at 100 %) and of the file cut
//! where the board stands (in the middle). And `--follow` on a recording being written.
//! Polls with deadlines, never fixed sleeps; asserts no times.

use crate::support as tmux_support;

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tmux_support::*;

/// The longest the replay test records while its recording is too short to jump in.
const RECORD_AT_MOST: Duration = Duration::from_secs(150);

/// What the jumps prove needs keyframes to land between and a cached index: a
/// recording of `lines` values and `bytes` must hold three keyframes' worth of values
/// and pass the cache's size.
fn jumpable(lines: usize, bytes: u64) -> bool {
    lines as u64 / calltop::source::index::EVERY_VALUES >= 3
        && bytes >= calltop::source::index::CACHE_FROM_BYTES
}

/// [`jumpable`] of the recording so far (its size checked first: counting reads it).
fn long_enough(file: &Path) -> bool {
    let bytes = std::fs::metadata(file).map_or(0, |m| m.len());
    bytes >= calltop::source::index::CACHE_FROM_BYTES && jumpable(lines_in(file), bytes)
}

/// The least the replay test records, in seconds (`CALLTOP_REPLAY_TMUX_SECS`).
fn record_secs() -> u64 {
    std::env::var("CALLTOP_REPLAY_TMUX_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40)
}

/// The simulator at ~13 new calls/s of short calls: ≥ 300 telephony events/s (plus as
/// many presence notifications; the test prints the rate it recorded).
fn busy_sim(seed: &str) -> SimProcess {
    SimProcess::start(&[
        "--seed",
        seed,
        "--calls-per-minute",
        "800",
        "--time-scale",
        "0.05",
        "--extensions",
        "200",
        "--light-limit",
        "100000",
        "--medium-limit",
        "100000",
        "--auth-limit",
        "100000",
    ])
}

/// `calltop live --headless --record FILE` against the simulator, in the background.
fn recorder(sim: &SimProcess, file: &Path, logs: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["live", "--headless", "--record"])
        .arg(file)
        .env("RINGCENTRAL_SERVER_URL", &sim.url)
        .env("RINGCENTRAL_CLIENT_ID", &sim.id)
        .env("RINGCENTRAL_CLIENT_SECRET", &sim.secret)
        .env("RINGCENTRAL_JWT", &sim.jwt)
        .env("CALLTOP_LOG_DIR", logs)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("calltop live starts")
}

/// Stops a child with SIGTERM (so the recording ends on a whole line) and waits.
fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn lines_in(file: &Path) -> usize {
    std::fs::File::open(file).map_or(0, |f| std::io::BufReader::new(f).lines().count())
}

/// `calltop report --format json FILE`'s summary block.
fn report_summary(file: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["report", "--format", "json"])
        .arg(file)
        .env("CALLTOP_LOG_DIR", std::env::temp_dir())
        .output()
        .expect("calltop report runs");
    assert!(
        out.status.success(),
        "report failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report JSON");
    v["summary"].clone()
}

/// The figures the board's header shows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Board {
    /// The stream time (`hh:mm:ss`) the progress line starts with.
    now: String,
    active: u64,
    answered: u64,
    missed: u64,
    voicemail: u64,
    transferred: u64,
    abandoned: u64,
    /// `N events` (the store's counter).
    events: u64,
    /// Values applied and in the whole recording (`applied/total events`).
    applied: u64,
    total: Option<u64>,
    paused: bool,
}

/// `7 answered` in `ended: 7 answered · 2 missed`: the number before `label`.
fn count(part: &str, label: &str) -> Option<u64> {
    part.split(" · ")
        .find_map(|p| p.trim().strip_suffix(label)?.trim().parse().ok())
}

fn board(screen: &str) -> Option<Board> {
    let line = |p: &str| screen.lines().find(|l| l.trim_start().starts_with(p));
    let now_line = line("now: ")?;
    let mut groups = now_line.trim_start().split(" │ ");
    let now_part = groups.next()?.trim_start_matches("now: ");
    let ended = groups.find(|g| g.starts_with("ended: "))?;
    let ended = ended.trim_start_matches("ended: ");
    let active = count(now_part, "calls").or_else(|| count(now_part, "call"))?;
    let events = screen.lines().find_map(|l| {
        l.split(" │ ")
            .find_map(|g| g.trim().strip_suffix(" events")?.trim().parse().ok())
    })?;
    // `10:42:31 ━━━━──── 10:52:00  12345/67890 events`
    let is_hms = |w: &str| w.len() == 8 && w.split(':').all(|p| p.parse::<u8>().is_ok());
    let progress = screen.lines().find(|l| {
        l.contains(" events")
            && (l.contains('━') || l.contains('─'))
            && l.split_whitespace().next().is_some_and(is_hms)
    })?;
    let now = progress.split_whitespace().next()?.to_string();
    let counts = progress.split("  ").last()?.trim();
    let counts = counts.split(" events").next()?.trim();
    let (applied, total) = match counts.split_once('/') {
        Some((a, t)) => (a.trim().parse().ok()?, Some(t.trim().parse().ok()?)),
        None => (counts.parse().ok()?, None),
    };
    Some(Board {
        now,
        active,
        answered: count(ended, "answered")?,
        missed: count(ended, "missed")?,
        voicemail: count(ended, "voicemail")?,
        transferred: count(ended, "transferred")?,
        abandoned: count(ended, "abandoned")?,
        events,
        applied,
        total,
        paused: screen.contains(" PAUSED"),
    })
}

/// The board's figures against a report's summary.
fn assert_matches(b: &Board, sum: &serde_json::Value, what: &str, screen: &str) {
    let get = |k: &str| sum[k].as_u64().unwrap_or_else(|| panic!("{k} in {sum}"));
    let pairs = [
        ("active", b.active),
        ("answered", b.answered),
        ("missed", b.missed),
        ("voicemail", b.voicemail),
        ("transferred", b.transferred),
        ("abandoned", b.abandoned),
        ("events", b.events),
    ];
    eprintln!("{what}: board {b:?}");
    for (k, shown) in pairs {
        assert_eq!(
            shown,
            get(k),
            "{what}: the board shows {k} {shown}, the report {}\nreport: {sum}\nscreen:\n{screen}",
            get(k)
        );
    }
}

/// Types `:TARGET⏎` and waits for the paused board to stand somewhere else
/// (another count of applied values) and to stay there over three captures.
fn jump(t: &Tmux, target: &str, from: &Board) -> (Board, String) {
    t.keys(&[":"]);
    t.wait("the jump prompt", 20, |s| s.contains("jump to"));
    t.literal(target);
    t.keys(&["Enter"]);
    let mut last: Option<Board> = None;
    let mut same = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s = t.screen();
        let b = board(&s).filter(|b| b.applied != from.applied && b.paused);
        match &b {
            Some(now) if b == last => {
                same += 1;
                if same >= 2 {
                    return (now.clone(), s);
                }
            }
            _ => same = 0,
        }
        last = b;
        assert!(
            Instant::now() < deadline,
            "timed out jumping to {target}; screen:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The first `n` values (lines) of `file`, as a file of their own.
fn cut(file: &Path, n: u64, out: &Path) {
    let r = std::io::BufReader::new(std::fs::File::open(file).expect("recording"));
    let mut w = std::io::BufWriter::new(std::fs::File::create(out).expect("cut file"));
    for l in r
        .lines()
        .map(|l| l.expect("utf-8"))
        .filter(|l| !l.trim().is_empty())
        .take(n as usize)
    {
        writeln!(w, "{l}").expect("write");
    }
    w.flush().expect("flush");
}

#[test]
fn replay_jumps_show_the_figures_a_report_gives() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rec.jsonl");
    let sim = busy_sim("13");
    let mut live = recorder(&sim, &file, dir.path());
    let began = Instant::now();
    // Record for the set time, and on a slower machine until the recording is long
    // enough (the duration is the test's load, not an assertion).
    while began.elapsed() < Duration::from_secs(record_secs()) {
        std::thread::sleep(Duration::from_millis(500));
    }
    // Counting the lines reads the whole file: every few seconds, not more.
    while !long_enough(&file) && began.elapsed() < RECORD_AT_MOST {
        std::thread::sleep(Duration::from_secs(3));
    }
    let secs = began.elapsed().as_secs().max(1);
    drop(sim);
    stop(&mut live);
    let lines = lines_in(&file);
    eprintln!(
        "recorded {lines} lines in {secs} s ({:.0}/s), {:.1} MiB",
        lines as f64 / secs as f64,
        std::fs::metadata(&file).map_or(0, |m| m.len()) as f64 / 1_048_576.0
    );
    let bytes = std::fs::metadata(&file).map_or(0, |m| m.len());
    assert!(
        jumpable(lines, bytes),
        "a recording of {lines} lines, {bytes} bytes: too small for the jumps to cross keyframes"
    );
    let whole = report_summary(&file);
    eprintln!(
        "{} events ({:.0}/s); report: {whole}",
        whole["events"],
        whole["events"].as_f64().unwrap_or(0.0) / secs as f64
    );

    let cmd = format!(
        "XDG_CACHE_HOME={d} CALLTOP_LOG_DIR={d} {} replay --paused {}; echo EXITED; sleep 60",
        env!("CARGO_BIN_EXE_calltop"),
        file.display(),
        d = dir.path().display(),
    );
    let t = Tmux::start(200, 50, &cmd);
    let s = t.wait("the indexed, paused board", 300, |s| {
        board(s).is_some_and(|b| b.paused && b.total.is_some())
    });
    let mut at = board(&s).expect("board");
    let total = at.total.expect("indexed");

    // The middle, as a share: the header against a report of the file cut there.
    let (mid, s) = jump(&t, "50%", &at);
    assert!(mid.applied > 0 && mid.applied < total, "{s}");
    let cut_file = dir.path().join("cut.jsonl");
    cut(&file, mid.applied, &cut_file);
    assert_matches(&mid, &report_summary(&cut_file), "at 50%", &s);
    at = mid.clone();

    // Forward, then back to the middle's time of day (hh:mm:ss, before or at 50 %).
    let (fwd, s) = jump(&t, "75%", &at);
    assert!(fwd.applied > mid.applied, "forward:\n{s}");
    let (back, s) = jump(&t, &mid.now, &fwd);
    assert!(back.applied <= mid.applied, "back:\n{s}");
    cut(&file, back.applied, &cut_file);
    assert_matches(&back, &report_summary(&cut_file), &mid.now, &s);
    // Further back, then forward to the same time: the same board.
    let (early, s) = jump(&t, "25%", &back);
    assert!(early.applied < back.applied, "back to 25%:\n{s}");
    let (again, s) = jump(&t, &mid.now, &early);
    assert_eq!(again, back, "{} again:\n{s}", mid.now);

    // The end: the whole file's report.
    let (end, s) = jump(&t, "100%", &again);
    assert_eq!(end.applied, total, "every value applied at 100%:\n{s}");
    assert_matches(&end, &whole, "at 100%", &s);
    let _ = std::fs::remove_file(&cut_file);
}

#[test]
fn follow_replays_a_recording_as_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("growing.jsonl");
    let sim = busy_sim("31");
    let mut live = recorder(&sim, &file, dir.path());
    let deadline = Instant::now() + Duration::from_secs(60);
    while lines_in(&file) < 200 {
        assert!(Instant::now() < deadline, "the recording starts");
        std::thread::sleep(Duration::from_millis(200));
    }
    let cmd = format!(
        "XDG_CACHE_HOME={d} CALLTOP_LOG_DIR={d} {} replay --follow {}; echo EXITED; sleep 60",
        env!("CARGO_BIN_EXE_calltop"),
        file.display(),
        d = dir.path().display(),
    );
    let t = Tmux::start(200, 50, &cmd);
    let s = t.wait("the following board", 60, |s| {
        s.contains("FOLLOW") && board(s).is_some_and(|b| b.events > 0)
    });
    let first = board(&s).expect("board");
    // Everything in the file when the board opened, and more: the count grows as
    // the recording does.
    let grown = t.wait("more events as the recording grows", 120, |s| {
        board(s).is_some_and(|b| b.events > first.events + 500)
    });
    let b = board(&grown).expect("board");
    assert!(b.applied > first.applied, "{grown}");
    assert!(!grown.contains("EXITED"), "{grown}");
    drop(sim);
    stop(&mut live);
}
