//! Shifts and rotates: group 2 (0xC0/C1/D0–D3) and SHLD/SHRD.

use super::byte_or;
use crate::flags::{Size, CF, OF};
use crate::state::{Cpu, R};
use crate::Bus;

impl Cpu {
    /// Group 2: ROL ROR RCL RCR SHL SHR SAL(/6) SAR by 1, CL or an immediate.
    pub(crate) fn group2<B: Bus + ?Sized>(&mut self, bus: &mut B, opc: u8) -> R<()> {
        let sz = byte_or(opc, self.osize());
        let m = self.modrm(bus);
        let count = match opc {
            0xC0 | 0xC1 => self.fetch8(bus),
            0xD0 | 0xD1 => 1,
            _ => self.gpr[1] as u8,
        } & self.quirks.shift_count_mask;
        let a = self.read_loc(bus, sz, m.loc)?;
        if count == 0 {
            return Ok(());
        }
        let r = self.shift(m.reg, sz, a, count as u32);
        self.write_loc(bus, sz, m.loc, r)
    }

    /// One shift or rotate by a non-zero `count`; sets the flags and returns the result.
    #[inline]
    pub(crate) fn shift(&mut self, op: u8, sz: Size, a: u32, count: u32) -> u32 {
        let w = sz.bits();
        let mask = sz.mask();
        let msb = |v: u32| v & sz.sign() != 0;
        match op {
            0 => {
                // ROL
                let n = count % w;
                let r = if n == 0 {
                    a
                } else {
                    ((a << n) | (a >> (w - n))) & mask
                };
                let cf = r & 1 != 0;
                self.set_flag(CF, cf);
                self.set_flag(OF, msb(r) != cf);
                r
            }
            1 => {
                // ROR
                let n = count % w;
                let r = if n == 0 {
                    a
                } else {
                    ((a >> n) | (a << (w - n))) & mask
                };
                self.set_flag(CF, msb(r));
                self.set_flag(OF, msb(r) != msb(r << 1));
                r
            }
            2 | 3 => {
                // RCL / RCR: rotate the (w+1)-bit value CF:a.
                let n = count % (w + 1);
                let full = (1u64 << (w + 1)) - 1;
                let v = (self.cf() as u64) << w | a as u64;
                let v = if n == 0 {
                    v
                } else if op == 2 {
                    ((v << n) | (v >> (w + 1 - n))) & full
                } else {
                    ((v >> n) | (v << (w + 1 - n))) & full
                };
                let r = v as u32 & mask;
                let cf = (v >> w) & 1 != 0;
                self.set_flag(CF, cf);
                if op == 2 {
                    self.set_flag(OF, msb(r) != cf);
                } else {
                    self.set_flag(OF, msb(r) != msb(r << 1));
                }
                r
            }
            4 | 6 if !(op == 6 && self.quirks.shift_slot6_is_setmo) => {
                // SHL / SAL
                let r = if count >= w { 0 } else { (a << count) & mask };
                let cf = count <= w && (a >> (w - count)) & 1 != 0;
                self.set_shift_flags(sz, r, cf, msb(r) != cf);
                r
            }
            5 => {
                // SHR
                let r = if count >= w { 0 } else { a >> count };
                let cf = count <= w && (a >> (count - 1)) & 1 != 0;
                let of = if count == 1 {
                    msb(a)
                } else {
                    msb(r) != msb(r << 1)
                };
                self.set_shift_flags(sz, r, cf, of);
                r
            }
            7 => {
                // SAR
                let s = sz.sext(a) as i32;
                let r = (s >> count.min(31)) as u32 & mask;
                let cf = (s >> (count - 1).min(31)) & 1 != 0;
                self.set_shift_flags(sz, r, cf, false);
                r
            }
            _ => {
                // SETMO (8086 /6): all ones, flags as a logical result.
                let r = mask;
                self.logic_flags(sz, r);
                r
            }
        }
    }

    /// SHLD/SHRD (0F A4/A5/AC/AD): double-precision shifts by an immediate or CL.
    pub(crate) fn shld_shrd<B: Bus + ?Sized>(&mut self, bus: &mut B, opc: u8) -> R<()> {
        let sz = self.osize();
        let m = self.modrm(bus);
        let count = if opc & 1 == 0 {
            self.fetch8(bus)
        } else {
            self.gpr[1] as u8
        } as u32
            & 0x1F;
        let a = self.read_loc(bus, sz, m.loc)?;
        if count == 0 {
            return Ok(());
        }
        let b = self.reg(sz, m.reg);
        let w = sz.bits();
        let left = opc < 0xA8;
        // Work on the 64-bit concatenation so that 16-bit counts past the width behave as the
        // later chips do (bits of the source come around again).
        let (r, cf) = if left {
            let v = (a as u64) << w | b as u64;
            let v = if w == 16 { v << 32 | v } else { v };
            let total = if w == 16 { 64 } else { 2 * w };
            let r = (v << count >> (total - w)) as u32 & sz.mask();
            let cf = (v >> (total - count)) & 1 != 0;
            (r, cf)
        } else {
            let v = (b as u64) << w | a as u64;
            let v = if w == 16 { v << 32 | v } else { v };
            let r = (v >> count) as u32 & sz.mask();
            let cf = (v >> (count - 1)) & 1 != 0;
            (r, cf)
        };
        self.set_flag(CF, cf);
        self.set_flag(OF, (r ^ a) & sz.sign() != 0);
        self.set_szp(sz, r);
        self.write_loc(bus, sz, m.loc, r)
    }
}

#[cfg(test)]
mod tests {
    use crate::flags::{Size, CF, OF};
    use crate::{Cpu, CpuModel};

    #[test]
    fn rcl_goes_through_carry() {
        let mut c = Cpu::new(CpuModel::I686);
        c.set_flag(CF, true);
        let r = c.shift(2, Size::B, 0x80, 1);
        assert_eq!(r, 0x01);
        assert!(c.flag(CF));
        assert!(c.flag(OF)); // MSB(0x01)=0 xor CF=1
    }

    #[test]
    fn shl_past_width_clears() {
        let mut c = Cpu::new(CpuModel::I8086);
        let r = c.shift(4, Size::B, 0xFF, 9);
        assert_eq!(r, 0);
        assert!(!c.flag(CF));
        let r = c.shift(4, Size::B, 0x01, 8);
        assert_eq!(r, 0);
        assert!(c.flag(CF));
    }

    #[test]
    fn sar_keeps_sign() {
        let mut c = Cpu::new(CpuModel::I686);
        assert_eq!(c.shift(7, Size::W, 0x8000, 15), 0xFFFF);
        assert!(!c.flag(CF), "the last bit out is bit 14");
        assert_eq!(c.shift(7, Size::W, 0x4000, 15), 0);
        assert!(c.flag(CF));
    }
}
