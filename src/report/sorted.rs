//! Records (a sort key and a payload, both bytes) put in any order and handed back in
//! key order, in bounded memory: past a budget, the records held are sorted and
//! written as a run to a temporary file (removed as soon as it is open, so nothing is
//! left behind), and the runs are merged at the end. Runs are merged level by level as
//! they pile up ([`FAN_IN`] of one level make one of the next), so few files are read at
//! once and each record is rewritten a few times at most, whatever the length. Equal
//! keys keep the order they were put in.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// A sort that spills to disk past its budget.
pub struct Sorter {
    budget: usize,
    /// Keys and payloads, one after another.
    data: Vec<u8>,
    /// (start, key length, end) of each record in `data`.
    recs: Vec<(usize, usize, usize)>,
    /// Sorted runs on disk, oldest first, with their level (a run of level `n + 1` is
    /// [`FAN_IN`] runs of level `n` merged).
    runs: Vec<(u32, File)>,
}

impl Sorter {
    /// Holds up to about `budget` bytes before writing a run.
    pub fn new(budget: usize) -> Sorter {
        Sorter {
            budget,
            data: Vec::with_capacity(budget.min(64 << 20)),
            recs: Vec::new(),
            runs: Vec::new(),
        }
    }

    /// Adds a record.
    pub fn push(&mut self, key: &[u8], payload: &[u8]) -> std::io::Result<()> {
        if !self.data.is_empty() && self.data.len() + key.len() + payload.len() > self.budget {
            self.spill()?;
        }
        let start = self.data.len();
        self.data.extend_from_slice(key);
        self.data.extend_from_slice(payload);
        self.recs.push((start, key.len(), self.data.len()));
        Ok(())
    }

    fn key(&self, r: (usize, usize, usize)) -> &[u8] {
        &self.data[r.0..r.0 + r.1]
    }

    /// The records held, sorted (stable).
    fn sorted(&mut self) -> Vec<(usize, usize, usize)> {
        let mut recs = std::mem::take(&mut self.recs);
        recs.sort_by(|a, b| self.key(*a).cmp(self.key(*b)));
        recs
    }

    fn spill(&mut self) -> std::io::Result<()> {
        let mut file = temp_file()?;
        let mut w = BufWriter::with_capacity(1 << 16, &mut file);
        for r in self.sorted() {
            write_record(&mut w, self.key(r), &self.data[r.0 + r.1..r.2])?;
        }
        w.flush()?;
        drop(w);
        file.seek(SeekFrom::Start(0))?;
        self.runs.push((0, file));
        self.data.clear();
        // The last FAN_IN runs of one level (always the newest, in order) become one
        // of the next, as a counter carries.
        while self.runs.len() >= FAN_IN {
            let tail = self.runs.len() - FAN_IN;
            let level = self.runs[tail].0;
            if self.runs[tail..].iter().any(|(l, _)| *l != level) {
                break;
            }
            let mut merged = temp_file()?;
            let mut w = BufWriter::with_capacity(1 << 16, &mut merged);
            let sources = self
                .runs
                .drain(tail..)
                .map(|(_, f)| Source::run(f))
                .collect();
            merge(sources, &[], |key, payload| {
                write_record(&mut w, key, payload)
            })?;
            w.flush()?;
            drop(w);
            merged.seek(SeekFrom::Start(0))?;
            self.runs.push((level + 1, merged));
        }
        Ok(())
    }

    /// Hands every payload to `f` in key order.
    pub fn finish(
        mut self,
        mut f: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let held = self.sorted();
        if self.runs.is_empty() {
            for r in held {
                f(&self.data[r.0 + r.1..r.2])?;
            }
            return Ok(());
        }
        // Runs in the order they were written, then what is held: on equal keys the
        // lower source number (the earlier record) goes first.
        let mut sources: Vec<Source> = self.runs.drain(..).map(|(_, f)| Source::run(f)).collect();
        sources.push(Source::Held(held.into_iter()));
        merge(sources, &self.data, |_, payload| f(payload))
    }
}

/// Runs of one level merged into one of the next.
const FAN_IN: usize = 32;

/// The read buffer of each run being merged (up to about `FAN_IN` × levels at once).
const READ_BUFFER: usize = 16 << 10;

fn write_record(w: &mut impl Write, key: &[u8], payload: &[u8]) -> std::io::Result<()> {
    w.write_all(&(key.len() as u32).to_le_bytes())?;
    w.write_all(&(payload.len() as u32).to_le_bytes())?;
    w.write_all(key)?;
    w.write_all(payload)
}

/// Hands the records of sorted sources to `f` in key order (on equal keys, the lower
/// source first).
fn merge(
    mut sources: Vec<Source>,
    data: &[u8],
    mut f: impl FnMut(&[u8], &[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut heads: Vec<Option<(Vec<u8>, Vec<u8>)>> = Vec::with_capacity(sources.len());
    let mut heap = BinaryHeap::new();
    for (i, s) in sources.iter_mut().enumerate() {
        let head = s.next(data)?;
        if let Some((k, _)) = &head {
            heap.push(Reverse((k.clone(), i)));
        }
        heads.push(head);
    }
    while let Some(Reverse((_, i))) = heap.pop() {
        if let Some((key, payload)) = heads[i].take() {
            f(&key, &payload)?;
        }
        heads[i] = sources[i].next(data)?;
        if let Some((k, _)) = &heads[i] {
            heap.push(Reverse((k.clone(), i)));
        }
    }
    Ok(())
}

/// Where merged records come from.
enum Source {
    Run(BufReader<File>),
    Held(std::vec::IntoIter<(usize, usize, usize)>),
}

impl Source {
    fn run(f: File) -> Source {
        Source::Run(BufReader::with_capacity(READ_BUFFER, f))
    }

    /// The next (key, payload).
    fn next(&mut self, data: &[u8]) -> std::io::Result<Option<(Vec<u8>, Vec<u8>)>> {
        match self {
            Source::Held(it) => Ok(it
                .next()
                .map(|r| (data[r.0..r.0 + r.1].to_vec(), data[r.0 + r.1..r.2].to_vec()))),
            Source::Run(r) => {
                let mut lens = [0u8; 8];
                match r.read_exact(&mut lens) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
                    Err(e) => return Err(e),
                }
                let len = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize;
                let mut key = vec![0; len(&lens[..4])];
                let mut payload = vec![0; len(&lens[4..])];
                r.read_exact(&mut key)?;
                r.read_exact(&mut payload)?;
                Ok(Some((key, payload)))
            }
        }
    }
}

/// A new file in the temporary directory, already removed from it.
fn temp_file() -> std::io::Result<File> {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = std::env::temp_dir();
    loop {
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("calltop-report-{}-{n}", std::process::id()));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => {
                std::fs::remove_file(&path)?;
                return Ok(f);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                let at = format!("a temporary file in {}: {e}", dir.display());
                return Err(std::io::Error::new(e.kind(), at));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_in_key_order_across_runs_equal_keys_in_order() {
        let mut rng = crate::synth::Rng::new(3);
        for budget in [1 << 20, 200, 1] {
            let mut s = Sorter::new(budget);
            let mut want = Vec::new();
            for i in 0..2_000u32 {
                let key = format!("{:03}", rng.below(300)).into_bytes();
                let payload = format!("record {i}").into_bytes();
                s.push(&key, &payload).unwrap();
                want.push((key, i, payload));
            }
            want.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            let spilled = !s.runs.is_empty();
            assert_eq!(spilled, budget < 1 << 20);
            let mut got = Vec::new();
            s.finish(|p| {
                got.push(p.to_vec());
                Ok(())
            })
            .unwrap();
            let want: Vec<Vec<u8>> = want.into_iter().map(|w| w.2).collect();
            assert_eq!(got, want, "budget {budget}");
        }
        let mut empty = Vec::new();
        Sorter::new(1)
            .finish(|p| {
                empty.push(p.to_vec());
                Ok(())
            })
            .unwrap();
        assert!(empty.is_empty());
    }
}
