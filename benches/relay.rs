//! The relay through a real nats-server on loopback (tests/relay_support): publish
//! throughput with 256 acks in flight (design goal ≥ 10 000 frames/s), and frame-to-reader
//! latency through the broker (a viewer following the stream), p50/p99 printed.

#[path = "../tests/relay_support/mod.rs"]
mod relay_support;

use calltop::record::record_line;
use calltop::relay::{
    Outgoing, Publisher, PublisherConfig, ReadOptions, Start, StreamReader, Subjects,
};
use calltop::wire::Ts;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use relay_support::{names, NatsServer, User};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Frames per publish iteration.
const BATCH: usize = 5_000;
/// Frames of the paced latency run, and their rate.
const LATENCY_FRAMES: usize = 2_000;
const LATENCY_RATE: u64 = 400;

/// Realistic recording lines; `batch` makes their dedup ids new.
struct Frames {
    base: Vec<String>,
    batch: AtomicU64,
}

impl Frames {
    fn new(n: usize) -> Frames {
        let base = calltop::synth::stream(n, 200, 7)
            .iter()
            .map(|f| record_line(Ts::now(), f, None))
            .collect();
        Frames {
            base,
            batch: AtomicU64::new(0),
        }
    }

    fn next(&self) -> Vec<Outgoing> {
        let k = self.batch.fetch_add(1, Ordering::Relaxed);
        let tsid = format!("\"telephonySessionId\":\"b{k}-");
        self.base
            .iter()
            .map(|l| Outgoing::from_line(l.replace("\"telephonySessionId\":\"s-", &tsid)).unwrap())
            .collect()
    }
}

async fn publish_batch(p: &Publisher, batch: Vec<Outgoing>) -> Duration {
    let mut stats = p.stats();
    let before = stats.borrow().stored;
    let started = Instant::now();
    for out in batch {
        p.send(out).await;
    }
    let want = before + BATCH as u64;
    stats
        .wait_for(|s| s.stored >= want)
        .await
        .expect("publisher alive");
    started.elapsed()
}

/// Sends `n` frames at `rate`/s and returns each one's publish → reader time.
async fn latencies(
    p: &Publisher,
    reader: &mut StreamReader,
    frames: &Frames,
    n: usize,
    rate: u64,
) -> Vec<Duration> {
    let batch = frames.next();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let send = async {
        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
        for out in batch.into_iter().take(n) {
            tick.tick().await;
            tx.send(Instant::now()).unwrap();
            p.send(out).await;
        }
    };
    let recv = async {
        let mut got = Vec::with_capacity(n);
        while got.len() < n {
            reader.next().await.expect("following").expect("a line");
            let sent: Instant = rx.recv().await.unwrap();
            got.push(sent.elapsed());
        }
        got
    };
    tokio::join!(send, recv).1
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = NatsServer::start();
    let frames = Frames::new(BATCH);
    let bytes = frames.base.iter().map(String::len).sum::<usize>() / BATCH;
    let (p, mut reader) = rt.block_on(async {
        let relay = server.relay().await;
        let p = Publisher::spawn(
            relay.js.clone(),
            names(),
            "bench".into(),
            PublisherConfig::default(),
        );
        let viewer = server.connect(User::Viewer).await;
        let reader = StreamReader::open(
            &viewer.js,
            &names(),
            ReadOptions {
                start: Start::Seq(1),
                follow: true,
                subjects: Subjects::Frames,
            },
        )
        .await
        .unwrap();
        (p, reader)
    });

    let mut lat = rt.block_on(latencies(
        &p,
        &mut reader,
        &frames,
        LATENCY_FRAMES,
        LATENCY_RATE,
    ));
    lat.sort();
    println!(
        "relay: publish → reader at {LATENCY_RATE}/s, {LATENCY_FRAMES} frames of ~{bytes} B: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3,
    );
    // The reader is not drained during the throughput runs.
    drop(reader);

    let runs = 10;
    let took: Duration = (0..runs)
        .map(|_| rt.block_on(publish_batch(&p, frames.next())))
        .sum();
    println!(
        "relay: publish with 256 acks in flight: {:.0} frames/s over {} frames (goal ≥ 10 000)",
        (runs * BATCH) as f64 / took.as_secs_f64(),
        runs * BATCH
    );

    let mut g = c.benchmark_group("relay");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("publish_acked_5000", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| rt.block_on(publish_batch(&p, frames.next())))
                .sum()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
