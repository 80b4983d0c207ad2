//! Ended calls joined with the platform's own records (call-log.md): the call-log
//! records of a telephony session, the platform's result per call and per leg, the
//! recordings and the voicemail left on it. The event-derived [`Disposition`] stays
//! the provisional outcome; where the platform's result disagrees, both are kept and
//! the disagreement counted.

use super::ordered::{sorted_map, sorted_set};
use super::session::Disposition;
use super::session::Session;
use crate::wire::calllog::{CallLogLine, CallLogRecord, CallResult};
use crate::wire::VoicemailNote;
use std::collections::{HashMap, HashSet};

/// The platform's outcome of a whole call (call-log.md §5.2/§5.3): Answered if any
/// record or leg was accepted or connected; else Voicemail; else Abandoned (the caller
/// hung up first); else Missed; the rest as they map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PlatformResult {
    Answered,
    Voicemail,
    Abandoned,
    Missed,
    Rejected,
    Busy,
    Failed,
    Other,
    Unknown,
}

impl PlatformResult {
    /// The display name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformResult::Answered => "Answered",
            PlatformResult::Voicemail => "Voicemail",
            PlatformResult::Abandoned => "Abandoned",
            PlatformResult::Missed => "Missed",
            PlatformResult::Rejected => "Rejected",
            PlatformResult::Busy => "Busy",
            PlatformResult::Failed => "Failed",
            PlatformResult::Other => "Other",
            PlatformResult::Unknown => "Unknown",
        }
    }

    /// One record's or leg's `result`, mapped (§5.2).
    fn of(r: &CallResult) -> PlatformResult {
        use CallResult as R;
        match r {
            R::Accepted | R::CallConnected => PlatformResult::Answered,
            R::Voicemail | R::SentToVoicemail => PlatformResult::Voicemail,
            R::HangUp | R::Abandoned => PlatformResult::Abandoned,
            R::Missed | R::NoAnswer | R::AnsweredNotAccepted => PlatformResult::Missed,
            R::Rejected | R::Declined => PlatformResult::Rejected,
            R::Busy => PlatformResult::Busy,
            R::Stopped | R::AnsweredElsewhere | R::InProgress => PlatformResult::Other,
            R::Reply | R::CallbackRequested | R::Received | R::Sent => PlatformResult::Other,
            R::Blocked
            | R::CallFailed
            | R::CallFailure
            | R::InternalError
            | R::IpPhoneOffline
            | R::NoCallingCredit
            | R::NotAllowed
            | R::RestrictedNumber
            | R::WrongNumber
            | R::InternationalDisabled
            | R::InternationalRestricted
            | R::SuspendedAccount => PlatformResult::Failed,
            R::Unknown(_) => PlatformResult::Unknown,
        }
    }

    /// The call's result from all its records and legs, by §5.3's precedence.
    fn of_call(records: &[CallLogRecord]) -> PlatformResult {
        let results: Vec<PlatformResult> = records
            .iter()
            .flat_map(|r| {
                let legs = r.legs.iter().flatten().map(|l| &l.entry.result);
                std::iter::once(&r.entry.result).chain(legs)
            })
            .flatten()
            .map(PlatformResult::of)
            .collect();
        let order = [
            PlatformResult::Answered,
            PlatformResult::Voicemail,
            PlatformResult::Abandoned,
            PlatformResult::Missed,
            PlatformResult::Rejected,
            PlatformResult::Busy,
            PlatformResult::Failed,
            PlatformResult::Other,
        ];
        order
            .into_iter()
            .find(|r| results.contains(r))
            .unwrap_or(PlatformResult::Unknown)
    }

    /// True when the event-derived disposition says something else. Transfers and parks
    /// are paths, not outcomes (§5.3): they agree with an answer.
    pub fn disagrees_with(self, d: Disposition) -> bool {
        let ours = match d {
            Disposition::Answered | Disposition::Transferred | Disposition::Parked => {
                PlatformResult::Answered
            }
            Disposition::Voicemail => PlatformResult::Voicemail,
            Disposition::Abandoned => PlatformResult::Abandoned,
            Disposition::Missed => PlatformResult::Missed,
            // Nothing to compare: still going, or ended unseen.
            Disposition::Active | Disposition::Unknown => return false,
        };
        let theirs = match self {
            // RingCentral's own client counts a rejected call as missed.
            PlatformResult::Rejected => PlatformResult::Missed,
            other => other,
        };
        ours != theirs && theirs != PlatformResult::Unknown
    }
}

/// One leg of a call-log record, as joined to the session.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegOutcome {
    pub record_id: String,
    pub party_id: Option<String>,
    pub result: Option<String>,
    pub reason: Option<String>,
    /// The leg names a party of the session.
    pub matched: bool,
}

/// A recording of the call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingLink {
    pub id: String,
    /// Where its audio is (`contentUri`; the access token is never part of it here).
    pub content_uri: Option<String>,
}

/// A voicemail left on the call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoicemailLink {
    /// The message id.
    pub id: String,
    /// The message in the message store.
    pub uri: Option<String>,
}

/// What the platform's records say of one ended call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Joined {
    pub call_log_ids: Vec<String>,
    pub result: PlatformResult,
    pub legs: Vec<LegOutcome>,
    pub recordings: Vec<RecordingLink>,
    /// Voicemail messages (from the records' `message` links).
    pub voicemails: Vec<VoicemailLink>,
}

/// How joining an ended call went.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "join", rename_all = "camelCase")]
pub enum Join {
    Joined(Joined),
    /// No record appeared before the cutoff.
    Missing,
    /// The app may not read the call log.
    Forbidden,
}

/// Counts of the join, for the header, the report and the metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinCounts {
    pub joined: u64,
    pub missing: u64,
    pub forbidden: u64,
    /// The platform's result and the events' disposition differ.
    pub disagreements: u64,
    /// Legs naming no party of their session.
    pub mismatched_legs: u64,
    /// Voicemail notifications seen.
    pub voicemail_notes: u64,
    /// Voicemail notifications no joined record links to: a voicemail for a call calltop
    /// does not know, or one whose records have not been joined yet (it leaves this count
    /// when they are).
    #[serde(default)]
    pub voicemail_unknown: u64,
}

impl JoinCounts {
    /// Adds another store's counts to these.
    pub fn merge(&mut self, o: &JoinCounts) {
        self.joined += o.joined;
        self.missing += o.missing;
        self.forbidden += o.forbidden;
        self.disagreements += o.disagreements;
        self.mismatched_legs += o.mismatched_legs;
        self.voicemail_notes += o.voicemail_notes;
        self.voicemail_unknown += o.voicemail_unknown;
    }
}

impl Joined {
    /// What `u` offers: each recording's content and each voicemail message, as
    /// `(what, uri)`, without any access token.
    pub fn links(&self) -> Vec<(String, String)> {
        let recordings = self.recordings.iter().filter_map(|r| {
            let uri = without_token(r.content_uri.as_deref()?);
            Some((format!("recording {}", r.id), uri))
        });
        let voicemails = self.voicemails.iter().filter_map(|v| {
            let uri = without_token(v.uri.as_deref()?);
            Some((format!("voicemail {}", v.id), uri))
        });
        recordings.chain(voicemails).collect()
    }
}

/// A URI with any `access_token` query parameter taken out.
fn without_token(uri: &str) -> String {
    let Some((base, query)) = uri.split_once('?') else {
        return uri.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.to_ascii_lowercase().starts_with("access_token="))
        .collect();
    if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// Every ended call's join, by telephonySessionId.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Outcomes {
    #[serde(serialize_with = "sorted_map")]
    by_call: HashMap<String, Join>,
    /// Voicemail message ids a record links to.
    #[serde(serialize_with = "sorted_set")]
    linked_voicemails: HashSet<String>,
    /// Voicemail notifications, by message id.
    #[serde(serialize_with = "sorted_map")]
    notes: HashMap<String, VoicemailNote>,
    counts: JoinCounts,
}

impl Outcomes {
    /// Applies a join line. `session` is the call as the store holds it (for the leg
    /// match and the disagreement), if it still does.
    pub fn apply(&mut self, line: &CallLogLine, session: Option<&Session>) {
        let join = match line.unjoined.as_deref() {
            _ if !line.records.is_empty() => Join::Joined(self.joined(&line.records, session)),
            Some("forbidden") => Join::Forbidden,
            _ => Join::Missing,
        };
        if let Some(old) = self.by_call.insert(line.telephony_session_id.clone(), join) {
            self.uncount(&old, session);
        }
        let join = &self.by_call[&line.telephony_session_id];
        let c = &mut self.counts;
        match join {
            Join::Joined(j) => {
                c.joined += 1;
                c.mismatched_legs += j.legs.iter().filter(|l| !l.matched).count() as u64;
                if session.is_some_and(|s| j.result.disagrees_with(s.disposition())) {
                    c.disagreements += 1;
                }
            }
            Join::Missing => c.missing += 1,
            Join::Forbidden => c.forbidden += 1,
        }
    }

    fn uncount(&mut self, old: &Join, session: Option<&Session>) {
        let c = &mut self.counts;
        match old {
            Join::Joined(j) => {
                c.joined -= 1;
                c.mismatched_legs -= j.legs.iter().filter(|l| !l.matched).count() as u64;
                if session.is_some_and(|s| j.result.disagrees_with(s.disposition())) {
                    c.disagreements -= 1;
                }
            }
            Join::Missing => c.missing -= 1,
            Join::Forbidden => c.forbidden -= 1,
        }
    }

    fn joined(&mut self, records: &[CallLogRecord], session: Option<&Session>) -> Joined {
        let parties: HashSet<&str> = session
            .map(|s| s.parties.iter().map(|p| p.id.as_str()).collect())
            .unwrap_or_default();
        let mut j = Joined {
            call_log_ids: records.iter().map(|r| r.id.clone()).collect(),
            result: PlatformResult::of_call(records),
            legs: Vec::new(),
            recordings: Vec::new(),
            voicemails: Vec::new(),
        };
        for r in records {
            for leg in r.legs.iter().flatten() {
                let party_id = leg.entry.party_id.clone();
                j.legs.push(LegOutcome {
                    record_id: r.id.clone(),
                    matched: party_id.as_deref().is_some_and(|p| parties.contains(p)),
                    party_id,
                    result: leg.entry.result.as_ref().map(|x| x.to_string()),
                    reason: leg.entry.reason.as_ref().map(|x| x.to_string()),
                });
            }
            if let Some(rec) = r.entry.recording.as_ref().and_then(|x| x.id.clone()) {
                if !j.recordings.iter().any(|x| x.id == rec) {
                    j.recordings.push(RecordingLink {
                        id: rec,
                        content_uri: r
                            .entry
                            .recording
                            .as_ref()
                            .and_then(|x| x.content_uri.clone()),
                    });
                }
            }
            if let Some(m) = &r.entry.message {
                if let Some(id) = m.id.clone() {
                    if self.linked_voicemails.insert(id.clone()) && self.notes.contains_key(&id) {
                        self.counts.voicemail_unknown =
                            self.counts.voicemail_unknown.saturating_sub(1);
                    }
                    if !j.voicemails.iter().any(|v| v.id == id) {
                        j.voicemails.push(VoicemailLink {
                            id,
                            uri: m.uri.clone(),
                        });
                    }
                }
            }
        }
        j
    }

    /// Notes a voicemail notification: linked to its call when a joined record names
    /// its message, counted as unknown until one does.
    pub fn note_voicemail(&mut self, note: VoicemailNote) {
        let linked = self.linked_voicemails.contains(&note.id);
        if self.notes.insert(note.id.clone(), note).is_none() {
            self.counts.voicemail_notes += 1;
            if !linked {
                self.counts.voicemail_unknown += 1;
            }
        }
    }

    /// The voicemail notification of a message, when one came.
    pub fn voicemail_note(&self, message_id: &str) -> Option<&VoicemailNote> {
        self.notes.get(message_id)
    }

    /// Voicemail notifications no joined record links to (yet): a voicemail for a call
    /// calltop does not know, or one whose record has not appeared.
    pub fn unlinked_voicemails(&self) -> impl Iterator<Item = &VoicemailNote> {
        self.notes
            .values()
            .filter(|n| !self.linked_voicemails.contains(&n.id))
    }

    /// The join of a call, when there is one.
    pub fn get(&self, telephony_session_id: &str) -> Option<&Join> {
        self.by_call.get(telephony_session_id)
    }

    /// The counts.
    pub fn counts(&self) -> JoinCounts {
        self.counts
    }

    /// Forgets a call the store no longer keeps.
    pub fn forget(&mut self, telephony_session_id: &str) -> Option<Join> {
        self.by_call.remove(telephony_session_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: &str) -> VoicemailNote {
        VoicemailNote {
            id: id.into(),
            extension_id: Some("7".into()),
            from: Some("+15550100".into()),
            created: None,
        }
    }

    fn line(session: &str, message: &str) -> CallLogLine {
        serde_json::from_value(serde_json::json!({
            "telephonySessionId": session,
            "records": [{
                "id": format!("r-{session}"),
                "result": "Voicemail",
                "message": {"id": message, "type": "VoiceMail", "uri": "https://x/message-store/1"}
            }]
        }))
        .unwrap()
    }

    #[test]
    fn a_voicemail_is_unknown_until_a_record_links_it_in_either_order() {
        let mut o = Outcomes::default();
        // Notification first, record later.
        o.note_voicemail(note("m1"));
        assert_eq!(o.counts().voicemail_unknown, 1);
        o.apply(&line("s1", "m1"), None);
        assert_eq!(o.counts().voicemail_unknown, 0);
        // Record first, notification later: never unknown.
        o.apply(&line("s2", "m2"), None);
        o.note_voicemail(note("m2"));
        // A voicemail for a call no record names: unknown for good; repeats count once.
        o.note_voicemail(note("orphan"));
        o.note_voicemail(note("orphan"));
        let c = o.counts();
        assert_eq!((c.voicemail_notes, c.voicemail_unknown), (3, 1));
        let unlinked: Vec<&str> = o.unlinked_voicemails().map(|n| n.id.as_str()).collect();
        assert_eq!(unlinked, ["orphan"]);
        // The record applied again (a re-join) does not count the link twice.
        o.apply(&line("s1", "m1"), None);
        assert_eq!(o.counts().voicemail_unknown, 1);
        let Some(Join::Joined(j)) = o.get("s1") else {
            panic!("joined")
        };
        assert_eq!(j.voicemails[0].id, "m1");
        assert!(o.voicemail_note("m1").is_some());
    }

    #[test]
    fn old_counts_without_the_unknown_field_still_load() {
        let c: JoinCounts = serde_json::from_str(
            r#"{"joined":1,"missing":0,"forbidden":0,"disagreements":0,"mismatchedLegs":0,"voicemailNotes":2}"#,
        )
        .unwrap();
        assert_eq!(c.voicemail_unknown, 0);
    }
}
