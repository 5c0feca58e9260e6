//! Display timing from the registers: the line and frame rates behind input status 1's bits,
//! and the blink rates.

use cloister_shared::{ClockToggle, Published};

use super::crtc::Crtc;
use super::sequencer::Sequencer;

/// Half a cursor blink cycle (about 3.75 Hz).
pub const CURSOR_HALF_NS: u64 = 133_333_333;
/// Half a character blink cycle (about 1.9 Hz).
pub const BLINK_HALF_NS: u64 = 266_666_667;

/// Input status 1 bits: display disabled (blanking) and vertical retrace.
const DISPLAY_DISABLED: u32 = 0x01;
const VERTICAL_RETRACE: u32 = 0x08;

/// A 640x400 70 Hz frame: what the timing falls back to while the registers are unprogrammed.
const DEFAULT_LINE_NS: u64 = 31_778;
const DEFAULT_LINES: u64 = 449;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    pub line_ns: u64,
    pub frame_ns: u64,
    /// Blanked part of each line.
    pub hblank_ns: u64,
    /// Start and length of the vertical retrace within the frame.
    pub vretrace_at_ns: u64,
    pub vretrace_ns: u64,
}

impl Timing {
    pub fn from_registers(misc: u8, seq: &Sequencer, crtc: &Crtc) -> Timing {
        let dot_hz: u64 = if (misc >> 2) & 3 == 1 {
            28_322_000
        } else {
            25_175_000
        };
        let divide = seq.char_width() as u64 * if seq.half_dot_clock() { 2 } else { 1 };
        let htotal = crtc.horizontal_total() as u64;
        let line_ns = htotal * divide * 1_000_000_000 / dot_hz;
        let lines = crtc.vertical_total() as u64;
        let sane = (20_000..=100_000).contains(&line_ns) && (200..=1100).contains(&lines);
        let (line_ns, lines) = if sane {
            (line_ns, lines)
        } else {
            (DEFAULT_LINE_NS, DEFAULT_LINES)
        };
        let hdisp = (crtc.horizontal_display() as u64).min(htotal);
        let hblank_ns = if sane {
            line_ns * (htotal - hdisp) / htotal
        } else {
            line_ns / 5
        };
        let retrace_start = if sane {
            crtc.vertical_retrace_start() as u64 % lines
        } else {
            412
        };
        let retrace_lines = if sane {
            crtc.vertical_retrace_lines() as u64
        } else {
            2
        };
        Timing {
            line_ns,
            frame_ns: line_ns * lines,
            hblank_ns: hblank_ns.max(1),
            vretrace_at_ns: retrace_start * line_ns,
            vretrace_ns: retrace_lines * line_ns,
        }
    }

    /// Input status 1 as a clock the CPU evaluates: bit 0 in each line's blanking, bits 0 and 3
    /// through the vertical retrace. `epoch_ns` is when a frame started.
    pub fn input_status_1(&self, epoch_ns: u64) -> Published {
        // A frame earlier, so the toggles' epochs are not in the future of a read.
        let epoch_ns = epoch_ns.saturating_sub(self.frame_ns);
        Published::Clock {
            base: 0,
            toggles: [
                ClockToggle {
                    bits: DISPLAY_DISABLED,
                    epoch_ns: epoch_ns + self.line_ns - self.hblank_ns,
                    period_ns: self.line_ns,
                    on_ns: self.hblank_ns,
                },
                ClockToggle {
                    bits: DISPLAY_DISABLED | VERTICAL_RETRACE,
                    epoch_ns: epoch_ns + self.vretrace_at_ns,
                    period_ns: self.frame_ns,
                    on_ns: self.vretrace_ns,
                },
            ],
        }
    }
}
