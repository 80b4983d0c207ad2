//! End to end: the real `calltop demo` binary (embedded simulator, real live client)
//! in a tmux pane, driven with send-keys and read with capture-pane. Polls with
//! deadlines, never fixed sleeps. Fails (not skips) without tmux: CI installs it.

use crate::support as tmux_support;

use tmux_support::{require_tmux, SimProcess, Tmux};

/// The selected row of the board (marked ▶).
fn selected_row(screen: &str) -> Option<&str> {
    screen.lines().find(|l| l.starts_with('▶'))
}

#[test]
fn demo_board_hold_hang_up_and_quit_in_tmux_at_80x24() {
    demo_board_hold_hang_up_and_quit(80, 24);
}

#[test]
fn demo_board_hold_hang_up_and_quit_in_tmux_at_200x50() {
    demo_board_hold_hang_up_and_quit(200, 50);
}

/// The last line of the screen (the key hints).
fn footer(screen: &str) -> &str {
    screen.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("")
}

fn demo_board_hold_hang_up_and_quit(w: u16, h: u16) {
    require_tmux();
    let bin = env!("CARGO_BIN_EXE_calltop");
    let logs = tempfile::tempdir().expect("tempdir");
    let cmd = format!(
        "stty sane; CALLTOP_LOG_DIR={} {bin} demo --calls-per-minute 40 --seed 7; echo \"EXITED rc=$?\"; echo \"TTY $(stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon')\"; sleep 60",
        logs.path().display()
    );
    let t = Tmux::start(w, h, &cmd);

    // Calls appear, and at least one is talking; the header says what it counts and
    // the footer always ends with help and quit.
    let s = t.wait("the live board with a talking call", 60, |s| {
        s.contains("DEMO") && s.contains("● live") && s.contains("● Answered")
    });
    assert!(
        s.contains("now: ") && s.contains(" call") && s.contains(" ringing · "),
        "{s}"
    );
    assert!(s.contains(" UTC"), "the clock shows:\n{s}");
    assert!(footer(&s).trim_end().ends_with("? help  q quit"), "{s}");
    assert!(s.contains("sort waiting ↓"), "{s}");
    // Show talking calls only, open the first one's detail to learn its id.
    t.keys(&["c", "c", "c"]);
    t.wait("the talking filter", 10, |s| s.contains("state talking"));
    t.keys(&["g", "Enter"]);
    let s = t.wait("the detail pane", 10, |s| s.contains(" Timeline "));
    assert!(footer(&s).trim_end().ends_with("? help  q quit"), "{s}");
    let id = s
        .lines()
        .find_map(|l| {
            let l = l.trim_start();
            l.starts_with("s-")
                .then(|| l.split_whitespace().next().unwrap_or("").to_string())
        })
        .expect("session id in the detail title");
    // The parties are labelled as in the timeline.
    assert!(s.contains("p1 ") && s.contains("p2 "), "{s}");
    // Narrow the board to that call, back to all states.
    t.keys(&["Escape"]);
    // (wait: an Esc followed at once by `/` reads as Alt-/)
    t.wait("the detail closed", 10, |s| !s.contains(" Timeline "));
    t.keys(&["/"]);
    t.wait("the filter prompt", 10, |s| s.contains("filter: "));
    t.literal(&id);
    t.keys(&["Enter", "c", "c", "c"]);
    t.wait("the board filtered to one call", 10, |s| {
        s.lines().any(|l| {
            l.contains(&format!("filter \"{id}\""))
                && l.contains("Calls 1/")
                && !l.contains("state ")
        })
    });

    // h: a confirm naming the party, Cancel focused; OK puts the target party on
    // hold. The default target may still be ringing (refused before any request);
    // Tab moves to the next party.
    let mut held = false;
    for _ in 0..4 {
        t.keys(&["h"]);
        let s = t.wait("the hold confirm or a refusal", 20, |s| {
            s.contains("can't hold") || s.contains("[> Cancel <]")
        });
        if s.contains("[> Cancel <]") {
            assert!(s.contains("Hold ") && s.contains("Call: "), "{s}");
            t.keys(&["Right"]);
            t.wait("focus on Hold", 10, |s| s.contains("[> Hold <]"));
            t.keys(&["Enter"]);
            t.wait("the party on hold", 20, |s| {
                selected_row(s).is_some_and(|r| r.contains("‖ Hold"))
            });
            held = true;
            break;
        }
        assert!(s.contains("only an answered party can be held"), "{s}");
        t.keys(&["Tab"]);
        t.wait("the next target party", 10, |s| s.contains("target party"));
    }
    assert!(held, "no party of the call could be held");

    // x then Cancel (focused by default): nothing happens.
    t.keys(&["x"]);
    t.wait("the confirm dialog", 10, |s| {
        s.contains("[> Cancel <]") && s.contains("Hang up the whole call?")
    });
    t.keys(&["Enter"]);
    let s = t.wait("cancel", 10, |s| {
        s.contains("hang up: cancelled") && !s.contains("[> Cancel <]")
    });
    assert!(s.contains("Calls 1/"), "the call must still be there:\n{s}");

    // x then confirm: the call ends; it stays selected until the cursor moves.
    t.keys(&["x"]);
    t.wait("the confirm dialog again", 10, |s| {
        s.contains("[> Cancel <]")
    });
    t.keys(&["Right"]);
    t.wait("focus on Hang up", 10, |s| s.contains("[> Hang up <]"));
    t.keys(&["Enter"]);
    t.wait("the call ended, still selected", 20, |s| {
        selected_row(s).is_some_and(|r| !r.contains("● ") && !r.contains("‖ "))
    });
    t.keys(&["Down"]);
    t.wait("the call gone from the board", 20, |s| {
        s.contains("no calls match the filter") && s.contains("Calls 0/")
    });
    // It is in the history with its outcome.
    t.keys(&["H"]);
    t.wait("the call in the history", 10, |s| s.contains("History 1"));

    // q exits and restores the terminal (cooked mode, primary screen).
    t.keys(&["q"]);
    let s = t.wait("exit", 20, |s| s.contains("TTY "));
    assert!(s.contains("EXITED rc=0"), "{s}");
    assert!(
        s.lines().any(|l| l.trim() == "TTY icanon"),
        "terminal left in raw mode:\n{s}"
    );
    assert!(!s.contains("Calls "), "alternate screen not left:\n{s}");
}

#[test]
fn live_board_read_only_refuses_control_keys_in_tmux() {
    require_tmux();
    let sim = SimProcess::start(&[
        "--seed",
        "11",
        "--calls-per-minute",
        "60",
        "--time-scale",
        "3",
    ]);
    let bin = env!("CARGO_BIN_EXE_calltop");
    let logs = tempfile::tempdir().expect("tempdir");
    let cmd = format!(
        "CALLTOP_LOG_DIR={} {} {bin} live --read-only --theme light --ring-alert 5,10; echo \"EXITED rc=$?\"; sleep 60",
        logs.path().display(),
        sim.env(None),
    );
    let t = Tmux::start(80, 24, &cmd);
    let s = t.wait("the live board with calls", 60, |s| {
        s.contains("LIVE") && s.contains("● live") && selected_row(s).is_some()
    });
    assert!(
        s.contains("READ-ONLY: control keys disabled"),
        "footer says so:\n{s}"
    );
    t.keys(&["h"]);
    t.wait("the refusal", 10, |s| {
        s.contains("read-only (--read-only): control keys are disabled")
    });
    t.keys(&["x"]);
    let s = t.screen();
    assert!(
        !s.contains("Cancel"),
        "no confirmation dialog in read-only:\n{s}"
    );
    t.keys(&["q"]);
    t.wait("a clean exit", 15, |s| s.contains("EXITED rc=0"));
}

/// `calltop demo` with no flags: `l` on a talking call asks, and once confirmed the
/// embedded simulator accepts the listen-in from the supervisor's listen-in phone (the
/// one device of the three Online ones meant for it, picked at start).
#[test]
fn demo_listens_in_on_a_talking_call_with_no_flags() {
    require_tmux();
    let bin = env!("CARGO_BIN_EXE_calltop");
    let logs = tempfile::tempdir().expect("tempdir");
    let cmd = format!(
        "CALLTOP_LOG_DIR={} {bin} demo --seed 7 --calls-per-minute 20; echo \"EXITED rc=$?\"; sleep 60",
        logs.path().display()
    );
    let t = Tmux::start(140, 40, &cmd);
    t.wait("the live board with a talking call", 60, |s| {
        s.contains("● live") && s.contains("● Answered")
    });
    // Talking calls only, from the first; down to one an agent answered (an agent
    // in the Agent column, its leg `▸● Answered`).
    t.keys(&["c", "c", "c"]);
    t.wait("the talking filter", 10, |s| s.contains("state talking"));
    t.keys(&["g"]);
    let agent_talking =
        |s: &str| selected_row(s).is_some_and(|r| r.contains("▸● Answered") && !r.contains(" — "));
    let mut listening = false;
    for _ in 0..5 {
        for _ in 0..15 {
            let s = t.screen();
            if agent_talking(&s) {
                break;
            }
            let before = selected_row(&s).unwrap_or("").to_string();
            t.keys(&["j"]);
            t.wait("the next row", 10, |s| {
                selected_row(s).is_some_and(|r| r != before) || agent_talking(s)
            });
        }
        t.keys(&["l"]);
        let s = t.wait("the listen-in confirm", 10, |s| {
            s.contains("[> Cancel <]") || s.contains("needs your device")
        });
        assert!(
            !s.contains("needs your device"),
            "demo found no device:\n{s}"
        );
        assert!(s.contains("Listen in on"), "the listen-in confirm:\n{s}");
        t.keys(&["Tab"]);
        t.wait("OK focused", 10, |s| !s.contains("[> Cancel <]"));
        t.keys(&["Enter"]);
        let s = t.wait("the simulator's answer", 20, |s| {
            s.contains("listening in on your device") || s.contains("listen in failed")
        });
        if s.contains("listening in on your device") {
            listening = true;
            break;
        }
        // The call moved on meanwhile: another one.
        t.keys(&["j"]);
    }
    assert!(
        listening,
        "no talking call could be listened in on:\n{}",
        t.screen()
    );
    t.keys(&["q"]);
    t.wait("the exit", 20, |s| s.contains("EXITED rc=0"));
    // The device demo chose: the simulator's listen-in phone (src/sim/directory.rs).
    let log = std::fs::read_to_string(logs.path().join("calltop-tui.log")).unwrap_or_default();
    assert!(
        log.lines()
            .any(|l| l.contains("listen-in device") && l.contains("210074565716")),
        "the log names the device picked:\n{log}"
    );
}
