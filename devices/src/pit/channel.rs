//! One 8254 counter, computed from elapsed clock ticks instead of being stepped: the counting
//! element's value and OUT at any tick follow from when counting (re)started and from what.

use serde::{Deserialize, Serialize};

/// What the counting element is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Run {
    /// No count loaded since the control word, or a one-shot waiting for its gate trigger.
    Idle { count: u32, out: bool },
    /// Counting: at tick `origin` the element held `start`. `done` means a one-shot has already
    /// passed terminal count (before a pause). `origin_edge` means OUT rose at `origin` (a
    /// periodic mode reloading at the end of a period).
    Counting {
        origin: u64,
        start: u32,
        period: u32,
        done: bool,
        origin_edge: bool,
    },
    /// Gate low in a mode where that suspends counting.
    Paused { count: u32, done: bool },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Channel {
    /// The mode field as programmed (0–7); [`Channel::mode`] folds 6 and 7 onto 2 and 3.
    pub mode_bits: u8,
    /// Read/write access: 1 LSB only, 2 MSB only, 3 LSB then MSB.
    pub access: u8,
    pub bcd: bool,
    pub gate: bool,
    /// The count register as last written.
    pub count_reg: u16,
    /// A count has been written since the control word.
    pub armed: bool,
    pub null_count: bool,
    pub write_msb_next: bool,
    pub read_msb_next: bool,
    pub latched_count: Option<u16>,
    pub latched_msb_next: bool,
    pub latched_status: Option<u8>,
    pub run: Run,
    /// Periodic modes: a new count that takes over at the end of the current period (tick, N).
    pub pending: Option<(u64, u32)>,
}

impl Channel {
    pub fn new(gate: bool) -> Self {
        Channel {
            mode_bits: 0,
            access: 3,
            bcd: false,
            gate,
            count_reg: 0,
            armed: false,
            null_count: true,
            write_msb_next: false,
            read_msb_next: false,
            latched_count: None,
            latched_msb_next: false,
            latched_status: None,
            run: Run::Idle {
                count: 0,
                out: false,
            },
            pending: None,
        }
    }

    pub fn mode(&self) -> u8 {
        if self.mode_bits & 2 != 0 {
            self.mode_bits & 3
        } else {
            self.mode_bits
        }
    }

    /// Counts per cycle of the counting element: 65536 binary, 10000 BCD.
    fn modulus(&self) -> u32 {
        if self.bcd {
            10_000
        } else {
            65_536
        }
    }

    /// The initial count N the count register stands for (0 means the modulus).
    pub fn reload(&self) -> u32 {
        let raw = self.count_reg as u32;
        let n = if self.bcd {
            // Nibbles above 9 are not BCD; take them at face value rather than fail.
            (raw >> 12) * 1000 + ((raw >> 8) & 15) * 100 + ((raw >> 4) & 15) * 10 + (raw & 15)
        } else {
            raw
        };
        if n == 0 {
            self.modulus()
        } else {
            n.min(self.modulus())
        }
    }

    /// The value a read of the counting element shows for `count`.
    fn encode(&self, count: u32) -> u16 {
        if self.bcd {
            let v = count % 10_000;
            ((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10)) as u16
        } else {
            count as u16
        }
    }

    /// The period periodic modes count with: N, but at least 2 (1 is illegal there).
    fn periodic(n: u32) -> u32 {
        n.max(2)
    }

    /// Applies a pending reload whose time has come.
    pub fn normalize(&mut self, t: u64) {
        if let Some((at, n)) = self.pending {
            if at <= t {
                self.pending = None;
                self.null_count = false;
                self.run = Run::Counting {
                    origin: at,
                    start: n,
                    period: n,
                    done: false,
                    origin_edge: true,
                };
            }
        }
    }

    /// Counting element value and OUT at tick `t` (call [`Channel::normalize`] first).
    pub fn state_at(&self, t: u64) -> (u32, bool) {
        let m = self.modulus();
        match self.run {
            Run::Idle { count, out } => (count, out),
            Run::Paused { count, done } => (count, if self.mode() <= 1 { done } else { true }),
            Run::Counting {
                origin,
                start,
                period,
                done,
                ..
            } => {
                let e = t.saturating_sub(origin);
                let wrapped = ((start as u64 + m as u64 - e % m as u64) % m as u64) as u32;
                match self.mode() {
                    0 | 1 => (wrapped, done || e >= start as u64),
                    4 | 5 => (wrapped, done || e != start as u64),
                    2 => {
                        let n = Self::periodic(period) as u64;
                        let count = (n - e % n) as u32;
                        (count, count != 1)
                    }
                    _ => {
                        let n = Self::periodic(period) as u64;
                        let high = n.div_ceil(2);
                        let p = e % n;
                        let top = n & !1;
                        if p < high {
                            (top.saturating_sub(2 * p) as u32, true)
                        } else {
                            (top.saturating_sub(2 * (p - high)) as u32, false)
                        }
                    }
                }
            }
        }
    }

    pub fn out_at(&self, t: u64) -> bool {
        self.state_at(t).1
    }

    /// The first tick after `t` at which OUT rises, if it will without further programming.
    pub fn next_rising_edge(&self, t: u64) -> Option<u64> {
        let Run::Counting {
            origin,
            start,
            period,
            done,
            origin_edge,
        } = self.run
        else {
            return None;
        };
        if t < origin && origin_edge {
            return Some(origin);
        }
        let e = t.saturating_sub(origin);
        let edge = match self.mode() {
            0 | 1 if !done => origin.saturating_add(start as u64),
            4 | 5 if !done => origin.saturating_add(start as u64 + 1),
            2 | 3 => {
                let n = Self::periodic(period) as u64;
                origin.saturating_add((e / n + 1) * n)
            }
            _ => return None,
        };
        let edge = if edge > t { edge } else { return None };
        // A pending reload happens at a period boundary, itself a rising edge.
        Some(match self.pending {
            Some((at, _)) if at > t => edge.min(at),
            _ => edge,
        })
    }

    /// Tick of the next change the published waveform cannot foresee (a pending reload).
    pub fn pending_tick(&self) -> Option<u64> {
        self.pending.map(|(at, _)| at)
    }

    /// A control word for this channel (access 1–3).
    pub fn control(&mut self, value: u8) {
        self.mode_bits = (value >> 1) & 7;
        self.access = (value >> 4) & 3;
        self.bcd = value & 1 != 0;
        self.armed = false;
        self.null_count = true;
        self.write_msb_next = false;
        self.read_msb_next = false;
        self.latched_count = None;
        self.latched_status = None;
        self.pending = None;
        self.run = Run::Idle {
            count: 0,
            out: self.mode() != 0,
        };
    }

    /// The counter latch command (and the count part of read-back).
    pub fn latch_count(&mut self, t: u64) {
        if self.latched_count.is_none() {
            self.latched_count = Some(self.encode(self.state_at(t).0));
            self.latched_msb_next = false;
        }
    }

    /// The status part of a read-back command.
    pub fn latch_status(&mut self, t: u64) {
        if self.latched_status.is_none() {
            let out = self.out_at(t) as u8;
            self.latched_status = Some(
                out << 7
                    | (self.null_count as u8) << 6
                    | self.access << 4
                    | self.mode_bits << 1
                    | self.bcd as u8,
            );
        }
    }

    /// A read of the counter's port.
    pub fn read(&mut self, t: u64) -> u8 {
        if let Some(status) = self.latched_status.take() {
            return status;
        }
        if let Some(latched) = self.latched_count {
            let (byte, done) = match self.access {
                1 => (latched as u8, true),
                2 => ((latched >> 8) as u8, true),
                _ if !self.latched_msb_next => (latched as u8, false),
                _ => ((latched >> 8) as u8, true),
            };
            if done {
                self.latched_count = None;
                self.latched_msb_next = false;
            } else {
                self.latched_msb_next = true;
            }
            return byte;
        }
        let value = self.encode(self.state_at(t).0);
        match self.access {
            1 => value as u8,
            2 => (value >> 8) as u8,
            _ => {
                self.read_msb_next = !self.read_msb_next;
                if self.read_msb_next {
                    value as u8
                } else {
                    (value >> 8) as u8
                }
            }
        }
    }

    /// A write of the counter's port.
    pub fn write(&mut self, value: u8, t: u64) {
        match self.access {
            1 => self.count_reg = value as u16,
            2 => self.count_reg = (value as u16) << 8,
            _ if !self.write_msb_next => {
                self.count_reg = (self.count_reg & 0xFF00) | value as u16;
                self.write_msb_next = true;
                if self.mode() == 0 {
                    // Writing the first byte in mode 0 stops counting and drives OUT low.
                    let count = self.state_at(t).0;
                    self.run = Run::Idle { count, out: false };
                    self.pending = None;
                }
                return;
            }
            _ => {
                self.count_reg = (self.count_reg & 0x00FF) | (value as u16) << 8;
                self.write_msb_next = false;
            }
        }
        self.count_written(t);
    }

    fn count_written(&mut self, t: u64) {
        let n = self.reload();
        let first = !self.armed;
        self.armed = true;
        self.null_count = true;
        match self.mode() {
            0 | 4 => self.load(t, n),
            2 | 3 => match self.run {
                Run::Counting { origin, period, .. } if !first => {
                    let p = Self::periodic(period) as u64;
                    let boundary = origin.saturating_add((t.saturating_sub(origin) / p + 1) * p);
                    self.pending = Some((boundary, n));
                }
                _ => self.load(t, n),
            },
            // Modes 1 and 5 take a new count at the next gate trigger.
            _ => {}
        }
    }

    /// Loads the counting element with `n` at tick `t`, honouring the gate.
    fn load(&mut self, t: u64, n: u32) {
        self.pending = None;
        self.null_count = false;
        self.run = if self.gate {
            Run::Counting {
                origin: t,
                start: n,
                period: n,
                done: false,
                origin_edge: false,
            }
        } else {
            Run::Paused {
                count: n,
                done: false,
            }
        };
    }

    /// The GATE input changes at tick `t`.
    pub fn set_gate(&mut self, gate: bool, t: u64) {
        self.normalize(t);
        let was = self.gate;
        self.gate = gate;
        if was == gate || !self.armed {
            return;
        }
        let mode = self.mode();
        if gate {
            match (mode, self.run) {
                (0 | 4, Run::Paused { count, done }) => {
                    self.run = Run::Counting {
                        origin: t,
                        start: count,
                        period: self.reload(),
                        done,
                        origin_edge: false,
                    }
                }
                // A rising gate triggers the one-shots and restarts the periodic modes.
                (1 | 5 | 2 | 3, _) => {
                    let n = self.reload();
                    self.pending = None;
                    self.null_count = false;
                    self.run = Run::Counting {
                        origin: t,
                        start: n,
                        period: n,
                        done: false,
                        origin_edge: false,
                    };
                }
                _ => {}
            }
        } else if let (
            0 | 2 | 3 | 4,
            Run::Counting {
                done,
                start,
                origin,
                ..
            },
        ) = (mode, self.run)
        {
            let (count, out) = self.state_at(t);
            // A one-shot that has reached terminal count stays "done" through the pause.
            let done = done
                || (mode == 0 && out)
                || (mode == 4 && t.saturating_sub(origin) >= start as u64);
            self.pending = None;
            self.run = Run::Paused { count, done };
        }
    }
}
