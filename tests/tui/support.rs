//! Shared fixtures of the TUI tests: a store with calls in every state, built from
//! real wire JSON through the real parser and store, at a fixed clock.
#![allow(dead_code)]

use calltop::core::SessionStore;
use calltop::tui::state::{BoardConfig, Mode, UiState};
use calltop::tui::theme::{Theme, ThemeName};
use calltop::wire::{self, Ts};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;

/// A real capture (a copy in `tests/fixtures/captures`, see its README).
pub fn capture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/captures")
        .join(name)
}

/// 2024-05-01T12:00:00Z.
pub const T0: i64 = 1_714_564_800_000;

/// The fixed "now" of the snapshots: T0 + 10 minutes.
pub fn now() -> Ts {
    Ts(T0 + 600_000)
}

pub fn at(secs: i64) -> Ts {
    Ts(T0 + secs * 1000)
}

/// One party of an event.
pub struct PartySpec<'a> {
    pub id: &'a str,
    pub dir: &'a str,
    pub from: (&'a str, &'a str),
    pub to: (&'a str, &'a str),
    pub code: &'a str,
    pub ext: Option<&'a str>,
}

fn endpoint(e: (&str, &str)) -> serde_json::Value {
    let mut v = json!({ "phoneNumber": e.1 });
    if !e.0.is_empty() {
        v["name"] = json!(e.0);
    }
    v
}

/// Feeds one telephony/sessions notification at second `secs` after T0.
pub fn event(
    store: &mut SessionStore,
    tsid: &str,
    seq: i64,
    secs: i64,
    parties: &[PartySpec],
    extra: serde_json::Value,
) {
    let t = at(secs);
    let ps: Vec<serde_json::Value> = parties
        .iter()
        .map(|p| {
            let mut v = json!({
                "id": p.id,
                "direction": p.dir,
                "from": endpoint(p.from),
                "to": endpoint(p.to),
                "status": { "code": p.code },
                "accountId": "400123",
                "muted": false,
                "standAlone": false,
            });
            if let Some(x) = p.ext {
                v["extensionId"] = json!(x);
            }
            if let serde_json::Value::Object(m) = &extra {
                for (k, val) in m {
                    if k == "reason" {
                        v["status"]["reason"] = val.clone();
                    } else {
                        v[k] = val.clone();
                    }
                }
            }
            v
        })
        .collect();
    let text = json!({
        "uuid": format!("u-{tsid}-{seq}"),
        "event": "/restapi/v1.0/account/400123/telephony/sessions",
        "timestamp": t.to_rfc3339(),
        "body": {
            "sequence": seq,
            "telephonySessionId": tsid,
            "sessionId": format!("9{seq}{}", tsid.len()),
            "eventTime": t.to_rfc3339(),
            "parties": ps,
            "origin": { "type": "Call" },
        }
    })
    .to_string();
    let parsed = wire::parse(&text).expect("fixture parses");
    store.ingest(parsed, t.plus_millis(80));
}

pub const ALICE: (&str, &str) = ("Alice Caller", "+14155550101");
pub const SALES: (&str, &str) = ("Sales Queue", "+18005550100");
pub const BOB: (&str, &str) = ("Bob Agent", "+18005550102");
pub const CAROL: (&str, &str) = ("", "+442071234567");
pub const DAVE: (&str, &str) = ("Dave Customer", "+14155550144");
pub const ERIN: (&str, &str) = ("Erin Ops", "+18005550105");

/// A store with: a ringing call (amber), a talking outbound call, a call on hold for
/// 200 s (red) with a stale and a duplicate event, a parked call, and an ended call.
pub fn board_store() -> SessionStore {
    let mut s = SessionStore::default();
    let inb = |id, code| PartySpec {
        id,
        dir: "Inbound",
        from: ALICE,
        to: SALES,
        code,
        ext: Some("101"),
    };
    // Ringing since 570 s → 30 s at now (amber).
    event(
        &mut s,
        "s-ring",
        2,
        565,
        &[inb("p-ring-2", "Setup")],
        json!({}),
    );
    event(
        &mut s,
        "s-ring",
        3,
        570,
        &[inb("p-ring-2", "Proceeding")],
        json!({"queueCall": true}),
    );
    // Outbound call answered 185 s ago.
    let out = |code| PartySpec {
        id: "p-talk-1",
        dir: "Outbound",
        from: BOB,
        to: CAROL,
        code,
        ext: Some("102"),
    };
    event(&mut s, "s-talk", 2, 400, &[out("Setup")], json!({}));
    event(&mut s, "s-talk", 3, 405, &[out("Proceeding")], json!({}));
    event(
        &mut s,
        "s-talk",
        4,
        415,
        &[out("Answered")],
        json!({"recordings": [{"id": "rec-1", "active": true}]}),
    );
    // Inbound call: caller party + agent party; agent answered then on hold 200 s.
    let caller = |code| PartySpec {
        id: "p-hold-1",
        dir: "Outbound",
        from: DAVE,
        to: SALES,
        code,
        ext: None,
    };
    let agent = |code| PartySpec {
        id: "p-hold-2",
        dir: "Inbound",
        from: DAVE,
        to: ERIN,
        code,
        ext: Some("105"),
    };
    event(&mut s, "s-hold", 2, 300, &[caller("Setup")], json!({}));
    event(&mut s, "s-hold", 4, 310, &[agent("Answered")], json!({}));
    event(&mut s, "s-hold", 5, 310, &[caller("Answered")], json!({}));
    event(&mut s, "s-hold", 6, 400, &[agent("Hold")], json!({}));
    event(&mut s, "s-hold", 6, 400, &[agent("Hold")], json!({})); // duplicate
    event(&mut s, "s-hold", 3, 305, &[agent("Proceeding")], json!({})); // stale
                                                                        // Parked 10 s.
    let pk = |code| PartySpec {
        id: "p-park-2",
        dir: "Inbound",
        from: CAROL,
        to: ERIN,
        code,
        ext: Some("105"),
    };
    event(&mut s, "s-park", 2, 500, &[pk("Answered")], json!({}));
    event(
        &mut s,
        "s-park",
        3,
        590,
        &[pk("Parked")],
        json!({"park": {"id": "801"}}),
    );
    // Ended: answered, then disconnected.
    let done = |code| PartySpec {
        id: "p-done-2",
        dir: "Inbound",
        from: ALICE,
        to: ERIN,
        code,
        ext: Some("105"),
    };
    event(&mut s, "s-done", 2, 100, &[done("Proceeding")], json!({}));
    event(&mut s, "s-done", 3, 108, &[done("Answered")], json!({}));
    event(
        &mut s,
        "s-done",
        4,
        200,
        &[done("Disconnected")],
        json!({"reason": "CallFinished"}),
    );
    s
}

/// A UI state at a fixed size for the snapshots.
pub fn ui(mode: Mode) -> UiState {
    UiState::new(config(mode))
}

/// The snapshots' configuration: the dark theme, an account in the header.
pub fn config(mode: Mode) -> BoardConfig {
    BoardConfig {
        theme: Theme::named(ThemeName::Dark),
        account: "account 400123".into(),
        ..BoardConfig::new(mode)
    }
}

pub const W: u16 = 140;
pub const H: u16 = 36;

/// Draws one frame into a TestBackend.
pub fn render(store: &SessionStore, ui: &mut UiState, now: Ts) -> Terminal<TestBackend> {
    render_at(store, ui, now, W, H)
}

/// Draws one frame into a TestBackend of `w`×`h`.
pub fn render_at(
    store: &SessionStore,
    ui: &mut UiState,
    now: Ts,
    w: u16,
    h: u16,
) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    ui.view_mut().set_size(w, h);
    // A frame drawn at `now` by the wall clock too (the app reads it each frame), unless
    // the test set the wall clock apart.
    if ui.feed().wall == Ts::default() {
        ui.set_wall(now);
    }
    ui.sync(store, now);
    term.draw(|f| calltop::tui::views::draw(f, store, ui, now))
        .expect("draw");
    term
}

/// Single calls built party change by party change (call-level figures, history).
#[path = "../core/calls.rs"]
pub mod calls;

/// Feeds one raw line (a notification or a recording line) at second `secs`.
pub fn raw(store: &mut SessionStore, secs: i64, line: serde_json::Value) {
    let parsed = wire::parse(&line.to_string()).expect("fixture line parses");
    store.ingest(parsed, at(secs));
}

/// The gateway's `ConnectionDetails` frame of a session recovery that ended `state`
/// (`Failed`: subscribed again, what was missed is not known), as recorded at `secs`.
pub fn recovery_details(secs: i64, state: &str) -> serde_json::Value {
    serde_json::json!({"receivedAt": at(secs).to_rfc3339(), "frame": [
        {"type": "ConnectionDetails", "messageId": "m", "status": 200,
         "wsc": {"token": "t", "sequence": 2}},
        {"recoveryState": state, "recoveryTimeout": 180}]})
}

/// A telephony event of raw parties at second `secs`.
pub fn call_event(
    store: &mut SessionStore,
    tsid: &str,
    seq: i64,
    secs: i64,
    parties: serde_json::Value,
) {
    call_event_of(store, "400123", tsid, seq, secs, parties)
}

/// A telephony event of account `account`'s raw parties (each names the account).
pub fn call_event_of(
    store: &mut SessionStore,
    account: &str,
    tsid: &str,
    seq: i64,
    secs: i64,
    mut parties: serde_json::Value,
) {
    for p in parties.as_array_mut().into_iter().flatten() {
        p["accountId"] = json!(account);
    }
    let t = at(secs);
    raw(
        store,
        secs,
        json!({
            "uuid": format!("u-{tsid}-{seq}"),
            "event": format!("/restapi/v1.0/account/{account}/telephony/sessions"),
            "timestamp": t.to_rfc3339(),
            "body": {
                "sequence": seq,
                "telephonySessionId": tsid,
                "eventTime": t.to_rfc3339(),
                "parties": parties,
                "origin": { "type": "Call" },
            }
        }),
    );
}

pub fn caller(id: &str, number: &str, code: &str) -> serde_json::Value {
    json!({"id": id, "direction": "Outbound", "from": {"phoneNumber": number, "name": "CALLER"},
           "to": {"phoneNumber": "+18005550100"}, "status": {"code": code}})
}

pub fn queue_party(id: &str, q: &str, number: &str, code: &str) -> serde_json::Value {
    json!({"id": id, "direction": "Inbound", "extensionId": q,
           "from": {"phoneNumber": number}, "to": {"phoneNumber": "+18005550100", "extensionId": q},
           "status": {"code": code}})
}

pub fn agent_leg(id: &str, q: &str, agent: &str, number: &str, code: &str) -> serde_json::Value {
    json!({"id": id, "direction": "Inbound", "extensionId": agent, "queueCall": true,
           "from": {"phoneNumber": number, "name": "Q - CALLER"},
           "to": {"phoneNumber": "+18005550100", "extensionId": q},
           "status": {"code": code}})
}

fn presence(store: &mut SessionStore, secs: i64, ext: &str, seq: i64, body: serde_json::Value) {
    let mut b = body;
    b["extensionId"] = json!(ext);
    b["sequence"] = json!(seq);
    raw(
        store,
        secs,
        json!({
            "uuid": format!("pr-{ext}-{seq}"),
            "event": format!("/restapi/v1.0/account/400123/extension/{ext}/presence?detailedTelephonyState=true"),
            "timestamp": at(secs).to_rfc3339(),
            "body": b,
        }),
    );
}

/// A contact center at the fixed clock: queues Sales (800, SLA 30 s) and Support (801,
/// SLA 20 s); agents Ann 101 (talking on a Sales call), Bob 102 (ringing 20 s for a
/// Sales call waiting 30 s: red against the SLA), Cy 103 (a Support call on hold for
/// 100 s: amber), Dee 104 (DND since 300 s), Eve 105 (available, not taking Support's
/// calls), Fay 106 (offline). Sales: one answered in 10 s, one waiting; Support: one
/// answered in 25 s (over its SLA), one abandoned after 60 s.
pub fn center_store() -> SessionStore {
    let mut s = board_store();
    let user = |id: &str, n: &str, name: &str| json!({"id": id, "extensionNumber": n, "name": name, "type": "User", "status": "Enabled"});
    raw(
        &mut s,
        1,
        json!({"receivedAt": at(1).to_rfc3339(), "roster": {"extensions": [
            user("201", "101", "Ann Archer"), user("202", "102", "Bob Baker"),
            user("203", "103", "Cy Chen"), user("204", "104", "Dee Diaz"),
            user("205", "105", "Eve Evans"), user("206", "106", "Fay Fox"),
            {"id": "800", "extensionNumber": "800", "name": "Sales", "type": "Department",
             "callQueueInfo": {"slaThresholdSeconds": 30}},
            {"id": "801", "extensionNumber": "801", "name": "Support", "type": "Department",
             "callQueueInfo": {"slaThresholdSeconds": 20}},
        ]}}),
    );
    let members = |q: &str, ids: &[(&str, &str)]| {
        let recs: Vec<serde_json::Value> = ids
            .iter()
            .map(|(id, n)| json!({"id": id, "extensionNumber": n}))
            .collect();
        json!({"receivedAt": at(1).to_rfc3339(), "roster": {"members": {"queueId": q, "records": recs}}})
    };
    raw(
        &mut s,
        1,
        members(
            "800",
            &[
                ("201", "101"),
                ("202", "102"),
                ("204", "104"),
                ("205", "105"),
            ],
        ),
    );
    raw(
        &mut s,
        1,
        members("801", &[("203", "103"), ("205", "105"), ("206", "106")]),
    );
    raw(
        &mut s,
        1,
        json!({"receivedAt": at(1).to_rfc3339(), "roster": {"queuePresence": {"queueId": "801",
        "records": [{"member": {"id": "205"}, "acceptCurrentQueueCalls": false}]}}}),
    );
    let avail = json!({"presenceStatus": "Available", "userStatus": "Available", "telephonyStatus": "NoCall", "dndStatus": "TakeAllCalls"});
    for (i, ext) in ["201", "202", "203", "204", "205"].iter().enumerate() {
        presence(&mut s, 2, ext, 1 + i as i64, avail.clone());
    }
    presence(
        &mut s,
        300,
        "204",
        10,
        json!({"presenceStatus": "Available", "userStatus": "Available", "telephonyStatus": "NoCall", "dndStatus": "DoNotAcceptAnyCalls"}),
    );
    presence(
        &mut s,
        2,
        "206",
        1,
        json!({"presenceStatus": "Offline", "userStatus": "Offline", "telephonyStatus": "NoCall", "dndStatus": "TakeAllCalls"}),
    );
    // Sales, answered by Ann in 10 s; she is still talking.
    let n1 = "+14155550111";
    call_event(&mut s, "c-1", 1, 400, json!([caller("c1-1", n1, "Setup")]));
    call_event(
        &mut s,
        "c-1",
        2,
        400,
        json!([queue_party("c1-2", "800", n1, "Setup")]),
    );
    call_event(
        &mut s,
        "c-1",
        3,
        405,
        json!([agent_leg("c1-3", "800", "201", n1, "Proceeding")]),
    );
    call_event(
        &mut s,
        "c-1",
        4,
        410,
        json!([agent_leg("c1-3", "800", "201", n1, "Answered")]),
    );
    call_event(
        &mut s,
        "c-1",
        5,
        410,
        json!([caller("c1-1", n1, "Answered")]),
    );
    // Sales, waiting since 570 s; Bob rings since 580 s.
    let n2 = "+14155550122";
    call_event(&mut s, "c-2", 1, 570, json!([caller("c2-1", n2, "Setup")]));
    call_event(
        &mut s,
        "c-2",
        2,
        570,
        json!([queue_party("c2-2", "800", n2, "Setup")]),
    );
    call_event(
        &mut s,
        "c-2",
        3,
        580,
        json!([agent_leg("c2-3", "800", "202", n2, "Proceeding")]),
    );
    // Support, answered by Cy in 25 s, on hold since 500 s.
    let n3 = "+14155550133";
    call_event(&mut s, "c-3", 1, 300, json!([caller("c3-1", n3, "Setup")]));
    call_event(
        &mut s,
        "c-3",
        2,
        300,
        json!([queue_party("c3-2", "801", n3, "Setup")]),
    );
    call_event(
        &mut s,
        "c-3",
        3,
        320,
        json!([agent_leg("c3-3", "801", "203", n3, "Proceeding")]),
    );
    call_event(
        &mut s,
        "c-3",
        4,
        325,
        json!([agent_leg("c3-3", "801", "203", n3, "Answered")]),
    );
    call_event(
        &mut s,
        "c-3",
        5,
        325,
        json!([caller("c3-1", n3, "Answered")]),
    );
    call_event(
        &mut s,
        "c-3",
        6,
        500,
        json!([agent_leg("c3-3", "801", "203", n3, "Hold")]),
    );
    // Support, abandoned after 60 s.
    let n4 = "+14155550144";
    call_event(&mut s, "c-4", 1, 200, json!([caller("c4-1", n4, "Setup")]));
    call_event(
        &mut s,
        "c-4",
        2,
        200,
        json!([queue_party("c4-2", "801", n4, "Setup")]),
    );
    call_event(
        &mut s,
        "c-4",
        3,
        260,
        json!([caller("c4-1", n4, "Disconnected")]),
    );
    call_event(
        &mut s,
        "c-4",
        4,
        260,
        json!([queue_party("c4-2", "801", n4, "Disconnected")]),
    );
    s
}

/// One board over two accounts: [`center_store`] as account 400123, and account 400999
/// with its queue Billing (900, SLA 30 s), its agent Gus Green 301 (available) and a
/// caller waiting in Billing since 560 s; each account's agents and queues claimed as a
/// board over both accounts' relays claims them.
pub fn two_account_store() -> SessionStore {
    let mut s = center_store();
    s.center_mut().claim("400123");
    raw(
        &mut s,
        3,
        json!({"receivedAt": at(3).to_rfc3339(), "roster": {"extensions": [
            {"id": "301", "extensionNumber": "301", "name": "Gus Green", "type": "User", "status": "Enabled"},
            {"id": "900", "extensionNumber": "900", "name": "Billing", "type": "Department",
             "callQueueInfo": {"slaThresholdSeconds": 30}},
        ]}}),
    );
    raw(
        &mut s,
        3,
        json!({"receivedAt": at(3).to_rfc3339(), "roster": {"members": {"queueId": "900",
        "records": [{"id": "301", "extensionNumber": "301"}]}}}),
    );
    let avail = json!({"presenceStatus": "Available", "userStatus": "Available", "telephonyStatus": "NoCall", "dndStatus": "TakeAllCalls"});
    presence(&mut s, 3, "301", 1, avail);
    let n = "+14155550199";
    let (c, q) = (
        caller("c9-1", n, "Setup"),
        queue_party("c9-2", "900", n, "Setup"),
    );
    call_event_of(&mut s, "400999", "c-9", 1, 560, json!([c]));
    call_event_of(&mut s, "400999", "c-9", 2, 560, json!([q]));
    s.center_mut().claim("400999");
    s
}

/// The screen's lines.
pub fn lines(term: &Terminal<TestBackend>) -> Vec<String> {
    let buf = term.backend().buffer();
    let w = buf.area.width;
    (0..buf.area.height)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect()
}
