//! The `calltop` binary: parses the command line, runs one mode, maps the error to
//! an exit code.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its v3 `mimalloc.h`).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// No transparent huge pages for this process: mimalloc asks for them on its arena (its
/// `allow_thp` is read before `main`), and a 2 MiB page stays resident while any of it
/// is in use, so a long report's peak grew with the churn of its calls (9 MiB more at
/// 300k events, 13 MiB at 4M, at the same speed: BENCHMARKS.md "Report memory").
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` sets a flag of this process and
    // reads no memory; a kernel without it fails with EINVAL, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> std::process::ExitCode {
    use clap::Parser;
    // mimalloc gives freed pages back to the OS a while after they are freed: a report
    // over a long recording then holds a few MiB it no longer uses (BENCHMARKS.md,
    // "Report memory"). Given back at once, the peak is what is in use.
    // SAFETY: sets a process-wide option before any thread is started.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    no_huge_pages();
    match calltop::modes::run(calltop::cli::Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // `calltop report … | head`: the reader left; nothing more to say.
        Err(e) if broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<calltop::cli::BadInput>().is_some() => {
            eprintln!("calltop: {e:#}");
            std::process::ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("calltop: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
