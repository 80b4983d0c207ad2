//! A frame of the board with 10k live sessions into a TestBackend (goal ≤ 2 ms), as
//! the UI loop makes it (`sync`, then `draw`), next to 1k sessions, in the two cases
//! that matter: the store unchanged since the last frame (the 1 Hz timer redraw: the
//! clock moves one second per frame) and the store changed by one event since the
//! last frame, so the derived views are patched for the changed session (a state
//! change; or a call that ends or comes back, so a row also leaves or joins); and the
//! same two with a `/` text filter on (`frame_filtered_*`), patched alike.
//! `summary_only` and `rows_only` are a full rebuild's two walks of the sessions;
//! `frame_memo_cold` rebuilds both every frame (what a frame costs when the store
//! cannot name its changes: another store value — here a replay seek: each frame
//! alternates between two copies of the store —, an overflowed change log);
//! `frame_first` is a new board's first frame (no memo at all). The walks run first, on
//! the store as built; the event cases add events to it.

use calltop::core::SessionStore;

/// The binary's allocator (with its options, [`calltop::memory::configure`]): a frame
/// costs here what it costs the board.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use calltop::tui::rows::board_rows;
use calltop::tui::state::{BoardConfig, Mode, UiState};
use calltop::tui::views;
use calltop::wire::{self, Parsed, Ts};
use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;
use std::time::{Duration, Instant};

const T0: i64 = 1_714_564_800_000;

/// The `/` filter of the filtered frames: the calls of agents 1100–1199, half of them.
const FILTER: &str = "agent 11";

/// `n` live sessions: two parties each, in a mix of ringing, talking, hold and parked.
pub fn live_store(n: usize) -> SessionStore {
    let mut store = SessionStore::default();
    let codes = ["Proceeding", "Answered", "Answered", "Hold", "Parked"];
    for i in 0..n {
        let t = Ts(T0 + i as i64 * 50);
        let code = codes[i % codes.len()];
        let text = format!(
            r#"{{"body":{{"sequence":3,"telephonySessionId":"s-{i}","eventTime":"{at}","parties":[
            {{"id":"p-{i}-1","direction":"Outbound","from":{{"phoneNumber":"+1415555{i:04}","name":"Caller {i}"}},"to":{{"phoneNumber":"+18005550100","name":"Sales"}},"status":{{"code":"Answered"}}}},
            {{"id":"p-{i}-2","direction":"Inbound","extensionId":"{ext}","from":{{"phoneNumber":"+1415555{i:04}"}},"to":{{"phoneNumber":"+1800555{ext}","name":"Agent {ext}"}},"status":{{"code":"{code}"}}}}]}}}}"#,
            at = t.to_rfc3339(),
            ext = 1000 + i % 200,
        );
        let parsed = wire::parse(&text).expect("bench event parses");
        store.ingest(parsed, t);
    }
    store
}

/// Extra event `k`, received at [`event_time`]: a state change of session `k % n`'s
/// agent (hold, then back; no row joins or leaves the board).
fn state_change(k: usize, n: usize) -> Parsed {
    let i = k % n;
    let code = ["Hold", "Answered"][(k / n) % 2];
    event(i, 4 + k / n, k, n, &[("2", code)])
}

/// Extra event `k`: session `(k / 2) % n` ends (both parties leave), then comes back
/// (a newer event answers it again), so a row leaves or joins the board each time.
fn call_ends_or_returns(k: usize, n: usize) -> Parsed {
    let i = (k / 2) % n;
    let seq = 1_000_000 + k;
    if k.is_multiple_of(2) {
        event(
            i,
            seq,
            k,
            n,
            &[("1", "Disconnected"), ("2", "Disconnected")],
        )
    } else {
        event(i, seq, k, n, &[("2", "Answered")])
    }
}

/// A status event for parties `(suffix, code)` of session `i`.
fn event(i: usize, seq: usize, k: usize, n: usize, parties: &[(&str, &str)]) -> Parsed {
    let parties: Vec<String> = parties
        .iter()
        .map(|(p, code)| format!(r#"{{"id":"p-{i}-{p}","status":{{"code":"{code}"}}}}"#))
        .collect();
    let text = format!(
        r#"{{"body":{{"sequence":{seq},"telephonySessionId":"s-{i}","eventTime":"{at}","parties":[{}]}}}}"#,
        parties.join(","),
        at = event_time(k, n).to_rfc3339(),
    );
    wire::parse(&text).expect("bench event parses")
}

/// Makes extra event `k` for a store of `n` sessions.
type MakeEvent = fn(usize, usize) -> Parsed;

fn event_time(k: usize, n: usize) -> Ts {
    Ts(T0 + n as i64 * 50 + 1_000 + k as i64)
}

/// One frame as the loop draws it.
fn frame(term: &mut Terminal<TestBackend>, store: &SessionStore, ui: &mut UiState, now: Ts) {
    ui.sync(store, now);
    term.draw(|f| views::draw(f, black_box(store), ui, now))
        .expect("draw");
}

fn bench(c: &mut Criterion) {
    calltop::memory::configure();
    let mut g = c.benchmark_group("render");
    for n in [1_000usize, 10_000] {
        let mut store = live_store(n);
        let mut now = Ts(T0 + n as i64 * 50 + 60_000);
        let mut ui = UiState::new(BoardConfig::new(Mode::Live));
        let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
        ui.view_mut().set_size(160, 45);
        g.bench_function(format!("summary_only_{n}_sessions"), |b| {
            b.iter(|| black_box(store.summary(now).active))
        });
        g.bench_function(format!("rows_only_{n}_sessions"), |b| {
            b.iter(|| black_box(board_rows(&store, ui.view(), now).0.len()))
        });
        // Each frame another store value (a replay seek replaces the store), so the
        // board's memos can be neither kept nor patched: everything is rebuilt.
        let other = store.clone();
        let mut seeks = UiState::new(BoardConfig::new(Mode::Live));
        seeks.view_mut().set_size(160, 45);
        let mut flip = false;
        g.bench_function(format!("frame_memo_cold_{n}_sessions"), |b| {
            b.iter(|| {
                flip = !flip;
                frame(
                    &mut term,
                    if flip { &other } else { &store },
                    &mut seeks,
                    now,
                );
            })
        });
        g.bench_function(format!("frame_first_{n}_sessions"), |b| {
            b.iter(|| {
                let mut cold = UiState::new(BoardConfig::new(Mode::Live));
                let (w, h) = ui.view().size();
                cold.view_mut().set_size(w, h);
                frame(&mut term, &store, &mut cold, now);
            })
        });
        g.bench_function(format!("frame_store_unchanged_{n}_sessions"), |b| {
            b.iter(|| {
                now = now.plus_millis(1_000);
                frame(&mut term, &store, &mut ui, now);
            })
        });
        let mut k = 0;
        // The same board with a `/` text filter on (half the calls match).
        let mut filtered = UiState::new(BoardConfig::new(Mode::Live));
        filtered.view_mut().set_size(160, 45);
        filtered.view_mut().set_filter(FILTER);
        let kinds: [(&str, MakeEvent, bool); 4] = [
            ("frame_after_one_event", state_change, false),
            (
                "frame_after_a_call_ends_or_returns",
                call_ends_or_returns,
                false,
            ),
            ("frame_filtered_after_one_event", state_change, true),
            (
                "frame_filtered_after_a_call_ends_or_returns",
                call_ends_or_returns,
                true,
            ),
        ];
        for (name, make, filter) in kinds {
            let ui = if filter { &mut filtered } else { &mut ui };
            g.bench_function(format!("{name}_{n}_sessions"), |b| {
                // Only the frame is timed, not the event.
                b.iter_custom(|iters| {
                    let mut spent = Duration::ZERO;
                    for _ in 0..iters {
                        let at = event_time(k, n);
                        store.ingest(make(k, n), at);
                        k += 1;
                        now = now.max(at).plus_millis(1);
                        let t = Instant::now();
                        frame(&mut term, &store, ui, now);
                        spent += t.elapsed();
                    }
                    spent
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
