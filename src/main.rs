//! The `calltop` binary: parses the command line, runs one mode, maps the error to
//! an exit code.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    use clap::Parser;
    calltop::memory::configure();
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
