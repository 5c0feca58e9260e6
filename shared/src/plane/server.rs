//! The device's end of its ring.

use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::Arc;
use std::time::Duration;

use super::entry::Request;
use super::layout::{view, DeviceRegion, MachineRegion, MAX_PORT_SLOTS, RING_ENTRIES, STATE_MAX};
use super::wait;
use crate::io::{Hold, Published};
use crate::sys::memfd::SharedRegion;

/// The device's end of its ring, plus the machine region it wakes the CPU through.
pub struct RingServer {
    region: Arc<SharedRegion>,
    machine: Arc<SharedRegion>,
    /// Index of the next entry to process (our own copy: the CPU cannot rewind us).
    next: u32,
    /// Index up to which the last commit covers.
    committed: u32,
    woken_cpu_reply: u32,
    woken_cpu_halt: u32,
    /// The CPU's `head` when we last read it.
    head_seen: u32,
    /// The `processed` we last published.
    processed_published: u32,
    /// An entry was taken by `poll` and not yet completed: what the device publishes meanwhile
    /// is true as of that entry applied.
    taken: bool,
}

/// Posted entries processed between two stores of `processed`.
const PROCESSED_BATCH: u32 = 64;

/// One entry taken from the ring, or a reason there is none.
#[derive(Debug, PartialEq, Eq)]
pub enum Polled {
    Request(Request),
    /// The entry at this index is malformed; it is skipped (and answered with all ones if the CPU
    /// could be waiting on it).
    Malformed,
    Empty,
}

impl RingServer {
    /// Attaches to the device region and the machine region. Carries on from what the region
    /// says was committed: a replacement process replays the entries after it.
    pub fn new(region: Arc<SharedRegion>, machine: Arc<SharedRegion>) -> Self {
        assert!(region.len() as u64 >= super::layout::device_region_size());
        assert!(machine.len() as u64 >= super::layout::machine_region_size());
        // SAFETY: size checked above; DeviceRegion is all atomics.
        let r: &DeviceRegion = unsafe { view(region.as_ptr()) };
        let committed = r.device.committed.load(Acquire);
        RingServer {
            region,
            machine,
            next: committed,
            committed,
            woken_cpu_reply: 0,
            woken_cpu_halt: 0,
            head_seen: committed,
            processed_published: committed,
            taken: false,
        }
    }

    #[inline(always)]
    pub fn region(&self) -> &DeviceRegion {
        // SAFETY: see `new`.
        unsafe { view(self.region.as_ptr()) }
    }

    #[inline(always)]
    fn machine(&self) -> &MachineRegion {
        // SAFETY: size checked in `new`; MachineRegion is all atomics.
        unsafe { view(self.machine.as_ptr()) }
    }

    /// Takes the next entry, if the CPU has written one.
    #[inline]
    pub fn poll(&mut self) -> Polled {
        if self.next == self.head_seen {
            // Caught up with what we last saw: say how far we got, then look at the CPU's line
            // again (only now, so that it does not bounce between the cores on every entry).
            self.publish_caught_up();
            let head = self.region().cpu.head.load(Acquire);
            if head == self.next || head.wrapping_sub(self.committed) > RING_ENTRIES {
                // Nothing new, or a head that overruns uncommitted entries: the CPU never
                // writes one, so it is corrupt and ignored.
                return Polled::Empty;
            }
            self.head_seen = head;
        }
        let slot = &self.region().ring[(self.next % RING_ENTRIES) as usize];
        let words = [slot[0].load(Relaxed), slot[1].load(Relaxed)];
        self.taken = true;
        match Request::decode(words) {
            Some(req) => Polled::Request(req),
            None => Polled::Malformed,
        }
    }

    /// Finishes the entry [`RingServer::poll`] returned: answers it if it is a round trip.
    #[inline]
    pub fn complete(&mut self, answer: Option<u32>) {
        let idx = self.next;
        self.next = idx.wrapping_add(1);
        self.taken = false;
        match answer {
            Some(v) => {
                let r = self.region();
                r.reply.value.store(v, Relaxed);
                r.reply.seq.store(idx.wrapping_add(1), Release);
                self.publish_processed();
                let mut w = self.woken_cpu_reply;
                wait::wake_if_sleeping(
                    &self.region().cpu.wait_gen,
                    &self.region().reply.seq,
                    &mut w,
                    false,
                );
                self.woken_cpu_reply = w;
            }
            // Posted entries: `processed` goes out in batches (and whenever the ring runs empty).
            None if self.next.wrapping_sub(self.processed_published) >= PROCESSED_BATCH => {
                self.publish_processed()
            }
            None => {}
        }
    }

    fn publish_processed(&mut self) {
        if self.processed_published != self.next {
            self.processed_published = self.next;
            self.region().device.processed.store(self.next, Release);
        }
    }

    /// [`RingServer::publish_processed`] on running out of entries, waking the CPU if it sleeps
    /// waiting for us to apply them (a write whose effect it must see, such as the A20 gate):
    /// without this it would sleep out its 2 ms step.
    fn publish_caught_up(&mut self) {
        if self.processed_published != self.next {
            self.publish_processed();
            let mut w = self.woken_cpu_reply;
            let r = self.region();
            wait::wake_if_sleeping(&r.cpu.wait_gen, &r.reply.seq, &mut w, false);
            self.woken_cpu_reply = w;
        }
    }

    /// Entries processed but not yet covered by a commit.
    pub fn uncommitted(&self) -> u32 {
        self.next.wrapping_sub(self.committed)
    }

    /// Whether the CPU has written entries not yet processed.
    pub fn has_work(&self) -> bool {
        self.region().cpu.head.load(Acquire) != self.next
    }

    /// Commits `state` as covering every entry processed so far; those entries leave the ring.
    /// A state larger than the region holds is not committed (the entries stay) and false is
    /// returned.
    pub fn commit(&mut self, state: &[u8]) -> bool {
        if state.len() > STATE_MAX {
            return false;
        }
        self.publish_processed();
        let next = self.next;
        let mut w = self.woken_cpu_reply;
        {
            let r = self.region();
            let area = &r.state;
            let gen = area.generation.load(Relaxed);
            let slot = &area.slots[((gen + 1) & 1) as usize];
            write_words(&slot.words, state);
            slot.len.store(state.len() as u32, Relaxed);
            slot.covers.store(next, Relaxed);
            area.generation.store(gen + 1, Release);
            r.device.committed.store(next, Release);
            // A CPU waiting for ring space sleeps on the reply word.
            wait::wake_if_sleeping(&r.cpu.wait_gen, &r.reply.seq, &mut w, false);
        }
        self.woken_cpu_reply = w;
        self.committed = next;
        true
    }

    /// The last committed state and the ring index it covers, if any was committed.
    pub fn committed_state(&self) -> Option<(Vec<u8>, u32)> {
        let area = &self.region().state;
        let gen = area.generation.load(Acquire);
        if gen == 0 {
            return None;
        }
        let slot = &area.slots[(gen & 1) as usize];
        let len = (slot.len.load(Relaxed) as usize).min(STATE_MAX);
        Some((read_words(&slot.words, len), slot.covers.load(Relaxed)))
    }

    /// Publishes how a port (by its slot: its index in the manifest's port list) reads, true as
    /// of the entries applied so far (counting the one being applied).
    pub fn publish(&self, slot: usize, value: Published, notify: bool, hold: Option<Hold>) {
        if slot < MAX_PORT_SLOTS {
            let as_of = self.next.wrapping_add(self.taken as u32);
            self.region().published[slot].write(value, notify, hold, as_of);
        }
    }

    /// Drives IRQ lines: `level` for the lines in `mask`. Rising lines are also recorded as edges.
    pub fn set_irq_lines(&mut self, mask: u32, level: bool) {
        let l = &self.region().lines;
        let old = if level {
            l.irq_level.fetch_or(mask, AcqRel)
        } else {
            l.irq_level.fetch_and(!mask, AcqRel)
        };
        if level && old & mask != mask {
            l.irq_edges.fetch_or(mask & !old, AcqRel);
            self.wake_cpu();
        }
    }

    /// Records a rising edge on the lines in `mask` without leaving them raised.
    pub fn pulse_irq_lines(&mut self, mask: u32) {
        self.region().lines.irq_edges.fetch_or(mask, AcqRel);
        self.wake_cpu();
    }

    /// Logs a write the device made to guest RAM, so that the CPU drops code it decoded there.
    /// Call before raising the IRQ that tells the guest about it.
    pub fn log_ram_write(&mut self, addr: u64, len: u64) {
        let l = &self.region().lines;
        let seq = l.dirty_seq.load(Relaxed);
        l.dirty[seq as usize % super::layout::DIRTY_LOG]
            .store((addr & 0xFFFF_FFFF) | len.min(0xFFFF_FFFF) << 32, Relaxed);
        l.dirty_seq.store(seq.wrapping_add(1), Release);
    }

    pub fn set_a20(&mut self, enabled: bool) {
        self.region()
            .lines
            .a20
            .store(if enabled { 2 } else { 1 }, Release);
    }

    pub fn request_reset(&mut self) {
        self.region().lines.resets.fetch_add(1, AcqRel);
        self.wake_cpu();
    }

    /// Wakes the CPU if it sleeps in HLT.
    pub fn wake_cpu(&mut self) {
        let m = self.machine();
        let mut w = self.woken_cpu_halt;
        wait::wake_if_sleeping(&m.cpu_sleep_gen, &m.doorbell, &mut w, true);
        self.woken_cpu_halt = w;
    }

    /// Whether work came: an entry past the ones taken, or a control ring past `control_seen`.
    fn work_arrived(&self, control_seen: u32) -> impl Fn() -> bool + '_ {
        let r = self.region();
        let next = self.next;
        move || r.cpu.head.load(Acquire) != next || r.doorbell.control.load(Acquire) != control_seen
    }

    /// Spins briefly for work (an entry, or a control message). True if there is some.
    pub fn spin_for_work(&self) -> bool {
        wait::spin_until(self.work_arrived(self.control_rings()))
    }

    /// Yields the core for up to `limit` while looking for work. True if there is some.
    pub fn yield_for_work(&self, limit: Duration) -> bool {
        wait::yield_until_for(limit, self.work_arrived(self.control_rings()))
    }

    /// Sleeps until the CPU writes an entry, the supervisor rings, or `timeout` passes.
    pub fn sleep_for_work(&self, timeout: Duration, control_seen: u32) {
        let r = self.region();
        let ready = self.work_arrived(control_seen);
        wait::sleep_on(&r.device_sleep.sleep_gen, &r.doorbell.ring, timeout, ready);
    }

    /// Count of control-message rings seen so far (to notice new ones).
    pub fn control_rings(&self) -> u32 {
        self.region().doorbell.control.load(Acquire)
    }
}

fn write_words(words: &[AtomicU64], bytes: &[u8]) {
    for (w, chunk) in words.iter().zip(bytes.chunks(8)) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        w.store(u64::from_le_bytes(b), Relaxed);
    }
}

fn read_words(words: &[AtomicU64], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    for w in words.iter().take(len.div_ceil(8)) {
        out.extend_from_slice(&w.load(Relaxed).to_le_bytes());
    }
    out.truncate(len);
    out
}
