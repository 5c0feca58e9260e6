//! The serial group: a 16550A UART (COM1 at 3F8h, IRQ4 by default). Transmitted bytes go to an
//! outbox the host drains; bytes from the host wait in an inbox and enter the receive FIFO as
//! the guest makes room, as if the peer honoured flow control.

mod state;
#[cfg(test)]
mod tests;
mod uart;

use std::collections::VecDeque;

use cloister_shared::{
    DeviceBus, DeviceManifest, HostInput, IoWidth, PortDevice, PortRange, Published, StateError,
};

use uart::{Uart, LCR_DLAB, LSR_ERRORS};

/// Bytes kept for the host (it drains them after every batch) before more are dropped; with
/// the inbox, small enough for the saved state to fit the data plane's 128 KiB.
const OUTBOX_LIMIT: usize = 1 << 16;
/// Bytes from the host kept before more are refused.
const INBOX_LIMIT: usize = 1 << 14;

pub struct Serial {
    base: u16,
    irq: u8,
    uart: Uart,
    inbox: VecDeque<u8>,
    outbox: Vec<u8>,
    irq_level: bool,
    /// When the character timeout fires if nothing moves in the receive FIFO.
    timeout_at: Option<u64>,
    published: [Option<Published>; 8],
}

impl Default for Serial {
    fn default() -> Self {
        Self::new()
    }
}

impl Serial {
    /// COM1: 3F8h, IRQ4.
    pub fn new() -> Self {
        Self::with_port(0x3F8, 4)
    }

    /// A UART at `base` (8 ports) on IRQ `irq` (COM2 is 2F8h, IRQ3).
    pub fn with_port(base: u16, irq: u8) -> Self {
        Serial {
            base,
            irq,
            uart: Uart::new(),
            inbox: VecDeque::new(),
            outbox: Vec::new(),
            irq_level: false,
            timeout_at: None,
            published: [None; 8],
        }
    }

    pub fn manifest(&self) -> DeviceManifest {
        DeviceManifest {
            name: "serial".into(),
            ports: vec![PortRange::new(self.base, 8)],
            irqs: vec![self.irq],
            mem_windows: vec![],
            guest_ram: false,
            regions: vec![],
        }
    }

    /// Takes the bytes the guest transmitted since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.outbox)
    }

    /// Bytes arriving from the host. Returns how many were accepted (the rest do not fit).
    pub fn push_input(&mut self, bytes: &[u8], bus: &mut dyn DeviceBus) -> usize {
        let n = bytes
            .len()
            .min(INBOX_LIMIT.saturating_sub(self.inbox.len()));
        self.inbox.extend(&bytes[..n]);
        self.refill(bus.now_ns());
        self.settle(bus);
        n
    }

    /// Moves waiting host bytes into the receive FIFO (not in loopback: the line is cut).
    fn refill(&mut self, now: u64) {
        let mut moved = false;
        while !self.uart.loopback() && self.uart.rx_space() > 0 {
            let Some(b) = self.inbox.pop_front() else {
                break;
            };
            self.uart.receive(b);
            moved = true;
        }
        if moved {
            self.restart_timeout(now);
        }
    }

    fn restart_timeout(&mut self, now: u64) {
        self.timeout_at = (self.uart.fifo_enabled && !self.uart.rx.is_empty())
            .then(|| now + 4 * self.uart.char_ns());
    }

    /// Drives the IRQ line, republishes changed registers and asks for the timeout wake-up.
    fn settle(&mut self, bus: &mut dyn DeviceBus) {
        self.update_irq(bus);
        let u = &self.uart;
        let dlab = u.lcr & LCR_DLAB != 0;
        let lsr = u.lsr();
        let values = [
            dlab.then_some(u.dll),
            Some(if dlab { u.dlm } else { u.ier }),
            None, // IIR: a read acknowledges THRE
            Some(u.lcr),
            Some(u.mcr),
            (lsr & LSR_ERRORS == 0).then_some(lsr), // a read clears the error bits
            (u.msr & 0x0F == 0).then_some(u.msr),   // a read clears the deltas
            Some(u.scr),
        ];
        for (i, v) in values.into_iter().enumerate() {
            let p = v.map_or(Published::None, |v| Published::Static(v as u32));
            if self.published[i] != Some(p) {
                self.published[i] = Some(p);
                bus.publish(self.base + i as u16, p, false);
            }
        }
        bus.request_timer(self.timeout_at.unwrap_or(u64::MAX));
    }

    fn update_irq(&mut self, bus: &mut dyn DeviceBus) {
        let level = self.uart.irq_out();
        if level != self.irq_level {
            self.irq_level = level;
            bus.set_irq(self.irq, level);
        }
    }

    fn read_reg(&mut self, reg: u8, bus: &mut dyn DeviceBus) -> u8 {
        let now = bus.now_ns();
        let is_rbr = reg == 0 && self.uart.lcr & LCR_DLAB == 0;
        let value = self.uart.read(reg);
        if is_rbr {
            // Let the line fall before the next byte raises it again: an edge per byte.
            self.update_irq(bus);
            self.refill(now);
            self.restart_timeout(now);
        }
        self.settle(bus);
        value
    }

    fn write_reg(&mut self, reg: u8, value: u8, bus: &mut dyn DeviceBus) {
        let now = bus.now_ns();
        let is_thr = reg == 0 && self.uart.lcr & LCR_DLAB == 0;
        let sent = self.uart.write(reg, value);
        if is_thr {
            self.update_irq(bus);
            if let Some(byte) = sent {
                if self.outbox.len() < OUTBOX_LIMIT {
                    self.outbox.push(byte);
                }
            } else {
                self.restart_timeout(now);
            }
            self.uart.transmitted();
        }
        if reg == 2 || reg == 4 {
            // FIFO or loopback changes move what the FIFO can take.
            self.refill(now);
            self.restart_timeout(now);
        }
        self.settle(bus);
    }
}

impl PortDevice for Serial {
    fn io_read(&mut self, port: u16, width: IoWidth, bus: &mut dyn DeviceBus) -> u32 {
        (0..width.bytes()).fold(0, |v, i| {
            let reg = port.wrapping_add(i as u16).wrapping_sub(self.base);
            let b = if reg < 8 {
                self.read_reg(reg as u8, bus)
            } else {
                0xFF
            };
            v | (b as u32) << (8 * i)
        })
    }

    fn io_write(&mut self, port: u16, width: IoWidth, value: u32, bus: &mut dyn DeviceBus) {
        for i in 0..width.bytes() {
            let reg = port.wrapping_add(i as u16).wrapping_sub(self.base);
            if reg < 8 {
                self.write_reg(reg as u8, (value >> (8 * i)) as u8, bus);
            }
        }
    }

    fn timer(&mut self, now_ns: u64, bus: &mut dyn DeviceBus) {
        if self.timeout_at.is_some_and(|t| t <= now_ns) {
            self.timeout_at = None;
            if !self.uart.rx.is_empty() {
                self.uart.timeout_pending = true;
            }
        }
        self.settle(bus);
    }

    fn host_input(&mut self, input: &HostInput, bus: &mut dyn DeviceBus) {
        if let HostInput::Bytes(bytes) = input {
            self.push_input(bytes, bus);
        }
    }

    fn take_host_output(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.outbox);
    }

    fn start(&mut self, bus: &mut dyn DeviceBus) {
        self.published = [None; 8];
        self.irq_level = !self.uart.irq_out();
        self.settle(bus);
    }

    fn save(&self) -> Vec<u8> {
        state::save(self)
    }

    fn restore(&mut self, bytes: &[u8]) -> Result<(), StateError> {
        state::restore(self, bytes)
    }
}
