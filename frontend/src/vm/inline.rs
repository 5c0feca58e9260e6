//! [`DeviceBus`] for a device called directly inside the CPU process (`--isolation inline`).

use std::sync::Arc;

use cloister_devices::pic::PicPair;
use cloister_shared::plane::guest_ram::GuestRam;
use cloister_shared::sys::memfd::SharedRegion;
use cloister_shared::{DeviceBus, Published};

/// What an inline device's calls change in the machine besides the PIC.
#[derive(Default)]
pub struct MachineLines {
    pub a20: Option<bool>,
    pub reset_requested: bool,
    /// RAM ranges written by devices, for the CPU to drop decoded code.
    pub dirty: Vec<(u32, u32)>,
}

/// The bus an inline device sees, built for the length of one call.
pub struct InlineBus<'a> {
    pub pic: &'a mut PicPair,
    pub ram: Option<&'a GuestRam>,
    pub regions: &'a [Arc<SharedRegion>],
    pub deadline: &'a mut u64,
    pub lines: &'a mut MachineLines,
    pub irq_mask: u32,
}

impl DeviceBus for InlineBus<'_> {
    fn set_irq(&mut self, line: u8, level: bool) {
        if line < 16 && self.irq_mask & (1 << line) != 0 {
            self.pic.set_irq(line, level);
        }
    }
    fn pulse_irq(&mut self, line: u8) {
        if line < 16 && self.irq_mask & (1 << line) != 0 {
            self.pic.pulse(line);
        }
    }
    fn now_ns(&self) -> u64 {
        cloister_shared::plane::now_ns()
    }
    fn read_ram(&mut self, addr: u64, buf: &mut [u8]) -> bool {
        self.ram.is_some_and(|r| r.read(addr, buf))
    }
    fn write_ram(&mut self, addr: u64, buf: &[u8]) -> bool {
        let ok = self.ram.is_some_and(|r| r.write(addr, buf));
        if ok {
            self.lines.dirty.push((addr as u32, buf.len() as u32));
        }
        ok
    }
    fn publish(&mut self, _port: u16, _value: Published, _notify: bool) {
        // Inline reads call the device directly; nothing to publish.
    }
    fn set_a20(&mut self, enabled: bool) {
        self.lines.a20 = Some(enabled);
    }
    fn request_reset(&mut self) {
        self.lines.reset_requested = true;
    }
    fn request_timer(&mut self, at_ns: u64) {
        *self.deadline = at_ns;
    }
    fn region(&mut self, index: usize) -> Option<&mut [u8]> {
        self.regions.get(index).map(|r| r.bytes_mut())
    }
}
