//! Any text through the recorded-file reader (layout detection, resync) and the report.
#![no_main]
use calltop::report;
use calltop::source::file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (_, items) = file::read_str(&text);
    let mut store = report::unbounded_store();
    report::ingest_items(&mut store, items);
    let calls = report::calls(&store);
    let _ = report::build(&store, &calls, calltop::wire::Ts(0));
});
