//! Register files through their ports: the attribute flip-flop, the DAC cycle, CRTC protection
//! and I/O select, published registers, save and restore.

use cloister_shared::{IoWidth, PortDevice, Published};

use super::{Rig, MODE_03, MODE_13};
use crate::vga::Vga;

#[test]
fn attribute_flip_flop_alternates_index_and_data_and_3da_resets_it() {
    let mut rig = Rig::new();
    rig.outb(0x3C2, 0x67); // colour I/O: status at 3DAh
    rig.inb(0x3DA);
    rig.outb(0x3C0, 0x01);
    rig.outb(0x3C0, 0x3F);
    rig.outb(0x3C0, 0x01);
    assert_eq!(rig.inb(0x3C1), 0x3F, "data went to palette 1");
    assert_eq!(
        rig.inb(0x3C0),
        0x01,
        "index read back, palette source clear"
    );
    // Flip-flop now expects data; reading 3DA makes the next write an index again.
    rig.inb(0x3DA);
    rig.outb(0x3C0, 0x33);
    assert_eq!(
        rig.inb(0x3C0),
        0x33,
        "index 13h with the palette source bit"
    );
    rig.outb(0x3C0, 0x05);
    assert_eq!(rig.inb(0x3C1), 0x05, "pel panning written");
    // The published read of 3DA reaches the device as a notification and resets too.
    rig.outb(0x3C0, 0x12);
    rig.vga.read_notify(0x3DA, IoWidth::Byte, &mut rig.bus);
    rig.outb(0x3C0, 0x14);
    assert_eq!(rig.inb(0x3C0), 0x14);
    // Palette entries keep 6 bits.
    rig.inb(0x3DA);
    rig.outb(0x3C0, 0x02);
    rig.outb(0x3C0, 0xFF);
    rig.outb(0x3C0, 0x02);
    assert_eq!(rig.inb(0x3C1), 0x3F);
}

#[test]
fn status_read_on_the_unselected_port_does_not_reset_the_flip_flop() {
    let mut rig = Rig::new();
    rig.outb(0x3C2, 0x67); // colour: 3DAh
    rig.outb(0x3C0, 0x01);
    assert_eq!(rig.inb(0x3BA), 0xFF, "mono status floats");
    rig.vga.read_notify(0x3BA, IoWidth::Byte, &mut rig.bus);
    rig.outb(0x3C0, 0x2A); // still data for palette 1
    rig.outb(0x3C0, 0x01);
    assert_eq!(rig.inb(0x3C1), 0x2A);
}

#[test]
fn dac_writes_and_reads_three_components_per_index() {
    let mut rig = Rig::new();
    rig.outb(0x3C8, 5);
    for v in [10, 20, 30, 40, 50, 0xFF] {
        rig.outb(0x3C9, v);
    }
    assert_eq!(rig.inb(0x3C7), 0, "write state");
    assert_eq!(rig.inb(0x3C8), 7, "write index moved on twice");
    rig.outb(0x3C7, 5);
    assert_eq!(rig.inb(0x3C7), 3, "read state");
    let read: Vec<u8> = (0..6).map(|_| rig.inb(0x3C9)).collect();
    assert_eq!(read, vec![10, 20, 30, 40, 50, 0x3F]);
    // A colour is stored only once its third component arrives.
    rig.outb(0x3C8, 9);
    rig.outb(0x3C9, 1);
    rig.outb(0x3C9, 2);
    rig.outb(0x3C7, 9);
    assert_eq!((rig.inb(0x3C9), rig.inb(0x3C9), rig.inb(0x3C9)), (0, 0, 0));
    rig.outb(0x3C6, 0x0F);
    assert_eq!(rig.inb(0x3C6), 0x0F);
}

#[test]
fn crtc_protect_bit_locks_registers_0_to_7_except_line_compare_bit_8() {
    let mut rig = Rig::new();
    rig.outb(0x3C2, 0x67);
    rig.set(0x3D4, 0x01, 0x4F);
    rig.set(0x3D4, 0x11, 0x80);
    rig.set(0x3D4, 0x01, 0x27);
    rig.set(0x3D4, 0x07, 0xFF);
    rig.outb(0x3D4, 0x01);
    assert_eq!(rig.inb(0x3D5), 0x4F);
    rig.outb(0x3D4, 0x07);
    assert_eq!(rig.inb(0x3D5), 0x10);
    rig.set(0x3D4, 0x11, 0x00);
    rig.set(0x3D4, 0x01, 0x27);
    rig.outb(0x3D4, 0x01);
    assert_eq!(rig.inb(0x3D5), 0x27);
}

#[test]
fn misc_output_io_select_moves_the_crtc_and_status_ports() {
    let mut rig = Rig::new();
    rig.outb(0x3C2, 0x66); // mono
    rig.set(0x3B4, 0x0E, 0x12);
    rig.outb(0x3B4, 0x0E);
    assert_eq!(rig.inb(0x3B5), 0x12);
    assert_eq!(rig.inb(0x3D5), 0xFF);
    assert_eq!(rig.bus.published[&0x3DA], (Published::Static(0xFF), false));
    assert!(matches!(
        rig.bus.published[&0x3BA],
        (Published::Clock { .. }, true)
    ));
    assert_eq!(rig.bus.published_value(0x3CC), Some(0x66));
    rig.outb(0x3C2, 0x67);
    assert!(matches!(
        rig.bus.published[&0x3DA],
        (Published::Clock { .. }, true)
    ));
    assert_eq!(rig.bus.published[&0x3BA], (Published::Static(0xFF), false));
    assert_eq!(
        rig.bus.published_value(0x3D4),
        Some(0x0E),
        "same CRTC, other port"
    );
    assert_eq!(rig.bus.published_value(0x3CC), Some(0x67));
}

#[test]
fn published_index_registers_follow_writes() {
    let mut rig = Rig::new();
    rig.outb(0x3C4, 0x02);
    rig.outb(0x3CE, 0x08);
    assert_eq!(rig.bus.published_value(0x3C4), Some(0x02));
    assert_eq!(rig.bus.published_value(0x3CE), Some(0x08));
    // Word write: index then data.
    rig.vga.io_write(0x3C4, IoWidth::Word, 0x0F02, &mut rig.bus);
    assert_eq!(rig.vga.io_read(0x3C4, IoWidth::Word, &mut rig.bus), 0x0F02);
    assert!(
        !rig.bus.published.contains_key(&0x3C9),
        "DAC data reads have a side effect"
    );
}

#[test]
fn input_status_1_shows_vertical_retrace_once_per_frame_and_blanking_every_line() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_13);
    let timing = rig.vga.timing();
    // 449 lines of 800 dots at 25.175 MHz: a 70 Hz frame.
    assert!(
        (14_200_000..14_350_000).contains(&timing.frame_ns),
        "{timing:?}"
    );
    // Scan one frame in 1 µs steps, from any time.
    let base = rig.bus.now;
    let (mut retrace_us, mut blank_edges, mut last) = (0, 0, 0);
    for us in 0..14_300u64 {
        rig.bus.now = base + us * 1000;
        let v = rig.bus.published_value(0x3DA).unwrap();
        assert_eq!(v, rig.inb(0x3DA) as u32, "published and device reads agree");
        if v & 0x08 != 0 {
            retrace_us += 1;
            assert_eq!(v & 0x01, 1, "display disabled during retrace");
        }
        if v & 1 == 1 && last & 1 == 0 {
            blank_edges += 1;
        }
        last = v;
    }
    // Two lines of retrace (about 64 µs); about 449 line blanks.
    assert!(
        (55..75).contains(&retrace_us),
        "retrace lasted {retrace_us} µs"
    );
    assert!(
        (420..460).contains(&blank_edges),
        "{blank_edges} blanking periods"
    );
}

#[test]
fn save_and_restore_carry_registers_but_not_memory() {
    let mut rig = Rig::new();
    rig.set_mode(&MODE_03);
    rig.set_dac(7, [42, 42, 42]);
    rig.set(0x3D4, 0x0E, 0x01);
    let saved = rig.vga.save();
    assert!(
        saved.len() < 2000,
        "no video memory in the state ({} bytes)",
        saved.len()
    );
    let mut fresh = Vga::new();
    fresh.restore(&saved).unwrap();
    fresh.start(&mut rig.bus);
    rig.vga = fresh;
    rig.outb(0x3D4, 0x0E);
    assert_eq!(rig.inb(0x3D5), 0x01);
    rig.outb(0x3C7, 7);
    assert_eq!(rig.inb(0x3C9), 42);
    assert_eq!(rig.bus.published_value(0x3CC), Some(0x67));
    assert!(
        Vga::new().restore(&[99, 1, 2]).is_err(),
        "unknown version refused"
    );
    assert!(
        Vga::new().restore(&saved[..saved.len() / 2]).is_err(),
        "truncated state refused"
    );
    let mut bad = crate::vga::state::VgaState::default();
    bad.dac.write_step = 5;
    assert!(
        Vga::new().restore(&bad.encode()).is_err(),
        "impossible DAC step refused"
    );
}

#[test]
fn a_video_memory_region_of_the_wrong_size_is_not_used() {
    let mut rig = Rig::new();
    rig.bus.vram = vec![0; 1000];
    rig.set_mode(&MODE_13);
    rig.poke(0xA0000 + 5000, 1);
    assert_eq!(rig.peek(0xA0000 + 5000), 0xFF);
    rig.advance(100_000_000); // renders nothing, panics nowhere
}

#[test]
fn palette_is_locked_while_the_display_owns_it() {
    let mut rig = Rig::new();
    rig.outb(0x3C2, 0x67);
    rig.inb(0x3DA);
    rig.outb(0x3C0, 0x21); // palette 1, palette address source set
    rig.outb(0x3C0, 0x15);
    rig.outb(0x3C0, 0x01); // palette 1, source clear
    assert_eq!(rig.inb(0x3C1), 0x00, "write ignored");
    rig.outb(0x3C0, 0x15);
    rig.outb(0x3C0, 0x01);
    assert_eq!(rig.inb(0x3C1), 0x15);
}

#[test]
fn manifest_declares_ports_window_and_regions() {
    let m = crate::vga::manifest();
    assert!(m.serves_port(0x3C0) && m.serves_port(0x3DA) && m.serves_port(0x3B4));
    assert!(
        !m.serves_port(0x3BC),
        "the MDA printer port is not the VGA's"
    );
    assert_eq!(
        (m.mem_windows[0].start, m.mem_windows[0].len),
        (0xA0000, 0x20000)
    );
    assert_eq!(
        m.regions,
        vec![
            262_144,
            cloister_shared::framebuffer::FRAMEBUFFER_SIZE as u64
        ]
    );
    assert!(!m.guest_ram);
}
