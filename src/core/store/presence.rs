//! What presence tells a store: calls in progress a stream joined mid-call (seeded as
//! sessions), and calls presence shows that no event named (counted, not reported).

use super::{Applied, SessionStore};
use crate::core::session::Session;
use crate::wire::{Endpoint, Party, PresenceEvent, Status, StatusCode, TelephonyStatus, Ts};

impl SessionStore {
    /// Seeds sessions a stream joined mid-call from presence `activeCalls`.
    pub fn apply_presence(&mut self, p: &PresenceEvent, now: Ts) -> Applied {
        self.counters.presence += 1;
        self.touch(now);
        let mut seeded = 0;
        for c in &p.active_calls {
            let code = match &c.telephony_status {
                Some(TelephonyStatus::Ringing) => Some(StatusCode::Proceeding),
                Some(TelephonyStatus::CallConnected) => Some(StatusCode::Answered),
                Some(TelephonyStatus::OnHold) => Some(StatusCode::Hold),
                Some(TelephonyStatus::ParkedCall) => Some(StatusCode::Parked),
                _ => None,
            };
            let ids = (&c.telephony_session_id, &c.party_id, code);
            let (Some(tsid), Some(pid), Some(code)) = ids else {
                self.note_presence_only(c);
                continue;
            };
            if self.sessions.contains_key(tsid) || self.is_gone(tsid) {
                continue;
            }
            let endpoint = |num: &Option<String>, name: &Option<String>| {
                Some(Endpoint {
                    phone_number: num.clone(),
                    name: name.clone(),
                    ..Default::default()
                })
            };
            let party = Party {
                id: pid.clone(),
                // The presence is the extension's own: the party is that extension.
                extension_id: p.extension_id.clone(),
                direction: c.direction.clone(),
                from: endpoint(&c.from, &c.from_name),
                to: endpoint(&c.to, &c.to_name),
                status: Some(Status::code(code)),
                ..Default::default()
            };
            let mut s = Session::new(tsid.clone(), now);
            s.session_id = c.session_id.clone();
            s.start = c.start_time;
            s.fragment = self.config.fragment;
            self.presence_only.remove(tsid);
            self.snapshot_party(&mut s, party, now);
            self.changes.note(self.generation, tsid);
            self.sessions.insert(s);
            seeded += 1;
        }
        Applied::Presence { seeded }
    }

    /// Notes a presence call that is not taken as a session: ended in presence, or
    /// without a telephony session or party id (the older format: `sessionId` only).
    /// Forgotten once an event of the call is heard.
    pub(super) fn note_presence_only(&mut self, c: &crate::wire::ActiveCall) {
        // A count for a report's note, bounded: a live board hears thousands of ended
        // presence calls a day.
        const KEPT: usize = 10_000;
        let Some(id) = c.telephony_session_id.as_ref().or(c.session_id.as_ref()) else {
            return;
        };
        // Only the older format (a `sessionId` alone) needs the walk of the sessions.
        let legacy = c.telephony_session_id.is_none();
        let known = self.sessions.contains_key(id)
            || self.is_gone(id)
            || (legacy
                && self
                    .sessions
                    .values()
                    .any(|s| s.session_id.as_deref() == Some(id.as_str())));
        if !known && self.presence_only.len() < KEPT {
            self.presence_only.insert(id.clone());
        }
    }

    /// How many presence calls no event named: not reported as sessions.
    pub fn presence_only_calls(&self) -> usize {
        self.presence_only.len()
    }
}
