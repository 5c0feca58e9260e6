//! Sequencer (3C4h index, 3C5h data): clocking, which planes CPU writes reach, font selection,
//! memory addressing mode.

use serde::{Deserialize, Serialize};

/// Bits that exist in each sequencer register (reset, clocking mode, map mask, character map
/// select, memory mode).
const WRITABLE: [u8; 5] = [0x03, 0x3D, 0x0F, 0x3F, 0x0E];

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sequencer {
    pub index: u8,
    pub regs: [u8; 5],
}

impl Sequencer {
    pub fn write_index(&mut self, value: u8) {
        self.index = value & 0x07;
    }

    pub fn read_data(&self) -> u8 {
        self.regs.get(self.index as usize).copied().unwrap_or(0xFF)
    }

    pub fn write_data(&mut self, value: u8) {
        if let Some(r) = self.regs.get_mut(self.index as usize) {
            *r = value & WRITABLE[self.index as usize];
        }
    }

    /// Dots per character clock (clocking mode bit 0: 8-dot characters).
    pub fn char_width(&self) -> u32 {
        if self.regs[1] & 0x01 != 0 {
            8
        } else {
            9
        }
    }

    /// Dot clock divided by two: every dot shown twice (40-column and 320-pixel planar modes).
    pub fn half_dot_clock(&self) -> bool {
        self.regs[1] & 0x08 != 0
    }

    /// Screen off (clocking mode bit 5): the display shows black, memory stays accessible.
    pub fn screen_off(&self) -> bool {
        self.regs[1] & 0x20 != 0
    }

    /// Planes CPU writes may reach.
    pub fn map_mask(&self) -> u8 {
        self.regs[2] & 0x0F
    }

    /// Plane 2 offsets of fonts A (attribute bit 3 set) and B (clear). Each select is three bits,
    /// the high one apart from the low two, counting in 8 KiB steps as 0, 16, 32, 48, 8, 24, 40,
    /// 56 KiB.
    pub fn font_offsets(&self) -> (u32, u32) {
        let r = self.regs[3];
        let a = ((r >> 5) & 1) | ((r & 0x03) << 1);
        let b = ((r >> 4) & 1) | (((r >> 2) & 0x03) << 1);
        (a as u32 * 0x2000, b as u32 * 0x2000)
    }

    /// Chain 4 (memory mode bit 3): the low two address bits pick the plane (mode 13h).
    pub fn chain4(&self) -> bool {
        self.regs[4] & 0x08 != 0
    }

    /// Odd/even writes (memory mode bit 2 clear): address bit 0 picks plane 0/2 or 1/3.
    pub fn odd_even(&self) -> bool {
        self.regs[4] & 0x04 == 0
    }
}
