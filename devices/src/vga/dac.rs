//! The DAC (3C6h mask, 3C7h read index/state, 3C8h write index, 3C9h data): 256 colours of
//! three 6-bit components, loaded and read back three bytes at a time.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dac {
    /// 256 × (red, green, blue), 6 bits each.
    pub colours: Vec<u8>,
    pub pel_mask: u8,
    pub write_index: u8,
    pub read_index: u8,
    /// Components of the current write or read (0..3).
    pub write_step: u8,
    pub read_step: u8,
    /// A colour is stored only when all three components have arrived.
    pub pending: [u8; 3],
    /// Last index write was 3C7h (read mode); what 3C7h reads back.
    pub reading: bool,
}

impl Default for Dac {
    fn default() -> Self {
        Dac {
            colours: vec![0; 768],
            pel_mask: 0xFF,
            write_index: 0,
            read_index: 0,
            write_step: 0,
            read_step: 0,
            pending: [0; 3],
            reading: false,
        }
    }
}

impl Dac {
    pub fn set_write_index(&mut self, index: u8) {
        self.write_index = index;
        self.write_step = 0;
        self.reading = false;
    }

    pub fn set_read_index(&mut self, index: u8) {
        self.read_index = index;
        self.read_step = 0;
        self.reading = true;
    }

    pub fn write_data(&mut self, value: u8) {
        self.pending[self.write_step as usize] = value & 0x3F;
        self.write_step += 1;
        if self.write_step == 3 {
            let at = self.write_index as usize * 3;
            self.colours[at..at + 3].copy_from_slice(&self.pending);
            self.write_index = self.write_index.wrapping_add(1);
            self.write_step = 0;
        }
    }

    pub fn read_data(&mut self) -> u8 {
        let value = self.colours[self.read_index as usize * 3 + self.read_step as usize];
        self.read_step += 1;
        if self.read_step == 3 {
            self.read_index = self.read_index.wrapping_add(1);
            self.read_step = 0;
        }
        value
    }

    /// What 3C7h reads: 3 after a read index was set, 0 after a write index.
    pub fn state(&self) -> u8 {
        if self.reading {
            3
        } else {
            0
        }
    }

    /// `0x00RRGGBB` for a DAC index, after the pel mask; 6-bit components widened to 8 bits.
    pub fn rgb(&self, index: u8) -> u32 {
        let at = (index & self.pel_mask) as usize * 3;
        let widen = |c: u8| ((c << 2) | (c >> 4)) as u32;
        widen(self.colours[at]) << 16
            | widen(self.colours[at + 1]) << 8
            | widen(self.colours[at + 2])
    }
}
