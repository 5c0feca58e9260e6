//! Text pixel generator: character and attribute from planes 0 and 1, glyph rows from the font
//! in plane 2, 8 or 9 dots per character, blink, cursor and underline.

use super::{Blink, Line, Registers};
use crate::vga::crtc::Crtc;
use crate::vga::memory::{load, plane_byte};

/// Bytes per character in a font (32 scan lines, whatever the character height).
const GLYPH_BYTES: u32 = 32;

pub struct TextGenerator<'a> {
    crtc: &'a Crtc,
    nine_dots: bool,
    line_graphics: bool,
    blink_enabled: bool,
    blink: Blink,
    fonts: (u32, u32),
    cursor: Option<(u32, u32)>,
    cursor_at: u32,
    underline: u32,
    clocks_per_address: u32,
}

impl<'a> TextGenerator<'a> {
    pub fn new(regs: &Registers<'a>, blink: Blink) -> Self {
        TextGenerator {
            crtc: regs.crtc,
            nine_dots: regs.seq.char_width() == 9,
            line_graphics: regs.attr.line_graphics(),
            blink_enabled: regs.attr.blink(),
            blink,
            fonts: regs.seq.font_offsets(),
            cursor: regs.crtc.cursor_lines(),
            cursor_at: regs.crtc.cursor_location(),
            underline: regs.crtc.underline_location(),
            clocks_per_address: regs.crtc.clocks_per_address(),
        }
    }

    /// Fills `dots` (4-bit colours) with `chars` characters of one scan line.
    pub fn line(&self, vram: &[u8], line: &Line, chars: u32, dots: &mut [u8]) {
        let width = if self.nine_dots { 9 } else { 8 };
        for i in 0..chars {
            let ma = line.row_start.wrapping_add(i / self.clocks_per_address);
            let planes = load(vram, self.crtc.memory_address(ma, line.row_scan));
            let ch = planes as u8;
            let at = (planes >> 8) as u8;
            let font = if at & 0x08 != 0 {
                self.fonts.0
            } else {
                self.fonts.1
            };
            let mut glyph = plane_byte(vram, 2, font + ch as u32 * GLYPH_BYTES + line.row_scan);
            let mut fg = at & 0x0F;
            let bg = if self.blink_enabled {
                (at >> 4) & 0x07
            } else {
                at >> 4
            };
            if self.blink_enabled && at & 0x80 != 0 && !self.blink.chars_on {
                fg = bg;
            }
            // Underline (monochrome attributes: colour 1 on black) and the cursor fill the
            // whole cell width, ninth dot included.
            let underline = line.row_scan == self.underline && at & 0x77 == 0x01;
            let cursor = self.cursor.is_some_and(|(start, end)| {
                self.blink.cursor_on
                    && ma & 0xFFFF == self.cursor_at
                    && (start..=end).contains(&line.row_scan)
            });
            let solid = underline || cursor;
            if solid {
                glyph = 0xFF;
            }
            let cell = &mut dots[(i * width) as usize..((i + 1) * width) as usize];
            for (d, dot) in cell.iter_mut().take(8).enumerate() {
                *dot = if glyph & (0x80 >> d) != 0 { fg } else { bg };
            }
            if self.nine_dots {
                let extend = self.line_graphics && (0xC0..=0xDF).contains(&ch) && glyph & 1 != 0;
                cell[8] = if extend || solid { fg } else { bg };
            }
        }
    }
}
