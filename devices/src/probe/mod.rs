//! The probe: a device for testing and measuring the data plane itself, independent of any PC
//! device's semantics. Test ROMs and the benchmark use it to exercise every path.
//!
//! | port  | read                                        | write                                  |
//! |-------|---------------------------------------------|----------------------------------------|
//! | 300h  | (round trip) number of writes seen to 300h  | posted: added to the sum               |
//! | 302h  | (round trip) low 32 bits of the sum         | clears count and sum                   |
//! | 304h  | (published) the value last written to 304h  | sets the published value               |
//! | 305h  | (published, notify) always 5Ah; the device  | —                                      |
//! |       | hears of reads (back-to-back ones coalesce) |                                        |
//! | 306h  | (round trip) read notices heard             | —                                      |
//! | 307h  | (round trip) the next item of a sequence    | posted: checked against the sequence;  |
//! |       | 0, 1, 2 … (REP INSW reads it as a block)    | mismatches counted (read at 301h)      |
//! | 301h  | (round trip) mismatches seen on 307h writes | raises IRQ 5 when v≠0, lowers it at 0 |
//! | 303h  | (round trip) value written to 303h          | pulses IRQ 5 v times                    |

use cloister_shared::{
    DeviceBus, DeviceManifest, IoWidth, PortDevice, PortRange, Published, StateError,
};
use serde::{Deserialize, Serialize};

pub const BASE: u16 = 0x300;
pub const IRQ: u8 = 5;
const VERSION: u8 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {
    writes: u32,
    sum: u64,
    published: u32,
    notified: u32,
    next_in: u32,
    next_out: u32,
    mismatches: u32,
    last303: u32,
}

impl Probe {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn manifest() -> DeviceManifest {
        DeviceManifest {
            name: "probe".into(),
            ports: vec![PortRange::new(BASE, 8)],
            irqs: vec![IRQ],
            mem_windows: vec![],
            guest_ram: true,
            regions: vec![],
        }
    }

    fn republish(&self, bus: &mut dyn DeviceBus) {
        bus.publish(BASE + 4, Published::Static(self.published), false);
        bus.publish(BASE + 5, Published::Static(0x5A), true);
    }
}

impl PortDevice for Probe {
    fn io_read(&mut self, port: u16, _width: IoWidth, _bus: &mut dyn DeviceBus) -> u32 {
        match port.wrapping_sub(BASE) {
            0 => self.writes,
            1 => self.mismatches,
            2 => self.sum as u32,
            3 => self.last303,
            4 => self.published,
            5 => {
                self.notified += 1;
                0x5A
            }
            6 => self.notified,
            7 => {
                let v = self.next_in;
                self.next_in = self.next_in.wrapping_add(1);
                v
            }
            _ => !0,
        }
    }

    fn io_write(&mut self, port: u16, width: IoWidth, value: u32, bus: &mut dyn DeviceBus) {
        match port.wrapping_sub(BASE) {
            0 => {
                self.writes = self.writes.wrapping_add(1);
                self.sum = self.sum.wrapping_add(value as u64);
            }
            1 => bus.set_irq(IRQ, value != 0),
            2 => {
                self.writes = 0;
                self.sum = 0;
                self.next_in = 0;
                self.next_out = 0;
                self.mismatches = 0;
                self.notified = 0;
            }
            3 => {
                self.last303 = value;
                for _ in 0..value.min(16) {
                    bus.pulse_irq(IRQ);
                }
            }
            4 => {
                self.published = value;
                self.republish(bus);
            }
            7 => {
                if value != self.next_out & width.mask() {
                    self.mismatches += 1;
                }
                self.next_out = self.next_out.wrapping_add(1);
            }
            _ => {}
        }
    }

    fn read_notify(&mut self, port: u16, _width: IoWidth, _bus: &mut dyn DeviceBus) {
        if port == BASE + 5 {
            self.notified += 1;
        }
    }

    fn start(&mut self, bus: &mut dyn DeviceBus) {
        self.republish(bus);
    }

    fn save(&self) -> Vec<u8> {
        let mut v = vec![VERSION];
        v.extend(postcard::to_stdvec(self).unwrap_or_default());
        v
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), StateError> {
        match state.split_first() {
            Some((&VERSION, body)) => {
                *self =
                    postcard::from_bytes(body).map_err(|e| StateError::Malformed(e.to_string()))?;
                Ok(())
            }
            _ => Err(StateError::Malformed("unknown probe state version".into())),
        }
    }
}
