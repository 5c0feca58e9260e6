//! How one process waits for another: spin while the peer is likely awake (a hand-off costs
//! ~0.1 µs here), then sleep on a futex (~45 µs to be woken on an idle core).
//!
//! A spin that lasts more than a moment yields the core between looks. The kernel often wakes a
//! device on the core of the CPU process that woke it; a pure spin there keeps the very peer it
//! waits for off the core until the spin ends (docs/PERFORMANCE.md: most of the slow floppy
//! reads of a FreeDOS boot were answered exactly when the CPU's 30 µs spin gave up).

use std::sync::atomic::{AtomicU32, Ordering::*};
use std::time::{Duration, Instant};

use crate::sys::futex;

/// How long to spin before sleeping. Long enough to cover a device's answer when it is awake,
/// short enough not to steal a core from the other processes of a 2-core machine.
pub const SPIN: Duration = Duration::from_micros(30);

/// How long to spin for a peer that was asleep and has just been woken: reads that had to wake
/// the disk process during a FreeDOS boot took 70–170 µs here (docs/PERFORMANCE.md), and
/// sleeping ourselves meanwhile would add our own wake-up to the wait.
pub const SPIN_AFTER_WAKE: Duration = Duration::from_micros(150);

/// Spins on `ready` for up to [`SPIN`]. True if it became ready.
#[inline]
pub fn spin_until(ready: impl FnMut() -> bool) -> bool {
    spin_until_for(SPIN, ready)
}

/// How long a spin looks without yielding: covers an answer from a peer running on another
/// core (a round trip is ~0.6 µs here).
pub const PURE_SPIN: Duration = Duration::from_micros(2);

/// Spins on `ready` for up to `limit`, yielding the core between looks after [`PURE_SPIN`].
/// True if it became ready.
#[inline]
pub fn spin_until_for(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    if ready() {
        return true;
    }
    let start = Instant::now();
    loop {
        for _ in 0..64 {
            std::hint::spin_loop();
            if ready() {
                return true;
            }
        }
        let spun = start.elapsed();
        if spun >= limit {
            return ready();
        }
        if spun >= PURE_SPIN {
            std::thread::yield_now();
        }
    }
}

/// Looks at `ready` for up to `limit`, yielding the core between looks (to any other process
/// that wants it). True if it became ready.
pub fn yield_until_for(limit: Duration, ready: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if ready() {
            return true;
        }
        if start.elapsed() >= limit {
            return false;
        }
        std::thread::yield_now();
    }
}

/// Announces a sleep on `gen` (makes it odd) so that a peer knows to wake us, sleeps on `word`
/// unless `ready` already holds, then marks us awake.
pub fn sleep_on(gen: &AtomicU32, word: &AtomicU32, timeout: Duration, ready: impl Fn() -> bool) {
    let g = gen.load(Relaxed);
    let sleeping = g.wrapping_add(1) | 1;
    gen.store(sleeping, SeqCst);
    let seen = word.load(SeqCst);
    if !ready() {
        futex::wait(word, seen, timeout);
    }
    gen.store(sleeping.wrapping_add(1), SeqCst);
}

/// Peer side of [`sleep_on`]: after making the sleeper's condition true, wakes it if it sleeps.
/// `woken` remembers the sleep already woken, so a burst of events costs one system call. With
/// `bump`, `word` is a doorbell and is changed so that the sleeper cannot miss the wake; without
/// it, the caller has already changed `word` (a reply sequence number).
#[inline]
pub fn wake_if_sleeping(gen: &AtomicU32, word: &AtomicU32, woken: &mut u32, bump: bool) {
    std::sync::atomic::fence(SeqCst);
    let g = gen.load(Relaxed);
    if g & 1 != 0 && g != *woken {
        *woken = g;
        if bump {
            word.fetch_add(1, SeqCst);
        }
        futex::wake_all(word);
    }
}

/// Rings a doorbell unconditionally (rare events: control messages, a death notice).
pub fn ring(word: &AtomicU32) {
    word.fetch_add(1, SeqCst);
    futex::wake_all(word);
}

/// Tells a peer that a control message waits: bumps its `control` count, then rings the
/// `doorbell` it sleeps on, so that a sleeping peer sees the message now rather than at the end
/// of its longest sleep (100 ms for a device).
pub fn ring_control(control: &AtomicU32, doorbell: &AtomicU32) {
    control.fetch_add(1, SeqCst);
    ring(doorbell);
}
