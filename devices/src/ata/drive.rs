//! The hard disk behind the ATA registers: its image, capacity and geometries.

use serde::{Deserialize, Serialize};

use crate::disk::backend::BlockBackend;

/// LBA28 addresses at most 2^28 sectors.
const LBA28_LIMIT: u64 = 1 << 28;

#[derive(Serialize, Deserialize)]
pub struct AtaDrive {
    /// The image; the supervisor hands it over again after a restore.
    #[serde(skip)]
    pub backend: Option<Box<dyn BlockBackend>>,
    pub sectors: u64,
    /// Cylinders, heads, sectors per track as reported at power-on.
    pub default_chs: (u16, u8, u8),
    /// As set by INITIALIZE DEVICE PARAMETERS; CHS addresses are translated with these.
    pub current_chs: (u16, u8, u8),
    pub multiple: u8,
    pub write_cache: bool,
    pub read_only: bool,
}

impl AtaDrive {
    pub fn new(backend: Box<dyn BlockBackend>) -> Self {
        let sectors = backend.len() / 512;
        let read_only = backend.read_only();
        let chs = default_geometry(sectors);
        AtaDrive {
            backend: Some(backend),
            sectors,
            default_chs: chs,
            current_chs: chs,
            multiple: 0,
            write_cache: true,
            read_only,
        }
    }

    pub fn lba28_sectors(&self) -> u32 {
        self.sectors.min(LBA28_LIMIT - 1) as u32
    }

    /// Sets the translation geometry; cylinders follow from the capacity.
    pub fn set_geometry(&mut self, heads: u8, spt: u8) -> bool {
        if spt == 0 || heads == 0 || heads > 16 {
            return false;
        }
        let per_cyl = heads as u64 * spt as u64;
        let cyls = (self.lba28_sectors() as u64 / per_cyl).min(65_535) as u16;
        self.current_chs = (cyls, heads, spt);
        true
    }

    /// The LBA of a CHS address under the current geometry, if it is on the disk.
    pub fn chs_to_lba(&self, cyl: u16, head: u8, sector: u8) -> Option<u64> {
        let (cyls, heads, spt) = self.current_chs;
        if sector == 0 || sector > spt || head >= heads || cyl >= cyls {
            return None;
        }
        Some((cyl as u64 * heads as u64 + head as u64) * spt as u64 + sector as u64 - 1)
    }

    pub fn lba_to_chs(&self, lba: u64) -> (u16, u8, u8) {
        let (_, heads, spt) = self.current_chs;
        let (heads, spt) = (heads.max(1) as u64, spt.max(1) as u64);
        (
            (lba / (heads * spt)) as u16,
            (lba / spt % heads) as u8,
            (lba % spt + 1) as u8,
        )
    }
}

/// The usual translation: 16 heads and 63 sectors per track, at most 16383 cylinders; small
/// images get fewer heads so that they still have whole cylinders.
fn default_geometry(sectors: u64) -> (u16, u8, u8) {
    let spt = sectors.clamp(1, 63);
    let heads = (sectors / spt).clamp(1, 16);
    let cyls = (sectors / (heads * spt)).clamp(1, 16_383);
    (cyls as u16, heads as u8, spt as u8)
}
