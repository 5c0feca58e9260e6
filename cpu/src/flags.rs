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

/// What the last flag-setting operation was, for computing its status flags when they are read
/// (lazy flags). `Adc`/`Sbb` mean a carry (borrow) of one went in; with a carry of zero they
/// are recorded as `Add`/`Sub`, whose flags are the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum LazyOp {
    /// The status bits in `Cpu::fbits` are the flags.
    #[default]
    None,
    Add,
    Adc,
    Sub,
    Sbb,
    /// AND OR XOR TEST: CF = OF = AF = 0.
    Logic,
    /// INC / DEC: CF is the one in `Cpu::fbits` (kept from before).
    Inc,
    Dec,
    /// SF ZF PF from the result, CF OF AF as in `Cpu::fbits` (shifts).
    Szp,
}

/// The operands and result of the last flag-setting operation, all cut to its size.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Lazy {
    pub op: LazyOp,
    /// The size's sign bit (0x80, 0x8000 or 0x8000_0000).
    pub sign: u32,
    pub a: u32,
    pub b: u32,
    pub r: u32,
}

impl Cpu {
    /// Records a flag-setting operation; its flags are computed when something reads them.
    #[inline(always)]
    pub(crate) fn set_lazy(&mut self, op: LazyOp, sz: Size, a: u32, b: u32, r: u32) {
        self.lazy = Lazy {
            op,
            sign: sz.sign(),
            a,
            b,
            r,
        };
    }

    /// The six status flags of the recorded operation (only for `op != None`).
    pub(crate) fn lazy_status(&self) -> u32 {
        let l = &self.lazy;
        let mut f = 0;
        if self.cf() {
            f |= CF;
        }
        if parity(l.r) {
            f |= PF;
        }
        f |= match l.op {
            LazyOp::Logic => 0,
            LazyOp::Szp => self.fbits & AF,
            _ => (l.a ^ l.b ^ l.r) & AF,
        };
        if l.r == 0 {
            f |= ZF;
        }
        if l.r & l.sign != 0 {
            f |= SF;
        }
        if self.of() {
            f |= OF;
        }
        f
    }

    /// Writes the recorded operation's status flags into `fbits` (before changing some of them).
    #[inline]
    pub(crate) fn flush_flags(&mut self) {
        if self.lazy.op != LazyOp::None {
            self.fbits = (self.fbits & !STATUS) | self.lazy_status();
            self.lazy.op = LazyOp::None;
        }
    }

    #[inline]
    pub(crate) fn cf(&self) -> bool {
        let l = &self.lazy;
        match l.op {
            LazyOp::None | LazyOp::Inc | LazyOp::Dec | LazyOp::Szp => self.fbits & CF != 0,
            LazyOp::Add => l.r < l.a,
            LazyOp::Adc => l.r <= l.a,
            LazyOp::Sub => l.a < l.b,
            LazyOp::Sbb => l.a <= l.b,
            LazyOp::Logic => false,
        }
    }

    #[inline]
    pub(crate) fn zf(&self) -> bool {
        match self.lazy.op {
            LazyOp::None => self.fbits & ZF != 0,
            _ => self.lazy.r == 0,
        }
    }

    #[inline]
    fn sf(&self) -> bool {
        match self.lazy.op {
            LazyOp::None => self.fbits & SF != 0,
            _ => self.lazy.r & self.lazy.sign != 0,
        }
    }

    #[inline]
    fn of(&self) -> bool {
        let l = &self.lazy;
        match l.op {
            LazyOp::None | LazyOp::Szp => self.fbits & OF != 0,
            LazyOp::Add | LazyOp::Adc => (l.a ^ l.r) & (l.b ^ l.r) & l.sign != 0,
            LazyOp::Sub | LazyOp::Sbb => (l.a ^ l.b) & (l.a ^ l.r) & l.sign != 0,
            LazyOp::Logic => false,
            LazyOp::Inc => l.r == l.sign,
            LazyOp::Dec => l.r == l.sign - 1,
        }
    }

    #[inline]
    fn pf(&self) -> bool {
        match self.lazy.op {
            LazyOp::None => self.fbits & PF != 0,
            _ => parity(self.lazy.r),
        }
    }

    /// Whether flag `f` (one bit) is set.
    #[inline]
    pub(crate) fn flag(&self, f: u32) -> bool {
        match f {
            CF => self.cf(),
            ZF => self.zf(),
            SF => self.sf(),
            OF => self.of(),
            PF => self.pf(),
            AF => self.eflags() & AF != 0,
            _ => self.fbits & f != 0,
        }
    }

    #[inline]
    pub(crate) fn set_flag(&mut self, f: u32, on: bool) {
        if f & STATUS != 0 {
            self.flush_flags();
        }
        if on {
            self.fbits |= f;
        } else {
            self.fbits &= !f;
        }
    }

    /// Sets the flags of a shift: CF and OF as given, AF clear, SF ZF PF from the result
    /// (recorded, computed when read).
    #[inline(always)]
    pub(crate) fn set_shift_flags(&mut self, sz: Size, r: u32, cf: bool, of: bool) {
        self.fbits = (self.fbits & !(CF | OF | AF)) | cf as u32 | if of { OF } else { 0 };
        self.set_lazy(LazyOp::Szp, sz, 0, 0, r & sz.mask());
    }

    /// Sets SF, ZF and PF from a result of size `sz` (the other status flags as they are).
    #[inline]
    pub(crate) fn set_szp(&mut self, sz: Size, r: u32) {
        self.flush_flags();
        let r = r & sz.mask();
        let mut f = self.fbits & !(SF | ZF | PF);
        if r & sz.sign() != 0 {
            f |= SF;
        }
        if r == 0 {
            f |= ZF;
        }
        if parity(r) {
            f |= PF;
        }
        self.fbits = f;
    }

    /// Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc).
    #[inline]
    pub(crate) fn cond(&self, cc: u8) -> bool {
        let r = match cc >> 1 {
            0 => self.of(),
            1 => self.cf(),
            2 => self.zf(),
            3 => self.cf() || self.zf(),
            4 => self.sf(),
            5 => self.pf(),
            6 => self.sf() != self.of(),
            _ => self.zf() || (self.sf() != self.of()),
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

    /// The flags of an 8-bit operation computed directly (as the interpreter did before it
    /// recorded operations lazily): CF from the wide result, AF from bit 4's carry, OF from the
    /// signs, SF ZF PF from the result.
    fn eager(a: u32, b: u32, c: u32, sub: bool) -> (u32, u32) {
        let (wide, r) = if sub {
            let w = a as i32 - b as i32 - c as i32;
            (w, (w as u32) & 0xFF)
        } else {
            let w = (a + b + c) as i32;
            (w, (w as u32) & 0xFF)
        };
        let mut f = 0;
        if !(0..=0xFF).contains(&wide) {
            f |= super::CF;
        }
        if (a ^ b ^ r) & 0x10 != 0 {
            f |= super::AF;
        }
        let ovf = if sub {
            (a ^ b) & (a ^ r) & 0x80
        } else {
            (a ^ r) & (b ^ r) & 0x80
        };
        if ovf != 0 {
            f |= super::OF;
        }
        if r & 0x80 != 0 {
            f |= super::SF;
        }
        if r == 0 {
            f |= super::ZF;
        }
        if super::parity(r) {
            f |= super::PF;
        }
        (r, f)
    }

    #[test]
    fn lazy_flags_match_eager_ones_for_every_byte_operand() {
        use super::{Size, CF, STATUS};
        let mut cpu = crate::Cpu::new(crate::CpuModel::I686);
        for a in 0..256u32 {
            for b in 0..256u32 {
                for c in 0..2u32 {
                    for sub in [false, true] {
                        let r = if sub {
                            cpu.sub_flags(Size::B, a, b, c)
                        } else {
                            cpu.add_flags(Size::B, a, b, c)
                        };
                        let (er, ef) = eager(a, b, c, sub);
                        assert_eq!(r, er);
                        assert_eq!(cpu.eflags() & STATUS, ef, "{a:#x} {b:#x} c={c} sub={sub}");
                        for cc in 0..16 {
                            let mut want = cpu.eflags();
                            // The condition read from the flags as materialised.
                            cpu.set_eflags(want);
                            let direct = cpu.cond(cc);
                            if sub {
                                cpu.sub_flags(Size::B, a, b, c);
                            } else {
                                cpu.add_flags(Size::B, a, b, c);
                            }
                            assert_eq!(cpu.cond(cc), direct, "cc {cc} after {a:#x} {b:#x}");
                            want &= STATUS;
                            assert_eq!(cpu.eflags() & STATUS, want);
                        }
                    }
                }
                // INC and DEC keep CF from before.
                for cf in [false, true] {
                    cpu.set_flag(CF, cf);
                    let r = cpu.inc_dec(Size::B, a, b & 1 != 0);
                    let (er, ef) = eager(a, 1, 0, b & 1 != 0);
                    assert_eq!(r, er);
                    assert_eq!(cpu.eflags() & STATUS, (ef & !CF) | cf as u32);
                }
            }
        }
    }
}
