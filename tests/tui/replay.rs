//! Replay: pacing on the stream clock, step, seek and jump (from the index's
//! keyframes), speeds, the cached index and what it refuses to trust, following a
//! file being written — over the real captures and generated recordings.

use calltop::core::{keyframe, SessionStore, StoreConfig};
use calltop::report::ingest_items;
use calltop::source::file;
use calltop::source::index::{IndexCache, Spacing};
use calltop::source::replay::{self, JumpTarget, Options, Replay, ReplayCmd, Speed};
use calltop::wire::Ts;
use proptest::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn capture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/captures")
        .join(name)
}

fn capture(name: &str) -> Vec<file::Item> {
    file::read_path(&capture_path(name)).expect("capture").1
}

fn open(path: &Path) -> Replay {
    Replay::open(path, Options::default()).expect("opens")
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
                        calltop::core::CallTimes::of(&p.history, Some(now), x.joined(p))
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
    let mut rp = open(&capture_path(PSTN));
    let mut store = rp.new_store();
    assert_eq!(rp.total(), Some(11));
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
    let mut rp = open(&capture_path(PSTN));
    let start = rp.start();
    let mid = start.plus_millis(15_000);
    // Fresh replay straight to mid.
    let mut rp2 = open(&capture_path(PSTN));
    let mut fresh = rp2.new_store();
    rp2.seek(mid, &mut fresh);
    // To the end, then back to mid.
    let mut store = rp.new_store();
    rp.seek(rp.end(), &mut store);
    assert!(rp.done());
    rp.seek(mid, &mut store);
    assert_eq!(rp.pos(), mid);
    assert!(!rp.done());
    assert_eq!(rp.applied(), rp2.applied());
    assert!(rp.applied() > 0 && rp.applied() < 11);
    assert_eq!(fingerprint(&store, mid), fingerprint(&fresh, mid));
    assert_eq!(keyframe::encode(&store), keyframe::encode(&fresh));
    // Seeks clamp to the file.
    rp.seek(Ts(0), &mut store);
    assert_eq!(rp.pos(), start);
    rp.seek(Ts(i64::MAX / 2), &mut store);
    assert_eq!(rp.pos(), rp.end());
}

#[test]
fn step_applies_exactly_one_value_and_moves_the_clock_to_it() {
    let mut rp = open(&capture_path("RingCentral-RingCentral.jsonl"));
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
fn jump_targets_parse_and_resolve() {
    assert_eq!(
        JumpTarget::parse("10:42"),
        Ok(JumpTarget::TimeOfDay(38_520_000))
    );
    assert_eq!(
        JumpTarget::parse(" 10:42:30 "),
        Ok(JumpTarget::TimeOfDay(38_550_000))
    );
    assert_eq!(JumpTarget::parse("50%"), Ok(JumpTarget::Fraction(500_000)));
    assert_eq!(
        JumpTarget::parse("12.5%"),
        Ok(JumpTarget::Fraction(125_000))
    );
    for bad in [
        "", "10", "24:00", "10:60", "1:2:3:4", "101%", "x%", "10:4a", "100:00",
    ] {
        assert!(JumpTarget::parse(bad).is_err(), "{bad:?}");
    }
    // 2024-05-01T23:00:00Z to 2024-05-02T01:00:00Z: 00:30 is on the next day.
    let start = Ts(1_714_604_400_000);
    let end = start.plus_millis(7_200_000);
    let t = JumpTarget::TimeOfDay(1_800_000).resolve(start, end, true);
    assert_eq!(t, Some(start.plus_millis(5_400_000)));
    let t = JumpTarget::TimeOfDay(23 * 3_600_000 + 60_000).resolve(start, end, true);
    assert_eq!(t, Some(start.plus_millis(60_000)));
    assert_eq!(
        JumpTarget::Fraction(250_000).resolve(start, end, false),
        None
    );
    assert_eq!(
        JumpTarget::Fraction(250_000).resolve(start, end, true),
        Some(start.plus_millis(1_800_000))
    );
}

#[test]
fn bad_lines_are_counted_and_skipped_and_a_cut_last_line_is_not_an_error() {
    let good = std::fs::read_to_string(capture_path(PSTN)).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(3, "{\"body\": broken");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    // The last line is cut short, as in a recording still being written.
    std::fs::write(
        &path,
        format!("{}\n{{\"receivedAt\":\"2024-", lines.join("\n")),
    )
    .unwrap();
    let mut rp = open(&path);
    let summary = rp.summary().expect("a small file is indexed at once");
    assert_eq!(summary.bad.count, 1);
    assert_eq!(summary.bad.first[0].0, 4);
    let mut store = rp.new_store();
    rp.advance_to(rp.end(), &mut store);
    assert!(rp.done());
    assert_eq!(store.counters().malformed, 1);
    assert_eq!(store.counters().events, 11);
}

/// A generated recording of `n` values: calls in progress, with lines out of time
/// order (pairs swapped), malformed lines, blank lines and a cut last line.
fn recording(dir: &Path, n: usize, seed: u64) -> PathBuf {
    let mut lines = calltop::synth::stream(n, 40, seed);
    for i in (5..lines.len() - 1).step_by(17) {
        lines.swap(i, i + 1);
    }
    for i in (7..lines.len()).step_by(97) {
        lines[i] = "{\"body\": {\"telephonySessionId\": oops".into();
    }
    let path = dir.join(format!("rec-{seed}.jsonl"));
    let mut text = lines.join("\n");
    text.push_str("\n\n{\"body\":{\"telephonySessionId\":\"s-cut");
    std::fs::write(&path, text).unwrap();
    path
}

fn small_spacing(cache: IndexCache) -> Options {
    Options {
        cache: Some(cache),
        spacing: Spacing {
            values: 150,
            ms: 60_000,
        },
        ..Options::default()
    }
}

/// Waits for the index pass to finish.
fn indexed(rp: &Replay) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while rp.summary().is_none() {
        assert!(std::time::Instant::now() < deadline, "index never finished");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The store of a rebuild from the start to each of `targets` (ascending): a replay
/// advanced there value by value, no keyframe used.
fn rebuilds(path: &Path, targets: &[Ts]) -> Vec<(Vec<u8>, u64, Ts)> {
    let mut rp = Replay::open(path, small_spacing(IndexCache::Memory)).unwrap();
    let mut store = rp.new_store();
    targets
        .iter()
        .map(|t| {
            rp.advance_to(*t, &mut store);
            (keyframe::encode(&store), rp.applied(), rp.pos())
        })
        .collect()
}

proptest! {
    #![proptest_config(crate::common::proptest_cases(12))]

    /// Any sequence of jumps (back, forward, far, near) leaves the store exactly as a
    /// rebuild from the start to the same moment: every field of it, by its keyframe
    /// encoding.
    #[test]
    fn the_state_after_any_jump_is_a_rebuild_to_the_same_moment(
        seed in 1u64..1_000,
        permille in proptest::collection::vec(0u32..=1_050, 1..7),
        on_disk in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = recording(dir.path(), 2_500, seed);
        let cache = if on_disk { IndexCache::Dir(dir.path().join("cache")) } else { IndexCache::Memory };
        let mut rp = Replay::open(&path, small_spacing(cache)).unwrap();
        indexed(&rp);
        prop_assert!(rp.index().keyframes() > 10);
        let (start, end) = (rp.start(), rp.end());
        let targets: Vec<Ts> = permille
            .iter()
            .map(|p| start.plus_millis(start.millis_until(end) * i64::from(*p) / 1_000))
            .collect();
        let mut sorted = targets.clone();
        sorted.sort();
        let want = rebuilds(&path, &sorted);
        let mut store = rp.new_store();
        for t in targets {
            rp.seek(t, &mut store);
            let (bytes, applied, pos) = &want[sorted.binary_search(&t).unwrap()];
            prop_assert_eq!(rp.applied(), *applied);
            prop_assert_eq!(rp.pos(), *pos);
            prop_assert!(keyframe::encode(&store) == *bytes, "store differs after a jump to {:?}", t);
        }
    }
}

#[test]
fn the_index_is_cached_and_trusted_only_for_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = recording(dir.path(), 1_500, 3);
    let cache = IndexCache::Dir(dir.path().join("cache"));
    let opts = small_spacing(cache);
    let first = Replay::open(&path, opts.clone()).unwrap();
    indexed(&first);
    assert!(first.index().file().is_some(), "written to a file");
    drop(first);
    let cached: Vec<_> = std::fs::read_dir(dir.path().join("cache"))
        .unwrap()
        .collect();
    assert_eq!(cached.len(), 1, "one index file, no leftovers");
    let file = cached[0].as_ref().unwrap().path();
    assert!(
        file.to_string_lossy().ends_with(".calltop-index"),
        "{file:?}"
    );
    // Opened again: used at once.
    let rp = Replay::open(&path, opts.clone()).unwrap();
    assert!(rp.summary().is_some(), "the cached index is used");
    let keyframes = rp.index().keyframes();
    drop(rp);
    // The recording grows: the index is for another file now.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(
            b"\n{\"body\":{\"telephonySessionId\":\"s-late\",\"sequence\":1,\"parties\":[]}}\n",
        )
        .unwrap();
    let rp = Replay::open(&path, opts.clone()).unwrap();
    indexed(&rp);
    assert!(rp.summary().unwrap().good > 1_400);
    drop(rp);
    // An index file damaged anywhere: a keyframe that fails is not used (the jump is
    // still right) and the file is not kept.
    let mut bytes = std::fs::read(&file).unwrap();
    let n = bytes.len();
    let end_record = u64::from_le_bytes(bytes[n - 16..n - 8].try_into().unwrap()) as usize;
    for at in (24..end_record).step_by(4_000) {
        bytes[at] ^= 0x5a;
    }
    std::fs::write(&file, &bytes).unwrap();
    let mut rp = Replay::open(&path, opts.clone()).unwrap();
    assert!(rp.summary().is_some(), "the table itself is intact");
    assert_eq!(rp.index().keyframes(), keyframes);
    let t = rp
        .start()
        .plus_millis(rp.start().millis_until(rp.end()) / 2);
    let mut store = rp.new_store();
    rp.seek(rp.end(), &mut store);
    for _ in 0..3 {
        rp.seek(t, &mut store);
    }
    let want = rebuilds(&path, &[t]);
    assert!(keyframe::encode(&store) == want[0].0);
    assert!(!file.exists(), "a damaged index is not kept");
    drop(rp);
    // A truncated index, or garbage where the index should be: rebuilt.
    let rp = Replay::open(&path, opts.clone()).unwrap();
    indexed(&rp);
    drop(rp);
    let bytes = std::fs::read(&file).unwrap();
    for junk in [&bytes[..bytes.len() / 2], b"not an index at all".as_slice()] {
        std::fs::write(&file, junk).unwrap();
        let rp = Replay::open(&path, opts.clone()).unwrap();
        indexed(&rp);
        assert_eq!(rp.index().keyframes(), keyframes);
    }
}

#[test]
fn following_a_file_being_written_plays_what_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.jsonl");
    let lines = calltop::synth::stream(300, 10, 5);
    let mut f = std::fs::File::create(&path).unwrap();
    for l in &lines[..100] {
        writeln!(f, "{l}").unwrap();
    }
    // Half a line: being written.
    let (a, b) = lines[100].split_at(40);
    f.write_all(a.as_bytes()).unwrap();
    f.flush().unwrap();
    let opts = Options {
        follow: true,
        ..small_spacing(IndexCache::Memory)
    };
    let mut rp = Replay::open(&path, opts).unwrap();
    let mut store = rp.new_store();
    rp.advance_to(Ts(i64::MAX / 4), &mut store);
    assert_eq!(rp.applied(), 100);
    assert!(!rp.done() && rp.total().is_none());
    assert_eq!(store.counters().malformed, 0, "a cut line is not malformed");
    writeln!(f, "{b}").unwrap();
    for l in &lines[101..] {
        writeln!(f, "{l}").unwrap();
    }
    f.flush().unwrap();
    rp.advance_to(Ts(i64::MAX / 4), &mut store);
    assert_eq!(rp.applied(), 300);
    let mut whole = calltop::report::unbounded_store();
    let (_, items) = file::read_path(&path).unwrap();
    ingest_items(&mut whole, items);
    assert_eq!(store.counters(), whole.counters());
}

/// The task paces on the stream clock: at ×10 an event 7 s later in the stream is
/// applied after 0.7 s of (virtual) wall time, not before.
#[tokio::test(start_paused = true)]
async fn the_task_paces_on_the_stream_clock_and_obeys_commands() {
    let rp = open(&capture_path(PSTN));
    let times: Vec<Ts> = {
        let mut r = open(&capture_path(PSTN));
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
    while status.borrow().pos != status.borrow().start {
        status.changed().await.unwrap();
    }
    let st = *status.borrow();
    assert_eq!(store.read().counters().events, st.applied);
    // A jump to the middle by share of the recording.
    h.cmds
        .send(ReplayCmd::Jump(JumpTarget::Fraction(500_000)))
        .unwrap();
    let mid = Ts((st.start.0 + st.end.0) / 2);
    while status.borrow().pos != mid {
        status.changed().await.unwrap();
    }
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

#[test]
fn retention_config_is_kept_through_keyframes() {
    let dir = tempfile::tempdir().unwrap();
    let path = recording(dir.path(), 1_200, 9);
    let config = StoreConfig {
        max_ended: 20,
        detail_window: 5,
        ..StoreConfig::default()
    };
    let opts = Options {
        config,
        ..small_spacing(IndexCache::Memory)
    };
    let mut rp = Replay::open(&path, opts).unwrap();
    let mut store = rp.new_store();
    rp.seek(rp.end(), &mut store);
    let t = rp
        .start()
        .plus_millis(rp.start().millis_until(rp.end()) * 3 / 4);
    rp.seek(t, &mut store);
    assert!(
        store.len() <= 20 + 40,
        "retention holds in a restored store"
    );
    assert!(store.archived().count() > 0);
}

/// At speed max a jump lands where it was asked to and stays there, paused (issue 23,
/// item 21): playing on at max would run straight back to the end.
#[tokio::test(start_paused = true)]
async fn a_jump_at_max_speed_stays_where_it_lands() {
    let dir = tempfile::tempdir().unwrap();
    let path = recording(dir.path(), 3_000, 21);
    let rp = Replay::open(&path, small_spacing(IndexCache::Memory)).unwrap();
    let store = calltop::core::SharedStore::new(SessionStore::default());
    let h = replay::spawn(rp, store.clone(), Speed::Max, false);
    let mut status = h.status.clone();
    while !status.borrow().done() {
        status.changed().await.unwrap();
    }
    let st = *status.borrow();
    let mid = Ts((st.start.0 + st.end.0) / 2);
    h.cmds
        .send(ReplayCmd::Jump(JumpTarget::Fraction(500_000)))
        .unwrap();
    while status.borrow().pos != mid {
        status.changed().await.unwrap();
    }
    let landed = *status.borrow_and_update();
    assert!(landed.paused, "a jump at max pauses where it lands");
    assert!(!landed.done());
    // However long it is left alone, it stays there.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let later = *status.borrow();
    assert_eq!((later.pos, later.applied), (mid, landed.applied));
    assert_eq!(later.speed, Speed::Max);
    // Space plays on at max, to the end.
    h.cmds.send(ReplayCmd::TogglePause).unwrap();
    while !status.borrow().done() {
        status.changed().await.unwrap();
    }
    h.task.abort();
}

/// Waits (real time, polling the status) until `f` holds; panics after 30 s.
async fn until_status(
    status: &tokio::sync::watch::Receiver<replay::ReplayStatus>,
    what: &str,
    f: impl Fn(&replay::ReplayStatus) -> bool,
) -> replay::ReplayStatus {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let st = *status.borrow();
        if f(&st) {
            return st;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: {st:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `--follow` starts at the end of what the file holds (played through, paused or not),
/// not at its first line; a jump to the start goes back there; new lines play as they
/// come; and `indexing N%` ends once the index has read what the file held (issue 23,
/// item 21).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_starts_at_the_end_and_goes_back_to_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.jsonl");
    let lines = calltop::synth::stream(400, 20, 7);
    let mut f = std::fs::File::create(&path).unwrap();
    for l in &lines[..300] {
        writeln!(f, "{l}").unwrap();
    }
    f.flush().unwrap();
    // The stream time of the last value written.
    let last = {
        let mut r = Replay::open(&path, small_spacing(IndexCache::Memory)).unwrap();
        let mut s = r.new_store();
        r.advance_to(Ts(i64::MAX / 4), &mut s);
        assert_eq!(r.applied(), 300);
        r.pos()
    };
    let opts = Options {
        follow: true,
        ..small_spacing(IndexCache::Memory)
    };
    let rp = Replay::open(&path, opts).unwrap();
    let store = calltop::core::SharedStore::new(SessionStore::default());
    let h = replay::spawn(rp, store.clone(), Speed::X1, true);
    let status = h.status.clone();
    let st = until_status(&status, "at the end of the file", |s| s.applied == 300).await;
    assert_eq!(st.pos, last, "the clock stands at the last value written");
    assert!(st.paused && st.follow);
    assert_eq!(store.read().counters().events, 300);
    until_status(&status, "indexing over", |s| s.indexing.is_none()).await;
    // Back to the start: the store is rebuilt there.
    h.cmds
        .send(ReplayCmd::Jump(JumpTarget::At(st.start)))
        .unwrap();
    let back = until_status(&status, "back at the start", |s| s.pos == st.start).await;
    assert!(back.applied < 300);
    assert_eq!(store.read().counters().events, back.applied);
    // Then to the end again, and what is written next plays as it comes.
    h.cmds
        .send(ReplayCmd::Jump(JumpTarget::Fraction(1_000_000)))
        .unwrap();
    until_status(&status, "at the end again", |s| s.applied == 300).await;
    for l in &lines[300..] {
        writeln!(f, "{l}").unwrap();
    }
    f.flush().unwrap();
    h.cmds.send(ReplayCmd::Faster).unwrap();
    for _ in 0..4 {
        h.cmds.send(ReplayCmd::Faster).unwrap();
    }
    h.cmds.send(ReplayCmd::TogglePause).unwrap();
    until_status(&status, "the new lines played", |s| s.applied == 400).await;
    assert_eq!(store.read().counters().events, 400);
    h.task.abort();
}
