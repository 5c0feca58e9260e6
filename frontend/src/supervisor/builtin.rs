//! The built-in guest booted when no disk is given: Cloister's demo floppy (bios/demo).

use std::fs::File;
use std::io::Write;

use anyhow::Context;
use nix::sys::memfd::{memfd_create, MFdFlags};

/// The demo floppy, built from bios/demo by bios/build.sh.
pub const DEMO_FLOPPY: &[u8] = include_bytes!("../../../bios/cloister-demo.img");

/// The demo floppy as an anonymous file (the disk device treats it as any image; the guest's
/// writes stay in memory and vanish with the machine).
pub fn demo_floppy() -> anyhow::Result<File> {
    let fd = memfd_create("cloister-demo-floppy", MFdFlags::MFD_CLOEXEC)
        .context("creating the demo floppy")?;
    let mut file = File::from(fd);
    file.write_all(DEMO_FLOPPY)
        .context("writing the demo floppy")?;
    Ok(file)
}
