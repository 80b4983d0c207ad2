//! The relay room against a real nats-server (Debian's 2.9.10 in CI): setup on 2.9,
//! exactly-once publishing, reading, keyframes, control, permissions, audit, restarts and
//! failover.
#![cfg(feature = "nats")]

use crate::support as relay_support;

use calltop::relay::{
    self, AuditPhase, ControlCall, ControlClient, ControlError, ControlHandler, ControlReply,
    ControlServer, KeyframeError, KeyframeWrite, Keyframes, Kind, Outgoing, PublishStats,
    Publisher, PublisherConfig, ReadOptions, Start, StreamReader, Subjects,
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

#[tokio::test]
async fn reads_from_a_sequence_or_a_time_bounded_or_following() {
    let server = NatsServer::start();
    let relay_conn = server.relay().await;
    let viewer = server.connect(User::Viewer).await;
    let lines = event_lines(100, "sub");
    let p = publisher(&relay_conn, "r1");
    publish_all(&p, &lines[..50]).await;
    wait_until(10, "50 stored", || async {
        p.stats().borrow().stored == 50
    })
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let since = Ts::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    publish_all(&p, &lines[50..]).await;
    wait_until(10, "100 stored", || async {
        p.stats().borrow().stored == 100
    })
    .await;

    let all = read_all(&viewer, bounded(Start::First)).await;
    let text: Vec<&str> = all.iter().map(|l| l.line.as_str()).collect();
    let want: Vec<&str> = lines.iter().map(|l| l.trim_end()).collect();
    assert_eq!(
        text, want,
        "the stream reads back as the recording lines, in order"
    );
    assert!(all.iter().all(|l| l.kind == Kind::Event));
    let from_seq = read_all(&viewer, bounded(Start::Seq(21))).await;
    assert_eq!(from_seq.len(), 80);
    assert_eq!(from_seq[0].seq, 21);
    let from_time = read_all(&viewer, bounded(Start::Since(since))).await;
    assert_eq!(from_time.len(), 50);
    assert_eq!(from_time[0].line, want[50]);
    assert!(read_all(&viewer, bounded(Start::Seq(1000)))
        .await
        .is_empty());
    let text = StreamReader::open(&viewer.js, &names(), bounded(Start::Seq(99)))
        .await
        .unwrap()
        .read_to_string()
        .await
        .unwrap();
    assert_eq!(text, format!("{}\n{}\n", want[98], want[99]));

    // Bounded: lines published after opening are not read.
    let mut r = StreamReader::open(&viewer.js, &names(), bounded(Start::Seq(91)))
        .await
        .unwrap();
    assert_eq!(r.pending_at_open(), 10);
    let more = event_lines(120, "sub");
    publish_all(&p, &more[100..]).await;
    let mut n = 0;
    while let Some(l) = r.next().await {
        l.unwrap();
        n += 1;
    }
    assert_eq!(n, 10);

    // Following: from a keyframe's seq + 1, then live.
    let mut live = StreamReader::open(
        &viewer.js,
        &names(),
        ReadOptions {
            start: Start::Seq(101),
            follow: true,
            subjects: Subjects::Frames,
        },
    )
    .await
    .unwrap();
    for i in 101..=120u64 {
        let l = tokio::time::timeout(Duration::from_secs(10), live.next())
            .await
            .expect("live line")
            .unwrap()
            .unwrap();
        assert_eq!(l.seq, i);
    }
    publish_all(&p, &event_lines(121, "sub")[120..]).await;
    let l = tokio::time::timeout(Duration::from_secs(10), live.next())
        .await
        .expect("a line published after opening")
        .unwrap()
        .unwrap();
    assert_eq!(l.seq, 121);
    p.close(Duration::from_secs(10)).await;
}

#[tokio::test]
async fn missing_stream_is_a_clear_error() {
    let server = NatsServer::start();
    let viewer = server.connect(User::Viewer).await;
    let e = StreamReader::open(&viewer.js, &names(), bounded(Start::First))
        .await
        .err()
        .expect("no stream");
    assert!(matches!(e, relay::RelayError::NoStream(_)), "{e}");
}

#[tokio::test]
async fn keyframes_round_trip_and_bad_ones_are_never_trusted() {
    let server = NatsServer::start();
    let relay_conn = server.relay().await;
    let viewer = server.connect(User::Viewer).await;
    let w = Keyframes::open(&relay_conn.js, &names()).await.unwrap();
    let r = Keyframes::open(&viewer.js, &names()).await.unwrap();
    assert!(matches!(r.get(1).await, Err(KeyframeError::Missing)));

    // 2 MiB: past KV's 1 MiB max_payload, hence the object store.
    let big: Vec<u8> = (0..2u32 << 20).map(|i| (i % 251) as u8).collect();
    let KeyframeWrite::Written(first) = w.put("r1", 1, 10, &big).await.unwrap() else {
        panic!("written")
    };
    let got = r.get(1).await.unwrap();
    assert_eq!((got.seq, got.version, got.relay.as_str()), (10, 1, "r1"));
    assert!(got.bytes == big);
    assert!(matches!(
        r.get(2).await,
        Err(KeyframeError::OtherVersion {
            found: 1,
            expected: 2
        })
    ));
    assert_eq!(
        w.put("r2", 1, 5, b"older").await.unwrap(),
        KeyframeWrite::Behind { current: 10 }
    );
    let KeyframeWrite::Written(second) = w.put("r2", 1, 20, b"newer").await.unwrap() else {
        panic!("written")
    };
    assert_eq!(r.get(1).await.unwrap().bytes, b"newer");
    let objects = relay_conn
        .js
        .get_object_store(names().objects())
        .await
        .unwrap();
    assert!(
        objects.get(&first.object).await.is_err(),
        "the replaced keyframe's object is deleted"
    );

    // Bytes that do not match the pointer's digest.
    let mut evil: &[u8] = b"tampered";
    objects
        .put(second.object.as_str(), &mut evil)
        .await
        .unwrap();
    let e = r.get(1).await.err().unwrap();
    assert!(matches!(e, KeyframeError::Corrupt(_)), "{e}");
    // A pointer that is not one.
    let kv = relay_conn.js.get_key_value(names().kv()).await.unwrap();
    kv.put(relay::keyframe::KEY, "{not json".into())
        .await
        .unwrap();
    let e = r.get(1).await.err().unwrap();
    assert!(matches!(e, KeyframeError::Corrupt(_)), "{e}");
    // A reader may not write keyframes.
    assert!(r.put("viewer", 1, 30, b"x").await.is_err());
}

/// Counts applications per request id; each takes `delay`.
struct Counting {
    applied: Arc<AtomicU64>,
    delay: Duration,
}

impl ControlHandler for Counting {
    fn target(&self, call: &ControlCall) -> (Map<String, Value>, Result<(), String>) {
        match call.payload["session"].as_str() {
            Some(s) => (Map::from_iter([("session".to_string(), json!(s))]), Ok(())),
            None => (Map::new(), Err("no session".into())),
        }
    }

    fn apply(&self, call: &ControlCall) -> impl std::future::Future<Output = Value> + Send {
        self.applied.fetch_add(1, Ordering::SeqCst);
        let (delay, verb) = (self.delay, call.verb.clone());
        async move {
            tokio::time::sleep(delay).await;
            json!({"ok": true, "verb": verb})
        }
    }
}

async fn control_relay(server: &NatsServer, id: &str, applied: &Arc<AtomicU64>) -> ControlServer {
    let conn = server.relay().await;
    let handler = Counting {
        applied: applied.clone(),
        delay: Duration::from_millis(400),
    };
    ControlServer::start(&conn, &names(), id, handler)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retried_request_is_applied_once_and_audited_as_the_user() {
    let server = NatsServer::start();
    let applied = Arc::new(AtomicU64::new(0));
    let alice_conn = server.connect(User::Alice).await;
    let alice = ControlClient::new(&alice_conn, &names()).unwrap();
    // Before any relay serves the account.
    relay::ensure(&server.connect(User::Relay).await.js, &names(), &settings())
        .await
        .unwrap();
    assert_eq!(alice.ping().await, Err(ControlError::NoRelay));
    // Two relays in the queue group: a retry may reach the other one.
    let _r1 = control_relay(&server, "r1", &applied).await;
    let _r2 = control_relay(&server, "r2", &applied).await;
    alice.ping().await.unwrap();

    let id = ControlClient::new_request_id();
    let payload = json!({"session": "s-1", "party": "p-1"});
    let impatient = alice.clone().with_timeout(Duration::from_millis(100));
    assert_eq!(
        impatient.request("hold", &id, payload.clone()).await,
        Err(ControlError::TimedOut)
    );
    let mut replies = Vec::new();
    for _ in 0..4 {
        replies.push(alice.request("hold", &id, payload.clone()).await.unwrap());
    }
    assert_eq!(
        applied.load(Ordering::SeqCst),
        1,
        "applied once: {replies:?}"
    );
    for r in &replies {
        match r {
            ControlReply::Done {
                request_id,
                result,
                replayed,
            } => {
                assert_eq!(request_id, &id);
                assert_eq!(result["verb"], "hold");
                assert!(replayed);
            }
            other => panic!("{other:?}"),
        }
    }
    // Another request id is another action; a bad one is refused, unapplied and audited.
    let other = alice
        .request("hold", &ControlClient::new_request_id(), payload.clone())
        .await
        .unwrap();
    assert!(matches!(
        other,
        ControlReply::Done {
            replayed: false,
            ..
        }
    ));
    let refused = alice
        .request("hold", &ControlClient::new_request_id(), json!({}))
        .await
        .unwrap();
    assert!(
        matches!(refused, ControlReply::Refused { .. }),
        "{refused:?}"
    );
    assert_eq!(applied.load(Ordering::SeqCst), 2);

    // The audit, read by a viewer: who, what, on what, and the result; once per phase.
    let viewer = server.connect(User::Viewer).await;
    let mut audit = relay::audit::AuditReader::open(&viewer.js, &names(), Start::First, false)
        .await
        .unwrap();
    let mut records = Vec::new();
    while let Some(r) = audit.next().await {
        records.push(r.unwrap().1.audit);
    }
    let mine: Vec<_> = records.iter().filter(|a| a.request_id == id).collect();
    assert_eq!(mine.len(), 2, "{records:?}");
    assert!(mine.iter().all(|a| a.by == "alice" && a.verb == "hold"));
    assert_eq!(mine[0].phase, AuditPhase::Sent);
    assert_eq!(mine[0].target["session"], "s-1");
    assert_eq!(mine[1].phase, AuditPhase::Result);
    assert_eq!(mine[1].outcome.as_ref().unwrap()["ok"], true);
    assert_eq!(
        records
            .iter()
            .filter(|a| a.phase == AuditPhase::Refused)
            .count(),
        1
    );
    assert_eq!(records.len(), 5);
}

#[tokio::test]
async fn the_broker_refuses_control_from_users_who_may_not() {
    let server = NatsServer::start();
    let applied = Arc::new(AtomicU64::new(0));
    let _r = control_relay(&server, "r1", &applied).await;
    let payload = json!({"session": "s-1"});

    let viewer_conn = server.connect(User::Viewer).await;
    let viewer = ControlClient::new(&viewer_conn, &names())
        .unwrap()
        .with_timeout(Duration::from_secs(5));
    let started = std::time::Instant::now();
    assert_eq!(viewer.ping().await, Err(ControlError::NotPermitted));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "refused at once, not after the timeout"
    );
    let e = viewer
        .request("hangup", "r-1", payload.clone())
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "not permitted");

    // alice may not act as bob: the subject's user token is what permissions check.
    let mut as_bob = options(User::Alice);
    as_bob.user = Some("bob".into());
    let spoof_conn = relay::connect(&[server.addr()], false, &as_bob)
        .await
        .unwrap();
    let spoof = ControlClient::new(&spoof_conn, &names()).unwrap();
    assert_eq!(
        spoof.request("hold", "r-2", payload.clone()).await,
        Err(ControlError::NotPermitted)
    );
    // Nor write frames, nor keyframes.
    let out = Outgoing::from_line(event_line("s-x", 1, "u")).unwrap();
    assert!(
        relay::publish::publish_acked(&viewer_conn.js, &names(), "viewer", &out)
            .await
            .is_err()
    );
    assert_eq!(applied.load(Ordering::SeqCst), 0);
    // bob acting as bob is fine.
    let bob_conn = server.connect(User::Bob).await;
    let bob = ControlClient::new(&bob_conn, &names()).unwrap();
    assert!(matches!(
        bob.request("hold", "r-3", payload).await.unwrap(),
        ControlReply::Done { .. }
    ));
}

#[tokio::test]
async fn the_publisher_survives_a_broker_restart() {
    let mut server = NatsServer::start();
    let conn = server.relay().await;
    let p = publisher(&conn, "r1");
    let lines = event_lines(600, "sub");
    publish_all(&p, &lines[..200]).await;
    wait_until(10, "first lines stored", || async {
        p.stats().borrow().stored == 200
    })
    .await;
    let port = server.port();
    server.stop();
    // Published while the broker is down: queued, retried with backoff.
    let feeder = {
        let rest = lines[200..].to_vec();
        let p_tx = &p;
        async move {
            for l in rest {
                p_tx.send(Outgoing::from_line(l).unwrap()).await;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    };
    let restart = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        server.restart();
        assert_eq!(server.port(), port);
    };
    tokio::join!(feeder, restart);
    let stats: PublishStats = p.close(Duration::from_secs(60)).await;
    eprintln!("after the restart: {stats:?}");
    assert_eq!(stats.pending, 0, "{stats:?}");
    assert_eq!(stats.stored + stats.duplicates, 600, "{stats:?}");
    let viewer = server.connect(User::Viewer).await;
    let got = read_all(&viewer, bounded(Start::First)).await;
    let mut ids: Vec<String> = got.iter().map(|l| msg_id(&l.line)).collect();
    assert_eq!(ids.len(), 600, "none lost, none twice ({stats:?})");
    // Each call's lines are stored in the order the relay had them, even those lost with
    // the connection and sent again after lines of other calls.
    let sent: Vec<String> = lines.iter().map(|l| msg_id(l)).collect();
    assert_eq!(
        by_session(&ids),
        by_session(&sent),
        "one call's lines out of order"
    );
    // Lines of other calls may overtake a lost line: reported, not asserted.
    eprintln!("all lines in the relay's order: {}", ids == sent);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 600);
}

/// Event dedup ids (`ev.<session>.<seq>`) grouped by call session, each call's in its
/// first order.
fn by_session(ids: &[String]) -> Vec<String> {
    let mut v = ids.to_vec();
    v.sort_by_key(|id| id.rsplit_once('.').map(|(s, _)| s.to_string()));
    v
}

#[tokio::test]
async fn two_relays_one_killed_the_board_sees_no_gap() {
    let server = NatsServer::start();
    let (a, b) = (server.relay().await, server.connect(User::Relay).await);
    let viewer = server.connect(User::Viewer).await;
    let mut board = StreamReader::open(
        &viewer.js,
        &names(),
        ReadOptions {
            start: Start::First,
            follow: true,
            subjects: Subjects::Frames,
        },
    )
    .await
    .unwrap();
    let n = 1500u64;
    let (la, lb) = (event_lines(n, "sub-a"), event_lines(n, "sub-b"));
    let (pa, pb) = (publisher(&a, "r1"), publisher(&b, "r2"));
    // Relay A's publisher holds its only connection.
    drop(a);
    let relays = async {
        for i in 0..n as usize {
            if i == 500 {
                // Relay A dies: its connection drops, unacked frames with it.
                pa.abort();
            }
            if i < 500 {
                pa.send(Outgoing::from_line(la[i].clone()).unwrap()).await;
            }
            pb.send(Outgoing::from_line(lb[i].clone()).unwrap()).await;
            if i % 50 == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    let reading = async {
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut last_seq = 0;
        while seen.len() < n as usize {
            let l = tokio::time::timeout(Duration::from_secs(20), board.next())
                .await
                .expect("the board keeps receiving")
                .unwrap()
                .unwrap();
            assert_eq!(l.seq, last_seq + 1, "no gap in the stream");
            last_seq = l.seq;
            *seen.entry(msg_id(&l.line)).or_default() += 1;
        }
        seen
    };
    let ((), seen) = tokio::join!(relays, reading);
    assert!(seen.values().all(|&c| c == 1), "each event once");
    let stats = pb.close(Duration::from_secs(30)).await;
    assert_eq!(stats.stored + stats.duplicates, n, "{stats:?}");
    assert_eq!(frames_in_stream(&b).await, n);
}

#[tokio::test]
async fn a_relay_started_while_the_broker_is_down_publishes_once_it_is_up() {
    let mut server = NatsServer::start();
    drop(server.relay().await);
    server.stop();
    // Connecting returns at once and goes on in the background, with backoff.
    let mut opts = options(User::Relay);
    opts.wait_for_server = true;
    let conn = tokio::time::timeout(
        Duration::from_secs(5),
        relay::connect(&[server.addr()], false, &opts),
    )
    .await
    .expect("connect does not wait for the broker")
    .unwrap();
    let p = publisher(&conn, "r1");
    publish_all(&p, &event_lines(50, "sub")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(p.stats().borrow().stored, 0);
    server.restart();
    wait_until(30, "the queued lines stored", || async {
        p.stats().borrow().stored == 50
    })
    .await;
    assert_eq!(frames_in_stream(&conn).await, 50);
}

/// Why the user is the subject's token: on 2.9 a message carries only the headers its
/// sender wrote (spoofable), and the server adds no identity of its own.
#[tokio::test]
async fn the_broker_adds_no_identity_to_a_message_so_the_subject_carries_it() {
    use futures_util::StreamExt;
    let server = NatsServer::start();
    let relay_conn = server.connect(User::Relay).await;
    let mut sub = relay_conn
        .client
        .subscribe(names().ctl_any())
        .await
        .unwrap();
    relay_conn.client.flush().await.unwrap();
    let alice = server.connect(User::Alice).await;
    let mut h = async_nats::HeaderMap::new();
    h.insert("Calltop-User", "bob");
    alice
        .client
        .publish_with_headers(names().ctl("alice", "hold"), h, "{}".into())
        .await
        .unwrap();
    alice.client.flush().await.unwrap();
    let m = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .unwrap()
        .unwrap();
    let headers = m.headers.unwrap();
    let keys: Vec<String> = headers.iter().map(|(k, _)| k.to_string()).collect();
    eprintln!("headers the relay sees: {keys:?}");
    assert_eq!(
        keys,
        vec!["Calltop-User".to_string()],
        "only what alice wrote"
    );
    assert_eq!(names().parse_ctl(&m.subject), Some(("alice", "hold")));
}

/// Lines sent before the broker is up and before the stream exists all fail at once
/// when it comes back ("no stream"): they back off together and go out together once
/// the stream is there, not one backoff after another.
#[tokio::test]
async fn lines_refused_before_the_stream_exists_go_out_once_it_does() {
    let mut server = NatsServer::start();
    server.stop();
    let mut opts = options(User::Relay);
    opts.wait_for_server = true;
    let conn = relay::connect(&[server.addr()], false, &opts)
        .await
        .unwrap();
    let p = publisher(&conn, "r1");
    publish_all(&p, &event_lines(200, "sub")).await;
    server.restart();
    // The first line is refused again and again; the others wait behind it.
    wait_until(30, "the refusals", || async {
        p.stats().borrow().retries.total() >= 3
    })
    .await;
    relay::ensure(&conn.js, &names(), &settings())
        .await
        .unwrap();
    wait_until(30, "every line stored", || async {
        p.stats().borrow().stored == 200
    })
    .await;
    assert_eq!(frames_in_stream(&conn).await, 200);
}

/// The README's sample nats-server config grants each role what `relay::Names` says
/// it needs (the permissions every test here runs with).
#[test]
fn the_readme_shows_each_roles_permissions() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let n = relay::Names::new("480201016").unwrap();
    let mut missing = Vec::new();
    for (user, p) in [
        ("relay", n.relay_permissions("relay")),
        ("alice", n.supervisor_permissions("alice", None)),
        ("viewer", n.reader_permissions("viewer")),
    ] {
        let line = format!(
            "{{ user: {user:?}, password: ${}_PASSWORD, permissions: {} }}",
            user.to_uppercase(),
            p.to_server_config()
        );
        if !readme.contains(&line) {
            missing.push(line);
        }
    }
    assert!(
        missing.is_empty(),
        "the README lacks\n{}",
        missing.join("\n")
    );
}
