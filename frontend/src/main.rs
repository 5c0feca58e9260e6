//! `cloister`: the supervisor CLI, and every process role of a machine (the supervisor starts the
//! CPU and device processes by executing this same binary with a hidden role).

use clap::Parser;
use cloister::{cli, cmd, roles, supervisor};

fn main() {
    let cli = cli::Cli::parse();
    init_logging();
    let result = match cli.command {
        cli::Command::Run(args) => supervisor::run(args),
        cli::Command::Ctl(args) => cmd::ctl::run(args),
        cli::Command::Sst(args) => cmd::sst::run(args).map(|()| 0),
        cli::Command::CpuProcess => roles::cpu::main(),
        cli::Command::DeviceProcess => roles::device::main(),
    };
    match result {
        Ok(status) => std::process::exit(status),
        Err(e) => {
            eprintln!("cloister: {e:#}");
            std::process::exit(1);
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CLOISTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .init();
}
