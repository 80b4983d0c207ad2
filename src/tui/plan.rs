//! Control planning: what a control key asks for — checked against the mode, read-only,
//! the device and the target party's state — as a prompt or a confirmation that names
//! who and what (Cancel focused). Pure: it reads the UI state and the store, changes
//! neither; the reducer opens what it plans.

use super::keymap::Command;
use super::state::UiState;
use super::view::{Confirm, Prompt, PromptKind, Screen};
use crate::core::control::{
    fill, Aim, Ask, CallKey, ControlAction, ControlRequest, Object, Subject, Target,
};
use crate::core::{PartyState, Session, SessionStore};
use crate::wire::StatusCode;

pub(super) enum Plan {
    Prompt(Prompt),
    Confirm(Confirm),
}

/// Refuses every control key while the board is read-only, in the one wording.
fn writable(ui: &UiState) -> Result<(), String> {
    match ui.read_only_refusal() {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}

/// A call key on the selected call's target party: its confirmation, or its prompt.
pub(super) fn plan(ui: &UiState, k: CallKey, store: &SessionStore) -> Result<Plan, String> {
    writable(ui)?;
    let selected = ui.selected_session(store).ok_or("no call selected")?;
    let s = &*selected;
    if s.ended {
        return Err("the call has ended".into());
    }
    if let Some(p) = ui.control.pending.get(&s.id) {
        return Err(format!("wait: {} is still running for this call", p.verb));
    }
    let idx = ui
        .target_index(s)
        .ok_or("the call has no party to act on")?;
    let p = &s.parties[idx];
    match k.facts().ask {
        Ask::Confirm(pick) => {
            let action = pick(p);
            action.check(p.code())?;
            let request = ControlRequest::on_party(&s.id, &p.id, action);
            Ok(Plan::Confirm(confirmation(store, request)))
        }
        Ask::Prompt { verb, .. } => {
            verb.check(p.code())?;
            Ok(Plan::Prompt(Prompt {
                kind: PromptKind::Call(k),
                session: s.id.clone(),
                party: p.id.clone(),
                input: String::new(),
                cursor: 0,
            }))
        }
    }
}

/// A party as a supervisor knows it. An extension of the account (an agent, reached
/// directly or through a queue or the main number): its name and extension number from
/// the directory (`Maya Singh (ext 101)`), never the number the caller dialled. Anyone
/// else: its own end's name and number (the caller side of an outbound party, the called
/// side of an inbound one), named from the directory when the number is an agent's.
pub fn who(store: &SessionStore, p: &PartyState) -> String {
    let center = store.center();
    let own = match p.direction.get() {
        Some(crate::wire::Direction::Outbound) => &p.from,
        _ => &p.to,
    };
    let ext = p.extension_id.text();
    let agent = ext.and_then(|x| center.agent(x));
    if let Some(a) = agent.filter(|a| a.extension_number.is_some()) {
        return agent_words(a);
    }
    let label = own.label();
    let number = own.phone_number.text();
    if own.name.text().is_none() {
        let known = number.and_then(|n| center.agent_by_number(n));
        if let Some(a) = known.filter(|a| a.name.is_some()) {
            return format!("{} ({label})", agent_words(a));
        }
    }
    let through = ext.filter(|x| own.extension_id.text() != Some(*x));
    match (
        through.and_then(|x| store.name_for(x)),
        label.is_empty(),
        ext,
    ) {
        (Some(name), false, _) if !label.starts_with(name) => format!("{name} ({label})"),
        (_, false, _) => label,
        (Some(name), true, _) => name.to_string(),
        (None, true, Some(x)) => format!("extension {x}"),
        (None, true, None) => p.id.clone(),
    }
}

/// An agent in a sentence: `Maya Singh (ext 101)`, or what of it is known.
pub fn agent_words(a: &crate::core::center::Agent) -> String {
    match (&a.name, &a.extension_number) {
        (Some(n), Some(x)) => format!("{n} (ext {x})"),
        (Some(n), None) => n.clone(),
        (None, Some(x)) => format!("ext {x}"),
        (None, None) => format!("extension {}", a.id),
    }
}

/// A transfer / forward target in words, with the name the directory (or a call the
/// store holds) gives its number; an extension number the loaded directory does not have
/// is flagged before anything is sent.
fn target_words(store: &SessionStore, to: &Target) -> String {
    let center = store.center();
    let n = match to {
        Target::ExtensionNumber(n) | Target::PhoneNumber(n) => n,
        _ => return to.to_string(),
    };
    if let Some(a) = center.agent_by_number(n) {
        return format!("{to} ({})", agent_words(a));
    }
    if let Some(q) = center
        .queues()
        .find(|q| q.extension_number.as_deref() == Some(n))
    {
        return format!("{to} ({})", super::rows::queue_name(q));
    }
    match store.name_for(n) {
        Some(name) => format!("{to} ({name})"),
        None if matches!(to, Target::ExtensionNumber(_)) && center.directory_loaded() => {
            format!("{to} (not in the directory: check the number)")
        }
        None => to.to_string(),
    }
}

/// An action's object in words: a target with the name the directory gives it, an
/// agent or a queue by name (`who` when the agent is unknown).
fn object_words(store: &SessionStore, o: Object, who: &str) -> String {
    let center = store.center();
    match o {
        Object::Target(t) => target_words(store, t),
        Object::Agent(id) => center
            .agent(id)
            .map_or_else(|| who.to_string(), agent_words),
        Object::Queue(q) => center
            .queue(q)
            .map_or_else(|| format!("queue {q}"), super::rows::queue_name),
        other => other.to_string(),
    }
}

/// An agent by id, in words.
fn agent_named(store: &SessionStore, id: &str) -> String {
    store
        .center()
        .agent(id)
        .map_or_else(|| format!("extension {id}"), agent_words)
}

/// What a done request did, with the names the board shows (not the platform's ids):
/// the verb's done text.
pub(super) fn done_words(store: &SessionStore, request: &ControlRequest) -> String {
    let a = &request.action;
    let who = agent_named(store, request.target_id());
    fill(a.facts().done, &who, &object_words(store, a.object(), &who))
}

/// The confirm dialog for a request: what will happen, to whom (and where), on which
/// call; Cancel focused. Every word of it is the verb's (`core::control`).
pub(super) fn confirmation(store: &SessionStore, request: ControlRequest) -> Confirm {
    let verb = request.action.facts();
    let (call, party) = match &request.on {
        Subject::Party { session, party } => {
            let call = store.get(session);
            (call, call.and_then(|s| s.party(party)))
        }
        Subject::Agent { .. } => (None, None),
    };
    let whom = match (&request.on, party) {
        (Subject::Agent { agent }, _) => agent_named(store, agent),
        (_, Some(p)) => who(store, p),
        (_, None) => request.target_id().to_string(),
    };
    let caller = call.and_then(|s| s.caller()).map(|c| c.from.label());
    let what = fill(
        &verb
            .confirm
            .replace("{caller}", caller.as_deref().unwrap_or("the caller")),
        &whom,
        &object_words(store, request.action.object(), &whom),
    );
    let subject = match (verb.aim, call) {
        (Aim::Call, Some(s)) => format!("call {}", describe(s)),
        _ => whom,
    };
    let mut question = match call {
        Some(s) => format!("{what}\nCall: {}", describe(s)),
        None => what,
    };
    // Over several accounts the same names and extensions stand in each: say which.
    if store.center().accounts().len() > 1 {
        let account = match &request.on {
            Subject::Party { .. } => call.and_then(Session::account).map(str::to_string),
            Subject::Agent { agent } => store.center().agent(agent).and_then(|a| a.account.clone()),
        };
        question.push_str("\nAccount: ");
        question.push_str(account.as_deref().unwrap_or("—"));
    }
    // A queue or IVR leg answers the caller: with no agent on the line yet, holding the
    // caller's own party puts the caller on hold.
    if let (Some(s), Some(p), ControlAction::Hold) = (call, party, &request.action) {
        let agent_on = s
            .parties
            .iter()
            .any(|o| o.id != p.id && o.code() == Some(&StatusCode::Answered));
        if s.caller().is_some_and(|c| c.id == p.id) && !agent_on {
            question.push_str("\nNo agent has answered yet: this puts the caller on hold.");
        }
    }
    Confirm {
        request,
        question,
        subject,
        ok_focused: false,
    }
}

/// `from → to` of a session, for dialogs.
pub fn describe(s: &Session) -> String {
    match s.caller() {
        Some(p) => format!("{} → {}", p.from.label(), p.to.label()),
        None => s.id.clone(),
    }
}

/// The agent a supervisor key acts on: the selected agent (agents view, queue detail).
pub(super) fn selected_agent<'a>(
    ui: &UiState,
    store: &'a SessionStore,
) -> Option<&'a crate::core::center::Agent> {
    let c = store.center();
    let id = match (ui.view.screen, &ui.view.open_queue) {
        (Screen::Agents, _) => ui.view.agents.selected.as_deref(),
        (Screen::Queues, Some(_)) => ui.view.members.selected.as_deref(),
        _ => None,
    }?;
    c.agent(id)
}

/// `l` listen in, `a` answer / pick up, `o` an agent's queue calls: checked, then the
/// confirmation that names who and what.
pub(super) fn plan_supervise(
    ui: &UiState,
    c: Command,
    store: &SessionStore,
) -> Result<Confirm, String> {
    writable(ui)?;
    if c == Command::QueueCalls {
        return plan_queue_calls(ui, store);
    }
    // A call: the selected one on the board, else the selected agent's current call.
    let session = match ui.view.screen {
        Screen::Board => ui.selected_session(store).map(|s| s.into_owned()),
        _ => selected_agent(ui, store)
            .and_then(|a| a.current_call())
            .and_then(|call| store.get(&call.session).cloned()),
    };
    let s = session.ok_or("no call selected")?;
    if s.ended {
        return Err("the call has ended".into());
    }
    if let Some(p) = ui.control.pending.get(&s.id) {
        return Err(format!("wait: {} is still running for this call", p.verb));
    }
    let (party, action) = match c {
        Command::Listen => {
            let p = s
                .agent_party()
                .ok_or("can't listen in: no agent is on this call (nobody has answered)")?;
            match p.code() {
                Some(StatusCode::Answered) => {}
                Some(StatusCode::Parked) => {
                    return Err("can't listen in: the call is parked, nobody talks on it".into())
                }
                Some(StatusCode::Hold) => {
                    return Err("can't listen in: the agent has the caller on hold".into())
                }
                _ => {
                    return Err(
                        "can't listen in: no agent is on this call yet (nobody has answered)"
                            .into(),
                    )
                }
            }
            let agent = p
                .extension_id
                .text()
                .ok_or("can't listen in: the party is not an extension")?
                .to_string();
            (p, ControlAction::Supervise { agent })
        }
        _ => {
            // The target party when it rings or is parked, else the first that does.
            let pick = |want: &StatusCode| {
                ui.target_index(&s)
                    .map(|i| &s.parties[i])
                    .filter(|p| p.code() == Some(want))
                    .or_else(|| s.parties.iter().find(|p| p.code() == Some(want)))
            };
            match (pick(&StatusCode::Proceeding), pick(&StatusCode::Parked)) {
                (Some(p), _) => (p, ControlAction::Answer),
                (None, Some(p)) => (p, ControlAction::Pickup),
                _ => return Err("can't answer: no party of this call is ringing or parked".into()),
            }
        }
    };
    if let (true, Some(why)) = (action.needs_device(), &ui.config.no_device) {
        return Err(format!("{} needs your device: {why}", action.verb()));
    }
    action.check(party.code())?;
    let request = ControlRequest::on_party(&s.id, &party.id, action);
    Ok(confirmation(store, request))
}

/// `o`: the selected agent's taking of a queue's calls, toggled (the open queue's, else
/// the queue of the agent's current call, else the agent's first).
fn plan_queue_calls(ui: &UiState, store: &SessionStore) -> Result<Confirm, String> {
    use super::rows::queue_name;
    let center = store.center();
    let a = selected_agent(ui, store)
        .ok_or("select an agent (agents view, or a queue's agents) to change its queue calls")?;
    let queues = center.queues_of(&a.id);
    let chosen = match &ui.view.open_queue {
        Some(q) => queues.iter().find(|(x, _)| x.id == *q),
        None => a
            .current_call()
            .and_then(|call| call.queue.as_deref())
            .and_then(|q| queues.iter().find(|(x, _)| x.id == q))
            .or(queues.first()),
    };
    let Some((q, member)) = chosen else {
        return Err(format!("{} is in no queue calltop knows", agent_words(a)));
    };
    let action = ControlAction::toggle_queue_calls(&q.id, Some(member));
    action.check_member(Some(member))?;
    let mut confirm = confirmation(store, ControlRequest::on_agent(&a.id, action));
    if ui.view.open_queue.is_none() && queues.len() > 1 {
        let others: Vec<String> = queues
            .iter()
            .filter(|(x, _)| x.id != q.id)
            .map(|(x, _)| queue_name(x))
            .collect();
        confirm.question.push_str(&format!(
            "\nAlso in: {} (choose a queue in the queues view, Enter, to change those).",
            others.join(", ")
        ));
    }
    Ok(confirm)
}
