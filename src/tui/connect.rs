//! Wiring the board to the live source: connection state for the header, and the
//! Call Control client behind the board's control requests.

use super::app::{self, ControlFn, Wiring};
use super::state::{CallOp, ConnView, ControlRequest, Outcome, UiState};
use super::theme::Level;
use crate::core::SessionStore;
use crate::platform::{ControlAction, ControlOutcome, Target};
use crate::source::live::{self, ConnState, LiveConfig};
use std::sync::Arc;
use tokio::sync::watch;

/// The header's view of a connection state.
pub fn conn_view(c: &ConnState) -> ConnView {
    let (label, level, retry_at) = match c {
        ConnState::Connecting => ("connecting…".to_string(), Level::Warn, None),
        ConnState::Live => ("● live".to_string(), Level::Ok, None),
        ConnState::Recovering => ("recovering…".to_string(), Level::Warn, None),
        ConnState::Recovered => ("● live (recovered)".to_string(), Level::Ok, None),
        ConnState::Resubscribed => ("● live (resubscribed)".to_string(), Level::Ok, None),
        ConnState::Offline {
            retry_at,
            attempt,
            reason,
        } => (
            format!("offline, attempt {attempt}: {reason}"),
            Level::Crit,
            Some(*retry_at),
        ),
        ConnState::Failed(m) => (format!("failed: {m}"), Level::Crit, None),
    };
    ConnView {
        label,
        level,
        retry_at,
    }
}

/// The platform action of a board request (the target typed in a prompt is parsed here).
pub fn to_action(op: &CallOp) -> Result<ControlAction, String> {
    Ok(match op {
        CallOp::Hold => ControlAction::Hold,
        CallOp::Unhold => ControlAction::Unhold,
        CallOp::Transfer(t) => ControlAction::Transfer(Target::parse(t)?),
        CallOp::Park => ControlAction::Park,
        CallOp::Forward(t) => ControlAction::Forward(Target::parse(t)?),
        CallOp::Reject => ControlAction::Reject,
        CallOp::Mute(m) => ControlAction::Mute(*m),
        CallOp::StartRecording => ControlAction::StartRecording,
        CallOp::PauseRecording(id) => ControlAction::PauseRecording(id.clone()),
        CallOp::ResumeRecording(id) => ControlAction::ResumeRecording(id.clone()),
        CallOp::HangUp => ControlAction::HangUp,
    })
}

/// The board's outcome of a platform outcome.
pub fn to_outcome(o: ControlOutcome) -> Outcome {
    match o {
        ControlOutcome::Ok { message, .. } => Outcome::Ok(message),
        ControlOutcome::Failed { message } => Outcome::Failed(message),
        ControlOutcome::RateLimited { retry_after } => {
            Outcome::RateLimited(retry_after.as_secs_f64().ceil().max(1.0) as u64)
        }
    }
}

/// A control function over a Call Control client.
pub fn control_fn(client: crate::platform::ControlClient) -> ControlFn {
    Arc::new(move |req: ControlRequest| {
        let client = client.clone();
        Box::pin(async move {
            match to_action(&req.op) {
                Ok(action) => to_outcome(client.execute(&req.session, &req.party, action).await),
                Err(e) => Outcome::Failed(e),
            }
        })
    })
}

/// Runs the board on the live source until the user quits; then shuts the source down.
pub async fn run_board(ui: UiState, cfg: LiveConfig) -> anyhow::Result<()> {
    let store = crate::source::shared(SessionStore::new(cfg.store));
    let h = live::spawn(cfg, store.clone());
    // Map connection states to header views as they change.
    let mut conn_rx = h.conn.clone();
    let (view_tx, view_rx) = watch::channel(conn_view(&conn_rx.borrow()));
    let mapper = tokio::spawn(async move {
        while conn_rx.changed().await.is_ok() {
            let v = conn_view(&conn_rx.borrow_and_update());
            tracing::info!("connection: {}", v.label);
            if view_tx.send(v).is_err() {
                break;
            }
        }
    });
    let wiring = Wiring {
        store,
        generation: h.generation.clone(),
        replay: None,
        conn: Some(view_rx),
        control: Some(control_fn(h.control.clone())),
    };
    let r = app::run(ui, wiring).await;
    mapper.abort();
    h.shutdown().await;
    r
}
