//! Queue alarms in the live modes: the alarms file, an evaluator that checks the
//! center's queues twice a second ([`crate::core::alarms`]), `--on-alert CMD` and the
//! alarms on `/metrics`.

use crate::cli::{BadInput, BoardArgs};
use crate::core::alarms::{AlarmChange, AlarmKey, AlarmRules, Alarms};
use crate::core::zone::Zone;
use crate::core::SharedStore;
use crate::metrics::{Extra, Figure};
use crate::source::replay::ReplayStatus;
use crate::wire::Ts;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// How often the alarms are evaluated.
const EVERY: Duration = Duration::from_millis(500);

/// The alarms file `--alarms` names, else the default one when it exists; `None`:
/// no alarms. A file that cannot be read or parsed is a [`BadInput`] naming it.
pub fn load(args: &BoardArgs) -> anyhow::Result<Option<AlarmRules>> {
    let default = || dirs::config_dir().map(|d| d.join("calltop").join("alarms.toml"));
    let path: PathBuf = match (&args.alarms, default()) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) if p.exists() => p,
        _ => return Ok(None),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| BadInput(format!("alarms file {}: {e}", path.display())))?;
    let rules = AlarmRules::parse(&text)
        .map_err(|e| BadInput(format!("alarms file {} {e}", path.display())))?;
    Ok(Some(rules))
}

/// The latest change of every alarm seen, for `/metrics`.
type Latest = Arc<Mutex<BTreeMap<AlarmKey, AlarmChange>>>;

/// A running evaluator.
pub struct Watcher {
    /// Every alarm raised or cleared, in order.
    pub changes: mpsc::UnboundedReceiver<AlarmChange>,
    latest: Latest,
}

impl Watcher {
    /// The alarms as `calltop_queue_alarm` gauges: 1 while raised, 0 once cleared.
    pub fn metrics(&self) -> Extra {
        let latest = self.latest.clone();
        Arc::new(move || {
            let latest = latest.lock().unwrap_or_else(|e| e.into_inner());
            latest
                .values()
                .map(|c| {
                    let mut labels = vec![
                        ("queue", c.extension_number.clone().unwrap_or_default()),
                        ("queue_id", c.key.queue.clone()),
                        ("alarm", c.key.kind.as_str().to_string()),
                    ];
                    if let Some(a) = &c.key.agent {
                        labels.push(("agent_id", a.clone()));
                    }
                    Figure {
                        name: "calltop_queue_alarm",
                        help: "A queue alarm: 1 while raised, 0 once cleared (absent until \
                               first raised)",
                        counter: false,
                        labels,
                        value: u64::from(c.raised),
                    }
                })
                .collect()
        })
    }
}

/// The clock the alarms are evaluated on.
pub enum Clock {
    /// The wall clock: a live source, or a relay's stream followed as it is written.
    Wall,
    /// A replay's stream clock (its position: frozen while paused, jumping with it).
    Replay(watch::Receiver<ReplayStatus>),
}

impl Clock {
    fn now(&self) -> Ts {
        match self {
            Clock::Wall => Ts::now(),
            Clock::Replay(status) => status.borrow().clock_at(Instant::now()),
        }
    }

    /// Waits for the next moment to evaluate at: the next tick; on a replay's clock also
    /// its next move or change of the store (an evaluation per step of the stream).
    async fn next(&mut self, tick: &mut tokio::time::Interval, store: &mut StoreChanges) {
        match self {
            Clock::Wall => {
                tick.tick().await;
            }
            Clock::Replay(status) => {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = status.changed() => {}
                    _ = store.changed() => {}
                }
            }
        }
    }
}

type StoreChanges = tokio::sync::watch::Receiver<crate::core::store::Version>;

/// Starts evaluating `rules` against `store`'s center on `clock`, running `on_alert`
/// (if any) once per alarm start and end, one command at a time so they run in order.
/// The center counts the service level's intervals from now on. When the clock goes
/// back (a replay's jump back), the alarms in force clear and are raised again as the
/// stream reaches them.
pub fn spawn(
    rules: AlarmRules,
    store: SharedStore,
    zone: Zone,
    on_alert: Option<String>,
    mut clock: Clock,
) -> Watcher {
    store.write(|s| s.center_mut().count_intervals(rules.cut(zone)));
    let (tx, changes) = mpsc::unbounded_channel();
    let latest = Latest::default();
    let alert = on_alert.map(|cmd| {
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(line) = rx.recv().await {
                super::on_end::run_command("--on-alert", &cmd, line).await;
            }
        });
        tx
    });
    let seen = latest.clone();
    tokio::spawn(async move {
        let mut alarms = Alarms::new(rules.clone());
        let mut tick = tokio::time::interval(EVERY);
        let mut versions = store.subscribe();
        let mut last: Option<Ts> = None;
        loop {
            clock.next(&mut tick, &mut versions).await;
            let now = clock.now();
            let mut found = Vec::new();
            if last.is_some_and(|l| now < l) {
                let latest = seen.lock().unwrap_or_else(|e| e.into_inner());
                let cleared = latest.values().filter(|c| c.raised).map(|c| AlarmChange {
                    raised: false,
                    at: now,
                    value: None,
                    ..c.clone()
                });
                found.extend(cleared);
                alarms = Alarms::new(rules.clone());
            }
            last = Some(now);
            found.extend(alarms.evaluate(store.read().center(), now));
            for c in found {
                if let Some(a) = &alert {
                    let _ = a.send(c.json().to_string());
                }
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(c.key.clone(), c.clone());
                if tx.send(c).is_err() {
                    return;
                }
            }
        }
    });
    Watcher { changes, latest }
}
