//! The CPU's end of a device ring.

use std::sync::atomic::{fence, Ordering::*};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::entry::{Request, RequestKind};
use super::layout::{view, DeviceRegion, PeerState, MAX_PORT_SLOTS, RING_ENTRIES};
use super::published::SlotRead;
use super::wait;
use crate::published::{Access, Hold, HoldStep, Published};
use crate::sys::memfd::SharedRegion;
use crate::IoWidth;

/// Posted entries written before `head` is published to the device.
const PUBLISH_BATCH: u32 = 64;

/// Entries remembered in [`RingClient::sent`]: a hold is honoured across at most this many.
const SENT_LOG: usize = 64;
/// In [`RingClient::sent`]: the entry was a posted write to the port in the low bits...
const SENT_WRITE: u32 = 1 << 16;
/// ...or the notice of a read of it answered from a published value.
const SENT_NOTICE: u32 = 1 << 17;

/// The clock reading a published value needs (reading the clock costs; most do not need it).
#[inline]
fn clock_for(value: &Published) -> u64 {
    if value.needs_clock() {
        super::now_ns()
    } else {
        0
    }
}

/// A device did not hold up its end.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// the device process died
    #[error("the device process died")]
    Dead,
    /// the device did not answer within {0:?}
    #[error("the device did not answer within {0:?}")]
    Hung(Duration),
    /// the device broke the ring protocol: {0}
    #[error("the device broke the ring protocol: {0}")]
    Protocol(&'static str),
}

/// The CPU's end of one device's ring.
pub struct RingClient {
    region: Arc<SharedRegion>,
    /// Our copy of `head`: the device cannot change what we believe we wrote.
    head: u32,
    /// Index after the last entry that may change what the device publishes.
    last_affecting: u32,
    /// The last notify posted and not yet seen processed, to coalesce repeated reads.
    pending_notify: Option<(u32, u16)>,
    /// The device's sleep already woken (see [`wait::wake_if_sleeping`]).
    woken: u32,
    /// The `head` the device has been shown: posted entries beyond it are written but not yet
    /// published (see [`RingClient::flush`]).
    head_shown: u32,
    /// Our last reading of the device's `committed`: space is known to exist up to it without
    /// reading the device's cache line again.
    committed_seen: u32,
    /// How long an answer may take before the device is declared hung.
    pub answer_timeout: Duration,
    /// What the last [`SENT_LOG`] entries were, by index: the port of a posted port access
    /// with [`SENT_WRITE`] or [`SENT_NOTICE`], else 0. Our own copy, for holds (the ring itself
    /// is the device's to scribble on).
    sent: [u32; SENT_LOG],
}

impl RingClient {
    /// Attaches to a device region the supervisor created (zeroed) and mapped for us.
    pub fn new(region: Arc<SharedRegion>) -> Self {
        assert!(region.len() as u64 >= super::layout::device_region_size());
        let mut c = RingClient {
            region,
            head: 0,
            last_affecting: 0,
            pending_notify: None,
            woken: 0,
            committed_seen: 0,
            head_shown: 0,
            answer_timeout: Duration::from_secs(10),
            sent: [0; SENT_LOG],
        };
        c.head = c.r().cpu.head.load(Relaxed);
        c.head_shown = c.head;
        c.last_affecting = c.head;
        c
    }

    #[inline(always)]
    fn r(&self) -> &DeviceRegion {
        // SAFETY: the region is at least a DeviceRegion long (checked in `new`), page aligned,
        // mapped as long as `self.region` lives, and DeviceRegion is all atomics.
        unsafe { view(self.region.as_ptr()) }
    }

    /// Posts an OUT.
    #[inline]
    pub fn write(&mut self, port: u16, width: IoWidth, value: u32) -> Result<(), PeerError> {
        self.post(Request {
            kind: RequestKind::IoWrite,
            width,
            port,
            value,
            addr: 0,
            backward: false,
        })
    }

    /// Posts a write to a memory window.
    #[inline]
    pub fn mem_write(&mut self, addr: u32, width: IoWidth, value: u32) -> Result<(), PeerError> {
        self.post(Request {
            kind: RequestKind::MemWrite,
            width,
            port: 0,
            value,
            addr: addr as u64,
            backward: false,
        })
    }

    /// IN, as a round trip.
    pub fn read(&mut self, port: u16, width: IoWidth) -> Result<u32, PeerError> {
        let v = self.round_trip(Request {
            kind: RequestKind::IoRead,
            width,
            port,
            value: 0,
            addr: 0,
            backward: false,
        })?;
        Ok(v & width.mask())
    }

    /// Read from a memory window, as a round trip.
    pub fn mem_read(&mut self, addr: u32, width: IoWidth) -> Result<u32, PeerError> {
        let v = self.round_trip(Request {
            kind: RequestKind::MemRead,
            width,
            port: 0,
            value: 0,
            addr: addr as u64,
            backward: false,
        })?;
        Ok(v & width.mask())
    }

    /// `REP INS` (`to_ram`) or `REP OUTS` as one request. Returns the items moved.
    pub fn block(
        &mut self,
        to_ram: bool,
        port: u16,
        width: IoWidth,
        addr: u64,
        count: u32,
        backward: bool,
    ) -> Result<u32, PeerError> {
        let kind = if to_ram {
            RequestKind::IoReadBlock
        } else {
            RequestKind::IoWriteBlock
        };
        let moved = self.round_trip(Request {
            kind,
            width,
            port,
            value: count,
            addr,
            backward,
        })?;
        if moved > count {
            return Err(PeerError::Protocol(
                "a block transfer moved more items than asked",
            ));
        }
        Ok(moved)
    }

    /// A read answered from what the device published for the port in `slot`. Without a hold,
    /// only once the device has applied every write sent before this read; with one, at once
    /// if what was sent since the device published is within the hold. `None`: ask the device.
    #[inline]
    pub fn published_read(
        &mut self,
        slot: usize,
        port: u16,
        width: IoWidth,
    ) -> Result<Option<u32>, PeerError> {
        if slot >= MAX_PORT_SLOTS {
            return Ok(None);
        }
        let woke = self.show();
        let processed = self.r().device.processed.load(Acquire);
        let caught_up = processed.wrapping_sub(self.last_affecting) as i32 >= 0;
        // (Checked for sanity: not past what we wrote.)
        if caught_up && self.head.wrapping_sub(processed) > RING_ENTRIES {
            return Err(PeerError::Protocol(
                "processed an entry that was never written",
            ));
        }
        let Some(mut read) = self.r().published[slot].read() else {
            return Ok(None);
        };
        let queue = matches!(read.value, Published::Queue { .. });
        if queue && width != IoWidth::Byte {
            // A wider read also reads the next port: the device's to answer.
            return Ok(None);
        }
        // What the device must have applied before the published value can be used.
        let wait_for = match read.hold {
            Some(hold) => {
                let held = self.counted_since(read.as_of, &hold).and_then(|counted| {
                    read.value
                        .evaluate_held(&hold, counted, clock_for(&read.value))
                });
                if let Some(v) = held {
                    return self.answer_published(&read, port, width, v);
                }
                // Beyond the hold: once the device has applied everything sent, what it
                // publishes is current. A queue's next byte is the device's to give.
                if queue {
                    return Ok(None);
                }
                Some(self.head)
            }
            None if !caught_up => Some(self.last_affecting),
            None => None,
        };
        if let Some(index) = wait_for {
            if !self.await_processed(index, woke)? {
                return Ok(None);
            }
            read = match self.r().published[slot].read() {
                Some(r) => r,
                None => return Ok(None),
            };
        }
        match read.value.evaluate(clock_for(&read.value)) {
            Some(v) => self.answer_published(&read, port, width, v),
            None => Ok(None),
        }
    }

    /// Finishes a read answered from a published value: posts the notice it may need.
    #[inline]
    fn answer_published(
        &mut self,
        read: &SlotRead,
        port: u16,
        width: IoWidth,
        v: u32,
    ) -> Result<Option<u32>, PeerError> {
        if read.notify {
            let pop = matches!(read.value, Published::Queue { .. });
            self.notify(port, width, pop)?;
        }
        Ok(Some(v & width.mask()))
    }

    /// The accesses `hold` counts among the entries sent since the device had applied `as_of`
    /// of them; `None` if one it does not allow was sent, or more than [`SENT_LOG`] entries.
    #[inline]
    fn counted_since(&self, as_of: u32, hold: &Hold) -> Option<u32> {
        let n = self.head.wrapping_sub(as_of);
        if n > SENT_LOG as u32 {
            return None;
        }
        let mut counted = 0;
        for i in 0..n {
            let sent = self.sent[as_of.wrapping_add(i) as usize % SENT_LOG];
            let access = match sent & (SENT_WRITE | SENT_NOTICE) {
                SENT_WRITE => Access::Write,
                SENT_NOTICE => Access::NotifiedRead,
                _ => return None,
            };
            match hold.classify(access, sent as u16) {
                HoldStep::Counted => counted += 1,
                HoldStep::Ignored => {}
                HoldStep::Ends => return None,
            }
        }
        Some(counted)
    }

    /// Posts the notice of a published read. A `pop` (of a queue) changes what the device
    /// publishes, so it is never merged with another and later reads wait for it like a write.
    fn notify(&mut self, port: u16, width: IoWidth, pop: bool) -> Result<(), PeerError> {
        if let (false, Some((idx, p))) = (pop, self.pending_notify) {
            let processed = self.r().device.processed.load(Acquire);
            // Side effects of notified reads are idempotent (the contract of `publish`), so a
            // read repeated before the device saw the last one needs no second notice.
            if p == port
                && idx.wrapping_sub(processed) as i32 >= 0
                && self.head == idx.wrapping_add(1)
            {
                return Ok(());
            }
        }
        let idx = self.head;
        self.post(Request {
            kind: RequestKind::ReadNotify,
            width,
            port,
            value: 0,
            addr: 0,
            backward: false,
        })?;
        if pop {
            self.last_affecting = self.head;
        }
        self.pending_notify = Some((idx, port));
        Ok(())
    }

    /// Waits until the device has applied everything posted so far (for writes whose effect the
    /// CPU must see before its next instruction: the A20 gate, a reset).
    pub fn sync(&mut self) -> Result<(), PeerError> {
        let woke = self.show();
        let target = self.head;
        let region = self.region.clone();
        // SAFETY: as in `r()`.
        let r: &DeviceRegion = unsafe { view(region.as_ptr()) };
        let done = || r.device.processed.load(Acquire).wrapping_sub(target) as i32 >= 0;
        if !wait::spin_until_for(Self::spin_limit(woke), done) {
            self.sleep_until(done, |_| Ok(()))?;
        }
        Ok(())
    }

    /// The IRQ lines: (levels, rising edges since the last call).
    #[inline]
    pub fn irq_lines(&self) -> (u32, u32) {
        let l = &self.r().lines;
        let edges = if l.irq_edges.load(Relaxed) != 0 {
            l.irq_edges.swap(0, AcqRel)
        } else {
            0
        };
        (l.irq_level.load(Acquire), edges)
    }

    /// RAM ranges the device wrote since `*seen` (which is advanced); `None` when more were
    /// written than the log holds (the caller must assume anything changed).
    pub fn ram_writes(&self, seen: &mut u32) -> Option<Vec<(u32, u32)>> {
        let l = &self.r().lines;
        let seq = l.dirty_seq.load(Acquire);
        let new = seq.wrapping_sub(*seen);
        let from = *seen;
        *seen = seq;
        if new as usize > super::layout::DIRTY_LOG {
            return None;
        }
        Some(
            (0..new)
                .map(|i| {
                    let w = l.dirty[from.wrapping_add(i) as usize % super::layout::DIRTY_LOG]
                        .load(Relaxed);
                    (w as u32, (w >> 32) as u32)
                })
                .collect(),
        )
    }

    /// The IRQ lines (levels, edges waiting) without taking the edges.
    #[inline]
    pub fn peek_irq_lines(&self) -> (u32, u32) {
        let l = &self.r().lines;
        (l.irq_level.load(Acquire), l.irq_edges.load(Acquire))
    }

    /// The A20 gate the device asks for (`None`: no opinion) and its count of reset requests.
    pub fn machine_lines(&self) -> (Option<bool>, u32) {
        let l = &self.r().lines;
        let a20 = match l.a20.load(Acquire) {
            1 => Some(false),
            2 => Some(true),
            _ => None,
        };
        (a20, l.resets.load(Acquire))
    }

    /// Entries written so far.
    pub fn head(&self) -> u32 {
        self.head
    }

    /// Whether the device has been shown entries it has not yet processed (it is working, or
    /// about to: an IRQ may follow soon).
    #[inline]
    pub fn in_flight(&self) -> bool {
        self.r().device.processed.load(Acquire) != self.head_shown
    }

    #[inline]
    fn post(&mut self, req: Request) -> Result<(), PeerError> {
        if self.head.wrapping_sub(self.committed_seen) >= RING_ENTRIES {
            // Full as far as we know: look again (the device's line is read only here).
            self.committed_seen = self.r().device.committed.load(Acquire);
            if self.head.wrapping_sub(self.committed_seen) > RING_ENTRIES {
                return Err(PeerError::Protocol(
                    "committed entries that were never written",
                ));
            }
            if self.head.wrapping_sub(self.committed_seen) == RING_ENTRIES {
                self.await_space()?;
                self.committed_seen = self.r().device.committed.load(Acquire);
            }
        }
        let words = req.encode();
        {
            let slot = &self.r().ring[(self.head % RING_ENTRIES) as usize];
            slot[0].store(words[0], Relaxed);
            slot[1].store(words[1], Relaxed);
        }
        self.sent[self.head as usize % SENT_LOG] = match req.kind {
            RequestKind::IoWrite => SENT_WRITE | req.port as u32,
            RequestKind::ReadNotify => SENT_NOTICE | req.port as u32,
            _ => 0,
        };
        self.head = self.head.wrapping_add(1);
        if req.kind != RequestKind::ReadNotify {
            self.last_affecting = self.head;
        }
        if self.head.wrapping_sub(self.head_shown) >= PUBLISH_BATCH {
            self.flush();
        }
        Ok(())
    }

    /// Shows the device every entry posted so far, and wakes it if it sleeps. Posted writes are
    /// published in batches (a store, a fence and a look at the device's sleep word per batch,
    /// not per OUT); every read of this device, and the machine at the end of each run slice and
    /// before a HLT, flushes first, so no one can observe a write the device has not been shown.
    #[inline]
    pub fn flush(&mut self) {
        self.show();
    }

    /// [`RingClient::flush`]; true if the device was asleep and had to be woken.
    #[inline]
    fn show(&mut self) -> bool {
        if self.head_shown == self.head {
            return false;
        }
        self.head_shown = self.head;
        let before = self.woken;
        let mut woken = self.woken;
        {
            let r = self.r();
            r.cpu.head.store(self.head, Release);
            wait::wake_if_sleeping(
                &r.device_sleep.sleep_gen,
                &r.doorbell.ring,
                &mut woken,
                true,
            );
        }
        self.woken = woken;
        woken != before
    }

    /// How long to spin for an answer: long enough to cover the device's waking up when it
    /// had to be woken (about 45 µs here), so that we do not fall asleep ourselves and make
    /// the answer wait for our own wake-up too.
    fn spin_limit(woke_device: bool) -> Duration {
        if woke_device {
            wait::SPIN_AFTER_WAKE
        } else {
            wait::SPIN
        }
    }

    fn round_trip(&mut self, req: Request) -> Result<u32, PeerError> {
        let idx = self.head;
        self.post(req)?;
        let woke = self.show();
        let want = idx.wrapping_add(1);
        let region = self.region.clone();
        // SAFETY: as in `r()`; a separate borrow so the closures below need not borrow `self`.
        let r: &DeviceRegion = unsafe { view(region.as_ptr()) };
        let answered = || r.reply.seq.load(Acquire) == want;
        if !wait::spin_until_for(Self::spin_limit(woke), answered) {
            self.sleep_until(answered, |r| {
                // The device claims to be past our request without having answered it.
                if r.device.processed.load(Acquire).wrapping_sub(want) as i32 > 0
                    && r.reply.seq.load(Acquire) != want
                {
                    Err(PeerError::Protocol(
                        "moved past a request without answering it",
                    ))
                } else {
                    Ok(())
                }
            })?;
        }
        Ok(r.reply.value.load(Relaxed))
    }

    /// Waits (bounded) until the device has applied everything before `index`. False when the
    /// device has not caught up within the spin: the caller then asks it directly.
    fn await_processed(&mut self, index: u32, woke: bool) -> Result<bool, PeerError> {
        let r = self.r();
        let done = || r.device.processed.load(Acquire).wrapping_sub(index) as i32 >= 0;
        Ok(wait::spin_until_for(Self::spin_limit(woke), done))
    }

    fn await_space(&mut self) -> Result<(), PeerError> {
        let head = self.head;
        let region = self.region.clone();
        // SAFETY: as in `r()`.
        let r: &DeviceRegion = unsafe { view(region.as_ptr()) };
        let space = || head.wrapping_sub(r.device.committed.load(Acquire)) < RING_ENTRIES;
        if !wait::spin_until(space) {
            self.sleep_until(space, |_| Ok(()))?;
        }
        Ok(())
    }

    /// Sleeps in short steps until `ready`, noticing a dead or misbehaving device.
    fn sleep_until(
        &self,
        ready: impl Fn() -> bool,
        check: impl Fn(&DeviceRegion) -> Result<(), PeerError>,
    ) -> Result<(), PeerError> {
        let r = self.r();
        let start = Instant::now();
        while !ready() {
            if r.supervisor.peer_state.load(Acquire) == PeerState::Dead as u32 {
                return Err(PeerError::Dead);
            }
            check(r)?;
            if start.elapsed() > self.answer_timeout {
                return Err(PeerError::Hung(self.answer_timeout));
            }
            wait::sleep_on(
                &r.cpu.wait_gen,
                &r.reply.seq,
                Duration::from_millis(2),
                &ready,
            );
        }
        fence(Acquire);
        Ok(())
    }
}
