//! FLAGS bits, operand sizes and the condition codes.

use crate::state::Cpu;

pub(crate) const CF: u32 = 1 << 0;
pub(crate) const PF: u32 = 1 << 2;
pub(crate) const AF: u32 = 1 << 4;
pub(crate) const ZF: u32 = 1 << 6;
pub(crate) const SF: u32 = 1 << 7;
pub(crate) const TF: u32 = 1 << 8;
pub(crate) const IF: u32 = 1 << 9;
pub(crate) const DF: u32 = 1 << 10;
pub(crate) const OF: u32 = 1 << 11;
pub(crate) const AC: u32 = 1 << 18;
/// The six arithmetic status flags.
pub(crate) const STATUS: u32 = CF | PF | AF | ZF | SF | OF;

/// Operand size of an instruction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Size {
    B = 1,
    #[default]
    W = 2,
    D = 4,
}

impl Size {
    #[inline]
    pub fn bits(self) -> u32 {
        (self as u32) * 8
    }
    #[inline]
    pub fn mask(self) -> u32 {
        match self {
            Size::B => 0xFF,
            Size::W => 0xFFFF,
            Size::D => 0xFFFF_FFFF,
        }
    }
    #[inline]
    pub fn sign(self) -> u32 {
        1 << (self.bits() - 1)
    }
    /// Sign-extends a value of this size to 32 bits.
    #[inline]
    pub fn sext(self, v: u32) -> u32 {
        match self {
            Size::B => v as u8 as i8 as i32 as u32,
            Size::W => v as u16 as i16 as i32 as u32,
            Size::D => v,
        }
    }
}

/// PF: set when the low byte has an even number of ones.
#[inline]
pub(crate) fn parity(v: u32) -> bool {
    // Fold the byte to a nibble, then look the nibble's parity up in a 16-bit constant (no
    // POPCNT in the baseline x86-64 target).
    let x = (v ^ (v >> 4)) & 0xF;
    (0x6996 >> x) & 1 == 0
}

impl Cpu {
    #[inline]
    pub(crate) fn flag(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    #[inline]
    pub(crate) fn set_flag(&mut self, f: u32, on: bool) {
        if on {
            self.flags |= f;
        } else {
            self.flags &= !f;
        }
    }

    /// Sets SF, ZF and PF from a result of size `sz`.
    #[inline]
    pub(crate) fn set_szp(&mut self, sz: Size, r: u32) {
        let r = r & sz.mask();
        let mut f = self.flags & !(SF | ZF | PF);
        if r & sz.sign() != 0 {
            f |= SF;
        }
        if r == 0 {
            f |= ZF;
        }
        if parity(r) {
            f |= PF;
        }
        self.flags = f;
    }

    /// Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc).
    #[inline]
    pub(crate) fn cond(&self, cc: u8) -> bool {
        let f = self.flags;
        let r = match cc >> 1 {
            0 => f & OF != 0,
            1 => f & CF != 0,
            2 => f & ZF != 0,
            3 => f & (CF | ZF) != 0,
            4 => f & SF != 0,
            5 => f & PF != 0,
            6 => (f & SF != 0) != (f & OF != 0),
            _ => f & ZF != 0 || ((f & SF != 0) != (f & OF != 0)),
        };
        r != (cc & 1 != 0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parity_matches_a_bit_count() {
        for v in 0..256u32 {
            assert_eq!(super::parity(v | 0x1200), v.count_ones() % 2 == 0, "{v:#x}");
        }
    }
}
