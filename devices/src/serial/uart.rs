//! The 16550A's registers and FIFOs, without the machine around them: the device wrapper feeds
//! it the clock and turns its interrupt output and register values into IRQs and publications.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

const FIFO_SIZE: usize = 16;

// IER bits.
const IER_RDA: u8 = 0x01;
const IER_THRE: u8 = 0x02;
const IER_RLS: u8 = 0x04;
const IER_MSI: u8 = 0x08;
// LCR/MCR bits.
pub const LCR_DLAB: u8 = 0x80;
const MCR_OUT2: u8 = 0x08;
const MCR_LOOP: u8 = 0x10;
// LSR bits.
const LSR_OE: u8 = 0x02;
pub const LSR_ERRORS: u8 = 0x1E;
const LSR_THRE: u8 = 0x20;
const LSR_TEMT: u8 = 0x40;
// IIR identifications.
const IIR_NONE: u8 = 0x01;
const IIR_MSI: u8 = 0x00;
const IIR_THRE: u8 = 0x02;
const IIR_RDA: u8 = 0x04;
const IIR_RLS: u8 = 0x06;
const IIR_TIMEOUT: u8 = 0x0C;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Uart {
    pub dll: u8,
    pub dlm: u8,
    pub ier: u8,
    pub lcr: u8,
    pub mcr: u8,
    pub scr: u8,
    pub fifo_enabled: bool,
    /// RX FIFO trigger level (1, 4, 8 or 14).
    pub trigger: u8,
    pub rx: VecDeque<u8>,
    /// Sticky LSR error bits (OE, PE, FE, BI).
    pub errors: u8,
    pub thre_pending: bool,
    pub timeout_pending: bool,
    /// MSR: delta bits 0–3, line state bits 4–7.
    pub msr: u8,
}

impl Default for Uart {
    fn default() -> Self {
        Self::new()
    }
}

impl Uart {
    pub fn new() -> Self {
        let mut uart = Uart {
            dll: 0x0C, // 9600 baud
            dlm: 0,
            ier: 0,
            lcr: 0x03,
            mcr: 0,
            scr: 0,
            fifo_enabled: false,
            trigger: 1,
            rx: VecDeque::new(),
            errors: 0,
            thre_pending: false,
            timeout_pending: false,
            msr: 0,
        };
        uart.msr = uart.modem_lines();
        uart
    }

    pub fn loopback(&self) -> bool {
        self.mcr & MCR_LOOP != 0
    }

    fn capacity(&self) -> usize {
        if self.fifo_enabled {
            FIFO_SIZE
        } else {
            1
        }
    }

    pub fn rx_space(&self) -> usize {
        self.capacity().saturating_sub(self.rx.len())
    }

    /// Nanoseconds one character takes on the line at the current divisor and format.
    pub fn char_ns(&self) -> u64 {
        let divisor = (self.dlm as u64) << 8 | self.dll as u64;
        let divisor = if divisor == 0 { 65_536 } else { divisor };
        let data = 5 + (self.lcr & 3) as u64;
        let parity = (self.lcr >> 3 & 1) as u64;
        let stop = 1 + (self.lcr >> 2 & 1) as u64;
        (1 + data + parity + stop) * 16 * divisor * 1_000_000_000 / 1_843_200
    }

    /// Modem input lines: wired to MCR outputs in loopback, else a connected, ready peer.
    fn modem_lines(&self) -> u8 {
        if self.loopback() {
            let m = self.mcr;
            // RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD.
            (m & 2) << 3 | (m & 1) << 5 | (m & 4) << 4 | (m & 8) << 4
        } else {
            0xB0
        }
    }

    fn update_modem_lines(&mut self) {
        let old = self.msr & 0xF0;
        let new = self.modem_lines();
        let changed = old ^ new;
        let mut delta = (changed >> 4) & 0x0B;
        // TERI is set on the trailing edge of RI only.
        if old & 0x40 != 0 && new & 0x40 == 0 {
            delta |= 0x04;
        }
        self.msr = new | (self.msr & 0x0F) | delta;
    }

    /// A byte arrives from the line. False if it was lost to an overrun.
    pub fn receive(&mut self, byte: u8) -> bool {
        if self.rx.len() >= self.capacity() {
            self.errors |= LSR_OE;
            return false;
        }
        self.rx.push_back(byte);
        true
    }

    pub fn lsr(&self) -> u8 {
        let dr = !self.rx.is_empty() as u8;
        // Transmission is immediate: the transmitter is always empty.
        dr | self.errors | LSR_THRE | LSR_TEMT
    }

    fn rda(&self) -> bool {
        let level = if self.fifo_enabled {
            self.trigger as usize
        } else {
            1
        };
        self.rx.len() >= level
    }

    /// The IIR identification of the highest-priority pending interrupt.
    pub fn iir_id(&self) -> u8 {
        if self.ier & IER_RLS != 0 && self.errors != 0 {
            IIR_RLS
        } else if self.ier & IER_RDA != 0 && self.rda() {
            IIR_RDA
        } else if self.ier & IER_RDA != 0 && self.timeout_pending && !self.rx.is_empty() {
            IIR_TIMEOUT
        } else if self.ier & IER_THRE != 0 && self.thre_pending {
            IIR_THRE
        } else if self.ier & IER_MSI != 0 && self.msr & 0x0F != 0 {
            IIR_MSI
        } else {
            IIR_NONE
        }
    }

    /// Whether the IRQ line is driven: an interrupt pending, and OUT2 enabling the PC's IRQ
    /// driver (OUT2 is forced inactive in loopback).
    pub fn irq_out(&self) -> bool {
        self.iir_id() != IIR_NONE && self.mcr & MCR_OUT2 != 0 && !self.loopback()
    }

    /// Reads a register (0–7).
    pub fn read(&mut self, reg: u8) -> u8 {
        let dlab = self.lcr & LCR_DLAB != 0;
        match reg & 7 {
            0 if dlab => self.dll,
            0 => {
                self.timeout_pending = false;
                self.rx.pop_front().unwrap_or(0)
            }
            1 if dlab => self.dlm,
            1 => self.ier,
            2 => {
                let id = self.iir_id();
                // Reading IIR with THRE as the source acknowledges it.
                if id == IIR_THRE {
                    self.thre_pending = false;
                }
                id | if self.fifo_enabled { 0xC0 } else { 0 }
            }
            3 => self.lcr,
            4 => self.mcr,
            5 => {
                let v = self.lsr();
                self.errors = 0;
                v
            }
            6 => {
                let v = self.msr;
                self.msr &= 0xF0;
                v
            }
            _ => self.scr,
        }
    }

    /// Writes a register (0–7). Returns a byte to transmit (a THR write outside loopback).
    pub fn write(&mut self, reg: u8, value: u8) -> Option<u8> {
        let dlab = self.lcr & LCR_DLAB != 0;
        match reg & 7 {
            0 if dlab => self.dll = value,
            0 => {
                self.thre_pending = false;
                if self.loopback() {
                    self.receive(value);
                } else {
                    return Some(value);
                }
            }
            1 if dlab => self.dlm = value,
            1 => {
                let enabling_thre = value & IER_THRE != 0 && self.ier & IER_THRE == 0;
                self.ier = value & 0x0F;
                // Enabling the THRE interrupt with the transmitter empty raises it at once.
                if enabling_thre {
                    self.thre_pending = true;
                }
            }
            2 => self.write_fcr(value),
            3 => self.lcr = value,
            4 => {
                self.mcr = value & 0x1F;
                self.update_modem_lines();
            }
            5 | 6 => {} // LSR and MSR are read-only (factory test writes ignored)
            _ => self.scr = value,
        }
        None
    }

    /// After a THR write has been sent: the holding register is empty again.
    pub fn transmitted(&mut self) {
        self.thre_pending = true;
    }

    fn write_fcr(&mut self, value: u8) {
        let enable = value & 1 != 0;
        if enable != self.fifo_enabled {
            // Changing the FIFO enable clears both FIFOs.
            self.rx.clear();
            self.fifo_enabled = enable;
        }
        if !enable {
            return;
        }
        if value & 2 != 0 {
            self.rx.clear();
            self.timeout_pending = false;
        }
        self.trigger = [1, 4, 8, 14][(value >> 6) as usize];
    }
}
