//! The detail pane: a session's parties and its event timeline.

use super::cells::{endpoint_min, fit, fit_endpoint, hms, or_dash, share};
use crate::core::{clock, Bucket, Delivery, EntryKind, Session, TimelineEntry};
use crate::tui::keymap::Command;
use crate::tui::state::UiState;
use crate::tui::theme::{state_glyph, Level, Theme};
use crate::wire::Ts;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row};
use ratatui::Frame;

/// The detail pane split into the parties table and the timeline.
pub fn split(area: Rect, parties: usize) -> [Rect; 2] {
    let parties_h = (parties as u16 + 2).min(area.height / 2).max(3);
    Layout::vertical([Constraint::Length(parties_h), Constraint::Min(0)]).areas(area)
}

/// How a party is named in the detail: `p1`, `p2`… as in the timeline (the position
/// in the session's party list).
pub fn party_no(i: usize) -> String {
    format!("p{}", i + 1)
}

/// The part of each party id that tells it from the others (after their common
/// prefix; the last 8 characters of a lone party), with a leading `…` when cut.
fn id_suffixes(s: &Session) -> Vec<String> {
    let ids: Vec<Vec<char>> = s.parties.iter().map(|p| p.id.chars().collect()).collect();
    let common = match ids.split_first() {
        Some((first, rest)) if !rest.is_empty() => (0..first.len())
            .take_while(|&i| rest.iter().all(|id| id.get(i) == first.get(i)))
            .count(),
        _ => 0,
    };
    ids.iter()
        .map(|id| {
            let from = if common > 0 && common < id.len() {
                common
            } else {
                id.len().saturating_sub(8)
            };
            let tail: String = id[from..].iter().collect();
            if from > 0 {
                format!("…{tail}")
            } else {
                tail
            }
        })
        .collect()
}

/// Draws the detail of one session.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    s: &Session,
    join: Option<&crate::core::outcomes::Join>,
    ui: &UiState,
    now: Ts,
) {
    let t = ui.theme();
    let [top, bottom] = split(area, s.parties.len());
    let target = ui.target_index(s);
    let title = title(s, join, t, now);
    let cells = party_cells(s, target, now);
    const HEAD: [&str; 12] = [
        "", "Party", "Dir", "Status", "Reason", "Mute", "Rec", "Park", "Peer", "Ring", "Talk",
        "Hold",
    ];
    // Column widths from their content; empty optional columns are left out, and when
    // the names would not fit their numbers, optional columns go (Peer first).
    let content = |c: usize| {
        cells
            .iter()
            .map(|r| r[c].chars().count())
            .max()
            .unwrap_or(0)
    };
    let mut shown: Vec<usize> = (0..12)
        .filter(|&c| !(4..=8).contains(&c) || content(c) > 0)
        .collect();
    let width_of = |c: usize| content(c).max(HEAD[c].chars().count()).min(24);
    let need = |e: fn(&crate::core::PartyState) -> &crate::core::party::EndpointState| {
        s.parties
            .iter()
            .map(|p| endpoint_min(e(p)))
            .max()
            .unwrap_or(4)
            .max(4)
    };
    let (from_min, to_min) = (need(|p| &p.from), need(|p| &p.to));
    let fixed = |shown: &[usize]| shown.iter().map(|&c| width_of(c) + 1).sum::<usize>() + 2;
    for drop in [8, 7, 6, 5, 4, 2] {
        if fixed(&shown) + from_min + to_min <= area.width as usize {
            break;
        }
        shown.retain(|&c| c != drop);
    }
    let left = (area.width as usize).saturating_sub(fixed(&shown));
    let full = |e: fn(&crate::core::PartyState) -> &crate::core::party::EndpointState| {
        s.parties
            .iter()
            .map(|p| e(p).label().chars().count())
            .max()
            .unwrap_or(0)
    };
    let (from_full, to_full) = (full(|p| &p.from), full(|p| &p.to));
    let names = share(left, &[(from_min, from_full), (to_min, to_full)]);
    let (from_w, to_w) = (names[0], names[1]);
    // From and To go after Dir (or after Party when Dir is left out).
    let after = if shown.contains(&2) { 2 } else { 1 };
    let mut widths: Vec<Constraint> = Vec::new();
    let mut header: Vec<String> = Vec::new();
    for &c in &shown {
        widths.push(Constraint::Length(width_of(c) as u16));
        header.push(HEAD[c].to_string());
        if c == after {
            widths.extend([from_w, to_w].map(|w| Constraint::Length(w as u16)));
            header.extend(["From".to_string(), "To".to_string()]);
        }
    }
    let rows: Vec<Row> = s
        .parties
        .iter()
        .zip(&cells)
        .enumerate()
        .map(|(i, (p, r))| {
            let mut line: Vec<String> = Vec::new();
            for &c in &shown {
                line.push(fit(&r[c], width_of(c)));
                if c == after {
                    line.push(fit_endpoint(&p.from, from_w));
                    line.push(fit_endpoint(&p.to, to_w));
                }
            }
            let row = Row::new(line).style(t.state(p.code()));
            if Some(i) == target {
                row.style(t.state(p.code()).patch(t.selected()))
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(header).style(t.column_header());
    let table = super::cells::titled_table(rows, widths, header, title, t.border());
    frame.render_widget(table, top);
    timeline(frame, bottom, s, ui);
}

/// The detail's title: the id, disposition, duration, the platform's other id, gaps,
/// and the call-log ids when joined.
fn title(
    s: &Session,
    join: Option<&crate::core::outcomes::Join>,
    t: &Theme,
    now: Ts,
) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!(" {} ", s.id), t.title()),
        Span::styled(
            format!(
                "{} · {}{} {}",
                s.disposition().as_str(),
                or_dash(s.duration_ms(now).map(clock)),
                // The platform's other id of the call, named as its API names it.
                s.session_id
                    .as_deref()
                    .map(|id| format!(" · sessionId {id}"))
                    .unwrap_or_default(),
                match s.gaps() {
                    0 => String::new(),
                    1 => "· 1 sequence gap ".into(),
                    n => format!("· {n} sequence gaps "),
                }
            ),
            t.dim(),
        ),
        Span::styled(
            super::outcome::ids(join)
                .map(|ids| format!("· {ids} "))
                .unwrap_or_default(),
            t.key(),
        ),
    ])
}

/// Every cell but From and To, per party; From/To are fitted once widths are known.
fn party_cells(s: &Session, target: Option<usize>, now: Ts) -> Vec<[String; 12]> {
    let suffixes = id_suffixes(s);
    s.parties
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let f = s.party_figures(p, now);
            let figure = |b| or_dash(f.known(b).map(clock));
            let (g, w) = state_glyph(p.code());
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
            [
                if Some(i) == target { "▸" } else { "" }.to_string(),
                format!("{} {}", party_no(i), suffixes[i]),
                p.direction
                    .get()
                    .map(|d| d.as_str().to_string())
                    .unwrap_or_default(),
                format!("{g} {w}"),
                p.reason()
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default(),
                if p.muted.get() == Some(&true) {
                    "muted".into()
                } else {
                    String::new()
                },
                rec.to_string(),
                p.park.get().and_then(|k| k.id.clone()).unwrap_or_default(),
                peer,
                figure(Bucket::Ring),
                figure(Bucket::Talk),
                figure(Bucket::Hold),
            ]
        })
        .collect()
}

/// One timeline entry's spans: sequence, time, party, state and what changed.
fn entry_spans(e: &TimelineEntry, width: u16, ui: &UiState) -> Vec<Span<'static>> {
    let t = ui.theme();
    let party_no = |i: u16| party_no(i as usize);
    let seq = e
        .seq
        .map(|q| format!("#{q:<4}"))
        .unwrap_or_else(|| "     ".into());
    let at =
        e.at.map(|a| format!("{}.{:03}", hms(ui, a), a.0.rem_euclid(1000)))
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
            // An audit line says who and what in full: cut, it ends with `…`.
            let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
            let room = (width as usize).saturating_sub(used);
            spans.push(Span::styled(fit(&format!("⚑ {text}"), room), t.key()));
        }
    }
    spans
}

/// The event timeline: the newest entries, or from `timeline_top` when scrolled.
fn timeline(frame: &mut Frame, area: Rect, s: &Session, ui: &UiState) {
    let t = ui.theme();
    let h = area.height.saturating_sub(1) as usize;
    let len = s.timeline.len();
    let last_top = len.saturating_sub(h);
    let skip = ui
        .view
        .timeline_top
        .map_or(last_top, |top| top.min(last_top));
    let lines: Vec<Line> = s.timeline[skip..(skip + h).min(len)]
        .iter()
        .map(|e| Line::from(entry_spans(e, area.width, ui)))
        .collect();
    let mut title = vec![Span::styled(" Timeline ", t.title())];
    if len > h {
        let keys = &ui.config.keymap;
        let (up, down) = (keys.first_key(Command::Up), keys.first_key(Command::Down));
        let (pgup, pgdn) = (
            keys.first_key(Command::PageUp),
            keys.first_key(Command::PageDown),
        );
        let (home, end) = (
            keys.first_key(Command::Top),
            keys.first_key(Command::Bottom),
        );
        title.push(Span::styled(
            format!(
                "{}–{} of {len}{} ({up}/{down} {pgup}/{pgdn} {home}/{end}) ",
                skip + 1,
                (skip + h).min(len),
                if skip == last_top { ", newest" } else { "" },
            ),
            t.dim(),
        ));
    }
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
