//! Snapshots of the main screens (TestBackend, fixed size, fixed clock) and checks
//! of the styles that carry meaning (alert colours, monochrome).

use crate::support as tui_support;

use calltop::core::control::CallKey;
use calltop::source::replay::{Options, Replay, Speed};
use calltop::tui::keymap::Command;
use calltop::tui::msg::{Event, Intent};
use calltop::tui::reducer::update;
use calltop::tui::state::{BoardConfig, Mode, Screen, UiState};
use calltop::tui::theme::{Theme, ThemeName};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use tui_support::*;

fn select(ui: &mut calltop::tui::state::UiState, id: &str) {
    ui.view_mut().select(id.to_string());
}

#[test]
fn board() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    let term = render(&store, &mut ui, now());
    insta::assert_snapshot!(term.backend());
}

#[test]
fn detail_with_timeline() {
    let mut store = board_store();
    store.audit("s-hold", at(590), "→ hold (party p-hold-2)".into());
    store.audit("s-hold", at(591), "← hold: done".into());
    let mut ui = ui(Mode::Demo);
    select(&mut ui, "s-hold");
    update(&mut ui, Intent::Cmd(Command::Open), &store, now());
    assert!(ui.view().detail());
    let term = render(&store, &mut ui, now());
    insta::assert_snapshot!(term.backend());
}

#[test]
fn confirm_dialog() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    select(&mut ui, "s-talk");
    update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::HangUp)),
        &store,
        now(),
    );
    let term = render(&store, &mut ui, now());
    insta::assert_snapshot!(term.backend());
}

#[test]
fn help() {
    let store = board_store();
    let mut ui = ui(Mode::Live);
    update(&mut ui, Intent::Cmd(Command::Help), &store, now());
    let term = render(&store, &mut ui, now());
    insta::assert_snapshot!(term.backend());
}

#[test]
fn history() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    update(&mut ui, Intent::Cmd(Command::History), &store, now());
    assert_eq!(ui.view().screen(), Screen::History);
    let term = render(&store, &mut ui, now());
    insta::assert_snapshot!(term.backend());
}

#[test]
fn replay_header() {
    let path = capture_path("PSTN-RingCentral-DataStreams.jsonl");
    let mut rp = Replay::open(&path, Options::default()).expect("capture");
    let mut store = rp.new_store();
    // Mid-call: 20 s after the first event.
    rp.seek(rp.start().plus_millis(20_000), &mut store);
    let mut ui = UiState::new(BoardConfig {
        account: "file PSTN-RingCentral-DataStreams.jsonl".into(),
        ..config(Mode::Replay)
    });
    let st = rp.status(Speed::X5, true);
    let now = st.clock_at(st.since);
    update(&mut ui, Event::Replay(st), &store, now);
    assert_eq!(now, rp.pos());
    let term = render(&store, &mut ui, now);
    insta::assert_snapshot!(term.backend());
}

#[test]
fn alert_rows_are_coloured_and_glyphed_and_mono_has_no_colour() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    let term = render(&store, &mut ui, now());
    let buf = term.backend().buffer();
    let row_of = |needle: &str| {
        (0..H)
            .find(|y| {
                let line: String = (0..W).map(|x| buf[(x, *y)].symbol().to_string()).collect();
                line.contains(needle)
            })
            .unwrap_or_else(|| panic!("no row with {needle}"))
    };
    let hold = row_of("Dave Customer");
    let ring = row_of("Alice Caller");
    // Red with the critical glyph for 200 s on hold; amber with the warn glyph for 30 s ringing.
    assert_eq!(buf[(1, hold)].symbol(), "‼");
    assert_eq!(buf[(1, hold)].fg, Color::LightRed);
    assert_eq!(buf[(1, ring)].symbol(), "▲");
    assert_eq!(buf[(1, ring)].fg, Color::Yellow);

    let mut mono = UiState::new(BoardConfig {
        theme: Theme::named(ThemeName::Mono),
        ..config(Mode::Demo)
    });
    let term = render(&store, &mut mono, now());
    let buf = term.backend().buffer();
    assert!(buf
        .content()
        .iter()
        .all(|c| matches!(c.fg, Color::Reset) && matches!(c.bg, Color::Reset)));
    // The state still reads without colour.
    let text: String = buf.content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("‖ Hold") && text.contains("☏ Proceeding") && text.contains("P Parked"));
}

/// The screens at 80×24 (the smallest a supervisor may use) and 200×50.
fn sized(
    name: &str,
    w: u16,
    h: u16,
    setup: impl Fn(&mut calltop::tui::state::UiState, &calltop::core::SessionStore),
) {
    let mut store = board_store();
    store.audit("s-hold", at(590), "→ hold (party p-hold-2)".into());
    let mut ui = ui(Mode::Demo);
    ui.view_mut().set_size(w, h);
    setup(&mut ui, &store);
    let term = render_at(&store, &mut ui, now(), w, h);
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), term.backend());
}

#[test]
fn screens_at_80x24_and_200x50() {
    for (w, h) in [(80, 24), (200, 50)] {
        sized("board", w, h, |_, _| {});
        sized("detail", w, h, |ui, store| {
            select(ui, "s-hold");
            update(ui, Intent::Cmd(Command::Open), store, now());
        });
        sized("history", w, h, |ui, store| {
            update(ui, Intent::Cmd(Command::History), store, now());
        });
        sized("help", w, h, |ui, store| {
            update(ui, Intent::Cmd(Command::Help), store, now());
        });
        sized("confirm", w, h, |ui, store| {
            select(ui, "s-talk");
            update(
                ui,
                Intent::Cmd(Command::Call(CallKey::HangUp)),
                store,
                now(),
            );
        });
    }
}

/// The contact-center screens at 80×24 and 200×50, from [`center_store`].
fn center_sized(name: &str, w: u16, h: u16, keys: &[Command]) {
    let store = center_store();
    let mut ui = ui(Mode::Demo);
    ui.view_mut().set_size(w, h);
    for k in keys {
        update(&mut ui, Intent::Cmd(*k), &store, now());
    }
    let term = render_at(&store, &mut ui, now(), w, h);
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), term.backend());
}

#[test]
fn center_screens_at_80x24_and_200x50() {
    for (w, h) in [(80, 24), (200, 50)] {
        center_sized("agents", w, h, &[Command::Agents]);
        center_sized("queues", w, h, &[Command::Queues]);
        center_sized("queue_detail", w, h, &[Command::Queues, Command::Open]);
        center_sized("wallboard", w, h, &[Command::Wallboard]);
        center_sized("overview", w, h, &[]);
    }
}

/// A board over two accounts: the calls, agents and queues views have an Account
/// column, the queues view each account's totals and all of them, and the `/` filter
/// keeps one account's rows.
#[test]
fn two_accounts_on_one_board() {
    let store = two_account_store();
    assert_eq!(store.center().accounts(), ["400123", "400999"]);
    let shot = |name: &str, keys: &[Command], filter: &str| {
        let mut ui = ui(Mode::Live);
        ui.view_mut().set_size(200, 50);
        for k in keys {
            update(&mut ui, Intent::Cmd(*k), &store, now());
        }
        ui.view_mut().set_filter(filter);
        let term = render_at(&store, &mut ui, now(), 200, 50);
        insta::assert_snapshot!(name.to_string(), term.backend());
        lines(&term).join("\n")
    };
    let overview = shot("two_accounts_overview", &[], "");
    let queues = shot("two_accounts_queues", &[Command::Queues], "");
    let agents = shot("two_accounts_agents", &[Command::Agents], "");
    for screen in [&overview, &queues, &agents] {
        assert!(screen.contains("Account"), "{screen}");
        assert!(screen.contains("400999"), "{screen}");
    }
    assert!(
        queues.contains("Σ 400123") && queues.contains("Σ all accounts"),
        "{queues}"
    );
    let filtered = shot("two_accounts_queues_filtered", &[Command::Queues], "400999");
    assert!(filtered.contains("Billing"), "{filtered}");
    assert!(!filtered.contains("Sales "), "{filtered}");
    let calls = shot("two_accounts_agents_filtered", &[Command::Agents], "400999");
    assert!(
        calls.contains("Gus Green") && !calls.contains("Ann Archer"),
        "{calls}"
    );
}

/// The overview's queue strip shows as many queues as fit above the accounts' totals
/// rows, and its title counts those it shows, not every queue.
#[test]
fn the_queue_strip_counts_the_queues_it_shows() {
    let store = two_account_store();
    let all = store.center().queues().count();
    let strip = |h: u16| {
        let mut ui = ui(Mode::Live);
        ui.sync(&store, now());
        let mut term = Terminal::new(TestBackend::new(200, h)).expect("test terminal");
        term.draw(|f| calltop::tui::views::queues::render_strip(f, f.area(), &store, &ui, now()))
            .expect("drawn");
        lines(&term)
    };
    // Three queues and three totals rows (two accounts and all) fill 6 rows whole.
    assert!(
        strip(8)[0].contains(&format!(" Queues {all}/{all} ")),
        "{:?}",
        strip(8)
    );
    let short = strip(7);
    assert!(
        short[0].contains(&format!(" Queues {}/{all} ", all - 1)),
        "{short:?}"
    );
    assert_eq!(
        short.iter().filter(|l| l.contains('Σ')).count(),
        3,
        "{short:?}"
    );
}

/// An agent known only from call events (ext id 105, not in the directory) is named by
/// its own end of the call — the callee of its inbound leg — and the filter finds it.
#[test]
fn an_agent_seen_only_in_calls_is_named_by_its_calls() {
    let store = board_store();
    assert!(store
        .center()
        .agent("105")
        .is_some_and(|a| a.name.is_none()));
    let mut ui = ui(Mode::Demo);
    ui.view_mut().set_size(200, 50);
    update(&mut ui, Intent::Cmd(Command::Agents), &store, now());
    let text = |ui: &mut calltop::tui::state::UiState| {
        let term = render_at(&store, ui, now(), 200, 50);
        let buf = term.backend().buffer().clone();
        buf.content().iter().map(|c| c.symbol()).collect::<String>()
    };
    let all = text(&mut ui);
    assert!(all.contains("Erin Ops +18005550105"), "{all}");
    assert!(!all.contains("id 105"), "{all}");
    ui.view_mut().set_filter("erin");
    let found = text(&mut ui);
    assert!(found.contains("Agents 1/"), "{found}");
    assert!(found.contains("Erin Ops +18005550105"), "{found}");
}
