//! The reducer: [`update`] applies an [`Intent`] or an [`Event`] to the UI state and
//! returns the [`Effect`]s the loop must carry out. Pure: no I/O, time passed in. How
//! far a page or a scroll goes it asks the views' layout ([`views::layout`]); control
//! keys are planned by [`super::plan`].

mod control;

use super::edit::{self, Edit};
use super::keymap::Command;
use super::msg::{Effect, Event, Intent, Msg};
use super::plan;
use super::state::{Mode, UiState};
use super::theme::Level;
use super::view::{ListCursor, Overlay, Prompt, PromptKind, Screen, SortKey};
use super::views;
use crate::core::alarms::AlarmChange;
use crate::core::control::ControlRequest;
use crate::core::{PartyState, SessionStore};
use crate::source::replay::{JumpTarget, ReplayCmd, Speed};
use crate::source::Loading;
use crate::wire::Ts;
use control::{control, dispatch, done, link, prompted_action, supervise};

/// The selection and scroll of every list, kept on their rows as the rows move.
impl UiState {
    /// Re-resolves the selection against the current rows (follow-selection: the
    /// selected session keeps the selection when rows move; when it leaves, the row
    /// at the same position is selected — but on the first row, with no detail open
    /// and no call just acted on, the first row stays selected) and scrolls it into
    /// view.
    pub fn sync(&mut self, store: &SessionStore, now: Ts) {
        if self.view.screen.is_center() {
            return self.sync_center(store);
        }
        let rows = self.rows(store, now);
        let h = self.viewport();
        let v = &mut self.view;
        let top = v.follow_top && v.calls.cursor == 0 && !v.detail && v.pinned.is_none();
        if top {
            v.calls.selected = None;
        }
        let ids = rows.ids();
        v.calls
            .sync_by(ids.len(), |id| rows.position(id), |i| &*ids[i], h);
    }

    /// Keeps the agents, queues and queue-detail cursors on their rows.
    fn sync_center(&mut self, store: &SessionStore) {
        use super::rows::{queue_agents, queue_rows};
        let c = store.center();
        let h = self.viewport();
        let order = (self.view.screen == Screen::Agents).then(|| self.agent_order(store));
        let v = &mut self.view;
        match v.screen {
            Screen::Agents => {
                let rows = order.as_ref().map_or(&[][..], |o| &o.rows[..]);
                v.agents.sync(rows.iter().map(|k| k.id.as_str()), h);
            }
            Screen::Queues => {
                let rows = queue_rows(c, &v.filter);
                v.queues.sync(rows.iter().map(|q| q.id.as_str()), h);
                match v.open_queue.as_deref().and_then(|id| c.queue(id)) {
                    Some(q) => {
                        let members = queue_agents(c, q);
                        v.members.sync(members.iter().map(|a| a.id.as_str()), h);
                    }
                    None => v.open_queue = None,
                }
            }
            _ => {}
        }
    }

    /// Table rows that fit on screen.
    pub fn viewport(&self) -> usize {
        let (w, h) = self.view.size;
        views::layout::table_capacity(w, h, self).max(1)
    }

    /// Timeline lines that fit in the detail pane.
    pub fn timeline_height(&self) -> usize {
        let (w, h) = self.view.size;
        views::layout::timeline_capacity(w, h, self).max(1)
    }
}

/// Applies a line edit to the filter (re-filtering the rows) or the open prompt.
fn edit(ui: &mut UiState, e: Edit, store: &SessionStore, now: Ts) {
    let refilter = match &mut ui.view.overlay {
        Overlay::Filter => edit::apply(&mut ui.view.filter, &mut ui.view.filter_cursor, e),
        Overlay::Prompt(p) => {
            edit::apply(&mut p.input, &mut p.cursor, e);
            false
        }
        _ => false,
    };
    if refilter {
        ui.sync(store, now);
    }
}

/// Applies an intent or an event to the UI state; returns what the loop must do.
pub fn update(ui: &mut UiState, msg: impl Into<Msg>, store: &SessionStore, now: Ts) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg.into() {
        Msg::Intent(i) => intent(ui, i, store, now, &mut fx),
        Msg::Event(e) => event(ui, e, store, now, &mut fx),
    }
    fx
}

/// What a key or the mouse asks for.
fn intent(ui: &mut UiState, i: Intent, store: &SessionStore, now: Ts, fx: &mut Vec<Effect>) {
    match i {
        Intent::Cmd(c) => command(ui, c, store, now, fx),
        Intent::Input(c) => edit(ui, Edit::Insert(c), store, now),
        Intent::Backspace => edit(ui, Edit::Backspace, store, now),
        Intent::Edit(e) => edit(ui, e, store, now),
        Intent::Submit => submit(ui, store, now, fx),
        Intent::Cancel => cancel(ui, store, now),
        Intent::ToggleFocus => {
            if let Overlay::Confirm(c) = &mut ui.view.overlay {
                c.ok_focused = !c.ok_focused;
            }
        }
        Intent::Click(row) if ui.view.screen.is_center() => {
            let target = ui.view.offset_of_center() + row;
            let delta = target as i64 - ui.view.center_cursor().map_or(0, |c| c.cursor) as i64;
            move_cursor(ui, store, now, delta);
        }
        Intent::Click(row) => {
            unpin(ui, store, now);
            let rows = ui.rows(store, now);
            let i = ui.view.calls.offset + row;
            if let Some(s) = rows.get(i) {
                ui.view.select_row(i, s.id.clone());
                ui.view.timeline_top = None;
            }
        }
        Intent::JumpTo(t) => {
            let text = format!("jump to {}", ui.config.zone.hms(t));
            ui.say(Level::Normal, text, now);
            fx.push(Effect::Replay(ReplayCmd::Jump(JumpTarget::At(t))));
        }
        Intent::Scroll(n) if ui.view.detail => scroll_timeline(ui, store, n as i64),
        Intent::Scroll(n) => move_cursor(ui, store, now, n as i64),
    }
}

/// What happened in the world.
fn event(ui: &mut UiState, e: Event, store: &SessionStore, now: Ts, fx: &mut Vec<Effect>) {
    match e {
        Event::Resize(w, h) => {
            ui.view.set_size(w, h);
            ui.sync(store, now);
        }
        Event::StoreChanged | Event::Tick => {
            ui.feed.rate.observe(now, store.counters().events);
            expire(ui, now);
            bells(ui, store, now, fx);
        }
        Event::ControlDone { request, outcome } => done(ui, store, request, outcome, now),
        Event::Replay(st) => ui.feed.replay = Some(st),
        Event::Conn(c) => ui.feed.connection(c, now),
        Event::Loading(l) => loaded(ui, l, now),
        Event::Notice(text) => ui.say(Level::Warn, text, now),
        Event::Alarm(c) => alarm(ui, c, now, fx),
        Event::Quit => {
            ui.leave();
            fx.push(Effect::Quit);
        }
    }
}

/// The ids of the list the cursor moves over on a screen of agents or queues.
fn center_ids<'a>(ui: &UiState, store: &'a SessionStore) -> Vec<&'a str> {
    use super::rows::{queue_agents, queue_rows};
    let c = store.center();
    let v = &ui.view;
    match (v.screen, v.open_queue.as_deref().and_then(|q| c.queue(q))) {
        (Screen::Agents, _) => {
            let order = ui.agent_order(store);
            order
                .rows
                .iter()
                .filter_map(|k| c.agent(&k.id).map(|a| a.id.as_str()))
                .collect()
        }
        (Screen::Queues, Some(q)) => queue_agents(c, q)
            .into_iter()
            .map(|a| a.id.as_str())
            .collect(),
        (Screen::Queues, None) => queue_rows(c, &v.filter)
            .into_iter()
            .map(|q| q.id.as_str())
            .collect(),
        _ => Vec::new(),
    }
}

fn move_cursor(ui: &mut UiState, store: &SessionStore, now: Ts, delta: i64) {
    if ui.view.screen.is_center() {
        let ids = center_ids(ui, store);
        let h = ui.viewport();
        if let Some(c) = ui.view.center_cursor_mut() {
            c.step(&ids, delta, h);
        }
        return;
    }
    unpin(ui, store, now);
    let rows = ui.rows(store, now);
    if rows.is_empty() {
        return;
    }
    let h = ui.viewport();
    ui.view.calls.step(rows.ids(), delta, h);
    ui.view.follow_top = ui.view.calls.cursor == 0;
}

/// Scrolls the detail's timeline by `delta` lines; at the newest line it follows new
/// entries again.
fn scroll_timeline(ui: &mut UiState, store: &SessionStore, delta: i64) {
    let Some(s) = ui.selected_session(store) else {
        return;
    };
    let (w, h) = ui.view.size;
    let shown = views::layout::timeline_lines(w, h, ui, s.parties.len());
    let last_top = s.timeline.len().saturating_sub(shown);
    let top = ui.view.timeline_top.unwrap_or(last_top).min(last_top) as i64;
    let top = (top.saturating_add(delta)).clamp(0, last_top as i64) as usize;
    ui.view.timeline_top = (top < last_top).then_some(top);
}

/// The moving keys: the help when open, the timeline while the detail is open, else
/// the board's cursor.
fn navigate(ui: &mut UiState, c: Command, store: &SessionStore, now: Ts) {
    let help = ui.view.overlay == Overlay::Help;
    let page = if help {
        ui.view.size.1.saturating_sub(4) as usize
    } else if ui.view.detail {
        ui.timeline_height()
    } else {
        ui.viewport()
    } as i64;
    let step = match c {
        Command::Up => -1,
        Command::Down => 1,
        Command::PageUp => -page,
        Command::PageDown => page,
        Command::Top => i64::MIN / 2,
        _ => i64::MAX / 2,
    };
    if help {
        let top = (ui.view.help_top as i64).saturating_add(step);
        ui.view.help_top = top.clamp(0, views::help::max_top(ui) as i64) as usize;
    } else if ui.view.detail {
        scroll_timeline(ui, store, step);
    } else {
        move_cursor(ui, store, now, step);
    }
}

/// Carries out a command of the keymap.
fn command(ui: &mut UiState, c: Command, store: &SessionStore, now: Ts, fx: &mut Vec<Effect>) {
    match c {
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom => navigate(ui, c, store, now),
        Command::Open => open(ui, store, now),
        Command::Back => cancel(ui, store, now),
        Command::NextParty => next_party(ui, store, now),
        Command::Filter => {
            ui.view.pinned = None;
            ui.view.overlay = Overlay::Filter;
            ui.view.filter_cursor = ui.view.filter.chars().count();
        }
        Command::StateFilter => {
            ui.view.pinned = None;
            ui.view.state_filter = ui.view.state_filter.next();
            let text = format!("state filter: {}", ui.view.state_filter.label());
            ui.say(Level::Normal, text, now);
            ui.sync(store, now);
        }
        Command::Sort => sort_by(ui, ui.view.sort.next(), store, now),
        Command::SortReverse => {
            ui.view.sort_descending = !ui.view.sort_descending;
            ui.sync(store, now);
        }
        Command::SortWaiting
        | Command::SortTimer
        | Command::SortStart
        | Command::SortFrom
        | Command::SortTo
        | Command::SortQueue
        | Command::SortState => sort_column(ui, c, store, now),
        Command::History => switch(ui, Screen::History, store, now),
        Command::Agents => switch(ui, Screen::Agents, store, now),
        Command::Queues => switch(ui, Screen::Queues, store, now),
        Command::Wallboard => switch(ui, Screen::Wallboard, store, now),
        Command::Listen | Command::Answer | Command::QueueCalls => supervise(ui, c, store, now),
        Command::Help => {
            ui.view.overlay = Overlay::Help;
            ui.view.help_top = 0;
        }
        Command::Link => link(ui, store, now, fx),
        Command::Quit => {
            ui.leave();
            fx.push(Effect::Quit);
        }
        Command::Pause
        | Command::Faster
        | Command::Slower
        | Command::Step
        | Command::SeekBack
        | Command::SeekForward
        | Command::SeekBackLong
        | Command::SeekForwardLong
        | Command::Jump
        | Command::Rewind => replay_key(ui, c, now, fx),
        Command::Call(k) => control(ui, k, store, now),
    }
}

/// Targets the next party still in the selected call (the parties that left can't be
/// acted on).
fn next_party(ui: &mut UiState, store: &SessionStore, now: Ts) {
    if let Some(s) = ui.selected_session(store) {
        let n = s.parties.len();
        let from = ui.target_index(&s).unwrap_or(n.saturating_sub(1));
        let next = (1..=n)
            .map(|k| (from + k) % n)
            .find(|&i| !s.parties[i].is_terminal());
        if let Some(i) = next {
            let p = &s.parties[i];
            let text = format!("target party {}: {}", i + 1, party_label(p));
            ui.view.target_party = Some((s.id.clone(), p.id.clone()));
            ui.say(Level::Normal, text, now);
        }
    }
}

/// Sorts by a column's key; the column already sorted by turns around.
fn sort_column(ui: &mut UiState, c: Command, store: &SessionStore, now: Ts) {
    let key = SortKey::of_command(c).unwrap_or(ui.view.sort);
    if key == ui.view.sort {
        ui.view.sort_descending = !ui.view.sort_descending;
        ui.sync(store, now);
    } else {
        sort_by(ui, key, store, now);
    }
}

/// A replay key: pause, speed, step, seek, jump or rewind (refused outside a replay).
fn replay_key(ui: &mut UiState, c: Command, now: Ts, fx: &mut Vec<Effect>) {
    if ui.config.mode != Mode::Replay {
        ui.say(Level::Normal, "replay keys work in replay mode", now);
        return;
    }
    let cmd = match c {
        Command::Jump => {
            ui.view.overlay = Overlay::Prompt(Prompt {
                kind: PromptKind::Jump,
                session: String::new(),
                party: String::new(),
                input: String::new(),
                cursor: 0,
            });
            return;
        }
        Command::Pause => ReplayCmd::TogglePause,
        Command::Faster => ReplayCmd::Faster,
        Command::Slower => ReplayCmd::Slower,
        Command::Step => ReplayCmd::Step,
        Command::SeekBack => ReplayCmd::Seek(-10_000),
        Command::SeekForward => ReplayCmd::Seek(10_000),
        Command::SeekBackLong => ReplayCmd::Seek(-60_000),
        Command::Rewind => {
            let Some(r) = ui.feed.replay else { return };
            ui.say(
                Level::Normal,
                format!("back to the start, {}", ui.config.zone.hms(r.start)),
                now,
            );
            ReplayCmd::Jump(JumpTarget::At(r.start))
        }
        _ => ReplayCmd::Seek(60_000),
    };
    fx.push(Effect::Replay(cmd));
}

/// Goes to a screen (from the same screen: back to the calls), at its first row.
fn switch(ui: &mut UiState, to: Screen, store: &SessionStore, now: Ts) {
    let v = &mut ui.view;
    v.screen = if v.screen == to { Screen::Board } else { to };
    v.calls = ListCursor::default();
    v.follow_top = true;
    v.pinned = None;
    v.detail = false;
    v.open_queue = None;
    v.agents = ListCursor::default();
    v.queues = ListCursor::default();
    v.members = ListCursor::default();
    ui.sync(store, now);
}

/// Enter: the call's detail; on an agent, its current call's detail; on a queue, its
/// waiting calls and agents.
fn open(ui: &mut UiState, store: &SessionStore, now: Ts) {
    let c = store.center();
    let call_of = |id: Option<&String>| {
        id.and_then(|a| c.agent(a))
            .and_then(|a| a.current_call())
            .map(|call| call.session.clone())
    };
    let session = match ui.view.screen {
        Screen::Board | Screen::History => {
            if ui.selected_session(store).is_some() {
                ui.view.detail = true;
                ui.view.timeline_top = None;
            }
            return;
        }
        Screen::Wallboard => return,
        Screen::Queues if ui.view.open_queue.is_none() => {
            ui.view.open_queue = ui.view.queues.selected.clone();
            ui.view.members = ListCursor::default();
            return ui.sync(store, now);
        }
        Screen::Queues => call_of(ui.view.members.selected.as_ref()),
        Screen::Agents => call_of(ui.view.agents.selected.as_ref()),
    };
    let Some(id) = session.filter(|id| store.get(id).is_some()) else {
        return ui.say(
            Level::Normal,
            "the agent is on no call calltop can show",
            now,
        );
    };
    let v = &mut ui.view;
    v.screen = Screen::Board;
    v.open_queue = None;
    v.calls.selected = Some(id.clone());
    v.pinned = Some(id);
    v.follow_top = false;
    v.detail = true;
    v.timeline_top = None;
    ui.sync(store, now);
}

/// The user moved: the call last acted on is no longer kept on the board (the cursor
/// stays on the row it is on).
fn unpin(ui: &mut UiState, store: &SessionStore, now: Ts) {
    if ui.view.pinned.take().is_some() {
        ui.sync(store, now);
    }
}

/// Sorts by a column in the direction it starts in.
fn sort_by(ui: &mut UiState, key: SortKey, store: &SessionStore, now: Ts) {
    ui.view.sort = key;
    ui.view.sort_descending = key.starts_descending();
    ui.sync(store, now);
}

fn party_label(p: &PartyState) -> String {
    let dir = p.direction.get().map(|d| d.as_str()).unwrap_or("?");
    let who = match p.direction.get() {
        Some(crate::wire::Direction::Outbound) => p.from.label(),
        _ => p.to.label(),
    };
    format!(
        "{dir} {who} ({})",
        p.code().map(|c| c.as_str()).unwrap_or("-")
    )
}

fn submit(ui: &mut UiState, store: &SessionStore, now: Ts, fx: &mut Vec<Effect>) {
    match std::mem::replace(&mut ui.view.overlay, Overlay::None) {
        Overlay::Filter => ui.sync(store, now),
        Overlay::Prompt(p) if p.kind == PromptKind::Jump => jump(ui, p, now, fx),
        Overlay::Prompt(p) => {
            let input = p.input.trim().to_string();
            if input.is_empty() {
                ui.say(Level::Warn, "nothing typed: nothing sent", now);
                return;
            }
            let action = match prompted_action(p.kind, &input) {
                Ok(a) => a,
                Err(e) => {
                    ui.say(Level::Warn, format!("{e}: fix it or Esc"), now);
                    ui.view.overlay = Overlay::Prompt(p);
                    return;
                }
            };
            let request = ControlRequest::on_party(&p.session, &p.party, action);
            // The prompt's complaint, if any, is answered: the confirm speaks now.
            ui.hush(None);
            ui.view.overlay = Overlay::Confirm(plan::confirmation(store, request));
        }
        Overlay::Confirm(c) if c.ok_focused => dispatch(ui, c.request, c.subject, now, fx),
        Overlay::Confirm(c) => ui.say(
            Level::Normal,
            format!("{}: cancelled", c.request.action.verb()),
            now,
        ),
        other => ui.view.overlay = other,
    }
}

/// The jump prompt's text as a replay command; a time outside a recording whose end
/// is known is refused with both ends named (the prompt stays open).
fn jump(ui: &mut UiState, p: Prompt, now: Ts, fx: &mut Vec<Effect>) {
    let target = match JumpTarget::parse(&p.input) {
        Ok(t) => t,
        Err(e) => {
            ui.say(Level::Warn, format!("{e}; or Esc"), now);
            ui.view.overlay = Overlay::Prompt(p);
            return;
        }
    };
    // A time of day is the board's zone's: the source resolves it in UTC.
    let target = match target {
        JumpTarget::TimeOfDay(ms) => {
            let at = ui.feed.replay.map_or(now, |r| r.start);
            JumpTarget::TimeOfDay((ms - ui.config.zone.offset_ms(at)).rem_euclid(86_400_000))
        }
        t => t,
    };
    let hms = |t| ui.config.zone.hms(t);
    if let Some(r) = ui.feed.replay.filter(|r| r.total.is_some()) {
        let t = target.resolve(r.start, r.end, true);
        if let Some(t) = t.filter(|t| !(r.start..=r.end).contains(t)) {
            let text = format!(
                "{} is not in the recording ({} to {}); fix it or Esc",
                hms(t),
                hms(r.start),
                hms(r.end)
            );
            ui.say(Level::Warn, text, now);
            ui.view.overlay = Overlay::Prompt(p);
            return;
        }
    }
    let paused = match ui.feed.replay {
        // At max the replay would run straight on to the end: it pauses there.
        Some(r) if r.speed == Speed::Max && !r.paused => " · paused (Space plays on at max)",
        _ => "",
    };
    ui.say(
        Level::Normal,
        format!("jump to {}{paused}", p.input.trim()),
        now,
    );
    fx.push(Effect::Replay(ReplayCmd::Jump(target)));
}

fn cancel(ui: &mut UiState, store: &SessionStore, now: Ts) {
    match std::mem::replace(&mut ui.view.overlay, Overlay::None) {
        Overlay::Filter => {
            ui.view.filter.clear();
            ui.sync(store, now);
        }
        Overlay::Confirm(c) => ui.say(
            Level::Normal,
            format!("{}: cancelled", c.request.action.verb()),
            now,
        ),
        Overlay::Prompt(_) => ui.say(Level::Normal, "cancelled", now),
        Overlay::Help => {}
        Overlay::None => {
            if ui.view.detail {
                ui.view.detail = false;
            } else if ui.view.open_queue.is_some() {
                ui.view.open_queue = None;
                ui.sync(store, now);
            } else if !ui.view.filter.is_empty() {
                ui.view.filter.clear();
                ui.sync(store, now);
            } else if ui.view.screen.is_center() {
                switch(ui, Screen::Board, store, now);
            }
        }
    }
}

/// Catching up with fewer stream messages than this is not worth a status line.
const CATCH_UP_WORTH_SAYING: usize = 5_000;

/// Says how loading the calls in progress goes, and when it is done.
fn loaded(ui: &mut UiState, l: Loading, now: Ts) {
    let was_busy = ui.feed.loading.is_some_and(|p| p.busy());
    ui.feed.loading = Some(l);
    if l.catching_up {
        // A short catch-up is over before anyone could read about it.
        if l.total < CATCH_UP_WORTH_SAYING {
            return;
        }
        let (level, text) = if l.busy() {
            let pct = l.done * 100 / l.total.max(1);
            (
                Level::Normal,
                format!("catching up with the stream: {pct} %"),
            )
        } else {
            (
                Level::Ok,
                format!("caught up with the stream ({} messages)", l.total),
            )
        };
        if l.busy() || was_busy {
            ui.say(level, text, now);
        }
    } else if let Some(text) = l.wait_left_secs(now).and(l.progress_at(now)) {
        ui.say_loading(Level::Warn, text, now);
    } else if let Some(text) = l.progress() {
        ui.say(Level::Normal, text, now);
    } else if was_busy {
        let text = format!("loaded the {} calls in progress", l.total);
        ui.say(Level::Ok, text, now);
    }
}

/// Clears an expired rate limit and a status line shown long enough.
fn expire(ui: &mut UiState, now: Ts) {
    if ui.control.rate_limited_until.is_some_and(|u| u <= now) {
        ui.control.rate_limited_until = None;
    }
    ui.hush(Some(now));
}

/// Keeps the alarms in force, says each change, rings the bell (if enabled) when one
/// is raised.
fn alarm(ui: &mut UiState, c: AlarmChange, now: Ts, fx: &mut Vec<Effect>) {
    let text = c.words();
    if c.raised {
        ui.feed.alarms.insert(c.key.clone(), c);
        ui.say(Level::Crit, text, now);
        if ui.config.bell {
            fx.push(Effect::Bell);
        }
    } else {
        ui.feed.alarms.remove(&c.key);
        ui.say(Level::Ok, text, now);
    }
}

/// Rings the bell once per session when it first turns red (if enabled).
fn bells(ui: &mut UiState, store: &SessionStore, now: Ts, fx: &mut Vec<Effect>) {
    if !ui.config.bell {
        return;
    }
    if ui.newly_red(store, now) {
        fx.push(Effect::Bell);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::control::{CallKey, ControlAction, Outcome};
    use crate::tui::state::BoardConfig;
    use serde_json::json;

    const T0: i64 = 1_714_564_800_000;

    fn at(secs: i64) -> Ts {
        Ts(T0 + secs * 1000)
    }

    /// A call `id` from `number` whose one party is in `code` since `secs`.
    fn call(store: &mut SessionStore, id: &str, number: &str, code: &str, secs: i64) {
        let t = at(secs).to_rfc3339();
        let line = json!({
            "uuid": format!("u-{id}"),
            "event": "/restapi/v1.0/account/1/telephony/sessions",
            "timestamp": t,
            "body": {"sequence": 1, "telephonySessionId": id, "sessionId": "1", "eventTime": t,
                "origin": {"type": "Call"},
                "parties": [{"id": format!("{id}-p"), "direction": "Inbound",
                    "from": {"phoneNumber": number}, "to": {"phoneNumber": "+18005550100"},
                    "status": {"code": code}, "extensionId": "101", "accountId": "1",
                    "muted": false, "standAlone": false}]}
        });
        let parsed = crate::wire::parse(&line.to_string()).expect("a call event");
        store.ingest(parsed, at(secs));
    }

    /// Three calls in progress, sorted by start: the answered one first.
    fn board(mode: Mode) -> (SessionStore, UiState) {
        let mut store = SessionStore::default();
        call(&mut store, "s-talk", "+14155550101", "Answered", 10);
        call(&mut store, "s-hold", "+14155550102", "Hold", 20);
        call(&mut store, "s-ring", "+442071234567", "Setup", 30);
        let mut ui = UiState::new(BoardConfig::new(mode));
        ui.view.sort = SortKey::Start;
        ui.view.sort_descending = false;
        ui.sync(&store, at(40));
        (store, ui)
    }

    fn send(ui: &mut UiState, store: &SessionStore, m: impl Into<Msg>) -> Vec<Effect> {
        update(ui, m, store, at(40))
    }

    fn status(ui: &UiState) -> &str {
        ui.status().map_or("", |s| s.text.as_str())
    }

    #[test]
    fn the_cursor_moves_over_the_rows_and_stops_at_their_ends() {
        let (store, mut ui) = board(Mode::Demo);
        assert_eq!(ui.view.calls.selected.as_deref(), Some("s-talk"));
        send(&mut ui, &store, Intent::Cmd(Command::Down));
        assert_eq!(
            (ui.view.calls.cursor, ui.view.calls.selected.as_deref()),
            (1, Some("s-hold"))
        );
        send(&mut ui, &store, Intent::Cmd(Command::Bottom));
        send(&mut ui, &store, Intent::Cmd(Command::Down));
        assert_eq!(
            (ui.view.calls.cursor, ui.view.calls.selected.as_deref()),
            (2, Some("s-ring"))
        );
        send(&mut ui, &store, Intent::Scroll(-3));
        assert_eq!(
            (ui.view.calls.cursor, ui.view.calls.selected.as_deref()),
            (0, Some("s-talk"))
        );
    }

    #[test]
    fn a_screen_key_switches_to_its_screen_and_again_back_to_the_calls() {
        let (store, mut ui) = board(Mode::Demo);
        send(&mut ui, &store, Intent::Cmd(Command::Down));
        send(&mut ui, &store, Intent::Cmd(Command::Agents));
        assert_eq!(ui.view.screen, Screen::Agents);
        send(&mut ui, &store, Intent::Cmd(Command::Agents));
        assert_eq!(ui.view.screen, Screen::Board);
        // At the first row again.
        assert_eq!(ui.view.calls.selected.as_deref(), Some("s-talk"));
        send(&mut ui, &store, Intent::Cmd(Command::History));
        send(&mut ui, &store, Intent::Cancel);
        assert_eq!(
            ui.view.screen,
            Screen::History,
            "Esc leaves no calls screen"
        );
    }

    #[test]
    fn the_filter_narrows_the_rows_as_it_is_typed_and_esc_clears_it() {
        let (store, mut ui) = board(Mode::Demo);
        send(&mut ui, &store, Intent::Cmd(Command::Filter));
        assert_eq!(ui.view.overlay, Overlay::Filter);
        for c in "+44".chars() {
            send(&mut ui, &store, Intent::Input(c));
        }
        assert_eq!(ui.view.filter, "+44");
        assert_eq!(ui.rows(&store, at(40)).len(), 1);
        assert_eq!(ui.view.calls.selected.as_deref(), Some("s-ring"));
        send(&mut ui, &store, Intent::Backspace);
        assert_eq!(ui.view.filter, "+4");
        send(&mut ui, &store, Intent::Cancel);
        assert_eq!(
            (ui.view.filter.as_str(), &ui.view.overlay),
            ("", &Overlay::None)
        );
        assert_eq!(ui.rows(&store, at(40)).len(), 3);
    }

    #[test]
    fn a_control_key_sends_only_once_confirmed() {
        let (store, mut ui) = board(Mode::Demo);
        let hold = Intent::Cmd(Command::Call(CallKey::Hold));
        assert!(send(&mut ui, &store, hold.clone()).is_empty());
        assert!(matches!(&ui.view.overlay, Overlay::Confirm(c) if !c.ok_focused));
        // Enter on Cancel (the focus it opens with): nothing sent.
        assert!(send(&mut ui, &store, Intent::Submit).is_empty());
        assert_eq!(ui.view.overlay, Overlay::None);
        assert!(status(&ui).ends_with("cancelled"), "{}", status(&ui));
        // Esc: nothing sent either.
        send(&mut ui, &store, hold.clone());
        assert!(send(&mut ui, &store, Intent::Cancel).is_empty());
        // OK: the one request, marked running.
        send(&mut ui, &store, hold);
        send(&mut ui, &store, Intent::ToggleFocus);
        let fx = send(&mut ui, &store, Intent::Submit);
        let req = ControlRequest::on_party("s-talk", "s-talk-p", ControlAction::Hold);
        assert_eq!(fx, vec![Effect::Control(req.clone())]);
        assert!(ui.control.pending.contains_key(&req.key()));
        // Its outcome clears the mark and is said.
        let done = Event::ControlDone {
            request: req,
            outcome: Outcome::Done {
                message: "on hold".into(),
            },
        };
        assert!(send(&mut ui, &store, done).is_empty());
        assert!(ui.control.pending.is_empty());
        assert_eq!(ui.status().map(|s| s.level), Some(Level::Ok));
    }

    #[test]
    fn read_only_refuses_a_control_key_and_says_why() {
        let (store, mut ui) = board(Mode::Demo);
        ui.config.read_only = true;
        let fx = send(&mut ui, &store, Intent::Cmd(Command::Call(CallKey::Hold)));
        assert!(fx.is_empty());
        assert_eq!(ui.view.overlay, Overlay::None);
        assert!(
            status(&ui).contains("read-only (--read-only)"),
            "{}",
            status(&ui)
        );
        // A replay is read-only whatever the flag.
        let (store, mut ui) = board(Mode::Replay);
        send(&mut ui, &store, Intent::Cmd(Command::Call(CallKey::Hold)));
        assert!(
            status(&ui).contains("read-only (a replay)"),
            "{}",
            status(&ui)
        );
    }

    #[test]
    fn events_change_what_the_board_mirrors_and_a_quit_leaves() {
        let (store, mut ui) = board(Mode::Demo);
        send(&mut ui, &store, Event::Resize(100, 30));
        assert_eq!(ui.view.size, (100, 30));
        send(&mut ui, &store, Event::Notice("call outcomes late".into()));
        assert_eq!(status(&ui), "call outcomes late");
        assert_eq!(send(&mut ui, &store, Event::Quit), vec![Effect::Quit]);
        assert!(ui.quitting());
    }
}
