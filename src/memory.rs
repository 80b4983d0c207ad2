//! How the process takes memory from the system: mimalloc (each binary declares it as
//! its global allocator) with the options set here, once, before any thread starts —
//! by the `calltop` binary and by the benches that measure what it does.

/// mimalloc's `mi_option_purge_delay` (its v3 `mimalloc.h`).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed pages stay mapped before they are given back (mimalloc's default).
/// Given back at once (0), a report's peak was 0.7 MiB lower, but every page freed and
/// taken again was a fault and an `madvise`: 11 % more CPU with two threads, where the
/// applying thread frees what the decoding thread took (BENCHMARKS.md, "Report memory").
const PURGE_AFTER_MS: std::os::raw::c_long = 10;

/// Sets the process's memory options: freed pages given back after [`PURGE_AFTER_MS`],
/// no transparent huge pages.
///
/// mimalloc asks for transparent huge pages on its arena (its `allow_thp` is read
/// before `main`), and a 2 MiB page stays resident while any of it is in use, so a long
/// report's peak grew with the churn of its calls (9 MiB more at 300k events, 13 MiB at
/// 4M, at the same speed).
pub fn configure() {
    // SAFETY: sets a process-wide option; called before any thread is started.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_AFTER_MS) };
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` sets a flag of this process and
    // reads no memory; a kernel without it fails with EINVAL, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
