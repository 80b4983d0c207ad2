//! Ingest speed: parse + apply (+ the metrics the header needs) against parse-only
//! (`serde::de::IgnoredAny`) on the same generated stream, in one run. Prints the ratio,
//! and the same for the serde decoder alone (the decoder before the fast one) and for
//! decoding without applying.

use calltop::core::SessionStore;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use calltop::synth;
use calltop::wire::{self, Ts};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde::de::IgnoredAny;
use std::time::{Duration, Instant};

/// Events in the criterion-sampled stream.
const EVENTS: usize = 100_000;
/// Events in the stream the printed ratio is measured on (`CALLTOP_BENCH_EVENTS` overrides).
const RATIO_EVENTS: usize = 1_000_000;
const CONCURRENT: usize = 1_000;

fn parse_only(lines: &[String]) -> usize {
    lines
        .iter()
        .filter(|l| serde_json::from_str::<IgnoredAny>(l).is_ok())
        .count()
}

/// Parse + apply as `calltop report` does: borrowed decode, then the store.
fn ingest(lines: &[String], mut store: SessionStore) -> SessionStore {
    for l in lines {
        match wire::parse_view(l) {
            Ok(p) => {
                let now = p.stream_time().unwrap_or(Ts(0));
                store.ingest_view(p, now);
            }
            Err(_) => store.note_malformed(Ts(0)),
        }
    }
    store
}

/// Parse + apply through the serde decoder and owned types only.
fn ingest_serde(lines: &[String], mut store: SessionStore) -> SessionStore {
    for l in lines {
        match wire::parse_with_serde(l) {
            Ok(p) => {
                let now = p.stream_time().unwrap_or(Ts(0));
                store.ingest(p, now);
            }
            Err(_) => store.note_malformed(Ts(0)),
        }
    }
    store
}

/// Decoding alone: how many lines `decoded` (which drops its result) accepts.
fn decode_only(lines: &[String], decoded: impl Fn(&str) -> bool) -> usize {
    lines.iter().filter(|l| decoded(l)).count()
}

fn best_of(n: usize, mut f: impl FnMut()) -> Duration {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let lines = synth::stream(EVENTS, CONCURRENT, 7);
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("parse_only_ignored_any", |b| b.iter(|| parse_only(&lines)));
    g.bench_function("parse_apply", |b| {
        b.iter_batched(
            SessionStore::default,
            |s| ingest(&lines, s),
            BatchSize::LargeInput,
        )
    });
    g.finish();

    drop(lines);
    ratio();
}

/// The ratio, measured back to back in this run on the large stream.
fn ratio() {
    let n = std::env::var("CALLTOP_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(RATIO_EVENTS);
    let lines = synth::stream(n, CONCURRENT, 7);
    let bytes: usize = lines.iter().map(String::len).sum();
    let p = best_of(3, || {
        std::hint::black_box(parse_only(&lines));
    });
    let i = best_of(3, || {
        std::hint::black_box(ingest(&lines, SessionStore::default()));
    });
    let serde = best_of(3, || {
        std::hint::black_box(ingest_serde(&lines, SessionStore::default()));
    });
    let scan_only = best_of(3, || {
        std::hint::black_box(decode_only(&lines, |l| wire::parse_view(l).is_ok()));
    });
    let serde_only = best_of(3, || {
        std::hint::black_box(decode_only(&lines, |l| wire::parse_with_serde(l).is_ok()));
    });
    let store = ingest(&lines, SessionStore::default());
    let eps = |d: Duration| n as f64 / d.as_secs_f64();
    let pct = |d: Duration| 100.0 * p.as_secs_f64() / d.as_secs_f64();
    println!(
        "ingest: {n} events, {CONCURRENT} concurrent calls, {:.0} MiB; parse-only {:.0} events/s, parse+apply {:.0} events/s; ingest/parse-only = {:.0}% (goal >= 50%); {} sessions retained, {} active",
        bytes as f64 / 1_048_576.0,
        eps(p),
        eps(i),
        pct(i),
        store.len(),
        store.active_ids().len()
    );
    println!(
        "  same run, vs parse-only: serde decoder + apply {:.0}%; decode only: fast decoder {:.0}%, serde decoder {:.0}%",
        pct(serde),
        pct(scan_only),
        pct(serde_only)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
