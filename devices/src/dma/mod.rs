//! The PC/AT's two 8237A DMA controllers: the first (00h–0Fh) serves 8-bit channels 0–3, the
//! second (C0h–DFh, registers on even ports) 16-bit channels 4–7, with the page registers at
//! 81h–8Fh. Devices in the same process move data with [`Dma::write_to_memory`] and
//! [`Dma::read_from_memory`], one block at a time.

mod controller;
#[cfg(test)]
mod tests;

use cloister_shared::DeviceBus;
use serde::{Deserialize, Serialize};

use controller::Controller;

/// Page register port of each channel (channel 4 cascades and has no real one).
const PAGE_PORTS: [u16; 8] = [0x87, 0x83, 0x81, 0x82, 0x8F, 0x8B, 0x89, 0x8A];

/// The outcome of a block transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Bytes moved before terminal count (or all of them).
    pub bytes: usize,
    /// Terminal count was reached.
    pub tc: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dma {
    controllers: [Controller; 2],
    /// Page registers 80h–8Fh (80h is not ours; the unused ones are plain storage).
    pages: [u8; 16],
}

impl Default for Dma {
    fn default() -> Self {
        Self::new()
    }
}

impl Dma {
    pub fn new() -> Self {
        Dma {
            controllers: [Controller::default(), Controller::default()],
            pages: [0; 16],
        }
    }

    /// Whether `port` belongs to the DMA controllers or page registers.
    pub fn serves(port: u16) -> bool {
        matches!(port, 0x00..=0x0F | 0x81..=0x8F | 0xC0..=0xDF)
    }

    pub fn read(&mut self, port: u16) -> u8 {
        match port {
            0x00..=0x0F => self.controllers[0].read(port as u8),
            0xC0..=0xDF if port & 1 == 0 => self.controllers[1].read(((port - 0xC0) >> 1) as u8),
            0x81..=0x8F => self.pages[(port & 0xF) as usize],
            _ => 0xFF,
        }
    }

    pub fn write(&mut self, port: u16, value: u8) {
        match port {
            0x00..=0x0F => self.controllers[0].write(port as u8, value),
            0xC0..=0xDF if port & 1 == 0 => {
                self.controllers[1].write(((port - 0xC0) >> 1) as u8, value)
            }
            0x81..=0x8F => self.pages[(port & 0xF) as usize] = value,
            _ => {}
        }
    }

    fn split(ch: usize) -> (usize, usize) {
        (ch >> 2 & 1, ch & 3)
    }

    /// Whether channel `ch` would transfer now (controller enabled, channel unmasked).
    pub fn ready(&self, ch: usize) -> bool {
        let (c, n) = Self::split(ch);
        self.controllers[c].ready(n)
    }

    /// The physical address of the channel's current transfer unit.
    fn address(&self, ch: usize) -> u64 {
        let (c, n) = Self::split(ch);
        let page = self.pages[(PAGE_PORTS[ch & 7] & 0xF) as usize] as u64;
        let addr = self.controllers[c].channels[n].cur_addr as u64;
        if c == 0 {
            page << 16 | addr
        } else {
            // Word channels: the address counts words within a 128 KiB page.
            (page & 0xFE) << 16 | addr << 1
        }
    }

    /// The run of units that can move in one piece: up to terminal count and without the
    /// address wrapping inside its page.
    fn run_units(&self, ch: usize, max_units: u32) -> u32 {
        let (c, n) = Self::split(ch);
        let chan = &self.controllers[c].channels[n];
        let to_tc = chan.cur_count as u32 + 1;
        let to_wrap = if chan.decrement() {
            1
        } else {
            0x1_0000 - chan.cur_addr as u32
        };
        max_units.min(to_tc).min(to_wrap).max(1)
    }

    /// Moves `data` from a device into memory on channel `ch`, as far as the channel allows.
    /// A channel whose mode is not "write" counts the transfer without touching memory.
    pub fn write_to_memory(&mut self, ch: usize, data: &[u8], bus: &mut dyn DeviceBus) -> Transfer {
        self.transfer(
            ch,
            data.len(),
            bus,
            |bus, addr, at, len, decrement, write| {
                if write == 1 {
                    if decrement {
                        for i in 0..len {
                            bus.write_ram(addr.wrapping_sub(i as u64), &data[at + i..at + i + 1]);
                        }
                    } else {
                        bus.write_ram(addr, &data[at..at + len]);
                    }
                }
            },
        )
    }

    /// Fills `buf` from memory on channel `ch` for a device, as far as the channel allows.
    /// A channel whose mode is not "read" supplies FFh.
    pub fn read_from_memory(
        &mut self,
        ch: usize,
        buf: &mut [u8],
        bus: &mut dyn DeviceBus,
    ) -> Transfer {
        let len = buf.len();
        self.transfer(ch, len, bus, |bus, addr, at, n, decrement, kind| {
            let chunk = &mut buf[at..at + n];
            chunk.fill(0xFF);
            if kind == 2 {
                if decrement {
                    for (i, b) in chunk.iter_mut().enumerate() {
                        bus.read_ram(addr.wrapping_sub(i as u64), std::slice::from_mut(b));
                    }
                } else {
                    bus.read_ram(addr, chunk);
                }
            }
        })
    }

    /// The common loop: `mv(bus, phys_addr, offset_in_data, bytes, decrement, transfer_type)`
    /// moves one contiguous run.
    fn transfer(
        &mut self,
        ch: usize,
        len: usize,
        bus: &mut dyn DeviceBus,
        mut mv: impl FnMut(&mut dyn DeviceBus, u64, usize, usize, bool, u8),
    ) -> Transfer {
        let (c, n) = Self::split(ch & 7);
        let unit = if c == 0 { 1 } else { 2 };
        let mut done = 0usize;
        while done + unit <= len && self.controllers[c].ready(n) {
            let units = self.run_units(ch & 7, ((len - done) / unit) as u32);
            let chan = self.controllers[c].channels[n];
            let bytes = units as usize * unit;
            mv(
                bus,
                self.address(ch & 7),
                done,
                bytes,
                chan.decrement(),
                chan.transfer_type(),
            );
            let (_, tc) = self.controllers[c].advance(n, units);
            done += bytes;
            if tc {
                return Transfer {
                    bytes: done,
                    tc: true,
                };
            }
        }
        Transfer {
            bytes: done,
            tc: false,
        }
    }
}
