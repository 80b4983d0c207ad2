//! Queue alarms: thresholds per queue read from a TOML alarms file ([`AlarmRules`]) and
//! the state machine that raises and clears them against the center's figures
//! ([`Alarms::evaluate`]).
//!
//! An alarm is raised as soon as its condition is known to hold, and cleared only once
//! its condition has been known *not* to hold for `clear_after` seconds in a row
//! (hysteresis: a queue hovering around a threshold does not flap). A figure calltop
//! cannot know yet neither raises nor clears: a waiting count or an oldest wait before
//! [`Center::waiting_complete`] is a lower bound (it may raise, never clear), a service
//! level with no calls to measure is unknown (`None`), and an unknown moment restarts
//! the clear countdown. A service-level alarm is about one interval: it clears when its
//! interval ends (the next one starts with no breach; it is raised again as soon as the
//! new interval's level is known to be below target).

use super::center::{Center, Cut, Queue};
use crate::core::zone::Zone;
use crate::wire::Ts;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Seconds an alarm's condition must stay clear before it clears, unless the file says.
pub const DEFAULT_CLEAR_AFTER_S: u64 = 10;
/// The service level's interval (minutes), unless the file says.
pub const DEFAULT_INTERVAL_MIN: u64 = 30;

/// One queue's thresholds; a field not given falls back to the `[default]` table.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Service level (%) over the current interval below this (default: the queue's own
    /// service-level goal, when the platform gives one).
    pub service_level_below: Option<f64>,
    /// The caller waiting longest has waited more than this many seconds.
    pub oldest_wait_over: Option<u64>,
    /// More callers than this waiting.
    pub waiting_over: Option<u64>,
    /// Callers waiting while no member is available.
    pub no_agent_available: Option<bool>,
    /// A member has missed (not answered when offered) more calls than this.
    pub missed_over: Option<u64>,
}

impl Limits {
    fn or(&self, d: &Limits) -> Limits {
        Limits {
            service_level_below: self.service_level_below.or(d.service_level_below),
            oldest_wait_over: self.oldest_wait_over.or(d.oldest_wait_over),
            waiting_over: self.waiting_over.or(d.waiting_over),
            no_agent_available: self.no_agent_available.or(d.no_agent_available),
            missed_over: self.missed_over.or(d.missed_over),
        }
    }
}

/// The alarms file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmRules {
    /// Seconds a condition must stay clear before its alarm clears.
    pub clear_after: Option<u64>,
    /// Length in minutes of the interval the service level is measured over.
    pub interval_minutes: Option<u64>,
    #[serde(default)]
    pub default: Limits,
    /// Per queue, by extension number or id.
    #[serde(default)]
    pub queue: BTreeMap<String, Limits>,
}

impl AlarmRules {
    /// Parses an alarms file; an error is one line naming the line at fault.
    pub fn parse(text: &str) -> Result<AlarmRules, String> {
        let rules: AlarmRules = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            format!("line {line}: {}", e.message().trim())
        })?;
        if rules.interval_minutes.is_some_and(|m| m == 0 || m > 1440) {
            return Err("interval_minutes must be 1 to 1440".into());
        }
        Ok(rules)
    }

    /// The limits in force for `q`: its table (by extension number, else id) over the
    /// default table.
    pub fn limits(&self, q: &Queue) -> Limits {
        let own = q
            .extension_number
            .as_ref()
            .and_then(|n| self.queue.get(n))
            .or_else(|| self.queue.get(&q.id));
        own.map_or_else(|| self.default.clone(), |l| l.or(&self.default))
    }

    /// How the service level's intervals are cut in `zone`.
    pub fn cut(&self, zone: Zone) -> Cut {
        let min = self.interval_minutes.unwrap_or(DEFAULT_INTERVAL_MIN) as i64;
        Cut {
            len_ms: min * 60_000,
            zone,
        }
    }

    fn clear_after_ms(&self) -> i64 {
        self.clear_after.unwrap_or(DEFAULT_CLEAR_AFTER_S) as i64 * 1000
    }
}

/// What an alarm is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlarmKind {
    ServiceLevel,
    OldestWait,
    Waiting,
    NoAgent,
    Missed,
}

impl AlarmKind {
    /// The name in JSON and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmKind::ServiceLevel => "serviceLevel",
            AlarmKind::OldestWait => "oldestWait",
            AlarmKind::Waiting => "waiting",
            AlarmKind::NoAgent => "noAgentAvailable",
            AlarmKind::Missed => "missed",
        }
    }

    /// Words for the board.
    pub fn words(self) -> &'static str {
        match self {
            AlarmKind::ServiceLevel => "SL below target",
            AlarmKind::OldestWait => "oldest wait",
            AlarmKind::Waiting => "waiting",
            AlarmKind::NoAgent => "no agent available",
            AlarmKind::Missed => "missed calls",
        }
    }
}

/// Which alarm: a queue, a kind and, for missed calls, the agent.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlarmKey {
    pub queue: String,
    pub kind: AlarmKind,
    pub agent: Option<String>,
}

/// An alarm raised or cleared.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmChange {
    pub key: AlarmKey,
    /// True: raised; false: cleared.
    pub raised: bool,
    pub at: Ts,
    /// The queue's extension number and name, when known.
    pub extension_number: Option<String>,
    pub name: Option<String>,
    /// The figure and the threshold it was held against (`value`: `None` when unknown).
    pub value: Option<f64>,
    pub threshold: f64,
}

impl AlarmChange {
    /// The alarm as a JSON object (the headless line and `--on-alert`'s stdin).
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "type": if self.raised { "alarmRaised" } else { "alarmCleared" },
            "at": self.at.to_rfc3339(),
            "alarm": self.key.kind.as_str(),
            "queueId": self.key.queue,
            "queueNumber": self.extension_number,
            "queueName": self.name,
            "agentId": self.key.agent,
            "value": self.value,
            "threshold": self.threshold,
        })
    }

    /// One human line: its time, then [`AlarmChange::words`].
    pub fn text(&self) -> String {
        format!("{} {}", self.at.to_rfc3339(), self.words())
    }

    /// The queue (extension number, else name, else id).
    pub fn queue_label(&self) -> &str {
        self.extension_number
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.key.queue)
    }

    /// What happened, in words: `alarm raised: queue 2001 oldest wait (40, threshold 30)`.
    pub fn words(&self) -> String {
        let q = self.queue_label();
        let agent = self
            .key
            .agent
            .as_deref()
            .map(|a| format!(" agent {a}"))
            .unwrap_or_default();
        let value = self.value.map_or("—".to_string(), |v| format!("{v:.0}"));
        let verb = if self.raised { "raised" } else { "cleared" };
        format!(
            "alarm {verb}: queue {q}{agent} {} ({value}, threshold {:.0})",
            self.key.kind.words(),
            self.threshold
        )
    }
}

/// An alarm in force.
#[derive(Clone, Debug, PartialEq)]
pub struct Active {
    pub since: Ts,
    /// The interval it is about (service level over intervals).
    interval: Option<Ts>,
    /// Since when its condition has been known to be clear.
    clear_since: Option<Ts>,
}

/// The alarms in force, evaluated against the center again and again.
#[derive(Clone, Debug, Default)]
pub struct Alarms {
    rules: AlarmRules,
    active: BTreeMap<AlarmKey, Active>,
}

/// One condition: its figure, threshold and whether it holds (`None`: unknown).
struct Check {
    key: AlarmKey,
    holds: Option<bool>,
    value: Option<f64>,
    threshold: f64,
    /// The start of the interval it measures, if it measures one.
    interval: Option<Ts>,
}

impl Alarms {
    pub fn new(rules: AlarmRules) -> Alarms {
        Alarms {
            rules,
            active: BTreeMap::new(),
        }
    }

    pub fn rules(&self) -> &AlarmRules {
        &self.rules
    }

    /// The alarms in force.
    pub fn active(&self) -> impl Iterator<Item = (&AlarmKey, &Active)> {
        self.active.iter()
    }

    /// The kinds of alarm in force on queue `id`.
    pub fn on_queue(&self, id: &str) -> Vec<AlarmKind> {
        let mut v: Vec<_> = self
            .active
            .keys()
            .filter(|k| k.queue == id)
            .map(|k| k.kind)
            .collect();
        v.dedup();
        v
    }

    /// Evaluates every queue at `now`: the alarms raised and cleared since the last time.
    pub fn evaluate(&mut self, center: &Center, now: Ts) -> Vec<AlarmChange> {
        let mut changes = Vec::new();
        for q in center.queues() {
            for c in checks(&self.rules, center, q, now) {
                if let Some(raised) = self.step(&c, now) {
                    changes.push(AlarmChange {
                        key: c.key,
                        raised,
                        at: now,
                        extension_number: q.extension_number.clone(),
                        name: q.name.clone(),
                        value: c.value,
                        threshold: c.threshold,
                    });
                }
            }
        }
        changes
    }

    /// One alarm's step: `Some(true)` raised, `Some(false)` cleared.
    fn step(&mut self, c: &Check, now: Ts) -> Option<bool> {
        let (key, holds) = (&c.key, c.holds);
        let clear_after = self.rules.clear_after_ms();
        match (self.active.get_mut(key), holds) {
            (Some(a), _) if a.interval != c.interval => {
                self.active.remove(key);
                Some(false)
            }
            (None, Some(true)) => {
                let a = Active {
                    since: now,
                    interval: c.interval,
                    clear_since: None,
                };
                self.active.insert(key.clone(), a);
                Some(true)
            }
            (None, _) => None,
            (Some(a), Some(true) | None) => {
                a.clear_since = None;
                None
            }
            (Some(a), Some(false)) => {
                let since = *a.clear_since.get_or_insert(now);
                if since.millis_until(now) >= clear_after {
                    self.active.remove(key);
                    Some(false)
                } else {
                    None
                }
            }
        }
    }
}

/// The conditions of queue `q` its limits ask for, at `now`.
fn checks(rules: &AlarmRules, center: &Center, q: &Queue, now: Ts) -> Vec<Check> {
    let l = rules.limits(q);
    let key = |kind| AlarmKey {
        queue: q.id.clone(),
        kind,
        agent: None,
    };
    let complete = center.waiting_complete(q, now);
    // A lower bound may show a breach, never its absence.
    let bound = |over: bool| {
        if over {
            Some(true)
        } else {
            complete.then_some(false)
        }
    };
    let mut v = Vec::new();
    let goal = l.service_level_below.or(q.sla.goal_pct.map(|g| g as f64));
    if let Some(goal) = goal {
        let (pct, interval) = match center.intervals() {
            Some(iv) => {
                let start = iv.cut().start_of(now);
                (iv.queue(q, start).service_level_pct(), Some(start))
            }
            None => (q.service_level_pct(), None),
        };
        v.push(Check {
            key: key(AlarmKind::ServiceLevel),
            holds: pct.map(|p| p < goal),
            value: pct,
            threshold: goal,
            interval,
        });
    }
    if let Some(n) = l.oldest_wait_over {
        let s = center.oldest_known_ms(q, now) / 1000;
        v.push(Check {
            key: key(AlarmKind::OldestWait),
            holds: bound(s > n as i64),
            value: Some(s as f64),
            threshold: n as f64,
            interval: None,
        });
    }
    if let Some(n) = l.waiting_over {
        let w = center.waiting_count(q) as u64;
        v.push(Check {
            key: key(AlarmKind::Waiting),
            holds: bound(w > n),
            value: complete.then_some(w as f64),
            threshold: n as f64,
            interval: None,
        });
    }
    if l.no_agent_available == Some(true) {
        let available = center.staff(q).available;
        let holds = match (q.waiting.is_empty(), available) {
            (_, a) if a > 0 => Some(false),
            (false, _) => Some(true),
            (true, _) => complete.then_some(false),
        };
        v.push(Check {
            key: key(AlarmKind::NoAgent),
            holds,
            value: Some(available as f64),
            threshold: 0.0,
            interval: None,
        });
    }
    if let Some(n) = l.missed_over {
        for id in q.members.keys() {
            let missed = center.agent(id).map(|a| a.figures.missed);
            v.push(Check {
                key: AlarmKey {
                    agent: Some(id.clone()),
                    ..key(AlarmKind::Missed)
                },
                holds: missed.map(|m| m > n),
                value: missed.map(|m| m as f64),
                threshold: n as f64,
                interval: None,
            });
        }
    }
    v
}

#[cfg(test)]
mod tests;
