//! The simulator over real loopback sockets: OAuth, wstoken, the gateway, subscriptions,
//! notifications, heartbeats, Error frames and session recovery.

use crate::support as sim_support;

use calltop::sim::{Faults, ACCOUNT_ID};
use serde_json::{json, Value};
use sim_support::*;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

#[tokio::test]
async fn token_wstoken_socket_subscribe_notifications() {
    let h = start(fast()).await;
    let c = login(&h).await;
    let (mut ws, cd) = c.connect(None).await;
    assert!(cd[0]["wsc"]["token"].is_string());
    assert!(
        cd[1].get("recoveryState").is_none(),
        "no recoveryState on a fresh connect"
    );
    assert_eq!(cd[1]["recoveryBufferSize"], 100);
    assert!(cd[1]["creationTime"].as_str().unwrap().ends_with("+0000"));

    let sub = subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;
    send(&mut ws, json!([{"type": "Heartbeat", "messageId": "hb-1"}])).await;

    let mut last: HashMap<String, i64> = HashMap::new();
    let mut heartbeat = false;
    let mut n = 0;
    while n < 60 {
        let f = next_json(&mut ws).await.expect("frames keep coming");
        match f[0]["type"].as_str().unwrap() {
            "Heartbeat" => {
                assert_eq!(f[0]["messageId"], "hb-1");
                heartbeat = true;
            }
            "ServerNotification" => {
                n += 1;
                let e: calltop::wire::Notification = serde_json::from_value(f[1].clone()).unwrap();
                assert_eq!(f[0]["messageId"], e.envelope.uuid.clone().unwrap().as_str());
                assert_eq!(e.envelope.subscription_id.as_deref(), Some(sub.as_str()));
                assert_eq!(e.body.parties.len(), 1, "one party per event");
                let p = &e.body.parties[0];
                let path = e.envelope.event.unwrap();
                assert_eq!(
                    path.contains("/extension/"),
                    p.extension_id.is_some(),
                    "{path}"
                );
                let seq = e.body.sequence.unwrap();
                match last.get(&e.body.telephony_session_id) {
                    None => assert_eq!(seq, 2, "sequence starts at 2"),
                    Some(prev) => assert_eq!(seq, prev + 1, "sequence rises by one"),
                }
                last.insert(e.body.telephony_session_id.clone(), seq);
                assert!(e.body.event_time.is_some());
            }
            other => panic!("unexpected frame {other}: {f}"),
        }
    }
    assert!(heartbeat, "heartbeat echoed");
    assert!(last.len() >= 2, "several calls seen");
    h.shutdown().await;
}

#[tokio::test]
async fn oauth_errors_refresh_revoke_and_single_use_wstoken() {
    let h = start(fast()).await;
    let r = token_raw(
        &h,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", "nope"),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    assert_eq!(e["errors"][0]["errorCode"], "OAU-140");

    let c = login(&h).await;
    // Bearer checks with the platform's 401 bodies.
    let r = reqwest::Client::new()
        .get(c.url("/restapi/v1.0/account/~/extension/~"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["errorCode"], "AGW-401");
    let r = reqwest::Client::new()
        .get(c.url("/restapi/v1.0/account/~/extension/~"))
        .bearer_auth("bogus")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["errorCode"], "OAU-129");
    let me: Value = c
        .get("/restapi/v1.0/account/~/extension/~")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["extensionNumber"], "101");

    // Refresh invalidates the previous access token.
    let r = token_raw(
        &h,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &c.refresh),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let t: calltop::wire::TokenResponse = r.json().await.unwrap();
    assert_eq!(
        c.get("/restapi/v1.0/account/~/extension/~").await.status(),
        401
    );
    let r = token_raw(
        &h,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &c.refresh),
        ],
    )
    .await;
    assert_eq!(r.status(), 400, "refresh tokens are single use");

    // wstoken is single use.
    let c2 = Client {
        token: t.access_token.clone(),
        ..login(&h).await
    };
    let wt = c2.wstoken().await;
    let url = format!("{}?access_token={}", wt.uri, wt.ws_access_token);
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    assert_eq!(
        next_json(&mut ws).await.unwrap()[0]["type"],
        "ConnectionDetails"
    );
    let (mut ws2, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    assert_eq!(next_json(&mut ws2).await.unwrap()[0]["type"], "Error");

    // Revoke ends the session.
    let creds = h.credentials();
    let r = reqwest::Client::new()
        .post(format!("{}/restapi/oauth/revoke", h.base_url()))
        .basic_auth(&creds.client_id, Some(&creds.client_secret))
        .form(&[("token", t.access_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        c2.get("/restapi/v1.0/account/~/extension/~").await.status(),
        401
    );
    h.shutdown().await;
}

#[tokio::test]
async fn bad_frames_get_error_frames_and_the_socket_keeps_serving() {
    let h = start(SimConfig {
        calls_per_minute: 0.0,
        ..fast()
    })
    .await;
    let c = login(&h).await;
    let (mut ws, _) = c.connect(None).await;
    use futures_util::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        "not json".into(),
    ))
    .await
    .unwrap();
    let f = next_json(&mut ws).await.unwrap();
    assert_eq!(f[0]["type"], "Error");
    assert_eq!(f[1]["errorCode"], "WSG-400");
    send(&mut ws, json!({"type": "Heartbeat"})).await;
    assert_eq!(next_json(&mut ws).await.unwrap()[0]["type"], "Error");
    send(
        &mut ws,
        json!([{"type": "ClientRequest", "messageId": "m1", "method": "POST", "path": "/restapi/v1.0/subscription"},
               {"eventFilters": ["bogus"], "deliveryMode": {"transportType": "WebSocket"}}]),
    )
    .await;
    let f = next_json(&mut ws).await.unwrap();
    assert_eq!(
        (f[0]["type"].as_str(), f[0]["status"].as_u64()),
        (Some("ClientRequest"), Some(400))
    );
    // REST over the socket works too.
    send(
        &mut ws,
        json!([{"type": "ClientRequest", "messageId": "m2", "method": "GET", "path": "/restapi/v1.0/account/~/extension/~"}]),
    )
    .await;
    let f = next_json(&mut ws).await.unwrap();
    assert_eq!(f[0]["status"], 200);
    assert_eq!(f[1]["extensionNumber"], "101");
    // Malformed wsc: Error frame, then the socket closes.
    let t = c.wstoken().await;
    let (mut bad, _) = tokio_tungstenite::connect_async(format!(
        "{}?access_token={}&wsc=%%%",
        t.uri, t.ws_access_token
    ))
    .await
    .unwrap();
    let f = next_json(&mut bad).await.unwrap();
    assert_eq!(f[1]["errorCode"], "WSG-400");
    h.shutdown().await;
}

use calltop::sim::SimConfig;

fn uuid_of(f: &Value) -> String {
    f["uuid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn recovery_replays_missed_notifications() {
    let h = start(SimConfig {
        calls_per_minute: 120.0,
        faults: Faults {
            drop_every: Some(Duration::from_millis(600)),
            ..Faults::default()
        },
        ..fast()
    })
    .await;
    let c = login(&h).await;
    let (mut ws, cd) = c.connect(None).await;
    let wsc = cd[0]["wsc"]["token"].as_str().unwrap().to_string();
    let start = h.emitted_uuids().len();
    let sub = subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;
    let mut got: HashSet<String> = HashSet::new();
    // Read until the simulator drops the socket (no close handshake).
    while let Some(f) = next_json(&mut ws).await {
        if f[0]["type"] == "ServerNotification" {
            got.insert(uuid_of(&f[1]));
        }
    }
    let before_gap = h.emitted_uuids().len();
    h.set_faults(Faults::default());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        h.emitted_uuids().len() > before_gap,
        "calls went on while disconnected"
    );
    let (mut ws, cd) = c.connect(Some(&wsc)).await;
    assert_eq!(cd[1]["recoveryState"], "Successful", "{cd}");
    h.stop_new_calls();
    for _ in 0..400 {
        if h.active_calls() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(h.active_calls(), 0);
    let emitted: Vec<String> = h.emitted_uuids()[start..].to_vec();
    while let Some(f) = wait_for(&mut ws, 1, |_| true).await {
        assert_eq!(
            f["subscriptionId"],
            sub.as_str(),
            "the subscription survived recovery"
        );
        got.insert(uuid_of(&f));
    }
    let missing: Vec<&String> = emitted.iter().filter(|u| !got.contains(*u)).collect();
    assert!(emitted.len() > 5, "traffic flowed during the gap");
    assert!(
        missing.is_empty(),
        "{} of {} missing after recovery",
        missing.len(),
        emitted.len()
    );
    h.shutdown().await;
}

#[tokio::test]
async fn recovery_fails_when_refused_or_too_late() {
    let h = start(SimConfig {
        recovery_timeout_secs: 1,
        ..fast()
    })
    .await;
    let c = login(&h).await;
    // Refused.
    let (mut ws, cd) = c.connect(None).await;
    let wsc = cd[0]["wsc"]["token"].as_str().unwrap().to_string();
    subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;
    drop(ws);
    h.set_faults(Faults {
        refuse_recovery: true,
        ..Faults::default()
    });
    let (mut ws, cd) = c.connect(Some(&wsc)).await;
    assert_eq!(cd[1]["recoveryState"], "Failed");
    assert_eq!(cd[1]["recoveryErrorCode"], "WSG-1005");
    assert_ne!(
        cd[0]["wsc"]["token"].as_str().unwrap(),
        wsc,
        "a new session context"
    );
    // Re-subscribing on the same socket works.
    h.set_faults(Faults::default());
    subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;
    assert!(wait_for(&mut ws, 10, |_| true).await.is_some());
    let wsc = cd[0]["wsc"]["token"].as_str().unwrap().to_string();
    drop(ws);
    // Too late: past the recovery window.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (_ws, cd) = c.connect(Some(&wsc)).await;
    assert_eq!(cd[1]["recoveryState"], "Failed");
    h.shutdown().await;
}

#[tokio::test]
async fn extension_and_presence_filters() {
    let h = start(SimConfig {
        extensions: 3,
        ..fast()
    })
    .await;
    let c = login(&h).await;
    let owner = h.call_states(); // touch the API
    drop(owner);
    let (mut ws, _) = c.connect(None).await;
    subscribe(
        &mut ws,
        &[
            "/restapi/v1.0/account/~/extension/~/telephony/sessions",
            "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true",
        ],
    )
    .await;
    let me = "62242400016";
    let mut presence = false;
    let mut sessions = 0;
    for _ in 0..400 {
        let Some(f) = wait_for(&mut ws, 10, |_| true).await else {
            break;
        };
        let event = f["event"].as_str().unwrap();
        if event.contains("/presence") {
            assert!(event.ends_with(&format!(
                "/extension/{me}/presence?detailedTelephonyState=true"
            )));
            assert_eq!(f["body"]["extensionId"], 62242400016u64);
            presence = true;
        } else {
            let sid = f["body"]["telephonySessionId"].as_str().unwrap();
            let call = h.call_states().into_iter().find(|s| s.id == sid).unwrap();
            assert!(
                call.parties
                    .iter()
                    .any(|p| p.extension_id.as_deref() == Some(me)),
                "extension filter delivers only calls of that extension"
            );
            sessions += 1;
        }
        if presence && sessions > 3 {
            break;
        }
    }
    assert!(
        presence && sessions > 3,
        "presence {presence}, session events {sessions}"
    );
    let p: Value = c
        .get("/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true")
        .await
        .json()
        .await
        .unwrap();
    assert!(p["activeCalls"].is_array());
    h.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_calls() {
    let mk = || SimConfig {
        generate_calls: false,
        ..fast()
    };
    let (a, b) = (start(mk()).await, start(mk()).await);
    // What the seed draws: an id's last 16 hex digits. The first 16 mix in the
    // millisecond the call was made (so a restarted simulator never hands out an id it
    // gave before), and two simulators on the system clock make theirs at different
    // milliseconds: comparing whole ids failed when a millisecond ended between them.
    let ids = |h: &calltop::sim::SimHandle| {
        (0..3)
            .map(|_| {
                let id = h.start_call(calltop::sim::CallKind::Queue);
                id[id.len() - 16..].to_string()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let first = |h: &calltop::sim::SimHandle| h.call_states()[0].parties[0].from.clone();
    assert_eq!(first(&a), first(&b));
    let c = start(SimConfig { seed: 8, ..mk() }).await;
    assert_ne!(ids(&a), ids(&c));
    for h in [a, b, c] {
        h.shutdown().await;
    }
}

/// Two simulators stand for two accounts (issue 27, item 3): with the same seed, the
/// second's account id is in every notification's path and party and in the REST
/// bodies, and none of its extension, queue or call ids is the first's.
#[tokio::test]
async fn two_account_ids_are_two_accounts() {
    const OTHER: &str = "730112016";
    let mk = |account_id: &str| SimConfig {
        account_id: account_id.into(),
        ..fast()
    };
    let (a, b) = (start(mk(ACCOUNT_ID)).await, start(mk(OTHER)).await);
    let mut ids = Vec::new();
    for (h, account) in [(&a, ACCOUNT_ID), (&b, OTHER)] {
        let c = login(h).await;
        let info: Value = c.get("/restapi/v1.0/account/~").await.json().await.unwrap();
        assert_eq!(info["id"].to_string(), account);
        let exts: Value = c
            .get("/restapi/v1.0/account/~/extension?perPage=1000")
            .await
            .json()
            .await
            .unwrap();
        let mut mine: Vec<String> = exts["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().map_or(e["id"].to_string(), str::to_string))
            .collect();
        assert!(mine.len() > 10, "{exts}");
        let other = if account == ACCOUNT_ID {
            OTHER
        } else {
            ACCOUNT_ID
        };
        let other_account = format!("/restapi/v1.0/account/{other}/extension");
        assert_eq!(c.get(&other_account).await.status(), 404, "{other_account}");
        let (mut ws, _) = c.connect(None).await;
        subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;
        let mut calls = std::collections::HashSet::new();
        while calls.len() < 3 {
            let n = wait_for(&mut ws, 10, |_| true)
                .await
                .expect("notifications");
            let path = n["event"].as_str().unwrap();
            assert!(
                path.starts_with(&format!("/restapi/v1.0/account/{account}/")),
                "{path}"
            );
            assert_eq!(n["body"]["parties"][0]["accountId"], account, "{n}");
            calls.insert(
                n["body"]["telephonySessionId"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        mine.extend(calls);
        ids.push(mine);
    }
    for id in &ids[1] {
        assert!(!ids[0].contains(id), "{id} is in both accounts");
    }
    // The default account's ids are the captures' (no prefix).
    assert!(ids[0].contains(&"62242400016".to_string()), "{:?}", ids[0]);
    for h in [a, b] {
        h.shutdown().await;
    }
}
