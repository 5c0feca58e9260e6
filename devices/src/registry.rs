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
    /// device `{kind}` needs {needed} file(s) and was given {given}
    #[error("device `{kind}` needs {needed} file(s) and was given {given}")]
    Files {
        kind: String,
        needed: usize,
        given: usize,
    },
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
        name: "serial",
        implementations: &["ns16550a"],
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
        "probe" => Ok(crate::probe::Probe::manifest()),
        other => Err(RegistryError::UnknownKind(other.to_owned())),
    }
}

/// Builds a device. `files` are the device's already-open files (disk images), in the order its
/// configuration names them: a device process has no file system of its own.
pub fn build(
    kind_name: &str,
    implementation: &str,
    config: &MachineConfig,
    files: Vec<File>,
) -> Result<Box<dyn PortDevice>, RegistryError> {
    let k = kind(kind_name)?;
    if !k.implementations.contains(&implementation) {
        return Err(RegistryError::UnknownImplementation {
            kind: kind_name.to_owned(),
            implementation: implementation.to_owned(),
            available: k.implementations.join(", "),
        });
    }
    let _ = files;
    match k.name {
        "timer" => Ok(Box::new(crate::timer::Timer::new(config))),
        "keyboard" => Ok(Box::new(crate::i8042::KeyboardController::new())),
        "serial" => Ok(Box::new(crate::serial::Serial::new())),
        "probe" => Ok(Box::new(crate::probe::Probe::new())),
        other => Err(RegistryError::UnknownKind(other.to_owned())),
    }
}
