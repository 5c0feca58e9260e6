//! Starting the machine's processes and telling how they ended.

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

use anyhow::Context;
use command_fds::{CommandFdExt, FdMapping};
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

use crate::roles::{CONTROL_FD, SUPERVISOR_PID_ENV};

/// A process of the machine.
pub struct ChildProc {
    /// `cpu`, or the device's name.
    pub name: String,
    pub implementation: String,
    pub pid: Pid,
    pub control: UnixStream,
    /// Index into the machine's device regions, for device processes.
    pub device: Option<usize>,
    /// How it ended, once reaped.
    pub ended: Option<String>,
}

/// Starts this binary in `role` with `fds` mapped to the given numbers and a control socket at
/// fd 3. The child inherits stdout and stderr; its stdin is empty unless it is to read the
/// `terminal` (the display process with `--display term`), then it is ours.
pub fn spawn(
    role: &str,
    fds: Vec<(OwnedFd, i32)>,
    terminal: bool,
) -> anyhow::Result<(Pid, UnixStream)> {
    let exe = std::env::current_exe().context("finding the cloister executable")?;
    let stdin = if terminal {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    spawn_with(&exe, role, fds, stdin)
}

/// [`spawn`] with the executable given (benchmarks start the `cloister` binary from their own).
pub fn spawn_exe(
    exe: &std::path::Path,
    role: &str,
    fds: Vec<(OwnedFd, i32)>,
) -> anyhow::Result<(Pid, UnixStream)> {
    spawn_with(exe, role, fds, Stdio::null())
}

fn spawn_with(
    exe: &std::path::Path,
    role: &str,
    fds: Vec<(OwnedFd, i32)>,
    stdin: Stdio,
) -> anyhow::Result<(Pid, UnixStream)> {
    let (ours, theirs) = UnixStream::pair().context("creating a control socket")?;
    let mut mappings = vec![FdMapping {
        parent_fd: theirs.into(),
        child_fd: CONTROL_FD,
    }];
    mappings.extend(fds.into_iter().map(|(parent_fd, child_fd)| FdMapping {
        parent_fd,
        child_fd,
    }));
    let mut cmd = Command::new(exe);
    cmd.arg(role)
        .env(SUPERVISOR_PID_ENV, nix::unistd::getpid().to_string())
        .stdin(stdin);
    cmd.fd_mappings(mappings)
        .context("mapping file descriptors")?;
    let child = cmd
        .spawn()
        .with_context(|| format!("starting the {role} process"))?;
    // We reap it ourselves (SIGCHLD through a signalfd); dropping the handle neither waits nor kills.
    Ok((Pid::from_raw(child.id() as i32), ours))
}

/// "exited with status 3", "was killed by signal SIGSEGV (core dumped)".
pub fn describe(status: &WaitStatus) -> String {
    match status {
        WaitStatus::Exited(_, code) => format!("exited with status {code}"),
        WaitStatus::Signaled(_, sig, core) => format!(
            "was killed by signal {}{}",
            sig.as_str(),
            if *core { " (core dumped)" } else { "" }
        ),
        other => format!("changed state: {other:?}"),
    }
}
