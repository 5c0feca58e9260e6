//! Registers by size, segmented memory access, instruction fetch, ModRM decoding and the stack.

use crate::flags::Size;
use crate::state::{vector, Cpu, Fault, SegReg, R};
use crate::Bus;

/// Where an operand lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    /// A register, by its encoding (for byte operands 4–7 are AH, CH, DH, BH).
    Reg(u8),
    /// Memory: segment and offset (already wrapped to the address size).
    Mem(SegReg, u32),
}

/// A decoded ModRM byte.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModRm {
    /// The reg field (bits 3–5).
    pub reg: u8,
    /// The r/m operand.
    pub loc: Loc,
}

const ESP: usize = 4;

impl Cpu {
    // --- registers ---------------------------------------------------------------------------

    #[inline]
    pub(crate) fn reg(&self, sz: Size, i: u8) -> u32 {
        let i = i as usize & 7;
        match sz {
            Size::B if i < 4 => self.gpr[i] & 0xFF,
            Size::B => (self.gpr[i - 4] >> 8) & 0xFF,
            Size::W => self.gpr[i] & 0xFFFF,
            Size::D => self.gpr[i],
        }
    }

    #[inline]
    pub(crate) fn set_reg(&mut self, sz: Size, i: u8, v: u32) {
        let i = i as usize & 7;
        match sz {
            Size::B if i < 4 => self.gpr[i] = (self.gpr[i] & !0xFF) | (v & 0xFF),
            Size::B => self.gpr[i - 4] = (self.gpr[i - 4] & !0xFF00) | ((v & 0xFF) << 8),
            Size::W => self.gpr[i] = (self.gpr[i] & !0xFFFF) | (v & 0xFFFF),
            Size::D => self.gpr[i] = v,
        }
    }

    /// The operand size of the current instruction for "v" operands.
    #[inline]
    pub(crate) fn osize(&self) -> Size {
        if self.pfx.op32 {
            Size::D
        } else {
            Size::W
        }
    }

    /// Mask of the address size (0xFFFF or 0xFFFFFFFF).
    #[inline]
    pub(crate) fn amask(&self) -> u32 {
        if self.pfx.addr32 {
            0xFFFF_FFFF
        } else {
            0xFFFF
        }
    }

    /// Segment of a data access: the override, or `default`.
    #[inline]
    pub(crate) fn data_seg(&self, default: SegReg) -> SegReg {
        self.pfx.seg.unwrap_or(default)
    }

    // --- memory ------------------------------------------------------------------------------

    /// The exception an access outside `seg`'s limit raises.
    #[inline]
    fn limit_fault(seg: SegReg) -> Fault {
        Fault::Exception(if seg == SegReg::Ss {
            vector::SS
        } else {
            vector::GP
        })
    }

    /// Linear address of a `len`-byte access at `seg:off` when it fits inside the segment;
    /// `None` when it crosses the limit on a model that wraps instead of faulting.
    #[inline]
    fn linear(&self, seg: SegReg, off: u32, len: u32) -> R<Option<u32>> {
        let s = &self.segs[seg as usize];
        if off <= s.limit && s.limit - off >= len - 1 {
            return Ok(Some(s.base.wrapping_add(off) & self.quirks.address_mask));
        }
        if self.quirks.segment_limit_checks {
            Err(Self::limit_fault(seg))
        } else {
            Ok(None)
        }
    }

    /// Address of byte `i` of an access that wraps around inside a 64 KiB segment (8086).
    #[inline]
    fn wrapped(&self, seg: SegReg, off: u32, i: u32) -> u32 {
        self.segs[seg as usize]
            .base
            .wrapping_add(off.wrapping_add(i) & 0xFFFF)
            & self.quirks.address_mask
    }

    #[inline]
    pub(crate) fn read<B: Bus + ?Sized>(
        &mut self,
        bus: &mut B,
        sz: Size,
        seg: SegReg,
        off: u32,
    ) -> R<u32> {
        match sz {
            Size::B => self.read_n::<B, 1>(bus, seg, off),
            Size::W => self.read_n::<B, 2>(bus, seg, off),
            Size::D => self.read_n::<B, 4>(bus, seg, off),
        }
    }

    #[inline]
    pub(crate) fn write<B: Bus + ?Sized>(
        &mut self,
        bus: &mut B,
        sz: Size,
        seg: SegReg,
        off: u32,
        v: u32,
    ) -> R<()> {
        match sz {
            Size::B => self.write_n::<B, 1>(bus, seg, off, v),
            Size::W => self.write_n::<B, 2>(bus, seg, off, v),
            Size::D => self.write_n::<B, 4>(bus, seg, off, v),
        }
    }

    /// Reads `N` (1, 2 or 4) bytes at `seg:off`: from the RAM window when they are in it.
    #[inline(always)]
    pub(crate) fn read_n<B: Bus + ?Sized, const N: usize>(
        &mut self,
        bus: &mut B,
        seg: SegReg,
        off: u32,
    ) -> R<u32> {
        let s = &self.segs[seg as usize];
        if off <= s.limit && s.limit - off >= N as u32 - 1 {
            let a = s.base.wrapping_add(off) & self.quirks.address_mask;
            if let Some(b) = self.ram.read::<N>(a) {
                let mut v = [0u8; 4];
                v[..N].copy_from_slice(&b);
                return Ok(u32::from_le_bytes(v));
            }
            return Ok(match N {
                1 => bus.read8(a) as u32,
                2 => bus.read16(a) as u32,
                _ => bus.read32(a),
            });
        }
        self.read_wrapped(bus, N as u32, seg, off)
    }

    /// Writes `N` (1, 2 or 4) bytes at `seg:off`: into the RAM window when they are in it.
    #[inline(always)]
    pub(crate) fn write_n<B: Bus + ?Sized, const N: usize>(
        &mut self,
        bus: &mut B,
        seg: SegReg,
        off: u32,
        v: u32,
    ) -> R<()> {
        let s = &self.segs[seg as usize];
        if off <= s.limit && s.limit - off >= N as u32 - 1 {
            let a = s.base.wrapping_add(off) & self.quirks.address_mask;
            self.note_write(a, N as u32);
            let bytes = v.to_le_bytes();
            let mut b = [0u8; N];
            b.copy_from_slice(&bytes[..N]);
            if !self.ram.write::<N>(a, b) {
                match N {
                    1 => bus.write8(a, v as u8),
                    2 => bus.write16(a, v as u16),
                    _ => bus.write32(a, v),
                }
            }
            return Ok(());
        }
        self.write_wrapped(bus, N as u32, seg, off, v)
    }

    /// The CPU is writing `len` bytes at physical `a`: decoded code there becomes stale, and the
    /// block running stops after this instruction.
    #[inline(always)]
    fn note_write(&mut self, a: u32, len: u32) {
        if self.cache.note_write(a, len) {
            self.leave_block = true;
        }
    }

    /// A read crossing the segment's limit: #GP/#SS, or on the 8086 a wrap inside the segment.
    #[cold]
    fn read_wrapped<B: Bus + ?Sized>(
        &mut self,
        bus: &mut B,
        n: u32,
        seg: SegReg,
        off: u32,
    ) -> R<u32> {
        self.linear(seg, off, n)?;
        let mut v = 0u32;
        for i in 0..n {
            v |= (bus.read8(self.wrapped(seg, off, i)) as u32) << (8 * i);
        }
        Ok(v)
    }

    #[cold]
    fn write_wrapped<B: Bus + ?Sized>(
        &mut self,
        bus: &mut B,
        n: u32,
        seg: SegReg,
        off: u32,
        v: u32,
    ) -> R<()> {
        self.linear(seg, off, n)?;
        for i in 0..n {
            let a = self.wrapped(seg, off, i);
            self.note_write(a, 1);
            bus.write8(a, (v >> (8 * i)) as u8);
        }
        Ok(())
    }

    /// Checks that a write of `sz` at `seg:off` would not fault, before an instruction changes
    /// other state (so a fault leaves the state as it was).
    pub(crate) fn check_access(&self, sz: Size, seg: SegReg, off: u32) -> R<()> {
        self.check_span(seg, off, sz as u32)
    }

    /// Like [`Cpu::check_access`] for an operand of `len` bytes.
    pub(crate) fn check_span(&self, seg: SegReg, off: u32, len: u32) -> R<()> {
        self.linear(seg, off, len).map(|_| ())
    }

    #[inline]
    pub(crate) fn read_loc<B: Bus + ?Sized>(&mut self, bus: &mut B, sz: Size, loc: Loc) -> R<u32> {
        match loc {
            Loc::Reg(r) => Ok(self.reg(sz, r)),
            Loc::Mem(s, o) => self.read(bus, sz, s, o),
        }
    }

    #[inline]
    pub(crate) fn write_loc<B: Bus + ?Sized>(
        &mut self,
        bus: &mut B,
        sz: Size,
        loc: Loc,
        v: u32,
    ) -> R<()> {
        match loc {
            Loc::Reg(r) => {
                self.set_reg(sz, r, v);
                Ok(())
            }
            Loc::Mem(s, o) => self.write(bus, sz, s, o, v),
        }
    }

    // --- instruction fetch -------------------------------------------------------------------

    /// Mask of the instruction pointer: 16 bits in a 16-bit code segment.
    #[inline]
    pub(crate) fn ip_mask(&self) -> u32 {
        if self.segs[SegReg::Cs as usize].attrs & 0x4000 != 0 {
            0xFFFF_FFFF
        } else {
            0xFFFF
        }
    }

    #[inline]
    pub(crate) fn fetch8<B: Bus + ?Sized>(&mut self, bus: &mut B) -> u8 {
        let a =
            self.segs[SegReg::Cs as usize].base.wrapping_add(self.eip) & self.quirks.address_mask;
        self.eip = self.eip.wrapping_add(1) & self.ip_mask();
        match self.ram.read::<1>(a) {
            Some([b]) => b,
            None => bus.read8(a),
        }
    }

    #[inline]
    pub(crate) fn fetch16<B: Bus + ?Sized>(&mut self, bus: &mut B) -> u16 {
        let lo = self.fetch8(bus) as u16;
        lo | (self.fetch8(bus) as u16) << 8
    }

    #[inline]
    pub(crate) fn fetch32<B: Bus + ?Sized>(&mut self, bus: &mut B) -> u32 {
        let lo = self.fetch16(bus) as u32;
        lo | (self.fetch16(bus) as u32) << 16
    }

    /// An immediate of size `sz` (a "z" immediate: at most 32 bits).
    #[inline]
    pub(crate) fn fetch_imm<B: Bus + ?Sized>(&mut self, bus: &mut B, sz: Size) -> u32 {
        match sz {
            Size::B => self.fetch8(bus) as u32,
            Size::W => self.fetch16(bus) as u32,
            Size::D => self.fetch32(bus),
        }
    }

    // --- ModRM -------------------------------------------------------------------------------

    pub(crate) fn modrm<B: Bus + ?Sized>(&mut self, bus: &mut B) -> ModRm {
        let b = self.fetch8(bus);
        let md = b >> 6;
        let reg = (b >> 3) & 7;
        let rm = b & 7;
        if md == 3 {
            return ModRm {
                reg,
                loc: Loc::Reg(rm),
            };
        }
        let (seg, off) = if self.pfx.addr32 {
            self.ea32(bus, md, rm)
        } else {
            self.ea16(bus, md, rm)
        };
        self.last_ea = off;
        ModRm {
            reg,
            loc: Loc::Mem(self.data_seg(seg), off),
        }
    }

    fn ea16<B: Bus + ?Sized>(&mut self, bus: &mut B, md: u8, rm: u8) -> (SegReg, u32) {
        let g = |c: &Cpu, i: usize| c.gpr[i] & 0xFFFF;
        let (mut seg, base) = match rm {
            0 => (SegReg::Ds, g(self, 3) + g(self, 6)),
            1 => (SegReg::Ds, g(self, 3) + g(self, 7)),
            2 => (SegReg::Ss, g(self, 5) + g(self, 6)),
            3 => (SegReg::Ss, g(self, 5) + g(self, 7)),
            4 => (SegReg::Ds, g(self, 6)),
            5 => (SegReg::Ds, g(self, 7)),
            6 => (SegReg::Ss, g(self, 5)),
            _ => (SegReg::Ds, g(self, 3)),
        };
        let off = match md {
            0 if rm == 6 => {
                seg = SegReg::Ds;
                self.fetch16(bus) as u32
            }
            0 => base,
            1 => base.wrapping_add(self.fetch8(bus) as i8 as u32),
            _ => base.wrapping_add(self.fetch16(bus) as u32),
        };
        (seg, off & 0xFFFF)
    }

    fn ea32<B: Bus + ?Sized>(&mut self, bus: &mut B, md: u8, rm: u8) -> (SegReg, u32) {
        let mut seg = SegReg::Ds;
        let base = if rm == 4 {
            let sib = self.fetch8(bus);
            let scale = sib >> 6;
            let index = (sib >> 3) & 7;
            let b = sib & 7;
            let idx = if index == 4 {
                0
            } else {
                self.gpr[index as usize] << scale
            };
            let base = if b == 5 && md == 0 {
                self.fetch32(bus)
            } else {
                if b == 4 || b == 5 {
                    seg = SegReg::Ss;
                }
                self.gpr[b as usize]
            };
            base.wrapping_add(idx)
        } else if rm == 5 && md == 0 {
            return (seg, self.fetch32(bus));
        } else {
            if rm == 5 {
                seg = SegReg::Ss;
            }
            self.gpr[rm as usize]
        };
        let off = match md {
            0 => base,
            1 => base.wrapping_add(self.fetch8(bus) as i8 as u32),
            _ => base.wrapping_add(self.fetch32(bus)),
        };
        (seg, off)
    }

    // --- stack -------------------------------------------------------------------------------

    /// Whether the stack is 32-bit (SS.B).
    #[inline]
    fn stack32(&self) -> bool {
        self.segs[SegReg::Ss as usize].attrs & 0x4000 != 0
    }

    #[inline]
    pub(crate) fn sp(&self) -> u32 {
        if self.stack32() {
            self.gpr[ESP]
        } else {
            self.gpr[ESP] & 0xFFFF
        }
    }

    #[inline]
    pub(crate) fn set_sp(&mut self, v: u32) {
        if self.stack32() {
            self.gpr[ESP] = v;
        } else {
            self.gpr[ESP] = (self.gpr[ESP] & !0xFFFF) | (v & 0xFFFF);
        }
    }

    #[inline]
    fn sp_mask(&self) -> u32 {
        if self.stack32() {
            0xFFFF_FFFF
        } else {
            0xFFFF
        }
    }

    pub(crate) fn push<B: Bus + ?Sized>(&mut self, bus: &mut B, sz: Size, v: u32) -> R<()> {
        let sp = self.sp().wrapping_sub(sz as u32) & self.sp_mask();
        self.write(bus, sz, SegReg::Ss, sp, v)?;
        self.set_sp(sp);
        Ok(())
    }

    pub(crate) fn pop<B: Bus + ?Sized>(&mut self, bus: &mut B, sz: Size) -> R<u32> {
        let sp = self.sp();
        let v = self.read(bus, sz, SegReg::Ss, sp)?;
        self.set_sp(sp.wrapping_add(sz as u32) & self.sp_mask());
        Ok(v)
    }

    /// Reads the stack `depth` bytes above SP without popping.
    pub(crate) fn peek<B: Bus + ?Sized>(&mut self, bus: &mut B, sz: Size, depth: u32) -> R<u32> {
        let off = self.sp().wrapping_add(depth) & self.sp_mask();
        self.read(bus, sz, SegReg::Ss, off)
    }
}
