//! Shared helpers of the live tests: a simulator on 127.0.0.1, a live source against
//! it, and waiting on the store.
#![allow(dead_code)]

use calltop::core::control::{ControlAction, ControlRequest, Outcome};
use calltop::core::{SessionStore, SharedStore};
use calltop::sim::{SimConfig, SimHandle};
use calltop::source::live::{self, LiveConfig, LiveHandle};
use calltop::source::{Backoff, ConnState, LiveEvent};
use calltop::wire::Credentials;
use calltop::wire::StatusCode;
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// A sim config for tests: generous rate limits (reconnect storms are the point).
pub fn sim_config(seed: u64) -> SimConfig {
    SimConfig {
        seed,
        light_limit_per_min: 100_000,
        medium_limit_per_min: 100_000,
        auth_limit_per_min: 100_000,
        ..SimConfig::default()
    }
}

pub async fn start_sim(cfg: SimConfig) -> SimHandle {
    calltop::sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sim starts")
}

pub fn credentials(sim: &SimHandle) -> Credentials {
    sim.credentials()
}

/// A live config against the sim with fast reconnects.
pub fn live_config(sim: &SimHandle, record: Option<&Path>) -> LiveConfig {
    let mut cfg = LiveConfig::new(credentials(sim));
    cfg.recording.path = record.map(Path::to_path_buf);
    cfg.connection.backoff = Backoff {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(400),
        immediate_first: true,
    };
    cfg.connection.request_timeout = Duration::from_secs(5);
    cfg
}

pub fn new_store() -> SharedStore {
    SharedStore::new(SessionStore::default())
}

/// Runs one control action on a party through the live source's client.
pub async fn act(h: &LiveHandle, session: &str, party: &str, action: ControlAction) -> Outcome {
    let request = ControlRequest::on_party(session, party, action);
    h.control.execute(&request).await
}

pub fn spawn(cfg: LiveConfig, store: &SharedStore) -> LiveHandle {
    live::spawn(cfg, store.clone())
}

/// Waits (polling) until `f` holds, or panics with `what` after `secs`.
pub async fn wait_until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the connection is live (any of the live states).
pub async fn wait_live(h: &LiveHandle) {
    let mut rx = h.conn.clone();
    let deadline = tokio::time::sleep(Duration::from_secs(15));
    tokio::pin!(deadline);
    loop {
        if rx.borrow().is_live() {
            return;
        }
        if let ConnState::Failed(m) = &*rx.borrow() {
            panic!("live source failed: {m}");
        }
        tokio::select! {
            _ = &mut deadline => panic!("not live after 15 s: {:?}", *rx.borrow()),
            r = rx.changed() => r.expect("live task alive"),
        }
    }
}

/// Every connection state seen so far on an event receiver.
pub fn drain_states(
    rx: &mut tokio::sync::broadcast::Receiver<LiveEvent>,
    into: &mut Vec<ConnState>,
) {
    while let Ok(e) = rx.try_recv() {
        if let LiveEvent::Conn { state, .. } = e {
            into.push(state);
        }
    }
}

/// Final status code per (session, party).
pub type States = calltop::core::PartyCodes;

/// The first ten entries of `a` that `b` does not hold the same.
pub fn differing<'a>(
    a: &'a States,
    b: &States,
) -> Vec<(&'a (String, String), &'a Option<StatusCode>)> {
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .take(10)
        .collect()
}

/// Final status code per (session, party) in the store.
pub fn store_state(store: &SharedStore) -> States {
    store.read().party_codes()
}

/// Final status code per (session, party) in the sim.
pub fn sim_state(sim: &SimHandle) -> States {
    sim.party_codes()
}

/// Notification uuids found in a recording, and the number of lines.
pub fn recorded_uuids(path: &Path) -> (HashSet<String>, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut uuids = HashSet::new();
    let mut lines = 0;
    for line in text.lines() {
        lines += 1;
        if let Ok(p) = calltop::wire::parse(line) {
            if let Some(u) = p.item.envelope().and_then(|e| e.uuid.clone()) {
                uuids.insert(u);
            }
        }
    }
    (uuids, lines)
}

/// Stops new calls, turns faults off and waits until every call is over both in the
/// sim and in the store.
pub async fn drain(sim: &SimHandle, store: &SharedStore, secs: u64) {
    sim.stop_new_calls();
    sim.set_faults(Default::default());
    wait_until(secs, "the sim to drain", || sim.active_calls() == 0).await;
    wait_until(secs, "the store to see every call end", || {
        store.read().active_ids().is_empty()
    })
    .await;
}

/// True for a call in which a user (not the IVR) is talking: presence lists it, so a
/// client that starts now must load it.
pub fn user_talking(c: &calltop::wire::CallSession) -> bool {
    c.parties.iter().any(|p| {
        p.extension_id.is_some()
            && p.status
                .as_ref()
                .is_some_and(|s| s.code == StatusCode::Answered)
            && ![&p.to, &p.from].iter().any(|e| {
                e.as_ref()
                    .and_then(|e| e.name.as_deref())
                    .is_some_and(|n| n.contains("IVR"))
            })
    })
}

/// Every warning the live source gives from now on, collected as it comes (a drain
/// after the fact could find the channel lagged past the warning on a busy run).
pub fn collect_warnings(h: &LiveHandle) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    use tokio::sync::broadcast::error::RecvError;
    let warnings = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut events = h.subscribe_events();
    let into = warnings.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(LiveEvent::Warning { message, .. }) => into.lock().unwrap().push(message),
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
    warnings
}

/// The real binary with `args`, logged in to the sim by the conventional env vars.
pub fn calltop(sim: &calltop::sim::SimHandle, args: &[&str]) -> std::process::Child {
    let c = credentials(sim);
    // Kept for a failure's post-mortem: in the build's scratch space, not the system's.
    let logs = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
        .keep();
    std::process::Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(args)
        .env_remove("RINGCENTRAL_SERVER_URL")
        .env("RINGCENTRAL_SERVER_URL", &c.server_url)
        .env("RINGCENTRAL_CLIENT_ID", &c.client_id)
        .env("RINGCENTRAL_CLIENT_SECRET", &c.client_secret)
        .env("RINGCENTRAL_JWT", &c.jwt)
        .env("CALLTOP_LOG_DIR", logs)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("calltop runs")
}

/// Stops a child the clean way (SIGTERM: close the socket, revoke the token).
pub fn stop(child: &mut std::process::Child) -> std::process::ExitStatus {
    // SIGTERM: the clean path (close socket, revoke token)
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("calltop did not exit on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `calltop report FILE --format json` (the real binary).
pub fn report_json(path: &Path) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["report", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The board's lines as `ui` draws `store` at `now`, into a test terminal of 200×50.
pub fn screen_at(
    store: &SharedStore,
    ui: &mut calltop::tui::state::UiState,
    now: calltop::wire::Ts,
) -> String {
    ui.view_mut().set_size(200, 50);
    let st = store.read();
    ui.sync(&st, now);
    let mut term =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 50)).expect("terminal");
    term.draw(|f| calltop::tui::views::draw(f, &st, ui, now))
        .expect("draw");
    let buf = term.backend().buffer().clone();
    (0..50)
        .map(|y| (0..200).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}
