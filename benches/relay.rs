//! The relay through a real nats-server on loopback (tests/relay/support.rs), figures
//! printed: publish throughput with 256 acks in flight (goal ≥ 10 000 frames/s), alone
//! and through the relay's frame pipeline; frame-to-reader and frame-to-board latency
//! through the broker, p50/p99; a board joining after an hour at 300 events/s
//! (`CALLTOP_BENCH_JOIN_EVENTS` to change the hour), and the tail a keyframe leaves.

#[path = "../tests/relay/support.rs"]
mod relay_support;

use calltop::core::{SessionStore, SharedStore};
use calltop::record::{record_line, Tap};
use calltop::relay::{
    self, fold::apply_line, FoldConfig, Outgoing, PublishSink, Publisher, PublisherConfig,
    ReadOptions, Start, StreamReader, StreamSettings, Subjects,
};
use calltop::source::live::FramePipeline;
use calltop::source::LiveEvent;
use calltop::wire::Ts;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use relay_support::{names, NatsServer, User, ACCOUNT};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Raw notification frames with session ids of their own (`tag`).
fn raw_frames(n: usize, tag: &str) -> Vec<String> {
    calltop::synth::stream(n, 200, 11)
        .into_iter()
        .map(|f| {
            f.replace(
                "\"telephonySessionId\":\"s-",
                &format!("\"telephonySessionId\":\"{tag}-"),
            )
        })
        .collect()
}

/// The relay's frame pipeline (recording line, parse, its own store) publishing into
/// `server`'s stream.
async fn relay_pipeline(server: &NatsServer) -> (FramePipeline, Arc<Publisher>) {
    let conn = server.relay().await;
    let p = Arc::new(Publisher::spawn(
        conn.js.clone(),
        names(),
        "bench".into(),
        PublisherConfig::default(),
    ));
    let tap = Tap::new(None, None, Some(Arc::new(PublishSink(p.clone()))));
    let store = SharedStore::new(SessionStore::default());
    let (events, _) = broadcast::channel(16);
    (
        FramePipeline::new(
            store,
            Some(std::sync::Arc::new(std::sync::Mutex::new(tap))),
            events,
        ),
        p,
    )
}

/// Frames/s from the frame pipeline to the stream's acks.
async fn pipeline_rate(frames: &[String]) -> f64 {
    let server = NatsServer::start();
    let (mut pipe, p) = relay_pipeline(&server).await;
    let started = Instant::now();
    for f in frames {
        pipe.handle(f, Ts::now());
    }
    let n = frames.len() as u64;
    let mut stats = p.stats();
    let s = stats
        .wait_for(|s| s.stored + s.duplicates + s.dropped >= n)
        .await
        .expect("publisher alive")
        .clone();
    assert_eq!(s.dropped, 0, "{s:?}");
    n as f64 / started.elapsed().as_secs_f64()
}

/// Frame → board: each frame through the relay's pipeline, the broker and a board's
/// fold of the stream, until the board's store has applied it.
async fn board_latencies(frames: &[String], rate: u64) -> Vec<Duration> {
    let server = NatsServer::start();
    let (mut pipe, _p) = relay_pipeline(&server).await;
    let viewer = server.connect(User::Viewer).await;
    let store = SharedStore::new(SessionStore::default());
    let (events, mut rx) = broadcast::channel(65_536);
    let _board = relay::fold(&viewer, &names(), store, events, FoldConfig::default())
        .await
        .unwrap();
    let (tx, mut sent) = tokio::sync::mpsc::unbounded_channel();
    let send = async {
        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
        for f in frames {
            tick.tick().await;
            tx.send(Instant::now()).unwrap();
            pipe.handle(f, Ts::now());
        }
    };
    let recv = async {
        let mut got = Vec::with_capacity(frames.len());
        while got.len() < frames.len() {
            if let LiveEvent::Notification(_) = rx.recv().await.expect("board events") {
                let at: Instant = sent.recv().await.unwrap();
                got.push(at.elapsed());
            }
        }
        got
    };
    tokio::join!(send, recv).1
}

/// A board joining after `events` events: the fold from the first message, and the
/// tail a keyframe written every 30 s at 300 events/s would leave.
async fn join(events: usize) {
    let server = NatsServer::start_sized(ACCOUNT, 16 << 30);
    let conn = server.connect(User::Relay).await;
    let settings = StreamSettings {
        max_bytes: 12 << 30,
        ..StreamSettings::default()
    };
    relay::ensure(&conn.js, &names(), &settings).await.unwrap();
    let p = Publisher::spawn(
        conn.js.clone(),
        names(),
        "bench".into(),
        PublisherConfig::default(),
    );
    let base: Vec<String> = calltop::synth::stream(10_000, 200, 13)
        .iter()
        .map(|f| record_line(Ts::now(), f, None))
        .collect();
    let started = Instant::now();
    let mut bytes = 0;
    for k in 0..events.div_ceil(base.len()) {
        let tsid = format!("\"telephonySessionId\":\"h{k}-");
        for l in base.iter().take(events - k * base.len()) {
            let line = l.replace("\"telephonySessionId\":\"s-", &tsid);
            bytes += line.len();
            p.send(Outgoing::from_line(line).unwrap()).await;
        }
    }
    let mut stats = p.stats();
    stats
        .wait_for(|s| s.stored >= events as u64)
        .await
        .expect("publisher alive");
    let took = started.elapsed();
    println!(
        "relay: an hour's stream published: {events} events, {:.0} MB, {:.1} s ({:.0} events/s)",
        bytes as f64 / 1e6,
        took.as_secs_f64(),
        events as f64 / took.as_secs_f64()
    );
    let last = stats.borrow().last_seq;

    let viewer = server.connect(User::Viewer).await;
    let store = SharedStore::new(SessionStore::default());
    let (tx, _) = broadcast::channel(16);
    let started = Instant::now();
    let f = relay::fold(
        &viewer,
        &names(),
        store.clone(),
        tx.clone(),
        FoldConfig::default(),
    )
    .await
    .unwrap();
    let mut seq = f.seq.clone();
    seq.wait_for(|s| *s >= last).await.unwrap();
    let took = started.elapsed();
    let (sessions, applied) = {
        let s = store.read();
        (s.len(), s.counters().events)
    };
    println!(
        "relay: board join, fold from the first message: {:.2} s for {last} messages ({:.0}/s; {sessions} sessions held, {applied} events applied)",
        took.as_secs_f64(),
        last as f64 / took.as_secs_f64()
    );
    drop(f);

    let tail = (300 * 30).min(last as usize) as u64;
    let store = SharedStore::new(SessionStore::default());
    let started = Instant::now();
    let opts = ReadOptions {
        start: Start::Seq(last - tail + 1),
        follow: false,
        subjects: Subjects::All,
    };
    let mut r = StreamReader::open(&viewer.js, &names(), opts)
        .await
        .unwrap();
    while let Some(l) = r.next().await {
        apply_line(&store, &tx, &l.unwrap());
    }
    println!(
        "relay: the tail after a keyframe (30 s at 300/s = {tail} messages): {:.0} ms",
        ms(started.elapsed())
    );

    // A real join: a keyframe of the store folded up to 30 s before the end (as a relay
    // writing one every 30 s leaves it), then `fold` from the keyframe as a board starts.
    let at = last - tail;
    let folded = SharedStore::new(SessionStore::default());
    let opts = ReadOptions {
        start: Start::First,
        follow: false,
        subjects: Subjects::All,
    };
    let mut r = StreamReader::open(&viewer.js, &names(), opts)
        .await
        .unwrap();
    while let Some(l) = r.next().await {
        let l = l.unwrap();
        if l.seq > at {
            break;
        }
        apply_line(&folded, &tx, &l);
    }
    let version = relay::keyframe::codec::VERSION.expect("a keyframe codec");
    let bytes = relay::keyframe::codec::encode(&folded.read()).expect("a keyframe codec");
    let kf = relay::Keyframes::open(&conn.js, &names()).await.unwrap();
    kf.put("bench", version, at, &bytes).await.unwrap();
    let store = SharedStore::new(SessionStore::default());
    let started = Instant::now();
    let cfg = FoldConfig {
        from_keyframe: true,
        write_keyframes: None,
        ..FoldConfig::default()
    };
    let f = relay::fold(&viewer, &names(), store.clone(), tx.clone(), cfg)
        .await
        .unwrap();
    let mut seq = f.seq.clone();
    seq.wait_for(|s| *s >= last).await.unwrap();
    let took = started.elapsed();
    println!(
        "relay: board join from a keyframe {tail} messages before the end ({:.1} MB keyframe): {:.0} ms ({} sessions held; the fold from the first message held {sessions})",
        bytes.len() as f64 / 1e6,
        ms(took),
        store.read().len(),
    );
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

    let raw = raw_frames(50_000, "pipe");
    println!(
        "relay: frame pipeline (recording line, parse, store, publish acked): {:.0} frames/s over {} frames",
        rt.block_on(pipeline_rate(&raw)),
        raw.len()
    );
    let mut lat = rt.block_on(board_latencies(&raw[..LATENCY_FRAMES], LATENCY_RATE));
    lat.sort();
    println!(
        "relay: frame → board (pipeline, broker, the board's fold applied) at {LATENCY_RATE}/s, {LATENCY_FRAMES} frames: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.99)),
        ms(*lat.last().unwrap()),
    );
    let hour = std::env::var("CALLTOP_BENCH_JOIN_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300 * 3600);
    rt.block_on(join(hour));

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
