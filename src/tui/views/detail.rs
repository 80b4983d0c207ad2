//! The detail pane: a session's parties and its event timeline.

use super::{fit, hms};
use crate::core::{clock, Delivery, EntryKind, Figures, Session};
use crate::tui::state::UiState;
use crate::tui::theme::{state_glyph, Level};
use crate::wire::Ts;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row};
use ratatui::Frame;

/// Draws the detail of one session.
pub fn render(frame: &mut Frame, area: Rect, s: &Session, ui: &UiState, now: Ts) {
    let t = ui.theme();
    let parties_h = (s.parties.len() as u16 + 2).min(area.height / 2).max(3);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(parties_h), Constraint::Min(0)]).areas(area);
    let target = ui.target_index(s);
    let title = Line::from(vec![
        Span::styled(format!(" {} ", s.id), t.title()),
        Span::styled(
            format!(
                "{} · {} · {} ",
                s.disposition().as_str(),
                clock(s.duration_ms(now)),
                s.session_id.as_deref().unwrap_or("-")
            ),
            t.dim(),
        ),
    ]);
    let rows: Vec<Row> = s
        .parties
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let f = Figures::of(&p.history, Some(now));
            let (g, w) = state_glyph(p.code());
            let yes = |b: bool, word: &str| if b { word.to_string() } else { String::new() };
            let rec = match p.recordings.get() {
                Some(r) if r.iter().any(|r| r.active) => "rec",
                Some(r) if !r.is_empty() => "rec‖",
                _ => "",
            };
            let peer = p
                .status
                .get()
                .and_then(|st| st.peer_id.as_ref())
                .and_then(|pi| pi.party_id.clone().or(pi.telephony_session_id.clone()))
                .unwrap_or_default();
            let row = Row::new(vec![
                if Some(i) == target {
                    "▸".into()
                } else {
                    String::new()
                },
                fit(&p.id, 14),
                p.direction
                    .get()
                    .map(|d| d.as_str().to_string())
                    .unwrap_or_default(),
                fit(&p.from.label(), 22),
                fit(&p.to.label(), 22),
                format!("{g} {w}"),
                p.reason()
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default(),
                yes(p.muted.get() == Some(&true), "muted"),
                rec.to_string(),
                p.park.get().and_then(|k| k.id.clone()).unwrap_or_default(),
                fit(&peer, 10),
                clock(f.ring_ms),
                clock(f.talk_ms),
                clock(f.hold_ms),
            ])
            .style(t.state(p.code()));
            if Some(i) == target {
                row.style(t.state(p.code()).patch(t.selected()))
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Length(14),
        Constraint::Length(8),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Length(13),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Length(6),
        Constraint::Length(10),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
    ];
    let header = Row::new([
        "", "Party", "Dir", "From", "To", "Status", "Reason", "Mute", "Rec", "Park", "Peer",
        "Ring", "Talk", "Hold",
    ])
    .style(t.column_header());
    let table = super::titled_table(rows, widths, header, title, t.border());
    frame.render_widget(table, top);
    timeline(frame, bottom, s, ui);
}

/// The event timeline, newest at the bottom.
fn timeline(frame: &mut Frame, area: Rect, s: &Session, ui: &UiState) {
    let t = ui.theme();
    let h = area.height.saturating_sub(1) as usize;
    let skip = s.timeline.len().saturating_sub(h);
    let party_no = |i: u16| format!("p{}", i + 1);
    let lines: Vec<Line> = s.timeline[skip..]
        .iter()
        .map(|e| {
            let seq = e
                .seq
                .map(|q| format!("#{q:<4}"))
                .unwrap_or_else(|| "     ".into());
            let at =
                e.at.map(|a| format!("{}.{:03}", hms(a), a.0.rem_euclid(1000)))
                    .unwrap_or_else(|| "            ".into());
            let mut spans = vec![
                Span::styled(format!("{seq} "), t.dim()),
                Span::raw(format!("{at} ")),
            ];
            match &e.kind {
                EntryKind::Event {
                    party,
                    code,
                    reason,
                    changes,
                    delivery,
                } => {
                    let (g, w) = state_glyph(code.as_ref());
                    spans.push(Span::styled(format!("{:<3} ", party_no(*party)), t.dim()));
                    spans.push(Span::styled(format!("{g} {w:<12}"), t.state(code.as_ref())));
                    if let Some(r) = reason {
                        spans.push(Span::raw(format!(" {r}")));
                    }
                    spans.push(Span::styled(format!("  {}", changes.describe()), t.dim()));
                    match delivery {
                        Delivery::Applied => {}
                        Delivery::Stale => spans.push(Span::styled(
                            "  STALE (older than applied state)",
                            t.level(Level::Warn),
                        )),
                        Delivery::Duplicate => {
                            spans.push(Span::styled("  DUPLICATE (dropped)", t.level(Level::Warn)))
                        }
                    }
                }
                EntryKind::Snapshot { party, code } => {
                    let (g, w) = state_glyph(code.as_ref());
                    spans.push(Span::styled(format!("{:<3} ", party_no(*party)), t.dim()));
                    spans.push(Span::styled(format!("{g} {w:<12}"), t.state(code.as_ref())));
                    spans.push(Span::styled("  snapshot (REST / presence)", t.dim()));
                }
                EntryKind::Audit(text) => {
                    spans.push(Span::styled(format!("⚑ {text}"), t.key()));
                }
            }
            Line::from(spans)
        })
        .collect();
    let mut title = vec![Span::styled(" Timeline ", t.title())];
    if s.timeline_dropped > 0 {
        title.push(Span::styled(
            format!("({} older entries dropped) ", s.timeline_dropped),
            t.dim(),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::new()
                .borders(Borders::TOP)
                .title(Line::from(title))
                .border_style(t.border()),
        ),
        area,
    );
}
