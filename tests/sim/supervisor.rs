//! The supervisor platform over real sockets: directory, presence (REST and
//! notifications), call queues, devices, supervise / call-out / conference / bring-in,
//! rate-limit groups, the warm start, and the contact-center ground truth — checked for
//! internal consistency and against a client computing it from the notification stream.

use crate::support as sim_support;

use calltop::sim::{CallKind, GroundTruth, Outcome, SimConfig};
use serde_json::{json, Value};
use sim_support::*;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

const A: &str = "/restapi/v1.0/account/~";
const SALES: &str = "62299101016";
const SUPPORT: &str = "62299102016";
const OWNER: &str = "62242400016";

/// No generator, no extras, long talk, no agent churn: the test drives everything.
fn quiet() -> SimConfig {
    SimConfig {
        generate_calls: false,
        extras: false,
        agent_churn: false,
        talk_secs: (20_000.0, 20_001.0),
        ..fast()
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Every key of `v` is one of `allowed` (field names as in the OpenAPI spec), and every
/// key of `required` is there.
fn shape(what: &str, v: &Value, allowed: &[&str], required: &[&str]) {
    let k = keys(v);
    for key in &k {
        assert!(
            allowed.contains(&key.as_str()),
            "{what}: unexpected field {key}: {v}"
        );
    }
    for r in required {
        assert!(k.contains(*r), "{what}: missing field {r}: {v}");
    }
}

async fn json_of(r: reqwest::Response) -> Value {
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{status}: {v}");
    v
}

/// readAccountInfo (`GET /restapi/v1.0/account/~`, Light), the first call many RingCentral
/// clients make: the fields of RingCentral's OpenAPI spec (`GetAccountInfoResponse` and the
/// schemas it names, in the spec of 2021) and no other, with their types and enum values;
/// the account by its id answers the same, another account is 404 `CMN-102`.
#[tokio::test]
async fn account_info_is_the_specs_shape() {
    let h = start(quiet()).await;
    let c = login(&h).await;
    let r = c.get(A).await;
    assert_eq!(r.headers()["x-rate-limit-group"], "light");
    let v = json_of(r).await;
    shape(
        "GetAccountInfoResponse",
        &v,
        &[
            "id",
            "uri",
            "bsid",
            "mainNumber",
            "operator",
            "partnerId",
            "serviceInfo",
            "setupWizardState",
            "signupInfo",
            "status",
            "statusInfo",
            "regionalSettings",
            "federated",
            "outboundCallPrefix",
            "cfid",
            "limits",
        ],
        &["id", "uri", "mainNumber", "status", "serviceInfo"],
    );
    let id = v["id"].as_u64().expect("id: integer");
    assert!(["Initial", "Confirmed", "Unconfirmed", "Disabled"]
        .contains(&v["status"].as_str().unwrap()));
    assert!(["NotStarted", "Incomplete", "Completed"]
        .contains(&v["setupWizardState"].as_str().unwrap_or("NotStarted")));
    assert!(v["mainNumber"].as_str().unwrap().starts_with('+'));
    let s = &v["serviceInfo"];
    shape(
        "ServiceInfo",
        s,
        &[
            "uri",
            "billingPlan",
            "brand",
            "servicePlan",
            "targetServicePlan",
            "contractedCountry",
        ],
        &["brand", "servicePlan", "billingPlan"],
    );
    shape(
        "BrandInfo",
        &s["brand"],
        &["id", "name", "homeCountry"],
        &["id", "name"],
    );
    shape(
        "CountryInfo",
        &s["brand"]["homeCountry"],
        &["id", "uri", "name", "isoCode", "callingCode"],
        &["id"],
    );
    shape(
        "ServicePlanInfo",
        &s["servicePlan"],
        &["id", "name", "edition", "freemiumProductType"],
        &["id", "name"],
    );
    let b = &s["billingPlan"];
    shape(
        "BillingPlanInfo",
        b,
        &[
            "id",
            "name",
            "durationUnit",
            "duration",
            "type",
            "includedPhoneLines",
        ],
        &["id"],
    );
    assert!(["Day", "Month", "Year"].contains(&b["durationUnit"].as_str().unwrap()));
    assert!(b["duration"].is_u64());
    let kinds = [
        "Initial",
        "Regular",
        "Suspended",
        "Trial",
        "TrialNoCC",
        "Free",
    ];
    assert!(kinds.contains(&b["type"].as_str().unwrap()));
    shape(
        "ContractedCountryInfo",
        &s["contractedCountry"],
        &["id", "uri"],
        &["id"],
    );
    shape(
        "AccountOperatorInfo",
        &v["operator"],
        &["uri", "id", "extensionNumber"],
        &["id"],
    );
    assert_eq!(v["operator"]["id"].as_u64().unwrap().to_string(), OWNER);
    // By id, the same; another account, not found.
    let by_id = json_of(c.get(&format!("/restapi/v1.0/account/{id}")).await).await;
    assert_eq!(by_id, v);
    let r = c.get("/restapi/v1.0/account/123").await;
    assert_eq!(r.status(), 404);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["errorCode"], "CMN-102", "{e}");
}

#[tokio::test]
async fn directory_paging_filters_and_shapes() {
    let h = start(quiet()).await;
    let c = login(&h).await;
    // Page through everything, 5 at a time, following navigation.nextPage.
    let mut url = format!("{A}/extension?perPage=5");
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let r = c.get(&url).await;
        assert_eq!(r.headers()["x-rate-limit-group"], "medium");
        let v = json_of(r).await;
        shape(
            "list",
            &v,
            &["uri", "records", "navigation", "paging"],
            &["uri", "records", "navigation", "paging"],
        );
        shape(
            "paging",
            &v["paging"],
            &[
                "page",
                "perPage",
                "pageStart",
                "pageEnd",
                "totalPages",
                "totalElements",
            ],
            &[
                "page",
                "perPage",
                "pageStart",
                "pageEnd",
                "totalPages",
                "totalElements",
            ],
        );
        assert!(v["navigation"]["firstPage"]["uri"].is_string());
        pages += 1;
        assert_eq!(v["paging"]["page"], pages);
        all.extend(v["records"].as_array().unwrap().iter().cloned());
        match v["navigation"]["nextPage"]["uri"].as_str() {
            Some(next) => url = next.strip_prefix(&c.base).unwrap().to_string(),
            None => {
                assert_eq!(v["paging"]["totalPages"], pages);
                break;
            }
        }
    }
    // 12 users, the IVR, 2 queues, an announcement, a park location, a disabled user.
    assert_eq!(all.len(), 18);
    assert_eq!(pages, 4);
    let record_fields = [
        "id",
        "uri",
        "contact",
        "extensionNumber",
        "name",
        "permissions",
        "profileImage",
        "status",
        "type",
        "callQueueInfo",
        "hidden",
        "site",
    ];
    for r in &all {
        shape(
            "extension record",
            r,
            &record_fields,
            &["id", "uri", "extensionNumber", "name", "type"],
        );
        assert!(r["id"].is_u64(), "list ids are numbers: {r}");
        shape(
            "contact",
            &r["contact"],
            &[
                "firstName",
                "lastName",
                "company",
                "jobTitle",
                "email",
                "businessPhone",
                "mobilePhone",
                "businessAddress",
                "emailAsLoginName",
                "pronouncedName",
                "department",
            ],
            &[],
        );
    }
    let queues: Vec<&Value> = all.iter().filter(|r| r["type"] == "Department").collect();
    assert_eq!(queues.len(), 2);
    for q in &queues {
        shape(
            "callQueueInfo",
            &q["callQueueInfo"],
            &[
                "slaGoal",
                "slaThresholdSeconds",
                "includeAbandonedCalls",
                "abandonedThresholdSeconds",
            ],
            &[
                "slaGoal",
                "slaThresholdSeconds",
                "includeAbandonedCalls",
                "abandonedThresholdSeconds",
            ],
        );
        assert_eq!(q["callQueueInfo"]["slaThresholdSeconds"], 20);
    }
    // Filters (repeated keys), status, extensionNumber, bad values.
    let v = json_of(
        c.get(&format!("{A}/extension?type=Department&type=IvrMenu"))
            .await,
    )
    .await;
    assert_eq!(v["records"].as_array().unwrap().len(), 3);
    let v = json_of(
        c.get(&format!(
            "{A}/extension?type=User&status=Enabled&perPage=1000"
        ))
        .await,
    )
    .await;
    assert_eq!(v["records"].as_array().unwrap().len(), 12);
    let v = json_of(c.get(&format!("{A}/extension?status=Disabled")).await).await;
    assert_eq!(v["records"][0]["extensionNumber"], "199");
    let v = json_of(c.get(&format!("{A}/extension?extensionNumber=2002")).await).await;
    assert_eq!(v["records"][0]["name"], "Support Queue");
    assert_eq!(
        c.get(&format!("{A}/extension?type=Robot")).await.status(),
        400
    );
    assert_eq!(
        c.get(&format!("{A}/extension?perPage=0")).await.status(),
        400
    );
    // One extension: departments (the agent's queues), account, Light.
    let r = c.get(&format!("{A}/extension/62242405016")).await;
    assert_eq!(r.headers()["x-rate-limit-group"], "light");
    let me = json_of(r).await;
    shape(
        "extension",
        &me,
        &[
            "id",
            "uri",
            "account",
            "contact",
            "customFields",
            "departments",
            "extensionNumber",
            "extensionNumbers",
            "name",
            "partnerId",
            "permissions",
            "profileImage",
            "references",
            "roles",
            "regionalSettings",
            "serviceFeatures",
            "setupWizardState",
            "status",
            "statusInfo",
            "type",
            "callQueueInfo",
            "hidden",
            "site",
        ],
        &["id", "account", "departments"],
    );
    let deps: BTreeSet<&str> = me["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        deps,
        BTreeSet::from([SALES, SUPPORT]),
        "agent 106 is in both queues"
    );
    shape(
        "department",
        &me["departments"][0],
        &["id", "uri", "extensionNumber"],
        &["id", "uri", "extensionNumber"],
    );
    assert_eq!(c.get(&format!("{A}/extension/1")).await.status(), 404);
    h.shutdown().await;
}

#[tokio::test]
async fn queues_members_presence_rules_and_devices() {
    let h = start(quiet()).await;
    let c = login(&h).await;
    let list = json_of(c.get(&format!("{A}/call-queues?perPage=max")).await).await;
    assert_eq!(list["paging"]["perPage"], 1000);
    for q in list["records"].as_array().unwrap() {
        shape(
            "queue",
            q,
            &[
                "uri",
                "id",
                "extensionNumber",
                "name",
                "editableMemberStatus",
            ],
            &["uri", "id", "extensionNumber", "name"],
        );
        assert!(q["id"].is_string());
    }
    let mine = json_of(
        c.get(&format!("{A}/call-queues?memberExtensionId=62242402016"))
            .await,
    )
    .await;
    assert_eq!(mine["records"].as_array().unwrap().len(), 1);
    let d = json_of(c.get(&format!("{A}/call-queues/{SUPPORT}")).await).await;
    shape(
        "queue details",
        &d,
        &[
            "uri",
            "id",
            "name",
            "extensionNumber",
            "status",
            "serviceLevelSettings",
            "editableMemberStatus",
            "alertTimer",
        ],
        &[
            "id",
            "name",
            "extensionNumber",
            "status",
            "serviceLevelSettings",
        ],
    );
    assert_eq!(d["serviceLevelSettings"]["includeAbandonedCalls"], true);
    let m = json_of(c.get(&format!("{A}/call-queues/{SALES}/members")).await).await;
    let members = m["records"].as_array().unwrap();
    assert_eq!(members.len(), 7);
    for r in members {
        shape(
            "member",
            r,
            &["uri", "id", "extensionNumber"],
            &["uri", "id", "extensionNumber"],
        );
        assert!(r["id"].is_u64());
    }
    // Queue presence: PUT one member off, then the agent's own view agrees; and back.
    let agent = members[0]["id"].as_u64().unwrap().to_string();
    let p = json_of(c.get(&format!("{A}/call-queues/{SALES}/presence")).await).await;
    for r in p["records"].as_array().unwrap() {
        shape(
            "queue presence",
            r,
            &["member", "acceptQueueCalls", "acceptCurrentQueueCalls"],
            &["member", "acceptQueueCalls", "acceptCurrentQueueCalls"],
        );
        shape(
            "member",
            &r["member"],
            &["id", "name", "extensionNumber", "site", "extensionSubType"],
            &["id", "name", "extensionNumber"],
        );
    }
    let r = c
        .http
        .put(c.url(&format!("{A}/call-queues/{SALES}/presence")))
        .bearer_auth(&c.token)
        .json(&json!({"records": [{"member": {"id": agent}, "acceptCurrentQueueCalls": false}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-rate-limit-group"], "medium");
    let p = json_of(r).await;
    let row = p["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["member"]["id"] == agent.as_str())
        .unwrap();
    assert_eq!(row["acceptCurrentQueueCalls"], false);
    assert_eq!(row["acceptQueueCalls"], true);
    let view = json_of(
        c.get(&format!("{A}/extension/{agent}/call-queue-presence"))
            .await,
    )
    .await;
    let rec = &view["records"][0];
    shape(
        "agent view",
        rec,
        &["callQueue", "acceptCalls"],
        &["callQueue", "acceptCalls"],
    );
    shape(
        "callQueue",
        &rec["callQueue"],
        &["id", "name", "extensionNumber", "editableMemberStatus"],
        &["id", "name", "extensionNumber"],
    );
    assert_eq!(rec["acceptCalls"], false);
    let r = c
        .http
        .put(c.url(&format!("{A}/extension/{agent}/call-queue-presence")))
        .bearer_auth(&c.token)
        .json(&json!({"records": [{"callQueue": {"id": SALES}, "acceptCalls": true}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(r).await["records"][0]["acceptCalls"], true);
    let bad = c
        .http
        .put(c.url(&format!("{A}/call-queues/{SALES}/presence")))
        .bearer_auth(&c.token)
        .json(&json!({"records": [{"member": {"id": OWNER}, "acceptCurrentQueueCalls": false}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400, "the supervisor is not a member");
    // Routing rules.
    let rule = json_of(
        c.get(&format!(
            "{A}/extension/{SUPPORT}/answering-rule/business-hours-rule"
        ))
        .await,
    )
    .await;
    assert_eq!(rule["callHandlingAction"], "AgentQueue");
    assert_eq!(rule["queue"]["transferMode"], "Simultaneous");
    assert_eq!(rule["queue"]["transfer"][0]["extension"]["id"], SALES);
    assert_eq!(
        rule["queue"]["holdTimeExpirationAction"],
        "TransferToExtension"
    );
    // Devices: Online and Offline ones; one by id.
    let devs = json_of(c.get(&format!("{A}/extension/~/device")).await).await;
    let recs = devs["records"].as_array().unwrap();
    assert_eq!(recs.len(), 3);
    for d in recs {
        shape(
            "device",
            d,
            &[
                "id",
                "uri",
                "sku",
                "type",
                "name",
                "status",
                "serial",
                "computerName",
                "model",
                "extension",
                "emergencyServiceAddress",
                "emergency",
                "phoneLines",
                "shipping",
                "boxBillingId",
                "useAsCommonPhone",
                "linePooling",
                "inCompanyNet",
                "site",
                "lastLocationReportTime",
            ],
            &[
                "id",
                "uri",
                "type",
                "name",
                "status",
                "extension",
                "phoneLines",
            ],
        );
        assert!(d["id"].is_string() && d["extension"]["id"].is_u64());
        shape(
            "phoneInfo",
            &d["phoneLines"][0]["phoneInfo"],
            &[
                "id",
                "country",
                "extension",
                "label",
                "location",
                "paymentType",
                "phoneNumber",
                "status",
                "type",
                "usageType",
            ],
            &["phoneNumber"],
        );
    }
    let one = json_of(
        c.get(&format!("{A}/device/{}", recs[1]["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(one["type"], "HardPhone");
    let third = json_of(c.get(&format!("{A}/extension/62242402016/device")).await).await;
    let statuses: BTreeSet<&str> = third["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        BTreeSet::from(["Offline", "Online"]),
        "an unplugged desk phone is Offline"
    );
    assert_eq!(c.get(&format!("{A}/device/1")).await.status(), 404);
    h.shutdown().await;
}

/// The next notification on `ws` whose event path contains `part` and whose body passes `pred`.
async fn note(ws: &mut Ws, part: &str, pred: impl Fn(&Value) -> bool) -> Value {
    wait_for(ws, 10, |n| {
        n["event"].as_str().unwrap_or_default().contains(part) && pred(&n["body"])
    })
    .await
    .unwrap_or_else(|| panic!("no {part} notification"))
}

#[tokio::test]
async fn presence_rest_and_notifications_follow_calls_and_settings() {
    let h = start(quiet()).await;
    let c = login(&h).await;
    let agent = "62242403016";
    let (mut ws, _) = c.connect(None).await;
    subscribe(
        &mut ws,
        &[
            "/restapi/v1.0/account/~/presence?detailedTelephonyState=true&sipData=true",
            &format!("/restapi/v1.0/account/~/extension/{agent}/presence"),
            &format!("/restapi/v1.0/account/~/extension/{agent}/presence/dnd"),
            &format!("/restapi/v1.0/account/~/call-queues/{SALES}/presence"),
            "/restapi/v1.0/account/~/telephony/sessions",
        ],
    )
    .await;
    // DND for queue calls: one notification for the presence filters (the detailed one
    // wins), the DND body on the DND filter, the sequence rises.
    let before = json_of(c.get(&format!("{A}/extension/{agent}/presence")).await).await;
    shape(
        "presence (simple)",
        &before,
        &[
            "uri",
            "allowSeeMyPresence",
            "dndStatus",
            "dndStatusPersonal",
            "acceptCallQueueCalls",
            "extension",
            "message",
            "pickUpCallsOnHold",
            "presenceStatus",
            "ringOnMonitoredCall",
            "telephonyStatus",
            "userStatus",
            "meetingStatus",
        ],
        &[
            "uri",
            "extension",
            "presenceStatus",
            "telephonyStatus",
            "userStatus",
            "dndStatus",
        ],
    );
    let r = c
        .http
        .put(c.url(&format!("{A}/extension/{agent}/presence")))
        .bearer_auth(&c.token)
        .json(&json!({"dndStatus": "DoNotAcceptDepartmentCalls"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-rate-limit-group"], "medium");
    assert_eq!(json_of(r).await["dndStatus"], "DoNotAcceptDepartmentCalls");
    let mut seen = HashMap::new();
    for _ in 0..2 {
        let n = wait_for(&mut ws, 10, |n| {
            n["event"].as_str().unwrap().contains("/presence")
        })
        .await
        .unwrap();
        seen.insert(n["event"].as_str().unwrap().to_string(), n["body"].clone());
    }
    let detailed = seen
        .iter()
        .find(|(e, _)| {
            e.ends_with(&format!(
                "/extension/{agent}/presence?detailedTelephonyState=true&sipData=true"
            ))
        })
        .map(|(_, b)| b.clone())
        .expect("account filter delivers under the extension path, with its query");
    assert_eq!(detailed["extensionId"], agent.parse::<u64>().unwrap());
    assert_eq!(detailed["dndStatus"], "DoNotAcceptDepartmentCalls");
    assert_eq!(detailed["totalActiveCalls"], 0);
    assert!(detailed["sequence"].as_i64().unwrap() >= 2);
    let dnd = seen
        .iter()
        .find(|(e, _)| e.ends_with("/presence/dnd"))
        .map(|(_, b)| b.clone())
        .unwrap();
    assert_eq!(
        keys(&dnd),
        BTreeSet::from(["extensionId".to_string(), "dndStatus".to_string()])
    );
    assert_eq!(
        seen.len(),
        2,
        "one presence notification per subscription: {seen:?}"
    );
    let gt = h.ground_truth();
    let a = gt.agents.iter().find(|a| a.id == agent).unwrap();
    assert_eq!(a.state, Some(calltop::sim::AgentState::OffQueue));
    // Queue-presence notification on PUT.
    let r = c
        .http
        .put(c.url(&format!("{A}/call-queues/{SALES}/presence")))
        .bearer_auth(&c.token)
        .json(&json!({"records": [{"member": {"id": agent}, "acceptCurrentQueueCalls": false}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let q = note(&mut ws, &format!("/call-queues/{SALES}/presence"), |_| true).await;
    assert_eq!(
        q["body"],
        json!({"records": [{"member": {"id": agent}, "acceptCurrentQueueCalls": false}]})
    );
    // A call to the agent: ringing, then connected; presence carries it with sipData, and
    // the session GET shows the same party. When it ends, one NoCall/final entry.
    let sid = h.start_call(CallKind::Internal);
    let ringing = note(&mut ws, "/presence?detailed", |b| {
        b["telephonyStatus"] == "Ringing"
    })
    .await;
    let ext = ringing["body"]["extensionId"].to_string();
    let call = &ringing["body"]["activeCalls"][0];
    shape(
        "activeCall",
        call,
        &[
            "id",
            "direction",
            "queueCall",
            "from",
            "fromName",
            "to",
            "toName",
            "startTime",
            "telephonyStatus",
            "sipData",
            "sessionId",
            "telephonySessionId",
            "onBehalfOf",
            "partyId",
            "terminationType",
            "callInfo",
        ],
        &[
            "id",
            "direction",
            "telephonyStatus",
            "sipData",
            "sessionId",
            "telephonySessionId",
            "partyId",
        ],
    );
    assert_eq!(call["telephonySessionId"], sid.as_str());
    let s = json_of(c.get(&format!("{A}/telephony/sessions/{sid}")).await).await;
    let pid = call["partyId"].as_str().unwrap();
    let party = s["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == pid)
        .expect("presence party is in the session");
    assert_eq!(party["extensionId"].as_str().unwrap(), ext);
    let rest = json_of(
        c.get(&format!(
            "{A}/extension/{ext}/presence?detailedTelephonyState=true"
        ))
        .await,
    )
    .await;
    assert!(
        rest["activeCalls"][0].get("sipData").is_none(),
        "sipData only when asked"
    );
    c.delete(&format!("{A}/telephony/sessions/{sid}")).await;
    let fin = note(&mut ws, &format!("/extension/{ext}/presence"), |b| {
        b["telephonyStatus"] == "NoCall"
    })
    .await;
    let last = &fin["body"]["activeCalls"][0];
    assert_eq!(last["telephonyStatus"], "NoCall");
    assert_eq!(last["terminationType"], "final");
    // Account presence: Heavy, paged, non-users carry only presenceStatus Offline.
    let r = c
        .get(&format!(
            "{A}/presence?perPage=100&detailedTelephonyState=true"
        ))
        .await;
    assert_eq!(r.headers()["x-rate-limit-group"], "heavy");
    let all = json_of(r).await;
    let recs = all["records"].as_array().unwrap();
    assert_eq!(recs.len(), 18);
    let queue = recs
        .iter()
        .find(|r| r["extension"]["id"] == SALES.parse::<u64>().unwrap())
        .unwrap();
    assert_eq!(
        keys(queue),
        BTreeSet::from([
            "uri".to_string(),
            "extension".to_string(),
            "presenceStatus".to_string()
        ])
    );
    assert_eq!(queue["presenceStatus"], "Offline");
    h.shutdown().await;
}

#[tokio::test]
async fn supervise_call_out_conference_and_bring_in() {
    let h = start(quiet()).await;
    let c = login(&h).await;
    let (mut ws, _) = c.connect(None).await;
    subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;
    let sup_dev = "210074565716"; // the supervisor's listen-in phone (OtherPhone, Online)
    let sid = h.start_call(CallKind::InboundIvr);
    let agent = until_party(&h, &sid, |p| {
        p.extension_id
            .as_deref()
            .is_some_and(|e| e.starts_with("622424"))
            && p.status.as_ref().unwrap().code == calltop::wire::StatusCode::Answered
    })
    .await;
    let agent_ext = agent.extension_id.clone().unwrap();
    let number = json_of(c.get(&format!("{A}/extension/{agent_ext}")).await).await
        ["extensionNumber"]
        .as_str()
        .unwrap()
        .to_string();
    // Wrong mode, unknown device.
    let r = c.post(&format!("{A}/telephony/sessions/{sid}/supervise"), Some(json!({"mode": "Barge", "supervisorDeviceId": sup_dev, "agentExtensionId": agent_ext}))).await;
    assert_eq!(r.status(), 400);
    let r = c.post(&format!("{A}/telephony/sessions/{sid}/supervise"), Some(json!({"mode": "Listen", "supervisorDeviceId": "42", "agentExtensionId": agent_ext}))).await;
    assert_eq!(r.status(), 400);
    // The legacy body the call-control SDK sends.
    let r = c
        .post(
            &format!("{A}/telephony/sessions/{sid}/supervise"),
            Some(json!({"mode": "Listen", "deviceId": sup_dev, "extensionNumber": number})),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["x-rate-limit-group"], "light");
    let p = r.json::<Value>().await.unwrap();
    shape(
        "supervise response",
        &p,
        &[
            "from",
            "to",
            "direction",
            "id",
            "accountId",
            "extensionId",
            "muted",
            "owner",
            "standAlone",
            "status",
            "park",
            "missedCall",
        ],
        &[
            "from",
            "to",
            "direction",
            "id",
            "accountId",
            "extensionId",
            "muted",
            "owner",
            "standAlone",
            "status",
        ],
    );
    assert_eq!(
        p["status"],
        json!({"code": "Answered", "reason": "Supervising"})
    );
    assert_eq!(p["direction"], "Outbound");
    assert_eq!(p["from"]["deviceId"], sup_dev);
    assert_eq!(p["extensionId"], OWNER);
    assert_eq!(p["to"]["extensionId"], agent_ext.as_str());
    let n = note(&mut ws, "/telephony/sessions", |b| {
        b["parties"][0]["id"] == p["id"]
    })
    .await;
    assert_eq!(n["body"]["telephonySessionId"], sid.as_str());
    assert_eq!(n["body"]["parties"][0]["status"]["reason"], "Supervising");
    // One supervisor at a time; party-level supervise needs agentExtensionId.
    let r = c.post(&format!("{A}/telephony/sessions/{sid}/supervise"), Some(json!({"mode": "Listen", "supervisorDeviceId": sup_dev, "agentExtensionId": agent_ext}))).await;
    assert_eq!(r.status(), 409);
    let r = c
        .post(
            &format!(
                "{A}/telephony/sessions/{sid}/parties/{}/supervise",
                agent.id
            ),
            Some(json!({"mode": "Listen", "supervisorDeviceId": sup_dev})),
        )
        .await;
    assert_eq!(
        r.status(),
        400,
        "agentExtensionId is required, even on the agent's own party"
    );
    // Stop listening: DELETE the supervisor's party.
    assert_eq!(
        c.delete(&format!(
            "{A}/telephony/sessions/{sid}/parties/{}",
            p["id"].as_str().unwrap()
        ))
        .await
        .status(),
        204
    );
    let r = c.post(&format!("{A}/telephony/sessions/{sid}/parties/{}/supervise", agent.id), Some(json!({"mode": "Listen", "supervisorDeviceId": sup_dev, "agentExtensionId": agent_ext}))).await;
    assert_eq!(r.status(), 201);

    // Call-out: Heavy, 201, the session wrapped in `session`, the caller's leg in Setup.
    let r = c.post(&format!("{A}/telephony/call-out"), Some(json!({"from": {"deviceId": "210074565016"}, "to": {"phoneNumber": "+16505550123"}}))).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["x-rate-limit-group"], "heavy");
    let s = r.json::<Value>().await.unwrap();
    assert_eq!(keys(&s), BTreeSet::from(["session".to_string()]));
    shape(
        "session",
        &s["session"],
        &["id", "origin", "voiceCallToken", "parties", "creationTime"],
        &["id", "origin", "parties", "creationTime"],
    );
    let leg = &s["session"]["parties"][0];
    assert_eq!(leg["status"]["code"], "Setup");
    assert_eq!(leg["from"]["deviceId"], "210074565016");
    assert_eq!(leg["owner"]["extensionId"], OWNER);
    let out = s["session"]["id"].as_str().unwrap().to_string();
    note(&mut ws, "/telephony/sessions", |b| {
        b["telephonySessionId"] == out.as_str()
            && b["parties"][0]["status"]["code"] == "Answered"
            && b["parties"][0]["direction"] == "Inbound"
    })
    .await;
    let r = c.post(&format!("{A}/telephony/call-out"), Some(json!({"from": {"deviceId": "210074567516"}, "to": {"phoneNumber": "+16505550123"}}))).await;
    assert_eq!(r.status(), 400, "an Offline desk phone cannot call out");

    // Conference: empty, with a voice call token; bring-in waits for the host.
    let r = c
        .post(&format!("{A}/telephony/conference"), Some(json!({})))
        .await;
    assert_eq!(r.status(), 201);
    let conf = r.json::<Value>().await.unwrap()["session"].clone();
    assert_eq!(conf["origin"]["type"], "Conference");
    assert_eq!(conf["parties"], json!([]));
    assert!(conf["voiceCallToken"]
        .as_str()
        .unwrap()
        .starts_with("conf_"));
    let cid = conf["id"].as_str().unwrap().to_string();
    let pstn = h
        .call_states()
        .into_iter()
        .find(|s| s.id == out)
        .unwrap()
        .parties[1]
        .id
        .clone();
    let early = c
        .post(
            &format!("{A}/telephony/sessions/{cid}/parties/bring-in"),
            Some(json!({"sessionId": out, "partyId": pstn})),
        )
        .await;
    // The host joins a few (scaled) milliseconds after creation: a bring-in before that
    // is refused with the platform's 403.
    let r = if early.status() == 403 {
        assert_eq!(early.json::<Value>().await.unwrap()["errorCode"], "TAS-106");
        note(&mut ws, "/telephony/sessions", |b| {
            b["telephonySessionId"] == cid.as_str()
                && b["parties"][0]["status"]["code"] == "Answered"
                && b["parties"][0]["to"]["phoneNumber"] == "conference"
        })
        .await;
        c.post(
            &format!("{A}/telephony/sessions/{cid}/parties/bring-in"),
            Some(json!({"sessionId": out, "partyId": pstn})),
        )
        .await
    } else {
        early
    };
    assert_eq!(r.status(), 201);
    let joined = r.json::<Value>().await.unwrap();
    assert_eq!(joined["conferenceRole"], "Participant");
    assert_eq!(joined["status"]["code"], "Setup");
    assert_eq!(
        joined["to"],
        json!({"phoneNumber": "conference", "name": "Conference"})
    );
    let gone = note(&mut ws, "/telephony/sessions", |b| {
        b["telephonySessionId"] == out.as_str() && b["parties"][0]["id"] == pstn.as_str()
    })
    .await;
    assert_eq!(gone["body"]["parties"][0]["status"]["code"], "Gone");
    assert_eq!(gone["body"]["parties"][0]["status"]["reason"], "Conference");
    assert_eq!(
        c.delete(&format!(
            "{A}/telephony/sessions/{cid}/parties/{}",
            joined["id"].as_str().unwrap()
        ))
        .await
        .status(),
        204
    );
    // Before any host: a fresh conference refuses at once.
    let r = c.post(&format!("{A}/telephony/conference"), None).await;
    let fresh = r.json::<Value>().await.unwrap()["session"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = h.start_call(CallKind::Internal);
    let caller = until_party(&h, &other, |_| true).await;
    let r = c
        .post(
            &format!("{A}/telephony/sessions/{fresh}/parties/bring-in"),
            Some(json!({"telephonySessionId": other, "partyId": caller.id})),
        )
        .await;
    assert!(r.status() == 403 || r.status() == 201, "{}", r.status());
    h.shutdown().await;
}

#[tokio::test]
async fn heavy_group_is_limited_and_counted() {
    let h = start(SimConfig {
        heavy_limit_per_min: 2,
        ..quiet()
    })
    .await;
    let c = login(&h).await;
    for _ in 0..2 {
        let r = c.get(&format!("{A}/presence")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-rate-limit-limit"], "2");
    }
    let r = c.get(&format!("{A}/presence")).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["x-rate-limit-group"], "heavy");
    assert_eq!(
        c.get(&format!("{A}/extension/~/presence")).await.status(),
        200,
        "Light is separate"
    );
    let heavy = h
        .ground_truth()
        .rate_limits
        .into_iter()
        .find(|g| g.group == Some(calltop::sim::Group::Heavy))
        .unwrap();
    assert_eq!(
        (heavy.requests, heavy.limited, heavy.peak_per_minute),
        (3, 1, 2)
    );
    h.shutdown().await;
}

#[tokio::test]
async fn warm_start_is_in_progress_and_consistent() {
    let h = start(SimConfig {
        warm_start: true,
        time_scale: 1.0,
        talk_secs: (120.0, 300.0),
        ..quiet()
    })
    .await;
    let c = login(&h).await;
    let gt = h.ground_truth();
    for q in &gt.queues {
        assert!(q.waiting_now >= 1, "calls waiting in {}: {q:?}", q.name);
        assert!(q.answered >= 1, "agents talking on {}", q.name);
    }
    let states: Vec<_> = gt.agents.iter().filter_map(|a| a.state).collect();
    use calltop::sim::AgentState::*;
    for s in [OnCall, OnHold, Ringing, Offline, OffQueue] {
        assert!(states.contains(&s), "an agent is {s:?}: {states:?}");
    }
    // Every call in presence loads through the session GET, the party there.
    let all = json_of(
        c.get(&format!("{A}/presence?detailedTelephonyState=true"))
            .await,
    )
    .await;
    let mut parked = false;
    let mut n = 0;
    for r in all["records"].as_array().unwrap() {
        for call in r["activeCalls"].as_array().into_iter().flatten() {
            n += 1;
            let sid = call["telephonySessionId"].as_str().unwrap();
            let s = json_of(c.get(&format!("{A}/telephony/sessions/{sid}")).await).await;
            // The session began in the past, as its events say (a board that joins
            // shows how long it has been going).
            let created = calltop::wire::Ts::parse(s["creationTime"].as_str().unwrap()).unwrap();
            assert!(
                created.0 < gt.generated_at.0 - 2_000,
                "{sid} created {created:?}, just before the ground truth ({:?})",
                gt.generated_at
            );
            let p = s["parties"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == call["partyId"])
                .unwrap();
            let expect = match p["status"]["code"].as_str().unwrap() {
                "Setup" | "Proceeding" => "Ringing",
                "Answered" => "CallConnected",
                "Hold" => "OnHold",
                "Parked" => "ParkedCall",
                other => panic!("a dead party in presence: {other}"),
            };
            assert_eq!(call["telephonyStatus"], expect);
            parked |= expect == "ParkedCall";
        }
    }
    assert!(n >= 6 && parked, "{n} calls in presence, parked: {parked}");
    // Waiting calls: the queue party is in Setup, no agent leg answered.
    for e in gt.queue_entries.iter().filter(|e| e.outcome.is_none()) {
        assert!(e.seeded);
        let s = json_of(
            c.get(&format!(
                "{A}/telephony/sessions/{}",
                e.telephony_session_id
            ))
            .await,
        )
        .await;
        let qp = s["parties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == e.party_id.as_str())
            .unwrap();
        assert_eq!(qp["status"]["code"], "Setup");
        assert!(
            e.entered.0 < gt.generated_at.0 - 1000,
            "entered in the past"
        );
    }
    h.shutdown().await;
}

/// One queue entry: (session, queue, queue party, entered, outcome and its time).
type Entry = (String, String, String, i64, Option<(Outcome, i64)>);

/// The figures a client computes from the telephony notifications alone, by the rules in
/// `src/sim/truth.rs` (written again here, independently).
#[derive(Default, Debug)]
struct ClientView {
    entries: Vec<Entry>,
    /// (sid, party) → (code, since, answered, talk, hold, ext, queue, missed, ended).
    parties: HashMap<(String, String), Track>,
}

#[derive(Default, Debug, Clone)]
struct Track {
    code: String,
    since: Option<i64>,
    answered: bool,
    talk: i64,
    hold: i64,
    ext: String,
    queue: Option<String>,
    missed: bool,
    ended: bool,
}

impl ClientView {
    fn apply(&mut self, body: &Value) {
        let sid = body["telephonySessionId"].as_str().unwrap().to_string();
        let t = calltop::wire::Ts::parse(body["eventTime"].as_str().unwrap())
            .unwrap()
            .0;
        let p = &body["parties"][0];
        let pid = p["id"].as_str().unwrap().to_string();
        let code = p["status"]["code"].as_str().unwrap().to_string();
        let reason = p["status"]["reason"].as_str().unwrap_or_default();
        let ext = p["extensionId"].as_str().unwrap_or_default().to_string();
        let queue_leg =
            (p["queueCall"] == true).then(|| p["to"]["extensionId"].as_str().unwrap().to_string());
        let is_new = !self.parties.contains_key(&(sid.clone(), pid.clone()));
        let tr = self.parties.entry((sid.clone(), pid.clone())).or_default();
        tr.ext = ext.clone();
        tr.queue = tr.queue.clone().or(queue_leg.clone());
        if tr.code != code {
            if let Some(s) = tr.since.take() {
                match tr.code.as_str() {
                    "Answered" => tr.talk += t - s,
                    "Hold" => tr.hold += t - s,
                    _ => {}
                }
            }
            if code == "Answered" || code == "Hold" {
                tr.since = Some(t);
            }
        }
        tr.code = code.clone();
        let first_answer = code == "Answered" && !tr.answered;
        tr.answered |= code == "Answered";
        let terminal = code == "Disconnected" || code == "Gone";
        if terminal && !tr.ended {
            tr.ended = true;
            tr.missed = !tr.answered && p["missedCall"] == true;
        }
        let open = |v: &[Entry], q: Option<&str>, party: Option<&str>| -> Vec<usize> {
            (0..v.len())
                .filter(|&i| {
                    let e = &v[i];
                    e.0 == sid
                        && e.4.is_none()
                        && q.is_none_or(|q| e.1 == q)
                        && party.is_none_or(|p| e.2 == p)
                })
                .collect()
        };
        if let Some(q) = &queue_leg {
            if first_answer {
                if let Some(&i) = open(&self.entries, Some(q), None).first() {
                    self.entries[i].4 = Some((Outcome::Answered, t));
                }
            }
            return;
        }
        if ext == SALES || ext == SUPPORT {
            if is_new && code == "Setup" {
                self.entries.push((sid.clone(), ext, pid, t, None));
            } else if code == "Disconnected" {
                let outcome = match reason {
                    "Voicemail" => Outcome::Voicemail,
                    "CallRedirected" => Outcome::Overflow,
                    _ => return,
                };
                for i in open(&self.entries, None, Some(&pid)) {
                    self.entries[i].4 = Some((outcome, t));
                }
            }
            return;
        }
        if ext.is_empty() && p["direction"] == "Outbound" && terminal {
            for i in open(&self.entries, None, None) {
                self.entries[i].4 = Some((Outcome::Abandoned, t));
            }
        }
    }
}

/// Drives a busy contact center, records every telephony notification from before the
/// first call to after the last, and checks: the ground truth adds up, the router agrees
/// with it, and a client computing from the stream alone gets exactly the same figures.
#[tokio::test]
async fn ground_truth_adds_up_and_equals_a_client_of_the_stream() {
    let h = start(SimConfig {
        generate_calls: false,
        calls_per_minute: 1500.0,
        time_scale: 0.01,
        talk_secs: (60.0, 180.0),
        ..fast()
    })
    .await;
    let c = login(&h).await;
    let (mut ws, _) = c.connect(None).await;
    subscribe(&mut ws, &["/restapi/v1.0/account/~/telephony/sessions"]).await;
    h.resume_new_calls();
    let mut client = ClientView::default();
    let mut n = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    while tokio::time::Instant::now() < deadline {
        if let Some(f) = wait_for(&mut ws, 2, |_| true).await {
            client.apply(&f["body"]);
            n += 1;
        }
    }
    h.stop_new_calls();
    // Let every call finish (transfers and parks included), then drain the socket.
    for _ in 0..400 {
        if h.active_calls() == 0 {
            break;
        }
        while let Ok(Some(f)) =
            tokio::time::timeout(Duration::from_millis(5), wait_for(&mut ws, 1, |_| true)).await
        {
            client.apply(&f["body"]);
            n += 1;
        }
    }
    assert_eq!(h.active_calls(), 0, "calls finish");
    while let Some(f) = wait_for(&mut ws, 1, |_| true).await {
        client.apply(&f["body"]);
        n += 1;
    }
    let gt: GroundTruth = h.ground_truth();
    assert_eq!(n, h.emitted_uuids().len(), "the client saw every event");

    // Internal consistency.
    let mut answered = 0;
    for (q, r) in gt.queues.iter().zip(&gt.router) {
        assert_eq!(
            q.offered,
            q.answered + q.abandoned + q.voicemail + q.overflow + q.waiting_now,
            "{q:?}"
        );
        assert_eq!(q.waiting_now, 0);
        assert!(q.answered_within_sla <= q.answered);
        assert_eq!(
            (
                r.entered,
                r.answered,
                r.abandoned,
                r.voicemail,
                r.overflow,
                r.other
            ),
            (
                q.offered,
                q.answered,
                q.abandoned,
                q.voicemail,
                q.overflow,
                0
            ),
            "the router's own tally agrees with the events: {r:?} {q:?}"
        );
        answered += q.answered;
        assert!(q.offered > 0);
    }
    let handled: u64 = gt.agents.iter().map(|a| a.handled).sum();
    assert_eq!(
        handled, answered,
        "every answered entry is one agent's handled call"
    );
    let total = |o: Outcome| {
        gt.queue_entries
            .iter()
            .filter(|e| e.outcome == Some(o))
            .count() as u64
    };
    assert!(
        total(Outcome::Answered) > 0 && total(Outcome::Abandoned) + total(Outcome::Voicemail) > 0,
        "a busy center: {:?}",
        gt.queues
    );

    // The client's figures, exactly.
    for q in &gt.queues {
        let mine: Vec<_> = client.entries.iter().filter(|e| e.1 == q.id).collect();
        assert_eq!(mine.len() as u64, q.offered, "{}", q.name);
        let count = |o: Outcome| mine.iter().filter(|e| e.4.map(|x| x.0) == Some(o)).count() as u64;
        assert_eq!(count(Outcome::Answered), q.answered, "{}", q.name);
        assert_eq!(count(Outcome::Abandoned), q.abandoned, "{}", q.name);
        assert_eq!(count(Outcome::Voicemail), q.voicemail, "{}", q.name);
        assert_eq!(count(Outcome::Overflow), q.overflow, "{}", q.name);
        let waits: i64 = mine
            .iter()
            .filter(|e| e.4.map(|x| x.0) == Some(Outcome::Answered))
            .map(|e| e.4.unwrap().1 - e.3)
            .sum();
        assert_eq!(waits, q.total_answer_wait_ms, "{} speed of answer", q.name);
        let within = mine
            .iter()
            .filter(|e| {
                e.4.is_some_and(|x| {
                    x.0 == Outcome::Answered && x.1 - e.3 <= q.sla_threshold_seconds as i64 * 1000
                })
            })
            .count() as u64;
        assert_eq!(within, q.answered_within_sla);
        let abandon: i64 = mine
            .iter()
            .filter(|e| e.4.map(|x| x.0) == Some(Outcome::Abandoned))
            .map(|e| e.4.unwrap().1 - e.3)
            .sum();
        assert_eq!(abandon, q.total_abandon_wait_ms);
    }
    for a in &gt.agents {
        let legs: Vec<&Track> = client
            .parties
            .values()
            .filter(|t| t.ext == a.id && t.queue.is_some())
            .collect();
        let all: Vec<&Track> = client.parties.values().filter(|t| t.ext == a.id).collect();
        assert_eq!(legs.len() as u64, a.offers, "{}", a.name);
        assert_eq!(
            legs.iter().filter(|t| t.answered).count() as u64,
            a.handled,
            "{}",
            a.name
        );
        assert_eq!(
            legs.iter().filter(|t| t.missed).count() as u64,
            a.missed,
            "{}",
            a.name
        );
        assert_eq!(
            legs.iter().filter(|t| t.ended && !t.answered).count() as u64,
            a.unanswered,
            "{}",
            a.name
        );
        assert_eq!(
            legs.iter().map(|t| t.talk).sum::<i64>(),
            a.talk_ms,
            "{} talk",
            a.name
        );
        assert_eq!(
            legs.iter().map(|t| t.hold).sum::<i64>(),
            a.hold_ms,
            "{} hold",
            a.name
        );
        assert_eq!(
            all.iter().map(|t| t.talk).sum::<i64>(),
            a.all_talk_ms,
            "{} all talk",
            a.name
        );
        assert_eq!(
            all.iter().map(|t| t.hold).sum::<i64>(),
            a.all_hold_ms,
            "{} all hold",
            a.name
        );
    }
    // The debug route serves the same truth.
    let r: GroundTruth = reqwest::get(format!("{}/sim/ground-truth", h.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r.queue_entries.len(), gt.queue_entries.len());
    h.shutdown().await;
}

#[tokio::test]
async fn agents_off_a_queue_are_never_rung_for_it() {
    let h = start(SimConfig {
        generate_calls: false,
        agent_churn: false,
        time_scale: 0.01,
        ..fast()
    })
    .await;
    let c = login(&h).await;
    // Sales: every member off this queue. Support: one member on DND for queues.
    let m = json_of(c.get(&format!("{A}/call-queues/{SALES}/presence")).await).await;
    let off: Vec<Value> = m["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!({"member": {"id": r["member"]["id"]}, "acceptCurrentQueueCalls": false}))
        .collect();
    let r = c
        .http
        .put(c.url(&format!("{A}/call-queues/{SALES}/presence")))
        .bearer_auth(&c.token)
        .json(&json!({"records": off}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let dnd = "62242411016";
    let r = c
        .http
        .put(c.url(&format!("{A}/extension/{dnd}/presence")))
        .bearer_auth(&c.token)
        .json(&json!({"dndStatus": "DoNotAcceptDepartmentCalls"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for _ in 0..6 {
        h.start_call(CallKind::Queue);
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    let gt = h.ground_truth();
    let sales = gt.queues.iter().find(|q| q.id == SALES).unwrap();
    assert!(sales.offered > 0);
    assert_eq!(sales.answered, 0, "nobody takes Sales calls: {sales:?}");
    assert!(
        gt.agent_legs.iter().all(|l| l.queue_id != SALES),
        "no Sales leg was offered"
    );
    assert!(
        gt.agent_legs.iter().all(|l| l.agent_id != dnd),
        "a DND agent gets no queue calls"
    );
    assert_eq!(
        sales.offered,
        sales.abandoned + sales.voicemail + sales.waiting_now + sales.overflow
    );
    h.shutdown().await;
}
