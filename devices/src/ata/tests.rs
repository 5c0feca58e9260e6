use crate::disk::backend::{MemBackend, SharedMem};
use crate::disk::Disk;
use crate::testing::TestBus;
use cloister_shared::{IoWidth, PortDevice};

const SECTORS: usize = 20_160; // 20 cylinders of 16 heads × 63 sectors: 10 MiB

fn image() -> Vec<u8> {
    let mut img = vec![0u8; SECTORS * 512];
    for (lba, s) in img.chunks_mut(512).enumerate() {
        s.fill(0xE5);
        s[..4].copy_from_slice(&(lba as u32).to_le_bytes());
    }
    img
}

fn setup() -> (Disk, TestBus) {
    let mut disk = Disk::new([false, false], Some(Box::new(MemBackend::new(image()))));
    let mut bus = TestBus::new(1 << 20);
    disk.start(&mut bus);
    (disk, bus)
}

fn word(data: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([data[2 * i], data[2 * i + 1]])
}

fn read_sector_words(disk: &mut Disk, bus: &mut TestBus) -> Vec<u8> {
    (0..256)
        .flat_map(|_| (disk.io_read(0x1F0, IoWidth::Word, bus) as u16).to_le_bytes())
        .collect()
}

#[test]
fn identify_device_words() {
    let (mut disk, mut bus) = setup();
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50);
    bus.outb(&mut disk, 0x1F6, 0xA0);
    bus.outb(&mut disk, 0x1F7, 0xEC);
    assert!(bus.levels[14]);
    assert_eq!(
        bus.published_value(0x3F6),
        Some(0x58),
        "DRDY DSC DRQ on the alternate status"
    );
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x58);
    assert!(!bus.levels[14], "reading the status cleared INTRQ");
    let id = read_sector_words(&mut disk, &mut bus);
    assert_eq!(word(&id, 0), 0x0040);
    assert_eq!((word(&id, 1), word(&id, 3), word(&id, 6)), (20, 16, 63));
    assert_eq!(word(&id, 49) & 0x0200, 0x0200, "LBA");
    assert_eq!(
        word(&id, 60) as u32 | (word(&id, 61) as u32) << 16,
        SECTORS as u32
    );
    assert_eq!(word(&id, 47), 0x8010);
    let model: Vec<u8> = (27..47).flat_map(|i| word(&id, i).to_be_bytes()).collect();
    assert_eq!(
        String::from_utf8(model).unwrap().trim_end(),
        "Cloister ATA Disk"
    );
    assert_eq!(id[510], 0xA5);
    assert_eq!(
        id.iter().fold(0u8, |a, &b| a.wrapping_add(b)),
        0,
        "checksum"
    );
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50, "DRQ gone after 256 words");
}

#[test]
fn rep_insw_reads_lba_sectors_into_ram() {
    let (mut disk, mut bus) = setup();
    for (port, v) in [
        (0x1F2, 2),
        (0x1F3, 0x34),
        (0x1F4, 0x12),
        (0x1F5, 0x00),
        (0x1F6, 0xE0),
        (0x1F7, 0x20),
    ] {
        bus.outb(&mut disk, port, v);
    }
    assert!(bus.levels[14]);
    assert_eq!(bus.inb(&mut disk, 0x1F7) & 0x08, 0x08);
    // One REP INSW for the first sector, a second for the next.
    assert_eq!(
        disk.io_read_block(0x1F0, IoWidth::Word, 0x8000, 256, false, &mut bus),
        256
    );
    assert_eq!(&bus.ram[0x8000..0x8004], &0x1234u32.to_le_bytes());
    assert_eq!(bus.ram[0x81FF], 0xE5);
    assert!(bus.levels[14], "interrupt for the second sector");
    bus.inb(&mut disk, 0x1F7);
    assert_eq!(
        disk.io_read_block(0x1F0, IoWidth::Word, 0x8200, 256, false, &mut bus),
        256
    );
    assert_eq!(&bus.ram[0x8200..0x8204], &0x1235u32.to_le_bytes());
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50);
    assert_eq!(
        bus.inb(&mut disk, 0x1F3),
        0x35,
        "address of the last sector"
    );
}

#[test]
fn chs_read_and_out_of_range() {
    let (mut disk, mut bus) = setup();
    // C=1 H=2 S=5 → (1*16+2)*63+4 = 1138.
    for (port, v) in [
        (0x1F2, 1),
        (0x1F3, 5),
        (0x1F4, 1),
        (0x1F5, 0),
        (0x1F6, 0xA2),
        (0x1F7, 0x20),
    ] {
        bus.outb(&mut disk, port, v);
    }
    let data = read_sector_words(&mut disk, &mut bus);
    assert_eq!(&data[..4], &1138u32.to_le_bytes());
    for (port, v) in [(0x1F3, 64), (0x1F7, 0x20)] {
        bus.outb(&mut disk, port, v);
    }
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x51);
    assert_eq!(bus.inb(&mut disk, 0x1F1), 0x10, "IDNF for sector 64");
}

#[test]
fn write_multiple_reaches_the_image() {
    let img = SharedMem::new(image());
    let mut disk = Disk::new([false, false], Some(Box::new(img.clone())));
    let mut bus = TestBus::new(1 << 20);
    disk.start(&mut bus);
    bus.outb(&mut disk, 0x1F2, 4);
    bus.outb(&mut disk, 0x1F7, 0xC6);
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50);
    for (port, v) in [
        (0x1F2, 6),
        (0x1F3, 10),
        (0x1F4, 0),
        (0x1F5, 0),
        (0x1F6, 0xE0),
        (0x1F7, 0xC5),
    ] {
        bus.outb(&mut disk, port, v);
    }
    assert!(!bus.levels[14], "no interrupt before the first block");
    for (i, b) in bus.ram[0x1_0000..0x1_0000 + 6 * 512].iter_mut().enumerate() {
        *b = (i / 512) as u8 + 1;
    }
    assert_eq!(
        disk.io_write_block(0x1F0, IoWidth::Word, 0x1_0000, 4 * 256, false, &mut bus),
        1024
    );
    assert!(bus.levels[14]);
    assert_eq!(
        bus.inb(&mut disk, 0x1F7),
        0x58,
        "DRQ for the last two sectors"
    );
    disk.io_write_block(
        0x1F0,
        IoWidth::Word,
        0x1_0000 + 4 * 512,
        2 * 256,
        false,
        &mut bus,
    );
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50);
    for s in 0..6 {
        assert_eq!(img.bytes((10 + s) * 512, 512), vec![s as u8 + 1; 512]);
    }
    assert_eq!(img.bytes(16 * 512, 4), 16u32.to_le_bytes());
}

#[test]
fn read_multiple_needs_set_multiple() {
    let (mut disk, mut bus) = setup();
    bus.outb(&mut disk, 0x1F7, 0xC4);
    assert_eq!(
        (bus.inb(&mut disk, 0x1F7), bus.inb(&mut disk, 0x1F1)),
        (0x51, 0x04)
    );
    bus.outb(&mut disk, 0x1F2, 3);
    bus.outb(&mut disk, 0x1F7, 0xC6);
    assert_eq!(bus.inb(&mut disk, 0x1F1), 0x04, "3 is not a power of two");
}

#[test]
fn initialize_device_parameters_changes_translation() {
    let (mut disk, mut bus) = setup();
    for (port, v) in [(0x1F2, 32), (0x1F6, 0xA7), (0x1F7, 0x91)] {
        bus.outb(&mut disk, port, v);
    }
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50);
    bus.outb(&mut disk, 0x1F7, 0xEC);
    let id = read_sector_words(&mut disk, &mut bus);
    assert_eq!((word(&id, 54), word(&id, 55), word(&id, 56)), (78, 8, 32));
    // C=0 H=1 S=1 is now LBA 32.
    for (port, v) in [
        (0x1F2, 1),
        (0x1F3, 1),
        (0x1F4, 0),
        (0x1F5, 0),
        (0x1F6, 0xA1),
        (0x1F7, 0x20),
    ] {
        bus.outb(&mut disk, port, v);
    }
    assert_eq!(
        &read_sector_words(&mut disk, &mut bus)[..4],
        &32u32.to_le_bytes()
    );
}

#[test]
fn device1_absent_diagnostic_and_soft_reset() {
    let (mut disk, mut bus) = setup();
    bus.outb(&mut disk, 0x1F6, 0xB0);
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x00, "no device 1");
    bus.outb(&mut disk, 0x1F7, 0x90);
    assert_eq!(bus.inb(&mut disk, 0x1F1), 0x01);
    assert_eq!(
        bus.inb(&mut disk, 0x1F6),
        0x00,
        "device 0 selected after diagnostics"
    );
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50);
    bus.outb(&mut disk, 0x1F2, 0x33);
    bus.outb(&mut disk, 0x3F6, 0x06); // SRST, nIEN
    assert_eq!(bus.inb(&mut disk, 0x3F6), 0x80);
    bus.outb(&mut disk, 0x3F6, 0x02);
    assert_eq!(bus.inb(&mut disk, 0x1F2), 0x01, "signature");
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50);
    bus.outb(&mut disk, 0x1F7, 0xE7);
    assert!(!bus.levels[14], "nIEN masks INTRQ");
    bus.outb(&mut disk, 0x3F6, 0x00);
    assert!(bus.levels[14]);
}

#[test]
fn no_disk_floats() {
    let mut disk = Disk::new([false, false], None);
    let mut bus = TestBus::new(4096);
    disk.start(&mut bus);
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0xFF);
    bus.outb(&mut disk, 0x1F7, 0xEC);
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0xFF);
}

#[test]
fn status_read_through_publication_clears_irq() {
    let (mut disk, mut bus) = setup();
    bus.outb(&mut disk, 0x1F7, 0xE7);
    assert!(bus.levels[14]);
    assert!(bus.published[&0x1F7].1, "1F7h is published with notify");
    disk.read_notify(0x1F7, IoWidth::Byte, &mut bus);
    assert!(!bus.levels[14]);
}

#[test]
fn verify_seek_features_and_power() {
    let (mut disk, mut bus) = setup();
    for (port, v) in [
        (0x1F2, 4),
        (0x1F3, 0x10),
        (0x1F4, 0),
        (0x1F5, 0),
        (0x1F6, 0xE0),
        (0x1F7, 0x40),
    ] {
        bus.outb(&mut disk, port, v);
    }
    assert!(bus.levels[14]);
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50, "no data phase");
    assert_eq!(
        bus.inb(&mut disk, 0x1F3),
        0x13,
        "address of the last sector verified"
    );
    bus.outb(&mut disk, 0x1F6, 0xE1); // LBA 0x1000013: past the end
    bus.outb(&mut disk, 0x1F7, 0x70);
    assert_eq!(
        (bus.inb(&mut disk, 0x1F7), bus.inb(&mut disk, 0x1F1)),
        (0x51, 0x10)
    );
    bus.outb(&mut disk, 0x1F1, 0x03);
    bus.outb(&mut disk, 0x1F2, 0x0C); // PIO mode 4
    bus.outb(&mut disk, 0x1F7, 0xEF);
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50);
    bus.outb(&mut disk, 0x1F2, 0x42); // UDMA mode 2: not supported
    bus.outb(&mut disk, 0x1F7, 0xEF);
    assert_eq!(
        (bus.inb(&mut disk, 0x1F7), bus.inb(&mut disk, 0x1F1)),
        (0x51, 0x04)
    );
    bus.outb(&mut disk, 0x1F7, 0xE5);
    assert_eq!(bus.inb(&mut disk, 0x1F2), 0xFF, "active");
    bus.outb(&mut disk, 0x1F7, 0x00); // NOP aborts
    assert_eq!(bus.inb(&mut disk, 0x1F1), 0x04);
}

#[test]
fn read_sectors_count_zero_is_256() {
    let (mut disk, mut bus) = setup();
    for (port, v) in [
        (0x1F2, 0),
        (0x1F3, 0),
        (0x1F4, 0),
        (0x1F5, 0),
        (0x1F6, 0xE0),
        (0x1F7, 0x20),
    ] {
        bus.outb(&mut disk, port, v);
    }
    // One REP INSW over all 256 sectors.
    assert_eq!(
        disk.io_read_block(0x1F0, IoWidth::Word, 0, 256 * 256, false, &mut bus),
        256 * 256
    );
    assert_eq!(&bus.ram[255 * 512..255 * 512 + 4], &255u32.to_le_bytes());
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x50);
}

#[test]
fn insw_past_the_data_reads_the_floating_bus() {
    let (mut disk, mut bus) = setup();
    for (port, v) in [(0x1F2, 1), (0x1F3, 0), (0x1F6, 0xE0), (0x1F7, 0x20)] {
        bus.outb(&mut disk, port, v);
    }
    assert_eq!(
        disk.io_read_block(0x1F0, IoWidth::Dword, 0x100, 130, false, &mut bus),
        130
    );
    assert_eq!(&bus.ram[0x100 + 512..0x100 + 520], &[0xFF; 8]);
}

#[test]
fn lba48_read_with_high_order_bytes() {
    let (mut disk, mut bus) = setup();
    bus.outb(&mut disk, 0x1F7, 0xEC);
    let id = read_sector_words(&mut disk, &mut bus);
    assert_eq!(word(&id, 83) & 0x0400, 0x0400, "48-bit feature set");
    assert_eq!(
        word(&id, 100) as usize | (word(&id, 101) as usize) << 16,
        SECTORS
    );
    // High-order bytes first (count 0, LBA 47:24 = 0), then the low-order ones.
    for (port, v) in [
        (0x1F2, 0),
        (0x1F3, 0),
        (0x1F4, 0),
        (0x1F5, 0),
        (0x1F2, 2),
        (0x1F3, 0x21),
        (0x1F4, 0x43),
        (0x1F5, 0x00),
    ] {
        bus.outb(&mut disk, port, v);
    }
    bus.outb(&mut disk, 0x1F6, 0x40);
    bus.outb(&mut disk, 0x1F7, 0x24);
    assert_eq!(bus.inb(&mut disk, 0x1F7), 0x58);
    assert_eq!(
        disk.io_read_block(0x1F0, IoWidth::Word, 0x2000, 512, false, &mut bus),
        512
    );
    assert_eq!(&bus.ram[0x2000..0x2004], &0x4321u32.to_le_bytes());
    assert_eq!(&bus.ram[0x2200..0x2204], &0x4322u32.to_le_bytes());
    assert_eq!(
        bus.inb(&mut disk, 0x1F3),
        0x22,
        "address of the last sector"
    );
    bus.outb(&mut disk, 0x3F6, 0x80); // HOB: the high-order bytes
    assert_eq!(bus.inb(&mut disk, 0x1F3), 0x00);
    // A 48-bit count of 0 means 65536 sectors: past the end of this disk.
    for (port, v) in [
        (0x1F2, 0),
        (0x1F2, 0),
        (0x1F3, 0),
        (0x1F3, 0),
        (0x1F7, 0x24),
    ] {
        bus.outb(&mut disk, port, v);
    }
    assert_eq!(bus.inb(&mut disk, 0x1F1), 0x10);
    bus.outb(&mut disk, 0x1F7, 0x27);
    assert_eq!(
        bus.inb(&mut disk, 0x1F3) as usize | (bus.inb(&mut disk, 0x1F4) as usize) << 8,
        SECTORS - 1
    );
}
