use super::*;

fn drain(kbd: &mut Ps2Keyboard) -> Vec<u8> {
    std::iter::from_fn(|| kbd.pop()).collect()
}

#[test]
fn reset_answers_ack_and_bat() {
    let mut kbd = Ps2Keyboard::new();
    kbd.receive(0xFF);
    assert_eq!(drain(&mut kbd), [0xFA, 0xAA]);
}

#[test]
fn identify_echo_and_unknown() {
    let mut kbd = Ps2Keyboard::new();
    kbd.receive(0xF2);
    assert_eq!(drain(&mut kbd), [0xFA, 0xAB, 0x83]);
    kbd.receive(0xEE);
    assert_eq!(drain(&mut kbd), [0xEE]);
    kbd.receive(0x42);
    assert_eq!(drain(&mut kbd), [0xFE]);
    kbd.receive(0xFE);
    assert_eq!(drain(&mut kbd), [0xFE], "resend repeats the last byte");
}

#[test]
fn leds_and_scan_set_arguments() {
    let mut kbd = Ps2Keyboard::new();
    kbd.receive(0xED);
    kbd.receive(0x05);
    assert_eq!(drain(&mut kbd), [0xFA, 0xFA]);
    assert_eq!(kbd.leds(), 5);
    kbd.receive(0xF0);
    kbd.receive(0x00);
    assert_eq!(drain(&mut kbd), [0xFA, 0xFA, 0x02]);
    kbd.receive(0xF0);
    kbd.receive(0x01);
    assert_eq!(drain(&mut kbd), [0xFA, 0xFA]);
    assert_eq!(kbd.scan_set(), 1);
    kbd.receive(0xF0);
    kbd.receive(0x07);
    assert_eq!(drain(&mut kbd), [0xFA, 0xFE]);
}

#[test]
fn scan_codes_in_each_set() {
    let mut kbd = Ps2Keyboard::new();
    let a = ScanCode::new(0x1E);
    let right = ScanCode::extended(0x4D);
    kbd.key_event(a, true, 0);
    kbd.key_event(a, false, 0);
    kbd.key_event(right, true, 0);
    kbd.key_event(right, false, 0);
    assert_eq!(
        drain(&mut kbd),
        [0x1C, 0xF0, 0x1C, 0xE0, 0x74, 0xE0, 0xF0, 0x74]
    );
    kbd.receive(0xF0);
    kbd.receive(0x01);
    drain(&mut kbd);
    kbd.key_event(a, true, 0);
    kbd.key_event(a, false, 0);
    kbd.key_event(right, false, 0);
    assert_eq!(drain(&mut kbd), [0x1E, 0x9E, 0xE0, 0xCD]);
    kbd.receive(0xF0);
    kbd.receive(0x03);
    drain(&mut kbd);
    kbd.key_event(ScanCode::new(0x3B), true, 0);
    kbd.key_event(ScanCode::new(0x3B), false, 0);
    assert_eq!(drain(&mut kbd), [0x07, 0xF0, 0x07], "F1 in set 3");
}

#[test]
fn translation_table_matches_set1() {
    for code in 1..=0x58u8 {
        if code == 0x54 || code == 0x55 {
            continue;
        }
        let set2 = scancode::sequence(2, ScanCode::new(code), true);
        assert_eq!(set2.len(), 1, "set 1 code {code:#x}");
        assert_eq!(scancode::translate_to_set1(set2[0]), code);
    }
    assert_eq!(scancode::translate_to_set1(0x83), 0x41);
    assert_eq!(scancode::translate_to_set1(0xFA), 0xFA);
}

#[test]
fn disabled_keyboard_drops_keys() {
    let mut kbd = Ps2Keyboard::new();
    kbd.receive(0xF5);
    drain(&mut kbd);
    kbd.key_event(ScanCode::new(0x1E), true, 0);
    assert!(!kbd.has_output());
    kbd.receive(0xF4);
    assert_eq!(drain(&mut kbd), [0xFA]);
}

#[test]
fn typematic_repeat_after_delay_at_rate() {
    let mut kbd = Ps2Keyboard::new();
    kbd.receive(0xF3);
    kbd.receive(0x00); // 250 ms, 30 cps
    drain(&mut kbd);
    kbd.key_event(ScanCode::new(0x1E), true, 0);
    drain(&mut kbd);
    assert_eq!(kbd.next_repeat(), Some(250_000_000));
    kbd.repeat(250_000_000);
    assert_eq!(drain(&mut kbd), [0x1C]);
    assert_eq!(kbd.next_repeat(), Some(250_000_000 + 33_360_000));
    kbd.key_event(ScanCode::new(0x1E), false, 260_000_000);
    assert_eq!(kbd.next_repeat(), None);
}

#[test]
fn overrun_when_the_buffer_fills() {
    let mut kbd = Ps2Keyboard::new();
    for _ in 0..20 {
        kbd.key_event(ScanCode::new(0x1E), true, 0);
    }
    let bytes = drain(&mut kbd);
    assert_eq!(bytes.len(), QUEUE_LIMIT);
    assert_eq!(*bytes.last().unwrap(), 0x00);
}

#[test]
fn pause_and_print_screen_sequences() {
    let mut kbd = Ps2Keyboard::new();
    kbd.key_event(ScanCode::extended(0x45), true, 0);
    kbd.key_event(ScanCode::extended(0x45), false, 0);
    assert_eq!(
        drain(&mut kbd),
        [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77],
        "Pause has no break code"
    );
    assert_eq!(kbd.next_repeat(), None, "Pause does not repeat");
    kbd.key_event(ScanCode::extended(0x37), true, 0);
    kbd.key_event(ScanCode::extended(0x37), false, 0);
    assert_eq!(
        drain(&mut kbd),
        [0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12]
    );
}
