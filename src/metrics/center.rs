//! The contact center on `/metrics`: per queue and per agent, the figures the queues and
//! agents views show (`core::center` computes them; read here at scrape time), labelled
//! with the account. What calltop could not see is absent, never 0: callers waiting while
//! one waiting since before calltop joined may be unseen, the service level and speed of
//! answer without calls, an agent's unknown state, a queue's members not loaded yet.
//! Queue and agent counters count from the figures' start (`--since`; by default midnight
//! in `--tz`) and restart at 0 with the next window: `increase()` and `rate()` take that as
//! a counter reset.

use super::labelled;
use crate::core::center::{Agent, Queue, QueueFigures};
use crate::core::Center;
use crate::wire::presence::AgentState;
use crate::wire::Ts;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

type Labels = Vec<(&'static str, String)>;

/// Every agent state, by its label value.
const STATES: [(AgentState, &str); 9] = [
    (AgentState::Available, "available"),
    (AgentState::Ringing, "ringing"),
    (AgentState::OnCall, "on_call"),
    (AgentState::OnHold, "on_hold"),
    (AgentState::Parked, "parked"),
    (AgentState::Busy, "busy"),
    (AgentState::OffQueue, "off_queue"),
    (AgentState::Dnd, "dnd"),
    (AgentState::Offline, "offline"),
];

/// A family's name and help.
type Family = (&'static str, &'static str);

const WAITING: Family = (
    "calltop_queue_waiting_calls",
    "Callers waiting in the queue now (absent while one waiting since before calltop \
     joined may be unseen)",
);
const SEEN_WAITING: Family = (
    "calltop_queue_seen_waiting_calls",
    "Callers calltop sees waiting in the queue now: all of them once \
     calltop_queue_waiting_calls is present, else a lower bound",
);
const OLDEST: Family = (
    "calltop_queue_oldest_wait_seconds",
    "How long the caller waiting longest has waited (0 when none waits; absent while \
     waiting callers may be unseen)",
);
const SL: Family = (
    "calltop_queue_service_level_ratio",
    "Answered within the threshold / (answered + voicemail [+ abandoned over the \
     threshold]), 0..1 (absent without such calls)",
);
const SL_THRESHOLD: Family = (
    "calltop_queue_service_level_threshold_seconds",
    "The queue's service-level threshold",
);
const ASA: Family = (
    "calltop_queue_average_speed_of_answer_seconds",
    "Average wait of the answered queue calls before the answer (absent without answered \
     calls)",
);

/// A queue counter: name, help, figure.
type QueueCount = (&'static str, &'static str, fn(&QueueFigures) -> u64);

const QUEUE_COUNTS: [QueueCount; 5] = [
    (
        "calltop_queue_calls_offered",
        "Calls that entered the queue (waiting ones included)",
        |f| f.offered,
    ),
    (
        "calltop_queue_calls_answered",
        "Queue calls an agent answered",
        |f| f.answered,
    ),
    (
        "calltop_queue_calls_abandoned",
        "Queue calls whose caller hung up before an answer",
        |f| f.abandoned,
    ),
    (
        "calltop_queue_calls_voicemail",
        "Queue calls that went to voicemail",
        |f| f.voicemail,
    ),
    (
        "calltop_queue_calls_overflow",
        "Queue calls that overflowed to another destination",
        |f| f.overflow,
    ),
];

fn secs(ms: f64) -> f64 {
    ms / 1000.0
}

/// One family: a value per labelled thing that has one.
fn family<T, M: EncodeMetric>(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    of: &[(Labels, T)],
    value: impl Fn(&T) -> Option<M>,
) -> std::fmt::Result {
    let values = of
        .iter()
        .filter_map(|(l, x)| value(x).map(|m| (l.clone(), m)))
        .collect();
    labelled(e, name, help, values)
}

fn gauge(v: f64) -> Option<ConstGauge<f64>> {
    Some(ConstGauge::new(v))
}

fn count(v: u64) -> Option<ConstCounter<u64>> {
    Some(ConstCounter::new(v))
}

/// The queue and agent families of `c` at `now`, labelled with the account each agent
/// and queue belongs to (a board over several accounts), else `account` (empty: not
/// known).
pub(super) fn encode(
    e: &mut DescriptorEncoder,
    c: &Center,
    account: &str,
    now: Ts,
) -> std::fmt::Result {
    if let Some((from, _)) = c.counted_from() {
        let labels = vec![("account", account.to_string())];
        labelled(
            e,
            "calltop_figures_start_timestamp_seconds",
            "From when the queue and agent counters count (Unix time): the period's start, \
             or when calltop joined after it (absent before it heard of a call)",
            vec![(labels, ConstGauge::new(secs(from.0 as f64)))],
        )?;
    }
    let name = |n: &Option<String>| n.clone().unwrap_or_default();
    let mut queues: Vec<&Queue> = c.queues().collect();
    queues.sort_by(|a, b| a.id.cmp(&b.id));
    let queues: Vec<(Labels, &Queue)> = queues
        .into_iter()
        .map(|q| {
            let labels = vec![
                (
                    "account",
                    q.account.as_deref().unwrap_or(account).to_string(),
                ),
                ("queue", q.id.clone()),
                ("queue_name", name(&q.name)),
            ];
            (labels, q)
        })
        .collect();
    let complete = |q: &Queue| c.waiting_complete(q, now);
    family(e, WAITING.0, WAITING.1, &queues, |q| {
        complete(q).then(|| ConstGauge::new(c.waiting_count(q) as i64))
    })?;
    family(e, SEEN_WAITING.0, SEEN_WAITING.1, &queues, |q| {
        Some(ConstGauge::new(c.waiting_count(q) as i64))
    })?;
    family(e, OLDEST.0, OLDEST.1, &queues, |q| {
        // Nobody known to wait: 0 once every waiting caller would be known.
        let (ms, bound) = c.oldest_wait(q, now).unwrap_or((0, !complete(q)));
        (!bound).then(|| ConstGauge::new(secs(ms as f64)))
    })?;
    for (name, help, figure) in QUEUE_COUNTS {
        family(e, name, help, &queues, |q| count(figure(&q.figures)))?;
    }
    family(e, SL.0, SL.1, &queues, |q| {
        q.service_level_pct().and_then(|p| gauge(p / 100.0))
    })?;
    family(e, SL_THRESHOLD.0, SL_THRESHOLD.1, &queues, |q| {
        gauge(secs(q.sla.threshold_ms as f64))
    })?;
    family(e, ASA.0, ASA.1, &queues, |q| {
        q.figures
            .avg_answer_wait_ms()
            .and_then(|ms| gauge(secs(ms)))
    })?;
    let mut staff: Vec<(Labels, ConstGauge)> = Vec::new();
    for (labels, q) in queues.iter().filter(|(_, q)| !q.members.is_empty()) {
        let s = c.staff(q);
        for (k, v) in [
            ("available", s.available),
            ("on_call", s.on_call),
            ("not_accepting", s.not_accepting),
            ("busy", s.busy),
        ] {
            let mut l = labels.clone();
            l.push(("availability", k.to_string()));
            staff.push((l, ConstGauge::new(i64::from(v))));
        }
    }
    labelled(
        e,
        "calltop_queue_agents",
        "The queue's members by availability (absent before the members are known)",
        staff,
    )?;
    agents(e, c, account, now)
}

fn agents(e: &mut DescriptorEncoder, c: &Center, account: &str, now: Ts) -> std::fmt::Result {
    let mut list: Vec<&Agent> = c.agents().collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    let agents: Vec<(Labels, &Agent)> = list
        .into_iter()
        .map(|a| {
            let labels = vec![
                (
                    "account",
                    a.account.as_deref().unwrap_or(account).to_string(),
                ),
                ("agent", a.id.clone()),
                ("agent_name", a.name.clone().unwrap_or_default()),
            ];
            (labels, a)
        })
        .collect();
    let mut states: Vec<(Labels, ConstGauge)> = Vec::new();
    for (labels, a) in &agents {
        let Some(now_in) = a.status().0 else { continue };
        for (state, word) in STATES {
            let mut l = labels.clone();
            l.push(("state", word.to_string()));
            states.push((l, ConstGauge::new(i64::from(state == now_in))));
        }
    }
    labelled(
        e,
        "calltop_agent_state",
        "1 for the agent's state now, as the agents view shows it, 0 for the others \
         (absent when unknown)",
        states,
    )?;
    family(
        e,
        "calltop_agent_state_changed_timestamp_seconds",
        "When the agent's state last changed (Unix time; absent when calltop did not see \
         it change)",
        &agents,
        |a| a.status().1.and_then(|t| gauge(secs(t.0 as f64))),
    )?;
    let figures: Vec<_> = agents
        .iter()
        .map(|(l, a)| (l.clone(), c.agent_figures_at(a, now)))
        .collect();
    family(
        e,
        "calltop_agent_calls_offered",
        "Queue calls offered to the agent (its legs rung)",
        &figures,
        |f| count(f.offers),
    )?;
    family(
        e,
        "calltop_agent_calls_handled",
        "Queue calls the agent answered",
        &figures,
        |f| count(f.handled),
    )?;
    family(
        e,
        "calltop_agent_calls_missed",
        "Queue calls the agent let ring out, ignored or rejected",
        &figures,
        |f| count(f.missed),
    )?;
    family(
        e,
        "calltop_agent_talk_seconds",
        "Time the agent talked on queue calls (the call in progress included)",
        &figures,
        |f| Some(ConstCounter::new(secs(f.talk_ms as f64))),
    )?;
    family(
        e,
        "calltop_agent_hold_seconds",
        "Time the agent held queue calls (the call in progress included)",
        &figures,
        |f| Some(ConstCounter::new(secs(f.hold_ms as f64))),
    )
}
