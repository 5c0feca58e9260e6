//! Dispatch of port and memory-window accesses to the devices, built from their manifests.

use std::sync::Arc;

use cloister_devices::pic::PicPair;
use cloister_shared::control::PortCounters;
use cloister_shared::plane::guest_ram::GuestRam;
use cloister_shared::plane::{PeerError, RingClient};
use cloister_shared::sys::memfd::SharedRegion;
use cloister_shared::{DeviceManifest, IoWidth, PortDevice};

use super::inline::{InlineBus, MachineLines};
use super::platform::Platform;

/// How the CPU reaches a device.
pub enum Link {
    /// Its own process, through its ring.
    Ring(RingClient),
    /// Called directly.
    Inline {
        device: Box<dyn PortDevice>,
        deadline: u64,
        regions: Vec<Arc<SharedRegion>>,
        ram: Option<GuestRam>,
        /// Where its host output goes.
        output: Option<std::fs::File>,
    },
}

/// One device as the CPU sees it.
pub struct Attached {
    pub manifest: DeviceManifest,
    pub link: Link,
    pub counters: PortCounters,
    irq_mask: u32,
    /// Last entry of the device's RAM-write log seen.
    dirty_seen: u32,
    resets_seen: u32,
    /// IRQ levels as last given to the PIC.
    levels_seen: u32,
    /// Whether its A20 gate and reset requests are obeyed.
    machine_lines: bool,
    /// Set once the device failed: later accesses are answered with all ones without asking.
    failed: bool,
}

const UNMAPPED: u16 = 0;
const PLATFORM: u16 = 0xFFFF;
const PIC: u16 = 0xFFFE;

/// A device failed in the middle of an access.
pub struct DeviceFault {
    pub device: String,
    pub error: PeerError,
}

/// Every port and memory window of the machine.
pub struct PortBus {
    /// Per port: 0 unmapped, else device index + 1 (or PLATFORM / PIC).
    route: Box<[u16]>,
    /// Per port: its slot in its device's manifest (for published registers).
    slot: Box<[u8]>,
    /// (start, end, device index) of each memory window.
    windows: Vec<(u32, u32, usize)>,
    pub devices: Vec<Attached>,
    pub platform: Platform,
    pub pic: PicPair,
    pub lines: MachineLines,
    pub fault: Option<DeviceFault>,
    pub unmapped_reads: u64,
    pub unmapped_writes: u64,
}

/// The manifests ask for something impossible.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// port {port:#x} is claimed by both `{first}` and `{second}`
    #[error("port {port:#x} is claimed by both `{first}` and `{second}`")]
    PortClash {
        port: u16,
        first: String,
        second: String,
    },
    /// device `{0}` claims more ports than a device may serve
    #[error("device `{0}` claims more than 256 ports")]
    TooManyPorts(String),
    /// device `{0}` claims a memory window outside the legacy hole A0000–FFFFF
    #[error("device `{0}` claims a memory window outside the legacy hole A0000–FFFFF")]
    BadWindow(String),
}

impl PortBus {
    pub fn new(platform: Platform, pic: PicPair) -> Self {
        let mut route = vec![UNMAPPED; 65536].into_boxed_slice();
        for p in 0..=u16::MAX {
            if Platform::serves(p) {
                route[p as usize] = PLATFORM;
            }
        }
        for r in pic.manifest().ports {
            for p in r.iter() {
                route[p as usize] = PIC;
            }
        }
        PortBus {
            route,
            slot: vec![0; 65536].into_boxed_slice(),
            windows: Vec::new(),
            devices: Vec::new(),
            platform,
            pic,
            lines: MachineLines::default(),
            fault: None,
            unmapped_reads: 0,
            unmapped_writes: 0,
        }
    }

    /// Routes a device's ports and windows to it.
    pub fn attach(
        &mut self,
        manifest: DeviceManifest,
        link: Link,
        machine_lines: bool,
    ) -> Result<(), DispatchError> {
        let index = self.devices.len();
        let id = index as u16 + 1;
        let mut slot = 0usize;
        for r in &manifest.ports {
            for p in r.iter() {
                match self.route[p as usize] {
                    UNMAPPED => {}
                    other => {
                        let first = match other {
                            PLATFORM => "platform".to_owned(),
                            PIC => "pic".to_owned(),
                            i => self.devices[i as usize - 1].manifest.name.clone(),
                        };
                        return Err(DispatchError::PortClash {
                            port: p,
                            first,
                            second: manifest.name.clone(),
                        });
                    }
                }
                if slot > 255 {
                    return Err(DispatchError::TooManyPorts(manifest.name.clone()));
                }
                self.route[p as usize] = id;
                self.slot[p as usize] = slot as u8;
                slot += 1;
            }
        }
        for w in &manifest.mem_windows {
            let end = w
                .start
                .checked_add(w.len)
                .filter(|&e| w.start >= super::memory::HOLE_START && e <= super::memory::HOLE_END);
            let Some(end) = end else {
                return Err(DispatchError::BadWindow(manifest.name.clone()));
            };
            self.windows.push((w.start, end, index));
        }
        let irq_mask = manifest.irq_mask();
        let resets_seen = match &link {
            Link::Ring(c) => c.machine_lines().1,
            Link::Inline { .. } => 0,
        };
        self.devices.push(Attached {
            manifest,
            link,
            counters: PortCounters::default(),
            irq_mask,
            dirty_seen: 0,
            resets_seen,
            levels_seen: 0,
            machine_lines,
            failed: false,
        });
        Ok(())
    }

    /// IN.
    #[inline]
    pub fn read(&mut self, port: u16, width: IoWidth) -> u32 {
        match self.route[port as usize] {
            UNMAPPED => {
                self.unmapped_reads += 1;
                tracing::debug!("read of unserved port {port:#06x}");
                width.mask()
            }
            PLATFORM => self.platform.read(port) & width.mask(),
            PIC => self.pic.read_port(port) as u32,
            id => {
                let slot = self.slot[port as usize] as usize;
                let i = id as usize - 1;
                self.device_read(i, slot, port, width)
            }
        }
    }

    fn device_read(&mut self, i: usize, slot: usize, port: u16, width: IoWidth) -> u32 {
        let mut round_trip = false;
        let v = self.call(
            i,
            |client, counters| match client.published_read(slot, port, width)? {
                Some(v) => {
                    counters.published_reads += 1;
                    Ok(v)
                }
                None => {
                    counters.reads += 1;
                    round_trip = true;
                    client.read(port, width)
                }
            },
            |device, bus, counters| {
                counters.reads += 1;
                device.io_read(port, width, bus) & width.mask()
            },
        );
        if round_trip {
            // The moment a device's reaction (an IRQ, A20) becomes visible: a guest that polls a
            // status port and then waits for the IRQ must find it raised.
            self.poll_device(i);
        }
        v.unwrap_or(width.mask())
    }

    /// Reaches device `i` through its link: `ring` for a device in its own process, `inline` for
    /// one called directly with the bus it sees. A device that failed is not asked again; its
    /// first failure is recorded ([`PortBus::fault`]) and `None` returned.
    #[inline]
    fn call<R>(
        &mut self,
        i: usize,
        ring: impl FnOnce(&mut RingClient, &mut PortCounters) -> Result<R, PeerError>,
        inline: impl FnOnce(&mut dyn PortDevice, &mut InlineBus, &mut PortCounters) -> R,
    ) -> Option<R> {
        let (dev, pic, lines) = (&mut self.devices[i], &mut self.pic, &mut self.lines);
        if dev.failed {
            return None;
        }
        let result = match &mut dev.link {
            Link::Ring(client) => ring(client, &mut dev.counters),
            Link::Inline {
                device,
                deadline,
                regions,
                ram,
                ..
            } => {
                let mut bus = InlineBus {
                    pic,
                    ram: ram.as_ref(),
                    regions,
                    deadline,
                    lines,
                    irq_mask: dev.irq_mask,
                };
                Ok(inline(device.as_mut(), &mut bus, &mut dev.counters))
            }
        };
        self.settle(i, result)
    }

    /// OUT.
    #[inline]
    pub fn write(&mut self, port: u16, width: IoWidth, value: u32) {
        match self.route[port as usize] {
            UNMAPPED => {
                self.unmapped_writes += 1;
                tracing::debug!("write of {value:#x} to unserved port {port:#06x}");
            }
            PLATFORM => self.platform.write(port, value & width.mask()),
            PIC => {
                // The PIC's registers are bytes; a word write reaches the next port too.
                for (k, b) in value
                    .to_le_bytes()
                    .iter()
                    .take(width.bytes() as usize)
                    .enumerate()
                {
                    self.pic.write_port(port.wrapping_add(k as u16), *b);
                }
            }
            id => {
                let i = id as usize - 1;
                let value = value & width.mask();
                // The device that drives A20 and reset: its effect must be in place before the
                // next instruction, so wait for it (rare, cheap traffic).
                let sync = self.devices[i].machine_lines;
                self.call(
                    i,
                    |client, counters| {
                        counters.writes += 1;
                        client.write(port, width, value)?;
                        if sync {
                            client.sync()?;
                        }
                        Ok(())
                    },
                    |device, bus, counters| {
                        counters.writes += 1;
                        device.io_write(port, width, value, bus)
                    },
                );
                if sync && matches!(self.devices[i].link, Link::Ring(_)) {
                    self.poll_device(i);
                }
            }
        }
    }

    /// `REP INS` (`to_ram`) or `REP OUTS` as one transfer, if the port's device maps guest RAM.
    pub fn block(
        &mut self,
        to_ram: bool,
        port: u16,
        width: IoWidth,
        addr: u32,
        count: u32,
        backward: bool,
    ) -> Option<u32> {
        let id = self.route[port as usize];
        if id == UNMAPPED || id == PLATFORM || id == PIC {
            return None;
        }
        let i = id as usize - 1;
        if !self.devices[i].manifest.guest_ram {
            return None;
        }
        let moved = self.call(
            i,
            |client, counters| {
                counters.block_transfers += 1;
                client.block(to_ram, port, width, addr as u64, count, backward)
            },
            |device, bus, counters| {
                counters.block_transfers += 1;
                let moved = if to_ram {
                    device.io_read_block(port, width, addr as u64, count, backward, bus)
                } else {
                    device.io_write_block(port, width, addr as u64, count, backward, bus)
                };
                moved.min(count)
            },
        )?;
        if matches!(self.devices[i].link, Link::Ring(_)) {
            self.poll_device(i);
        }
        Some(moved)
    }

    /// The device serving physical address `addr` in the hole, if any.
    #[inline]
    pub fn window(&self, addr: u32) -> Option<usize> {
        self.windows
            .iter()
            .find(|w| addr >= w.0 && addr < w.1)
            .map(|w| w.2)
    }

    pub fn mem_read(&mut self, i: usize, addr: u32, width: IoWidth) -> u32 {
        self.call(
            i,
            |client, counters| {
                counters.mem_reads += 1;
                client.mem_read(addr, width)
            },
            |device, bus, counters| {
                counters.mem_reads += 1;
                device.mem_read(addr, width, bus) & width.mask()
            },
        )
        .unwrap_or(width.mask())
    }

    pub fn mem_write(&mut self, i: usize, addr: u32, width: IoWidth, value: u32) {
        self.call(
            i,
            |client, counters| {
                counters.mem_writes += 1;
                client.mem_write(addr, width, value)
            },
            |device, bus, counters| {
                counters.mem_writes += 1;
                device.mem_write(addr, width, value, bus)
            },
        );
    }

    /// Records a device's failure (the first one ends the machine).
    fn settle<T>(&mut self, i: usize, result: Result<T, PeerError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(error) => {
                let dev = &mut self.devices[i];
                dev.failed = true;
                if self.fault.is_none() {
                    self.fault = Some(DeviceFault {
                        device: dev.manifest.name.clone(),
                        error,
                    });
                }
                None
            }
        }
    }

    /// Shows every device the writes posted to it so far (see `RingClient::flush`).
    pub fn flush(&mut self) {
        for dev in &mut self.devices {
            if let Link::Ring(client) = &mut dev.link {
                client.flush();
            }
        }
    }

    /// Whether some device process has been shown work it has not finished.
    pub fn any_in_flight(&self) -> bool {
        self.devices.iter().any(|d| match &d.link {
            Link::Ring(c) => !d.failed && c.in_flight(),
            Link::Inline { .. } => false,
        })
    }

    /// Brings in what ring devices signalled: IRQ lines, RAM they wrote, A20 and resets.
    pub fn poll_lines(&mut self) {
        for i in 0..self.devices.len() {
            if matches!(self.devices[i].link, Link::Ring(_)) {
                self.poll_device(i);
            }
        }
    }

    fn poll_device(&mut self, i: usize) {
        let dev = &mut self.devices[i];
        let Link::Ring(client) = &dev.link else {
            return;
        };
        let (levels, edges) = client.irq_lines();
        let (levels, edges) = (levels & dev.irq_mask, edges & dev.irq_mask);
        dev.levels_seen = levels;
        // RAM writes are logged before the IRQ that announces them, so read the log after it.
        match client.ram_writes(&mut dev.dirty_seen) {
            Some(ranges) => self.lines.dirty.extend(ranges),
            None => self.lines.dirty.push((0, u32::MAX)),
        }
        let (a20, resets) = client.machine_lines();
        if dev.machine_lines {
            if let Some(a) = a20 {
                self.lines.a20 = Some(a);
            }
            if resets != dev.resets_seen {
                self.lines.reset_requested = true;
            }
        }
        dev.resets_seen = resets;
        let mut m = dev.irq_mask;
        while m != 0 {
            let line = m.trailing_zeros() as u8;
            m &= m - 1;
            if edges & (1 << line) != 0 {
                self.pic.set_irq(line, false);
                self.pic.set_irq(line, true);
            }
            self.pic.set_irq(line, levels & (1 << line) != 0);
        }
    }

    /// Whether any ring device has raised an IRQ line or an edge since the last poll (a cheap
    /// look, for the halted CPU's wait).
    pub fn any_irq_signalled(&self) -> bool {
        self.devices.iter().any(|d| match &d.link {
            Link::Ring(c) => {
                let (levels, edges) = c.peek_irq_lines();
                ((levels ^ d.levels_seen) | edges) & d.irq_mask != 0
            }
            Link::Inline { .. } => false,
        })
    }

    /// Calls `f` with every inline device that `pick` selects and the bus it sees.
    fn each_inline(
        &mut self,
        pick: impl Fn(&Attached) -> bool,
        mut f: impl FnMut(&mut dyn PortDevice, &mut InlineBus),
    ) {
        for dev in self.devices.iter_mut().filter(|d| pick(d)) {
            let irq_mask = dev.irq_mask;
            if let Link::Inline {
                device,
                deadline,
                regions,
                ram,
                ..
            } = &mut dev.link
            {
                let mut bus = InlineBus {
                    pic: &mut self.pic,
                    ram: ram.as_ref(),
                    regions,
                    deadline,
                    lines: &mut self.lines,
                    irq_mask,
                };
                f(device.as_mut(), &mut bus);
            }
        }
    }

    /// Runs the timers of inline devices that are due; the earliest deadline left.
    pub fn run_inline_timers(&mut self, now: u64) -> u64 {
        let mut next = u64::MAX;
        self.each_inline(
            |_| true,
            |device, bus| {
                if *bus.deadline <= now {
                    *bus.deadline = u64::MAX;
                    device.timer(now, bus);
                }
                next = next.min(*bus.deadline);
            },
        );
        next
    }

    /// Delivers host input (keys, serial bytes) to an inline device.
    pub fn host_input(&mut self, name: &str, input: &cloister_shared::HostInput) {
        self.each_inline(
            |d| d.manifest.name == name,
            |device, bus| device.host_input(input, bus),
        );
    }

    /// Moves what inline devices produced for the host (serial bytes) to their outputs.
    pub fn drain_inline_output(&mut self) {
        let mut buf = Vec::new();
        for dev in &mut self.devices {
            if let Link::Inline {
                device,
                output: Some(out),
                ..
            } = &mut dev.link
            {
                device.take_host_output(&mut buf);
                if !buf.is_empty() {
                    use std::io::Write;
                    let _ = out.write_all(&buf);
                    buf.clear();
                }
            }
        }
    }

    /// Calls `start` on inline devices (device processes call it themselves).
    pub fn start_inline(&mut self) {
        self.each_inline(|_| true, |device, bus| device.start(bus));
    }
}
