//! The reducer's control transitions: a control key checked and planned (see
//! [`crate::tui::plan`]) into a prompt or a dialog, a confirmed request sent and marked
//! running, its outcome said; and `u`'s link copied.

use crate::core::control::{Aim, Ask, CallKey, ControlAction, ControlRequest, Outcome};
use crate::core::SessionStore;
use crate::tui::keymap::Command;
use crate::tui::msg::Effect;
use crate::tui::plan;
use crate::tui::state::{Pending, UiState};
use crate::tui::theme::Level;
use crate::tui::view::{Overlay, PromptKind, Screen};
use crate::wire::Ts;

/// Checks a control key against the mode and the target party's state; on success
/// sends the request or opens its prompt / dialog.
pub(super) fn control(ui: &mut UiState, k: CallKey, store: &SessionStore, now: Ts) {
    // Whatever comes of it, the board keeps this call under the cursor.
    ui.view.pinned = ui.view.calls.selected.clone();
    if ui.controls_enabled() && ui.control.rate_limited_until.is_some_and(|u| u > now) {
        let text = format!("{}: not sent, rate limited by the platform", k.facts().hint);
        return rate_limited(ui, text, now);
    }
    match plan::plan(ui, k, store) {
        Err(msg) => ui.say(Level::Warn, msg, now),
        Ok(plan::Plan::Prompt(p)) => ui.view.overlay = Overlay::Prompt(p),
        Ok(plan::Plan::Confirm(c)) => ui.view.overlay = Overlay::Confirm(c),
    }
}

/// Sends a confirmed request: said, marked pending (one at a time per call or agent).
pub(super) fn dispatch(
    ui: &mut UiState,
    req: ControlRequest,
    subject: String,
    now: Ts,
    fx: &mut Vec<Effect>,
) {
    let verb = req.action.verb();
    ui.say(Level::Normal, format!("{verb} {subject}: sent…"), now);
    if let Some(session) = req.session() {
        // The selection stays on the call acted on, even if it leaves the filter.
        ui.view.pinned = Some(session.to_string());
        ui.view.select(session);
    }
    ui.control.pending.insert(
        req.key(),
        Pending {
            party: req.target_id().to_string(),
            subject,
            verb,
            since: now,
        },
    );
    fx.push(Effect::Control(req));
}

/// The action a call key's prompt text asks for (parsed once, by the key's own parser).
pub(super) fn prompted_action(kind: PromptKind, input: &str) -> Result<ControlAction, String> {
    match kind.call_ask() {
        Some(Ask::Prompt { parse, .. }) => parse(input),
        _ => Err("a jump is not a call action".into()),
    }
}

/// Says what came of a request, of whom it was done to (as the confirmation named
/// them); a rate limit holds every control key until it has passed.
pub(super) fn done(
    ui: &mut UiState,
    store: &SessionStore,
    req: ControlRequest,
    outcome: Outcome,
    now: Ts,
) {
    let subject = ui.control.pending.remove(&req.key()).map(|p| p.subject);
    let verb = req.action.verb();
    let said = |text: String| match &subject {
        Some(who) => format!("{who}: {text}"),
        None => text,
    };
    match &outcome {
        // An agent's setting is said with the names the board shows, not the ids.
        Outcome::Done { .. } if req.action.facts().aim == Aim::Agent => {
            ui.say(Level::Ok, plan::done_words(store, &req), now)
        }
        Outcome::Done { .. } => ui.say(Level::Ok, said(outcome.describe(&verb)), now),
        Outcome::Failed { .. } => ui.say(Level::Crit, said(outcome.describe(&verb)), now),
        Outcome::RateLimited { retry_after } => {
            let ms = retry_after.as_millis() as i64;
            let until = now.plus_millis(ms.max(1000));
            ui.control.rate_limited_until = Some(until);
            rate_limited(ui, format!("{verb}: rate limited by the platform"), now);
        }
    }
}

/// `l` listen in, `a` answer / pick up, `o` an agent's queue calls: checked like the
/// other control keys, then confirmed (Cancel focused), naming who and what.
pub(super) fn supervise(ui: &mut UiState, c: Command, store: &SessionStore, now: Ts) {
    if ui.controls_enabled() && ui.control.rate_limited_until.is_some_and(|u| u > now) {
        let text = format!("{}: not sent, rate limited by the platform", c.hint());
        return rate_limited(ui, text, now);
    }
    match plan::plan_supervise(ui, c, store) {
        Ok(confirm) => {
            if let Some(session) = confirm.request.session() {
                ui.view.pinned = (ui.view.screen == Screen::Board).then(|| session.to_string());
            }
            ui.view.overlay = Overlay::Confirm(confirm);
        }
        Err(msg) => ui.say(Level::Warn, msg, now),
    }
}

/// A rate-limit status line: the words once, the wait counted down live.
pub(super) fn rate_limited(ui: &mut UiState, text: String, now: Ts) {
    let until = ui.control.rate_limited_until;
    ui.say_until(Level::Warn, text, until, now);
}

/// `u`: the selected ended call's recording or voicemail link, said and copied.
pub(super) fn link(ui: &mut UiState, store: &SessionStore, now: Ts, fx: &mut Vec<Effect>) {
    use crate::core::outcomes::Join;
    let Some(s) = ui.selected_session(store) else {
        return ui.say(Level::Normal, "no call selected", now);
    };
    let links = match store.outcomes().get(&s.id) {
        Some(Join::Joined(j)) => j.links(),
        Some(_) => Vec::new(),
        None if !s.ended => return ui.say(Level::Normal, "the call has not ended", now),
        None => {
            return ui.say(
                Level::Normal,
                "the platform's records of this call are not in yet",
                now,
            )
        }
    };
    let Some((what, uri)) = links.first() else {
        return ui.say(Level::Normal, "no recording or voicemail on this call", now);
    };
    let more = links.len() - 1;
    let text = match more {
        0 => format!("{what}: {uri} (copied)"),
        n => format!("{what}: {uri} (copied; {n} more in the detail)"),
    };
    fx.push(Effect::Copy(uri.clone()));
    ui.say(Level::Ok, text, now);
}
