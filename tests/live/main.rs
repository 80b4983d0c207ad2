//! The live client against `calltop sim` over real sockets: sessions, recovery, faults,
//! control, the agents/queues center, the outcome feed, headless output and Prometheus.

mod support;

mod center;
mod control;
mod faults;
mod headless;
mod join;
mod metrics_prometheus;
mod metrics_queues;
mod outcomes;
mod prom;
mod realism;
mod session;
mod shared_budget;
mod unseen;
