//! What the soak checks: the uuids in a recording, the final state rebuilt from a
//! recording against the simulator's own, and what the headless output reports.

use calltop::wire::StatusCode;
use std::collections::HashSet;
use std::path::Path;

/// Final status code per (telephonySessionId, partyId).
pub type State = calltop::core::PartyCodes;

/// One recording, read back.
pub struct Recording {
    pub lines: usize,
    /// Notification uuids of every frame that parsed.
    pub uuids: HashSet<String>,
    /// Frames the parser refused (the sim's malformed ones, expected).
    pub malformed: usize,
    /// The final state rebuilt with the report's ingest into an unbounded store.
    pub state: State,
    /// Duplicates and stale events the store recognised.
    pub duplicate: u64,
    pub stale: u64,
    /// Ended calls joined to the call log, and those given up on (`missing`).
    pub joined: u64,
    pub unjoined: u64,
}

/// Reads a recording: uuids per frame, then the state through `report::ingest_items`.
pub fn read_recording(path: &Path) -> anyhow::Result<Recording> {
    let text = std::fs::read_to_string(path)?;
    let mut uuids = HashSet::new();
    let mut lines = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        lines += 1;
        if let Ok(p) = calltop::wire::parse(line) {
            if let Some(u) = p.item.envelope().and_then(|e| e.uuid.clone()) {
                uuids.insert(u);
            }
        }
    }
    let (_, items) = calltop::source::file::read_str(&text);
    let mut store = calltop::report::unbounded_store();
    let bad = calltop::report::ingest_items(&mut store, items);
    let state = store.party_codes();
    let c = *store.counters();
    let joins = store.outcomes().counts();
    Ok(Recording {
        lines,
        uuids,
        malformed: bad.len(),
        state,
        duplicate: c.duplicate,
        stale: c.stale,
        joined: joins.joined,
        unjoined: joins.missing + joins.forbidden,
    })
}

/// Every (session, party) whose final status differs, one line each.
pub fn state_diff(want: &State, got: &State) -> Vec<String> {
    let show = |c: Option<&Option<StatusCode>>| match c {
        None => "absent".to_string(),
        Some(None) => "no status".to_string(),
        Some(Some(c)) => c.to_string(),
    };
    let keys: std::collections::BTreeSet<_> = want.keys().chain(got.keys()).collect();
    keys.into_iter()
        .filter(|k| want.get(*k) != got.get(*k))
        .map(|k| {
            format!(
                "session {} party {}: sim {} / recording {}",
                k.0,
                k.1,
                show(want.get(k)),
                show(got.get(k))
            )
        })
        .collect()
}

/// What `live --headless --format json` printed.
#[derive(Debug, Default)]
pub struct Headless {
    pub events: u64,
    /// `callEnded` lines: one per call joined to the call log (or given up on).
    pub call_ended: u64,
    pub malformed: u64,
    pub warnings: u64,
    pub recovered: u64,
    pub resubscribed: u64,
    pub offline: u64,
    pub rate_limited: u64,
    pub unparsable_lines: u64,
}

/// Counts the JSON lines of the headless output by kind and connection state.
pub fn read_headless(path: &Path) -> anyhow::Result<Headless> {
    let text = std::fs::read_to_string(path)?;
    let mut h = Headless::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            h.unparsable_lines += 1;
            continue;
        };
        match v["kind"].as_str() {
            Some("event") => h.events += 1,
            Some("callEnded") => h.call_ended += 1,
            Some("malformed") => h.malformed += 1,
            Some("warning") => h.warnings += 1,
            Some("connection") => match v["state"].as_str() {
                Some("Recovered") => h.recovered += 1,
                Some("Resubscribed") => h.resubscribed += 1,
                Some("Offline") => {
                    h.offline += 1;
                    if v["reason"]
                        .as_str()
                        .is_some_and(|r| r.contains("rate limited"))
                    {
                        h.rate_limited += 1;
                    }
                }
                _ => {}
            },
            _ => h.unparsable_lines += 1,
        }
    }
    Ok(h)
}
