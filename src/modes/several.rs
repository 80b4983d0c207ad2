//! `report A B …` and `replay A B …`: several recordings or relay streams
//! (`nats://HOST:PORT/ACCOUNT`), each standing for one account, read in time order
//! ([`merge::by_time`]). A stream stands for the account its URL names, a file for the
//! first account its values name (else its file name); the same account twice is an
//! error before anything is read.

use crate::cli::{NatsArgs, ReplayArgs, ReportArgs};
use crate::source::index::{IndexCache, LineAccounts};
use crate::source::merge::{self, Input};
use crate::source::replay::{Options, Replay};
use std::path::Path;
use std::sync::Arc;

/// Each input with the account it stands for; an input that cannot be read, or an
/// account given twice, is the error.
pub fn inputs<'a>(paths: &[&Path], nats: &'a NatsArgs) -> anyhow::Result<Vec<(Input<'a>, String)>> {
    let mut out = Vec::new();
    for path in paths {
        out.push(input(path, nats)?);
    }
    let named: Vec<(String, String)> = out
        .iter()
        .map(|(i, a)| (i.name.clone(), a.clone()))
        .collect();
    merge::check_accounts(&named)?;
    Ok(out)
}

fn input<'a>(path: &Path, nats: &'a NatsArgs) -> anyhow::Result<(Input<'a>, String)> {
    if !super::remote::is_stream(path) {
        let account = merge::account_of_file(path)?;
        return Ok((Input::file(path), account));
    }
    let text = path.to_string_lossy().into_owned();
    let account = super::nats::url(&text)?.account;
    let name = text.clone();
    let visit: merge::Visit<'a> = Box::new(move |each| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(super::remote::read_stream(&text, nats, |seq, line| {
            each(seq, Ok(line))
        }))
    });
    Ok((Input { name, visit }, account))
}

/// `calltop report A B …`: figures per account and in total.
pub fn report(args: &ReportArgs) -> anyhow::Result<()> {
    use std::io::Write;
    if args.intervals.is_some() && args.format != crate::report::Format::Html {
        anyhow::bail!("{}", crate::report::SEVERAL_INTERVALS);
    }
    let inputs = inputs(&args.inputs(), &args.nats_args)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    crate::report::report_accounts(
        inputs,
        args.format,
        super::window(args.period()),
        args.cut(),
        &mut out,
        crate::report::SORT_BUDGET,
    )?;
    out.flush()?;
    Ok(())
}

/// `calltop replay A B …`: the inputs merged in time order into a private temporary
/// file (kept while the directory lives), the account of each of its lines noted, and
/// replayed as one recording: one board over the accounts, as `live --from A --from B`
/// shows them. Its index is the merged file's, so jumps and seeks work as on one
/// recording. Also the names of the accounts.
pub async fn replay_of(
    args: &ReplayArgs,
) -> anyhow::Result<(Replay, tempfile::TempDir, Vec<String>)> {
    use std::io::Write;
    if args.follow {
        anyhow::bail!("--follow follows one recording being written: give replay one file");
    }
    let inputs = inputs(&args.inputs(), &args.nats_args)?;
    let names: Vec<String> = inputs.iter().map(|(_, a)| a.clone()).collect();
    if names.len() > usize::from(u16::MAX) {
        anyhow::bail!("too many inputs: at most {} accounts", u16::MAX);
    }
    let dir = tempfile::Builder::new()
        .prefix("calltop-accounts")
        .tempdir()?;
    let path = dir.path().join("accounts.jsonl");
    let mut file = std::io::BufWriter::new(crate::record::open_private(&path)?);
    let mut of_line = Vec::new();
    let mut failed = None;
    let inputs = inputs.into_iter().map(|(i, _)| i).collect();
    tokio::task::block_in_place(|| {
        merge::by_time(inputs, |i, _, value| {
            if failed.is_some() {
                return;
            }
            // One value a line: a newline in JSON is only ever whitespace.
            let written = match value {
                Ok(text) => writeln!(file, "{}", text.trim().replace(['\n', '\r'], " ")),
                Err(e) => writeln!(file, "# {e}"),
            };
            failed = written.err();
            of_line.push(i as u16);
        })
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    file.flush()?;
    drop(file);
    let accounts = LineAccounts {
        names: names.clone(),
        of_line,
    };
    let opts = Options {
        cache: Some(IndexCache::Memory),
        accounts: Some(Arc::new(accounts)),
        ..Options::default()
    };
    Ok((Replay::open(&path, opts)?, dir, names))
}
