use super::*;
use crate::testing::{IrqEvent, TestBus};

fn timer() -> Timer {
    Timer::new(&MachineConfig {
        rtc_start_secs: Some(0),
        ..MachineConfig::default()
    })
}

/// A started timer whose channel 0 runs mode 2 with a count of 1193 (about 1 kHz).
fn timer_at_1_khz() -> (Timer, TestBus) {
    let mut t = timer();
    let mut bus = TestBus::new(0);
    t.start(&mut bus);
    bus.outb(&mut t, 0x43, 0x34);
    bus.outb(&mut t, 0x40, 0xA9);
    bus.outb(&mut t, 0x40, 0x04);
    (t, bus)
}

#[test]
fn irq0_at_each_period_of_mode2() {
    let (mut t, mut bus) = timer_at_1_khz();
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
    let (mut t, mut bus) = timer_at_1_khz();
    // The process was away for a second: a few owed edges follow, not a thousand.
    bus.now = 1_000_000_000;
    t.timer(bus.now, &mut bus);
    assert_eq!(bus.take_edges(0), 1);
    assert_eq!(bus.timer_at, Some(bus.now + CATCH_UP_NS));
    bus.run_until(&mut t, 1_100_000_000);
    let edges = bus.take_edges(0);
    assert_eq!(
        edges,
        MAX_OWED as usize + 100,
        "the owed edges, then the 100 of the next 100 ms"
    );
}

#[test]
fn a_slightly_late_wake_up_loses_no_tick() {
    let (mut t, mut bus) = timer_at_1_khz();
    bus.now = 2_500_000; // two edges passed
    t.timer(bus.now, &mut bus);
    bus.run_until(&mut t, 10_000_000);
    assert_eq!(bus.take_edges(0), 10);
}

#[test]
fn accesses_between_an_edge_and_its_wake_up_lose_no_tick() {
    let (mut t, mut bus) = timer_at_1_khz();
    // A guest polling the RTC's update flag every 20 µs, whose accesses always come before the
    // device's wake-up gets its turn (as when timers run at the end of a CPU slice).
    for step in 1..=5_000u64 {
        bus.now = step * 20_000;
        bus.outb(&mut t, 0x70, 0x0A);
        bus.inb(&mut t, 0x71);
        let now = bus.now;
        bus.run_until(&mut t, now);
    }
    let edges = bus.take_edges(0);
    assert!(
        (99..=101).contains(&edges),
        "about 100 IRQ0 edges in 100 ms of polling, got {edges}"
    );
}

#[test]
fn register_a_published_agrees_with_reads_through_each_second() {
    let mut t = timer();
    let mut bus = TestBus::new(0);
    bus.now = 123_456_789;
    t.start(&mut bus);
    bus.outb(&mut t, 0x70, 0x0A);
    let mut uip_seen = 0;
    // Across two RTC seconds, every 20 µs: the value the CPU would compute from what was
    // published is the value the device gives when asked.
    for step in 0..100_000u64 {
        bus.now = 200_000_000 + step * 20_000;
        let (published, notify) = bus.published[&0x71];
        assert!(!notify);
        let now = bus.now;
        let asked = bus.inb(&mut t, 0x71);
        assert_eq!(published.evaluate(now), Some(asked as u32), "at {now} ns");
        uip_seen += (asked & 0x80 != 0) as u32;
    }
    // UIP is on for 244 µs of each second: about 12 samples in each of the two seconds.
    assert!((20..=26).contains(&uip_seen), "{uip_seen}");
    // Other clock registers still go to the device.
    bus.outb(&mut t, 0x70, 0x00);
    assert_eq!(bus.published[&0x71].0, Published::None);
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

#[test]
fn mutated_state_is_harmless() {
    let mut t = timer();
    let mut bus = TestBus::new(0);
    t.start(&mut bus);
    for (port, v) in [
        (0x43, 0x34),
        (0x40, 0x00),
        (0x40, 0x10),
        (0x43, 0xB6),
        (0x42, 0x20),
        (0x42, 0x01),
        (0x61, 0x03),
    ] {
        bus.outb(&mut t, port, v);
    }
    bus.outb(&mut t, 0x70, 0x0B);
    bus.outb(&mut t, 0x71, 0x72);
    let saved = t.save();
    let ports = [0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71];
    let loaded = crate::testing::fuzz_restore(&|| Box::new(timer()), &saved, &ports, 400);
    assert!(loaded > 50, "{loaded}");
}

#[test]
fn rtc_counts_from_start_not_from_first_read() {
    let mut t = Timer::new(&MachineConfig {
        rtc_start_secs: Some(30),
        ..MachineConfig::default()
    });
    let mut bus = TestBus::new(0);
    bus.now = 5_000_000_000;
    t.start(&mut bus);
    bus.now += 2_000_000_000;
    bus.outb(&mut t, 0x70, 0x00);
    assert_eq!(
        bus.inb(&mut t, 0x71),
        0x32,
        "00:00:32 two seconds after start"
    );
}
