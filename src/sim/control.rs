//! Call Control operations on the simulated calls: each checks the party's state the
//! way the platform does (409 otherwise), changes it and emits the notifications.
//! Scripted steps of the generator use the same operations.

use super::calls::{party, pstn, user_endpoint, Script, SimCall, Step, Target};
use super::directory::{Ext, ExtKind};
use super::world::World;
use crate::wire::calllog::RecordingType;
use crate::wire::{
    Direction, Endpoint, MobilePickupData, OriginType, Park, Party, PeerId, Reason, Recording,
    Status, StatusCode,
};
use rand::Rng;
use std::collections::VecDeque;

/// Why a control request cannot be done.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionError {
    /// 404: unknown session, party, recording…
    NotFound(String),
    /// 409: the party is not in a state that allows it.
    Conflict(String),
    /// 400: a missing or invalid parameter (name, message).
    Bad(String, String),
}

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionError::NotFound(m) | ActionError::Conflict(m) => f.write_str(m),
            ActionError::Bad(p, m) => write!(f, "{p}: {m}"),
        }
    }
}

type R<T> = Result<T, ActionError>;

fn conflict(code: &StatusCode, what: &str) -> ActionError {
    ActionError::Conflict(format!("{what} is not allowed in party status [{code}]"))
}

impl World {
    fn live(&self, ci: usize, pi: usize) -> R<StatusCode> {
        let code = self.calls[ci]
            .code(pi)
            .cloned()
            .ok_or_else(|| ActionError::NotFound("Party not found".into()))?;
        Ok(code)
    }

    fn set_status(&mut self, ci: usize, pi: usize, status: Status) {
        self.calls[ci].parties[pi].status = Some(Status {
            rcc: Some(false),
            ..status
        });
        self.emit(ci, pi);
    }

    fn user(&self, ext_id: &str) -> Option<Ext> {
        self.dir.users.iter().find(|u| u.id == ext_id).cloned()
    }

    /// Setup → Proceeding (the phone rings).
    pub fn ring(&mut self, ci: usize, pi: usize) -> R<()> {
        let code = self.live(ci, pi)?;
        if code != StatusCode::Setup {
            return Err(conflict(&code, "Ring"));
        }
        let p = &self.calls[ci].parties[pi];
        let mut st = Status::code(StatusCode::Proceeding);
        if p.direction == Some(Direction::Inbound) {
            if let Some(ext) = p.extension_id.clone().filter(|e| self.user(e).is_some()) {
                let n = self.rng.random_range(1_000_000u64..9_999_999);
                st.mobile_pickup_data = Some(Box::new(MobilePickupData {
                    cc_mailboxes: Some(vec![ext]),
                    to: Some(format!("#{}@sip.ringcentral.com:5060", n % 10_000_000)),
                    sid: Some(super::directory::digits(&mut self.rng, 14)),
                    srv_lvl: Some(format!("-{}", super::directory::digits(&mut self.rng, 9))),
                    srv_lvl_ext: Some(self.rng.random_range(100..999).to_string()),
                }));
            }
        }
        self.set_status(ci, pi, st);
        Ok(())
    }

    /// Answers a ringing party.
    pub fn answer(&mut self, ci: usize, pi: usize) -> R<Party> {
        let code = self.live(ci, pi)?;
        if !code.is_pre_answer() {
            return Err(conflict(&code, "Answer"));
        }
        let mpd = self.calls[ci].parties[pi]
            .status
            .as_ref()
            .and_then(|s| s.mobile_pickup_data.clone());
        self.set_status(
            ci,
            pi,
            Status {
                mobile_pickup_data: mpd,
                ..Status::code(StatusCode::Answered)
            },
        );
        Ok(self.calls[ci].parties[pi].clone())
    }

    /// Answered → Hold (Hold stays Hold).
    pub fn hold(&mut self, ci: usize, pi: usize) -> R<Party> {
        match self.live(ci, pi)? {
            StatusCode::Answered => self.set_status(ci, pi, Status::code(StatusCode::Hold)),
            StatusCode::Hold => {}
            c => return Err(conflict(&c, "Hold")),
        }
        Ok(self.calls[ci].parties[pi].clone())
    }

    /// Hold → Answered (Answered stays Answered).
    pub fn unhold(&mut self, ci: usize, pi: usize) -> R<Party> {
        match self.live(ci, pi)? {
            StatusCode::Hold => self.set_status(ci, pi, Status::code(StatusCode::Answered)),
            StatusCode::Answered => {}
            c => return Err(conflict(&c, "Unhold")),
        }
        Ok(self.calls[ci].parties[pi].clone())
    }

    /// `PATCH …/parties/{id}`: muted / standAlone.
    pub fn update_party(
        &mut self,
        ci: usize,
        pi: usize,
        muted: Option<bool>,
        stand_alone: Option<bool>,
    ) -> R<Party> {
        let code = self.live(ci, pi)?;
        if !matches!(code, StatusCode::Answered | StatusCode::Hold) {
            return Err(conflict(&code, "Party update"));
        }
        let p = &mut self.calls[ci].parties[pi];
        let mut changed = false;
        if let Some(m) = muted {
            changed |= p.muted != Some(m);
            p.muted = Some(m);
        }
        if let Some(s) = stand_alone {
            changed |= p.stand_alone != Some(s);
            p.stand_alone = Some(s);
        }
        if changed {
            self.emit(ci, pi);
        }
        Ok(self.calls[ci].parties[pi].clone())
    }

    /// Starts a recording of the party's call (`automatic`: by the queue's policy, else
    /// on demand).
    pub fn start_recording(&mut self, ci: usize, pi: usize, automatic: bool) -> R<Recording> {
        let code = self.live(ci, pi)?;
        if !matches!(code, StatusCode::Answered | StatusCode::Hold) {
            return Err(conflict(&code, "Recording"));
        }
        if self.calls[ci].parties[pi]
            .recordings
            .iter()
            .flatten()
            .any(|r| r.active)
        {
            return Err(ActionError::Conflict(
                "Recording is already in progress".into(),
            ));
        }
        let rec = Recording {
            id: self.recording_id(),
            active: true,
            mode: None,
        };
        self.recording_modes.insert(
            rec.id.clone(),
            if automatic {
                RecordingType::Automatic
            } else {
                RecordingType::OnDemand
            },
        );
        self.calls[ci].parties[pi]
            .recordings
            .get_or_insert_with(Vec::new)
            .push(rec.clone());
        self.emit(ci, pi);
        Ok(rec)
    }

    /// Pauses or resumes a recording.
    pub fn update_recording(
        &mut self,
        ci: usize,
        pi: usize,
        id: &str,
        active: bool,
    ) -> R<Recording> {
        let code = self.live(ci, pi)?;
        let p = &mut self.calls[ci].parties[pi];
        let Some(rec) = p.recordings.iter_mut().flatten().find(|r| r.id == id) else {
            return Err(ActionError::NotFound(format!("Recording [{id}] not found")));
        };
        if code.is_terminal() {
            return Err(conflict(&code, "Recording update"));
        }
        let changed = rec.active != active;
        rec.active = active;
        let out = rec.clone();
        if changed {
            self.emit(ci, pi);
        }
        Ok(out)
    }

    /// The party leaves the call.
    pub fn disconnect(
        &mut self,
        ci: usize,
        pi: usize,
        reason: Option<Reason>,
        missed: bool,
    ) -> R<()> {
        let code = self.live(ci, pi)?;
        if code.is_terminal() {
            return Err(conflict(&code, "Disconnect"));
        }
        if missed {
            self.calls[ci].parties[pi].missed_call = Some(true);
        }
        self.set_status(
            ci,
            pi,
            Status {
                reason,
                ..Status::code(StatusCode::Disconnected)
            },
        );
        Ok(())
    }

    /// Every live party hangs up (users first, then outside parties); a linked
    /// attended-transfer call ends with it.
    pub fn end_call(&mut self, ci: usize) {
        let order: Vec<usize> = {
            let c = &self.calls[ci];
            let live = |p: &Party| p.status.as_ref().is_some_and(|s| !s.code.is_terminal());
            let (ext, other): (Vec<usize>, Vec<usize>) = (0..c.parties.len())
                .filter(|&i| live(&c.parties[i]))
                .partition(|&i| c.parties[i].extension_id.is_some());
            ext.into_iter().chain(other).collect()
        };
        for pi in order {
            let _ = self.disconnect(ci, pi, None, false);
        }
        let c = &mut self.calls[ci];
        c.ended = true;
        c.script.clear();
        c.next_at = None;
        let linked = c.linked.take();
        self.history_call_ended(ci);
        if let Some(o) = linked {
            if !self.calls[o].ended {
                self.calls[o].linked = None;
                self.end_call(o);
            }
        }
    }

    /// Parks the party on a free orbit `*801…*899`.
    pub fn park(&mut self, ci: usize, pi: usize) -> R<Party> {
        let code = self.live(ci, pi)?;
        if !matches!(code, StatusCode::Answered | StatusCode::Hold)
            || self.calls[ci].parties[pi].extension_id.is_none()
        {
            return Err(conflict(&code, "Park"));
        }
        let Some(orbit) = (801..900)
            .map(|n| format!("*{n}"))
            .find(|o| !self.parked.contains(o))
        else {
            return Err(ActionError::Conflict("No free park location".into()));
        };
        self.parked.insert(orbit.clone());
        self.calls[ci].parties[pi].park = Some(Park { id: Some(orbit) });
        self.set_status(ci, pi, Status::code(StatusCode::Parked));
        Ok(self.calls[ci].parties[pi].clone())
    }

    /// A user picks up a parked party: it leaves with reason Pickup, the user's new
    /// party is Answered with reason Pickup.
    pub fn pickup(&mut self, ci: usize, pi: usize, by: &Ext) -> R<Party> {
        let code = self.live(ci, pi)?;
        if code != StatusCode::Parked {
            return Err(conflict(&code, "Pickup"));
        }
        let from = self.counterpart(ci, pi);
        if let Some(id) = self.calls[ci].parties[pi].park.take().and_then(|p| p.id) {
            self.parked.remove(&id);
        }
        self.calls[ci].parties[pi].park = Some(Park::default());
        self.disconnect(ci, pi, Some(Reason::Pickup), false)?;
        let mut p = party(
            String::new(),
            Direction::Inbound,
            from,
            user_endpoint(by, &by.phone, false),
            Some(by),
            StatusCode::Answered,
        );
        p.status = Some(Status::with_reason(StatusCode::Answered, Reason::Pickup));
        let np = self.add_party(ci, p);
        Ok(self.calls[ci].parties[np].clone())
    }

    /// How the rest of the call looks to a party joining it (the caller's endpoint).
    fn counterpart(&self, ci: usize, pi: usize) -> Endpoint {
        let c = &self.calls[ci];
        c.parties
            .iter()
            .enumerate()
            .filter(|(i, p)| *i != pi && p.status.as_ref().is_some_and(|s| !s.code.is_terminal()))
            .map(|(_, p)| {
                if p.direction == Some(Direction::Outbound) {
                    p.from.clone()
                } else {
                    p.to.clone()
                }
            })
            .next()
            .flatten()
            .or_else(|| c.parties.get(pi).and_then(|p| p.from.clone()))
            .unwrap_or_default()
    }

    /// The party that a transfer / forward hands the call to.
    fn handed_party(&self, ci: usize, pi: usize, target: &Target) -> R<Party> {
        let from = self.counterpart(ci, pi);
        let transferrer = self.calls[ci].parties[pi].extension_id.clone();
        Ok(match target {
            Target::Extension(e) => party(
                String::new(),
                Direction::Inbound,
                from,
                user_endpoint(e, &e.phone, false),
                Some(e),
                StatusCode::Setup,
            ),
            Target::Phone(n) => party(
                String::new(),
                Direction::Inbound,
                from,
                pstn(n, None),
                None,
                StatusCode::Proceeding,
            ),
            Target::Voicemail(e) => {
                let mut p = party(
                    String::new(),
                    Direction::Inbound,
                    from,
                    user_endpoint(e, &e.phone, false),
                    Some(e),
                    StatusCode::Voicemail,
                );
                p.status = Some(Status::with_reason(
                    StatusCode::Voicemail,
                    Reason::Voicemail,
                ));
                p
            }
            Target::ParkOrbit(o) => {
                if self.parked.contains(o) {
                    return Err(ActionError::Conflict(format!(
                        "Park location [{o}] is busy"
                    )));
                }
                let ext = transferrer.as_deref().and_then(|e| self.user(e));
                let mut p = party(
                    String::new(),
                    Direction::Inbound,
                    from,
                    pstn(o, None),
                    ext.as_ref(),
                    StatusCode::Parked,
                );
                p.park = Some(Park {
                    id: Some(o.clone()),
                });
                p
            }
        })
    }

    /// Blind transfer of an answered/held party.
    pub fn transfer(&mut self, ci: usize, pi: usize, target: Target, rescript: bool) -> R<Party> {
        let code = self.live(ci, pi)?;
        if !matches!(code, StatusCode::Answered | StatusCode::Hold) {
            return Err(conflict(&code, "Transfer"));
        }
        self.hand_over(ci, pi, target, rescript)
    }

    /// Forward of a ringing party.
    pub fn forward(&mut self, ci: usize, pi: usize, target: Target) -> R<Party> {
        let code = self.live(ci, pi)?;
        if !code.is_pre_answer() || matches!(target, Target::ParkOrbit(_)) {
            return Err(conflict(&code, "Forward"));
        }
        self.hand_over(ci, pi, target, true)
    }

    fn hand_over(&mut self, ci: usize, pi: usize, target: Target, rescript: bool) -> R<Party> {
        let newp = self.handed_party(ci, pi, &target)?;
        if let Target::ParkOrbit(o) = &target {
            self.parked.insert(o.clone());
        }
        self.disconnect(ci, pi, Some(Reason::BlindTransfer), false)?;
        let out = self.calls[ci].parties[pi].clone();
        let np = self.add_party(ci, newp);
        if rescript {
            self.follow_up(ci, np);
        }
        Ok(out)
    }

    /// Reject (send to voicemail) a ringing inbound party.
    pub fn reject(&mut self, ci: usize, pi: usize) -> R<()> {
        let code = self.live(ci, pi)?;
        let p = &self.calls[ci].parties[pi];
        if !code.is_pre_answer() || p.direction != Some(Direction::Inbound) {
            return Err(conflict(&code, "Reject"));
        }
        if p.queue_call == Some(true) {
            // A queue call is not the agent's to send to voicemail: the queue moves on.
            return self.ignore(ci, pi);
        }
        let user = p.extension_id.as_deref().and_then(|e| self.user(e));
        self.disconnect(ci, pi, None, true)?;
        match user {
            Some(u) => {
                let vm = self.handed_party(ci, pi, &Target::Voicemail(u))?;
                let np = self.add_party(ci, vm);
                self.follow_up(ci, np);
            }
            None => self.end_later(ci),
        }
        Ok(())
    }

    /// Ignore a ringing call-queue call (it goes to the next agent).
    pub fn ignore(&mut self, ci: usize, pi: usize) -> R<()> {
        let code = self.live(ci, pi)?;
        if !code.is_pre_answer() {
            return Err(conflict(&code, "Ignore"));
        }
        if self.calls[ci].parties[pi].queue_call != Some(true) {
            return self.reject(ci, pi);
        }
        // The router sees the leg end and rings the next member.
        self.disconnect(ci, pi, None, true)
    }

    /// Reply to a ringing call with a text message; the call then ends.
    pub fn reply(&mut self, ci: usize, pi: usize) -> R<Party> {
        let code = self.live(ci, pi)?;
        if !code.is_pre_answer() || self.calls[ci].parties[pi].direction != Some(Direction::Inbound)
        {
            return Err(conflict(&code, "Reply"));
        }
        self.disconnect(ci, pi, Some(Reason::CallReplied), false)?;
        self.end_later(ci);
        Ok(self.calls[ci].parties[pi].clone())
    }

    /// Call flip: the call moves to another device of the same user.
    pub fn flip(&mut self, ci: usize, pi: usize) -> R<Party> {
        let code = self.live(ci, pi)?;
        if !matches!(code, StatusCode::Answered | StatusCode::Hold)
            || self.calls[ci].parties[pi].extension_id.is_none()
        {
            return Err(conflict(&code, "Flip"));
        }
        // The new leg answers before the old one leaves, so the user's call never looks
        // over (the call-control SDK drops a session whose user party disconnects).
        let mut next = self.calls[ci].parties[pi].clone();
        next.status = Some(Status::code(StatusCode::Answered));
        next.recordings = None;
        self.add_party(ci, next);
        self.disconnect(ci, pi, Some(Reason::CallFlip), false)?;
        Ok(self.calls[ci].parties[pi].clone())
    }

    /// Attended transfer: party `pi` of call `ci` and party `opi` of call `oi` (the same
    /// user on two calls) both go Gone with reason AttendedTransfer and each other's id.
    pub fn bridge(&mut self, ci: usize, pi: usize, oi: usize, opi: usize) -> R<Party> {
        if ci == oi {
            return Err(ActionError::Bad(
                "telephonySessionId".into(),
                "Cannot bridge a session with itself".into(),
            ));
        }
        let a = self.live(ci, pi)?;
        let b = self.live(oi, opi)?;
        for c in [&a, &b] {
            if !matches!(c, StatusCode::Answered | StatusCode::Hold) {
                return Err(conflict(c, "Bridge"));
            }
        }
        let peer = |w: &World, c: usize, p: usize| PeerId {
            session_id: Some(w.calls[c].session_id.clone()),
            telephony_session_id: Some(w.calls[c].id.clone()),
            party_id: Some(w.calls[c].parties[p].id.clone()),
        };
        let (to_b, to_a) = (peer(self, oi, opi), peer(self, ci, pi));
        self.set_status(
            ci,
            pi,
            Status {
                peer_id: Some(Box::new(to_b)),
                ..Status::with_reason(StatusCode::Gone, Reason::AttendedTransfer)
            },
        );
        self.set_status(
            oi,
            opi,
            Status {
                peer_id: Some(Box::new(to_a)),
                ..Status::with_reason(StatusCode::Gone, Reason::AttendedTransfer)
            },
        );
        self.calls[ci].linked = Some(oi);
        self.calls[oi].linked = Some(ci);
        if self.calls[ci].script.is_empty() && self.calls[oi].script.is_empty() {
            self.end_later(ci);
        }
        Ok(self.calls[ci].parties[pi].clone())
    }

    /// Supervisor `sup` listens in on agent `agent_ext`'s call from `device`: a new
    /// party of the supervisor (`Outbound`, `Answered`, reason `Supervising`) to the
    /// agent's number. One supervisor per call at a time (409 otherwise).
    pub fn supervise(&mut self, ci: usize, sup: usize, device: &str, agent_ext: &str) -> R<Party> {
        let c = &self.calls[ci];
        let live = |p: &Party| p.status.as_ref().is_some_and(|s| !s.code.is_terminal());
        if !c
            .parties
            .iter()
            .any(|p| p.extension_id.as_deref() == Some(agent_ext) && live(p))
        {
            return Err(ActionError::NotFound(format!(
                "Agent [{agent_ext}] has no active party in this session"
            )));
        }
        if c.parties.iter().any(|p| {
            live(p) && p.status.as_ref().and_then(|s| s.reason.clone()) == Some(Reason::Supervising)
        }) {
            return Err(ActionError::Conflict(
                "An active call can be supervised only by one supervisor at a time".into(),
            ));
        }
        let supervisor = self.dir.users[sup].clone();
        let agent = self
            .dir
            .by_id(agent_ext, agent_ext)
            .cloned()
            .ok_or_else(|| ActionError::NotFound(format!("Extension [{agent_ext}] not found")))?;
        let from = Endpoint {
            device_id: Some(device.to_string()),
            ..user_endpoint(&supervisor, &supervisor.phone, false)
        };
        let to = user_endpoint(&agent, &agent.number, false);
        let mut p = party(
            String::new(),
            Direction::Outbound,
            from,
            to,
            Some(&supervisor),
            StatusCode::Answered,
        );
        p.status = Some(Status::with_reason(
            StatusCode::Answered,
            Reason::Supervising,
        ));
        let np = self.add_party(ci, p);
        Ok(self.calls[ci].parties[np].clone())
    }

    /// `POST /telephony/call-out`: user `u`'s device `device` is engaged first (its leg
    /// rings and answers), then `target` (a user, or a number) is dialled.
    pub fn call_out(&mut self, u: usize, device: &str, target: Result<usize, String>) -> usize {
        let created = self.clock_ts();
        let call = SimCall::new(&mut self.rng, OriginType::Call, created, &self.dir.prefix);
        let ci = self.add_call(call);
        let me = self.dir.users[u].clone();
        let from = Endpoint {
            device_id: Some(device.to_string()),
            ..user_endpoint(&me, &me.phone, false)
        };
        let to = match &target {
            Ok(t) => pstn(&self.dir.users[*t].number, None),
            Err(n) => pstn(n, None),
        };
        self.add_party(
            ci,
            party(
                String::new(),
                Direction::Outbound,
                from.clone(),
                to.clone(),
                Some(&me),
                StatusCode::Setup,
            ),
        );
        let mut s = Script::new(&mut self.rng, &self.timing, 1);
        s.then(Step::Ring(0));
        s.wait(1.0, 3.0, Step::Answer(0));
        match target {
            Ok(t) => {
                let callee = self.dir.users[t].clone();
                let to_in = user_endpoint(&callee, &callee.number, false);
                let from_in = Endpoint {
                    phone_number: Some(me.number.clone()),
                    ..from
                };
                s.then(Step::SetTo(0, to_in.clone()));
                let p = s.add(party(
                    String::new(),
                    Direction::Inbound,
                    from_in,
                    to_in,
                    Some(&callee),
                    StatusCode::Setup,
                ));
                s.then(Step::Ring(p));
                s.wait(3.0, 10.0, Step::Answer(p));
            }
            Err(_) => {
                let mut p1 = party(
                    String::new(),
                    Direction::Inbound,
                    user_endpoint(&me, &me.phone, false),
                    to,
                    None,
                    StatusCode::Proceeding,
                );
                p1.extension_id = None;
                let p = s.add(p1);
                s.wait(3.0, 10.0, Step::Answer(p));
            }
        }
        s.talk(0, &[], false);
        let steps = s.steps;
        self.set_script(ci, steps);
        ci
    }

    /// `POST /telephony/conference`: an empty conference session with its voice call
    /// token; user `u`'s device dials in as the host a moment later.
    pub fn conference(&mut self, u: usize) -> usize {
        let created = self.clock_ts();
        let mut call = SimCall::new(
            &mut self.rng,
            OriginType::Conference,
            created,
            &self.dir.prefix,
        );
        let token: String = format!("{}@10.13.22.27:5070", call.hex)
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        call.voice_call_token = Some(format!("conf_{token}"));
        let ci = self.add_call(call);
        let me = self.dir.users[u].clone();
        let mut host = party(
            String::new(),
            Direction::Outbound,
            user_endpoint(&me, &me.phone, true),
            Endpoint {
                phone_number: Some("conference".into()),
                name: Some("Conference".into()),
                ..Default::default()
            },
            Some(&me),
            StatusCode::Setup,
        );
        host.conference_role = Some(crate::wire::ConferenceRole::Host);
        let mut s = Script::new(&mut self.rng, &self.timing, 0);
        s.wait(0.5, 1.5, Step::Add(Box::new(host)));
        s.then(Step::Answer(0));
        let (lo, hi) = self.timing.talk;
        s.wait(lo * 2.0, hi * 2.0, Step::End);
        let steps = s.steps;
        self.set_script(ci, steps);
        ci
    }

    /// An outside caller dials user `u`'s direct number; the user's leg rings for `ring`
    /// (real time, not scaled) unless answered, ignored… through Call Control, then is
    /// missed and the caller hangs up.
    pub fn ring_user(&mut self, u: usize, ring: std::time::Duration) -> usize {
        let created = self.clock_ts();
        let call = SimCall::new(&mut self.rng, OriginType::Call, created, &self.dir.prefix);
        let ci = self.add_call(call);
        let caller = super::directory::Directory::outside(&mut self.rng);
        self.calls[ci].cnam = Some(caller.cnam.clone());
        let me = self.dir.users[u].clone();
        let mut s = Script::new(&mut self.rng, &self.timing, 0);
        s.add(party(
            String::new(),
            Direction::Outbound,
            pstn(&caller.phone, None),
            user_endpoint(&me, &me.phone, false),
            None,
            StatusCode::Answered,
        ));
        let p = s.add(party(
            String::new(),
            Direction::Inbound,
            pstn(&caller.phone, Some(&caller.cnam)),
            user_endpoint(&me, &me.phone, false),
            Some(&me),
            StatusCode::Setup,
        ));
        s.then(Step::Ring(p));
        s.after(ring, Step::Missed(p));
        s.then(Step::End);
        let steps = s.steps;
        self.set_script(ci, steps);
        self.calls[ci].next_at = Some(self.clock_instant());
        ci
    }

    /// True once a conference's host leg is `Answered` (bring-in needs it).
    pub fn host_joined(&self, ci: usize) -> bool {
        self.calls[ci].origin == OriginType::Conference
            && self.calls[ci].parties.iter().any(|p| {
                p.conference_role == Some(crate::wire::ConferenceRole::Host)
                    && p.status
                        .as_ref()
                        .is_some_and(|s| s.code == StatusCode::Answered)
            })
    }

    /// Brings party `opi` of call `oi` into conference `ci`: it leaves its call (`Gone`,
    /// reason `Conference`, `peerId` = the new party) and joins as a `Participant`
    /// (`Setup`, then `Answered`). Returns the party as it joined.
    pub fn bring_in(&mut self, ci: usize, oi: usize, opi: usize) -> R<Party> {
        let code = self.live(oi, opi)?;
        if code.is_terminal() || ci == oi {
            return Err(conflict(&code, "Bring-in"));
        }
        let orig = self.calls[oi].parties[opi].clone();
        let from = match orig.extension_id.as_deref().and_then(|e| self.user(e)) {
            Some(u) => user_endpoint(&u, &u.phone, true),
            None => if orig.direction == Some(Direction::Outbound) {
                orig.from.clone()
            } else {
                orig.to.clone()
            }
            .unwrap_or_default(),
        };
        let mut newp = party(
            String::new(),
            Direction::Inbound,
            from,
            Endpoint {
                phone_number: Some("conference".into()),
                name: Some("Conference".into()),
                ..Default::default()
            },
            None,
            StatusCode::Setup,
        );
        newp.extension_id = orig.extension_id.clone();
        newp.conference_role = Some(crate::wire::ConferenceRole::Participant);
        let peer = PeerId {
            session_id: Some(self.calls[ci].session_id.clone()),
            telephony_session_id: Some(self.calls[ci].id.clone()),
            party_id: Some(self.calls[ci].next_party_id()),
        };
        self.set_status(
            oi,
            opi,
            Status {
                peer_id: Some(Box::new(peer)),
                ..Status::with_reason(StatusCode::Gone, Reason::Conference)
            },
        );
        let np = self.add_party(ci, newp);
        let joined = self.calls[ci].parties[np].clone();
        let _ = self.answer(ci, np);
        let live_left = self.calls[oi]
            .parties
            .iter()
            .filter(|p| p.status.as_ref().is_some_and(|s| !s.code.is_terminal()))
            .count();
        if live_left < 2 {
            self.end_call(oi);
        }
        Ok(joined)
    }

    /// `DELETE …/parties/{id}`: only parked or supervising parties.
    pub fn delete_party(&mut self, ci: usize, pi: usize) -> R<()> {
        let code = self.live(ci, pi)?;
        let supervising = self.calls[ci].parties[pi]
            .status
            .as_ref()
            .and_then(|s| s.reason.clone())
            == Some(Reason::Supervising);
        let participant = self.calls[ci].parties[pi].conference_role.is_some();
        match code {
            StatusCode::Parked => {
                self.end_call(ci);
                Ok(())
            }
            c if (supervising || participant) && !c.is_terminal() => {
                self.disconnect(ci, pi, None, false)
            }
            c => Err(conflict(&c, "Party deletion")),
        }
    }

    /// The usual continuation for a party that just joined through a control request.
    pub fn follow_up(&mut self, ci: usize, np: usize) {
        let code = self.calls[ci].code(np).cloned();
        let next = self.calls[ci].parties.len();
        let users = self.dir.users.len();
        let timing = &self.timing;
        let mut s = Script::new(&mut self.rng, timing, next);
        match code {
            Some(StatusCode::Setup) => {
                s.then(Step::Ring(np));
                s.wait(3.0, 10.0, Step::Answer(np));
                s.talk(np, &[], false);
            }
            Some(StatusCode::Proceeding) => {
                s.wait(3.0, 10.0, Step::Answer(np));
                s.talk(np, &[], false);
            }
            Some(StatusCode::Answered) => s.talk(np, &[], false),
            Some(StatusCode::Parked) => {
                let by = s.rng.random_range(0..users);
                s.wait(10.0, 40.0, Step::Pickup(np, by));
                s.talk(np, &[], false);
            }
            _ => s.wait(10.0, 40.0, Step::End),
        }
        let steps: VecDeque<_> = s.steps;
        self.set_script(ci, steps);
    }

    /// The call ends a few (scaled) seconds from now.
    fn end_later(&mut self, ci: usize) {
        let d = self.timing.secs(&mut self.rng, 3.0, 8.0);
        self.set_script(ci, VecDeque::from([(d, Step::End)]));
    }

    /// A transfer / forward target from the request fields.
    pub fn target(
        &self,
        phone: Option<&str>,
        ext_number: Option<&str>,
        voicemail: Option<&str>,
        park: Option<&str>,
        ext_id: Option<&str>,
        allow_park: bool,
    ) -> R<Target> {
        let given = [phone, ext_number, voicemail, park, ext_id]
            .iter()
            .filter(|v| v.is_some())
            .count();
        if given != 1 {
            return Err(ActionError::Bad(
                "phoneNumber".into(),
                "Exactly one of phoneNumber, extensionNumber, voicemail, parkOrbit, extensionId is required".into(),
            ));
        }
        let is_user = |e: &&Ext| e.kind == ExtKind::User || e.kind == ExtKind::Department;
        if let Some(p) = phone {
            let ok = p.starts_with('+')
                && p.len() > 4
                && p[1..].chars().all(|c| c.is_ascii_digit() || c == '*');
            if !ok {
                return Err(ActionError::Bad(
                    "phoneNumber".into(),
                    format!("Parameter [phoneNumber] value [{p}] is invalid"),
                ));
            }
            if let Some((_, ext)) = p.split_once('*') {
                if let Some(e) = self.dir.by_number(ext).filter(is_user) {
                    return Ok(Target::Extension(e.clone()));
                }
            }
            return Ok(Target::Phone(p.to_string()));
        }
        if let Some(n) = ext_number {
            return self
                .dir
                .by_number(n)
                .filter(is_user)
                .map(|e| Target::Extension(e.clone()))
                .ok_or_else(|| ActionError::NotFound(format!("Extension number [{n}] not found")));
        }
        if let Some(id) = ext_id {
            return self
                .dir
                .all()
                .find(|e| e.id == id)
                .map(|e| Target::Extension(e.clone()))
                .ok_or_else(|| ActionError::NotFound(format!("Extension [{id}] not found")));
        }
        if let Some(v) = voicemail {
            return self
                .dir
                .users
                .iter()
                .find(|e| e.id == v || e.number == v)
                .map(|e| Target::Voicemail(e.clone()))
                .ok_or_else(|| ActionError::NotFound(format!("Voicemail box [{v}] not found")));
        }
        let o = park.unwrap_or_default();
        let valid = o
            .strip_prefix('*')
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| (801..=899).contains(&n));
        if !allow_park || !valid {
            return Err(ActionError::Bad(
                "parkOrbit".into(),
                format!("Parameter [parkOrbit] value [{o}] is invalid"),
            ));
        }
        Ok(Target::ParkOrbit(o.to_string()))
    }
}
