//! Any bytes through the frame / notification parser, then into the store.
#![no_main]
use calltop::core::SessionStore;
use calltop::wire::{self, Ts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut store = SessionStore::default();
    match wire::parse_bytes(data) {
        Ok(p) => {
            store.ingest(p, Ts(0));
        }
        Err(_) => store.note_malformed(Ts(0)),
    }
    let _ = store.summary(Ts(1));
});
