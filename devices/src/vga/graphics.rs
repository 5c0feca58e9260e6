//! Graphics controller (3CEh index, 3CFh data): how CPU reads and writes combine with the four
//! planes and the latches, and where the memory window sits.

use serde::{Deserialize, Serialize};

const WRITABLE: [u8; 9] = [0x0F, 0x0F, 0x0F, 0x1F, 0x03, 0x7B, 0x0F, 0x0F, 0xFF];

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Graphics {
    pub index: u8,
    pub regs: [u8; 9],
}

impl Graphics {
    pub fn write_index(&mut self, value: u8) {
        self.index = value & 0x0F;
    }

    pub fn read_data(&self) -> u8 {
        self.regs.get(self.index as usize).copied().unwrap_or(0xFF)
    }

    pub fn write_data(&mut self, value: u8) {
        if let Some(r) = self.regs.get_mut(self.index as usize) {
            *r = value & WRITABLE[self.index as usize];
        }
    }

    pub fn set_reset(&self) -> u8 {
        self.regs[0] & 0x0F
    }

    pub fn enable_set_reset(&self) -> u8 {
        self.regs[1] & 0x0F
    }

    pub fn colour_compare(&self) -> u8 {
        self.regs[2] & 0x0F
    }

    pub fn rotate_count(&self) -> u32 {
        (self.regs[3] & 0x07) as u32
    }

    /// 0 replace, 1 AND, 2 OR, 3 XOR (with the latches).
    pub fn function(&self) -> u8 {
        (self.regs[3] >> 3) & 0x03
    }

    pub fn read_map(&self) -> u8 {
        self.regs[4] & 0x03
    }

    pub fn write_mode(&self) -> u8 {
        self.regs[5] & 0x03
    }

    pub fn read_mode_compare(&self) -> bool {
        self.regs[5] & 0x08 != 0
    }

    /// Host odd/even (mode bit 4): reads take the plane from address bit 0.
    pub fn odd_even_reads(&self) -> bool {
        self.regs[5] & 0x10 != 0
    }

    /// Shift register interleave (mode bit 5): CGA 4-colour pixels, 2 bits each.
    pub fn interleaved_shift(&self) -> bool {
        self.regs[5] & 0x20 != 0
    }

    /// 256-colour shift (mode bit 6): one byte per pixel.
    pub fn shift256(&self) -> bool {
        self.regs[5] & 0x40 != 0
    }

    /// The CPU window (base, length) the memory map select chooses.
    pub fn window(&self) -> (u32, u32) {
        match (self.regs[6] >> 2) & 3 {
            0 => (0xA0000, 0x20000),
            1 => (0xA0000, 0x10000),
            2 => (0xB0000, 0x8000),
            _ => (0xB8000, 0x8000),
        }
    }

    pub fn colour_dont_care(&self) -> u8 {
        self.regs[7] & 0x0F
    }

    pub fn bit_mask(&self) -> u8 {
        self.regs[8]
    }
}
