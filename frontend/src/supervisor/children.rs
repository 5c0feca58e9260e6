//! Starting the machine's processes and telling how they ended.

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering::Release;
use std::sync::Arc;

use anyhow::Context;
use cloister_shared::control::{self, DeviceFds, DeviceSetup, Fault};
use cloister_shared::plane::layout::device_region_size;
use cloister_shared::plane::PeerState;
use cloister_shared::sys::memfd::SharedRegion;
use command_fds::{CommandFdExt, FdMapping};
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

use super::plan::DevicePlan;
use super::region_view;
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

/// What a device process is started with besides its plan.
pub struct DeviceStart<'a> {
    pub machine_region: &'a SharedRegion,
    /// Guest RAM, handed over if the manifest asks for it.
    pub ram: &'a SharedRegion,
    /// The machine's configuration (postcard).
    pub config: &'a [u8],
    pub fault: Option<Fault>,
    /// Its stdin is the terminal (the display with `--display term`).
    pub terminal: bool,
}

/// Starts `dev` in a process of its own with its `extra` regions: creates its device region,
/// hands it its fds at fixed numbers and its setup, and marks it running. The child (its
/// `device` index is the caller's to set) and its region.
pub fn start_device(
    dev: DevicePlan,
    extra: &[Arc<SharedRegion>],
    with: DeviceStart,
) -> anyhow::Result<(ChildProc, Arc<SharedRegion>)> {
    let dup = |r: &SharedRegion| r.fd().try_clone_to_owned();
    let region = Arc::new(SharedRegion::create(
        &format!("cloister-{}", dev.kind),
        device_region_size(),
    )?);
    let mut fds: Vec<(OwnedFd, i32)> = vec![(dup(&region)?, 10), (dup(with.machine_region)?, 11)];
    let mut dfds = DeviceFds {
        region: 10,
        machine: 11,
        guest_ram: None,
        regions: vec![],
        files: vec![],
        output: None,
    };
    if dev.manifest.guest_ram {
        fds.push((dup(with.ram)?, 12));
        dfds.guest_ram = Some(12);
    }
    for (i, r) in extra.iter().enumerate() {
        fds.push((dup(r)?, 13 + i as i32));
        dfds.regions.push(13 + i as i32);
    }
    for (i, (role, f)) in dev.files.into_iter().enumerate() {
        fds.push((OwnedFd::from(f), 30 + i as i32));
        dfds.files.push((role, 30 + i as i32));
    }
    if let Some(out) = dev.output {
        fds.push((OwnedFd::from(out), 50));
        dfds.output = Some(50);
    }
    let (pid, mut sock) = spawn("__device", fds, with.terminal)?;
    let setup = DeviceSetup {
        kind: dev.kind.clone(),
        implementation: dev.implementation.clone(),
        config: with.config.to_vec(),
        manifest: dev.manifest,
        fds: dfds,
        guest_ram_size: with.ram.len() as u64,
        fault: with.fault,
    };
    control::send(&mut sock, &setup)
        .with_context(|| format!("setting up device `{}`", dev.kind))?;
    region_view(&region)
        .supervisor
        .peer_state
        .store(PeerState::Running as u32, Release);
    let child = ChildProc {
        name: dev.kind,
        implementation: dev.implementation,
        pid,
        control: sock,
        device: None,
        ended: None,
    };
    Ok((child, region))
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
