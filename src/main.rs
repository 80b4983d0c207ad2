//! The `calltop` binary: parses the command line, runs one mode, maps the error to
//! an exit code.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    use clap::Parser;
    match calltop::modes::run(calltop::cli::Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("calltop: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
