//! The board on a relay's stream in a terminal: `live --from` as a view-only NATS user
//! says it is read-only and why, and `replay nats://…` plays the stream.
#![cfg(feature = "nats")]

use crate::relay_support;
use crate::support as tmux_support;

use relay_support::*;
use std::time::{Duration, Instant};
use tmux_support::*;

fn board_cmd(logs: &std::path::Path, user: User, args: &str) -> String {
    format!(
        "CALLTOP_LOG_DIR={} CALLTOP_NATS_USER={} CALLTOP_NATS_PASSWORD={PASSWORD} {} {args}; echo \"EXITED rc=$?\"; sleep 60",
        logs.display(),
        user.name(),
        env!("CARGO_BIN_EXE_calltop"),
    )
}

#[test]
fn a_view_only_board_says_it_cannot_act_and_replay_plays_the_stream() {
    let server = NatsServer::start_for(calltop::sim::ACCOUNT_ID);
    let sim = SimProcess::start(&["--seed", "4", "--warm-start", "--calls-per-minute", "30"]);
    let dir = tempfile::tempdir().unwrap();
    let url = server.url();
    let mut env = vec![
        ("RINGCENTRAL_SERVER_URL", sim.url.clone()),
        ("RINGCENTRAL_CLIENT_ID", sim.id.clone()),
        ("RINGCENTRAL_CLIENT_SECRET", sim.secret.clone()),
        ("RINGCENTRAL_JWT", sim.jwt.clone()),
    ];
    env.extend(nats_env(User::Relay));
    let relay = Calltop::spawn(
        dir.path(),
        "relay",
        &[
            "relay",
            "--nats",
            &url,
            "--relay-id",
            "r1",
            "--retain-bytes",
            "256M",
        ],
        &env,
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while !relay.stdout().contains("ready") {
        assert!(Instant::now() < deadline, "{}", relay.dump());
        std::thread::sleep(Duration::from_millis(100));
    }

    let t = Tmux::start(
        120,
        30,
        &board_cmd(dir.path(), User::Viewer, &format!("live --from {url}")),
    );
    let s = t.wait("the read-only board", 30, |s| s.contains("READ-ONLY"));
    assert!(s.contains("relay 480201016"), "{s}");
    assert!(
        s.contains("the broker does not let NATS user viewer send control requests"),
        "the board says why:\n{s}"
    );
    t.wait("calls from the stream", 30, |s| s.contains("Answered"));
    t.keys(&["h"]);
    t.wait("the refusal of a control key", 15, |s| {
        s.contains("read-only (the broker does not let NATS user viewer")
    });
    t.keys(&["q"]);
    let s = t.wait("the exit", 15, |s| s.contains("EXITED rc="));
    assert!(s.contains("EXITED rc=0"), "{s}");

    let r = Tmux::start(
        120,
        30,
        &board_cmd(
            dir.path(),
            User::Viewer,
            &format!("replay {url} --speed max"),
        ),
    );
    let s = r.wait("the replay's end", 30, |s| s.contains("REPLAY ×max END"));
    assert!(s.contains(&format!("stream {url}")), "{s}");
    assert!(
        s.contains("Answered"),
        "calls replayed from the stream:\n{s}"
    );
    r.keys(&["q"]);
    drop(relay);
}
