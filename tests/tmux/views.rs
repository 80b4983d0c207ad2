//! The agents, queues and wallboard views of the real `calltop live` against the real
//! `calltop sim`: A, Q, W and l pressed in a tmux pane; the figures on screen checked
//! against the simulator's `/sim/ground-truth`, and a listen-in accepted by it.

use crate::support as tmux_support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};
use tmux_support::*;

/// `GET /sim/ground-truth` (no token on the debug routes).
fn ground_truth(sim: &SimProcess) -> serde_json::Value {
    let mut s = std::net::TcpStream::connect(sim.addr()).expect("connect to the sim");
    write!(
        s,
        "GET /sim/ground-truth HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        sim.addr()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let body = text.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    // A chunked body: the JSON runs from the first `{` to the last `}`.
    let (a, b) = (body.find('{').unwrap(), body.rfind('}').unwrap());
    serde_json::from_str(&body[a..=b]).expect("ground truth JSON")
}

/// The `Offer` figure of a queue's row on the queues view.
fn offered_on_screen(screen: &str, queue: &str) -> Option<u64> {
    let line = screen.lines().find(|l| l.contains(queue))?;
    let after = &line[line.find(queue)? + queue.len()..];
    // Wait, Oldest, Offer.
    after.split_whitespace().nth(2)?.parse().ok()
}

#[test]
fn agents_queues_wallboard_and_listen_in_against_the_simulator() {
    let sim = SimProcess::start(&["--seed", "7", "--calls-per-minute", "40"]);
    let logs = tempfile::tempdir().unwrap();
    let cmd = format!(
        // The simulator's supervisor has three online devices: listen in from the
        // listen-in phone (its id is fixed by the simulator's directory).
        "CALLTOP_LOG_DIR={} {} {} live --since start --device-id 210074565716; echo EXITED; sleep 60",
        logs.path().display(),
        sim.env(None),
        env!("CARGO_BIN_EXE_calltop"),
    );
    let t = Tmux::start(200, 50, &cmd);
    t.wait("the live board", 30, |s| s.contains("● live"));

    // Q: the queues, their figures equal to the simulator's.
    t.keys(&["Q"]);
    let gt = ground_truth(&sim);
    let name = gt["queues"][0]["name"].as_str().unwrap().to_string();
    let number = gt["queues"][0]["extension_number"].as_str().unwrap();
    let queue = format!("{name} {number}");
    // (The directory loads in the background after the board is live.)
    let s = t.wait("the queues view with the directory loaded", 30, |s| {
        s.contains("Offer") && s.contains(&queue)
    });
    assert!(s.contains(&queue), "queue {queue} listed:\n{s}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let screen = t.screen();
        let before = ground_truth(&sim);
        let mine = offered_on_screen(&screen, &queue);
        let after = ground_truth(&sim);
        let truth = |g: &serde_json::Value| {
            g["queues"]
                .as_array()
                .unwrap()
                .iter()
                .find(|q| q["name"] == name.as_str())
                .and_then(|q| q["offered"].as_u64())
        };
        if mine.is_some() && mine == truth(&before) && mine == truth(&after) && mine > Some(0) {
            eprintln!("{queue}: offered {mine:?} on screen = ground truth");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "offered on screen {mine:?}, ground truth {:?}:\n{screen}",
            truth(&after)
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    // W: the wallboard, in large digits.
    t.keys(&["W"]);
    t.wait("the wallboard", 10, |s| {
        s.contains("Wallboard") && s.contains("service level") && s.contains("███")
    });

    // A: the agents; select one on a call and listen in.
    t.keys(&["A"]);
    t.wait("the agents view", 10, |s| {
        s.contains("Agents") && s.contains("State")
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let name = loop {
        let s = t.screen();
        let sel = s
            .lines()
            .find(|l| l.starts_with('▶'))
            .unwrap_or("")
            .to_string();
        // An agent who answered a queue call (`← Sales Queue - CALLER …`).
        if sel.contains("● On call") && sel.contains("Queue - ") {
            // `▶  ● On call   12s    Bob Martinez 102 …`: the agent's name.
            let after = sel.split("● On call").nth(1).unwrap_or("");
            let words: Vec<&str> = after.split_whitespace().skip(1).take(2).collect();
            break words.join(" ");
        }
        assert!(Instant::now() < deadline, "no agent on a call:\n{s}");
        t.keys(&["j"]);
        std::thread::sleep(Duration::from_millis(200));
        if !s
            .lines()
            .skip_while(|l| !l.starts_with('▶'))
            .skip(1)
            .any(|l| l.contains("● On call"))
        {
            t.keys(&["g"]);
            std::thread::sleep(Duration::from_millis(500));
        }
    };
    t.keys(&["l"]);
    let s = t.wait("the listen-in confirm", 10, |s| s.contains("Listen in on"));
    assert!(
        s.contains(&format!("Listen in on {name}")),
        "the dialog names the agent {name}:\n{s}"
    );
    assert!(s.contains("[> Cancel <]"), "Cancel focused:\n{s}");
    t.keys(&["Tab"]);
    t.keys(&["Enter"]);
    let s = t.wait("the simulator's answer", 20, |s| {
        s.contains("listening in on your device") || s.contains("listen in failed")
    });
    assert!(
        s.contains("listening in on your device"),
        "the simulator accepted the supervise request:\n{s}"
    );
    t.keys(&["q"]);
    t.wait("the exit", 15, |s| s.contains("EXITED"));
}
