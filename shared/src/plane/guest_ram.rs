//! A device's view of guest RAM: bounds-checked copies in and out of the shared mapping.

use std::sync::Arc;

use crate::sys::memfd::SharedRegion;

/// Guest physical memory as a device process maps it.
#[derive(Clone)]
pub struct GuestRam {
    region: Arc<SharedRegion>,
}

impl GuestRam {
    pub fn new(region: Arc<SharedRegion>) -> Self {
        GuestRam { region }
    }

    pub fn size(&self) -> u64 {
        self.region.len() as u64
    }

    fn check(&self, addr: u64, len: usize) -> bool {
        addr.checked_add(len as u64)
            .is_some_and(|end| end <= self.size())
    }

    /// Copies guest memory at `addr` into `buf`; false (and nothing copied) if out of range.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> bool {
        if !self.check(addr, buf.len()) {
            return false;
        }
        // SAFETY: the range is inside the mapping (checked above), which lives as long as
        // `self.region`; `buf` is a distinct local buffer. The CPU may write the same bytes
        // concurrently: the copy can then be torn, which is what real DMA does too.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.region.as_ptr().add(addr as usize),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        true
    }

    /// Copies `buf` into guest memory at `addr`; false (and nothing written) if out of range.
    pub fn write(&self, addr: u64, buf: &[u8]) -> bool {
        if !self.check(addr, buf.len()) {
            return false;
        }
        // SAFETY: as in `read`, with the direction reversed.
        unsafe {
            std::ptr::copy_nonoverlapping(
                buf.as_ptr(),
                self.region.as_ptr().add(addr as usize),
                buf.len(),
            )
        };
        true
    }
}
