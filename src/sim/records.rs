//! REST of the call-outcome platform (call-log.md §1, §3.2, §4.3): the call log of the
//! account and of an extension (Simple / Detailed, filters, paging, records by id), call
//! recordings (metadata, content), and the message store (list, message, attachment).

// Helpers return ready HTTP error responses (the axum idiom), so Err is large.
#![allow(clippy::result_large_err)]

use super::errors::{bad_param, missing_permission, not_found};
use super::extract::{ok, paged, Api, ExtP, IdP, NoPath, Query};
use super::history::{wav, StoredRecord};
use super::state::Shared;
use super::world::World;
use crate::wire::calllog::{CallLogRecord, RecordingType};
use crate::wire::message::{Availability, MessageType, ReadStatus};
use crate::wire::Direction;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

/// An extension id of the path, `~` being the caller.
fn own(ext: String, owner: &str) -> String {
    if ext == "~" {
        owner.to_string()
    } else {
        ext
    }
}

fn check_forbidden(sim: &Shared) -> Result<(), Response> {
    if sim.faults().call_log_forbidden {
        Err(missing_permission("ReadCallLog"))
    } else {
        Ok(())
    }
}

/// `view=Simple` (default) drops the Detailed-only fields; the `uri` names the view.
pub(super) fn view(r: &CallLogRecord, detailed: bool) -> CallLogRecord {
    let mut r = r.clone();
    let v = if detailed { "Detailed" } else { "Simple" };
    r.uri = r.uri.map(|u| format!("{u}?view={v}"));
    if !detailed {
        r.legs = None;
        r.entry.transport = None;
        r.entry.billing = None;
        r.last_modified_time = None;
    }
    r
}

fn detailed(q: &Query) -> Result<bool, Response> {
    match q.get("view") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("Simple") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("Detailed") => Ok(true),
        Some(_) => Err(bad_param("view", "Parameter [view] value is invalid.")),
    }
}

/// The records visible now that `owner` (an extension, or the account: `None`) sees.
fn visible<'a>(w: &'a World, owner: Option<&'a str>) -> impl Iterator<Item = &'a StoredRecord> {
    let now = Instant::now();
    w.history
        .records
        .iter()
        .filter(move |r| r.visible_from.is_some_and(|t| t <= now))
        .filter(move |r| owner.is_none_or(|o| r.owner == o))
}

/// The call log: filters per call-log.md §1.2, newest first, paged (the call-log paging
/// carries no totals and no `lastPage`, §1.3).
fn call_log(sim: &Shared, owner: Option<&str>, q: &Query, uri: &str) -> Response {
    if let Err(r) = check_forbidden(sim) {
        return r;
    }
    let detail = match detailed(q) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let req = match q.page(100, 1000) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let (from, to) = match q.window() {
        Ok(w) => w,
        Err(r) => return r,
    };
    let directions = q.list("direction", Direction::parse);
    let types = q.all("type");
    let recording = q
        .get("recordingType")
        .map(str::to_string)
        .or_else(|| q.flag("withRecording").then(|| "All".to_string()));
    let w = sim.world();
    let mut items: Vec<CallLogRecord> = visible(&w, owner)
        .map(|r| &r.record)
        .filter(|r| r.entry.start_time.is_some_and(|t| t >= from && t <= to))
        .filter(|r| {
            directions.is_empty()
                || r.entry
                    .direction
                    .as_ref()
                    .is_some_and(|d| directions.contains(d))
        })
        .filter(|r| {
            types.is_empty()
                || r.entry
                    .kind
                    .as_ref()
                    .is_some_and(|k| types.iter().any(|t| k.as_str().eq_ignore_ascii_case(t)))
        })
        .filter(|r| {
            q.get("telephonySessionId")
                .is_none_or(|s| r.entry.telephony_session_id.as_deref() == Some(s))
        })
        .filter(|r| {
            q.get("sessionId")
                .is_none_or(|s| r.session_id.as_deref() == Some(s))
        })
        .filter(|r| {
            let parties = [r.entry.from.as_ref(), r.entry.to.as_ref()];
            q.get("extensionNumber").is_none_or(|n| {
                parties
                    .iter()
                    .flatten()
                    .any(|p| p.extension_number.as_deref() == Some(n))
            }) && q.get("phoneNumber").is_none_or(|n| {
                let n = n.trim_start_matches('+');
                parties.iter().flatten().any(|p| {
                    p.phone_number.as_deref().map(|x| x.trim_start_matches('+')) == Some(n)
                })
            })
        })
        .filter(|r| match recording.as_deref() {
            None => true,
            Some(k) if k.eq_ignore_ascii_case("All") => r.entry.recording.is_some(),
            Some(k) => r
                .entry
                .recording
                .as_ref()
                .is_some_and(|x| x.kind == Some(RecordingType::parse(k))),
        })
        .map(|r| view(r, detail))
        .collect();
    items.sort_by_key(|r| std::cmp::Reverse(r.entry.start_time));
    let mut page = paged(items, req, uri, q);
    if let Some(p) = page.paging.as_mut() {
        p.total_pages = None;
        p.total_elements = None;
    }
    if let Some(n) = page.navigation.as_mut() {
        n.last_page = None;
    }
    ok(page)
}

/// `GET /restapi/v1.0/account/{a}/call-log` (Heavy).
pub async fn account_call_log(Api { sim, .. }: Api<NoPath>, q: Query) -> Response {
    let uri = format!(
        "{}/restapi/v1.0/account/{}/call-log",
        sim.base_url(),
        sim.cfg.account_id
    );
    call_log(&sim, None, &q, &uri)
}

/// `GET …/extension/{id}/call-log` (Heavy): the records in that extension's log.
pub async fn extension_call_log(
    Api {
        sim,
        auth,
        path: ExtP { ext },
    }: Api<ExtP>,
    q: Query,
) -> Response {
    let id = own(ext, &auth.owner);
    if sim.world().dir.by_id(&id, &id).is_none() {
        return not_found(&format!("Extension [{id}] not found"));
    }
    let uri = format!(
        "{}/restapi/v1.0/account/{}/extension/{id}/call-log",
        sim.base_url(),
        sim.cfg.account_id
    );
    call_log(&sim, Some(&id), &q, &uri)
}

/// `…/call-log/{ids}` path.
#[derive(Deserialize)]
pub struct RecordP {
    #[serde(default)]
    ext: Option<String>,
    id: String,
}

/// `GET …[/extension/{id}]/call-log/{callRecordId}` (Heavy): one record (200), or up to
/// 50 comma-separated ids (207, `multipart/mixed`, or one JSON array with
/// `Accept: application/vnd.ringcentral.multipart+json`).
pub async fn call_record(
    Api {
        sim,
        auth,
        path: RecordP { ext, id },
    }: Api<RecordP>,
    q: Query,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_forbidden(&sim) {
        return r;
    }
    let detail = match detailed(&q) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let owner = ext.map(|e| own(e, &auth.owner));
    let ids: Vec<&str> = id.split(',').filter(|s| !s.is_empty()).collect();
    if ids.is_empty() || ids.len() > 50 {
        return bad_param("callRecordId", "Between 1 and 50 record ids are accepted");
    }
    let w = sim.world();
    let find = |one: &str| {
        visible(&w, owner.as_deref())
            .find(|r| r.record.id == one)
            .map(|r| view(&r.record, detail))
    };
    if ids.len() == 1 {
        return match find(ids[0]) {
            Some(r) => ok(r),
            None => not_found(&format!("Record [{}] not found", ids[0])),
        };
    }
    let parts: Vec<(String, u16, serde_json::Value)> = ids
        .iter()
        .map(|one| match find(one) {
            Some(r) => (
                one.to_string(),
                200,
                serde_json::to_value(r).unwrap_or_default(),
            ),
            None => (
                one.to_string(),
                404,
                serde_json::to_value(crate::wire::ApiError::new(
                    "CMN-102",
                    &format!("Record [{one}] not found"),
                ))
                .unwrap_or_default(),
            ),
        })
        .collect();
    let base = match &owner {
        Some(o) => format!(
            "{}/restapi/v1.0/account/{}/extension/{o}",
            w.base_url, w.dir.account
        ),
        None => format!("{}/restapi/v1.0/account/{}", w.base_url, w.dir.account),
    };
    let v = if detail { "Detailed" } else { "Simple" };
    multi_status(&headers, &parts, |one| {
        format!("{base}/call-log/{one}?view={v}")
    })
}

/// A 207 batch answer (supervisor-api.md §0.7).
fn multi_status(
    headers: &HeaderMap,
    parts: &[(String, u16, serde_json::Value)],
    href: impl Fn(&str) -> String,
) -> Response {
    let json_variant = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("vnd.ringcentral.multipart+json"));
    if json_variant {
        let arr: Vec<serde_json::Value> = parts
            .iter()
            .map(|(id, st, body)| json!({"resourceId": id, "status": st, "body": body}))
            .collect();
        return (StatusCode::MULTI_STATUS, axum::Json(arr)).into_response();
    }
    let boundary = "Boundary_1_calltop_sim";
    let status: Vec<serde_json::Value> = parts
        .iter()
        .map(|(id, st, _)| {
            json!({"href": href(id), "status": st, "responseDescription": if *st == 200 { "OK" } else { "Not Found" }})
        })
        .collect();
    let mut body = String::new();
    let mut part = |v: &serde_json::Value| {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Type: application/json\r\n\r\n{v}\r\n"
        ));
    };
    part(&json!({ "response": status }));
    for (_, _, b) in parts {
        part(b);
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let mut r = (StatusCode::MULTI_STATUS, body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("multipart/mixed; boundary={boundary}")) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// `GET /restapi/v1.0/account/{a}/recording/{id}` (Heavy): `{id, contentUri, contentType,
/// duration}` once the call's records are out.
pub async fn recording(
    Api {
        sim,
        path: IdP { id },
        ..
    }: Api<IdP>,
) -> Response {
    let w = sim.world();
    match w.history.recordings.get(&id).filter(|r| r.visible) {
        Some(r) => ok(r.info.clone()),
        None => not_found("Resource for parameter [callRecordingId] is not found"),
    }
}

fn audio(secs: i64, name: &str, q: &Query) -> Response {
    let mut r = (StatusCode::OK, wav(secs)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("audio/x-wav"),
    );
    let disposition = match q.get("contentDisposition") {
        Some(d) if d.eq_ignore_ascii_case("Inline") => "inline",
        _ => "attachment",
    };
    let file = q.get("contentDispositionFilename").unwrap_or(name);
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition};filename={file}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// `GET …/recording/{id}/content` (Heavy): the audio (`audio/x-wav`).
pub async fn recording_content(
    Api {
        sim,
        path: IdP { id },
        ..
    }: Api<IdP>,
    q: Query,
) -> Response {
    let w = sim.world();
    match w.history.recordings.get(&id).filter(|r| r.visible) {
        Some(r) => audio(r.info.duration.unwrap_or(1), &format!("{id}.wav"), &q),
        None => not_found("Resource for parameter [callRecordingId] is not found"),
    }
}

/// `GET …/extension/{id}/message-store` (Light): filters `messageType`, `direction`,
/// `readStatus`, `availability`, `dateFrom` (default 24 h back), `dateTo`; newest first.
pub async fn message_list(
    Api {
        sim,
        auth,
        path: ExtP { ext },
    }: Api<ExtP>,
    q: Query,
) -> Response {
    let req = match q.page(100, 1000) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let (from, to) = match q.window() {
        Ok(w) => w,
        Err(r) => return r,
    };
    let id = own(ext, &auth.owner);
    let types = q.list("messageType", MessageType::parse);
    let reads = q.list("readStatus", ReadStatus::parse);
    let avail = q.list("availability", Availability::parse);
    let dirs = q.list("direction", Direction::parse);
    let w = sim.world();
    if w.dir.by_id(&id, &id).is_none() {
        return not_found(&format!("Extension [{id}] not found"));
    }
    let mut items: Vec<_> = w
        .history
        .messages
        .iter()
        .filter(|(o, _)| *o == id)
        .map(|(_, m)| m.clone())
        .filter(|m| m.creation_time.is_some_and(|t| t >= from && t <= to))
        .filter(|m| types.is_empty() || m.kind.as_ref().is_some_and(|k| types.contains(k)))
        .filter(|m| reads.is_empty() || m.read_status.as_ref().is_some_and(|k| reads.contains(k)))
        .filter(|m| avail.is_empty() || m.availability.as_ref().is_some_and(|k| avail.contains(k)))
        .filter(|m| dirs.is_empty() || m.direction.as_ref().is_some_and(|k| dirs.contains(k)))
        .collect();
    items.sort_by_key(|m| std::cmp::Reverse(m.creation_time));
    let uri = format!(
        "{}/restapi/v1.0/account/{}/extension/{id}/message-store",
        sim.base_url(),
        sim.cfg.account_id
    );
    ok(paged(items, req, &uri, &q))
}

/// `…/message-store/{id}[/content/{attachmentId}]` path.
#[derive(Deserialize)]
pub struct MessageP {
    ext: String,
    id: String,
    #[serde(default)]
    att: Option<String>,
}

fn find_message(
    w: &World,
    owner: &str,
    ext: &str,
    id: &str,
) -> Option<crate::wire::message::Message> {
    let o = own(ext.to_string(), owner);
    w.history
        .messages
        .iter()
        .find(|(x, m)| *x == o && m.id == id)
        .map(|(_, m)| m.clone())
}

/// `GET …/message-store/{id}` (Light).
pub async fn message(
    Api {
        sim,
        auth,
        path: MessageP { ext, id, .. },
    }: Api<MessageP>,
) -> Response {
    let w = sim.world();
    match find_message(&w, &auth.owner, &ext, &id) {
        Some(m) => ok(m),
        None => not_found(&format!("Message [{id}] not found")),
    }
}

/// `GET …/message-store/{id}/content/{attachmentId}` (Medium): the voicemail audio.
pub async fn message_content(
    Api {
        sim,
        auth,
        path: MessageP { ext, id, att },
    }: Api<MessageP>,
    q: Query,
) -> Response {
    let w = sim.world();
    let Some(m) = find_message(&w, &auth.owner, &ext, &id) else {
        return not_found(&format!("Message [{id}] not found"));
    };
    let att = att.unwrap_or_default();
    match m.attachments.iter().flatten().find(|a| a.id == att) {
        Some(a) => audio(a.vm_duration.unwrap_or(1), &format!("{id}.wav"), &q),
        None => not_found(&format!("Attachment [{att}] not found")),
    }
}
