//! Protected mode as firmware and DOS-era software use it: switching CR0.PE on and off, segment
//! loads through the GDT (or LDT) into the descriptor caches, and far transfers (JMP, CALL, RETF,
//! IRET) between code segments of the same privilege level.
//!
//! Memory accesses already go through the descriptor caches (base and limit), in both modes, so
//! once a segment is loaded here with a large limit and the CPU goes back to real mode, a real-mode
//! load (which changes only the selector and the base) keeps that limit: "unreal mode" follows.
//!
//! Not interpreted (the CPU stops with [`Exit::Shutdown`](crate::Exit::Shutdown) and
//! [`Cpu::unimplemented`] says what): interrupts and exceptions in protected mode (the IDT is not
//! read, so any fault there stops the machine), privilege-level changes, gates and task switches,
//! virtual-8086 mode, paging and expand-down data segments. Accesses through a null selector,
//! writes to read-only segments and reads from execute-only ones are not caught.
//!
//! The decoded-code cache needs no flush when PE changes: a decoded 16-bit instruction means the
//! same in both modes (segment loads and far transfers are never kept decoded, and every memory
//! access goes through the descriptor caches when it runs). Code in a 32-bit segment (D bit) runs
//! from its bytes only, with the default operand and address sizes flipped.

use crate::flags::{Size, IF};
use crate::state::{vector, Cpu, Fault, SegReg, Segment, R};
use crate::Bus;

/// CR0 bits.
const PE: u32 = 1;
const PG: u32 = 1 << 31;

/// Descriptor attribute bits, as in [`Segment::attrs`].
const ACCESSED: u32 = 1;
/// Writable (data) or readable (code).
const RW: u32 = 2;
/// Expand-down (data) or conforming (code).
const DC: u32 = 4;
const CODE: u32 = 8;
/// S: a code or data segment (not a system descriptor).
const S: u32 = 0x10;
const P: u32 = 0x80;
/// Default operand size (code) or stack size (SS): 32 bits.
pub(crate) const DB: u32 = 0x4000;
/// Limit in 4 KiB units.
const G: u32 = 0x8000;

/// #NP, segment not present.
const NP: u8 = 11;

/// EFLAGS.IOPL, NT and VM.
const IOPL: u32 = 3 << 12;
const NT: u32 = 1 << 14;
const VM: u32 = 1 << 17;

fn gp<T>() -> R<T> {
    Err(Fault::Exception(vector::GP))
}

/// Whether `sel` is a null selector (index 0 in the GDT; the RPL does not matter).
fn is_null(sel: u16) -> bool {
    sel & !3 == 0
}

/// A descriptor read from a table, with where it lives (to set its accessed bit).
struct Descriptor {
    seg: Segment,
    addr: u32,
}

impl Descriptor {
    fn dpl(&self) -> u16 {
        ((self.seg.attrs >> 5) & 3) as u16
    }
    fn is(&self, bits: u32) -> bool {
        self.seg.attrs & bits == bits
    }
}

impl Cpu {
    /// The current privilege level. Privilege changes are not interpreted, so it stays what SS's
    /// cached DPL was when PE was set (0 coming from real mode).
    fn cpl(&self) -> u16 {
        if self.protected_mode() {
            ((self.segs[SegReg::Ss as usize].attrs >> 5) & 3) as u16
        } else {
            0
        }
    }

    /// MOV CR0 / LMSW / CLTS: sets CR0. PE switches between real and protected mode; nothing else
    /// changes with it (the segment caches keep what they hold until the next load).
    pub(crate) fn set_cr0(&mut self, v: u32) -> R<()> {
        if v & PG != 0 {
            if v & PE == 0 {
                return gp();
            }
            return Err(self.unimplemented_fault("paging (CR0.PG)"));
        }
        self.cr0 = v | 0x10;
        Ok(())
    }

    /// Reads the descriptor `sel` names from the GDT or the LDT; #GP when it lies past the
    /// table's limit.
    fn read_descriptor<B: Bus + ?Sized>(&mut self, bus: &mut B, sel: u16) -> R<Descriptor> {
        let (base, limit) = if sel & 4 != 0 {
            (self.ldtr.base, self.ldtr.limit)
        } else {
            (self.gdtr.base, self.gdtr.limit as u32)
        };
        let index = (sel & !7) as u32;
        if index + 7 > limit {
            return gp();
        }
        let mask = self.quirks.address_mask;
        let addr = base.wrapping_add(index) & mask;
        let lo = bus.read32(addr);
        let hi = bus.read32(addr.wrapping_add(4) & mask);
        let base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF00_0000);
        let attrs = (hi >> 8) & 0xF0FF;
        let mut limit = (lo & 0xFFFF) | (hi & 0x000F_0000);
        if attrs & G != 0 {
            limit = (limit << 12) | 0xFFF;
        }
        Ok(Descriptor {
            seg: Segment {
                selector: sel,
                base,
                limit,
                attrs,
            },
            addr,
        })
    }

    /// Sets the accessed bit of a descriptor being loaded, in the table as the CPU does.
    fn mark_accessed<B: Bus + ?Sized>(&mut self, bus: &mut B, d: &mut Descriptor) {
        if d.seg.attrs & ACCESSED == 0 {
            d.seg.attrs |= ACCESSED;
            let a = d.addr.wrapping_add(5) & self.quirks.address_mask;
            self.cache.note_write(a, 1);
            bus.write8(a, d.seg.attrs as u8);
        }
    }

    /// MOV/POP/LxS into a data or stack segment register in protected mode.
    pub(crate) fn load_seg_protected<B: Bus + ?Sized>(
        &mut self,
        bus: &mut B,
        seg: SegReg,
        sel: u16,
    ) -> R<()> {
        let cpl = self.cpl();
        let rpl = sel & 3;
        if is_null(sel) {
            if seg == SegReg::Ss {
                return gp();
            }
            // The cache becomes unusable; base and limit stay (as on Intel chips), which also
            // gives real mode a sane segment should the program switch back.
            let s = &mut self.segs[seg as usize];
            s.selector = sel;
            s.attrs = 0;
            return Ok(());
        }
        let mut d = self.read_descriptor(bus, sel)?;
        if !d.is(S) {
            return gp();
        }
        if seg == SegReg::Ss {
            // A writable data segment at the current privilege level.
            if d.is(CODE) || !d.is(RW) || rpl != cpl || d.dpl() != cpl {
                return gp();
            }
            if !d.is(P) {
                return Err(Fault::Exception(vector::SS));
            }
        } else {
            // Data, or readable code; privilege only matters unless the code is conforming.
            if d.is(CODE) && !d.is(RW) {
                return gp();
            }
            if !(d.is(CODE) && d.is(DC)) && (rpl > d.dpl() || cpl > d.dpl()) {
                return gp();
            }
            if !d.is(P) {
                return Err(Fault::Exception(NP));
            }
        }
        if !d.is(CODE) && d.is(DC) {
            return Err(self.unimplemented_fault("expand-down data segment"));
        }
        self.mark_accessed(bus, &mut d);
        self.segs[seg as usize] = d.seg;
        Ok(())
    }

    /// A far JMP/CALL/RETF/IRET to `sel:off` in protected mode: loads CS from a code segment
    /// descriptor of the current privilege level and EIP from `off` (cut to the operand size).
    pub(crate) fn far_to_protected<B: Bus + ?Sized>(
        &mut self,
        bus: &mut B,
        sel: u16,
        off: u32,
    ) -> R<()> {
        if is_null(sel) {
            return gp();
        }
        let cpl = self.cpl();
        let mut d = self.read_descriptor(bus, sel)?;
        if !d.is(S) {
            return Err(
                self.unimplemented_fault("protected-mode far transfer through a gate or to a task")
            );
        }
        if !d.is(CODE) {
            return gp();
        }
        if sel & 3 > cpl {
            return Err(
                self.unimplemented_fault("protected-mode far transfer to another privilege level")
            );
        }
        let conforming = d.is(DC);
        if (conforming && d.dpl() > cpl) || (!conforming && d.dpl() != cpl) {
            return gp();
        }
        if !d.is(P) {
            return Err(Fault::Exception(NP));
        }
        let eip = if self.pfx.op32 { off } else { off & 0xFFFF };
        if eip > d.seg.limit {
            return gp();
        }
        self.mark_accessed(bus, &mut d);
        d.seg.selector = (sel & !3) | cpl;
        self.segs[SegReg::Cs as usize] = d.seg;
        self.eip = eip;
        Ok(())
    }

    /// IRET in protected mode, to the same privilege level.
    pub(crate) fn iret_protected<B: Bus + ?Sized>(&mut self, bus: &mut B) -> R<()> {
        if self.fbits & NT != 0 {
            return Err(self.unimplemented_fault("protected-mode IRET to another task"));
        }
        let v = self.osize();
        let ip = self.pop(bus, v)?;
        let cs = self.pop(bus, v)? as u16;
        let f = self.pop(bus, v)?;
        if v == Size::D && f & VM != 0 {
            return Err(self.unimplemented_fault("virtual-8086 mode"));
        }
        self.far_to_protected(bus, cs, ip)?;
        // IOPL changes only at CPL 0, IF only at CPL <= IOPL.
        let cpl = self.cpl() as u32;
        let mut keep = 0;
        if cpl > 0 {
            keep |= IOPL;
        }
        if cpl > (self.fbits & IOPL) >> 12 {
            keep |= IF;
        }
        let f = (f & !keep) | (self.fbits & keep);
        self.load_flags(v, f);
        Ok(())
    }

    /// An interrupt or exception in protected mode: not interpreted (the IDT is not read).
    pub(crate) fn interrupt_protected(&mut self, v: u8) -> Fault {
        // A fault delivering a fault tries #DF next: keep what the first one said.
        if v == vector::DF
            && self
                .unimplemented
                .is_some_and(|w| w.starts_with("protected-mode "))
        {
            return Fault::Unimplemented;
        }
        self.unimplemented_fault(match v {
            0 => "protected-mode exception #DE (IDT not interpreted)",
            1 => "protected-mode exception #DB (IDT not interpreted)",
            3 => "protected-mode INT3 (IDT not interpreted)",
            6 => "protected-mode exception #UD (IDT not interpreted)",
            8 => "protected-mode exception #DF (IDT not interpreted)",
            11 => "protected-mode exception #NP (IDT not interpreted)",
            12 => "protected-mode exception #SS (IDT not interpreted)",
            13 => "protected-mode exception #GP (IDT not interpreted)",
            _ => "protected-mode interrupt (IDT not interpreted)",
        })
    }
}
