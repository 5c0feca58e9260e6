//! The processes a machine is made of, other than the supervisor. Each is this binary run with a
//! hidden subcommand; it finds its control socket at fd 3 and its shared regions at the fds its
//! setup message names.

pub mod cpu;
pub mod device;

use std::fs::File;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use anyhow::{bail, Context};
use cloister_shared::control::DeviceFds;
use cloister_shared::sys::memfd::SharedRegion;

/// The control socket's fd in every child.
pub const CONTROL_FD: i32 = 3;
/// Environment variable holding the supervisor's pid.
pub const SUPERVISOR_PID_ENV: &str = "CLOISTER_SUPERVISOR_PID";

/// What every child does first: die with the supervisor, take signals again, find the socket.
pub fn enter_child() -> anyhow::Result<UnixStream> {
    use nix::sys::signal::{sigprocmask, SigSet, SigmaskHow, Signal};
    // The supervisor blocks these to read them from a signalfd; the mask survives exec.
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGCHLD,
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGPIPE,
    ] {
        set.add(s);
    }
    sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&set), None).context("unblocking signals")?;
    // Ctrl-C reaches the whole process group: let the supervisor decide how the machine ends.
    // SAFETY: setting a signal's disposition to "ignore" installs no handler code.
    unsafe { nix::sys::signal::signal(Signal::SIGINT, nix::sys::signal::SigHandler::SigIgn) }
        .context("ignoring SIGINT")?;
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).context("setting the parent-death signal")?;
    let expected: i32 = std::env::var(SUPERVISOR_PID_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .context("not started by a cloister supervisor")?;
    if nix::unistd::getppid().as_raw() != expected {
        bail!("the supervisor exited before this process started");
    }
    Ok(UnixStream::from(take_fd(CONTROL_FD)?))
}

/// Takes ownership of an inherited fd.
pub fn take_fd(fd: i32) -> anyhow::Result<OwnedFd> {
    // SAFETY: only borrowed for the duration of the F_GETFD probe; a closed fd makes it fail
    // with EBADF, which is the point.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    nix::fcntl::fcntl(borrowed, nix::fcntl::FcntlArg::F_GETFD)
        .with_context(|| format!("fd {fd} was not handed to this process"))?;
    // SAFETY: the fd is open (checked above) and was handed to us at exec for us alone; nothing
    // else in this process owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Maps an inherited memfd of `size` bytes.
pub fn map_fd(fd: i32, size: u64) -> anyhow::Result<Arc<SharedRegion>> {
    Ok(Arc::new(SharedRegion::from_fd(take_fd(fd)?, size)?))
}

/// What a device is handed besides its ring: its extra regions (sizes from its manifest), its
/// files by role, and where its host output goes.
pub struct DeviceFiles {
    pub regions: Vec<Arc<SharedRegion>>,
    pub files: Vec<(String, File)>,
    pub output: Option<File>,
}

/// Takes the fds of [`DeviceFds`] other than the ring's and the machine's.
pub fn take_device_files(fds: &DeviceFds, region_sizes: &[u64]) -> anyhow::Result<DeviceFiles> {
    Ok(DeviceFiles {
        regions: fds
            .regions
            .iter()
            .zip(region_sizes)
            .map(|(&fd, &size)| map_fd(fd, size))
            .collect::<anyhow::Result<_>>()?,
        files: fds
            .files
            .iter()
            .map(|(role, fd)| take_fd(*fd).map(|f| (role.clone(), File::from(f))))
            .collect::<anyhow::Result<_>>()?,
        output: fds.output.map(take_fd).transpose()?.map(File::from),
    })
}
