//! The I/O ports: register files behind their index/data pairs, the misc output's I/O select,
//! and which readable ports are published so the CPU answers them itself.

use cloister_shared::{DeviceBus, Published};

use super::timing::Timing;
use super::Vga;

/// The span of ports the VGA decodes (the publish cache covers it).
pub const FIRST_PORT: u16 = 0x3B0;
pub const PORT_COUNT: u16 = 0x30;

/// Ports whose reads are published: values that change only by our own writes, the clock-driven
/// input status 1, and the unselected CRTC/status ports (which float). Data ports of the
/// indexed register files and 3C9h (reads advance the DAC) answer by round trip.
const PUBLISHED: [u16; 16] = [
    0x3B4, 0x3B5, 0x3BA, 0x3C0, 0x3C2, 0x3C3, 0x3C4, 0x3C6, 0x3C7, 0x3C8, 0x3CA, 0x3CC, 0x3CE,
    0x3D4, 0x3D5, 0x3DA,
];

impl Vga {
    /// CRTC index port and input status 1 port for the current I/O select.
    fn crtc_base(&self) -> u16 {
        if self.state.colour_io() {
            0x3D0
        } else {
            0x3B0
        }
    }

    /// Ports of the CRTC pair and status register not selected by the misc output.
    fn inactive(&self, port: u16) -> bool {
        matches!(port & 0xFFF0, 0x3B0 | 0x3D0) && port & 0xFFF0 != self.crtc_base()
    }

    pub(super) fn read_port(&mut self, port: u16, bus: &mut dyn DeviceBus) -> u8 {
        if self.inactive(port) {
            return 0xFF;
        }
        let s = &mut self.state;
        match port {
            0x3C0 => s.attr.read_index(),
            0x3C1 => s.attr.read_data(),
            // Input status 0: no retrace interrupt pending, switch sense clear.
            0x3C2 => 0x00,
            0x3C3 => s.enable,
            0x3C4 => s.seq.index,
            0x3C5 => s.seq.read_data(),
            0x3C6 => s.dac.pel_mask,
            0x3C7 => s.dac.state(),
            0x3C8 => s.dac.write_index,
            0x3C9 => s.dac.read_data(),
            0x3CA => s.feature,
            0x3CC => s.misc,
            0x3CE => s.gc.index,
            0x3CF => s.gc.read_data(),
            0x3B4 | 0x3D4 => s.crtc.index,
            0x3B5 | 0x3D5 => s.crtc.read_data(),
            0x3BA | 0x3DA => {
                s.attr.reset_flip_flop();
                let timing = self.timing();
                let value = timing
                    .input_status_1(self.state.epoch_ns)
                    .evaluate(bus.now_ns());
                value.unwrap_or(0) as u8
            }
            _ => 0xFF,
        }
    }

    pub(super) fn write_port(&mut self, port: u16, value: u8, bus: &mut dyn DeviceBus) {
        if self.inactive(port) {
            return;
        }
        let s = &mut self.state;
        // Index registers select without changing the picture.
        let mut display_changed = true;
        match port {
            0x3C0 => s.attr.write(value),
            0x3C2 => s.misc = value,
            0x3C3 => s.enable = value & 0x01,
            0x3C4 => {
                s.seq.write_index(value);
                display_changed = false;
            }
            0x3C5 => s.seq.write_data(value),
            0x3C6 => s.dac.pel_mask = value,
            0x3C7 => {
                s.dac.set_read_index(value);
                display_changed = false;
            }
            0x3C8 => {
                s.dac.set_write_index(value);
                display_changed = false;
            }
            0x3C9 => s.dac.write_data(value),
            0x3CE => {
                s.gc.write_index(value);
                display_changed = false;
            }
            0x3CF => s.gc.write_data(value),
            0x3B4 | 0x3D4 => {
                s.crtc.write_index(value);
                display_changed = false;
            }
            0x3B5 | 0x3D5 => s.crtc.write_data(value),
            0x3BA | 0x3DA => s.feature = value,
            _ => display_changed = false,
        }
        if display_changed {
            self.display_changed(bus);
        }
        self.republish(bus, false);
    }

    /// A published read of input status 1 happened: it resets the attribute flip-flop.
    pub(super) fn status_read(&mut self, port: u16) {
        if port == self.crtc_base() + 0x0A {
            self.state.attr.reset_flip_flop();
        }
    }

    pub(super) fn timing(&self) -> Timing {
        Timing::from_registers(self.state.misc, &self.state.seq, &self.state.crtc)
    }

    /// Publishes what changed since the last call (everything when `all`).
    pub(super) fn republish(&mut self, bus: &mut dyn DeviceBus, all: bool) {
        let status = self.crtc_base() + 0x0A;
        for p in PUBLISHED {
            let (value, notify) = if self.inactive(p) {
                (Published::Static(0xFF), false)
            } else if p == status {
                (self.timing().input_status_1(self.state.epoch_ns), true)
            } else if matches!(p, 0x3B5 | 0x3D5) {
                (Published::None, false)
            } else {
                (Published::Static(self.peek(p) as u32), false)
            };
            let slot = &mut self.publish_cache[(p - FIRST_PORT) as usize];
            if all || *slot != Some((value, notify)) {
                *slot = Some((value, notify));
                bus.publish(p, value, notify);
            }
        }
    }

    /// The value a read of a side-effect-free port returns.
    fn peek(&self, port: u16) -> u8 {
        let s = &self.state;
        match port {
            0x3C0 => s.attr.read_index(),
            0x3C2 => 0x00,
            0x3C3 => s.enable,
            0x3C4 => s.seq.index,
            0x3C6 => s.dac.pel_mask,
            0x3C7 => s.dac.state(),
            0x3C8 => s.dac.write_index,
            0x3CA => s.feature,
            0x3CC => s.misc,
            0x3CE => s.gc.index,
            0x3B4 | 0x3D4 => s.crtc.index,
            _ => 0xFF,
        }
    }
}
