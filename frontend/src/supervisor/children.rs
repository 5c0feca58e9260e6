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
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;

use super::placement::Placement;
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

/// What a device is started with besides its plan.
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

/// `dev`'s setup, with its `extra` regions, its files and its output added to `fds` as fd numbers
/// `*next` on. Its ring and the machine region are not among them (a device built inline in the
/// CPU process has neither): the setup says -1 for both.
pub fn device_setup(
    dev: DevicePlan,
    extra: &[Arc<SharedRegion>],
    with: &DeviceStart,
    fds: &mut Vec<(OwnedFd, i32)>,
    next: &mut i32,
) -> anyhow::Result<DeviceSetup> {
    let mut hand = |fd: OwnedFd| {
        let n = *next;
        fds.push((fd, n));
        *next += 1;
        n
    };
    let mut regions = Vec::new();
    for r in extra {
        regions.push(hand(r.fd().try_clone_to_owned()?));
    }
    let files = dev
        .files
        .into_iter()
        .map(|(role, f)| (role, hand(f.into())))
        .collect();
    let output = dev.output.map(|f| hand(f.into()));
    Ok(DeviceSetup {
        kind: dev.kind,
        implementation: dev.implementation,
        config: with.config.to_vec(),
        manifest: dev.manifest,
        fds: DeviceFds {
            region: -1,
            machine: -1,
            guest_ram: None,
            regions,
            files,
            output,
        },
        guest_ram_size: with.ram.len() as u64,
        fault: with.fault,
    })
}

/// A device process not started yet: its region exists (the CPU process can be handed it) and
/// what the process is to be handed is ready.
pub struct PendingDevice {
    /// The device's region (zeroed: its `peer_state` says Starting until [`start_device`]).
    pub region: Arc<SharedRegion>,
    /// What the process is told first.
    pub setup: DeviceSetup,
    fds: Vec<(OwnedFd, i32)>,
    terminal: bool,
}

/// Creates `dev`'s region and gathers the fds and setup its process will get, with its `extra`
/// regions. The process is started apart, by [`start_device`], so that the CPU process, which
/// needs every device's region, can be started before the devices (see `supervisor::run`).
pub fn prepare_device(
    dev: DevicePlan,
    extra: &[Arc<SharedRegion>],
    with: DeviceStart,
) -> anyhow::Result<PendingDevice> {
    let dup = |r: &SharedRegion| r.fd().try_clone_to_owned();
    let region = Arc::new(SharedRegion::create(
        &format!("cloister-{}", dev.kind),
        device_region_size(),
    )?);
    let mut fds = vec![(dup(&region)?, 10), (dup(with.machine_region)?, 11)];
    let guest_ram = if dev.manifest.guest_ram {
        fds.push((dup(with.ram)?, 12));
        Some(12)
    } else {
        None
    };
    let mut setup = device_setup(dev, extra, &with, &mut fds, &mut 13)?;
    setup.fds.region = 10;
    setup.fds.machine = 11;
    setup.fds.guest_ram = guest_ram;
    Ok(PendingDevice {
        region,
        setup,
        fds,
        terminal: with.terminal,
    })
}

/// Starts a prepared device in a process of its own: keeps it where `placement` says if it
/// serves ports, hands it its fds at their numbers and its setup, and marks its region running. The child (its `device` index is the caller's to set).
/// A child that cannot take its setup is killed and reaped here: the caller never knew it.
pub fn start_device(dev: PendingDevice, placement: &Placement) -> anyhow::Result<ChildProc> {
    let name = dev.setup.kind.clone();
    let (pid, mut sock) = spawn("__device", dev.fds, dev.terminal)
        .with_context(|| format!("starting device `{name}`"))?;
    // Before its setup, so it never serves a request from elsewhere. The display serves no
    // ports: the CPU never waits for it.
    if !dev.setup.manifest.ports.is_empty() {
        placement.place(pid, &format!("device `{name}`"));
    }
    if let Err(e) = control::send(&mut sock, &dev.setup) {
        let _ = kill(pid, Signal::SIGKILL);
        let _ = waitpid(pid, None);
        return Err(e).with_context(|| format!("setting up device `{name}`"));
    }
    region_view(&dev.region)
        .supervisor
        .peer_state
        .store(PeerState::Running as u32, Release);
    Ok(ChildProc {
        name,
        implementation: dev.setup.implementation,
        pid,
        control: sock,
        device: None,
        ended: None,
    })
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
