//! Call Control against the simulator over real sockets: each endpoint changes the call
//! and emits the notifications the platform would; wrong states, unknown ids and bad
//! bodies get the platform's errors; rate limits answer 429 with Retry-After.

use crate::support as sim_support;

use calltop::sim::{CallKind, Faults, SimConfig};
use calltop::wire::StatusCode as Code;
use serde_json::{json, Value};
use sim_support::*;

/// No generator, no random extras, long talk: calls wait for the test.
fn quiet() -> SimConfig {
    SimConfig {
        generate_calls: false,
        extras: false,
        talk_secs: (20_000.0, 20_001.0),
        ..fast()
    }
}

const S: &str = "/restapi/v1.0/account/~/telephony/sessions";

fn code_of(n: &Value) -> String {
    n["body"]["parties"][0]["status"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn party_of(n: &Value) -> &Value {
    &n["body"]["parties"][0]
}

#[tokio::test]
async fn active_call_controls_emit_notifications() {
    let h = start(quiet()).await;
    let c = login(&h).await;
    let (mut ws, _) = c.connect(None).await;
    subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;
    let sid = h.start_call(CallKind::InboundIvr);
    let user = until_party(&h, &sid, |p| {
        p.extension_id.is_some()
            && p.direction.as_ref().map(|d| d.as_str()) == Some("Inbound")
            && p.status.as_ref().unwrap().code == Code::Answered
    })
    .await;
    let pid = user.id.clone();
    let base = format!("{S}/{sid}/parties/{pid}");
    let mine = |n: &Value, code: &str| {
        n["body"]["telephonySessionId"] == sid.as_str()
            && party_of(n)["id"] == pid.as_str()
            && code_of(n) == code
    };

    // hold → Hold; unhold → Answered
    let r = c.post(&format!("{base}/hold"), Some(json!({}))).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"]["code"], "Hold");
    assert!(body["owner"]["extensionId"].is_string());
    assert!(wait_for(&mut ws, 5, |n| mine(n, "Hold")).await.is_some());
    assert_eq!(c.post(&format!("{base}/unhold"), None).await.status(), 200);
    assert!(wait_for(&mut ws, 5, |n| mine(n, "Answered"))
        .await
        .is_some());

    // mute via PATCH party (flat body)
    let r = c.patch(&base, json!({"muted": true})).await;
    assert_eq!(r.status(), 200);
    assert!(wait_for(&mut ws, 5, |n| party_of(n)["id"] == pid.as_str()
        && party_of(n)["muted"] == true)
    .await
    .is_some());
    assert_eq!(c.patch(&base, json!({"muted": "yes"})).await.status(), 400);

    // recordings: start (201), pause (200), unknown id (404)
    let r = c.post(&format!("{base}/recordings"), None).await;
    assert_eq!(r.status(), 201);
    let rec: Value = r.json().await.unwrap();
    assert_eq!(rec["active"], true);
    let rid = rec["id"].as_str().unwrap().to_string();
    assert!(wait_for(&mut ws, 5, |n| party_of(n)["recordings"][0]["id"]
        == rid.as_str())
    .await
    .is_some());
    let r = c
        .patch(
            &format!("{base}/recordings/{rid}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        wait_for(&mut ws, 5, |n| party_of(n)["recordings"][0]["active"]
            == false)
        .await
        .is_some()
    );
    assert_eq!(
        c.patch(&format!("{base}/recordings/999"), json!({"active": true}))
            .await
            .status(),
        404
    );

    // park → Parked with park.id; pickup → Answered (Pickup) on a new party
    let r = c.post(&format!("{base}/park"), None).await;
    assert_eq!(r.status(), 201);
    let parked: Value = r.json().await.unwrap();
    let orbit = parked["park"]["id"].as_str().unwrap().to_string();
    assert!(orbit.starts_with("*8"));
    let n = wait_for(&mut ws, 5, |n| mine(n, "Parked")).await.unwrap();
    assert_eq!(party_of(&n)["park"]["id"], orbit.as_str());
    assert_eq!(
        c.post(&format!("{base}/hold"), None).await.status(),
        409,
        "hold on a parked party"
    );
    let r = c
        .post(
            &format!("{base}/pickup"),
            Some(json!({"deviceId": "210074566016"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let picked: Value = r.json().await.unwrap();
    assert_eq!(picked["status"]["reason"], "Pickup");
    let new_pid = picked["id"].as_str().unwrap().to_string();
    assert!(
        wait_for(&mut ws, 5, |n| party_of(n)["id"] == new_pid.as_str()
            && code_of(n) == "Answered")
        .await
        .is_some()
    );

    // blind transfer → transferring party Disconnected/BlindTransfer, new party ringing at target
    let r = c
        .post(
            &format!("{S}/{sid}/parties/{new_pid}/transfer"),
            Some(json!({"extensionNumber": "103"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(
        (t["status"]["code"].as_str(), t["status"]["reason"].as_str()),
        (Some("Disconnected"), Some("BlindTransfer"))
    );
    let n = wait_for(&mut ws, 5, |n| {
        party_of(n)["id"] == new_pid.as_str() && code_of(n) == "Disconnected"
    })
    .await
    .unwrap();
    assert_eq!(party_of(&n)["status"]["reason"], "BlindTransfer");
    let ring = wait_for(&mut ws, 5, |n| {
        n["body"]["telephonySessionId"] == sid.as_str() && code_of(n) == "Setup"
    })
    .await
    .unwrap();
    assert_eq!(party_of(&ring)["extensionId"], "62242402016", "ext 103");
    assert_eq!(
        c.post(
            &format!("{S}/{sid}/parties/{new_pid}/transfer"),
            Some(json!({}))
        )
        .await
        .status(),
        400
    );

    // hang up the whole call → every live party Disconnected; then 404
    assert_eq!(c.delete(&format!("{S}/{sid}")).await.status(), 204);
    assert!(wait_for(&mut ws, 5, |n| n["body"]["telephonySessionId"]
        == sid.as_str()
        && code_of(n) == "Disconnected"
        && party_of(n)["extensionId"].is_null())
    .await
    .is_some());
    let end = h.call_states().into_iter().find(|s| s.id == sid).unwrap();
    assert!(end
        .parties
        .iter()
        .all(|p| p.status.as_ref().unwrap().code.is_terminal()));
    assert_eq!(c.get(&format!("{S}/{sid}")).await.status(), 404);
    h.shutdown().await;
}

#[tokio::test]
async fn ringing_controls_wrong_states_and_unknown_ids() {
    let h = start(SimConfig {
        time_scale: 1.0,
        ..quiet()
    })
    .await;
    let c = login(&h).await;
    let (mut ws, _) = c.connect(None).await;
    subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;

    // Internal call: the callee rings for seconds at time scale 1.
    let sid = h.start_call(CallKind::Internal);
    let callee = until_party(&h, &sid, |p| {
        p.id.ends_with("-2") && p.status.as_ref().unwrap().code == Code::Proceeding
    })
    .await;
    let base = format!("{S}/{sid}/parties/{}", callee.id);
    let r = c.post(&format!("{base}/hold"), None).await;
    assert_eq!(r.status(), 409, "hold on a ringing party");
    assert_eq!(r.json::<Value>().await.unwrap()["errorCode"], "TAS-106");
    assert_eq!(
        c.post(
            &format!("{base}/transfer"),
            Some(json!({"extensionNumber": "104"}))
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        c.post(
            &format!("{base}/forward"),
            Some(json!({"phoneNumber": "+14155550123"}))
        )
        .await
        .status(),
        200
    );
    let n = wait_for(&mut ws, 5, |n| {
        party_of(n)["id"] == callee.id.as_str() && code_of(n) == "Disconnected"
    })
    .await
    .unwrap();
    assert_eq!(party_of(&n)["status"]["reason"], "BlindTransfer");
    let fwd = wait_for(&mut ws, 5, |n| {
        n["body"]["telephonySessionId"] == sid.as_str()
            && code_of(n) == "Proceeding"
            && party_of(n)["to"]["phoneNumber"] == "+14155550123"
    })
    .await;
    assert!(fwd.is_some(), "forwarded party rings at the PSTN number");

    // Reject → 204, the callee leaves (missed) and voicemail picks up.
    let sid2 = h.start_call(CallKind::Internal);
    let callee2 = until_party(&h, &sid2, |p| {
        p.id.ends_with("-2") && p.status.as_ref().unwrap().code == Code::Proceeding
    })
    .await;
    assert_eq!(
        c.post(&format!("{S}/{sid2}/parties/{}/reject", callee2.id), None)
            .await
            .status(),
        204
    );
    let n = wait_for(&mut ws, 5, |n| {
        party_of(n)["id"] == callee2.id.as_str() && code_of(n) == "Disconnected"
    })
    .await
    .unwrap();
    assert_eq!(party_of(&n)["missedCall"], true);
    assert!(wait_for(&mut ws, 5, |n| n["body"]["telephonySessionId"]
        == sid2.as_str()
        && code_of(n) == "Voicemail")
    .await
    .is_some());
    assert_eq!(
        c.post(&format!("{S}/{sid2}/parties/{}/reject", callee2.id), None)
            .await
            .status(),
        409,
        "already gone"
    );

    // Answer a ringing party through the API.
    let sid3 = h.start_call(CallKind::Internal);
    let callee3 = until_party(&h, &sid3, |p| {
        p.id.ends_with("-2") && p.status.as_ref().unwrap().code == Code::Proceeding
    })
    .await;
    let r = c
        .post(
            &format!("{S}/{sid3}/parties/{}/answer", callee3.id),
            Some(json!({"deviceId": "1"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        wait_for(&mut ws, 5, |n| party_of(n)["id"] == callee3.id.as_str()
            && code_of(n) == "Answered")
        .await
        .is_some()
    );

    // Unknown ids, bad bodies, unknown routes.
    assert_eq!(
        c.post(&format!("{S}/s-nope/parties/p-1/hold"), None)
            .await
            .status(),
        404
    );
    let r = c
        .post(&format!("{S}/{sid3}/parties/p-nope/hold"), None)
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["errorCode"],
        "CMN-102"
    );
    let r = c
        .http
        .post(c.url(&format!("{S}/{sid3}/parties/{}/transfer", callee3.id)))
        .bearer_auth(&c.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        c.post(
            &format!("{S}/{sid3}/parties/{}/bridge", callee3.id),
            Some(json!({}))
        )
        .await
        .status(),
        400
    );
    assert_eq!(c.get("/restapi/v1.0/nowhere").await.status(), 404);
    assert_eq!(
        c.delete(&format!("{S}/{sid3}/parties/{}", callee3.id))
            .await
            .status(),
        409,
        "only parked/supervising parties"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn attended_transfer_bridge_gives_gone_with_peer_ids() {
    let h = start(quiet()).await;
    let c = login(&h).await;
    let (mut ws, _) = c.connect(None).await;
    subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;
    let a = h.start_call(CallKind::Internal);
    let b = h.start_call(CallKind::Internal);
    let answered = |p: &calltop::wire::Party| {
        p.id.ends_with("-2") && p.status.as_ref().unwrap().code == Code::Answered
    };
    let pa = until_party(&h, &a, answered).await;
    let pb = until_party(&h, &b, answered).await;
    let r = c
        .post(
            &format!("{S}/{a}/parties/{}/bridge", pa.id),
            Some(json!({"telephonySessionId": b, "partyId": pb.id})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let n = wait_for(&mut ws, 5, |n| {
        party_of(n)["id"] == pa.id.as_str() && code_of(n) == "Gone"
    })
    .await
    .unwrap();
    assert_eq!(party_of(&n)["status"]["reason"], "AttendedTransfer");
    assert_eq!(party_of(&n)["status"]["peerId"]["partyId"], pb.id.as_str());
    let n = wait_for(&mut ws, 5, |n| {
        party_of(n)["id"] == pb.id.as_str() && code_of(n) == "Gone"
    })
    .await
    .unwrap();
    assert_eq!(
        party_of(&n)["status"]["peerId"]["telephonySessionId"],
        a.as_str()
    );
    // Supervise the caller of call b's agent.
    h.shutdown().await;
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let h = start(SimConfig {
        light_limit_per_min: 3,
        ..quiet()
    })
    .await;
    let c = login(&h).await;
    for i in 0..3 {
        let r = c.get("/restapi/v1.0/account/~/extension/~").await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-rate-limit-group"], "light");
        assert_eq!(
            r.headers()["x-rate-limit-remaining"],
            (2 - i).to_string().as_str()
        );
    }
    let r = c.get("/restapi/v1.0/account/~/extension/~").await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "60");
    assert_eq!(r.headers()["x-rate-limit-limit"], "3");
    assert_eq!(r.json::<Value>().await.unwrap()["errorCode"], "CMN-301");
    // Auth group is counted separately; forced 429s hit any group.
    assert_eq!(c.post("/restapi/oauth/wstoken", None).await.status(), 200);
    h.set_faults(Faults {
        force_429_every: Some(1),
        ..Faults::default()
    });
    let r = c.post("/restapi/oauth/wstoken", None).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    h.shutdown().await;
}
