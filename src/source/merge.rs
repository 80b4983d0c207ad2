//! Several recordings or relay streams as one (`report A B …`, `replay A B …`), each
//! standing for one account: the values of all of them in time order. Each input keeps
//! its own order; they are interleaved by stream time, a value without one (or older
//! than what its input said before) taking its input's clock, as [`Feed`](super::feed::Feed)
//! applies it. Each input is read on its own thread, a batch at a time, so memory holds
//! a few batches per input whatever their length.

use super::file::FileError;
use crate::wire::{self, IncomingView, ParseError, ParsedView, Ts};
use std::collections::VecDeque;
use std::path::Path;

/// Where an input's values go, one at a time: line number and text.
pub type Values<'v> = &'v mut dyn FnMut(usize, Result<&str, ParseError>);

/// Reads one input, handing each value over in order.
pub type Visit<'a> = Box<dyn FnOnce(Values) -> anyhow::Result<()> + Send + 'a>;

/// One input: what it is called (errors name it) and how it is read.
pub struct Input<'a> {
    pub name: String,
    pub visit: Visit<'a>,
}

impl Input<'_> {
    /// A recording or capture file.
    pub fn file(path: &Path) -> Input<'static> {
        let owned = path.to_path_buf();
        Input {
            name: path.display().to_string(),
            // The error is named by the input's name (`by_time`), not twice.
            visit: Box::new(
                move |each| match super::file::visit_path_values(&owned, each) {
                    Ok(_) => Ok(()),
                    Err(FileError::Io { error, .. }) => Err(error.into()),
                    Err(FileError::Empty(_)) => anyhow::bail!("the file is empty"),
                },
            ),
        }
    }
}

/// Values sent from an input's reader at once.
const BATCH: usize = 1024;

/// One value read, with the stream time it is applied at.
struct Value {
    due: Ts,
    line: usize,
    text: Result<String, ParseError>,
}

/// Hands every value of `inputs` to `each` (input index, line, text) in time order
/// (ties: the earlier input first). The first input that fails to read is the error.
pub fn by_time(
    inputs: Vec<Input<'_>>,
    mut each: impl FnMut(usize, usize, Result<&str, ParseError>),
) -> anyhow::Result<()> {
    std::thread::scope(|scope| {
        let mut readers = Vec::new();
        let mut batches = Vec::new();
        for input in inputs {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Value>>(4);
            batches.push(rx);
            readers.push(scope.spawn(move || {
                let (mut clock, mut batch, mut gone) = (Ts(0), Vec::new(), false);
                let read = (input.visit)(&mut |line, text| {
                    if gone {
                        return;
                    }
                    let time = text.as_ref().ok().and_then(|t| stream_time(t));
                    clock = time.unwrap_or(clock).max(clock);
                    let text = text.map(str::to_string);
                    batch.push(Value {
                        due: clock,
                        line,
                        text,
                    });
                    if batch.len() == BATCH {
                        gone = tx.send(std::mem::take(&mut batch)).is_err();
                    }
                });
                if !batch.is_empty() && !gone {
                    let _ = tx.send(batch);
                }
                read.map_err(|e| e.context(input.name))
            }));
        }
        let mut heads: Vec<VecDeque<Value>> = batches.iter().map(|_| VecDeque::new()).collect();
        let mut open = vec![true; heads.len()];
        loop {
            for (i, head) in heads.iter_mut().enumerate() {
                while head.is_empty() && open[i] {
                    match batches[i].recv() {
                        Ok(b) => head.extend(b),
                        Err(_) => open[i] = false,
                    }
                }
            }
            let next = (0..heads.len())
                .filter_map(|i| heads[i].front().map(|v| (v.due, i)))
                .min();
            let Some((_, i)) = next else { break };
            let v = heads[i].pop_front().expect("a head");
            match v.text {
                Ok(t) => each(i, v.line, Ok(&t)),
                Err(e) => each(i, v.line, Err(e)),
            }
        }
        readers
            .into_iter()
            .map(|r| r.join().expect("an input's reader panicked"))
            .collect::<anyhow::Result<Vec<()>>>()
            .map(drop)
    })
}

fn stream_time(text: &str) -> Option<Ts> {
    wire::parse_view(text).ok()?.stream_time()
}

/// The account a value names: a telephony event's `accountId` (its own or a party's),
/// else the `/account/ID/` of a notification's event path.
pub fn account_in(p: &ParsedView<'_>) -> Option<String> {
    let in_path = |event: Option<&str>| {
        let id = event?.split("/account/").nth(1)?.split(['/', '?']).next()?;
        (!id.is_empty() && id != "~").then(|| id.to_string())
    };
    match &p.item {
        IncomingView::Session(n) => {
            let body = &n.body;
            let party = body.parties.iter().find_map(|x| x.account_id.as_deref());
            let id = body.account_id.as_deref().or(party).map(str::to_string);
            id.or_else(|| in_path(n.envelope.event.as_deref()))
        }
        IncomingView::Other(i) => in_path(i.envelope().and_then(|e| e.event.as_deref())),
    }
}

/// The account a recording stands for: the first its values name (see [`account_in`]),
/// else its file name. A recording of JSON Lines is read only up to that value.
pub fn account_of_file(path: &Path) -> anyhow::Result<String> {
    use std::io::BufRead;
    let open = std::fs::File::open(path);
    let file = open.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, file);
    let (mut buf, mut found, mut lines) = (Vec::new(), None, true);
    while found.is_none() {
        buf.clear();
        let read = r.read_until(b'\n', &mut buf);
        if read.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&buf);
        if text.trim().is_empty() {
            continue;
        }
        match wire::parse_view(text.trim()) {
            Ok(p) => found = account_in(&p),
            Err(_) => lines = false,
        }
    }
    // Not one value a line (a JSON array, values over several lines): read as a whole.
    if found.is_none() && !lines {
        super::file::visit_path_values(path, |_, text| {
            if found.is_none() {
                found = text
                    .ok()
                    .and_then(|t| account_in(&wire::parse_view(t).ok()?));
            }
        })?;
    }
    Ok(found.unwrap_or_else(|| {
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        )
    }))
}

/// Fails when two inputs stand for the same account (`inputs`: name and account).
pub fn check_accounts(inputs: &[(String, String)]) -> anyhow::Result<()> {
    for (i, (name, account)) in inputs.iter().enumerate() {
        if let Some((first, _)) = inputs[..i].iter().find(|(_, a)| a == account) {
            anyhow::bail!("{first} and {name} are both account {account}: give each account once");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recording line received at second `s` (its frame a heartbeat).
    fn at(s: u32) -> String {
        format!(
            r#"{{"receivedAt":"2026-01-05T09:00:{s:02}.000Z","frame":[{{"type":"Heartbeat","messageId":"m"}}]}}"#
        )
    }

    fn input(name: &str, lines: Vec<String>) -> Input<'static> {
        Input {
            name: name.into(),
            visit: Box::new(move |each| {
                for (i, l) in lines.iter().enumerate() {
                    each(i + 1, Ok(l));
                }
                Ok(())
            }),
        }
    }

    #[test]
    fn values_come_in_time_order_each_input_in_its_own() {
        // b's third line is older than its second: it keeps its place (b's clock).
        let a = input("a", vec![at(1), at(4), at(6)]);
        let b = input("b", vec![at(2), at(5), at(3), "not json".into()]);
        let mut seen = Vec::new();
        by_time(vec![a, b], |i, line, _| seen.push((i, line))).unwrap();
        assert_eq!(
            seen,
            [(0, 1), (1, 1), (0, 2), (1, 2), (1, 3), (1, 4), (0, 3)]
        );
    }

    #[test]
    fn an_input_that_fails_is_the_error_named() {
        let a = input("a", vec![at(1)]);
        let b = Input {
            name: "b.jsonl".into(),
            visit: Box::new(|_| anyhow::bail!("gone")),
        };
        let e = by_time(vec![a, b], |_, _, _| {}).unwrap_err();
        assert_eq!(format!("{e:#}"), "b.jsonl: gone");
    }

    #[test]
    fn the_same_account_twice_is_named() {
        let two = |x: &str, y: &str| [("a".into(), x.into()), ("b".into(), y.into())];
        assert!(check_accounts(&two("1", "2")).is_ok());
        let e = check_accounts(&two("1", "1")).unwrap_err().to_string();
        assert_eq!(e, "a and b are both account 1: give each account once");
    }
}
