//! The 8254 programmable interval timer at 40h–43h, clocked at 1.193182 MHz from the machine
//! clock. Counters are computed from elapsed time when read; only OUT edges that matter (channel
//! 0's rising edges, IRQ0) need wake-ups, and the timer group schedules those.

mod channel;
#[cfg(test)]
mod tests;

use cloister_shared::{ClockToggle, Published};
use serde::{Deserialize, Serialize};

pub use channel::{Channel, Run};

/// The PIT's input clock in Hz.
pub const PIT_HZ: u64 = 1_193_182;

/// Ticks of the PIT clock elapsed at machine time `ns`.
pub fn ns_to_ticks(ns: u64) -> u64 {
    (ns as u128 * PIT_HZ as u128 / 1_000_000_000) as u64
}

/// The first machine time at which `ticks` have elapsed.
pub fn ticks_to_ns(ticks: u64) -> u64 {
    (ticks as u128 * 1_000_000_000)
        .div_ceil(PIT_HZ as u128)
        .min(u64::MAX as u128) as u64
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pit {
    pub channels: [Channel; 3],
}

impl Default for Pit {
    fn default() -> Self {
        Self::new()
    }
}

impl Pit {
    pub fn new() -> Self {
        // Channels 0 and 1 have GATE tied high on the PC; channel 2's comes from port 61h.
        Pit {
            channels: [Channel::new(true), Channel::new(true), Channel::new(false)],
        }
    }

    /// A read of 40h–43h at tick `t`. The control register reads as FFh.
    pub fn read(&mut self, port: u16, t: u64) -> u8 {
        match port & 3 {
            3 => 0xFF,
            n => {
                let ch = &mut self.channels[n as usize];
                ch.normalize(t);
                ch.read(t)
            }
        }
    }

    /// A write of 40h–43h at tick `t`.
    pub fn write(&mut self, port: u16, value: u8, t: u64) {
        for ch in &mut self.channels {
            ch.normalize(t);
        }
        match port & 3 {
            3 => self.control(value, t),
            n => self.channels[n as usize].write(value, t),
        }
    }

    fn control(&mut self, value: u8, t: u64) {
        let select = value >> 6;
        if select == 3 {
            // Read-back: bit 5 clear latches counts, bit 4 clear latches status, bits 1–3 pick.
            for (i, ch) in self.channels.iter_mut().enumerate() {
                if value & (2 << i) == 0 {
                    continue;
                }
                if value & 0x20 == 0 {
                    ch.latch_count(t);
                }
                if value & 0x10 == 0 {
                    ch.latch_status(t);
                }
            }
            return;
        }
        let ch = &mut self.channels[select as usize];
        if value & 0x30 == 0 {
            ch.latch_count(t);
        } else {
            ch.control(value);
        }
    }

    pub fn set_gate2(&mut self, gate: bool, t: u64) {
        self.channels[2].set_gate(gate, t);
    }

    /// OUT of channel `n` at tick `t`.
    pub fn out(&mut self, n: usize, t: u64) -> bool {
        let ch = &mut self.channels[n];
        ch.normalize(t);
        ch.out_at(t)
    }

    /// Channel 2's OUT as port 61h bit 5 for publishing: a static bit, or a toggle following the
    /// clock while the channel counts.
    pub fn out2_published(&mut self, t: u64) -> (u32, Option<ClockToggle>) {
        let ch = &mut self.channels[2];
        ch.normalize(t);
        let high = if ch.out_at(t) { 0x20 } else { 0 };
        let Run::Counting {
            origin,
            start,
            period,
            done,
            ..
        } = ch.run
        else {
            return (high, None);
        };
        let span = |ticks: u64| (ticks as u128 * 1_000_000_000 / PIT_HZ as u128) as u64;
        match ch.mode() {
            0 | 1 if !done && t < origin.saturating_add(start as u64) => {
                // Low until terminal count, then high for good: an "on" phase that never ends.
                let toggle = ClockToggle {
                    bits: 0x20,
                    epoch_ns: ticks_to_ns(origin.saturating_add(start as u64)),
                    period_ns: u64::MAX,
                    on_ns: u64::MAX / 2,
                };
                (0, Some(toggle))
            }
            2 | 3 => {
                let n = period.max(2) as u64;
                let on = if ch.mode() == 2 { n - 1 } else { n.div_ceil(2) };
                let toggle = ClockToggle {
                    bits: 0x20,
                    epoch_ns: ticks_to_ns(origin),
                    period_ns: span(n),
                    on_ns: span(on),
                };
                (0, Some(toggle))
            }
            _ => (high, None),
        }
    }
}

/// Port 61h's refresh request bit 4, toggling every 15.085 µs.
pub const REFRESH_TOGGLE: ClockToggle = ClockToggle {
    bits: 0x10,
    epoch_ns: 0,
    period_ns: 30_170,
    on_ns: 15_085,
};

/// How port 61h reads: `low_bits` (0–3 as written) plus the refresh bit and channel 2's OUT.
pub fn port61_published(low_bits: u8, out2: (u32, Option<ClockToggle>)) -> Published {
    let base = (low_bits & 0x0F) as u32 | out2.0;
    Published::Clock {
        base,
        toggles: [REFRESH_TOGGLE, out2.1.unwrap_or_default()],
    }
}
