//! What machine to build from the command line: the devices, their manifests and files.

use std::fs::File;

use anyhow::{bail, Context};
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
    /// Files the device is handed (it cannot open any itself).
    pub files: Vec<File>,
    /// Where its host output goes (bytes a UART sends).
    pub output: Option<File>,
}

/// The machine to build.
pub struct MachinePlan {
    pub config: MachineConfig,
    pub bios: Vec<u8>,
    pub devices: Vec<DevicePlan>,
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

pub fn plan(args: &RunArgs) -> anyhow::Result<MachinePlan> {
    let bios = match &args.bios {
        Some(path) => {
            std::fs::read(path).with_context(|| format!("reading BIOS image {}", path.display()))?
        }
        None => DEFAULT_BIOS.to_vec(),
    };
    let config = MachineConfig {
        ram_bytes: args.mem as u64 * 1024 * 1024,
        ..MachineConfig::default()
    };
    let mut devices = Vec::new();
    let mut add = |kind: &str, files: Vec<File>, output: Option<File>| -> anyhow::Result<()> {
        let implementation = registry::default_implementation(kind)?.to_owned();
        let manifest = registry::manifest(kind, &config)?;
        devices.push(DevicePlan {
            kind: kind.to_owned(),
            implementation,
            manifest,
            files,
            output,
        });
        Ok(())
    };
    add("timer", vec![], None)?;
    add("keyboard", vec![], None)?;
    add("serial", vec![], sink(&args.serial, "--serial")?)?;
    if args.probe {
        add("probe", vec![], None)?;
    }
    Ok(MachinePlan {
        config,
        bios,
        devices,
    })
}
