//! The memoised derived views (row order, header figures): a warm memo shows every
//! store change and every view input change at once, and equals a fresh walk of the
//! store at every clock — also when the clock crosses a running state's start, and
//! when a replay seek replaces the store.

use crate::support as tui_support;

use calltop::core::{SessionStore, StoreConfig, Totals};
use calltop::source::replay::{Options, Replay};
use calltop::tui::keymap::Command;
use calltop::tui::msg::Intent;
use calltop::tui::reducer::update;
use calltop::tui::rows::{board_rows, history_rows};
use calltop::tui::state::{Mode, Screen, UiState};
use calltop::tui::view::SortKey;
use calltop::wire::Ts;
use serde_json::json;
use tui_support::*;

fn screen(store: &SessionStore, ui: &mut UiState, now: Ts) -> String {
    render(store, ui, now).backend().to_string()
}

fn cmd(ui: &mut UiState, store: &SessionStore, c: Command) {
    update(ui, Intent::Cmd(c), store, now());
}

/// Row ids from the (possibly warm) memo.
fn memo_ids(ui: &UiState, store: &SessionStore, now: Ts) -> Vec<String> {
    ui.rows(store, now).iter().map(|s| s.id.clone()).collect()
}

/// Row ids computed afresh.
fn fresh_ids(ui: &UiState, store: &SessionStore, now: Ts) -> Vec<String> {
    match ui.view().screen() {
        Screen::Board => board_rows(store, ui.view(), now)
            .0
            .iter()
            .map(|s| s.id.clone())
            .collect(),
        Screen::History => history_rows(store, ui.view())
            .into_iter()
            .map(String::from)
            .collect(),
        Screen::Agents | Screen::Queues | Screen::Wallboard => Vec::new(),
    }
}

/// The ring/talk/hold totals by the formula itself, over every retained session,
/// archived ones unpacked (no evictions in these stores).
fn formula_totals(store: &SessionStore, now: Ts) -> Totals {
    let mut t = Totals::default();
    for s in store.all_sessions() {
        t.add_session(&s, now);
    }
    t
}

/// The memo agrees with a fresh walk at `now`, for the header and the rows.
fn check(ui: &UiState, store: &SessionStore, now: Ts, what: &str) {
    let sum = ui.summary(store, now);
    assert_eq!(sum, store.summary(now), "{what}: header figures at {now:?}");
    assert_eq!(
        sum.totals,
        formula_totals(store, now),
        "{what}: totals at {now:?}"
    );
    assert_eq!(
        memo_ids(ui, store, now),
        fresh_ids(ui, store, now),
        "{what}: rows (sort {:?}, descending {}) at {now:?}",
        ui.view().sort(),
        ui.view().sort_descending()
    );
}

fn ringing(tsid: &str, party: &str, secs: i64, store: &mut SessionStore) {
    let p = PartySpec {
        id: party,
        dir: "Inbound",
        from: DAVE,
        to: SALES,
        code: "Proceeding",
        ext: Some("101"),
    };
    event(store, tsid, 2, secs, &[p], json!({}));
}

#[test]
fn a_warm_board_shows_each_store_change_on_the_next_frame() {
    let mut store = board_store();
    let mut ui = ui(Mode::Demo);
    let first = screen(&store, &mut ui, now());
    assert!(first.contains("Calls 4/4"), "{first}");
    assert!(first.contains("1 ringing"), "{first}");

    // A new ringing call: the title, the header counts and the rows move.
    ringing("s-late", "p-late-2", 595, &mut store);
    let second = screen(&store, &mut ui, now());
    assert!(second.contains("Calls 5/5"), "{second}");
    assert!(second.contains("2 ringing"), "{second}");
    assert!(second.contains("Dave Customer"), "{second}");
    assert_ne!(first, second);

    // The same call answered, then ended: counts and rows follow.
    let p = |code| PartySpec {
        id: "p-late-2",
        dir: "Inbound",
        from: DAVE,
        to: SALES,
        code,
        ext: Some("101"),
    };
    event(&mut store, "s-late", 3, 596, &[p("Answered")], json!({}));
    let third = screen(&store, &mut ui, now());
    assert!(third.contains("1 ringing"), "{third}");
    event(
        &mut store,
        "s-late",
        4,
        598,
        &[p("Disconnected")],
        json!({}),
    );
    let fourth = screen(&store, &mut ui, now());
    assert!(fourth.contains("Calls 4/4"), "{fourth}");
    assert!(fourth.contains("2 answered"), "{fourth}");

    // An audit line is a store change too (it bumps the generation).
    store.audit("s-hold", at(599), "→ hold".into());
    check(&ui, &store, now(), "after an audit line");
}

#[test]
fn each_view_input_change_applies_on_the_next_frame() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    screen(&store, &mut ui, now());
    check(&ui, &store, now(), "start");

    cmd(&mut ui, &store, Command::Filter);
    for c in "dave".chars() {
        update(&mut ui, Intent::Input(c), &store, now());
        check(&ui, &store, now(), "typing the filter");
    }
    let filtered = screen(&store, &mut ui, now());
    assert!(filtered.contains("Calls 1/4"), "{filtered}");
    update(&mut ui, Intent::Backspace, &store, now());
    check(&ui, &store, now(), "backspace");
    update(&mut ui, Intent::Cancel, &store, now());
    assert_eq!(memo_ids(&ui, &store, now()).len(), 4);

    for _ in 0..6 {
        cmd(&mut ui, &store, Command::StateFilter);
        check(&ui, &store, now(), "state filter");
    }
    let mut orders = std::collections::HashSet::new();
    for _ in 0..6 {
        cmd(&mut ui, &store, Command::Sort);
        check(&ui, &store, now(), "sort");
        orders.insert(memo_ids(&ui, &store, now()));
        cmd(&mut ui, &store, Command::SortReverse);
        check(&ui, &store, now(), "reverse");
        orders.insert(memo_ids(&ui, &store, now()));
        cmd(&mut ui, &store, Command::SortReverse);
    }
    assert!(orders.len() > 2, "the sorts give different orders");

    cmd(&mut ui, &store, Command::History);
    check(&ui, &store, now(), "history");
    let history = screen(&store, &mut ui, now());
    assert!(history.contains("History 1"), "{history}");
    cmd(&mut ui, &store, Command::History);
    check(&ui, &store, now(), "back to the board");
}

#[test]
fn the_timer_sort_and_the_header_follow_the_clock_across_state_starts() {
    // Sessions start between 300 s and 595 s: sweeping the clock from 250 s to 700 s
    // crosses every running state's start (time in state goes from 0 to counting).
    let mut store = board_store();
    ringing("s-late", "p-late-2", 595, &mut store);
    let mut ui = ui(Mode::Demo);
    while ui.view().sort() != SortKey::Timer {
        cmd(&mut ui, &store, Command::Sort);
    }
    let mut orders = std::collections::HashSet::new();
    for reverse in [false, true] {
        let sort = ui.view().sort();
        ui.view_mut().sort_by(sort, reverse);
        for ms in (250_000..700_000).step_by(2_500) {
            let t = Ts(T0 + ms);
            check(&ui, &store, t, "clock forward");
            orders.insert(memo_ids(&ui, &store, t));
        }
        for ms in (250_000..700_000i32).step_by(7_000).rev().map(i64::from) {
            check(&ui, &store, Ts(T0 + ms), "clock backward");
        }
    }
    assert!(
        orders.len() > 4,
        "the timer order changes with the clock: {orders:?}"
    );
}

#[test]
fn a_replaced_store_at_the_same_generation_is_not_taken_for_the_old_one() {
    // As after a replay seek: another store whose generation equals the old one's.
    let mut a = board_store();
    let mut b = board_store();
    ringing("s-only-a", "p-a", 595, &mut a);
    ringing("s-only-b", "p-b", 596, &mut b);
    assert_eq!(a.generation(), b.generation());
    assert_ne!(a.version(), b.version());
    assert_ne!(a.clone().version(), a.version(), "a clone is another store");

    let mut ui = ui(Mode::Demo);
    assert!(memo_ids(&ui, &a, now()).contains(&"s-only-a".to_string()));
    let ids = memo_ids(&ui, &b, now());
    assert!(ids.contains(&"s-only-b".to_string()), "{ids:?}");
    assert!(!ids.contains(&"s-only-a".to_string()), "{ids:?}");
    check(&ui, &b, now(), "replaced store");
    let frame = screen(&b, &mut ui, now());
    assert!(frame.contains("Dave Customer"), "{frame}");
}

#[test]
fn captures_stepped_and_seeked_back_with_a_warm_memo_match_a_fresh_walk() {
    for name in [
        "PSTN-RingCentral-DataStreams.jsonl",
        "RingCentral-PSTN.jsonl",
        "RingCentral-RingCentral.jsonl",
    ] {
        let mut rp = Replay::open(&capture_path(name), Options::default()).expect("capture");
        let mut store = rp.new_store();
        let mut ui = ui(Mode::Replay);
        let (start, end) = (rp.start().0 - 5_000, rp.end().0 + 30_000);
        let sweep = |ui: &mut UiState, store: &SessionStore| {
            for sort in [SortKey::Start, SortKey::Timer, SortKey::State] {
                let descending = ui.view().sort_descending();
                ui.view_mut().sort_by(sort, descending);
                for ms in (start..end).step_by(1_500) {
                    check(ui, store, Ts(ms), name);
                }
            }
        };
        while rp.step(&mut store) {
            sweep(&mut ui, &store);
        }
        // Seek back to the middle: the store is rebuilt (a new instance).
        let mid = Ts((rp.start().0 + rp.end().0) / 2);
        rp.seek(mid, &mut store);
        sweep(&mut ui, &store);
        ui.view_mut().show(Screen::History);
        sweep(&mut ui, &store);
    }
}

#[test]
fn the_history_lists_archived_calls_filters_them_and_opens_their_detail() {
    let mut store = SessionStore::new(StoreConfig {
        detail_window: 2,
        ..StoreConfig::default()
    });
    let names: Vec<String> = (0..6).map(|i| format!("Caller {i}")).collect();
    let nums: Vec<String> = (0..6).map(|i| format!("+1415555020{i}")).collect();
    for i in 0..6 {
        let p = |code| PartySpec {
            id: "p-1",
            dir: "Inbound",
            from: (&names[i], &nums[i]),
            to: SALES,
            code,
            ext: Some("101"),
        };
        let (tsid, t) = (format!("s-{i}"), 10 * i as i64);
        event(&mut store, &tsid, 2, t, &[p("Proceeding")], json!({}));
        event(&mut store, &tsid, 3, t + 2, &[p("Answered")], json!({}));
        event(&mut store, &tsid, 4, t + 5, &[p("Disconnected")], json!({}));
    }
    assert_eq!(store.archived().count(), 4, "all but the detail window");
    let mut ui = ui(Mode::Demo);
    screen(&store, &mut ui, now());
    cmd(&mut ui, &store, Command::History);
    let text = screen(&store, &mut ui, now());
    let ids: Vec<String> = (0..6).rev().map(|i| format!("s-{i}")).collect();
    assert_eq!(memo_ids(&ui, &store, now()), ids, "newest end first");
    check(&ui, &store, now(), "history with archived calls");
    for n in &names {
        assert!(text.contains(n.as_str()), "{n} missing:\n{text}");
    }
    // A filter matches inside archived calls too.
    ui.view_mut().set_filter(nums[1].clone());
    let text = screen(&store, &mut ui, now());
    assert_eq!(memo_ids(&ui, &store, now()), ["s-1"]);
    assert!(
        text.contains("Caller 1") && !text.contains("Caller 2"),
        "{text}"
    );
    // And an archived call opens in the detail pane.
    cmd(&mut ui, &store, Command::Open);
    assert!(ui.view().detail());
    let text = screen(&store, &mut ui, now());
    assert!(text.contains(" s-1 Answered"), "{text}");
    assert!(text.contains("3 older entries dropped"), "{text}");
}

/// What a random run does between frames.
#[derive(Clone, Debug)]
enum Op {
    /// The next `n` lines of the generated stream, received `skew` ms after their
    /// eventTime (negative: the event time runs ahead of the receive clock).
    Events { n: usize, skew: i64 },
    /// A frame `ms` after the store's clock (negative: before it).
    Frame { ms: i64 },
    /// A presence notification seeds a new call (ringing since `ago` ms).
    Presence { ago: i64 },
    /// A reconcile snapshot of active call `i` (new party state `code`).
    Snapshot { i: usize, code: usize },
    /// Reconciliation finds active call `i` gone.
    Gone { i: usize },
    /// An audit line on call `i`.
    Audit { i: usize },
    /// A view input changes (sort, direction, state filter, pin, text filter).
    View { what: usize },
    /// The directory of the generated center is loaded (`on`), or an empty one.
    Directory { on: bool },
}

/// The `/` filters a run types: a digit, an agent's name from the directory, a queue's
/// id, a caller's number prefix, a queue's name.
const FILTERS: [&str; 5] = ["2", "extension 6200000", "63000002", "+1", "queue"];

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        6 => (1usize..30, -3_000i64..5_000).prop_map(|(n, skew)| Op::Events { n, skew }),
        6 => (-2_000i64..8_000).prop_map(|ms| Op::Frame { ms }),
        1 => (-2_000i64..20_000).prop_map(|ago| Op::Presence { ago }),
        1 => (0usize..64, 0usize..4).prop_map(|(i, code)| Op::Snapshot { i, code }),
        1 => (0usize..64).prop_map(|i| Op::Gone { i }),
        1 => (0usize..64).prop_map(|i| Op::Audit { i }),
        1 => (0usize..14).prop_map(|what| Op::View { what }),
        1 => any::<bool>().prop_map(|on| Op::Directory { on }),
    ]
}

/// The header figures and the board's rows from the (patched) memo equal a full
/// rebuild at the same clock, and so does the whole frame (the overview: header, calls
/// and agents side by side) against a board drawn with no memo.
fn check_patched(ui: &mut UiState, store: &SessionStore, now: Ts, step: usize) {
    let mut cold = tui_support::ui(Mode::Live);
    *cold.view_mut() = ui.view().clone();
    if ui.feed().wall != Ts::default() {
        cold.set_wall(ui.feed().wall);
    }
    let (w, h) = (160, 45);
    let fresh = render_at(store, &mut cold, now, w, h);
    let warm = render_at(store, ui, now, w, h);
    assert_eq!(
        warm.backend().buffer(),
        fresh.backend().buffer(),
        "step {step}: the frame (filter {:?}) at {now:?}",
        ui.view().filter(),
    );
    assert_eq!(
        ui.summary(store, now),
        store.summary(now),
        "step {step}: header figures at {now:?}"
    );
    assert_eq!(
        memo_ids(ui, store, now),
        fresh_ids(ui, store, now),
        "step {step}: rows (sort {:?}, descending {}, filter {:?}/{:?}) at {now:?}",
        ui.view().sort(),
        ui.view().sort_descending(),
        ui.view().filter(),
        ui.view().state_filter(),
    );
}

/// The `i`th active call (by id), if any.
fn active(store: &SessionStore, i: usize) -> Option<String> {
    let mut ids = store.active_ids();
    ids.sort();
    (!ids.is_empty()).then(|| ids[i % ids.len()].clone())
}

/// Runs `ops` over a generated stream: calls only, or (`center`) queue calls with
/// agents and presence.
fn run_ops(seed: u64, concurrent: usize, center: bool, config: StoreConfig, ops: &[Op]) {
    use calltop::wire;
    let lines = match center {
        true => calltop::synth::center_stream(6_000, concurrent, seed),
        false => calltop::synth::stream(6_000, concurrent, seed),
    };
    let event_time = |line: &str| -> Ts {
        let parsed = wire::parse(line).unwrap();
        parsed.stream_time().unwrap()
    };
    let mut store = SessionStore::new(config);
    let mut ui = ui(Mode::Live);
    let mut next = 0;
    let mut clock = event_time(&lines[0]);
    let mut seeded = 0;
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::Events { n, skew } => {
                for line in lines.iter().skip(next).take(*n) {
                    let at = event_time(line).plus_millis(*skew);
                    clock = clock.max(at);
                    store.ingest(wire::parse(line).unwrap(), at);
                }
                next += n;
            }
            Op::Frame { ms } => check_patched(&mut ui, &store, clock.plus_millis(*ms), step),
            Op::Presence { ago } => {
                seeded += 1;
                let line = json!({
                    "uuid": format!("pres-{seeded}"),
                    "event": "/restapi/v1.0/account/1/extension/1/presence?detailedTelephonyState=true",
                    "body": {"extensionId": 1, "activeCalls": [{
                        "id": format!("c-{seeded}"), "direction": "Inbound",
                        "from": "+14155550000", "to": "+18005550100",
                        "telephonyStatus": "Ringing",
                        "startTime": clock.plus_millis(-ago).to_rfc3339(),
                        "partyId": format!("p-pres-{seeded}-1"),
                        "telephonySessionId": format!("s-pres-{seeded}"),
                    }]},
                });
                store.ingest(wire::parse(&line.to_string()).unwrap(), clock);
            }
            Op::Snapshot { i, code } => {
                let Some(id) = active(&store, *i) else {
                    continue;
                };
                let code = ["Proceeding", "Answered", "Hold", "Disconnected"][*code];
                let party = store.get(&id).unwrap().parties[0].id.clone();
                let line = json!({"restSession": {
                    "id": id, "creationTime": clock.plus_millis(-60_000).to_rfc3339(),
                    "parties": [{"id": party, "direction": "Inbound", "status": {"code": code}}],
                }});
                store.ingest(wire::parse(&line.to_string()).unwrap(), clock);
            }
            Op::Gone { i } => {
                if let Some(id) = active(&store, *i) {
                    let line = json!({ "sessionGone": id });
                    store.ingest(wire::parse(&line.to_string()).unwrap(), clock);
                }
            }
            Op::Audit { i } => {
                if let Some(id) = active(&store, *i) {
                    store.audit(&id, clock, "hold: ok".into());
                }
            }
            Op::View { what } => {
                let v = ui.view_mut();
                match what {
                    0..=3 => v.sort_by(v.sort().next(), v.sort_descending()),
                    4 => v.sort_by(v.sort(), !v.sort_descending()),
                    5 => v.set_state_filter(v.state_filter().next()),
                    6 => v.set_pinned(active(&store, step)),
                    7 => v.set_pinned(None),
                    8 => v.set_filter(""),
                    9..=12 => v.set_filter(FILTERS[(step + what) % FILTERS.len()]),
                    _ => v.set_target_party(None),
                }
            }
            Op::Directory { on } => {
                let roster = match on {
                    true => calltop::synth::center_directory(),
                    false => wire::RosterLine::Extensions(vec![]),
                };
                store.center_mut().roster(&roster);
            }
        }
    }
    check_patched(&mut ui, &store, clock, ops.len());
}

proptest::proptest! {
    #![proptest_config(crate::common::proptest_cases(64))]

    /// Any sequence of events (calls, or queue calls with agents), snapshots, presence
    /// seeds, reconciles, audits, evictions and archiving, directory changes, view
    /// changes (text filters too), frames at clocks before and after the store's: the
    /// patched header figures and row order equal a full rebuild at the same clock, and
    /// the frame one drawn with no memo.
    #[test]
    fn patched_header_and_rows_equal_a_rebuild(
        seed in 0u64..1_000,
        concurrent in 1usize..30,
        center in proptest::prelude::any::<bool>(),
        detail_window in 0usize..4,
        max_ended in 0usize..12,
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        let config = StoreConfig {
            detail_window,
            max_ended,
            ..StoreConfig::default()
        };
        run_ops(seed, concurrent, center, config, &ops);
    }
}

/// More changes between two frames than the store's log keeps: the next frame walks
/// every session again, and still equals a rebuild.
#[test]
fn a_frame_after_the_change_log_overflowed_equals_a_rebuild() {
    let ops = [
        Op::Events { n: 200, skew: 0 },
        Op::Frame { ms: 0 },
        Op::Events { n: 4_500, skew: 10 },
        Op::Frame { ms: 100 },
        Op::Events { n: 5, skew: 10 },
        Op::Frame { ms: 200 },
    ];
    run_ops(7, 40, false, StoreConfig::default(), &ops);
    let config = StoreConfig {
        detail_window: 1,
        max_ended: 3,
        ..StoreConfig::default()
    };
    run_ops(8, 40, true, config, &ops);
}

/// A queue first heard of on one call names another call's queue (a party on the
/// queue's extension, not marked as a queue call): with a `/` filter on that name, the
/// call unchanged joins the rows on the next frame, as in a rebuild.
#[test]
fn a_queue_heard_of_on_one_call_joins_another_to_a_filtered_board() {
    let mut store = board_store();
    let party = PartySpec {
        id: "p-q-1",
        dir: "Inbound",
        from: DAVE,
        to: SALES,
        // Ringing: not taken for an agent (whose removal would change the directory).
        code: "Proceeding",
        ext: Some("777"),
    };
    event(&mut store, "s-on-777", 2, 590, &[party], json!({}));
    let mut ui = ui(Mode::Demo);
    ui.view_mut().set_filter("queue 777");
    screen(&store, &mut ui, now());
    assert!(memo_ids(&ui, &store, now()).is_empty());
    let line = json!({
        "uuid": "u-s-queued-2",
        "event": "/restapi/v1.0/account/400123/telephony/sessions",
        "timestamp": at(592).to_rfc3339(),
        "body": {"sequence": 2, "telephonySessionId": "s-queued", "eventTime": at(592).to_rfc3339(),
            "parties": [{"id": "p-queued-2", "direction": "Inbound", "queueCall": true,
                "from": {"phoneNumber": "+14155550111"}, "to": {"extensionId": "777"},
                "status": {"code": "Proceeding"}}]},
    });
    raw(&mut store, 592, line);
    check(&ui, &store, now(), "a queue heard of");
    assert!(memo_ids(&ui, &store, now()).contains(&"s-on-777".to_string()));
}
