//! Floppy media formats, recognised by image size, and the data rates they are read at.

use serde::{Deserialize, Serialize};

/// Data rate select codes of the DSR/CCR.
pub const RATE_500K: u8 = 0;
pub const RATE_300K: u8 = 1;
pub const RATE_250K: u8 = 2;
pub const RATE_1M: u8 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Geometry {
    pub cylinders: u8,
    pub heads: u8,
    pub sectors: u8,
}

impl Geometry {
    /// The format of a raw image of `bytes` bytes (512-byte sectors), if it is a standard one:
    /// 160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M or 2.88M.
    pub fn from_size(bytes: u64) -> Option<Geometry> {
        let (cylinders, heads, sectors) = match bytes / 1024 {
            160 => (40, 1, 8),
            180 => (40, 1, 9),
            320 => (40, 2, 8),
            360 => (40, 2, 9),
            720 => (80, 2, 9),
            1200 => (80, 2, 15),
            1440 => (80, 2, 18),
            2880 => (80, 2, 36),
            _ => return None,
        };
        (bytes & 1023 == 0).then_some(Geometry {
            cylinders,
            heads,
            sectors,
        })
    }

    pub fn total_bytes(&self) -> u64 {
        self.cylinders as u64 * self.heads as u64 * self.sectors as u64 * 512
    }

    /// Whether the medium can be read at data rate `rate`: 1M for 2.88M, 500K for 1.2M and
    /// 1.44M, 250K for double density (and 300K for 40-track media in a 1.2M drive).
    pub fn accepts_rate(&self, rate: u8) -> bool {
        match self.sectors {
            36 => rate == RATE_1M,
            15 | 18 => rate == RATE_500K,
            _ if self.cylinders == 40 => rate == RATE_250K || rate == RATE_300K,
            _ => rate == RATE_250K,
        }
    }

    /// Byte offset of sector `r` (1-based) of cylinder `c`, head `h`.
    pub fn offset(&self, c: u8, h: u8, r: u8) -> u64 {
        ((c as u64 * self.heads as u64 + h as u64) * self.sectors as u64 + (r as u64 - 1)) * 512
    }
}
