//! The two-byte opcode page (0x0F xx) of the 386 and later chips, as far as real mode uses it.

use super::ud;
use crate::flags::{Size, CF, ZF};
use crate::mem::Loc;
use crate::state::{vector, Cpu, Fault, SegReg, R};
use crate::Bus;

/// CPUID leaf 1 EDX: TSC, CX8, CMOV (no FPU yet: see the crate docs).
const CPUID_FEATURES: u32 = (1 << 4) | (1 << 8) | (1 << 15);
/// Family 6, model 3, stepping 3 (a Pentium II class part).
const CPUID_SIGNATURE: u32 = 0x0633;

fn gp<T>() -> R<T> {
    Err(Fault::Exception(vector::GP))
}

impl Cpu {
    pub(crate) fn exec_0f<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let op = self.fetch8(bus);
        let v = self.osize();
        match op {
            // SLDT STR LLDT LTR VERR VERW, LAR, LSL: protected mode only.
            0x00 | 0x02 | 0x03 => ud(),
            0x01 => self.group7(bus),
            0x06 => {
                self.cr0 &= !8; // CLTS
                Ok(())
            }
            0x08 | 0x09 => Ok(()), // INVD / WBINVD: no caches to flush.
            0x0B => ud(),          // UD2
            0x20 | 0x22 => self.mov_cr(bus, op == 0x22),
            0x21 | 0x23 => {
                let m = self.modrm(bus);
                let r = match m.loc {
                    Loc::Reg(r) => r,
                    Loc::Mem(..) => return ud(),
                };
                if op == 0x21 {
                    self.gpr[r as usize] = self.dr[m.reg as usize];
                } else {
                    self.dr[m.reg as usize] = self.gpr[r as usize];
                }
                Ok(())
            }
            0x30 => gp(), // WRMSR: no MSRs advertised.
            0x31 => {
                self.gpr[0] = self.tsc as u32;
                self.gpr[2] = (self.tsc >> 32) as u32;
                Ok(())
            }
            0x32 => {
                // RDMSR: only the TSC.
                if self.gpr[1] != 0x10 {
                    return gp();
                }
                self.gpr[0] = self.tsc as u32;
                self.gpr[2] = (self.tsc >> 32) as u32;
                Ok(())
            }
            0x40..=0x4F => {
                // CMOVcc: the source is read whatever the condition.
                let m = self.modrm(bus);
                let x = self.read_loc(bus, v, m.loc)?;
                if self.cond(op & 0xF) {
                    self.set_reg(v, m.reg, x);
                }
                Ok(())
            }
            0x80..=0x8F => {
                let rel = v.sext(self.fetch_imm(bus, v));
                if self.cond(op & 0xF) {
                    self.jump_rel(rel)
                } else {
                    Ok(())
                }
            }
            0x90..=0x9F => {
                let m = self.modrm(bus);
                let x = self.cond(op & 0xF) as u32;
                self.write_loc(bus, Size::B, m.loc, x)
            }
            0xA0 | 0xA8 => {
                let s = if op == 0xA0 { SegReg::Fs } else { SegReg::Gs };
                let sel = self.segs[s as usize].selector as u32;
                self.push(bus, v, sel)
            }
            0xA1 | 0xA9 => self.pop_seg(bus, if op == 0xA1 { SegReg::Fs } else { SegReg::Gs }),
            0xA2 => {
                self.cpuid();
                Ok(())
            }
            0xA3 | 0xAB | 0xB3 | 0xBB => {
                let m = self.modrm(bus);
                let bit = self.reg(v, m.reg);
                self.bit_op(bus, m.loc, bit, (op >> 3) & 3, true)
            }
            0xBA => {
                let m = self.modrm(bus);
                let bit = self.fetch8(bus) as u32;
                if m.reg < 4 {
                    return ud();
                }
                self.bit_op(bus, m.loc, bit, m.reg & 3, false)
            }
            0xA4 | 0xA5 | 0xAC | 0xAD => self.shld_shrd(bus, op),
            0xAF => {
                let m = self.modrm(bus);
                let b = self.read_loc(bus, v, m.loc)?;
                let a = self.reg(v, m.reg);
                let r = self.imul_trunc(v, a, b);
                self.set_reg(v, m.reg, r);
                Ok(())
            }
            0xB0 | 0xB1 => {
                // CMPXCHG: compare the accumulator with the destination.
                let sz = if op == 0xB0 { Size::B } else { v };
                let m = self.modrm(bus);
                let d = self.read_loc(bus, sz, m.loc)?;
                let acc = self.reg(sz, 0);
                self.sub_flags(sz, acc, d, 0);
                if acc == d {
                    let s = self.reg(sz, m.reg);
                    self.write_loc(bus, sz, m.loc, s)
                } else {
                    // The destination is written back unchanged (a locked read-modify-write).
                    self.write_loc(bus, sz, m.loc, d)?;
                    self.set_reg(sz, 0, d);
                    Ok(())
                }
            }
            0xB2 => self.load_far(bus, SegReg::Ss),
            0xB4 => self.load_far(bus, SegReg::Fs),
            0xB5 => self.load_far(bus, SegReg::Gs),
            0xB6 | 0xB7 | 0xBE | 0xBF => {
                let src = if op & 1 == 0 { Size::B } else { Size::W };
                let m = self.modrm(bus);
                let x = self.read_loc(bus, src, m.loc)?;
                let x = if op >= 0xBE { src.sext(x) } else { x };
                self.set_reg(v, m.reg, x);
                Ok(())
            }
            0xBC | 0xBD => {
                let m = self.modrm(bus);
                let x = self.read_loc(bus, v, m.loc)?;
                if x == 0 {
                    // The destination is left alone (as the chips do).
                    self.set_flag(ZF, true);
                } else {
                    self.set_flag(ZF, false);
                    let i = if op == 0xBC {
                        x.trailing_zeros()
                    } else {
                        31 - x.leading_zeros()
                    };
                    self.set_reg(v, m.reg, i);
                }
                Ok(())
            }
            0xC0 | 0xC1 => {
                // XADD
                let sz = if op == 0xC0 { Size::B } else { v };
                let m = self.modrm(bus);
                let d = self.read_loc(bus, sz, m.loc)?;
                let s = self.reg(sz, m.reg);
                let r = self.add_flags(sz, d, s, 0);
                self.write_loc(bus, sz, m.loc, r)?;
                self.set_reg(sz, m.reg, d);
                Ok(())
            }
            0xC7 => self.cmpxchg8b(bus),
            0xC8..=0xCF => {
                let r = (op & 7) as usize;
                self.gpr[r] = if v == Size::D {
                    self.gpr[r].swap_bytes()
                } else {
                    self.gpr[r] & !0xFFFF
                };
                Ok(())
            }
            _ => ud(),
        }
    }

    /// BT/BTS/BTR/BTC (`kind` 0–3). With a register bit offset and a memory operand the offset
    /// is signed and may address outside the operand.
    fn bit_op<B: Bus + ?Sized>(
        &mut self,
        bus: &mut B,
        loc: Loc,
        bit: u32,
        kind: u8,
        reg_offset: bool,
    ) -> R<()> {
        let v = self.osize();
        let bits = v.bits();
        let (loc, bit) = match loc {
            Loc::Mem(s, o) if reg_offset => {
                let sbit = v.sext(bit) as i32;
                let step = (sbit >> (if bits == 32 { 5 } else { 4 })) * (v as i32);
                (
                    Loc::Mem(s, o.wrapping_add(step as u32) & self.amask()),
                    (sbit as u32) & (bits - 1),
                )
            }
            _ => (loc, bit & (bits - 1)),
        };
        let x = self.read_loc(bus, v, loc)?;
        self.set_flag(CF, (x >> bit) & 1 != 0);
        let r = match kind {
            0 => return Ok(()),
            1 => x | (1 << bit),
            2 => x & !(1 << bit),
            _ => x ^ (1 << bit),
        };
        self.write_loc(bus, v, loc, r)
    }

    fn cmpxchg8b<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let m = self.modrm(bus);
        let (s, o) = match m.loc {
            Loc::Mem(s, o) if m.reg == 1 => (s, o),
            _ => return ud(),
        };
        let lo = self.read(bus, Size::D, s, o)?;
        let hi = self.read(bus, Size::D, s, o.wrapping_add(4) & self.amask())?;
        if lo == self.gpr[0] && hi == self.gpr[2] {
            self.write(bus, Size::D, s, o, self.gpr[3])?;
            self.write(
                bus,
                Size::D,
                s,
                o.wrapping_add(4) & self.amask(),
                self.gpr[1],
            )?;
            self.set_flag(ZF, true);
        } else {
            self.write(bus, Size::D, s, o, lo)?;
            self.write(bus, Size::D, s, o.wrapping_add(4) & self.amask(), hi)?;
            self.gpr[0] = lo;
            self.gpr[2] = hi;
            self.set_flag(ZF, false);
        }
        Ok(())
    }

    fn cpuid(&mut self) {
        let (a, b, c, d) = match self.gpr[0] {
            // "GenuineIntel"
            0 => (1, 0x756E_6547, 0x6C65_746E, 0x4965_6E69),
            1 => (CPUID_SIGNATURE, 0, 0, CPUID_FEATURES),
            _ => (0, 0, 0, 0),
        };
        self.gpr[0] = a;
        self.gpr[3] = b;
        self.gpr[1] = c;
        self.gpr[2] = d;
    }

    /// Group 7 (0F 01): SGDT SIDT LGDT LIDT SMSW LMSW INVLPG.
    fn group7<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let m = self.modrm(bus);
        match m.reg {
            0..=3 => {
                let (s, o) = self.mem_operand(m.loc)?;
                let o2 = o.wrapping_add(2) & self.amask();
                if m.reg < 2 {
                    let t = if m.reg == 0 { self.gdtr } else { self.idtr };
                    // A 16-bit store writes 24 bits of base and 0xFF (the 286's format).
                    let base = if self.pfx.op32 {
                        t.base
                    } else {
                        (t.base & 0x00FF_FFFF) | 0xFF00_0000
                    };
                    self.check_access(Size::D, s, o2)?;
                    self.write(bus, Size::W, s, o, t.limit as u32)?;
                    self.write(bus, Size::D, s, o2, base)
                } else {
                    let limit = self.read(bus, Size::W, s, o)? as u16;
                    let mut base = self.read(bus, Size::D, s, o2)?;
                    if !self.pfx.op32 {
                        base &= 0x00FF_FFFF;
                    }
                    let t = crate::state::TableReg { base, limit };
                    if m.reg == 2 {
                        self.gdtr = t;
                    } else {
                        self.idtr = t;
                    }
                    Ok(())
                }
            }
            4 => {
                let msw = self.cr0 & 0xFFFF;
                let sz = if matches!(m.loc, Loc::Reg(_)) {
                    self.osize()
                } else {
                    Size::W
                };
                let x = if sz == Size::D { self.cr0 } else { msw };
                self.write_loc(bus, sz, m.loc, x)
            }
            6 => {
                // LMSW: PE can be set but not cleared; MP, EM, TS follow the operand.
                let x = self.read_loc(bus, Size::W, m.loc)?;
                let cr0 = (self.cr0 & !0xE) | (x & 0xF) | (self.cr0 & 1);
                self.set_cr0(cr0)
            }
            7 => {
                self.mem_operand(m.loc)?; // INVLPG: no TLB.
                Ok(())
            }
            _ => ud(),
        }
    }

    /// MOV r32,CRn / MOV CRn,r32: the operand is always a register (mod is ignored).
    fn mov_cr<B: Bus + ?Sized>(&mut self, bus: &mut B, to_cr: bool) -> R<()> {
        let b = self.fetch8(bus);
        let cr = (b >> 3) & 7;
        let r = (b & 7) as usize;
        if to_cr {
            let x = self.gpr[r];
            match cr {
                0 => self.set_cr0(x)?,
                2 => self.cr2 = x,
                3 => self.cr3 = x,
                4 => self.cr4 = x,
                _ => return ud(),
            }
        } else {
            self.gpr[r] = match cr {
                0 => self.cr0,
                2 => self.cr2,
                3 => self.cr3,
                4 => self.cr4,
                _ => return ud(),
            };
        }
        Ok(())
    }
}
