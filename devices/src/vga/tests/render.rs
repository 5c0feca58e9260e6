//! Rendering into the framebuffer region, for modes programmed register by register.

use cloister_shared::framebuffer::{FramebufferReader, ScreenKind};

use super::{rgb, Rig, MODE_03, MODE_04, MODE_0D, MODE_12, MODE_13};
use crate::vga::timing::CURSOR_HALF_NS;

const SEQ: u16 = 0x3C4;
const GC: u16 = 0x3CE;

/// Loads 16-line glyphs into font 0 of plane 2 the way a BIOS does, then back to text access.
fn load_glyphs(rig: &mut Rig, glyphs: &[(u8, [u8; 16])]) {
    rig.set(SEQ, 2, 0x04);
    rig.set(SEQ, 4, 0x07);
    rig.set(GC, 4, 0x02);
    rig.set(GC, 5, 0x00);
    rig.set(GC, 6, 0x04);
    for (ch, rows) in glyphs {
        for (r, &bits) in rows.iter().enumerate() {
            rig.poke(0xA0000 + *ch as u32 * 32 + r as u32, bits);
        }
    }
    rig.set(SEQ, 2, 0x03);
    rig.set(SEQ, 4, 0x02);
    rig.set(GC, 4, 0x00);
    rig.set(GC, 5, 0x10);
    rig.set(GC, 6, 0x0E);
}

fn put_char(rig: &mut Rig, col: u32, row: u32, ch: u8, attr: u8) {
    let at = 0xB8000 + (row * 80 + col) * 2;
    rig.poke(at, ch);
    rig.poke(at + 1, attr);
}

#[test]
fn text_mode_draws_a_glyph_from_plane_2_in_attribute_colours() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_03);
    let glyph: [u8; 16] = std::array::from_fn(|r| (r as u8).wrapping_mul(37) ^ 0x5A);
    load_glyphs(&mut rig, &[(b'A', glyph)]);
    // Attribute 1Eh: colour 14 on 1, through palette entries 3Eh and 01h.
    let (fg, bg) = ([63, 63, 21], [0, 0, 42]);
    rig.set_dac(0x3E, fg);
    rig.set_dac(0x01, bg);
    put_char(&mut rig, 3, 2, b'A', 0x1E);
    let frame = rig.frame();
    assert_eq!(
        (frame.width, frame.height, frame.kind),
        (720, 400, ScreenKind::Text)
    );
    for r in 0..16 {
        for d in 0..9 {
            let lit = d < 8 && glyph[r as usize] & (0x80 >> d) != 0;
            let want = rgb(if lit { fg } else { bg });
            assert_eq!(
                frame.pixel(27 + d, 32 + r),
                Some(want),
                "dot {d} of line {r}"
            );
        }
    }
    assert_eq!(
        frame.pixel(26, 32),
        Some(0),
        "the cell to the left is black"
    );
    assert_eq!((frame.text.cols, frame.text.rows), (80, 25));
    assert_eq!(frame.text.cell(3, 2), Some((b'A', 0x1E)));
    assert_eq!(frame.text.line(2), "   A");
}

#[test]
fn ninth_dot_repeats_the_eighth_only_for_line_graphics_characters() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_03);
    load_glyphs(&mut rig, &[(0xC4, [0x01; 16]), (0xB3, [0x01; 16])]);
    rig.set_dac(0x07, [42, 42, 42]);
    put_char(&mut rig, 0, 5, 0xC4, 0x07);
    put_char(&mut rig, 1, 5, 0xB3, 0x07);
    let frame = rig.frame();
    let y = 5 * 16 + 3;
    let grey = rgb([42, 42, 42]);
    assert_eq!(
        (frame.pixel(7, y), frame.pixel(8, y)),
        (Some(grey), Some(grey))
    );
    assert_eq!(
        (frame.pixel(9 + 7, y), frame.pixel(9 + 8, y)),
        (Some(grey), Some(0))
    );
    // Without line graphics enable, C4h's ninth dot is background too.
    rig.inb(0x3DA);
    rig.outb(0x3C0, 0x30);
    rig.outb(0x3C0, 0x08);
    let frame = rig.frame();
    assert_eq!(frame.pixel(8, y), Some(0));
}

#[test]
fn text_cursor_blinks_on_its_scan_lines_and_is_in_the_header() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_03);
    rig.set_dac(0x07, [42, 42, 42]);
    put_char(&mut rig, 10, 1, b' ', 0x07);
    rig.set(0x3D4, 0x0E, 0x00);
    rig.set(0x3D4, 0x0F, 90);
    let mut seen = Vec::new();
    for _ in 0..4 {
        let frame = rig.frame();
        assert_eq!(frame.cursor, Some((10, 1)));
        // Cursor lines 0Dh-0Eh of the cell at (90, 16); line 0Ch is never lit.
        assert_eq!(frame.pixel(92, 16 + 0x0C), Some(0));
        seen.push(frame.pixel(92, 16 + 0x0D).unwrap());
        rig.advance(CURSOR_HALF_NS);
    }
    let grey = rgb([42, 42, 42]);
    assert!(
        seen.contains(&grey) && seen.contains(&0),
        "cursor blinked: {seen:x?}"
    );
}

#[test]
fn mode_13h_pixel_shows_its_dac_colour_doubled_to_640x400() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_13);
    let colour = [63, 0, 32];
    rig.set_dac(0x2A, colour);
    let (x, y) = (17u32, 9u32);
    rig.poke(0xA0000 + y * 320 + x, 0x2A);
    let frame = rig.frame();
    assert_eq!(
        (frame.width, frame.height, frame.kind),
        (640, 400, ScreenKind::Graphics)
    );
    for (fx, fy) in [(34, 18), (35, 18), (34, 19), (35, 19)] {
        assert_eq!(frame.pixel(fx, fy), Some(rgb(colour)), "({fx}, {fy})");
    }
    for (fx, fy) in [(33, 18), (36, 18), (34, 17), (34, 20)] {
        assert_eq!(frame.pixel(fx, fy), Some(0), "({fx}, {fy}) stays black");
    }
}

#[test]
fn only_changed_rows_are_republished_and_nothing_when_idle() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_13);
    rig.set_dac(1, [63, 63, 63]);
    let mut reader = FramebufferReader::new();
    rig.frame();
    assert!(reader.update(rig.bus.fb_bytes()).unwrap().is_some());
    rig.advance(200_000_000);
    assert_eq!(
        reader.update(rig.bus.fb_bytes()).unwrap(),
        None,
        "no change, no frame"
    );
    rig.poke(0xA0000 + 50 * 320 + 3, 1);
    rig.frame();
    assert_eq!(
        reader.update(rig.bus.fb_bytes()).unwrap(),
        Some(vec![100, 101])
    );
    assert_eq!(reader.frame().pixel(6, 100), Some(0xFFFFFF));
}

#[test]
fn mode_12h_planar_pixel_through_palette_and_dac() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_12);
    rig.set_dac(0x39, [10, 63, 10]);
    rig.set(GC, 5, 0x02);
    rig.set(GC, 8, 0x80 >> 5);
    rig.peek(0xA0000 + 7 * 80);
    rig.poke(0xA0000 + 7 * 80, 0x09);
    let frame = rig.frame();
    assert_eq!((frame.width, frame.height), (640, 480));
    assert_eq!(frame.pixel(5, 7), Some(rgb([10, 63, 10])));
    assert_eq!(frame.pixel(4, 7), Some(0));
    assert_eq!(frame.pixel(5, 8), Some(0));
    // Colour plane enable masks planes out before the palette.
    rig.inb(0x3DA);
    rig.outb(0x3C0, 0x32);
    rig.outb(0x3C0, 0x01);
    rig.set_dac(0x01, [1, 2, 3]);
    assert_eq!(rig.frame().pixel(5, 7), Some(rgb([1, 2, 3])));
}

#[test]
fn mode_0dh_pixels_are_doubled_both_ways() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_0D);
    rig.set_dac(0x14, [50, 20, 0]);
    rig.set(GC, 5, 0x02);
    rig.set(GC, 8, 0x80 >> 3);
    rig.peek(0xA0000 + 4 * 40);
    rig.poke(0xA0000 + 4 * 40, 0x0C);
    let frame = rig.frame();
    assert_eq!((frame.width, frame.height), (640, 400));
    let want = Some(rgb([50, 20, 0]));
    for (x, y) in [(6, 8), (7, 8), (6, 9), (7, 9)] {
        assert_eq!(frame.pixel(x, y), want, "({x}, {y})");
    }
    assert_eq!(frame.pixel(8, 8), Some(0));
    assert_eq!(frame.pixel(6, 10), Some(0));
}

#[test]
fn mode_04h_cga_interleave_and_two_bit_pixels() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_04);
    let colours = [[0, 0, 0], [0, 42, 42], [42, 0, 42], [42, 42, 42]];
    for (i, dac) in [(0x13, colours[1]), (0x15, colours[2]), (0x17, colours[3])] {
        rig.set_dac(i, dac);
    }
    rig.poke(0xB8000, 0b11_10_01_00); // line 0, pixels 0-3
    rig.poke(0xB8000 + 0x2000, 0b01_01_01_01); // line 1
    rig.poke(0xB8000 + 80 + 1, 0b00_00_00_10); // line 2, pixel 7
    let frame = rig.frame();
    assert_eq!((frame.width, frame.height), (640, 400));
    for (p, want) in [3, 2, 1, 0].into_iter().enumerate() {
        assert_eq!(
            frame.pixel(p as u32 * 2, 0),
            Some(rgb(colours[want])),
            "line 0 pixel {p}"
        );
        assert_eq!(frame.pixel(p as u32 * 2 + 1, 1), Some(rgb(colours[want])));
        assert_eq!(
            frame.pixel(p as u32 * 2, 2),
            Some(rgb(colours[1])),
            "line 1 pixel {p}"
        );
    }
    assert_eq!(frame.pixel(14, 4), Some(rgb(colours[2])), "line 2 pixel 7");
    assert_eq!(frame.pixel(12, 4), Some(0));
}

#[test]
fn start_address_and_line_compare_split_the_screen() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_12);
    rig.set_dac(0x01, [63, 0, 0]);
    rig.set_dac(0x02, [0, 63, 0]);
    rig.set(SEQ, 2, 0x01);
    rig.poke(0xA0000 + 100 * 80, 0x80); // memory line 100, pixel 0: colour 1
    rig.set(SEQ, 2, 0x02);
    rig.poke(0xA0000, 0x80); // memory line 0, pixel 0: colour 2
    let start = 100 * 80u16;
    rig.set(0x3D4, 0x0C, (start >> 8) as u8);
    rig.set(0x3D4, 0x0D, start as u8);
    rig.set(0x3D4, 0x18, 240);
    rig.set(0x3D4, 0x07, 0x2E); // line compare bit 8 clear
    rig.set(0x3D4, 0x09, 0x00); // and bit 9
    let frame = rig.frame();
    assert_eq!(
        frame.pixel(0, 0),
        Some(rgb([63, 0, 0])),
        "top starts at line 100"
    );
    assert_eq!(frame.pixel(0, 239), Some(0));
    assert_eq!(
        frame.pixel(0, 240),
        Some(rgb([0, 63, 0])),
        "split restarts at address 0"
    );
}

#[test]
fn palette_address_source_clear_blanks_the_screen() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_13);
    rig.set_dac(1, [63, 63, 63]);
    rig.poke(0xA0000, 1);
    assert_eq!(rig.frame().pixel(0, 0), Some(0xFFFFFF));
    rig.inb(0x3DA);
    rig.outb(0x3C0, 0x00);
    let frame = rig.frame();
    assert_eq!(frame.kind, ScreenKind::Blank);
    assert_eq!(frame.pixel(0, 0), Some(0));
}
