//! Rendering into the framebuffer region, for modes programmed register by register.

use cloister_shared::framebuffer::{FramebufferReader, ScreenKind};

use super::{rgb, Rig, MODE_04, MODE_06, MODE_0D, MODE_12, MODE_13};

const SEQ: u16 = 0x3C4;
const GC: u16 = 0x3CE;

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
    assert_eq!(
        frame.pixel(0, 240),
        Some(0),
        "line 240 is the top part's last"
    );
    assert_eq!(
        frame.pixel(0, 241),
        Some(rgb([0, 63, 0])),
        "the split restarts at address 0"
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

#[test]
fn mode_06h_one_bit_pixels_from_plane_0_with_cga_interleave() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_06);
    rig.set_dac(0x17, [63, 63, 63]);
    rig.poke(0xB8000, 0x80); // line 0, pixel 0
    rig.poke(0xB8000 + 0x2000, 0x01); // line 1, pixel 7
    rig.poke(0xB8000 + 80 + 1, 0x40); // line 2, pixel 9
    let frame = rig.frame();
    assert_eq!((frame.width, frame.height), (640, 400));
    let white = Some(0xFFFFFF);
    assert_eq!((frame.pixel(0, 0), frame.pixel(0, 1)), (white, white));
    assert_eq!((frame.pixel(1, 0), frame.pixel(0, 2)), (Some(0), Some(0)));
    assert_eq!((frame.pixel(7, 2), frame.pixel(7, 3)), (white, white));
    assert_eq!(frame.pixel(9, 4), white);
}

#[test]
fn horizontal_pel_panning_shifts_the_picture_left() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_13);
    rig.set_dac(1, [63, 63, 63]);
    rig.poke(0xA0000 + 1, 1);
    assert_eq!(rig.frame().pixel(2, 0), Some(0xFFFFFF));
    // In 256-colour modes the register counts half pixels: 2 moves one pixel.
    rig.inb(0x3DA);
    rig.outb(0x3C0, 0x33);
    rig.outb(0x3C0, 0x02);
    let frame = rig.frame();
    assert_eq!(
        (frame.pixel(0, 0), frame.pixel(1, 0)),
        (Some(0xFFFFFF), Some(0xFFFFFF))
    );
    assert_eq!(frame.pixel(2, 0), Some(0));
}

#[test]
fn renders_wait_for_the_next_frame_and_coalesce_changes() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_13);
    rig.set_dac(1, [63, 63, 63]);
    rig.frame();
    let mut reader = FramebufferReader::new();
    reader.update(rig.bus.fb_bytes()).unwrap();
    // Long after the last render: due at once.
    rig.poke(0xA0000, 1);
    assert!(rig.bus.timer_at.expect("a render is scheduled") <= rig.bus.now);
    rig.advance(0);
    let rendered_at = rig.bus.now;
    assert_eq!(reader.update(rig.bus.fb_bytes()).unwrap(), Some(vec![0, 1]));
    // Soon after a render: wait for the next frame, however many changes come meanwhile.
    rig.advance(1_000_000);
    rig.poke(0xA0000 + 320, 1);
    let due = rendered_at + rig.vga.timing().frame_ns;
    assert_eq!(rig.bus.timer_at, Some(due));
    rig.poke(0xA0000 + 640, 1);
    assert_eq!(
        rig.bus.timer_at,
        Some(due),
        "a second change does not move the render"
    );
    rig.advance(due - 1 - rig.bus.now);
    assert_eq!(reader.update(rig.bus.fb_bytes()).unwrap(), None, "not yet");
    rig.advance(1);
    assert_eq!(
        reader.update(rig.bus.fb_bytes()).unwrap(),
        Some(vec![2, 3, 4, 5]),
        "one frame, both changes"
    );
}
