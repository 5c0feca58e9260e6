//! The data plane: one region of shared memory per device, holding its request ring, its reply
//! slot, its published registers, its IRQ lines and its last committed state.
//!
//! - OUT and memory-window writes are posted: a 16-byte entry appended to the ring.
//! - IN goes through the same ring, so it is ordered after the writes before it; the device
//!   answers in the reply slot and the CPU waits (spinning first, then on a futex).
//! - Registers a read does not change are published by the device ([`published`]) and evaluated
//!   by the CPU with no round trip.
//! - `REP INS`/`OUTS` is one entry; the device moves the data through guest RAM.
//! - An entry leaves the ring only when the device has committed its effect (its saved state
//!   covers it), so a replacement process can load that state and replay the rest.
//!
//! The CPU side is [`RingClient`], the device side [`RingServer`]. Neither trusts the other's
//! writes: every index and value read from shared memory is checked.

pub mod client;
pub mod entry;
pub mod guest_ram;
pub mod host;
pub mod layout;
pub mod published;
pub mod server;
pub mod wait;

pub use client::{PeerError, RingClient};
pub use entry::{Request, RequestKind};
pub use layout::{DeviceRegion, MachineRegion, PeerState, RING_ENTRIES};
pub use server::RingServer;

/// The machine clock: CLOCK_MONOTONIC in nanoseconds, the same in every process.
#[inline]
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
