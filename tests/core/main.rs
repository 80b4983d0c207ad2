//! The pure core against real captures and generated streams: wire parsing, the store's
//! order safety and retention, call-level figures, malformed input, fuzz regressions.

mod calls;
mod support;

mod call_figures;
mod captures;
mod fuzz_regressions;
mod malformed;
mod order;
mod unfinished;
mod wire_scan;
