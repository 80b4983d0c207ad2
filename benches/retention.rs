//! Memory: bytes per retained ended session, measured with a counting allocator over
//! 100k finished calls (goal ≤ 1 KiB), plus the rebuild ("replay seek") rate of the store
//! from a recorded stream, in events/s.

use calltop::core::{SessionStore, StoreConfig};
use calltop::synth;
use calltop::wire::Ts;
use criterion::{criterion_group, criterion_main, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

const SESSIONS: usize = 100_000;

fn retention() {
    // ~8 events per call; generate in chunks so the input itself is not counted.
    let mut store = SessionStore::new(StoreConfig {
        max_ended: SESSIONS,
        max_ended_age_ms: i64::MAX,
        tombstones: 0,
        detail_window: 1_000,
        ..StoreConfig::default()
    });
    let events = synth::notifications(SESSIONS * 9, 200, 11);
    let mut ended = 0;
    for n in events {
        let t = n.body.event_time.unwrap_or(Ts(0));
        store.apply_event(n.body, t);
        ended = store.len() - store.active_ids().len().min(store.len());
        if ended >= SESSIONS {
            break;
        }
    }
    // What the store holds is what dropping it frees (events were moved into it).
    let active = store.active_ids().len();
    let retained = store.len();
    let before = LIVE.load(Ordering::Relaxed);
    drop(store);
    let bytes = before - LIVE.load(Ordering::Relaxed);
    println!(
        "retention: {} sessions retained ({} ended, {} active), {:.1} MiB live heap, {:.0} bytes per retained session (goal <= 1024)",
        retained,
        ended,
        active,
        bytes as f64 / 1_048_576.0,
        bytes as f64 / retained as f64
    );
}

fn rebuild() {
    const EVENTS: usize = 1_000_000;
    let lines = synth::stream(EVENTS, 1_000, 3);
    let text = lines.join("\n");
    drop(lines);
    let t = Instant::now();
    let (_, items) = calltop::source::file::read_str(&text);
    let mut store = calltop::report::unbounded_store();
    calltop::report::ingest_items(&mut store, items);
    let d = t.elapsed();
    println!(
        "replay seek: rebuilt the store from a {EVENTS}-event recording ({:.0} MiB) in {:.2} s = {:.0} events/s ({} sessions)",
        text.len() as f64 / 1_048_576.0,
        d.as_secs_f64(),
        EVENTS as f64 / d.as_secs_f64(),
        store.len()
    );
}

fn bench(c: &mut Criterion) {
    retention();
    rebuild();
    let lines = synth::notifications(20_000, 1_000, 5);
    c.bench_function("store/apply_20k_events", |b| {
        b.iter_batched(
            || lines.clone(),
            |ns| {
                let mut s = SessionStore::default();
                for n in ns {
                    let t = n.body.event_time.unwrap_or(Ts(0));
                    s.apply_event(n.body, t);
                }
                s
            },
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
