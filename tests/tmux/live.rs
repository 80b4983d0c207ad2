//! The live board against the real `calltop sim` process, as a supervisor meets the
//! platform's bad days: refused credentials, a platform that goes away and comes back.

use crate::support as tmux_support;

use tmux_support::*;

fn live_cmd(sim: &SimProcess, secret: Option<&str>, logs: &std::path::Path) -> String {
    format!(
        "CALLTOP_LOG_DIR={} {} {} live; echo \"EXITED rc=$?\"; sleep 60",
        logs.display(),
        sim.env(secret),
        env!("CARGO_BIN_EXE_calltop"),
    )
}

#[test]
fn refused_credentials_fill_the_screen_and_exit_non_zero() {
    let sim = SimProcess::start(&["--seed", "3", "--calls-per-minute", "0"]);
    let logs = tempfile::tempdir().unwrap();
    let t = Tmux::start(80, 24, &live_cmd(&sim, Some("wrong-secret"), logs.path()));
    let s = t.wait("the refusal", 30, |s| {
        s.contains("cannot monitor this account")
    });
    assert!(
        s.contains("login refused"),
        "the platform's error, in full:\n{s}"
    );
    assert!(
        !s.contains("ready"),
        "not an empty board saying ready:\n{s}"
    );
    t.keys(&["q"]);
    let s = t.wait("the exit", 15, |s| s.contains("EXITED rc="));
    assert!(s.contains("EXITED rc=1"), "{s}");
    assert!(
        s.contains("login refused"),
        "the reason is printed after the board:\n{s}"
    );
}

/// The simulator is killed under a live board and started again on the same port:
/// the board says it is offline, then is live again soon after the platform accepts
/// connections (the time is printed; the bound is generous: machines are shared).
#[test]
fn the_board_is_live_again_soon_after_the_platform_returns() {
    let mut sim = SimProcess::start(&["--seed", "5", "--calls-per-minute", "30"]);
    let logs = tempfile::tempdir().unwrap();
    let t = Tmux::start(200, 50, &live_cmd(&sim, None, logs.path()));
    t.wait("the live board", 30, |s| s.contains("● live"));
    sim.kill();
    t.wait("the board saying it is offline", 30, |s| {
        s.contains("offline")
    });
    // Let reconnect attempts fail until the backoff has grown past 10 s.
    std::thread::sleep(std::time::Duration::from_secs(15));
    let back = sim.restart();
    t.wait("live again", 90, |s| s.contains("● live"));
    let secs = back.elapsed().as_secs_f64();
    eprintln!("back to live {secs:.2} s after the simulator accepted connections");
    // Measured here: well under 1 s (BENCHMARKS.md); the bound only says "not the
    // backoff", which had grown past 10 s.
    assert!(
        secs < 10.0,
        "took {secs:.1} s to be live again:\n{}",
        t.screen()
    );
}

/// `calltop demo` opens on a working contact center: within seconds the board holds
/// calls that have been going for a while, some ringing, on hold and parked.
#[test]
fn the_demo_opens_on_a_working_contact_center() {
    let logs = tempfile::tempdir().unwrap();
    let cmd = format!(
        "CALLTOP_LOG_DIR={} {} demo --seed 3; sleep 60",
        logs.path().display(),
        env!("CARGO_BIN_EXE_calltop"),
    );
    let t = Tmux::start(200, 50, &cmd);
    let s = t.wait("calls in progress", 20, |s| {
        s.contains("● live") && s.contains("Hold") && s.contains("Parked")
    });
    // `now: 10 calls · 3 ringing · 1 on hold · 1 parked │ ended: …`
    let now_line = s.lines().find(|l| l.starts_with("now: ")).unwrap_or("");
    let now_part = now_line
        .trim_start_matches("now: ")
        .split('│')
        .next()
        .unwrap_or("");
    let count = |label: &str| -> u64 {
        now_part
            .split(" · ")
            .find_map(|part| part.trim().strip_suffix(label)?.trim().parse().ok())
            .unwrap_or(0)
    };
    assert!(count("calls") >= 6, "a busy board at once:\n{s}");
    assert!(count("on hold") >= 1 && count("parked") >= 1, "{s}");
    // Calls that began before the board: some have been going for over a minute.
    // (At 200×50 the overview shows the calls on the left, the agents on the right: a
    // call's duration is a `m:ss` token in the calls' half.)
    let long = s
        .lines()
        .skip(3)
        .filter(|l| {
            let calls: String = l.chars().take(110).collect();
            calls.split_whitespace().any(|t| {
                let (m, sec) = t.split_once(':').unwrap_or(("", ""));
                !m.is_empty()
                    && m.chars().all(|c| c.is_ascii_digit())
                    && sec.len() == 2
                    && sec.chars().all(|c| c.is_ascii_digit())
            })
        })
        .count();
    assert!(long >= 1, "calls in progress for minutes:\n{s}");
}
