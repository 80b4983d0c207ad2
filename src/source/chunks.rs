//! A file's values decoded on other threads: decoders take turns cutting a JSON Lines
//! file into chunks of whole lines, each turns its chunks into views of their values,
//! and the caller gets them in file order — the values, line numbers and errors that
//! [`file::visit_path_values`] and [`wire::parse_view`] give on one thread. A few
//! chunks are in flight at a time, whatever the length of the file.

use super::file::{self, line_text, FileError, Layout, Opened};
use crate::wire::{self, ParseError, ParsedView};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;
use std::sync::{Condvar, Mutex};

/// Bytes of a chunk (a longer line makes its chunk longer).
pub const CHUNK: usize = 64 << 10;

/// One value: the line it starts on and its view (or why it is not one).
pub type Value<'a> = (usize, Result<ParsedView<'a>, ParseError>);

/// A chunk of whole lines with its values decoded as views of its text. Batches go
/// round: cut and decoded by a decoder, handed over, and back to that decoder empty, so
/// their buffers are allocated once.
#[derive(Default)]
struct Batch {
    // Declared before `text`, so dropped before it: the views borrow from it.
    values: Vec<Value<'static>>,
    /// Changed only while `values` is empty (see `text_mut`); moving the `Vec` does not
    /// move its heap buffer, which the views borrow. Kept at its longest, so reading into
    /// it again writes no zeros first: the chunk is its first `len` bytes.
    text: Vec<u8>,
    len: usize,
    /// The file's line number of the text's first line.
    first: usize,
}

impl Batch {
    /// The text, to be filled (the values are dropped first).
    fn text_mut(&mut self) -> &mut Vec<u8> {
        self.values.clear();
        &mut self.text
    }

    /// Decodes the lines of the text.
    fn decode(&mut self) {
        self.values.clear();
        let mut n = self.first - 1;
        for raw in file::lines_of(&self.text[..self.len]) {
            n += 1;
            // SAFETY: `raw` is in `text`'s heap buffer, which is neither changed nor
            // freed while `values` holds views (see `text`).
            let raw: &'static [u8] = unsafe { &*(raw as *const [u8]) };
            if let Some(value) = line_value(raw, n == 1) {
                self.values.push((n, value));
            }
        }
    }

    /// Hands the values over in order; they borrow the batch.
    fn values(&mut self) -> std::vec::Drain<'_, Value<'_>> {
        self.values.drain(..)
    }
}

/// The value of one line of a JSON Lines file (`None`: a blank line), as
/// [`wire::parse_view`] of its [`line_text`] gives it: decoded from the line's bytes
/// when the fast decoder takes them (no UTF-8 pass over the line first: the decoder
/// checks each string), else from its text, read lossily where it is not UTF-8.
fn line_value(raw: &[u8], first: bool) -> Option<Result<ParsedView<'_>, ParseError>> {
    if let Some(view) = wire::scan::scan_bytes(file::line_bytes(raw, first)) {
        return Some(Ok(view));
    }
    let line = line_text(raw, first);
    if line.trim().is_empty() {
        return None;
    }
    Some(match line {
        // The fast decoder declined these very bytes: serde decodes them.
        Cow::Borrowed(l) => wire::parse_with_serde(l).map(ParsedView::from),
        Cow::Owned(l) => wire::parse_view(&l).map(|v| ParsedView::from(v.into_owned())),
    })
}

/// Hands each value of the file at `path` to `f` parsed into a view, in file order,
/// with the values decoded after it that are at hand (none, or some of those next: for
/// `f` to start loading what they will need). With `decoders` > 0 and a JSON Lines
/// file, the reading and decoding run on that many threads beside the caller's;
/// otherwise everything runs on the caller's.
pub fn visit_path_views(
    path: &Path,
    decoders: usize,
    f: impl FnMut(usize, Result<ParsedView<'_>, ParseError>, &[Value<'_>]),
) -> Result<Layout, FileError> {
    visit_chunked(path, decoders, CHUNK, f)
}

/// [`visit_path_views`] with chunks of `chunk` bytes.
fn visit_chunked(
    path: &Path,
    decoders: usize,
    chunk: usize,
    mut f: impl FnMut(usize, Result<ParsedView<'_>, ParseError>, &[Value<'_>]),
) -> Result<Layout, FileError> {
    let (head, rest) = match file::open(path)? {
        Opened::Whole(bytes) => {
            let parsed =
                |n, text: Result<&str, ParseError>| f(n, text.and_then(wire::parse_view), &[]);
            return file::text_of(bytes, path, |text| file::visit_values(text, parsed));
        }
        Opened::Lines { head, rest } => (head, rest),
    };
    let mut buf = head;
    buf.extend_from_slice(rest.buffer());
    let mut cutter = Cutter::new(rest.into_inner(), buf, chunk);
    let io = |error| FileError::Io {
        path: path.display().to_string(),
        error,
    };
    if decoders == 0 {
        // Chunk by chunk on this thread: each decoded whole before its values are
        // handed over, so `f` sees those after each.
        let mut batch = Batch::default();
        while cutter.next(&mut batch).map_err(io)? {
            batch.decode();
            hand_over(&mut batch, &mut f);
        }
        return Ok(Layout::Lines);
    }
    // Each decoder cuts its chunks itself, in turn: chunk `i` is decoder `i % decoders`'s.
    let turn = Turn {
        state: Mutex::new(Cutting {
            cutter,
            next: 0,
            over: false,
            error: None,
        }),
        changed: Condvar::new(),
    };
    let handoffs: Vec<Handoff> = (0..decoders).map(|_| Handoff::default()).collect();
    std::thread::scope(|scope| {
        for (k, handoff) in handoffs.iter().enumerate() {
            let turn = &turn;
            scope.spawn(move || {
                let _done = Done(handoff, turn);
                let mut batch = handoff.spare();
                while turn.cut(k, decoders, &mut batch) {
                    batch.decode();
                    if !handoff.give(batch) {
                        break;
                    }
                    batch = handoff.spare();
                }
            });
        }
        let _gone = Gone(&handoffs);
        // Taking the decoders' batches round in turn gives the file's order; the first
        // decoder done is past the last chunk.
        let mut used = None;
        for i in 0.. {
            let Some(mut batch) = handoffs[i % decoders].take(used.take()) else {
                break;
            };
            hand_over(&mut batch, &mut f);
            used = Some(batch);
        }
    });
    let error = turn.state.into_inner().map(|c| c.error);
    match error.unwrap_or_else(|e| e.into_inner().error) {
        Some(error) => Err(io(error)),
        None => Ok(Layout::Lines),
    }
}

/// Whose turn it is to cut the next chunk of the file.
struct Turn<R> {
    state: Mutex<Cutting<R>>,
    /// Signalled when a chunk was cut, or cutting is over.
    changed: Condvar,
}

struct Cutting<R> {
    cutter: Cutter<R>,
    /// The number of the chunk cut next.
    next: usize,
    /// No chunk comes after those cut: the end of the file, an error, or a decoder
    /// stopped.
    over: bool,
    error: Option<std::io::Error>,
}

impl<R: Read> Turn<R> {
    /// Waits for decoder `k`'s turn (of `decoders`), and cuts the next chunk into
    /// `batch`; false once cutting is over.
    fn cut(&self, k: usize, decoders: usize, batch: &mut Batch) -> bool {
        let mut c = self.state.lock().expect("the cutting's lock");
        while c.next % decoders != k && !c.over {
            c = self.changed.wait(c).expect("the cutting's lock");
        }
        if c.over {
            return false;
        }
        match c.cutter.next(batch) {
            Ok(true) => c.next += 1,
            Ok(false) => c.over = true,
            Err(e) => {
                c.error = Some(e);
                c.over = true;
            }
        }
        if decoders > 1 {
            self.changed.notify_all();
        }
        !c.over
    }

    /// Ends the cutting (a decoder stopped).
    fn end(&self) {
        let mut c = self.state.lock().unwrap_or_else(|e| e.into_inner());
        c.over = true;
        self.changed.notify_all();
    }
}

/// Decoded batches on their way from one decoder to the caller, a few at a time. A
/// decoder that finds no room waits, and is woken once most of the room is free: one
/// wake-up for several batches, where a channel wakes it for each (a system call on the
/// caller's thread, which sets the pace, and an interrupt on a virtual machine).
#[derive(Default)]
struct Handoff {
    state: Mutex<Handing>,
    /// Signalled when the decoder may go on (room, or the caller is gone).
    room: Condvar,
    /// Signalled when the caller may go on (a batch, or the decoder is done).
    ready: Condvar,
}

#[derive(Default)]
struct Handing {
    batches: VecDeque<Batch>,
    /// Batches the caller is done with, for the decoder to fill again.
    spare: Vec<Batch>,
    /// The decoder is waiting for room.
    giver_waits: bool,
    /// The caller is waiting for a batch.
    taker_waits: bool,
    /// The decoder is done: no batch comes after those queued.
    done: bool,
    /// The caller takes no more.
    gone: bool,
}

impl Handoff {
    /// Batches queued at most.
    const ROOM: usize = 4;
    /// A waiting decoder is woken when no more are queued.
    const LOW: usize = 1;

    /// Queues a decoded batch; false when the caller takes no more.
    fn give(&self, batch: Batch) -> bool {
        let mut h = self.state.lock().expect("a handoff's lock");
        while h.batches.len() >= Self::ROOM && !h.gone {
            h.giver_waits = true;
            h = self.room.wait(h).expect("a handoff's lock");
        }
        if h.gone {
            return false;
        }
        h.batches.push_back(batch);
        if std::mem::take(&mut h.taker_waits) {
            self.ready.notify_one();
        }
        true
    }

    /// A batch to fill: one the caller is done with, or a new one.
    fn spare(&self) -> Batch {
        let mut h = self.state.lock().expect("a handoff's lock");
        h.spare.pop().unwrap_or_default()
    }

    /// The next batch, handing back the one `used` before; `None` once the decoder is
    /// done and all are taken.
    fn take(&self, used: Option<Batch>) -> Option<Batch> {
        let mut h = self.state.lock().expect("a handoff's lock");
        h.spare.extend(used);
        loop {
            if let Some(batch) = h.batches.pop_front() {
                if h.batches.len() <= Self::LOW && std::mem::take(&mut h.giver_waits) {
                    self.room.notify_one();
                }
                return Some(batch);
            }
            if h.done {
                return None;
            }
            h.taker_waits = true;
            h = self.ready.wait(h).expect("a handoff's lock");
        }
    }
}

/// Marks its decoder done when dropped (at its end, or in a panic), and ends the
/// cutting: the others stop too.
struct Done<'a, R: Read>(&'a Handoff, &'a Turn<R>);

impl<R: Read> Drop for Done<'_, R> {
    fn drop(&mut self) {
        self.1.end();
        let mut h = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        h.done = true;
        self.0.ready.notify_one();
    }
}

/// Tells the decoders the caller takes no more when dropped (at its end, or in a panic).
struct Gone<'a>(&'a [Handoff]);

impl Drop for Gone<'_> {
    fn drop(&mut self) {
        for handoff in self.0 {
            let mut h = handoff.state.lock().unwrap_or_else(|e| e.into_inner());
            h.gone = true;
            handoff.room.notify_one();
        }
    }
}

/// Hands the values of a decoded batch to `f` in order, each with those after it.
fn hand_over(
    batch: &mut Batch,
    f: &mut impl FnMut(usize, Result<ParsedView<'_>, ParseError>, &[Value<'_>]),
) {
    let mut values = batch.values();
    while let Some((n, value)) = values.next() {
        f(n, value, values.as_slice());
    }
}

/// Cuts `r`, after `head` (the file so far), into chunks of whole lines, numbered from
/// line 1.
struct Cutter<R> {
    r: R,
    /// Text read past the last chunk cut, from `at` on: the start of the next.
    rest: Vec<u8>,
    at: usize,
    /// The file's line number of the rest's first line.
    first: usize,
    chunk: usize,
    eof: bool,
}

impl<R: Read> Cutter<R> {
    fn new(r: R, head: Vec<u8>, chunk: usize) -> Cutter<R> {
        Cutter {
            r,
            rest: head,
            at: 0,
            first: 1,
            chunk,
            eof: false,
        }
    }

    /// Cuts the next chunk into `batch` (dropping what it held); false at the end.
    fn next(&mut self, batch: &mut Batch) -> std::io::Result<bool> {
        let buf = batch.text_mut();
        let mut want = self.chunk;
        let mut filled = 0;
        let end = loop {
            if buf.len() < want {
                buf.resize(want, 0);
            }
            // The rest first (a head read ahead may hold many chunks), then the reader.
            let rest = &self.rest[self.at..];
            let taken = rest.len().min(want - filled);
            buf[filled..filled + taken].copy_from_slice(&rest[..taken]);
            self.at += taken;
            filled += taken;
            if filled < want && !self.eof {
                let got = fill(&mut self.r, &mut buf[filled..want])?;
                self.eof = filled + got < want;
                filled += got;
            }
            if filled < want {
                break filled;
            }
            match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(at) => break at + 1,
                // One line longer than a chunk: read on to its end.
                None => want += self.chunk,
            }
        };
        // What follows the cut is the start of the next chunk.
        let back = filled - end;
        if self.at == self.rest.len() {
            self.rest.clear();
            self.at = 0;
            self.rest.extend_from_slice(&buf[end..filled]);
        } else {
            // All of this chunk came from the rest: step back over what follows the cut.
            self.at -= back;
        }
        let lines = memchr::memchr_iter(b'\n', &buf[..end]).count();
        batch.len = end;
        batch.first = self.first;
        self.first += lines;
        Ok(end > 0)
    }
}

/// Reads into `buf` until it is full or the input ends; the bytes read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the text of each line gives (`file::visit_path_values` and
    /// `wire::parse_view`: the line checked UTF-8, or read lossily, first).
    fn by_text(path: &Path) -> Vec<String> {
        let mut v = Vec::new();
        let layout = file::visit_path_values(path, |n, t| {
            v.push(format!(
                "{n} {:?}",
                t.and_then(wire::parse_view).map(ParsedView::into_owned)
            ))
        })
        .unwrap();
        v.push(format!("{layout:?}"));
        v
    }

    /// What the values of `path` give: line, and the owned value or the error's text.
    fn seen(path: &Path, decoders: usize, chunk: usize) -> Vec<String> {
        let mut v = Vec::new();
        let layout = visit_chunked(path, decoders, chunk, |n, p, _| {
            v.push(format!("{n} {:?}", p.map(ParsedView::into_owned)))
        })
        .unwrap();
        v.push(format!("{layout:?}"));
        v
    }

    #[test]
    fn chunked_decoding_gives_the_values_of_one_thread_in_file_order() {
        let event = |i: usize| {
            format!(
                r#"{{"body":{{"telephonySessionId":"s-{i}","sequence":{i},"eventTime":"2024-01-01T00:00:{:02}.000Z","parties":[{{"id":"p-{i}-1","status":{{"code":"Proceeding"}},"from":{{"name":"Ann {}"}}}}]}}}}"#,
                i % 60,
                "x".repeat(i % 7 * 40)
            )
        };
        let mut text = Vec::from("\u{feff}\n".as_bytes());
        for i in 0..300 {
            text.extend_from_slice(event(i).as_bytes());
            text.extend_from_slice(match i % 5 {
                0 => b"\r\n".as_slice(),
                1 => b"\n\n   \n",
                _ => b"\n",
            });
            match i {
                50 => text.extend_from_slice(b"{not json\n"),
                // Not UTF-8: read lossily, as the whole file would be.
                90 => text.extend_from_slice(
                    b"{\"body\":{\"telephonySessionId\":\"s-\xff\",\"parties\":[]}}\n",
                ),
                // One line far longer than a chunk.
                120 => {
                    let long = event(1).replace("Ann", &"A".repeat(5000));
                    text.extend_from_slice(long.as_bytes());
                    text.push(b'\n');
                }
                _ => {}
            }
        }
        text.extend_from_slice(event(999).as_bytes()); // no newline at the end
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), &text).unwrap();
        let one = by_text(f.path());
        assert_eq!(
            one.len(),
            300 + 4 + 1,
            "every value, the bad ones and the layout"
        );
        assert!(one.iter().any(|v| v.contains("s-\u{fffd}")));
        for decoders in [0, 1, 2, 3] {
            for chunk in [64, 1000, 4096, CHUNK] {
                assert_eq!(seen(f.path(), decoders, chunk), one, "{decoders} {chunk}");
            }
        }
    }

    /// A file of `n` notifications, one a line.
    fn notifications(n: usize) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let line =
            |i: usize| format!(r#"{{"body":{{"telephonySessionId":"s-{i}","parties":[]}}}}"#);
        let text: Vec<String> = (0..n).map(line).collect();
        std::fs::write(f.path(), text.join("\n")).unwrap();
        f
    }

    /// Each value comes with some of those after it, in file order: the next ones of
    /// its chunk, on one thread and on several.
    #[test]
    fn each_value_comes_with_the_values_after_it() {
        let f = notifications(200);
        for decoders in [0, 1, 2] {
            let mut lines = Vec::new();
            let mut after = Vec::new();
            visit_chunked(f.path(), decoders, 1000, |n, _, next| {
                lines.push(n);
                after.push(next.iter().map(|(m, _)| *m).collect::<Vec<_>>());
            })
            .unwrap();
            assert_eq!(lines, (1..=200).collect::<Vec<_>>());
            for (k, next) in after.iter().enumerate() {
                assert_eq!(next[..], lines[k + 1..k + 1 + next.len()], "{decoders} {k}");
            }
            let ahead: usize = after.iter().map(Vec::len).sum();
            assert!(ahead > 200, "{decoders}: values came with those after them");
        }
    }

    #[test]
    fn a_caller_that_stops_in_a_panic_leaves_no_decoder_waiting() {
        let f = notifications(2000);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for decoders in [1, 2, 3] {
                // Small chunks: the decoders fill their room and wait while the caller
                // panics.
                let stopped = std::panic::catch_unwind(|| {
                    visit_chunked(f.path(), decoders, 200, |n, _, _| {
                        assert!(n < 100, "stop");
                    })
                });
                let _ = tx.send((decoders, stopped.is_err()));
            }
        });
        for decoders in [1, 2, 3] {
            // A deadlock, not a slow machine: each run takes milliseconds.
            let wait = std::time::Duration::from_secs(60);
            let got = rx
                .recv_timeout(wait)
                .expect("the decoders were left waiting");
            assert_eq!(got, (decoders, true), "the panic came through");
        }
    }

    #[test]
    fn a_first_line_with_a_byte_order_mark_and_text_that_is_not_utf8_decode_as_text() {
        let f = tempfile::NamedTempFile::new().unwrap();
        let mut text = "\u{feff}{\"body\":{\"telephonySessionId\":\"s-1\",\"parties\":[]}}\r\n"
            .as_bytes()
            .to_vec();
        // Not UTF-8 in a field the decoder skips, and in one it keeps; then Latin-1 text.
        text.extend_from_slice(
            b"{\"body\":{\"telephonySessionId\":\"s-2\",\"x\":\"\xe9\",\"parties\":[]}}\n",
        );
        text.extend_from_slice(b"{\"body\":{\"telephonySessionId\":\"s-\xe9\",\"parties\":[]}}\n");
        text.extend_from_slice(
            "{\"body\":{\"telephonySessionId\":\"s-é\",\"parties\":[]}}".as_bytes(),
        );
        std::fs::write(f.path(), &text).unwrap();
        let want = by_text(f.path());
        assert_eq!(want.len(), 5);
        for decoders in [0, 1, 2] {
            assert_eq!(seen(f.path(), decoders, 64), want, "{decoders}");
        }
    }

    #[test]
    fn files_that_are_not_json_lines_are_read_whole_as_on_one_thread() {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            f.path(),
            "[\n{\"body\":{\"telephonySessionId\":\"s-1\",\"parties\":[]}},\n{\"body\":{\"telephonySessionId\":\"s-2\",\"parties\":[]}}\n]\n",
        )
        .unwrap();
        let one = seen(f.path(), 0, CHUNK);
        assert_eq!(one.last().unwrap(), "Array");
        assert_eq!(seen(f.path(), 2, 64), one);
    }
}
