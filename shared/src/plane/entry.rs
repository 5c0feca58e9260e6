//! Ring entries: two 64-bit words.
//!
//! word 0: bits 0–7 kind, bits 8–14 width in bytes, bit 15 backward (block transfers),
//!         bits 16–31 port, bits 32–63 value (writes) or item count (block transfers)
//! word 1: physical address (memory windows, block transfers)

use crate::IoWidth;

/// What a ring entry asks of the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RequestKind {
    /// OUT (posted).
    IoWrite = 1,
    /// IN (answered).
    IoRead = 2,
    /// Write to a memory window (posted).
    MemWrite = 3,
    /// Read from a memory window (answered).
    MemRead = 4,
    /// `REP INS` into guest RAM (answered with the items moved).
    IoReadBlock = 5,
    /// `REP OUTS` from guest RAM (answered with the items moved).
    IoWriteBlock = 6,
    /// A published read with a side effect was answered by the CPU (posted).
    ReadNotify = 7,
}

impl RequestKind {
    fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            1 => Self::IoWrite,
            2 => Self::IoRead,
            3 => Self::MemWrite,
            4 => Self::MemRead,
            5 => Self::IoReadBlock,
            6 => Self::IoWriteBlock,
            7 => Self::ReadNotify,
            _ => return None,
        })
    }

    /// Whether the CPU waits for an answer.
    pub fn is_round_trip(self) -> bool {
        matches!(
            self,
            Self::IoRead | Self::MemRead | Self::IoReadBlock | Self::IoWriteBlock
        )
    }
}

/// One decoded request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub kind: RequestKind,
    pub width: IoWidth,
    pub port: u16,
    /// The value written, or the item count of a block transfer.
    pub value: u32,
    pub addr: u64,
    pub backward: bool,
}

impl Request {
    pub fn encode(&self) -> [u64; 2] {
        let w0 = self.kind as u64
            | (self.width.bytes() as u64) << 8
            | (self.backward as u64) << 15
            | (self.port as u64) << 16
            | (self.value as u64) << 32;
        [w0, self.addr]
    }

    /// Decodes an entry; `None` if it is malformed (the device must not trust the ring: the
    /// memory is shared and could have been scribbled on).
    pub fn decode(words: [u64; 2]) -> Option<Request> {
        let w0 = words[0];
        Some(Request {
            kind: RequestKind::from_u8(w0 as u8)?,
            width: IoWidth::from_bytes(((w0 >> 8) & 0x7F) as u32)?,
            backward: (w0 >> 15) & 1 != 0,
            port: (w0 >> 16) as u16,
            value: (w0 >> 32) as u32,
            addr: words[1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_garbage_is_rejected() {
        let r = Request {
            kind: RequestKind::IoReadBlock,
            width: IoWidth::Word,
            port: 0x1F0,
            value: 256,
            addr: 0x7C00,
            backward: true,
        };
        assert_eq!(Request::decode(r.encode()), Some(r));
        assert_eq!(Request::decode([0, 0]), None);
        assert_eq!(Request::decode([0xFF, 0]), None);
        assert_eq!(
            Request::decode([1 | 3 << 8, 0]),
            None,
            "width 3 does not exist"
        );
    }
}
