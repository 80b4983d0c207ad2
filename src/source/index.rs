//! The index of a recording: one pass over it that keeps a keyframe (the whole store,
//! [`crate::core::keyframe`]) every [`EVERY_VALUES`] values or [`EVERY_MS`] of stream
//! time, with the position of the next value, so a replay restores the nearest
//! keyframe and applies at most that many values to reach any moment.
//!
//! A JSON Lines recording of [`CACHE_FROM_BYTES`] or more has its index cached in a
//! file under the user's cache directory (`$XDG_CACHE_HOME/calltop/index/`, one per
//! recording path), written as the pass goes (`…​.tmp-PID`) and renamed into place
//! once it ends. The file: a header (`calltop-index`, format, keyframe version), then
//! one record per keyframe (`K`, its length, the position it was taken at, the
//! keyframe's bytes), then the end record (`E`: JSON naming the recording — canonical
//! path, size, modification time, a hash of its first 64 KiB — the store config, the
//! summary of the pass and the keyframe table), then where `E` starts and `CTIXEND1`.
//! An index is used only if all of that matches the recording as it is now; a
//! keyframe only if its record repeats the table's position and its own checksum
//! holds. Anything else is rebuilt, never trusted. Smaller files, other layouts and
//! files being followed keep their keyframes in memory or unfinished.

use super::cursor::{Cursor, Layout, Position, Raw};
use super::feed::{BadValues, Feed};
use crate::core::{keyframe, SessionStore, StoreConfig};
use crate::wire::{self, ParseError, ParsedView, Ts};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

/// A keyframe at least every this many values…
pub const EVERY_VALUES: u64 = 10_000;
/// …and every this much stream time (ms).
pub const EVERY_MS: i64 = 600_000;

/// How far apart keyframes are: at most this many values or this much stream time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spacing {
    pub values: u64,
    pub ms: i64,
}

impl Default for Spacing {
    fn default() -> Self {
        Spacing {
            values: EVERY_VALUES,
            ms: EVERY_MS,
        }
    }
}
/// JSON Lines files from this size on have their index cached on disk.
pub const CACHE_FROM_BYTES: u64 = 8 << 20;

const MAGIC: &[u8; 16] = b"calltop-index\0\0\0";
const FORMAT: u32 = 1;
const HEADER: u64 = 24;
const END: &[u8; 8] = b"CTIXEND1";
/// A `K` record's tag, length and position before the keyframe's bytes.
const K_HEAD: u64 = 1 + 8 + 32;

/// A recording read on the stream clock: where it is, and the feed applying it.
#[derive(Debug)]
pub struct Player {
    pub cursor: Cursor,
    pub feed: Feed,
    /// The next value's stream time, once read.
    due: Option<Ts>,
    /// A recording of several accounts': the account of each line.
    accounts: Option<Arc<LineAccounts>>,
}

/// The account of each line of a recording made of several accounts' (`replay A B …`,
/// [`merge`](super::merge)): the agents and queues a line adds are claimed for its
/// account ([`crate::core::center::Center::claim`]), as a board over several accounts'
/// relays claims them.
#[derive(Debug, Default)]
pub struct LineAccounts {
    pub names: Vec<String>,
    /// Index into `names` of line 1, 2, …
    pub of_line: Vec<u16>,
}

impl LineAccounts {
    /// The account of a line (numbered from 1).
    pub fn of(&self, line: usize) -> Option<&str> {
        let i = *self.of_line.get(line.checked_sub(1)?)?;
        self.names.get(usize::from(i)).map(String::as_str)
    }
}

/// The next value parsed (`None`: it could not be cut out) and its stream time.
type Parsed<'a> = (Option<Result<ParsedView<'a>, ParseError>>, Ts);

impl Player {
    /// At the start of a recording; values before the first stream time take `start`.
    pub fn new(cursor: Cursor, start: Ts, accounts: Option<Arc<LineAccounts>>) -> Player {
        Player {
            cursor,
            feed: Feed::new(start),
            due: None,
            accounts,
        }
    }

    /// Moves to a keyframe's position and clock.
    pub fn at(&mut self, pos: Position, clock: Ts) {
        self.cursor.seek(pos);
        self.feed.clock = clock;
        self.due = None;
    }

    fn parse<'a>(feed: &Feed, raw: &'a Raw<'_>) -> Parsed<'a> {
        let parsed = raw.text.as_ref().ok().map(|t| wire::parse_view(t));
        let due = match &parsed {
            Some(Ok(p)) => feed.due(p),
            _ => feed.clock,
        };
        (parsed, due)
    }

    /// The next value's stream time (`None`: no next value, for now).
    pub fn next_due(&mut self) -> std::io::Result<Option<Ts>> {
        if self.due.is_none() {
            if let Some(raw) = self.cursor.peek()? {
                self.due = Some(Self::parse(&self.feed, &raw).1);
            }
        }
        Ok(self.due)
    }

    /// Applies the next value if it is due by `until` (any, without): its stream time,
    /// or `None` when there is none due. A last line cut short (being written) that
    /// does not parse is passed over, not counted as malformed.
    pub fn apply_next(
        &mut self,
        store: &mut SessionStore,
        until: Option<Ts>,
    ) -> std::io::Result<Option<Ts>> {
        let Some(raw) = self.cursor.peek()? else {
            self.due = None;
            return Ok(None);
        };
        let (parsed, due) = Self::parse(&self.feed, &raw);
        if until.is_some_and(|u| due > u) {
            self.due = Some(due);
            return Ok(None);
        }
        match (parsed, &raw.text) {
            (Some(Err(_)), _) if raw.unterminated => {}
            (Some(p), _) => {
                let account = self.accounts.as_ref().and_then(|a| a.of(raw.line));
                let before = store.center().roster_mark();
                self.feed.ingest_view(store, raw.line, p);
                if let Some(account) = account {
                    store.center_mut().claim_since(before, account);
                }
            }
            (None, Err(why)) => self.feed.bad_value(store, raw.line, why.to_string()),
            (None, Ok(_)) => unreachable!("a text is parsed"),
        }
        self.cursor.consume();
        self.due = None;
        Ok(Some(due))
    }
}

/// One keyframe: the position of the value after it, the clock there, and where its
/// bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyframe {
    pub pos: Position,
    pub clock: Ts,
    at: u64,
    len: u64,
}

impl Keyframe {
    /// The empty store before the first value (not stored: any replay can make it).
    pub fn start(clock: Ts) -> Keyframe {
        Keyframe {
            pos: Position::default(),
            clock,
            at: 0,
            len: 0,
        }
    }
}

/// What the pass found in the whole recording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Values (good and bad) and where the one after the last would be.
    pub end_pos: Position,
    pub good: u64,
    pub bad: BadValues,
    pub start: Ts,
    /// The stream clock after the last value.
    pub end: Ts,
}

/// How far the pass has gone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes (values, for a recording held in memory) read, of how many.
    pub done: u64,
    pub of: u64,
    /// Values read and the stream clock after them.
    pub values: u64,
    pub clock: Ts,
    /// The pass is over: the summary is known.
    pub complete: bool,
}

impl Progress {
    /// Percent read (0–100).
    pub fn percent(&self) -> u8 {
        if self.complete {
            100
        } else {
            (self.done.min(self.of) * 100 / self.of.max(1)).min(99) as u8
        }
    }
}

/// Names a recording as it is on disk: an index is for this or not at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Identity {
    path: String,
    size: u64,
    mtime_secs: i64,
    mtime_nanos: u32,
    head: u64,
}

impl Identity {
    fn of(path: &Path) -> std::io::Result<Identity> {
        let meta = std::fs::metadata(path)?;
        let mtime = meta.modified()?;
        let (secs, nanos) = match mtime.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
            Err(e) => (
                -(e.duration().as_secs() as i64),
                e.duration().subsec_nanos(),
            ),
        };
        let mut head = Vec::with_capacity(1 << 16);
        File::open(path)?.take(1 << 16).read_to_end(&mut head)?;
        use std::hash::BuildHasher;
        let hasher =
            std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
        Ok(Identity {
            path: std::fs::canonicalize(path)?.display().to_string(),
            size: meta.len(),
            mtime_secs: secs,
            mtime_nanos: nanos,
            head: hasher.hash_one(&head),
        })
    }
}

/// The `E` record.
#[derive(Debug, Serialize, Deserialize)]
struct EndRecord {
    format: u32,
    keyframe_version: u32,
    identity: Identity,
    config: StoreConfig,
    summary: Summary,
    table: Vec<Keyframe>,
}

/// Where keyframe bytes are kept.
#[derive(Debug)]
enum Blobs {
    Memory(Mutex<Vec<Vec<u8>>>),
    /// The index file (read here; the pass appends to it).
    File {
        file: File,
        path: PathBuf,
    },
}

/// Why a keyframe could not be restored.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("index file: {0}")]
    Io(#[from] std::io::Error),
    #[error("index record does not match its table entry")]
    Mismatch,
    #[error(transparent)]
    Keyframe(#[from] keyframe::KeyframeError),
}

/// The keyframes of one recording, complete or still being built.
#[derive(Debug)]
pub struct Index {
    config: StoreConfig,
    start: Ts,
    table: Mutex<Vec<Keyframe>>,
    summary: Mutex<Option<Summary>>,
    blobs: Blobs,
    progress: watch::Sender<Progress>,
    /// Tells a running pass to stop.
    stop: AtomicBool,
    /// The pass writes this file; removed unless the pass finished it.
    unfinished: Mutex<Option<PathBuf>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Where a recording's index lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndexCache {
    /// Keyframes in memory, nothing written.
    Memory,
    /// Index files in this directory.
    Dir(PathBuf),
}

impl IndexCache {
    /// The user's cache (`$XDG_CACHE_HOME/calltop/index`, else the temp directory) for
    /// a JSON Lines file of [`CACHE_FROM_BYTES`] or more; memory otherwise.
    pub fn for_file(path: &Path) -> IndexCache {
        let big = std::fs::metadata(path).is_ok_and(|m| m.len() >= CACHE_FROM_BYTES);
        if !big {
            return IndexCache::Memory;
        }
        let dir = dirs::cache_dir().unwrap_or_else(std::env::temp_dir);
        IndexCache::Dir(dir.join("calltop").join("index"))
    }

    /// The index file of a recording in this cache.
    fn file_for(&self, id: &Identity) -> Option<PathBuf> {
        let IndexCache::Dir(dir) = self else {
            return None;
        };
        use std::hash::BuildHasher;
        let hasher =
            std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
        let name = Path::new(&id.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Some(dir.join(format!(
            "{name}-{:016x}.calltop-index",
            hasher.hash_one(&id.path)
        )))
    }
}

/// A pass over a recording that fills an [`Index`].
#[derive(Debug)]
pub struct Pass {
    index: Arc<Index>,
    player: Player,
    store: SessionStore,
    follow: bool,
    spacing: Spacing,
    /// The index file being written, and the recording it is for.
    out: Option<(File, u64, PathBuf, Identity)>,
    /// The last keyframe's bytes (their memory reused for the next).
    bytes: Vec<u8>,
}

impl Index {
    /// The index of a recording: the cached one when it matches, else an empty one
    /// and the pass that builds it (to run inline or on a thread). `start` is where
    /// the stream clock starts (the first stream time in the recording).
    pub fn open(
        layout: &Layout,
        config: StoreConfig,
        start: Ts,
        follow: bool,
        cache: &IndexCache,
        spacing: Spacing,
        accounts: Option<Arc<LineAccounts>>,
    ) -> (Arc<Index>, Option<Pass>) {
        let identity = match (layout, follow) {
            (Layout::Lines(path), false) => Identity::of(path).ok(),
            _ => None,
        };
        let cached = identity.as_ref().and_then(|id| cache.file_for(id));
        if let (Some(id), Some(file)) = (&identity, &cached) {
            match Index::load(file, id, config, start) {
                Ok(index) => return (Arc::new(index), None),
                Err(e) => tracing::info!("index {}: {e}; building it", file.display()),
            }
        }
        let out = cached.zip(identity).and_then(|(file, id)| {
            let dir = file.parent()?;
            std::fs::create_dir_all(dir).ok()?;
            static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let tmp = file.with_extension(format!("calltop-index.tmp-{}-{n}", std::process::id()));
            let mut w = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(|e| tracing::warn!("index {}: {e}; keeping it in memory", tmp.display()))
                .ok()?;
            let mut head = MAGIC.to_vec();
            head.extend_from_slice(&FORMAT.to_le_bytes());
            head.extend_from_slice(&keyframe::VERSION.to_le_bytes());
            let read = w.write_all(&head).and_then(|()| File::open(&tmp));
            match read {
                Ok(read) => Some((w, read, tmp, file, id)),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    tracing::warn!("index {}: {e}; keeping it in memory", tmp.display());
                    None
                }
            }
        });
        let (blobs, unfinished, out) = match out {
            Some((w, read, tmp, file, id)) => (
                Blobs::File {
                    file: read,
                    path: tmp.clone(),
                },
                Some(tmp),
                Some((w, HEADER, file, id)),
            ),
            None => (Blobs::Memory(Mutex::default()), None, None),
        };
        let of = match layout {
            Layout::Lines(path) => std::fs::metadata(path).map_or(0, |m| m.len()),
            Layout::Held(values) => values.len() as u64,
        };
        let index = Arc::new(Index {
            config,
            start,
            table: Mutex::default(),
            summary: Mutex::default(),
            blobs,
            progress: watch::channel(Progress {
                of,
                clock: start,
                ..Progress::default()
            })
            .0,
            stop: AtomicBool::new(false),
            unfinished: Mutex::new(unfinished),
        });
        let pass = Pass {
            index: index.clone(),
            player: Player::new(Cursor::new(layout.clone(), follow), start, accounts),
            store: SessionStore::new(config),
            follow,
            spacing,
            out,
            bytes: Vec::new(),
        };
        (index, Some(pass))
    }

    /// A cached index, if it is for this recording as it is now.
    fn load(file: &Path, id: &Identity, config: StoreConfig, start: Ts) -> Result<Index, String> {
        let f = File::open(file).map_err(|e| e.to_string())?;
        let len = f.metadata().map_err(|e| e.to_string())?.len();
        let mut head = [0u8; HEADER as usize];
        let mut tail = [0u8; 16];
        if len < HEADER + 16 {
            return Err("too short".into());
        }
        f.read_exact_at(&mut head, 0).map_err(|e| e.to_string())?;
        f.read_exact_at(&mut tail, len - 16)
            .map_err(|e| e.to_string())?;
        let versions = (
            u32::from_le_bytes(head[16..20].try_into().expect("4 bytes")),
            u32::from_le_bytes(head[20..24].try_into().expect("4 bytes")),
        );
        if &head[..16] != MAGIC || &tail[8..] != END {
            return Err("not a finished index".into());
        }
        if versions != (FORMAT, keyframe::VERSION) {
            return Err(format!(
                "format {versions:?}, this calltop writes {FORMAT}, {}",
                keyframe::VERSION
            ));
        }
        let e_at = u64::from_le_bytes(tail[..8].try_into().expect("8 bytes"));
        if !(HEADER..len - 16).contains(&e_at) {
            return Err("bad end offset".into());
        }
        let mut e = vec![0u8; (len - 16 - e_at) as usize];
        f.read_exact_at(&mut e, e_at).map_err(|e| e.to_string())?;
        let e = e.strip_prefix(b"E").ok_or("no end record")?;
        let end: EndRecord = serde_json::from_slice(e).map_err(|e| e.to_string())?;
        if end.format != FORMAT || end.keyframe_version != keyframe::VERSION {
            return Err("end record of another version".into());
        }
        if end.identity != *id {
            return Err("made for another file (or this one before it changed)".into());
        }
        if end.config != config || end.summary.start != start {
            return Err("made with other settings".into());
        }
        let in_file = |k: &Keyframe| {
            k.at >= HEADER + K_HEAD && k.at.checked_add(k.len).is_some_and(|e| e <= e_at)
        };
        if end.table.is_empty() || !end.table.iter().all(in_file) {
            return Err("keyframe table out of the file".into());
        }
        let progress = Progress {
            done: end.summary.end_pos.offset,
            of: end.summary.end_pos.offset,
            values: end.summary.end_pos.value,
            clock: end.summary.end,
            complete: true,
        };
        Ok(Index {
            config,
            start,
            table: Mutex::new(end.table),
            summary: Mutex::new(Some(end.summary)),
            blobs: Blobs::File {
                file: f,
                path: file.to_path_buf(),
            },
            progress: watch::channel(progress).0,
            stop: AtomicBool::new(false),
            unfinished: Mutex::default(),
        })
    }

    /// The store config the keyframes were taken with.
    pub fn config(&self) -> StoreConfig {
        self.config
    }

    /// Where the stream clock starts.
    pub fn start(&self) -> Ts {
        self.start
    }

    /// The summary, once the pass is over.
    pub fn summary(&self) -> Option<Summary> {
        lock(&self.summary).clone()
    }

    /// How far the pass has gone.
    pub fn progress(&self) -> Progress {
        *self.progress.borrow()
    }

    /// Wakes on each step of the pass.
    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// Number of keyframes so far.
    pub fn keyframes(&self) -> usize {
        lock(&self.table).len()
    }

    /// The index file in use (`None`: keyframes in memory).
    pub fn file(&self) -> Option<PathBuf> {
        match &self.blobs {
            Blobs::File { path, .. } => Some(path.clone()),
            Blobs::Memory(_) => None,
        }
    }

    /// The last keyframe taken at or before stream time `t`, and its number.
    pub fn keyframe_for(&self, t: Ts) -> Option<(usize, Keyframe)> {
        let table = lock(&self.table);
        let n = table.partition_point(|k| k.clock <= t);
        n.checked_sub(1).map(|i| (i, table[i]))
    }

    /// Keyframe `i`'s store, checked against its table entry.
    pub fn restore(&self, i: usize) -> Result<(Keyframe, SessionStore), RestoreError> {
        let k = *lock(&self.table).get(i).ok_or(RestoreError::Mismatch)?;
        let bytes = match &self.blobs {
            Blobs::Memory(blobs) => lock(blobs)
                .get(k.at as usize)
                .cloned()
                .ok_or(RestoreError::Mismatch)?,
            Blobs::File { file, .. } => {
                let mut buf = vec![0u8; (K_HEAD + k.len) as usize];
                file.read_exact_at(&mut buf, k.at - K_HEAD)?;
                if buf[..K_HEAD as usize] != k_head(&k)[..] {
                    return Err(RestoreError::Mismatch);
                }
                buf.drain(..K_HEAD as usize);
                buf
            }
        };
        Ok((k, keyframe::decode(&bytes)?))
    }

    /// Stops a running pass (it ends at its next value).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// A keyframe that failed its checks: the index is not kept for next time.
    pub fn damaged(&self) {
        if let Blobs::File { path, .. } = &self.blobs {
            tracing::warn!(
                "index {} is damaged: removed, rebuilt next time",
                path.display()
            );
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for Index {
    fn drop(&mut self) {
        if let Some(tmp) = lock(&self.unfinished).take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// A `K` record's head: tag, length, position and clock.
fn k_head(k: &Keyframe) -> Vec<u8> {
    let mut h = Vec::with_capacity(K_HEAD as usize);
    h.push(b'K');
    h.extend_from_slice(&(32 + k.len).to_le_bytes());
    for v in [k.pos.value, k.pos.offset, k.pos.line, k.clock.0 as u64] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h
}

impl Pass {
    /// Runs the pass to the end of the recording (following it: until stopped).
    pub fn run(mut self) {
        let mut last: Option<(u64, Ts)> = None;
        loop {
            if self.index.stop.load(Ordering::Relaxed) {
                return;
            }
            let pos = self.player.cursor.position();
            let clock = self.player.feed.clock;
            let due = last.is_none_or(|(v, c)| {
                let sp = self.spacing;
                pos.value > v && (pos.value - v >= sp.values || c.millis_until(clock) >= sp.ms)
            });
            if due {
                if let Err(e) = self.keyframe(pos, clock) {
                    tracing::warn!("index: {e}; keeping the rest in memory");
                    self.out = None;
                }
                last = Some((pos.value, clock));
            }
            match self.player.apply_next(&mut self.store, None) {
                Ok(Some(_)) if pos.value.is_multiple_of(4096) => self.publish(false),
                Ok(Some(_)) => {}
                Ok(None) if self.follow => {
                    self.publish(false);
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!("index: reading the recording: {e}");
                    break;
                }
            }
        }
        self.finish();
    }

    fn publish(&self, complete: bool) {
        let pos = self.player.cursor.position();
        self.index.progress.send_modify(|p| {
            p.done = pos.offset;
            p.of = p.of.max(pos.offset);
            p.values = pos.value;
            p.clock = self.player.feed.clock;
            p.complete = complete;
        });
    }

    fn keyframe(&mut self, pos: Position, clock: Ts) -> std::io::Result<()> {
        keyframe::encode_into(&self.store, &mut self.bytes);
        let bytes = &self.bytes;
        let mut k = Keyframe {
            pos,
            clock,
            at: 0,
            len: bytes.len() as u64,
        };
        match (&mut self.out, &self.index.blobs) {
            (Some((w, len, ..)), Blobs::File { .. }) => {
                k.at = *len + K_HEAD;
                let head = k_head(&k);
                w.write_all(&head)?;
                w.write_all(bytes)?;
                *len += (head.len() + bytes.len()) as u64;
            }
            (_, Blobs::Memory(blobs)) => {
                let mut blobs = lock(blobs);
                k.at = blobs.len() as u64;
                blobs.push(std::mem::take(&mut self.bytes));
            }
            (None, Blobs::File { .. }) => return Err(std::io::Error::other("index file closed")),
        }
        lock(&self.index.table).push(k);
        self.publish(false);
        Ok(())
    }

    fn finish(mut self) {
        let summary = Summary {
            end_pos: self.player.cursor.position(),
            good: self.player.feed.good,
            bad: self.player.feed.bad.clone(),
            start: self.index.start,
            end: self.player.feed.clock,
        };
        *lock(&self.index.summary) = Some(summary.clone());
        if let Some((w, len, file, identity)) = self.out.take() {
            match self.save(w, len, &file, identity, summary) {
                Ok(true) => {
                    if let Some(tmp) = lock(&self.index.unfinished).take() {
                        if let Err(e) = std::fs::rename(&tmp, &file) {
                            tracing::warn!("index {}: {e}", file.display());
                            let _ = std::fs::remove_file(tmp);
                        }
                    }
                }
                Ok(false) => {
                    tracing::info!("index: the recording changed while indexing; not kept")
                }
                Err(e) => tracing::warn!("index {}: {e}", file.display()),
            }
        }
        self.publish(true);
    }

    /// Writes the end record; false when the recording is no longer what was indexed.
    fn save(
        &self,
        mut w: File,
        len: u64,
        file: &Path,
        identity: Identity,
        summary: Summary,
    ) -> std::io::Result<bool> {
        let Layout::Lines(path) = self.player.cursor.layout() else {
            return Ok(false);
        };
        if Identity::of(path)? != identity || summary.end_pos.offset != identity.size {
            return Ok(false);
        }
        let end = EndRecord {
            format: FORMAT,
            keyframe_version: keyframe::VERSION,
            identity,
            config: self.index.config,
            summary,
            table: lock(&self.index.table).clone(),
        };
        let mut rec = b"E".to_vec();
        serde_json::to_writer(&mut rec, &end).map_err(std::io::Error::other)?;
        rec.extend_from_slice(&len.to_le_bytes());
        rec.extend_from_slice(END);
        w.write_all(&rec)?;
        w.sync_data()?;
        tracing::info!(
            "index {} written ({} keyframes)",
            file.display(),
            end.table.len()
        );
        Ok(true)
    }
}
