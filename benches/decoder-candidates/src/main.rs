//! Decoder candidates for the ingest path, each against the same floor in one run: the
//! time serde_json takes to parse every line into `IgnoredAny` divided by the time the
//! candidate takes to decode every line (higher is faster; 100 % = as fast as the floor).
//! Ratios are taken per round; the medians over the rounds are printed.

use calltop::core::SessionStore;
use calltop::wire::{self, Direction, Origin, Reason, SessionEvent, StatusCode, Ts};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;
use std::hint::black_box;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A notification line decoded by serde derive into calltop's owned wire types.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    uuid: Option<String>,
    event: Option<String>,
    timestamp: Option<Ts>,
    subscription_id: Option<String>,
    owner_id: Option<String>,
    body: SessionEvent,
}

/// The same line decoded by serde derive into borrowed strings (the hot fields only).
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LineRef<'a> {
    #[serde(borrow)]
    uuid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event: Option<Cow<'a, str>>,
    timestamp: Option<Ts>,
    #[serde(borrow)]
    subscription_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    owner_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    body: BodyRef<'a>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BodyRef<'a> {
    sequence: Option<i64>,
    #[serde(borrow)]
    session_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    telephony_session_id: Cow<'a, str>,
    #[serde(borrow)]
    server_id: Option<Cow<'a, str>>,
    event_time: Option<Ts>,
    origin: Option<Origin>,
    #[serde(borrow)]
    parties: Vec<PartyRef<'a>>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartyRef<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    account_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    extension_id: Option<Cow<'a, str>>,
    direction: Option<Direction>,
    #[serde(borrow)]
    from: Option<EndpointRef<'a>>,
    #[serde(borrow)]
    to: Option<EndpointRef<'a>>,
    status: Option<StatusRef>,
    missed_call: Option<bool>,
    stand_alone: Option<bool>,
    muted: Option<bool>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndpointRef<'a> {
    #[serde(borrow)]
    phone_number: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    extension_id: Option<Cow<'a, str>>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct StatusRef {
    code: StatusCode,
    reason: Option<Reason>,
    rcc: Option<bool>,
}

type Candidate = (&'static str, fn(&[String]) -> usize);

/// How many lines `decoded` accepts (it decodes one and drops the result).
fn count(lines: &[String], decoded: impl Fn(&str) -> bool) -> usize {
    lines.iter().filter(|l| decoded(l)).count()
}

/// simd-json parses in place: each line is copied into a reused buffer first.
fn simd(lines: &[String], decoded: impl Fn(&mut [u8]) -> bool) -> usize {
    let mut buf = Vec::new();
    lines
        .iter()
        .filter(|l| {
            buf.clear();
            buf.extend_from_slice(l.as_bytes());
            decoded(&mut buf)
        })
        .count()
}

fn apply_scan(lines: &[String]) -> usize {
    let mut store = SessionStore::default();
    let mut ok = 0;
    for l in lines {
        if let Ok(p) = wire::parse_view(l) {
            let now = p.stream_time().unwrap_or(Ts(0));
            store.ingest_view(p, now);
            ok += 1;
        }
    }
    black_box(store);
    ok
}

const CANDIDATES: &[Candidate] = &[
    ("serde_json IgnoredAny (floor)", |l| {
        count(l, |t| {
            black_box(serde_json::from_str::<IgnoredAny>(t)).is_ok()
        })
    }),
    (
        "serde_json derive, owned wire types (calltop's serde decoder)",
        |l| count(l, |t| black_box(wire::parse_with_serde(t)).is_ok()),
    ),
    ("serde_json derive, owned, line struct", |l| {
        count(l, |t| black_box(serde_json::from_str::<Line>(t)).is_ok())
    }),
    ("serde_json derive, borrowed Cow<str>", |l| {
        count(l, |t| black_box(serde_json::from_str::<LineRef>(t)).is_ok())
    }),
    ("sonic-rs IgnoredAny", |l| {
        count(l, |t| {
            black_box(sonic_rs::from_str::<IgnoredAny>(t)).is_ok()
        })
    }),
    ("sonic-rs derive, owned, line struct", |l| {
        count(l, |t| black_box(sonic_rs::from_str::<Line>(t)).is_ok())
    }),
    ("sonic-rs derive, borrowed Cow<str>", |l| {
        count(l, |t| black_box(sonic_rs::from_str::<LineRef>(t)).is_ok())
    }),
    ("simd-json IgnoredAny (copy + parse)", |l| {
        simd(l, |b| {
            black_box(simd_json::serde::from_slice::<IgnoredAny>(b)).is_ok()
        })
    }),
    ("simd-json derive, owned, line struct (copy + parse)", |l| {
        simd(l, |b| {
            black_box(simd_json::serde::from_slice::<Line>(b)).is_ok()
        })
    }),
    ("simd-json derive, borrowed Cow<str> (copy + parse)", |l| {
        simd(l, |b| {
            black_box(simd_json::serde::from_slice::<LineRef>(b)).is_ok()
        })
    }),
    ("calltop fast decoder (wire::parse_view)", |l| {
        count(l, |t| black_box(wire::parse_view(t)).is_ok())
    }),
    ("calltop fast decoder + apply (ingest)", apply_scan),
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let lines = calltop::synth::stream(events, 1_000, 7);
    let mut ratios = vec![Vec::new(); CANDIDATES.len()];
    let mut floor_times = Vec::new();
    for _ in 0..rounds {
        let mut times: Vec<Duration> = Vec::new();
        for (name, f) in CANDIDATES {
            let t = Instant::now();
            let n = f(&lines);
            times.push(t.elapsed());
            assert_eq!(n, events, "{name} decoded {n} of {events}");
        }
        floor_times.push(times[0].as_secs_f64());
        for (r, t) in ratios.iter_mut().zip(&times) {
            r.push(times[0].as_secs_f64() / t.as_secs_f64());
        }
    }
    println!(
        "{events} events, {rounds} rounds; floor median {:.0} ms ({:.2} M events/s)",
        median(floor_times.clone()) * 1e3,
        events as f64 / median(floor_times) / 1e6
    );
    println!("| candidate | vs floor (median) | min–max |");
    println!("|---|---|---|");
    for ((name, _), r) in CANDIDATES.iter().zip(ratios) {
        let (lo, hi) = r
            .iter()
            .fold((f64::MAX, 0f64), |(a, b), x| (a.min(*x), b.max(*x)));
        println!(
            "| {name} | {:.0} % | {:.0}–{:.0} % |",
            median(r) * 100.0,
            lo * 100.0,
            hi * 100.0
        );
    }
}
