//! `cloister`: the supervisor CLI and every process role of the machine.

mod cmd;

use clap::{Parser, Subcommand};

/// Cloister: an x86 PC emulator whose devices run in separate, restartable processes.
#[derive(Parser)]
#[command(name = "cloister", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run CPU conformance tests from SingleStepTests files (MOO or JSON, gzipped or not).
    Sst(cmd::sst::SstArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Sst(args) => cmd::sst::run(args),
    }
}
