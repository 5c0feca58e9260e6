//! How the CPU reaches memory, ports and the interrupt controller.

use cloister_shared::IoWidth;

/// Plain guest RAM the CPU reads and writes directly, without calling the bus: physical
/// addresses `0..len`, at `ptr`.
#[derive(Clone, Copy, Debug)]
pub struct RamWindow {
    ptr: *mut u8,
    len: usize,
}

impl RamWindow {
    /// No window: every access goes through the bus.
    pub const NONE: RamWindow = RamWindow {
        ptr: std::ptr::null_mut(),
        len: 0,
    };

    /// A window of `len` bytes at `ptr`, for physical addresses `0..len`.
    ///
    /// # Safety
    /// The `len` bytes at `ptr` must be plain memory (no device, ROM or address wrap behind any of
    /// them: reading and writing them directly must do what the bus's `read*`/`write*` would) and
    /// must stay valid for as long as the bus that returned the window is alive, whatever its
    /// methods are called to do.
    pub unsafe fn new(ptr: *mut u8, len: usize) -> Self {
        RamWindow { ptr, len }
    }

    /// Reads `N` bytes at physical `a`, if they are all inside the window.
    #[inline(always)]
    pub(crate) fn read<const N: usize>(&self, a: u32) -> Option<[u8; N]> {
        if a as usize + N <= self.len {
            // SAFETY: in bounds (just checked), and valid memory by `new`'s contract: the CPU only
            // uses a window during the run of the bus it came from. Another process writing
            // the same guest RAM at the same time (a device's DMA) can tear the value, never make
            // it invalid: plain bytes.
            Some(unsafe { std::ptr::read_unaligned(self.ptr.add(a as usize) as *const [u8; N]) })
        } else {
            None
        }
    }

    /// Writes `N` bytes at physical `a`; false (and nothing written) when they are not all inside
    /// the window.
    #[inline(always)]
    pub(crate) fn write<const N: usize>(&self, a: u32, bytes: [u8; N]) -> bool {
        if a as usize + N <= self.len {
            // SAFETY: as in `read`.
            unsafe { std::ptr::write_unaligned(self.ptr.add(a as usize) as *mut [u8; N], bytes) };
            true
        } else {
            false
        }
    }
}

/// The machine as the CPU sees it. Generic (not `dyn`) in the interpreter so that RAM accesses
/// inline. Addresses are physical; the bus applies the A20 mask and routes ROM and device windows.
pub trait Bus {
    /// The RAM the CPU may access directly (see [`RamWindow::new`]); the CPU asks at the start of
    /// every run and step. Accesses outside it go through the methods below.
    fn ram_window(&mut self) -> RamWindow {
        RamWindow::NONE
    }

    fn read8(&mut self, addr: u32) -> u8;
    fn write8(&mut self, addr: u32, value: u8);

    fn read16(&mut self, addr: u32) -> u16 {
        u16::from_le_bytes([self.read8(addr), self.read8(addr.wrapping_add(1))])
    }
    fn write16(&mut self, addr: u32, value: u16) {
        let b = value.to_le_bytes();
        self.write8(addr, b[0]);
        self.write8(addr.wrapping_add(1), b[1]);
    }
    fn read32(&mut self, addr: u32) -> u32 {
        u32::from_le_bytes([
            self.read8(addr),
            self.read8(addr.wrapping_add(1)),
            self.read8(addr.wrapping_add(2)),
            self.read8(addr.wrapping_add(3)),
        ])
    }
    fn write32(&mut self, addr: u32, value: u32) {
        for (i, b) in value.to_le_bytes().into_iter().enumerate() {
            self.write8(addr.wrapping_add(i as u32), b);
        }
    }

    /// IN: reads `width` bytes from `port`.
    fn io_read(&mut self, port: u16, width: IoWidth) -> u32;
    /// OUT: writes `width` bytes to `port`.
    fn io_write(&mut self, port: u16, width: IoWidth, value: u32);

    /// `REP INS` as one transfer into physical memory starting at `addr` (contiguous; going down
    /// when `backward`). Returns the number of items moved, or `None` when the bus cannot move them
    /// in bulk and the CPU must issue one `io_read` per item.
    fn io_read_block(
        &mut self,
        _port: u16,
        _width: IoWidth,
        _addr: u32,
        _count: u32,
        _backward: bool,
    ) -> Option<u32> {
        None
    }
    /// `REP OUTS` as one transfer; see [`Bus::io_read_block`].
    fn io_write_block(
        &mut self,
        _port: u16,
        _width: IoWidth,
        _addr: u32,
        _count: u32,
        _backward: bool,
    ) -> Option<u32> {
        None
    }

    /// Level of the INTR line (the interrupt controller has a request).
    fn intr_pending(&mut self) -> bool {
        false
    }
    /// Interrupt acknowledge: the vector of the request the CPU is taking.
    fn intr_ack(&mut self) -> u8 {
        0xFF
    }
    /// Whether an NMI is waiting; taking it clears it.
    fn nmi_take(&mut self) -> bool {
        false
    }
}
