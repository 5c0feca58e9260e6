use super::*;
use cloister_shared::Published;

/// 2024-02-29 23:59:58 UTC, a Thursday.
const LEAP_NIGHT: i64 = 1_709_251_198;

fn cmos_at(secs: i64) -> Cmos {
    Cmos::new(&MachineConfig {
        rtc_start_secs: Some(secs),
        ..MachineConfig::default()
    })
}

fn read(c: &mut Cmos, index: u8, now: u64) -> u8 {
    c.write_index(index);
    c.read_data(now).0
}

fn write(c: &mut Cmos, index: u8, value: u8, now: u64) -> Option<bool> {
    c.write_index(index);
    c.write_data(value, now)
}

#[test]
fn calendar_round_trip() {
    for secs in [0, 951_782_400, LEAP_NIGHT, 4_102_444_800, -86_400] {
        assert_eq!(DateTime::from_secs(secs).to_secs(), secs);
    }
    let t = DateTime::from_secs(LEAP_NIGHT);
    assert_eq!(
        (t.year, t.month, t.day, t.hour, t.minute, t.second, t.weekday),
        (2024, 2, 29, 23, 59, 58, 5)
    );
}

#[test]
fn bcd_time_and_date() {
    let mut c = cmos_at(LEAP_NIGHT);
    assert_eq!(read(&mut c, 0x00, 0), 0x58);
    assert_eq!(read(&mut c, 0x02, 0), 0x59);
    assert_eq!(read(&mut c, 0x04, 0), 0x23);
    assert_eq!(read(&mut c, 0x06, 0), 0x05);
    assert_eq!(read(&mut c, 0x07, 0), 0x29);
    assert_eq!(read(&mut c, 0x08, 0), 0x02);
    assert_eq!(read(&mut c, 0x09, 0), 0x24);
    assert_eq!(read(&mut c, 0x32, 0), 0x20);
    // Three seconds later it is March 1st.
    let later = 3 * SECOND_NS;
    assert_eq!(read(&mut c, 0x00, later), 0x01);
    assert_eq!(read(&mut c, 0x07, later), 0x01);
    assert_eq!(read(&mut c, 0x08, later), 0x03);
}

#[test]
fn binary_and_12_hour_modes() {
    let mut c = cmos_at(LEAP_NIGHT);
    write(&mut c, 0x0B, 0x04, 0); // binary, 12-hour
    assert_eq!(read(&mut c, 0x04, 0), 0x80 | 11, "11 PM");
    assert_eq!(read(&mut c, 0x00, 0), 58);
    assert_eq!(read(&mut c, 0x07, 0), 29);
}

#[test]
fn setting_the_time_with_set_bit() {
    let mut c = cmos_at(LEAP_NIGHT);
    write(&mut c, 0x0B, 0x82, 0); // SET, BCD, 24h
    write(&mut c, 0x04, 0x08, 0);
    write(&mut c, 0x02, 0x30, 0);
    write(&mut c, 0x00, 0x00, 0);
    // Frozen while SET.
    assert_eq!(read(&mut c, 0x00, 5 * SECOND_NS), 0x00);
    write(&mut c, 0x0B, 0x02, 5 * SECOND_NS);
    assert_eq!(read(&mut c, 0x04, 7 * SECOND_NS), 0x08);
    assert_eq!(read(&mut c, 0x02, 7 * SECOND_NS), 0x30);
    assert_eq!(read(&mut c, 0x00, 7 * SECOND_NS), 0x02);
}

#[test]
fn uip_set_just_before_the_update() {
    let mut c = cmos_at(0);
    assert_eq!(read(&mut c, 0x0A, 0) & 0x80, 0);
    assert_eq!(read(&mut c, 0x0A, SECOND_NS - 100_000), 0xA6);
    assert_eq!(read(&mut c, 0x0A, SECOND_NS), 0x26);
}

#[test]
fn register_c_flags_and_irq() {
    let mut c = cmos_at(0);
    read(&mut c, 0x00, 0); // anchors the clock at machine time 0
    assert_eq!(write(&mut c, 0x0B, 0x12, 0), None, "UIE set, nothing yet");
    assert_eq!(c.next_event(0), Some(SECOND_NS));
    assert_eq!(c.catch_up(SECOND_NS), Some(true));
    c.write_index(0x0C);
    let (flags, lower) = c.read_data(SECOND_NS + 10);
    assert_eq!(
        flags & 0xF0,
        C_IRQF | C_UF | C_PF,
        "PF is set whether or not PIE is"
    );
    assert_eq!(lower, Some(false));
    assert_eq!(read(&mut c, 0x0C, SECOND_NS + 20), 0, "read clears");
}

#[test]
fn periodic_interrupt_rate() {
    let mut c = cmos_at(0);
    read(&mut c, 0x00, 0);
    write(&mut c, 0x0A, 0x26, 0); // 1024 Hz
    write(&mut c, 0x0B, 0x42, 0); // PIE
    assert_eq!(c.next_event(0), Some(976_562));
    assert_eq!(c.catch_up(976_561), None);
    assert_eq!(c.catch_up(976_563), Some(true));
    write(&mut c, 0x0A, 0x2F, 0); // 2 Hz
    assert_eq!(c.periodic_ns(), Some(500_000_000));
    write(&mut c, 0x0A, 0x20, 0);
    assert_eq!(c.periodic_ns(), None);
}

#[test]
fn alarm_interrupt() {
    let mut c = cmos_at(LEAP_NIGHT); // 23:59:58
    read(&mut c, 0x00, 0);
    write(&mut c, 0x01, 0x00, 0);
    write(&mut c, 0x03, 0x00, 0);
    write(&mut c, 0x05, 0x00, 0); // alarm at 00:00:00
    write(&mut c, 0x0B, 0x22, 0); // AIE
    assert_eq!(c.catch_up(SECOND_NS + 1), None, "23:59:59 does not match");
    assert_eq!(c.catch_up(2 * SECOND_NS + 1), Some(true));
    assert_eq!(read(&mut c, 0x0C, 2 * SECOND_NS + 2) & C_AF, C_AF);
}

#[test]
fn configuration_registers() {
    let cfg = MachineConfig {
        ram_bytes: 32 << 20,
        floppies: [FloppyType::M1_44, FloppyType::K720],
        hard_disks: [true, false],
        boot_order: vec![BootDevice::HardDisk, BootDevice::Floppy],
        fpu: true,
        rtc_start_secs: Some(0),
    };
    let mut c = Cmos::new(&cfg);
    assert_eq!(read(&mut c, 0x10, 0), 0x43);
    assert_eq!(read(&mut c, 0x12, 0), 0xF0);
    assert_eq!(read(&mut c, 0x14, 0), 0x43);
    assert_eq!((read(&mut c, 0x15, 0), read(&mut c, 0x16, 0)), (0x80, 0x02));
    let ext = 31 * 1024;
    assert_eq!(
        (read(&mut c, 0x17, 0), read(&mut c, 0x18, 0)),
        (ext as u8, (ext >> 8) as u8)
    );
    assert_eq!(
        (read(&mut c, 0x30, 0), read(&mut c, 0x31, 0)),
        (ext as u8, (ext >> 8) as u8)
    );
    assert_eq!(
        (read(&mut c, 0x34, 0), read(&mut c, 0x35, 0)),
        (0x00, 0x01),
        "256 blocks of 64K above 16M"
    );
    assert_eq!(read(&mut c, 0x3D, 0), 0x12);
    let sum: u16 = (0x10..0x2E).map(|i| read(&mut c, i, 0) as u16).sum();
    assert_eq!(
        read(&mut c, 0x2E, 0) as u16 * 256 + read(&mut c, 0x2F, 0) as u16,
        sum
    );
    assert_eq!(read(&mut c, 0x0D, 0), 0x80);
}

#[test]
fn nvram_and_nmi_mask() {
    let mut c = cmos_at(0);
    c.write_index(0x80 | 0x40);
    assert!(c.nmi_masked);
    c.write_data(0x5A, 0);
    assert_eq!(read(&mut c, 0x40, 0), 0x5A);
    assert_eq!(c.published_data(0), Published::Static(0x5A));
    c.write_index(0x0C);
    assert_eq!(c.published_data(0), Published::None);
}

#[test]
fn any_write_sequence_is_harmless() {
    let mut c = cmos_at(LEAP_NIGHT);
    let mut x = 0xDEAD_BEEFu32;
    let mut now = 0u64;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        now += (x & 0xFFFFF) as u64 * 100;
        c.write_index((x >> 8) as u8);
        c.write_data((x >> 16) as u8, now);
        c.write_index((x >> 24) as u8 & 0x0F);
        c.read_data(now);
        c.next_event(now);
    }
}
