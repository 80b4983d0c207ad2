//! Every Call Control action against the simulator: the request succeeds (or is
//! refused with one human line) and the resulting notification reaches the store.

use crate::support as live_support;

use calltop::core::control::{Control, ControlAction, ControlRequest, FlipNumber, Outcome, Target};
use calltop::core::PartyState;
use calltop::core::SharedStore;
use calltop::modes::Audited;
use calltop::source::live::LiveHandle;
use calltop::wire::{Reason, StatusCode};
use live_support::*;
use std::time::{Duration, Instant};

fn code_is(p: &PartyState, codes: &[StatusCode]) -> bool {
    p.code().is_some_and(|c| codes.contains(c))
}

/// Parties of active sessions that satisfy `pick`, newest sessions first.
fn candidates(store: &SharedStore, pick: &dyn Fn(&PartyState) -> bool) -> Vec<(String, String)> {
    let s = store.read();
    let mut v: Vec<_> = s
        .sessions()
        .filter(|sess| !sess.ended)
        .flat_map(|sess| {
            sess.parties
                .iter()
                .filter(|p| p.extension_id.get().is_some() && pick(p))
                .map(|p| (sess.first_seen, sess.id.clone(), p.id.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    v.sort();
    v.into_iter().rev().map(|(_, s, p)| (s, p)).collect()
}

fn party(store: &SharedStore, sid: &str, pid: &str) -> Option<PartyState> {
    store.read().get(sid).and_then(|s| s.party(pid).cloned())
}

/// Runs `action` on a party satisfying `pick` (retrying other parties when the call
/// moved on meanwhile: 409), then waits until the store shows `effect`.
async fn act(
    h: &LiveHandle,
    store: &SharedStore,
    what: &str,
    pick: &dyn Fn(&PartyState) -> bool,
    action: &dyn Fn(&PartyState) -> ControlAction,
    effect: &dyn Fn(&SharedStore, &str, &str) -> bool,
) -> (String, String, Outcome) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = None;
    while Instant::now() < deadline {
        for (sid, pid) in candidates(store, pick).into_iter().take(3) {
            let Some(p) = party(store, &sid, &pid) else {
                continue;
            };
            let out = live_support::act(h, &sid, &pid, action(&p)).await;
            match &out {
                Outcome::Done { .. } => {
                    wait_until(10, &format!("the notification after {what}"), || {
                        effect(store, &sid, &pid)
                    })
                    .await;
                    return (sid, pid, out);
                }
                Outcome::Failed { message } => {
                    assert!(
                        !message.is_empty() && !message.contains('\n'),
                        "one human line: {message}"
                    );
                    last = Some(message.clone());
                }
                Outcome::RateLimited { .. } => panic!("unexpected 429 in {what}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: no suitable party succeeded; last error {last:?}");
}

fn has_code(codes: &'static [StatusCode]) -> impl Fn(&SharedStore, &str, &str) -> bool {
    move |st, s, p| party(st, s, p).is_some_and(|p| code_is(&p, codes))
}

/// A simulator busy enough that every party state comes soon: 400 calls a minute at
/// 0.4 time scale, no extras.
fn busy_sim(seed: u64) -> calltop::sim::SimConfig {
    let mut cfg = sim_config(seed);
    cfg.calls_per_minute = 400.0;
    cfg.time_scale = 0.4;
    cfg.extras = false;
    cfg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_sends_its_request_and_the_notification_follows() {
    let sim = start_sim(busy_sim(31)).await;
    let store = new_store();
    let mut lc = live_config(&sim, None);
    // the supervisor's device: any internal device the stream names
    let h0 = spawn(lc.clone(), &store);
    wait_live(&h0).await;
    wait_until(20, "a device id in the stream", || {
        store
            .read()
            .sessions()
            .any(|s| s.parties.iter().any(|p| p.from.device_id.get().is_some()))
    })
    .await;
    let device = store
        .read()
        .sessions()
        .flat_map(|s| {
            s.parties
                .iter()
                .filter_map(|p| p.from.device_id.text().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .next()
        .unwrap();
    h0.shutdown().await;
    lc.device_id = Some(device);
    let h = spawn(lc, &store);
    wait_live(&h).await;

    const ANSWERED: &[StatusCode] = &[StatusCode::Answered];
    const RINGING: &[StatusCode] = &[StatusCode::Setup, StatusCode::Proceeding];
    let answered = |p: &PartyState| code_is(p, ANSWERED);
    let ringing = |p: &PartyState| code_is(p, RINGING);

    // hold / unhold
    let (s, p, out) = act(
        &h,
        &store,
        "hold",
        &answered,
        &|_| ControlAction::Hold,
        &has_code(&[StatusCode::Hold]),
    )
    .await;
    assert_eq!(out.describe("hold"), "on hold");
    // through the audited control the board is handed: the action and its outcome
    // land in the call's audit trail
    let audited = Audited::new(h.control.clone(), store.clone());
    let request = ControlRequest::on_party(&s, &p, ControlAction::Unhold);
    let out = audited.execute(request).await;
    assert_eq!(out.describe("unhold"), "taken off hold");
    wait_until(10, "unhold notification", || {
        has_code(ANSWERED)(&store, &s, &p)
    })
    .await;
    let audit: Vec<String> = store
        .read()
        .get(&s)
        .unwrap()
        .timeline
        .iter()
        .filter_map(|e| match &e.kind {
            calltop::core::EntryKind::Audit(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        audit,
        vec![
            format!("→ unhold (party {p})"),
            "← taken off hold".to_string()
        ]
    );

    // mute / unmute
    let muted = |v: bool| {
        move |st: &SharedStore, s: &str, p: &str| {
            party(st, s, p).is_some_and(|p| p.muted.get() == Some(&v))
        }
    };
    let (s, p, _) = act(
        &h,
        &store,
        "mute",
        &answered,
        &|_| ControlAction::Mute { muted: true },
        &muted(true),
    )
    .await;
    let unmute = ControlAction::Mute { muted: false };
    assert!(matches!(
        live_support::act(&h, &s, &p, unmute).await,
        Outcome::Done { .. }
    ));
    wait_until(10, "unmute notification", || muted(false)(&store, &s, &p)).await;

    // recording: start, pause, resume
    let rec_active = |v: bool| {
        move |st: &SharedStore, s: &str, p: &str| {
            party(st, s, p).is_some_and(|p| {
                p.recordings
                    .get()
                    .is_some_and(|r| r.iter().any(|r| r.active == v))
            })
        }
    };
    let (s, p, out) = act(
        &h,
        &store,
        "start recording",
        &answered,
        &|_| ControlAction::StartRecording,
        &rec_active(true),
    )
    .await;
    let rid = party(&store, &s, &p).unwrap().recording_ids()[0].to_string();
    assert_eq!(
        out.describe("start recording"),
        format!("recording {rid} started"),
        "the response names the recording"
    );
    let pause = ControlAction::PauseRecording {
        recording: rid.clone(),
    };
    assert!(matches!(
        live_support::act(&h, &s, &p, pause).await,
        Outcome::Done { .. }
    ));
    wait_until(10, "recording paused", || rec_active(false)(&store, &s, &p)).await;
    let resume = ControlAction::ResumeRecording { recording: rid };
    assert!(matches!(
        live_support::act(&h, &s, &p, resume).await,
        Outcome::Done { .. }
    ));
    wait_until(10, "recording resumed", || rec_active(true)(&store, &s, &p)).await;

    // park, then drop the parked party
    let (s, p, out) = act(
        &h,
        &store,
        "park",
        &answered,
        &|_| ControlAction::Park,
        &has_code(&[StatusCode::Parked]),
    )
    .await;
    let orbit = party(&store, &s, &p)
        .and_then(|p| p.park.get().and_then(|k| k.id.clone()))
        .expect("a park orbit");
    assert_eq!(out.describe("park"), format!("parked at {orbit}"));
    assert!(matches!(
        live_support::act(&h, &s, &p, ControlAction::DropParty).await,
        Outcome::Done { .. }
    ));
    wait_until(10, "parked party dropped", || {
        party(&store, &s, &p).is_some_and(|p| p.is_terminal())
    })
    .await;

    // park, then pick it up on the supervisor's device
    let (s, p, _) = act(
        &h,
        &store,
        "park to pick up",
        &answered,
        &|_| ControlAction::Park,
        &has_code(&[StatusCode::Parked]),
    )
    .await;
    let out = live_support::act(&h, &s, &p, ControlAction::Pickup).await;
    assert_eq!(out.describe("pick up"), "picked up on your device");
    wait_until(10, "the parked party picked up", || {
        party(&store, &s, &p)
            .is_some_and(|p| p.is_terminal() && p.reason() == Some(&Reason::Pickup))
    })
    .await;

    // blind transfer to an outside number
    let terminal =
        |st: &SharedStore, s: &str, p: &str| party(st, s, p).is_some_and(|p| p.is_terminal());
    act(
        &h,
        &store,
        "transfer",
        &answered,
        &|_| ControlAction::Transfer {
            to: Target::parse("+16505550123").unwrap(),
        },
        &terminal,
    )
    .await;

    // supervise: a supervisor party joins the session
    let supervising = |st: &SharedStore, s: &str, _: &str| {
        st.read().get(s).is_some_and(|x| {
            x.parties
                .iter()
                .any(|p| p.reason() == Some(&Reason::Supervising))
        })
    };
    act(
        &h,
        &store,
        "supervise",
        &answered,
        &|p| ControlAction::Supervise {
            agent: p.extension_id.text().unwrap_or_default().to_string(),
        },
        &supervising,
    )
    .await;

    // flip: the party leaves with reason CallFlip (a new leg takes over)
    let flipped = |st: &SharedStore, s: &str, p: &str| {
        party(st, s, p).is_some_and(|p| p.is_terminal() && p.reason() == Some(&Reason::CallFlip))
    };
    act(
        &h,
        &store,
        "flip",
        &answered,
        &|_| ControlAction::Flip {
            to: FlipNumber::parse("2").unwrap(),
        },
        &flipped,
    )
    .await;

    // ringing parties: answer, forward, reject
    act(
        &h,
        &store,
        "answer",
        &ringing,
        &|_| ControlAction::Answer,
        &has_code(ANSWERED),
    )
    .await;
    let moved_on =
        |st: &SharedStore, s: &str, p: &str| party(st, s, p).is_some_and(|p| !code_is(&p, RINGING));
    act(
        &h,
        &store,
        "forward",
        &ringing,
        &|_| ControlAction::Forward {
            to: Target::parse("+16505550124").unwrap(),
        },
        &moved_on,
    )
    .await;
    act(
        &h,
        &store,
        "reject",
        &ringing,
        &|_| ControlAction::Reject,
        &moved_on,
    )
    .await;

    // hang up the whole call
    let ended = |st: &SharedStore, s: &str, _: &str| st.read().get(s).is_some_and(|x| x.ended);
    act(
        &h,
        &store,
        "hang up",
        &answered,
        &|_| ControlAction::HangUp,
        &ended,
    )
    .await;

    // refusals are values with one human line
    let out = live_support::act(&h, "s-does-not-exist", "p-1", ControlAction::Hold).await;
    match &out {
        Outcome::Failed { message } => assert!(!message.is_empty(), "{message}"),
        other => panic!("{other:?}"),
    }
    let said = out.describe("hold");
    assert!(
        said.starts_with("hold failed: ") && said.matches("hold").count() == 1,
        "{said}"
    );
    h.shutdown().await;
    sim.shutdown().await;
}

/// A 429 is reported with the wait, and nothing is sent until it has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_is_reported_with_the_wait() {
    let mut cfg = sim_config(32);
    cfg.light_limit_per_min = 3;
    cfg.penalty_secs = 60;
    cfg.calls_per_minute = 0.0;
    let sim = start_sim(cfg).await;
    let store = new_store();
    // Agents and queues not followed: their start-up reads (six Light requests for two
    // queues) would race the actions for the user's three, and sometimes win.
    let mut live = live_config(&sim, None);
    live.subscription.roster = false;
    let h = spawn(live, &store);
    wait_live(&h).await;
    let mut outcomes = Vec::new();
    for _ in 0..5 {
        outcomes.push(live_support::act(&h, "s-none", "p-none", ControlAction::Hold).await);
    }
    let first_429 = outcomes
        .iter()
        .position(|o| matches!(o, Outcome::RateLimited { .. }))
        .expect("a 429 within 5 requests");
    assert!(first_429 >= 1, "{outcomes:?}");
    let waits: Vec<_> = outcomes[first_429..]
        .iter()
        .map(|o| match o {
            Outcome::RateLimited { retry_after } => *retry_after,
            other => panic!("after a 429 every action waits: {other:?}"),
        })
        .collect();
    assert!(
        waits[0] > Duration::from_secs(50) && waits[0] <= Duration::from_secs(60),
        "{waits:?}"
    );
    assert!(
        waits.windows(2).all(|w| w[1] <= w[0]),
        "the penalty is counted down locally, not reset: {waits:?}"
    );
    assert!(outcomes[first_429]
        .describe("hold")
        .starts_with("hold: rate limited by the platform, retry in"));
    h.shutdown().await;
    sim.shutdown().await;
}

/// `calltop demo` without `--device-id`: the supervisor's listen-in device is found over
/// the API among its three Online devices, and `l` on a talking call — the board's own
/// reducer, confirmed — makes the simulator supervise from that device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listen_in_device_is_picked_and_l_supervises_from_it() {
    use calltop::tui::keymap::Command;
    use calltop::tui::msg::{Effect, Intent};
    use calltop::tui::reducer::update;
    use calltop::tui::state::{BoardConfig, Mode, Overlay, UiState};
    use calltop::wire::devices::{DeviceStatus, DeviceType};

    let mut cfg = sim_config(17);
    cfg.warm_start = true;
    cfg.extras = false;
    let sim = start_sim(cfg).await;
    let store = new_store();
    let h = spawn(live_config(&sim, None), &store);
    wait_live(&h).await;

    let devices = h.roster.devices().await.unwrap();
    let online = |d: &&calltop::wire::devices::Device| d.status == Some(DeviceStatus::Online);
    assert!(devices.iter().filter(online).count() > 1, "{devices:?}");
    let device = h.roster.listen_in_device().await.unwrap();
    let picked = devices.iter().find(|d| d.id == device).unwrap();
    assert_eq!(picked.kind, Some(DeviceType::OtherPhone), "{picked:?}");
    let control = h.control.clone().with_device(device.clone());

    // A call an agent is talking on, nobody listening yet.
    let mut talking = None;
    wait_until(30, "an agent talking", || {
        let st = store.read();
        talking = st
            .sessions()
            .filter(|s| !s.ended)
            .filter(|s| {
                !s.parties
                    .iter()
                    .any(|p| p.reason() == Some(&Reason::Supervising))
            })
            .find(|s| {
                s.agent_party()
                    .is_some_and(|p| p.code() == Some(&StatusCode::Answered))
            })
            .map(|s| s.id.clone());
        talking.is_some()
    })
    .await;
    let sid = talking.unwrap();

    let mut ui = UiState::new(BoardConfig::new(Mode::Demo));
    ui.view_mut().set_size(200, 50);
    ui.view_mut().select(sid.clone());
    ui.view_mut().set_pinned(Some(sid.clone()));
    ui.view_mut().set_follow_top(false);
    let now = calltop::wire::Ts::now();
    let fx = {
        let st = store.read();
        ui.sync(&st, now);
        update(&mut ui, Intent::Cmd(Command::Listen), &st, now);
        assert!(
            matches!(ui.view().overlay(), Overlay::Confirm(c) if c.question.starts_with("Listen in on")),
            "{:?} {:?}",
            *ui.view().overlay(),
            ui.status()
        );
        update(&mut ui, Intent::ToggleFocus, &st, now);
        update(&mut ui, Intent::Submit, &st, now)
    };
    let request = fx
        .iter()
        .find_map(|e| match e {
            Effect::Control(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the confirmed listen-in is sent");
    assert_eq!(request.session(), Some(sid.as_str()));
    let out = control.execute(&request).await;
    assert!(matches!(out, Outcome::Done { .. }), "{out:?}");
    assert_eq!(
        out.describe(&request.action.verb()),
        "listening in on your device"
    );

    // The simulator: a supervising party of that call, from the listen-in device.
    let call = sim.call_states().into_iter().find(|c| c.id == sid).unwrap();
    let sup = call
        .parties
        .iter()
        .find(|p| p.status.as_ref().and_then(|s| s.reason.as_ref()) == Some(&Reason::Supervising))
        .unwrap_or_else(|| panic!("no supervising party: {call:?}"));
    assert_eq!(
        sup.from.as_ref().and_then(|f| f.device_id.as_deref()),
        Some(device.as_str())
    );
    h.shutdown().await;
    sim.shutdown().await;
}

/// The board's lines now, drawn into a test terminal of 200×50.
fn screen(store: &SharedStore, ui: &mut calltop::tui::state::UiState) -> String {
    screen_at(store, ui, calltop::wire::Ts::now())
}

/// `R` over real sockets: the board's reply reaches `calltop sim` as RingCentral's
/// `POST …/parties/{p}/reply` with a pattern body; the sim answers 200 with the party,
/// now `Disconnected` with reason `CallReplied`, and the telephony notification says so
/// to the store; the board says it was done. The sim refuses what the spec refuses: no
/// body (400), an unknown pattern or time unit (400), a party that is not ringing (409).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_is_answered_as_the_spec_says_and_the_board_shows_it() {
    use calltop::platform::http::HttpError;
    use calltop::tui::keymap::Command;
    use calltop::tui::msg::{Effect, Event, Intent};
    use calltop::tui::reducer::update;
    use calltop::tui::state::{BoardConfig, Mode, Overlay, UiState};
    use calltop::wire::Direction;
    use reqwest::Method;
    use serde_json::json;

    let sim = start_sim(busy_sim(41)).await;
    let store = new_store();
    let h = spawn(live_config(&sim, None), &store);
    wait_live(&h).await;
    let auth = h.control.auth().clone();
    let path = |s: &str, p: &str| {
        format!("/restapi/v1.0/account/~/telephony/sessions/{s}/parties/{p}/reply")
    };
    let ringing_in = |p: &PartyState| {
        p.code() == Some(&StatusCode::Proceeding) && p.direction.get() == Some(&Direction::Inbound)
    };

    // What the spec refuses, on a ringing party, before anything changes.
    let mut first = None;
    wait_until(30, "an inbound party ringing", || {
        first = candidates(&store, &ringing_in).into_iter().next();
        first.is_some()
    })
    .await;
    let (s0, p0) = first.unwrap();
    let status_of = |r: Result<String, HttpError>| match r {
        Err(HttpError::Status { status, message }) => (status, message),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let (st, msg) = status_of(
        auth.request(Method::POST, &path(&s0, &p0), Some(&json!({})))
            .await,
    );
    assert_eq!(st, 400, "{msg}");
    assert!(msg.contains("replyWithText"), "{msg}");
    let bad = json!({"replyWithPattern": {"pattern": "OnHoliday"}});
    let (st, msg) = status_of(
        auth.request(Method::POST, &path(&s0, &p0), Some(&bad))
            .await,
    );
    assert_eq!((st, msg.contains("OnHoliday")), (400, true), "{msg}");
    let bad =
        json!({"replyWithPattern": {"pattern": "CallMeBack", "time": 5, "timeUnit": "Fortnight"}});
    let (st, msg) = status_of(
        auth.request(Method::POST, &path(&s0, &p0), Some(&bad))
            .await,
    );
    assert_eq!((st, msg.contains("Fortnight")), (400, true), "{msg}");

    // An answered party is not the reply's: 409.
    let mut talking = None;
    wait_until(30, "an answered party", || {
        talking = candidates(&store, &|p| code_is(p, &[StatusCode::Answered]))
            .into_iter()
            .next();
        talking.is_some()
    })
    .await;
    let (s1, p1) = talking.unwrap();
    let body = json!({"replyWithText": "Back at 3"});
    let (st, msg) = status_of(
        auth.request(Method::POST, &path(&s1, &p1), Some(&body))
            .await,
    );
    assert_eq!(st, 409, "{msg}");

    // The board: R, "3" (on my way), confirmed, sent through the live client.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (sid, pid, request, out) = loop {
        assert!(
            Instant::now() < deadline,
            "no ringing party could be replied to"
        );
        let Some((sid, pid)) = candidates(&store, &ringing_in).into_iter().next() else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let mut ui = UiState::new(BoardConfig::new(Mode::Live));
        ui.view_mut().set_size(200, 50);
        ui.view_mut().select(sid.clone());
        ui.view_mut().set_pinned(Some(sid.clone()));
        ui.view_mut().set_follow_top(false);
        ui.view_mut()
            .set_target_party(Some((sid.clone(), pid.clone())));
        let now = calltop::wire::Ts::now();
        let fx = {
            let st = store.read();
            ui.sync(&st, now);
            update(
                &mut ui,
                Intent::Cmd(Command::Call(calltop::core::control::CallKey::Reply)),
                &st,
                now,
            );
            update(&mut ui, Intent::Input('3'), &st, now);
            update(&mut ui, Intent::Submit, &st, now);
            if !matches!(ui.view().overlay(), Overlay::Confirm(c) if c.question.starts_with("Reply to "))
            {
                // The party stopped ringing meanwhile: try another.
                continue;
            }
            update(&mut ui, Intent::ToggleFocus, &st, now);
            update(&mut ui, Intent::Submit, &st, now)
        };
        let request = fx
            .iter()
            .find_map(|e| match e {
                Effect::Control(r) => Some(r.clone()),
                _ => None,
            })
            .expect("the confirmed reply is sent");
        let out = h.control.execute(&request).await;
        if matches!(out, Outcome::Done { .. }) {
            update(
                &mut ui,
                Event::ControlDone {
                    request: request.clone(),
                    outcome: out.clone(),
                },
                &store.read(),
                calltop::wire::Ts::now(),
            );
            let board = screen(&store, &mut ui);
            assert!(board.contains("replied “I'm on my way”"), "{board}");
            break (sid, pid, request, out);
        }
    };
    assert_eq!(request.session(), Some(sid.as_str()));
    assert_eq!(out.describe("reply"), "replied “I'm on my way”");
    // The notification: the party left, replied to.
    wait_until(10, "the CallReplied notification", || {
        party(&store, &sid, &pid).is_some_and(|p| {
            p.code() == Some(&StatusCode::Disconnected) && p.reason() == Some(&Reason::CallReplied)
        })
    })
    .await;
    // The same request straight at the sim: 200 with the party, replied to, and a
    // party that has left can't be replied to again (409).
    let mut next = None;
    wait_until(30, "another inbound party ringing", || {
        next = candidates(&store, &ringing_in).into_iter().next();
        next.is_some()
    })
    .await;
    let (s2, p2) = next.unwrap();
    let body = json!({"replyWithPattern": {"pattern": "WillCallYouBack", "time": 5, "timeUnit": "Minute"}});
    match auth
        .request(Method::POST, &path(&s2, &p2), Some(&body))
        .await
    {
        Ok(text) => {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["id"], p2.as_str(), "{v}");
            assert_eq!(v["status"]["code"], "Disconnected", "{v}");
            assert_eq!(v["status"]["reason"], "CallReplied", "{v}");
            let (st, msg) = status_of(
                auth.request(Method::POST, &path(&s2, &p2), Some(&body))
                    .await,
            );
            assert_eq!(st, 409, "{msg}");
        }
        // It stopped ringing between the look and the request: the spec's 409.
        Err(e) => assert!(matches!(e, HttpError::Status { status: 409, .. }), "{e:?}"),
    }
    h.shutdown().await;
    sim.shutdown().await;
}
