//! Graphics pixel generator: each character clock's four plane bytes become 8 dots, as planar
//! 16-colour pixels, CGA-style 2-bit interleaved pixels, or 256-colour bytes (two dots each).

use super::{Line, Registers};
use crate::vga::memory::load;

/// Fills `dots` with `chars` character clocks (8 dots each) of one scan line: 4-bit colours,
/// or DAC indices when `colour256`.
pub fn line(
    regs: &Registers,
    vram: &[u8],
    line: &Line,
    chars: u32,
    colour256: bool,
    dots: &mut [u8],
) {
    let crtc = regs.crtc;
    let cpa = crtc.clocks_per_address();
    let interleaved = regs.gc.interleaved_shift();
    for i in 0..chars {
        let ma = line.row_start.wrapping_add(i / cpa);
        let b = load(vram, crtc.memory_address(ma, line.row_scan)).to_le_bytes();
        let cell = &mut dots[(i * 8) as usize..(i * 8 + 8) as usize];
        if colour256 {
            for (k, pair) in cell.chunks_mut(2).enumerate() {
                pair.fill(b[k]);
            }
        } else if interleaved {
            // Planes 0 and 1 hold the even and odd CPU bytes, four 2-bit pixels each, high
            // bits first; planes 2 and 3 supply bits 2-3 the same way.
            for (k, dot) in cell.iter_mut().enumerate() {
                let (lo, hi) = if k < 4 { (b[0], b[2]) } else { (b[1], b[3]) };
                let shift = 6 - 2 * (k % 4);
                *dot = ((lo >> shift) & 3) | (((hi >> shift) & 3) << 2);
            }
        } else {
            for (k, dot) in cell.iter_mut().enumerate() {
                let bit = 7 - k;
                *dot = ((b[0] >> bit) & 1)
                    | (((b[1] >> bit) & 1) << 1)
                    | (((b[2] >> bit) & 1) << 2)
                    | (((b[3] >> bit) & 1) << 3);
            }
        }
    }
}
