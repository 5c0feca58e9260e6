use super::*;
use crate::testing::TestBus;

const COM1: u16 = 0x3F8;

fn setup() -> (Serial, TestBus) {
    let mut s = Serial::new();
    let mut bus = TestBus::new(0);
    s.start(&mut bus);
    (s, bus)
}

#[test]
fn divisor_latch_and_scratch() {
    let (mut s, mut bus) = setup();
    bus.outb(&mut s, COM1 + 3, 0x83); // DLAB, 8N1
    bus.outb(&mut s, COM1, 0x01);
    bus.outb(&mut s, COM1 + 1, 0x00); // 115200 baud
    assert_eq!(bus.inb(&mut s, COM1), 0x01);
    assert_eq!(bus.published_value(COM1), Some(0x01));
    bus.outb(&mut s, COM1 + 3, 0x03);
    assert_eq!(bus.published_value(COM1), None, "RBR is not published");
    assert_eq!(bus.inb(&mut s, COM1 + 1), 0x00, "IER, not DLM");
    bus.outb(&mut s, COM1 + 7, 0x5A);
    assert_eq!(bus.inb(&mut s, COM1 + 7), 0x5A);
    assert_eq!(s.uart.char_ns(), 86_805);
}

#[test]
fn transmit_goes_to_the_outbox() {
    let (mut s, mut bus) = setup();
    for b in b"hi\n" {
        bus.outb(&mut s, COM1, *b);
    }
    assert_eq!(bus.inb(&mut s, COM1 + 5), 0x60, "THRE and TEMT");
    assert_eq!(s.take_output(), b"hi\n");
    assert!(s.take_output().is_empty());
}

#[test]
fn thre_interrupt_edges_and_iir_acknowledge() {
    let (mut s, mut bus) = setup();
    bus.outb(&mut s, COM1 + 4, 0x08); // OUT2
    bus.outb(&mut s, COM1 + 1, 0x02); // THRE interrupt
    assert!(bus.levels[4]);
    assert_eq!(bus.inb(&mut s, COM1 + 2), 0x02);
    assert!(!bus.levels[4], "reading IIR acknowledged THRE");
    assert_eq!(bus.inb(&mut s, COM1 + 2), 0x01);
    bus.irqs.clear();
    bus.outb(&mut s, COM1, b'x');
    assert_eq!(
        bus.take_edges(4),
        1,
        "the THR write raises THRE again with a new edge"
    );
}

#[test]
fn out2_gates_the_irq() {
    let (mut s, mut bus) = setup();
    bus.outb(&mut s, COM1 + 1, 0x01);
    s.push_input(b"a", &mut bus);
    assert_eq!(bus.inb(&mut s, COM1 + 2), 0x04);
    assert!(!bus.levels[4]);
    bus.outb(&mut s, COM1 + 4, 0x08);
    assert!(bus.levels[4]);
}

#[test]
fn receive_fifo_trigger_level_and_timeout() {
    let (mut s, mut bus) = setup();
    bus.outb(&mut s, COM1 + 2, 0x81); // FIFO on, trigger 8
    bus.outb(&mut s, COM1 + 4, 0x08);
    bus.outb(&mut s, COM1 + 1, 0x01);
    s.push_input(b"abc", &mut bus);
    assert_eq!(
        bus.inb(&mut s, COM1 + 2),
        0xC1,
        "below trigger: nothing yet"
    );
    assert_eq!(bus.inb(&mut s, COM1 + 5) & 1, 1);
    bus.run_until(&mut s, 10_000_000);
    assert_eq!(bus.inb(&mut s, COM1 + 2), 0xCC, "character timeout");
    assert!(bus.levels[4]);
    assert_eq!(bus.inb(&mut s, COM1), b'a');
    assert_eq!(bus.inb(&mut s, COM1 + 2), 0xC1);
    s.push_input(b"0123456789", &mut bus);
    assert_eq!(bus.inb(&mut s, COM1 + 2), 0xC4, "at trigger: RDA");
}

#[test]
fn input_beyond_the_fifo_waits_in_the_inbox() {
    let (mut s, mut bus) = setup();
    let data: Vec<u8> = (0..40).collect();
    assert_eq!(s.push_input(&data, &mut bus), 40);
    let mut got = Vec::new();
    while bus.inb(&mut s, COM1 + 5) & 1 != 0 {
        got.push(bus.inb(&mut s, COM1));
    }
    assert_eq!(got, data);
    assert_eq!(bus.inb(&mut s, COM1 + 5) & 0x02, 0, "no overrun");
}

#[test]
fn loopback_echoes_and_wires_modem_lines() {
    let (mut s, mut bus) = setup();
    bus.outb(&mut s, COM1 + 4, 0x10); // loopback, all outputs off
    bus.inb(&mut s, COM1 + 6);
    bus.outb(&mut s, COM1 + 4, 0x1F);
    assert_eq!(
        bus.inb(&mut s, COM1 + 6),
        0xFB,
        "CTS DSR RI DCD set; DCTS, DDSR, DDCD"
    );
    bus.outb(&mut s, COM1 + 4, 0x1B); // OUT1 off: RI falls
    assert_eq!(bus.inb(&mut s, COM1 + 6), 0xB4, "TERI on the trailing edge");
    bus.outb(&mut s, COM1, 0x42);
    assert!(s.take_output().is_empty());
    assert_eq!(bus.inb(&mut s, COM1), 0x42);
}

#[test]
fn overrun_sets_oe_and_lsr_read_clears_it() {
    let (mut s, mut bus) = setup();
    bus.outb(&mut s, COM1 + 4, 0x10);
    bus.outb(&mut s, COM1, 1);
    bus.outb(&mut s, COM1, 2); // no FIFO: the second byte overruns
    bus.outb(&mut s, COM1 + 1, 0x05);
    assert_eq!(
        bus.inb(&mut s, COM1 + 2),
        0x06,
        "line status has the highest priority"
    );
    assert_eq!(
        bus.published_value(COM1 + 5),
        None,
        "LSR with errors is not published"
    );
    assert_eq!(bus.inb(&mut s, COM1 + 5), 0x63);
    assert_eq!(bus.inb(&mut s, COM1 + 5), 0x61);
    assert_eq!(bus.published_value(COM1 + 5), Some(0x61));
    assert_eq!(bus.inb(&mut s, COM1 + 2), 0x04);
}

#[test]
fn save_restore_round_trip() {
    let (mut s, mut bus) = setup();
    bus.outb(&mut s, COM1 + 7, 0x99);
    s.push_input(b"xyz", &mut bus);
    let saved = s.save();
    let mut other = Serial::new();
    other.restore(&saved).unwrap();
    assert_eq!(bus.inb(&mut other, COM1 + 7), 0x99);
    assert_eq!(bus.inb(&mut other, COM1), b'x');
    assert!(other.restore(&[]).is_err());
}

#[test]
fn any_write_sequence_is_harmless() {
    let (mut s, mut bus) = setup();
    let mut x = 0x1357_9BDFu32;
    for _ in 0..30_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bus.outb(&mut s, COM1 + (x & 7) as u16, (x >> 8) as u8);
        bus.inb(&mut s, COM1 + (x >> 16 & 7) as u16);
        if x & 0x8000_0000 != 0 {
            s.push_input(&[x as u8], &mut bus);
        }
        bus.now += (x >> 20) as u64 * 1000;
        bus.run_until(&mut s, bus.now);
    }
}

#[test]
fn mutated_state_is_harmless() {
    let (mut s, mut bus) = setup();
    bus.outb(&mut s, COM1 + 2, 0xC7);
    bus.outb(&mut s, COM1 + 1, 0x0F);
    bus.outb(&mut s, COM1 + 4, 0x0B);
    s.push_input(b"some input", &mut bus);
    bus.outb(&mut s, COM1, b'!');
    let saved = s.save();
    let ports: Vec<u16> = (COM1..COM1 + 8).collect();
    let loaded = crate::testing::fuzz_restore(&|| Box::new(Serial::new()), &saved, &ports, 400);
    assert!(loaded > 50, "{loaded}");
}

#[test]
fn modem_status_interrupt_has_the_lowest_priority() {
    let (mut s, mut bus) = setup();
    bus.outb(&mut s, COM1 + 1, 0x0A); // THRE and modem status
    bus.outb(&mut s, COM1 + 4, 0x18); // loopback + OUT2: modem lines change
    assert_eq!(bus.inb(&mut s, COM1 + 2), 0x02, "THRE before modem status");
    assert_eq!(bus.inb(&mut s, COM1 + 2), 0x00, "then modem status");
    // CTS and DSR fell (RTS and DTR are off), DCD stays up through OUT2.
    assert_eq!(bus.inb(&mut s, COM1 + 6), 0x83);
    assert_eq!(bus.inb(&mut s, COM1 + 2), 0x01);
}

#[test]
fn saved_state_stays_small_under_floods() {
    let (mut s, mut bus) = setup();
    let accepted = s.push_input(&vec![b'x'; 200_000], &mut bus);
    assert_eq!(accepted, INBOX_LIMIT);
    for _ in 0..100_000 {
        bus.outb(&mut s, COM1, b'y');
    }
    assert!(
        s.save().len() < 128 * 1024,
        "fits the data plane's state slot"
    );
}
