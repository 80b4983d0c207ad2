//! Drawing the board with 10k live sessions into a TestBackend (goal ≤ 2 ms per frame),
//! next to 1k sessions and the bare row ordering, so the figures read as ratios.

use calltop::core::SessionStore;
use calltop::tui::state::{board_rows, Mode, UiState};
use calltop::tui::views;
use calltop::wire::{self, Ts};
use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;

const T0: i64 = 1_714_564_800_000;

/// `n` live sessions: two parties each, in a mix of ringing, talking, hold and parked.
pub fn live_store(n: usize) -> SessionStore {
    let mut store = SessionStore::default();
    let codes = ["Proceeding", "Answered", "Answered", "Hold", "Parked"];
    for i in 0..n {
        let t = Ts(T0 + i as i64 * 50);
        let code = codes[i % codes.len()];
        let text = format!(
            r#"{{"body":{{"sequence":3,"telephonySessionId":"s-{i}","eventTime":"{at}","parties":[
            {{"id":"p-{i}-1","direction":"Outbound","from":{{"phoneNumber":"+1415555{i:04}","name":"Caller {i}"}},"to":{{"phoneNumber":"+18005550100","name":"Sales"}},"status":{{"code":"Answered"}}}},
            {{"id":"p-{i}-2","direction":"Inbound","extensionId":"{ext}","from":{{"phoneNumber":"+1415555{i:04}"}},"to":{{"phoneNumber":"+1800555{ext}","name":"Agent {ext}"}},"status":{{"code":"{code}"}}}}]}}}}"#,
            at = t.to_rfc3339(),
            ext = 1000 + i % 200,
        );
        let parsed = wire::parse(&text).expect("bench event parses");
        store.ingest(parsed, t);
    }
    store
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    for n in [1_000usize, 10_000] {
        let store = live_store(n);
        let now = Ts(T0 + n as i64 * 50 + 60_000);
        let mut ui = UiState::new(Mode::Live);
        let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
        ui.viewport = views::table_capacity(160, 45, &ui);
        ui.sync(&store, now);
        g.bench_function(format!("board_{n}_sessions"), |b| {
            b.iter(|| {
                term.draw(|f| views::draw(f, black_box(&store), &ui, now))
                    .expect("draw");
            })
        });
        g.bench_function(format!("summary_only_{n}_sessions"), |b| {
            b.iter(|| black_box(store.summary(now).active))
        });
        g.bench_function(format!("rows_only_{n}_sessions"), |b| {
            b.iter(|| black_box(board_rows(&store, &ui, now).0.len()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
