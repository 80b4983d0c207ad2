//! What a call leaves behind (call-log.md): call-log records a few (scaled) seconds after
//! the call ends — one per extension (user or queue) that had a party in it, with one leg
//! per such party — recordings for recorded parties, and voicemail messages (with their
//! message-store and voicemail notifications) for parties that reached voicemail. Plus the
//! ground truth of the join and the faults of this area.
//!
//! Join keys (call-log.md §2): every record and leg carries the session's
//! `telephonySessionId` and `sessionId`; each leg's `partyId` is the telephony party id;
//! a record's `partyId` is its first leg's. `recording.id` equals the live
//! `recordings[].id`; `message.id` is the voicemail message id.
//!
//! Leg `result` / `reason` from the party's last state (§1.4, §5.2): reached `Answered` →
//! `Accepted` (inbound) or `Call connected` (outbound), reason `Accepted`; a voicemail
//! party → `Voicemail`; `AgentAnswered` → `Stopped`/`Stopped`; `missedCall` → `Missed`/
//! `No Answer`; `CallReplied` → `Reply`; outbound never answered → `No Answer`/`Not
//! Answered`; a queue's party: by its entry's outcome (answered `Accepted`, abandoned
//! `Hang Up`, voicemail `Voicemail`, overflow `Missed`); anything else that rang and ended
//! unanswered (the caller hung up, `Cancelled`) → `Hang Up`/`Hang Up`. A record's result
//! is its first answered leg's, else its first leg's.

use super::calls::SimCall;
use super::directory::{self, ExtKind};
use super::truth::Outcome;
use super::world::World;
use crate::wire::calllog::{
    Billing, CallAction, CallLogEntry, CallLogExtension, CallLogLeg, CallLogMessage, CallLogParty,
    CallLogRecord, CallLogRecording, CallReason, CallRecordingInfo, CallResult, CallType, LegType,
    RecordingType, Transport,
};
use crate::wire::message::{
    Availability, Message, MessageAttachment, MessageChange, MessageParty, MessageStoreEvent,
    MessageType, ReadStatus, TranscriptionStatus,
};
use crate::wire::{Direction, Endpoint, Party, Reason, Ts};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// A call-log record as stored: the Detailed view (Simple drops the rest).
#[derive(Clone, Debug)]
pub struct StoredRecord {
    pub record: CallLogRecord,
    /// The extension whose log it is in.
    pub owner: String,
    /// Served from then on (`None`: never, a fault).
    pub visible_from: Option<Instant>,
}

/// A recording's metadata and length.
#[derive(Clone, Debug)]
pub struct StoredRecording {
    pub info: CallRecordingInfo,
    /// Served once the call's records are.
    pub visible: bool,
}

/// One leg of a record in the ground truth.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LegTruth {
    pub party_id: String,
    pub result: String,
    pub reason: Option<String>,
}

/// One record in the ground truth.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordTruth {
    pub id: String,
    pub extension_id: String,
    pub result: String,
    pub legs: Vec<LegTruth>,
    pub recording_id: Option<String>,
    pub message_id: Option<String>,
    /// Fault: the legs do not match the session's parties (one is missing, one has a
    /// party id the session never had).
    pub mismatched_legs: bool,
}

/// A recording in the ground truth.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordingTruth {
    pub id: String,
    pub party_id: String,
    /// `Automatic` or `OnDemand`.
    pub kind: String,
    pub uri: String,
    pub content_uri: String,
    pub duration: i64,
}

/// Everything one ended call left behind.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallOutcomeTruth {
    pub telephony_session_id: String,
    pub session_id: String,
    /// When the last party left.
    pub ended: Ts,
    /// When its records appear (`None` until decided, or never: `records_missing`).
    pub records_at: Option<Ts>,
    /// Fault: the records never appear.
    pub records_missing: bool,
    pub records: Vec<RecordTruth>,
    pub recordings: Vec<RecordingTruth>,
    /// Voicemail messages left on this call (message ids).
    pub voicemail_message_ids: Vec<String>,
}

/// The call log, recordings and message store of the account.
#[derive(Debug)]
pub struct History {
    pub records: Vec<StoredRecord>,
    pub recordings: HashMap<String, StoredRecording>,
    /// Per mailbox owner (extension id): messages, newest last.
    pub messages: Vec<(String, Message)>,
    pub outcomes: Vec<CallOutcomeTruth>,
    /// Voicemail notifications for calls that never existed (fault).
    pub orphan_voicemails: Vec<String>,
    pending: Vec<(Instant, usize)>,
    pending_messages: Vec<(Instant, String, Message, Option<usize>)>,
    voicemails: HashMap<(usize, usize), String>,
    outcome_of: HashMap<usize, usize>,
    rng: StdRng,
    next_id: u64,
}

impl History {
    /// An empty history; ids come from `seed`.
    pub fn new(seed: u64) -> History {
        History {
            records: Vec::new(),
            recordings: HashMap::new(),
            messages: Vec::new(),
            outcomes: Vec::new(),
            orphan_voicemails: Vec::new(),
            pending: Vec::new(),
            pending_messages: Vec::new(),
            voicemails: HashMap::new(),
            outcome_of: HashMap::new(),
            rng: StdRng::seed_from_u64(seed ^ 0xCA11_1060),
            next_id: 40_200_000_000 + seed % 1000 * 1_000_000,
        }
    }

    fn record_id(&mut self) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..14)
            .map(|_| A[self.rng.random_range(0..A.len())] as char)
            .collect()
    }

    fn message_id(&mut self) -> String {
        self.next_id += self.rng.random_range(1..9) * 1000 + 8;
        self.next_id.to_string()
    }
}

/// 8 kHz 8-bit mono WAV of `secs` seconds of near-silence (at most 30 s are written).
pub fn wav(secs: i64) -> Vec<u8> {
    let n = (secs.clamp(1, 30) * 8000) as u32;
    let mut b = Vec::with_capacity(44 + n as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + n).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&8000u32.to_le_bytes());
    b.extend_from_slice(&8000u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&8u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&n.to_le_bytes());
    b.extend((0..n).map(|i| if i % 400 < 2 { 0x81 } else { 0x80 }));
    b
}

fn log_party(e: Option<&Endpoint>, w: &World) -> Option<CallLogParty> {
    let e = e?;
    let ext = e.extension_id.as_deref().and_then(|id| w.dir.by_id(id, id));
    Some(CallLogParty {
        phone_number: e.phone_number.clone(),
        extension_number: ext.map(|x| x.number.clone()),
        extension_id: e.extension_id.clone(),
        name: e.name.clone(),
        ..Default::default()
    })
}

impl World {
    fn acc_uri(&self) -> String {
        format!(
            "{}/restapi/v1.0/account/{}",
            self.base_url, self.dir.account
        )
    }

    /// A call just ended: its records are due after the call-log delay.
    pub fn history_call_ended(&mut self, ci: usize) {
        if self.calls[ci].logged {
            return;
        }
        self.calls[ci].logged = true;
        let delay = Duration::from_secs_f64(self.cfg.call_log_delay_secs * self.timing.scale);
        let due = self.instant_now() + delay;
        self.history.pending.push((due, ci));
        let c = &self.calls[ci];
        let outcome = CallOutcomeTruth {
            telephony_session_id: c.id.clone(),
            session_id: c.session_id.clone(),
            ended: c.last_event,
            records_at: None,
            records_missing: false,
            records: Vec::new(),
            recordings: Vec::new(),
            voicemail_message_ids: self
                .history
                .voicemails
                .iter()
                .filter(|((c, _), _)| *c == ci)
                .map(|(_, id)| id.clone())
                .collect(),
        };
        self.history.outcomes.push(outcome);
        let oi = self.history.outcomes.len() - 1;
        self.history.outcome_of.insert(ci, oi);
    }

    /// After each event: a voicemail party that ended leaves a message.
    pub fn history_after_event(&mut self, ci: usize, pi: usize) {
        let c = &self.calls[ci];
        let p = &c.parties[pi];
        let key = (c.id.clone(), p.id.clone());
        let Some(track) = self.truth.parties.get(&key) else {
            return;
        };
        if !track.voicemail
            || track.ended.is_none()
            || self.history.voicemails.contains_key(&(ci, pi))
        {
            return;
        }
        let Some(owner) = p.extension_id.clone() else {
            return;
        };
        let secs = (track.first.millis_until(track.ended.unwrap_or(track.first)) / 1000).max(1);
        let created = track.first;
        let caller = p.from.clone().unwrap_or_default();
        let id = self.history.message_id();
        self.history.voicemails.insert((ci, pi), id.clone());
        if let Some(&oi) = self.history.outcome_of.get(&ci) {
            self.history.outcomes[oi]
                .voicemail_message_ids
                .push(id.clone());
        }
        let msg = self.voicemail(
            &id,
            &owner,
            &caller,
            self.calls[ci].cnam.clone(),
            created,
            secs,
        );
        let delay = Duration::from_secs_f64(self.cfg.voicemail_delay_secs * self.timing.scale);
        let due = self.instant_now() + delay;
        self.history
            .pending_messages
            .push((due, owner.clone(), msg, Some(ci)));
        // Fault: a voicemail for a call that never happened arrives too.
        let orphan = self.faults_now().orphan_voicemail;
        if orphan > 0.0 && self.history.rng.random_bool(orphan.min(1.0)) {
            let oid = self.history.message_id();
            let who = directory::Directory::outside(&mut self.history.rng);
            let from = Endpoint {
                phone_number: Some(who.phone),
                ..Default::default()
            };
            let m = self.voicemail(&oid, &owner, &from, Some(who.cnam), created, 7);
            self.history.orphan_voicemails.push(oid);
            self.history.pending_messages.push((due, owner, m, None));
        }
    }

    fn voicemail(
        &self,
        id: &str,
        owner: &str,
        caller: &Endpoint,
        cnam: Option<String>,
        created: Ts,
        secs: i64,
    ) -> Message {
        let o = self.dir.by_id(owner, owner);
        let store = format!("{}/extension/{owner}/message-store/{id}", self.acc_uri());
        Message {
            id: id.to_string(),
            uri: Some(store.clone()),
            extension_id: Some(owner.to_string()),
            kind: Some(MessageType::VoiceMail),
            direction: Some(Direction::Inbound),
            from: Some(MessageParty {
                phone_number: caller.phone_number.clone(),
                name: cnam.or_else(|| caller.name.clone()),
                ..Default::default()
            }),
            to: Some(vec![MessageParty {
                name: o.map(|e| e.name.clone()),
                extension_number: o.map(|e| e.number.clone()),
                phone_number: o.map(|e| e.phone.clone()),
                ..Default::default()
            }]),
            creation_time: Some(created),
            last_modified_time: Some(created),
            read_status: Some(ReadStatus::Unread),
            priority: Some("Normal".into()),
            availability: Some(Availability::Alive),
            message_status: Some("Received".into()),
            attachments: Some(vec![MessageAttachment {
                id: id.to_string(),
                uri: Some(format!("{store}/content/{id}")),
                kind: Some("AudioRecording".into()),
                content_type: Some("audio/x-wav".into()),
                vm_duration: Some(secs),
                size: Some(wav(secs).len() as i64),
                ..Default::default()
            }]),
            vm_transcription_status: Some(TranscriptionStatus::NotAvailable),
            ..Default::default()
        }
    }

    /// Publishes due records and messages; returns when the next is due.
    pub fn history_tick(&mut self, now: Instant) -> Option<Instant> {
        let due: Vec<usize> = self
            .history
            .pending
            .iter()
            .filter(|(t, _)| *t <= now)
            .map(|(_, ci)| *ci)
            .collect();
        self.history.pending.retain(|(t, _)| *t > now);
        for ci in due {
            self.publish_records(ci, now);
        }
        let mut i = 0;
        while i < self.history.pending_messages.len() {
            if self.history.pending_messages[i].0 <= now {
                let (_, owner, msg, _) = self.history.pending_messages.remove(i);
                self.deliver_voicemail(&owner, msg);
            } else {
                i += 1;
            }
        }
        self.history
            .pending
            .iter()
            .map(|(t, _)| *t)
            .chain(self.history.pending_messages.iter().map(|m| m.0))
            .min()
    }

    /// Stores the message and sends the `/message-store` and `/voicemail` notifications.
    fn deliver_voicemail(&mut self, owner: &str, mut msg: Message) {
        let ts = self.now_ts();
        msg.last_modified_time = Some(ts);
        let store = MessageStoreEvent {
            account_id: Some(self.dir.account.clone()),
            extension_id: Some(owner.to_string()),
            last_updated: Some(ts),
            changes: vec![MessageChange {
                kind: Some(MessageType::VoiceMail),
                new_count: Some(1),
                updated_count: Some(0),
                new_message_ids: Some(vec![msg.id.clone()]),
            }],
            owner_id: None,
        };
        let store = serde_json::to_value(store).unwrap_or_default();
        let vm = serde_json::to_value(&msg).unwrap_or_default();
        self.history.messages.push((owner.to_string(), msg));
        let uuid = directory::digits(&mut self.rng, 19);
        let rcreq = directory::uuid(&mut self.rng);
        self.hub.deliver_to(&uuid, &rcreq, ts, &store, |f| {
            matches!(f, super::hub::Filter::MessageStore(e, kind)
                if e == owner && kind.as_deref().is_none_or(|k| MessageType::parse(k) == MessageType::VoiceMail))
        });
        let uuid = directory::digits(&mut self.rng, 19);
        self.hub.deliver_to(
            &uuid,
            &rcreq,
            ts,
            &vm,
            |f| matches!(f, super::hub::Filter::Voicemail(e) if e == owner),
        );
    }

    /// The result and reason of one leg (see the module docs).
    fn leg_result(&self, ci: usize, pi: usize) -> (CallResult, Option<CallReason>) {
        let c = &self.calls[ci];
        let p = &c.parties[pi];
        let track = self.truth.parties.get(&(c.id.clone(), p.id.clone()));
        let answered = track.is_some_and(|t| t.answered.is_some());
        let outbound = p.direction == Some(Direction::Outbound);
        let reason = p.status.as_ref().and_then(|s| s.reason.clone());
        let queue = p
            .extension_id
            .as_deref()
            .filter(|e| self.dir.queue_index(e).is_some() && p.queue_call != Some(true));
        if track.is_some_and(|t| t.voicemail) {
            return (CallResult::Voicemail, None);
        }
        if let Some(q) = queue {
            let outcome = self
                .truth
                .entries
                .iter()
                .find(|e| e.telephony_session_id == c.id && e.party_id == p.id && e.queue_id == q)
                .and_then(|e| e.outcome);
            return match outcome {
                Some(Outcome::Answered) => (CallResult::Accepted, Some(CallReason::Accepted)),
                Some(Outcome::Voicemail) => (CallResult::Voicemail, None),
                Some(Outcome::Overflow) => (CallResult::Missed, Some(CallReason::NoAnswer)),
                _ => (CallResult::HangUp, Some(CallReason::HangUp)),
            };
        }
        if answered {
            let r = if outbound {
                CallResult::CallConnected
            } else {
                CallResult::Accepted
            };
            return (r, Some(CallReason::Accepted));
        }
        match reason {
            Some(Reason::AgentAnswered) => (CallResult::Stopped, Some(CallReason::Stopped)),
            Some(Reason::CallReplied) => (CallResult::Reply, None),
            _ if p.missed_call == Some(true) => (CallResult::Missed, Some(CallReason::NoAnswer)),
            _ if outbound => (CallResult::NoAnswer, Some(CallReason::NotAnswered)),
            _ => (CallResult::HangUp, Some(CallReason::HangUp)),
        }
    }

    fn leg_type(p: &Party, outside: bool) -> LegType {
        let reason = p.status.as_ref().and_then(|s| s.reason.clone());
        if p.queue_call == Some(true) {
            LegType::Hunting
        } else if reason == Some(Reason::Supervising) {
            LegType::Monitoring
        } else if p.conference_role.is_some() {
            LegType::ConferenceCall
        } else if reason == Some(Reason::Pickup) {
            LegType::Pickup
        } else if !outside {
            LegType::ExtensionToExtension
        } else if p.direction == Some(Direction::Outbound) {
            LegType::SipToPstnMetered
        } else {
            LegType::Accept
        }
    }

    /// The leg of party `pi` of call `c` (index `ci`) in `owner`'s record; `None` when
    /// the truth has no such party.
    fn owner_leg(
        &self,
        c: &SimCall,
        ci: usize,
        pi: usize,
        owner: &str,
        outside: bool,
        master: bool,
    ) -> Option<CallLogLeg> {
        let p = &c.parties[pi];
        let acc = self.acc_uri();
        let t = self
            .truth
            .parties
            .get(&(c.id.clone(), p.id.clone()))
            .cloned()?;
        let (result, reason) = self.leg_result(ci, pi);
        let end = t.ended.unwrap_or(c.last_event);
        let ms = t.first.millis_until(end);
        let recording = p.recordings.as_ref().and_then(|r| r.first()).map(|r| {
            let kind = self
                .recording_modes
                .get(&r.id)
                .cloned()
                .unwrap_or(RecordingType::OnDemand);
            CallLogRecording {
                id: Some(r.id.clone()),
                uri: Some(format!("{acc}/recording/{}", r.id)),
                kind: Some(kind),
                content_uri: Some(format!("{acc}/recording/{}/content", r.id)),
            }
        });
        let message = self
            .history
            .voicemails
            .get(&(ci, pi))
            .map(|id| CallLogMessage {
                id: Some(id.clone()),
                kind: Some("VoiceMail".into()),
                uri: Some(format!("{acc}/extension/{owner}/message-store/{id}")),
            });
        let direction = p.direction.clone();
        let action =
            if p.status.as_ref().and_then(|s| s.reason.clone()) == Some(Reason::Supervising) {
                CallAction::Monitoring
            } else if direction == Some(Direction::Outbound) {
                CallAction::VoipCall
            } else {
                CallAction::PhoneCall
            };
        Some(CallLogLeg {
            entry: CallLogEntry {
                start_time: Some(t.first),
                duration: Some(ms / 1000),
                duration_ms: Some(ms),
                kind: Some(CallType::Voice),
                direction,
                action: Some(action),
                result: Some(result),
                reason,
                from: log_party(p.from.as_ref(), self),
                to: log_party(p.to.as_ref(), self),
                transport: Some(if outside {
                    Transport::Pstn
                } else {
                    Transport::Voip
                }),
                recording,
                message,
                extension: Some(CallLogExtension {
                    id: Some(owner.to_string()),
                    uri: Some(format!("{acc}/extension/{owner}")),
                }),
                telephony_session_id: Some(c.id.clone()),
                party_id: Some(p.id.clone()),
                ..Default::default()
            },
            leg_type: Some(Self::leg_type(p, outside)),
            master: Some(master),
            extra: Default::default(),
        })
    }

    /// The records of call `ci`: one per extension (user or queue) with a party in it.
    fn build_records(&mut self, ci: usize) -> Vec<StoredRecord> {
        let c = self.calls[ci].clone();
        let acc = self.acc_uri();
        let outside = c.parties.iter().any(|p| p.extension_id.is_none());
        let mut owners: Vec<String> = Vec::new();
        for p in &c.parties {
            if let Some(e) = &p.extension_id {
                let kind = self.dir.by_id(e, e).map(|x| x.kind);
                if matches!(kind, Some(ExtKind::User | ExtKind::Department)) && !owners.contains(e)
                {
                    owners.push(e.clone());
                }
            }
        }
        let mut out = Vec::new();
        for owner in owners {
            let mut legs = Vec::new();
            for (pi, p) in c.parties.iter().enumerate() {
                if p.extension_id.as_deref() != Some(owner.as_str()) {
                    continue;
                }
                if let Some(leg) = self.owner_leg(&c, ci, pi, &owner, outside, legs.is_empty()) {
                    legs.push(leg);
                }
            }
            let Some(first) = legs.first().cloned() else {
                continue;
            };
            let main = legs
                .iter()
                .find(|l| {
                    matches!(
                        l.entry.result,
                        Some(CallResult::Accepted | CallResult::CallConnected)
                    )
                })
                .unwrap_or(&first)
                .clone();
            let start = first.entry.start_time.unwrap_or(c.created);
            let end = legs
                .iter()
                .filter_map(|l| {
                    l.entry
                        .start_time
                        .map(|s| s.plus_millis(l.entry.duration_ms.unwrap_or(0)))
                })
                .max()
                .unwrap_or(start);
            let ms = start.millis_until(end);
            let id = self.history.record_id();
            let record = CallLogRecord {
                id: id.clone(),
                uri: Some(format!("{acc}/extension/{owner}/call-log/{id}")),
                session_id: Some(c.session_id.clone()),
                entry: CallLogEntry {
                    start_time: Some(start),
                    duration: Some(ms / 1000),
                    duration_ms: Some(ms),
                    kind: Some(CallType::Voice),
                    internal_type: Some(if outside { "Local" } else { "Usual" }.into()),
                    direction: first.entry.direction.clone(),
                    action: first.entry.action.clone(),
                    result: main.entry.result.clone(),
                    reason: main.entry.reason.clone(),
                    from: first.entry.from.clone(),
                    to: first.entry.to.clone(),
                    transport: first.entry.transport.clone(),
                    recording: legs.iter().find_map(|l| l.entry.recording.clone()),
                    message: legs.iter().find_map(|l| l.entry.message.clone()),
                    billing: Some(Billing {
                        cost_included: Some(0.0),
                        cost_purchased: Some(0.0),
                    }),
                    extension: first.entry.extension.clone(),
                    telephony_session_id: Some(c.id.clone()),
                    party_id: first.entry.party_id.clone(),
                    ..Default::default()
                },
                legs: Some(legs),
                last_modified_time: None,
                deleted: None,
                extra: Default::default(),
            };
            out.push(StoredRecord {
                record,
                owner: owner.clone(),
                visible_from: None,
            });
        }
        out
    }

    /// Builds and publishes call `ci`'s records (or loses them, a fault), its recordings.
    fn publish_records(&mut self, ci: usize, now: Instant) {
        let faults = self.faults_now();
        let mut recs = self.build_records(ci);
        let missing = faults.call_log_missing > 0.0
            && self
                .history
                .rng
                .random_bool(faults.call_log_missing.min(1.0));
        let ts = self.now_ts();
        let mut truth_records = Vec::new();
        for r in recs.iter_mut() {
            let mismatched = faults.mismatched_legs > 0.0
                && self
                    .history
                    .rng
                    .random_bool(faults.mismatched_legs.min(1.0));
            if mismatched {
                // One leg too few, and one leg naming a party the session never had.
                if let Some(legs) = r.record.legs.as_mut() {
                    if legs.len() > 1 {
                        legs.pop();
                    }
                    if let Some(l) = legs.first_mut() {
                        let bogus = format!("p-{}-99", &self.calls[ci].hex);
                        l.entry.party_id = Some(bogus.clone());
                        r.record.entry.party_id = Some(bogus);
                    }
                }
            }
            r.record.last_modified_time = Some(ts);
            r.visible_from = (!missing).then_some(now);
            truth_records.push(record_truth(r, mismatched));
        }
        let truth_recs = self.publish_recordings(ci, missing);
        self.history.records.extend(recs);
        if let Some(&oi) = self.history.outcome_of.get(&ci) {
            let o = &mut self.history.outcomes[oi];
            o.records_at = (!missing).then_some(ts);
            o.records_missing = missing;
            o.records = truth_records;
            o.recordings = truth_recs;
        }
    }

    /// Stores call `ci`'s recordings (hidden when `missing`), one per recorded party,
    /// long as the party's time on the call; their truth.
    fn publish_recordings(&mut self, ci: usize, missing: bool) -> Vec<RecordingTruth> {
        let acc = self.acc_uri();
        let c = self.calls[ci].clone();
        let mut truth_recs = Vec::new();
        for p in &c.parties {
            for r in p.recordings.iter().flatten() {
                if self.history.recordings.contains_key(&r.id) {
                    continue;
                }
                let t = self.truth.parties.get(&(c.id.clone(), p.id.clone()));
                let secs = t
                    .map(|t| {
                        t.answered
                            .unwrap_or(t.first)
                            .millis_until(t.ended.unwrap_or(c.last_event))
                            / 1000
                    })
                    .unwrap_or(1)
                    .max(1);
                let kind = self
                    .recording_modes
                    .get(&r.id)
                    .cloned()
                    .unwrap_or(RecordingType::OnDemand);
                let info = CallRecordingInfo {
                    id: r.id.clone(),
                    content_uri: Some(format!("{acc}/recording/{}/content", r.id)),
                    content_type: Some("audio/x-wav".into()),
                    duration: Some(secs),
                };
                truth_recs.push(RecordingTruth {
                    id: r.id.clone(),
                    party_id: p.id.clone(),
                    kind: kind.to_string(),
                    uri: format!("{acc}/recording/{}", r.id),
                    content_uri: info.content_uri.clone().unwrap_or_default(),
                    duration: secs,
                });
                self.history.recordings.insert(
                    r.id.clone(),
                    StoredRecording {
                        info,
                        visible: !missing,
                    },
                );
            }
        }
        truth_recs
    }
}

/// What the truth says of a published record; `mismatched` when a fault spoiled its legs.
fn record_truth(r: &StoredRecord, mismatched: bool) -> RecordTruth {
    RecordTruth {
        id: r.record.id.clone(),
        extension_id: r.owner.clone(),
        result: r
            .record
            .entry
            .result
            .as_ref()
            .map(|x| x.to_string())
            .unwrap_or_default(),
        legs: r
            .record
            .legs
            .iter()
            .flatten()
            .map(|l| LegTruth {
                party_id: l.entry.party_id.clone().unwrap_or_default(),
                result: l
                    .entry
                    .result
                    .as_ref()
                    .map(|x| x.to_string())
                    .unwrap_or_default(),
                reason: l.entry.reason.as_ref().map(|x| x.to_string()),
            })
            .collect(),
        recording_id: r.record.entry.recording.as_ref().and_then(|x| x.id.clone()),
        message_id: r.record.entry.message.as_ref().and_then(|x| x.id.clone()),
        mismatched_legs: mismatched,
    }
}
