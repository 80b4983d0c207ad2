//! Ingest speed: parse + apply (+ the metrics the header needs) against parse-only
//! (`serde::de::IgnoredAny`) on the same generated stream, in one run. Prints the ratio,
//! and the same for the serde decoder alone (the decoder before the fast one) and for
//! decoding without applying.

use calltop::core::SessionStore;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use calltop::synth;
use calltop::wire::{self, ParseError, ParsedView, Ts};
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
fn ingest(lines: &[String], store: SessionStore) -> SessionStore {
    ingest_with(lines, store, wire::parse_view)
}

/// Parse + apply through the serde decoder alone.
fn ingest_serde(lines: &[String], store: SessionStore) -> SessionStore {
    fn serde_view(l: &str) -> Result<ParsedView<'_>, ParseError> {
        wire::parse_with_serde(l).map(ParsedView::from)
    }
    ingest_with(lines, store, serde_view)
}

fn ingest_with(
    lines: &[String],
    mut store: SessionStore,
    parse: impl Fn(&str) -> Result<ParsedView<'_>, ParseError>,
) -> SessionStore {
    for l in lines {
        match parse(l) {
            Ok(p) => {
                let now = p.stream_time().unwrap_or(Ts(0));
                store.ingest_view(p, now);
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

/// Seconds `f` takes, once.
fn time(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
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

/// Rounds of the printed ratios (`CALLTOP_BENCH_ROUNDS` overrides).
const ROUNDS: usize = 5;

/// The ratios, on the large stream: each round times the floor and every variant back
/// to back, a ratio is taken per round (so the machine's drift between rounds cancels),
/// and the median over the rounds is printed.
fn ratio() {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let n = env("CALLTOP_BENCH_EVENTS", RATIO_EVENTS);
    let rounds = env("CALLTOP_BENCH_ROUNDS", ROUNDS).max(1);
    let lines = synth::stream(n, CONCURRENT, 7);
    let bytes: usize = lines.iter().map(String::len).sum();
    // parse+apply, serde decoder + apply, fast decoder only, serde decoder only.
    let mut ratios: [Vec<f64>; 4] = Default::default();
    let mut floor = Vec::new();
    for _ in 0..rounds {
        let p = time(|| {
            std::hint::black_box(parse_only(&lines));
        });
        let t = [
            time(|| {
                drop(std::hint::black_box(ingest(
                    &lines,
                    SessionStore::default(),
                )))
            }),
            time(|| {
                drop(std::hint::black_box(ingest_serde(
                    &lines,
                    SessionStore::default(),
                )))
            }),
            time(|| {
                std::hint::black_box(decode_only(&lines, |l| wire::parse_view(l).is_ok()));
            }),
            time(|| {
                std::hint::black_box(decode_only(&lines, |l| wire::parse_with_serde(l).is_ok()));
            }),
        ];
        floor.push(p);
        for (r, t) in ratios.iter_mut().zip(t) {
            r.push(100.0 * p / t);
        }
    }
    let store = ingest(&lines, SessionStore::default());
    let [apply, serde, scan_only, serde_only] = ratios.map(median);
    let p = median(floor);
    println!(
        "ingest: {n} events, {CONCURRENT} concurrent calls, {:.0} MiB, median of {rounds} rounds; parse-only {:.0} events/s, parse+apply {:.0} events/s; ingest/parse-only = {apply:.0}% (goal >= 50%); {} sessions retained, {} active",
        bytes as f64 / 1_048_576.0,
        n as f64 / p,
        n as f64 / p * apply / 100.0,
        store.len(),
        store.active_ids().len()
    );
    println!(
        "  same rounds, vs parse-only: serde decoder + apply {serde:.0}%; decode only: fast decoder {scan_only:.0}%, serde decoder {serde_only:.0}%"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
