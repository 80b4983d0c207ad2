//! The pure core: session store, timers, metrics. No I/O, no clock reads.
