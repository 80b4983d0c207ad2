//! Any bytes through the frame / notification parser, then into the store. The fast
//! decoder must agree with the serde one: whatever it accepts, serde decodes the same;
//! and from bytes it takes only UTF-8.
#![no_main]
use calltop::core::SessionStore;
use calltop::wire::{self, Ts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // From bytes, the fast decoder takes only UTF-8, and gives what it gives the text.
    if let Some(fast) = wire::scan::scan_bytes(data) {
        let text = std::str::from_utf8(data).expect("scan_bytes takes only UTF-8");
        assert_eq!(Some(fast), wire::scan::scan(text), "bytes and text decode differently");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(fast) = wire::scan::scan(text) {
            let reference = wire::parse_with_serde(text).expect("serde accepts what scan accepts");
            assert_eq!(fast.into_owned(), reference, "fast and serde decoders differ");
        }
    }
    let mut store = SessionStore::default();
    match wire::parse_bytes(data) {
        Ok(p) => {
            store.ingest(p, Ts(0));
        }
        Err(_) => store.note_malformed(Ts(0)),
    }
    let _ = store.summary(Ts(1));
});
