//! A report's figures per account and in total (`report A B …`): each account's summary,
//! queues and agents as `report A` alone gives them, named by their account; the totals
//! of each account's queues and agents and of all of them; the summary of all. With one
//! input, its figures as they are.

use super::{
    agent_figures_report, center_reports, queue_figures_report, summary_report, AgentReport,
    QueueReport, SummaryReport,
};
use crate::core::center::{AgentFigures, Queue, QueueFigures};
use crate::core::outcomes::JoinCounts;
use crate::core::{SessionStore, Summary};
use crate::wire::Ts;
use serde::Serialize;

/// One input's store at its clock, and the account it stands for (none when alone).
pub struct Account<'a> {
    pub account: Option<String>,
    pub store: &'a SessionStore,
    pub now: Ts,
}

/// One account's totals, or all accounts' (`all`).
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AccountReport {
    pub account: String,
    pub summary: SummaryReport,
    /// Its queues' figures together.
    pub queues: QueueReport,
    /// Its agents' figures together.
    pub agents: AgentReport,
}

/// What a report writes after the calls.
pub struct Tail {
    /// Of every account together.
    pub summary: SummaryReport,
    pub queues: Vec<QueueReport>,
    pub agents: Vec<AgentReport>,
    /// Each account's totals, then all accounts' (empty with one input).
    pub accounts: Vec<AccountReport>,
}

/// The account name of the totals of every account.
pub const ALL: &str = "all";

/// The summary, queues and agents of `parts`, and with several their totals.
pub fn tail(parts: &[Account]) -> Tail {
    let mut total: Option<(Summary, JoinCounts)> = None;
    let (mut queues, mut agents, mut accounts) = (Vec::new(), Vec::new(), Vec::new());
    for p in parts {
        let (s, j) = (p.store.summary(p.now), p.store.outcomes().counts());
        let (mut q, mut a) = center_reports(p.store.center(), p.now);
        if let Some(account) = &p.account {
            q.iter_mut().for_each(|r| r.account = Some(account.clone()));
            a.iter_mut().for_each(|r| r.account = Some(account.clone()));
            accounts.push(AccountReport {
                account: account.clone(),
                summary: summary_report(&s, j),
                queues: queue_total(account, p.store.center().queues(), &q),
                agents: agent_total(account, [p]),
            });
        }
        match &mut total {
            None => total = Some((s, j)),
            Some((ts, tj)) => {
                ts.merge(&s);
                tj.merge(&j);
            }
        }
        queues.extend(q);
        agents.extend(a);
    }
    let (s, j) = total.unwrap_or_default();
    let summary = summary_report(&s, j);
    if parts.len() > 1 {
        let every = parts.iter().flat_map(|p| p.store.center().queues());
        accounts.push(AccountReport {
            account: ALL.into(),
            summary: summary_report(&s, j),
            queues: queue_total(ALL, every, &queues),
            agents: agent_total(ALL, parts),
        });
    }
    Tail {
        summary,
        queues,
        agents,
        accounts,
    }
}

/// What a totals line is called.
fn total_name(account: &str) -> String {
    match account {
        ALL => "Σ all accounts".into(),
        a => format!("Σ {a}"),
    }
}

/// The totals of `queues` (their lines: `rows`): counts added, the service level and
/// averages over all their calls, the threshold when they share one.
fn queue_total<'a>(
    account: &str,
    queues: impl IntoIterator<Item = &'a Queue>,
    rows: &[QueueReport],
) -> QueueReport {
    let (f, sl): (QueueFigures, _) = QueueFigures::combined(queues);
    let first = rows.first().and_then(|r| r.service_level_seconds);
    let shared = first.filter(|t| rows.iter().all(|r| r.service_level_seconds == Some(*t)));
    let waiting = rows.iter().map(|r| r.waiting).sum();
    let longest = rows
        .iter()
        .map(|r| r.longest_wait_seconds)
        .fold(0.0, f64::max);
    QueueReport {
        account: Some(account.to_string()),
        name: Some(total_name(account)),
        ..queue_figures_report(&f, sl, waiting, shared, longest)
    }
}

/// The totals of the agents of `parts`, each at its clock.
fn agent_total<'a>(account: &str, parts: impl IntoIterator<Item = &'a Account<'a>>) -> AgentReport {
    let mut f = AgentFigures::default();
    for p in parts {
        let c = p.store.center();
        for a in c.agents() {
            f.merge(&c.agent_figures_at(a, p.now));
        }
    }
    AgentReport {
        account: Some(account.to_string()),
        ..agent_figures_report(String::new(), None, Some(total_name(account)), &f)
    }
}
