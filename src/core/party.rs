//! One party's merged state: every field keeps the value of the newest event that
//! carried it, so any delivery order of the same events gives the same result.

use crate::wire::{
    ConferenceRole, Direction, Endpoint, EndpointView, Park, PartyView, Reason, Recording, SipData,
    Status, StatusCode, StatusView, Ts, UiCallInfo,
};
use std::borrow::Cow;

/// A string a party keeps: inline when it is at most 24 bytes (numbers, names, account
/// and extension ids), so comparing it with an event's touches no other memory and
/// keeping it allocates nothing.
pub type Short = compact_str::CompactString;

/// A decoded value as a field takes it: compared with what the field keeps first, and
/// turned into it (copied out of the input) only when it differs. The same phone
/// number, name or status arriving with every event costs a comparison, not a copy.
pub trait IntoKept<T> {
    /// True when `kept` already equals this value.
    fn same(&self, kept: &T) -> bool;
    /// This value as the field keeps it.
    fn keep(self) -> T;
}

impl<T: PartialEq> IntoKept<T> for T {
    fn same(&self, kept: &T) -> bool {
        self == kept
    }
    fn keep(self) -> T {
        self
    }
}

impl IntoKept<Short> for Cow<'_, str> {
    fn same(&self, kept: &Short) -> bool {
        **self == **kept
    }
    fn keep(self) -> Short {
        Short::from(self)
    }
}

impl IntoKept<Status> for StatusView<'_> {
    fn same(&self, kept: &Status) -> bool {
        self.code == kept.code
            && self.reason == kept.reason
            && self.description.as_deref() == kept.description.as_deref()
            && self.park_data.as_deref() == kept.park_data.as_deref()
            && self.peer_id == kept.peer_id
            && self.mobile_pickup_data == kept.mobile_pickup_data
            && self.rcc == kept.rcc
    }
    fn keep(self) -> Status {
        self.into_owned()
    }
}

/// A field and the sequence number of the event that set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sequenced<T> {
    value: Option<T>,
    seq: i64,
}

impl<T> Default for Sequenced<T> {
    fn default() -> Self {
        Sequenced {
            value: None,
            seq: i64::MIN,
        }
    }
}

impl<T> Sequenced<T> {
    /// The value and the sequence that set it (for the archive).
    pub(crate) fn parts(&self) -> (Option<&T>, i64) {
        (self.value.as_ref(), self.seq)
    }

    /// A field from its parts (for the archive).
    pub(crate) fn from_parts(value: Option<T>, seq: i64) -> Sequenced<T> {
        Sequenced { value, seq }
    }
}

impl<T: PartialEq> Sequenced<T> {
    /// The current value.
    pub fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// Takes `v` if it comes from an event at least as new as the current value's;
    /// returns true when the value changed.
    fn merge(&mut self, v: Option<impl IntoKept<T>>, seq: i64) -> bool {
        match v {
            Some(v) if seq >= self.seq => {
                self.seq = seq;
                if self.value.as_ref().is_some_and(|kept| v.same(kept)) {
                    return false;
                }
                self.value = Some(v.keep());
                true
            }
            _ => false,
        }
    }
}

impl Sequenced<Short> {
    /// The current value as text.
    pub fn text(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

/// One status change of a party, ordered by sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub seq: i64,
    pub at: Option<Ts>,
    pub code: Option<StatusCode>,
    pub reason: Option<Reason>,
    /// From a REST snapshot or presence, not from a notification.
    pub synthetic: bool,
}

/// What became of one event for one party.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Newest so far: applied.
    Applied,
    /// Older than the party's newest: kept for the timers and the timeline, state untouched.
    Stale,
    /// The same sequence again: counted and dropped.
    Duplicate,
}

/// Which of a party's fields an event changed (a small bit set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Changes(pub u16);

impl Changes {
    pub const STATUS: u16 = 1;
    pub const MUTED: u16 = 2;
    pub const RECORDING: u16 = 4;
    pub const PARK: u16 = 8;
    pub const PARTIES: u16 = 16;
    pub const QUEUE: u16 = 32;
    pub const OTHER: u16 = 64;
    pub const NEW_PARTY: u16 = 128;

    fn set(&mut self, bit: u16, yes: bool) {
        if yes {
            self.0 |= bit;
        }
    }

    /// True if `bit` is set.
    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    /// Short words for what changed, e.g. `status muted`.
    pub fn describe(self) -> String {
        let names = [
            (Self::NEW_PARTY, "new-party"),
            (Self::STATUS, "status"),
            (Self::MUTED, "muted"),
            (Self::RECORDING, "recording"),
            (Self::PARK, "park"),
            (Self::PARTIES, "from/to"),
            (Self::QUEUE, "queue"),
            (Self::OTHER, "details"),
        ];
        let words: Vec<&str> = names
            .iter()
            .filter(|(b, _)| self.has(*b))
            .map(|(_, n)| *n)
            .collect();
        if words.is_empty() {
            "no change".to_string()
        } else {
            words.join(" ")
        }
    }
}

/// Merged endpoint: each sub-field merges on its own (a name may arrive later).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointState {
    pub phone_number: Sequenced<Short>,
    pub name: Sequenced<Short>,
    pub extension_id: Sequenced<Short>,
    pub device_id: Sequenced<Short>,
}

impl EndpointState {
    fn merge(&mut self, e: Option<EndpointView<'_>>, seq: i64) -> bool {
        let Some(e) = e else { return false };
        let a = self.phone_number.merge(e.phone_number, seq);
        let b = self.name.merge(e.name, seq);
        let c = self.extension_id.merge(e.extension_id, seq);
        let d = self.device_id.merge(e.device_id, seq);
        a | b | c | d
    }

    /// As a plain wire endpoint.
    pub fn to_endpoint(&self) -> Endpoint {
        Endpoint {
            phone_number: self.phone_number.text().map(str::to_string),
            name: self.name.text().map(str::to_string),
            extension_id: self.extension_id.text().map(str::to_string),
            device_id: self.device_id.text().map(str::to_string),
        }
    }

    /// Name and number for display.
    pub fn label(&self) -> String {
        crate::wire::notification::label(
            self.name.text(),
            self.phone_number.text(),
            self.extension_id.text(),
        )
    }
}

/// A party as the store knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyState {
    pub id: String,
    pub account_id: Sequenced<Short>,
    pub extension_id: Sequenced<Short>,
    pub direction: Sequenced<Direction>,
    pub from: EndpointState,
    pub to: EndpointState,
    pub status: Sequenced<Status>,
    pub park: Sequenced<Park>,
    pub recordings: Sequenced<Vec<Recording>>,
    pub queue_call: Sequenced<bool>,
    pub missed_call: Sequenced<bool>,
    pub stand_alone: Sequenced<bool>,
    pub muted: Sequenced<bool>,
    pub conference_role: Sequenced<ConferenceRole>,
    /// Rare and large: boxed so parties without it stay small.
    pub sip_data: Sequenced<Box<SipData>>,
    /// Queue calls only: boxed so other parties stay small.
    pub ui_call_info: Sequenced<Box<UiCallInfo>>,
    /// Status changes by sequence (the input of the timers).
    pub history: Vec<StatusChange>,
    /// The newest sequence seen for this party.
    pub max_seq: i64,
}

impl PartyState {
    /// A party with nothing known but its id.
    pub fn new(id: String) -> PartyState {
        PartyState {
            id,
            account_id: Sequenced::default(),
            extension_id: Sequenced::default(),
            direction: Sequenced::default(),
            from: EndpointState::default(),
            to: EndpointState::default(),
            status: Sequenced::default(),
            park: Sequenced::default(),
            recordings: Sequenced::default(),
            queue_call: Sequenced::default(),
            missed_call: Sequenced::default(),
            stand_alone: Sequenced::default(),
            muted: Sequenced::default(),
            conference_role: Sequenced::default(),
            sip_data: Sequenced::default(),
            ui_call_info: Sequenced::default(),
            history: Vec::new(),
            max_seq: i64::MIN,
        }
    }

    /// Merges one event's view of this party. `synthetic` marks REST/presence snapshots,
    /// which never count as duplicates and sort after the real event of the same sequence.
    pub fn merge(
        &mut self,
        p: PartyView<'_>,
        seq: i64,
        at: Option<Ts>,
        synthetic: bool,
    ) -> (Delivery, Changes) {
        let key = (seq, synthetic);
        let pos = match self
            .history
            .binary_search_by(|m| (m.seq, m.synthetic).cmp(&key))
        {
            Ok(_) if !synthetic => return (Delivery::Duplicate, Changes::default()),
            Ok(i) => i + 1,
            Err(i) => i,
        };
        let delivery = if seq < self.max_seq {
            Delivery::Stale
        } else {
            Delivery::Applied
        };
        let (code, reason) = match &p.status {
            Some(s) => (Some(s.code.clone()), s.reason.clone()),
            None => (None, None),
        };
        let mut ch = Changes::default();
        ch.set(
            Changes::NEW_PARTY,
            self.history.is_empty() && self.max_seq == i64::MIN,
        );
        self.history.insert(
            pos,
            StatusChange {
                seq,
                at,
                code,
                reason,
                synthetic,
            },
        );
        self.max_seq = self.max_seq.max(seq);

        ch.set(Changes::STATUS, self.status.merge(p.status, seq));
        ch.set(Changes::MUTED, self.muted.merge(p.muted, seq));
        ch.set(Changes::RECORDING, self.recordings.merge(p.recordings, seq));
        ch.set(
            Changes::PARK,
            self.park.merge(p.park.filter(|k| k.id.is_some()), seq),
        );
        let from = self.from.merge(p.from, seq);
        let to = self.to.merge(p.to, seq);
        ch.set(Changes::PARTIES, from | to);
        ch.set(
            Changes::QUEUE,
            self.queue_call.merge(p.queue_call, seq) | self.ui_call_info.merge(p.ui_call_info, seq),
        );
        let owner = *p.owner.unwrap_or_default();
        let other = [
            self.account_id
                .merge(p.account_id.or(owner.account_id.map(Cow::Owned)), seq),
            self.extension_id
                .merge(p.extension_id.or(owner.extension_id.map(Cow::Owned)), seq),
            self.direction.merge(p.direction, seq),
            self.missed_call.merge(p.missed_call, seq),
            self.stand_alone.merge(p.stand_alone, seq),
            self.conference_role.merge(p.conference_role, seq),
            self.sip_data.merge(p.sip_data, seq),
        ];
        ch.set(Changes::OTHER, other.iter().any(|c| *c));
        (delivery, ch)
    }

    /// The party's own end: the caller of an outbound leg, the callee of any other.
    pub fn own_end(&self) -> &EndpointState {
        match self.direction.get() {
            Some(Direction::Outbound) => &self.from,
            _ => &self.to,
        }
    }

    /// The current status code, if any event carried one.
    pub fn code(&self) -> Option<&StatusCode> {
        self.status.get().map(|s| &s.code)
    }

    /// True once the party has left the call (Disconnected / Gone).
    pub fn is_terminal(&self) -> bool {
        self.code().is_some_and(StatusCode::is_terminal)
    }

    /// The current reason, if any.
    pub fn reason(&self) -> Option<&Reason> {
        self.status.get().and_then(|s| s.reason.as_ref())
    }

    /// Whether any recording of this party is running.
    pub fn recording_active(&self) -> bool {
        self.recordings
            .get()
            .is_some_and(|r| r.iter().any(|r| r.active))
    }

    /// Ids of the party's recordings, newest last.
    pub fn recording_ids(&self) -> Vec<&str> {
        self.recordings
            .get()
            .map(|r| r.iter().map(|r| r.id.as_str()).collect())
            .unwrap_or_default()
    }

    /// True if the party ever reached `code`.
    pub fn ever(&self, code: &StatusCode) -> bool {
        self.history.iter().any(|m| m.code.as_ref() == Some(code))
    }

    /// Drops what only a live call needs (pickup data, SIP data) and spare capacity.
    pub(crate) fn compact(&mut self) {
        if let Some(st) = self.status.value.as_mut() {
            st.mobile_pickup_data = None;
            st.description = None;
        }
        self.sip_data = Sequenced::default();
        self.history.shrink_to_fit();
    }

    /// Time of the newest status change (by sequence).
    pub fn since(&self) -> Option<Ts> {
        self.history
            .iter()
            .rev()
            .find(|m| m.code.is_some())
            .and_then(|m| m.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Party;

    fn named(name: &str) -> PartyView<'static> {
        PartyView::from(Party {
            id: "p-1".into(),
            from: Some(Endpoint {
                name: Some(name.into()),
                ..Default::default()
            }),
            ..Default::default()
        })
    }

    /// A kept string longer than a `Short` holds inline merges as a short one does: the
    /// newest wins, the same value again is no change, an older one is kept out.
    #[test]
    fn long_and_short_strings_merge_alike() {
        let long = "A name longer than twenty-four bytes, kept on the heap";
        let mut p = PartyState::new("p-1".into());
        let (_, ch) = p.merge(named("Alice"), 2, None, false);
        assert!(ch.has(Changes::PARTIES));
        let (_, ch) = p.merge(named(long), 3, None, false);
        assert!(ch.has(Changes::PARTIES));
        assert_eq!(p.from.name.text(), Some(long));
        let (_, ch) = p.merge(named(long), 4, None, false);
        assert!(
            !ch.has(Changes::PARTIES),
            "the same name again is no change"
        );
        let (_, ch) = p.merge(named("Bob"), 1, None, false);
        assert!(!ch.has(Changes::PARTIES));
        assert_eq!(p.from.name.text(), Some(long), "an older event is kept out");
        let (_, ch) = p.merge(named("Carol"), 5, None, false);
        assert!(ch.has(Changes::PARTIES));
        assert_eq!(p.from.name.text(), Some("Carol"));
    }
}
