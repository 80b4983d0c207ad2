//! Queue alarms on the board: raised, a queue's row and wallboard tile in the alarm
//! colour, ALARM in the header, the bell with `--bell`; cleared, it says so.

use crate::support as tui_support;

use calltop::core::alarms::{AlarmRules, Alarms};
use calltop::tui::action::{update, Action, Effect};
use calltop::tui::state::{Mode, Screen};
use calltop::tui::theme::Level;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tui_support::*;

/// The style of the first cell of `text` on the screen.
fn style_of(term: &Terminal<TestBackend>, text: &str) -> ratatui::style::Style {
    let l = lines(term);
    let y = l.iter().position(|r| r.contains(text)).expect(text);
    let col = l[y][..l[y].find(text).unwrap()].chars().count();
    term.backend().buffer()[(col as u16, y as u16)].style()
}

#[test]
fn a_raised_alarm_colours_its_queue_rings_and_shows_until_it_clears() {
    let store = center_store();
    // Sales has a caller waiting 30 s.
    let rules = AlarmRules::parse("[queue.800]\noldest_wait_over = 10\n").unwrap();
    let mut alarms = Alarms::new(rules);
    let changes = alarms.evaluate(store.center(), now());
    assert_eq!(changes.len(), 1, "{changes:?}");
    let raised = changes[0].clone();
    let mut ui = ui(Mode::Live);
    ui.config.bell = true;
    ui.view.screen = Screen::Queues;
    let before = render(&store, &mut ui, now());
    let crit = ui.theme().level(Level::Crit);
    assert_ne!(style_of(&before, "Sales 800").fg, crit.fg);
    let fx = update(&mut ui, Action::Alarm(raised.clone()), &store, now());
    assert!(fx.contains(&Effect::Bell), "{fx:?}");
    let term = render(&store, &mut ui, now());
    let text = lines(&term).join("\n");
    assert!(text.contains("ALARM 800 oldest wait"), "{text}");
    assert!(
        text.contains("alarm raised: queue 800 oldest wait (30, threshold 10)"),
        "{text}"
    );
    assert_eq!(style_of(&term, "Sales 800").fg, crit.fg, "{text}");
    assert_ne!(style_of(&term, "Support 801").fg, crit.fg, "{text}");
    ui.view.screen = Screen::Wallboard;
    let wall = render(&store, &mut ui, now());
    assert_eq!(style_of(&wall, "⚠ Sales").fg, crit.fg);
    // Without --bell, no bell.
    let mut quiet = tui_support::ui(Mode::Live);
    let fx = update(&mut quiet, Action::Alarm(raised.clone()), &store, now());
    assert!(!fx.contains(&Effect::Bell), "{fx:?}");
    // Cleared: it says so, and the queue is back to its colours.
    let cleared = calltop::core::alarms::AlarmChange {
        raised: false,
        ..raised
    };
    update(&mut ui, Action::Alarm(cleared), &store, now());
    ui.view.screen = Screen::Queues;
    let term = render(&store, &mut ui, now());
    let text = lines(&term).join("\n");
    assert!(!text.contains("ALARM"), "{text}");
    assert!(
        text.contains("alarm cleared: queue 800 oldest wait"),
        "{text}"
    );
    assert_ne!(style_of(&term, "Sales 800").fg, crit.fg, "{text}");
}
