//! The pure core: session store, timers, metrics. No I/O, no clock reads, no async.

pub mod alarms;
pub mod archive;
pub mod center;
pub(crate) mod changes;
pub mod control;
pub mod keyframe;
pub mod metrics;
mod ordered;
pub mod outcomes;
pub mod party;
mod prefetch;
pub mod session;
pub mod shared;
pub mod store;
pub mod timers;
pub mod tombstones;
pub mod zone;

pub use center::{Center, Window};
pub use metrics::{Counters, HeldFigures, Outcomes, Part, Stat, Summary, SummaryBasis, Totals};
pub use party::{Changes, Delivery, PartyState, StatusChange};
pub use session::{Disposition, EntryKind, Session, TimelineEntry};
pub use shared::SharedStore;
pub use store::{Applied, EndedSince, PartyCodes, SessionStore, StoreConfig, Version};
pub use timers::{clock, clock_bound, secs, Bucket, CallTimes, LinearRange, Running};
