//! `cloister ctl`: talk to a running machine.

use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use cloister_shared::control;

use crate::supervisor::control_socket::{default_dir, CtlReply, CtlRequest};

#[derive(clap::Args)]
pub struct CtlArgs {
    /// The machine's control socket. Default: the only running machine's.
    #[arg(long, value_name = "PATH")]
    control: Option<PathBuf>,
    #[command(subcommand)]
    command: CtlCommand,
}

#[derive(clap::Subcommand)]
enum CtlCommand {
    /// List every process of the machine with its pid, implementation and port counters.
    Status,
    /// Stop the machine.
    Quit,
}

pub fn run(args: CtlArgs) -> anyhow::Result<i32> {
    let path = match args.control {
        Some(p) => p,
        None => only_machine()?,
    };
    let mut sock =
        UnixStream::connect(&path).with_context(|| format!("connecting to {}", path.display()))?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = match args.command {
        CtlCommand::Status => CtlRequest::Status,
        CtlCommand::Quit => CtlRequest::Quit,
    };
    control::send(&mut sock, &request)?;
    match control::recv(&mut sock).context("reading the machine's answer")? {
        CtlReply::Ok => {}
        CtlReply::Status {
            processes,
            inline,
            instructions,
            unmapped_reads,
            unmapped_writes,
        } => {
            println!(
                "{:<10} {:>8}  {:<16} {:>12} {:>12} {:>12} {:>8} {:>10} {:>10}",
                "process",
                "pid",
                "implementation",
                "writes",
                "reads",
                "published",
                "blocks",
                "mem-writes",
                "mem-reads"
            );
            for p in processes {
                let c = p.counters.unwrap_or_default();
                println!(
                    "{:<10} {:>8}  {:<16} {:>12} {:>12} {:>12} {:>8} {:>10} {:>10}",
                    p.name,
                    p.pid,
                    p.implementation,
                    c.writes,
                    c.reads,
                    c.published_reads,
                    c.block_transfers,
                    c.mem_writes,
                    c.mem_reads
                );
            }
            for (name, c) in inline {
                println!(
                    "{:<10} {:>8}  {:<16} {:>12} {:>12} {:>12} {:>8} {:>10} {:>10}",
                    name,
                    "inline",
                    "-",
                    c.writes,
                    c.reads,
                    c.published_reads,
                    c.block_transfers,
                    c.mem_writes,
                    c.mem_reads
                );
            }
            println!("instructions: {instructions}; unserved ports: {unmapped_reads} reads, {unmapped_writes} writes");
        }
    }
    Ok(0)
}

/// The control socket of the one machine running, if exactly one is.
fn only_machine() -> anyhow::Result<PathBuf> {
    let dir = default_dir();
    let live: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "sock") && UnixStream::connect(p).is_ok()
                })
                .collect()
        })
        .unwrap_or_default();
    match live.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!(
            "no running machine found in {} (give --control PATH)",
            dir.display()
        ),
        many => bail!(
            "{} machines are running; pick one with --control: {}",
            many.len(),
            many.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
