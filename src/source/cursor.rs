//! A recording read from any position: JSON Lines (every calltop recording) straight
//! from disk by byte offset, so a file of any size costs a read buffer; any other
//! layout (a pretty-printed or array capture, small by nature) cut into values in
//! memory. A last line without its newline is handed over marked `unterminated`, or,
//! when following a file being written, kept back until its newline arrives.

use super::file::{self, is_lines_head, line_text, FileError};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the next value of a recording is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// Values before it.
    pub value: u64,
    /// Its byte offset (JSON Lines) or its number (values held in memory).
    pub offset: u64,
    /// Lines before it (blank ones included).
    pub line: u64,
}

/// One value of a file held in memory: the line it starts on and its text, or why it
/// could not be cut out.
#[derive(Clone, Debug)]
pub struct Held {
    line: usize,
    text: Result<String, String>,
}

/// How a recording's values are read.
#[derive(Clone, Debug)]
pub enum Layout {
    /// JSON Lines, from disk.
    Lines(PathBuf),
    /// Any other layout, cut into values once.
    Held(Arc<[Held]>),
}

impl Layout {
    /// Looks at a file: JSON Lines when its first line that is not blank says so (an
    /// empty file is JSON Lines still to be written), else its values read whole.
    pub fn of(path: &Path) -> Result<Layout, FileError> {
        let io = |error| FileError::Io {
            path: path.display().to_string(),
            error,
        };
        let mut r = BufReader::new(File::open(path).map_err(io)?);
        let mut buf = Vec::new();
        let mut first = true;
        loop {
            buf.clear();
            if r.read_until(b'\n', &mut buf).map_err(io)? == 0 {
                return Ok(Layout::Lines(path.to_path_buf()));
            }
            let line = line_text(&buf, first);
            first = false;
            if !line.trim().is_empty() {
                if is_lines_head(&line) {
                    return Ok(Layout::Lines(path.to_path_buf()));
                }
                break;
            }
        }
        let mut held = Vec::new();
        file::with_text(path, |text| {
            file::visit_values(text, |line, v| {
                let text = v.map(str::to_string).map_err(|e| e.to_string());
                held.push(Held { line, text })
            })
        })?;
        Ok(Layout::Held(held.into()))
    }

    /// True for JSON Lines read from disk.
    pub fn is_lines(&self) -> bool {
        matches!(self, Layout::Lines(_))
    }
}

/// One value as read: the line it starts on, its text (or why it could not be cut
/// out), and whether it is a last line without its newline.
#[derive(Debug)]
pub struct Raw<'a> {
    pub line: usize,
    pub text: Result<Cow<'a, str>, &'a str>,
    pub unterminated: bool,
}

/// Reads a recording's values from a position, one at a time: [`Cursor::peek`] reads
/// the next one and keeps it until [`Cursor::consume`].
#[derive(Debug)]
pub struct Cursor {
    layout: Layout,
    reader: Option<BufReader<File>>,
    pos: Position,
    /// The next line's bytes (a partial last line waits here while following).
    buf: Vec<u8>,
    /// `buf` holds a whole line (or a last one, when not following).
    ready: bool,
    follow: bool,
}

impl Cursor {
    /// A cursor at the start of the recording; `follow` waits for a last line's
    /// newline instead of handing it over.
    pub fn new(layout: Layout, follow: bool) -> Cursor {
        Cursor {
            layout,
            reader: None,
            pos: Position::default(),
            buf: Vec::new(),
            ready: false,
            follow,
        }
    }

    /// How the recording is read.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Where the next value is.
    pub fn position(&self) -> Position {
        self.pos
    }

    /// Moves to a position (one this cursor or another over the same file gave).
    pub fn seek(&mut self, pos: Position) {
        self.pos = pos;
        self.buf.clear();
        self.ready = false;
        if let Some(r) = &mut self.reader {
            if r.seek(SeekFrom::Start(pos.offset)).is_err() {
                self.reader = None;
            }
        }
    }

    /// The next value, kept until [`Cursor::consume`]; `None` at the end (for now,
    /// when following). Blank lines are passed over.
    pub fn peek(&mut self) -> std::io::Result<Option<Raw<'_>>> {
        let path = match &self.layout {
            Layout::Held(values) => {
                return Ok(values.get(self.pos.offset as usize).map(|v| Raw {
                    line: v.line,
                    text: v
                        .text
                        .as_ref()
                        .map(|t| Cow::Borrowed(t.as_str()))
                        .map_err(String::as_str),
                    unterminated: false,
                }))
            }
            Layout::Lines(path) => path,
        };
        while !self.ready {
            if self.reader.is_none() {
                let mut r = BufReader::with_capacity(1 << 18, File::open(path)?);
                r.seek(SeekFrom::Start(self.pos.offset + self.buf.len() as u64))?;
                self.reader = Some(r);
            }
            let r = self.reader.as_mut().expect("opened above");
            let n = r.read_until(b'\n', &mut self.buf)?;
            let whole = n > 0 && self.buf.last() == Some(&b'\n');
            // The end; a partial last line waits while following (it is being written).
            if !whole && (self.follow || self.buf.is_empty()) {
                return Ok(None);
            }
            if line_text(&self.buf, self.pos.offset == 0).trim().is_empty() {
                self.pos.offset += self.buf.len() as u64;
                self.pos.line += 1;
                self.buf.clear();
            } else {
                self.ready = true;
            }
        }
        Ok(Some(Raw {
            line: self.pos.line as usize + 1,
            text: Ok(line_text(&self.buf, self.pos.offset == 0)),
            unterminated: self.buf.last() != Some(&b'\n'),
        }))
    }

    /// Moves past the value [`Cursor::peek`] gave.
    pub fn consume(&mut self) {
        match &self.layout {
            Layout::Held(_) => self.pos.offset += 1,
            Layout::Lines(_) => {
                if !self.ready {
                    return;
                }
                self.skip_line();
            }
        }
        self.pos.value += 1;
    }

    fn skip_line(&mut self) {
        self.pos.offset += self.buf.len() as u64;
        self.pos.line += 1;
        self.buf.clear();
        self.ready = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(c: &mut Cursor) -> Vec<(usize, String, bool, Position)> {
        let mut out = Vec::new();
        loop {
            let pos = c.position();
            let Some(raw) = c.peek().unwrap() else { break };
            let text = raw
                .text
                .map_or_else(|e| format!("ERR {e}"), Cow::into_owned);
            out.push((raw.line, text, raw.unterminated, pos));
            c.consume();
        }
        out
    }

    #[test]
    fn lines_with_positions_from_any_of_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        std::fs::write(&path, "\u{feff}{\"a\":1}\r\n\n{\"b\":2}\n  \n{\"c\":3}").unwrap();
        let layout = Layout::of(&path).unwrap();
        assert!(layout.is_lines());
        let mut c = Cursor::new(layout.clone(), false);
        let got = all(&mut c);
        let lines: Vec<(usize, &str, bool)> = got
            .iter()
            .map(|(l, t, u, _)| (*l, t.as_str(), *u))
            .collect();
        assert_eq!(
            lines,
            vec![
                (1, "{\"a\":1}", false),
                (3, "{\"b\":2}", false),
                (5, "{\"c\":3}", true)
            ]
        );
        // The same values from each one's position.
        for (i, (_, _, _, pos)) in got.iter().enumerate() {
            let mut d = Cursor::new(layout.clone(), false);
            d.seek(*pos);
            let rest: Vec<String> = all(&mut d).into_iter().map(|v| v.1).collect();
            let want: Vec<String> = got[i..].iter().map(|v| v.1.clone()).collect();
            assert_eq!(rest, want);
            assert_eq!(d.position().value, 3);
        }
    }

    #[test]
    fn following_waits_for_a_line_being_written() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        let mut f = std::fs::File::create(&path).unwrap();
        let mut c = Cursor::new(Layout::of(&path).unwrap(), true);
        assert!(c.peek().unwrap().is_none(), "an empty file waits");
        f.write_all(b"{\"a\":1}\n{\"b\":").unwrap();
        f.flush().unwrap();
        assert_eq!(all(&mut c).len(), 1, "the cut line is not handed over");
        f.write_all(b"2}\n").unwrap();
        f.flush().unwrap();
        let got = all(&mut c);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].0, got[0].1.as_str(), got[0].2),
            (2, "{\"b\":2}", false)
        );
        assert_eq!(c.position().value, 2);
    }

    #[test]
    fn other_layouts_are_held_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, "{\n \"a\": 1\n}\n{\n \"b\": [oops\n}\n{\"c\":3}\n").unwrap();
        let mut c = Cursor::new(Layout::of(&path).unwrap(), false);
        let got: Vec<(usize, bool)> = all(&mut c)
            .into_iter()
            .map(|(l, t, _, _)| (l, t.starts_with("ERR")))
            .collect();
        assert_eq!(got, vec![(1, false), (4, true), (7, false)]);
    }
}
