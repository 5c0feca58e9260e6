//! Runs a [`PortDevice`] behind its ring: the body of a device process.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use super::entry::{Request, RequestKind};
use super::guest_ram::GuestRam;
use super::server::{Polled, RingServer};
use super::{now_ns, RING_ENTRIES};
use crate::control::{self, ControlError, Fault, ToDevice};
use crate::io::{DeviceBus, Hold, Published};
use crate::manifest::DeviceManifest;
use crate::sys::memfd::SharedRegion;
use crate::PortDevice;

/// The longest a device sleeps without looking at its control channel.
const MAX_SLEEP: Duration = Duration::from_millis(100);
/// A device that answered a read this recently (a guest talking to it: a floppy command's
/// status and result bytes) keeps looking for work a while longer before it sleeps, yielding
/// its core meanwhile: waking a sleeping process costs 70 µs or more on our machines, and a
/// FreeDOS boot asks a sleeping disk controller several hundred times.
const ASKED_RECENTLY_NS: u64 = 2_000_000;
const YIELD_WHEN_ASKED: Duration = Duration::from_micros(300);

/// [`DeviceBus`] for a device in its own process: everything goes through shared memory.
pub struct HostBus {
    pub server: RingServer,
    manifest: DeviceManifest,
    irq_mask: u32,
    guest_ram: Option<GuestRam>,
    regions: Vec<Arc<SharedRegion>>,
    deadline: u64,
}

impl HostBus {
    pub fn new(
        server: RingServer,
        manifest: DeviceManifest,
        guest_ram: Option<GuestRam>,
        regions: Vec<Arc<SharedRegion>>,
    ) -> Self {
        let irq_mask = manifest.irq_mask();
        HostBus {
            server,
            manifest,
            irq_mask,
            guest_ram,
            regions,
            deadline: u64::MAX,
        }
    }
}

impl DeviceBus for HostBus {
    fn set_irq(&mut self, line: u8, level: bool) {
        let bit = 1u32.checked_shl(line as u32).unwrap_or(0) & self.irq_mask;
        if bit != 0 {
            self.server.set_irq_lines(bit, level);
        }
    }
    fn pulse_irq(&mut self, line: u8) {
        let bit = 1u32.checked_shl(line as u32).unwrap_or(0) & self.irq_mask;
        if bit != 0 {
            self.server.pulse_irq_lines(bit);
        }
    }
    fn now_ns(&self) -> u64 {
        now_ns()
    }
    fn read_ram(&mut self, addr: u64, buf: &mut [u8]) -> bool {
        self.guest_ram.as_ref().is_some_and(|r| r.read(addr, buf))
    }
    fn write_ram(&mut self, addr: u64, buf: &[u8]) -> bool {
        let ok = self.guest_ram.as_ref().is_some_and(|r| r.write(addr, buf));
        if ok {
            self.server.log_ram_write(addr, buf.len() as u64);
        }
        ok
    }
    fn publish(&mut self, port: u16, value: Published, notify: bool) {
        self.publish_held(port, value, notify, None);
    }
    fn publish_held(&mut self, port: u16, value: Published, notify: bool, hold: Option<Hold>) {
        if let Some(slot) = self.manifest.port_slot(port) {
            self.server.publish(slot, value, notify, hold);
        }
    }
    fn set_a20(&mut self, enabled: bool) {
        self.server.set_a20(enabled);
    }
    fn request_reset(&mut self) {
        self.server.request_reset();
    }
    fn request_timer(&mut self, at_ns: u64) {
        self.deadline = at_ns;
    }
    fn region(&mut self, index: usize) -> Option<&mut [u8]> {
        self.regions.get(index).map(|r| r.bytes_mut())
    }
}

/// Applies one request to the device; the answer for a round trip.
pub fn dispatch(
    device: &mut dyn PortDevice,
    req: &Request,
    bus: &mut dyn DeviceBus,
) -> Option<u32> {
    match req.kind {
        RequestKind::IoWrite => {
            device.io_write(req.port, req.width, req.value & req.width.mask(), bus);
            None
        }
        RequestKind::IoRead => Some(device.io_read(req.port, req.width, bus) & req.width.mask()),
        RequestKind::MemWrite => {
            device.mem_write(
                req.addr as u32,
                req.width,
                req.value & req.width.mask(),
                bus,
            );
            None
        }
        RequestKind::MemRead => {
            Some(device.mem_read(req.addr as u32, req.width, bus) & req.width.mask())
        }
        RequestKind::IoReadBlock => Some(
            device
                .io_read_block(req.port, req.width, req.addr, req.value, req.backward, bus)
                .min(req.value),
        ),
        RequestKind::IoWriteBlock => Some(
            device
                .io_write_block(req.port, req.width, req.addr, req.value, req.backward, bus)
                .min(req.value),
        ),
        RequestKind::ReadNotify => {
            device.read_notify(req.port, req.width, bus);
            None
        }
    }
}

/// Why a device stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// the control channel failed: {0}
    #[error("the control channel failed: {0}")]
    Control(#[from] ControlError),
    /// could not write the device's output: {0}
    #[error("could not write the device's output: {0}")]
    Output(std::io::Error),
}

/// Serves the ring until the supervisor says quit. Requests whose port or window the device
/// does not serve are answered with all ones and otherwise ignored (the CPU only sends what the
/// manifest routes here, so this is a scribbled ring, not a guest access).
pub fn serve(
    device: &mut dyn PortDevice,
    bus: &mut HostBus,
    control: &mut UnixStream,
    mut output: Option<std::fs::File>,
    mut fault: Option<Fault>,
) -> Result<(), HostError> {
    if let Some((state, _covers)) = bus.server.committed_state() {
        // A replacement: carry on from the last commit; the ring replays what came after.
        if let Err(e) = device.restore(&state) {
            tracing::warn!("committed state not loaded, starting fresh: {e}");
        }
    }
    device.start(bus);
    // From zero, not the count now: a message sent while this process was starting (a machine
    // can end before every device is up) rang before we could look, and must still be read.
    let mut control_seen = 0;
    let mut out = Vec::new();
    // When the device last answered a read: a guest that asked once is likely to ask again.
    let mut last_answer = 0u64;
    loop {
        loop {
            match bus.server.poll() {
                Polled::Request(req) => {
                    if req.kind.is_round_trip() {
                        if let Some(f) = fault {
                            if inject(f, bus) {
                                fault = None;
                                continue;
                            }
                            fault = None;
                        }
                    }
                    let answer = if serves(&bus.manifest, &req) {
                        dispatch(device, &req, bus)
                    } else {
                        req.kind.is_round_trip().then_some(!0)
                    };
                    if req.kind.is_round_trip() {
                        last_answer = now_ns();
                    }
                    bus.server.complete(answer);
                    if bus.server.uncommitted() >= RING_ENTRIES / 2 {
                        bus.server.commit(&device.save());
                    }
                }
                Polled::Malformed => {
                    tracing::warn!("malformed ring entry skipped");
                    bus.server.complete(Some(!0));
                }
                Polled::Empty => break,
            }
        }
        if now_ns() >= bus.deadline {
            bus.deadline = u64::MAX;
            device.timer(now_ns(), bus);
        }
        device.take_host_output(&mut out);
        if !out.is_empty() {
            if let Some(f) = output.as_mut() {
                f.write_all(&out).map_err(HostError::Output)?;
            }
            out.clear();
        }
        let rung = bus.server.control_rings();
        if rung != control_seen {
            control_seen = rung;
            while let Some(msg) = control::try_recv::<ToDevice>(control)? {
                match msg {
                    ToDevice::Input(input) => device.host_input(&input, bus),
                    ToDevice::Quit => {
                        bus.server.commit(&device.save());
                        return Ok(());
                    }
                }
            }
            continue;
        }
        if bus.server.has_work() {
            continue;
        }
        if bus.deadline > now_ns()
            && !bus.server.spin_for_work()
            && !(now_ns().saturating_sub(last_answer) < ASKED_RECENTLY_NS
                && bus.server.yield_for_work(YIELD_WHEN_ASKED))
        {
            // Idle: make what we did durable before sleeping.
            if bus.server.uncommitted() > 0 {
                bus.server.commit(&device.save());
            }
            let until_deadline = Duration::from_nanos(bus.deadline.saturating_sub(now_ns()));
            bus.server
                .sleep_for_work(until_deadline.min(MAX_SLEEP), control_seen);
        }
    }
}

/// Misbehaves as asked. True if the request must be left unanswered.
fn inject(fault: Fault, bus: &mut HostBus) -> bool {
    use std::sync::atomic::Ordering::Release;
    let r = bus.server.region();
    match fault {
        Fault::Crash => std::process::abort(),
        Fault::GarbageReply => {
            let head = r.cpu.head.load(std::sync::atomic::Ordering::Acquire);
            r.reply.seq.store(head.wrapping_add(0x5555), Release);
            r.reply.value.store(0xDEAD_BEEF, Release);
            r.device.processed.store(head.wrapping_add(1000), Release);
            r.device.committed.store(head.wrapping_add(1000), Release);
            bus.server.wake_cpu();
            // Go silent: the CPU must notice on its own.
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        Fault::GarbageLines => {
            r.lines.irq_level.store(u32::MAX, Release);
            r.lines.irq_edges.store(u32::MAX, Release);
            r.lines.a20.store(77, Release);
            r.lines.resets.fetch_add(3, Release);
            r.lines.dirty_seq.fetch_add(1000, Release);
            bus.server.wake_cpu();
            false
        }
    }
}

fn serves(m: &DeviceManifest, req: &Request) -> bool {
    match req.kind {
        RequestKind::MemRead | RequestKind::MemWrite => m
            .mem_windows
            .iter()
            .any(|w| req.addr >= w.start as u64 && req.addr < w.start as u64 + w.len as u64),
        _ => m.serves_port(req.port),
    }
}
