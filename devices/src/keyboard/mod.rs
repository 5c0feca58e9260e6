//! A PS/2 (MF2) keyboard: its command set, its queue of bytes for the controller, scan code sets
//! 1–3 and typematic repeat of the last key held down.

pub mod scancode;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

pub use scancode::ScanCode;

const ACK: u8 = 0xFA;
const RESEND: u8 = 0xFE;
const BAT_OK: u8 = 0xAA;
const ECHO: u8 = 0xEE;
/// The keyboard's own buffer; beyond it keys are lost and an overrun code is sent.
const QUEUE_LIMIT: usize = 16;
/// Typematic default: 10.9 characters per second after 500 ms.
const DEFAULT_TYPEMATIC: u8 = 0x2B;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ps2Keyboard {
    queue: VecDeque<u8>,
    scan_set: u8,
    scanning: bool,
    leds: u8,
    typematic: u8,
    /// A command waiting for its argument byte.
    awaiting: Option<u8>,
    last_sent: u8,
    /// The key being repeated and when it repeats next.
    held: Option<(ScanCode, u64)>,
}

impl Default for Ps2Keyboard {
    fn default() -> Self {
        Self::new()
    }
}

impl Ps2Keyboard {
    pub fn new() -> Self {
        Ps2Keyboard {
            queue: VecDeque::new(),
            scan_set: 2,
            scanning: true,
            leds: 0,
            typematic: DEFAULT_TYPEMATIC,
            awaiting: None,
            last_sent: 0,
            held: None,
        }
    }

    /// Num, Caps and Scroll Lock lights as last set (bit 0 Scroll, 1 Num, 2 Caps).
    pub fn leds(&self) -> u8 {
        self.leds
    }

    pub fn scan_set(&self) -> u8 {
        self.scan_set
    }

    /// Takes the next byte for the controller.
    pub fn pop(&mut self) -> Option<u8> {
        let byte = self.queue.pop_front()?;
        self.last_sent = byte;
        Some(byte)
    }

    pub fn has_output(&self) -> bool {
        !self.queue.is_empty()
    }

    fn reply(&mut self, bytes: &[u8]) {
        self.queue.extend(bytes);
    }

    fn set_defaults(&mut self) {
        self.typematic = DEFAULT_TYPEMATIC;
        self.scan_set = 2;
        self.held = None;
    }

    /// A byte from the controller (a command or a command's argument).
    pub fn receive(&mut self, byte: u8) {
        if let Some(command) = self.awaiting.take() {
            // A command byte in place of an argument starts the new command instead.
            if byte < 0xED {
                self.argument(command, byte);
                return;
            }
        }
        if byte != RESEND {
            // Any command discards what the keyboard had not sent yet.
            self.queue.clear();
        }
        match byte {
            0xED | 0xF3 | 0xF0 | 0xFB | 0xFC | 0xFD => {
                self.awaiting = Some(byte);
                self.reply(&[ACK]);
            }
            0xEE => self.reply(&[ECHO]),
            0xF2 => self.reply(&[ACK, 0xAB, 0x83]),
            0xF4 => {
                self.scanning = true;
                self.reply(&[ACK]);
            }
            0xF5 => {
                self.set_defaults();
                self.scanning = false;
                self.reply(&[ACK]);
            }
            0xF6 => {
                self.set_defaults();
                self.reply(&[ACK]);
            }
            0xF7..=0xFA => self.reply(&[ACK]),
            RESEND => {
                let last = self.last_sent;
                self.queue.push_front(last);
            }
            0xFF => {
                self.set_defaults();
                self.leds = 0;
                self.scanning = true;
                self.reply(&[ACK, BAT_OK]);
            }
            _ => self.reply(&[RESEND]),
        }
    }

    fn argument(&mut self, command: u8, arg: u8) {
        match command {
            0xED => self.leds = arg & 7,
            0xF3 => self.typematic = arg & 0x7F,
            0xF0 => match arg {
                0 => {
                    let set = self.scan_set;
                    self.reply(&[ACK, set]);
                    return;
                }
                1..=3 => self.scan_set = arg,
                _ => {
                    self.reply(&[RESEND]);
                    return;
                }
            },
            // Set 3 per-key attributes: accepted, not modelled.
            _ => {}
        }
        self.reply(&[ACK]);
    }

    /// Repeat delay and period from the typematic byte.
    fn typematic_ns(&self) -> (u64, u64) {
        let delay = (1 + ((self.typematic >> 5) & 3) as u64) * 250_000_000;
        let rate = self.typematic & 0x1F;
        // Period = (8 + A) * 2^B * 4.17 ms, A = bits 0–2, B = bits 3–4.
        let period = (8 + (rate & 7) as u64) * (1u64 << ((rate >> 3) & 3)) * 4_170_000;
        (delay, period)
    }

    fn enqueue(&mut self, bytes: &[u8]) {
        // The last slot is kept for the overrun code.
        if self.queue.len() + bytes.len() >= QUEUE_LIMIT {
            if self.queue.len() < QUEUE_LIMIT {
                let overrun = if self.scan_set == 1 { 0xFF } else { 0x00 };
                self.queue.push_back(overrun);
            }
            return;
        }
        self.queue.extend(bytes);
    }

    /// A key goes down or up at machine time `now`.
    pub fn key_event(&mut self, key: ScanCode, pressed: bool, now: u64) {
        if !self.scanning {
            return;
        }
        let bytes = scancode::sequence(self.scan_set, key, pressed);
        self.enqueue(&bytes);
        if pressed && !key.is_pause() {
            self.held = Some((key, now + self.typematic_ns().0));
        } else if self.held.is_some_and(|(k, _)| k == key) {
            self.held = None;
        }
    }

    /// When the held key repeats next, if one is held.
    pub fn next_repeat(&self) -> Option<u64> {
        self.held.map(|(_, at)| at)
    }

    /// Sends the repeat of the held key if it is due.
    pub fn repeat(&mut self, now: u64) {
        let Some((key, at)) = self.held else { return };
        if now < at {
            return;
        }
        // Do not pile repeats up behind a guest that is not reading.
        if self.scanning && self.queue.len() < QUEUE_LIMIT / 2 {
            let bytes = scancode::sequence(self.scan_set, key, true);
            self.enqueue(&bytes);
        }
        let period = self.typematic_ns().1;
        self.held = Some((key, now.max(at).saturating_add(period)));
    }
}
