use super::PicPair;
use cloister_shared::PortDevice;

/// The PC BIOS's initialisation: vectors 08h and 70h, slave on IR2, 8086 mode.
fn bios_init() -> PicPair {
    let mut pic = PicPair::new();
    for (port, value) in [
        (0x20, 0x11),
        (0x21, 0x08),
        (0x21, 0x04),
        (0x21, 0x01),
        (0xA0, 0x11),
        (0xA1, 0x70),
        (0xA1, 0x02),
        (0xA1, 0x01),
    ] {
        pic.write_port(port, value);
    }
    pic.write_port(0x21, 0x00);
    pic.write_port(0xA1, 0x00);
    pic
}

#[test]
fn icw_sequence_sets_vectors_and_clears_mask() {
    let mut pic = bios_init();
    assert!(pic.initialised());
    assert_eq!(pic.read_port(0x21), 0);
    pic.pulse(0);
    assert!(pic.intr_pending());
    assert_eq!(pic.ack(), 0x08);
    assert!(!pic.intr_pending());
    pic.write_port(0x20, 0x20);
    pic.pulse(14);
    assert_eq!(pic.ack(), 0x76);
}

#[test]
fn priority_and_in_service_blocking() {
    let mut pic = bios_init();
    pic.pulse(3);
    pic.pulse(1);
    assert_eq!(pic.ack(), 0x09, "IR1 has priority over IR3");
    // IR3 is lower priority than the in-service IR1: held off until EOI.
    assert!(!pic.intr_pending());
    pic.write_port(0x20, 0x20);
    assert!(pic.intr_pending());
    assert_eq!(pic.ack(), 0x0B);
    // Reading ISR through OCW3.
    pic.write_port(0x20, 0x0B);
    assert_eq!(pic.read_port(0x20), 0x08);
    pic.write_port(0x20, 0x63); // specific EOI for IR3
    assert_eq!(pic.read_port(0x20), 0);
}

#[test]
fn irr_read_and_mask() {
    let mut pic = bios_init();
    pic.write_port(0x21, 0x01);
    pic.pulse(0);
    assert!(!pic.intr_pending(), "masked");
    pic.write_port(0x20, 0x0A);
    assert_eq!(pic.read_port(0x20), 0x01);
    pic.write_port(0x21, 0x00);
    assert!(pic.intr_pending());
}

#[test]
fn cascade_through_ir2() {
    let mut pic = bios_init();
    pic.pulse(8);
    assert_eq!(pic.ack(), 0x70);
    pic.write_port(0x20, 0x0B);
    pic.write_port(0xA0, 0x0B);
    assert_eq!(pic.read_port(0x20), 0x04, "master has IR2 in service");
    assert_eq!(pic.read_port(0xA0), 0x01);
    // Second slave request waits for the slave's EOI, then arrives through IR2 again.
    pic.pulse(12);
    assert!(!pic.intr_pending());
    pic.write_port(0xA0, 0x20);
    pic.write_port(0x20, 0x20);
    assert!(pic.intr_pending());
    assert_eq!(pic.ack(), 0x74);
}

#[test]
fn spurious_when_request_vanishes() {
    let mut pic = bios_init();
    pic.write_port(0x4D1, 0x02); // IRQ9 level-triggered
    pic.set_irq(9, true);
    assert!(pic.intr_pending());
    pic.set_irq(9, false);
    assert!(!pic.intr_pending());
    assert_eq!(pic.ack(), 0x0F, "spurious IR7 on the master");
    pic.write_port(0x20, 0x0B);
    assert_eq!(pic.read_port(0x20), 0, "a spurious IR7 sets no ISR bit");
}

#[test]
fn level_triggered_repeats_until_line_falls() {
    let mut pic = bios_init();
    pic.write_port(0x4D0, 0xFF);
    assert_eq!(pic.read_port(0x4D0), 0xF8, "IRQ0-2 cannot be level");
    pic.set_irq(5, true);
    assert_eq!(pic.ack(), 0x0D);
    pic.write_port(0x20, 0x20);
    assert!(pic.intr_pending(), "still high after EOI");
    pic.set_irq(5, false);
    assert!(!pic.intr_pending());
}

#[test]
fn edge_needs_a_new_rising_edge() {
    let mut pic = bios_init();
    pic.set_irq(4, true);
    assert_eq!(pic.ack(), 0x0C);
    pic.write_port(0x20, 0x20);
    assert!(!pic.intr_pending(), "line held high gives one interrupt");
    pic.set_irq(4, false);
    pic.set_irq(4, true);
    assert!(pic.intr_pending());
}

#[test]
fn rotation_and_poll() {
    let mut pic = bios_init();
    pic.pulse(0);
    assert_eq!(pic.ack(), 0x08);
    pic.write_port(0x20, 0xA0); // rotate on non-specific EOI: IR0 becomes lowest
    pic.pulse(0);
    pic.pulse(5);
    assert_eq!(pic.ack(), 0x0D, "after rotation IR5 beats IR0");
    pic.write_port(0x20, 0x20);
    // Poll command returns 80h | level and acknowledges.
    pic.write_port(0x20, 0x0C);
    assert_eq!(pic.read_port(0x20), 0x80);
    pic.write_port(0x20, 0x0B);
    assert_eq!(pic.read_port(0x20), 0x01);
}

#[test]
fn auto_eoi_leaves_isr_clear() {
    let mut pic = PicPair::new();
    for (port, value) in [(0x20, 0x13), (0x21, 0x20), (0x21, 0x03)] {
        pic.write_port(port, value);
    }
    pic.write_port(0x21, 0);
    pic.pulse(1);
    assert_eq!(pic.ack(), 0x21);
    pic.write_port(0x20, 0x0B);
    assert_eq!(pic.read_port(0x20), 0);
}

#[test]
fn special_mask_mode_lets_lower_levels_in() {
    let mut pic = bios_init();
    pic.pulse(1);
    assert_eq!(pic.ack(), 0x09);
    pic.write_port(0x21, 0x02);
    pic.write_port(0x20, 0x68); // set special mask
    pic.pulse(4);
    assert!(pic.intr_pending());
    assert_eq!(pic.ack(), 0x0C);
}

#[test]
fn save_restore_round_trip() {
    let mut pic = bios_init();
    pic.pulse(6);
    let saved = pic.save();
    let mut other = PicPair::new();
    other.restore(&saved).unwrap();
    assert!(other.intr_pending());
    assert_eq!(other.ack(), 0x0E);
    assert!(other.restore(&[9, 1, 2]).is_err());
    assert!(other.restore(&[]).is_err());
}

#[test]
fn any_write_sequence_is_harmless() {
    let mut pic = PicPair::new();
    let mut x = 0x1234_5678u32;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let port = [0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1][(x % 6) as usize];
        pic.write_port(port, (x >> 8) as u8);
        if x & 0x100 != 0 {
            pic.set_irq(((x >> 12) & 15) as u8, x & 0x200 != 0);
        }
        if pic.intr_pending() {
            pic.ack();
        }
        pic.read_port(port);
    }
}

#[test]
fn mutated_state_is_harmless() {
    let mut pic = bios_init();
    pic.pulse(3);
    pic.pulse(9);
    let saved = pic.save();
    let ports = [0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1];
    let loaded = crate::testing::fuzz_restore(&|| Box::new(PicPair::new()), &saved, &ports, 400);
    assert!(
        loaded > 50,
        "mutations that still decode get exercised ({loaded})"
    );
}

#[test]
fn special_fully_nested_lets_the_slave_interrupt_itself() {
    let mut pic = PicPair::new();
    // Master with SFNM (ICW4 = 11h), slave as usual.
    for (port, value) in [
        (0x20, 0x11),
        (0x21, 0x08),
        (0x21, 0x04),
        (0x21, 0x11),
        (0xA0, 0x11),
        (0xA1, 0x70),
        (0xA1, 0x02),
        (0xA1, 0x01),
    ] {
        pic.write_port(port, value);
    }
    pic.write_port(0x21, 0);
    pic.write_port(0xA1, 0);
    pic.pulse(12);
    assert_eq!(pic.ack(), 0x74);
    // IR2 is in service on the master, yet a higher-priority slave request gets through.
    pic.pulse(9);
    assert!(pic.intr_pending());
    assert_eq!(pic.ack(), 0x71);
}
