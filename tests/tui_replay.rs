//! Replay: pacing on the stream clock, step, seek (back rebuilds the store), speeds,
//! over the real captures.

use calltop::core::{SessionStore, StoreConfig};
use calltop::report::ingest_items;
use calltop::source::file;
use calltop::source::replay::{self, Replay, ReplayCmd, Speed};
use calltop::wire::Ts;
use std::time::Duration;

fn capture(name: &str) -> Vec<file::Item> {
    let path = format!(
        "{}/tests/fixtures/captures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    file::read_path(std::path::Path::new(&path))
        .expect("capture")
        .1
}

const PSTN: &str = "PSTN-RingCentral-DataStreams.jsonl";

/// What matters of a store for comparing two of them.
fn fingerprint(s: &SessionStore, now: Ts) -> String {
    let mut ids: Vec<_> = s.sessions().map(|x| x.id.clone()).collect();
    ids.sort();
    let per: Vec<String> = ids
        .iter()
        .map(|id| {
            let x = s.get(id).unwrap();
            let parties: Vec<String> = x
                .parties
                .iter()
                .map(|p| {
                    format!(
                        "{}:{:?}:{:?}",
                        p.id,
                        p.code(),
                        calltop::core::Figures::of(&p.history, Some(now))
                    )
                })
                .collect();
            format!(
                "{id} ended={} tl={} {}",
                x.ended,
                x.timeline.len(),
                parties.join(",")
            )
        })
        .collect();
    format!("{:?} {}", s.counters(), per.join(" | "))
}

#[test]
fn playing_to_the_end_equals_ingesting_the_file() {
    let mut rp = Replay::from_items(capture(PSTN), StoreConfig::default());
    let mut store = rp.new_store();
    assert_eq!(rp.len(), 11);
    rp.advance_to(rp.end(), &mut store);
    assert!(rp.done());
    let mut direct = SessionStore::default();
    ingest_items(&mut direct, capture(PSTN));
    assert_eq!(
        fingerprint(&store, rp.end()),
        fingerprint(&direct, rp.end())
    );
}

#[test]
fn seeking_back_rebuilds_the_same_store_as_playing_forward() {
    let mut rp = Replay::from_items(capture(PSTN), StoreConfig::default());
    let start = rp.start();
    let mid = start.plus_millis(15_000);
    // Fresh replay straight to mid.
    let mut fresh = rp.new_store();
    let mut rp2 = rp.clone();
    rp2.seek(mid, &mut fresh);
    // To the end, then back to mid.
    let mut store = rp.new_store();
    rp.seek(rp.end(), &mut store);
    assert!(rp.done());
    rp.seek(mid, &mut store);
    assert_eq!(rp.pos(), mid);
    assert!(!rp.done());
    assert_eq!(rp.applied(), rp2.applied());
    assert!(rp.applied() > 0 && rp.applied() < rp.len());
    assert_eq!(fingerprint(&store, mid), fingerprint(&fresh, mid));
    // Seeks clamp to the file.
    rp.seek(Ts(0), &mut store);
    assert_eq!(rp.pos(), start);
    rp.seek(Ts(i64::MAX / 2), &mut store);
    assert_eq!(rp.pos(), rp.end());
}

#[test]
fn step_applies_exactly_one_value_and_moves_the_clock_to_it() {
    let mut rp = Replay::from_items(
        capture("RingCentral-RingCentral.jsonl"),
        StoreConfig::default(),
    );
    let mut store = rp.new_store();
    rp.advance_to(rp.start(), &mut store);
    let before = rp.applied();
    let due = rp.next_due().unwrap();
    assert!(rp.step(&mut store));
    assert_eq!(rp.applied(), before + 1);
    assert_eq!(rp.pos(), due);
    while rp.step(&mut store) {}
    assert!(rp.done());
    assert!(!rp.step(&mut store));
}

#[test]
fn speeds_parse_and_cycle() {
    assert_eq!(Speed::parse("10").unwrap(), Speed::X10);
    assert_eq!(Speed::parse("x5").unwrap(), Speed::X5);
    assert_eq!(Speed::parse("MAX").unwrap(), Speed::Max);
    assert_eq!(
        Speed::parse("max").unwrap(),
        Speed::Max,
        "not stripped to `ma`"
    );
    assert_eq!(Speed::parse("2x").unwrap(), Speed::X2);
    assert_eq!(Speed::parse("×10").unwrap(), Speed::X10);
    assert!(Speed::parse("maxx").is_err());
    assert!(Speed::parse("3").is_err());
    assert_eq!(Speed::X1.slower(), Speed::X1);
    assert_eq!(Speed::X10.faster(), Speed::Max);
    assert_eq!(Speed::Max.faster(), Speed::Max);
}

#[test]
fn bad_lines_are_counted_and_skipped() {
    let good = std::fs::read_to_string(format!(
        "{}/tests/fixtures/captures/{PSTN}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(3, "{\"body\": broken");
    let (_, items) = file::read_str(&lines.join("\n"));
    let mut rp = Replay::from_items(items, StoreConfig::default());
    assert_eq!(rp.bad.len(), 1);
    let mut store = rp.new_store();
    rp.advance_to(rp.end(), &mut store);
    assert_eq!(store.counters().malformed, 1);
    assert_eq!(store.counters().events, 11);
}

/// The task paces on the stream clock: at ×10 an event 7 s later in the stream is
/// applied after 0.7 s of (virtual) wall time, not before.
#[tokio::test(start_paused = true)]
async fn the_task_paces_on_the_stream_clock_and_obeys_commands() {
    let rp = Replay::from_items(capture(PSTN), StoreConfig::default());
    let times: Vec<Ts> = {
        let mut r = rp.clone();
        let mut s = r.new_store();
        let mut v = vec![];
        r.advance_to(r.start(), &mut s);
        while let Some(d) = r.next_due() {
            v.push(d);
            r.step(&mut s);
        }
        v
    };
    let store = calltop::core::SharedStore::new(SessionStore::default());
    let h = replay::spawn(rp, store.clone(), Speed::X10, false);
    let mut status = h.status.clone();
    tokio::task::yield_now().await;
    let first = status.borrow().applied;
    let gap = status.borrow().pos.millis_until(times[0]);
    assert!(gap > 0);
    // Just before the next event is due nothing more is applied.
    tokio::time::sleep(
        Duration::from_millis((gap / 10) as u64).saturating_sub(Duration::from_millis(5)),
    )
    .await;
    assert_eq!(status.borrow_and_update().applied, first);
    tokio::time::sleep(Duration::from_millis(10)).await;
    status.changed().await.unwrap();
    assert_eq!(status.borrow().applied, first + 1);
    // Pause freezes the clock; step applies one.
    h.cmds.send(ReplayCmd::TogglePause).unwrap();
    status.changed().await.unwrap();
    let paused = *status.borrow();
    assert!(paused.paused);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(status.borrow().applied, paused.applied);
    h.cmds.send(ReplayCmd::Step).unwrap();
    status.changed().await.unwrap();
    assert_eq!(status.borrow().applied, paused.applied + 1);
    // Seek back to the start rebuilds.
    h.cmds.send(ReplayCmd::Seek(-3_600_000)).unwrap();
    status.changed().await.unwrap();
    let st = *status.borrow();
    assert_eq!(st.pos, st.start);
    assert_eq!(store.read().counters().events as usize, st.applied);
    // Max speed runs to the end.
    for _ in 0..4 {
        h.cmds.send(ReplayCmd::Faster).unwrap();
    }
    h.cmds.send(ReplayCmd::TogglePause).unwrap();
    while !status.borrow().done() {
        status.changed().await.unwrap();
    }
    assert_eq!(status.borrow().speed, Speed::Max);
    assert_eq!(store.read().counters().events, 11);
    h.task.abort();
}
