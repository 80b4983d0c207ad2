//! A file's values decoded on other threads: a reader cuts a JSON Lines file into
//! chunks of whole lines, decoders turn each chunk into views of its values, and the
//! caller gets them in file order — the values, line numbers and errors that
//! [`file::visit_path_values`] and [`wire::parse_view`] give on one thread. A few
//! chunks are in flight at a time, whatever the length of the file.

use super::file::{self, line_text, FileError, Layout, Opened};
use crate::wire::{self, ParseError, ParsedView};
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc;

/// Bytes of a chunk (a longer line makes its chunk longer).
pub const CHUNK: usize = 64 << 10;

/// One value: the line it starts on and its view (or why it is not one).
pub type Value<'a> = (usize, Result<ParsedView<'a>, ParseError>);

/// A chunk of whole lines with its values decoded as views of its text. Batches go
/// round: filled by the reader, decoded, handed over, and back to the reader empty, so
/// their buffers are allocated once.
#[derive(Default)]
struct Batch {
    // Declared before `text`, so dropped before it: the views borrow from it.
    values: Vec<Value<'static>>,
    /// Changed only while `values` is empty (see `text_mut`); moving the `Vec` does not
    /// move its heap buffer, which the views borrow.
    text: Vec<u8>,
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
        for raw in file::lines_of(&self.text) {
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
    let rest = rest.into_inner();
    let io = |error| FileError::Io {
        path: path.display().to_string(),
        error,
    };
    if decoders == 0 {
        // Chunk by chunk on this thread: each decoded whole before its values are
        // handed over, so `f` sees those after each.
        let spare = std::cell::Cell::new(None);
        let decode = |mut batch: Batch| {
            batch.decode();
            hand_over(&mut batch, &mut f);
            spare.set(Some(batch));
            true
        };
        cut(rest, buf, chunk, decode, || spare.take()).map_err(io)?;
        return Ok(Layout::Lines);
    }
    let read = std::thread::scope(|scope| {
        let (spare_tx, spare_rx) = mpsc::channel::<Batch>();
        let mut to_decoders = Vec::new();
        let mut from_decoders = Vec::new();
        for _ in 0..decoders {
            let (tx, rx) = mpsc::sync_channel::<Batch>(1);
            let (batch_tx, batch_rx) = mpsc::sync_channel::<Batch>(1);
            scope.spawn(move || {
                for mut batch in rx {
                    batch.decode();
                    if batch_tx.send(batch).is_err() {
                        break;
                    }
                }
            });
            to_decoders.push(tx);
            from_decoders.push(batch_rx);
        }
        let mut sent = 0;
        // Handed to the decoders in turn; false once the caller stopped taking values.
        let send = move |batch| {
            let to = &to_decoders[sent % decoders];
            sent += 1;
            to.send(batch).is_ok()
        };
        let reader = scope.spawn(move || cut(rest, buf, chunk, send, || spare_rx.try_recv().ok()));
        // Chunk `i` went to decoder `i % decoders`: taking them round in the same order
        // gives the file's order; the first decoder to hang up is past the last chunk.
        for i in 0.. {
            let Ok(mut batch) = from_decoders[i % decoders].recv() else {
                break;
            };
            hand_over(&mut batch, &mut f);
            // The reader may be done: then the batch is not needed.
            let _ = spare_tx.send(batch);
        }
        reader.join().expect("the file reader panicked")
    });
    read.map_err(io)?;
    Ok(Layout::Lines)
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

/// Reads `r` after `head` (the file so far) into chunks of whole lines, numbered from
/// line 1, each handed to `send` (false: the caller stopped taking values), in the
/// batches `spare` gives back when there are.
fn cut(
    mut r: impl Read,
    head: Vec<u8>,
    chunk: usize,
    mut send: impl FnMut(Batch) -> bool,
    mut spare: impl FnMut() -> Option<Batch>,
) -> std::io::Result<()> {
    let mut batch = Batch {
        text: head,
        first: 1,
        ..Batch::default()
    };
    let mut want = chunk;
    loop {
        let buf = batch.text_mut();
        let eof = fill(&mut r, buf, want)?;
        let end = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', buf) {
                Some(at) => at + 1,
                None => {
                    // One line longer than a chunk: read on to its end.
                    want = buf.len() + chunk;
                    continue;
                }
            }
        };
        want = chunk;
        let first = batch.first;
        let buf = batch.text_mut();
        let mut next = spare().unwrap_or_default();
        let rest = next.text_mut();
        rest.clear();
        rest.extend_from_slice(&buf[end..]);
        buf.truncate(end);
        next.first = first + memchr::memchr_iter(b'\n', buf).count();
        if !buf.is_empty() && !send(batch) {
            return Ok(());
        }
        if eof {
            return Ok(());
        }
        batch = next;
    }
}

/// Reads into `buf` until it holds `want` bytes; true at the end of the input.
fn fill(r: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    while buf.len() < want {
        let had = buf.len();
        buf.resize(want, 0);
        let got = r.read(&mut buf[had..]);
        buf.truncate(had + *got.as_ref().unwrap_or(&0));
        match got {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
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

    /// Each value comes with some of those after it, in file order: the next ones of
    /// its chunk, on one thread and on several.
    #[test]
    fn each_value_comes_with_the_values_after_it() {
        let f = tempfile::NamedTempFile::new().unwrap();
        let line =
            |i: usize| format!(r#"{{"body":{{"telephonySessionId":"s-{i}","parties":[]}}}}"#);
        let text: Vec<String> = (0..200).map(line).collect();
        std::fs::write(f.path(), text.join("\n")).unwrap();
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
