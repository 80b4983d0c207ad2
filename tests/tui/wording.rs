//! What the board says while it cannot know yet, and small wording and layout slips
//! (issue 23, items 22 and 23).

use crate::support as tui_support;

use calltop::core::control::CallKey;
use calltop::source::Loading;
use calltop::tui::keymap::Command;
use calltop::tui::msg::{Event, Intent};
use calltop::tui::reducer::update;
use calltop::tui::state::{Mode, Screen};
use tui_support::*;

/// While the live source's first load (agents, queues, calls in progress) is not over —
/// here rate limited — the agents and queues views say they are loading, and what the
/// load brings is `—`, not a blank call or `0/0/0` ("nobody staffed"); once it is over
/// the figures show.
#[test]
fn while_seeding_the_agents_and_queues_say_loading_not_zero() {
    // The directory is known, presence and queue members are not (yet).
    let mut store = board_store();
    raw(
        &mut store,
        1,
        serde_json::json!({"receivedAt": at(1).to_rfc3339(), "roster": {"extensions": [
            {"id": "201", "extensionNumber": "101", "name": "Ann Archer", "type": "User", "status": "Enabled"},
            {"id": "800", "extensionNumber": "800", "name": "Sales", "type": "Department"},
        ]}}),
    );
    let seeding = Loading {
        seeding: true,
        waiting_until: Some(now().plus_millis(12_000)),
        ..Loading::default()
    };
    for (w, h) in [(80, 24), (200, 50)] {
        for screen in [Screen::Queues, Screen::Agents, Screen::Wallboard] {
            let mut ui = ui(Mode::Live);
            update(&mut ui, Event::Loading(seeding), &store, now());
            ui.view_mut().show(screen);
            let l = lines(&render_at(&store, &mut ui, now(), w, h));
            let text = l.join("\n");
            assert!(text.contains("loading…"), "{screen:?} {w}x{h}:\n{text}");
            assert!(!text.contains("0/0/0"), "{screen:?} {w}x{h}:\n{text}");
            assert!(!text.contains("0 available"), "{screen:?} {w}x{h}:\n{text}");
            if w == 200 {
                assert!(
                    text.contains("rate limited by the platform, waiting 12s"),
                    "{screen:?}:\n{text}"
                );
            }
            if screen == Screen::Agents {
                let ann = l.iter().find(|r| r.contains("Ann Archer")).unwrap();
                assert!(ann.contains('—'), "a call not known yet: {ann}");
            }
        }
        // Loaded: the figures, and no word of loading.
        let mut ui = ui(Mode::Live);
        update(&mut ui, Event::Loading(Loading::default()), &store, now());
        ui.view_mut().show(Screen::Queues);
        let text = lines(&render_at(&store, &mut ui, now(), w, h)).join("\n");
        assert!(!text.contains("loading"), "{text}");
        assert!(text.contains("0/0/0"), "{text}");
    }
}

/// A load held back says what waits (the calls in progress, then the queues' members)
/// and why: after a 429, `rate limited by the platform`; when the login's rate budget
/// holds it (the user's requests of the window spent by another of its clients, or
/// this process's share), `paced by the user's rate budget` — never a silent `3 of 9`
/// that does not move.
#[test]
fn a_load_held_back_says_whether_the_platform_or_the_budget_holds_it() {
    let store = board_store();
    for (paced, why) in [
        (false, "rate limited by the platform"),
        (true, "paced by the user's rate budget"),
    ] {
        let reloading = Loading {
            done: 3,
            total: 9,
            waiting_until: Some(now().plus_millis(60_000)),
            paced,
            reloading: true,
            ..Loading::default()
        };
        let mut board = ui(Mode::Live);
        update(&mut board, Event::Loading(reloading), &store, now());
        let text = lines(&render_at(&store, &mut board, now(), 200, 50)).join("\n");
        let said = format!("loading the calls in progress: 3 of 9, {why}, waiting 60s");
        assert!(text.contains(&said), "{said}:\n{text}");
        // While the message stands, its wait counts down: one figure on screen.
        let soon = now().plus_millis(10_000);
        board.set_wall(soon);
        update(&mut board, Event::Tick, &store, soon);
        let text = lines(&render_at(&store, &mut board, soon, 200, 50)).join("\n");
        let said = format!("loading the calls in progress: 3 of 9, {why}, waiting 50s");
        assert!(text.contains(&said), "{said}:\n{text}");
        assert_eq!(text.matches(", waiting ").count(), 1, "{text}");
        // Once the message has been read (it goes), the load still says why it waits,
        // and how long is left.
        let later = now().plus_millis(45_000);
        board.set_wall(later);
        update(&mut board, Event::Tick, &store, later);
        let text = lines(&render_at(&store, &mut board, later, 200, 50)).join("\n");
        let said = format!("loading the calls in progress: 3 of 9, {why}, waiting 15s");
        assert!(text.contains(&said), "{said}:\n{text}");
        // The calls loaded, what waits is the queues' members: not "9 of 9 calls".
        let members = Loading {
            done: 9,
            ..reloading
        };
        update(&mut board, Event::Loading(members), &store, later);
        let text = lines(&render_at(&store, &mut board, later, 200, 50)).join("\n");
        let said = format!("loading the queues' members, {why}, waiting 15s");
        assert!(text.contains(&said), "{said}:\n{text}");
        let seeding = Loading {
            seeding: true,
            waiting_until: Some(now().plus_millis(12_000)),
            paced,
            ..Loading::default()
        };
        let mut board = ui(Mode::Live);
        update(&mut board, Event::Loading(seeding), &store, now());
        board.view_mut().show(Screen::Agents);
        let text = lines(&render_at(&store, &mut board, now(), 200, 50)).join("\n");
        let said = format!("loading… ({why}, waiting 12s)");
        assert!(text.contains(&said), "{said}:\n{text}");
    }
}

/// After an outage, until the load it calls for is over (the directory and presence
/// first, then the calls in progress, here rate limited: a second board of the same user
/// took the budget), an agent with no call known may be on one begun unseen: the
/// queues' availability is `—`, not `0/0/0`, and the agent's row is marked `?` with its
/// call `—`; once the load is over, the figures show again.
#[test]
fn while_calls_load_again_after_an_outage_availability_is_not_known() {
    let mut store = board_store();
    raw(
        &mut store,
        1,
        serde_json::json!({"receivedAt": now().to_rfc3339(), "roster": {"extensions": [
            {"id": "201", "extensionNumber": "101", "name": "Ann Archer", "type": "User", "status": "Enabled"},
            {"id": "800", "extensionNumber": "800", "name": "Sales", "type": "Department"},
        ]}}),
    );
    // Subscribed again, the directory and presence loading: the calls not begun yet.
    let begun = Loading {
        reloading: true,
        ..Loading::default()
    };
    let reloading = Loading {
        done: 3,
        total: 9,
        waiting_until: Some(now().plus_millis(20_000)),
        reloading: true,
        ..Loading::default()
    };
    for (w, h) in [(80, 24), (200, 50)] {
        for (loading, known) in [
            (begun, false),
            (reloading, false),
            (Loading::default(), true),
        ] {
            let mut ui = ui(Mode::Live);
            update(&mut ui, Event::Loading(loading), &store, now());
            ui.view_mut().show(Screen::Queues);
            let text = lines(&render_at(&store, &mut ui, now(), w, h)).join("\n");
            let sales = text.lines().find(|l| l.contains("Sales")).expect(&text);
            assert_eq!(sales.contains("0/0/0"), known, "{w}x{h}: {sales}");
            ui.view_mut().show(Screen::Agents);
            let l = lines(&render_at(&store, &mut ui, now(), w, h));
            let ann = l
                .iter()
                .find(|r| r.contains("Ann Archer"))
                .expect("Ann's row");
            assert_eq!(ann.starts_with(" ?"), !known, "{w}x{h}: {ann}");
            assert!(known || ann.contains('—'), "{w}x{h}: {ann}");
            // The header's calls in progress: a lower bound while they load.
            let counts = &l[1];
            let n = store.summary(now()).active;
            let bound = format!("now: ≥{n} calls");
            let exact = format!("now: {n} calls");
            assert!(
                counts.contains(if known { &exact } else { &bound }),
                "{w}x{h}: {counts}"
            );
        }
    }
}

/// A recording that names no call queue says so, not "known yet (the directory loads at
/// start)"; the same for agents.
#[test]
fn a_recording_without_queues_says_so() {
    let store = board_store();
    let mut ui = ui(Mode::Replay);
    ui.view_mut().show(Screen::Queues);
    let text = lines(&render_at(&store, &mut ui, now(), 80, 24)).join("\n");
    assert!(text.contains("no call queues in this recording"), "{text}");
    assert!(!text.contains("known yet"), "{text}");
    ui.view_mut().show(Screen::Agents);
    let text = lines(&render_at(&store, &mut ui, now(), 80, 24)).join("\n");
    assert!(!text.contains("known yet"), "{text}");
}

/// The wallboard shows every queue that fits whole: at 100×29 and 100×30 no queue goes
/// to `+1 more` over empty lines, and whenever some do not fit, no room for another
/// panel (7 rows) is left empty above the `+N more` line.
#[test]
fn the_wallboard_fills_its_height_before_saying_more() {
    let store = center_store();
    for h in [29, 30] {
        let mut ui = ui(Mode::Demo);
        ui.view_mut().show(Screen::Wallboard);
        let text = lines(&render_at(&store, &mut ui, now(), 100, h)).join("\n");
        assert!(!text.contains("more (waiting)"), "100x{h}:\n{text}");
        for name in ["All queues", "Sales", "Support"] {
            assert!(text.contains(name), "100x{h}: {name}:\n{text}");
        }
    }
    for h in 18..=40u16 {
        let mut ui = ui(Mode::Demo);
        ui.view_mut().show(Screen::Wallboard);
        let l = lines(&render_at(&store, &mut ui, now(), 100, h));
        let Some(more) = l.iter().position(|r| r.contains("more (waiting)")) else {
            continue;
        };
        // The rows between the last panel's small figures and the `+N more` line.
        let last_panel = l[..more]
            .iter()
            .rposition(|r| r.contains("offered "))
            .unwrap_or(0);
        let empty = more - last_panel - 1;
        assert!(
            empty < 7,
            "100x{h}: {empty} empty rows before +more, room for a panel:\n{}",
            l.join("\n")
        );
    }
}

/// Small words: the detail's title names the platform's other id (`sessionId`), and
/// Record's button says what it does.
#[test]
fn the_detail_title_labels_its_ids_and_record_says_what_it_does() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    ui.view_mut().select("s-talk");
    update(&mut ui, Intent::Cmd(Command::Open), &store, now());
    let l = lines(&render_at(&store, &mut ui, now(), 120, 40));
    let title = l
        .iter()
        .find(|r| r.contains(" s-talk "))
        .expect("detail title");
    let sid = store.get("s-talk").unwrap().session_id.clone().unwrap();
    assert!(title.contains(&format!("sessionId {sid}")), "{title}");
    update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::Record)),
        &store,
        now(),
    );
    let text = lines(&render_at(&store, &mut ui, now(), 120, 40)).join("\n");
    // (This call is being recorded: `r` pauses it.)
    assert!(text.contains("[  Pause recording  ]"), "{text}");
    assert!(!text.contains("OK  ]"), "{text}");
}
