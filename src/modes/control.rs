//! The audit trail of control actions, kept by the control side: every request and
//! its outcome are written into the call's timeline (and the log file) by the
//! [`Control`] the board is handed, never by the board itself.

use crate::core::control::{AgentRequest, Control, ControlRequest, Outcome};
use crate::core::SharedStore;
use crate::wire::Ts;
use futures_util::future::BoxFuture;

/// Wraps a [`Control`] so that each request and its outcome reach the audit trail.
pub struct Audited<C> {
    inner: C,
    store: SharedStore,
}

impl<C: Control> Audited<C> {
    /// Audits `inner`'s requests into `store`.
    pub fn new(inner: C, store: SharedStore) -> Audited<C> {
        Audited { inner, store }
    }
}

impl<C: Control> Control for Audited<C> {
    fn execute(&self, request: ControlRequest) -> BoxFuture<'static, Outcome> {
        let store = self.store.clone();
        let verb = request.action.verb();
        let session = request.session.clone();
        let sent = request.audit_sent();
        tracing::info!(%session, "audit: {sent}");
        store.write(|s| s.audit(&session, Ts::now(), sent));
        let running = self.inner.execute(request);
        Box::pin(async move {
            let outcome = running.await;
            let line = outcome.audit_result(&verb);
            tracing::info!(%session, "audit: {line}");
            store.write(|s| s.audit(&session, Ts::now(), line));
            outcome
        })
    }

    /// Agent requests belong to no call: they reach the log file only.
    fn execute_agent(&self, request: AgentRequest) -> BoxFuture<'static, Outcome> {
        let verb = request.action.verb();
        let agent = request.agent.clone();
        tracing::info!(%agent, "audit: → {verb}");
        let running = self.inner.execute_agent(request);
        Box::pin(async move {
            let outcome = running.await;
            tracing::info!(%agent, "audit: ← {}", outcome.describe(&verb));
            outcome
        })
    }
}
