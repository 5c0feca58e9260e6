//! The interpreter: instruction boundaries (interrupts, traps, faults), prefixes and the
//! one-byte opcode map. The execution of each family lives in its own module.

mod alu;
mod control;
mod ext;
mod fast;
mod moves;
mod protected;
mod shift;
mod string;

pub(crate) use fast::{choose_handler, slow_handler};

use crate::cache::CodeCache;
use crate::decode::{decode, decode_block, Insn, Kind};
use crate::flags::{Size, IF, TF};
use crate::mem::Loc;
use crate::state::{vector, Cpu, Exit, Fault, Prefixes, Rep, SegReg, R};
use crate::Bus;

pub(crate) fn step<B: Bus>(cpu: &mut Cpu, bus: &mut B) -> Exit {
    cpu.ram = bus.ram_window();
    // Interrupts are taken only at instruction boundaries, and not right after STI/MOV SS.
    if !cpu.irq_shadow {
        let nmi = cpu.nmi_latched || bus.nmi_take();
        let vector = if nmi {
            cpu.nmi_latched = false;
            Some(vector::NMI)
        } else if cpu.fbits & IF != 0 && bus.intr_pending() {
            Some(bus.intr_ack())
        } else {
            None
        };
        if let Some(v) = vector {
            cpu.halted = false;
            if let Some(exit) = deliver_or_escalate(cpu, bus, v) {
                return exit;
            }
        }
    }
    cpu.irq_shadow = false;
    if cpu.halted {
        return Exit::Halted;
    }

    let trap = cpu.fbits & TF != 0;
    let esp = cpu.gpr[4];
    cpu.start_eip = cpu.eip;
    cpu.pfx = Prefixes::default();
    cpu.tsc = cpu.tsc.wrapping_add(1);
    cpu.int_delivered = false;
    if let Err(f) = exec_cached(cpu, bus) {
        return fault(cpu, bus, f, esp).unwrap_or(Exit::Budget);
    }
    // Single-step trap after an instruction that began with TF set, even one that cleared it
    // (POPF, IRET): not after an INT, whose handler runs with TF clear, nor inside an interrupt
    // shadow.
    if trap && !cpu.int_delivered && !cpu.irq_shadow {
        if let Some(exit) = deliver_or_escalate(cpu, bus, vector::DB) {
            return exit;
        }
    }
    if cpu.halted {
        Exit::Halted
    } else {
        Exit::Budget
    }
}

/// Handles an instruction that did not complete: an exception restarts it (stack pointer back to
/// `esp`, EIP on its first byte) and is delivered; an unimplemented feature stops the CPU.
/// Returns the exit to report, if the run must stop.
fn fault<B: Bus + ?Sized>(cpu: &mut Cpu, bus: &mut B, f: Fault, esp: u32) -> Option<Exit> {
    cpu.gpr[4] = esp;
    match f {
        Fault::Exception(v) => {
            if !(v == vector::DE && cpu.quirks.div_error_pushes_next_ip) {
                cpu.eip = cpu.start_eip;
            }
            cpu.halted = false;
            deliver_or_escalate(cpu, bus, v)
        }
        Fault::Unimplemented => {
            cpu.eip = cpu.start_eip;
            Some(Exit::Shutdown)
        }
    }
}

/// Runs up to `budget` instructions. Blocks of decoded code run back to back; a boundary with
/// anything to look at (an interrupt or NMI waiting, an interrupt shadow, single-stepping, HLT)
/// goes through [`step`]. Interrupts are polled between blocks, which end at every jump taken, so
/// a request waits at most a few instructions (64 at the very most).
pub(crate) fn run<B: Bus>(cpu: &mut Cpu, bus: &mut B, budget: u64) -> Exit {
    cpu.ram = bus.ram_window();
    let mut left = budget;
    while left > 0 {
        let phys =
            cpu.segs[SegReg::Cs as usize].base.wrapping_add(cpu.eip) & cpu.quirks.address_mask;
        // Code in a 32-bit segment (protected mode) runs from its bytes: blocks are decoded
        // for 16-bit code.
        if needs_care(cpu, bus) || !CodeCache::cacheable(phys) || cpu.ip_mask() != 0xFFFF {
            match step(cpu, bus) {
                Exit::Budget => left -= 1,
                other => return other,
            }
            continue;
        }
        let (block, gen) = match cpu.cache.get(phys) {
            Some(found) => found,
            None => {
                let gen = cpu.cache.mark_code(phys);
                let block: crate::cache::Block =
                    decode_block(bus, phys, cpu.eip, true, &cpu.quirks).into();
                // A slow instruction (len 0) is read from its bytes each time: only the decoded
                // ones' bytes need watching.
                let bytes = block.iter().map(|i| i.len as u32).sum::<u32>();
                cpu.cache.put(phys, gen, bytes, block.clone());
                (block, gen)
            }
        };
        let start = cpu.eip;
        // A block without a slow tail cannot change CS or the code's mode: when it jumps back to
        // its own start (a loop) it runs again without being looked up, as long as nothing
        // needs a look between instructions and its code is unchanged.
        let may_loop = block.last().is_some_and(|i| i.kind != Kind::Slow);
        loop {
            let n = block.len().min(left as usize);
            let (ran, stop) = run_block(cpu, bus, &block[..n]);
            left -= ran as u64;
            if let Some(exit) = stop {
                return exit;
            }
            if cpu.halted {
                return Exit::Halted;
            }
            if !(may_loop
                && cpu.eip == start
                && left > 0
                && cpu.cache.generation(phys) == gen
                && !needs_care(cpu, bus))
            {
                break;
            }
        }
    }
    Exit::Budget
}

/// Whether the next instruction boundary needs [`step`]: an NMI or an enabled interrupt waits,
/// an interrupt shadow, single-stepping, HLT.
#[inline(always)]
fn needs_care<B: Bus>(cpu: &mut Cpu, bus: &mut B) -> bool {
    if !cpu.nmi_latched && bus.nmi_take() {
        cpu.nmi_latched = true;
    }
    cpu.irq_shadow
        || cpu.halted
        || cpu.nmi_latched
        || cpu.fbits & TF != 0
        || (cpu.fbits & IF != 0 && bus.intr_pending())
}

/// Runs decoded instructions until the end of `insns`, a jump taken, a write over decoded code
/// or a fault, counting them in the time-stamp counter. Returns how many ran (a faulting one
/// counts) and the exit to report, if any.
#[inline(always)]
fn run_block<B: Bus>(cpu: &mut Cpu, bus: &mut B, insns: &[Insn]) -> (usize, Option<Exit>) {
    // Only the last instruction of a block can be one run from its bytes.
    let (fast, slow) = match insns.split_last() {
        Some((last, rest)) if last.kind == Kind::Slow => (rest, true),
        _ => (insns, false),
    };
    cpu.leave_block = false;
    for (k, insn) in fast.iter().enumerate() {
        cpu.eip = cpu.eip.wrapping_add(insn.len as u32);
        let done = (insn.h)(cpu, bus, insn);
        if let Err(f) = done {
            cpu.tsc = cpu.tsc.wrapping_add(k as u64 + 1);
            // A handler that fails leaves EIP past its instruction, and ESP as it was.
            cpu.start_eip = cpu.eip.wrapping_sub(insn.len as u32);
            return (k + 1, fault(cpu, bus, f, cpu.gpr[4]));
        }
        if cpu.leave_block {
            cpu.tsc = cpu.tsc.wrapping_add(k as u64 + 1);
            return (k + 1, None);
        }
    }
    // RDTSC in a slow instruction sees itself counted, as in `step`.
    cpu.tsc = cpu.tsc.wrapping_add(insns.len() as u64);
    if !slow {
        return (insns.len(), None);
    }
    let esp = cpu.gpr[4];
    cpu.start_eip = cpu.eip;
    cpu.pfx = Prefixes::default();
    let stop = exec_one(cpu, bus)
        .err()
        .and_then(|f| fault(cpu, bus, f, esp));
    (insns.len(), stop)
}

/// Delivers `v`; a fault while doing so becomes a double fault, and a fault delivering that one
/// shuts the CPU down.
fn deliver_or_escalate<B: Bus + ?Sized>(cpu: &mut Cpu, bus: &mut B, v: u8) -> Option<Exit> {
    if cpu.interrupt(bus, v).is_ok() {
        return None;
    }
    if cpu.interrupt(bus, vector::DF).is_ok() {
        return None;
    }
    cpu.halted = true;
    Some(Exit::Shutdown)
}

/// Runs the instruction at CS:EIP (one at a time, for [`step`]): decoded forms through the same
/// code the blocks use, others from their bytes.
#[inline]
fn exec_cached<B: Bus>(cpu: &mut Cpu, bus: &mut B) -> R<()> {
    // Decoding assumes 16-bit code: code in a 32-bit segment runs from its bytes, as does an
    // instruction that may wrap around the end of its 16-bit segment or cross a page.
    if cpu.ip_mask() != 0xFFFF {
        return exec_one(cpu, bus);
    }
    let phys = cpu.segs[SegReg::Cs as usize].base.wrapping_add(cpu.eip) & cpu.quirks.address_mask;
    match decode(bus, phys, &cpu.quirks) {
        Some(insn) if crate::decode::fits(phys, cpu.eip, true, insn.len) => {
            cpu.pfx = insn.pfx;
            cpu.eip = cpu.eip.wrapping_add(insn.len as u32);
            (insn.h)(cpu, bus, &insn)
        }
        _ => exec_one(cpu, bus),
    }
}

fn exec_one<B: Bus + ?Sized>(cpu: &mut Cpu, bus: &mut B) -> R<()> {
    let q = cpu.quirks;
    // A 32-bit code segment (D bit) makes 32 bits the default sizes, which the prefixes flip.
    let big = cpu.segs[SegReg::Cs as usize].attrs & protected::DB != 0;
    cpu.pfx.op32 = big;
    cpu.pfx.addr32 = big;
    let op = loop {
        let op = cpu.fetch8(bus);
        match op {
            0x26 | 0x2E | 0x36 | 0x3E => cpu.pfx.seg = Some(SegReg::from_index((op >> 3) & 3)),
            0x64 | 0x65 if q.has_386_ops => cpu.pfx.seg = Some(SegReg::from_index(op - 0x60)),
            0x66 if q.has_386_ops => cpu.pfx.op32 = !big,
            0x67 if q.has_386_ops => cpu.pfx.addr32 = !big,
            0xF0 => {}
            0xF1 if q.f1_is_lock => {}
            0xF2 => cpu.pfx.rep = Rep::Repne,
            0xF3 => cpu.pfx.rep = Rep::Repe,
            _ => break op,
        }
    };
    dispatch(cpu, bus, op)
}

pub(crate) fn ud<T>() -> R<T> {
    Err(Fault::Exception(vector::UD))
}

fn dispatch<B: Bus + ?Sized>(cpu: &mut Cpu, bus: &mut B, op: u8) -> R<()> {
    let q = cpu.quirks;
    let v = cpu.osize();
    match op {
        // ADD OR ADC SBB AND SUB XOR CMP in their six forms.
        0x00..=0x3F if op & 7 < 6 => cpu.alu_form(bus, op),
        0x06 | 0x0E | 0x16 | 0x1E => {
            let s = cpu.segs[(op >> 3) as usize].selector as u32;
            cpu.push(bus, v, s)
        }
        0x07 | 0x17 | 0x1F => cpu.pop_seg(bus, SegReg::from_index(op >> 3)),
        0x0F if !q.has_386_ops => cpu.pop_seg(bus, SegReg::Cs),
        0x0F => cpu.exec_0f(bus),
        0x27 => cpu.daa(),
        0x2F => cpu.das(),
        0x37 => cpu.aaa(),
        0x3F => cpu.aas(),
        0x40..=0x47 => {
            let r = cpu.reg(v, op & 7);
            let r = cpu.inc_dec(v, r, false);
            cpu.set_reg(v, op & 7, r);
            Ok(())
        }
        0x48..=0x4F => {
            let r = cpu.reg(v, op & 7);
            let r = cpu.inc_dec(v, r, true);
            cpu.set_reg(v, op & 7, r);
            Ok(())
        }
        0x50..=0x57 => cpu.push_reg(bus, op & 7),
        0x58..=0x5F => {
            let x = cpu.pop(bus, v)?;
            cpu.set_reg(v, op & 7, x);
            Ok(())
        }
        // Without the 186 opcodes, 0x60–0x6F decode as the Jcc at 0x70–0x7F.
        0x60..=0x6F if !q.has_186_ops => cpu.jcc_short(bus, op),
        0x60 => cpu.pusha(bus),
        0x61 => cpu.popa(bus),
        0x62 => cpu.bound(bus),
        0x63 => ud(), // ARPL: protected mode only.
        0x64..=0x67 => ud(),
        0x68 => {
            let x = cpu.fetch_imm(bus, v);
            cpu.push(bus, v, x)
        }
        0x6A => {
            let x = cpu.fetch8(bus) as i8 as u32;
            cpu.push(bus, v, x)
        }
        0x69 | 0x6B => cpu.imul_imm(bus, op == 0x6B),
        0x6C..=0x6F => cpu.string_op(bus, op),
        0x70..=0x7F => cpu.jcc_short(bus, op),
        0x80..=0x83 => cpu.group1(bus, op),
        0x84 | 0x85 => {
            let sz = byte_or(op, v);
            let m = cpu.modrm(bus);
            let a = cpu.read_loc(bus, sz, m.loc)?;
            let b = cpu.reg(sz, m.reg);
            cpu.logic_flags(sz, a & b);
            Ok(())
        }
        0x86 | 0x87 => {
            let sz = byte_or(op, v);
            let m = cpu.modrm(bus);
            let a = cpu.read_loc(bus, sz, m.loc)?;
            let b = cpu.reg(sz, m.reg);
            cpu.write_loc(bus, sz, m.loc, b)?;
            cpu.set_reg(sz, m.reg, a);
            Ok(())
        }
        0x88..=0x8B => cpu.mov_rm(bus, op),
        0x8C => cpu.mov_from_seg(bus),
        0x8D => cpu.lea(bus),
        0x8E => cpu.mov_to_seg(bus),
        0x8F => cpu.pop_rm(bus),
        0x90 if cpu.pfx.rep == Rep::Repe => Ok(()), // PAUSE
        0x90..=0x97 => {
            let a = cpu.reg(v, 0);
            let b = cpu.reg(v, op & 7);
            cpu.set_reg(v, 0, b);
            cpu.set_reg(v, op & 7, a);
            Ok(())
        }
        0x98 | 0x99 | 0x9E | 0x9F | 0xF5 => cpu.plain_op(op),
        0x9A => cpu.call_far_imm(bus),
        0x9B => Ok(()), // WAIT: there is no coprocessor to wait for.
        0x9C => cpu.pushf(bus),
        0x9D => cpu.popf(bus),
        0xA0..=0xA3 => cpu.mov_moffs(bus, op),
        0xA4..=0xA7 | 0xAA..=0xAF => cpu.string_op(bus, op),
        0xA8 | 0xA9 => {
            let sz = byte_or(op, v);
            let i = cpu.fetch_imm(bus, sz);
            let a = cpu.reg(sz, 0);
            cpu.logic_flags(sz, a & i);
            Ok(())
        }
        0xB0..=0xB7 => {
            let i = cpu.fetch8(bus) as u32;
            cpu.set_reg(Size::B, op & 7, i);
            Ok(())
        }
        0xB8..=0xBF => {
            let i = cpu.fetch_imm(bus, v);
            cpu.set_reg(v, op & 7, i);
            Ok(())
        }
        // Without the 186 opcodes, C0/C1 alias RET imm/RET and C8/C9 alias RETF imm/RETF.
        0xC0 | 0xC1 | 0xC8 | 0xC9 if !q.has_186_ops => cpu.ret(bus, op | 2),
        0xC0 | 0xC1 | 0xD0..=0xD3 => cpu.group2(bus, op),
        0xC2 | 0xC3 | 0xCA | 0xCB => cpu.ret(bus, op),
        0xC4 => cpu.load_far(bus, SegReg::Es),
        0xC5 => cpu.load_far(bus, SegReg::Ds),
        0xC6 | 0xC7 => {
            let sz = byte_or(op, v);
            let m = cpu.modrm(bus);
            if m.reg != 0 && q.raises_ud {
                return ud();
            }
            let i = cpu.fetch_imm(bus, sz);
            cpu.write_loc(bus, sz, m.loc, i)
        }
        0xC8 => cpu.enter(bus),
        0xC9 => cpu.leave(bus),
        0xCC => cpu.soft_int(bus, vector::BP),
        0xCD => {
            let n = cpu.fetch8(bus);
            cpu.soft_int(bus, n)
        }
        0xCE => {
            if cpu.flag(crate::flags::OF) {
                cpu.soft_int(bus, vector::OF)
            } else {
                Ok(())
            }
        }
        0xCF => cpu.iret(bus),
        0xD4 => {
            let base = cpu.fetch8(bus);
            cpu.aam(base)
        }
        0xD5 => {
            let base = cpu.fetch8(bus);
            cpu.aad(base);
            Ok(())
        }
        0xD6 if q.has_salc => {
            let al = if cpu.flag(crate::flags::CF) { 0xFF } else { 0 };
            cpu.set_reg(Size::B, 0, al);
            Ok(())
        }
        0xD6 => ud(),
        0xD7 => {
            // XLAT
            let off = (cpu.gpr[3].wrapping_add(cpu.gpr[0] & 0xFF)) & cpu.amask();
            let seg = cpu.data_seg(SegReg::Ds);
            let x = cpu.read(bus, Size::B, seg, off)?;
            cpu.set_reg(Size::B, 0, x);
            Ok(())
        }
        0xD8..=0xDF => cpu.esc(bus, op),
        0xE0..=0xE3 => cpu.loop_op(bus, op),
        0xE4..=0xE7 | 0xEC..=0xEF => cpu.in_out(bus, op),
        0xE8 => cpu.call_near_rel(bus),
        0xE9 => {
            let rel = cpu.fetch_imm(bus, v);
            let rel = v.sext(rel);
            cpu.jump_rel(rel)
        }
        0xEA => cpu.jmp_far_imm(bus),
        0xEB => {
            let rel = cpu.fetch8(bus) as i8 as u32;
            cpu.jump_rel(rel)
        }
        0xF1 => cpu.soft_int(bus, vector::DB), // INT1 / ICEBP
        0xF4 => {
            cpu.halted = true;
            Ok(())
        }
        0xF6 | 0xF7 => cpu.group3(bus, op),
        0xF8..=0xFD => cpu.flag_op(op),
        0xFE | 0xFF => cpu.group45(bus, op),
        // Prefix bytes never reach here; keep the match total.
        _ => ud(),
    }
}

/// Byte size for the even opcode of a pair, `v` for the odd one.
#[inline]
pub(crate) fn byte_or(op: u8, v: Size) -> Size {
    if op & 1 == 0 {
        Size::B
    } else {
        v
    }
}

impl Cpu {
    /// The r/m operand of a ModRM that must name memory (LEA, LES, BOUND, ...).
    pub(crate) fn mem_operand(&self, loc: Loc) -> R<(SegReg, u32)> {
        match loc {
            Loc::Mem(s, o) => Ok((s, o)),
            Loc::Reg(_) => ud(),
        }
    }
}
