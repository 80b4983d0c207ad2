//! The call-outcome platform over real sockets: call-log records appear after each call
//! ends and join its telephony session party by party; recordings and voicemail link up;
//! the shapes are the spec's; the Heavy limit holds; the faults of this area.

use crate::support as sim_support;

use calltop::sim::{CallKind, Faults, GroundTruth, SimConfig};
use serde_json::{json, Value};
use sim_support::*;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

const A: &str = "/restapi/v1.0/account/~";

fn quiet() -> SimConfig {
    SimConfig {
        generate_calls: false,
        extras: false,
        agent_churn: false,
        talk_secs: (20_000.0, 20_001.0),
        call_log_delay_secs: 30.0,
        ..fast()
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn only(what: &str, v: &Value, allowed: &[&str]) {
    for k in keys(v) {
        assert!(
            allowed.contains(&k.as_str()),
            "{what}: unexpected field {k}: {v}"
        );
    }
}

const ENTRY: &[&str] = &[
    "startTime",
    "duration",
    "durationMs",
    "type",
    "internalType",
    "direction",
    "action",
    "result",
    "reason",
    "reasonDescription",
    "from",
    "to",
    "transport",
    "recording",
    "shortRecording",
    "message",
    "billing",
    "extension",
    "telephonySessionId",
    "partyId",
    "delegate",
];
const PARTY: &[&str] = &[
    "phoneNumber",
    "extensionNumber",
    "extensionId",
    "location",
    "name",
    "device",
    "dialerPhoneNumber",
    "dialedPhoneNumber",
];

fn record_shape(r: &Value, detailed: bool) {
    let mut allowed: Vec<&str> = ENTRY.to_vec();
    allowed.extend([
        "id",
        "uri",
        "sessionId",
        "legs",
        "lastModifiedTime",
        "deleted",
        "sipUuidInfo",
    ]);
    only("record", r, &allowed);
    for k in [
        "id",
        "uri",
        "sessionId",
        "startTime",
        "duration",
        "type",
        "direction",
        "action",
        "telephonySessionId",
    ] {
        assert!(r.get(k).is_some(), "record without {k}: {r}");
    }
    assert_eq!(
        r["legs"].is_array(),
        detailed,
        "legs only in the Detailed view"
    );
    assert!(r["uri"].as_str().unwrap().ends_with(if detailed {
        "?view=Detailed"
    } else {
        "?view=Simple"
    }));
    assert!(r["extension"]["id"].is_u64());
    only("from", &r["from"], PARTY);
    only("to", &r["to"], PARTY);
    for l in r["legs"].as_array().into_iter().flatten() {
        let mut allowed: Vec<&str> = ENTRY.to_vec();
        allowed.extend(["legType", "master", "extensionId", "sipUuidInfo"]);
        only("leg", l, &allowed);
        assert!(l["legType"].is_string() && l["master"].is_boolean());
    }
    if !r["recording"].is_null() {
        only(
            "recording",
            &r["recording"],
            &["id", "uri", "type", "contentUri"],
        );
        assert_eq!(keys(&r["recording"]).len(), 4, "all four are required");
    }
    if !r["message"].is_null() {
        assert_eq!(
            keys(&r["message"]),
            BTreeSet::from(["id".into(), "type".into(), "uri".into()])
        );
    }
}

/// Every record of the account call log (Detailed), following `navigation.nextPage`.
async fn all_records(c: &Client, query: &str) -> Vec<Value> {
    let mut url = format!("{A}/call-log?view=Detailed&perPage=1000&{query}");
    let mut out = Vec::new();
    loop {
        let r = c.get(&url).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-rate-limit-group"], "heavy");
        let v: Value = r.json().await.unwrap();
        assert!(
            v["paging"].get("totalElements").is_none(),
            "the call log pages without totals"
        );
        out.extend(v["records"].as_array().unwrap().iter().cloned());
        match v["navigation"]["nextPage"]["uri"].as_str() {
            Some(n) => url = n.strip_prefix(&c.base).unwrap().to_string(),
            None => return out,
        }
    }
}

/// What the stream showed of one session: its sessionId, per party (extension, last
/// code, ever answered), the last event time.
type Seen = (String, HashMap<String, (Option<String>, String, bool)>, i64);

/// A busy hour in seconds: every call's records appear after the call-log delay, each
/// joins its telephony session (session id, party id, extension), results and ids equal
/// the ground truth, and the client stays within the Heavy limit.
#[tokio::test]
async fn records_join_their_sessions_and_equal_the_ground_truth() {
    let h = start(SimConfig {
        generate_calls: false,
        calls_per_minute: 900.0,
        time_scale: 0.01,
        talk_secs: (60.0, 150.0),
        call_log_delay_secs: 20.0,
        ..fast()
    })
    .await;
    let c = login(&h).await;
    let (mut ws, _) = c.connect(None).await;
    subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;
    h.resume_new_calls();
    // sid → (session id, party id → (extension, last code, answered), last event time)
    let mut seen: HashMap<String, Seen> = HashMap::new();
    let mut take = |f: &Value| {
        let b = &f["body"];
        let p = &b["parties"][0];
        let t = calltop::wire::Ts::parse(b["eventTime"].as_str().unwrap())
            .unwrap()
            .0;
        let e = seen
            .entry(b["telephonySessionId"].as_str().unwrap().to_string())
            .or_insert_with(|| {
                (
                    b["sessionId"].as_str().unwrap().to_string(),
                    HashMap::new(),
                    0,
                )
            });
        let code = p["status"]["code"].as_str().unwrap().to_string();
        let pe = e.1.entry(p["id"].as_str().unwrap().to_string()).or_insert((
            None,
            String::new(),
            false,
        ));
        pe.0 = p["extensionId"]
            .as_str()
            .map(str::to_string)
            .or(pe.0.clone());
        pe.2 |= code == "Answered";
        pe.1 = code;
        e.2 = e.2.max(t);
    };
    let until = tokio::time::Instant::now() + Duration::from_secs(3);
    while tokio::time::Instant::now() < until {
        if let Some(f) = wait_for(&mut ws, 1, |_| true).await {
            take(&f);
        }
    }
    h.stop_new_calls();
    for _ in 0..200 {
        if h.active_calls() == 0 {
            break;
        }
        while let Ok(Some(f)) =
            tokio::time::timeout(Duration::from_millis(5), wait_for(&mut ws, 1, |_| true)).await
        {
            take(&f);
        }
    }
    while let Some(f) = wait_for(&mut ws, 1, |_| true).await {
        take(&f);
    }
    tokio::time::sleep(Duration::from_millis(400)).await; // the call-log delay (0.2 s)
    let gt: GroundTruth = h.ground_truth();
    assert_eq!(
        gt.calls.len(),
        seen.len(),
        "every call ended and was logged"
    );
    let records = all_records(&c, "dateFrom=2000-01-01T00:00:00Z").await;
    let expected: usize = gt.calls.iter().map(|c| c.records.len()).sum();
    assert_eq!(records.len(), expected);
    let truth: HashMap<&str, (&calltop::sim::CallOutcomeTruth, &calltop::sim::RecordTruth)> = gt
        .calls
        .iter()
        .flat_map(|c| c.records.iter().map(move |r| (r.id.as_str(), (c, r))))
        .collect();
    let mut results = BTreeSet::new();
    for r in &records {
        record_shape(r, true);
        let sid = r["telephonySessionId"].as_str().unwrap();
        let (session_id, parties, _) = &seen[sid];
        assert_eq!(r["sessionId"], session_id.as_str(), "sessionId joins too");
        let (call, t) = truth[r["id"].as_str().unwrap()];
        assert_eq!(call.telephony_session_id, sid);
        assert_eq!(r["result"], t.result.as_str());
        let ext = r["extension"]["id"].as_u64().unwrap().to_string();
        assert_eq!(ext, t.extension_id);
        // The record appeared after the call ended plus the delay.
        let modified = calltop::wire::Ts::parse(r["lastModifiedTime"].as_str().unwrap()).unwrap();
        assert!(
            modified.0 >= call.ended.0 + 190,
            "{modified} vs ended {}",
            call.ended
        );
        let legs = r["legs"].as_array().unwrap();
        assert_eq!(legs.len(), t.legs.len());
        assert_eq!(legs[0]["partyId"], r["partyId"]);
        for (l, lt) in legs.iter().zip(&t.legs) {
            let pid = l["partyId"].as_str().unwrap();
            assert_eq!(pid, lt.party_id);
            assert_eq!(l["result"], lt.result.as_str());
            let (pext, last, answered) = parties
                .get(pid)
                .unwrap_or_else(|| panic!("leg {pid} is a party of {sid}"));
            assert_eq!(
                pext.as_deref(),
                Some(ext.as_str()),
                "a leg is a party of the record's extension"
            );
            assert!(
                last == "Disconnected" || last == "Gone",
                "legs of ended parties only"
            );
            let accepted = lt.result == "Accepted" || lt.result == "Call connected";
            if ext == "62299101016" || ext == "62299102016" {
                // A queue's own leg takes its entry's outcome (module docs of history.rs).
                let entry = gt
                    .queue_entries
                    .iter()
                    .find(|e| e.party_id == pid && e.telephony_session_id == sid);
                let want = match entry.and_then(|e| e.outcome) {
                    Some(calltop::sim::Outcome::Answered) => "Accepted",
                    Some(calltop::sim::Outcome::Voicemail) => "Voicemail",
                    Some(calltop::sim::Outcome::Overflow) => "Missed",
                    _ => "Hang Up",
                };
                let vm_party = lt.result == "Voicemail" && entry.is_none();
                assert!(
                    lt.result == want || vm_party,
                    "{pid}: {} vs {want}",
                    lt.result
                );
            } else {
                // Provisional (from events) and final agree on answered legs.
                assert_eq!(
                    *answered, accepted,
                    "{pid}: answered {answered}, result {}",
                    lt.result
                );
            }
            results.insert(lt.result.clone());
        }
        if let Some(rec) = &t.recording_id {
            assert!(call.recordings.iter().any(|x| &x.id == rec));
            assert_eq!(r["recording"]["id"], rec.as_str());
        }
        if let Some(m) = &t.message_id {
            assert!(call.voicemail_message_ids.contains(m));
        }
    }
    for want in ["Accepted", "Missed", "Hang Up", "Voicemail"] {
        assert!(
            results.contains(want),
            "a busy center has {want} legs: {results:?}"
        );
    }
    // Filters: by session, by extension, Simple view, one record, a batch.
    let (sid, _) = seen
        .iter()
        .find(|(s, _)| {
            gt.calls
                .iter()
                .any(|c| &c.telephony_session_id == *s && c.records.len() > 1)
        })
        .unwrap();
    let v: Value = c
        .get(&format!(
            "{A}/call-log?telephonySessionId={sid}&dateFrom=2000-01-01T00:00:00Z"
        ))
        .await
        .json()
        .await
        .unwrap();
    let recs = v["records"].as_array().unwrap();
    assert!(recs.len() > 1 && recs.iter().all(|r| r["telephonySessionId"] == sid.as_str()));
    recs.iter().for_each(|r| record_shape(r, false));
    let ext = recs[0]["extension"]["id"].as_u64().unwrap();
    let v: Value = c
        .get(&format!(
            "{A}/extension/{ext}/call-log?dateFrom=2000-01-01T00:00:00Z&perPage=1000"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(v["records"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["extension"]["id"] == ext));
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let one: Value = c
        .get(&format!("{A}/call-log/{}?view=Detailed", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["id"], ids[0]);
    let batch = c
        .http
        .get(c.url(&format!("{A}/call-log/{},{},nope", ids[0], ids[1])))
        .bearer_auth(&c.token)
        .header("accept", "application/vnd.ringcentral.multipart+json")
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status(), 207);
    let parts: Value = batch.json().await.unwrap();
    assert_eq!(parts[0]["status"], 200);
    assert_eq!(parts[1]["body"]["id"], ids[1]);
    assert_eq!(parts[2]["status"], 404);
    let mixed = c.get(&format!("{A}/call-log/{},{}", ids[0], ids[1])).await;
    assert_eq!(mixed.status(), 207);
    assert!(mixed.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("multipart/mixed; boundary="));
    assert!(mixed.text().await.unwrap().contains("\"response\""));
    // The client stayed within the Heavy limit (10 per minute by default).
    let gt = h.ground_truth();
    let heavy = gt
        .rate_limits
        .iter()
        .find(|g| g.group == Some(calltop::sim::Group::Heavy))
        .unwrap();
    assert_eq!(heavy.limited, 0);
    assert!(heavy.peak_per_minute <= heavy.limit, "{heavy:?}");
    h.shutdown().await;
}

#[tokio::test]
async fn records_wait_for_the_delay_and_recordings_link_up() {
    let h = start(SimConfig {
        call_log_delay_secs: 80.0, // 0.8 s at this scale
        ..quiet()
    })
    .await;
    let c = login(&h).await;
    let sid = h.start_call(CallKind::InboundIvr);
    let user = until_party(&h, &sid, |p| {
        p.extension_id
            .as_deref()
            .is_some_and(|e| e.starts_with("622424"))
            && p.status.as_ref().unwrap().code == calltop::wire::StatusCode::Answered
    })
    .await;
    let base = format!("{A}/telephony/sessions/{sid}/parties/{}", user.id);
    let rec: Value = c
        .post(&format!("{base}/recordings"), None)
        .await
        .json()
        .await
        .unwrap();
    let rid = rec["id"].as_str().unwrap().to_string();
    assert_eq!(
        c.delete(&format!("{A}/telephony/sessions/{sid}"))
            .await
            .status(),
        204
    );
    let q = format!("{A}/call-log?telephonySessionId={sid}&view=Detailed");
    let v: Value = c.get(&q).await.json().await.unwrap();
    assert_eq!(v["records"], json!([]), "not yet: the call log lags behind");
    assert_eq!(c.get(&format!("{A}/recording/{rid}")).await.status(), 404);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let v: Value = c.get(&q).await.json().await.unwrap();
    let recs = v["records"].as_array().unwrap();
    let mine = recs
        .iter()
        .find(|r| {
            r["extension"]["id"].as_u64().unwrap().to_string() == user.extension_id.clone().unwrap()
        })
        .unwrap();
    assert_eq!(mine["recording"]["id"], rid.as_str());
    assert_eq!(mine["recording"]["type"], "OnDemand");
    assert_eq!(mine["result"], "Accepted");
    let leg = mine["legs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["partyId"] == user.id.as_str())
        .unwrap();
    assert_eq!(leg["recording"]["id"], rid.as_str());
    let meta = c.get(&format!("{A}/recording/{rid}")).await;
    assert_eq!(meta.headers()["x-rate-limit-group"], "heavy");
    let meta: Value = meta.json().await.unwrap();
    assert_eq!(
        keys(&meta),
        BTreeSet::from([
            "id".into(),
            "contentUri".into(),
            "contentType".into(),
            "duration".into()
        ])
    );
    assert_eq!(meta["contentUri"], mine["recording"]["contentUri"]);
    // Content, with the token in the query as media URIs allow.
    let url = format!(
        "{}?access_token={}",
        meta["contentUri"].as_str().unwrap(),
        c.token
    );
    let audio = reqwest::get(url).await.unwrap();
    assert_eq!(audio.status(), 200);
    assert_eq!(audio.headers()["content-type"], "audio/x-wav");
    assert!(audio.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(&audio.bytes().await.unwrap()[..4], b"RIFF");
    let gt = h.ground_truth();
    let call = gt
        .calls
        .iter()
        .find(|x| x.telephony_session_id == sid)
        .unwrap();
    assert_eq!(call.recordings[0].id, rid);
    assert_eq!(call.recordings[0].kind, "OnDemand");
    assert!(call.records_at.unwrap().0 >= call.ended.0 + 790);
    h.shutdown().await;
}

#[tokio::test]
async fn voicemail_reaches_the_message_store_and_its_notifications() {
    let h = start(SimConfig {
        call_log_delay_secs: 5.0,
        ..quiet()
    })
    .await;
    let c = login(&h).await;
    let user = "62242402016";
    let (mut ws, _) = c.connect(None).await;
    subscribe(
        &mut ws,
        &[
            &format!("/restapi/v1.0/account/~/extension/{user}/message-store?type=VoiceMail"),
            &format!("/restapi/v1.0/account/~/extension/{user}/voicemail"),
        ],
    )
    .await;
    let sid = sim_ring(&h, json!({"extensionNumber": "103", "seconds": 30})).await;
    let ringing = until_party(&h, &sid, |p| {
        p.extension_id.as_deref() == Some(user)
            && p.status.as_ref().unwrap().code == calltop::wire::StatusCode::Proceeding
    })
    .await;
    assert_eq!(
        c.post(
            &format!("{A}/telephony/sessions/{sid}/parties/{}/reject", ringing.id),
            None
        )
        .await
        .status(),
        204
    );
    let mut store = None;
    let mut vm = None;
    while store.is_none() || vm.is_none() {
        let n = wait_for(&mut ws, 10, |_| true)
            .await
            .expect("voicemail notifications");
        if n["event"].as_str().unwrap().contains("/message-store") {
            store = Some(n);
        } else {
            vm = Some(n);
        }
    }
    let store = store.unwrap();
    let vm = vm.unwrap();
    assert!(store["event"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/extension/{user}/message-store?type=VoiceMail")));
    let body = &store["body"];
    assert_eq!(body["extensionId"], user.parse::<u64>().unwrap());
    assert_eq!(body["changes"][0]["type"], "VoiceMail");
    assert_eq!(body["changes"][0]["newCount"], 1);
    let id = body["changes"][0]["newMessageIds"][0]
        .as_u64()
        .unwrap()
        .to_string();
    let m = &vm["body"];
    assert_eq!(m["id"].as_u64().unwrap().to_string(), id);
    for k in keys(m) {
        assert!(
            [
                "id",
                "uri",
                "extensionId",
                "attachments",
                "availability",
                "conversationId",
                "creationTime",
                "direction",
                "from",
                "lastModifiedTime",
                "messageStatus",
                "priority",
                "readStatus",
                "subject",
                "to",
                "type",
                "vmTranscriptionStatus",
            ]
            .contains(&k.as_str()),
            "message field {k}"
        );
    }
    assert_eq!(m["type"], "VoiceMail");
    let att = &m["attachments"][0];
    assert_eq!(att["type"], "AudioRecording");
    assert!(att["vmDuration"].as_i64().unwrap() >= 1);
    // REST: list, one, content.
    let list: Value = c
        .get(&format!(
            "{A}/extension/{user}/message-store?messageType=VoiceMail"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(list["records"].as_array().unwrap().iter().any(|x| x["id"]
        .as_u64()
        .unwrap()
        .to_string()
        == id));
    let one: Value = c
        .get(&format!("{A}/extension/{user}/message-store/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["attachments"], m["attachments"]);
    let r = c
        .get(att["uri"].as_str().unwrap().strip_prefix(&c.base).unwrap())
        .await;
    assert_eq!(r.headers()["x-rate-limit-group"], "medium");
    assert_eq!(&r.bytes().await.unwrap()[..4], b"RIFF");
    // The call log links the message; the ground truth agrees.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let v: Value = c
        .get(&format!(
            "{A}/extension/{user}/call-log?telephonySessionId={sid}&view=Detailed"
        ))
        .await
        .json()
        .await
        .unwrap();
    let rec = &v["records"][0];
    assert_eq!(rec["message"]["id"], id.as_str());
    assert_eq!(rec["message"]["type"], "VoiceMail");
    let results: Vec<&str> = rec["legs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["result"].as_str().unwrap())
        .collect();
    assert_eq!(
        results,
        ["Missed", "Voicemail"],
        "rejected, then the mailbox took it"
    );
    let gt = h.ground_truth();
    let call = gt
        .calls
        .iter()
        .find(|x| x.telephony_session_id == sid)
        .unwrap();
    assert_eq!(call.voicemail_message_ids, vec![id.clone()]);
    assert_eq!(
        call.records
            .iter()
            .find(|r| r.extension_id == user)
            .unwrap()
            .message_id
            .as_deref(),
        Some(id.as_str())
    );
    h.shutdown().await;
}

#[tokio::test]
async fn faults_of_the_call_outcome_area() {
    let h = start(SimConfig {
        call_log_delay_secs: 5.0,
        ..quiet()
    })
    .await;
    let c = login(&h).await;
    // 403: the app lacks ReadCallLog.
    h.set_faults(Faults {
        call_log_forbidden: true,
        ..Faults::default()
    });
    let r = c.get(&format!("{A}/call-log")).await;
    assert_eq!(r.status(), 403);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errorCode"], "InsufficientPermissions");
    assert_eq!(e["errors"][0]["errorCode"], "CMN-401");
    assert_eq!(e["permissionName"], "ReadCallLog");
    // A 429 storm on Heavy (the whole minute here), Light untouched.
    h.set_faults(Faults {
        heavy_429_storm: Some(Duration::from_secs(60)),
        ..Faults::default()
    });
    let r = c.get(&format!("{A}/call-log")).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["x-rate-limit-group"], "heavy");
    assert_eq!(c.get(&format!("{A}/extension/~")).await.status(), 200);
    // Records that never appear, and records whose legs do not match the parties.
    h.set_faults(Faults {
        call_log_missing: 1.0,
        ..Faults::default()
    });
    let lost = h.start_call(CallKind::Internal);
    until_party(&h, &lost, |p| {
        p.status.as_ref().unwrap().code == calltop::wire::StatusCode::Answered
            && p.direction.as_ref().unwrap().as_str() == "Inbound"
    })
    .await;
    c.delete(&format!("{A}/telephony/sessions/{lost}")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    h.set_faults(Faults {
        mismatched_legs: 1.0,
        orphan_voicemail: 1.0,
        ..Faults::default()
    });
    let bad = h.start_call(CallKind::Internal);
    until_party(&h, &bad, |p| {
        p.status.as_ref().unwrap().code == calltop::wire::StatusCode::Answered
            && p.direction.as_ref().unwrap().as_str() == "Inbound"
    })
    .await;
    c.delete(&format!("{A}/telephony/sessions/{bad}")).await;
    // A voicemail, and (fault) another for a call that never happened.
    let (mut ws, _) = c.connect(None).await;
    subscribe(
        &mut ws,
        &["/restapi/v1.0/account/~/extension/62242402016/voicemail"],
    )
    .await;
    let vsid = sim_ring(&h, json!({"extensionNumber": "103", "seconds": 30})).await;
    let ringing = until_party(&h, &vsid, |p| {
        p.extension_id.is_some()
            && p.status.as_ref().unwrap().code == calltop::wire::StatusCode::Proceeding
    })
    .await;
    c.post(
        &format!(
            "{A}/telephony/sessions/{vsid}/parties/{}/reject",
            ringing.id
        ),
        None,
    )
    .await;
    let mut ids = BTreeSet::new();
    for _ in 0..2 {
        let n = wait_for(&mut ws, 10, |_| true)
            .await
            .expect("two voicemail notifications");
        ids.insert(n["body"]["id"].as_u64().unwrap().to_string());
    }
    h.set_faults(Faults::default());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let gt = h.ground_truth();
    let lost_t = gt
        .calls
        .iter()
        .find(|x| x.telephony_session_id == lost)
        .unwrap();
    assert!(lost_t.records_missing && lost_t.records_at.is_none());
    let v: Value = c
        .get(&format!("{A}/call-log?telephonySessionId={lost}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["records"], json!([]), "a lost record never appears");
    let bad_t = gt
        .calls
        .iter()
        .find(|x| x.telephony_session_id == bad)
        .unwrap();
    assert!(bad_t.records.iter().all(|r| r.mismatched_legs));
    let v: Value = c
        .get(&format!(
            "{A}/call-log?telephonySessionId={bad}&view=Detailed"
        ))
        .await
        .json()
        .await
        .unwrap();
    let parties: BTreeSet<String> = h
        .call_states()
        .into_iter()
        .find(|s| s.id == bad)
        .unwrap()
        .parties
        .into_iter()
        .map(|p| p.id)
        .collect();
    for r in v["records"].as_array().unwrap() {
        assert!(
            r["legs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| !parties.contains(l["partyId"].as_str().unwrap())),
            "a leg names no party of the session"
        );
    }
    let real = &gt
        .calls
        .iter()
        .find(|x| x.telephony_session_id == vsid)
        .unwrap()
        .voicemail_message_ids;
    assert_eq!(real.len(), 1);
    assert_eq!(gt.orphan_voicemails.len(), 1);
    assert_eq!(
        ids,
        BTreeSet::from([real[0].clone(), gt.orphan_voicemails[0].clone()])
    );
    let linked: Vec<Value> = all_records(&c, "dateFrom=2000-01-01T00:00:00Z").await;
    assert!(
        !linked
            .iter()
            .any(|r| r["message"]["id"] == gt.orphan_voicemails[0].as_str()),
        "no record links the orphan voicemail"
    );
    h.shutdown().await;
}
