//! Text modes: glyphs from plane 2, attributes, the ninth dot, cursor, blink, underline, fonts.

use cloister_shared::framebuffer::ScreenKind;

use super::{rgb, Rig, MODE_01, MODE_03, MODE_07};
use crate::vga::timing::{BLINK_HALF_NS, CURSOR_HALF_NS};

const SEQ: u16 = 0x3C4;
const GC: u16 = 0x3CE;

/// Loads 16-line glyphs into font 0 of plane 2 the way a BIOS does, then back to text access.
fn load_glyphs(rig: &mut Rig, glyphs: &[(u8, [u8; 16])]) {
    load_glyphs_at(rig, 0, glyphs);
}

/// Loads glyphs at a plane 2 offset, then restores text-mode access for `rig`'s mode 3.
fn load_glyphs_at(rig: &mut Rig, base: u32, glyphs: &[(u8, [u8; 16])]) {
    rig.set(SEQ, 2, 0x04);
    rig.set(SEQ, 4, 0x07);
    rig.set(GC, 4, 0x02);
    rig.set(GC, 5, 0x00);
    rig.set(GC, 6, 0x04);
    for (ch, rows) in glyphs {
        for (r, &bits) in rows.iter().enumerate() {
            rig.poke(0xA0000 + base + *ch as u32 * 32 + r as u32, bits);
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
fn blinking_characters_alternate_with_their_background_when_blink_is_enabled() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_03);
    load_glyphs(&mut rig, &[(0xDB, [0xFF; 16])]);
    rig.set_dac(0x07, [42, 42, 42]);
    rig.set_dac(0x38, [21, 21, 21]);
    put_char(&mut rig, 0, 0, 0xDB, 0x87);
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(rig.frame().pixel(3, 3).unwrap());
        rig.advance(BLINK_HALF_NS);
    }
    assert!(
        seen.contains(&rgb([42, 42, 42])) && seen.contains(&0),
        "blinked: {seen:x?}"
    );
    // Blink disabled: bit 7 selects a bright background (palette 8) and nothing blinks.
    rig.inb(0x3DA);
    rig.outb(0x3C0, 0x30);
    rig.outb(0x3C0, 0x04);
    put_char(&mut rig, 1, 0, b' ', 0x87);
    for _ in 0..3 {
        let frame = rig.frame();
        assert_eq!(frame.pixel(3, 3), Some(rgb([42, 42, 42])));
        assert_eq!(frame.pixel(12, 3), Some(rgb([21, 21, 21])));
        rig.advance(BLINK_HALF_NS);
    }
}

#[test]
fn attribute_bit_3_selects_font_a_from_character_map_select() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_03);
    // Font A at 16 KiB (select 1), font B at 0.
    rig.set(SEQ, 3, 0x01);
    load_glyphs_at(&mut rig, 0x4000, &[(b'A', [0xFF; 16])]);
    load_glyphs_at(&mut rig, 0, &[(b'A', [0x00; 16])]);
    rig.set_dac(0x3F, [63, 63, 63]);
    rig.set_dac(0x07, [42, 42, 42]);
    put_char(&mut rig, 0, 0, b'A', 0x0F);
    put_char(&mut rig, 1, 0, b'A', 0x07);
    let frame = rig.frame();
    assert_eq!(
        frame.pixel(4, 4),
        Some(0xFFFFFF),
        "bright attribute: font A"
    );
    assert_eq!(
        frame.pixel(13, 4),
        Some(0),
        "normal attribute: font B (blank)"
    );
}

#[test]
fn monochrome_text_underlines_attribute_01_on_the_underline_scan_line() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_07);
    rig.set_dac(0x08, [42, 42, 42]);
    rig.poke(0xB0000, b'_');
    rig.poke(0xB0001, 0x01);
    rig.poke(0xB0002, b'_');
    rig.poke(0xB0003, 0x07);
    let frame = rig.frame();
    assert_eq!(
        (frame.width, frame.height, frame.kind),
        (720, 350, ScreenKind::Text)
    );
    assert_eq!((frame.text.cols, frame.text.rows), (80, 25));
    let grey = Some(rgb([42, 42, 42]));
    for x in 0..9 {
        assert_eq!(frame.pixel(x, 13), grey, "underline dot {x}");
        assert_eq!(frame.pixel(x, 12), Some(0));
        assert_eq!(
            frame.pixel(9 + x, 13),
            Some(0),
            "attribute 07h is not underlined"
        );
    }
}

#[test]
fn forty_column_text_doubles_every_dot() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_01);
    load_glyphs(&mut rig, &[(b'I', [0x80; 16])]);
    rig.set_dac(0x07, [42, 42, 42]);
    // Row 1, column 2: cells are 40 words apart.
    rig.poke(0xB8000 + (40 + 2) * 2, b'I');
    rig.poke(0xB8000 + (40 + 2) * 2 + 1, 0x07);
    let frame = rig.frame();
    assert_eq!((frame.width, frame.height), (720, 400));
    assert_eq!((frame.text.cols, frame.text.rows), (40, 25));
    assert_eq!(frame.text.line(1), "  I");
    let grey = Some(rgb([42, 42, 42]));
    let x = 2 * 18;
    assert_eq!((frame.pixel(x, 20), frame.pixel(x + 1, 20)), (grey, grey));
    assert_eq!(frame.pixel(x + 2, 20), Some(0));
    assert_eq!(frame.pixel(x - 1, 20), Some(0));
}

#[test]
fn preset_row_scan_scrolls_text_up_by_scan_lines() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_03);
    let glyph: [u8; 16] = std::array::from_fn(|r| if r == 5 { 0xFF } else { 0 });
    load_glyphs(&mut rig, &[(b'-', glyph)]);
    rig.set_dac(0x07, [42, 42, 42]);
    put_char(&mut rig, 0, 0, b'-', 0x07);
    let grey = Some(rgb([42, 42, 42]));
    assert_eq!(rig.frame().pixel(0, 5), grey);
    rig.set(0x3D4, 0x08, 3);
    let frame = rig.frame();
    assert_eq!((frame.pixel(0, 2), frame.pixel(0, 5)), (grey, Some(0)));
}
