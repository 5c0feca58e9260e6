//! Builds devices by kind and implementation name, for the supervisor (which needs manifests)
//! and for device processes and the inline host (which need the devices).

use std::fs::File;

use cloister_shared::{DeviceManifest, PortDevice};

/// What a device is built from: the machine's configuration (each device reads what concerns it).
pub use crate::cmos::MachineConfig;

/// A device could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// there is no device kind `{0}`
    #[error("there is no device kind `{0}`")]
    UnknownKind(String),
    /// device `{kind}` has no implementation `{implementation}` (it has: {available})
    #[error("device `{kind}` has no implementation `{implementation}` (it has: {available})")]
    UnknownImplementation {
        kind: String,
        implementation: String,
        available: String,
    },
    /// the {role} image cannot be used: {message}
    #[error("the {role} image cannot be used: {message}")]
    Media { role: String, message: String },
}

/// A device kind and its implementations (the first is the default).
pub struct Kind {
    pub name: &'static str,
    pub implementations: &'static [&'static str],
}

/// Every device kind there is.
pub const KINDS: &[Kind] = &[
    Kind {
        name: "timer",
        implementations: &["i8254+mc146818"],
    },
    Kind {
        name: "keyboard",
        implementations: &["i8042+ps2"],
    },
    Kind {
        name: "vga",
        implementations: &["vga"],
    },
    Kind {
        name: "disk",
        implementations: &["i8237+82077+ata"],
    },
    Kind {
        name: "serial",
        implementations: &["ns16550a"],
    },
    Kind {
        name: "display",
        // window and term: a front end in the display process shows the frame (docs/DISPLAY.md).
        implementations: &["headless", "window", "term"],
    },
    Kind {
        name: "probe",
        implementations: &["probe"],
    },
];

fn kind(name: &str) -> Result<&'static Kind, RegistryError> {
    KINDS
        .iter()
        .find(|k| k.name == name)
        .ok_or_else(|| RegistryError::UnknownKind(name.to_owned()))
}

/// The default implementation of a kind.
pub fn default_implementation(kind_name: &str) -> Result<&'static str, RegistryError> {
    Ok(kind(kind_name)?.implementations[0])
}

/// What a device of this kind serves, on this machine.
pub fn manifest(kind_name: &str, config: &MachineConfig) -> Result<DeviceManifest, RegistryError> {
    match kind(kind_name)?.name {
        "timer" => Ok(crate::timer::Timer::new(config).manifest()),
        "keyboard" => Ok(crate::i8042::KeyboardController::new().manifest()),
        "serial" => Ok(crate::serial::Serial::new().manifest()),
        "vga" => Ok(crate::vga::Vga::manifest()),
        "disk" => Ok(crate::disk::Disk::new([false; 2], None).manifest()),
        "display" => Ok(crate::display::DisplayDevice::manifest()),
        "probe" => Ok(crate::probe::Probe::manifest()),
        other => Err(RegistryError::UnknownKind(other.to_owned())),
    }
}

/// Builds a device. `files` are the device's already-open files (disk images), by role (`fda`,
/// `fdb`, `hda`): a device process has no file system of its own.
pub fn build(
    kind_name: &str,
    implementation: &str,
    config: &MachineConfig,
    files: Vec<(String, File)>,
) -> Result<Box<dyn PortDevice>, RegistryError> {
    let k = kind(kind_name)?;
    if !k.implementations.contains(&implementation) {
        return Err(RegistryError::UnknownImplementation {
            kind: kind_name.to_owned(),
            implementation: implementation.to_owned(),
            available: k.implementations.join(", "),
        });
    }
    match k.name {
        "timer" => Ok(Box::new(crate::timer::Timer::new(config))),
        "keyboard" => Ok(Box::new(crate::i8042::KeyboardController::new())),
        "serial" => Ok(Box::new(crate::serial::Serial::new())),
        "vga" => Ok(Box::new(crate::vga::Vga::new())),
        "disk" => build_disk(config, files),
        "display" if implementation == "headless" => {
            Ok(Box::new(crate::display::DisplayDevice::headless()))
        }
        "display" => Ok(Box::new(crate::display::DisplayDevice::beside_front_end())),
        "probe" => Ok(Box::new(crate::probe::Probe::new())),
        other => Err(RegistryError::UnknownKind(other.to_owned())),
    }
}

/// The disk group: floppy images go in drives 0/1 (`fda`, `fdb`), a hard disk image is ATA
/// device 0 (`hda`). A drive is installed when the machine's CMOS says so.
fn build_disk(
    config: &MachineConfig,
    files: Vec<(String, File)>,
) -> Result<Box<dyn PortDevice>, RegistryError> {
    use crate::disk::{Disk, FileBackend};
    let bad = |role: &str, e: String| RegistryError::Media {
        role: role.to_owned(),
        message: e,
    };
    let mut floppies: [Option<File>; 2] = [None, None];
    let mut hard_disk = None;
    for (role, file) in files {
        match role.as_str() {
            "fda" => floppies[0] = Some(file),
            "fdb" => floppies[1] = Some(file),
            "hda" => {
                hard_disk = Some(Box::new(
                    FileBackend::new(file, false).map_err(|e| bad("hda", e.to_string()))?,
                ) as Box<dyn crate::disk::BlockBackend>)
            }
            other => return Err(bad(other, "no such drive".into())),
        }
    }
    let present = [
        config.floppies[0] != crate::cmos::FloppyType::None,
        config.floppies[1] != crate::cmos::FloppyType::None,
    ];
    let mut disk = Disk::new(present, hard_disk);
    for (drive, file) in floppies.into_iter().enumerate() {
        if let Some(f) = file {
            let role = ["fda", "fdb"][drive];
            let backend = FileBackend::new(f, false).map_err(|e| bad(role, e.to_string()))?;
            disk.insert_floppy(drive, Box::new(backend))
                .map_err(|e| bad(role, e.to_string()))?;
        }
    }
    Ok(Box::new(disk))
}
