//! Decoding for the cache: the common instruction forms as data ([`Insn`]), so that running them
//! again needs no fetching or parsing. Everything else decodes to [`Kind::Slow`], which the
//! interpreter runs from the bytes as usual.

use crate::flags::Size;
use crate::model::Quirks;
use crate::state::{Cpu, Prefixes, Rep, SegReg, R};
use crate::Bus;

/// Runs one decoded instruction (EIP already past it, prefixes in `Cpu::pfx`). Chosen once at
/// decode time, specialised by form, size and operation (`exec::fast`).
pub(crate) type Handler = fn(&mut Cpu, &mut dyn Bus, &Insn) -> R<()>;

/// The instruction forms kept decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Run from the bytes by the general interpreter.
    #[default]
    Slow,
    /// NOP (0x90 without a REP prefix, which would make it PAUSE).
    Nop,
    /// `op r/m, reg` (ALU op in `op`).
    AluMR,
    /// `op reg, r/m`.
    AluRM,
    /// `op r/m, imm`, also `op acc, imm` (with `rm` the accumulator).
    AluMI,
    /// TEST r/m, reg / TEST r/m, imm.
    TestMR,
    TestMI,
    /// MOV r/m, reg / MOV reg, r/m / MOV r/m, imm.
    MovMR,
    MovRM,
    MovMI,
    /// INC / DEC r/m (`op` 0 or 1).
    IncDec,
    PushR,
    PopR,
    /// Jcc / JMP rel (`op` = condition, 16 = always), target offset in `imm`.
    Jcc,
    CallRel,
    RetNear,
    /// LOOPNE/LOOPE/LOOP/JCXZ (`op` = low two bits of the opcode).
    Loop,
    Lea,
    /// Group 2 shift/rotate (`op` = reg field); count: `imm` for by-immediate/1, or CL when
    /// `by_cl`.
    Shift,
    /// Group 3 (`op` = reg field; `imm` for TEST).
    Group3,
    /// IMUL reg, r/m, imm.
    ImulImm,
    /// A string instruction (`op` = opcode), with or without REP.
    Str,
    /// XCHG r/m, reg.
    Xchg,
    /// One-byte instructions without operands that the general interpreter runs (`op` =
    /// opcode): CBW CWD CLC STC CMC CLD STD SAHF LAHF.
    Plain,
    /// PUSH imm.
    PushI,
}

/// Where an r/m operand lives, as a recipe: a register, or memory at
/// `disp + (base & bmask) + ((index & imask) << scale)` cut to `amask`, in `seg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rm {
    pub is_mem: bool,
    /// The register (when not memory).
    pub reg: u8,
    pub seg: SegReg,
    pub base: u8,
    pub index: u8,
    pub scale: u8,
    pub disp: u32,
    /// 0 when there is no base (index) register.
    pub bmask: u32,
    pub imask: u32,
    pub amask: u32,
}

impl Default for Rm {
    fn default() -> Self {
        Rm {
            is_mem: false,
            reg: 0,
            seg: SegReg::Ds,
            base: 0,
            index: 0,
            scale: 0,
            disp: 0,
            bmask: 0,
            imask: 0,
            amask: 0xFFFF,
        }
    }
}

/// One decoded instruction.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Insn {
    pub h: Handler,
    pub kind: Kind,
    pub len: u8,
    pub op: u8,
    pub size: Size,
    /// ModRM reg field or the register an opcode names.
    pub reg: u8,
    pub by_cl: bool,
    pub pfx: Prefixes,
    pub rm: Rm,
    pub imm: u32,
}

impl Default for Insn {
    fn default() -> Self {
        Insn {
            h: crate::exec::slow_handler,
            kind: Kind::Slow,
            len: 0,
            op: 0,
            size: Size::W,
            reg: 0,
            by_cl: false,
            pfx: Prefixes::default(),
            rm: Rm::default(),
            imm: 0,
        }
    }
}

impl Insn {
    #[inline]
    pub fn sz(&self) -> Size {
        self.size
    }

    /// Whether the block ends after this instruction whatever happens (a jump that is always
    /// taken, an instruction run from its bytes, a REP string op that may stop to let an
    /// interrupt in).
    pub fn ends_block(&self) -> bool {
        match self.kind {
            Kind::Jcc => self.op == 16,
            Kind::CallRel | Kind::RetNear | Kind::Slow => true,
            Kind::Str => self.pfx.rep != Rep::None,
            _ => false,
        }
    }
}

/// Reads instruction bytes in order, from the bus at consecutive physical addresses (only the
/// bytes the instruction has are read, as the slow path would).
struct Bytes<'a, B: Bus + ?Sized> {
    bus: &'a mut B,
    addr: u32,
    pos: usize,
}

impl<B: Bus + ?Sized> Bytes<'_, B> {
    fn u8(&mut self) -> Option<u8> {
        if self.pos >= 15 {
            return None;
        }
        let b = self.bus.read8(self.addr.wrapping_add(self.pos as u32));
        self.pos += 1;
        Some(b)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(self.u8()? as u16 | (self.u8()? as u16) << 8)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(self.u16()? as u32 | (self.u16()? as u32) << 16)
    }
    fn imm(&mut self, sz: Size) -> Option<u32> {
        match sz {
            Size::B => self.u8().map(u32::from),
            Size::W => self.u16().map(u32::from),
            Size::D => self.u32(),
        }
    }
}

/// Decodes the instruction at physical `addr`. Returns `None` when it is not one of the cached
/// forms; the caller then runs it the slow way.
pub(crate) fn decode<B: Bus + ?Sized>(bus: &mut B, addr: u32, q: &Quirks) -> Option<Insn> {
    let mut b = Bytes { bus, addr, pos: 0 };
    let mut pfx = Prefixes::default();
    let op = loop {
        let op = b.u8()?;
        match op {
            0x26 | 0x2E | 0x36 | 0x3E => pfx.seg = Some(SegReg::from_index((op >> 3) & 3)),
            0x64 | 0x65 if q.has_386_ops => pfx.seg = Some(SegReg::from_index(op - 0x60)),
            0x66 if q.has_386_ops => pfx.op32 = true,
            0x67 if q.has_386_ops => pfx.addr32 = true,
            0xF0 => {}
            0xF2 => pfx.rep = Rep::Repne,
            0xF3 => pfx.rep = Rep::Repe,
            _ => break op,
        }
        if b.pos > 14 {
            return None;
        }
    };
    let v = if pfx.op32 { Size::D } else { Size::W };
    let byte_or = |op: u8| if op & 1 == 0 { Size::B } else { v };
    let mut i = Insn {
        pfx,
        ..Insn::default()
    };
    let mut sz = v;
    match op {
        0x00..=0x3F if op & 7 < 6 => {
            i.op = (op >> 3) & 7;
            sz = byte_or(op);
            match op & 7 {
                0 | 1 => {
                    i.kind = Kind::AluMR;
                    modrm(&mut b, &mut i)?;
                }
                2 | 3 => {
                    i.kind = Kind::AluRM;
                    modrm(&mut b, &mut i)?;
                }
                _ => {
                    i.kind = Kind::AluMI;
                    i.rm = Rm {
                        reg: 0,
                        ..Rm::default()
                    };
                    i.imm = b.imm(sz)?;
                }
            }
        }
        0x40..=0x4F => {
            i.kind = Kind::IncDec;
            i.op = (op >> 3) & 1;
            i.rm = Rm {
                reg: op & 7,
                ..Rm::default()
            };
        }
        0x50..=0x57 => {
            i.kind = Kind::PushR;
            i.reg = op & 7;
        }
        0x58..=0x5F => {
            i.kind = Kind::PopR;
            i.reg = op & 7;
        }
        0x70..=0x7F => jcc(&mut b, &mut i, op & 0xF, Size::B)?,
        0x60..=0x6F if !q.has_186_ops => jcc(&mut b, &mut i, op & 0xF, Size::B)?,
        0x80..=0x83 => {
            i.kind = Kind::AluMI;
            sz = byte_or(op);
            modrm(&mut b, &mut i)?;
            i.op = i.reg;
            i.imm = match op {
                0x81 => b.imm(sz)?,
                0x83 => b.u8()? as i8 as u32 & sz.mask(),
                _ => b.u8()? as u32,
            };
        }
        0x84 | 0x85 => {
            i.kind = Kind::TestMR;
            sz = byte_or(op);
            modrm(&mut b, &mut i)?;
        }
        0xA8 | 0xA9 => {
            i.kind = Kind::TestMI;
            sz = byte_or(op);
            i.rm = Rm {
                reg: 0,
                ..Rm::default()
            };
            i.imm = b.imm(sz)?;
        }
        0x88 | 0x89 => {
            i.kind = Kind::MovMR;
            sz = byte_or(op);
            modrm(&mut b, &mut i)?;
        }
        0x8A | 0x8B => {
            i.kind = Kind::MovRM;
            sz = byte_or(op);
            modrm(&mut b, &mut i)?;
        }
        0x8D => {
            i.kind = Kind::Lea;
            modrm(&mut b, &mut i)?;
            if !i.rm.is_mem {
                return None;
            }
        }
        0xB0..=0xB7 => {
            i.kind = Kind::MovMI;
            sz = Size::B;
            i.rm = Rm {
                reg: op & 7,
                ..Rm::default()
            };
            i.imm = b.u8()? as u32;
        }
        0xB8..=0xBF => {
            i.kind = Kind::MovMI;
            i.rm = Rm {
                reg: op & 7,
                ..Rm::default()
            };
            i.imm = b.imm(v)?;
        }
        0xC6 | 0xC7 => {
            i.kind = Kind::MovMI;
            sz = byte_or(op);
            modrm(&mut b, &mut i)?;
            if i.reg != 0 {
                return None;
            }
            i.imm = b.imm(sz)?;
        }
        0xC0 | 0xC1 | 0xD0..=0xD3 if q.has_186_ops || op >= 0xD0 => {
            i.kind = Kind::Shift;
            sz = byte_or(op);
            modrm(&mut b, &mut i)?;
            i.op = i.reg;
            match op {
                0xC0 | 0xC1 => i.imm = b.u8()? as u32,
                0xD0 | 0xD1 => i.imm = 1,
                _ => i.by_cl = true,
            }
        }
        0xC3 => i.kind = Kind::RetNear,
        0x90 if pfx.rep != Rep::Repe => i.kind = Kind::Nop,
        0xE0..=0xE3 => {
            i.kind = Kind::Loop;
            i.op = op & 3;
            i.imm = b.u8()? as i8 as u32;
        }
        0xE8 => {
            i.kind = Kind::CallRel;
            i.imm = v.sext(b.imm(v)?);
        }
        0xE9 => jcc(&mut b, &mut i, 16, v)?,
        0xEB => jcc(&mut b, &mut i, 16, Size::B)?,
        0x0F if q.has_386_ops => {
            let op2 = b.u8()?;
            match op2 {
                0x80..=0x8F => jcc(&mut b, &mut i, op2 & 0xF, v)?,
                _ => return None,
            }
        }
        0xF6 | 0xF7 => {
            i.kind = Kind::Group3;
            sz = byte_or(op);
            modrm(&mut b, &mut i)?;
            i.op = i.reg;
            if i.op < 2 {
                i.imm = b.imm(sz)?;
            }
        }
        0x69 | 0x6B if q.has_186_ops => {
            i.kind = Kind::ImulImm;
            modrm(&mut b, &mut i)?;
            i.imm = if op == 0x6B {
                b.u8()? as i8 as u32
            } else {
                b.imm(v)?
            };
        }
        0xA4 | 0xA5 | 0xA6 | 0xA7 | 0xAA..=0xAF => {
            i.kind = Kind::Str;
            i.op = op;
            sz = byte_or(op);
        }
        0x86 | 0x87 => {
            i.kind = Kind::Xchg;
            sz = byte_or(op);
            modrm(&mut b, &mut i)?;
        }
        0x91..=0x97 => {
            i.kind = Kind::Xchg;
            i.reg = 0;
            i.rm = Rm {
                reg: op & 7,
                ..Rm::default()
            };
        }
        0x98 | 0x99 | 0x9E | 0x9F | 0xF5 | 0xF8 | 0xF9 | 0xFC | 0xFD => {
            i.kind = Kind::Plain;
            i.op = op;
        }
        0x68 | 0x6A if q.has_186_ops => {
            i.kind = Kind::PushI;
            i.imm = if op == 0x6A {
                b.u8()? as i8 as u32
            } else {
                b.imm(v)?
            };
        }
        0xA0..=0xA3 => {
            // MOV AL/eAX <-> moffs: an r/m recipe with only a displacement.
            i.kind = if op < 0xA2 { Kind::MovRM } else { Kind::MovMR };
            sz = byte_or(op);
            let disp = if pfx.addr32 {
                b.u32()?
            } else {
                b.u16()? as u32
            };
            i.reg = 0;
            i.rm = Rm {
                is_mem: true,
                seg: pfx.seg.unwrap_or(SegReg::Ds),
                disp,
                amask: if pfx.addr32 { !0 } else { 0xFFFF },
                ..Rm::default()
            };
        }
        _ => return None,
    }
    i.size = sz;
    i.len = b.pos as u8;
    crate::exec::choose_handler(&mut i);
    Some(i)
}

/// Most instructions in one block.
const BLOCK_MAX: usize = 64;

/// Decodes the block at physical `addr` (EIP `eip`): instructions up to and including the first
/// unconditional jump, call or return, or the first instruction that is not kept decoded (it is
/// then the block's last entry, [`Kind::Slow`], run from its bytes). Conditional jumps and loops
/// do not end it: the CPU leaves the block where one is taken. An instruction that could reach
/// into the next page or wrap a 16-bit IP is left slow too.
pub(crate) fn decode_block<B: Bus + ?Sized>(
    bus: &mut B,
    addr: u32,
    eip: u32,
    ip16: bool,
    q: &Quirks,
) -> Vec<Insn> {
    let mut block = Vec::with_capacity(16);
    let (mut a, mut ip) = (addr, eip);
    loop {
        let insn = decode(bus, a, q).filter(|i| fits(a, ip, ip16, i.len));
        let Some(insn) = insn else {
            block.push(Insn::default());
            return block;
        };
        block.push(insn);
        if insn.ends_block() || block.len() == BLOCK_MAX {
            return block;
        }
        a = a.wrapping_add(insn.len as u32);
        ip = ip.wrapping_add(insn.len as u32);
    }
}

/// Whether an instruction of `len` bytes at physical `a` (IP `ip`) stays inside its 4 KiB page
/// and, with a 16-bit IP, leaves the next IP below 64 KiB (no wrap): then it can run decoded.
#[inline]
pub(crate) fn fits(a: u32, ip: u32, ip16: bool, len: u8) -> bool {
    (a & 0xFFF) + len as u32 <= 0x1000 && !(ip16 && ip + len as u32 > 0xFFFF)
}

fn jcc<B: Bus + ?Sized>(b: &mut Bytes<B>, i: &mut Insn, cc: u8, disp: Size) -> Option<()> {
    i.kind = Kind::Jcc;
    i.op = cc;
    i.imm = disp.sext(b.imm(disp)?);
    Some(())
}

/// Decodes a ModRM (and SIB and displacement) into `i.reg` and `i.rm`.
fn modrm<B: Bus + ?Sized>(b: &mut Bytes<B>, i: &mut Insn) -> Option<()> {
    let m = b.u8()?;
    let md = m >> 6;
    i.reg = (m >> 3) & 7;
    let rm = m & 7;
    if md == 3 {
        i.rm = Rm {
            reg: rm,
            ..Rm::default()
        };
        return Some(());
    }
    let wide = if i.pfx.addr32 { !0 } else { 0xFFFF };
    let mut r = Rm {
        is_mem: true,
        amask: wide,
        ..Rm::default()
    };
    let mut base = None;
    let mut index = None;
    let mut seg = SegReg::Ds;
    if !i.pfx.addr32 {
        const BASE: [u8; 8] = [3, 3, 5, 5, 6, 7, 5, 3];
        const INDEX: [u8; 8] = [6, 7, 6, 7, 8, 8, 8, 8];
        if md == 0 && rm == 6 {
            r.disp = b.u16()? as u32;
        } else {
            base = Some(BASE[rm as usize]);
            index = Some(INDEX[rm as usize]).filter(|&x| x < 8);
            if matches!(rm, 2 | 3 | 6) {
                seg = SegReg::Ss;
            }
        }
    } else if rm == 4 {
        let sib = b.u8()?;
        r.scale = sib >> 6;
        index = Some((sib >> 3) & 7).filter(|&x| x != 4);
        let sbase = sib & 7;
        if sbase == 5 && md == 0 {
            r.disp = b.u32()?;
        } else {
            base = Some(sbase);
            if sbase == 4 || sbase == 5 {
                seg = SegReg::Ss;
            }
        }
    } else if rm == 5 && md == 0 {
        r.disp = b.u32()?;
    } else {
        base = Some(rm);
        if rm == 5 {
            seg = SegReg::Ss;
        }
    }
    if let Some(x) = base {
        r.base = x;
        r.bmask = wide;
    }
    if let Some(x) = index {
        r.index = x;
        r.imask = wide;
    }
    match md {
        1 => r.disp = r.disp.wrapping_add(b.u8()? as i8 as u32),
        2 if i.pfx.addr32 => r.disp = r.disp.wrapping_add(b.u32()?),
        2 => r.disp = r.disp.wrapping_add(b.u16()? as u32),
        _ => {}
    }
    r.seg = i.pfx.seg.unwrap_or(seg);
    i.rm = r;
    Some(())
}
