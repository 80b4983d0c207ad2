//! The agents' rows: their order and each agent's queues, memoised ([`AgentMemos`]):
//! the order's keys do not read the clock (state, then *since when* ascending — the
//! same order as longest in state first), so a frame with nothing changed neither walks
//! nor sorts the agents; after a change, the agents the center names as changed
//! ([`Center::agents_changed_since`]) are taken out and put back in place. Only a
//! directory or filter change orders them all again.

use super::memo::Memo;
use super::names::{agent_name, has_text, queue_name, AgentKey};
use crate::core::center::{Agent, CenterStamp, Queue};
use crate::core::{Center, Session, SessionStore, Version};
use crate::wire::{Direction, Ts};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Agent ids, hashed fast (looked up per party of every call when names are gathered).
type Unnamed = HashSet<String, foldhash::fast::RandomState>;

/// Each agent's queues by agent id: the queues' names, in queue id order.
pub(crate) type AgentQueues = HashMap<String, Vec<String>>;

/// What the agents view reads besides the agents: built again when the directory
/// changed; the names from calls patched for the calls the store names as changed.
#[derive(Clone, Debug)]
pub(crate) struct QueuesEntry {
    stamp: CenterStamp,
    version: Version,
    pub by_agent: AgentQueues,
    /// Agents the directory does not name (neither name nor extension number).
    unnamed: Unnamed,
    /// Those agents' names from their calls.
    call_names: CallNames,
    /// When the names were last patched: the store version they were patched from and
    /// the agents whose name may have changed since (what an order filtered by those
    /// names patches).
    renamed: Option<(Version, Vec<String>)>,
}

impl QueuesEntry {
    fn empty(stamp: CenterStamp, version: Version) -> QueuesEntry {
        QueuesEntry {
            stamp,
            version,
            by_agent: AgentQueues::new(),
            unnamed: Unnamed::default(),
            call_names: CallNames::default(),
            renamed: None,
        }
    }

    /// An agent as the view names it: [`agent_name`], or for an agent the directory
    /// does not name, its own end of its calls.
    pub fn name(&self, a: &Agent) -> String {
        match self.call_names.get(&a.id) {
            Some(n) if a.name.is_none() && a.extension_number.is_none() => n.to_string(),
            _ => agent_name(a),
        }
    }

    /// True while it holds for `store`.
    fn holds(&self, store: &SessionStore) -> bool {
        self.stamp.same_directory(&store.center().stamp())
            && (self.unnamed.is_empty() || self.version == store.version())
    }
}

/// The names calls give the agents the directory does not name: for each, the name and
/// number its own end of a call carries (the callee of an inbound leg, the caller of an
/// outbound one), from the newest call held (last heard of, then id) that gives one.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct CallNames(HashMap<String, CallName, foldhash::fast::RandomState>);

/// An agent's name from a call, and which call.
#[derive(Clone, Debug, PartialEq)]
struct CallName {
    seen: Ts,
    session: String,
    name: String,
}

impl CallName {
    fn key(&self) -> (Ts, &str) {
        (self.seen, &self.session)
    }
}

impl CallNames {
    /// Every held call's names for the `unnamed` agents.
    pub(crate) fn of(store: &SessionStore, unnamed: &Unnamed) -> CallNames {
        let mut names = CallNames::default();
        if !unnamed.is_empty() {
            let all: Vec<&Session> = store.sessions().collect();
            Session::walk_prefetched(&all, |s| names.offer(s, unnamed, None, None));
        }
        names
    }

    /// The name calls give agent `id`.
    pub(crate) fn get(&self, id: &str) -> Option<&str> {
        self.0.get(id).map(|n| n.name.as_str())
    }

    /// Takes call `s`'s names for the `unnamed` agents (those in `only`, if given) where
    /// `s` is newer than the call each is named from; notes the agents in `named`, if
    /// given.
    fn offer(
        &mut self,
        s: &Session,
        unnamed: &Unnamed,
        only: Option<&HashSet<&str>>,
        mut named: Option<&mut Vec<String>>,
    ) {
        for p in &s.parties {
            let Some(id) = p.extension_id.text().and_then(|x| unnamed.get(x)) else {
                continue;
            };
            if only.is_some_and(|o| !o.contains(id.as_str())) {
                continue;
            }
            let key = (s.last_seen, s.id.as_str());
            if self.0.get(id).is_some_and(|n| n.key() >= key) {
                continue;
            }
            let own = match p.direction.get() {
                Some(Direction::Outbound) => p.from.label(),
                _ => p.to.label(),
            };
            if !own.is_empty() {
                let name = CallName {
                    seen: s.last_seen,
                    session: s.id.clone(),
                    name: own,
                };
                self.0.insert(id.clone(), name);
                if let Some(named) = named.as_deref_mut() {
                    named.push(id.clone());
                }
            }
        }
    }

    /// Patched for the calls changed since (`changed`, sorted): the names those calls
    /// gave are taken out and the calls offered again. An agent whose call changed and
    /// that no changed call names as newly is looked for in every call (rare: its
    /// newest call left the store, or lost its name). Returns the agents whose name may
    /// have changed.
    fn patch(&mut self, store: &SessionStore, unnamed: &Unnamed, changed: &[&str]) -> Vec<String> {
        let mut named = Vec::new();
        let mut lost = Vec::new();
        self.0.retain(|agent, n| {
            let gone = changed.binary_search(&n.session.as_str()).is_ok();
            if gone {
                lost.push((agent.clone(), n.seen, std::mem::take(&mut n.session)));
            }
            !gone
        });
        for s in changed.iter().filter_map(|id| store.get(id)) {
            self.offer(s, unnamed, None, Some(&mut named));
        }
        let again: HashSet<&str> = lost
            .iter()
            .filter(|(agent, seen, session)| {
                let was = (*seen, session.as_str());
                self.0.get(agent).is_none_or(|n| n.key() < was)
            })
            .map(|(agent, _, _)| agent.as_str())
            .collect();
        if !again.is_empty() {
            for s in store.sessions() {
                self.offer(s, unnamed, Some(&again), Some(&mut named));
            }
        }
        named.extend(lost.into_iter().map(|(agent, _, _)| agent));
        named
    }
}

/// The agents view's rows of one center state and filter.
#[derive(Clone, Debug)]
pub(crate) struct OrderEntry {
    stamp: CenterStamp,
    /// The store's version, read only when names from calls can change what matches.
    version: Version,
    filter: String,
    /// The agents matching the filter, in display order.
    pub rows: Vec<AgentKey>,
    /// Every agent known.
    pub all: usize,
}

/// The agents' memos (kept in the UI state).
#[derive(Clone, Debug, Default)]
pub(crate) struct AgentMemos {
    queues: Memo<QueuesEntry>,
    order: Memo<OrderEntry>,
}

/// Each agent's queues and the names calls give agents (patched for the calls that
/// changed; built again from the directory and every call when they cannot be).
pub(crate) fn agent_queues(memos: &AgentMemos, store: &SessionStore) -> Arc<QueuesEntry> {
    memos.queues.get(
        |e| e.holds(store),
        |old| {
            if let Some(old) = old.filter(|o| o.patchable(store)) {
                // Only the names from calls moved on: patched for the calls that changed.
                let mut e = Arc::try_unwrap(old).unwrap_or_else(|o| (*o).clone());
                let changed = store.changed_since(e.version).expect("patchable");
                let named = e
                    .call_names
                    .patch(store, &e.unnamed, &super::changed_ids(changed));
                e.renamed = Some((e.version, named));
                e.version = store.version();
                return e;
            }
            let mut e = QueuesEntry::unwalked(store);
            e.call_names = CallNames::of(store, &e.unnamed);
            e
        },
    )
}

impl QueuesEntry {
    /// True when only the names from calls moved on and the store names the calls
    /// changed since (the names are patched for those).
    fn patchable(&self, store: &SessionStore) -> bool {
        self.stamp.same_directory(&store.center().stamp())
            && store.changed_since(self.version).is_some()
    }

    /// Built afresh from the directory, with no names from calls yet.
    fn unwalked(store: &SessionStore) -> QueuesEntry {
        let c = store.center();
        let mut qs: Vec<&Queue> = c.queues().collect();
        qs.sort_by(|a, b| a.id.cmp(&b.id));
        let mut by_agent = AgentQueues::new();
        for q in qs {
            let name = queue_name(q);
            for id in q.members.keys() {
                by_agent.entry(id.clone()).or_default().push(name.clone());
            }
        }
        let unnamed: Unnamed = c
            .agents()
            .filter(|a| a.name.is_none() && a.extension_number.is_none())
            .map(|a| a.id.clone())
            .collect();
        QueuesEntry {
            by_agent,
            unnamed,
            ..QueuesEntry::empty(c.stamp(), store.version())
        }
    }
}

/// The agents' names from calls gathered afresh in a walk of every session made for
/// another memo (a full rebuild of the board's rows and figures), so that a full
/// rebuild reaches each session once: [`NamesWalk::offer`] each session, then
/// [`NamesWalk::keep`].
pub(crate) struct NamesWalk(QueuesEntry);

impl NamesWalk {
    /// A walk when the agents' memo must be built afresh from every session for
    /// `store` (it neither holds nor can be patched) and some agent is named by calls.
    pub(crate) fn needed(memos: &AgentMemos, store: &SessionStore) -> Option<NamesWalk> {
        if memos.queues.is(|e| e.holds(store) || e.patchable(store)) {
            return None;
        }
        Some(NamesWalk(QueuesEntry::unwalked(store))).filter(|w| !w.0.unnamed.is_empty())
    }

    /// Takes call `s`'s names.
    pub(crate) fn offer(&mut self, s: &Session) {
        let e = &mut self.0;
        e.call_names.offer(s, &e.unnamed, None, None);
    }

    /// Keeps what the walk gathered as the agents' memo (every session offered).
    pub(crate) fn keep(self, memos: &AgentMemos) {
        memos.queues.set(self.0);
    }
}

/// At most this many changes since the last order (an agent changed twice in a row
/// counts once): patched, else ordered again.
const PATCH_MAX: usize = 512;

/// The agents view's rows: agents matching the `/` filter (name, extension, current
/// peer, queue) in [`AgentKey`] order. Ordered again only when the filter or the
/// directory changed; otherwise the agents the center names as changed (and, with a
/// filter on, those whose name from calls changed) are taken out and put back in place.
pub(crate) fn agent_order(
    memos: &AgentMemos,
    filter: &str,
    store: &SessionStore,
) -> Arc<OrderEntry> {
    let c = store.center();
    let stamp = c.stamp();
    let queues = agent_queues(memos, store);
    // With agents named by their calls, a filter's matches follow the store.
    let by_calls = !filter.is_empty() && !queues.unnamed.is_empty();
    let version = store.version();
    memos.order.get(
        |e| e.stamp == stamp && e.filter == *filter && (!by_calls || e.version == version),
        |old| {
            let needle = filter.to_lowercase();
            let matches = |a: &Agent| agent_matches(a, &queues, c, &needle);
            // The agents renamed by calls since the old order, when the names were
            // patched from its version (none matter without a filter on them).
            let renamed = |o: &OrderEntry| match &queues.renamed {
                _ if !by_calls => Some(&[][..]),
                Some((from, named)) if *from == o.version => Some(&named[..]),
                _ => None,
            };
            let patched = old
                .filter(|o| o.filter == *filter)
                .and_then(|o| Some((c.agents_changed_since(o.stamp)?, renamed(&o)?, o)))
                .and_then(|(changed, renamed, o)| {
                    let mut agents: Vec<&Agent> = changed.take(PATCH_MAX + 1).collect();
                    agents.extend(renamed.iter().filter_map(|id| c.agent(id)));
                    if agents.len() > PATCH_MAX {
                        return None;
                    }
                    agents.sort_unstable_by(|a, b| a.id.cmp(&b.id));
                    agents.dedup_by(|a, b| a.id == b.id);
                    Some((agents, o))
                });
            if let Some((agents, old)) = patched {
                let mut e = Arc::try_unwrap(old).unwrap_or_else(|o| (*o).clone());
                e.rows.retain(|k| {
                    agents
                        .binary_search_by(|a| a.id.as_str().cmp(&k.id))
                        .is_err()
                });
                for a in agents {
                    if matches(a) {
                        let k = AgentKey::of(a);
                        let at = e.rows.binary_search(&k).unwrap_or_else(|i| i);
                        e.rows.insert(at, k);
                    }
                }
                e.stamp = stamp;
                e.version = version;
                return e;
            }
            let mut all = 0;
            let mut rows: Vec<AgentKey> = c
                .agents()
                .inspect(|_| all += 1)
                .filter(|a| matches(a))
                .map(AgentKey::of)
                .collect();
            rows.sort_unstable();
            OrderEntry {
                stamp,
                version,
                filter: filter.to_string(),
                rows,
                all,
            }
        },
    )
}

fn agent_matches(a: &Agent, info: &QueuesEntry, center: &Center, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let queues = info.by_agent.get(&a.id);
    let has = |v: &str| has_text(v, needle);
    let call = a.current_call();
    has(&a.id)
        || a.name.as_deref().is_some_and(has)
        || a.extension_number.as_deref().is_some_and(has)
        || info.call_names.get(&a.id).is_some_and(&has)
        || call.and_then(|c| c.peer.as_deref()).is_some_and(has)
        || call
            .and_then(|c| c.queue.as_deref())
            .and_then(|q| center.queue(q))
            .is_some_and(|q| has(&queue_name(q)))
        || queues.is_some_and(|qs| qs.iter().any(|q| has(q)))
        || a.account.as_deref().is_some_and(has)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::{BoardConfig, Mode, Screen, UiState};
    use crate::wire::{self, RosterLine};
    use serde_json::json;

    /// Presence of agent `a` (a user of the synthetic center), in a notification's shape.
    fn presence(a: u64, status: &str, seq: i64, at: Ts) -> String {
        let id = 62_000_000 + a;
        json!({"event": format!("/restapi/v1.0/account/1/extension/{id}/presence?detailedTelephonyState=true"),
            "timestamp": at.to_rfc3339(),
            "body": {"extensionId": id.to_string(), "telephonyStatus": "NoCall", "presenceStatus": status,
                     "userStatus": status, "dndStatus": "TakeAllCalls", "sequence": seq}})
        .to_string()
    }

    fn ingest(store: &mut SessionStore, line: &str) {
        match wire::parse_view(line) {
            Ok(p) => {
                let now = p.stream_time().unwrap_or(Ts(0));
                store.ingest_view(p, now);
            }
            Err(_) => store.note_malformed(Ts(0)),
        }
    }

    fn ids(e: &OrderEntry) -> Vec<&str> {
        e.rows.iter().map(|k| k.id.as_str()).collect()
    }

    /// A warm order patched after every few events (queue calls, presence changes, a
    /// directory change, filters on and off) equals the order built afresh, and most
    /// frames were patched rather than ordered again.
    #[test]
    fn a_patched_agent_order_equals_a_fresh_one() {
        let mut store = SessionStore::default();
        store.center_mut().roster(&crate::synth::center_directory());
        let lines = crate::synth::center_stream(6_000, 120, 11);
        let mut ui = UiState::new(BoardConfig::new(Mode::Demo));
        ui.view.screen = Screen::Agents;
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let (mut i, mut seq, mut patched, mut frames) = (0, 0i64, 0, 0);
        while i < lines.len() {
            let before = store.center().stamp();
            for _ in 0..=next(12) {
                if let Some(l) = lines.get(i) {
                    ingest(&mut store, l);
                    i += 1;
                }
                if next(4) == 0 {
                    seq += 1;
                    let status = ["Available", "Busy", "Offline"][next(3) as usize];
                    ingest(
                        &mut store,
                        &presence(next(60), status, seq, Ts(1_714_564_800_000 + seq)),
                    );
                }
            }
            match next(40) {
                0 => ui.view.filter = "extension 6200000".into(),
                // Agents on a call of that queue (the queue's name): matches move.
                1 => ui.view.filter = "63000002".into(),
                3 => ui.view.filter.clear(),
                2 => store.center_mut().roster(&RosterLine::Extensions(vec![])),
                _ => {}
            }
            frames += 1;
            patched += usize::from(store.center().agents_changed_since(before).is_some());
            let warm = ui.agent_order(&store);
            let mut cold = UiState::new(BoardConfig::new(Mode::Demo));
            cold.view.filter.clone_from(&ui.view.filter);
            let fresh = cold.agent_order(&store);
            assert_eq!(ids(&warm), ids(&fresh), "frame {frames}, line {i}");
            let names = |ui: &UiState| ui.agent_queues(&store).call_names.clone();
            assert_eq!(names(&ui), names(&cold), "names from calls, frame {frames}");
            assert_eq!(warm.all, fresh.all);
            assert!(!warm.rows.is_empty());
        }
        assert!(
            patched * 10 > frames * 8,
            "{patched} of {frames} frames patched"
        );
        let agents = store.center().agents().count() as u64;
        assert_eq!(agents, crate::synth::CENTER_AGENTS);
    }

    /// The names from calls a board's full rebuild gathers in its walk of the sessions
    /// are those the agents' memo gathers alone, as calls come and go (agents no
    /// directory names: every name is from calls).
    #[test]
    fn a_boards_walk_gathers_the_names_calls_give() {
        let mut store = SessionStore::default();
        let lines = crate::synth::center_stream(3_000, 60, 5);
        let mut checked = 0;
        for (i, l) in lines.iter().enumerate() {
            ingest(&mut store, l);
            if i % 250 != 249 {
                continue;
            }
            let board = UiState::new(BoardConfig::new(Mode::Demo));
            board.rows(&store, Ts(1_714_564_800_000));
            assert!(
                board.memos.agents.queues.is(|e| !e.unnamed.is_empty()),
                "line {i}: the walk gathered no names"
            );
            let mut alone = UiState::new(BoardConfig::new(Mode::Demo));
            alone.view.screen = Screen::Agents;
            let names = |ui: &UiState| ui.agent_queues(&store).call_names.clone();
            let walked = names(&board);
            assert_eq!(walked, names(&alone), "line {i}");
            assert!(
                !walked.0.is_empty(),
                "line {i}: no agent named by its calls"
            );
            checked += 1;
        }
        assert_eq!(checked, 12);
    }
}
