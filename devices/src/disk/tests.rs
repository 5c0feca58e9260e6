//! The disk group through its ports: a floppy read through DMA, the way a BIOS does it.

use super::*;
use crate::testing::TestBus;

const FLOPPY_144: usize = 1_474_560;

/// A 1.44M image whose every sector starts with its LBA and is filled with a pattern.
pub(super) fn floppy_image() -> Vec<u8> {
    let mut img = vec![0u8; FLOPPY_144];
    for (lba, sector) in img.chunks_mut(512).enumerate() {
        sector.fill(lba as u8 ^ 0x5A);
        sector[..2].copy_from_slice(&(lba as u16).to_le_bytes());
    }
    img
}

pub(super) fn setup() -> (Disk, TestBus) {
    let mut disk = Disk::new([true, false], None);
    disk.insert_floppy(0, Box::new(MemBackend::new(floppy_image())))
        .unwrap();
    let mut bus = TestBus::new(1 << 20);
    disk.start(&mut bus);
    (disk, bus)
}

/// The writes a BIOS makes to set DMA channel 2 up for `len` bytes at `addr` in `mode`.
pub(super) fn dma_setup(mode: u8, addr: u32, len: u32) -> [(u16, u8); 9] {
    [
        (0x0A, 0x06),
        (0x0C, 0),
        (0x0B, mode),
        (0x04, addr as u8),
        (0x04, (addr >> 8) as u8),
        (0x81, (addr >> 16) as u8),
        (0x05, (len - 1) as u8),
        (0x05, ((len - 1) >> 8) as u8),
        (0x0A, 0x02),
    ]
}

fn program_dma(disk: &mut Disk, bus: &mut TestBus, mode: u8, addr: u32, len: u32) {
    for (port, v) in dma_setup(mode, addr, len) {
        bus.outb(disk, port, v);
    }
}

fn command(disk: &mut Disk, bus: &mut TestBus, bytes: &[u8]) {
    for &b in bytes {
        assert_eq!(
            bus.inb(disk, 0x3F4) & 0xC0,
            0x80,
            "FDC ready for a command byte"
        );
        bus.outb(disk, 0x3F5, b);
    }
}

fn results(disk: &mut Disk, bus: &mut TestBus) -> Vec<u8> {
    let mut out = Vec::new();
    while bus.inb(disk, 0x3F4) & 0xC0 == 0xC0 {
        out.push(bus.inb(disk, 0x3F5));
    }
    out
}

/// Leaves reset, takes the four reset interrupts, specifies, recalibrates and sets 500 kbps.
fn init_fdc(disk: &mut Disk, bus: &mut TestBus) {
    bus.outb(disk, 0x3F2, 0x00);
    bus.outb(disk, 0x3F2, 0x1C);
    assert!(bus.levels[6], "IRQ6 after reset");
    for n in 0..4 {
        command(disk, bus, &[0x08]);
        assert_eq!(results(disk, bus), [0xC0 | n, 0]);
    }
    assert!(!bus.levels[6]);
    command(disk, bus, &[0x03, 0xDF, 0x02]);
    bus.outb(disk, 0x3F7, 0x00);
    command(disk, bus, &[0x07, 0x00]);
    assert!(bus.levels[6]);
    command(disk, bus, &[0x08]);
    assert_eq!(results(disk, bus), [0x20, 0]);
}

#[test]
fn floppy_read_data_through_dma() {
    let (mut disk, mut bus) = setup();
    init_fdc(&mut disk, &mut bus);
    assert_eq!(
        bus.inb(&mut disk, 0x3F7) & 0x80,
        0x00,
        "the recalibrate cleared disk change"
    );
    // Seek to cylinder 1, then read C=1 H=1 R=3: LBA (1*2+1)*18+2 = 56, two sectors.
    command(&mut disk, &mut bus, &[0x0F, 0x04, 1]);
    command(&mut disk, &mut bus, &[0x08]);
    assert_eq!(results(&mut disk, &mut bus), [0x24, 1]);
    program_dma(&mut disk, &mut bus, 0x46, 0x1_2340, 1024);
    bus.irqs.clear();
    command(
        &mut disk,
        &mut bus,
        &[0xE6, 0x04, 1, 1, 3, 2, 18, 0x1B, 0xFF],
    );
    assert_eq!(
        bus.take_edges(6),
        1,
        "IRQ6 at the end of the execution phase"
    );
    assert_eq!(
        bus.published_value(0x3F4),
        Some(0xD0),
        "result phase: RQM, DIO, busy"
    );
    assert_eq!(
        results(&mut disk, &mut bus),
        [0x04, 0x00, 0x00, 1, 1, 5, 2],
        "ST0-ST2, next sector C H R N"
    );
    assert_eq!(&bus.ram[0x1_2340..0x1_2342], &56u16.to_le_bytes());
    assert_eq!(bus.ram[0x1_2342], 56 ^ 0x5A);
    assert_eq!(&bus.ram[0x1_2540..0x1_2542], &57u16.to_le_bytes());
    assert_eq!(bus.ram[0x1_2740], 0, "nothing past the DMA count");
    assert_eq!(bus.inb(&mut disk, 0x3F4), 0x80);
}

#[test]
fn multitrack_read_ends_on_side_one() {
    let (mut disk, mut bus) = setup();
    init_fdc(&mut disk, &mut bus);
    program_dma(&mut disk, &mut bus, 0x46, 0x2_0000, 2 * 512);
    // Start at the last sector of head 0: MT carries on to head 1, sector 1.
    command(
        &mut disk,
        &mut bus,
        &[0xE6, 0x00, 0, 0, 18, 2, 18, 0x1B, 0xFF],
    );
    assert_eq!(results(&mut disk, &mut bus), [0x04, 0, 0, 0, 1, 2, 2]);
    assert_eq!(&bus.ram[0x2_0200..0x2_0202], &18u16.to_le_bytes());
}

#[test]
fn end_of_cylinder_without_terminal_count() {
    let (mut disk, mut bus) = setup();
    init_fdc(&mut disk, &mut bus);
    program_dma(&mut disk, &mut bus, 0x46, 0x2_0000, 4 * 512);
    command(
        &mut disk,
        &mut bus,
        &[0x66, 0x00, 0, 0, 17, 2, 18, 0x1B, 0xFF],
    );
    assert_eq!(
        results(&mut disk, &mut bus),
        [0x40, 0x80, 0, 1, 0, 1, 2],
        "abnormal, EN"
    );
}

#[test]
fn write_data_reaches_the_image() {
    let image = backend::SharedMem::new(floppy_image());
    let mut disk = Disk::new([true, false], None);
    disk.insert_floppy(0, Box::new(image.clone())).unwrap();
    let mut bus = TestBus::new(1 << 20);
    disk.start(&mut bus);
    init_fdc(&mut disk, &mut bus);
    bus.ram[0x3000..0x3200].fill(0xC3);
    program_dma(&mut disk, &mut bus, 0x4A, 0x3000, 512);
    command(
        &mut disk,
        &mut bus,
        &[0xC5, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF],
    );
    assert_eq!(results(&mut disk, &mut bus), [0x00, 0, 0, 0, 0, 2, 2]);
    assert_eq!(image.bytes(0, 512), vec![0xC3; 512]);
    assert_eq!(image.bytes(512, 2), 1u16.to_le_bytes());
}

#[test]
fn wrong_data_rate_is_missing_address_mark() {
    let (mut disk, mut bus) = setup();
    init_fdc(&mut disk, &mut bus);
    bus.outb(&mut disk, 0x3F7, 0x02); // 250 kbps: not a 1.44M medium
    command(&mut disk, &mut bus, &[0x4A, 0x00]);
    assert_eq!(results(&mut disk, &mut bus), [0x40, 0x01, 0, 0, 0, 0, 0]);
    bus.outb(&mut disk, 0x3F7, 0x00);
    command(&mut disk, &mut bus, &[0x4A, 0x00]);
    assert_eq!(results(&mut disk, &mut bus), [0x00, 0, 0, 0, 0, 1, 2]);
}

#[test]
fn read_waits_for_a_masked_dma_channel() {
    let (mut disk, mut bus) = setup();
    init_fdc(&mut disk, &mut bus);
    program_dma(&mut disk, &mut bus, 0x46, 0x4000, 512);
    bus.outb(&mut disk, 0x0A, 0x06); // mask again
    command(
        &mut disk,
        &mut bus,
        &[0xE6, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF],
    );
    assert_eq!(bus.inb(&mut disk, 0x3F4), 0x10, "busy, no request");
    bus.outb(&mut disk, 0x0A, 0x02);
    assert_eq!(results(&mut disk, &mut bus), [0x00, 0, 0, 0, 0, 2, 2]);
    assert_eq!(bus.ram[0x4002], 0x5A);
}

#[test]
fn non_dma_read_through_the_fifo() {
    let (mut disk, mut bus) = setup();
    init_fdc(&mut disk, &mut bus);
    command(&mut disk, &mut bus, &[0x03, 0xDF, 0x03]); // ND
    command(
        &mut disk,
        &mut bus,
        &[0x46, 0x00, 0, 0, 18, 2, 18, 0x1B, 0xFF],
    );
    assert_eq!(bus.inb(&mut disk, 0x3F4), 0xF0);
    let data: Vec<u8> = (0..512).map(|_| bus.inb(&mut disk, 0x3F5)).collect();
    assert_eq!(&data[..2], &17u16.to_le_bytes());
    assert!(bus.levels[6]);
    assert_eq!(
        results(&mut disk, &mut bus),
        [0x40, 0x80, 0, 1, 0, 1, 2],
        "no TC in non-DMA mode"
    );
}

#[test]
fn version_configure_dumpreg_lock_and_invalid() {
    let (mut disk, mut bus) = setup();
    init_fdc(&mut disk, &mut bus);
    command(&mut disk, &mut bus, &[0x10]);
    assert_eq!(results(&mut disk, &mut bus), [0x90]);
    command(&mut disk, &mut bus, &[0x13, 0x00, 0x57, 0x05]);
    command(&mut disk, &mut bus, &[0x94]);
    assert_eq!(results(&mut disk, &mut bus), [0x10]);
    command(&mut disk, &mut bus, &[0x0E]);
    assert_eq!(
        results(&mut disk, &mut bus),
        [0, 0, 0, 0, 0xDF, 0x02, 0, 0x80, 0x57, 0x05]
    );
    command(&mut disk, &mut bus, &[0x08]);
    assert_eq!(
        results(&mut disk, &mut bus),
        [0x80],
        "no interrupt to sense"
    );
    command(&mut disk, &mut bus, &[0x1F]);
    assert_eq!(results(&mut disk, &mut bus), [0x80]);
    command(&mut disk, &mut bus, &[0x04, 0x00]);
    assert_eq!(
        results(&mut disk, &mut bus),
        [0x38],
        "ready, track 0, two-sided, drive 0"
    );
}

#[test]
fn format_track_fills_sectors() {
    let image = backend::SharedMem::new(floppy_image());
    let mut disk = Disk::new([true, false], None);
    disk.insert_floppy(0, Box::new(image.clone())).unwrap();
    let mut bus = TestBus::new(1 << 20);
    disk.start(&mut bus);
    init_fdc(&mut disk, &mut bus);
    for r in 0..18u8 {
        bus.ram[0x5000 + r as usize * 4..][..4].copy_from_slice(&[0, 0, r + 1, 2]);
    }
    program_dma(&mut disk, &mut bus, 0x4A, 0x5000, 18 * 4);
    command(&mut disk, &mut bus, &[0x4D, 0x00, 2, 18, 0x54, 0xF6]);
    assert_eq!(results(&mut disk, &mut bus), [0x00, 0, 0, 0, 0, 18, 2]);
    assert_eq!(image.bytes(0, 18 * 512), vec![0xF6; 18 * 512]);
    assert_eq!(
        image.bytes(18 * 512, 2),
        18u16.to_le_bytes(),
        "head 1 untouched"
    );
}

#[test]
fn unknown_floppy_size_is_refused() {
    let mut disk = Disk::new([true, false], None);
    assert!(matches!(
        disk.insert_floppy(0, Box::new(MemBackend::new(vec![0; 1000]))),
        Err(FloppyError::UnknownSize(1000))
    ));
    assert!(
        disk.insert_floppy(1, Box::new(MemBackend::new(vec![0; 737_280])))
            .is_err(),
        "no drive 1"
    );
}

#[test]
fn save_restore_keeps_images() {
    let (mut disk, mut bus) = setup();
    init_fdc(&mut disk, &mut bus);
    command(&mut disk, &mut bus, &[0x0F, 0x00, 7]);
    let saved = disk.save();
    disk.restore(&saved).unwrap();
    command(&mut disk, &mut bus, &[0x08]);
    assert_eq!(results(&mut disk, &mut bus), [0x20, 7]);
    command(&mut disk, &mut bus, &[0x4A, 0x00]);
    assert_eq!(
        results(&mut disk, &mut bus)[3],
        7,
        "the image is still in the drive"
    );
    assert!(disk.restore(&[1, 2, 3]).is_err());
}

#[test]
fn any_write_sequence_is_harmless() {
    let (mut disk, mut bus) = setup();
    let ports: Vec<u16> = (0x00..0x10)
        .chain(0x81..0x90)
        .chain(0xC0..0xE0)
        .chain(0x1F0..0x1F8)
        .chain(0x3F0..0x3F8)
        .collect();
    let mut x = 0x0BAD_F00Du32;
    for _ in 0..100_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        // Favour the FDC and ATA so that commands get assembled.
        let port = if x & 3 == 0 {
            ports[(x >> 8) as usize % ports.len()]
        } else {
            [0x3F5, 0x1F7, 0x3F2, 0x1F0][(x >> 2 & 3) as usize]
        };
        bus.outb(&mut disk, port, (x >> 16) as u8);
        let rp = ports[(x >> 24) as usize % ports.len()];
        bus.inb(&mut disk, rp);
        if x & 0x40 != 0 {
            disk.io_read_block(
                0x1F0,
                IoWidth::Word,
                (x & 0xFFFF) as u64,
                300,
                false,
                &mut bus,
            );
        }
    }
    let saved = disk.save();
    disk.restore(&saved).unwrap();
}

#[test]
fn mutated_state_is_harmless() {
    let (mut disk, mut bus) = setup();
    init_fdc(&mut disk, &mut bus);
    command(&mut disk, &mut bus, &[0x03, 0xDF, 0x03]);
    command(
        &mut disk,
        &mut bus,
        &[0x46, 0x00, 0, 0, 17, 2, 18, 0x1B, 0xFF],
    );
    bus.inb(&mut disk, 0x3F5);
    let saved = disk.save();
    let make = || -> Box<dyn PortDevice> {
        let hd = MemBackend::new(vec![0; 64 * 512]);
        let mut d = Disk::new([true, true], Some(Box::new(hd)));
        d.insert_floppy(0, Box::new(MemBackend::new(vec![0; FLOPPY_144])))
            .unwrap();
        d.insert_floppy(1, Box::new(MemBackend::new(vec![0; 368_640])))
            .unwrap();
        Box::new(d)
    };
    // A state with a hard disk and mid-transfer ATA too.
    let mut other = make();
    let mut b2 = TestBus::new(1 << 16);
    for (port, v) in [(0x1F2, 3), (0x1F6, 0xE0), (0x1F7, 0x20)] {
        other.io_write(port, IoWidth::Byte, v, &mut b2);
    }
    other.io_read(0x1F0, IoWidth::Word, &mut b2);
    let saved_hd = other.save();
    let ports: Vec<u16> = [0x00, 0x04, 0x05, 0x08, 0x0A, 0x0B, 0x0C, 0x81, 0xD4, 0xD6]
        .into_iter()
        .chain(0x1F0..0x1F8)
        .chain(0x3F0..0x3F8)
        .collect();
    let loaded = crate::testing::fuzz_restore(&make, &saved_hd, &ports, 400);
    assert!(loaded > 20, "{loaded}");
    let no_hd = || -> Box<dyn PortDevice> {
        let mut d = Disk::new([true, false], None);
        d.insert_floppy(0, Box::new(MemBackend::new(floppy_image())))
            .unwrap();
        Box::new(d)
    };
    let loaded = crate::testing::fuzz_restore(&no_hd, &saved, &ports, 400);
    assert!(loaded > 20, "{loaded}");
}

#[test]
fn controller_starts_in_reset_until_dor_bit_2() {
    let mut disk = Disk::new([true, false], None);
    let mut bus = TestBus::new(4096);
    disk.start(&mut bus);
    assert_eq!(bus.inb(&mut disk, 0x3F4), 0x00, "held in reset at power-on");
    bus.outb(&mut disk, 0x3F5, 0x10);
    bus.outb(&mut disk, 0x3F2, 0x0C);
    assert!(bus.levels[6], "leaving reset interrupts");
    assert_eq!(bus.inb(&mut disk, 0x3F4), 0x80);
    command(&mut disk, &mut bus, &[0x08]);
    assert_eq!(results(&mut disk, &mut bus), [0xC0, 0]);
    // A DSR software reset interrupts again.
    for _ in 0..3 {
        command(&mut disk, &mut bus, &[0x08]);
        results(&mut disk, &mut bus);
    }
    assert!(!bus.levels[6]);
    bus.outb(&mut disk, 0x3F4, 0x80);
    assert!(bus.levels[6]);
    // DOR bit 3 clear gates IRQ6 off.
    bus.outb(&mut disk, 0x3F2, 0x04);
    assert!(!bus.levels[6]);
}
