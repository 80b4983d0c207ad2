//! REST routes: extension info, presence, subscriptions over HTTP, and every Call
//! Control endpoint under `/restapi/v1.0/account/{accountId}/telephony/sessions`.

// Helpers return ready HTTP error responses (the axum idiom), so Err is large.
#![allow(clippy::result_large_err)]

use super::auth::Authed;
use super::calls::Target;
use super::control::ActionError;
use super::directory::Ext;
use super::errors::{bad_param, ctl, not_found};
use super::extract::{Api, IdP, JsonObj, PartyP, SidP};
use super::world::World;
use crate::wire::notification::Owner;
use crate::wire::{Party, Recording};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// `…/parties/{pid}/recordings/{rid}`.
#[derive(serde::Deserialize)]
pub struct RecP {
    sid: String,
    pid: String,
    rid: String,
}

/// `…/parties/{pid}/{action}`.
#[derive(serde::Deserialize)]
pub struct ActionP {
    sid: String,
    pid: String,
    action: String,
}

/// A party as REST responses show it (with `owner`).
pub fn rest_party(p: &Party) -> Party {
    let mut p = p.clone();
    if p.extension_id.is_some() {
        p.owner = Some(Owner {
            account_id: p.account_id.clone(),
            extension_id: p.extension_id.clone(),
        });
    }
    p
}

/// `POST /restapi/v1.0/subscription` over HTTP: WebSocket subscriptions must be made
/// on the socket (the gateway binds them to it).
pub async fn subscription_http(_a: Authed, JsonObj(m): JsonObj) -> Response {
    let Some(m) = m else {
        return bad_param("eventFilters", "Parameter [eventFilters] is required");
    };
    let transport = m
        .get("deliveryMode")
        .and_then(|d| d.get("transportType"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    match transport {
        "WebSocket" => bad_param(
            "deliveryMode.transportType",
            "WebSocket subscriptions are created with a ClientRequest on the WebSocket connection",
        ),
        "" => bad_param(
            "deliveryMode.transportType",
            "Parameter [deliveryMode.transportType] is required",
        ),
        t => bad_param(
            "deliveryMode.transportType",
            &format!("Transport type [{t}] is not supported by this simulator; use WebSocket"),
        ),
    }
}

/// `GET /restapi/v1.0/subscription/{id}`.
pub async fn subscription_get(
    Api {
        sim,
        path: IdP { id },
        ..
    }: Api<IdP>,
) -> Response {
    let w = sim.world();
    match w.hub.subscription(&id) {
        Some(s) => Json(super::gateway::subscription_info(s)).into_response(),
        None => not_found(&format!("Subscription [{id}] not found")),
    }
}

pub fn locate(w: &World, sid: &str) -> Result<usize, Response> {
    match w.index.get(sid) {
        Some(&ci) if !w.calls[ci].ended => Ok(ci),
        _ => Err(not_found(&format!("Telephony session [{sid}] not found"))),
    }
}

pub fn locate_party(w: &World, sid: &str, pid: &str) -> Result<(usize, usize), Response> {
    let ci = locate(w, sid)?;
    match w.calls[ci].party_index(pid) {
        Some(pi) => Ok((ci, pi)),
        None => Err(not_found(&format!("Party [{pid}] not found"))),
    }
}

/// `GET …/telephony/sessions/{id}`.
pub async fn session_get(
    Api {
        sim,
        auth: _,
        path: SidP { sid },
    }: Api<SidP>,
) -> Response {
    let w = sim.world();
    match locate(&w, &sid) {
        Ok(ci) => {
            let mut s = w.calls[ci].to_session();
            s.parties = s.parties.iter().map(rest_party).collect();
            Json(s).into_response()
        }
        Err(r) => r,
    }
}

/// `DELETE …/telephony/sessions/{id}`: hang up the whole call.
pub async fn session_delete(
    Api {
        sim,
        auth: _,
        path: SidP { sid },
    }: Api<SidP>,
) -> Response {
    sim.counts.control("delete", &sid, "");
    let mut w = sim.world();
    match locate(&w, &sid) {
        Ok(ci) => {
            w.end_call(ci);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => r,
    }
}

/// The user behind a device id (the caller when unknown).
fn device_owner(w: &World, device: &str, owner: &str) -> Ext {
    w.dir
        .device(device)
        .map(|d| d.owner)
        .or_else(|| w.dir.user_index(owner))
        .map(|u| w.dir.users[u].clone())
        .unwrap_or_else(|| w.dir.owner().clone())
}

/// `GET …/parties/{partyId}`.
pub async fn party_get(
    Api {
        sim,
        auth: _,
        path: PartyP { sid, pid },
    }: Api<PartyP>,
) -> Response {
    let w = sim.world();
    match locate_party(&w, &sid, &pid) {
        Ok((ci, pi)) => Json(rest_party(&w.calls[ci].parties[pi])).into_response(),
        Err(r) => r,
    }
}

/// `PATCH …/parties/{partyId}`: `{"muted": bool, "standAlone": bool}` (flat, as the
/// SDK sends it; the spec's `{"party": {…}}` wrapper is accepted too).
pub async fn party_patch(
    Api {
        sim,
        auth: _,
        path: PartyP { sid, pid },
    }: Api<PartyP>,
    m: JsonObj,
) -> Response {
    sim.counts.control("patch", &sid, &pid);
    let Some(m) = m.0 else {
        return bad_param("muted", "Parameter [muted] or [standAlone] is required");
    };
    let src = match m.get("party") {
        Some(Value::Object(p)) => p.clone(),
        _ => m,
    };
    let flag = |k: &str| -> Result<Option<bool>, Response> {
        match src.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(bad_param(k, &format!("Parameter [{k}] must be a boolean"))),
        }
    };
    let (muted, stand_alone) = match (flag("muted"), flag("standAlone")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    if muted.is_none() && stand_alone.is_none() {
        return bad_param("muted", "Parameter [muted] or [standAlone] is required");
    }
    let mut w = sim.world();
    let (ci, pi) = match locate_party(&w, &sid, &pid) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match w.update_party(ci, pi, muted, stand_alone) {
        Ok(p) => Json(rest_party(&p)).into_response(),
        Err(e) => ctl(e),
    }
}

/// `DELETE …/parties/{partyId}`: only parked or supervising parties.
pub async fn party_delete(
    Api {
        sim,
        auth: _,
        path: PartyP { sid, pid },
    }: Api<PartyP>,
) -> Response {
    sim.counts.control("delete", &sid, &pid);
    let mut w = sim.world();
    let (ci, pi) = match locate_party(&w, &sid, &pid) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match w.delete_party(ci, pi) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ctl(e),
    }
}

/// `PATCH …/parties/{partyId}/recordings/{recordingId}`: pause / resume.
pub async fn recording_patch(
    Api {
        sim,
        auth: _,
        path: RecP { sid, pid, rid },
    }: Api<RecP>,
    m: JsonObj,
) -> Response {
    let Some(active) =
        m.0.as_ref()
            .and_then(|m| m.get("active"))
            .and_then(Value::as_bool)
    else {
        return bad_param(
            "active",
            "Parameter [active] is required and must be a boolean",
        );
    };
    let mut w = sim.world();
    let (ci, pi) = match locate_party(&w, &sid, &pid) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match w.update_recording(ci, pi, &rid, active) {
        Ok(r) => Json(recording_json(&r)).into_response(),
        Err(e) => ctl(e),
    }
}

fn recording_json(r: &Recording) -> Value {
    json!({ "id": r.id, "active": r.active })
}

const PROTOS: &[&str] = &[
    "Auto",
    "RC",
    "BroadWorks",
    "DisconnectHolder",
    "BroadWorksOrDisconnectHolder",
];
const PATTERNS: &[&str] = &[
    "WillCallYouBack",
    "CallMeBack",
    "OnMyWay",
    "OnTheOtherLine",
    "WillCallYouBackLater",
    "CallMeBackLater",
    "InAMeeting",
    "OnTheOtherLineNoCall",
];

const TIME_UNITS: &[&str] = &["Minute", "Hour", "Day"];

/// `POST …/parties/{partyId}/{action}`: every party action of Call Control.
pub async fn party_action(
    Api {
        sim,
        auth: a,
        path: ActionP { sid, pid, action },
    }: Api<ActionP>,
    m: JsonObj,
) -> Response {
    const ACTIONS: &[&str] = &[
        "hold",
        "unhold",
        "transfer",
        "forward",
        "reject",
        "ignore",
        "answer",
        "pickup",
        "park",
        "flip",
        "bridge",
        "reply",
        "recordings",
    ];
    if !ACTIONS.contains(&action.as_str()) {
        return not_found(&format!("Resource [{action}] not found"));
    }
    sim.counts.control(&action, &sid, &pid);
    if let Err(r) = check_params(&action, &m) {
        return r;
    }
    let mut w = sim.world();
    let resp = match locate_party(&w, &sid, &pid) {
        Ok((ci, pi)) => act(&mut w, (ci, pi), &action, &m, &a.owner),
        Err(r) => return r,
    };
    drop(w);
    sim.wake.notify_one();
    resp
}

/// The parameter checks of a party action that do not need the call: a 400 names the
/// bad parameter.
fn check_params(action: &str, m: &JsonObj) -> Result<(), Response> {
    match action {
        "hold" => match m.field("proto") {
            Some(p) if !PROTOS.contains(&p.as_str()) => Err(bad_param(
                "proto",
                &format!("Parameter [proto] value [{p}] is invalid"),
            )),
            _ => Ok(()),
        },
        "flip" if m.field("callFlipId").is_none() => Err(bad_param(
            "callFlipId",
            "Parameter [callFlipId] is required",
        )),
        "bridge" if m.field("telephonySessionId").is_none() || m.field("partyId").is_none() => {
            Err(bad_param(
                "telephonySessionId",
                "Parameters [telephonySessionId] and [partyId] are required",
            ))
        }
        "reply" => check_reply(m),
        _ => Ok(()),
    }
}

/// A reply's body: a non-empty `replyWithText`, or `replyWithPattern` with a known
/// pattern (and, if given, a known `timeUnit`).
fn check_reply(m: &JsonObj) -> Result<(), Response> {
    let text = m.field("replyWithText").filter(|t| !t.trim().is_empty());
    let with = m.0.as_ref().and_then(|m| m.get("replyWithPattern"));
    let of = |k: &str| with.and_then(|p| p.get(k)).and_then(Value::as_str);
    let pattern = of("pattern").map(str::to_string);
    if let Some(u) = of("timeUnit").filter(|u| !TIME_UNITS.contains(u)) {
        return Err(bad_param(
            "replyWithPattern.timeUnit",
            &format!("Parameter [timeUnit] value [{u}] is invalid"),
        ));
    }
    match (text, pattern) {
        (Some(_), _) => Ok(()),
        (None, Some(p)) if PATTERNS.contains(&p.as_str()) => Ok(()),
        (None, Some(p)) => Err(bad_param(
            "replyWithPattern.pattern",
            &format!("Parameter [pattern] value [{p}] is invalid"),
        )),
        (None, None) => Err(bad_param(
            "replyWithText",
            "Parameter [replyWithText] or [replyWithPattern] is required",
        )),
    }
}

/// Runs a checked party action on party `pi` of call `ci`; `owner` is the caller's
/// extension (whose device picks up when none is named).
fn act(
    w: &mut World,
    (ci, pi): (usize, usize),
    action: &str,
    m: &JsonObj,
    owner: &str,
) -> Response {
    let target = |w: &World, park: bool| -> Result<Target, ActionError> {
        w.target(
            m.field("phoneNumber").as_deref(),
            m.field("extensionNumber").as_deref(),
            m.field("voicemail").as_deref(),
            m.field("parkOrbit").as_deref(),
            m.field("extensionId").as_deref(),
            park,
        )
    };
    let party_ok = |r: Result<Party, ActionError>, status: StatusCode| match r {
        Ok(p) => (status, Json(rest_party(&p))).into_response(),
        Err(e) => ctl(e),
    };
    let done = |r: Result<(), ActionError>| match r {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ctl(e),
    };
    // An action that adds a party (pickup, flip) lets the call follow up on it.
    let follow = |w: &mut World, r: Result<Party, ActionError>| {
        if r.is_ok() {
            let last = w.calls[ci].parties.len() - 1;
            w.follow_up(ci, last);
        }
        r
    };
    match action {
        "hold" => party_ok(w.hold(ci, pi), StatusCode::OK),
        "unhold" => party_ok(w.unhold(ci, pi), StatusCode::OK),
        "transfer" => match target(w, true) {
            Ok(t) => party_ok(w.transfer(ci, pi, t, true), StatusCode::OK),
            Err(e) => ctl(e),
        },
        "forward" => match target(w, false) {
            Ok(t) => party_ok(w.forward(ci, pi, t), StatusCode::OK),
            Err(e) => ctl(e),
        },
        "reject" => done(w.reject(ci, pi)),
        "ignore" => done(w.ignore(ci, pi)),
        "answer" => party_ok(w.answer(ci, pi), StatusCode::OK),
        "pickup" => {
            let by = device_owner(w, &m.field("deviceId").unwrap_or_default(), owner);
            let r = w.pickup(ci, pi, &by);
            party_ok(follow(w, r), StatusCode::CREATED)
        }
        "park" => party_ok(w.park(ci, pi), StatusCode::CREATED),
        "flip" => {
            let r = w.flip(ci, pi);
            party_ok(follow(w, r), StatusCode::OK)
        }
        "bridge" => {
            let (osid, opid) = (
                m.field("telephonySessionId").unwrap_or_default(),
                m.field("partyId").unwrap_or_default(),
            );
            match locate_party(w, &osid, &opid) {
                Ok((oi, opi)) => party_ok(w.bridge(ci, pi, oi, opi), StatusCode::OK),
                Err(r) => r,
            }
        }
        "reply" => party_ok(w.reply(ci, pi), StatusCode::OK),
        "recordings" => match w.start_recording(ci, pi, false) {
            Ok(r) => (StatusCode::CREATED, Json(recording_json(&r))).into_response(),
            Err(e) => ctl(e),
        },
        _ => not_found("Resource not found"),
    }
}

/// Anything else: the platform's 404.
pub async fn fallback() -> Response {
    not_found("Resource for parameter [path] is not found")
}
