//! The audit trail of control actions, kept by the control side: every request and
//! its outcome are written into the call's timeline (and the log file) by the
//! [`Control`] the board is handed, never by the board itself.

use crate::core::control::{Control, ControlRequest, Outcome};
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
    /// A call's request reaches its timeline and the log file; an agent's belongs to
    /// no call and reaches the log file only.
    fn execute(&self, request: ControlRequest) -> BoxFuture<'static, Outcome> {
        let store = self.store.clone();
        let verb = request.action.verb();
        let key = request.key();
        let session = request.session().map(str::to_string);
        let sent = request.audit_sent();
        tracing::info!(%key, "audit: {sent}");
        if let Some(id) = &session {
            store.write(|s| s.audit(id, Ts::now(), sent));
        }
        let running = self.inner.execute(request);
        Box::pin(async move {
            let outcome = running.await;
            let line = outcome.audit_result(&verb);
            tracing::info!(%key, "audit: {line}");
            if let Some(id) = &session {
                store.write(|s| s.audit(id, Ts::now(), line));
            }
            outcome
        })
    }
}
