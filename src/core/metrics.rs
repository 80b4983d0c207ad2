//! Dispositions and summary figures.

use super::session::Session;
use super::timers::{Bucket, CallTimes, LinearRange, Running};
use crate::wire::{Direction, Reason, StatusCode, Ts};
use serde::Serialize;

/// How a call went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Disposition {
    /// Still going.
    Active,
    /// A callee answered.
    Answered,
    /// Rang out unanswered (timeout, rejected, missed).
    Missed,
    /// Went to voicemail.
    Voicemail,
    /// Moved on to another party by a transfer.
    Transferred,
    /// Ended while (or after being) parked.
    Parked,
    /// The caller hung up before anyone answered.
    Abandoned,
    /// Ended while calltop was disconnected, and the events before the outage don't
    /// show how (no answer, voicemail, transfer or park seen).
    Unknown,
}

impl Disposition {
    /// The display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Active => "Active",
            Disposition::Answered => "Answered",
            Disposition::Missed => "Missed",
            Disposition::Voicemail => "Voicemail",
            Disposition::Transferred => "Transferred",
            Disposition::Parked => "Parked",
            Disposition::Abandoned => "Abandoned",
            Disposition::Unknown => "Unknown",
        }
    }

    /// Classifies a session (a pure function of its parties' histories).
    pub fn of(s: &Session) -> Disposition {
        if !s.ended {
            return Disposition::Active;
        }
        let marks = || s.parties.iter().flat_map(|p| p.history.iter());
        let voicemail = marks().any(|m| {
            matches!(
                m.code,
                Some(StatusCode::Voicemail | StatusCode::VoicemailScreening)
            ) || m.reason == Some(Reason::Voicemail)
        });
        if voicemail {
            return Disposition::Voicemail;
        }
        if marks().any(|m| m.reason.as_ref().is_some_and(Reason::is_transfer)) {
            return Disposition::Transferred;
        }
        if marks().any(|m| m.code == Some(StatusCode::Parked)) {
            return Disposition::Parked;
        }
        let inbound =
            |p: &&super::party::PartyState| p.direction.get() != Some(&Direction::Outbound);
        if s.parties
            .iter()
            .filter(inbound)
            .any(|p| p.ever(&StatusCode::Answered))
        {
            return Disposition::Answered;
        }
        if s.ended_unseen {
            // Who left first is not known: the parties were closed by reconciling.
            return Disposition::Unknown;
        }
        if s.parties.iter().any(|p| p.missed_call.get() == Some(&true)) {
            return Disposition::Missed;
        }
        // Who left first: the caller (abandoned) or the callee (missed)?
        let first_gone = s
            .parties
            .iter()
            .filter_map(|p| {
                p.history
                    .iter()
                    .find(|m| m.code.as_ref().is_some_and(StatusCode::is_terminal))
                    .map(|m| (m.seq, p))
            })
            .min_by_key(|(seq, _)| *seq);
        match first_gone {
            Some((_, p)) if p.direction.get() == Some(&Direction::Outbound) => {
                Disposition::Abandoned
            }
            _ => Disposition::Missed,
        }
    }
}

/// Count, sum and maximum of one figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Stat {
    pub count: u64,
    pub total_ms: i64,
    pub max_ms: i64,
}

impl Stat {
    /// Adds one non-zero observation.
    pub fn add(&mut self, ms: i64) {
        if ms > 0 {
            self.count += 1;
            self.total_ms += ms;
            self.max_ms = self.max_ms.max(ms);
        }
    }

    /// Merges another stat into this one.
    pub fn merge(&mut self, o: &Stat) {
        self.count += o.count;
        self.total_ms += o.total_ms;
        self.max_ms = self.max_ms.max(o.max_ms);
    }

    /// Mean in ms (0 when empty).
    pub fn avg_ms(&self) -> i64 {
        if self.count == 0 {
            0
        } else {
            self.total_ms / self.count as i64
        }
    }
}

/// Figures over sessions (call-level ring / talk / hold, one observation per call),
/// kept when sessions are evicted.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    pub sessions: u64,
    pub answered: u64,
    pub missed: u64,
    pub voicemail: u64,
    pub transferred: u64,
    pub parked: u64,
    pub abandoned: u64,
    /// Ended during an outage with no outcome the events show.
    pub unknown: u64,
    pub ring: Stat,
    pub talk: Stat,
    pub hold: Stat,
}

impl Totals {
    /// Adds one session's disposition and call-level figures
    /// ([`Session::call_figures`]).
    pub fn add_session(&mut self, s: &Session, now: Ts) {
        self.count(s);
        self.add_figures(&s.call_figures(now));
    }

    /// Counts one session and its disposition.
    fn count(&mut self, s: &Session) {
        self.sessions += 1;
        match s.disposition() {
            Disposition::Answered => self.answered += 1,
            Disposition::Missed => self.missed += 1,
            Disposition::Voicemail => self.voicemail += 1,
            Disposition::Transferred => self.transferred += 1,
            Disposition::Parked => self.parked += 1,
            Disposition::Abandoned => self.abandoned += 1,
            Disposition::Unknown => self.unknown += 1,
            Disposition::Active => {}
        }
    }

    /// Adds one call's figures.
    fn add_figures(&mut self, f: &CallTimes) {
        self.ring.add(f.ring_ms);
        self.talk.add(f.talk_ms);
        self.hold.add(f.hold_ms);
    }

    /// Merges other totals into these.
    pub fn merge(&mut self, o: &Totals) {
        self.sessions += o.sessions;
        self.answered += o.answered;
        self.missed += o.missed;
        self.voicemail += o.voicemail;
        self.transferred += o.transferred;
        self.parked += o.parked;
        self.abandoned += o.abandoned;
        self.unknown += o.unknown;
        self.ring.merge(&o.ring);
        self.talk.merge(&o.talk);
        self.hold.merge(&o.hold);
    }
}

/// Event counters of the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Telephony session events seen.
    pub events: u64,
    pub applied: u64,
    pub stale: u64,
    pub duplicate: u64,
    /// Frames or lines that could not be parsed.
    pub malformed: u64,
    /// Events for sessions already evicted (ignored, never resurrected).
    pub late: u64,
    pub presence: u64,
    /// Other notifications and gateway frames.
    pub other: u64,
}

/// The board's header figures at one moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Active and finished sessions (evicted ones included).
    pub totals: Totals,
    pub active: u64,
    pub ringing: u64,
    pub on_hold: u64,
    pub parked_now: u64,
    pub counters: Counters,
}

/// Times `base + now` of the intervals running at one clock: how many, and the sum
/// and maximum of their bases.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Growing {
    count: u64,
    base_sum: i64,
    base_max: i64,
}

impl Default for Growing {
    fn default() -> Self {
        Growing {
            count: 0,
            base_sum: 0,
            base_max: i64::MIN,
        }
    }
}

/// The header figures as a function of the clock: built at one `now` by
/// [`SessionStore::summary_basis`](super::SessionStore::summary_basis) in one walk of
/// the sessions, then [`SummaryBasis::at`] gives the summary at any clock it
/// [covers](SummaryBasis::covers) in constant time.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryBasis {
    /// Everything but the ring, talk and hold intervals counting at build time.
    fixed: Summary,
    /// Those intervals, by bucket (ring, talk, hold).
    growing: [(Bucket, Growing); 3],
    now: Ts,
    steady: LinearRange,
}

impl SummaryBasis {
    /// Starts from the figures kept outside the sessions, at `now`.
    pub(crate) fn new(totals: Totals, counters: Counters, now: Ts) -> SummaryBasis {
        SummaryBasis {
            fixed: Summary {
                totals,
                counters,
                ..Default::default()
            },
            growing: [Bucket::Ring, Bucket::Talk, Bucket::Hold].map(|b| (b, Growing::default())),
            now,
            steady: LinearRange::ALWAYS,
        }
    }

    /// Adds one retained session.
    pub(crate) fn add_session(&mut self, s: &Session) {
        let sum = &mut self.fixed;
        sum.totals.count(s);
        let (mut f, running) = s.call_split();
        if let Some(Running { bucket, since }) = running {
            let g = self.growing.iter_mut().find(|(b, _)| *b == bucket);
            if let (Some(closed), Some((_, g))) = (f.bucket_mut(bucket), g) {
                if self.steady.note(since, self.now) {
                    // Counted as growing: closed + (now − since) = base + now.
                    let base = std::mem::take(closed) - since.0;
                    g.count += 1;
                    g.base_sum += base;
                    g.base_max = g.base_max.max(base);
                }
            }
        }
        sum.totals.add_figures(&f);
        if s.ended {
            return;
        }
        sum.active += 1;
        let live = || s.parties.iter().filter(|p| !p.is_terminal());
        if live().any(|p| p.code().is_some_and(StatusCode::is_ringing)) {
            sum.ringing += 1;
        }
        if live().any(|p| p.code() == Some(&StatusCode::Hold)) {
            sum.on_hold += 1;
        }
        if live().any(|p| p.code() == Some(&StatusCode::Parked)) {
            sum.parked_now += 1;
        }
    }

    /// True when [`SummaryBasis::at`] is exact at `now`.
    pub fn covers(&self, now: Ts) -> bool {
        self.steady.covers(now)
    }

    /// The summary at `now` (exact when the basis [covers](SummaryBasis::covers) it).
    pub fn at(&self, now: Ts) -> Summary {
        let mut sum = self.fixed.clone();
        let t = &mut sum.totals;
        for (stat, g) in [&mut t.ring, &mut t.talk, &mut t.hold]
            .into_iter()
            .zip(self.growing.iter().map(|(_, g)| g))
        {
            if g.count > 0 {
                stat.merge(&Stat {
                    count: g.count,
                    total_ms: g.base_sum + g.count as i64 * now.0,
                    max_ms: g.base_max + now.0,
                });
            }
        }
        sum
    }
}
