//! Recorded files: format detection and reading. JSON Lines, concatenated or
//! pretty-printed JSON values, a JSON array, or calltop's own recording lines — detected,
//! not flagged. A bad line or value is reported with its line number and skipped.

use crate::wire::{self, ParseError, Parsed};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// How a file's values are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One value per line.
    Lines,
    /// Values one after another, possibly pretty-printed over many lines.
    Stream,
    /// One JSON array whose elements are the values.
    Array,
}

/// One value of a file: where it started and what it parsed to.
#[derive(Debug)]
pub struct Item {
    /// 1-based line number where the value starts.
    pub line: usize,
    pub parsed: Result<Parsed, ParseError>,
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{0}: the file is empty")]
    Empty(String),
}

/// Reads a whole file and splits it into items.
pub fn read_path(path: &Path) -> Result<(Layout, Vec<Item>), FileError> {
    let mut items = Vec::new();
    let layout = visit_path(path, |i| items.push(i))?;
    Ok((layout, items))
}

/// Reads a file and hands each item to `f` as soon as it is parsed (nothing is kept).
pub fn visit_path(path: &Path, f: impl FnMut(Item)) -> Result<Layout, FileError> {
    with_text(path, |text| visit_str(text, f))
}

/// Reads a whole file and calls `f` with its text (a missing, unreadable or blank file
/// is an error).
pub fn with_text<R>(path: &Path, f: impl FnOnce(&str) -> R) -> Result<R, FileError> {
    let bytes = std::fs::read(path).map_err(|error| io_error(path, error))?;
    text_of(bytes, path, f)
}

fn io_error(path: &Path, error: std::io::Error) -> FileError {
    FileError::Io {
        path: path.display().to_string(),
        error,
    }
}

pub(crate) fn text_of<R>(
    bytes: Vec<u8>,
    path: &Path,
    f: impl FnOnce(&str) -> R,
) -> Result<R, FileError> {
    // Valid UTF-8 (the usual case) is checked by the fast validator; only a file with
    // bad bytes pays for the lossy conversion.
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => Cow::Borrowed(t),
        Err(_) => String::from_utf8_lossy(&bytes),
    };
    if text.trim().is_empty() {
        return Err(FileError::Empty(path.display().to_string()));
    }
    Ok(f(&text))
}

/// [`visit_values`] of a file, without holding the file in memory when it is JSON
/// Lines (the usual recording): the values are read a line at a time through a 1 MiB
/// buffer. Any other layout is read whole, as [`with_text`] does. Same values, line
/// numbers and errors as `with_text(path, |t| visit_values(t, f))`.
pub fn visit_path_values(
    path: &Path,
    mut f: impl FnMut(usize, Result<&str, ParseError>),
) -> Result<Layout, FileError> {
    let (head, rest) = match open(path)? {
        Opened::Whole(bytes) => return text_of(bytes, path, |text| visit_values(text, f)),
        Opened::Lines { head, rest } => (head, rest),
    };
    visit_lines(path, head, rest, |n, raw| {
        let line = line_text(raw, n == 1);
        if !line.trim().is_empty() {
            f(n, Ok(&line));
        }
    })?;
    Ok(Layout::Lines)
}

/// Hands each line of a JSON Lines file ([`Opened::Lines`]) to `f` with its number and
/// its `\n`, as [`lines_of`] cuts them. Lines whole in the reader's buffer are used in
/// place; only a line cut by the buffer's end is copied.
pub(crate) fn visit_lines(
    path: &Path,
    head: Vec<u8>,
    mut r: BufReader<std::fs::File>,
    mut f: impl FnMut(usize, &[u8]),
) -> Result<(), FileError> {
    let mut n = 0;
    let mut emit = |raw: &[u8]| {
        n += 1;
        f(n, raw);
    };
    lines_of(&head).for_each(&mut emit);
    let mut buf = Vec::new();
    loop {
        let chunk = r.fill_buf().map_err(|e| io_error(path, e))?;
        if chunk.is_empty() {
            break;
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', chunk) {
            let line = &chunk[start..=end];
            if buf.is_empty() {
                emit(line);
            } else {
                buf.extend_from_slice(line);
                emit(&buf);
                buf.clear();
            }
            start = end + 1;
        }
        buf.extend_from_slice(&chunk[start..]);
        let used = chunk.len();
        r.consume(used);
    }
    if !buf.is_empty() {
        emit(&buf);
    }
    Ok(())
}

/// The lines of `text`, each with its `\n` (the last without, when it has none), found
/// by `memchr` (a byte-by-byte split was a sixth of a decoding thread's time).
pub(crate) fn lines_of(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', text);
    std::iter::from_fn(move || {
        let end = match ends.next() {
            Some(at) => at + 1,
            None if start < text.len() => text.len(),
            None => return None,
        };
        let line = &text[start..end];
        start = end;
        Some(line)
    })
}

/// A file opened by [`open`].
pub(crate) enum Opened {
    /// Not JSON Lines: the whole file.
    Whole(Vec<u8>),
    /// JSON Lines: its lines up to the first that is not blank (which decided the
    /// layout, as [`detect`] does), and a reader at the line after them.
    Lines {
        head: Vec<u8>,
        rest: BufReader<std::fs::File>,
    },
}

/// Opens a file and reads as much as it takes to know whether it is JSON Lines.
pub(crate) fn open(path: &Path) -> Result<Opened, FileError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut head = Vec::new();
    let mut buf = Vec::new();
    let mut lines_read = 0;
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)
            .map_err(|e| io_error(path, e))?
            == 0
        {
            break;
        }
        lines_read += 1;
        head.extend_from_slice(&buf);
        let line = line_text(&buf, lines_read == 1);
        if !line.trim().is_empty() {
            if is_lines_head(&line) {
                return Ok(Opened::Lines { head, rest: r });
            }
            break;
        }
    }
    r.read_to_end(&mut head).map_err(|e| io_error(path, e))?;
    Ok(Opened::Whole(head))
}

/// True when the first line that is not blank makes a file JSON Lines whatever follows
/// (as [`detect`] decides): a whole JSON value that is not an array, or a gateway
/// frame (`[meta, body]`) on its own line.
pub(crate) fn is_lines_head(line: &str) -> bool {
    let line = line.trim();
    if line.starts_with('[') {
        array_elements(line).is_some_and(|els| els.first().is_some_and(|e| is_frame_meta(e.get())))
    } else {
        serde_json::from_str::<&RawValue>(line).is_ok()
    }
}

/// The bytes of [`line_text`]: the line without its `\n` or `\r\n`, the first without
/// a byte order mark.
pub(crate) fn line_bytes(raw: &[u8], first: bool) -> &[u8] {
    let line = match raw.strip_suffix(b"\n") {
        Some(l) => l.strip_suffix(b"\r").unwrap_or(l),
        None => raw,
    };
    match first {
        true => line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line),
        false => line,
    }
}

/// One line as `str::lines` yields it (without `\n` or `\r\n`), decoded as the whole
/// file would be (lossy where it is not UTF-8), the first without a byte order mark.
pub(crate) fn line_text(raw: &[u8], first: bool) -> Cow<'_, str> {
    // A byte order mark is whole UTF-8 in any line, so it comes off the bytes as off
    // the text. The usual valid UTF-8 is checked by the fast validator; only a line with
    // bad bytes pays for the lossy conversion.
    let line = line_bytes(raw, first);
    match std::str::from_utf8(line) {
        Ok(t) => Cow::Borrowed(t),
        Err(_) => String::from_utf8_lossy(line),
    }
}

/// Splits text into items, detecting the layout.
pub fn read_str(text: &str) -> (Layout, Vec<Item>) {
    let mut items = Vec::new();
    let layout = visit_str(text, |i| items.push(i));
    (layout, items)
}

/// Hands each item of `text` to `f` in order, detecting the layout.
pub fn visit_str(text: &str, mut f: impl FnMut(Item)) -> Layout {
    visit_values(text, |line, value| {
        f(Item {
            line,
            parsed: value.and_then(wire::parse),
        })
    })
}

/// Hands each value of `text` to `f` unparsed, with the 1-based line where it starts
/// (or the JSON error of a value that could not be cut out), detecting the layout: for
/// callers that parse the values themselves (e.g. into borrowed views).
pub fn visit_values<'t>(
    text: &'t str,
    mut f: impl FnMut(usize, Result<&'t str, ParseError>),
) -> Layout {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let layout = detect(text);
    match layout {
        Layout::Lines => lines(text, &mut f),
        Layout::Array => {
            if !array(text, &mut f) {
                stream(text, &mut f)
            }
        }
        Layout::Stream => stream(text, &mut f),
    }
    layout
}

/// Guesses the layout from the first value.
pub fn detect(text: &str) -> Layout {
    let t = text.trim_start();
    if t.starts_with('[')
        && array_elements(t).is_some_and(|els| !els.first().is_some_and(|e| is_frame_meta(e.get())))
    {
        return Layout::Array;
    }
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if serde_json::from_str::<&RawValue>(first.trim()).is_ok() {
        Layout::Lines
    } else {
        Layout::Stream
    }
}

fn array_elements(t: &str) -> Option<Vec<&RawValue>> {
    serde_json::from_str::<Vec<&RawValue>>(t).ok()
}

/// True for a gateway frame's meta object (`{"type": "ServerNotification", …}`), which
/// makes a top-level array one frame rather than a list of values.
fn is_frame_meta(raw: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "type")]
        kind: Option<serde::de::IgnoredAny>,
        uuid: Option<serde::de::IgnoredAny>,
        body: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_str::<Probe>(raw)
        .is_ok_and(|p| p.kind.is_some() && p.uuid.is_none() && p.body.is_none())
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Where the values go: line number and text (or the error of a value that could
/// not be cut out).
type Sink<'f, 't> = &'f mut dyn FnMut(usize, Result<&'t str, ParseError>);

fn lines<'t>(text: &'t str, f: Sink<'_, 't>) {
    for (i, l) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        f(i + 1, Ok(l));
    }
}

/// False when the text is not one JSON array after all.
fn array<'t>(text: &'t str, f: Sink<'_, 't>) -> bool {
    let Some(els) = array_elements(text.trim_start()) else {
        return false;
    };
    let base = text.as_ptr() as usize;
    for raw in els {
        f(
            line_of(text, raw.get().as_ptr() as usize - base),
            Ok(raw.get()),
        );
    }
    true
}

fn stream<'t>(text: &'t str, f: Sink<'_, 't>) {
    let mut offset = 0;
    while offset < text.len() {
        let rest = &text[offset..];
        let mut it = serde_json::Deserializer::from_str(rest).into_iter::<&RawValue>();
        loop {
            let start = offset + it.byte_offset();
            match it.next() {
                None => return,
                Some(Ok(raw)) => {
                    let at = raw.get().as_ptr() as usize - text.as_ptr() as usize;
                    f(line_of(text, at), Ok(raw.get()));
                }
                Some(Err(e)) => {
                    let skip_from = start + rest[start - offset..].len()
                        - rest[start - offset..].trim_start().len();
                    f(line_of(text, skip_from), Err(ParseError::Json(e)));
                    // Resynchronise at the next line that opens a value.
                    offset = match next_value_start(text, skip_from) {
                        Some(o) => o,
                        None => return,
                    };
                    break;
                }
            }
        }
    }
}

fn next_value_start(text: &str, from: usize) -> Option<usize> {
    let after = text[from..].find('\n')? + from + 1;
    let mut pos = after;
    for line in text[after..].split_inclusive('\n') {
        if line.starts_with('{') || line.starts_with('[') {
            return Some(pos);
        }
        pos += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = r#"{"body":{"telephonySessionId":"s-1","sequence":2,"parties":[]}}"#;

    #[test]
    fn lines_of_splits_as_split_inclusive() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\n\nb\n",
            "\n\nx",
            "é\r\n{}\n",
        ] {
            let want: Vec<&[u8]> = text.as_bytes().split_inclusive(|&b| b == b'\n').collect();
            assert_eq!(
                lines_of(text.as_bytes()).collect::<Vec<_>>(),
                want,
                "{text:?}"
            );
        }
    }

    #[test]
    fn layouts() {
        assert_eq!(detect(&format!("{A}\n{A}\n")), Layout::Lines);
        assert_eq!(detect(&format!("[{A},{A}]")), Layout::Array);
        assert_eq!(
            detect("[{\"type\":\"Heartbeat\",\"messageId\":\"x\"}]"),
            Layout::Lines
        );
        assert_eq!(
            detect("{\n  \"body\": {\"telephonySessionId\":\"s\"}\n}\n"),
            Layout::Stream
        );
    }

    /// Every value as (line, text or error), and the layout.
    type Seen = (Result<Layout, String>, Vec<(usize, Result<String, String>)>);

    fn seen(
        read: impl FnOnce(&mut dyn FnMut(usize, Result<&str, ParseError>)) -> Result<Layout, FileError>,
    ) -> Seen {
        let mut out = Vec::new();
        let layout =
            read(&mut |line, v| out.push((line, v.map(str::to_string).map_err(|e| e.to_string()))));
        (layout.map_err(|e| e.to_string()), out)
    }

    #[test]
    fn a_file_read_by_line_gives_what_the_whole_text_gives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let texts: Vec<Vec<u8>> = vec![
            format!("{A}\n{A}\n").into(),
            format!("\u{feff}{A}\r\n\r\n  \n{A}\r\n{{\"body\": tru\n{A}").into(),
            format!("\n\n{A}\n{A}\r").into(),
            [A.as_bytes(), b"\n{\"x\":\"\xff\xfe\"}\n", A.as_bytes()].concat(),
            [b"\xef\xbb\xbf".as_slice(), A.as_bytes(), b"\n\xff\n"].concat(),
            format!("[{A},\n{A}]\n").into(),
            format!("  [{{\"type\":\"Heartbeat\"}}]\n{A}\n").into(),
            "{\n \"body\": {\"telephonySessionId\":\"s\"}\n}\n{\n \"body\": [oops\n}\n".into(),
            // Lines across the reader's 1 MiB buffer, and one longer than it.
            (0..40_000)
                .map(|i| {
                    if i % 7 == 0 {
                        format!("{A}\r\n\n")
                    } else {
                        format!("{A}\n")
                    }
                })
                .collect::<String>()
                .into(),
            format!(
                "{A}\n{{\"body\":{{\"x\":\"{}\"}}}}\n{A}",
                "y".repeat(3 << 20)
            )
            .into(),
            b"\n \n".to_vec(),
            "\u{feff}".into(),
            Vec::new(),
        ];
        for t in texts {
            std::fs::write(&path, &t).unwrap();
            let by_line = seen(|f| visit_path_values(&path, f));
            let whole = seen(|f| with_text(&path, |text| visit_values(text, f)));
            assert_eq!(by_line, whole, "{:?}", String::from_utf8_lossy(&t));
        }
        assert!(seen(|f| visit_path_values(&dir.path().join("missing"), f))
            .0
            .is_err());
    }

    #[test]
    fn bad_values_are_reported_with_lines_and_skipped() {
        let text = format!("{A}\n{{\"body\": tru\n{A}\n\n{A}\n");
        let (layout, items) = read_str(&text);
        assert_eq!(layout, Layout::Lines);
        let lines: Vec<(usize, bool)> = items.iter().map(|i| (i.line, i.parsed.is_ok())).collect();
        assert_eq!(lines, vec![(1, true), (2, false), (3, true), (5, true)]);

        let pretty = "{\n \"body\": {\"telephonySessionId\":\"s\"}\n}\n{\n \"body\": [oops\n}\n{\n \"body\": {\"telephonySessionId\":\"t\"}\n}\n";
        let (layout, items) = read_str(pretty);
        assert_eq!(layout, Layout::Stream);
        let lines: Vec<(usize, bool)> = items.iter().map(|i| (i.line, i.parsed.is_ok())).collect();
        assert_eq!(lines, vec![(1, true), (4, false), (7, true)]);
    }
}
