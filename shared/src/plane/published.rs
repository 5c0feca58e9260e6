//! Published registers: a device writes how a port reads, the CPU evaluates it without asking.
//! Each slot is a seqlock: the writer makes `seq` odd, writes, makes it even; the reader retries a
//! bounded number of times and otherwise falls back to asking the device, so a device that
//! scribbles on its slots can only slow itself down.

use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering::*};

use crate::published::{Access, ClockToggle, Hold, Published, QUEUE_MAX};

const KIND_NONE: u32 = 0;
const KIND_STATIC: u32 = 1;
const KIND_CLOCK: u32 = 2;
const KIND_QUEUE: u32 = 3;
const NOTIFY: u32 = 1 << 8;
const HAS_HOLD: u32 = 1 << 24;
const HAS_THEN: u32 = 1 << 25;
const COUNTS_READS: u32 = 1 << 26;

/// One consistent reading of a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotRead {
    pub value: Published,
    /// Reads must be posted to the device.
    pub notify: bool,
    pub hold: Option<Hold>,
    /// Ring entries the device had applied when it published: a hold counts what came after.
    pub as_of: u32,
}

#[repr(C)]
#[derive(Default)]
struct ToggleWords {
    bits: AtomicU64,
    epoch_ns: AtomicU64,
    period_ns: AtomicU64,
    on_ns: AtomicU64,
}

/// One port's published value.
#[repr(C, align(64))]
#[derive(Default)]
pub struct PublishedSlot {
    seq: AtomicU32,
    kind: AtomicU32,
    base: AtomicU32,
    as_of: AtomicU32,
    /// port | accesses << 16 | HAS_HOLD | HAS_THEN | COUNTS_READS
    hold: AtomicU32,
    hold_then: AtomicU32,
    /// lo | hi << 16, per ignored range
    hold_ignoring: [AtomicU32; 2],
    /// A clock value's toggles; a queue's bytes in the first two words.
    toggles: [ToggleWords; 2],
}

impl PublishedSlot {
    /// Device side: publishes `value`, true as of `as_of` applied ring entries.
    pub fn write(&self, value: Published, notify: bool, hold: Option<Hold>, as_of: u32) {
        let s = self.seq.load(Relaxed);
        self.seq.store(s.wrapping_add(1) | 1, Relaxed);
        fence(Release);
        let flag = if notify { NOTIFY } else { 0 };
        self.as_of.store(as_of, Relaxed);
        match hold {
            None => self.hold.store(0, Relaxed),
            Some(h) => {
                let then = h.then.map_or(0, |_| HAS_THEN);
                let reads = match h.counting {
                    Access::Write => 0,
                    Access::NotifiedRead => COUNTS_READS,
                };
                let flags = HAS_HOLD | then | reads;
                self.hold
                    .store(h.port as u32 | (h.accesses as u32) << 16 | flags, Relaxed);
                self.hold_then.store(h.then.unwrap_or(0), Relaxed);
                for (w, (lo, hi)) in self.hold_ignoring.iter().zip(h.ignoring) {
                    w.store(lo as u32 | (hi as u32) << 16, Relaxed);
                }
            }
        }
        match value {
            Published::None => self.kind.store(KIND_NONE, Relaxed),
            Published::Static(v) => {
                self.base.store(v, Relaxed);
                self.kind.store(KIND_STATIC | flag, Relaxed);
            }
            Published::Clock { base, toggles } => {
                self.base.store(base, Relaxed);
                for (w, t) in self.toggles.iter().zip(toggles) {
                    w.bits.store(t.bits as u64, Relaxed);
                    w.epoch_ns.store(t.epoch_ns, Relaxed);
                    w.period_ns.store(t.period_ns, Relaxed);
                    w.on_ns.store(t.on_ns, Relaxed);
                }
                self.kind.store(KIND_CLOCK | flag, Relaxed);
            }
            Published::Queue { bytes, len } => {
                self.base.store(len as u32, Relaxed);
                for (w, chunk) in self.toggles.iter().zip(bytes.chunks(8)) {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(chunk);
                    w.bits.store(u64::from_le_bytes(word), Relaxed);
                }
                self.kind.store(KIND_QUEUE | flag, Relaxed);
            }
        }
        self.seq
            .store((s.wrapping_add(1) | 1).wrapping_add(1), Release);
    }

    /// CPU side: what is published. `None` when nothing consistent could be read (the device
    /// is writing, or scribbling).
    #[inline]
    pub fn read(&self) -> Option<SlotRead> {
        for _ in 0..64 {
            let s1 = self.seq.load(Acquire);
            if s1 & 1 != 0 {
                std::hint::spin_loop();
                continue;
            }
            let kind = self.kind.load(Relaxed);
            let base = self.base.load(Relaxed);
            let as_of = self.as_of.load(Relaxed);
            let h = self.hold.load(Relaxed);
            let hold = (h & HAS_HOLD != 0).then(|| {
                let range = |w: &AtomicU32| {
                    let r = w.load(Relaxed);
                    (r as u16, (r >> 16) as u16)
                };
                Hold {
                    port: h as u16,
                    counting: if h & COUNTS_READS != 0 {
                        Access::NotifiedRead
                    } else {
                        Access::Write
                    },
                    accesses: (h >> 16) as u8,
                    then: (h & HAS_THEN != 0).then(|| self.hold_then.load(Relaxed)),
                    ignoring: [range(&self.hold_ignoring[0]), range(&self.hold_ignoring[1])],
                }
            });
            let value = match kind & 0xFF {
                KIND_STATIC => Published::Static(base),
                KIND_CLOCK => {
                    let t = |w: &ToggleWords| ClockToggle {
                        bits: w.bits.load(Relaxed) as u32,
                        epoch_ns: w.epoch_ns.load(Relaxed),
                        period_ns: w.period_ns.load(Relaxed),
                        on_ns: w.on_ns.load(Relaxed),
                    };
                    Published::Clock {
                        base,
                        toggles: [t(&self.toggles[0]), t(&self.toggles[1])],
                    }
                }
                KIND_QUEUE => {
                    let mut bytes = [0u8; QUEUE_MAX];
                    for (chunk, w) in bytes.chunks_mut(8).zip(&self.toggles) {
                        chunk.copy_from_slice(&w.bits.load(Relaxed).to_le_bytes());
                    }
                    Published::Queue {
                        bytes,
                        len: base.min(QUEUE_MAX as u32) as u8,
                    }
                }
                _ => Published::None,
            };
            fence(Acquire);
            if self.seq.load(Relaxed) == s1 {
                return Some(SlotRead {
                    value,
                    notify: kind & NOTIFY != 0,
                    hold,
                    as_of,
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the writer of the torn-slot test publishes as its `i`-th value.
    fn nth(i: u32) -> (Published, bool, Option<Hold>) {
        let hold = (!i.is_multiple_of(3)).then_some(Hold {
            port: i as u16,
            counting: if i.is_multiple_of(4) {
                Access::NotifiedRead
            } else {
                Access::Write
            },
            accesses: i as u8,
            then: i.is_multiple_of(2).then_some(i),
            ignoring: [(i as u16, (i >> 16) as u16), (1, 0)],
        });
        let value = if i.is_multiple_of(5) {
            let mut bytes = [0u8; QUEUE_MAX];
            bytes.iter_mut().for_each(|b| *b = i as u8);
            Published::Queue {
                bytes,
                len: (i % 17) as u8,
            }
        } else {
            let t = ClockToggle {
                bits: i,
                epoch_ns: i as u64,
                period_ns: i as u64,
                on_ns: i as u64,
            };
            Published::Clock {
                base: i,
                toggles: [t, t],
            }
        };
        (value, i.is_multiple_of(2), hold)
    }

    #[test]
    fn a_reader_never_sees_a_torn_slot() {
        let slot = std::sync::Arc::new(PublishedSlot::default());
        let w = slot.clone();
        let writer = std::thread::spawn(move || {
            for i in 1..200_000u32 {
                let (value, notify, hold) = nth(i);
                w.write(value, notify, hold, i);
            }
        });
        let check = |read: SlotRead| {
            if read.as_of == 0 {
                // Only before the writer's first write.
                assert_eq!(read.value, Published::None);
                return;
            }
            let (value, notify, hold) = nth(read.as_of);
            assert_eq!(
                (read.value, read.notify, read.hold),
                (value, notify, hold),
                "torn at {}",
                read.as_of
            );
        };
        while !writer.is_finished() {
            if let Some(read) = slot.read() {
                check(read);
            }
        }
        writer.join().unwrap();
        // Quiet now: a read must succeed and see the last value written.
        let last = slot.read().expect("a quiet slot reads");
        check(last);
        assert_eq!(last.as_of, 199_999);
    }
}
