//! CRT controller (3B4h/3D4h index, 3B5h/3D5h data): display size, memory addressing of the
//! scan-out, cursor, line compare, retrace timing.

use serde::{Deserialize, Serialize};

pub const CRTC_REGS: usize = 25;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Crtc {
    pub index: u8,
    pub regs: [u8; CRTC_REGS],
}

impl Crtc {
    pub fn write_index(&mut self, value: u8) {
        self.index = value & 0x3F;
    }

    pub fn read_data(&self) -> u8 {
        self.regs.get(self.index as usize).copied().unwrap_or(0xFF)
    }

    pub fn write_data(&mut self, value: u8) {
        let i = self.index as usize;
        if i >= CRTC_REGS {
            return;
        }
        // Protect (vertical retrace end bit 7) locks registers 0-7, except the line compare bit
        // 8 in the overflow register, so old software cannot upset the timing.
        if self.regs[0x11] & 0x80 != 0 && i <= 7 {
            if i == 7 {
                self.regs[7] = (self.regs[7] & !0x10) | (value & 0x10);
            }
            return;
        }
        self.regs[i] = value;
    }

    fn overflow_bit(&self, bit: u8, to: u32) -> u32 {
        (((self.regs[7] >> bit) & 1) as u32) << to
    }

    /// Character clocks per scan line, including blanking and retrace.
    pub fn horizontal_total(&self) -> u32 {
        self.regs[0] as u32 + 5
    }

    /// Character clocks shown per line.
    pub fn horizontal_display(&self) -> u32 {
        self.regs[1] as u32 + 1
    }

    /// Scan lines per frame.
    pub fn vertical_total(&self) -> u32 {
        (self.regs[6] as u32 | self.overflow_bit(0, 8) | self.overflow_bit(5, 9)) + 2
    }

    /// Scan lines shown.
    pub fn vertical_display(&self) -> u32 {
        (self.regs[0x12] as u32 | self.overflow_bit(1, 8) | self.overflow_bit(6, 9)) + 1
    }

    pub fn vertical_retrace_start(&self) -> u32 {
        self.regs[0x10] as u32 | self.overflow_bit(2, 8) | self.overflow_bit(7, 9)
    }

    /// Scan lines the vertical retrace lasts (the end register holds the low four bits of the
    /// line it ends on).
    pub fn vertical_retrace_lines(&self) -> u32 {
        let start = self.vertical_retrace_start() & 0x0F;
        let end = (self.regs[0x11] & 0x0F) as u32;
        match end.wrapping_sub(start) & 0x0F {
            0 => 16,
            n => n,
        }
    }

    /// Scan line at which the address counter restarts from 0 (split screen).
    pub fn line_compare(&self) -> u32 {
        self.regs[0x18] as u32 | self.overflow_bit(4, 8) | ((((self.regs[9] >> 6) & 1) as u32) << 9)
    }

    /// Scan lines per character row, minus one.
    pub fn max_scan_line(&self) -> u32 {
        (self.regs[9] & 0x1F) as u32
    }

    /// Each scan line shown twice (maximum scan line bit 7: 200-line modes on a 400-line monitor).
    pub fn double_scan(&self) -> bool {
        self.regs[9] & 0x80 != 0
    }

    /// Cursor start and end scan lines; `None` when disabled (cursor start bit 5) or when the
    /// start is below the end (the VGA then shows no cursor).
    pub fn cursor_lines(&self) -> Option<(u32, u32)> {
        let start = (self.regs[0x0A] & 0x1F) as u32;
        let end = (self.regs[0x0B] & 0x1F) as u32;
        (self.regs[0x0A] & 0x20 == 0 && start <= end).then_some((start, end))
    }

    /// Scan line the first character row starts on (smooth vertical scrolling in text).
    pub fn preset_row_scan(&self) -> u32 {
        (self.regs[0x08] & 0x1F) as u32
    }

    /// Character clocks added to the start address (byte panning, preset row scan bits 6-5).
    pub fn byte_panning(&self) -> u32 {
        ((self.regs[0x08] >> 5) & 3) as u32
    }

    pub fn start_address(&self) -> u32 {
        (self.regs[0x0C] as u32) << 8 | self.regs[0x0D] as u32
    }

    pub fn cursor_location(&self) -> u32 {
        (self.regs[0x0E] as u32) << 8 | self.regs[0x0F] as u32
    }

    /// Address counter advance per character row: the offset register counts in words of the
    /// counter's own unit, so twice its value.
    pub fn row_stride(&self) -> u32 {
        self.regs[0x13] as u32 * 2
    }

    pub fn underline_location(&self) -> u32 {
        (self.regs[0x14] & 0x1F) as u32
    }

    /// Memory address for address counter `ma` on character row scan line `row_scan`: the
    /// counter is shifted for word (odd/even) and doubleword (chain 4) scan-out, and in the CGA
    /// compatible modes row-scan bits replace address bits 13 and 14 (interleaved scan lines).
    pub fn memory_address(&self, ma: u32, row_scan: u32) -> u32 {
        let mode = self.regs[0x17];
        let mut a = if self.regs[0x14] & 0x40 != 0 {
            (ma << 2) | ((ma >> 14) & 3)
        } else if mode & 0x40 == 0 {
            let wrap_bit = if mode & 0x20 != 0 { 15 } else { 13 };
            (ma << 1) | ((ma >> wrap_bit) & 1)
        } else {
            ma
        };
        if mode & 0x01 == 0 {
            a = (a & !(1 << 13)) | ((row_scan & 1) << 13);
        }
        if mode & 0x02 == 0 {
            a = (a & !(1 << 14)) | (((row_scan >> 1) & 1) << 14);
        }
        a & 0xFFFF
    }

    /// Character clocks per address counter step (count by 2 / count by 4).
    pub fn clocks_per_address(&self) -> u32 {
        if self.regs[0x14] & 0x20 != 0 {
            4
        } else if self.regs[0x17] & 0x08 != 0 {
            2
        } else {
            1
        }
    }
}
