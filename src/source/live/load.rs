//! The background loads: the contact center (the directory, everyone's presence, each
//! queue's settings, members and member availability) and the calls in progress (at
//! start, and reconciling after an outage). Each answer is recorded first, then applied
//! through the store's reducer, so a replay knows what the live run knew. Every request
//! is taken from the login's rate budget (account presence from the Heavy group the
//! call-log join spends too) and 429s are waited out; a 403 gives one warning naming
//! the missing permission and the rest goes on.

use crate::core::SharedStore;
use crate::platform::budget::Pace;
use crate::platform::roster::session_ids;
use crate::platform::{ControlClient, HttpError, RateGroup, Roster};
use crate::record::Tap;
use crate::source::events::{warn, LiveEvent};
use crate::source::Loading;
use crate::wire::roster::{QueueRecords, QueueRule};
use crate::wire::{Incoming, Parsed, RosterLine, Ts};
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};

/// How long loading one call (or one list) keeps waiting out 429s before reporting it:
/// calls in progress are worth waiting for.
const LOAD_PATIENCE: Duration = Duration::from_secs(600);
/// A wait of the rate budget this long or longer is said on the board.
const PACING_WORTH_SAYING_MS: i64 = 1_000;

/// The app permission of the directory and queue endpoints (supervisor-api.md §8).
const READ_ACCOUNTS: &str = "ReadAccounts";
/// The app permission of presence and queue member availability.
const READ_PRESENCE: &str = "ReadPresence";

/// What one background load does.
#[derive(Clone, Copy, Debug)]
pub(super) struct Plan {
    /// The directory and every queue (a fresh subscription).
    pub directory: bool,
    /// Everyone's presence (the agents' states).
    pub presence: bool,
    /// The calls in progress; `reconcile` after an outage (else seeding at start).
    pub sessions: bool,
    pub reconcile: bool,
    /// A call found gone ended at the latest then (when the socket dropped).
    pub known_until: Ts,
}

/// What the loads need.
pub(super) struct Loader {
    pub store: SharedStore,
    pub control: ControlClient,
    pub roster: Roster,
    pub events: broadcast::Sender<LiveEvent>,
    pub loading: watch::Sender<Loading>,
    pub tap: Option<Arc<Mutex<Tap>>>,
    /// Told when the queues are known: the subscription's filters follow them.
    pub filters: mpsc::UnboundedSender<()>,
    pub extension_level: bool,
}

impl Plan {
    /// Both plans in one: everything either loads; a call found gone ended at the latest
    /// at the earlier moment.
    fn merge(self, o: Plan) -> Plan {
        Plan {
            directory: self.directory || o.directory,
            presence: self.presence || o.presence,
            sessions: self.sessions || o.sessions,
            reconcile: self.reconcile || o.reconcile,
            known_until: self.known_until.min(o.known_until),
        }
    }
}

/// The background loads run one at a time: a plan made while one runs is merged into
/// the next. A flaky socket reconciles after every drop, and with the rate budget
/// pacing them the loads would otherwise pile up, each spending it again.
#[derive(Debug, Default)]
pub(super) struct LoadQueue {
    running: bool,
    next: Option<Plan>,
}

impl Loader {
    /// Runs the plan in the background, after the load running now (if any).
    pub fn spawn(self, plan: Plan, queue: Arc<Mutex<LoadQueue>>) {
        {
            let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
            if q.running {
                q.next = Some(q.next.map_or(plan, |n| n.merge(plan)));
                return;
            }
            q.running = true;
        }
        tokio::spawn(async move {
            let mut plan = plan;
            loop {
                self.run(plan).await;
                let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
                match q.next.take() {
                    Some(next) => plan = next,
                    None => {
                        q.running = false;
                        return;
                    }
                }
            }
        });
    }

    /// Runs one plan; the first run to finish ends the seeding. A reconciling one begins
    /// the reloading, which its calls in progress loaded end.
    async fn run(&self, plan: Plan) {
        if plan.reconcile {
            self.loading.send_modify(|l| l.reloading = true);
        }
        self.load(plan).await;
        self.loading.send_if_modified(|l| {
            std::mem::take(&mut l.seeding) | std::mem::take(&mut l.reloading)
        });
    }

    async fn load(&self, plan: Plan) {
        // Permissions found missing: said once, and not asked for again.
        let mut missing = HashSet::new();
        if plan.directory {
            self.directory(&mut missing).await;
        }
        let mut ids = Vec::new();
        if plan.presence || plan.sessions {
            ids = self.presence(plan, &mut missing).await;
        }
        if plan.sessions {
            self.sessions(ids, plan).await;
            // The calls in progress are known again: what is left (queue members) is
            // no news of calls begun during the outage.
            self.loading
                .send_if_modified(|l| std::mem::take(&mut l.reloading));
        }
        if plan.directory {
            self.queues(&mut missing).await;
        }
    }

    /// Tells the board when the login's rate budget will hold the next request of `g`
    /// back for a second or more (the user's requests of the window spent, by this or
    /// another of its clients, or this process's share): the load is late for it.
    fn say_pacing(&self, g: RateGroup) {
        let budget = self.control.auth().http().budget();
        let now = tokio::time::Instant::now();
        let Some(w) = budget.wait(g, Pace::Now, now) else {
            return;
        };
        let ms = w.until.saturating_duration_since(now).as_millis() as i64;
        if ms >= PACING_WORTH_SAYING_MS {
            self.loading.send_modify(|l| {
                l.waiting_until = Some(Ts::now().plus_millis(ms));
                l.paced = true;
            });
        }
    }

    /// Runs a request of group `g` again after each 429, for up to [`LOAD_PATIENCE`]:
    /// the login's budget waits out `Retry-After` plus jitter, doubled on repeats (the
    /// board is told until when), and paces every request it takes (the board is told
    /// when that holds it back).
    async fn patiently<T, F>(&self, g: RateGroup, call: impl FnMut() -> F) -> Result<T, HttpError>
    where
        F: Future<Output = Result<T, HttpError>>,
    {
        self.say_pacing(g);
        let budget = self.control.auth().http().budget().clone();
        let on_wait = |until: Option<tokio::time::Instant>| {
            let until = until.map(|u| {
                let ms = u.saturating_duration_since(tokio::time::Instant::now());
                Ts::now().plus_millis(ms.as_millis() as i64)
            });
            self.loading.send_modify(|l| {
                l.waiting_until = until;
                l.paced = false;
            });
        };
        budget.patiently(g, LOAD_PATIENCE, on_wait, call).await
    }

    fn warn(&self, message: String) {
        warn(&self.events, message);
    }

    /// A failed roster request: a 403 names the missing permission, once per load.
    fn failed(
        &self,
        what: &str,
        permission: &'static str,
        e: &HttpError,
        missing: &mut HashSet<&'static str>,
    ) {
        let message = match e {
            HttpError::Status { status: 403, .. } => {
                if !missing.insert(permission) {
                    return;
                }
                format!(
                    "agents and queues: {what} needs the {permission} permission, which the app lacks ({e}); shown as far as the calls and notifications say"
                )
            }
            other => format!("agents and queues: {what} not loaded: {other}"),
        };
        self.warn(message);
    }

    /// Records a roster answer, then applies it.
    fn keep(&self, line: RosterLine) {
        let now = Ts::now();
        if let Some(t) = &self.tap {
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            t.learned(now, serde_json::json!({ "roster": &line }));
        }
        let parsed = Parsed {
            received_at: None,
            meta: None,
            item: Incoming::Roster(Box::new(line)),
        };
        self.store.write(|s| s.ingest(parsed, now));
    }

    /// `GET …/extension`: users are agents, `Department`s queues.
    async fn directory(&self, missing: &mut HashSet<&'static str>) {
        match self
            .patiently(RateGroup::Medium, || self.roster.extensions())
            .await
        {
            Ok(v) => {
                tracing::info!(extensions = v.len(), "directory loaded");
                self.keep(RosterLine::Extensions(v));
                let _ = self.filters.send(());
            }
            Err(e) => self.failed(
                "the directory (GET …/extension)",
                READ_ACCOUNTS,
                &e,
                missing,
            ),
        }
    }

    /// Everyone's presence (or the current extension's): the agents' states, and the
    /// calls it lists (to load).
    async fn presence(&self, plan: Plan, missing: &mut HashSet<&'static str>) -> Vec<String> {
        let level = self.extension_level;
        // Everyone's presence is Heavy, the current extension's Light.
        let g = if level {
            RateGroup::Light
        } else {
            RateGroup::Heavy
        };
        match self.patiently(g, || self.roster.presence(level)).await {
            Ok(v) => {
                let ids = session_ids(&v);
                self.keep(RosterLine::Presence(v));
                ids
            }
            Err(e @ HttpError::Status { status: 403, .. }) => {
                self.failed("presence (GET …/presence)", READ_PRESENCE, &e, missing);
                Vec::new()
            }
            Err(e) => {
                let what = if plan.reconcile { "reconcile" } else { "seed" };
                self.warn(format!(
                    "{what}: calls in progress not loaded (presence: {e})"
                ));
                Vec::new()
            }
        }
    }

    /// Every queue's details (service level), members and member availability.
    async fn queues(&self, missing: &mut HashSet<&'static str>) {
        let mut ids: Vec<String> = self
            .store
            .read()
            .center()
            .queues()
            .map(|q| q.id.clone())
            .collect();
        ids.sort();
        for id in ids {
            if !missing.contains(READ_ACCOUNTS) {
                match self
                    .patiently(RateGroup::Light, || self.roster.queue(&id))
                    .await
                {
                    Ok(q) => self.keep(RosterLine::Queue(Box::new(q))),
                    Err(e) => {
                        let what = "a queue's settings (GET …/call-queues/{id})";
                        self.failed(what, READ_ACCOUNTS, &e, missing)
                    }
                }
            }
            if !missing.contains(READ_ACCOUNTS) {
                // How long a caller may wait: until then, callers waiting since before
                // calltop joined may still be unseen.
                match self
                    .patiently(RateGroup::Light, || self.roster.queue_rule(&id))
                    .await
                {
                    Ok(rule) => self.keep(RosterLine::Rule(Box::new(QueueRule {
                        queue_id: id.clone(),
                        rule,
                    }))),
                    Err(e) => {
                        let what =
                            "a queue's answering rule (GET …/answering-rule/business-hours-rule)";
                        self.failed(what, READ_ACCOUNTS, &e, missing)
                    }
                }
            }
            if !missing.contains(READ_ACCOUNTS) {
                match self
                    .patiently(RateGroup::Light, || self.roster.members(&id))
                    .await
                {
                    Ok(records) => self.keep(RosterLine::Members(QueueRecords {
                        queue_id: id.clone(),
                        records,
                    })),
                    Err(e) => {
                        let what = "a queue's members (GET …/call-queues/{id}/members)";
                        self.failed(what, READ_ACCOUNTS, &e, missing)
                    }
                }
            }
            if !missing.contains(READ_PRESENCE) {
                match self
                    .patiently(RateGroup::Light, || self.roster.queue_presence(&id))
                    .await
                {
                    Ok(records) => self.keep(RosterLine::QueuePresence(QueueRecords {
                        queue_id: id.clone(),
                        records,
                    })),
                    Err(e) => {
                        let what = "queue member availability (GET …/call-queues/{id}/presence)";
                        self.failed(what, READ_PRESENCE, &e, missing)
                    }
                }
            }
        }
    }

    /// Seeds (first connect) or reconciles (after a failed recovery): every session the
    /// store holds as active plus those presence lists, fetched with
    /// `GET …/telephony/sessions/{id}`; a 404 ends it.
    async fn sessions(&self, listed: Vec<String>, plan: Plan) {
        let what = if plan.reconcile { "reconcile" } else { "seed" };
        let mut ids = self.store.read().active_ids();
        for id in listed {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        tracing::info!(sessions = ids.len(), "{what}");
        self.loading.send_modify(|l| {
            *l = Loading {
                done: 0,
                total: ids.len(),
                seeding: l.seeding,
                reloading: l.reloading,
                ..Loading::default()
            }
        });
        for id in ids {
            // A background task may wait out a 429 (the board never does).
            let result = self
                .patiently(RateGroup::Light, || self.control.get_session(&id))
                .await;
            self.loading.send_modify(|l| l.done += 1);
            let now = Ts::now();
            let found = match &result {
                Ok(Some(s)) => Some((now, Ok(s))),
                Ok(None) => Some((plan.known_until, Err(id.as_str()))),
                Err(_) => None,
            };
            if let (Some((at, found)), Some(t)) = (found, &self.tap) {
                let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
                t.reconcile(at, found);
            }
            match result {
                Ok(Some(s)) => self.store.write(|st| st.apply_rest_session(&s, now)),
                Ok(None) => self.store.write(|st| {
                    let text = match st.mark_gone(&id, plan.known_until) {
                        Some(true) => {
                            "ended during the outage (404); closed as of the outage start"
                        }
                        Some(false) => "gone (404) before its end was seen; closed",
                        None => return,
                    };
                    st.audit(&id, now, format!("{what}: {text}"));
                }),
                Err(e) => self.warn(format!("{what} {id}: {e}")),
            }
        }
    }
}
