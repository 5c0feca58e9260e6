//! Data movement and machine control: MOV forms, PUSH/POP forms, segment loads, LEA, flag
//! instructions, IN/OUT and the coprocessor escape.

use super::{byte_or, ud};
use crate::flags::{Size, CF, DF, IF};
use crate::mem::Loc;
use crate::state::{Cpu, Fault, SegReg, R};
use crate::Bus;

/// Bytes of the memory operand of coprocessor instruction `op` /`reg`.
fn esc_operand_len(op: u8, reg: u8) -> u32 {
    match (op, reg) {
        (0xD8 | 0xDA, _) => 4,
        (0xD9, 0..=3) => 4,
        (0xD9, 5 | 7) | (0xDD, 7) | (0xDE, _) | (0xDF, 0..=3) => 2,
        (0xD9, _) => 14,
        (0xDB, 0..=3) => 4,
        (0xDB, _) | (0xDF, 4 | 6) => 10,
        (0xDD, 4 | 6) => 94,
        _ => 8,
    }
}

impl Cpu {
    /// PUSH r16/r32 (0x50–0x57).
    pub(crate) fn push_reg<B: Bus + ?Sized>(&mut self, bus: &mut B, r: u8) -> R<()> {
        let v = self.osize();
        let x = if r == 4 && self.quirks.push_sp_decremented {
            self.sp().wrapping_sub(v as u32)
        } else {
            self.reg(v, r)
        };
        self.push(bus, v, x)
    }

    pub(crate) fn pusha<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        let sp = self.reg(v, 4);
        for r in 0..8 {
            let x = if r == 4 { sp } else { self.reg(v, r) };
            self.push(bus, v, x)?;
        }
        Ok(())
    }

    pub(crate) fn popa<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        let mut vals = [0u32; 8];
        for r in (0..8).rev() {
            vals[r] = self.pop(bus, v)?;
        }
        for (r, x) in vals.into_iter().enumerate() {
            if r != 4 {
                self.set_reg(v, r as u8, x);
            }
        }
        Ok(())
    }

    /// Loads a segment register from a selector (MOV/POP/LxS). MOV/POP SS hold interrupts off
    /// for one instruction.
    pub(crate) fn load_seg<B: Bus + ?Sized>(
        &mut self,
        bus: &mut B,
        seg: SegReg,
        sel: u16,
    ) -> R<()> {
        if self.protected_mode() {
            self.load_seg_protected(bus, seg, sel)?;
        } else {
            self.load_segment_real(seg, sel);
        }
        if seg == SegReg::Ss {
            self.irq_shadow = true;
        }
        Ok(())
    }

    pub(crate) fn pop_seg<B: Bus + ?Sized>(&mut self, bus: &mut B, seg: SegReg) -> R<()> {
        let x = self.pop(bus, self.osize())? as u16;
        self.load_seg(bus, seg, x)
    }

    pub(crate) fn pushf<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        // PUSHFD stores VM and RF as zero.
        let f = self.eflags() & !(3 << 16);
        self.push(bus, v, f)
    }

    pub(crate) fn popf<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        let f = self.pop(bus, v)?;
        self.load_flags(v, f);
        Ok(())
    }

    /// LES/LDS/LSS/LFS/LGS: a far pointer from memory into a segment register and a register.
    pub(crate) fn load_far<B: Bus + ?Sized>(&mut self, bus: &mut B, seg: SegReg) -> R<()> {
        let v = self.osize();
        let m = self.modrm(bus);
        let (s, off) = self.far_operand(m.loc)?;
        let x = self.read(bus, v, s, off)?;
        let sel = self.read(bus, Size::W, s, off.wrapping_add(v as u32) & self.amask())? as u16;
        self.load_seg(bus, seg, sel)?;
        self.set_reg(v, m.reg, x);
        Ok(())
    }

    /// MOV Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev (0x88–0x8B).
    pub(crate) fn mov_rm<B: Bus + ?Sized>(&mut self, bus: &mut B, op: u8) -> R<()> {
        let sz = byte_or(op, self.osize());
        let m = self.modrm(bus);
        if op & 2 == 0 {
            let x = self.reg(sz, m.reg);
            self.write_loc(bus, sz, m.loc, x)
        } else {
            let x = self.read_loc(bus, sz, m.loc)?;
            self.set_reg(sz, m.reg, x);
            Ok(())
        }
    }

    /// The segment register a ModRM reg field names: #UD past GS (past DS before the 386),
    /// except on the 8086, which only decodes two bits.
    fn seg_field(&self, reg: u8) -> R<SegReg> {
        let count = if self.quirks.has_386_ops { 6 } else { 4 };
        if reg < count {
            Ok(SegReg::from_index(reg))
        } else if !self.quirks.raises_ud {
            Ok(SegReg::from_index(reg & 3))
        } else {
            ud()
        }
    }

    /// MOV Ev,Sw (0x8C): a register destination takes the operand size (upper half zeroed).
    pub(crate) fn mov_from_seg<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let m = self.modrm(bus);
        let seg = self.seg_field(m.reg)?;
        let sel = self.segs[seg as usize].selector as u32;
        match m.loc {
            Loc::Reg(_) => self.write_loc(bus, self.osize(), m.loc, sel),
            Loc::Mem(..) => self.write_loc(bus, Size::W, m.loc, sel),
        }
    }

    /// MOV Sw,Ew (0x8E). Loading CS is #UD from the 286 on (the 8086 does it).
    pub(crate) fn mov_to_seg<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let m = self.modrm(bus);
        let seg = self.seg_field(m.reg)?;
        if seg == SegReg::Cs && self.quirks.raises_ud {
            return ud();
        }
        let sel = self.read_loc(bus, Size::W, m.loc)? as u16;
        self.load_seg(bus, seg, sel)
    }

    pub(crate) fn lea<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        let m = self.modrm(bus);
        let off = match m.loc {
            Loc::Mem(_, o) => o,
            Loc::Reg(_) if !self.quirks.raises_ud => self.last_ea,
            Loc::Reg(_) => return ud(),
        };
        self.set_reg(v, m.reg, off);
        Ok(())
    }

    /// POP Ev (0x8F /0). SP is incremented before the destination address is used, so an
    /// operand based on SP sees the new value.
    pub(crate) fn pop_rm<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        let x = self.peek(bus, v, 0)?;
        let sp_before = self.sp();
        self.set_sp(sp_before.wrapping_add(v as u32));
        let m = self.modrm(bus);
        if m.reg != 0 && self.quirks.raises_ud {
            return ud();
        }
        self.write_loc(bus, v, m.loc, x)
    }

    /// MOV AL/eAX <-> moffs (0xA0–0xA3).
    pub(crate) fn mov_moffs<B: Bus + ?Sized>(&mut self, bus: &mut B, op: u8) -> R<()> {
        let sz = byte_or(op, self.osize());
        let off = if self.pfx.addr32 {
            self.fetch32(bus)
        } else {
            self.fetch16(bus) as u32
        };
        let seg = self.data_seg(SegReg::Ds);
        if op < 0xA2 {
            let x = self.read(bus, sz, seg, off)?;
            self.set_reg(sz, 0, x);
            Ok(())
        } else {
            let x = self.reg(sz, 0);
            self.write(bus, sz, seg, off, x)
        }
    }

    /// ESC (0xD8–0xDF): there is no coprocessor, so the instruction only decodes its operand.
    /// With CR0.EM set it raises #NM (INT 7) so that an emulator in the guest can take over.
    pub(crate) fn esc<B: Bus + ?Sized>(&mut self, bus: &mut B, op: u8) -> R<()> {
        let m = self.modrm(bus);
        if self.cr0 & 4 != 0 {
            return Err(Fault::Exception(7));
        }
        // The memory operand is still checked against its segment's limit (the 286 faults on
        // one running past 0xFFFF).
        if let Loc::Mem(seg, off) = m.loc {
            self.check_span(seg, off, esc_operand_len(op, m.reg))?;
        }
        Ok(())
    }

    /// IN/OUT with an immediate port (0xE4–0xE7) or DX (0xEC–0xEF).
    pub(crate) fn in_out<B: Bus + ?Sized>(&mut self, bus: &mut B, op: u8) -> R<()> {
        let sz = byte_or(op, self.osize());
        let port = if op < 0xE8 {
            self.fetch8(bus) as u16
        } else {
            self.gpr[2] as u16
        };
        let w = super::string::io_width(sz);
        if op & 2 == 0 {
            let x = bus.io_read(port, w);
            self.set_reg(sz, 0, x);
        } else {
            let x = self.reg(sz, 0);
            bus.io_write(port, w, x);
        }
        Ok(())
    }

    /// The one-byte instructions without operands the decoder keeps: CBW/CWDE CWD/CDQ SAHF LAHF
    /// CMC, and CLC STC CLD STD through [`Cpu::flag_op`].
    pub(crate) fn plain_op(&mut self, op: u8) -> R<()> {
        let v = self.osize();
        match op {
            0x98 => {
                let h = if v == Size::D { Size::W } else { Size::B };
                let x = h.sext(self.reg(h, 0));
                self.set_reg(v, 0, x);
            }
            0x99 => {
                let x = self.reg(v, 0);
                self.set_reg(v, 2, if x & v.sign() != 0 { 0xFFFF_FFFF } else { 0 });
            }
            0x9E => {
                // SAHF: SF ZF AF PF CF from AH.
                let ah = self.reg(Size::B, 4);
                self.flush_flags();
                self.fbits = (self.fbits & !0xD5) | (ah & 0xD5);
            }
            0x9F => {
                let f = self.eflags() & 0xFF;
                self.set_reg(Size::B, 4, f);
            }
            0xF5 => {
                let cf = self.cf();
                self.set_flag(CF, !cf);
            }
            _ => return self.flag_op(op),
        }
        Ok(())
    }

    /// CLC STC CLI STI CLD STD (0xF8–0xFD). STI holds interrupts off for one more instruction.
    pub(crate) fn flag_op(&mut self, op: u8) -> R<()> {
        match op {
            0xF8 => self.set_flag(CF, false),
            0xF9 => self.set_flag(CF, true),
            0xFA => self.fbits &= !IF,
            0xFB => {
                if self.fbits & IF == 0 {
                    self.irq_shadow = true;
                }
                self.fbits |= IF;
            }
            0xFC => self.fbits &= !DF,
            _ => self.fbits |= DF,
        }
        Ok(())
    }
}
