//! The device I/O contract.
//!
//! A device is a [`PortDevice`]: state plus handlers for the port reads and writes, memory-window
//! accesses and timer deadlines it is sent. It touches the machine only through a [`DeviceBus`]:
//! IRQ lines, guest RAM (if its manifest asks for it), published registers and wake-up requests.
//! The device process host and the inline host (the CPU process) both implement `DeviceBus`, so a
//! device's code is the same in both isolation modes.

use serde::{Deserialize, Serialize};

pub use crate::published::{ClockToggle, Hold, Published};

/// Width of one port or memory-window access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum IoWidth {
    Byte = 1,
    Word = 2,
    Dword = 4,
}

impl IoWidth {
    /// Number of bytes moved.
    #[inline]
    pub const fn bytes(self) -> u32 {
        self as u32
    }

    /// Mask of the bits an access of this width carries.
    #[inline]
    pub const fn mask(self) -> u32 {
        match self {
            IoWidth::Byte => 0xFF,
            IoWidth::Word => 0xFFFF,
            IoWidth::Dword => 0xFFFF_FFFF,
        }
    }

    /// The width with this many bytes, if there is one.
    pub const fn from_bytes(n: u32) -> Option<IoWidth> {
        match n {
            1 => Some(IoWidth::Byte),
            2 => Some(IoWidth::Word),
            4 => Some(IoWidth::Dword),
            _ => None,
        }
    }
}

/// `REP INS` one item at a time: [`PortDevice::io_read`] per item, guest RAM written a chunk at a
/// time (so one transfer logs a few RAM writes, not one per item). The trait's default, and what a
/// device that moves some ports in bulk calls for the others.
pub fn read_block_per_item<D: PortDevice + ?Sized>(
    dev: &mut D,
    port: u16,
    width: IoWidth,
    addr: u64,
    count: u32,
    backward: bool,
    bus: &mut dyn DeviceBus,
) -> u32 {
    let w = width.bytes() as usize;
    let mut done = 0u32;
    let mut chunk = Vec::with_capacity(BLOCK_CHUNK);
    while done < count {
        let n = (count - done).min((BLOCK_CHUNK / w) as u32);
        chunk.clear();
        for _ in 0..n {
            chunk.extend_from_slice(&dev.io_read(port, width, bus).to_le_bytes()[..w]);
        }
        let Some(start) = block_start(addr, done, n, w, backward) else {
            return done;
        };
        if backward {
            // Items were read in order, but the first belongs at the highest address.
            let mut items: Vec<&[u8]> = chunk.chunks(w).collect();
            items.reverse();
            chunk = items.concat();
        }
        if !bus.write_ram(start, &chunk) {
            return done;
        }
        done += n;
    }
    count
}

/// `REP OUTS` one item at a time: guest RAM read a chunk at a time, [`PortDevice::io_write`] per
/// item. The trait's default, and what a device that moves some ports in bulk calls for the others.
pub fn write_block_per_item<D: PortDevice + ?Sized>(
    dev: &mut D,
    port: u16,
    width: IoWidth,
    addr: u64,
    count: u32,
    backward: bool,
    bus: &mut dyn DeviceBus,
) -> u32 {
    let w = width.bytes() as usize;
    let mut done = 0u32;
    let mut chunk = vec![0u8; BLOCK_CHUNK];
    while done < count {
        let n = (count - done).min((BLOCK_CHUNK / w) as u32);
        let Some(start) = block_start(addr, done, n, w, backward) else {
            return done;
        };
        let buf = &mut chunk[..n as usize * w];
        if !bus.read_ram(start, buf) {
            return done;
        }
        let order: Box<dyn Iterator<Item = &[u8]>> = if backward {
            Box::new(buf.chunks(w).rev())
        } else {
            Box::new(buf.chunks(w))
        };
        for item in order {
            let mut v = [0u8; 4];
            v[..w].copy_from_slice(item);
            dev.io_write(port, width, u32::from_le_bytes(v), bus);
        }
        done += n;
    }
    count
}
/// Bytes a default block transfer moves through guest RAM at a time.
const BLOCK_CHUNK: usize = 4096;

/// The lowest address of items `done .. done + n` of a block transfer of `w`-byte items starting
/// at `addr` (going down when `backward`); `None` if it falls below zero.
fn block_start(addr: u64, done: u32, n: u32, w: usize, backward: bool) -> Option<u64> {
    let w = w as u64;
    if backward {
        addr.checked_sub((done as u64 + n as u64 - 1) * w)
    } else {
        addr.checked_add(done as u64 * w)
    }
}

/// Input from the host to a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HostInput {
    /// A key went down or up: a scan code of set 1, with `extended` for the E0-prefixed keys.
    Key {
        code: u8,
        extended: bool,
        pressed: bool,
    },
    /// Bytes arriving from outside (a serial line).
    Bytes(Vec<u8>),
}

/// A device's saved state could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// the saved state is malformed or from an incompatible version: {0}
    #[error("the saved state is malformed or from an incompatible version: {0}")]
    Malformed(String),
}

/// What a device may do to the machine around it.
pub trait DeviceBus {
    /// Drives one of the device's IRQ lines (ISA numbering, 0–15) to `level`. Lines the manifest
    /// does not declare are ignored.
    fn set_irq(&mut self, line: u8, level: bool);

    /// Raises and lowers a line: an edge for an edge-triggered controller, never lost even if the
    /// CPU looks only after the line fell again.
    fn pulse_irq(&mut self, line: u8);

    /// The machine clock in nanoseconds (CLOCK_MONOTONIC; the same in every process).
    fn now_ns(&self) -> u64;

    /// Copies guest physical memory into `buf`. False if the range is outside RAM or the device
    /// has no access to guest RAM; `buf` is then left as it was.
    fn read_ram(&mut self, addr: u64, buf: &mut [u8]) -> bool;

    /// Copies `buf` into guest physical memory. False if the range is outside RAM or the device has
    /// no access to guest RAM; nothing is written then.
    fn write_ram(&mut self, addr: u64, buf: &[u8]) -> bool;

    /// Publishes how reads of `port` (one the device serves) may be answered without a round
    /// trip. Replaces what was published for that port before. With `notify`, each such read is
    /// still posted to the device (the CPU does not wait) and reaches
    /// [`PortDevice::read_notify`], for a side effect that does not change the value read, such
    /// as a read of 3DAh resetting the attribute controller's flip-flop.
    fn publish(&mut self, port: u16, value: Published, notify: bool);

    /// [`DeviceBus::publish`] with a [`Hold`]: the value stays true across the accesses the
    /// hold allows, so the CPU answers reads without waiting for the device to apply them. The
    /// default drops the hold, for a bus whose reads reach the device anyway (inline).
    fn publish_held(&mut self, port: u16, value: Published, notify: bool, hold: Option<Hold>) {
        let _ = hold;
        self.publish(port, value, notify);
    }

    /// Drives the A20 gate (the 8042's output port or port 92h): `false` wraps addresses at 1 MiB.
    fn set_a20(&mut self, _enabled: bool) {}

    /// Asks for a CPU reset (the 8042's pulse of the reset line, port 92h bit 0).
    fn request_reset(&mut self) {}

    /// Asks for [`PortDevice::timer`] to be called at or after `at_ns`. A later call replaces an
    /// earlier deadline; `u64::MAX` cancels it.
    fn request_timer(&mut self, at_ns: u64);

    /// A shared memory region the device owns beside its ports (VGA memory, a framebuffer), by
    /// its index in the manifest's `regions`. `None` if there is no such region.
    fn region(&mut self, index: usize) -> Option<&mut [u8]>;
}

/// A device model: state plus handlers. Implemented once and run either in a device process or
/// inline in the CPU process.
pub trait PortDevice: Send {
    /// Reads `width` bytes from `port`. Returns the value in the low bits; unused bits are ignored.
    fn io_read(&mut self, port: u16, width: IoWidth, bus: &mut dyn DeviceBus) -> u32;

    /// Writes `width` bytes of `value` to `port`.
    fn io_write(&mut self, port: u16, width: IoWidth, value: u32, bus: &mut dyn DeviceBus);

    /// Reads from a memory window the device serves (physical address).
    fn mem_read(&mut self, _addr: u32, width: IoWidth, _bus: &mut dyn DeviceBus) -> u32 {
        width.mask()
    }

    /// Writes to a memory window the device serves (physical address).
    fn mem_write(&mut self, _addr: u32, _width: IoWidth, _value: u32, _bus: &mut dyn DeviceBus) {}

    /// `REP INS`: moves `count` items of `width` from `port` into guest RAM starting at `addr`,
    /// going down when `backward`. Returns the number of items moved. The default is
    /// [`read_block_per_item`].
    fn io_read_block(
        &mut self,
        port: u16,
        width: IoWidth,
        addr: u64,
        count: u32,
        backward: bool,
        bus: &mut dyn DeviceBus,
    ) -> u32 {
        read_block_per_item(self, port, width, addr, count, backward, bus)
    }

    /// `REP OUTS`: moves `count` items of `width` from guest RAM at `addr` to `port`. Returns the
    /// number of items moved. The default is [`write_block_per_item`].
    fn io_write_block(
        &mut self,
        port: u16,
        width: IoWidth,
        addr: u64,
        count: u32,
        backward: bool,
        bus: &mut dyn DeviceBus,
    ) -> u32 {
        write_block_per_item(self, port, width, addr, count, backward, bus)
    }

    /// A read of a port published with `notify` was answered from the published value; apply
    /// the read's side effect.
    fn read_notify(&mut self, _port: u16, _width: IoWidth, _bus: &mut dyn DeviceBus) {}

    /// Called at or after the deadline last given to [`DeviceBus::request_timer`].
    fn timer(&mut self, _now_ns: u64, _bus: &mut dyn DeviceBus) {}

    /// Input from the host side: a key for the keyboard, bytes arriving at a serial port.
    fn host_input(&mut self, _input: &HostInput, _bus: &mut dyn DeviceBus) {}

    /// Moves output meant for the host (bytes a UART sent) into `out`. Called after every batch
    /// of requests.
    fn take_host_output(&mut self, _out: &mut Vec<u8>) {}

    /// Called once when the device starts serving (after `restore`, if any): the place to publish
    /// registers and ask for a first timer.
    fn start(&mut self, _bus: &mut dyn DeviceBus) {}

    /// The device's state, for a replacement process to carry on from.
    fn save(&self) -> Vec<u8>;

    /// Loads a state saved by [`PortDevice::save`].
    fn restore(&mut self, state: &[u8]) -> Result<(), StateError>;
}
