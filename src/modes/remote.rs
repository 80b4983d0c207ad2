//! A relay's stream as the source: `live --from nats://…` (the board, or `--headless`
//! lines; no RingCentral credentials), and `replay` / `report nats://…`, which read the
//! stream like a recording file.

use super::nats;
use crate::cli::{LiveArgs, NatsArgs, ReplayArgs, ReportArgs};
use crate::core::control::Control;
use crate::relay::{
    self, AccountsControl, Claim, ControlClient, ControlError, FoldConfig, Follow, NatsConn,
    NatsUrl, ReadOptions, RelayControl, Start, StreamReader, Subjects,
};
use crate::source::index::IndexCache;
use crate::source::replay::{Options, Replay};
use crate::source::{Handle, LiveEvent, Running, Source, StatusRx};
use crate::tui::state::{Mode, UiState};
use crate::tui::theme::Level;
use crate::wire::Ts;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::broadcast;

/// True when a mode's FILE argument names a relay's stream.
pub fn is_stream(file: &std::path::Path) -> bool {
    file.to_str().is_some_and(NatsUrl::is_nats)
}

async fn connect(text: &str, args: &NatsArgs, role: &str) -> anyhow::Result<(NatsUrl, NatsConn)> {
    let url = nats::url(text)?;
    let opts = nats::options(args, format!("calltop {role}"))?;
    let conn = relay::connect_url(&url, &opts).await?;
    Ok((url, conn))
}

/// What a board may do with control keys, and what to tell the user about it.
struct ControlPlan<C = RelayControl> {
    control: Option<C>,
    /// Why the board is read-only, when the broker decided it.
    read_only_why: Option<String>,
    note: Option<String>,
}

/// Asks the relay (a ping as this user) whether control requests may be sent.
async fn control_plan(conn: &NatsConn, url: &NatsUrl, read_only: bool) -> ControlPlan {
    let plan = |control, read_only_why, note: Option<&str>| ControlPlan {
        control,
        read_only_why,
        note: note.map(str::to_string),
    };
    if read_only {
        return plan(None, None, None);
    }
    let Ok(client) = ControlClient::new(conn, &url.names()) else {
        let why = "no NATS user name to send control requests as (set CALLTOP_NATS_USER)";
        return plan(None, Some(why.into()), Some(why));
    };
    let control = RelayControl::new(client.clone());
    match client.ping().await {
        Ok(()) => plan(Some(control), None, None),
        Err(ControlError::NotPermitted) => {
            let why = format!(
                "the broker does not let NATS user {} send control requests",
                conn.user.as_deref().unwrap_or("?")
            );
            plan(None, Some(why.clone()), Some(&why))
        }
        Err(ControlError::NoRelay) => plan(
            Some(control),
            None,
            Some("no relay serves control requests for this account yet"),
        ),
        Err(e) => plan(
            Some(control),
            None,
            Some(&format!("the relay did not answer a ping: {e}")),
        ),
    }
}

/// One `--from` of a board: its broker connection and account.
struct Followed {
    url: NatsUrl,
    conn: NatsConn,
    names: relay::Names,
}

/// Connects to every `--from`: each a stream to follow, each account once.
async fn sources(args: &LiveArgs) -> anyhow::Result<Vec<Followed>> {
    let mut accounts = Vec::new();
    for from in &args.from {
        let url = nats::url(from)?;
        if url.start != Start::First {
            anyhow::bail!(
                "--from {from}: a board follows the stream; since= and seq= are for replay"
            );
        }
        if accounts.contains(&url.account) {
            anyhow::bail!("--from {from}: account {} is named twice", url.account);
        }
        accounts.push(url.account);
    }
    let mut out = Vec::new();
    for from in &args.from {
        let (url, conn) = connect(from, &args.nats_args, "board").await?;
        let names = url.names();
        out.push(Followed { url, conn, names });
    }
    Ok(out)
}

/// `calltop live --from nats://HOST:PORT/ACCOUNT [--from …] [--headless]`: one board over
/// one account's stream, or several accounts' (then each stream from its first message,
/// as a keyframe holds one account's whole store, and each control request goes to the
/// relay of its call's or agent's account).
pub async fn live(args: LiveArgs) -> anyhow::Result<()> {
    // A bad alarms file stops it before it connects.
    let rules = super::alarms::load(&args.board)?;
    if !args.headless && super::board::print_and_exit(&args.board)? {
        return Ok(());
    }
    if !args.headless {
        crate::tui::terminal::check_terminal()?;
    }
    let _log = crate::logging::init(if args.headless { "live" } else { "tui" });
    let sources = sources(&args).await?;
    let several = sources.len() > 1;
    let first = &sources[0];
    let store = super::live_store(args.connect.store_config(), args.period());
    let (events_tx, events) = broadcast::channel(8192);
    let plan = match several {
        false => {
            let p = control_plan(&first.conn, &first.url, args.read_only).await;
            ControlPlan {
                control: p.control.map(|c| Arc::new(c) as Arc<dyn Control>),
                read_only_why: p.read_only_why,
                note: p.note,
            }
        }
        true => accounts_plan(&sources, &store, args.read_only).await,
    };
    // The alarms are evaluated on the folded store, as a live source's (its intervals
    // go on counting over a keyframe; see `SharedStore::replace`).
    let zone = args.period().zone;
    let watcher = rules.map(|r| {
        let cmd = args.board.on_alert.clone();
        super::alarms::spawn(r, store.clone(), zone, cmd, super::alarms::Clock::Wall)
    });
    let following = follow_all(&sources, &store, &events_tx).await?;
    let status = following.status();
    let tally = crate::metrics::ControlTally::default();
    let _metrics = crate::metrics::serve_at(
        args.metrics.as_deref(),
        crate::metrics::Sources {
            store: store.clone(),
            conn: status.conn(),
            control: tally.clone(),
            extra: watcher.as_ref().map(|w| w.metrics()),
            // Several: each agent and queue is labelled with the account that claimed it.
            account: crate::metrics::account_named(match several {
                true => "",
                false => first.names.account(),
            }),
        },
    )
    .await?;
    if args.headless {
        if let Some(message) = &plan.note {
            let at = Ts::now();
            let message = match &plan.read_only_why {
                Some(_) => format!("read-only: {message}"),
                None => message.clone(),
            };
            let _ = events_tx.send(LiveEvent::Warning { at, message });
        }
        let _printer =
            watcher.map(|w| tokio::spawn(super::headless::print_alarms(w.changes, args.format)));
        return super::headless::print_until_signal(events, args.format, true, &store).await;
    }
    drop(events);
    let mut config = super::board::config(&args.board, Mode::Live)?;
    super::board::count_trends(&store, &config);
    config.read_only = plan.control.is_none();
    config.read_only_why = plan.read_only_why;
    let accounts: Vec<&str> = sources.iter().map(|s| s.names.account()).collect();
    config.account = format!(
        "relay {} @ {}",
        accounts.join(", "),
        first.url.servers.join(",")
    );
    let mut ui = UiState::new(config);
    if let Some(note) = plan.note {
        ui.say(Level::Warn, note, Ts::now());
    }
    // The relay audits every action into the stream: every board shows who did it.
    let control = plan
        .control
        .map(|c| Arc::new(crate::metrics::Counted::new(c, tally)) as Arc<dyn Control>);
    let (notices, _merging) = match following.merged {
        Some(m) => (Some(m.notices), Some(m.task)),
        None => (None, None),
    };
    let feed = crate::tui::Feed {
        store,
        source: Handle {
            status,
            commands: None,
            notices,
            control,
        },
        alarms: watcher.map(|w| w.changes),
    };
    crate::tui::run(ui, feed).await
}

/// Every `--from` followed into one store (kept running while this lives).
struct Following {
    /// Each account's fold.
    folds: Vec<(String, relay::Folding)>,
    /// Several: their connections as one, and each account's changes as notices.
    merged: Option<super::accounts::Merged>,
}

impl Following {
    /// The one status the board shows: the account's, or every account's as one.
    fn status(&self) -> StatusRx {
        match &self.merged {
            Some(m) => StatusRx::Live {
                conn: m.conn.clone(),
                loading: m.loading.clone(),
            },
            None => self.folds[0].1.status(),
        }
    }
}

/// Starts following each of `sources` into `store`: one alone from its newest keyframe;
/// several each from its first message, every line claimed by its account.
async fn follow_all(
    sources: &[Followed],
    store: &crate::core::SharedStore,
    events: &broadcast::Sender<LiveEvent>,
) -> anyhow::Result<Following> {
    let several = sources.len() > 1;
    let lock = Arc::default();
    let mut folds = Vec::new();
    for s in sources {
        let follow = Follow {
            conn: s.conn.clone(),
            names: s.names.clone(),
            events: events.clone(),
            fold: FoldConfig {
                from_keyframe: !several,
                write_keyframes: None,
                claim: several.then(|| Claim {
                    account: s.names.account().to_string(),
                    lock: Arc::clone(&lock),
                }),
                relays: true,
            },
        };
        let account = s.names.account().to_string();
        folds.push((account, follow.start(store.clone()).await?));
    }
    let merged = several.then(|| super::accounts::merge(&folds, events.clone()));
    Ok(Following { folds, merged })
}

/// Control over several accounts: each request to its account's relay
/// ([`AccountsControl`]); read-only when no account's relay may be asked.
async fn accounts_plan(
    sources: &[Followed],
    store: &crate::core::SharedStore,
    read_only: bool,
) -> ControlPlan<Arc<dyn Control>> {
    if read_only {
        return ControlPlan {
            control: None,
            read_only_why: None,
            note: None,
        };
    }
    let mut relays = BTreeMap::new();
    let mut notes = Vec::new();
    for s in sources {
        let account = s.names.account().to_string();
        let p = control_plan(&s.conn, &s.url, false).await;
        if let Some(note) = p.note {
            notes.push(format!("account {account}: {note}"));
        }
        let relay = p.control.ok_or_else(|| p.read_only_why.unwrap_or_default());
        relays.insert(account, relay);
    }
    let note = (!notes.is_empty()).then(|| notes.join("; "));
    if relays.values().all(Result::is_err) {
        return ControlPlan {
            control: None,
            read_only_why: note.clone(),
            note,
        };
    }
    let control = AccountsControl::new(store.clone(), relays);
    ControlPlan {
        control: Some(Arc::new(control) as Arc<dyn Control>),
        read_only_why: None,
        note,
    }
}

/// Reads a stream's frames, bounded to its end at open time, handing each line to `f`
/// with its sequence.
pub(super) async fn read_stream(
    text: &str,
    args: &NatsArgs,
    mut f: impl FnMut(usize, &str),
) -> anyhow::Result<()> {
    let (url, conn) = connect(text, args, "reader").await?;
    let opts = ReadOptions {
        start: url.start,
        follow: false,
        subjects: Subjects::Frames,
    };
    let mut reader = StreamReader::open(&conn.js, &url.names(), opts).await?;
    while let Some(line) = reader.next().await {
        let line = line?;
        f(line.seq as usize, &line.line);
    }
    Ok(())
}

/// `calltop report nats://…`: the stream's frames through the report, as a file's.
pub fn report(args: &ReportArgs) -> anyhow::Result<()> {
    use std::io::Write;
    let text = args.file.to_string_lossy().into_owned();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    crate::report::report_values(
        &text,
        args.format,
        super::window(args.period()),
        args.cut(),
        &mut out,
        crate::report::SORT_BUDGET,
        |each| {
            rt.block_on(read_stream(&text, &args.nats_args, |seq, line| {
                each(seq, Ok(line))
            }))
        },
    )?;
    out.flush()?;
    Ok(())
}

/// The stream's frames as a replay (`replay nats://…[?since=…]`): read to the stream's
/// end at open time into a private temporary file (kept while the directory lives),
/// then replayed like a recording.
pub async fn replay_of(args: &ReplayArgs) -> anyhow::Result<(Replay, tempfile::TempDir)> {
    use std::io::Write;
    let text = args.file.to_string_lossy().into_owned();
    let dir = tempfile::Builder::new()
        .prefix("calltop-stream")
        .tempdir()?;
    let path = dir.path().join("stream.jsonl");
    let mut file = std::io::BufWriter::new(crate::record::open_private(&path)?);
    let mut failed = None;
    read_stream(&text, &args.nats_args, |_, line| {
        if failed.is_none() {
            failed = writeln!(file, "{}", line.trim_end()).err();
        }
    })
    .await?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    file.flush()?;
    drop(file);
    let opts = Options {
        cache: Some(IndexCache::Memory),
        ..Options::default()
    };
    Ok((Replay::open(&path, opts)?, dir))
}
