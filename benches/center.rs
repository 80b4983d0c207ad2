//! The agent and queue upkeep (`core::center`) as a share of ingest, in one run (issue 12:
//! goal ≤ 10 %). The stream is a contact center's (`synth::center_stream`: 1 000 queue
//! calls at a time among 1 000 agents in three queues; every event is of a caller, a
//! queue or an agent leg, the directory known as the live client knows it). Every variant
//! decodes every line afresh with the decoder ingest uses (`wire::parse_view`):
//!
//! * `parse`: decoding alone;
//! * `without_center`: decoding + the store as `ingest_view` runs it, minus the center's
//!   part (`apply_event_view` straight away; same `now`, same events);
//! * `with_center`: decoding + `ingest_view`, the whole reducer;
//! * `upkeep_alone`: decoding + `Center::observe` alone (no sessions), a cross-check.
//!
//! Upkeep share = (with_center − without_center) / with_center: the throughput ingest
//! loses to the upkeep. Timed in this thread's CPU time (the machine is shared), each
//! round running every variant back to back (with and without the center in alternating
//! order); the share is taken per round and the median printed, with the range. Then the
//! paired share (`paired`), which the goal is judged by: with and without timed slice by
//! slice, back to back, so that one moment of the shared machine is compared with itself.

use calltop::core::{Center, SessionStore};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use calltop::synth;
use calltop::wire::{self, IncomingView, Ts};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::time::{Duration, Instant};

/// Events in the criterion-sampled stream.
const EVENTS: usize = 100_000;
/// Events in the stream the printed share is measured on (`CALLTOP_BENCH_EVENTS` overrides).
const SHARE_EVENTS: usize = 1_000_000;
/// Rounds of the printed share (`CALLTOP_BENCH_ROUNDS` overrides).
const ROUNDS: usize = 5;
const CONCURRENT: usize = 1_000;
/// Events per pair of the paired share (`CALLTOP_BENCH_SLICE` overrides).
const SLICE: usize = 50_000;
/// Passes over the stream of the paired share (`CALLTOP_BENCH_PASSES` overrides).
const PASSES: usize = 3;

/// A store knowing the contact center's directory, as the live client's does.
fn store() -> SessionStore {
    let mut s = SessionStore::default();
    s.center_mut().roster(&synth::center_directory());
    s
}

fn center() -> Center {
    let mut c = Center::default();
    c.roster(&synth::center_directory());
    c
}

fn parse(lines: &[String]) -> usize {
    lines.iter().filter(|l| wire::parse_view(l).is_ok()).count()
}

/// Decode + apply; `center` false skips only the center's part of telephony events.
/// (Not inlined: callgrind counts it alone, see `only`.)
#[inline(never)]
fn ingest(lines: &[String], mut store: SessionStore, center: bool) -> SessionStore {
    for l in lines {
        match wire::parse_view(l) {
            Ok(p) => {
                let now = p.stream_time().unwrap_or(Ts(0));
                if center {
                    store.ingest_view(p, now);
                    continue;
                }
                // What ingest_view does with a telephony event, but the upkeep.
                let now = p.received_at.unwrap_or(now);
                match p.item {
                    IncomingView::Session(n) => {
                        store.apply_event_view(n.body, now);
                    }
                    IncomingView::Other(_) => {
                        store.ingest_view(p, now);
                    }
                }
            }
            Err(_) => store.note_malformed(Ts(0)),
        }
    }
    store
}

/// Decode + `Center::observe` alone.
fn upkeep(lines: &[String], mut c: Center) -> Center {
    for l in lines {
        if let Ok(p) = wire::parse_view(l) {
            let now = p.stream_time().unwrap_or(Ts(0));
            let now = p.received_at.unwrap_or(now);
            if let IncomingView::Session(n) = p.item {
                c.observe(&n.body, now);
            }
        }
    }
    c
}

/// This thread's time on a CPU (`/proc/thread-self/schedstat`, ns): the machine is
/// shared, and time spent waiting for a CPU is nobody's cost. Wall time where missing.
fn cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        text.split_whitespace().next()?.parse().ok()?,
    ))
}

/// Runs `f` once: its CPU time (wall time where the system does not say), and what it
/// returned, to be dropped outside the timing.
fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let (cpu, wall) = (cpu_time(), Instant::now());
    let out = std::hint::black_box(f());
    let d = match (cpu, cpu_time()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => wall.elapsed(),
    };
    (d, out)
}

/// `CALLTOP_BENCH_ONLY=with|without`: one pass of that variant over `CALLTOP_BENCH_EVENTS`
/// events and nothing else, for instruction and cache-miss counts that do not depend on the
/// machine's load (`valgrind --tool=callgrind --toggle-collect='center::ingest'`; see
/// BENCHMARKS.md). False when unset.
fn only() -> bool {
    let Ok(mode) = std::env::var("CALLTOP_BENCH_ONLY") else {
        return false;
    };
    let n = std::env::var("CALLTOP_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(EVENTS);
    let lines = synth::center_stream(n, CONCURRENT, 7);
    let with = match mode.as_str() {
        "with" => true,
        "without" => false,
        other => panic!("CALLTOP_BENCH_ONLY={other}: with or without"),
    };
    drop(std::hint::black_box(ingest(&lines, store(), with)));
    true
}

fn bench(c: &mut Criterion) {
    if only() {
        return;
    }
    let lines = synth::center_stream(EVENTS, CONCURRENT, 7);
    let mut g = c.benchmark_group("center");
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("parse", |b| b.iter(|| parse(&lines)));
    g.bench_function("parse_apply_without_center", |b| {
        b.iter_batched(store, |s| ingest(&lines, s, false), BatchSize::LargeInput)
    });
    g.bench_function("parse_apply_with_center", |b| {
        b.iter_batched(store, |s| ingest(&lines, s, true), BatchSize::LargeInput)
    });
    g.bench_function("parse_upkeep_alone", |b| {
        b.iter_batched(center, |c| upkeep(&lines, c), BatchSize::LargeInput)
    });
    g.finish();
    drop(lines);
    share();
}

/// The share measured in pairs: two stores take the stream slice by slice, each slice
/// timed with the center and without it back to back, so the two times see the same
/// moment of a shared machine and its noise falls out of their difference. Whichever runs
/// second in a slice finds the caches holding the other store's data, which moves a
/// slice's share by a few points; so a pair is two slices, one in each order. Each pass
/// starts from new stores. Returns the median share of the pairs, its range, and the
/// share of the sums.
fn paired(lines: &[String], slice: usize, passes: usize) -> (f64, f64, f64, f64) {
    let (mut sum_with, mut sum_without) = (0.0, 0.0);
    let mut slices = Vec::new();
    let parts = (0..passes).flat_map(|_| lines.chunks(slice).enumerate());
    let (mut with, mut without) = (None, None);
    for (k, part) in parts {
        if k == 0 {
            (with, without) = (Some(store()), Some(store()));
        }
        let run = |s: &mut Option<SessionStore>, center: bool| {
            let (d, out) = timed(|| ingest(part, s.take().unwrap_or_default(), center));
            *s = Some(out);
            d.as_secs_f64()
        };
        let (w, wo) = if k % 2 == 0 {
            let w = run(&mut with, true);
            (w, run(&mut without, false))
        } else {
            let wo = run(&mut without, false);
            (run(&mut with, true), wo)
        };
        sum_with += w;
        sum_without += wo;
        slices.push((k, w, wo));
    }
    // A slice in one order and the next in the other (a pass's odd last one is left out).
    let shares: Vec<f64> = slices
        .windows(2)
        .filter(|p| p[0].0 % 2 == 0 && p[1].0 == p[0].0 + 1)
        .map(|p| {
            let (w, wo) = (p[0].1 + p[1].1, p[0].2 + p[1].2);
            100.0 * (w - wo) / w
        })
        .collect();
    let (lo, hi) = shares
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), s| (l.min(*s), h.max(*s)));
    (
        median(shares),
        lo,
        hi,
        100.0 * (sum_with - sum_without) / sum_with,
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The share, on the large stream, in one run.
fn share() {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let n = env("CALLTOP_BENCH_EVENTS", SHARE_EVENTS);
    let rounds = env("CALLTOP_BENCH_ROUNDS", ROUNDS).max(1);
    let slice = env("CALLTOP_BENCH_SLICE", SLICE).max(1);
    let passes = env("CALLTOP_BENCH_PASSES", PASSES).max(1);
    let lines = synth::center_stream(n, CONCURRENT, 7);
    let (pair_median, pair_lo, pair_hi, pair_sum) = paired(&lines, slice, passes);
    // Same events applied either way: the sessions end up alike.
    let (a, b) = (
        ingest(&lines, store(), false),
        ingest(&lines, store(), true),
    );
    let active = |s: &SessionStore| {
        let mut v = s.active_ids();
        v.sort_unstable();
        v
    };
    assert!(
        a.len() == b.len() && active(&a) == active(&b),
        "the same sessions"
    );
    drop(a);
    let mut times: [Vec<Duration>; 4] = Default::default();
    let mut shares = Vec::new();
    for round in 0..rounds {
        let (p, _) = timed(|| parse(&lines));
        let without = || timed(|| ingest(&lines, store(), false)).0;
        let with = || timed(|| ingest(&lines, store(), true)).0;
        let (wo, w) = if round % 2 == 0 {
            (without(), with())
        } else {
            let w = with();
            (without(), w)
        };
        let (u, _) = timed(|| upkeep(&lines, center()));
        shares.push(100.0 * (w.as_secs_f64() - wo.as_secs_f64()) / w.as_secs_f64());
        for (v, t) in times.iter_mut().zip([p, wo, w, u]) {
            v.push(t);
        }
    }
    let [p, wo, w, u] = times.map(|v| median(v.iter().map(Duration::as_secs_f64).collect()));
    let ns = |s: f64| s * 1e9 / n as f64;
    let (lo, hi) = shares
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), s| (l.min(*s), h.max(*s)));
    let c = b.center();
    let offered: u64 = c.queues().map(|q| q.figures.offered).sum();
    let handled: u64 = c.agents().map(|a| a.figures.handled).sum();
    println!(
        "center: {n} events of queue calls, {CONCURRENT} concurrent, {} agents, {} queues; median of {rounds} rounds, CPU ns/event: parse {:.0}, parse+apply without center {:.0}, with center {:.0} ({:.0} events/s), parse+upkeep alone {:.0}",
        synth::CENTER_AGENTS,
        synth::CENTER_QUEUES.len(),
        ns(p),
        ns(wo),
        ns(w),
        1e9 / ns(w),
        ns(u),
    );
    println!(
        "  upkeep share of ingest = (with - without) / with = {:.1}% (rounds {lo:.1}..{hi:.1}%; goal <= 10%); upkeep alone - parse = {:.0} ns/event = {:.1}% of with; {offered} calls offered, {handled} handled, {} tracked at the end",
        median(shares),
        ns(u - p),
        100.0 * (u - p) / w,
        b.tracked_calls()
    );
    println!(
        "  paired ({passes} passes x {} pairs of 2 x {slice} events, with and without back to back in both orders): upkeep share {pair_median:.1}% (median of the pairs; range {pair_lo:.1}..{pair_hi:.1}%), of the sums {pair_sum:.1}%",
        n.div_ceil(slice) / 2
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
