//! Ingest speed: parse + apply (+ the metrics the header needs) against parse-only
//! (`serde::de::IgnoredAny`) on the same generated stream, in one run. Prints the ratio.

use calltop::core::SessionStore;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use calltop::synth;
use calltop::wire::{self, Ts};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde::de::IgnoredAny;
use std::time::{Duration, Instant};

const EVENTS: usize = 100_000;
const CONCURRENT: usize = 1_000;

fn parse_only(lines: &[String]) -> usize {
    lines
        .iter()
        .filter(|l| serde_json::from_str::<IgnoredAny>(l).is_ok())
        .count()
}

fn ingest(lines: &[String], mut store: SessionStore) -> SessionStore {
    for l in lines {
        match wire::parse(l) {
            Ok(p) => {
                let now = p.stream_time().unwrap_or(Ts(0));
                store.ingest(p, now);
            }
            Err(_) => store.note_malformed(Ts(0)),
        }
    }
    store
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
    let bytes: usize = lines.iter().map(String::len).sum();
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

    // The ratio, measured back to back in this run.
    let p = best_of(5, || {
        std::hint::black_box(parse_only(&lines));
    });
    let i = best_of(5, || {
        std::hint::black_box(ingest(&lines, SessionStore::default()));
    });
    let store = ingest(&lines, SessionStore::default());
    let eps = |d: Duration| EVENTS as f64 / d.as_secs_f64();
    println!(
        "ingest: {EVENTS} events, {CONCURRENT} concurrent calls, {:.1} MiB; parse-only {:.0} events/s, parse+apply {:.0} events/s; ingest/parse-only = {:.0}% (goal >= 50%); {} sessions retained, {} active",
        bytes as f64 / 1_048_576.0,
        eps(p),
        eps(i),
        100.0 * p.as_secs_f64() / i.as_secs_f64(),
        store.len(),
        store.active_ids().len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
