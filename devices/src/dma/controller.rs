//! One 8237A: four channels' address and count registers behind a byte-pointer flip-flop, and
//! the command, status, request, mask and mode registers.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Channel {
    pub base_addr: u16,
    pub cur_addr: u16,
    pub base_count: u16,
    pub cur_count: u16,
    pub mode: u8,
}

impl Channel {
    /// Transfer type from the mode register: 0 verify, 1 write (to memory), 2 read (from it).
    pub fn transfer_type(&self) -> u8 {
        (self.mode >> 2) & 3
    }
    pub fn autoinit(&self) -> bool {
        self.mode & 0x10 != 0
    }
    pub fn decrement(&self) -> bool {
        self.mode & 0x20 != 0
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Controller {
    pub channels: [Channel; 4],
    pub flip_flop: bool,
    pub command: u8,
    /// Bits 0–3 terminal count reached, bits 4–7 requests.
    pub status: u8,
    pub request: u8,
    pub mask: u8,
    pub temp: u8,
}

impl Default for Controller {
    fn default() -> Self {
        Controller {
            channels: [Channel::default(); 4],
            flip_flop: false,
            command: 0,
            status: 0,
            request: 0,
            mask: 0x0F,
            temp: 0,
        }
    }
}

impl Controller {
    /// Whether the controller is enabled (command bit 2 clear) and `ch` is unmasked.
    pub fn ready(&self, ch: usize) -> bool {
        self.command & 0x04 == 0 && self.mask & (1 << ch) == 0
    }

    fn flip(&mut self) -> bool {
        let high = self.flip_flop;
        self.flip_flop = !self.flip_flop;
        high
    }

    /// Reads register `reg` (0–15 in the 8237's own numbering).
    pub fn read(&mut self, reg: u8) -> u8 {
        match reg {
            0..=7 => {
                let ch = self.channels[(reg >> 1) as usize];
                let v = if reg & 1 == 0 {
                    ch.cur_addr
                } else {
                    ch.cur_count
                };
                if self.flip() {
                    (v >> 8) as u8
                } else {
                    v as u8
                }
            }
            8 => {
                // Reading status clears the terminal count bits.
                let v = self.status | self.request << 4;
                self.status &= 0xF0;
                v
            }
            0xD => self.temp,
            0xF => 0xF0 | self.mask,
            _ => 0xFF,
        }
    }

    /// Writes register `reg` (0–15).
    pub fn write(&mut self, reg: u8, value: u8) {
        match reg {
            0..=7 => {
                let high = self.flip();
                let ch = &mut self.channels[(reg >> 1) as usize];
                let set = |v: u16| {
                    if high {
                        (v & 0x00FF) | (value as u16) << 8
                    } else {
                        (v & 0xFF00) | value as u16
                    }
                };
                if reg & 1 == 0 {
                    ch.base_addr = set(ch.base_addr);
                    ch.cur_addr = ch.base_addr;
                } else {
                    ch.base_count = set(ch.base_count);
                    ch.cur_count = ch.base_count;
                }
            }
            8 => self.command = value,
            9 => {
                let bit = 1 << (value & 3);
                if value & 4 != 0 {
                    self.request |= bit;
                } else {
                    self.request &= !bit;
                }
            }
            0xA => {
                let bit = 1 << (value & 3);
                if value & 4 != 0 {
                    self.mask |= bit;
                } else {
                    self.mask &= !bit;
                }
            }
            0xB => self.channels[(value & 3) as usize].mode = value,
            0xC => self.flip_flop = false,
            0xD => {
                // Master clear: as after a hardware reset.
                *self = Controller {
                    channels: self.channels,
                    ..Controller::default()
                };
            }
            0xE => self.mask = 0,
            0xF => self.mask = value & 0x0F,
            _ => {}
        }
    }

    /// Counts `units` transfers on `ch` from its current state; returns how many happen before
    /// terminal count stops the channel, and whether terminal count was reached.
    pub fn advance(&mut self, ch: usize, units: u32) -> (u32, bool) {
        let c = &mut self.channels[ch];
        let left = c.cur_count as u32 + 1;
        let done = units.min(left);
        let step = done as u16;
        c.cur_addr = if c.decrement() {
            c.cur_addr.wrapping_sub(step)
        } else {
            c.cur_addr.wrapping_add(step)
        };
        c.cur_count = c.cur_count.wrapping_sub(step);
        let tc = done == left;
        if tc {
            self.status |= 1 << ch;
            self.request &= !(1 << ch);
            if c.autoinit() {
                c.cur_addr = c.base_addr;
                c.cur_count = c.base_count;
            } else {
                // Without auto-initialise the channel masks itself at terminal count.
                self.mask |= 1 << ch;
            }
        }
        (done, tc)
    }
}
