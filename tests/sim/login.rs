//! Every user of the simulator's directory logs in with its own JWT (`calltop sim jwt`):
//! the access token is that user's — `~`, subscriptions, Call Control and rate limits.

use crate::support as sim_support;

use calltop::sim::SimConfig;
use serde_json::{json, Value};
use sim_support::*;
use std::time::Duration;

const GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const SUPERVISOR: &str = "62242400016";
const AGENT: &str = "62242401016";

/// `jwt` with its payload's `from` replaced by `to` (header and signature kept).
fn forged(jwt: &str, from: &str, to: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jwt.split('.').collect();
    let payload = String::from_utf8(b64.decode(parts[1]).unwrap()).unwrap();
    assert!(payload.contains(from), "{payload}");
    let payload = b64.encode(payload.replace(from, to));
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[tokio::test]
async fn an_agent_logs_in_as_itself_with_its_own_rate_limit() {
    let h = start(SimConfig {
        generate_calls: false,
        light_limit_per_min: 3,
        ..fast()
    })
    .await;
    let jwt = calltop::sim::user_jwt(12, calltop::sim::ACCOUNT_ID, "102").unwrap();
    assert_eq!(
        calltop::sim::user_jwt(12, calltop::sim::ACCOUNT_ID, AGENT).unwrap(),
        jwt,
        "by id too"
    );
    assert_ne!(jwt, h.credentials().jwt);

    let r = token_raw(&h, &[("grant_type", GRANT), ("assertion", &jwt)]).await;
    assert_eq!(r.status(), 200);
    let t: calltop::wire::TokenResponse = r.json().await.unwrap();
    assert_eq!(t.owner_id.as_deref(), Some(AGENT));

    // `~` is the agent.
    let agent = login_as(&h, &jwt).await;
    let me: Value = agent
        .get("/restapi/v1.0/account/~/extension/~")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"].to_string(), AGENT);
    assert_eq!(
        (&me["extensionNumber"], &me["name"]),
        (&json!("102"), &json!("Bob Martinez"))
    );

    // Anything but a demo JWT of an enabled user is refused as the platform does.
    let refused = [
        forged(&jwt, AGENT, "62242499016"), // the disabled former agent
        forged(&jwt, AGENT, "62299101016"), // a call queue, not a user
        forged(&jwt, AGENT, "99999999999"), // nobody
        forged(&jwt, "3900000000", "3900000001"), // another expiry, same signature
        format!("{}x", &jwt[..jwt.rfind('.').unwrap() + 1]), // another signature
    ];
    for bad in &refused {
        let r = token_raw(&h, &[("grant_type", GRANT), ("assertion", bad)]).await;
        assert_eq!(r.status(), 400, "{bad}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"], "invalid_grant");
        assert_eq!(e["errors"][0]["errorCode"], "OAU-140");
        assert_eq!(
            e["error_description"], "Invalid resource owner credentials",
            "{e}"
        );
    }

    // Light: 3 a minute per user. The agent spends its budget (one request above)...
    for _ in 0..2 {
        let r = agent.get("/restapi/v1.0/account/~/extension/~").await;
        assert_eq!(r.status(), 200);
    }
    let r = agent.get("/restapi/v1.0/account/~/extension/~").await;
    assert_eq!(r.status(), 429, "the agent's budget is spent");
    // ...and the supervisor still has all of its own.
    let sup = login(&h).await;
    let r = sup.get("/restapi/v1.0/account/~/extension/~").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-rate-limit-remaining"], "2");
    let me: Value = r.json().await.unwrap();
    assert_eq!(
        me["id"].to_string(),
        SUPERVISOR,
        "the simulator's own JWT is the supervisor's"
    );
    let r = agent.get("/restapi/v1.0/account/~/extension/~").await;
    assert_eq!(
        r.status(),
        429,
        "the supervisor's requests do not free the agent's"
    );
    h.shutdown().await;
}

/// Logging in counts against the Auth group of the user logging in, as every other
/// request of that user does: one user's logins leave another's budget whole.
#[tokio::test]
async fn logins_spend_the_users_own_auth_budget() {
    let h = start(SimConfig {
        generate_calls: false,
        auth_limit_per_min: 2,
        ..fast()
    })
    .await;
    let agent = calltop::sim::user_jwt(12, calltop::sim::ACCOUNT_ID, "102").unwrap();
    let login = |jwt: String| {
        let h = &h;
        async move {
            token_raw(h, &[("grant_type", GRANT), ("assertion", &jwt)])
                .await
                .status()
        }
    };
    assert_eq!(login(agent.clone()).await, 200);
    let c = login_as(&h, &agent).await;
    assert_eq!(login(agent.clone()).await, 429, "the agent's third login");
    assert_eq!(
        c.post("/restapi/oauth/wstoken", None).await.status(),
        429,
        "its wstoken is in the same budget"
    );
    assert_eq!(
        login(h.credentials().jwt).await,
        200,
        "the supervisor's budget is its own"
    );
    h.shutdown().await;
}

/// An agent rung for a queue call ignores it with its own token, and the queue offers
/// the call to another member at once (long before the agent timeout); the agent's own
/// subscription (`~`) sees its leg end.
#[tokio::test]
async fn an_agent_ignores_a_queue_call_and_the_queue_offers_it_to_another() {
    let h = start(SimConfig {
        generate_calls: false,
        extras: false,
        agent_churn: false,
        // Real time: a member rings 15 s (Sales) and answers after 2 s at the earliest.
        time_scale: 1.0,
        ..fast()
    })
    .await;
    // A caller enters Sales, which rings one member at a time.
    let sid = sim_ring(&h, json!({"queueNumber": "2001"})).await;
    let queue_leg = |p: &calltop::wire::Party| {
        p.queue_call == Some(true)
            && p.status.as_ref().map(|s| s.code.as_str()) == Some("Proceeding")
    };
    let rung = until_party(&h, &sid, queue_leg).await;
    let who = rung.extension_id.clone().unwrap();

    let agent = login_as(
        &h,
        &calltop::sim::user_jwt(12, calltop::sim::ACCOUNT_ID, &who).unwrap(),
    )
    .await;
    let (mut ws, _) = agent.connect(None).await;
    subscribe(
        &mut ws,
        &["/restapi/v1.0/account/~/extension/~/telephony/sessions"],
    )
    .await;
    let r = agent
        .post(
            &format!(
                "/restapi/v1.0/account/~/telephony/sessions/{sid}/parties/{}/ignore",
                rung.id
            ),
            Some(json!({})),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());

    let own = wait_for(&mut ws, 5, |n| {
        n["body"]["parties"][0]["id"] == rung.id.as_str()
            && n["body"]["parties"][0]["status"]["code"] == "Disconnected"
    })
    .await
    .expect("the agent's subscription sees its leg end");
    assert_eq!(own["ownerId"], who.as_str());
    assert!(
        own["event"].as_str().unwrap().contains(&who),
        "the agent's `~`: {own}"
    );

    let next = tokio::time::timeout(
        Duration::from_secs(5),
        until_party(&h, &sid, |p| {
            queue_leg(p) && p.extension_id.as_deref() != Some(&who)
        }),
    )
    .await
    .expect("another member is rung within 5 s (the agent timeout is 15 s)");
    assert_ne!(next.id, rung.id);
    let legs: Vec<_> = h
        .ground_truth()
        .agent_legs
        .into_iter()
        .filter(|l| l.telephony_session_id == sid)
        .collect();
    let ignored = legs.iter().find(|l| l.party_id == rung.id).unwrap();
    assert!(
        ignored.answered.is_none() && ignored.ended.is_some(),
        "{ignored:?}"
    );
    h.shutdown().await;
}
