//! Published registers: a device writes how a port reads, the CPU evaluates it without asking.
//! Each slot is a seqlock: the writer makes `seq` odd, writes, makes it even; the reader retries a
//! bounded number of times and otherwise falls back to asking the device, so a device that
//! scribbles on its slots can only slow itself down.

use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering::*};

use crate::io::{ClockToggle, Published};

const KIND_NONE: u32 = 0;
const KIND_STATIC: u32 = 1;
const KIND_CLOCK: u32 = 2;
const NOTIFY: u32 = 1 << 8;

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
    toggles: [ToggleWords; 2],
}

impl PublishedSlot {
    /// Device side: publishes `value`.
    pub fn write(&self, value: Published, notify: bool) {
        let s = self.seq.load(Relaxed);
        self.seq.store(s.wrapping_add(1) | 1, Relaxed);
        fence(Release);
        let flag = if notify { NOTIFY } else { 0 };
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
        }
        self.seq
            .store((s.wrapping_add(1) | 1).wrapping_add(1), Release);
    }

    /// CPU side: what is published, and whether reads must be notified. `None` when nothing
    /// consistent could be read (the device is writing, or scribbling).
    #[inline]
    pub fn read(&self) -> Option<(Published, bool)> {
        for _ in 0..64 {
            let s1 = self.seq.load(Acquire);
            if s1 & 1 != 0 {
                std::hint::spin_loop();
                continue;
            }
            let kind = self.kind.load(Relaxed);
            let base = self.base.load(Relaxed);
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
                _ => Published::None,
            };
            fence(Acquire);
            if self.seq.load(Relaxed) == s1 {
                return Some((value, kind & NOTIFY != 0));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_never_sees_a_torn_slot() {
        let slot = std::sync::Arc::new(PublishedSlot::default());
        let w = slot.clone();
        let writer = std::thread::spawn(move || {
            for i in 0..200_000u64 {
                let t = ClockToggle {
                    bits: i as u32,
                    epoch_ns: i,
                    period_ns: i,
                    on_ns: i,
                };
                w.write(
                    Published::Clock {
                        base: i as u32,
                        toggles: [t, t],
                    },
                    i % 2 == 0,
                );
            }
        });
        let check = |(value, notify): (Published, bool)| {
            let Published::Clock { base, toggles } = value else {
                // Only before the writer's first write.
                assert_eq!(value, Published::None);
                return;
            };
            let i = base as u64;
            assert!(
                toggles
                    .iter()
                    .all(|t| t.epoch_ns == i && t.period_ns == i && t.on_ns == i && t.bits == base),
                "torn: {value:?}"
            );
            assert_eq!(notify, i % 2 == 0, "torn notify flag");
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
        assert!(matches!(last.0, Published::Clock { base: 199_999, .. }));
    }
}
