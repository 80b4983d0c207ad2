//! One function per mode: the only place that wires a source, the store, the
//! recorder, the control client and the board together.

mod accounts;
pub mod alarms;
mod board;
mod control;
mod demo;
mod headless;
mod live;
mod nats;
mod on_end;
mod relay;
mod remote;
mod replay;
mod several;
mod sim;

pub use control::Audited;

use crate::cli::{Cli, Command, SimArgs, SimCommand};
use crate::core::center::Period;
use crate::core::{SessionStore, SharedStore, StoreConfig, Window};
use crate::wire::Ts;

/// Runs the mode the command line asks for.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Report(a) if !a.more.is_empty() => several::report(&a),
        Command::Report(a) if remote::is_stream(&a.file) => remote::report(&a),
        Command::Report(a) => {
            crate::report::run(&a.file, a.format, window(a.period()), a.cut(), a.threads())
        }
        Command::Sim(
            ref a @ SimArgs {
                command: Some(SimCommand::Jwt(ref j)),
                ..
            },
        ) => sim::jwt(a, j),
        other => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                match other {
                    Command::Demo(a) => demo::run(a).await,
                    Command::Live(a) if !a.from.is_empty() => remote::live(a).await,
                    Command::Live(a) if a.headless => headless::live(a).await,
                    Command::Live(a) => live::run(a).await,
                    Command::Replay(a) => replay::run(a).await,
                    Command::Record(a) => headless::record(a).await,
                    Command::Relay(a) => relay::run(a).await,
                    Command::Sim(a) => sim::run(a).await,
                    Command::Wallboard(w) => {
                        use crate::cli::WallboardSource as S;
                        use crate::tui::state::Screen;
                        match w.source {
                            S::Demo(a) => demo::run_on(a, Screen::Wallboard).await,
                            S::Live(a) => live::run_on(a, Screen::Wallboard).await,
                            S::Replay(a) => replay::run_on(a, Screen::Wallboard).await,
                        }
                    }
                    Command::Report(_) => unreachable!("handled above"),
                }
            })
        }
    }
}

/// The window of queue and agent figures `--since` and `--tz` ask for, of a recording
/// (`midnight`: of the day it starts).
pub fn window(period: Period) -> Window {
    period.window(None)
}

/// A store for a live source, its figures over `period`.
fn live_store(config: StoreConfig, period: Period) -> SharedStore {
    let mut store = SessionStore::new(config);
    store.center_mut().reset(period.window(Some(Ts::now())));
    SharedStore::new(store)
}
