//! Attribute controller (3C0h index/data through a flip-flop, 3C1h data read): the 16-entry
//! palette, text/graphics and blink control, border, plane enable, panning.

use serde::{Deserialize, Serialize};

pub const ATTRIBUTE_REGS: usize = 21;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Attribute {
    pub index: u8,
    /// Palette address source (index bit 5): set, the display reads the palette; clear, the
    /// screen is blanked (the CPU is loading it).
    pub palette_source: bool,
    /// The flip-flop: the next 3C0h write is data rather than the index. Reading input status 1
    /// clears it.
    pub expect_data: bool,
    pub regs: [u8; ATTRIBUTE_REGS],
}

impl Attribute {
    /// A write to 3C0h: index and data alternate.
    pub fn write(&mut self, value: u8) {
        if self.expect_data {
            let i = self.index as usize;
            // While the display owns the palette (palette address source set), the CPU cannot
            // change it.
            if i < 16 && !self.palette_source {
                self.regs[i] = value & 0x3F;
            } else if (16..ATTRIBUTE_REGS).contains(&i) {
                self.regs[i] = value;
            }
        } else {
            self.index = value & 0x1F;
            self.palette_source = value & 0x20 != 0;
        }
        self.expect_data = !self.expect_data;
    }

    /// A read of 3C0h: the index register.
    pub fn read_index(&self) -> u8 {
        self.index | if self.palette_source { 0x20 } else { 0 }
    }

    /// A read of 3C1h: the indexed register (does not move the flip-flop).
    pub fn read_data(&self) -> u8 {
        self.regs.get(self.index as usize).copied().unwrap_or(0)
    }

    pub fn reset_flip_flop(&mut self) {
        self.expect_data = false;
    }

    fn mode(&self) -> u8 {
        self.regs[0x10]
    }

    pub fn graphics(&self) -> bool {
        self.mode() & 0x01 != 0
    }

    /// Line graphics enable: the ninth dot of characters C0h-DFh repeats the eighth, so box
    /// drawing joins up in 9-dot text.
    pub fn line_graphics(&self) -> bool {
        self.mode() & 0x04 != 0
    }

    /// Attribute bit 7 blinks the character instead of selecting bright backgrounds.
    pub fn blink(&self) -> bool {
        self.mode() & 0x08 != 0
    }

    /// Line compare also resets horizontal panning for the split screen below it.
    pub fn pan_only_top(&self) -> bool {
        self.mode() & 0x20 != 0
    }

    /// 8-bit colour: each pixel's byte goes straight to the DAC (mode 13h).
    pub fn colour256(&self) -> bool {
        self.mode() & 0x40 != 0
    }

    pub fn overscan(&self) -> u8 {
        self.regs[0x11]
    }

    pub fn plane_enable(&self) -> u8 {
        self.regs[0x12] & 0x0F
    }

    pub fn pel_panning(&self) -> u32 {
        (self.regs[0x13] & 0x0F) as u32
    }

    /// The DAC index for a 4-bit colour: through plane enable and the palette, the high bits
    /// from colour select (bits 5-4 only when palette bits 5-4 select is on).
    pub fn dac_index(&self, colour: u8) -> u8 {
        let entry = self.regs[(colour & self.plane_enable()) as usize];
        let select = self.regs[0x14];
        let low = if self.mode() & 0x80 != 0 {
            (entry & 0x0F) | ((select & 0x03) << 4)
        } else {
            entry & 0x3F
        };
        low | ((select & 0x0C) << 4)
    }
}
