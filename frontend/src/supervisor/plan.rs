//! What machine to build from the command line: the devices, their manifests and files.

use std::fs::File;
use std::path::Path;

use anyhow::{bail, Context};
use cloister_devices::cmos::{BootDevice, FloppyType};
use cloister_devices::registry::{self, MachineConfig};
use cloister_shared::DeviceManifest;

use crate::cli::RunArgs;

/// Cloister's own BIOS, built from bios/src by bios/build.sh.
pub const DEFAULT_BIOS: &[u8] = include_bytes!("../../../bios/cloister-bios.bin");

/// One device of the machine.
pub struct DevicePlan {
    pub kind: String,
    pub implementation: String,
    pub manifest: DeviceManifest,
    /// Files the device is handed, by role (it cannot open any itself).
    pub files: Vec<(String, File)>,
    /// Where its host output goes (bytes a UART sends).
    pub output: Option<File>,
    /// Its region 0 is another device's region: (owner kind, owner's region index).
    pub borrows: Option<(String, usize)>,
}

/// The machine to build.
pub struct MachinePlan {
    pub config: MachineConfig,
    pub bios: Vec<u8>,
    pub devices: Vec<DevicePlan>,
    /// The serial port's output passes through the supervisor (for --until): the pipe's read
    /// end, and where the bytes go on to.
    pub serial_tap: (File, Option<File>),
}

/// Parses `stdio` / `file:PATH` / `none` into where bytes go.
pub fn sink(spec: &str, what: &str) -> anyhow::Result<Option<File>> {
    match spec {
        "none" => Ok(None),
        "stdio" => {
            let fd = nix::unistd::dup(std::io::stdout())
                .with_context(|| format!("duplicating stdout for {what}"))?;
            Ok(Some(File::from(fd)))
        }
        s => match s.strip_prefix("file:") {
            Some(path) if !path.is_empty() => Ok(Some(
                File::create(path).with_context(|| format!("creating {what} file {path}"))?,
            )),
            _ => bail!("{what} must be `stdio`, `file:PATH` or `none`, not `{s}`"),
        },
    }
}

/// The drive a floppy image needs, from its size (the formats a PC floppy controller reads).
fn floppy_type(path: &Path, len: u64) -> anyhow::Result<FloppyType> {
    Ok(match len {
        163_840 | 184_320 | 327_680 | 368_640 => FloppyType::K360,
        737_280 => FloppyType::K720,
        1_228_800 => FloppyType::M1_2,
        1_474_560 => FloppyType::M1_44,
        2_949_120 => FloppyType::M2_88,
        _ => bail!(
            "{} has {len} bytes, which is no floppy format (160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M or 2.88M)",
            path.display()
        ),
    })
}

fn open_image(path: &Path) -> anyhow::Result<(File, u64)> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .with_context(|| format!("opening disk image {}", path.display()))?;
    let len = file
        .metadata()
        .with_context(|| format!("reading the size of {}", path.display()))?
        .len();
    Ok((file, len))
}

pub fn plan(args: &RunArgs) -> anyhow::Result<MachinePlan> {
    let bios = match &args.bios {
        Some(path) => {
            std::fs::read(path).with_context(|| format!("reading BIOS image {}", path.display()))?
        }
        None => DEFAULT_BIOS.to_vec(),
    };
    let mut config = MachineConfig {
        ram_bytes: args.mem as u64 * 1024 * 1024,
        floppies: [FloppyType::None; 2],
        ..MachineConfig::default()
    };
    let mut disk_files = Vec::new();
    let floppies = [(&args.fda, "fda"), (&args.fdb, "fdb")];
    for (drive, (path, role)) in floppies.into_iter().enumerate() {
        if let Some(path) = path {
            let (file, len) = open_image(path)?;
            config.floppies[drive] = floppy_type(path, len)?;
            disk_files.push((role.to_owned(), file));
        }
    }
    if let Some(path) = &args.hda {
        let (file, len) = open_image(path)?;
        if len < 512 * 63 || len % 512 != 0 {
            bail!("{} has {len} bytes; a hard disk image is a whole number of 512-byte sectors, at least one track (32,256 bytes)", path.display());
        }
        config.hard_disks[0] = true;
        disk_files.push(("hda".to_owned(), file));
    }
    if args.fda.is_none() && args.fdb.is_none() && args.hda.is_none() {
        // No disk at all: the built-in guest (a floppy image in memory is the device's business;
        // the supervisor hands it over as a sealed memfd like any file).
        let demo = crate::supervisor::builtin::demo_floppy()?;
        config.floppies[0] = FloppyType::M1_44;
        disk_files.push(("fda".to_owned(), demo));
    } else if config.floppies[0] == FloppyType::None && args.fdb.is_none() {
        // A drive A: stays installed so that --boot a has a drive to report "no disk" from.
        config.floppies[0] = FloppyType::M1_44;
    }
    config.boot_order = match args.boot.as_deref() {
        Some("c") => vec![BootDevice::HardDisk, BootDevice::Floppy],
        Some("a") => vec![BootDevice::Floppy, BootDevice::HardDisk],
        None if args.fda.is_none() && args.hda.is_some() => {
            vec![BootDevice::HardDisk, BootDevice::Floppy]
        }
        _ => vec![BootDevice::Floppy, BootDevice::HardDisk],
    };
    let mut devices = Vec::new();
    let mut add = |kind: &str,
                   files: Vec<(String, File)>,
                   output: Option<File>,
                   borrows: Option<(String, usize)>|
     -> anyhow::Result<()> {
        let implementation = registry::default_implementation(kind)?.to_owned();
        let manifest = registry::manifest(kind, &config)?;
        devices.push(DevicePlan {
            kind: kind.to_owned(),
            implementation,
            manifest,
            files,
            output,
            borrows,
        });
        Ok(())
    };
    add("timer", vec![], None, None)?;
    add("keyboard", vec![], None, None)?;
    add("vga", vec![], None, None)?;
    add("disk", disk_files, None, None)?;
    let (tap, serial_out) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("creating the serial pipe")?;
    add("serial", vec![], Some(File::from(serial_out)), None)?;
    add("display", vec![], None, Some(("vga".into(), 1)))?;
    if args.probe {
        add("probe", vec![], None, None)?;
    }
    let serial_tap = (File::from(tap), sink(&args.serial, "--serial")?);
    Ok(MachinePlan {
        config,
        bios,
        devices,
        serial_tap,
    })
}
