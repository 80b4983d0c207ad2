//! The relay room against a real nats-server (Debian's 2.9.10 in CI): setup on 2.9,
//! exactly-once publishing, reading, keyframes, control, permissions, audit, restarts and
//! failover.
#![cfg(feature = "nats")]

mod relay_support;

use calltop::relay::{
    self, control::ControlRequest, AuditPhase, ControlCall, ControlClient, ControlError,
    ControlHandler, ControlReply, ControlServer, KeyframeError, KeyframeWrite, Keyframes, Kind,
    Outgoing, PublishStats, Publisher, PublisherConfig, ReadOptions, Start, StreamReader, Subjects,
};
use calltop::wire::Ts;
use relay_support::*;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn read_all(conn: &relay::NatsConn, opts: ReadOptions) -> Vec<relay::StreamLine> {
    let mut r = StreamReader::open(&conn.js, &names(), opts).await.unwrap();
    let mut out = Vec::new();
    while let Some(l) = tokio::time::timeout(Duration::from_secs(10), r.next())
        .await
        .expect("a bounded read ends")
    {
        out.push(l.unwrap());
    }
    out
}

fn bounded(start: Start) -> ReadOptions {
    ReadOptions {
        start,
        follow: false,
        subjects: Subjects::Frames,
    }
}

fn publisher(conn: &relay::NatsConn, relay_id: &str) -> Publisher {
    Publisher::spawn(
        conn.js.clone(),
        names(),
        relay_id.into(),
        PublisherConfig::default(),
    )
}

async fn publish_all(p: &Publisher, lines: &[String]) {
    for l in lines {
        p.send(Outgoing::from_line(l.clone()).unwrap()).await;
    }
}

async fn frames_in_stream(conn: &relay::NatsConn) -> u64 {
    let mut s = conn.js.get_stream(names().stream()).await.unwrap();
    let info = s.info().await.unwrap();
    info.state.messages
}

#[tokio::test]
async fn setup_works_around_2_9_and_creates_everything_once() {
    let server = NatsServer::start();
    let conn = server.connect(User::Relay).await;
    let version = conn.client.server_info().version;
    if version.starts_with("2.9.") {
        // What the workaround is for: async-nats ≥ 0.41 parses $JS.API.INFO strictly.
        assert!(conn.js.query_account().await.is_err(), "{version}");
        let kv = conn
            .js
            .create_key_value(async_nats::jetstream::kv::Config {
                bucket: "probe".into(),
                ..Default::default()
            })
            .await;
        assert!(kv.is_err(), "create_key_value on {version}");
    }
    let b = relay::ensure(&conn.js, &names(), &settings())
        .await
        .unwrap();
    // Twice is fine (a second relay, a restart).
    relay::ensure(&conn.js, &names(), &settings())
        .await
        .unwrap();
    b.kv.put("probe", "1".into()).await.unwrap();
    assert_eq!(b.kv.get("probe").await.unwrap().unwrap().as_ref(), b"1");
    let info = &b.stream.cached_info().config;
    assert_eq!(info.duplicate_window, Duration::from_secs(300));
    assert_eq!(info.max_age, Duration::from_secs(7 * 24 * 3600));
    assert!(info.deny_delete && info.allow_direct);
    // A longer --retain updates the stream in place.
    let longer = relay::StreamSettings {
        max_age: Duration::from_secs(30 * 24 * 3600),
        ..settings()
    };
    let b = relay::ensure(&conn.js, &names(), &longer).await.unwrap();
    assert_eq!(b.stream.cached_info().config.max_age, longer.max_age);
}

#[tokio::test]
async fn two_publishers_of_the_same_events_store_each_once() {
    let server = NatsServer::start();
    let (a, b) = (server.relay().await, server.connect(User::Relay).await);
    // The same 2 000 events, delivered to two subscriptions (other uuids).
    let (la, lb) = (event_lines(2000, "sub-a"), event_lines(2000, "sub-b"));
    let (pa, pb) = (publisher(&a, "r1"), publisher(&b, "r2"));
    tokio::join!(publish_all(&pa, &la), publish_all(&pb, &lb));
    let (sa, sb) = tokio::join!(
        pa.close(Duration::from_secs(30)),
        pb.close(Duration::from_secs(30))
    );
    assert_eq!(sa.stored + sb.stored, 2000, "{sa:?} {sb:?}");
    assert_eq!(sa.duplicates + sb.duplicates, 2000, "{sa:?} {sb:?}");
    assert_eq!(frames_in_stream(&a).await, 2000);
    let viewer = server.connect(User::Viewer).await;
    let got = read_all(&viewer, bounded(Start::First)).await;
    let mut ids: Vec<String> = got.iter().map(|l| msg_id(&l.line)).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2000, "each event once");
}
