//! A call's tracking kept in the store's session (`CallSlot`) or in the center's own
//! map, moved between them as the store holds or lets go of the session, and through a
//! keyframe.

use super::*;

impl Center {
    /// What the center itself knows of a call a session now holds: taken out of its map
    /// (a keyframe's, or kept while the store held no session), or done.
    pub(super) fn adopt(&mut self, sid: &str) -> Option<Slot> {
        if self.calls.is_empty() && self.done.is_empty() {
            return None;
        }
        let key = fingerprint(sid);
        match self.calls.remove(&key) {
            Some(call) => Some(Slot::Live(call)),
            None => self
                .done
                .contains_fingerprint(key)
                .then_some(Slot::Over(None)),
        }
    }

    /// The store no longer holds session `sid`: a call still in progress comes back to
    /// the center's map.
    pub(crate) fn release(&mut self, sid: &str, slot: &mut CallSlot) {
        match std::mem::take(&mut slot.0) {
            Slot::Unknown => {}
            Slot::Live(call) => {
                self.calls.insert(fingerprint(sid), call);
            }
            // A later event is late to the store, which lets the center see it only if
            // its call is still followed (`observe_released`): it is over for good.
            Slot::Over(Some(effects)) => self.seal(fingerprint(sid), &effects),
            Slot::Over(None) => {}
        }
    }

    /// The center as a keyframe keeps it, with the calls the store's sessions hold
    /// (`held`: each session's id and slot).
    pub(crate) fn with_held<'a>(
        &'a self,
        held: impl Iterator<Item = (&'a str, &'a CallSlot)>,
    ) -> impl Serialize + 'a {
        /// [`Center`]'s fields, as it reads them back.
        #[derive(Serialize)]
        struct Kept<'a> {
            window: &'a Window,
            epoch: u32,
            queues: &'a Queues,
            agents: &'a Agents,
            candidates: &'a Agents,
            #[serde(serialize_with = "sorted_others")]
            others: &'a Map<ExtensionInfo>,
            calls: BTreeMap<u64, &'a Call>,
            done: Tombstones,
            #[serde(skip_serializing_if = "Option::is_none")]
            watching_since: Option<Ts>,
            #[serde(skip_serializing_if = "Option::is_none")]
            unseen_until: Option<Ts>,
            #[serde(skip_serializing_if = "BTreeSet::is_empty")]
            accounts: &'a BTreeSet<String>,
        }
        // Every field by name: one added to the center does not compile here until the
        // keyframe carries it.
        let Center {
            window,
            epoch,
            queues,
            agents,
            candidates,
            others,
            calls: own,
            done,
            watching_since,
            unseen_until,
            changes: _,
            effects: _,
            // A report's, never in a keyframe.
            intervals: _,
            // A replay of several accounts' recordings restores its index's keyframes
            // (a board over several accounts' relays never reads one).
            accounts,
            // This instance's: a keyframe's reader hears of each call again, or of its
            // end, in the lines after it (a relay reconciles its calls after an outage).
            doubted: _,
        } = self;
        fn sorted_others<S: serde::Serializer>(
            m: &&Map<ExtensionInfo>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            crate::core::ordered::sorted_map(*m, s)
        }
        let mut calls: BTreeMap<u64, &Call> = own.iter().map(|(k, c)| (*k, c)).collect();
        let mut done = done.clone();
        for (sid, slot) in held {
            match &slot.0 {
                Slot::Unknown => {}
                Slot::Live(call) => {
                    calls.insert(fingerprint(sid), call);
                }
                Slot::Over(_) => done.insert(sid),
            }
        }
        Kept {
            window,
            epoch: *epoch,
            queues,
            agents,
            candidates,
            others,
            calls,
            done,
            watching_since: *watching_since,
            unseen_until: *unseen_until,
            accounts,
        }
    }

    /// After a keyframe is read: each session the store holds takes its call back from
    /// the center (in progress, or done), as it was before [`with_held`](Self::with_held);
    /// waiting calls are in entry order (as an older keyframe may not have kept them).
    pub(crate) fn restore<'a>(&mut self, held: impl Iterator<Item = (&'a str, &'a mut CallSlot)>) {
        for q in self.queues.values_mut() {
            q.waiting.make_contiguous().sort_by_key(|w| w.entered);
        }
        if self.calls.is_empty() && self.done.is_empty() {
            return;
        }
        let mut over = std::collections::HashSet::new();
        for (sid, slot) in held {
            let key = fingerprint(sid);
            if let Some(call) = self.calls.remove(&key) {
                slot.0 = Slot::Live(call);
            } else if self.done.contains_fingerprint(key) {
                slot.0 = Slot::Over(None);
                over.insert(key);
            }
        }
        if !over.is_empty() {
            self.done.forget_where(|f| over.contains(&f));
        }
    }
}
