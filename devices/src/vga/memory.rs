//! CPU access to video memory: the window decode, plane selection (planar, odd/even, chain 4),
//! the latches, read modes 0-1 and write modes 0-3.
//!
//! Video memory (region 0, 256 KiB) is stored interleaved: the four plane bytes at plane offset
//! `o` are bytes `4*o .. 4*o+4` (plane p at `4*o + p`). Every planar operation (latch load and
//! store, the write modes, the scan-out fetch) works on the four bytes at one offset, so
//! interleaving makes each of them a single 32-bit access; chain 4 is not linear either way,
//! since the hardware puts CPU byte `a` in plane `a & 3` at offset `a & !3`.

use super::graphics::Graphics;
use super::sequencer::Sequencer;

/// Bytes of video memory.
pub const VRAM_SIZE: usize = 256 * 1024;
/// Offsets per plane.
pub const PLANE_SIZE: u32 = 64 * 1024;

/// Four plane bytes, plane p in bits 8p..8p+8.
pub type Planes = u32;

/// Each of the low four bits of `bits` widened to a whole plane byte.
pub fn expand(bits: u8) -> Planes {
    let mut out = 0;
    for p in 0..4 {
        if bits & (1 << p) != 0 {
            out |= 0xFF << (8 * p);
        }
    }
    out
}

/// The same byte in every plane.
fn broadcast(byte: u8) -> Planes {
    byte as u32 * 0x0101_0101
}

pub fn load(vram: &[u8], offset: u32) -> Planes {
    let at = (offset % PLANE_SIZE) as usize * 4;
    u32::from_le_bytes([vram[at], vram[at + 1], vram[at + 2], vram[at + 3]])
}

fn store(vram: &mut [u8], offset: u32, planes: Planes) {
    let at = (offset % PLANE_SIZE) as usize * 4;
    vram[at..at + 4].copy_from_slice(&planes.to_le_bytes());
}

/// One plane's byte at a plane offset.
pub fn plane_byte(vram: &[u8], plane: u32, offset: u32) -> u8 {
    vram[(offset % PLANE_SIZE) as usize * 4 + plane as usize]
}

/// The registers a CPU access depends on.
pub struct Access<'a> {
    pub seq: &'a Sequencer,
    pub gc: &'a Graphics,
}

impl Access<'_> {
    /// The window offset of a physical address, if the current memory map covers it.
    pub fn window_offset(&self, addr: u32) -> Option<u32> {
        let (base, len) = self.gc.window();
        addr.checked_sub(base).filter(|&o| o < len)
    }

    /// Plane offset for a window offset: chain 4 and odd/even drop the plane-select bits.
    /// Writes follow the sequencer's odd/even mode, reads the graphics controller's.
    fn plane_offset(&self, offset: u32, odd_even: bool) -> u32 {
        if self.seq.chain4() {
            offset & !3
        } else if odd_even {
            offset & !1
        } else {
            offset
        }
    }

    /// A CPU read: loads the latches, returns read mode 0's plane byte or read mode 1's colour
    /// compare.
    pub fn read(&self, vram: &[u8], latches: &mut Planes, offset: u32) -> u8 {
        *latches = load(vram, self.plane_offset(offset, self.gc.odd_even_reads()));
        if self.gc.read_mode_compare() {
            let differ =
                (*latches ^ expand(self.gc.colour_compare())) & expand(self.gc.colour_dont_care());
            let any = differ | differ >> 8 | differ >> 16 | differ >> 24;
            return !(any as u8);
        }
        let plane = if self.seq.chain4() {
            offset & 3
        } else if self.gc.odd_even_reads() {
            (self.gc.read_map() as u32 & 2) | (offset & 1)
        } else {
            self.gc.read_map() as u32
        };
        (*latches >> (8 * plane)) as u8
    }

    /// A CPU write through the current write mode.
    pub fn write(&self, vram: &mut [u8], latches: Planes, offset: u32, value: u8) {
        let mut planes = self.seq.map_mask();
        if self.seq.chain4() {
            planes &= 1 << (offset & 3);
        } else if self.seq.odd_even() {
            planes &= if offset & 1 != 0 { 0b1010 } else { 0b0101 };
        }
        if planes == 0 {
            return;
        }
        let gc = self.gc;
        let rotated = value.rotate_right(gc.rotate_count());
        let set_reset = expand(gc.set_reset());
        let (source, mask) = match gc.write_mode() {
            0 => {
                let enable = expand(gc.enable_set_reset());
                (
                    (set_reset & enable) | (broadcast(rotated) & !enable),
                    gc.bit_mask(),
                )
            }
            // The latches as they are, whatever the bit mask says (fast copies).
            1 => (latches, 0xFF),
            2 => (expand(value), gc.bit_mask()),
            _ => (set_reset, rotated & gc.bit_mask()),
        };
        let combined = if gc.write_mode() == 1 {
            source
        } else {
            match gc.function() {
                0 => source,
                1 => source & latches,
                2 => source | latches,
                _ => source ^ latches,
            }
        };
        let mask = broadcast(mask);
        let result = (combined & mask) | (latches & !mask);
        let at = self.plane_offset(offset, self.seq.odd_even());
        let keep = !expand(planes);
        let old = load(vram, at);
        store(vram, at, (old & keep) | (result & !keep));
    }
}
