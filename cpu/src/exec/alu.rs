//! Arithmetic and logic: the eight ALU operations, INC/DEC, group 3 (TEST NOT NEG MUL IMUL DIV
//! IDIV), the IMUL forms and the BCD adjustments.

use super::byte_or;
use crate::flags::{LazyOp, Size, AF, CF, OF};
use crate::state::{vector, Cpu, Fault, Rep, R};
use crate::Bus;

/// ALU operation numbers, as in the opcode's bits 3–5 and group 1's reg field.
pub(crate) const ADD: u8 = 0;
pub(crate) const OR: u8 = 1;
pub(crate) const ADC: u8 = 2;
pub(crate) const SBB: u8 = 3;
pub(crate) const AND: u8 = 4;
pub(crate) const SUB: u8 = 5;
pub(crate) const XOR: u8 = 6;
pub(crate) const CMP: u8 = 7;

fn de<T>() -> R<T> {
    Err(Fault::Exception(vector::DE))
}

impl Cpu {
    /// Flags of an addition `a + b + carry` of size `sz` (operands cut to the size, carry 0 or
    /// 1), recorded to be computed when read; returns the result.
    #[inline(always)]
    pub(crate) fn add_flags(&mut self, sz: Size, a: u32, b: u32, carry: u32) -> u32 {
        debug_assert!(a <= sz.mask() && b <= sz.mask() && carry <= 1);
        let r = a.wrapping_add(b).wrapping_add(carry) & sz.mask();
        let op = if carry != 0 { LazyOp::Adc } else { LazyOp::Add };
        self.set_lazy(op, sz, a, b, r);
        r
    }

    /// Flags of a subtraction `a - b - borrow` of size `sz`; returns the result.
    #[inline(always)]
    pub(crate) fn sub_flags(&mut self, sz: Size, a: u32, b: u32, borrow: u32) -> u32 {
        debug_assert!(a <= sz.mask() && b <= sz.mask() && borrow <= 1);
        let r = a.wrapping_sub(b).wrapping_sub(borrow) & sz.mask();
        let op = if borrow != 0 {
            LazyOp::Sbb
        } else {
            LazyOp::Sub
        };
        self.set_lazy(op, sz, a, b, r);
        r
    }

    /// Flags of a logical operation: CF = OF = AF = 0, SF ZF PF from the result.
    #[inline(always)]
    pub(crate) fn logic_flags(&mut self, sz: Size, r: u32) {
        self.set_lazy(LazyOp::Logic, sz, 0, 0, r & sz.mask());
    }

    /// One of the eight ALU operations; returns the result (for CMP, the first operand).
    #[inline]
    pub(crate) fn alu(&mut self, op: u8, sz: Size, a: u32, b: u32) -> u32 {
        let c = self.cf() as u32;
        match op {
            ADD => self.add_flags(sz, a, b, 0),
            OR => {
                self.logic_flags(sz, a | b);
                a | b
            }
            ADC => self.add_flags(sz, a, b, c),
            SBB => self.sub_flags(sz, a, b, c),
            AND => {
                self.logic_flags(sz, a & b);
                a & b
            }
            SUB => self.sub_flags(sz, a, b, 0),
            XOR => {
                self.logic_flags(sz, a ^ b);
                a ^ b
            }
            _ => {
                self.sub_flags(sz, a, b, 0);
                a
            }
        }
    }

    /// Opcodes 0x00–0x3D: `op Eb,Gb`, `op Ev,Gv`, `op Gb,Eb`, `op Gv,Ev`, `op AL,Ib`, `op eAX,Iz`.
    pub(crate) fn alu_form<B: Bus + ?Sized>(&mut self, bus: &mut B, opc: u8) -> R<()> {
        let op = (opc >> 3) & 7;
        let sz = byte_or(opc, self.osize());
        match opc & 7 {
            0 | 1 => {
                let m = self.modrm(bus);
                let a = self.read_loc(bus, sz, m.loc)?;
                let b = self.reg(sz, m.reg);
                let r = self.alu(op, sz, a, b);
                if op != CMP {
                    self.write_loc(bus, sz, m.loc, r)?;
                }
            }
            2 | 3 => {
                let m = self.modrm(bus);
                let b = self.read_loc(bus, sz, m.loc)?;
                let a = self.reg(sz, m.reg);
                let r = self.alu(op, sz, a, b);
                if op != CMP {
                    self.set_reg(sz, m.reg, r);
                }
            }
            _ => {
                let b = self.fetch_imm(bus, sz);
                let a = self.reg(sz, 0);
                let r = self.alu(op, sz, a, b);
                if op != CMP {
                    self.set_reg(sz, 0, r);
                }
            }
        }
        Ok(())
    }

    /// Group 1 (0x80–0x83): `op Eb,Ib`, `op Ev,Iz`, `op Eb,Ib` (0x82 alias), `op Ev,Ib` sign-extended.
    pub(crate) fn group1<B: Bus + ?Sized>(&mut self, bus: &mut B, opc: u8) -> R<()> {
        let sz = byte_or(opc, self.osize());
        let m = self.modrm(bus);
        let b = match opc {
            0x81 => self.fetch_imm(bus, sz),
            0x83 => self.fetch8(bus) as i8 as u32 & sz.mask(),
            _ => self.fetch8(bus) as u32,
        };
        let a = self.read_loc(bus, sz, m.loc)?;
        let r = self.alu(m.reg, sz, a, b);
        if m.reg != CMP {
            self.write_loc(bus, sz, m.loc, r)?;
        }
        Ok(())
    }

    /// INC or DEC: like ADD/SUB 1 but CF is kept.
    #[inline]
    pub(crate) fn inc_dec(&mut self, sz: Size, a: u32, dec: bool) -> u32 {
        let cf = self.cf() as u32;
        self.fbits = (self.fbits & !CF) | cf;
        let r = if dec {
            a.wrapping_sub(1)
        } else {
            a.wrapping_add(1)
        } & sz.mask();
        let op = if dec { LazyOp::Dec } else { LazyOp::Inc };
        self.set_lazy(op, sz, a, 1, r);
        r
    }

    /// Group 3 (0xF6/0xF7): TEST NOT NEG MUL IMUL DIV IDIV.
    pub(crate) fn group3<B: Bus + ?Sized>(&mut self, bus: &mut B, opc: u8) -> R<()> {
        let sz = byte_or(opc, self.osize());
        let m = self.modrm(bus);
        let imm = if m.reg < 2 {
            self.fetch_imm(bus, sz)
        } else {
            0
        };
        self.group3_op(bus, sz, m.reg, m.loc, imm)
    }

    /// Group 3 operation `op` (the reg field) on `loc`; `imm` is TEST's immediate.
    pub(crate) fn group3_op<B: Bus + ?Sized>(
        &mut self,
        bus: &mut B,
        sz: Size,
        op: u8,
        loc: crate::mem::Loc,
        imm: u32,
    ) -> R<()> {
        let a = self.read_loc(bus, sz, loc)?;
        match op {
            // /1 is an alias of TEST.
            0 | 1 => self.logic_flags(sz, a & imm),
            2 => self.write_loc(bus, sz, loc, !a & sz.mask())?,
            3 => {
                let r = self.sub_flags(sz, 0, a, 0);
                self.write_loc(bus, sz, loc, r)?;
            }
            4 | 5 => self.mul(sz, a, op == 5),
            _ => self.div(sz, a, op == 7)?,
        }
        Ok(())
    }

    /// Whether this 8086 instruction's REP prefix negates a signed result.
    fn rep_negates(&self) -> bool {
        self.quirks.rep_negates_mul_div && self.pfx.rep != Rep::None
    }

    /// MUL/IMUL of the accumulator: AL→AX, AX→DX:AX, EAX→EDX:EAX.
    fn mul(&mut self, sz: Size, src: u32, signed: bool) {
        let a = self.reg(sz, 0);
        let bits = sz.bits();
        let (lo, hi, overflow) = if signed {
            let mut p = (sz.sext(a) as i32 as i64) * (sz.sext(src) as i32 as i64);
            if self.rep_negates() {
                p = -p;
            }
            let lo = (p as u64 as u32) & sz.mask();
            let hi = ((p as u64) >> bits) as u32 & sz.mask();
            (lo, hi, p != sz.sext(lo) as i32 as i64)
        } else {
            let p = a as u64 * src as u64;
            let lo = p as u32 & sz.mask();
            let hi = (p >> bits) as u32 & sz.mask();
            (lo, hi, hi != 0)
        };
        match sz {
            Size::B => self.set_reg(Size::W, 0, hi << 8 | lo),
            _ => {
                self.set_reg(sz, 0, lo);
                self.set_reg(sz, 2, hi);
            }
        }
        self.set_flag(CF, overflow);
        self.set_flag(OF, overflow);
        // SF ZF PF are undefined; chips of this era leave them following the low half.
        self.set_szp(sz, lo);
        self.set_flag(AF, false);
    }

    /// DIV/IDIV of AX, DX:AX or EDX:EAX by `src`.
    fn div(&mut self, sz: Size, src: u32, signed: bool) -> R<()> {
        let bits = sz.bits();
        let dividend: u64 = match sz {
            Size::B => self.reg(Size::W, 0) as u64,
            _ => (self.reg(sz, 2) as u64) << bits | self.reg(sz, 0) as u64,
        };
        if src == 0 && (signed || !self.quirks.div_overflow_sets_flags) {
            return de();
        }
        let (q, r) = if signed {
            let n = ((dividend << (64 - 2 * bits)) as i64) >> (64 - 2 * bits);
            let d = sz.sext(src) as i32 as i64;
            let mut q = n.wrapping_div(d);
            let r = n.wrapping_rem(d);
            if self.rep_negates() {
                q = -q;
            }
            let min = -(1i64 << (bits - 1));
            let max = (1i64 << (bits - 1)) - 1;
            let low = if self.quirks.idiv_rejects_min_quotient {
                min + 1
            } else {
                min
            };
            if q < low || q > max {
                return de();
            }
            (q as u64 as u32 & sz.mask(), r as u64 as u32 & sz.mask())
        } else {
            let q = dividend.checked_div(src as u64).unwrap_or(u64::MAX);
            if q >> bits != 0 {
                if self.quirks.div_overflow_sets_flags {
                    self.sub_flags(sz, (dividend >> bits) as u32, src, 0);
                }
                return de();
            }
            (q as u32, (dividend % src as u64) as u32)
        };
        match sz {
            Size::B => self.set_reg(Size::W, 0, r << 8 | q),
            _ => {
                self.set_reg(sz, 0, q);
                self.set_reg(sz, 2, r);
            }
        }
        Ok(())
    }

    /// IMUL Gv,Ev,Iz (0x69) and IMUL Gv,Ev,Ib (0x6B).
    pub(crate) fn imul_imm<B: Bus + ?Sized>(&mut self, bus: &mut B, byte_imm: bool) -> R<()> {
        let sz = self.osize();
        let m = self.modrm(bus);
        let imm = if byte_imm {
            self.fetch8(bus) as i8 as u32
        } else {
            self.fetch_imm(bus, sz)
        };
        let a = self.read_loc(bus, sz, m.loc)?;
        let r = self.imul_trunc(sz, a, imm);
        self.set_reg(sz, m.reg, r);
        Ok(())
    }

    /// Two- and three-operand IMUL: the product truncated to `sz`; CF = OF = it did not fit.
    pub(crate) fn imul_trunc(&mut self, sz: Size, a: u32, b: u32) -> u32 {
        let p = (sz.sext(a) as i32 as i64) * (sz.sext(b) as i32 as i64);
        let r = p as u64 as u32 & sz.mask();
        let overflow = p != sz.sext(r) as i32 as i64;
        self.set_flag(CF, overflow);
        self.set_flag(OF, overflow);
        self.set_szp(sz, r);
        self.set_flag(AF, false);
        r
    }

    // --- BCD ---------------------------------------------------------------------------------

    /// The AL above which DAA/DAS adjust the high digit.
    fn bcd_high_limit(&self) -> u32 {
        if self.quirks.bcd_8086_rules && self.flag(AF) {
            0x9F
        } else {
            0x99
        }
    }

    pub(crate) fn daa(&mut self) -> R<()> {
        let al = self.reg(Size::B, 0);
        let cf = self.flag(CF);
        let limit = self.bcd_high_limit();
        let mut r = al;
        let mut new_cf = false;
        let mut new_af = false;
        if al & 0x0F > 9 || self.flag(AF) {
            r = r.wrapping_add(6);
            new_cf = !self.quirks.bcd_8086_rules && (cf || al > 0xF9);
            new_af = true;
        }
        if al > limit || cf {
            r = r.wrapping_add(0x60);
            new_cf = true;
        }
        self.set_reg(Size::B, 0, r);
        self.set_flag(CF, new_cf);
        self.set_flag(AF, new_af);
        self.set_szp(Size::B, r);
        // OF is undefined; chips compute it as for the addition done.
        self.set_flag(OF, (al ^ r) & (r & 0x80) != 0 && al & 0x80 == 0);
        Ok(())
    }

    pub(crate) fn das(&mut self) -> R<()> {
        let al = self.reg(Size::B, 0);
        let cf = self.flag(CF);
        let limit = self.bcd_high_limit();
        let mut r = al;
        let mut new_cf = false;
        let mut new_af = false;
        if al & 0x0F > 9 || self.flag(AF) {
            r = r.wrapping_sub(6) & 0xFF;
            new_cf = !self.quirks.bcd_8086_rules && (cf || al < 6);
            new_af = true;
        }
        if al > limit || cf {
            r = r.wrapping_sub(0x60) & 0xFF;
            new_cf = true;
        }
        self.set_reg(Size::B, 0, r);
        self.set_flag(CF, new_cf);
        self.set_flag(AF, new_af);
        self.set_szp(Size::B, r);
        self.set_flag(OF, al & 0x80 != 0 && r & 0x80 == 0);
        Ok(())
    }

    pub(crate) fn aaa(&mut self) -> R<()> {
        self.ascii_adjust(false)
    }

    pub(crate) fn aas(&mut self) -> R<()> {
        self.ascii_adjust(true)
    }

    /// AAA / AAS.
    fn ascii_adjust(&mut self, sub: bool) -> R<()> {
        let ax = self.reg(Size::W, 0);
        let al = ax & 0xFF;
        let adjust = al & 0x0F > 9 || self.flag(AF);
        let mut r = ax;
        if adjust {
            if self.quirks.has_186_ops {
                // 286+: the adjustment is applied to AX as a whole.
                r = if sub {
                    ax.wrapping_sub(6).wrapping_sub(0x100)
                } else {
                    ax.wrapping_add(0x106)
                };
            } else {
                let nal = if sub {
                    al.wrapping_sub(6)
                } else {
                    al.wrapping_add(6)
                } & 0xFF;
                let ah = ((ax >> 8).wrapping_add(if sub { 0xFF } else { 1 })) & 0xFF;
                r = ah << 8 | nal;
            }
        }
        let r = r & 0xFF0F;
        self.set_reg(Size::W, 0, r);
        self.set_flag(AF, adjust);
        self.set_flag(CF, adjust);
        // OF SF ZF PF are undefined; follow AL.
        self.set_szp(Size::B, r);
        Ok(())
    }

    pub(crate) fn aam(&mut self, base: u8) -> R<()> {
        if base == 0 {
            if self.quirks.aam_zero_sets_flags {
                self.logic_flags(Size::B, 0);
            }
            return de();
        }
        let al = self.reg(Size::B, 0);
        let r = (al / base as u32) << 8 | (al % base as u32);
        self.set_reg(Size::W, 0, r);
        self.logic_flags(Size::B, r);
        Ok(())
    }

    pub(crate) fn aad(&mut self, base: u8) {
        let al = self.reg(Size::B, 0);
        let ah = self.reg(Size::B, 4);
        let prod = (ah * base as u32) & 0xFF;
        // The flags are those of the byte addition AL + AH×base.
        let r = self.add_flags(Size::B, al, prod, 0);
        self.set_reg(Size::W, 0, r);
    }
}

#[cfg(test)]
mod tests {
    use crate::flags::{parity, Size, AF, CF, OF, PF, SF, ZF};
    use crate::{Cpu, CpuModel};

    #[test]
    fn add_sets_carry_overflow_and_aux() {
        let mut c = Cpu::new(CpuModel::I686);
        let r = c.add_flags(Size::B, 0x7F, 0x01, 0);
        assert_eq!(r, 0x80);
        assert!(c.flag(OF) && c.flag(AF) && c.flag(SF) && !c.flag(CF));
        let r = c.add_flags(Size::W, 0xFFFF, 0x0001, 0);
        assert_eq!(r, 0);
        assert!(c.flag(CF) && c.flag(ZF) && !c.flag(OF));
    }

    #[test]
    fn sbb_borrows_through_carry() {
        let mut c = Cpu::new(CpuModel::I686);
        let r = c.sub_flags(Size::D, 0, 0, 1);
        assert_eq!(r, 0xFFFF_FFFF);
        assert!(c.flag(CF) && c.flag(SF) && c.flag(PF) == parity(r));
    }

    #[test]
    fn aad_uses_base_and_clears_ah() {
        let mut c = Cpu::new(CpuModel::I686);
        c.gpr[0] = 0x0207;
        c.aad(10);
        assert_eq!(c.gpr[0], 27);
        assert_eq!(c.flag(PF), parity(27));
    }
}
