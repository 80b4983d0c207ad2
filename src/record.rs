//! The raw-frame recorder: one JSON line per received frame,
//! `{"receivedAt": RFC 3339 ms, "frame": <raw frame, or the text as a JSON string>}`,
//! appended, flushed per line, file created 0600, written before the frame is parsed.
//! Files rotate past a size when asked. A live source's lines go through a [`Tap`]: to
//! the file and to a [`LineSink`] (the relay's publisher), masked alike.

pub mod redact;

pub use redact::Redactor;

use crate::wire::{CallSession, Parsed, RosterLine, Ts};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Appends received frames to a recording file.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    file: File,
    written: u64,
    redactor: Option<Redactor>,
    rotate_bytes: Option<u64>,
    lines: u64,
}

impl Recorder {
    /// Opens `path` for appending (created 0600). With `redact`, phone numbers and
    /// names are masked.
    pub fn create(path: &Path, redact: bool) -> io::Result<Recorder> {
        let file = open_private(path)?;
        let written = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(Recorder {
            path: path.to_path_buf(),
            file,
            written,
            redactor: redact.then(Redactor::new),
            rotate_bytes: None,
            lines: 0,
        })
    }

    /// Uses this masker (e.g. with a fixed key) and turns redaction on.
    pub fn with_redactor(mut self, r: Redactor) -> Recorder {
        self.redactor = Some(r);
        self
    }

    /// Rotates once the file exceeds `bytes`.
    pub fn with_rotation(mut self, bytes: Option<u64>) -> Recorder {
        self.rotate_bytes = bytes.filter(|b| *b > 0);
        self
    }

    /// The current file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines written by this recorder.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Writes one received frame and flushes.
    pub fn write_frame(&mut self, received_at: Ts, raw: &str) -> io::Result<()> {
        let line = record_line(received_at, raw, self.redactor.as_ref());
        self.write_line(&line)
    }

    /// Writes what reconciling learned by REST (see [`reconcile_line`]).
    pub fn write_reconcile(&mut self, at: Ts, found: Result<&CallSession, &str>) -> io::Result<()> {
        let line = reconcile_line(at, found, self.redactor.as_ref());
        self.write_line(&line)
    }

    /// Writes what was learned by REST about agents and queues:
    /// `{"receivedAt":…,"roster":{…}}`.
    pub fn write_roster(&mut self, at: Ts, line: &RosterLine) -> io::Result<()> {
        self.write_learned(at, serde_json::json!({ "roster": line }))
    }

    /// Writes one thing calltop learned by REST (see [`learned_line`]).
    pub fn write_learned(&mut self, at: Ts, v: serde_json::Value) -> io::Result<()> {
        let line = learned_line(at, v, self.redactor.as_ref());
        self.write_line(&line)
    }

    /// Writes one finished recording line (with its newline) and flushes.
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        self.file.write_all(line.as_bytes())?;
        self.file.flush()?;
        self.written += line.len() as u64;
        self.lines += 1;
        if self.rotate_bytes.is_some_and(|max| self.written >= max) {
            self.rotate()?;
        }
        Ok(())
    }

    fn rotate(&mut self) -> io::Result<()> {
        let stamp = Ts::now().to_datetime().format("%Y%m%dT%H%M%S%.3f");
        let mut old = self.path.clone().into_os_string();
        old.push(format!(".{stamp}"));
        std::fs::rename(&self.path, &old)?;
        self.file = open_private(&self.path)?;
        self.written = 0;
        tracing::info!(rotated_to = %PathBuf::from(old).display(), "recording rotated");
        Ok(())
    }
}

/// One recording line (with the trailing newline).
pub fn record_line(received_at: Ts, raw: &str, redactor: Option<&Redactor>) -> String {
    let at = received_at.to_rfc3339();
    let trimmed = raw.trim();
    let parsed = serde_json::from_str::<serde_json::Value>(trimmed).ok();
    let frame = match (parsed, redactor) {
        (Some(mut v), Some(r)) => {
            r.value(&mut v);
            v.to_string()
        }
        (Some(mut v), None) if redact::mentions_secret(trimmed) => {
            redact::scrub_secrets(&mut v);
            v.to_string()
        }
        // Valid JSON: newlines can only be whitespace between tokens.
        (Some(_), None) => trimmed.replace(['\n', '\r'], " "),
        (None, Some(r)) => serde_json::Value::String(r.text(raw)).to_string(),
        (None, None) => serde_json::Value::String(raw.to_string()).to_string(),
    };
    format!("{{\"receivedAt\":\"{at}\",\"frame\":{frame}}}\n")
}

/// What reconciling learned by REST, as a recording line, so that a replay ends where
/// the live store did: `{"receivedAt":…,"restSession":{…}}` for a fetched session,
/// `{"receivedAt":…,"sessionGone":"s-…"}` for a 404.
pub fn reconcile_line(
    at: Ts,
    found: Result<&CallSession, &str>,
    redactor: Option<&Redactor>,
) -> String {
    let v = match found {
        Ok(cs) => serde_json::json!({ "restSession": cs }),
        Err(id) => serde_json::json!({ "sessionGone": id }),
    };
    learned_line(at, v, redactor)
}

/// One thing calltop learned by REST as a recording line: an object with one key
/// (`restSession`, `sessionGone`, `roster`, `callLog`), masked like frames, stamped
/// with `receivedAt`.
pub fn learned_line(at: Ts, mut v: serde_json::Value, redactor: Option<&Redactor>) -> String {
    if let Some(r) = redactor {
        r.value(&mut v);
    }
    if let Some(o) = v.as_object_mut() {
        o.insert("receivedAt".into(), at.to_rfc3339().into());
    }
    format!("{v}\n")
}

/// Where a live source's recording lines go besides the file (the relay's publisher).
pub trait LineSink: Send + Sync {
    /// One recording line (with its newline), and its item when the caller has it
    /// parsed (`None`: classify the line yourself).
    fn send(&self, line: String, parsed: Option<&Parsed>);
}

/// The recording lines of a live source: each made once (masked with `--redact`),
/// appended to the file and handed to the sink.
pub struct Tap {
    redactor: Option<Redactor>,
    file: Option<Recorder>,
    sink: Option<Arc<dyn LineSink>>,
}

impl Tap {
    /// Lines masked with `redactor`, to `file` (opened without a masker of its own)
    /// and `sink`.
    pub fn new(
        redactor: Option<Redactor>,
        file: Option<Recorder>,
        sink: Option<Arc<dyn LineSink>>,
    ) -> Tap {
        Tap {
            redactor,
            file,
            sink,
        }
    }

    /// Records one received frame; returns its line when a sink wants it (hand it over
    /// with [`Tap::send`] once the frame is parsed).
    pub fn frame(&mut self, received_at: Ts, raw: &str) -> Option<String> {
        let line = record_line(received_at, raw, self.redactor.as_ref());
        self.write(&line);
        self.sink.is_some().then_some(line)
    }

    /// Hands a line to the sink.
    pub fn send(&self, line: String, parsed: Option<&Parsed>) {
        if let Some(s) = &self.sink {
            s.send(line, parsed);
        }
    }

    /// Records what reconciling learned by REST (see [`reconcile_line`]).
    pub fn reconcile(&mut self, at: Ts, found: Result<&CallSession, &str>) {
        let line = reconcile_line(at, found, self.redactor.as_ref());
        self.write(&line);
        self.send(line, None);
    }

    /// Records anything else learned by REST (see [`learned_line`]): agents and queues
    /// (`roster`), call-log joins (`callLog`).
    pub fn learned(&mut self, at: Ts, v: serde_json::Value) {
        let line = learned_line(at, v, self.redactor.as_ref());
        self.write(&line);
        self.send(line, None);
    }

    fn write(&mut self, line: &str) {
        if let Some(f) = &mut self.file {
            if let Err(e) = f.write_line(line) {
                tracing::error!(error = %e, "recording write failed");
            }
        }
    }
}

pub(crate) fn open_private(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{parse, Incoming};

    #[test]
    fn lines_round_trip_through_the_parser() {
        let at = Ts::parse("2024-01-02T03:04:05.678Z").unwrap();
        let raw = "[{\"type\":\"Heartbeat\",\n \"messageId\":\"a\"}]";
        let line = record_line(at, raw, None);
        assert_eq!(line.lines().count(), 1);
        assert!(line.starts_with("{\"receivedAt\":\"2024-01-02T03:04:05.678Z\",\"frame\":[{"));
        let p = parse(line.trim_end()).unwrap();
        assert_eq!(p.item, Incoming::Heartbeat);
        assert_eq!(p.received_at, Some(at));

        let junk = record_line(at, "not json \"at all\"\n", None);
        let v: serde_json::Value = serde_json::from_str(&junk).unwrap();
        assert_eq!(v["frame"], "not json \"at all\"\n");
        assert!(parse(junk.trim_end()).is_err());

        let tok = record_line(
            at,
            r#"{"uri":"wss://x","ws_access_token":"SECRET","expires_in":60}"#,
            None,
        );
        assert!(!tok.contains("SECRET"));
        // The session-recovery token of every gateway frame never reaches a recording.
        let frame =
            r#"[{"type":"Heartbeat","messageId":"m","wsc":{"token":"WSC-SECRET","sequence":9}}]"#;
        let line = record_line(at, frame, None);
        assert!(!line.contains("WSC-SECRET"), "{line}");
        assert_eq!(
            parse(line.trim_end())
                .unwrap()
                .meta
                .unwrap()
                .wsc
                .unwrap()
                .sequence,
            9
        );
    }

    #[test]
    fn reconcile_lines_parse_back_and_redact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.jsonl");
        let mut r = Recorder::create(&path, true).unwrap();
        let at = Ts::parse("2024-01-02T03:04:05.678Z").unwrap();
        let cs: CallSession = serde_json::from_value(serde_json::json!({
            "id": "s-1",
            "parties": [{"id": "p-1", "status": {"code": "Answered"},
                         "from": {"phoneNumber": "+14155550101", "name": "Alice"}}]
        }))
        .unwrap();
        r.write_reconcile(at, Ok(&cs)).unwrap();
        r.write_reconcile(at, Err("s-2")).unwrap();
        let users: Vec<crate::wire::directory::ExtensionInfo> =
            serde_json::from_str(r#"[{"id":7,"name":"Alice","type":"User","costCenter":1}]"#)
                .unwrap();
        r.write_roster(at, &RosterLine::Extensions(users)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("+14155550101") && !text.contains("Alice"),
            "{text}"
        );
        let items: Vec<_> = text.lines().map(|l| parse(l).unwrap()).collect();
        match &items[0].item {
            Incoming::Snapshot(got) => {
                assert_eq!(got.id, "s-1");
                assert_eq!(got.parties[0].id, "p-1");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            items[1].item,
            Incoming::Gone {
                telephony_session_id: "s-2".into()
            }
        );
        match &items[2].item {
            Incoming::Roster(line) => match &**line {
                RosterLine::Extensions(v) => {
                    assert_eq!(v[0].id, "7");
                    assert!(v[0].extra.contains_key("costCenter"), "kept as served");
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
        assert!(items.iter().all(|p| p.received_at == Some(at)));
    }

    /// The file and the sink get the same line, masked once; the sink gets the item
    /// the caller parsed, and reconcile lines too.
    #[test]
    fn a_tap_feeds_the_file_and_the_sink_alike() {
        use std::sync::Mutex;
        #[derive(Default)]
        struct Lines(Mutex<Vec<(String, bool)>>);
        impl LineSink for Lines {
            fn send(&self, line: String, parsed: Option<&Parsed>) {
                self.0.lock().unwrap().push((line, parsed.is_some()));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.jsonl");
        let sink = Arc::new(Lines::default());
        let mut tap = Tap::new(
            Some(Redactor::with_key("k")),
            Some(Recorder::create(&path, false).unwrap()),
            Some(sink.clone()),
        );
        let frame = r#"{"uuid":"u","event":"/restapi/v1.0/account/1/telephony/sessions","body":{"sequence":2,"telephonySessionId":"s-1","parties":[{"id":"p","from":{"phoneNumber":"+14155550101"}}]}}"#;
        let line = tap.frame(Ts(0), frame).expect("a sink wants the line");
        tap.send(line, parse(frame).ok().as_ref());
        tap.reconcile(Ts(1), Err("s-2"));
        let file = std::fs::read_to_string(&path).unwrap();
        let sent = sink.0.lock().unwrap().clone();
        let sent_text: String = sent.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(file, sent_text);
        assert!(!file.contains("+14155550101"), "{file}");
        assert_eq!(
            sent.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
            [true, false]
        );
        assert!(Tap::new(None, None, None).frame(Ts(0), frame).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn file_is_private_appended_and_rotated() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.jsonl");
        let mut r = Recorder::create(&path, false).unwrap();
        r.write_frame(Ts(0), "[{\"type\":\"Heartbeat\"}]").unwrap();
        drop(r);
        let mut r = Recorder::create(&path, false)
            .unwrap()
            .with_rotation(Some(100));
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        r.write_frame(Ts(1), "[{\"type\":\"Heartbeat\"}]").unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(files.len(), 2, "rotated once past 100 bytes");
        r.write_frame(Ts(2), "x").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
    }
}
