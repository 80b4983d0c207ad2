//! End to end: the real `calltop demo` binary (embedded simulator, real live client)
//! in a tmux pane, driven with send-keys and read with capture-pane. Polls with
//! deadlines, never fixed sleeps. Skips (with a message) only when tmux is absent.

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    /// The tmux server's own socket (`-L`): never the user's or another test's server.
    socket: String,
    name: String,
}

impl Tmux {
    /// A detached session of `w`×`h` running `cmd` on a tmux server of its own.
    fn start(cmd: &str, w: u16, h: u16) -> Tmux {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("calltop-e2e-{}-{n}", std::process::id());
        let t = Tmux {
            socket: name.clone(),
            name,
        };
        let (w, h) = (w.to_string(), h.to_string());
        let ok = t
            .tmux(&["new-session", "-d", "-x", &w, "-y", &h, "-s", &t.name, cmd])
            .status()
            .expect("tmux runs")
            .success();
        assert!(ok, "tmux new-session failed");
        t
    }

    fn tmux(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]).args(args);
        c
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status().expect("tmux").success());
    }

    fn literal(&self, text: &str) {
        let ok = self
            .tmux(&["send-keys", "-t", &self.name, "-l", text])
            .status()
            .expect("tmux")
            .success();
        assert!(ok);
    }

    fn screen(&self) -> String {
        let out = self
            .tmux(&["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `pred` holds; panics with the last screen at the deadline.
    fn wait(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]).status();
    }
}

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
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_calltop");
    let logs = tempfile::tempdir().expect("tempdir");
    let cmd = format!(
        "stty sane; CALLTOP_LOG_DIR={} {bin} demo --calls-per-minute 40 --seed 7; echo \"EXITED rc=$?\"; echo \"TTY $(stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon')\"; sleep 60",
        logs.path().display()
    );
    let t = Tmux::start(&cmd, w, h);

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
    t.keys(&["c", "c"]);
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

/// The real `calltop sim` in the background; killed on drop.
struct SimProcess {
    child: std::process::Child,
    url: String,
    id: String,
    secret: String,
    jwt: String,
}

impl SimProcess {
    fn start() -> SimProcess {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_calltop"))
            .args([
                "sim",
                "--seed",
                "11",
                "--calls-per-minute",
                "60",
                "--time-scale",
                "3",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("calltop sim starts");
        let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut next = || lines.next().expect("banner line").expect("utf-8");
        let url = next()
            .strip_prefix("listening on ")
            .expect("first line")
            .to_string();
        let (mut id, mut secret, mut jwt) = (String::new(), String::new(), String::new());
        while jwt.is_empty() {
            let l = next();
            let (k, v) = l.split_once(':').unwrap_or(("", ""));
            match k.trim() {
                "client id" => id = v.trim().into(),
                "client secret" => secret = v.trim().into(),
                "jwt" => jwt = v.trim().into(),
                _ => {}
            }
        }
        // Keep reading what the sim prints: a closed pipe would kill it at its next line.
        std::thread::spawn(move || lines.for_each(drop));
        SimProcess {
            child,
            url,
            id,
            secret,
            jwt,
        }
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn live_board_read_only_refuses_control_keys_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed");
        return;
    }
    let sim = SimProcess::start();
    let bin = env!("CARGO_BIN_EXE_calltop");
    let logs = tempfile::tempdir().expect("tempdir");
    let cmd = format!(
        "CALLTOP_LOG_DIR={} RINGCENTRAL_SERVER_URL={} RINGCENTRAL_CLIENT_ID={} RINGCENTRAL_CLIENT_SECRET={} RINGCENTRAL_JWT={} {bin} live --read-only --theme light --ring-alert 5,10; echo \"EXITED rc=$?\"; sleep 60",
        logs.path().display(),
        sim.url,
        sim.id,
        sim.secret,
        sim.jwt
    );
    let t = Tmux::start(&cmd, 80, 24);
    let s = t.wait("the live board with calls", 60, |s| {
        s.contains("LIVE") && s.contains("● live") && selected_row(s).is_some()
    });
    assert!(
        s.contains("READ-ONLY: control keys disabled"),
        "footer says so:\n{s}"
    );
    t.keys(&["h"]);
    t.wait("the refusal", 10, |s| {
        s.contains("read-only mode: control keys are disabled")
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
