use super::*;
use crate::testing::TestBus;

/// Programs channel 2 as the BIOS does for a floppy read: mode, address, page, count, unmask.
fn program_ch2(dma: &mut Dma, mode: u8, addr: u32, len: u16) {
    dma.write(0x0A, 0x06); // mask channel 2
    dma.write(0x0C, 0x00); // clear the flip-flop
    dma.write(0x0B, mode | 2);
    dma.write(0x04, addr as u8);
    dma.write(0x04, (addr >> 8) as u8);
    dma.write(0x81, (addr >> 16) as u8);
    dma.write(0x05, (len - 1) as u8);
    dma.write(0x05, ((len - 1) >> 8) as u8);
    dma.write(0x0A, 0x02); // unmask
}

#[test]
fn write_to_memory_until_terminal_count() {
    let mut dma = Dma::new();
    let mut bus = TestBus::new(0x30000);
    program_ch2(&mut dma, 0x44, 0x2_1000, 0x300); // single mode, write to memory
    let data: Vec<u8> = (0..0x400).map(|i| i as u8).collect();
    let t = dma.write_to_memory(2, &data[..0x200], &mut bus);
    assert_eq!(
        t,
        Transfer {
            bytes: 0x200,
            tc: false
        }
    );
    let t = dma.write_to_memory(2, &data[0x200..], &mut bus);
    assert_eq!(
        t,
        Transfer {
            bytes: 0x100,
            tc: true
        }
    );
    assert_eq!(&bus.ram[0x2_1000..0x2_1300], &data[..0x300]);
    assert_eq!(bus.ram[0x2_1300], 0);
    assert_eq!(dma.read(0x08) & 0x04, 0x04, "TC bit of channel 2");
    assert_eq!(dma.read(0x08) & 0x04, 0, "cleared by the status read");
    assert!(!dma.ready(2), "masked at TC without auto-initialise");
    // The current count reads FFFFh and the address has moved on.
    dma.write(0x0C, 0);
    assert_eq!((dma.read(0x05), dma.read(0x05)), (0xFF, 0xFF));
    assert_eq!((dma.read(0x04), dma.read(0x04)), (0x00, 0x13));
}

#[test]
fn address_wraps_within_the_page() {
    let mut dma = Dma::new();
    let mut bus = TestBus::new(0x30000);
    program_ch2(&mut dma, 0x44, 0x1_FFF0, 0x20);
    let t = dma.write_to_memory(2, &[0xAB; 0x20], &mut bus);
    assert_eq!(
        t,
        Transfer {
            bytes: 0x20,
            tc: true
        }
    );
    assert_eq!(&bus.ram[0x1_FFF0..0x2_0000], &[0xAB; 16]);
    assert_eq!(
        &bus.ram[0x1_0000..0x1_0010],
        &[0xAB; 16],
        "the 8237 does not carry into the page"
    );
    assert_eq!(bus.ram[0x2_0000], 0);
}

#[test]
fn read_from_memory_and_autoinit() {
    let mut dma = Dma::new();
    let mut bus = TestBus::new(0x10000);
    bus.ram[0x500..0x510].copy_from_slice(&[7; 16]);
    program_ch2(&mut dma, 0x58, 0x500, 16); // read from memory, auto-initialise
    let mut buf = [0u8; 16];
    assert_eq!(
        dma.read_from_memory(2, &mut buf, &mut bus),
        Transfer {
            bytes: 16,
            tc: true
        }
    );
    assert_eq!(buf, [7; 16]);
    assert!(dma.ready(2), "auto-initialise keeps the channel going");
    dma.write(0x0C, 0);
    assert_eq!(
        (dma.read(0x04), dma.read(0x04)),
        (0x00, 0x05),
        "address reloaded"
    );
}

#[test]
fn masked_or_disabled_channel_moves_nothing() {
    let mut dma = Dma::new();
    let mut bus = TestBus::new(0x10000);
    program_ch2(&mut dma, 0x44, 0x100, 16);
    dma.write(0x0F, 0x04);
    assert_eq!(dma.write_to_memory(2, &[1; 16], &mut bus).bytes, 0);
    dma.write(0x0E, 0); // clear all masks
    dma.write(0x08, 0x04); // controller disable
    assert_eq!(dma.write_to_memory(2, &[1; 16], &mut bus).bytes, 0);
    dma.write(0x0D, 0); // master clear masks everything again
    assert!(!dma.ready(2));
}

#[test]
fn verify_mode_counts_without_writing() {
    let mut dma = Dma::new();
    let mut bus = TestBus::new(0x10000);
    program_ch2(&mut dma, 0x40, 0x100, 16);
    assert_eq!(
        dma.write_to_memory(2, &[9; 16], &mut bus),
        Transfer {
            bytes: 16,
            tc: true
        }
    );
    assert_eq!(&bus.ram[0x100..0x110], &[0; 16]);
}

#[test]
fn word_channel_addresses_words() {
    let mut dma = Dma::new();
    let mut bus = TestBus::new(0x40000);
    dma.write(0xD8, 0); // clear flip-flop on the second controller
    dma.write(0xD6, 0x45); // channel 5, write, single
    dma.write(0xC4, 0x00);
    dma.write(0xC4, 0x08); // word address 0800h → byte 1000h
    dma.write(0x8B, 0x03); // page 3 (bit 0 ignored) → 20000h
    dma.write(0xC6, 3);
    dma.write(0xC6, 0); // 4 words
    dma.write(0xD4, 0x01); // unmask channel 5
    let t = dma.write_to_memory(5, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], &mut bus);
    assert_eq!(t, Transfer { bytes: 8, tc: true });
    assert_eq!(&bus.ram[0x2_1000..0x2_1008], &[1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn any_write_sequence_is_harmless() {
    let mut dma = Dma::new();
    let mut bus = TestBus::new(0x1000);
    let mut x = 0xC0FF_EE11u32;
    for _ in 0..30_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let port = [0x00, 0x80, 0xC0][(x % 3) as usize] + (x >> 8 & 0x1F) as u16;
        dma.write(port, (x >> 16) as u8);
        dma.read(port ^ 1);
        let ch = (x >> 24 & 7) as usize;
        let mut buf = [0u8; 37];
        if x & 0x100 != 0 {
            dma.write_to_memory(ch, &buf, &mut bus);
        } else {
            dma.read_from_memory(ch, &mut buf, &mut bus);
        }
    }
}
