//! String instructions (MOVS CMPS STOS LODS SCAS INS OUTS) with their REP prefixes.
//!
//! A repeated instruction runs its iterations in a loop; between iterations it looks for a
//! pending interrupt, and if there is one it stops with EIP on the instruction's first prefix so
//! that the interrupt is taken and the instruction resumes afterwards with the CX left.

use super::byte_or;
use crate::flags::{Size, DF, IF};
use crate::state::{Cpu, Rep, SegReg, R};
use crate::{Bus, IoWidth};

const ESI: u8 = 6;
const EDI: u8 = 7;
const ECX: u8 = 1;

impl Cpu {
    /// Register `r` as an address-size index (SI/DI/CX or ESI/EDI/ECX).
    #[inline]
    pub(crate) fn areg(&self, r: u8) -> u32 {
        self.gpr[r as usize] & self.amask()
    }

    #[inline]
    fn set_areg(&mut self, r: u8, v: u32) {
        let m = self.amask();
        let g = &mut self.gpr[r as usize];
        *g = (*g & !m) | (v & m);
    }

    /// Moves index register `r` on by one item in the direction DF says.
    #[inline]
    pub(crate) fn advance(&mut self, r: u8, sz: Size) {
        let d = if self.fbits & DF != 0 {
            (sz as u32).wrapping_neg()
        } else {
            sz as u32
        };
        let v = self.areg(r).wrapping_add(d);
        self.set_areg(r, v);
    }

    pub(crate) fn string_op<B: Bus + ?Sized>(&mut self, bus: &mut B, op: u8) -> R<()> {
        let sz = byte_or(op, self.osize());
        let rep = self.pfx.rep;
        if rep == Rep::None {
            return self.string_once(bus, op, sz);
        }
        let compares = matches!(op, 0xA6 | 0xA7 | 0xAE | 0xAF);
        if matches!(op, 0x6C | 0x6D) && self.ins_block(bus, sz) {
            return Ok(());
        }
        loop {
            let cx = self.areg(ECX);
            if cx == 0 {
                return Ok(());
            }
            self.string_once(bus, op, sz)?;
            self.set_areg(ECX, cx.wrapping_sub(1));
            if compares && self.zf() != (rep == Rep::Repe) {
                return Ok(());
            }
            if cx == 1 {
                return Ok(());
            }
            if self.interrupt_waiting(bus) {
                self.eip = self.start_eip;
                return Ok(());
            }
        }
    }

    /// Whether an NMI or an enabled interrupt waits (a REP string op then yields to it).
    fn interrupt_waiting<B: Bus + ?Sized>(&mut self, bus: &mut B) -> bool {
        if !self.nmi_latched && bus.nmi_take() {
            self.nmi_latched = true;
        }
        self.nmi_latched || (self.fbits & IF != 0 && bus.intr_pending())
    }

    /// One iteration.
    fn string_once<B: Bus + ?Sized>(&mut self, bus: &mut B, op: u8, sz: Size) -> R<()> {
        let src = self.data_seg(SegReg::Ds);
        match op {
            0xA4 | 0xA5 => {
                let v = self.read(bus, sz, src, self.areg(ESI))?;
                self.write(bus, sz, SegReg::Es, self.areg(EDI), v)?;
                self.advance(ESI, sz);
                self.advance(EDI, sz);
            }
            0xA6 | 0xA7 => {
                let a = self.read(bus, sz, src, self.areg(ESI))?;
                let b = self.read(bus, sz, SegReg::Es, self.areg(EDI))?;
                self.sub_flags(sz, a, b, 0);
                self.advance(ESI, sz);
                self.advance(EDI, sz);
            }
            0xAA | 0xAB => {
                let v = self.reg(sz, 0);
                self.write(bus, sz, SegReg::Es, self.areg(EDI), v)?;
                self.advance(EDI, sz);
            }
            0xAC | 0xAD => {
                let v = self.read(bus, sz, src, self.areg(ESI))?;
                self.set_reg(sz, 0, v);
                self.advance(ESI, sz);
            }
            0xAE | 0xAF => {
                let b = self.read(bus, sz, SegReg::Es, self.areg(EDI))?;
                let a = self.reg(sz, 0);
                self.sub_flags(sz, a, b, 0);
                self.advance(EDI, sz);
            }
            0x6C | 0x6D => {
                // INS: the destination is checked before the port is read.
                self.check_access(sz, SegReg::Es, self.areg(EDI))?;
                let port = self.gpr[2] as u16;
                let v = bus.io_read(port, io_width(sz));
                self.write(bus, sz, SegReg::Es, self.areg(EDI), v)?;
                self.advance(EDI, sz);
            }
            _ => {
                let v = self.read(bus, sz, src, self.areg(ESI))?;
                let port = self.gpr[2] as u16;
                bus.io_write(port, io_width(sz), v);
                self.advance(ESI, sz);
            }
        }
        Ok(())
    }

    /// REP INS as one bulk transfer when the bus offers it and the destination range stays
    /// inside ES. Returns whether the whole instruction was done.
    fn ins_block<B: Bus + ?Sized>(&mut self, bus: &mut B, sz: Size) -> bool {
        let count = self.areg(ECX);
        let di = self.areg(EDI);
        let n = sz as u32;
        let back = self.fbits & DF != 0;
        let es = self.segs[SegReg::Es as usize];
        let span = match count.checked_mul(n) {
            Some(s) if count > 0 => s,
            _ => return false,
        };
        let (lo, hi) = if back {
            match di.checked_sub(span - n) {
                Some(lo) => (lo, di + n - 1),
                None => return false,
            }
        } else {
            match di.checked_add(span - 1) {
                Some(hi) => (di, hi),
                None => return false,
            }
        };
        if hi > es.limit {
            return false;
        }
        let addr = es.base.wrapping_add(di) & self.quirks.address_mask;
        let port = self.gpr[2] as u16;
        match bus.io_read_block(port, io_width(sz), addr, count, back) {
            Some(done) => {
                self.cache.invalidate(es.base.wrapping_add(lo), hi - lo + 1);
                let moved = done.wrapping_mul(n);
                let ndi = if back {
                    di.wrapping_sub(moved)
                } else {
                    di.wrapping_add(moved)
                };
                self.set_areg(EDI, ndi);
                self.set_areg(ECX, count - done);
                done == count
            }
            None => false,
        }
    }
}

pub(crate) fn io_width(sz: Size) -> IoWidth {
    match sz {
        Size::B => IoWidth::Byte,
        Size::W => IoWidth::Word,
        Size::D => IoWidth::Dword,
    }
}
