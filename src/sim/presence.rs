//! Presence of every user (supervisor-api.md §2): what the user set (status, DND,
//! queue-call acceptance), whether the user is online, and the telephony state derived
//! from the calls. Bodies for REST and for the three notification variants (simple,
//! detailed, with SIP data), the per-extension `sequence`, the `NoCall`/`final` entry a
//! finished call leaves in the next notification, and the supervisor's agent state (§7.2).

use super::directory::{self, ExtKind};
use super::hub::{Detail, PresenceBodies};
use super::world::World;
use crate::wire::presence::{
    agent_state, ActiveCallInfo, ActiveCallSipData, AgentState, DndStatus, MeetingStatus,
    PresenceInfo, PresenceStatus,
};
use crate::wire::{ActiveCall, StatusCode, TelephonyStatus, Ts};

/// What one user has set, and what was last published.
#[derive(Clone, Debug)]
pub struct UserPresence {
    pub user_status: PresenceStatus,
    pub dnd: DndStatus,
    /// `acceptCallQueueCalls`.
    pub accept_queue_calls: bool,
    /// All devices unregistered: `presenceStatus` Offline.
    pub offline: bool,
    pub message: Option<String>,
    seq: i64,
    sig: String,
    last_dnd: DndStatus,
    /// Calls of the last notification (a call missing now gets its `NoCall`/`final` entry).
    last_calls: Vec<ActiveCallInfo>,
    /// The last published state and the envelope timestamp of the notification that
    /// entered it.
    pub state: AgentState,
    pub state_since: Option<Ts>,
}

impl Default for UserPresence {
    fn default() -> Self {
        UserPresence {
            user_status: PresenceStatus::Available,
            dnd: DndStatus::TakeAllCalls,
            accept_queue_calls: true,
            offline: false,
            message: None,
            seq: 1,
            sig: String::new(),
            last_dnd: DndStatus::TakeAllCalls,
            last_calls: Vec::new(),
            state: AgentState::Available,
            state_since: None,
        }
    }
}

impl UserPresence {
    /// True when queue calls may be offered to this user (not offline, not DND for
    /// queues, accepting queue calls).
    pub fn takes_queue_calls(&self) -> bool {
        !self.offline && !self.dnd.blocks_queue_calls() && self.accept_queue_calls
    }

    /// True when direct calls may ring this user.
    pub fn takes_direct_calls(&self) -> bool {
        !self.offline && self.dnd != DndStatus::DoNotAcceptAnyCalls
    }
}

fn status_of(code: &StatusCode) -> Option<TelephonyStatus> {
    Some(match code {
        StatusCode::Setup | StatusCode::Proceeding => TelephonyStatus::Ringing,
        StatusCode::Answered => TelephonyStatus::CallConnected,
        StatusCode::Hold => TelephonyStatus::OnHold,
        StatusCode::Parked => TelephonyStatus::ParkedCall,
        _ => return None,
    })
}

fn rank(s: &TelephonyStatus) -> u8 {
    match s {
        TelephonyStatus::Ringing => 4,
        TelephonyStatus::CallConnected => 3,
        TelephonyStatus::OnHold => 2,
        TelephonyStatus::ParkedCall => 1,
        _ => 0,
    }
}

impl World {
    /// The live calls of user `ext` (with SIP data) and the aggregated telephony status.
    fn calls_of(&self, ext: &str) -> (TelephonyStatus, Vec<ActiveCallInfo>) {
        let mut status = TelephonyStatus::NoCall;
        let mut calls = Vec::new();
        for &ci in &self.active {
            let c = &self.calls[ci];
            for p in &c.parties {
                if p.extension_id.as_deref() != Some(ext) {
                    continue;
                }
                let Some(ts) = p.status.as_ref().and_then(|s| status_of(&s.code)) else {
                    continue;
                };
                if rank(&ts) > rank(&status) {
                    status = ts.clone();
                }
                let tail = &p.id[p.id.rfind('-').map_or(0, |i| i + 1)..];
                let number =
                    |e: Option<&crate::wire::Endpoint>| e.and_then(|e| e.phone_number.clone());
                calls.push(ActiveCallInfo {
                    call: ActiveCall {
                        id: Some(format!("{}{tail}", &c.hex[..20])),
                        direction: p.direction.clone(),
                        from: number(p.from.as_ref()),
                        from_name: p.from.as_ref().and_then(|e| e.name.clone()),
                        to: number(p.to.as_ref()),
                        to_name: p.to.as_ref().and_then(|e| e.name.clone()),
                        telephony_status: Some(ts),
                        session_id: Some(c.session_id.clone()),
                        start_time: Some(c.created),
                        party_id: Some(p.id.clone()),
                        telephony_session_id: Some(c.id.clone()),
                        termination_type: None,
                    },
                    queue_call: p.queue_call,
                    call_info: p.ui_call_info.clone(),
                    sip_data: Some(ActiveCallSipData {
                        call_id: None,
                        to_tag: Some(c.hex[20..30].to_string()),
                        from_tag: Some(format!("10.13.22.27-5070-{}", &c.hex[..8])),
                        remote_uri: Some("-".into()),
                        local_uri: Some("-".into()),
                        rc_session_id: None,
                    }),
                    on_behalf_of: None,
                    extra: Default::default(),
                });
            }
        }
        (status, calls)
    }

    /// The presence of extension `ext` as a notification body (no `uri`/`extension`),
    /// with everything a detailed body has (`activeCalls` with SIP data). Non-user
    /// extensions are always `Offline` and carry nothing else (§2.1).
    pub fn presence_of(&self, ext: &str) -> PresenceInfo {
        let Some(u) = self.dir.user_index(ext) else {
            return PresenceInfo {
                extension_id: Some(ext.to_string()),
                presence_status: Some(PresenceStatus::Offline),
                ..Default::default()
            };
        };
        let me = &self.presence[u];
        let (status, calls) = self.calls_of(ext);
        let presence_status = if me.offline {
            PresenceStatus::Offline
        } else if status != TelephonyStatus::NoCall || me.user_status == PresenceStatus::Busy {
            PresenceStatus::Busy
        } else {
            PresenceStatus::Available
        };
        PresenceInfo {
            extension_id: Some(ext.to_string()),
            presence_status: Some(presence_status),
            user_status: Some(me.user_status.clone()),
            telephony_status: Some(status),
            dnd_status: Some(me.dnd.clone()),
            dnd_status_personal: Some(if me.dnd == DndStatus::DoNotAcceptAnyCalls {
                DndStatus::DoNotAcceptAnyCalls
            } else {
                DndStatus::TakeAllCalls
            }),
            accept_call_queue_calls: Some(me.accept_queue_calls),
            meeting_status: Some(MeetingStatus::Disconnected),
            message: me.message.clone(),
            allow_see_my_presence: Some(true),
            ring_on_monitored_call: Some(false),
            pick_up_calls_on_hold: Some(false),
            total_active_calls: Some(calls.len() as u32),
            active_calls: Some(calls),
            sequence: Some(me.seq),
            ..Default::default()
        }
    }

    /// The REST body of `GET …/extension/{ext}/presence`: `uri` and `extension` instead of
    /// `extensionId`/`sequence`/`totalActiveCalls`; `activeCalls` only when detailed,
    /// `sipData` only when asked for.
    pub fn presence_rest(&self, base: &str, ext: &directory::Ext, detail: Detail) -> PresenceInfo {
        let mut p = self.presence_of(&ext.id);
        p.extension_id = None;
        p.sequence = None;
        p.total_active_calls = None;
        p.uri = Some(format!(
            "{base}/restapi/v1.0/account/{}/extension/{}/presence",
            self.dir.account, ext.id
        ));
        p.extension = Some(crate::wire::presence::PresenceExtension {
            id: Some(ext.id.clone()),
            uri: Some(format!(
                "{base}/restapi/v1.0/account/{}/extension/{}",
                self.dir.account, ext.id
            )),
            extension_number: Some(ext.number.clone()),
        });
        shape(&mut p, detail, false);
        p
    }

    /// Publishes user `ext`'s presence if it changed: the next `sequence`, one body per
    /// variant, the agent state. Called after every telephony event of the user and every
    /// change of what the user set.
    pub fn presence_changed(&mut self, ext: &str) {
        let Some(u) = self.dir.user_index(ext) else {
            return;
        };
        if self.dir.users[u].kind != ExtKind::User {
            return;
        }
        let mut body = self.presence_of(ext);
        let live: Vec<ActiveCallInfo> = body.active_calls.clone().unwrap_or_default();
        // A call that was in the last notification and is over now appears once more,
        // as `NoCall` with `terminationType: final`.
        let ended: Vec<ActiveCallInfo> = self.presence[u]
            .last_calls
            .iter()
            .filter(|c| {
                !live
                    .iter()
                    .any(|l| l.call.party_id == c.call.party_id && c.call.party_id.is_some())
            })
            .cloned()
            .map(|mut c| {
                c.call.telephony_status = Some(TelephonyStatus::NoCall);
                c.call.termination_type = Some("final".into());
                c
            })
            .collect();
        if let Some(calls) = body.active_calls.as_mut() {
            calls.extend(ended);
        }
        body.sequence = None;
        let sig = serde_json::to_string(&body).unwrap_or_default();
        let me = &mut self.presence[u];
        if me.sig == sig {
            return;
        }
        me.sig = sig;
        me.seq += 1;
        me.last_calls = live;
        body.sequence = Some(me.seq);
        let dnd_changed = me.last_dnd != me.dnd;
        me.last_dnd = me.dnd.clone();
        let ts = self.now_ts();
        let state = agent_state(&body);
        let me = &mut self.presence[u];
        if me.state != state || me.state_since.is_none() {
            me.state = state;
            me.state_since = Some(ts);
        }
        let variant = |d: Detail| {
            let mut b = body.clone();
            shape(&mut b, d, true);
            serde_json::to_value(b).unwrap_or_default()
        };
        let bodies = PresenceBodies {
            simple: variant(Detail::Simple),
            detailed: variant(Detail::Detailed),
            sip: variant(Detail::Sip),
            dnd: dnd_changed.then(|| {
                serde_json::to_value(PresenceInfo {
                    extension_id: Some(ext.to_string()),
                    dnd_status: body.dnd_status.clone(),
                    ..Default::default()
                })
                .unwrap_or_default()
            }),
        };
        let uuid = directory::digits(&mut self.rng, 19);
        let rcreq = directory::uuid(&mut self.rng);
        self.hub.deliver_presence(&uuid, ext, &bodies, &rcreq, ts);
    }
}

/// Cuts a full body down to one variant: simple bodies have no `activeCalls` /
/// `totalActiveCalls`, detailed ones no `sipData`.
fn shape(p: &mut PresenceInfo, detail: Detail, notification: bool) {
    match detail {
        Detail::Simple => {
            p.active_calls = None;
            p.total_active_calls = None;
        }
        Detail::Detailed => {
            for c in p.active_calls.iter_mut().flatten() {
                c.sip_data = None;
            }
        }
        Detail::Sip => {}
    }
    if !notification {
        p.total_active_calls = None;
    }
}
