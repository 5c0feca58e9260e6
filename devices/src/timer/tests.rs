use super::*;
use crate::testing::{IrqEvent, TestBus};

fn timer() -> Timer {
    Timer::new(&MachineConfig {
        rtc_start_secs: Some(0),
        ..MachineConfig::default()
    })
}

#[test]
fn irq0_at_each_period_of_mode2() {
    let mut t = timer();
    let mut bus = TestBus::new(0);
    t.start(&mut bus);
    bus.outb(&mut t, 0x43, 0x34);
    bus.outb(&mut t, 0x40, 0xA9);
    bus.outb(&mut t, 0x40, 0x04); // 1193 ticks: ~1 ms
    let first = bus.timer_at.expect("a wake-up for the first edge");
    assert_eq!(first, ticks_to_ns(1193));
    bus.run_until(&mut t, 100_000_000);
    let edges = bus.take_edges(0);
    assert!(
        (99..=101).contains(&edges),
        "about 100 IRQ0 edges in 100 ms, got {edges}"
    );
}

#[test]
fn missed_edges_are_coalesced_not_replayed() {
    let mut t = timer();
    let mut bus = TestBus::new(0);
    t.start(&mut bus);
    bus.outb(&mut t, 0x43, 0x34);
    bus.outb(&mut t, 0x40, 0xA9);
    bus.outb(&mut t, 0x40, 0x04);
    // The process was away for a second: one edge, then on schedule again.
    bus.now = 1_000_000_000;
    t.timer(bus.now, &mut bus);
    assert_eq!(bus.take_edges(0), 1);
    assert!(bus.timer_at.unwrap() > bus.now && bus.timer_at.unwrap() <= bus.now + 1_000_000);
}

#[test]
fn very_fast_rates_are_capped() {
    let mut t = timer();
    let mut bus = TestBus::new(0);
    t.start(&mut bus);
    bus.outb(&mut t, 0x43, 0x34);
    bus.outb(&mut t, 0x40, 0x02);
    bus.outb(&mut t, 0x40, 0x00); // 600 kHz
    bus.run_until(&mut t, 10_000_000);
    assert!(bus.take_edges(0) <= 10_000_000 / MIN_WAKE_NS as usize + 1);
}

#[test]
fn port61_gate_speaker_and_out2() {
    let mut t = timer();
    let mut bus = TestBus::new(0);
    t.start(&mut bus);
    bus.outb(&mut t, 0x43, 0xB0); // ch2 mode 0
    bus.outb(&mut t, 0x42, 0x10);
    bus.outb(&mut t, 0x42, 0x00); // 16 ticks
    bus.outb(&mut t, 0x61, 0x01); // gate on
    assert_eq!(
        bus.inb(&mut t, 0x61) & 0x21,
        0x01,
        "OUT2 low while counting"
    );
    assert_eq!(bus.published_value(0x61).unwrap() & 0x2F, 0x01);
    bus.now += ticks_to_ns(20);
    assert_eq!(bus.inb(&mut t, 0x61) & 0x20, 0x20);
    assert_eq!(
        bus.published_value(0x61).unwrap() & 0x20,
        0x20,
        "the published toggle follows"
    );
    // The refresh bit toggles every ~15 us.
    bus.now = 1_000;
    let a = bus.inb(&mut t, 0x61) & 0x10;
    bus.now = 16_000;
    let b = bus.inb(&mut t, 0x61) & 0x10;
    assert_ne!(a, b);
}

#[test]
fn rtc_update_interrupt_through_ports() {
    let mut t = timer();
    let mut bus = TestBus::new(0);
    t.start(&mut bus);
    bus.outb(&mut t, 0x70, 0x00);
    bus.inb(&mut t, 0x71);
    bus.outb(&mut t, 0x70, 0x0B);
    bus.outb(&mut t, 0x71, 0x12); // UIE
    bus.run_until(&mut t, 1_500_000_000);
    assert_eq!(bus.irqs, vec![IrqEvent::Level(8, true)]);
    bus.outb(&mut t, 0x70, 0x0C);
    assert_eq!(bus.inb(&mut t, 0x71) & 0x90, 0x90);
    assert!(!bus.levels[8]);
}

#[test]
fn save_restore_keeps_counting_in_phase() {
    let mut t = timer();
    let mut bus = TestBus::new(0);
    t.start(&mut bus);
    bus.outb(&mut t, 0x43, 0x34);
    bus.outb(&mut t, 0x40, 0x00);
    bus.outb(&mut t, 0x40, 0x10);
    bus.outb(&mut t, 0x70, 0x40);
    bus.outb(&mut t, 0x71, 0x77);
    assert_eq!(
        bus.published_value(0x71),
        Some(0x77),
        "NVRAM reads are published"
    );
    bus.outb(&mut t, 0x70, 0x0C);
    assert_eq!(bus.published_value(0x71), None, "register C is not");
    let saved = t.save();
    let mut other = timer();
    other.restore(&saved).unwrap();
    bus.now = ticks_to_ns(100);
    bus.outb(&mut other, 0x43, 0x00);
    let lo = bus.inb(&mut other, 0x40) as u16;
    let hi = bus.inb(&mut other, 0x40) as u16;
    assert_eq!(hi << 8 | lo, 4096 - 100);
    bus.outb(&mut other, 0x70, 0x40);
    assert_eq!(bus.inb(&mut other, 0x71), 0x77);
    assert!(other.restore(&[2]).is_err());
}
