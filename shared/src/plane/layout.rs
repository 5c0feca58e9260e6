//! The memory layout of a device region and of the machine region. Both are `#[repr(C)]` structs
//! of atomics: all-zero bytes are a valid value, so a fresh memfd is a valid region.

use std::sync::atomic::{AtomicU32, AtomicU64};

use crossbeam_utils::CachePadded;

use super::published::PublishedSlot;

/// Entries in a device's request ring (a power of two).
pub const RING_ENTRIES: u32 = 4096;
/// Ports one device may serve; each has a published-register slot.
pub const MAX_PORT_SLOTS: usize = 256;
/// Bytes of committed device state a region holds (twice: the slot being written and the last
/// complete one).
pub const STATE_MAX: usize = 128 * 1024;

/// Lifecycle of a device process, as the supervisor sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum PeerState {
    Starting = 0,
    Running = 1,
    Dead = 2,
}

/// Written by the CPU only.
#[repr(C)]
#[derive(Default)]
pub struct CpuWritten {
    /// Index of the next entry the CPU will write (entries before it are published).
    pub head: AtomicU32,
    /// Odd while the CPU sleeps waiting for this device's reply; bumped on every sleep.
    pub wait_gen: AtomicU32,
}

/// Written by the device only.
#[repr(C)]
#[derive(Default)]
pub struct DeviceWritten {
    /// Entries whose effect the device has applied (published in batches; always before an
    /// answer and whenever the ring runs empty).
    pub processed: AtomicU32,
    /// Entries whose effect is covered by the committed state (the ring's tail).
    pub committed: AtomicU32,
}

/// Written by the device only, read by the CPU after every post: kept apart from the counters
/// the device writes per entry, so that posting does not pull their cache line back and forth.
#[repr(C)]
#[derive(Default)]
pub struct DeviceSleep {
    /// Odd while the device sleeps waiting for work; bumped on every sleep.
    pub sleep_gen: AtomicU32,
}

/// The answer to a round-trip request. Written by the device.
#[repr(C)]
#[derive(Default)]
pub struct ReplySlot {
    /// Index + 1 of the request answered.
    pub seq: AtomicU32,
    pub value: AtomicU32,
}

/// Signals from the device to the machine. Written by the device.
#[repr(C)]
pub struct Lines {
    /// Level of each ISA IRQ line the device drives (bit n = IRQ n).
    pub irq_level: AtomicU32,
    /// Rising edges since the CPU last looked (sticky; the CPU clears them).
    pub irq_edges: AtomicU32,
    /// A20 gate: 0 = no opinion, 1 = disabled (wrap at 1 MiB), 2 = enabled.
    pub a20: AtomicU32,
    /// Count of CPU reset requests.
    pub resets: AtomicU32,
    /// Count of guest RAM writes logged in `dirty` (the CPU drops decoded code there).
    pub dirty_seq: AtomicU32,
    /// The last [`DIRTY_LOG`] RAM writes, each `addr | len << 32`.
    pub dirty: [AtomicU64; DIRTY_LOG],
}

/// Length of the log of guest RAM ranges a device wrote.
pub const DIRTY_LOG: usize = 32;

/// Written by whoever wants the device's attention (the CPU, the supervisor).
#[repr(C)]
#[derive(Default)]
pub struct Doorbell {
    /// The device sleeps on this word; bumping it and waking the futex rouses it.
    pub ring: AtomicU32,
    /// Control messages waiting on the device's control channel (bumped by the supervisor).
    pub control: AtomicU32,
}

/// Written by the supervisor only.
#[repr(C)]
#[derive(Default)]
pub struct SupervisorWritten {
    /// A [`PeerState`].
    pub peer_state: AtomicU32,
}

/// One half of the committed-state double buffer.
#[repr(C)]
pub struct StateSlot {
    pub len: AtomicU32,
    /// The ring index the state covers (entries before it are in it).
    pub covers: AtomicU32,
    pub words: [AtomicU64; STATE_MAX / 8],
}

/// The committed state: the device writes the slot that is not current, then bumps `generation`.
#[repr(C)]
pub struct StateArea {
    /// Bumped after each complete write; the current slot is `generation & 1`.
    pub generation: AtomicU64,
    pub slots: [StateSlot; 2],
}

/// One device's region.
#[repr(C)]
pub struct DeviceRegion {
    pub cpu: CachePadded<CpuWritten>,
    pub device: CachePadded<DeviceWritten>,
    pub device_sleep: CachePadded<DeviceSleep>,
    pub reply: CachePadded<ReplySlot>,
    pub lines: CachePadded<Lines>,
    pub doorbell: CachePadded<Doorbell>,
    pub supervisor: CachePadded<SupervisorWritten>,
    pub published: [PublishedSlot; MAX_PORT_SLOTS],
    /// Two words per entry; see [`super::entry`].
    pub ring: [[AtomicU64; 2]; RING_ENTRIES as usize],
    pub state: StateArea,
}

/// The machine-wide region: how devices and the supervisor wake a CPU halted in HLT.
#[repr(C)]
pub struct MachineRegion {
    /// The CPU sleeps on this word while halted.
    pub doorbell: CachePadded<AtomicU32>,
    /// Odd while the CPU sleeps in HLT; bumped on every sleep.
    pub cpu_sleep_gen: CachePadded<AtomicU32>,
    /// Control messages waiting for the CPU process (bumped by the supervisor).
    pub control: CachePadded<AtomicU32>,
}

/// Size in bytes of a device region (rounded up to a page).
pub const fn device_region_size() -> u64 {
    round_page(std::mem::size_of::<DeviceRegion>())
}

/// Size in bytes of the machine region.
pub const fn machine_region_size() -> u64 {
    round_page(std::mem::size_of::<MachineRegion>())
}

const fn round_page(n: usize) -> u64 {
    ((n + 4095) & !4095) as u64
}

/// Views a mapped region as `T`.
///
/// # Safety
/// `ptr` must point to at least `size_of::<T>()` bytes of shared memory, aligned for `T`, mapped
/// for the lifetime `'a`, and `T` must be a struct of atomics for which all bit patterns are valid
/// (every type in this module is).
pub unsafe fn view<'a, T>(ptr: *mut u8) -> &'a T {
    debug_assert_eq!(ptr as usize % std::mem::align_of::<T>(), 0);
    // SAFETY: guaranteed by the caller.
    unsafe { &*(ptr as *const T) }
}
