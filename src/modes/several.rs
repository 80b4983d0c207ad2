//! `report A B …` and `replay A B …`: several recordings or relay streams
//! (`nats://HOST:PORT/ACCOUNT`), each standing for one account, read in time order
//! ([`merge::by_time`]). A stream stands for the account its URL names, a file for the
//! first account its values name (else its file name); the same account twice is an
//! error before anything is read.

use crate::cli::{NatsArgs, ReportArgs};
use crate::source::merge::{self, Input};
use std::path::Path;

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
