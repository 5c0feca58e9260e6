//! The timer group, one process: the 8254 PIT (40h–43h) with port 61h (channel 2 gate, speaker
//! data, refresh toggle, channel 2 OUT), and the RTC/CMOS (70h–71h).
//!
//! IRQ0 is an edge at each rising edge of channel 0's OUT. The counters are computed from the
//! clock, so the only wake-ups asked for are the next IRQ0 edge, the next enabled RTC event, and
//! a pending channel 2 reload (which changes what port 61h publishes).

mod state;
#[cfg(test)]
mod tests;

use cloister_shared::{
    DeviceBus, DeviceManifest, IoWidth, PortDevice, PortRange, Published, StateError,
};

use crate::cmos::{self, Cmos, MachineConfig};
use crate::pit::{self, ns_to_ticks, ticks_to_ns, Pit};

pub const IRQ_PIT: u8 = 0;
pub const IRQ_RTC: u8 = cmos::IRQ;
/// The shortest gap between IRQ0 wake-ups: past ~20 kHz, edges are coalesced.
const MIN_WAKE_NS: u64 = 50_000;
/// IRQ0 edges a late wake-up found beyond the first are delivered afterwards, this far apart
/// and at most this many, so a briefly descheduled process does not lose the guest's ticks.
const CATCH_UP_NS: u64 = 200_000;
const MAX_OWED: u8 = 8;

pub struct Timer {
    pit: Pit,
    cmos: Cmos,
    /// Port 61h bits 0–3: channel 2 gate, speaker data, parity and I/O check enables.
    port61: u8,
    /// IRQ0 edges up to this PIT tick have been delivered.
    irq0_until: u64,
    /// IRQ0 edges that passed while the process was late, still to be delivered.
    irq0_owed: u8,
}

impl Timer {
    pub fn new(cfg: &MachineConfig) -> Self {
        Timer {
            pit: Pit::new(),
            cmos: Cmos::new(cfg),
            port61: 0,
            irq0_until: 0,
            irq0_owed: 0,
        }
    }

    pub fn manifest(&self) -> DeviceManifest {
        DeviceManifest {
            name: "timer".into(),
            ports: vec![
                PortRange::new(0x40, 4),
                PortRange::new(0x61, 1),
                PortRange::new(0x70, 2),
            ],
            irqs: vec![IRQ_PIT, IRQ_RTC],
            mem_windows: vec![],
            guest_ram: false,
            regions: vec![],
        }
    }

    /// Whether the speaker is sounding: data bit and gate on, and channel 2's OUT high.
    pub fn speaker_on(&mut self, now_ns: u64) -> bool {
        self.port61 & 3 == 3 && self.pit.out(2, ns_to_ticks(now_ns))
    }

    /// Delivers an IRQ0 edge if channel 0's OUT rose since the last look (or one still owed).
    fn service_irq0(&mut self, now: u64, bus: &mut dyn DeviceBus) {
        let t = ns_to_ticks(now);
        let mut cursor = self.irq0_until;
        let mut edges = 0u8;
        while edges <= MAX_OWED {
            match self.pit.channels[0].next_rising_edge(cursor) {
                Some(edge) if edge <= t => {
                    edges += 1;
                    cursor = edge;
                }
                _ => break,
            }
        }
        let due = self.irq0_owed as u16 + edges as u16;
        if due > 0 {
            bus.pulse_irq(IRQ_PIT);
            self.irq0_owed = (due - 1).min(MAX_OWED as u16) as u8;
        }
        self.irq0_until = self.irq0_until.max(t);
    }

    fn service_rtc(&mut self, now: u64, bus: &mut dyn DeviceBus) {
        if let Some(level) = self.cmos.catch_up(now) {
            bus.set_irq(IRQ_RTC, level);
        }
    }

    fn reschedule(&mut self, now: u64, bus: &mut dyn DeviceBus) {
        // From the last edge delivered, not from now: an access between an edge and the
        // wake-up for it must not push the wake-up past the edge (a guest polling the RTC
        // would otherwise never see a tick).
        let irq0 =
            self.pit.channels[0]
                .next_rising_edge(self.irq0_until)
                .map(|e| match ticks_to_ns(e) {
                    due if due <= now => now,
                    due => due.max(now + MIN_WAKE_NS),
                });
        let irq0 = if self.irq0_owed > 0 {
            Some(irq0.map_or(now + CATCH_UP_NS, |d| d.min(now + CATCH_UP_NS)))
        } else {
            irq0
        };
        let reload2 = self.pit.channels[2].pending_tick().map(ticks_to_ns);
        let rtc = self.cmos.next_event(now);
        let deadline = [irq0, reload2, rtc]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(u64::MAX);
        bus.request_timer(deadline);
    }

    fn publish61(&mut self, now: u64, bus: &mut dyn DeviceBus) {
        let out2 = self.pit.out2_published(ns_to_ticks(now));
        bus.publish(0x61, pit::port61_published(self.port61, out2), false);
    }

    /// 71h is published while the index points at plain NVRAM or register A (see
    /// [`Cmos::published_data`]), so polling the update flag costs no round trip.
    fn publish71(&mut self, now: u64, bus: &mut dyn DeviceBus) {
        let value = self.cmos.published_data(now);
        bus.publish(0x71, value, false);
    }

    fn read_port61(&mut self, now: u64) -> u8 {
        let out2 = self.pit.out2_published(ns_to_ticks(now));
        let value = pit::port61_published(self.port61, out2)
            .evaluate(now)
            .unwrap_or(0);
        value as u8
    }

    fn read_byte(&mut self, port: u16, bus: &mut dyn DeviceBus) -> u8 {
        let now = bus.now_ns();
        match port {
            0x40..=0x43 => self.pit.read(port, ns_to_ticks(now)),
            0x61 => self.read_port61(now),
            0x71 => {
                let (value, irq) = self.cmos.read_data(now);
                if let Some(level) = irq {
                    bus.set_irq(IRQ_RTC, level);
                    // Reading C re-arms the flags: the next event needs a wake-up again.
                    self.reschedule(now, bus);
                }
                value
            }
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, value: u8, bus: &mut dyn DeviceBus) {
        let now = bus.now_ns();
        match port {
            0x40..=0x43 => {
                self.service_irq0(now, bus);
                self.pit.write(port, value, ns_to_ticks(now));
                // Ticks of the old programming are not owed under the new one.
                if port == 0x40 || (port == 0x43 && value >> 6 == 0) {
                    self.irq0_owed = 0;
                }
                self.publish61(now, bus);
            }
            0x61 => {
                self.port61 = value & 0x0F;
                self.pit.set_gate2(value & 1 != 0, ns_to_ticks(now));
                self.publish61(now, bus);
            }
            0x70 => {
                self.cmos.write_index(value);
                self.publish71(now, bus);
            }
            0x71 => {
                self.service_rtc(now, bus);
                if let Some(level) = self.cmos.write_data(value, now) {
                    bus.set_irq(IRQ_RTC, level);
                }
                self.publish71(now, bus);
            }
            _ => return,
        }
        self.reschedule(now, bus);
    }
}

impl PortDevice for Timer {
    fn io_read(&mut self, port: u16, width: IoWidth, bus: &mut dyn DeviceBus) -> u32 {
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
        self.service_irq0(now_ns, bus);
        self.service_rtc(now_ns, bus);
        // Port 61h's waveform only changes unforeseen at a channel 2 reload.
        if self.pit.channels[2]
            .pending_tick()
            .is_some_and(|p| ticks_to_ns(p) <= now_ns)
        {
            self.publish61(now_ns, bus);
        }
        self.reschedule(now_ns, bus);
    }

    fn start(&mut self, bus: &mut dyn DeviceBus) {
        let now = bus.now_ns();
        // The RTC starts counting from its configured time now, not at the first access.
        self.cmos.anchor(now);
        // Reads of 40h–42h move flip-flops: never published.
        for port in [0x40, 0x41, 0x42, 0x43, 0x70] {
            bus.publish(port, Published::None, false);
        }
        self.publish61(now, bus);
        self.publish71(now, bus);
        self.irq0_until = self.irq0_until.max(ns_to_ticks(now).saturating_sub(1));
        self.reschedule(now, bus);
    }

    fn save(&self) -> Vec<u8> {
        state::save(self)
    }

    fn restore(&mut self, bytes: &[u8]) -> Result<(), StateError> {
        state::restore(self, bytes)
    }
}
