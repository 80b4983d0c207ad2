//! Asking the processor for a session's parties and their status changes ahead of
//! reading them: a walk of every session (a board's full rebuild) spends most of its
//! time waiting for those, each a separate allocation somewhere in the heap.

use super::Session;

/// A step of loading ahead what applying an event reads, each a value after the one
/// before and reading what it loaded ([`super::SessionStore::prefetch`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ahead {
    /// Where the session keeps its id and parties (found from the table alone).
    Session,
    /// Its parties and its id.
    Parties,
    /// Their status changes and ids, and the center's state of the call.
    Details,
}

/// Starts loading the cache lines at `p..p + len` bytes; does nothing elsewhere than on
/// x86-64. Reads nothing: a prefetch of any address is harmless.
#[inline]
fn lines<T>(p: *const T, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = p.cast::<i8>();
        for off in (0..len).step_by(64) {
            // SAFETY: a prefetch is a hint; it never faults nor reads into the program,
            // whatever the address (`wrapping_add` makes no claim about it either).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(off)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, len);
}

/// Starts loading the elements of `v`.
#[inline]
pub(super) fn slice<T>(v: &[T]) {
    lines(v.as_ptr(), std::mem::size_of_val(v));
}

impl Session {
    /// Starts loading where this session keeps its id and parties (reads nothing).
    pub fn prefetch_self(&self) {
        lines(&self.id, std::mem::size_of_val(&self.id));
        lines(&self.parties, std::mem::size_of_val(&self.parties));
    }

    /// Starts loading this session's parties (the first step of reaching its figures)
    /// and its id.
    pub fn prefetch_parties(&self) {
        lines(
            self.parties.as_ptr(),
            std::mem::size_of_val(&self.parties[..]),
        );
        lines(self.id.as_ptr(), self.id.len());
    }

    /// Starts loading each party's status changes and extension id (whose agent it
    /// is: looked up by its text) — reads the parties: best after
    /// [`Session::prefetch_parties`] had time to bring them.
    pub fn prefetch_history(&self) {
        for p in &self.parties {
            lines(p.history.as_ptr(), std::mem::size_of_val(&p.history[..]));
            if let Some(x) = p.extension_id.get() {
                lines(x.as_ptr(), x.len());
            }
        }
    }

    /// [`Session::prefetch_history`], and what applying an event reads besides (a board's
    /// walk does not): each party's id, which the event's party is found by, and the
    /// center's state of the call.
    pub fn prefetch_for_event(&self) {
        self.prefetch_history();
        for p in &self.parties {
            lines(p.id.as_ptr(), p.id.len());
        }
        self.center.prefetch();
    }

    /// Calls `each` with every session of `sessions` in order, loading the parties of
    /// the sessions a few ahead meanwhile (the walk's time is mostly those loads).
    pub fn walk_prefetched<'a>(sessions: &[&'a Session], mut each: impl FnMut(&'a Session)) {
        const AHEAD: usize = 8;
        for (i, s) in sessions.iter().enumerate() {
            if let Some(a) = sessions.get(i + 2 * AHEAD) {
                a.prefetch_self();
            }
            if let Some(a) = sessions.get(i + AHEAD) {
                a.prefetch_parties();
            }
            if let Some(a) = sessions.get(i + AHEAD / 2) {
                a.prefetch_history();
            }
            each(s);
        }
    }
}
