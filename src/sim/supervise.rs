//! Supervision and the calls a supervisor places (supervisor-api.md §6): listen-in on a
//! session or one party, call-out from a device, an empty conference the host joins, and
//! bringing a party of another call into it. Each request checks what the platform checks
//! (an `Online` device, one supervisor per call, a joined host) and answers the platform's
//! bodies; the resulting parties show in the telephony notifications.

// Helpers return ready HTTP error responses (the axum idiom), so Err is large.
#![allow(clippy::result_large_err)]

use super::errors::{api_error, bad_param, ctl, not_found};
use super::extract::{Api, JsonObj, NoPath, PartyP, SidP};
use super::rest::{locate, locate_party, rest_party};
use super::world::World;
use crate::wire::supervision::{BringInRequest, CallOutRequest, SessionCreated, SuperviseRequest};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

fn created<T: serde::Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// The supervisor (user index) behind a usable device: known and `Online`.
fn online_device(w: &World, param: &str, id: Option<&str>) -> Result<(usize, String), Response> {
    let Some(id) = id else {
        return Err(bad_param(
            param,
            &format!("Parameter [{param}] is required"),
        ));
    };
    let Some(d) = w.dir.device(id) else {
        return Err(bad_param(
            param,
            &format!("Parameter [{param}] value [{id}] is invalid: no such device"),
        ));
    };
    if !d.plugged_in || w.presence[d.owner].offline {
        return Err(bad_param(
            param,
            &format!("Device [{id}] is Offline; the device status must be Online"),
        ));
    }
    Ok((d.owner, id.to_string()))
}

/// Checks a supervise body: `mode` Listen, an online device; returns (supervisor, device).
fn supervise_args(w: &World, req: &SuperviseRequest) -> Result<(usize, String), Response> {
    match req.mode.as_deref() {
        None => return Err(bad_param("mode", "Parameter [mode] is required")),
        Some(m) if m.eq_ignore_ascii_case("Listen") => {}
        Some(m) => {
            return Err(bad_param(
                "mode",
                &format!("Parameter [mode] value [{m}] is invalid"),
            ))
        }
    }
    online_device(w, "supervisorDeviceId", req.device())
}

fn supervise(w: &mut World, ci: usize, sup: usize, device: &str, agent: &str) -> Response {
    match w.supervise(ci, sup, device, agent) {
        Ok(p) => created(rest_party(&p)),
        Err(e) => ctl(e),
    }
}

/// `POST …/telephony/sessions/{id}/supervise` (Listen): current keys
/// (`supervisorDeviceId`, `agentExtensionId` / `agentExtensionNumber`) or the legacy ones
/// the call-control SDK sends (`deviceId`, `extensionNumber`).
pub async fn session_supervise(
    Api {
        sim,
        path: SidP { sid },
        ..
    }: Api<SidP>,
    body: JsonObj,
) -> Response {
    let req: SuperviseRequest = match body.typed() {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut w = sim.world();
    let (sup, device) = match supervise_args(&w, &req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let agent = match (req.agent_extension_id.clone(), req.agent_number()) {
        (Some(id), _) => id,
        (None, Some(n)) => match w.dir.by_number(n) {
            Some(e) => e.id.clone(),
            None => return not_found(&format!("Extension number [{n}] not found")),
        },
        (None, None) => {
            return bad_param(
                "agentExtensionId",
                "Parameter [agentExtensionId] or [agentExtensionNumber] is required",
            )
        }
    };
    let ci = match locate(&w, &sid) {
        Ok(ci) => ci,
        Err(r) => return r,
    };
    let r = supervise(&mut w, ci, sup, &device, &agent);
    drop(w);
    sim.wake.notify_one();
    r
}

/// `POST …/parties/{partyId}/supervise`: listen to one party (`agentExtensionId` required).
pub async fn party_supervise(
    Api {
        sim,
        path: PartyP { sid, pid },
        ..
    }: Api<PartyP>,
    body: JsonObj,
) -> Response {
    let req: SuperviseRequest = match body.typed() {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut w = sim.world();
    let (sup, device) = match supervise_args(&w, &req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    // Both spec versions require agentExtensionId here.
    let Some(agent) = req.agent_extension_id.clone() else {
        return bad_param(
            "agentExtensionId",
            "Parameter [agentExtensionId] is required",
        );
    };
    let (ci, _) = match locate_party(&w, &sid, &pid) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let r = supervise(&mut w, ci, sup, &device, &agent);
    drop(w);
    sim.wake.notify_one();
    r
}

/// `POST …/telephony/call-out` `{from: {deviceId}, to: {phoneNumber | extensionNumber}}`:
/// 201 with the new session (the caller's leg in `Setup`), wrapped in `session`.
pub async fn call_out(Api { sim, .. }: Api<NoPath>, body: JsonObj) -> Response {
    let req: CallOutRequest = match body.typed() {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut w = sim.world();
    let from = req.from.unwrap_or_default();
    let (user, device) = match online_device(&w, "from.deviceId", from.device_id.as_deref()) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let to = req.to.unwrap_or_default();
    let target = match (to.phone_number.as_deref(), to.extension_number.as_deref()) {
        (Some(p), None) => {
            let ok = p.len() > 2
                && p.trim_start_matches('+')
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
            if !ok {
                return bad_param(
                    "to.phoneNumber",
                    &format!("Parameter [to.phoneNumber] value [{p}] is invalid"),
                );
            }
            Err(p.to_string())
        }
        (None, Some(n)) => match w.dir.by_number(n).and_then(|e| w.dir.user_index(&e.id)) {
            Some(u) if u != user => Ok(u),
            _ => {
                return bad_param(
                    "to.extensionNumber",
                    &format!("Parameter [to.extensionNumber] value [{n}] is invalid"),
                )
            }
        },
        _ => {
            return bad_param(
                "to",
                "Exactly one of [to.phoneNumber] and [to.extensionNumber] is required",
            )
        }
    };
    let ci = w.call_out(user, &device, target);
    let mut session = w.calls[ci].to_session();
    session.parties = session.parties.iter().map(rest_party).collect();
    drop(w);
    sim.wake.notify_one();
    created(SessionCreated { session })
}

/// `POST …/telephony/conference` (no body): 201 with an empty session and its
/// `voiceCallToken`; the host's device joins it shortly after.
pub async fn conference(Api { sim, auth, .. }: Api<NoPath>) -> Response {
    let mut w = sim.world();
    let user = w.dir.user_index(&auth.owner).unwrap_or(0);
    let ci = w.conference(user);
    let session = w.calls[ci].to_session();
    drop(w);
    sim.wake.notify_one();
    created(SessionCreated { session })
}

/// `POST …/sessions/{conferenceId}/parties/bring-in` `{sessionId | telephonySessionId,
/// partyId}`: the party leaves its call (`Gone`/`Conference`) and joins the conference
/// (`Setup`, then `Answered`). 403 `TAS-106` before the host has joined.
pub async fn bring_in(
    Api {
        sim,
        path: SidP { sid },
        ..
    }: Api<SidP>,
    body: JsonObj,
) -> Response {
    let req: BringInRequest = match body.typed() {
        Ok(r) => r,
        Err(r) => return r,
    };
    let (Some(osid), Some(opid)) = (req.session(), req.party_id.as_deref()) else {
        return bad_param(
            "sessionId",
            "Parameters [sessionId] (or [telephonySessionId]) and [partyId] are required",
        );
    };
    let mut w = sim.world();
    let ci = match locate(&w, &sid) {
        Ok(ci) => ci,
        Err(r) => return r,
    };
    if !w.host_joined(ci) {
        return api_error(StatusCode::FORBIDDEN, "TAS-106", "Operation is not allowed");
    }
    let (oi, opi) = match locate_party(&w, osid, opid) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let r = match w.bring_in(ci, oi, opi) {
        Ok(p) => created(rest_party(&p)),
        Err(e) => ctl(e),
    };
    drop(w);
    sim.wake.notify_one();
    r
}
