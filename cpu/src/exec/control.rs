//! Control flow: jumps, calls, returns, loops, INT/IRET and interrupt delivery, ENTER/LEAVE,
//! BOUND and the INC/DEC/CALL/JMP/PUSH groups (0xFE/0xFF).

use super::{byte_or, ud};
use crate::flags::{Size, AC, IF, TF};
use crate::mem::Loc;
use crate::state::{vector, Cpu, Fault, SegReg, R};
use crate::Bus;

/// EFLAGS bits POPFD/IRETD never change in real mode: VM, VIF, VIP.
const KEEP_ON_POPFD: u32 = (1 << 17) | (1 << 19) | (1 << 20);
const RF: u32 = 1 << 16;

impl Cpu {
    /// Sets EIP to `target` (cut to the operand size), checking CS's limit.
    pub(crate) fn jump_to(&mut self, target: u32) -> R<()> {
        self.jump_sized(target, self.pfx.op32)
    }

    /// Sets EIP to `target`, cut to 16 bits unless `op32`, checking CS's limit.
    #[inline]
    pub(crate) fn jump_sized(&mut self, target: u32, op32: bool) -> R<()> {
        let t = if op32 { target } else { target & 0xFFFF };
        if t > self.segs[SegReg::Cs as usize].limit && self.quirks.segment_limit_checks {
            return Err(Fault::Exception(vector::GP));
        }
        self.eip = t;
        Ok(())
    }

    /// A relative jump by `rel` (already sign-extended) from the next instruction.
    #[inline]
    pub(crate) fn jump_rel(&mut self, rel: u32) -> R<()> {
        self.jump_to(self.eip.wrapping_add(rel))
    }

    pub(crate) fn jcc_short<B: Bus + ?Sized>(&mut self, bus: &mut B, op: u8) -> R<()> {
        let rel = self.fetch8(bus) as i8 as u32;
        if self.cond(op & 0xF) {
            self.jump_rel(rel)
        } else {
            Ok(())
        }
    }

    pub(crate) fn call_near_rel<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        let rel = v.sext(self.fetch_imm(bus, v));
        let ret = self.eip;
        self.push(bus, v, ret)?;
        self.jump_rel(rel)
    }

    /// Loads CS:EIP for a far transfer (in protected mode through the descriptor tables).
    fn far_to<B: Bus + ?Sized>(&mut self, bus: &mut B, sel: u16, off: u32) -> R<()> {
        if self.protected_mode() {
            return self.far_to_protected(bus, sel, off);
        }
        self.load_segment_real(SegReg::Cs, sel);
        self.eip = if self.pfx.op32 { off } else { off & 0xFFFF };
        Ok(())
    }

    pub(crate) fn call_far_imm<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        let off = self.fetch_imm(bus, v);
        let sel = self.fetch16(bus);
        let cs = self.segs[SegReg::Cs as usize].selector as u32;
        self.push(bus, v, cs)?;
        let ip = self.eip;
        self.push(bus, v, ip)?;
        self.far_to(bus, sel, off)
    }

    pub(crate) fn jmp_far_imm<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let off = self.fetch_imm(bus, self.osize());
        let sel = self.fetch16(bus);
        self.far_to(bus, sel, off)
    }

    /// RET imm16 / RET / RETF imm16 / RETF (0xC2/C3/CA/CB).
    pub(crate) fn ret<B: Bus + ?Sized>(&mut self, bus: &mut B, op: u8) -> R<()> {
        let v = self.osize();
        let release = if op & 1 == 0 {
            self.fetch16(bus) as u32
        } else {
            0
        };
        let ip = self.pop(bus, v)?;
        if op >= 0xCA {
            let cs = self.pop(bus, v)? as u16;
            self.far_to(bus, cs, ip)?;
        } else {
            self.jump_to(ip)?;
        }
        let sp = self.sp().wrapping_add(release);
        self.set_sp(sp);
        Ok(())
    }

    /// LOOPNE / LOOPE / LOOP / JCXZ (0xE0–0xE3); the counter is CX or ECX by address size.
    pub(crate) fn loop_op<B: Bus + ?Sized>(&mut self, bus: &mut B, op: u8) -> R<()> {
        let rel = self.fetch8(bus) as i8 as u32;
        self.loop_rel(op, rel)
    }

    /// LOOPxx/JCXZ with its displacement already fetched (`op` 0xE0–0xE3).
    pub(crate) fn loop_rel(&mut self, op: u8, rel: u32) -> R<()> {
        let m = self.amask();
        let cx = self.gpr[1] & m;
        let take = if op == 0xE3 {
            cx == 0
        } else {
            let n = cx.wrapping_sub(1) & m;
            self.gpr[1] = (self.gpr[1] & !m) | n;
            let zf = self.flag(crate::flags::ZF);
            n != 0
                && match op {
                    0xE0 => !zf,
                    0xE1 => zf,
                    _ => true,
                }
        };
        if take {
            self.jump_rel(rel)
        } else {
            Ok(())
        }
    }

    /// INT n / INT3 / INTO: an interrupt whose return address is the next instruction.
    pub(crate) fn soft_int<B: Bus + ?Sized>(&mut self, bus: &mut B, n: u8) -> R<()> {
        self.interrupt(bus, n)
    }

    /// Delivers interrupt or exception `v` through the real-mode vector table: pushes FLAGS, CS
    /// and IP, clears IF, TF and AC, and jumps to the vector.
    pub(crate) fn interrupt<B: Bus + ?Sized>(&mut self, bus: &mut B, v: u8) -> R<()> {
        if self.protected_mode() {
            return Err(self.interrupt_protected(v));
        }
        let entry = v as u32 * 4;
        if entry + 3 > self.idtr.limit as u32 {
            return Err(Fault::Exception(vector::GP));
        }
        let addr = self.idtr.base.wrapping_add(entry) & self.quirks.address_mask;
        let new_ip = bus.read16(addr) as u32;
        let new_cs = bus.read16(addr.wrapping_add(2) & self.quirks.address_mask);
        let flags = self.eflags() & 0xFFFF;
        let cs = self.segs[SegReg::Cs as usize].selector as u32;
        let ip = self.eip & 0xFFFF;
        // Interrupts push 16-bit frames in real mode whatever the operand size.
        self.push(bus, Size::W, flags)?;
        self.push(bus, Size::W, cs)?;
        self.push(bus, Size::W, ip)?;
        self.fbits &= !(IF | TF | AC);
        self.int_delivered = true;
        self.load_segment_real(SegReg::Cs, new_cs);
        self.eip = new_ip;
        Ok(())
    }

    pub(crate) fn iret<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        if self.protected_mode() {
            return self.iret_protected(bus);
        }
        let v = self.osize();
        let ip = self.pop(bus, v)?;
        let cs = self.pop(bus, v)? as u16;
        let f = self.pop(bus, v)?;
        self.far_to(bus, cs, ip)?;
        self.load_flags(v, f);
        Ok(())
    }

    /// FLAGS from POPF/IRET: a 16-bit load keeps the upper half of EFLAGS.
    pub(crate) fn load_flags(&mut self, sz: Size, f: u32) {
        let merged = if sz == Size::D {
            (f & !(KEEP_ON_POPFD | RF)) | (self.fbits & KEEP_ON_POPFD)
        } else {
            (self.fbits & 0xFFFF_0000) | (f & 0xFFFF)
        };
        self.set_eflags(merged);
    }

    pub(crate) fn enter<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        let size = self.fetch16(bus) as u32;
        let level = self.fetch8(bus) & 31;
        let bp = self.reg(v, 5);
        self.push(bus, v, bp)?;
        let frame = self.sp();
        if level > 0 {
            let mut walk = self.reg(Size::W, 5);
            for _ in 1..level {
                walk = walk.wrapping_sub(v as u32) & 0xFFFF;
                let x = self.read(bus, v, SegReg::Ss, walk)?;
                self.push(bus, v, x)?;
            }
            self.push(bus, v, frame)?;
        }
        let sp = self.sp().wrapping_sub(size);
        // Check the whole frame is addressable before committing (real chips touch it).
        self.check_access(Size::B, SegReg::Ss, sp & 0xFFFF)?;
        self.set_reg(v, 5, frame);
        self.set_sp(sp);
        Ok(())
    }

    pub(crate) fn leave<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        let bp = self.reg(Size::W, 5);
        let sp_save = self.gpr[4];
        self.set_sp(bp);
        match self.pop(bus, v) {
            Ok(x) => {
                self.set_reg(v, 5, x);
                Ok(())
            }
            Err(e) => {
                self.gpr[4] = sp_save;
                Err(e)
            }
        }
    }

    pub(crate) fn bound<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        let v = self.osize();
        let m = self.modrm(bus);
        let (seg, off) = self.mem_operand(m.loc)?;
        let lo = v.sext(self.read(bus, v, seg, off)?) as i32;
        let hi = v.sext(self.read(bus, v, seg, off.wrapping_add(v as u32) & self.amask())?) as i32;
        let idx = v.sext(self.reg(v, m.reg)) as i32;
        if idx < lo || idx > hi {
            return Err(Fault::Exception(vector::BR));
        }
        Ok(())
    }

    /// Group 4 (0xFE: INC/DEC Eb) and group 5 (0xFF: INC DEC CALL CALLF JMP JMPF PUSH).
    pub(crate) fn group45<B: Bus + ?Sized>(&mut self, bus: &mut B, op: u8) -> R<()> {
        let v = self.osize();
        let sz = byte_or(op, v);
        let m = self.modrm(bus);
        let mut reg = m.reg;
        if op == 0xFE && reg > 1 && self.quirks.raises_ud {
            return ud();
        }
        if reg == 7 {
            if self.quirks.raises_ud {
                return ud();
            }
            reg = 6; // 8086: FF /7 is an alias of PUSH.
        }
        match reg {
            0 | 1 => {
                let a = self.read_loc(bus, sz, m.loc)?;
                let r = self.inc_dec(sz, a, reg == 1);
                self.write_loc(bus, sz, m.loc, r)
            }
            2 => {
                let t = self.read_loc(bus, sz, m.loc)?;
                let ret = self.eip;
                self.push(bus, v, ret)?;
                self.jump_to(t)
            }
            4 => {
                let t = self.read_loc(bus, sz, m.loc)?;
                self.jump_to(t)
            }
            3 | 5 => {
                let (seg, off) = self.far_operand(m.loc)?;
                let ip = self.read(bus, v, seg, off)?;
                let sel =
                    self.read(bus, Size::W, seg, off.wrapping_add(v as u32) & self.amask())? as u16;
                if reg == 3 {
                    let cs = self.segs[SegReg::Cs as usize].selector as u32;
                    self.push(bus, v, cs)?;
                    let ret = self.eip;
                    self.push(bus, v, ret)?;
                }
                self.far_to(bus, sel, ip)
            }
            _ => {
                // PUSH Ev: with SP as the operand, the 8086 pushes the decremented value.
                if m.loc == Loc::Reg(4) && self.quirks.push_sp_decremented {
                    let sp = self.sp().wrapping_sub(v as u32);
                    return self.push(bus, v, sp);
                }
                let x = self.read_loc(bus, sz, m.loc)?;
                self.push(bus, v, x)
            }
        }
    }

    /// The memory operand of a far pointer (LES, CALL FAR Mp, ...). A register operand is #UD,
    /// except on the 8086, which uses the last effective address it computed.
    pub(crate) fn far_operand(&self, loc: Loc) -> R<(SegReg, u32)> {
        match loc {
            Loc::Mem(s, o) => Ok((s, o)),
            Loc::Reg(_) if !self.quirks.raises_ud => Ok((self.data_seg(SegReg::Ds), self.last_ea)),
            Loc::Reg(_) => ud(),
        }
    }
}
