//! The fast decoder: a single pass over the text for the shapes that make up almost
//! every line of a stream — a session notification (enveloped or bare), in a gateway
//! frame `[meta, body]` or a recording line `{"receivedAt": …, "frame": …}` — straight
//! into borrowed views ([`super::view`]), with no owned string per field.
//!
//! It only ever *accepts or declines*: whatever it does not handle exactly as the
//! serde decoder of [`super::incoming`] would (escapes in a string, a duplicate field,
//! a number it would have to round, a type the serde types reject, other item kinds,
//! trailing text, nesting deeper than [`MAX_DEPTH`]) makes it decline (`None`), and the
//! caller decodes the text with serde instead — which also words every error. So for
//! any input, `scan(text)` is either `None` or the same value serde decodes (checked by
//! the `frame_parser` fuzz target and the unit tests below).
//!
//! Rare nested parts (park, recordings, SIP data, queue info, peer id, pickup data,
//! owner, the gateway meta) are cut out as text and decoded by their serde types.

use super::enums::{ConferenceRole, Direction, MessageType, OriginType, Reason, StatusCode};
use super::frame::WsMeta;
use super::notification::{Origin, Status};
use super::time::Ts;
use super::view::{
    EndpointView, EnvelopeView, IncomingView, NotificationView, ParsedView, PartyView,
    SessionEventView, StatusView, Text,
};
use serde::de::DeserializeOwned;
use std::borrow::Cow;

/// Deeper nesting is left to serde (which has its own limit).
const MAX_DEPTH: u32 = 64;

/// `None`: declined, decode with serde.
type R<T> = Option<T>;

/// Decodes `text` if it has one of the shapes this decoder handles.
pub fn scan(text: &str) -> Option<ParsedView<'_>> {
    scan_bytes(text.as_bytes())
}

/// [`scan`] of bytes not yet checked to be UTF-8: declines unless every string in them
/// is (the rest of what it takes is ASCII), so whatever it takes, `scan` of the same
/// bytes as text gives. A file's line is decoded without a separate UTF-8 pass first.
pub fn scan_bytes(b: &[u8]) -> Option<ParsedView<'_>> {
    let mut s = Scan { b, i: 0, depth: 0 };
    let any = match s.peek()? {
        b'{' => Any::Object(s.raw()?),
        b'[' => s.frame()?,
        _ => return None,
    };
    s.ws();
    if s.i != s.b.len() {
        return None;
    }
    classify(any, None)
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
    depth: u32,
}

/// The top-level object of the serde decoder (`RawObject`), with only the fields of
/// the shapes handled here.
#[derive(Default)]
struct Raw<'a> {
    envelope: EnvelopeView<'a>,
    received_at: Option<Ts>,
    frame: Option<Box<Any<'a>>>,
    /// Its own session event fields.
    own: Body<'a>,
    /// Those of its `body` (kept inline: the usual notification has one).
    body: Option<Body<'a>>,
}

/// The session event fields of a `RawObject`.
#[derive(Default)]
struct Body<'a> {
    /// The event, but for `telephonySessionId` (filled in when classified).
    event: SessionEventView<'a>,
    telephony_session_id: Option<Text<'a>>,
}

enum Any<'a> {
    Object(Raw<'a>),
    Frame(Box<WsMeta>, Raw<'a>),
}

fn classify<'a>(any: Any<'a>, received_at: Option<Ts>) -> R<ParsedView<'a>> {
    match any {
        Any::Object(o) => classify_object(o, received_at),
        Any::Frame(meta, body) => Some(ParsedView {
            received_at,
            meta: Some(meta),
            item: classify_object(body, received_at)?.item,
        }),
    }
}

fn classify_object(mut o: Raw<'_>, received_at: Option<Ts>) -> R<ParsedView<'_>> {
    if let Some(frame) = o.frame.take() {
        return classify(*frame, o.received_at.or(received_at));
    }
    let received_at = o.received_at.or(received_at);
    let body = o.body.unwrap_or(o.own);
    // Presence, other notifications and errors: the serde decoder's.
    let telephony_session_id = body.telephony_session_id?;
    Some(ParsedView {
        received_at,
        meta: None,
        item: IncomingView::Session(NotificationView::new(
            o.envelope,
            SessionEventView {
                telephony_session_id,
                ..body.event
            },
        )),
    })
}

/// Marks field `bit` as seen; a second occurrence declines (serde rejects duplicates).
fn once(seen: &mut u32, bit: u32) -> R<()> {
    let b = 1 << bit;
    if *seen & b != 0 {
        return None;
    }
    *seen |= b;
    Some(())
}

/// Position of the closing quote of a string starting at `i`, and whether a byte before
/// it is not ASCII; `None` at a backslash (escapes are left to serde), a control
/// character or the end of the text. Scans sixteen bytes at a time (SSE2, part of every
/// x86-64), the rest eight at a time: the strings of a line are mostly ids of ~35 bytes,
/// and each step ends in a branch.
#[cfg(target_arch = "x86_64")]
fn closing_quote(b: &[u8], mut i: usize) -> R<(usize, bool)> {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    let mut high = 0;
    while let Some(chunk) = b.get(i..i + 16) {
        // SAFETY: SSE2 is in every x86-64 target; the unaligned load reads the 16 bytes
        // of `chunk`.
        let (hits, wide) = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let slash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // A byte ≤ 0x1f is its own maximum with 0x1f.
            let low = _mm_set1_epi8(0x1f);
            let control = _mm_cmpeq_epi8(_mm_max_epu8(v, low), low);
            let hits = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), control));
            // The bytes ≥ 0x80: their top bit.
            (hits, _mm_movemask_epi8(v))
        };
        if hits != 0 {
            let k = hits.trailing_zeros();
            let at = i + k as usize;
            high |= wide & ((1 << k) - 1);
            return (b[at] == b'"').then_some((at, high != 0));
        }
        high |= wide;
        i += 16;
    }
    let (at, rest_high) = closing_quote_words(b, i)?;
    Some((at, high != 0 || rest_high))
}

#[cfg(not(target_arch = "x86_64"))]
fn closing_quote(b: &[u8], i: usize) -> R<(usize, bool)> {
    closing_quote_words(b, i)
}

/// [`closing_quote`], eight bytes at a time.
fn closing_quote_words(b: &[u8], mut i: usize) -> R<(usize, bool)> {
    let mut high = 0;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let v = u64::from_le_bytes(chunk.try_into().ok()?);
        let quote = v ^ (ONES * u64::from(b'"'));
        let slash = v ^ (ONES * u64::from(b'\\'));
        // The lowest flagged byte of each test is exact, so the lowest of all is too.
        let hit = (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (v.wrapping_sub(ONES * 0x20) & !v);
        let hit = hit & HIGH;
        if hit != 0 {
            let k = hit.trailing_zeros() / 8;
            let at = i + k as usize;
            high |= v & HIGH & ((1 << (8 * k)) - 1);
            return (b[at] == b'"').then_some((at, high != 0));
        }
        high |= v & HIGH;
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => return Some((i, high != 0)),
            b'\\' | 0..=0x1f => return None,
            0x80.. => high = 1,
            _ => {}
        }
        i += 1;
    }
    None
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after white space.
    fn peek(&mut self) -> R<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> R<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn lit(&mut self, word: &[u8]) -> R<()> {
        self.b[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    /// `null` (consumed) if it comes next.
    fn null(&mut self) -> R<bool> {
        Some(self.peek()? == b'n' && self.lit(b"null").is_some())
    }

    fn str(&mut self) -> R<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let (end, high) = closing_quote(self.b, start)?;
        self.i = end + 1;
        let text = &self.b[start..end];
        match high {
            true => std::str::from_utf8(text).ok(),
            // SAFETY: every byte is below 0x80: ASCII, so UTF-8.
            false => Some(unsafe { std::str::from_utf8_unchecked(text) }),
        }
    }

    /// Digits of a non-negative integer that fits an `i64` without rounding; declines
    /// a sign, a fraction, an exponent, a leading zero and more than 18 digits.
    fn uint(&mut self) -> R<u64> {
        let start = self.i;
        let mut n = 0u64;
        while let Some(&c @ b'0'..=b'9') = self.b.get(self.i) {
            n = n.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            self.i += 1;
        }
        let len = self.i - start;
        let leading_zero = len > 1 && self.b[start] == b'0';
        let more = matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E'));
        (len > 0 && len <= 18 && !leading_zero && !more).then_some(n)
    }

    /// Skips one value, checking its syntax as serde_json does.
    fn skip(&mut self) -> R<()> {
        match self.peek()? {
            b'"' => self.str().map(drop),
            b'{' => self.object(|s, _| s.skip()),
            b'[' => self.array(|s| s.skip()),
            b't' => self.lit(b"true"),
            b'f' => self.lit(b"false"),
            b'n' => self.lit(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn digits(&mut self) -> R<()> {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
        (self.i > start).then_some(())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> R<()> {
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits()?,
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            self.digits()?;
        }
        Some(())
    }

    fn enter(&mut self, open: u8) -> R<()> {
        self.eat(open)?;
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// An object: `field` is called with each key, positioned at its value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> R<()>) -> R<()> {
        self.enter(b'{')?;
        if self.peek()? != b'}' {
            loop {
                let key = self.str()?;
                self.eat(b':')?;
                field(self, key)?;
                if self.peek()? != b',' {
                    break;
                }
                self.i += 1;
            }
        }
        self.eat(b'}')?;
        self.depth -= 1;
        Some(())
    }

    /// An array: `element` is called at each element.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> R<()>) -> R<()> {
        self.enter(b'[')?;
        if self.peek()? != b']' {
            loop {
                element(self)?;
                if self.peek()? != b',' {
                    break;
                }
                self.i += 1;
            }
        }
        self.eat(b']')?;
        self.depth -= 1;
        Some(())
    }

    /// An object, or `null` for `None`.
    fn opt_object<T>(&mut self, parse: impl FnOnce(&mut Self) -> R<T>) -> R<Option<T>> {
        if self.null()? {
            return Some(None);
        }
        parse(self).map(Some)
    }

    /// `Option<String>`.
    fn opt_text(&mut self) -> R<Option<Text<'a>>> {
        if self.null()? {
            return Some(None);
        }
        self.str().map(|s| Some(Cow::Borrowed(s)))
    }

    /// An id given as a string or a number (`lenient::opt_id`).
    fn opt_id(&mut self) -> R<Option<Text<'a>>> {
        match self.peek()? {
            b'0'..=b'9' => self.uint().map(|n| Some(Cow::Owned(n.to_string()))),
            _ => self.opt_text(),
        }
    }

    /// An integer given as a number or a numeric string (`lenient::opt_i64`).
    fn opt_i64(&mut self) -> R<Option<i64>> {
        match self.peek()? {
            b'0'..=b'9' => self.uint().map(|n| Some(n as i64)),
            b'"' => self.str()?.parse().ok().map(Some),
            _ => self.null()?.then_some(None),
        }
    }

    fn opt_bool(&mut self) -> R<Option<bool>> {
        match self.peek()? {
            b't' => self.lit(b"true").map(|_| Some(true)),
            b'f' => self.lit(b"false").map(|_| Some(false)),
            _ => self.null()?.then_some(None),
        }
    }

    fn opt_ts(&mut self) -> R<Option<Ts>> {
        if self.null()? {
            return Some(None);
        }
        Ts::parse(self.str()?).map(Some)
    }

    /// A wire enum (unknown spellings kept).
    fn opt_enum<E>(&mut self, parse: fn(&str) -> E) -> R<Option<E>> {
        if self.null()? {
            return Some(None);
        }
        self.str().map(|s| Some(parse(s)))
    }

    /// A rare nested value: cut out and decoded by its serde type.
    fn serde<T: DeserializeOwned>(&mut self) -> R<T> {
        self.ws();
        let start = self.i;
        self.skip()?;
        serde_json::from_str(std::str::from_utf8(&self.b[start..self.i]).ok()?).ok()
    }

    fn endpoint(&mut self) -> R<EndpointView<'a>> {
        let mut e = EndpointView::default();
        let mut seen = 0;
        self.object(|s, key| {
            match key {
                "phoneNumber" => {
                    once(&mut seen, 0)?;
                    e.phone_number = s.opt_text()?;
                }
                "name" => {
                    once(&mut seen, 1)?;
                    e.name = s.opt_text()?;
                }
                "extensionId" => {
                    once(&mut seen, 2)?;
                    e.extension_id = s.opt_id()?;
                }
                "deviceId" => {
                    once(&mut seen, 3)?;
                    e.device_id = s.opt_id()?;
                }
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(e)
    }

    fn status(&mut self) -> R<StatusView<'a>> {
        let mut code = None;
        // Filled in below; `code` is required.
        let mut st = StatusView::from(Status::code(StatusCode::Setup));
        let mut seen = 0;
        self.object(|s, key| {
            match key {
                "code" => {
                    once(&mut seen, 0)?;
                    code = Some(StatusCode::parse(s.str()?));
                }
                "reason" => {
                    once(&mut seen, 1)?;
                    st.reason = s.opt_enum(Reason::parse)?;
                }
                "description" => {
                    once(&mut seen, 2)?;
                    st.description = s.opt_text()?;
                }
                "parkData" => {
                    once(&mut seen, 3)?;
                    st.park_data = s.opt_text()?;
                }
                "peerId" => {
                    once(&mut seen, 4)?;
                    st.peer_id = s.serde()?;
                }
                "mobilePickupData" => {
                    once(&mut seen, 5)?;
                    st.mobile_pickup_data = s.serde()?;
                }
                "rcc" => {
                    once(&mut seen, 6)?;
                    st.rcc = s.opt_bool()?;
                }
                _ => s.skip()?,
            }
            Some(())
        })?;
        st.code = code?;
        Some(st)
    }

    /// A party, decoded into `p` (a fresh one, in place where it is kept: a party is
    /// half a kilobyte, which a returned value would be copied twice to get there).
    fn party(&mut self, p: &mut PartyView<'a>) -> R<()> {
        let mut id = None;
        let mut seen = 0;
        self.object(|s, key| {
            match key {
                "id" => {
                    once(&mut seen, 0)?;
                    id = Some(s.opt_id()??);
                }
                "accountId" => {
                    once(&mut seen, 1)?;
                    p.account_id = s.opt_id()?;
                }
                "extensionId" => {
                    once(&mut seen, 2)?;
                    p.extension_id = s.opt_id()?;
                }
                "direction" => {
                    once(&mut seen, 3)?;
                    p.direction = s.opt_enum(Direction::parse)?;
                }
                "from" => {
                    once(&mut seen, 4)?;
                    p.from = s.opt_object(Self::endpoint)?;
                }
                "to" => {
                    once(&mut seen, 5)?;
                    p.to = s.opt_object(Self::endpoint)?;
                }
                "status" => {
                    once(&mut seen, 6)?;
                    p.status = s.opt_object(Self::status)?;
                }
                "park" => {
                    once(&mut seen, 7)?;
                    p.park = s.serde()?;
                }
                "recordings" => {
                    once(&mut seen, 8)?;
                    p.recordings = s.serde()?;
                }
                "queueCall" => {
                    once(&mut seen, 9)?;
                    p.queue_call = s.opt_bool()?;
                }
                "missedCall" => {
                    once(&mut seen, 10)?;
                    p.missed_call = s.opt_bool()?;
                }
                "standAlone" => {
                    once(&mut seen, 11)?;
                    p.stand_alone = s.opt_bool()?;
                }
                "muted" => {
                    once(&mut seen, 12)?;
                    p.muted = s.opt_bool()?;
                }
                "conferenceRole" => {
                    once(&mut seen, 13)?;
                    p.conference_role = s.opt_enum(ConferenceRole::parse)?;
                }
                "sipData" => {
                    once(&mut seen, 14)?;
                    p.sip_data = s.serde()?;
                }
                "uiCallInfo" => {
                    once(&mut seen, 15)?;
                    p.ui_call_info = s.serde()?;
                }
                "owner" => {
                    once(&mut seen, 16)?;
                    p.owner = s.serde()?;
                }
                _ => s.skip()?,
            }
            Some(())
        })?;
        p.id = id?;
        Some(())
    }

    fn origin(&mut self) -> R<Origin> {
        let mut kind = None;
        self.object(|s, key| match key {
            "type" if kind.is_none() => s.str().map(|v| kind = Some(OriginType::parse(v))),
            "type" => None,
            _ => s.skip(),
        })?;
        kind.map(|kind| Origin { kind })
    }

    /// A `RawObject` of the serde decoder.
    fn raw(&mut self) -> R<Raw<'a>> {
        let mut o = Raw::default();
        let mut seen = 0;
        self.object(|s, key| {
            match key {
                _ if s.raw_envelope_key(key, &mut o, &mut seen)? => {}
                _ if s.raw_event_key(key, &mut o.own, &mut seen)? => {}
                // Snapshots, pn_apns, presence, voicemail and recording lines are the serde
                // decoder's, as is any key it decodes with a type (`RawObject`'s): at any
                // level, so that what this accepts the serde decoder reads the same.
                "restSession"
                | "sessionGone"
                | "pn_apns"
                | "telephonyStatus"
                | "activeCalls"
                | "presenceStatus"
                | "totalActiveCalls"
                | "callLog"
                | "roster"
                | "id"
                | "creationTime"
                | "from"
                | "userStatus"
                | "dndStatus"
                | "dndStatusPersonal"
                | "acceptCallQueueCalls"
                | "callQueueId" => return None,
                _ => s.skip()?,
            }
            Some(())
        })?;
        Some(o)
    }

    /// An envelope or recording key of a `RawObject` into `o` (`false`: not one of them).
    fn raw_envelope_key(&mut self, key: &str, o: &mut Raw<'a>, seen: &mut u32) -> R<bool> {
        let s = self;
        match key {
            "uuid" => {
                once(seen, 0)?;
                o.envelope.uuid = s.opt_id()?;
            }
            "event" => {
                once(seen, 1)?;
                o.envelope.event = s.opt_text()?;
            }
            "timestamp" => {
                once(seen, 2)?;
                o.envelope.timestamp = s.opt_ts()?;
            }
            "subscriptionId" => {
                once(seen, 3)?;
                o.envelope.subscription_id = s.opt_text()?;
            }
            "ownerId" => {
                once(seen, 4)?;
                o.envelope.owner_id = s.opt_id()?;
            }
            "body" => {
                once(seen, 5)?;
                o.body = s.opt_object(Self::raw)?.map(|b| b.own);
            }
            "receivedAt" => {
                once(seen, 6)?;
                o.received_at = s.opt_ts()?;
            }
            "frame" => {
                once(seen, 7)?;
                o.frame = match s.peek()? {
                    b'{' => Some(Box::new(Any::Object(s.raw()?))),
                    b'[' => Some(Box::new(s.frame()?)),
                    _ => s.null()?.then_some(None)?,
                };
            }
            _ => return Some(false),
        }
        Some(true)
    }

    /// A session event key of a `RawObject` into `b` (`false`: not one of them).
    fn raw_event_key(&mut self, key: &str, b: &mut Body<'a>, seen: &mut u32) -> R<bool> {
        let s = self;
        match key {
            "sequence" => {
                once(seen, 8)?;
                b.event.sequence = s.opt_i64()?;
            }
            "sessionId" => {
                once(seen, 9)?;
                b.event.session_id = s.opt_id()?;
            }
            "telephonySessionId" => {
                once(seen, 10)?;
                b.telephony_session_id = s.opt_text()?;
            }
            "serverId" => {
                once(seen, 11)?;
                b.event.server_id = s.opt_text()?;
            }
            "eventTime" => {
                once(seen, 12)?;
                b.event.event_time = s.opt_ts()?;
            }
            "origin" => {
                once(seen, 13)?;
                b.event.origin = s.opt_object(Self::origin)?;
            }
            "parties" => {
                once(seen, 14)?;
                // `null` and `[]` both decode to no parties.
                let parties = &mut b.event.parties;
                if !s.null()? {
                    s.array(|s| {
                        parties.push(PartyView::default());
                        s.party(parties.last_mut().expect("pushed"))
                    })?;
                }
            }
            "accountId" => {
                once(seen, 15)?;
                b.event.account_id = s.opt_id()?;
            }
            "extensionId" => {
                once(seen, 16)?;
                b.event.extension_id = s.opt_id()?;
            }
            _ => return Some(false),
        }
        Some(true)
    }

    /// A gateway frame `[meta, body, …]` carrying a notification.
    fn frame(&mut self) -> R<Any<'a>> {
        self.enter(b'[')?;
        let meta: Box<WsMeta> = self.serde()?;
        if meta.kind != MessageType::ServerNotification {
            return None;
        }
        self.eat(b',')?;
        let body = self.raw()?;
        while self.peek()? == b',' {
            self.i += 1;
            self.skip()?;
        }
        self.eat(b']')?;
        self.depth -= 1;
        Some(Any::Frame(meta, body))
    }
}

#[cfg(test)]
mod tests {
    use super::{closing_quote, closing_quote_words, scan, scan_bytes};
    use proptest::prelude::*;

    #[test]
    fn bytes_are_taken_only_when_every_string_in_them_is_utf8() {
        let line = r#"{"body":{"telephonySessionId":"s-1","parties":[{"id":"p-1","from":{"name":"Zoë Ünal"}}]}}"#;
        let taken = scan_bytes(line.as_bytes()).expect("valid UTF-8 is taken");
        assert_eq!(Some(taken), scan(line));
        // A bad byte in a string it keeps, and in one it skips: declined, so the
        // caller reads the line lossily as before.
        let bad = line.replace("Zoë", "Zo\u{1}").into_bytes();
        let at = bad.iter().position(|&c| c == 1).unwrap();
        let mut bad = bad;
        bad[at] = 0xff;
        assert!(scan_bytes(&bad).is_none());
        let skipped =
            b"{\"body\":{\"telephonySessionId\":\"s-1\",\"other\":\"\xff\",\"parties\":[]}}";
        assert!(scan_bytes(skipped).is_none());
        let fine =
            b"{\"body\":{\"telephonySessionId\":\"s-1\",\"other\":\"\xc3\xab\",\"parties\":[]}}";
        assert!(scan_bytes(fine).is_some());
    }

    /// The rule, one byte at a time.
    fn reference(b: &[u8], i: usize) -> Option<(usize, bool)> {
        let (at, &c) = b
            .iter()
            .enumerate()
            .skip(i)
            .find(|(_, &c)| c == b'"' || c == b'\\' || c < 0x20)?;
        (c == b'"').then(|| (at, !b[i..at].is_ascii()))
    }

    proptest! {
        /// Every stride finds what the byte-by-byte rule finds, wherever the quote,
        /// backslash or control character falls in or past a block.
        #[test]
        fn closing_quote_is_the_byte_rule(
            text in proptest::collection::vec(
                prop_oneof![
                    8 => 0x20u8..0x7f,
                    1 => Just(b'"'),
                    1 => Just(b'\\'),
                    1 => 0u8..0x20,
                    1 => 0x80u8..=0xff,
                ],
                0..80,
            ),
            start in 0usize..20,
        ) {
            let start = start.min(text.len());
            prop_assert_eq!(closing_quote(&text, start), reference(&text, start));
            prop_assert_eq!(closing_quote_words(&text, start), reference(&text, start));
        }
    }
}
