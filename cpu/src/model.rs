//! CPU models: every behaviour that differs between the chips we emulate is decided here.

/// Which chip the CPU behaves as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CpuModel {
    /// Intel 8086/8088: PUSH SP pushes the new SP, shift counts not masked, POP CS, aliases of
    /// undefined opcodes, a divide error pushes the next IP.
    I8086,
    /// An i686-class CPU (the default).
    #[default]
    I686,
}
