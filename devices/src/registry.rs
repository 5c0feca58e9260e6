//! Builds devices by kind and implementation name, for the supervisor (which needs manifests)
//! and for device processes and the inline host (which need the devices).

use std::fs::File;

use cloister_shared::{DeviceManifest, PortDevice};
use serde::{Deserialize, Serialize};

/// What a device is built from: the machine's configuration (each device reads what concerns it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineConfig {
    pub ram_bytes: u64,
}

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
pub const KINDS: &[Kind] = &[Kind {
    name: "probe",
    implementations: &["probe"],
}];

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
pub fn manifest(kind_name: &str, _config: &MachineConfig) -> Result<DeviceManifest, RegistryError> {
    match kind(kind_name)?.name {
        "probe" => Ok(crate::probe::Probe::manifest()),
        other => Err(RegistryError::UnknownKind(other.to_owned())),
    }
}

/// Builds a device. `files` are the device's already-open files (disk images), in the order its
/// configuration names them: a device process has no file system of its own.
pub fn build(
    kind_name: &str,
    implementation: &str,
    _config: &MachineConfig,
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
        "probe" => Ok(Box::new(crate::probe::Probe::new())),
        other => Err(RegistryError::UnknownKind(other.to_owned())),
    }
}
