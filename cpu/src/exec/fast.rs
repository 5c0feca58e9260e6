//! Running the instructions the cache keeps decoded ([`Insn`]): one handler per form, chosen
//! when the instruction is decoded ([`choose_handler`]). A handler starts with EIP past the
//! instruction; one that uses the general interpreter's functions that look at the prefixes
//! (operand or address size, segment override, REP) first sets `Cpu::pfx` from the decoded ones,
//! the others never look at them. A handler that fails leaves EIP past its instruction and the
//! stack pointer as it found it. The common forms (ALU, MOV, INC/DEC,
//! Jcc) are specialised by operand size and operation at compile time (`const` parameters), so
//! running one is a register or memory access and a few operations, without looking at sizes
//! or opcodes again. The others call the general interpreter's functions with decoded operands.

use super::alu::{ADC, ADD, AND, CMP, OR, SBB, SUB, XOR};
use crate::decode::{Handler, Insn, Kind, Rm};
use crate::flags::Size;
use crate::mem::Loc;
use crate::state::{Cpu, Rep, SegReg, R};
use crate::Bus;

/// The operations of the specialised ALU handlers are the eight ALU ops as numbered in the
/// opcode (`alu.rs`) and TEST, an AND that only sets flags.
const TEST: u8 = 8;

const ESI: u8 = 6;
const EDI: u8 = 7;

/// The operand size of a handler's `S` (bytes).
#[inline(always)]
const fn size<const S: usize>() -> Size {
    match S {
        1 => Size::B,
        2 => Size::W,
        _ => Size::D,
    }
}

impl Cpu {
    /// Register `r` at size `S` (for bytes, 4–7 are AH CH DH BH).
    #[inline(always)]
    fn get<const S: usize>(&self, r: u8) -> u32 {
        match S {
            1 => (self.gpr[(r & 3) as usize] >> ((r & 4) * 2)) & 0xFF,
            2 => self.gpr[(r & 7) as usize] & 0xFFFF,
            _ => self.gpr[(r & 7) as usize],
        }
    }

    #[inline(always)]
    fn put<const S: usize>(&mut self, r: u8, v: u32) {
        match S {
            1 => {
                let sh = (r & 4) * 2;
                let g = &mut self.gpr[(r & 3) as usize];
                *g = (*g & !(0xFF << sh)) | ((v & 0xFF) << sh);
            }
            2 => {
                let g = &mut self.gpr[(r & 7) as usize];
                *g = (*g & !0xFFFF) | (v & 0xFFFF);
            }
            _ => self.gpr[(r & 7) as usize] = v,
        }
    }

    /// Segment and offset of a memory operand, from the registers now.
    #[inline(always)]
    fn ea(&mut self, rm: &Rm) -> (SegReg, u32) {
        let off = rm
            .disp
            .wrapping_add(self.gpr[rm.base as usize & 7] & rm.bmask)
            .wrapping_add((self.gpr[rm.index as usize & 7] & rm.imask) << rm.scale)
            & rm.amask;
        self.last_ea = off;
        (rm.seg, off)
    }

    /// The operand an [`Rm`] recipe names, for the handlers that use the general functions.
    #[inline]
    fn rm_loc(&mut self, rm: &Rm) -> Loc {
        if !rm.is_mem {
            return Loc::Reg(rm.reg);
        }
        let (s, o) = self.ea(rm);
        Loc::Mem(s, o)
    }

    /// ALU operation `OP` at size `S`; returns the result (for CMP and TEST, unused).
    #[inline(always)]
    fn alu_op<const OP: u8, const S: usize>(&mut self, a: u32, b: u32) -> u32 {
        let sz = size::<S>();
        match OP {
            ADD => self.add_flags(sz, a, b, 0),
            ADC => {
                let c = self.cf() as u32;
                self.add_flags(sz, a, b, c)
            }
            SBB => {
                let c = self.cf() as u32;
                self.sub_flags(sz, a, b, c)
            }
            SUB | CMP => self.sub_flags(sz, a, b, 0),
            _ => {
                let r = match OP {
                    OR => a | b,
                    XOR => a ^ b,
                    _ => a & b,
                };
                self.logic_flags(sz, r);
                r
            }
        }
    }
}

/// Whether operation `OP` writes its result back.
const fn writes(op: u8) -> bool {
    op != CMP && op != TEST
}

// --- specialised handlers ------------------------------------------------------------------

/// `op r/m(reg), reg` (reg-reg forms of either direction are decoded to this one).
fn alu_rr<const OP: u8, const S: usize>(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    let a = c.get::<S>(i.rm.reg);
    let b = c.get::<S>(i.reg);
    let r = c.alu_op::<OP, S>(a, b);
    if writes(OP) {
        c.put::<S>(i.rm.reg, r);
    }
    Ok(())
}

/// `op r/m(reg), imm`.
fn alu_ri<const OP: u8, const S: usize>(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    let a = c.get::<S>(i.rm.reg);
    let r = c.alu_op::<OP, S>(a, i.imm);
    if writes(OP) {
        c.put::<S>(i.rm.reg, r);
    }
    Ok(())
}

/// `op mem, reg`.
fn alu_mr<const OP: u8, const S: usize>(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let (s, o) = c.ea(&i.rm);
    let a = c.read_n::<_, S>(bus, s, o)?;
    let b = c.get::<S>(i.reg);
    let r = c.alu_op::<OP, S>(a, b);
    if writes(OP) {
        c.write_n::<_, S>(bus, s, o, r)?;
    }
    Ok(())
}

/// `op reg, mem`.
fn alu_rm<const OP: u8, const S: usize>(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let (s, o) = c.ea(&i.rm);
    let b = c.read_n::<_, S>(bus, s, o)?;
    let a = c.get::<S>(i.reg);
    let r = c.alu_op::<OP, S>(a, b);
    if writes(OP) {
        c.put::<S>(i.reg, r);
    }
    Ok(())
}

/// `op mem, imm`.
fn alu_mi<const OP: u8, const S: usize>(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let (s, o) = c.ea(&i.rm);
    let a = c.read_n::<_, S>(bus, s, o)?;
    let r = c.alu_op::<OP, S>(a, i.imm);
    if writes(OP) {
        c.write_n::<_, S>(bus, s, o, r)?;
    }
    Ok(())
}

fn mov_rr<const S: usize>(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    let x = c.get::<S>(i.reg);
    c.put::<S>(i.rm.reg, x);
    Ok(())
}

fn mov_ri<const S: usize>(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    c.put::<S>(i.rm.reg, i.imm);
    Ok(())
}

/// MOV mem, reg.
fn mov_mr<const S: usize>(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let (s, o) = c.ea(&i.rm);
    let x = c.get::<S>(i.reg);
    c.write_n::<_, S>(bus, s, o, x)
}

/// MOV reg, mem.
fn mov_rm<const S: usize>(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let (s, o) = c.ea(&i.rm);
    let x = c.read_n::<_, S>(bus, s, o)?;
    c.put::<S>(i.reg, x);
    Ok(())
}

fn mov_mi<const S: usize>(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let (s, o) = c.ea(&i.rm);
    c.write_n::<_, S>(bus, s, o, i.imm)
}

/// INC / DEC reg.
fn inc_dec_r<const DEC: bool, const S: usize>(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    let a = c.get::<S>(i.rm.reg);
    let r = c.inc_dec(size::<S>(), a, DEC);
    c.put::<S>(i.rm.reg, r);
    Ok(())
}

/// Jcc / JMP rel: a taken jump leaves the block.
fn jcc<const CC: u8>(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    if CC == 16 || c.cond(CC) {
        c.jump_sized(c.eip.wrapping_add(i.imm), i.pfx.op32)?;
        c.leave_block = true;
    }
    Ok(())
}

/// LOOP with CX as the counter (16-bit addressing).
fn loop_cx(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    let cx = c.gpr[1].wrapping_sub(1) & 0xFFFF;
    c.gpr[1] = (c.gpr[1] & !0xFFFF) | cx;
    if cx != 0 {
        c.jump_sized(c.eip.wrapping_add(i.imm), i.pfx.op32)?;
        c.leave_block = true;
    }
    Ok(())
}

// --- handlers with run-time operands -------------------------------------------------------

fn nop(_: &mut Cpu, _: &mut dyn Bus, _: &Insn) -> R<()> {
    Ok(())
}

/// ALU, TEST, MOV and INC/DEC forms the tables below do not cover (memory INC/DEC).
fn inc_dec_m(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let sz = i.sz();
    let loc = c.rm_loc(&i.rm);
    let a = c.read_loc(bus, sz, loc)?;
    let r = c.inc_dec(sz, a, i.op == 1);
    c.write_loc(bus, sz, loc, r)
}

fn push_r(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    c.pfx = i.pfx;
    c.push_reg(bus, i.reg)
}

fn pop_r(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let sz = i.sz();
    let x = c.pop(bus, sz)?;
    c.set_reg(sz, i.reg, x);
    Ok(())
}

fn push_i(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    c.push(bus, i.sz(), i.imm)
}

/// CALL rel. (This and RET are the handlers that can fault after moving the stack pointer: they
/// put it back themselves.)
fn call_rel(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    c.pfx = i.pfx;
    let esp = c.gpr[4];
    let ret = c.eip;
    c.push(bus, i.sz(), ret)?;
    let done = c.jump_rel(i.imm);
    if done.is_err() {
        c.gpr[4] = esp;
    }
    done
}

fn ret_near(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    c.pfx = i.pfx;
    let esp = c.gpr[4];
    let done = c.ret(bus, 0xC3);
    if done.is_err() {
        c.gpr[4] = esp;
    }
    done
}

/// LOOPxx / JCXZ: a taken jump leaves the block.
fn loop_rel(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    c.pfx = i.pfx;
    let next = c.eip;
    c.loop_rel(0xE0 | i.op, i.imm)?;
    if c.eip != next {
        c.leave_block = true;
    }
    Ok(())
}

fn lea(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    let (_, off) = c.ea(&i.rm);
    c.set_reg(i.sz(), i.reg, off);
    Ok(())
}

/// Group 2 on a register, at size `S`.
fn shift_r<const S: usize>(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    let count = if i.by_cl { c.gpr[1] } else { i.imm } as u8 & c.quirks.shift_count_mask;
    if count != 0 {
        let a = c.get::<S>(i.rm.reg);
        let r = c.shift(i.op, size::<S>(), a, count as u32);
        c.put::<S>(i.rm.reg, r);
    }
    Ok(())
}

/// LODS without REP.
fn lods<const S: usize>(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    c.pfx = i.pfx;
    let seg = c.data_seg(SegReg::Ds);
    let v = c.read_n::<_, S>(bus, seg, c.areg(ESI))?;
    c.put::<S>(0, v);
    c.advance(ESI, size::<S>());
    Ok(())
}

/// STOS without REP.
fn stos<const S: usize>(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    c.pfx = i.pfx;
    let v = c.get::<S>(0);
    c.write_n::<_, S>(bus, SegReg::Es, c.areg(EDI), v)?;
    c.advance(EDI, size::<S>());
    Ok(())
}

/// Group 2 (a shift or rotate by 1, CL or an immediate) on memory.
fn shift(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let sz = i.sz();
    let loc = c.rm_loc(&i.rm);
    let count = if i.by_cl { c.gpr[1] } else { i.imm } as u8 & c.quirks.shift_count_mask;
    let a = c.read_loc(bus, sz, loc)?;
    if count != 0 {
        let r = c.shift(i.op, sz, a, count as u32);
        c.write_loc(bus, sz, loc, r)?;
    }
    Ok(())
}

fn group3(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    c.pfx = i.pfx;
    let loc = c.rm_loc(&i.rm);
    c.group3_op(bus, i.sz(), i.op, loc, i.imm)
}

fn imul_imm(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let sz = i.sz();
    let loc = c.rm_loc(&i.rm);
    let a = c.read_loc(bus, sz, loc)?;
    let r = c.imul_trunc(sz, a, i.imm);
    c.set_reg(sz, i.reg, r);
    Ok(())
}

fn string(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    c.pfx = i.pfx;
    // A REP that stops for an interrupt goes back to the first prefix.
    c.start_eip = c.eip.wrapping_sub(i.len as u32);
    c.string_op(bus, i.op)
}

fn xchg(c: &mut Cpu, bus: &mut dyn Bus, i: &Insn) -> R<()> {
    let sz = i.sz();
    let loc = c.rm_loc(&i.rm);
    let a = c.read_loc(bus, sz, loc)?;
    let b = c.reg(sz, i.reg);
    c.write_loc(bus, sz, loc, b)?;
    c.set_reg(sz, i.reg, a);
    Ok(())
}

/// CBW CWD CLC STC CMC CLD STD SAHF LAHF.
fn plain(c: &mut Cpu, _: &mut dyn Bus, i: &Insn) -> R<()> {
    c.pfx = i.pfx;
    c.plain_op(i.op)
}

/// The placeholder of [`Kind::Slow`] instructions, which the CPU runs from their bytes.
pub(crate) fn slow_handler(_: &mut Cpu, _: &mut dyn Bus, _: &Insn) -> R<()> {
    unreachable!("slow instructions run from their bytes")
}

// --- choosing a handler --------------------------------------------------------------------

/// The three sizes of a handler with one more `const` parameter.
macro_rules! sized {
    ($f:ident, $p:expr) => {
        [$f::<$p, 1>, $f::<$p, 2>, $f::<$p, 4>]
    };
}

/// The nine operations × three sizes of an ALU handler.
macro_rules! alu_table {
    ($f:ident) => {
        [
            sized!($f, ADD),
            sized!($f, OR),
            sized!($f, ADC),
            sized!($f, SBB),
            sized!($f, AND),
            sized!($f, SUB),
            sized!($f, XOR),
            sized!($f, CMP),
            sized!($f, TEST),
        ]
    };
}

type AluTable = [[Handler; 3]; 9];
static ALU_RR: AluTable = alu_table!(alu_rr);
static ALU_RI: AluTable = alu_table!(alu_ri);
static ALU_MR: AluTable = alu_table!(alu_mr);
static ALU_RM: AluTable = alu_table!(alu_rm);
static ALU_MI: AluTable = alu_table!(alu_mi);
static MOV_RR: [Handler; 3] = [mov_rr::<1>, mov_rr::<2>, mov_rr::<4>];
static MOV_RI: [Handler; 3] = [mov_ri::<1>, mov_ri::<2>, mov_ri::<4>];
static MOV_MR: [Handler; 3] = [mov_mr::<1>, mov_mr::<2>, mov_mr::<4>];
static MOV_RM: [Handler; 3] = [mov_rm::<1>, mov_rm::<2>, mov_rm::<4>];
static MOV_MI: [Handler; 3] = [mov_mi::<1>, mov_mi::<2>, mov_mi::<4>];
static INC_DEC_R: [[Handler; 3]; 2] = [sized!(inc_dec_r, false), sized!(inc_dec_r, true)];
static SHIFT_R: [Handler; 3] = [shift_r::<1>, shift_r::<2>, shift_r::<4>];
static LODS: [Handler; 3] = [lods::<1>, lods::<2>, lods::<4>];
static STOS: [Handler; 3] = [stos::<1>, stos::<2>, stos::<4>];
static JCC: [Handler; 17] = [
    jcc::<0>, jcc::<1>, jcc::<2>, jcc::<3>, jcc::<4>, jcc::<5>, jcc::<6>, jcc::<7>, jcc::<8>,
    jcc::<9>, jcc::<10>, jcc::<11>, jcc::<12>, jcc::<13>, jcc::<14>, jcc::<15>, jcc::<16>,
];

/// Sets `i.h` for a decoded instruction. Register-register forms are turned around so that the
/// destination is always `rm.reg` and the source `reg`.
pub(crate) fn choose_handler(i: &mut Insn) {
    let s = match i.size {
        Size::B => 0,
        Size::W => 1,
        Size::D => 2,
    };
    let mem = i.rm.is_mem;
    if !mem && matches!(i.kind, Kind::AluRM | Kind::MovRM) {
        std::mem::swap(&mut i.reg, &mut i.rm.reg);
        i.kind = if i.kind == Kind::AluRM {
            Kind::AluMR
        } else {
            Kind::MovMR
        };
    }
    let op = i.op as usize;
    i.h = match i.kind {
        Kind::Slow => slow_handler,
        Kind::Nop => nop,
        Kind::AluMR if mem => ALU_MR[op][s],
        Kind::AluMR => ALU_RR[op][s],
        Kind::AluRM => ALU_RM[op][s],
        Kind::AluMI if mem => ALU_MI[op][s],
        Kind::AluMI => ALU_RI[op][s],
        Kind::TestMR if mem => ALU_MR[TEST as usize][s],
        Kind::TestMR => ALU_RR[TEST as usize][s],
        Kind::TestMI if mem => ALU_MI[TEST as usize][s],
        Kind::TestMI => ALU_RI[TEST as usize][s],
        Kind::MovMR if mem => MOV_MR[s],
        Kind::MovMR => MOV_RR[s],
        Kind::MovRM => MOV_RM[s],
        Kind::MovMI if mem => MOV_MI[s],
        Kind::MovMI => MOV_RI[s],
        Kind::IncDec if mem => inc_dec_m,
        Kind::IncDec => INC_DEC_R[op & 1][s],
        Kind::PushR => push_r,
        Kind::PopR => pop_r,
        Kind::PushI => push_i,
        Kind::Jcc => JCC[op.min(16)],
        Kind::CallRel => call_rel,
        Kind::RetNear => ret_near,
        Kind::Loop if i.op == 2 && !i.pfx.addr32 => loop_cx,
        Kind::Loop => loop_rel,
        Kind::Lea => lea,
        Kind::Shift if mem => shift,
        Kind::Shift => SHIFT_R[s],
        Kind::Group3 => group3,
        Kind::ImulImm => imul_imm,
        Kind::Str if i.pfx.rep == Rep::None && matches!(i.op, 0xAC | 0xAD) => LODS[s],
        Kind::Str if i.pfx.rep == Rep::None && matches!(i.op, 0xAA | 0xAB) => STOS[s],
        Kind::Str => string,
        Kind::Xchg => xchg,
        Kind::Plain => plain,
    };
}
