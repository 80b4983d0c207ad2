//! REST of the supervisor layer (supervisor-api.md §1–§3, §5): the extension directory,
//! presence (per extension, account-wide, and its PUT), call queues (list, details,
//! members, member availability both ways, routing rules) and devices.

// Helpers return ready HTTP error responses (the axum idiom), so Err is large.
#![allow(clippy::result_large_err)]

use super::directory::{Ext, ExtKind, SimDevice};
use super::errors::{bad_param, missing_permission, not_found};
use super::extract::{ok, paged, Api, ExtP, IdP, JsonObj, Query};
use super::hub::Detail;
use super::world::World;
use crate::wire::devices::{
    Device, DeviceExtension, DeviceModel, DeviceStatus, DeviceType, EmergencyAddressFlags,
    PhoneInfo, PhoneLine,
};
use crate::wire::directory::{
    ContactInfo, DepartmentRef, Enabled, ExtensionInfo, ExtensionPermissions, ExtensionStatus,
    ExtensionType, Ref, ServiceLevelSettings,
};
use crate::wire::paging::Records;
use crate::wire::presence::{DndStatus, PresenceStatus, PresenceUpdate};
use crate::wire::queues::{
    AnsweringRule, CallQueue, ExtensionQueuePresence, QueueMember, QueueMemberInfo,
    QueueMemberPresence, QueueRef, QueueRules, QueueTransfer, TransferMode,
};
use crate::wire::roster::{QueueRecords, RosterLine};
use axum::response::Response;

fn acc_uri(base: &str, account: &str) -> String {
    format!("{base}/restapi/v1.0/account/{account}")
}

/// `GET /restapi/v1.0/account/{~|id}` (readAccountInfo, Light): the account as
/// RingCentral's spec has it (`GetAccountInfoResponse`): its id, main number, status and
/// service (brand, plan, billing, country), and its operator (the first user).
pub async fn account_info(Api { sim, .. }: Api) -> Response {
    let base = sim.base_url();
    let w = sim.world();
    let uri = acc_uri(&base, &w.dir.account);
    let operator = w.dir.owner();
    let country = serde_json::json!({
        "id": "1",
        "uri": format!("{base}/restapi/v1.0/dictionary/country/1"),
        "name": "United States",
        "isoCode": "US",
        "callingCode": "1",
    });
    ok(serde_json::json!({
        "uri": uri,
        "id": w.dir.account.parse::<u64>().unwrap_or_default(),
        "mainNumber": super::directory::MAIN_NUMBER,
        "status": "Confirmed",
        "setupWizardState": "Completed",
        "federated": false,
        "operator": {
            "uri": ext_uri(&base, &w.dir.account, &operator.id),
            "id": operator.id.parse::<u64>().unwrap_or_default(),
            "extensionNumber": operator.number,
        },
        "serviceInfo": {
            "uri": format!("{uri}/service-info"),
            "brand": { "id": "1210", "name": "RingCentral", "homeCountry": country },
            "servicePlan": { "id": "17", "name": "RingEX Premium", "edition": "Premium" },
            "billingPlan": {
                "id": "4",
                "name": "Monthly",
                "durationUnit": "Month",
                "duration": 1,
                "type": "Regular",
            },
            "contractedCountry": { "id": "1", "uri": country["uri"] },
        },
    }))
}

fn ext_uri(base: &str, account: &str, id: &str) -> String {
    format!("{}/extension/{id}", acc_uri(base, account))
}

/// A queue's service-level settings as the platform serves them.
fn sla(w: &World, q: usize) -> ServiceLevelSettings {
    let p = &w.cfg.queue_policies[q.min(w.cfg.queue_policies.len() - 1)];
    ServiceLevelSettings {
        sla_goal: Some(p.sla_goal as i64),
        sla_threshold_seconds: Some(p.sla_threshold_secs as i64),
        include_abandoned_calls: Some(p.include_abandoned),
        abandoned_threshold_seconds: Some(p.abandoned_threshold_secs as i64),
    }
}

/// One extension; `single` adds what only `GET /extension/{id}` returns.
fn ext_info(base: &str, w: &World, e: &Ext, single: bool) -> ExtensionInfo {
    let user = e.kind == ExtKind::User;
    let (first, last) = e.name.split_once(' ').unwrap_or((&e.name, ""));
    let email = format!(
        "{}@example.com",
        e.name.to_lowercase().replace([' ', '\''], ".")
    );
    let contact = if user {
        ContactInfo {
            first_name: Some(first.to_string()),
            last_name: Some(last.to_string()),
            email: Some(email),
            business_phone: Some(e.phone.clone()),
            email_as_login_name: Some(true),
            ..Default::default()
        }
    } else {
        ContactInfo {
            first_name: Some(e.name.clone()),
            email: Some(email),
            ..Default::default()
        }
    };
    let queue = w.dir.queue_index(&e.id);
    let departments = (single && user).then(|| {
        w.dir
            .user_index(&e.id)
            .map(|u| w.dir.queues_of(u))
            .unwrap_or_default()
            .into_iter()
            .map(|q| {
                let qe = &w.dir.queues[q];
                DepartmentRef {
                    id: Some(qe.id.clone()),
                    uri: Some(ext_uri(base, &w.dir.account, &qe.id)),
                    extension_number: Some(qe.number.clone()),
                }
            })
            .collect()
    });
    ExtensionInfo {
        id: e.id.clone(),
        uri: Some(ext_uri(base, &w.dir.account, &e.id)),
        extension_number: Some(e.number.clone()),
        name: Some(e.name.clone()),
        kind: Some(e.kind.wire()),
        status: Some(e.status.clone()),
        contact: Some(contact),
        permissions: Some(ExtensionPermissions {
            admin: Some(Enabled {
                enabled: Some(e.id == w.dir.owner().id),
            }),
            international_calling: Some(Enabled {
                enabled: Some(user),
            }),
        }),
        profile_image: Some(Ref {
            uri: Some(format!(
                "{}/profile-image",
                ext_uri(base, &w.dir.account, &e.id)
            )),
            ..Default::default()
        }),
        call_queue_info: queue.map(|q| sla(w, q)),
        hidden: user.then_some(false),
        account: single.then(|| Ref {
            id: Some(w.dir.account.clone()),
            uri: Some(acc_uri(base, &w.dir.account)),
            name: None,
        }),
        departments,
        setup_wizard_state: single.then(|| "Completed".to_string()),
        ..Default::default()
    }
}

/// The directory fault: the ReadAccounts endpoints answer 403.
fn directory_open(sim: &super::state::Shared) -> Result<(), Response> {
    match sim.faults().directory_forbidden {
        true => Err(missing_permission("ReadAccounts")),
        false => Ok(()),
    }
}

fn find_ext<'a>(w: &'a World, id: &str, owner: &str) -> Result<&'a Ext, Response> {
    w.dir
        .by_id(id, owner)
        .ok_or_else(|| not_found(&format!("Extension [{id}] not found")))
}

fn find_user(w: &World, id: &str, owner: &str) -> Result<(usize, Ext), Response> {
    let e = find_ext(w, id, owner)?.clone();
    match w.dir.user_index(&e.id) {
        Some(u) if e.status == ExtensionStatus::Enabled => Ok((u, e)),
        _ => Err(bad_param(
            "extensionId",
            "Supported for regular User extensions only",
        )),
    }
}

fn find_queue(w: &World, id: &str) -> Result<usize, Response> {
    w.dir
        .queue_index(id)
        .ok_or_else(|| not_found(&format!("Call queue [{id}] not found")))
}

/// `GET /restapi/v1.0/account/{a}/extension`: paged, filtered by `type`, `status`
/// (repeatable), `extensionNumber`, `email`.
pub async fn extension_list(Api { sim, .. }: Api, q: Query) -> Response {
    if let Err(r) = directory_open(&sim) {
        return r;
    }
    let types: Vec<ExtensionType> = q.list("type", ExtensionType::parse);
    if let Some(t) = types
        .iter()
        .find(|t| matches!(t, ExtensionType::Unknown(_)))
    {
        return bad_param("type", &format!("Parameter [type] value [{t}] is invalid"));
    }
    let statuses: Vec<ExtensionStatus> = q.list("status", ExtensionStatus::parse);
    if let Some(s) = statuses
        .iter()
        .find(|s| matches!(s, ExtensionStatus::Unknown(_)))
    {
        return bad_param(
            "status",
            &format!("Parameter [status] value [{s}] is invalid"),
        );
    }
    let req = match q.page(100, 1000) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let base = sim.base_url();
    let w = sim.world();
    let number = q.get("extensionNumber");
    let emails: Vec<String> = q.all("email").iter().map(|e| e.to_lowercase()).collect();
    let items: Vec<ExtensionInfo> = w
        .dir
        .all()
        .filter(|e| types.is_empty() || types.contains(&e.kind.wire()))
        .filter(|e| statuses.is_empty() || statuses.contains(&e.status))
        .filter(|e| number.is_none_or(|n| n == e.number))
        .map(|e| ext_info(&base, &w, e, false))
        .filter(|e| {
            emails.is_empty()
                || e.contact
                    .as_ref()
                    .and_then(|c| c.email.as_ref())
                    .is_some_and(|m| emails.contains(&m.to_lowercase()))
        })
        .collect();
    ok(paged(
        items,
        req,
        &format!("{}/extension", acc_uri(&base, &w.dir.account)),
        &q,
    ))
}

/// `GET …/extension/{id}`.
pub async fn extension(
    Api {
        sim,
        auth,
        path: ExtP { ext },
    }: Api<ExtP>,
) -> Response {
    if let Err(r) = directory_open(&sim) {
        return r;
    }
    let base = sim.base_url();
    let w = sim.world();
    match find_ext(&w, &ext, &auth.owner) {
        Ok(e) => ok(ext_info(&base, &w, e, true)),
        Err(r) => r,
    }
}

/// `GET …/extension/{id}/presence[?detailedTelephonyState=true[&sipData=true]]`.
pub async fn presence(
    Api {
        sim,
        auth,
        path: ExtP { ext },
    }: Api<ExtP>,
    q: Query,
) -> Response {
    let base = sim.base_url();
    let w = sim.world();
    match find_ext(&w, &ext, &auth.owner) {
        Ok(e) => ok(w.presence_rest(&base, e, detail(&q))),
        Err(r) => r,
    }
}

fn detail(q: &Query) -> Detail {
    if q.flag("sipData") {
        Detail::Sip
    } else if q.flag("detailedTelephonyState") {
        Detail::Detailed
    } else {
        Detail::Simple
    }
}

/// `PUT …/extension/{id}/presence`: what the user sets (`userStatus`, `dndStatus`,
/// `message`, `acceptCallQueueCalls`…); answers the new presence.
pub async fn presence_put(
    Api {
        sim,
        auth,
        path: ExtP { ext },
    }: Api<ExtP>,
    body: JsonObj,
) -> Response {
    let upd: PresenceUpdate = match body.typed() {
        Ok(u) => u,
        Err(r) => return r,
    };
    if matches!(
        upd.dnd_status,
        Some(DndStatus::TakeDepartmentCallsOnly | DndStatus::Unknown(_))
    ) {
        return bad_param("dndStatus", "Parameter [dndStatus] value is not supported");
    }
    if matches!(upd.user_status, Some(PresenceStatus::Unknown(_))) {
        return bad_param("userStatus", "Parameter [userStatus] value is invalid");
    }
    let base = sim.base_url();
    let mut w = sim.world();
    let (u, e) = match find_user(&w, &ext, &auth.owner) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let p = &mut w.presence[u];
    if let Some(s) = upd.user_status {
        p.user_status = s;
    }
    if let Some(d) = upd.dnd_status {
        p.dnd = d;
    }
    if upd.dnd_status_personal == Some(DndStatus::DoNotAcceptAnyCalls) {
        p.dnd = DndStatus::DoNotAcceptAnyCalls;
    }
    if let Some(m) = upd.message {
        p.message = Some(m);
    }
    if let Some(a) = upd.accept_call_queue_calls {
        p.accept_queue_calls = a;
    }
    w.acd.agents[u].away = None;
    w.presence_changed(&e.id);
    drop(w);
    sim.wake.notify_one();
    let w = sim.world();
    ok(w.presence_rest(&base, &e, Detail::Detailed))
}

/// `GET /restapi/v1.0/account/{a}/presence` (Heavy): every extension, paged; non-user
/// extensions carry only `presenceStatus: Offline`.
pub async fn account_presence(Api { sim, .. }: Api, q: Query) -> Response {
    let req = match q.page(100, 1000) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let base = sim.base_url();
    let w = sim.world();
    let d = detail(&q);
    let items = w.dir.all().map(|e| w.presence_rest(&base, e, d)).collect();
    ok(paged(
        items,
        req,
        &format!("{}/presence", acc_uri(&base, &w.dir.account)),
        &q,
    ))
}

fn queue_info(base: &str, w: &World, q: usize, details: bool) -> CallQueue {
    let e = &w.dir.queues[q];
    CallQueue {
        uri: Some(ext_uri(base, &w.dir.account, &e.id)),
        id: Some(e.id.clone()),
        extension_number: Some(e.number.clone()),
        name: Some(e.name.clone()),
        status: details.then_some(ExtensionStatus::Enabled),
        service_level_settings: details.then(|| sla(w, q)),
        editable_member_status: Some(true),
        alert_timer: details.then_some(0),
        ..Default::default()
    }
}

/// `GET …/call-queues[?memberExtensionId=…]`.
pub async fn queue_list(Api { sim, .. }: Api, q: Query) -> Response {
    if let Err(r) = directory_open(&sim) {
        return r;
    }
    let req = match q.page(100, 1000) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let base = sim.base_url();
    let w = sim.world();
    let member = q.get("memberExtensionId").map(|m| w.dir.user_index(m));
    let items = (0..w.dir.queues.len())
        .filter(|&qi| match member {
            None => true,
            Some(Some(u)) => w.dir.members[qi].contains(&u),
            Some(None) => false,
        })
        .map(|qi| queue_info(&base, &w, qi, false))
        .collect();
    ok(paged(
        items,
        req,
        &format!("{}/call-queues", acc_uri(&base, &w.dir.account)),
        &q,
    ))
}

/// `GET …/call-queues/{id}`: with `serviceLevelSettings`.
pub async fn queue_get(
    Api {
        sim,
        path: IdP { id },
        ..
    }: Api<IdP>,
) -> Response {
    if let Err(r) = directory_open(&sim) {
        return r;
    }
    let base = sim.base_url();
    let w = sim.world();
    match find_queue(&w, &id) {
        Ok(q) => ok(queue_info(&base, &w, q, true)),
        Err(r) => r,
    }
}

/// `GET …/call-queues/{id}/members` (paged; ids are numbers, no names).
pub async fn queue_members(
    Api {
        sim,
        path: IdP { id },
        ..
    }: Api<IdP>,
    q: Query,
) -> Response {
    if let Err(r) = directory_open(&sim) {
        return r;
    }
    let req = match q.page(100, 1000) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let base = sim.base_url();
    let w = sim.world();
    let qi = match find_queue(&w, &id) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let items = queue_member_list(&base, &w, qi);
    let uri = format!(
        "{}/call-queues/{id}/members",
        acc_uri(&base, &w.dir.account)
    );
    ok(paged(items, req, &uri, &q))
}

/// Queue `qi`'s members as `GET …/call-queues/{id}/members` lists them.
fn queue_member_list(base: &str, w: &World, qi: usize) -> Vec<QueueMemberInfo> {
    w.dir.members[qi]
        .iter()
        .map(|&u| {
            let e = &w.dir.users[u];
            QueueMemberInfo {
                uri: Some(ext_uri(base, &w.dir.account, &e.id)),
                id: Some(e.id.clone()),
                extension_number: Some(e.number.clone()),
                ..Default::default()
            }
        })
        .collect()
}

/// What a client's first load reads by REST (the directory, everyone's presence, then
/// each queue's settings, members and member availability), as the live client records
/// it: for a stream made without a client (`sim generate`).
pub fn roster_lines(base: &str, w: &World) -> Vec<RosterLine> {
    let mut v = vec![
        RosterLine::Extensions(w.dir.all().map(|e| ext_info(base, w, e, false)).collect()),
        RosterLine::Presence(
            w.dir
                .all()
                .map(|e| w.presence_rest(base, e, Detail::Detailed))
                .collect(),
        ),
    ];
    for (qi, q) in w.dir.queues.iter().enumerate() {
        v.push(RosterLine::Queue(Box::new(queue_info(base, w, qi, true))));
        v.push(RosterLine::Members(QueueRecords {
            queue_id: q.id.clone(),
            records: queue_member_list(base, w, qi),
        }));
        v.push(RosterLine::QueuePresence(QueueRecords {
            queue_id: q.id.clone(),
            records: queue_presence(w, qi).records,
        }));
    }
    v
}

fn queue_presence(w: &World, qi: usize) -> Records<QueueMemberPresence> {
    Records {
        records: w.dir.members[qi]
            .iter()
            .map(|&u| {
                let e = &w.dir.users[u];
                QueueMemberPresence {
                    member: QueueMember {
                        id: Some(e.id.clone()),
                        name: Some(e.name.clone()),
                        extension_number: Some(e.number.clone()),
                        ..Default::default()
                    },
                    accept_queue_calls: Some(
                        !w.presence[u].dnd.blocks_queue_calls() && w.presence[u].accept_queue_calls,
                    ),
                    accept_current_queue_calls: w.queue_accept(qi, u),
                }
            })
            .collect(),
    }
}

/// `GET …/call-queues/{id}/presence`: each member's availability in this queue.
pub async fn queue_presence_get(
    Api {
        sim,
        path: IdP { id },
        ..
    }: Api<IdP>,
) -> Response {
    let w = sim.world();
    match find_queue(&w, &id) {
        Ok(qi) => ok(queue_presence(&w, qi)),
        Err(r) => r,
    }
}

/// `PUT …/call-queues/{id}/presence` `{records: [{member: {id}, acceptCurrentQueueCalls}]}`.
pub async fn queue_presence_put(
    Api {
        sim,
        path: IdP { id },
        ..
    }: Api<IdP>,
    body: JsonObj,
) -> Response {
    let upd: Records<QueueMemberPresence> = match body.typed() {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut w = sim.world();
    let qi = match find_queue(&w, &id) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let mut changes = Vec::new();
    for r in &upd.records {
        let mid = r.member.id.clone().unwrap_or_default();
        let Some(u) = w
            .dir
            .user_index(&mid)
            .filter(|u| w.dir.members[qi].contains(u))
        else {
            return bad_param(
                "member.id",
                &format!("Extension [{mid}] is not a member of the call queue"),
            );
        };
        if let Some(a) = r.accept_current_queue_calls {
            changes.push((u, a));
        }
    }
    for (u, a) in changes {
        sim.counts
            .queue_presence(&w.dir.queues[qi].id, &w.dir.users[u].id, a);
        w.set_queue_accept(qi, u, a);
    }
    let out = queue_presence(&w, qi);
    drop(w);
    sim.wake.notify_one();
    ok(out)
}

fn agent_queues(w: &World, u: usize, editable_only: bool) -> Records<ExtensionQueuePresence> {
    Records {
        records: w
            .dir
            .queues_of(u)
            .into_iter()
            .map(|q| {
                let e = &w.dir.queues[q];
                ExtensionQueuePresence {
                    call_queue: QueueRef {
                        id: Some(e.id.clone()),
                        name: Some(e.name.clone()),
                        extension_number: Some(e.number.clone()),
                        editable_member_status: Some(true),
                    },
                    accept_calls: w.queue_accept(q, u),
                }
            })
            .filter(|r| !editable_only || r.call_queue.editable_member_status == Some(true))
            .collect(),
    }
}

/// `GET …/extension/{id}/call-queue-presence[?editableMemberStatus=true]`.
pub async fn agent_queues_get(
    Api {
        sim,
        auth,
        path: ExtP { ext },
    }: Api<ExtP>,
    q: Query,
) -> Response {
    let w = sim.world();
    match find_user(&w, &ext, &auth.owner) {
        Ok((u, _)) => ok(agent_queues(&w, u, q.flag("editableMemberStatus"))),
        Err(r) => r,
    }
}

/// `PUT …/extension/{id}/call-queue-presence` `{records: [{callQueue: {id}, acceptCalls}]}`.
pub async fn agent_queues_put(
    Api {
        sim,
        auth,
        path: ExtP { ext },
    }: Api<ExtP>,
    body: JsonObj,
) -> Response {
    let upd: Records<ExtensionQueuePresence> = match body.typed() {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut w = sim.world();
    let u = match find_user(&w, &ext, &auth.owner) {
        Ok((u, _)) => u,
        Err(r) => return r,
    };
    let mut changes = Vec::new();
    for r in &upd.records {
        let qid = r.call_queue.id.clone().unwrap_or_default();
        let Some(q) = w
            .dir
            .queue_index(&qid)
            .filter(|&q| w.dir.members[q].contains(&u))
        else {
            return bad_param(
                "callQueue.id",
                &format!("Extension is not a member of call queue [{qid}]"),
            );
        };
        if let Some(a) = r.accept_calls {
            changes.push((q, a));
        }
    }
    for (q, a) in changes {
        w.set_queue_accept(q, u, a);
    }
    let out = agent_queues(&w, u, false);
    drop(w);
    sim.wake.notify_one();
    ok(out)
}

/// The queue's business-hours answering rule: how it rings, waits and overflows.
fn answering_rule(base: &str, w: &World, q: usize) -> AnsweringRule {
    let p = &w.cfg.queue_policies[q.min(w.cfg.queue_policies.len() - 1)];
    let e = &w.dir.queues[q];
    let over = p.overflow_to.and_then(|t| w.dir.queues.get(t));
    AnsweringRule {
        uri: Some(format!(
            "{}/answering-rule/business-hours-rule",
            ext_uri(base, &w.dir.account, &e.id)
        )),
        id: Some("business-hours-rule".into()),
        kind: Some("BusinessHours".into()),
        enabled: Some(true),
        call_handling_action: Some("AgentQueue".into()),
        queue: Some(QueueRules {
            transfer_mode: Some(if p.simultaneous {
                TransferMode::Simultaneous
            } else {
                TransferMode::Rotating
            }),
            agent_timeout: Some(p.agent_timeout_secs.round() as i64),
            hold_time: Some(p.hold_time_secs.round() as i64),
            hold_time_expiration_action: Some(
                if over.is_some() {
                    "TransferToExtension"
                } else {
                    "Voicemail"
                }
                .into(),
            ),
            max_callers: Some(p.max_callers as i64),
            max_callers_action: Some("Voicemail".into()),
            no_answer_action: Some("WaitPrimaryMembers".into()),
            wrap_up_time: Some(p.wrap_up_secs.round() as i64),
            transfer: over.map(|t| {
                vec![QueueTransfer {
                    extension: Some(QueueRef {
                        id: Some(t.id.clone()),
                        name: Some(t.name.clone()),
                        extension_number: Some(t.number.clone()),
                        editable_member_status: None,
                    }),
                    action: Some("HoldTimeExpiration".into()),
                }]
            }),
        }),
        ..Default::default()
    }
}

/// `GET …/extension/{queueId}/answering-rule/business-hours-rule` (call queues only).
pub async fn business_hours_rule(
    Api {
        sim,
        auth,
        path: ExtP { ext },
    }: Api<ExtP>,
) -> Response {
    let base = sim.base_url();
    let w = sim.world();
    let e = match find_ext(&w, &ext, &auth.owner) {
        Ok(e) => e.clone(),
        Err(r) => return r,
    };
    match w.dir.queue_index(&e.id) {
        Some(q) => ok(answering_rule(&base, &w, q)),
        None => not_found("Answering rule [business-hours-rule] not found"),
    }
}

/// A device as the platform lists it; `Online` while the owner is online.
fn device_info(base: &str, w: &World, d: &SimDevice) -> Device {
    let u = &w.dir.users[d.owner];
    let online = d.plugged_in && !w.presence[d.owner].offline;
    let soft = d.kind == DeviceType::SoftPhone;
    Device {
        id: d.id.clone(),
        uri: Some(format!("{}/device/{}", acc_uri(base, &w.dir.account), d.id)),
        kind: Some(d.kind.clone()),
        sku: Some(d.sku.clone()),
        name: Some(d.name.clone()),
        serial: Some(format!("SIM{}", &d.id[d.id.len().saturating_sub(6)..])),
        computer_name: soft.then(|| format!("DESKTOP-{}", u.number)),
        status: Some(if online {
            DeviceStatus::Online
        } else {
            DeviceStatus::Offline
        }),
        model: d.model.map(|(id, name)| DeviceModel {
            id: Some(id.to_string()),
            name: Some(name.to_string()),
            addons: Some(Vec::new()),
            features: Some(vec!["Intercom".into(), "Paging".into(), "BLA".into()]),
            line_count: None,
        }),
        extension: Some(DeviceExtension {
            id: Some(u.id.clone()),
            uri: Some(ext_uri(base, &w.dir.account, &u.id)),
            extension_number: Some(u.number.clone()),
        }),
        phone_lines: Some(vec![PhoneLine {
            id: None,
            line_type: Some("Standalone".into()),
            phone_info: Some(PhoneInfo {
                id: Some(format!(
                    "{}4",
                    &u.device_id[..u.device_id.len().saturating_sub(1)]
                )),
                phone_number: Some(u.phone.clone()),
                payment_type: Some("Local".into()),
                kind: Some("VoiceFax".into()),
                usage_type: Some("DirectNumber".into()),
                country: Some(Ref {
                    id: Some("1".into()),
                    uri: Some(format!("{base}/restapi/v1.0/dictionary/country/1")),
                    name: Some("United States".into()),
                }),
            }),
            emergency_address: Some(EmergencyAddressFlags {
                required: Some(true),
                local_only: Some(false),
            }),
        }]),
        line_pooling: Some("None".into()),
        ..Default::default()
    }
}

/// `GET …/extension/{id}/device` (paged).
pub async fn device_list(
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
    let base = sim.base_url();
    let w = sim.world();
    let e = match find_ext(&w, &ext, &auth.owner) {
        Ok(e) => e.clone(),
        Err(r) => return r,
    };
    let u = w.dir.user_index(&e.id);
    let items: Vec<Device> = w
        .dir
        .devices
        .iter()
        .filter(|d| Some(d.owner) == u)
        .map(|d| device_info(&base, &w, d))
        .collect();
    let uri = format!("{}/device", ext_uri(&base, &w.dir.account, &e.id));
    ok(paged(items, req, &uri, &q))
}

/// `GET …/device/{id}`.
pub async fn device_get(
    Api {
        sim,
        path: IdP { id },
        ..
    }: Api<IdP>,
) -> Response {
    let base = sim.base_url();
    let w = sim.world();
    match w.dir.device(&id) {
        Some(d) => ok(device_info(&base, &w, d)),
        None => not_found(&format!("Device [{id}] not found")),
    }
}
