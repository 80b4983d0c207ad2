//! Any bytes through the frame / notification parser, then into the store. The fast
//! decoder must agree with the serde one: whatever it accepts, serde decodes the same.
#![no_main]
use calltop::core::SessionStore;
use calltop::wire::{self, Ts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
