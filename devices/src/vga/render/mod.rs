//! Scan-out: walks video memory the way the CRTC does (start address, row stride, character
//! rows, double scan, line compare) and turns each scan line into pixels with the text or
//! graphics pixel generator. Sizes come from the CRTC and sequencer, never from a mode number.

mod graphics;
mod text;

use cloister_shared::framebuffer::{
    ScreenKind, MAX_HEIGHT, MAX_TEXT_COLS, MAX_TEXT_ROWS, MAX_WIDTH,
};

use super::attribute::Attribute;
use super::crtc::Crtc;
use super::dac::Dac;
use super::graphics::Graphics;
use super::memory::load;
use super::sequencer::Sequencer;

/// The registers the picture depends on.
pub struct Registers<'a> {
    pub seq: &'a Sequencer,
    pub crtc: &'a Crtc,
    pub gc: &'a Graphics,
    pub attr: &'a Attribute,
    pub dac: &'a Dac,
}

/// Which half of the blink cycles we are in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blink {
    pub cursor_on: bool,
    pub chars_on: bool,
}

/// One rendered screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub kind: ScreenKind,
    pub pixels: Vec<u32>,
    pub text_cols: u32,
    pub text_rows: u32,
    /// char | attribute << 8, `text_cols * text_rows`.
    pub cells: Vec<u16>,
    pub cursor: Option<(u32, u32)>,
    pub border: u32,
    /// Whether the picture changes with the blink phases (text with a cursor or blink).
    pub blinks: bool,
}

/// What a line's pixel generator needs besides the memory.
struct Line {
    /// Address counter at the start of the character row.
    row_start: u32,
    /// Scan line within the character row.
    row_scan: u32,
}

/// Renders the screen into `out` (reusing its buffers).
pub fn render(regs: &Registers, vram: &[u8], blink: Blink, out: &mut Picture) {
    let (seq, crtc, attr) = (regs.seq, regs.crtc, regs.attr);
    let chars = crtc.horizontal_display();
    let text = !attr.graphics();
    let char_dots = if text { seq.char_width() } else { 8 };
    let repeat = if seq.half_dot_clock() { 2 } else { 1 };
    out.width = (chars * char_dots * repeat).min(MAX_WIDTH);
    out.height = crtc.vertical_display().min(MAX_HEIGHT);
    out.border = regs.dac.rgb(attr.overscan());
    out.pixels.clear();
    out.pixels.resize((out.width * out.height) as usize, 0);
    out.cells.clear();
    (out.text_cols, out.text_rows, out.cursor, out.blinks) = (0, 0, None, false);
    if seq.screen_off() || !attr.palette_source {
        out.kind = ScreenKind::Blank;
        return;
    }
    out.kind = if text {
        ScreenKind::Text
    } else {
        ScreenKind::Graphics
    };

    let colour256 = !text && (attr.colour256() || regs.gc.shift256());
    // DAC colours by dot value: 8-bit indices in 256-colour modes, else 4-bit colours through
    // the attribute palette. A full table lets a u8 index it without bounds checks.
    let mut palette = [0u32; 256];
    for (i, p) in palette.iter_mut().enumerate() {
        *p = if colour256 {
            regs.dac.rgb(i as u8)
        } else {
            regs.dac.rgb(attr.dac_index(i as u8 & 0x0F))
        };
    }
    // Horizontal panning, in dots.
    let pel = attr.pel_panning();
    let pan = if text && char_dots == 9 {
        if pel >= 8 {
            0
        } else {
            pel + 1
        }
    } else if colour256 {
        pel & 6
    } else {
        pel & 7
    };
    let mut dots = vec![0u8; ((chars + 1) * char_dots) as usize];
    let text_gen = text.then(|| text::TextGenerator::new(regs, blink));

    let (max_scan, double) = (crtc.max_scan_line(), crtc.double_scan());
    let line_compare = crtc.line_compare();
    let start = crtc.start_address() + crtc.byte_panning();
    let (mut row_start, mut row_scan, mut repeat_line) = (start, crtc.preset_row_scan(), false);
    let mut line_pan = pan;
    for y in 0..out.height {
        // The line compare line is the last of the top part; the next starts at address 0.
        if y == line_compare.wrapping_add(1) {
            (row_start, row_scan, repeat_line) = (0, 0, false);
            if attr.pan_only_top() {
                line_pan = 0;
            }
        }
        let line = Line {
            row_start,
            row_scan,
        };
        match &text_gen {
            Some(g) => g.line(vram, &line, chars + 1, &mut dots),
            None => graphics::line(regs, vram, &line, chars + 1, colour256, &mut dots),
        }
        let row = &mut out.pixels[(y * out.width) as usize..((y + 1) * out.width) as usize];
        let visible = &dots[line_pan as usize..];
        if repeat == 2 {
            for (pair, &dot) in row.chunks_exact_mut(2).zip(visible) {
                pair.fill(palette[dot as usize]);
            }
        } else {
            for (px, &dot) in row.iter_mut().zip(visible) {
                *px = palette[dot as usize];
            }
        }
        if double && !repeat_line {
            repeat_line = true;
            continue;
        }
        repeat_line = false;
        if row_scan >= max_scan {
            row_scan = 0;
            row_start = row_start.wrapping_add(crtc.row_stride());
        } else {
            row_scan += 1;
        }
    }
    if text {
        snapshot_text(regs, vram, out, chars);
    }
}

/// The character cells of the screen, and the cursor cell, for the text snapshot.
fn snapshot_text(regs: &Registers, vram: &[u8], out: &mut Picture, chars: u32) {
    let crtc = regs.crtc;
    let lines_per_row = (crtc.max_scan_line() + 1) * if crtc.double_scan() { 2 } else { 1 };
    let cols = chars.min(MAX_TEXT_COLS);
    let rows = (out.height / lines_per_row).min(MAX_TEXT_ROWS);
    let stride = crtc.row_stride();
    let cpa = crtc.clocks_per_address();
    for r in 0..rows {
        for c in 0..cols {
            let ma = crtc.start_address().wrapping_add(r * stride + c / cpa);
            let planes = load(vram, crtc.memory_address(ma, 0));
            out.cells.push(planes as u16);
        }
    }
    (out.text_cols, out.text_rows) = (cols, rows);
    out.blinks = crtc.cursor_lines().is_some() || regs.attr.blink();
    if crtc.cursor_lines().is_some() && stride > 0 {
        let rel = crtc.cursor_location().wrapping_sub(crtc.start_address()) & 0xFFFF;
        let (row, col) = (rel / stride, (rel % stride) * cpa);
        if row < rows && col < cols {
            out.cursor = Some((col, row));
        }
    }
}
