//! The keyboard group, one process: the 8042 keyboard controller (60h data, 64h status and
//! commands), port 92h (fast A20 and reset) and the PS/2 keyboard behind it. The auxiliary
//! (mouse) port has no device: commands sent to it are answered with an error.

mod state;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use cloister_shared::{
    DeviceBus, DeviceManifest, HostInput, IoWidth, PortDevice, PortRange, Published, StateError,
};
use serde::{Deserialize, Serialize};

use crate::keyboard::scancode::translate_to_set1;
use crate::keyboard::{Ps2Keyboard, ScanCode};

pub const IRQ_KEYBOARD: u8 = 1;
pub const IRQ_AUX: u8 = 12;
/// A keyboard byte takes about this long on the wire, so a second byte does not replace the
/// first in the output buffer the moment the guest reads it.
const BYTE_GAP_NS: u64 = 500_000;

// Status register bits.
const ST_OBF: u8 = 0x01;
const ST_SYS: u8 = 0x04;
const ST_CMD: u8 = 0x08;
const ST_UNLOCKED: u8 = 0x10;
const ST_AUX_OBF: u8 = 0x20;
// Command byte bits.
const CB_KBD_IRQ: u8 = 0x01;
const CB_AUX_IRQ: u8 = 0x02;
const CB_SYS: u8 = 0x04;
const CB_KBD_DISABLED: u8 = 0x10;
const CB_AUX_DISABLED: u8 = 0x20;
const CB_TRANSLATE: u8 = 0x40;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    Keyboard,
    Aux,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Controller {
    /// Internal RAM; byte 0 is the command byte.
    ram: Vec<u8>,
    sys_flag: bool,
    last_was_command: bool,
    /// The output buffer (a byte and where it came from), and what it held last.
    output: Option<(u8, Source)>,
    last_output: u8,
    /// Controller replies, delivered before anything from the keyboard.
    replies: VecDeque<(u8, Source)>,
    /// A controller command waiting for its data byte.
    pending: Option<u8>,
    /// Output port bit 1 and port 92h bit 1: the two A20 sources, ORed.
    a20_output_port: bool,
    port92: u8,
    /// A translated F0 (break prefix) waits for its code.
    break_prefix: bool,
    /// Bytes from the keyboard are not moved into the output buffer before this time.
    next_delivery: u64,
    kbd: Ps2Keyboard,
    #[serde(skip)]
    published_status: Option<u8>,
    #[serde(skip)]
    published_92: Option<u8>,
}

pub struct KeyboardController {
    c: Controller,
}

impl Default for KeyboardController {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyboardController {
    pub fn new() -> Self {
        let mut ram = vec![0u8; 32];
        ram[0] = CB_KBD_IRQ | CB_TRANSLATE;
        KeyboardController {
            c: Controller {
                ram,
                sys_flag: false,
                last_was_command: false,
                output: None,
                last_output: 0,
                replies: VecDeque::new(),
                pending: None,
                // The machine starts with A20 enabled, held by port 92h's fast-A20 bit and not by
                // the 8042, so that either control alone can turn it off (a BIOS clears 92h).
                a20_output_port: false,
                port92: 0x02,
                break_prefix: false,
                next_delivery: 0,
                kbd: Ps2Keyboard::new(),
                published_status: None,
                published_92: None,
            },
        }
    }

    pub fn manifest(&self) -> DeviceManifest {
        DeviceManifest {
            name: "keyboard".into(),
            ports: vec![
                PortRange::new(0x60, 1),
                PortRange::new(0x64, 1),
                PortRange::new(0x92, 1),
            ],
            irqs: vec![IRQ_KEYBOARD, IRQ_AUX],
            mem_windows: vec![],
            guest_ram: false,
            regions: vec![],
        }
    }

    /// The keyboard's lock lights (bit 0 Scroll, 1 Num, 2 Caps), for the display to show.
    pub fn leds(&self) -> u8 {
        self.c.kbd.leds()
    }

    /// A host key goes down or up.
    pub fn key_event(&mut self, key: ScanCode, pressed: bool, bus: &mut dyn DeviceBus) {
        let now = bus.now_ns();
        self.c.kbd.key_event(key, pressed, now);
        self.settle(bus);
    }

    fn command_byte(&self) -> u8 {
        self.c.ram[0]
    }

    fn a20(&self) -> bool {
        self.c.a20_output_port || self.c.port92 & 2 != 0
    }

    pub fn status(&self) -> u8 {
        let c = &self.c;
        let mut st = ST_UNLOCKED;
        match c.output {
            Some((_, Source::Keyboard)) => st |= ST_OBF,
            Some((_, Source::Aux)) => st |= ST_OBF | ST_AUX_OBF,
            None => {}
        }
        if c.sys_flag {
            st |= ST_SYS;
        }
        if c.last_was_command {
            st |= ST_CMD;
        }
        st
    }

    /// The output port as D0h reads it.
    fn output_port(&self) -> u8 {
        let mut v = 0x01 | (self.c.a20_output_port as u8) << 1;
        match self.c.output {
            Some((_, Source::Keyboard)) => v |= 0x10,
            Some((_, Source::Aux)) => v |= 0x20,
            None => {}
        }
        v
    }

    fn irq_line(source: Source) -> (u8, u8) {
        match source {
            Source::Keyboard => (IRQ_KEYBOARD, CB_KBD_IRQ),
            Source::Aux => (IRQ_AUX, CB_AUX_IRQ),
        }
    }

    /// Moves the next byte into an empty output buffer, raises its IRQ, publishes the status
    /// and asks for a wake-up for what is still to come.
    fn settle(&mut self, bus: &mut dyn DeviceBus) {
        let now = bus.now_ns();
        if self.c.output.is_none() {
            if let Some(entry) = self.c.replies.pop_front() {
                self.load(entry, bus);
            } else if now >= self.c.next_delivery && self.command_byte() & CB_KBD_DISABLED == 0 {
                while let Some(mut byte) = self.c.kbd.pop() {
                    if self.command_byte() & CB_TRANSLATE != 0 {
                        if byte == 0xF0 {
                            self.c.break_prefix = true;
                            continue;
                        }
                        byte = translate_to_set1(byte);
                        if std::mem::take(&mut self.c.break_prefix) {
                            byte |= 0x80;
                        }
                    }
                    self.load((byte, Source::Keyboard), bus);
                    break;
                }
            }
        }
        let status = self.status();
        if self.c.published_status != Some(status) {
            self.c.published_status = Some(status);
            bus.publish(0x64, Published::Static(status as u32), false);
        }
        let port92 = self.port92();
        if self.c.published_92 != Some(port92) {
            self.c.published_92 = Some(port92);
            bus.publish(0x92, Published::Static(port92 as u32), false);
        }
        // A wake-up only for a keyboard byte held back by the byte gap; one held back by a
        // disabled interface waits for the interface to be enabled.
        let held_by_gap = self.c.output.is_none()
            && self.c.kbd.has_output()
            && self.command_byte() & CB_KBD_DISABLED == 0
            && self.c.next_delivery > now;
        let delivery = held_by_gap.then_some(self.c.next_delivery);
        let deadline = [delivery, self.c.kbd.next_repeat()]
            .into_iter()
            .flatten()
            .min();
        bus.request_timer(deadline.unwrap_or(u64::MAX));
    }

    fn load(&mut self, (byte, source): (u8, Source), bus: &mut dyn DeviceBus) {
        self.c.output = Some((byte, source));
        self.c.last_output = byte;
        let (line, enable) = Self::irq_line(source);
        if self.command_byte() & enable != 0 {
            bus.set_irq(line, true);
        }
    }

    fn reply(&mut self, byte: u8, source: Source) {
        // A guest issuing commands without reading the answers gets no more than a few kept.
        if self.c.replies.len() < 16 {
            self.c.replies.push_back((byte, source));
        }
    }

    fn read_data(&mut self, bus: &mut dyn DeviceBus) -> u8 {
        let value = match self.c.output.take() {
            Some((byte, source)) => {
                bus.set_irq(Self::irq_line(source).0, false);
                if source == Source::Keyboard {
                    self.c.next_delivery = bus.now_ns() + BYTE_GAP_NS;
                }
                byte
            }
            // An empty buffer reads as the last byte again.
            None => self.c.last_output,
        };
        self.settle(bus);
        value
    }

    fn write_data(&mut self, value: u8, bus: &mut dyn DeviceBus) {
        self.c.last_was_command = false;
        match self.c.pending.take() {
            Some(cmd @ 0x60..=0x7F) => {
                self.c.ram[(cmd & 0x1F) as usize] = value;
                if cmd == 0x60 {
                    self.command_byte_written(value, bus);
                }
            }
            Some(0xD1) => self.write_output_port(value, bus),
            Some(0xD2) => self.reply(value, Source::Keyboard),
            Some(0xD3) => self.reply(value, Source::Aux),
            // No auxiliary device: every byte sent to it fails.
            Some(0xD4) => self.reply(0xFE, Source::Aux),
            _ => {
                // Sending to the keyboard re-enables its interface.
                self.c.ram[0] &= !CB_KBD_DISABLED;
                self.c.kbd.receive(value);
            }
        }
        self.settle(bus);
    }

    fn command_byte_written(&mut self, value: u8, bus: &mut dyn DeviceBus) {
        self.c.sys_flag = value & CB_SYS != 0;
        // The IRQ outputs follow the enables while a byte waits.
        if let Some((_, source)) = self.c.output {
            let (line, enable) = Self::irq_line(source);
            bus.set_irq(line, value & enable != 0);
        }
    }

    fn write_output_port(&mut self, value: u8, bus: &mut dyn DeviceBus) {
        let before = self.a20();
        self.c.a20_output_port = value & 2 != 0;
        if self.a20() != before {
            bus.set_a20(self.a20());
        }
        if value & 1 == 0 {
            bus.request_reset();
        }
    }

    fn set_a20_output(&mut self, on: bool, bus: &mut dyn DeviceBus) {
        let v = (self.output_port() & !2) | (on as u8) << 1;
        self.write_output_port(v | 1, bus);
    }

    fn write_command(&mut self, cmd: u8, bus: &mut dyn DeviceBus) {
        self.c.last_was_command = true;
        self.c.pending = None;
        match cmd {
            0x20..=0x3F => {
                let v = self.c.ram[(cmd & 0x1F) as usize];
                self.reply(v, Source::Keyboard);
            }
            0x60..=0x7F | 0xD1..=0xD4 => self.c.pending = Some(cmd),
            0xA4 => self.reply(0xF1, Source::Keyboard), // no password installed
            0xA7 => self.c.ram[0] |= CB_AUX_DISABLED,
            0xA8 => self.c.ram[0] &= !CB_AUX_DISABLED,
            0xA9 | 0xAB => self.reply(0x00, Source::Keyboard), // interface tests pass
            0xAA => {
                self.c.sys_flag = true;
                self.c.ram[0] |= CB_SYS;
                self.reply(0x55, Source::Keyboard);
            }
            0xAD => self.c.ram[0] |= CB_KBD_DISABLED,
            0xAE => self.c.ram[0] &= !CB_KBD_DISABLED,
            0xC0 => self.reply(0x80, Source::Keyboard), // input port: keyboard not inhibited
            0xD0 => {
                let v = self.output_port();
                self.reply(v, Source::Keyboard);
            }
            0xDD => self.set_a20_output(false, bus),
            0xDF => self.set_a20_output(true, bus),
            0xE0 => self.reply(0x00, Source::Keyboard),
            // Pulse output port bits 0–3 low where the command's bits are 0; bit 0 is reset.
            0xF0..=0xFF if cmd & 1 == 0 => bus.request_reset(),
            _ => {}
        }
        self.settle(bus);
    }

    /// Port 92h reads back its own bits (bit 0 reset, bit 1 fast A20), whatever the 8042's
    /// output port says: the chipset ORs the two A20 sources after the registers.
    fn port92(&self) -> u8 {
        self.c.port92 & 3
    }

    fn write_port92(&mut self, value: u8, bus: &mut dyn DeviceBus) {
        let before = self.a20();
        let was_reset = self.c.port92 & 1 != 0;
        self.c.port92 = value & 3;
        if self.a20() != before {
            bus.set_a20(self.a20());
        }
        // A 0→1 transition of bit 0 resets the CPU.
        if value & 1 != 0 && !was_reset {
            bus.request_reset();
        }
        self.settle(bus);
    }

    fn read_byte(&mut self, port: u16, bus: &mut dyn DeviceBus) -> u8 {
        match port {
            0x60 => self.read_data(bus),
            0x64 => self.status(),
            0x92 => self.port92(),
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, value: u8, bus: &mut dyn DeviceBus) {
        match port {
            0x60 => self.write_data(value, bus),
            0x64 => self.write_command(value, bus),
            0x92 => self.write_port92(value, bus),
            _ => {}
        }
    }
}

impl PortDevice for KeyboardController {
    fn io_read(&mut self, port: u16, width: IoWidth, bus: &mut dyn DeviceBus) -> u32 {
        // Wider accesses are byte accesses to the ports that follow.
        (0..width.bytes()).fold(0, |v, i| {
            v | (self.read_byte(port.wrapping_add(i as u16), bus) as u32) << (8 * i)
        })
    }

    fn io_write(&mut self, port: u16, width: IoWidth, value: u32, bus: &mut dyn DeviceBus) {
        for i in 0..width.bytes() {
            self.write_byte(port.wrapping_add(i as u16), (value >> (8 * i)) as u8, bus);
        }
    }

    fn timer(&mut self, now_ns: u64, bus: &mut dyn DeviceBus) {
        self.c.kbd.repeat(now_ns);
        self.settle(bus);
    }

    fn host_input(&mut self, input: &HostInput, bus: &mut dyn DeviceBus) {
        if let HostInput::Key {
            code,
            extended,
            pressed,
        } = *input
        {
            let key = ScanCode {
                code: code & 0x7F,
                extended,
            };
            self.key_event(key, pressed, bus);
        }
    }

    fn start(&mut self, bus: &mut dyn DeviceBus) {
        // The CPU's gate follows this device from the start (and after a restore).
        bus.set_a20(self.a20());
        bus.publish(0x60, Published::None, false);
        self.c.published_status = None;
        self.settle(bus);
    }

    fn save(&self) -> Vec<u8> {
        state::save(&self.c)
    }

    fn restore(&mut self, bytes: &[u8]) -> Result<(), StateError> {
        self.c = state::restore(bytes)?;
        Ok(())
    }
}
