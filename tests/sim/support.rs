//! A small client for the simulator tests: OAuth, wstoken, the gateway socket.
#![allow(dead_code)]

use calltop::sim::{SimConfig, SimHandle};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Fast test settings: many calls, short durations, generous limits.
pub fn fast() -> SimConfig {
    SimConfig {
        seed: 7,
        calls_per_minute: 300.0,
        time_scale: 0.01,
        talk_secs: (60.0, 120.0),
        light_limit_per_min: 10_000,
        medium_limit_per_min: 10_000,
        auth_limit_per_min: 10_000,
        ..SimConfig::default()
    }
}

pub async fn start(cfg: SimConfig) -> SimHandle {
    calltop::sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sim starts")
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    pub refresh: String,
}

pub async fn token_raw(h: &SimHandle, form: &[(&str, &str)]) -> reqwest::Response {
    let c = h.credentials();
    reqwest::Client::new()
        .post(format!("{}/restapi/oauth/token", h.base_url()))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Logs in with the simulator's own JWT (the supervisor's).
pub async fn login(h: &SimHandle) -> Client {
    login_as(h, &h.credentials().jwt).await
}

/// Logs in with `jwt` (e.g. an agent's, from `calltop::sim::user_jwt`).
pub async fn login_as(h: &SimHandle, jwt: &str) -> Client {
    let r = token_raw(
        h,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", jwt),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let t: calltop::wire::TokenResponse = r.json().await.unwrap();
    assert_eq!(t.token_type, "bearer");
    Client {
        http: reqwest::Client::new(),
        base: h.base_url(),
        token: t.access_token,
        refresh: t.refresh_token.unwrap(),
    }
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut r = self.http.post(self.url(path)).bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send().await.unwrap()
    }

    pub async fn patch(&self, path: &str, body: Value) -> reqwest::Response {
        self.http
            .patch(self.url(path))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.http
            .delete(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn wstoken(&self) -> calltop::wire::WsTokenResponse {
        let r = self.post("/restapi/oauth/wstoken", None).await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// Connects a socket (optionally recovering `wsc`); returns it with ConnectionDetails.
    pub async fn connect(&self, wsc: Option<&str>) -> (Ws, Value) {
        let t = self.wstoken().await;
        let mut url = format!("{}?access_token={}", t.uri, t.ws_access_token);
        if let Some(w) = wsc {
            url.push_str(&format!("&wsc={w}"));
        }
        let (mut ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("ws connects");
        let first = next_json(&mut ws).await.expect("a first frame");
        assert_eq!(
            first[0]["type"], "ConnectionDetails",
            "first frame: {first}"
        );
        (ws, first)
    }
}

/// The next text frame as JSON (None on close / timeout); malformed frames are skipped.
pub async fn next_json(ws: &mut Ws) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => match serde_json::from_str::<Value>(t.as_str()) {
                Ok(v) if v.is_array() && v[0].is_object() => return Some(v),
                _ => continue,
            },
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// Subscribes on the socket; returns the subscription id.
pub async fn subscribe(ws: &mut Ws, filters: &[&str]) -> String {
    send(
        ws,
        json!([{"type": "ClientRequest", "messageId": "sub-1", "method": "POST", "path": "/restapi/v1.0/subscription"},
               {"eventFilters": filters, "deliveryMode": {"transportType": "WebSocket"}}]),
    )
    .await;
    loop {
        let f = next_json(ws).await.expect("subscription reply");
        if f[0]["messageId"] == "sub-1" {
            assert_eq!(f[0]["type"], "ClientRequest");
            assert_eq!(f[0]["status"], 200, "{f}");
            let id = f[1]["id"].as_str().unwrap().to_string();
            assert_eq!(f[0]["headers"]["WSG-SubscriptionId"], id.as_str());
            return id;
        }
    }
}

/// Waits for a ServerNotification matching `pred` (up to `secs`).
pub async fn wait_for(
    ws: &mut Ws,
    secs: u64,
    mut pred: impl FnMut(&Value) -> bool,
) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        let left = deadline - tokio::time::Instant::now();
        match tokio::time::timeout(left, next_json(ws)).await {
            Ok(Some(f)) if f[0]["type"] == "ServerNotification" && pred(&f[1]) => {
                return Some(f[1].clone())
            }
            Ok(Some(_)) => continue,
            _ => return None,
        }
    }
    None
}

/// Polls the sim's own view until `pred` holds for some party of `sid`.
pub async fn until_party(
    h: &SimHandle,
    sid: &str,
    mut pred: impl FnMut(&calltop::wire::Party) -> bool,
) -> calltop::wire::Party {
    for _ in 0..400 {
        if let Some(s) = h.call_states().into_iter().find(|s| s.id == sid) {
            if let Some(p) = s.parties.iter().find(|p| pred(p)) {
                return p.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "no such party in {sid}: {:?}",
        h.call_states().into_iter().find(|s| s.id == sid)
    );
}

/// `POST /sim/ring` with `body`; the telephonySessionId of the call it made.
pub async fn sim_ring(h: &SimHandle, body: Value) -> String {
    let r: Value = reqwest::Client::new()
        .post(format!("{}/sim/ring", h.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["telephonySessionId"].as_str().unwrap().to_string()
}
