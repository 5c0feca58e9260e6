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
    /// Save the screen, pixel for pixel, as a PNG.
    Screenshot {
        /// Where to write the PNG.
        file: PathBuf,
    },
    /// Print the text screen (code page 437 as UTF-8).
    ScreenText,
    /// Type into the guest: the `cloister run --keys` syntax (\r Enter, {F1}, {ctrl-alt-del},
    /// {wait:TEXT}, {sleep:MS}, ...).
    Sendkeys { script: String },
    /// Stop the CPU (devices keep their own time; the screen stays).
    Pause,
    /// Let a paused CPU run again.
    Resume,
}

pub fn run(args: CtlArgs) -> anyhow::Result<i32> {
    let path = match args.control {
        Some(p) => p,
        None => only_machine()?,
    };
    let mut sock =
        UnixStream::connect(&path).with_context(|| format!("connecting to {}", path.display()))?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut png_file = None;
    let request = match args.command {
        CtlCommand::Status => CtlRequest::Status,
        CtlCommand::Quit => CtlRequest::Quit,
        CtlCommand::Screenshot { file } => {
            png_file = Some(file);
            CtlRequest::Screenshot
        }
        CtlCommand::ScreenText => CtlRequest::ScreenText,
        CtlCommand::Sendkeys { script } => CtlRequest::SendKeys(script),
        CtlCommand::Pause => CtlRequest::Pause,
        CtlCommand::Resume => CtlRequest::Resume,
    };
    control::send(&mut sock, &request)?;
    match control::recv(&mut sock).context("reading the machine's answer")? {
        CtlReply::Ok => {}
        CtlReply::Error(why) => bail!("the machine says: {why}"),
        CtlReply::Text(text) => println!("{text}"),
        CtlReply::Png(png) => {
            let file = png_file.context("the machine sent a picture nobody asked for")?;
            std::fs::write(&file, png).with_context(|| format!("writing {}", file.display()))?;
        }
        CtlReply::Status {
            processes,
            inline,
            instructions,
            unmapped_reads,
            unmapped_writes,
            paused,
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
            println!("cpu: {}", if paused { "paused" } else { "running" });
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
