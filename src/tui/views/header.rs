//! The header: mode, source, connection, rates, counts, figures, replay progress.

use super::hms;
use crate::core::{clock, SessionStore};
use crate::source::live::ConnState;
use crate::tui::state::{Mode, UiState};
use crate::tui::theme::Level;
use crate::wire::Ts;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the header.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let t = ui.theme();
    let sep = || Span::styled(" │ ", t.dim());
    let mode = match ui.config.mode {
        Mode::Live => "LIVE".to_string(),
        Mode::Demo => "DEMO".to_string(),
        Mode::Replay => match &ui.feed.replay {
            Some(r) if r.paused => format!("REPLAY ×{} PAUSED", r.speed.label()),
            Some(r) if r.done() => format!("REPLAY ×{} END", r.speed.label()),
            Some(r) => format!("REPLAY ×{}", r.speed.label()),
            None => "REPLAY".to_string(),
        },
    };
    let mut l1 = vec![
        Span::styled("calltop ", t.title()),
        Span::styled(format!(" {mode} "), t.button_focused()),
    ];
    if !ui.config.account.is_empty() {
        l1.push(sep());
        l1.push(Span::raw(ui.config.account.clone()));
    }
    if let Some(c) = &ui.feed.conn {
        l1.push(sep());
        let (text, level) = connection(c, now);
        l1.push(Span::styled(text, t.level(level)));
    }
    l1.push(sep());
    l1.push(Span::raw(format!("{:.1} ev/s", ui.feed.rate.per_sec())));
    if let Some(lag) = ui.feed.lag_ms {
        l1.push(sep());
        l1.push(Span::raw(format!("lag {lag}ms")));
    }
    l1.push(sep());
    l1.push(Span::styled(format!("{} UTC", hms(now)), t.dim()));

    let sum = ui.summary(store, now);
    let tot = &sum.totals;
    let n = |label: &str, v: u64, level: Level| {
        vec![
            Span::styled(format!("{label} "), t.dim()),
            Span::styled(v.to_string(), if v > 0 { t.level(level) } else { t.text() }),
            Span::raw("  "),
        ]
    };
    let mut l2 = Vec::new();
    l2.extend(n("active", sum.active, Level::Normal));
    l2.extend(n("ringing", sum.ringing, Level::Warn));
    l2.extend(n("on hold", sum.on_hold, Level::Normal));
    l2.extend(n("parked", sum.parked_now, Level::Normal));
    l2.push(Span::styled("│ ", t.dim()));
    l2.extend(n("answered", tot.answered, Level::Ok));
    l2.extend(n("missed", tot.missed, Level::Crit));
    l2.extend(n("voicemail", tot.voicemail, Level::Normal));
    l2.extend(n("abandoned", tot.abandoned, Level::Normal));
    let c = &sum.counters;
    if c.stale + c.duplicate + c.malformed > 0 {
        l2.push(Span::styled(
            format!(
                "│ stale {} dup {} bad {}",
                c.stale, c.duplicate, c.malformed
            ),
            t.dim(),
        ));
    }
    let fig = |label: &str, s: &crate::core::Stat| {
        vec![
            Span::styled(format!("{label} avg "), t.dim()),
            Span::raw(clock(s.avg_ms())),
            Span::styled(" max ", t.dim()),
            Span::raw(clock(s.max_ms)),
        ]
    };
    let mut l3 = fig("ring", &tot.ring);
    l3.push(sep());
    l3.extend(fig("talk", &tot.talk));
    l3.push(sep());
    l3.extend(fig("hold", &tot.hold));
    l3.push(sep());
    l3.push(Span::styled(format!("events {}", c.events), t.dim()));

    let mut lines = vec![Line::from(l1), Line::from(l2), Line::from(l3)];
    if let Some(r) = &ui.feed.replay {
        lines.push(progress(r, now, area.width, ui));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The header's words for a connection state, with the retry countdown.
pub fn connection(c: &ConnState, now: Ts) -> (String, Level) {
    match c {
        ConnState::Connecting => ("connecting…".into(), Level::Warn),
        ConnState::Live => ("● live".into(), Level::Ok),
        ConnState::Recovering => ("recovering…".into(), Level::Warn),
        ConnState::Recovered => ("● live (recovered)".into(), Level::Ok),
        ConnState::Resubscribed => ("● live (resubscribed)".into(), Level::Ok),
        ConnState::Offline {
            retry_at,
            attempt,
            reason,
        } => {
            let mut text = format!("offline, attempt {attempt}: {reason}");
            if *retry_at > now {
                let secs = (now.millis_until(*retry_at) + 999) / 1000;
                text.push_str(&format!(" (retry in {secs}s)"));
            }
            (text, Level::Crit)
        }
        ConnState::Failed(m) => (format!("failed: {m}"), Level::Crit),
    }
}

/// The replay progress bar with stream time.
fn progress(
    r: &crate::source::replay::ReplayStatus,
    now: Ts,
    width: u16,
    ui: &UiState,
) -> Line<'static> {
    let t = ui.theme();
    let left = format!("{} ", hms(now));
    let right = format!(" {}  {}/{} events", hms(r.end), r.applied, r.total);
    let bar_w = (width as usize).saturating_sub(left.chars().count() + right.chars().count());
    let span = r.start.millis_until(r.end).max(1);
    let done = r.start.millis_until(now).min(span);
    let filled = if r.done() {
        bar_w
    } else {
        (bar_w as i64 * done / span) as usize
    };
    Line::from(vec![
        Span::styled(left, t.dim()),
        Span::styled("━".repeat(filled), t.bar()),
        Span::styled("─".repeat(bar_w - filled.min(bar_w)), t.dim()),
        Span::styled(right, t.dim()),
    ])
}
