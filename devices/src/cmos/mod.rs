//! The MC146818 RTC and CMOS NVRAM at 70h (index, bit 7 masks NMI) and 71h (data).
//!
//! The clock is kept as "RTC seconds at a machine time" and the time registers are derived from
//! it on each read; the flags of register C are brought up to date lazily (on reads of C and at
//! the wake-ups the timer group asks for while an interrupt is enabled).

mod calendar;
pub mod config;
#[cfg(test)]
mod tests;

use cloister_shared::{ClockToggle, Published};
use serde::{Deserialize, Serialize};

pub use calendar::DateTime;
use calendar::{decode, decode_hour, encode, encode_hour};
pub use config::{BootDevice, FloppyType, MachineConfig};

pub const IRQ: u8 = 8;
const SECOND_NS: u64 = 1_000_000_000;
/// UIP is set this long before each update.
const UIP_NS: u64 = 244_000;

// Clock register indexes.
const SECONDS: usize = 0x00;
const SECONDS_ALARM: usize = 0x01;
const MINUTES: usize = 0x02;
const MINUTES_ALARM: usize = 0x03;
const HOURS: usize = 0x04;
const HOURS_ALARM: usize = 0x05;
const WEEKDAY: usize = 0x06;
const DAY: usize = 0x07;
const MONTH: usize = 0x08;
const YEAR: usize = 0x09;
const REG_A: usize = 0x0A;
const REG_B: usize = 0x0B;
const REG_C: usize = 0x0C;
const REG_D: usize = 0x0D;
const CENTURY: usize = config::reg::CENTURY;

// Register B bits.
const B_SET: u8 = 0x80;
const B_PIE: u8 = 0x40;
const B_AIE: u8 = 0x20;
const B_UIE: u8 = 0x10;
const B_BINARY: u8 = 0x04;
const B_24H: u8 = 0x02;
// Register C bits.
const C_IRQF: u8 = 0x80;
const C_PF: u8 = 0x40;
const C_AF: u8 = 0x20;
const C_UF: u8 = 0x10;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cmos {
    pub index: u8,
    pub nmi_masked: bool,
    pub ram: Vec<u8>,
    /// RTC seconds at machine time `.1`; `None` until the first access anchors `start_secs`.
    base: Option<(i64, u64)>,
    start_secs: i64,
    /// Register C's flags are up to date for events up to this machine time.
    flags_until: u64,
    irq_asserted: bool,
}

impl Cmos {
    pub fn new(cfg: &MachineConfig) -> Self {
        let mut ram = vec![0u8; 128];
        ram[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
        ram[REG_B] = B_24H;
        ram[REG_D] = 0x80; // valid RAM and time
        config::apply(&mut ram, cfg);
        let start_secs = cfg.rtc_start_secs.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
        Cmos {
            index: 0,
            nmi_masked: false,
            ram,
            base: None,
            start_secs,
            flags_until: 0,
            irq_asserted: false,
        }
    }

    /// Ties the power-on time to machine time `now`, unless already tied (or restored).
    pub fn anchor(&mut self, now: u64) -> (i64, u64) {
        *self.base.get_or_insert((self.start_secs, now))
    }

    fn binary(&self) -> bool {
        self.ram[REG_B] & B_BINARY != 0
    }

    fn h24(&self) -> bool {
        self.ram[REG_B] & B_24H != 0
    }

    fn frozen(&self) -> bool {
        self.ram[REG_B] & B_SET != 0
    }

    /// RTC seconds and nanoseconds into the second at machine time `now`.
    fn clock_at(&mut self, now: u64) -> (i64, u64) {
        let (secs, at) = self.anchor(now);
        let elapsed = now.saturating_sub(at);
        (
            secs.saturating_add((elapsed / SECOND_NS) as i64),
            elapsed % SECOND_NS,
        )
    }

    /// Writes the running time into the clock registers.
    fn refresh(&mut self, now: u64) {
        if self.frozen() {
            return;
        }
        let (secs, _) = self.clock_at(now);
        let t = DateTime::from_secs(secs);
        let (bin, h24) = (self.binary(), self.h24());
        self.ram[SECONDS] = encode(t.second, bin);
        self.ram[MINUTES] = encode(t.minute, bin);
        self.ram[HOURS] = encode_hour(t.hour, bin, h24);
        self.ram[WEEKDAY] = encode(t.weekday, bin);
        self.ram[DAY] = encode(t.day, bin);
        self.ram[MONTH] = encode(t.month, bin);
        self.ram[YEAR] = encode(t.year.rem_euclid(100) as u32, bin);
        self.ram[CENTURY] = encode(t.year.div_euclid(100).rem_euclid(100) as u32, bin);
    }

    /// Takes the clock registers as the new time, keeping the phase within the second.
    fn reload_from_registers(&mut self, now: u64) {
        let (bin, h24) = (self.binary(), self.h24());
        let r = &self.ram;
        let t = DateTime {
            year: decode(r[CENTURY], bin) as i64 * 100 + decode(r[YEAR], bin) as i64 % 100,
            month: decode(r[MONTH], bin),
            day: decode(r[DAY], bin),
            hour: decode_hour(r[HOURS], bin, h24),
            minute: decode(r[MINUTES], bin),
            second: decode(r[SECONDS], bin),
            weekday: 0,
        };
        let (_, phase) = self.clock_at(now);
        self.base = Some((t.to_secs(), now.saturating_sub(phase)));
    }

    /// A read of port 71h.
    pub fn read_data(&mut self, now: u64) -> (u8, Option<bool>) {
        let index = self.index as usize;
        match index {
            SECONDS | MINUTES | HOURS | WEEKDAY | DAY | MONTH | YEAR | CENTURY => {
                self.refresh(now);
                (self.ram[index], None)
            }
            REG_A => {
                let (_, phase) = self.clock_at(now);
                let uip = !self.frozen() && phase >= SECOND_NS - UIP_NS;
                (self.ram[REG_A] & 0x7F | (uip as u8) << 7, None)
            }
            REG_C => {
                self.catch_up(now);
                let value = self.ram[REG_C];
                self.ram[REG_C] = 0;
                let lower = self.irq_asserted.then_some(false);
                self.irq_asserted = false;
                (value, lower)
            }
            _ => (self.ram[index], None),
        }
    }

    /// A write of port 71h. Returns a new IRQ8 level if it changed.
    pub fn write_data(&mut self, value: u8, now: u64) -> Option<bool> {
        self.catch_up(now);
        let index = self.index as usize;
        match index {
            SECONDS | MINUTES | HOURS | WEEKDAY | DAY | MONTH | YEAR | CENTURY => {
                self.refresh(now);
                self.ram[index] = value;
                if !self.frozen() {
                    self.reload_from_registers(now);
                }
            }
            REG_A => self.ram[REG_A] = value & 0x7F,
            REG_B => {
                let was_frozen = self.frozen();
                if value & B_SET != 0 && !was_frozen {
                    self.refresh(now);
                }
                // Setting SET also clears UIE.
                self.ram[REG_B] = if value & B_SET != 0 {
                    value & !B_UIE
                } else {
                    value
                };
                if was_frozen && !self.frozen() {
                    self.reload_from_registers(now);
                }
            }
            REG_C | REG_D => {}
            _ => self.ram[index] = value,
        }
        self.update_irq()
    }

    /// Register C's interrupt flag from its event flags and the enables in register B.
    fn update_irq(&mut self) -> Option<bool> {
        let enabled = self.ram[REG_B] & (B_PIE | B_AIE | B_UIE);
        let flags = self.ram[REG_C] & (C_PF | C_AF | C_UF);
        // Each enable in B sits at the same bit as its flag in C.
        let irqf = flags & enabled != 0;
        if irqf {
            self.ram[REG_C] |= C_IRQF;
        }
        if irqf && !self.irq_asserted {
            self.irq_asserted = true;
            return Some(true);
        }
        None
    }

    /// The periodic interrupt period of register A's rate, if any.
    fn periodic_ns(&self) -> Option<u64> {
        let rate = (self.ram[REG_A] & 0x0F) as u32;
        // Rates 1 and 2 repeat 8 and 9 on the 32.768 kHz time base.
        let rate = match rate {
            0 => return None,
            1 | 2 => rate + 7,
            r => r,
        };
        Some((SECOND_NS << (rate - 1)) / 32_768)
    }

    /// Whether an event repeating every `period` since `origin` falls in (`from`, `to`].
    fn crossed(origin: u64, period: u64, from: u64, to: u64) -> bool {
        to > from && (to.saturating_sub(origin) / period) > (from.saturating_sub(origin) / period)
    }

    /// Sets the flags of every event since the last catch-up. Returns a new IRQ8 level.
    pub fn catch_up(&mut self, now: u64) -> Option<bool> {
        let (_, at) = self.anchor(now);
        let from = self.flags_until.max(at);
        self.flags_until = now;
        if now <= from {
            return None;
        }
        if let Some(period) = self.periodic_ns() {
            if Self::crossed(at, period, from, now) {
                self.ram[REG_C] |= C_PF;
            }
        }
        if !self.frozen() && Self::crossed(at, SECOND_NS, from, now) {
            self.ram[REG_C] |= C_UF;
            if self.alarm_hit(from, now) {
                self.ram[REG_C] |= C_AF;
            }
        }
        self.update_irq()
    }

    /// Whether a second boundary in (`from`, `to`] matches the alarm registers.
    fn alarm_hit(&mut self, from: u64, to: u64) -> bool {
        let (bin, h24) = (self.binary(), self.h24());
        let want = |reg: u8, actual: u32, hour: bool| {
            reg >= 0xC0
                || actual
                    == if hour {
                        decode_hour(reg, bin, h24)
                    } else {
                        decode(reg, bin)
                    }
        };
        let (s_alarm, m_alarm, h_alarm) = (
            self.ram[SECONDS_ALARM],
            self.ram[MINUTES_ALARM],
            self.ram[HOURS_ALARM],
        );
        let (secs_to, _) = self.clock_at(to);
        let (secs_from, _) = self.clock_at(from);
        if secs_to.saturating_sub(secs_from) >= 86_400 {
            // A whole day passed: every alarm that can match at all did.
            let ok = |reg: u8, limit: u32, hour: bool| {
                reg >= 0xC0
                    || (if hour {
                        decode_hour(reg, bin, h24)
                    } else {
                        decode(reg, bin)
                    }) < limit
            };
            return ok(s_alarm, 60, false) && ok(m_alarm, 60, false) && ok(h_alarm, 24, true);
        }
        (secs_from.saturating_add(1)..=secs_to).any(|s| {
            let t = DateTime::from_secs(s);
            want(s_alarm, t.second, false)
                && want(m_alarm, t.minute, false)
                && want(h_alarm, t.hour, true)
        })
    }

    /// The next machine time an enabled interrupt's flag could be set, if one is awaited.
    pub fn next_event(&mut self, now: u64) -> Option<u64> {
        let (_, at) = self.anchor(now);
        let b = self.ram[REG_B];
        let c = self.ram[REG_C];
        let next = |period: u64| at.saturating_add((now.saturating_sub(at) / period + 1) * period);
        let mut deadline: Option<u64> = None;
        if b & B_PIE != 0 && c & C_PF == 0 {
            if let Some(p) = self.periodic_ns() {
                deadline = Some(next(p));
            }
        }
        let wants_second = (b & B_UIE != 0 && c & C_UF == 0) || (b & B_AIE != 0 && c & C_AF == 0);
        if wants_second && !self.frozen() {
            let s = next(SECOND_NS);
            deadline = Some(deadline.map_or(s, |d| d.min(s)));
        }
        deadline
    }

    /// A write of port 70h.
    pub fn write_index(&mut self, value: u8) {
        self.index = value & 0x7F;
        self.nmi_masked = value & 0x80 != 0;
    }

    /// What a read of 71h at the current index may be answered with without asking: plain
    /// NVRAM as it is, register A with its update-in-progress bit as a clock formula (set for
    /// the last [`UIP_NS`] of each RTC second). The clock registers and C are read here.
    pub fn published_data(&mut self, now: u64) -> Published {
        let index = self.index as usize;
        if index == REG_A {
            let base = (self.ram[REG_A] & 0x7F) as u32;
            if self.frozen() {
                return Published::Static(base);
            }
            // UIP is on while (t - at) mod 1 s >= 1 s - UIP_NS, that is while
            // (t - epoch) mod 1 s < UIP_NS with epoch = at - UIP_NS (a second later if the
            // machine clock is younger than that, so that t - epoch never wraps).
            let (_, at) = self.anchor(now);
            let epoch = at.checked_sub(UIP_NS).unwrap_or(at + SECOND_NS - UIP_NS);
            let uip = ClockToggle {
                bits: 0x80,
                epoch_ns: epoch,
                period_ns: SECOND_NS,
                on_ns: UIP_NS,
            };
            return Published::Clock {
                base,
                toggles: [uip, ClockToggle::default()],
            };
        }
        if index > REG_D && index != CENTURY {
            Published::Static(self.ram[index] as u32)
        } else {
            Published::None
        }
    }

    pub fn irq_asserted(&self) -> bool {
        self.irq_asserted
    }
}
