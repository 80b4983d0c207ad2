//! The board's ingest alone, for a profiler: the ingest bench's stream (`synth::stream`,
//! 1 000 calls at once) decoded with `wire::parse_view` and applied with
//! `SessionStore::ingest_view`, as the bench's parse+apply does, with nothing else timed.
//!
//! `cargo build --release --example ingest_profile && valgrind --tool=callgrind
//! --toggle-collect='*SessionStore::ingest_view*' target/release/examples/ingest_profile 100000`

use calltop::core::SessionStore;
use calltop::wire::{self, Ts};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let events = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let lines = calltop::synth::stream(events, 1_000, 7);
    let mut store = SessionStore::default();
    for l in &lines {
        match wire::parse_view(l) {
            Ok(p) => {
                let now = p.stream_time().unwrap_or(Ts(0));
                store.ingest_view(p, now);
            }
            Err(_) => store.note_malformed(Ts(0)),
        }
    }
    println!("{events} events, {} sessions held", store.len());
}
