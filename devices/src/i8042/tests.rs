use super::*;
use crate::testing::TestBus;

fn setup() -> (KeyboardController, TestBus) {
    let mut kc = KeyboardController::new();
    let mut bus = TestBus::new(0);
    kc.start(&mut bus);
    assert_eq!(
        bus.a20,
        Some(true),
        "start tells the CPU the gate's state: on at power-on"
    );
    (kc, bus)
}

/// Reads 60h once the output buffer is full, advancing time for keyboard bytes.
fn read_byte(kc: &mut KeyboardController, bus: &mut TestBus) -> Option<u8> {
    for _ in 0..4 {
        if bus.inb(kc, 0x64) & ST_OBF != 0 {
            return Some(bus.inb(kc, 0x60));
        }
        let at = bus.timer_at?;
        bus.run_until(kc, at);
    }
    None
}

#[test]
fn self_test_and_interface_test() {
    let (mut kc, mut bus) = setup();
    assert_eq!(bus.inb(&mut kc, 0x64) & ST_SYS, 0);
    bus.outb(&mut kc, 0x64, 0xAA);
    assert_eq!(
        bus.published_value(0x64).unwrap() & 0x0D,
        0x0D,
        "OBF, SYS and command flag published"
    );
    assert_eq!(bus.inb(&mut kc, 0x60), 0x55);
    assert_eq!(bus.inb(&mut kc, 0x64) & ST_OBF, 0);
    bus.outb(&mut kc, 0x64, 0xAB);
    assert_eq!(bus.inb(&mut kc, 0x60), 0x00);
}

#[test]
fn command_byte_read_write() {
    let (mut kc, mut bus) = setup();
    bus.outb(&mut kc, 0x64, 0x60);
    bus.outb(&mut kc, 0x60, 0x65);
    bus.outb(&mut kc, 0x64, 0x20);
    assert_eq!(bus.inb(&mut kc, 0x60), 0x65);
    assert_eq!(bus.inb(&mut kc, 0x64) & ST_SYS, ST_SYS);
}

#[test]
fn a20_through_output_port_and_port92() {
    let (mut kc, mut bus) = setup();
    assert_eq!(
        bus.inb(&mut kc, 0x92),
        0x02,
        "on at power-on through port 92h"
    );
    bus.outb(&mut kc, 0x92, 0x00);
    assert_eq!(bus.a20, Some(false));
    bus.outb(&mut kc, 0x64, 0xD1);
    bus.outb(&mut kc, 0x60, 0xDD); // A20 off, reset line high
    assert_eq!(bus.a20, Some(false));
    bus.outb(&mut kc, 0x64, 0xD0);
    assert_eq!(bus.inb(&mut kc, 0x60) & 0x03, 0x01);
    bus.outb(&mut kc, 0x64, 0xD1);
    bus.outb(&mut kc, 0x60, 0xDF);
    assert_eq!(bus.a20, Some(true));
    assert_eq!(bus.resets, 0);
    bus.outb(&mut kc, 0x64, 0xD1);
    bus.outb(&mut kc, 0x60, 0x00);
    assert_eq!(bus.a20, Some(false));
    bus.outb(&mut kc, 0x92, 0x02);
    assert_eq!(bus.a20, Some(true));
    assert_eq!(bus.inb(&mut kc, 0x92), 0x02);
    assert_eq!(bus.published_value(0x92), Some(0x02));
    // Either source holds A20 on; port 92h reads back only its own bit.
    bus.outb(&mut kc, 0x64, 0xDF);
    bus.outb(&mut kc, 0x92, 0x00);
    assert_eq!(bus.a20, Some(true));
    assert_eq!(bus.inb(&mut kc, 0x92), 0x00);
    bus.outb(&mut kc, 0x64, 0xDD);
    assert_eq!(bus.a20, Some(false));
    assert_eq!(bus.resets, 1, "D1 with bit 0 clear reset the CPU");
}

#[test]
fn reset_pulses() {
    let (mut kc, mut bus) = setup();
    bus.outb(&mut kc, 0x64, 0xFF); // pulses nothing
    assert_eq!(bus.resets, 0);
    bus.outb(&mut kc, 0x64, 0xFE);
    assert_eq!(bus.resets, 1);
    bus.outb(&mut kc, 0x92, 0x01);
    bus.outb(&mut kc, 0x92, 0x01);
    assert_eq!(bus.resets, 2, "port 92h resets on a 0 to 1 transition only");
}

#[test]
fn keyboard_reset_through_controller_with_irq1() {
    let (mut kc, mut bus) = setup();
    bus.outb(&mut kc, 0x60, 0xFF);
    assert!(bus.levels[1], "IRQ1 while the ACK waits");
    assert_eq!(read_byte(&mut kc, &mut bus), Some(0xFA));
    assert!(!bus.levels[1]);
    assert_eq!(read_byte(&mut kc, &mut bus), Some(0xAA));
}

#[test]
fn identify_is_translated_when_translation_is_on() {
    let (mut kc, mut bus) = setup();
    bus.outb(&mut kc, 0x60, 0xF2);
    let got: Vec<_> = std::iter::from_fn(|| read_byte(&mut kc, &mut bus))
        .take(3)
        .collect();
    assert_eq!(got, [0xFA, 0xAB, 0x41]);
    bus.outb(&mut kc, 0x64, 0x60);
    bus.outb(&mut kc, 0x60, 0x01); // translation off
    bus.outb(&mut kc, 0x60, 0xF2);
    let got: Vec<_> = std::iter::from_fn(|| read_byte(&mut kc, &mut bus))
        .take(3)
        .collect();
    assert_eq!(got, [0xFA, 0xAB, 0x83]);
}

#[test]
fn keys_arrive_as_set1_with_translation() {
    let (mut kc, mut bus) = setup();
    kc.key_event(ScanCode::new(0x1E), true, &mut bus);
    kc.key_event(ScanCode::new(0x1E), false, &mut bus);
    kc.key_event(ScanCode::extended(0x1D), false, &mut bus);
    let got: Vec<_> = std::iter::from_fn(|| read_byte(&mut kc, &mut bus)).collect();
    assert_eq!(got, [0x1E, 0x9E, 0xE0, 0x9D]);
}

#[test]
fn second_byte_waits_so_a_double_read_sees_the_first() {
    let (mut kc, mut bus) = setup();
    kc.key_event(ScanCode::new(0x1E), true, &mut bus);
    kc.key_event(ScanCode::new(0x1E), false, &mut bus);
    assert_eq!(bus.inb(&mut kc, 0x60), 0x1E);
    assert_eq!(
        bus.inb(&mut kc, 0x60),
        0x1E,
        "buffer empty: last byte again"
    );
    assert_eq!(bus.inb(&mut kc, 0x64) & ST_OBF, 0);
    bus.run_until(&mut kc, bus.now + BYTE_GAP_NS);
    assert_eq!(bus.inb(&mut kc, 0x64) & ST_OBF, ST_OBF);
    assert_eq!(bus.inb(&mut kc, 0x60), 0x9E);
}

#[test]
fn disabled_interface_holds_keys() {
    let (mut kc, mut bus) = setup();
    bus.outb(&mut kc, 0x64, 0xAD);
    kc.key_event(ScanCode::new(0x10), true, &mut bus);
    assert_eq!(bus.inb(&mut kc, 0x64) & ST_OBF, 0);
    bus.outb(&mut kc, 0x64, 0xAE);
    assert_eq!(read_byte(&mut kc, &mut bus), Some(0x10));
}

#[test]
fn typematic_through_the_timer() {
    let (mut kc, mut bus) = setup();
    kc.key_event(ScanCode::new(0x1E), true, &mut bus);
    assert_eq!(bus.inb(&mut kc, 0x60), 0x1E);
    bus.run_until(&mut kc, 600_000_000);
    assert_eq!(
        bus.inb(&mut kc, 0x60),
        0x1E,
        "repeated after the 500 ms delay"
    );
}

#[test]
fn aux_port_has_no_device() {
    let (mut kc, mut bus) = setup();
    bus.outb(&mut kc, 0x64, 0xD4);
    bus.outb(&mut kc, 0x60, 0xF2);
    assert_eq!(
        bus.inb(&mut kc, 0x64) & (ST_OBF | ST_AUX_OBF),
        ST_OBF | ST_AUX_OBF
    );
    assert_eq!(bus.inb(&mut kc, 0x60), 0xFE);
}

#[test]
fn save_restore_round_trip() {
    let (mut kc, mut bus) = setup();
    bus.outb(&mut kc, 0x64, 0x60);
    bus.outb(&mut kc, 0x60, 0x03);
    kc.key_event(ScanCode::new(0x02), true, &mut bus);
    let saved = kc.save();
    let mut other = KeyboardController::new();
    other.restore(&saved).unwrap();
    assert_eq!(bus.inb(&mut other, 0x60), 0x16, "untranslated set 2 now");
    assert!(other.restore(&[1, 0xFF]).is_err());
}

#[test]
fn any_write_sequence_is_harmless() {
    let (mut kc, mut bus) = setup();
    let mut x = 0x2545_F491u32;
    for _ in 0..30_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let port = [0x60, 0x64, 0x92][(x % 3) as usize];
        // Avoid the reset commands, which the bus only counts.
        bus.outb(&mut kc, port, (x >> 8) as u8);
        bus.inb(&mut kc, [0x60, 0x64, 0x92][(x >> 20) as usize % 3]);
        if x & 0x10000 != 0 {
            kc.key_event(
                ScanCode {
                    code: (x >> 24) as u8 & 0x7F,
                    extended: x & 0x20000 != 0,
                },
                x & 0x40000 != 0,
                &mut bus,
            );
        }
        bus.now += (x & 0xFFFF) as u64 * 10;
        bus.run_until(&mut kc, bus.now);
    }
}

#[test]
fn mutated_state_is_harmless() {
    let (mut kc, mut bus) = setup();
    bus.outb(&mut kc, 0x60, 0xF3);
    kc.key_event(ScanCode::new(0x1E), true, &mut bus);
    kc.key_event(ScanCode::extended(0x48), true, &mut bus);
    bus.outb(&mut kc, 0x64, 0xD1);
    let saved = kc.save();
    let loaded = crate::testing::fuzz_restore(
        &|| Box::new(KeyboardController::new()),
        &saved,
        &[0x60, 0x64, 0x92],
        400,
    );
    assert!(loaded > 50, "{loaded}");
}

#[test]
fn unread_replies_do_not_pile_up() {
    let (mut kc, mut bus) = setup();
    for _ in 0..10_000 {
        bus.outb(&mut kc, 0x64, 0x20);
    }
    assert!(kc.save().len() < 256);
}
