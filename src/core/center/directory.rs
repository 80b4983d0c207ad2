//! The directory side of the center: presence, queue presence, and what the live client
//! learned by REST (extensions, queues, members).

use super::*;
use crate::wire::directory::ExtensionStatus;

impl Center {
    /// A presence notification, at its envelope `timestamp`. Older than the newest seen
    /// for the extension (by `sequence`): ignored.
    pub fn presence(&mut self, p: &PresenceEvent, at: Ts) {
        let Some(ext) = p.extension_id.as_deref() else {
            return;
        };
        let info = PresenceInfo {
            presence_status: p.presence_status.as_deref().map(PresenceStatus::parse),
            user_status: p.user_status.clone(),
            telephony_status: p.telephony_status.clone(),
            dnd_status: p.dnd_status.clone(),
            dnd_status_personal: p.dnd_status_personal.clone(),
            accept_call_queue_calls: p.accept_call_queue_calls,
            sequence: p.sequence,
            ..Default::default()
        };
        self.merge_presence(ext, &info, Some(at));
        self.time_states(at);
    }

    /// Merges presence fields into the agent; `at` is the notification's time (`None`:
    /// a REST snapshot, which never times a state).
    pub(super) fn merge_presence(&mut self, ext: &str, p: &PresenceInfo, at: Option<Ts>) {
        if self.queues.contains_key(ext) || self.others.contains_key(ext) {
            return;
        }
        // Only users have these (queues, IVR menus… are just `Offline`, §2.1).
        let user =
            p.user_status.is_some() || p.dnd_status.is_some() || p.telephony_status.is_some();
        if !user && !self.agents.contains_key(ext) {
            return;
        }
        if !self.agents.contains_key(ext) {
            self.directory_changed();
        }
        self.agent_changed(fingerprint(ext));
        let a = promote(&mut self.agents, &mut self.candidates, ext);
        let cur = &mut a.presence.info;
        if let (Some(new), Some(old), Some(_)) = (p.sequence, cur.sequence, at) {
            if new <= old {
                return;
            }
        }
        fn take<T: Clone>(into: &mut Option<T>, v: &Option<T>) {
            if v.is_some() {
                into.clone_from(v);
            }
        }
        take(&mut cur.presence_status, &p.presence_status);
        take(&mut cur.user_status, &p.user_status);
        take(&mut cur.telephony_status, &p.telephony_status);
        take(&mut cur.dnd_status, &p.dnd_status);
        take(&mut cur.dnd_status_personal, &p.dnd_status_personal);
        take(&mut cur.accept_call_queue_calls, &p.accept_call_queue_calls);
        take(&mut cur.meeting_status, &p.meeting_status);
        take(&mut cur.message, &p.message);
        if at.is_some() {
            take(&mut cur.sequence, &p.sequence);
        } else {
            // A REST read is the state now and carries no sequence: the next notification
            // is newer whatever its number (the platform's count may have started again).
            cur.sequence = None;
        }
        cur.extra.extend(p.extra.clone());
        let state = agent_state(cur);
        let before = a.presence.state.replace(state);
        if before != Some(state) {
            // Timed only when calltop saw the state change.
            a.presence.since = at.filter(|_| before.is_some());
            a.presence.changed_unseen = at.is_none() && before.is_some();
        }
    }

    /// A queue-presence notification (either shape) for `queue`.
    pub fn queue_presence(&mut self, queue: Option<&str>, body: &QueuePresenceEvent) {
        let Some(q) = body.call_queue_id.as_deref().or(queue) else {
            return;
        };
        self.directory_changed();
        if let Some(records) = &body.records {
            self.members_presence(q, records);
        }
        if let (Some(ext), Some(accept)) = (&body.extension_id, body.accept_calls) {
            self.member(q, ext).accept_current = Some(accept);
        }
    }

    pub(super) fn member(&mut self, q: &str, ext: &str) -> &mut Member {
        self.queues
            .entry(q)
            .members
            .entry(ext.to_string())
            .or_default()
    }

    pub(super) fn members_presence(&mut self, q: &str, records: &[QueueMemberPresence]) {
        for r in records {
            let Some(id) = r.member.id.as_deref() else {
                continue;
            };
            let m = self.member(q, id);
            if r.accept_current_queue_calls.is_some() {
                m.accept_current = r.accept_current_queue_calls;
            }
            if r.accept_queue_calls.is_some() {
                m.accept_all = r.accept_queue_calls;
            }
            let a = promote(&mut self.agents, &mut self.candidates, id);
            if a.name.is_none() {
                a.name.clone_from(&r.member.name);
            }
            if a.extension_number.is_none() {
                a.extension_number.clone_from(&r.member.extension_number);
            }
        }
    }

    /// What the live client learned by REST.
    pub fn roster(&mut self, line: &RosterLine) {
        self.directory_changed();
        self.roster_line(line);
        // Agents it made, removed or found on a call: timed from the next time heard.
        let keys: Vec<u64> = self.agents.0.keys().copied().collect();
        keys.into_iter().for_each(|k| self.restated(k));
    }

    fn roster_line(&mut self, line: &RosterLine) {
        match line {
            RosterLine::Extensions(v) => v.iter().for_each(|e| self.extension(e)),
            RosterLine::Queue(cq) => {
                let Some(id) = cq.id.as_deref() else { return };
                let q = self.queues.entry(id);
                if let Some(s) = &cq.service_level_settings {
                    q.sla.merge(s);
                }
                q.name = cq.name.clone().or(q.name.take());
                q.extension_number = cq.extension_number.clone().or(q.extension_number.take());
                q.details = Some((**cq).clone());
            }
            RosterLine::Members(m) => {
                let q = self.queues.entry(&m.queue_id);
                let ids: Vec<&str> = m.records.iter().filter_map(|r| r.id.as_deref()).collect();
                q.members.retain(|id, _| ids.contains(&id.as_str()));
                for id in ids {
                    q.members.entry(id.to_string()).or_default();
                }
                for r in &m.records {
                    if let Some(id) = r.id.as_deref() {
                        let a = promote(&mut self.agents, &mut self.candidates, id);
                        a.extension_number =
                            r.extension_number.clone().or(a.extension_number.take());
                    }
                }
            }
            RosterLine::QueuePresence(m) => self.members_presence(&m.queue_id, &m.records),
            RosterLine::Rule(r) => {
                let hold = r.rule.queue.as_ref().and_then(|q| q.hold_time);
                if let Some(secs) = hold {
                    self.queues.entry(&r.queue_id).hold_time_ms = Some(secs * 1000);
                }
            }
            RosterLine::Presence(v) => {
                for p in v {
                    let ext = p
                        .extension_id
                        .as_deref()
                        .or(p.extension.as_ref().and_then(|e| e.id.as_deref()));
                    if let Some(ext) = ext {
                        self.merge_presence(ext, p, None);
                    }
                }
            }
        }
    }

    /// One directory record: users are agents, `Department`s are queues. A user who
    /// cannot take calls (disabled, frozen, not activated: a former agent, a new hire)
    /// is no agent; its record is kept for its name.
    pub(super) fn extension(&mut self, e: &ExtensionInfo) {
        let id = e.id.as_str();
        let no_calls = matches!(
            e.status,
            Some(
                ExtensionStatus::Disabled | ExtensionStatus::Frozen | ExtensionStatus::NotActivated
            )
        );
        match e.kind {
            Some(ExtensionType::User) if !no_calls => {
                self.others.remove(id);
                let a = promote(&mut self.agents, &mut self.candidates, id);
                a.name = e.name.clone().or(a.name.take());
                a.extension_number = e.extension_number.clone().or(a.extension_number.take());
                a.extension = Some(Box::new(e.clone()));
            }
            Some(ExtensionType::Department) => {
                self.agents.remove(id);
                self.candidates.remove(id);
                let q = self.queues.entry(id);
                if let Some(s) = &e.call_queue_info {
                    q.sla.merge(s);
                }
                q.name = e.name.clone().or(q.name.take());
                q.extension_number = e.extension_number.clone().or(q.extension_number.take());
                q.extension = Some(e.clone());
            }
            _ => {
                if !self.queues.contains_key(id) {
                    self.agents.remove(id);
                    self.candidates.remove(id);
                    self.others.insert(id.to_string(), e.clone());
                }
            }
        }
    }

    /// A directory record of another kind (IVR, announcement…), by id.
    pub fn other_extension(&self, id: &str) -> Option<&ExtensionInfo> {
        self.others.get(id)
    }

    /// The agent a number belongs to: its extension number, or the business phone of
    /// its directory record.
    pub fn agent_by_number(&self, number: &str) -> Option<&Agent> {
        fn phone(a: &Agent) -> Option<&str> {
            a.extension
                .as_ref()
                .and_then(|e| e.contact.as_ref())
                .and_then(|c| c.business_phone.as_deref())
        }
        self.agents()
            .find(|a| a.extension_number.as_deref() == Some(number) || phone(a) == Some(number))
    }

    /// Whether the account's directory was read (by REST): an agent has its record.
    pub fn directory_loaded(&self) -> bool {
        self.agents().any(|a| a.extension.is_some())
    }

    /// What changes when a line adds agents or queues: the directory's revision and how
    /// many there are (see [`Center::claim`]).
    pub fn roster_mark(&self) -> (u64, usize) {
        let size = self.agents.0.len() + self.candidates.0.len() + self.queues.0.len();
        (self.changes.directory, size)
    }

    /// [`claim`](Center::claim)s what a line added since the roster stood at `before`
    /// (its [`roster_mark`](Center::roster_mark)), if it added anything.
    pub fn claim_since(&mut self, before: (u64, usize), account: &str) {
        if self.roster_mark() != before {
            self.claim(account);
        }
    }

    /// Names `account` the account of every agent and queue that names none: on a board
    /// over several accounts' relays, after a line of that account changed the
    /// [`roster_mark`](Center::roster_mark) (the lines are applied one at a time).
    pub fn claim(&mut self, account: &str) {
        self.accounts.insert(account.to_string());
        let agents = self.agents.values_mut().chain(self.candidates.values_mut());
        for a in agents.filter(|a| a.account.is_none()) {
            a.account = Some(account.to_string());
        }
        for q in self.queues.values_mut().filter(|q| q.account.is_none()) {
            q.account = Some(account.to_string());
        }
    }
}
