use super::*;

fn read16(pit: &mut Pit, port: u16, t: u64) -> u16 {
    let lo = pit.read(port, t) as u16;
    lo | (pit.read(port, t) as u16) << 8
}

#[test]
fn tick_conversions_round_trip() {
    assert_eq!(ns_to_ticks(1_000_000_000), PIT_HZ);
    for t in [0u64, 1, 2, 1000, 65_536, 123_456_789] {
        assert_eq!(ns_to_ticks(ticks_to_ns(t)), t);
    }
}

#[test]
fn mode2_counts_down_and_reloads() {
    let mut pit = Pit::new();
    pit.write(0x43, 0x34, 0); // ch0, lsb/msb, mode 2, binary
    pit.write(0x40, 0x00, 100);
    pit.write(0x40, 0x10, 100); // N = 1000h = 4096, loaded at tick 100
    assert_eq!(read16(&mut pit, 0x40, 100 + 10), 4096 - 10);
    // Latch command freezes the value until read.
    pit.write(0x43, 0x00, 100 + 4096 + 5);
    assert_eq!(read16(&mut pit, 0x40, 100 + 9000), 4096 - 5);
    // OUT is low only while the count is 1.
    assert!(pit.out(0, 100 + 4094));
    assert!(!pit.out(0, 100 + 4095));
    assert!(pit.out(0, 100 + 4096));
    assert_eq!(pit.channels[0].next_rising_edge(100 + 5), Some(100 + 4096));
    assert_eq!(
        pit.channels[0].next_rising_edge(100 + 4096),
        Some(100 + 2 * 4096)
    );
}

#[test]
fn mode3_square_wave_halves_and_decrements_by_two() {
    let mut pit = Pit::new();
    pit.write(0x43, 0x36, 0); // ch0, lsb/msb, mode 3
    pit.write(0x40, 0x00, 0);
    pit.write(0x40, 0x00, 0); // N = 65536: the BIOS's 18.2 Hz
    assert!(pit.out(0, 32_767));
    assert!(!pit.out(0, 32_768));
    assert!(pit.out(0, 65_536));
    assert_eq!(
        read16(&mut pit, 0x40, 1000),
        65_536u32.wrapping_sub(2000) as u16
    );
    assert_eq!(pit.channels[0].next_rising_edge(10), Some(65_536));
}

#[test]
fn mode0_out_rises_at_terminal_count_and_stays() {
    let mut pit = Pit::new();
    pit.write(0x43, 0x30, 0); // ch0, lsb/msb, mode 0
    assert!(!pit.out(0, 0), "mode 0 OUT is low after the control word");
    pit.write(0x40, 100, 0);
    pit.write(0x40, 0, 0);
    assert!(!pit.out(0, 99));
    assert!(pit.out(0, 100));
    assert!(pit.out(0, 100 + 70_000), "stays high after wrapping");
    assert_eq!(pit.channels[0].next_rising_edge(0), Some(100));
    assert_eq!(pit.channels[0].next_rising_edge(100), None);
    // The counter keeps counting through zero.
    assert_eq!(read16(&mut pit, 0x40, 101), 0xFFFF);
}

#[test]
fn readback_status_byte() {
    let mut pit = Pit::new();
    pit.write(0x43, 0xB2, 0); // ch2, lsb/msb, mode 1, binary
                              // Read-back status of channel 2 only: OUT high, null count, access 3, mode 1.
    pit.write(0x43, 0xE8, 0);
    assert_eq!(pit.read(0x42, 0), 0b1111_0010);
    pit.write(0x42, 0x34, 0);
    pit.write(0x42, 0x12, 0);
    // Count and status together: status first, then the count.
    pit.write(0x43, 0xC8, 5);
    assert_eq!(
        pit.read(0x42, 5),
        0b1111_0010,
        "still null: mode 1 waits for a gate trigger"
    );
    pit.set_gate2(true, 10);
    pit.write(0x43, 0xE8, 20);
    assert_eq!(
        pit.read(0x42, 20) & 0xC0,
        0x00,
        "OUT low while the one-shot runs, count loaded"
    );
}

#[test]
fn latch_holds_until_both_bytes_read() {
    let mut pit = Pit::new();
    pit.write(0x43, 0x74, 0); // ch1, lsb/msb, mode 2
    pit.write(0x41, 0x12, 0);
    pit.write(0x41, 0x00, 0); // N = 18
    pit.write(0x43, 0x40, 3);
    pit.write(0x43, 0x40, 7); // a second latch before reading is ignored
    assert_eq!(read16(&mut pit, 0x41, 10), 15);
}

#[test]
fn lsb_only_and_msb_only_access() {
    let mut pit = Pit::new();
    pit.write(0x43, 0x14, 0); // ch0, LSB only, mode 2
    pit.write(0x40, 50, 0);
    assert_eq!(pit.read(0x40, 10), 40);
    assert_eq!(
        pit.read(0x40, 10),
        40,
        "no flip-flop with a single-byte access"
    );
    pit.write(0x43, 0x24, 0); // MSB only
    pit.write(0x40, 0x02, 0); // N = 0200h
    assert_eq!(pit.read(0x40, 256), 0x01);
}

#[test]
fn bcd_counting() {
    let mut pit = Pit::new();
    pit.write(0x43, 0x31, 0); // ch0, lsb/msb, mode 0, BCD
    pit.write(0x40, 0x00, 0);
    pit.write(0x40, 0x10, 0); // 1000 decimal
    assert_eq!(read16(&mut pit, 0x40, 1), 0x0999);
    assert!(pit.out(0, 1000));
    assert_eq!(
        read16(&mut pit, 0x40, 1001),
        0x9999,
        "BCD wraps through 9999"
    );
}

#[test]
fn gate2_controls_channel2() {
    let mut pit = Pit::new();
    pit.write(0x43, 0xB6, 0); // ch2, mode 3
    pit.write(0x42, 100, 0);
    pit.write(0x42, 0, 0);
    assert!(pit.out(2, 30), "gate low: held, OUT high");
    pit.set_gate2(true, 1000);
    assert!(!pit.out(2, 1050));
    assert!(pit.out(2, 1100));
    pit.set_gate2(false, 1060);
    assert!(pit.out(2, 1070), "gate low forces OUT high in mode 3");
}

#[test]
fn mode0_suspended_while_gate_low() {
    let mut pit = Pit::new();
    pit.write(0x43, 0xB0, 0); // ch2, mode 0
    pit.set_gate2(true, 0);
    pit.write(0x42, 100, 0);
    pit.write(0x42, 0, 0);
    pit.set_gate2(false, 40);
    assert_eq!(read16(&mut pit, 0x42, 500), 60);
    pit.set_gate2(true, 500);
    assert!(!pit.out(2, 559));
    assert!(pit.out(2, 560));
}

#[test]
fn new_count_in_mode2_waits_for_period_end() {
    let mut pit = Pit::new();
    pit.write(0x43, 0x34, 0);
    pit.write(0x40, 100, 0);
    pit.write(0x40, 0, 0);
    pit.write(0x40, 10, 30);
    pit.write(0x40, 0, 30);
    assert_eq!(pit.channels[0].next_rising_edge(30), Some(100));
    assert_eq!(read16(&mut pit, 0x40, 50), 50);
    assert_eq!(
        read16(&mut pit, 0x40, 103),
        7,
        "new count after the boundary at 100"
    );
    assert_eq!(pit.channels[0].next_rising_edge(103), Some(110));
}

#[test]
fn out2_published_follows_square_wave() {
    let mut pit = Pit::new();
    pit.write(0x43, 0xB6, 0);
    pit.write(0x42, 0xA9, 0);
    pit.write(0x42, 0x04, 0); // 1193 ticks: ~1 kHz
    pit.set_gate2(true, 0);
    let published = port61_published(0x03, pit.out2_published(0));
    let at = |ticks: u64| published.evaluate(ticks_to_ns(ticks)).unwrap();
    assert_eq!(at(10) & 0x23, 0x23);
    assert_eq!(at(700) & 0x20, 0);
    assert_eq!(at(1193 + 10) & 0x20, 0x20);
}

#[test]
fn any_write_sequence_is_harmless() {
    let mut pit = Pit::new();
    let mut x = 0x9E37_79B9u32;
    let mut t = 0u64;
    for _ in 0..50_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        t += (x & 0x3FF) as u64;
        let port = 0x40 + (x >> 10 & 3) as u16;
        pit.write(port, (x >> 16) as u8, t);
        if x & 0x1000 != 0 {
            pit.set_gate2(x & 0x2000 != 0, t);
        }
        pit.read(0x40 + (x >> 20 & 3) as u16, t);
        for ch in &pit.channels {
            if let Some(e) = ch.next_rising_edge(t) {
                assert!(e > t);
            }
        }
        pit.out2_published(t);
    }
}

#[test]
fn mode1_one_shot_is_retriggered_by_the_gate() {
    let mut pit = Pit::new();
    pit.write(0x43, 0xB2, 0); // ch2, mode 1
    pit.write(0x42, 50, 0);
    pit.write(0x42, 0, 0);
    assert!(pit.out(2, 10), "OUT high until triggered");
    pit.set_gate2(true, 100);
    assert!(!pit.out(2, 120));
    pit.set_gate2(false, 130);
    assert!(!pit.out(2, 140), "gate low does not stop mode 1");
    pit.set_gate2(true, 140); // retrigger: 50 more ticks from here
    assert!(!pit.out(2, 185));
    assert!(pit.out(2, 190));
}

#[test]
fn mode4_strobe_is_one_tick_low() {
    let mut pit = Pit::new();
    pit.write(0x43, 0x38, 0); // ch0, mode 4
    pit.write(0x40, 10, 0);
    pit.write(0x40, 0, 0);
    assert!(pit.out(0, 9));
    assert!(!pit.out(0, 10));
    assert!(pit.out(0, 11));
    assert_eq!(pit.channels[0].next_rising_edge(0), Some(11));
    assert_eq!(
        pit.channels[0].next_rising_edge(11),
        None,
        "one strobe only"
    );
}

#[test]
fn mode5_strobe_after_gate_trigger() {
    let mut pit = Pit::new();
    pit.write(0x43, 0xBA, 0); // ch2, mode 5
    pit.write(0x42, 5, 0);
    pit.write(0x42, 0, 0);
    assert!(pit.out(2, 100), "nothing before a trigger");
    pit.set_gate2(true, 200);
    assert!(pit.out(2, 204));
    assert!(!pit.out(2, 205));
    assert!(pit.out(2, 206));
}

#[test]
fn control_word_stops_counting_until_a_count() {
    let mut pit = Pit::new();
    pit.write(0x43, 0x34, 0);
    pit.write(0x40, 100, 0);
    pit.write(0x40, 0, 0);
    pit.write(0x43, 0x34, 50);
    assert_eq!(pit.channels[0].next_rising_edge(50), None);
    assert!(pit.out(0, 60), "mode 2 OUT is high after the control word");
    pit.write(0x43, 0xE2, 60); // read-back status of channel 0
    assert_eq!(pit.read(0x40, 60) & 0x40, 0x40, "null count");
}
