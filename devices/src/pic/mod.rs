//! The 8259A pair of the PC/AT: master at 20h/21h, slave at A0h/A1h cascaded on the master's
//! IR2, and the ELCR edge/level registers at 4D0h/4D1h.
//!
//! It lives in the CPU process: [`PicPair::intr_pending`] is asked at every instruction boundary,
//! so it is a field read kept up to date on every change.

mod chip;
mod state;
#[cfg(test)]
mod tests;

use cloister_shared::{DeviceBus, DeviceManifest, IoWidth, PortDevice, PortRange, StateError};

use chip::{Chip, InitStep};

const MASTER: usize = 0;
const SLAVE: usize = 1;
/// The master input the slave's INT drives.
const CASCADE_IRQ: u8 = 2;

pub struct PicPair {
    chips: [Chip; 2],
    intr: bool,
}

impl Default for PicPair {
    fn default() -> Self {
        Self::new()
    }
}

impl PicPair {
    pub fn new() -> Self {
        // IRQ 0, 1, 2, 8 and 13 are always edge-triggered on the PC, so ELCR cannot set them.
        let mut pair = PicPair {
            chips: [Chip::new(0xF8, true), Chip::new(0xDE, false)],
            intr: false,
        };
        pair.update();
        pair
    }

    pub fn manifest(&self) -> DeviceManifest {
        DeviceManifest {
            name: "pic".into(),
            ports: vec![
                PortRange::new(0x20, 2),
                PortRange::new(0xA0, 2),
                PortRange::new(0x4D0, 2),
            ],
            irqs: vec![],
            mem_windows: vec![],
            guest_ram: false,
            regions: vec![],
        }
    }

    /// Drives ISA IRQ `line` (0–15) to `level`.
    pub fn set_irq(&mut self, line: u8, level: bool) {
        if line >= 16 || line == CASCADE_IRQ {
            return;
        }
        self.chips[(line >> 3) as usize].set_line(line & 7, level);
        self.update();
    }

    /// An edge on `line` that is never lost, whatever the line's level afterwards.
    pub fn pulse(&mut self, line: u8) {
        self.set_irq(line, true);
        self.set_irq(line, false);
    }

    /// Whether INTR is asserted to the CPU.
    #[inline]
    pub fn intr_pending(&self) -> bool {
        self.intr
    }

    /// The INTA cycle: returns the vector and moves the request in service. Without a request
    /// it returns the spurious IR7 vector of the chip concerned.
    pub fn ack(&mut self) -> u8 {
        let vector = match self.chips[MASTER].pending() {
            None => self.chips[MASTER].vector_base | 7,
            Some(irq) => {
                self.chips[MASTER].acknowledge(irq);
                if irq == CASCADE_IRQ && self.slave_attached() {
                    match self.chips[SLAVE].pending() {
                        Some(slave_irq) => {
                            self.chips[SLAVE].acknowledge(slave_irq);
                            self.chips[SLAVE].vector_base | slave_irq
                        }
                        None => self.chips[SLAVE].vector_base | 7,
                    }
                } else {
                    self.chips[MASTER].vector_base | irq
                }
            }
        };
        self.update();
        vector
    }

    fn slave_attached(&self) -> bool {
        let master = &self.chips[MASTER];
        !master.single && master.icw3 & (1 << CASCADE_IRQ) != 0
    }

    /// Recomputes the cascade input and INTR after any change.
    fn update(&mut self) {
        let slave_out = self.chips[SLAVE].output();
        // The cascade input follows the slave's INT, so a second slave request that arrives
        // while the first is being acknowledged is not lost to edge detection.
        let master = &mut self.chips[MASTER];
        let bit = 1u8 << CASCADE_IRQ;
        if slave_out {
            master.lines |= bit;
            master.irr |= bit;
        } else {
            master.lines &= !bit;
            master.irr &= !bit;
        }
        self.intr = self.chips[MASTER].output();
    }

    /// A read of 20h/A0h in poll mode: acknowledges the highest request and returns its level.
    fn poll_read(&mut self, index: usize) -> u8 {
        let chip = &mut self.chips[index];
        chip.poll = false;
        match chip.pending() {
            Some(irq) => {
                chip.acknowledge(irq);
                0x80 | irq
            }
            None => 0,
        }
    }

    pub fn read_port(&mut self, port: u16) -> u8 {
        let value = match port {
            0x20 | 0xA0 => {
                let index = (port == 0xA0) as usize;
                if self.chips[index].poll {
                    self.poll_read(index)
                } else {
                    self.chips[index].read_status()
                }
            }
            0x21 | 0xA1 => self.chips[(port == 0xA1) as usize].imr,
            0x4D0 => self.chips[MASTER].elcr,
            0x4D1 => self.chips[SLAVE].elcr,
            _ => 0xFF,
        };
        self.update();
        value
    }

    pub fn write_port(&mut self, port: u16, value: u8) {
        match port {
            0x20 | 0xA0 => self.chips[(port == 0xA0) as usize].write_command(value),
            0x21 | 0xA1 => self.chips[(port == 0xA1) as usize].write_data(value),
            0x4D0 | 0x4D1 => {
                let chip = &mut self.chips[(port == 0x4D1) as usize];
                chip.elcr = value & chip.elcr_mask;
                // A line switched to level mode requests exactly while it is high.
                chip.irr = (chip.irr & !chip.elcr) | (chip.lines & chip.elcr);
            }
            _ => {}
        }
        self.update();
    }

    /// Whether both chips have finished their initialisation sequences.
    pub fn initialised(&self) -> bool {
        self.chips.iter().all(|c| c.init == InitStep::Ready)
    }
}

impl PortDevice for PicPair {
    fn io_read(&mut self, port: u16, width: IoWidth, _bus: &mut dyn DeviceBus) -> u32 {
        let mut value = 0u32;
        for i in 0..width.bytes() {
            value |= (self.read_port(port.wrapping_add(i as u16)) as u32) << (8 * i);
        }
        value
    }

    fn io_write(&mut self, port: u16, width: IoWidth, value: u32, _bus: &mut dyn DeviceBus) {
        for i in 0..width.bytes() {
            self.write_port(port.wrapping_add(i as u16), (value >> (8 * i)) as u8);
        }
    }

    fn save(&self) -> Vec<u8> {
        state::save(self)
    }

    fn restore(&mut self, bytes: &[u8]) -> Result<(), StateError> {
        state::restore(self, bytes)
    }
}
