//! The physical address space: guest RAM (a shared memfd), the BIOS ROM (below 1 MiB and below
//! 4 GiB), and device windows (routed by the port bus).

use std::sync::Arc;

use cloister_shared::sys::memfd::SharedRegion;

/// Bounds of the legacy hole: the VGA window and the ROM area are not RAM.
pub const HOLE_START: u32 = 0xA0000;
pub const HOLE_END: u32 = 0x10_0000;

/// A ROM image was unusable.
#[derive(Debug, thiserror::Error)]
pub enum RomError {
    /// the BIOS image is empty
    #[error("the BIOS image is empty")]
    Empty,
    /// the BIOS image has {0} bytes; it must be a multiple of 4 KiB and at most 256 KiB
    #[error("the BIOS image has {0} bytes; it must be a multiple of 4 KiB and at most 256 KiB")]
    BadSize(usize),
}

/// Guest RAM and ROM.
pub struct GuestMemory {
    ram: Arc<SharedRegion>,
    ram_ptr: *mut u8,
    ram_len: u32,
    rom: Vec<u8>,
    /// Where the ROM starts below 1 MiB (it ends at 0xFFFFF).
    rom_low: u32,
    /// Where the ROM's alias starts below 4 GiB (it ends at 0xFFFFFFFF).
    rom_high: u32,
}

impl GuestMemory {
    pub fn new(ram: Arc<SharedRegion>, rom: Vec<u8>) -> Result<Self, RomError> {
        if rom.is_empty() {
            return Err(RomError::Empty);
        }
        if rom.len() % 4096 != 0 || rom.len() > 256 * 1024 {
            return Err(RomError::BadSize(rom.len()));
        }
        let ram_len = ram.len().min(u32::MAX as usize) as u32;
        Ok(GuestMemory {
            ram_ptr: ram.as_ptr(),
            ram_len,
            rom_low: HOLE_END - rom.len() as u32,
            rom_high: (0x1_0000_0000u64 - rom.len() as u64) as u32,
            ram,
            rom,
        })
    }

    pub fn ram_len(&self) -> u32 {
        self.ram_len
    }

    /// Whether `addr` is plain RAM (not in the hole, inside RAM).
    #[inline(always)]
    pub fn is_ram(&self, addr: u32) -> bool {
        addr < HOLE_START || (addr >= HOLE_END && addr < self.ram_len)
    }

    /// Reads `N` bytes of RAM at `addr`; the caller checked `is_ram` for the whole range.
    #[inline(always)]
    pub fn ram_read<const N: usize>(&self, addr: u32) -> [u8; N] {
        debug_assert!(addr as usize + N <= self.ram_len as usize);
        // SAFETY: callers check the range lies in RAM (addr + N <= ram_len), and the mapping is
        // live for as long as `self.ram` is. A device writing the same bytes concurrently (DMA)
        // can tear the value but never make it invalid: plain bytes.
        unsafe { std::ptr::read_unaligned(self.ram_ptr.add(addr as usize) as *const [u8; N]) }
    }

    /// Writes `N` bytes of RAM at `addr`; the caller checked `is_ram` for the whole range.
    #[inline(always)]
    pub fn ram_write<const N: usize>(&mut self, addr: u32, bytes: [u8; N]) {
        debug_assert!(addr as usize + N <= self.ram_len as usize);
        // SAFETY: as in `ram_read`.
        unsafe { std::ptr::write_unaligned(self.ram_ptr.add(addr as usize) as *mut [u8; N], bytes) }
    }

    /// The RAM below the legacy hole as a window the CPU reads and writes directly: nothing but
    /// RAM is there, and the A20 gate (bit 20) never changes those addresses.
    pub fn low_ram_window(&self) -> cloister_cpu::RamWindow {
        let len = self.ram_len.min(HOLE_START) as usize;
        // SAFETY: the mapping holds `ram_len` bytes and lives as long as `self.ram` (so as long
        // as this memory and the bus that owns it); below HOLE_START it is plain RAM (no ROM, no
        // device window), which the bus would read and write directly too.
        unsafe { cloister_cpu::RamWindow::new(self.ram_ptr, len) }
    }

    /// A byte of the ROM, if `addr` is in one of its two mappings.
    #[inline]
    pub fn rom_byte(&self, addr: u32) -> Option<u8> {
        if addr >= self.rom_high {
            Some(self.rom[(addr - self.rom_high) as usize])
        } else if (self.rom_low..HOLE_END).contains(&addr) {
            Some(self.rom[(addr - self.rom_low) as usize])
        } else {
            None
        }
    }

    /// Whether a RAM byte sits at `addr` inside the hole but outside the ROM and device windows
    /// (the upper memory blocks C0000–(ROM start)).
    pub fn upper_ram(&self, addr: u32) -> bool {
        (0xC0000..self.rom_low).contains(&addr) && addr < self.ram_len
    }

    /// The region backing RAM (kept alive as long as the mapping is used).
    pub fn region(&self) -> &Arc<SharedRegion> {
        &self.ram
    }
}
