//! Running the instructions the cache keeps decoded ([`Insn`]): the same operations as the
//! general interpreter, with operands taken from the decoded form instead of fetched.

use crate::decode::{Insn, Kind, Rm};
use crate::mem::Loc;
use crate::state::{Cpu, SegReg, R};
use crate::Bus;

const CMP: u8 = 7;

impl Cpu {
    /// The operand an [`Rm`] recipe names, with memory offsets computed from the registers now.
    #[inline]
    fn rm_loc(&mut self, rm: &Rm) -> Loc {
        if !rm.is_mem {
            return Loc::Reg(rm.reg);
        }
        let mut off = rm.disp;
        if rm.base < 8 {
            off = off.wrapping_add(self.gpr[rm.base as usize]);
        }
        if rm.index < 8 {
            off = off.wrapping_add(self.gpr[rm.index as usize] << rm.scale);
        }
        off &= self.amask();
        self.last_ea = off;
        Loc::Mem(SegReg::from_index(rm.seg), off)
    }

    /// Executes a decoded instruction whose prefixes and length are in `i`; EIP is at its start
    /// and `ip_mask` is [`Cpu::ip_mask`] (hoisted out of the block loop).
    #[inline]
    pub(crate) fn exec_decoded<B: Bus>(&mut self, bus: &mut B, i: &Insn, ip_mask: u32) -> R<()> {
        self.pfx = i.pfx;
        self.eip = self.eip.wrapping_add(i.len as u32) & ip_mask;
        let sz = i.sz();
        match i.kind {
            Kind::AluMR => {
                let loc = self.rm_loc(&i.rm);
                let a = self.read_loc(bus, sz, loc)?;
                let b = self.reg(sz, i.reg);
                let r = self.alu(i.op, sz, a, b);
                if i.op != CMP {
                    self.write_loc(bus, sz, loc, r)?;
                }
            }
            Kind::AluRM => {
                let loc = self.rm_loc(&i.rm);
                let b = self.read_loc(bus, sz, loc)?;
                let a = self.reg(sz, i.reg);
                let r = self.alu(i.op, sz, a, b);
                if i.op != CMP {
                    self.set_reg(sz, i.reg, r);
                }
            }
            Kind::AluMI => {
                let loc = self.rm_loc(&i.rm);
                let a = self.read_loc(bus, sz, loc)?;
                let r = self.alu(i.op, sz, a, i.imm);
                if i.op != CMP {
                    self.write_loc(bus, sz, loc, r)?;
                }
            }
            Kind::TestMR => {
                let loc = self.rm_loc(&i.rm);
                let a = self.read_loc(bus, sz, loc)?;
                let b = self.reg(sz, i.reg);
                self.logic_flags(sz, a & b);
            }
            Kind::TestMI => {
                let loc = self.rm_loc(&i.rm);
                let a = self.read_loc(bus, sz, loc)?;
                self.logic_flags(sz, a & i.imm);
            }
            Kind::MovMR => {
                let loc = self.rm_loc(&i.rm);
                let x = self.reg(sz, i.reg);
                self.write_loc(bus, sz, loc, x)?;
            }
            Kind::MovRM => {
                let loc = self.rm_loc(&i.rm);
                let x = self.read_loc(bus, sz, loc)?;
                self.set_reg(sz, i.reg, x);
            }
            Kind::MovMI => {
                let loc = self.rm_loc(&i.rm);
                self.write_loc(bus, sz, loc, i.imm)?;
            }
            Kind::IncDec => {
                let loc = self.rm_loc(&i.rm);
                let a = self.read_loc(bus, sz, loc)?;
                let r = self.inc_dec(sz, a, i.op == 1);
                self.write_loc(bus, sz, loc, r)?;
            }
            Kind::PushR => self.push_reg(bus, i.reg)?,
            Kind::PopR => {
                let x = self.pop(bus, sz)?;
                self.set_reg(sz, i.reg, x);
            }
            Kind::Jcc => {
                if i.op == 16 || self.cond(i.op) {
                    self.jump_rel(i.imm)?;
                }
            }
            Kind::CallRel => {
                let ret = self.eip;
                self.push(bus, sz, ret)?;
                self.jump_rel(i.imm)?;
            }
            Kind::RetNear => self.ret(bus, 0xC3)?,
            Kind::Loop => self.loop_rel(0xE0 | i.op, i.imm)?,
            Kind::Lea => {
                let off = match self.rm_loc(&i.rm) {
                    Loc::Mem(_, o) => o,
                    Loc::Reg(_) => unreachable!("LEA is decoded only with a memory operand"),
                };
                self.set_reg(sz, i.reg, off);
            }
            Kind::Shift => self.shift_decoded(bus, i)?,
            Kind::Nop => {}
            Kind::Slow => unreachable!("slow instructions run from their bytes"),
        }
        Ok(())
    }

    /// Group 2 from its decoded form (out of line: it is bigger than the common forms).
    #[inline(never)]
    fn shift_decoded<B: Bus>(&mut self, bus: &mut B, i: &Insn) -> R<()> {
        let sz = i.sz();
        let loc = self.rm_loc(&i.rm);
        let count = if i.by_cl { self.gpr[1] } else { i.imm } as u8 & self.quirks.shift_count_mask;
        let a = self.read_loc(bus, sz, loc)?;
        if count != 0 {
            let r = self.shift(i.op, sz, a, count as u32);
            self.write_loc(bus, sz, loc, r)?;
        }
        Ok(())
    }
}
