//! Call outcomes over the simulator with the area's faults: every ended call is joined
//! to exactly the call-log records, results per leg, recordings and voicemail the
//! simulator made; records that never appear end as "missing"; the Heavy limit is never
//! exceeded; the recording holds the joins, so a report of it says the same; a 403
//! turns the join off with one message.

use crate::support as live_support;

use calltop::core::outcomes::Join;
use calltop::core::SharedStore;
use calltop::sim::Group;
use calltop::source::join::JoinConfig;
use live_support::*;
use std::collections::BTreeSet;
use std::time::Duration;

fn fast_join() -> JoinConfig {
    JoinConfig {
        delay: Duration::from_millis(800),
        cutoff: Duration::from_secs(25),
        poll: Duration::from_millis(300),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ended_call_is_joined_to_exactly_what_the_platform_made() {
    let mut cfg = sim_config(71);
    cfg.calls_per_minute = 240.0;
    cfg.time_scale = 0.03;
    cfg.call_log_delay_secs = 10.0; // × time scale: records appear 0.3 s after the end
    cfg.faults.call_log_missing = 0.15;
    cfg.faults.mismatched_legs = 0.15;
    let sim = start_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let store = new_store();
    let mut lc = live_config(&sim, Some(&rec));
    lc.join = Some(fast_join());
    let h = spawn(lc, &store);
    wait_live(&h).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    // No new calls; the faults stay on until every call has ended.
    sim.stop_new_calls();
    wait_until(60, "the sim to drain", || sim.active_calls() == 0).await;
    wait_until(60, "the store to see every call end", || {
        store.read().active_ids().is_empty()
    })
    .await;
    // Every call that ended while calltop watched gets a final outcome.
    let watched = ended_while_watched(&store);
    assert!(watched.len() >= 10, "a busy hour: {} calls", watched.len());
    outcomes_final(&store, &watched).await;
    let truth = sim.ground_truth();
    {
        let s = store.read();
        let (mut joined, mut missing, mut mismatched, mut recorded, mut voicemail) =
            (0, 0, 0, 0, 0);
        for id in &watched {
            let t = truth
                .calls
                .iter()
                .find(|c| &c.telephony_session_id == id)
                .unwrap_or_else(|| panic!("the sim made {id}"));
            match s.outcomes().get(id).unwrap() {
                Join::Joined(j) => {
                    joined += 1;
                    assert!(
                        !t.records_missing,
                        "{id}: joined records the sim never served"
                    );
                    let want: BTreeSet<&str> = t.records.iter().map(|r| r.id.as_str()).collect();
                    let got: BTreeSet<&str> = j.call_log_ids.iter().map(String::as_str).collect();
                    assert_eq!(got, want, "{id}: call-log ids");
                    let want_legs: BTreeSet<(String, String)> = t
                        .records
                        .iter()
                        .flat_map(|r| {
                            r.legs
                                .iter()
                                .map(|l| (l.party_id.clone(), l.result.clone()))
                        })
                        .collect();
                    let got_legs: BTreeSet<(String, String)> = j
                        .legs
                        .iter()
                        .map(|l| {
                            (
                                l.party_id.clone().unwrap_or_default(),
                                l.result.clone().unwrap_or_default(),
                            )
                        })
                        .collect();
                    assert_eq!(got_legs, want_legs, "{id}: leg results");
                    let want: BTreeSet<&str> = t.recordings.iter().map(|r| r.id.as_str()).collect();
                    let got: BTreeSet<&str> = j.recordings.iter().map(|r| r.id.as_str()).collect();
                    assert_eq!(got, want, "{id}: recordings");
                    for r in &j.recordings {
                        let uri = r.content_uri.as_deref().unwrap_or("");
                        assert!(!uri.contains("access_token"), "{id}: a token in {uri}");
                    }
                    let want: BTreeSet<&str> =
                        t.voicemail_message_ids.iter().map(String::as_str).collect();
                    let got: BTreeSet<&str> = j.voicemails.iter().map(|v| v.id.as_str()).collect();
                    assert_eq!(got, want, "{id}: voicemail");
                    let bad_legs = j.legs.iter().filter(|l| !l.matched).count();
                    let fault = t.records.iter().any(|r| r.mismatched_legs);
                    assert_eq!(
                        bad_legs > 0,
                        fault,
                        "{id}: legs matching no party iff the fault"
                    );
                    mismatched += usize::from(fault);
                    recorded += usize::from(!j.recordings.is_empty());
                    voicemail += usize::from(!j.voicemails.is_empty());
                }
                Join::Missing => {
                    missing += 1;
                    assert!(
                        t.records_missing,
                        "{id}: the sim served records, calltop missed them"
                    );
                }
                Join::Forbidden => panic!("{id}: not forbidden here"),
            }
        }
        eprintln!("joined {joined}, missing {missing}, mismatched {mismatched}, recorded {recorded}, voicemail {voicemail}");
        assert!(
            joined > 0 && missing > 0 && mismatched > 0,
            "every case met"
        );
        let c = s.outcomes().counts();
        assert_eq!((c.joined, c.missing), (joined as u64, missing as u64));
        // The Heavy group: never over the limit (429s here come only from faults: none).
        let heavy = truth
            .rate_limits
            .iter()
            .find(|g| g.group == Some(Group::Heavy))
            .expect("heavy stats");
        assert!(heavy.requests > 0, "the join asked the call log");
        assert_eq!(heavy.limited, 0, "{heavy:?}");
        assert!(heavy.peak_per_minute <= heavy.limit, "{heavy:?}");
    }
    h.shutdown().await;
    sim.shutdown().await;
    // The recording holds the joins: the report of it says the same.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["report", rec.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sessions = v["sessions"].as_array().unwrap();
    let live = store.read();
    for id in &watched {
        let r = sessions
            .iter()
            .find(|x| x["telephonySessionId"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} in the report"));
        let want = serde_json::to_value(live.outcomes().get(id).unwrap()).unwrap();
        assert_eq!(r["callLog"], want, "{id}: report vs live");
    }
    assert_eq!(
        v["summary"]["callLog"]["joined"].as_u64(),
        Some(live.outcomes().counts().joined)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_call_log_permission_the_join_turns_itself_off_once() {
    let mut cfg = sim_config(72);
    cfg.calls_per_minute = 300.0;
    cfg.time_scale = 0.03;
    cfg.faults.call_log_forbidden = true;
    let sim = start_sim(cfg).await;
    let store = new_store();
    let mut lc = live_config(&sim, None);
    lc.join = Some(fast_join());
    let h = spawn(lc, &store);
    let warnings = collect_warnings(&h);
    wait_live(&h).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    // The fault stays on (`drain` would turn it off) until the join has asked: its first
    // request waits for the Heavy budget's pacing after the start-up presence.
    sim.stop_new_calls();
    wait_until(60, "the sim to drain", || sim.active_calls() == 0).await;
    wait_until(60, "the store to see every call end", || {
        store.read().active_ids().is_empty()
    })
    .await;
    let ended: Vec<String> = store
        .read()
        .all_sessions()
        .filter(|s| s.ended && !s.ended_unseen)
        .map(|s| s.id.clone())
        .collect();
    assert!(!ended.is_empty());
    wait_until(20, "every ended call told", || {
        let s = store.read();
        ended
            .iter()
            .all(|id| matches!(s.outcomes().get(id), Some(Join::Forbidden)))
    })
    .await;
    let warnings: Vec<String> = warnings
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.contains("call log"))
        .cloned()
        .collect();
    assert_eq!(warnings.len(), 1, "one clear message: {warnings:?}");
    assert!(warnings[0].contains("ReadCallLog"), "{}", warnings[0]);
    // The board itself still works: calls were followed to their end.
    assert!(store.read().active_ids().is_empty());
    h.shutdown().await;
    sim.shutdown().await;
}

/// Issue 15's voicemail notifications: calltop subscribes to every mailbox's voicemail;
/// with the `orphan_voicemail` fault on, every voicemail the sim sent for a call that never
/// existed arrives and is counted as unknown (and only those), every voicemail of a call
/// links to it with exactly the sim's message ids, and the telephony stream loses nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voicemail_notifications_link_to_their_calls_and_orphans_are_counted() {
    let mut cfg = sim_config(73);
    cfg.calls_per_minute = 240.0;
    cfg.time_scale = 0.03;
    cfg.call_log_delay_secs = 10.0;
    cfg.voicemail_delay_secs = 5.0;
    // Few waiting places: queue callers go to voicemail often.
    for q in &mut cfg.queue_policies {
        q.max_callers = 1;
        q.overflow_to = None;
    }
    let sim = start_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let store = new_store();
    let mut lc = live_config(&sim, Some(&rec));
    lc.join = Some(fast_join());
    let h = spawn(lc, &store);
    wait_live(&h).await;
    // The directory loaded, the subscription brought up to every mailbox.
    wait_until(20, "the directory", || {
        store
            .read()
            .center()
            .agents()
            .any(|a| a.extension.is_some())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(sim.ground_truth().orphan_voicemails.is_empty());
    let from = sim.emitted_uuids().len();
    sim.set_faults(calltop::sim::Faults {
        orphan_voicemail: 1.0,
        ..Default::default()
    });
    tokio::time::sleep(Duration::from_secs(8)).await;
    sim.stop_new_calls();
    wait_until(60, "the sim to drain", || sim.active_calls() == 0).await;
    sim.set_faults(Default::default());
    wait_until(60, "the store to see every call end", || {
        store.read().active_ids().is_empty()
    })
    .await;
    let watched = ended_while_watched(&store);
    outcomes_final(&store, &watched).await;
    let truth = sim.ground_truth();
    let orphans: BTreeSet<&str> = truth.orphan_voicemails.iter().map(String::as_str).collect();
    assert!(orphans.len() >= 3, "the fault fired: {orphans:?}");
    // Every orphan arrived (the messages come a moment after their call ended).
    wait_until(20, "every orphan voicemail notification", || {
        let s = store.read();
        orphans
            .iter()
            .all(|id| s.outcomes().voicemail_note(id).is_some())
    })
    .await;
    // Every voicemail the sim sent for a call calltop watched arrived too.
    let real: Vec<&str> = truth
        .calls
        .iter()
        .filter(|c| watched.contains(&c.telephony_session_id))
        .flat_map(|c| c.voicemail_message_ids.iter().map(String::as_str))
        .collect();
    assert!(!real.is_empty(), "some calls went to voicemail");
    wait_until(20, "every voicemail notification of a watched call", || {
        let s = store.read();
        real.iter()
            .all(|id| s.outcomes().voicemail_note(id).is_some())
    })
    .await;
    {
        let s = store.read();
        let o = s.outcomes();
        for id in &watched {
            let t = truth
                .calls
                .iter()
                .find(|c| &c.telephony_session_id == id)
                .unwrap_or_else(|| panic!("the sim made {id}"));
            let Some(Join::Joined(j)) = o.get(id) else {
                panic!("{id}: joined (no records go missing here)")
            };
            let want: BTreeSet<&str> = t.voicemail_message_ids.iter().map(String::as_str).collect();
            let got: BTreeSet<&str> = j.voicemails.iter().map(|v| v.id.as_str()).collect();
            assert_eq!(got, want, "{id}: voicemail");
            for v in &j.voicemails {
                let note = o.voicemail_note(&v.id).expect("its notification");
                let party_ext = s.find(id).and_then(|sess| {
                    sess.parties
                        .iter()
                        .find(|p| p.extension_id.text() == note.extension_id.as_deref())
                        .map(|p| p.id.clone())
                });
                assert!(
                    party_ext.is_some(),
                    "{id}: the mailbox is a party of the call"
                );
            }
        }
        let unlinked: BTreeSet<&str> = o.unlinked_voicemails().map(|n| n.id.as_str()).collect();
        assert_eq!(unlinked, orphans, "unknown = exactly the orphans");
        let c = o.counts();
        assert_eq!(c.voicemail_unknown, orphans.len() as u64);
        eprintln!(
            "watched {}, voicemail {}, orphans {}, notes {}",
            watched.len(),
            real.len(),
            orphans.len(),
            c.voicemail_notes
        );
    }
    // No telephony event lost while the orphans came.
    let emitted = sim.emitted_uuids()[from..].to_vec();
    assert!(emitted.len() > 50, "a busy stream: {}", emitted.len());
    h.shutdown().await;
    sim.shutdown().await;
    let (recorded, _) = recorded_uuids(&rec);
    let missing: Vec<_> = emitted.iter().filter(|u| !recorded.contains(*u)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} lost",
        missing.len(),
        emitted.len()
    );
    // The report of the recording counts them the same.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["report", rec.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["summary"]["callLog"]["voicemailUnknown"].as_u64(),
        Some(orphans.len() as u64),
        "{}",
        v["summary"]["callLog"]
    );
}

/// The calls calltop saw end (not closed after an outage).
fn ended_while_watched(store: &SharedStore) -> Vec<String> {
    store
        .read()
        .all_sessions()
        .filter(|s| s.ended && !s.ended_unseen)
        .map(|s| s.id.clone())
        .collect()
}

/// Waits until every one of `watched` has a final outcome (joined or given up on).
async fn outcomes_final(store: &SharedStore, watched: &[String]) {
    wait_until(40, "every ended call's outcome to be final", || {
        let s = store.read();
        watched.iter().all(|id| s.outcomes().get(id).is_some())
    })
    .await;
}
