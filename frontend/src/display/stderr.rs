//! While the terminal front end owns the screen, what the machine's processes write to stderr
//! would land on the alternate screen and vanish with it. So stderr goes to an anonymous file
//! meanwhile, and is copied to the real stderr once the terminal is back.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::OwnedFd;

use anyhow::Context;
use nix::sys::memfd::{memfd_create, MFdFlags};

/// Holds stderr aside; dropping it puts stderr back and replays what was written.
pub struct StderrAside {
    real: OwnedFd,
    file: File,
}

impl StderrAside {
    pub fn begin() -> anyhow::Result<StderrAside> {
        let real = nix::unistd::dup(std::io::stderr()).context("duplicating stderr")?;
        let fd = memfd_create("cloister-stderr", MFdFlags::MFD_CLOEXEC)
            .context("creating a file for stderr")?;
        let file = File::from(fd);
        nix::unistd::dup2_stderr(&file).context("redirecting stderr")?;
        Ok(StderrAside { real, file })
    }
}

impl Drop for StderrAside {
    fn drop(&mut self) {
        if nix::unistd::dup2_stderr(&self.real).is_err() {
            return;
        }
        let mut text = Vec::new();
        if self.file.seek(SeekFrom::Start(0)).is_ok() && self.file.read_to_end(&mut text).is_ok() {
            let _ = std::io::stderr().write_all(&text);
        }
    }
}
