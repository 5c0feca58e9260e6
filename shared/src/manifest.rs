//! What a device declares it serves. The supervisor builds the CPU's dispatch from manifests, so a
//! device can touch nothing it did not declare.

use serde::{Deserialize, Serialize};

/// A run of consecutive I/O ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    pub start: u16,
    pub len: u16,
}

impl PortRange {
    pub const fn new(start: u16, len: u16) -> Self {
        PortRange { start, len }
    }
    pub fn contains(&self, port: u16) -> bool {
        port >= self.start && (port - self.start) < self.len
    }
    pub fn iter(&self) -> impl Iterator<Item = u16> {
        let start = self.start as u32;
        (start..start + self.len as u32).map(|p| p as u16)
    }
}

/// A window of guest physical addresses whose accesses the device serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemWindow {
    pub start: u32,
    pub len: u32,
}

/// Everything a device serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceManifest {
    /// Short name (`timer`, `keyboard`, `vga`, `disk`, `serial`, `display`).
    pub name: String,
    /// Ports it serves.
    pub ports: Vec<PortRange>,
    /// ISA IRQ lines it drives.
    pub irqs: Vec<u8>,
    /// Physical memory windows it serves.
    pub mem_windows: Vec<MemWindow>,
    /// Whether it maps guest RAM (DMA, bulk `REP INS`/`OUTS`). Devices that need none never see it.
    pub guest_ram: bool,
    /// Sizes in bytes of the extra shared regions it owns (VGA memory, a framebuffer).
    pub regions: Vec<u64>,
}

impl DeviceManifest {
    /// The port's slot: its position in the list of served ports, in manifest order. Published
    /// registers are kept per slot, so the CPU and the device must agree on this numbering.
    pub fn port_slot(&self, port: u16) -> Option<usize> {
        let mut base = 0usize;
        for r in &self.ports {
            if r.contains(port) {
                return Some(base + (port - r.start) as usize);
            }
            base += r.len as usize;
        }
        None
    }

    /// Bit mask of the IRQ lines the device may drive.
    pub fn irq_mask(&self) -> u32 {
        self.irqs
            .iter()
            .filter(|&&l| l < 16)
            .fold(0, |m, &l| m | 1 << l)
    }

    /// Whether the device serves `port`.
    pub fn serves_port(&self, port: u16) -> bool {
        self.ports.iter().any(|r| r.contains(port))
    }
}
