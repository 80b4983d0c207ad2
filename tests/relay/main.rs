//! The NATS JetStream relay against a real nats-server: names and permissions, publishing,
//! keyframes, failover, and boards acting through it.

#[cfg(feature = "nats")]
#[path = "../live/prom.rs"]
mod prom;
#[cfg(feature = "nats")]
#[path = "../sim/support.rs"]
mod sim_support;
#[cfg(feature = "nats")]
mod support;

mod accounts;
mod cluster;
mod e2e;
mod heartbeat;
mod inherited;
mod nats;
