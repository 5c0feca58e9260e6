//! CPU reads and writes: write modes, latches, read modes, chain 4, odd/even, the window.

use super::{Rig, MODE_03, MODE_12, MODE_13};

const GC: u16 = 0x3CE;
const SEQ: u16 = 0x3C4;

/// Mode 12h with every plane at offset 0 set to `fill`, then the latches loaded from there.
fn planar_with_latches(fill: [u8; 4]) -> Rig {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_12);
    for (p, &v) in fill.iter().enumerate() {
        rig.set(SEQ, 2, 1 << p);
        rig.poke(0xA0000, v);
    }
    rig.set(SEQ, 2, 0x0F);
    rig.peek(0xA0000);
    rig
}

fn planes(rig: &Rig, offset: usize) -> [u8; 4] {
    [0, 1, 2, 3].map(|p| rig.plane(p, offset))
}

#[test]
fn write_mode_0_honours_map_mask_and_bit_mask() {
    let mut rig = planar_with_latches([0xFF; 4]);
    rig.set(SEQ, 2, 0b0101);
    rig.set(GC, 8, 0xF0);
    rig.poke(0xA0000, 0x0F);
    // Masked-in bits from the data (0), the rest from the latches (1); planes 1, 3 untouched.
    assert_eq!(planes(&rig, 0), [0x0F, 0xFF, 0x0F, 0xFF]);
}

#[test]
fn write_mode_0_set_reset_rotate_and_xor() {
    let mut rig = planar_with_latches([0x0F, 0x0F, 0x0F, 0x0F]);
    // Planes 0 and 1 from set/reset (0 and 1), planes 2 and 3 from the data rotated right by 4.
    rig.set(GC, 0, 0b0010);
    rig.set(GC, 1, 0b0011);
    rig.set(GC, 3, 0x04);
    rig.poke(0xA0000, 0x1F);
    assert_eq!(planes(&rig, 0), [0x00, 0xFF, 0xF1, 0xF1]);
    // XOR with the latches (still 0F), no rotation, no set/reset.
    rig.set(GC, 1, 0);
    rig.set(GC, 3, 0x18);
    rig.poke(0xA0000, 0x3C);
    assert_eq!(planes(&rig, 0), [0x33; 4]);
}

#[test]
fn write_mode_0_and_or_functions_combine_with_latches() {
    let mut rig = planar_with_latches([0xF0, 0x0F, 0xFF, 0x00]);
    rig.set(GC, 3, 0x08); // AND
    rig.poke(0xA0000, 0x3C);
    assert_eq!(planes(&rig, 0), [0x30, 0x0C, 0x3C, 0x00]);
    rig.set(GC, 3, 0x10); // OR, against the latches loaded before (F0 0F FF 00)
    rig.poke(0xA0001, 0x3C);
    assert_eq!(planes(&rig, 1), [0xFC, 0x3F, 0xFF, 0x3C]);
}

#[test]
fn write_mode_1_copies_the_latches_whatever_the_bit_mask() {
    let mut rig = planar_with_latches([0x12, 0x34, 0x56, 0x78]);
    rig.set(GC, 5, 0x01);
    rig.set(GC, 8, 0x00);
    rig.poke(0xA0000 + 100, 0xAA);
    assert_eq!(planes(&rig, 100), [0x12, 0x34, 0x56, 0x78]);
    // The map mask still applies.
    rig.set(SEQ, 2, 0b0010);
    rig.peek(0xA0000 + 100);
    rig.poke(0xA0000 + 200, 0);
    assert_eq!(planes(&rig, 200), [0, 0x34, 0, 0]);
}

#[test]
fn write_mode_2_expands_the_colour_under_the_bit_mask() {
    let mut rig = planar_with_latches([0x00, 0xFF, 0x00, 0xFF]);
    rig.set(GC, 5, 0x02);
    rig.set(GC, 8, 0x81);
    rig.poke(0xA0000, 0b1010);
    // Bits 7 and 0 take colour 1010 (planes 1 and 3 set, 0 and 2 clear); the rest keep latches.
    assert_eq!(planes(&rig, 0), [0x00, 0xFF, 0x00, 0xFF]);
    rig.poke(0xA0000, 0b0101);
    assert_eq!(planes(&rig, 0), [0x81, 0x7E, 0x81, 0x7E]);
}

#[test]
fn write_mode_3_uses_rotated_data_as_a_mask_for_set_reset() {
    let mut rig = planar_with_latches([0x0F; 4]);
    rig.set(GC, 5, 0x03);
    rig.set(GC, 0, 0b0110);
    rig.set(GC, 8, 0x3C);
    rig.poke(0xA0000, 0xF0);
    // Mask = F0 & 3C = 30: planes 1 and 2 set there, 0 and 3 cleared; latches elsewhere.
    assert_eq!(planes(&rig, 0), [0x0F, 0x3F, 0x3F, 0x0F]);
}

#[test]
fn read_mode_0_returns_the_selected_plane_and_loads_latches() {
    let mut rig = planar_with_latches([0x11, 0x22, 0x33, 0x44]);
    for p in 0..4 {
        rig.set(GC, 4, p);
        assert_eq!(rig.peek(0xA0000), 0x11 * (p + 1));
    }
    assert_eq!(rig.vga.state.latches, 0x4433_2211);
}

#[test]
fn read_mode_1_compares_colours_with_dont_care() {
    let mut rig = planar_with_latches([0xF0, 0xCC, 0xAA, 0x00]);
    rig.set(GC, 5, 0x08);
    rig.set(GC, 2, 0b0011);
    rig.set(GC, 7, 0x0F);
    // Pixels of colour 0011: plane 0 and 1 set, 2 and 3 clear.
    assert_eq!(rig.peek(0xA0000), 0xF0 & 0xCC & !0xAA);
    rig.set(GC, 7, 0b0001);
    assert_eq!(rig.peek(0xA0000), 0xF0);
    rig.set(GC, 7, 0);
    assert_eq!(rig.peek(0xA0000), 0xFF, "nothing cared about: all match");
}

#[test]
fn chain4_puts_each_byte_in_plane_addr_mod_4() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_13);
    for a in 0..8u32 {
        rig.poke(0xA0000 + 0x1000 + a, a as u8 + 1);
    }
    for a in 0..8usize {
        let offset = (0x1000 + a) & !3;
        assert_eq!(rig.plane(a % 4, offset), a as u8 + 1);
    }
    assert_eq!(rig.peek(0xA1005), 6);
}

#[test]
fn odd_even_text_memory_reads_back_and_splits_into_planes() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_03);
    rig.poke(0xB8000 + 10, b'A');
    rig.poke(0xB8000 + 11, 0x1E);
    assert_eq!((rig.plane(0, 10), rig.plane(1, 10)), (b'A', 0x1E));
    assert_eq!((rig.plane(2, 10), rig.plane(3, 10)), (0, 0));
    assert_eq!(
        (rig.peek(0xB8000 + 10), rig.peek(0xB8000 + 11)),
        (b'A', 0x1E)
    );
}

#[test]
fn memory_map_select_decides_which_addresses_reach_memory() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_03);
    // Mode 3 maps B8000h only: A0000h and B0000h are not ours.
    rig.poke(0xA0000, 0x55);
    rig.poke(0xB0000, 0x55);
    assert_eq!(rig.peek(0xA0000), 0xFF);
    assert!(rig.bus.vram.iter().all(|&b| b == 0));
    // With RAM disabled in the misc output nothing reaches memory.
    rig.outb(0x3C2, 0x65);
    rig.poke(0xB8000, 0x55);
    assert!(rig.bus.vram.iter().all(|&b| b == 0));
}
